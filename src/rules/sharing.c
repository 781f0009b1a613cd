/*
 * sharing.c - SL201 shared-across-requests, SL202 outlives-owner, SL203
 * concurrent-use and SL204 commit-after-response (see sharing.h).
 *
 * SL201 looks at what a module keeps beyond one request: module-level
 * names, class attributes, default argument values, what an lru_cache
 * function returns, app.state attributes set at startup, and scoped_session
 * registries called from coroutines.  Each is reported only when code that
 * serves requests (fastapi.h) reads it.  Apart from requests, a unit of
 * work on a thread of its own (a worker's task, a thread's target, a
 * pool's job) that leaves a thread-scoped registry's session behind
 * (unit_check), and a Tornado callback run after the request whose
 * on_finish removed it (SL202).  SL103 for a scope of a registry keyed by
 * its own scopefunc that the unit opening it never removes (scope_check).
 * workers.c's checks ride on the same walks (an arq worker's startup ctx,
 * a threading socketserver's attributes).
 * SL204 reads each yield dependency
 * for a commit after its yield, when the run's FastAPI version runs that
 * code after the response.
 */
#include "rules/sharing.h"

#include <string.h>

#include "rules/workers.h"

#include "fastapi.h"
#include "model.h"
#include "project.h"
#include "cfg.h"
#include "scope.h"
#include "value.h"

#define msg arena_printf
#define WALK_MAX_DEPTH 200 /* statement nesting followed */

/* The line of the last event whose note starts with prefix, or 0. */
static int event_line(const FlowReport *r, const char *prefix)
{
    for (int i = r->nevents - 1; i >= 0; i--)
        if (r->events[i].note && !strncmp(r->events[i].note, prefix, strlen(prefix)))
            return r->events[i].line;
    return 0;
}

void sharing_flow_report(LifecycleSink *k, const FlowReport *r)
{
    static const char *const work[] = {"work", "a background task", "a streamed response body",
                                       "a task", "a thread", "coroutines",
                                       "a callback of the IOLoop"};
    const char *w = lifecycle_what(k->a, k->src, r);
    const char *job = work[r->job <= JOB_CALLBACK ? r->job : 0];
    Finding f = {0};
    if (r->problem == FLOW_CONCURRENT) {
        if (r->res_kind == RES_DBAPI || r->res_kind == RES_POOLED ||
            (r->res_kind == RES_PGCONN && r->res_sub))
            return; /* psycopg2's, psycopg 3's and psycopg_pool's connections serialize their
                       use behind a lock (only their cursors are not thread-safe) */
        f.code = "SL203";
        f.message = msg(k->a, "%s is used by %s that run at the same time: a session or "
                              "connection is not safe for concurrent use; give each one its own",
                        w, r->job == JOB_THREAD ? "threads" : "tasks");
        lifecycle_emit(k, &f, r);
        return;
    }
    if (r->problem == FLOW_HELD_BY_STREAM && r->job == JOB_NONE) { /* a websocket */
        f.code = "SL205";
        f.message = msg(k->a, "%s keeps its connection checked out while the websocket waits "
                              "for the client's next message: its dependency releases it only "
                              "when the endpoint returns, after the socket closed, so each "
                              "connected client holds a pooled connection idle in its "
                              "transaction; end the transaction (commit, rollback or close) "
                              "after each message, or open a session per message",
                        w);
        lifecycle_emit(k, &f, r);
        return;
    }
    if (r->problem == FLOW_HELD_BY_STREAM) {
        f.code = "SL205";
        f.message = msg(k->a, "%s keeps its connection checked out while the streamed body runs, "
                              "which does not use it: %s, so every open stream holds a pooled "
                              "connection idle in its transaction; end the transaction (commit, "
                              "rollback or close) before returning the response",
                        w, r->owner);
        lifecycle_emit(k, &f, r);
        return;
    }
    f.code = "SL202";
    int released = event_line(r, "released here");
    if (r->why && r->owner) /* an await that gave up on the work: why it runs on */
        f.message = msg(k->a, "%s is handed to %s that may still use it after its owner is "
                              "done: %s; %s",
                        w, job, r->why, r->owner);
    else if (r->why && released)
        f.message = msg(k->a, "%s is handed to %s that may still use it after it is released on "
                              "line %d: %s",
                        w, job, released, r->why);
    else if (r->why)
        f.message = msg(k->a, "%s is handed to %s that may outlive it: %s", w, job, r->why);
    else if (r->owner && (r->job == JOB_TASK || r->job == JOB_THREAD))
        f.message = msg(k->a, "%s is handed to %s that nothing waits for, so it may still use it "
                              "after its owner is done: %s",
                        w, job, r->owner);
    else if (r->owner && r->res && r->res->after == AFTER_SHARED)
        f.message = msg(k->a, "%s is handed to %s, which runs after it went back to the pool: %s",
                        w, job, r->owner);
    else if (r->owner)
        f.message = msg(k->a, "%s is handed to %s, which runs after it is closed: %s", w, job,
                        r->owner);
    else if (released)
        f.message = msg(k->a, "%s is handed to %s, which may still use it after it is released "
                              "on line %d",
                        w, job, released);
    else
        f.message = msg(k->a, "%s is handed to %s that may outlive it", w, job);
    lifecycle_emit(k, &f, r);
}

/* ------------------------------------------------------------- SL201, SL204 */

typedef struct Check {
    LifecycleSink *k;
    const FlowEnv *env;
    Arena *scratch;
    const FastApi *fa;
    const ProjectFacts *facts; /* the module's project: Flask-SQLAlchemy's version */
    struct Units *units;       /* the module's thread targets (unit_check) */
    WorkCtx work;              /* workers.h's checks, on the same walks */
    int servers;               /* the module may make a threading socketserver */
} Check;

/* A finding at `at`; its witness is note1 at `from` (NULL: at `at`), then
 * note2 at at2 if given, in the file path2 (NULL: this one); room for one
 * step more (finding_in; add_in adds it). */
static Finding finding_in(Check *c, const char *code, const Node *at, const char *message,
                          const Node *from, const char *note1, const Node *at2,
                          const char *path2, const char *note2)
{
    Finding f = {0};
    f.code = code;
    f.path = c->k->src->path;
    diag_span(&f, at);
    f.message = message;
    f.trace = arena_alloc(c->k->a, 3 * sizeof *f.trace);
    f.trace[0].path = f.path;
    f.trace[0].line = from ? from->lineno : f.line;
    f.trace[0].col = from ? from->col_offset : f.col;
    f.trace[0].note = note1;
    f.ntrace = 1;
    if (at2 && note2) {
        f.trace[1].path = path2 ? path2 : f.path;
        f.trace[1].line = at2->lineno;
        f.trace[1].col = at2->col_offset;
        f.trace[1].note = note2;
        f.ntrace = 2;
    }
    return f;
}

static void add_in(Check *c, const char *code, const Node *at, const char *message,
                   const Node *from, const char *note1, const Node *at2, const char *path2,
                   const char *note2)
{
    Finding f = finding_in(c, code, at, message, from, note1, at2, path2, note2);
    diag_add(c->k->out, &f);
}

static void add(Check *c, const char *code, const Node *at, const char *message,
                const Node *from, const char *note1, const Node *at2, const char *note2)
{
    add_in(c, code, at, message, from, note1, at2, NULL, note2);
}

/* The resource kind e makes (in scope s of table t), or item `item` of
 * it when >= 0 (`a, b = e` unpacks it: value_item), or RES_NONE. */
static int made_in(Check *c, const ScopeTable *t, const Scope *s, const Node *e, int item)
{
    if (!e)
        return RES_NONE;
    Val v = item < 0 ? value_of(c->env->values, c->scratch, t, s, e)
                     : value_item(c->env->values, c->scratch, t, s, e, item);
    /* made by e (an acquisition), not said of it (`cast(Session, fake)`) */
    return v.tag == VAL_RESOURCE && v.kind != RES_ANY && v.fresh ? v.kind : RES_NONE;
}

static int made(Check *c, const Scope *s, const Node *e)
{
    return made_in(c, c->env->scopes, s, e, -1);
}

static const char *noun(int kind) { return model_res(kind)->noun; }

/* What a shared place should keep instead of a resource of this kind, and
 * what each request makes of it: a session's sessionmaker, a connection's
 * engine or pool (a DB-API connection has no factory object of its own). */
static const char *remedy(int kind)
{
    switch (kind) {
    case RES_SESSION: return "keep the sessionmaker there and make one per request";
    case RES_CONNECTION: return "keep the engine there and connect once per request";
    case RES_DBAPI:
    case RES_PGCONN:
        return "keep a connection pool there and take a connection per request (or connect "
               "per request)";
    case RES_POOLED:
    case RES_APOOLED: return "keep the pool there and take a connection per request";
    default: return "make one per request";
    }
}

static int is_func(const Node *n)
{
    return n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef;
}

static void never_removed(Check *c, const Node *st, const Node *value, const Binding *b,
                          const char *name);

/* Module-level `name = <acquisition>` read by request code. */
static void module_names(Check *c, const Node *module)
{
    const Scope *ms = scope_module(c->env->scopes);
    const NodeList *body = &module->v.Module.body;
    for (int i = 0; i < body->n; i++) {
        const Node *st = body->items[i];
        const Node *target, *value;
        if (!ast_single_assign(st, &target, &value) || target->kind != NODE_Name)
            continue;
        int kind = made(c, ms, value);
        const Binding *b = scope_lookup(c->env->scopes, ms, target->v.Name.id, NULL);
        if (kind == RES_NONE && b)
            never_removed(c, st, value, b, target->v.Name.id);
        if (kind == RES_NONE || !b)
            continue;
        if (fastapi_reads_binding(c->fa, b))
            add(c, "SL201", st,
                msg(c->k->a, "%s `%s` is made once, at import, and shared by every request that "
                             "uses it; make one per request (a dependency that yields it)",
                    noun(kind), target->v.Name.id),
                NULL, msg(c->k->a, "%s made here, at module level", noun(kind)), NULL, NULL);
        else if (fastapi_function_reads(c->fa, b))
            add(c, "SL201", st,
                msg(c->k->a, "%s `%s` is made once, at import, and shared by every caller of the "
                             "functions that use it, in whatever thread or task they run; make one "
                             "per unit of work (a `with` block of the sessionmaker)",
                    noun(kind), target->v.Name.id),
            NULL, msg(c->k->a, "%s made here, at module level", noun(kind)), NULL, NULL);
    }
}

/* Finds `self.<attr> = <acquisition>` in a method of a singleton's class. */
typedef struct SelfStore {
    Check *c;
    const Scope *s;       /* the method's scope */
    const char *self;     /* its instance parameter */
    const char *object;   /* how the one instance is used: `holder`, `Session()` ... */
    const char *subject;  /* ... and what makes it one ("`holder` is the one `Holder` of the
                             process") */
    const Node *mech;     /* where a singleton class keeps its instance, or NULL ... */
    const char *mech_path, *mech_note; /* ... in which file, and what it does there */
    const Node *cls;
    int depth;
    const ScopeTable *t;  /* the scopes of cls's module (NULL: this one's) */
    const Node *instance; /* the module-level instance (or the cached return) where the
                             first store is reported (NULL: at the store, a singleton
                             class's) */
    int found;            /* ... and it was */
    const char *made;     /* the witness note at instance (NULL: made at import) */
} SelfStore;

/* `self.<attr>` of w's method: attr, or NULL. */
static const char *stored_attr(const SelfStore *w, const Node *e)
{
    return e->kind == NODE_Attribute && e->v.Attribute.value->kind == NODE_Name &&
                   !strcmp(e->v.Attribute.value->v.Name.id, w->self)
               ? e->v.Attribute.attr
               : NULL;
}

/* The finding for store n keeping what it made (nouns) on attrs. */
static void kept_on_self(SelfStore *w, const Node *n, const char *message, const char *note)
{
    if (w->instance) { /* the class is another module's: its instance here */
        add_in(w->c, "SL201", w->instance, message, w->instance,
               w->made ? w->made : "the one instance, made here at import", n,
               value_path_of(w->c->env->values, w->cls), note);
        w->found = 1;
        return;
    }
    add_in(w->c, "SL201", n, message, NULL, note, w->mech, w->mech_path, w->mech_note);
}

/*
 * `self.con, self.cur = db.connect()`: a tuple target takes, element by
 * element, what the items of the value make (value_item: a helper's
 * returned `conn, cur`).  One finding for the statement, naming each
 * resource and where it goes.  A starred element shifts the items: not
 * followed.
 */
static void kept_items(SelfStore *w, const Node *n, const Node *target, const Node *value)
{
    const NodeList *elts = &target->v.Tuple.elts;
    const char *nouns = NULL, *attrs = NULL;
    int n_kept = 0;
    for (int i = 0; i < elts->n; i++)
        if (elts->items[i]->kind == NODE_Starred)
            return;
    for (int i = 0; i < elts->n; i++) {
        const char *attr = stored_attr(w, elts->items[i]);
        int kind = attr ? made_in(w->c, w->t, w->s, value, i) : RES_NONE;
        if (kind == RES_NONE)
            continue;
        n_kept++;
        nouns = nouns ? msg(w->c->k->a, "%s and %s", nouns, noun(kind)) : noun(kind);
        attrs = attrs ? msg(w->c->k->a, "%s and self.%s", attrs, attr)
                      : msg(w->c->k->a, "self.%s", attr);
    }
    if (nouns)
        kept_on_self(w, n,
                     msg(w->c->k->a, "%s, and it keeps the %s it makes on %s: every request and "
                                     "thread that uses %s shares %s; make %s per request (or "
                                     "per unit of work) instead",
                         w->subject, nouns, attrs, w->object,
                         n_kept > 1 ? "them" : msg(w->c->k->a, "that %s", nouns),
                         n_kept > 1 ? "them" : "one"),
                     msg(w->c->k->a, "%s made here and kept on the shared object", nouns));
}

static void self_store_kid(Node *parent, Node *n, void *arg)
{
    SelfStore *w = arg;
    (void)parent;
    if (w->found || w->depth > WALK_MAX_DEPTH || is_func(n) || n->kind == NODE_ClassDef ||
        n->kind == NODE_Lambda)
        return;
    const Node *target, *value;
    if (ast_single_assign(n, &target, &value) &&
        (target->kind == NODE_Tuple || target->kind == NODE_List)) {
        kept_items(w, n, target, value);
        return;
    }
    if (ast_single_assign(n, &target, &value) && stored_attr(w, target)) {
        int kind = made_in(w->c, w->t, w->s, value, -1);
        if (kind == RES_NONE && value->kind == NODE_Call) {
            /* `self.session = registry()`: the scoped_session's session of the thread
               (or task) that ran this, kept for all the others */
            Val f = value_of(w->c->env->values, w->c->scratch, w->t, w->s, value->v.Call.func);
            if (f.tag == VAL_FACTORY && f.kind == FAC_SCOPED)
                kept_on_self(w, n,
                             msg(w->c->k->a, "%s, and it keeps on self.%s the session its "
                                             "scoped_session gives the %s that ran this: every "
                                             "request and thread that uses %s shares that "
                                             "session; call the registry where the session is "
                                             "used",
                                 w->subject, target->v.Attribute.attr, f.sub ? "task" : "thread",
                                 w->object),
                             "the registry's session is taken here and kept on the shared object");
        }
        if (kind != RES_NONE)
            kept_on_self(w, n,
                         msg(w->c->k->a, "%s, and it keeps the %s it makes on self.%s: every "
                                         "request and thread that uses %s shares that %s; %s",
                             w->subject, noun(kind), target->v.Attribute.attr, w->object,
                             noun(kind), remedy(kind)),
                         msg(w->c->k->a, "%s made here and kept on the shared object",
                             noun(kind)));
        return;
    }
    w->depth++;
    ast_children(n, self_store_kid, w);
    w->depth--;
}

static int singleton_used(Check *c, const Node *cls);

/* What the methods of cls (the one object w says) keep on self. */
static void self_stores(SelfStore *w, const Node *cls)
{
    for (int k = 0; k < cls->v.ClassDef.body.n && !w->found; k++) {
        const Node *m = cls->v.ClassDef.body.items[k];
        const Node *args = is_func(m) ? m->v.FunctionDef.args : NULL;
        if (!w->t)
            w->t = w->c->env->scopes;
        w->s = args ? scope_of(w->t, m) : NULL;
        if (!w->s || args->v.arguments.args.n < 1)
            continue;
        w->self = args->v.arguments.args.items[0]->v.arg.arg;
        w->depth = 0;
        for (int j = 0; j < m->v.FunctionDef.body.n; j++)
            self_store_kid(NULL, m->v.FunctionDef.body.items[j], w);
    }
}

static int request_class(Check *c, const Node *cls);

/* Finds, in request code of the project, a read `<name>.<attr>` of the
 * module-level binding b (here or imported). */
typedef struct Reader {
    Check *c;
    const ProjectModule *pm; /* the module walked */
    const Scope *s;          /* the request function's scope, or NULL outside one */
    const Binding *b;
    const char *attr;
    const Node *found;       /* the read, in pm */
    int depth;
} Reader;

