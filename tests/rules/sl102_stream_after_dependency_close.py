# args: --fastapi-version 0.110
# SL102 on FastAPI 0.106 to 0.117: a yield dependency's exit code runs when
# the endpoint returns, before the response, so the session it lent is
# closed before a streamed body runs.  An ORM object the endpoint loaded
# and the body reads is detached by then: a lazy relationship, or any
# attribute a commit expired, raises DetachedInstanceError mid-stream.
# (Line 1 is run.py's `# args:` directive: the file is analyzed as that FastAPI version.)
# Convention: the finding is on the read in the body.
from fastapi import Depends, FastAPI
from fastapi.responses import StreamingResponse
from sqlalchemy import ForeignKey, create_engine
from sqlalchemy.orm import (DeclarativeBase, Mapped, Session, mapped_column, relationship,
                            selectinload, sessionmaker)

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Conversation(Base):
    __tablename__ = "conversation"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    account: Mapped[Account] = relationship()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


# Bad: the relationship is first read by the body, after the close.
@app.get("/conversations/{cid}/stream")
def stream(cid: int, db: Session = Depends(get_db)):
    conv = db.get(Conversation, cid)

    def body():
        yield f"account={conv.account.name}\n"  # expect: SL102

    return StreamingResponse(body())


# Bad: the commit expired the object (expire_on_commit is on), and the body
# reads it after the close.
@app.post("/conversations/{cid}/rename")
def rename(cid: int, title: str, db: Session = Depends(get_db)):
    conv = db.get(Conversation, cid)
    conv.title = title
    db.commit()

    def body():
        yield f"renamed to {conv.title}\n"  # expect: SL102

    return StreamingResponse(body())


# Quiet: read while the session is open, only the value goes to the body.
@app.get("/conversations/{cid}/stream2")
def stream_read_first(cid: int, db: Session = Depends(get_db)):
    conv = db.get(Conversation, cid)
    name = conv.account.name

    def body():
        yield f"account={name}\n"

    return StreamingResponse(body())


# Quiet: the relationship is loaded with the query.
@app.get("/conversations/{cid}/stream3")
def stream_eager(cid: int, db: Session = Depends(get_db)):
    conv = db.get(Conversation, cid, options=[selectinload(Conversation.account)])

    def body():
        yield f"account={conv.account.name}\n"

    return StreamingResponse(body())


# Quiet: a plain column read of an object no commit expired stays loaded.
@app.get("/conversations/{cid}/title")
def stream_title(cid: int, db: Session = Depends(get_db)):
    conv = db.get(Conversation, cid)

    def body():
        yield f"{conv.title}\n"

    return StreamingResponse(body())
