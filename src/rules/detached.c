/*
 * detached.c - SL102 for ORM objects read after their session closed (see
 * detached.h).
 *
 * Per function: the sessions it makes from a factory whose making is seen
 * (a sessionmaker, async_sessionmaker, Session or AsyncSession, in this
 * module or another of the project), with whether they expire on commit
 * (expire_on_commit, on unless made False), and closes itself, by the end
 * of a `with` block or close().
 * Then, in the order the statements come, what happens to each name bound
 * to an object of one of them: loaded (`s.get(User, i)`, `s.scalars(select(
 * User)...).first()`, `s.query(User)...one()`) or added (`s.add(u)`),
 * expired by `s.commit()` (or the end of a `begin()` block), reloaded by
 * an attribute read, `s.refresh(u)` or a query while the session is open,
 * detached by the close.  A read of an expired, detached object is the finding; so is
 * returning one from a function that closes its session, inside the block
 * or after close(): FastAPI reads an endpoint's to build the response after
 * the block ended, and a helper's caller gets nothing it can read.
 *
 * A relationship of a loaded object (declared with relationship() and no
 * eager lazy=, not on a path its query's loader options load, not read
 * while the session was open: ormpaths.h) is loaded on its first read,
 * which after the close raises too, whatever expire_on_commit says:
 * sessions of every seen factory are followed, and only those that expire
 * on commit expire their objects.  Reads are paths (`v.project.backends`);
 * a collection's elements (`s.scalars(q).all()`) are loaded alike, and a
 * name bound to objects another name has (`for v in vs`, `p = v.project`)
 * reads them as that name does.
 *
 * The order of the statements stands for the order of execution: branches
 * are not told apart, so a read in a branch after the block counts.  A name
 * bound anew (other than to such an object) is forgotten.
 *
 * Two more sources of unloaded objects.  A flush (and a commit) of an
 * AsyncSession leaves the columns its UPDATEs and INSERTs let the database
 * set unloaded (SL107; `flushed`): there, a change in one branch of an if
 * and a rebinding or a flush in the other are told apart (`exclusive`).
 * And a task the function starts with asyncio.create_task and does not wait
 * for runs after the request, when the providers of the request's sessions
 * have torn them down (SL102; `run_task`): its events are placed after the
 * function's end.  Sessions a coroutine is handed are followed for these
 * two, and for SL107 on what it loads through them (FOLLOW_*).
 *
 * This file makes the events (sessions(), then events(): the two walks,
 * and the helpers probed on the way); detached_replay.c replays them and
 * reports; detached_impl.h holds what both read.
 */
#include "rules/detached.h"
#include "rules/detached_impl.h"

#include <string.h>

#include "depends.h"
#include "fastapi.h"
#include "model.h"
#include "project.h"
#include "rules/ormpaths.h"
#include "scope.h"
#include "value.h"

#define msg arena_printf

#define MAX_PROBES 64 /* helpers remembered per module */

typedef struct ProbeCache {
    const Node *def[MAX_PROBES];
    const Probe *res[MAX_PROBES]; /* NULL: returns nothing detached */
    int n;
} ProbeCache;

/* The session e names, as this function's list spells it, or NULL: a
 * name, or an attribute of one (`self.session`, followed when the value
 * model knows it is an AsyncSession: param_sessions). */
static const char *session_of(const Scan *c, const Node *e)
{
    if (e && e->kind == NODE_Name) {
        int i = session_index(c, e->v.Name.id);
        return i >= 0 ? c->sess[i] : NULL;
    }
    if (!e || !c->nattr || e->kind != NODE_Attribute || e->v.Attribute.value->kind != NODE_Name)
        return NULL;
    const char *x = e->v.Attribute.value->v.Name.id;
    size_t n = strlen(x);
    for (int i = 0; i < c->nsess; i++)
        if (!strncmp(c->sess[i], x, n) && c->sess[i][n] == '.' &&
            !strcmp(c->sess[i] + n + 1, e->v.Attribute.attr))
            return c->sess[i];
    return NULL;
}

static void fire_hooks(Scan *c, const char *sess, int line, int col);

static void push(Scan *c, int kind, const Node *at, int line, int col, const char *sess,
                 const char *obj)
{
    if (c->nev == MAX_EVENTS)
        return;
    if (kind == EV_COMMIT && c->nhook && !c->firing) {
        int l = c->after_line ? c->after_line : c->pin_line ? c->pin_line : line;
        int k = c->after_line ? c->after_col : c->pin_line ? c->pin_col : col;
        fire_hooks(c, sess, l, k); /* its listeners run inside it, before it expires */
        if (c->nev == MAX_EVENTS)
            return;
    }
    if (c->nev == c->cap) {
        int cap = c->cap ? 2 * c->cap : 32;
        DEvent *ev = arena_alloc(c->scratch, (size_t)cap * sizeof *ev);
        if (c->nev)
            memcpy(ev, c->ev, (size_t)c->nev * sizeof *ev);
        c->ev = ev;
        c->cap = cap;
    }
    if (c->after_line) { /* runs after the return: placed there, in source order */
        line = c->after_line;
        col = c->after_col++;
    } else if (c->pin_line) { /* placed after the comprehension's first iterable, in
                                 the order they run (seq) */
        line = c->pin_line;
        col = c->pin_col;
    }
    c->ev[c->nev] = (DEvent){.line = line, .col = col, .seq = c->nev,
                             .until_line = c->until_line, .until_col = c->until_col,
                             .kind = (unsigned char)kind, .sess = sess, .obj = obj, .at = at,
                             .in_body = c->in_body, .in_handler = c->in_handler,
                             .task = c->task, .hook = c->firing};
    c->nev++;
}

static void push_at(Scan *c, int kind, const Node *at, const char *sess, const char *obj)
{
    push(c, kind, at, at->lineno, at->col_offset, sess, obj);
}

/* The name "root.attr" when it is an ORM object followed as the attribute
 * of a name (dependency_objects: `auth.user`), else NULL. */
static const char *held_ref(const Scan *c, const char *root, const char *attr, size_t n)
{
    size_t rn = strlen(root);
    for (int i = 0; i < c->nheld_obj; i++) {
        const char *h = c->held_obj[i];
        if (!strncmp(h, root, rn) && h[rn] == '.' && !strncmp(h + rn + 1, attr, n) &&
            !h[rn + 1 + n])
            return h;
    }
    return NULL;
}

/* The ORM object e names: a name, or `auth.user` followed so; else NULL. */
static const char *obj_ref(const Scan *c, const Node *e)
{
    if (e && e->kind == NODE_Name)
        return e->v.Name.id;
    if (c->nheld_obj && e && e->kind == NODE_Attribute && e->v.Attribute.value->kind == NODE_Name)
        return held_ref(c, e->v.Attribute.value->v.Name.id, e->v.Attribute.attr,
                        strlen(e->v.Attribute.attr));
    return NULL;
}

/* ormpaths_ref's root and path, `auth` and "user.name", as the object
 * followed and the path read of it: "auth.user" and "name". */
static void held_split(const Scan *c, const char **root, const char **path)
{
    if (!c->nheld_obj || !**path)
        return;
    const char *dot = strchr(*path, '.');
    size_t n = dot ? (size_t)(dot - *path) : strlen(*path);
    const char *h = held_ref(c, *root, *path, n);
    if (h) {
        *root = h;
        *path = dot ? dot + 1 : "";
    }
}

/* An EV_READ of path of obj at at (sess: the session's own read, a
 * refresh); the event, or NULL when the events are full. */
static DEvent *push_read(Scan *c, const Node *at, const char *sess, const char *obj,
                         const char *path)
{
    if (c->nev == MAX_EVENTS)
        return NULL;
    push_at(c, EV_READ, at, sess, obj);
    c->ev[c->nev - 1].path = path;
    return &c->ev[c->nev - 1];
}

/* An EV_CHANGE of attribute attr of obj by the statement or call at, once
 * it has run. */
static void push_change(Scan *c, const Node *at, const char *obj, const char *attr)
{
    if (c->nev == MAX_EVENTS || *attr == '_')
        return; /* u._cache = ...: not a column */
    push(c, EV_CHANGE, at, ast_end_lineno(at), at->end_col_offset, NULL, obj);
    c->ev[c->nev - 1].path = attr;
}

/* --- which sessions expire on commit -------------------------------------- */


/* Do the sessions the call acq makes expire on commit (ormpaths.h)? */
static int expires(const Scan *c, const Node *acq)
{
    return ormpaths_expires(c->scratch, c->env, c->scope, acq);
}

/* Is e (a with item's expression or an assigned value) a session of a
 * factory whose making is seen?  Its expires() answer (1 or 0), or -1. */
static int seen_session(Scan *c, const Node *e)
{
    e = ast_unawait(e);
    if (!e || e->kind != NODE_Call)
        return -1;
    const Node *f = e->v.Call.func;
    int x = expires(c, e); /* the cheaper test first: most calls are not sessions */
    if (x < 0)
        return -1;
    if (f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "begin")) {
        /* SessionLocal.begin(): a session, committed and closed at the block's end */
        Val m = flow_value(c->scratch, c->env, c->scope, f->v.Attribute.value);
        return m.tag == VAL_FACTORY && m.kind == FAC_SESSIONMAKER ? x : -1;
    }
    Val v = flow_value(c->scratch, c->env, c->scope, e);
    return v.tag == VAL_RESOURCE && v.kind == RES_SESSION ? x : -1;
}

static void add_session_named(Scan *c, const char *name, int expires, int is_async)
{
    if (c->nsess < MAX_SESSIONS && session_index(c, name) < 0) {
        c->sess_expires[c->nsess] = (unsigned char)expires;
        c->sess_async[c->nsess] = (unsigned char)is_async;
        c->sess_follow[c->nsess] = FOLLOW_ALL;
        c->sess_prov[c->nsess] = NULL;
        c->sess_reg[c->nsess] = NULL;
        c->sess[c->nsess++] = name;
    }
}

/* Is the session that e makes an AsyncSession? */
static int async_session(Scan *c, const Node *e)
{
    e = ast_unawait(e);
    if (e && e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute &&
        !strcmp(e->v.Call.func->v.Attribute.attr, "begin"))
        e = e->v.Call.func->v.Attribute.value; /* async_session.begin(): the maker's */
    Val v = flow_value(c->scratch, c->env, c->scope, e);
    return v.is_async;
}

static void add_session(Scan *c, const Node *name, int expires, const Node *made)
{
    if (name && name->kind == NODE_Name)
        add_session_named(c, name->v.Name.id, expires, async_session(c, made));
}

/* --- the thread's session of a scoped_session registry ----------------------- */

/* The thread's session of registry r among this function's: its name, the
 * session added (under r's name) when it is new; NULL when that name
 * is another session's or there is no room. */
static const char *registry_session(Scan *c, const Registry *r)
{
    for (int i = 0; i < c->nsess; i++)
        if (c->sess_reg[i] == r->call)
            return c->sess[i];
    if (session_index(c, r->name) >= 0 || c->nsess == MAX_SESSIONS)
        return NULL;
    add_session_named(c, r->name, r->expires, r->is_async);
    c->sess_reg[c->nsess - 1] = r->call;
    c->nreg++;
    return r->name;
}

/* The followed session of registry call here, or NULL. */
static const char *registry_followed(const Scan *c, const Node *call)
{
    for (int i = 0; i < c->nsess; i++)
        if (c->sess_reg[i] == call)
            return c->sess[i];
    return NULL;
}

/* `SESSION.query(...)`, `SESSION.commit()`, ...: a method of a session
 * called on a name that holds a registry whose factory is seen (so its
 * expire_on_commit is known): the thread's session is one of this
 * function's.  Each name is asked once.  Flask-SQLAlchemy's `db.session`
 * is not followed: an attribute, and torn down by the application context. */
static void registry_use(Scan *c, const Node *call)
{
    static const char *const methods[] = {"query", "get", "scalars", "scalar", "execute",
                                          "commit", "close", "remove", "add", "merge",
                                          "rollback", "refresh", "flush", NULL};
    const Node *f = call->v.Call.func;
    const Node *r = f->kind == NODE_Attribute ? f->v.Attribute.value : NULL;
    if (!r || r->kind != NODE_Name || !ast_name_in(f->v.Attribute.attr, methods) ||
        session_index(c, r->v.Name.id) >= 0)
        return;
    for (int i = 0; i < c->nnotreg; i++)
        if (!strcmp(c->notreg[i], r->v.Name.id))
            return;
    Val v = flow_value(c->scratch, c->env, c->scope, r);
    int x = v.tag == VAL_FACTORY && v.kind == FAC_SCOPED && v.sub != SCOPED_FLASK && v.node
                ? ormpaths_registry_expires(c->scratch, c->env, c->scope, r, v.node)
                : -1;
    if (x >= 0)
        registry_session(c, &(Registry){v.node, r->v.Name.id, (unsigned char)x, v.is_async});
    else if (c->nnotreg < MAX_SESSIONS)
        c->notreg[c->nnotreg++] = r->v.Name.id;
}

/* --- objects of a session --------------------------------------------------- */

/*
 * The loaders: what a method gives of the mapped class its receiver
 * selects (SQLAlchemy's API reference: Session, Query, Result,
 * ScalarResult; SQLModel's Session.exec).  OF_SESSION: a method of the
 * session itself, the class (or a select of it) its first argument;
 * OF_QUERY: of the legacy Query that `s.query(User)` starts (1.x, kept in
 * 2.0); OF_RESULT: of what `s.execute()`, `s.scalars()` or `s.exec()`
 * return (of execute's rows, only past `.scalars()` for collections).
 * many: a collection of objects, each loaded alike, else one object.
 */
enum { OF_SESSION = 1, OF_QUERY = 2, OF_RESULT = 4 };

typedef struct Loader {
    const char *name;
    unsigned char of, many;
} Loader;

static const Loader loaders[] = {
    {"get", OF_SESSION | OF_QUERY, 0}, /* Session.get(User, pk) (1.4), Query.get(pk) (legacy) */
    {"get_one", OF_SESSION, 0},        /* 2.0.22: raises instead of None */
    {"merge", OF_SESSION, 0},          /* the session's copy of its argument */
    {"scalar", OF_SESSION | OF_QUERY | OF_RESULT, 0},
    {"scalars", OF_SESSION | OF_RESULT, 1},
    {"exec", OF_SESSION, 1}, /* SQLModel: a ScalarResult for a select of one class */
    {"first", OF_QUERY | OF_RESULT, 0},
    {"one", OF_QUERY | OF_RESULT, 0},
    {"one_or_none", OF_QUERY | OF_RESULT, 0},
    {"scalar_one", OF_RESULT, 0},
    {"scalar_one_or_none", OF_RESULT, 0},
    {"all", OF_QUERY | OF_RESULT, 1},
    {"fetchall", OF_RESULT, 1},
    {"fetchmany", OF_RESULT, 1},
    {"unique", OF_RESULT, 1},
    {NULL, 0, 0},
};

/* The loader name is, on a receiver of kind of (OF_*), or NULL. */
static const Loader *loader(const char *name, int of)
{
    for (const Loader *l = loaders; l->name; l++)
        if (l->name[0] == name[0] && !strcmp(l->name, name))
            return l->of & of ? l : NULL;
    return NULL;
}

/* The kind of what the session's method m returns (OF_QUERY, OF_RESULT),
 * 0 for none the loaders read. */
static int result_kind(const char *m)
{
    static const char *const results[] = {"scalars", "execute", "exec", NULL};
    return !strcmp(m, "query") ? OF_QUERY : ast_name_in(m, results) ? OF_RESULT : 0;
}

/* The mapped class's name that e selects (model_selected_entity), or,
 * probing a method, a placeholder named `self.model` for a class its
 * instance keeps (`s.get(self.model, i)`, `select(self.model)...`): the
 * caller's receiver says which (Probe.held_ent). */
