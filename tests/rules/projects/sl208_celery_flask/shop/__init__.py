from celery import Celery
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://shop@db/shop"
    db.init_app(app)
    with app.app_context():
        db.create_all()
    return app


def make_celery(app):
    celery = Celery(app.import_name, broker="redis://localhost:6379/0")
    celery.conf.update(app.config)
    return celery
