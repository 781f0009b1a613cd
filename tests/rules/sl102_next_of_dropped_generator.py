# `db = next(get_db())`: nothing keeps the generator, so CPython finalizes it
# as soon as next() returns; finalizing a suspended generator runs its
# `finally`, which closes what it yielded.  The caller gets a closed session
# (its next use silently checks out a connection that nothing returns) or a
# connection already back in its pool.
from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg2://app@localhost/app")
SessionLocal = sessionmaker(bind=engine)
pool = ThreadedConnectionPool(1, 10, "postgresql://app@localhost/app")


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def get_conn():
    conn = pool.getconn()
    try:
        yield conn
    finally:
        pool.putconn(conn)


def get_db_no_cleanup():
    yield SessionLocal()  # expect: SL103


def nightly_report():
    db = next(get_db())
    rows = db.execute(text("SELECT id FROM orders")).all()  # expect: SL102 "nothing releases"
    return len(rows)


def count_orders():
    conn = next(get_conn())
    with conn.cursor() as cur:  # expect: SL102
        cur.execute("SELECT count(*) FROM orders")
        return cur.fetchone()[0]


def kept_generator():
    # quiet: the generator is kept, and running it on closes the session
    gen = get_db()
    db = next(gen)
    try:
        return db.execute(text("SELECT 1")).scalar()
    finally:
        next(gen, None)


def no_cleanup():
    # quiet: this generator does not close what it yields; the caller does
    db = next(get_db_no_cleanup())
    try:
        return db.execute(text("SELECT 1")).scalar()
    finally:
        db.close()
