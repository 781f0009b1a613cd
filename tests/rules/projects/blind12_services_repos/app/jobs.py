# Jobs that own their session and release it through the repository's
# dispose(), a method found through the receiver's class in another module.
from app.db import SessionLocal
from app.repositories.audit import AuditRepository


def nightly_audit_rollup() -> None:
    session = SessionLocal()
    audit = AuditRepository(session)
    try:
        audit.rollup()
    finally:
        audit.dispose()


def audit_export() -> list:
    session = SessionLocal()  # expect: SL103
    audit = AuditRepository(session)
    rows = audit.export()
    audit.dispose()
    return rows
