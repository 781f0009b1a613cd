from flask import Flask

from .store import store

app = Flask(__name__)

# Bad: gunicorn --preload runs this in the master; the engine's pool keeps
# the connection, and every worker inherits it.
store.migrate()  # expect: SL208 "pool of `store`"


@app.get("/balance/<int:account>")
def balance(account):
    return {"balance": store.balance(account)}