static void reader_kid(Node *parent, Node *n, void *arg)
{
    Reader *w = arg;
    (void)parent;
    if (w->found || w->depth > WALK_MAX_DEPTH)
        return;
    const Scope *was = w->s;
    if (is_func(n))
        w->s = fastapi_role(w->c->fa, n) & FASTAPI_REQUEST ? scope_of(w->pm->scopes, n) : NULL;
    if (w->s && n->kind == NODE_Attribute && n->v.Attribute.value->kind == NODE_Name &&
        !strcmp(n->v.Attribute.attr, w->attr)) {
        const Binding *d = scope_lookup(w->pm->scopes, w->s, n->v.Attribute.value->v.Name.id, NULL);
        const ProjectModule *dm = NULL;
        if (d && d->kind == BIND_IMPORT && d->qualname)
            modgraph_resolve(value_project(w->c->env->values), d->qualname, &dm, &d);
        if (d == w->b) {
            w->found = n;
            return;
        }
    }
    w->depth++;
    ast_children(n, reader_kid, w);
    w->depth--;
    w->s = was;
}

/* A read of `<b>.<attr>` by request code: the node, and its file in *path; NULL if none. */
static const Node *request_read(Check *c, const Binding *b, const char *attr, const char **path)
{
    int n = 0;
    const ProjectModule *mods = modgraph_modules(value_project(c->env->values), &n);
    Reader w = {c, NULL, NULL, b, attr, NULL, 0};
    for (int i = 0; i < n && !w.found; i++) {
        w.pm = &mods[i];
        ast_children(mods[i].module, reader_kid, &w);
    }
    *path = w.found ? w.pm->path : NULL;
    return w.found;
}

/*
 * `holder = Holder(SessionLocal())`, `container = Container()` of a
 * dataclass whose field's default factory is the sessionmaker: the
 * constructor keeps on the one instance a session made at import
 * (value_kept: an argument, a field's factory, a field's default made with
 * the class).  One finding at the instance, naming every such attribute.
 * A parameter's default is SL201's default-argument case, a field's
 * default of a class request code uses its class-attribute case
 * (class_attrs): not again here.
 */
static void kept_at_import(Check *c, const Node *st, const char *name, const Node *call,
                           const Node *cls)
{
    ValueKept kept[8];
    int n = value_kept(c->env->values, c->scratch, c->env->scopes, scope_module(c->env->scopes),
                       call, kept, 8);
    const ValueKept *first = NULL;
    const char *nouns = NULL, *attrs = NULL;
    for (int i = 0; i < n; i++) {
        const ValueKept *k = &kept[i];
        if (k->v.tag != VAL_RESOURCE || k->v.kind == RES_ANY || !k->v.fresh ||
            k->how == VALUE_KEPT_PARAM_DEFAULT ||
            (k->how == VALUE_KEPT_FIELD_DEFAULT && request_class(c, cls)))
            continue;
        first = first ? first : k;
        nouns = nouns ? msg(c->k->a, "%s and %s", nouns, noun(k->v.kind)) : noun(k->v.kind);
        attrs = attrs ? msg(c->k->a, "%s and %s.%s", attrs, name, k->attr)
                      : msg(c->k->a, "%s.%s", name, k->attr);
    }
    if (!first)
        return;
    const char *how = first->how == VALUE_KEPT_ARG ? "made for it at import"
                      : first->how == VALUE_KEPT_FACTORY
                          ? "its field's default factory makes at import"
                          : "made once with the class (its field's default)";
    const char *message =
        msg(c->k->a, "`%s` is the one `%s` of the process, and its constructor keeps on %s the "
                     "%s %s: every request and thread that uses `%s` shares it; %s",
            name, cls->v.ClassDef.name, attrs, nouns, how, name, remedy(first->v.kind));
    const char *note = msg(c->k->a, "%s made here and kept on %s.%s", noun(first->v.kind), name,
                           first->attr);
    Finding f = first->path /* a field's factory or default, in the class's file */
                    ? finding_in(c, "SL201", st, message, st,
                                 "the one instance, made here at import", first->at,
                                 first->path, note)
                    : finding_in(c, "SL201", st, message, first->at, note, NULL, NULL, NULL);
    const char *rpath;
    const Binding *b = scope_lookup(c->env->scopes, scope_module(c->env->scopes), name, NULL);
    const Node *read = b ? request_read(c, b, first->attr, &rpath) : NULL;
    if (read) {
        TraceStep *t = &f.trace[f.ntrace++];
        t->path = rpath;
        t->line = read->lineno;
        t->col = read->col_offset;
        t->note = msg(c->k->a, "a request reads %s.%s here", name, first->attr);
    }
    diag_add(c->k->out, &f);
}

/* Module-level `name = Class()` that functions read: one object for the
 * process, so a session its methods keep on self is shared.  The class may
 * be another module's (imported, or re-exported by a package's
 * __init__): its methods are read in their own module's scopes.  The
 * finding goes to the instance, once per class, with the store as witness:
 * the instance is what is shared, as kept_at_import says of a record
 * class's. */
static void singletons(Check *c, const Node *module)
{
    const Scope *ms = scope_module(c->env->scopes);
    const Node *seen[16];
    int nseen = 0;
    const NodeList *body = &module->v.Module.body;
    for (int i = 0; i < body->n; i++) {
        const Node *target, *value;
        if (!ast_single_assign(body->items[i], &target, &value) || target->kind != NODE_Name ||
            value->kind != NODE_Call)
            continue;
        Val v = flow_value(c->scratch, c->env, ms, value);
        const Node *cls = v.tag == VAL_OBJECT ? v.node : NULL;
        const Binding *b = scope_lookup(c->env->scopes, ms, target->v.Name.id, NULL);
        const ScopeTable *ct = cls ? value_table_of(c->env->values, cls) : NULL;
        if (!ct || !scope_of(ct, cls) || !b ||
            !(fastapi_reads_binding(c->fa, b) || fastapi_function_reads(c->fa, b)))
            continue;
        kept_at_import(c, body->items[i], target->v.Name.id, value, cls);
        int dup = 0;
        for (int k = 0; k < nseen; k++)
            dup |= seen[k] == cls;
        if (dup || nseen == 16)
            continue;
        seen[nseen++] = cls;
        int here = ct == c->env->scopes;
        if (here && singleton_used(c, cls))
            continue; /* singleton_classes says it */
        if (!here && !fastapi_reads_binding(c->fa, b))
            continue; /* another module's class: only when request code reads the instance
                         (a command's or a script's one object serves one run; a limit) */
        SelfStore w = {c, NULL, NULL, msg(c->k->a, "`%s`", target->v.Name.id),
                       msg(c->k->a, "`%s` is the one `%s` of the process", target->v.Name.id,
                           cls->v.ClassDef.name),
                       NULL, NULL, NULL, cls, 0, ct, body->items[i], 0, NULL};
        self_stores(&w, cls);
    }
}

/*
 * A singleton class: one whose every call `Cls()` gives the one instance
 * of the process, so that what its methods keep on self is shared as a
 * module-level instance's is (above).  Three ways a class makes itself
 * so, each a function that keeps what it makes in a store outliving the
 * call (an attribute or an item: `cls._instances[cls] = ...`,
 * `cls._instance = ...`, a closure's `instances[cls] = ...`):
 *   - its metaclass (a class of the project) whose `__call__` keeps what
 *     `super().__call__(...)` (`type.__call__`) makes;
 *   - its own `__new__` keeping what `super().__new__(cls)` makes;
 *   - a decorator of the project on it, whose body (or the wrapper it
 *     returns) keeps what calling the decorated class makes.
 * A metaclass with no such `__call__` (ABCMeta, a registry recording the
 * classes it makes) is no singleton.  Limits: a cache kept under a name
 * (`global _inst; _inst = ...`), a `__new__` inherited from a base, and a
 * class of a nested scope are not followed.
 */
enum { SINGLE_META, SINGLE_NEW, SINGLE_DECO };

typedef struct Keeps {
    int how;
    const char *param;  /* SINGLE_DECO: the decorator's parameter, the class */
    const Node *store;  /* the store found */
    int depth;
} Keeps;

static void keeps_kid(Node *parent, Node *n, void *arg)
{
    Keeps *w = arg;
    (void)parent;
    const Node *target, *value;
    if (w->store || w->depth > WALK_MAX_DEPTH)
        return;
    if (ast_single_assign(n, &target, &value) &&
        (target->kind == NODE_Attribute || target->kind == NODE_Subscript) &&
        value->kind == NODE_Call) {
        const Node *f = value->v.Call.func;
        const char *want = w->how == SINGLE_META ? "__call__" : "__new__";
        if (w->how == SINGLE_DECO ? f->kind == NODE_Name && !strcmp(f->v.Name.id, w->param)
                                  : f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, want))
            w->store = n;
        return;
    }
    w->depth++;
    ast_children(n, keeps_kid, w); /* nested defs too: a decorator's wrapper */
    w->depth--;
}

/* Where def keeps the instance it makes (how: SINGLE_*), or NULL. */
static const Node *keeps_instance(const Node *def, int how)
{
    const Node *p0 = def && is_func(def) ? ast_param(def, 0) : NULL;
    if (!p0)
        return NULL;
    Keeps w = {how, p0->v.arg.arg, NULL, 0};
    for (int i = 0; i < def->v.FunctionDef.body.n && !w.store; i++)
        keeps_kid(NULL, def->v.FunctionDef.body.items[i], &w);
    return w.store;
}

/* Is cls (of this module) a singleton class?  Then w's mechanism: where
 * the instance is kept, its file, and the witness note. */
static int singleton_class(Check *c, const Node *cls, SelfStore *w)
{
    const Scope *ms = scope_module(c->env->scopes);
    const Node *meta = ast_keyword(cls, "metaclass");
    Val mv = meta ? flow_value(c->scratch, c->env, ms, meta) : (Val){0};
    const Node *at = mv.tag == VAL_CLASS && mv.node
                         ? keeps_instance(ast_method_named(mv.node, "__call__"), SINGLE_META) : NULL;
    if (at) {
        w->mech = at;
        w->mech_path = value_path_of(c->env->values, mv.node);
        w->subject = msg(c->k->a, "`%s` is a singleton (its metaclass `%s` keeps the one "
                                  "instance its `__call__` makes), so every `%s()` is the one "
                                  "object of the process",
                         cls->v.ClassDef.name, mv.node->v.ClassDef.name, cls->v.ClassDef.name);
        w->mech_note = msg(c->k->a, "the metaclass `%s` keeps each class's one instance here",
                           mv.node->v.ClassDef.name);
        return 1;
    }
    int is_meta = 0; /* a metaclass's `__new__` makes classes: a registry of them */
    for (int i = 0; i < cls->v.ClassDef.bases.n; i++) {
        const Node *b = cls->v.ClassDef.bases.items[i];
        is_meta |= b->kind == NODE_Name && !strcmp(b->v.Name.id, "type");
    }
    if (!is_meta && (at = keeps_instance(ast_method_named(cls, "__new__"), SINGLE_NEW))) {
        w->mech = at;
        w->subject = msg(c->k->a, "`%s` is a singleton (its `__new__` keeps the one instance it "
                                  "makes), so every `%s()` is the one object of the process",
                         cls->v.ClassDef.name, cls->v.ClassDef.name);
        w->mech_note = "`__new__` keeps the one instance here";
        return 1;
    }
    for (int i = 0; i < cls->v.ClassDef.decorator_list.n; i++) {
        const Node *d = cls->v.ClassDef.decorator_list.items[i];
        Val dv = d->kind == NODE_Name || d->kind == NODE_Attribute
                     ? flow_value(c->scratch, c->env, ms, d) : (Val){0};
        if (dv.tag != VAL_FUNC || !(at = keeps_instance(dv.node, SINGLE_DECO)))
            continue;
        w->mech = at;
        w->mech_path = value_path_of(c->env->values, dv.node);
        w->subject = msg(c->k->a, "`%s` is a singleton (its decorator `@%s` keeps the one "
                                  "instance it makes), so every `%s()` is the one object of the "
                                  "process",
                         cls->v.ClassDef.name, dv.node->v.FunctionDef.name,
                         cls->v.ClassDef.name);
        w->mech_note = msg(c->k->a, "`@%s` keeps the one instance here",
                           dv.node->v.FunctionDef.name);
        return 1;
    }
    return 0;
}

/* Is cls (a class of this module) one that functions use, to get its
 * instance? */
static int class_used(Check *c, const Node *cls)
{
    const Binding *b = scope_lookup(c->env->scopes, scope_module(c->env->scopes),
                                    cls->v.ClassDef.name, NULL);
    return b && (fastapi_reads_binding(c->fa, b) || fastapi_function_reads(c->fa, b));
}

/* Is cls a singleton class that functions use (singleton_classes reports it)? */
static int singleton_used(Check *c, const Node *cls)
{
    SelfStore w = {0};
    return class_used(c, cls) && singleton_class(c, cls, &w);
}

/* The singleton classes of the module that functions use: what their
 * methods keep on self is shared by every caller. */
static void singleton_classes(Check *c, const Node *module)
{
    const NodeList *body = &module->v.Module.body;
    for (int i = 0; i < body->n; i++) {
        const Node *cls = body->items[i];
        if (cls->kind != NODE_ClassDef || !class_used(c, cls))
            continue;
        SelfStore w = {c, NULL, NULL, msg(c->k->a, "`%s()`", cls->v.ClassDef.name), NULL, NULL,
                       NULL, NULL, cls, 0, NULL, NULL, 0, NULL};
        if (singleton_class(c, cls, &w))
            self_stores(&w, cls);
    }
}

/* Is the Name e bound at module level to FastAPI() or Starlette()? */
static int names_app(const Check *c, const Node *e)
{
    const Scope *ms = scope_module(c->env->scopes);
    const Binding *b = scope_lookup(c->env->scopes, ms, e->v.Name.id, NULL);
    char buf[128];
    if (!b || !b->value || b->value->kind != NODE_Call)
        return 0;
    size_t n = scope_qualname_buf(c->env->scopes, ms, b->value->v.Call.func, buf, sizeof buf);
    return n && n < sizeof buf &&
           (!strcmp(buf, "fastapi.FastAPI") || !strcmp(buf, "fastapi.applications.FastAPI") ||
            !strcmp(buf, "starlette.applications.Starlette"));
}

/* `app.state.x`, `request.app.state.x`: x, else NULL. */
static const char *app_state_target(const Check *c, const Node *t)
{
    const char *attr = fastapi_state_attr(t);
    if (!attr)
        return NULL;
    const Node *base = t->v.Attribute.value->v.Attribute.value;
    int app = (base->kind == NODE_Name && (!strcmp(base->v.Name.id, "app") || names_app(c, base))) ||
              (base->kind == NODE_Attribute && !strcmp(base->v.Attribute.attr, "app"));
    return app ? attr : NULL;
}

typedef struct Body {
    Check *c;
    const Node *func;
    const Scope *s;
    int roles;
    int depth;
    int scoped_done; /* a scoped_session call was reported in this function */
} Body;

static void body_kid(Node *parent, Node *n, void *arg);

/* Is e a test that name is not set yet: `name is None`, `not name`? */
static int unset_test(const Node *e, const char *name)
{
    if (e->kind == NODE_UnaryOp && e->v.UnaryOp.op == UNARYOP_Not)
        e = e->v.UnaryOp.operand;
    else if (e->kind == NODE_Compare && e->v.Compare.ops.n == 1 &&
             e->v.Compare.ops.items[0] == CMP_Is &&
             e->v.Compare.comparators.items[0]->kind == NODE_Constant &&
             e->v.Compare.comparators.items[0]->v.Constant.value.kind == CONST_NONE)
        e = e->v.Compare.left;
    else
        return 0;
    return e->kind == NODE_Name && !strcmp(e->v.Name.id, name);
}

/* Is st under an `if <name> is None:` (or `if not <name>:`) of its
 * function: made the first time it is needed, then handed out again? */
typedef struct Lazy {
    const Node *st;
    const char *name;
    int found, depth;
} Lazy;

static void lazy_kid(Node *parent, Node *n, void *arg)
{
    Lazy *l = arg;
    (void)parent;
    if (l->found || l->depth > WALK_MAX_DEPTH || is_func(n) || n->kind == NODE_ClassDef)
        return;
    if (n->kind == NODE_If && unset_test(n->v.If.test, l->name)) {
        for (int i = 0; i < n->v.If.body.n && !l->found; i++)
            l->found = ast_encloses(n->v.If.body.items[i], l->st);
        if (l->found)
            return;
    }
    l->depth++;
    ast_children(n, lazy_kid, l);
    l->depth--;
}

static int lazy_global(const Node *func, const Node *st, const char *name)
{
    Lazy l = {st, name, 0, 0};
    if (func && func->kind != NODE_Lambda)
        for (int i = 0; i < func->v.FunctionDef.body.n; i++)
            lazy_kid(NULL, func->v.FunctionDef.body.items[i], &l);
    return l.found;
}

/* Is func, a module-level function, called (named) by two functions of the
 * project or more: the units of work that share what it hands out? */
static int getter_shared(Check *c, const Node *func)
{
    const Scope *ms = scope_module(c->env->scopes);
    const Binding *g = func && func->kind != NODE_Lambda
                           ? scope_lookup(c->env->scopes, ms, func->v.FunctionDef.name, NULL)
                           : NULL;
    return g && g->def == func && fastapi_read_by_several(c->fa, g);
}

