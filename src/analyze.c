/*
 * analyze.c - per-module analysis after parsing (see analyze.h).  Every
 * function body, at any depth (methods, nested functions), and the module
 * body go through the dataflow once, each with a scratch arena reset in
 * between, so memory stays bounded by the largest function.
 */
#include "analyze.h"

#include <ctype.h>
#include <string.h>
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
        lifecycle_delegation(w->sink, n);
    }
    if (ast_category(n->kind) == CAT_EXPR && n->kind != NODE_Lambda)
        return; /* no statements below, except in lambdas, which we skip */
    w->depth++;
    ast_children(n, visit, w);
    w->depth--;
}

void analyze_module(Arena *a, const Source *src, const Lexed *lx, Node *module,
                    const char *modname, FindingList *out)
{
    ScopeTable *scopes = scope_build(a, module, modname, 0);
    FindingList found = {0};
    LifecycleSink sink = {a, src, &found};
    FlowEnv env = {src, scopes, lifecycle_report, &sink};
    Arena *scratch = arena_new();
    Walk w = {&sink, scratch, &env, 0};
    flow_function(scratch, &env, module);
    arena_reset(scratch);
    ast_children(module, visit, &w);
    arena_free(scratch);
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
