from fastapi import FastAPI

from vault import AuditLog, Catalog
from vault.stores import Lookup, Secrets

app = FastAPI()

secrets = Secrets()  # expect: SL201 "connection and cursor it makes on self.con and self.cur"
audit = AuditLog()  # expect: SL201 "keeps the session it makes on self.session"
catalog = Catalog()  # plain values: nothing shared
unused = Secrets()  # no function reads it


@app.get("/secrets/{key}")
def read_secret(key: str):
    audit.record(f"read {key}")
    return secrets.read(key)


@app.get("/catalog")
def describe():
    return catalog.describe()


@app.get("/exists/{key}")
def exists(key: str):
    return Lookup().find(key)  # one per request, closed by find
