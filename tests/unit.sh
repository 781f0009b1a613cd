#!/bin/sh
# unit.sh - builds and runs every tests/unit/test_*.c.
#
# Each test is linked with the objects of every src/*.c (and src/rules/*.c)
# except main.c, built by the Makefile's own rule into build/san/ with
# AddressSanitizer and UndefinedBehaviorSanitizer when the compiler has them
# (plain -O1 otherwise, and the sanitizers count as one skipped test).  Each
# test prints `N passed, N failed` last; this script adds them up and ends
# with `N passed, N failed, N skipped`.  A test that crashes or prints no such
# line counts as one failure, and so does one that runs longer than
# UNIT_TIMEOUT seconds (default 300).
#
# Environment (set by `make check`): MAKE, CC, UNIT_CFLAGS (the Makefile's
# standard, warning and user flags), LDLIBS.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
# shellcheck source=tests/lib.sh
. tests/lib.sh

: "${MAKE:=make}"
: "${CC:=cc}"
: "${UNIT_CFLAGS:=-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wformat=2 -Wno-unused-parameter}"
: "${LDLIBS:=-lpthread -lm}"
if [ "${CI:-}" = true ]; then
    case " $UNIT_CFLAGS " in *" -Werror "*) ;; *) UNIT_CFLAGS="$UNIT_CFLAGS -Werror" ;; esac
fi

OUT=build/unit
mkdir -p "$OUT"
# The module objects, compiled by the Makefile's rule with the sanitizers.
if ! san_objects; then
    echo "unit: building the sanitized objects failed"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi

sanitizer_env
passed=0
failed=0
skipped=0
if [ -z "$SAN" ]; then
    skipped=1
    echo "skip unit tests under ASan/UBSan: $CC cannot link" \
        "-fsanitize=address,undefined ($SANITIZER_PACKAGES); running them without"
fi
for t in tests/unit/test_*.c; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .c)
    exe="$OUT/$name"
    # shellcheck disable=SC2086  # the flag lists are meant to split
    if ! $CC $UNIT_CFLAGS -O1 -g $SAN -Isrc -Itests/unit -o "$exe" "$t" $OBJS $LDLIBS \
        >"$OUT/$name.build.log" 2>&1; then
        cat "$OUT/$name.build.log"
        echo "FAIL $name: does not build"
        failed=$((failed + 1))
        continue
    fi
    timeout "${UNIT_TIMEOUT:-300}" "$exe" </dev/null >"$OUT/$name.log" 2>&1
    rc=$?
    line=$(summary_line "$OUT/$name.log")
    if [ -z "$line" ]; then
        cat "$OUT/$name.log"
        echo "FAIL $name: $(describe_exit $rc), no 'N passed, N failed' line"
        failed=$((failed + 1))
        continue
    fi
    summary_counts "$line"
    f=$sum_f
    passed=$((passed + sum_p))
    failed=$((failed + sum_f))
    skipped=$((skipped + sum_s))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        failed=$((failed + 1)) # a clean count but a bad exit: a sanitizer report
    fi
    if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
        cat "$OUT/$name.log"
        echo "FAIL $name: $line ($(describe_exit $rc))"
    else
        echo "ok   $name: $line"
    fi
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
