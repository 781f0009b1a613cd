# Classes FastAPI makes for each request through the aliases of app/aliases.py.
import typing

from fastapi import Depends
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.database import make_session, session_dependency


# Made per request through an alias in another module: the session its
# __init__ opens is closed by no method.
class LedgerReader:
    def __init__(self) -> None:
        self.session = make_session()  # expect: SL103 "kept by an object FastAPI makes for each request"

    def balance(self, account: str) -> int:
        return self.session.scalar(text("SELECT balance FROM ledger WHERE account = :a"), {"a": account})


# Same, through a typing_extensions alias.
class AuditTrail:
    def __init__(self) -> None:
        self.db = make_session()  # expect: SL103 "kept by an object FastAPI makes for each request"

    def entries(self, account: str) -> list:
        return list(self.db.execute(text("SELECT * FROM audit WHERE account = :a"), {"a": account}))


# Same, through `typing.Annotated` written as a module attribute, in the
# module that defines the class.
class QuotaChecker:
    def __init__(self) -> None:
        self.db = make_session()  # expect: SL103 "kept by an object FastAPI makes for each request"

    def remaining(self, account: str) -> int:
        return self.db.execute(text("SELECT quota FROM quotas WHERE account = :a"), {"a": account}).scalar_one()


QuotaDep = typing.Annotated[QuotaChecker, Depends()]


# Quiet: the class closes its session in a method FastAPI's caller runs.
class ExportJob:
    def __init__(self) -> None:
        self.session = make_session()

    def run(self) -> list:
        try:
            return list(self.session.execute(text("SELECT * FROM exports")))
        finally:
            self.session.close()


# Quiet: the class only borrows the session a yield dependency lends.
class InvoiceReader:
    def __init__(self, session: Session = Depends(session_dependency)) -> None:
        self.session = session

    def total(self, number: str) -> int:
        return self.session.scalar(text("SELECT total FROM invoices WHERE number = :n"), {"n": number})


# Quiet: the alias names another provider in its Depends(), which builds
# the reader over the session a yield dependency lends; FastAPI does not
# make the class by itself.
class ArchiveReader:
    def __init__(self, session: Session) -> None:
        self.session = session

    def rows(self) -> list:
        return list(self.session.execute(text("SELECT * FROM archive")))


def archive_reader_provider(session: Session = Depends(session_dependency)) -> ArchiveReader:
    return ArchiveReader(session)
