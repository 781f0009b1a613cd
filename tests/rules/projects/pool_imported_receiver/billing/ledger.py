import billing.pools
from billing.pools import ledger_pool, reports_pool


def balances_for(account: str) -> list[tuple]:
    with ledger_pool.connection() as conn:
        conn.execute("SELECT set_config('search_path', %s, false)", (account,))  # expect: SL303
        return conn.execute("SELECT id, amount FROM balances").fetchall()


def balances_locally(account: str) -> list[tuple]:
    # the transaction's own setting: it ends with the transaction
    with ledger_pool.connection() as conn:
        conn.execute("SELECT set_config('search_path', %s, true)", (account,))
        return conn.execute("SELECT id, amount FROM balances").fetchall()


def report_rows(day: str) -> list[tuple]:
    conn = reports_pool.getconn()  # expect: SL103
    rows = conn.execute("SELECT * FROM daily WHERE day = %s", (day,)).fetchall()
    return rows


def report_rows_returned(day: str) -> list[tuple]:
    conn = reports_pool.getconn()
    try:
        return conn.execute("SELECT * FROM daily WHERE day = %s", (day,)).fetchall()
    finally:
        reports_pool.putconn(conn)


def audit(day: str) -> None:
    # the module spelled out: the same pool
    conn = billing.pools.ledger_pool.getconn()  # expect: SL103
    conn.execute("INSERT INTO audit (day) VALUES (%s)", (day,))
    conn.commit()
