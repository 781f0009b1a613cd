# SL102: a project context manager whose code after its yield rolls the
# session back (itself, or through a function of the project it hands the
# session to) and then closes it: the rollback expires every object the
# caller loaded, whatever expire_on_commit says, and the close detaches
# them, so a read after the `with` block raises DetachedInstanceError.
import contextlib

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from crm.models import Lead

engine = create_engine("postgresql+psycopg2://crm@pg/crm")
Maker = sessionmaker(engine, expire_on_commit=False)


def _discard(s: Session) -> None:
    s.rollback()


def _teardown(s: Session) -> None:
    _discard(s)


@contextlib.contextmanager
def readonly_scope():
    with Maker() as s:
        try:
            yield s
        finally:
            _teardown(s)


@contextlib.contextmanager
def plain_scope():
    with Maker() as s:
        yield s
        s.rollback()


@contextlib.contextmanager
def careful_scope():
    with Maker() as s:
        try:
            yield s
        except Exception:
            s.rollback()
            raise


@contextlib.contextmanager
def closing_scope():
    with Maker() as s:
        yield s


# Bad: rolled back through the helpers, then closed.
def lead_names() -> list[str]:
    with readonly_scope() as db:
        leads = db.scalars(select(Lead)).all()
    return [lead.name for lead in leads]  # expect: SL102 "rollback `readonly_scope`"


# Bad: rolled back in the context manager itself.
def first_email() -> str:
    with plain_scope() as db:
        lead = db.scalars(select(Lead)).first()
    return lead.email  # expect: SL102 "read what you need"


# Quiet: copied inside the block.
def lead_names_copied() -> list[str]:
    with readonly_scope() as db:
        names = [lead.name for lead in db.scalars(select(Lead)).all()]
    return names


# Quiet: rolled back only when the block raises.
def first_email_careful() -> str:
    with careful_scope() as db:
        lead = db.scalars(select(Lead)).first()
    return lead.email


# Quiet: closed, not expired (expire_on_commit=False, no rollback).
def first_email_closed() -> str:
    with closing_scope() as db:
        lead = db.scalars(select(Lead)).first()
    return lead.email
