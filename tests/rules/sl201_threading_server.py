# A threading socketserver runs each request's handler on a thread of its
# own: a connection kept on the server object is shared by them all.
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from socketserver import StreamRequestHandler, ThreadingMixIn, TCPServer

import psycopg2
from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

Factory = sessionmaker(bind=create_engine("postgresql://u:p@localhost/db"))


class ReportServer(ThreadingHTTPServer):
    def __init__(self, address, handler):
        super().__init__(address, handler)
        self.conn = psycopg2.connect("dbname=reports")

    def server_close(self):
        super().server_close()
        self.conn.close()


class ReportHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        cur = self.server.conn.cursor()  # expect: SL201 "threading socketserver"
        cur.execute("insert into reports default values")
        self.server.conn.commit()
        self.send_response(204)


class PooledMixIn(ThreadingMixIn):
    daemon_threads = True

    def setup_db(self):
        self.session = Factory()


class LineServer(PooledMixIn, TCPServer):
    pass


class LineHandler(StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline()
        self.server.session.execute(text("select :l"), {"l": line})  # expect: SL201


def serve():
    reports = ReportServer(("", 8000), ReportHandler)
    try:
        reports.serve_forever()
    finally:
        reports.server_close()
    server = LineServer(("", 9000), LineHandler)
    server.setup_db()
    server.serve_forever()


# Quiet: the server keeps a pool, and each request takes its own connection.
class PoolServer(ThreadingHTTPServer):
    def __init__(self, address, handler):
        super().__init__(address, handler)
        self.pool = ThreadedConnectionPool(1, 8, "dbname=reports")


class PoolHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        conn = self.server.pool.getconn()
        try:
            conn.cursor().execute("select 1")
        finally:
            self.server.pool.putconn(conn)


# Quiet: one thread per connection, kept in thread-local storage.
class LocalServer(ThreadingHTTPServer):
    def __init__(self, address, handler):
        super().__init__(address, handler)
        self.local = threading.local()


class LocalHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        if not hasattr(self.server.local, "conn"):
            self.server.local.conn = psycopg2.connect("dbname=reports")
        self.server.local.conn.cursor().execute("select 1")


# Quiet: a plain HTTPServer handles one request at a time.
class SerialServer(HTTPServer):
    def __init__(self, address, handler):
        super().__init__(address, handler)
        self.conn = psycopg2.connect("dbname=reports")

    def server_close(self):
        super().server_close()
        self.conn.close()


class SerialHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.conn.cursor().execute("select 1")


def serve_others():
    PoolServer(("", 8001), PoolHandler).serve_forever()
    LocalServer(("", 8002), LocalHandler).serve_forever()
    serial = SerialServer(("", 8003), SerialHandler)
    try:
        serial.serve_forever()
    finally:
        serial.server_close()
