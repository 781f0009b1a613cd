/*
 * workers.c - a session or connection kept in state that a framework hands
 * to every unit of work it runs at once (see workers.h): an arq worker's
 * startup ctx (SL203), a threading socketserver's server object (SL201).
 *
 * arq: `on_startup(ctx)` fills a dict that the worker copies (shallowly)
 * into the ctx of every job, and the worker runs up to `max_jobs` jobs (10
 * by default) at once as asyncio tasks; `on_job_start(ctx)` fills the ctx
 * of one job.  A session the startup hook stores under a constant key
 * (`ctx["db"] = SessionLocal()`) and a job listed in `functions` or
 * `cron_jobs` reads back (`ctx["db"]`, `ctx.get("db")`) is one session for
 * every job at once.  This follows the value through one dict element with
 * a constant key, from the hook's ctx parameter to the jobs' ctx
 * parameter: the general form (a dict element's value, flow-insensitive,
 * through any dict a name holds) belongs to the value model, which keeps
 * no dict elements today.
 *
 * socketserver: a server class deriving from ThreadingMixIn (or
 * ThreadingTCPServer, http.server's ThreadingHTTPServer) runs each request's
 * handler on a thread of its own, with `self.server` the one server object.
 * A session or connection the server class keeps on itself
 * (`self.sql_conn = psycopg2.connect(...)` in any of its methods, the
 * value model's `value_attr`) that the handler reads as
 * `self.server.sql_conn` is shared by every request thread: SL201, as for a
 * module-level connection (psycopg2 serializes the statements but the
 * threads share one transaction).
 */
#include "rules/workers.h"

#include <string.h>

#include "value.h"

#define WORK_MAX_DEPTH 128 /* nesting followed in a body */
#define MAX_BASES 8        /* base classes followed up a project's hierarchy */

static int is_func(const Node *n)
{
    return n && (n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef);
}

static const char *str_const(const Node *e)
{
    return e && e->kind == NODE_Constant && e->v.Constant.value.kind == CONST_STR
               ? e->v.Constant.value.s
               : NULL;
}

/* Is e `<name>[<key>]` or `<name>.get(<key>)`, with key a string?  The key. */
static const char *keyed_read(const Node *e, const char *name)
{
    const Node *d = NULL, *key = NULL;
    if (e->kind == NODE_Subscript) {
        d = e->v.Subscript.value;
        key = e->v.Subscript.slice;
    } else if (e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute &&
               !strcmp(e->v.Call.func->v.Attribute.attr, "get") && e->v.Call.args.n > 0) {
        d = e->v.Call.func->v.Attribute.value;
        key = e->v.Call.args.items[0];
    }
    return d && d->kind == NODE_Name && !strcmp(d->v.Name.id, name) ? str_const(key) : NULL;
}

/* The first read of key from the dict parameter name in a body. */
typedef struct Reads {
    const char *name, *key;
    const Node *at;
    int depth;
} Reads;

static void reads_kid(Node *parent, Node *n, void *arg)
{
    Reads *r = arg;
    const char *k;
    (void)parent;
    if (r->at || r->depth > WORK_MAX_DEPTH || ast_is_def(n) || n->kind == NODE_Lambda)
        return;
    if (ast_ctx(n) == CTX_Load && (k = keyed_read(n, r->name)) != NULL && !strcmp(k, r->key)) {
        r->at = n;
        return;
    }
    r->depth++;
    ast_children(n, reads_kid, r);
    r->depth--;
}

/* The list or tuple a class attribute's value names: written there, or a
 * name bound once to one in the class's module. */
static const Node *list_of(const ScopeTable *t, const Scope *s, const Node *e)
{
    if (e && e->kind == NODE_Name) {
        const Binding *b = scope_lookup(t, s, e->v.Name.id, NULL);
        e = b ? b->value : NULL;
    }
    return e && (e->kind == NODE_List || e->kind == NODE_Tuple) ? e : NULL;
}

/* The statements of a class body that set name: its value, or NULL. */
static const Node *class_value(const Node *cls, const char *name)
{
    const Node *value = NULL;
    for (int i = 0; i < cls->v.ClassDef.body.n; i++) {
        const Node *st = cls->v.ClassDef.body.items[i], *t, *v;
        if (ast_single_assign(st, &t, &v) && t->kind == NODE_Name && !strcmp(t->v.Name.id, name))
            value = v;
    }
    return value;
}

/* Are the values of kind k safe to share between tasks: psycopg's
 * connections serialize their statements behind a lock (sharing.c's
 * FLOW_CONCURRENT exception)? */
static int waits_its_turn(const Val *v)
{
    return v->kind == RES_DBAPI || v->kind == RES_POOLED || (v->kind == RES_PGCONN && v->sub);
}

/* The job function of an entry of `functions` / `cron_jobs`: the function
 * itself, or arq's `func(f, ...)` / `cron(f, ...)` around it. */
