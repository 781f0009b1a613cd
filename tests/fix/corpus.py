#!/usr/bin/env python3
"""corpus.py - the fix check on real code: `sessionlint --fix` on every
repository of a corpus, and whether what it writes holds up.

Not part of `make check` (the corpus is other people's code, not in the
project): `make fixcheck CORPUS=DIR` runs it.  DIR holds one folder per
repository, named owner__name.  Standard library only.

Each repository is copied three times to a temporary folder (never touched
in the corpus; the copies are removed at the end, on failure and on Ctrl-C
too): A is fixed, B stays as it was, C gets --diff.  From each copy's root:

  before   sessionlint --format json --unsafe-fixes          (on B)
  fix      sessionlint --fix --unsafe-fixes --format json    (on A)
  again    the same a second time                            (on A)
  after    sessionlint --format json --unsafe-fixes          (on A)
  diff     sessionlint --diff --unsafe-fixes                 (on C)

(EXTRA, whatever follows `--`, is added to each: `make fixcheck` passes
$(FIX_ARGS) there, e.g. FIX_ARGS="--context all --extend-select SL106";
a default run reports little in tests, scripts and migrations, so fixes
little there.)  Then, for each repository:

  changed   the files whose bytes differ between A and B after `fix`
  fixed     per rule: the findings of `before` that carry a fix (JSON
            findings always carry theirs) and that `after` no longer
            reports, matched as a multiset on (path, code, message) with
            line numbers in messages ("on line 56") blanked, since fixes
            move lines; the JSON has no fingerprint to match on
  said      the total sessionlint itself announces ("Would fix N
            findings." from `diff`); it can differ from the sum of `fixed`:
            a finding a later round creates and fixes is not in `before`,
            and a fix can take another finding away with its own
  dropped   the fixes sessionlint drops and reports on standard error as a
            bug of its own during `fix` ("... it was not applied. This is
            a bug in sessionlint ..."): listed, counted, not failures
  new       findings `after` reports that `before` did not (a fix that
            brings a finding of its own): listed as notes, not failures

and these fail the check (each printed with its repository and path):

  parse     a changed file that CPython does not parse
            (tests/pyast_dump.py, the parser tests' oracle, prints
            `error: line N` for it); one whose original does not parse
            with this Python either is only noted (newer syntax)
  again     the second --fix changes bytes
  back      `after` reports a finding whose fix was applied: more findings
            with one (path, code, message) than `before` had without a fix
            (or with a dropped one)
  report    the findings `fix` reports as remaining differ from `after`
  diff      `diff` wrote to C, its exit status is not 1 exactly when it
            prints a diff, or its diff applied to B with `patch -p1` (git
            apply without patch) does not give A's bytes, file for file
  files     A gains or loses a file (a temporary file left behind), or a
            file's mode changes
  run       sessionlint exits with a status other than 0 or 1, prints no
            JSON, or says it has a bug other than a dropped fix (a fixed
            file that does not parse, not written); or copying fails

The binary is copied to the temporary folder first and that copy runs, so
that rebuilding it while the check runs does not change it midway.

Output: a line per repository, the failures and dropped fixes, then a table
with a row per repository and the total: files changed, fixes per rule (a
column per code), sessionlint's own total, fixes dropped, failures.
Everything is sorted, so two runs print the same.  Exit status 1 if any
check failed, 2 on a usage error, else 0.

Usage: tests/fix/corpus.py --corpus DIR [--repo OWNER/NAME ...] [--jobs N]
                           [--sessionlint PATH] [-v] [-- EXTRA ...]
  --repo     only this repository (owner/name or owner__name; repeatable)
  --jobs     repositories checked at the same time (default 1)
  --sessionlint  the binary (default: build/sessionlint)
  -v         also list every changed file and fixed finding
"""
import argparse
import collections
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PYAST_DUMP = os.path.join(ROOT, "tests", "pyast_dump.py")
TIMEOUT = 900  # seconds per run of sessionlint; the largest repository takes seconds
# the rules whose page promises a fix (as tests/fix/run.py): a column each
FIXABLE = ("SL101", "SL103", "SL104", "SL105", "SL106", "SL301", "SL401", "SL403")
BUG = "bug in sessionlint"
DROP = re.compile(r"^sessionlint: error: (.*?):(\d+):(\d+): the fix for (SL\d+) (.*?); it was not applied")
LINE_REF = re.compile(r"\bline \d+")
SAID = re.compile(r"Would fix (\d+) finding")


