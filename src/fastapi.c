/*
 * fastapi.c - the FastAPI model of fastapi.h.
 *
 * Two passes over every module.  The first finds the roles FastAPI gives
 * functions: path operations (decorators on FastAPI() and APIRouter()
 * objects, here or imported, and add_api_route), dependencies (every
 * Depends(f) / Security(f): parameter defaults, Annotated metadata and its
 * aliases, dependencies=[...] lists; Depends() on a class annotation),
 * HTTP middlewares and startup code; `dependency_overrides` entries outside
 * tests, which make another def the provider of a marker's Depends().  The
 * second closes the set of code
 * that runs while a request is served: from the endpoints, dependencies
 * and middlewares, every function or class they name (called, or handed
 * over as a background task) joins, transitively; on the way it records
 * the module-level names and the app.state attributes that code reads.
 * The same closures from startup code (once per process), command-line
 * entry points, and units of work (requests, workers' tasks, chat bots'
 * handlers: FASTAPI_EVENT, which also follows decorators and methods).
 *
 * Node identities are kept in one open-addressing table keyed by pointer;
 * the table is only probed for membership, so the output does not depend
 * on pointer values.
 */
#include "fastapi.h"

#include "context.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WALK_MAX_DEPTH 200 /* AST nesting followed; deeper parts are skipped */
#define MAX_HOPS 8         /* imports followed to a definition */
#define MAX_STATE 32       /* app.state attributes and state owners kept */
#define MAX_OVERRIDES 32   /* dependency_overrides entries kept */
#define MAX_SUB_DEPTH 4    /* subclasses below a receiver's class followed for overrides */
#define MAX_SUBS 32        /* ... and how many of them, per method called */
/* A module-level binding's bits: read by request code, read in some
 * function, named anywhere (by a load: __all__'s strings do not count). */
enum { READ_REQUEST = 1, READ_IN_FUNCTION = 2, READ_ANYWHERE = 4,
       READ_REMOVED = 8,      /* `name.remove()` somewhere: a scoped_session's teardown */
       READ_REMOVED_HOOK = 16, /* ... in a hook run after each unit of work (a signal
                                  handler, `@task_postrun.connect`, a teardown) */
       READ_SEVERAL = 32,      /* read in two functions or more */
       READ_REMOVED_FINISH = 64 /* ... in a Tornado handler's on_finish, which runs when
                                   each request has finished */ };
#define CLI_ROOT 0x10000   /* a role bit of this file's own: a command-line entry point itself */

typedef struct Entry {
    const void *key;    /* a function, class or module-level Binding */
    int roles;          /* FASTAPI_* bits; for a binding, READ_* */
    int mod;            /* index of the module holding it */
    const Node *reader; /* a binding: the first function found reading it */
} Entry;

/* A function or class whose body the closure of `role` still has to read. */
typedef struct WorkItem {
    const Node *node;
    int role; /* FASTAPI_REQUEST, FASTAPI_CLI or FASTAPI_BOOT */
} WorkItem;

