from collections.abc import Generator

from fastapi import Depends, FastAPI
from fastapi.responses import StreamingResponse
from sqlalchemy import text
from sqlalchemy.orm import Session

from chat.db import get_session, session_for_current_tenant

app = FastAPI()


class Conversation:
    def __init__(self, db: Session) -> None:
        self.db = db

    def reply(self, prompt: str) -> Generator[str, None, None]:
        self.db.execute(text("INSERT INTO messages (body) VALUES (:b)"), {"b": prompt})
        self.db.commit()
        for word in prompt.split():
            yield word + "\n"


@app.post("/chat")
def chat(prompt: str, db: Session = Depends(get_session)):
    conversation = Conversation(db)
    return StreamingResponse(conversation.reply(prompt))  # expect: SL202 "`get_session` closes it when the endpoint returns"


# quiet: the stream opens a session of its own
@app.post("/chat/fixed")
def chat_fixed(prompt: str):
    def stream() -> Generator[str, None, None]:
        with session_for_current_tenant() as db:
            yield from Conversation(db).reply(prompt)

    return StreamingResponse(stream())
