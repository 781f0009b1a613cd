from flask import Flask
from sqlalchemy import create_engine, text

engine = create_engine("postgresql+psycopg2://app@db/back")
application = Flask(__name__)

with engine.connect() as conn:  # quiet: lazy-apps loads the app in each worker
    conn.execute(text("SELECT 1"))
