# SL203 through a helper that runs the items of its argument in parallel:
# the helper's summary says it hands each item to a thread (or a task), so
# a list of items that all carry one session is concurrent use of it.  The
# finding is on the call of the helper.
import asyncio
from concurrent.futures import ThreadPoolExecutor

from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@localhost/app")
SessionLocal = sessionmaker(bind=engine)
aengine = create_async_engine("postgresql+asyncpg://app@localhost/app")
AsyncSessionLocal = async_sessionmaker(aengine)
app = FastAPI()


def get_db():
    with SessionLocal() as db:
        yield db


async def get_adb():
    async with AsyncSessionLocal() as db:
        yield db


def in_parallel(jobs, workers=8):
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(fn, *args) for fn, args in jobs]
        return [f.result() for f in futures]


async def concurrently(coros):
    tasks = []
    for coro in coros:
        tasks.append(asyncio.create_task(coro))
    return [await t for t in tasks]


def price(db: Session, sku: str) -> int:
    return db.execute(text("SELECT price FROM items WHERE sku = :s"), {"s": sku}).scalar_one()


def price_own(sku: str) -> int:
    with SessionLocal() as db:
        return price(db, sku)


async def stock(db: AsyncSession, sku: str) -> int:
    result = await db.execute(text("SELECT stock FROM items WHERE sku = :s"), {"s": sku})
    return result.scalar_one()


async def stock_own(sku: str) -> int:
    async with AsyncSessionLocal() as db:
        return await stock(db, sku)


@app.get("/prices")
def prices(skus: list[str], db: Session = Depends(get_db)):
    return in_parallel([(price, (db, s)) for s in skus])  # expect: SL203


@app.get("/prices/two")
def two_prices(db: Session = Depends(get_db)):
    jobs = [(price, (db, "a")), (price, (db, "b"))]
    return in_parallel(jobs)  # expect: SL203


@app.get("/stock")
async def stocks(skus: list[str], db: AsyncSession = Depends(get_adb)):
    return await concurrently([stock(db, s) for s in skus])  # expect: SL203


# Quiet: each item opens its own session.
@app.get("/prices/own")
def prices_own(skus: list[str]):
    return in_parallel([(price_own, (s,)) for s in skus])


# Quiet: one item only.
@app.get("/prices/one")
def one_price(db: Session = Depends(get_db)):
    return in_parallel([(price, (db, "a"))])


# Quiet: each coroutine opens its own session.
@app.get("/stock/own")
async def stocks_own(skus: list[str]):
    return await concurrently([stock_own(s) for s in skus])
