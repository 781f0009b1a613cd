/*
 * fastapi.c - the FastAPI model of fastapi.h.
 *
 * Two passes over every module.  The first finds the roles FastAPI gives
 * functions: path operations (decorators on FastAPI() and APIRouter()
 * objects, here or imported, and add_api_route), dependencies (every
 * Depends(f) / Security(f): parameter defaults, Annotated metadata and its
 * aliases, dependencies=[...] lists; Depends() on a class annotation),
 * HTTP middlewares and startup code.  The second closes the set of code
 * that runs while a request is served: from the endpoints, dependencies
 * and middlewares, every function or class they name (called, or handed
 * over as a background task) joins, transitively; on the way it records
 * the module-level names and the app.state attributes that code reads.
 *
 * Node identities are kept in one open-addressing table keyed by pointer;
 * the table is only probed for membership, so the output does not depend
 * on pointer values.
 */
#include "fastapi.h"

#include <stdint.h>
#include <string.h>

#define WALK_MAX_DEPTH 200 /* AST nesting followed; deeper parts are skipped */
#define MAX_HOPS 8         /* imports followed to a definition */
#define MAX_STATE 32       /* app.state attributes and state owners kept */

typedef struct Entry {
    const void *key; /* a function, class or module-level Binding */
    int roles;       /* FASTAPI_* bits; for a binding, 1 = read by request code */
    int mod;         /* index of the module holding it */
} Entry;

struct FastApi {
    Arena *a;
    const Project *graph;
    const FastApiModule *mods;
    int n;
    Entry *tab; /* open addressing, cap a power of two */
    int cap, used;
    const char *state_reads[MAX_STATE];
    int nstate_reads;
    FastApiStateOwner owners[MAX_STATE];
    int nowners;
    FastApiStateValue values[MAX_STATE];
    int nvalues;
    const Node **work; /* the closure's worklist */
    int nwork, capwork;
};

/* ------------------------------------------------------------- table */

