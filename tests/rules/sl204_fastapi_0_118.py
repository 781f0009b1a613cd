# args: --fastapi-version 0.118
# SL204 commit-after-response on FastAPI 0.118 (default scope="request"):
# the exit code of a yield dependency runs after the response is fully sent,
# so a commit or flush there fails after the client saw success.
# (Line 1 is run.py's `# args:` directive: the file is analyzed as that FastAPI version.)
# Convention: the finding is on the commit()/flush() after the yield; for a
# `with ...begin()` around the yield, on that `with` line.
import os

from fastapi import Depends, FastAPI
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from app.models import Cart, CartItem

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine, autoflush=False)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
app = FastAPI()


def get_db_tx():
    db = SessionLocal()
    try:
        yield db
        db.commit()  # expect: SL204
    except Exception:
        db.rollback()
        raise
    finally:
        db.close()


def get_db_begin():
    with SessionLocal.begin() as db:  # expect: SL204
        yield db


async def get_adb_tx():
    async with AsyncSessionLocal() as session:
        yield session
        await session.flush()  # expect: SL204


# Quiet on every version: the commit happens before the yield (setup), and
# the exit code only closes.
def get_db_setup():
    db = SessionLocal()
    try:
        db.execute(Cart.__table__.delete().where(Cart.expired.is_(True)))
        db.commit()
        yield db
    finally:
        db.close()


@app.post("/carts")
def create_cart(db: Session = Depends(get_db_tx)):
    cart = Cart()
    db.add(cart)
    return {"created": True}


@app.post("/carts/{cart_id}/items")
def add_item(cart_id: int, sku: str, db: Session = Depends(get_db_begin)):
    db.add(CartItem(cart_id=cart_id, sku=sku))
    return {"ok": True}


@app.delete("/carts/{cart_id}/items/{item_id}")
async def remove_item(cart_id: int, item_id: int, session: AsyncSession = Depends(get_adb_tx)):
    await session.delete(await session.get(CartItem, item_id))
    return {"ok": True}


@app.get("/carts/{cart_id}")
def read_cart(cart_id: int, db: Session = Depends(get_db_setup)):
    return db.get(Cart, cart_id)
