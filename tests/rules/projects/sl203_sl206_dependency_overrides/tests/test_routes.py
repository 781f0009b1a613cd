from lending.deps import AuditMarker
from lending.main import app
from tests.conftest import audit_session

app.dependency_overrides[AuditMarker] = audit_session


def test_audit_tail(wired):
    assert wired is app
