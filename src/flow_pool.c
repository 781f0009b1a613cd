/*
 * flow_pool.c - a second connection taken from a pool while the same path
 * already holds one of it (SL206), and a wait while it holds one (SL207).
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
 * the project's scope tables: the same in every module and thread.  An
 * attribute of an object of a project class (`self._factory`,
 * `db_registry._factory`) is what the class's methods assign it: a maker of
 * a module's engine names that engine's pool; an engine, pool or maker the
 * object makes itself (a registry's lazy initialize()) is named by the
 * class's binding, one pool per registry class.  A pool handed in as a
 * parameter is named by that parameter, one kept in the application's
 * state by its key, and a local copied from either by what it copies
 * (passed_pool); a summary says which parameters' pools a function takes
 * a connection of, mapped at each call to the caller's name for the
 * argument.  What does not resolve has no pool and is never compared.
 * Flask-SQLAlchemy's db.session is the thread's one session, held from
 * its first query (fo_thread_session), for SL207.
 *
 * Paths carry which sites hold a connection now (Path.holding); summaries
 * say which pool a function takes a connection of for itself while it runs
 * (needs_pool) and which pool the session it yields or returns comes from
 * (yields_pool: a FastAPI dependency's session, compared with what the
 * endpoint's helpers take).
 *
 * SL207: the same holding at a wait (a sleep, HTTP requests per item of a
 * loop, other work awaited: a task, an event, a queue), here or in a helper
 * whose summary says it waits (waits).  What waits is the model's
 * (model_waits, and the objects whose methods wait: an HTTP client, an
 * asyncio Task, Event or Queue, however they are reached).
 */
#include <stdlib.h>
#include <string.h>

#include "flow_impl.h"
#include "value.h"

#define POOL_MAX_DEPTH 8 /* names followed from a maker to its engine */

static const Binding no_pool; /* an engine without a pool: nothing to wait for */

typedef struct UnpooledScan {
    int found, depth;
} UnpooledScan;

static int returns_unpooled(const Node *n, int depth);

static void unpooled_kid(Node *parent, Node *n, void *arg)
{
    UnpooledScan *w = arg;
    (void)parent;
    if (!w->found && returns_unpooled(n, w->depth))
        w->found = 1;
}

static const void *pool_of(Ctx *c, const ScopeTable *t, const Scope *s, const Node *e, int depth);

/* Is b a module-level def whose result is cached for the process
 * (`@lru_cache def get_engine(): return create_engine(...)`)?  Its engine
 * is one pool, named by the def. */
static int cached_factory(const ScopeTable *t, const Binding *b)
{
    return b->kind == BIND_DEF && b->def &&
           (b->def->kind == NODE_FunctionDef || b->def->kind == NODE_AsyncFunctionDef) &&
           scope_decorated_by(t, b->def, model_caches);
}

/* A module-level binding of the project that name e (a Name, or an
 * attribute of an imported module: `db.engine`) refers to (or a cached factory
 * def), and its module's table in *mt; NULL for anything else (a local,
 * self.engine). */
static const Binding *module_binding(Ctx *c, const ScopeTable *t, const Scope *s, const Node *e,
                                     const ScopeTable **mt)
{
    *mt = t;
    if (e->kind == NODE_Name) {
        const Scope *where = NULL;
        const Binding *b = scope_lookup(t, s, e->v.Name.id, &where);
        if (!b)
            return NULL;
        if ((b->kind == BIND_LOCAL || cached_factory(t, b)) && where == scope_module(t))
            return b;
        if (b->kind != BIND_IMPORT || !b->qualname)
            return NULL;
    } else if (e->kind != NODE_Attribute || e->v.Attribute.value->kind != NODE_Name) {
        return NULL;
    }
    const char *q = fl_qualname(c, t, s, e);
    FlowDef d;
    if (!q || !c->env->resolve || !c->env->resolve(c->env->resolve_arg, q, &d) || !d.binding ||
        (d.binding->kind != BIND_LOCAL && !cached_factory(d.scopes, d.binding)))
        return NULL;
    *mt = d.scopes;
    return d.binding;
}

/* Does def return an engine made without a pool (NullPool) on some path? */
static int returns_unpooled(const Node *n, int depth)
{
    if (!n || depth > POOL_MAX_DEPTH * 8 || n->kind == NODE_FunctionDef ||
        n->kind == NODE_AsyncFunctionDef || n->kind == NODE_Lambda || n->kind == NODE_ClassDef)
        return 0;
    if (n->kind == NODE_Return)
        return n->v.Return.value && n->v.Return.value->kind == NODE_Call &&
               model_unpooled(n->v.Return.value);
    UnpooledScan w = {0, depth + 1};
    ast_children((Node *)n, unpooled_kid, &w);
    return w.found;
}

/* The bind of a maker or session call: bind=..., else its first argument. */
static const Node *bind_arg(const Node *call)
{
    const Node *bind = ast_keyword(call, "bind");
    return bind ? bind : call->v.Call.args.n > 0 ? call->v.Call.args.items[0] : NULL;
}

/* The calls a function body assigns to a name (`cb = self._dispatch(...)`)
 * or, with attr, to `<name>.<attr>` (`self._factory = sessionmaker(...)`),
 * in source order, nested defs aside; unawait: `x = await f()` counts as
 * its call too.  At most max of them, in calls. */
typedef struct Assigned {
    const char *name, *attr;
    int unawait, max, n, depth;
    const Node *calls[4];
} Assigned;

static void assigned_kid(Node *parent, Node *n, void *arg)
{
    Assigned *w = arg;
    (void)parent;
    const Node *t, *v;
    if (w->n == w->max || w->depth > EVAL_MAX_DEPTH || ast_is_def(n))
        return;
    if (ast_single_assign(n, &t, &v)) {
        const Node *to = w->attr && t->kind == NODE_Attribute && !strcmp(t->v.Attribute.attr, w->attr)
                             ? t->v.Attribute.value : w->attr ? NULL : t;
        v = w->unawait ? ast_unawait(v) : v;
        if (to && to->kind == NODE_Name && !strcmp(to->v.Name.id, w->name) && v->kind == NODE_Call) {
            w->calls[w->n++] = v;
            return;
        }
    }
    w->depth++;
    ast_children(n, assigned_kid, w);
    w->depth--;
}

static void assigned_calls(const Node *def, Assigned *w)
{
    for (int i = 0; i < def->v.FunctionDef.body.n && w->n < w->max; i++)
        assigned_kid(NULL, def->v.FunctionDef.body.items[i], w);
}

/*
 * e is `self.<attr>` read in a method (scope s), or `<obj>.<attr>` of an
 * object the value model knows the project class of (`db_registry._factory`
 * of a module-level `db_registry = Registry()`): the call the class's
 * methods assign it (the first, in class order: `self._factory =
 * async_sessionmaker(self._engine)` in __init__ or a lazy initialize()),
 * that method's scope into *ms and its module's table into *mt; NULL
 * otherwise.  A registry object's factory, kept on self, then names its
 * engine's pool like a module-level one.
 */
static const Node *self_assigned(Ctx *c, const ScopeTable *t, const Scope *s, const Node *e,
                                 const ScopeTable **mt, const Scope **ms, const Node **of)
{
    if (e->kind != NODE_Attribute || e->v.Attribute.value->kind != NODE_Name || !s)
        return NULL;
    const Node *cls = NULL, *p0 = NULL;
    if (s->parent && s->parent->kind == SCOPE_CLASS && ast_is_function(s->node) &&
        (p0 = ast_param(s->node, 0)) &&
        !strcmp(p0->v.arg.arg, e->v.Attribute.value->v.Name.id)) {
        cls = s->parent->node;
        *mt = t;
    } else {
        Val obj = fl_model_value(c, t, s, e->v.Attribute.value);
        cls = obj.tag == VAL_OBJECT && obj.node && obj.node->kind == NODE_ClassDef ? obj.node
                                                                                  : NULL;
        if (!cls || !(*mt = value_table_of(c->env->values, cls)))
            return NULL;
    }
    const NodeList *body = &cls->v.ClassDef.body;
    for (int i = 0; i < body->n; i++) {
        const Node *m = body->items[i];
        const Node *self = ast_is_function(m) ? ast_param(m, 0) : NULL;
        if (!self)
            continue;
        Assigned w = {self->v.arg.arg, e->v.Attribute.attr, 1, 1, 0, 0, {NULL}};
        assigned_calls(m, &w);
        if (w.n && (*ms = scope_of(*mt, m))) {
            *of = cls;
            return w.calls[0];
        }
    }
    return NULL;
}

