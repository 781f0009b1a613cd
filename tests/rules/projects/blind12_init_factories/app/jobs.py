# Jobs the API triggers.  Every session and connection here comes from a
# factory stored on an object in app/database.py.
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.database import container, db


async def expire_carts() -> int:
    session = db.session_maker()  # expect: SL103
    result = await session.execute(text("DELETE FROM carts WHERE expires_at < now()"))
    deleted = result.rowcount
    await session.commit()
    await session.close()
    return deleted


async def expire_wishlists() -> int:
    async with db.session_maker() as session:
        result = await session.execute(text("DELETE FROM wishlists WHERE expires_at < now()"))
        await session.commit()
        return result.rowcount


async def expire_coupons() -> int:
    async with db.session() as session:
        result = await session.execute(text("DELETE FROM coupons WHERE expires_at < now()"))
        await session.commit()
        return result.rowcount


async def vacuum_carts() -> None:
    conn = await db.engine.connect()  # expect: SL103
    await conn.execution_options(isolation_level="AUTOCOMMIT")
    await conn.execute(text("VACUUM ANALYZE carts"))
    await conn.close()


async def analyze_carts() -> None:
    async with db.engine.connect() as conn:
        await conn.execute(text("ANALYZE carts"))


def rebuild_search_index() -> None:
    session = container.sessionmaker()  # expect: SL103
    session.execute(text("REFRESH MATERIALIZED VIEW product_search"))
    session.commit()
    session.close()


def rebuild_suggestions() -> None:
    with container.sessionmaker() as session:
        session.execute(text("REFRESH MATERIALIZED VIEW suggestions"))
        session.commit()


def reindex_search() -> None:
    session = Session(bind=container.engine)  # expect: SL103
    session.execute(text("REINDEX TABLE product_search"))
    session.commit()
    session.close()


def search_stats() -> dict:
    with Session(bind=container.engine) as session:
        n = session.execute(text("SELECT count(*) FROM product_search")).scalar_one()
    return {"rows": n}
