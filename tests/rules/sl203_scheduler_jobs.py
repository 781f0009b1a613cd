# APScheduler runs each job on its executor's threads, again and again,
# beside the thread that scheduled it and the other jobs.
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)

db = SessionLocal()  # expect: SL201
scheduler = BackgroundScheduler()


@scheduler.scheduled_job("interval", minutes=5)
def purge_expired():
    db.execute(text("delete from tokens where expires_at < now()"))  # expect: SL203 "another job"
    db.commit()


def send_digest():
    rows = db.execute(text("select email from users where digest")).all()  # expect: SL203 "a scheduler's job"
    return [r.email for r in rows]


def main():
    scheduler.add_job(send_digest, "cron", hour=7)
    scheduler.start()


# Each run opens its own session: quiet.
reports = BackgroundScheduler()


def rebuild_stats():
    with SessionLocal() as session:
        session.execute(text("refresh materialized view stats"))
        session.commit()


def rotate_logs():
    with SessionLocal.begin() as session:
        session.execute(text("delete from logs where at < now() - interval '30 days'"))


def start_reports():
    with SessionLocal() as session:
        session.execute(text("update jobs set started = now()"))
        session.commit()
    reports.add_job(func=rebuild_stats, trigger="interval", hours=1)
    reports.add_job(rotate_logs, "cron", hour=3)
    reports.start()
