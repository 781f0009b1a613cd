# The web process: the Celery worker never imports this module.
from sqlalchemy import text

from jobs.db import engine, init_db

# Quiet: not imported by the worker, whose parent never runs it.
init_db()

with engine.connect() as conn:
    conn.execute(text("SELECT 1"))
