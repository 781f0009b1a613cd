# SL103 in a decorated endpoint and in a function nested in another: the
# fix works on the block the acquisition is in, whatever surrounds it.
import functools

from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql://localhost/app")
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


def logged(f):
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        return f(*args, **kwargs)

    return wrapper


@app.get("/stats")
@logged
def stats():
    db = SessionLocal()
    users = db.execute(text("SELECT count(*) FROM users")).scalar()
    db.close()
    return {"users": users}


def make_reporter(table):
    def report():
        conn = engine.connect()
        rows = conn.execute(text(f"SELECT * FROM {table}")).fetchall()
        conn.close()
        return rows

    return report


class Repo:
    def __init__(self, factory):
        self.factory = factory

    def names(self):
        if self.factory:
            db = SessionLocal()
            names = [r[0] for r in db.execute(text("SELECT name FROM users"))]
            db.close()
            return names
        return []
