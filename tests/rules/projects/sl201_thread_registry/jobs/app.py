import tornado.web

from jobs.db import Session
from jobs.scanner import ScanHandler


def make_app():
    return tornado.web.Application([(r"/scan", ScanHandler)], registry=Session)
