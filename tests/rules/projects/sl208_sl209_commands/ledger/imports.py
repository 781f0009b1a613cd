import multiprocessing

from sqlalchemy import text

from ledger.models import db


def import_statement(path: str) -> int:
    with open(path) as fp:
        return db.engine.execute(text("SELECT load_statement(:body)"), body=fp.read()).scalar()


class StatementLoader:
    def __init__(self, processes: int) -> None:
        self.processes = processes

    def load(self, paths: list) -> list:
        procs = [multiprocessing.Process(target=import_statement, args=(p,)) for p in paths]
        for p in procs:
            p.start()
        return procs


def load_folder(paths: list, processes: int = 2) -> list:
    with multiprocessing.Pool(processes) as pool:
        return pool.map(import_statement, paths)


def pending_paths() -> list:
    return [r[0] for r in db.session.execute(text("SELECT path FROM pending")).fetchall()]
