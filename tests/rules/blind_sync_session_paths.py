"""Blind cases: sync SQLAlchemy/SQLModel sessions on exception paths and early returns."""
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, sessionmaker
from sqlmodel import Session as SQLModelSession

engine = create_engine("postgresql+psycopg2://app@db/app")
MakeSession = sessionmaker(bind=engine, expire_on_commit=False)


class Invoice:
    pass


def audit_trail(session, note):
    """Unknown-ish helper: only uses the session."""
    session.execute(text("insert into audit(note) values (:n)"), {"n": note})


# Bad: execute() may raise before close(); close is not in finally.
def invoice_total(invoice_id):
    sess = MakeSession()  # expect: SL103
    total = sess.execute(text("select sum(amount) from lines where inv = :i"), {"i": invoice_id}).scalar()
    sess.close()
    return total


# Good: try/finally closes on every path.
def invoice_total_safe(invoice_id):
    sess = MakeSession()
    try:
        return sess.execute(text("select 1")).scalar()
    finally:
        sess.close()


# Good: with-block closes.
def list_invoices():
    with MakeSession() as sess:
        return list(sess.scalars(select(Invoice)))


# Bad: early return after the session was used skips close().
def invoice_or_none(invoice_id):
    sess = MakeSession()  # expect: SL103
    try:
        row = sess.get(Invoice, invoice_id)
    except Exception:
        sess.close()
        raise
    if row is None:
        return None
    sess.close()
    return row


# Good (lazy checkout): the early return happens before the session is used.
def invoice_lazy(invoice_id):
    sess = MakeSession()
    if invoice_id is None:
        return None
    try:
        return sess.get(Invoice, invoice_id)
    finally:
        sess.close()


# Good (README decision): in sync code `except Exception` sees what the call raises.
def rename_invoice(invoice_id, label):
    sess = MakeSession()
    try:
        sess.execute(text("update inv set label = :l where id = :i"), {"l": label, "i": invoice_id})
        sess.commit()
    except Exception:
        sess.close()
        raise
    sess.close()


# Bad: a rollback() in the handler may itself raise, and then close() is skipped.
def rename_invoice_rollback(invoice_id, label):
    sess = MakeSession()  # expect: SL103
    try:
        sess.execute(text("update inv set label = :l where id = :i"), {"l": label, "i": invoice_id})
    except Exception:
        sess.rollback()
        sess.close()
        raise
    sess.close()


# Bad: only ValueError is handled; any other error from the helper leaks.
def archive_invoice(invoice_id):
    sess = MakeSession()  # expect: SL103
    try:
        audit_trail(sess, "archive %s" % invoice_id)
    except ValueError:
        sess.close()
        return False
    sess.close()
    return True


# Bad: session handed to a helper that only uses it; helper may raise.
def annotate(invoice_id):
    sess = MakeSession()  # expect: SL103
    audit_trail(sess, "seen")
    sess.close()


# Bad: Session(engine) constructed directly, `with s.begin()` only ends the transaction.
def bump_counter():
    s = Session(engine)  # expect: SL103
    with s.begin():
        s.execute(text("update counters set n = n + 1"))


# Good: SessionLocal.begin() as a context manager commits and closes.
def bump_counter_tx():
    with MakeSession.begin() as s:
        s.execute(text("update counters set n = n + 1"))


# Good: SQLModel Session with a with-block, a nested begin() is fine.
def sqlmodel_counter():
    with SQLModelSession(engine) as s:
        with s.begin():
            s.execute(text("select 1"))


# Bad: SQLModel Session closed only on the normal path.
def sqlmodel_leak():
    s = SQLModelSession(engine)  # expect: SL103
    s.exec(select(Invoice)).all()
    s.close()


# Good: a session created and never used holds nothing (lazy checkout).
def unused_session():
    s = MakeSession()
    return 42


# Good: the session is closed in finally, with an else clause doing the commit.
def try_else_finally(invoice_id):
    s = MakeSession()
    try:
        s.execute(text("delete from inv where id = :i"), {"i": invoice_id})
    except KeyError:
        s.rollback()
    else:
        s.commit()
    finally:
        s.close()


# Bad: the else clause commits but close() sits after the try statement.
def try_else_no_finally(invoice_id):
    s = MakeSession()  # expect: SL103
    try:
        s.execute(text("delete from inv where id = :i"), {"i": invoice_id})
    except KeyError:
        s.rollback()
    else:
        s.commit()
    s.close()
