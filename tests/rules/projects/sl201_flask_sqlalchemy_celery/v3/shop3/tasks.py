# Quiet: Flask-SQLAlchemy 3 keys db.session by the application context,
# which each task pushes here; the context's teardown removes the session.
from celery import Celery
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
app = Flask(__name__)
db.init_app(app)
celery = Celery("shop3")


class Parcel(db.Model):
    id = db.Column(db.Integer, primary_key=True)


@celery.task()
def weigh(parcel_id):
    with app.app_context():
        db.session.get(Parcel, parcel_id)
        db.session.commit()


@celery.task()
def count():
    with app.app_context():
        return db.session.query(Parcel).count()
