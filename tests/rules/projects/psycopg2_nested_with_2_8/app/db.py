import os

import psycopg2

# the worker's one connection (a single-threaded job runner)
CONN = psycopg2.connect(os.environ["DSN"])  # expect: SL201