static size_t hash_ptr(const void *p)
{
    uintptr_t x = (uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

static Entry *slot(FastApi *f, const void *key, int create)
{
    if (create && 2 * (f->used + 1) > f->cap) {
        Entry *old = f->tab;
        int oldcap = f->cap;
        f->cap = f->cap ? 2 * f->cap : 256;
        f->tab = arena_alloc(f->a, (size_t)f->cap * sizeof *f->tab);
        f->used = 0;
        for (int i = 0; i < oldcap; i++)
            if (old[i].key) {
                Entry *e = slot(f, old[i].key, 1);
                *e = old[i];
            }
    }
    if (!f->cap)
        return NULL;
    size_t mask = (size_t)f->cap - 1;
    for (size_t i = hash_ptr(key) & mask;; i = (i + 1) & mask) {
        if (f->tab[i].key == key)
            return &f->tab[i];
        if (!f->tab[i].key) {
            if (!create)
                return NULL;
            f->tab[i].key = key;
            f->tab[i].mod = -1;
            f->used++;
            return &f->tab[i];
        }
    }
}

static const Entry *find(const FastApi *f, const void *key)
{
    return key ? slot((FastApi *)f, key, 0) : NULL;
}

/* Adds roles to a node; a node that becomes request code joins the work. */
static void give(FastApi *f, const Node *node, int roles, int mod)
{
    if (!node)
        return;
    Entry *e = slot(f, node, 1);
    if (mod >= 0)
        e->mod = mod;
    int fresh = roles & ~e->roles;
    e->roles |= roles;
    if ((fresh & FASTAPI_REQUEST) && e->mod >= 0) {
        if (f->nwork == f->capwork) {
            f->capwork = f->capwork ? 2 * f->capwork : 64;
            const Node **w = arena_alloc(f->a, (size_t)f->capwork * sizeof *w);
            if (f->nwork)
                memcpy(w, f->work, (size_t)f->nwork * sizeof *w);
            f->work = w;
        }
        f->work[f->nwork++] = node;
    }
}

/* ------------------------------------------------------------- names */

static int module_index(const FastApi *f, const Node *module)
{
    for (int i = 0; i < f->n; i++)
        if (f->mods[i].module == module)
            return i;
    return -1;
}

/* What expr (a Name or an attribute chain, in scope s of module m) names,
 * followed through imports to its definition: the binding, and in *mod the
 * module that holds it.  NULL if it is not something of the project. */
static const Binding *resolve(const FastApi *f, int m, const Scope *s, const Node *expr, int *mod)
{
    const ScopeTable *t = f->mods[m].scopes;
    const Binding *b = NULL;
    char buf[512];
    *mod = m;
    if (expr->kind == NODE_Name) {
        const Scope *where = NULL;
        b = scope_lookup(t, s, expr->v.Name.id, &where);
        if (!b)
            return NULL;
        if (b->kind != BIND_IMPORT)
            return b;
    }
    size_t n = scope_qualname_buf(t, s, expr, buf, sizeof buf);
    if (!n || n >= sizeof buf)
        return b;
    const ProjectModule *pm = NULL;
    const Binding *d = NULL;
    if (!modgraph_resolve(f->graph, buf, &pm, &d) || !d || !pm)
        return b;
    int k = module_index(f, pm->module);
    if (k < 0)
        return b;
    *mod = k;
    return d;
}

/* The call a module-level name is bound to (`router = APIRouter()`), in
 * *mod's module, following imports. */
static const Node *bound_call(const FastApi *f, int m, const Scope *s, const Node *expr, int *mod)
{
    const Binding *b = resolve(f, m, s, expr, mod);
    if (!b || !b->value || b->value->kind != NODE_Call)
        return NULL;
    return b->value;
}

/* The qualified name of expr into buf, or NULL. */
static const char *qual(const FastApi *f, int m, const Scope *s, const Node *expr, char *buf,
                        size_t cap)
{
    size_t n = scope_qualname_buf(f->mods[m].scopes, s, expr, buf, cap);
    return n && n < cap ? buf : NULL;
}

static int is_qual(const char *q, const char *const *names)
{
    for (; q && *names; names++)
        if (!strcmp(q, *names))
            return 1;
    return 0;
}

static const char *const app_types[] = {"fastapi.FastAPI", "fastapi.applications.FastAPI",
                                        "fastapi.APIRouter", "fastapi.routing.APIRouter",
                                        "starlette.applications.Starlette",
                                        "starlette.routing.Router", NULL};
static const char *const depends_names[] = {"fastapi.Depends", "fastapi.params.Depends",
                                            "fastapi.param_functions.Depends", NULL};
static const char *const security_names[] = {"fastapi.Security", "fastapi.params.Security",
                                             "fastapi.param_functions.Security", NULL};

/* Is expr (in scope s of module m) a FastAPI() or APIRouter() object? */
static int is_app(const FastApi *f, int m, const Scope *s, const Node *expr)
{
    char buf[256];
    int k;
    if (expr->kind == NODE_Name || expr->kind == NODE_Attribute) {
        const Node *call = bound_call(f, m, s, expr, &k);
        if (call) {
            const Scope *ks = scope_module(f->mods[k].scopes);
            return is_qual(qual(f, k, ks, call->v.Call.func, buf, sizeof buf), app_types);
        }
    }
    /* an app we cannot see made (`app = create_app()`, `self.router`): by name */
    const char *id = expr->kind == NODE_Name ? expr->v.Name.id
                     : expr->kind == NODE_Attribute ? expr->v.Attribute.attr : NULL;
    if (!id)
        return 0;
    size_t len = strlen(id);
    return !strcmp(id, "app") || (len >= 6 && !strcmp(id + len - 6, "router")) ||
           (len >= 4 && !strcmp(id + len - 4, "_app"));
}

static int is_depends(const FastApi *f, int m, const Scope *s, const Node *e)
{
    char buf[256];
    if (!e || e->kind != NODE_Call)
        return 0;
    const char *q = qual(f, m, s, e->v.Call.func, buf, sizeof buf);
    return is_qual(q, depends_names) || is_qual(q, security_names);
}

/* A function or class definition that expr names, and its module. */
static const Node *definition(const FastApi *f, int m, const Scope *s, const Node *expr, int *mod)
{
    if (!expr || (expr->kind != NODE_Name && expr->kind != NODE_Attribute))
        return NULL;
    const Binding *b = resolve(f, m, s, expr, mod);
    if (!b || (b->kind != BIND_DEF && b->kind != BIND_CLASS) || !b->def)
        return NULL;
    return b->def;
}

/* Gives a dependency target its role; a class gives it to its methods. */
static void give_provider(FastApi *f, const Node *def, int mod, int roles)
{
    if (!def)
        return;
    give(f, def, roles, mod);
    if (def->kind != NODE_ClassDef)
        return;
    for (int i = 0; i < def->v.ClassDef.body.n; i++) {
        const Node *st = def->v.ClassDef.body.items[i];
        if (st->kind == NODE_FunctionDef || st->kind == NODE_AsyncFunctionDef)
            give(f, st, roles, mod);
    }
}

/* Depends(f) / Depends(f, scope="function") / Depends(dependency=f). */
static void depends_call(FastApi *f, int m, const Scope *s, const Node *call, const Node *ann)
{
    const Node *target = call->v.Call.args.n ? call->v.Call.args.items[0] : NULL;
    int roles = FASTAPI_PROVIDER;
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        const char *arg = k->v.keyword.arg;
        if (arg && !strcmp(arg, "dependency"))
            target = k->v.keyword.value;
        if (arg && !strcmp(arg, "scope") && k->v.keyword.value->kind == NODE_Constant &&
            k->v.keyword.value->v.Constant.value.kind == CONST_STR &&
            !strcmp(k->v.keyword.value->v.Constant.value.s, "function"))
            roles = FASTAPI_PROVIDER_FN;
    }
    if (!target)
        target = ann; /* Depends() on `x: Repo`: the class is the dependency */
    int mod = -1;
    give_provider(f, definition(f, m, s, target, &mod), mod, roles);
}

/* ------------------------------------------------------------- middlewares */

typedef struct Mw {
    FastApi *f;
    int m;
    const Node *func;
    int call_next_line; /* first line that awaits call_next, or 0 */
    int depth;
} Mw;

const char *fastapi_state_attr(const Node *e)
{
    if (e->kind != NODE_Attribute)
        return NULL;
    const Node *st = e->v.Attribute.value;
    if (st->kind != NODE_Attribute || strcmp(st->v.Attribute.attr, "state"))
        return NULL;
    return e->v.Attribute.attr;
}

static void mw_kid(Node *parent, Node *n, void *arg)
{
    Mw *w = arg;
    (void)parent;
    if (w->depth > WALK_MAX_DEPTH)
        return;
    if (n->kind == NODE_Call) {
        const Node *fn = n->v.Call.func;
        if (fn->kind == NODE_Name && !strcmp(fn->v.Name.id, "call_next") &&
            (!w->call_next_line || n->lineno < w->call_next_line))
            w->call_next_line = n->lineno;
        const char *attr = fn->kind == NODE_Attribute && !strcmp(fn->v.Attribute.attr, "close")
                               ? fastapi_state_attr(fn->v.Attribute.value) : NULL;
        const Node *sv = attr ? fn->v.Attribute.value->v.Attribute.value : NULL;
        if (attr && w->call_next_line && n->lineno > w->call_next_line && sv->kind == NODE_Attribute &&
            sv->v.Attribute.value->kind == NODE_Name && w->f->nowners < MAX_STATE) {
            /* request.state.db.close() after call_next, not request.app.state.db */
            FastApiStateOwner *o = &w->f->owners[w->f->nowners++];
            o->attr = attr;
            o->func = w->func;
            o->path = w->f->mods[w->m].path;
            o->close_line = n->lineno;
            o->close_col = n->col_offset;
        }
    }
    w->depth++;
    ast_children(n, mw_kid, w);
    w->depth--;
}

static void middleware(FastApi *f, int m, const Node *func)
{
    give(f, func, FASTAPI_MIDDLEWARE | FASTAPI_REQUEST, m);
    Mw w = {f, m, func, 0, 0};
    ast_children((Node *)func, mw_kid, &w);
}

/* ------------------------------------------------------------- roles */

typedef struct Walk {
    FastApi *f;
    int m;
    const Scope *s;
    int depth;
} Walk;

static void walk(Walk *w, const Node *n);

static void walk_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    walk(arg, n);
}

