# A repository that is handed the factory and keeps it on self.
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class CartRepository:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    async def clear(self, cart_id: int) -> None:
        session = self.session_factory()  # expect: SL103
        await session.execute(text("DELETE FROM cart_items WHERE cart_id = :id"), {"id": cart_id})
        await session.commit()
        await session.close()

    async def size(self, cart_id: int) -> int:
        async with self.session_factory() as session:
            result = await session.execute(text("SELECT count(*) FROM cart_items WHERE cart_id = :id"), {"id": cart_id})
            return result.scalar_one()
