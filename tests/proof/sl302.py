"""SL302 uncommitted-write: a write in `with engine.connect()` that nothing
commits, on SQLAlchemy 2.0 (or 1.4 with future=True, or an async engine).

The page's bad close_issue() on a future=True engine (Debian 12 ships
SQLAlchemy 1.4, whose 2.0 mode that is): the UPDATE matches its row, the
call returns and raises nothing, the end of the block sends ROLLBACK, and
the row is unchanged.  The fixed close_issue() commits: the row is closed.
The same code on a 1.4 engine made without future=True commits the UPDATE
by itself (library-level autocommit), which is why the rule is quiet there;
the proof shows that too.  On SQLAlchemy 2 that engine rolls back as well.
"""
# needs: sqlalchemy psycopg2
import warnings

from sqlalchemy import create_engine, event, text

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

    del log[:]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        close_issue_legacy(3)
    warned = sorted({w.category.__name__ for w in caught})
    legacy_closed = closed(3)
    if IS_2X:
        p.check(legacy_closed is False, "SQLAlchemy %s without future=True: committed" % version)
        p.note("SQLAlchemy %s without future=True: rolled back as well (%r)" % (version, log))
        p.lint(["--sqlalchemy-version", ".".join(version.split(".")[:2])],
               also=[(p.line_of("with legacy_engine.connect() as conn:") + 1, "SL302")])
    else:
        p.check(legacy_closed is True and ("commit",) in log,
                "SQLAlchemy %s without future=True: not committed: %r" % (version, log))
        p.note("SQLAlchemy %s without future=True: the same code commits the UPDATE by itself "
               "(library-level autocommit), closed is true; warns %s (engine events: %r)" % (
                   version, ", ".join(warned) or "nothing", log))
        p.lint(["--sqlalchemy-version", ".".join(version.split(".")[:2])])


proof.run("SL302", body)
