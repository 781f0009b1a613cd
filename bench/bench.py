#!/usr/bin/env python3
"""Parser benchmark (bench/run.sh, `make bench`): prints figures, never judges.

1. Throughput over this Python's standard library on one thread:
   `sessionlint debug parse --jobs 1 --list LIST` (its own seconds= figure,
   and the wall clock of the whole process) beside CPython's
   compile(src, path, "exec", ast.PyCF_ONLY_AST) over the same files, read
   into memory first, timing only the compile calls.  Files CPython rejects
   are left out of both.  Each side runs REPEAT times; medians are printed.
2. Peak memory (maximum resident set size) while `debug parse` reads a
   generated 50 MB file, as a multiple of the file's size; CPython's
   ast.parse of the same file beside it (BENCH_CPYTHON_MEM=0 skips that).

3. With --corpus DIR (`make bench CORPUS=DIR`, the extracted corpus of
   tests/ecosystem/README.md): the whole analysis over each repository on
   its own and over DIR as one tree, one thread, medians of three; the one
   tree with two threads (its output must be the same bytes); peak memory;
   and ast-grep (one pattern, `-j 1`: an `ast-grep` on PATH, else `@ast-grep/cli`
   installed by npm into build/bench/npm) over the same tree, in the same run
   (skipped, with the reason, when neither can be had).
   BENCH_BASELINE=BIN times a second binary beside it (before/after).

usage: bench.py [--repeat N] [--big-mb MB] [--corpus DIR] [--skip-stdlib]
"""
import argparse
import ast
import os
import re
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
import stdlib_list  # noqa: E402

BIN = os.environ.get("SESSIONLINT", os.path.join(ROOT, "build", "sessionlint"))
TMP = os.path.join(ROOT, "build", "bench")
STAT = re.compile(r"files=(\d+) bytes=(\d+) lines=(\d+) seconds=([0-9.]+)")


def cpython_files(files):
    """(path, source bytes) of the files CPython parses, read into memory."""
    out = []
    for p in files:
        with open(p, "rb") as f:
            src = f.read()
        try:
            compile(src, p, "exec", ast.PyCF_ONLY_AST)
        except (SyntaxError, ValueError, UnicodeDecodeError):
            continue
        out.append((p, src))
    return out


def time_cpython(sources, repeat):
    times = []
    for _ in range(repeat):
        total = 0.0
        for p, src in sources:
            t0 = time.perf_counter()
            compile(src, p, "exec", ast.PyCF_ONLY_AST)
            total += time.perf_counter() - t0
        times.append(total)
    return times


