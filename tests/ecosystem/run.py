#!/usr/bin/env python3
"""run.py - the ecosystem check: sessionlint on real repositories, compared
with what the team judged of each finding.

For every repository of repos.tsv (or those named with --repo) the script
runs, from the repository's root in the corpus,

    build/sessionlint --format json [EXTRA ...]

once (EXTRA: whatever follows `--` on the command line; `make ecosystem`
passes $(ECO_ARGS) there, e.g. ECO_ARGS="--context all"), and matches the
findings with judgements.tsv, whose rows say of one finding

    repo  path  line  code  verdict  context  reason

(tab-separated; a first row naming the columns and lines starting with `#`
are skipped).  verdict is `true` (the maintainers would fix it), `debatable`
(right, but harmless where the code runs), `false` (the analysis is wrong) or
`?` (not judged yet).  context says where the code runs: request, service,
cli, script, test, example, or template (a file that is not Python, such as
a Jinja template named .py).  reason is one line in our own words: never
code copied from the repository.

Matching.  A finding and a judgement match when repo, path, code and line
are equal.  What is left over is then paired within one repo, path and code
by the nearest line, when the lines differ by at most --window (10) lines:
such a pair is MOVED (the code above it changed, or the analysis now points
at another statement of the same spot), keeps its verdict, and is listed so
that the row's line can be updated.  A judgement still unmatched is LOST
when it was true (a regression) and GONE otherwise (a false or debatable
finding no longer reported: progress); a finding still unmatched is NEW.
When the JSON carries a finding's "context", one that differs from the
judged context is listed too (for information).

Output: the lost, moved, false, debatable (by context) and new findings,
the gone ones, then a table per code: true / debatable / false / unjudged
among what is reported now, the share judged true, lost and gone.

Exit status: 0 when nothing judged true was lost and every reported finding
is judged; 1 when a finding judged true is lost (a regression, whatever
else happened); 3 when nothing is lost but some reported findings are not
judged yet (judge them: --template writes their rows); 2 on a usage error, a
bad judgements file, a repository missing from the corpus, or a run of
sessionlint that fails (exit status other than 0 or 1, or output that is not
its JSON).  False and debatable findings still reported do not fail the
check: they are known noise, counted in the table.  Unjudged ones do (with
their own status), so that the file stays current with the analysis.

The judgements are of default runs.  EXTRA that widens the report
(`--context all`, `--extend-select`) brings more findings to judge; EXTRA that
narrows it (`--select`, `--ignore`) makes lost and gone meaningless.

Other modes:
  --template FILE   also write the unjudged findings as rows with verdict
                    `?` and a guessed context (`-`: standard output), each
                    after a `#` line with the message, to fill in and append
                    to judgements.tsv (delete the `#` lines then).
  --save DIR        keep each repository's JSON report as DIR/owner__name.json
  --load DIR        read those reports instead of running sessionlint
                    (re-judging without spending the CPU again)
  --brief           print only the lost, moved and new findings and the table

Usage: tests/ecosystem/run.py --corpus DIR [--repo OWNER/NAME ...] [options] [-- EXTRA ...]
"""
import argparse
import collections
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 600  # seconds per repository; the largest takes a few
VERDICTS = ("true", "debatable", "false", "?")
CONTEXTS = ("request", "service", "cli", "script", "migration", "test", "example", "template")
COLUMNS = ("repo", "path", "line", "code", "verdict", "context", "reason")


class Bad(Exception):
    """A problem that stops the check with exit status 2."""


Judgement = collections.namedtuple("Judgement", "repo path line code verdict context reason where")
Finding = collections.namedtuple("Finding", "repo path line code message context")


def folder_of(repo):
    """owner/name -> the corpus folder name owner__name."""
    return repo.replace("/", "__")


def read_repos(path):
    """The repositories of a repos.tsv (first column; header skipped)."""
    repos = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            cells = line.rstrip("\n").split("\t")
            if n == 1 and cells[0] == "repo" or not cells[0] or cells[0].startswith("#"):
                continue
            repos.append(cells[0])
    return repos


def parse_row(cells, where):
    """One judgements.tsv row -> Judgement; raises Bad naming file:line."""
    if len(cells) != len(COLUMNS):
        raise Bad(f"{where}: {len(cells)} columns, expected {len(COLUMNS)}: {' '.join(COLUMNS)}")
    repo, path, line, code, verdict, context, reason = (c.strip() for c in cells)
    if not line.isdigit():
        raise Bad(f"{where}: line {line!r} is not a number")
    if verdict not in VERDICTS:
        raise Bad(f"{where}: verdict {verdict!r} is none of {', '.join(VERDICTS)}")
    if context not in CONTEXTS and not (verdict == "?" and context == "?"):
        raise Bad(f"{where}: context {context!r} is none of {', '.join(CONTEXTS)}")
    if verdict != "?" and not reason:
        raise Bad(f"{where}: a judged row needs a reason")
    return Judgement(repo, path, int(line), code, verdict, context, reason, where)


