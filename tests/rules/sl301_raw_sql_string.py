# SL301 raw-sql-string: a plain str given to execute(), scalar() or
# scalars() of a SQLAlchemy 2 Session, AsyncSession or Connection.  The
# receiver is known from how it was made (a sessionmaker call, Session(engine),
# engine.connect(), engine.begin(), `with ... as`), from a parameter's
# annotation (Session, AsyncSession, Connection, Annotated[...], an alias) or
# from the FastAPI dependency that provides it; the argument is a literal, an
# f-string, a concatenation, a %-format, or a name bound to one on every path.
from typing import Annotated, Optional

from fastapi import Depends, FastAPI
from sqlalchemy import Connection, create_engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@localhost/shop")
SessionLocal = sessionmaker(bind=engine)
async_engine = create_async_engine("postgresql+asyncpg://app@localhost/shop")
AsyncSessionLocal = async_sessionmaker(async_engine)
registry = scoped_session(SessionLocal)
app = FastAPI()

COUNT_ITEMS = "SELECT count(*) FROM items"


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


SessionDep = Annotated[Session, Depends(get_db)]


@app.get("/items")
def list_items(db: Session = Depends(get_db)):
    return db.execute("SELECT * FROM items").fetchall()  # expect: SL301


@app.get("/items/{item_id}")
def get_item(item_id: int, db: SessionDep):
    return db.execute(f"SELECT * FROM items WHERE id = {item_id}").first()  # expect: SL301


@app.get("/count")
def count_items(db: Annotated[Session, Depends(get_db)]):
    return db.scalar(COUNT_ITEMS)  # expect: SL301


@app.get("/by-provider")
def by_provider(db=Depends(get_db)):
    return db.scalars("SELECT name FROM items").all()  # expect: SL301


def search(db: Session, term: str):
    sql = "SELECT * FROM items WHERE name LIKE '%" + term + "%'"
    return db.execute(sql).fetchall()  # expect: SL301


def by_owner(db: Optional[Session], owner: str):
    sql = "SELECT * FROM items"
    if owner:
        sql += " WHERE owner = '%s'" % owner
    return db.execute(sql).fetchall()  # expect: SL301


def report(db: "Session", table: str):
    return db.execute("SELECT count(*) FROM {}".format(table)).scalar()  # expect: SL301


def purge():
    with SessionLocal() as db:
        db.execute("DELETE FROM carts WHERE stale")  # expect: SL301
        db.commit()


def purge_in_transaction():
    with SessionLocal.begin() as db:
        db.execute("DELETE FROM carts WHERE stale")  # expect: SL301


def archive():
    with Session(engine) as db:
        db.execute("UPDATE items SET archived = true")  # expect: SL301
        db.commit()


def core_update():
    with engine.connect() as conn:
        conn.execute("UPDATE items SET price = price * 2")  # expect: SL301
        conn.commit()
    with engine.begin() as conn:
        conn.execute(  # expect: SL301
            "UPDATE items SET price = price / 2"
        )


def on_connection(conn: Connection):
    return conn.execute("SELECT 1").scalar()  # expect: SL301


def from_registry():
    return registry.execute("SELECT 1").scalar()  # expect: SL301


async def async_count():
    async with AsyncSessionLocal() as session:
        return await session.scalar("SELECT count(*) FROM items")  # expect: SL301


async def async_param(session: AsyncSession):
    result = await session.execute("SELECT * FROM items")  # expect: SL301
    return result.all()


async def async_connection():
    async with async_engine.connect() as conn:
        await conn.execute("SELECT 1")  # expect: SL301


class ItemRepository:
    def __init__(self, session: Session):
        self.session = session

    def names(self):
        return self.session.scalars("SELECT name FROM items").all()  # expect: SL301


def with_keyword(db: Session):
    return db.execute(statement="SELECT 1")  # expect: SL301


def script_session():
    db = next(get_db())
    db.execute("VACUUM items")  # expect: SL301, SL102


def session_connection(db: Session):
    return db.connection().execute("SELECT 1")  # expect: SL301
