/*
 * dbval.c - what a name or expression holds, from the source alone (see
 * dbval.h).  A small evaluator over scopes: module-level values across the
 * project (as the dataflow's eval_global does), locals through every
 * statement that binds them, parameters through annotations and FastAPI
 * dependencies, `self.x` through its class.  Where bindings disagree or
 * anything is unknown, the answer is VAL_UNKNOWN.
 */
#include "dbval.h"

#include <string.h>

#include "fastapi.h"
#include "model.h"

/* Classes: what an instance of each is (an annotation, or a call of the
 * class).  A Session is a Session whatever it is bound to, unlike in the
 * resource model, where one on a borrowed connection owns nothing. */
static const struct {
    const char *qual;
    unsigned char tag, kind, is_async;
} classes[] = {
    {"sqlalchemy.orm.Session", VAL_RESOURCE, RES_SESSION, 0},
    {"sqlalchemy.orm.session.Session", VAL_RESOURCE, RES_SESSION, 0},
    {"sqlmodel.Session", VAL_RESOURCE, RES_SESSION, 0},
    {"sqlmodel.orm.session.Session", VAL_RESOURCE, RES_SESSION, 0},
    {"sqlalchemy.ext.asyncio.AsyncSession", VAL_RESOURCE, RES_SESSION, 1},
    {"sqlalchemy.ext.asyncio.session.AsyncSession", VAL_RESOURCE, RES_SESSION, 1},
    {"sqlmodel.ext.asyncio.session.AsyncSession", VAL_RESOURCE, RES_SESSION, 1},
    {"sqlalchemy.orm.scoped_session", VAL_FACTORY, FAC_SCOPED, 0},
    {"sqlalchemy.orm.scoping.scoped_session", VAL_FACTORY, FAC_SCOPED, 0},
    {"sqlalchemy.ext.asyncio.async_scoped_session", VAL_FACTORY, FAC_SCOPED, 1},
    {"sqlalchemy.Connection", VAL_RESOURCE, RES_CONNECTION, 0},
    {"sqlalchemy.engine.Connection", VAL_RESOURCE, RES_CONNECTION, 0},
    {"sqlalchemy.engine.base.Connection", VAL_RESOURCE, RES_CONNECTION, 0},
    {"sqlalchemy.ext.asyncio.AsyncConnection", VAL_RESOURCE, RES_CONNECTION, 1},
    {"sqlalchemy.ext.asyncio.engine.AsyncConnection", VAL_RESOURCE, RES_CONNECTION, 1},
    {"psycopg2.extensions.connection", VAL_RESOURCE, RES_DBAPI, 0},
    {"psycopg2.extensions.cursor", VAL_RESOURCE, RES_CURSOR, 0},
    {"psycopg.Connection", VAL_RESOURCE, RES_PGCONN, 0},
    {"psycopg.AsyncConnection", VAL_RESOURCE, RES_PGCONN, 1},
    {"psycopg.Cursor", VAL_RESOURCE, RES_CURSOR, 0},
    {"psycopg.AsyncCursor", VAL_RESOURCE, RES_CURSOR, 1},
    {"asyncpg.Connection", VAL_RESOURCE, RES_PGCONN, 1},
    {"asyncpg.connection.Connection", VAL_RESOURCE, RES_PGCONN, 1},
    {"asyncpg.pool.PoolConnectionProxy", VAL_RESOURCE, RES_APOOLED, 1},
};

static Val unknown(void)
{
    Val v = {VAL_UNKNOWN, 0, 0, NULL, 0, 0, NULL, 0};
    return v;
}

static int known(const Val *v) { return v->tag == VAL_FACTORY || v->tag == VAL_RESOURCE; }

/* An instance of the class qual, or unknown. */
static Val instance(const char *qual)
{
    for (size_t i = 0; qual && i < sizeof classes / sizeof *classes; i++)
        if (!strcmp(classes[i].qual, qual)) {
            Val v = {classes[i].tag, classes[i].kind, classes[i].is_async, NULL, 0, 0, NULL, 0};
            return v;
        }
    return model_type(qual); /* engines, sessionmakers, pools */
}

int dbval_is_sqlalchemy(const Val *v)
{
    if (v->tag == VAL_RESOURCE)
        return v->kind == RES_SESSION || v->kind == RES_CONNECTION;
    return v->tag == VAL_FACTORY && v->kind == FAC_SCOPED; /* proxies its session */
}

int dbval_is_transactional(const Val *v)
{
    if (dbval_is_sqlalchemy(v))
        return 1;
    return v->tag == VAL_RESOURCE && (v->kind == RES_DBAPI || v->kind == RES_POOLED ||
                                      (v->kind == RES_PGCONN && !v->is_async));
}

/* Qualified name of e in scope s of table t, in c's arena. */
static const char *qual_in(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    char buf[512]; /* as long as MODGRAPH_MAX_NAME */
    size_t n = scope_qualname_buf(t, s, e, buf, sizeof buf);
    if (!n || n >= sizeof buf)
        return NULL;
    return arena_strndup(c->a, buf, n);
}

const char *dbval_qualname(DbCtx *c, const Scope *s, const Node *e)
{
    return qual_in(c, c->env->scopes, s, e);
}

/* A project definition named by the qualified name q. */
static int resolve(DbCtx *c, const char *q, FlowDef *d)
{
    return q && c->env->resolve && c->env->resolve(c->env->resolve_arg, q, d) && d->binding;
}

