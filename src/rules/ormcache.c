/*
 * ormcache.c - SL102 for ORM objects kept in state that outlives their
 * session (see ormcache.h).
 *
 * Two passes over the functions of one module.  The first finds the
 * stores: an ORM object put into module state, where the next call (of any
 * function) finds it again long after the session that loaded it is gone:
 * a module global's item (`_cache[k] = obj`, `.setdefault(k, obj)`,
 * `.append(obj)`: a dict, a cachetools TTLCache, a list), a module global
 * rebound under `global`, a class attribute (`Registry.items[k] = obj`),
 * and what a function cached by functools' lru_cache/cache returns.  An
 * ORM object is a parameter whose annotation is a mapped class (an object
 * of its caller's session), or a name bound once to a query of a session
 * (`s.get(User, i)`, `s.scalars(select(User)...).first()`, `s.query(User)
 * ...one()`); objects the function makes itself are not followed.
 *
 * The second finds the reads through that state, in every function of the
 * module: an attribute of `_cache[k]`, `_cache.get(k)`, `cached(...)`, or
 * of a name bound once to one (`x = _cache[k]`, `for x in _cache.values()`)
 * and not handed back to a session first (`s.add(x)`, `s.merge(x)`,
 * `s.refresh(x)`).  Such a read comes in a later call, with no session:
 * a mapped attribute of an expired object raises DetachedInstanceError,
 * and so does a lazy relationship nothing loaded (ormpaths.h).  Expired:
 * its session expires on commit (SQLAlchemy's default; only a session the
 * storing function makes says otherwise, and only one it commits expires
 * the object there) and the storing function does not expunge it.
 * make_transient() takes it out of every session: not followed.
 *
 * Limits: state of this module read here only; loop and comprehension
 * variables are not followed (as stored objects, nor as names bound to
 * kept ones inside a comprehension); the storing function's
 * events are not ordered (an expunge anywhere in it counts); an object's
 * relationships are followed only when its query is seen (a parameter's
 * caller may have loaded them); a mapped class is one whose body names its
 * table, its attributes those its body declares.
 */
#include "rules/ormcache.h"

#include <string.h>

#include "rules/ormpaths.h"
#include "scope.h"
#include "value.h"

#define msg arena_printf
#define WALK_MAX_DEPTH 200 /* statement and expression nesting followed */
#define MAX_KEPT 32        /* stores followed per module */
#define MAX_ALIAS 16       /* names bound to kept objects, per function */
#define MAX_OBJ_READS 16   /* attributes the storing function read of the object */

/* An ORM object stored in state that outlives its session. */
typedef struct Kept {
    const char *key;        /* the state: "_cache", "Registry.items", "get_org()" */
    const Node *func;       /* the function that stores it */
    const Node *store;      /* the store (or the cached function's return) */
    const Node *origin;     /* its load, or the parameter */
    const char *name;       /* its name there, or NULL for a load stored as is */
    OrmClass cls;
    const char **loaded;    /* the relationship paths its query loaded ... */
    int nloaded, known;     /* ... known: the query was seen and its options read */
    const char *read[MAX_OBJ_READS]; /* attributes read of it there: loaded then */
    int nread;
    unsigned char expired;  /* its session's commit expires it */
    unsigned char whole;    /* the state is the object (`global g; g = obj`), not a
                               container of them */
} Kept;

typedef struct Cache {
    LifecycleSink *k;
    const FlowEnv *env;
    Arena *scratch;
    const Node *func;       /* the function walked */
    const Scope *scope;     /* ... its scope */
    int depth;
    Kept kept[MAX_KEPT];
    int nkept;
    const char *alias[MAX_ALIAS]; /* names of func bound to kept objects ... */
    const Kept *akept[MAX_ALIAS]; /* ... which ones ... */
    const Node *abound[MAX_ALIAS]; /* ... where */
    int nalias;
    int cached;             /* func is cached (lru_cache): what it returns is kept */
} Cache;

/* --- state that outlives a call ------------------------------------------ */

/* The module binding name has from c's function: a module global (also one
 * declared `global` there), or NULL. */
static const Binding *module_binding(const Cache *c, const char *name, int *is_class)
{
    const Scope *where = NULL;
    const Binding *b = scope_lookup(c->env->scopes, c->scope, name, &where);
    if (b && b->kind == BIND_GLOBAL)
        b = scope_lookup(c->env->scopes, where = scope_module(c->env->scopes), name, &where);
    if (!b || !where || where->kind != SCOPE_MODULE)
        return NULL;
    *is_class = b->kind == BIND_CLASS;
    return b->kind == BIND_LOCAL || b->kind == BIND_CLASS || b->kind == BIND_DEF ? b : NULL;
}