/* An assignment in a function: to a global read by request code, or made
 * the first time a function of the project needs it; or to app.state. */
static void assignment(Body *b, const Node *st)
{
    Check *c = b->c;
    const Node *value = st->kind == NODE_Assign ? st->v.Assign.value : st->v.AnnAssign.value;
    const Node *target = st->kind == NODE_Assign
                             ? (st->v.Assign.targets.n == 1 ? st->v.Assign.targets.items[0] : NULL)
                             : st->v.AnnAssign.target;
    if (!target || !value)
        return;
    if (target->kind == NODE_Name) {
        const Scope *where = NULL;
        const Binding *g = scope_lookup(c->env->scopes, b->s, target->v.Name.id, &where);
        if (!g || !where || where->kind != SCOPE_MODULE || b->s->kind == SCOPE_MODULE)
            return;
        int requests = fastapi_reads_binding(c->fa, g);
        if (!requests && !(lazy_global(b->func, st, target->v.Name.id) && getter_shared(c, b->func)))
            return; /* a global a script or a worker sets up is its own business */
        int kind = made(c, b->s, value);
        if (kind != RES_NONE && requests)
            add(c, "SL201", st,
                msg(c->k->a, "%s stored in the global `%s` is shared by every request that uses "
                             "it; make one per request (a dependency that yields it)",
                    noun(kind), target->v.Name.id),
            NULL, msg(c->k->a, "%s made here and kept in a global", noun(kind)), NULL, NULL);
        else if (kind != RES_NONE)
            add(c, "SL201", st,
                msg(c->k->a, "%s stored in the global `%s` the first time `%s()` runs is "
                             "handed to every later caller, in whatever thread or task they "
                             "run; make one per unit of work (a `with` block of the "
                             "sessionmaker, or a scoped_session)",
                    noun(kind), target->v.Name.id, b->func->v.FunctionDef.name),
                NULL, msg(c->k->a, "%s made here, once, and kept in a global", noun(kind)),
                NULL, NULL);
        return;
    }
    const char *attr = app_state_target(c, target);
    if (!attr || !fastapi_reads_app_state(c->fa, attr))
        return;
    int kind = made(c, b->s, value);
    if (kind != RES_NONE)
        add(c, "SL201", st,
            msg(c->k->a, "%s stored on app.state.%s is shared by every request that reads it; %s",
                noun(kind), attr, remedy(kind)),
            NULL, msg(c->k->a, "%s made here and kept on the application", noun(kind)), NULL, NULL);
}

/* `yield {"db": session}` in a lifespan: Starlette copies that state into
 * every request's request.state, so each request gets the same session. */
static void lifespan_state(Body *b, const Node *y)
{
    const Node *d = y->v.Yield.value;
    if (!(b->roles & FASTAPI_STARTUP) || !d || d->kind != NODE_Dict)
        return;
    for (int i = 0; i < d->v.Dict.values.n; i++) {
        const Node *k = d->v.Dict.keys.items[i], *v = d->v.Dict.values.items[i];
        int kind = made(b->c, b->s, v);
        if (kind == RES_NONE || !k || k->kind != NODE_Constant || k->v.Constant.value.kind != CONST_STR)
            continue;
        add(b->c, "SL201", v,
            msg(b->c->k->a, "%s yielded as lifespan state \"%s\" is copied into every request's "
                            "request.state: all requests share it; %s",
                noun(kind), k->v.Constant.value.s, remedy(kind)),
            NULL, msg(b->c->k->a, "%s kept as application state here", noun(kind)), NULL, NULL);
    }
}

/* Finds `<registry>.remove()` and yields in a function's own body. */
typedef struct Teardown {
    const char *registry;
    int removes, yields;
    int depth;
} Teardown;

static void teardown_kid(Node *parent, Node *n, void *arg)
{
    Teardown *t = arg;
    (void)parent;
    if (t->depth > WALK_MAX_DEPTH || is_func(n) || n->kind == NODE_Lambda || n->kind == NODE_ClassDef)
        return;
    if (n->kind == NODE_Yield || n->kind == NODE_YieldFrom)
        t->yields = 1;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        !strcmp(n->v.Call.func->v.Attribute.attr, "remove") &&
        n->v.Call.func->v.Attribute.value->kind == NODE_Name &&
        !strcmp(n->v.Call.func->v.Attribute.value->v.Name.id, t->registry))
        t->removes = 1;
    t->depth++;
    ast_children(n, teardown_kid, t);
    t->depth--;
}

/* Does the sync function func remove the registry before it ends, on the
 * thread it runs on?  Not if it yields as a FastAPI dependency: FastAPI runs
 * a generator's setup and teardown as separate threadpool calls.  A
 * context manager entered by a sync step runs on that step's thread. */
static int removes_itself(const Node *func, const char *registry, int roles)
{
    Teardown t = {registry, 0, 0, 0};
    ast_children((Node *)func, teardown_kid, &t);
    return t.removes &&
           !(t.yields && (roles & (FASTAPI_PROVIDER | FASTAPI_PROVIDER_FN | FASTAPI_UNNAMED_GEN)));
}

/* Is e the name or the `a.b` written text? */
static int written(const Node *e, const char *text)
{
    if (e->kind == NODE_Name)
        return !strcmp(e->v.Name.id, text);
    if (e->kind != NODE_Attribute || e->v.Attribute.value->kind != NODE_Name)
        return 0;
    size_t n = strlen(e->v.Attribute.value->v.Name.id);
    return !strncmp(text, e->v.Attribute.value->v.Name.id, n) && text[n] == '.' &&
           !strcmp(text + n + 1, e->v.Attribute.attr);
}

/* Finds `<registry>.remove()` anywhere in a definition, nested ones too
 * (a decorator's wrapper). */
typedef struct AnyRemove {
    const char *registry;
    int found, depth;
} AnyRemove;

static void any_remove_kid(Node *parent, Node *n, void *arg)
{
    AnyRemove *w = arg;
    (void)parent;
    if (w->found || w->depth > WALK_MAX_DEPTH)
        return;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        !strcmp(n->v.Call.func->v.Attribute.attr, "remove") &&
        written(n->v.Call.func->v.Attribute.value, w->registry)) {
        w->found = 1;
        return;
    }
    w->depth++;
    ast_children(n, any_remove_kid, w);
    w->depth--;
}

/* ------------------------------------------ SL201 units of work on a thread */

/*
 * A unit of work that runs on a thread of its own: a worker's task (on one
 * of the worker's long-lived threads), a function started as a thread's
 * target (`threading.Thread(target=f)`: one thread, which ends with it) or
 * handed to a pool of threads (`executor.submit(f)`, `loop.run_in_executor(
 * None, f)`, `asyncio.to_thread(f)`: a pool thread, which runs the next job
 * after it).  One that uses a thread-scoped registry, itself or through the
 * project's functions it calls (`self.bind_session()` keeping the thread's
 * session on self), and does not remove it, itself or through them, leaves
 * that thread's session behind.
 */
enum { UNIT_NONE, UNIT_TASK, UNIT_THREAD, UNIT_POOL,
       UNIT_DEFERRED, /* run by Tornado's IOLoop after the handler returned (SL202) */
       UNIT_ATASK     /* an asyncio task's coroutine: a key of its own for current_task
                         (scope_check only; it shares the loop's thread) */ };

#define MAX_UNITS 64    /* thread targets noted per module */
#define MAX_HELPERS 3   /* calls followed into the project's functions */
#define MAX_VISITED 32  /* functions read per question */

/* A registry: a module-level binding (`db_session`, Flask-SQLAlchemy's `db`
 * for `db.session`), an attribute of a class (`self.registry`), or one the
 * value model knows as the process's one object (value.h: Val.once) however
 * it is reached: `get_manager().registry` of an @lru_cache'd getter, a
 * local bound to one (k1 NULL: `made` alone says which). */
typedef struct RegKey {
    const Node *made; /* the scoped_session(...) call, if known: the registry itself */
    const ScopeTable *home; /* the table of the module defining k1 (a Binding), or NULL */
    const void *k1; /* a Binding, or a class's Scope, or NULL (by made alone) */
    const char *k2; /* the attribute, or NULL (k1 a Binding) */
    int flask;      /* Flask-SQLAlchemy's db.session (k1: db) */
} RegKey;

typedef struct Units {
    const Node *def[MAX_UNITS];
    int kind[MAX_UNITS]; /* UNIT_THREAD, UNIT_POOL */
    unsigned char many[MAX_UNITS]; /* started per unit of work or per item of a loop:
                                      several run at once */
    unsigned char sched[MAX_UNITS]; /* a scheduler's job: it runs again and again on the
                                       scheduler's threads while its starter goes on */
    const Node *from[MAX_UNITS];    /* the function whose call starts it, or NULL */
    unsigned char copies[MAX_UNITS]; /* started by asyncio.to_thread, which copies the
                                        starter's context (its ContextVars) into the job */
    int n;
} Units;

static Val val_in(Check *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    return value_of(c->env->values, c->scratch, t, s, e);
}

/* Are the sessions of Flask-SQLAlchemy's db.session kept per thread?
 * Before 3.0 (its scopefunc is the thread's or greenlet's ident); from 3.0
 * per application context, which each task must push (and whose teardown
 * removes it).  Unpinned: the newest. */
static int flask_per_thread(const Check *c)
{
    return c->facts && c->facts->flask_sqlalchemy.major >= 0 &&
           c->facts->flask_sqlalchemy.major < 3;
}

/* The module-level binding name (in scope s of t) leads to, through
 * imports; the table of the module that binds it in *home (may be NULL). */
static const Binding *module_binding(Check *c, const ScopeTable *t, const Scope *s,
                                     const char *name, const ScopeTable **home)
{
    const Binding *b = scope_lookup(t, s, name, NULL);
    const ScopeTable *h = t;
    if (b && b->kind == BIND_IMPORT && b->qualname && c->env->resolve) {
        FlowDef d = {0};
        b = c->env->resolve(c->env->resolve_arg, b->qualname, &d) ? d.binding : NULL;
        h = d.scopes;
    }
    if (home)
        *home = h;
    return b;
}

/* Is e (in scope s of t) a registry keyed by the thread (own == 0), or by
 * its own scopefunc or the task (own == 1)?  Its key in *k. */
static int registry_at(Check *c, const ScopeTable *t, const Scope *s, const Node *e, RegKey *k,
                       int own)
{
    if (e->kind != NODE_Name && e->kind != NODE_Attribute)
        return 0;
    Val v = val_in(c, t, s, e);
    if (v.tag != VAL_FACTORY || v.kind != FAC_SCOPED ||
        !(own ? v.sub == SCOPED_OWN || v.sub == SCOPED_SHARED
              : v.sub == SCOPED_THREAD || (v.sub == SCOPED_FLASK && flask_per_thread(c))))
        return 0;
    k->made = v.node;
    k->home = NULL;
    k->k1 = NULL;
    k->k2 = NULL;
    k->flask = v.sub == SCOPED_FLASK;
    if (v.once && v.node && !k->flask)
        return 1; /* the process's one registry, through whatever holds it */
    if (e->kind == NODE_Name) {
        k->k1 = module_binding(c, t, s, e->v.Name.id, &k->home);
        return k->k1 != NULL;
    }
    const Node *o = e->v.Attribute.value;
    if (o->kind != NODE_Name)
        return 0;
    const Node *fn = s->kind == SCOPE_FUNCTION ? s->node : NULL;
    const Node *args = fn ? fn->v.FunctionDef.args : NULL;
    if (!k->flask && args && args->v.arguments.args.n > 0 && s->parent &&
        s->parent->kind == SCOPE_CLASS &&
        !strcmp(args->v.arguments.args.items[0]->v.arg.arg, o->v.Name.id)) {
        k->k1 = s->parent; /* self.registry: the class's */
        k->k2 = e->v.Attribute.attr;
        return 1;
    }
    char buf[256];
    size_t n = k->flask ? 0 : scope_qualname_buf(t, s, e, buf, sizeof buf);
    FlowDef d = {0};
    if (n && n < sizeof buf && c->env->resolve && c->env->resolve(c->env->resolve_arg, buf, &d)) {
        k->k1 = d.binding; /* dbmodule.Session */
        k->home = d.scopes;
    } else if (k->flask)
        k->k1 = module_binding(c, t, s, o->v.Name.id, NULL); /* db.session: db's */
    return k->k1 != NULL;
}

static int same_registry(const RegKey *a, const RegKey *b)
{
    if (a->made && b->made)
        return a->made == b->made;
    return a->k1 == b->k1 && a->k2 == b->k2;
}

/* The Flask-SQLAlchemy db whose Model cls derives from (`class
 * Workflow(BaseModel)`, `class BaseModel(db.Model)`), or NULL. */
static const Binding *flask_model_db(Check *c, const Node *cls, int depth)
{
    const ScopeTable *t = cls && depth < 8 ? value_table_of(c->env->values, cls) : NULL;
    const Scope *cs = t ? scope_of(t, cls) : NULL;
    for (int i = 0; cs && i < cls->v.ClassDef.bases.n; i++) {
        const Node *base = cls->v.ClassDef.bases.items[i];
        const Scope *outer = cs->parent ? cs->parent : cs;
        Val b = val_in(c, t, outer, base);
        if (b.tag == VAL_QUAL && b.qual && !strcmp(b.qual, MODEL_FLASK_MODEL) &&
            base->kind == NODE_Attribute && base->v.Attribute.value->kind == NODE_Name)
            return module_binding(c, t, outer, base->v.Attribute.value->v.Name.id, NULL);
        const Binding *db = b.tag == VAL_CLASS ? flask_model_db(c, b.node, depth + 1) : NULL;
        if (db)
            return db;
    }
    return NULL;
}

/* `Model.query` of a Flask-SQLAlchemy model, per thread: its db in *k. */
static int flask_query(Check *c, const ScopeTable *t, const Scope *s, const Node *e, RegKey *k)
{
    if (e->kind != NODE_Attribute || strcmp(e->v.Attribute.attr, "query") ||
        ast_ctx(e) != CTX_Load || !flask_per_thread(c))
        return 0;
    Val v = val_in(c, t, s, e->v.Attribute.value);
    k->k1 = v.tag == VAL_CLASS ? flask_model_db(c, v.node, 0) : NULL;
    k->k2 = NULL;
    k->made = NULL;
    k->home = NULL;
    k->flask = 1;
    return k->k1 != NULL;
}

/* The registry as written, for messages: `db_session`, `self.registry`. */
static const char *reg_text(Check *c, const Node *e)
{
    if (e->kind == NODE_Name)
        return e->v.Name.id;
    if (e->kind == NODE_Attribute && e->v.Attribute.value->kind == NODE_Name)
        return msg(c->k->a, "%s.%s", e->v.Attribute.value->v.Name.id, e->v.Attribute.attr);
    return "the registry";
}

/* A walk over a function's body and, MAX_HELPERS calls deep, the bodies of
 * the project's functions it calls: the first use of a thread-scoped
 * registry (find == NULL), or a remove() or close() of the registry find;
 * or (once) the first read of the process's one session or connection
 * (value.h: Val.once): a module-level name, or `self.session` of a class
 * attribute that copies it (only a name or `name.attr` is asked about). */
typedef struct RegWalk {
    Check *c;
    const ScopeTable *t;
    const Scope *s;
    const RegKey *find; /* NULL: looking for a use */
    int own;            /* registries keyed by their scopefunc or the task, not the thread */
    int need_fin;       /* find: only a remove() run on every way out counts */
    int remove_only;    /* find: a close() does not count (it leaves the key's entry) */
    int fin;            /* in a finally, or a with item (its exit runs on every way out) */
    RegKey key;         /* the registry used */
    const Node *at;     /* the use (or the removal) found, in the outermost body */
    const char *what;   /* the registry as written where it is used */
    const Node *via;    /* the project function that uses it, or NULL: directly */
    const Node *query;  /* the `Model.query` that uses it, or NULL */
    int once;           /* looking for the process's one session instead */
    Val one;            /* ... its value, once found */
    int scoped;         /* once: inside a scope that sets a ContextVar (a `with` of the
                           project's context manager that sets one, or the unit sets one) */
    int by_key;         /* once: what was found is a registry whose key outside a scope is
                           one constant (SCOPED_SHARED), not a module-level session */
    const Node **seen;  /* the functions read (shared by the nested walks) */
    int *nseen;
    int level, depth;
} RegWalk;

static void reg_walk_kid(Node *parent, Node *n, void *arg);
static const Node *opens_in(Check *c, const ScopeTable *t, const Scope *s, const Node *func,
                            const Node **var, int level);

/* Does a `with` item of n (a With or an AsyncWith) enter a context manager
 * of the project that sets a ContextVar (opens_in, MAX_HELPERS deep)?
 * Its block runs in a scope of its own (`with db.database_scope():`). */
