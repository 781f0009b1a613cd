/*
 * forks.c - SL208 pool-across-fork: workers forked from a process that has
 * used a connection pool take connections of their copy of it; and SL209
 * pool-across-event-loops: an async pool that outlives the event loops
 * asyncio.run() makes, one per call.
 *
 * A forked child starts with a copy of its parent's memory: the engine, its
 * pool, and the connections the pool keeps open, sockets included.  When a
 * worker then takes one of those connections, the parent and the worker
 * (or two workers) speak the database protocol over one socket: each reads
 * the other's replies, transactions interleave, and a worker that exits
 * closes the server session under the parent (observed:
 * tests/proof/sl208.py: the worker's connection is the parent's server
 * session).  SQLAlchemy's documented fix is engine.dispose(close=False)
 * first thing in the child, or dispose() in the parent before it forks.
 *
 * Reported on the call that starts the workers: a multiprocessing Pool's
 * or a ProcessPoolExecutor's map/imap/apply/submit, or a Process(target=),
 * whose start method forks (a get_context("fork"), or the default, which
 * is fork on Linux before Python 3.14), when the function run in the
 * workers takes a connection of a pool of the project for itself (its
 * summary's needs_pool) and the function that forks has used that same
 * pool (its own needs_pool).  Quiet when anything disposes: the worker
 * function, the pool's initializer, or the parent before the fork.
 */
#include "rules/forks.h"

#include <string.h>

#include "value.h"

#define FORK_MAX_DEPTH 256 /* nesting followed in a function body */
#define FORK_MAX_NAMES 4   /* names followed to the pool or context they are bound to */

/* What name e (in scope s) is bound to once: an assignment's value, or the
 * context expression of `with ... as e`; e itself for anything else. */
static const Node *bound(DbCtx *c, const Scope *s, const Node *e)
{
    for (int depth = 0; e && e->kind == NODE_Name && depth < FORK_MAX_NAMES; depth++) {
        const Binding *b = scope_lookup(c->env->scopes, s, e->v.Name.id, NULL);
        if (!b || b->kind != BIND_LOCAL || b->nbind != 1)
            return e;
        if (b->value)
            e = b->value;
        else if (b->def && b->def->kind == NODE_withitem)
            e = b->def->v.withitem.context_expr;
        else
            return e;
    }
    return e;
}

/* Does e name a multiprocessing context that forks?  1 for
 * get_context("fork") and get_context() (the platform's default: fork on
 * Linux before Python 3.14), 0 for another start method or one not
 * written as a literal, -1 when e is no context. */
static int forking_context(DbCtx *c, const Scope *s, const Node *e)
{
    e = bound(c, s, e);
    if (!e || e->kind != NODE_Call)
        return -1;
    const char *q = dbval_qualname(c, s, e->v.Call.func);
    if (!q || (strcmp(q, "multiprocessing.get_context") &&
               strcmp(q, "multiprocessing.context.get_context")))
        return -1;
    const Node *m = e->v.Call.args.n ? e->v.Call.args.items[0] : ast_keyword(e, "method");
    if (!m || (m->kind == NODE_Constant && m->v.Constant.value.kind == CONST_NONE))
        return 1;
    return m->kind == NODE_Constant && m->v.Constant.value.kind == CONST_STR &&
           !strcmp(m->v.Constant.value.s, "fork");
}

/* Is e (a call, or a name bound to one) a pool of worker processes that
 * are forked?  Its initializer into *init. */
static int forking_pool(DbCtx *c, const Scope *s, const Node *e, const Node **init)
{
    static const char *const pools[] = {"multiprocessing.Pool", "multiprocessing.pool.Pool",
                                        "concurrent.futures.ProcessPoolExecutor",
                                        "concurrent.futures.process.ProcessPoolExecutor", NULL};
    e = bound(c, s, e);
    if (!e || e->kind != NODE_Call)
        return 0;
    const Node *f = e->v.Call.func;
    int forks = 0;
    if (ast_name_in(dbval_qualname(c, s, f), pools)) {
        const Node *ctx = ast_keyword(e, "mp_context");
        forks = ctx ? forking_context(c, s, ctx) == 1 : 1;
    } else if (f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "Pool")) {
        forks = forking_context(c, s, f->v.Attribute.value) == 1; /* get_context("fork").Pool() */
    }
    *init = forks ? ast_keyword(e, "initializer") : NULL;
    return forks;
}

/* The function call starts in forked worker processes, or NULL:
 * `pool.map(work, items)` (and imap, starmap, apply_async, submit, ...) on
 * a forking pool, or Process(target=work) of a forking context; q is the
 * qualified name of call's callee, or NULL. */
static const Node *fork_target(DbCtx *c, const Scope *s, const Node *call, const char *q,
                               const Node **init)
{
    static const char *const processes[] = {"multiprocessing.Process",
                                            "multiprocessing.context.Process", NULL};
    static const char *const runs[] = {"map", "imap", "imap_unordered", "starmap",
                                       "starmap_async", "map_async", "apply", "apply_async",
                                       "submit", NULL};
    const Node *f = call->v.Call.func;
    *init = NULL;
    if (ast_name_in(q, processes) ||
        (f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "Process") &&
         forking_context(c, s, f->v.Attribute.value) == 1))
        return ast_keyword(call, "target");
    if (f->kind != NODE_Attribute || !ast_name_in(f->v.Attribute.attr, runs) ||
        !forking_pool(c, s, f->v.Attribute.value, init))
        return NULL;
    return call->v.Call.args.n ? call->v.Call.args.items[0]
                               : ast_keyword(call, !strcmp(f->v.Attribute.attr, "submit") ? "fn"
                                                                                    : "func");
}

