from flask import jsonify

from .bp import orders
from .db import check_database, count_orders, db_session


@orders.get("/health")
def health():
    return jsonify(ok=check_database())


@orders.get("/orders/count")
def orders_count():
    return jsonify(n=count_orders())


@orders.teardown_app_request
def shutdown_session(exception=None):
    db_session.remove()
