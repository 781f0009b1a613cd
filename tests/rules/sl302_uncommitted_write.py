# SL302 uncommitted-write (no version: SQLAlchemy 2): a Connection from
# engine.connect() begins a transaction on its first statement and never
# commits by itself; the end of `with engine.connect() as conn:` closes it,
# which rolls the transaction back.  A write there that nothing commits is
# silently lost (1.x's library-level autocommit used to commit it).
# Convention: the finding is on the first uncommitted write.
from sqlalchemy import create_engine, insert, text, update
from sqlalchemy.ext.asyncio import create_async_engine

from app.models import Issue, Seen

engine = create_engine("postgresql+psycopg2://app@db/app")
async_engine = create_async_engine("postgresql+asyncpg://app@db/app")

MARK_SEEN = text("UPDATE item SET seen = true WHERE id = :id")


# Bad: a textual UPDATE, never committed.
def close_issue(issue_id: int) -> None:
    with engine.connect() as conn:
        conn.execute(text("UPDATE issue SET closed = true WHERE id = :id"), {"id": issue_id})  # expect: SL302


# Bad: a statement bound to a name, and an insert() construct.
def mark_seen(item_id: int) -> None:
    with engine.connect() as conn:
        conn.execute(MARK_SEEN, {"id": item_id})  # expect: SL302
        conn.execute(insert(Seen).values(item_id=item_id))


# Bad: the async form.
async def reopen(issue_id: int) -> None:
    async with async_engine.connect() as conn:
        await conn.execute(update(Issue).where(Issue.id == issue_id).values(closed=False))  # expect: SL302


# Quiet: committed before the block ends.
def close_issue_committed(issue_id: int) -> None:
    with engine.connect() as conn:
        conn.execute(text("UPDATE issue SET closed = true WHERE id = :id"), {"id": issue_id})
        conn.commit()


# Quiet: a begin() block commits it.
def close_issue_in_begin(issue_id: int) -> None:
    with engine.connect() as conn:
        with conn.begin():
            conn.execute(text("UPDATE issue SET closed = true WHERE id = :id"), {"id": issue_id})


# Quiet: engine.begin() commits at the end of its block.
def close_issue_begin(issue_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE issue SET closed = true WHERE id = :id"), {"id": issue_id})


# Quiet: reads only.
def count_open() -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM issue WHERE NOT closed")).scalar_one()


# Quiet: the rows go to a temporary table made for this query, dropped with
# the transaction on purpose.
def stale(ids: list[int]) -> list[int]:
    with engine.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE wanted (id int)"))
        conn.execute(text("INSERT INTO wanted (id) SELECT unnest(CAST(:ids AS int[]))"), {"ids": ids})
        return conn.execute(text("SELECT id FROM wanted EXCEPT SELECT id FROM issue")).scalars().all()


# Quiet: a scratch table dropped before it is made again as TEMP, all in
# the one transaction the block rolls back.
def stale_again(ids: list[int]) -> list[int]:
    with engine.connect() as conn:
        conn.execute(text("DROP TABLE IF EXISTS wanted"))
        conn.execute(text("CREATE TEMP TABLE wanted (id int)"))
        conn.execute(text("INSERT INTO wanted (id) SELECT unnest(CAST(:ids AS int[]))"), {"ids": ids})
        return conn.execute(text("SELECT id FROM wanted EXCEPT SELECT id FROM issue")).scalars().all()


# Bad: DDL is transactional on PostgreSQL and CockroachDB: the table made
# here is gone when the block ends, and the migration bookkeeping with it.
def current_versions() -> list[str]:
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS schema_migrations (version text)"))  # expect: SL302
        return conn.execute(text("SELECT version FROM schema_migrations")).scalars().all()


# Quiet: the DDL committed.
def ensure_versions_table() -> None:
    with engine.connect() as conn:
        conn.execute(text("ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS at timestamptz"))
        conn.commit()


# Quiet: autocommit asked for.
def vacuum() -> None:
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("DELETE FROM log WHERE at < now() - interval '30 days'"))


# Quiet: handed to a helper, whose business the commit is.
def archive(issue_id: int, writer) -> None:
    with engine.connect() as conn:
        conn.execute(text("UPDATE issue SET archived = true WHERE id = :id"), {"id": issue_id})
        writer(conn)
