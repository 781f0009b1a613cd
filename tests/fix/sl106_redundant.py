# args: --select SL106
# SL106 (selected): the release that another always follows is removed,
# and with it a `finally:` or `else:` left empty.
import os

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
AsyncSessionLocal = async_sessionmaker(create_async_engine(os.environ["ASYNC_URL"]))


# close() in the handler, then again in finally.
def void_invoice(invoice_id):
    db = SessionLocal()
    try:
        db.execute(text("UPDATE invoices SET void = true WHERE id = :i"), {"i": invoice_id})
        db.commit()
    except SQLAlchemyError:
        db.rollback()
        db.close()
        raise
    finally:
        db.close()


# the seed's provider: `async with` closes what finally closes.
async def get_async_db():
    async with AsyncSessionLocal() as session:
        try:
            yield session
            await session.commit()
        except Exception:
            await session.rollback()
            raise
        finally:
            await session.close()


# close() at the end of a with block that closes.
def customer_name(customer_id):
    with SessionLocal() as db:
        name = db.execute(text("SELECT name FROM customers WHERE id = :i"), {"i": customer_id}).scalar()
        db.close()  # not needed
    return name