class Usage(Exception):
    """A usage error: exit status 2."""


Failure = collections.namedtuple("Failure", "repo kind path detail")
Result = collections.namedtuple("Result", "repo changed fixed said dropped failures notes fixed_list")


# ---- processes we start, so that Ctrl-C can stop them ----

class Live:
    """The child processes of the run, so that an interrupt can kill them."""

    def __init__(self):
        self.lock = threading.Lock()
        self.procs = set()
        self.stopping = False

    def run(self, cmd, cwd, stdin=None):
        """(returncode, stdout bytes, stderr bytes) of cmd; -1 on a timeout."""
        with self.lock:
            if self.stopping:
                raise KeyboardInterrupt
            p = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.PIPE if stdin is not None else
                                 subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.procs.add(p)
        try:
            out, err = p.communicate(stdin, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            return -1, out, err + b"\n(timed out)"
        finally:
            with self.lock:
                self.procs.discard(p)
        return p.returncode, out, err

    def stop(self):
        """Kills every child still running (each by its own pid)."""
        with self.lock:
            self.stopping = True
            for p in self.procs:
                if p.poll() is None:
                    p.kill()


LIVE = Live()


# ---- trees ----

def copy_tree(src, dst):
    shutil.copytree(src, dst, symlinks=True)


def snapshot(top):
    """{relative path: (sha256, mode)} of every file under top."""
    out = {}
    for d, dirs, files in os.walk(top):
        dirs.sort()
        for name in files:
            path = os.path.join(d, name)
            rel = os.path.relpath(path, top)
            st = os.lstat(path)
            if os.path.islink(path):
                digest = "link:" + os.readlink(path)
            else:
                with open(path, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
            out[rel] = (digest, st.st_mode & 0o7777)
    return out


def tree_diff(old, new):
    """(changed, added, removed, mode changed) paths between two snapshots."""
    changed = sorted(p for p in old.keys() & new.keys() if old[p][0] != new[p][0])
    modes = sorted(p for p in old.keys() & new.keys() if old[p][1] != new[p][1])
    return changed, sorted(new.keys() - old.keys()), sorted(old.keys() - new.keys()), modes


# ---- sessionlint ----

def sessionlint(opts, flags, cwd):
    """(returncode, stdout, stderr text) of sessionlint FLAGS EXTRA in cwd."""
    rc, out, err = LIVE.run([opts.sessionlint] + flags + opts.extra, cwd)
    return rc, out, err.decode("utf-8", "replace")


def json_report(opts, flags, cwd, what, fail):
    """The JSON report of a run, (report, stderr); None report after a failure."""
    rc, out, err = sessionlint(opts, flags, cwd)
    if rc not in (0, 1):
        fail("run", "", "%s: sessionlint %s exited %d: %s" % (what, " ".join(flags), rc, first_lines(err)))
        return None, err
    try:
        return json.loads(out), err
    except ValueError as e:
        fail("run", "", "%s: output is not JSON (%s): %r" % (what, e, out[:200]))
        return None, err


def first_lines(text, n=5):
    lines = [l for l in text.splitlines() if l.strip()]
    more = " (+%d lines)" % (len(lines) - n) if len(lines) > n else ""
    return " | ".join(lines[:n]) + more


def bug_lines(err):
    return [l for l in err.splitlines() if BUG in l]


def key(f):
    """What identifies a finding across a fix: path, code, message (line numbers blanked)."""
    return (f["path"], f["code"], LINE_REF.sub("line _", f["message"]))


def place(f):
    return "%s:%d:%d %s" % (f["path"], f["line"], f["column"], f["code"])


# ---- the checks ----

def dropped_fixes(err):
    """[(path, line, column, code, why)] of the fixes a run dropped as its own bug,
    and the other lines saying a bug (a fixed file that does not parse)."""
    drops, other = [], []
    for line in bug_lines(err):
        m = DROP.match(line)
        if m:
            drops.append((m.group(1), int(m.group(2)), int(m.group(3)), m.group(4), m.group(5)))
        else:
            other.append(line)
    return drops, other


def expected_gone(before, drops):
    """The findings of `before` whose fix should have been applied: those
    with a fix, less those whose fix was dropped (at their place, or, for a
    drop in a later round, one with the same path and code)."""
    todo = [f for f in before["findings"] if f["fix"] is not None]
    for path, line, col, code, _ in drops:
        exact = [f for f in todo if (f["path"], f["line"], f["column"], f["code"]) == (path, line, col, code)]
        loose = [f for f in todo if (f["path"], f["code"]) == (path, code)]
        for f in (exact or loose)[:1]:
            todo.remove(f)
    return todo


def count_back(before, after, gone):
    """(fixed findings per key, findings of `after` reported again): per key, what
    `after` has beyond the findings of `before` that were not expected to go."""
    stay = collections.Counter(key(f) for f in before["findings"]) - collections.Counter(key(f) for f in gone)
    now = collections.Counter(key(f) for f in after["findings"])
    back = []
    fixed = collections.Counter(key(f) for f in gone)
    for k in sorted(fixed):
        extra = min(fixed[k], now[k] - stay[k])
        if extra > 0:
            fixed[k] -= extra
            back += [f for f in after["findings"] if key(f) == k]
    return fixed, back


def new_findings(before, after, back):
    """The findings of `after` beyond what `before` had with their key (a fix
    that brings a finding of another kind), less those already `back`."""
    was = collections.Counter(key(f) for f in before["findings"])
    now = collections.Counter(key(f) for f in after["findings"])
    seen = {key(f) for f in back}
    return [f for f in after["findings"] if now[key(f)] > was[key(f)] and key(f) not in seen]


def check_parse(a_dir, b_dir, paths, fail, note):
    """Every changed .py/.pyi file parses with CPython (tests/pyast_dump.py)."""
    paths = [p for p in paths if p.endswith((".py", ".pyi"))]
    if not paths:
        return
    bad = dump_errors(a_dir, paths)
    if not bad:
        return
    old = dump_errors(b_dir, sorted(bad))
    for p in sorted(bad):
        if p in old:
            note("parse", p, "the fixed file does not parse with this Python (%s), nor does the "
                 "original (%s): newer syntax, not checked" % (bad[p], old[p]))
        else:
            fail("parse", p, "the fixed file does not parse with CPython: %s" % bad[p])


def dump_errors(top, paths):
    """{path: "line N"} for the paths under top that pyast_dump.py rejects."""
    with tempfile.NamedTemporaryFile("w", suffix=".lst", delete=False) as lst:
        lst.write("".join(p + "\n" for p in paths))
    try:
        rc, out, err = LIVE.run([sys.executable, PYAST_DUMP, "--list", lst.name], top)
    finally:
        os.unlink(lst.name)
    if rc != 0:
        return {p: "pyast_dump.py exited %d: %s" % (rc, first_lines(err.decode("utf-8", "replace")))
                for p in paths}
    bad, current = {}, None
    for line in out.decode("utf-8", "replace").split("\n"):
        if line.startswith("# "):
            current = line[2:]
        elif line.startswith("error: line") and current is not None:
            bad[current] = line[len("error: "):]
    return bad


def check_tree(orig, fixed, fail):
    """The changed files of a fix; files gained, lost or whose mode changed fail."""
    changed, added, removed, modes = tree_diff(orig, fixed)
    for p in added:
        fail("files", p, "a file appeared in the fixed copy")
    for p in removed:
        fail("files", p, "a file disappeared from the fixed copy")
    for p in modes:
        fail("files", p, "mode %o became %o" % (orig[p][1], fixed[p][1]))
    return changed


def check_same(want, got, kind, what, fail):
    """Fails once per file that differs between two snapshots."""
    changed, added, removed, _ = tree_diff(want, got)
    for p in changed:
        fail(kind, p, "%s: bytes differ" % what)
    for p in added:
        fail(kind, p, "%s: a file that should not be there" % what)
    for p in removed:
        fail(kind, p, "%s: a file is missing" % what)


def check_report(fix_report, after, fail):
    """The findings --fix reports as remaining are those a plain check reports."""
    def pos(r):
        return collections.Counter((f["path"], f["line"], f["column"], f["code"], f["message"])
                                   for f in r["findings"])
    a, b = pos(fix_report), pos(after)
    for f in sorted((a - b).elements()):
        fail("report", f[0], "--fix reported %s:%d:%d %s, a plain check does not" % f[:4])
    for f in sorted((b - a).elements()):
        fail("report", f[0], "a plain check reports %s:%d:%d %s, --fix did not" % f[:4])


def apply_diff(diff, top):
    """Applies a unified diff in top: (ok, what the tool said)."""
    if shutil.which("patch"):
        cmd = ["patch", "-p1", "--batch", "--silent", "--no-backup-if-mismatch", "-r", "-"]
    else:
        cmd = ["git", "apply", "-p1", "-"]
    rc, out, err = LIVE.run(cmd, top, stdin=diff)
    return rc == 0, cmd[0], (out + err).decode("utf-8", "replace")


def check_diff(opts, c_dir, b_dir, orig, fixed, fail):
    """--diff on C writes nothing, and its diff turns B into A. Returns the
    total it announces ("Would fix N findings."), or None."""
    rc, out, err = sessionlint(opts, ["--diff", "--unsafe-fixes"], c_dir)
    if rc not in (0, 1):
        fail("run", "", "diff: sessionlint --diff exited %d: %s" % (rc, first_lines(err)))
        return None
    m = SAID.search(err)
    said = int(m.group(1)) if m else 0
    if rc != (1 if out else 0):
        fail("diff", "", "--diff exited %d with %s diff" % (rc, "a" if out else "no"))
    check_same(orig, snapshot(c_dir), "diff", "--diff changed the copy it ran on", fail)
    if out:
        ok, tool, said_tool = apply_diff(out, b_dir)
        if not ok:
            fail("diff", "", "%s -p1 failed: %s" % (tool, first_lines(said_tool)))
    check_same(fixed, snapshot(b_dir), "diff", "the diff applied to the original is not the fixed copy", fail)
    return said


# ---- one repository ----

def check_repo(opts, repo, tmp):
    failures, notes = [], []

    def fail(kind, path, detail):
        failures.append(Failure(repo, kind, path, detail))

    def note(kind, path, detail):
        notes.append(Failure(repo, kind, path, detail))

    src = os.path.join(opts.corpus, folder_of(repo))
    work = tempfile.mkdtemp(prefix=folder_of(repo) + "-", dir=tmp)
    try:
        a_dir, b_dir, c_dir = (os.path.join(work, x) for x in "ABC")
        for d in (a_dir, b_dir, c_dir):
            copy_tree(src, d)
        return fix_and_check(opts, repo, a_dir, b_dir, c_dir, fail, note, failures, notes)
    except (OSError, shutil.Error, subprocess.SubprocessError) as e:
        fail("run", "", "%s: %s" % (type(e).__name__, e))
        return Result(repo, [], collections.Counter(), None, [], failures, notes, [])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fix_and_check(opts, repo, a_dir, b_dir, c_dir, fail, note, failures, notes):
    orig = snapshot(b_dir)
    empty = Result(repo, [], collections.Counter(), None, [], failures, notes, [])
    before, _ = json_report(opts, ["--format", "json", "--unsafe-fixes"], b_dir, "before", fail)
    fix_report, err = json_report(opts, ["--fix", "--unsafe-fixes", "--format", "json"], a_dir, "fix", fail)
    if before is None or fix_report is None:
        return empty
    drops, other = dropped_fixes(err)
    for line in other:
        fail("run", "", "fix: " + line)
    fixed_tree = snapshot(a_dir)
    changed = check_tree(orig, fixed_tree, fail)
    check_parse(a_dir, b_dir, changed, fail, note)

    again, _ = json_report(opts, ["--fix", "--unsafe-fixes", "--format", "json"], a_dir, "again", fail)
    check_same(fixed_tree, snapshot(a_dir), "again", "a second --fix changed it", fail)
    after, _ = json_report(opts, ["--format", "json", "--unsafe-fixes"], a_dir, "after", fail)
    fixed, fixed_list = collections.Counter(), []
    if after is not None:
        check_report(fix_report, after, fail)
        gone = expected_gone(before, drops)
        per_key, back = count_back(before, after, gone)
        for f in back:
            fail("back", f["path"], "reported again after its fix: %s: %s" % (place(f), f["message"]))
        for f in new_findings(before, after, back):
            note("new", f["path"], "reported after --fix, not before: %s: %s" % (place(f), f["message"]))
        for k, n in per_key.items():
            fixed[k[1]] += n
        fixed_list = fixed_findings(gone, per_key)
    said = check_diff(opts, c_dir, b_dir, orig, fixed_tree, fail)
    drop_list = sorted("%s:%d:%d %s: %s" % d for d in drops)
    return Result(repo, changed, fixed, said, drop_list, failures, notes, fixed_list)


def fixed_findings(gone, per_key):
    """The findings counted as fixed, for -v (the first ones of each key)."""
    left, out = collections.Counter(per_key), []
    for f in sorted(gone, key=lambda f: (f["path"], f["line"], f["column"], f["code"])):
        if left[key(f)] > 0:
            left[key(f)] -= 1
            out.append("%s [%s] %s" % (place(f), f["fix"]["applicability"], f["fix"]["message"]))
    return out


# ---- output ----

def repo_line(r):
    fixed = " ".join("%s=%d" % (c, r.fixed[c]) for c in sorted(r.fixed) if r.fixed[c]) or "none"
    said = "?" if r.said is None else r.said
    return "%s: %d file%s changed, fixed %s (sessionlint says %s), %d dropped, %d failure%s" % (
        r.repo, len(r.changed), "" if len(r.changed) == 1 else "s", fixed, said, len(r.dropped),
        len(r.failures), "" if len(r.failures) == 1 else "s")


def print_details(r, verbose):
    for f in sorted(r.failures):
        print("  FAIL %s %s %s: %s" % (f.kind, f.repo, f.path or "-", f.detail))
    for d in r.dropped:
        print("  dropped %s %s" % (r.repo, d))
    for f in sorted(r.notes):
        print("  note %s %s %s: %s" % (f.kind, f.repo, f.path or "-", f.detail))
    if verbose:
        for p in r.changed:
            print("  changed %s" % p)
        for f in r.fixed_list:
            print("  fixed %s" % f)


def print_table(results):
    codes = sorted(set(FIXABLE) | {c for r in results for c in r.fixed})
    head = ["repo", "files"] + codes + ["fixed", "said", "dropped", "failures"]
    rows = []
    for r in results:
        rows.append([r.repo, len(r.changed)] + [r.fixed[c] for c in codes] +
                    [sum(r.fixed.values()), "?" if r.said is None else r.said, len(r.dropped), len(r.failures)])
    total = ["total (%d repos)" % len(results)]
    for i in range(1, len(head)):
        total.append(sum(row[i] for row in rows if isinstance(row[i], int)))
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, total)]
    line = lambda cells: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(head))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))
    print(line(["-" * w for w in widths]))
    print(line(total))
    print("\nfiles: files --fix changed; SLxxx: findings with a fix that --fix made go away;"
          "\nfixed: their sum; said: what `--diff` says it would fix; dropped: fixes sessionlint"
          "\ndropped as its own bug; failures: the checks above that failed")


