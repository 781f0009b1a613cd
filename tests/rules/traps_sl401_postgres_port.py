# Quiet: PostgreSQL on its own port (or 26257 elsewhere than the port, in a
# database name) is not CockroachDB, and the default isolation does not
# raise 40001 on contention: no retry is needed.
import psycopg2

DSN = "postgresql://root@localhost:5432/shard_26257?sslmode=disable"


def deposit(account: int, amount: int) -> None:
    conn = psycopg2.connect(DSN)
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, account))
        conn.commit()
    finally:
        conn.close()