struct FastApi {
    Arena *a;
    const Project *graph;
    const FastApiModule *mods;
    int n;
    Entry *tab; /* open addressing, cap a power of two; on the heap while
                   fastapi_build runs, then copied into a (its earlier sizes
                   would stay behind in the arena as long as the project) */
    int cap, used;
    const char *state_reads[MAX_STATE];
    int nstate_reads;
    FastApiStateOwner owners[MAX_STATE];
    int nowners;
    FastApiStateValue values[MAX_STATE];
    int nvalues;
    struct { const Node *marker, *provider; } overrides[MAX_OVERRIDES];
    int noverrides;    /* dependency_overrides[marker] = provider, outside tests */
    size_t root_len;   /* the folder all modules' paths share ("" or ending in '/'): what
                          is below it is read for test folders */
    WorkItem *work;    /* the closures' worklist (heap, fastapi_build's only) */
    int nwork, capwork;
    int task_app_context; /* a `__call__` enters `<app>.app_context()`: Celery's
                             ContextTask, one application context per task */
    int scoped_own; /* an async_scoped_session(...) or scoped_session(..., scopefunc=...)
                       call somewhere: registries keyed by their own scope */
    int base_http;  /* some function is a BaseHTTPMiddleware's dispatch (a subclass's, or
                       @app.middleware("http")): requests run in a task it can cancel */
    int event_libs; /* some module imports a bot library, RQ or Celery: their handlers
                       and tasks are looked for (FASTAPI_EVENT) */
    VEC(const Node *) starting; /* the functions that call Pool, ProcessPoolExecutor or
                                   Process, while the references are scanned ... */
    const Node **starters;      /* ... then kept in the arena, by name */
    VEC(const Node *) hooking;  /* the functions run after each unit of work (is_hook, or
                                   passed to a signal's connect()), while scanned ... */
    const Node **hooks;         /* ... then kept in the arena */
    int nhooks;
    int nstarters;
    uint64_t starter_names[4];  /* ... their names' starter_bit()s: most names are none */
    struct Sub { const Node *base, *sub; int mod; } *subs; /* every module-level class with
                         a base the project defines, by base (sub_cmp), made the first
                         time a closure asks */
    int nsubs, subs_made;
    const Node **modkey; /* each module's node, hashed (open addressing) ... */
    int *modidx;         /* ... and its index in mods */
    size_t modcap;       /* a power of two, at least twice n */
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
        f->tab = xcalloc((size_t)f->cap, sizeof *f->tab);
        f->used = 0;
        for (int i = 0; i < oldcap; i++)
            if (old[i].key) {
                Entry *e = slot(f, old[i].key, 1);
                *e = old[i];
            }
        free(old);
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

/* Adds roles to a node; a node that becomes request or command-line code
 * joins the work of that closure. */
static void give(FastApi *f, const Node *node, int roles, int mod)
{
    if (!node)
        return;
    Entry *e = slot(f, node, 1);
    if (mod >= 0)
        e->mod = mod;
    if (roles & FASTAPI_REQUEST)
        roles |= FASTAPI_EVENT; /* a request is a unit of work, reached with methods too */
    int fresh = roles & ~e->roles;
    e->roles |= roles;
    static const int closures[] = {FASTAPI_REQUEST, FASTAPI_CLI, FASTAPI_BOOT, FASTAPI_EVENT,
                                   FASTAPI_SHARED};
    for (int k = 0; k < 5; k++) {
        int role = closures[k];
        if (!(fresh & role) || e->mod < 0)
            continue;
        if (f->nwork == f->capwork) {
            f->capwork = f->capwork ? 2 * f->capwork : 64;
            f->work = xrealloc(f->work, (size_t)f->capwork * sizeof *f->work);
        }
        f->work[f->nwork].node = node;
        f->work[f->nwork++].role = role;
    }
}

/* ------------------------------------------------------------- names */

static int module_index(const FastApi *f, const Node *module)
{
    for (size_t j = hash_ptr(module) & (f->modcap - 1); f->modkey[j]; j = (j + 1) & (f->modcap - 1))
        if (f->modkey[j] == module)
            return f->modidx[j];
    return -1;
}

static void index_modules(FastApi *f)
{
    f->modcap = 16;
    while (f->modcap < 2 * (size_t)f->n)
        f->modcap *= 2;
    f->modkey = arena_alloc(f->a, f->modcap * sizeof *f->modkey);
    f->modidx = arena_alloc(f->a, f->modcap * sizeof *f->modidx);
    for (int i = 0; i < f->n; i++) {
        if (module_index(f, f->mods[i].module) >= 0)
            continue; /* the first holds it, as the scan did */
        size_t j = hash_ptr(f->mods[i].module) & (f->modcap - 1);
        while (f->modkey[j])
            j = (j + 1) & (f->modcap - 1);
        f->modkey[j] = f->mods[i].module;
        f->modidx[j] = i;
    }
}

/* What expr (a Name or an attribute chain, in scope s of module m) names,
 * followed through imports to its definition: the binding, and in *mod the
 * module that holds it.  NULL if it is not something of the project. */
static const Binding *resolve(const FastApi *f, int m, const Scope *s, const Node *expr, int *mod)
{
    const ScopeTable *t = f->mods[m].scopes;
    const Binding *b = NULL;
    char buf[512];
    const char *q = buf;
    *mod = m;
    if (expr->kind == NODE_Name) {
        b = scope_lookup(t, s, expr->v.Name.id, NULL);
        if (!b)
            return NULL;
        if (b->kind != BIND_IMPORT)
            return b;
        /* the import's own name: what scope_qualname_buf would copy, without
           looking the name up again */
        q = b->qualname;
        if (!q || !*q || strlen(q) >= sizeof buf)
            return b;
    } else {
        size_t n = scope_qualname_buf(t, s, expr, buf, sizeof buf);
        if (!n || n >= sizeof buf)
            return b;
    }
    const ProjectModule *pm = NULL;
    const Binding *d = NULL;
    if (!modgraph_resolve(f->graph, q, &pm, &d) || !d || !pm)
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
static const Node *definition(const FastApi *f, int m, const Scope *s, const Node *expr, int *mod);

/* Does class expr (in module m) name FastAPI's or Starlette's app or router
 * class, or a class of the project built on one (`class
 * UserAPIRouter(APIRouter)`, a few bases deep)? */
static int app_class(const FastApi *f, int m, const Node *expr, int depth)
{
    char buf[256];
    const Scope *ms = scope_module(f->mods[m].scopes);
    if (is_qual(qual(f, m, ms, expr, buf, sizeof buf), app_types))
        return 1;
    int k;
    const Node *def = depth < 4 ? definition(f, m, ms, expr, &k) : NULL;
    for (int i = 0; def && def->kind == NODE_ClassDef && i < def->v.ClassDef.bases.n; i++)
        if (app_class(f, k, def->v.ClassDef.bases.items[i], depth + 1))
            return 1;
    return 0;
}

static int is_app(const FastApi *f, int m, const Scope *s, const Node *expr)
{
    int k;
    if (expr->kind == NODE_Name || expr->kind == NODE_Attribute) {
        const Node *call = bound_call(f, m, s, expr, &k);
        if (call)
            return app_class(f, k, call->v.Call.func, 0);
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

/* Gives a dependency or endpoint target its role; a class (a dependency
 * class, an HTTPEndpoint) gives it to its methods. */
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

static const Node *class_method(const FastApi *f, int m, const Node *cls, const char *name,
                                int depth, int *mod);

/* The __call__ FastAPI calls for each request when a dependency is an
 * instance of a class of the project: `Depends(Provider(maker))`, or a name
 * bound to one at module level (`get_db = Provider(maker)`, here or
 * imported); its module into *mod.  Only that method is the provider: the
 * instance, its __init__ included, was made once, when the module loaded.
 * NULL when expr is no such instance. */
static const Node *instance_call(const FastApi *f, int m, const Scope *s, const Node *expr,
                                 int *mod)
{
    int k = m;
    const Node *call = expr && expr->kind == NODE_Call ? expr : NULL;
    if (!call && expr && (expr->kind == NODE_Name || expr->kind == NODE_Attribute))
        call = bound_call(f, m, s, expr, &k);
    if (!call)
        return NULL;
    const Node *cls = definition(f, k, call == expr ? s : scope_module(f->mods[k].scopes),
                                 call->v.Call.func, mod);
    return cls && cls->kind == NODE_ClassDef ? class_method(f, *mod, cls, "__call__", 0, mod)
                                             : NULL;
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
    const Node *def = definition(f, m, s, target, &mod);
    give_provider(f, def ? def : instance_call(f, m, s, target, &mod), mod, roles);
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
    f->base_http = 1;
    Mw w = {f, m, func, 0, 0};
    ast_children((Node *)func, mw_kid, &w);
}

/* ------------------------------------------------------------- roles */

typedef struct Walk {
    FastApi *f;
    int m;
    const Scope *s;
    int depth;
    int role; /* the closure: FASTAPI_REQUEST, FASTAPI_CLI, FASTAPI_BOOT, FASTAPI_EVENT
                 or FASTAPI_SHARED */
    int lean; /* FASTAPI_EVENT over request code: the request closure named the same
                 functions, only methods and decorators are left to follow */
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

/* Does the qualified name q end with the class name last (after a dot)? */
static int ends_with_class(const char *q, const char *last)
{
    size_t n = q ? strlen(q) : 0, m = strlen(last);
    return n >= m && !strcmp(q + n - m, last) && (n == m || q[n - m - 1] == '.');
}

/* Does the qualified name q start with one of the packages libs ("click":
 * "click.command", not "clickhouse.x")? */
static int in_libs(const char *q, const char *const *libs)
{
    for (int i = 0; q && libs[i]; i++) {
        size_t n = strlen(libs[i]);
        if (!strncmp(q, libs[i], n) && q[n] == '.')
            return 1;
    }
    return 0;
}

static const char *const verbs[] = {"get", "post", "put", "patch", "delete", "head", "options",
                                    "trace", "api_route", "websocket", "route",
                                    "websocket_route", NULL};

/*
 * Is d a command-line decorator: click's or typer's (`@click.command()`,
 * `@click.option(...)`), or a command of a group or app object
 * (`@cli.command()`, `@users.group`, `@app.callback()`: FastAPI objects
 * have no such methods)?
 */
static int cli_decorator(const Walk *w, const Node *d)
{
    static const char *const methods[] = {"command", "group", "callback", "result_callback", NULL};
    static const char *const libs[] = {"click", "typer", "asyncclick", "rich_click", NULL};
    char buf[256];
    const Node *fn = d->kind == NODE_Call ? d->v.Call.func : d;
    if (in_libs(qual(w->f, w->m, w->s, fn, buf, sizeof buf), libs))
        return 1;
    /* a group or app of the project's (`dispatch_cli.group`), or one we cannot name */
    return fn->kind == NODE_Attribute && is_qual(fn->v.Attribute.attr, methods);
}

/* Can the loop being walked end: a break of its own (not in a loop nested
 * in it) or a return anywhere in it, nested functions aside?  Too deep to
 * tell counts as yes. */
typedef struct LoopExit {
    int inner; /* loops entered below the walked one */
    int found, depth;
} LoopExit;

static void loop_exit_kid(Node *parent, Node *n, void *arg)
{
    LoopExit *w = arg;
    (void)parent;
    if (w->found)
        return;
    if (w->depth > 32 || n->kind == NODE_Return || (n->kind == NODE_Break && !w->inner)) {
        w->found = 1;
        return;
    }
    if (ast_is_def(n))
        return;
    w->depth++;
    if (n->kind == NODE_While || n->kind == NODE_For || n->kind == NODE_AsyncFor) {
        /* a break in its body is its own; one in its else clause is ours */
        const NodeList *body = n->kind == NODE_While ? &n->v.While.body : &n->v.For.body;
        const NodeList *orelse = n->kind == NODE_While ? &n->v.While.orelse : &n->v.For.orelse;
        w->inner++;
        for (int i = 0; i < body->n; i++)
            loop_exit_kid(n, body->items[i], w);
        w->inner--;
        for (int i = 0; i < orelse->n; i++)
            loop_exit_kid(n, orelse->items[i], w);
    } else {
        ast_children(n, loop_exit_kid, w);
    }
    w->depth--;
}

static int loop_exits(const NodeList *body)
{
    LoopExit w = {0, 0, 0};
    for (int i = 0; i < body->n && !w.found; i++)
        loop_exit_kid(NULL, body->items[i], &w);
    return w.found;
}

/* Does body (not its nested functions) hold a loop that runs until the
 * process is stopped: `while True:` / `while 1:` with no break of its own
 * and no return inside? */
static int runs_forever(const NodeList *body, int depth)
{
    for (int i = 0; depth < 16 && i < body->n; i++) {
        const Node *st = body->items[i];
        switch (st->kind) {
        case NODE_While: {
            const Node *t = st->v.While.test;
            int forever = t->kind == NODE_Constant &&
                          (t->v.Constant.value.kind == CONST_TRUE ||
                           (t->v.Constant.value.kind == CONST_INT && t->v.Constant.value.s &&
                            !strcmp(t->v.Constant.value.s, "1")));
            if (forever && !loop_exits(&st->v.While.body))
                return 1;
            break;
        }
        case NODE_If:
            if (runs_forever(&st->v.If.body, depth + 1) ||
                runs_forever(&st->v.If.orelse, depth + 1))
                return 1;
            break;
        case NODE_With:
        case NODE_AsyncWith:
            if (runs_forever(&st->v.With.body, depth + 1))
                return 1;
            break;
        case NODE_Try:
        case NODE_TryStar:
            if (runs_forever(&st->v.Try.body, depth + 1))
                return 1;
            break;
        default:
            break;
        }
    }
    return 0;
}

/* ------------------------------------------------------------- units of work */

/*
 * Code that a long-running process runs once per unit of work besides
 * requests (FASTAPI_EVENT): a worker's task, a Celery Task class's
 * callbacks and per-task signals, a job handed to an RQ queue, a chat bot's
 * handler, an APScheduler job (`scheduler.add_job(f, "interval", ...)`,
 * `@scheduler.scheduled_job(...)`, 4.x's add_schedule: f runs at every
 * trigger).  What such code makes, it makes again at every task, run or
 * update.  A job named by a "module:function" string is not followed.
 * Libraries are known by the qualified name of the object a handler is
 * registered on (`dp = Dispatcher()`, `bot = commands.Bot(...)`); an object
 * made where we cannot see (a factory's return) is not followed.
 */
static const char *const bot_libs[] = {"aiogram", "telebot", "discord", "pyrogram",
                                       "telegram", "rq", "apscheduler", NULL};
static const char *const celery_libs[] = {"celery", NULL};

/* The library (among libs) of the module-level object expr's first name is
 * made by: `dp` in `dp.message`, `router.message.register`. */
static int made_by(const Walk *w, const Node *expr, const char *const *libs)
{
    char buf[256];
    while (expr->kind == NODE_Attribute)
        expr = expr->v.Attribute.value;
    int k = -1;
    const Node *call = expr->kind == NODE_Name ? bound_call(w->f, w->m, w->s, expr, &k) : NULL;
    return call && in_libs(qual(w->f, k, scope_module(w->f->mods[k].scopes), call->v.Call.func,
                                buf, sizeof buf), libs);
}

/* Is d, a decorator of def, one that makes def run per event: a worker's
 * task, a per-task Celery signal's receiver, a bot library's handler
 * (`@dp.message()`, `@bot.command()`, `@commands.command()`)?  Not start-up
 * and shutdown hooks, nor discord's on_ready and setup_hook (once per
 * connection). */
static int event_decorator(const Walk *w, const Node *def, const Node *d)
{
    static const char *const signals[] = {
        "celery.signals.task_prerun.connect", "celery.signals.task_postrun.connect",
        "celery.signals.task_success.connect", "celery.signals.task_failure.connect",
        "celery.signals.task_retry.connect", NULL};
    static const char *const once[] = {"on_ready", "setup_hook", "on_connect", NULL};
    char buf[256];
    const Node *fn = d->kind == NODE_Call ? d->v.Call.func : d;
    const char *attr = fn->kind == NODE_Attribute ? fn->v.Attribute.attr
                       : fn->kind == NODE_Name    ? fn->v.Name.id
                                                  : "";
    if (!w->f->event_libs || strstr(attr, "startup") || strstr(attr, "shutdown") ||
        is_qual(def->v.FunctionDef.name, once))
        return 0;
    const char *q = qual(w->f, w->m, w->s, fn, buf, sizeof buf);
    return is_qual(q, signals) || in_libs(q, bot_libs) ||
           (fn->kind == NODE_Attribute && made_by(w, fn->v.Attribute.value, bot_libs));
}

/* Gives FASTAPI_EVENT to the project's functions that call hands to a bot
 * library or a job queue to run per event: python-telegram-bot's handlers
 * (`CommandHandler("start", start)`, `add_error_handler(f)`), a
 * registration on a bot object (`dp.register_message_handler(f)`,
 * `router.message.register(f)`), an RQ queue's `enqueue(f, ...)`, a
 * scheduler's `add_job(f, ...)` / `add_schedule(f, ...)` (func= too). */
static void event_call(Walk *w, const Node *call)
{
    char buf[256];
    const Node *fn = call->v.Call.func;
    const char *last = fn->kind == NODE_Attribute ? fn->v.Attribute.attr
                       : fn->kind == NODE_Name    ? fn->v.Name.id
                                                  : "";
    size_t n = strlen(last);
    if (!w->f->event_libs)
        return;
    int runs = !strcmp(last, "add_error_handler") ||
               (n > 7 && !strcmp(last + n - 7, "Handler") &&
                in_libs(qual(w->f, w->m, w->s, fn, buf, sizeof buf), bot_libs));
    if (!runs && fn->kind == NODE_Attribute &&
        (!strcmp(last, "register") || !strncmp(last, "register_", 9) ||
         !strncmp(last, "enqueue", 7) || !strcmp(last, "add_job") ||
         !strcmp(last, "add_schedule")))
        runs = made_by(w, fn->v.Attribute.value, bot_libs);
    for (int i = 0; runs && i < call->v.Call.args.n + call->v.Call.keywords.n; i++) {
        const Node *a = i < call->v.Call.args.n
                            ? call->v.Call.args.items[i]
                            : call->v.Call.keywords.items[i - call->v.Call.args.n]->v.keyword.value;
        int mod = -1;
        const Node *def = definition(w->f, w->m, w->s, a, &mod);
        if (def && def->kind != NODE_ClassDef)
            give(w->f, def, FASTAPI_EVENT | FASTAPI_TASK, mod);
    }
}

/* class T(celery.Task), class T(app.Task): Celery runs its hooks around
 * every task that names it as its base (and run() as the task itself). */
static void celery_task_class(Walk *w, const Node *cls, const Node *base)
{
    static const char *const hooks[] = {"run", "__call__", "before_start", "on_success",
                                        "on_failure", "on_retry", "after_return", NULL};
    char buf[256];
    if (!w->f->event_libs)
        return;
    const char *q = qual(w->f, w->m, w->s, base, buf, sizeof buf);
    if (!(in_libs(q, celery_libs) && ends_with_class(q, "Task")) &&
        !(base->kind == NODE_Attribute && !strcmp(base->v.Attribute.attr, "Task") &&
          made_by(w, base->v.Attribute.value, celery_libs)))
        return;
    for (int i = 0; i < cls->v.ClassDef.body.n; i++) {
        const Node *st = cls->v.ClassDef.body.items[i];
        if (ast_is_function(st) && is_qual(st->v.FunctionDef.name, hooks))
            give(w->f, st, FASTAPI_EVENT | FASTAPI_TASK, w->m);
    }
}

/* Does module m import a library whose handlers or tasks run per unit of
 * work (at module level: `import celery`, `from aiogram import Router`)? */
static int imports_event_lib(const FastApi *f, int m)
{
    const Scope *ms = scope_module(f->mods[m].scopes);
    for (int i = 0; i < ms->nbindings; i++) {
        const Binding *b = &ms->bindings[i];
        const char *q = b->kind == BIND_IMPORT ? b->qualname : NULL;
        char buf[64];
        if (q && snprintf(buf, sizeof buf, "%s.", q) < (int)sizeof buf &&
            (in_libs(buf, bot_libs) || in_libs(buf, celery_libs)))
            return 1;
    }
    return 0;
}

/*
 * Library calls that run a callable they are handed once per message or
 * item, the runs beside each other on the library's threads (documented):
 * google-cloud-pubsub's streaming pull hands each message to
 * `subscribe(path, callback)`'s callback on the subscriber's scheduler, a
 * ThreadPoolExecutor of 10 workers by default; multiprocessing's
 * ThreadPool (multiprocessing.dummy's Pool) runs map's function on its
 * worker threads.  concurrent.futures executors are the value model's
 * (FAC_EXECUTOR).  Not here: pika's and kafka-python's consumers, which
 * run their callbacks on the consuming thread one after another.
 */
static const struct {
    const char *cls, *method; /* the class that made the receiver, the method */
    int pos;                  /* the callable's position... */
    const char *kw;           /* ... or keyword */
} at_once[] = {
    {"google.cloud.pubsub_v1.SubscriberClient", "subscribe", 1, "callback"},
    {"google.cloud.pubsub_v1.subscriber.client.Client", "subscribe", 1, "callback"},
    {"google.cloud.pubsub.SubscriberClient", "subscribe", 1, "callback"},
    {"multiprocessing.pool.ThreadPool", "map", 0, "func"},
    {"multiprocessing.pool.ThreadPool", "imap", 0, "func"},
    {"multiprocessing.pool.ThreadPool", "imap_unordered", 0, "func"},
    {"multiprocessing.pool.ThreadPool", "starmap", 0, "func"},
    {"multiprocessing.pool.ThreadPool", "map_async", 0, "func"},
    {"multiprocessing.pool.ThreadPool", "starmap_async", 0, "func"},
    {"multiprocessing.dummy.Pool", "map", 0, "func"},
    {"multiprocessing.dummy.Pool", "imap", 0, "func"},
    {"multiprocessing.dummy.Pool", "imap_unordered", 0, "func"},
    {"multiprocessing.dummy.Pool", "starmap", 0, "func"},
};

int fastapi_at_once_method(const char *m)
{
    for (size_t i = 0; m && i < sizeof at_once / sizeof *at_once; i++)
        if (at_once[i].method[0] == m[0] && !strcmp(at_once[i].method, m)) /* most differ at once */
            return 1;
    return 0;
}

/* Positional argument i of call, or NULL. */
static const Node *positional(const Node *call, int i)
{
    return i < call->v.Call.args.n ? call->v.Call.args.items[i] : NULL;
}

/* Is the constant e the integer 1? */
static int is_one(const Node *e)
{
    return e && e->kind == NODE_Constant && e->v.Constant.value.kind == CONST_INT &&
           !strcmp(e->v.Constant.value.s, "1");
}

/* Does the project run the callbacks one at a time: a pool made with one
 * thread (`ThreadPool(1)`), a subscription with a scheduler of its own
 * (its executor's size is not read: a limit) or flow control that lets
 * one message out at a time (`FlowControl(max_messages=1)`)? */
static int one_at_a_time(const ScopeTable *t, const Scope *s, const Node *maker,
                         const Node *call)
{
    const Node *fc = ast_keyword(call, "flow_control");
    if (fc && fc->kind == NODE_Name) { /* flow = FlowControl(max_messages=1) */
        const Binding *b = scope_lookup(t, s, fc->v.Name.id, NULL);
        fc = b ? b->value : NULL;
    }
    if (is_one(positional(maker, 0)) || is_one(ast_keyword(maker, "processes")) ||
        ast_keyword(call, "scheduler"))
        return 1;
    return fc && fc->kind == NODE_Call &&
           (is_one(ast_keyword(fc, "max_messages")) || is_one(positional(fc, 0)));
}

const Node *fastapi_callback_at_once(const ScopeTable *t, const Scope *s, const Node *call)
{
    const Node *f = call->v.Call.func;
    if (f->kind != NODE_Attribute || !fastapi_at_once_method(f->v.Attribute.attr))
        return NULL; /* the common case first */
    const Node *recv = f->v.Attribute.value, *maker = recv;
    if (recv->kind == NODE_Name) {
        const Binding *b = scope_lookup(t, s, recv->v.Name.id, NULL);
        maker = !b                                   ? NULL
                : b->value                           ? b->value
                : b->nbind == 1 && b->def->kind == NODE_withitem
                    ? b->def->v.withitem.context_expr
                    : NULL; /* with ThreadPool(4) as pool: */
    }
    char buf[128];
    size_t n = maker && maker->kind == NODE_Call
                   ? scope_qualname_buf(t, s, maker->v.Call.func, buf, sizeof buf)
                   : 0;
    for (size_t i = 0; n && n < sizeof buf && i < sizeof at_once / sizeof *at_once; i++) {
        if (strcmp(at_once[i].cls, buf) || strcmp(at_once[i].method, f->v.Attribute.attr))
            continue;
        const Node *cb = ast_keyword(call, at_once[i].kw);
        if (!cb)
            cb = positional(call, at_once[i].pos);
        return cb && !one_at_a_time(t, s, maker, call) ? cb : NULL;
    }
    return NULL;
}

int fastapi_with_lock(const ScopeTable *t, const Scope *s, const Node *w)
{
    static const char *const locks[] = {"threading.Lock", "threading.RLock", NULL};
    for (int i = 0; (w->kind == NODE_With || w->kind == NODE_AsyncWith) && i < w->v.With.items.n;
         i++) {
        const Node *e = w->v.With.items.items[i]->v.withitem.context_expr;
        const Binding *b = e->kind == NODE_Name ? scope_lookup(t, s, e->v.Name.id, NULL) : NULL;
        char buf[64];
        size_t n = b && b->value && b->value->kind == NODE_Call
                       ? scope_qualname_buf(t, s, b->value->v.Call.func, buf, sizeof buf)
                       : 0;
        if (n && n < sizeof buf && ast_name_in(buf, locks))
            return 1;
    }
    return 0;
}

int fastapi_worker_task(const Node *def)
{
    return ast_decorated(def, "task") || ast_decorated(def, "shared_task") ||
           ast_decorated(def, "actor");
}

/*
 * Is `base.verb(...)` a decorator by which a Flask or Quart application or
 * blueprint calls the function once per request: a view (`route`, `get`,
 * `post` ...) or a per-request hook (`before_request`, `teardown_request`
 * ...), with base bound, in a scope around the def, to `Flask(...)`,
 * `Blueprint(...)`, `Quart(...)`: at module level or in an application
 * factory (`def create_app(): app = Flask(...)`, views nested in it)?  Such
 * a function and what it calls serve requests, as a FastAPI endpoint does;
 * it is no endpoint (no FastAPI parameters, no dependencies).
 */
static int flask_hook(Walk *w, const Node *base, const char *verb)
{
    static const char *const hooks[] = {"route", "get", "post", "put", "patch", "delete",
                                        "before_request", "after_request", "teardown_request",
                                        "teardown_appcontext", NULL};
    static const char *const makers[] = {"flask.Flask", "flask.Blueprint", "quart.Quart",
                                         "quart.Blueprint", NULL};
    char buf[128];
    int k;
    const Node *call = base->kind == NODE_Name ? bound_call(w->f, w->m, w->s, base, &k) : NULL;
    return call && ast_name_in(verb, hooks) &&
           is_qual(qual(w->f, k, scope_module(w->f->mods[k].scopes), call->v.Call.func, buf,
                        sizeof buf),
                   makers);
}

/* The decorators of a def: path operations, middlewares, startup code,
 * command-line commands. */
static void decorators(Walk *w, const Node *def)
{
    if (fastapi_worker_task(def))
        give(w->f, def, FASTAPI_EVENT | FASTAPI_TASK, w->m);
    for (int i = 0; i < def->v.FunctionDef.decorator_list.n; i++) {
        const Node *d = def->v.FunctionDef.decorator_list.items[i];
        if (event_decorator(w, def, d))
            give(w->f, def, FASTAPI_EVENT | FASTAPI_TASK, w->m);
        if (cli_decorator(w, d)) {
            if (!runs_forever(&def->v.FunctionDef.body, 0)) /* a worker started by a command
                                                               is a service */
                give(w->f, def, FASTAPI_CLI | CLI_ROOT, w->m);
            continue;
        }
        if (d->kind != NODE_Call || d->v.Call.func->kind != NODE_Attribute)
            continue;
        const Node *base = d->v.Call.func->v.Attribute.value;
        const char *verb = d->v.Call.func->v.Attribute.attr;
        if (flask_hook(w, base, verb)) {
            give(w->f, def, FASTAPI_REQUEST, w->m);
            continue;
        }
        if (!is_app(w->f, w->m, w->s, base))
            continue;
        if (is_qual(verb, verbs))
            give(w->f, def, FASTAPI_ENDPOINT | FASTAPI_REQUEST, w->m);
        else if (!strcmp(verb, "middleware") && str_arg_is(d, "http"))
            middleware(w->f, w->m, def);
        else if (!strcmp(verb, "on_event") && str_arg_is(d, "startup"))
            give(w->f, def, FASTAPI_STARTUP | FASTAPI_BOOT, w->m);
    }
}

/* Parameters declared `x: Cls = Depends()` (the Annotated form is
 * annotated_dependency's, wherever it is written). */
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
            if (is_depends(w->f, w->m, w->s, dflt) && !dflt->v.Call.args.n)
                depends_call(w->f, w->m, w->s, dflt, ann);
        }
    }
}

static const char *const annotated_names[] = {"typing.Annotated", "typing_extensions.Annotated",
                                              NULL};

/* `Annotated[Cls, Depends()]`: FastAPI takes the class of a bare Depends()
 * from the type, so the class is the dependency.  Read where the Annotated
 * is written, a parameter's annotation or an alias (`ServiceDep =
 * Annotated[Service, Depends()]`, used here or imported elsewhere: its
 * names mean what they mean in its own module).  Whether some endpoint
 * uses the alias is not asked, as for Depends(f) written anywhere. */
static void annotated_dependency(Walk *w, const Node *sub)
{
    char buf[256];
    const Node *sl = sub->v.Subscript.slice;
    if (sl->kind != NODE_Tuple || sl->v.Tuple.elts.n < 2 ||
        !is_qual(qual(w->f, w->m, w->s, sub->v.Subscript.value, buf, sizeof buf), annotated_names))
        return;
    const NodeList *elts = &sl->v.Tuple.elts;
    for (int k = 1; k < elts->n; k++) {
        const Node *e = elts->items[k];
        if (is_depends(w->f, w->m, w->s, e) && !e->v.Call.args.n)
            depends_call(w->f, w->m, w->s, e, elts->items[0]);
    }
}

/* The routing API Starlette shares with FastAPI: route objects named in
 * routes=[...] (a Mount's too, written as calls anywhere), whose endpoint is
 * the second argument; an application or router made with on_startup=[...];
 * a Middleware(Cls) entry. */
static const char *const route_types[] = {"starlette.routing.Route",
                                          "starlette.routing.WebSocketRoute",
                                          "fastapi.routing.APIRoute",
                                          "fastapi.routing.APIWebSocketRoute", NULL};
static const char *const middleware_types[] = {"starlette.middleware.Middleware",
                                               "fastapi.middleware.Middleware", NULL};

/* An endpoint handed over as argument 1 or endpoint= (`Route("/x", f)`,
 * `app.add_route("/x", f)`): a function, or an HTTPEndpoint class whose
 * methods (get, post, ...) Starlette calls per request. */
static void route_endpoint(Walk *w, const Node *call, const char *kw)
{
    const Node *ep = ast_keyword(call, kw);
    if (!ep && call->v.Call.args.n > 1)
        ep = call->v.Call.args.items[1];
    int mod = -1;
    give_provider(w->f, definition(w->f, w->m, w->s, ep, &mod), mod,
                  FASTAPI_ENDPOINT | FASTAPI_REQUEST);
}

/* A pure ASGI middleware class (`Middleware(Cls)`, `add_middleware(Cls)`):
 * Starlette makes one instance when the application starts and calls its
 * __call__ for every request, so that method is request code; a
 * BaseHTTPMiddleware's dispatch is middleware_class's, wherever it is
 * added. */
static void asgi_middleware(Walk *w, const Node *cls_expr)
{
    int mod = -1;
    const Node *cls = definition(w->f, w->m, w->s, cls_expr, &mod);
    const Node *m = cls && cls->kind == NODE_ClassDef ? ast_method_named(cls, "__call__") : NULL;
    give(w->f, m, FASTAPI_REQUEST, mod);
}

/* The keywords of a call that make an application or router: lifespan=
 * (any call: FastAPI's include_router and project factories pass it on
 * too) and on_startup=[...] (an app or router class's). */
static void startup_keywords(Walk *w, const Node *call)
{
    FastApi *f = w->f;
    int mod = -1;
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i], *v = k->v.keyword.value;
        const char *arg = k->v.keyword.arg;
        if (arg && !strcmp(arg, "lifespan"))
            give(f, definition(f, w->m, w->s, v, &mod), FASTAPI_STARTUP | FASTAPI_BOOT, mod);
        if (!arg || strcmp(arg, "on_startup") || (v->kind != NODE_List && v->kind != NODE_Tuple) ||
            !app_class(f, w->m, call->v.Call.func, 0))
            continue;
        for (int j = 0; j < v->v.List.elts.n; j++)
            give(f, definition(f, w->m, w->s, v->v.List.elts.items[j], &mod),
                 FASTAPI_STARTUP | FASTAPI_BOOT, mod);
    }
}

