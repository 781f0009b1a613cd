#!/usr/bin/env python3
"""Differential test: `sessionlint debug ast` against CPython's own parser.

usage: diff_stdlib.py [--jobs N] [--details N] [--ref DUMP] [--list FILE | PATH...]

With no paths, every .py file of this Python's standard library
(tests/stdlib_list.py) goes through tests/pyast_dump.py (CPython's
ast.parse in the canonical dump form) and through `build/sessionlint debug
ast`; the two dumps must be byte-identical per file.  Each file is one test.
A file CPython rejects dumps as `error: line N`, so ours must reject it on
the same line.  Files listed in tests/diff_exceptions.txt (a path relative
to the stdlib, then ` # reason`) may differ.

CPython's dump of the stdlib takes half a minute, so it is cached under
build/diff/, keyed by the Python version, the dump script's hash and the
files' names, sizes and mtimes.  Other lists are never cached.

--ref DUMP takes the reference from a file made by pyast_dump.py elsewhere
(tests/tools/diff314.sh: CPython 3.14's own stdlib, dumped by CPython 3.14).

Ends with the line `N passed, N failed, 0 skipped`; exits 1 if anything failed.
Environment: SESSIONLINT (the binary), PYAST_DUMP (the reference script).
"""
import argparse
import concurrent.futures as cf
import hashlib
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import stdlib_list  # noqa: E402

BIN = os.environ.get("SESSIONLINT", os.path.join(ROOT, "build", "sessionlint"))
DUMP = os.environ.get("PYAST_DUMP", os.path.join(HERE, "pyast_dump.py"))
CACHE_DIR = os.path.join(ROOT, "build", "diff")
EXCEPTIONS = os.path.join(HERE, "diff_exceptions.txt")
CHUNK = 100          # files per `debug ast` invocation
HEADER = re.compile(rb"^# (.*)\n", re.M)


def split_dump(data):
    """{path: body} from a dump of several files (bodies without header)."""
    parts = HEADER.split(data)
    out = {}
    for i in range(1, len(parts) - 1, 2):
        out[os.fsdecode(parts[i])] = parts[i + 1]
    return out


def read_exceptions(stdlib):
    """{absolute path: reason} from tests/diff_exceptions.txt."""
    out = {}
    if not os.path.exists(EXCEPTIONS):
        return out
    with open(EXCEPTIONS, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            path, _, reason = line.partition(" #")
            out[os.path.join(stdlib, path.strip())] = reason.strip()
    return out


def cache_key(files):
    h = hashlib.sha256()
    h.update(sys.version.encode())
    h.update(sys.executable.encode())
    with open(DUMP, "rb") as f:
        h.update(f.read())
    for p in files:
        try:
            st = os.stat(p)
            h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode(errors="surrogateescape"))
        except OSError:
            h.update(f"{p}\0missing\n".encode(errors="surrogateescape"))
    return h.hexdigest()[:20]


def write_list(path, files):
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write("".join(p + "\n" for p in files))


def reference_dump(files, jobs, use_cache):
    """CPython's dump of files, from the cache when it is still valid."""
    os.makedirs(CACHE_DIR, exist_ok=True)
    cache = None
    if use_cache:
        key = cache_key(files)
        cache = os.path.join(CACHE_DIR, f"ref-{key}.txt")
        if os.path.exists(cache):
            with open(cache, "rb") as f:
                return f.read(), "cached"
    t0 = time.time()
    n = max(1, min(jobs, len(files)))
    chunks = [files[i::n] for i in range(n)]     # interleaved: similar sizes
    procs = []
    for i, chunk in enumerate(chunks):
        lst = os.path.join(CACHE_DIR, f"reflist-{i}.txt")
        write_list(lst, chunk)
        out = open(os.path.join(CACHE_DIR, f"refpart-{i}.txt"), "wb")
        procs.append((subprocess.Popen([sys.executable, DUMP, "--list", lst],
                                       stdout=out), out))
    ok = True
    for p, out in procs:
        ok &= p.wait() == 0
        out.close()
    if not ok:
        sys.exit("diff_stdlib: pyast_dump.py failed")
    data = b""
    for i in range(n):
        part = os.path.join(CACHE_DIR, f"refpart-{i}.txt")
        with open(part, "rb") as f:
            data += f.read()
        os.remove(part)
        os.remove(os.path.join(CACHE_DIR, f"reflist-{i}.txt"))
    if cache:
        for old in os.listdir(CACHE_DIR):
            if old.startswith("ref-") and old.endswith(".txt"):
                os.remove(os.path.join(CACHE_DIR, old))
        with open(cache + ".tmp", "wb") as f:
            f.write(data)
        os.replace(cache + ".tmp", cache)
    return data, f"computed in {time.time() - t0:.1f}s"


