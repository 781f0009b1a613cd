"""Blind cases: loops, break/continue through finally, rebinding."""
import psycopg2
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

eng = create_engine("postgresql://l@db/l")
Make = sessionmaker(bind=eng)


def replicate(conn):
    conn.commit()


# Good: one connection per iteration, closed in finally.
def sync_shards(shards):
    for dsn in shards:
        node = psycopg2.connect(dsn)
        try:
            replicate(node)
        finally:
            node.close()


# Bad: continue skips close for inactive shards.
def sync_active(shards):
    for shard in shards:
        node = psycopg2.connect(shard.dsn)  # expect: SL103
        if not shard.active:
            continue
        try:
            replicate(node)
        finally:
            node.close()


# Good: break passes through finally.
def first_healthy(shards):
    for dsn in shards:
        node = psycopg2.connect(dsn)
        try:
            replicate(node)
            break
        finally:
            node.close()


# Bad: break skips the close at the end of the body.
def first_ok(shards):
    for dsn in shards:
        node = psycopg2.connect(dsn)  # expect: SL103
        try:
            replicate(node)
        except Exception:
            node.close()
            continue
        if dsn.endswith("primary"):
            break
        node.close()


# Bad: rebinding loses the first (used) session.
def two_tenants(a, b):
    s = Make()  # expect: SL103
    s.execute(text("set tenant = :t"), {"t": a})
    s = Make()
    try:
        s.execute(text("set tenant = :t"), {"t": b})
    finally:
        s.close()


# Good: rebinding after closing.
def two_tenants_ok(a, b):
    s = Make()
    try:
        s.execute(text("select 1"))
    finally:
        s.close()
    s = Make()
    try:
        s.execute(text("select 2"))
    finally:
        s.close()


# Bad: the connection from the previous iteration is lost when the name is rebound (not closed per iteration).
def while_retry(dsn, attempts):
    node = None
    while attempts:
        node = psycopg2.connect(dsn)  # expect: SL103
        attempts -= 1
    if node is not None:
        node.close()


# Good: return inside the loop body passes through finally.
def find_row(dsns, key):
    for dsn in dsns:
        node = psycopg2.connect(dsn)
        try:
            cur = node.cursor()
            cur.execute("select v from kv where k = %s", (key,))
            row = cur.fetchone()
            if row:
                return row[0]
        finally:
            node.close()
    return None


# Good: a session reused across loop iterations and closed once with a with-block.
def bulk_insert(rows):
    with Make() as s:
        for r in rows:
            s.execute(text("insert into t values (:v)"), {"v": r})
            if r is None:
                break
        s.commit()


# Good: while/else with try/finally per iteration.
def poll(dsn, times):
    i = 0
    while i < times:
        node = psycopg2.connect(dsn)
        try:
            replicate(node)
        finally:
            node.close()
        i += 1
    else:
        return True
