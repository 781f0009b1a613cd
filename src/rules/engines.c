/*
 * engines.c - SL108 engine-per-call: an engine made inside a function and
 * dropped there.
 *
 * An Engine owns a connection pool.  One made per call (a health check, a
 * dependency, a helper) opens its own connections, checks them back into
 * its own pool when done, and is then dropped with those connections still
 * open: nothing closes them before the garbage collector finds the engine
 * (observed: tests/proof/sl108.py: Engine and QueuePool each sit in a
 * reference cycle).  Under traffic the database's
 * max_connections is reached and every client, other services included,
 * is refused.  The fix is one engine for the process, or dispose() (or
 * poolclass=NullPool) for a deliberate one-off.
 *
 * Quiet when the engine leaves the function (returned, yielded, stored in
 * an attribute, a container or a global, handed to a call that may keep
 * it, captured by a nested function), when the function caches what it
 * makes (lru_cache), when anything disposes it, for NullPool and SQLite
 * engines (a URL literal: nothing on a server to run out of), and
 * in start-up code (FASTAPI_BOOT: once per process, even when a request
 * path reaches it too).  Reported in request code by default.
 */
#include "rules/engines.h"

#include <string.h>

#include "fastapi.h"

#define ENGINE_MAX_DEPTH 256 /* nesting followed in a function body */

typedef struct EngineCheck {
    DbCtx *c;
    const Source *src;
    FindingList *out;
} EngineCheck;

static int is_engine_maker(const char *q)
{
    static const char *const makers[] = {
        "sqlalchemy.create_engine",
        "sqlalchemy.engine.create_engine",
        "sqlalchemy.engine_from_config",
        "sqlalchemy.ext.asyncio.create_async_engine",
        "sqlalchemy.ext.asyncio.async_engine_from_config",
        "sqlmodel.create_engine",
        NULL};
    for (int i = 0; q && makers[i]; i++)
        if (!strcmp(q, makers[i]))
            return 1;
    return 0;
}

static const char *name_of(const Node *e)
{
    return e->kind == NODE_Name ? e->v.Name.id
           : e->kind == NODE_Attribute ? e->v.Attribute.attr : "";
}

/* A URL written as a literal (or an f-string starting with one) for
 * SQLite: an in-process database, no server connections to run out of. */
static int sqlite_url(const Node *call)
{
    const Node *u = call->v.Call.args.n ? call->v.Call.args.items[0] : NULL;
    for (int i = 0; !u && i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "url"))
            u = k->v.keyword.value;
    }
    if (u && u->kind == NODE_JoinedStr && u->v.JoinedStr.values.n)
        u = u->v.JoinedStr.values.items[0];
    return u && u->kind == NODE_Constant && u->v.Constant.value.kind == CONST_STR &&
           !strncmp(u->v.Constant.value.s, "sqlite", 6);
}

/* Calls that use an engine for their own run and keep nothing of it, or
 * make a session that lives no longer than the unit of work. */
static int borrows(const Node *call)
{
    static const char *const users[] = {"create_all", "drop_all", "reflect", "inspect",
                                        "read_sql", "read_sql_query", "read_sql_table",
                                        "to_sql", "Session", "AsyncSession", NULL};
    const char *m = name_of(call->v.Call.func);
    for (int i = 0; users[i]; i++)
        if (!strcmp(m, users[i]))
            return 1;
    return 0;
}

/* What a function does with the local name holding the engine. */
typedef struct Uses {
    const char *name;
    int disposed, escapes, depth;
} Uses;

/* Does a nested definition mention the name at all? */
typedef struct Mention {
    const char *name;
    int found, depth;
} Mention;

static void mention_kid(Node *parent, Node *n, void *arg)
{
    Mention *m = arg;
    (void)parent;
    if (m->found || m->depth > ENGINE_MAX_DEPTH)
        return;
    if (n->kind == NODE_Name && !strcmp(n->v.Name.id, m->name))
        m->found = 1;
    m->depth++;
    ast_children(n, mention_kid, m);
    m->depth--;
}

