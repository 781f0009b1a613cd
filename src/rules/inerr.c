/*
 * inerr.c - SL402 on a kept connection: a failed statement on a connection
 * that outlives the call, swallowed by a handler that neither rolls back,
 * commits, closes nor raises.
 *
 * A statement that fails inside a transaction leaves the connection in
 * the failed state (psycopg's TRANSACTION_STATUS_INERROR): PostgreSQL
 * answers every later statement with "current transaction is aborted,
 * commands ignored until end of transaction block" until a rollback (a
 * commit of the failed transaction rolls back too).  A connection made
 * for the call dies with it; one kept beyond it (a module global, an
 * attribute of an object: `self.conn`, a threaded server's
 * `self.server.conn`; the process's one connection handed in) is used by
 * the next request, job or method call, which fails the same way until
 * the process restarts.
 *
 * The facts, as the value model answers them: the connection is a
 * psycopg2 connection (or one a psycopg2 pool lent and the code keeps) or
 * a psycopg 3 one; asyncpg's run each statement in autocommit outside
 * transaction(), so a failure leaves nothing behind.  A SQLAlchemy Session
 * or Connection has the same state ("inactive due to a previous
 * exception"), but only one the process keeps once (Val.once) is counted:
 * a session held by a service object is mostly the request's, closed when
 * the request ends.  Quiet: a connection in autocommit (set anywhere in
 * the module, or at its connect()), statements inside `with conn:` or
 * `with conn.transaction():` (both roll back when the block raises), and
 * a handler after which a rollback, commit, close or raise comes (in the
 * handler, in a finally around, or after the try when the handler lets
 * the code go on).
 *
 * Limits: paths are not told apart (a rollback on one branch of the
 * handler counts for all), a caller that rolls back when told of the
 * failure is not seen, and autocommit set in another module than the
 * statement's (or the server class's) is not either.
 */
#include "rules/inerr.h"

#include <string.h>

#include "rules/crdb.h"
#include "value.h"

#define INERR_DEPTH 64 /* nesting followed by the walkers here */

/* Methods that run a statement on a connection or its cursor. */
static const char *const runs[] = {"execute",   "executemany", "callproc", "copy_expert",
                                   "copy_from", "copy_to",     "copy",     NULL};
/* Those of a SQLAlchemy session or connection. */
static const char *const sa_runs[] = {"execute", "scalar", "scalars", "flush", "query", NULL};
/* What ends the failed transaction, or the connection. */
static const char *const ends[] = {"rollback", "commit", "close", "reset", "invalidate", NULL};

typedef struct Ctx {
    DbCtx *c;
    const Source *src;
    const DbWalk *w;
    FindingList *out;
} Ctx;

/* ---------------------------------------------------- the statement */

typedef struct Stmt {
    const Node *call; /* the statement: `cur.execute(...)` */
    const Node *conn; /* the connection (or kept cursor) it runs on */
    Val v;            /* conn's value */
    const char *why;  /* what keeps it */
} Stmt;

static int is_cursor_call(const Node *e)
{
    return e && e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute &&
           !strcmp(e->v.Call.func->v.Attribute.attr, "cursor");
}

/* `c.cursor()`, or a name bound once to it (`cur = c.cursor()`, `with
 * c.cursor() as cur`): c; else e itself. */
static const Node *cursor_owner(Ctx *x, const Node *e)
{
    const Node *v = e->kind == NODE_Name
                        ? scope_bound_once(x->c->env->scopes, x->w->scope, e, NULL)
                        : NULL;
    v = v ? ast_unawait(v) : e;
    return is_cursor_call(v) ? v->v.Call.func->v.Attribute.value : e;
}

/* The binding of the name at the root of e (`self` of `self.a.b`) when
 * the function (or one around it) makes it: a local, a parameter; NULL
 * for a module global.  *where: its scope. */
static const Binding *local_root(Ctx *x, const Node *e, const Scope **where)
{
    while (e->kind == NODE_Attribute)
        e = e->v.Attribute.value;
    if (e->kind != NODE_Name)
        return NULL;
    const Binding *b = scope_lookup(x->c->env->scopes, x->w->scope, e->v.Name.id, where);
    return b && *where != scope_module(x->c->env->scopes) ? b : NULL;
}

/* The first parameter of the method the walk is in (`self`), or NULL. */
static const char *self_name(const DbWalk *w)
{
    const Node *f = dbval_walk_func(w);
    const Scope *s = w->scope;
    if (!f || !s || !s->parent || s->parent->kind != SCOPE_CLASS)
        return NULL;
    const Node *p = ast_param(f, 0);
    return p ? p->v.arg.arg : NULL;
}

