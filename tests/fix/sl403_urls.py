# args: --unsafe-fixes
# SL403: the URL's scheme is rewritten in place; the rest of the literal,
# its quotes and its prefix stay.  postgresql:// at 26257 -> cockroachdb://
# is unsafe (applied here with --unsafe-fixes).  A password has no fix.
import os

import psycopg2
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine

ASYNC_URL = os.getenv("ASYNC_URL", "cockroachdb+async://app@localhost:26257/shop")
engine = create_async_engine(ASYNC_URL)
legacy = create_engine('postgres://app@localhost/legacy')
crdb = create_engine(r"postgresql+psycopg2://app@db.internal:26257/shop")


def raw():
    return psycopg2.connect("cockroachdb://app@localhost:26257/shop")