static void uses_kid(Node *parent, Node *n, void *arg)
{
    Uses *u = arg;
    if (u->disposed || u->escapes || u->depth > ENGINE_MAX_DEPTH)
        return;
    if (n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef || n->kind == NODE_Lambda ||
        n->kind == NODE_ClassDef) {
        Mention m = {u->name, 0, u->depth};
        ast_children(n, mention_kid, &m);
        u->escapes = m.found; /* captured by code that may run later */
        return;
    }
    if (n->kind == NODE_Global) {
        for (int i = 0; i < n->v.Global.names.n; i++)
            if (!strcmp(n->v.Global.names.items[i], u->name))
                u->escapes = 1;
        return;
    }
    if (n->kind == NODE_Name && !strcmp(n->v.Name.id, u->name) && parent) {
        switch (parent->kind) {
        case NODE_Attribute:
            if (!strcmp(parent->v.Attribute.attr, "dispose"))
                u->disposed = 1;
            else if (!strcmp(parent->v.Attribute.attr, "execution_options"))
                u->escapes = 1; /* an engine over the same pool, which may be kept */
            break; /* engine.connect(), engine.begin(), engine.url */
        case NODE_Call:
            if (parent->v.Call.func != n && !borrows(parent))
                u->escapes = 1; /* handed to a call that may keep it */
            break;
        case NODE_Assign:
        case NODE_AnnAssign:
        case NODE_Return:
        case NODE_Yield:
        case NODE_YieldFrom:
        case NODE_Tuple:
        case NODE_List:
        case NODE_Set:
        case NODE_Dict:
        case NODE_Starred:
        case NODE_NamedExpr:
            u->escapes = parent->kind != NODE_Assign || ast_ctx(n) != CTX_Store;
            break;
        default:
            break; /* a keyword's value: decided by the call around it, below */
        }
    }
    if (n->kind == NODE_Call) {
        for (int i = 0; i < n->v.Call.keywords.n; i++) {
            const Node *v = n->v.Call.keywords.items[i]->v.keyword.value;
            if (v->kind == NODE_Name && !strcmp(v->v.Name.id, u->name) && !borrows(n))
                u->escapes = 1;
        }
    }
    u->depth++;
    ast_children(n, uses_kid, u);
    u->depth--;
}

static void report(EngineCheck *k, const Node *call, const Node *func, const char *why)
{
    Finding f = {0};
    f.code = "SL108";
    f.path = k->src->path;
    diag_span(&f, call);
    const char *fn = func->v.FunctionDef.name;
    f.message = arena_printf(
        k->c->a,
        "a new engine, and with it a new connection pool, is made on every call of `%s` and "
        "%s: the connections it opened stay open until the garbage collector finds it, so "
        "under traffic the database runs out of connections; make one engine for the process "
        "(at module level or at start-up) and share it, or dispose() this one",
        fn, why);
    f.trace = arena_alloc(k->c->a, sizeof *f.trace);
    f.trace[0].path = f.path;
    f.trace[0].line = func->lineno;
    f.trace[0].col = func->col_offset;
    f.trace[0].note = arena_printf(k->c->a, "`%s` makes its own engine each time it runs", fn);
    f.ntrace = 1;
    diag_add(k->out, &f);
}

void engines_visit(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w, const Node *n)
{
    const Node *func = dbval_walk_func(w);
    if (n->kind != NODE_Call || !func || func->kind == NODE_Lambda || w->depth < 1 ||
        !strstr(name_of(n->v.Call.func), "engine") || /* cheap before the qualified name */
        !is_engine_maker(dbval_qualname(c, w->scope, n->v.Call.func)) || model_unpooled(n) ||
        sqlite_url(n))
        return;
    const FlowFastApi *fa = c->env->fastapi;
    if (fa && (fastapi_role(fa->model, func) & FASTAPI_BOOT))
        return; /* start-up code: once per process */
    if (ast_decorated(func, "lru_cache") || ast_decorated(func, "cache") ||
        ast_decorated(func, "cached") || ast_decorated(func, "cached_property") ||
        ast_decorated(func, "fixture"))
        return; /* made once and kept, or a test's */
    EngineCheck k = {c, src, out};
    const Node *parent = w->stack[w->depth - 1];
    int up = 1;
    while (parent->kind == NODE_Attribute && !strcmp(parent->v.Attribute.attr, "execution_options") &&
           w->depth > up + 1 && w->stack[w->depth - up - 1]->kind == NODE_Call &&
           w->stack[w->depth - up - 1]->v.Call.func == parent) {
        /* create_engine(url).execution_options(...): an engine over the same pool */
        n = w->stack[w->depth - up - 1];
        up += 2;
        parent = w->stack[w->depth - up];
    }
    if (parent->kind == NODE_Attribute) { /* create_engine(url).connect() */
        report(&k, n, func, "dropped at once");
        return;
    }
    const Node *target, *value;
    if (!ast_single_assign(parent, &target, &value) || value != n || target->kind != NODE_Name)
        return; /* returned, stored, handed on: someone keeps it */
    Uses u = {target->v.Name.id, 0, 0, 0};
    for (int i = 0; i < func->v.FunctionDef.body.n && !u.escapes && !u.disposed; i++)
        uses_kid(NULL, func->v.FunctionDef.body.items[i], &u);
    if (!u.escapes && !u.disposed)
        report(&k, n, func, "nothing disposes it");
}
