"""Run as `python scripts/dry_run.py`: `books` is scripts/books.py, not ledger/books.py."""
from books import Books


def main():
    with Books() as books:
        books.balance(1)
    return books.balance(1)
