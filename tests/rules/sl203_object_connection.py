# SL203 through an object's own connection: an object that makes a session
# or connection and keeps it on self holds one, which runs one statement at
# a time.  Coroutines of its methods gathered (or started in one task
# group) that both use it send statements on it at once: asyncpg raises
# InterfaceError ("another operation is in progress"), an AsyncSession
# InvalidRequestError.  Reported on the gather (the last create_task).
import asyncio

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

DSN = "postgresql://app@db/app"
engine = create_async_engine("postgresql+asyncpg://app@db/app")
Factory = async_sessionmaker(engine)


class Broker:
    async def startup(self) -> None:
        self.conn = await asyncpg.connect(DSN)
        self.pool = await asyncpg.create_pool(DSN)

    async def ack(self, message_id: int) -> None:
        await self.conn.execute("DELETE FROM queue WHERE id = $1", message_id)

    async def nack(self, message_id: int) -> None:
        await self._requeue(message_id)

    async def _requeue(self, message_id: int) -> None:
        await self.conn.execute("UPDATE queue SET taken = false WHERE id = $1", message_id)

    async def ack_all(self, ids: list[int]) -> None:
        await asyncio.gather(*[self.ack(i) for i in ids])  # expect: SL203 "coroutines of `ack()` run at once here"

    async def settle(self, done: int, failed: int) -> None:
        await asyncio.gather(self.ack(done), self.nack(failed))  # expect: SL203 "`ack()` and `nack()` run at once"

    async def ack_waiting(self, ids: list[int]) -> None:
        await asyncio.wait([self.ack(i) for i in ids])  # expect: SL203 "coroutines of `ack()` run at once here"

    # quiet: each coroutine takes a connection of the pool
    async def count(self, table: str) -> int:
        async with self.pool.acquire() as conn:
            return await conn.fetchval(f"SELECT count(*) FROM {table}")

    async def counts(self) -> list[int]:
        return await asyncio.gather(self.count("queue"), self.count("done"))

    # quiet: one after the other
    async def settle_in_turn(self, done: int, failed: int) -> None:
        await self.ack(done)
        await self.nack(failed)


class Repository:
    def __init__(self) -> None:
        self.session = Factory()

    async def user_name(self, uid: int) -> str:
        return await self.session.scalar(text("SELECT name FROM users WHERE id = :i"), {"i": uid})

    async def team_name(self, tid: int) -> str:
        return await self.session.scalar(text("SELECT name FROM teams WHERE id = :i"), {"i": tid})

    async def close(self) -> None:
        await self.session.close()


async def profile(uid: int, tid: int) -> dict:
    repo = Repository()
    try:
        async with asyncio.TaskGroup() as tg:
            user = tg.create_task(repo.user_name(uid))
            team = tg.create_task(repo.team_name(tid))  # expect: SL203 "used by tasks that run at the same time"
        return {"user": user.result(), "team": team.result()}
    finally:
        await repo.close()


# quiet: two objects, one session each
async def two_profiles(uid: int, other: int) -> list[str]:
    a = Repository()
    try:
        b = Repository()
        try:
            return await asyncio.gather(a.user_name(uid), b.user_name(other))
        finally:
            await b.close()
    finally:
        await a.close()


# A session handed to the object and kept on self is one session too,
# whoever owns it: two of its coroutines run at once share it.
class Client:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def names(self) -> list[str]:
        return list(await self.session.scalars(text("SELECT name FROM users")))

    async def count(self, table: str) -> int:
        return await self.session.scalar(text(f"SELECT count(*) FROM {table}"))

    async def dashboard(self) -> dict:
        async with asyncio.TaskGroup() as tg:
            users = tg.create_task(self.count("users"))
            teams = tg.create_task(self.count("teams"))  # expect: SL203 "the one session a `Client` is given and keeps"
        return {"users": users.result(), "teams": teams.result()}

    # quiet: one after the other
    async def dashboard_in_turn(self) -> dict:
        return {"users": await self.count("users"), "teams": await self.count("teams")}


# quiet: handed a factory, each coroutine makes a session of its own
class Counter:
    def __init__(self, factory: async_sessionmaker) -> None:
        self.factory = factory

    async def count(self, table: str) -> int:
        async with self.factory() as session:
            return await session.scalar(text(f"SELECT count(*) FROM {table}"))

    async def dashboard(self) -> list[int]:
        return await asyncio.gather(self.count("users"), self.count("teams"))


# quiet: handed an asyncpg pool, each coroutine acquires its own connection
class PoolCounter:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def count(self, table: str) -> int:
        async with self.pool.acquire() as conn:
            return await conn.fetchval(f"SELECT count(*) FROM {table}")

    async def dashboard(self) -> list[int]:
        return await asyncio.gather(self.count("users"), self.count("teams"))
