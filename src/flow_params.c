/*
 * flow_params.c - what a function borrows, for the typestate dataflow
 * (flow_impl.h): parameters FastAPI fills from a dependency that yields a
 * resource (Depends, Annotated aliases, class dependencies, a dependency
 * returning an object that keeps the session), parameters that every
 * caller fills with a session it owns or was lent, request.state that a
 * middleware owns, and a class-based view's attributes.  A borrowed site is
 * never this function's leak; its owner's timing says when the owner
 * releases it, which is what work handed the site must not outlive
 * (SL202).  In summary mode each positional parameter stands for a
 * resource instead, to see whether the function releases it.
 */
#include "flow_impl.h"
#include "depends.h"

#include <string.h>

#include "fastapi.h"
#include "model.h"
#include "value.h"

/* Where a provider releases what it yields: the close() after its yield,
 * else the with statement around the yield; NULL if not found. */
typedef struct RelSearch {
    int yield_line, depth;
    const Node *close, *with; /* the close() after the yield; the with around it */
} RelSearch;

static void rel_kid(Node *parent, Node *n, void *arg)
{
    RelSearch *s = arg;
    (void)parent;
    if (s->depth > EVAL_MAX_DEPTH || n->kind == NODE_Lambda || n->kind == NODE_FunctionDef ||
        n->kind == NODE_AsyncFunctionDef || n->kind == NODE_ClassDef)
        return;
    if ((n->kind == NODE_Yield || n->kind == NODE_YieldFrom) && !s->yield_line)
        s->yield_line = n->lineno;
    if ((n->kind == NODE_With || n->kind == NODE_AsyncWith) && !s->yield_line)
        s->with = n;
    if (n->kind == NODE_Call && s->yield_line && !s->close && n->lineno > s->yield_line &&
        n->v.Call.func->kind == NODE_Attribute && !strcmp(n->v.Call.func->v.Attribute.attr, "close"))
        s->close = n;
    s->depth++;
    ast_children(n, rel_kid, s);
    s->depth--;
}

const Node *fp_provider_release(const Node *def)
{
    if (!def || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef))
        return NULL;
    RelSearch s = {0, 0, NULL, NULL};
    ast_children((Node *)def, rel_kid, &s);
    return s.close ? s.close : s.with;
}

/* A dependency provider: its summary, definition and file, and the scope
 * it is used with. */
typedef struct Provider {
    const FlowSummary *sum;
    const Node *def;
    const ScopeTable *scopes; /* the table def is in */
    const char *path;   /* NULL: this module */
    int function_scope; /* Depends(f, scope="function") */
    const Node *marker; /* the def or class Depends names, when an override replaces it */
} Provider;

/* A callable instance as a dependency (fastapi.c: instance_call), call its
 * constructor call in table t, scope s: FastAPI calls the __call__ its class
 * defines (one a base defines is not looked for). */
static int instance_provider(Ctx *c, const ScopeTable *t, const Scope *s, const Node *call,
                             const char *path, Provider *out)
{
    const ScopeTable *ct = t;
    const char *cpath = path;
    const Node *fn = call->v.Call.func;
    const Node *cls = fn->kind == NODE_Name ? fc_class_named(c, t, s, fn->v.Name.id, &ct, &cpath)
                                            : NULL;
    const Node *m = cls ? ast_method_named(cls, "__call__") : NULL;
    if (!m || !c->env->summary_of)
        return 0;
    out->sum = c->env->summary_of(c->env->summary_arg, m);
    out->def = m;
    out->scopes = ct;
    out->path = ct == c->env->scopes ? NULL : cpath ? cpath : path;
    return out->sum != NULL;
}

/* The function a callee expression names (in table t, scope s); a marker
 * that `app.dependency_overrides` maps to a provider is that provider
 * (fastapi.h: fastapi_override). */
static int provider_of(Ctx *c, const ScopeTable *t, const Scope *s, const Node *f, Provider *out)
{
    const char *q = NULL;
    const FastApi *fa = c->env->fastapi ? c->env->fastapi->model : NULL;
    if (fa && c->env->summary_of && (f->kind == NODE_Name || f->kind == NODE_Attribute)) {
        Val v = value_of(c->env->values, c->a, t, s, f);
        const Node *ov = v.tag == VAL_CLASS || v.tag == VAL_FUNC ? fastapi_override(fa, v.node)
                                                                  : NULL;
        if (ov && ov->kind != NODE_ClassDef) {
            out->sum = c->env->summary_of(c->env->summary_arg, ov);
            out->def = ov;
            out->marker = v.node;
            out->scopes = value_table_of(c->env->values, ov);
            out->path = out->scopes == c->env->scopes ? NULL : value_path_of(c->env->values, ov);
            return out->sum != NULL;
        }
    }
    if (f->kind == NODE_Call) /* Depends(Provider(maker)) */
        return instance_provider(c, t, s, f, NULL, out);
    if (f->kind == NODE_Name) {
        const Binding *b = scope_lookup(t, s, f->v.Name.id, NULL);
        if (b && b->kind == BIND_DEF && b->def && c->env->summary_of && t == c->env->scopes) {
            out->sum = c->env->summary_of(c->env->summary_arg, b->def);
            out->def = b->def;
            out->scopes = t;
            return out->sum != NULL;
        }
        if (b && b->kind == BIND_IMPORT)
            q = b->qualname;
        else if (b && b->kind == BIND_DEF)
            q = b->qualname;
        else if (b && b->value && b->value->kind == NODE_Call) /* get_db = Provider(maker) */
            return instance_provider(c, t, scope_module(t), b->value, NULL, out);
    } else if (f->kind == NODE_Attribute) {
        q = fl_qualname(c, t, s, f);
    }
    FlowDef d;
    if (!q || !c->env->resolve || !c->env->resolve(c->env->resolve_arg, q, &d))
        return 0;
    if (!d.summary && d.binding && d.binding->kind != BIND_DEF && d.binding->value &&
        d.binding->value->kind == NODE_Call)
        return instance_provider(c, d.scopes, scope_module(d.scopes), d.binding->value,
                                 d.scopes == c->env->scopes ? NULL : d.path, out);
    if (!d.summary)
        return 0;
    out->sum = d.summary;
    out->def = d.binding ? d.binding->def : NULL;
    out->scopes = d.scopes;
    out->path = d.scopes == c->env->scopes ? NULL : d.path;
    return 1;
}

