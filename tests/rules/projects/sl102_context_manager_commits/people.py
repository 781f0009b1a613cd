# An object returned from inside `with unit_of_work()`: the context manager
# commits (expiring it) and closes (detaching it) on the way out, so the
# caller's first attribute read raises DetachedInstanceError: SL102 there
# (profile.py), not at these returns.
from sqlalchemy import select

from database import read_only, unit_of_work, unit_of_work_keep
from models import Person


def find_person(user_id: str):
    with unit_of_work() as session:
        return session.scalars(select(Person).where(Person.user_id == user_id)).first()


def find_person_named(user_id: str):
    with unit_of_work() as session:
        person = session.scalars(select(Person).where(Person.user_id == user_id)).first()
        return person


def find_person_read_only(user_id: str):
    # Quiet: nothing commits, so the object keeps its loaded attributes.
    with read_only() as session:
        return session.scalars(select(Person).where(Person.user_id == user_id)).first()


def find_person_kept(user_id: str):
    # Quiet: expire_on_commit=False keeps what was loaded.
    with unit_of_work_keep() as session:
        return session.scalars(select(Person).where(Person.user_id == user_id)).first()


def nickname(user_id: str) -> str:
    # Quiet: a value read inside the block is returned, not the object.
    with unit_of_work() as session:
        person = session.scalars(select(Person).where(Person.user_id == user_id)).first()
        return person.nickname
