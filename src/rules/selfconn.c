/*
 * selfconn.c - SL203 through an object's own connection (see selfconn.h).
 *
 * An object that makes a session or a connection and keeps it on self
 * (`self.conn = await asyncpg.connect(...)` in a start-up method, a
 * repository's `self.session = AsyncSession(engine)`) holds one: each
 * statement on it waits for the previous one to finish.  Two coroutines of
 * its methods run at once (`asyncio.gather(self.one(1), self.one(2))`, two
 * `tg.create_task(...)` of a task group, one in a comprehension gathered)
 * that both use that attribute, directly or through another method of the
 * class they call, send statements on the one connection at once: asyncpg
 * raises InterfaceError ("another operation is in progress"), an
 * AsyncSession InvalidRequestError ("concurrent operations are not
 * permitted").  Reported on the gather (the second create_task).
 *
 * What the object keeps is read from the class's methods, or a base's of
 * the project (in whatever module the class is): an assignment to `self.<attr>` of what the value
 * model knows to be a fresh session or connection, or of a parameter that
 * it knows to hold one (`self.session = session` in __init__, the session
 * annotated or passed by the callers: whoever owns it, the object has one);
 * not a pool, an engine or a sessionmaker, made to be shared.  The task-local case, a session made per call, is the
 * dataflow's (flow_jobs.c).
 */
#include "rules/selfconn.h"

#include <string.h>

#include "model.h"
#include "value.h"

#define SELF_MAX_DEPTH 256 /* nesting followed in a body */
#define SELF_MAX_CALLS 2   /* methods followed inside one another */
#define SELF_MAX_CORO 16   /* coroutines of one gather looked at */

/* Is kind a resource that runs one statement at a time? */
static int single(int kind)
{
    return kind == RES_SESSION || kind == RES_CONNECTION || kind == RES_PGCONN ||
           kind == RES_DBAPI || kind == RES_POOLED || kind == RES_APOOLED;
}

/* The name of def's first parameter (self), or NULL. */
static const char *self_name(const Node *def)
{
    const Node *p = ast_param(def, 0);
    return p ? p->v.arg.arg : NULL;
}

static int is_self_attr(const Node *e, const char *self, const char *attr)
{
    return e->kind == NODE_Attribute && e->v.Attribute.value->kind == NODE_Name &&
           !strcmp(e->v.Attribute.value->v.Name.id, self) &&
           (!attr || !strcmp(e->v.Attribute.attr, attr));
}

/* ---- what the class keeps: `self.<attr> = <a session or connection>` ---- */

typedef struct Keeps {
    DbCtx *c;
    const ScopeTable *t;
    const Scope *s;   /* the method's scope */
    const char *self;
    const char *attr; /* the attribute asked about */
    const Node *at;   /* the assignment, once found */
    int kind, given, depth; /* given: handed to the method (a parameter), not made */
} Keeps;

static void keeps_kid(Node *parent, Node *n, void *arg)
{
    Keeps *k = arg;
    (void)parent;
    if (k->at || k->depth > SELF_MAX_DEPTH || ast_is_def(n) || n->kind == NODE_ClassDef)
        return;
    const Node *t = NULL, *v = NULL;
    if (ast_single_assign(n, &t, &v) && is_self_attr(t, k->self, k->attr)) {
        Val x = value_of(k->c->env->values, k->c->a, k->t, k->s, ast_unawait(v));
        const Binding *b = v->kind == NODE_Name ? scope_lookup(k->t, k->s, v->v.Name.id, NULL) : NULL;
        int given = b && b->kind == BIND_PARAM;
        if (x.tag == VAL_RESOURCE && (x.fresh || given) && single(x.kind)) {
            k->at = n;
            k->kind = x.kind;
            k->given = given && !x.fresh;
        }
        return;
    }
    k->depth++;
    ast_children(n, keeps_kid, k);
    k->depth--;
}

/* The statement of a method of cls (in table t), or of a base of the
 * project's it inherits (`super().__init__(session=session)` in a
 * repository whose base keeps it), that keeps a session or connection of
 * its own in self.<attr>, or NULL; *kind: its kind, *where: the table that
 * holds it.  Bases are climbed at most SELF_MAX_BASES deep. */
#define SELF_MAX_BASES 4

static const Node *kept(DbCtx *c, const ScopeTable *t, const Node *cls, const char *attr,
                        int *kind, int *given, const ScopeTable **where, int depth)
{
    const NodeList *body = &cls->v.ClassDef.body;
    for (int i = 0; t && i < body->n; i++) {
        const Node *m = body->items[i];
        const char *self = ast_is_function(m) ? self_name(m) : NULL;
        const Scope *s = self ? scope_of(t, m) : NULL;
        if (!s)
            continue;
        Keeps k = {c, t, s, self, attr, NULL, RES_NONE, 0, 0};
        for (int j = 0; j < m->v.FunctionDef.body.n && !k.at; j++)
            keeps_kid(NULL, m->v.FunctionDef.body.items[j], &k);
        if (k.at) {
            *kind = k.kind;
            *given = k.given;
            *where = t;
            return k.at;
        }
    }
    const Node *b;
    for (int i = 0; depth < SELF_MAX_BASES && (b = value_base(c->env->values, cls, i)); i++) {
        const Node *at = kept(c, value_table_of(c->env->values, b), b, attr, kind, given, where,
                              depth + 1);
        if (at)
            return at;
    }
    return NULL;
}

