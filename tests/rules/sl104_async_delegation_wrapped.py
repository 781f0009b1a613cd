# SL104 by delegation, when what the outer generator yields is not the loop
# variable itself but an object that keeps it: a dataclass, a NamedTuple, a
# class whose __init__ stores it, a tuple, what a helper returns that keeps
# its argument.  The consumer gets the same resource, and the inner
# generator is left suspended in the same way when the endpoint raises.
# Reported on the yield; objects that do not keep the resource, and the
# forms that close the inner generator, stay quiet.
import os
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

import asyncpg
from fastapi import Depends, FastAPI, Header
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine(os.environ["BILLING_DATABASE_URL"])
BillingSession = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()
pg_pool: asyncpg.Pool


async def open_pool():
    """Run from the application's startup."""
    global pg_pool
    pg_pool = await asyncpg.create_pool(os.environ["BILLING_DSN"], max_size=8)


async def billing_session():
    async with BillingSession() as session:
        yield session


async def billing_conn():
    async with pg_pool.acquire() as conn:
        yield conn


@dataclass
class Ledger:
    conn: asyncpg.Connection
    currency: str = "EUR"
    cache: dict = field(default_factory=dict, init=False)


@dataclass(frozen=True)
class Tenant:
    name: str
    session: AsyncSession


class InvoiceContext(NamedTuple):
    session: AsyncSession
    user: str


class InvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def open_invoices(self) -> list:
        return list(await self._session.execute(text("SELECT id FROM invoices WHERE paid = false")))


class Services:
    def __init__(self, invoices: InvoiceRepository) -> None:
        self.invoices = invoices


def invoice_repository(session: AsyncSession) -> InvoiceRepository:
    return InvoiceRepository(session)


# a dataclass whose generated __init__ stores the connection.
async def ledger():
    async for conn in billing_conn():
        yield Ledger(conn)  # expect: SL104 "re-yielded in `Ledger(conn)`"


# a frozen dataclass, the session given by keyword.
async def tenant_scope(x_tenant: str = Header()):
    async for session in billing_session():
        yield Tenant(name=x_tenant, session=session)  # expect: SL104


# a NamedTuple.
async def invoice_context(x_user: str = Header()):
    async for session in billing_session():
        yield InvoiceContext(session, x_user)  # expect: SL104


# a tuple.
async def session_and_user(x_user: str = Header()):
    async for session in billing_session():
        yield session, x_user  # expect: SL104


# a class whose __init__ keeps it, inside another such class.
async def services():
    async for session in billing_session():
        yield Services(InvoiceRepository(session))  # expect: SL104


# a helper returning an object that keeps its argument.
async def invoices():
    async for session in billing_session():
        yield invoice_repository(session)  # expect: SL104


@app.get("/invoices/open")
async def open_invoices(repo: InvoiceRepository = Depends(invoices)):
    return await repo.open_invoices()


class Dialect:
    def __init__(self, session: AsyncSession) -> None:
        self.name = session.bind.dialect.name


@dataclass
class Currency:
    code: str
    ledger_conn: asyncpg.Connection = field(default=None, init=False)


# Quiet: what is yielded does not keep the session (a value read from it).
async def dialect_name():
    async for session in billing_session():
        yield Dialect(session)


# Quiet: a dataclass field that __init__ does not take; the loop variable
# is not passed to it.
async def currency():
    async for conn in billing_conn():
        yield Currency(conn.get_settings().client_encoding)


# Quiet: the inner generator is closed in finally.
async def ledger_closed():
    sessions = billing_session()
    try:
        async for session in sessions:
            yield Tenant("main", session)
    finally:
        await sessions.aclose()


# Quiet: aclosing() closes it on every exit.
async def ledger_aclosing():
    async with aclosing(billing_conn()) as conns:
        async for conn in conns:
            yield Ledger(conn)


# Quiet: async with over the inner provider made a context manager.
async def tenant_with(x_tenant: str = Header()):
    async with asynccontextmanager(billing_session)() as session:
        yield Tenant(x_tenant, session)
