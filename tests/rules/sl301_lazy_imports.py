# A module whose only database imports are inside its functions (a CLI's
# lazy imports, `# noqa: PLC0415`) or under `try:` / `if TYPE_CHECKING:` is
# analyzed like any other: it has no import of a database library at its
# top level, and still uses one.


async def seed(database_string):
    from sqlalchemy.ext.asyncio import create_async_engine  # noqa: PLC0415

    engine = create_async_engine(database_string, pool_pre_ping=True)
    try:
        async with engine.begin() as connection:
            await connection.execute("SELECT 1", {})  # expect: SL301
    finally:
        await engine.dispose()


def wipe(dsn):
    try:
        import psycopg2  # noqa: PLC0415
    except ImportError:
        return
    conn = psycopg2.connect(dsn)  # expect: SL103
    conn.cursor().execute("TRUNCATE items")
    conn.commit()


async def seeded_right(database_string):
    from sqlalchemy import text  # noqa: PLC0415
    from sqlalchemy.ext.asyncio import create_async_engine  # noqa: PLC0415

    engine = create_async_engine(database_string)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