static int str_arg_is(const Node *call, const char *value)
{
    if (!call || call->kind != NODE_Call || call->v.Call.args.n < 1)
        return 0;
    const Node *a = call->v.Call.args.items[0];
    return a->kind == NODE_Constant && a->v.Constant.value.kind == CONST_STR &&
           !strcmp(a->v.Constant.value.s, value);
}

static const char *const verbs[] = {"get", "post", "put", "patch", "delete", "head", "options",
                                    "trace", "api_route", "websocket", "route", NULL};

/* The decorators of a def: path operations, middlewares, startup code. */
static void decorators(Walk *w, const Node *def)
{
    for (int i = 0; i < def->v.FunctionDef.decorator_list.n; i++) {
        const Node *d = def->v.FunctionDef.decorator_list.items[i];
        if (d->kind != NODE_Call || d->v.Call.func->kind != NODE_Attribute)
            continue;
        const Node *base = d->v.Call.func->v.Attribute.value;
        const char *verb = d->v.Call.func->v.Attribute.attr;
        if (!is_app(w->f, w->m, w->s, base))
            continue;
        if (is_qual(verb, verbs))
            give(w->f, def, FASTAPI_ENDPOINT | FASTAPI_REQUEST, w->m);
        else if (!strcmp(verb, "middleware") && str_arg_is(d, "http"))
            middleware(w->f, w->m, def);
        else if (!strcmp(verb, "on_event") && str_arg_is(d, "startup"))
            give(w->f, def, FASTAPI_STARTUP, w->m);
    }
}

