#!/usr/bin/env python3
"""run.py - the fix tests: golden cases, and --fix, --diff and stdin as users run them.

Every tests/fix/CASE.py (but this script and corpus.py, the fix check on
real code that `make fixcheck` runs) is a case, and CASE.py.fixed is what
`sessionlint --fix` must make of it, byte for byte.  A line among the
first five

    # args: --unsafe-fixes

adds command-line arguments to every run of the case.  For each case, in a
temporary folder holding a copy of CASE.py alone:

  golden     --fix gives CASE.py.fixed, CPython parses it, nothing is
             reported as a bug of sessionlint
  again      a second --fix changes nothing
  diff       --diff on an untouched copy writes nothing, exits 1 exactly when
             there is something to fix, and its output applied with
             `patch -p1` (and `git apply`) gives CASE.py.fixed
  stdin      --fix --stdin-filename CASE.py - prints CASE.py.fixed
  crlf, bom  the case with CRLF line ends, or a UTF-8 BOM, gives the
             golden file with the same
  json       every fix of --format json is well formed, and (but for the
             rounds_* cases, which need a second analysis) applying the
             edits of the fixes that apply gives CASE.py.fixed
  sarif      the same with the SARIF `fixes`
  sarif-schema  the SARIF validates against tests/data/sarif-schema-2.1.0.json
             (or $SL_SARIF_SCHEMA) with python3-jsonschema; skipped without them

and once for all: every rule that has fixes has a case, exit codes of
--fix, --fix-only, --diff and --exit-non-zero-on-fix, the `[*]` marks and
the fixable summary of the text report, the file's mode kept and no
temporary file left, and fixes that do not parse or do not remove their
finding dropped as bugs (SESSIONLINT_TEST_BREAK_FIXES, a hook for this
test only).  `make regen-fix` is not a thing: golden files are written by
hand (or by the tool, then read line by line) and committed.

Usage: tests/fix/run.py [-v] [--bin PATH] [NAME-PREFIX ...]
The last line is `N passed, N failed, N skipped`; exit status 1 if any failed.
"""
import argparse
import ast
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCHEMA = os.environ.get("SL_SARIF_SCHEMA") or os.path.join(ROOT, "tests", "data",
                                                            "sarif-schema-2.1.0.json")
TIMEOUT = 120
ARGS = re.compile(r"^#\s*args:\s*(.*?)\s*$")
BUG = b"bug in sessionlint"
# the rules whose page promises a fix (rulepages.def FIX lines)
FIXABLE = {"SL101", "SL103", "SL104", "SL105", "SL106", "SL301", "SL401", "SL403"}
DEBIAN_PYTHON = "/usr/bin/python3"  # where Debian's python3-jsonschema lives

try:
    import jsonschema
except ImportError:
    jsonschema = None


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, msg, *args):
    if not cond:
        raise Fail(msg % args if args else msg)


