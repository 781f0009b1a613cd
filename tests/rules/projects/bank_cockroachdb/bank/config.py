# The URL's literal default holds a password (SL403); it is given to
# create_engine in db.py under this name.  The cockroachdb URL makes the
# whole project a CockroachDB project (SL401 in routes.py).
import os

DATABASE_URL = os.getenv("DATABASE_URL", "cockroachdb://bank:bank@localhost:26257/bank")  # expect: SL403