/* A call anywhere: Depends(f), add_api_route, add_middleware, lifespan=,
 * Starlette's Route(...) and add_route. */
static void call_roles(Walk *w, const Node *call)
{
    FastApi *f = w->f;
    int mod = -1;
    char buf[256];
    event_call(w, call);
    if (is_depends(f, w->m, w->s, call)) {
        if (call->v.Call.args.n || call->v.Call.keywords.n)
            depends_call(f, w->m, w->s, call, NULL);
        return;
    }
    const Node *fn = call->v.Call.func;
    startup_keywords(w, call);
    const char *last = fn->kind == NODE_Name        ? fn->v.Name.id
                       : fn->kind == NODE_Attribute ? fn->v.Attribute.attr
                                                    : NULL;
    /* by the name written first, the qualified name only then (an import
     * renamed `Route as R` is not seen: a limit) */
    if (last && (strstr(last, "Route") || !strcmp(last, "Middleware"))) {
        const char *q = qual(f, w->m, w->s, fn, buf, sizeof buf);
        if (is_qual(q, route_types))
            route_endpoint(w, call, "endpoint");
        else if (is_qual(q, middleware_types) && call->v.Call.args.n)
            asgi_middleware(w, call->v.Call.args.items[0]);
    }
    if (fn->kind != NODE_Attribute || !is_app(f, w->m, w->s, fn->v.Attribute.value))
        return;
    const char *m = fn->v.Attribute.attr;
    if (!strcmp(m, "add_api_route") || !strcmp(m, "add_api_websocket_route")) {
        route_endpoint(w, call, "endpoint");
    } else if (!strcmp(m, "add_route") || !strcmp(m, "add_websocket_route")) {
        route_endpoint(w, call, "route");
    } else if (!strcmp(m, "add_event_handler") && str_arg_is(call, "startup") &&
               call->v.Call.args.n > 1) {
        give(f, definition(f, w->m, w->s, call->v.Call.args.items[1], &mod), FASTAPI_STARTUP | FASTAPI_BOOT, mod);
    } else if (!strcmp(m, "add_middleware")) {
        if (call->v.Call.args.n)
            asgi_middleware(w, call->v.Call.args.items[0]);
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

/* class M(BaseHTTPMiddleware): its dispatch method is a middleware;
 * class Command(BaseCommand), a Django management command: its handle
 * method is a command-line entry point; class T(celery.Task): its hooks
 * run per task. */
static void middleware_class(Walk *w, const Node *cls)
{
    char buf[256];
    for (int i = 0; i < cls->v.ClassDef.bases.n; i++) {
        const Node *base = cls->v.ClassDef.bases.items[i];
        const char *q = qual(w->f, w->m, w->s, base, buf, sizeof buf);
        if (!q && base->kind == NODE_Name)
            q = base->v.Name.id;
        const Node *m;
        if (ends_with_class(q, "BaseHTTPMiddleware") && (m = ast_method_named(cls, "dispatch")))
            middleware(w->f, w->m, m);
        else if (ends_with_class(q, "BaseCommand") && (m = ast_method_named(cls, "handle")))
            give(w->f, m, FASTAPI_CLI | CLI_ROOT, w->m);
        else
            celery_task_class(w, cls, base);
    }
}

/* ------------------------------------------------------ dependency overrides */

/* The def a factory call returns (`get_uow(maker, settings)`, whose body
 * ends `return wrapper` of a def nested in it), or NULL.  Limits: the
 * factory's own top-level returns of a name bound once to a nested def; a
 * lambda, a partial or a class instance returned is not followed. */
static const Node *returned_def(const FastApi *f, int mod, const Node *factory)
{
    const ScopeTable *t = f->mods[mod].scopes;
    const Scope *fs = scope_of(t, factory);
    const NodeList *body = &factory->v.FunctionDef.body;
    for (int i = 0; fs && i < body->n; i++) {
        const Node *r = body->items[i];
        if (r->kind != NODE_Return || !r->v.Return.value || r->v.Return.value->kind != NODE_Name)
            continue;
        const Scope *where = NULL;
        const Binding *b = scope_lookup(t, fs, r->v.Return.value->v.Name.id, &where);
        if (b && where == fs && b->kind == BIND_DEF && b->nbind == 1 && b->def)
            return b->def;
    }
    return NULL;
}

/* What an override's value makes FastAPI call: a def or class named, or
 * the def a factory of the project returns; *mod its module. */
static const Node *override_provider(const FastApi *f, int m, const Scope *s, const Node *v,
                                     int *mod)
{
    const Node *def = definition(f, m, s, v, mod);
    if (def)
        return def;
    def = v->kind == NODE_Call ? definition(f, m, s, v->v.Call.func, mod) : NULL;
    return def && def->kind != NODE_ClassDef ? returned_def(f, *mod, def) : NULL;
}

/* Is the override written in test code: a test module (tests/, test_*.py,
 * conftest.py) or a test function or fixture?  A test swaps the wiring for
 * itself; production requests never see it. */
static int test_override(const Walk *w)
{
    if (fastapi_in_tests(w->f, w->m))
        return 1;
    for (const Scope *s = w->s; s; s = s->parent)
        if (s->kind == SCOPE_FUNCTION &&
            (!strncmp(s->node->v.FunctionDef.name, "test", 4) ||
             ast_decorated(s->node, "fixture")))
            return 1;
    return 0;
}

/* `<app>.dependency_overrides[marker] = value`, an entry of a dict given to
 * it or to its update(): FastAPI calls value's provider wherever
 * Depends(marker) is written, so the provider is a dependency. */
static void override(Walk *w, const Node *marker, const Node *value)
{
    FastApi *f = w->f;
    int mk = -1, mod = -1;
    const Node *md = marker ? definition(f, w->m, w->s, marker, &mk) : NULL;
    const Node *pd = md && value ? override_provider(f, w->m, w->s, value, &mod) : NULL;
    if (!pd || pd == md || test_override(w) || f->noverrides == MAX_OVERRIDES)
        return;
    for (int i = 0; i < f->noverrides; i++)
        if (f->overrides[i].marker == md) {
            if (f->overrides[i].provider != pd)
                f->overrides[i].provider = NULL; /* two wirings: neither is known */
            return;
        }
    f->overrides[f->noverrides].marker = md;
    f->overrides[f->noverrides++].provider = pd;
    give_provider(f, pd, mod, FASTAPI_PROVIDER);
}

static int is_overrides(const Node *e)
{
    return e && e->kind == NODE_Attribute && !strcmp(e->v.Attribute.attr, "dependency_overrides");
}

static void override_dict(Walk *w, const Node *d)
{
    for (int i = 0; d && d->kind == NODE_Dict && i < d->v.Dict.keys.n; i++)
        override(w, d->v.Dict.keys.items[i], d->v.Dict.values.items[i]);
}

/* The statement or call n, as it may set overrides (the roles pass only). */
static void overrides_of(Walk *w, const Node *n)
{
    const Node *t = NULL, *v = NULL;
    if (n->kind == NODE_Call) {
        const Node *fn = n->v.Call.func;
        if (fn->kind == NODE_Attribute && !strcmp(fn->v.Attribute.attr, "update") &&
            is_overrides(fn->v.Attribute.value) && n->v.Call.args.n == 1)
            override_dict(w, n->v.Call.args.items[0]);
    } else if (ast_single_assign(n, &t, &v)) {
        if (t->kind == NODE_Subscript && is_overrides(t->v.Subscript.value))
            override(w, t->v.Subscript.slice, v);
        else if (is_overrides(t))
            override_dict(w, v);
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
        if (!w->role)
            overrides_of(w, n);
        ast_children((Node *)n, walk_kid, w);
        break;
    case NODE_Assign:
        if (!w->role)
            overrides_of(w, n);
        ast_children((Node *)n, walk_kid, w);
        break;
    case NODE_Subscript:
        annotated_dependency(w, n);
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

/* Start-up code that names a class makes an object of it: the class and
 * its constructors run at start-up.  Its other methods run when something
 * calls them, start-up code (object_method) or a request through the
 * object kept on app.state: they are not start-up code for being methods
 * of an object start-up code made. */
static void boot_class(FastApi *f, const Node *cls, int mod)
{
    static const char *const makers[] = {"__init__", "__new__", "__post_init__", NULL};
    give(f, cls, FASTAPI_BOOT, mod);
    for (int i = 0; makers[i]; i++) {
        int k = mod;
        const Node *m = class_method(f, mod, cls, makers[i], 0, &k);
        give(f, m, FASTAPI_BOOT, k);
    }
}

/* A name request (or command-line) code uses: what it defines joins that
 * code, and a module-level binding that request code reads is marked. */
static void reference(Walk *w, const Node *e)
{
    int mod = -1;
    const Binding *b = resolve(w->f, w->m, w->s, e, &mod);
    if (!b)
        return;
    if ((b->kind == BIND_DEF || b->kind == BIND_CLASS) && b->def) {
        int role = w->role == FASTAPI_SHARED ? FASTAPI_EVENT : w->role; /* another object */
        if (role == FASTAPI_BOOT && b->def->kind == NODE_ClassDef)
            boot_class(w->f, b->def, mod);
        else if (b->def->kind == NODE_ClassDef)
            give_provider(w->f, b->def, mod, role);
        else
            give(w->f, b->def, role, mod);
        return;
    }
    if (w->role != FASTAPI_REQUEST)
        return;
    const Scope *ms = scope_module(w->f->mods[mod].scopes);
    if (ms->nbindings > 0 && b >= ms->bindings && b < ms->bindings + ms->nbindings) {
        Entry *en = slot(w->f, b, 1);
        en->roles |= READ_REQUEST;
        en->mod = mod;
    }
}

static void reach(Walk *w, const Node *n);

/* Is b one of module mod's own bindings? */
static int module_level(const FastApi *f, int mod, const Binding *b)
{
    const Scope *ms = scope_module(f->mods[mod].scopes);
    return ms->nbindings > 0 && b >= ms->bindings && b < ms->bindings + ms->nbindings;
}

/* The def of method name of class cls (in module m) or of a base class
 * the project defines, a few bases deep; its module into *mod. */
static const Node *class_method(const FastApi *f, int m, const Node *cls, const char *name,
                                int depth, int *mod)
{
    const Node *d = ast_method_named(cls, name);
    *mod = m;
    for (int i = 0; !d && depth < 4 && i < cls->v.ClassDef.bases.n; i++) {
        int k = -1;
        const Node *b = definition(f, m, scope_module(f->mods[m].scopes),
                                   cls->v.ClassDef.bases.items[i], &k);
        if (b && b->kind == NODE_ClassDef)
            d = class_method(f, k, b, name, depth + 1, mod);
    }
    return d;
}

/* The class of the project whose instance call (in scope s of module m)
 * returns, its module into *mod: the class called, or the class a function
 * or method of the project names as its return annotation (`def make() ->
 * Repo`, `Factory.create(...)` of a classmethod `-> "Provider"`).  The
 * annotation is read as a name or an attribute chain, or a string holding
 * one plain name; `Optional[...]`, unions and unannotated factories are not
 * followed.  NULL otherwise. */
static const Node *result_class(const FastApi *f, int m, const Scope *s, const Node *call,
                                int *mod)
{
    const Node *fn = call->v.Call.func;
    int k = -1;
    const Node *d = definition(f, m, s, fn, &k);
    if (!d && fn->kind == NODE_Attribute) { /* Cls.factory(...) */
        const Node *cls = definition(f, m, s, fn->v.Attribute.value, &k);
        if (cls && cls->kind == NODE_ClassDef)
            d = class_method(f, k, cls, fn->v.Attribute.attr, 0, &k);
    }
    if (d && d->kind == NODE_ClassDef) {
        *mod = k;
        return d;
    }
    const Node *ann = d ? d->v.FunctionDef.returns : NULL;
    Node name;
    if (ann && ann->kind == NODE_Constant && ann->v.Constant.value.kind == CONST_STR) {
        const char *text = ann->v.Constant.value.s;
        for (const char *p = text; *p; p++)
            if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9')))
                return NULL;
        memset(&name, 0, sizeof name);
        name.kind = NODE_Name;
        name.v.Name.id = (char *)text;
        ann = &name;
    }
    if (!ann)
        return NULL;
    const Scope *ds = scope_of(f->mods[k].scopes, d); /* annotations are read around the def */
    if (!ds || !ds->parent)
        ds = scope_module(f->mods[k].scopes);
    else
        ds = ds->parent;
    const Node *cls = definition(f, k, ds, ann, mod);
    return cls && cls->kind == NODE_ClassDef ? cls : NULL;
}

/* By base (grouped by pointer, only looked up), then by module and line:
 * which subclasses MAX_SUBS keeps must not depend on pointer values. */
static int sub_cmp(const void *a, const void *b)
{
    const struct Sub *p = a, *q = b;
    uintptr_t x = (uintptr_t)p->base, y = (uintptr_t)q->base;
    if (x != y)
        return x < y ? -1 : 1;
    if (p->mod != q->mod)
        return p->mod < q->mod ? -1 : 1;
    return (p->sub->lineno > q->sub->lineno) - (p->sub->lineno < q->sub->lineno);
}

/* The subclass relation, once: each module-level class against each base
 * of it the project defines (nested classes are not read). */
static void make_subs(FastApi *f)
{
    VEC(struct Sub) v = {0};
    for (int m = 0; m < f->n; m++) {
        const Scope *ms = scope_module(f->mods[m].scopes);
        const NodeList *body = &f->mods[m].module->v.Module.body;
        for (int i = 0; i < body->n; i++) {
            const Node *c = body->items[i];
            for (int j = 0; c->kind == NODE_ClassDef && j < c->v.ClassDef.bases.n; j++) {
                int k = -1;
                const Node *b = definition(f, m, ms, c->v.ClassDef.bases.items[j], &k);
                if (b && b->kind == NODE_ClassDef && b != c)
                    VEC_PUSH(&v, ((struct Sub){b, c, m}));
            }
        }
    }
    if (v.n)
        qsort(v.items, v.n, sizeof *v.items, sub_cmp);
    f->subs = arena_alloc(f->a, (v.n + 1) * sizeof *f->subs);
    if (v.n)
        memcpy(f->subs, v.items, v.n * sizeof *v.items);
    f->nsubs = (int)v.n;
    f->subs_made = 1;
    VEC_FREE(&v);
}

/* Gives role to the method name an instance of cls (module mod) runs: its
 * own or a base's, and every override in its subclasses, MAX_SUB_DEPTH
 * deep and MAX_SUBS of them, since any of them may be the object (for a
 * context, the over-approximation is the right side to err on). */
static void give_overrides(FastApi *f, const Node *cls, int mod, const char *name, int role)
{
    int k = -1;
    give(f, class_method(f, mod, cls, name, 0, &k), role, k);
    if (!f->subs_made)
        make_subs(f);
    const Node *seen[MAX_SUBS + 1];
    int depth[MAX_SUBS + 1], n = 0;
    seen[n] = cls, depth[n++] = 0;
    for (int i = 0; i < n; i++) {
        int lo = 0, hi = f->nsubs; /* the first entry of base seen[i] */
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if ((uintptr_t)f->subs[mid].base < (uintptr_t)seen[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < f->nsubs && f->subs[lo].base == seen[i] && depth[i] < MAX_SUB_DEPTH; lo++) {
            const Node *sub = f->subs[lo].sub;
            int dup = 0;
            for (int j = 0; j < n && !dup; j++)
                dup = seen[j] == sub;
            if (dup || n > MAX_SUBS)
                continue;
            give(f, ast_method_named(sub, name), role, f->subs[lo].mod);
            seen[n] = sub, depth[n++] = depth[i] + 1;
        }
    }
}

/* The units-of-work closures also follow methods: `self.m` (on the same
 * object: SHARED stays SHARED) and `x.m` of a module-level `x = Cls(...)`
 * or `x = factory(...)` of the project's (result_class: an object made
 * once, that every run uses: SHARED; its class's m and the overrides,
 * give_overrides).
 * The start-up closure follows the same, and `x.m` of a local `x =
 * Cls(...)` of the start-up code, and `Cls.m` (a factory classmethod):
 * the methods start-up code runs on what it makes (boot_class), the
 * class's own only: an override wrongly taken for start-up code would
 * hide what requests do with it (SL108).  Other
 * receivers are not followed: what they hold is the value model's
 * question, built after this one. */
static void event_method(Walk *w, const Node *n)
{
    const FastApiModule *mods = w->f->mods;
    int boot = w->role == FASTAPI_BOOT;
    int role = boot ? FASTAPI_BOOT : FASTAPI_EVENT | (w->role & FASTAPI_SHARED);
    const Node *m = scope_self_method(mods[w->m].scopes, w->s, n);
    if (m) {
        give(w->f, m, role, w->m);
        return;
    }
    const Node *recv = n->v.Attribute.value, *cls = NULL;
    int mod = -1, k = -1;
    const Binding *b = recv->kind == NODE_Name || recv->kind == NODE_Attribute
                           ? resolve(w->f, w->m, w->s, recv, &mod)
                           : NULL;
    int local = boot && b && b->kind == BIND_LOCAL && !module_level(w->f, mod, b);
    if (boot && b && b->kind == BIND_CLASS)
        cls = b->def, k = mod;
    else if (b && b->value && b->value->kind == NODE_Call && (local || module_level(w->f, mod, b)))
        cls = result_class(w->f, mod, local ? w->s : scope_module(mods[mod].scopes), b->value,
                           &k);
    if (cls && cls->kind == NODE_ClassDef && !boot)
        give_overrides(w->f, cls, k, n->v.Attribute.attr, FASTAPI_EVENT | FASTAPI_SHARED);
    else if (cls && cls->kind == NODE_ClassDef)
        give(w->f, class_method(w->f, k, cls, n->v.Attribute.attr, 0, &k), FASTAPI_BOOT, k);
}

typedef struct ObjectCall {
    Walk *w;
    int mod;
    const Scope *s;
    const char *attr;
} ObjectCall;

/* One binding of the receiver: a call's instance, its methods join. */
static int object_site(void *arg, int kind, const Node *at, const Node *value, int index)
{
    (void)at, (void)index;
    ObjectCall *oc = arg;
    value = value && (kind == SCOPE_SITE_VALUE || kind == SCOPE_SITE_ANNOTATED)
                ? ast_unawait(value)
                : NULL;
    int k = -1;
    const Node *cls = value && value->kind == NODE_Call
                          ? result_class(oc->w->f, oc->mod, oc->s, value, &k)
                          : NULL;
    if (cls)
        give_overrides(oc->w->f, cls, k, oc->attr, oc->w->role);
    return 1;
}

/* The request closure follows `x.m(...)` where x is bound (in the
 * function, one around it, or at module level, here or imported) to a
 * call whose result's class the project defines (result_class): that
 * class's m and its overrides (give_overrides).  A name bound several
 * times (`x = make()` in a try, `x = None` in its except) counts each
 * call it is bound to.  Other receivers (self's attributes, parameters,
 * what a call returns in place) are not followed: what they hold is the
 * value model's question, built after this one. */
static void object_method(Walk *w, const Node *n)
{
    const Node *recv = n->v.Attribute.value;
    if (recv->kind != NODE_Name && recv->kind != NODE_Attribute)
        return;
    int mod = -1;
    const Binding *b = resolve(w->f, w->m, w->s, recv, &mod);
    if (!b || b->kind != BIND_LOCAL)
        return;
    const Scope *owner = scope_module(w->f->mods[mod].scopes);
    for (const Scope *s = mod == w->m ? w->s : NULL; s; s = s->parent)
        if (s->nbindings > 0 && b >= s->bindings && b < s->bindings + s->nbindings) {
            owner = s;
            break;
        }
    ObjectCall oc = {w, mod, owner == scope_module(w->f->mods[mod].scopes) ? owner : w->s,
                     n->v.Attribute.attr};
    if (b->value)
        object_site(&oc, SCOPE_SITE_VALUE, NULL, b->value, -1);
    else if (b->nbind > 1)
        scope_each_binding(owner->node, b->name, object_site, &oc);
}

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
        if (!w->lean)
            reference(w, n);
        return;
    case NODE_Attribute: {
        if (w->lean) {
            event_method(w, n);
            break;
        }
        const char *attr = fastapi_state_attr(n);
        if (attr && w->role == FASTAPI_REQUEST &&
            app_state_base(n->v.Attribute.value->v.Attribute.value))
            note_state_read(w->f, attr);
        int mod = -1;
        if (resolve(w->f, w->m, w->s, n, &mod)) { /* module.function */
            reference(w, n);
            return;
        }
        if (w->role & (FASTAPI_EVENT | FASTAPI_SHARED | FASTAPI_BOOT))
            event_method(w, n);
        else if (w->role == FASTAPI_REQUEST)
            object_method(w, n);
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
    if (w->depth > WALK_MAX_DEPTH || ast_is_def(n))
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

int fastapi_is_main_guard(const Node *st)
{
    if (st->kind != NODE_If || st->v.If.test->kind != NODE_Compare)
        return 0;
    const Node *t = st->v.If.test;
    if (t->v.Compare.ops.n != 1 || t->v.Compare.ops.items[0] != CMP_Eq)
        return 0;
    const Node *l = t->v.Compare.left, *r = t->v.Compare.comparators.items[0];
    if (l->kind == NODE_Constant) { /* "__main__" == __name__ */
        const Node *x = l;
        l = r;
        r = x;
    }
    return l->kind == NODE_Name && !strcmp(l->v.Name.id, "__name__") &&
           r->kind == NODE_Constant && r->v.Constant.value.kind == CONST_STR &&
           !strcmp(r->v.Constant.value.s, "__main__");
}

/* serves' search: a loop without end or a call that serves until killed. */
typedef struct Serve {
    int found, depth;
} Serve;

static void serve_kid(Node *parent, Node *n, void *arg)
{
    static const char *const forever[] = {"serve_forever", "run_forever", "run_app",
                                          "start_polling", "run_polling", NULL};
    Serve *sv = arg;
    (void)parent;
    if (sv->found || sv->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_While && n->v.While.test->kind == NODE_Constant &&
        n->v.While.test->v.Constant.value.kind == CONST_TRUE) {
        sv->found = 1;
        return;
    }
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute) {
        const char *m = n->v.Call.func->v.Attribute.attr;
        int hosts = 0; /* app.run(host=..., port=...), uvicorn.run(app, port=...) */
        for (int i = 0; i < n->v.Call.keywords.n; i++) {
            const char *k = n->v.Call.keywords.items[i]->v.keyword.arg;
            hosts |= k && (!strcmp(k, "host") || !strcmp(k, "port"));
        }
        const Node *recv = n->v.Call.func->v.Attribute.value;
        const Node *loop = recv->kind == NODE_Call && recv->v.Call.func->kind == NODE_Attribute
                               ? recv->v.Call.func->v.Attribute.value
                               : NULL;
        /* Tornado's IOLoop.current().start() (or .instance()) runs until stopped */
        int ioloop = !strcmp(m, "start") && loop &&
                     ((loop->kind == NODE_Name && !strcmp(loop->v.Name.id, "IOLoop")) ||
                      (loop->kind == NODE_Attribute && !strcmp(loop->v.Attribute.attr, "IOLoop")));
        if (ioloop || is_qual(m, forever) ||
            ((!strcmp(m, "run") || !strcmp(m, "serve")) && hosts)) {
            sv->found = 1;
            return;
        }
    }
    sv->depth++;
    ast_children(n, serve_kid, sv);
    sv->depth--;
}

/* Does the code of body run until the process is killed: a server started
 * (app.run(host=..., port=...), uvicorn.run, serve_forever, Tornado's
 * IOLoop.current().start()), a loop
 * without end?  A command that does is a service's launcher, not a
 * one-shot command. */
static int serves(const NodeList *body)
{
    Serve sv = {0, 0};
    for (int i = 0; i < body->n && !sv.found; i++)
        serve_kid(NULL, body->items[i], &sv);
    return sv.found;
}

/* What the `if __name__ == "__main__":` blocks of module m call is
 * command-line code. */
static void main_blocks(FastApi *f, int m)
{
    const NodeList *body = &f->mods[m].module->v.Module.body;
    for (int i = 0; i < body->n; i++) {
        if (!fastapi_is_main_guard(body->items[i]) || serves(&body->items[i]->v.If.body))
            continue;
        Walk w = {f, m, scope_module(f->mods[m].scopes), 0, FASTAPI_CLI, 0};
        for (int k = 0; k < body->items[i]->v.If.body.n; k++)
            reach(&w, body->items[i]->v.If.body.items[k]);
    }
}

/* ------------------------------------------------------------- command-line code */

/*
 * The forward closure from the command-line entry points over-reaches: a
 * script that drives the service's own classes would make them all
 * command-line code.  What stays command-line code is what only the entry
 * points reach: a function or class every reference to which is in
 * command-line code (a `__main__` block, an entry point, a function that
 * keeps the role).  A greatest fixpoint over the references to the
 * closure's functions and classes, which the walk of the references below
 * collects (one walk of the project for both).
 */

#define MAIN_BLOCK ((const Node *)&main_block_marker)
static const char main_block_marker;

typedef struct CliRef {
    const Node *holder; /* the outermost def holding the reference; MAIN_BLOCK; NULL: module
                           level (import time) */
    const Node *target; /* the closure's function or class it names */
} CliRef;

typedef struct CliNames {
    const char **names; /* the closure's names: an open-addressing set; NULL: no closure */
    size_t cap;
} CliNames;

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int name_in(const CliNames *c, const char *name)
{
    for (size_t i = hash_str(name) & (c->cap - 1); c->names[i]; i = (i + 1) & (c->cap - 1))
        if (!strcmp(c->names[i], name))
            return 1;
    return 0;
}

static void name_add(CliNames *c, const char *name)
{
    size_t i = hash_str(name) & (c->cap - 1);
    while (c->names[i] && strcmp(c->names[i], name))
        i = (i + 1) & (c->cap - 1);
    c->names[i] = name;
}

static int has_cli(const FastApi *f, const Node *n)
{
    return (fastapi_role(f, n) & FASTAPI_CLI) != 0;
}

/* The names of the closure's functions and classes (none: names NULL). */
static CliNames cli_names(FastApi *f)
{
    CliNames c = {NULL, 0};
    size_t count = 0;
    for (int i = 0; i < f->cap; i++)
        count += f->tab[i].key && (f->tab[i].roles & FASTAPI_CLI);
    if (!count)
        return c;
    for (c.cap = 16; c.cap < 4 * count; c.cap *= 2)
        ;
    c.names = arena_alloc(f->a, c.cap * sizeof *c.names);
    for (int i = 0; i < f->cap; i++) {
        const Node *n = f->tab[i].key;
        if (!n || !(f->tab[i].roles & FASTAPI_CLI))
            continue;
        if (n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef)
            name_add(&c, n->v.FunctionDef.name);
        else if (n->kind == NODE_ClassDef)
            name_add(&c, n->v.ClassDef.name);
    }
    return c;
}

/* Takes the role from what does not keep it; returns whether anything changed. */
static int cli_demote(FastApi *f, const Node *n)
{
    Entry *e = slot(f, n, 0);
    if (!e || !(e->roles & FASTAPI_CLI) || (e->roles & CLI_ROOT))
        return 0;
    e->roles &= ~FASTAPI_CLI;
    if (n->kind == NODE_ClassDef) /* its methods run where its objects are used */
        for (int i = 0; i < n->v.ClassDef.body.n; i++)
            cli_demote(f, n->v.ClassDef.body.items[i]);
    return 1;
}

/* The fixpoint over the references the walk collected. */
static void cli_exclusive(FastApi *f, const CliRef *refs, size_t n)
{
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < n; i++) {
            const CliRef *r = &refs[i];
            int keeps = r->holder == MAIN_BLOCK || (r->holder && has_cli(f, r->holder));
            if (!keeps && r->holder != r->target)
                changed |= cli_demote(f, r->target);
        }
    }
}

/* ------------------------------------------------------------- references */

/*
 * Which module-level bindings the project reads, and where: in a function
 * (code that runs when called, as often as called) or anywhere.  A session
 * kept in a global that some function reads is shared by its callers, and
 * a generator function nothing names is a library's provider.
 */
typedef struct RefScan {
    FastApi *f;
    int m;
    const Scope *s;
    const Node *func; /* the innermost function around, or NULL */
    int in_function;
    int in_hook; /* in a function registered as a hook: `@x.connect`, `@app.teardown_*` */
    int in_finish; /* in a method `on_finish` (Tornado's RequestHandler) */
    int depth;
    CliNames cli;       /* the command-line closure's names, to collect ... */
    const Node *holder; /* ... the references to them (CliRef.holder) ... */
    VEC(CliRef) refs;   /* ... into refs */
} RefScan;

/* Is def registered to run after units of work: a signal handler
 * (`@task_postrun.connect`), a teardown (`@app.teardown_appcontext`)? */
static int is_hook(const Node *def)
{
    const NodeList *decs = &def->v.FunctionDef.decorator_list;
    for (int i = 0; i < decs->n; i++) {
        const Node *d = decs->items[i];
        if (d->kind == NODE_Call)
            d = d->v.Call.func;
        if (d->kind == NODE_Attribute && (!strcmp(d->v.Attribute.attr, "connect") ||
                                          !strncmp(d->v.Attribute.attr, "teardown", 8)))
            return 1;
    }
    /* Celery runs a Task class's after_return after each of its tasks */
    return !strcmp(def->v.FunctionDef.name, "after_return");
}

static void ref_scan(RefScan *r, const Node *n);

static void ref_scan_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    ref_scan(arg, n);
}

/* A reference to a function or class of the command-line closure. */
static void cli_ref(RefScan *r, const Node *n)
{
    const char *id = n->kind == NODE_Name        ? n->v.Name.id
                     : n->kind == NODE_Attribute ? n->v.Attribute.attr : NULL;
    if (!id || !name_in(&r->cli, id))
        return;
    int mod = -1;
    const Binding *b = resolve(r->f, r->m, r->s, n, &mod);
    if (b && (b->kind == BIND_DEF || b->kind == BIND_CLASS) && b->def && has_cli(r->f, b->def)) {
        CliRef c = {r->holder, b->def};
        VEC_PUSH(&r->refs, c);
    }
}

static void ref_scan(RefScan *r, const Node *n)
{
    if (!n || r->depth > WALK_MAX_DEPTH)
        return;
    if (r->cli.names)
        cli_ref(r, n);
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        !strcmp(n->v.Call.func->v.Attribute.attr, "remove")) { /* registry.remove() */
        const Node *recv = n->v.Call.func->v.Attribute.value;
        int mod = -1;
        const Binding *b = recv->kind == NODE_Name || (recv->kind == NODE_Attribute &&
                                                       recv->v.Attribute.value->kind == NODE_Name)
                               ? resolve(r->f, r->m, r->s, recv, &mod)
                               : NULL;
        if (!b && recv->kind == NODE_Attribute && !strcmp(recv->v.Attribute.attr, "session") &&
            recv->v.Attribute.value->kind == NODE_Name) /* Flask-SQLAlchemy's db.session */
            b = resolve(r->f, r->m, r->s, recv->v.Attribute.value, &mod);
        if (b && mod >= 0 && module_level(r->f, mod, b))
            slot(r->f, b, 1)->roles |= READ_REMOVED | (r->in_hook ? READ_REMOVED_HOOK : 0) |
                                       (r->in_finish ? READ_REMOVED_FINISH : 0);
    }
    if (n->kind == NODE_Call) {
        static const char *const starts[] = {"Pool", "ProcessPoolExecutor", "Process", NULL};
        const Node *fn = n->v.Call.func; /* by the name written: an alias is missed */
        const char *id = fn->kind == NODE_Name        ? fn->v.Name.id
                         : fn->kind == NODE_Attribute ? fn->v.Attribute.attr
                                                      : "";
        if (!r->f->scoped_own)
            r->f->scoped_own = !strcmp(id, "async_scoped_session") ||
                               (!strcmp(id, "scoped_session") &&
                                (ast_keyword(n, "scopefunc") || n->v.Call.args.n > 1));
        if (id[0] == 'P' && r->func && r->func->kind != NODE_Lambda && is_qual(id, starts) &&
            (!r->f->starting.n || r->f->starting.items[r->f->starting.n - 1] != r->func))
            VEC_PUSH(&r->f->starting, r->func); /* a function that may start processes */
    }
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        !strcmp(n->v.Call.func->v.Attribute.attr, "connect") && n->v.Call.args.n == 1 &&
        n->v.Call.args.items[0]->kind == NODE_Name) { /* task_postrun.connect(fn): fn is a
                                                        hook, as when decorated */
        int mod = -1;
        const Binding *b = resolve(r->f, r->m, r->s, n->v.Call.args.items[0], &mod);
        if (b && b->kind == BIND_DEF && b->def)
            VEC_PUSH(&r->f->hooking, b->def);
    }
    if (n->kind == NODE_withitem && r->func && r->func->kind == NODE_FunctionDef &&
        !strcmp(r->func->v.FunctionDef.name, "__call__")) {
        const Node *e = n->v.withitem.context_expr;
        if (e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute &&
            !strcmp(e->v.Call.func->v.Attribute.attr, "app_context"))
            r->f->task_app_context = 1;
    }
    if ((n->kind == NODE_Name && ast_ctx(n) == CTX_Load) ||
        (n->kind == NODE_Attribute && ast_ctx(n) == CTX_Load &&
         n->v.Attribute.value->kind == NODE_Name)) { /* name, module.name */
        int mod = -1;
        const Binding *b = resolve(r->f, r->m, r->s, n, &mod);
        if (b && mod >= 0 && module_level(r->f, mod, b)) {
            Entry *en = slot(r->f, b, 1);
            en->roles |= READ_ANYWHERE | (r->in_function ? READ_IN_FUNCTION : 0);
            en->mod = mod;
            if (r->func && en->reader && en->reader != r->func)
                en->roles |= READ_SEVERAL;
            else if (r->func)
                en->reader = r->func;
            if (mod != r->m) /* another module uses this one's names */
                slot(r->f, r->f->mods[mod].module, 1)->roles |= READ_ANYWHERE;
        }
        if (n->kind == NODE_Name)
            return;
    }
    const Scope *outer = r->s;
    const Node *func = r->func, *holder = r->holder;
    int in_function = r->in_function, in_hook = r->in_hook, in_finish = r->in_finish;
    if (n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef || n->kind == NODE_Lambda ||
        n->kind == NODE_ClassDef) {
        const Scope *inner = scope_of(r->f->mods[r->m].scopes, n);
        r->s = inner ? inner : outer;
        if (n->kind != NODE_ClassDef)
            r->func = n;
        if (n->kind != NODE_Lambda && n->kind != NODE_ClassDef && !holder)
            r->holder = n; /* a function: its body runs when it is called */
        r->in_function |= n->kind != NODE_ClassDef;
        if ((n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef) && is_hook(n)) {
            r->in_hook = 1;
            VEC_PUSH(&r->f->hooking, n);
        }
        r->in_finish |= n->kind == NODE_FunctionDef && !strcmp(n->v.FunctionDef.name, "on_finish");
    } else if (r->cli.names && !holder && n->kind == NODE_If && fastapi_is_main_guard(n)) {
        r->holder = MAIN_BLOCK;
    }
    r->depth++;
    ast_children((Node *)n, ref_scan_kid, r);
    r->depth--;
    r->s = outer;
    r->func = func;
    r->holder = holder;
    r->in_function = in_function;
    r->in_hook = in_hook;
    r->in_finish = in_finish;
}

