#!/usr/bin/env python3
"""run.py - the proofs: every rule's bad example fails at run time, on a real
PostgreSQL and the real drivers, and its fixed example does not.

Each tests/proof/slNNN.py is one proof (see proof.py).  This script starts a
PostgreSQL server of its own in a temporary folder (pgserver.py), gives each
proof a fresh database, runs the proofs one after another and prints one
line per rule,

    ok SL101 PoolError: trying to put unkeyed connection | fixed: ...
    FAIL SL203 ...

and last `N passed, N failed, N skipped`.  The server is stopped and its
folder removed at the end, on failure and on SIGINT/SIGTERM/SIGHUP too; a
folder left by a run that was killed outright is removed by the next run.

The drivers are Debian's python3-* packages.  When the Python running this
script lacks them (a pyenv or virtualenv python3 first on PATH), the script
runs itself again under /usr/bin/python3 if that one has them.  What is
missing (PostgreSQL, a driver) is reported as `skip ...` lines, with the
Debian package that brings it, and the proofs that need it are skipped.

Usage: tests/proof/run.py [-v] [SL101 ...]   (-v: each proof's details)
Exit status: 1 if a proof failed, else 0.
"""
import argparse
import glob
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import pgserver  # noqa: E402
from proof import PACKAGES, versions  # noqa: E402

SYSTEM_PYTHON = "/usr/bin/python3"
TIMEOUT = 120  # seconds per proof
NEEDS = re.compile(r"^#\s*needs:\s*(.*?)\s*$", re.M)


def proofs(selected):
    """[(code, path, [modules it needs])] of the proof files, by code."""
    out = []
    for path in sorted(glob.glob(os.path.join(HERE, "sl[0-9][0-9][0-9]*.py"))):
        code = "SL" + os.path.basename(path)[2:5]
        if selected and code not in selected:
            continue
        with open(path, encoding="utf-8") as f:
            m = NEEDS.search(f.read())
        out.append((code, path, m.group(1).split() if m else []))
    return out


def importable(mods, python=None):
    """The modules of mods that `python` (this one by default) cannot import."""
    if python is None:
        missing = []
        for m in mods:
            try:
                __import__(m)
            except ImportError:
                missing.append(m)
        return missing
    code = "import importlib.util as u, sys; print(' '.join(m for m in sys.argv[1:] if u.find_spec(m) is None))"
    try:
        r = subprocess.run([python, "-c", code] + list(mods), capture_output=True,
                           text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return list(mods)
    return r.stdout.split() if r.returncode == 0 else list(mods)


def maybe_reexec(all_mods):
    """Runs this script under Debian's python3 when it has drivers we lack."""
    missing = importable(all_mods)
    if not missing or os.environ.get("SL_PROOF_REEXEC"):
        return
    if os.path.realpath(sys.executable) == os.path.realpath(SYSTEM_PYTHON):
        return
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return
    if len(importable(all_mods, SYSTEM_PYTHON)) < len(missing):
        print("proof: %s lacks %s; running under %s" % (
            sys.executable, " ".join(missing), SYSTEM_PYTHON), flush=True)
        os.environ["SL_PROOF_REEXEC"] = "1"
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON] + sys.argv)


class Interrupted(Exception):
    pass


def on_signal(signum, frame):
    raise Interrupted("signal %d" % signum)


def run_one(code, path, env):
    """Runs one proof; returns (True, False or None for skipped, the verdict
    line, its other output)."""
    proc = subprocess.Popen([sys.executable, path], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        return False, "FAIL %s timed out after %ds" % (code, TIMEOUT), out
    finally:
        if proc.poll() is None:  # interrupted: end the proof we started
            proc.kill()
            proc.wait()
    lines = out.rstrip("\n").splitlines()
    last = lines[-1] if lines else ""
    rest = "\n".join(lines[:-1])
    if proc.returncode == 0 and last.startswith("ok %s " % code):
        return True, last, rest
    if proc.returncode == 3 and last.startswith("skip %s " % code):
        return None, last, rest
    if not last.startswith("FAIL %s" % code):
        return False, "FAIL %s exited %d without a verdict" % (code, proc.returncode), out
    return False, last, rest


def fresh_database(server_env, name):
    """Drops and creates database name; returns the environment of a client."""
    env = dict(os.environ, **server_env)
    import psycopg2
    conn = psycopg2.connect(host=server_env["PGHOST"], port=server_env["PGPORT"],
                            user=server_env["PGUSER"], dbname="postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute('DROP DATABASE IF EXISTS "%s"' % name)
            cur.execute('CREATE DATABASE "%s"' % name)
    finally:
        conn.close()
    env["PGDATABASE"] = name
    return env


def main():
    ap = argparse.ArgumentParser(description="the runtime proof of every rule")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("codes", nargs="*")
    opts = ap.parse_args()
    todo = proofs(set(c.upper() for c in opts.codes))
    all_mods = sorted({m for _, _, mods in todo for m in mods} | {"psycopg2"})
    maybe_reexec(all_mods)

    passed = failed = skipped = 0
    bindir = pgserver.bindir()
    binary = os.environ.get("SESSIONLINT_BIN") or os.path.join(ROOT, "build", "sessionlint")
    missing = importable(all_mods)
    why_all = None
    if bindir is None:
        why_all = "postgresql not installed (Debian: postgresql)"
    elif "psycopg2" in missing:
        why_all = "psycopg2 not installed for %s (Debian: python3-psycopg2)" % sys.executable
    elif not os.access(binary, os.X_OK):
        why_all = "%s missing (run make first)" % binary
    if why_all:
        print("skip proof: " + why_all)
        for code, _, _ in todo:
            print("skip %s: %s" % (code, why_all))
        print("0 passed, 0 failed, %d skipped" % len(todo))
        return 0
    for m in missing:
        print("skip proof: %s not installed for %s (Debian: %s)" % (
            m, sys.executable, PACKAGES.get(m, m)))

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    t0 = time.time()
    stale = pgserver.remove_stale(bindir)
    if stale:
        print("proof: removed %d server folder(s) left by runs that died" % stale)
    server = pgserver.Server(bindir)
    try:
        server.start()
        vers = versions()
        print("proof: PostgreSQL %s (%s), python %s; %s" % (
            server.version(), server.dir, sys.version.split()[0],
            ", ".join("%s %s" % kv for kv in sorted(vers.items()))), flush=True)
        for code, path, mods in todo:
            lacking = [m for m in mods if m in missing]
            if lacking:
                print("skip %s: %s not installed (Debian: %s)" % (
                    code, " ".join(lacking), " ".join(PACKAGES.get(m, m) for m in lacking)))
                skipped += 1
                continue
            env = fresh_database(server.env(), code.lower())
            env["SESSIONLINT_BIN"] = binary
            t = time.time()
            ok, verdict, details = run_one(code, path, env)
            if opts.verbose or ok is False:
                if details.strip():
                    print(details)
            print("%s  (%.1fs)" % (verdict, time.time() - t) if opts.verbose else verdict,
                  flush=True)
            if ok:
                passed += 1
            elif ok is None:
                skipped += 1
            else:
                failed += 1
    except Interrupted as e:
        print("proof: interrupted (%s); stopping the server" % e, flush=True)
        failed += 1
    except RuntimeError as e:  # the server did not start
        print("proof: %s" % e)
        failed += 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        server.stop()
    if opts.verbose:
        print("proof: %.1fs" % (time.time() - t0))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
