from flask import Flask
from sqlalchemy import text

from .db import db_session, init_db, server_version

app = Flask(__name__)

# Bad: gunicorn --preload imports this module in its master process; the
# connection create_all used stays in the pool every worker inherits.
init_db()  # expect: SL208 "--preload: tests/rules/projects/sl208_prefork_servers/procfile/Procfile:2"

# Quiet: the same pool again (reported once).
FLAGS = db_session.execute(text("SELECT name FROM flags")).scalars().all()

# Quiet: a NullPool engine keeps no connection.
VERSION = server_version()


@app.get("/items/<int:item_id>")
def item(item_id):
    return {"name": db_session.execute(text("SELECT name FROM items WHERE id = :i"), {"i": item_id}).scalar()}


@app.teardown_appcontext
def shutdown_session(exception=None):
    db_session.remove()
