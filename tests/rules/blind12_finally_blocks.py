# Blind cases for issue 12, point 8: code inside `finally:` is code.  The
# usual shape is bookkeeping that must happen whether the work succeeded or
# not (an import log, a job's end time, an audit row), written in the
# `finally` of the work itself: acquire, use, close, with nothing protecting
# the acquisition.  When the use raises, the connection leaks exactly as it
# would in straight-line code: SL103 on the acquisition.  A use after a
# release inside a finally is SL102 as anywhere.  Quiet: the same
# bookkeeping with `with`, or with its own try/finally inside the finally.
import csv
import os
import time

import asyncpg
import psycopg2
from fastapi import FastAPI, UploadFile
from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
DSN = os.environ["DATABASE_DSN"]
pg_pool = ThreadedConnectionPool(1, 10, dsn=DSN)
app = FastAPI()


def parse_rows(path: str) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def import_catalog(path: str) -> int:
    started = time.monotonic()
    count = 0
    try:
        for row in parse_rows(path):
            with SessionLocal.begin() as db:
                db.execute(text("INSERT INTO products (sku, name) VALUES (:sku, :name)"), row)
            count += 1
    finally:
        conn = engine.connect()  # expect: SL103
        conn.execute(
            text("INSERT INTO import_log (path, rows, seconds) VALUES (:p, :n, :s)"),
            {"p": path, "n": count, "s": time.monotonic() - started},
        )
        conn.commit()
        conn.close()
    return count


def import_prices(path: str) -> int:
    started = time.monotonic()
    count = 0
    try:
        for row in parse_rows(path):
            with SessionLocal.begin() as db:
                db.execute(text("UPDATE products SET price = :price WHERE sku = :sku"), row)
            count += 1
    finally:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO import_log (path, rows, seconds) VALUES (:p, :n, :s)"),
                {"p": path, "n": count, "s": time.monotonic() - started},
            )
    return count


@app.post("/imports/stock")
async def import_stock(file: UploadFile):
    lines = 0
    try:
        async for chunk in file:
            lines += chunk.count(b"\n")
    finally:
        db = SessionLocal()  # expect: SL103
        db.execute(text("INSERT INTO uploads (name, lines) VALUES (:n, :l)"), {"n": file.filename, "l": lines})
        db.commit()
        db.close()
    return {"lines": lines}


@app.post("/imports/tags")
async def import_tags(file: UploadFile):
    lines = 0
    try:
        async for chunk in file:
            lines += chunk.count(b"\n")
    finally:
        db = SessionLocal()
        try:
            db.execute(text("INSERT INTO uploads (name, lines) VALUES (:n, :l)"), {"n": file.filename, "l": lines})
            db.commit()
        finally:
            db.close()
    return {"lines": lines}


async def sync_inventory(pool: asyncpg.Pool, warehouse: str) -> None:
    try:
        async with pool.acquire() as conn:
            await conn.execute("SELECT sync_warehouse($1)", warehouse)
    finally:
        log_conn = await pool.acquire()  # expect: SL103
        await log_conn.execute("UPDATE warehouses SET synced_at = now() WHERE code = $1", warehouse)
        await pool.release(log_conn)


async def sync_prices(pool: asyncpg.Pool, warehouse: str) -> None:
    try:
        async with pool.acquire() as conn:
            await conn.execute("SELECT sync_prices($1)", warehouse)
    finally:
        async with pool.acquire() as log_conn:
            await log_conn.execute("UPDATE warehouses SET priced_at = now() WHERE code = $1", warehouse)


def run_job(job_id: int) -> None:
    try:
        with SessionLocal() as db:
            db.execute(text("SELECT run_job(:id)"), {"id": job_id})
            db.commit()
    finally:
        conn = psycopg2.connect(DSN)  # expect: SL103
        with conn.cursor() as cur:
            cur.execute("UPDATE jobs SET finished_at = now() WHERE id = %s", (job_id,))
        conn.commit()
        conn.close()


def charge(order_id: int) -> None:
    conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT charge_order(%s)", (order_id,))
        conn.commit()
    finally:
        pg_pool.putconn(conn)
        conn.cursor().execute("INSERT INTO audit (order_id, action) VALUES (%s, 'charge')", (order_id,))  # expect: SL102


def refund(order_id: int) -> None:
    conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT refund_order(%s)", (order_id,))
            cur.execute("INSERT INTO audit (order_id, action) VALUES (%s, 'refund')", (order_id,))
        conn.commit()
    finally:
        pg_pool.putconn(conn)
