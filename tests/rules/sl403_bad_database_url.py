# SL403 bad-database-url: a literal database URL given to create_engine,
# create_async_engine or a driver's connect(), directly, through a name that
# one of them is given, or as the literal default of an environment read.
# Reported on the literal, once per problem: a driver the dialect does not
# register, postgresql:// at CockroachDB's port 26257, a password that looks
# real (not a placeholder, for a host that is not this machine nor a bare
# compose service name) written in the source, sslmode=disable to a host that
# is not this machine.  The password and sslmode problems are not reported in
# test or example code (their secrets are nobody's).
import os

import asyncpg
import psycopg2
from pydantic_settings import BaseSettings
from sqlalchemy import URL, create_engine
from sqlalchemy.ext.asyncio import create_async_engine

# A driver the CockroachDB dialect does not register.
ASYNC_URL = "cockroachdb+async://root@localhost:26257/shop"  # expect: SL403
async_engine = create_async_engine(ASYNC_URL)

# The PostgreSQL dialect pointed at CockroachDB.
pg_engine = create_engine("postgresql://root@localhost:26257/shop")  # expect: SL403
pg_async = create_async_engine("postgresql+asyncpg://root@127.0.0.1:26257/shop")  # expect: SL403

# `postgres` stopped being a SQLAlchemy dialect name in 1.4.
legacy = create_engine("postgres://app@localhost/shop")  # expect: SL403

# A real-looking password in the source, in a default of an environment read too.
with_password = create_engine("cockroachdb://orders:Vq8tLm2xRz@crdb.prod.internal:26257/shop")  # expect: SL403
DATABASE_URL = os.getenv("DATABASE_URL", "postgresql+psycopg://app:k7Gp0wQe4@10.0.3.12/shop")  # expect: SL403
engine = create_engine(DATABASE_URL)
REPLICA_URL = os.environ.get(
    "REPLICA_URL",
    "cockroachdb://app:Zr81mqLp@replica.eu-west-1.example.net:26257/shop",  # expect: SL403
)
replica = create_engine(REPLICA_URL)

# Quiet: a password for this machine, or for a compose service, is a local
# setup's; placeholders are nobody's.
local_dev = create_engine("cockroachdb://app:hunter2@localhost:26257/shop")
compose = create_engine("postgresql+psycopg://app:Vq8tLm2xRz@db:5432/shop")
LOCAL_URL = os.getenv("DATABASE_URL", "postgresql+psycopg://app:app@localhost/shop")
local_engine = create_engine(LOCAL_URL)
template = create_engine("cockroachdb://username:password@host.example.com:26257/dbname")
changeme = create_engine("postgresql://svc:changeme@pg.internal.example.com/shop")
same_as_user = create_engine("postgresql://orders:orders@pg.internal.example.com/shop")

# An f-string whose password is literal.
def make_engine(host: str):
    return create_engine(f"cockroachdb+psycopg2://app:hunter2@{host}:26257/shop")  # expect: SL403


# sslmode=disable to a remote host.
remote = create_engine("cockroachdb://app@db.example.com:26257/shop?sslmode=disable")  # expect: SL403


# A settings field that create_engine is given.
class Settings(BaseSettings):
    database_url: str = "cockroachdb+asyncpg://app@10.0.4.7:26257/shop?sslmode=disable"  # expect: SL403


settings = Settings()
settings_engine = create_async_engine(settings.database_url)

# The driver takes postgresql:// only; the dialect+driver form is SQLAlchemy's.
def raw_connect():
    return psycopg2.connect("cockroachdb://root@localhost:26257/bank")  # expect: SL403


async def raw_async_connect():
    return await asyncpg.connect("postgresql+asyncpg://root@localhost:26257/bank")  # expect: SL403


# URL.create() with an unregistered driver and a literal password.
CREATED = URL.create("cockroachdb+async", username="app", host="localhost", port=26257)  # expect: SL403
WITH_PASSWORD = URL.create("cockroachdb", username="app", password="Wd9qTr5s", host="crdb.internal.example.com")  # expect: SL403
LOCAL_PASSWORD = URL.create("cockroachdb", username="app", password="hunter2", host="localhost")

# Two problems in one literal: both are reported, on the same line.
both = create_engine("cockroachdb+async://app:hunter2@db.example.com:26257/shop?sslmode=disable")  # expect: SL403
