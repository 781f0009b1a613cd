/*
 * fix.h - fixes: the text edits a rule proposes with a finding, their form
 * on the file's own bytes, and `--fix` / `--diff` (applying them).
 *
 * A rule builds a Fix on the decoded text of its file (Source.text: UTF-8,
 * every line end a '\n'); fix_report turns it into the ReportFix of
 * report.h, on the bytes as read (line ends, BOM and all), which is what the
 * reports print and what fix_run applies.  Files whose bytes the decoded
 * text does not map onto one for one (a non-UTF-8 coding with non-ASCII
 * bytes, invalid UTF-8) get no fixes.
 *
 * fix_run follows Ruff: it applies the non-overlapping fixes of every file,
 * analyzes the project again with the fixed texts, and goes round again
 * (fixes that overlapped an applied one, fixes the new text offers) for at
 * most FIX_MAX_ROUNDS rounds.  Each fix is parsed on its own before it is
 * applied, and after the round's analysis its finding must be gone; a fix
 * that fails either is dropped and reported as a bug of sessionlint, never
 * written.  Files are written atomically (a temporary file in the same
 * folder, renamed over the original, its mode kept).
 */
#ifndef SL_FIX_H
#define SL_FIX_H

#include <stddef.h>
#include <stdio.h>

#include "arena.h"
#include "report.h"
#include "source.h"

struct DriverOptions; /* driver.h: what to analyze */

#define FIX_MAX_ROUNDS 6 /* analyses after the first, at most */

/* Ruff's two kinds.  Safe: the program does the same thing except that the
 * defect is gone.  Unsafe: it may do something else as well. */
typedef enum FixApplicability { FIX_SAFE, FIX_UNSAFE } FixApplicability;

/* One edit on the decoded text: text[start, end) becomes content. */
typedef struct FixEdit {
    size_t start, end;   /* byte offsets into Source.text, start <= end */
    const char *content; /* UTF-8; new lines end in '\n' (written with the file's own) */
    int shared;          /* an edit other fixes may make identically (an import they all
                            need): applied once, never a conflict with its twin */
} FixEdit;

typedef struct Fix {
    int applicability;   /* FixApplicability */
    const char *message; /* what it does: "Use `with SessionLocal() as db:`" */
    FixEdit *edits;      /* sorted by start, not overlapping */
    int nedits;
} Fix;

/* "safe" or "unsafe". */
const char *fix_applicability_name(int applicability);

/*
 * The fix f of a finding in src, in report form (strings in keep), or NULL
 * when src's bytes cannot take it (see the top of this file).  Thread-safe.
 */
const ReportFix *fix_report(Arena *keep, const Source *src, const Fix *f);

/* Does the fix apply under --unsafe-fixes (unsafe: 1) or without (0)? */
int fix_applies(const ReportFix *f, int unsafe);

typedef enum FixMode {
    FIX_WRITE,  /* --fix, --fix-only: write the fixed files */
    FIX_DIFF,   /* --diff: print a unified diff of each file that would change */
    FIX_STDOUT, /* --fix with --stdin-filename: print the (fixed) source */
} FixMode;

typedef struct FixOptions {
    int mode;   /* FixMode */
    int unsafe; /* --unsafe-fixes: unsafe fixes too */
    FILE *out;  /* the diff or the source goes here */
} FixOptions;

typedef struct FixResult {
    size_t fixed;         /* findings whose fix was applied (or would be, for --diff) */
    size_t files;         /* files changed (or that would be) */
    size_t dropped;       /* fixes dropped as bugs of sessionlint */
    ReportCount *by_code; /* fixed findings per code, most first (heap; fix_result_free) */
    size_t ncodes;
    int write_failed;     /* a file could not be written (said on stderr) */
} FixResult;

/*
 * Runs the analysis d describes, applies the fixes of its findings in
 * rounds as above, and fills *final with the analysis of the fixed sources
 * (what remains to report; free it with driver_free).  Then, by o->mode,
 * writes the changed files, prints their diff, or prints the one file's
 * source (stdin).  Dropped fixes, write failures and fixes still left
 * after FIX_MAX_ROUNDS are said on stderr.  Call from one thread.
 */
void fix_run(const struct DriverOptions *d, const FixOptions *o, Report *final, FixResult *res);

void fix_result_free(FixResult *res);

/*
 * Writes a unified diff (3 lines of context, "--- a/PATH", "+++ b/PATH")
 * of old -> new to out; nothing when they are equal.  Lines are compared
 * with their line ends.  Exported for the tests.
 */
void fix_diff(FILE *out, const char *path, const char *old, size_t oldlen, const char *neu,
              size_t newlen);

#endif
