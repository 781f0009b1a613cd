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
 * workers takes a connection of a pool of the project for itself and the
 * function that forks has used that same pool before the fork; or on a
 * call of a function that forks, when its caller used the pool before
 * that call (forks_visit, below the import-time walk it reuses).  Quiet
 * when anything disposes: the worker function, the pool's initializer
 * (which may also rebind the global holding the engine), or the parent
 * before the fork.
 *
 * The same fork in Celery's prefork worker, which imports the app and task
 * modules and then forks the children that run the tasks: reported on the
 * module-level code of a module it imports that uses a pool a task uses
 * too (forks_check_module, below).
 */
#include "rules/forks.h"

#include <string.h>

#include "context.h"
#include "fastapi.h"
#include "modgraph.h"
#include "value.h"

#define FORK_MAX_DEPTH 256 /* nesting followed in a function body */
#define FORK_MAX_NAMES 4   /* names followed to the pool or context they are bound to */

/* What name e (in scope s of table t) is bound to once: an assignment's
 * value, or the context expression of `with ... as e`; e itself for
 * anything else. */
static const Node *bound(const ScopeTable *t, const Scope *s, const Node *e)
{
    for (int depth = 0; e && e->kind == NODE_Name && depth < FORK_MAX_NAMES; depth++) {
        const Binding *b = scope_lookup(t, s, e->v.Name.id, NULL);
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
static int forking_context(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    e = bound(t, s, e);
    if (!e || e->kind != NODE_Call)
        return -1;
    const char *q = dbval_qualname_in(c, t, s, e->v.Call.func);
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
static int forking_pool(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *e,
                        const Node **init)
{
    static const char *const pools[] = {"multiprocessing.Pool", "multiprocessing.pool.Pool",
                                        "concurrent.futures.ProcessPoolExecutor",
                                        "concurrent.futures.process.ProcessPoolExecutor", NULL};
    e = bound(t, s, e);
    if (!e || e->kind != NODE_Call)
        return 0;
    const Node *f = e->v.Call.func;
    int forks = 0;
    if (ast_name_in(dbval_qualname_in(c, t, s, f), pools)) {
        const Node *ctx = ast_keyword(e, "mp_context");
        forks = ctx ? forking_context(c, t, s, ctx) == 1 : 1;
    } else if (f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "Pool")) {
        /* get_context("fork").Pool() */
        forks = forking_context(c, t, s, f->v.Attribute.value) == 1;
    }
    /* Pool(processes, initializer, ...), ProcessPoolExecutor(max_workers, mp_context,
       initializer, ...) */
    int at = f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "Pool") ? 1 : 2;
    *init = !forks ? NULL
            : ast_keyword(e, "initializer") ? ast_keyword(e, "initializer")
            : e->v.Call.args.n > at && e->v.Call.args.items[at]->kind != NODE_Starred
                ? e->v.Call.args.items[at] : NULL;
    return forks;
}

/* The function call (in scope s of table t) starts in forked worker
 * processes, or NULL: `pool.map(work, items)` (and imap, starmap,
 * apply_async, submit, ...) on a forking pool, or Process(target=work) of a
 * forking context; q is the qualified name of call's callee, or NULL. */
static const Node *fork_target(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *call,
                               const char *q, const Node **init)
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
         forking_context(c, t, s, f->v.Attribute.value) == 1))
        return ast_keyword(call, "target");
    if (f->kind != NODE_Attribute || !ast_name_in(f->v.Attribute.attr, runs) ||
        !forking_pool(c, t, s, f->v.Attribute.value, init))
        return NULL;
    return call->v.Call.args.n ? call->v.Call.args.items[0]
                               : ast_keyword(call, !strcmp(f->v.Attribute.attr, "submit") ? "fn"
                                                                                    : "func");
}

/* A def of the project that e (in scope s of table t) names, or NULL. */
static const Node *def_of(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    if (!e)
        return NULL;
    Val v = value_of(c->env->values, c->a, t, s, e);
    return v.tag == VAL_FUNC && v.node &&
                   (v.node->kind == NODE_FunctionDef || v.node->kind == NODE_AsyncFunctionDef)
               ? v.node : NULL;
}

/* Does n start at or after m? */
static int at_or_after(const Node *n, const Node *m)
{
    return n->lineno > m->lineno || (n->lineno == m->lineno && n->col_offset >= m->col_offset);
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
    if (w->found || w->depth > FORK_MAX_DEPTH || (w->until && at_or_after(n, w->until)))
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

/* Walks the body of def (of table t) with visit and its state arg. */
static void walk_body(const ScopeTable *t, const Node *def, int (*visit)(DbWalk *, const Node *),
                      void *arg)
{
    DbWalk w;
    memset(&w, 0, sizeof w);
    w.t = t;
    w.visit = visit;
    w.arg = arg;
    dbval_walk_body(&w, def);
}

static const FlowSummary *summary(const DbCtx *c, const Node *def)
{
    const FlowEnv *env = c->env;
    return def && env->summary_of ? env->summary_of(env->summary_arg, def) : NULL;
}

/* A finding on the call at: code, message, the steps before (pre[0..npre),
 * or none), and one step at the function that runs apart (work), in its
 * own module; contexts: where a default run reports it, 0 for the rule's. */
static void report(DbCtx *c, const Source *src, FindingList *out, const Node *at, const char *code,
                   const char *message, const TraceStep *pre, int npre, const Node *work,
                   const char *note, unsigned contexts)
{
    Finding fd = {0};
    fd.code = code;
    fd.path = src->path;
    diag_span(&fd, at);
    fd.message = message;
    fd.contexts = contexts;
    fd.trace = arena_alloc(c->a, ((size_t)npre + 1) * sizeof *fd.trace);
    for (int i = 0; i < npre; i++)
        fd.trace[fd.ntrace++] = pre[i];
    fd.trace[fd.ntrace++] =
        (TraceStep){value_path_of(c->env->values, work), work->lineno, work->col_offset, note};
    diag_add(out, &fd);
}

/*
 * SL209: a coroutine run on an event loop of its own, `asyncio.run(work())`
 * or `loop.run_until_complete(work())` on a loop the function makes
 * (`asyncio.new_event_loop()`, or `asyncio.get_event_loop()`, which the
 * next asyncio.run() or server does not reuse either), where the coroutine
 * takes connections of a pool that outlives the loop (a module-level or
 * cached async engine): a connection that run opened stays in the pool,
 * bound to its loop.  A second loop gets it in two ways: the same call
 * again, in request and service code, which runs more than once per
 * process; or a server started after it by the same function
 * (`uvicorn.run(...)`, `web.run_app(...)`), whose own loop serves the
 * requests, wherever that function runs (a CLI command that prepares the
 * database and then serves: fief#90).  Quiet for NullPool engines (no
 * pool), when the coroutine disposes of the engine, and when the function
 * disposes of one after the run (before the server starts).  A loop kept at
 * module level or on an object is one loop for the process: not followed.
 * Whether the server's requests use that very pool is not asked: a
 * project's module-level engine serves its requests.
 */
/* Is pool (a summary's needs_pool) one that outlives any call: a module's
 * engine or a cached factory's, not the engine a registry class makes per
 * instance (flow_pool.c names those by the class)? */
static int module_pool(const void *pool)
{
    return pool && ((const Binding *)pool)->kind != BIND_CLASS;
}

/* Is e (in scope s) a loop that the function makes, `asyncio.new_event_loop()`
 * or `asyncio.get_event_loop()`, written there or bound to a name of the
 * function's own? */
static int own_loop(DbCtx *c, const Scope *s, const Node *e)
{
    static const char *const loops[] = {"asyncio.new_event_loop", "asyncio.events.new_event_loop",
                                        "asyncio.get_event_loop", "asyncio.events.get_event_loop",
                                        NULL};
    if (e->kind == NODE_Name) {
        const Scope *where = NULL;
        const Binding *b = scope_lookup(c->env->scopes, s, e->v.Name.id, &where);
        if (!b || !where || where->kind == SCOPE_MODULE || where->kind == SCOPE_CLASS)
            return 0; /* one loop for the process, or an object's */
        e = bound(c->env->scopes, s, e);
    }
    return e->kind == NODE_Call && ast_name_in(dbval_qualname(c, s, e->v.Call.func), loops);
}

/* Does call n (whose callee is q, in scope s) run its first argument on an
 * event loop of its own?  *how says which way, for the message. */
static int runs_on_new_loop(DbCtx *c, const Scope *s, const Node *n, const char *q,
                            const char **how)
{
    static const char *const runners[] = {"asyncio.run", "asyncio.runners.run", NULL};
    const Node *f = n->v.Call.func;
    *how = "asyncio.run()";
    if (ast_name_in(q, runners))
        return 1;
    *how = "run_until_complete() on a loop made for it";
    return f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "run_until_complete") &&
           own_loop(c, s, f->v.Attribute.value);
}

/*
 * A function of the project that runs the coroutine it is given on a loop
 * of its own (`def run_async(coro): return asyncio.run(coro)`, or a new
 * loop's run_until_complete(coro) closed in a finally): a call of it runs
 * its argument as those do.  Its first parameter, passed as written to
 * such a run anywhere in its body; one call deep.
 */
typedef struct Runner {
    DbCtx *c;
    const char *param;
    const char *how;
} Runner;

