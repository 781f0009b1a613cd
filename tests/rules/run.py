#!/usr/bin/env python3
"""run.py - the rule tests: annotated Python files, one test each.

Every tests/rules/*.py except this script is a case file.  A finding is
expected on a line that ends with a comment

    db.close()  # expect: SL106
    conn = pool.getconn()  # expect: SL101, SL106

and every other line must produce none.  A code may be followed by a quoted
text that its finding's message must contain:

    db = SessionLocal()  # expect: SL103 "if the call on line 12 raises"

A file whose first line is

    # select: SL106

is checked with `--select SL106` added (SL106 is off by default), so only the
selected codes are reported in it.  A line among the first five

    # args: --fastapi-version 0.110

adds those command-line arguments (split as a shell would) to its run.

Each folder under tests/rules/projects/ is one case too: a small project
(packages, requirements.txt, pyproject.toml) analyzed in one run,

    build/sessionlint --format json [ARGS] tests/rules/projects/NAME

with the annotations of all its .py files compared at once; ARGS come from
an `args` file in the folder (one line), if there is one.  Projects check
what one file cannot show: names imported across modules, and the FastAPI
version read from the project's requirements.  For each file the script runs, from the
repository root,

    build/sessionlint --format json [--select CODES] [ARGS] tests/rules/FILE.py

compares the set of (line, code) findings with the set of annotations, and
prints each mismatch: a missing finding with the annotated source line, an
unexpected one with its message.  An annotation whose code is not in the
registry yet (not listed by `sessionlint rule`) is pending: it is shown in the
summary and neither passes nor fails, so that a case can record a finding of
a rule that is still to be written.  The expectations are written by hand and
never regenerated from the tool's output.

Usage: tests/rules/run.py [-v] [--bin PATH] [FILE ...]
The last line is `N passed, N failed, 0 skipped`; the exit status is 1 if any
failed.
"""
import argparse
import ast
import json
import os
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 60  # seconds per file: a hang is a failure, not a stuck suite

EXPECT = re.compile(r"#\s*expect:\s*(.*?)\s*$")
REQUIRES = re.compile(r"^# requires-python: (\d+\.\d+)\s*$", re.M)
SELECT = re.compile(r"^#\s*select:\s*(.*?)\s*$")
ARGS = re.compile(r"^#\s*args:\s*(.*?)\s*$")
CODE = re.compile(r"^SL\d{3}$")
ELEMENT = re.compile(r'^(\S+)(?:\s+"([^"]*)")?$')
SELECTOR = re.compile(r"^(ALL|SL\d{0,3})$")


