# A helper with no database import of its own: it runs the (function,
# arguments) pairs it is given on a thread pool, all at once.  Its callers
# need its summary, so this module is analyzed although it names no
# database library.
from concurrent.futures import ThreadPoolExecutor


def run_all(calls, workers=8):
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(fn, *args): i for i, (fn, args) in enumerate(calls)}
        return [f.result() for f in futures]
