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
"""
# needs: sqlalchemy psycopg2 fastapi
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
    p.lint()


proof.run("SL303", body)
