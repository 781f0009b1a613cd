#!/usr/bin/env python3
"""run.py - the integration suite: sessionlint where teams run it.

Each test runs the built binary as a user or a tool would and checks what
comes out:

  sarif:*        the SARIF of every tests/rules/*.py case and of examples/
                 agrees with the JSON output: rules, levels, regions, code
                 flows, fingerprints
  sarif-schema   those reports (and sarif-bytes-and-errors') validate against
                 the official JSON schema, tests/data/sarif-schema-2.1.0.json
                 (python3-jsonschema)
  sarif-multitool  the same reports pass Microsoft's SARIF Multitool
                 (`Sarif.Multitool validate`): no error, and no warning but
                 those MULTITOOL_KEPT lists with the reason they stay
  fingerprints   unchanged when unrelated lines are inserted above findings
  github         workflow commands, their levels and escaping
  options        --output, --color with NO_COLOR on a terminal, --statistics,
                 --exit-zero, --quiet, --version, --help, --stdin-filename
  baseline       written, survives moved lines, reports a new finding,
                 rejects a malformed file
  install        make install DESTDIR=... PREFIX=/usr, the man page renders
                 without warnings, make uninstall
  documented-setups  docs/github-actions.yml and .pre-commit-hooks.yaml
  pre-commit     the real pre-commit runs .pre-commit-hooks.yaml's hooks in a
                 temporary git repository: the commit is refused on a file
                 with a finding and accepted after the fix (offline: the hook
                 repository is a local copy of this checkout)

A test whose tool is missing here (python3-jsonschema, the Multitool, groff,
man, git, pre-commit, PyYAML) is skipped, and says so: `skip NAME: TOOL not
installed (Debian: PACKAGE)`.  .ci/run installs them all and fails if
anything was skipped.  The Multitool is looked for in $SARIF_MULTITOOL,
build/tools/ (where .ci/run puts it with `npm install --prefix build/tools
@microsoft/sarif-multitool-linux`), then on PATH.

Usage: tests/integration/run.py [-v] [--bin PATH] [NAME-PREFIX ...]
The binary is build/sessionlint unless --bin or $SESSIONLINT_BIN says
otherwise.  The last line is `N passed, N failed, N skipped`; exit status 1
if any failed.
"""
import argparse
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCHEMA = os.path.join(ROOT, "tests", "data", "sarif-schema-2.1.0.json")  # see tests/data/README.md
TIMEOUT = 120  # seconds for one run of the tool
DEBIAN_PYTHON = "/usr/bin/python3"  # where Debian's python3-jsonschema is importable

try:
    import jsonschema
except ImportError:
    jsonschema = None

SELECT = re.compile(r"^#\s*select:\s*(.*?)\s*$")
ARGS = re.compile(r"^#\s*args:\s*(.*?)\s*$")
FINGERPRINT = re.compile(r"^[0-9a-f]{16}$")
# The outer make's variables (its jobserver), not meant for the makes the
# tests start.
MAKE_VARS = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")

# A module whose session leaks when the query raises (SL103 on the
# `db = SessionLocal()` line), and the same function fixed.
DB_MODULE = """\
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql://localhost/app")
SessionLocal = sessionmaker(bind=engine)
"""
LEAK = """\
def count_{name}():
    db = SessionLocal()
    n = db.execute(text("SELECT count(*) FROM {name}")).scalar()
    db.close()
    return n
"""
FIXED = """\
def count_{name}():
    db = SessionLocal()
    try:
        return db.execute(text("SELECT count(*) FROM {name}")).scalar()
    finally:
        db.close()
"""
HEADER = "from sqlalchemy import text\n\nfrom .db import SessionLocal\n\n\n"


class Fail(Exception):
    """A failed check, with the reason."""


class Skip(Exception):
    """A test that cannot run here: the tool it needs is missing."""

    def __init__(self, tool, package, how=None):
        super().__init__(tool)
        self.tool = tool
        self.package = package  # the Debian package with the tool
        self.how = how          # another way to get it, if any

    def describe(self, name):
        what = "not installed" if name == self.tool else "%s not installed" % self.tool
        how = ", then " + self.how if self.how else ""
        return "%s (Debian: %s%s)" % (what, self.package, how)


def need(cond, tool, package, how=None):
    if not cond:
        raise Skip(tool, package, how)


def check(cond, msg, *args):
    if not cond:
        raise Fail(msg % args if args else msg)