static const Node *selected(const Scan *c, const Node *e)
{
    const Node *x = model_selected_entity(e);
    if (x || !c->held_self)
        return x;
    while (e && e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute)
        e = e->v.Call.func->v.Attribute.value; /* select(self.model).where(...) */
    if (e && e->kind == NODE_Call && e->v.Call.func->kind == NODE_Name &&
        !strcmp(e->v.Call.func->v.Name.id, "select") && e->v.Call.args.n == 1)
        e = e->v.Call.args.items[0];
    if (!e || e->kind != NODE_Attribute || e->v.Attribute.value->kind != NODE_Name ||
        strcmp(e->v.Attribute.value->v.Name.id, c->held_self))
        return NULL;
    Node *p = arena_alloc(c->k->a, sizeof *p);
    memset(p, 0, sizeof *p);
    p->kind = NODE_Name;
    p->v.Name.id = arena_printf(c->k->a, "%s.%s", c->held_self, e->v.Attribute.attr);
    return p;
}

/* The session whose object (or objects) the value v is, or NULL: a loader
 * above of a session, of a query or result of one (`s.query(User)
 * .filter_by(...).one()`, `s.scalars(select(User)).first()`), or of a name
 * bound to such a result; and collections of such objects, each loaded
 * alike, also wrapped in list(), tuple() or sorted().  *load: the call
 * whose loader options loaded it. */
static const char *object_of(const Scan *c, const Node *v, const Node **ent, const Node **load)
{
    *ent = NULL;
    static const char *const wrappers[] = {"list", "tuple", "sorted", NULL};
    v = ast_unawait(v);
    for (int i = 0; v && i < 8; i++) { /* list(...), [x for x in ... if ...]: the same objects */
        const Node *g = (v->kind == NODE_ListComp || v->kind == NODE_GeneratorExp) &&
                                v->v.ListComp.generators.n == 1
                            ? v->v.ListComp.generators.items[0] : NULL;
        if (v->kind == NODE_Call && v->v.Call.func->kind == NODE_Name &&
            v->v.Call.args.n == 1 && ast_name_in(v->v.Call.func->v.Name.id, wrappers))
            v = ast_unawait(v->v.Call.args.items[0]);
        else if (g && ast_same_ref(v->v.ListComp.elt, g->v.comprehension.target) &&
                 g->v.comprehension.target->kind == NODE_Name)
            v = ast_unawait(g->v.comprehension.iter);
        else
            break;
    }
    *load = v;
    if (!v || v->kind != NODE_Call || v->v.Call.func->kind != NODE_Attribute)
        return NULL;
    const Node *f = v->v.Call.func;
    const char *m = f->v.Attribute.attr;
    const char *s = session_of(c, f->v.Attribute.value);
    if (s) {
        if (!loader(m, OF_SESSION) || v->v.Call.args.n < 1)
            return NULL;
        const Node *a = v->v.Call.args.items[0];
        if (!strcmp(m, "merge"))
            return s;
        *ent = selected(c, a);
        return *ent ? s : NULL;
    }
    const Loader *l = loader(m, OF_QUERY | OF_RESULT);
    if (!l || (!strcmp(m, "get") && v->v.Call.args.n < 1))
        return NULL;
    int scalars = !strcmp(m, "scalars");
    const Node *r = ast_unawait(f->v.Attribute.value);
    for (; r && r->kind == NODE_Call && r->v.Call.func->kind == NODE_Attribute;
         r = ast_unawait(r->v.Call.func->v.Attribute.value)) {
        const Node *rf = r->v.Call.func;
        if ((s = session_of(c, rf->v.Attribute.value))) {
            const char *rm = rf->v.Attribute.attr;
            if (!(result_kind(rm) & l->of) || r->v.Call.args.n < 1 ||
                (l->many && !scalars && !strcmp(rm, "execute")))
                return NULL;
            *ent = selected(c, r->v.Call.args.items[0]);
            return *ent ? s : NULL;
        }
        scalars |= !strcmp(rf->v.Attribute.attr, "scalars");
    }
    for (int i = 0; r && r->kind == NODE_Name && i < c->nres; i++) /* result.scalar_one() */
        if (!strcmp(c->rname[i], r->v.Name.id)) {
            if (l->many && !scalars && c->rrows[i])
                return NULL; /* result.all(): rows */
            if (!(result_kind(c->rload[i]->v.Call.func->v.Attribute.attr) & l->of))
                return NULL; /* q.get(pk) of a query, not of a result */
            *ent = c->rent[i];
            *load = c->rload[i];
            return c->rsess[i];
        }
    return NULL;
}

/* `result = s.execute(select(User)...)` (awaited or not): the name of a
 * query's result, whose `.scalar_one()`, `.scalars().first()` ... are
 * objects of s; bound anew to anything else, it is forgotten. */
static void note_result(Scan *c, const Node *t, const Node *v)
{
    if (!t || t->kind != NODE_Name)
        return;
    for (int i = 0; i < c->nres; i++)
        if (!strcmp(c->rname[i], t->v.Name.id))
            c->rname[i] = "";
    v = ast_unawait(v);
    const Node *f = v && v->kind == NODE_Call ? v->v.Call.func : NULL;
    const char *s = f && f->kind == NODE_Attribute ? session_of(c, f->v.Attribute.value) : NULL;
    const Node *ent = s && result_kind(f->v.Attribute.attr) && v->v.Call.args.n > 0
                          ? selected(c, v->v.Call.args.items[0])
                          : NULL;
    if (!ent || c->nres == MAX_RESULTS)
        return;
    c->rname[c->nres] = t->v.Name.id;
    c->rsess[c->nres] = s;
    c->rload[c->nres] = v;
    c->rrows[c->nres] = !strcmp(f->v.Attribute.attr, "execute");
    c->rent[c->nres++] = ent;
}

/* The last event, an EV_BIND of an object loaded by load: its class and
 * the relationship paths load's options load, when they are known (else
 * its relationships are not followed). */
static void bind_loaded(Scan *c, const Node *ent, const Node *load)
{
    DEvent *e = c->nev ? &c->ev[c->nev - 1] : NULL;
    if (e && e->kind == EV_BIND)
        e->cls = ent;
    if (e && e->kind == EV_BIND && ent &&
        ormpaths_loaded(c->k->a, load, &e->loaded, &e->nloaded))
        e->ent = ent;
}

/* --- the walks ---------------------------------------------------------- */

static void sessions_kid(Node *parent, Node *n, void *arg);
static void sessions(Scan *c, const Node *n);

static const Probe *probe_of(Scan *c, const Node *value);
static void param_sessions(Scan *c);

/* Is t a target a helper's object may go to: a name, or a tuple to unpack
 * (`hero, created = f()`)? */
static int unpacks(const Node *t)
{
    return t->kind == NODE_Name || t->kind == NODE_Tuple || t->kind == NODE_List;
}

/* Does the function bind a name to an ORM object a helper returns (detached,
 * or of a registry's session)? */
typedef struct Detaching {
    Scan *c;
    int found, depth;
} Detaching;

static void detaching_kid(Node *parent, Node *n, void *arg)
{
    Detaching *w = arg;
    const Probe *pr;
    (void)parent;
    if (w->found || w->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_Assign && n->v.Assign.targets.n == 1 &&
        unpacks(n->v.Assign.targets.items[0]) && (pr = probe_of(w->c, n->v.Assign.value)) &&
        pr->ent) {
        w->found = 1;
        return;
    }
    w->depth++;
    ast_children(n, detaching_kid, w);
    w->depth--;
}

static int calls_detaching(Scan *c, const Node *f)
{
    if (c->nbound <= MAX_BOUND) { /* what sessions() kept: the same nodes, in the same order */
        const Probe *pr;
        for (int i = 0; i < c->nbound; i++)
            if ((pr = probe_of(c, c->bound[i]->v.Assign.value)) && pr->ent)
                return 1;
        return 0;
    }
    Detaching w = {c, 0, 0};
    for (int j = 0; j < f->v.FunctionDef.body.n && !w.found; j++)
        detaching_kid(NULL, f->v.FunctionDef.body.items[j], &w);
    return w.found;
}

/* Keeps the statements detaching_kid would hand probe_of, one that
 * probe_of answers at once (no call of a name or attribute) left out. */
static void note_bound(Scan *c, const Node *n)
{
    const Node *v = n->kind == NODE_Assign && n->v.Assign.targets.n == 1 &&
                            unpacks(n->v.Assign.targets.items[0])
                        ? ast_unawait(n->v.Assign.value)
                        : NULL;
    if (!v || v->kind != NODE_Call ||
        (v->v.Call.func->kind != NODE_Name && v->v.Call.func->kind != NODE_Attribute))
        return;
    if (c->nbound < MAX_BOUND)
        c->bound[c->nbound] = n;
    if (c->nbound <= MAX_BOUND)
        c->nbound++;
}

/* Does the provider def (a generator, of any module of the project) lend a
 * session of a seen factory?  Whether those expire on commit (1 or 0; -1:
 * not known), and in *is_async whether they are AsyncSessions. */
static int provider_expires(const Scan *c, const Node *def, int *is_async)
{
    const ScopeTable *t = value_table_of(c->env->values, def);
    FlowEnv env = *c->env; /* the provider's module is where its names mean something */
    env.scopes = t ? t : c->env->scopes;
    Scan p = {.k = c->k, .env = &env, .scratch = c->scratch, .func = def,
              .scope = scope_of(env.scopes, def)};
    *is_async = 0;
    if (!p.scope)
        return -1;
    for (int j = 0; j < def->v.FunctionDef.body.n; j++)
        sessions(&p, def->v.FunctionDef.body.items[j]);
    if (!p.nsess)
        return -1;
    *is_async = p.sess_async[0];
    return p.sess_expires[0];
}

/* `session_scope()` (awaited or not): a generator of the project, a
 * @contextmanager, whose summary says it lends a session it releases after
 * its yield, made by a seen factory.  Its summary; *expires and *is_async. */
static int rolls_back_after_yield(const Scan *c, const Node *def);

static const FlowSummary *lending_cm(Scan *c, const Node *e, int *expires, int *is_async,
                                     int *rolls_back)
{
    e = ast_unawait(e);
    if (!e || e->kind != NODE_Call || !c->env->summary_of)
        return NULL;
    Val f = flow_value(c->scratch, c->env, c->scope, e->v.Call.func);
    const FlowSummary *sum = f.tag == VAL_FUNC && f.node
                                 ? c->env->summary_of(c->env->summary_arg, f.node) : NULL;
    if (!sum || sum->yields_kind != RES_SESSION || !sum->releases_after ||
        (f.node->kind != NODE_FunctionDef && f.node->kind != NODE_AsyncFunctionDef))
        return NULL;
    *expires = provider_expires(c, f.node, is_async);
    *rolls_back = *expires >= 0 && rolls_back_after_yield(c, f.node);
    return *expires >= 0 ? sum : NULL;
}

/* `asyncio.create_task(work(...))`, `asyncio.ensure_future(...)`,
 * `asyncio.get_running_loop().create_task(...)`: the coroutine call it
 * runs apart from the function, or NULL.  (A TaskGroup's create_task is
 * waited for by its block.) */
static const Node *task_coro(const Scan *c, const Node *call)
{
    static const char *const starts[] = {"asyncio.create_task", "asyncio.ensure_future",
                                         "asyncio.tasks.create_task",
                                         "asyncio.tasks.ensure_future", NULL};
    static const char *const loops[] = {"asyncio.get_event_loop", "asyncio.get_running_loop",
                                        "asyncio.events.get_event_loop",
                                        "asyncio.events.get_running_loop", NULL};
    const Node *f = call->kind == NODE_Call && call->v.Call.args.n > 0 ? call->v.Call.func : NULL;
    const char *m = !f ? NULL
                    : f->kind == NODE_Attribute ? f->v.Attribute.attr
                    : f->kind == NODE_Name      ? f->v.Name.id
                                                : NULL;
    if (!m || (strcmp(m, "create_task") && strcmp(m, "ensure_future")))
        return NULL; /* the cheap test first */
    const Node *recv = f->kind == NODE_Attribute ? f->v.Attribute.value : NULL;
    if (!ast_name_in(ormpaths_qual(c->scratch, c->env->scopes, c->scope, f), starts) &&
        !(recv && recv->kind == NODE_Call &&
          ast_name_in(ormpaths_qual(c->scratch, c->env->scopes, c->scope, recv->v.Call.func),
                      loops)))
        return NULL;
    const Node *coro = ast_unawait(call->v.Call.args.items[0]);
    return coro && coro->kind == NODE_Call ? coro : NULL;
}

/* Is the task a create_task call starts waited for by the function? */
static int task_waited(const Scan *c, const Node *call)
{
    for (int i = 0; i < c->nwaited; i++)
        if (c->waited[i] == call)
            return 1;
    return c->gathers;
}

/* The waits for tasks in a function that starts some (`await t`, gather,
 * wait, a TaskGroup), so that one started here is known not to be waited
 * for only when none is seen. */
static void note_tasks(Node *parent, Node *n, void *arg)
{
    static const char *const waits[] = {"gather", "as_completed", "TaskGroup", "wait", NULL};
    Scan *c = arg;
    (void)parent;
    if (c->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_Await) {
        const Node *v = n->v.Await.value;
        if (v->kind == NODE_Name && c->nawaited < MAX_SESSIONS)
            c->awaited[c->nawaited++] = v->v.Name.id;
        if (v->kind == NODE_Call && task_coro(c, v) && c->nwaited < MAX_SESSIONS)
            c->waited[c->nwaited++] = v;
        for (int i = 0; v->kind == NODE_Call && i < v->v.Call.args.n; i++)
            if (v->v.Call.args.items[i]->kind == NODE_Name && c->nawaited < MAX_SESSIONS)
                c->awaited[c->nawaited++] = v->v.Call.args.items[i]->v.Name.id; /* wait_for(t) */
    } else if (n->kind == NODE_Call) {
        const Node *f = n->v.Call.func;
        const char *m = f->kind == NODE_Attribute ? f->v.Attribute.attr
                        : f->kind == NODE_Name    ? f->v.Name.id
                                                  : NULL;
        c->gathers |= ast_name_in(m, waits) &&
                      (strcmp(m, "wait") || f->kind != NODE_Attribute ||
                       (f->v.Attribute.value->kind == NODE_Name &&
                        !strcmp(f->v.Attribute.value->v.Name.id, "asyncio")));
    }
    c->depth++;
    ast_children(n, note_tasks, c);
    c->depth--;
}

/* What sessions() notes of a node, by the cheapest test first: an
 * attribute `.commit`, `.flush`; a call of create_task, ensure_future,
 * setattr. */
static void note_name(Scan *c, const Node *n)
{
    const Node *f = n->kind == NODE_Call ? n->v.Call.func : NULL;
    const char *s = n->kind == NODE_Attribute ? n->v.Attribute.attr
                    : !f                      ? NULL
                    : f->kind == NODE_Name    ? f->v.Name.id
                    : f->kind == NODE_Attribute ? f->v.Attribute.attr
                                                : NULL;
    switch (s ? s[0] : 0) {
    case 'c':
        c->commits |= !f && !strcmp(s, "commit");
        c->tasks |= f && !strcmp(s, "create_task");
        break;
    case 'e':
        c->tasks |= f && !strcmp(s, "ensure_future");
        break;
    case 'f':
        c->flushes |= !f && !strcmp(s, "flush");
        break;
    case 's':
        c->setattrs |= f && !strcmp(s, "setattr");
        break;
    default:
        break;
    }
}

/* `t = asyncio.create_task(...)` with t awaited somewhere: waited for. */
static void note_task_name(Scan *c, const Node *t, const Node *v)
{
    for (int i = 0; t && t->kind == NODE_Name && i < c->nawaited; i++)
        if (!strcmp(c->awaited[i], t->v.Name.id) && task_coro(c, ast_unawait(v)) &&
            c->nwaited < MAX_SESSIONS) {
            c->waited[c->nwaited++] = ast_unawait(v);
            return;
        }
}

/* First walk: the sessions the function makes and closes. */
/* The attribute of a name that statement n changes (`o.x = v`, `o.x += v`,
 * `o.x: T = v`), or NULL. */
