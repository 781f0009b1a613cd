# A BaseHTTPMiddleware (a subclass, or @app.middleware("http")) runs the
# application in a task it cancels when the client disconnects: the
# CancelledError is thrown into an async yield dependency at its yield, and
# anyio's cancel scope raises it again at every await on the way out: a
# release behind another await in the finally can be lost.  A close()
# first in the finally, or an `async with` exit (the library shields its
# close from the cancellation), is quiet.
from fastapi import Depends, FastAPI, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from starlette.middleware.base import BaseHTTPMiddleware

warehouse = create_async_engine("postgresql+asyncpg://stock@db/warehouse")
StockSession = async_sessionmaker(warehouse)
api = FastAPI()


class RequestIdMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        response = await call_next(request)
        response.headers["X-Request-Id"] = request.headers.get("x-request-id", "-")
        return response


api.add_middleware(RequestIdMiddleware)


async def stock_session_commits_first():
    session = StockSession()  # expect: SL103 "raised again at the await on line 33"
    try:
        yield session
    finally:
        await session.rollback()
        await session.close()


async def stock_session_in_async_with():
    async with StockSession() as session:
        await session.execute(text("set local statement_timeout = 5000"))
        yield session


async def stock_session_rolls_back_outside_finally():
    session = StockSession()
    try:
        yield session
    except Exception:
        await session.rollback()
        raise
    finally:
        await session.close()


async def stock_session_closes_first():
    session = StockSession()
    try:
        yield session
    finally:
        await session.close()


async def stock_session_logs_then_closes():
    session = StockSession()
    try:
        yield session
    finally:
        print("teardown")
        await session.close()


@api.get("/items/{sku}")
async def item(
    sku: str,
    a=Depends(stock_session_commits_first),
    b=Depends(stock_session_in_async_with),
    c=Depends(stock_session_closes_first),
    d=Depends(stock_session_logs_then_closes),
    e=Depends(stock_session_rolls_back_outside_finally),
):
    return sku