typedef struct YieldScan {
    int found;
    int depth;
} YieldScan;

static int yields(const Node *n, int depth);

static void yields_kid(Node *parent, Node *n, void *arg)
{
    YieldScan *y = arg;
    (void)parent;
    y->found = y->found || yields(n, y->depth);
}

/* Does the body of func yield (its own yields, not a nested def's)? */
static int yields(const Node *n, int depth)
{
    if (!n || depth > WALK_MAX_DEPTH)
        return 0;
    if (n->kind == NODE_Yield || n->kind == NODE_YieldFrom)
        return 1;
    if (depth > 0 && (n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef ||
                      n->kind == NODE_Lambda || n->kind == NODE_ClassDef))
        return 0;
    YieldScan y = {0, depth + 1};
    ast_children((Node *)n, yields_kid, &y);
    return y.found;
}

int fastapi_yields(const Node *def) { return yields(def, 0); }

/* Module-level generator functions, undecorated, that no load in the
 * project names: a library's dependency providers, to whoever imports it. */
static void unnamed_generators(FastApi *f)
{
    for (int m = 0; m < f->n; m++) {
        const Scope *ms = scope_module(f->mods[m].scopes);
        for (int i = 0; i < ms->nbindings; i++) {
            const Binding *b = &ms->bindings[i];
            const Node *d = b->def;
            if (b->kind != BIND_DEF || b->nbind != 1 || !d ||
                d->v.FunctionDef.decorator_list.n || !yields(d, 0))
                continue;
            const Entry *e = find(f, b);
            if (!e || !(e->roles & READ_ANYWHERE))
                give(f, d, FASTAPI_UNNAMED_GEN, m);
        }
    }
}