/*
 * What keeps conn (with value v) beyond the call, or NULL: the process
 * keeps it once; a module global; an attribute of the method's object,
 * of a global or of what the caller handed in; a local bound once to one
 * of those (`conn = self.conn`).
 */
static const char *kept(Ctx *x, const Node *conn, const Val *v, int depth)
{
    if (v->once)
        return "the process's one connection";
    const Scope *where = NULL;
    const Binding *b = local_root(x, conn, &where);
    if (conn->kind == NODE_Name) {
        if (!b)
            return "a module global";
        const Node *alias = b->kind == BIND_LOCAL ? scope_bound_once(x->c->env->scopes,
                                                                     x->w->scope, conn, NULL)
                                                  : NULL;
        return alias && depth < 4 && alias->kind == NODE_Attribute ? kept(x, alias, v, depth + 1)
                                                                   : NULL;
    }
    if (conn->kind != NODE_Attribute)
        return NULL;
    if (!b)
        return "an attribute of a module global";
    const char *self = self_name(x->w);
    const Node *root = conn;
    while (root->kind == NODE_Attribute)
        root = root->v.Attribute.value;
    if (self && !strcmp(root->v.Name.id, self))
        return "an attribute of the object, kept for its next use";
    return b->kind == BIND_PARAM ? "an attribute of an object the caller keeps" : NULL;
}

/* ------------------------------------------- socketserver's self.server */

/* The library modules of socketserver's classes (Python 3's, then 2's). */
static const char *const server_modules[] = {"socketserver", "http.server", "SocketServer",
                                             "BaseHTTPServer", "SimpleHTTPServer", NULL};

/* Is qual a class of those modules whose name ends in suffix
 * ("RequestHandler", "Server")? */
static int server_class(const char *qual, const char *suffix)
{
    const char *dot = qual ? strrchr(qual, '.') : NULL;
    size_t n = strlen(suffix), len = dot ? strlen(dot + 1) : 0;
    if (!dot || len < n || strcmp(dot + 1 + len - n, suffix))
        return 0;
    for (int i = 0; server_modules[i]; i++)
        if (strlen(server_modules[i]) == (size_t)(dot - qual) &&
            !strncmp(qual, server_modules[i], (size_t)(dot - qual)))
            return 1;
    return 0;
}

/* Does class cls (of the project) derive from a socketserver class whose
 * name ends in suffix, through the project's own bases? */
static int derives(Ctx *x, const Node *cls, const char *suffix, int depth)
{
    const ValueModel *vm = x->c->env->values;
    const ScopeTable *t = value_table_of(vm, cls);
    const Scope *cs = t ? scope_of(t, cls) : NULL;
    for (int i = 0; cs && depth < 8 && i < cls->v.ClassDef.bases.n; i++) {
        const Node *base = cls->v.ClassDef.bases.items[i];
        const char *q = dbval_qualname_in(x->c, t, cs->parent ? cs->parent : cs, base);
        if (server_class(q, suffix))
            return 1;
        Val b = value_of(vm, x->c->a, t, cs->parent ? cs->parent : cs, base);
        if (b.tag == VAL_CLASS && b.node && derives(x, b.node, suffix, depth + 1))
            return 1;
    }
    return 0;
}

/*
 * `self.server.attr` in a socketserver request handler: the server object
 * every request thread shares, an instance of a server class the project
 * defines.  Its attr, joined over the project's server classes that keep
 * one (*home: the first such class); unknown when none does.
 */
static Val server_attr(Ctx *x, const Node *e, const Node **home)
{
    const Node *srv = e->kind == NODE_Attribute ? e->v.Attribute.value : NULL;
    const char *self = self_name(x->w);
    if (!srv || !self || srv->kind != NODE_Attribute || strcmp(srv->v.Attribute.attr, "server") ||
        srv->v.Attribute.value->kind != NODE_Name ||
        strcmp(srv->v.Attribute.value->v.Name.id, self) ||
        !derives(x, x->w->scope->parent->node, "RequestHandler", 0))
        return (Val){0};
    int n = 0;
    const ProjectModule *mods = modgraph_modules(value_project(x->c->env->values), &n);
    for (int m = 0; m < n; m++) {
        const NodeList *body = &mods[m].module->v.Module.body;
        for (int i = 0; i < body->n; i++) {
            const Node *cls = body->items[i];
            if (cls->kind != NODE_ClassDef || !derives(x, cls, "Server", 0))
                continue;
            Val v = value_attr(x->c->env->values, x->c->a, cls, e->v.Attribute.attr);
            if (v.tag == VAL_RESOURCE) {
                *home = mods[m].module;
                return v;
            }
        }
    }
    return (Val){0};
}

