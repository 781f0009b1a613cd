# The worker's engines.  `celery -A jobs.worker worker` (the prefork pool,
# Celery's default) imports jobs.worker and the task modules in its parent
# process, then forks the children that run the tasks.
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker
from sqlalchemy.pool import NullPool

engine = create_engine("postgresql+psycopg2://app@db/app")
metadata = MetaData()
Session = scoped_session(sessionmaker())

# Made without a pool: every connection is closed when it is given back.
unpooled = create_engine("postgresql+psycopg2://app@db/app", poolclass=NullPool)

# Used only by the tasks, never at import time.
reports_engine = create_engine("postgresql+psycopg2://app@db/reports")
ReportSession = sessionmaker(bind=reports_engine)

# Used at import time, then disposed of before the worker forks.
stats_engine = create_engine("postgresql+psycopg2://app@db/stats")


def configure():
    Session.configure(bind=engine)


def init_db():
    """Create the missing tables."""
    configure()
    metadata.create_all(bind=engine)


def server_version():
    with unpooled.connect() as conn:
        return conn.execute(text("SELECT version()")).scalar()


def warm_stats():
    with stats_engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    stats_engine.dispose()