/* The state e names, as a key: a module global ("_cache"), a class
 * attribute ("Registry.items"), a call of a function of the module
 * ("get_org()": kept only if it is a cached one); NULL for anything else. */
static const char *state_key(const Cache *c, const Node *e)
{
    int cls = 0;
    e = ast_unawait(e);
    if (!e)
        return NULL;
    if (e->kind == NODE_Name) {
        const Binding *b = module_binding(c, e->v.Name.id, &cls);
        return b && b->kind == BIND_LOCAL ? e->v.Name.id : NULL;
    }
    if (e->kind == NODE_Attribute && e->v.Attribute.value->kind == NODE_Name &&
        module_binding(c, e->v.Attribute.value->v.Name.id, &cls) && cls)
        return msg(c->scratch, "%s.%s", e->v.Attribute.value->v.Name.id, e->v.Attribute.attr);
    if (e->kind == NODE_Call && e->v.Call.func->kind == NODE_Name) {
        const Binding *b = module_binding(c, e->v.Call.func->v.Name.id, &cls);
        return b && b->kind == BIND_DEF ? msg(c->scratch, "%s()", e->v.Call.func->v.Name.id)
                                        : NULL;
    }
    return NULL;
}

/* An element of state: `K[k]`, `K.get(k)`, `K.pop(k)`, `K.setdefault(k,
 * v)`, or a cached function's call: its key, or NULL. */
static const char *element_key(const Cache *c, const Node *e)
{
    static const char *const getters[] = {"get", "pop", "setdefault", NULL};
    e = ast_unawait(e);
    if (!e)
        return NULL;
    if (e->kind == NODE_Subscript)
        return state_key(c, e->v.Subscript.value);
    if (e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute &&
        ast_name_in(e->v.Call.func->v.Attribute.attr, getters))
        return state_key(c, e->v.Call.func->v.Attribute.value);
    if (e->kind == NODE_Call)
        return state_key(c, e);
    return NULL;
}

/* What `for x in e` iterates of state: `K`, `K.values()` (*values set),
 * `list(K.values())`. */
static const char *iterated_key(const Cache *c, const Node *e, int *values)
{
    if (e && e->kind == NODE_Call && e->v.Call.func->kind == NODE_Name &&
        e->v.Call.args.n == 1)
        e = e->v.Call.args.items[0]; /* list(...), sorted(...) */
    if (e && e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute &&
        !strcmp(e->v.Call.func->v.Attribute.attr, "values")) {
        e = e->v.Call.func->v.Attribute.value;
        *values = 1;
    }
    const char *key = state_key(c, e);
    return key && !strchr(key, '(') ? key : NULL;
}

/* --- ORM objects of a session ---------------------------------------------- */

static int is_session(const Cache *c, const Node *e)
{
    Val v = flow_value(c->scratch, c->env, c->scope, ast_unawait(e));
    return v.tag == VAL_RESOURCE && v.kind == RES_SESSION;
}

/* e loads one ORM object (or a collection of them) from a session: that
 * session's expression, and in *ent the class selected; else NULL. */
static const Node *load_of(const Cache *c, const Node *e, const Node **ent)
{
    static const char *const direct[] = {"get", "get_one", "scalar", "scalars", NULL};
    static const char *const results[] = {"scalars", "execute", "exec", "query", NULL};
    static const char *const one[] = {"first", "one", "one_or_none", "scalar_one",
                                      "scalar_one_or_none", "scalar", "all", NULL};
    e = ast_unawait(e);
    if (!e || e->kind != NODE_Call || e->v.Call.func->kind != NODE_Attribute)
        return NULL;
    const Node *f = e->v.Call.func, *r = f->v.Attribute.value;
    if (ast_name_in(f->v.Attribute.attr, direct) && e->v.Call.args.n > 0 && is_session(c, r)) {
        *ent = model_selected_entity(e->v.Call.args.items[0]);
        return *ent ? r : NULL;
    }
    if (!ast_name_in(f->v.Attribute.attr, one))
        return NULL;
    for (int i = 0; i < 16 && (r = ast_unawait(r)) && r->kind == NODE_Call &&
                    r->v.Call.func->kind == NODE_Attribute; i++) {
        const Node *rf = r->v.Call.func;
        if (ast_name_in(rf->v.Attribute.attr, results) && r->v.Call.args.n > 0 &&
            is_session(c, rf->v.Attribute.value)) {
            *ent = model_selected_entity(r->v.Call.args.items[0]);
            return *ent ? rf->v.Attribute.value : NULL;
        }
        r = rf->v.Attribute.value;
    }
    return NULL;
}

