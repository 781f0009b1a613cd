from sqlalchemy import text
from sqlalchemy.orm import Session


class AuditRepository:
    """Used by jobs that own their session: dispose() closes it."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def rollup(self) -> None:
        self.session.execute(text("INSERT INTO audit_daily SELECT day, count(*) FROM audit GROUP BY day"))
        self.session.commit()

    def export(self) -> list:
        return self.session.execute(text("SELECT * FROM audit ORDER BY id")).all()

    def dispose(self) -> None:
        self.session.close()