/* The bit of name in FastApi.starter_names: from its first two bytes. */
static unsigned starter_bit(const char *name)
{
    return ((unsigned char)name[0] * 31u + (unsigned char)name[1]) & 255u;
}

/* qsort: defs by name, then by address (a total order: equal defs meet). */
static int by_def_name(const void *a, const void *b)
{
    const Node *x = *(const Node *const *)a, *y = *(const Node *const *)b;
    int c = strcmp(x->v.FunctionDef.name, y->v.FunctionDef.name);
    return c ? c : (x > y) - (x < y);
}

/* The references, and with them the command-line closure's (cli_exclusive). */
static void references(FastApi *f)
{
    RefScan r = {.f = f, .cli = cli_names(f)};
    for (r.m = 0; r.m < f->n; r.m++) {
        r.s = scope_module(f->mods[r.m].scopes);
        ref_scan(&r, f->mods[r.m].module);
    }
    cli_exclusive(f, r.refs.items, r.refs.n);
    VEC_FREE(&r.refs);
    /* by name, so that a call's name is looked up by bisection; one entry per def */
    if (f->starting.n)
        qsort(f->starting.items, f->starting.n, sizeof *f->starting.items, by_def_name);
    f->starters = arena_alloc(f->a, (f->starting.n + 1) * sizeof *f->starters);
    for (size_t i = 0; i < f->starting.n; i++)
        if (!f->nstarters || f->starters[f->nstarters - 1] != f->starting.items[i]) {
            unsigned bit = starter_bit(f->starting.items[i]->v.FunctionDef.name);
            f->starter_names[bit / 64] |= (uint64_t)1 << (bit % 64);
            f->starters[f->nstarters++] = f->starting.items[i];
        }
    VEC_FREE(&f->starting);
    f->hooks = arena_alloc(f->a, (f->hooking.n + 1) * sizeof *f->hooks);
    for (size_t i = 0; i < f->hooking.n; i++)
        f->hooks[f->nhooks++] = f->hooking.items[i];
    VEC_FREE(&f->hooking);
    unnamed_generators(f);
}

