# SL201 through what a project method returns: a helper object whose
# method makes a connection and its cursor (or a session beside its engine)
# and hands them back as a tuple, unpacked into attributes by the __init__
# of an object the module makes once.  The object is one for the process,
# so what it keeps on self serves every request and thread at once.  The
# helper may keep its own copy on self (`self.conn = ...; return self.conn,
# self.cur`): the caller still gets what that call made.
# Convention: the finding is on the module-level instance, with the
# `self.a, self.b = ...` line as witness.
import os

import psycopg2
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

DSN = os.environ.get("DSN", "dbname=ledger")
app = FastAPI()


class Connector:
    def __init__(self, dsn):
        self.dsn = dsn
        self.conn = None
        self.cur = None

    def open(self):
        with open("/dev/null") as trace:
            trace.read()
            self.conn = psycopg2.connect(self.dsn)
            self.cur = self.conn.cursor()
        return self.conn, self.cur

    def open_fresh(self):
        conn = psycopg2.connect(self.dsn)
        return conn, conn.cursor()

    def settings(self):
        return self.dsn, 5432


def session_and_engine(url):
    engine = create_engine(url)
    return sessionmaker(bind=engine)(), engine


class Ledger:
    def __init__(self):
        self.conn, self.cur = Connector(DSN).open()

    def balance(self, account):
        self.cur.execute("SELECT balance FROM accounts WHERE id = %s", (account,))
        return self.cur.fetchone()


class Journal:
    def __init__(self):
        *_, self.cur = Connector(DSN).open_fresh()  # a starred target shifts the items: not followed

    def last(self):
        self.cur.execute("SELECT max(id) FROM journal")
        return self.cur.fetchone()


class Reports:
    def __init__(self):
        self.session, self.engine = session_and_engine(os.environ["REPORTS_URL"])

    def totals(self):
        return self.session.execute(text("SELECT sum(total) FROM orders")).scalar()


class Settings:
    def __init__(self):
        self.dsn, self.port = Connector(DSN).settings()  # plain values: nothing to share

    def describe(self):
        return f"{self.dsn}:{self.port}"


class PerRequest:
    def __init__(self):
        self.conn, self.cur = Connector(DSN).open_fresh()

    def count(self):
        self.cur.execute("SELECT count(*) FROM accounts")
        n = self.cur.fetchone()
        self.cur.close()
        self.conn.close()
        return n


ledger = Ledger()  # expect: SL201 "connection and cursor it makes on self.conn and self.cur"
journal = Journal()
reports = Reports()  # expect: SL201 "keeps the session it makes on self.session"
settings = Settings()


@app.get("/balance/{account}")
def balance(account: int):
    return ledger.balance(account)


@app.get("/journal")
def journal_last():
    return journal.last()


@app.get("/reports")
def totals():
    return reports.totals()


@app.get("/settings")
def describe():
    return settings.describe()


@app.get("/count")
def count():
    return PerRequest().count()  # made per request: its own connection