class Suite:
    def __init__(self, binary, verbose):
        self.binary = binary
        self.verbose = verbose
        self.tmp = tempfile.mkdtemp(prefix="sl-integration-")
        self._rules = None
        self._sarif = {}  # label -> (file holding the report, its JSON report or None)

    # ---- running the tool ----

    def run(self, args, cwd=ROOT, stdin=None, env=None, timeout=TIMEOUT):
        """The tool's CompletedProcess (bytes), run with args in cwd."""
        full = dict(os.environ)
        full.pop("NO_COLOR", None)
        full.update(env or {})
        try:
            return subprocess.run([self.binary] + args, cwd=cwd, input=stdin,
                                  capture_output=True, env=full, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Fail("timed out: sessionlint %s" % " ".join(args))

    def json_report(self, args, cwd=ROOT, stdin=None, codes=(0, 1)):
        p = self.run(["--format", "json"] + args, cwd=cwd, stdin=stdin)
        check(p.returncode in codes, "exit %d from --format json %s: %s", p.returncode,
              " ".join(args), p.stderr.decode(errors="replace").strip())
        return json.loads(p.stdout.decode("utf-8"))

    def rules(self):
        """[(code, severity, on)] as `sessionlint rule` lists them."""
        if self._rules is None:
            p = self.run(["rule"])
            check(p.returncode == 0, "sessionlint rule failed")
            self._rules = []
            for line in p.stdout.decode().splitlines():
                f = line.split()
                if len(f) >= 4 and re.match(r"^SL\d{3}$", f[0]):
                    self._rules.append((f[0], f[2], f[3] == "on"))
        return self._rules

    def sarif(self, label, args, make_project=None, codes=(0, 1)):
        """The SARIF report of one of SARIF_RUNS, run once and kept in a
        file: (the file, the bytes, the folder it ran in)."""
        if label not in self._sarif:
            cwd = make_project(self) if make_project else ROOT
            p = self.run(["--format", "sarif"] + args, cwd=cwd)
            check(p.returncode in codes, "exit %d from --format sarif %s: %s", p.returncode,
                  " ".join(args), p.stderr.decode(errors="replace").strip())
            folder = os.path.join(self.tmp, "sarif")
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, "%03d.sarif" % len(self._sarif))
            with open(path, "wb") as f:
                f.write(p.stdout)
            self._sarif[label] = (path, p.stdout, cwd)
        return self._sarif[label]

    def project(self, name, files):
        """A fresh folder under the suite's temporary folder with files
        {relative path: text or bytes}; returns its path."""
        root = os.path.join(self.tmp, name)
        shutil.rmtree(root, ignore_errors=True)
        for rel, text in files.items():
            path = os.path.join(root, rel) if isinstance(rel, str) else os.path.join(
                os.fsencode(root), rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(text.encode() if isinstance(text, str) else text)
        return root


# ---- SARIF ----

def load_schema():
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


# Where .ci/run installs the Multitool (npm install --prefix build/tools).
MULTITOOL_LOCAL = os.path.join(ROOT, "build", "tools", "node_modules", "@microsoft",
                               "sarif-multitool-linux", "Sarif.Multitool")
MULTITOOL_NPM = "npm install --prefix build/tools @microsoft/sarif-multitool-linux"
# The Multitool's warnings that stay, by rule id and message id, each with
# the reason.  Anything else it says at warning or error level fails.
# (SARIF2004 Warning_EliminateLocationOnlyArtifacts was fixed: no
# run.artifacts.)
MULTITOOL_KEPT = {
}


def uri_to_path(loc):
    """The path an artifactLocation names, as the JSON output prints it."""
    uri = loc["uri"]
    if loc.get("uriBaseId") == "%SRCROOT%":
        check(not uri.startswith("/") and ":" not in uri.split("/")[0],
              "relative uri looks absolute: %s", uri)
        raw = urllib.parse.unquote_to_bytes(uri)
    else:
        check(uri.startswith("file:///"), "absolute uri is not file://: %s", uri)
        raw = urllib.parse.unquote_to_bytes(uri[len("file://"):])
    check(all(0x20 < c < 0x7F for c in uri.encode()), "uri not percent-encoded: %r", uri)
    return raw.decode("utf-8", errors="replace")


def check_sarif(suite, text, report):
    """Checks SARIF text against the JSON report of the same run (the schema
    and the Multitool have their own tests, sarif-schema and
    sarif-multitool)."""
    doc = json.loads(text.decode("utf-8"))  # strict UTF-8, strict JSON
    check(len(doc["runs"]) == 1, "%d runs", len(doc["runs"]))
    run = doc["runs"][0]
    check(run.get("columnKind") == "unicodeCodePoints", "columnKind is %r", run.get("columnKind"))
    driver = run["tool"]["driver"]
    version = suite.run(["--version"]).stdout.decode().split()[-1]
    check(driver["name"] == "sessionlint" and driver["version"] == version,
          "driver %s %s", driver["name"], driver.get("version"))
    check(driver.get("informationUri", "").startswith("https://"), "no informationUri")
    rules = driver["rules"]
    listed = suite.rules()
    check([r["id"] for r in rules] == [c for c, _, _ in listed],
          "driver rules %s, `sessionlint rule` lists %s", [r["id"] for r in rules],
          [c for c, _, _ in listed])
    for r, (code, sev, on) in zip(rules, listed):
        conf = r["defaultConfiguration"]
        check(conf["level"] == sev and conf["enabled"] == on,
              "%s: defaultConfiguration %s, rule list says %s %s", code, conf, sev, on)
        check(r["name"] and r["shortDescription"]["text"] and r["fullDescription"]["text"],
              "%s: no name or descriptions", code)
        check("Bad:" in r["help"]["text"] and "```python" in r["help"]["markdown"],
              "%s: help without its examples", code)
    findings = report["findings"]
    results = run["results"]
    check(len(results) == len(findings), "%d results, %d JSON findings", len(results),
          len(findings))
    check("artifacts" not in run, "run.artifacts is back (SARIF2004: it only repeats URIs)")
    prints = set()
    for res, f in zip(results, findings):
        where = "%s:%s %s" % (f["path"], f["line"], f["code"])
        check(res["ruleId"] == f["code"] and rules[res["ruleIndex"]]["id"] == f["code"],
              "%s: ruleId %s, ruleIndex %s", where, res["ruleId"], res.get("ruleIndex"))
        check(res["level"] == f["severity"], "%s: level %s", where, res["level"])
        check(res["message"]["text"] == f["message"], "%s: message differs", where)
        phys = res["locations"][0]["physicalLocation"]
        check(uri_to_path(phys["artifactLocation"]) == f["path"], "%s: uri %s", where,
              phys["artifactLocation"]["uri"])
        check("index" not in phys["artifactLocation"], "%s: an artifact index", where)
        reg = phys["region"]
        got = (reg["startLine"], reg["startColumn"], reg["endLine"], reg["endColumn"])
        want = (f["line"], f["column"], f["end_line"], f["end_column"])
        check(got == want, "%s: region %s, JSON says %s", where, got, want)
        fp = res["partialFingerprints"]["sessionlint/v1"]
        check(FINGERPRINT.match(fp), "%s: fingerprint %r", where, fp)
        check(fp not in prints, "%s: fingerprint %s repeated", where, fp)
        prints.add(fp)
        flows = res.get("codeFlows")
        steps = flows[0]["threadFlows"][0]["locations"] if flows else []
        check(len(steps) == len(f["trace"]), "%s: %d flow steps, trace has %d", where,
              len(steps), len(f["trace"]))
        for st, tr in zip(steps, f["trace"]):
            loc = st["location"]
            reg = loc["physicalLocation"]["region"]
            check((uri_to_path(loc["physicalLocation"]["artifactLocation"]), reg["startLine"],
                   reg["startColumn"], loc["message"]["text"]) ==
                  (tr["path"], tr["line"], tr["column"], tr["note"]),
                  "%s: flow step %s differs from trace %s", where, st, tr)
    inv = run["invocations"][0]
    check(inv["executionSuccessful"] == (not report["errors"]), "executionSuccessful %s",
          inv["executionSuccessful"])
    notes = inv.get("toolExecutionNotifications", [])
    check(len(notes) == len(report["errors"]), "%d notifications, %d errors", len(notes),
          len(report["errors"]))
    return doc


def case_args(path):
    """The --select and extra arguments a rule case asks for."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()[:5]
    args = []
    if lines:
        m = SELECT.match(lines[0])
        if m:
            args += ["--select", m.group(1).replace(" ", "")]
    for line in lines:
        m = ARGS.match(line)
        if m:
            args += m.group(1).split()
    return args


def bytes_project(suite):
    """Odd bytes in paths and sources (the report of sarif-bytes-and-errors)."""
    return suite.project("sarif-bytes", {
        "we ird %#?:x.py": "def f(:\n",
        b"caf\xe9.py": b"x = (\x01\n",
        "bad_coding.py": b"# -*- coding: ascii -*-\nx = '\xff\xfe'\n",
        "ctl.py": "s = 1\n\x0c\x1b = 2\n",
    })


BYTES_ARGS = [".", "missing-folder"]  # an unreadable path: exit 2, a notification


def sarif_runs():
    """(label, args, project maker or None for the checkout, exit codes) of
    every SARIF report that sarif-schema and sarif-multitool validate: each
    rule case with its own --select and arguments, examples/, and the odd
    bytes."""
    runs = []
    cases = sorted(f for f in os.listdir(os.path.join(ROOT, "tests", "rules"))
                   if f.endswith(".py") and f != "run.py")
    for f in cases:
        rel = os.path.join("tests", "rules", f)
        runs.append(("sarif:" + rel, case_args(os.path.join(ROOT, rel)) + [rel], None, (0, 1)))
    runs.append(("sarif:examples", ["examples"], None, (0, 1)))
    runs.append(("sarif-bytes-and-errors", BYTES_ARGS, bytes_project, (2,)))
    return runs


def sarif_test(label, args):
    def test(suite):
        _, text, _ = suite.sarif(label, args)
        check_sarif(suite, text, suite.json_report(args))
    return test


def test_sarif_errors(suite):
    """Odd bytes in paths and sources, and an unreadable path: strict JSON,
    percent-encoded URIs, notifications for the error."""
    _, text, root = suite.sarif("sarif-bytes-and-errors", BYTES_ARGS, bytes_project, codes=(2,))
    report = suite.json_report(BYTES_ARGS, cwd=root, codes=(2,))
    check(report["errors"] and len(report["findings"]) >= 3, "expected errors and findings: %s",
          report)
    doc = check_sarif(suite, text, report)
    note = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]
    check(uri_to_path(note["locations"][0]["physicalLocation"]["artifactLocation"]) ==
          "missing-folder", "notification location %s", note)


def all_sarif(suite):
    """{file: label} of every report of sarif_runs()."""
    return {suite.sarif(label, args, make, codes)[0]: label
            for label, args, make, codes in sarif_runs()}


def test_sarif_schema(suite):
    """Every report validates against the official SARIF 2.1.0 schema."""
    need(jsonschema is not None, "python3-jsonschema", "python3-jsonschema")
    validator = load_schema()
    bad = []
    for path, label in all_sarif(suite).items():
        with open(path, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        bad += ["%s: %s at %s" % (label, e.message[:200], "/".join(map(str, e.path)))
                for e in errors[:3]]
    check(not bad, "schema:\n  %s", "\n  ".join(bad[:20]))


def find_multitool():
    """The Multitool's command, or None."""
    for exe in (os.environ.get("SARIF_MULTITOOL"), MULTITOOL_LOCAL,
                shutil.which("Sarif.Multitool"), shutil.which("sarif-multitool-linux")):
        if exe and os.path.isfile(exe) and os.access(exe, os.X_OK):
            return exe
    return None


def multitool_messages(log):
    """[(level, rule id, message id, text, uri, line)] of the Multitool's own
    SARIF log: its results, then its notifications."""
    out = []
    for run in log.get("runs", []):
        rules = run.get("tool", {}).get("driver", {}).get("rules", [])
        by_id = {r["id"]: r for r in rules}
        for res in run.get("results", []):
            rule = (rules[res["ruleIndex"]] if 0 <= res.get("ruleIndex", -1) < len(rules)
                    else by_id.get(res.get("ruleId"), {}))
            level = (res.get("level") or rule.get("defaultConfiguration", {}).get("level")
                     or "warning")
            msg = res.get("message", {})
            text = msg.get("text")
            if text is None:
                text = rule.get("messageStrings", {}).get(msg.get("id"), {}).get("text", "")
                for i, arg in enumerate(msg.get("arguments", [])):
                    text = text.replace("{%d}" % i, arg)
            phys = (res.get("locations") or [{}])[0].get("physicalLocation", {})
            out.append((level, res.get("ruleId"), msg.get("id"), text,
                        phys.get("artifactLocation", {}).get("uri", ""),
                        phys.get("region", {}).get("startLine")))
        for inv in run.get("invocations", []):
            for note in (inv.get("toolExecutionNotifications", []) +
                         inv.get("toolConfigurationNotifications", [])):
                out.append((note.get("level", "warning"), note.get("descriptor", {}).get("id"),
                            None, note.get("message", {}).get("text", ""), "", None))
            if inv.get("executionSuccessful") is False:
                out.append(("error", None, None, "executionSuccessful is false", "", None))
    return out


def run_multitool(exe, files, out):
    """`Sarif.Multitool validate` on files, every level (notes too): its
    messages, or a Fail with what it printed."""
    env = dict(os.environ, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="1",
               DOTNET_CLI_TELEMETRY_OPTOUT="1")
    try:
        p = subprocess.run([exe, "validate"] + files +
                           ["--output", out, "--log", "ForceOverwrite",
                            "--level", "Error;Warning;Note"],
                           capture_output=True, env=env, timeout=900)
    except subprocess.TimeoutExpired:
        raise Fail("Sarif.Multitool validate timed out")
    said = (p.stdout + p.stderr).decode(errors="replace").strip()
    check(p.returncode == 0 and os.path.exists(out), "Sarif.Multitool validate: exit %d: %s",
          p.returncode, said[-2000:])
    with open(out, encoding="utf-8-sig") as f:
        return multitool_messages(json.load(f))


def uri_file(uri):
    return urllib.parse.unquote(uri[len("file://"):]) if uri.startswith("file://") else uri


def test_sarif_multitool(suite):
    """Every report passes Microsoft's SARIF Multitool: no error, and every
    warning is one MULTITOOL_KEPT lists.  The Multitool says nothing at all,
    exit 0, about a log it cannot deserialize (and then about every other
    log of the same run), so each file must get at least one message (its
    notes: no versionControlProvenance, ...), or the test fails."""
    exe = find_multitool()
    need(exe, "SARIF Multitool", "npm", MULTITOOL_NPM)
    files = all_sarif(suite)
    msgs = run_multitool(exe, sorted(files), os.path.join(suite.tmp, "multitool.sarif"))
    bad = []
    heard = set()
    for level, rule, mid, text, uri, line in msgs:
        heard.add(uri_file(uri))
        if level not in ("error", "warning") or (rule, mid) in MULTITOOL_KEPT:
            continue
        where = files.get(uri_file(uri), uri)
        bad.append("%s %s%s: %s%s: %s" % (level, rule, "/" + mid if mid else "", where,
                                          ":%s" % line if line else "", text[:300]))
    check(not bad, "%d problem(s):\n  %s", len(bad), "\n  ".join(bad[:20]))
    silent = sorted(f for f in files if f not in heard)
    if silent:
        # Which of them the Multitool cannot read on its own.
        unread = [files[f] for f in silent
                  if not run_multitool(exe, [f], os.path.join(suite.tmp, "multitool-1.sarif"))]
        check(False, "the Multitool read nothing of %d report(s); on their own it cannot "
              "read: %s", len(silent), ", ".join(unread) or "(none: another log silenced them)")


def test_sarif_deterministic(suite):
    """The same bytes for any --jobs."""
    outs = [suite.run(["--format", "sarif", "-j", j, "tests/rules", "examples"]).stdout
            for j in ("1", "3")]
    check(outs[0] == outs[1], "SARIF differs between -j1 and -j3")


# ---- fingerprints ----

def leaky_project(suite, name, funcs, above=""):
    return suite.project(name, {
        "app/__init__.py": "",
        "app/db.py": DB_MODULE,
        "app/jobs.py": HEADER + above + "\n\n".join(LEAK.format(name=n) for n in funcs),
    })


def sarif_prints(suite, root):
    p = suite.run(["--format", "sarif", "."], cwd=root)
    check(p.returncode == 1, "exit %d, expected findings", p.returncode)
    results = json.loads(p.stdout)["runs"][0]["results"]
    return [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"],
             r["partialFingerprints"]["sessionlint/v1"]) for r in results]