static const Node *changed_attr(const Node *n)
{
    const Node *t = n->kind == NODE_Assign      ? (n->v.Assign.targets.n == 1
                                                       ? n->v.Assign.targets.items[0] : NULL)
                    : n->kind == NODE_AugAssign ? n->v.AugAssign.target
                    : n->kind == NODE_AnnAssign ? n->v.AnnAssign.target
                                                : NULL;
    return t && t->kind == NODE_Attribute && t->v.Attribute.value->kind == NODE_Name ? t : NULL;
}

/* `x.get(User, i)`, `self.session.execute(q)`: a receiver (a name, or an
 * attribute of one) of a session's loader, remembered once. */
static void note_receiver(Scan *c, const Node *call)
{
    const Node *f = call->v.Call.func, *r = f->kind == NODE_Attribute ? f->v.Attribute.value
                                                                      : NULL;
    if (!r || !(r->kind == NODE_Name || (r->kind == NODE_Attribute &&
                                         r->v.Attribute.value->kind == NODE_Name)) ||
        c->nrecv == MAX_SESSIONS ||
        !(loader(f->v.Attribute.attr, OF_SESSION) || result_kind(f->v.Attribute.attr)))
        return;
    for (int i = 0; i < c->nrecv; i++)
        if (ast_same_ref(c->recv[i], r))
            return;
    c->recv[c->nrecv++] = r;
}

static void sessions(Scan *c, const Node *n)
{
    if (!n || c->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    int x;
    if (n->kind == NODE_withitem && (x = seen_session(c, n->v.withitem.context_expr)) >= 0) {
        add_session(c, n->v.withitem.optional_vars, x, n->v.withitem.context_expr);
        if (c->nitems < MAX_SESSIONS) {
            c->item_cm[c->nitems] = NULL;
            c->item_rb[c->nitems] = 0;
            c->items[c->nitems++] = n;
        }
    } else if (n->kind == NODE_withitem && n->v.withitem.optional_vars &&
               n->v.withitem.optional_vars->kind == NODE_Name && c->nitems < MAX_SESSIONS) {
        /* `with session_scope() as s`: a context manager of the project lending a
           session of a seen factory; its summary says what its exit does */
        int is_async = 0, rb = 0;
        const FlowSummary *cm = lending_cm(c, n->v.withitem.context_expr, &x, &is_async, &rb);
        if (cm) {
            add_session_named(c, n->v.withitem.optional_vars->v.Name.id, x, is_async);
            c->item_cm[c->nitems] = cm;
            c->item_rb[c->nitems] = (unsigned char)rb;
            c->items[c->nitems++] = n;
        }
    }
    if (n->kind == NODE_Assign && n->v.Assign.targets.n == 1 &&
        (x = seen_session(c, n->v.Assign.value)) >= 0)
        add_session(c, n->v.Assign.targets.items[0], x, n->v.Assign.value);
    c->changes |= changed_attr(n) != NULL; /* for lost_writes, on the same walk */
    if (n->kind == NODE_Assign)
        note_bound(c, n); /* for calls_detaching, on the same walk */
    if (n->kind == NODE_Attribute || n->kind == NODE_Call)
        note_name(c, n);
    if (n->kind == NODE_Call) {
        registry_use(c, n);
        note_receiver(c, n);
    }
    c->depth++;
    ast_children((Node *)n, sessions_kid, c);
    c->depth--;
}

static void sessions_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    sessions(arg, n);
}

static void forget_target(Scan *c, const Node *t, const Node *at)
{
    if (!t)
        return;
    if (t->kind == NODE_Name)
        push_at(c, EV_FORGET, at, NULL, t->v.Name.id);
    else if (t->kind == NODE_Tuple || t->kind == NODE_List)
        for (int i = 0; i < t->v.Tuple.elts.n; i++)
            forget_target(c, t->v.Tuple.elts.items[i], at);
    else if (t->kind == NODE_Starred)
        forget_target(c, t->v.Starred.value, at);
}

static void events_kid(Node *parent, Node *n, void *arg);

/* obj handed to add() of session s: pending until a commit flushes it. */
static void push_added(Scan *c, const Node *call, const char *s, const char *obj)
{
    push(c, EV_BIND, call, ast_end_lineno(call), call->end_col_offset, s, obj);
    if (c->nev)
        c->ev[c->nev - 1].added = 1;
}

/* The parameters the summarized def commits when call runs it: a
 * summary whose commit flags decide (`if flush_only: ... else:
 * commit()`, FlowSummary.cond) commits as the arguments' constants, or the
 * parameters' constant defaults, say; an argument not a constant, both
 * ways (a commit on some path). */
static unsigned call_commits(const FlowSummary *sum, const Node *def, int shift,
                             const Node *call)
{
    int truth[FLOW_MAX_COND];
    for (int k = 0; k < FLOW_MAX_COND; k++) {
        truth[k] = 1; /* no flag: as a truthy one */
        if (!sum->cond[k])
            continue;
        const Node *v = ast_param_default(def, sum->cond[k] - 1);
        for (int j = 0; ast_call_arg(call, j); j++)
            if (ast_arg_param(def, shift, call, j) == sum->cond[k] - 1)
                v = ast_call_arg(call, j);
        int kind = v && v->kind == NODE_Constant ? v->v.Constant.value.kind : -1;
        truth[k] = kind == CONST_TRUE ? 1 : kind == CONST_FALSE || kind == CONST_NONE ? 0 : -1;
    }
    unsigned commits = 0;
    for (unsigned m = 0; m < 1u << FLOW_MAX_COND; m++) {
        int fits = 1; /* every flag's value as m takes it is possible */
        for (int k = 0; k < FLOW_MAX_COND; k++)
            fits &= truth[k] < 0 || truth[k] == !(m >> k & 1);
        if (fits)
            commits |= flow_summary_fx(sum, m).commits;
    }
    return commits;
}

/* `user.save(db)`: the method of an object this function loaded or made
 * (the class of its last binding, a mapped class of the project, or a
 * base's: an ActiveRecord mixin), or NULL.  The value
 * model does not know what a loader returns, the binding events do.
 * *self: the object's name when it is made here, not yet of a session
 * (the method may add it), else NULL. */
static const Node *loaded_method(Scan *c, const Node *call, const char **self)
{
    const Node *f = call->v.Call.func;
    const Node *o = f->kind == NODE_Attribute ? f->v.Attribute.value : NULL;
    const char *oname = obj_ref(c, o);
    if (!oname)
        return NULL;
    if (o->kind == NODE_Attribute) { /* `auth.user.save(db)`: its class is the value model's */
        Val v = flow_value(c->scratch, c->env, c->scope, o);
        const Node *def = v.tag == VAL_OBJECT && v.node && v.node->kind == NODE_ClassDef
                              ? value_method(c->env->values, c->scratch, v.node,
                                             f->v.Attribute.attr) : NULL;
        *self = NULL; /* a dependency's object: of its session already */
        return def && !ast_decorated(def, "staticmethod") && !ast_decorated(def, "classmethod")
                   ? def : NULL;
    }
    const Node *ent = NULL;
    int loaded = 0;
    for (int i = c->nev - 1; i >= 0 && !ent; i--)
        if (c->ev[i].kind == EV_BIND && c->ev[i].obj && !strcmp(c->ev[i].obj, o->v.Name.id)) {
            loaded = c->ev[i].sess != NULL;
            ent = c->ev[i].cls    ? c->ev[i].cls /* loaded, or made: `Book(...)` */
                  : c->ev[i].made ? c->ev[i].made->v.Call.func
                                  : NULL;
            if (!ent || ent->kind != NODE_Name)
                return NULL;
        }
    OrmClass cls = ent ? ormpaths_class(c->env, c->env->scopes, c->scope, ent->v.Name.id)
                       : (OrmClass){NULL, NULL};
    const Node *def = cls.def ? value_method(c->env->values, c->scratch, cls.def,
                                             f->v.Attribute.attr) : NULL;
    if (!def || ast_decorated(def, "staticmethod") || ast_decorated(def, "classmethod"))
        return NULL;
    *self = loaded ? NULL : o->v.Name.id; /* already its session's: adding it again is no news */
    return def;
}

/* `await save(session, obj)`: a function of the project (a module's, or
 * a method: its arguments mapped past the receiver) whose summary adds a
 * parameter to the session it is given adds that argument, a name, to this
 * session (it joins it, so a commit expires it), and one that commits (or
 * rolls back) that session does so to this one, the adds first. */
static void helper_commits(Scan *c, const Node *n)
{
    int any = 0;
    for (int j = 0; ast_call_arg(n, j) && !any; j++)
        any = session_of(c, ast_call_arg(n, j)) != NULL;
    int shift;
    const char *self = NULL;
    const Node *def = any && c->env->summary_of ? loaded_method(c, n, &self) : NULL;
    shift = 1; /* the object is self */
    if (any && c->env->summary_of && !def)
        def = ormpaths_callee(c->scratch, c->env, c->scope, n, &shift);
    const FlowSummary *sum = def ? c->env->summary_of(c->env->summary_arg, def) : NULL;
    if (!sum)
        return;
    for (int j = 0; self && ast_call_arg(n, j); j++) { /* user.save(db): db.add(self) */
        const char *s = session_of(c, ast_call_arg(n, j));
        int i = ast_arg_param(def, shift, n, j);
        if (s && i >= 0 && i < 8 && (sum->adds[i] & 1))
            push_added(c, n, s, self);
    }
    for (int j = 0; ast_call_arg(n, j); j++) {
        const char *s = session_of(c, ast_call_arg(n, j));
        int i = ast_arg_param(def, shift, n, j);
        if (!s || i < 0 || i >= 8 || !sum->adds[i])
            continue;
        for (int k = 0; ast_call_arg(n, k); k++) {
            const Node *o = ast_call_arg(n, k);
            int oi = ast_arg_param(def, shift, n, k);
            if (oi < 0 || oi >= 8 || !(sum->adds[i] >> oi & 1))
                continue;
            if (o->kind == NODE_Name)
                push_added(c, n, s, o->v.Name.id);
            else if (o->kind == NODE_List || o->kind == NODE_Tuple) /* save_all(db, [a, b]) */
                for (int e = 0; e < o->v.List.elts.n; e++)
                    if (o->v.List.elts.items[e]->kind == NODE_Name)
                        push_added(c, n, s, o->v.List.elts.items[e]->v.Name.id);
        }
    }
    for (int j = 0; ast_call_arg(n, j); j++) {
        const char *s = session_of(c, ast_call_arg(n, j));
        int i = ast_arg_param(def, shift, n, j);
        if (!s || i < 0 || i >= 32)
            continue;
        if (call_commits(sum, def, shift, n) >> i & 1)
            push(c, EV_COMMIT, n, ast_end_lineno(n), n->end_col_offset, s, NULL);
        if (sum->rolls_back >> i & 1)
            push(c, EV_ROLLBACK, n, ast_end_lineno(n), n->end_col_offset, s, NULL);
        for (int k = 0; sum->refreshes && ast_call_arg(n, k); k++) {
            const Node *o = ast_call_arg(n, k);
            int oi = ast_arg_param(def, shift, n, k);
            if (o->kind == NODE_Name && oi >= 0 && oi < 32 && (sum->refreshes >> oi & 1))
                push(c, EV_READ, n, ast_end_lineno(n), n->end_col_offset, s,
                     o->v.Name.id); /* it refreshed it last */
        }
    }
}

/* `finish()`: a function of the project that commits, rolls back or closes
 * the thread's session of a registry this function follows does so to
 * this function's, at the call (probe_of says). */
static void helper_registry(Scan *c, const Node *n)
{
    const Probe *pr = c->nreg ? probe_of(c, n) : NULL;
    for (int i = 0; pr && i < pr->neff; i++) {
        const char *s = registry_followed(c, pr->eff[i].call);
        if (!s || c->nev == MAX_EVENTS)
            continue;
        push(c, pr->eff_kind[i], n, ast_end_lineno(n), n->end_col_offset, s, NULL);
        c->ev[c->nev - 1].from = pr;
    }
}

/* The paths a function of the project reads of the objects it is handed
 * (`serialize(user)` reading `user.posts`, `helper(project=v.project)`,
 * calls deep: ormpaths.h): reads at the call. */
static void helper_reads(Scan *c, const Node *n)
{
    const Node *def = NULL;
    int shift = 0;
    for (int j = 0; c->reads && ast_call_arg(n, j); j++) {
        const char *path, *root = ormpaths_ref(c->k->a, ast_call_arg(n, j), &path);
        if (!root)
            continue;
        held_split(c, &root, &path);
        if (!def && !(def = ormpaths_callee(c->scratch, c->env, c->scope, n, &shift)))
            return;
        int nr = 0;
        const OrmRead *r = ormpaths_arg_reads(c->reads, c->k->a, c->scratch, c->env, def, shift,
                                              n, j, &nr);
        for (int i = 0; i < nr; i++) {
            if (r[i].guard && !ormpaths_fills(def, shift, n, r[i].guard))
                continue; /* read under `if include_x:`, which this call leaves off */
            DEvent *e = push_read(c, n, NULL, root, ormpaths_join(c->k->a, path, r[i].path));
            if (!e)
                return;
            e->via = def;
            e->reader = r[i].reader;
            e->rat = r[i].at;
        }
    }
}

/* `s.refresh(obj)`, `s.refresh(obj, ["rel"])`: obj is loaded again, and
 * the relationships named are loaded with it. */
static void refreshed(Scan *c, const Node *n, const char *s, const char *obj)
{
    push_at(c, EV_READ, n, s, obj);
    const Node *names = n->v.Call.args.n > 1 ? n->v.Call.args.items[1]
                                             : ast_keyword(n, "attribute_names");
    for (int i = 0; names && (names->kind == NODE_List || names->kind == NODE_Tuple) &&
                    i < names->v.List.elts.n; i++) {
        const Node *x = names->v.List.elts.items[i];
        if (x->kind == NODE_Constant && x->v.Constant.value.kind == CONST_STR)
            push_read(c, n, s, obj, x->v.Constant.value.s);
    }
}

/* A Pydantic model of the project validating the object obj from its
 * attributes reads every field it declares (ormpaths_schema), each a read
 * at `at` after the whole object's: `Out.model_validate(o)` when Out's
 * config says from_attributes (or always: the call's keyword, v1's
 * `from_orm`, FastAPI's response_model, which validates with
 * from_attributes).  So a column a flush left unloaded, a lazy
 * relationship, are read as `o.field` would be.  A model given by an
 * expression (`schemas.Out`), a generic one, a list of models, and the
 * fields of a nested model are not followed. */
static void schema_reads(Scan *c, const Node *at, const Node *model, const char *obj,
                         int always)
{
    const char **fields = NULL;
    int n = 0, attrs = 0;
    if (!model || model->kind != NODE_Name)
        return;
    OrmClass cls = ormpaths_class(c->env, c->env->scopes, c->scope, model->v.Name.id);
    if (!ormpaths_schema(c->k->a, c->env, cls, &fields, &n, &attrs) || !(attrs || always))
        return;
    for (int i = 0; i < n; i++) {
        DEvent *e = push_read(c, at, NULL, obj, fields[i]);
        if (e)
            e->schema = cls.def;
    }
}

/* An async endpoint returning obj: FastAPI validates it against its
 * response_model (or its return annotation) on the event loop, reading
 * each field of the model, after the function returned. */
static void response_reads(Scan *c, const Node *ret, const char *obj)
{
    const Node *f = c->func, *model = NULL;
    if (!c->endpoint || f->kind != NODE_AsyncFunctionDef)
        return;
    for (int i = 0; i < f->v.FunctionDef.decorator_list.n && !model; i++) {
        const Node *d = f->v.FunctionDef.decorator_list.items[i];
        model = d->kind == NODE_Call ? ast_keyword(d, "response_model") : NULL;
    }
    schema_reads(c, ret, model ? model : f->v.FunctionDef.returns, obj, 1);
}

