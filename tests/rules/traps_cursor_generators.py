# Quiet: a generator that reads rows through a cursor of a connection it
# was handed (sqlite3, a DB-API connection of unknown kind) and never closes
# the cursor.  The cursor goes with its connection or the garbage
# collector; nobody meant to close it, so there is no leak to report.
import sqlite3


class RowStore:
    def __init__(self, path: str):
        self._conn = sqlite3.connect(path)

    def changed_rows(self, ids: list[str]):
        with self._conn:
            cursor = self._conn.cursor()
            for i in ids:
                cursor.execute("SELECT id, body FROM rows WHERE id = ?", (i,))
                for row in cursor.fetchall():
                    yield row

    def close(self) -> None:
        self._conn.close()
