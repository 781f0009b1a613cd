/*
 * ambient.c - SL203 through an ambient session (see ambient.h).
 *
 * An ambient provider is a function of the project (a @contextmanager or
 * a plain one) that reads a context variable (`existing = V.get()`), hands
 * out what it holds when it is set (`if existing is not None: yield
 * existing`), and otherwise makes a session and sets V to it.  Nested
 * helpers of one unit of work then share its session instead of checking
 * out a second connection.  But asyncio.create_task() (ensure_future, a
 * TaskGroup's create_task, gather() of coroutines) runs the new task in a
 * copy of the current context: every task started inside the provider's
 * block sees V set, and a task whose code enters the provider gets the
 * parent's session, while the parent goes on using it, or after the block
 * has closed it.  A task group waits for its tasks inside the block: there
 * it takes two tasks (or one started in a loop) to use the session at once.  A provider whose reuse test asks which task is running
 * (asyncio.current_task(), a task stored beside the session) is quiet.
 *
 * Reported on the call that starts the task (for gather: two coroutines or
 * a starred comprehension that enter the provider).
 */
#include "rules/ambient.h"

#include <string.h>

#include "fastapi.h"
#include "model.h"
#include "value.h"

#define AMBIENT_MAX_DEPTH 128 /* nesting followed in a body */
#define AMBIENT_CALLS 2       /* helper levels followed to the provider's with */

/* The provider's reading: the variable read, the name it lands in. */
typedef struct Reading {
    const Node *var;  /* V of `x = V.get()` */
    const char *name; /* x */
    int lends;        /* x (or x.attr) yielded or returned under a test of x */
    int sets;         /* V.set(...) */
    int task_aware;   /* the test asks which task runs */
    int depth;
} Reading;

static int mentions_task(const Node *e, int depth)
{
    if (!e || depth > AMBIENT_MAX_DEPTH)
        return 0;
    if (e->kind == NODE_Attribute &&
        (!strcmp(e->v.Attribute.attr, "current_task") || !strcmp(e->v.Attribute.attr, "task")))
        return 1;
    if (e->kind == NODE_Name && (!strcmp(e->v.Name.id, "current_task") ||
                                 strstr(e->v.Name.id, "task")))
        return 1;
    switch (e->kind) {
    case NODE_BoolOp:
        for (int i = 0; i < e->v.BoolOp.values.n; i++)
            if (mentions_task(e->v.BoolOp.values.items[i], depth + 1))
                return 1;
        return 0;
    case NODE_Compare:
        if (mentions_task(e->v.Compare.left, depth + 1))
            return 1;
        for (int i = 0; i < e->v.Compare.comparators.n; i++)
            if (mentions_task(e->v.Compare.comparators.items[i], depth + 1))
                return 1;
        return 0;
    case NODE_Attribute: return mentions_task(e->v.Attribute.value, depth + 1);
    case NODE_Call: return mentions_task(e->v.Call.func, depth + 1);
    case NODE_UnaryOp: return mentions_task(e->v.UnaryOp.operand, depth + 1);
    default: return 0;
    }
}

static int is_name(const Node *e, const char *name)
{
    if (e && e->kind == NODE_Attribute) /* existing.session */
        e = e->v.Attribute.value;
    return e && name && e->kind == NODE_Name && !strcmp(e->v.Name.id, name);
}

/* Does a statement list hand x out (yield or return it)? */
static int hands_out(const NodeList *body, const char *name)
{
    for (int i = 0; i < body->n; i++) {
        const Node *st = body->items[i];
        const Node *v = st->kind == NODE_Return ? st->v.Return.value
                        : st->kind == NODE_Expr && (st->v.Expr.value->kind == NODE_Yield)
                            ? st->v.Expr.value->v.Yield.value
                            : NULL;
        if (is_name(v, name))
            return 1;
    }
    return 0;
}

/* `V.get(...)` (V a name or an attribute chain): V, else NULL. */
static const Node *var_get(const Node *e)
{
    if (!e || e->kind != NODE_Call || e->v.Call.func->kind != NODE_Attribute ||
        strcmp(e->v.Call.func->v.Attribute.attr, "get"))
        return NULL;
    const Node *v = e->v.Call.func->v.Attribute.value;
    return v->kind == NODE_Name || v->kind == NODE_Attribute ? v : NULL;
}