/* Is v a connection whose failed statement leaves it failed: psycopg2's
 * (a pooled one too), psycopg 3's; a SQLAlchemy session or connection
 * only when the process keeps it once (see above). */
static int fails_on(const Val *v, int sa)
{
    if (v->tag != VAL_RESOURCE)
        return 0;
    if (sa)
        return (v->kind == RES_SESSION || v->kind == RES_CONNECTION) && v->once;
    return v->kind == RES_DBAPI || v->kind == RES_POOLED || v->kind == RES_CURSOR ||
           (v->kind == RES_PGCONN && v->sub);
}

/* Is call a statement on a kept connection?  Fills *st. */
static int statement(Ctx *x, const Node *call, Stmt *st, const Node **home)
{
    const Node *f = call->v.Call.func;
    if (f->kind != NODE_Attribute)
        return 0;
    const char *m = f->v.Attribute.attr;
    int raw = ast_name_in(m, runs), sa = ast_name_in(m, sa_runs);
    if (!raw && !sa)
        return 0;
    const Node *conn = cursor_owner(x, f->v.Attribute.value);
    Val v = dbval_expr(x->c, x->w->scope, conn);
    if (v.tag == VAL_UNKNOWN)
        v = server_attr(x, conn, home);
    int is_sa = v.kind == RES_SESSION || v.kind == RES_CONNECTION;
    if (!fails_on(&v, is_sa) || (is_sa ? !sa : !raw))
        return 0;
    const char *why = kept(x, conn, &v, 0);
    if (!why)
        return 0;
    *st = (Stmt){call, conn, v, *home ? "an attribute of the server object every request "
                                        "thread shares" : why};
    return 1;
}

/* Is r the connection conn, or one that may be it: a local bound to it,
 * the connection of a kept cursor, any connection the value model knows
 * (a rollback of another connection is taken for one of this one: quiet
 * rather than wrong). */
static int may_be(Ctx *x, const Node *r, const Node *conn)
{
    if (ast_same_ref(r, conn))
        return 1;
    Val v = dbval_expr(x->c, x->w->scope, r);
    return v.tag == VAL_RESOURCE && v.kind != RES_CURSOR && v.kind != RES_ANY;
}

/* `with c:` (psycopg2 rolls back when the block raises), `with
 * c.transaction():`, `with c.begin():`: the block ends the transaction. */
static int guards(Ctx *x, const Node *with, const Node *conn)
{
    static const char *const blocks[] = {"transaction", "begin", "begin_nested", NULL};
    for (int i = 0; i < with->v.With.items.n; i++) {
        const Node *e = ast_unawait(with->v.With.items.items[i]->v.withitem.context_expr);
        const Node *f = e->kind == NODE_Call ? e->v.Call.func : NULL;
        if (f && f->kind == NODE_Attribute && ast_name_in(f->v.Attribute.attr, blocks))
            e = f->v.Attribute.value;
        else if (f)
            continue; /* `with c.cursor() as cur:` ends nothing */
        if (may_be(x, e, conn))
            return 1;
    }
    return 0;
}

typedef struct Find {
    Ctx *x;
    Stmt st;
    const Node *home; /* the module of the server class, if that is what keeps it */
    const Node *guard[16]; /* enclosing with blocks that roll back */
    int nguard, found, depth;
} Find;

static int guarded(const Find *fd, const Node *conn)
{
    for (int i = 0; i < fd->nguard; i++)
        if (guards(fd->x, fd->guard[i], conn))
            return 1;
    return 0;
}

/* The first statement on a kept connection in a try body, outside nested
 * definitions and nested try statements that handle errors themselves. */
static void find_kid(Node *parent, Node *n, void *arg)
{
    Find *fd = arg;
    (void)parent;
    if (fd->found || fd->depth > INERR_DEPTH || ast_is_def(n) ||
        ((n->kind == NODE_Try || n->kind == NODE_TryStar) && n->v.Try.handlers.n))
        return;
    int with = (n->kind == NODE_With || n->kind == NODE_AsyncWith) && fd->nguard < 16;
    if (with)
        fd->guard[fd->nguard++] = n;
    fd->depth++;
    ast_children(n, find_kid, fd); /* arguments run first */
    fd->depth--;
    if (with)
        fd->nguard--;
    if (!fd->found && n->kind == NODE_Call && statement(fd->x, n, &fd->st, &fd->home) &&
        !guarded(fd, fd->st.conn))
        fd->found = 1;
}