static int with_opens(Check *c, const ScopeTable *t, const Scope *s, const Node *n)
{
    const NodeList *items = n->kind == NODE_With ? &n->v.With.items : &n->v.AsyncWith.items;
    for (int i = 0; i < items->n; i++) {
        const Node *e = items->items[i]->v.withitem.context_expr;
        Val v = e->kind == NODE_Call ? val_in(c, t, s, e->v.Call.func) : (Val){0};
        const ScopeTable *dt = v.tag == VAL_FUNC && v.node && is_func(v.node)
                                   ? value_table_of(c->env->values, v.node)
                                   : NULL;
        const Scope *ds = dt ? scope_of(dt, v.node) : NULL;
        const Node *var = NULL;
        if (ds && opens_in(c, dt, ds, v.node, &var, 1))
            return 1;
    }
    return 0;
}

/* Finds a commit(), and a rollback() in an except handler, in a body. */
typedef struct TxScan {
    int commits, rolls_back, in_handler, depth;
} TxScan;

static void tx_kid(Node *parent, Node *n, void *arg)
{
    TxScan *x = arg;
    (void)parent;
    if (x->depth > WALK_MAX_DEPTH || ast_is_def(n) || n->kind == NODE_Lambda)
        return;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute) {
        const char *m = n->v.Call.func->v.Attribute.attr;
        x->commits |= !strcmp(m, "commit");
        x->rolls_back |= x->in_handler && !strcmp(m, "rollback");
    }
    int saved = x->in_handler;
    x->in_handler |= n->kind == NODE_ExceptHandler;
    x->depth++;
    ast_children(n, tx_kid, x);
    x->depth--;
    x->in_handler = saved;
}

/* Is def a context manager that ends the transaction of the session it
 * lends on both ways out (commit after its yield, rollback in a handler)?
 * What it leaves in the registry holds no connection and no failed state. */
static int transaction_scope(const Node *def)
{
    if (!ast_decorated(def, "contextmanager") && !ast_decorated(def, "asynccontextmanager"))
        return 0;
    TxScan x = {0, 0, 0, 0};
    for (int i = 0; i < def->v.FunctionDef.body.n; i++)
        tx_kid(NULL, def->v.FunctionDef.body.items[i], &x);
    return x.commits && x.rolls_back;
}

/* Follows call into the project's function it calls, if not read yet. */
static int reg_follow(RegWalk *w, const Node *call)
{
    if (w->level >= MAX_HELPERS || *w->nseen >= MAX_VISITED)
        return 0;
    Val f = val_in(w->c, w->t, w->s, call->v.Call.func);
    const Node *def = f.tag == VAL_FUNC ? f.node : NULL;
    const ScopeTable *dt = def && is_func(def) ? value_table_of(w->c->env->values, def) : NULL;
    const Scope *ds = dt ? scope_of(dt, def) : NULL;
    for (int i = 0; ds && i < *w->nseen; i++)
        if (w->seen[i] == def)
            return 0;
    if (!ds || (!w->find && !w->once && transaction_scope(def)))
        return 0;
    w->seen[(*w->nseen)++] = def;
    RegWalk in = *w;
    in.t = dt;
    in.s = ds;
    in.at = NULL;
    in.level = w->level + 1;
    in.depth = 0;
    for (int i = 0; i < def->v.FunctionDef.body.n && !in.at; i++)
        reg_walk_kid(NULL, def->v.FunctionDef.body.items[i], &in);
    if (!in.at)
        return 0;
    w->key = in.key;
    w->what = in.what;
    w->one = in.one;
    w->by_key = in.by_key;
    w->via = def; /* the function this body calls */
    w->query = NULL;
    return 1;
}

/* A read of the process's one session or connection at n (RegWalk.once):
 * a module-level one, or, outside any scope, the session of a registry
 * whose scopefunc gives one constant key there (value.c: SCOPED_SHARED),
 * which every thread and task outside a scope gets. */
static int once_use(RegWalk *w, const Node *n)
{
    if (n->kind != NODE_Name &&
        (n->kind != NODE_Attribute || n->v.Attribute.value->kind != NODE_Name))
        return 0;
    Val v = val_in(w->c, w->t, w->s, n);
    RegKey k;
    int by_key = v.tag == VAL_FACTORY && v.kind == FAC_SCOPED && v.sub == SCOPED_SHARED &&
                 !w->scoped && registry_at(w->c, w->t, w->s, n, &k, 1);
    if (!by_key && (v.tag != VAL_RESOURCE || !v.once || v.kind == RES_ANY))
        return 0;
    if (by_key) {
        w->key = k;
        v.tag = VAL_RESOURCE; /* the session the registry gives them all */
        v.kind = RES_SESSION;
    }
    w->by_key = by_key;
    w->what = reg_text(w->c, n);
    w->one = v;
    return 1;
}

static void reg_walk_kid(Node *parent, Node *n, void *arg)
{
    RegWalk *w = arg;
    (void)parent;
    if (w->at || w->depth > WALK_MAX_DEPTH || ast_is_def(n) || n->kind == NODE_Lambda ||
        (w->once && fastapi_with_lock(w->t, w->s, n)))
        return; /* (the runs take turns under a lock: the one session is theirs in turn) */
    RegKey k;
    if (w->once && (once_use(w, n) || (n->kind == NODE_Call && reg_follow(w, n)))) {
        w->at = n;
        return;
    }
    if (n->kind == NODE_Call && !w->once) {
        const Node *f = n->v.Call.func;
        const char *m = f->kind == NODE_Attribute ? f->v.Attribute.attr : NULL;
        int ends = m && (!strcmp(m, "remove") || (!strcmp(m, "close") && !w->remove_only));
        if (w->find && ends && (w->fin || !w->need_fin) &&
            registry_at(w->c, w->t, w->s, f->v.Attribute.value, &k, w->own) &&
            same_registry(&k, w->find)) {
            w->at = n;
            return;
        }
        const Node *r = w->find || ends                                  ? NULL
                        : registry_at(w->c, w->t, w->s, f, &k, w->own) ? f /* registry() */
                        : m && registry_at(w->c, w->t, w->s, f->v.Attribute.value, &k, w->own)
                            ? f->v.Attribute.value /* registry.query(...) */
                            : NULL;
        if (r) {
            w->at = n;
            w->key = k;
            w->what = reg_text(w->c, r);
            return;
        }
        if (reg_follow(w, n)) {
            w->at = n;
            return;
        }
    }
    if (!w->find && !w->own && !w->once && flask_query(w->c, w->t, w->s, n, &k)) {
        w->at = n;
        w->key = k;
        w->what = msg(w->c->k->a, "%s.session", ((const Binding *)k.k1)->name);
        w->query = n;
        return;
    }
    w->depth++;
    if ((n->kind == NODE_Try || n->kind == NODE_TryStar) && w->need_fin) {
        const NodeList *parts[] = {&n->v.Try.body, &n->v.Try.handlers, &n->v.Try.orelse,
                                   &n->v.Try.finalbody};
        for (int p = 0; p < 4; p++) {
            w->fin += p == 3;
            for (int i = 0; i < parts[p]->n; i++)
                reg_walk_kid(n, parts[p]->items[i], w);
            w->fin -= p == 3;
        }
    } else {
        int scope = w->once && (n->kind == NODE_With || n->kind == NODE_AsyncWith) &&
                    fastapi_scoped_own(w->c->fa) && /* no such registry: no scope to ask */
                    with_opens(w->c, w->t, w->s, n);
        w->fin += n->kind == NODE_withitem;
        w->scoped += scope;
        ast_children(n, reg_walk_kid, w);
        w->scoped -= scope;
        w->fin -= n->kind == NODE_withitem;
    }
    w->depth--;
}

/* Runs w over func's body. */
static void reg_walk(RegWalk *w, const Node *func)
{
    const Node *seen[MAX_VISITED];
    int nseen = 1;
    seen[0] = func;
    w->seen = seen;
    w->nseen = &nseen;
    for (int i = 0; i < func->v.FunctionDef.body.n && !w->at; i++)
        reg_walk_kid(NULL, func->v.FunctionDef.body.items[i], w);
    w->seen = NULL;
}

/* Does a `with <app>.app_context():` in func's own body push an application
 * context for this run, whose teardown removes Flask-SQLAlchemy's session? */
typedef struct CtxScan {
    int found, depth;
} CtxScan;

static void ctx_kid(Node *parent, Node *n, void *arg)
{
    CtxScan *x = arg;
    (void)parent;
    if (x->found || x->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_withitem) {
        const Node *e = n->v.withitem.context_expr;
        x->found = e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute &&
                   !strcmp(e->v.Call.func->v.Attribute.attr, "app_context");
    }
    x->depth++;
    ast_children(n, ctx_kid, x);
    x->depth--;
}

/*
 * Tornado's IOLoop runs a callback on its own thread once the current
 * callback (the handler's method) has returned: `add_callback(fn, ...)`,
 * `spawn_callback(fn, ...)`, `call_later(delay, fn, ...)`, `add_timeout(
 * deadline, fn, ...)`, `call_at(when, fn, ...)`.  The loop is known by
 * the receiver, a call of tornado's (`IOLoop.current()`, `IOLoop.instance()`),
 * not by a name it was kept in: a limit.  The callable passed, in *fn.
 */
static int tornado_defers(Check *c, const Scope *s, const Node *call, const Node **fn)
{
    static const char *const first[] = {"add_callback", "spawn_callback", NULL};
    static const char *const second[] = {"call_later", "add_timeout", "call_at", NULL};
    const Node *f = call->v.Call.func;
    if (f->kind != NODE_Attribute || f->v.Attribute.value->kind != NODE_Call)
        return 0;
    int at = ast_name_in(f->v.Attribute.attr, first) ? 0 : ast_name_in(f->v.Attribute.attr, second) ? 1 : -1;
    if (at < 0 || call->v.Call.args.n <= at)
        return 0;
    char buf[64];
    size_t n = scope_qualname_buf(c->env->scopes, s, f->v.Attribute.value->v.Call.func, buf, sizeof buf);
    if (!n || n >= sizeof buf || strncmp(buf, "tornado.", 8))
        return 0;
    *fn = call->v.Call.args.items[at];
    return 1;
}

/* The function a callable expression runs: itself, or the function a
 * `lambda: f(...)` calls (its only call at the top: a limit). */
static const Node *callee_of_callable(const Node *e)
{
    if (e->kind == NODE_Lambda && e->v.Lambda.body->kind == NODE_Call)
        return e->v.Lambda.body->v.Call.func;
    return e;
}

/* Is e (in scope s) an APScheduler scheduler (value.h: MODEL_SCHEDULER,
 * made here or typed `BaseScheduler`)?  Its jobs run on its executor's
 * pool of threads (ten by default), each again and again by its trigger,
 * beside the thread that added them. */
static int scheduler(Check *c, const Scope *s, const Node *e)
{
    Val v = flow_value(c->scratch, c->env, s, e);
    return v.tag == VAL_QUAL && v.qual && !strcmp(v.qual, MODEL_SCHEDULER);
}

/* `@scheduler.scheduled_job(...)` on def: the def is a scheduler's job. */
static int scheduled(Check *c, const Scope *s, const Node *def)
{
    const NodeList *decs = &def->v.FunctionDef.decorator_list;
    for (int i = 0; i < decs->n; i++) {
        const Node *d = decs->items[i];
        const Node *f = d->kind == NODE_Call ? d->v.Call.func : NULL;
        if (f && f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "scheduled_job") &&
            scheduler(c, s, f->v.Attribute.value))
            return 1;
    }
    return 0;
}

/* The target of a call that starts a thread or hands a job to a pool
 * of threads, or that Tornado's IOLoop runs later, in *target, with its
 * UNIT_* kind; 0 if call is none of them.  *each: the call itself runs
 * the target several times at once (a subscriber's callback, a pool's map:
 * fastapi_callback_at_once); 2: a scheduler's job (`add_job(f, trigger)`,
 * `add_job(func=f)`), run again and again while the starter goes on; 3: a
 * job that gets a copy of the starter's context (asyncio.to_thread). */
static int starts(Check *c, const Scope *s, const Node *call, const Node **target, int *each)
{
    const Node *f = call->v.Call.func;
    const NodeList *args = &call->v.Call.args;
    const char *last = f->kind == NODE_Attribute ? f->v.Attribute.attr
                       : f->kind == NODE_Name    ? f->v.Name.id
                                                 : "";
    char buf[64];
    size_t n = 0;
    *target = NULL;
    *each = 0;
    if ((*target = fastapi_callback_at_once(c->env->scopes, s, call)) != NULL) {
        *each = 1;
        return UNIT_POOL;
    }
    if (!strcmp(last, "Thread") || !strcmp(last, "to_thread")) /* the name first: cheap */
        n = scope_qualname_buf(c->env->scopes, s, f, buf, sizeof buf);
    const char *q = n && n < sizeof buf ? buf : "";
    if (!strcmp(q, "threading.Thread")) {
        for (int i = 0; i < call->v.Call.keywords.n; i++) {
            const Node *k = call->v.Call.keywords.items[i];
            if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "target"))
                *target = k->v.keyword.value;
        }
        if (!*target && args->n > 1) /* Thread(group, target) */
            *target = args->items[1];
        return *target ? UNIT_THREAD : UNIT_NONE;
    }
    if (tornado_defers(c, s, call, target)) {
        *target = callee_of_callable(*target);
        return UNIT_DEFERRED;
    }
    if ((!strcmp(last, "create_task") || !strcmp(last, "ensure_future")) && args->n > 0 &&
        args->items[0]->kind == NODE_Call && fastapi_scoped_own(c->fa)) {
        *target = args->items[0]->v.Call.func; /* create_task(work(...)), loop's or a group's */
        return UNIT_ATASK;
    }
    if (!strcmp(last, "add_job") && f->kind == NODE_Attribute &&
        scheduler(c, s, f->v.Attribute.value)) {
        const Node *fn = ast_keyword(call, "func");
        *target = fn ? fn : args->n > 0 ? args->items[0] : NULL;
        *each = 2;
        return *target ? UNIT_POOL : UNIT_NONE;
    }
    if (!strcmp(q, "asyncio.to_thread") && args->n > 0) {
        *target = args->items[0];
        *each = 3;
    }
    else if (f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "run_in_executor") &&
             args->n > 1)
        *target = args->items[1];
    else if (f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "submit") && args->n > 0) {
        Val e = flow_value(c->scratch, c->env, s, f->v.Attribute.value);
        if (e.tag == VAL_FACTORY && e.kind == FAC_EXECUTOR)
            *target = args->items[0];
    }
    return *target ? UNIT_POOL : UNIT_NONE;
}

/* Notes the functions of this module that calls in the module start as
 * threads or pool jobs. */
typedef struct StartScan {
    Check *c;
    Units *u;
    const Scope *s;
    int loops; /* loops and comprehensions around the node, in its function */
    int depth;
} StartScan;

static void start_kid(Node *parent, Node *n, void *arg)
{
    StartScan *x = arg;
    (void)parent;
    if (x->depth > WALK_MAX_DEPTH)
        return;
    const Scope *outer = x->s;
    int loops = x->loops;
    if (ast_is_def(n) || n->kind == NODE_Lambda) {
        const Scope *in = scope_of(x->c->env->scopes, n);
        x->s = in ? in : outer;
        x->loops = 0;
    }
    const Node *target = n;
    int each = 2;
    int kind = n->kind == NODE_Call ? starts(x->c, x->s, n, &target, &each)
               : n->kind == NODE_FunctionDef && n->v.FunctionDef.decorator_list.n &&
                       scheduled(x->c, outer, n)
                   ? UNIT_POOL /* @scheduler.scheduled_job(...) */
                   : UNIT_NONE;
    if (n->kind == NODE_Call && x->c->servers)
        workers_call(&x->c->work, x->s, n); /* SL201 */
    if (kind) {
        Val v = target == n ? (Val){.tag = VAL_FUNC, .node = n} /* the decorated def */
                            : flow_value(x->c->scratch, x->c->env, x->s, target);
        if (v.tag == VAL_FUNC && v.node && is_func(v.node) && x->u->n < MAX_UNITS &&
            value_table_of(x->c->env->values, v.node) == x->c->env->scopes) {
            int k = 0;
            while (k < x->u->n && x->u->def[k] != v.node)
                k++;
            if (k == x->u->n) {
                x->u->def[x->u->n] = v.node;
                x->u->kind[x->u->n++] = kind;
            } else if (kind == UNIT_POOL) {
                x->u->kind[k] = UNIT_POOL; /* a pool thread's is the longer life */
            }
            const Node *in = n->kind == NODE_Call ? x->s->node : outer->node;
            x->u->copies[k] |= each == 3;
            if (each == 2 && v.node->kind == NODE_FunctionDef) { /* a sync job: on a thread */
                x->u->sched[k] = 1;
                x->u->from[k] = in && is_func(in) ? in : NULL;
            }
            x->u->many[k] |= each == 1 || x->loops > 0 ||
                             (in && is_func(in) && (fastapi_role(x->c->fa, in) & FASTAPI_EVENT));
        }
    }
    switch (n->kind) {
    case NODE_For: case NODE_AsyncFor: case NODE_While: case NODE_ListComp: case NODE_SetComp:
    case NODE_DictComp: case NODE_GeneratorExp: x->loops++; break;
    default: break;
    }
    x->depth++;
    ast_children(n, start_kid, x);
    x->depth--;
    x->s = outer;
    x->loops = loops;
}

static int unit_kind(Check *c, const Units *u, const Node *func)
{
    if (fastapi_worker_task(func))
        return UNIT_TASK;
    for (int i = 0; i < u->n; i++)
        if (u->def[i] == func)
            return u->kind[i];
    return UNIT_NONE;
}