static void reading_kid(Node *parent, Node *n, void *arg)
{
    Reading *r = arg;
    (void)parent;
    if (r->depth > AMBIENT_MAX_DEPTH || ast_is_def(n))
        return;
    const Node *t, *v;
    if (ast_single_assign(n, &t, &v) && t->kind == NODE_Name && var_get(v) && !r->var) {
        r->var = var_get(v);
        r->name = t->v.Name.id;
    } else if (n->kind == NODE_If && r->name && hands_out(&n->v.If.body, r->name)) {
        r->lends = 1;
        r->task_aware |= mentions_task(n->v.If.test, 0);
    } else if (n->kind == NODE_Call && r->var && n->v.Call.func->kind == NODE_Attribute &&
               !strcmp(n->v.Call.func->v.Attribute.attr, "set") &&
               ast_same_ref(n->v.Call.func->v.Attribute.value, r->var)) {
        r->sets = 1;
    }
    r->depth++;
    ast_children(n, reading_kid, r);
    r->depth--;
}

/* Is def an ambient provider? */
static int ambient_provider(const Node *def)
{
    if (!def || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef))
        return 0;
    Reading r = {0};
    for (int i = 0; i < def->v.FunctionDef.body.n; i++)
        reading_kid(NULL, def->v.FunctionDef.body.items[i], &r);
    return r.var && r.lends && r.sets && !r.task_aware;
}

/* Does the body of def (in table t) enter the provider, itself or through
 * a project function it calls (AMBIENT_CALLS levels)? */
typedef struct Enters {
    DbCtx *c;
    const ScopeTable *t;
    const Scope *s;
    const Node *provider;
    int level, found, depth;
} Enters;

static int enters(DbCtx *c, const ScopeTable *t, const Node *def, const Node *provider, int level);

static void enters_kid(Node *parent, Node *n, void *arg)
{
    Enters *e = arg;
    (void)parent;
    if (e->found || e->depth > AMBIENT_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_Call) {
        const ScopeTable *ct = NULL;
        int method = 0;
        const Node *def = dbval_callee(e->c, e->t, e->s, n, &ct, &method);
        if (def == e->provider ||
            (def && e->level < AMBIENT_CALLS && enters(e->c, ct, def, e->provider, e->level + 1))) {
            e->found = 1;
            return;
        }
    }
    e->depth++;
    ast_children(n, enters_kid, e);
    e->depth--;
}

static int enters(DbCtx *c, const ScopeTable *t, const Node *def, const Node *provider, int level)
{
    if (!def || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef))
        return 0;
    FlowEnv env = *c->env;
    env.scopes = t ? t : c->env->scopes;
    DbCtx in = *c;
    in.env = &env;
    Enters e = {&in, env.scopes, scope_of(env.scopes, def), provider, level, 0, 0};
    for (int i = 0; e.s && i < def->v.FunctionDef.body.n && !e.found; i++)
        enters_kid(NULL, def->v.FunctionDef.body.items[i], &e);
    return e.found;
}

/* The ambient provider the with statement n enters, if any. */
static const Node *provider_of(DbCtx *c, const DbWalk *w, const Node *n)
{
    for (int i = 0; i < n->v.With.items.n; i++) {
        const Node *e = n->v.With.items.items[i]->v.withitem.context_expr;
        if (e->kind == NODE_Await)
            e = e->v.Await.value;
        if (e->kind != NODE_Call)
            continue;
        const ScopeTable *t = NULL;
        int method = 0;
        const Node *def = dbval_callee(c, c->env->scopes, w->scope, e, &t, &method);
        if (ambient_provider(def))
            return def;
    }
    return NULL;
}

/* The coroutine a task starter runs: `create_task(work(...))`. */
static const Node *started(const Node *call)
{
    static const char *const starters[] = {"create_task", "ensure_future", NULL};
    const Node *f = call->v.Call.func;
    const char *m = f->kind == NODE_Attribute ? f->v.Attribute.attr
                    : f->kind == NODE_Name    ? f->v.Name.id
                                              : NULL;
    return ast_name_in(m, starters) && call->v.Call.args.n > 0 ? call->v.Call.args.items[0] : NULL;
}

typedef struct Starts {
    DbCtx *c;
    const Source *src;
    FindingList *out;
    const DbWalk *w;
    const Node *with, *provider;
    int reported, depth;
} Starts;

static int coro_enters(Starts *st, const Node *coro)
{
    if (!coro || coro->kind != NODE_Call)
        return 0;
    const ScopeTable *t = NULL;
    int method = 0;
    const Node *def = dbval_callee(st->c, st->c->env->scopes, st->w->scope, coro, &t, &method);
    return def && def != st->provider && enters(st->c, t, def, st->provider, 0);
}

