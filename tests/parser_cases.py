#!/usr/bin/env python3
"""Hand-written parser cases: tests/parser/*.py and tests/parser/errors/*.py.

usage: parser_cases.py [-v] [CASE.py...]

- tests/parser/NAME.py with NAME.expect: `sessionlint debug ast` must print
  the dump in NAME.expect.  These are for syntax newer than the machine's
  Python (3.12-3.14: PEP 695/696 type parameters, PEP 701 f-strings, PEP 750
  t-strings, PEP 758 except lists); the expectations are what CPython 3.14
  prints through tests/pyast_dump.py (tests/tools/py314.sh
  regenerates them where Node.js and Pyodide are available).
- tests/parser/NAME.py without .expect: the machine's CPython is the oracle
  (pyast_dump.py on the same file).
- tests/parser/errors/NAME.py: its first line says `# error: line N`; debug
  ast must print `error: line N`.  Unless a version follows (`# error: line
  N (3.14)`, meaning a newer CPython's verdict), the machine's CPython must
  agree too, which checks the case itself.

The `# path` header line is left out of every comparison.  Each case is one
test; ends with `N passed, N failed, 0 skipped`.
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BIN = os.environ.get("SESSIONLINT", os.path.join(ROOT, "build", "sessionlint"))
DUMP = os.environ.get("PYAST_DUMP", os.path.join(HERE, "pyast_dump.py"))
CASES = os.path.join(HERE, "parser")
ERROR_MARK = re.compile(rb"^#\s*error:\s*line\s+(\d+)\s*(?:\((\d+)\.(\d+)\+?\))?")


def body(out):
    """A dump without its `# path` header line."""
    if out.startswith(b"# "):
        nl = out.find(b"\n")
        out = out[nl + 1:] if nl >= 0 else b""
    return out


def ours(path):
    try:
        p = subprocess.run([BIN, "debug", "ast", path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
    except subprocess.TimeoutExpired:
        return None, "timed out"
    if p.returncode < 0 or p.returncode > 2:
        return None, f"exit {p.returncode}: {p.stderr.decode(errors='replace')[-300:]}"
    return body(p.stdout), None


def cpython(path):
    p = subprocess.run([sys.executable, DUMP, path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        return None
    return body(p.stdout)


def first_difference(want, got, width=160):
    a = want.decode(errors="replace").split("\n")
    b = got.decode(errors="replace").split("\n")
    i = 0
    while i < len(a) and i < len(b) and a[i] == b[i]:
        i += 1
    exp = a[i][:width] if i < len(a) else "<end>"
    act = b[i][:width] if i < len(b) else "<end>"
    return f"    dump line {i + 1}:\n    - {exp}   (expected)\n    + {act}   (sessionlint)"


def check_tree_case(path):
    """(ok, message) for a tests/parser/*.py case."""
    expect = path[:-3] + ".expect"
    if os.path.exists(expect):
        with open(expect, "rb") as f:
            want = body(f.read())
        source = "expect"
    else:
        want = cpython(path)
        source = "CPython " + sys.version.split()[0]
        if want is None:
            return False, "pyast_dump.py failed on the case"
    got, err = ours(path)
    if got is None:
        return False, "sessionlint: " + err
    if got == want:
        return True, ""
    return False, f"differs from {source}\n" + first_difference(want, got)


def check_error_case(path):
    with open(path, "rb") as f:
        first = f.readline()
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    m = ERROR_MARK.match(first)
    if not m:
        return False, "first line is not `# error: line N`"
    line = int(m.group(1))
    want = f"error: line {line}\n".encode()
    newer = m.group(2) and (int(m.group(2)), int(m.group(3))) > sys.version_info[:2]
    if not newer:
        ref = cpython(path)
        if ref != want:
            said = ref.decode(errors="replace").split("\n")[0] if ref else "nothing"
            return False, f"the case is wrong: CPython {sys.version.split()[0]} says {said!r}"
    got, err = ours(path)
    if got is None:
        return False, "sessionlint: " + err
    if got == want:
        return True, ""
    said = got.decode(errors="replace").split("\n")[0][:120]
    return False, f"want `error: line {line}`, sessionlint printed {said!r}"


def main(argv):
    verbose = "-v" in argv
    picked = [a for a in argv if a != "-v"]
    if not os.access(BIN, os.X_OK):
        print(f"parser_cases: {BIN} not built\n0 passed, 1 failed, 0 skipped")
        return 1
    if not os.path.exists(DUMP):
        print(f"parser_cases: reference script not found: {DUMP}")
        print("0 passed, 1 failed, 0 skipped")
        return 1
    tree = sorted(os.path.join(CASES, f) for f in os.listdir(CASES) if f.endswith(".py"))
    errdir = os.path.join(CASES, "errors")
    errs = sorted(os.path.join(errdir, f) for f in os.listdir(errdir) if f.endswith(".py"))
    if picked:
        want = {os.path.abspath(p) for p in picked}
        tree = [p for p in tree if p in want]
        errs = [p for p in errs if p in want]
    passed = failed = 0
    for check, paths in ((check_tree_case, tree), (check_error_case, errs)):
        for p in paths:
            ok, msg = check(p)
            rel = os.path.relpath(p, ROOT)
            if ok:
                passed += 1
                if verbose:
                    print(f"ok   {rel}")
            else:
                failed += 1
                print(f"FAIL {rel}: {msg}")
    print(f"parser_cases: {len(tree)} tree cases, {len(errs)} error cases")
    print(f"{passed} passed, {failed} failed, 0 skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
