# Quiet: a session in a Strawberry context that only one async resolver
# uses (a sync resolver runs on its own, not beside the others), so no two
# statements meet on it.
from typing import List

import strawberry
from fastapi import Depends, FastAPI, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from strawberry.fastapi import GraphQLRouter
from strawberry.types import Info

engine = create_async_engine("postgresql+psycopg://app@db/app")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


async def get_session():
    async with SessionLocal() as session:
        yield session


async def get_context(request: Request, db_session=Depends(get_session)):
    return {"session": db_session, "request": request}


async def list_catalogs(info: Info) -> List[str]:
    session = info.context["session"]
    return list((await session.execute(text("SELECT name FROM catalog"))).scalars())


def version(info: Info) -> str:
    return info.context["request"].headers.get("x-version", "1")


@strawberry.type
class Query:
    catalogs: List[str] = strawberry.field(resolver=list_catalogs)
    version: str = strawberry.field(resolver=version)


app = FastAPI()
app.include_router(GraphQLRouter(strawberry.Schema(query=Query), context_getter=get_context),
                   prefix="/graphql")
