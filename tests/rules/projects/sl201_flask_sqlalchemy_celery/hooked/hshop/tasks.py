# Quiet: a task_postrun handler removes db.session after every task.
from celery import Celery
from celery.signals import task_postrun
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
celery = Celery("hshop")


class Invoice(db.Model):
    id = db.Column(db.Integer, primary_key=True)


@celery.task()
def touch(invoice_id):
    db.session.query(Invoice).get(invoice_id)
    db.session.commit()


@task_postrun.connect
def close_session(*args, **kwargs):
    db.session.remove()


# Quiet: a base Task class whose after_return removes the registry after
# each of its tasks.
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

jobs = scoped_session(sessionmaker(bind=create_engine("postgresql://hshop@db/hshop")))


class CleanTask(celery.Task):
    def after_return(self, *args, **kwargs):
        jobs.remove()


@celery.task(base=CleanTask)
def archive(invoice_id):
    jobs.query(Invoice).filter_by(id=invoice_id).delete()
    jobs.commit()
