# Below 0.118 the teardown runs when the endpoint returns, before the body
# streams: the session is closed first, and nothing is held through it.
import asyncio

from fastapi import Depends, FastAPI
from fastapi.responses import StreamingResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@db/app")
Session = async_sessionmaker(engine)
app = FastAPI()


async def get_session():
    async with Session() as session:
        yield session


async def events(n: int):
    for i in range(n):
        yield f"data: {i}\n\n"
        await asyncio.sleep(1)


@app.get("/events")
async def stream(session: AsyncSession = Depends(get_session)):
    n = (await session.execute(text("SELECT count(*) FROM event"))).scalar()
    return StreamingResponse(events(n))
