"""The example shop's application object."""
from fastapi import FastAPI

from . import items

app = FastAPI(title="shop")
app.include_router(items.router, prefix="/items")


@app.get("/health")
def health() -> dict:
    return {"ok": True}