/* Is func started several times at once (Units.many)? */
static int units_many(const Units *u, const Node *func)
{
    for (int i = 0; i < u->n; i++)
        if (u->def[i] == func)
            return u->many[i];
    return 0;
}

/* Is func a scheduler's job (Units.sched)? */
static int units_sched(const Units *u, const Node *func)
{
    for (int i = 0; i < u->n; i++)
        if (u->def[i] == func)
            return u->sched[i];
    return 0;
}

/* Is the registry key removed after each unit of work by a hook (a
 * `@task_postrun.connect` handler, an `after_return`, a teardown)? */
static int hook_removes(Check *c, const RegKey *k)
{
    if (k->k1 && !k->k2 && fastapi_binding_removed(c->fa, k->k1, 1))
        return 1;
    /* a hook that removes it through the project's functions (`repo.reset()`,
       whose method removes `self._Session`), as deep as reg_walk follows them:
       by the registry's scoped_session(...) call, so only one the value model
       knows as the same call counts */
    int n = 0;
    const Node *const *hooks = k->made ? fastapi_hooks(c->fa, &n) : NULL;
    for (int i = 0; i < n; i++) {
        const ScopeTable *t = value_table_of(c->env->values, hooks[i]);
        const Scope *s = t ? scope_of(t, hooks[i]) : NULL;
        if (!s)
            continue;
        RegWalk r = {.c = c, .t = t, .s = s, .find = k};
        reg_walk(&r, hooks[i]);
        if (r.at)
            return 1;
    }
    return 0;
}

/* Does a decorator of the project on func remove the registry written
 * `what` around each call (`@with_db_session`, whose wrapper removes it in
 * a finally)? */
static int decorator_removes(Check *c, const Node *func, const Scope *s, const char *what)
{
    const NodeList *decs = &func->v.FunctionDef.decorator_list;
    const Scope *outer = s->parent ? s->parent : s;
    for (int i = 0; i < decs->n; i++) {
        const Node *d = decs->items[i];
        Val v = flow_value(c->scratch, c->env, outer, d->kind == NODE_Call ? d->v.Call.func : d);
        if (v.tag != VAL_FUNC || !v.node)
            continue;
        AnyRemove w = {what, 0, 0};
        ast_children((Node *)v.node, any_remove_kid, &w);
        if (w.found)
            return 1;
    }
    return 0;
}

/* skipped: a remove() the unit makes outside a finally (UNIT_DEFERRED). */
static void unit_report(Check *c, const Node *func, int kind, const RegWalk *w, int skipped)
{
    const char *name = func->v.FunctionDef.name, *r = w->what;
    const Node *q = w->query ? w->query->v.Attribute.value : NULL;
    const char *via = w->via ? msg(c->k->a, " (through `%s()`)", w->via->v.FunctionDef.name)
                      : q && q->kind == NODE_Name
                          ? msg(c->k->a, " (through `%s.query`)", q->v.Name.id)
                          : "";
    /* what the next unit of work meets after a failed commit */
    const char *err = c->facts && c->facts->sqlalchemy.major >= 0 &&
                              (c->facts->sqlalchemy.major < 1 ||
                               (c->facts->sqlalchemy.major == 1 && c->facts->sqlalchemy.minor < 4))
                          ? "\"Can't reconnect until invalid transaction is rolled back\""
                          : "PendingRollbackError";
    const char *m;
    if (kind == UNIT_DEFERRED) {
        add(c, "SL202", w->at,
            msg(c->k->a, "scoped_session `%s` is used by `%s`%s, which Tornado's IOLoop runs "
                         "after the handler has returned: the request's session was already "
                         "removed by `on_finish`, so this makes a new one on the loop's thread "
                         "that %s, and a transaction it leaves open keeps its "
                         "connection checked out (the pool runs dry); call `%s.remove()` in a "
                         "finally when the callback ends",
                r, name, via,
                skipped ? "its remove() outside a finally leaves behind when a call raises"
                        : "nothing removes",
                r),
            NULL,
            w->via ? msg(c->k->a, "`%s()` uses the registry here, after the request finished",
                         w->via->v.FunctionDef.name)
                   : "the registry is used here, after the request finished",
            NULL, NULL);
        return;
    }
    if (kind == UNIT_TASK)
        m = msg(c->k->a, "scoped_session `%s` is used by the task `%s`%s, which does not remove() "
                         "it: the worker's thread keeps that session for its next task, and one "
                         "failed commit leaves it unusable (%s) for every "
                         "later task on the thread; call `%s.remove()` in a finally, or after "
                         "each task (task_postrun)",
                r, name, via, err, r);
    else if (kind == UNIT_POOL)
        m = msg(c->k->a, "scoped_session `%s` is used by `%s`%s, a job run on a pool's thread, "
                         "which does not remove() it: that thread keeps the session for the next "
                         "job it runs, and one failed commit leaves it unusable (%s) for every "
                         "later job there; call `%s.remove()` in a finally when the job ends",
                r, name, via, err, r);
    else
        m = msg(c->k->a, "scoped_session `%s` is used by `%s`%s, a thread's target, which ends "
                         "without removing it: nothing closes the thread's session, so a "
                         "transaction it left open keeps its connection checked out until the "
                         "garbage collector reclaims the dead thread's session, and threads "
                         "started again and again can exhaust the pool meanwhile; call "
                         "`%s.remove()` in a finally when the thread's work ends",
                r, name, via, r);
    const char *where = kind == UNIT_TASK ? "the worker's thread" : "the thread the work runs on";
    add(c, "SL201", w->at, m, NULL,
        w->via ? msg(c->k->a, "`%s()` uses the registry here, on %s", w->via->v.FunctionDef.name,
                     where)
               : msg(c->k->a, "the registry is used here, on %s", where),
        NULL, NULL);
}

/* SL201 for a unit of work on a thread (UNIT_*): the first registry it
 * uses, directly or through the project's functions, unless it removes it
 * (so too), a hook removes it after each task, a decorator around it does,
 * or (Flask-SQLAlchemy) an application context pushed per run does.  SL202
 * for a Tornado callback run after its request (UNIT_DEFERRED) when the
 * project removes the registry in a handler's on_finish, the request's end:
 * the callback's session is one nobody removes. */
static void unit_check(Check *c, const Node *func, const Scope *s, int kind)
{
    RegWalk w = {.c = c, .t = c->env->scopes, .s = s};
    reg_walk(&w, func);
    if (!w.at)
        return;
    RegWalk r = {.c = c, .t = c->env->scopes, .s = s, .find = &w.key,
                 .need_fin = kind == UNIT_DEFERRED};
    if (func->kind != NODE_AsyncFunctionDef || kind == UNIT_DEFERRED)
        reg_walk(&r, func); /* a coroutine shares the loop's thread anyway, but a deferred
                               callback outlives the request that removed it */
    if (kind == UNIT_DEFERRED && !r.at && (w.key.k2 || !fastapi_binding_removed(c->fa, w.key.k1, 2)))
        return; /* no on_finish removes it: the callback shares the loop thread's session
                   with the requests, which is not this rule's */
    CtxScan x = {0, 0};
    if (w.key.flask)
        ast_children((Node *)func, ctx_kid, &x);
    if (r.at || (kind == UNIT_TASK && hook_removes(c, &w.key)) ||
        decorator_removes(c, func, s, w.what) || x.found ||
        (w.key.flask && kind == UNIT_TASK && fastapi_task_app_context(c->fa)))
        return;
    RegWalk plain = {.c = c, .t = c->env->scopes, .s = s, .find = &w.key};
    if (kind == UNIT_DEFERRED)
        reg_walk(&plain, func); /* a remove() that an exception skips */
    unit_report(c, func, kind, &w, plain.at != NULL);
}

/* ------------------------------------- SL203 the process's one session */

/*
 * SL203 for a unit of work on threads (a pool's job, a thread's target)
 * that several start at once (request code starts it, or a loop does) and
 * that reads the process's one session: its runs use that session at the
 * same time, and with whatever else reads it.  The connections of psycopg2,
 * psycopg 3 and psycopg_pool serialize their use (sharing_flow_report).
 * A unit started once (a single background thread) is left alone, though
 * it may share the session with the requests: a limit.
 */
/* The first read of the process's one session by func (in scope s) and
 * the project's functions it calls, into *w; 0 if none, or if it is a
 * connection of psycopg's, which waits for the other users (as
 * sharing_flow_report says).  A registry keyed by one constant outside a
 * scope is not that one inside a scope: func's own (it sets a ContextVar,
 * a limit: wherever it does) or a `with` block's (with_opens).  u: the
 * module's units, or NULL. */
static int once_walk(Check *c, const Node *func, const Scope *s, const Units *u, RegWalk *w)
{
    const Node *var = NULL;
    int copies = 0;
    for (int i = 0; u && i < u->n; i++)
        copies |= u->def[i] == func && u->copies[i];
    *w = (RegWalk){.c = c, .t = c->env->scopes, .s = s, .once = 1};
    /* a job that gets the starter's context runs in the starter's scope, if it
       is in one (whether it is is not asked: a limit) */
    w->scoped = copies ||
                (fastapi_scoped_own(c->fa) && opens_in(c, c->env->scopes, s, func, &var, 0));
    reg_walk(w, func);
    int k = w->one.kind;
    return w->at && !(k == RES_DBAPI || k == RES_POOLED || (k == RES_PGCONN && w->one.sub));
}

/* The one session w found, for messages: what makes it one. */
static const char *one_text(Check *c, const RegWalk *w)
{
    int k = w->one.kind;
    return w->by_key ? msg(c->k->a, "session `%s` is one session for every thread and task "
                                    "outside a scope of its registry (its scopefunc gives one "
                                    "constant key there),",
                           w->what)
                     : msg(c->k->a, "%s `%s` is the one %s of the process, made once for the "
                                    "module,",
                           noun(k), w->what, noun(k));
}

static void once_check(Check *c, const Node *func, const Scope *s, int kind)
{
    RegWalk w;
    if (!once_walk(c, func, s, c->units, &w))
        return;
    const char *via = w.via ? msg(c->k->a, " (through `%s()`)", w.via->v.FunctionDef.name) : "";
    add(c, "SL203", w.at,
        msg(c->k->a, "%s and `%s`%s "
                     "uses it on %s, started for each request or item: the runs use it at the "
                     "same time, and a session or connection is not safe for concurrent use; "
                     "make one in the %s and close it when it ends",
            one_text(c, &w), func->v.FunctionDef.name, via,
            kind == UNIT_POOL ? "a pool's threads" : "a thread of its own",
            kind == UNIT_POOL ? "job" : "thread"),
        NULL,
        w.via ? msg(c->k->a, "`%s()` uses it here, on the thread the work runs on",
                    w.via->v.FunctionDef.name)
              : "used here, on the thread the work runs on",
        NULL, NULL);
}

/*
 * SL203 for a scheduler's job (Units.sched: `add_job(f, ...)`,
 * `@scheduled_job`) that reads the process's one session while other work
 * of the process does too: the function whose call schedules it (or what
 * it calls, MAX_HELPERS deep), or another job of the module's schedulers.
 * APScheduler runs a job again and again by its trigger on its executor's
 * threads, as long as the scheduler runs, beside the thread that added it
 * (which goes on: a queue's loop, a command) and the other jobs: their
 * uses meet on two threads.  The one session is told apart by how it is
 * written (`db.session`): a limit.  A job alone with a session it
 * shares with nobody is quiet here (module_names says the session is made
 * once); so is a job the module starts several times at once (once_check).
 */
static void sched_check(Check *c, const Node *func, const Scope *s, const Units *u)
{
    RegWalk w, p;
    if (!once_walk(c, func, s, u, &w))
        return;
    const Node *other = NULL;
    for (int i = 0; i < u->n && !other; i++) {
        /* the starter first, then the other jobs */
        const Node *d = u->def[i] == func ? u->from[i] : u->sched[i] ? u->def[i] : NULL;
        const Scope *ds = d ? scope_of(c->env->scopes, d) : NULL;
        if (ds && d != func && once_walk(c, d, ds, u, &p) && !strcmp(p.what, w.what))
            other = d;
    }
    if (!other)
        return;
    const char *name = func->v.FunctionDef.name, *oname = other->v.FunctionDef.name;
    int starter = 0;
    for (int i = 0; i < u->n; i++)
        starter |= u->def[i] == func && u->from[i] == other;
    const char *via = w.via ? msg(c->k->a, " (through `%s()`)", w.via->v.FunctionDef.name) : "";
    add(c, "SL203", w.at,
        msg(c->k->a, "%s and `%s`%s, a scheduler's job, uses it on the scheduler's threads, run "
                     "after run, while `%s`, %s, uses it on %s: the two use it at the same time, "
                     "and a session is not safe for concurrent use (one failed statement also "
                     "leaves it unusable for both); open one per run (a `with` block of the "
                     "sessionmaker, or a scope of the registry)",
            one_text(c, &w), name, via, oname,
            starter ? "the function that schedules it" : "another job",
            starter ? "its own thread" : "another of them"),
        NULL,
        w.via ? msg(c->k->a, "`%s()` uses it here, on a thread of the scheduler",
                    w.via->v.FunctionDef.name)
              : "used here, on a thread of the scheduler",
        p.at,
        starter ? msg(c->k->a, "`%s` uses it here too, on the thread that schedules the job", oname)
                : msg(c->k->a, "`%s`, another job, uses it here too", oname));
}

/* ------------------------------ SL103 scopes of a registry keyed by itself */

/*
 * An async_scoped_session (or a scoped_session with a scopefunc) keeps one
 * session per key in a dict until `remove()` is called while that key is
 * current.  A unit of work that makes a new key and uses the registry in
 * it must remove it before the key goes away, or the session stays in the
 * dict with its connection (idle in transaction after a read).  A new key
 * is made by setting the ContextVar the scopefunc reads (`_scope_id.set()`,
 * directly or in a context manager of the project the function enters,
 * three calls deep), or, for `scopefunc=current_task`, by being a task of
 * its own: a lifespan or startup handler, a worker's task, the coroutine
 * a create_task of its module starts, a BaseHTTPMiddleware's dispatch
 * (call_next runs the application in another task, so the endpoint's and
 * dependencies' removes are of another key).  The registry is known by
 * its call however it is reached (registry_at: a module-level name, or the
 * process's one manager's attribute, `get_manager().registry`).  A
 * module-level registry removed nowhere in the project is never_removed's
 * finding, not one per scope.  Other request code keyed by the task is
 * left to never_removed: a middleware or a dependency of the same request
 * may remove it (a limit).  A remove() in the function (or what it calls,
 * or a decorator of the project around it, or a hook after each task)
 * counts when it runs on every way out: in a finally or a with item's
 * exit, or removed_every_way's handler-and-normal-exit pair.
 */
typedef struct ScopeKey {
    const Node *var;      /* the ContextVar the scopefunc reads (its ContextVar(...)
                             call, value.h), or NULL */
    const char *var_name; /* ... as written there */
    int task;             /* keyed by asyncio's current task */
} ScopeKey;

/* Finds `<var>.get()` in a scopefunc's body: the ContextVar it reads. */
typedef struct VarGet {
    Check *c;
    const ScopeTable *t;
    const Scope *s;
    const Node *var;
    const char *name;
    int depth;
} VarGet;

/* The ContextVar e holds (a module-level name, `self.var`), known by the
 * ContextVar(...) call that made it (value.h: MODEL_CONTEXTVAR), or NULL. */
static const Node *ctxvar(Check *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    if (e->kind != NODE_Name && e->kind != NODE_Attribute)
        return NULL;
    Val v = val_in(c, t, s, e);
    return v.tag == VAL_QUAL && v.qual && !strcmp(v.qual, MODEL_CONTEXTVAR) ? v.node : NULL;
}

static void var_get_kid(Node *parent, Node *n, void *arg)
{
    VarGet *g = arg;
    (void)parent;
    if (g->var || g->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    const Node *f = n->kind == NODE_Call ? n->v.Call.func : NULL;
    if (f && f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "get") &&
        (g->var = ctxvar(g->c, g->t, g->s, f->v.Attribute.value)) != NULL) {
        g->name = reg_text(g->c, f->v.Attribute.value);
        return;
    }
    g->depth++;
    ast_children(n, var_get_kid, g);
    g->depth--;
}

