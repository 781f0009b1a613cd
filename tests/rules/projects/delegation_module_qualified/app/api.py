# SL104 delegation through a module imported whole: the inner generator
# called as `module.function()` is resolved like an imported name.
import app.providers
from app import providers
from app import providers as prov
from fastapi import Depends, FastAPI

app_ = FastAPI()


class Ledger:
    def __init__(self, session):
        self.session = session


async def ledger():
    async for s in providers.open_session():
        yield Ledger(s)  # expect: SL104 "over `providers.open_session()`"


async def aliased_session():
    async for s in prov.open_session():
        yield s  # expect: SL104


async def dotted_session():
    async for s in app.providers.open_session():
        yield s  # expect: SL104


# Quiet: the inner generator lends no resource.
async def pages(n: int = 3):
    async for p in providers.page_numbers(n):
        yield p


@app_.get("/ledger")
async def show(led: Ledger = Depends(ledger), s=Depends(aliased_session), d=Depends(dotted_session), p=Depends(pages)):
    return {"ok": True}