/* The session of this function's that `recv.<attr>` holds: recv an object
 * keeping it there, made of it here (`Repo(db)`, or a name bound once to
 * that: value_kept says where the constructor stores its arguments), or a
 * name whose attribute is followed as a session of its own ("repo.session",
 * holder_sessions); NULL if none.  attr NULL: could recv hold any (the
 * cheap test), "" for yes.  Limits: a holder made elsewhere and handed in,
 * kept on self (`self.repo`), or rebound, is not followed. */
static const char *held_session(Scan *c, const Node *recv, const char *attr)
{
    const Node *call = ast_unawait(recv);
    if (call && call->kind == NODE_Name) {
        const char *x = call->v.Name.id;
        size_t n = strlen(x);
        for (int i = 0; i < c->nsess; i++)
            if (!strncmp(c->sess[i], x, n) && c->sess[i][n] == '.' &&
                (!attr || !strcmp(c->sess[i] + n + 1, attr)))
                return attr ? c->sess[i] : "";
        call = scope_bound_once(c->env->scopes, c->scope, call, NULL);
        call = ast_unawait(call);
    }
    int any = 0;
    for (int j = 0; call && call->kind == NODE_Call && ast_call_arg(call, j) && !any; j++)
        any = session_of(c, ast_call_arg(call, j)) != NULL;
    if (!any || !attr)
        return any ? "" : NULL;
    ValueKept kept[8];
    int n = value_kept(c->env->values, c->scratch, c->env->scopes, c->scope, call, kept, 8);
    for (int k = 0; k < n; k++)
        if (kept[k].how == VALUE_KEPT_ARG && !kept[k].path && !strcmp(kept[k].attr, attr))
            return session_of(c, kept[k].at);
    return NULL;
}

/* `await repo.save(order)`, `Service(db).close_all()`: a method of the
 * project whose probe says what it does to the sessions its instance keeps
 * (held_effects) does it at the call to the session of this function's
 * that its receiver keeps there (held_session): the adds of the arguments
 * first, then the commits, rollbacks and closes. */
static void held_call(Scan *c, const Node *n)
{
    const Node *f = n->v.Call.func, *recv = f->kind == NODE_Attribute ? f->v.Attribute.value
                                                                      : NULL;
    if (!recv || !(recv->kind == NODE_Name || recv->kind == NODE_Call) ||
        !held_session(c, recv, NULL))
        return;
    const Probe *pr = probe_of(c, n);
    int shift = 0;
    if (!pr || !pr->nheff ||
        ormpaths_callee(c->scratch, c->env, c->scope, n, &shift) != pr->def)
        return;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < pr->nheff; i++) {
            const char *s = (pr->heff_kind[i] == EV_BIND) == !pass
                                ? held_session(c, recv, pr->heff_attr[i]) : NULL;
            if (!s)
                continue;
            if (pass) {
                push(c, pr->heff_kind[i], n, ast_end_lineno(n), n->end_col_offset, s, NULL);
                if (c->nev)
                    c->ev[c->nev - 1].from = pr;
                continue;
            }
            for (int k = 0; ast_call_arg(n, k); k++) {
                const Node *o = ast_call_arg(n, k);
                if (ast_arg_param(pr->def, shift, n, k) != pr->heff_param[i])
                    continue;
                if (o->kind == NODE_Name)
                    push_added(c, n, s, o->v.Name.id);
                else if (o->kind == NODE_List || o->kind == NODE_Tuple)
                    for (int e = 0; e < o->v.List.elts.n; e++)
                        if (o->v.List.elts.items[e]->kind == NODE_Name)
                            push_added(c, n, s, o->v.List.elts.items[e]->v.Name.id);
            }
        }
}

/* What a call does: commit, rollback, close, refresh, add of a session; a reader of
 * an object (pydantic's model_validate, from_orm, jsonable_encoder). */
static void call_events(Scan *c, const Node *n)
{
    /* a query of the session: the rows it loads refresh the expired objects
       they are (the identity map), so after one none is sure to be expired */
    static const char *const loads[] = {"execute", "exec", "scalars", "scalar", "query", "get",
                                        "get_one", "merge", NULL};
    const Node *f = n->v.Call.func;
    const Node *a0 = n->v.Call.args.n > 0 ? n->v.Call.args.items[0] : NULL;
    static const char *const held[] = {"commit", "rollback", "close", "add", "add_all",
                                       "refresh", "flush", NULL};
    const Node *fv = f->kind == NODE_Attribute ? f->v.Attribute.value : NULL;
    const char *s = fv ? session_of(c, fv) : NULL;
    if (!s && fv && fv->kind == NODE_Attribute && c->nsess &&
        ast_name_in(f->v.Attribute.attr, held)) /* `repo.db.commit()` */
        s = held_session(c, fv->v.Attribute.value, fv->v.Attribute.attr);
    if (s) {
        const char *m = f->v.Attribute.attr;
        if (!strcmp(m, "commit"))
            push_at(c, EV_COMMIT, n, s, NULL);
        else if (!strcmp(m, "rollback"))
            push_at(c, EV_ROLLBACK, n, s, NULL);
        else if (!strcmp(m, "close") ||
                 (!strcmp(m, "remove") && c->sess_reg[session_index(c, s)]))
            push_at(c, EV_CLOSE, n, s, NULL);
        else if (!strcmp(m, "flush"))
            push_at(c, EV_FLUSH, n, s, NULL);
        else if (ast_name_in(m, loads))
            push_at(c, EV_LOAD, n, s, NULL);
        else if (!strcmp(m, "refresh") && obj_ref(c, a0))
            refreshed(c, n, s, obj_ref(c, a0));
        else if (!strcmp(m, "add") && obj_ref(c, a0))
            push_added(c, n, s, obj_ref(c, a0));
        else if (!strcmp(m, "add_all") && a0 && a0->kind == NODE_Name && c->held_self)
            push_added(c, n, s, a0->v.Name.id); /* `self.db.add_all(objs)`: held_effects
                                                    hands a parameter's items to the caller */
        else if (!strcmp(m, "add_all") && a0 && (a0->kind == NODE_List || a0->kind == NODE_Tuple))
            for (int i = 0; i < a0->v.List.elts.n; i++)
                if (a0->v.List.elts.items[i]->kind == NODE_Name)
                    push_added(c, n, s, a0->v.List.elts.items[i]->v.Name.id);
        return;
    }
    helper_commits(c, n);
    held_call(c, n);
    helper_registry(c, n);
    helper_reads(c, n);
    const char *name = f->kind == NODE_Attribute ? f->v.Attribute.attr
                       : f->kind == NODE_Name    ? f->v.Name.id
                                                 : NULL;
    const Node *a1 = n->v.Call.args.n > 1 ? n->v.Call.args.items[1] : NULL;
    if (name && !strcmp(name, "setattr") && a0 && a0->kind == NODE_Name && a1)
        push_change(c, n, a0->v.Name.id, /* setattr(u, field, value): like `u.x = value` */
                    a1->kind == NODE_Constant && a1->v.Constant.value.kind == CONST_STR
                        ? a1->v.Constant.value.s : "");
    static const char *const readers[] = {"model_validate", "from_orm", "jsonable_encoder",
                                          "model_dump", NULL};
    if (ast_name_in(name, readers) && a0 && a0->kind == NODE_Name) {
        push_at(c, EV_READ, n, NULL, a0->v.Name.id);
        const Node *kw = ast_keyword(n, "from_attributes");
        if (f->kind == NODE_Attribute && (!strcmp(name, "model_validate") ||
                                          !strcmp(name, "from_orm")))
            schema_reads(c, n, f->v.Attribute.value, a0->v.Name.id,
                         !strcmp(name, "from_orm") || (kw && ast_is_true(kw)));
    }
}

static void events(Scan *c, const Node *n);
static void run_after_return(Scan *c, const Node *ret);

/* `User(name=n)`: e, a call making an object of a mapped class, or NULL. */
static const Node *made_class(const Scan *c, const Node *e)
{
    const Node *f = e && e->kind == NODE_Call ? e->v.Call.func : NULL;
    if (!f || f->kind != NODE_Name || f->v.Name.id[0] < 'A' || f->v.Name.id[0] > 'Z' ||
        !(c->flushes | c->commits))
        return NULL; /* nothing in the function flushes: not asked */
    return ormpaths_mapped(ormpaths_class(c->env, c->env->scopes, c->scope, f->v.Name.id)) ? e
                                                                                          : NULL;
}

/* `t = e`, `for t in e`, a comprehension's `for t in e`, the binding at
 * (line, col): t is an object of a session (e loads it, or a collection
 * of them), or names objects another name does (`v`, `v.project`,
 * `vs[0]`, `[v for v in vs if ...]`: the replay decides whether that name
 * is followed); else it is forgotten. */
static void bind_each(Scan *c, const Node *t, const Node *e, const Node *at, int line, int col)
{
    const Node *ent = NULL, *load = NULL;
    const char *path = NULL;
    const char *s = t && t->kind == NODE_Name ? object_of(c, e, &ent, &load) : NULL;
    const char *src = t && t->kind == NODE_Name && !s ? ormpaths_ref(c->k->a, e, &path) : NULL;
    if (s) {
        push(c, EV_BIND, at, line, col, s, t->v.Name.id);
        bind_loaded(c, ent, load);
    } else if (src && c->nev < MAX_EVENTS) {
        push(c, EV_BIND, at, line, col, NULL, t->v.Name.id);
        c->ev[c->nev - 1].src = src;
        c->ev[c->nev - 1].path = path;
    } else if (t && t->kind == NODE_Name && c->nev < MAX_EVENTS && (ent = made_class(c, e))) {
        push(c, EV_BIND, at, line, col, NULL, t->v.Name.id); /* not followed until added */
        c->ev[c->nev - 1].made = ent;
    } else {
        forget_target(c, t, at);
    }
}

/* A comprehension, in the order it runs: its first iterable, then (placed
 * at that one's end) its targets bound to the objects they iterate, its
 * conditions, the other generators and the element, written first; the
 * targets are forgotten at its end. */
static void comprehension_events(Scan *c, const Node *n)
{
    const NodeList *gs = n->kind == NODE_DictComp ? &n->v.DictComp.generators
                                                  : &n->v.ListComp.generators;
    int pinned = c->pin_line != 0; /* inside another's: placed there already */
    c->depth++;
    for (int i = 0; i < gs->n; i++) {
        const Node *g = gs->items[i], *it = g->v.comprehension.iter;
        events(c, it);
        if (!i && !pinned) {
            c->pin_line = ast_end_lineno(it);
            c->pin_col = it->end_col_offset;
        }
        bind_each(c, g->v.comprehension.target, it, n, ast_end_lineno(it), it->end_col_offset);
        for (int j = 0; j < g->v.comprehension.ifs.n; j++)
            events(c, g->v.comprehension.ifs.items[j]);
    }
    if (n->kind == NODE_DictComp) {
        events(c, n->v.DictComp.key);
        events(c, n->v.DictComp.value);
    } else {
        events(c, n->v.ListComp.elt);
    }
    if (!pinned)
        c->pin_line = c->pin_col = 0;
    for (int i = 0; i < gs->n; i++) {
        const Node *t = gs->items[i]->v.comprehension.target;
        if (t->kind == NODE_Name)
            push(c, EV_FORGET, n, ast_end_lineno(n), n->end_col_offset, NULL, t->v.Name.id);
    }
    c->depth--;
}

/* The statements of a block; one that ends by leaving (`except ...:
 * db.close(); raise`) keeps its closes and commits from what follows. */
static void block(Scan *c, const NodeList *l)
{
    const Node *last = l->n ? l->items[l->n - 1] : NULL;
    int line = c->until_line, col = c->until_col;
    if (last && (last->kind == NODE_Return || last->kind == NODE_Raise ||
                 last->kind == NODE_Break || last->kind == NODE_Continue)) {
        c->until_line = ast_end_lineno(last);
        c->until_col = last->end_col_offset;
    }
    for (int i = 0; i < l->n; i++)
        events(c, l->items[i]);
    c->until_line = line;
    c->until_col = col;
}

static void handed_kid(Node *parent, Node *n, void *arg);

/* A generator of this function called in what it returns (`return
 * StreamingResponse(events())`): its body runs after the return. */
static void handed_generators(Scan *c, const Node *n)
{
    if (!n || c->depth > WALK_MAX_DEPTH || n->kind == NODE_Lambda)
        return;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Name) {
        const Scope *where = NULL;
        const Binding *b = scope_lookup(c->env->scopes, c->scope, n->v.Call.func->v.Name.id,
                                        &where);
        const Node *def = b && b->kind == BIND_DEF && where == c->scope ? b->def : NULL;
        if (def && (def->kind == NODE_FunctionDef || def->kind == NODE_AsyncFunctionDef) &&
            fastapi_yields(def)) {
            const Scope *outer = c->scope;
            const Scope *inner = scope_of(c->env->scopes, def);
            c->scope = inner ? inner : outer;
            for (int i = 0; i < def->v.FunctionDef.body.n; i++)
                events(c, def->v.FunctionDef.body.items[i]);
            c->scope = outer;
        }
    }
    c->depth++;
    ast_children((Node *)n, handed_kid, c);
    c->depth--;
}

static void handed_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    handed_generators(arg, n);
}

/*
 * `return StreamingResponse(events())` with sessions whose provider closes
 * them as the endpoint returns: the closes come first, then what the
 * generators handed over do when the response runs them.
 */
static void run_after_return(Scan *c, const Node *ret)
{
    c->after_line = ast_end_lineno(ret);
    c->after_col = ret->end_col_offset;
    for (int i = 0; i < c->nlent; i++)
        push(c, EV_CLOSE, ret, 0, 0, c->lent[i], NULL);
    handed_generators(c, ret->v.Return.value);
    c->after_line = c->after_col = 0;
}


/* Does the provider def tear its session down with a rollback on every
 * request (after its yield, not in an except handler: `finally: await
 * s.rollback()`), itself or through a function of the project it hands an
 * argument whose summary rolls that parameter back
 * (`_reset_tenant_context(session)`, klai's cross_org_session)?  Which
 * argument is the yielded session is not asked. */
typedef struct Teardown {
    Scan *p; /* the provider's scan, in its own module */
    int yielded, in_handler, rolls_back, depth;
} Teardown;

/* Does call hand a parameter to a function whose summary rolls it back? */
static int helper_rolls_back(Scan *p, const Node *call)
{
    int shift = 0;
    const Node *def = p->env->summary_of && call->v.Call.args.n + call->v.Call.keywords.n
                          ? ormpaths_callee(p->scratch, p->env, p->scope, call, &shift) : NULL;
    const FlowSummary *sum = def ? p->env->summary_of(p->env->summary_arg, def) : NULL;
    for (int j = 0; sum && sum->rolls_back && ast_call_arg(call, j); j++) {
        int i = ast_arg_param(def, shift, call, j);
        if (i >= 0 && i < 32 && (sum->rolls_back >> i & 1))
            return 1;
    }
    return 0;
}

static void teardown_kid(Node *parent, Node *n, void *arg)
{
    Teardown *w = arg;
    (void)parent;
    if (w->rolls_back || w->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_Yield || n->kind == NODE_YieldFrom)
        w->yielded = 1;
    if (n->kind == NODE_ExceptHandler)
        w->in_handler++;
    if (w->yielded && !w->in_handler && n->kind == NODE_Call)
        w->rolls_back = (n->v.Call.func->kind == NODE_Attribute &&
                         !strcmp(n->v.Call.func->v.Attribute.attr, "rollback")) ||
                        (w->p && helper_rolls_back(w->p, n));
    w->depth++;
    ast_children(n, teardown_kid, w); /* a try's body comes before its finally */
    w->depth--;
    if (n->kind == NODE_ExceptHandler)
        w->in_handler--;
}

