# SL201 through a cached provider: what an lru_cache'd (or functools.cache'd)
# function returns is made on the first call and handed to every later one,
# so an object it makes that keeps a session or a connection on self is the
# process's one holder of it.  Reported at the `return`; the message says
# what to keep in place of the kind it holds.
import functools
from functools import lru_cache

import psycopg
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql://app@localhost/app")
SessionLocal = sessionmaker(engine)
app = FastAPI()


class Catalog:
    def __init__(self):
        self.session = SessionLocal()

    def names(self):
        return self.session.scalars(text("SELECT name FROM products")).all()

    def close(self):
        self.session.close()


class Ledger:
    def __init__(self, dsn):
        self.dsn = dsn
        self.conn = psycopg.connect(dsn)

    def balance(self, account):
        return self.conn.execute("SELECT balance FROM accounts WHERE id = %s", (account,)).fetchone()


class Pricing:
    def __init__(self):
        self.factory = SessionLocal

    def price(self, sku):
        with self.factory() as session:
            return session.scalar(text("SELECT price FROM prices WHERE sku = :s"), {"s": sku})


@functools.cache
def catalog():
    return Catalog()  # expect: SL201 "keep the sessionmaker there"


@lru_cache(maxsize=1)
def ledger():
    return Ledger("dbname=books")  # expect: SL201 "keep a connection pool there"


# quiet: the cached object keeps the factory, each call makes its own session
@lru_cache
def pricing():
    return Pricing()


# quiet: not cached, a new Catalog per request, closed by its dependency
def fresh_catalog():
    c = Catalog()
    try:
        yield c
    finally:
        c.close()


@app.get("/products")
def products(c: Catalog = Depends(catalog)):
    return c.names()


@app.get("/accounts/{account}")
def account(account: int, books: Ledger = Depends(ledger)):
    return books.balance(account)


@app.get("/prices/{sku}")
def price(sku: str, p: Pricing = Depends(pricing)):
    return p.price(sku)


@app.get("/products/fresh")
def fresh(c: Catalog = Depends(fresh_catalog)):
    return c.names()