/* What makes a new key of the own-scoped registry k; 0 if not known. */
static int scope_key(Check *c, const RegKey *k, ScopeKey *out)
{
    const Binding *b = k->k2 || k->flask ? NULL : k->k1;
    const Node *call = b && b->value && b->value->kind == NODE_Call ? b->value : NULL;
    const ScopeTable *home = k->home;
    if (!b && !k->flask && k->made) { /* known by the call alone: read where it is made */
        call = k->made;
        home = value_table_of(c->env->values, call);
    }
    if (!call || !home)
        return 0;
    const Node *fn = ast_keyword(call, "scopefunc");
    if (!fn && call->v.Call.args.n > 1)
        fn = call->v.Call.args.items[1];
    if (!fn)
        return 0;
    out->var = NULL;
    out->var_name = NULL;
    out->task = 0;
    Val v = val_in(c, home, scope_module(home), fn);
    if (v.tag == VAL_QUAL && v.qual &&
        (!strcmp(v.qual, "asyncio.current_task") || !strcmp(v.qual, "asyncio.tasks.current_task")))
        return out->task = 1;
    const Node *def = fn->kind == NODE_Lambda ? fn : v.tag == VAL_FUNC ? v.node : NULL;
    const ScopeTable *dt = fn->kind == NODE_Lambda ? home
                           : def && is_func(def) ? value_table_of(c->env->values, def)
                                                 : NULL;
    const Scope *ds = dt ? scope_of(dt, def) : NULL;
    if (!ds)
        return 0;
    VarGet g = {c, dt, ds, NULL, NULL, 0};
    if (fn->kind == NODE_Lambda)
        var_get_kid(NULL, fn->v.Lambda.body, &g);
    else
        for (int i = 0; i < def->v.FunctionDef.body.n && !g.var; i++)
            var_get_kid(NULL, def->v.FunctionDef.body.items[i], &g);
    out->var = g.var;
    out->var_name = g.name;
    return g.var != NULL;
}

/*
 * `registry = async_scoped_session(...)`, or a scoped_session with a
 * scopefunc: one session per task (or per whatever the scopefunc returns),
 * kept in a dict until remove() is called for that key.  Used by functions
 * and removed nowhere in the project, every task leaves its session behind,
 * with its connection if the task ended inside a transaction.
 */
static void never_removed(Check *c, const Node *st, const Node *value, const Binding *b,
                          const char *name)
{
    if (value->kind != NODE_Call || !fastapi_function_reads(c->fa, b) ||
        fastapi_binding_removed(c->fa, b, 0))
        return;
    Val v = flow_value(c->scratch, c->env, scope_module(c->env->scopes), value);
    if (v.tag != VAL_FACTORY || v.kind != FAC_SCOPED || !v.sub)
        return;
    RegKey rk = {value, c->env->scopes, b, NULL, 0};
    ScopeKey key;
    if (v.sub == SCOPED_SHARED && (!scope_key(c, &rk, &key) || !key.var))
        return; /* one constant key, never another (`lambda: ""`): one session, not one per
                   task; its users share it (once_check, sched_check) */
    add(c, "SL103", st,
        msg(c->k->a, "scoped session registry `%s` keeps a session per task and is never "
                     "removed (no `%s.remove()` in the project): each task that uses it leaves "
                     "its session in the registry, with its connection if the task ended inside "
                     "a transaction, and the registry grows with every task; call `%s.remove()` "
                     "when a task's work ends",
            name, name, name),
        NULL, "a registry keyed by task made here; nothing removes its sessions", NULL, NULL);
}

/* Finds, in a function's own body, what sets a ContextVar (*var, or any
 * when *var is NULL, then set to it): a `var.set()`, or a `with` over a
 * project function that does.  Asked before the registry walk, which
 * costs more: few functions set one. */
typedef struct OpenScan {
    Check *c;
    const ScopeTable *t;
    const Scope *s;
    const Node *var;
    const Node *at; /* the set() call or the with item's expression */
    int level, depth;
} OpenScan;

static void open_kid(Node *parent, Node *n, void *arg)
{
    OpenScan *o = arg;
    (void)parent;
    if (o->at || o->depth > WALK_MAX_DEPTH || ast_is_def(n) || n->kind == NODE_Lambda)
        return;
    const Node *f = n->kind == NODE_Call ? n->v.Call.func : NULL;
    const Node *var = f && f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "set")
                          ? ctxvar(o->c, o->t, o->s, f->v.Attribute.value)
                          : NULL;
    if (var && (!o->var || var == o->var)) {
        o->var = var;
        o->at = n;
        return;
    }
    const Node *e = n->kind == NODE_withitem ? n->v.withitem.context_expr : NULL;
    if (e && e->kind == NODE_Call && o->level < MAX_HELPERS) {
        Val v = val_in(o->c, o->t, o->s, e->v.Call.func);
        const ScopeTable *dt = v.tag == VAL_FUNC && is_func(v.node)
                                   ? value_table_of(o->c->env->values, v.node)
                                   : NULL;
        const Scope *ds = dt ? scope_of(dt, v.node) : NULL;
        if (ds && opens_in(o->c, dt, ds, v.node, &o->var, o->level + 1)) {
            o->at = e;
            return;
        }
    }
    o->depth++;
    ast_children(n, open_kid, o);
    o->depth--;
}

static const Node *opens_in(Check *c, const ScopeTable *t, const Scope *s, const Node *func,
                            const Node **var, int level)
{
    OpenScan o = {c, t, s, *var, NULL, level, 0};
    for (int i = 0; i < func->v.FunctionDef.body.n && !o.at; i++)
        open_kid(NULL, func->v.FunctionDef.body.items[i], &o);
    *var = o.var;
    return o.at;
}

/*
 * Is the registry r.find removed on every way out of some try of func
 * without a finally: in a handler that catches everything (a bare `except:`
 * or `except BaseException`: CancelledError too, which cancels a
 * BaseHTTPMiddleware's request) and on the normal way out (the last
 * statement of the try's body or else, or the statement after the try),
 * with no return, break or continue in its body to skip that one?  These
 * shapes only, not any set of removes that covers every path: a limit.
 */
typedef struct EveryWay {
    const RegWalk *find;
    int found, depth;
} EveryWay;

/* Does a statement of l[from..to) remove the registry (what it calls too)? */
static int removes_among(const RegWalk *find, const NodeList *l, int from, int to)
{
    const Node *seen[MAX_VISITED];
    int nseen = 0;
    RegWalk r = *find;
    r.need_fin = 0;
    r.fin = 0;
    r.at = NULL;
    r.depth = 0;
    r.seen = seen;
    r.nseen = &nseen;
    for (int i = from > 0 ? from : 0; i < to && !r.at; i++)
        reg_walk_kid(NULL, l->items[i], &r);
    return r.at != NULL;
}

static void jump_kid(Node *parent, Node *n, void *arg)
{
    int *found = arg;
    (void)parent;
    if (*found || ast_is_def(n))
        return;
    *found = n->kind == NODE_Return || n->kind == NODE_Break || n->kind == NODE_Continue;
    ast_children(n, jump_kid, found);
}

static void every_way_kid(Node *parent, Node *n, void *arg)
{
    EveryWay *e = arg;
    if (e->found || e->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_Try && !n->v.Try.finalbody.n) {
        int handled = 0, jumps = 0;
        for (int i = 0; i < n->v.Try.handlers.n && !handled; i++) {
            const Node *h = n->v.Try.handlers.items[i];
            handled = cfg_catches_all(h) &&
                      removes_among(e->find, &h->v.ExceptHandler.body, 0, h->v.ExceptHandler.body.n);
        }
        for (int i = 0; i < n->v.Try.body.n && !jumps; i++)
            jump_kid(NULL, n->v.Try.body.items[i], &jumps);
        /* the statement after the try, in the list that holds it */
        const NodeList *outer = NULL;
        int at = -1;
        const NodeList *lists[2] = {NULL, NULL};
        switch (parent ? parent->kind : NODE_Module) {
        case NODE_FunctionDef: case NODE_AsyncFunctionDef: lists[0] = &parent->v.FunctionDef.body; break;
        case NODE_If: lists[0] = &parent->v.If.body; lists[1] = &parent->v.If.orelse; break;
        case NODE_With: lists[0] = &parent->v.With.body; break;
        case NODE_AsyncWith: lists[0] = &parent->v.AsyncWith.body; break;
        case NODE_Try: lists[0] = &parent->v.Try.body; lists[1] = &parent->v.Try.orelse; break;
        case NODE_ExceptHandler: lists[0] = &parent->v.ExceptHandler.body; break;
        default: break; /* a loop's next round, a match case: not followed (a limit) */
        }
        for (int k = 0; k < 2 && at < 0; k++)
            for (int i = 0; lists[k] && i < lists[k]->n; i++)
                if (lists[k]->items[i] == n) {
                    outer = lists[k];
                    at = i;
                }
        const NodeList *body = n->v.Try.orelse.n ? &n->v.Try.orelse : &n->v.Try.body;
        if (handled && !jumps &&
            (removes_among(e->find, body, body->n - 1, body->n) ||
             (outer && removes_among(e->find, outer, at + 1, at + 2)))) {
            e->found = 1;
            return;
        }
    }
    e->depth++;
    ast_children(n, every_way_kid, e);
    e->depth--;
}

static int removed_every_way(const RegWalk *find, const Node *func)
{
    EveryWay e = {find, 0, 0};
    ast_children((Node *)func, every_way_kid, &e);
    return e.found;
}

/* SL103: func makes a new key of an own-scoped registry, uses the registry
 * in it and removes it nowhere.  unit: its UNIT_* kind (UNIT_ATASK: a
 * task's coroutine, a key of its own). */
static void scope_check(Check *c, const Node *func, const Scope *s, int roles, int unit)
{
    if (!fastapi_scoped_own(c->fa))
        return;
    /* a BaseHTTPMiddleware's dispatch runs in a task the endpoint and its
     * dependencies do not share: call_next runs them in a task of their own,
     * so what removes their key removes not this one */
    int own_task = fastapi_worker_task(func) || (roles & (FASTAPI_STARTUP | FASTAPI_MIDDLEWARE)) ||
                   unit == UNIT_ATASK;
    const Node *set = NULL;
    const Node *opener = opens_in(c, c->env->scopes, s, func, &set, 0);
    if (!own_task && !opener)
        return;
    RegWalk w = {.c = c, .t = c->env->scopes, .s = s, .own = 1};
    reg_walk(&w, func);
    ScopeKey key;
    /* a module-level registry removed nowhere is never_removed's; one known
       by its call alone (an attribute of the process's one manager) has no
       such check, so its scopes are asked whatever the project removes */
    if (!w.at || (w.key.k1 && !fastapi_binding_removed(c->fa, w.key.k1, 0)) ||
        !scope_key(c, &w.key, &key))
        return;
    if (key.var && key.var != set) /* it set another ContextVar first: look for this one */
        opener = opens_in(c, c->env->scopes, s, func, &key.var, 0);
    const Node *at = key.task ? (own_task ? func : NULL) : opener;
    if (!at)
        return;
    /* a middleware's close() closes its own key's session and leaves the
     * entry: what it handed on (request.state) the application uses in
     * its own task, under another key */
    int mw = key.task && (roles & FASTAPI_MIDDLEWARE);
    RegWalk r = {.c = c, .t = c->env->scopes, .s = s, .find = &w.key, .own = 1, .need_fin = 1,
                 .remove_only = mw};
    reg_walk(&r, func);
    if (r.at || decorator_removes(c, func, s, w.what) ||
        (fastapi_worker_task(func) && hook_removes(c, &w.key)))
        return;
    RegWalk plain = {.c = c, .t = c->env->scopes, .s = s, .find = &w.key, .own = 1,
                     .remove_only = mw};
    if (removed_every_way(&plain, func))
        return;
    reg_walk(&plain, func); /* a remove() that an exception skips */
    const char *name = func->v.FunctionDef.name, *reg = w.what;
    const char *via = w.via ? msg(c->k->a, " (through `%s()`)", w.via->v.FunctionDef.name) : "";
    const char *opened = mw ? msg(c->k->a, "`%s`, an HTTP middleware, runs in a task the "
                                           "application does not share (call_next runs it in "
                                           "another), a key of `%s` of its own "
                                           "(scopefunc=current_task),",
                                  name, reg)
                         : key.task ? msg(c->k->a, "`%s` runs as a task of its own, a new key of "
                                                   "`%s` (scopefunc=current_task)",
                                          name, reg)
                                    : msg(c->k->a, "`%s` opens a new scope of `%s` here (it sets "
                                                 "the ContextVar `%s` its scopefunc reads)",
                                        name, reg, key.var_name);
    add(c, "SL103", key.task ? w.at : at,
        msg(c->k->a, "%s and uses the registry in it%s but %s: the scope's session stays in the "
                     "registry with its connection (idle in transaction after a read) for as "
                     "long as the process runs, and every such scope leaks one; remove it in a "
                     "finally when the scope's work ends",
            opened, via,
            plain.at ? msg(c->k->a, "calls `%s.remove()` outside a finally, which an exception "
                                    "skips", reg)
                     : msg(c->k->a, "never calls `%s.remove()` before the scope ends%s", reg,
                           mw ? " (a close() leaves the entry)" : "")),
        at == func ? w.at : at,
        mw ? "a new scope of the registry: this middleware's task, whose key nothing removes "
             "(the application's removes are of its own task's)"
        : key.task ? "a new scope of the registry: this task" : "a new scope of the registry opens here",
        w.at,
        w.via ? msg(c->k->a, "`%s()` makes the scope's session here", w.via->v.FunctionDef.name)
              : "the scope's session is made here");
}

/* A call of a scoped_session registry from code that serves requests: from
 * a coroutine, or from a sync step that does not remove it, on the same
 * thread, before it ends (a generator's teardown may run on another). */
static void scoped_call(Body *b, const Node *call)
{
    Check *c = b->c;
    const Node *f = call->v.Call.func;
    if (b->scoped_done || !is_func(b->func) || !(b->roles & FASTAPI_REQUEST))
        return; /* a worker's task or a thread's target: unit_check */
    if (f->kind == NODE_Attribute)
        f = f->v.Attribute.value;
    if (f->kind != NODE_Name)
        return;
    Val v = flow_value(c->scratch, c->env, b->s, f);
    if (v.tag != VAL_FACTORY || v.kind != FAC_SCOPED || v.sub)
        return;
    if (b->func->kind != NODE_AsyncFunctionDef && removes_itself(b->func, f->v.Name.id, b->roles))
        return; /* a sync step runs on one thread from start to end: its own remove() is on it */
    if (b->func->kind != NODE_AsyncFunctionDef &&
        !(b->roles & (FASTAPI_ENDPOINT | FASTAPI_PROVIDER | FASTAPI_PROVIDER_FN | FASTAPI_MIDDLEWARE)) &&
        fastapi_binding_removed(c->fa, module_binding(c, c->env->scopes, b->s, f->v.Name.id, NULL),
                                1))
        return; /* a Flask view, or what it calls: the application's teardown hook removes it
                   when the request ends, on the thread that served it */
    b->scoped_done = 1;
    if (b->func->kind == NODE_AsyncFunctionDef)
        add(c, "SL201", call,
            msg(c->k->a, "scoped_session `%s` is used from the coroutine `%s`: its sessions are "
                         "per thread, so every request served on the event loop's thread shares "
                         "one",
                f->v.Name.id, b->func->v.FunctionDef.name),
            NULL, "the registry is called here, on the event loop's thread", NULL, NULL);
    else if (b->roles & (FASTAPI_ENDPOINT | FASTAPI_PROVIDER | FASTAPI_PROVIDER_FN |
                         FASTAPI_MIDDLEWARE))
        add(c, "SL201", call,
            msg(c->k->a, "scoped_session `%s` is used from `%s`, which serves requests: FastAPI "
                         "runs each sync step on any thread of its pool, so the thread's session "
                         "goes on to later requests on that thread, and a remove() in a "
                         "teardown may run on another thread than the setup; use a sessionmaker "
                         "and a dependency that yields a session",
                f->v.Name.id, b->func->v.FunctionDef.name),
            NULL, "the registry is called here, on a threadpool thread", NULL, NULL);
    else /* work a request starts, or a function it calls */
        add(c, "SL201", call,
            msg(c->k->a, "scoped_session `%s` is used from `%s`, which runs for requests and does "
                         "not remove() the session: the thread it runs on keeps that session for "
                         "whatever it runs next, other requests' work included; call "
                         "`%s.remove()` when the work ends: in a finally, or in a teardown hook "
                         "the application runs after each request",
                f->v.Name.id, b->func->v.FunctionDef.name, f->v.Name.id),
            NULL, "the registry is called here, on the thread the work runs on", NULL, NULL);
}

static void body_walk(Body *b, const Node *n)
{
    if (!n || b->depth > WALK_MAX_DEPTH || is_func(n) || n->kind == NODE_ClassDef ||
        n->kind == NODE_Lambda)
        return; /* nested definitions are checked on their own */
    if (n->kind == NODE_Assign || n->kind == NODE_AnnAssign)
        assignment(b, n);
    if (n->kind == NODE_Call)
        scoped_call(b, n);
    if (n->kind == NODE_Yield)
        lifespan_state(b, n);
    b->depth++;
    ast_children((Node *)n, body_kid, b);
    b->depth--;
}

static void body_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    body_walk(arg, n);
}

/* Default argument values that acquire: made once, when the def runs. */
static void defaults(Check *c, const Node *func, const Scope *outer)
{
    const Node *args = func->v.FunctionDef.args;
    const NodeList *lists[2] = {&args->v.arguments.defaults, &args->v.arguments.kw_defaults};
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < lists[l]->n; i++) {
            const Node *d = lists[l]->items[i];
            int kind = d ? made(c, outer, d) : RES_NONE;
            if (kind == RES_NONE)
                continue;
            add(c, "SL201", d,
                msg(c->k->a, "%s made as a default argument value of `%s` is made once, when the "
                             "function is defined, and shared by every call; use Depends() or "
                             "make it in the body",
                    noun(kind), func->v.FunctionDef.name),
            NULL, msg(c->k->a, "%s made here, once", noun(kind)), NULL, NULL);
        }
}