/* ------------------------------------------------------ binding sites */

enum { SITE_VALUE, SITE_WITH, SITE_FOR, SITE_AUG, SITE_OTHER };

/* Every statement of one scope that binds name; fn returns 0 to stop. */
typedef struct Sites {
    const char *name;
    int (*fn)(struct Sites *st, int kind, const Node *at, const Node *value);
    void *arg;
    int stop, depth;
} Sites;

static int is_name(const Node *n, const char *name)
{
    return n && n->kind == NODE_Name && !strcmp(n->v.Name.id, name);
}

/* Does the assignment target t bind name (inside a tuple, a star...)? */
static int binds(const Node *t, const char *name, int depth)
{
    if (!t || depth > 32)
        return 0;
    switch (t->kind) {
    case NODE_Name: return !strcmp(t->v.Name.id, name);
    case NODE_Starred: return binds(t->v.Starred.value, name, depth + 1);
    case NODE_Tuple:
    case NODE_List: {
        const NodeList *l = t->kind == NODE_Tuple ? &t->v.Tuple.elts : &t->v.List.elts;
        for (int i = 0; i < l->n; i++)
            if (binds(l->items[i], name, depth + 1))
                return 1;
        return 0;
    }
    default: return 0;
    }
}

static void site(Sites *st, int kind, const Node *at, const Node *value)
{
    if (!st->stop && !st->fn(st, kind, at, value))
        st->stop = 1;
}

static int alias_binds(const Node *al, const char *name)
{
    const char *bound = al->v.alias.asname ? al->v.alias.asname : al->v.alias.name;
    size_t n = strlen(name);
    return !strncmp(bound, name, n) && (bound[n] == 0 || bound[n] == '.');
}

static void sites_kid(Node *parent, Node *n, void *arg);

/* The binding forms of one node; returns 0 when its children are another scope's. */
static int site_of(Sites *st, const Node *n)
{
    const char *name = st->name;
    switch (n->kind) {
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef:
        if (!strcmp(n->v.FunctionDef.name, name))
            site(st, SITE_OTHER, n, NULL);
        return 0;
    case NODE_ClassDef:
        if (!strcmp(n->v.ClassDef.name, name))
            site(st, SITE_OTHER, n, NULL);
        return 0;
    case NODE_Lambda:
    case NODE_ListComp:
    case NODE_SetComp:
    case NODE_DictComp:
    case NODE_GeneratorExp: return 0;
    case NODE_Assign:
        for (int i = 0; i < n->v.Assign.targets.n; i++) {
            const Node *t = n->v.Assign.targets.items[i];
            if (is_name(t, name))
                site(st, SITE_VALUE, n, n->v.Assign.value);
            else if (binds(t, name, 0))
                site(st, SITE_OTHER, n, NULL);
        }
        return 1;
    case NODE_AnnAssign:
        if (is_name(n->v.AnnAssign.target, name) && n->v.AnnAssign.value)
            site(st, SITE_VALUE, n, n->v.AnnAssign.value);
        return 1;
    case NODE_AugAssign:
        if (is_name(n->v.AugAssign.target, name))
            site(st, SITE_AUG, n, n->v.AugAssign.value);
        return 1;
    case NODE_For:
    case NODE_AsyncFor:
        if (is_name(n->v.For.target, name))
            site(st, SITE_FOR, n, n->v.For.iter);
        else if (binds(n->v.For.target, name, 0))
            site(st, SITE_OTHER, n, NULL);
        return 1;
    case NODE_withitem:
        if (is_name(n->v.withitem.optional_vars, name))
            site(st, SITE_WITH, n, n->v.withitem.context_expr);
        else if (binds(n->v.withitem.optional_vars, name, 0))
            site(st, SITE_OTHER, n, NULL);
        return 1;
    case NODE_NamedExpr:
        if (is_name(n->v.NamedExpr.target, name))
            site(st, SITE_VALUE, n, n->v.NamedExpr.value);
        return 1;
    case NODE_ExceptHandler:
        if (n->v.ExceptHandler.name && !strcmp(n->v.ExceptHandler.name, name))
            site(st, SITE_OTHER, n, NULL);
        return 1;
    case NODE_alias:
        if (alias_binds(n, name))
            site(st, SITE_OTHER, n, NULL);
        return 1;
    case NODE_MatchAs:
    case NODE_MatchStar: {
        const char *id = n->kind == NODE_MatchAs ? n->v.MatchAs.name : n->v.MatchStar.name;
        if (id && !strcmp(id, name))
            site(st, SITE_OTHER, n, NULL);
        return 1;
    }
    case NODE_MatchMapping:
        if (n->v.MatchMapping.rest && !strcmp(n->v.MatchMapping.rest, name))
            site(st, SITE_OTHER, n, NULL);
        return 1;
    default: return 1;
    }
}

static void sites_kid(Node *parent, Node *n, void *arg)
{
    Sites *st = arg;
    (void)parent;
    if (st->stop || st->depth > DBWALK_MAX_DEPTH) {
        st->stop = 1; /* too deep to see every binding: give up */
        return;
    }
    if (!site_of(st, n))
        return;
    st->depth++;
    ast_children(n, sites_kid, st);
    st->depth--;
}