def test_fingerprints_stable(suite):
    """Lines inserted above findings move them, not their fingerprints; two
    identical flagged lines get different ones."""
    before = sarif_prints(suite, leaky_project(suite, "fp", ["users", "users"]))
    check(len(before) == 2 and all(r[0] == "SL103" for r in before),
          "expected two SL103 findings: %s", before)
    check(before[0][3] != before[1][3], "identical lines share a fingerprint")
    moved = "import os\n\n# an unrelated comment\nLIMIT = 10\n\n\n"
    after = sarif_prints(suite, leaky_project(suite, "fp", ["users", "users"], above=moved))
    check([r[3] for r in after] == [r[3] for r in before],
          "fingerprints changed: %s -> %s", before, after)
    check([r[2] for r in after] == [r[2] + 6 for r in before], "lines did not move: %s -> %s",
          before, after)
    other = sarif_prints(suite, leaky_project(suite, "fp", ["users", "orders"]))
    check(other[0][3] == before[0][3], "an edit below the first finding changed it")


# ---- GitHub workflow commands ----

GITHUB_LINE = re.compile(r"^::(error|warning|notice) file=([^,:]*),line=(\d+),col=(\d+),"
                         r"endLine=(\d+),endColumn=(\d+),title=(SL\d{3}) ([a-z-]+)::(.*)$")


