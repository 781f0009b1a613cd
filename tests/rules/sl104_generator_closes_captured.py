# SL104 unguarded-yield-dependency, for a generator that releases what its
# enclosing function made: an endpoint opens a session, reads with it, and
# hands it to the streamed body, which writes and closes it at the end.  The
# body owns the session from its first step.  When the client leaves the
# stream, Starlette stops iterating and the generator is closed at its
# current yield: a close after that yield, outside try/finally, never runs,
# and the session keeps its connection until the garbage collector finds it.
# Convention: the finding is on the first yield the release is not guarded
# against.
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker(bind=create_engine("postgresql+psycopg2://app@db/app"))
AsyncSessionLocal = async_sessionmaker(create_async_engine("postgresql+asyncpg://app@db/app"))
app = FastAPI()


# Bad: the close runs only when the stream is read to its end.  (And the
# endpoint's own read, before the hand-over, leaks it if it raises: SL103.)
@app.post("/chat")
def chat(question: str):
    db = SessionLocal()  # expect: SL103
    history = db.execute(text("select body from msg order by id desc limit 10")).all()

    def events():
        for h in history:
            yield f"data: {h.body}\n\n"  # expect: SL104
        db.execute(text("insert into msg(body) values (:b)"), {"b": question})
        db.commit()
        db.close()
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


# Bad: the same with an async generator and an AsyncSession.
@app.post("/achat")
async def achat(question: str):
    session = AsyncSessionLocal()  # expect: SL103
    rows = (await session.execute(text("select body from msg limit 10"))).all()

    async def events():
        for r in rows:
            yield f"data: {r.body}\n\n"  # expect: SL104
        await session.close()

    return StreamingResponse(events(), media_type="text/event-stream")


# Quiet: the body's own try/finally closes it whatever ends the stream.
@app.post("/chat-safe")
def chat_safe(question: str):
    db = SessionLocal()

    def events():
        try:
            history = db.execute(text("select body from msg order by id desc limit 10")).all()
            for h in history:
                yield f"data: {h.body}\n\n"
            db.execute(text("insert into msg(body) values (:b)"), {"b": question})
            db.commit()
        finally:
            db.close()

    return StreamingResponse(events(), media_type="text/event-stream")


# Quiet: the body opens and closes its own session.
@app.post("/chat-own")
def chat_own(question: str):
    def events():
        with SessionLocal() as db:
            for h in db.execute(text("select body from msg limit 10")):
                yield f"data: {h.body}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


# Quiet: a generator that reads a captured session without releasing it
# (the enclosing function's with block owns it; SL202 territory, not this).
def export_rows():
    with SessionLocal() as db:
        rows = db.execute(text("select id from item")).all()

        def lines():
            for r in rows:
                yield f"{r.id}\n"

        return list(lines())
