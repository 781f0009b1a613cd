from sqlalchemy import text

from jobs.db import Session

# Bad: a module-level query on the scoped session checks a connection out of
# the engine's pool in the worker's parent.
FEATURES = Session.execute(text("SELECT name FROM features")).scalars().all()  # expect: SL208 "leaves connections in the pool of `engine`"