/* Remembers that pool is the application state's (fo_checkout files it
 * apart from the module-level bindings forks.c reads in needs_pool). */
static const void *state_pool(Ctx *c, const FastApiStateValue *sv)
{
    for (int i = 0; i < c->nstate_pools; i++)
        if (c->state_pools[i] == sv)
            return sv;
    if (c->nstate_pools == FLOW_STATE_POOLS)
        return NULL; /* more keys than one function uses: not compared */
    c->state_pools[c->nstate_pools++] = sv;
    return sv;
}

static int is_state_pool(const Ctx *c, const void *pool)
{
    for (int i = 0; i < c->nstate_pools; i++)
        if (c->state_pools[i] == pool)
            return 1;
    return 0;
}

/*
 * A pool no module-level binding makes, named where the function gets it:
 * a parameter of its own never rebound (its Binding: two acquisitions from
 * it are from one pool; two parameters are not known to be one, an engine
 * and its replica), the application's state (`app.state.pool`,
 * `request.app.state.pool`, `request.state.pool` of a lifespan's yielded
 * dict: the FastApiStateValue its startup code keeps, one process-wide pool
 * per key; two keys are not known to be one), or a local copied from
 * either (`pool = request.app.state.pool`; not a local bound to a call).
 * Which pool a caller hands the parameter is the caller's to say
 * (FlowSummary.needs_param_pool, mapped at the call in fo_callee).  State
 * kept by other frameworks (aiohttp's `app["pool"]`) is not named.
 */
static const void *passed_pool(Ctx *c, const ScopeTable *t, const Scope *s, const Node *e,
                               int depth)
{
    if (e->kind == NODE_Name) {
        const Scope *where = NULL;
        const Binding *b = scope_lookup(t, s, e->v.Name.id, &where);
        if (!b || !where || where->kind != SCOPE_FUNCTION)
            return NULL;
        if (b->kind == BIND_PARAM)
            return b->nbind == 1 ? b : NULL;
        const Node *v = b->kind == BIND_LOCAL ? b->value : NULL;
        return v && (v->kind == NODE_Name || v->kind == NODE_Attribute)
                   ? pool_of(c, t, where, v, depth + 1) : NULL;
    }
    const char *attr = fastapi_state_attr(e);
    const FastApiStateValue *sv =
        attr && c->env->fastapi ? fastapi_state_value(c->env->fastapi->model, attr) : NULL;
    if (!sv)
        return NULL;
    const Node *made = ast_unawait(sv->value);
    if (made->kind == NODE_Name) { /* app.state.pool = pool, a local of the lifespan */
        const Binding *b = scope_lookup(sv->scopes, sv->scope, made->v.Name.id, NULL);
        made = b && b->kind == BIND_LOCAL && b->value ? ast_unawait(b->value) : made;
    }
    if (made->kind == NODE_Call && model_unpooled(made))
        return &no_pool;
    /* a module's engine kept as state (or a maker of it) is that engine's pool */
    const void *named = pool_of(c, sv->scopes, sv->scope, sv->value, depth + 1);
    return named ? named : state_pool(c, sv);
}

/* The pool behind a maker or engine name: what its binding's call is bound
 * to, when that is itself a pool of the project, else the binding; NULL for
 * an engine without a pool.  An attribute of self is what the class
 * assigns it: a maker's engine, or an engine or pool made there (named by
 * that call). */
static const void *pool_of_name(Ctx *c, const ScopeTable *t, const Scope *s, const Node *e,
                                int depth)
{
    const ScopeTable *mt;
    const Binding *b = module_binding(c, t, s, e, &mt);
    const Scope *ms = NULL;
    const Node *cls = NULL;
    const Node *made_by =
        !b && depth < POOL_MAX_DEPTH ? self_assigned(c, t, s, e, &mt, &ms, &cls) : NULL;
    if (made_by) {
        const void *pool = pool_of(c, mt, ms, made_by, depth + 1);
        if (pool)
            return pool;
        /* an engine, pool or maker of its own (`create_async_engine(url)` in a lazy
           initialize()): the class names it, one per registry class */
        Val made = fl_model_value(c, mt, ms, made_by);
        const Node *bind = made.kind == FAC_SESSIONMAKER ? bind_arg(made_by) : NULL;
        if (made.tag != VAL_FACTORY ||
            (made.kind != FAC_ENGINE && made.kind != FAC_SESSIONMAKER &&
             made.kind != FAC_PG2POOL && made.kind != FAC_PGPOOL && made.kind != FAC_APGPOOL))
            return NULL;
        if (model_unpooled(made_by) || (bind && bind->kind == NODE_Call && model_unpooled(bind)))
            return &no_pool;
        const Binding *named = scope_lookup(mt, scope_module(mt), cls->v.ClassDef.name, NULL);
        return named && named->kind == BIND_CLASS && named->def == cls ? named : NULL;
    }
    if (!b)
        return made_by || depth >= POOL_MAX_DEPTH ? NULL : passed_pool(c, t, s, e, depth);
    if (b->kind == BIND_DEF) { /* a cached factory: its engine, unless made without a pool */
        const NodeList *body = &b->def->v.FunctionDef.body;
        for (int i = 0; i < body->n; i++)
            if (returns_unpooled(body->items[i], 0))
                return &no_pool;
        return b;
    }
    const Node *v = b->value;
    Val made = fl_model_value(c, t, s, e);
    if (made.tag == VAL_FACTORY && made.kind != FAC_SESSIONMAKER)
        return model_unpooled(v) ? &no_pool : b; /* an engine or a pool: itself */
    if (v && v->kind == NODE_Call && depth < POOL_MAX_DEPTH) {
        const Node *bind = bind_arg(v);
        const void *engine =
            bind && bind->kind != NODE_Constant ? pool_of(c, mt, scope_module(mt), bind, depth + 1)
                                                : NULL;
        if (engine)
            return engine;
    }
    return b;
}

/* The pool an acquisition (a Call) or a maker name draws from, or NULL. */
static const void *pool_of(Ctx *c, const ScopeTable *t, const Scope *s, const Node *e, int depth)
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
    if (f->kind == NODE_Attribute && ast_name_in(f->v.Attribute.attr, checkouts))
        return pool_of(c, t, s, f->v.Attribute.value, depth + 1); /* engine.connect() */
    const void *b = pool_of_name(c, t, s, f, depth + 1);         /* SessionLocal() */
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
    const void *pool = made ? pool_of(c, t, s, made, 0) : NULL;
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
    /* lent by a context manager of the project the function enters itself
       (`async with get_session_ctx() as s`): a connection it takes for its run,
       unless the manager may lend one it did not make (an ambient session) */
    return (c->site[r].owner == NULL ||
            (c->site[r].with && !c->site[r].owner->yields_other)) &&
           !c->site[r].param_only;
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

/* The positional parameter of the analyzed function whose Binding pool is
 * (passed_pool), or -1. */
static int param_pool_index(const Ctx *c, const void *pool)
{
    const Node *p, *func = c->g->func;
    for (int i = 0; ast_is_function(func) && i < 32 && (p = ast_param(func, i)); i++)
        if (scope_lookup(c->env->scopes, c->scope, p->v.arg.arg, NULL) == pool)
            return i;
    return -1;
}

/* Summary mode: its run takes a connection of pool for itself, as callers
 * see it: the pool of what they hand parameter i, an application state
 * key's, or a module-level binding's (forks.c reads needs_pool as one; an
 * enclosing function's parameter means nothing to callers). */
static void needs(Ctx *c, const void *pool)
{
    FlowSummary *sum = c->env->summary;
    int i = param_pool_index(c, pool);
    if (i >= 0)
        sum->needs_param_pool |= 1u << i;
    else if (is_state_pool(c, pool))
        sum->needs_state_pool = sum->needs_state_pool ? sum->needs_state_pool : pool;
    else if (!sum->needs_pool && ((const Binding *)pool)->kind != BIND_PARAM)
        sum->needs_pool = pool;
}

/* What took site r's connection, when a dependency did (the endpoint's
 * session starts held: flow_params.c), else dflt. */