/* Depends(provider[, scope="function"]) (table t, scope s): its provider. */
static int depends_target(Ctx *c, const ScopeTable *t, const Scope *s, const Node *e, Provider *out)
{
    if (!e || e->kind != NODE_Call || e->v.Call.args.n < 1)
        return 0;
    if (!fastapi_is_depends(fl_qualname(c, t, s, e->v.Call.func)))
        return 0;
    memset(out, 0, sizeof *out);
    for (int i = 0; i < e->v.Call.keywords.n; i++) {
        const Node *k = e->v.Call.keywords.items[i];
        const Node *v = k->v.keyword.value;
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "scope") && v->kind == NODE_Constant &&
            v->v.Constant.value.kind == CONST_STR && !strcmp(v->v.Constant.value.s, "function"))
            out->function_scope = 1;
    }
    return provider_of(c, t, s, e->v.Call.args.items[0], out);
}

/* The provider of an `Annotated[T, Depends(f)]` annotation, or of an alias
 * of one bound at module level, here or in another module. */
#define MAX_ALIAS_DEPTH 8 /* aliases of annotations followed, across modules too */

static int annotated_provider(Ctx *c, const ScopeTable *t, const Scope *s, const Node *ann,
                              int depth, Provider *out)
{
    if (!ann || depth > MAX_ALIAS_DEPTH)
        return 0;
    if (ann->kind == NODE_Name) {
        const Scope *where = NULL;
        const Binding *b = scope_lookup(t, s, ann->v.Name.id, &where);
        FlowDef d;
        if (b && b->kind == BIND_IMPORT && b->qualname && c->env->resolve &&
            c->env->resolve(c->env->resolve_arg, b->qualname, &d) && d.binding && d.binding->value)
            return annotated_provider(c, d.scopes, scope_module(d.scopes), d.binding->value,
                                      depth + 1, out);
        if (b && b->value && where && where->kind == SCOPE_MODULE)
            return annotated_provider(c, t, where, b->value, depth + 1, out);
        return 0;
    }
    if (ann->kind != NODE_Subscript || ann->v.Subscript.slice->kind != NODE_Tuple)
        return 0;
    const NodeList *elts = &ann->v.Subscript.slice->v.Tuple.elts;
    for (int i = 1; i < elts->n; i++)
        if (depends_target(c, t, s, elts->items[i], out))
            return 1;
    return 0;
}

/* Depends(f, use_cache=False): a fresh value even within one request. */
static int uncached(const Node *dep)
{
    if (!dep || dep->kind != NODE_Call)
        return 0;
    for (int i = 0; i < dep->v.Call.keywords.n; i++) {
        const Node *k = dep->v.Call.keywords.items[i];
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "use_cache") &&
            k->v.keyword.value->kind == NODE_Constant &&
            k->v.keyword.value->v.Constant.value.kind == CONST_FALSE)
            return 1;
    }
    return 0;
}

/*
 * A class dependency, `repo: Repo = Depends()`, `Depends(Repo)` or
 * `Annotated[Repo, Depends()]` (an alias of it too, depends.c), parameter i
 * of func, whose __init__ takes a session from a dependency (and keeps it
 * on self): the provider of that session.
 */
static int class_dependency(Ctx *c, const Node *func, int i, Provider *out)
{
    FlowEnv env = *c->env;
    Depends d;
    if (!depends_of_param(&env, c->a, c->scope, func, i, &d))
        return 0;
    const Node *cls = d.call->v.Call.args.n ? d.call->v.Call.args.items[0]
                                            : ast_keyword(d.call, "dependency");
    if (!cls)
        cls = d.type;
    if (!cls || cls->kind != NODE_Name)
        return 0;
    const ScopeTable *t = d.t;
    const Node *def = fc_class_named(c, t, d.s, cls->v.Name.id, &t, NULL);
    const Node *init = def ? fc_init_of(def) : NULL;
    if (init) {
        const Scope *is = scope_of(t, init);
        const Node *args = init->v.FunctionDef.args;
        const NodeList *ps = &args->v.arguments.args, *defs = &args->v.arguments.defaults;
        for (int k = 1; is && k < ps->n; k++) {
            const Node *pd = k >= ps->n - defs->n ? defs->items[k - (ps->n - defs->n)] : NULL;
            Provider pv = {0};
            if ((depends_target(c, t, is, pd, &pv) ||
                 annotated_provider(c, t, is, ps->items[k]->v.arg.annotation, 0, &pv)) &&
                pv.sum->yields_kind != RES_NONE) {
                *out = pv;
                return 1;
            }
        }
    }
    return 0;
}

/* When the owner of what pv lends releases it, for the site's messages. */
static void owner_timing(Ctx *c, Site *st, const Provider *pv)
{
    const FlowFastApi *fa = c->env->fastapi;
    const char *name = pv->def && pv->def->kind != NODE_ClassDef ? pv->def->v.FunctionDef.name
                                                                   : "its provider";
    const Node *rel = fp_provider_release(pv->def);
    /* a pooled connection is not closed: it goes back, to be lent again */
    int pooled = model_user_res(c->env->model, st->val.kind)->after == AFTER_SHARED;
    const char *verb = pooled ? "returns it to the pool" : "closes it";
    st->owner_path = pv->path;
    st->owner_line = rel ? rel->lineno : 0;
    st->owner_col = rel ? rel->col_offset : 0;
    st->owner_note = fmt(c, "%s here by `%s`, after the work was handed over",
                         pooled ? "returned to the pool" : "closed", name);
    if (!pv->sum->releases_after || !fa) {
        st->when = NULL;
        return;
    }
    const char *lent = pooled ? ", where another request can get it while this work still "
                                "uses it" : "";
    if (pv->function_scope) { /* written, so the installed FastAPI has it (>= 0.121) */
        st->early = 1;
        st->when = fmt(c, "`%s` (scope=\"function\") %s right after the endpoint returns%s", name,
                       verb, lent);
    } else if (fa->era == ERA_AT_RETURN) {
        st->early = 1;
        st->when = fmt(c, "`%s` %s when the endpoint returns, before the response and "
                          "background tasks (%s)%s", name, verb, fa->version, lent);
    } else {
        st->when = fmt(c, "`%s` %s after the request (%s)%s", name, verb, fa->version, lent);
    }
}