static void report(Starts *st, const Node *at, const Node *coro)
{
    const char *fn = coro->v.Call.func->kind == NODE_Name ? coro->v.Call.func->v.Name.id
                     : coro->v.Call.func->kind == NODE_Attribute
                         ? coro->v.Call.func->v.Attribute.attr
                         : "the task";
    const char *prov = st->provider->v.FunctionDef.name;
    TraceStep steps[2] = {
        {st->src->path, st->with->lineno, st->with->col_offset,
         arena_printf(st->c->a, "`%s()` sets its context variable here, for the block", prov)},
        {st->src->path, at->lineno, at->col_offset,
         arena_printf(st->c->a, "`%s` starts here, in that context", fn)}};
    diag_report(
        st->out, st->c->a, "SL203", st->src->path, at,
        arena_printf(
            st->c->a,
            "the task started here runs in a copy of this context, where `%s()` keeps the session "
            "it made for this block: `%s` enters `%s()`, which hands it that same session, so the "
            "task and this function (or the other tasks) use one session at once, and a task that "
            "runs after the block uses it after it is closed; reuse the session only in the task "
            "that made it (asyncio.current_task()), or open one in the task",
            prov, fn, prov),
        steps, 2);
    st->reported = 1;
}

/* A task group's tasks: the group waits for them before its block ends, so
 * one task alone uses the session while the parent waits; two (or one
 * started in a loop or a comprehension) use it at once. */
typedef struct Group {
    Starts *st;
    const char *name; /* the group's `as` name */
    int count, repeated, depth;
    const Node *first, *first_coro;
} Group;

static void group_kid(Node *parent, Node *n, void *arg)
{
    Group *g = arg;
    (void)parent;
    if (g->depth > AMBIENT_MAX_DEPTH || ast_is_def(n))
        return;
    int loop = n->kind == NODE_For || n->kind == NODE_AsyncFor || n->kind == NODE_While ||
               n->kind == NODE_ListComp || n->kind == NODE_GeneratorExp || n->kind == NODE_SetComp;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        !strcmp(n->v.Call.func->v.Attribute.attr, "create_task") &&
        n->v.Call.func->v.Attribute.value->kind == NODE_Name &&
        !strcmp(n->v.Call.func->v.Attribute.value->v.Name.id, g->name) && n->v.Call.args.n > 0 &&
        coro_enters(g->st, n->v.Call.args.items[0])) {
        g->count += 1 + g->repeated;
        if (!g->first) {
            g->first = n;
            g->first_coro = n->v.Call.args.items[0];
        }
        return;
    }
    g->depth++;
    g->repeated += loop;
    ast_children(n, group_kid, g);
    g->repeated -= loop;
    g->depth--;
}

static void starts_kid(Node *parent, Node *n, void *arg)
{
    Starts *st = arg;
    (void)parent;
    if (st->reported || st->depth > AMBIENT_MAX_DEPTH || ast_is_def(n))
        return;
    const char *tg = model_task_group(n);
    if (tg) {
        Group g = {st, tg, 0, 0, 0, NULL, NULL};
        for (int i = 0; i < n->v.With.body.n; i++)
            group_kid(NULL, n->v.With.body.items[i], &g);
        if (g.count >= 2)
            report(st, g.first, g.first_coro);
        return;
    }
    if (n->kind == NODE_Call) {
        const Node *coro = started(n);
        const Node *f = n->v.Call.func;
        const char *m = f->kind == NODE_Attribute ? f->v.Attribute.attr
                        : f->kind == NODE_Name    ? f->v.Name.id
                                                  : "";
        if (coro && coro_enters(st, coro)) {
            report(st, n, coro);
            return;
        }
        if (!strcmp(m, "gather")) {
            int count = 0;
            const Node *first = NULL;
            for (int i = 0; i < n->v.Call.args.n; i++) {
                const Node *a = n->v.Call.args.items[i];
                int many = a->kind == NODE_Starred;
                if (many) { /* *[work(x) for x in xs] */
                    a = a->v.Starred.value;
                    a = a->kind == NODE_ListComp || a->kind == NODE_GeneratorExp
                            ? a->v.ListComp.elt : NULL;
                }
                if (a && coro_enters(st, a)) {
                    count += many ? 2 : 1;
                    first = first ? first : a;
                }
            }
            if (count >= 2) {
                report(st, n, first);
                return;
            }
        }
    }
    st->depth++;
    ast_children(n, starts_kid, st);
    st->depth--;
}

void ambient_visit(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w, const Node *n)
{
    if (n->kind != NODE_AsyncWith && n->kind != NODE_With)
        return;
    const Node *provider = provider_of(c, w, n);
    if (!provider)
        return;
    Starts st = {c, src, out, w, n, provider, 0, 0};
    for (int i = 0; i < n->v.With.body.n && !st.reported; i++)
        starts_kid(NULL, n->v.With.body.items[i], &st);
}