/* ------------------------------------------------------ the handler */

typedef struct Ends {
    Ctx *x;
    const Node *conn; /* the connection */
    const Node *skip; /* a statement not to look into, or NULL */
    int found, raises, depth;
} Ends;

/* Does call release (by the model's method table) a connection that may
 * be conn, of a kind whose release ends the transaction: a pool's put-back
 * (`pool.putconn(conn)`, `pool.release(conn)`), which rolls a failed one
 * back before the next borrower gets it, or a close? */
static int releases(Ctx *x, const Node *call, const Node *conn)
{
    const Node *f = call->v.Call.func;
    Val recv = dbval_expr(x->c, x->w->scope, f->v.Attribute.value), made = {0};
    int with_only = 0;
    MethodEffect eff = model_method(&recv, f->v.Attribute.attr, &made, &with_only);
    const Node *r = eff == EFF_RELEASE_ARG ? model_released_arg(call)
                    : eff == EFF_RELEASE   ? f->v.Attribute.value : NULL;
    if (!r || !may_be(x, r, conn))
        return 0;
    Val v = dbval_expr(x->c, x->w->scope, r);
    return v.tag == VAL_RESOURCE && model_res(v.kind)->release_ends_txn;
}

/* A rollback (of anything: a savepoint's, a helper's connection), or a
 * commit, close, reset or release of conn, or a new value for it; a raise. */
static void ends_kid(Node *parent, Node *n, void *arg)
{
    Ends *e = arg;
    (void)parent;
    if (e->found || e->depth > INERR_DEPTH || ast_is_def(n) || n == e->skip)
        return;
    if (n->kind == NODE_Raise)
        e->raises = 1;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute) {
        const Node *f = n->v.Call.func;
        e->found |= !strcmp(f->v.Attribute.attr, "rollback") ||
                    (ast_name_in(f->v.Attribute.attr, ends) && may_be(e->x, f->v.Attribute.value, e->conn)) ||
                    releases(e->x, n, e->conn);
    }
    const Node *target = NULL, *value = NULL;
    if (ast_single_assign(n, &target, &value) && ast_same_ref(target, e->conn))
        e->found = 1;
    e->depth++;
    ast_children(n, ends_kid, e);
    e->depth--;
}

static int ends_in(Ctx *x, const NodeList *body, const Node *conn, int *raises)
{
    Ends e = {x, conn, NULL, 0, 0, 0};
    for (int i = 0; i < body->n && !e.found; i++)
        ends_kid(NULL, body->items[i], &e);
    if (raises)
        *raises = e.raises;
    return e.found;
}

/* Does a statement list always return (or raise): the function ends
 * there, and only a finally can still end the transaction. */
static int returns(const NodeList *body, int depth)
{
    const Node *last = body->n ? body->items[body->n - 1] : NULL;
    if (!last || depth > INERR_DEPTH)
        return 0;
    switch (last->kind) {
    case NODE_Return:
    case NODE_Raise: return 1;
    case NODE_If:
        return returns(&last->v.If.body, depth + 1) && returns(&last->v.If.orelse, depth + 1);
    case NODE_With:
    case NODE_AsyncWith: return returns(&last->v.With.body, depth + 1);
    default: return 0;
    }
}

/* Is the transaction ended after the handler of try t: in a finally of t
 * or of a try around it, in a `with` around it that rolls back, or (when
 * the handler lets the code go on) anywhere else in the function outside
 * t (before it too: paths are not told apart). */
static int ended_after(Ctx *x, const Node *t, const Node *h, const Node *conn)
{
    const DbWalk *w = x->w;
    const Node *f = dbval_walk_func(w);
    if (ends_in(x, &t->v.Try.finalbody, conn, NULL))
        return 1;
    for (int i = w->depth - 1; i >= 0 && w->stack[i] != f; i--) {
        const Node *a = w->stack[i];
        if ((a->kind == NODE_Try || a->kind == NODE_TryStar) &&
            ends_in(x, &a->v.Try.finalbody, conn, NULL))
            return 1;
        if ((a->kind == NODE_With || a->kind == NODE_AsyncWith) && guards(x, a, conn))
            return 1;
    }
    if (returns(&h->v.ExceptHandler.body, 0) || !f || f->kind == NODE_Lambda)
        return 0;
    Ends e = {x, conn, t, 0, 0, 0};
    for (int i = 0; i < f->v.FunctionDef.body.n && !e.found; i++)
        ends_kid(NULL, f->v.FunctionDef.body.items[i], &e);
    return e.found;
}

