# The same dependencies in an application whose only middleware is pure
# ASGI: nothing cancels the request's task when the client leaves, so the
# teardown runs to its end (no CancelledError at its awaits).
from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

ledger = create_async_engine("postgresql+asyncpg://books@db/ledger")
LedgerSession = async_sessionmaker(ledger)
books = FastAPI()


class ServerTiming:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)


books.add_middleware(ServerTiming)


async def ledger_session_commits_first():
    session = LedgerSession()
    try:
        yield session
    finally:
        await session.rollback()
        await session.close()


async def ledger_session_in_async_with():
    async with LedgerSession() as session:
        await session.execute(text("set local statement_timeout = 5000"))
        yield session


@books.get("/entries")
async def entries(a=Depends(ledger_session_commits_first), b=Depends(ledger_session_in_async_with)):
    return []
