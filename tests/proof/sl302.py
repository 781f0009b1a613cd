"""SL302 uncommitted-write: a write in `with engine.connect()` that nothing
commits, on SQLAlchemy 2.0 (or 1.4 with future=True, or an async engine).

The page's bad close_issue() on a future=True engine (Debian 12 ships
SQLAlchemy 1.4, whose 2.0 mode that is): the UPDATE matches its row, the
call returns and raises nothing, the end of the block sends ROLLBACK, and
the row is unchanged.  The fixed close_issue() commits: the row is closed.
The same code on a 1.4 engine made without future=True commits the UPDATE
by itself (library-level autocommit), which is why the rule is quiet there;
the proof shows that too.  On SQLAlchemy 2 that engine rolls back as well.

The DB-API form: psycopg2's connection begins a transaction on the first
statement; add_item() inserts and closes without commit, and the row is
not there.  The fixed add_item() commits.

The second form, a change to an ORM object that no session commits: an
endpoint changes the member that a Security(..., scopes=[...]) dependency
loaded and commits its own Depends(get_db).  FastAPI before 0.123 caches
get_db under the scopes apart from the endpoint's, so the request has two
sessions: the endpoint answers 200 with the new name and the row keeps the
old one.  The fixed endpoint merges the member into its session first.
"""
# needs: sqlalchemy psycopg2 fastapi
import warnings

import psycopg2
from fastapi import Depends, FastAPI, Security
from fastapi.security import SecurityScopes
from sqlalchemy import Column, Integer, String, create_engine, event, text
from sqlalchemy.orm import Session, declarative_base, sessionmaker

import proof

IS_2X = proof.version_tuple("sqlalchemy") >= (2, 0)
# 2.0 mode: future=True (the default, and the only mode, of SQLAlchemy 2)
engine = create_engine("postgresql+psycopg2://", future=True)
# 1.x mode: what the code ran on before it moved to 2.0
legacy_engine = create_engine("postgresql+psycopg2://")
log = []  # what the engines did: ("rows", n) per statement, ("commit"|"rollback",)


# The page's bad example.
def close_issue(issue_id: int) -> None:
    with engine.connect() as conn:
        conn.execute(text("UPDATE issue SET closed = true WHERE id = :id"),  # expect: SL302
                     {"id": issue_id})


# The page's fixed example.
def close_issue_fixed(issue_id: int) -> None:
    with engine.connect() as conn:
        conn.execute(text("UPDATE issue SET closed = true WHERE id = :id"),
                     {"id": issue_id})
        conn.commit()


# The bad example on a 1.4 engine without future=True (quiet on 1.4).
def close_issue_legacy(issue_id: int) -> None:
    with legacy_engine.connect() as conn:
        conn.execute(text("UPDATE issue SET closed = true WHERE id = :id"),
                     {"id": issue_id})


# The DB-API form's bad example ...
def add_item(name: str) -> None:
    conn = psycopg2.connect("")
    try:
        cur = conn.cursor()
        cur.execute("INSERT INTO item (name) VALUES (%s)", (name,))  # expect: SL302
        cur.close()
    finally:
        conn.close()


# ... and its fixed example.
def add_item_fixed(name: str) -> None:
    conn = psycopg2.connect("")
    try:
        cur = conn.cursor()
        cur.execute("INSERT INTO item (name) VALUES (%s)", (name,))
        cur.close()
        conn.commit()
    finally:
        conn.close()


SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()


class Member(Base):
    __tablename__ = "member"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def current_member(security_scopes: SecurityScopes, db: Session = Depends(get_db)) -> Member:
    return db.get(Member, 1)


app = FastAPI()


# The second form's bad example: the member is an object of another session.
@app.post("/me/{name}")
def rename_me(name: str, me: Member = Security(current_member, scopes=["me"]),
              db: Session = Depends(get_db)):
    me.name = name  # expect: SL302
    db.commit()
    return {"name": me.name}


# ... and its fixed example.
@app.post("/fixed/me/{name}")
def rename_me_fixed(name: str, me: Member = Security(current_member, scopes=["me"]),
                    db: Session = Depends(get_db)):
    me = db.merge(me)
    me.name = name
    db.commit()
    return {"name": me.name}


for eng in (engine, legacy_engine):
    event.listen(eng, "after_cursor_execute",
                 lambda conn, cur, stmt, params, ctx, many: log.append(("rows", cur.rowcount)))
    event.listen(eng, "commit", lambda conn: log.append(("commit",)))
    event.listen(eng, "rollback", lambda conn: log.append(("rollback",)))


