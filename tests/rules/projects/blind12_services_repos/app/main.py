from fastapi import FastAPI

from app.api import orders
from app.jobs import audit_export, nightly_audit_rollup

app = FastAPI()
app.include_router(orders.router)


@app.post("/admin/audit/rollup")
def audit_rollup():
    nightly_audit_rollup()
    return {"ok": True}


@app.get("/admin/audit/export")
def export_audit():
    return [tuple(r) for r in audit_export()]
