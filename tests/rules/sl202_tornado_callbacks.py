# SL202 outlives-owner: Tornado's IOLoop runs a callback (add_callback,
# spawn_callback, call_later; a lambda runs what it calls) once the handler
# has returned.  When the project removes the thread's scoped session in the
# handler's on_finish (the request's end), the callback runs after that and
# makes a new session nobody removes (realbugs8/03: "QueuePool limit of size 5
# overflow 10 reached").  The callback must remove it itself.
# Convention: the finding is on the callback's first use of the registry.
from contextlib import contextmanager

import tornado.web
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker
from tornado.ioloop import IOLoop

DBSession = scoped_session(sessionmaker(bind=create_engine("postgresql://app@db/app")))


class BaseHandler(tornado.web.RequestHandler):
    def on_finish(self):
        DBSession.remove()


@contextmanager
def session_for_callback():
    try:
        yield DBSession()
    finally:
        DBSession.remove()


def lookup(obj_id):
    return DBSession().execute(text("select 1 where :i > 0"), {"i": obj_id}).scalar()


def add_thumbnail(obj_id):
    lookup(obj_id)  # expect: SL202 "after the handler has returned"
    DBSession().commit()


def refresh_later(obj_id):
    DBSession().execute(text("update obj set seen = now() where id = :i"), {"i": obj_id})  # expect: SL202 "on_finish"
    DBSession().commit()


def spawned(obj_id):
    DBSession().execute(text("select 1"))  # expect: SL202
    DBSession().commit()


def add_thumbnail_fixed(obj_id):
    # Quiet: the callback removes its own session.
    try:
        lookup(obj_id)
        DBSession().commit()
    finally:
        DBSession.remove()


def removed_unless_it_raises(obj_id):
    lookup(obj_id)  # expect: SL202 "outside a finally"
    DBSession().commit()
    DBSession.remove()


def removed_by_with_helper(obj_id):
    # Quiet: a context manager of the project removes it on its exit.
    with session_for_callback():
        lookup(obj_id)


def no_database(obj_id):
    # Quiet: the callback does not use the registry.
    return obj_id * 2


class SourceHandler(BaseHandler):
    def get(self, obj_id):
        IOLoop.current().add_callback(lambda: add_thumbnail(obj_id))
        IOLoop.current().call_later(5, refresh_later, obj_id)
        IOLoop.current().spawn_callback(spawned, obj_id)
        IOLoop.current().add_callback(add_thumbnail_fixed, obj_id)
        IOLoop.current().add_callback(no_database, obj_id)
        IOLoop.current().add_callback(removed_unless_it_raises, obj_id)
        IOLoop.current().add_callback(lambda: removed_by_with_helper(obj_id))
        self.write({"id": obj_id})
