/*
 * flow_pool.c - a second connection taken from a pool while the same path
 * already holds one of it (SL206).
 *
 * A request that holds a pooled connection (a session that queried and has
 * not committed, rolled back or closed since; a connection checked out of
 * an engine or a pool) and then waits for another from the same pool (its
 * own second session, or a helper that opens one) needs two connections at
 * once.  With as many such requests in flight as the pool has connections,
 * every connection is held by a request waiting for its second: none can
 * go on, and all of them fail when the pool's timeout expires (cognee's
 * authentication outage; observed: tests/proof/sl206.py).  One connection per unit of work avoids it.
 *
 * A pool is named by the module-level binding that makes it: the engine a
 * sessionmaker or Session is bound to when that resolves (two makers on one
 * engine share its pool), else the factory's own binding.  Pointers into
 * the project's scope tables: the same in every module and thread.  What
 * does not resolve to one (a parameter's engine, self.engine) has no pool
 * and is never compared.
 *
 * Paths carry which sites hold a connection now (Path.holding); summaries
 * say which pool a function takes a connection of for itself while it runs
 * (needs_pool) and which pool the session it yields or returns comes from
 * (yields_pool: a FastAPI dependency's session, compared with what the
 * endpoint's helpers take).
 */
#include <string.h>

#include "flow_impl.h"

#define POOL_MAX_DEPTH 8 /* names followed from a maker to its engine */

static const Binding no_pool; /* an engine without a pool: nothing to wait for */

static const Binding *pool_of(Ctx *c, const ScopeTable *t, const Scope *s, const Node *e,
                              int depth);

/* A module-level binding of the project that name e (a Name, or an
 * attribute of an imported module: `db.engine`) refers to, and its
 * module's table in *mt; NULL for anything else (a local, self.engine). */
static const Binding *module_binding(Ctx *c, const ScopeTable *t, const Scope *s, const Node *e,
                                     const ScopeTable **mt)
{
    *mt = t;
    if (e->kind == NODE_Name) {
        const Scope *where = NULL;
        const Binding *b = scope_lookup(t, s, e->v.Name.id, &where);
        if (!b)
            return NULL;
        if (b->kind == BIND_LOCAL && where == scope_module(t))
            return b;
        if (b->kind != BIND_IMPORT || !b->qualname)
            return NULL;
    } else if (e->kind != NODE_Attribute || e->v.Attribute.value->kind != NODE_Name) {
        return NULL;
    }
    const char *q = fl_qualname(c, t, s, e);
    FlowDef d;
    if (!q || !c->env->resolve || !c->env->resolve(c->env->resolve_arg, q, &d) || !d.binding ||
        d.binding->kind != BIND_LOCAL)
        return NULL;
    *mt = d.scopes;
    return d.binding;
}

/* The bind of a maker or session call: bind=..., else its first argument. */
static const Node *bind_arg(const Node *call)
{
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "bind"))
            return k->v.keyword.value;
    }
    return call->v.Call.args.n > 0 ? call->v.Call.args.items[0] : NULL;
}

/* The pool behind a maker or engine name: what its binding's call is bound
 * to, when that is itself a pool of the project, else the binding; NULL for
 * an engine without a pool. */
static const Binding *pool_of_name(Ctx *c, const ScopeTable *t, const Scope *s, const Node *e,
                                   int depth)
{
    const ScopeTable *mt;
    const Binding *b = module_binding(c, t, s, e, &mt);
    if (!b)
        return NULL;
    const Node *v = b->value;
    Val made = fl_model_value(c, t, s, e);
    if (made.tag == VAL_FACTORY && made.kind != FAC_SESSIONMAKER)
        return model_unpooled(v) ? &no_pool : b; /* an engine or a pool: itself */
    if (v && v->kind == NODE_Call && depth < POOL_MAX_DEPTH) {
        const Node *bind = bind_arg(v);
        const Binding *engine =
            bind && bind->kind != NODE_Constant ? pool_of(c, mt, scope_module(mt), bind, depth + 1)
                                                : NULL;
        if (engine)
            return engine;
    }
    return b;
}

/* The pool an acquisition (a Call) or a maker name draws from, or NULL. */
static const Binding *pool_of(Ctx *c, const ScopeTable *t, const Scope *s, const Node *e,
                              int depth)
{
    static const char *const checkouts[] = {"connect", "begin", "acquire", "getconn",
                                            "raw_connection", NULL};
    if (depth >= POOL_MAX_DEPTH)
        return NULL;
    if (e->kind == NODE_Await)
        e = e->v.Await.value;
    if (e->kind == NODE_Name || e->kind == NODE_Attribute)
        return pool_of_name(c, t, s, e, depth);
    if (e->kind != NODE_Call)
        return NULL;
    const Node *f = e->v.Call.func;
    if (f->kind == NODE_Attribute && fl_in_list(f->v.Attribute.attr, checkouts))
        return pool_of(c, t, s, f->v.Attribute.value, depth + 1); /* engine.connect() */
    const Binding *b = pool_of_name(c, t, s, f, depth + 1);      /* SessionLocal() */
    if (b)
        return b;
    const Node *bind = bind_arg(e); /* Session(engine), AsyncSession(bind=engine) */
    return bind && bind->kind != NODE_Constant ? pool_of(c, t, s, bind, depth + 1) : NULL;
}