/* A site lent by the middleware that owns request.state.<x>. */
static void state_timing(Ctx *c, Site *st, const FastApiStateOwner *o)
{
    st->state = o;
    st->early = 1;
    st->owner_path = o->path;
    st->owner_line = o->close_line;
    st->owner_col = o->close_col;
    st->owner_note = fmt(c, "closed here by the middleware `%s`, after call_next",
                         o->func->v.FunctionDef.name);
    st->when = fmt(c, "the middleware `%s` closes it after call_next, before the body is streamed "
                      "and background tasks run", o->func->v.FunctionDef.name);
}

/* `request.state.<x>` where a middleware owns <x>: a session borrowed from
 * it (a site per expression); -1 otherwise. */
int fp_state_site(Ctx *c, Path *p, const Node *e)
{
    const char *attr = fastapi_state_attr(e);
    if (!c->env->fastapi || !attr || e->v.Attribute.value->v.Attribute.value->kind != NODE_Name)
        return -1; /* request.state.x, not request.app.state.x */
    const FastApiStateOwner *o = fastapi_state_owner(c->env->fastapi->model, attr);
    if (!o || o->func == c->g->func)
        return -1;
    Val v = {VAL_RESOURCE, RES_SESSION, 0, NULL, 0, 0, NULL, 0, 0};
    int r = fl_site_for(c, e, v, -1);
    if (r < 0)
        return -1;
    if (!c->site[r].state)
        state_timing(c, &c->site[r], o);
    if (p->res[r] == RS_NONE) {
        p->res[r] = RS_BORROWED;
        p->ev[r] = fl_ev_push(c, NULL, e,
                              fmt(c, "borrowed here from request.state, which the "
                                     "middleware `%s` owns", o->func->v.FunctionDef.name));
    }
    return r;
}

enum { LENT_BY_CALLERS = 2 }; /* fp_borrowed_params: a provider every caller's argument has */

typedef struct HolderSearch {
    Ctx *c;
    const ScopeTable *t;
    const Node *def;    /* the provider */
    Provider *inner;    /* out: the provider of what the returned object keeps */
    int found, depth;
    int own;            /* out: the ResKind of a resource the provider made itself and
                           yields inside an object (`yield Uow(s)` of its own `s`) */
    const Node *cls;    /* ... the object's class, and the attribute of self it keeps s in */
    const char *attr;
} HolderSearch;

static void holder_return(Node *parent, Node *n, void *arg)
{
    HolderSearch *h = arg;
    (void)parent;
    if (h->found || h->depth > EVAL_MAX_DEPTH || ast_is_def(n))
        return;
    const Node *call = n->kind == NODE_Return  ? n->v.Return.value
                       : n->kind == NODE_Yield ? n->v.Yield.value
                                               : NULL;
    const Scope *ds = scope_of(h->t, h->def);
    if (call && ds && call->kind == NODE_Call && call->v.Call.func->kind == NODE_Name) {
        const ScopeTable *ct;
        const Node *cls = fc_class_named(h->c, h->t, ds, call->v.Call.func->v.Name.id, &ct, NULL);
        const Node *params = h->def->v.FunctionDef.args;
        int n_args = call->v.Call.args.n + call->v.Call.keywords.n;
        for (int j = 0; cls && j < n_args && !h->found; j++) {
            const Node *kwn = j >= call->v.Call.args.n
                                  ? call->v.Call.keywords.items[j - call->v.Call.args.n] : NULL;
            const Node *a = kwn ? kwn->v.keyword.value : call->v.Call.args.items[j];
            const char *kept = fc_init_param(h->c, cls, j, kwn ? kwn->v.keyword.arg : NULL);
            if (a->kind != NODE_Name || !kept || !fc_init_keeps(h->c, ct, cls, kept, 0))
                continue;
            /* a session the provider made itself (`async with maker() as s: yield
               Uow(s)`): the provider owns it, as it would the session it yielded */
            Val own = n->kind == NODE_Yield ? value_of(h->c->env->values, h->c->a, h->t, ds, a)
                                            : (Val){0};
            if (own.tag == VAL_RESOURCE && own.fresh && own.kind != RES_NONE) {
                ValueKept vk[8];
                int nk = value_kept(h->c->env->values, h->c->a, h->t, ds, call, vk, 8);
                for (int i = 0; i < nk; i++)
                    if (vk[i].at == a)
                        h->attr = vk[i].attr;
                h->own = own.kind;
                h->cls = cls;
                h->found = 1;
                break;
            }
            /* the argument is a parameter of the provider that FastAPI fills */
            const NodeList *ps = &params->v.arguments.args, *ds_ = &params->v.arguments.defaults;
            for (int i = 0; i < ps->n && !h->found; i++) {
                const Node *pa = ps->items[i];
                const Node *dflt = i >= ps->n - ds_->n ? ds_->items[i - (ps->n - ds_->n)] : NULL;
                if (strcmp(pa->v.arg.arg, a->v.Name.id))
                    continue;
                h->found = (depends_target(h->c, h->t, ds, dflt, h->inner) ||
                            annotated_provider(h->c, h->t, ds, pa->v.arg.annotation, 0, h->inner)) &&
                           h->inner->sum && h->inner->sum->yields_kind != RES_NONE;
            }
        }
    }
    h->depth++;
    ast_children(n, holder_return, h);
    h->depth--;
}

/*
 * A dependency that returns an object keeping a session FastAPI lends it
 * (`def get_service(db: DB): return Service(db)`): the object holds that
 * provider's session, *inner.  Or one that yields an object keeping a
 * session it made itself (`async with maker() as s: yield Uow(s)`): the
 * object holds pv's own session, *inner is pv and *kind its kind.  0 if
 * pv's provider hands out no such object.
 */
static int lends_holder(Ctx *c, const Provider *pv, Provider *inner, int *kind,
                        const Node **cls, const char **attr)
{
    const Node *def = pv->def;
    if (!def || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef))
        return 0;
    const ScopeTable *t = value_table_of(c->env->values, def);
    if (!t)
        return 0;
    HolderSearch h = {c, t, def, inner, 0, 0, RES_NONE, NULL, NULL};
    memset(inner, 0, sizeof *inner);
    ast_children((Node *)def, holder_return, &h);
    if (h.own)
        *inner = *pv;
    *cls = h.cls;
    *attr = h.attr;
    *kind = h.own ? h.own : h.found ? inner->sum->yields_kind : RES_NONE;
    if (h.found && !inner->path)
        inner->path = pv->path; /* the inner provider is beside the outer one */
    return h.found;
}