static int rolls_back_after_yield(const Scan *c, const Node *def)
{
    const ScopeTable *t = value_table_of(c->env->values, def);
    FlowEnv env = *c->env; /* the provider's module is where its names mean something */
    env.scopes = t ? t : c->env->scopes;
    Scan p = {.k = c->k, .env = &env, .scratch = c->scratch, .func = def,
              .scope = scope_of(env.scopes, def)};
    Teardown w = {p.scope ? &p : NULL, 0, 0, 0, 0};
    for (int j = 0; j < def->v.FunctionDef.body.n; j++)
        teardown_kid(NULL, def->v.FunctionDef.body.items[j], &w);
    return w.rolls_back;
}

/* What the request's providers do to the sessions they lent once the
 * request ends (commit, rollback, close), at the task start `call`. */
static void teardowns(Scan *c, const Node *call)
{
    for (int i = 0; i < c->nsess; i++) {
        const Node *prov = c->sess_prov[i];
        const FlowSummary *sum = prov && c->env->summary_of
                                     ? c->env->summary_of(c->env->summary_arg, prov) : NULL;
        if (!sum)
            continue;
        if (sum->uses_after)
            push_at(c, EV_COMMIT, call, c->sess[i], NULL);
        if (rolls_back_after_yield(c, prov))
            push_at(c, EV_ROLLBACK, call, c->sess[i], NULL);
        if (sum->releases_after)
            push_at(c, EV_CLOSE, call, c->sess[i], NULL);
    }
}

/*
 * `asyncio.create_task(work(...))` that nothing waits for: the task runs
 * once the function has returned, and past the end of the request, when
 * the providers tear the sessions they lent down.  Its events are placed
 * after the function's end: those teardowns, then what a coroutine of the
 * function (a closure) does, or what a function of the project reads of
 * the objects it is handed.  Names the closure binds itself are its own
 * (a session of its own is not the request's).
 */
static void run_task(Scan *c, const Node *call, const Node *coro)
{
    const Node *f = coro->v.Call.func, *def = NULL;
    const Scope *where = NULL, *outer = c->scope;
    const Binding *b = f->kind == NODE_Name
                           ? scope_lookup(c->env->scopes, c->scope, f->v.Name.id, &where) : NULL;
    if (b && b->kind == BIND_DEF && where == c->scope && b->def && ast_is_function(b->def))
        def = b->def;
    const Scope *inner = def ? scope_of(c->env->scopes, def) : NULL;
    const char *hidden[MAX_SESSIONS];
    const Node *body = c->in_body, *handler = c->in_handler;
    int until_line = c->until_line, until_col = c->until_col;
    c->after_line = ast_end_lineno(c->func) + 1;
    c->after_col = c->late_col;
    c->task = call;
    c->in_body = c->in_handler = NULL; /* none of the function's blocks holds the task's run */
    c->until_line = c->until_col = 0;
    teardowns(c, call);
    helper_reads(c, coro);
    for (int i = 0; i < c->nsess; i++) { /* the closure's own names */
        const Scope *w = NULL;
        hidden[i] = c->sess[i];
        if (inner && scope_lookup(c->env->scopes, inner, c->sess[i], &w) && w == inner)
            c->sess[i] = "";
    }
    c->scope = inner ? inner : outer;
    for (int i = 0; inner && i < def->v.FunctionDef.body.n; i++)
        events(c, def->v.FunctionDef.body.items[i]);
    c->scope = outer;
    for (int i = 0; i < c->nsess; i++)
        c->sess[i] = hidden[i];
    c->task = NULL;
    c->in_body = body;
    c->in_handler = handler;
    c->until_line = until_line;
    c->until_col = until_col;
    c->late_col = c->after_col;
    c->after_line = c->after_col = 0;
}

/* Does the statement of def's body that holds at run on every normal exit:
 * one of the body's own, or of a try's body or finally, or a with's body,
 * at any depth (not a branch, a loop or a handler)?  An early return
 * before it is not seen: a limit. */
static int always(const NodeList *body, const Node *at, int depth)
{
    for (int i = 0; i < body->n && depth < WALK_MAX_DEPTH; i++) {
        const Node *st = body->items[i];
        if (at->lineno < st->lineno || at->lineno > ast_end_lineno(st))
            continue;
        switch (st->kind) {
        case NODE_Try:
        case NODE_TryStar:
            return always(&st->v.Try.body, at, depth + 1) ||
                   always(&st->v.Try.finalbody, at, depth + 1);
        case NODE_With:
        case NODE_AsyncWith:
            return always(&st->v.With.body, at, depth + 1);
        case NODE_If:
        case NODE_For:
        case NODE_AsyncFor:
        case NODE_While:
        case NODE_Match:
            return 0;
        default:
            return !ast_is_def(st);
        }
    }
    return 0;
}

/* What the helper h (probed for pr) does to the thread's sessions of
 * registries: a commit or rollback outside an except handler (on some
 * path: its objects may be expired), a close or remove() that runs on
 * every normal exit (they are detached). */
static void registry_effects(const Scan *h, Probe *pr)
{
    for (int i = 0; i < h->nev; i++) {
        const DEvent *e = &h->ev[i];
        int k = e->sess && !e->in_handler &&
                        (e->kind == EV_COMMIT || e->kind == EV_ROLLBACK || e->kind == EV_CLOSE)
                    ? session_index(h, e->sess) : -1;
        if (k < 0 || !h->sess_reg[k] || pr->neff == MAX_EFFECTS ||
            (e->kind == EV_CLOSE && !always(&h->func->v.FunctionDef.body, e->at, 0)))
            continue;
        int j = 0;
        while (j < pr->neff && (pr->eff[j].call != h->sess_reg[k] || pr->eff_kind[j] != e->kind))
            j++;
        if (j < pr->neff)
            continue;
        pr->eff[j] = (Registry){h->sess_reg[k], h->sess[k], h->sess_expires[k], h->sess_async[k]};
        pr->eff_kind[pr->neff++] = e->kind;
    }
}

/* Probing a method: the sessions its instance keeps that it uses
 * (`self.db.commit()`, `self.session.get(...)`: a method of a session on
 * an attribute of its first parameter that the value model knows holds
 * one), followed as FOLLOW_HELD sessions named "self.db", whose commits
 * are taken to expire (the caller's session says whether they do). */
typedef struct HeldWalk {
    Scan *h;
    int depth;
} HeldWalk;

static void held_kid(Node *parent, Node *n, void *arg)
{
    static const char *const methods[] = {"get", "get_one", "merge", "scalar", "scalars",
                                          "execute", "exec", "query", "commit", "rollback",
                                          "close", "add", "add_all", "refresh", "flush", NULL};
    HeldWalk *w = arg;
    Scan *h = w->h;
    (void)parent;
    if (w->depth > WALK_MAX_DEPTH || ast_is_def(n) || h->nsess == MAX_SESSIONS)
        return;
    const Node *f = n->kind == NODE_Call ? n->v.Call.func : NULL;
    const Node *r = f && f->kind == NODE_Attribute ? f->v.Attribute.value : NULL;
    if (r && r->kind == NODE_Attribute && r->v.Attribute.value->kind == NODE_Name &&
        !strcmp(r->v.Attribute.value->v.Name.id, h->held_self) &&
        ast_name_in(f->v.Attribute.attr, methods) && !session_of(h, r)) {
        Val v = flow_value(h->scratch, h->env, h->scope, r);
        if (v.tag == VAL_RESOURCE && v.kind == RES_SESSION) {
            add_session_named(h, arena_printf(h->k->a, "%s.%s", h->held_self,
                                              r->v.Attribute.attr),
                              1, v.is_async);
            h->sess_follow[h->nsess - 1] = FOLLOW_HELD;
            h->nattr++;
        }
    }
    w->depth++;
    ast_children(n, held_kid, w);
    w->depth--;
}

static void held_sessions(Scan *h)
{
    const Node *def = h->func, *self = ast_param(def, 0);
    if (!self || !h->scope->parent || h->scope->parent->kind != SCOPE_CLASS)
        return;
    for (int i = 0; i < def->v.FunctionDef.decorator_list.n; i++) {
        const Node *d = def->v.FunctionDef.decorator_list.items[i];
        if (d->kind == NODE_Name && (!strcmp(d->v.Name.id, "staticmethod") ||
                                     !strcmp(d->v.Name.id, "classmethod")))
            return; /* its first parameter is no instance */
    }
    h->held_self = self->v.arg.arg;
    HeldWalk w = {h, 0};
    for (int j = 0; j < def->v.FunctionDef.body.n; j++)
        held_kid(NULL, def->v.FunctionDef.body.items[j], &w);
    if (!h->nattr)
        h->held_self = NULL;
}

/* The parameter of def named name (ast_param's count, its *args after
 * them), or -1. */
static int param_index(const Node *def, const char *name)
{
    int i = 0;
    for (; ast_param(def, i); i++)
        if (!strcmp(ast_param(def, i)->v.arg.arg, name))
            return i;
    const Node *va = def->v.FunctionDef.args->v.arguments.vararg;
    return va && !strcmp(va->v.arg.arg, name) ? i : -1;
}

/* What the method h (probed for pr) does to the sessions its instance
 * keeps, as registry_effects for registries: a commit or rollback outside
 * an except handler, a close on every normal exit, an add of a parameter. */
static void held_effects(const Scan *h, Probe *pr)
{
    size_t n = strlen(h->held_self);
    for (int i = 0; i < h->nev && pr->nheff < MAX_HELD; i++) {
        const DEvent *e = &h->ev[i];
        int k = e->sess && !e->in_handler ? session_index(h, e->sess) : -1;
        if (k < 0 || !(h->sess_follow[k] & FOLLOW_HELD) || h->sess_follow[k] == FOLLOW_ALL)
            continue;
        int p = e->kind == EV_BIND && e->added ? param_index(h->func, e->obj) : -1;
        if (!(e->kind == EV_COMMIT || e->kind == EV_ROLLBACK || p > 0 ||
              (e->kind == EV_CLOSE && always(&h->func->v.FunctionDef.body, e->at, 0))))
            continue;
        int j = 0;
        while (j < pr->nheff && (strcmp(pr->heff_attr[j], e->sess + n + 1) ||
                                 pr->heff_kind[j] != e->kind || pr->heff_param[j] != p))
            j++;
        if (j < pr->nheff || p > 127)
            continue;
        pr->heff_attr[j] = e->sess + n + 1;
        pr->heff_kind[j] = e->kind == EV_BIND ? EV_BIND : e->kind;
        pr->heff_param[j] = (signed char)p;
        pr->nheff++;
    }
}

/* What the callee of `value` (a call of a function of the project, awaited
 * or not) hands back and does: an ORM object loaded by a session it closed
 * (pr->ent, no pr->reg.call), or by the thread's session of a registry
 * (pr->reg), and its commits and closes of registries' sessions.  Probed
 * once per function and remembered (NULL: not a function of the project);
 * never while probing, so effects are followed one call deep. */
static const Probe *probe_of(Scan *c, const Node *value)
{
    value = ast_unawait(value);
    if (!c->cache || !value || value->kind != NODE_Call ||
        (value->v.Call.func->kind != NODE_Name && value->v.Call.func->kind != NODE_Attribute))
        return NULL;
    Val f = flow_value(c->scratch, c->env, c->scope, value->v.Call.func);
    const Node *def = f.tag == VAL_FUNC ? f.node : NULL;
    if (!def || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef) ||
        def == c->func)
        return NULL;
    ProbeCache *pc = c->cache;
    for (int i = 0; i < pc->n; i++)
        if (pc->def[i] == def)
            return pc->res[i];
    const ScopeTable *t = value_table_of(c->env->values, def);
    FlowEnv env = *c->env; /* the helper's module is where its names mean something */
    env.scopes = t ? t : c->env->scopes;
    Probe *pr = arena_alloc(c->k->a, sizeof *pr);
    memset(pr, 0, sizeof *pr);
    Scan h = {.k = c->k, .env = &env, .scratch = c->scratch, .func = def,
              .scope = scope_of(env.scopes, def), .probe = pr, .reads = c->reads};
    for (int j = 0; h.scope && j < def->v.FunctionDef.body.n; j++)
        sessions(&h, def->v.FunctionDef.body.items[j]);
    if (h.scope)
        held_sessions(&h);
    int sa1 = c->facts && c->facts->sqlalchemy.major == 1;
    if (h.scope && (h.flushes | h.commits) && (h.changes | h.setattrs || sa1)) {
        /* the caller's session, for what its flush leaves alone (probe_flushed) */
        int nrecv = h.nrecv, tasks = h.tasks;
        h.nrecv = h.tasks = 0;
        h.facts = c->facts;
        param_sessions(&h);
        h.nrecv = nrecv;
        h.tasks = tasks;
    }
    if (h.nsess) {
        for (int j = 0; j < def->v.FunctionDef.body.n; j++)
            events(&h, def->v.FunctionDef.body.items[j]);
        if (h.nreg)
            registry_effects(&h, pr);
        if (h.held_self)
            held_effects(&h, pr);
        dt_replay(&h);
    }
    if (pr->expired && scope_decorated_by(env.scopes, def, model_caches))
        pr->expired = NULL; /* what a cache hands out is ormcache.c's: a later call's read */
    pr->def = def;
    pr->name = def->v.FunctionDef.name;
    pr->ent_t = env.scopes;
    pr->ent_s = h.scope;
    pr->path = env.scopes == c->env->scopes ? NULL : value_path_of(c->env->values, def);
    if (pc->n < MAX_PROBES) {
        pc->def[pc->n] = def;
        pc->res[pc->n++] = pr;
    }
    return pr;
}

/* Does the callee of `value` return an ORM object loaded by a session it
 * closed before returning (alone: not in a tuple, not of a session its
 * instance keeps)? */
static const Probe *probe_call(Scan *c, const Node *value)
{
    const Probe *pr = probe_of(c, value);
    return pr && pr->ent && !pr->reg.call && !pr->held && !pr->ret_n ? pr : NULL;
}

/* `epic = await transition(db, ...)`: what the helper pr returns with
 * columns its flush left unloaded, of the session this function hands it
 * (probe_flushed), is an object of that session here, unloaded so, as
 * if the flush were at the call. */
static void helper_flushed(Scan *c, const Node *n, const Node *t, const Node *value,
                           const Probe *pr)
{
    const Node *call = ast_unawait(value);
    int shift = 0;
    if (c->nev == MAX_EVENTS ||
        !ormpaths_callee(c->scratch, c->env, c->scope, call, &shift))
        return;
    for (int j = 0; ast_call_arg(call, j); j++) {
        const char *s = session_of(c, ast_call_arg(call, j));
        if (!s || ast_arg_param(pr->def, shift, call, j) != pr->flush_param - 1)
            continue;
        push(c, EV_BIND, n, ast_end_lineno(n), n->end_col_offset, s, t->v.Name.id);
        c->ev[c->nev - 1].flushed_in = pr;
        return;
    }
}

/* The name of the target t that gets the object the helper pr returns: t
 * when pr returns it alone, the item at its position when pr returns it
 * in a tuple display and t unpacks as many (`hero, created = f()`: the
 * other names are forgotten), else NULL. */
static const Node *unpacked(Scan *c, const Node *t, const Probe *pr, const Node *at)
{
    if (t->kind == NODE_Name)
        return pr->ret_n ? NULL : t;
    const Node *x = pr->ret_n && t->v.Tuple.elts.n == pr->ret_n
                        ? t->v.Tuple.elts.items[pr->ret_pos - 1] : NULL;
    if (!x || x->kind != NODE_Name)
        return NULL;
    forget_target(c, t, at);
    return x;
}

/* `order = await repo.get(i)`: what the method pr returns is an object of
 * the session its instance keeps in self.<held>, so of the session of this
 * function's that the receiver keeps there (held_session), as the method
 * left it: expired when its commit or rollback came after the load.  Its
 * class is the probe's, or for `self.model` (Probe.held_ent) the one the
 * receiver's class (or a base) assigns there (`model = Order`), when the
 * value model knows that class; else its relationships are not followed.
 * 1 when bound so. */
