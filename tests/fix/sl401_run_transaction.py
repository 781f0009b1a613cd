# args: --unsafe-fixes
# SL401 (unsafe): a transaction block in a CockroachDB project becomes a
# function that run_transaction runs and retries on 40001.
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine("cockroachdb://app@localhost:26257/bank")
SessionLocal = sessionmaker(bind=engine)


def transfer(source, target, amount):
    with engine.begin() as conn:
        # both legs in one transaction
        conn.execute(text("UPDATE accounts SET balance = balance - :a WHERE id = :s"),
                     {"a": amount, "s": source})
        conn.execute(text("UPDATE accounts SET balance = balance + :a WHERE id = :t"),
                     {"a": amount, "t": target})
    return amount


def open_account(owner):
    with SessionLocal.begin() as session:
        session.execute(text("INSERT INTO accounts (owner) VALUES (:o)"), {"o": owner})
