# SL102 on SQLAlchemy sessions: Session.close() does not make the session
# unusable; its next use begins a new transaction on a newly checked-out
# pooled connection.  That is a defect when, on some path from that use,
# nothing closes the session again (the connection stays checked out), and
# fine when every path does.  Reported on the first use after the close.
import os

from sqlalchemy import create_engine, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from app.models import AuditEntry, Event, Order, Project, Report, Sale, User
from app.pdf import render_pdf

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine, autoflush=False)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)


# a query after close() in finally: the session checks out a connection
# again and nothing gives it back.
def user_summary(user_id):
    db = SessionLocal()
    try:
        user = db.get(User, user_id)
    finally:
        db.close()
    n = db.scalar(select(func.count(Order.id)).where(Order.user_id == user_id))  # expect: SL102
    return {"email": user.email, "orders": n}


# the with block closed the session; the audit insert reopens it.
def rename_project(project_id, name):
    with SessionLocal() as db:
        project = db.get(Project, project_id)
        project.name = name
        db.commit()
    db.execute(insert(AuditEntry).values(action="rename", target=project_id))  # expect: SL102


# AsyncSession used after its `async with` block.
async def touch_last_seen(user_id):
    async with AsyncSessionLocal() as session:
        user = await session.get(User, user_id)
    await session.execute(update(User).where(User.id == user_id).values(seen_at=func.now()))  # expect: SL102
    return user


# SessionLocal.begin() commits and closes at the end of its block.
def add_sale(sale):
    with SessionLocal.begin() as db:
        db.add(sale)
    return db.scalar(select(func.count(Sale.id)))  # expect: SL102


# the session is reused on one branch after the finally closed it.
def report_totals(include_refunds):
    db = SessionLocal()
    try:
        total = db.scalar(select(func.sum(Sale.cents)))
    finally:
        db.close()
    refunds = 0
    if include_refunds:
        refunds = db.scalar(select(func.sum(Sale.refund_cents)))  # expect: SL102
    return total, refunds


# each iteration's reuse is closed again at the end of that iteration, but
# not when the delete raises: the first iteration's delete leaves the
# session open (SL103 on the acquisition), a later one leaves the connection
# its reuse checked out (SL102 on the reuse).
def purge_events(batches):
    session = Session(engine)  # expect: SL103
    for ids in batches:
        session.execute(delete(Event).where(Event.id.in_(ids)))  # expect: SL102
        session.commit()
        session.close()


# quiet: the same batching with a finally that closes whatever is open.
def purge_events_safely(batches):
    session = Session(engine)
    try:
        for ids in batches:
            session.execute(delete(Event).where(Event.id.in_(ids)))
            session.commit()
            session.close()
    finally:
        session.close()


# quiet: the connection goes back during the slow rendering; the reuse is
# closed again by finally.
def generate_report(report_id):
    db = SessionLocal()
    try:
        rows = db.execute(select(Sale).where(Sale.report_id == report_id)).scalars().all()
        db.close()
        pdf = render_pdf(rows)
        db.add(Report(id=report_id, pdf=pdf))
        db.commit()
    finally:
        db.close()


# quiet: `with db.begin():` ends the transaction, not the session.
def transfer_credits(src_id, dst_id, n):
    with SessionLocal() as db:
        with db.begin():
            db.execute(update(User).where(User.id == src_id).values(credits=User.credits - n))
            db.execute(update(User).where(User.id == dst_id).values(credits=User.credits + n))
        return db.scalar(select(User.credits).where(User.id == src_id))


# quiet: attributes loaded before the close are read from the detached
# object, not through the session.
def user_email(user_id):
    with SessionLocal() as db:
        user = db.get(User, user_id)
    return user.email if user else None


# quiet: the reuse's connection goes back with the commit, or the rollback
# when the insert fails (observed on PostgreSQL: tests/proof/sl102.py)
def reuse_then_commit(entry):
    db = SessionLocal()
    try:
        last = db.scalar(select(func.max(AuditEntry.id)))
    finally:
        db.close()
    try:
        db.execute(insert(AuditEntry).values(after=last, text=entry))
        db.commit()
    except Exception:
        db.rollback()
        raise