class Suite:
    def __init__(self, binary):
        self.binary = binary
        self.tmp = tempfile.mkdtemp(prefix="sl-fix-")
        self.n = 0

    def folder(self, files):
        """A fresh folder holding files {name: bytes}."""
        self.n += 1
        d = os.path.join(self.tmp, "t%d" % self.n)
        os.makedirs(d)
        for name, data in files.items():
            path = os.path.join(d, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        return d

    def run(self, args, cwd, stdin=None, env=None):
        full = dict(os.environ)
        full.pop("NO_COLOR", None)
        full.update(env or {})
        try:
            return subprocess.run([self.binary] + args, cwd=cwd, input=stdin,
                                  capture_output=True, env=full, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise Fail("timed out: sessionlint %s" % " ".join(args))


def read(path):
    with open(path, "rb") as f:
        return f.read()


NOT_CASES = ("run.py", "corpus.py")  # the scripts: this one, and `make fixcheck`'s


def cases():
    return sorted(f for f in os.listdir(HERE) if f.endswith(".py") and f not in NOT_CASES)


def case_args(src):
    args = []
    for line in src.decode("utf-8", "replace").splitlines()[:5]:
        m = ARGS.match(line)
        if m:
            args += shlex.split(m.group(1))
    return args


def first_diff(a, b):
    """Where two byte strings start to differ, for messages."""
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            break
    else:
        i = min(len(a), len(b))
    line = a[:i].count(b"\n") + 1
    return "line %d: got %r, want %r" % (line, a[i:i + 40], b[i:i + 40])


def same(got, want, what):
    check(got == want, "%s differs from the golden file at %s", what, first_diff(got, want))


def no_bug(p, what):
    check(BUG not in p.stderr, "%s reported a bug: %s", what, p.stderr.decode(errors="replace"))


# ---- per case ----

def fix_in(suite, name, src, args, env=None):
    """(bytes after --fix, process) for src as the file name."""
    d = suite.folder({name: src})
    p = suite.run(["--fix"] + args + [name], d, env=env)
    return read(os.path.join(d, name)), p


def t_golden(suite, name, src, want, args):
    got, p = fix_in(suite, name, src, args)
    check(p.returncode in (0, 1), "--fix exit %d: %s", p.returncode, p.stderr.decode().strip())
    no_bug(p, "--fix")
    same(got, want, "--fix")
    try:
        ast.parse(got)
    except SyntaxError as e:
        raise Fail("the fixed file does not parse: line %s: %s" % (e.lineno, e.msg))


def t_again(suite, name, src, want, args):
    d = suite.folder({name: want})
    p = suite.run(["--fix"] + args + [name], d)
    no_bug(p, "a second --fix")
    same(read(os.path.join(d, name)), want, "a second --fix")


def apply_patch(suite, name, src, patch, tool):
    d = suite.folder({name: src})
    cmd = ["patch", "-p1", "--quiet", "--batch"] if tool == "patch" else ["git", "apply", "-p1", "-"]
    p = subprocess.run(cmd, cwd=d, input=patch, capture_output=True, timeout=TIMEOUT)
    check(p.returncode == 0, "%s failed: %s", tool, (p.stdout + p.stderr).decode(errors="replace"))
    return read(os.path.join(d, name))


def t_diff(suite, name, src, want, args):
    d = suite.folder({name: src})
    p = suite.run(["--diff"] + args + [name], d)
    no_bug(p, "--diff")
    check(read(os.path.join(d, name)) == src, "--diff wrote the file")
    check(p.returncode == (1 if want != src else 0), "--diff exit %d", p.returncode)
    if want == src:
        check(p.stdout == b"", "--diff printed a diff with nothing to fix: %r", p.stdout[:200])
        return
    check(p.stdout.startswith(b"--- a/%s\n+++ b/%s\n" % (name.encode(), name.encode())),
          "--diff header: %r", p.stdout[:80])
    tools = [t for t in ("patch", "git") if shutil.which(t)]
    check(tools, "neither patch nor git is installed")
    for tool in tools:
        same(apply_patch(suite, name, src, p.stdout, tool), want, "--diff applied with " + tool)


def t_stdin(suite, name, src, want, args):
    d = suite.folder({})
    p = suite.run(["--fix"] + args + ["--stdin-filename", name, "-"], d, stdin=src)
    no_bug(p, "--fix on standard input")
    same(p.stdout, want, "--fix --stdin-filename")
    check(p.returncode in (0, 1), "exit %d", p.returncode)
    check(os.listdir(d) == [], "stdin mode wrote files: %s", os.listdir(d))


def t_crlf(suite, name, src, want, args):
    got, p = fix_in(suite, name, src.replace(b"\n", b"\r\n"), args)
    no_bug(p, "--fix (CRLF)")
    same(got, want.replace(b"\n", b"\r\n"), "--fix on CRLF")


def t_bom(suite, name, src, want, args):
    got, p = fix_in(suite, name, b"\xef\xbb\xbf" + src, args)
    no_bug(p, "--fix (BOM)")
    same(got, b"\xef\xbb\xbf" + want, "--fix with a BOM")


def offsets(text):
    """Byte offset of each line start (1-based lines, and one past the end)."""
    starts = [0]
    for i, c in enumerate(text):
        if c == 0x0A:
            starts.append(i + 1)
    return starts


def to_offset(text, starts, line, col):
    """Byte offset of (line, code-point column), both 1-based."""
    i = starts[line - 1] if line - 1 < len(starts) else len(text)
    for _ in range(col - 1):
        i += 1
        while i < len(text) and (text[i] & 0xC0) == 0x80:
            i += 1
    return i


def apply_fixes(src, fixes):
    """src with the fixes' edits applied as fix_run's first round would:
    each fix whole or not at all, an edit identical to one already taken
    once, a fix overlapping one taken left out."""
    starts = offsets(src)
    taken = []  # (start, end, content)
    for edits in fixes:
        new = []
        for (l, c, el, ec, content) in edits:
            e = (to_offset(src, starts, l, c), to_offset(src, starts, el, ec), content)
            if e in taken:
                continue
            new.append(e)
        clash = any(s < t_e and t_s < e or s == t_s
                    for (s, e, _) in new for (t_s, t_e, _) in taken)
        if not clash:
            taken += new
    out = src
    for s, e, content in sorted(taken, reverse=True):
        out = out[:s] + content + out[e:]
    return out


def json_fixes(report, unsafe):
    out = []
    for f in report["findings"]:
        fx = f["fix"]
        if fx is None:
            continue
        check(fx["applicability"] in ("safe", "unsafe"), "applicability %r", fx["applicability"])
        check(isinstance(fx["message"], str) and fx["message"], "fix without a message")
        check(fx["edits"], "fix without edits")
        last = (0, 0)
        for e in fx["edits"]:
            check(set(e) == {"path", "line", "column", "end_line", "end_column", "content"},
                  "edit keys %s", sorted(e))
            check(e["path"] == f["path"], "edit path %s", e["path"])
            start, end = (e["line"], e["column"]), (e["end_line"], e["end_column"])
            check(last <= start <= end, "edits not sorted or inverted: %s", fx["edits"])
            last = end
        if fx["applicability"] == "safe" or unsafe:
            out.append([(e["line"], e["column"], e["end_line"], e["end_column"],
                         e["content"].encode()) for e in fx["edits"]])
    return out


def t_json(suite, name, src, want, args):
    d = suite.folder({name: src})
    p = suite.run(["--format", "json"] + args + [name], d)
    check(p.returncode in (0, 1), "exit %d", p.returncode)
    fixes = json_fixes(json.loads(p.stdout), "--unsafe-fixes" in args)
    if name.startswith("rounds_"):
        return
    same(apply_fixes(src, fixes), want, "the JSON edits applied")


_validator = None


def validator():
    global _validator
    if _validator is None:
        if jsonschema is None or not os.path.exists(SCHEMA):
            raise Skip("no SARIF schema or jsonschema")
        with open(SCHEMA, encoding="utf-8") as f:
            schema = json.load(f)
        _validator = jsonschema.validators.validator_for(schema)(schema)
    return _validator


def t_sarif(suite, name, src, want, args):
    d = suite.folder({name: src})
    p = suite.run(["--format", "sarif"] + args + [name], d)
    check(p.returncode in (0, 1), "exit %d", p.returncode)
    doc = json.loads(p.stdout)
    fixes = []
    for res in doc["runs"][0]["results"]:
        for fx in res.get("fixes", []):
            check(fx["properties"]["applicability"] in ("safe", "unsafe"), "properties %s",
                  fx.get("properties"))
            (change,) = fx["artifactChanges"]
            check(change["artifactLocation"]["uri"] == name, "uri %s", change["artifactLocation"])
            if fx["properties"]["applicability"] == "safe" or "--unsafe-fixes" in args:
                fixes.append([(r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"],
                               r["deletedRegion"]["endLine"], r["deletedRegion"]["endColumn"],
                               r["insertedContent"]["text"].encode())
                              for r in change["replacements"]])
    if not name.startswith("rounds_"):
        same(apply_fixes(src, fixes), want, "the SARIF replacements applied")


def t_sarif_schema(suite, name, src, want, args):
    check_schema = validator()
    d = suite.folder({name: src})
    doc = json.loads(suite.run(["--format", "sarif"] + args + [name], d).stdout)
    errors = list(check_schema.iter_errors(doc))
    check(not errors, "schema: %s", "; ".join(e.message[:200] for e in errors[:3]))


PER_CASE = [("golden", t_golden), ("again", t_again), ("diff", t_diff), ("stdin", t_stdin),
            ("crlf", t_crlf), ("bom", t_bom), ("json", t_json), ("sarif", t_sarif),
            ("sarif-schema", t_sarif_schema)]


# ---- once ----

LEAK = b"""from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql://localhost/app")
SessionLocal = sessionmaker(bind=engine)


def count():
    db = SessionLocal()
    n = db.execute(text("SELECT count(*) FROM users")).scalar()
    db.close()
    return n
"""
EARLY = b"""

def first():
    db = SessionLocal()
    for row in db.execute(text("SELECT id FROM users")):
        return row.id
    db.close()
"""
NEVER = b"""

def forever():
    db = SessionLocal()
    return db.execute(text("SELECT 1")).scalar()
"""


def t_coverage(suite):
    """Every rule with fixes has a case that shows one."""
    seen = set()
    for name in cases():
        src = read(os.path.join(HERE, name))
        d = suite.folder({name: src})
        p = suite.run(["--format", "json"] + case_args(src) + [name], d)
        seen |= {f["code"] for f in json.loads(p.stdout)["findings"] if f["fix"]}
    check(FIXABLE <= seen, "no fix case for %s", ", ".join(sorted(FIXABLE - seen)))


def t_exit_codes(suite):
    """Ruff's exit codes: --fix 1 while findings remain, --fix-only 0, --diff
    1 when there is something to fix, --exit-non-zero-on-fix 1 on a fix."""
    def status(files, args):
        d = suite.folder(files)
        return suite.run(args + ["."], d).returncode
    fixable, mixed = {"a.py": LEAK}, {"a.py": LEAK + NEVER}
    check(status(fixable, []) == 1, "a check with findings exits 1")
    check(status(fixable, ["--fix"]) == 0, "--fix that fixes everything exits 0")
    check(status(mixed, ["--fix"]) == 1, "--fix with findings left exits 1")
    check(status(mixed, ["--fix-only"]) == 0, "--fix-only exits 0")
    check(status(fixable, ["--fix", "--exit-non-zero-on-fix"]) == 1,
          "--exit-non-zero-on-fix after a fix exits 0")
    check(status(fixable, ["--fix-only", "--exit-non-zero-on-fix"]) == 1,
          "--fix-only --exit-non-zero-on-fix after a fix exits 0")
    check(status(fixable, ["--diff"]) == 1, "--diff with something to fix exits 0")
    check(status({"a.py": b"x = 1\n"}, ["--diff"]) == 0, "--diff with nothing to fix exits 1")
    check(status(mixed, ["--fix", "--exit-zero"]) == 0, "--exit-zero with --fix exits 1")
    check(status(fixable, ["--diff", "--exit-zero"]) == 0, "--exit-zero with --diff exits 1")
    d = suite.folder(fixable)
    p = suite.run(["--fix", "--write-baseline", "b.json", "."], d)
    check(p.returncode == 2, "--fix with --write-baseline: exit %d", p.returncode)


def t_text(suite):
    """[*] on fixable findings, Ruff's summary lines, the unsafe hint."""
    d = suite.folder({"a.py": LEAK + EARLY})
    out = suite.run(["."], d).stdout.decode()
    lines = out.splitlines()
    marked = [l for l in lines if re.match(r"^a\.py:\d+:\d+: SL\d{3} \[\*\] ", l)]
    check(len(marked) == 1, "one [*] finding expected: %s", out)
    check(lines[-1] == "[*] 1 fixable with the `--fix` option (1 hidden fix can be enabled "
                       "with the `--unsafe-fixes` option).", "summary: %r", lines[-2:])
    out = suite.run(["--unsafe-fixes", "."], d).stdout.decode().splitlines()
    check(out[-1] == "[*] 2 fixable with the `--fix` option.", "with --unsafe-fixes: %r", out[-1])
    p = suite.run(["--fix", "."], d)
    out = p.stdout.decode().splitlines()
    check(out[-2:] == ["Found 2 findings (1 fixed, 1 remaining).",
                       "No fixes available (1 hidden fix can be enabled with the "
                       "`--unsafe-fixes` option)."], "after --fix: %r", out[-2:])
    p = suite.run(["--fix-only", "--unsafe-fixes", "."], d)
    check(p.stdout == b"Fixed 1 finding.\n", "--fix-only: %r", p.stdout)


def t_file_kept(suite):
    """The fixed file keeps its mode; no temporary file is left beside it."""
    d = suite.folder({"a.py": LEAK, "b.py": b"x = 1\n"})
    path = os.path.join(d, "a.py")
    os.chmod(path, 0o640)
    p = suite.run(["--fix", "."], d)
    check(p.returncode == 0, "exit %d: %s", p.returncode, p.stderr.decode())
    check(stat.S_IMODE(os.stat(path).st_mode) == 0o640, "mode %o",
          stat.S_IMODE(os.stat(path).st_mode))
    check(sorted(os.listdir(d)) == ["a.py", "b.py"], "files left: %s", os.listdir(d))
    check(read(path) != LEAK, "a.py was not fixed")


def t_dropped(suite):
    """A fix that does not parse, or does not remove its finding, is
    reported as a bug and never written."""
    for how in ("parse", "keep"):
        d = suite.folder({"a.py": LEAK})
        p = suite.run(["--fix", "."], d, env={"SESSIONLINT_TEST_BREAK_FIXES": how})
        check(BUG in p.stderr, "%s: no bug reported: %s", how, p.stderr.decode())
        check(read(os.path.join(d, "a.py")) == LEAK, "%s: the file was written", how)
        check(p.returncode == 1, "%s: exit %d with its finding left", how, p.returncode)
        p = suite.run(["--diff", "."], d, env={"SESSIONLINT_TEST_BREAK_FIXES": how})
        check(p.stdout == b"" and p.returncode == 0, "%s: --diff showed a dropped fix", how)


def t_syntax_error(suite):
    """A file that does not parse gets no fixes."""
    d = suite.folder({"a.py": LEAK + b"\ndef broken(:\n"})
    p = suite.run(["--format", "json", "."], d)
    report = json.loads(p.stdout)
    check(report["findings"] and all(f["fix"] is None for f in report["findings"]),
          "fixes in a broken file: %s", report["findings"])


ONCE = [("coverage", t_coverage), ("exit-codes", t_exit_codes), ("text", t_text),
        ("file-kept", t_file_kept), ("dropped", t_dropped), ("syntax-error", t_syntax_error)]


def tests():
    found = []
    for name in cases():
        src = read(os.path.join(HERE, name))
        fixed = os.path.join(HERE, name + ".fixed")
        args = case_args(src)
        for what, fn in PER_CASE:
            def test(suite, fn=fn, name=name, src=src, fixed=fixed, args=args):
                check(os.path.exists(fixed), "%s.fixed is missing", name)
                fn(suite, name, src, read(fixed), args)
            found.append(("%s:%s" % (what, name), test))
    return found + ONCE


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--bin", default=os.environ.get("SESSIONLINT_BIN",
                                                    os.path.join("build", "sessionlint")))
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    if jsonschema is None and os.path.realpath(sys.executable) != os.path.realpath(
            DEBIAN_PYTHON) and os.access(DEBIAN_PYTHON, os.X_OK) and not os.environ.get(
            "SL_FIX_REEXEC"):
        probe = subprocess.run([DEBIAN_PYTHON, "-c", "import jsonschema"], capture_output=True)
        if probe.returncode == 0:  # Debian's python3-jsonschema is for Debian's Python
            os.environ["SL_FIX_REEXEC"] = "1"
            os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])
    binary = os.path.abspath(os.path.join(ROOT, args.bin))
    selected = [(n, t) for n, t in tests() if not args.names or any(n.startswith(p) for p in args.names)]
    if not os.access(binary, os.X_OK):
        print("run.py: %s is missing; run make first" % binary)
        print("0 passed, %d failed, 0 skipped" % max(len(selected), 1))
        return 1
    suite = Suite(binary)
    passed = failed = skipped = 0
    try:
        for name, test in selected:
            try:
                test(suite)
            except Skip as e:
                skipped += 1
                if args.verbose:
                    print("skip %s: %s" % (name, e))
                continue
            except Fail as e:
                failed += 1
                print("FAIL %s: %s" % (name, e))
                continue
            except Exception as e:  # a crash of the test is a failure, with its cause
                failed += 1
                print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
                continue
            passed += 1
            if args.verbose:
                print("ok   %s" % name)
    finally:
        shutil.rmtree(suite.tmp, ignore_errors=True)
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
