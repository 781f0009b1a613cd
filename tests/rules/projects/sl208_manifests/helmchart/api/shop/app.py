from flask import Flask
from sqlalchemy import create_engine, text

engine = create_engine("postgresql+psycopg2://app@db/shop")
app = Flask(__name__)

with engine.connect() as conn:  # expect: SL208 "--preload: tests/rules/projects/sl208_manifests/helmchart/deploy/helm/templates/deployment.yaml:17"
    conn.execute(text("SELECT 1"))
