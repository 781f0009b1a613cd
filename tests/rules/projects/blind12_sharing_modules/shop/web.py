from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session

from shop.db import get_db
from shop.stats import worst_sellers

app = FastAPI()


@app.get("/products")
def list_products(db: Session = Depends(get_db)):
    return db.execute(text("SELECT id, name FROM products")).mappings().all()


@app.get("/products/worst")
def worst():
    return [tuple(r) for r in worst_sellers()]
