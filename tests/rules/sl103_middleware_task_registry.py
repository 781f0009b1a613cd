# A BaseHTTPMiddleware's dispatch runs in a task of its own (call_next runs
# the application in another): a registry keyed by current_task used there
# is a key nothing else removes, and close() leaves the entry in it.
import asyncio

from fastapi import Depends, FastAPI, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_scoped_session, async_sessionmaker, create_async_engine
from starlette.middleware.base import BaseHTTPMiddleware

tickets = create_async_engine("postgresql+asyncpg://help@db/tickets")
TicketScope = async_scoped_session(async_sessionmaker(tickets), scopefunc=asyncio.current_task)
desk = FastAPI()


class QuotaMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        await TicketScope.execute(text("select 1"))  # expect: SL103 "a close() leaves the entry"
        try:
            return await call_next(request)
        finally:
            await TicketScope.close()


@desk.middleware("http")
async def audit(request: Request, call_next):
    await TicketScope.execute(text("insert into audit default values"))
    try:
        return await call_next(request)
    finally:
        await TicketScope.remove()


async def ticket_session():
    try:
        yield TicketScope
    finally:
        await TicketScope.remove()


desk.add_middleware(QuotaMiddleware)


@desk.get("/tickets")
async def list_tickets(db=Depends(ticket_session)):
    return (await db.execute(text("select id from ticket"))).all()
