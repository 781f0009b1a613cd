# A middleware and helpers that drive the providers by hand.
from contextlib import aclosing

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import select, text
from starlette.middleware.base import BaseHTTPMiddleware

from app.database import get_conn, get_db, numbers
from app.models import User


class AuthMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        user_id = request.headers.get("x-user")
        async for db in get_db():  # expect: SL103 "`async for` over `get_db()` is left before the generator finishes (`return` on line 19)"
            user = await db.get(User, user_id)
            if user is None:
                return JSONResponse(status_code=401, content={"detail": "unknown user"})
            request.state.user_name = user.name
            break
        return await call_next(request)


async def first_event_id() -> int:
    async for conn in get_conn():  # expect: SL103 "`break` on line 28"
        row = await conn.fetchval("SELECT min(id) FROM events")
        break
    return row


async def require_admin(user_id: int) -> None:
    async for db in get_db():  # expect: SL103 "`raise` on line 36"
        user = await db.get(User, user_id)
        if not user.is_admin:
            raise PermissionError(user_id)


async def count_users() -> int:
    sessions = get_db()
    db = await sessions.__anext__()  # expect: SL103 "`sessions` is driven by hand and never closed or drained"
    return await db.scalar(select(text("count(*)")).select_from(User))


# quiet: the loop runs to its end, so the generator runs past its yield
async def rename(user_id: int, name: str) -> None:
    async for db in get_db():
        user = await db.get(User, user_id)
        user.name = name
        await db.commit()


# quiet: aclosing() closes the generator on every exit
async def is_admin(user_id: int) -> bool:
    async with aclosing(get_db()) as sessions:
        async for db in sessions:
            user = await db.get(User, user_id)
            return user.is_admin


# quiet: the generator is closed by hand
async def user_name(user_id: int) -> str:
    sessions = get_db()
    db = await sessions.__anext__()
    try:
        return (await db.get(User, user_id)).name
    finally:
        await sessions.aclose()


# quiet: drained by a second anext, which runs its cleanup
async def touch(user_id: int) -> None:
    sessions = get_db()
    db = await anext(sessions)
    try:
        await db.execute(text("UPDATE users SET seen = now() WHERE id = :id"), {"id": user_id})
        await db.commit()
    finally:
        await anext(sessions, None)


# quiet: a generator of plain values
async def first_number() -> int:
    async for n in numbers():
        return n
    return -1


# quiet: a break out of an inner loop only
async def names(ids: list[int]) -> list[str]:
    out = []
    async for db in get_db():
        for i in ids:
            if i < 0:
                break
            out.append((await db.get(User, i)).name)
    return out
