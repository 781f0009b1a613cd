# SL107 in the functions an AsyncSession is handed to: a parameter annotated
# AsyncSession (or one every caller fills with one), and an attribute of an
# object whose __init__ keeps such a parameter (a repository).  The objects
# they load through it raise MissingGreenlet on a lazy relationship's first
# read, and on a read after a commit when the provider that lends the session
# is known to expire on commit (a rollback expires them whatever it says).
from fastapi import Depends, FastAPI
from sqlalchemy import ForeignKey, create_engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncAttrs, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import (DeclarativeBase, Mapped, Session, joinedload, mapped_column,
                            relationship, selectinload, sessionmaker)

engine = create_async_engine("postgresql+asyncpg://app@db/shop")
Expiring = async_sessionmaker(engine)
Kept = async_sessionmaker(engine, expire_on_commit=False)
SyncMaker = sessionmaker(create_engine("postgresql+psycopg2://app@db/shop"))
app = FastAPI()


class Base(AsyncAttrs, DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    addresses: Mapped[list["Address"]] = relationship(back_populates="customer")
    cards: Mapped[list["Card"]] = relationship(lazy="selectin")
    notes: Mapped[list["Note"]] = relationship(lazy="raise")


class Address(Base):
    __tablename__ = "address"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str]
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    customer: Mapped[Customer] = relationship(back_populates="addresses")


class Card(Base):
    __tablename__ = "card"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))


class Note(Base):
    __tablename__ = "note"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))


async def expiring_db():
    async with Expiring() as s:
        yield s


async def kept_db():
    async with Kept() as s:
        yield s


def to_card(customer: Customer, with_addresses: bool = False) -> dict:
    card = {"name": customer.name}
    if with_addresses:
        card["emails"] = [a.email for a in customer.addresses]
    return card


# a module function handed the session: its objects' lazy relationships
async def emails_of(db: AsyncSession, customer_id: int) -> list[str]:
    result = await db.execute(select(Customer).where(Customer.id == customer_id))
    customer = result.scalars().one()
    return [a.email for a in customer.addresses]  # expect: SL107 "read for `addresses`"


# a repository keeping the session on the instance
class CustomerRepo:
    def __init__(self, db: AsyncSession):
        self._db = db

    async def first_email(self, customer_id: int) -> str:
        customer = await self._db.get(Customer, customer_id)
        return customer.addresses[0].email  # expect: SL107 "read for `addresses`"

    # one object, many-to-one, and the caller handed nothing but an id: the
    # identity map holds only what this get() brought, so the read is a SELECT
    async def owner_name(self, address_id: int) -> str:
        address = await self._db.get(Address, address_id)
        return address.customer.name  # expect: SL107 "read for `customer`"

    # quiet: the caller handed a customer it loaded in the same session, which
    # the identity map then answers without a SELECT
    async def owner_of(self, address_id: int, owner: Customer) -> str:
        address = await self._db.get(Address, address_id)
        return address.customer.name

    # what a serializer reads only when told to
    async def card(self, customer_id: int) -> dict:
        customer = await self._db.get(Customer, customer_id)
        return to_card(customer)

    async def full_card(self, customer_id: int) -> dict:
        customer = await self._db.get(Customer, customer_id)
        return to_card(customer, with_addresses=True)  # expect: SL107 "(by `to_card()`"

    # quiet: loaded with the query, declared eager, refreshed with it, awaited
    async def loaded(self, customer_id: int) -> list[str]:
        q = select(Customer).options(selectinload(Customer.addresses))
        customer = (await self._db.scalars(q.where(Customer.id == customer_id))).one()
        return [a.email for a in customer.addresses]

    async def joined(self, address_id: int) -> str:
        q = select(Address).options(joinedload(Address.customer))
        address = (await self._db.execute(q.where(Address.id == address_id))).scalar_one()
        return address.customer.name

    async def eager(self, customer_id: int) -> int:
        customer = await self._db.get(Customer, customer_id)
        return len(customer.cards)

    async def raising(self, customer_id: int) -> int:
        customer = await self._db.get(Customer, customer_id)
        return len(customer.notes)  # lazy="raise": its own error, not a load

    async def refreshed(self, customer_id: int) -> list[str]:
        customer = await self._db.get(Customer, customer_id)
        await self._db.refresh(customer, ["addresses"])
        return [a.email for a in customer.addresses]

    async def awaited(self, customer_id: int) -> list[str]:
        customer = await self._db.get(Customer, customer_id)
        return [a.email for a in await customer.awaitable_attrs.addresses]


# handed by an endpoint whose provider's factory expires on commit
async def rename(db: AsyncSession, customer_id: int, name: str) -> dict:
    customer = await db.get(Customer, customer_id)
    customer.name = name
    await db.commit()
    return {"id": customer_id, "name": customer.name}  # expect: SL107 "after the commit on line 141"


# quiet: the same, with a factory that keeps its objects loaded
async def rename_kept(db: AsyncSession, customer_id: int, name: str) -> dict:
    customer = await db.get(Customer, customer_id)
    customer.name = name
    await db.commit()
    return {"id": customer_id, "name": customer.name}


@app.put("/customers/{customer_id}")
async def put_customer(customer_id: int, name: str, db: AsyncSession = Depends(expiring_db)):
    return await rename(db, customer_id, name)


@app.put("/v2/customers/{customer_id}")
async def put_customer_kept(customer_id: int, name: str, db: AsyncSession = Depends(kept_db)):
    return await rename_kept(db, customer_id, name)


@app.get("/customers/{customer_id}/emails")
async def get_emails(customer_id: int, db: AsyncSession = Depends(kept_db)):
    return await CustomerRepo(db).first_email(customer_id)


# a rollback expires the objects whatever the factory says
async def add_address(db: AsyncSession, customer_id: int, email: str) -> str:
    customer = await db.get(Customer, customer_id)
    db.add(Address(email=email, customer_id=customer_id))
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()
        return f"{customer.name} has it already"  # expect: SL107 "after the rollback"
    return "added"


# not annotated: every caller hands it an AsyncSession
async def address_book(session, customer_id: int) -> list[str]:
    customer = await session.get(Customer, customer_id)
    return [a.email for a in customer.addresses]  # expect: SL107 "read for `addresses`"


async def report(address_id: int) -> str:
    async with Kept() as session:
        return await address_book(session, address_id)


# quiet: a commit of a session whose factory is not known (no caller is seen)
async def touch(db: AsyncSession, customer_id: int) -> str:
    customer = await db.get(Customer, customer_id)
    await db.commit()
    return customer.name


# quiet: the object handed back, the caller's to read
async def find(db: AsyncSession, customer_id: int) -> Customer:
    customer = await db.get(Customer, customer_id)
    return customer


# quiet: a sync Session loads on a plain read (it blocks, but it runs)
async def sync_emails(db: Session, customer_id: int) -> list[str]:
    customer = db.get(Customer, customer_id)
    return [a.email for a in customer.addresses]


class SyncRepo:
    def __init__(self, db: Session):
        self.db = db

    async def emails(self, customer_id: int) -> list[str]:
        customer = self.db.get(Customer, customer_id)
        return [a.email for a in customer.addresses]


def nightly() -> None:
    with SyncMaker() as db:
        SyncRepo(db)
