# An asyncpg pool in a module global, created at startup.  The pool is
# shared by design; each connection taken from it must go back.
import asyncpg

pool = None


async def connect_pool(dsn: str) -> None:
    global pool
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=10)


async def close_pool() -> None:
    if pool is not None:
        await pool.close()


async def record_event(kind: str, payload: str) -> None:
    conn = await pool.acquire()  # expect: SL103
    await conn.execute("INSERT INTO events (kind, payload) VALUES ($1, $2)", kind, payload)
    await pool.release(conn)


async def recent_events(limit: int = 20) -> list:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT id, kind, payload FROM events ORDER BY id DESC LIMIT $1", limit)
    return [dict(r) for r in rows]


async def count_events() -> int:
    conn = await pool.acquire()
    try:
        return await conn.fetchval("SELECT count(*) FROM events")
    finally:
        await pool.release(conn)
