from flask import Flask
from sqlalchemy import create_engine, text

engine = create_engine("postgresql+psycopg2://app@db/news")
app = Flask(__name__)

with engine.connect() as conn:  # quiet: this container's gunicorn runs without --preload
    conn.execute(text("SELECT 1"))
