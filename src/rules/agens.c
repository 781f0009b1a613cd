/*
 * agens.c - SL103 through an abandoned async generator (see agens.h).
 *
 * A generator that lends a session and closes it after its yield (a
 * FastAPI provider, `async with SessionLocal() as s: yield s`) closes it
 * only when it runs past the yield: when its consumer asks for the next
 * item, or closes it.  A synchronous generator is closed as soon as its
 * last reference goes; an async one cannot be (closing it is a coroutine).
 * asyncio's finalizer hook schedules its aclose() as a new task instead,
 * which runs later, outside the code that dropped it and its error
 * handling (Python's reference asks for aclose() or contextlib.aclosing()
 * for this reason): the connection is still checked out when the function
 * returns (observed: tests/proof/sl103.py).
 *
 * Reported, on an async generator of the project whose summary says it
 * lends a resource and releases it after the yield (`releases_after`):
 *
 * - `async for x in gen():` whose body leaves the loop before the
 *   generator finishes: `break` (of this loop), `return` or `raise` (a
 *   re-yield, where the consumer of the enclosing generator can close it,
 *   is SL104's: lifecycle.c's delegation);
 * - `await g.__anext__()` / `await anext(g)` on a name bound to such a
 *   generator that the function neither mentions again (a second
 *   `anext` that drains it, `aclose()`, `aclosing(g)`, a handover) nor
 *   returns.
 *
 * An iterator held by a name the function closes (`aclose()`, `async with
 * aclosing(...)`) is quiet.  One that nothing holds (`await anext(get_db())`)
 * is closed by asyncio's task while its session is in use: SL102 (dropped).
 */
#include "rules/agens.h"

#include <string.h>

#include "flow.h"
#include "model.h"
#include "value.h"

#define AGENS_MAX_DEPTH 256 /* nesting followed in a body */

/* The def of the async generator that e makes, when it lends a resource
 * and releases it after its yield; NULL otherwise.  *kind: what it lends. */
static const Node *lender(DbCtx *c, const Scope *s, const Node *e, int *kind)
{
    Val v = dbval_expr(c, s, e);
    if (v.tag != VAL_FACTORY || v.kind != FAC_GENERATOR || !v.is_async || v.sub == RES_NONE ||
        !v.node || !c->env->summary_of)
        return NULL;
    const FlowSummary *sum = c->env->summary_of(c->env->summary_arg, v.node);
    if (!sum || !sum->releases_after)
        return NULL;
    *kind = v.sub;
    return v.node;
}

/* ---- the first statement that leaves an `async for` early ---- */

typedef struct Exit {
    const Node *at;   /* break, return, raise or yield */
    const char *what; /* its name, for the message */
    int loops;        /* nested loops around the point (a break there is theirs) */
    int depth;
} Exit;

static void exit_kid(Node *parent, Node *n, void *arg)
{
    Exit *x = arg;
    (void)parent;
    if (x->at || x->depth > AGENS_MAX_DEPTH || ast_is_def(n) || n->kind == NODE_ClassDef)
        return;
    switch (n->kind) {
    case NODE_Break:
        if (!x->loops) {
            x->at = n;
            x->what = "`break`";
        }
        return;
    case NODE_Return: x->at = n; x->what = "`return`"; return;
    case NODE_Raise: x->at = n; x->what = "`raise`"; return;
    default: break; /* a re-yield is SL104's (lifecycle.c: delegation) */
    }
    int loop = n->kind == NODE_For || n->kind == NODE_AsyncFor || n->kind == NODE_While;
    x->depth++;
    x->loops += loop;
    ast_children(n, exit_kid, x);
    x->loops -= loop;
    x->depth--;
}

/* ---- what else the function does with a generator held by a name ---- */

typedef struct Mentions {
    const char *name;
    const Node *skip; /* the one use being judged */
    int n, depth;
} Mentions;

static void mention_kid(Node *parent, Node *n, void *arg)
{
    Mentions *m = arg;
    (void)parent;
    if (m->depth > AGENS_MAX_DEPTH || n == m->skip)
        return;
    if (n->kind == NODE_Name && ast_ctx(n) == CTX_Load && !strcmp(n->v.Name.id, m->name))
        m->n++;
    m->depth++;
    ast_children(n, mention_kid, m);
    m->depth--;
}

/* Loads of name in func other than inside skip. */
static int mentions(const Node *func, const char *name, const Node *skip)
{
    Mentions m = {name, skip, 0, 0};
    const NodeList *body = &func->v.FunctionDef.body;
    for (int i = 0; i < body->n; i++)
        mention_kid(NULL, body->items[i], &m);
    return m.n;
}

