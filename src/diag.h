/*
 * diag.h - findings: what every stage that judges the analyzed code produces
 * (syntax errors from the parser, defects from the rules), and what the
 * reporters print.  A finding's strings live in its file's arena until the
 * driver copies what it keeps into the run's arena.
 */
#ifndef SL_DIAG_H
#define SL_DIAG_H

#include <stddef.h>

#include "arena.h"

typedef struct TraceStep {
    const char *path; /* file of this step (another module for cross-file paths) */
    int line;         /* 1-based */
    int col;          /* 0-based UTF-8 byte column, as in the AST */
    const char *note; /* "session acquired here" */
} TraceStep;

typedef struct Finding {
    const char *code;    /* rule code: "SL000", "SL103" */
    const char *path;    /* the file, as reported */
    int line, col;       /* start: 1-based line, 0-based UTF-8 byte column */
    int end_line, end_col; /* end, same convention; equal to start if unknown */
    const char *message; /* one sentence, no trailing period */
    TraceStep *trace;    /* the witness path, ntrace steps, in order */
    int ntrace;
    int context;         /* ExecContext (context.h) of the code it is in; 0: not placed yet */
    unsigned contexts;   /* where a default run reports it (CTX_* bits); 0: where its rule
                            does (rules.def) */
    const struct Fix *fix; /* the rule's fix (fix.h), or NULL */
} Finding;

typedef struct FindingList {
    Finding *items; /* heap array, grown with diag_add */
    size_t n, cap;
} FindingList;

/* Sets f's start and end to the span of the AST node at. */
struct Node;
void diag_span(Finding *f, const struct Node *at);

/* Appends a copy of *f (the strings it points to are not copied). */
void diag_add(FindingList *l, const Finding *f);
/* Appends the finding code at the span of at in path, with message and a
 * copy in a of the n steps of its witness path. */
void diag_report(FindingList *l, Arena *a, const char *code, const char *path,
                 const struct Node *at, const char *message, const TraceStep *steps, int n);
/* Sorts by path, line, column, code: the order of every output format. */
void diag_sort(FindingList *l);
void diag_free(FindingList *l);

#endif