static int runner_visit(DbWalk *w, const Node *n)
{
    Runner *k = w->arg;
    if (k->how || ast_is_def(n))
        return 0;
    const Node *arg = n->kind == NODE_Call && n->v.Call.args.n ? n->v.Call.args.items[0] : NULL;
    const char *how;
    if (arg && arg->kind == NODE_Name && !strcmp(arg->v.Name.id, k->param) &&
        runs_on_new_loop(k->c, w->scope, n, dbval_qualname(k->c, w->scope, n->v.Call.func), &how))
        k->how = how;
    return !k->how;
}

static const char *loop_runner(DbCtx *c, const Scope *s, const Node *callee)
{
    const Node *def = def_of(c, c->env->scopes, s, callee);
    const NodeList *params = def && def->kind == NODE_FunctionDef
                                 ? &def->v.FunctionDef.args->v.arguments.args : NULL;
    const ScopeTable *t = def ? value_table_of(c->env->values, def) : NULL;
    if (!params || !params->n || !t)
        return NULL;
    Runner k = {c, params->items[0]->v.arg.arg, NULL};
    walk_body(t, def, runner_visit, &k);
    return k.how ? arena_printf(c->a, "call of `%s()`, which runs it with %s",
                                def->v.FunctionDef.name, k.how)
                 : NULL;
}

/* The coroutine call that n (whose callee is q) runs on an event loop of
 * its own, or NULL; *how says which way, for the message. */
static const Node *loop_run(DbCtx *c, const Scope *s, const Node *n, const char *q,
                            const char **how)
{
    const Node *arg = n->v.Call.args.n ? n->v.Call.args.items[0] : NULL;
    if (!arg || arg->kind != NODE_Call)
        return NULL;
    if (runs_on_new_loop(c, s, n, q, how))
        return arg;
    const Node *work = def_of(c, c->env->scopes, s, arg->v.Call.func);
    return work && work->kind == NODE_AsyncFunctionDef &&
                   (*how = loop_runner(c, s, n->v.Call.func))
               ? arg : NULL;
}

/* What def does after the run (a call): the first server it starts that
 * runs an event loop of its own (`uvicorn.run(...)`, aiohttp's
 * `web.run_app(...)`), and whether a dispose() comes before that server
 * (or anywhere after the run, without one): its own, or in a function of
 * the project it calls there (`loop.run_until_complete(close_db())`), one
 * call deep. */
typedef struct After {
    DbCtx *c;
    const Node *run, *server;
    int closed;
} After;

static int after_visit(DbWalk *w, const Node *n)
{
    static const char *const servers[] = {"uvicorn.run", "uvicorn.main.run", "aiohttp.web.run_app",
                                          "aiohttp.web_runner.run_app", NULL};
    After *k = w->arg;
    if (k->server || ast_is_def(n))
        return 0;
    if (n->kind != NODE_Call || n == k->run || !at_or_after(n, k->run))
        return 1;
    const Node *f = n->v.Call.func;
    if (ast_name_in(dbval_qualname(k->c, w->scope, f), servers)) {
        k->server = n;
        return 0;
    }
    k->closed |= (f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "dispose")) ||
                 (!k->closed && disposes(def_of(k->c, w->t, w->scope, f), NULL));
    return 1;
}

static void loop_per_call(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w,
                          const Node *func, const Node *n, const char *q)
{
    const char *how;
    const Node *arg = loop_run(c, w->scope, n, q, &how);
    const Node *work = arg ? def_of(c, c->env->scopes, w->scope, arg->v.Call.func) : NULL;
    const FlowSummary *sum = summary(c, work);
    if (!work || work->kind != NODE_AsyncFunctionDef || !sum || !module_pool(sum->needs_pool) ||
        disposes(work, NULL))
        return;
    After after = {c, n, NULL, 0};
    walk_body(c->env->scopes, func, after_visit, &after);
    const Node *server = after.server;
    if (after.closed)
        return; /* the connections of this run are closed before another loop runs */
    const char *pool = ((const Binding *)sum->needs_pool)->name;
    if (server) {
        const char *text = dbval_text(c, src, server, 40);
        TraceStep at = {src->path, server->lineno, server->col_offset,
                        "the server starts its own event loop, which serves from the same pool"};
        report(c, src, out, n, "SL209",
               arena_printf(c->a,
                            "`%s` runs on an event loop of its own (%s) and takes connections "
                            "of the pool of `%s`, which outlives that loop: the server started "
                            "after it (`%s`, line %d) serves on another loop and its requests "
                            "get the connections this run left in the pool, bound to the "
                            "finished loop (asyncpg: \"attached to a different loop\"); dispose "
                            "of the engine once the run is over (`await engine.dispose()` at "
                            "the end of the coroutine), make it with poolclass=NullPool, or do "
                            "this work on the server's loop (a lifespan or startup handler)",
                            work->v.FunctionDef.name, how, pool, text ? text : "the server",
                            server->lineno),
               &at, 1, work, "the coroutine, which takes a connection of that pool",
               CTX_NOT_TEST);
        return;
    }
    report(c, src, out, n, "SL209",
           arena_printf(c->a,
                        "`%s` runs on a new event loop at each %s and takes "
                        "connections of the pool of `%s`, which outlives the loop: a connection "
                        "an earlier run opened stays in the pool, bound to that run's loop, and a "
                        "later run gets it (asyncpg: \"attached to a different loop\", then "
                        "\"another operation is in progress\"); make that engine with "
                        "poolclass=NullPool, dispose of it before the coroutine returns, or keep "
                        "one event loop for the process",
                        work->v.FunctionDef.name, how, pool),
           NULL, 0, work, "the coroutine, which takes a connection of that pool", 0);
}

/*
 * SL208 at import time: Celery's prefork pool.  `celery worker` imports the
 * app and task modules (and what they import) in its parent process, then
 * forks the children that run the tasks.  Module-level code that leaves
 * connections in a pool of the project (`celery = create_celery_app()`
 * reaching `metadata.create_all(bind=engine)`, a module-level query) hands
 * every child a copy of them (timesketch#755).  What a piece of code leaves
 * in pools is found by walking it in source order, through the project's
 * functions it calls; a dispose() after a use takes the use back.  A pool
 * is named by the module-level binding of its engine (a session maker or
 * scoped_session by the engine it is bound to, at its call or by a
 * `.configure(bind=engine)`), so uses through a session and through the
 * engine meet.
 */

#define PRE_MAX_CALLS 8   /* project functions followed inside one another */
#define PRE_BUDGET 20000  /* calls looked at per module, at most */
#define PRE_MAX_USES 8    /* import-time uses kept per module */
#define PRE_MEMO 128      /* functions whose uses are remembered per module */
#define PRE_MAX_BINDS 4   /* makers followed to their engine */

typedef struct Uses {
    const Node *at[PRE_MAX_USES];      /* the call that leaves connections in a pool */
    const Binding *pool[PRE_MAX_USES]; /* ... the pool */
    int n;
    const Binding *disposed;           /* the pool disposed of after the last use, or
                                          &any_pool for one not known */
    const Binding *dropped[PRE_MAX_USES]; /* every pool disposed of (&any_pool) */
    int ndropped;
} Uses;

static const Binding any_pool; /* a dispose() of an engine the walk cannot name */

typedef struct Memo {
    const Node *def;
    const Binding *owner;    /* ... run as a method of that object (Pre.owner) */
    const Binding *pool;     /* the first pool its run leaves connections in, or NULL */
    const Binding *disposed; /* ... else the one it disposes of last (Uses.disposed) */
} Memo;

typedef struct Pre {
    DbCtx *c;
    const Project *p;
    const Node *active[PRE_MAX_CALLS]; /* functions being walked, outermost first */
    int nactive;
    int budget;                        /* calls left to look at */
    const Binding *owner;              /* the module-level object whose method is being
                                          walked, or NULL (wrapped_pool) */
    const Node *owner_cls;             /* ... its class */
    Memo memo[PRE_MEMO];
    int nmemo;
} Pre;

static const char *const engine_uses[] = {"connect", "begin", "execute", "raw_connection",
                                          "scalar", NULL};
static const char *const session_uses[] = {"query", "execute", "scalar", "scalars", "get",
                                           "commit", "flush", "merge", "refresh",
                                           "connection", NULL};
static const char *const pool_uses[] = {"getconn", "connection", "acquire", NULL};
static const char *const schema_uses[] = {"create_all", "drop_all", "reflect", NULL};

/* The methods of what v is that take a connection of its pool (none for
 * anything else). */
static const char *const *uses_of(Val v)
{
    static const char *const none[] = {NULL};
    return v.tag == VAL_RESOURCE && v.kind == RES_SESSION ? session_uses
           : v.tag != VAL_FACTORY                         ? none
           : v.kind == FAC_ENGINE                         ? engine_uses
           : v.kind == FAC_SCOPED                         ? session_uses
           : v.kind == FAC_PG2POOL || v.kind == FAC_PGPOOL || v.kind == FAC_APGPOOL ? pool_uses
                                                                                    : none;
}

static const char *const makers[] = {
    "sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.session.sessionmaker",
    "sqlalchemy.orm.scoped_session", "sqlalchemy.orm.scoping.scoped_session",
    "sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session", "sqlmodel.Session",
    "sqlalchemy.ext.asyncio.async_sessionmaker", "sqlalchemy.ext.asyncio.async_scoped_session",
    "sqlalchemy.ext.asyncio.AsyncSession", NULL};

