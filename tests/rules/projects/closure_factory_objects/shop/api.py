# A FastAPI endpoint calls a method of a module-level object a factory
# function made (its return annotation a string).
from fastapi import FastAPI

from .stores import open_auditor, open_store

api = FastAPI()
store = open_store()
auditor = open_auditor()


@api.get("/kv/{key}")
def read_key(key: str):
    return {"value": store.fetch(key)}


@api.get("/audit")
def audit():
    return {"ok": auditor is not None}