# ---- command line ----

def folder_of(repo):
    """owner/name (or owner__name) -> the corpus folder name owner__name."""
    return repo.replace("/", "__")


def repo_of(folder):
    return folder.replace("__", "/", 1)


def parse_args(argv):
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description="--fix on real code (tests/fix/corpus.py's header says how)")
    ap.add_argument("--corpus", required=True, help="a folder of repositories named owner__name")
    ap.add_argument("--repo", action="append", default=[], help="only this repository (repeatable)")
    ap.add_argument("--jobs", type=int, default=1, help="repositories at the same time (default 1)")
    ap.add_argument("--sessionlint", default=os.path.join(ROOT, "build", "sessionlint"))
    ap.add_argument("-v", "--verbose", action="store_true", help="list changed files and fixed findings")
    opts = ap.parse_args(argv)
    opts.extra = extra
    opts.corpus = os.path.abspath(opts.corpus)
    opts.sessionlint = os.path.abspath(opts.sessionlint)
    if not os.path.isdir(opts.corpus):
        raise Usage("no folder %s" % opts.corpus)
    if not os.access(opts.sessionlint, os.X_OK):
        raise Usage("%s is not an executable (run make)" % opts.sessionlint)
    if opts.jobs < 1:
        raise Usage("--jobs must be at least 1")
    return opts


