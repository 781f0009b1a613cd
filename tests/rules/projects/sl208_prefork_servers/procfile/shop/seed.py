# A script the server never imports: its module-level query runs in its own process.
from sqlalchemy import text

from shop.db import db_session

db_session.execute(text("INSERT INTO flags (name) VALUES ('x')"))
db_session.commit()
