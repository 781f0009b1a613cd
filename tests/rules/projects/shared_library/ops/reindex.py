# quiet: a one-shot command nothing imports; its module-level session lives
# for the one run.
import sys

from sqlalchemy import text

from lib.db import Factory

session = Factory()


def reindex(table: str) -> None:
    session.execute(text(f"REINDEX TABLE {table}"))
    session.commit()


if __name__ == "__main__":
    reindex(sys.argv[1])
    session.close()
