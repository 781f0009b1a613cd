# SL205 held-through-stream, for websockets: a websocket endpoint's
# dependencies are released when the endpoint returns, after the socket
# closed.  A session it borrowed that holds its connection (a query, no
# commit, rollback or close after) while the endpoint waits for the
# client's next message keeps a pooled connection idle in its transaction
# for as long as the client stays connected.
# Convention: the finding is on the wait.
import json

from fastapi import Depends, FastAPI, WebSocket
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from app.models import Activation

engine = create_async_engine("postgresql+asyncpg://app@db/app")
Factory = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


async def get_db():
    async with Factory() as session:
        yield session


async def load(db: AsyncSession, aid: int):
    return (await db.execute(select(Activation).where(Activation.id == aid))).scalar_one()


# Bad: the read in the loop leaves the transaction open until the next message.
@app.websocket("/ws/worker")
async def worker(websocket: WebSocket, db: AsyncSession = Depends(get_db)):
    await websocket.accept()
    while True:
        data = json.loads(await websocket.receive_text())  # expect: SL205
        activation = await load(db, data["id"])
        await websocket.send_text(activation.rulebook)


# Bad: the same with `async for`.
@app.websocket("/ws/feed")
async def feed(websocket: WebSocket, db: AsyncSession = Depends(get_db)):
    await websocket.accept()
    async for message in websocket.iter_text():  # expect: SL205
        count = (await db.execute(text("select count(*) from event"))).scalar()
        await websocket.send_text(f"{message}: {count}")


# Quiet: each message's transaction ends before the next wait.
@app.websocket("/ws/worker2")
async def worker_committed(websocket: WebSocket, db: AsyncSession = Depends(get_db)):
    await websocket.accept()
    while True:
        data = json.loads(await websocket.receive_text())
        activation = await load(db, data["id"])
        await db.rollback()
        await websocket.send_text(activation.rulebook)


# Quiet: a session per message.
@app.websocket("/ws/worker3")
async def worker_own(websocket: WebSocket):
    await websocket.accept()
    while True:
        data = json.loads(await websocket.receive_text())
        async with Factory() as db:
            activation = await load(db, data["id"])
        await websocket.send_text(activation.rulebook)