/* Calls st->fn for each binding of st->name in the scope that owner opens. */
static void each_site(Sites *st, const Node *owner)
{
    const NodeList *body;
    switch (owner->kind) {
    case NODE_Module: body = &owner->v.Module.body; break;
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef: body = &owner->v.FunctionDef.body; break;
    case NODE_ClassDef: body = &owner->v.ClassDef.body; break;
    default: return; /* a lambda or comprehension binds only its parameters */
    }
    for (int i = 0; i < body->n && !st->stop; i++)
        sites_kid(NULL, body->items[i], st);
}

/* ------------------------------------------------------------ values */

static Val eval(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *e, int depth);
static Val annotation(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *ann, int depth);
static Val with_value(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *ctx, int depth);

/* The summary of the function that the callee expression f names. */
static const FlowSummary *callee_summary(DbCtx *c, const ScopeTable *t, const Scope *s,
                                         const Node *f)
{
    const FlowEnv *env = c->env;
    const char *q = NULL;
    FlowDef d;
    if (f->kind == NODE_Name) {
        const Binding *b = scope_lookup(t, s, f->v.Name.id, NULL);
        if (!b)
            return NULL;
        if (b->kind == BIND_DEF && b->def && t == env->scopes && env->summary_of)
            return env->summary_of(env->summary_arg, b->def);
        if (b->kind == BIND_DEF || b->kind == BIND_IMPORT)
            q = b->qualname;
    } else if (f->kind == NODE_Attribute) {
        q = qual_in(c, t, s, f);
    }
    return resolve(c, q, &d) ? d.summary : NULL;
}

/* A resource of kind k (a provider's or a factory function's). */
static Val resource(int k, int is_async)
{
    Val v = {VAL_RESOURCE, (unsigned char)k, (unsigned char)is_async, NULL, 0, 0, NULL, 0};
    return k == RES_NONE ? unknown() : v;
}

/* Combines the values of a name's bindings: all must agree. */
typedef struct Agree {
    DbCtx *c;
    const ScopeTable *t;
    const Scope *s;
    int depth, n;
    Val v;
} Agree;

static int agree_site(Sites *st, int kind, const Node *at, const Node *value)
{
    Agree *g = st->arg;
    Val v = unknown();
    if (kind == SITE_VALUE)
        v = eval(g->c, g->t, g->s, value, g->depth + 1);
    else if (kind == SITE_WITH)
        v = with_value(g->c, g->t, g->s, value, g->depth + 1);
    (void)at;
    if (!known(&v) || (g->n && (v.tag != g->v.tag || v.kind != g->v.kind))) {
        g->v = unknown();
        return 0;
    }
    if (!g->n++)
        g->v = v;
    g->v.is_async |= v.is_async;
    return 1;
}

/* The value of name in the scope s (whose node is owner), over all its bindings. */
enum { ENTER_OK, ENTER_CYCLE, ENTER_FULL };

/* Starts following name of scope s: ENTER_CYCLE when it is already being
 * followed (`q = q.where(...)`), ENTER_FULL when too many are. */
static int enter(DbCtx *c, const Scope *s, const char *name)
{
    for (int i = 0; i < c->nactive; i++)
        if (c->active_scope[i] == s && !strcmp(c->active_name[i], name))
            return ENTER_CYCLE;
    if (c->nactive == DBVAL_ACTIVE)
        return ENTER_FULL;
    c->active_scope[c->nactive] = s;
    c->active_name[c->nactive++] = name;
    return ENTER_OK;
}

static void question(DbCtx *c)
{
    c->budget = DBVAL_BUDGET;
    c->nactive = 0;
}

static Val local_value(DbCtx *c, const ScopeTable *t, const Scope *s, const char *name, int depth)
{
    if (enter(c, s, name) != ENTER_OK)
        return unknown(); /* a value made from itself: not one we know */
    Agree g = {c, t, s, depth, 0, {VAL_UNKNOWN, 0, 0, NULL, 0, 0, NULL, 0}};
    Sites st = {name, agree_site, &g, 0, 0};
    each_site(&st, s->node);
    c->nactive--;
    return st.stop || !g.n ? unknown() : g.v;
}

/* The module-level `name: T` declaring name (assigned elsewhere, at startup). */
static const Node *module_annotation(const Scope *m, const char *name)
{
    const NodeList *body = &m->node->v.Module.body;
    for (int i = 0; i < body->n; i++) {
        const Node *st = body->items[i];
        if (st->kind == NODE_AnnAssign && is_name(st->v.AnnAssign.target, name))
            return st->v.AnnAssign.annotation;
    }
    return NULL;
}

/* What a module-level binding b of table t (module scope m) holds. */
static Val binding_value(DbCtx *c, const ScopeTable *t, const Scope *m, const Binding *b, int depth)
{
    FlowDef d;
    if (depth > DBVAL_MAX_DEPTH)
        return unknown();
    if (b->kind == BIND_IMPORT && resolve(c, b->qualname, &d))
        return binding_value(c, d.scopes, scope_module(d.scopes), d.binding, depth + 1);
    if (b->kind == BIND_IMPORT || b->kind == BIND_DEF || b->kind == BIND_CLASS) {
        Val v = {b->qualname ? VAL_QUAL : VAL_UNKNOWN, 0, 0, b->qualname, 0, 0, NULL, 0};
        return v;
    }
    if (b->kind != BIND_LOCAL)
        return unknown();
    if (b->value)
        return eval(c, t, m, b->value, depth + 1);
    if (b->nbind > 1)
        return local_value(c, t, m, b->name, depth);
    return annotation(c, t, m, module_annotation(m, b->name), depth + 1);
}