typedef struct Returns {
    Check *c;
    const Node *func;
    const Scope *s;
    int depth;
} Returns;

/*
 * `return Users()` of a cached function: the instance is made on the first
 * call and handed to every later one (Val.once), so a session or a
 * connection its methods keep on self is shared, as a module-level
 * instance's is (singletons).  Reported at the return, with the store as
 * witness.  Limits: only an instance made in the return itself, and only
 * what the class's own methods store (not a base's, not its constructor's
 * arguments: kept_at_import's case).
 */
static void cached_object(Returns *r, const Node *ret)
{
    Check *c = r->c;
    const Node *e = ret->v.Return.value;
    Val v = e && e->kind == NODE_Call ? flow_value(c->scratch, c->env, r->s, e) : (Val){0};
    const Node *cls = v.tag == VAL_OBJECT ? v.node : NULL;
    const ScopeTable *ct = cls ? value_table_of(c->env->values, cls) : NULL;
    if (!ct || !scope_of(ct, cls) || (ct == c->env->scopes && singleton_used(c, cls)))
        return;
    const char *fn = r->func->v.FunctionDef.name;
    SelfStore w = {c, NULL, NULL, msg(c->k->a, "`%s()`", fn),
                   msg(c->k->a, "`%s` is cached, so the `%s` it returns is the one of the process",
                       fn, cls->v.ClassDef.name),
                   NULL, NULL, NULL, cls, 0, ct, ret, 0,
                   "the one instance, made here on the first call and kept by the cache"};
    self_stores(&w, cls);
}

static void returns_kid(Node *parent, Node *n, void *arg)
{
    Returns *r = arg;
    (void)parent;
    if (r->depth > WALK_MAX_DEPTH || is_func(n) || n->kind == NODE_ClassDef || n->kind == NODE_Lambda)
        return;
    if (n->kind == NODE_Return) {
        int kind = made(r->c, r->s, n->v.Return.value);
        if (kind == RES_NONE)
            cached_object(r, n);
        if (kind != RES_NONE)
            add(r->c, "SL201", n,
                msg(r->c->k->a, "`%s` is cached, so the %s it returns is made once and shared by "
                                "every caller",
                    r->func->v.FunctionDef.name, noun(kind)),
                NULL, msg(r->c->k->a, "%s returned here and kept by the cache", noun(kind)), NULL,
                NULL);
        return;
    }
    r->depth++;
    ast_children(n, returns_kid, r);
    r->depth--;
}

/*
 * `class Svc: session = db_session`: the class attribute copies the one
 * session a module-level name holds (value.h: Val.once), and no instance
 * keeps a session of its own under that name (an __init__ assigning
 * self.session makes each instance's own: quiet), so every instance, in
 * every request, uses that one session.  The acquisition is reported at
 * the module's name when request code reads the name itself.
 */
static void copied_attr(Check *c, const Node *cls, const Scope *s, const Node *st,
                        const char *attr, const Node *value)
{
    Val v = flow_value(c->scratch, c->env, s, value);
    Val a = value_attr(c->env->values, c->scratch, cls, attr);
    if (v.tag != VAL_RESOURCE || !v.once || !a.once || a.tag != VAL_RESOURCE || v.kind == RES_ANY)
        return;
    const Binding *b = value->kind == NODE_Name
                           ? scope_lookup(c->env->scopes, s, value->v.Name.id, NULL) : NULL;
    const Node *at = b && b->kind == BIND_LOCAL && b->value ? b->value : NULL;
    add(c, "SL201", st,
        msg(c->k->a, "%s `%s.%s` is a class attribute holding the one %s made for the module "
                     "(`%s`): every instance shares it, so every request that uses the class "
                     "does; make one per request and pass it in",
            noun(v.kind), cls->v.ClassDef.name, attr, noun(v.kind),
            value->kind == NODE_Name ? value->v.Name.id : attr),
        at, at ? msg(c->k->a, "%s made here, once, at import", noun(v.kind))
               : msg(c->k->a, "the module's %s, kept here for the class", noun(v.kind)),
        at ? st : NULL, at ? "kept here, for every instance of the class" : NULL);
}

/* SL201's class attributes: `class Repo: session = SessionLocal()`. */
/* Does request code use cls: is it, or one of its methods, request code? */
static int request_class(Check *c, const Node *cls)
{
    int used = fastapi_role(c->fa, cls) & FASTAPI_REQUEST;
    for (int i = 0; !used && i < cls->v.ClassDef.body.n; i++)
        used = is_func(cls->v.ClassDef.body.items[i]) &&
               (fastapi_role(c->fa, cls->v.ClassDef.body.items[i]) & FASTAPI_REQUEST);
    return used;
}

/* A class of the project deriving from base (value_derives) that request
 * code uses, and its file in *path; NULL if none.  Only the module-level
 * classes of each module are asked (a limit). */
static const Node *request_subclass(Check *c, const Node *base, const char **path)
{
    int n = 0;
    const ProjectModule *mods = modgraph_modules(value_project(c->env->values), &n);
    for (int i = 0; i < n; i++) {
        const NodeList *body = &mods[i].module->v.Module.body;
        for (int j = 0; j < body->n; j++) {
            const Node *k = body->items[j];
            if (k->kind == NODE_ClassDef && value_derives(c->env->values, k, base) &&
                request_class(c, k)) {
                *path = mods[i].path;
                return k;
            }
        }
    }
    return NULL;
}

/* Is e `<self>.<attr>`? */
static int on_self(const Node *e, const char *self)
{
    return self && e->kind == NODE_Attribute && e->v.Attribute.value->kind == NODE_Name &&
           !strcmp(e->v.Attribute.value->v.Name.id, self);
}

/* Finds the first read `<self>.<attr>` in the methods of a class. */
typedef struct SelfRead {
    const char *self, *attr;
    const Node *found;
    int depth;
} SelfRead;

static void self_read_kid(Node *parent, Node *n, void *arg)
{
    SelfRead *r = arg;
    (void)parent;
    if (r->found || r->depth > WALK_MAX_DEPTH || is_func(n) || n->kind == NODE_ClassDef)
        return;
    if (on_self(n, r->self) && !strcmp(n->v.Attribute.attr, r->attr) &&
        ast_ctx(n) == CTX_Load) {
        r->found = n;
        return;
    }
    r->depth++;
    ast_children(n, self_read_kid, r);
    r->depth--;
}

static const Node *self_read(const Node *cls, const char *attr)
{
    SelfRead r = {NULL, attr, NULL, 0};
    for (int i = 0; !r.found && i < cls->v.ClassDef.body.n; i++) {
        const Node *m = cls->v.ClassDef.body.items[i];
        const Node *self = is_func(m) ? ast_param(m, 0) : NULL;
        r.self = self ? self->v.arg.arg : NULL;
        for (int j = 0; r.self && !r.found && j < m->v.FunctionDef.body.n; j++)
            self_read_kid(NULL, m->v.FunctionDef.body.items[j], &r);
    }
    return r.found;
}

/*
 * `class BaseRepo: session = SessionLocal()` that request code reaches
 * only through a subclass (`UserRepo(BaseRepo)`, the MRO: value_derives)
 * whose instances do not keep their own (value_attr of the subclass is
 * still the one made with the base: Val.once).  The base itself serves no
 * request, so the finding goes where its methods read the attribute, which
 * the subclass inherits, with the attribute and the subclass as witness;
 * at the attribute when no method of the base reads it.  Limits: the
 * first read of the base's own methods, whichever request code calls; a
 * copy of the module's session (copied_attr) is not followed this way.
 */
static void inherited_attr(Check *c, const Node *cls, const Node *st, const char *attr, int kind,
                           const Node *sub, const char *sub_path)
{
    Val a = value_attr(c->env->values, c->scratch, sub, attr);
    if (a.tag != VAL_RESOURCE || !a.once)
        return; /* an instance of the subclass keeps its own */
    const Node *read = self_read(cls, attr);
    add_in(c, "SL201", read ? read : st,
           msg(c->k->a, "%s `%s.%s` is a class attribute, inherited by `%s`, which request code "
                        "uses: one %s shared by every request; make one per request and pass it "
                        "in",
               noun(kind), cls->v.ClassDef.name, attr, sub->v.ClassDef.name, noun(kind)),
           st, msg(c->k->a, "%s made here, once, for the class and its subclasses", noun(kind)),
           sub, sub_path, msg(c->k->a, "`%s` inherits it; request code uses this class",
                              sub->v.ClassDef.name));
}

static void class_attrs(Check *c, const Node *cls)
{
    int used = request_class(c, cls);
    if (!used && !value_has_subclass(c->env->values, cls))
        return;
    const Node *sub = NULL; /* !used: the subclass request code uses, once asked */
    const char *sub_path = NULL;
    int asked = 0;
    const Scope *s = scope_of(c->env->scopes, cls);
    for (int i = 0; s && i < cls->v.ClassDef.body.n; i++) {
        const Node *st = cls->v.ClassDef.body.items[i];
        const Node *target = NULL, *value = NULL;
        if (!ast_single_assign(st, &target, &value) || target->kind != NODE_Name)
            continue;
        if (!used && ast_unawait(value)->kind != NODE_Call)
            continue; /* an acquisition is a call: the rest need no question */
        int kind = made(c, s, value);
        if (kind == RES_NONE && used)
            copied_attr(c, cls, s, st, target->v.Name.id, value);
        if (kind == RES_NONE)
            continue;
        if (!used) {
            if (!asked)
                sub = request_subclass(c, cls, &sub_path);
            asked = 1;
            if (sub)
                inherited_attr(c, cls, st, target->v.Name.id, kind, sub, sub_path);
            continue;
        }
        add(c, "SL201", st,
            msg(c->k->a, "%s `%s.%s` is a class attribute: one %s shared by every request that "
                         "uses the class; make one per request and pass it in",
                noun(kind), cls->v.ClassDef.name, target->v.Name.id, noun(kind)),
            NULL, msg(c->k->a, "%s made here, once, for the class", noun(kind)), NULL, NULL);
    }
}

/* The commits after the yield. */
typedef struct After {
    int yline, ycol;    /* the first yield */
    const Node *hits[8];
    int nhits;
    int depth;
} After;

static int is_begin(const Node *item)
{
    const Node *e = item->v.withitem.context_expr;
    if (e->kind == NODE_Await)
        e = e->v.Await.value;
    return e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute &&
           !strcmp(e->v.Call.func->v.Attribute.attr, "begin");
}

/* Finds the first yield (and a `with ....begin()` enclosing it). */
typedef struct YieldAt {
    Check *c;
    const Scope *s;       /* the function's scope */
    const Node *yield;
    const Node *with;
    const Node *cur_with; /* the innermost committing with being walked */
    int depth;
} YieldAt;

/* Does method def (of class cls) commit a session it keeps on self
 * (`self.session.commit()`), itself or through another method of the
 * class it calls on self (`self.commit()`), a few calls deep?  By the
 * method name, whatever the attribute holds; a commit through a helper
 * function it hands the session to is not seen (a limit). */
typedef struct SelfCommit {
    Check *c;
    const Node *cls;
    const char *self; /* the method's first parameter */
    int depth, calls, found;
} SelfCommit;

static void self_commit_kid(Node *parent, Node *n, void *arg);

static void self_commit_scan(SelfCommit *w, const Node *m)
{
    const NodeList *ps = m ? &m->v.FunctionDef.args->v.arguments.args : NULL;
    const char *outer = w->self;
    w->self = ps && ps->n ? ps->items[0]->v.arg.arg : NULL;
    for (int i = 0; m && i < m->v.FunctionDef.body.n && !w->found; i++)
        self_commit_kid(NULL, m->v.FunctionDef.body.items[i], w);
    w->self = outer;
}

static void self_commit_kid(Node *parent, Node *n, void *arg)
{
    SelfCommit *w = arg;
    (void)parent;
    if (w->found || w->depth > WALK_MAX_DEPTH || is_func(n) || n->kind == NODE_ClassDef ||
        n->kind == NODE_Lambda)
        return;
    const Node *fn = n->kind == NODE_Call ? n->v.Call.func : NULL;
    if (fn && fn->kind == NODE_Attribute && on_self(fn->v.Attribute.value, w->self) &&
        !strcmp(fn->v.Attribute.attr, "commit")) {
        w->found = 1;
        return;
    }
    if (fn && on_self(fn, w->self) && w->calls < 4) { /* self.commit(), self._finish() */
        w->calls++;
        self_commit_scan(w, value_method(w->c->env->values, w->c->scratch, w->cls,
                                         fn->v.Attribute.attr));
    }
    w->depth++;
    ast_children(n, self_commit_kid, w);
    w->depth--;
}

/* `with UnitOfWork() as uow`: is the value entered an object of a class of
 * the project whose __exit__ (__aexit__ for async with) commits what it
 * keeps?  The with block's end runs it, as the code after a context
 * manager's yield. */
static int exit_commits(YieldAt *y, const Node *with, const Node *e)
{
    Val obj = flow_value(y->c->scratch, y->c->env, y->s, e);
    if (obj.tag != VAL_OBJECT || !obj.node || obj.node->kind != NODE_ClassDef ||
        !y->c->env->values)
        return 0;
    const Node *m = value_method(y->c->env->values, y->c->scratch, obj.node,
                                 with->kind == NODE_AsyncWith ? "__aexit__" : "__exit__");
    SelfCommit w = {y->c, obj.node, NULL, 0, 0, 0};
    self_commit_scan(&w, m);
    return w.found;
}

/* `with wrapper() as s` where wrapper is a context manager of the
 * project that commits what it yielded after its yield, or an object whose
 * __exit__ commits. */
static int commits_on_exit(YieldAt *y, const Node *with, const Node *item)
{
    const Node *e = item->v.withitem.context_expr;
    if (e->kind == NODE_Await)
        e = e->v.Await.value;
    if (!y->s)
        return 0;
    if (exit_commits(y, with, e))
        return 1;
    if (e->kind != NODE_Call || !y->c->env->summary_of)
        return 0;
    Val f = flow_value(y->c->scratch, y->c->env, y->s, e->v.Call.func);
    const FlowSummary *sum = f.tag == VAL_FUNC && f.node
                                 ? y->c->env->summary_of(y->c->env->summary_arg, f.node) : NULL;
    return sum && sum->yields_kind != RES_NONE && sum->uses_after;
}

static void yield_kid(Node *parent, Node *n, void *arg)
{
    YieldAt *y = arg;
    (void)parent;
    if (y->yield || y->depth > WALK_MAX_DEPTH || is_func(n) || n->kind == NODE_ClassDef ||
        n->kind == NODE_Lambda)
        return;
    if (n->kind == NODE_Yield) {
        y->yield = n;
        y->with = y->cur_with;
        return;
    }
    const Node *saved = y->cur_with;
    if (n->kind == NODE_With || n->kind == NODE_AsyncWith)
        for (int i = 0; i < n->v.With.items.n; i++)
            if (is_begin(n->v.With.items.items[i]) || commits_on_exit(y, n, n->v.With.items.items[i]))
                y->cur_with = n;
    y->depth++;
    ast_children(n, yield_kid, y);
    y->depth--;
    y->cur_with = saved;
}

static void commits_kid(Node *parent, Node *n, void *arg)
{
    After *a = arg;
    (void)parent;
    if (a->depth > WALK_MAX_DEPTH || is_func(n) || n->kind == NODE_ClassDef || n->kind == NODE_Lambda)
        return;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        n->v.Call.func->v.Attribute.value->kind == NODE_Name &&
        (!strcmp(n->v.Call.func->v.Attribute.attr, "commit") ||
         !strcmp(n->v.Call.func->v.Attribute.attr, "flush")) &&
        (n->lineno > a->yline || (n->lineno == a->yline && n->col_offset > a->ycol)) &&
        a->nhits < 8)
        a->hits[a->nhits++] = n;
    a->depth++;
    ast_children(n, commits_kid, a);
    a->depth--;
}

/* SL204: a yield dependency that commits after its yield, when FastAPI
 * runs that code after the response. */