/* A def of the project that e (in scope s) names, or NULL. */
static const Node *def_of(DbCtx *c, const Scope *s, const Node *e)
{
    if (!e)
        return NULL;
    Val v = value_of(c->env->values, c->a, c->env->scopes, s, e);
    return v.tag == VAL_FUNC && v.node &&
                   (v.node->kind == NODE_FunctionDef || v.node->kind == NODE_AsyncFunctionDef)
               ? v.node : NULL;
}

/* Does the subtree call x.dispose(...) (before `until`, when given)? */
typedef struct Dispose {
    const Node *until;
    int found, depth;
} Dispose;

static void dispose_kid(Node *parent, Node *n, void *arg)
{
    Dispose *w = arg;
    (void)parent;
    if (w->found || w->depth > FORK_MAX_DEPTH ||
        (w->until && (n->lineno > w->until->lineno ||
                      (n->lineno == w->until->lineno && n->col_offset >= w->until->col_offset))))
        return;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        !strcmp(n->v.Call.func->v.Attribute.attr, "dispose")) {
        w->found = 1;
        return;
    }
    w->depth++;
    ast_children(n, dispose_kid, w);
    w->depth--;
}

static int disposes(const Node *def, const Node *until)
{
    Dispose w = {until, 0, 0};
    if (def)
        ast_children((Node *)def, dispose_kid, &w);
    return w.found;
}

static const FlowSummary *summary(const DbCtx *c, const Node *def)
{
    const FlowEnv *env = c->env;
    return def && env->summary_of ? env->summary_of(env->summary_arg, def) : NULL;
}

/* A finding on the call at: code, message, and one step at the function
 * that runs apart (work), in its own module. */
static void report(DbCtx *c, const Source *src, FindingList *out, const Node *at, const char *code,
                   const char *message, const Node *work, const char *note)
{
    Finding fd = {0};
    fd.code = code;
    fd.path = src->path;
    diag_span(&fd, at);
    fd.message = message;
    fd.trace = arena_alloc(c->a, sizeof *fd.trace);
    fd.trace[fd.ntrace++] =
        (TraceStep){value_path_of(c->env->values, work), work->lineno, work->col_offset, note};
    diag_add(out, &fd);
}

/*
 * SL209: `asyncio.run(work())` in code that runs more than once per process
 * (request and service code), where the coroutine takes connections of a
 * pool that outlives the call (a module-level or cached async engine): each
 * run makes a new event loop, and a connection an earlier run opened stays
 * in the pool, bound to that run's loop.  Quiet for NullPool engines (no
 * pool), and when the coroutine disposes the engine.
 */
static void loop_per_call(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w,
                          const Node *n, const char *q)
{
    static const char *const runners[] = {"asyncio.run", "asyncio.runners.run", NULL};
    const Node *arg = n->v.Call.args.n ? n->v.Call.args.items[0] : NULL;
    if (!arg || arg->kind != NODE_Call || !ast_name_in(q, runners))
        return;
    const Node *work = def_of(c, w->scope, arg->v.Call.func);
    const FlowSummary *sum = summary(c, work);
    if (!work || work->kind != NODE_AsyncFunctionDef || !sum || !sum->needs_pool ||
        disposes(work, NULL))
        return;
    report(c, src, out, n, "SL209",
           arena_printf(c->a,
                        "`%s` runs on a new event loop at each asyncio.run() and takes "
                        "connections of the pool of `%s`, which outlives the loop: a connection "
                        "an earlier run opened stays in the pool, bound to that run's loop, and a "
                        "later run gets it (asyncpg: \"attached to a different loop\", then "
                        "\"another operation is in progress\"); make that engine with "
                        "poolclass=NullPool, dispose of it before the coroutine returns, or keep "
                        "one event loop for the process",
                        work->v.FunctionDef.name, ((const Binding *)sum->needs_pool)->name),
           work, "the coroutine, which takes a connection of that pool");
}

void forks_visit(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w, const Node *n)
{
    const Node *func = n->kind == NODE_Call ? dbval_walk_func(w) : NULL;
    if (!func || func->kind == NODE_Lambda)
        return;
    const char *q = dbval_qualname(c, w->scope, n->v.Call.func); /* once for both rules */
    loop_per_call(c, src, out, w, n, q);
    const Node *init;
    const Node *work = def_of(c, w->scope, fork_target(c, w->scope, n, q, &init));
    const FlowSummary *child = summary(c, work), *parent = summary(c, func);
    if (!child || !child->needs_pool || !parent || parent->needs_pool != child->needs_pool)
        return;
    if (disposes(work, NULL) || disposes(def_of(c, w->scope, init), NULL) || disposes(func, n))
        return; /* the child drops its copy, or the parent its connections first */
    report(c, src, out, n, "SL208",
           arena_printf(c->a,
                        "`%s` runs in worker processes forked from this one and takes connections "
                        "of the pool of `%s`, which this process has already used: each worker "
                        "starts with a copy of the pool and of the connections it keeps open, "
                        "sockets included, so the parent and its workers talk to the server over "
                        "the same connection and read each other's replies; call "
                        "dispose(close=False) on the engine first thing in each worker (a pool "
                        "initializer), or dispose() it before forking (the default start method "
                        "forks on Linux before Python 3.14)",
                        work->v.FunctionDef.name, ((const Binding *)child->needs_pool)->name),
           work, "the worker function, which takes a connection of the same pool");
}