/* The FastAPI provider in Depends(f): what it yields or returns. */
static Val depends_value(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    if (!e || e->kind != NODE_Call || e->v.Call.args.n < 1)
        return unknown();
    const char *q = qual_in(c, t, s, e->v.Call.func);
    if (!fastapi_is_depends(q))
        return unknown();
    const FlowSummary *sum = callee_summary(c, t, s, e->v.Call.args.items[0]);
    if (!sum)
        return unknown();
    if (sum->yields_kind != RES_NONE)
        return resource(sum->yields_kind, 0);
    return resource(sum->returns_kind, sum->returns_async);
}

/* Is the qualified name q the typing construct last ("Annotated", "Optional")? */
static int is_typing(const char *q, const char *last)
{
    size_t n = q ? strlen(q) : 0, m = strlen(last);
    return n > m && q[n - m - 1] == '.' && !strcmp(q + n - m, last) &&
           (!strncmp(q, "typing.", 7) || !strncmp(q, "typing_extensions.", 18));
}

/* `Annotated[T, Depends(f), ...]`, `Optional[T]`, `Union[T, None]`. */
static Val generic_annotation(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *ann,
                              int depth)
{
    const char *q = qual_in(c, t, s, ann->v.Subscript.value);
    const Node *sl = ann->v.Subscript.slice;
    const NodeList *elts = sl->kind == NODE_Tuple ? &sl->v.Tuple.elts : NULL;
    if (is_typing(q, "Annotated") && elts && elts->n > 0) {
        Val v = annotation(c, t, s, elts->items[0], depth + 1);
        for (int i = 1; i < elts->n && !known(&v); i++)
            v = depends_value(c, t, s, elts->items[i]);
        return v;
    }
    if (is_typing(q, "Optional"))
        return annotation(c, t, s, sl, depth + 1);
    if (is_typing(q, "Union") && elts) {
        for (int i = 0; i < elts->n; i++) {
            Val v = annotation(c, t, s, elts->items[i], depth + 1);
            if (known(&v))
                return v;
        }
    }
    return unknown();
}

