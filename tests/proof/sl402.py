"""SL402 retry-without-rollback: a retry loop that goes round again on the
failed session without rollback().

The page's loop, SERIALIZABLE as on CockroachDB, placing an order while
another order for the same item commits first (a trigger takes the item's
stock, so both write its row): attempt 1 fails with SQLSTATE 40001, as the
loop expects; but the session's transaction is dead, and attempt 2 fails at
once with PendingRollbackError, which the loop does not catch: a transient
conflict became a 500.  The fixed loop rolls back and attempt 2 commits.
"""
# needs: sqlalchemy psycopg2
import time

from sqlalchemy import Column, Integer, create_engine
from sqlalchemy.exc import OperationalError, PendingRollbackError
from sqlalchemy.orm import Session, declarative_base, sessionmaker

import proof

engine = create_engine("postgresql+psycopg2://", isolation_level="SERIALIZABLE")
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()
OTHER_ORDER = "INSERT INTO orders (item_id) VALUES (%s)"
attempts = []


class Order(Base):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    item_id = Column(Integer, nullable=False)


# The page's bad example, as a function of the session and the order.
def place_order(db: Session, order: dict):
    for attempt in range(5):
        try:
            attempts.append(attempt + 1)
            db.add(Order(**order))
            db.commit()
            break
        except OperationalError as e:  # expect: SL402
            if e.orig.pgcode != "40001":
                raise
            time.sleep(0.1 * 2 ** attempt)


# The page's fixed example.
def place_order_fixed(db: Session, order: dict):
    for attempt in range(5):
        try:
            attempts.append(attempt + 1)
            db.add(Order(**order))
            db.commit()
            break
        except OperationalError as e:
            db.rollback()
            if e.orig.pgcode != "40001":
                raise
            time.sleep(0.1 * 2 ** attempt)


def run(fn):
    def call():
        with SessionLocal() as db:
            fn(db, {"item_id": 1})
    del attempts[:]
    _, err, waited = proof.against_concurrent_write(OTHER_ORDER, (1,), call)
    return err, waited, list(attempts)


def body(p):
    Base.metadata.create_all(engine)
    proof.query("""
        CREATE TABLE items (id int PRIMARY KEY, stock int NOT NULL);
        INSERT INTO items VALUES (1, 10);
        CREATE FUNCTION take_stock() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN UPDATE items SET stock = stock - 1 WHERE id = NEW.item_id; RETURN NEW; END $$;
        CREATE TRIGGER take_stock AFTER INSERT ON orders
            FOR EACH ROW EXECUTE FUNCTION take_stock();""")

    err, waited, tries = run(place_order_fixed)
    p.check(err is None and waited and tries == [1, 2], "fixed: %r %s %r" % (err, waited, tries))
    p.check(proof.query("SELECT stock, (SELECT count(*) FROM orders) FROM items") == [(8, 2)],
            "fixed: stock and orders do not add up")
    p.fixed("40001, rollback(), attempt 2 commits")

    err, waited, tries = run(place_order)
    p.check(waited, "bad: the order did not wait for the other one")
    p.check(isinstance(err, PendingRollbackError) and tries == [1, 2],
            "bad: %r after attempts %r" % (err, tries))
    p.check(proof.query("SELECT stock, (SELECT count(*) FROM orders) FROM items") == [(7, 3)],
            "bad: stock and orders do not add up")
    p.bad("40001, then attempt 2: PendingRollbackError", proof.exc_text(err))
    p.lint()


proof.run("SL402", body)
