# SL201 through the MRO: a class attribute made on a base class and read by
# the base's methods is one object for every instance of every subclass.
# When request code uses only a subclass, the finding is on the base's read
# of self.<attr> (what the requests run), with the attribute as witness.
from typing import Generic, TypeVar

import psycopg2
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

DSN = "dbname=shop user=shop"
engine = create_engine("postgresql://shop@localhost/shop")
SessionLocal = sessionmaker(engine)
M = TypeVar("M")

app = FastAPI()


class Store:
    conn = psycopg2.connect(DSN)

    def fetch(self, table):
        cur = self.conn.cursor()  # expect: SL201 "inherited by `OrderStore`"
        cur.execute(f"SELECT * FROM {table}")
        return cur.fetchall()


class OrderStore(Store):
    table = "orders"


class Repo(Generic[M]):
    session = SessionLocal()

    def count(self, name):
        return self.session.scalar(text(f"SELECT count(*) FROM {name}"))  # expect: SL201


class Middle(Repo["Invoice"]):
    pass


class InvoiceRepo(Middle):
    pass


# quiet: each instance of the subclass keeps its own session
class Audit:
    session = SessionLocal()

    def last(self):
        return self.session.scalar(text("SELECT max(id) FROM audit"))


class OwnAudit(Audit):
    def __init__(self, session):
        self.session = session


# quiet: the base keeps the factory, each call makes its own session
class Counted:
    factory = sessionmaker(engine)

    def total(self):
        with self.factory() as session:
            return session.scalar(text("SELECT count(*) FROM items"))


class ItemCount(Counted):
    pass


# quiet: only a command uses the subclass, once per run
class Export:
    session = SessionLocal()

    def rows(self):
        return self.session.execute(text("SELECT * FROM exports")).all()


class CsvExport(Export):
    pass


def main():
    print(CsvExport().rows())


@app.get("/orders")
def orders():
    return OrderStore().fetch("orders")


@app.get("/invoices/count")
def invoices():
    return {"n": InvoiceRepo().count("invoices")}


@app.get("/audit")
def audit():
    with SessionLocal() as session:
        return {"last": OwnAudit(session).last()}


@app.get("/items/count")
def items():
    return {"n": ItemCount().total()}
