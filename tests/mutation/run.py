#!/usr/bin/env python3
"""run.py - the mutation check: one defect injected at a time into real code,
and whether sessionlint reports it where it was injected.

Not part of `make check`: `make mutation CORPUS=DIR [MUT_ARGS="..."]` runs it
on a corpus folder holding one folder per repository (owner__name).  Standard
library only.

Operators (sites.py finds their sites with the `ast` module and edits the
text at the positions it gives, so the rest of the file keeps its bytes):

  drop-finally        try: ... finally: x.close() (or pool.putconn(x),
                      await pool.release(x)), x acquired in the function:
                      the try/finally goes, body then release in sequence; a
                      try whose every except ends in `raise` loses only its
                      finally.                              expect SL103
  with-to-close       with X() as s: (async with too; X a session factory or
                      engine.connect(), pool.acquire(), pool.connection()):
                      s = X(); body; s.close() (await, release, putconn)
                      at the end of the body; not when the body returns
                      something built from s (it may hold s) or already
                      closes s in a finally.                 expect SL103
  unguard-yield       a generator yielding inside try/finally that releases
                      (or inside `with X() as s`): the try/finally (or the
                      with) goes, the release follows the yield. expect SL104
                      The pytest-fixture row expects nothing: pytest resumes
                      a fixture with next(), so its teardown always runs.
                      Nor does the bound-session row: a session bound to
                      the connection of a `with` around it holds nothing
                      of its own, and that with returns the connection.
  double-putconn      after pool.putconn(c) a second identical call; inside
                      `with pool.connection() as c` a putconn(c) at the end.
                      expect SL101.  The asyncpg row (await pool.release(c),
                      `async with pool.acquire()`) expects nothing: asyncpg
                      ignores a second release; an SL101 there is noise.
  gather-one-session  an async function using a session or connection s
                      (parameter, async with, acquisition) with await:
                      `await asyncio.gather(s.execute(text("select 1")), ...)`
                      after its first use (imports added at the top when
                      missing); never on encode/databases connections,
                      which serialize their queries.         expect SL203
                      The psycopg row (psycopg 3 connections) expects
                      nothing: psycopg serializes a connection's statements,
                      so two gathered reads wait for each other.
  unwrap-text         s.execute(text("...")) -> s.execute("...") (scalar,
                      scalars; literal, f-string, concatenation, or a name
                      bound to one), not in a project on SQLAlchemy 1.x.
                                                             expect SL301
  module-session      in an endpoint, dependency or middleware, `db = X()`
                      (or `with X() as db:`) becomes `db = X()` at module
                      level, above that function.            expect SL201

Each mutant is one file changed in a temporary copy of its repository (hard
links to the corpus, the mutated file written as a new file), checked to
parse and compile with CPython, then analyzed from the copy's root:

    sessionlint --format json --exit-zero -q -j 1 --select CODE [--context all] .

(--context all when the binary's --help offers it).

Killed, precisely: the report has a finding with the expected code, in the
mutated file, that the unmutated repository does not have (same code at the
same line once the original's lines are mapped through the edit), whose line
or one of whose trace steps in that file is at most --window (3) lines from
an anchor.  Anchors, in the mutant's numbering: drop-finally the
acquisition and the first line of the former try body; with-to-close the
new acquisition; unguard-yield the yields; double-putconn the second
release (and the with); gather-one-session the gather; unwrap-text the
execute call; module-session the new module-level line.  A site where the
unmutated repository already has a finding of the expected code within the
window is `reported-before` and is not run.  Other outcomes: `survived`,
`invalid` (the edit was refused or the mutant does not compile), `error`
(sessionlint failed or timed out); for the rows expecting nothing, `quiet`
(right) or `noisy` (a new finding near the site).  Kill rate: killed /
(killed + survived); quiet rate: quiet / (quiet + noisy).

Files the running Python does not parse are skipped (counted per
repository): run with the newest Python at hand (make mutation PYTHON=...)
and compare runs made with the same one.

Sampling: each operator's sites in a repository are shuffled with a seed
made of --seed, the operator and the repository; the first --per-repo are
kept; when an operator has more than --per-operator in all, repositories
give one mutant each in turn (in name order) until the cap.  The sample
depends only on the corpus, the operators' code, the options and the Python
that parses, not on the analysis (the binary only says, through `debug
project`, which SQLAlchemy a folder pins, for unwrap-text), so two runs
compare mutant by mutant.

Output (--out, default build/mutation): a line per mutant as it finishes,
then the table; survivors.log (per survivor: file:line, how the resource
was recognized, and its origin: the parameter, assignment, with or import
its first name comes from), survivors.diff (each survivor's edit, for
reading: it quotes the corpus, keep it out of commits; --all-diffs writes
every mutant's to mutants.diff) and results.json
(every mutant and the table).  --compare OLD.json prints the rates of both
runs and the mutants whose outcome changed.

Usage: tests/mutation/run.py --corpus DIR [--operators a,b] [--repos o__n,...]
           [--jobs N] [--per-repo 20] [--per-operator 200] [--seed 1]
           [--window 3] [--bin build/sessionlint] [--out DIR] [--compare OLD]
           [--list] [--only ID-PART] [--keep DIR] [--all-diffs]
"""
import argparse
import ast
import collections
import concurrent.futures
import difflib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import sites  # noqa: E402

