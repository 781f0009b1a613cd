# SL302 uncommitted-write on a DB-API connection: psycopg2 and psycopg 3
# begin a transaction on the first statement and never commit by
# themselves; close() (or losing the connection) rolls it back.  asyncpg
# autocommits outside a transaction block and is not this rule's.
# Convention: the finding is on the first write.
import asyncpg
import psycopg
import psycopg2
from psycopg import AsyncConnection

DSN = "dbname=app"


# Bad: a cursor's INSERT, then close() without commit.
def add_item(name: str) -> None:
    conn = psycopg2.connect(DSN)
    try:
        cur = conn.cursor()
        cur.execute("INSERT INTO items (name) VALUES (%s)", (name,))  # expect: SL302 "is never committed: psycopg2"
        cur.close()
    finally:
        conn.close()


# Bad: psycopg 3's async connection; DDL is lost the same way.
async def create_table() -> None:
    conn = await AsyncConnection.connect(DSN)
    try:
        await conn.execute("CREATE TABLE IF NOT EXISTS tools (slug TEXT PRIMARY KEY)")  # expect: SL302 "psycopg begins"
    finally:
        await conn.close()


# Bad: a statement bound to a name, through `with conn.cursor() as cur`.
MARK = "UPDATE items SET seen = true WHERE id = %s"


def mark(item_id: int) -> None:
    conn = psycopg.connect(DSN)
    try:
        with conn.cursor() as cur:
            cur.execute(MARK, (item_id,))  # expect: SL302
    finally:
        conn.close()


# Quiet: committed.
def add_item_committed(name: str) -> None:
    conn = psycopg2.connect(DSN)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO items (name) VALUES (%s)", (name,))
        conn.commit()
    finally:
        conn.close()


# Quiet: `with conn:` commits at the end of the block (psycopg2 and 3).
def add_item_block(name: str) -> None:
    conn = psycopg2.connect(DSN)
    try:
        with conn:
            with conn.cursor() as cur:
                cur.execute("INSERT INTO items (name) VALUES (%s)", (name,))
    finally:
        conn.close()


# Quiet: psycopg 3's transaction block commits.
def add_item_transaction(name: str) -> None:
    conn = psycopg.connect(DSN)
    try:
        with conn.transaction():
            conn.execute("INSERT INTO items (name) VALUES (%s)", (name,))
    finally:
        conn.close()


# Quiet: autocommit, as a keyword or set after.
def add_item_autocommit(name: str) -> None:
    conn = psycopg.connect(DSN, autocommit=True)
    try:
        conn.execute("INSERT INTO items (name) VALUES (%s)", (name,))
    finally:
        conn.close()


def add_item_autocommit_attr(name: str) -> None:
    conn = psycopg2.connect(DSN)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO items (name) VALUES (%s)", (name,))
    finally:
        conn.close()


# Quiet for SL302: the connection goes to the caller, which may commit (it
# leaks if the execute raises, which is SL103's).
def open_and_stage(name: str):
    conn = psycopg2.connect(DSN)  # expect: SL103
    cur = conn.cursor()
    cur.execute("INSERT INTO items (name) VALUES (%s)", (name,))
    return conn


# Quiet: a scratch table of the connection's own.
def scratch() -> int:
    conn = psycopg2.connect(DSN)
    try:
        cur = conn.cursor()
        cur.execute("CREATE TEMP TABLE seen (id int)")
        cur.execute("SELECT count(*) FROM items")
        return cur.fetchone()[0]
    finally:
        conn.close()


# Quiet: asyncpg autocommits outside a transaction block.
async def add_item_asyncpg(name: str) -> None:
    conn = await asyncpg.connect(DSN)
    try:
        await conn.execute("INSERT INTO items (name) VALUES ($1)", name)
    finally:
        await conn.close()
