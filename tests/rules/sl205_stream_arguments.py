# args: --fastapi-version 0.118
# What the call that makes a streamed body is given is evaluated when the
# endpoint makes it: an attribute of an ORM object read there is a plain
# value, so a body that is handed only values does not use the session, and
# the connection the endpoint's query checked out is held through the
# stream for nothing (SL205).  An object itself handed to the body, or a
# method of it that the body runs, may load through the session later.
from typing import Iterator

from fastapi import Depends, FastAPI
from fastapi.responses import StreamingResponse
from sqlalchemy import ForeignKey, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "owner"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Report(Base):
    __tablename__ = "report"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str]
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"))
    owner: Mapped[Owner] = relationship()

    def lines(self) -> Iterator[str]:
        yield f"{self.status} by {self.owner.name}\n"


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def ticker(report_id: int, status: str) -> Iterator[str]:
    for step in range(60):
        yield f"{report_id} {status} {step}\n"


def describe(report: Report) -> Iterator[str]:
    yield f"{report.status} by {report.owner.name}\n"


@app.get("/reports/{rid}/ticks")
def ticks(rid: int, db: Session = Depends(get_db)):
    report = db.get(Report, rid)
    return StreamingResponse(ticker(rid, report.status))  # expect: SL205


@app.get("/reports/{rid}/description")
def description(rid: int, db: Session = Depends(get_db)):
    # the body reads the object's relationship: it loads through the session
    report = db.get(Report, rid)
    return StreamingResponse(describe(report))


@app.get("/reports/{rid}/lines")
def lines(rid: int, db: Session = Depends(get_db)):
    # a method of the object runs as the body: it may load through the session
    report = db.get(Report, rid)
    return StreamingResponse(report.lines())


@app.get("/reports/{rid}/ticks-committed")
def ticks_committed(rid: int, db: Session = Depends(get_db)):
    report = db.get(Report, rid)
    status = report.status
    db.commit()  # the transaction ends, the connection goes back
    return StreamingResponse(ticker(rid, status))
