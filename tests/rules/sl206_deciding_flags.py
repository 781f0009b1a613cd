# A helper's commit or close is decided by the flags whose value changes
# whether it happens, not by the first flag the helper tests: `actor`,
# `verbose` or `refresh` tested earlier decide nothing, `no_commit` tested
# later does, so a call that leaves `no_commit` at its default False (or
# passes False) commits, and one that passes True does not.  Two flags may
# each decide (a commit under one, a close under the other), and a flag may
# decide a close rather than a commit.
# Bad: the deciding flag is passed the way that skips the commit or the
# close, whatever the unrelated flags are.
# Quiet: the deciding flag at its default or passed the committing way,
# while the unrelated first flag is passed either way.
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

Maker = async_sessionmaker(create_async_engine("postgresql+asyncpg://app@db/app"), expire_on_commit=False)
app = FastAPI()


async def audit(what: str):
    async with Maker() as s:
        await s.execute(text("INSERT INTO audit (what) VALUES (:w)"), {"w": what})
        await s.commit()


class Row:
    async def save(self, db, actor=None, no_commit: bool = False, upsert: bool = False):
        if actor:
            self.owner = actor
        if upsert:
            await db.execute(text("INSERT INTO rows DEFAULT VALUES ON CONFLICT DO NOTHING"))
            if not no_commit:
                await db.commit()
            return self
        db.add(self)
        if no_commit:
            await db.flush()
        else:
            await db.commit()
        return self


async def store(db, row, verbose: bool = False, commit: bool = True, close: bool = False):
    if verbose:
        print("storing", row)
    await db.execute(text("INSERT INTO rows (v) VALUES (:v)"), {"v": row})
    if commit:
        await db.commit()
    if close:
        await db.close()


async def finish(db, refresh: bool, keep_open: bool = False):
    await db.execute(text("UPDATE rows SET seen = true"))
    if refresh:
        await db.execute(text("SELECT 1"))
    if not keep_open:
        await db.close()


@app.post("/rows/default")
async def save_default(actor: str):
    async with Maker() as session:
        row = Row()
        await row.save(session, actor=actor)
        await audit("saved")


@app.post("/rows/explicit")
async def save_explicit(actor: str):
    async with Maker() as session:
        row = Row()
        await row.save(session, actor, False, True)
        await audit("saved")


@app.post("/rows/draft")
async def save_draft(actor: str):
    async with Maker() as session:
        row = Row()
        await row.save(session, actor=actor, no_commit=True)
        await audit("drafted")  # expect: SL206


@app.post("/rows/draft-upsert")
async def save_draft_upsert():
    async with Maker() as session:
        row = Row()
        await row.save(session, None, True, upsert=True)
        await audit("drafted")  # expect: SL206


@app.post("/store/default")
async def store_default(v: int):
    async with Maker() as session:
        await store(session, v, verbose=True)
        await audit("stored")


@app.post("/store/no-commit")
async def store_no_commit(v: int):
    async with Maker() as session:
        await store(session, v, verbose=False, commit=False)
        await audit("stored")  # expect: SL206


@app.post("/store/closed")
async def store_closed(v: int):
    async with Maker() as session:
        await store(session, v, commit=False, close=True)
        await audit("stored")


@app.post("/finish/default")
async def finish_default(v: int):
    async with Maker() as session:
        await finish(session, True)
        await audit("finished")


@app.post("/finish/kept")
async def finish_kept(v: int):
    async with Maker() as session:
        await finish(session, False, keep_open=True)
        await audit("finished")  # expect: SL206
