from psycopg2.pool import ThreadedConnectionPool


class NotesDb:
    def __init__(self, dsn):
        self.pool = ThreadedConnectionPool(1, 4, dsn)

    def fetch(self, note_id):
        conn = self.pool.getconn()
        try:
            cur = conn.cursor()
            cur.execute("SELECT body FROM notes WHERE id = %s", (note_id,))
            return cur.fetchone()
        finally:
            self.pool.putconn(conn)


notes_db = NotesDb("dbname=notes")
