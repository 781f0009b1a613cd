"""Imports the namespace package absolutely, and names no database library."""
from ledger.store import Session


def audit_entry(entry_id):
    s = Session()  # expect: SL103
    row = s.get(dict, entry_id)
    s.close()
    return row


def audit_entry_with(entry_id):
    with Session() as s:
        return s.get(dict, entry_id)
