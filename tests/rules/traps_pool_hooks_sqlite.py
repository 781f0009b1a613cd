# A DB-API connection handed to a SQLAlchemy pool event hook is the pool's,
# with its cursors (a SQLite PRAGMA cursor is the documented idiom); SQLite
# connections are in-process and pool nothing.  None of these is reported.
import sqlite3

from sqlalchemy import create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

engine = create_engine("sqlite:///app.db")


@event.listens_for(engine, "connect")
def set_pragmas(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


class Config:
    def setup_sqlite(self, conn: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        cursor = conn.cursor()
        cursor.execute("PRAGMA journal_mode = WAL;")
        cursor.execute("PRAGMA foreign_keys = ON;")
        cursor.close()

    def install(self):
        event.listen(engine, "connect", self.setup_sqlite)


def read_local(path):
    conn = sqlite3.connect(path)
    cur = conn.cursor()
    cur.execute("SELECT 1")
    rows = cur.fetchall()
    cur.close()
    conn.close()
    return rows
