# SL208 pool-across-fork where the pool is reached through two value flows:
# a module global a helper builds on first use under `global` (an engine
# or a session maker, returned or called in the return), and a decorator
# of the project that opens a session and hands it to the function it
# wraps.  Both the parent's use before the fork and the worker's use go
# through them.  Quiet: a pool initializer that resets the global (by
# keyword or by position), a worker that disposes of the inherited engine,
# an engine made in the worker, a parent that has not used the pool, the
# spawn start method, and a decorator that injects no session.
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from functools import wraps

from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

_warehouse = None


def warehouse():
    global _warehouse
    if _warehouse is None:
        _warehouse = create_engine("postgresql://etl@db/warehouse")
    return _warehouse


def load_shard(shard: int) -> None:
    with warehouse().begin() as conn:
        conn.execute(text("CALL load_shard(:s)"), {"s": shard})


def load_all() -> None:
    with warehouse().connect() as conn:
        shards = [r[0] for r in conn.execute(text("SELECT id FROM shards"))]
    with ProcessPoolExecutor(4) as ex:
        for shard in shards:
            ex.submit(load_shard, shard)  # expect: SL208 "pool of `_warehouse`"


_Maker = None


def open_session():
    global _Maker
    if not _Maker:
        _Maker = sessionmaker(bind=create_engine("postgresql://etl@db/catalog"))
    return _Maker()


def index_document(doc_id: int) -> None:
    with open_session() as s:
        s.execute(text("UPDATE docs SET indexed = true WHERE id = :i"), {"i": doc_id})
        s.commit()


def index_everything() -> None:
    s = open_session()
    try:
        ids = s.scalars(text("SELECT id FROM docs")).all()
    finally:
        s.close()
    with multiprocessing.Pool() as pool:
        pool.map(index_document, ids)  # expect: SL208


def transactional(fn):
    @wraps(fn)
    def run(*args, **kwargs):
        with open_session() as session:
            result = fn(session, *args, **kwargs)
            session.commit()
            return result

    return run


@transactional
def pending_jobs(session):
    return session.scalars(text("SELECT id FROM jobs WHERE done = false")).all()


@transactional
def run_job(session, job_id):
    session.execute(text("UPDATE jobs SET done = true WHERE id = :i"), {"i": job_id})


def run_jobs() -> None:
    with multiprocessing.Pool(8) as pool:
        pool.map(run_job, pending_jobs())  # expect: SL208 "`run_job`"


def run_jobs_once_each() -> None:
    for job_id in pending_jobs():
        worker = multiprocessing.Process(target=run_job, args=(job_id,))  # expect: SL208
        worker.start()


# --- quiet ----------------------------------------------------------------


def forget_maker() -> None:
    global _Maker
    _Maker = None


def forget_warehouse() -> None:
    global _warehouse
    _warehouse = None


def run_jobs_reset() -> None:
    ids = pending_jobs()
    with multiprocessing.Pool(8, initializer=forget_maker) as pool:
        pool.map(run_job, ids)


def run_jobs_reset_positional() -> None:
    ids = pending_jobs()
    with multiprocessing.Pool(8, forget_maker) as pool:
        pool.map(run_job, ids)


def load_all_reset() -> None:
    with warehouse().connect() as conn:
        shards = [r[0] for r in conn.execute(text("SELECT id FROM shards"))]
    with ProcessPoolExecutor(4, initializer=forget_warehouse) as ex:
        for shard in shards:
            ex.submit(load_shard, shard)


def load_shard_fresh(shard: int) -> None:
    warehouse().dispose(close=False)
    with warehouse().begin() as conn:
        conn.execute(text("CALL load_shard(:s)"), {"s": shard})


def load_all_fresh() -> None:
    with warehouse().connect() as conn:
        shards = [r[0] for r in conn.execute(text("SELECT id FROM shards"))]
    with ProcessPoolExecutor(4) as ex:
        for shard in shards:
            ex.submit(load_shard_fresh, shard)


def load_shard_own_engine(shard: int) -> None:
    engine = create_engine("postgresql://etl@db/warehouse")
    with engine.begin() as conn:
        conn.execute(text("CALL load_shard(:s)"), {"s": shard})
    engine.dispose()


def load_all_own_engine() -> None:
    with warehouse().connect() as conn:
        shards = [r[0] for r in conn.execute(text("SELECT id FROM shards"))]
    with ProcessPoolExecutor(4) as ex:
        for shard in shards:
            ex.submit(load_shard_own_engine, shard)


def run_jobs_listed(ids) -> None:
    with multiprocessing.Pool(8) as pool:
        pool.map(run_job, ids)


def run_jobs_spawned() -> None:
    ids = pending_jobs()
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        pool.map(run_job, ids)


def logged(fn):
    @wraps(fn)
    def run(*args, **kwargs):
        log = open("/var/log/jobs.log", "a")
        try:
            return fn(log, *args, **kwargs)
        finally:
            log.close()

    return run


@logged
def note_job(log, job_id):
    log.write(str(job_id))


def note_jobs() -> None:
    ids = pending_jobs()
    with multiprocessing.Pool(8) as pool:
        pool.map(note_job, ids)
