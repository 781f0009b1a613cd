#!/bin/sh
# replay.sh - replays the saved fuzz corpus (tests/fuzz/corpus/) through every
# fuzz target (tests/fuzz/fuzz_*.c) without libFuzzer: each target is linked
# with replay.c and the ASan+UBSan objects of src/ (any C compiler with the
# sanitizers will do).  Each (target, input) pair is one test.  A crash
# names its input, and the replay goes on after it.  Ends with
# `N passed, N failed, N skipped`.  `make fuzz`'s build is one more test,
# skipped where clang or its fuzzer runtime is missing; so are the
# sanitizers where the compiler lacks them (the replay then runs without).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
# shellcheck source=tests/lib.sh
. tests/lib.sh

: "${CC:=cc}"
: "${LDLIBS:=-lpthread -lm}"
OUT=build/fuzz-replay
CORPUS=tests/fuzz/corpus
mkdir -p "$OUT"
if ! san_objects; then
    echo "fuzz replay: building the sanitized objects failed"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi
sanitizer_env
ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=${FUZZ_LEAKS:-1}"

find "$CORPUS" -type f ! -name '.*' | LC_ALL=C sort >"$OUT/all.list"
ninputs=$(wc -l <"$OUT/all.list")
passed=0
failed=0
skipped=0
if [ -z "$SAN" ]; then
    skipped=1
    echo "skip fuzz replay under ASan/UBSan: $CC cannot link" \
        "-fsanitize=address,undefined ($SANITIZER_PACKAGES); replaying without"
fi
for t in tests/fuzz/fuzz_*.c; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .c)
    exe="$OUT/$name"
    # shellcheck disable=SC2086
    if ! $CC -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O1 -g $SAN -Isrc \
        -o "$exe" "$t" tests/fuzz/replay.c $OBJS $LDLIBS >"$OUT/$name.build.log" 2>&1; then
        cat "$OUT/$name.build.log"
        echo "FAIL $name: does not build"
        failed=$((failed + 1))
        continue
    fi
    cp "$OUT/all.list" "$OUT/$name.todo"
    while [ -s "$OUT/$name.todo" ]; do
        "$exe" --list "$OUT/$name.todo" >"$OUT/$name.out" 2>"$OUT/$name.err" </dev/null
        rc=$?
        ok=$(grep -c '^ok ' "$OUT/$name.out")
        passed=$((passed + ok))
        if [ "$rc" -eq 0 ] && ! has_sanitizer_report "$OUT/$name.err"; then
            break
        fi
        # The input after the last `ok` is the one that failed.
        culprit=$(sed -n "$((ok + 1))p" "$OUT/$name.todo")
        failed=$((failed + 1))
        echo "FAIL $name on $culprit: $(describe_exit $rc)"
        grep -E 'ERROR|runtime error|SUMMARY|#[0-9] ' "$OUT/$name.err" | head -n 12
        sed "1,$((ok + 1))d" "$OUT/$name.todo" >"$OUT/$name.rest"
        mv "$OUT/$name.rest" "$OUT/$name.todo"
    done
    rm -f "$OUT/$name.todo"
    echo "replayed $ninputs inputs through $name"
done
# The libFuzzer build itself (`make fuzz`) must keep working: one test.
if fuzzer_works "${FUZZ_CC:-clang}"; then
    if sh tests/fuzz/build.sh >"$OUT/libfuzzer-build.log" 2>&1; then
        passed=$((passed + 1))
        echo "ok   libFuzzer targets build ($(grep -c '^built' "$OUT/libfuzzer-build.log"))"
    else
        failed=$((failed + 1))
        tail -n 20 "$OUT/libfuzzer-build.log"
        echo "FAIL libFuzzer targets do not build (make fuzz)"
    fi
else
    skipped=$((skipped + 1))
    echo "skip libFuzzer build: clang's fuzzer runtime not installed" \
        "(Debian: clang libclang-rt-dev)"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
