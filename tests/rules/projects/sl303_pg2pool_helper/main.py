from notesvc.db import Database
from notesvc.schema import use_schema


def main() -> None:
    db = Database({"dbname": "notes"})
    use_schema(db, "testnet")


if __name__ == "__main__":
    main()