PYVER = "%d.%d" % sys.version_info[:2]   # what parses: the sample depends on it
TIMEOUT = 600          # seconds per run of sessionlint on one repository copy
# A file none of whose lines says any of these has no site and names no
# factory, engine or dependency: it is not parsed.
RELEVANT = re.compile(r"[Ss]ession|connect|putconn|acquire|text\(|Depends|[Ee]ngine")


def parse_args(argv):
    ap = argparse.ArgumentParser(description="mutation check of sessionlint on real code")
    ap.add_argument("--corpus", required=True, help="folder of repositories (owner__name)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "sessionlint"))
    ap.add_argument("--operators", default="", help="comma-separated operators (default: all)")
    ap.add_argument("--repos", default="", help="comma-separated owner__name or owner/name")
    ap.add_argument("--jobs", type=int, default=1, help="mutants analyzed at once")
    ap.add_argument("--per-repo", type=int, default=20)
    ap.add_argument("--per-operator", type=int, default=200)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--window", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "mutation"))
    ap.add_argument("--compare", help="an earlier results.json")
    ap.add_argument("--list", action="store_true", help="count the sites; run nothing")
    ap.add_argument("--only", default="", help="run only the mutants whose id contains this")
    ap.add_argument("--keep", help="also write each mutated file to KEEP/<repo>/<path>")
    ap.add_argument("--all-diffs", action="store_true",
                    help="write every mutant's edit to mutants.diff, not only the survivors'")
    a = ap.parse_args(argv)
    a.operators = [o for o in a.operators.split(",") if o] or list(sites.OPERATORS)
    bad = [o for o in a.operators if o not in sites.OPERATORS]
    if bad:
        ap.error("unknown operator %s (known: %s)" % (", ".join(bad), ", ".join(sites.OPERATORS)))
    a.bin = os.path.abspath(a.bin)
    a.repos = [r.replace("/", "__") for r in a.repos.split(",") if r]
    return a


# ------------------------------------------------------------ sessionlint


def tool(args, cwd, timeout=TIMEOUT):
    """(returncode, stdout, stderr) of sessionlint, or (None, '', why)."""
    try:
        p = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", "timed out after %ds" % timeout
    except OSError as e:
        return None, "", str(e)
    return p.returncode, p.stdout, p.stderr


def analyze(opts, cwd, codes):
    """(findings, None) of one run from cwd, or (None, why)."""
    cmd = [opts.bin, "--format", "json", "--exit-zero", "-q", "-j", "1",
           "--select", ",".join(sorted(codes))] + opts.context + ["."]
    rc, out, err = tool(cmd, cwd)
    if rc not in (0, 1):
        return None, "exit %s: %s" % (rc, (err.strip().splitlines() or [""])[-1])
    try:
        findings = json.loads(out)["findings"]
    except (ValueError, KeyError, TypeError) as e:
        return None, "not sessionlint's JSON: %s" % e
    return findings, None


def sqlalchemy_major(opts, repo_dir, rel_dir, cache):
    """SQLAlchemy's major version in force for a folder (None: unknown)."""
    if rel_dir not in cache:
        rc, out, _ = tool([opts.bin, "debug", "project", rel_dir or "."], repo_dir, 60)
        m = re.search(r"^sqlalchemy\s+(\d+)", out or "", re.M)
        cache[rel_dir] = int(m.group(1)) if m else None
    return cache[rel_dir]


# ------------------------------------------------------------ the sites


def load_project(opts, repo_dir):
    """(Project, {rel: Module}, skipped) of one repository: the files a check
    reads that this Python parses, and how many it does not (newer syntax:
    run with a newer Python to see them)."""
    rc, out, err = tool([opts.bin, "debug", "files", "."], repo_dir, 300)
    if rc != 0:
        raise SystemExit("%s: sessionlint debug files failed: %s" % (repo_dir, err.strip()))
    mods = []
    skipped = 0
    for rel in out.splitlines():
        if not rel.endswith(".py"):
            continue
        try:
            with open(os.path.join(repo_dir, rel), "rb") as f:
                data = f.read()
            src = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if not RELEVANT.search(src):
            continue
        if src.startswith("\ufeff") or re.search(r"\r(?!\n)", src):
            continue        # line numbers the line editor would not share with ast
        try:
            tree = ast.parse(src, filename=rel)
        except (SyntaxError, ValueError):
            skipped += 1
            continue
        mods.append(sites.Module(rel, src, tree))
    return sites.Project(mods), {m.rel: m for m in mods}, skipped


def collect(opts, repo, repo_dir):
    """(sites, files skipped) of the selected operators in one repository."""
    proj, _, skipped = load_project(opts, repo_dir)
    out = []
    cache = {}
    for m in proj.modules:
        for s in sites.sites(proj, m, opts.operators):
            if s.op == "unwrap-text" and sqlalchemy_major(opts, repo_dir, os.path.dirname(m.rel), cache) == 1:
                continue    # plain strings are fine on SQLAlchemy 1.x
            s.repo = repo
            out.append(s)
    return out, skipped


def sample(opts, by_repo):
    """The sites to mutate: per operator, --per-repo per repository, then
    round-robin over repositories up to --per-operator."""
    chosen = []
    for op in opts.operators:
        queues = []
        for repo in sorted(by_repo):
            lst = [s for s in by_repo[repo] if s.op == op]
            random.Random("%s:%s:%s" % (opts.seed, op, repo)).shuffle(lst)
            queues.append(collections.deque(lst[:opts.per_repo]))
        taken = 0
        while taken < opts.per_operator and any(queues):
            for q in queues:
                if q and taken < opts.per_operator:
                    chosen.append(q.popleft())
                    taken += 1
    return chosen


# ------------------------------------------------------------ the mutants


class Mutant:
    def __init__(self, site, n):
        self.site = site
        self.id = "%s:%s:%s:%d" % (site.op, site.repo, site.mod.rel, site.line)
        if n:
            self.id += "#%d" % n
        self.status = None
        self.detail = ""
        self.text = None
        self.anchors = []
        self.linemap = {}
        self.near = []          # lines of new findings near the anchors
        self.elsewhere = []     # lines of new findings of the code elsewhere in the file

    @property
    def key(self):
        return self.site.op + ("/" + self.site.group if self.site.group else "")

    @property
    def code(self):
        return self.site.watch

    def build(self):
        try:
            self.text, self.anchors, self.linemap = self.site.build()
        except sites.CannotMutate as e:
            self.status, self.detail = "invalid", str(e)
            return
        if self.text == self.site.mod.src:
            self.status, self.detail = "invalid", "the edit changed nothing"
            return
        try:
            compile(self.text, self.site.mod.rel, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as e:
            self.status, self.detail = "invalid", "does not compile: %s" % e
            return
        if not self.anchors:
            self.status, self.detail = "invalid", "no anchor line"

    def close_to(self, lines, window):
        return any(abs(a - ln) <= window for a in self.anchors for ln in lines)

    def old_lines(self, baseline):
        """The unmutated file's lines with the code, in the mutant's numbering."""
        rel = self.site.mod.rel
        return {self.linemap.get(f["line"]) for f in baseline
                if f["code"] == self.code and f["path"] == rel} - {None}

    def judge(self, findings, baseline, window):
        rel = self.site.mod.rel
        old = self.old_lines(baseline)
        for f in findings:
            if f.get("code") != self.code or f.get("path") != rel or f.get("line") in old:
                continue
            lines = [f["line"]] + [t["line"] for t in f.get("trace") or [] if t.get("path") == rel]
            (self.near if self.close_to(lines, window) else self.elsewhere).append(f["line"])
        if self.site.expect:
            self.status = "killed" if self.near else "survived"
        else:
            self.status = "noisy" if self.near else "quiet"

    def record(self):
        s = self.site
        return {"id": self.id, "op": s.op, "group": s.group, "repo": s.repo, "path": s.mod.rel,
                "line": s.line, "expect": s.expect, "how": s.how, "variant": s.variant,
                "origin": s.origin,
                "status": self.status, "detail": self.detail, "anchors": self.anchors,
                "near": sorted(self.near), "elsewhere": sorted(self.elsewhere)}


def make_mutants(chosen):
    seen = collections.Counter()
    out = []
    for s in chosen:
        base = "%s:%s:%s:%d" % (s.op, s.repo, s.mod.rel, s.line)
        out.append(Mutant(s, seen[base]))
        seen[base] += 1
    return out


# ------------------------------------------------------------ workspaces


def link_tree(src, dst):
    """A copy of src at dst made of hard links (plain copies across devices)."""
    for dirpath, dirnames, filenames in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        os.makedirs(os.path.join(dst, rel), exist_ok=True)
        for name in filenames:
            a, b = os.path.join(dirpath, name), os.path.join(dst, rel, name)
            if os.path.islink(a):
                continue
            try:
                os.link(a, b)
            except OSError:
                shutil.copy2(a, b)


def put_file(copy_root, rel, data):
    """Replaces one file of a copy by a new file (never writing through a link)."""
    path = os.path.join(copy_root, rel)
    os.unlink(path)
    with open(path, "xb") as f:
        f.write(data)


def restore_file(repo_dir, copy_root, rel):
    path = os.path.join(copy_root, rel)
    os.unlink(path)
    try:
        os.link(os.path.join(repo_dir, rel), path)
    except OSError:
        shutil.copy2(os.path.join(repo_dir, rel), path)


def run_repo(opts, repo, repo_dir, mutants, tmp, report):
    """Runs the mutants of one repository on --jobs copies of it."""
    codes = {m.code for m in mutants}
    baseline, err = analyze(opts, repo_dir, codes)
    if baseline is None:
        for m in mutants:
            m.status, m.detail = "error", "baseline: " + err
            report(m)
        return
    todo = []
    for m in mutants:
        m.build()
        if opts.keep and m.text is not None:
            path = os.path.join(opts.keep, repo, m.site.mod.rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(m.text)
        if m.status is None and m.close_to(m.old_lines(baseline), opts.window):
            m.status = "reported-before"
        if m.status:
            report(m)
        else:
            todo.append(m)
    if not todo:
        return
    slots = []
    for i in range(min(opts.jobs, len(todo))):
        d = os.path.join(tmp, "%s.%d" % (repo, i))
        link_tree(repo_dir, d)
        slots.append(d)
    free = collections.deque(slots)
    lock = threading.Lock()

    def one(m):
        with lock:
            d = free.popleft()
        try:
            put_file(d, m.site.mod.rel, m.text.encode("utf-8"))
            findings, why = analyze(opts, d, {m.code})
            restore_file(repo_dir, d, m.site.mod.rel)
        finally:
            with lock:
                free.append(d)
        if findings is None:
            m.status, m.detail = "error", why
        else:
            m.judge(findings, baseline, opts.window)
        report(m)

    with concurrent.futures.ThreadPoolExecutor(len(slots)) as ex:
        for fut in [ex.submit(one, m) for m in todo]:
            fut.result()
    for d in slots:
        shutil.rmtree(d, ignore_errors=True)


# ------------------------------------------------------------ the report


STATUSES = ("killed", "survived", "quiet", "noisy", "reported-before", "invalid", "error")


def summarize(mutants):
    table = {}
    for m in mutants:
        row = table.setdefault(m.key, dict.fromkeys(("mutants",) + STATUSES, 0))
        row["mutants"] += 1
        row[m.status] += 1
    for row in table.values():
        hit, miss = row["killed"] + row["quiet"], row["survived"] + row["noisy"]
        row["rate"] = round(hit / (hit + miss), 4) if hit + miss else None
    return table


def print_table(table, out=sys.stdout):
    head = "%-26s %7s %6s %8s %6s  %s" % ("operator", "mutants", "killed", "survived", "rate",
                                          "(before, invalid, errors)")
    print(head, file=out)
    print("-" * len(head), file=out)
    for key in sorted(table):
        r = table[key]
        if r["quiet"] + r["noisy"]:
            hits, misses, label = r["quiet"], r["noisy"], "quiet/noisy"
        else:
            hits, misses, label = r["killed"], r["survived"], ""
        rate = "%5.1f%%" % (100 * r["rate"]) if r["rate"] is not None else "    -"
        print("%-26s %7d %6d %8d %6s  (%d, %d, %d) %s" % (
            key, r["mutants"], hits, misses, rate, r["reported-before"], r["invalid"],
            r["error"], label), file=out)


def write_diff(out, m):
    s = m.site
    out.writelines(difflib.unified_diff(
        s.mod.src.splitlines(True), m.text.splitlines(True),
        "a/%s/%s" % (s.repo, s.mod.rel), "b/%s/%s" % (s.repo, s.mod.rel), n=4))
    out.write("\n")


def write_outputs(opts, mutants, table, started):
    os.makedirs(opts.out, exist_ok=True)
    with open(os.path.join(opts.out, "survivors.log"), "w", encoding="utf-8") as log, \
            open(os.path.join(opts.out, "survivors.diff"), "w", encoding="utf-8") as diff:
        for m in sorted(mutants, key=lambda m: m.id):
            if m.status not in ("survived", "noisy", "invalid", "error"):
                continue
            s = m.site
            print("%-8s %-20s %s/%s:%d  how=%s variant=%s origin=%s anchors=%s%s%s" % (
                m.status, m.key, s.repo, s.mod.rel, s.line, s.how, s.variant, s.origin, m.anchors,
                " elsewhere=%s" % m.elsewhere if m.elsewhere else "",
                " (%s)" % m.detail if m.detail else ""), file=log)
            if m.text is not None and m.status in ("survived", "noisy"):
                write_diff(diff, m)
    if opts.all_diffs:
        with open(os.path.join(opts.out, "mutants.diff"), "w", encoding="utf-8") as diff:
            for m in sorted(mutants, key=lambda m: m.id):
                if m.text is not None:
                    diff.write("# %s %s\n" % (m.status, m.id))
                    write_diff(diff, m)
    doc = {"version": 1, "binary": opts.bin, "python": PYVER, "seed": opts.seed, "window": opts.window,
           "per_repo": opts.per_repo, "per_operator": opts.per_operator,
           "operators": opts.operators, "repos": opts.repos or "all",
           "seconds": round(time.time() - started, 1), "table": table,
           "mutants": [m.record() for m in sorted(mutants, key=lambda m: m.id)]}
    with open(os.path.join(opts.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def compare(opts, old_path, table, mutants):
    with open(old_path, encoding="utf-8") as f:
        old = json.load(f)
    print("\ncompared with %s" % old_path)
    for key in ("python", "seed", "window", "per_repo", "per_operator", "operators", "repos"):
        now = {"repos": opts.repos or "all", "python": PYVER}.get(key) or getattr(opts, key)
        if old.get(key) != now:
            print("note: %s differs (%s then, %s now): the samples are not the same" % (key, old.get(key), now))
    print("%-26s %10s %10s" % ("operator", "before", "now"))
    for key in sorted(set(old["table"]) | set(table)):
        def rate(t):
            r = t.get(key, {}).get("rate")
            return "%5.1f%%" % (100 * r) if r is not None else "-"
        print("%-26s %10s %10s" % (key, rate(old["table"]), rate(table)))
    before = {m["id"]: m["status"] for m in old["mutants"]}
    changed = [(m.id, before[m.id], m.status) for m in mutants
               if m.id in before and before[m.id] != m.status]
    for mid, a, b in sorted(changed):
        print("  %s: %s -> %s" % (mid, a, b))
    only_new = sum(1 for m in mutants if m.id not in before)
    only_old = len(set(before) - {m.id for m in mutants})
    print("%d changed, %d only in this run, %d only in the old one" % (len(changed), only_new, only_old))


def main(argv):
    opts = parse_args(argv)
    started = time.time()
    if not os.access(opts.bin, os.X_OK):
        raise SystemExit("%s: not built (run make)" % opts.bin)
    rc, helptext, _ = tool([opts.bin, "--help"], ROOT, 60)
    opts.context = ["--context", "all"] if "--context" in (helptext or "") else []
    repos = sorted(d for d in os.listdir(opts.corpus)
                   if os.path.isdir(os.path.join(opts.corpus, d)) and not d.startswith("."))
    if opts.repos:
        missing = set(opts.repos) - set(repos)
        if missing:
            raise SystemExit("not in the corpus: %s" % ", ".join(sorted(missing)))
        repos = [r for r in repos if r in opts.repos]
    by_repo = {}
    for repo in repos:
        by_repo[repo], skipped = collect(opts, repo, os.path.join(opts.corpus, repo))
        print("%-50s %s%s" % (repo, " ".join("%s=%d" % (op, sum(1 for s in by_repo[repo] if s.op == op))
                                             for op in opts.operators),
                              " (%d files Python %s does not parse)" % (skipped, PYVER) if skipped else ""),
              flush=True)
    if opts.list:
        return 0
    mutants = [m for m in make_mutants(sample(opts, by_repo)) if opts.only in m.id]
    print("%d mutants (seed %s, at most %d per repository and %d per operator)%s" % (
        len(mutants), opts.seed, opts.per_repo, opts.per_operator,
        ", --context all" if opts.context else ""), flush=True)
    lock = threading.Lock()

    def report(m):
        with lock:
            print("%-16s %s%s" % (m.status, m.id, " (%s)" % m.detail if m.detail else ""), flush=True)

    tmp = tempfile.mkdtemp(prefix="sessionlint-mutation-")
    try:
        for repo in repos:
            mine = [m for m in mutants if m.site.repo == repo]
            if mine:
                run_repo(opts, repo, os.path.abspath(os.path.join(opts.corpus, repo)), mine, tmp, report)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    table = summarize(mutants)
    print()
    print_table(table)
    write_outputs(opts, mutants, table, started)
    print("\nwrote %s/{results.json,survivors.log,survivors.diff} (%.0fs)"
          % (opts.out, time.time() - started))
    if opts.compare:
        compare(opts, opts.compare, table, mutants)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