def time_ours(listfile, repeat):
    inner, wall = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        p = subprocess.run([BIN, "debug", "parse", "--jobs", "1", "--list", listfile],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wall.append(time.perf_counter() - t0)
        m = STAT.search(p.stdout)
        if not m:
            sys.exit(f"bench: unexpected output from debug parse (exit {p.returncode}):\n"
                     f"{p.stdout}{p.stderr}")
        inner.append(float(m.group(4)))
    return inner, wall, m


def peak_rss_of(cmd):
    """Maximum resident set size in bytes of cmd (a fresh child process)."""
    code = ("import resource, subprocess, sys\n"
            "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
            "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    out = subprocess.run([sys.executable, "-c", code] + cmd, stdout=subprocess.PIPE,
                         text=True).stdout.split()
    return int(out[0]), int(out[1]) * 1024   # ru_maxrss is in KiB on Linux


def mb(n):
    return n / 1e6


def end_to_end(files, repeat):
    """The whole pipeline (`sessionlint FILES`) beside parse-only over the same
    files, one thread; then peak memory as the number of files grows."""
    def run(cmd):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0
    nbytes = sum(os.path.getsize(f) for f in files)
    print(f"== whole pipeline, one thread, {len(files)} stdlib files, {mb(nbytes):.1f} MB; "
          f"median of {repeat} runs (process wall clock)")
    parse = statistics.median(run([BIN, "debug", "parse", "--jobs", "1"] + files)
                              for _ in range(repeat))
    full = statistics.median(run([BIN, "--jobs", "1", "--exit-zero"] + files)
                             for _ in range(repeat))
    print(f"  parse only (debug parse)                     {parse:8.3f} s  {mb(nbytes) / parse:8.1f} MB/s")
    print(f"  end to end (sessionlint FILES)               {full:8.3f} s  {mb(nbytes) / full:8.1f} MB/s")
    print(f"  end-to-end throughput / parse-only throughput: {parse / full:.2f}")
    print("== peak memory of the whole pipeline as the number of files grows")
    for frac in (0.1, 0.5, 1.0):
        part = files[: max(1, int(len(files) * frac))]
        rc, rss = peak_rss_of([BIN, "--jobs", "1", "--exit-zero"] + part)
        print(f"  {len(part):5d} files: {mb(rss):8.1f} MB" + ("" if rc == 0 else f"  (exit {rc})"))


def timed(cmd, cwd=None):
    """(wall seconds, user+sys CPU seconds, peak RSS bytes, exit status, stdout)
    of cmd, a fresh child process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024, p.returncode, out


def tree_bytes(root):
    n = files = 0
    for d, dirs, fs in os.walk(root):
        dirs[:] = [x for x in dirs if not x.startswith(".")]
        for f in fs:
            if f.endswith(".py"):
                files += 1
                n += os.path.getsize(os.path.join(d, f))
    return files, n


AST_GREP_VERSION = "0.51"  # the version issue 13's figures were taken with


def ast_grep():
    """The command that runs ast-grep, or (None, why not): an `ast-grep` on
    PATH (AST_GREP=BIN names one), else `@ast-grep/cli` installed by npm into
    build/bench/npm.  npm 11 holds back the package's postinstall script,
    which only links the binary that its platform package (for example
    @ast-grep/cli-linux-x64-gnu) already carries: that binary is run."""
    cands = [os.environ["AST_GREP"]] if os.environ.get("AST_GREP") else ["ast-grep"]
    for c in cands:
        try:
            p = subprocess.run([c, "--version"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, timeout=60)
            if p.returncode == 0 and p.stdout.startswith("ast-grep"):
                return [c], p.stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            pass
    prefix = os.path.join(TMP, "npm")
    scope = os.path.join(prefix, "node_modules", "@ast-grep")
    if not os.path.isdir(scope):
        try:
            p = subprocess.run(["npm", "install", "--prefix", prefix, "--no-audit", "--no-fund",
                                f"@ast-grep/cli@{AST_GREP_VERSION}"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, f"npm could not install @ast-grep/cli ({e})"
        if p.returncode != 0:
            return None, f"npm could not install @ast-grep/cli: {p.stderr.strip()[:200]}"
    for d in sorted(os.listdir(scope)) if os.path.isdir(scope) else []:
        exe = os.path.join(scope, d, "ast-grep")
        if d.startswith("cli-") and os.access(exe, os.X_OK):
            p = subprocess.run([exe, "--version"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
            if p.returncode == 0:
                return [exe], p.stdout.strip()
    return None, "npm installed @ast-grep/cli without a binary for this platform"


def corpus(root, binaries):
    repos = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    files, nbytes = tree_bytes(root)
    print(f"== the corpus {root}: {len(repos)} repositories, {files} .py files, "
          f"{mb(nbytes):.0f} MB; whole analysis, one thread unless said; medians of 3")
    tree = {}  # label -> (wall, CPU) of the one-tree run, one thread
    for label, b in binaries:
        base = [b, "--exit-zero", "-q", "--format", "json"]
        per = []
        for _ in range(3):
            total = cpu = peak = 0
            for r in repos:
                w, c, rss, rc, _ = timed(base + ["-j", "1", "."], cwd=os.path.join(root, r))
                total += w
                cpu += c
                peak = max(peak, rss)
            per.append((total, cpu, peak))
        w = statistics.median(x[0] for x in per)
        c = statistics.median(x[1] for x in per)
        print(f"  {label}: each repository on its own, summed   {w:8.2f} s wall {c:8.2f} s CPU"
              f"  {mb(nbytes) / c:6.1f} MB/s  peak {mb(max(x[2] for x in per)):7.1f} MB")
        runs = [timed(base + ["-j", "1", root]) for _ in range(3)]
        w = statistics.median(x[0] for x in runs)
        c = statistics.median(x[1] for x in runs)
        rcs = sorted({x[3] for x in runs})
        tree[label] = (w, c)
        print(f"  {label}: the corpus as one tree                {w:8.2f} s wall {c:8.2f} s CPU"
              f"  {mb(nbytes) / c:6.1f} MB/s  peak {mb(max(x[2] for x in runs)):7.1f} MB"
              f"  exit {rcs}")
        two = [timed(base + ["-j", "2", root]) for _ in range(3)]
        w2 = statistics.median(x[0] for x in two)
        same = all(x[4] == runs[0][4] for x in two)
        print(f"  {label}: the corpus as one tree, two threads   {w2:8.2f} s wall"
              f"  {w / w2:5.2f}x one thread; output {'identical' if same else 'DIFFERENT'}")
    cmd, why = ast_grep()
    if not cmd:
        print(f"  ast-grep: skipped: {why}")
        return
    runs = [timed(cmd + ["run", "-p", "$S.execute($Q)", "-l", "python", "-j", "1", root])
            for _ in range(3)]
    w = statistics.median(x[0] for x in runs)
    c = statistics.median(x[1] for x in runs)
    print(f"  ast-grep {why} run -p '$S.execute($Q)' -j 1, one tree {w:8.2f} s wall {c:8.2f} s CPU"
          f"  peak {mb(max(x[2] for x in runs)):7.1f} MB")
    for label, (tw, tc) in tree.items():
        print(f"  {label.strip()} / ast-grep on the one tree: {w / tw:5.2f}x its speed (wall), "
              f"{c / tc:5.2f}x (CPU)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--big-mb", type=float, default=50)
    ap.add_argument("--corpus", help="the extracted corpus (tests/ecosystem/README.md)")
    ap.add_argument("--skip-stdlib", action="store_true", help="only the corpus figures")
    args = ap.parse_args()
    os.makedirs(TMP, exist_ok=True)
    if not os.access(BIN, os.X_OK):
        sys.exit(f"bench: {BIN} not built (run make)")
    if args.corpus:
        binaries = [("sessionlint", BIN)]
        if os.environ.get("BENCH_BASELINE"):
            binaries.append(("baseline   ", os.environ["BENCH_BASELINE"]))
        corpus(args.corpus, binaries)
    if args.skip_stdlib:
        return

    files = stdlib_list.stdlib_files()
    sources = cpython_files(files)
    listfile = os.path.join(TMP, "stdlib-accepted.txt")
    with open(listfile, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write("".join(p + "\n" for p, _ in sources))
    nbytes = sum(len(s) for _, s in sources)
    nlines = sum(s.count(b"\n") for _, s in sources)

    print(f"== parse throughput, one thread, {len(sources)} stdlib files "
          f"({len(files) - len(sources)} that CPython rejects left out), "
          f"{mb(nbytes):.1f} MB, {nlines} lines; median of {args.repeat} runs")
    ours_inner, ours_wall, m = time_ours(listfile, args.repeat)
    ob, ol = int(m.group(2)), int(m.group(3))
    cp = time_cpython(sources, args.repeat)
    oi, ow, cm = statistics.median(ours_inner), statistics.median(ours_wall), statistics.median(cp)

    def row(label, b, l, s):
        print(f"  {label:<44} {s:8.3f} s  {mb(b) / s:8.1f} MB/s  {l / s / 1e6:6.2f} M lines/s")
    row("sessionlint debug parse (its seconds=)", ob, ol, oi)
    row("sessionlint debug parse (process wall clock)", ob, ol, ow)
    row(f"CPython {sys.version.split()[0]} compile(..., PyCF_ONLY_AST)", nbytes, nlines, cm)
    print(f"  ratio sessionlint / CPython: {(mb(ob) / oi) / (mb(nbytes) / cm):.1f}x "
          f"(seconds= figure), {(mb(ob) / ow) / (mb(nbytes) / cm):.1f}x (wall clock)")
    if ob != nbytes:
        print(f"  note: debug parse counted {ob} bytes, CPython's side {nbytes} "
              "(BOMs, coding declarations or line ends are counted differently)")

    end_to_end(files, args.repeat)

    big = os.path.join(TMP, f"generated_{int(args.big_mb)}mb.py")
    if not os.path.exists(big):
        subprocess.run([sys.executable, os.path.join(ROOT, "tests", "gen_inputs.py"),
                        "--big", big, str(args.big_mb)], check=True)
    size = os.path.getsize(big)
    print(f"== peak memory (maximum resident set size), generated file of {mb(size):.1f} MB")
    rc, rss = peak_rss_of([BIN, "debug", "parse", "--jobs", "1", big])
    print(f"  sessionlint debug parse: {mb(rss):8.1f} MB = {rss / size:5.1f} x the file"
          + ("" if rc == 0 else f"  (exit {rc})"))
    rc, rss = peak_rss_of([BIN, big])
    print(f"  sessionlint FILE:        {mb(rss):8.1f} MB = {rss / size:5.1f} x the file"
          + ("" if rc in (0, 1) else f"  (exit {rc})"))
    if os.environ.get("BENCH_CPYTHON_MEM", "1") == "1":
        code = f"import ast; ast.parse(open({big!r}, 'rb').read())"
        rc, rss = peak_rss_of([sys.executable, "-c", code])
        print(f"  CPython ast.parse:       {mb(rss):8.1f} MB = {rss / size:5.1f} x the file")


if __name__ == "__main__":
    main()