static const char *held_note(const Ctx *c, int r, const char *dflt)
{
    return c->held_at[r] && c->held_at[r] == c->checkout[r] && c->checkout_note[r]
               ? c->checkout_note[r] : dflt;
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
        e = fl_ev_push(c, e, c->held_at[held], held_note(c, held, "a connection of the pool is checked out here"));
    e = fl_ev_push(c, e, at, note);
    fl_report(c, FLOW_NESTED_CHECKOUT, held, at, e);
}

/* Does cls (a ClassDef of the project) derive from a Flask-SQLAlchemy
 * `db.Model`, through the project's own base classes? */
static int flask_model(Ctx *c, const Node *cls, int depth)
{
    const ScopeTable *t = cls && depth < POOL_MAX_DEPTH ? value_table_of(c->env->values, cls) : NULL;
    const Scope *cs = t ? scope_of(t, cls) : NULL;
    for (int i = 0; cs && i < cls->v.ClassDef.bases.n; i++) {
        Val b = fl_model_value(c, t, cs->parent ? cs->parent : cs, cls->v.ClassDef.bases.items[i]);
        if ((b.tag == VAL_QUAL && b.qual && !strcmp(b.qual, MODEL_FLASK_MODEL)) ||
            (b.tag == VAL_CLASS && flask_model(c, b.node, depth + 1)))
            return 1;
    }
    return 0;
}

/*
 * Flask-SQLAlchemy's `db.session` (the SQLAlchemy() extension's
 * scoped_session, model.c: SCOPED_FLASK), or `Model.query` of a model
 * class of a `db.Model`, whose methods run on that session: the thread's
 * (the app context's, from 3.0) one session, which checks out a connection
 * at its first query and keeps it until a commit, rollback, close or
 * remove.  One site per function (an application has one extension),
 * borrowed with its owner unknown (param_only: never
 * this code's to release, and used again after a close as the registry
 * allows), so that SL207 sees it held at a wait.  Check mode only: the
 * holding is not carried across calls (a helper that queries, then the
 * caller that waits: a limit), and its pool is not named (SL206 does not
 * compare it).  A plain scoped_session registry used the same way is not
 * followed here (a limit).
 */
int fo_thread_session(Ctx *c, Path *p, const Node *e, Val v, int *query)
{
    *query = 0;
    if (c->g->func->kind == NODE_Module)
        return -1;
    if (!(v.tag == VAL_FACTORY && v.kind == FAC_SCOPED && v.sub == SCOPED_FLASK)) {
        if (e->kind != NODE_Attribute || strcmp(e->v.Attribute.attr, "query"))
            return -1; /* most receivers: no model's query */
        Val cls = fl_model_value(c, c->env->scopes, c->scope, e->v.Attribute.value);
        if (cls.tag != VAL_CLASS || !cls.node || cls.node->kind != NODE_ClassDef ||
            !flask_model(c, cls.node, 0))
            return -1;
        *query = 1;
    }
    if (c->env->summary) {
        c->check_differs = 1; /* check mode follows it: FlowSummary.acquires */
        return -1;
    }
    Val s = {VAL_RESOURCE, RES_SESSION, 0, NULL, 0, 0, NULL, 0, 0};
    int r = 0;
    while (r < c->nsites && !c->site[r].thread_session)
        r++;
    if (r == c->nsites && (r = fl_site_for(c, e, s, -1)) < 0)
        return -1;
    Site *st = &c->site[r];
    if (e->lineno < st->node->lineno ||
        (e->lineno == st->node->lineno && e->col_offset < st->node->col_offset))
        st->node = e; /* the first use in the source stands for it (paths come in any order) */
    st->param_only = st->thread_session = 1;
    st->pool_known = 1; /* no pool named */
    if (!st->name)
        st->name = "db.session";
    if (p->res[r] == RS_NONE) {
        p->res[r] = RS_BORROWED;
        p->ev[r] = fl_ev_push(c, NULL, e, "the thread's Flask-SQLAlchemy session is used here");
    }
    return r;
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
    if (c->env->summary && pool && own(c, r))
        needs(c, pool);
}

void fo_checkin(Path *p, int r)
{
    p->holding &= ~(1u << r);
}

/* --- SL207: a pooled connection held while the code waits ---------------- */

/* Where n is in func: OWN_BODY when in its own body, not in a def nested
 * in it (whose body runs later: a streamed generator, a task); with
 * OWN_LOOP inside a loop there (a for, a while, a comprehension: once per
 * item), and OWN_COND under a condition (a branch of an if, a conditional
 * expression, a match case, a short-circuit operand): it may not run;
 * OWN_RETRY instead of OWN_LOOP when the loop retries an attempt (a try
 * whose body leaves the loop on success). */
/* A blocking read is other work (WAIT_WORK: it waits for another process to
 * write), told apart only in the message; never kept in a summary. */
enum { WAIT_READ = 0x100 };
/* So are a child process run to its end (WAIT_PROC) and work handed to
 * another thread or process and awaited (WAIT_OFFLOAD). */
enum { WAIT_PROC = 0x200, WAIT_OFFLOAD = 0x400 };
#define WAIT_TOLD (WAIT_READ | WAIT_PROC | WAIT_OFFLOAD) /* the message's kinds only */

enum { OWN_BODY = 1, OWN_LOOP = 2, OWN_COND = 4, OWN_RETRY = 8 /* in a retry loop */,
       OWN_ITEM_COND = 16 /* under a condition on the loop's item: for some items only */ };

#define SHORT_PAUSE 5.0 /* seconds: a single sleep shorter than this, outside a loop, is a pause */

/* The seconds a duration expression names when it is a number: a literal,
 * or a name bound once to one (`RETRY_INTERVAL = 0.5` at module level);
 * -1 when it is not known (computed: a timer, a backoff). */
double fo_seconds(Ctx *c, const Node *d)
{
    for (int depth = 0; d && depth < 4; depth++) {
        if (d->kind == NODE_Constant)
            return d->v.Constant.value.kind == CONST_INT || d->v.Constant.value.kind == CONST_FLOAT
                       ? strtod(d->v.Constant.value.s, NULL) : -1;
        if (d->kind != NODE_Name)
            return -1;
        const Binding *b = scope_lookup(c->env->scopes, c->scope, d->v.Name.id, NULL);
        if (!b || b->kind != BIND_LOCAL || b->nbind != 1 || !b->value)
            return -1;
        d = b->value;
    }
    return -1;
}

/* Does a wait of secs seconds (-1: computed, or without end) last, where
 * in_own_body says?  Not a known duration under a second (a yield to the
 * event loop, a short poll), nor, outside a loop, one under SHORT_PAUSE,
 * nor a retry's backoff: what lasts is a poll loop, a computed wait (a
 * timer, a backoff, a timeout), a long pause, or a wait without end. */
static int lasts(double secs, int where)
{
    if (where & OWN_RETRY)
        return 0; /* the backoff between attempts: after a failed one (SL402's concern) */
    return !(secs >= 0 && (secs < 1.0 || (!(where & OWN_LOOP) && secs < SHORT_PAUSE)));
}

/* Does the sleep at call last? */
static int sleep_lasts(Ctx *c, const Node *call, int where)
{
    const Node *d = call->v.Call.args.n ? call->v.Call.args.items[0] : ast_keyword(call, "delay");
    if (!d)
        d = ast_keyword(call, "seconds");
    return lasts(d ? fo_seconds(c, d) : 0, where);
}

typedef struct OwnBody {
    const Node *n;
    int found, depth, loops, conds, item_conds;
    const Node *loop;  /* the innermost loop around n */
    const Node *inner; /* while walking: the innermost loop around the node */
} OwnBody;

static int is_loop(const Node *n)
{
    return n->kind == NODE_For || n->kind == NODE_AsyncFor || n->kind == NODE_While ||
           n->kind == NODE_ListComp || n->kind == NODE_SetComp || n->kind == NODE_DictComp ||
           n->kind == NODE_GeneratorExp;
}

typedef struct LeaveScan {
    int found, depth;
} LeaveScan;

static int leaves(const Node *n, int depth);

static void leaves_kid(Node *parent, Node *n, void *arg)
{
    LeaveScan *w = arg;
    (void)parent;
    if (!w->found && leaves(n, w->depth))
        w->found = 1;
}