static int held_bind(Scan *c, const Node *n, const Node *t, const Node *value, const Probe *pr)
{
    const Node *call = ast_unawait(value);
    const Node *recv = call->v.Call.func->kind == NODE_Attribute
                           ? call->v.Call.func->v.Attribute.value : NULL;
    const char *s = recv ? held_session(c, recv, pr->held) : NULL;
    if (!s || c->nev + 2 > MAX_EVENTS)
        return 0;
    const Probe *from = pr;
    if (pr->held_ent) {
        Probe *hp = arena_alloc(c->k->a, sizeof *hp);
        *hp = *pr;
        hp->ent = NULL;
        Val rv = flow_value(c->scratch, c->env, c->scope, recv);
        Val cv = rv.tag == VAL_OBJECT && rv.node
                     ? value_attr(c->env->values, c->scratch, rv.node, pr->held_ent) : rv;
        const ScopeTable *et = cv.tag == VAL_CLASS && cv.node && cv.node->kind == NODE_ClassDef
                                   ? value_table_of(c->env->values, cv.node) : NULL;
        if (et) {
            Node *name = arena_alloc(c->k->a, sizeof *name);
            memset(name, 0, sizeof *name);
            name->kind = NODE_Name;
            name->v.Name.id = cv.node->v.ClassDef.name;
            hp->ent = name;
            hp->ent_t = et;
            hp->ent_s = scope_of(et, cv.node);
        }
        from = hp;
    }
    int line = ast_end_lineno(n), col = n->end_col_offset;
    push(c, EV_BIND, n, line, col, s, t->v.Name.id);
    c->ev[c->nev - 1].from = from;
    if (pr->held_kind) {
        push(c, pr->held_kind - 1, call, line, col, s, NULL);
        c->ev[c->nev - 1].from = pr;
    }
    return 1;
}

/*
 * SQLAlchemy's after_commit session event (`@event.listens_for(db,
 * "after_commit")`, `event.listen(db, "after_commit", f)`) runs inside
 * commit(), once the COMMIT is sent: the session is in the committed state,
 * where it cannot emit SQL (documented: "the Session is not in an active
 * transaction when the after_commit() event is invoked, and therefore can
 * not emit SQL"), and before that commit expires anything (expire_on_commit
 * acts after the event).  So what a listener reads of the objects of its
 * session is read there with no load possible: an object a commit before
 * expired, or a lazy relationship not loaded, raises InvalidRequestError.
 * Followed: a listener defined in this function (a closure over its
 * objects) on one of its sessions, run at each later commit of that
 * session in this function (the first only for once=True), its events
 * placed just before that commit.  Limits: listeners on a sessionmaker or
 * on the Session class, and a commit in a caller, are not followed.
 */
static int hook_call(const Scan *c, const Node *call, const char **sess)
{
    const Node *f = call && call->kind == NODE_Call ? call->v.Call.func : NULL;
    const char *name = f && f->kind == NODE_Attribute ? f->v.Attribute.attr
                       : f && f->kind == NODE_Name    ? f->v.Name.id
                                                      : NULL;
    const Node *a1 = name && call->v.Call.args.n > 1 ? call->v.Call.args.items[1] : NULL;
    if (!a1 || (strcmp(name, "listens_for") && strcmp(name, "listen")) ||
        a1->kind != NODE_Constant || a1->v.Constant.value.kind != CONST_STR ||
        strcmp(a1->v.Constant.value.s, "after_commit"))
        return 0;
    *sess = session_of(c, call->v.Call.args.items[0]);
    return *sess != NULL;
}

static void add_hook(Scan *c, const Node *def, const char *sess, const Node *call)
{
    const Node *once = ast_keyword(call, "once");
    if (c->nhook == MAX_HOOKS || c->probe)
        return;
    c->hook[c->nhook] = def;
    c->hook_sess[c->nhook] = sess;
    c->hook_once[c->nhook++] = once && ast_is_true(once);
}

/* A nested def: an after_commit listener when so decorated, remembered
 * for event.listen(). */
static void nested_def(Scan *c, const Node *n)
{
    const char *s;
    if (!ast_is_function(n) || !c->commits)
        return;
    for (int i = 0; i < n->v.FunctionDef.decorator_list.n; i++)
        if (hook_call(c, n->v.FunctionDef.decorator_list.items[i], &s))
            add_hook(c, n, s, n->v.FunctionDef.decorator_list.items[i]);
    if (c->ndefs < MAX_HOOKS)
        c->defs[c->ndefs++] = n;
}

/* `event.listen(db, "after_commit", send)` of a def seen before. */
static void listen_call(Scan *c, const Node *call)
{
    const char *s;
    const Node *fn = call->v.Call.args.n > 2 ? call->v.Call.args.items[2] : NULL;
    if (!c->ndefs || !fn || fn->kind != NODE_Name || !hook_call(c, call, &s))
        return;
    for (int i = c->ndefs - 1; i >= 0; i--)
        if (!strcmp(c->defs[i]->v.FunctionDef.name, fn->v.Name.id)) {
            add_hook(c, c->defs[i], s, call);
            return;
        }
}

static void block(Scan *c, const NodeList *l);

/* The commit of sess at line:col runs the listeners registered on it. */
static void fire_hooks(Scan *c, const char *sess, int line, int col)
{
    int pl = c->pin_line, pc = c->pin_col, al = c->after_line, ac = c->after_col;
    for (int i = 0; i < c->nhook; i++) {
        if (c->hook_once[i] == 2 || strcmp(c->hook_sess[i], sess))
            continue;
        if (c->hook_once[i])
            c->hook_once[i] = 2;
        c->firing = c->hook[i];
        c->pin_line = line;
        c->pin_col = col;
        c->after_line = 0;
        c->depth++;
        block(c, &c->hook[i]->v.FunctionDef.body);
        c->depth--;
    }
    c->firing = NULL;
    c->pin_line = pl;
    c->pin_col = pc;
    c->after_line = al;
    c->after_col = ac;
}

/* Second walk: the events, in the order of the source. */
static void events(Scan *c, const Node *n)
{
    if (n && ast_is_function(n) && n != c->func)
        nested_def(c, n);
    if (!n || c->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    const Node *changed = changed_attr(n); /* `u.x = v`: an UPDATE at the next flush */
    if (changed)
        push_change(c, n, changed->v.Attribute.value->v.Name.id, changed->v.Attribute.attr);
    const Node *ht = c->nheld_obj && n->kind == NODE_Assign && n->v.Assign.targets.n == 1
                         ? n->v.Assign.targets.items[0] : NULL;
    const char *hobj = ht && ht->kind == NODE_Attribute ? obj_ref(c, ht->v.Attribute.value) : NULL;
    if (hobj && ht->v.Attribute.value->kind == NODE_Attribute) /* `auth.user.x = v` */
        push_change(c, n, hobj, ht->v.Attribute.attr);
    else if (ht && (hobj = obj_ref(c, ht)) && ht->kind == NODE_Attribute)
        push(c, EV_FORGET, n, ast_end_lineno(n), n->end_col_offset, NULL, hobj); /* rebound */
    switch (n->kind) {
    case NODE_If:
    case NODE_While:
        c->depth++;
        events(c, n->v.If.test);
        block(c, &n->v.If.body);
        block(c, &n->v.If.orelse);
        c->depth--;
        return;
    case NODE_Try:
    case NODE_TryStar: {
        const Node *body = c->in_body, *handler = c->in_handler;
        c->depth++;
        c->in_body = n;
        block(c, &n->v.Try.body);
        c->in_body = body;
        c->in_handler = n;
        for (int i = 0; i < n->v.Try.handlers.n; i++) {
            const Node *h = n->v.Try.handlers.items[i];
            events(c, h->v.ExceptHandler.type);
            block(c, &h->v.ExceptHandler.body);
        }
        c->in_handler = handler;
        block(c, &n->v.Try.orelse);
        block(c, &n->v.Try.finalbody);
        c->depth--;
        return;
    }
    case NODE_With:
    case NODE_AsyncWith:
        c->depth++;
        for (int i = 0; i < n->v.With.items.n; i++)
            events(c, n->v.With.items.items[i]);
        block(c, &n->v.With.body);
        c->depth--;
        /* the end of the block: a begin() block commits, then the session
           made here is closed */
        for (int i = 0; i < n->v.With.items.n; i++) {
            const Node *it = n->v.With.items.items[i], *e = ast_unawait(it->v.withitem.context_expr);
            const Node *v = it->v.withitem.optional_vars;
            int begin = e && e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute &&
                        !strcmp(e->v.Call.func->v.Attribute.attr, "begin");
            const char *s = session_of(c, v);
            if (!s && begin)
                s = session_of(c, e->v.Call.func->v.Attribute.value);
            if (!s)
                continue;
            if (begin)
                push(c, EV_COMMIT, n, ast_end_lineno(n), n->end_col_offset, s, NULL);
            for (int j = 0; j < c->nitems; j++) {
                const FlowSummary *cm = c->item_cm[j];
                if (c->items[j] != it || !session_of(c, v))
                    continue;
                if (cm && cm->uses_after) /* the context manager commits on the way out */
                    push(c, EV_COMMIT, n, ast_end_lineno(n), n->end_col_offset, s, NULL);
                if (cm && c->item_rb[j]) /* ... or rolls back: everything expires */
                    push(c, EV_ROLLBACK, n, ast_end_lineno(n), n->end_col_offset, s, NULL);
                if (!cm || cm->releases_after)
                    push(c, EV_CLOSE, n, ast_end_lineno(n), n->end_col_offset, s, NULL);
            }
        }
        return;
    case NODE_Assign:
    case NODE_AnnAssign: {
        const Node *value = n->kind == NODE_Assign ? n->v.Assign.value : n->v.AnnAssign.value;
        const Node *t = n->kind == NODE_Assign ? (n->v.Assign.targets.n == 1
                                                      ? n->v.Assign.targets.items[0] : NULL)
                                               : n->v.AnnAssign.target;
        if (c->tasks)
            note_task_name(c, t, value);
        events(c, value);
        const Node *ent = NULL, *load = NULL;
        const char *s = value ? object_of(c, value, &ent, &load) : NULL;
        note_result(c, t, value);
        const Probe *pr = !s && t && (t->kind == NODE_Name || t->kind == NODE_Tuple ||
                                      t->kind == NODE_List)
                              ? probe_of(c, value) : NULL;
        const Probe *probed = pr;
        const Node *to = pr && pr->ent ? unpacked(c, t, pr, n) : NULL;
        if (to)
            t = to;
        else if (t && t->kind != NODE_Name)
            pr = probed = NULL;
        const char *rs = pr && to && pr->reg.call ? registry_session(c, &pr->reg) : NULL;
        if (pr && pr->held && to && held_bind(c, n, t, value, pr))
            return;
        if (pr && (!pr->ent || !to || pr->held || (pr->reg.call && !rs)))
            pr = NULL;
        if (rs) {
            /* `w = warn_user(...)`: an object of the thread's session, as the helper
               left it (expired by its commit, detached by its close) */
            int line = ast_end_lineno(n), col = n->end_col_offset;
            if (c->nev + 3 > MAX_EVENTS)
                return;
            push(c, EV_BIND, n, line, col, rs, t->v.Name.id);
            c->ev[c->nev - 1].from = pr;
            const Node *call = ast_unawait(value);
            if (pr->reg_expired)
                push(c, EV_COMMIT, call, line, col, rs, NULL);
            if (pr->reg_closed)
                push(c, EV_CLOSE, call, line, col, rs, NULL);
            for (int k = c->nev - 1; k >= 0 && c->ev[k].at == call; k--)
                c->ev[k].from = pr;
        } else if (t && t->kind == NODE_Name && (s || !pr)) {
            bind_each(c, t, value, n, ast_end_lineno(n), n->end_col_offset);
        } else if (pr) { /* `user = get_user(id)`: an object whose session is closed */
            push(c, EV_BIND, n, ast_end_lineno(n), n->end_col_offset, pr->name, t->v.Name.id);
            if (c->nev)
                c->ev[c->nev - 1].from = pr;
            push(c, EV_CLOSE, n, ast_end_lineno(n), n->end_col_offset, pr->name, NULL);
        } else if (n->kind == NODE_Assign)
            for (int i = 0; i < n->v.Assign.targets.n; i++) {
                forget_target(c, n->v.Assign.targets.items[i], n);
                events(c, n->v.Assign.targets.items[i]);
            }
        else
            forget_target(c, t, n);
        if (probed && probed->flush_param)
            helper_flushed(c, n, t, value, probed);
        return;
    }
    case NODE_For:
    case NODE_AsyncFor:
        c->depth++;
        events(c, n->v.For.iter);
        bind_each(c, n->v.For.target, n->v.For.iter, n, ast_end_lineno(n->v.For.iter),
                  n->v.For.iter->end_col_offset);
        block(c, &n->v.For.body);
        block(c, &n->v.For.orelse);
        c->depth--;
        return;
    case NODE_Return: {
        if (c->task)
            break; /* the task's own return: its caller is the event loop */
        const Node *ent = NULL, *load = NULL;
        const char *s = n->v.Return.value && n->v.Return.value->kind != NODE_Name
                            ? object_of(c, n->v.Return.value, &ent, &load) : NULL;
        if (s) { /* `return s.scalars(...).first()`: an object bound and returned at once */
            push_at(c, EV_BIND, n, s, "<returned>");
            bind_loaded(c, ent, load);
            push_at(c, EV_RETURN, n, NULL, "<returned>");
        }
        const char *rname = n->v.Return.value ? obj_ref(c, n->v.Return.value) : NULL;
        if (rname) { /* `return user`, `return auth.user` */
            push_at(c, EV_RETURN, n, NULL, rname);
            response_reads(c, n, rname);
        }
        const Node *tv = n->v.Return.value;
        if (c->probe && tv && tv->kind == NODE_Tuple && tv->v.Tuple.elts.n < 256)
            /* `return hero, True`: its caller unpacks the items (`hero, created = f()`) */
            for (int i = 0; i < tv->v.Tuple.elts.n; i++) {
                const Node *x = tv->v.Tuple.elts.items[i];
                if (x->kind != NODE_Name || c->nev == MAX_EVENTS)
                    continue;
                push_at(c, EV_RETURN, n, NULL, x->v.Name.id);
                c->ev[c->nev - 1].pos = (unsigned char)(i + 1);
                c->ev[c->nev - 1].npos = (unsigned char)tv->v.Tuple.elts.n;
            }
        if (c->nlent && n->v.Return.value && !c->after_line)
            run_after_return(c, n);
        break;
    }
    case NODE_Call: {
        if (c->nhook < MAX_HOOKS && c->ndefs)
            listen_call(c, n);
        call_events(c, n);
        const Node *coro = c->tasks && !c->task && !c->after_line ? task_coro(c, n) : NULL;
        if (coro && !task_waited(c, n))
            run_task(c, n, coro);
        const Node *recv = n->v.Call.func->kind == NODE_Attribute
                               ? n->v.Call.func->v.Attribute.value : NULL;
        if (recv && (recv->kind == NODE_Name || recv->kind == NODE_Attribute ||
                     recv->kind == NODE_Subscript)) {
            /* u.save(): a method, read from the class, not a loaded attribute;
               u.team.rename() reads `team` */
            c->depth++;
            if (recv->kind != NODE_Name)
                events(c, recv);
            for (int i = 0; i < n->v.Call.args.n; i++)
                events(c, n->v.Call.args.items[i]);
            for (int i = 0; i < n->v.Call.keywords.n; i++)
                events(c, n->v.Call.keywords.items[i]);
            c->depth--;
            return;
        }
        break;
    }
    case NODE_Attribute:
    case NODE_Subscript: {
        const char *path, *root = ast_ctx(n) == CTX_Load ? ormpaths_ref(c->k->a, n, &path) : NULL;
        if (root)
            held_split(c, &root, &path);
        if (!root || !*path)
            break;
        push_read(c, n, NULL, root, path); /* the whole chain: `v.project.backends` */
        for (const Node *x = n; x->kind == NODE_Attribute || x->kind == NODE_Subscript;
             x = x->kind == NODE_Attribute ? x->v.Attribute.value : x->v.Subscript.value)
            if (x->kind == NODE_Subscript)
                events(c, x->v.Subscript.slice);
        return;
    }
    case NODE_ListComp:
    case NODE_SetComp:
    case NODE_GeneratorExp:
    case NODE_DictComp:
        comprehension_events(c, n);
        return;
    default:
        break;
    }
    c->depth++;
    ast_children((Node *)n, events_kid, c);
    c->depth--;
}

static void events_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    events(arg, n);
}