def run_ours(files):
    """(exit status, stdout, stderr) of `debug ast` on files."""
    p = subprocess.run([BIN, "debug", "ast"] + files, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr


def describe_status(rc):
    if rc < 0:
        return f"killed by signal {-rc}"
    return f"exit status {rc}"


def ours_for_chunk(files):
    """{path: body or None} for one chunk; None marks a crash, with a note."""
    rc, out, err = run_ours(files)
    got = split_dump(out)
    if rc in (0, 1) and all(p in got for p in files):
        return got, {}
    # Something went wrong: run the missing (or all) files one at a time so
    # the failure lands on the file that caused it.
    notes = {}
    for p in files:
        if rc in (0, 1) and p in got:
            continue
        rc1, out1, err1 = run_ours([p])
        one = split_dump(out1)
        if rc1 in (0, 1) and p in one:
            got[p] = one[p]
        else:
            got[p] = None
            tail = err1.decode(errors="replace").strip().splitlines()[-3:]
            notes[p] = describe_status(rc1) + ("; stderr: " + " | ".join(tail) if tail else "")
    return got, notes


def first_difference(want, got, context=2, width=160):
    """A few lines around the first line where two dumps differ."""
    a = want.decode(errors="replace").split("\n")
    b = got.decode(errors="replace").split("\n")
    i = 0
    while i < len(a) and i < len(b) and a[i] == b[i]:
        i += 1
    lines = [f"    first difference at dump line {i + 2}:"]   # +1 header, +1 one-based
    for j in range(max(0, i - context), i):
        lines.append("      " + a[j][:width])
    lines.append("    - " + (a[i][:width] if i < len(a) else "<end of dump>") + "   (CPython)")
    lines.append("    + " + (b[i][:width] if i < len(b) else "<end of dump>") + "   (sessionlint)")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--details", type=int, default=20,
                    help="mismatches shown with their first differing lines")
    ap.add_argument("--list", help="file with one path a line")
    ap.add_argument("--ref", help="the reference dump, already made")
    ap.add_argument("paths", nargs="*")
    args = ap.parse_args()

    if not os.path.exists(DUMP):
        print(f"diff_stdlib: reference script not found: {DUMP}")
        print("0 passed, 1 failed, 0 skipped")
        return 1
    if not os.access(BIN, os.X_OK):
        print(f"diff_stdlib: {BIN} not built")
        print("0 passed, 1 failed, 0 skipped")
        return 1

    stdlib = stdlib_list.sysconfig.get_paths()["stdlib"]
    if args.list:
        with open(args.list, encoding="utf-8", errors="surrogateescape") as f:
            files = [l.rstrip("\n") for l in f if l.strip()]
    elif args.paths:
        files = []
        for p in args.paths:
            if os.path.isdir(p):
                for d, _, fs in os.walk(p):
                    files += [os.path.join(d, f) for f in fs if f.endswith(".py")]
            else:
                files.append(p)
        files.sort()
    else:
        files = stdlib_list.stdlib_files()
    use_cache = not (args.list or args.paths)
    exceptions = read_exceptions(stdlib)

    if args.ref:
        with open(args.ref, "rb") as f:
            ref_data, how = f.read(), "from " + args.ref
    else:
        ref_data, how = reference_dump(files, args.jobs, use_cache)
    ref = split_dump(ref_data)
    del ref_data
    who = "given" if args.ref else f"CPython {sys.version.split()[0]}"
    print(f"diff_stdlib: {len(files)} files; {who} reference {how}")

    t0 = time.time()
    chunks = [files[i:i + CHUNK] for i in range(0, len(files), CHUNK)]
    passed = identical = excepted = 0
    failed = []          # (path, description)
    unneeded = []        # exceptions that are identical now
    with cf.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for chunk, (got, notes) in zip(chunks, pool.map(ours_for_chunk, chunks)):
            for p in chunk:
                want, mine = ref.get(p), got.get(p)
                if want is None:
                    failed.append((p, "    no CPython dump (pyast_dump.py failed?)"))
                elif mine is None:
                    failed.append((p, "    sessionlint: " + notes.get(p, "no output")))
                elif want == mine:
                    passed += 1
                    identical += 1
                    if p in exceptions:
                        unneeded.append(p)
                elif p in exceptions:
                    passed += 1
                    excepted += 1
                else:
                    failed.append((p, first_difference(want, mine)))
    secs = time.time() - t0

    def show(p):
        return os.path.relpath(p, stdlib) if p.startswith(stdlib + os.sep) else p
    for i, (p, what) in enumerate(failed):
        if i < args.details:
            print(f"MISMATCH {show(p)}\n{what}")
        elif i < args.details + 100:
            print(f"MISMATCH {show(p)}")
        else:
            print(f"... and {len(failed) - i} more")
            break
    for p in unneeded:
        print(f"note: {show(p)} is identical now; "
              "drop it from tests/diff_exceptions.txt")
    if files and files[0].startswith(stdlib + os.sep):
        print(f"(paths relative to {stdlib})")
    print(f"diff_stdlib: {len(files)} compared, {identical} identical, "
          f"{excepted} allowed exceptions, {len(failed)} differ "
          f"(sessionlint {secs:.1f}s)")
    print(f"{passed} passed, {len(failed)} failed, 0 skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
