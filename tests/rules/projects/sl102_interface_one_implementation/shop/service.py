from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from shop.ports import Archive, Audit, Finisher, Notifier

Session = sessionmaker(bind=create_engine("postgresql+psycopg2://app@db/shop"))


def place_order(finisher: Finisher, item: str) -> None:
    session = Session()
    finisher.finish(session)  # the one implementation commits and closes it
    session.execute(text("SELECT 1"))  # expect: SL102


def archive_order(archive: Archive) -> None:
    session = Session()
    archive.store(session)  # `...` body: its one implementation closes the session
    session.execute(text("SELECT 1"))  # expect: SL102


def close_out(finisher: Finisher) -> None:
    session = Session()  # quiet: handed to the port, whose one implementation closes it
    try:
        session.execute(text("SELECT 1"))
    finally:
        finisher.finish(session)


def notify(notifier: Notifier) -> None:
    with Session() as session:
        session.execute(text("SELECT 1"))
        notifier.done(session)  # a concrete default: the object may be a Notifier itself
        session.execute(text("SELECT 2"))


def audit(auditor: Audit) -> None:
    with Session() as session:
        auditor.record(session)  # two implementations: which one runs is not known
        session.execute(text("SELECT 1"))