/* The endpoint's sessions borrowed from a provider of a seen factory; those
 * the provider closes as the endpoint returns (before the response runs
 * what it was handed) are lent. */
static void lent_sessions(Scan *c)
{
    const FlowFastApi *fa = c->env->fastapi;
    const Node *args = c->func->v.FunctionDef.args;
    const NodeList *ls[3] = {&args->v.arguments.posonlyargs, &args->v.arguments.args,
                             &args->v.arguments.kwonlyargs};
    int index = 0;
    for (int l = 0; l < 3; l++)
        for (int i = 0; i < ls[l]->n; i++, index++) {
            Val v = value_param(c->env->values, c->scratch, c->func, index);
            const Node *prov = v.node;
            const FlowSummary *sum = prov && c->env->summary_of
                                         ? c->env->summary_of(c->env->summary_arg, prov) : NULL;
            if (v.tag != VAL_RESOURCE || v.kind != RES_SESSION || !sum || !sum->releases_after ||
                c->nlent == MAX_SESSIONS)
                continue;
            const char *name = ls[l]->items[i]->v.arg.arg;
            int is_async = 0, x = provider_expires(c, prov, &is_async);
            if (x < 0)
                continue;
            add_session_named(c, name, x, is_async);
            if (session_index(c, name) >= 0)
                c->sess_prov[session_index(c, name)] = prov;
            if (fa->era == ERA_AT_RETURN || v.scope_fn)
                c->lent[c->nlent++] = name;
        }
}

/* Is the name a receiver of a loader in the function? */
static int received(const Scan *c, const char *name)
{
    for (int i = 0; i < c->nrecv; i++)
        if (c->recv[i]->kind == NODE_Name && !strcmp(c->recv[i]->v.Name.id, name))
            return 1;
    return 0;
}

/* Do the commits of the AsyncSession v (handed to the function) expire its
 * objects?  Known when the value carries the FastAPI provider that lends it
 * (through calls and objects: value.h), else taken as not (0): a factory
 * with expire_on_commit=False is the usual cure, and which one made it is
 * not known. */
static int handed_expires(Scan *c, Val v)
{
    int is_async = 0, x = v.node && ast_is_function(v.node) ? provider_expires(c, v.node, &is_async)
                                                             : -1;
    return x > 0;
}

/* `self.session.get(...)` in a coroutine method: an attribute of the
 * instance (or of any name) that the value model knows is an AsyncSession
 * (its class's __init__ stores a parameter annotated so, or that every
 * caller fills with one), followed as a session named "self.session" for
 * what the method loads through it (FOLLOW_ASYNC).  Only an attribute of
 * a name: `self.repo.session` is not followed. */
static void attr_sessions(Scan *c)
{
    for (int i = 0; i < c->nrecv && c->nsess < MAX_SESSIONS; i++) {
        const Node *r = c->recv[i];
        if (r->kind != NODE_Attribute || session_of(c, r))
            continue;
        Val v = flow_value(c->scratch, c->env, c->scope, r);
        if (v.tag != VAL_RESOURCE || v.kind != RES_SESSION || !v.is_async)
            continue;
        add_session_named(c, arena_printf(c->k->a, "%s.%s", r->v.Attribute.value->v.Name.id,
                                          r->v.Attribute.attr),
                          handed_expires(c, v), 1);
        c->sess_follow[c->nsess - 1] = FOLLOW_ASYNC;
        c->nattr++;
    }
}

/* Is the annotation a of a parameter a plain value or a session: a builtin
 * scalar, a UUID, a date, a Decimal, an AsyncSession, or Optional of one
 * (`Optional[int]`, `int | None`)?  Nothing the caller loaded comes in it. */
static int plain_annotation(const Node *a, int depth)
{
    static const char *const plain[] = {"int", "str", "float", "bool", "bytes", "UUID",
                                        "datetime", "date", "Decimal", "AsyncSession", "None",
                                        NULL};
    if (!a || depth > 4)
        return 0;
    if (a->kind == NODE_Constant)
        return a->v.Constant.value.kind == CONST_NONE;
    if (a->kind == NODE_Name)
        return ast_name_in(a->v.Name.id, plain);
    if (a->kind == NODE_Attribute)
        return ast_name_in(a->v.Attribute.attr, plain);
    if (a->kind == NODE_BinOp && a->v.BinOp.op == OP_BitOr)
        return plain_annotation(a->v.BinOp.left, depth + 1) &&
               plain_annotation(a->v.BinOp.right, depth + 1);
    if (a->kind == NODE_Subscript) {
        const Node *f = a->v.Subscript.value;
        const char *n = f->kind == NODE_Name ? f->v.Name.id
                        : f->kind == NODE_Attribute ? f->v.Attribute.attr : "";
        return !strcmp(n, "Optional") && plain_annotation(a->v.Subscript.slice, depth + 1);
    }
    return 0;
}

/* Are the parameters of def, the first aside when skip_self, all plain
 * (plain_annotation), with no *args or **kwargs? */
static int plain_params(const Node *def, int skip_self)
{
    const Node *args = def->v.FunctionDef.args;
    if (args->v.arguments.vararg || args->v.arguments.kwarg)
        return 0;
    for (int i = skip_self; ast_param(def, i); i++)
        if (!plain_annotation(ast_param(def, i)->v.arg.annotation, 0))
            return 0;
    return 1;
}

/* A walk for a call that hands a session (the receivers recv) on as an
 * argument: the callee may load or add objects to it. */
typedef struct HandsOn {
    const Scan *c;
    int found, depth;
} HandsOn;

static void hands_on(Node *parent, Node *n, void *arg)
{
    (void)parent;
    HandsOn *h = arg;
    if (h->found || h->depth > 64 || ast_is_def(n))
        return;
    for (int j = 0; n->kind == NODE_Call && ast_call_arg(n, j) && !h->found; j++)
        for (int i = 0; i < h->c->nrecv; i++)
            if (ast_same_ref(ast_call_arg(n, j), h->c->recv[i]))
                h->found = 1;
    h->depth++;
    ast_children(n, hands_on, h);
    h->depth--;
}

/*
 * Is the coroutine handed nothing its caller could have loaded: every
 * parameter a session or a plain value, and for a method (`self.session`)
 * the parameters of its class's __init__ too?  Then the identity map of
 * the session it is handed holds, at its first load, only what that load
 * brings, and a many-to-one relationship of the object loaded is a SELECT
 * (an await) on first read.  Limits: what the caller did with the session
 * before the call is not known (it may have loaded the target: quiet is
 * what the unknown gives elsewhere, so this is a bet on the usual service
 * shape).  A function that hands the session on to a call (a helper that
 * may load or add what the read then finds) is not plain.
 */
static int handed_plain(const Scan *c)
{
    const Node *f = c->func;
    int method = c->scope && c->scope->parent && c->scope->parent->kind == SCOPE_CLASS;
    if (!plain_params(f, method))
        return 0;
    HandsOn h = {c, 0, 0};
    for (int i = 0; i < f->v.FunctionDef.body.n && !h.found; i++)
        hands_on((Node *)f, f->v.FunctionDef.body.items[i], &h);
    if (h.found)
        return 0;
    if (!method)
        return 1;
    const Node *init = ast_method_named(c->scope->parent->node, "__init__");
    return !init || plain_params(init, 1);
}

/*
 * The sessions a coroutine function is handed, followed narrowly
 * (FOLLOW_*): a parameter known to be an AsyncSession when the function
 * flushes or commits (what the flush leaves unloaded), or loads objects
 * through it (their lazy relationships, and what its commits expire when
 * the provider is known: FOLLOW_ASYNC; so for an attribute, attr_sessions);
 * one a provider lends the request when the function starts a task (what
 * the task reads after the provider's teardown).  Their factory's
 * expire_on_commit is not known unless the provider says.
 */
static void param_sessions(Scan *c)
{
    const Node *f = c->func;
    if (f->kind != NODE_AsyncFunctionDef || !(c->flushes | c->commits | c->tasks | c->nrecv))
        return;
    for (int i = 0; ast_param(f, i) && c->nsess < MAX_SESSIONS; i++) {
        const char *name = ast_param(f, i)->v.arg.arg;
        if (session_index(c, name) >= 0)
            continue;
        int loads = received(c, name);
        if (!loads && !(c->flushes | c->commits | c->tasks))
            continue; /* the cheap test before the value model is asked */
        Val v = value_param(c->env->values, c->scratch, f, i);
        if (v.tag != VAL_RESOURCE || v.kind != RES_SESSION)
            continue;
        const FlowSummary *sum = c->tasks && v.node && c->env->summary_of
                                     ? c->env->summary_of(c->env->summary_arg, v.node) : NULL;
        int is_async = v.is_async, x = -1;
        int late = sum && sum->releases_after && sum->yields_kind == RES_SESSION;
        if (late && (x = provider_expires(c, v.node, &is_async)) < 0) {
            x = 0; /* a factory not seen: its commits are not known to expire */
            is_async = v.is_async;
        }
        int sa1 = c->facts && c->facts->sqlalchemy.major == 1;
        int flush = is_async && (c->flushes | c->commits) && (c->changes || c->setattrs || sa1);
        int handed = is_async && loads;
        if (!late && !flush && !handed)
            continue;
        add_session_named(c, name, late ? x : handed ? handed_expires(c, v) : 0, is_async);
        c->sess_follow[c->nsess - 1] = (unsigned char)(late * FOLLOW_LATE |
                                                       flush * FOLLOW_FLUSH |
                                                       handed * FOLLOW_ASYNC);
        c->sess_prov[c->nsess - 1] = late ? v.node : NULL;
    }
    if (c->nrecv)
        attr_sessions(c);
    for (int i = 0; i < c->nsess; i++)
        if (c->sess_follow[i] & FOLLOW_ASYNC) {
            c->handed_plain = handed_plain(c);
            break;
        }
}

/* --- SL302: a change to an ORM object that no session commits ----------- */

/*
 * A session flushes the changes of the objects it holds, and only those.
 * A function that changes an attribute of an ORM object and then commits
 * a session that does not hold it loses the change, silently: the object
 * came detached from a helper (its session closed), or from a FastAPI
 * dependency whose session is another one than the function commits (a
 * different provider, `use_cache=False`, or, before FastAPI 0.123, the
 * same provider reached under `Security(..., scopes=[...])`, which the
 * dependency cache keeps apart).  The statements in source order stand for
 * the order of execution, as for SL102; handing the object to any call
 * (`db.add(user)`, `db.merge(user)`, a helper) or binding its name anew
 * ends the question.
 */

#define MAX_LOST 16 /* objects and sessions followed per function */

/* Does the provider def lend a session it makes (a generator dependency
 * yielding one, or a function returning one)? */
static const FlowSummary *session_provider(const Scan *c, const Node *def)
{
    const FlowSummary *sum = def && c->env->summary_of
                                 ? c->env->summary_of(c->env->summary_arg, def) : NULL;
    return sum && (sum->yields_kind == RES_SESSION || sum->returns_kind == RES_SESSION) ? sum
                                                                                         : NULL;
}

/* Where the object a provider returns comes from. */
typedef struct ObjSrc {
    int own;          /* loaded by a session the provider made itself */
    Depends dep;      /* else: by the session of its parameter filled by dep */
    const char *via;  /* that session's name in the provider */
    const char *attr; /* the provider returns an object keeping it in this attribute
                         (`Auth(user=user)`), or NULL: the ORM object itself */
} ObjSrc;

#define MAX_CHAIN 4 /* dependencies followed from the endpoint to the one that loads */

typedef struct ReturnScan {
    Scan *h;
    int nparam;                 /* h->sess[0..nparam): parameters; the rest made */
    Depends deps[MAX_SESSIONS];     /* the parameters' dependencies */
    const char *obj[MAX_LOST];  /* names bound to objects ... */
    const char *sess[MAX_LOST]; /* ... of these sessions */
    int nobj;
    const char *found;          /* the session of the first object returned */
    const Node *other;          /* else the first other value returned, not None */
    int depth;
} ReturnScan;

static void returns_kid(Node *parent, Node *n, void *arg)
{
    ReturnScan *r = arg;
    (void)parent;
    if (r->found || r->depth > WALK_MAX_DEPTH || ast_is_def(n) ||
        ast_category(n->kind) == CAT_EXPR)
        return;
    const Node *t = NULL, *v = NULL, *ent = NULL, *load = NULL;
    if (ast_single_assign(n, &t, &v) && t->kind == NODE_Name) {
        const char *s = object_of(r->h, v, &ent, &load);
        note_result(r->h, t, v);
        int k = 0;
        while (k < r->nobj && strcmp(r->obj[k], t->v.Name.id))
            k++;
        if (k == r->nobj && s && r->nobj < MAX_LOST)
            r->obj[r->nobj++] = t->v.Name.id;
        if (k < MAX_LOST)
            r->sess[k] = s; /* NULL: bound to something else from here */
    } else if (n->kind == NODE_Return && n->v.Return.value) {
        v = n->v.Return.value;
        if (v->kind == NODE_Name) {
            for (int k = 0; k < r->nobj; k++)
                if (!strcmp(r->obj[k], v->v.Name.id))
                    r->found = r->sess[k];
        } else {
            r->found = object_of(r->h, v, &ent, &load);
        }
        if (!r->found && !r->other &&
            !(v->kind == NODE_Constant && v->v.Constant.value.kind == CONST_NONE))
            r->other = v;
        return;
    }
    r->depth++;
    ast_children(n, returns_kid, r);
    r->depth--;
}

static int provider_object_at(Scan *c, const Node *def, ObjSrc *out, int depth);

/* Where the ORM object that name (in def, scanned by r) holds comes from:
 * an object def loaded, or its parameter filled by a dependency returning
 * one (the dependency cache of the request gives def the same object). */
static int chained_object(ReturnScan *r, const Node *def, const char *name, ObjSrc *out,
                          int depth)
{
    for (int k = 0; k < r->nobj; k++)
        if (!strcmp(r->obj[k], name) && r->sess[k]) {
            int i = session_index(r->h, r->sess[k]);
            memset(out, 0, sizeof *out);
            out->own = i >= r->nparam;
            if (!out->own)
                out->dep = r->deps[i];
            out->via = r->sess[k];
            return 1;
        }
    Depends d;
    int i = param_index(def, name);
    return i >= 0 && depends_of_param(r->h->env, r->h->scratch, r->h->scope, def, i, &d) &&
           d.def && !session_provider(r->h, d.def) &&
           provider_object_at(r->h, d.def, out, depth + 1) && !out->attr;
}

/* The session of the ORM object the provider def returns, if it returns
 * one: a session of its own, or of a parameter filled by a dependency that
 * lends sessions.  Through a chain of dependencies, up to MAX_CHAIN: a
 * parameter filled by a dependency returning one, returned as it is
 * (`return user` of `user = Depends(current_user)`), or kept by the object
 * it returns (`return cls(user=user)`, `Auth(user)`: value_kept says in
 * which attribute; out->attr).  Limits: one attribute, of the object
 * returned itself; a holder returned by a name, or kept deeper, is not
 * followed. */
static int provider_object(Scan *c, const Node *def, ObjSrc *out)
{
    return provider_object_at(c, def, out, 0);
}

