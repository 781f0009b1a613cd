# the package re-exports its store classes: `from vault import AuditLog`
from .stores import AuditLog, Catalog

__all__ = ["AuditLog", "Catalog"]
