# The process's pools, made once at import; the other modules import them
# by name, so every method call on them is a call on a value of another
# module of the project, not on a library's name.
import os

from psycopg_pool import ConnectionPool

ledger_pool = ConnectionPool(os.environ["LEDGER_URL"], max_size=8, open=True)
reports_pool = ConnectionPool(os.environ["REPORTS_URL"], max_size=2, open=True)