def closed(issue_id):
    return proof.query("SELECT closed FROM issue WHERE id = %s", (issue_id,))[0][0]


def body(p):
    proof.query("CREATE TABLE issue (id int PRIMARY KEY, closed boolean NOT NULL DEFAULT false);"
                "INSERT INTO issue (id) VALUES (1), (2), (3)")
    version = proof.versions()["sqlalchemy"]
    fastapi_version = proof.versions()["fastapi"]
    fastapi_args = ["--fastapi-version", ".".join(fastapi_version.split(".")[:2])]
    split = proof.version_tuple("fastapi") < (0, 123)  # the cache keys on the scopes

    del log[:]
    close_issue_fixed(2)
    p.check(closed(2) is True, "fixed: issue 2 is not closed")
    p.check(("commit",) in log, "fixed: no COMMIT: %r" % log)
    p.fixed("conn.commit(): the row is closed")

    del log[:]
    result = close_issue(1)  # raises nothing: an exception would fail the proof
    p.check(result is None, "bad: returned %r" % (result,))
    p.check(log[:1] == [("rows", 1)], "bad: the UPDATE did not match its row: %r" % log)
    p.check(("commit",) not in log, "bad: something committed: %r" % log)
    p.check(("rollback",) in log, "bad: the block did not roll back: %r" % log)
    p.check(closed(1) is False, "bad: issue 1 was closed")
    p.bad("UPDATE matched 1 row, no error, ROLLBACK at the end of the block: "
          "closed still false", "engine events: %r" % log)

    proof.query("CREATE TABLE item (name text NOT NULL)")
    add_item_fixed("kept")
    add_item("lost")  # raises nothing
    items = [r[0] for r in proof.query("SELECT name FROM item ORDER BY name")]
    p.check(items == ["kept"], "psycopg2: %r" % items)
    p.fixed("psycopg2: committed, the row is there")
    p.bad("psycopg2: INSERT, close() without commit: no error, the row is not there")

    Base.metadata.create_all(engine)
    proof.query("INSERT INTO member (id, name) VALUES (1, 'Alice')")
    member = lambda: proof.query("SELECT name FROM member WHERE id = 1")[0][0]  # noqa: E731
    status, text_, err = proof.asgi_request(app, "POST", "/fixed/me/Alicia")
    p.check(status == 200 and err is None and member() == "Alicia",
            "fixed: %r %r %r, name %r" % (status, text_, err, member()))
    p.fixed("merged into the endpoint's session: the name is changed")
    status, text_, err = proof.asgi_request(app, "POST", "/me/Liddell")
    answered = (status, text_)
    if split:
        p.check(status == 200 and err is None, "bad: %r %r %r" % (status, text_, err))
        p.check(b"Liddell" in text_, "bad: the endpoint did not answer the new name")
        p.check(member() == "Alicia", "bad (FastAPI %s): the change was saved: %r" % (
            fastapi_version, member()))
        p.note("FastAPI %s: the endpoint answered %d %s and the row still has %r: get_db ran "
               "twice for one request, the change went to the session nobody committed" % (
                   fastapi_version, status, text_.decode(), member()))
    else:
        p.check(member() == "Liddell", "FastAPI %s: not saved" % fastapi_version)
        p.note("FastAPI %s shares get_db across the scopes: the change is saved, and the rule "
               "is quiet there (checked); answered %r" % (fastapi_version, answered))

    del log[:]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        close_issue_legacy(3)
    warned = sorted({w.category.__name__ for w in caught})
    legacy_closed = closed(3)
    if IS_2X:
        p.check(legacy_closed is False, "SQLAlchemy %s without future=True: committed" % version)
        p.note("SQLAlchemy %s without future=True: rolled back as well (%r)" % (version, log))
        p.lint(["--sqlalchemy-version", ".".join(version.split(".")[:2])] + fastapi_args,
               also=[(p.line_of("with legacy_engine.connect() as conn:") + 1, "SL302")],
               drop=[] if split else [(p.line_of("me.name = name  # expect"), "SL302")])
    else:
        p.check(legacy_closed is True and ("commit",) in log,
                "SQLAlchemy %s without future=True: not committed: %r" % (version, log))
        p.note("SQLAlchemy %s without future=True: the same code commits the UPDATE by itself "
               "(library-level autocommit), closed is true; warns %s (engine events: %r)" % (
                   version, ", ".join(warned) or "nothing", log))
        p.lint(["--sqlalchemy-version", ".".join(version.split(".")[:2])] + fastapi_args,
               drop=[] if split else [(p.line_of("me.name = name  # expect"), "SL302")])


proof.run("SL302", body)
