# Quiet for SL301: strings given to APIs that take them (DB-API cursors,
# psycopg and asyncpg connections, exec_driver_sql), SQL wrapped in text(),
# statement objects, names that are not a str on every path, and receivers
# whose kind we cannot know.
import asyncpg
import psycopg
import psycopg2
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@localhost/shop")
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


def get_db():
    with SessionLocal() as db:
        yield db


def get_raw():
    conn = psycopg2.connect("dbname=shop")
    try:
        yield conn
    finally:
        conn.close()


@app.get("/items")
def list_items(db: Session = Depends(get_db)):
    return db.execute(text("SELECT * FROM items")).fetchall()


@app.get("/raw")
def raw_items(conn=Depends(get_raw)):
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM items")
        return cur.fetchall()


def wrapped_later(db: Session, owner: str):
    sql = "SELECT * FROM items WHERE owner = :owner"
    stmt = text(sql)
    return db.execute(stmt, {"owner": owner}).fetchall()


def wrapped_on_one_path(db: Session, raw: bool):
    q = "SELECT 1"
    if not raw:
        q = text(q)
    return db.execute(q)


def statement_objects(db: Session, model):
    db.execute(select(model))
    return db.scalars(select(model).limit(10)).all()


def driver_sql():
    with engine.connect() as conn:
        conn.exec_driver_sql("SET statement_timeout = 1000")


def raw_dbapi():
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        cur.execute("SELECT 1")
        cur.close()
    finally:
        conn.close()


def psycopg3_connection():
    with psycopg.connect("dbname=shop") as conn:
        conn.execute("SELECT 1")


async def asyncpg_connection():
    conn = await asyncpg.connect("postgresql://app@localhost/shop")
    try:
        await conn.execute("SELECT 1")
    finally:
        await conn.close()


async def asyncpg_pool(pool: asyncpg.Pool):
    async with pool.acquire() as conn:
        await conn.execute("SELECT 1")


def unknown_receiver(db, sql: str):
    db.execute("SELECT 1")
    return db.execute(sql)


def parameter_string(db: Session, sql: str):
    return db.execute(text(sql))


def column_concatenation(db: Session, model):
    return db.execute(select("prefix-" + model.name))
