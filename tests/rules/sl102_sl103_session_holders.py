# An object of the project that keeps a session handed to its constructor
# (`self.session = session` in __init__) is a holder: each of its methods
# that reads self.session uses that session.  Used after the session was
# closed (explicitly, or by the finalizer of a dropped generator), the
# session silently checks out a new connection (SL102 at the method call);
# a session used only through its holder and never closed leaks (SL103).
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg://inv@localhost/inventory")
SessionLocal = sessionmaker(bind=engine)


def session_scope():
    s = SessionLocal()
    try:
        yield s
    finally:
        s.close()


class StockLedger:
    def __init__(self, session, warehouse="main"):
        self.session = session
        self.warehouse = warehouse

    @classmethod
    def for_session(cls, session):
        return cls(session, warehouse="returns")

    def level(self, sku):
        return self.session.scalar(text("SELECT qty FROM stock WHERE sku = :s"), {"s": sku})

    def restock(self, sku, qty):
        self._write(sku, qty)

    def _write(self, sku, qty):
        self.session.execute(text("UPDATE stock SET qty = qty + :q WHERE sku = :s"),
                             {"q": qty, "s": sku})
        self.session.commit()

    def describe(self):
        return f"ledger of {self.warehouse}"

    def attach(self, session):
        self.session = session

    def close(self):
        self.session.close()


def ledger_for(session):
    return StockLedger(session)


def publish(ledger):
    print(ledger)


# --- a closed session used through its holder: SL102 at the method call ---

def nightly_level(sku):
    s = next(session_scope())
    ledger = StockLedger(s)
    return ledger.level(sku)  # expect: SL102 "nothing releases"


def inline_holder(sku):
    s = next(session_scope())
    return StockLedger(s).level(sku)  # expect: SL102


def made_in_the_argument(sku):
    ledger = StockLedger(next(session_scope()))
    return ledger.level(sku)  # expect: SL102


def closed_then_used(sku, qty):
    s = SessionLocal()
    ledger = StockLedger(s)
    try:
        before = ledger.level(sku)
    finally:
        s.close()
    ledger.restock(sku, qty)  # expect: SL102 "new connection"
    return before


def through_classmethod(sku):
    s = next(session_scope())
    ledger = StockLedger.for_session(s)
    return ledger.level(sku)  # expect: SL102


def through_helper(sku):
    s = next(session_scope())
    ledger = ledger_for(s)
    return ledger.level(sku)  # expect: SL102


def through_its_attribute(sku):
    s = next(session_scope())
    ledger = StockLedger(s)
    return ledger.session.execute(select(1)).all()  # expect: SL102


# --- a session used only through its holder and never closed: SL103 ---

def restock_all(skus):
    ledger = StockLedger(SessionLocal())  # expect: SL103 "never released"
    for sku in skus:
        ledger.restock(sku, 1)


def level_then_return(sku):
    s = SessionLocal()  # expect: SL103
    ledger = StockLedger(s)
    return ledger.level(sku)


def inline_with_own_session(sku):
    return StockLedger(SessionLocal()).level(sku)  # expect: SL103


# --- quiet ---

def used_before_the_close(sku):
    # quiet: every use of the holder comes before the close
    s = SessionLocal()
    try:
        return StockLedger(s).level(sku)
    finally:
        s.close()


def given_a_new_session(sku):
    # quiet: the holder is rebuilt around a session that is closed
    s = next(session_scope())
    ledger = StockLedger(s)
    s = SessionLocal()
    ledger = StockLedger(s)
    try:
        return ledger.level(sku)
    finally:
        s.close()


def attached_another(sku, other):
    # quiet: attach() replaces the session the object keeps
    s = next(session_scope())
    ledger = StockLedger(s)
    ledger.attach(other)
    return ledger.level(sku)


def only_its_other_state():
    # quiet: describe() never touches the session
    s = next(session_scope())
    ledger = StockLedger(s)
    return ledger.describe()


def closed_by_the_holder(skus):
    # quiet: the object's own close() closes the session it keeps
    ledger = StockLedger(SessionLocal())
    try:
        for sku in skus:
            ledger.restock(sku, 1)
    finally:
        ledger.close()


def open_ledger():
    # quiet: the caller gets the object and the session with it
    ledger = StockLedger(SessionLocal())
    return ledger


def handed_on(sku):
    # quiet: what publish() does with the object is not known
    s = next(session_scope())
    ledger = StockLedger(s)
    publish(ledger)


class Shelf:
    def __init__(self):
        # quiet: the object keeps the ledger, and the session with it
        self.ledger = StockLedger(SessionLocal())

    def count(self, sku):
        ledger = StockLedger(SessionLocal())
        self.current = ledger
        return ledger.level(sku)
