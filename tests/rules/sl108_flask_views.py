# A Flask view runs once per request, like a FastAPI endpoint: an engine made
# in it is a pool per request (SL108, reported in request code only).
from flask import Blueprint, Flask
from sqlalchemy import create_engine, text

app = Flask(__name__)
reports = Blueprint("reports", __name__)


@app.route("/health")
def health():
    engine = create_engine("postgresql+psycopg2://app@db/app", pool_size=5)  # expect: SL108
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return "ok"


@reports.get("/reports/count")
def count_reports():
    engine = create_engine("postgresql+psycopg2://app@db/app")  # expect: SL108
    with engine.connect() as conn:
        return {"n": conn.execute(text("SELECT count(*) FROM reports")).scalar()}


def create_app():
    factory_app = Flask(__name__)

    @factory_app.route("/ping")
    def ping():
        engine = create_engine("postgresql+psycopg2://app@db/app")  # expect: SL108
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "pong"

    return factory_app


# quiet: a router of the project's own that is no Flask object; what it
# decorates is not known to run per request, and SL108 reports request code only.
class Registry:
    def route(self, path):
        return lambda f: f


tasks = Registry()


@tasks.route("/nightly")
def nightly():
    engine = create_engine("postgresql+psycopg2://app@db/app")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
