# SL202 outlives-owner: a session or connection handed to a callback of
# Tornado's IOLoop (add_callback, spawn_callback, call_later; through a
# lambda too) is used after the handler returned, when the handler's with
# block has already closed it.
import tornado.web
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker
from tornado.ioloop import IOLoop

engine = create_engine("postgresql://app@db/app")
SessionLocal = sessionmaker(bind=engine)


def refresh(session, obj_id):
    session.execute(text("update obj set seen = now() where id = :i"), {"i": obj_id})
    session.commit()


def refresh_own(obj_id):
    with SessionLocal() as session:
        refresh(session, obj_id)


class Handler(tornado.web.RequestHandler):
    def get(self, obj_id):
        with SessionLocal() as session:
            IOLoop.current().add_callback(refresh, session, obj_id)  # expect: SL202 "a callback of the IOLoop"
            self.write({"id": obj_id})

    def put(self, obj_id):
        with SessionLocal() as session:
            IOLoop.current().add_callback(lambda: refresh(session, obj_id))  # expect: SL202
            IOLoop.current().call_later(5, refresh, session, obj_id)  # expect: SL202

    def post(self, obj_id):
        # Quiet: the callback opens its own session.
        IOLoop.current().add_callback(refresh_own, obj_id)
        with SessionLocal() as session:
            refresh(session, obj_id)

    def delete(self, obj_id):
        # Quiet: the project's own registry of callbacks runs them now,
        # inside the with block; it is not Tornado's IOLoop.
        with SessionLocal() as session:
            Hooks().add_callback(refresh, session, obj_id)


class Hooks:
    def add_callback(self, fn, *args):
        fn(*args)
