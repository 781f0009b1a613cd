# SL104: a yield dependency that releases after the yield without
# try/finally.  A session becomes `with` around the yield; what `with`
# cannot release the same way (a pooled connection, an asyncpg proxy) gets
# the yield and what follows in try, the release in finally.
import os
from contextlib import asynccontextmanager, contextmanager
from typing import Iterator

import asyncpg
from fastapi import Depends, FastAPI
from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
AsyncSessionLocal = async_sessionmaker(create_async_engine(os.environ["ASYNC_URL"]))
pg_pool = ThreadedConnectionPool(1, 20, os.environ["DSN"])
apg_pool: asyncpg.Pool
app = FastAPI()


def get_db() -> Iterator[Session]:
    db = SessionLocal()
    yield db
    db.close()


async def get_session():
    session = AsyncSessionLocal()
    yield session
    await session.commit()
    await session.close()


def get_conn():
    conn = pg_pool.getconn()
    conn.autocommit = True
    # hand it to the endpoint
    yield conn
    conn.autocommit = False
    pg_pool.putconn(conn)


@asynccontextmanager
async def apg_conn():
    conn = await apg_pool.acquire()
    yield conn
    await apg_pool.release(conn)


@app.get("/items")
def items(db: Session = Depends(get_db)):
    return db.query(dict).all()
