# SL301 where `text` already names something else: the fix calls
# SQLAlchemy's through the module alias the file imports.
import sqlalchemy as sa
from sqlalchemy.orm import Session


def text(value):
    return str(value)


def names(db: Session):
    return db.execute("SELECT name FROM users").scalars().all()