FastApi *fastapi_begin(Arena *a, const Project *graph, const FastApiModule *mods, int n)
{
    FastApi *f = arena_alloc(a, sizeof *f);
    f->a = a;
    f->graph = graph;
    f->mods = mods;
    f->n = n;
    index_modules(f);
    for (int m = 0; m < n; m++) { /* the longest folder prefix every path shares */
        const char *p = mods[m].path, *q = mods[0].path;
        size_t k = 0, cut = 0, most = m ? f->root_len : strlen(q);
        for (; k < most && p[k] && p[k] == q[k]; k++)
            if (p[k] == '/')
                cut = k + 1;
        f->root_len = cut;
    }
    for (int m = 0; m < n && !f->event_libs; m++)
        f->event_libs = imports_event_lib(f, m);
    for (int m = 0; m < n; m++) {
        Walk w = {f, m, scope_module(mods[m].scopes), 0, 0, 0};
        walk_list(&w, &mods[m].module->v.Module.body);
    }
    /* everything with a role so far serves requests, except startup code */
    for (int i = 0; i < f->cap; i++) {
        Entry *e = &f->tab[i];
        if (e->key && (e->roles & (FASTAPI_ENDPOINT | FASTAPI_PROVIDER | FASTAPI_PROVIDER_FN)))
            give(f, e->key, FASTAPI_REQUEST, e->mod);
    }
    state_values(f);
    return f;
}