/* Parameters declared `x: Cls = Depends()` or `x: Annotated[Cls, Depends()]`. */
static void class_dependencies(Walk *w, const Node *def)
{
    const Node *args = def->v.FunctionDef.args;
    const NodeList *plain = &args->v.arguments.args, *defs = &args->v.arguments.defaults;
    const NodeList *kwonly = &args->v.arguments.kwonlyargs, *kwdefs = &args->v.arguments.kw_defaults;
    for (int l = 0; l < 2; l++) {
        const NodeList *ps = l ? kwonly : plain;
        for (int i = 0; i < ps->n; i++) {
            const Node *a = ps->items[i], *dflt = NULL, *ann = a->v.arg.annotation;
            if (l)
                dflt = kwdefs->items[i];
            else if (i >= ps->n - defs->n)
                dflt = defs->items[i - (ps->n - defs->n)];
            if (ann && ann->kind == NODE_Subscript && ann->v.Subscript.slice->kind == NODE_Tuple) {
                const NodeList *elts = &ann->v.Subscript.slice->v.Tuple.elts;
                for (int k = 1; k < elts->n; k++) {
                    const Node *e = elts->items[k];
                    if (is_depends(w->f, w->m, w->s, e) && !e->v.Call.args.n)
                        depends_call(w->f, w->m, w->s, e, elts->items[0]);
                }
            } else if (is_depends(w->f, w->m, w->s, dflt) && !dflt->v.Call.args.n) {
                depends_call(w->f, w->m, w->s, dflt, ann);
            }
        }
    }
}

