# SL103 for resources a project method (not a plain function) returns as a
# tuple display, unpacked into local names: a connection and its cursor,
# a session beside the engine it was made on.  Each name holds its own
# resource; a cursor goes with its connection.
import os

import psycopg2
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session


class Warehouse:
    def __init__(self, dsn):
        self.dsn = dsn

    def checkout(self):
        conn = psycopg2.connect(self.dsn)
        return conn, conn.cursor()

    def unit_of_work(self, url):
        engine = create_engine(url)
        return Session(engine), engine

    def limits(self):
        return 10, 50


WAREHOUSE = Warehouse(os.environ.get("DSN", "dbname=stock"))


def restock(item, qty):
    conn, cur = WAREHOUSE.checkout()  # expect: SL103 "if the call on line 33 raises"
    cur.execute("UPDATE stock SET qty = qty + %s WHERE item = %s", (qty, item))
    conn.commit()
    cur.close()
    conn.close()


def restock_safely(item, qty):
    conn, cur = WAREHOUSE.checkout()
    try:
        cur.execute("UPDATE stock SET qty = qty + %s WHERE item = %s", (qty, item))
        conn.commit()
    finally:
        cur.close()
        conn.close()


def audit(url, item):
    session, engine = Warehouse("").unit_of_work(url)  # expect: SL103 "session `session` is not released"
    session.execute(text("INSERT INTO audit (item) VALUES (:i)"), {"i": item})
    session.commit()
    session.close()
    engine.dispose()


def audit_safely(url, item):
    session, engine = Warehouse("").unit_of_work(url)
    try:
        session.execute(text("INSERT INTO audit (item) VALUES (:i)"), {"i": item})
        session.commit()
    finally:
        session.close()
        engine.dispose()


def bounds():
    low, high = WAREHOUSE.limits()  # plain values
    return high - low
