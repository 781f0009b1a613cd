#!/bin/sh
# run.sh - `make bench`: parser throughput beside CPython's parser, and peak
# memory on a generated 50 MB file (see bench/bench.py); with CORPUS=DIR, the
# whole analysis over a corpus of repositories and ast-grep beside it; then the
# language server's edit-to-diagnostics latency on a project of 2,000 files
# (bench/lsp_bench.py: BENCH_CORPUS=DIR BENCH_FILE=PATH for a real one; with
# CORPUS=DIR, polar's server, 1,774 files, editing polar/order/endpoints.py).
# Prints labelled figures; never fails on a number.  BENCH_REPEAT=N changes
# the 5 repeats, BENCH_EDITS=N the 40 edits; BENCH_BASELINE=BIN times a second
# binary beside it.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if [ -n "${CORPUS:-}" ]; then
    set -- --corpus "$CORPUS" "$@"
    # the server's latency on the corpus's largest application, unless told
    if [ -z "${BENCH_CORPUS:-}" ] && [ -d "$CORPUS/polarsource__polar/server" ]; then
        BENCH_CORPUS="$CORPUS/polarsource__polar/server"
        BENCH_FILE="polar/order/endpoints.py"
        export BENCH_CORPUS BENCH_FILE
    fi
fi
"${PYTHON:-python3}" bench/bench.py --repeat "${BENCH_REPEAT:-5}" "$@"
exec "${PYTHON:-python3}" bench/lsp_bench.py
