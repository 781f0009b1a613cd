import asyncio

from fastapi import APIRouter, Depends
from sqlalchemy import text

from lending.deps import AuditMarker, LedgerMarker, get_catalog
from lending.persistence.db import Maker, ledger_session
from lending.uow import Ledger

router = APIRouter()


@router.get("/members/overdue")
async def overdue(ids: list[int], ledger=Depends(LedgerMarker)):
    # ledger.loans keeps the ledger's one session: the queries run at once on it
    return await asyncio.gather(*[ledger.loans.overdue_for(i) for i in ids])  # expect: SL203


@router.get("/members/overdue-in-turn")
async def overdue_in_turn(ids: list[int], ledger=Depends(LedgerMarker)):
    found = []
    for i in ids:
        found.append(await ledger.loans.overdue_for(i))
    return found


@router.get("/members/{member_id}/summary")
async def member_summary(member_id: int, ledger=Depends(LedgerMarker)):
    member = await ledger.members.get(member_id)
    loans = await ledger.loans.overdue_for(member_id)
    return {"member": member, "loans": loans}


@router.get("/catalog/search")
async def search(titles: list[str], db=Depends(get_catalog)):
    return await asyncio.gather(  # expect: SL203
        *(db.execute(text("SELECT id FROM books WHERE title = :t"), {"t": t}) for t in titles)
    )


@router.get("/catalog/count")
async def count(db=Depends(get_catalog)):
    books = await db.scalar(text("SELECT count(*) FROM books"))
    copies = await db.scalar(text("SELECT count(*) FROM copies"))
    return {"books": books, "copies": copies}


@router.post("/members/{member_id}/renew")
async def renew(member_id: int, ledger: Ledger = Depends(ledger_session)):
    member = await ledger.members.get(member_id)
    async with Maker() as audit:
        # the ledger's session still holds its connection: two per request
        await audit.execute(text("INSERT INTO audit (member) VALUES (:m)"), {"m": member_id})  # expect: SL206
        await audit.commit()
    return member


@router.post("/members/{member_id}/renew-after-commit")
async def renew_after_commit(member_id: int, ledger: Ledger = Depends(ledger_session)):
    member = await ledger.members.get(member_id)
    await ledger.session.commit()
    async with Maker() as audit:
        await audit.execute(text("INSERT INTO audit (member) VALUES (:m)"), {"m": member_id})
        await audit.commit()
    return member


@router.get("/audit/tail")
async def audit_tail(ids: list[int], log=Depends(AuditMarker)):
    # only the tests give AuditMarker a session: production wiring has none here
    return await asyncio.gather(*(log.execute(text("SELECT 1"), {"i": i}) for i in ids))
