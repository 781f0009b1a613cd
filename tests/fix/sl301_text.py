# args: --unsafe-fixes
# SL301: the SQL string given to a session's or connection's execute()
# becomes text("..."), with `from sqlalchemy import text` added after the
# imports.  A literal is safe; an f-string is unsafe (applied here with
# --unsafe-fixes); quotes and the string's own spelling are kept.
"""Reports."""
from __future__ import annotations

from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session

app = FastAPI()


def get_db():
    ...


@app.get("/items/")
def read_items(db: Session = Depends(get_db)):
    items = db.execute('SELECT * FROM items').fetchall()
    return {"items": items}


@app.get("/items/{item_id}")
def read_item(item_id: int, db: Session = Depends(get_db)):
    return db.execute("SELECT * FROM items WHERE id = :id", {"id": item_id}).first()


@app.get("/tables/{name}")
def count_rows(name: str, db: Session = Depends(get_db)):
    return db.scalar(f"SELECT count(*) FROM {name}")


@app.get("/users")
def users(db: Session = Depends(get_db)):
    return db.execute(
        """
        SELECT id, name
        FROM users
        """
    ).fetchall()
