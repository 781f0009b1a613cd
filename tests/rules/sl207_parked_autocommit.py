# SL207, a connection parked in autocommit: its statements commit as they run,
# so nothing waits idle in transaction.
from sqlalchemy import create_engine, text

engine = create_engine("postgresql+psycopg2://app@db/app", isolation_level="AUTOCOMMIT")

_lock_conn = None


# Quiet: the leader's lock on one Connection of an AUTOCOMMIT engine.
def hold_leader_lock() -> bool:
    global _lock_conn
    conn = engine.connect()
    try:
        got = conn.execute(text("SELECT pg_try_advisory_lock(7)")).scalar()
    except BaseException:
        conn.close()
        raise
    if not got:
        conn.close()
        return False
    _lock_conn = conn
    return True
