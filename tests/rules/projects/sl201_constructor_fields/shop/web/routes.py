from fastapi import APIRouter, Depends
from sqlalchemy import text

from shop.core.records import Catalog
from shop.core.wiring import catalog, pricing, unit

router = APIRouter()


def get_catalog():
    per_request = Catalog("eu")
    try:
        yield per_request
    finally:
        per_request.db.close()


@router.get("/items")
def items():
    return catalog.db.execute(text("SELECT id FROM items")).all()


@router.get("/prices")
def prices():
    return pricing.db.execute(text("SELECT amount FROM prices")).all()


@router.get("/units")
def units(own: Catalog = Depends(get_catalog)):
    with unit.maker() as db:
        return db.execute(text("SELECT 1")).all(), own.region, unit.seen
