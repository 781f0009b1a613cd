# Helpers for the dashboards and the nightly e-mail; no endpoint calls them
# yet, but they are the project's library, imported by whoever needs them.
from sqlalchemy import text

from shop.db import SessionLocal, stats_session


def best_sellers(limit: int = 10) -> list:
    return stats_session.execute(
        text("SELECT sku, sum(qty) AS n FROM order_lines GROUP BY sku ORDER BY n DESC LIMIT :l"), {"l": limit}
    ).all()


def worst_sellers(limit: int = 10) -> list:
    with SessionLocal() as db:
        return db.execute(
            text("SELECT sku, sum(qty) AS n FROM order_lines GROUP BY sku ORDER BY n LIMIT :l"), {"l": limit}
        ).all()