def test_github(suite):
    """One command a finding, the level by severity, properties escaped."""
    root = suite.project("github", {
        "app/__init__.py": "",
        "app/db.py": DB_MODULE,
        "app/jobs.py": HEADER + LEAK.format(name="users"),
        "we,ird:dir%/broken.py": "def f(:\n",
    })
    p = suite.run(["--format", "github", "."], cwd=root)
    check(p.returncode == 1, "exit %d", p.returncode)
    report = suite.json_report(["."], cwd=root)
    lines = p.stdout.decode().splitlines()
    check(len(lines) == len(report["findings"]) == 2, "%d lines for %d findings: %s",
          len(lines), len(report["findings"]), lines)
    level = {"error": "error", "warning": "warning", "note": "notice"}
    for line, f in zip(lines, report["findings"]):
        m = GITHUB_LINE.match(line)
        check(m, "not a workflow command: %s", line)
        path = f["path"].replace("%", "%25").replace(",", "%2C").replace(":", "%3A")
        check(m.group(1) == level[f["severity"]], "level %s for %s", m.group(1), f["severity"])
        check(m.group(2) == path, "file=%s for %s", m.group(2), f["path"])
        check(tuple(map(int, m.group(3, 4, 5, 6))) ==
              (f["line"], f["column"], f["end_line"], f["end_column"]), "position in %s", line)
        check(m.group(7) == f["code"] and m.group(8) == f["name"], "title in %s", line)
        check(m.group(9).startswith(f["message"].replace("%", "%25")), "message in %s", line)
        check(len(f["trace"]) == m.group(9).count("%0A"), "trace steps in %s", line)


# ---- options ----

