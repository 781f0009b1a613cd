# lib.sh - shell helpers shared by the test scripts (sourced, POSIX sh).

# sanitizers_work CC LIST: does CC build and run a program with
# -fsanitize=LIST here?  (A compiler may accept the flag yet lack the runtime.)
sanitizers_work()
{
    _d=${TMPDIR:-/tmp}/sl-santest.$$
    mkdir -p "$_d"
    printf 'int main(void) { return 0; }\n' >"$_d/t.c"
    if "$1" -fsanitize="$2" -o "$_d/t" "$_d/t.c" >/dev/null 2>&1 && "$_d/t"; then
        rm -rf "$_d"
        return 0
    fi
    rm -rf "$_d"
    return 1
}

# fuzzer_works CC: can CC build a libFuzzer target here (runtime installed)?
fuzzer_works()
{
    _d=${TMPDIR:-/tmp}/sl-fuzztest.$$
    mkdir -p "$_d"
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
        >"$_d/t.c"
    if command -v "$1" >/dev/null 2>&1 &&
        "$1" -fsanitize=fuzzer,address,undefined -o "$_d/t" "$_d/t.c" >/dev/null 2>&1 &&
        "$_d/t" -runs=1 >/dev/null 2>&1; then
        rm -rf "$_d"
        return 0
    fi
    rm -rf "$_d"
    return 1
}

# sanitizer_env: sanitizer options for every run of a sanitized binary.  A
# report exits with 99 (never 1, which means "findings"), so callers can tell
# them apart; leak checking is off unless SL_DETECT_LEAKS=1, since arenas
# that live until exit are not leaks worth reporting.
sanitizer_env()
{
    ASAN_OPTIONS="detect_leaks=${SL_DETECT_LEAKS:-0}:exitcode=99:abort_on_error=0:detect_stack_use_after_return=0:allocator_may_return_null=0"
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=99"
    export ASAN_OPTIONS UBSAN_OPTIONS
}

# summary_line FILE: the last "N passed, N failed, N skipped" line of FILE
# (or "N passed, N failed", as older suites and the unit tests end), or
# nothing.
summary_line()
{
    grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$1" 2>/dev/null | tail -n 1
}

# summary_counts LINE: sets sum_p, sum_f and sum_s from a summary line (no
# skipped count means 0 skipped).
# shellcheck disable=SC2034  # sum_p, sum_s: read by the scripts that source this
summary_counts()
{
    sum_p=${1%% passed*}
    sum_f=${1#*passed, }
    sum_f=${sum_f%% failed*}
    case $1 in
    *skipped) sum_s=${1#*failed, }
              sum_s=${sum_s%% skipped} ;;
    *) sum_s=0 ;;
    esac
}

# Where a test needs a tool a fresh machine may lack, it is skipped, counted
# in the suite's `N skipped` and announced on a line of its own that names
# the tool and its Debian package:
#     skip NAME: TOOL not installed (Debian: PACKAGE)
# .ci/run installs every such tool and fails when anything was skipped.
# SANITIZER_PACKAGES is what to install for -fsanitize= with gcc or clang.
# shellcheck disable=SC2034  # read by the scripts that source this
SANITIZER_PACKAGES="Debian: libasan8 libubsan1 libtsan2 for gcc, libclang-rt-dev for clang"

# describe_exit RC: an exit status in words (timeout(1) and shell conventions).
describe_exit()
{
    case "$1" in
    0) echo "exit 0" ;;
    99) echo "sanitizer report (exit 99)" ;;
    124) echo "timed out" ;;
    125 | 126 | 127) echo "could not run (exit $1)" ;;
    *) if [ "$1" -gt 128 ]; then
           echo "killed by signal $(($1 - 128))"
       else
           echo "exit $1"
       fi ;;
    esac
}

# has_sanitizer_report FILE: did a sanitizer print a report into FILE?
has_sanitizer_report()
{
    grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer)' "$1"
}

# san_objects: builds the module objects with ASan+UBSan (plain -O1 where the
# compiler lacks them: SAN is then empty, and the caller counts the
# sanitizers as skipped) by the Makefile's own rule, into $SANB/obj; sets SAN
# (the flags), SANB and OBJS (every src object but main.o).  Returns 1 and
# prints the log if the build fails.
san_objects()
{
    if sanitizers_work "${CC:-cc}" address,undefined; then
        SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
        SANB=build/san
    else
        SAN=""
        SANB=build/nosan
    fi
    mkdir -p "$SANB"
    if ! ${MAKE:-make} -s -j"$(nproc 2>/dev/null || echo 2)" B="$SANB" OPT="-O1 -g $SAN" \
        LDFLAGS="$SAN" >"$SANB/build.log" 2>&1; then
        cat "$SANB/build.log"
        return 1
    fi
    OBJS=""
    for _src in src/*.c src/rules/*.c; do
        [ -f "$_src" ] || continue
        case "$_src" in src/main.c) continue ;; esac
        _o=${_src#src/}
        OBJS="$OBJS $SANB/obj/${_o%.c}.o"
    done
    return 0
}
