# A dependency that re-yields an imported provider's session (SL104: the
# provider is resolved through the import).
from collections.abc import AsyncGenerator

from fastapi import Depends, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.database import get_db

app = FastAPI()


async def get_db_if_needed(hybrid: bool = False) -> AsyncGenerator[AsyncSession | None, None]:
    if hybrid:
        yield None
        return
    async for db in get_db():
        yield db  # expect: SL104 "re-yielded from `async for` over `get_db()`"


@app.get("/ping")
async def ping(db: AsyncSession | None = Depends(get_db_if_needed)):
    return {"db": db is not None}