/* A call anywhere: Depends(f), add_api_route, add_middleware, lifespan=. */
static void call_roles(Walk *w, const Node *call)
{
    FastApi *f = w->f;
    int mod = -1;
    if (is_depends(f, w->m, w->s, call)) {
        if (call->v.Call.args.n || call->v.Call.keywords.n)
            depends_call(f, w->m, w->s, call, NULL);
        return;
    }
    const Node *fn = call->v.Call.func;
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "lifespan"))
            give(f, definition(f, w->m, w->s, k->v.keyword.value, &mod), FASTAPI_STARTUP, mod);
    }
    if (fn->kind != NODE_Attribute || !is_app(f, w->m, w->s, fn->v.Attribute.value))
        return;
    const char *m = fn->v.Attribute.attr;
    if (!strcmp(m, "add_api_route") || !strcmp(m, "add_api_websocket_route")) {
        const Node *ep = call->v.Call.args.n > 1 ? call->v.Call.args.items[1] : NULL;
        for (int i = 0; i < call->v.Call.keywords.n; i++) {
            const Node *k = call->v.Call.keywords.items[i];
            if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "endpoint"))
                ep = k->v.keyword.value;
        }
        give(f, definition(f, w->m, w->s, ep, &mod), FASTAPI_ENDPOINT | FASTAPI_REQUEST, mod);
    } else if (!strcmp(m, "add_event_handler") && str_arg_is(call, "startup") &&
               call->v.Call.args.n > 1) {
        give(f, definition(f, w->m, w->s, call->v.Call.args.items[1], &mod), FASTAPI_STARTUP, mod);
    } else if (!strcmp(m, "add_middleware")) {
        for (int i = 0; i < call->v.Call.keywords.n; i++) {
            const Node *k = call->v.Call.keywords.items[i];
            if (!k->v.keyword.arg || strcmp(k->v.keyword.arg, "dispatch"))
                continue;
            const Node *d = definition(f, w->m, w->s, k->v.keyword.value, &mod);
            if (d && d->kind != NODE_ClassDef)
                middleware(f, mod, d);
        }
    }
}

/* class M(BaseHTTPMiddleware): its dispatch method is a middleware. */
static void middleware_class(Walk *w, const Node *cls)
{
    char buf[256];
    for (int i = 0; i < cls->v.ClassDef.bases.n; i++) {
        const char *q = qual(w->f, w->m, w->s, cls->v.ClassDef.bases.items[i], buf, sizeof buf);
        size_t n = q ? strlen(q) : 0;
        if (n < 18 || strcmp(q + n - 18, "BaseHTTPMiddleware"))
            continue;
        for (int k = 0; k < cls->v.ClassDef.body.n; k++) {
            const Node *st = cls->v.ClassDef.body.items[k];
            if ((st->kind == NODE_FunctionDef || st->kind == NODE_AsyncFunctionDef) &&
                !strcmp(st->v.FunctionDef.name, "dispatch"))
                middleware(w->f, w->m, st);
        }
    }
}

static void walk_list(Walk *w, const NodeList *l)
{
    for (int i = 0; i < l->n; i++)
        walk(w, l->items[i]);
}

static void walk(Walk *w, const Node *n)
{
    if (!n || w->depth > WALK_MAX_DEPTH)
        return;
    w->depth++;
    switch (n->kind) {
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef: {
        give(w->f, n, 0, w->m); /* remember its module */
        decorators(w, n);
        class_dependencies(w, n);
        walk_list(w, &n->v.FunctionDef.decorator_list);
        walk(w, n->v.FunctionDef.args);
        walk(w, n->v.FunctionDef.returns);
        const Scope *outer = w->s, *inner = scope_of(w->f->mods[w->m].scopes, n);
        w->s = inner ? inner : outer;
        walk_list(w, &n->v.FunctionDef.body);
        w->s = outer;
        break;
    }
    case NODE_ClassDef: {
        give(w->f, n, 0, w->m);
        middleware_class(w, n);
        walk_list(w, &n->v.ClassDef.decorator_list);
        walk_list(w, &n->v.ClassDef.bases);
        walk_list(w, &n->v.ClassDef.keywords);
        const Scope *outer = w->s, *inner = scope_of(w->f->mods[w->m].scopes, n);
        w->s = inner ? inner : outer;
        walk_list(w, &n->v.ClassDef.body);
        w->s = outer;
        break;
    }
    case NODE_Call:
        call_roles(w, n);
        ast_children((Node *)n, walk_kid, w);
        break;
    default:
        ast_children((Node *)n, walk_kid, w);
        break;
    }
    w->depth--;
}

/* ------------------------------------------------------------- request code */

/* Does `<base>.state.<attr>` read the application's state (request.app.state,
 * app.state) rather than the request's own? */
