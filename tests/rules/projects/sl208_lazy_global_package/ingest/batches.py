import multiprocessing

import ingest.store
from sqlalchemy import text


@ingest.store.in_session
def waiting_batches(session, source):
    return session.scalars(text("SELECT id FROM batches WHERE source = :s"), {"s": source}).all()


@ingest.store.in_session
def ingest_batch(session, batch_id):
    session.execute(text("CALL ingest(:b)"), {"b": batch_id})


def ingest_sources(sources):
    for source in sources:
        with multiprocessing.Pool(4) as pool:
            pool.map(ingest_batch, waiting_batches(source))  # expect: SL208 "`ingest_batch`"


def ingest_sources_fresh(sources):
    def fresh_engine():
        ingest.store._engine = None

    for source in sources:
        with multiprocessing.Pool(4, fresh_engine) as pool:
            pool.map(ingest_batch, waiting_batches(source))


def ingest_sources_disposed(sources):
    for source in sources:
        batches = waiting_batches(source)
        ingest.store.get_engine().dispose()
        with multiprocessing.Pool(4) as pool:
            pool.map(ingest_batch, batches)
