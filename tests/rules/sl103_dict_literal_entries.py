# A project object under a constant key of a dict literal keeps its type
# through `d["k"]` and `d.get("k")`, in a local or in the parameter a call
# passes the literal to; a pool wrapper's getconn then acquires.
from psycopg2 import pool


class Warehouse:
    def __init__(self, dsn):
        self.pool = pool.ThreadedConnectionPool(1, 4, dsn)

    def borrow(self):
        return self.pool.getconn()

    def give_back(self, conn):
        self.pool.putconn(conn)


def archive_rows(settings, day):
    store = settings["warehouse"]
    conn = store.borrow()  # expect: SL103 "never released"
    conn.cursor().execute("DELETE FROM events WHERE day < %s", (day,))
    conn.commit()


def count_rows(settings):
    store = settings.get("warehouse")
    conn = store.borrow()
    try:
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM events")
        return cur.fetchone()[0]
    finally:
        store.give_back(conn)


class Archiver:
    def __init__(self, options):
        self.store = options.get("warehouse")

    def run(self, day):
        conn = self.store.borrow()  # expect: SL103 "never released"
        conn.cursor().execute("VACUUM events")
        return day


def main(dsn):
    wh = Warehouse(dsn)
    settings = {"warehouse": wh, "retries": 3}
    archive_rows(settings, "2024-01-01")
    count_rows({"warehouse": wh})
    Archiver(settings).run("2024-01-01")


def local_table(dsn):
    parts = {"warehouse": Warehouse(dsn), "name": "main"}
    conn = parts["warehouse"].borrow()  # expect: SL103 "never released"
    conn.cursor().execute("SELECT 1")


def local_table_released(dsn):
    parts = {"warehouse": Warehouse(dsn)}
    store = parts["warehouse"]
    conn = store.borrow()
    try:
        conn.cursor().execute("SELECT 1")
    finally:
        store.give_back(conn)


def other_key(dsn):
    parts = {"warehouse": Warehouse(dsn), "label": "x"}
    name = parts["label"]
    return name.upper()