/* A string annotation naming a type ("Session", "orm.Session"). */
static Val string_annotation(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *ann,
                             int depth)
{
    const char *text = ann->v.Constant.value.s;
    char head[128];
    size_t n = strcspn(text, ".");
    for (const char *p = text; *p; p++)
        if (!(*p == '.' || *p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9')))
            return unknown(); /* not a plain dotted name */
    if (!n || n >= sizeof head)
        return unknown();
    memcpy(head, text, n);
    head[n] = 0;
    const Scope *where = NULL;
    const Binding *b = scope_lookup(t, s, head, &where);
    if (!b)
        return unknown();
    if (b->kind == BIND_IMPORT && b->qualname)
        return instance(arena_printf(c->a, "%s%s", b->qualname, text + n));
    if (!text[n] && b->kind == BIND_LOCAL && b->value && where && where->kind == SCOPE_MODULE)
        return annotation(c, t, where, b->value, depth + 1);
    return unknown();
}

/* A type alias: `SessionDep = Annotated[Session, Depends(get_db)]`, here or
 * in another module. */
static Val alias_annotation(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *ann,
                            int depth)
{
    FlowDef d;
    if (ann->kind == NODE_Name) {
        const Scope *where = NULL;
        const Binding *b = scope_lookup(t, s, ann->v.Name.id, &where);
        if (b && b->kind == BIND_IMPORT && resolve(c, b->qualname, &d) && d.binding->value)
            return annotation(c, d.scopes, scope_module(d.scopes), d.binding->value, depth + 1);
        if (b && b->kind == BIND_LOCAL && b->value && where && where->kind == SCOPE_MODULE)
            return annotation(c, t, where, b->value, depth + 1);
        return unknown();
    }
    const char *q = qual_in(c, t, s, ann);
    if (resolve(c, q, &d) && d.binding->value)
        return annotation(c, d.scopes, scope_module(d.scopes), d.binding->value, depth + 1);
    return unknown();
}

/* What a value annotated with ann is. */
static Val annotation(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *ann, int depth)
{
    if (!ann || depth > DBVAL_MAX_DEPTH)
        return unknown();
    switch (ann->kind) {
    case NODE_Name:
    case NODE_Attribute: {
        Val v = instance(qual_in(c, t, s, ann));
        return known(&v) ? v : alias_annotation(c, t, s, ann, depth);
    }
    case NODE_Subscript: return generic_annotation(c, t, s, ann, depth);
    case NODE_BinOp: { /* Session | None */
        Val v = annotation(c, t, s, ann->v.BinOp.left, depth + 1);
        return known(&v) ? v : annotation(c, t, s, ann->v.BinOp.right, depth + 1);
    }
    case NODE_Constant:
        if (ann->v.Constant.value.kind == CONST_STR)
            return string_annotation(c, t, s, ann, depth);
        return unknown();
    default: return unknown();
    }
}

/* The parameter name of the function that opens s: by annotation, then by
 * its `= Depends(provider)` default. */
static Val param_value(DbCtx *c, const ScopeTable *t, const Scope *s, const char *name, int depth)
{
    const Node *f = s->node;
    if (f->kind != NODE_FunctionDef && f->kind != NODE_AsyncFunctionDef)
        return unknown();
    const Node *args = f->v.FunctionDef.args;
    const NodeList *lists[3] = {&args->v.arguments.posonlyargs, &args->v.arguments.args,
                                &args->v.arguments.kwonlyargs};
    const NodeList *defs = &args->v.arguments.defaults, *kwdefs = &args->v.arguments.kw_defaults;
    int npos = lists[0]->n + lists[1]->n, k = 0;
    for (int l = 0; l < 3; l++) {
        for (int i = 0; i < lists[l]->n; i++, k++) {
            const Node *a = lists[l]->items[i];
            if (strcmp(a->v.arg.arg, name))
                continue;
            Val v = annotation(c, t, s, a->v.arg.annotation, depth + 1);
            if (known(&v))
                return v;
            const Node *def = NULL;
            if (l == 2)
                def = kwdefs->items[i];
            else if (k >= npos - defs->n)
                def = defs->items[k - (npos - defs->n)];
            return depends_value(c, t, s, def);
        }
    }
    return unknown();
}

/* ---- self.attr: the assignments to it in the class's methods ---- */

typedef struct SelfAttr {
    DbCtx *c;
    const ScopeTable *t;
    const Scope *method; /* the method being searched */
    const char *self;    /* its first parameter */
    const char *attr;
    int depth, n, conflict; /* depth: of the question; n: assignments seen */
    int nest;               /* statements nested while searching */
    Val v;
} SelfAttr;

static void self_agree(SelfAttr *sa, Val v)
{
    if (!known(&v) || (sa->n && (v.tag != sa->v.tag || v.kind != sa->v.kind))) {
        sa->conflict = 1;
        return;
    }
    if (!sa->n++)
        sa->v = v;
    sa->v.is_async |= v.is_async;
}

static int is_self_attr(const Node *t, const char *self, const char *attr)
{
    return t->kind == NODE_Attribute && !strcmp(t->v.Attribute.attr, attr) &&
           is_name(t->v.Attribute.value, self);
}

static void self_kid(Node *parent, Node *n, void *arg)
{
    SelfAttr *sa = arg;
    (void)parent;
    if (sa->conflict || sa->nest > DBWALK_MAX_DEPTH)
        return;
    switch (n->kind) {
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef:
    case NODE_ClassDef:
    case NODE_Lambda: return;
    case NODE_Assign:
        for (int i = 0; i < n->v.Assign.targets.n; i++)
            if (is_self_attr(n->v.Assign.targets.items[i], sa->self, sa->attr))
                self_agree(sa, eval(sa->c, sa->t, sa->method, n->v.Assign.value, sa->depth + 1));
        break;
    case NODE_AnnAssign:
        if (is_self_attr(n->v.AnnAssign.target, sa->self, sa->attr)) {
            Val v = annotation(sa->c, sa->t, sa->method, n->v.AnnAssign.annotation, sa->depth + 1);
            if (!known(&v) && n->v.AnnAssign.value)
                v = eval(sa->c, sa->t, sa->method, n->v.AnnAssign.value, sa->depth + 1);
            self_agree(sa, v);
        }
        break;
    default: break;
    }
    sa->nest++;
    ast_children(n, self_kid, sa);
    sa->nest--;
}

/* The first positional parameter of a function node, or NULL. */
static const char *first_param(const Node *f)
{
    const Node *args = f->v.FunctionDef.args;
    if (args->v.arguments.posonlyargs.n)
        return args->v.arguments.posonlyargs.items[0]->v.arg.arg;
    if (args->v.arguments.args.n)
        return args->v.arguments.args.items[0]->v.arg.arg;
    return NULL;
}

/* A class-level `attr: T` or `attr = value`. */
static void class_level(SelfAttr *sa, const Scope *cls, const Node *st)
{
    if (st->kind == NODE_AnnAssign && is_name(st->v.AnnAssign.target, sa->attr)) {
        Val v = annotation(sa->c, sa->t, cls, st->v.AnnAssign.annotation, sa->depth + 1);
        if (!known(&v) && st->v.AnnAssign.value)
            v = eval(sa->c, sa->t, cls, st->v.AnnAssign.value, sa->depth + 1);
        self_agree(sa, v);
    } else if (st->kind == NODE_Assign) {
        for (int k = 0; k < st->v.Assign.targets.n; k++)
            if (is_name(st->v.Assign.targets.items[k], sa->attr))
                self_agree(sa, eval(sa->c, sa->t, cls, st->v.Assign.value, sa->depth + 1));
    }
}

/* `self.attr` used in a method in scope s. */
static Val self_value(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *e, int depth)
{
    const Node *recv = e->v.Attribute.value;
    if (recv->kind != NODE_Name || s->kind != SCOPE_FUNCTION || !s->parent ||
        s->parent->kind != SCOPE_CLASS)
        return unknown();
    const char *self = first_param(s->node);
    if (!self || strcmp(self, recv->v.Name.id))
        return unknown();
    const Scope *cls = s->parent;
    const NodeList *body = &cls->node->v.ClassDef.body;
    SelfAttr sa = {c,     t, NULL, NULL, e->v.Attribute.attr,
                   depth, 0, 0,    0,    {VAL_UNKNOWN, 0, 0, NULL, 0, 0, NULL, 0}};
    for (int i = 0; i < body->n && !sa.conflict; i++) {
        const Node *st = body->items[i];
        if (st->kind != NODE_FunctionDef && st->kind != NODE_AsyncFunctionDef) {
            class_level(&sa, cls, st);
            continue;
        }
        sa.method = scope_of(t, st);
        sa.self = first_param(st);
        if (!sa.method || !sa.self)
            continue;
        for (int k = 0; k < st->v.FunctionDef.body.n; k++)
            self_kid(NULL, st->v.FunctionDef.body.items[k], &sa);
    }
    return sa.conflict || !sa.n ? unknown() : sa.v;
}

static Val name_value(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *e, int depth)
{
    const Scope *where = NULL;
    const Binding *b = scope_lookup(t, s, e->v.Name.id, &where);
    if (!b || !where)
        return unknown();
    if (where->kind == SCOPE_MODULE || b->kind == BIND_IMPORT)
        return binding_value(c, t, where->kind == SCOPE_MODULE ? where : scope_module(t), b, depth);
    if (b->kind == BIND_PARAM)
        return param_value(c, t, where, b->name, depth);
    if (b->kind == BIND_LOCAL && where->kind == SCOPE_FUNCTION)
        return b->value && b->nbind == 1 ? eval(c, t, where, b->value, depth + 1)
                                         : local_value(c, t, where, b->name, depth);
    return unknown();
}

static Val attribute_value(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *e, int depth)
{
    Val v = self_value(c, t, s, e, depth);
    if (known(&v))
        return v;
    const char *q = qual_in(c, t, s, e);
    FlowDef d;
    if (!q)
        return unknown();
    if (resolve(c, q, &d)) /* a module's name: db.SessionLocal */
        return binding_value(c, d.scopes, scope_module(d.scopes), d.binding, depth + 1);
    v.tag = VAL_QUAL;
    v.qual = q;
    return v;
}

/* The class_= qualified name and the bind (first positional) of a call. */
static Val call_value(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *call, int depth)
{
    const Node *f = call->v.Call.func;
    if (f->kind == NODE_Attribute) {
        Val recv = eval(c, t, s, f->v.Attribute.value, depth + 1);
        if (known(&recv)) {
            Val made = unknown();
            int with_only;
            if (model_method(&recv, f->v.Attribute.attr, &made, &with_only) == EFF_ACQUIRE)
                return made;
            if (recv.tag == VAL_RESOURCE && recv.kind == RES_SESSION &&
                !strcmp(f->v.Attribute.attr, "connection"))
                return resource(RES_CONNECTION, recv.is_async); /* the session's Connection */
            return unknown(); /* a method's result: a Result, a transaction, ... */
        }
    }
    if (f->kind == NODE_Name && !strcmp(f->v.Name.id, "next") && call->v.Call.args.n == 1 &&
        call->v.Call.args.items[0]->kind == NODE_Call && !scope_lookup(t, s, "next", NULL)) {
        const FlowSummary *gen = callee_summary(c, t, s, call->v.Call.args.items[0]->v.Call.func);
        return gen ? resource(gen->yields_kind, 0) : unknown(); /* next(get_db()) */
    }
    Val callee = eval(c, t, s, f, depth + 1);
    if (callee.tag == VAL_FACTORY && callee.kind == FAC_SCOPED)
        return resource(RES_SESSION, callee.is_async); /* the registry's session */
    if (callee.tag == VAL_QUAL) {
        Val v = instance(callee.qual);
        if (v.tag == VAL_RESOURCE)
            return v;
        const char *cls = NULL;
        Val bind = unknown();
        for (int i = 0; i < call->v.Call.keywords.n; i++) {
            const Node *k = call->v.Call.keywords.items[i];
            if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "class_"))
                cls = qual_in(c, t, s, k->v.keyword.value);
            if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "bind"))
                bind = eval(c, t, s, k->v.keyword.value, depth + 1);
        }
        if (bind.tag == VAL_UNKNOWN && call->v.Call.args.n > 0)
            bind = eval(c, t, s, call->v.Call.args.items[0], depth + 1);
        v = model_call(&callee, call, cls, &bind);
        if (known(&v))
            return v;
    } else if (known(&callee)) {
        return model_call(&callee, call, NULL, NULL); /* SessionLocal() */
    }
    const FlowSummary *sum = callee_summary(c, t, s, f);
    return sum ? resource(sum->returns_kind, sum->returns_async) : unknown();
}