typedef struct Seen {
    const Cache *c;
    const char *obj, *sess; /* the object's name; its session's, when a Name */
    int expunged, transient, commits, depth;
    const char **read;
    int *nread;
} Seen;

static void seen_kid(Node *parent, Node *n, void *arg);

/* What the storing function does to the object and its session: expunge,
 * make_transient, commit; the attributes it reads of it. */
static void seen_walk(Seen *w, const Node *n)
{
    if (!n || w->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_Call) {
        const Node *f = n->v.Call.func, *a0 = ast_call_arg(n, 0);
        const char *m = f->kind == NODE_Attribute ? f->v.Attribute.attr
                        : f->kind == NODE_Name    ? f->v.Name.id : NULL;
        int of_obj = a0 && a0->kind == NODE_Name && w->obj && !strcmp(a0->v.Name.id, w->obj);
        if (m && ((of_obj && !strcmp(m, "expunge")) || !strcmp(m, "expunge_all")))
            w->expunged = 1;
        if (m && of_obj && !strncmp(m, "make_transient", 14))
            w->transient = 1;
        if (m && f->kind == NODE_Attribute && w->sess && (!strcmp(m, "commit") ||
                                                         !strcmp(m, "begin")) &&
            f->v.Attribute.value->kind == NODE_Name &&
            !strcmp(f->v.Attribute.value->v.Name.id, w->sess))
            w->commits = 1;
    } else if (n->kind == NODE_Attribute && n->v.Attribute.value->kind == NODE_Name && w->obj &&
               !strcmp(n->v.Attribute.value->v.Name.id, w->obj) && *w->nread < MAX_OBJ_READS) {
        w->read[(*w->nread)++] = n->v.Attribute.attr;
    }
    w->depth++;
    ast_children((Node *)n, seen_kid, w);
    w->depth--;
}

static void seen_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    seen_walk(arg, n);
}

/* Do the sessions sess (an expression of c's function) expire their
 * objects on commit, and does one commit them?  A session the function
 * makes says so by its factory and its commits; one it is handed is its
 * caller's, who commits it, with SQLAlchemy's default. */
static int session_expires(const Cache *c, const Node *sess, const Seen *w)
{
    const Scope *where = NULL;
    const Binding *b = sess->kind == NODE_Name
                           ? scope_lookup(c->env->scopes, c->scope, sess->v.Name.id, &where)
                           : NULL;
    if (!b || where != c->scope || b->kind != BIND_LOCAL)
        return 1;
    const Node *acq = b->value;
    if (!acq && b->def && b->def->kind == NODE_withitem)
        acq = ast_unawait(b->def->v.withitem.context_expr);
    if (!acq || acq->kind != NODE_Call)
        return 1;
    int begin = acq->v.Call.func->kind == NODE_Attribute &&
                !strcmp(acq->v.Call.func->v.Attribute.attr, "begin");
    return ormpaths_expires(c->scratch, c->env, c->scope, acq) != 0 && (w->commits || begin);
}

/* Is v (stored by c's function at store) an ORM object of a session?  Fills
 * k with what is known of it. */
