/*
 * diag.c - the finding list: a heap array that stages append to, and the
 * one order every output format uses.  The list never owns the strings its
 * findings point to (they live in the file's arena).
 */
#include "diag.h"

#include "ast.h"

#include <stdlib.h>
#include <string.h>

void diag_add(FindingList *l, const Finding *f)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->n++] = *f;
}

void diag_report(FindingList *l, Arena *a, const char *code, const char *path, const Node *at,
                 const char *message, const TraceStep *steps, int n)
{
    Finding f = {0};
    f.code = code;
    f.path = path;
    diag_span(&f, at);
    f.message = message;
    if (n > 0) {
        f.trace = arena_alloc(a, (size_t)n * sizeof *f.trace);
        memcpy(f.trace, steps, (size_t)n * sizeof *f.trace);
        f.ntrace = n;
    }
    diag_add(l, &f);
}

static int cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int cmp_int(int a, int b) { return (a > b) - (a < b); }

/* Path, line, column and code decide; the rest only makes the order total,
 * so that equal keys never depend on qsort's whims. */
static int cmp_finding(const void *pa, const void *pb)
{
    const Finding *a = pa, *b = pb;
    int c;
    if ((c = cmp_str(a->path, b->path)) || (c = cmp_int(a->line, b->line)) ||
        (c = cmp_int(a->col, b->col)) || (c = cmp_str(a->code, b->code)) ||
        (c = cmp_int(a->end_line, b->end_line)) ||
        (c = cmp_int(a->end_col, b->end_col)) ||
        (c = cmp_str(a->message, b->message)))
        return c;
    return cmp_int(a->ntrace, b->ntrace);
}

void diag_sort(FindingList *l)
{
    if (l->n > 1)
        qsort(l->items, l->n, sizeof *l->items, cmp_finding);
}

void diag_free(FindingList *l)
{
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

void diag_span(Finding *f, const Node *at)
{
    f->line = at->lineno;
    f->col = at->col_offset;
    f->end_line = ast_end_lineno(at);
    f->end_col = at->end_col_offset;
}