/* Site r's pool, or NULL. */
static const void *site_pool(Ctx *c, int r)
{
    Site *st = &c->site[r];
    if (!st->pool_known) {
        st->pool_known = 1;
        if (st->owner)
            st->pool = st->owner->yields_pool;
        else if (st->node && st->node->kind == NODE_withitem)
            st->pool = pool_of(c, c->env->scopes, c->scope, st->node->v.withitem.context_expr, 0);
        else if (st->node)
            st->pool = pool_of(c, c->env->scopes, c->scope, st->node, 0);
        if (st->pool == &no_pool)
            st->pool = NULL;
    }
    return st->pool;
}

/*
 * The pool of what a caller hands parameter index of func (a def) at call
 * (a call in caller, a def of the module of table t): the acquisition its
 * argument name was bound to there (`with SessionLocal() as db:
 * helper(db)`), or NULL.
 */
const void *fo_pool_of_arg(Ctx *c, const ScopeTable *t, const Node *caller, const Node *call,
                           const Node *func, int index)
{
    const Node *p = ast_param(func, index), *arg = NULL;
    for (int i = 0; p && i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, p->v.arg.arg))
            arg = k->v.keyword.value;
    }
    const Node *first = ast_param(func, 0);
    int shift = call->v.Call.func->kind == NODE_Attribute && first &&
                (!strcmp(first->v.arg.arg, "self") || !strcmp(first->v.arg.arg, "cls"));
    if (!arg && index - shift >= 0 && index - shift < call->v.Call.args.n)
        arg = call->v.Call.args.items[index - shift];
    const Scope *s = t && caller ? scope_of(t, caller) : NULL;
    if (!arg || arg->kind != NODE_Name || !s)
        return NULL;
    const Binding *b = scope_lookup(t, s, arg->v.Name.id, NULL);
    const Node *made = !b || b->kind != BIND_LOCAL ? NULL
                       : b->value                  ? b->value
                       : b->def && b->def->kind == NODE_withitem
                           ? b->def->v.withitem.context_expr : NULL;
    const Binding *pool = made ? pool_of(c, t, s, made, 0) : NULL;
    return pool == &no_pool ? NULL : pool;
}

void fo_set_pool(Ctx *c, int r, const void *pool)
{
    if (r >= 0 && pool) {
        c->site[r].pool = pool;
        c->site[r].pool_known = 1;
    }
}

const void *fo_pool(Ctx *c, int r)
{
    return r >= 0 ? site_pool(c, r) : NULL;
}

/* Is site r one this function takes from a pool for itself (not a
 * parameter's, not a borrowed one)? */
static int own(const Ctx *c, int r)
{
    for (int i = 0; i < c->nparams; i++)
        if (c->param_site[i] == r)
            return 0;
    return c->site[r].owner == NULL && !c->site[r].param_only;
}

/* The other site holding a connection of pool on path p, or -1. */
static int holder(Ctx *c, const Path *p, const void *pool, int except)
{
    for (int r = 0; pool && r < c->nsites; r++)
        if (r != except && (p->holding >> r & 1) &&
            (p->res[r] == RS_OPEN || p->res[r] == RS_BORROWED || p->res[r] == RS_REOPENED) &&
            site_pool(c, r) == pool)
            return r;
    return -1;
}

static void report_second(Ctx *c, const Path *p, int held, const Node *at, const char *note)
{
    if (c->env->summary)
        return;
    if (c->env->fastapi &&
        (fastapi_role(c->env->fastapi->model, c->g->func) & FASTAPI_BOOT))
        return; /* start-up code runs once, alone: nothing else waits on the pool */
    const Ev *e = p->ev[held];
    if (c->held_at[held])
        e = fl_ev_push(c, e, c->held_at[held], "a connection of the pool is checked out here");
    e = fl_ev_push(c, e, at, note);
    fl_report(c, FLOW_NESTED_CHECKOUT, held, at, e);
}

void fo_checkout(Ctx *c, Path *p, int r, const Node *at)
{
    static const int kinds[] = {RES_SESSION, RES_CONNECTION, RES_POOLED, RES_APOOLED};
    int pooled = 0;
    for (int i = 0; i < 4; i++)
        pooled |= c->site[r].val.kind == kinds[i];
    if (!pooled || (p->holding >> r & 1))
        return;
    const void *pool = site_pool(c, r);
    int other = holder(c, p, pool, r);
    if (other >= 0)
        report_second(c, p, other, at, "a second connection of the same pool is taken here");
    p->holding |= 1u << r;
    c->held_at[r] = at;
    if (c->env->summary && pool && own(c, r) && !c->env->summary->needs_pool)
        c->env->summary->needs_pool = pool;
}

void fo_checkin(Path *p, int r)
{
    p->holding &= ~(1u << r);
}

void fo_callee(Ctx *c, Path *p, const Node *call, const FlowSummary *sum)
{
    if (!sum->needs_pool)
        return;
    int other = holder(c, p, sum->needs_pool, -1);
    if (other >= 0)
        report_second(c, p, other, call,
                      "this call takes a second connection of the same pool for itself");
    if (c->env->summary && !c->env->summary->needs_pool)
        c->env->summary->needs_pool = sum->needs_pool;
}
