from sqlalchemy.orm import Session

from shop.ports import Archive, Audit, Finisher, Notifier


class SqlFinisher(Finisher):
    def finish(self, session: Session) -> None:
        session.commit()
        session.close()


class SqlArchive(Archive):
    def store(self, session: Session) -> None:
        session.close()


class ClosingNotifier(Notifier):
    def done(self, session: Session) -> None:
        session.close()


class SqlAudit(Audit):
    def record(self, session: Session) -> None:
        session.close()


class MemoryAudit(Audit):
    def record(self, session: Session) -> None:
        self.seen = True
