#!/usr/bin/env python3
"""run.py - the configuration suite: discovery, every key, the command line
over the configuration, errors, the versions read from project metadata, and
custom resources, execution contexts and templates.

Each test builds a small project in a temporary folder, runs the binary in
it (as a user would, from the project or one of its folders) and checks the
findings (`--format json`), the exit status, the messages, or what
`sessionlint debug project` / `debug files` print.  Findings come from two
files that the built-in model knows:

    leak.py     SL103: a session not closed when execute() raises
    twice.py    SL106: a session closed twice (off by default)

Usage: tests/config/run.py [-v] [--bin PATH] [-k SUBSTRING]
The last line is `N passed, N failed, 0 skipped`; the exit status is 1 if any
failed.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 60

LEAK = """\
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker()


def report(q):
    s = SessionLocal()
    s.execute(q)
    s.close()
"""

TWICE = """\
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker()


def report(q):
    s = SessionLocal()
    try:
        s.execute(q)
    finally:
        s.close()
    s.close()
"""

BIN = None
VERBOSE = False


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def write(root, files):
    """files: {relative path: text}; text is dedented."""
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(text))


def run(cwd, *args):
    """(exit status, stdout, stderr) of the binary run in cwd."""
    p = subprocess.run([BIN, *args], cwd=cwd, capture_output=True, text=True,
                       timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    if VERBOSE:
        print(f"  $ (cd {cwd}) sessionlint {' '.join(args)} -> {p.returncode}")
        for line in (p.stdout + p.stderr).splitlines()[:20]:
            print("   ", line)
    return p.returncode, p.stdout, p.stderr


def findings(cwd, *args):
    """{(path, code)} reported by a check in cwd."""
    rc, out, err = run(cwd, "--format", "json", *args)
    check(rc in (0, 1), f"exit {rc}: {err.strip()}")
    data = json.loads(out)
    return {(f["path"], f["code"]) for f in data["findings"]}


def project_view(cwd, *args):
    """The lines of `debug project` as a dict: first word -> the rest."""
    rc, out, err = run(cwd, "debug", "project", *args)
    check(rc == 0, f"debug project: exit {rc}: {err.strip()}")
    view = {}
    for line in out.splitlines():
        key, _, rest = line.partition(" ")
        view.setdefault(key, rest)
    return view


def error_of(cwd, *args):
    """A run that must fail with exit 2: its stderr."""
    rc, out, err = run(cwd, *args)
    check(rc == 2, f"exit {rc}, want 2 (stderr: {err.strip()!r})")
    return err


TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


# ---------------------------------------------------------------- discovery

@test
def discovery_from_a_subfolder(d):
    write(d, {"pyproject.toml": """\
                  [tool.sessionlint]
                  ignore = ["SL103"]
                  """,
              "pkg/sub/leak.py": LEAK})
    sub = os.path.join(d, "pkg", "sub")
    check(findings(sub, ".") == set(), "the config above the working folder was not used")
    check(findings(d, "pkg/sub") == set(), "the config was not used for a subfolder path")
    check(findings(d, "pkg/sub/leak.py") == set(), "the config was not used for a file path")
    check(findings(sub, "--no-config", ".") == {("leak.py", "SL103")}, "--no-config")


@test
def nearest_configuration_wins(d):
    write(d, {"sessionlint.toml": 'ignore = ["SL103"]\n',
              "a/leak.py": LEAK,
              "b/sessionlint.toml": 'select = ["SL103"]\n',
              "b/leak.py": LEAK})
    check(findings(d) == {("b/leak.py", "SL103")}, "b/sessionlint.toml should govern b/")


@test
def pyproject_without_table_does_not_count(d):
    write(d, {"sessionlint.toml": 'ignore = ["SL103"]\n',
              "b/pyproject.toml": '[project]\nname = "b"\n',
              "b/leak.py": LEAK})
    check(findings(d) == set(), "a pyproject.toml without [tool.sessionlint] hid the parent's")
    check(project_view(d, "b")["config"] == "sessionlint.toml", "debug project: config")


@test
def dot_file_wins_in_one_folder(d):
    write(d, {".sessionlint.toml": 'ignore = ["SL103"]\n',
              "sessionlint.toml": 'select = ["SL103"]\n',
              "pyproject.toml": '[tool.sessionlint]\nselect = ["SL103"]\n',
              "leak.py": LEAK})
    check(findings(d) == set(), ".sessionlint.toml should win")
    check(project_view(d)["config"] == ".sessionlint.toml", "debug project: config")
    os.remove(os.path.join(d, ".sessionlint.toml"))
    check(project_view(d)["config"] == "sessionlint.toml", "sessionlint.toml over pyproject.toml")


@test
def config_flag_and_no_config(d):
    write(d, {"pyproject.toml": '[tool.sessionlint]\nignore = ["SL103"]\n',
              "conf/strict.toml": 'extend-select = ["SL106"]\n',
              "conf/pyproject.toml": '[tool.sessionlint]\nselect = ["SL106"]\n',
              "conf/other.toml": '[project]\nname = "x"\n',
              "leak.py": LEAK, "twice.py": TWICE})
    check(findings(d) == set(), "the pyproject.toml ignores everything here")
    check(findings(d, "--config", "conf/strict.toml") ==
          {("leak.py", "SL103"), ("twice.py", "SL106")}, "--config FILE must be used for every file")
    check(findings(d, "--config", "conf/pyproject.toml") == {("twice.py", "SL106")},
          "--config pyproject.toml reads [tool.sessionlint]")
    check(findings(d, "--no-config") == {("leak.py", "SL103")}, "--no-config")
    check(project_view(d, "--config", "conf/strict.toml")["config"] == "conf/strict.toml",
          "debug project --config")
    err = error_of(d, "--config", "conf/missing.toml")
    check("conf/missing.toml" in err, f"a missing --config file: {err!r}")


# ---------------------------------------------------------------- rule keys

@test
def select_key(d):
    write(d, {"sessionlint.toml": 'select = ["SL106"]\n', "leak.py": LEAK, "twice.py": TWICE})
    check(findings(d) == {("twice.py", "SL106")}, "select")
    check(findings(d, "--select", "SL103") == {("leak.py", "SL103")},
          "--select replaces the configuration's select")
    write(d, {"sessionlint.toml": 'select = []\n'})
    check(findings(d) == set(), "select = [] selects nothing")


@test
def extend_select_key(d):
    write(d, {"sessionlint.toml": 'extend-select = ["sl106"]\n', "leak.py": LEAK,
              "twice.py": TWICE})
    check(findings(d) == {("leak.py", "SL103"), ("twice.py", "SL106")}, "extend-select")
    check(findings(d, "--ignore", "SL103") == {("twice.py", "SL106")}, "--ignore adds")
    write(d, {"sessionlint.toml": 'select = ["SL103"]\n'})
    check(findings(d, "--extend-select", "SL106") ==
          {("leak.py", "SL103"), ("twice.py", "SL106")}, "--extend-select adds")


@test
def ignore_key(d):
    write(d, {"sessionlint.toml": 'ignore = ["SL1"]\nextend-select = ["SL106"]\n',
              "leak.py": LEAK, "twice.py": TWICE})
    check(findings(d) == {("twice.py", "SL106")}, "the more specific extend-select wins (Ruff)")
    write(d, {"sessionlint.toml": 'ignore = ["SL103"]\n'})
    check(findings(d) == set(), "ignore")
    check(findings(d, "--select", "SL1") == {("leak.py", "SL103"), ("twice.py", "SL106")},
          "--select on the command line replaces the configuration's selection")


@test
def exclude_key(d):
    write(d, {"sessionlint.toml": 'exclude = ["generated", "app/legacy/*.py"]\n',
              "generated/leak.py": LEAK, "app/generated/deep/leak.py": LEAK,
              "app/legacy/leak.py": LEAK, "app/legacy/keep/leak.py": LEAK,
              "app/leak.py": LEAK})
    want = {("app/leak.py", "SL103"), ("app/legacy/keep/leak.py", "SL103")}
    check(findings(d) == want, "exclude: a bare name at any depth, a path relative to the config")
    rc, out, _ = run(d, "debug", "files")
    check(rc == 0 and sorted(out.split()) == sorted(p for p, _ in want), f"debug files: {out!r}")
    check(findings(d, "generated/leak.py") == {("generated/leak.py", "SL103")},
          "a file named on the command line is analyzed even when excluded")
    sub = os.path.join(d, "app")
    check(findings(sub) == {("leak.py", "SL103"), ("legacy/keep/leak.py", "SL103")},
          "exclude globs are relative to the configuration's folder, not the working one")
    check(findings(d, "--exclude", "keep") ==
          {("app/leak.py", "SL103"), ("app/legacy/leak.py", "SL103"),
           ("generated/leak.py", "SL103"), ("app/generated/deep/leak.py", "SL103")},
          "--exclude replaces the configuration's exclude")


@test
def extend_exclude_key(d):
    write(d, {"sessionlint.toml": 'exclude = ["build"]\nextend-exclude = ["legacy_*.py"]\n',
              "build/leak.py": LEAK, "legacy_leak.py": LEAK, "pkg/legacy_x.py": LEAK,
              "leak.py": LEAK})
    check(findings(d) == {("leak.py", "SL103")}, "exclude + extend-exclude")
    check(findings(d, "--extend-exclude", "leak.py") == set(), "--extend-exclude adds")
    check(findings(d, "--exclude", "nothing") ==
          {("leak.py", "SL103"), ("build/leak.py", "SL103")},
          "--exclude replaces exclude but keeps extend-exclude")


@test
def per_file_ignores_globs(d):
    # (folders named so that no execution context hides their findings: context.h)
    write(d, {"pyproject.toml": """\
                  [tool.sessionlint]
                  extend-select = ["SL106"]
                  [tool.sessionlint.per-file-ignores]
                  "legacy/**" = ["SL103"]
                  "jobs/*.py" = ["SL1"]
                  "__init__.py" = ["SL103"]
                  "!app/**" = ["SL106"]
                  """,
              "legacy/unit/leak.py": LEAK, "legacy/twice.py": TWICE,
              "jobs/leak.py": LEAK, "jobs/deep/leak.py": LEAK,
              "pkg/__init__.py": LEAK, "pkg/twice.py": TWICE,
              "app/leak.py": LEAK, "app/twice.py": TWICE})
    want = {("jobs/deep/leak.py", "SL103"), ("app/leak.py", "SL103"),
            ("app/twice.py", "SL106")}
    check(findings(d) == want, "per-file-ignores: **, * within a folder, a bare name, !negation")
    check(findings(d, "--select", "SL103") == {("jobs/deep/leak.py", "SL103"),
                                               ("app/leak.py", "SL103")},
          "per-file-ignores beat an explicit --select")
    sub = os.path.join(d, "legacy")
    check(findings(sub) == set(), "globs relative to the configuration's folder")


# ---------------------------------------------------------------- errors

@test
def malformed_file(d):
    write(d, {"pyproject.toml": '[tool.sessionlint]\nselect = ["SL1"\nignore = []\n',
              "leak.py": LEAK})
    err = error_of(d)
    check("pyproject.toml:3:1:" in err and "expected `,` or `]`" in err, f"message: {err!r}")
    err = error_of(d, "debug", "project")
    check("pyproject.toml:3:1:" in err, f"debug project: {err!r}")


@test
def malformed_other_tools_pyproject_is_not_ours(d):
    write(d, {"pyproject.toml": '[tool.other]\nwhen = 1979-05-27\n', "leak.py": LEAK})
    check(findings(d) == {("leak.py", "SL103")},
          "a pyproject.toml we cannot read that never mentions sessionlint is not an error")


@test
def unknown_key(d):
    write(d, {"pyproject.toml": '[project]\nname = "x"\n\n[tool.sessionlint]\nselect = ["SL1"]\n'
                                'selct = ["SL1"]\n',
              "leak.py": LEAK})
    err = error_of(d)
    check('sessionlint: pyproject.toml:6: [tool.sessionlint] unknown key "selct"' in err,
          f"message: {err!r}")
    write(d, {"sub/sessionlint.toml": 'select = ["SL1"]\nfoo = 1\n', "sub/leak.py": LEAK})
    os.remove(os.path.join(d, "pyproject.toml"))
    err = error_of(d)
    check('sessionlint: sub/sessionlint.toml:2: unknown key "foo"' in err,
          f"a bad configuration found during discovery: {err!r}")


@test
def wrong_types(d):
    cases = [
        ('select = "SL1"\n', 1, '"select" must be an array of strings, not a string'),
        ('ignore = ["SL1", 3]\n', 1, '"ignore": every item must be a string, not an integer'),
        ('\nselect = ["E501"]\n', 2, '"select": unknown rule selector "E501": a selector is ALL'),
        ('fastapi-version = 0.110\n', 1, '"fastapi-version" must be a version string'),
        ('sqlalchemy-version = "two"\n', 1, '"sqlalchemy-version": not a version'),
        ('database = "mysql"\n', 1, '"database": must be "postgresql" or "cockroachdb"'),
        ('per-file-ignores = ["x"]\n', 1, '"per-file-ignores" must be a table'),
        ('[per-file-ignores]\n"t/**" = "SL103"\n', 2,
         '[per-file-ignores] "t/**" must be an array of strings'),
        ('exclude = "build"\n', 1, '"exclude" must be an array of strings'),
        ('[resources.c]\nacquire = ["get_conn"]\nrelease = ["close"]\n', 2,
         '[resources.c] "acquire": "get_conn" is not a qualified name'),
        ('[resources.c]\nacquire = ["m.get"]\n', 1, '[resources.c] needs release'),
        ('[resources.c]\nacquire = ["m.get"]\nrelease = ["close"]\nrelease-twice = "bad"\n',
         4, '"release-twice": must be "harmless", "idempotent" or "harmful"'),
        ('[resources.c]\nacquire = ["m.get"]\nrelease = ["close"]\naquire = []\n', 4,
         '[resources.c] unknown key "aquire"'),
        ('[resources.c]\nacquire = ["m.get"]\nrelease = ["close"]\nwith-releases = "yes"\n',
         4, '"with-releases" must be true or false'),
    ]
    for text, line, part in cases:
        write(d, {"sessionlint.toml": text, "leak.py": LEAK})
        err = error_of(d)
        want = f"sessionlint.toml:{line}: "
        check(want in err and part in err, f"for {text!r}: want {want}...{part}, got {err!r}")
    write(d, {"pyproject.toml": '[tool.sessionlint]\nignore = "SL1"\n'})
    os.remove(os.path.join(d, "sessionlint.toml"))
    err = error_of(d)
    check('pyproject.toml:2: [tool.sessionlint] "ignore" must be an array of strings' in err,
          f"pyproject: {err!r}")


@test
def unknown_rule_selectors(d):
    """A selector that matches no rule (SL999 looks right but selects nothing)
    is an error, exit 2, naming the closest codes, on the command line and in
    every selection key of a configuration, as in Ruff; codes, family
    prefixes and ALL stay valid, in any case."""
    write(d, {"leak.py": LEAK, "twice.py": TWICE})
    rc, out, _ = run(d, "rule")
    codes = {line.split()[0] for line in out.splitlines() if line.startswith("SL")}

    def suggested(err):
        """The codes or prefixes of `did you mean A, B or C?`, which must exist."""
        m = re.search(r"did you mean ([A-Z0-9, or]+)\?", err)
        check(m, f"no suggestion: {err!r}")
        got = re.split(r", | or ", m.group(1))
        check(got and all(any(c.startswith(g) for c in codes) for g in got),
              f"suggests what no code is or starts with: {err!r}")
        return got

    for flag in ("--select", "--extend-select", "--ignore"):
        err = error_of(d, flag, "SL999", ".")
        check(f"{flag}: unknown rule selector 'SL999': no rule has this code" in err,
              f"{flag} SL999: {err!r}")
        check(suggested(err) == ["SL209"], f"closest to SL999 (two edits): {err!r}")
        err = error_of(d, flag, "SL101,sl1O3", ".")
        check(f"{flag}: unknown rule selector 'sl1O3'" in err and suggested(err) == ["SL103"],
              f"{flag} sl1O3: {err!r}")
    err = error_of(d, "--select", "SL9", ".")
    check("'SL9': no rule code starts with it; did you mean SL4" in err, f"SL9: {err!r}")
    for ok in ("ALL", "SL", "SL1", "sl10", "SL106"):
        rc, _, err = run(d, "--select", ok, ".")
        check(rc in (0, 1) and not err, f"--select {ok} refused: {err!r}")
    check(findings(d, "--select", "sl10") == {("leak.py", "SL103"), ("twice.py", "SL106")},
          "--select sl10")

    keys = [('select = ["SL1", "SL999"]\n', 1, '"select": unknown rule selector "SL999"'),
            ('\nextend-select = ["SL107x"]\n', 2,
             '"extend-select": unknown rule selector "SL107x"'),
            ('ignore = [\n  "SL1",\n  "SL5",\n]\n', 3, '"ignore": unknown rule selector "SL5"'),
            ('[per-file-ignores]\n"tests/**" = ["SL999"]\n', 2,
             '[per-file-ignores] "tests/**": unknown rule selector "SL999"')]
    for text, line, part in keys:
        write(d, {"sessionlint.toml": text})
        err = error_of(d)
        check(f"sessionlint.toml:{line}: " in err and part in err and "did you mean" in err,
              f"for {text!r}: want sessionlint.toml:{line}: ...{part}, got {err!r}")
        suggested(err)
    write(d, {"sessionlint.toml": 'select = ["sl1", "SL", "ALL"]\nignore = ["SL10"]\n'
                                  '[per-file-ignores]\n"x/**" = ["SL2"]\n'})
    check(findings(d) == set(), "valid prefixes in the configuration")
    write(d, {"pyproject.toml": '[tool.sessionlint]\nselect = ["SL999"]\n'})
    os.remove(os.path.join(d, "sessionlint.toml"))
    err = error_of(d)
    check('pyproject.toml:2: [tool.sessionlint] "select": unknown rule selector "SL999"' in err,
          f"pyproject: {err!r}")


# ---------------------------------------------------------------- versions

def versions(cwd, *args):
    v = project_view(cwd, *args)
    return v["fastapi"], v["sqlalchemy"], v["database"]


@test
def requirements_txt(d):
    write(d, {"requirements.txt": """\
                  # pinned by pip-compile
                  fastapi[all]==0.99.1 \\
                      --hash=sha256:abc
                  -r requirements/base.txt
                  """,
              "requirements/base.txt": "SQLAlchemy>=2.0.25,<2.1 ; python_version >= '3.8'\n",
              "app/x.py": "x = 1\n"})
    check(versions(d) == ("0.99.1 (requirements.txt)",
                          "2.0.x (requirements/base.txt)", "unknown"),
          f"got {versions(d)}")
    check(versions(os.path.join(d, "app"), ".")[0] == "0.99.1 (../requirements.txt)",
          "found walking up from a subfolder")


@test
def requirements_ranges(d):
    write(d, {"requirements-dev.txt": "fastapi>=0.100,<0.120\nsqlalchemy<2.1\n"})
    check(versions(d)[:2] == ("0.119.x (requirements-dev.txt)", "2.0.x (requirements-dev.txt)"),
          f"a range gives the newest below its upper bound: {versions(d)}")
    write(d, {"requirements-dev.txt": "fastapi>=0.100\nsqlalchemy!=2.0.3\n"})
    check(versions(d)[:2] == ("the newest release (requirements-dev.txt)", "unknown"),
          f"a lower bound alone is the newest release; an exclusion says nothing: {versions(d)}")
    write(d, {"requirements-dev.txt": "fastapi~=0.109.2\n"})
    check(versions(d)[0] == "0.109.x (requirements-dev.txt)", "~=")
    write(d, {"requirements.txt": "fastapi==0.110.*\nsqlmodel==0.0.16\n"})
    check(versions(d) == ("0.110.x (requirements.txt)", "unknown", "unknown"),
          f"a wildcard is a range; SQLModel says nothing of SQLAlchemy: {versions(d)}")


@test
def pyproject_pep621(d):
    write(d, {"backend/pyproject.toml": """\
                  [project]
                  name = "api"
                  dependencies = [
                      "fastapi[standard]>=0.110,<1.0",  # a comment
                  ]
                  [project.optional-dependencies]
                  db = ["sqlalchemy==2.0.30"]
                  """,
              "backend/app/main.py": "x = 1\n"})
    check(versions(d, "backend/app") == ("0.x (backend/pyproject.toml)",
                                         "2.0.30 (backend/pyproject.toml)", "unknown"),
          f"got {versions(d, 'backend/app')}")


@test
def pyproject_poetry(d):
    write(d, {"pyproject.toml": """\
                  [tool.poetry.dependencies]
                  python = "^3.11"
                  FastAPI = "^0.110.0"
                  [tool.poetry.group.db.dependencies]
                  sqlalchemy = { version = "~2.0.20", extras = ["asyncio"] }
                  """})
    check(versions(d)[:2] == ("0.110.x (pyproject.toml)", "2.0.x (pyproject.toml)"),
          f"got {versions(d)}")
    write(d, {"pyproject.toml": """\
                  [tool.poetry.dependencies]
                  fastapi = "0.95.2"
                  sqlalchemy = [
                      { version = ">=1.4.50", python = "<3.8" },
                      { version = ">=2.0.1", python = ">=3.8" },
                  ]
                  """})
    check(versions(d)[:2] == ("0.95.2 (pyproject.toml)", "the newest release (pyproject.toml)"),
          f"a bare Poetry version is exact; alternatives give their lowest: {versions(d)}")


@test
def lock_files_beat_ranges(d):
    write(d, {"pyproject.toml": '[project]\ndependencies = ["fastapi>=0.100", "sqlalchemy>=2"]\n',
              "uv.lock": """\
                  version = 1
                  [[package]]
                  name = "fastapi"
                  version = "0.115.4"
                  source = { registry = "https://pypi.org/simple" }
                  dependencies = [
                      { name = "starlette" },
                  ]
                  [[package]]
                  name = "starlette"
                  version = "0.41.2"
                  """})
    check(versions(d)[:2] == ("0.115.4 (uv.lock)", "the newest release (pyproject.toml)"),
          f"uv.lock: {versions(d)}")
    os.remove(os.path.join(d, "uv.lock"))
    write(d, {"poetry.lock": """\
                  [[package]]
                  name = "SQLAlchemy"
                  version = "2.0.31"
                  description = "Database Abstraction Library"
                  optional = false

                  [package.extras]
                  asyncio = ["greenlet (!=0.4.17)"]
                  """})
    check(versions(d)[:2] == ("the newest release (pyproject.toml)", "2.0.31 (poetry.lock)"),
          f"poetry.lock: {versions(d)}")


@test
def more_metadata_formats(d):
    write(d, {"Pipfile": '[packages]\nfastapi = ">=0.95"\nsqlalchemy = {version = "==2.0.1"}\n',
              "app/x.py": "x = 1\n"})
    check(versions(d, "app")[:2] == ("the newest release (Pipfile)", "2.0.1 (Pipfile)"),
          f"Pipfile: {versions(d)}")
    write(d, {"Pipfile.lock": '{"_meta": {}, "default": {"fastapi": {"version": "==0.112.4"}}}'})
    check(versions(d, "app")[0] == "0.112.4 (Pipfile.lock)", f"Pipfile.lock: {versions(d)}")
    for name in ("Pipfile", "Pipfile.lock"):
        os.remove(os.path.join(d, name))
    write(d, {"setup.py": """\
                  from setuptools import setup
                  REQUIRES = ["fastapi>=0.111,<0.112"]
                  setup(name="x", install_requires=REQUIRES + ["SQLAlchemy==1.4.52"])
                  """,
              "pdm.lock": '[[package]]\nname = "fastapi"\nversion = "0.110.3"\n'})
    check(versions(d, "app")[:2] == ("0.110.3 (pdm.lock)", "1.4.52 (setup.py)"),
          f"pdm.lock and setup.py: {versions(d)}")


@test
def build_folders(d):
    write(d, {"docker/api/Dockerfile": "FROM python:3.12\n",
              "docker/api/requirements.txt": "fastapi==0.108.0\n",
              "app/x.py": "x = 1\n"})
    check(versions(d, "app")[0] == "0.108.0 (docker/api/requirements.txt)",
          f"nothing else pins: the image's requirements: {versions(d)}")
    write(d, {"requirements.txt": "fastapi>=0.100\n"})
    check(versions(d, "app")[0] == "the newest release (requirements.txt)",
          f"the project's own requirements first: {versions(d)}")


@test
def overrides(d):
    write(d, {"requirements.txt": "fastapi==0.99.1\nsqlalchemy==1.4.52\n",
              "pyproject.toml": """\
                  [tool.sessionlint]
                  fastapi-version = "0.118"
                  database = "cockroachdb"
                  """})
    check(versions(d) == ("0.118.0 (pyproject.toml [tool.sessionlint])",
                          "1.4.52 (requirements.txt)", "cockroachdb"),
          f"the configuration over the metadata: {versions(d)}")
    check(versions(d, "--fastapi-version", "0.105", "--sqlalchemy-version", "2.0") ==
          ("0.105.0 (--fastapi-version)", "2.0.0 (--sqlalchemy-version)", "cockroachdb"),
          "the command line over both")
    err = error_of(d, "--fastapi-version", "latest")
    check("--fastapi-version needs a version" in err, f"a bad version: {err!r}")


# ---------------------------------------------------------------- custom resources

DB = """\
import mydriver

