# Helpers that load a user in a session of their own and return it: the
# session is closed by the time the caller has the object.
from sqlalchemy import create_engine, select
from sqlalchemy.orm import selectinload, sessionmaker

from models import User

SessionLocal = sessionmaker(bind=create_engine("postgresql+psycopg2://app@db/app"))


def get_user(user_id: int):
    with SessionLocal() as session:
        return session.get(User, user_id)


def find_user(name: str):
    session = SessionLocal()
    try:
        user = session.scalars(select(User).where(User.name == name)).first()
    finally:
        session.close()
    return user


def get_user_eager(user_id: int):
    with SessionLocal() as session:
        return session.get(User, user_id, options=[selectinload(User.orders)])


def get_user_touched(user_id: int):
    with SessionLocal() as session:
        user = session.get(User, user_id)
        user.orders  # loaded while the session is open
        return user
