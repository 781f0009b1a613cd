# SL203 concurrent-use through a GraphQL context: Strawberry's FastAPI
# router calls the context getter once per request and hands what it
# returns to every resolver; graphql-core runs the async resolvers of one
# query's fields at the same time.  A session in that context is used by
# two resolvers at once.
# Convention: the finding is on the session the getter puts in the context.
from typing import List

import strawberry
from fastapi import Depends, FastAPI, Request
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from strawberry.fastapi import GraphQLRouter
from strawberry.types import Info

engine = create_async_engine("postgresql+psycopg://app@db/app")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


async def get_session():
    async with SessionLocal() as session:
        yield session


async def get_context(request: Request, db_session=Depends(get_session)):
    return {"session": db_session, "request": request}  # expect: SL203 "`list_catalogs` and `list_engines` run at the same time"


async def get_context_maker(request: Request):
    return {"sessions": SessionLocal, "request": request}


async def list_catalogs(info: Info) -> List[str]:
    session = info.context["session"]
    return list((await session.execute(text("SELECT name FROM catalog"))).scalars())


async def list_engines(info: Info) -> List[str]:
    session = info.context["session"]
    return list((await session.execute(text("SELECT name FROM engine"))).scalars())


async def list_tags(info: Info) -> List[str]:
    async with info.context["sessions"]() as session:  # a session per resolver
        return list((await session.execute(text("SELECT name FROM tag"))).scalars())


@strawberry.type
class Query:
    catalogs: List[str] = strawberry.field(resolver=list_catalogs)
    engines: List[str] = strawberry.field(resolver=list_engines)
    tags: List[str] = strawberry.field(resolver=list_tags)


app = FastAPI()
app.include_router(GraphQLRouter(strawberry.Schema(query=Query), context_getter=get_context),
                   prefix="/graphql")
# Quiet: a sessionmaker in the context, one session per resolver.
app.include_router(GraphQLRouter(strawberry.Schema(query=Query), context_getter=get_context_maker),
                   prefix="/graphql2")