static int orm_object(Cache *c, const Node *v, Kept *k)
{
    const Node *ent = NULL, *sess = NULL, *load = NULL;
    memset(k, 0, sizeof *k);
    v = ast_unawait(v);
    if (v && v->kind == NODE_Name) {
        const Scope *where = NULL;
        const Binding *b = scope_lookup(c->env->scopes, c->scope, v->v.Name.id, &where);
        if (!b || where != c->scope)
            return 0;
        k->name = v->v.Name.id;
        if (b->kind == BIND_PARAM) {
            Val o = flow_value(c->scratch, c->env, c->scope, v);
            const ScopeTable *t = o.tag == VAL_OBJECT && o.node ? value_table_of(c->env->values,
                                                                                  o.node) : NULL;
            k->cls = (OrmClass){t ? t : c->env->scopes, o.tag == VAL_OBJECT ? o.node : NULL};
            if (!k->cls.def || k->cls.def->kind != NODE_ClassDef || !ormpaths_mapped(k->cls))
                return 0;
            k->origin = b->def;
        } else if (b->kind == BIND_LOCAL && b->value && (sess = load_of(c, b->value, &ent))) {
            load = k->origin = b->value;
        } else {
            return 0;
        }
    } else if ((sess = load_of(c, v, &ent))) {
        load = k->origin = v;
    } else {
        return 0;
    }
    if (load) {
        k->cls = ormpaths_class(c->env, c->env->scopes, c->scope, ent->v.Name.id);
        if (!k->cls.def || !ormpaths_mapped(k->cls))
            return 0;
        k->known = ormpaths_loaded(c->k->a, load, &k->loaded, &k->nloaded);
    }
    Seen w = {c, k->name, sess && sess->kind == NODE_Name ? sess->v.Name.id : NULL, 0, 0, 0, 0,
              k->read, &k->nread};
    for (int j = 0; j < c->func->v.FunctionDef.body.n; j++)
        seen_walk(&w, c->func->v.FunctionDef.body.items[j]);
    if (w.transient)
        return 0;
    k->expired = !w.expunged && (!sess || session_expires(c, sess, &w));
    return 1;
}

/* --- the stores --------------------------------------------------------- */

static void store(Cache *c, const char *key, const Node *at, const Node *v, int whole)
{
    Kept k;
    if (!key || c->nkept == MAX_KEPT || !orm_object(c, v, &k))
        return;
    k.whole = (unsigned char)whole;
    k.key = key; /* in scratch, which lasts the check */
    k.func = c->func;
    k.store = at;
    c->kept[c->nkept++] = k;
}

/* The state target t of an assignment names: an item of state, a global
 * rebound under `global`, a class attribute. */
static const char *target_key(const Cache *c, const Node *t)
{
    if (t->kind == NODE_Subscript)
        return state_key(c, t->v.Subscript.value);
    /* a name the function assigns is its own unless declared global */
    return t->kind == NODE_Attribute || t->kind == NODE_Name ? state_key(c, t) : NULL;
}

static void stores_kid(Node *parent, Node *n, void *arg);

/* A statement's call that puts its argument into state: `K.append(obj)`,
 * `K.add(obj)`, `K.setdefault(k, obj)` (alone, or assigned). */
static void store_call(Cache *c, const Node *n)
{
    static const char *const adders[] = {"append", "appendleft", "add", NULL};
    n = ast_unawait(n);
    if (!n || n->kind != NODE_Call || n->v.Call.func->kind != NODE_Attribute)
        return;
    const char *m = n->v.Call.func->v.Attribute.attr;
    const Node *v = !strcmp(m, "setdefault") ? ast_call_arg(n, 1)
                    : ast_name_in(m, adders) ? ast_call_arg(n, 0) : NULL;
    if (v)
        store(c, state_key(c, n->v.Call.func->v.Attribute.value), n, v, 0);
}

/* The stores of a statement and the statements it holds; expressions are
 * not walked (a store is a statement, or a statement's call), which keeps
 * this pass to a fraction of the nodes. */
static void stores(Cache *c, const Node *n)
{
    if (!n || c->depth > WALK_MAX_DEPTH || ast_is_def(n) ||
        (ast_category(n->kind) != CAT_STMT && ast_category(n->kind) != CAT_HANDLER &&
         ast_category(n->kind) != CAT_MATCHCASE))
        return;
    if (n->kind == NODE_Assign) {
        for (int i = 0; i < n->v.Assign.targets.n; i++)
            store(c, target_key(c, n->v.Assign.targets.items[i]), n, n->v.Assign.value,
                  n->v.Assign.targets.items[i]->kind != NODE_Subscript);
        store_call(c, n->v.Assign.value);
    }
    if (n->kind == NODE_Return && c->cached && n->v.Return.value)
        store(c, msg(c->scratch, "%s()", c->func->v.FunctionDef.name), n, n->v.Return.value, 0);
    if (n->kind == NODE_Expr)
        store_call(c, n->v.Expr.value);
    c->depth++;
    ast_children((Node *)n, stores_kid, c);
    c->depth--;
}

static void stores_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    stores(arg, n);
}

/* --- the reads ----------------------------------------------------------- */

/* The object kept in the state key names (whole: the state itself, else
 * an element of it), or NULL. */
static const Kept *kept_at(const Cache *c, const char *key, int whole)
{
    for (int i = 0; key && i < c->nkept; i++)
        if (c->kept[i].whole == whole && !strcmp(c->kept[i].key, key))
            return &c->kept[i];
    return NULL;
}

