#!/bin/sh
# build.sh - `make fuzz`: builds every libFuzzer target tests/fuzz/fuzz_*.c
# into build/fuzz/ with clang -fsanitize=fuzzer,address,undefined, linked with
# every src/*.c but main.c.  Then, if FUZZ_SECONDS is set (make fuzz
# FUZZ_SECONDS=300), fuzzes each target that long, starting from the saved
# corpus, in build/fuzz/work-TARGET/; crashes land in build/fuzz/.  With
# FUZZ_MERGE=1 the new inputs that add coverage are merged (minimized, at
# most FUZZ_MAX_LEN bytes each) back into tests/fuzz/corpus/: read what
# merging added before committing it.
#
# Needs clang and its fuzzer runtime (Debian: clang, libclang-rt-14-dev or
# libclang-rt-dev).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
: "${FUZZ_CC:=clang}"
: "${FUZZ_SECONDS:=0}"
: "${FUZZ_MAX_LEN:=2048}"
OUT=build/fuzz
CORPUS=tests/fuzz/corpus
mkdir -p "$OUT"

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
    echo "fuzz: $FUZZ_CC not found (apt-get install clang libclang-rt-dev)" >&2
    exit 2
fi
SRCS=""
for s in src/*.c src/rules/*.c; do
    [ -f "$s" ] || continue
    [ "$s" = src/main.c ] || SRCS="$SRCS $s"
done
FLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O1 -g -fno-omit-frame-pointer \
-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc"

# Compile each source once into objects with the fuzzing instrumentation.
mkdir -p "$OUT/obj"
OBJS=""
for s in $SRCS; do
    o="$OUT/obj/$(echo "${s#src/}" | tr / _).o"
    if [ ! -f "$o" ] || [ -n "$(find src -newer "$o" \( -name '*.[ch]' -o -name '*.def' -o -name '*.inc' \) 2>/dev/null | head -n 1)" ]; then
        # shellcheck disable=SC2086
        $FUZZ_CC $FLAGS -fsanitize=fuzzer-no-link -c -o "$o" "$s"
    fi
    OBJS="$OBJS $o"
done
TARGETS=""
for t in tests/fuzz/fuzz_*.c; do
    name=$(basename "$t" .c)
    # shellcheck disable=SC2086
    $FUZZ_CC $FLAGS -o "$OUT/$name" "$t" $OBJS -lpthread -lm
    echo "built $OUT/$name"
    TARGETS="$TARGETS $name"
done

if [ "$FUZZ_SECONDS" -gt 0 ]; then
    for name in $TARGETS; do
        work="$OUT/work-$name"
        mkdir -p "$work"
        echo "fuzzing $name for ${FUZZ_SECONDS}s (work dir $work)"
        # FUZZ_JOBS=N runs N processes (their logs: build/fuzz/fuzz-N.log).
        jobs=""
        [ "${FUZZ_JOBS:-1}" -gt 1 ] && jobs="-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS"
        # shellcheck disable=SC2086
        (cd "$OUT" && ASAN_OPTIONS=detect_leaks=1 "./$name" -max_total_time="$FUZZ_SECONDS" \
            -max_len="$FUZZ_MAX_LEN" -timeout=10 -rss_limit_mb=4096 $jobs \
            -print_final_stats=1 -dict="$ROOT/tests/fuzz/python.dict" \
            -artifact_prefix="$ROOT/$OUT/$name-" "work-$name" "$ROOT/$CORPUS") || true
    done
    if [ "${FUZZ_MERGE:-0}" = 1 ]; then
        for name in $TARGETS; do
            "$OUT/$name" -merge=1 -max_len="$FUZZ_MAX_LEN" "$CORPUS" "$OUT/work-$name"
        done
        echo "corpus now: $(find "$CORPUS" -type f | wc -l) files"
    fi
    ls "$OUT"/*-crash-* "$OUT"/*-leak-* "$OUT"/*-timeout-* "$OUT"/*-oom-* 2>/dev/null &&
        { echo "fuzz: found failing inputs (above)"; exit 1; }
fi
exit 0
