# SL301 through two more carriers of a plain SQL string: a dict display of
# strings looked up with Q[k] or Q.get(k, "<str>"), and a helper def whose
# every return is a string (an async one's when awaited).  Quiet when some
# value or return is not a str (text(), None, a statement object), when the
# dict may change (a store of a non-str, update(), handed to a call), when
# the helper may run off its end (None) or is a generator.
from sqlalchemy import create_engine, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

engine = create_engine("postgresql+psycopg://app@localhost/shop")

REPORTS = {
    "daily": "SELECT day, sum(total) FROM orders GROUP BY day",
    "weekly": "SELECT date_trunc('week', day), sum(total) FROM orders GROUP BY 1",
}
TEXT_REPORTS = {"daily": text("SELECT day FROM orders")}
MIXED = {"daily": "SELECT day FROM orders", "none": None}
PATCHED = {"a": "SELECT 1"}
GROWN = {"a": "SELECT 1"}
LENT = {"a": "SELECT 1"}
STR_GROWN = {"a": "SELECT 1"}


def patch():
    PATCHED["b"] = text("SELECT 2")
    GROWN.update(b=select(1))
    STR_GROWN["b"] = "SELECT 2"
    register(LENT)


def register(queries):
    queries["c"] = text("SELECT 3")


def report_by_index(db: Session, kind: str):
    return db.execute(REPORTS[kind]).all()  # expect: SL301


def report_by_get(db: Session, kind: str):
    sql = REPORTS.get(kind, "SELECT 0")
    return db.execute(sql).all()  # expect: SL301


def report_str_grown(db: Session, kind: str):
    return db.scalars(STR_GROWN[kind]).all()  # expect: SL301


def report_text_values(db: Session, kind: str):
    return db.execute(TEXT_REPORTS[kind]).all()


def report_mixed_values(db: Session, kind: str):
    return db.execute(MIXED[kind]).all()


def report_get_without_default(db: Session, kind: str):
    return db.execute(REPORTS.get(kind)).all()


def report_get_text_default(db: Session, kind: str):
    return db.execute(REPORTS.get(kind, text("SELECT 0"))).all()


def report_patched(db: Session, kind: str):
    return db.execute(PATCHED[kind]).all()


def report_grown(db: Session, kind: str):
    return db.execute(GROWN[kind]).all()


def report_lent(db: Session, kind: str):
    return db.execute(LENT[kind]).all()


def local_dict(db: Session, kind: str):
    by = {"n": "SELECT name FROM users", "e": "SELECT email FROM users"}
    return db.execute(by[kind]).all()  # expect: SL301


def order_sql(by: str) -> str:
    match by:
        case "total":
            return "SELECT * FROM orders ORDER BY total"
        case _:
            return f"SELECT * FROM orders ORDER BY {by}"


def order_sql_maybe(by: str):
    if by == "total":
        return "SELECT * FROM orders ORDER BY total"


def order_stmt(by: str):
    if by == "total":
        return text("SELECT * FROM orders ORDER BY total")
    return "SELECT * FROM orders"


def order_lines(by: str):
    yield "SELECT 1"


def order_sql_try(by: str):
    try:
        return REPORTS[by]
    except KeyError:
        raise ValueError(by)


async def async_sql(by: str) -> str:
    return "SELECT * FROM orders ORDER BY " + by


def orders(db: Session, by: str):
    return db.execute(order_sql(by)).all()  # expect: SL301


def orders_named(db: Session, by: str):
    q = order_sql_try(by)
    return db.execute(q).all()  # expect: SL301


def orders_maybe_none(db: Session, by: str):
    return db.execute(order_sql_maybe(by)).all()


def orders_mixed(db: Session, by: str):
    return db.execute(order_stmt(by)).all()


def orders_generator(db: Session, by: str):
    for q in order_lines(by):
        db.execute(text(q))
    return db.execute(order_lines(by))


async def orders_async(db: AsyncSession, by: str):
    return (await db.execute(await async_sql(by))).all()  # expect: SL301


async def orders_coroutine(db: AsyncSession, by: str):
    return await db.execute(async_sql(by))
