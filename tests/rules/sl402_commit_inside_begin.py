# SL402: commit() or rollback() of a session or connection inside the
# `with x.begin():` block that owns its transaction, followed by another use
# of it in the block (after it, or on the next turn of a loop around it):
# that use raises InvalidRequestError ("Can't operate on closed transaction
# inside context manager"), the work before the commit saved and the rest
# not (checked on SQLAlchemy 1.4 with future=True).
# Convention: the finding is on the commit() or rollback().
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import sessionmaker

from app.models import Job, JobStateHistory

engine = create_engine("postgresql+psycopg2://app@db/app", future=True)
SessionLocal = sessionmaker(engine, future=True)


# Bad: the commit in the loop; the next turn's add() raises.
def stop_jobs(job_ids: list) -> None:
    with SessionLocal() as session:
        with session.begin():
            for job in session.scalars(select(Job).where(Job.id.in_(job_ids))).all():
                job.state = "stopped"
                session.add(JobStateHistory(job_id=job.id, state="stopped"))
                session.commit()  # expect: SL402


# Bad: a connection, used after its commit.
def archive(day) -> None:
    with engine.connect() as conn:
        with conn.begin():
            conn.execute(text("insert into archive select * from log where day = :d"), {"d": day})
            conn.commit()  # expect: SL402
            conn.execute(text("delete from log where day = :d"), {"d": day})


# Quiet: the block commits at its end.
def stop_jobs_ok(job_ids: list) -> None:
    with SessionLocal() as session:
        with session.begin():
            for job in session.scalars(select(Job).where(Job.id.in_(job_ids))).all():
                job.state = "stopped"
                session.add(JobStateHistory(job_id=job.id, state="stopped"))


# Quiet: a commit just before the block ends is only redundant.
def stop_one(job_id: int) -> None:
    with SessionLocal() as session:
        with session.begin():
            session.get(Job, job_id).state = "stopped"
            session.commit()