/* Does child n of parent run only on some condition? */
static int is_cond(const Node *parent, const Node *n)
{
    if (!parent)
        return 0;
    switch (parent->kind) {
    case NODE_If:
        return n != parent->v.If.test;
    case NODE_IfExp:
        return n != parent->v.IfExp.test;
    case NODE_Match:
        return n != parent->v.Match.subject;
    case NODE_BoolOp:
        return parent->v.BoolOp.values.n > 0 && n != parent->v.BoolOp.values.items[0];
    default:
        return 0;
    }
}

/* Does e (depth d) read a name the for loop's target binds (its item)? */
static int reads_item(const Node *e, const Node *target, int d)
{
    if (!e || d > 8)
        return 0;
    if (target->kind == NODE_Tuple || target->kind == NODE_List) {
        for (int i = 0; i < target->v.Tuple.elts.n; i++)
            if (reads_item(e, target->v.Tuple.elts.items[i], d))
                return 1;
        return 0;
    }
    if (target->kind != NODE_Name)
        return 0;
    switch (e->kind) {
    case NODE_Name: return !strcmp(e->v.Name.id, target->v.Name.id);
    case NODE_Attribute: return reads_item(e->v.Attribute.value, target, d + 1);
    case NODE_Subscript: return reads_item(e->v.Subscript.value, target, d + 1);
    case NODE_Call: return reads_item(e->v.Call.func, target, d + 1) ||
                           (e->v.Call.args.n && reads_item(e->v.Call.args.items[0], target, d + 1));
    case NODE_UnaryOp: return reads_item(e->v.UnaryOp.operand, target, d + 1);
    case NODE_Compare: return reads_item(e->v.Compare.left, target, d + 1);
    case NODE_BinOp: return reads_item(e->v.BinOp.left, target, d + 1) ||
                            reads_item(e->v.BinOp.right, target, d + 1);
    case NODE_BoolOp:
        for (int i = 0; i < e->v.BoolOp.values.n; i++)
            if (reads_item(e->v.BoolOp.values.items[i], target, d + 1))
                return 1;
        return 0;
    default: return 0;
    }
}

/* Is child n of parent, inside for loop, run only for some items: an if
 * whose test reads the loop's item (`if account.expired:`)? */
static int item_cond(const Node *loop, const Node *parent, const Node *n)
{
    if (!loop || (loop->kind != NODE_For && loop->kind != NODE_AsyncFor) || !parent ||
        parent->kind != NODE_If || n == parent->v.If.test)
        return 0;
    return reads_item(parent->v.If.test, loop->v.For.target, 0);
}

static void own_body_kid(Node *parent, Node *n, void *arg)
{
    OwnBody *w = arg;
    if (w->found || w->depth > EVAL_MAX_DEPTH || n->kind == NODE_FunctionDef ||
        n->kind == NODE_AsyncFunctionDef || n->kind == NODE_Lambda || n->kind == NODE_ClassDef)
        return;
    int loop = is_loop(n), cond = is_cond(parent, n), per_item = cond && item_cond(w->inner, parent, n);
    w->conds += cond;
    w->item_conds += per_item;
    if (n == w->n) {
        w->found = OWN_BODY | (w->loops ? OWN_LOOP : 0) | (w->conds ? OWN_COND : 0) |
                   (w->item_conds ? OWN_ITEM_COND : 0);
        w->loop = w->inner;
    } else {
        const Node *outer = w->inner;
        w->depth++;
        w->loops += loop;
        if (loop)
            w->inner = n;
        ast_children(n, own_body_kid, w);
        w->inner = outer;
        w->loops -= loop;
        w->depth--;
    }
    w->conds -= cond;
    w->item_conds -= per_item;
}

/* Does the subtree n hold a return or a break (not in a nested def or loop)? */
static int leaves(const Node *n, int depth)
{
    if (depth > EVAL_MAX_DEPTH || n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef ||
        n->kind == NODE_Lambda || n->kind == NODE_ClassDef || (depth && is_loop(n)))
        return 0;
    if (n->kind == NODE_Return || n->kind == NODE_Break)
        return 1;
    LeaveScan w = {0, depth + 1};
    ast_children((Node *)n, leaves_kid, &w);
    return w.found;
}

/* Is loop a retry loop: a try in its body whose body leaves the loop when
 * the attempt succeeds (`try: return f() except ...: ...`)?  A sleep in it
 * is the backoff between attempts, which runs only after one failed. */
static int retry_loop(const Node *loop)
{
    const NodeList *body = loop->kind == NODE_While ? &loop->v.While.body
                           : loop->kind == NODE_For ? &loop->v.For.body
                           : loop->kind == NODE_AsyncFor ? &loop->v.AsyncFor.body : NULL;
    for (int i = 0; body && i < body->n; i++) {
        const Node *st = body->items[i];
        if (st->kind != NODE_Try && st->kind != NODE_TryStar)
            continue;
        const NodeList *tb = st->kind == NODE_Try ? &st->v.Try.body : &st->v.TryStar.body;
        for (int j = 0; j < tb->n; j++)
            if (leaves(tb->items[j], 1))
                return 1;
    }
    return 0;
}

static int in_own_body(const Node *func, const Node *n)
{
    OwnBody w = {n, 0, 0, 0, 0, 0, NULL, NULL};
    if (func->kind == NODE_Module || func->kind == NODE_Lambda)
        return 0;
    for (int i = 0; i < func->v.FunctionDef.body.n && !w.found; i++)
        own_body_kid(NULL, func->v.FunctionDef.body.items[i], &w);
    if (w.found && w.loop && retry_loop(w.loop))
        w.found = (w.found & ~OWN_LOOP) | OWN_RETRY; /* attempts, not items */
    return w.found;
}

/* How a callee's wait meets the caller's sessions: the callee, its
 * summary, and whether the call fills its first parameter itself. */
typedef struct Via {
    const FlowSummary *sum;
    const Node *def;
    int shift;
} Via;

/* May site h still hold its connection when the wait comes: not ended on
 * this path (txn_ended), and, when the wait is a callee's that h is handed
 * to as parameter i, not ended by the callee before it waits (waits_open)? */
static int open_at_wait(Ctx *c, const Path *p, int h, const Node *call, const Via *via)
{
    if (p->txn_ended >> h & 1)
        return 0;
    if (!via)
        return 1;
    for (int j = 0; j < call->v.Call.args.n + call->v.Call.keywords.n; j++) {
        int i = ast_arg_param(via->def, via->shift, call, j);
        if (fl_held_by(c, (Path *)p, ast_call_arg(call, j)) == h && i >= 0 && i < 32)
            return via->sum->waits_open >> i & 1;
    }
    return 1; /* not handed to the callee (or as a parameter its summary does not
                 follow: keyword-only): it stays as it is */
}

/*
 * A wait at call (where: in_own_body's): kind's WAIT_* bits, a library
 * call's or a callee's summary's (via).  A sleep that lasts is reported;
 * HTTP requests when the wait is inside a loop of this function (a request
 * per item, or a helper that makes requests called per item: the hold
 * grows with the input, and the loop is there to read); a single request
 * is not (an endpoint that reads a row and then calls one API: the hold is
 * that call's).
 */