static void commit_after_response(Check *c, const Node *func, int roles)
{
    const FlowFastApi *fa = c->env->fastapi;
    /* Depends(f, scope="function") exists from 0.121 on, so where it is
     * written it is honoured, whatever the lowest version the requirements allow */
    if (!(roles & (FASTAPI_PROVIDER | FASTAPI_UNNAMED_GEN)) || fa->era == ERA_AT_RETURN)
        return;
    YieldAt y = {c, scope_of(c->env->scopes, func), NULL, NULL, NULL, 0};
    ast_children((Node *)func, yield_kid, &y);
    if (!y.yield)
        return;
    const char *who = msg(c->k->a, "`%s`", func->v.FunctionDef.name);
    if (!(roles & (FASTAPI_PROVIDER | FASTAPI_PROVIDER_FN))) {
        /* a generator nothing here names: a provider if what it yields is
         * a session or connection it made */
        const Scope *s = scope_of(c->env->scopes, func);
        int kind = s ? made(c, s, y.yield->v.Yield.value) : RES_NONE;
        if (kind == RES_NONE)
            return;
        who = msg(c->k->a, "`%s` (a generator that yields a %s, as a dependency does; nothing in "
                           "the project calls it, so it is a provider for whoever imports it)",
                  func->v.FunctionDef.name, noun(kind));
    }
    const char *when = fa->era == ERA_AFTER_RESPONSE
                           ? msg(c->k->a, "after the response is sent (%s)", fa->version)
                           : msg(c->k->a, "after the response is sent (%s, default scope)",
                                 fa->version);
    const char *harm = "if it fails (a constraint, a deadlock, or on CockroachDB a serialization "
                       "conflict, SQLSTATE 40001, at COMMIT), the client was already told it "
                       "succeeded";
    if (y.with) {
        add(c, "SL204", y.with,
            msg(c->k->a, "%s yields inside a transaction block that commits when the block ends, "
                         "%s: %s",
                who, when, harm),
            NULL, "the transaction block begins here and commits at its end", y.yield,
            "FastAPI resumes the dependency here after the response");
    }
    /* any session committed after the yield: the yielded one, or the one
     * inside a wrapper it yields (`yield Repository(session)`) */
    After a = {y.yield->lineno, y.yield->col_offset, {0}, 0, 0};
    ast_children((Node *)func, commits_kid, &a);
    for (int i = 0; i < a.nhits; i++) {
        const char *name = a.hits[i]->v.Call.func->v.Attribute.value->v.Name.id;
        add(c, "SL204", a.hits[i],
            msg(c->k->a, "%s commits `%s` after its yield, which FastAPI runs %s: %s",
                who, name, when, harm),
            y.yield, "yielded here; FastAPI runs the code after it after the response", a.hits[i],
            "committed here");
    }
}

/*
 * A class that makes its own thread-safe pool (`self.pool =
 * ThreadedConnectionPool(...)`, a psycopg_pool or asyncpg pool, an engine)
 * makes objects that live long and serve callers at once: that is what the
 * pool is for.  A method other than __init__ that keeps a connection it
 * checks out of that pool on self (`self.connection = self.pool.getconn()`,
 * in an `__enter__` most often) shares one slot between them: a second
 * caller's checkout overwrites the first, which is never returned, and
 * both work on one connection, which goes back twice.  A pool handed in
 * (the object may be one per unit of work), SimpleConnectionPool (one
 * thread by design), a checkout in __init__ (a connection for the object's
 * life) and thread-local storage (`self._local.conn`) are quiet.
 */
#define MAX_POOL_ATTRS 8

typedef struct PoolAttrs PoolAttrs;

struct PoolAttrs {
    Check *c;
    const Node *cls;
    const Scope *s;   /* the method being walked */
    const char *self; /* its instance parameter */
    const char *attr[MAX_POOL_ATTRS];
    const Node *made[MAX_POOL_ATTRS];
    int fac[MAX_POOL_ATTRS]; /* FAC_* */
    int n;
    const Node *method;
    void (*on)(PoolAttrs *w, const Node *st, const char *attr, const Node *v);
    int depth;
};

/* `self.<attr>` in method w->s: attr, or NULL. */
static const char *self_attr(const PoolAttrs *w, const Node *e)
{
    return e && e->kind == NODE_Attribute && e->v.Attribute.value->kind == NODE_Name &&
                   !strcmp(e->v.Attribute.value->v.Name.id, w->self)
               ? e->v.Attribute.attr
               : NULL;
}

/* The first pass: self.<attr> = <a thread-safe pool>. */
static void note_pool(PoolAttrs *w, const Node *st, const char *attr, const Node *v)
{
    const Node *call = v->kind == NODE_Await ? v->v.Await.value : v;
    if (call->kind != NODE_Call || w->n == MAX_POOL_ATTRS)
        return;
    Val f = flow_value(w->c->scratch, w->c->env, w->s, call);
    char buf[128];
    size_t len = scope_qualname_buf(w->c->env->scopes, w->s, call->v.Call.func, buf, sizeof buf);
    if (f.tag != VAL_FACTORY || (len && len < sizeof buf && strstr(buf, "SimpleConnectionPool")) ||
        (f.kind != FAC_PG2POOL && f.kind != FAC_PGPOOL && f.kind != FAC_APGPOOL &&
         f.kind != FAC_ENGINE))
        return;
    w->attr[w->n] = attr;
    w->made[w->n] = st;
    w->fac[w->n++] = f.kind;
}

/* Is v (awaited or not) a checkout of one of the class's own pools? */
static int own_checkout(const PoolAttrs *w, const Node *v, int *which)
{
    static const char *const takes[] = {"getconn", "acquire", "connect", "raw_connection", NULL};
    v = v->kind == NODE_Await ? v->v.Await.value : v;
    if (v->kind != NODE_Call || v->v.Call.func->kind != NODE_Attribute)
        return 0;
    const char *m = v->v.Call.func->v.Attribute.attr;
    const char *a = self_attr(w, v->v.Call.func->v.Attribute.value);
    int k = 0;
    while (takes[k] && strcmp(takes[k], m))
        k++;
    for (int i = 0; a && takes[k] && i < w->n; i++)
        if (!strcmp(w->attr[i], a) && (w->fac[i] == FAC_ENGINE) == (k >= 2)) {
            *which = i;
            return 1;
        }
    return 0;
}

/* The second pass: self.<attr> = <a checkout of such a pool>. */
static void note_checkout(PoolAttrs *w, const Node *st, const char *attr, const Node *v)
{
    int i;
    if (!own_checkout(w, v, &i))
        return;
    const char *cls = w->cls->v.ClassDef.name, *meth = w->method->v.FunctionDef.name;
    add(w->c, "SL201", st,
        msg(w->c->k->a, "`%s` makes its own pool (self.%s, line %d), so its objects live "
                        "long and serve callers at once, yet `%s` keeps the connection it "
                        "checks out on self.%s: a second caller's checkout overwrites the "
                        "first, which is never returned, and both work on one connection%s; "
                        "keep each checkout in a local (a `with` block, or a context manager "
                        "that yields it)",
            cls, w->attr[i], w->made[i]->lineno, meth, attr,
            w->fac[i] == FAC_ENGINE ? "" : ", which goes back to the pool twice"),
        w->made[i], msg(w->c->k->a, "the pool is made here, one for each `%s`", cls), st,
        "each call of this method checks out a connection into the one attribute");
}

/* Each `self.<attr> = v` of the method's own body, to w->on. */
static void self_assign_kid(Node *parent, Node *n, void *arg)
{
    PoolAttrs *w = arg;
    (void)parent;
    if (w->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    const Node *t, *v;
    const char *attr;
    if (ast_single_assign(n, &t, &v) && (attr = self_attr(w, t)) != NULL) {
        w->on(w, n, attr, v);
        return;
    }
    w->depth++;
    ast_children(n, self_assign_kid, w);
    w->depth--;
}

static void pool_holder(Check *c, const Node *cls)
{
    PoolAttrs w = {.c = c, .cls = cls};
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < cls->v.ClassDef.body.n && (pass == 0 || w.n); k++) {
            const Node *m = cls->v.ClassDef.body.items[k];
            const Node *args = is_func(m) ? m->v.FunctionDef.args : NULL;
            w.s = args ? scope_of(c->env->scopes, m) : NULL;
            if (!w.s || args->v.arguments.args.n < 1 ||
                (pass == 1 && !strcmp(m->v.FunctionDef.name, "__init__")))
                continue;
            w.self = args->v.arguments.args.items[0]->v.arg.arg;
            w.method = m;
            w.on = pass == 0 ? note_pool : note_checkout;
            for (int j = 0; j < m->v.FunctionDef.body.n; j++)
                self_assign_kid(NULL, m->v.FunctionDef.body.items[j], &w);
        }
}

/*
 * A context manager's exit is the release path of every `with` over it.
 * An `__exit__` (or `__aexit__`) that commits (or flushes, or executes) its
 * session or connection and then closes it, with no try/finally between,
 * skips the close whenever the commit raises: a flush error, a constraint,
 * a serialization failure.  The connection stays checked out (SL103, on
 * the close).  The session is `self` (a subclass of SQLAlchemy's or
 * SQLModel's Session) or an attribute of self that holds a resource.
 */
typedef struct ExitScan {
    Check *c;
    const Scope *s;
    const char *self;
    const Node *risky;   /* the first call on the resource that may raise, outside any try */
    const Node *release; /* a release of it after that, outside any try */
    const char *what;    /* the resource as written: "self", "self.session" */
    int depth;
} ExitScan;

/* Is e the resource: `self` (for a Session subclass) or `self.<attr>`? */
static int exit_target(const ExitScan *x, const Node *e)
{
    if (!e)
        return 0;
    if (e->kind == NODE_Await)
        e = e->v.Await.value;
    if (!strcmp(x->what, x->self))
        return e->kind == NODE_Name && !strcmp(e->v.Name.id, x->self);
    return e->kind == NODE_Attribute && e->v.Attribute.value->kind == NODE_Name &&
           !strcmp(e->v.Attribute.value->v.Name.id, x->self) &&
           !strcmp(e->v.Attribute.attr, x->what + strlen(x->self) + 1);
}

static void exit_kid(Node *parent, Node *n, void *arg)
{
    ExitScan *x = arg;
    (void)parent;
    if (x->depth > WALK_MAX_DEPTH || ast_is_def(n) || n->kind == NODE_Try ||
        n->kind == NODE_TryStar || n->kind == NODE_With || n->kind == NODE_AsyncWith || x->release)
        return; /* what a try or a with guards is not this question */
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        exit_target(x, n->v.Call.func->v.Attribute.value)) {
        const char *m = n->v.Call.func->v.Attribute.attr;
        if (!x->risky && (!strcmp(m, "commit") || !strcmp(m, "flush") || !strcmp(m, "execute")))
            x->risky = n;
        else if (x->risky && !strcmp(m, "close"))
            x->release = n;
    }
    x->depth++;
    ast_children(n, exit_kid, x);
    x->depth--;
}

static int session_subclass(Check *c, const Node *cls)
{
    const Scope *outer = scope_of(c->env->scopes, cls);
    outer = outer && outer->parent ? outer->parent : scope_module(c->env->scopes);
    for (int i = 0; i < cls->v.ClassDef.bases.n; i++) {
        char buf[128];
        size_t n = scope_qualname_buf(c->env->scopes, outer, cls->v.ClassDef.bases.items[i], buf,
                                      sizeof buf);
        const char *last = n && n < sizeof buf ? strrchr(buf, '.') : NULL;
        if (last && (!strncmp(buf, "sqlalchemy.", 11) || !strncmp(buf, "sqlmodel.", 9)) &&
            (!strcmp(last, ".Session") || !strcmp(last, ".AsyncSession")))
            return 1;
    }
    return 0;
}

static void exit_release(Check *c, const Node *cls)
{
    int sub = -1;
    for (int k = 0; k < cls->v.ClassDef.body.n; k++) {
        const Node *m = cls->v.ClassDef.body.items[k];
        const Node *args = is_func(m) ? m->v.FunctionDef.args : NULL;
        const Scope *s = args ? scope_of(c->env->scopes, m) : NULL;
        if (!s || args->v.arguments.args.n < 1 || (strcmp(m->v.FunctionDef.name, "__exit__") &&
                                                   strcmp(m->v.FunctionDef.name, "__aexit__")))
            continue;
        const char *self = args->v.arguments.args.items[0]->v.arg.arg;
        /* the candidates: self, then each self.<attr> closed in the method */
        const char *cands[8];
        int nc = 0;
        if (sub < 0)
            sub = session_subclass(c, cls);
        if (sub)
            cands[nc++] = self;
        for (int j = 0; j < m->v.FunctionDef.body.n && nc < 8; j++) {
            const Node *st = m->v.FunctionDef.body.items[j];
            const Node *call = st->kind == NODE_Expr ? st->v.Expr.value : NULL;
            call = call && call->kind == NODE_Await ? call->v.Await.value : call;
            const Node *recv = call && call->kind == NODE_Call &&
                                       call->v.Call.func->kind == NODE_Attribute &&
                                       !strcmp(call->v.Call.func->v.Attribute.attr, "close")
                                   ? call->v.Call.func->v.Attribute.value
                                   : NULL;
            if (recv && recv->kind == NODE_Attribute && recv->v.Attribute.value->kind == NODE_Name &&
                !strcmp(recv->v.Attribute.value->v.Name.id, self)) {
                Val v = flow_value(c->scratch, c->env, s, recv); /* what self.<attr> holds */
                if (v.tag == VAL_RESOURCE && !v.fresh && v.kind != RES_ANY && v.kind != RES_CURSOR)
                    cands[nc++] = arena_printf(c->scratch, "%s.%s", self, recv->v.Attribute.attr);
            }
        }
        for (int i = 0; i < nc; i++) {
            ExitScan x = {c, s, self, NULL, NULL, cands[i], 0};
            for (int j = 0; j < m->v.FunctionDef.body.n && !x.release; j++)
                exit_kid(NULL, m->v.FunctionDef.body.items[j], &x);
            if (!x.release)
                continue;
            const char *risky = x.risky->v.Call.func->v.Attribute.attr;
            add(c, "SL103", x.release,
                msg(c->k->a, "`%s.close()` in `%s` is skipped when `%s.%s()` on line %d raises (a "
                             "flush error, a constraint, a serialization failure): every `with` "
                             "over `%s` then leaves the connection checked out; close it in a "
                             "`finally`",
                    cands[i], m->v.FunctionDef.name, cands[i], risky, x.risky->lineno,
                    cls->v.ClassDef.name),
                x.risky, msg(c->k->a, "this %s may raise, and nothing catches it here", risky),
                x.release, "the close, reached only when it did not");
        }
    }
}

typedef struct Classes {
    Check *c;
    int depth;
} Classes;

static void classes_kid(Node *parent, Node *n, void *arg)
{
    Classes *w = arg;
    (void)parent;
    if (w->depth > WALK_MAX_DEPTH || ast_category(n->kind) == CAT_EXPR)
        return;
    if (n->kind == NODE_ClassDef) {
        class_attrs(w->c, n);
        pool_holder(w->c, n);
        exit_release(w->c, n);
        workers_class(&w->c->work, n); /* SL203 */
    }
    w->depth++;
    ast_children(n, classes_kid, w);
    w->depth--;
}

void sharing_check(LifecycleSink *k, const FlowEnv *env, const ProjectFacts *facts,
                   Arena *scratch, const Node *module, const Node *const *funcs, int nfuncs)
{
    if (!env->fastapi || !env->fastapi->model)
        return;
    Units units = {.n = 0};
    Check c = {k, env, scratch, env->fastapi->model, facts, &units,
               {env, scratch, k->a, k->src, k->out}, 0};
    StartScan ss = {&c, &units, scope_module(env->scopes), 0, 0};
    const char *text = k->src->text;
    c.servers = strstr(text, "Threading") || strstr(text, "Server(");
    if (c.servers || strstr(text, "hread") || strstr(text, "_executor") || strstr(text, "submit") ||
        strstr(text, "_callback(") || strstr(text, "call_later(") || strstr(text, "add_timeout(") ||
        strstr(text, "call_at(") || strstr(text, ".subscribe(") || strstr(text, "dummy") ||
        strstr(text, "_job(") || /* add_job(, scheduled_job( */
        (fastapi_scoped_own(c.fa) && (strstr(text, "create_task") || strstr(text, "ensure_future"))))
        /* Thread, to_thread,
                                   run_in_executor, submit, Tornado's add_callback, call_later:
                                   a module that names none of them starts no thread */
        ast_children((Node *)module, start_kid, &ss);
    module_names(&c, module);
    singletons(&c, module);
    singleton_classes(&c, module);
    Body mb = {&c, module, scope_module(env->scopes), 0, 0, 0};
    for (int i = 0; i < module->v.Module.body.n; i++)
        body_walk(&mb, module->v.Module.body.items[i]);
    Classes cw = {&c, 0};
    ast_children((Node *)module, classes_kid, &cw);
    for (int i = 0; i < nfuncs; i++) {
        const Node *f = funcs[i];
        if (!is_func(f))
            continue;
        int roles = fastapi_role(c.fa, f);
        const Scope *s = scope_of(env->scopes, f);
        if (!s)
            continue;
        Body b = {&c, f, s, roles, 0, 0};
        for (int j = 0; j < f->v.FunctionDef.body.n; j++)
            body_walk(&b, f->v.FunctionDef.body.items[j]);
        int unit = unit_kind(&c, &units, f);
        if (unit && unit != UNIT_ATASK && !b.scoped_done)
            unit_check(&c, f, s, unit);
        if ((unit == UNIT_POOL || unit == UNIT_THREAD) && units_many(&units, f))
            once_check(&c, f, s, unit);
        else if (unit == UNIT_POOL && units_sched(&units, f))
            sched_check(&c, f, s, &units);
        scope_check(&c, f, s, roles, unit);
        /* a default value or a cache's result is one for every call,
         * whether or not requests make the calls today */
        defaults(&c, f, s->parent ? s->parent : s);
        if (scope_decorated_by(env->scopes, f, model_caches)) {
            Returns r = {&c, f, s, 0};
            ast_children((Node *)f, returns_kid, &r);
        }
        if (roles & (FASTAPI_PROVIDER | FASTAPI_PROVIDER_FN | FASTAPI_UNNAMED_GEN))
            commit_after_response(&c, f, roles);
    }
}