void fastapi_finish(FastApi *f)
{
    const FastApiModule *mods = f->mods;
    for (int m = 0; m < f->n; m++)
        main_blocks(f, m);
    while (f->nwork > 0) { /* the closures: sets, whatever the order of the work */
        WorkItem wi = f->work[--f->nwork];
        const Node *fn = wi.node;
        const Entry *e = find(f, fn);
        if (!e || e->mod < 0)
            continue;
        const ScopeTable *t = mods[e->mod].scopes;
        const Scope *s = scope_of(t, fn);
        Walk w = {f, e->mod, s ? s : scope_module(t), 0, wi.role,
                  wi.role == FASTAPI_EVENT && (e->roles & FASTAPI_REQUEST)};
        if (fn->kind == NODE_ClassDef)
            continue; /* its methods were given the role one by one */
        if (wi.role == FASTAPI_CLI && serves(&fn->v.FunctionDef.body))
            continue; /* a command that starts a server: what it calls is service code */
        if (wi.role & (FASTAPI_EVENT | FASTAPI_SHARED)) { /* a decorator's wrapper runs
                                                             at every call */
            Walk dw = w;
            dw.s = s && s->parent ? s->parent : scope_module(t);
            dw.lean = 0; /* the request closure does not follow decorators */
            for (int i = 0; i < fn->v.FunctionDef.decorator_list.n; i++)
                reach(&dw, fn->v.FunctionDef.decorator_list.items[i]);
        }
        for (int i = 0; i < fn->v.FunctionDef.body.n; i++)
            reach(&w, fn->v.FunctionDef.body.items[i]);
    }
    references(f);
    free(f->work);
    f->work = NULL;
    f->capwork = 0;
    if (f->cap) { /* read-only from here: into the arena, slots where they are */
        Entry *t = arena_alloc_raw(f->a, (size_t)f->cap * sizeof *t);
        memcpy(t, f->tab, (size_t)f->cap * sizeof *t);
        free(f->tab);
        f->tab = t;
    }
}