/* ---- which attribute of self a method uses for SQL ---- */

typedef struct Uses {
    const Node *cls;
    const char *self;
    const char *attrs[8]; /* self.<attr> the method reads, in order */
    int n, calls, depth;
} Uses;

static void uses_body(Uses *u, const Node *def);

static void uses_kid(Node *parent, Node *n, void *arg)
{
    Uses *u = arg;
    (void)parent;
    if (u->depth > SELF_MAX_DEPTH || ast_is_def(n) || n->kind == NODE_ClassDef)
        return;
    if (n->kind == NODE_Call && is_self_attr(n->v.Call.func, u->self, NULL)) {
        /* self.helper(...): what the helper uses, one level at a time */
        const Node *m = ast_method_named(u->cls, n->v.Call.func->v.Attribute.attr);
        if (m && u->calls < SELF_MAX_CALLS) {
            const char *self = u->self;
            u->calls++;
            u->self = self_name(m);
            if (u->self)
                uses_body(u, m);
            u->self = self;
            u->calls--;
        }
    } else if (is_self_attr(n, u->self, NULL) && ast_ctx(n) == CTX_Load && u->n < 8) {
        int seen = 0;
        for (int i = 0; i < u->n && !seen; i++)
            seen = !strcmp(u->attrs[i], n->v.Attribute.attr);
        if (!seen)
            u->attrs[u->n++] = n->v.Attribute.attr;
    }
    u->depth++;
    ast_children(n, uses_kid, u);
    u->depth--;
}

static void uses_body(Uses *u, const Node *def)
{
    for (int i = 0; i < def->v.FunctionDef.body.n; i++)
        uses_kid(NULL, def->v.FunctionDef.body.items[i], u);
}

/* ---- the coroutines that run at once ---- */

typedef struct Coro {
    const Node *call;  /* `recv.m(...)` */
    const Node *recv;
    const Node *def, *cls;
    const ScopeTable *t;
    int many;          /* in a comprehension: several of it */
} Coro;

/* The method coroutine call e makes (`recv.m(...)`, m a method of a class of
 * the project), into *out. */
static int coro_of(DbCtx *c, const DbWalk *w, const Node *e, int many, Coro *out)
{
    e = ast_unawait(e);
    if (!e || e->kind != NODE_Call || e->v.Call.func->kind != NODE_Attribute)
        return 0;
    const ScopeTable *t = NULL;
    int method = 0;
    const Node *def = dbval_callee(c, c->env->scopes, w->scope, e, &t, &method);
    const Scope *s = def && method && def->kind == NODE_AsyncFunctionDef ? scope_of(t, def) : NULL;
    if (!s || !s->parent || s->parent->kind != SCOPE_CLASS)
        return 0;
    *out = (Coro){e, e->v.Call.func->v.Attribute.value, def, s->parent->node, t, many};
    return 1;
}

static void report(DbCtx *c, const Source *src, FindingList *out, const Node *at,
                   const Coro *a, const Coro *b, const char *attr, const Node *made,
                   const ScopeTable *mt, int kind, int given)
{
    const char *how = given ? "is given and keeps" : "makes and keeps";
    const char *noun = model_res(kind)->noun;
    const char *ma = a->def->v.FunctionDef.name, *mb = b->def->v.FunctionDef.name;
    const char *cls = a->cls->v.ClassDef.name;
    const char *what =
        a->def == b->def ? arena_printf(c->a, "coroutines of `%s()` run at once here", ma)
               : arena_printf(c->a, "`%s()` and `%s()` run at once here", ma, mb);
    TraceStep steps[2] = {
        {mt == c->env->scopes ? src->path : NULL, made->lineno, made->col_offset,
         arena_printf(c->a, "`%s` keeps the one %s it %s in `self.%s`", cls, noun,
                      given ? "is given" : "makes", attr)},
        {src->path, at->lineno, at->col_offset,
         arena_printf(c->a, "both use `self.%s` from here", attr)}};
    int nsteps = 2, first = 0;
    if (!steps[0].path) { /* the class is in another module: its line means nothing here */
        first = 1;
        nsteps = 1;
    }
    diag_report(out, c->a, "SL203", src->path, at,
                arena_printf(c->a,
                             "%s, and both use `self.%s`, the one %s a `%s` %s: "
                             "it runs one statement at a time, so the second fails (asyncpg: "
                             "\"another operation is in progress\"; an AsyncSession: "
                             "\"concurrent operations are not permitted\"); give each its own "
                             "(a pool's acquire(), a session per task), or await them one "
                             "after the other",
                             what, attr, noun, cls, how),
                steps + first, nsteps);
}

/* Do two of the n coroutines (one in a comprehension counts twice) use the
 * same kept attribute of the same object?  Reports it. */
