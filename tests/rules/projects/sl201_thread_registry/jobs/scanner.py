# talebook#283: a handler builds a Scanner whose method starts a thread on
# another method; the thread takes its own session from the registry (a
# helper keeps it on self) and ends without removing it.
import threading

import tornado.web
from sqlalchemy import text


class Scanner:
    def __init__(self, registry):
        self.registry = registry
        self.home = threading.get_ident()
        self.bind_session()

    def bind_session(self):
        self.session = self.registry()

    def unbind_session(self):
        if threading.get_ident() != self.home:
            self.registry.remove()

    def run(self, path):
        threading.Thread(target=self.scan, args=(path,), daemon=True).start()
        threading.Thread(target=self.scan_and_remove, args=(path,), daemon=True).start()

    def scan(self, path):
        if threading.get_ident() != self.home:
            self.bind_session()  # expect: SL201 "`self.registry` is used by `scan` (through `bind_session()`)"
        self.session.execute(text("insert into scans (path) values (:p)"), {"p": path})
        self.session.commit()

    def scan_and_remove(self, path):
        # Quiet: the helper removes the thread's session at the end.
        self.bind_session()
        self.session.execute(text("insert into scans (path) values (:p)"), {"p": path})
        self.session.commit()
        self.unbind_session()


class ScanHandler(tornado.web.RequestHandler):
    def post(self):
        Scanner(self.settings["registry"]).run(self.get_argument("path"))
        self.write({"ok": True})
