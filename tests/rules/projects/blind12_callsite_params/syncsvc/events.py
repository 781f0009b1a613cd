# The pool arrives by keyword, from app.state (made by the lifespan).
async def store_event(kind: str, payload: str, *, pool) -> None:
    conn = await pool.acquire()  # expect: SL103
    await conn.execute("INSERT INTO sync_events (kind, payload) VALUES ($1, $2)", kind, payload)
    await pool.release(conn)


async def store_event_safe(kind: str, payload: str, *, pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("INSERT INTO sync_events (kind, payload) VALUES ($1, $2)", kind, payload)


async def last_event(pool=None):
    async with pool.acquire() as conn:
        return await conn.fetchrow("SELECT kind, payload FROM sync_events ORDER BY id DESC LIMIT 1")
