import asyncio

from sqlalchemy import text


async def count(session, table):
    return (await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()


async def test_counts(adb):
    a, b = await asyncio.gather(count(adb, "orders"), count(adb, "items"))  # expect: SL203
    assert a >= 0 and b >= 0


async def test_counts_in_turn(adb):
    assert await count(adb, "orders") >= 0
    assert await count(adb, "items") >= 0


def test_threads(db_session):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor() as pool:
        pool.map(lambda t: db_session.execute(text(f"SELECT 1 FROM {t}")), ["a", "b"])  # expect: SL203
