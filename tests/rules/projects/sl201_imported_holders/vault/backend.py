import os

import psycopg2
from sqlalchemy import create_engine
from sqlalchemy.orm import Session


class Backend:
    """Opens what a store needs; the store decides how long it keeps it."""

    def __init__(self, dsn=None):
        self.dsn = dsn or os.environ["VAULT_DSN"]

    def connect(self):
        try:
            self.conn = psycopg2.connect(self.dsn)
            self.cursor = self.conn.cursor()
            return self.conn, self.cursor
        except psycopg2.OperationalError:
            self.conn = None
            raise

    def address(self):
        host, _, name = self.dsn.partition("/")
        return host, name


def open_session(url):
    engine = create_engine(url)
    return Session(engine), engine
