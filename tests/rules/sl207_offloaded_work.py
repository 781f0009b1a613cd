# SL207 on work handed to another thread and awaited once per item of a
# loop: a loop's run_in_executor, asyncio.to_thread, anyio's
# to_thread.run_sync, Starlette's run_in_threadpool.  The coroutine waits
# for as long as the blocking work takes (a model's inference, a PDF
# render), item after item, with the connection idle in its transaction;
# through a helper that does it, too.  Quiet: a single hand-off (that
# work's hold, as a single HTTP request is), work handed the session itself
# (the thread runs the queries: the connection is busy), work after the
# commit, work while nothing is held.
import asyncio
from functools import partial

import anyio.to_thread
from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

engine = create_async_engine("postgresql+asyncpg://app@db/app", pool_size=5)
Maker = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


def render_invoice(rows: list) -> bytes:
    return repr(rows).encode()


def classify(model, texts: list[str]) -> list[int]:
    return [len(t) % 3 for t in texts]


def sync_totals(session: Session) -> int:
    return session.execute(text("SELECT sum(total) FROM orders")).scalar_one()


async def classify_async(model, texts: list[str]) -> list[int]:
    loop = asyncio.get_running_loop()
    out = []
    for t in texts:
        out += await loop.run_in_executor(None, lambda: classify(model, [t]))
    return out


async def get_session():
    async with Maker() as session:
        yield session


# Quiet: one render on a worker thread: that work's own hold.
@app.get("/invoices/{order_id}.pdf")
async def invoice(order_id: int, session: AsyncSession = Depends(get_session)):
    rows = (await session.execute(text("SELECT * FROM lines WHERE order_id = :o"), {"o": order_id})).all()
    return await asyncio.to_thread(render_invoice, rows)


# Bad: a render per order while the read's transaction stays open.
@app.get("/invoices")
async def invoices(session: AsyncSession = Depends(get_session)):
    rows = (await session.execute(text("SELECT * FROM lines"))).all()
    return [await asyncio.to_thread(render_invoice, [r]) for r in rows]  # expect: SL207 "handed to another thread"


# Bad: a loop's executor, with the arguments bound by partial.
async def tag_rows(model, ids: list[int]) -> None:
    async with Maker() as session:
        rows = (await session.execute(text("SELECT body FROM notes WHERE id = ANY(:i)"), {"i": ids})).all()
        loop = asyncio.get_running_loop()
        labels = []
        for r in rows:
            labels += await loop.run_in_executor(None, partial(classify, model, [r.body]))  # expect: SL207 "handed to another thread"
        await session.execute(text("UPDATE notes SET label = :l"), {"l": labels[0]})
        await session.commit()


# Bad: anyio's and Starlette's thread helpers wait the same way.
async def score(model, note_id: int) -> None:
    async with Maker() as session:
        body = await session.scalar(text("SELECT body FROM notes WHERE id = :i"), {"i": note_id})
        for part in body.split():
            await anyio.to_thread.run_sync(classify, model, [part])  # expect: SL207 "handed to another thread"
            await run_in_threadpool(classify, model, [part])  # expect: SL207 "handed to another thread"
        await session.commit()


# Bad: a helper that awaits the executor, called with the session in its transaction.
async def relabel(model, note_id: int) -> None:
    async with Maker() as session:
        body = await session.scalar(text("SELECT body FROM notes WHERE id = :i FOR UPDATE"), {"i": note_id})
        labels = await classify_async(model, [body])  # expect: SL207 "a function it calls waits"
        await session.execute(text("UPDATE notes SET label = :l WHERE id = :i"), {"l": labels[0], "i": note_id})
        await session.commit()


# Quiet: the work is computed before the session opens.
async def relabel_fixed(model, note_id: int, body: str) -> None:
    labels = await classify_async(model, [body])
    async with Maker() as session:
        await session.execute(text("UPDATE notes SET label = :l WHERE id = :i"), {"l": labels[0], "i": note_id})
        await session.commit()


# Quiet: committed before the thread work; the session holds nothing then.
async def invoice_after_commit(order_id: int) -> bytes:
    async with Maker() as session:
        rows = (await session.execute(text("SELECT * FROM lines WHERE order_id = :o"), {"o": order_id})).all()
        await session.commit()
        return await asyncio.to_thread(render_invoice, rows)


# Quiet: the thread runs the queries on the held connection itself.
async def totals(sync_engine) -> int:
    with Session(sync_engine) as s:
        s.execute(text("SELECT 1"))
        return await asyncio.to_thread(sync_totals, s)


# Quiet: nothing held at all.
async def classify_only(model, texts: list[str]) -> list[int]:
    return await asyncio.to_thread(classify, model, texts)


# Quiet: a coroutine made but not awaited here (handed to a task).
async def classify_later(model, note_id: int) -> None:
    async with Maker() as session:
        body = await session.scalar(text("SELECT body FROM notes WHERE id = :i"), {"i": note_id})
        asyncio.ensure_future(asyncio.to_thread(classify, model, [body]))
        await session.commit()
