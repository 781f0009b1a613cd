# A generator that holds a connection across a yield and releases it after
# the loop: a consumer that stops early closes the generator at the yield,
# and the release never runs.  The message says whether the resource itself
# is what is yielded, or only what is read from it.
import os
from typing import Iterator

import psycopg2


def rows_of(since) -> Iterator[tuple]:
    # the query may raise before the loop, too (SL103)
    conn = psycopg2.connect(os.environ["DATABASE_URL"])  # expect: SL103
    cur = conn.cursor(name="export")
    cur.execute("SELECT id FROM events WHERE created_at >= %s", (since,))
    for row in cur:
        yield row  # expect: SL104 "is held across a yield and released after it"
    cur.close()
    conn.close()


def lend() -> Iterator[object]:
    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    yield conn  # expect: SL104 "is yielded and released after the yield"
    conn.close()


def rows_guarded(since) -> Iterator[tuple]:
    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    try:
        cur = conn.cursor()
        cur.execute("SELECT id FROM events WHERE created_at >= %s", (since,))
        for row in cur:
            yield row
    finally:
        conn.close()
