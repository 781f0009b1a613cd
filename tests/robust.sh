#!/bin/sh
# robust.sh - pathological inputs: never a crash, a hang or a sanitizer report.
#
# tests/gen_inputs.py writes the inputs into build/tmp/robust/ at test time
# (100,000 nested brackets, 1,000 nested blocks, a 50 MB file, a 1 MB line,
# NUL bytes, invalid UTF-8, lone CR, CRLF, unterminated strings at EOF, a BOM
# alone, an empty file, random bytes, token soup, mutated stdlib code, ...).
# Each input runs through `sessionlint FILE` and `sessionlint debug ast FILE`
# with the release build and, where the compiler has them, the ASan and UBSan
# builds (`make asan`, `make ubsan`), each under `timeout 60`.  One run is one
# test: it passes when the exit status is 0, 1 or 2, no sanitizer reported,
# and the plain run shows what MANIFEST asks (an SL000 finding, one about
# nesting, or none).  Inputs marked `oracle` also compare `debug ast` with
# CPython's dump of the same bytes.  A sanitizer the compiler lacks skips
# that build's runs (one skipped test each); a sanitized build that fails
# is a failure.  Ends with `N passed, N failed, N skipped`.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
# shellcheck source=tests/lib.sh
. tests/lib.sh

: "${MAKE:=make}"
: "${PYTHON:=python3}"
: "${CC:=cc}"
TIMEOUT=${ROBUST_TIMEOUT:-60}
JOBS=$(nproc 2>/dev/null || echo 2)
DIR=build/tmp/robust
DUMP=${PYAST_DUMP:-$ROOT/tests/pyast_dump.py}
LOG=build/tmp/robust-logs
mkdir -p "$LOG"

if ! "$PYTHON" tests/gen_inputs.py "$DIR"; then
    echo "robust: generating the inputs failed"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi

BINS="build/sessionlint"
skipped=0
build_failed=0
# sanitized NAME SANITIZER: adds build/NAME/sessionlint to BINS, or counts
# it as skipped (no runtime) or failed (the build broke).
sanitized()
{
    if ! sanitizers_work "$CC" "$2"; then
        skipped=$((skipped + 1))
        echo "skip robust under $1: $CC cannot link -fsanitize=$2 ($SANITIZER_PACKAGES)"
    elif $MAKE -s -j"$JOBS" "$1" >"$LOG/$1-build.log" 2>&1; then
        BINS="$BINS build/$1/sessionlint"
    else
        build_failed=$((build_failed + 1))
        tail -n 20 "$LOG/$1-build.log"
        echo "FAIL make $1 (see $LOG/$1-build.log)"
    fi
}
sanitized asan address
sanitized ubsan undefined
sanitizer_env

# check_run WHAT RC ERRFILE: the verdict common to every run.
check_run()
{
    case $2 in
    0 | 1 | 2) ;;
    *) fail "$1: $(describe_exit "$2")"; tail -n 5 "$3"; return 1 ;;
    esac
    if has_sanitizer_report "$3"; then
        fail "$1: sanitizer report"
        head -n 30 "$3"
        return 1
    fi
    return 0
}

# run_bin BIN: every input through one binary; counts go to $LOG/count.TAG.
run_bin()
{
    bin=$1
    tag=$(basename "$(dirname "$bin")")
    [ "$tag" = build ] && tag=release
    passed=0
    failed=0
    t0=$(date +%s)
    while IFS="	" read -r name expect oracle; do
        f="$DIR/$name.py"
        out="$LOG/$name.$tag"
        # The plain run: what a user sees.
        timeout "$TIMEOUT" "$bin" "$f" >"$out.out" 2>"$out.err" </dev/null
        rc=$?
        what="$name [$tag] sessionlint FILE"
        if check_run "$what" "$rc" "$out.err"; then
            case $expect in
            sl000) if grep -q SL000 "$out.out"; then pass; else fail "$what: no SL000 finding"; fi ;;
            nested) if grep SL000 "$out.out" | grep -qi nest; then pass; else
                        fail "$what: no SL000 'too deeply nested' finding"
                        grep SL000 "$out.out" | head -n 2 | cut -c1-200
                    fi ;;
            clean) if grep -q SL000 "$out.out"; then
                       fail "$what: SL000 on valid input"
                       grep SL000 "$out.out" | head -n 2 | cut -c1-200
                   else pass; fi ;;
            *) pass ;;
            esac
        fi
        # The tree dump: exercises astdump too (the sanitized builds dump the
        # whole stdlib in sanitize_stdlib.sh, so they skip the 50 MB file).
        if [ "$tag" != release ] && [ "$name" = big_50mb ]; then
            continue
        fi
        if [ "$oracle" = 1 ] && [ "$tag" = release ]; then
            timeout "$TIMEOUT" "$bin" debug ast "$f" >"$out.ast" 2>"$out.err" </dev/null
        else
            timeout "$TIMEOUT" "$bin" debug ast "$f" >/dev/null 2>"$out.err" </dev/null
        fi
        rc=$?
        check_run "$name [$tag] debug ast" "$rc" "$out.err" && pass
        if [ "$oracle" = 1 ] && [ "$tag" = release ]; then
            sed 1d "$out.ast" >"$LOG/$name.got" 2>/dev/null
            if cmp -s "$LOG/$name.want" "$LOG/$name.got"; then
                pass
            else
                fail "$name: debug ast differs from CPython's: want '$(head -n 1 "$LOG/$name.want" | cut -c1-60)', got '$(head -n 1 "$LOG/$name.got" | cut -c1-60)'"
            fi
        fi
    done <"$DIR/MANIFEST"
    echo "$passed $failed" >"$LOG/count.$tag"
    echo "robust: $tag runs took $(($(date +%s) - t0))s"
}
pass() { passed=$((passed + 1)); }
fail()
{
    failed=$((failed + 1))
    echo "FAIL $*"
}

# CPython's dumps of the oracle inputs, in one run of the script, split into
# $LOG/NAME.want (without the header line).
rm -f "$LOG"/*.want
awk -F"\t" -v d="$DIR" '$3 == 1 { print d "/" $1 ".py" }' "$DIR/MANIFEST" >"$LOG/oracle.list"
"$PYTHON" "$DUMP" --list "$LOG/oracle.list" 2>/dev/null |
    awk -v out="$LOG" '/^# / { n = $2; sub(/.*\//, "", n); sub(/\.py$/, "", n); f = out "/" n ".want"; next }
                       f { print > f }'

# Two at a time (the sanitized runs are the slow ones); each prints its own
# failures as they come.
rm -f "$LOG"/count.*
# shellcheck disable=SC2086  # split into the binaries
set -- $BINS
if [ $# -ge 3 ]; then
    run_bin "$2" &
    run_bin "$3" &
    run_bin "$1"
    wait
else
    for b in $BINS; do run_bin "$b"; done
fi
passed=0
failed=$build_failed
for b in $BINS; do
    tag=$(basename "$(dirname "$b")")
    [ "$tag" = build ] && tag=release
    if [ -f "$LOG/count.$tag" ]; then
        read -r p f <"$LOG/count.$tag"
    else
        p=0 f=1
        echo "FAIL the $tag runs did not finish"
    fi
    passed=$((passed + p))
    failed=$((failed + f))
done

echo "robust: $(wc -l <"$DIR/MANIFEST") inputs x { $BINS } x { plain, debug ast }, plus CPython comparisons"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
