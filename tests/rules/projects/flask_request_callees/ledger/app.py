from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine("postgresql+psycopg2://ledger@db/ledger")
Session = scoped_session(sessionmaker(bind=engine))


def balance(account_id):
    # Nothing removes this registry after a request: the worker thread keeps
    # the session (and, after a failed commit, its broken transaction) for
    # every later request it serves.
    return Session.execute(  # expect: SL201 "teardown hook"
        text("SELECT balance FROM accounts WHERE id = :i"), {"i": account_id}
    ).scalar()


def create_app():
    app = Flask(__name__)

    @app.route("/accounts/<int:account_id>")
    def account(account_id):
        return {"balance": balance(account_id)}

    return app
