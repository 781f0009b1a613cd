# A helper's close decided by a flag it tests after an unrelated one: the
# caller that leaves the deciding flag at its closing default, or passes
# it so, hands the connection over; the one that passes it the other way
# still holds it, whatever the first flag.
import psycopg2

DSN = "postgresql://app@db/app"


def done(conn, trace=None, keep: bool = False) -> None:
    if trace:
        print("done", trace)
    conn.commit()
    if keep:
        return
    conn.close()


def export(path: str) -> None:
    conn = psycopg2.connect(DSN)
    done(conn, trace=path)


def export_quiet(path: str) -> None:
    conn = psycopg2.connect(DSN)
    done(conn, None, False)


def export_kept(path: str) -> None:
    conn = psycopg2.connect(DSN)  # expect: SL103
    done(conn, path, keep=True)
