from flask import Flask
from sqlalchemy import MetaData, create_engine

engine = create_engine("postgresql+psycopg2://app@db/blog")
metadata = MetaData()


def create_app():
    app = Flask(__name__)
    # Bad: gunicorn calls the factory in its master (preload_app = True).
    metadata.create_all(bind=engine)  # expect: SL208 "preload_app = True: tests/rules/projects/sl208_prefork_servers/factory/gunicorn.conf.py:2"
    return app


def not_the_factory():
    metadata.create_all(bind=engine)  # quiet: the server never calls it at load
