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
 * What holds the engine is followed through the function: its local
 * names, the session makers made over it (`sessionmaker(bind=engine)`,
 * `scoped_session(...)` of one) and local objects it is bound to (a copy
 * of the metadata with `.bind = engine`).  Sessions and connections made
 * from them are not followed: closing them does not dispose the engine,
 * so its pool stays behind wherever they go; but one stored where it
 * outlives the call keeps the engine there, as storing the engine itself
 * would (kept).  Quiet when one of those
 * holders leaves the function (returned, yielded, put in a container,
 * handed to a call that may keep it, captured by a nested function: a
 * listener that `@event.listens_for(engine, ...)` registers is not one),
 * when the function caches what it makes (lru_cache), when anything
 * disposes it, for NullPool and SQLite engines (a URL literal: nothing on
 * a server to run out of), and in start-up code (FASTAPI_BOOT: once per
 * process, even when a request path reaches it too; not a task or a
 * scheduler's job that start-up code also runs once, FASTAPI_TASK).  A generator made a
 * context manager (or a FastAPI dependency) that yields a holder lends it
 * for one `with` block: the engine is dropped when the block ends.
 *
 * Stored where it outlives the call (a `global`, an attribute of a
 * module-level object or module, `self.x` of an object made once), an
 * engine made per unit of work (fastapi.h: FASTAPI_EVENT: a request, a
 * task, a bot's update; FASTAPI_SHARED for self) replaces the one the run
 * before stored, undisposed.  Quiet when the function tests the slot first
 * (`if engine is None:`: made once), when anything in its module (its
 * class, for self) disposes the slot, and when the function runs a bounded
 * number of times (no unit of work reaches it).  Reported in request code
 * by default, and in the service code that runs per unit of work.
 */
#include "rules/engines.h"

#include <string.h>

#include "context.h"
#include "fastapi.h"
#include "value.h"

#define ENGINE_MAX_DEPTH 256 /* nesting followed in a function body */

typedef struct EngineCheck {
    DbCtx *c;
    const Source *src;
    FindingList *out;
    const Node *made; /* the maker's call in a helper the call reported calls, or NULL */
    const Node *in;   /* ... the def of the helper whose code it is */
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

/* Is call an engine maker's (in scope s of table t) whose engine pools
 * connections to a server: not NullPool, not SQLite? */
static int pooled_engine(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *call)
{
    return strstr(name_of(call->v.Call.func), "engine") && /* cheap before the qualified name */
           is_engine_maker(dbval_qualname_in(c, t, s, call->v.Call.func)) &&
           !model_unpooled(call) && !sqlite_url(call);
}

/*
 * Project helpers that make the engine: `def engine_for(t): return
 * create_engine(url(t))`, in this module or another, called per unit of
 * work, make one each call as the maker would.  A helper returns a fresh
 * engine when each of its returns is a maker's call, a call of such a
 * helper, or a local name bound once to one and read by nothing but the
 * returns.  A helper that keeps what it makes does not: a cache decorator,
 * a global memo (`ENGINES[t] = e`, `return ENGINES[t]`, `e = e or ...`: the
 * name is read or bound again), a `return engine` of a module's.  A return
 * of anything else (None, an attribute) makes the helper not one: a limit.
 */
#define ENGINE_MAX_HELPERS 4 /* helpers followed from a call to the maker's call */

typedef struct Fresh {
    DbCtx *c;
    const ScopeTable *t;
    const Scope *s;        /* the helper's scope */
    const Node *made;      /* the maker's call a return gives */
    const Node *in;        /* the helper whose code it is */
    const Node *name;      /* the local name the returns give, or NULL */
    int returns, other, depth, helpers;
} Fresh;

static const Node *fresh_engine(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *call,
                                int helpers, int awaited, int locals, const Node **in);

/*
 * An object that owns a pool: a class of the project whose __init__ makes
 * a pooled engine and keeps it on self (`self.engine =
 * create_async_engine(url)`, at the top of its body), so each instance
 * is an engine of its own, which only a method of it that disposes
 * `self.<engine>` closes (disposer).  A class that defines __new__ (a
 * singleton, usually) is left out, and so is an engine made under a test
 * or in another method (a limit).  The maker's call, or NULL; *in: the
 * __init__.
 */
static const Node *owned_engine(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *call,
                                const Node **in)
{
    const ValueModel *vm = c->env->values;
    const Node *f = call->v.Call.func;
    if (f->kind != NODE_Name && f->kind != NODE_Attribute)
        return NULL;
    Val v = value_of(vm, c->a, t, s, f);
    const Node *init = v.tag == VAL_CLASS && v.node ? value_method(vm, c->a, v.node, "__init__")
                                                    : NULL;
    const ScopeTable *it = init ? value_table_of(vm, init) : NULL;
    const Scope *is = it ? scope_of(it, init) : NULL;
    const Node *self = init ? ast_param(init, 0) : NULL;
    if (!is || !self || value_method(vm, c->a, v.node, "__new__"))
        return NULL;
    for (int i = 0; i < init->v.FunctionDef.body.n; i++) {
        const Node *target, *value;
        if (ast_single_assign(init->v.FunctionDef.body.items[i], &target, &value) &&
            target->kind == NODE_Attribute && target->v.Attribute.value->kind == NODE_Name &&
            !strcmp(target->v.Attribute.value->v.Name.id, self->v.arg.arg) &&
            value->kind == NODE_Call && pooled_engine(c, it, is, value)) {
            *in = init;
            return value;
        }
    }
    return NULL;
}

/* The engine an object of the project made by call keeps: one it owns
 * (owned_engine), or one a fresh engine's holder it is handed keeps
 * (`Service(store=PgStore(...))`, or in a helper's return a local bound
 * once to one: a wrapper whose constructor keeps it on self, value_kept). */
static const Node *kept_engine(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *call,
                               int helpers, int locals, const Node **in)
{
    const Node *m = owned_engine(c, t, s, call, in);
    if (m || helpers >= ENGINE_MAX_HELPERS)
        return m;
    ValueKept kept[8];
    int n = value_kept(c->env->values, c->a, t, s, call, kept, 8);
    for (int i = 0; i < n && !m; i++) {
        const Node *a = kept[i].how == VALUE_KEPT_ARG && !kept[i].path ? kept[i].at : NULL;
        if (a && a->kind == NODE_Name && locals)
            a = scope_bound_once(t, s, a, NULL); /* a helper's `return Svc(store)`: in the
                                                    function that makes it, the local is the
                                                    engine's holder, followed on its own */
        else if (a && a->kind == NODE_Name)
            a = NULL;
        int awaited = a && a->kind == NODE_Await;
        a = a ? ast_unawait(a) : NULL;
        if (a && a->kind == NODE_Call)
            m = fresh_engine(c, t, s, a, helpers + 1, awaited, locals, in);
    }
    return m;
}

/* Does a decorator of def keep what it returns (a cache), or make it a
 * test's fixture? */
static int made_once(const Node *def)
{
    static const char *const keeps[] = {"lru_cache", "cache", "cached", "cached_property",
                                        "fixture", NULL};
    for (int i = 0; keeps[i]; i++)
        if (ast_decorated(def, keeps[i]))
            return 1;
    return 0;
}

/* What return value e gives: a fresh engine, or f->other. */
static void fresh_return(Fresh *f, const Node *e)
{
    if (e && e->kind == NODE_Name && !f->name) {
        const Scope *where = NULL;
        const Binding *b = scope_lookup(f->t, f->s, e->v.Name.id, &where);
        if (!b || where != f->s || b->kind != BIND_LOCAL || !b->value) {
            f->other = 1; /* bound more than once, or not here (the module's engine) */
            return;
        }
        f->name = e;
        e = b->value;
    } else if (e && e->kind == NODE_Name) {
        f->other |= strcmp(e->v.Name.id, f->name->v.Name.id) != 0;
        return;
    }
    const Node *in = f->s->node;
    int awaited = e && e->kind == NODE_Await;
    e = e ? ast_unawait(e) : NULL;
    const Node *m = e && e->kind == NODE_Call
                        ? fresh_engine(f->c, f->t, f->s, e, f->helpers + 1, awaited, 1, &in)
                        : NULL;
    if (!m)
        f->other = 1;
    else if (!f->made) {
        f->made = m;
        f->in = in;
    }
}

static void fresh_kid(Node *parent, Node *n, void *arg)
{
    Fresh *f = arg;
    if (f->other || f->depth > ENGINE_MAX_DEPTH || ast_is_def(n) || n->kind == NODE_Lambda)
        return;
    if (n->kind == NODE_Return) {
        f->returns++;
        fresh_return(f, n->v.Return.value);
    }
    if (n->kind == NODE_Yield || n->kind == NODE_YieldFrom ||
        (n->kind == NODE_Await && f->s->node->kind != NODE_AsyncFunctionDef))
        f->other = 1; /* a generator or a coroutine: not the engine itself */
    if (n->kind == NODE_Name && ast_ctx(n) == CTX_Load && f->name &&
        !strcmp(n->v.Name.id, f->name->v.Name.id) &&
        !(parent && parent->kind == NODE_Return))
        f->other = 1; /* read besides the return: kept, configured or disposed there */
    f->depth++;
    ast_children(n, fresh_kid, f);
    f->depth--;
}

/* The maker's call that call (in scope s of table t) gives a fresh engine
 * of: call itself, or the one a project helper it calls returns fresh, in
 * *in the def of the helper whose code it is (helpers: how many were
 * followed to get here); else NULL. */
static const Node *fresh_engine(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *call,
                                int helpers, int awaited, int locals, const Node **in)
{
    if (pooled_engine(c, t, s, call))
        return call;
    const Node *kept = kept_engine(c, t, s, call, helpers, locals, in);
    if (kept)
        return kept;
    const ScopeTable *dt = NULL;
    int method = 0;
    const Node *def = helpers < ENGINE_MAX_HELPERS ? dbval_callee(c, t, s, call, &dt, &method)
                                                   : NULL;
    if (!def || (def->kind != NODE_FunctionDef && !(awaited && def->kind == NODE_AsyncFunctionDef)) ||
        made_once(def) || ast_decorated(def, "property"))
        return NULL;
    Val rv = value_return(c->env->values, def); /* the model's answer first: cheap */
    if ((rv.tag != VAL_FACTORY || rv.kind != FAC_ENGINE) && rv.tag != VAL_OBJECT)
        return NULL; /* an engine, or an object that may keep one (kept_engine) */
    Fresh f = {c, dt, scope_of(dt, def), NULL, NULL, NULL, 0, 0, 0, helpers};
    if (!f.s)
        return NULL;
    /* twice: the reads of the returned name are known once the returns are */
    for (int pass = 0; pass < 2 && !f.other; pass++) {
        f.returns = 0;
        for (int i = 0; i < def->v.FunctionDef.body.n && !f.other; i++)
            fresh_kid(NULL, def->v.FunctionDef.body.items[i], &f);
    }
    if (f.other || !f.returns || !f.made)
        return NULL;
    *in = f.in;
    return f.made;
}

/* Calls that use an engine for their own run and keep nothing of it, or
 * make a session that lives no longer than the unit of work (what that
 * session does is not followed), or register a listener on it. */
static int borrows(DbCtx *c, const Scope *s, const Node *call)
{
    static const char *const users[] = {"create_all", "drop_all", "reflect", "inspect",
                                        "read_sql", "read_sql_query", "read_sql_table",
                                        "to_sql", "Session", "AsyncSession", NULL};
    static const char *const events[] = {"sqlalchemy.event.listen",
                                         "sqlalchemy.event.api.listen", NULL};
    const Node *f = call->v.Call.func;
    return ast_name_in(name_of(f), users) ||
           (!strcmp(name_of(f), "listen") && ast_name_in(dbval_qualname(c, s, f), events));
}

/* Session makers: what they make is a session over the engine (not
 * followed), but the maker itself keeps the engine for every session it
 * will make, so it is followed as the engine is. */
static int maker(const Node *call)
{
    static const char *const makers[] = {"sessionmaker", "async_sessionmaker", "scoped_session",
                                         "async_scoped_session", NULL};
    return ast_name_in(name_of(call->v.Call.func), makers);
}

#define ENGINE_MAX_HOLDERS 8 /* local names followed per engine */

enum { SLOT_OTHER, SLOT_LOCAL, SLOT_LONG, SLOT_SELF };

/* What a function does with the local names that hold the engine. */
typedef struct Uses {
    DbCtx *c;
    const Node *func;
    const Scope *fs;                          /* func's scope */
    const char *names[ENGINE_MAX_HOLDERS];    /* the holders: [0] the engine's name */
    int n;
    int lends;                                /* a context manager or a dependency: its
                                                 yield lends for one block */
    int disposed, escapes, grew, depth;
    int used;                                 /* something may connect through it: a call
                                                 of its methods or with it; reading its
                                                 attributes (`engine.url`) opens nothing */
    const Node *slot;                         /* where it is stored to outlive the call */
    int slot_kind;                            /* SLOT_LONG, SLOT_SELF */
    const Node *stack[ENGINE_MAX_DEPTH + 2];  /* ancestors of the node walked */
} Uses;

static int holder(const Uses *u, const char *name)
{
    for (int i = 0; i < u->n; i++)
        if (!strcmp(u->names[i], name))
            return 1;
    return 0;
}

static void hold(Uses *u, const char *name)
{
    if (holder(u, name))
        return;
    if (u->n == ENGINE_MAX_HOLDERS) {
        u->escapes = 1; /* too many to follow: someone may keep it */
        return;
    }
    u->names[u->n++] = name;
    u->grew = 1;
}

/* Where a store into target leaves what it stores: a local of func
 * (SLOT_LOCAL: dies with the call), a global or an attribute of a
 * module-level object or module (SLOT_LONG), an attribute of self
 * (SLOT_SELF), or somewhere we cannot tell (SLOT_OTHER: a parameter's). */
static int slot_of(const Uses *u, const Node *target)
{
    const Node *root = target;
    while (root->kind == NODE_Attribute)
        root = root->v.Attribute.value;
    if (root->kind != NODE_Name)
        return SLOT_OTHER;
    const char *id = root->v.Name.id;
    for (int i = 0; i < u->fs->nbindings; i++) {
        const Binding *b = &u->fs->bindings[i];
        if (strcmp(b->name, id))
            continue;
        if (b->kind == BIND_GLOBAL)
            return SLOT_LONG;
        if (b->kind == BIND_LOCAL)
            return SLOT_LOCAL; /* a local name, or an object made here */
        if (b->kind == BIND_PARAM && target != root && u->fs->parent &&
            u->fs->parent->kind == SCOPE_CLASS && ast_param(u->func, 0) == b->def)
            return SLOT_SELF;
        return SLOT_OTHER;
    }
    const Scope *where = NULL;
    const Binding *b = scope_lookup(u->c->env->scopes, u->fs, id, &where);
    return b && target != root && where && where->kind == SCOPE_MODULE ? SLOT_LONG : SLOT_OTHER;
}

/* What storing a holder into target does: a local name or a local object
 * becomes a holder, a long-lived slot is noted, anything else keeps it. */
static void store(Uses *u, const Node *target)
{
    int k = slot_of(u, target);
    if (k == SLOT_LOCAL) {
        const Node *root = target;
        while (root->kind == NODE_Attribute)
            root = root->v.Attribute.value;
        hold(u, root->v.Name.id);
    } else if (k == SLOT_LONG || k == SLOT_SELF) {
        if (!u->slot) {
            u->slot = target;
            u->slot_kind = k;
        }
    } else {
        u->escapes = 1;
    }
}

/* Does a nested definition use a holder: its body, defaults and
 * decorators, but for `@event.listens_for(engine, ...)`, which registers
 * it on the engine (the engine keeps the function, not the reverse)? */
typedef struct Mention {
    const Uses *u;
    int found, depth;
} Mention;

static void mention_kid(Node *parent, Node *n, void *arg)
{
    Mention *m = arg;
    (void)parent;
    if (m->found || m->depth > ENGINE_MAX_DEPTH)
        return;
    if (n->kind == NODE_Name && holder(m->u, n->v.Name.id))
        m->found = 1;
    m->depth++;
    ast_children(n, mention_kid, m);
    m->depth--;
}

static int captured(const Uses *u, const Node *def)
{
    Mention m = {u, 0, u->depth};
    if (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef) {
        ast_children((Node *)def, mention_kid, &m);
        return m.found;
    }
    for (int i = 0; i < def->v.FunctionDef.decorator_list.n; i++) {
        Node *d = def->v.FunctionDef.decorator_list.items[i];
        if (d->kind == NODE_Call && !strcmp(name_of(d->v.Call.func), "listens_for") &&
            ast_name_in(dbval_qualname(u->c, u->fs, d->v.Call.func),
                        (const char *const[]){"sqlalchemy.event.listens_for",
                                              "sqlalchemy.event.api.listens_for", NULL}))
            continue;
        mention_kid(NULL, d, &m);
    }
    mention_kid(NULL, def->v.FunctionDef.args, &m);
    for (int i = 0; i < def->v.FunctionDef.body.n; i++)
        mention_kid(NULL, def->v.FunctionDef.body.items[i], &m);
    return m.found;
}

static void fate(Uses *u, int i);

/* u->stack[i] makes a session or a connection of the engine (`maker()`,
 * `engine.connect()`): not followed, unless it is stored where it outlives
 * the call (`self.session = Maker()`, a global's): it keeps the engine
 * alive and in use there, as storing the engine itself would. */
static void kept(Uses *u, int i)
{
    const Node *e = u->stack[i], *p = i > 0 ? u->stack[i - 1] : NULL;
    if (p && p->kind == NODE_Await) {
        e = p;
        p = i > 1 ? u->stack[i - 2] : NULL;
    }
    const Node *target = NULL;
    if (p && p->kind == NODE_Assign && p->v.Assign.value == e && p->v.Assign.targets.n == 1)
        target = p->v.Assign.targets.items[0];
    else if (p && p->kind == NODE_AnnAssign && p->v.AnnAssign.value == e)
        target = p->v.AnnAssign.target;
    int k = target ? slot_of(u, target) : SLOT_OTHER;
    if (k == SLOT_LONG || k == SLOT_SELF)
        store(u, target);
}

/* Does call make an object of the project that keeps argument a on self
 * (`Service(store=store)`, value_kept)?  That object holds the engine
 * then, as a maker over it does. */
static int wraps(const Uses *u, const Node *call, const Node *a)
{
    ValueKept kept[8];
    int n = value_kept(u->c->env->values, u->c->a, u->c->env->scopes, u->fs, call, kept, 8);
    for (int i = 0; i < n; i++)
        if (kept[i].how == VALUE_KEPT_ARG && !kept[i].path && kept[i].at == a)
            return 1;
    return 0;
}

/* DbWalk-free scan: does a method's body dispose of an attribute of its
 * self (`await self.engine.dispose()`)? */
typedef struct Disposer {
    const char *self;
    int found, depth;
} Disposer;

static void disposer_kid(Node *parent, Node *n, void *arg)
{
    Disposer *d = arg;
    (void)parent;
    if (d->found || d->depth > ENGINE_MAX_DEPTH || ast_is_def(n) || n->kind == NODE_Lambda)
        return;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        !strcmp(n->v.Call.func->v.Attribute.attr, "dispose")) {
        const Node *root = n->v.Call.func->v.Attribute.value;
        while (root->kind == NODE_Attribute)
            root = root->v.Attribute.value;
        d->found = root->kind == NODE_Name && !strcmp(root->v.Name.id, d->self);
    }
    d->depth++;
    ast_children(n, disposer_kid, d);
    d->depth--;
}

/* Is the method that m (`store.aclose`, `svc.store.aclose`, in u's
 * function) names one of the project's that disposes of an engine its
 * object keeps?  Calling it disposes a holder's engine. */
static int disposer(const Uses *u, const Node *m)
{
    Val v = value_of(u->c->env->values, u->c->a, u->c->env->scopes, u->fs, m);
    const Node *def = v.tag == VAL_FUNC && v.node && ast_is_function(v.node) ? v.node : NULL;
    const Node *self = def ? ast_param(def, 0) : NULL;
    if (!self)
        return 0;
    Disposer d = {self->v.arg.arg, 0, 0};
    for (int i = 0; i < def->v.FunctionDef.body.n && !d.found; i++)
        disposer_kid(NULL, def->v.FunctionDef.body.items[i], &d);
    return d.found;
}

/* The holder u->stack[i] handed to call (u->stack[i - 1], or the call
 * around that keyword). */
static void handed(Uses *u, int i, const Node *call)
{
    if (call->v.Call.func == u->stack[i]) {
        kept(u, i - 1); /* maker(): a session */
        return;
    }
    if (maker(call) || wraps(u, call, u->stack[i]))
        fate(u, call == u->stack[i - 1] ? i - 1 : i - 2); /* a maker over it holds it */
    else if (!strcmp(name_of(call->v.Call.func), "configure") &&
             call->v.Call.func->kind == NODE_Attribute)
        store(u, call->v.Call.func->v.Attribute.value); /* Maker.configure(bind=engine) */
    else if (!borrows(u->c, u->fs, call))
        u->escapes = 1; /* handed to a call that may keep it */
}

/* What becomes of the value of u->stack[i] (a holder's name, or a maker
 * made over one), from the node around it. */
static void fate(Uses *u, int i)
{
    const Node *e = u->stack[i], *p = i > 0 ? u->stack[i - 1] : NULL;
    if (!p)
        return;
    if (p->kind != NODE_Attribute) {
        u->used = 1;
    } else { /* `engine.engine.connect()` connects; `engine.url.database` does not */
        int j = i - 1;
        while (j > 0 && u->stack[j - 1]->kind == NODE_Attribute)
            j--;
        int called = j > 0 && u->stack[j - 1]->kind == NODE_Call &&
                     u->stack[j - 1]->v.Call.func == u->stack[j];
        u->used |= called;
        if (called && disposer(u, u->stack[j]))
            u->disposed = 1; /* store.aclose(), svc.store.aclose() of an owner (owned_engine) */
    }
    switch (p->kind) {
    case NODE_Attribute:
        if (e->kind == NODE_Name && !strcmp(p->v.Attribute.attr, "dispose"))
            u->disposed = 1;
        else if (!strcmp(p->v.Attribute.attr, "execution_options"))
            u->escapes = 1; /* an engine over the same pool, which may be kept */
        else if (e->kind == NODE_Name && !strcmp(p->v.Attribute.attr, "connect") && i > 1 &&
                 u->stack[i - 2]->kind == NODE_Call && u->stack[i - 2]->v.Call.func == p)
            kept(u, i - 2); /* self.conn = engine.connect() */
        break;               /* engine.url, maker.configure(...) */
    case NODE_keyword:
        if (i > 1 && u->stack[i - 2]->kind == NODE_Call)
            handed(u, i, u->stack[i - 2]);
        break;
    case NODE_Call:
        handed(u, i, p);
        break;
    case NODE_Await:
        fate(u, i - 1);
        break;
    case NODE_Assign:
        if (p->v.Assign.value != e)
            break;
        for (int k = 0; k < p->v.Assign.targets.n; k++)
            store(u, p->v.Assign.targets.items[k]);
        break;
    case NODE_AnnAssign:
        if (p->v.AnnAssign.value == e)
            store(u, p->v.AnnAssign.target);
        break;
    case NODE_withitem:
        if (p->v.withitem.context_expr == e && p->v.withitem.optional_vars)
            store(u, p->v.withitem.optional_vars);
        break;
    case NODE_Yield:
        u->escapes |= !u->lends;
        break;
    case NODE_Return:
    case NODE_YieldFrom:
    case NODE_Tuple:
    case NODE_List:
    case NODE_Set:
    case NODE_Dict:
    case NODE_Starred:
    case NODE_NamedExpr:
    case NODE_IfExp:
    case NODE_BoolOp:
        u->escapes = 1;
        break;
    default:
        break;
    }
}

static void uses_kid(Node *parent, Node *n, void *arg)
{
    Uses *u = arg;
    (void)parent;
    if (u->disposed || u->escapes || u->depth > ENGINE_MAX_DEPTH)
        return;
    if (ast_is_def(n) || n->kind == NODE_Lambda) {
        u->escapes = captured(u, n); /* code that may run later */
        return;
    }
    u->stack[u->depth] = n; /* a global holder is a store's slot: see slot_of */
    if (n->kind == NODE_Name && ast_ctx(n) == CTX_Load && holder(u, n->v.Name.id))
        fate(u, u->depth);
    u->depth++;
    ast_children(n, uses_kid, u);
    u->depth--;
}

/* Follows the holders of the engine named name through func's body, again
 * while new ones appear (a holder used before the line that makes it one,
 * in a loop). */
static void follow(Uses *u)
{
    do {
        u->grew = 0;
        for (int i = 0; i < u->func->v.FunctionDef.body.n && !u->escapes && !u->disposed; i++) {
            u->depth = 0;
            uses_kid(NULL, u->func->v.FunctionDef.body.items[i], u);
        }
    } while (u->grew && !u->escapes && !u->disposed);
}

/* ------------------------------------------------------- long-lived slots */

/* Tests and dispose() calls found in a body (slot_kid). */
#define ENGINE_MAX_TESTS 16

typedef struct SlotScan {
    const Node *slot;                    /* dispose() of it */
    int before;                          /* tests on lines up to this one */
    const Node *tests[ENGINE_MAX_TESTS]; /* the tests of if, while, x if c else y */
    int ntests, disposes, depth;
} SlotScan;

static void slot_kid(Node *parent, Node *n, void *arg)
{
    SlotScan *k = arg;
    if (k->disposes || k->depth > ENGINE_MAX_DEPTH)
        return;
    if (parent && k->ntests < ENGINE_MAX_TESTS && n->lineno <= k->before &&
        ((parent->kind == NODE_If && parent->v.If.test == n) ||
         (parent->kind == NODE_While && parent->v.While.test == n) ||
         (parent->kind == NODE_IfExp && parent->v.IfExp.test == n)))
        k->tests[k->ntests++] = n;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        !strcmp(n->v.Call.func->v.Attribute.attr, "dispose") &&
        ast_same_ref(n->v.Call.func->v.Attribute.value, k->slot))
        k->disposes = 1;
    k->depth++;
    ast_children(n, slot_kid, k);
    k->depth--;
}

/* Does e read the slot: its name or chain, or the attribute's name as a
 * string (`hasattr(self, "_engine")`, `getattr(obj, "_engine", None)`)? */
typedef struct Reads {
    const Node *slot;
    int found, depth;
} Reads;

static void reads_kid(Node *parent, Node *n, void *arg)
{
    Reads *r = arg;
    (void)parent;
    if (r->found || r->depth > ENGINE_MAX_DEPTH)
        return;
    const Node *s = r->slot;
    r->found = ((n->kind == NODE_Name || n->kind == NODE_Attribute) && ast_same_ref(n, s)) ||
               (s->kind == NODE_Attribute && n->kind == NODE_Constant &&
                n->v.Constant.value.kind == CONST_STR &&
                !strcmp(n->v.Constant.value.s, s->v.Attribute.attr));
    r->depth++;
    ast_children(n, reads_kid, r);
    r->depth--;
}

static int reads(const Node *e, const Node *slot)
{
    Reads r = {slot, 0, 0};
    reads_kid(NULL, (Node *)e, &r);
    return r.found;
}

/* Is the store made once: does a test in func before it read the slot, or another
 * long-lived slot func stores (`if _factory is None:` around `_engine =
 * ...; _factory = ...`, `if self._ready: return`)?  Kept in a flag or in
 * the slot itself, the state says whether the engine was made already. */
typedef struct Once {
    const Uses *u;
    const SlotScan *tests;
    int found, depth;
} Once;

static void once_kid(Node *parent, Node *n, void *arg)
{
    Once *o = arg;
    (void)parent;
    if (o->found || o->depth > ENGINE_MAX_DEPTH || ast_is_def(n) || n->kind == NODE_Lambda)
        return;
    const Node *target, *value;
    if (ast_single_assign(n, &target, &value) && (target->kind == NODE_Name ||
                                                   target->kind == NODE_Attribute)) {
        int k = slot_of(o->u, target);
        for (int i = 0; (k == SLOT_LONG || k == SLOT_SELF) && i < o->tests->ntests; i++)
            o->found |= reads(o->tests->tests[i], target);
    }
    o->depth++;
    ast_children(n, once_kid, o);
    o->depth--;
}

/* Does the store of an engine into the long-lived slot u->slot replace
 * one that nothing disposes, every time func runs?  func runs per unit of
 * work (roles), and a self slot's object is made once; the store is not
 * made once (once_kid), and nothing in func, its module (its class, for
 * self) disposes the slot.  A dispose() of the old engine through another
 * name, or in another module, is not seen: a limit. */
static int replaces(const EngineCheck *k, const Uses *u, int roles)
{
    if (!(roles & FASTAPI_EVENT) || (u->slot_kind == SLOT_SELF && !(roles & FASTAPI_SHARED)))
        return 0;
    SlotScan in = {u->slot, u->slot->lineno, {0}, 0, 0, 0};
    ast_children((Node *)u->func, slot_kid, &in);
    for (int i = 0; i < in.ntests; i++)
        if (reads(in.tests[i], u->slot))
            return 0;
    Once o = {u, &in, 0, 0};
    ast_children((Node *)u->func, once_kid, &o);
    if (o.found || in.disposes)
        return 0;
    SlotScan all = {u->slot, 0, {0}, 0, 0, 0};
    const Node *owner = u->slot_kind == SLOT_SELF ? u->fs->parent->node
                                                  : scope_module(k->c->env->scopes)->node;
    ast_children((Node *)owner, slot_kid, &all);
    return !all.disposes;
}

/* The SL108 finding on call, the engine made in func; stored: the
 * long-lived slot it replaces, or NULL (dropped: why says how). */
static void report(EngineCheck *k, const Node *call, const Node *func, const char *why,
                   const Node *stored, int roles)
{
    Finding f = {0};
    f.code = "SL108";
    f.path = k->src->path;
    diag_span(&f, call);
    if (roles & FASTAPI_EVENT)
        f.contexts = CTX_LIVE; /* a task's or a handler's: service code, per unit of work */
    const char *fn = func->v.FunctionDef.name;
    const char *slot = stored ? dbval_text(k->c, k->src, stored, 40) : NULL;
    const char *by = k->made ? arena_printf(k->c->a, " by `%s`", name_of(call->v.Call.func)) : "";
    if (stored)
        f.message = arena_printf(
            k->c->a,
            "a new engine, and with it a new connection pool, is made%s on every call of `%s` "
            "and stored in `%s` over the one the call before stored, which nothing disposes: "
            "the connections each replaced pool opened stay open until the garbage collector "
            "finds it, so the database runs out of connections; make the engine once (at "
            "start-up, or under `if %s is None:`), or dispose() the old one before replacing it",
            by, fn, slot ? slot : "the same place", slot ? slot : "engine");
    else
        f.message = arena_printf(
            k->c->a,
            "a new engine, and with it a new connection pool, is made%s on every call of `%s` "
            "and %s: the connections it opened stay open until the garbage collector finds "
            "it, so under traffic the database runs out of connections; make one engine for "
            "the process (at module level or at start-up) and share it, or dispose() this one",
            by, fn, why);
    f.trace = arena_alloc(k->c->a, 3 * sizeof *f.trace);
    f.trace[0].path = f.path;
    f.trace[0].line = func->lineno;
    f.trace[0].col = func->col_offset;
    f.trace[0].note =
        roles & FASTAPI_EVENT
            ? arena_printf(k->c->a, "`%s` runs for every request, task, job or update it serves, "
                                    "and makes its own engine each time", fn)
            : arena_printf(k->c->a, "`%s` makes its own engine each time it runs", fn);
    f.ntrace = 1;
    if (k->made) {
        const char *mp = value_path_of(k->c->env->values, k->in);
        f.trace[f.ntrace++] = (TraceStep){mp ? mp : f.path, k->made->lineno, k->made->col_offset,
                                          arena_printf(k->c->a, "the engine `%s` returns is made here",
                                                       name_of(call->v.Call.func))};
    }
    if (stored)
        f.trace[f.ntrace++] = (TraceStep){f.path, stored->lineno, stored->col_offset,
                                          "stored here over the previous engine"};
    diag_add(k->out, &f);
}

/* Is func a generator that lends what it yields for one block: a
 * @contextmanager, or a FastAPI dependency? */
static int lends(const Node *func, int roles)
{
    return ast_decorated(func, "contextmanager") || ast_decorated(func, "asynccontextmanager") ||
           (roles & (FASTAPI_PROVIDER | FASTAPI_PROVIDER_FN)) != 0;
}

/* Is the call w is at one whose engine SL108 follows: assigned to one
 * target, or used at once (`f(...).connect()`)?  What else a call's value
 * becomes (returned, handed on) keeps it. */
static int followed_call(const DbWalk *w, const Node *n)
{
    if (w->depth > 1 && w->stack[w->depth - 1]->kind == NODE_Await)
        n = w->stack[w->depth - 1]; /* `x = await make_store()` of an async helper */
    const Node *parent = n == w->stack[w->depth - 1] ? w->stack[w->depth - 2]
                                                     : w->stack[w->depth - 1];
    const Node *target, *value;
    return parent->kind == NODE_Attribute ||
           (ast_single_assign(parent, &target, &value) && value == n);
}

void engines_visit(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w, const Node *n)
{
    const Node *func = dbval_walk_func(w);
    if (n->kind != NODE_Call || !func || func->kind == NODE_Lambda || w->depth < 1)
        return;
    EngineCheck k = {c, src, out, NULL, NULL};
    int awaited = w->depth > 1 && w->stack[w->depth - 1]->kind == NODE_Await;
    if (!pooled_engine(c, c->env->scopes, w->scope, n)) {
        /* a project helper that returns a new engine each call, or an object that keeps one */
        if ((n->v.Call.func->kind != NODE_Name && n->v.Call.func->kind != NODE_Attribute) ||
            !followed_call(w, n) ||
            !(k.made = fresh_engine(c, c->env->scopes, w->scope, n, 0, awaited, 0, &k.in)))
            return;
    }
    const FlowFastApi *fa = c->env->fastapi;
    int roles = fa ? fastapi_role(fa->model, func) : 0;
    if ((roles & FASTAPI_BOOT) && !(roles & FASTAPI_TASK))
        return; /* start-up code: once per process (a job it also runs first runs on) */
    if (made_once(func))
        return; /* made once and kept, or a test's */
    int up = 1 + awaited; /* `store = await make_store()`: the await's parent */
    if (awaited)
        n = w->stack[w->depth - 1];
    const Node *parent = w->stack[w->depth - up];
    while (parent->kind == NODE_Attribute && !strcmp(parent->v.Attribute.attr, "execution_options") &&
           w->depth > up + 1 && w->stack[w->depth - up - 1]->kind == NODE_Call &&
           w->stack[w->depth - up - 1]->v.Call.func == parent) {
        /* create_engine(url).execution_options(...): an engine over the same pool */
        n = w->stack[w->depth - up - 1];
        up += 2;
        parent = w->stack[w->depth - up];
    }
    const Node *call = ast_unawait(n);
    if (parent->kind == NODE_Attribute && k.made &&
        value_of(c->env->values, c->a, c->env->scopes, w->scope, call).tag == VAL_OBJECT)
        return; /* Owner().engine, Owner().session(): what leaves with it is not followed */
    if (parent->kind == NODE_Attribute) { /* create_engine(url).connect() */
        report(&k, call, func, "dropped at once", NULL, roles);
        return;
    }
    const Node *target, *value;
    const Scope *fs = scope_of(c->env->scopes, func);
    if (!fs || !ast_single_assign(parent, &target, &value) || value != n)
        return; /* returned, handed on: someone keeps it */
    Uses u = {.c = c, .func = func, .fs = fs, .lends = lends(func, roles)};
    store(&u, target);
    if (u.n) { /* a local name: follow what holds it */
        follow(&u);
        if (u.escapes || u.disposed || !u.used)
            return; /* kept, disposed, or never connected through: no pool opened */
    }
    if (u.slot && replaces(&k, &u, roles))
        report(&k, call, func, NULL, u.slot, roles);
    else if (!u.slot && !u.escapes)
        report(&k, call, func, "nothing disposes it", NULL, roles);
}
