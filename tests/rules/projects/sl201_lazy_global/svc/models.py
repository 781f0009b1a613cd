from svc.db import connection, get_session, registry


class Build:
    @classmethod
    def by_id(cls, build_id):
        with get_session() as session:
            return session.execute("SELECT * FROM builds WHERE id = :i", {"i": build_id}).first()

    @classmethod
    def all(cls):
        with get_session() as session:
            return session.execute("SELECT * FROM builds").fetchall()

    @classmethod
    def mark(cls, build_id, status):
        with connection().cursor() as cur:
            cur.execute("UPDATE builds SET status = %s WHERE id = %s", (status, build_id))

    @classmethod
    def count(cls):
        with connection().cursor() as cur:
            cur.execute("SELECT count(*) FROM builds")
            return cur.fetchone()[0]

    @classmethod
    def names(cls):
        return [r.name for r in registry()().execute("SELECT name FROM builds")]

    @classmethod
    def first(cls):
        return registry()().execute("SELECT name FROM builds LIMIT 1").first()
