# A relationship read after the session that loaded its object closed: a
# relationship is loaded on its first read (lazy="select", the default), and
# a detached object has no session to load it from, so the read raises
# DetachedInstanceError, whatever expire_on_commit says.  Quiet: loaded by
# the query (selectinload), read while the session is open, an eager lazy=,
# a column.
from sqlalchemy import ForeignKey, create_engine, select
from sqlalchemy.orm import (DeclarativeBase, Mapped, mapped_column, relationship, selectinload,
                            sessionmaker)

engine = create_engine("postgresql+psycopg2://app@localhost/app")
SessionLocal = sessionmaker(bind=engine)
KeepLoaded = sessionmaker(bind=engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    orders: Mapped[list["Order"]] = relationship(back_populates="user")
    tags: Mapped[list["Tag"]] = relationship(lazy="selectin")


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped["User"] = relationship(back_populates="orders")


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


# Bad: the orders are loaded on first read, after the block closed the session.
def order_ids(user_id: int):
    with SessionLocal() as s:
        user = s.get(User, user_id)
    return [o.id for o in user.orders]  # expect: SL102


# Bad: a session that keeps loaded attributes through a commit still has
# not loaded the relationship.
def orders_after_commit(user_id: int):
    with KeepLoaded() as s:
        user = s.get(User, user_id)
        user.name = user.name.strip()
        s.commit()
    return len(user.orders)  # expect: SL102


# Quiet: the query loads the relationship.
def order_ids_eager(user_id: int):
    with SessionLocal() as s:
        user = s.scalars(select(User).options(selectinload(User.orders)).where(User.id == user_id)).one()
    return [o.id for o in user.orders]


# Quiet: read while the session is open, which loads it.
def order_ids_inside(user_id: int):
    with SessionLocal() as s:
        user = s.get(User, user_id)
        count = len(user.orders)
    return count, [o.id for o in user.orders]


# Quiet: an eager relationship, and a column.
def tags_and_name(user_id: int):
    with SessionLocal() as s:
        user = s.get(User, user_id)
    return user.tags, user.name
