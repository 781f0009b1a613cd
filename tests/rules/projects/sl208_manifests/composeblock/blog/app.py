from flask import Flask
from sqlalchemy import create_engine, text

engine = create_engine("postgresql+psycopg2://app@db/blog")
app = Flask(__name__)

with engine.connect() as conn:  # expect: SL208 "--preload: tests/rules/projects/sl208_manifests/composeblock/docker-compose.yml:8"
    conn.execute(text("SELECT 1"))