static Val eval(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *e, int depth)
{
    if (!e || depth > DBVAL_MAX_DEPTH || --c->budget < 0)
        return unknown(); /* `q = q.where(...)` chains would otherwise multiply */
    switch (e->kind) {
    case NODE_Name: return name_value(c, t, s, e, depth);
    case NODE_Attribute: return attribute_value(c, t, s, e, depth);
    case NODE_Call: return call_value(c, t, s, e, depth);
    case NODE_Await: return eval(c, t, s, e->v.Await.value, depth + 1);
    case NODE_NamedExpr: return eval(c, t, s, e->v.NamedExpr.value, depth + 1);
    default: return unknown();
    }
}

/* `with ctx as x`: what x is. */
static Val with_value(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *ctx, int depth)
{
    Val v = unknown(), out = unknown();
    if (ctx->kind == NODE_Call) {
        const Node *f = ctx->v.Call.func;
        if (f->kind == NODE_Attribute) {
            Val recv = eval(c, t, s, f->v.Attribute.value, depth + 1);
            if (known(&recv)) {
                model_with(&v, &recv, f->v.Attribute.attr, &out);
                return out; /* engine.begin() gives a connection, s.begin() a transaction */
            }
        }
        const FlowSummary *sum = callee_summary(c, t, s, f);
        if (sum && sum->yields_kind != RES_NONE) /* a @contextmanager provider */
            return resource(sum->yields_kind, 0);
    }
    v = eval(c, t, s, ctx, depth + 1);
    model_with(&v, NULL, NULL, &out);
    return out;
}

