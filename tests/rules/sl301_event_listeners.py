# SQLAlchemy's event listeners are handed a session or a connection by the
# event (ORM Events, Core Events): `before_flush(session, ...)`,
# `before_insert(mapper, connection, target)`, `after_begin(session,
# transaction, connection)`.  Unannotated, they are what the event says;
# SQLAlchemy owns them, so the listener releasing nothing is right.
from sqlalchemy import event, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Message(Base):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int | None]


@event.listens_for(Session, "before_flush")
def number_messages(session, flush_context, instances):
    session.execute("CREATE TABLE IF NOT EXISTS seq (next_val int)")  # expect: SL301


@event.listens_for(Message, "before_insert")
def next_sequence(mapper, connection, target):
    target.sequence_id = connection.execute(  # expect: SL301
        "UPDATE seq SET next_val = next_val + 1 RETURNING next_val - 1"
    ).scalar()


@event.listens_for(Session, "after_begin")
def set_timeout(session, transaction, connection):
    connection.execute(text("SET LOCAL statement_timeout = '5s'"))


@event.listens_for(Message, "after_insert")
def audit(mapper, connection, target):
    connection.execute(text("INSERT INTO audit (what) VALUES ('message')"))


@event.listens_for(Message, "load")
def on_load(target, context):
    return context  # not a connection: no finding whatever it is
