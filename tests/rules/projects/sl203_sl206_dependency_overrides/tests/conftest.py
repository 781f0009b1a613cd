import pytest

from lending.deps import AuditMarker
from lending.main import app
from lending.persistence.db import Maker


async def audit_session():
    async with Maker() as session:
        yield session


@pytest.fixture
def wired():
    app.dependency_overrides[AuditMarker] = audit_session
    yield app
    app.dependency_overrides.clear()