def registered_codes(binary):
    """The codes `sessionlint rule` lists, or None if it cannot say."""
    try:
        out = subprocess.run([binary, "rule"], cwd=ROOT, capture_output=True,
                             text=True, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    codes = {line.split()[0] for line in out.stdout.splitlines() if line.strip()}
    return {c for c in codes if CODE.match(c)} or None


def read_case(path):
    """(selectors, [args], {(line, code)}, [problems], [source lines]) of a case."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.splitlines()
    problems = []
    select = []
    if lines:
        m = SELECT.match(lines[0])
        if m:
            select = [s.strip() for s in m.group(1).split(",") if s.strip()]
            bad = [s for s in select if not SELECTOR.match(s)]
            if not select or bad:
                problems.append("line 1: bad select line: %r" % lines[0])
    extra = []
    for line in lines[:5]:
        m = ARGS.match(line)
        if m:
            extra += shlex.split(m.group(1))
    expected = set()
    messages = {}
    for no, line in enumerate(lines, 1):
        m = EXPECT.search(line)
        if not m:
            continue
        for element in (e.strip() for e in m.group(1).split(",")):
            em = ELEMENT.match(element)
            c = em.group(1) if em else element
            if not em or not CODE.match(c):
                problems.append("line %d: bad annotation %r" % (no, m.group(0)))
                continue
            if (no, c) in expected:
                problems.append("line %d: %s annotated twice" % (no, c))
            expected.add((no, c))
            if em.group(2) is not None:
                messages[(no, c)] = em.group(2)
    has_sl000 = any(code == "SL000" for _, code in expected)
    needs = REQUIRES.search(text)  # `# requires-python: 3.12`: newer syntax than ours
    too_old = needs and sys.version_info[:2] < tuple(int(x) for x in needs.group(1).split("."))
    if not has_sl000 and not too_old:
        try:
            ast.parse(text, filename=path)
        except SyntaxError as e:
            problems.append("line %s: CPython does not parse this case: %s" % (e.lineno, e.msg))
    return select, extra, (expected, messages), problems, lines


def wrong_messages(messages, got):
    """[(key, wanted text, message)] of the findings whose message lacks its text."""
    return [(k, want, got[k]) for k, want in sorted(messages.items())
            if k in got and want not in got[k]]


def run_tool(binary, rel, select, extra):
    """(findings, error): the tool's findings for one file, or why not."""
    cmd = [binary, "--format", "json"]
    if select:
        cmd += ["--select", ",".join(select)]
    cmd += extra
    cmd.append(rel)
    try:
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                             timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, "timed out after %ds" % TIMEOUT
    except OSError as e:
        return None, "cannot run %s: %s" % (binary, e)
    if out.returncode not in (0, 1):
        err = out.stderr.strip().splitlines()
        return None, "exit status %d%s" % (out.returncode, (": " + err[-1]) if err else "")
    try:
        report = json.loads(out.stdout)
    except ValueError as e:
        return None, "output is not JSON: %s" % e
    if report.get("errors"):
        return None, "errors: %s" % report["errors"]
    findings = report.get("findings")
    if not isinstance(findings, list):
        return None, "no findings list in the JSON output"
    return findings, None


def check_project(binary, folder, known, verbose):
    """Runs one project folder; prints its mismatches.  (ok, pending count)."""
    rel = os.path.relpath(folder, ROOT)
    extra = []
    if os.path.exists(os.path.join(folder, "args")):
        with open(os.path.join(folder, "args"), encoding="utf-8") as f:
            extra = shlex.split(f.read())
    expected, problems, sources, messages = set(), [], {}, {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            path = os.path.join(dirpath, name)
            frel = os.path.normpath(os.path.relpath(path, ROOT))
            _, _, (exp, msgs), probs, lines = read_case(path)
            sources[frel] = lines
            expected |= {(frel, l, c) for l, c in exp}
            messages.update({(frel, l, c): t for (l, c), t in msgs.items()})
            problems += ["%s: %s" % (frel, p) for p in probs]
    pending = {e for e in expected if known is not None and e[2] not in known}
    expected -= pending
    for p in problems:
        print(p)
    findings, err = run_tool(binary, rel, [], extra)
    if err:
        print("%s: %s" % (rel, err))
        return False, len(pending)
    got = {}
    for f in findings:
        key = (os.path.normpath(f.get("path", "")), f.get("line"), f.get("code"))
        got.setdefault(key, f.get("message", ""))
    missing = sorted(expected - got.keys())
    unexpected = sorted(set(got) - expected, key=lambda k: (k[0], k[1] or 0, k[2] or ""))
    for frel, line, code in missing:
        lines = sources.get(frel, [])
        src = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        print("%s:%d: missing %s    | %s" % (frel, line, code, src))
    for frel, line, code in unexpected:
        print("%s:%s: unexpected %s: %s" % (frel, line, code, got[(frel, line, code)]))
    wrong = wrong_messages(messages, got)
    for (frel, line, code), want, message in wrong:
        print("%s:%d: %s message lacks %r: %s" % (frel, line, code, want, message))
    ok = not problems and not missing and not unexpected and not wrong
    if verbose or not ok:
        print("%s %s (%d expected, %d found%s)" % (
            "ok  " if ok else "FAIL", rel, len(expected), len(got),
            ", %d pending" % len(pending) if pending else ""))
    return ok, len(pending)


def check_file(binary, path, known, verbose):
    """Runs one case; prints its mismatches.  (ok, pending count)."""
    rel = os.path.relpath(path, ROOT)
    select, extra, (expected, messages), problems, lines = read_case(path)
    pending = {(l, c) for l, c in expected if known is not None and c not in known}
    expected -= pending
    for p in problems:
        print("%s: %s" % (rel, p))
    findings, err = run_tool(binary, rel, select, extra)
    if err:
        print("%s: %s" % (rel, err))
        return False, len(pending)
    got = {}
    for f in findings:
        if os.path.normpath(f.get("path", rel)) != os.path.normpath(rel):
            continue
        got.setdefault((f.get("line"), f.get("code")), f.get("message", ""))
    missing = sorted(expected - got.keys())
    unexpected = sorted(set(got) - expected, key=lambda k: (k[0] or 0, k[1] or ""))
    for line, code in missing:
        src = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        print("%s:%d: missing %s    | %s" % (rel, line, code, src))
    for line, code in unexpected:
        print("%s:%s: unexpected %s: %s" % (rel, line, code, got[(line, code)]))
    wrong = wrong_messages(messages, got)
    for (line, code), want, message in wrong:
        print("%s:%d: %s message lacks %r: %s" % (rel, line, code, want, message))
    ok = not problems and not missing and not unexpected and not wrong
    if verbose or not ok:
        print("%s %s (%d expected, %d found%s)" % (
            "ok  " if ok else "FAIL", rel, len(expected), len(got),
            ", %d pending" % len(pending) if pending else ""))
    return ok, len(pending)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-v", "--verbose", action="store_true", help="list passing files too")
    ap.add_argument("--bin", default=os.path.join("build", "sessionlint"),
                    help="the binary, relative to the repository root (default: build/sessionlint)")
    ap.add_argument("files", nargs="*", help="case files (default: every tests/rules/*.py)")
    args = ap.parse_args()
    binary = args.bin if os.path.isabs(args.bin) else os.path.join(ROOT, args.bin)
    if args.files:
        files = [os.path.abspath(f) for f in args.files]
    else:
        files = sorted(os.path.join(HERE, f) for f in os.listdir(HERE)
                       if f.endswith(".py") and f != os.path.basename(__file__))
        projects = os.path.join(HERE, "projects")
        if os.path.isdir(projects):
            files += sorted(os.path.join(projects, d) for d in os.listdir(projects)
                            if os.path.isdir(os.path.join(projects, d)))
    if not os.access(binary, os.X_OK):
        print("run.py: %s is missing; run make first" % os.path.relpath(binary, ROOT))
        print("0 passed, %d failed, 0 skipped" % max(len(files), 1))
        return 1
    known = registered_codes(binary)
    passed = failed = pending = 0
    for path in files:
        if os.path.isdir(path):
            ok, p = check_project(binary, path, known, args.verbose)
        else:
            ok, p = check_file(binary, path, known, args.verbose)
        pending += p
        if ok:
            passed += 1
        else:
            failed += 1
    if pending:
        print("(%d expectations pending: their rules are not in the registry yet)" % pending)
    print("%d passed, %d failed, 0 skipped" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