static int ends_with(const char *s, const char *tail)
{
    size_t n = s ? strlen(s) : 0, m = strlen(tail);
    return n >= m && !strcmp(s + n - m, tail);
}

/* The default of the parameter that b binds in scope s (a function's), when
 * it is a name or an attribute; NULL otherwise.  A call that passes its own
 * value is not told apart: the walk is per function, not per call. */
static const Node *param_default(const Scope *s, const Binding *b)
{
    const Node *def = s ? s->node : NULL;
    if (!def || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef) ||
        !b->def || b->def->kind != NODE_arg)
        return NULL;
    for (int i = 0; ast_param(def, i); i++) {
        const Node *d = ast_param(def, i) == b->def ? ast_param_default(def, i) : NULL;
        if (d && (d->kind == NODE_Name || d->kind == NODE_Attribute))
            return d;
    }
    return NULL;
}

/* The module-level binding of the project that e (a name, or an attribute
 * of an imported module) refers to in scope s of table t, its module's
 * table into *bt; NULL for anything else (a local, self.engine). */
static const Binding *module_binding(Pre *x, const ScopeTable *t, const Scope *s, const Node *e,
                                     const ScopeTable **bt)
{
    *bt = t;
    if (e->kind == NODE_Name) {
        const Scope *where = NULL;
        const Binding *b = scope_lookup(t, s, e->v.Name.id, &where);
        if (b && b->kind == BIND_LOCAL && where == scope_module(t))
            return b;
        const Node *d = b ? param_default(where, b) : NULL;
        if (d) /* `def init_db(engine=engine)`: what a call that passes none uses */
            return module_binding(x, t, scope_module(t), d, bt);
        if (!b || b->kind != BIND_IMPORT || !b->qualname)
            return NULL;
    } else {
        const Node *base = e;
        while (base->kind == NODE_Attribute) /* db.engine, app.db.engine */
            base = base->v.Attribute.value;
        if (e->kind != NODE_Attribute || base->kind != NODE_Name)
            return NULL;
    }
    const char *q = dbval_qualname_in(x->c, t, s, e);
    const ProjectModule *m = NULL;
    const Binding *b = NULL;
    if (!q || !modgraph_resolve(x->p, q, &m, &b) || !m || !b || b->kind != BIND_LOCAL)
        return NULL;
    *bt = m->scopes;
    return b;
}

/* The bind of a maker or session call: bind=..., else its first argument. */
static const Node *bind_of(const Node *call)
{
    const Node *b = ast_keyword(call, "bind");
    return b ? b : call->v.Call.args.n ? call->v.Call.args.items[0] : NULL;
}

/* `<name>.configure(bind=E)` anywhere in a module: E and its scope. */
typedef struct Configure {
    const Binding *b;
    const Node *bind;
    const Scope *scope;
} Configure;

static int configure_visit(DbWalk *w, const Node *n)
{
    Configure *k = w->arg;
    if (k->bind)
        return 0;
    const Node *f = n->kind == NODE_Call ? n->v.Call.func : NULL;
    if (f && f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "configure") &&
        f->v.Attribute.value->kind == NODE_Name &&
        scope_lookup(w->t, w->scope, f->v.Attribute.value->v.Name.id, NULL) == k->b &&
        ast_keyword(n, "bind")) {
        k->bind = ast_keyword(n, "bind");
        k->scope = w->scope;
    }
    return 1;
}

static const Binding *pool_of_expr(Pre *x, const ScopeTable *t, const Scope *s, const Node *e,
                                   int depth);

/*
 * A project object that holds a pool or an engine on self (`self._pool =
 * ThreadedConnectionPool(...)` in __init__, or built on first use by a
 * getter) is that pool: one object a module-level name keeps
 * (`db_pool = Database()`) is one pool per process, named by that
 * binding.  While a method of it runs (Pre.owner, set where the walk
 * calls `db_pool.get_connection()`), `self.<attr>` holding a pool or an
 * engine is its pool.  A getter that compares os.getpid() with the pid
 * that made the pool (and builds a new one in a forked child) hands each
 * process its own: no pool (pid_aware).  Limits: an instance made per
 * request or kept elsewhere (a dict, a class attribute) is not followed.
 */
static const Binding *wrapped_pool(Pre *x, const ScopeTable *t, const Scope *s, const Node *e)
{
    if (!x->owner || e->kind != NODE_Attribute)
        return NULL;
    const ValueModel *vm = x->c->env->values;
    Val self = value_of(vm, x->c->a, t, s, e->v.Attribute.value);
    Val held = value_of(vm, x->c->a, t, s, e);
    return self.tag == VAL_OBJECT && self.node == x->owner_cls && held.tag == VAL_FACTORY &&
                   uses_of(held)[0]
               ? x->owner : NULL;
}

typedef struct Pid {
    DbCtx *c;
    int found;
} Pid;

/* DbWalk visitor: a call of os.getpid(). */
static int pid_visit(DbWalk *w, const Node *n)
{
    Pid *k = w->arg;
    const char *q = n->kind == NODE_Call ? dbval_qualname_in(k->c, w->t, w->scope, n->v.Call.func)
                                         : NULL;
    k->found |= q && !strcmp(q, "os.getpid");
    return !k->found && !ast_is_def(n);
}

/* Does def (of table t), a getter of a pool, ask which process runs it
 * (`if self._pid != os.getpid(): self._pool = None`)? */
static int pid_aware(Pre *x, const ScopeTable *t, const Node *def)
{
    Pid k = {x->c, 0};
    walk_body(t, def, pid_visit, &k);
    return k.found;
}

/* The pool a module-level binding b (of table t) names: the engine a maker
 * or session is bound to, when that resolves, else b; NULL when the engine
 * has no pool (NullPool). */
static const Binding *pool_key(Pre *x, const ScopeTable *t, const Binding *b, int depth)
{
    const Node *v = b->value;
    if (v && v->kind == NODE_Call && model_unpooled(v))
        return NULL;
    const char *q = v && v->kind == NODE_Call
                        ? dbval_qualname_in(x->c, t, scope_module(t), v->v.Call.func) : NULL;
    if (!ast_name_in(q, makers) || depth >= PRE_MAX_BINDS)
        return b;
    const Node *bind = bind_of(v);
    const Binding *k = bind ? pool_of_expr(x, t, scope_module(t), bind, depth + 1) : NULL;
    if (k)
        return k;
    Configure c = {b, NULL, NULL}; /* sessionmaker() configured later, in an app factory */
    DbWalk w;
    memset(&w, 0, sizeof w);
    w.t = t;
    w.visit = configure_visit;
    w.arg = &c;
    dbval_walk(&w, scope_module(t)->node);
    k = c.bind ? pool_of_expr(x, t, c.scope, c.bind, depth + 1) : NULL;
    return k ? k : b;
}

/* The pool e names: a module-level engine, maker or session, or an inline
 * maker bound to one (`scoped_session(sessionmaker(bind=engine))`). */
static const Binding *pool_of_expr(Pre *x, const ScopeTable *t, const Scope *s, const Node *e,
                                   int depth)
{
    if (depth >= PRE_MAX_BINDS)
        return NULL;
    if (e->kind == NODE_Call) {
        const Node *bind = ast_name_in(dbval_qualname_in(x->c, t, s, e->v.Call.func), makers)
                               ? bind_of(e) : NULL;
        return bind ? pool_of_expr(x, t, s, bind, depth + 1) : NULL;
    }
    const ScopeTable *bt;
    const Binding *b = module_binding(x, t, s, e, &bt);
    return b ? pool_key(x, bt, b, depth) : wrapped_pool(x, t, s, e);
}

/* A module-level Flask-SQLAlchemy object that e names (`db`), or NULL. */
static const Binding *flask_db(Pre *x, const ScopeTable *t, const Scope *s, const Node *e,
                               const ScopeTable **bt)
{
    const Binding *b = module_binding(x, t, s, e, bt);
    const Node *v = b ? b->value : NULL;
    return v && v->kind == NODE_Call &&
                   model_library_instance(
                       dbval_qualname_in(x->c, *bt, scope_module(*bt), v->v.Call.func))
                           .tag == VAL_QUAL
               ? b : NULL; /* the model's Flask-SQLAlchemy object (model.h: MODEL_FLASK_DB) */
}

/* What a name local to the code is bound to once (`with SessionLocal() as
 * db`, `db = SessionLocal()`), or e itself. */
static const Node *local_value(const ScopeTable *t, const Scope *s, const Node *e)
{
    const Node *v = scope_bound_once(t, s, e, NULL);
    return v ? v : e;
}

/*
 * Two value flows that reach a pool through the project's own helpers
 * (emissions-api#237):
 *  - a helper that returns what a module-level engine or maker makes, or
 *    the engine itself (`return SessionLocal()`, `return _engine`,
 *    `return _engine.connect()`), also when the helper builds that global
 *    on first use under `global` (`if not _maker: _maker =
 *    sessionmaker(...)`, then `return _maker()`): such a global is one
 *    object per process, so its module-level binding names the pool (the
 *    engine the maker is bound to, when that is a module-level one too;
 *    an engine made in place is the global's own);
 *  - a decorator of the project whose wrapper opens a session that way and
 *    passes it to the function it wraps (`return fn(session, *args,
 *    **kwargs)`): the decorated function's parameter at that position
 *    holds a session of that pool, both where the parent calls it and
 *    where a forked worker runs it.
 * Limits: helpers are followed PRE_MAX_BINDS deep; a decorator factory
 * (`@transactional()`), a session passed by keyword or after `*args`, and
 * a wrapper that is not a def of the decorator's own body are not.
 */
