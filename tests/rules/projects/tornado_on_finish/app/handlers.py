# The release point of the request's session: Tornado calls on_finish
# once the response is sent.  A callback the handler hands to the IOLoop
# runs after that and must remove the session it makes.
import tornado.web
from sqlalchemy import text
from tornado.ioloop import IOLoop

from .models import DBSession


class BaseHandler(tornado.web.RequestHandler):
    def on_finish(self):
        DBSession.remove()


def touch(obj_id):
    DBSession().execute(text("update obj set seen = now() where id = :i"), {"i": obj_id})  # expect: SL202
    DBSession().commit()


def touch_fixed(obj_id):
    try:
        DBSession().execute(text("update obj set seen = now() where id = :i"), {"i": obj_id})
        DBSession().commit()
    finally:
        DBSession.remove()


class ObjHandler(BaseHandler):
    def get(self, obj_id):
        IOLoop.current().add_callback(lambda: touch(obj_id))
        IOLoop.current().add_callback(lambda: touch_fixed(obj_id))
        self.write({"id": obj_id})