static int app_state_base(const Node *base)
{
    if (base->kind == NODE_Attribute)
        return !strcmp(base->v.Attribute.attr, "app");
    return base->kind == NODE_Name && !strcmp(base->v.Name.id, "app");
}

static void note_state_read(FastApi *f, const char *attr)
{
    for (int i = 0; i < f->nstate_reads; i++)
        if (!strcmp(f->state_reads[i], attr))
            return;
    if (f->nstate_reads < MAX_STATE)
        f->state_reads[f->nstate_reads++] = attr;
}

/* A name request code uses: what it defines joins the request code, and a
 * module-level binding is marked as read. */
static void reference(Walk *w, const Node *e)
{
    int mod = -1;
    const Binding *b = resolve(w->f, w->m, w->s, e, &mod);
    if (!b)
        return;
    if ((b->kind == BIND_DEF || b->kind == BIND_CLASS) && b->def) {
        give(w->f, b->def, FASTAPI_REQUEST, mod);
        if (b->def->kind == NODE_ClassDef)
            give_provider(w->f, b->def, mod, FASTAPI_REQUEST);
        return;
    }
    const Scope *ms = scope_module(w->f->mods[mod].scopes);
    if (b >= ms->bindings && b < ms->bindings + ms->nbindings) {
        Entry *en = slot(w->f, b, 1);
        en->roles |= 1;
        en->mod = mod;
    }
}

static void reach(Walk *w, const Node *n);

static void reach_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    reach(arg, n);
}

static void reach(Walk *w, const Node *n)
{
    if (!n || w->depth > WALK_MAX_DEPTH)
        return;
    switch (n->kind) {
    case NODE_Name:
        reference(w, n);
        return;
    case NODE_Attribute: {
        const char *attr = fastapi_state_attr(n);
        if (attr && app_state_base(n->v.Attribute.value->v.Attribute.value))
            note_state_read(w->f, attr);
        int mod = -1;
        if (resolve(w->f, w->m, w->s, n, &mod)) { /* module.function */
            reference(w, n);
            return;
        }
        break;
    }
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef:
    case NODE_ClassDef: {
        /* a nested definition runs when the code around it calls it */
        const Scope *outer = w->s, *inner = scope_of(w->f->mods[w->m].scopes, n);
        give(w->f, n, 0, w->m);
        w->s = inner ? inner : outer;
        w->depth++;
        ast_children((Node *)n, reach_kid, w);
        w->depth--;
        w->s = outer;
        return;
    }
    default:
        break;
    }
    w->depth++;
    ast_children((Node *)n, reach_kid, w);
    w->depth--;
}

/* ------------------------------------------------------------- state */

typedef struct StateWalk {
    FastApi *f;
    int m;
    const Scope *s;
    int depth;
} StateWalk;

static void keep_value(FastApi *f, int m, const Scope *s, const char *attr, const Node *v)
{
    for (int i = 0; i < f->nvalues; i++)
        if (!strcmp(f->values[i].attr, attr))
            return; /* the first startup assignment stands */
    if (f->nvalues == MAX_STATE)
        return;
    FastApiStateValue *sv = &f->values[f->nvalues++];
    sv->attr = attr;
    sv->value = v;
    sv->scopes = f->mods[m].scopes;
    sv->scope = s;
}

static void state_kid(Node *parent, Node *n, void *arg)
{
    StateWalk *w = arg;
    (void)parent;
    if (w->depth > WALK_MAX_DEPTH || n->kind == NODE_FunctionDef ||
        n->kind == NODE_AsyncFunctionDef || n->kind == NODE_ClassDef || n->kind == NODE_Lambda)
        return;
    if (n->kind == NODE_Yield && n->v.Yield.value && n->v.Yield.value->kind == NODE_Dict) {
        const Node *d = n->v.Yield.value;
        for (int i = 0; i < d->v.Dict.values.n; i++) {
            const Node *k = d->v.Dict.keys.items[i];
            if (k && k->kind == NODE_Constant && k->v.Constant.value.kind == CONST_STR)
                keep_value(w->f, w->m, w->s, k->v.Constant.value.s, d->v.Dict.values.items[i]);
        }
    }
    if (n->kind == NODE_Assign && n->v.Assign.targets.n == 1) {
        const char *attr = fastapi_state_attr(n->v.Assign.targets.items[0]);
        if (attr)
            keep_value(w->f, w->m, w->s, attr, n->v.Assign.value);
    }
    w->depth++;
    ast_children(n, state_kid, w);
    w->depth--;
}