static void held_wait(Ctx *c, Path *p, const Node *call, int kind, int where, const Via *via)
{
    /* a helper's waits count when it waits whenever it runs (a retry helper
       that sleeps only after a failure, a token refreshed only when expired:
       may-waits) */
    /* ... and, in a loop, for every item: a helper called for some items only
       (`if account.expired: refresh(account)`) is a may-wait per item too */
    int requests = (kind & WAIT_HTTP) && (!via || (kind & WAIT_HTTP_SURE)) &&
                   !(via && (where & OWN_ITEM_COND) && !c->env->summary);
    int naps = (kind & WAIT_SLEEP) && (!via || (kind & WAIT_SLEEP_SURE));
    int work = (kind & WAIT_WORK) && (!via || (kind & WAIT_WORK_SURE));
    if (c->env->summary) {
        kind &= ~(WAIT_HTTP_SURE | WAIT_SLEEP_SURE | WAIT_WORK_SURE);
        if (!(where & OWN_COND)) /* and here too, not on some branch only */
            kind |= (requests ? WAIT_HTTP_SURE : 0) | (naps ? WAIT_SLEEP_SURE : 0) |
                    (work ? WAIT_WORK_SURE : 0);
        c->env->summary->waits |= (unsigned char)(kind & ~WAIT_TOLD);
        for (int k = 0; k < c->nparams && k < 32; k++) /* what the callers hand it */
            if (c->param_site[k] >= 0 && open_at_wait(c, p, c->param_site[k], call, via))
                c->env->summary->waits_open |= 1u << k;
        return;
    }
    if (!(naps || work || (requests && (where & OWN_LOOP))) ||
        (c->env->fastapi && (fastapi_role(c->env->fastapi->model, c->g->func) & FASTAPI_BOOT)))
        return; /* start-up code runs once, alone */
    for (int i = 0; i < c->nreports; i++)
        if (c->reports[i].r.problem == FLOW_HELD_WAIT && c->reports[i].r.at == call)
            return; /* one finding per wait, whichever held session a path shows */
    int held = -1;
    for (int r = 0; r < c->nsites && held < 0; r++)
        if ((p->holding >> r & 1) &&
            (p->res[r] == RS_OPEN || p->res[r] == RS_BORROWED || p->res[r] == RS_REOPENED) &&
            open_at_wait(c, p, r, call, via))
            held = r;
    if (held < 0)
        return;
    const Ev *e = p->ev[held];
    const Node *at = c->held_at[held];
    const char *note = held_note(c, held, NULL);
    if (at && (note || !(e && e->line == at->lineno && e->col == at->col_offset)))
        e = fl_ev_push(c, e, at, note ? note : "a connection of the pool is taken here");
    const char *what =
        naps ? (via ? "this call sleeps, with the connection held"
                    : "it sleeps here, with the connection held")
        : work ? (via ? "this call waits for other work (a task, an event, a queue, a blocking "
                        "read, a thread, a child process), with the connection held"
                  : kind & WAIT_READ ? "it waits here on a blocking read until another process "
                                       "writes, with the connection held"
                  : kind & WAIT_PROC ? "it waits here for a child process to finish, with the "
                                       "connection held"
                  : kind & WAIT_OFFLOAD ? "it waits here for work it handed to another thread "
                                          "or process, with the connection held"
                      : "it waits here for other work (a task, an event, a queue), with the "
                        "connection held")
               : (via ? "this call, made once per item of the loop, waits on HTTP requests, with "
                        "the connection held"
                      : "it waits on an HTTP request here, once per item, with the connection "
                        "held");
    e = fl_ev_push(c, e, call, what);
    fl_report(c, FLOW_HELD_WAIT, held, call, e);
}

/* Where a wait at call counts: in the function's own body (not a nested
 * def's, which waits when it runs) and not in an except clause (a backoff
 * after a failed statement: a retry, SL402's concern).  0, or in_own_body's
 * answer. */
static int wait_place(Ctx *c, const Path *p, const Node *call)
{
    return p->handling ? 0 : in_own_body(c->g->func, call);
}

/* A blocking read that lasts: one that waits without end, or for a bound
 * judged as a sleep's; in a loop, whatever its bound (a consumer polling
 * until something arrives: the loop is the wait), unless the loop retries. */
static int read_lasts(Ctx *c, const Node *call, int where)
{
    double secs = fq_read_wait(c, call);
    return secs != READ_NONE && lasts(where & OWN_LOOP ? READ_FOREVER : secs, where);
}

/* Does the child process call runs last: without a timeout, or with one
 * judged as a sleep's duration? */
static int process_lasts(Ctx *c, const Node *call, int where)
{
    const Node *t = ast_keyword(call, "timeout");
    return lasts(t && !(t->kind == NODE_Constant && t->v.Constant.value.kind == CONST_NONE)
                     ? fo_seconds(c, t) : -1, where);
}

void fo_library_call(Ctx *c, Path *p, const Node *call, const char *qual)
{
    ModelWait w = qual ? model_waits(qual) : MODEL_WAITS_NONE; /* most calls wait on nothing */
    int kind = w == MODEL_WAITS_SLEEP ? WAIT_SLEEP : w == MODEL_WAITS_HTTP ? WAIT_HTTP
               : w == MODEL_WAITS_READ ? WAIT_WORK | WAIT_READ
               : w == MODEL_WAITS_PROCESS ? WAIT_WORK | WAIT_PROC : 0;
    int where = kind ? wait_place(c, p, call) : 0; /* (other work: when awaited, fo_await) */
    if (where && (kind != WAIT_SLEEP || sleep_lasts(c, call, where)) &&
        (!(kind & WAIT_READ) || read_lasts(c, call, where)) &&
        (!(kind & WAIT_PROC) || process_lasts(c, call, where)))
        held_wait(c, p, call, kind, where, NULL);
}

void fo_method_call(Ctx *c, Path *p, const Node *call, Val recv)
{
    const Node *f = call->v.Call.func;
    if (!model_may_wait_method(f->v.Attribute.attr))
        return; /* by name first: most methods are no client's */
    if (recv.tag == VAL_UNKNOWN) /* a local the path does not follow: what it is bound to */
        recv = fl_value_at(c, c->env->scopes, c->scope, f->v.Attribute.value);
    Val m = model_library_attr(&recv, f->v.Attribute.attr);
    if (m.tag == VAL_QUAL)
        fo_library_call(c, p, call, m.qual);
}

/* The value of e for a wait: what this path holds, else what the model says
 * (a name bound to a task, an item of a dict of tasks). */
static Val wait_value(Ctx *c, const Path *p, const Node *e)
{
    Val v = fl_peek_value(c, p, e);
    return v.tag != VAL_UNKNOWN ? v : fl_value_at(c, c->env->scopes, c->scope, e);
}

/* Is e only work this function starts itself (a coroutine or a task made
 * by a call here, a list of them, a local bound to one), whose code is its
 * own: what that does is its coroutine's (SL203 for the sessions it shares),
 * not a wait for something else?  A task read from a dict, a global, an
 * attribute or a parameter is not. */
static int own_work(Ctx *c, const Node *e, int depth)
{
    static const char *const reads[] = {"get", "pop", "values", "setdefault", NULL};
    static const char *const copies[] = {"list", "tuple", "set", "sorted", NULL};
    if (!e || depth > 4)
        return 0;
    switch (e->kind) {
    case NODE_Await: return own_work(c, e->v.Await.value, depth + 1);
    case NODE_Starred: return own_work(c, e->v.Starred.value, depth + 1);
    case NODE_ListComp: case NODE_SetComp: case NODE_GeneratorExp:
        return own_work(c, e->v.ListComp.elt, depth + 1);
    case NODE_List: case NODE_Tuple: case NODE_Set:
        for (int i = 0; i < e->v.List.elts.n; i++)
            if (!own_work(c, e->v.List.elts.items[i], depth + 1))
                return 0;
        return 1;
    case NODE_Call: {
        const Node *f = e->v.Call.func;
        if (f->kind == NODE_Attribute)
            return !ast_name_in(f->v.Attribute.attr, reads); /* create_task(coro()) */
        if (f->kind == NODE_Name && ast_name_in(f->v.Name.id, copies))
            return e->v.Call.args.n == 1 && own_work(c, e->v.Call.args.items[0], depth + 1);
        return 1; /* coro(), ensure_future(coro()) */
    }
    case NODE_Name: { /* a local of this function, bound (first) to work it starts */
        const Scope *where = NULL;
        const Binding *b = scope_lookup(c->env->scopes, c->scope, e->v.Name.id, &where);
        const Node *d = b && b->kind == BIND_LOCAL && where == c->scope ? b->def : NULL;
        const Node *v = b && b->value ? b->value
                        : d && d->kind == NODE_Assign ? d->v.Assign.value
                        : d && d->kind == NODE_AnnAssign ? d->v.AnnAssign.value : NULL;
        return d && v && own_work(c, v, depth + 1);
    }
    default: return 0;
    }
}

/* handed's walk over what an offload call is handed. */
typedef struct Handed {
    Ctx *c;
    const Path *p;
    unsigned sites; /* bit r: site r is among it */
    int acquires, depth;
} Handed;

