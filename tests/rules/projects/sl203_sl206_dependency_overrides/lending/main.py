from lending.app import build_app
from lending.deps import get_catalog
from lending.persistence.db import Maker, catalog_provider

app = build_app()
app.dependency_overrides[get_catalog] = catalog_provider(Maker)
