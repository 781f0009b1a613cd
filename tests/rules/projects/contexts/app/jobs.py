from sqlalchemy import text

from app.db import SessionLocal


# quiet by default: only the `rebuild` command reaches it (a one-shot process)
def rebuild_index():
    db = SessionLocal()
    db.execute(text("REINDEX TABLE orders"))
    db.close()


# reported: the worker loop runs it too, for as long as the service runs
def expire_carts():
    db = SessionLocal()  # expect: SL103
    db.execute(text("DELETE FROM carts WHERE expires_at < now()"))
    db.commit()
    db.close()


# reported: what a launcher command starts is service code
def warm_cache():
    db = SessionLocal()  # expect: SL103
    db.execute(text("SELECT * FROM hot_products"))
    db.close()