static void handed_kid(Node *parent, Node *n, void *arg)
{
    Handed *w = arg;
    (void)parent;
    if (w->depth > 8)
        return;
    int r = n->kind == NODE_Name || n->kind == NODE_Attribute ? fl_held_by(w->c, w->p, n) : -1;
    if (r >= 0 && r < 32) { /* the session itself, or `session.execute` bound to it */
        w->sites |= 1u << r;
        return;
    }
    if (n->kind == NODE_Name && w->c->env->summary_of) { /* a function of the project */
        Val v = fl_value_at(w->c, w->c->env->scopes, w->c->scope, n);
        const FlowSummary *sum = v.tag == VAL_FUNC && ast_is_function(v.node)
                                     ? w->c->env->summary_of(w->c->env->summary_arg, v.node)
                                     : NULL;
        w->acquires |= sum && (sum->needs_pool || sum->needs_state_pool || sum->acquires);
    }
    w->depth++;
    ast_children(n, handed_kid, w);
    w->depth--;
}

/*
 * What the work an offload call hands elsewhere (`run_in_executor(None,
 * fn, *args)`, `to_thread(fn, *args)`) is handed of this function's
 * sites: an argument, a bound method of one, a name in a lambda or a
 * partial; into *acquires whether it is a function of the project that
 * takes a connection or another resource.  Work handed a connection the
 * path holds runs the queries itself: the connection is busy, not idle.
 * A method reaching the held session through self is not seen (a limit).
 */
static unsigned handed(Ctx *c, const Path *p, const Node *call, int *acquires)
{
    Handed w = {c, p, 0, 0, 0};
    for (int j = 0; j < call->v.Call.args.n + call->v.Call.keywords.n; j++)
        handed_kid(NULL, (Node *)ast_call_arg(call, j), &w);
    *acquires = w.acquires;
    return w.sites;
}

/* Does awaiting e wait for other work: a task (or a future), an event's
 * wait(), a queue's get() or join(), asyncio.wait(), work handed to
 * another thread or process (WAIT_OFFLOAD: not the database's own); through
 * shield() and wait_for()?  0, or its WAIT_* bits; in *timeout the
 * expression that bounds it, if any. */
static int other_work(Ctx *c, const Path *p, const Node *e, const Node **timeout,
                      unsigned *sites, int depth)
{
    if (depth > 4)
        return 0;
    if (e->kind == NODE_Call) {
        const Node *f = e->v.Call.func;
        const char *name = f->kind == NODE_Attribute ? f->v.Attribute.attr
                           : f->kind == NODE_Name    ? f->v.Name.id : NULL;
        if (!name || !model_may_wait_method(name))
            return 0; /* by name first: most awaited calls run a coroutine here */
        Val fv = wait_value(c, p, f);
        const char *q = fv.tag == VAL_QUAL ? fv.qual : NULL;
        if (q && !strcmp(q, "asyncio.shield") && e->v.Call.args.n == 1)
            return other_work(c, p, e->v.Call.args.items[0], timeout, sites, depth + 1);
        if (q && model_waits(q) == MODEL_WAITS_OFFLOAD) {
            int acquires;
            *sites = handed(c, p, e, &acquires);
            return acquires || (*sites & p->holding) ? 0
                   : WAIT_WORK | (strcmp(q, MODEL_PROCESS_AWAIT) ? WAIT_OFFLOAD : WAIT_PROC);
        }
        if (!q || model_waits(q) != MODEL_WAITS_WORK) { /* tasks.get(run_id), a dict's task */
            Val v = wait_value(c, p, e);
            return v.tag == VAL_QUAL && !strcmp(v.qual, MODEL_TASK) && !own_work(c, e, 0)
                       ? WAIT_WORK : 0;
        }
        const Node *t = ast_keyword(e, "timeout");
        int kind = WAIT_WORK;
        if (!strcmp(name, "wait_for")) { /* as long as what it waits for, up to its timeout */
            if (!t && e->v.Call.args.n > 1)
                t = e->v.Call.args.items[1];
            if (!e->v.Call.args.n ||
                !(kind = other_work(c, p, e->v.Call.args.items[0], timeout, sites, depth + 1)))
                return 0;
        } else if (!strcmp(name, "wait") && e->v.Call.args.n) { /* asyncio.wait(tasks) */
            if (own_work(c, e->v.Call.args.items[0], 0))
                return 0;
        } else if (f->kind == NODE_Attribute && f->v.Attribute.value->kind == NODE_Name) {
            /* an event or a queue this function (or the one it is nested in)
               made: it coordinates the run's own tasks, which it started */
            const Scope *where = NULL;
            const Binding *b = scope_lookup(c->env->scopes, c->scope,
                                            f->v.Attribute.value->v.Name.id, &where);
            if (b && b->kind == BIND_LOCAL && where && where->kind == SCOPE_FUNCTION)
                return 0;
        }
        if (t && !(t->kind == NODE_Constant && t->v.Constant.value.kind == CONST_NONE))
            *timeout = t;
        return kind;
    }
    if (e->kind != NODE_Name && e->kind != NODE_Attribute && e->kind != NODE_Subscript)
        return 0;
    Val v = wait_value(c, p, e);
    return v.tag == VAL_QUAL && !strcmp(v.qual, MODEL_TASK) && !own_work(c, e, 0) ? WAIT_WORK : 0;
}

static void awaited_coroutine(Ctx *c, Path *p, const Node *await);

void fo_await(Ctx *c, Path *p, const Node *await)
{
    awaited_coroutine(c, p, await);
    if (!c->env->summary && !p->holding)
        return; /* nothing held, and no summary to tell: the common case */
    const Node *timeout = NULL;
    unsigned sites = 0;
    int kind = other_work(c, p, await->v.Await.value, &timeout, &sites, 0);
    if (!kind)
        return;
    int where = wait_place(c, p, await);
    if ((kind & WAIT_OFFLOAD) && !(where & OWN_LOOP))
        return; /* as an HTTP request: once is that work's hold, per item it grows */
    FlowSummary *sum = c->env->summary;
    unsigned open = sum ? sum->waits_open : 0;
    if (where && lasts(timeout ? fo_seconds(c, timeout) : -1, where))
        held_wait(c, p, await, kind, where, NULL);
    for (int k = 0; sum && k < c->nparams && k < 32; k++) /* a parameter the thread is handed */
        if (c->param_site[k] >= 0 && c->param_site[k] < 32 && (sites >> c->param_site[k] & 1))
            sum->waits_open = (sum->waits_open & ~(1u << k)) | (open & 1u << k); /* is used there */
}

/* Does the subtree n hold `await call`? */
typedef struct CallRun {
    const Node *call;
    int awaited, depth;
} CallRun;

static void call_run_kid(Node *parent, Node *n, void *arg)
{
    CallRun *w = arg;
    (void)parent;
    if (w->depth > EVAL_MAX_DEPTH || n->kind == NODE_FunctionDef ||
        n->kind == NODE_AsyncFunctionDef || n->kind == NODE_Lambda || n->kind == NODE_ClassDef)
        return;
    if (n->kind == NODE_Await && n->v.Await.value == w->call)
        w->awaited = 1;
    w->depth++;
    ast_children(n, call_run_kid, w);
    w->depth--;
}

/* Does calling def at call run its body now: a plain function, a
 * coroutine function whose call is awaited where it is made, or a
 * generator a for loop drains there (fq_drained)?  (Not a generator
 * otherwise, nor a coroutine handed to a task or to gather.) */
static int runs_now(Ctx *c, const Node *call, const Node *def)
{
    if (!def || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef))
        return 0;
    if (fastapi_yields(def))
        return fq_drained(c, call); /* a generator's body runs only when it is iterated */
    if (def->kind == NODE_FunctionDef)
        return 1;
    CallRun w = {call, 0, 0};
    if (c->step && c->step->node)
        call_run_kid(NULL, (Node *)c->step->node, &w);
    return w.awaited;
}

/*
 * A coroutine handed to a task (`asyncio.create_task(coro())`,
 * `ensure_future`, `loop.create_task`) runs beside the code that started
 * it: a connection it takes is a second one the starter needs at once only
 * when the starter waits for it while still holding its own.  It does when
 * the start is awaited in the same step (`await asyncio.gather(
 * create_task(coro()))`), when the task is a TaskGroup's (`tg.create_task`
 * in `async with TaskGroup() as tg`: its exit waits; whether the starter
 * still holds there is not asked, a limit), or where a name bound to the
 * task is awaited later (awaited_coroutine); a task nothing waits for is
 * none of the starter's (klai's fire-and-forget usage writes).
 */
