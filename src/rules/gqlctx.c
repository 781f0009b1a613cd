/*
 * gqlctx.c - SL203 through a GraphQL context (see gqlctx.h).
 *
 * Strawberry's FastAPI router (`GraphQLRouter(schema, context_getter=f)`)
 * calls f once per request, with FastAPI's dependencies, and hands what it
 * returns to every resolver as `info.context`.  graphql-core runs the
 * resolvers of a query's fields at the same time when they are coroutines.
 * A session that f puts in the context (a parameter filled by a dependency
 * that lends one, under a key of the dict f returns) is then used by two
 * async resolvers at once when two of them read it
 * (`info.context["session"]`): one connection, two statements in flight.
 * Reported on the value f puts in the context.  Resolvers are looked for in
 * the module that makes the router.
 */
#include "rules/gqlctx.h"

#include <string.h>

#include "depends.h"
#include "value.h"

#define GQL_MAX_DEPTH 128 /* nesting followed in a body */
#define GQL_MAX_RESOLVERS 2

/* Does the body of an async def read info.context[key] (or .get(key))? */
typedef struct Reads {
    const char *key;
    int found, depth;
} Reads;

static int is_key(const Node *e, const char *key)
{
    return e && e->kind == NODE_Constant && e->v.Constant.value.kind == CONST_STR &&
           !strcmp(e->v.Constant.value.s, key);
}

static int is_context(const Node *e)
{
    return e && e->kind == NODE_Attribute && !strcmp(e->v.Attribute.attr, "context");
}

static void reads_kid(Node *parent, Node *n, void *arg)
{
    Reads *r = arg;
    (void)parent;
    if (r->found || r->depth > GQL_MAX_DEPTH || ast_is_def(n))
        return;
    if ((n->kind == NODE_Subscript && is_context(n->v.Subscript.value) &&
         is_key(n->v.Subscript.slice, r->key)) ||
        (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
         !strcmp(n->v.Call.func->v.Attribute.attr, "get") &&
         is_context(n->v.Call.func->v.Attribute.value) && n->v.Call.args.n > 0 &&
         is_key(n->v.Call.args.items[0], r->key))) {
        r->found = 1;
        return;
    }
    r->depth++;
    ast_children(n, reads_kid, r);
    r->depth--;
}

/* The module's async defs (any depth but inside other defs' bodies too)
 * that read the key: up to two, into found. */
typedef struct Resolvers {
    const char *key;
    const Node *found[GQL_MAX_RESOLVERS];
    int n, depth;
} Resolvers;

static void resolvers_kid(Node *parent, Node *n, void *arg)
{
    Resolvers *rs = arg;
    (void)parent;
    if (rs->n == GQL_MAX_RESOLVERS || rs->depth > GQL_MAX_DEPTH || ast_category(n->kind) == CAT_EXPR)
        return;
    if (n->kind == NODE_AsyncFunctionDef) {
        Reads r = {rs->key, 0, 0};
        for (int i = 0; i < n->v.FunctionDef.body.n && !r.found; i++)
            reads_kid(NULL, n->v.FunctionDef.body.items[i], &r);
        if (r.found) {
            rs->found[rs->n++] = n;
            return;
        }
    }
    rs->depth++;
    ast_children(n, resolvers_kid, rs);
    rs->depth--;
}

/* The dict a context getter returns: its last `return {...}`. */
static const Node *returned_dict(const Node *def)
{
    const Node *d = NULL;
    const NodeList *body = &def->v.FunctionDef.body;
    for (int i = 0; i < body->n; i++) {
        const Node *st = body->items[i];
        if (st->kind == NODE_Return && st->v.Return.value && st->v.Return.value->kind == NODE_Dict)
            d = st->v.Return.value;
    }
    return d;
}

/* Is name a parameter of def filled by a dependency that lends a session? */
static const Node *session_param(DbCtx *c, const ScopeTable *t, const Node *def, const char *name,
                                 const Node **provider)
{
    FlowEnv env = *c->env;
    env.scopes = t ? t : c->env->scopes;
    const Scope *s = scope_of(env.scopes, def);
    for (int i = 0; s && ast_param(def, i); i++) {
        Depends d;
        if (strcmp(ast_param(def, i)->v.arg.arg, name) ||
            !depends_of_param(&env, c->a, s, def, i, &d) || !d.def || !env.summary_of)
            continue;
        const FlowSummary *sum = env.summary_of(env.summary_arg, d.def);
        if (sum && sum->yields_kind == RES_SESSION) {
            *provider = d.def;
            return ast_param(def, i);
        }
    }
    return NULL;
}

void gqlctx_visit(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w, const Node *n,
                  const Node *module)
{
    const Node *getter = n->kind == NODE_Call ? ast_keyword(n, "context_getter") : NULL;
    if (!getter)
        return; /* the cheap test first: this runs at every call */
    const char *q = dbval_qualname(c, w->scope, n->v.Call.func);
    size_t len = q ? strlen(q) : 0;
    if (!q || strncmp(q, "strawberry", 10) || len < 13 || strcmp(q + len - 13, "GraphQLRouter"))
        return;
    Val f = flow_value(c->a, c->env, w->scope, getter);
    const Node *def = f.tag == VAL_FUNC ? f.node : NULL;
    if (!def || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef))
        return;
    const ScopeTable *t = value_table_of(c->env->values, def);
    const Node *dict = returned_dict(def);
    for (int i = 0; dict && i < dict->v.Dict.keys.n; i++) {
        const Node *k = dict->v.Dict.keys.items[i], *v = dict->v.Dict.values.items[i];
        const Node *provider = NULL;
        if (!k || k->kind != NODE_Constant || k->v.Constant.value.kind != CONST_STR ||
            v->kind != NODE_Name || !session_param(c, t, def, v->v.Name.id, &provider))
            continue;
        Resolvers rs = {k->v.Constant.value.s, {NULL}, 0, 0};
        ast_children((Node *)module, resolvers_kid, &rs);
        if (rs.n < 2)
            continue;
        int here = !t || t == c->env->scopes;
        const Node *at = here ? v : n;
        TraceStep steps[3] = {
            {src->path, at->lineno, at->col_offset,
             "the request's one session, in the shared context"},
            {src->path, rs.found[0]->lineno, rs.found[0]->col_offset, "this resolver uses it"},
            {src->path, rs.found[1]->lineno, rs.found[1]->col_offset,
             "and this one, beside it"}};
        diag_report(
            out, c->a, "SL203", src->path, at,
            arena_printf(c->a,
                         "the session of `%s` goes into the GraphQL context as \"%s\", which "
                         "every resolver of a query shares, and the async resolvers `%s` and "
                         "`%s` run at the same time for the fields of one query: two statements "
                         "on one session at once; give each resolver a session of its own (or "
                         "put the sessionmaker in the context)",
                         provider->v.FunctionDef.name, k->v.Constant.value.s,
                         rs.found[0]->v.FunctionDef.name, rs.found[1]->v.FunctionDef.name),
            steps, 3);
    }
}
