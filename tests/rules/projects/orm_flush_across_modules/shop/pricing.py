from shop.models import Product as ProductRow


def as_dict(row):
    return {"id": row.id, "price": row.price, "modified": row.modified.isoformat()}


async def reprice(session, product_id: int, price: int) -> dict:
    row = await session.get(ProductRow, product_id)
    row.price = price
    await session.commit()
    return as_dict(row)  # expect: SL107 "after the commit on line 11"


async def reprice_refreshed(session, product_id: int, price: int) -> dict:
    row = await session.get(ProductRow, product_id)
    row.price = price
    await session.commit()
    await session.refresh(row)
    return as_dict(row)