def on_terminal(suite, args, cwd, env):
    """What the tool writes to a pseudo-terminal."""
    full = dict(os.environ, TERM="xterm")
    full.pop("NO_COLOR", None)
    full.update(env)
    master, slave = pty.openpty()
    p = subprocess.Popen([suite.binary] + args, cwd=cwd, stdout=slave,
                         stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=full)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    p.wait(timeout=TIMEOUT)
    os.close(master)
    return out


def test_color(suite):
    """auto: colored on a terminal unless NO_COLOR; always and never win."""
    root = leaky_project(suite, "color", ["users"])
    esc = b"\x1b["
    check(esc in on_terminal(suite, ["."], root, {}), "no color on a terminal")
    check(esc not in on_terminal(suite, ["."], root, {"NO_COLOR": "1"}),
          "NO_COLOR ignored on a terminal")
    check(esc not in on_terminal(suite, ["--color", "never", "."], root, {}),
          "--color never colored")
    check(esc not in suite.run(["."], cwd=root).stdout, "color in a pipe")
    check(esc in suite.run(["--color", "always", "."], cwd=root, env={"NO_COLOR": "1"}).stdout,
          "--color always did not color (NO_COLOR set)")
    check(suite.run(["--color", "sometimes", "."], cwd=root).returncode == 2,
          "--color sometimes accepted")


def test_output_file(suite):
    """--output FILE gets what standard output would, and nothing else does."""
    root = leaky_project(suite, "output", ["users"])
    plain = suite.run(["--format", "sarif", "."], cwd=root)
    p = suite.run(["--format", "sarif", "--output", "out.sarif", "."], cwd=root)
    check(p.returncode == plain.returncode == 1 and p.stdout == b"", "exit %d, stdout %r",
          p.returncode, p.stdout[:80])
    with open(os.path.join(root, "out.sarif"), "rb") as f:
        check(f.read() == plain.stdout, "the file differs from standard output")
    bad = suite.run(["--output", "no/such/folder/out.txt", "."], cwd=root)
    check(bad.returncode == 2, "exit %d for an unwritable output", bad.returncode)


def test_statistics(suite):
    """Counts per code, most frequent first, in text and JSON."""
    root = leaky_project(suite, "stats", ["users", "orders"])
    with open(os.path.join(root, "broken.py"), "w") as f:
        f.write("def f(:\n")
    p = suite.run(["--statistics", "."], cwd=root)
    check(p.returncode == 1, "exit %d", p.returncode)
    lines = p.stdout.decode().splitlines()
    check(lines[:2] == ["2\tSL103\trelease-skipped", "1\tSL000\tsyntax-error"],
          "text statistics: %s", lines)
    check(lines[2:] == ["Found 3 findings in 2 files."], "summary: %s", lines[2:])
    check(suite.run(["--statistics", "-q", "."], cwd=root).stdout.decode().splitlines() ==
          lines[:2], "--quiet statistics kept the summary")
    j = json.loads(suite.run(["--statistics", "--format", "json", "."], cwd=root).stdout)
    check(j == [{"code": "SL103", "name": "release-skipped", "count": 2},
                {"code": "SL000", "name": "syntax-error", "count": 1}], "json statistics: %s", j)
    check(suite.run(["--stats", "."], cwd=root).stdout == p.stdout, "--stats differs")


def test_exit_zero_quiet(suite):
    """--exit-zero turns 1 into 0 (not 2); --quiet drops the summary line."""
    root = leaky_project(suite, "exit", ["users"])
    check(suite.run(["."], cwd=root).returncode == 1, "findings did not exit 1")
    p = suite.run(["--exit-zero", "."], cwd=root)
    check(p.returncode == 0 and b"SL103" in p.stdout, "--exit-zero: exit %d", p.returncode)
    check(suite.run(["--exit-zero", ".", "missing"], cwd=root).returncode == 2,
          "--exit-zero hid an I/O error")
    q = suite.run(["-q", "."], cwd=root).stdout.decode()
    check("SL103" in q and "Found" not in q, "--quiet output: %s", q)
    clean = suite.project("clean", {"ok.py": "x = 1\n"})
    check(suite.run(["."], cwd=clean).stdout == b"All checks passed!\n", "clean summary")
    p = suite.run(["--quiet", "."], cwd=clean)
    check(p.returncode == 0 and p.stdout == b"", "--quiet on a clean project: %r", p.stdout)


def test_version_help(suite):
    """--version prints the version; --help names every option, and so
    does the man page."""
    v = suite.run(["--version"])
    check(v.returncode == 0 and re.match(rb"^sessionlint \d+\.\d+\.\d+\n$", v.stdout),
          "--version: %r", v.stdout)
    h = suite.run(["--help"])
    check(h.returncode == 0 and h.stdout.startswith(b"usage: sessionlint"), "--help")
    flags = sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", h.stdout.decode())))
    with open(os.path.join(ROOT, "docs", "sessionlint.1"), encoding="utf-8") as f:
        page = f.read()
    missing = [fl for fl in flags if fl.replace("-", "\\-") not in page]
    check(not missing, "docs/sessionlint.1 lacks %s", ", ".join(missing))
    codes = [c for c, _, _ in suite.rules() if ".B %s\n" % c not in page]
    check(not codes, "docs/sessionlint.1 RULES lacks %s", ", ".join(codes))
    th = [line for line in page.splitlines() if line.startswith(".TH ")]
    check(th and v.stdout.split()[1].decode() in th[0], "man page version (.TH): %s", th)


