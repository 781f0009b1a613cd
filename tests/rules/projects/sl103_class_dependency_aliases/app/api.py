from fastapi import APIRouter

from sqlalchemy import text

from app.aliases import ArchiveDep, AuditDep, ExportDep, InvoiceDep, LedgerDep, SessionDep
from app.services import QuotaDep

router = APIRouter(prefix="/accounts")


@router.get("/{account}/balance")
def balance(account: str, reader: LedgerDep):
    return {"balance": reader.balance(account)}


@router.get("/{account}/audit")
def audit(account: str, trail: AuditDep):
    return trail.entries(account)


@router.get("/{account}/quota")
def quota(account: str, checker: QuotaDep):
    return {"remaining": checker.remaining(account)}


@router.post("/exports")
def export(job: ExportDep):
    return job.run()


@router.get("/invoices/{number}")
def invoice(number: str, reader: InvoiceDep):
    return {"total": reader.total(number)}


@router.get("/archive")
def archive(reader: ArchiveDep):
    return reader.rows()


@router.get("/{account}/owner")
def owner(account: str, session: SessionDep):
    return {"owner": session.scalar(text("SELECT owner FROM accounts WHERE id = :a"), {"a": account})}
