/*
 * depends.c - the FastAPI dependency a parameter declares (see depends.h).
 */
#include "depends.h"

#include <string.h>

#include "fastapi.h"
#include "value.h"

#define DEPENDS_MAX_ALIAS 8 /* aliases of annotations followed, across modules too */

static int dep_call(const FlowEnv *env, Arena *scratch, const Scope *s, const Node *e,
                    Depends *out)
{
    if (!e || e->kind != NODE_Call)
        return 0;
    char buf[256];
    size_t n = scope_qualname_buf(env->scopes, s, e->v.Call.func, buf, sizeof buf);
    const char *q = n && n < sizeof buf ? buf : NULL;
    int security = fastapi_is_security(q);
    if (!security && !fastapi_is_depends(q))
        return 0;
    memset(out, 0, sizeof *out);
    out->call = e;
    out->t = env->scopes;
    out->s = s;
    const Node *target = e->v.Call.args.n ? e->v.Call.args.items[0] : ast_keyword(e, "dependency");
    const Node *cache = ast_keyword(e, "use_cache"), *scopes = ast_keyword(e, "scopes");
    out->uncached = cache && cache->kind == NODE_Constant &&
                    cache->v.Constant.value.kind == CONST_FALSE;
    out->scoped = security && scopes && (scopes->kind == NODE_List || scopes->kind == NODE_Tuple) &&
                  scopes->v.List.elts.n > 0;
    Val v = target ? flow_value(scratch, env, s, target) : (Val){0};
    const Node *ov = (v.tag == VAL_FUNC || v.tag == VAL_CLASS) && env->fastapi
                         ? fastapi_override(env->fastapi->model, v.node)
                         : NULL; /* app.dependency_overrides[marker] = provider */
    if (ov)
        v = (Val){.tag = ov->kind == NODE_ClassDef ? VAL_CLASS : VAL_FUNC, .node = ov};
    if (v.tag == VAL_FUNC && v.node &&
        (v.node->kind == NODE_FunctionDef || v.node->kind == NODE_AsyncFunctionDef))
        out->def = v.node;
    return 1;
}

int depends_of_param(const FlowEnv *env, Arena *scratch, const Scope *s, const Node *def, int i,
                     Depends *out)
{
    const Node *a = ast_param(def, i), *ann = a ? a->v.arg.annotation : NULL;
    if (!a || !s)
        return 0;
    if (dep_call(env, scratch, s, ast_param_default(def, i), out)) {
        out->type = ann;
        return 1;
    }
    FlowEnv at = *env; /* where the alias is written, once followed */
    for (int depth = 0; ann && ann->kind == NODE_Name && depth <= DEPENDS_MAX_ALIAS; depth++) {
        const Scope *where = NULL; /* an alias bound at module level, here or imported */
        const Binding *b = scope_lookup(at.scopes, s, ann->v.Name.id, &where);
        FlowDef d;
        if (b && b->kind == BIND_IMPORT && b->qualname && env->resolve &&
            env->resolve(env->resolve_arg, b->qualname, &d) && d.binding && d.scopes) {
            at.scopes = d.scopes;
            s = scope_module(d.scopes);
            ann = d.binding->kind == BIND_LOCAL ? d.binding->value : NULL;
        } else {
            ann = b && b->kind == BIND_LOCAL && where && where->kind == SCOPE_MODULE ? b->value
                                                                                      : NULL;
        }
    }
    if (!ann || ann->kind != NODE_Subscript || ann->v.Subscript.slice->kind != NODE_Tuple)
        return 0;
    const NodeList *elts = &ann->v.Subscript.slice->v.Tuple.elts;
    for (int k = 1; k < elts->n; k++)
        if (dep_call(&at, scratch, s, elts->items[k], out)) {
            out->type = elts->items[0];
            return 1;
        }
    return 0;
}

int depends_takes_from(const FlowEnv *env, Arena *scratch, const Node *a, const Node *b)
{
    const ScopeTable *t = value_table_of(env->values, a);
    FlowEnv in = *env; /* a's module is where its names mean something */
    in.scopes = t ? t : env->scopes;
    const Scope *s = scope_of(in.scopes, a);
    Depends d;
    for (int i = 0; s && ast_param(a, i); i++)
        if (depends_of_param(&in, scratch, s, a, i, &d) && d.def == b)
            return 1;
    return 0;
}