def test_stdin(suite):
    """--stdin-filename: the text replaces the file, the project is context."""
    root = suite.project("stdin", {
        "app/__init__.py": "",
        "app/db.py": DB_MODULE,
        "app/routes.py": HEADER + FIXED.format(name="users"),
    })
    leaky = (HEADER + LEAK.format(name="users")).encode()
    r = suite.json_report(["--stdin-filename", "app/routes.py", "-"], cwd=root, stdin=leaky)
    check([(f["code"], f["path"]) for f in r["findings"]] == [("SL103", "app/routes.py")],
          "stdin findings: %s", r["findings"])
    check(r["files"] == 1, "files %s", r["files"])
    p = suite.run(["--stdin-filename", "app/routes.py", "-"], cwd=root, stdin=leaky)
    check(p.returncode == 1 and p.stdout.startswith(b"app/routes.py:7:"), "text: %r",
          p.stdout[:80])
    r = suite.json_report(["--stdin-filename", "app/new_module.py", "-"], cwd=root, stdin=leaky)
    check(len(r["findings"]) == 1, "a file not on disk yet: %s", r["findings"])
    lone = suite.project("stdin-lone", {"app/__init__.py": ""})
    r = suite.json_report(["--stdin-filename", "app/routes.py", "-"], cwd=lone, stdin=leaky)
    check(r["findings"] == [], "without app/db.py SessionLocal is unknown: %s", r["findings"])
    with open(os.path.join(root, "app/routes.py"), "wb") as f:
        f.write(leaky)
    fixed = (HEADER + FIXED.format(name="users")).encode()
    p = suite.run(["--stdin-filename", "app/routes.py", "-"], cwd=root, stdin=fixed)
    check(p.returncode == 0, "the disk's leaky file was read instead of stdin (exit %d)",
          p.returncode)
    check(suite.run(["-"], cwd=root, stdin=fixed).returncode == 2, "- without a filename")
    check(suite.run(["--stdin-filename", "a.py", "b.py"], cwd=root, stdin=fixed).returncode
          == 2, "--stdin-filename with another path")


# ---- baselines ----

