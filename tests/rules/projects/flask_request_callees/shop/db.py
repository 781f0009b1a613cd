from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine("postgresql+psycopg2://shop@db/shop")
db_session = scoped_session(sessionmaker(bind=engine))


def check_database():
    # Called by a view (views.py): runs once per request, so this builds a
    # pool of 20 connections per request and never disposes of it.
    probe = create_engine("postgresql+psycopg2://shop@db/shop", pool_size=20)  # expect: SL108
    with probe.connect() as conn:
        return conn.execute(text("SELECT 1")).scalar() == 1


def count_orders():
    # Quiet: the registry's session; the application's teardown removes it
    # after each request, on the thread that served it.
    return db_session.execute(text("SELECT count(*) FROM orders")).scalar()


def nightly_report():
    # Quiet by default: only the command in cli.py calls this (a CLI context).
    report_engine = create_engine("postgresql+psycopg2://shop@db/shop")
    with report_engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM orders")).scalar()