static const Binding *made_pool(Pre *x, const ScopeTable *t, const Scope *s, const Node *e,
                                int depth);

typedef struct Returned {
    Pre *x;
    const Binding *pool; /* the pool of the first return that names one */
    int depth;
} Returned;

static int returned_visit(DbWalk *w, const Node *n)
{
    Returned *k = w->arg;
    if (k->pool || ast_is_def(n))
        return 0;
    if (n->kind == NODE_Return && n->v.Return.value)
        k->pool = made_pool(k->x, w->t, w->scope, n->v.Return.value, k->depth);
    return n->kind != NODE_Return && !k->pool;
}

/* The pool of what def (of table t) returns, or NULL. */
static const Binding *returned_pool(Pre *x, const ScopeTable *t, const Node *def, int depth)
{
    Returned k = {x, NULL, depth};
    if (t && ast_is_function(def))
        walk_body(t, def, returned_visit, &k);
    return k.pool && k.pool == x->owner && pid_aware(x, t, def) ? NULL : k.pool;
}

/* The pool that what e (in scope s of table t) makes or names is drawn
 * from: a maker's call (`SessionLocal()`, `Session(bind=engine)`), a
 * checkout of an engine (`engine.connect()`), a module-level engine or
 * maker, a local bound once to one of these, or a call of a project
 * function that returns one; NULL otherwise. */
static const Binding *made_pool(Pre *x, const ScopeTable *t, const Scope *s, const Node *e,
                                int depth)
{
    static const char *const checkouts[] = {"connect", "begin", "raw_connection", "getconn",
                                            "acquire", NULL};
    e = ast_unawait(e);
    if (!e || depth >= PRE_MAX_BINDS)
        return NULL;
    if (e->kind == NODE_Name || e->kind == NODE_Attribute) {
        const Node *v = e->kind == NODE_Name ? local_value(t, s, e) : e;
        if (v != e)
            return made_pool(x, t, s, v, depth + 1);
        Val made = value_of(x->c->env->values, x->c->a, t, s, e);
        return made.tag == VAL_FACTORY ? pool_of_expr(x, t, s, e, depth) : NULL;
    }
    if (e->kind != NODE_Call)
        return NULL;
    const Node *f = e->v.Call.func;
    if (ast_name_in(dbval_qualname_in(x->c, t, s, f), makers)) /* Session(bind=get_engine()) */
        return bind_of(e) ? made_pool(x, t, s, bind_of(e), depth + 1) : NULL;
    if (f->kind == NODE_Attribute && ast_name_in(f->v.Attribute.attr, checkouts))
        return made_pool(x, t, s, f->v.Attribute.value, depth + 1);
    Val g = value_of(x->c->env->values, x->c->a, t, s, f);
    if (g.tag == VAL_FACTORY)
        return pool_of_expr(x, t, s, f, depth); /* SessionLocal(), _maker() */
    const ScopeTable *ct;
    int method;
    const Node *def = g.tag == VAL_FUNC ? dbval_callee(x->c, t, s, e, &ct, &method) : NULL;
    return def ? returned_pool(x, ct, def, depth + 1) : NULL;
}

typedef struct Inject {
    const char *fn;      /* the decorator's parameter: the function it wraps */
    int index;           /* the position asked for */
    const Node *arg;     /* what the wrapper passes there */
    const Scope *scope;  /* ... evaluated in this scope */
} Inject;

static int inject_visit(DbWalk *w, const Node *n)
{
    Inject *k = w->arg;
    if (k->arg)
        return 0;
    const Node *f = n->kind == NODE_Call ? n->v.Call.func : NULL;
    if (!f || f->kind != NODE_Name || strcmp(f->v.Name.id, k->fn) || n->v.Call.args.n <= k->index)
        return 1;
    for (int i = 0; i <= k->index; i++)
        if (n->v.Call.args.items[i]->kind == NODE_Starred)
            return 1; /* fn(*args, session): its position is not known */
    const Scope *where = NULL;
    const Binding *b = scope_lookup(w->t, w->scope, k->fn, &where);
    if (b && b->kind == BIND_PARAM) { /* the decorator's own parameter, not a local fn */
        k->arg = n->v.Call.args.items[k->index];
        k->scope = w->scope;
    }
    return 0;
}

/* The pool of the session that a decorator of the project puts in
 * parameter index of def (of table t), or NULL; what it puts there into
 * *held. */
static const Binding *injected_pool(Pre *x, const ScopeTable *t, const Node *def, int index,
                                    Val *held)
{
    const NodeList *decs = &def->v.FunctionDef.decorator_list;
    const Scope *outer = scope_of(t, def);
    outer = outer ? outer->parent : NULL;
    for (int i = 0; outer && i < decs->n; i++) {
        Val v = value_of(x->c->env->values, x->c->a, t, outer, decs->items[i]);
        const Node *dec = v.tag == VAL_FUNC ? v.node : NULL;
        const ScopeTable *dt = dec ? value_table_of(x->c->env->values, dec) : NULL;
        const Node *fn = dec && dec->kind == NODE_FunctionDef ? ast_param(dec, 0) : NULL;
        if (!dt || !fn)
            continue;
        Inject k = {fn->v.arg.arg, index, NULL, NULL};
        walk_body(dt, dec, inject_visit, &k);
        const Binding *pool = k.arg ? made_pool(x, dt, k.scope, k.arg, 0) : NULL;
        if (pool) {
            *held = value_of(x->c->env->values, x->c->a, dt, k.scope, k.arg);
            return pool;
        }
    }
    return NULL;
}

/* The pool of the session that parameter name e (in scope s of table t)
 * receives from a decorator of its function, or NULL; what it receives
 * into *held. */
static const Binding *param_pool(Pre *x, const ScopeTable *t, const Scope *s, const Node *e,
                                 Val *held)
{
    const Scope *where = NULL;
    const Binding *b = e->kind == NODE_Name ? scope_lookup(t, s, e->v.Name.id, &where) : NULL;
    const Node *def = b && b->kind == BIND_PARAM && where ? where->node : NULL;
    if (!def || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef) ||
        !def->v.FunctionDef.decorator_list.n)
        return NULL;
    for (int i = 0; ast_param(def, i); i++)
        if (ast_param(def, i) == b->def)
            return injected_pool(x, t, def, i, held);
    return NULL;
}

/* The pool that call (in scope s of table t) itself takes a connection of,
 * or NULL: a method of a module-level engine, scoped_session or connection
 * pool that checks one out, a query of a session made from a module-level
 * maker, or `metadata.create_all(bind=engine)` and the like. */
static const Binding *direct_use(Pre *x, const ScopeTable *t, const Scope *s, const Node *call)
{
    const Node *f = call->v.Call.func;
    if (f->kind != NODE_Attribute)
        return NULL;
    const char *m = f->v.Attribute.attr;
    const Node *o = f->v.Attribute.value;
    const ScopeTable *bt;
    const Binding *b;
    if (ast_name_in(m, schema_uses)) { /* metadata.create_all(bind=engine), db.create_all() */
        const Node *e = bind_of(call);
        if (e)
            return pool_of_expr(x, t, s, e, 0);
        b = flask_db(x, t, s, o, &bt);
        return b ? pool_key(x, bt, b, 0) : NULL;
    }
    const Node *made = local_value(t, s, o);
    if (made->kind == NODE_Call) { /* SessionLocal().execute(), with SessionLocal() as db */
        const Node *g = made->v.Call.func;
        if (g->kind == NODE_Attribute && !strcmp(g->v.Attribute.attr, "begin"))
            g = g->v.Attribute.value;
        Val v = value_of(x->c->env->values, x->c->a, t, s, g);
        if (v.tag == VAL_FACTORY && v.kind == FAC_SESSIONMAKER && ast_name_in(m, session_uses))
            return pool_of_expr(x, t, s, g, 0);
    }
    if (o->kind == NODE_Attribute && (b = flask_db(x, t, s, o->v.Attribute.value, &bt)) &&
        ((!strcmp(o->v.Attribute.attr, "session") && ast_name_in(m, session_uses)) ||
         (!strcmp(o->v.Attribute.attr, "engine") && ast_name_in(m, engine_uses))))
        return pool_key(x, bt, b, 0); /* db.session.query(...), db.engine.connect() */
    b = module_binding(x, t, s, o, &bt);
    Val v = value_of(x->c->env->values, x->c->a, t, s, o);
    if (b)
        return ast_name_in(m, uses_of(v)) ? pool_key(x, bt, b, 0) : NULL;
    if (o->kind == NODE_Name && (b = param_pool(x, t, s, o, &v))) /* @with_session's session */
        return ast_name_in(m, uses_of(v)) ? b : NULL;
    /* made by a helper of the project: get_session().query(), with get_engine().begin() */
    return ast_name_in(m, uses_of(v)) ? made_pool(x, t, s, o, 0) : NULL;
}

typedef struct UseWalk {
    Pre *x;
    Uses u;
    const Node *until; /* the walk stops there (a fork), or NULL */
} UseWalk;

static Memo runs(Pre *x, const ScopeTable *t, const Node *def);

/* A dispose() of pool d: its connections are closed, and the uses of it
 * before are taken back. */
