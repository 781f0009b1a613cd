from flask import Flask
from sqlalchemy import create_engine, text

engine = create_engine("postgresql+psycopg2://app@db/front")
application = Flask(__name__)

with engine.connect() as conn:  # expect: SL208 "uWSGI without lazy-apps: tests/rules/projects/sl208_prefork_servers/uwsgi/uwsgi.ini:4"
    conn.execute(text("SELECT 1"))