typedef struct TaskStart {
    const Node *call;  /* the coroutine call */
    const Node *start; /* the task start it is the first argument of, or NULL */
    int awaited, in_await, depth;
} TaskStart;

static const char *const task_starts[] = {"create_task", "ensure_future", NULL};

static const char *call_last(const Node *call)
{
    const Node *f = call->v.Call.func;
    return f->kind == NODE_Attribute ? f->v.Attribute.attr
           : f->kind == NODE_Name    ? f->v.Name.id : "";
}

static void task_start_kid(Node *parent, Node *n, void *arg)
{
    TaskStart *w = arg;
    (void)parent;
    if (w->start || w->depth > EVAL_MAX_DEPTH || ast_is_def(n) || n->kind == NODE_Lambda)
        return;
    if (n->kind == NODE_Call && n->v.Call.args.n > 0 && n->v.Call.args.items[0] == w->call &&
        ast_name_in(call_last(n), task_starts)) {
        w->start = n;
        w->awaited = w->in_await > 0;
        return;
    }
    w->depth++;
    w->in_await += n->kind == NODE_Await;
    ast_children(n, task_start_kid, w);
    w->in_await -= n->kind == NODE_Await;
    w->depth--;
}

/* Is call (of def) a coroutine handed to a task that nothing waits for in
 * this step (not awaited there, not a TaskGroup's)? */
static int detached_task(Ctx *c, const Node *call, const Node *def)
{
    if (!def || def->kind != NODE_AsyncFunctionDef || !c->step || !c->step->node)
        return 0;
    TaskStart w = {call, NULL, 0, 0, 0};
    const Node *st = c->step->node, *t, *v;
    task_start_kid(NULL, (Node *)st, &w);
    if (!w.start || w.awaited)
        return 0;
    /* only a task whose handle is dropped or kept in a name (whose await
       is seen where it comes): one put in a list, a dict or another call's
       arguments (`tasks.append(create_task(...))`, then `gather(*tasks)`)
       may be waited for where the container is, which is not followed */
    if (st != w.start && !(st->kind == NODE_Expr && st->v.Expr.value == w.start) &&
        !(ast_single_assign(st, &t, &v) && v == w.start && t->kind == NODE_Name))
        return 0;
    const Node *f = w.start->v.Call.func, *item = NULL;
    const Node *group = f->kind == NODE_Attribute && f->v.Attribute.value->kind == NODE_Name
                            ? scope_bound_once(c->env->scopes, c->scope, f->v.Attribute.value,
                                               &item)
                            : NULL;
    group = group ? ast_unawait(group) : NULL;
    return !(item && group && group->kind == NODE_Call &&
             !strcmp(call_last(group), "TaskGroup"));
}

/* The coroutine a name bound to a task was started with: `t =
 * asyncio.create_task(coro())` gives coro(); else the call itself. */
static const Node *task_coroutine(const Node *call)
{
    const Node *a = call->v.Call.args.n ? call->v.Call.args.items[0] : NULL;
    return a && a->kind == NODE_Call && ast_name_in(call_last(call), task_starts) ? a : call;
}

/* Is call a coroutine stored for later (`cb = self._dispatch(...)`, the
 * value of an assignment to a name), which runs where it is awaited? */
static int stored_coroutine(Ctx *c, const Node *call, const Node *def)
{
    const Node *t, *v, *st = c->step ? c->step->node : NULL;
    return def && def->kind == NODE_AsyncFunctionDef && !fastapi_yields(def) && st &&
           ast_single_assign(st, &t, &v) && v == call && t->kind == NODE_Name;
}

/* The index (as ast_param counts) of def's parameter named kw, or -1. */
static int kw_param(const Node *def, const char *kw)
{
    const Node *p;
    for (int i = 0; kw && i < 32 && (p = ast_param(def, i)); i++)
        if (!strcmp(p->v.arg.arg, kw))
            return i;
    return -1;
}

/*
 * The site holding, on path p, a connection of a pool that a call of a
 * function with summary sum (def, shift: fo_callee's) takes for itself, or
 * -1: its module's pool (needs_pool), its application state key's, or the
 * pool of what this call hands a parameter it takes a connection of
 * (needs_param_pool: `ledger.append(pool, ...)` is the caller's `pool`).
 * Summary mode also records them as this function's own needs.
 */
static int needs_held(Ctx *c, const Path *p, const Node *call, const FlowSummary *sum,
                      const Node *def, int shift)
{
    const void *pools[2 + 8];
    int n = 0;
    pools[n++] = sum->needs_pool;
    pools[n++] = sum->needs_state_pool;
    for (int j = 0; sum->needs_param_pool && def && n < 10 &&
                    j < call->v.Call.args.n + call->v.Call.keywords.n; j++) {
        int i = ast_arg_param(def, shift, call, j);
        if (i < 0 && j >= call->v.Call.args.n) /* a keyword-only one, as ast_param counts */
            i = kw_param(def, call->v.Call.keywords.items[j - call->v.Call.args.n]->v.keyword.arg);
        if (i >= 0 && i < 32 && (sum->needs_param_pool >> i & 1))
            pools[n++] = pool_of(c, c->env->scopes, c->scope, ast_call_arg(call, j), 0);
    }
    int held = -1;
    for (int k = 0; k < n; k++) {
        if (!pools[k] || pools[k] == &no_pool)
            continue;
        if (c->env->summary)
            needs(c, pools[k]);
        if (held < 0)
            held = holder(c, p, pools[k], -1);
    }
    return held;
}

/*
 * `await cb` where the function stored a coroutine in cb (stored_coroutine):
 * its body runs here, so a connection it takes for itself (needs_pool) is
 * a second checkout of what the path holds here, not where it was made.
 */
#define AWAITED_MAX_NAMES 8 /* names of one await (gather's arguments) followed */

/* The names whose work `await x` waits for: x itself, or the arguments of
 * asyncio.gather, wait, wait_for, shield (in a list, tuple or set too). */
static int awaited_names(const Node *x, const Node **names)
{
    static const char *const waits_for[] = {"gather", "wait", "wait_for", "shield", NULL};
    if (x->kind == NODE_Name) {
        names[0] = x;
        return 1;
    }
    if (x->kind != NODE_Call || !ast_name_in(call_last(x), waits_for))
        return 0;
    int n = 0;
    for (int i = 0; i < x->v.Call.args.n; i++) {
        const Node *a = x->v.Call.args.items[i];
        if (a->kind == NODE_Starred)
            a = a->v.Starred.value;
        const NodeList *l = a->kind == NODE_List || a->kind == NODE_Tuple || a->kind == NODE_Set
                                ? &a->v.List.elts : NULL;
        for (int j = 0; l && j < l->n && n < AWAITED_MAX_NAMES; j++)
            if (l->items[j]->kind == NODE_Name)
                names[n++] = l->items[j];
        if (a->kind == NODE_Name && n < AWAITED_MAX_NAMES)
            names[n++] = a;
    }
    return n;
}

static void awaited_coroutine(Ctx *c, Path *p, const Node *await)
{
    const Node *func = c->g->func, *names[AWAITED_MAX_NAMES];
    if (!p->holding || !ast_is_function(func))
        return;
    int nn = awaited_names(await->v.Await.value, names);
    for (int k = 0; k < nn; k++) {
        Assigned w = {names[k]->v.Name.id, NULL, 0, 4, 0, 0, {NULL}};
        assigned_calls(func, &w);
        for (int i = 0; i < w.n; i++) {
            const Node *call = task_coroutine(w.calls[i]), *f = call->v.Call.func;
            Val fv = fl_value_at(c, c->env->scopes, c->scope, f);
            const FlowSummary *sum = fv.tag == VAL_FUNC && fv.node && c->env->summary_of
                                         ? c->env->summary_of(c->env->summary_arg, fv.node)
                                         : NULL;
            const Node *first = sum ? ast_param(fv.node, 0) : NULL;
            int shift = f->kind == NODE_Attribute && first &&
                        (!strcmp(first->v.arg.arg, "self") || !strcmp(first->v.arg.arg, "cls"));
            int other = sum && fv.node->kind == NODE_AsyncFunctionDef
                            ? needs_held(c, p, call, sum, fv.node, shift) : -1;
            if (other >= 0) {
                report_second(c, p, other, await,
                              call != w.calls[i]
                                  ? "this waits for the task started earlier, which takes a "
                                    "second connection of the same pool for itself"
                                  : "the coroutine stored earlier runs here and takes a second "
                                    "connection of the same pool for itself");
                return;
            }
        }
    }
}