static void use_drop(Uses *u, const Binding *d)
{
    int kept = 0;
    for (int i = 0; i < u->n; i++)
        if (d != &any_pool && u->pool[i] != d) {
            u->at[kept] = u->at[i];
            u->pool[kept++] = u->pool[i];
        }
    u->n = kept;
    u->disposed = d;
    if (u->ndropped < PRE_MAX_USES)
        u->dropped[u->ndropped++] = d;
}

/* The pool of the engine that `<e>.dispose()` disposes of, or &any_pool. */
static const Binding *disposed_pool(Pre *x, const ScopeTable *t, const Scope *s, const Node *e)
{
    const ScopeTable *bt;
    const Binding *b = e->kind == NODE_Attribute && !strcmp(e->v.Attribute.attr, "engine")
                           ? flask_db(x, t, s, e->v.Attribute.value, &bt) : NULL;
    b = b ? pool_key(x, bt, b, 0) : pool_of_expr(x, t, s, e, 0);
    return b ? b : &any_pool;
}

static void use_add(Uses *u, const Node *at, const Binding *pool)
{
    u->disposed = NULL;
    if (u->n < PRE_MAX_USES) {
        u->at[u->n] = at;
        u->pool[u->n++] = pool;
    }
}

/* DbWalk visitor: the calls of a body (not of the defs in it, which run
 * later, nor of an `if __name__ == "__main__":` block, which an import does
 * not run), in source order. */
static int use_visit(DbWalk *w, const Node *n)
{
    UseWalk *k = w->arg;
    Pre *x = k->x;
    if (n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef ||
        n->kind == NODE_Lambda || fastapi_is_main_guard(n) || x->budget <= 0 ||
        (k->until && at_or_after(n, k->until) && !ast_encloses(k->until, n)))
        return 0;
    if (n->kind != NODE_Call || n == k->until)
        return 1; /* the fork's arguments are evaluated before it: pool.map(work, listed()) */
    x->budget--;
    const Node *f = n->v.Call.func;
    if (f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "dispose")) {
        use_drop(&k->u, disposed_pool(x, w->t, w->scope, f->v.Attribute.value));
        return 1;
    }
    const Binding *pool = direct_use(x, w->t, w->scope, n);
    if (!pool) {
        const ScopeTable *ct;
        int method;
        const Node *def = dbval_callee(x->c, w->t, w->scope, n, &ct, &method);
        const Binding *was = x->owner, *b;
        const Node *was_cls = x->owner_cls;
        const ScopeTable *bt;
        Val o = def && method && f->kind == NODE_Attribute
                    ? value_of(x->c->env->values, x->c->a, w->t, w->scope, f->v.Attribute.value)
                    : (Val){0};
        if (o.tag == VAL_OBJECT && (b = module_binding(x, w->t, w->scope, f->v.Attribute.value, &bt))) {
            x->owner = b; /* db_pool.get_connection(): self is db_pool (wrapped_pool) */
            x->owner_cls = o.node;
        }
        Memo r = def ? runs(x, ct, def) : (Memo){0};
        x->owner = was;
        x->owner_cls = was_cls;
        pool = r.pool;
        if (r.disposed)
            use_drop(&k->u, r.disposed);
    }
    if (pool)
        use_add(&k->u, n, pool);
    return 1;
}

/* What running def (of table t) leaves in pools, remembered per module. */
static Memo runs(Pre *x, const ScopeTable *t, const Node *def)
{
    Memo r = {def, x->owner, NULL, 0};
    for (int i = 0; i < x->nmemo; i++)
        if (x->memo[i].def == def && x->memo[i].owner == x->owner)
            return x->memo[i];
    for (int i = 0; i < x->nactive; i++)
        if (x->active[i] == def)
            return r; /* recursion: what it does is being found */
    if (x->nactive >= PRE_MAX_CALLS || !t)
        return r;
    UseWalk k = {x, {{0}, {0}, 0, NULL, {0}, 0}, NULL};
    DbWalk w;
    memset(&w, 0, sizeof w);
    w.t = t;
    w.visit = use_visit;
    w.arg = &k;
    x->active[x->nactive++] = def;
    dbval_walk_body(&w, def);
    x->nactive--;
    r.pool = k.u.n ? k.u.pool[0] : NULL;
    r.disposed = k.u.disposed;
    const FlowSummary *sum = summary(x->c, def);
    if (!r.pool && !r.disposed && sum && module_pool(sum->needs_pool))
        r.pool = (const Binding *)sum->needs_pool; /* the dataflow's own pool, named the same way */
    if (x->nmemo < PRE_MEMO)
        x->memo[x->nmemo++] = r;
    return r;
}

/* --- SL208 on the call that forks, and on its callers' calls ------------- */

/*
 * The parent's use is read in source order, as at import time: the
 * function that forks, from its start to the fork, through the project's
 * functions it calls (a dispose() takes earlier uses back); the worker's
 * whole body the same way.  The function's summary (needs_pool) counts too
 * for the parent, as before this walk existed: it says the function takes
 * a connection somewhere, which the walk may not name (a session handed to
 * a helper).  So `db.engine.execute(...)` of a Flask-SQLAlchemy object and
 * SQLAlchemy 1.x's `engine.execute(...)`, which check a connection out
 * for the statement, count on both sides (direct_use).
 *
 * The parent may also have used the pool before it called the function
 * that forks: `prepare(); load_all(paths)` where load_all forks and
 * prepare queried (openFEC#922).  On a call of a function that forks with
 * nothing of its own to blame (no use of that pool, no dispose, before its
 * fork), the caller's body up to that call is read the same way.  Only the
 * direct callers: a function that reaches the fork through another of the
 * project's is not followed (a limit), and neither is a use after the
 * fork in a loop around it, nor module-level code (an `if __name__ ==
 * "__main__":` block that queries, then calls the function that forks).
 * Which functions may fork is a project fact
 * (fastapi.h: fastapi_process_starters, by the names written), so that a
 * call is resolved only when its name is one of theirs.
 */

#define FORK_MAX_STARTS 16 /* functions that fork, remembered per module */
#define FORK_MAX_SEEN 16   /* (caller, fork) pairs reported per module */

typedef struct Start {
    const Node *def;   /* a function that forks */
    const Node *fork;  /* ... its first fork nothing in it is to blame for, or NULL */
    const Node *work;  /* ... the worker function */
    Uses child;        /* ... and the pools the worker takes connections of */
} Start;

struct Forks {
    Pre x;
    Start start[FORK_MAX_STARTS];
    int nstart;
    const Node *seen[FORK_MAX_SEEN][2]; /* caller, fork: reported once per caller */
    int nseen;
};

/* What the body of def (of table t) leaves in pools, in source order, up
 * to until (NULL: to its end). */
static Uses body_uses(Pre *x, const ScopeTable *t, const Node *def, const Node *until)
{
    UseWalk k = {x, {{0}, {0}, 0, NULL, {0}, 0}, until};
    if (t && def)
        walk_body(t, def, use_visit, &k);
    return k.u;
}

/* The pools the worker function work takes connections of: its walk's,
 * and its summary's. */
static Uses worker_uses(Pre *x, const Node *work)
{
    Uses u = body_uses(x, value_table_of(x->c->env->values, work), work, NULL);
    const FlowSummary *sum = summary(x->c, work);
    if (sum && module_pool(sum->needs_pool))
        use_add(&u, work, sum->needs_pool);
    return u;
}

/* The pool of child that parent uses too (also, when given, the pool of
 * the parent's summary), or NULL; in *at the parent's use. */
static const Binding *shared_pool(const Uses *child, const Uses *parent, const void *also,
                                  const Node **at)
{
    for (int i = 0; i < child->n; i++) {
        if (!module_pool(child->pool[i]))
            continue;
        for (int j = 0; j < parent->n; j++)
            if (parent->pool[j] == child->pool[i]) {
                *at = parent->at[j];
                return child->pool[i];
            }
        if (also == child->pool[i]) {
            *at = NULL;
            return child->pool[i];
        }
    }
    return NULL;
}

static int resets(Pre *x, const ScopeTable *t, const Node *def, int depth);

/* Does the fork at n (in def, of table t) leave the worker no inherited
 * connection: the worker disposes of the engine, the pool's initializer
 * resets the pools (resets: a dispose, a new engine, or the global that
 * holds the engine or maker rebound, `_maker = None`, so that the worker
 * builds its own), or def disposes before the fork? */
static int fork_fixed(Pre *x, const ScopeTable *t, const Scope *s, const Node *def,
                      const Node *n, const Node *work, const Node *init)
{
    const Node *i = def_of(x->c, t, s, init);
    return disposes(work, NULL) || disposes(def, n) ||
           (i && resets(x, value_table_of(x->c->env->values, i), i, 0));
}

static const char *fork_message(DbCtx *c, const Node *work, const Binding *pool)
{
    return arena_printf(c->a,
                        "`%s` runs in worker processes forked from this one and takes connections "
                        "of the pool of `%s`, which this process has already used: each worker "
                        "starts with a copy of the pool and of the connections it keeps open, "
                        "sockets included, so the parent and its workers talk to the server over "
                        "the same connection and read each other's replies; call "
                        "dispose(close=False) on the engine first thing in each worker (a pool "
                        "initializer), or dispose() it before forking (the default start method "
                        "forks on Linux before Python 3.14)",
                        work->v.FunctionDef.name, pool->name);
}

