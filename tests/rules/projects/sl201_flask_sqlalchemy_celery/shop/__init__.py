from flask import Flask

from shop.extensions import db


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://shop@db/shop"
    db.init_app(app)
    db.app = app  # tasks use db.session without an application context
    return app


flask_app = create_app()