def read_judgements(path, known_repos):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            text = line.rstrip("\n")
            if not text.strip() or text.startswith("#"):
                continue
            cells = text.split("\t")
            if n == 1 and tuple(cells) == COLUMNS:
                continue
            row = parse_row(cells, f"{os.path.relpath(path)}:{n}")
            if row.repo not in known_repos:
                raise Bad(f"{row.where}: repository {row.repo} is not in repos.tsv")
            rows.append(row)
    return rows


def run_one(repo, args):
    """The JSON report of one repository: run sessionlint, or --load it."""
    name = folder_of(repo)
    if args.load:
        with open(os.path.join(args.load, name + ".json"), encoding="utf-8") as f:
            text = f.read()
    else:
        cwd = os.path.join(args.corpus, name)
        if not os.path.isdir(cwd):
            raise Bad(f"{repo}: no folder {cwd} (see tests/ecosystem/README.md to rebuild the corpus)")
        cmd = [args.sessionlint, "--format", "json"] + args.extra
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT)
        if proc.returncode not in (0, 1):
            raise Bad(f"{repo}: sessionlint exited {proc.returncode}: {proc.stderr.strip()[:500]}")
        text = proc.stdout
    if args.save:
        os.makedirs(args.save, exist_ok=True)
        with open(os.path.join(args.save, name + ".json"), "w", encoding="utf-8") as f:
            f.write(text)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise Bad(f"{repo}: the report is not JSON ({e}); --statistics is not supported here")
    return [Finding(repo, f["path"], f["line"], f["code"], f["message"], f.get("context"))
            for f in doc["findings"]]


def match(judgements, findings, window):
    """Pair judgements with findings of one repository.

    Returns (pairs, moved, lost_or_gone, new): pairs and moved are lists of
    (Judgement, Finding); the other two what is left unpaired."""
    free = collections.defaultdict(list)  # (path, code, line) -> findings
    for f in findings:
        free[(f.path, f.code, f.line)].append(f)
    pairs, rest = [], []
    for j in judgements:
        bucket = free.get((j.path, j.code, j.line))
        if bucket:
            pairs.append((j, bucket.pop(0)))
        else:
            rest.append(j)
    left = [f for bucket in free.values() for f in bucket]
    candidates = sorted(
        (abs(j.line - f.line), ji, fi)
        for ji, j in enumerate(rest) for fi, f in enumerate(left)
        if j.path == f.path and j.code == f.code and abs(j.line - f.line) <= window)
    used_j, used_f, moved = set(), set(), []
    for _, ji, fi in candidates:  # nearest first
        if ji not in used_j and fi not in used_f:
            used_j.add(ji)
            used_f.add(fi)
            moved.append((rest[ji], left[fi]))
    unpaired = [j for ji, j in enumerate(rest) if ji not in used_j]
    new = [f for fi, f in enumerate(left) if fi not in used_f]
    return pairs, moved, unpaired, new


def guess_context(path):
    """A first guess for a template row, from the path alone."""
    parts = path.lower().split("/")
    name = parts[-1]
    if any(p in ("tests", "test", "testing") for p in parts[:-1]) or \
            name.startswith("test_") or name == "conftest.py":
        return "test"
    if any(p.startswith(("doc", "example", "tutorial", "demo")) for p in parts[:-1]):
        return "example"
    if any(p in ("scripts", "script", "tools", "bin", "load_testing") for p in parts[:-1]):
        return "script"
    if name in ("cli.py", "manage.py", "__main__.py"):
        return "cli"
    return "?"


