#!/bin/sh
# run.sh - `make bench`: parser throughput beside CPython's parser, and peak
# memory on a generated 50 MB file (see bench/bench.py).  Prints labelled
# figures; never fails on a number.  BENCH_REPEAT=N changes the 5 repeats.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
exec "${PYTHON:-python3}" bench/bench.py --repeat "${BENCH_REPEAT:-5}" "$@"