/* A name of c's function bound once to a kept object: `x = K[k]`, `for x
 * in K.values()`, `for k, x in K.items()`. */
static void bind_alias(Cache *c, const Node *t, const Kept *k, const Node *at)
{
    const Scope *where = NULL;
    const Binding *b = t && t->kind == NODE_Name
                           ? scope_lookup(c->env->scopes, c->scope, t->v.Name.id, &where) : NULL;
    if (!k || !b || where != c->scope || b->nbind != 1 || c->nalias == MAX_ALIAS)
        return;
    c->alias[c->nalias] = t->v.Name.id;
    c->akept[c->nalias] = k;
    c->abound[c->nalias++] = at;
}

/* `s.add(x)`, `s.merge(x)`, `s.refresh(x)`: x is an object of a session again. */
static void reattached(Cache *c, const Node *call)
{
    static const char *const attach[] = {"add", "merge", "refresh", NULL};
    const Node *f = call->v.Call.func, *a0 = ast_call_arg(call, 0);
    if (f->kind != NODE_Attribute || !ast_name_in(f->v.Attribute.attr, attach) || !a0 ||
        a0->kind != NODE_Name)
        return;
    for (int i = 0; i < c->nalias; i++)
        if (!strcmp(c->alias[i], a0->v.Name.id))
            c->alias[i] = "";
}

static void aliases_kid(Node *parent, Node *n, void *arg);

static void aliases(Cache *c, const Node *n)
{
    if (!n || c->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    const Node *t = NULL, *v = NULL;
    if (ast_single_assign(n, &t, &v) && v)
        bind_alias(c, t, kept_at(c, element_key(c, v), 0), n);
    if (n->kind == NODE_For || n->kind == NODE_AsyncFor) {
        const Node *it = n->v.For.iter, *tg = n->v.For.target;
        int items = it->kind == NODE_Call && it->v.Call.func->kind == NODE_Attribute &&
                    !strcmp(it->v.Call.func->v.Attribute.attr, "items") &&
                    tg->kind == NODE_Tuple && tg->v.Tuple.elts.n == 2;
        const Node *src = items ? it->v.Call.func->v.Attribute.value : it;
        int values = 0;
        const Kept *k = kept_at(c, iterated_key(c, src, &values), 0);
        int listed = k && k->store->kind == NODE_Call &&
                     strcmp(k->store->v.Call.func->v.Attribute.attr, "setdefault");
        if (k && !items && !values && !listed)
            k = NULL; /* iterating what `K[k] = obj` fills (a dict) gives its keys */
        bind_alias(c, items ? tg->v.Tuple.elts.items[1] : tg, k, n);
    }
    if (n->kind == NODE_Call)
        reattached(c, n);
    c->depth++;
    ast_children((Node *)n, aliases_kid, c);
    c->depth--;
}

static void aliases_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    aliases(arg, n);
}

/* The kept object attribute read n reads, or NULL; *bound: the binding of
 * the name it reads through, or NULL. */
static const Kept *read_of(const Cache *c, const Node *n, const Node **bound)
{
    const Node *o = n->v.Attribute.value;
    *bound = NULL;
    if (o->kind == NODE_Name)
        for (int i = 0; i < c->nalias; i++)
            if (!strcmp(c->alias[i], o->v.Name.id)) {
                *bound = c->abound[i];
                return c->akept[i];
            }
    if (o->kind == NODE_Name || o->kind == NODE_Attribute) /* `global g`'s object */
        return kept_at(c, state_key(c, o), 1);
    return o->kind == NODE_Subscript || o->kind == NODE_Call
               ? kept_at(c, element_key(c, o), 0) : NULL;
}

