# SL207 for Flask-SQLAlchemy's session: `db.session` (the extension's
# scoped_session) and `Model.query` of a model class of `db.Model` (which
# runs on it) are the thread's one session, which checks out a connection
# at its first query and holds it until commit, rollback, close or
# remove().  A wait with that connection held is SL207's, as for a session
# of a sessionmaker.  Quiet: the transaction ended before the wait (a
# commit, a remove, a close; the registry makes another session at the
# next use), no query before the wait, a single request outside a loop.
import time

import requests
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)


class Base(db.Model):
    __abstract__ = True
    id = db.Column(db.Integer, primary_key=True)


class Feed(Base):
    url = db.Column(db.String)
    etag = db.Column(db.String)


class Export(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    done = db.Column(db.Boolean)


def refresh_feeds(feed_ids):
    for feed_id in feed_ids:
        feed = Feed.query.get(feed_id)
        body = requests.get(feed.url, timeout=10)  # expect: SL207 "HTTP request"
        feed.etag = body.headers.get("etag")
    db.session.commit()


def mirror_feeds():
    feeds = db.session.query(Feed).filter_by(etag=None).all()
    for feed in feeds:
        requests.head(feed.url, timeout=5)  # expect: SL207
    db.session.commit()


def wait_for_export(export_id):
    while not Export.query.filter_by(id=export_id, done=True).first():
        time.sleep(2)  # expect: SL207 "sleeps"


@app.route("/feeds/refresh", methods=["POST"])
def refresh_all():
    feeds = Feed.query.all()
    urls = [f.url for f in feeds]
    db.session.commit()
    for url in urls:
        requests.get(url, timeout=10)
    return "ok"


def poll_export(export_id):
    while True:
        export = Export.query.get(export_id)
        if export.done:
            return export
        db.session.remove()
        time.sleep(2)


def poll_export_closing(export_id):
    while True:
        if db.session.get(Export, export_id).done:
            break
        db.session.close()
        time.sleep(2)
    return db.session.get(Export, export_id)


def fetch_then_store(feed_id):
    feed = Feed.query.get(feed_id)
    body = requests.get(feed.url, timeout=10)
    feed.etag = body.headers.get("etag")
    db.session.commit()


def download_all(urls):
    for url in urls:
        requests.get(url, timeout=10)
    db.session.add(Feed(url="done"))
    db.session.commit()
