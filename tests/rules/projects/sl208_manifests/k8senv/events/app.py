from flask import Flask
from sqlalchemy import create_engine, text

engine = create_engine("postgresql+psycopg2://app@db/events")
app = Flask(__name__)

with engine.connect() as conn:  # expect: SL208 "GUNICORN_CMD_ARGS --preload: tests/rules/projects/sl208_manifests/k8senv/k8s/web.yaml:17"
    conn.execute(text("SELECT 1"))