FastApi *fastapi_build(Arena *a, const Project *graph, const FastApiModule *mods, int n)
{
    FastApi *f = fastapi_begin(a, graph, mods, n);
    fastapi_finish(f);
    return f;
}

int fastapi_in_tests(const FastApi *f, int mod)
{
    return f && mod >= 0 && mod < f->n &&
           context_of_path(f->mods[mod].path + f->root_len) == CTX_TEST;
}

const Node *fastapi_override(const FastApi *f, const Node *marker)
{
    for (int i = 0; f && marker && i < f->noverrides; i++)
        if (f->overrides[i].marker == marker)
            return f->overrides[i].provider;
    return NULL;
}

int fastapi_role(const FastApi *f, const Node *node)
{
    const Entry *e = f ? find(f, node) : NULL;
    return e ? e->roles : 0;
}

int fastapi_reads_binding(const FastApi *f, const Binding *b)
{
    const Entry *e = f ? find(f, b) : NULL;
    return e && (e->roles & READ_REQUEST);
}

int fastapi_module_used(const FastApi *f, const Node *module)
{
    const Entry *e = f ? find(f, module) : NULL;
    return e && (e->roles & READ_ANYWHERE);
}

int fastapi_function_reads(const FastApi *f, const Binding *b)
{
    const Entry *e = f ? find(f, b) : NULL;
    return e && (e->roles & READ_IN_FUNCTION);
}

int fastapi_read_by_several(const FastApi *f, const Binding *b)
{
    const Entry *e = f ? find(f, b) : NULL;
    return e && (e->roles & READ_SEVERAL);
}

int fastapi_binding_removed(const FastApi *f, const Binding *b, int by_hook)
{
    const Entry *e = f ? find(f, b) : NULL;
    int bit = by_hook == 2 ? READ_REMOVED_FINISH : by_hook ? READ_REMOVED_HOOK : READ_REMOVED;
    return e && (e->roles & bit);
}

const Node *const *fastapi_hooks(const FastApi *f, int *n)
{
    *n = f ? f->nhooks : 0;
    return f ? f->hooks : NULL;
}

int fastapi_task_app_context(const FastApi *f) { return f && f->task_app_context; }

int fastapi_scoped_own(const FastApi *f) { return f && f->scoped_own; }

int fastapi_cancels_requests(const FastApi *f) { return f && f->base_http; }

const Node *const *fastapi_process_starters(const FastApi *f, const char *name, int *n)
{
    *n = 0;
    unsigned bit = name ? starter_bit(name) : 0;
    if (!f || !name || !(f->starter_names[bit / 64] >> (bit % 64) & 1))
        return NULL;
    int lo = 0, hi = f->nstarters;
    while (lo < hi) { /* the first def named name or after it */
        int mid = (lo + hi) / 2;
        if (strcmp(f->starters[mid]->v.FunctionDef.name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    while (lo + *n < f->nstarters && !strcmp(f->starters[lo + *n]->v.FunctionDef.name, name))
        ++*n;
    return f->starters + lo;
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

int fastapi_is_depends(const char *qual)
{
    return is_qual(qual, depends_names) || is_qual(qual, security_names);
}

int fastapi_is_security(const char *qual) { return is_qual(qual, security_names); }
