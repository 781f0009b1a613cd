import asyncpg


async def notify_connection(dsn):
    """A factory: the caller owns the connection."""
    return await asyncpg.connect(dsn)
