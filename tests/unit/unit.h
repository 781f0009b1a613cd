/*
 * unit.h - the tiny harness of the unit tests (tests/unit/test_*.c).
 *
 * A test file includes this header, checks with CHECK/CHECK_INT/CHECK_STR,
 * and ends main with `return unit_report();`, which prints the last line
 * `N passed, N failed` that tests/unit.sh adds up.  Failures print their
 * file and line on stderr and the run goes on.
 */
#ifndef SL_UNIT_H
#define SL_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed; /* checks that held */
static int unit_failed; /* checks that did not */

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (cond) {                                                            \
            unit_passed++;                                                     \
        } else {                                                               \
            unit_failed++;                                                     \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__,  \
                    #cond);                                                    \
        }                                                                      \
    } while (0)

#define CHECK_INT(got, want)                                                   \
    do {                                                                       \
        long long g_ = (long long)(got), w_ = (long long)(want);               \
        if (g_ == w_) {                                                        \
            unit_passed++;                                                     \
        } else {                                                               \
            unit_failed++;                                                     \
            fprintf(stderr, "%s:%d: %s is %lld, want %lld\n", __FILE__,        \
                    __LINE__, #got, g_, w_);                                   \
        }                                                                      \
    } while (0)

#define CHECK_STR(got, want)                                                   \
    do {                                                                       \
        const char *g_ = (got), *w_ = (want);                                  \
        if (g_ && w_ && strcmp(g_, w_) == 0) {                                 \
            unit_passed++;                                                     \
        } else {                                                               \
            unit_failed++;                                                     \
            fprintf(stderr, "%s:%d: %s is \"%s\", want \"%s\"\n", __FILE__,    \
                    __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)");   \
        }                                                                      \
    } while (0)

/* Prints the closing `N passed, N failed` line; the exit status of main. */
static int unit_report(void)
{
    printf("%d passed, %d failed\n", unit_passed, unit_failed);
    return unit_failed != 0;
}

#endif
