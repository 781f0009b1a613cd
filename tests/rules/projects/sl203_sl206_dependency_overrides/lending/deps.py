# Markers: Depends() names them, the application wires the real providers.


class LedgerMarker:
    """Replaced by the application factory."""


def get_catalog():
    """Replaced at module level."""
    raise NotImplementedError


class AuditMarker:
    """Replaced only by the tests."""
