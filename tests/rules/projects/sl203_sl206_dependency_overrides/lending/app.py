from fastapi import FastAPI

from lending.deps import LedgerMarker
from lending.persistence.db import Maker, ledger_provider
from lending.routes import router


def build_app() -> FastAPI:
    api = FastAPI(title="lending")
    api.include_router(router)
    api.dependency_overrides.update({LedgerMarker: ledger_provider(Maker)})
    return api
