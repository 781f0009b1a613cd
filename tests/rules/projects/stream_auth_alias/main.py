# A streaming endpoint that takes no session itself: the session of its auth
# dependency, reached through an alias imported from auth.py, stays checked
# out (idle in transaction) for as long as the stream is open, on FastAPI
# 0.118 and later, which close yield dependencies after the response.
import asyncio

from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from auth import CurrentUser, ReleasedUser

app = FastAPI()
queue: asyncio.Queue = asyncio.Queue()


@app.get("/events")
async def events(user: CurrentUser):
    async def stream():
        while True:
            yield f"data: {await queue.get()}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream")  # expect: SL205


@app.get("/events/released")
async def events_released(user: ReleasedUser):
    async def stream():
        while True:
            yield f"data: {await queue.get()}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream")