def select_repos(opts):
    found = sorted(repo_of(d) for d in os.listdir(opts.corpus)
                   if os.path.isdir(os.path.join(opts.corpus, d)) and "__" in d)
    if not opts.repo:
        return found
    want = sorted({repo_of(folder_of(r)) for r in opts.repo})
    missing = [r for r in want if r not in found]
    if missing:
        raise Usage("not in %s: %s" % (opts.corpus, ", ".join(missing)))
    return want


def run_all(opts, repos, tmp):
    """Checks the repositories (opts.jobs at a time), printing each one's line
    in order; returns the results."""
    results = []
    with concurrent.futures.ThreadPoolExecutor(opts.jobs) as ex:
        futures = [ex.submit(check_repo, opts, repo, tmp) for repo in repos]
        try:
            for fut in futures:
                r = fut.result()
                results.append(r)
                print(repo_line(r), flush=True)
                print_details(r, opts.verbose)
                sys.stdout.flush()
        except BaseException:
            for fut in futures:
                fut.cancel()
            LIVE.stop()
            raise
    return results


def shown_path(path):
    """path relative to the project when it is inside it."""
    rel = os.path.relpath(path, ROOT)
    return path if rel.startswith("..") else rel


def file_digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def private_copy(binary, tmp):
    """A copy of the binary to run, so that a `make` during the run (src/
    changing under it) does not swap it between two runs of one repository."""
    path = os.path.join(tmp, "sessionlint")
    shutil.copy2(binary, path)
    return path


def on_term(signum, frame):
    raise KeyboardInterrupt


def main(argv):
    try:
        opts = parse_args(argv)
        repos = select_repos(opts)
    except Usage as e:
        print("corpus.py: %s" % e, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, on_term)
    print("sessionlint %s (sha256 %s), EXTRA: %s, %d repositories" % (
        shown_path(opts.sessionlint), file_digest(opts.sessionlint)[:12],
        " ".join(opts.extra) or "(none)", len(repos)), flush=True)
    tmp = tempfile.mkdtemp(prefix="sessionlint-fixcheck-")
    try:
        opts.sessionlint = private_copy(opts.sessionlint, tmp)
        results = run_all(opts, repos, tmp)
    except KeyboardInterrupt:
        print("\ninterrupted; temporary copies removed", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print_table(results)
    failed = sum(len(r.failures) for r in results)
    print("\n%d failure%s" % (failed, "" if failed == 1 else "s"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