/* Does step n consume the generator that call makes, at once: an argument
 * of a builtin that drains its iterable (list(gen()), "".join(gen())), or
 * the first iterable of a list, set or dict comprehension? */
typedef struct Drain {
    const Node *call;
    int drained, depth;
} Drain;

static void drain_kid(Node *parent, Node *n, void *arg)
{
    static const char *const eager[] = {"list", "tuple", "set", "frozenset", "dict", "sorted",
                                        "sum", "min", "max", "any", "all", NULL};
    Drain *d = arg;
    (void)parent;
    if (d->drained || d->depth > EVAL_MAX_DEPTH || ast_is_def(n) || n->kind == NODE_Lambda ||
        n->kind == NODE_ClassDef)
        return;
    if (n->kind == NODE_Call && n->v.Call.args.n > 0 && n->v.Call.args.items[0] == d->call) {
        const Node *f = n->v.Call.func;
        d->drained = (f->kind == NODE_Name && ast_name_in(f->v.Name.id, eager)) ||
                     (f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "join"));
    }
    if (n->kind == NODE_ListComp || n->kind == NODE_SetComp || n->kind == NODE_DictComp) {
        const NodeList *gs = n->kind == NODE_DictComp  ? &n->v.DictComp.generators
                             : n->kind == NODE_SetComp ? &n->v.SetComp.generators
                                                       : &n->v.ListComp.generators;
        d->drained |= gs->n > 0 && gs->items[0]->v.comprehension.iter == d->call;
    }
    d->depth++;
    ast_children(n, drain_kid, d);
    d->depth--;
}

/* Does the generator that call makes run its body here: a for loop drains
 * it (fq_drained), or the step consumes it at once (drain_kid)?  Else its
 * call only makes the generator object, run when iterated, later. */
static int drained_here(Ctx *c, const Node *call)
{
    if (fq_drained(c, call))
        return 1;
    Drain d = {call, 0, 0};
    if (c->step && c->step->node)
        drain_kid(NULL, (Node *)c->step->node, &d);
    return d.drained;
}

void fo_callee(Ctx *c, Path *p, const Node *call, const FlowSummary *sum, const Node *def,
               int shift)
{
    Via via = {sum, def, shift};
    int where = sum->waits && runs_now(c, call, def) ? wait_place(c, p, call) : 0;
    if (where)
        held_wait(c, p, call, sum->waits, where, &via);
    if (!sum->needs_pool && !sum->needs_state_pool && !sum->needs_param_pool)
        return;
    if (detached_task(c, call, def))
        return; /* runs beside the caller, which does not wait for it here */
    /* a generator object: its body takes the connection when it is iterated, later
       (a StreamingResponse's body), not at this call; a decorated one may be a context
       manager, entered here */
    int later = def && ast_is_function(def) && !def->v.FunctionDef.decorator_list.n &&
                fastapi_yields(def) && !drained_here(c, call);
    if (later && c->env->summary)
        return; /* callers take no connection by calling this function */
    int other = needs_held(c, p, call, sum, def, shift);
    if (later && other >= 0 && (p->res[other] != RS_BORROWED || c->site[other].early))
        return; /* released by the time the body runs: this function's own, or a
                   dependency's that its provider closes when the endpoint returns */
    if (other >= 0 && !stored_coroutine(c, call, def)) /* else it runs where it is awaited */
        report_second(c, p, other, call,
                      later ? "the generator made here takes a second connection of the same "
                              "pool when its body runs, while the first is still held"
                            : "this call takes a second connection of the same pool for itself");
}

/* --- the request's session through its background tasks ------------------ */

/* What a task whose summary says waits does whenever it runs, for the
 * witness (lifecycle.c words SL207 from it), or NULL: it may not wait. */
static const char *task_wait(int waits)
{
    return waits & WAIT_SLEEP_SURE  ? "sleeps"
           : waits & WAIT_HTTP_SURE ? "makes an HTTP request"
           : waits & WAIT_WORK_SURE ? "waits for other work (a task, an event, a queue)"
                                    : NULL;
}

/* Is site r handed to the task (a call of via->def's function) as a
 * parameter whose transaction the task may end (a commit, rollback or
 * release of it on some path)?  Then its own connection may come after the
 * handed one went back: which comes first is not known here (a limit), and
 * the second connection is not claimed. */
static int task_ends(Ctx *c, const Path *p, int r, const Node *task, const Via *via)
{
    const FlowSummary *sum = via->sum;
    for (int j = 0; j < task->v.Call.args.n + task->v.Call.keywords.n; j++) {
        int i = ast_arg_param(via->def, via->shift, task, j);
        if (i >= 0 && i < 32 && fl_held_by(c, (Path *)p, ast_call_arg(task, j)) == r &&
            ((sum->commits | sum->rolls_back | sum->releases | sum->ends_txn) >> i & 1))
            return 1;
    }
    return 0;
}

/*
 * The endpoint returns (at) with the background task `task` pending
 * (`BackgroundTask(fn, ...)`, `tasks.add_task(fn, ...)`) while session r,
 * which its provider closes only after the background tasks (FastAPI >=
 * 0.118, or < 0.106: fj_txn_followed), is in a transaction (a query or a
 * refresh after its last commit): the request keeps that pooled connection,
 * idle in its transaction, for as long as the task runs.  A task that takes
 * a connection of the same pool for itself (its own session) needs a second
 * one per request (SL206); a task that waits whenever it runs (a sleep, an
 * HTTP request, other work), while the session it may be handed is still
 * in that transaction there (waits_open), holds it through the wait
 * (SL207); a task handed the session that may end its transaction is no
 * second connection (task_ends).  A task that does neither (fast local
 * work) is quiet.  What the task does is fn's summary: a function the value
 * model names; a lambda, a partial or a callable handed in is not followed,
 * nor a pool the task is handed as a parameter (needs_param_pool), nor a
 * task that merely runs long (limits).
 */
void fo_background(Ctx *c, Path *p, const Node *task, const Node *at)
{
    const Node *fn = task->v.Call.args.n ? task->v.Call.args.items[0] : NULL;
    if (!fn || c->env->summary || !c->env->summary_of)
        return;
    Val fv = fl_value_at(c, c->env->scopes, c->scope, fn);
    const FlowSummary *sum = fv.tag == VAL_FUNC && ast_is_function(fv.node)
                                 ? c->env->summary_of(c->env->summary_arg, fv.node) : NULL;
    if (!sum)
        return;
    const Node *first = ast_param(fv.node, 0);
    int bound = fn->kind == NODE_Attribute && first &&
                (!strcmp(first->v.arg.arg, "self") || !strcmp(first->v.arg.arg, "cls"));
    Via via = {sum, fv.node, bound - 1}; /* the task's own arguments follow fn */
    const char *wait = task_wait(sum->waits);
    for (int r = 0; r < c->nsites; r++) {
        if (!(p->checked_out >> r & 1) || p->res[r] != RS_BORROWED || !fj_txn_followed(c, r))
            continue;
        const void *pool = site_pool(c, r);
        int second = pool && (sum->needs_pool == pool || sum->needs_state_pool == pool) &&
                     !task_ends(c, p, r, task, &via);
        if (!second && !(wait && open_at_wait(c, p, r, task, &via)))
            continue;
        const Ev *e = p->ev[r];
        if (c->checkout[r])
            e = fl_ev_push(c, e, c->checkout[r],
                           second ? "a connection of the pool is checked out here"
                                  : "a connection of the pool is taken here");
        e = fl_ev_push(c, e, task,
                       second ? "handed over here: a background task that takes a second "
                                "connection of the same pool for itself"
                              : fmt(c, "handed over here: a background task that %s", wait));
        if (at)
            e = fl_ev_push(c, e, at, "the endpoint returns here, still in the transaction");
        if (c->site[r].owner_line)
            e = fl_ev_push_far(c, e, c->site[r].owner_path, c->site[r].owner_line,
                               c->site[r].owner_col,
                               "closed here, only after the background tasks have run");
        fl_report_job(c, second ? FLOW_NESTED_CHECKOUT : FLOW_HELD_WAIT, r, task, e,
                      JOB_BACKGROUND, c->site[r].when);
    }
}
