# Quiet: this module's pool runs a reset= callback on every connection put
# back, which undoes the session's settings.
from psycopg_pool import ConnectionPool


def reset_conn(conn) -> None:
    conn.execute("RESET ALL")


pool = ConnectionPool("dbname=notes", reset=reset_conn)


def warm_up() -> None:
    with pool.connection() as conn:
        conn.execute("SET search_path TO app")
