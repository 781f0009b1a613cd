# SL201 through a singleton class: a class whose every call `Cls()` gives
# the one instance of the process (a metaclass whose __call__ keeps the
# instance it makes, a __new__ that keeps it, a decorator that keeps it)
# shares whatever its methods keep on self, as a module-level instance
# would: a session or connection kept there serves every request and thread
# at once.
# Convention: the finding is on the `self.x = <acquisition>` line.
import abc
import os
import threading

import psycopg2
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
Maker = sessionmaker(bind=engine)
app = FastAPI()


class OnePerClass(type):
    _lock = threading.Lock()

    def __call__(cls, *args, **kwargs):
        with cls._lock:
            if getattr(cls, "_one", None) is None:
                cls._one = type.__call__(cls, *args, **kwargs)
        return cls._one


class Ledger(metaclass=OnePerClass):
    def session(self) -> Session:
        if not hasattr(self, "_db"):
            self._db = Maker()  # expect: SL201 "metaclass `OnePerClass`"
        return self._db


class Archive:
    _kept = None

    def __new__(cls, *args, **kwargs):
        if cls._kept is None:
            cls._kept = super().__new__(cls)
        return cls._kept

    def connection(self):
        if getattr(self, "conn", None) is None:
            self.conn = psycopg2.connect(os.environ["DSN"])  # expect: SL201 "`__new__` keeps"
        return self.conn


def only_one(klass):
    made = {}

    def get(*args, **kwargs):
        if klass not in made:
            made[klass] = klass(*args, **kwargs)
        return made[klass]

    return get


@only_one
class Reports:
    def open(self) -> Session:
        self.current = Session(engine)  # expect: SL201 "decorator `@only_one`"
        return self.current


@app.get("/ledger")
def ledger():
    return Ledger().session().execute(text("select 1")).scalar()


@app.get("/archive")
def archive():
    cur = Archive().connection().cursor()
    cur.execute("select 1")
    return cur.fetchone()


@app.get("/reports")
def reports():
    return Reports().open().execute(text("select 1")).scalar()


# --- quiet -----------------------------------------------------------------


# ABCMeta makes a new instance per call
class Store(abc.ABC):
    def session(self) -> Session:
        if getattr(self, "_db", None) is None:
            self._db = Maker()
        return self._db


class SqlStore(Store):
    pass


# a registry metaclass records the classes it makes, not their instances
class Plugins(type):
    found: dict = {}

    def __new__(mcs, name, bases, ns):
        made = super().__new__(mcs, name, bases, ns)
        mcs.found[name] = made
        return made


class Exporter(metaclass=Plugins):
    def session(self) -> Session:
        self._db = Maker()
        return self._db


# a singleton that keeps the engine and the sessionmaker: factories are shared
class Database(metaclass=OnePerClass):
    def maker(self):
        if not hasattr(self, "_maker"):
            self._engine = create_engine(os.environ["DATABASE_URL"])
            self._maker = sessionmaker(bind=self._engine)
        return self._maker


# a singleton whose method makes a new session per call
class Sessions(metaclass=OnePerClass):
    def new(self) -> Session:
        return Maker()


@app.get("/store")
def store():
    return SqlStore().session().execute(text("select 1")).scalar()


@app.get("/export")
def export():
    return Exporter().session().execute(text("select 1")).scalar()


def get_db():
    with Database().maker()() as db:
        yield db


@app.get("/db")
def use_db(db: Session = Depends(get_db)):
    return db.execute(text("select 1")).scalar()


def get_new():
    db = Sessions().new()
    try:
        yield db
    finally:
        db.close()


@app.get("/new")
def use_new(db: Session = Depends(get_new)):
    return db.execute(text("select 1")).scalar()
