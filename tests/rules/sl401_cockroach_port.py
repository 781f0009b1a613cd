# SL401 in a project whose database URL is PostgreSQL's scheme on
# CockroachDB's own port, 26257: a CockroachDB cluster reached with the
# plain PostgreSQL dialect is still CockroachDB, and aborts contended
# transactions with 40001.
import psycopg2

DSN = "postgresql://root@localhost:26257/bank?sslmode=disable"


def deposit(account: int, amount: int) -> None:
    conn = psycopg2.connect(DSN)
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, account))
        conn.commit()  # expect: SL401 "commits a CockroachDB transaction"
    finally:
        conn.close()