/*
 * A parameter whose value (v, from value_param) is a session every caller
 * passes from one FastAPI dependency (`helper(db)` in endpoints that have
 * `db = Depends(get_db)`): that provider in *pv, LENT_BY_CALLERS; 0 when
 * its owner is not known.
 */
static int lent_by_callers(Ctx *c, const Node *func, int index, Val v, Provider *pv)
{
    (void)func;
    (void)index;
    if (!v.node || !c->env->summary_of)
        return 0;
    const FlowSummary *sum = c->env->summary_of(c->env->summary_arg, v.node);
    if (!sum || sum->yields_kind == RES_NONE)
        return 0;
    memset(pv, 0, sizeof *pv);
    pv->sum = sum;
    pv->def = v.node;
    const ScopeTable *t = value_table_of(c->env->values, v.node);
    pv->path = t && t != c->env->scopes ? value_path_of(c->env->values, v.node) : NULL;
    pv->function_scope = v.scope_fn;
    return LENT_BY_CALLERS;
}

/*
 * A parameter some caller fills with a resource it made itself (`with
 * SessionLocal() as db: queue_receipt(tasks, db)`): that caller releases it
 * once this call returns, so work handed it here outlives it.  Sets up
 * site r (the parameter a) that way; 0 when no caller does.
 */
static int owned_by_caller(Ctx *c, Path *start, int r, const Node *func, const Node *a, int index)
{
    const char *path;
    const Node *caller;
    const Node *call = value_param_owner(c->env->values, func, index, &path, &caller);
    if (!call)
        return 0;
    Site *st = &c->site[r];
    fo_set_pool(c, r, fo_pool_of_arg(c, caller ? value_table_of(c->env->values, caller) : NULL,
                                     caller, call, func, index));
    const char *name = caller && caller->kind != NODE_ClassDef && caller->kind != NODE_Module
                           ? fmt(c, "`%s`", caller->v.FunctionDef.name) : "module-level code";
    st->early = 1; /* before anything this function leaves running */
    st->when = fmt(c, "its caller %s made it and releases it once this call returns", name);
    if (path && !strcmp(path, c->env->src->path))
        path = NULL;
    start->ev[r] = fl_ev_push_far(c, NULL, path, call->lineno, call->col_offset,
                                  fmt(c, "called here by %s with a %s it made and releases after "
                                         "the call", name, fl_noun(c, r)));
    start->ev[r] = fl_ev_push(c, start->ev[r], a, fmt(c, "borrowed here as `%s`", a->v.arg.arg));
    return 1;
}

/* The Depends(...) call that gives parameter i of def (in table *t, scope
 * *s) its value: its default, or the metadata of its Annotated type, an
 * alias here or imported (depends.c); *t and *s then the module's where the
 * call is written, where its names mean something.  NULL if none. */
static const Node *param_depends(Ctx *c, const ScopeTable **t, const Scope **s, const Node *def,
                                 int i)
{
    FlowEnv env = *c->env;
    env.scopes = *t;
    Depends d;
    if (!depends_of_param(&env, c->a, *s, def, i, &d))
        return NULL;
    *t = d.t;
    *s = d.s;
    return d.call;
}

/* The Depends(...) call of parameter i of func (no default) in its
 * Annotated type, when it is written in this module (made_per_request reads
 * it here), or NULL. */
static const Node *annotated_depends(Ctx *c, const Node *func, int i)
{
    const ScopeTable *t = c->env->scopes;
    const Scope *s = c->scope;
    const Node *d = param_depends(c, &t, &s, func, i);
    return t == c->env->scopes ? d : NULL;
}

/*
 * `db: Session = Depends(SessionLocal)`, `Depends(lambda: SessionLocal())`:
 * FastAPI calls a session factory for each request and hands the new
 * session over, but releases only what a generator dependency yields.  The
 * parameter holds a resource this function alone can release: a site of its
 * own, made at the Depends(...) call, idle until used.  Whether it made one.
 */
static int made_per_request(Ctx *c, Path *start, const Node *a, const Node *dep)
{
    if (!dep || dep->kind != NODE_Call)
        return 0; /* none, or `= Depends`, the class itself: nothing made */
    const Node *target = dep->v.Call.args.n ? dep->v.Call.args.items[0] : NULL;
    for (int i = 0; i < dep->v.Call.keywords.n; i++) {
        const Node *k = dep->v.Call.keywords.items[i];
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "dependency"))
            target = k->v.keyword.value;
    }
    if (!target)
        return 0;
    const Node *made = target->kind == NODE_Lambda ? target->v.Lambda.body : NULL;
    Val v = fl_model_value(c, c->env->scopes, c->scope, made ? made : target);
    if (!made && v.tag == VAL_FACTORY && v.kind == FAC_SESSIONMAKER) {
        int is_async = v.is_async;
        v = (Val){VAL_RESOURCE, RES_SESSION, 0, NULL, 0, 0, NULL, 0, 0};
        v.is_async = (unsigned char)is_async;
    } else if (!made || v.tag != VAL_RESOURCE || !v.fresh) {
        return 0;
    }
    int var = fl_var_index(c, a->v.arg.arg, 1);
    int r = var >= 0 ? fl_site_for(c, dep, v, -1) : -1;
    if (r < 0)
        return 0;
    c->site[r].name = a->v.arg.arg;
    start->res[r] = RS_IDLE;
    start->var[var] = (int8_t)r;
    start->ev[r] = fl_ev_push(c, NULL, dep,
                              "FastAPI makes it here for each request and releases nothing "
                              "a plain dependency makes");
    return 1;
}

/* A parameter filled by a FastAPI dependency that yields a resource: the
 * function borrows it from the provider, also when it is a helper every
 * caller passes the provider's session to.  A parameter typed as a session
 * or connection, or given one by its callers, is borrowed from an owner we
 * do not know. */

#define MAX_SUBDEP_DEPTH 4 /* dependencies of dependencies followed */

