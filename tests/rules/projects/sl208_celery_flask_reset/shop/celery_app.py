from celery.signals import worker_process_init

from shop import create_app, db, make_celery

# Quiet: each forked child drops the pool it inherited before its first task.
flask_app = create_app()
celery = make_celery(flask_app)


def _fresh_pool(**kwargs):
    with flask_app.app_context():
        db.engine.dispose(close=False)


worker_process_init.connect(_fresh_pool)