/* The fork n of func, to worker work: the parent's use before it. */
static void fork_direct(Forks *st, const Source *src, FindingList *out, const DbWalk *w,
                        const Node *func, const Node *n, const Node *work, const Node *init)
{
    Pre *x = &st->x;
    DbCtx *c = x->c;
    Uses child = worker_uses(x, work);
    if (!child.n || fork_fixed(x, w->t, w->scope, func, n, work, init))
        return;
    const FlowSummary *parent = summary(c, func);
    Uses before = body_uses(x, w->t, func, n);
    const Node *at;
    const Binding *pool = shared_pool(&child, &before, parent ? parent->needs_pool : NULL, &at);
    if (!pool)
        return;
    TraceStep use = {src->path, at ? at->lineno : 0, at ? at->col_offset : 0,
                     "this process takes a connection of the pool here"};
    report(c, src, out, n, "SL208", fork_message(c, work, pool), &use, at ? 1 : 0, work,
           "the worker function, which takes a connection of the same pool", 0);
}

/* DbWalk visitor: the first fork of a function's body whose worker takes
 * connections of a pool, when the function neither used that pool before
 * it (its own finding) nor disposes of it first. */
typedef struct StartWalk {
    Pre *x;
    Start *k;
} StartWalk;

static int start_visit(DbWalk *w, const Node *n)
{
    Pre *x = ((StartWalk *)w->arg)->x;
    Start *k = ((StartWalk *)w->arg)->k;
    if (k->fork || ast_is_def(n) || x->budget <= 0)
        return 0;
    if (n->kind != NODE_Call)
        return 1;
    const Node *init;
    const char *q = dbval_qualname_in(x->c, w->t, w->scope, n->v.Call.func);
    const Node *work = def_of(x->c, w->t, w->scope, fork_target(x->c, w->t, w->scope, n, q, &init));
    if (!work)
        return 1;
    Uses child = worker_uses(x, work);
    Uses before = body_uses(x, w->t, k->def, n);
    const Node *at;
    if (child.n && !shared_pool(&child, &before, NULL, &at) &&
        !fork_fixed(x, w->t, w->scope, k->def, n, work, init)) {
        k->fork = n;
        k->work = work;
        k->child = child;
    }
    return 0;
}

/* What def (a function that may fork, of table t) forks, remembered. */
static const Start *start_of(Forks *st, const ScopeTable *t, const Node *def)
{
    for (int i = 0; i < st->nstart; i++)
        if (st->start[i].def == def)
            return &st->start[i];
    if (st->nstart == FORK_MAX_STARTS)
        return NULL;
    Start *k = &st->start[st->nstart++];
    memset(k, 0, sizeof *k);
    k->def = def;
    StartWalk sw = {&st->x, k};
    walk_body(t, def, start_visit, &sw);
    return k;
}

/* The functions that may fork named as n's callee is (`fan_out(...)`,
 * `self.fan_out(...)`), in *ns how many. */
static const Node *const *starters_named(DbCtx *c, const Node *n, int *ns)
{
    const Node *f = n->v.Call.func;
    return fastapi_process_starters(c->env->fastapi ? c->env->fastapi->model : NULL,
                                    f->kind == NODE_Name        ? f->v.Name.id
                                    : f->kind == NODE_Attribute ? f->v.Attribute.attr
                                                                : NULL,
                                    ns);
}

/* The function that may fork n calls, or NULL. */
static const Node *starter_called(DbCtx *c, const DbWalk *w, const Node *n, const ScopeTable **t)
{
    int ns, method;
    const Node *const *starters = starters_named(c, n, &ns);
    const Node *def = ns ? dbval_callee(c, w->t, w->scope, n, t, &method) : NULL;
    for (int i = 0; def && i < ns; i++)
        if (starters[i] == def)
            return def;
    return NULL;
}

/* A call n of func to a function that forks: the caller's use before it. */
static void fork_caller(Forks *st, const Source *src, FindingList *out, const DbWalk *w,
                        const Node *func, const Node *n)
{
    DbCtx *c = st->x.c;
    const ScopeTable *t;
    const Node *def = starter_called(c, w, n, &t);
    const Start *k = def ? start_of(st, t, def) : NULL;
    if (!k || !k->fork)
        return;
    for (int i = 0; i < st->nseen; i++)
        if (st->seen[i][0] == func && st->seen[i][1] == k->fork)
            return;
    Uses before = body_uses(&st->x, w->t, func, n);
    const Node *at;
    const Binding *pool = shared_pool(&k->child, &before, NULL, &at);
    if (!pool)
        return;
    if (st->nseen < FORK_MAX_SEEN) {
        st->seen[st->nseen][0] = func;
        st->seen[st->nseen++][1] = k->fork;
    }
    TraceStep steps[2] = {
        {src->path, at->lineno, at->col_offset, "this process takes a connection of the pool here"},
        {value_path_of(c->env->values, def), k->fork->lineno, k->fork->col_offset,
         "the call that forks the workers"}};
    report(c, src, out, n, "SL208",
           arena_printf(c->a,
                        "`%s` forks worker processes that run `%s`, which takes connections "
                        "of the pool of `%s`, and this function has already used that pool "
                        "(line %d): each worker starts with a copy of the pool and of the "
                        "connections it keeps open, sockets included, so the parent and its "
                        "workers talk to the server over the same connection and read each "
                        "other's replies; call dispose(close=False) on the engine first thing "
                        "in each worker (a pool initializer), or dispose() it before this call",
                        def->v.FunctionDef.name, k->work->v.FunctionDef.name, pool->name,
                        at->lineno),
           steps, 2, k->work, "the worker function, which takes a connection of the same pool", 0);
}

void forks_visit(DbCtx *c, const Source *src, FindingList *out, DbWalk *w, const Node *n,
                 Forks **state)
{
    const Node *func = n->kind == NODE_Call ? dbval_walk_func(w) : NULL;
    if (!func || func->kind == NODE_Lambda)
        return;
    const char *q = dbval_walk_callee(w, c, n); /* once for both rules */
    loop_per_call(c, src, out, w, func, n, q);
    const Node *init;
    const Node *work = def_of(c, w->t, w->scope, fork_target(c, w->t, w->scope, n, q, &init));
    int ns = 0;
    if (!work)
        starters_named(c, n, &ns);
    if ((!work && !ns) || !value_project(c->env->values))
        return; /* most calls: neither a fork nor a call of a function that forks */
    if (!*state) { /* the first question of the module */
        *state = arena_alloc(c->a, sizeof **state);
        (*state)->x.c = c;
        (*state)->x.p = value_project(c->env->values);
        (*state)->x.budget = PRE_BUDGET;
    }
    if (work)
        fork_direct(*state, src, out, w, func, n, work, init);
    else
        fork_caller(*state, src, out, w, func, n);
}

/* --- the Celery side: tasks, the modules the worker imports, the fix ------ */

typedef struct CeleryScan {
    Pre *x;
    int mod;                 /* index of the module walked */
    unsigned char *start;    /* per module: a task module, or one making the Celery app */
    int uses_celery;         /* some module imports celery */
    int fixed;               /* a worker_process_init handler resets the pools */
    const Binding *want[PRE_MAX_USES]; /* the pools used at import time ... */
    const Node *task[PRE_MAX_USES];    /* ... and a task that takes connections of each */
    int nwant;
} CeleryScan;

/* Is dec (a decorator) a Celery task's: @shared_task, @app.task, @celery.task(...)? */
static int task_decorator(Pre *x, const ScopeTable *t, const Scope *s, const Node *dec)
{
    static const char *const others[] = {"huey", "dramatiq", "prefect", "rq", "arq", NULL};
    const Node *d = dec->kind == NODE_Call ? dec->v.Call.func : dec;
    const char *q = dbval_qualname_in(x->c, t, s, d);
    if (q && !strncmp(q, "celery", 6) && ends_with(q, "shared_task"))
        return 1;
    if (d->kind != NODE_Attribute || strcmp(d->v.Attribute.attr, "task"))
        return 0;
    for (int i = 0; q && others[i]; i++)
        if (!strncmp(q, others[i], strlen(others[i])) && q[strlen(others[i])] == '.')
            return 0;
    return 1;
}

/* Does running def reset the pools it sees: dispose() of an engine, a new
 * engine, a session maker rebound (`.configure(bind=...)`), or a module
 * global that holds an engine or maker assigned (`global _maker; _maker =
 * None`: the next use builds one of the process's own), itself or in a
 * function of the project it calls? */
typedef struct Reset {
    Pre *x;
    int found, depth;
} Reset;

static int resets(Pre *x, const ScopeTable *t, const Node *def, int depth);

static int reset_visit(DbWalk *w, const Node *n)
{
    static const char *const engines[] = {"sqlalchemy.create_engine",
                                          "sqlalchemy.engine.create_engine",
                                          "sqlalchemy.engine_from_config",
                                          "sqlalchemy.ext.asyncio.create_async_engine", NULL};
    Reset *k = w->arg;
    const Node *to, *v;
    const ScopeTable *bt;
    if (k->found || n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef ||
        n->kind == NODE_Lambda)
        return 0;
    if (ast_single_assign(n, &to, &v) && (to->kind == NODE_Name || to->kind == NODE_Attribute) &&
        module_binding(k->x, w->t, w->scope, to, &bt) &&
        value_of(k->x->c->env->values, k->x->c->a, w->t, w->scope, to).tag == VAL_FACTORY)
        k->found = 1; /* `global _maker; _maker = None`, `db.engine = None` */
    if (n->kind != NODE_Call)
        return !k->found;
    const Node *f = n->v.Call.func;
    const char *attr = f->kind == NODE_Attribute ? f->v.Attribute.attr : "";
    const ScopeTable *ct;
    int method;
    if (!strcmp(attr, "dispose") || (!strcmp(attr, "configure") && ast_keyword(n, "bind")) ||
        ast_name_in(dbval_qualname_in(k->x->c, w->t, w->scope, f), engines))
        k->found = 1;
    else if (k->depth < PRE_MAX_CALLS && k->x->budget-- > 0) {
        const Node *def = dbval_callee(k->x->c, w->t, w->scope, n, &ct, &method);
        k->found = def && resets(k->x, ct, def, k->depth + 1);
    }
    return !k->found;
}