/*
 * A dependency that returns (get_current_user) and queries the session of
 * a yield provider it depends on, with no commit, rollback or close after:
 * FastAPI caches that session for the request, so it holds its connection
 * when the endpoint starts (SL205).  `at` is where the endpoint names the
 * dependency; its own site for the provider's session, if it has one,
 * starts checked out, else a site stands for the session it never sees.
 */
static void queried_by_dependency(Ctx *c, Path *start, const Provider *dep, const Node *at,
                                  int depth)
{
    const Node *def = dep->def;
    if (depth > MAX_SUBDEP_DEPTH || !def || !dep->scopes ||
        (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef))
        return;
    const Scope *s = scope_of(dep->scopes, def);
    const Node *args = def->v.FunctionDef.args;
    const NodeList *plain = &args->v.arguments.args;
    int before = args->v.arguments.posonlyargs.n;
    for (int i = 0; s && i < plain->n; i++) {
        const Node *a = plain->items[i];
        const ScopeTable *dt = dep->scopes;
        const Scope *ds = s;
        const Node *d = param_depends(c, &dt, &ds, def, before + i);
        Provider pv = {0};
        if (!d || d->v.Call.args.n < 1 || !depends_target(c, dt, ds, d, &pv))
            continue;
        if (pv.sum->yields_kind == RES_NONE && !pv.sum->returns_state) {
            queried_by_dependency(c, start, &pv, at, depth + 1);
            continue;
        }
        int index = before + i;
        if (pv.sum->yields_kind != RES_SESSION || index >= 32 ||
            !(dep->sum->checks_out >> index & 1) || uncached(d))
            continue;
        int r = -1;
        for (int k = 0; k < c->nsites; k++)
            if (c->site[k].owner_def == pv.def)
                r = k;
        if (r < 0) { /* the endpoint does not take the session itself */
            Val v = {VAL_RESOURCE, RES_SESSION, 0, NULL, 0, 0, NULL, 0, 0};
            r = fl_site_for(c, at, v, -1);
            if (r < 0)
                return;
            Site *st = &c->site[r];
            st->name = a->v.arg.arg;
            st->owner = pv.sum;
            st->owner_def = pv.def;
            owner_timing(c, st, &pv);
            start->res[r] = RS_BORROWED;
            start->ev[r] = fl_ev_push(c, NULL, at,
                                      fmt(c, "borrowed by the dependency `%s` from `%s`",
                                          def->v.FunctionDef.name, pv.def->v.FunctionDef.name));
        }
        /* held through the endpoint's body whenever the provider gives it back
           (its cleanup runs after the endpoint returns, in every era): a wait
           there, or a second connection of its pool, is SL207's and SL206's */
        start->holding |= 1u << r;
        c->held_at[r] = c->checkout[r] = at;
        c->checkout_note[r] = fmt(c, "the dependency `%s` checks out a connection with it, and no "
                                     "commit, rollback or close follows",
                                  def->v.FunctionDef.name);
        if (fj_txn_followed(c, r))
            start->checked_out |= 1u << r;
    }
}

/* The endpoint's dependencies that return a value (its parameters' and
 * its decorator's dependencies=[...]): what they left checked out. */
static void dependencies_queried(Ctx *c, Path *start, const Node *func)
{
    if (!c->env->fastapi || !(fastapi_role(c->env->fastapi->model, func) & FASTAPI_ENDPOINT))
        return;
    const Node *args = func->v.FunctionDef.args;
    const NodeList *lists[2] = {&args->v.arguments.args, &args->v.arguments.kwonlyargs};
    int posonly = args->v.arguments.posonlyargs.n; /* as ast_param counts */
    int first[2] = {posonly, posonly + args->v.arguments.args.n};
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < lists[l]->n; i++) {
            const ScopeTable *dt = c->env->scopes;
            const Scope *ds = c->scope;
            const Node *d = param_depends(c, &dt, &ds, func, first[l] + i);
            Provider pv = {0};
            if (d && d->v.Call.args.n > 0 && depends_target(c, dt, ds, d, &pv) &&
                pv.sum->yields_kind == RES_NONE && !pv.sum->returns_state)
                queried_by_dependency(c, start, &pv, d, 0);
        }
    for (int i = 0; i < func->v.FunctionDef.decorator_list.n; i++) {
        const Node *dec = func->v.FunctionDef.decorator_list.items[i];
        for (int k = 0; dec->kind == NODE_Call && k < dec->v.Call.keywords.n; k++) {
            const Node *kw = dec->v.Call.keywords.items[k];
            const Node *v = kw->v.keyword.value;
            if (!kw->v.keyword.arg || strcmp(kw->v.keyword.arg, "dependencies") ||
                (v->kind != NODE_List && v->kind != NODE_Tuple))
                continue;
            for (int e = 0; e < v->v.List.elts.n; e++) {
                const Node *d = v->v.List.elts.items[e];
                Provider pv = {0};
                if (depends_target(c, c->env->scopes, c->scope, d, &pv) &&
                    pv.sum->yields_kind == RES_NONE && !pv.sum->returns_state)
                    queried_by_dependency(c, start, &pv, d, 0);
            }
        }
    }
}

/*
 * Check mode: self of __enter__/__aenter__ in a class whose instances the
 * value model takes for sessions (a subclass of SQLAlchemy's or SQLModel's
 * Session or AsyncSession, however deep, however made: `async_sessionmaker(
 * engine, class_=TenantSession)` too).  The session is the method's own until
 * it returns: the `with` calls __exit__ only then, so a connection it checks
 * out here (a query, `connection()`, a helper that uses it) and that an
 * exception then leaves behind is never given back.  It starts idle, as a
 * new session holds no connection; `super().__aenter__()` returns it (the
 * library's returns self).  A normal exit hands it to the `with`
 * (step_exit).  Limits: only self (not a session it keeps on an attribute:
 * that is kept_by_enter's), and only the method the with calls, not the
 * helpers it hands self to, whose own exception paths are its.
 */
