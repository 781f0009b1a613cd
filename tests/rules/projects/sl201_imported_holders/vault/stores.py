import os

from sqlalchemy import text

from .backend import Backend, open_session


class Secrets:
    def __init__(self):
        self.con, self.cur = Backend().connect()

    def read(self, key):
        self.cur.execute("SELECT value FROM secrets WHERE key = %s", (key,))
        return self.cur.fetchone()


class AuditLog:
    def __init__(self):
        self.session, self.engine = open_session(os.environ["AUDIT_URL"])

    def record(self, what):
        self.session.execute(text("INSERT INTO audit (what) VALUES (:w)"), {"w": what})
        self.session.commit()


class Catalog:
    def __init__(self):
        self.host, self.name = Backend().address()

    def describe(self):
        return {"host": self.host, "name": self.name}


class Lookup:
    def __init__(self):
        self.con, self.cur = Backend().connect()

    def find(self, key):
        try:
            self.cur.execute("SELECT 1 FROM secrets WHERE key = %s", (key,))
            return self.cur.fetchone() is not None
        finally:
            self.cur.close()
            self.con.close()
