# SL102 for ORM objects loaded through a query result bound to a name
# first: `result = s.execute(select(User))` then `result.scalars().first()`
# or `result.scalar_one()` are objects of s, as the chained form is.
from sqlalchemy import Column, Integer, String, create_engine, select
from sqlalchemy.orm import declarative_base, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String)


# Bad: committed (expired) and closed, then read.
def rename(user_id: int, name: str) -> str:
    with SessionLocal() as s:
        result = s.execute(select(User).where(User.id == user_id))
        user = result.scalar_one()
        user.name = name
        s.commit()
    return user.name  # expect: SL102


# Quiet: read before the session closes.
def rename_read_inside(user_id: int, name: str) -> str:
    with SessionLocal() as s:
        result = s.execute(select(User).where(User.id == user_id))
        user = result.scalar_one()
        user.name = name
        s.commit()
        return user.name


# Quiet: the name is bound anew to something else before it is used.
def count_then_rename(user_id: int) -> int:
    with SessionLocal() as s:
        result = s.execute(select(User).where(User.id == user_id))
        result = [1, 2, 3]
        s.commit()
    return len(result)