static void report(Cache *c, const Kept *k, const Node *at, const Node *bound,
                   const OrmLazy *lz)
{
    Arena *a = c->k->a;
    const char *attr = at->v.Attribute.attr, *cls = k->cls.def->v.ClassDef.name;
    const char *where = strchr(k->key, '(')
                            ? msg(a, "the cache of `%s`", k->key)
                            : msg(a, "`%s`", k->key);
    const char *why = lz ? msg(a, "its lazy relationship `%s` was never loaded, and its session "
                                  "is gone: reading it raises DetachedInstanceError", attr)
                         : msg(a, "its session's commit expired it (expire_on_commit), and "
                                  "that session is gone: reading `%s` raises "
                                  "DetachedInstanceError", attr);
    Finding f = {0};
    f.code = "SL102";
    f.path = c->k->src->path;
    diag_span(&f, at);
    f.message = msg(a, "ORM object of class `%s` kept in %s is read in a later call than the one "
                       "that stored it on line %d, after its session closed: %s; keep plain "
                       "values in %s (its id, a dict of the columns needed), or re-attach it "
                       "with `session.merge()` before reading it",
                    cls, where, k->store->lineno, why, where);
    TraceStep steps[4];
    int n = 0;
    steps[n++] = (TraceStep){f.path, k->origin->lineno, k->origin->col_offset,
                             k->origin->kind == NODE_arg
                                 ? msg(a, "`%s` is a `%s`, an object of its caller's session",
                                       k->name, cls)
                                 : "an object of a session, loaded here"};
    steps[n++] = (TraceStep){f.path, k->store->lineno, k->store->col_offset,
                             msg(a, "stored in %s by `%s()`, which outlives the session", where,
                                 k->func->v.FunctionDef.name)};
    if (bound)
        steps[n++] = (TraceStep){f.path, bound->lineno, bound->col_offset,
                                 msg(a, "taken from %s, in a later call", where)};
    steps[n++] = (TraceStep){f.path, at->lineno, at->col_offset,
                             "read here, with no session to load it"};
    f.trace = arena_alloc(a, (size_t)n * sizeof *f.trace);
    memcpy(f.trace, steps, (size_t)n * sizeof *f.trace);
    f.ntrace = n;
    diag_add(c->k->out, &f);
}

/* A read of attribute n of a kept object: reported when the attribute is
 * one the object loads from the database and it is expired, or a lazy
 * relationship its query did not load. */
static void read_attr(Cache *c, const Node *n)
{
    const Node *bound = NULL;
    const Kept *k = read_of(c, n, &bound);
    const char *attr = n->v.Attribute.attr;
    if (!k || !ormpaths_mapped_attr(c->scratch, c->env, k->cls, attr))
        return;
    OrmLazy lz;
    if (k->expired)
        report(c, k, n, bound, NULL);
    else if (k->known && ormpaths_lazy(c->scratch, c->env, k->cls, attr,
                                       (const char *const *)k->loaded, k->nloaded,
                                       (const char *const *)k->read, k->nread, &lz))
        report(c, k, n, bound, &lz);
}

static void reads_kid(Node *parent, Node *n, void *arg);

static void reads(Cache *c, const Node *n)
{
    if (!n || c->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute) {
        /* a method call is no read of an attribute: walk its receiver and arguments */
        reads(c, n->v.Call.func->v.Attribute.value);
        for (int i = 0; ast_call_arg(n, i); i++)
            reads(c, ast_call_arg(n, i));
        return;
    }
    if (n->kind == NODE_Attribute && ast_ctx(n) == CTX_Load)
        read_attr(c, n);
    c->depth++;
    ast_children((Node *)n, reads_kid, c);
    c->depth--;
}

static void reads_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    reads(arg, n);
}

static int enter(Cache *c, const Node *f)
{
    c->func = f;
    c->scope = scope_of(c->env->scopes, f);
    c->depth = 0;
    return c->scope != NULL;
}

void ormcache_check(LifecycleSink *k, const FlowEnv *env, Arena *scratch,
                    const Node *const *funcs, int nfuncs)
{
    Cache *c = arena_alloc(scratch, sizeof *c);
    memset(c, 0, sizeof *c);
    c->k = k;
    c->env = env;
    c->scratch = scratch;
    for (int i = 0; i < nfuncs; i++) {
        if (!ast_is_function(funcs[i]) || !enter(c, funcs[i]))
            continue;
        c->cached = scope_decorated_by(env->scopes, funcs[i], model_caches);
        for (int j = 0; j < funcs[i]->v.FunctionDef.body.n; j++)
            stores(c, funcs[i]->v.FunctionDef.body.items[j]);
    }
    for (int i = 0; c->nkept && i < nfuncs; i++) {
        if (!ast_is_function(funcs[i]) || !enter(c, funcs[i]))
            continue;
        c->nalias = 0;
        for (int j = 0; j < funcs[i]->v.FunctionDef.body.n; j++)
            aliases(c, funcs[i]->v.FunctionDef.body.items[j]);
        for (int j = 0; j < funcs[i]->v.FunctionDef.body.n; j++)
            reads(c, funcs[i]->v.FunctionDef.body.items[j]);
    }
}