Val dbval_expr(DbCtx *c, const Scope *s, const Node *e)
{
    question(c);
    return eval(c, c->env->scopes, s, e, 0);
}

Val dbval_with(DbCtx *c, const Scope *s, const Node *item)
{
    question(c);
    return with_value(c, c->env->scopes, s, item->v.withitem.context_expr, 0);
}

const Node *dbval_local_def(DbCtx *c, const Scope *s, const Node *f)
{
    if (f->kind == NODE_Lambda)
        return f;
    if (f->kind != NODE_Name)
        return NULL;
    const Binding *b = scope_lookup(c->env->scopes, s, f->v.Name.id, NULL);
    return b && b->kind == BIND_DEF && b->nbind == 1 ? b->def : NULL;
}

/* ------------------------------------------------------------ strings */

typedef struct StrCtx {
    DbCtx *c;
    const Scope *s;
    int depth, n;
    const Node *origin; /* the first binding seen */
} StrCtx;

static int is_str(StrCtx *x, const Scope *s, const Node *e, int depth);

static int str_site(Sites *st, int kind, const Node *at, const Node *value)
{
    StrCtx *x = st->arg;
    int ok = 0;
    if (kind == SITE_VALUE) {
        ok = is_str(x, x->s, value, x->depth + 1);
    } else if (kind == SITE_AUG) {
        ok = at->v.AugAssign.op == OP_Add || at->v.AugAssign.op == OP_Mod; /* stays a str */
        return ok;
    } else if (kind == SITE_FOR && (value->kind == NODE_List || value->kind == NODE_Tuple)) {
        const NodeList *l = value->kind == NODE_List ? &value->v.List.elts : &value->v.Tuple.elts;
        ok = l->n > 0;
        for (int i = 0; i < l->n && ok; i++)
            ok = is_str(x, x->s, l->items[i], x->depth + 1);
    }
    if (ok && !x->n++)
        x->origin = at;
    return ok;
}

/* Could e be a SQLAlchemy expression that turns `"..." + e` into SQL
 * (a column's __radd__)?  Class attributes and library calls could. */
static int maybe_sql_element(const StrCtx *x, const Scope *s, const Node *e)
{
    const Node *root = e;
    while (root->kind == NODE_Attribute || root->kind == NODE_Call ||
           root->kind == NODE_Subscript) {
        if (root->kind == NODE_Call) {
            const char *q = dbval_qualname(x->c, s, root->v.Call.func);
            if (q && !strncmp(q, "sqlalchemy", 10))
                return 1;
            root = root->v.Call.func;
        } else if (root->kind == NODE_Attribute) {
            if (!strcmp(root->v.Attribute.attr, "c") || !strcmp(root->v.Attribute.attr, "columns"))
                return 1;
            root = root->v.Attribute.value;
        } else {
            root = root->v.Subscript.value;
        }
    }
    if (root == e || root->kind != NODE_Name)
        return 0;
    const Binding *b = scope_lookup(x->c->env->scopes, s, root->v.Name.id, NULL);
    return b && (b->kind == BIND_CLASS || b->kind == BIND_IMPORT);
}

static const char *const str_methods[] = {
    "format", "format_map", "join",  "replace",      "strip",        "lstrip",
    "rstrip", "lower",      "upper", "removeprefix", "removesuffix",
};

static int is_str_call(StrCtx *x, const Scope *s, const Node *e, int depth)
{
    const Node *f = e->v.Call.func;
    if (f->kind == NODE_Name && !strcmp(f->v.Name.id, "str") &&
        !scope_lookup(x->c->env->scopes, s, "str", NULL))
        return 1; /* the builtin */
    if (f->kind != NODE_Attribute)
        return 0;
    for (size_t i = 0; i < sizeof str_methods / sizeof *str_methods; i++)
        if (!strcmp(f->v.Attribute.attr, str_methods[i]))
            return is_str(x, s, f->v.Attribute.value, depth + 1);
    return 0;
}

