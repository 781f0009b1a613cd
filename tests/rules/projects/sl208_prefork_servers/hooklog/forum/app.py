from flask import Flask
from sqlalchemy import text

from .db import engine

app = Flask(__name__)

with engine.connect() as conn:  # expect: SL208 "preload_app = True"
    conn.execute(text("SELECT 1"))
