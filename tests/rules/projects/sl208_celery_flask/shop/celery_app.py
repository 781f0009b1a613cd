from shop import create_app, make_celery

# Bad: the worker's parent creates the tables through Flask-SQLAlchemy's
# pooled engine before the prefork pool forks.
flask_app = create_app()  # expect: SL208 "`create_app()` runs when Celery's worker imports this module and leaves connections in the pool of `db`"
celery = make_celery(flask_app)