static int is_str(StrCtx *x, const Scope *s, const Node *e, int depth)
{
    if (!e || depth > DBVAL_MAX_DEPTH || --x->c->budget < 0)
        return 0;
    switch (e->kind) {
    case NODE_Constant: return e->v.Constant.value.kind == CONST_STR;
    case NODE_JoinedStr: return 1;
    case NODE_BinOp:
        if (e->v.BinOp.op == OP_Mod)
            return is_str(x, s, e->v.BinOp.left, depth + 1);
        if (e->v.BinOp.op != OP_Add)
            return 0;
        if (is_str(x, s, e->v.BinOp.left, depth + 1))
            return !maybe_sql_element(x, s, e->v.BinOp.right);
        return is_str(x, s, e->v.BinOp.right, depth + 1) &&
               !maybe_sql_element(x, s, e->v.BinOp.left);
    case NODE_IfExp:
        return is_str(x, s, e->v.IfExp.body, depth + 1) &&
               is_str(x, s, e->v.IfExp.orelse, depth + 1);
    case NODE_Call: return is_str_call(x, s, e, depth);
    case NODE_NamedExpr: return is_str(x, s, e->v.NamedExpr.value, depth + 1);
    case NODE_Name: {
        const Scope *where = NULL;
        const Binding *b = scope_lookup(x->c->env->scopes, s, e->v.Name.id, &where);
        if (!b || !where || b->kind != BIND_LOCAL || where->kind == SCOPE_CLASS)
            return 0;
        int in = enter(x->c, where, b->name);
        if (in != ENTER_OK) /* `q = q + "..."` stays a str if the other bindings are */
            return in == ENTER_CYCLE;
        StrCtx inner = {x->c, where, depth, 0, NULL};
        Sites st = {b->name, str_site, &inner, 0, 0};
        each_site(&st, where->node);
        x->c->nactive--;
        if (st.stop || !inner.n)
            return 0;
        if (!x->origin)
            x->origin = inner.origin;
        return 1;
    }
    default: return 0;
    }
}

int dbval_is_str(DbCtx *c, const Scope *s, const Node *e, const Node **origin)
{
    StrCtx x = {c, s, 0, 0, NULL};
    question(c);
    int r = is_str(&x, s, e, 0);
    if (origin)
        *origin = x.origin ? x.origin : e;
    return r;
}

const char *dbval_text(DbCtx *c, const Source *src, const Node *n, int max)
{
    if (!n || n->lineno != ast_end_lineno(n) || n->lineno < 1 || n->lineno > src->nlines)
        return NULL;
    const char *s = src->text + src->lines[n->lineno - 1] + n->col_offset;
    int len = n->end_col_offset - n->col_offset;
    if (len > max && max > 4) /* keep the head, elide the rest */
        return arena_printf(c->a, "%.*s...", max - 3, s);
    return arena_printf(c->a, "%.*s", len, s);
}

/* ------------------------------------------------------------- walk */

static void walk_node(DbWalk *w, const Node *n);

static void walk_list(DbWalk *w, const NodeList *l)
{
    for (int i = 0; i < l->n; i++)
        walk_node(w, l->items[i]);
}

static void walk_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    walk_node(arg, n);
}

/* The parts of a def, lambda or class: the outer ones in the enclosing
 * scope, the body in its own. */
static void walk_scope(DbWalk *w, const Node *n)
{
    const Scope *inner = scope_of(w->t, n);
    switch (n->kind) {
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef:
        walk_list(w, &n->v.FunctionDef.decorator_list);
        walk_node(w, n->v.FunctionDef.args);
        walk_node(w, n->v.FunctionDef.returns);
        if (inner)
            w->scope = inner;
        walk_list(w, &n->v.FunctionDef.body);
        break;
    case NODE_Lambda:
        walk_node(w, n->v.Lambda.args);
        if (inner)
            w->scope = inner;
        walk_node(w, n->v.Lambda.body);
        break;
    case NODE_ClassDef:
        walk_list(w, &n->v.ClassDef.decorator_list);
        walk_list(w, &n->v.ClassDef.bases);
        walk_list(w, &n->v.ClassDef.keywords);
        if (inner)
            w->scope = inner;
        walk_list(w, &n->v.ClassDef.body);
        break;
    default: /* comprehensions */
        if (inner)
            w->scope = inner;
        ast_children((Node *)n, walk_kid, w);
        break;
    }
}

static void walk_node(DbWalk *w, const Node *n)
{
    if (!n || w->depth >= DBWALK_MAX_DEPTH || !w->visit(w, n))
        return;
    const Scope *outer = w->scope;
    w->stack[w->depth++] = n;
    switch (n->kind) {
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef:
    case NODE_Lambda:
    case NODE_ClassDef:
    case NODE_ListComp:
    case NODE_SetComp:
    case NODE_DictComp:
    case NODE_GeneratorExp: walk_scope(w, n); break;
    default: ast_children((Node *)n, walk_kid, w); break;
    }
    w->depth--;
    w->scope = outer;
}

void dbval_walk(DbWalk *w, const Node *module)
{
    w->scope = scope_module(w->t);
    w->depth = 0;
    walk_list(w, &module->v.Module.body);
}

void dbval_walk_body(DbWalk *w, const Node *func)
{
    const Scope *s = scope_of(w->t, func);
    w->scope = s ? s : scope_module(w->t);
    w->depth = 0;
    w->stack[w->depth++] = func;
    if (func->kind == NODE_Lambda)
        walk_node(w, func->v.Lambda.body);
    else
        walk_list(w, &func->v.FunctionDef.body);
    w->depth = 0;
}

const Node *dbval_walk_func(const DbWalk *w)
{
    for (int i = w->depth - 1; i >= 0; i--) {
        const Node *n = w->stack[i];
        if (n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef ||
            n->kind == NODE_Lambda)
            return n;
        if (n->kind == NODE_ClassDef)
            return NULL;
    }
    return NULL;
}
