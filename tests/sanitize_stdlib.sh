#!/bin/sh
# sanitize_stdlib.sh - the whole standard library through the sanitizer
# builds: `debug parse --list`, `debug ast` and the full command line
# (`--format json`, several threads) under ASan (with leak checking) and
# UBSan, and the full command line under TSan for races in the thread pool.
# Each run is one test: it passes when it exits 0 or 1 with no sanitizer
# report.  A sanitizer the compiler lacks skips its build's runs (one skipped
# test per build); a build that fails is a failure.  Ends with
# `N passed, N failed, N skipped`.
#
# SANITIZE_LEAKS=0 turns LeakSanitizer off (it is on: the runs are clean);
# SANITIZE_TSAN=0 skips the TSan build.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
# shellcheck source=tests/lib.sh
. tests/lib.sh

: "${MAKE:=make}"
: "${PYTHON:=python3}"
: "${CC:=cc}"
JOBS=$(nproc 2>/dev/null || echo 2)
LOG=build/tmp/sanitize
LIST=$LOG/stdlib.txt
TIMEOUT=${SANITIZE_TIMEOUT:-600}
mkdir -p "$LOG"
"$PYTHON" tests/stdlib_list.py "$LIST" || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

passed=0
failed=0
skipped=0
sanitizer_env
SL_DETECT_LEAKS=${SANITIZE_LEAKS:-1}
ASAN_LEAKS="detect_leaks=$SL_DETECT_LEAKS:exitcode=99:abort_on_error=0"

# run NAME CMD...: one test; stdout goes to $LOG/NAME.out (a dump to
# /dev/null), stderr to $LOG/NAME.err.
run()
{
    name=$1
    shift
    t0=$(date +%s)
    case $name in
    *-debug-ast) out=/dev/null ;; # 190 MB of dump: the sanitizers are the test
    *) out=$LOG/$name.out ;;
    esac
    timeout "$TIMEOUT" "$@" >"$out" 2>"$LOG/$name.err" </dev/null
    rc=$?
    secs=$(($(date +%s) - t0))
    if has_sanitizer_report "$LOG/$name.err"; then
        failed=$((failed + 1))
        echo "FAIL $name: sanitizer report (${secs}s)"
        head -n 40 "$LOG/$name.err"
    elif [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        failed=$((failed + 1))
        echo "FAIL $name: $(describe_exit $rc) (${secs}s)"
        tail -n 10 "$LOG/$name.err"
    else
        passed=$((passed + 1))
        echo "ok   $name (${secs}s) $(head -c 200 "$out" | grep '^files=' || true)"
    fi
}

# xrun NAME BIN ARGS...: like run, with the stdlib files appended through
# xargs (no argument list past the system's limit).  xargs turns any exit
# status 1..125 into 123 and a signal into 125; a sanitizer report is still
# caught in stderr.
xrun()
{
    name=$1
    shift
    # shellcheck disable=SC2016  # expanded by the inner sh
    run "$name" sh -c 'xargs -d "\n" -n 400 "$@" <"$0"; rc=$?; [ $rc -eq 123 ] && rc=1; exit $rc' \
        "$LIST" "$@"
}

build()
{
    # build NAME SANITIZER: make NAME when the compiler has SANITIZER.
    if ! sanitizers_work "$CC" "$2"; then
        echo "skip $1: $CC cannot link -fsanitize=$2 ($SANITIZER_PACKAGES)"
        skipped=$((skipped + 1))
        return 1
    fi
    if $MAKE -s -j"$JOBS" "$1" >"$LOG/$1-build.log" 2>&1; then
        return 0
    fi
    tail -n 20 "$LOG/$1-build.log"
    echo "FAIL make $1 (see $LOG/$1-build.log)"
    failed=$((failed + 1))
    return 1
}

if build asan address; then
    ASAN_OPTIONS=$ASAN_LEAKS run asan-debug-parse build/asan/sessionlint debug parse --list "$LIST"
    ASAN_OPTIONS=$ASAN_LEAKS xrun asan-debug-ast build/asan/sessionlint debug ast
    ASAN_OPTIONS=$ASAN_LEAKS xrun asan-cli build/asan/sessionlint --format json --jobs 2
fi
if build ubsan undefined; then
    run ubsan-debug-parse build/ubsan/sessionlint debug parse --list "$LIST"
    xrun ubsan-debug-ast build/ubsan/sessionlint debug ast
    xrun ubsan-cli build/ubsan/sessionlint --format json --jobs 2
fi
if [ "${SANITIZE_TSAN:-1}" != 1 ]; then
    echo "skip tsan: SANITIZE_TSAN=$SANITIZE_TSAN"
    skipped=$((skipped + 1))
elif build tsan thread; then
    TSAN_OPTIONS="halt_on_error=1:exitcode=99" \
        run tsan-cli build/tsan/sessionlint --jobs 4 "$(dirname "$(head -n 1 "$LIST")")/json" \
        "$(dirname "$(head -n 1 "$LIST")")/email"
    TSAN_OPTIONS="halt_on_error=1:exitcode=99" \
        run tsan-debug-parse build/tsan/sessionlint debug parse --jobs 4 --list "$LIST"
fi
echo "sanitize: $(wc -l <"$LIST") stdlib files"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
