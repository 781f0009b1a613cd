from flask import Flask
from sqlalchemy import create_engine, text

engine = create_engine("postgresql+psycopg2://app@db/news")
app = Flask(__name__)

with engine.connect() as conn:  # quiet: without --preload each worker imports the app itself
    conn.execute(text("SELECT 1"))