static int entered_self(Ctx *c, Path *start, const Node *func, const Node *a, int index, Val v)
{
    const Scope *cls = c->scope ? c->scope->parent : NULL;
    if (!c->enter || c->env->summary || index != 0 || v.tag != VAL_OBJECT || !cls ||
        cls->kind != SCOPE_CLASS || v.node != cls->node)
        return 0;
    v = value_instance(c->env->values, c->a, cls->node);
    if (v.tag != VAL_RESOURCE || v.kind != RES_SESSION)
        return 0;
    int var = fl_var_index(c, a->v.arg.arg, 1);
    v.fresh = 1;
    int r = var >= 0 ? fl_site_for(c, a, v, -1) : -1;
    if (r < 0)
        return 0;
    c->site[r].name = a->v.arg.arg;
    c->site[r].enter_self = 1;
    c->entered_self = r;
    start->res[r] = RS_IDLE;
    start->var[var] = (int8_t)r;
    const char *name = func->v.FunctionDef.name;
    const char *leave = !strcmp(name, "__enter__") ? "__exit__" : "__aexit__";
    start->ev[r] = fl_ev_push(c, NULL, a,
                              fmt(c, "the session the `with` enters, as `%s`: its `%s` closes it "
                                     "only if `%s` returns",
                                  a->v.arg.arg, leave, name));
    return 1;
}

void fp_borrowed_params(Ctx *c, Path *start, const Node *func)
{
    if (func->kind != NODE_FunctionDef && func->kind != NODE_AsyncFunctionDef)
        return;
    const Node *args = func->v.FunctionDef.args;
    const NodeList *plain = &args->v.arguments.args, *defs = &args->v.arguments.defaults;
    const NodeList *kwonly = &args->v.arguments.kwonlyargs, *kwdefs = &args->v.arguments.kw_defaults;
    int nparams = args->v.arguments.posonlyargs.n + plain->n + kwonly->n;
    /* plain, keyword-only, then *args and **kwargs (value.h numbers them last) */
    Node *rest[2] = {args->v.arguments.vararg, args->v.arguments.kwarg};
    NodeList tail = {rest, 2};
    for (int l = 0; l < 3; l++) {
        const NodeList *ps = l == 0 ? plain : l == 1 ? kwonly : &tail;
        for (int i = 0; i < ps->n; i++) {
            const Node *a = ps->items[i];
            const Node *def = NULL;
            if (!a)
                continue;
            if (l == 1)
                def = kwdefs->items[i];
            else if (l == 0 && i >= ps->n - defs->n)
                def = defs->items[i - (ps->n - defs->n)];
            int index = l == 2 ? nparams + i : args->v.arguments.posonlyargs.n + i + (l ? plain->n : 0);
            Provider pv = {0};
            Val v = {VAL_UNKNOWN, 0, 0, NULL, 0, 0, NULL, 0, 0};
            int found = depends_target(c, c->env->scopes, c->scope, def, &pv) ||
                        annotated_provider(c, c->env->scopes, c->scope, a->v.arg.annotation, 0, &pv);
            int holder = 0;
            if (!found)
                found = holder = class_dependency(c, func, index, &pv);
            Provider inner;
            const Node *outer = NULL; /* a dependency returning an object that keeps a session */
            int kept = RES_NONE;
            const Node *kept_cls = NULL; /* the object's class, when pv made the session */
            const char *kept_attr = NULL;
            if (found && pv.sum->yields_kind == RES_NONE && !pv.sum->returns_state &&
                lends_holder(c, &pv, &inner, &kept, &kept_cls, &kept_attr)) {
                /* `svc: Service = Depends(get_service)`, returning Service(db) */
                outer = inner.def != pv.def ? pv.def : NULL;
                pv = inner;
                holder = 1;
            }
            if (found && (pv.sum->yields_kind != RES_NONE || kept != RES_NONE)) {
                v.tag = VAL_RESOURCE;
                v.kind = kept != RES_NONE ? kept : pv.sum->yields_kind;
            } else if (found && pv.sum->returns_state) {
                v.tag = VAL_RESOURCE;
                v.kind = RES_SESSION;
            } else if (def && fastapi_is_depends(
                                  fl_qualname(c, c->env->scopes, c->scope,
                                              def->kind == NODE_Call ? def->v.Call.func : def))) {
                made_per_request(c, start, a, def);
                continue; /* a provider we cannot follow */
            } else if (!def && made_per_request(c, start, a,
                                                annotated_depends(c, func, index))) {
                continue;
            } else {
                /* what its annotation says, or what the callers pass (value.h) */
                v = value_param(c->env->values, c->a, func, index);
                if (entered_self(c, start, func, a, index, v))
                    continue;
                if (v.tag != VAL_RESOURCE)
                    continue;
                found = lent_by_callers(c, func, index, v, &pv);
            }
            int var = fl_var_index(c, a->v.arg.arg, 1);
            int same = -1; /* FastAPI caches a dependency's value within a request */
            for (int k = 0; found && pv.def && k < c->nsites; k++)
                if (c->site[k].owner_def == pv.def && !uncached(def))
                    same = k;
            if (same >= 0 && var >= 0) {
                start->var[var] = (int8_t)same;
                continue;
            }
            int r = fl_site_for(c, a, v, -1);
            if (r < 0 || var < 0)
                return;
            Site *st = &c->site[r];
            st->name = l < 2 ? a->v.arg.arg : fmt(c, "%s%s", i ? "**" : "*", a->v.arg.arg);
            st->holder = holder;
            if (kept_cls && kept_attr) { /* uow.session, uow.<repo> are its session */
                st->obj_cls = kept_cls;
                st->obj_attr = kept_attr;
            }
            st->maybe_none = def && def->kind == NODE_Constant &&
                             def->v.Constant.value.kind == CONST_NONE;
            start->res[r] = RS_BORROWED;
            start->var[var] = (int8_t)r;
            if (!found && owned_by_caller(c, start, r, func, a, index))
                continue;
            if (!found) {
                st->param_only = 1;
                continue;
            }
            st->owner = pv.sum;
            st->owner_def = uncached(def) ? NULL : pv.def;
            if (pv.sum->yields_kind == RES_NONE && kept == RES_NONE) {
                state_timing(c, st, pv.sum->returns_state);
                start->ev[r] = fl_ev_push(c, NULL, a,
                                          fmt(c, "borrowed here from `%s`, which hands over "
                                                 "request.state.%s",
                                              pv.def->v.FunctionDef.name,
                                              pv.sum->returns_state->attr));
                continue;
            }
            owner_timing(c, st, &pv);
            if (found == LENT_BY_CALLERS) { /* the caller that lends it comes first */
                const char *path;
                const Node *call = value_param_site(c->env->values, func, index, &path);
                if (call)
                    start->ev[r] = fl_ev_push_far(c, NULL, path, call->lineno, call->col_offset,
                                                  fmt(c, "called here with a session from its "
                                                         "FastAPI dependency `%s`",
                                                      pv.def->v.FunctionDef.name));
                start->ev[r] = fl_ev_push(c, start->ev[r], a, fmt(c, "borrowed here as `%s`",
                                                                   a->v.arg.arg));
                continue;
            }
            const char *how =
                pv.marker ? fmt(c, " (through `dependency_overrides[%s]`)",
                                pv.marker->kind == NODE_ClassDef ? pv.marker->v.ClassDef.name
                                                                 : pv.marker->v.FunctionDef.name)
                          : "";
            start->ev[r] = fl_ev_push(
                c, NULL, a,
                outer ? fmt(c, "borrowed here from its FastAPI dependency `%s`, "
                               "an object that keeps the session of `%s`",
                            outer->v.FunctionDef.name, pv.def->v.FunctionDef.name)
                : kept_cls ? fmt(c, "borrowed here from its FastAPI dependency `%s`%s, a `%s` "
                                    "that keeps the session it opens",
                                 pv.def->v.FunctionDef.name, how, kept_cls->v.ClassDef.name)
                : pv.def && pv.def->kind != NODE_ClassDef
                    ? fmt(c, "borrowed here from its FastAPI dependency `%s`%s",
                          pv.def->v.FunctionDef.name, how)
                    : "borrowed here from its FastAPI dependency");
        }
    }
    dependencies_queried(c, start, func);
}

