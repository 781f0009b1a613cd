# SL207 through a dispatch table: a dict (or a list, a tuple) of the
# project's functions, called through a name bound to its values
# (`for kind, sync in SYNCERS.items()`) or through an entry picked by a key
# (`SYNCERS[row.kind](...)`).  The call may run any of them: their
# summaries are joined.  Run over the table, each function runs for the
# items of its turn, so one that surely calls out per item is enough; an
# entry picked by a key the code computes calls out for every item only
# when every function does.  A table none of whose functions waits, a
# function that commits before it calls out, and one call outside a loop
# are quiet, as for a direct call.
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

Maker = sessionmaker(bind=create_engine("postgresql+psycopg2://sync@db/catalog"))


def sync_book(db: Session, row):
    price = requests.get(f"https://prices.example.org/books/{row.sku}", timeout=5).json()
    db.execute(text("update item set price = :p where sku = :s"), {"p": price["eur"], "s": row.sku})
    db.commit()


def sync_album(db: Session, row):
    meta = requests.get(f"https://music.example.org/albums/{row.sku}", timeout=5).json()
    db.execute(text("update item set title = :t where sku = :s"), {"t": meta["title"], "s": row.sku})
    db.commit()


def sync_voucher(db: Session, row):
    db.execute(text("update item set checked = now() where sku = :s"), {"s": row.sku})
    db.commit()


def sync_after_commit(db: Session, row):
    db.commit()
    price = requests.get(f"https://prices.example.org/other/{row.sku}", timeout=5).json()
    db.execute(text("update item set price = :p where sku = :s"), {"p": price["eur"], "s": row.sku})
    db.commit()


SYNCERS = {"book": sync_book, "album": sync_album}
MIXED = {"book": sync_book, "voucher": sync_voucher}
LOCAL_ONLY = {"voucher": sync_voucher}


def sync_by_kind(db: Session):
    for kind, sync in {"book": sync_book, "voucher": sync_voucher}.items():
        rows = db.execute(text("select sku from item where kind = :k"), {"k": kind}).all()
        for row in rows:
            sync(db, row)  # expect: SL207 "once per item of a loop"


def sync_listed(db: Session):
    rows = db.execute(text("select sku from item")).all()
    for step in (sync_voucher, sync_album):
        for row in rows:
            step(db, row)  # expect: SL207


def sync_picked(db: Session):
    rows = db.execute(text("select sku, kind from item")).all()
    for row in rows:
        SYNCERS[row.kind](db, row)  # expect: SL207


def sync_picked_mixed(db: Session):
    rows = db.execute(text("select sku, kind from item")).all()
    for row in rows:
        MIXED[row.kind](db, row)  # quiet: only books call out


def sync_named(db: Session):
    rows = db.execute(text("select sku from item where kind = 'album'")).all()
    for row in rows:
        SYNCERS["album"](db, row)  # expect: SL207


def sync_local_only(db: Session):
    rows = db.execute(text("select sku, kind from item")).all()
    for row in rows:
        for sync in LOCAL_ONLY.values():
            sync(db, row)  # quiet: no function of the table waits


def sync_committed_first(db: Session):
    rows = db.execute(text("select sku from item")).all()
    for row in rows:
        for sync in [sync_after_commit]:
            sync(db, row)  # quiet: it commits before it calls out


def sync_one(db: Session, sku: str):
    row = db.execute(text("select sku, kind from item where sku = :s"), {"s": sku}).one()
    SYNCERS[row.kind](db, row)  # quiet: one request, not one per item


def nightly():
    with Maker() as db:
        sync_by_kind(db)
        sync_listed(db)
        sync_picked(db)
        sync_picked_mixed(db)
        sync_named(db)
        sync_local_only(db)
        sync_committed_first(db)
        sync_one(db, "x-1")
