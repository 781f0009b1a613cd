from psycopg2 import sql

from notesvc.db import Database


def use_schema(db: Database, schema_name: str) -> None:
    """Create the schema for this network and make it the default."""
    create_schema_sql = sql.SQL("CREATE SCHEMA IF NOT EXISTS {};").format(sql.Identifier(schema_name))
    use_schema_sql = sql.SQL("SET search_path TO {}, public;").format(sql.Identifier(schema_name))
    with db.get_cursor() as curs:
        curs.execute(create_schema_sql)
        curs.execute(use_schema_sql)  # expect: SL303 "the pool's other connections"


def use_schema_role(db: Database, user: str, schema_name: str) -> None:
    """The upstream fix: the role's default (new sessions)."""
    stmt = sql.SQL("ALTER ROLE {} SET search_path TO {};").format(
        sql.Identifier(user), sql.Identifier(schema_name)
    )
    with db.get_cursor() as curs:
        curs.execute(stmt)


def set_timeout(db: Database) -> None:
    """The helper does not commit; this function does, on the connection it lends."""
    with db.get_conn() as conn:
        cur = conn.cursor()
        cur.execute("SET statement_timeout = '5s'")  # expect: SL303 "`get_conn()` lends and puts back"
        conn.commit()


def set_timeout_uncommitted(db: Database) -> None:
    """Nothing commits: putconn rolls the SET back."""
    with db.get_conn() as conn:
        cur = conn.cursor()
        cur.execute("SET statement_timeout = '5s'")
        cur.execute("SELECT 1")


def use_schema_discarded(db: Database) -> None:
    """The helper discards the session's state before it puts it back."""
    with db.get_cursor_discard() as curs:
        curs.execute("SET search_path TO app, public")
