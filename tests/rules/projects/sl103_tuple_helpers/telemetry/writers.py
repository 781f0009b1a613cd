"""Writers that run in a thread of their own and catch every error."""
import queue
import threading

from telemetry import store
from telemetry.store import Store, connection_and_cursor

URL = "postgresql://telemetry@db/telemetry"
EVENTS = queue.Queue()


def write_event(event):
    conn, cur = connection_and_cursor(URL)  # expect: SL103
    cur.execute("insert into events values (%s, %s)", (event.kind, event.at))
    conn.commit()
    conn.close()


def write_batch(events):
    conn, cur = store.connection_and_cursor(URL)  # expect: SL103
    for event in events:
        cur.execute("insert into events values (%s, %s)", (event.kind, event.at))
    conn.commit()
    conn.close()


def write_with_store(event):
    conn, cur = Store(URL).open()  # expect: SL103
    cur.execute("insert into events values (%s, %s)", (event.kind, event.at))
    conn.close()


def write_guarded(event):
    conn, cur = connection_and_cursor(URL)
    try:
        cur.execute("insert into events values (%s, %s)", (event.kind, event.at))
        conn.commit()
    finally:
        conn.close()


def write_lent(conn, event):
    same, cur = Store(URL).lend(conn)
    cur.execute("insert into events values (%s, %s)", (event.kind, event.at))
    same.commit()


def run():
    while True:
        event = EVENTS.get()
        try:
            write_event(event)
        except Exception:
            continue


threading.Thread(target=run, daemon=True).start()
