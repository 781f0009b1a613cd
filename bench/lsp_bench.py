#!/usr/bin/env python3
"""The language server's latency (bench/run.sh, `make bench`): prints
figures, never judges.

On a project of about 2,000 files, `sessionlint server` is started, one
module is opened and its first analysis awaited; then EDITS edits are made
to it, one every PAUSE seconds (a blank line inserted at its top, then
removed, so every edit moves its findings), and for each the time from
sending didChange to receiving the publishDiagnostics of that version is
taken.  Printed: the median and the 90th percentile, the server's resident
memory after the first analysis and after the edits, and how long the whole
project takes on the command line (what the workspace analysis repeats after
a pause, for the diagnostics of other files).

The project is BENCH_CORPUS (a repository of the real-world corpus, e.g.
../corpus/polarsource__polar, with BENCH_FILE the module to edit), or else
a generated FastAPI + SQLAlchemy project of 2,000 files under build/bench/.

usage: lsp_bench.py [--edits N] [--pause SECONDS]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "lsp"))
from client import Client  # noqa: E402

BIN = os.environ.get("SESSIONLINT", os.path.join(ROOT, "build", "sessionlint"))

DB = '''\
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql://app@db/app")
SessionLocal = sessionmaker(bind=engine)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
'''

MODEL = '''\
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Item{i}(Base):
    __tablename__ = "item{i}"
    id = Column(Integer, primary_key=True)
    name = Column(String)
'''

SERVICE = '''\
from sqlalchemy import select

from app.db import SessionLocal
from app.models.m{i} import Item{i}


def list_items{i}(db, limit=50):
    return db.execute(select(Item{i}).limit(limit)).scalars().all()


def count_items{i}():
    db = SessionLocal()
    try:
        return len(list_items{i}(db, 1000))
    finally:
        db.close()


def touch_items{i}():
    db = SessionLocal()
    n = len(list_items{i}(db))
    db.close()
    return n
'''

ROUTER = '''\
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from app.db import get_db
from app.services.s{i} import count_items{i}, list_items{i}
from app.services.s{j} import list_items{j}

router = APIRouter()
SessionDep = Annotated[Session, Depends(get_db)]


@router.get("/items{i}")
def items{i}(db: SessionDep):
    return [r.name for r in list_items{i}(db)] + [r.name for r in list_items{j}(db)]


@router.get("/count{i}")
def count{i}():
    return {{"n": count_items{i}()}}
'''


def generate(root, n=2000):
    """A FastAPI app of n modules: models, services, routers, a third each."""
    if os.path.exists(os.path.join(root, ".complete")):
        return
    third = (n - 3) // 3
    files = {"app/__init__.py": "", "app/db.py": DB, "app/models/__init__.py": "",
             "app/services/__init__.py": "", "app/routers/__init__.py": "",
             "requirements.txt": "fastapi==0.115.0\nsqlalchemy==2.0.30\n"}
    for i in range(third):
        files[f"app/models/m{i}.py"] = MODEL.format(i=i)
        files[f"app/services/s{i}.py"] = SERVICE.format(i=i)
        files[f"app/routers/r{i}.py"] = ROUTER.format(i=i, j=(i * 7 + 1) % third)
    for rel, text in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
    open(os.path.join(root, ".complete"), "w").close()


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=int(os.environ.get("BENCH_EDITS", "40")))
    ap.add_argument("--pause", type=float, default=0.3)
    args = ap.parse_args()
    corpus = os.environ.get("BENCH_CORPUS")
    if corpus:
        root = os.path.realpath(corpus)
        target = os.environ.get("BENCH_FILE")
        if not target:
            sys.exit("lsp_bench: BENCH_CORPUS needs BENCH_FILE, the module to edit (relative)")
        what = f"{os.path.basename(root)} (BENCH_CORPUS)"
    else:
        root = os.path.realpath(os.path.join(ROOT, "build", "bench", "lsp-project"))
        generate(root)
        target = "app/routers/r7.py"
        what = "a generated FastAPI + SQLAlchemy project"
    nfiles = sum(f.endswith(".py") for _, _, fs in os.walk(root) for f in fs)
    path = os.path.join(root, target)
    with open(path, encoding="utf-8") as f:
        text = f.read()

    t0 = time.perf_counter()
    subprocess.run([BIN, "-q", "--exit-zero", "."], cwd=root, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    whole = time.perf_counter() - t0

    c = Client(BIN, cwd=root)
    try:
        c.initialize(root)
        t0 = time.perf_counter()
        u = c.open(path, text)
        first = c.published(u, timeout=300)
        first_s = time.perf_counter() - t0
        if first is None:
            sys.exit("lsp_bench: no diagnostics for the opened file")
        time.sleep(2.0)  # the workspace analysis starts; edits will stop it
        rss_first = rss_mb(c.proc.pid)
        lat = []
        for v in range(2, args.edits + 2):
            insert = v % 2 == 0
            rng = {"start": {"line": 0, "character": 0},
                   "end": {"line": 0 if insert else 1, "character": 0}}
            t = time.perf_counter()
            c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": v},
                                                "contentChanges": [{"range": rng,
                                                                    "text": "\n" if insert else ""}]})
            p = c.published(u, timeout=120, pred=lambda p, v=v: p.get("version") == v)
            if p is None:
                sys.exit(f"lsp_bench: no diagnostics for version {v}")
            lat.append(time.perf_counter() - t)
            time.sleep(args.pause)
        rss_last = rss_mb(c.proc.pid)
    finally:
        c.close()
        c.kill()
    lat_ms = sorted(x * 1000 for x in lat)
    print(f"== language server: edit -> publishDiagnostics of the edited module, {what}, "
          f"{nfiles} .py files, editing {target}")
    print(f"  first analysis of the opened module     {first_s * 1000:8.1f} ms")
    print(f"  {len(lat)} edits, one every {args.pause:.2f} s: median {statistics.median(lat_ms):.1f} ms, "
          f"90th percentile {lat_ms[int(len(lat_ms) * 0.9) - 1]:.1f} ms, "
          f"min {lat_ms[0]:.1f} ms, max {lat_ms[-1]:.1f} ms")
    print(f"  server memory (RSS) after the first analysis {rss_first:.1f} MB, "
          f"after the edits {rss_last:.1f} MB")
    print(f"  the whole project on the command line (what the workspace analysis redoes "
          f"after a pause): {whole:.2f} s")


if __name__ == "__main__":
    main()
