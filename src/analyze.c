/*
 * analyze.c - per-module analysis after parsing (see analyze.h).  Every
 * function body, at any depth (methods, nested functions), and the module
 * body go through the dataflow once, each with a scratch arena reset in
 * between, so memory stays bounded by the largest function.
 */
#include "analyze.h"

#include <ctype.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>

#include "flow.h"
#include "rules/lifecycle.h"
#include "scope.h"

#define WALK_MAX_DEPTH 200 /* nesting of defs and classes followed */

typedef struct Walk {
    LifecycleSink *sink;
    Arena *scratch;
    const FlowEnv *env;
    int depth;
} Walk;

static void visit(Node *parent, Node *n, void *arg)
{
    Walk *w = arg;
    (void)parent;
    if (w->depth >= WALK_MAX_DEPTH)
        return;
    if (n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef) {
        flow_function(w->scratch, w->env, n);
        arena_reset(w->scratch);
        lifecycle_delegation(w->sink, w->env, n);
    }
    if (ast_category(n->kind) == CAT_EXPR && n->kind != NODE_Lambda)
        return; /* no statements below, except in lambdas, which we skip */
    w->depth++;
    ast_children(n, visit, w);
    w->depth--;
}

/* The summaries of a module's functions, in definition order. */
typedef struct Summaries {
    const Node **funcs;
    FlowSummary *sums;
    int n, cap;
} Summaries;

static const FlowSummary *summary_of(void *arg, const Node *func)
{
    Summaries *s = arg;
    for (int i = 0; i < s->n; i++)
        if (s->funcs[i] == func)
            return &s->sums[i];
    return NULL;
}

static void collect_funcs(Node *parent, Node *n, void *arg)
{
    Summaries *s = arg;
    (void)parent;
    if (n->kind != NODE_FunctionDef && n->kind != NODE_AsyncFunctionDef) {
        if (n->kind == NODE_ClassDef || ast_category(n->kind) == CAT_STMT)
            ast_children(n, collect_funcs, s); /* module-level and class-level defs */
        return;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        s->funcs = xrealloc(s->funcs, (size_t)s->cap * sizeof *s->funcs);
        s->sums = xrealloc(s->sums, (size_t)s->cap * sizeof *s->sums);
    }
    s->funcs[s->n] = n;
    memset(&s->sums[s->n], 0, sizeof *s->sums);
    s->n++;
}

/*
 * Summaries of the module's functions: two rounds, so a function that calls
 * another defined in the same module sees its summary (cross-module
 * summaries come with the project-wide link step).
 */
static void summarize(Arena *scratch, const Source *src, const ScopeTable *scopes, Node *module,
                      Summaries *s)
{
    ast_children(module, collect_funcs, s);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < s->n; i++) {
            FlowSummary sum = {0};
            FlowEnv env = {src, scopes, NULL, NULL, summary_of, s, &sum};
            flow_function(scratch, &env, (Node *)s->funcs[i]);
            arena_reset(scratch);
            s->sums[i] = sum;
        }
    }
}

void analyze_module(Arena *a, const Source *src, const Lexed *lx, Node *module,
                    const char *modname, FindingList *out)
{
    ScopeTable *scopes = scope_build(a, module, modname, 0);
    FindingList found = {0};
    LifecycleSink sink = {a, src, &found, NULL, NULL};
    Arena *scratch = arena_new();
    Summaries sums = {0};
    summarize(scratch, src, scopes, module, &sums);
    FlowEnv env = {src, scopes, lifecycle_report, &sink, summary_of, &sums, NULL};
    Walk w = {&sink, scratch, &env, 0};
    flow_function(scratch, &env, module);
    arena_reset(scratch);
    ast_children(module, visit, &w);
    arena_free(scratch);
    free(sums.funcs);
    free(sums.sums);
    for (size_t i = 0; i < found.n; i++)
        if (!analyze_suppressed(src, lx, found.items[i].line, found.items[i].code))
            diag_add(out, &found.items[i]);
    diag_free(&found);
}

/* Does the comment text c (after '#') suppress code?  `noqa`, `noqa: A, B`,
 * `sessionlint: ignore[A, B]`; codes match by prefix as in Ruff. */
static int suppresses(const char *c, size_t n, const char *code)
{
    const char *end = c + n;
    for (const char *p = c; p < end; p++) {
        const char *list = NULL, *stop = end;
        if (end - p >= 4 && !strncasecmp(p, "noqa", 4)) {
            const char *q = p + 4;
            while (q < end && *q == ' ')
                q++;
            if (q >= end || *q != ':')
                return 1; /* a bare noqa suppresses everything */
            list = q + 1;
        } else if (end - p >= 19 && !strncmp(p, "sessionlint: ignore", 19)) {
            const char *q = p + 19;
            if (q >= end || *q != '[')
                return 1;
            list = q + 1;
            const char *close = memchr(list, ']', (size_t)(end - list));
            stop = close ? close : end;
        }
        if (!list)
            continue;
        for (const char *q = list; q < stop;) {
            while (q < stop && (*q == ' ' || *q == ','))
                q++;
            const char *s = q;
            while (q < stop && isalnum((unsigned char)*q))
                q++;
            size_t len = (size_t)(q - s);
            if (len && len <= strlen(code) && !strncasecmp(s, code, len))
                return 1;
            if (q == s)
                break;
        }
        return 0;
    }
    return 0;
}

int analyze_suppressed(const Source *src, const Lexed *lx, int line, const char *code)
{
    int lo = 0, hi = lx->ncomments;
    while (lo < hi) { /* comments are in source order */
        int mid = (lo + hi) / 2;
        if (lx->comments[mid].line < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (int i = lo; i < lx->ncomments && lx->comments[i].line == line; i++)
        if (suppresses(src->text + lx->comments[i].off, lx->comments[i].len, code))
            return 1;
    return 0;
}