def test_baseline(suite):
    """A baseline hides recorded findings after unrelated edits, not new
    ones; counts and the exit status follow what is left."""
    root = leaky_project(suite, "baseline", ["users", "users"])
    base = os.path.join(root, "baseline.json")
    p = suite.run(["--write-baseline", "baseline.json", "."], cwd=root)
    check(p.returncode == 0 and p.stdout == b"", "--write-baseline: exit %d", p.returncode)
    with open(base, encoding="utf-8") as f:
        doc = json.load(f)
    check(doc["version"] == 1 and len(doc["findings"]) == 2, "baseline: %s", doc)
    sarif = json.loads(suite.run(["--format", "sarif", "."], cwd=root).stdout)
    check(sorted(f["fingerprint"] for f in doc["findings"]) ==
          sorted(r["partialFingerprints"]["sessionlint/v1"] for r in sarif["runs"][0]["results"]),
          "baseline and SARIF fingerprints differ")
    leaky_project(suite, "baseline", ["users", "users"], above="import os\n\n\nRETRIES = 3\n\n")
    with open(base, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    p = suite.run(["--baseline", "baseline.json", "."], cwd=root)
    check(p.returncode == 0 and p.stdout == b"All checks passed!\n",
          "moved findings reported again: exit %d %r", p.returncode, p.stdout[:200])
    leaky_project(suite, "baseline", ["users", "users", "users", "orders"], above="import os\n")
    with open(base, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    r = suite.json_report(["--baseline", "baseline.json", "."], cwd=root)
    check(len(r["findings"]) == 2, "two new findings expected: %s", r["findings"])
    st = json.loads(suite.run(["--baseline", "baseline.json", "--statistics", "--format", "json",
                               "."], cwd=root).stdout)
    check(st == [{"code": "SL103", "name": "release-skipped", "count": 2}], "statistics %s", st)
    check(suite.run(["--baseline", "baseline.json", "."], cwd=root).returncode == 1,
          "new findings did not exit 1")
    bad_files = {
        "truncated": '{"version": 1, "findings": [',
        "wrong version": '{"version": 2, "findings": []}',
        "missing key": '{"version": 1, "findings": [{"code": "SL103", "path": "a.py"}]}',
        "not json": "code,path\nSL103,a.py\n",
        "trailing text": '{"version": 1, "findings": []} x',
        "no findings key": '{"version": 1}',
    }
    for what, text in bad_files.items():
        with open(base, "w", encoding="utf-8") as f:
            f.write(text)
        p = suite.run(["--baseline", "baseline.json", "."], cwd=root)
        check(p.returncode == 2 and b"baseline" in p.stderr and p.stdout == b"",
              "%s baseline: exit %d, %r", what, p.returncode, p.stderr)
    check(suite.run(["--baseline", "nope.json", "."], cwd=root).returncode == 2,
          "a missing baseline file")


# ---- installation ----

def test_install(suite):
    """make install DESTDIR=... PREFIX=/usr lays out the binary and the man
    page; make uninstall removes both."""
    check(os.path.basename(suite.binary) == "sessionlint", "--bin must name a sessionlint")
    bdir = os.path.dirname(suite.binary)
    b = os.path.relpath(bdir, ROOT) if bdir.startswith(ROOT + os.sep) else bdir
    dest = os.path.join(suite.tmp, "stage")
    make = [os.environ.get("MAKE", "make"), "-s", "-o", os.path.join(b, "sessionlint"),
            "B=" + b, "DESTDIR=" + dest, "PREFIX=/usr"]
    env = {k: v for k, v in os.environ.items() if k not in MAKE_VARS}
    p = subprocess.run(make + ["install"], cwd=ROOT, capture_output=True, env=env)
    check(p.returncode == 0, "make install: %s", p.stderr.decode().strip())
    binary = os.path.join(dest, "usr/bin/sessionlint")
    page = os.path.join(dest, "usr/share/man/man1/sessionlint.1")
    check(os.access(binary, os.X_OK), "no executable usr/bin/sessionlint")
    check(os.path.isfile(page), "no usr/share/man/man1/sessionlint.1")
    v = subprocess.run([binary, "--version"], capture_output=True)
    check(v.stdout == suite.run(["--version"]).stdout, "installed --version %r", v.stdout)
    p = subprocess.run(make + ["uninstall"], cwd=ROOT, capture_output=True, env=env)
    check(p.returncode == 0 and not os.path.exists(binary) and not os.path.exists(page),
          "make uninstall left files: %s", p.stderr.decode())


def test_man_page(suite):
    """docs/sessionlint.1 (what make install installs) renders without a
    groff warning, and `man -l` shows it."""
    page = os.path.join(ROOT, "docs", "sessionlint.1")
    groff = shutil.which("groff")
    need(groff, "groff", "groff-base")
    g = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", page], capture_output=True)
    check(g.returncode == 0 and not g.stderr, "groff warnings: %s", g.stderr.decode())
    man = shutil.which("man")
    need(man, "man", "man-db")
    env = {k: v for k, v in os.environ.items() if k not in MAKE_VARS}
    m = subprocess.run([man, "-l", page], capture_output=True,
                       env=dict(env, MANWIDTH="80", MANPAGER="cat", PAGER="cat"))
    text = m.stdout.decode(errors="replace")
    check(m.returncode == 0 and not m.stderr and "SYNOPSIS" in text and "--baseline" in text,
          "man -l: exit %d, %s", m.returncode, m.stderr.decode())


# ---- pre-commit ----

def git(args, cwd, env):
    p = subprocess.run(["git"] + args, cwd=cwd, capture_output=True, env=env, timeout=TIMEOUT)
    check(p.returncode == 0, "git %s: %s", " ".join(args), p.stderr.decode().strip())
    return p.stdout.decode()


def git_repo(path, env):
    os.makedirs(path, exist_ok=True)
    git(["-c", "init.defaultBranch=main", "init", "-q"], path, env)
    git(["config", "user.name", "sessionlint tests"], path, env)
    git(["config", "user.email", "tests@sessionlint.invalid"], path, env)
    git(["config", "commit.gpgsign", "false"], path, env)


def hook_repo(suite, env):
    """A git repository with what the hooks need from this checkout (the
    hook definitions, the entry script, the sources and the Makefile), as
    a user's `repo:` URL would give pre-commit; returns (path, commit)."""
    path = os.path.join(suite.tmp, "hook-repo")
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(os.path.join(path, "tools"))
    shutil.copytree(os.path.join(ROOT, "src"), os.path.join(path, "src"))
    for rel in ("Makefile", ".pre-commit-hooks.yaml", "tools/pre-commit.sh"):
        shutil.copy2(os.path.join(ROOT, rel), os.path.join(path, rel))
    git_repo(path, env)
    git(["add", "-A"], path, env)
    git(["commit", "-q", "-m", "hooks"], path, env)
    return path, git(["rev-parse", "HEAD"], path, env).strip()


def test_pre_commit(suite):
    """Both hooks refuse a commit with a finding and accept the fix."""
    exe = shutil.which("pre-commit")
    need(exe, "pre-commit", "pre-commit")
    need(shutil.which("git"), "git", "git")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_") and k not in MAKE_VARS}
    env.update(PRE_COMMIT_HOME=os.path.join(suite.tmp, "pre-commit-home"),
               PATH=os.path.dirname(suite.binary) + os.pathsep + env.get("PATH", ""))
    env.pop("CI", None)
    repo, rev = hook_repo(suite, env)
    work = os.path.join(suite.tmp, "work-repo")
    shutil.rmtree(work, ignore_errors=True)
    git_repo(work, env)
    with open(os.path.join(work, ".pre-commit-config.yaml"), "w") as f:
        f.write("repos:\n  - repo: file://%s\n    rev: %s\n    hooks:\n"
                "      - id: sessionlint\n      - id: sessionlint-system\n" % (repo, rev))
    git(["add", ".pre-commit-config.yaml"], work, env)
    git(["commit", "-q", "-m", "config"], work, env)
    p = subprocess.run([exe, "install"], cwd=work, capture_output=True, env=env)
    check(p.returncode == 0, "pre-commit install: %s", p.stderr.decode())
    files = {"app/__init__.py": "", "app/db.py": DB_MODULE,
             "app/jobs.py": HEADER + LEAK.format(name="users")}
    for rel, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(work, rel)), exist_ok=True)
        with open(os.path.join(work, rel), "w") as f:
            f.write(text)
    git(["add", "-A"], work, env)
    p = subprocess.run(["git", "commit", "-m", "leak"], cwd=work, capture_output=True, env=env,
                       timeout=600)
    out = p.stdout.decode() + p.stderr.decode()
    check(p.returncode != 0, "the commit with a leak was accepted:\n%s", out)
    check(re.search(r"^sessionlint\.+Failed", out, re.M) and
          re.search(r"^sessionlint \(installed\)\.+Failed", out, re.M) and "SL103" in out,
          "the hooks did not report the leak:\n%s", out)
    check(git(["rev-list", "--count", "HEAD"], work, env).strip() == "1", "a commit was made")
    with open(os.path.join(work, "app/jobs.py"), "w") as f:
        f.write(HEADER + FIXED.format(name="users"))
    git(["add", "-A"], work, env)
    p = subprocess.run(["git", "commit", "-m", "fixed"], cwd=work, capture_output=True, env=env,
                       timeout=600)
    out = p.stdout.decode() + p.stderr.decode()
    check(p.returncode == 0, "the fixed commit was refused:\n%s", out)
    check(re.search(r"^sessionlint\.+Passed", out, re.M) and
          re.search(r"^sessionlint \(installed\)\.+Passed", out, re.M),
          "the hooks did not run:\n%s", out)


def test_files_named_one_by_one(suite):
    """Files named on the command line (pre-commit, an editor) are analyzed
    as the project that holds them, not folder by folder: the middleware in
    app/main.py owns request.state.db, which app/api/items.py hands to a
    background task (FastAPI 0.110 from the root's requirements)."""
    root = suite.project("named-files", {
        "requirements.txt": "fastapi==0.110.0\nsqlalchemy==2.0.30\n",
        "app/__init__.py": "",
        "app/db.py": DB_MODULE,
        "app/main.py": (
            "from fastapi import FastAPI, Request\n"
            "from app.db import SessionLocal\n"
            "app = FastAPI()\n\n\n"
            "@app.middleware(\"http\")\n"
            "async def db_session(request: Request, call_next):\n"
            "    request.state.db = SessionLocal()\n"
            "    try:\n"
            "        return await call_next(request)\n"
            "    finally:\n"
            "        request.state.db.close()\n"),
        "app/api/__init__.py": "",
        "app/api/items.py": (
            "from fastapi import APIRouter, BackgroundTasks, Request\n"
            "from sqlalchemy import text\n"
            "router = APIRouter()\n\n\n"
            "def audit(db):\n"
            "    db.execute(text(\"INSERT INTO audit VALUES (1)\"))\n\n\n"
            "@router.post(\"/items\")\n"
            "def create(request: Request, tasks: BackgroundTasks):\n"
            "    tasks.add_task(audit, request.state.db)\n"),
    })
    files = ["app/api/items.py", "app/main.py", "app/db.py"]
    by_name = suite.json_report(["--format", "json"] + files, cwd=root)
    whole = suite.json_report(["--format", "json", "."], cwd=root)

    def keys(report):
        return sorted((f["path"].lstrip("./"), f["line"], f["code"]) for f in report["findings"])
    check(("app/api/items.py", 12, "SL202") in keys(whole),
          "the folder run misses the hand-off: %s", keys(whole))
    check(keys(by_name) == keys(whole), "files named one by one: %s, the folder: %s",
          keys(by_name), keys(whole))


