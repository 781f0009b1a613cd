# celery-director#89: Flask-SQLAlchemy 2.x keys db.session by the thread;
# tasks that run without an application context of their own share one
# session per worker thread, and nothing removes it between tasks.
from shop import flask_app
from shop.extensions import celery, db
from shop.models import Order


@celery.task()
def mark_paid(order_id):
    order = Order.query.get(order_id)  # expect: SL201 "`db.session` is used by the task `mark_paid` (through `Order.query`)"
    order.status = "paid"
    db.session.commit()


@celery.task()
def create_order():
    Order(status="new").save()  # expect: SL201 "Can't reconnect until invalid transaction is rolled back"


@celery.task()
def cancel(order_id):
    db.session.query(Order).filter_by(id=order_id).delete()  # expect: SL201 "call `db.session.remove()` in a finally"
    db.session.commit()


@celery.task()
def count_orders():
    # Quiet: removed in the task's own finally.
    try:
        return Order.query.count()
    finally:
        db.session.remove()


@celery.task()
def ship(order_id):
    # Quiet: an application context per run, whose teardown removes the session.
    with flask_app.app_context():
        Order.query.get(order_id).status = "shipped"
        db.session.commit()


def total():
    # Quiet: not a task.
    return Order.query.count()