static const Node *job_def(const WorkCtx *w, const Scope *s, const Node *e)
{
    if (e->kind == NODE_Call && e->v.Call.args.n > 0)
        e = e->v.Call.args.items[0];
    Val v = flow_value(w->scratch, w->env, s, e);
    return v.tag == VAL_FUNC && is_func(v.node) ? v.node : NULL;
}

/* The first job of jobs (a list) that reads key from its ctx: *read is the
 * read. */
static const Node *job_reading(const WorkCtx *w, const Scope *s, const Node *jobs,
                               const char *key, const Node **read)
{
    for (int i = 0; jobs && i < jobs->v.List.elts.n; i++) {
        const Node *def = job_def(w, s, jobs->v.List.elts.items[i]);
        const Node *ctx = def ? ast_param(def, 0) : NULL;
        if (!ctx)
            continue;
        Reads r = {ctx->v.arg.arg, key, NULL, 0};
        for (int j = 0; j < def->v.FunctionDef.body.n && !r.at; j++)
            reads_kid(NULL, def->v.FunctionDef.body.items[j], &r);
        if (r.at) {
            *read = r.at;
            return def;
        }
    }
    return NULL;
}

/* SL203 for a store `ctx[key] = value` of the startup hook (in table t,
 * scope hs) that a job reads back. */
static void startup_store(const WorkCtx *w, const Node *cls, const Scope *cs, const Node *hook,
                          const Node *st, const char *ctx)
{
    const Node *target, *value;
    if (!ast_single_assign(st, &target, &value) || target->kind != NODE_Subscript ||
        target->v.Subscript.value->kind != NODE_Name ||
        strcmp(target->v.Subscript.value->v.Name.id, ctx))
        return;
    const char *key = str_const(target->v.Subscript.slice);
    const ScopeTable *ht = value_table_of(w->env->values, hook);
    const Scope *hs = ht ? scope_of(ht, hook) : NULL;
    if (!key || !hs)
        return;
    Val v = value_of(w->env->values, w->scratch, ht, hs, value);
    if (v.tag != VAL_RESOURCE || v.kind == RES_ANY || v.kind == RES_CURSOR || waits_its_turn(&v))
        return; /* a sessionmaker, an engine or a pool is meant to be shared */
    const Node *read = NULL, *job = NULL;
    const char *lists[] = {"functions", "cron_jobs"};
    for (int i = 0; i < 2 && !job; i++)
        job = job_reading(w, cs, list_of(w->env->scopes, cs, class_value(cls, lists[i])), key,
                          &read);
    if (!job)
        return;
    int here = ht == w->env->scopes;
    const Node *at = here ? st : class_value(cls, "on_startup");
    const char *noun = v.kind == RES_SESSION ? "session" : "connection";
    const char *jpath = value_path_of(w->env->values, job);
    TraceStep steps[2] = {
        {w->src->path, at->lineno, at->col_offset,
         arena_printf(w->a, "the startup hook `%s` keeps the %s in the worker's ctx",
                      hook->v.FunctionDef.name, noun)},
        {jpath ? jpath : w->src->path, read->lineno, read->col_offset,
         arena_printf(w->a, "the job `%s` reads it from its ctx, a copy of the worker's",
                      job->v.FunctionDef.name)}};
    diag_report(w->out, w->a, "SL203", w->src->path, at,
                arena_printf(w->a,
                             "the %s the arq startup hook `%s` puts in ctx[\"%s\"] is the one %s "
                             "of every job: arq copies the startup ctx into each job's, and "
                             "runs up to max_jobs (10 by default) jobs at once as asyncio tasks, "
                             "so `%s` and its other runs use it at the same time and one job's "
                             "commit or rollback ends another's work; make one per job in "
                             "`on_job_start` (closed in `on_job_end`), or in the job",
                             noun, hook->v.FunctionDef.name, key, noun, job->v.FunctionDef.name),
                steps, 2);
}

void workers_class(const WorkCtx *w, const Node *cls)
{
    const Node *startup = class_value(cls, "on_startup"), *max = class_value(cls, "max_jobs");
    if (!startup || (!class_value(cls, "functions") && !class_value(cls, "cron_jobs")))
        return; /* not an arq WorkerSettings: the cheap test first */
    if (max && max->kind == NODE_Constant && max->v.Constant.value.kind == CONST_INT &&
        !strcmp(max->v.Constant.value.s, "1"))
        return; /* one job at a time */
    const Scope *cs = scope_of(w->env->scopes, cls);
    Val h = cs ? flow_value(w->scratch, w->env, cs, startup) : (Val){0};
    const Node *hook = h.tag == VAL_FUNC && is_func(h.node) ? h.node : NULL;
    const Node *ctx = hook ? ast_param(hook, 0) : NULL;
    for (int i = 0; ctx && i < hook->v.FunctionDef.body.n; i++)
        startup_store(w, cls, cs, hook, hook->v.FunctionDef.body.items[i], ctx->v.arg.arg);
}

