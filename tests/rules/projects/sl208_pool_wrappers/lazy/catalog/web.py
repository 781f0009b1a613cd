from flask import Flask

from .pool import pools

app = Flask(__name__)


def load_categories():
    with pools.cursor_for_admin() as conn:
        cur = conn.cursor()
        cur.execute("SELECT name FROM categories")
        return [r[0] for r in cur.fetchall()]


# Bad: the lazily built pool is built and used in the master, at import.
CATEGORIES = load_categories()  # expect: SL208 "pool of `pools`"


@app.get("/categories")
def categories():
    with pools.borrowed() as conn:
        cur = conn.cursor()
        cur.execute("SELECT name FROM categories")
        return {"names": [r[0] for r in cur.fetchall()]}
