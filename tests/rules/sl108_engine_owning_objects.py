# SL108: an object whose __init__ makes a pooled engine and keeps it on
# self owns that pool; making one per call and dropping it (also after
# handing it to another object that keeps it, or through an async helper
# that returns such a wrapper) leaves the pool's connections open.  A
# method of it that disposes self's engine, called on it or through the
# wrapper, closes it; one made once per process (lru_cache, module level,
# a slot tested first) is not per call.
import os
from functools import lru_cache

from celery import Celery
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine

DSN = os.environ["SEARCH_DSN"]
worker = Celery("search")


class Index:
    def __init__(self, table):
        self.table = table
        self.engine = create_engine(DSN, pool_size=3)

    def lookup(self, term):
        with self.engine.connect() as conn:
            return conn.execute(text(f"SELECT id FROM {self.table} WHERE term = :t"), {"t": term}).all()

    def shutdown(self):
        self.engine.dispose()


class AsyncIndex:
    def __init__(self):
        self.engine = create_async_engine(DSN)

    async def lookup(self, term):
        async with self.engine.connect() as conn:
            return (await conn.execute(text("SELECT 1 WHERE :t <> ''"), {"t": term})).all()

    async def close(self):
        await self.engine.dispose()


class Searcher:
    def __init__(self, index, limit=10):
        self.index = index
        self.limit = limit

    async def run(self, term):
        return (await self.index.lookup(term))[: self.limit]


@worker.task
def find(term):
    index = Index("words")  # expect: SL108 "nothing disposes it"
    return len(index.lookup(term))


@worker.task
def find_and_close(term):
    index = Index("words")
    try:
        return len(index.lookup(term))
    finally:
        index.shutdown()


async def searcher_for(limit):
    idx = AsyncIndex()
    return Searcher(idx, limit=limit)


@worker.task
async def search(term):
    searcher = await searcher_for(5)  # expect: SL108 "by `searcher_for`"
    return await searcher.run(term)


@worker.task
async def search_and_close(term):
    searcher = await searcher_for(5)
    try:
        return await searcher.run(term)
    finally:
        await searcher.index.close()


@worker.task
async def wrapped_here(term):
    searcher = Searcher(AsyncIndex())  # expect: SL108 "nothing disposes it"
    return await searcher.run(term)


@lru_cache(maxsize=1)
def shared_index():
    index = Index("words")
    return index


@worker.task
def find_shared(term):
    return len(shared_index().lookup(term))


DEFAULT_INDEX = Index("words")


class Service:
    def __init__(self):
        self._index = None

    def index(self):
        if self._index is None:
            self._index = Index("words")
        return self._index


class Singleton:
    _made = None

    def __new__(cls):
        if cls._made is None:
            cls._made = super().__new__(cls)
        return cls._made

    def __init__(self):
        self.engine = create_engine(DSN)

    def ping(self):
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))


@worker.task
def ping():
    s = Singleton()
    s.ping()


class Borrower:
    def __init__(self):
        self.engine = Index("words").engine  # the engine leaves with the attribute: kept on self

    def close(self):
        self.engine.dispose()