/* ------------------------------------------------------- autocommit */

typedef struct Auto {
    int found, depth;
} Auto;

/* `c.autocommit = True`, `c.set_session(autocommit=True)`,
 * `c.set_isolation_level(...)` (psycopg2's ISOLATION_LEVEL_AUTOCOMMIT is
 * the usual argument), `connect(..., autocommit=True)`, SQLAlchemy's
 * `isolation_level="AUTOCOMMIT"` (an engine's, execution_options'): on any
 * connection. */
static void auto_kid(Node *parent, Node *n, void *arg)
{
    Auto *a = arg;
    (void)parent;
    if (a->found || a->depth > INERR_DEPTH)
        return;
    const Node *target = NULL, *value = NULL;
    if (ast_single_assign(n, &target, &value) && target->kind == NODE_Attribute &&
        !strcmp(target->v.Attribute.attr, "autocommit") && ast_is_true(value))
        a->found = 1;
    if (n->kind == NODE_Call) {
        const Node *f = n->v.Call.func, *level = ast_keyword(n, "isolation_level");
        a->found |= ast_is_true(ast_keyword(n, "autocommit")) ||
                    (f->kind == NODE_Attribute &&
                     !strcmp(f->v.Attribute.attr, "set_isolation_level")) ||
                    (level && level->kind == NODE_Constant &&
                     level->v.Constant.value.kind == CONST_STR &&
                     !strcmp(level->v.Constant.value.s, "AUTOCOMMIT"));
    }
    a->depth++;
    ast_children(n, auto_kid, a);
    a->depth--;
}

int inerr_autocommit_in(const Node *module)
{
    Auto a = {0, 0};
    ast_children((Node *)module, auto_kid, &a);
    return a.found;
}

/* ------------------------------------------------------------ check */

static void report(Ctx *x, const Node *h, const Stmt *st)
{
    Arena *a = x->c->a;
    const char *ct = dbval_text(x->c, x->src, st->conn, 40);
    const char *sq = dbval_text(x->c, x->src, st->call, 40);
    const Node *type = h->v.ExceptHandler.type;
    const char *tt = type ? dbval_text(x->c, x->src, type, 40) : NULL;
    ct = ct ? ct : "the connection";
    const char *rb = st->v.kind == RES_CURSOR ? arena_printf(a, "%s.connection", ct) : ct;
    TraceStep steps[2] = {
        {x->src->path, st->call->lineno, st->call->col_offset,
         arena_printf(a, "`%s` runs a statement on `%s` (%s); a failure aborts its transaction",
                      sq ? sq : "this", ct, st->why)},
        {x->src->path, h->lineno, h->col_offset,
         arena_printf(a, "help: call %s.rollback() in this handler (a commit() of the failed "
                         "transaction ends it too)", rb)}};
    diag_report(x->out, a, "SL402", x->src->path, h,
                arena_printf(a,
                             "the handler catches `%s` and %s without rollback(): a failed "
                             "statement leaves `%s`, which outlives the call, in an aborted "
                             "transaction, and every later statement on it fails (\"current "
                             "transaction is aborted\") until something rolls it back",
                             tt ? tt : "everything",
                             returns(&h->v.ExceptHandler.body, 0) ? "returns" : "goes on", ct),
                steps, 2);
}

void inerr_try(DbCtx *c, const Source *src, const DbWalk *w, const Node *t, FindingList *out)
{
    const Node *f = dbval_walk_func(w);
    if (!f || f->kind == NODE_Lambda || !t->v.Try.handlers.n)
        return;
    Ctx x = {c, src, w, out};
    Find fd = {.x = &x};
    for (int i = 0; i < t->v.Try.body.n && !fd.found; i++)
        find_kid(NULL, t->v.Try.body.items[i], &fd);
    if (!fd.found)
        return;
    int autocommit = -1; /* not looked at yet */
    for (int j = 0; j < t->v.Try.handlers.n; j++) {
        const Node *h = t->v.Try.handlers.items[j];
        int raises = 0;
        if (!crdb_catches_db(c->env->scopes, w->scope, h->v.ExceptHandler.type) ||
            ends_in(&x, &h->v.ExceptHandler.body, fd.st.conn, &raises) || raises ||
            ended_after(&x, t, h, fd.st.conn))
            continue;
        if (autocommit < 0)
            autocommit = inerr_autocommit_in(scope_module(c->env->scopes)->node) || (fd.home && inerr_autocommit_in(fd.home));
        if (!autocommit)
            report(&x, h, &fd.st);
    }
}
