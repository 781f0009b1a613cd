# Quiet: Flask's ContextTask pattern runs every task in an application
# context of its own, whose teardown removes db.session (Flask-SQLAlchemy 2).
from celery import Celery
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
app = Flask(__name__)
db.init_app(app)
celery = Celery("cshop")


class ContextTask(celery.Task):
    def __call__(self, *args, **kwargs):
        with app.app_context():
            return self.run(*args, **kwargs)


celery.Task = ContextTask


class Note(db.Model):
    id = db.Column(db.Integer, primary_key=True)


@celery.task()
def read(note_id):
    return db.session.query(Note).get(note_id)
