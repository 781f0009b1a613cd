#!/bin/sh
# run_all.sh - every test suite, as `make check` runs it after building
# build/sessionlint.  Each suite ends with its own `N passed, N failed,
# N skipped` line (or `N passed, N failed`: none skipped); this script adds
# them up, lists the skipped tests (each names the tool it lacks, see
# tests/lib.sh) and prints the total, `N passed, N failed, N skipped`, as its
# very last line.  Exits 1 if any test failed or a suite broke without
# counting; skipped tests do not fail the run (.ci/run fails on them).
#
# Suites (SUITES="unit diff ..." runs a subset, e.g. `make check SUITES=diff`):
#   unit     tests/unit.sh            unit tests, ASan+UBSan
#   diff     tests/diff_stdlib.py     debug ast == CPython's ast, whole stdlib
#   parser   tests/parser_cases.py    hand-written parser and error cases
#   rules    tests/rules/run.py       annotated rule cases (# expect: SL103)
#   fix      tests/fix/run.py         --fix golden cases, --diff, stdin, exit codes
#   config   tests/config/run.py      configuration discovery and keys, errors,
#            versions from project metadata, custom resources
#   integration tests/integration/run.py  SARIF against the schema, github, baselines,
#            stdin, options, make install + man page, the real pre-commit
#            ($SESSIONLINT_BIN picks another binary)
#   lsp      tests/lsp/run.py         `sessionlint server` over stdio, and Neovim's
#            own LSP client on the example app (skips without nvim)
#   robust   tests/robust.sh          pathological inputs, plain + sanitizers
#   sanitize tests/sanitize_stdlib.sh the stdlib under ASan and UBSan builds
#   fuzz     tests/fuzz/replay.sh     the fuzz corpus replayed under sanitizers
#   proof    tests/proof/run.py       each rule's examples on a real PostgreSQL (skips without it)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
# shellcheck source=tests/lib.sh
. tests/lib.sh

: "${MAKE:=make}"
: "${PYTHON:=python3}"
: "${SUITES:=unit diff parser rules fix config integration lsp robust sanitize fuzz proof}"
export MAKE PYTHON
LOGS=build/test-logs
mkdir -p "$LOGS"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "run_all: $PYTHON not found (Python 3 is needed for the tests)"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi
if [ ! -x build/sessionlint ]; then
    echo "run_all: build/sessionlint is missing; run make first"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi

total_p=0
total_f=0
total_s=0
table=""
skips=""
start_all=$(date +%s)

# suite NAME CMD...: runs one suite, shows its output as it comes, counts it.
suite()
{
    name=$1
    shift
    echo "=== $name: $*"
    t0=$(date +%s)
    { "$@"; echo $? >"$LOGS/$name.rc"; } 2>&1 | tee "$LOGS/$name.log"
    rc=$(cat "$LOGS/$name.rc" 2>/dev/null || echo 2)
    secs=$(($(date +%s) - t0))
    line=$(summary_line "$LOGS/$name.log")
    if [ -z "$line" ]; then
        sum_p=0
        sum_f=1
        sum_s=0
        note="no summary line ($(describe_exit "$rc"))"
    else
        summary_counts "$line"
        note=$line
        if [ "$rc" -ne 0 ] && [ "$sum_f" -eq 0 ]; then
            sum_f=1
            note="$line, but $(describe_exit "$rc")"
        fi
    fi
    total_p=$((total_p + sum_p))
    total_f=$((total_f + sum_f))
    total_s=$((total_s + sum_s))
    skips="$skips$(grep '^skip ' "$LOGS/$name.log" | sed "s/^/  $name: /")
"
    table="$table$(printf '  %-11s %5ss  %s' "$name" "$secs" "$note")
"
}

for s in $SUITES; do
    case $s in
    unit) suite unit sh tests/unit.sh ;;
    diff) suite diff "$PYTHON" tests/diff_stdlib.py ;;
    parser) suite parser "$PYTHON" tests/parser_cases.py ;;
    rules) suite rules "$PYTHON" tests/rules/run.py ;;
    fix) suite fix "$PYTHON" tests/fix/run.py ;;
    config) suite config "$PYTHON" tests/config/run.py ;;
    integration) suite integration "$PYTHON" tests/integration/run.py ;;
    lsp) suite lsp "$PYTHON" tests/lsp/run.py ;;
    robust) suite robust sh tests/robust.sh ;;
    sanitize) suite sanitize sh tests/sanitize_stdlib.sh ;;
    fuzz) suite fuzz sh tests/fuzz/replay.sh ;;
    proof) suite proof "$PYTHON" tests/proof/run.py ;;
    *) echo "run_all: unknown suite $s"; total_f=$((total_f + 1)) ;;
    esac
done

echo "=== summary ($(($(date +%s) - start_all))s; logs in $LOGS/)"
printf '%s' "$table"
if [ "$total_s" -gt 0 ]; then
    echo "=== skipped: a tool is missing here (bash .ci/run installs them all)"
    printf '%s' "$skips" | grep -v '^$'
fi
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
