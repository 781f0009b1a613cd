from flask import Flask

from .pool import db

app = Flask(__name__)

# Quiet: the getter asks os.getpid(), and a forked worker builds its own pool.
with db.connection() as conn:
    conn.cursor().execute("CREATE TABLE IF NOT EXISTS tickets (id serial)")
    conn.commit()


@app.get("/tickets")
def tickets():
    with db.connection() as conn:
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM tickets")
        return {"count": cur.fetchone()[0]}