/* The class a base expression of a class in table t names (a plain name,
 * here or imported): its scope, with its table in *bt and, when that is
 * another module, its file in *path (left as it is for this one). */
static const Scope *base_class(Ctx *c, const ScopeTable *t, const Node *base,
                               const ScopeTable **bt, const char **path)
{
    const char *bpath = NULL;
    const Node *bdef = base->kind == NODE_Name
                           ? fc_class_named(c, t, scope_module(t), base->v.Name.id, bt, &bpath)
                           : NULL;
    if (!bdef)
        return NULL;
    if (*bt != t)
        *path = bpath;
    return scope_of(*bt, bdef);
}

/* Where class cls (in table t) or a base class of it, here or in another
 * module, declares `attr = <value>` in its body: the value, with the table,
 * class scope and file (NULL: this one) that hold it. */
typedef struct ClassAttr {
    const ScopeTable *t;
    const Scope *cls;
    const char *path;
    const Node *value;
} ClassAttr;

static int class_attr(Ctx *c, const ScopeTable *t, const Scope *cls, const char *path,
                      const char *attr, int depth, ClassAttr *out)
{
    if (!cls || depth > 4)
        return 0;
    const Node *def = cls->node;
    for (int i = 0; i < def->v.ClassDef.body.n; i++) {
        const Node *target, *value;
        if (ast_single_assign(def->v.ClassDef.body.items[i], &target, &value) &&
            target->kind == NODE_Name && !strcmp(target->v.Name.id, attr)) {
            out->t = t;
            out->cls = cls;
            out->path = path;
            out->value = value;
            return 1;
        }
    }
    for (int i = 0; i < def->v.ClassDef.bases.n; i++) { /* class View(BaseController) */
        const ScopeTable *bt;
        const char *bpath = path;
        const Scope *bs = base_class(c, t, def->v.ClassDef.bases.items[i], &bt, &bpath);
        if (bs && class_attr(c, bt, bs, bpath, attr, depth + 1, out))
            return 1;
    }
    return 0;
}

/*
 * `self.<attr>` in a method of a class-based view, whose class body says
 * `<attr>: Session = Depends(get_db)` (fastapi-utils' cbv, controllers
 * built on it): FastAPI fills it per request from the provider, so the
 * method borrows it.  -1 when attr is not such a dependency.
 */
int fp_view_site(Ctx *c, Path *p, const char *attr)
{
    const Scope *cls = c->scope ? c->scope->parent : NULL;
    ClassAttr ca;
    if (c->env->summary || !cls || cls->kind != SCOPE_CLASS ||
        !class_attr(c, c->env->scopes, cls, NULL, attr, 0, &ca))
        return -1;
    Provider pv = {0};
    if (!depends_target(c, ca.t, ca.cls, ca.value, &pv) || pv.sum->yields_kind == RES_NONE)
        return -1;
    Val v = {VAL_RESOURCE, pv.sum->yields_kind, 0, NULL, 0, 0, NULL, 0, 0};
    int r = fl_site_for(c, ca.value, v, -1);
    if (r < 0)
        return -1;
    if (!c->site[r].owner) {
        c->site[r].owner = pv.sum;
        c->site[r].name = fmt(c, "self.%s", attr);
        owner_timing(c, &c->site[r], &pv);
    }
    if (p->res[r] == RS_NONE) {
        p->res[r] = RS_BORROWED;
        p->ev[r] = fl_ev_push_far(c, NULL, ca.path, ca.value->lineno, ca.value->col_offset,
                                  fmt(c, "borrowed from its FastAPI dependency `%s` (a class-based "
                                         "view's attribute)",
                                      pv.def && pv.def->kind != NODE_ClassDef
                                          ? pv.def->v.FunctionDef.name : "?"));
    }
    return r;
}

/* Is def a property (`@property`, `@cached_property`,
 * `@functools.cached_property`)? */
static int is_property(const Node *def)
{
    const NodeList *ds = &def->v.FunctionDef.decorator_list;
    for (int i = 0; i < ds->n; i++) {
        const Node *d = ds->items[i];
        const char *id = d->kind == NODE_Name        ? d->v.Name.id
                         : d->kind == NODE_Attribute ? d->v.Attribute.attr : "";
        if (!strcmp(id, "property") || !strcmp(id, "cached_property"))
            return 1;
    }
    return 0;
}

/* What the statements of a property return: `return E`, or, for a value
 * kept in `self._x` on first use (`if not self._x: self._x = E` then
 * `return self._x`), that E.  memo: the `self._x` being looked for. */