/* ------------------------------------------------ threading servers */

/* Does cls (a ClassDef of the project) derive from a socketserver class
 * that runs each request on a thread of its own? */
static int threading_server(const WorkCtx *w, const Node *cls, int depth)
{
    static const char *const threading[] = {
        "socketserver.ThreadingMixIn", "socketserver.ThreadingTCPServer",
        "socketserver.ThreadingUDPServer", "socketserver.ThreadingUnixStreamServer",
        "http.server.ThreadingHTTPServer", "SocketServer.ThreadingMixIn", NULL};
    const ScopeTable *t = depth < MAX_BASES ? value_table_of(w->env->values, cls) : NULL;
    const Scope *cs = t ? scope_of(t, cls) : NULL;
    for (int i = 0; cs && i < cls->v.ClassDef.bases.n; i++) {
        const Node *base = cls->v.ClassDef.bases.items[i];
        char buf[64];
        size_t n = scope_qualname_buf(t, cs->parent ? cs->parent : cs, base, buf, sizeof buf);
        if (n && n < sizeof buf && ast_name_in(buf, threading))
            return 1;
        FlowEnv env = *w->env;
        env.scopes = t;
        Val b = flow_value(w->scratch, &env, cs->parent ? cs->parent : cs, base);
        if (b.tag == VAL_CLASS && b.node && threading_server(w, b.node, depth + 1))
            return 1;
    }
    return 0;
}

/* The first read `self.server.<attr>` in a handler's methods whose attr
 * the server class keeps a session or connection in. */
typedef struct ServerReads {
    const WorkCtx *w;
    const Node *server;
    const Node *at;
    Val v;
    int depth;
} ServerReads;

static void server_kid(Node *parent, Node *n, void *arg)
{
    ServerReads *r = arg;
    (void)parent;
    if (r->at || r->depth > WORK_MAX_DEPTH || n->kind == NODE_Lambda || n->kind == NODE_ClassDef)
        return;
    const Node *o = n->kind == NODE_Attribute ? n->v.Attribute.value : NULL;
    if (o && o->kind == NODE_Attribute && !strcmp(o->v.Attribute.attr, "server") &&
        o->v.Attribute.value->kind == NODE_Name && !strcmp(o->v.Attribute.value->v.Name.id, "self") &&
        ast_ctx(n) == CTX_Load) {
        Val v = value_attr(r->w->env->values, r->w->scratch, r->server, n->v.Attribute.attr);
        if (v.tag == VAL_RESOURCE && v.kind != RES_ANY) {
            r->at = n;
            r->v = v;
            return;
        }
    }
    r->depth++;
    ast_children(n, server_kid, r);
    r->depth--;
}

void workers_call(const WorkCtx *w, const Scope *s, const Node *call)
{
    const Node *h = call->v.Call.args.n > 1 ? call->v.Call.args.items[1]
                                            : ast_keyword(call, "RequestHandlerClass");
    if (!h || (h->kind != NODE_Name && h->kind != NODE_Attribute))
        return; /* the cheap test first: this runs at every call */
    Val sv = flow_value(w->scratch, w->env, s, call->v.Call.func);
    Val hv = sv.tag == VAL_CLASS && sv.node ? flow_value(w->scratch, w->env, s, h) : (Val){0};
    if (hv.tag != VAL_CLASS || !hv.node || !threading_server(w, sv.node, 0))
        return;
    ServerReads r = {w, sv.node, NULL, {0}, 0};
    ast_children((Node *)hv.node, server_kid, &r);
    if (!r.at)
        return;
    int here = value_table_of(w->env->values, hv.node) == w->env->scopes;
    const Node *at = here ? r.at : call;
    const char *noun = r.v.kind == RES_SESSION ? "session" : "connection";
    TraceStep steps[2] = {
        {w->src->path, call->lineno, call->col_offset,
         arena_printf(w->a, "`%s` serves each request on a thread of its own",
                      sv.node->v.ClassDef.name)},
        {w->src->path, at->lineno, at->col_offset,
         arena_printf(w->a, "the handler `%s` uses the server's one %s",
                      hv.node->v.ClassDef.name, noun)}};
    diag_report(w->out, w->a, "SL201", w->src->path, at,
                arena_printf(w->a,
                             "%s `self.server.%s` is kept on the server `%s`, a threading "
                             "socketserver that runs every request's handler on a thread of its "
                             "own: all the request threads use this one %s at the same time and "
                             "share its transaction (one request's failed statement aborts the "
                             "others'); keep one per thread (threading.local) or take one per "
                             "request from a pool",
                             noun, r.at->v.Attribute.attr, sv.node->v.ClassDef.name, noun),
                steps, 2);
}