static int resets(Pre *x, const ScopeTable *t, const Node *def, int depth)
{
    Reset k = {x, 0, depth};
    DbWalk w;
    memset(&w, 0, sizeof w);
    w.t = t;
    w.visit = reset_visit;
    w.arg = &k;
    if (def && t && (def->kind == NODE_FunctionDef || def->kind == NODE_AsyncFunctionDef))
        dbval_walk_body(&w, def);
    return k.found;
}

/* A handler of Celery's worker_process_init signal (or an
 * os.register_at_fork after_in_child hook) that n connects, or NULL:
 * `@worker_process_init.connect` on a def, `worker_process_init.connect(f)`. */
static const Node *child_hook(Pre *x, const ScopeTable *t, const Scope *s, const Node *n)
{
    if (n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef) {
        const NodeList *decs = &n->v.FunctionDef.decorator_list;
        for (int i = 0; i < decs->n; i++) {
            const Node *d = decs->items[i];
            d = d->kind == NODE_Call ? d->v.Call.func : d;
            if (ends_with(dbval_qualname_in(x->c, t, s, d), "worker_process_init.connect"))
                return n;
        }
        return NULL;
    }
    if (n->kind != NODE_Call)
        return NULL;
    const char *q = dbval_qualname_in(x->c, t, s, n->v.Call.func);
    const Node *fn = ends_with(q, "worker_process_init.connect") && n->v.Call.args.n
                         ? n->v.Call.args.items[0]
                     : q && !strcmp(q, "os.register_at_fork") ? ast_keyword(n, "after_in_child")
                                                              : NULL;
    if (!fn)
        return NULL;
    Val v = value_of(x->c->env->values, x->c->a, t, s, fn);
    return v.tag == VAL_FUNC ? v.node : NULL;
}

static const char *const apps[] = {"celery.Celery", "celery.app.Celery", "celery.app.base.Celery",
                                   NULL};

/* Does the body of def (of table t) make a Celery app (an app factory)? */
static int app_visit(DbWalk *w, const Node *n)
{
    CeleryScan *k = w->arg;
    if (n->kind == NODE_Call &&
        ast_name_in(dbval_qualname_in(k->x->c, w->t, w->scope, n->v.Call.func), apps))
        k->start[k->mod] = 1;
    return !k->start[k->mod];
}

/* DbWalk visitor over each module: tasks, the modules that make the Celery
 * app at import (`celery -A` names one: Celery(...), or an app factory
 * called at module level), the hooks. */
static int celery_visit(DbWalk *w, const Node *n)
{
    CeleryScan *k = w->arg;
    Pre *x = k->x;
    const Node *hook = child_hook(x, w->t, w->scope, n);
    if (hook && !k->fixed)
        k->fixed = resets(x, value_table_of(x->c->env->values, hook), hook, 0);
    if (n->kind == NODE_Call && !k->start[k->mod] && w->scope == scope_module(w->t)) {
        const ScopeTable *ct;
        int method;
        const Node *def = dbval_callee(x->c, w->t, w->scope, n, &ct, &method);
        DbWalk aw;
        memset(&aw, 0, sizeof aw);
        aw.t = w->t;
        aw.scope = w->scope;
        aw.visit = app_visit;
        aw.arg = k;
        if (app_visit(&aw, n) && def && ct) { /* not Celery(...) itself: a factory? */
            aw.t = ct;
            dbval_walk_body(&aw, def);
        }
    }
    if (n->kind != NODE_FunctionDef && n->kind != NODE_AsyncFunctionDef)
        return 1;
    const NodeList *decs = &n->v.FunctionDef.decorator_list;
    int task = 0;
    for (int i = 0; i < decs->n && !task; i++)
        task = task_decorator(x, w->t, w->scope, decs->items[i]);
    if (!task)
        return 1;
    k->start[k->mod] = 1;
    Memo r = {0};
    for (int i = 0; i < k->nwant; i++) {
        if (k->task[i])
            continue;
        if (!r.def)
            r = runs(x, w->t, n);
        if (r.pool == k->want[i])
            k->task[i] = n;
    }
    return 1;
}

/* Does the module import celery? */
static int imports_celery(const ScopeTable *t)
{
    const Scope *m = scope_module(t);
    for (int i = 0; i < m->nbindings; i++) {
        const char *q = m->bindings[i].qualname;
        if (m->bindings[i].kind == BIND_IMPORT && q && !strncmp(q, "celery", 6) &&
            (q[6] == '.' || !q[6]))
            return 1;
    }
    return 0;
}

/* Marks module m of mods[0..n) as loaded with the packages above it. */
static void load(const Project *p, const ProjectModule *mods, int n, const ProjectModule *m,
                 unsigned char *loaded, int *queue, int *nq)
{
    char name[MODGRAPH_MAX_NAME];
    size_t len = strlen(m->name);
    if (len >= sizeof name)
        return;
    memcpy(name, m->name, len + 1);
    for (;;) {
        const ProjectModule *pm = modgraph_find(p, name);
        int i = pm ? (int)(pm - mods) : -1;
        if (i >= 0 && i < n && !loaded[i]) {
            loaded[i] = 1;
            queue[(*nq)++] = i;
        }
        char *dot = strrchr(name, '.');
        if (!dot)
            break;
        *dot = 0;
    }
}

/* Which modules the worker's parent imports: the start modules and what
 * they import at module level, transitively. */
static unsigned char *worker_loads(Pre *x, const ProjectModule *mods, int n,
                                   const unsigned char *start)
{
    unsigned char *loaded = arena_alloc(x->c->a, (size_t)n + 1);
    int *queue = arena_alloc(x->c->a, ((size_t)n + 1) * sizeof *queue), nq = 0;
    for (int i = 0; i < n; i++)
        if (start[i])
            load(x->p, mods, n, &mods[i], loaded, queue, &nq);
    for (int qi = 0; qi < nq; qi++) {
        const Scope *m = scope_module(mods[queue[qi]].scopes);
        for (int i = 0; i < m->nbindings; i++) {
            const Binding *b = &m->bindings[i];
            const ProjectModule *pm = NULL;
            const Binding *d;
            const char *rest;
            if (b->kind == BIND_IMPORT && b->qualname &&
                modgraph_resolve_prefix(x->p, b->qualname, &pm, &d, &rest) && pm)
                load(x->p, mods, n, pm, loaded, queue, &nq);
        }
        int nstar;
        const char *const *stars = scope_star_imports(mods[queue[qi]].scopes, &nstar);
        for (int i = 0; i < nstar; i++) {
            const ProjectModule *pm = modgraph_find(x->p, stars[i]);
            if (pm)
                load(x->p, mods, n, pm, loaded, queue, &nq);
        }
    }
    return loaded;
}

/*
 * SL208 at import time: pre-fork web servers.  gunicorn with --preload
 * (preload_app = True, GUNICORN_CMD_ARGS) and uWSGI without lazy-apps
 * import the app's module (and call its factory, `app:create_app()`) in the
 * master process, then fork the workers (arlo#1040): the connections that
 * import left in a pool are inherited by every worker.  Which server loads
 * which module is a project fact (project.h: ProjectPrefork, read from the
 * Procfile, Dockerfiles, compose files, scripts and server configurations);
 * without one nothing is reported.  Quiet when the app's module disposes of
 * the pool at import once it is done with it (its import-time code runs
 * last, after what it imports), when the gunicorn configuration has a
 * worker hook (post_fork, post_worker_init, pre_fork) that resets the pools
 * as Celery's worker_process_init handlers do (a configuration that is not
 * among the analyzed modules, or a -c file that cannot be read, is not
 * known: quiet too), or an os.register_at_fork hook does.
 */

/* The project module of the file at path (absolute), or NULL: module paths
 * are as the driver names them, relative to the working folder or not. */
static const ProjectModule *module_at(const ProjectModule *mods, int n, const char *path)
{
    for (int i = 0; i < n; i++) {
        const char *m = mods[i].path;
        while (m[0] == '.' && m[1] == '/')
            m += 2;
        size_t lp = strlen(path), lm = strlen(m);
        if (!strcmp(path, m) || (m[0] != '/' && lp > lm && path[lp - lm - 1] == '/' &&
                                 !strcmp(path + lp - lm, m)))
            return &mods[i];
    }
    return NULL;
}

/* Does the gunicorn configuration at path have a worker hook that resets
 * the pools?  1 also when the configuration is not an analyzed module. */
static int server_hook_resets(Pre *x, const ProjectModule *mods, int n, const char *path)
{
    static const char *const hooks[] = {"post_fork", "post_worker_init", "pre_fork", NULL};
    const ProjectModule *m = module_at(mods, n, path);
    if (!m)
        return 1;
    const Scope *s = scope_module(m->scopes);
    for (int i = 0; i < s->nbindings; i++)
        if (ast_name_in(s->bindings[i].name, hooks) && s->bindings[i].def &&
            resets(x, m->scopes, s->bindings[i].def, 0))
            return 1;
    return 0;
}