static int provider_object_at(Scan *c, const Node *def, ObjSrc *out, int depth)
{
    if (depth > MAX_CHAIN || !ast_is_function(def))
        return 0;
    const ScopeTable *t = value_table_of(c->env->values, def);
    FlowEnv env = *c->env; /* the provider's module is where its names mean something */
    env.scopes = t ? t : c->env->scopes;
    Scan h = {.k = c->k, .env = &env, .scratch = c->scratch, .func = def,
              .scope = scope_of(env.scopes, def)};
    ReturnScan r = {.h = &h};
    if (!h.scope)
        return 0;
    for (int i = 0; ast_param(def, i) && r.nparam < MAX_SESSIONS; i++) {
        Depends d;
        if (depends_of_param(h.env, h.scratch, h.scope, def, i, &d) && session_provider(&h, d.def)) {
            add_session_named(&h, ast_param(def, i)->v.arg.arg, 1, 0);
            r.deps[r.nparam] = d;
            r.nparam = h.nsess;
        }
    }
    for (int j = 0; j < def->v.FunctionDef.body.n; j++)
        sessions(&h, def->v.FunctionDef.body.items[j]);
    for (int j = 0; j < def->v.FunctionDef.body.n && !r.found; j++)
        returns_kid(NULL, def->v.FunctionDef.body.items[j], &r);
    int i = r.found ? session_index(&h, r.found) : -1;
    const Node *v = r.other ? ast_unawait(r.other) : NULL;
    if (i < 0 && v && v->kind == NODE_Name)
        return chained_object(&r, def, v->v.Name.id, out, depth);
    if (i < 0 && v && v->kind == NODE_Call) {
        ValueKept kept[8];
        int nk = value_kept(env.values, h.scratch, env.scopes, h.scope, v, kept, 8);
        for (int k = 0; k < nk; k++)
            if (kept[k].how == VALUE_KEPT_ARG && kept[k].at->kind == NODE_Name && !kept[k].path &&
                chained_object(&r, def, kept[k].at->v.Name.id, out, depth)) {
                out->attr = kept[k].attr;
                return 1;
            }
    }
    if (i < 0)
        return 0;
    memset(out, 0, sizeof *out);
    out->own = i >= r.nparam;
    if (!out->own)
        out->dep = r.deps[i];
    out->via = r.found;
    return 1;
}

/* An object the function may change, and a session it may commit. */
typedef struct LostObj {
    const char *name;
    const Node *from;     /* the parameter or the call that gives it */
    const Probe *probe;   /* returned detached by this helper, or NULL */
    const Node *provider; /* else: the dependency's provider ... */
    Depends dep;          /* ... the parameter's dependency ... */
    ObjSrc src;           /* ... and where the provider's object comes from */
    const Node *write;    /* the first change not handed on since, or NULL */
    int reported, gone;
} LostObj;

typedef struct LostSess {
    const char *name;
    Depends dep; /* a parameter's dependency (dep.call NULL: a session made here) */
} LostSess;

typedef struct Lost {
    Scan *c;
    LostObj obj[MAX_LOST];
    int nobj;
    LostSess sess[MAX_LOST];
    int nsess;
    int depth;
} Lost;

static LostObj *lost_obj(Lost *l, const Node *e)
{
    for (int i = 0; e && e->kind == NODE_Name && i < l->nobj; i++)
        if (!l->obj[i].gone && !strcmp(l->obj[i].name, e->v.Name.id))
            return &l->obj[i];
    return NULL;
}

static const LostSess *lost_sess(const Lost *l, const Node *e)
{
    for (int i = 0; e && e->kind == NODE_Name && i < l->nsess; i++)
        if (!strcmp(l->sess[i].name, e->v.Name.id))
            return &l->sess[i];
    return NULL;
}

/* Is the session s another one than the one holding o?  Its reason, or
 * NULL: the same, or not known to differ. */
static const char *other_session(Lost *l, const LostObj *o, const LostSess *s)
{
    Scan *c = l->c;
    Arena *a = c->k->a;
    if (o->probe)
        return msg(a, "`%s` closed the session that loaded it", o->probe->name);
    const char *prov = o->provider->v.FunctionDef.name;
    if (o->src.own)
        return msg(a, "`%s` loaded it through a session of its own", prov);
    if (!s->dep.call)
        return msg(a, "`%s` loaded it through the session it got from `%s`", prov,
                   o->src.dep.def->v.FunctionDef.name);
    const FlowSummary *ps = session_provider(c, o->src.dep.def);
    if (!ps || ps->uses_after || !session_provider(c, s->dep.def))
        return NULL; /* a provider that commits after its yield commits the change too */
    const char *from = o->src.dep.def->v.FunctionDef.name;
    if (o->src.dep.def != s->dep.def)
        return depends_takes_from(c->env, c->scratch, o->src.dep.def, s->dep.def) ||
                       depends_takes_from(c->env, c->scratch, s->dep.def, o->src.dep.def)
                   ? NULL
                   : msg(a, "`%s` loaded it through the session of `%s`, another dependency "
                            "than `%s`", prov, from, s->dep.def->v.FunctionDef.name);
    if (o->src.dep.uncached || s->dep.uncached)
        return msg(a, "`%s` loaded it through its own session of `%s` (use_cache=False makes "
                      "one per use)", prov, from);
    if (c->env->fastapi && c->env->fastapi->scopes_split && o->dep.scoped && !s->dep.scoped)
        return msg(a, "`%s` loaded it through the session of `%s` it gets under "
                      "`Security(..., scopes=[...])`, which %s caches apart from the same "
                      "dependency without scopes (FastAPI 0.123 shares it)",
                   prov, from, c->env->fastapi->version);
    return NULL;
}

static void report_lost(Lost *l, LostObj *o, const Node *commit, const char *why)
{
    Scan *c = l->c;
    Arena *a = c->k->a;
    const Node *recv = commit->v.Call.func->v.Attribute.value;
    const char *sname = recv->v.Name.id;
    Finding f = {0};
    f.code = "SL302";
    f.path = c->k->src->path;
    diag_span(&f, o->write);
    f.message = msg(a, "the change to ORM object `%s` is never saved: %s, so `%s.commit()` on "
                       "line %d commits a session that does not hold it; load the object "
                       "through `%s` (`%s.get(...)`) or `%s.merge(%s)` before the change",
                    o->name, why, sname, commit->lineno, sname, sname, sname, o->name);
    const Node *steps[3] = {o->from, o->write, commit};
    const char *notes[3] = {
        o->probe ? msg(a, "`%s` is what `%s` returned, its session closed", o->name,
                       o->probe->name)
                 : msg(a, "`%s` is what the dependency `%s` returns: an object of its "
                          "session `%s`", o->name, o->provider->v.FunctionDef.name, o->src.via),
        "changed here",
        msg(a, "`%s` is committed here: it does not hold `%s`, and the session that does "
               "is never committed", sname, o->name)};
    f.trace = arena_alloc(a, 3 * sizeof *f.trace);
    for (int j = 0; j < 3; j++) {
        f.trace[j].path = f.path;
        f.trace[j].line = steps[j]->lineno;
        f.trace[j].col = steps[j]->col_offset;
        f.trace[j].note = notes[j];
    }
    f.ntrace = 3;
    diag_add(c->k->out, &f);
    o->reported = 1;
}

static void lost_kid(Node *parent, Node *n, void *arg);

static void lost_walk(Lost *l, const Node *n)
{
    if (!n || l->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    const Node *t = NULL, *v = NULL;
    if (ast_single_assign(n, &t, &v) && t->kind == NODE_Name) {
        lost_walk(l, v);
        LostObj *o = lost_obj(l, t);
        if (o)
            o->gone = 1; /* bound anew */
        const Probe *pr = probe_call(l->c, v);
        if (pr && l->nobj < MAX_LOST)
            l->obj[l->nobj++] = (LostObj){.name = t->v.Name.id, .from = n, .probe = pr};
        return;
    }
    const Node *tgt = changed_attr(n);
    LostObj *changed = tgt ? lost_obj(l, tgt->v.Attribute.value) : NULL;
    if (changed && !changed->write && !changed->reported)
        changed->write = n;
    if (n->kind == NODE_Call) {
        const Node *f = n->v.Call.func;
        const LostSess *s = f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "commit")
                                ? lost_sess(l, f->v.Attribute.value) : NULL;
        for (int i = 0; s && i < l->nobj; i++) {
            LostObj *o = &l->obj[i];
            const char *why = o->write && !o->gone ? other_session(l, o, s) : NULL;
            if (why)
                report_lost(l, o, n, why);
            o->write = NULL;
        }
        for (int j = 0; ast_call_arg(n, j); j++) { /* handed on: it may be added there */
            const Node *x = ast_call_arg(n, j);
            LostObj *o = lost_obj(l, x);
            if (x->kind == NODE_List || x->kind == NODE_Tuple) /* add_all([user, ...]) */
                for (int k = 0; k < x->v.List.elts.n && !o; k++)
                    o = lost_obj(l, x->v.List.elts.items[k]);
            if (o)
                o->write = NULL;
        }
    }
    l->depth++;
    ast_children((Node *)n, lost_kid, l);
    l->depth--;
}

static void lost_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    lost_walk(arg, n);
}

static void lost_writes(Scan *c)
{
    const Node *f = c->func;
    if (!c->changes || !c->commits)
        return; /* sessions() noted both: the cheap test before the parameters are read */
    Lost l = {.c = c};
    for (int i = 0; ast_param(f, i) && l.nobj < MAX_LOST && l.nsess < MAX_LOST; i++) {
        Depends d;
        ObjSrc src;
        const char *name = ast_param(f, i)->v.arg.arg;
        if (!depends_of_param(c->env, c->scratch, c->scope, f, i, &d) || !d.def)
            continue;
        if (session_provider(c, d.def))
            l.sess[l.nsess++] = (LostSess){name, d};
        else if (provider_object(c, d.def, &src) && !src.attr) /* the object itself */
            l.obj[l.nobj++] = (LostObj){.name = name, .from = ast_param(f, i),
                                        .provider = d.def, .dep = d, .src = src};
    }
    for (int i = 0; i < c->nsess && l.nsess < MAX_LOST; i++) { /* made here */
        int param = 0;
        for (int k = 0; ast_param(f, k) && !param; k++)
            param = !strcmp(ast_param(f, k)->v.arg.arg, c->sess[i]);
        if (!param)
            l.sess[l.nsess++] = (LostSess){c->sess[i], {0}};
    }
    for (int j = 0; l.nsess && j < f->v.FunctionDef.body.n; j++)
        lost_walk(&l, f->v.FunctionDef.body.items[j]);
}

/* --- objects a dependency hands an endpoint, of the endpoint's session ------ */

/*
 * `user: User = Depends(current_user)` beside `db: AsyncSession =
 * Depends(get_db)`, where current_user loaded the user through its own
 * `Depends(get_db)`: FastAPI runs get_db once per request and hands both
 * the same session (its dependency cache), so the user is an object of
 * `db`, and what commits or rolls back `db` expires it.  Not so for
 * use_cache=False, or, before FastAPI 0.123, a dependency reached under
 * Security scopes and the other without.
 */
static void dependency_objects(Scan *c)
{
    const Node *f = c->func;
    const FlowFastApi *fa = c->env->fastapi;
    for (int i = 0; ast_param(f, i); i++) {
        Depends d, dj;
        ObjSrc src;
        if (!depends_of_param(c->env, c->scratch, c->scope, f, i, &d) || !d.def ||
            session_provider(c, d.def) || !provider_object(c, d.def, &src) || src.own ||
            src.dep.uncached || d.uncached)
            continue;
        for (int j = 0; ast_param(f, j); j++) {
            const char *name = ast_param(f, j)->v.arg.arg;
            if (j == i || session_index(c, name) < 0 ||
                !depends_of_param(c->env, c->scratch, c->scope, f, j, &dj) ||
                dj.def != src.dep.def || dj.uncached ||
                (fa && fa->scopes_split && d.scoped != dj.scoped))
                continue;
            const char *obj = ast_param(f, i)->v.arg.arg;
            if (src.attr) { /* `auth.user` of `auth = Depends(Auth.current_user)` */
                if (c->nheld_obj == MAX_SESSIONS)
                    break;
                obj = c->held_obj[c->nheld_obj++] = arena_printf(c->k->a, "%s.%s", obj, src.attr);
            }
            push_at(c, EV_BIND, ast_param(f, i), name, obj);
            break;
        }
    }
}

/*
 * An endpoint's parameter that FastAPI fills with an object keeping a
 * session a provider lends the request (`repo: Annotated[OrderRepository,
 * Depends(order_repo)]`, order_repo making `OrderRepository(session)` of
 * `Depends(get_session)`: the value model carries the provider through the
 * object): when a method called here binds a name to an object of the
 * session it keeps (`order = await repo.get(i)`, Probe.held), that session
 * is followed as the endpoint's own, named "repo.session".  Limits: only
 * the `name = repo.m(...)` statements sessions() kept (MAX_BOUND); the
 * same provider's session handed to the endpoint by another parameter
 * (one per request) is not known to be this one.
 */
static void holder_sessions(Scan *c)
{
    for (int i = 0; i < c->nbound && i < MAX_BOUND && c->nsess < MAX_SESSIONS; i++) {
        const Node *v = ast_unawait(c->bound[i]->v.Assign.value), *f = v->v.Call.func;
        const Node *r = f->kind == NODE_Attribute ? f->v.Attribute.value : NULL;
        if (!r || r->kind != NODE_Name || param_index(c->func, r->v.Name.id) < 0)
            continue;
        const Probe *pr = probe_of(c, v);
        const char *name = pr && pr->held
                               ? arena_printf(c->k->a, "%s.%s", r->v.Name.id, pr->held) : NULL;
        if (!name || session_index(c, name) >= 0)
            continue;
        Val rv = flow_value(c->scratch, c->env, c->scope, r);
        Val sv = rv.tag == VAL_OBJECT && rv.node
                     ? value_attr(c->env->values, c->scratch, rv.node, pr->held) : rv;
        const FlowSummary *sum = sv.tag == VAL_RESOURCE && sv.kind == RES_SESSION && sv.node &&
                                         ast_is_function(sv.node) && c->env->summary_of
                                     ? c->env->summary_of(c->env->summary_arg, sv.node) : NULL;
        int is_async = 0, x = sum && sum->releases_after ? provider_expires(c, sv.node, &is_async)
                                                         : -1;
        if (x < 0)
            continue;
        add_session_named(c, name, x, is_async);
        c->sess_prov[c->nsess - 1] = sv.node;
        c->nattr++;
    }
}

void detached_check(LifecycleSink *k, const FlowEnv *env, const ProjectFacts *facts,
                    Arena *scratch, const Node *const *funcs, int nfuncs)
{
    ProbeCache cache = {{NULL}, {NULL}, 0};
    OrmReadCache reads = {{NULL, 0, 0}};
    for (int i = 0; i < nfuncs; i++) {
        const Node *f = funcs[i];
        if (f->kind != NODE_FunctionDef && f->kind != NODE_AsyncFunctionDef)
            continue;
        Scan c = {.k = k, .env = env, .scratch = scratch, .func = f,
                  .scope = scope_of(env->scopes, f), .cache = &cache, .reads = &reads,
                  .facts = facts};
        if (!c.scope)
            continue;
        for (int j = 0; j < f->v.FunctionDef.body.n; j++)
            sessions(&c, f->v.FunctionDef.body.items[j]);
        c.endpoint = env->fastapi && env->fastapi->model &&
                     (fastapi_role(env->fastapi->model, f) & FASTAPI_ENDPOINT);
        if (c.endpoint)
            lent_sessions(&c);
        lost_writes(&c);
        for (int j = 0; c.tasks && j < f->v.FunctionDef.body.n; j++)
            note_tasks(NULL, f->v.FunctionDef.body.items[j], &c);
        param_sessions(&c);
        if (c.endpoint && c.nsess)
            dependency_objects(&c);
        if (c.endpoint && c.nbound)
            holder_sessions(&c);
        if (!c.nsess && !calls_detaching(&c, f))
            continue;
        for (int j = 0; j < f->v.FunctionDef.body.n; j++)
            events(&c, f->v.FunctionDef.body.items[j]);
        dt_replay(&c);
        arena_reset(scratch);
    }
    ormpaths_cache_free(&reads);
}
