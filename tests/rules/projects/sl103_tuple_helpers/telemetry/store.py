"""Opening connections for the telemetry writers (psycopg 3)."""
import psycopg
from psycopg.rows import dict_row


class Unavailable(Exception):
    """No connection after the retries."""


def connect(url, attempts=3):
    for attempt in range(attempts):
        try:
            return psycopg.connect(url)
        except psycopg.OperationalError as exc:
            if attempt == attempts - 1:
                raise Unavailable(url) from exc
    raise Unavailable(url)


def connection_and_cursor(url):
    conn = connect(url)
    conn.row_factory = dict_row
    return conn, conn.cursor()


class Store:
    def __init__(self, url):
        self.url = url

    def open(self):
        conn = connect(self.url)
        return conn, conn.cursor()

    def lend(self, conn):
        return conn, conn.cursor()