static void report(DbCtx *c, const Source *src, FindingList *out, const Node *at, const Node *gen,
                   int kind, const char *how, const Node *exit_at, const char *exit_step)
{
    const char *noun = model_res(kind)->noun, *name = gen->v.FunctionDef.name;
    TraceStep steps[2] = {
        {src->path, at->lineno, at->col_offset,
         arena_printf(c->a, "`%s` lends a %s here and waits at its yield", name, noun)},
        {src->path, exit_at->lineno, exit_at->col_offset, exit_step}};
    diag_report(out, c->a, "SL103", src->path, at,
                arena_printf(c->a,
                             "%s: `%s` closes the %s it lends only after its yield, and an "
                             "abandoned async generator is not closed where it is dropped "
                             "(asyncio's hook schedules its aclose() as a task of its own), so "
                             "the connection stays checked out past this code and its error "
                             "handling; use the %s with `async with`, or wrap the generator in "
                             "`contextlib.aclosing()`",
                             how, name, noun, noun),
                steps, 2);
}

static void check_for(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w,
                      const Node *loop)
{
    const Node *it = loop->v.For.iter, *func = dbval_walk_func(w);
    int kind;
    const Node *gen;
    if (!func || func->kind == NODE_Lambda || (it->kind != NODE_Call && it->kind != NODE_Name) ||
        !(gen = lender(c, w->scope, it, &kind)))
        return;
    if (it->kind == NODE_Name && mentions(func, it->v.Name.id, it))
        return; /* held by a name the function closes, drains or hands on */
    Exit x = {0};
    for (int i = 0; i < loop->v.For.body.n && !x.at; i++)
        exit_kid(NULL, loop->v.For.body.items[i], &x);
    if (!x.at)
        return;
    const char *step =
        arena_printf(c->a, "%s leaves the loop here, with the generator at its yield", x.what);
    report(c, src, out, it, gen, kind,
           arena_printf(c->a, "`async for` over `%s()` is left before the generator finishes "
                              "(%s on line %d)",
                        gen->v.FunctionDef.name, x.what, x.at->lineno),
           x.at, step);
}

/*
 * `await anext(get_db())`: nothing keeps the generator once anext returns,
 * so its finalizer runs at once and asyncio's hook schedules its aclose()
 * as a task, which closes what it lent at the next await, while the code
 * that took it goes on using it (observed, tests/proof/sl102.py: the query
 * in flight fails).  A synchronous generator dropped the same way is
 * closed before `next()` even returns: the dataflow's (flow.c, SL102).
 */
static void dropped(DbCtx *c, const Source *src, FindingList *out, const Node *call,
                    const Node *gen, int kind)
{
    const char *noun = model_res(kind)->noun, *name = gen->v.FunctionDef.name;
    TraceStep steps[2] = {
        {src->path, call->lineno, call->col_offset,
         arena_printf(c->a, "`%s` lends a %s here, and nothing keeps the generator after it",
                      name, noun)},
        {src->path, call->lineno, call->col_offset,
         "asyncio schedules its aclose() here: it runs as a task of its own at the next await"}};
    diag_report(out, c->a, "SL102", src->path, call,
                arena_printf(c->a,
                             "the %s `%s()` lends is closed while it is used: nothing keeps the "
                             "generator once `anext` returns, so asyncio's finalizer schedules "
                             "its aclose() as a task at once, which closes the %s at the next "
                             "await, under the statement still running on it; use the %s with "
                             "`async with`, or keep the generator in `contextlib.aclosing()`",
                             noun, name, noun, noun),
                steps, 2);
}

/* `await g.__anext__()` / `await anext(g)`, g a name bound to a lender. */
static void check_anext(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w,
                        const Node *await)
{
    const Node *call = await->v.Await.value, *func = dbval_walk_func(w), *g = NULL;
    if (!func || func->kind == NODE_Lambda || call->kind != NODE_Call)
        return;
    const Node *f = call->v.Call.func;
    if (f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "__anext__"))
        g = f->v.Attribute.value;
    else if (f->kind == NODE_Name && !strcmp(f->v.Name.id, "anext") && call->v.Call.args.n == 1 &&
             !scope_lookup(w->t, w->scope, "anext", NULL))
        g = call->v.Call.args.items[0];
    int kind;
    const Node *gen;
    if (g && g->kind == NODE_Call && (gen = lender(c, w->scope, g, &kind))) {
        dropped(c, src, out, call, gen, kind);
        return;
    }
    if (!g || g->kind != NODE_Name || !(gen = lender(c, w->scope, g, &kind)) ||
        mentions(func, g->v.Name.id, call))
        return;
    const Node *last = func->v.FunctionDef.body.items[func->v.FunctionDef.body.n - 1];
    report(c, src, out, call, gen, kind,
           arena_printf(c->a, "`%s` is driven by hand and never closed or drained",
                        g->v.Name.id),
           last, "the function ends after this statement, with the generator at its yield");
}

void agens_visit(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w, const Node *n)
{
    if (n->kind == NODE_AsyncFor)
        check_for(c, src, out, w, n);
    else if (n->kind == NODE_Await)
        check_anext(c, src, out, w, n);
}
