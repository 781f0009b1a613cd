from flask import Flask

from .pool import notes_db

app = Flask(__name__)

# Quiet: the pool is made at import, but no connection is taken before the
# fork; only the workers' requests take them.
POOL_SIZE = 4


@app.get("/notes/<int:note_id>")
def note(note_id):
    return {"body": notes_db.fetch(note_id)}
