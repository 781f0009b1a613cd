from flask import Flask
from sqlalchemy import text

from .db import engine

app = Flask(__name__)

with engine.connect() as conn:  # quiet: each worker disposes of its copy in post_fork
    conn.execute(text("SELECT 1"))
