"""SL303 pooled-session-setting: a session-level setting committed on a
pooled connection stays on it when it goes back to the pool.

The page's bad endpoint sets the organisation for row-level security with
set_config(..., false), writes, and commits.  The proof serves it as an ASGI
server does, on a pool of one connection, then serves another endpoint of
the same application that sets nothing and reads the setting: it sees the
first request's organisation.  The fixed endpoint (set_config(..., true):
for the transaction only) leaves nothing behind for the next request.  The
pool gives connections back with a ROLLBACK, which does not undo a
committed SET.

Then psycopg2's ThreadedConnectionPool, in the shape of squeaknode#187: a
start-up function sets search_path through a @contextmanager helper that
commits after its yield and puts the connection back.  Two connections of the
pool checked out afterwards disagree: the one that ran the SET has the
schema, the other has the default.  Opened with options='-c search_path=...'
(the fix), every connection of the pool has it.  squeaknode's own fix, ALTER
ROLE ... SET, reaches only the sessions opened after it.  asyncpg's pool,
which the rule leaves alone, runs RESET ALL when a connection is released:
the same SET is gone when the one connection of the pool comes back.
"""
# needs: sqlalchemy psycopg2 fastapi asyncpg
import asyncio
from contextlib import contextmanager

import asyncpg

import psycopg2.pool
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

import proof

engine = create_engine("postgresql+psycopg2://", pool_size=1, max_overflow=0)
SessionLocal = sessionmaker(bind=engine)


def get_db():
    with SessionLocal() as db:
        yield db


app = FastAPI()


# The page's bad example.
@app.post("/orgs/{org_id}/notes")
def add_note(org_id: int, body: str, db: Session = Depends(get_db)):
    db.execute(text("SELECT set_config('app.org', :o, false)"), {"o": str(org_id)})  # expect: SL303
    db.execute(text("INSERT INTO notes (body) VALUES (:b)"), {"b": body})
    db.commit()


# Another request of the same application: it sets no organisation.
@app.get("/org")
def current_org(db: Session = Depends(get_db)):
    return {"org": db.execute(text("SELECT current_setting('app.org', true)")).scalar()}


app_fixed = FastAPI()


# The page's fixed example.
@app_fixed.post("/orgs/{org_id}/notes")
def add_note_fixed(org_id: int, body: str, db: Session = Depends(get_db)):
    # true: for this transaction only
    db.execute(text("SELECT set_config('app.org', :o, true)"), {"o": str(org_id)})
    db.execute(text("INSERT INTO notes (body) VALUES (:b)"), {"b": body})
    db.commit()


app_fixed.get("/org")(current_org)


pg2pool = psycopg2.pool.ThreadedConnectionPool(2, 2, "")


@contextmanager
def get_cursor():
    con = pg2pool.getconn()
    try:
        yield con.cursor()
        con.commit()
    finally:
        pg2pool.putconn(con)


# squeaknode#187's bad start-up code.
def use_schema():
    with get_cursor() as curs:
        curs.execute("SET search_path TO app, public")  # expect: SL303


def search_paths(pool):
    """SHOW search_path on two connections of the pool, held at once."""
    conns = [pool.getconn(), pool.getconn()]
    try:
        seen = []
        for c in conns:
            with c.cursor() as cur:
                cur.execute("SHOW search_path")
                seen.append(cur.fetchone()[0].replace(", ", ","))
            c.commit()
        return seen
    finally:
        for c in conns:
            pool.putconn(c)


def driver_pool(p):
    use_schema()
    seen = search_paths(pg2pool)
    p.check(sorted(seen) == ['"$user",public', "app,public"],
            "psycopg2 pool: the two connections see %r" % seen)
    p.bad("psycopg2 ThreadedConnectionPool: after the SET, its commit and putconn, one "
          "connection shows search_path %s and the other %s" % (seen[0], seen[1]))

    # The fix: every connection the pool opens is opened with the setting.
    fixed = psycopg2.pool.ThreadedConnectionPool(2, 2, "", options="-c search_path=app,public")
    try:
        seen = search_paths(fixed)
    finally:
        fixed.closeall()
    p.check(seen == ["app,public", "app,public"], "fixed pool: %r" % seen)
    p.fixed("a pool opened with options='-c search_path=app,public': both connections "
            "show %s" % seen[0])

    # squeaknode's fix: ALTER ROLE reaches new sessions only.
    db = proof.query("SELECT current_database()")[0][0]
    late = psycopg2.pool.ThreadedConnectionPool(2, 2, "")
    try:
        con = late.getconn()
        with con.cursor() as cur:
            cur.execute('ALTER ROLE CURRENT_USER IN DATABASE "%s" SET search_path TO app, public'
                        % db)
        con.commit()
        late.putconn(con)
        seen = search_paths(late)
        new = proof.query("SHOW search_path")[0][0]
    finally:
        late.closeall()
        proof.query('ALTER ROLE CURRENT_USER IN DATABASE "%s" RESET search_path' % db)
    p.check(seen == ['"$user",public'] * 2 and new.replace(", ", ",") == "app,public",
            "ALTER ROLE: %r, new session %r" % (seen, new))
    p.note("ALTER ROLE ... SET search_path through the pool: its two open connections "
           "still show %s, a new session shows %s" % (seen[0], new))

    seen = asyncio.run(asyncpg_schema())
    p.check(seen == '"$user", public', "asyncpg: the next acquire sees %r" % seen)
    p.note("asyncpg, a pool of one connection: after the SET and release, the next acquire "
           "shows search_path %s (released with RESET ALL)" % seen)


# Quiet: asyncpg's pool resets the connection when it is released.
async def asyncpg_schema():
    apool = await asyncpg.create_pool(min_size=1, max_size=1)
    try:
        async with apool.acquire() as conn:
            await conn.execute("SET search_path TO app, public")
        async with apool.acquire() as conn:
            return await conn.fetchval("SHOW search_path")
    finally:
        await apool.close()


def with_query(asgi, query):
    """The ASGI app, served a query string (proof.asgi_request sends none)."""
    async def served(scope, receive, send):
        await asgi(dict(scope, query_string=query.encode()), receive, send)
    return served


def org_seen(asgi):
    status, text_, err = proof.asgi_request(asgi, "GET", "/org")
    return status, text_.decode(), err


def body(p):
    proof.query("CREATE TABLE notes (body text NOT NULL)")

    status, _, err = proof.asgi_request(with_query(app_fixed, "body=tea"), "POST", "/orgs/8/notes")
    p.check(status == 200 and err is None, "fixed: %r %r" % (status, err))
    status, seen, err = org_seen(app_fixed)
    p.check(status == 200 and seen in ('{"org":""}', '{"org":null}'),
            "fixed: the next request sees %r" % seen)
    p.fixed("set_config(..., true): the next request on the same connection sees %s" % seen)
    engine.dispose()  # a fresh connection for the bad run

    status, _, err = proof.asgi_request(with_query(app, "body=cake"), "POST", "/orgs/7/notes")
    p.check(status == 200 and err is None, "bad: %r %r" % (status, err))
    status, seen, err = org_seen(app)
    p.check(status == 200 and seen == '{"org":"7"}', "bad: the next request sees %r" % seen)
    p.bad("a request that sets no organisation, on the pool's one connection, sees the last "
          "request's: %s" % seen)

    driver_pool(p)
    pg2pool.closeall()
    p.lint()


proof.run("SL303", body)
