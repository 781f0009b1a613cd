/*
 * dbval.c - what a name or expression holds, for the rules that judge
 * single calls (see dbval.h): the project's value model answers (value.h);
 * this file adds what those rules ask besides, whether an expression is a
 * string of SQL and a walk over a module's statements with their scopes.
 */
#include "dbval.h"

#include <string.h>

#include "fastapi.h"
#include "model.h"
#include "value.h"

static Val unknown(void)
{
    Val v = {VAL_UNKNOWN, 0, 0, NULL, 0, 0, NULL, 0, 0};
    return v;
}

static int known(const Val *v) { return v->tag == VAL_FACTORY || v->tag == VAL_RESOURCE; }

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

const char *dbval_qualname_in(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    return qual_in(c, t, s, e);
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

Val dbval_expr(DbCtx *c, const Scope *s, const Node *e)
{
    question(c);
    Val v = value_of(c->env->values, c->a, c->env->scopes, s, e); /* the value model (value.h) */
    return known(&v) ? v : unknown();
}

const Node *dbval_callee(DbCtx *c, const ScopeTable *in, const Scope *s, const Node *call,
                         const ScopeTable **t, int *method)
{
    const ValueModel *vm = c->env->values;
    const Node *f = call->v.Call.func;
    *t = in;
    *method = 0;
    const Node *def = f->kind == NODE_Attribute ? scope_self_method(*t, s, f) : NULL;
    if (def) {
        *method = 1;
        return def;
    }
    Val v = value_of(vm, c->a, in, s, f);
    if (v.tag != VAL_FUNC || !v.node ||
        (v.node->kind != NODE_FunctionDef && v.node->kind != NODE_AsyncFunctionDef))
        return NULL;
    if (!(*t = value_table_of(vm, v.node)))
        return NULL;
    if (f->kind == NODE_Attribute) { /* obj.m(...): bound unless a static method */
        Val o = value_of(vm, c->a, in, s, f->v.Attribute.value);
        *method = o.tag == VAL_OBJECT && !ast_decorated(v.node, "staticmethod");
    }
    return v.node;
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

/* ------------------------------------------------------------ returns */

/* Does the statement list end on every path with a return or a raise (so
 * that its function never returns None by running off its end)?  Read from
 * the shape: if/else, try (its body or else, and every handler), with, and a
 * match whose last case takes everything; a loop is taken to fall through. */
static int ends(const NodeList *body, int depth)
{
    if (!body->n || depth > 32)
        return 0;
    const Node *st = body->items[body->n - 1];
    switch (st->kind) {
    case NODE_Return:
    case NODE_Raise: return 1;
    case NODE_If: return ends(&st->v.If.body, depth + 1) && ends(&st->v.If.orelse, depth + 1);
    case NODE_With:
    case NODE_AsyncWith: return ends(&st->v.With.body, depth + 1);
    case NODE_Try:
    case NODE_TryStar: {
        if (ends(&st->v.Try.finalbody, depth + 1))
            return 1;
        if (!ends(&st->v.Try.body, depth + 1) && !ends(&st->v.Try.orelse, depth + 1))
            return 0;
        for (int i = 0; i < st->v.Try.handlers.n; i++)
            if (!ends(&st->v.Try.handlers.items[i]->v.ExceptHandler.body, depth + 1))
                return 0;
        return 1;
    }
    case NODE_Match: {
        const NodeList *cs = &st->v.Match.cases;
        const Node *last = cs->n ? cs->items[cs->n - 1] : NULL;
        if (!last || last->v.match_case.guard || last->v.match_case.pattern->kind != NODE_MatchAs ||
            last->v.match_case.pattern->v.MatchAs.pattern)
            return 0; /* `case _:` or `case x:` takes what the others did not */
        for (int i = 0; i < cs->n; i++)
            if (!ends(&cs->items[i]->v.match_case.body, depth + 1))
                return 0;
        return 1;
    }
    default: return 0;
    }
}

typedef struct Returns {
    int (*fn)(void *arg, const Node *value);
    void *arg;
    int ok, n, depth;
} Returns;

static void returns_kid(Node *parent, Node *n, void *arg)
{
    Returns *r = arg;
    (void)parent;
    if (!r->ok || ast_is_def(n) || n->kind == NODE_Lambda || n->kind == NODE_ClassDef)
        return;
    if (r->depth > DBWALK_MAX_DEPTH || n->kind == NODE_Yield || n->kind == NODE_YieldFrom) {
        r->ok = 0; /* a generator: its call makes a generator object */
        return;
    }
    if (n->kind == NODE_Return) {
        r->n++;
        r->ok = n->v.Return.value && r->fn(r->arg, n->v.Return.value);
        if (!r->ok)
            return;
    }
    r->depth++;
    ast_children(n, returns_kid, r);
    r->depth--;
}

int dbval_each_return(const Node *def, int (*fn)(void *arg, const Node *value), void *arg)
{
    if (!def || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef) ||
        !ends(&def->v.FunctionDef.body, 0))
        return 0;
    Returns r = {fn, arg, 1, 0, 0};
    for (int i = 0; i < def->v.FunctionDef.body.n && r.ok; i++)
        returns_kid(NULL, def->v.FunctionDef.body.items[i], &r);
    return r.ok && r.n > 0;
}

/* ------------------------------------------------------------ strings */

typedef struct StrCtx {
    DbCtx *c;
    const ScopeTable *t; /* the module of s: this one's, or a helper's in another */
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
            const char *q = qual_in(x->c, x->t, s, root->v.Call.func);
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
    const Binding *b = scope_lookup(x->t, s, root->v.Name.id, NULL);
    return b && (b->kind == BIND_CLASS || b->kind == BIND_IMPORT);
}

/*
 * A dict of SQL strings: is e a name whose every binding in its scope is a
 * dict display with a str for each value (`Q = {"a": "SELECT ..."}`), which
 * nothing in its scope (with the defs nested in it) may change?  A store `Q[k] = v` of a non-str v,
 * Q.update() / setdefault() / __setitem__(), or Q handed to any call could;
 * so could another module (`mod.Q[k] = 1`), which is not looked at.
 */
typedef struct DictUse {
    StrCtx *x;
    const Scope *s; /* the dict's scope, where a store's value is judged */
    const char *name;
    int changed, depth;
} DictUse;

static void dict_use_kid(Node *parent, Node *n, void *arg)
{
    DictUse *u = arg;
    (void)parent;
    if (u->changed || u->depth > DBWALK_MAX_DEPTH) {
        u->changed = 1;
        return;
    }
    if (n->kind == NODE_Assign)
        for (int i = 0; i < n->v.Assign.targets.n; i++) {
            const Node *t = n->v.Assign.targets.items[i];
            u->changed |= t->kind == NODE_Subscript && is_name(t->v.Subscript.value, u->name) &&
                          !is_str(u->x, u->s, n->v.Assign.value, u->x->depth + 1);
        }
    if (n->kind == NODE_Call) {
        const Node *f = n->v.Call.func;
        u->changed |= f->kind == NODE_Attribute && is_name(f->v.Attribute.value, u->name) &&
                      strcmp(f->v.Attribute.attr, "get") && strcmp(f->v.Attribute.attr, "keys") &&
                      strcmp(f->v.Attribute.attr, "values") && strcmp(f->v.Attribute.attr, "items");
        for (int i = 0; i < n->v.Call.args.n; i++)
            u->changed |= is_name(n->v.Call.args.items[i], u->name);
        for (int i = 0; i < n->v.Call.keywords.n; i++)
            u->changed |= is_name(n->v.Call.keywords.items[i]->v.keyword.value, u->name);
    }
    u->depth++;
    ast_children(n, dict_use_kid, u);
    u->depth--;
}

static int dict_site(Sites *st, int kind, const Node *at, const Node *value)
{
    StrCtx *x = st->arg;
    (void)at;
    if (kind != SITE_VALUE || value->kind != NODE_Dict || !value->v.Dict.values.n)
        return 0;
    for (int i = 0; i < value->v.Dict.values.n; i++)
        if (!value->v.Dict.keys.items[i] || /* `**other` */
            !is_str(x, x->s, value->v.Dict.values.items[i], x->depth + 1))
            return 0;
    x->n++;
    return 1;
}

static int is_str_dict(StrCtx *x, const Scope *s, const Node *e, int depth)
{
    if (!e || e->kind != NODE_Name || depth > DBVAL_MAX_DEPTH)
        return 0;
    const Scope *where = NULL;
    const Binding *b = scope_lookup(x->t, s, e->v.Name.id, &where);
    if (!b || !where || b->kind != BIND_LOCAL || where->kind == SCOPE_CLASS)
        return 0;
    StrCtx inner = {x->c, x->t, where, depth, 0, NULL};
    Sites st = {b->name, dict_site, &inner, 0, 0};
    each_site(&st, where->node);
    if (st.stop || !inner.n)
        return 0;
    DictUse u = {&inner, where, b->name, 0, 0}; /* its scope and the defs in it */
    ast_children(where->node, dict_use_kid, &u);
    return !u.changed;
}

/* Does every return of the def that call runs give a str?  An async def's
 * only when awaited (its call alone makes a coroutine). */
typedef struct StrReturn {
    StrCtx *x;
    const ScopeTable *t;
    const Scope *s;
    int depth;
} StrReturn;

static int str_return(void *arg, const Node *value)
{
    StrReturn *r = arg;
    StrCtx inner = {r->x->c, r->t, r->s, r->depth, 0, NULL};
    return is_str(&inner, r->s, value, r->depth + 1);
}

static int returns_str(StrCtx *x, const Scope *s, const Node *call, int awaited, int depth)
{
    const ScopeTable *t;
    int method;
    const Node *def = dbval_callee(x->c, x->t, s, call, &t, &method);
    const Scope *in = def ? scope_of(t, def) : NULL;
    if (!in || (def->kind == NODE_AsyncFunctionDef) != awaited)
        return 0;
    StrReturn r = {x, t, in, depth};
    return dbval_each_return(def, str_return, &r);
}

static const char *const str_methods[] = {
    "format", "format_map", "join",  "replace",      "strip",        "lstrip",
    "rstrip", "lower",      "upper", "removeprefix", "removesuffix",
};

static int is_str_call(StrCtx *x, const Scope *s, const Node *e, int depth)
{
    const Node *f = e->v.Call.func;
    if (f->kind == NODE_Name && !strcmp(f->v.Name.id, "str") && !scope_lookup(x->t, s, "str", NULL))
        return 1; /* the builtin */
    if (f->kind == NODE_Attribute) {
        for (size_t i = 0; i < sizeof str_methods / sizeof *str_methods; i++)
            if (!strcmp(f->v.Attribute.attr, str_methods[i]))
                return is_str(x, s, f->v.Attribute.value, depth + 1);
        if (!strcmp(f->v.Attribute.attr, "get") && e->v.Call.args.n == 2 && !e->v.Call.keywords.n)
            return is_str(x, s, e->v.Call.args.items[1], depth + 1) &&
                   is_str_dict(x, s, f->v.Attribute.value, depth + 1); /* Q.get(k, "...") */
    }
    return returns_str(x, s, e, 0, depth);
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
    case NODE_Await:
        return e->v.Await.value->kind == NODE_Call && returns_str(x, s, e->v.Await.value, 1, depth);
    case NODE_Subscript: /* Q[k] of a dict of strings */
        return is_str_dict(x, s, e->v.Subscript.value, depth + 1);
    case NODE_NamedExpr: return is_str(x, s, e->v.NamedExpr.value, depth + 1);
    case NODE_Name: {
        const Scope *where = NULL;
        const Binding *b = scope_lookup(x->t, s, e->v.Name.id, &where);
        if (!b || !where || b->kind != BIND_LOCAL || where->kind == SCOPE_CLASS)
            return 0;
        int in = enter(x->c, where, b->name);
        if (in != ENTER_OK) /* `q = q + "..."` stays a str if the other bindings are */
            return in == ENTER_CYCLE;
        StrCtx inner = {x->c, x->t, where, depth, 0, NULL};
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
    StrCtx x = {c, c->env->scopes, s, 0, 0, NULL};
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
    const Node *func = w->func;
    w->stack[w->depth++] = n;
    switch (n->kind) {
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef:
    case NODE_Lambda:
        w->func = n;
        walk_scope(w, n);
        break;
    case NODE_ClassDef:
        w->func = NULL;
        walk_scope(w, n);
        break;
    case NODE_ListComp:
    case NODE_SetComp:
    case NODE_DictComp:
    case NODE_GeneratorExp: walk_scope(w, n); break;
    default: ast_children((Node *)n, walk_kid, w); break;
    }
    w->depth--;
    w->scope = outer;
    w->func = func;
}

void dbval_walk(DbWalk *w, const Node *module)
{
    w->scope = scope_module(w->t);
    w->depth = 0;
    w->func = NULL;
    w->callee_call = NULL;
    walk_list(w, &module->v.Module.body);
}

void dbval_walk_body(DbWalk *w, const Node *func)
{
    const Scope *s = scope_of(w->t, func);
    w->scope = s ? s : scope_module(w->t);
    w->depth = 0;
    w->stack[w->depth++] = func;
    w->func = func->kind == NODE_ClassDef ? NULL : func;
    w->callee_call = NULL;
    if (func->kind == NODE_Lambda)
        walk_node(w, func->v.Lambda.body);
    else
        walk_list(w, &func->v.FunctionDef.body);
    w->depth = 0;
    w->func = NULL;
}

const Node *dbval_walk_func(const DbWalk *w) { return w->func; }

const char *dbval_walk_callee(DbWalk *w, DbCtx *c, const Node *call)
{
    if (w->callee_call != call) {
        w->callee = dbval_qualname(c, w->scope, call->v.Call.func);
        w->callee_call = call;
    }
    return w->callee;
}