def write_template(new, dest):
    out = sys.stdout if dest == "-" else open(dest, "w", encoding="utf-8")
    try:
        for f in new:
            out.write(f"# {f.code} {f.message}\n")
            out.write("\t".join([f.repo, f.path, str(f.line), f.code, "?",
                                 guess_context(f.path), ""]) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()


def loc(x):
    return f"{x.repo} {x.path}:{x.line}"


def judged(j):
    return f"{loc(j)} {j.code}  ({j.reason})"


SECTIONS = (  # key of the results, title, shown with --brief, one line per item
    ("lost", "LOST (judged true, no longer reported: a regression)", True, judged),
    ("moved", "MOVED (same repo, path and code; update the row's line)", True,
     lambda p: f"{p[0].repo} {p[0].path}:{p[0].line} -> {p[1].line} {p[0].code} {p[0].verdict}"),
    ("false", "FALSE still reported", False, judged),
    ("debatable", "DEBATABLE still reported (by context)", False,
     lambda j: f"[{j.context}] {judged(j)}"),
    ("new", "NEW (not judged yet)", True, lambda f: f"{loc(f)} {f.code} {f.message}"),
    ("gone", "GONE (judged false or debatable, no longer reported)", False,
     lambda j: f"{loc(j)} {j.code} {j.verdict}"),
    ("context", "CONTEXT differs (reported vs judged)", False,
     lambda p: f"{loc(p[1])} {p[1].code} {p[1].context} vs {p[0].context}"),
)


def report(res, brief):
    for key, title, in_brief, show in SECTIONS:
        if brief and not in_brief or key == "context" and not res[key]:
            continue
        print(f"\n{title}: {len(res[key])}")
        for item in res[key]:
            print("  " + show(item))


def table(res):
    """Counts per code of what is reported now, plus lost and gone."""
    rows = collections.defaultdict(collections.Counter)
    for j, _ in res["reported"]:
        rows[j.code][j.verdict] += 1
    for f in res["new"]:
        rows[f.code]["?"] += 1
    for j in res["lost"] + res["gone"]:
        rows[j.code]["lost" if j.verdict == "true" else "gone"] += 1
    head = ("code", "true", "debatable", "false", "unjudged", "reported", "% true", "lost", "gone")
    print("\n" + "  ".join(f"{h:>9}" for h in head))
    total = collections.Counter()
    for code in sorted(rows) + ["all"]:
        c = total if code == "all" else rows[code]
        if code != "all":
            total.update(c)
        reported = c["true"] + c["debatable"] + c["false"] + c["?"]
        share = f"{100 * c['true'] / reported:.0f}%" if reported else "-"
        cells = (code, c["true"], c["debatable"], c["false"], c["?"], reported, share,
                 c["lost"], c["gone"])
        print("  ".join(f"{x:>9}" for x in cells))


def check(args, repos, judgements):
    by_repo = collections.defaultdict(list)
    for j in judgements:
        by_repo[j.repo].append(j)
    res = {k: [] for k in ("reported", "moved", "lost", "gone", "new", "false",
                           "debatable", "context")}
    for n, repo in enumerate(repos, 1):
        print(f"[{n}/{len(repos)}] {repo}", file=sys.stderr)
        pairs, moved, unpaired, new = match(by_repo[repo], run_one(repo, args), args.window)
        res["reported"] += pairs + moved
        res["moved"] += moved
        res["new"] += new
        for j in unpaired:
            if j.verdict != "?":
                res["lost" if j.verdict == "true" else "gone"].append(j)
    for j, f in res["reported"]:
        if j.verdict == "?":
            res["new"].append(f)
        elif j.verdict in ("false", "debatable"):
            res[j.verdict].append(j)
        if f.context and j.verdict != "?" and f.context != j.context:
            res["context"].append((j, f))
    res["reported"] = [(j, f) for j, f in res["reported"] if j.verdict != "?"]
    res["debatable"].sort(key=lambda j: CONTEXTS.index(j.context))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", help="the extracted corpus: one folder owner__name per repository")
    ap.add_argument("--sessionlint", default=os.path.join(ROOT, "build", "sessionlint"))
    ap.add_argument("--repos", default=os.path.join(HERE, "repos.tsv"))
    ap.add_argument("--judgements", default=os.path.join(HERE, "judgements.tsv"))
    ap.add_argument("--repo", action="append", default=[], help="only this owner/name (repeatable)")
    ap.add_argument("--window", type=int, default=10, help="lines a finding may move (default 10)")
    ap.add_argument("--template", metavar="FILE", help="write the unjudged findings as rows (- for stdout)")
    ap.add_argument("--save", metavar="DIR", help="keep each JSON report in DIR")
    ap.add_argument("--load", metavar="DIR", help="read the JSON reports from DIR instead of running")
    ap.add_argument("--brief", action="store_true", help="only lost, moved, new and the table")
    ap.add_argument("extra", nargs="*", help="after --: more arguments for sessionlint")
    args = ap.parse_args()
    if not args.corpus and not args.load:
        ap.error("--corpus DIR is required (or --load DIR)")
    args.sessionlint = os.path.abspath(args.sessionlint)  # it runs from each repository's root
    try:
        known = read_repos(args.repos)
        repos = [r.replace("__", "/") for r in args.repo] or known
        for r in repos:
            if r not in known:
                raise Bad(f"--repo {r}: not in {os.path.relpath(args.repos)}")
        judgements = [j for j in read_judgements(args.judgements, set(known)) if j.repo in repos]
        res = check(args, repos, judgements)
    except (Bad, OSError, subprocess.TimeoutExpired) as e:
        print(f"ecosystem: {e}", file=sys.stderr)
        return 2
    extra = " " + " ".join(args.extra) if args.extra else ""
    print(f"ecosystem: {len(repos)} repositor{'y' if len(repos) == 1 else 'ies'}, sessionlint --format json{extra}")
    report(res, args.brief)
    table(res)
    if args.template:
        write_template(res["new"], args.template)
    if res["lost"]:
        return 1
    return 3 if res["new"] else 0


if __name__ == "__main__":
    sys.exit(main())
