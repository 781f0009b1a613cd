# The main block starts the IOLoop: a service's launcher, so what it reaches
# (the handlers, their callbacks) is service code, reported by default.
import tornado.ioloop
import tornado.web
from sqlalchemy import create_engine

from .handlers import ObjHandler
from .models import DBSession


def make_app():
    DBSession.configure(bind=create_engine("postgresql://app@db/app"))
    return tornado.web.Application([(r"/obj/(.*)", ObjHandler)])


if __name__ == "__main__":
    make_app().listen(8888)
    tornado.ioloop.IOLoop.current().start()
