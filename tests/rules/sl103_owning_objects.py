# An object of the project whose __init__ makes a session or connection and
# keeps it (`self.db = SessionLocal()`) owns it: making the object acquires
# it, a method of the class that closes self.db releases it, and the other
# methods use it.  An object made in a request and dropped without its
# close() leaves the session's connection checked out.
import psycopg2
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg2://app@localhost/app")
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


class UserService:
    def __init__(self):
        self.db = SessionLocal()

    def count(self) -> int:
        return self.db.execute(text("SELECT count(*) FROM users")).scalar_one()


class Reports:
    def __init__(self, dsn: str):
        self.dsn = dsn
        self.conn = psycopg2.connect(dsn)

    def total(self) -> int:
        with self.conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM reports")
            return cur.fetchone()[0]

    def shutdown(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()


@app.get("/users/count")
def users_count():
    svc = UserService()  # expect: SL103 "class has no method that releases it"
    return {"n": svc.count()}


@app.get("/reports/total")
def reports_total():
    reports = Reports("postgresql://app@localhost/app")  # expect: SL103
    n = reports.total()
    reports.shutdown()
    return {"n": n}


@app.get("/reports/total-guarded")
def reports_total_guarded():
    # quiet: the class's own method closes what it made, on every path
    reports = Reports("postgresql://app@localhost/app")
    try:
        return {"n": reports.total()}
    finally:
        reports.shutdown()


@app.get("/reports/total-with")
def reports_total_with():
    # quiet: its __exit__ closes it
    with Reports("postgresql://app@localhost/app") as reports:
        return {"n": reports.total()}


def make_service() -> UserService:
    # quiet: the caller gets the object, and what it made
    return UserService()


def unused() -> None:
    # quiet: a session never used holds no connection
    UserService()


shared = UserService()  # module level: made once for the process (SL201's concern)