static const Node *returned_in(const NodeList *body, const char *memo)
{
    for (int i = 0; i < body->n; i++) {
        const Node *st = body->items[i], *target, *value, *e = NULL;
        if (memo && ast_single_assign(st, &target, &value) && fl_is_self_attr(target, memo))
            return value;
        if (st->kind == NODE_If) {
            e = returned_in(&st->v.If.body, memo);
            if (!e)
                e = returned_in(&st->v.If.orelse, memo);
        } else if (!memo && st->kind == NODE_Return && st->v.Return.value) {
            e = st->v.Return.value;
            if (fl_is_self_attr(e, NULL)) /* return self._x: what is kept there */
                e = returned_in(body, e->v.Attribute.attr);
        }
        if (e)
            return e;
    }
    return NULL;
}

/* Where a property was found: its def, the table and file (NULL: this
 * one) that hold it, and what it returns. */
typedef struct Prop {
    const Node *def, *value;
    const ScopeTable *t;
    const char *path;
} Prop;

/* The property attr of class cls (table t, file path) or of a base class,
 * here or in another module: what it returns, in *out. */
static int property_of(Ctx *c, const ScopeTable *t, const Scope *cls, const char *path,
                       const char *attr, int depth, Prop *out)
{
    if (!cls || cls->kind != SCOPE_CLASS || depth > 4)
        return 0;
    const Node *def = cls->node;
    for (int i = 0; i < def->v.ClassDef.body.n; i++) {
        const Node *m = def->v.ClassDef.body.items[i];
        if (m->kind != NODE_FunctionDef || strcmp(m->v.FunctionDef.name, attr))
            continue;
        *out = (Prop){m, is_property(m) ? returned_in(&m->v.FunctionDef.body, NULL) : NULL, t,
                      path};
        return out->value != NULL;
    }
    for (int i = 0; i < def->v.ClassDef.bases.n; i++) {
        const ScopeTable *bt;
        const char *bpath = path;
        const Scope *bs = base_class(c, t, def->v.ClassDef.bases.items[i], &bt, &bpath);
        if (bs && property_of(c, bt, bs, bpath, attr, depth + 1, out))
            return 1;
    }
    return 0;
}

/* Is e an object made of parts only: a class called with names,
 * attributes, constants and such objects (`Repos(self.session, limit=5)`)?
 * Evaluating it here then acquires nothing (`Repos(SessionLocal())` would). */
static int made_of_parts(Ctx *c, const Node *e, int depth)
{
    if (depth > 8)
        return 0;
    while (e->kind == NODE_Attribute)
        e = e->v.Attribute.value;
    if (e->kind == NODE_Name || e->kind == NODE_Constant)
        return 1;
    if (e->kind != NODE_Call || !fc_constructs(c, e->v.Call.func))
        return 0;
    for (int i = 0; i < e->v.Call.args.n; i++)
        if (!made_of_parts(c, e->v.Call.args.items[i], depth + 1))
            return 0;
    for (int i = 0; i < e->v.Call.keywords.n; i++)
        if (!made_of_parts(c, e->v.Call.keywords.items[i]->v.keyword.value, depth + 1))
            return 0;
    return 1;
}

/*
 * `self.<attr>` in a method, where attr is a property of the class or of a
 * base class, here or in another module, that returns an object made with
 * a class-based view's session (`return Repos(self.session)`, or kept in
 * `self._repos` on first use): the holder site that evaluating what it
 * returns makes here, or -1.  Another module's property is evaluated in
 * its own scopes, its events in its own file.
 */
int fp_property_site(Ctx *c, Path *p, const char *attr)
{
    const Scope *cls = c->scope ? c->scope->parent : NULL;
    Prop pr;
    if (c->env->summary || !property_of(c, c->env->scopes, cls, NULL, attr, 0, &pr) ||
        pr.value->kind != NODE_Call)
        return -1;
    const FlowEnv *env = c->env;
    const Scope *scope = c->scope;
    const char *ev_path = c->ev_path;
    FlowEnv there = *env;
    there.scopes = pr.t;
    c->env = &there;
    c->scope = scope_of(pr.t, pr.def);
    c->ev_path = pr.path;
    int r = c->scope && made_of_parts(c, pr.value, 0) ? fl_eval(c, p, pr.value).site : -1;
    c->env = env;
    c->scope = scope;
    c->ev_path = ev_path;
    if (r < 0 || !c->site[r].holder)
        return -1;
    if (!c->site[r].name)
        c->site[r].name = fmt(c, "self.%s", attr); /* not the property's code */
    return r;
}

/* Summary mode: each positional parameter starts as an open resource of
 * unknown kind, so the exits can tell whether the function releases it. */
void fp_summary_params(Ctx *c, Path *start, const Node *func)
{
    if (func->kind != NODE_FunctionDef && func->kind != NODE_AsyncFunctionDef)
        return;
    const Node *args = func->v.FunctionDef.args;
    const NodeList *lists[2] = {&args->v.arguments.posonlyargs, &args->v.arguments.args};
    for (int l = 0; l < 2; l++) {
        for (int i = 0; i < lists[l]->n && c->nparams < 8; i++) {
            const Node *a = lists[l]->items[i];
            Val v = {VAL_RESOURCE, RES_ANY, 0, NULL, 0, 0, NULL, 0, 0};
            Val known = value_param(c->env->values, c->a, func, c->nparams);
            int var = fl_var_index(c, a->v.arg.arg, 1);
            if (var < 0)
                return;
            if (known.tag != VAL_UNKNOWN && known.tag != VAL_RESOURCE) {
                /* a pool, an engine, an object the callers pass: not a resource of
                   theirs the function could release, but what it makes things with */
                c->var_val[var] = known;
                c->param_site[c->nparams++] = -1;
                if (c->nparams == 1 && known.tag == VAL_OBJECT && c->scope && c->scope->parent &&
                    c->scope->parent->kind == SCOPE_CLASS)
                    c->self_site = fl_site_for(c, a, v, -1); /* self: only what work it is
                                                                handed, no state on the paths */
                continue;
            }
            int r = fl_site_for(c, a, v, -1);
            if (r < 0)
                return;
            start->res[r] = RS_OPEN;
            start->var[var] = (int8_t)r;
            c->param_site[c->nparams++] = r;
        }
    }
}
