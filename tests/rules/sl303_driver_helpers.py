# select: SL303
# SL303 on a driver's pooled connection set by a project function handed
# the connection (`apply_schema(conn, tenant)`), as for a SQLAlchemy
# session: the helper's body runs the SET on its parameter; the caller's
# connection is committed and put back still set.  Reported at the call.
import os
from contextlib import contextmanager

import psycopg2.pool
from psycopg import sql
from psycopg_pool import ConnectionPool

pool = ConnectionPool(os.environ["DATABASE_URL"], min_size=1, max_size=10, open=True)
legacy = psycopg2.pool.ThreadedConnectionPool(1, 10, dsn=os.environ["LEGACY_DSN"])


def apply_schema(conn, tenant):
    conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(tenant)))


def apply_local_schema(conn, tenant):
    conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(tenant)))


def set_timeout(cur):
    cur.execute("SET statement_timeout = 5000")


def count_rows(conn, table):
    return conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()


@contextmanager
def tenant_conn(tenant):
    with pool.connection() as conn:
        apply_schema(conn, tenant)  # expect: SL303 "by `apply_schema()`"
        yield conn


def legacy_report():
    conn = legacy.getconn()
    try:
        cur = conn.cursor()
        set_timeout(cur)  # expect: SL303 "by `set_timeout()`"
        cur.execute("SELECT count(*) FROM orders")
        conn.commit()
        return cur.fetchone()
    finally:
        legacy.putconn(conn)


# Quiet: SET LOCAL ends with the transaction.
@contextmanager
def tenant_conn_local(tenant):
    with pool.connection() as conn:
        apply_local_schema(conn, tenant)
        yield conn


# Quiet: reset before the connection goes back.
@contextmanager
def tenant_conn_reset(tenant):
    with pool.connection() as conn:
        apply_schema(conn, tenant)
        try:
            yield conn
        finally:
            conn.execute("RESET search_path")


# Quiet: the helper sets nothing.
def orders_count():
    with pool.connection() as conn:
        return count_rows(conn, "orders")
