# SL202 outlives-owner, quiet traps: a Tornado callback that uses a
# thread-scoped registry the project never removes at the request's end (no
# on_finish removes it) shares the loop thread's session with the requests;
# it does not outlive a session its request released.  Deferred work on a
# loop that is not Tornado's is not this case either.
import asyncio

import tornado.web
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker
from tornado.ioloop import IOLoop

Session = scoped_session(sessionmaker(bind=create_engine("postgresql://app@db/app")))


def touch(obj_id):
    Session().execute(text("update obj set seen = now() where id = :i"), {"i": obj_id})
    Session().commit()


class Handler(tornado.web.RequestHandler):
    def get(self, obj_id):
        IOLoop.current().add_callback(touch, obj_id)
        asyncio.get_event_loop().call_later(1, touch, obj_id)
        self.write({"id": obj_id})
