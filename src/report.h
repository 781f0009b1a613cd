/*
 * report.h - the end of the pipeline: a run's findings, in their final
 * order and with positions as users read them, and the formatters that
 * print them (report_text.c, report_json.c, report_github.c,
 * report_sarif.c).
 *
 * A Report is built by the driver once every file's arena is gone, so it
 * carries what printing needs from the source: 1-based code-point columns
 * and a copy of the line to quote.  Formatters only read it, and write
 * nothing but the FILE they are given.
 */
#ifndef SL_REPORT_H
#define SL_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"

typedef struct ReportStep {
    const char *path; /* the file of this step */
    int line;         /* 1-based */
    int column;       /* 1-based, in code points */
    const char *note; /* "session acquired here" */
} ReportStep;

/* One edit of a fix (fix.h), on the file's bytes. */
typedef struct ReportEdit {
    int line, column;         /* start: 1-based line, 1-based code-point column */
    int end_line, end_column; /* end, same convention; equal to start for an insertion */
    size_t start, end;        /* the same range as byte offsets in the file (BOM included) */
    const char *content;      /* the bytes that replace it: UTF-8, the file's own line ends */
    int shared;               /* an edit several fixes may make alike (an import) */
} ReportEdit;

/* A finding's fix (fix.h): edits of the finding's own file. */
typedef struct ReportFix {
    int applicability;   /* FixApplicability (fix.h): safe or unsafe */
    const char *message; /* what the fix does */
    ReportEdit *edits;   /* sorted, not overlapping */
    int nedits;
    size_t file_size;    /* the file's size when it was analyzed ... */
    uint64_t file_hash;  /* ... and a hash of its bytes: a file changed since is not fixed */
} ReportFix;

typedef struct ReportItem {
    const char *code;     /* "SL000" */
    const char *name;     /* "syntax-error" (the code again if not registered) */
    int severity;         /* Severity (rules.h) */
    const char *message;  /* one sentence, no trailing period */
    const char *path;     /* the file, relative to the working directory */
    int line, column;     /* start: 1-based line, 1-based code-point column */
    int end_line, end_column; /* end, same convention */
    ReportStep *trace;    /* the witness path, ntrace steps */
    int ntrace;
    const char *snippet;  /* the start line to quote, made printable; NULL if none */
    int caret_col;        /* 0-based display column of the underline in snippet */
    int caret_len;        /* width of the underline, at least 1 */
    const char *fingerprint; /* report_fingerprints: stable across moved lines */
    int context;          /* ExecContext (context.h) of the code it is in */
    const ReportFix *fix; /* its fix, or NULL */
} ReportItem;

typedef struct ReportError {
    const char *path; /* the file or folder that could not be read */
    const char *msg;  /* why */
} ReportError;

typedef struct ReportCount {
    const char *code; /* "SL000" */
    const char *name; /* "syntax-error" */
    size_t count;     /* findings with this code */
} ReportCount;

typedef struct Report {
    ReportItem *items;   /* sorted by path, line, column, code */
    size_t n;
    ReportError *errors; /* I/O failures, sorted by path */
    size_t nerrors;
    ReportCount *counts; /* findings per code, most frequent first, then by code */
    size_t ncounts;
    size_t files;        /* files analyzed (read and decoded or not), templates aside */
    size_t templates;    /* files skipped as templates: no parse, and template markup */
    size_t hidden;       /* findings left out for their execution context (--context) */
    size_t bytes;        /* bytes of decoded source analyzed */
    size_t lines;        /* lines of source analyzed */
    double seconds;      /* wall time of the per-file stages */
    int stopped;         /* DriverOptions.stop ended the run early: the findings are partial */
    Arena **arenas;      /* memory of the strings above; driver_free frees */
    int narenas;
} Report;

typedef struct ReportOptions {
    int color; /* ANSI colors (text only) */
    int quiet; /* findings only: no summary line */
    int unsafe_fixes; /* --unsafe-fixes: unsafe fixes count as fixable (else a hint) */
    int fixing;       /* --fix ran: the summary says what it fixed */
    size_t fixed;     /* ... findings it fixed */
} ReportOptions;

/*
 * rustc/Ruff-style text: "path:line:col: CODE message" ("CODE [*] message"
 * when --fix would fix it), the quoted line with an underline, trace steps
 * as "= note:" lines, then a summary line and, as Ruff does, how many
 * findings --fix (or --fix --unsafe-fixes) would fix.
 */
void report_text_write(FILE *out, const Report *r, const ReportOptions *o);
/* --fix-only and --diff, which show no findings: Ruff's one line, "Fixed 3
 * findings." or (would) "Would fix 3 findings.", and how many fixes
 * --unsafe-fixes would add. */
void report_text_fix_summary(FILE *out, const Report *r, const ReportOptions *o, int would);
/* Counts per code, most frequent first: "COUNT<TAB>CODE<TAB>name". */
void report_text_statistics(FILE *out, const Report *r, const ReportOptions *o);

/* The versioned JSON document ("version": 1; docs/design.md, section 5); a
 * finding's "fix" is null or {"applicability", "message", "edits": [{"path",
 * "line", "column", "end_line", "end_column", "content"}]}. */
void report_json_write(FILE *out, const Report *r);
/* Counts per code as a JSON array of {"code", "name", "count"}. */
void report_json_statistics(FILE *out, const Report *r);
/* Writes s as a JSON string literal (quotes included); invalid UTF-8
 * becomes U+FFFD.  Shared with the other JSON-speaking formatters. */
void report_json_string(FILE *out, const char *s);

/* GitHub Actions workflow commands: one "::error file=...::message" a finding. */
void report_github_write(FILE *out, const Report *r);

/* SARIF 2.1.0 (report_sarif.c): one run, every registered rule in
 * tool.driver.rules, each finding a result with its witness path as a
 * codeFlow, partialFingerprints["sessionlint/v1"] and its fix as `fixes`;
 * I/O errors are toolExecutionNotifications.  Needs report_fingerprints
 * first. */
void report_sarif_write(FILE *out, const Report *r);

/*
 * Fills every item's fingerprint (report.c): 16 hex digits hashing the
 * code, the path, the flagged line with all whitespace removed, and the
 * item's index among the earlier items of its file with the same three.
 * Line numbers are not part of it, so it survives edits elsewhere in the
 * file; SARIF's partialFingerprints and baselines (baseline.h) use it.
 * Strings come from a.  Call once, after the items are sorted.
 */
void report_fingerprints(Arena *a, Report *r);

#endif