/* Finds the startup functions of a module, in source order. */
static void startup_kid(Node *parent, Node *n, void *arg)
{
    StateWalk *w = arg;
    (void)parent;
    if (w->depth > WALK_MAX_DEPTH || ast_category(n->kind) == CAT_EXPR)
        return;
    if ((n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef) &&
        (fastapi_role(w->f, n) & FASTAPI_STARTUP)) {
        const Scope *s = scope_of(w->f->mods[w->m].scopes, n);
        StateWalk in = {w->f, w->m, s ? s : w->s, 0};
        ast_children(n, state_kid, &in);
    }
    w->depth++;
    ast_children(n, startup_kid, w);
    w->depth--;
}

/* What the startup functions keep on app.state or yield as lifespan state
 * (modules in order, then source order: the first assignment stands). */
static void state_values(FastApi *f)
{
    for (int m = 0; m < f->n; m++) {
        StateWalk w = {f, m, scope_module(f->mods[m].scopes), 0};
        ast_children(f->mods[m].module, startup_kid, &w);
    }
}

FastApi *fastapi_build(Arena *a, const Project *graph, const FastApiModule *mods, int n)
{
    FastApi *f = arena_alloc(a, sizeof *f);
    f->a = a;
    f->graph = graph;
    f->mods = mods;
    f->n = n;
    for (int m = 0; m < n; m++) {
        Walk w = {f, m, scope_module(mods[m].scopes), 0};
        walk_list(&w, &mods[m].module->v.Module.body);
    }
    /* everything with a role so far serves requests, except startup code */
    for (int i = 0; i < f->cap; i++) {
        Entry *e = &f->tab[i];
        if (e->key && (e->roles & (FASTAPI_ENDPOINT | FASTAPI_PROVIDER | FASTAPI_PROVIDER_FN)))
            give(f, e->key, FASTAPI_REQUEST, e->mod);
    }
    state_values(f);
    while (f->nwork > 0) { /* the closure: a set, whatever the order of the work */
        const Node *fn = f->work[--f->nwork];
        const Entry *e = find(f, fn);
        if (!e || e->mod < 0)
            continue;
        const ScopeTable *t = mods[e->mod].scopes;
        const Scope *s = scope_of(t, fn);
        Walk w = {f, e->mod, s ? s : scope_module(t), 0};
        if (fn->kind == NODE_ClassDef)
            continue; /* its methods were given the role one by one */
        for (int i = 0; i < fn->v.FunctionDef.body.n; i++)
            reach(&w, fn->v.FunctionDef.body.items[i]);
    }
    return f;
}

int fastapi_role(const FastApi *f, const Node *node)
{
    const Entry *e = f ? find(f, node) : NULL;
    return e ? e->roles : 0;
}

int fastapi_reads_binding(const FastApi *f, const Binding *b)
{
    const Entry *e = f ? find(f, b) : NULL;
    return e && (e->roles & 1);
}

int fastapi_reads_app_state(const FastApi *f, const char *attr)
{
    for (int i = 0; f && i < f->nstate_reads; i++)
        if (!strcmp(f->state_reads[i], attr))
            return 1;
    return 0;
}

const FastApiStateOwner *fastapi_state_owner(const FastApi *f, const char *attr)
{
    for (int i = 0; f && i < f->nowners; i++)
        if (!strcmp(f->owners[i].attr, attr))
            return &f->owners[i];
    return NULL;
}

const FastApiStateValue *fastapi_state_value(const FastApi *f, const char *attr)
{
    for (int i = 0; f && i < f->nvalues; i++)
        if (!strcmp(f->values[i].attr, attr))
            return &f->values[i];
    return NULL;
}

int fastapi_is_depends(const char *qual) { return is_qual(qual, depends_names); }
