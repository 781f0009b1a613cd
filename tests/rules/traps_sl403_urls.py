# Quiet for SL403: URLs read from the environment (not literals), registered
# dialects and drivers, local hosts with sslmode=disable (CockroachDB's
# insecure local cluster), interpolated passwords and hosts, postgresql://
# at 26257 given to a driver (which speaks the wire protocol, not a
# dialect), password placeholders, and URL-like strings no engine is given.
import os

import psycopg
import psycopg2
from sqlalchemy import URL, create_engine
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_engine(os.environ["DATABASE_URL"])
async_engine = create_async_engine(os.getenv("ASYNC_DATABASE_URL"))
READ_URL = os.environ.get("READ_URL")
reader = create_engine(READ_URL)

local = create_engine("cockroachdb://root@localhost:26257/defaultdb?sslmode=disable")
local_async = create_async_engine("cockroachdb+asyncpg://root@127.0.0.1:26257/defaultdb")
local_psycopg = create_engine("cockroachdb+psycopg://root@[::1]:26257/defaultdb")
socket = create_engine("postgresql+psycopg2://app@/shop?host=/var/run/postgresql&sslmode=disable")
pg = create_engine("postgresql+pg8000://app@db.example.com/shop?sslmode=require")
secure = create_engine("cockroachdb://app@db.example.com:26257/shop?sslmode=verify-full")
DEFAULT_URL = os.getenv("DEFAULT_URL", "cockroachdb://root@localhost:26257/defaultdb?sslmode=disable")
default_engine = create_engine(DEFAULT_URL)


def from_parts(user: str, password: str, host: str):
    return create_engine(f"cockroachdb://{user}:{password}@{host}:26257/shop?sslmode=require")


def remote_interpolated(host: str):
    return create_engine(f"cockroachdb://root@{host}:26257/shop?sslmode=disable")


def templated():
    return create_engine("postgresql://app:${DB_PASSWORD}@localhost/shop")


def raw_connections():
    conn = psycopg2.connect("postgresql://root@localhost:26257/bank?sslmode=disable")
    conn.close()
    with psycopg.connect("postgres://root@localhost:26257/bank") as conn3:
        conn3.execute("SELECT 1")


created = URL.create("cockroachdb+asyncpg", username="root", host="localhost", port=26257)
from_env = URL.create("cockroachdb", username="app", password=os.environ["DB_PASSWORD"],
                      host="db.example.com")

DOCS_EXAMPLE = "postgresql://user:password@db.example.com/shop?sslmode=disable"
HELP = "set DATABASE_URL, e.g. cockroachdb+async://user:pass@host/db"


def engine_for(url: str):
    return create_engine(url)


def status_page():
    url = "https://monitor:hunter2@status.example.com/health"  # a name engines get, not a database's URL
    return url