typedef struct AtFork {
    Pre *x;
    int fixed; /* an os.register_at_fork(after_in_child=) hook resets the pools */
} AtFork;

/* DbWalk visitor: an os.register_at_fork(after_in_child=) hook that resets. */
static int atfork_visit(DbWalk *w, const Node *n)
{
    AtFork *k = w->arg;
    const Node *hook = n->kind == NODE_Call ? child_hook(k->x, w->t, w->scope, n) : NULL;
    if (hook && !k->fixed)
        k->fixed = resets(k->x, value_table_of(k->x->c->env->values, hook), hook, 0);
    return !k->fixed;
}

/* The def of the app factory of p (`create_app` of `app:create_app()`) and
 * the table of its module, or NULL. */
static const Node *factory_def(Pre *x, const ProjectPrefork *p, const ScopeTable **t)
{
    const ProjectModule *m = NULL;
    const Binding *b = NULL;
    const char *q = p->factory ? arena_printf(x->c->a, "%s.%s", p->module, p->factory) : NULL;
    if (!q || !modgraph_resolve(x->p, q, &m, &b) || !m || !b || !b->def ||
        (b->def->kind != NODE_FunctionDef && b->def->kind != NODE_AsyncFunctionDef))
        return NULL;
    *t = m->scopes;
    return b->def;
}

/* What the server's import of the app leaves in pools at its end: the
 * module's import-time code, then the factory's body. */
static Uses app_import(Pre *x, const ProjectModule *m, const ProjectPrefork *p)
{
    UseWalk k = {x, {{0}, {0}, 0, NULL, {0}, 0}, NULL};
    DbWalk w;
    memset(&w, 0, sizeof w);
    w.t = m->scopes;
    w.visit = use_visit;
    w.arg = &k;
    dbval_walk(&w, m->module);
    const Node *f = factory_def(x, p, &w.t);
    if (f)
        dbval_walk_body(&w, f);
    return k.u;
}

static void prefork_report(DbCtx *c, const Source *src, FindingList *out, const Node *at,
                           const Binding *pool, const ProjectPrefork *p)
{
    const char *text = dbval_text(c, src, at, 48);
    Finding fd = {0};
    fd.code = "SL208";
    fd.path = src->path;
    diag_span(&fd, at);
    fd.message = arena_printf(
        c->a,
        "%s%s%s runs when the web server imports the app in its master process (%s: %s:%d) "
        "and leaves connections in the pool of `%s`; the server then forks its workers, each "
        "inherits the pool with those connections open, sockets included, and two workers "
        "talk to the database over one connection and read each other's replies (\"SSL "
        "error: decryption failed or bad record mac\", \"server closed the connection "
        "unexpectedly\"); call dispose() on the engine once the app is set up, or in a "
        "post_fork hook of the server's configuration, or do not use the pool at import time",
        text ? "`" : "this call", text ? text : "", text ? "`" : "", p->why, p->from, p->line,
        pool->name);
    fd.trace = arena_alloc(c->a, sizeof *fd.trace);
    fd.trace[fd.ntrace++] =
        (TraceStep){p->from, p->line, 0, "the server loads the app before forking its workers"};
    diag_add(out, &fd);
}

/* The import-time uses u of the module of src (mods[self]), reported for
 * each pre-fork server of facts that imports it. */
static void prefork_check(Pre *x, const Source *src, FindingList *out, const ProjectFacts *facts,
                          const Uses *uses, const ProjectModule *mods, int n, int self)
{
    const Binding *done[PRE_MAX_USES];
    int ndone = 0;
    AtFork af = {x, -1};
    for (int i = 0; i < facts->nprefork; i++) {
        const ProjectPrefork *p = &facts->prefork[i];
        const ProjectModule *app = modgraph_find(x->p, p->module);
        if (!app)
            continue; /* not this project's module, or named from another folder */
        UseWalk k = {x, *uses, NULL};
        const ScopeTable *ft = NULL;
        const Node *f = factory_def(x, p, &ft);
        if (f && ft == x->c->env->scopes) { /* the factory, called after the import */
            DbWalk w;
            memset(&w, 0, sizeof w);
            w.t = ft;
            w.visit = use_visit;
            w.arg = &k;
            dbval_walk_body(&w, f);
        }
        unsigned char *start = arena_alloc(x->c->a, (size_t)n + 1);
        start[app - mods] = 1;
        if (!k.u.n || !worker_loads(x, mods, n, start)[self] ||
            (p->hooks && server_hook_resets(x, mods, n, p->hooks)))
            continue;
        if (af.fixed < 0) { /* an os.register_at_fork hook, anywhere */
            DbWalk aw;
            memset(&aw, 0, sizeof aw);
            af.fixed = 0;
            aw.visit = atfork_visit;
            aw.arg = &af;
            for (int m = 0; m < n && !af.fixed; m++) {
                aw.t = mods[m].scopes;
                dbval_walk(&aw, mods[m].module);
            }
        }
        Uses end = app_import(x, app, p);
        for (int j = 0; j < k.u.n && !af.fixed; j++) {
            int seen = 0, used = 0, dropped = 0;
            for (int d = 0; d < ndone; d++)
                seen |= done[d] == k.u.pool[j];
            for (int d = 0; d < end.n; d++)
                used |= end.pool[d] == k.u.pool[j];
            for (int d = 0; d < end.ndropped; d++)
                dropped |= end.dropped[d] == &any_pool || end.dropped[d] == k.u.pool[j];
            if (seen || (dropped && !used))
                continue; /* reported, or disposed of once the app is set up */
            done[ndone++] = k.u.pool[j];
            prefork_report(x->c, src, out, k.u.at[j], k.u.pool[j], p);
        }
    }
}

/* The import-time uses of the module of table t (src, module), reported
 * when the project runs Celery tasks that take connections of the same
 * pool in the worker's forked children. */
void forks_check_module(DbCtx *c, const Source *src, FindingList *out, const Node *module,
                        const ProjectFacts *facts)
{
    Pre *x = arena_alloc(c->a, sizeof *x);
    x->c = c;
    x->p = value_project(c->env->values);
    x->budget = PRE_BUDGET;
    if (!x->p)
        return;
    UseWalk k = {x, {{0}, {0}, 0, NULL, {0}, 0}, NULL};
    DbWalk w;
    memset(&w, 0, sizeof w);
    w.t = c->env->scopes;
    w.visit = use_visit;
    w.arg = &k;
    dbval_walk(&w, module);
    if (!k.u.n && !(facts && facts->nprefork))
        return; /* most modules: nothing runs at import */
    int n, self = -1;
    const ProjectModule *mods = modgraph_modules(x->p, &n);
    for (int i = 0; i < n && self < 0; i++)
        self = mods[i].scopes == c->env->scopes ? i : self;
    if (facts && facts->nprefork && self >= 0) /* also a factory's body, so before the return */
        prefork_check(x, src, out, facts, &k.u, mods, n, self);
    if (!k.u.n)
        return; /* most modules: nothing runs at import */
    CeleryScan cs = {x, 0, arena_alloc(c->a, (size_t)n + 1), 0, 0, {0}, {0}, 0};
    for (int i = 0; i < k.u.n; i++) {
        int seen = 0;
        for (int j = 0; j < cs.nwant; j++)
            seen |= cs.want[j] == k.u.pool[i];
        if (!seen)
            cs.want[cs.nwant++] = k.u.pool[i];
    }
    for (int i = 0; i < n; i++)
        cs.uses_celery |= imports_celery(mods[i].scopes);
    if (!cs.uses_celery || self < 0)
        return;
    DbWalk cw;
    memset(&cw, 0, sizeof cw);
    cw.visit = celery_visit;
    cw.arg = &cs;
    for (cs.mod = 0; cs.mod < n && !cs.fixed; cs.mod++) {
        cw.t = mods[cs.mod].scopes;
        dbval_walk(&cw, mods[cs.mod].module);
    }
    if (cs.fixed || !worker_loads(x, mods, n, cs.start)[self])
        return;
    for (int j = 0; j < cs.nwant; j++) {
        const Node *task = cs.task[j], *at = NULL;
        for (int i = 0; i < k.u.n && !at; i++)
            at = k.u.pool[i] == cs.want[j] ? k.u.at[i] : NULL;
        if (!task || !at)
            continue;
        const char *text = dbval_text(c, src, at, 48);
        report(c, src, out, at, "SL208",
               arena_printf(c->a,
                            "%s%s%s runs when Celery's worker imports this module and leaves "
                            "connections in the pool of `%s`; the prefork worker then forks the "
                            "child processes that run the tasks, each child inherits the "
                            "parent's pool with those connections open, sockets included, and "
                            "`%s` takes them in the children: two processes share one server "
                            "connection and read each other's replies; dispose of the engine "
                            "first thing in each child (engine.dispose(close=False) in a "
                            "@worker_process_init.connect handler, or a fresh engine there), "
                            "or do not use the pool at import time",
                            text ? "`" : "this call", text ? text : "", text ? "`" : "",
                            cs.want[j]->name, task->v.FunctionDef.name),
               NULL, 0, task,
               "the Celery task, which takes connections of that pool in a forked child", 0);
    }
}
