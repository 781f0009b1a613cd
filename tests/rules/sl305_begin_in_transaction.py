# SL305 begin-in-transaction: a Session begins a transaction by itself on
# its first use (autobegin) and only commit(), rollback() or close() ends
# it; begin() on one in a transaction raises InvalidRequestError.  So does
# a 2.0-style Connection.
# Convention: the finding is on the begin() call, or on the call that hands
# the session to a function whose first act on it is begin().
from fastapi import Depends, FastAPI
from sqlalchemy import Column, Integer, String, create_engine, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)
async_engine = create_async_engine("postgresql+asyncpg://app@db/app")
AsyncSessionLocal = async_sessionmaker(async_engine)
Base = declarative_base()
app = FastAPI()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String)


class Note(Base):
    __tablename__ = "notes"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer)
    body = Column(String)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def get_db_checked():
    db = SessionLocal()
    try:
        db.execute(text("SELECT 1"))  # a health check before handing it over
        yield db
    finally:
        db.close()


def current_user(db: Session = Depends(get_db)) -> User:
    return db.get(User, 1)


def current_user_committed(db: Session = Depends(get_db)) -> User:
    user = db.get(User, 1)
    db.commit()
    return user


# Bad: a load autobegins; the begin() after it raises.
def rename(user_id: int, name: str) -> None:
    with SessionLocal() as s:
        user = s.get(User, user_id)
        with s.begin():  # expect: SL305 "`s.get()` on line 63 began one"
            user.name = name


# Bad: add() autobegins too; the bare call form.
def add_then_begin(name: str) -> None:
    with SessionLocal() as s:
        s.add(User(name=name))
        s.begin()  # expect: SL305
        s.commit()


# Bad: the async form.
async def rename_async(user_id: int, name: str) -> None:
    async with AsyncSessionLocal() as s:
        user = await s.get(User, user_id)
        async with s.begin():  # expect: SL305
            user.name = name


# Bad: the current user's dependency queried the same request's session first.
@app.post("/notes")
def add_note(body: str, user: User = Depends(current_user), db: Session = Depends(get_db)):
    with db.begin():  # expect: SL305 "the dependency `current_user` of the same request"
        db.add(Note(user_id=user.id, body=body))


# Bad: the provider itself used the session before yielding it.
@app.post("/notes/checked")
def add_note_checked(body: str, db: Session = Depends(get_db_checked)):
    with db.begin():  # expect: SL305 "used it before it yielded it"
        db.add(Note(body=body))


# Bad: a helper whose first act is begin(), handed a session in a transaction.
def save_all(session: Session, users) -> None:
    with session.begin():
        session.add_all(users)


def import_users(users) -> None:
    with SessionLocal() as s:
        s.execute(text("SELECT 1"))
        save_all(s, users)  # expect: SL305 "`save_all` begins a transaction on it first"


# Bad: a helper that queries and leaves the transaction open.
def load(session: Session, user_id: int) -> User:
    return session.get(User, user_id)


def rename_loaded(user_id: int, name: str) -> None:
    with SessionLocal() as s:
        user = load(s, user_id)
        with s.begin():  # expect: SL305 "`load` (called on line 117) left it in one: `session.get()`"
            user.name = name


# Bad: a 2.0 connection.
def log_and_write() -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        with conn.begin():  # expect: SL305
            conn.execute(text("INSERT INTO audit DEFAULT VALUES"))


# Quiet: the begin() comes first; a second block after the first one ended.
def rename_ok(user_id: int, name: str) -> None:
    with SessionLocal() as s:
        with s.begin():
            user = s.get(User, user_id)
            user.name = name
        with s.begin():
            s.add(Note(user_id=user_id, body="renamed"))


# Quiet: committed before the begin().
def commit_then_begin(name: str) -> None:
    with SessionLocal() as s:
        s.add(User(name=name))
        s.commit()
        with s.begin():
            s.add(Note(body=name))


# Quiet: a savepoint.
def nested(user_id: int) -> None:
    with SessionLocal() as s:
        s.get(User, user_id)
        with s.begin_nested():
            s.add(Note(user_id=user_id, body="x"))
        s.commit()


# Quiet: the use is on another branch than the begin().
def branches(flag: bool) -> None:
    with SessionLocal() as s:
        if flag:
            s.execute(text("SELECT 1"))
        else:
            with s.begin():
                s.add(Note(body="x"))


# Quiet: asked first.
def guarded() -> None:
    with SessionLocal() as s:
        s.execute(text("SELECT 1"))
        if not s.in_transaction():
            with s.begin():
                s.add(Note(body="x"))


# Quiet: asked by a conditional expression, the begin() on either side.
def guarded_expression() -> None:
    with SessionLocal() as s:
        s.execute(text("SELECT 1"))
        tx = s.begin_nested() if s.in_transaction() else s.begin()
        with tx:
            s.add(Note(body="x"))
        with (s.begin() if not s.in_transaction() else s.begin_nested()):
            s.add(Note(body="y"))


# Bad: the conditional expression asks something else.
def unguarded_expression(flag: bool) -> None:
    with SessionLocal() as s:
        s.execute(text("SELECT 1"))
        tx = s.begin_nested() if flag else s.begin()  # expect: SL305
        with tx:
            s.add(Note(body="x"))


# Quiet: bound anew, by the next with statement's first item.
def rebound() -> None:
    with SessionLocal() as s:
        s.execute(text("SELECT 1"))
    with SessionLocal() as s, s.begin():
        s.add(Note(body="x"))


# Quiet: the other dependency committed its transaction.
@app.post("/notes/committed")
def add_note_committed(body: str, user: User = Depends(current_user_committed),
                       db: Session = Depends(get_db)):
    with db.begin():
        db.add(Note(user_id=user.id, body=body))


# Quiet: use_cache=False gives the endpoint a session of its own.
@app.post("/notes/fresh")
def add_note_fresh(body: str, user: User = Depends(current_user),
                   db: Session = Depends(get_db, use_cache=False)):
    with db.begin():
        db.add(Note(user_id=user.id, body=body))


# Quiet: a helper handed a fresh session.
def import_fresh(users) -> None:
    with SessionLocal() as s:
        save_all(s, users)


# Bad: the caller's own begin() block is open when the helper begins again.
def simulate(connection, statements) -> None:
    transaction = connection.begin()
    for statement in statements:
        connection.execute(text(statement))
    transaction.rollback()


def autogenerate(statements) -> None:
    with engine.connect() as connection:
        with connection.begin():
            simulate(connection, statements)  # expect: SL305 "`connection.begin()` on line"


# Quiet: the helper takes a savepoint.
def simulate_nested(connection, statements) -> None:
    savepoint = connection.begin_nested()
    for statement in statements:
        connection.execute(text(statement))
    savepoint.rollback()


def autogenerate_nested(statements) -> None:
    with engine.connect() as connection:
        with connection.begin():
            simulate_nested(connection, statements)


# Bad: the session is not the first argument.
def save_all_into(users, session: Session) -> None:
    with session.begin():
        session.add_all(users)


def import_users_into(users) -> None:
    with SessionLocal() as s:
        s.execute(text("SELECT 1"))
        save_all_into(users, s)  # expect: SL305 "`save_all_into` begins a transaction on it first"
