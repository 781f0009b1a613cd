from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.core.database import SessionLocal, admin_session, engine, get_db
from app.warehouse.db import WarehouseSession, warehouse_engine

app = FastAPI()


@app.post("/products/{product_id}/restock")
def restock(product_id: int, qty: int):
    db = SessionLocal()  # expect: SL103
    db.execute(text("UPDATE products SET stock = stock + :q WHERE id = :id"), {"q": qty, "id": product_id})
    db.commit()
    db.close()
    return {"restocked": product_id}


@app.post("/products/{product_id}/hide")
def hide(product_id: int):
    with SessionLocal() as db:
        db.execute(text("UPDATE products SET hidden = true WHERE id = :id"), {"id": product_id})
        db.commit()
    return {"hidden": product_id}


@app.get("/products")
def list_products(db: Session = Depends(get_db)):
    return db.execute(text("SELECT id, name FROM products")).mappings().all()


@app.get("/health/db")
def db_health():
    conn = engine.connect()  # expect: SL103
    conn.execute(text("SELECT 1"))
    conn.close()
    return {"ok": True}


@app.get("/health/db-safe")
def db_health_safe():
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"ok": True}


@app.get("/admin/users")
def admin_users():
    return admin_session.execute(text("SELECT id, email FROM users")).mappings().all()


@app.get("/warehouse/sales")
def warehouse_sales(day: str):
    ws = WarehouseSession()  # expect: SL103
    total = ws.execute(text("SELECT sum(amount) FROM sales WHERE day = :d"), {"d": day}).scalar()
    ws.close()
    return {"total": total}


@app.get("/warehouse/returns")
def warehouse_returns(day: str):
    with WarehouseSession() as ws:
        total = ws.execute(text("SELECT sum(amount) FROM returns WHERE day = :d"), {"d": day}).scalar()
    return {"total": total}


@app.get("/warehouse/lag")
def warehouse_lag():
    conn = warehouse_engine.connect()  # expect: SL103
    lag = conn.execute(text("SELECT now() - max(loaded_at) FROM loads")).scalar()
    conn.close()
    return {"lag": str(lag)}


@app.get("/warehouse/loads")
def warehouse_loads():
    with warehouse_engine.connect() as conn:
        rows = conn.execute(text("SELECT id, loaded_at FROM loads ORDER BY id DESC LIMIT 10")).all()
    return [{"id": r.id, "at": str(r.loaded_at)} for r in rows]
