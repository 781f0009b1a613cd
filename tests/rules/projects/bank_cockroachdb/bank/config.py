# The URL's literal default holds a password for the production cluster
# (SL403); it is given to create_engine in db.py under this name.  The cockroachdb URL makes the
# whole project a CockroachDB project (SL401 in routes.py).
import os

DATABASE_URL = os.getenv("DATABASE_URL", "cockroachdb://bank:T4x9wLq2@bank-crdb.prod.example.net:26257/bank")  # expect: SL403
