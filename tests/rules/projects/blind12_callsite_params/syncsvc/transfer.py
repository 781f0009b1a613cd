# Library functions that receive engines from their callers, without
# annotations: what they hold is what the callers pass (engines of
# syncsvc/db.py).  The connections they open are theirs to close.
from sqlalchemy import MetaData, Table, text


def copy_table(src, dst, table: str) -> int:
    src_conn = src.connect()  # expect: SL103
    dst_conn = dst.connect()  # expect: SL103
    rows = src_conn.execute(text(f"SELECT * FROM {table}")).mappings().all()
    if rows:
        target = Table(table, MetaData(), autoload_with=dst_conn)
        dst_conn.execute(target.insert(), [dict(r) for r in rows])
    dst_conn.commit()
    dst_conn.close()
    src_conn.close()
    return len(rows)


def copy_table_safe(src, dst, table: str) -> int:
    with src.connect() as src_conn, dst.begin() as dst_conn:
        rows = src_conn.execute(text(f"SELECT * FROM {table}")).mappings().all()
        if rows:
            target = Table(table, MetaData(), autoload_with=dst_conn)
            dst_conn.execute(target.insert(), [dict(r) for r in rows])
        return len(rows)


def row_count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