_pool = mydriver.Pool(size=10)


def get_conn():
    return _pool.take()


def release_conn(conn):
    _pool.give_back(conn)
"""

ROUTES_LEAK = """\
from myapp.db import get_conn, release_conn


def report(query):
    conn = get_conn()
    rows = conn.run(query)
    release_conn(conn)
    return rows
"""

ROUTES_FIXED = """\
from myapp.db import get_conn, release_conn


def report(query):
    conn = get_conn()
    try:
        return conn.run(query)
    finally:
        release_conn(conn)
"""

RESOURCES = """\
[tool.sessionlint.resources.conn]
acquire = ["myapp.db.get_conn"]
release = ["myapp.db.release_conn", "close"]
release-twice = "harmful"
noun = "connection"
"""


@test
def custom_resources(d):
    write(d, {"myapp/__init__.py": "", "myapp/db.py": DB, "myapp/routes.py": ROUTES_LEAK})
    check(findings(d) == set(), "without the configuration nothing is known about get_conn")
    write(d, {"pyproject.toml": RESOURCES})
    check(findings(d) == {("myapp/routes.py", "SL103")},
          "with it, the leak on the exception path is found")
    rc, out, _ = run(d, "myapp/routes.py")
    check(rc == 1 and "connection `conn` is not released if the call on line 6 raises" in out,
          f"message: {out!r}")
    view = project_view(d)
    check(view["resource"].startswith("conn (connection); acquire myapp.db.get_conn; "
                                      "release-function myapp.db.release_conn; "
                                      "release-method close; release-twice harmful"),
          f"debug project: {view['resource']!r}")
    write(d, {"myapp/routes.py": ROUTES_FIXED})
    check(findings(d) == set(), "quiet once the release is in a finally")


@test
def custom_resource_methods(d):
    write(d, {"pyproject.toml": RESOURCES, "myapp/__init__.py": "", "myapp/db.py": DB,
              "myapp/jobs.py": """\
                  from myapp import db


                  def twice(query):
                      conn = db.get_conn()
                      try:
                          conn.run(query)
                      finally:
                          conn.close()
                      db.release_conn(conn)


                  def after(query):
                      conn = db.get_conn()
                      conn.close()
                      conn.run(query)


                  def fine(query):
                      with db.get_conn() as conn:
                          conn.run(query)
                  """})
    got = findings(d)
    check(got == {("myapp/jobs.py", "SL101"), ("myapp/jobs.py", "SL102")},
          f"a release method, release-twice = harmful, use after release, with: {got}")


# ---------------------------------------------------------------- runner

# ---------------------------------------------------------------- contexts

@test
def contexts_key_and_flag(d):
    # a leak in test code is left out by default, and said where it is when shown
    write(d, {"pyproject.toml": "[project]\nname = 'x'\n",
              "app/report.py": LEAK, "tests/test_report.py": LEAK})
    check(findings(d) == {("app/report.py", "SL103")}, "default: only app/report.py")
    rc, out, _ = run(d)
    check("1 more in test, CLI, script or example code" in out, f"summary: {out!r}")
    rc, out, _ = run(d, "--format", "json", "--context", "test")
    data = json.loads(out)
    got = {(f["path"], f["context"]) for f in data["findings"]}
    check(got == {("app/report.py", "service"), ("tests/test_report.py", "test")}, f"{got}")
    msg = [f["message"] for f in data["findings"] if f["path"].startswith("tests/")][0]
    check(msg.endswith("; in test code `report`"), f"message: {msg!r}")
    check(len(findings(d, "--context", "all")) == 2, "--context all")
    rc, out, _ = run(d, "--format", "sarif", "--context", "all")
    ctx = sorted(r["properties"]["context"] for r in json.loads(out)["runs"][0]["results"])
    check(ctx == ["service", "test"], f"sarif properties: {ctx}")
    write(d, {"pyproject.toml": "[project]\nname = 'x'\n[tool.sessionlint]\n"
                                "contexts = [\"test\"]\n"})
    check(len(findings(d)) == 2, "contexts = [\"test\"]")
    check(len(findings(d, "--context", "cli")) == 1, "--context replaces the configuration's")
    err = error_of(d, "--context", "tests")
    check("--context takes" in err, f"bad --context: {err!r}")
    write(d, {"pyproject.toml": "[tool.sessionlint]\ncontexts = [\"everywhere\"]\n"})
    err = error_of(d)
    check("not an execution context" in err, f"bad contexts: {err!r}")


@test
def endpoints_on_router_subclasses(d):
    # a path operation on a router or app of the project's own class (built
    # on APIRouter or FastAPI, a base or two deep, in another module) runs in
    # a request; the same leak in a plain function is service code
    write(d, {"pyproject.toml": "[project]\nname = 'x'\n",
              "app/__init__.py": "",
              "app/routers.py": "from fastapi import APIRouter\n\n\n"
                                "class UserRouter(APIRouter):\n    pass\n\n\n"
                                "class AdminRouter(UserRouter):\n    pass\n",
              "app/views.py": "from sqlalchemy.orm import sessionmaker\n\n"
                              "from app.routers import AdminRouter\n\n"
                              "SessionLocal = sessionmaker()\n"
                              "admin = AdminRouter(prefix='/admin')\n\n\n"
                              "@admin.get('/report')\n"
                              "def report(q: str):\n"
                              "    s = SessionLocal()\n    s.execute(q)\n    s.close()\n\n\n"
                              "def job(q: str):\n"
                              "    s = SessionLocal()\n    s.execute(q)\n    s.close()\n"})
    rc, out, _ = run(d, "--format", "json")
    got = sorted((f["line"], f["context"]) for f in json.loads(out)["findings"])
    check(got == [(11, "request"), (17, "service")], f"contexts: {got}")


@test
def commands_that_run_forever_are_services(d):
    # a command whose body loops until the process is stopped is a worker: a
    # leak there is service code (reported); a one-shot command's is CLI code
    write(d, {"pyproject.toml": "[project]\nname = 'x'\n",
              "app/__init__.py": "",
              "app/cli.py": "import time\n\nimport click\n"
                            "from sqlalchemy.orm import sessionmaker\n\n"
                            "SessionLocal = sessionmaker()\n\n\n"
                            "@click.command()\n"
                            "def worker():\n"
                            "    while True:\n"
                            "        s = SessionLocal()\n        s.execute('SELECT 1')\n"
                            "        s.close()\n        time.sleep(5)\n\n\n"
                            "@click.command()\n"
                            "def once():\n"
                            "    while True:\n"
                            "        s = SessionLocal()\n        s.execute('SELECT 1')\n"
                            "        s.close()\n        break\n"})
    rc, out, _ = run(d, "--format", "json", "--context", "all")
    got = sorted((f["line"], f["context"]) for f in json.loads(out)["findings"]
                 if f["code"] == "SL103")
    check(got == [(12, "service"), (21, "cli")], f"contexts: {got}")


@test
def templates_are_skipped(d):
    write(d, {"gen/template/client.py": "from {{ package }} import {{ name }}\n",
              "gen/broken.py": "def f(:\n",
              "app/report.py": LEAK})
    rc, out, _ = run(d, "--format", "json")
    data = json.loads(out)
    codes = sorted((f["path"], f["code"]) for f in data["findings"])
    check(codes == [("app/report.py", "SL103"), ("gen/broken.py", "SL000")], f"{codes}")
    check(data["skipped_templates"] == 1 and data["files"] == 2, f"{data['files']} files")
    rc, out, _ = run(d, "debug", "files")
    check("gen/template/client.py  (skipped: a template, not Python)" in out, f"{out!r}")


def main():
    global BIN, VERBOSE
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "sessionlint"))
    ap.add_argument("-v", action="store_true", help="show every command and its output")
    ap.add_argument("-k", default="", help="run only tests whose name contains this")
    args = ap.parse_args()
    BIN = os.path.abspath(args.bin)
    VERBOSE = args.v
    if not os.access(BIN, os.X_OK):
        print(f"config: {BIN} is missing; run make first")
        print("0 passed, 1 failed, 0 skipped")
        return 1
    passed = failed = 0
    for fn in TESTS:
        if args.k not in fn.__name__:
            continue
        d = tempfile.mkdtemp(prefix="sl-config-")
        try:
            fn(d)
            passed += 1
            print(f"ok   {fn.__name__}")
        except (Failure, subprocess.TimeoutExpired, json.JSONDecodeError, KeyError) as e:
            failed += 1
            print(f"FAIL {fn.__name__}: {type(e).__name__}: {e}")
        finally:
            shutil.rmtree(d, ignore_errors=True)
    print(f"{passed} passed, {failed} failed, 0 skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
