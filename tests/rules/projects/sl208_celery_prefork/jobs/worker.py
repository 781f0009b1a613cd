from celery import Celery

from jobs.db import init_db, server_version, warm_stats

app = Celery("jobs", broker="redis://localhost:6379/0", include=["jobs.tasks"])

# Bad: the parent creates the tables through the pooled engine, and the
# connection stays open in the pool the children inherit.
init_db()  # expect: SL208 "`init_db()` runs when Celery's worker imports this module"

# Quiet: a NullPool engine keeps nothing open.
VERSION = server_version()

# Quiet: the engine is disposed of before the fork.
warm_stats()


def main():
    init_db()


if __name__ == "__main__":
    # Quiet: runs only when the file is run as a script.
    init_db()