# ---- documented set-ups ----

def load_yaml(path):
    """A YAML file as data: PyYAML here, or Debian's (python3-yaml comes
    with pre-commit) under /usr/bin/python3."""
    try:
        import yaml
    except ImportError:
        need(os.access(DEBIAN_PYTHON, os.X_OK) and subprocess.run(
            [DEBIAN_PYTHON, "-c", "import yaml"], capture_output=True).returncode == 0,
            "PyYAML", "python3-yaml")
        p = subprocess.run([DEBIAN_PYTHON, "-c", "import json, sys, yaml; "
                            "print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", path],
                           capture_output=True)
        check(p.returncode == 0, "cannot read %s: %s", path, p.stderr.decode().strip())
        return json.loads(p.stdout)
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def test_documented_setups(suite):
    """docs/github-actions.yml builds, runs the SARIF command and uploads
    its file, and that command works; .pre-commit-hooks.yaml declares both
    hooks with an executable entry."""
    wf = load_yaml(os.path.join(ROOT, "docs", "github-actions.yml"))
    steps = wf["jobs"]["sessionlint"]["steps"]
    runs = [st.get("run", "") for st in steps]
    check(any("make" in r for r in runs), "the workflow does not build")
    cmd = [r for r in runs if r.startswith("sessionlint --format sarif")]
    check(len(cmd) == 1, "the workflow does not run sessionlint --format sarif")
    upload = [st for st in steps if st.get("uses", "").startswith(
        "github/codeql-action/upload-sarif@")]
    argv = cmd[0].split()
    out = argv[argv.index("--output") + 1]
    check(upload and upload[0]["with"]["sarif_file"] == out, "upload-sarif does not send %s", out)
    root = suite.project("workflow", {"app/__init__.py": "", "app/db.py": DB_MODULE,
                                      "app/jobs.py": HEADER + LEAK.format(name="users")})
    p = suite.run(argv[1:], cwd=root)
    check(p.returncode == 0, "the workflow's command exits %d", p.returncode)
    with open(os.path.join(root, out), "rb") as f:
        check(json.loads(f.read())["runs"][0]["results"], "the workflow's SARIF has no results")
    hooks = {h["id"]: h for h in load_yaml(os.path.join(ROOT, ".pre-commit-hooks.yaml"))}
    check(set(hooks) == {"sessionlint", "sessionlint-system"}, "hooks %s", sorted(hooks))
    check(all("python" in h["types_or"] for h in hooks.values()), "a hook skips Python files")
    entry = os.path.join(ROOT, hooks["sessionlint"]["entry"])
    check(hooks["sessionlint"]["language"] == "script" and os.access(entry, os.X_OK),
          "the script hook's entry %s is not executable", entry)


# ---- the runner ----

def tests():
    found = [(label, sarif_test(label, args)) for label, args, make, _ in sarif_runs()
             if make is None]
    found += [
        ("sarif-bytes-and-errors", test_sarif_errors),
        ("sarif-schema", test_sarif_schema),
        ("sarif-multitool", test_sarif_multitool),
        ("sarif-deterministic", test_sarif_deterministic),
        ("fingerprints-stable", test_fingerprints_stable),
        ("github", test_github),
        ("color", test_color),
        ("output-file", test_output_file),
        ("statistics", test_statistics),
        ("files-named-one-by-one", test_files_named_one_by_one),
        ("exit-zero-quiet", test_exit_zero_quiet),
        ("version-help-man", test_version_help),
        ("stdin-filename", test_stdin),
        ("baseline", test_baseline),
        ("documented-setups", test_documented_setups),
        ("install", test_install),
        ("man-page", test_man_page),
        ("pre-commit", test_pre_commit),
    ]
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-v", "--verbose", action="store_true", help="list passing tests too")
    ap.add_argument("--bin", default=os.environ.get("SESSIONLINT_BIN",
                                                    os.path.join("build", "sessionlint")),
                    help="the binary (default: $SESSIONLINT_BIN or build/sessionlint)")
    ap.add_argument("names", nargs="*", help="run the tests whose names start with these")
    args = ap.parse_args()
    if jsonschema is None and os.path.realpath(sys.executable) != os.path.realpath(
            DEBIAN_PYTHON) and os.access(DEBIAN_PYTHON, os.X_OK) and not os.environ.get(
            "SL_INTEGRATION_REEXEC"):
        # Debian's python3-jsonschema is importable by Debian's Python only.
        probe = subprocess.run([DEBIAN_PYTHON, "-c", "import jsonschema"], capture_output=True)
        if probe.returncode == 0:
            os.environ["SL_INTEGRATION_REEXEC"] = "1"
            os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])
    binary = os.path.abspath(os.path.join(ROOT, args.bin))
    selected = [(n, t) for n, t in tests()
                if not args.names or any(n.startswith(p) for p in args.names)]
    if not os.access(binary, os.X_OK):
        print("run.py: %s is missing; run make first" % binary)
        print("0 passed, %d failed, 0 skipped" % max(len(selected), 1))
        return 1
    suite = Suite(binary, args.verbose)
    passed = failed = skipped = 0
    try:
        for name, test in selected:
            try:
                test(suite)
            except Skip as e:
                skipped += 1
                print("skip %s: %s" % (name, e.describe(name)))
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
