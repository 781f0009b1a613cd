def count_query(table: str) -> str:
    return f"SELECT count(*) FROM {table}"

def broken(:  # expect: SL000
    pass
