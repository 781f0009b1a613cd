from flask import Flask
from sqlalchemy import text

from .db import engine

app = Flask(__name__)

with engine.connect() as conn:  # quiet: disposed below
    conn.execute(text("SELECT 1"))

# Connections are made again when requests come in, in each worker.
engine.dispose()