static int judge(DbCtx *c, const Source *src, FindingList *out, const Node *at, const Coro *co,
                 int n)
{
    for (int i = 0; i < n; i++) {
        Uses ui = {co[i].cls, self_name(co[i].def), {NULL}, 0, 0, 0};
        if (!ui.self)
            continue;
        uses_body(&ui, co[i].def);
        for (int j = co[i].many ? i : i + 1; j < n; j++) {
            if (co[j].cls != co[i].cls || !ast_same_ref(co[i].recv, co[j].recv))
                continue;
            Uses uj = {co[j].cls, self_name(co[j].def), {NULL}, 0, 0, 0};
            if (!uj.self)
                continue;
            uses_body(&uj, co[j].def);
            for (int x = 0; x < ui.n; x++)
                for (int y = 0; y < uj.n; y++) {
                    int kind, given;
                    const ScopeTable *mt = NULL;
                    const Node *made = strcmp(ui.attrs[x], uj.attrs[y])
                                           ? NULL
                                           : kept(c, co[i].t, co[i].cls, ui.attrs[x], &kind,
                                                  &given, &mt, 0);
                    if (made) {
                        report(c, src, out, at, &co[i], &co[j], ui.attrs[x], made, mt, kind,
                               given);
                        return 1;
                    }
                }
        }
    }
    return 0;
}

typedef struct Group {
    DbCtx *c;
    const DbWalk *w;
    const char *tg;
    Coro co[SELF_MAX_CORO];
    int n, loops, depth;
    const Node *last; /* the last create_task */
} Group;

static void group_kid(Node *parent, Node *n, void *arg)
{
    Group *g = arg;
    (void)parent;
    if (g->depth > SELF_MAX_DEPTH || ast_is_def(n) || g->n == SELF_MAX_CORO)
        return;
    const Node *f = n->kind == NODE_Call ? n->v.Call.func : NULL;
    if (f && f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "create_task") &&
        f->v.Attribute.value->kind == NODE_Name && !strcmp(f->v.Attribute.value->v.Name.id, g->tg) &&
        n->v.Call.args.n > 0) {
        if (coro_of(g->c, g->w, n->v.Call.args.items[0], g->loops > 0, &g->co[g->n])) {
            g->n++;
            g->last = n;
        }
        return;
    }
    int loop = n->kind == NODE_For || n->kind == NODE_AsyncFor || n->kind == NODE_While;
    g->depth++;
    g->loops += loop;
    ast_children(n, group_kid, g);
    g->loops -= loop;
    g->depth--;
}

/* What runs its awaitables at once: 1 for gather(*aws), 2 for wait(aws)
 * and as_completed(aws) (one iterable), 0 for anything else. */
static int runs_together(const Node *call)
{
    const Node *f = call->v.Call.func;
    const char *m = f->kind == NODE_Attribute ? f->v.Attribute.attr
                    : f->kind == NODE_Name    ? f->v.Name.id
                                              : NULL;
    return !m                                                   ? 0
           : !strcmp(m, "gather")                               ? 1
           : !strcmp(m, "wait") || !strcmp(m, "as_completed")   ? 2
                                                                : 0;
}

void selfconn_visit(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w,
                    const Node *n)
{
    const char *tg = model_task_group(n);
    if (tg) {
        Group g = {.c = c, .w = w, .tg = tg};
        for (int i = 0; i < n->v.With.body.n; i++)
            group_kid(NULL, n->v.With.body.items[i], &g);
        if (g.n)
            judge(c, src, out, g.last, g.co, g.n);
        return;
    }
    int how = n->kind == NODE_Call ? runs_together(n) : 0;
    if (!how)
        return;
    /* gather(a, b, *[...]); wait([a, b]), wait([... for ...]) */
    const NodeList *args = &n->v.Call.args;
    const Node *one = how == 2 && args->n > 0 ? args->items[0] : NULL;
    if (how == 2 && (!one || (one->kind != NODE_List && one->kind != NODE_Tuple &&
                              one->kind != NODE_Set && one->kind != NODE_ListComp &&
                              one->kind != NODE_GeneratorExp && one->kind != NODE_SetComp)))
        return;
    Coro co[SELF_MAX_CORO];
    int k = 0;
    if (one && (one->kind == NODE_ListComp || one->kind == NODE_GeneratorExp ||
                one->kind == NODE_SetComp))
        k += coro_of(c, w, one->v.ListComp.elt, 1, &co[k]);
    else if (one)
        args = &one->v.List.elts; /* List, Tuple and Set share the layout */
    for (int i = 0; !(one && k) && i < args->n && k < SELF_MAX_CORO; i++) {
        const Node *a = args->items[i];
        int many = a->kind == NODE_Starred;
        if (many) { /* *[self.work(x) for x in xs] */
            a = a->v.Starred.value;
            a = a->kind == NODE_ListComp || a->kind == NODE_GeneratorExp ? a->v.ListComp.elt
                                                                         : NULL;
        }
        k += a && coro_of(c, w, a, many, &co[k]);
    }
    if (k)
        judge(c, src, out, n, co, k);
}
