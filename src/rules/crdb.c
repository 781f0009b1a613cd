/*
 * crdb.c - SL401 no-retry-on-serialization-failure and SL402
 * retry-without-rollback, and the project facts they need (see crdb.h).
 *
 * CockroachDB runs SERIALIZABLE and answers contention with SQLSTATE 40001,
 * often at COMMIT; the client must run the whole transaction again.  So a
 * commit is fine where a retry surrounds it: inside
 * sqlalchemy_cockroachdb.run_transaction's callback, lexically inside a
 * loop whose try catches the serialization failure, or in a function that
 * only runs inside one of those (found by following calls from them over
 * the project, and through the project's own retry helpers: a function
 * that calls a parameter inside such a loop).  The retry loop itself must
 * start over cleanly: after a failed statement the session's transaction
 * is aborted, so going round again on it without rollback() fails each
 * time (SL402), whatever the database.
 */
#include "rules/crdb.h"

#include "fixgen.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules/dburl.h"
#include "rules/inerr.h"
#include "value.h"

#define PROPAGATE_MAX 4096 /* functions followed into their callees, per project */
#define FOLLOW_MAX 64      /* nesting followed by the small walkers here */

typedef struct DefRef {
    const Node *def;        /* FunctionDef, AsyncFunctionDef or Lambda */
    const ProjectModule *m; /* its module */
    int param;              /* callbacks and runners: the parameter's position; else -1 */
    const char *via_path;   /* what runs it: the run_transaction call, the retry loop */
    int via_line, via_col;
} DefRef;

typedef struct DefSet {
    DefRef *items; /* sorted by def after crdb_link */
    int n, cap;
} DefSet;

struct CrdbProject {
    int cockroach;        /* a CockroachDB project */
    int serializable;     /* else: an engine or session of the project runs SERIALIZABLE on
                             PostgreSQL, which aborts contended transactions with 40001 too */
    const char *ser_path; /* ... where it says so */
    int ser_line, ser_col;
    const char *why;      /* what says so: "imports sqlalchemy_cockroachdb" */
    const char *why_path; /* where, or NULL for the configuration */
    int why_line, why_col;
    DbUrlNames urls;  /* names database URLs travel under (dburl.h) */
    DefSet callbacks; /* run_transaction callbacks, and helpers they hand the session to */
    DefSet retried;   /* functions that run inside a transaction retry */
    DefSet runners;   /* project functions that retry a callable parameter */
};

static const char *const run_transactions[] = {
    "sqlalchemy_cockroachdb.run_transaction",
    "sqlalchemy_cockroachdb.transaction.run_transaction",
    "cockroachdb.sqlalchemy.run_transaction",
    "cockroachdb.sqlalchemy.transaction.run_transaction",
};

/* Methods that do not run SQL on a session or connection: a failure
 * elsewhere in the try block leaves it usable. */
static const char *const no_io[] = {
    "add",       "add_all",  "expunge",      "expunge_all",    "rollback",
    "close",     "begin",    "begin_nested", "in_transaction", "in_nested_transaction",
    "is_active", "get_bind", "reset",        "invalidate",
};

static const char *const resets[] = {"rollback", "close", "reset", "invalidate"};

static int in_list(const char *s, const char *const *l, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (!strcmp(s, l[i]))
            return 1;
    return 0;
}
#define IN(s, list) in_list(s, list, sizeof list / sizeof *list)

/* ------------------------------------------------------------ sets */

static int set_find(const DefSet *s, const Node *def, int param)
{
    for (int i = 0; i < s->n; i++)
        if (s->items[i].def == def && (param == -2 || s->items[i].param == param))
            return i;
    return -1;
}

static int set_add(Arena *a, DefSet *s, const DefRef *r)
{
    if (!r->def || set_find(s, r->def, r->param) >= 0 || s->n >= PROPAGATE_MAX)
        return 0;
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 16;
        DefRef *items = arena_alloc(a, (size_t)cap * sizeof *items);
        if (s->n)
            memcpy(items, s->items, (size_t)s->n * sizeof *items);
        s->items = items;
        s->cap = cap;
    }
    s->items[s->n++] = *r;
    return 1;
}

static int cmp_def(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)((const DefRef *)x)->def, b = (uintptr_t)((const DefRef *)y)->def;
    return a < b ? -1 : a > b;
}

/* The first entry for def in a sorted set, or NULL. */
static const DefRef *set_lookup(const DefSet *s, const Node *def)
{
    int lo = 0, hi = s->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if ((uintptr_t)s->items[mid].def < (uintptr_t)def)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n && s->items[lo].def == def ? &s->items[lo] : NULL;
}

/* ------------------------------------------------------ small helpers */

static const Node *arg_at(const Node *call, int pos, const char *kw)
{
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        if (k->v.keyword.arg && kw && !strcmp(k->v.keyword.arg, kw))
            return k->v.keyword.value;
    }
    if (pos >= 0 && call->v.Call.args.n > pos && call->v.Call.args.items[pos]->kind != NODE_Starred)
        return call->v.Call.args.items[pos];
    return NULL;
}

/* The positional parameters of a def or lambda, and the i-th one's name. */
static const char *param_name(const Node *f, int i)
{
    const Node *args = f->kind == NODE_Lambda ? f->v.Lambda.args : f->v.FunctionDef.args;
    const NodeList *po = &args->v.arguments.posonlyargs, *pl = &args->v.arguments.args;
    if (i < 0)
        return NULL;
    if (i < po->n)
        return po->items[i]->v.arg.arg;
    i -= po->n;
    return i < pl->n ? pl->items[i]->v.arg.arg : NULL;
}

static int param_index(const Node *f, const char *name)
{
    for (int i = 0; name; i++) {
        const char *p = param_name(f, i);
        if (!p)
            return -1;
        if (!strcmp(p, name))
            return i;
    }
    return -1;
}

static const char *qual_buf(const ScopeTable *t, const Scope *s, const Node *e, char *buf,
                            size_t cap)
{
    size_t n = scope_qualname_buf(t, s, e, buf, cap);
    return n && n < cap ? buf : NULL;
}

/* A receiver we can follow by name: `db`, `self.session`. */
static int trackable(const Node *e)
{
    return e->kind == NODE_Name ||
           (e->kind == NODE_Attribute && e->v.Attribute.value->kind == NODE_Name);
}

static int in_body(const NodeList *body, const Node *n)
{
    for (int i = 0; i < body->n; i++)
        if (ast_encloses(body->items[i], n))
            return 1;
    return 0;
}

/* --------------------------------------------------- exception types */

/* What a handler catches, from least to most certainly the database's
 * serialization failure: nothing of the database's; anything (Exception,
 * a bare except); one specific database error; any database error; an
 * error that carries SQLSTATE 40001 among others; the failure itself. */
enum { EXC_NONE, EXC_GENERIC, EXC_DB, EXC_DBBROAD, EXC_CARRIER, EXC_SERIAL };

/* psycopg's TransactionRollback (3) and TransactionRollbackError (2), asyncpg's
 * TransactionRollbackError: SQLSTATE class 40, whose subclasses are the
 * serialization failure and the deadlock */
static const char *const exc_serial[] = {"SerializationFailure", "SerializationError",
                                         "TransactionRollbackError", "TransactionRollback"};
static const char *const exc_carrier[] = {"OperationalError", "DBAPIError"};
static const char *const exc_generic[] = {"Exception", "BaseException"};
static const char *const exc_broad[] = {"SQLAlchemyError", "DatabaseError", "PostgresError"};
static const char *const exc_db[] = {"IntegrityError",       "InternalError",
                                     "ProgrammingError",     "DataError",
                                     "NotSupportedError",    "InterfaceError",
                                     "StatementError",       "PendingRollbackError",
                                     /* 40P01 (psycopg, asyncpg), 55P03: the server
                                        aborted the transaction, or the statement */
                                     "DeadlockDetected",     "DeadlockDetectedError",
                                     "LockNotAvailable",     "LockNotAvailableError"};

static int exc_class(const ScopeTable *t, const Scope *s, const Node *type, int depth)
{
    char buf[512];
    if (!type)
        return EXC_GENERIC; /* a bare except */
    if (type->kind == NODE_Tuple) {
        int best = EXC_NONE;
        for (int i = 0; i < type->v.Tuple.elts.n && depth < 4; i++) {
            int k = exc_class(t, s, type->v.Tuple.elts.items[i], depth + 1);
            best = k > best ? k : best;
        }
        return best;
    }
    const char *q = qual_buf(t, s, type, buf, sizeof buf);
    const char *last = q ? strrchr(q, '.') : NULL;
    last = last ? last + 1 : q;
    if (!last)
        last = type->kind == NODE_Name        ? type->v.Name.id
               : type->kind == NODE_Attribute ? type->v.Attribute.attr
                                              : "";
    if (IN(last, exc_serial))
        return EXC_SERIAL;
    if (IN(last, exc_carrier))
        return EXC_CARRIER;
    if (IN(last, exc_broad) ||
        (q && !strcmp(last, "Error") && (!strncmp(q, "psycopg", 7) || !strncmp(q, "asyncpg", 7))))
        return EXC_DBBROAD;
    if (IN(last, exc_generic))
        return EXC_GENERIC;
    return IN(last, exc_db) ? EXC_DB : EXC_NONE;
}

int crdb_catches_db(const ScopeTable *t, const Scope *s, const Node *type)
{
    char buf[512];
    if (exc_class(t, s, type, 0) != EXC_NONE)
        return 1;
    if (type && type->kind == NODE_Tuple) {
        for (int i = 0; i < type->v.Tuple.elts.n; i++)
            if (crdb_catches_db(t, s, type->v.Tuple.elts.items[i]))
                return 1;
        return 0;
    }
    const char *q = type ? qual_buf(t, s, type, buf, sizeof buf) : NULL;
    return q && (!strncmp(q, "psycopg2.errors.", 16) || !strncmp(q, "psycopg.errors.", 15));
}

typedef struct Mention {
    const ScopeTable *t;
    const Scope *s;
    int found, depth, follow;
} Mention;

static const char *const serial_words[] = {"pgcode", "sqlstate", "SERIALIZATION_FAILURE",
                                           "SerializationFailure", "SerializationError"};

static void mention_kid(Node *parent, Node *n, void *arg);

/* A call to a function of this module: does its body check for 40001? */
static void mention_call(Mention *m, const Node *call)
{
    const Node *f = call->v.Call.func;
    if (m->follow || f->kind != NODE_Name)
        return;
    const Binding *b = scope_lookup(m->t, m->s, f->v.Name.id, NULL);
    if (!b || b->kind != BIND_DEF || !b->def)
        return;
    m->follow = 1;
    for (int i = 0; i < b->def->v.FunctionDef.body.n && !m->found; i++)
        mention_kid(NULL, b->def->v.FunctionDef.body.items[i], m);
    m->follow = 0;
}

static void mention_kid(Node *parent, Node *n, void *arg)
{
    Mention *m = arg;
    (void)parent;
    if (m->found || m->depth > FOLLOW_MAX)
        return;
    switch (n->kind) {
    case NODE_Constant:
        m->found = n->v.Constant.value.s && strstr(n->v.Constant.value.s, "40001");
        return;
    case NODE_Attribute: m->found = IN(n->v.Attribute.attr, serial_words); break;
    case NODE_Name: m->found = IN(n->v.Name.id, serial_words); return;
    case NODE_Call: mention_call(m, n); break;
    default: break;
    }
    m->depth++;
    ast_children(n, mention_kid, m);
    m->depth--;
}

/* Does the handler catch CockroachDB's serialization failure? */
static int catches_serialization(const ScopeTable *t, const Scope *s, const Node *h)
{
    int k = exc_class(t, s, h->v.ExceptHandler.type, 0);
    if (k >= EXC_CARRIER)
        return 1;
    if (k != EXC_GENERIC && k != EXC_DBBROAD)
        return 0;
    Mention m = {t, s, 0, 0, 0}; /* `except Exception as e: if e.orig.pgcode == "40001"` */
    for (int i = 0; i < h->v.ExceptHandler.body.n && !m.found; i++)
        mention_kid(NULL, h->v.ExceptHandler.body.items[i], &m);
    return m.found;
}

/* Does a statement list always leave the loop (raise, return, break)? */
static int exits(const NodeList *body, int depth)
{
    if (!body->n || depth > FOLLOW_MAX)
        return 0;
    const Node *last = body->items[body->n - 1];
    switch (last->kind) {
    case NODE_Raise:
    case NODE_Return:
    case NODE_Break: return 1;
    case NODE_If: return exits(&last->v.If.body, depth + 1) && exits(&last->v.If.orelse, depth + 1);
    case NODE_With:
    case NODE_AsyncWith: return exits(&last->v.With.body, depth + 1);
    default: return 0;
    }
}

static int always_exits(const NodeList *body) { return exits(body, 0); }

static int is_loop(const Node *n)
{
    return n->kind == NODE_For || n->kind == NODE_AsyncFor || n->kind == NODE_While;
}

typedef struct Leaves {
    int found, depth;
} Leaves;

static void leaves_kid(Node *parent, Node *n, void *arg)
{
    Leaves *l = arg;
    (void)parent;
    if (l->found || l->depth > FOLLOW_MAX || is_loop(n) || ast_is_def(n))
        return;
    if (n->kind == NODE_Break || n->kind == NODE_Return) {
        l->found = 1;
        return;
    }
    l->depth++;
    ast_children(n, leaves_kid, l);
    l->depth--;
}

/* Does the loop stop once an attempt succeeds (a while loop, or a break or
 * return in its body), as a retry loop does?  A for loop over items that
 * never leaves early runs each item once: it retries nothing. */
static int stops_on_success(const Node *loop)
{
    if (loop->kind == NODE_While)
        return 1;
    Leaves l = {0, 0};
    for (int i = 0; i < loop->v.For.body.n && !l.found; i++)
        leaves_kid(NULL, loop->v.For.body.items[i], &l);
    return l.found;
}

#define RETRY_MAX_DEPTH 8 /* nesting of `|`, `&`, retry_any() followed in a retry= */

/*
 * Does tenacity's `retry=` strategy retry a serialization failure?
 * `retry_if_exception_type(T)` does when T would catch it (Exception,
 * OperationalError, DBAPIError, a driver's base error or the failure
 * itself, as an except clause would: exc_class); `a | b` and retry_any()
 * when either does, `a & b` and retry_all() when both do.  A predicate of
 * the project (`retry_if_exception(is_retryable)`, a function or a strategy
 * kept in a name) is taken to retry what it was written for; only
 * tenacity's own strategies that name no database error (retry_if_result,
 * retry_never, an exception type that is not the database's) do not.
 */
static int retries_serial(const ScopeTable *t, const Scope *s, const Node *e, int depth)
{
    if (depth > RETRY_MAX_DEPTH)
        return 1;
    if (e->kind == NODE_BinOp && (e->v.BinOp.op == OP_BitOr || e->v.BinOp.op == OP_BitAnd)) {
        int l = retries_serial(t, s, e->v.BinOp.left, depth + 1);
        int r = retries_serial(t, s, e->v.BinOp.right, depth + 1);
        return e->v.BinOp.op == OP_BitOr ? l || r : l && r;
    }
    char buf[256];
    const char *q = e->kind == NODE_Call ? qual_buf(t, s, e->v.Call.func, buf, sizeof buf) : NULL;
    if (!q || strncmp(q, "tenacity", 8))
        return 1; /* the project's own predicate or strategy */
    const char *last = strrchr(q, '.') ? strrchr(q, '.') + 1 : q;
    const NodeList *args = &e->v.Call.args;
    if (!strcmp(last, "retry_any") || !strcmp(last, "retry_all")) {
        int any = !strcmp(last, "retry_any");
        for (int i = 0; i < args->n; i++)
            if (retries_serial(t, s, args->items[i], depth + 1) == any)
                return any;
        return !any;
    }
    if (!strcmp(last, "retry_if_exception_type")) {
        const Node *types = args->n ? args->items[0] : ast_keyword(e, "exception_types");
        int k = types ? exc_class(t, s, types, 0) : EXC_GENERIC; /* default: Exception */
        return k != EXC_NONE && k != EXC_DB;
    }
    return !strcmp(last, "retry_if_exception") || !strcmp(last, "retry_if_not_exception_type") ||
           !strcmp(last, "retry_always");
}

/*
 * tenacity's loop form: `for attempt in Retrying(...):` (`async for` over
 * AsyncRetrying) with the work in `with attempt:`.  The iterator stops once
 * an attempt succeeds; an exception that leaves `with attempt:` is retried
 * when the `retry=` predicate accepts it: without one, every exception is
 * (TENACITY_ALL); with one, only what it names, and TryAgain always
 * (TENACITY_SOME: a try inside that turns the failure into TryAgain).
 */
enum { TENACITY_NONE, TENACITY_SOME, TENACITY_ALL };

static int tenacity_loop(const ScopeTable *t, const Scope *s, const Node *loop)
{
    if (loop->kind != NODE_For && loop->kind != NODE_AsyncFor)
        return TENACITY_NONE;
    const Node *it = loop->v.For.iter;
    char buf[256];
    const char *q = it->kind == NODE_Call ? qual_buf(t, s, it->v.Call.func, buf, sizeof buf) : NULL;
    size_t n = q ? strlen(q) : 0;
    if (!q || n < 8 || strcmp(q + n - 8, "Retrying") || strncmp(q, "tenacity", 8))
        return TENACITY_NONE;
    const Node *retry = ast_keyword(it, "retry");
    return !retry || retries_serial(t, s, retry, 0) ? TENACITY_ALL : TENACITY_SOME;
}

/* Is with the `with attempt:` of a tenacity loop (its target's name)? */
static int attempt_block(const Node *loop, const Node *with)
{
    const Node *target = loop->v.For.target;
    if ((with->kind != NODE_With && with->kind != NODE_AsyncWith) || target->kind != NODE_Name)
        return 0;
    for (int i = 0; i < with->v.With.items.n; i++) {
        const Node *e = with->v.With.items.items[i]->v.withitem.context_expr;
        if (e->kind == NODE_Name && !strcmp(e->v.Name.id, target->v.Name.id))
            return 1;
    }
    return 0;
}

/* Does a handler body raise tenacity's TryAgain (which always retries)? */
static int raises_try_again(const NodeList *body, int depth)
{
    for (int i = 0; i < body->n && depth < FOLLOW_MAX; i++) {
        const Node *st = body->items[i], *e = st->kind == NODE_Raise ? st->v.Raise.exc : NULL;
        if (e && e->kind == NODE_Call)
            e = e->v.Call.func;
        const char *id = !e ? NULL
                         : e->kind == NODE_Name      ? e->v.Name.id
                         : e->kind == NODE_Attribute ? e->v.Attribute.attr
                                                     : NULL;
        if (id && !strcmp(id, "TryAgain"))
            return 1;
        if (st->kind == NODE_If && (raises_try_again(&st->v.If.body, depth + 1) ||
                                    raises_try_again(&st->v.If.orelse, depth + 1)))
            return 1;
    }
    return 0;
}

/* Is try, in loop, a retry on serialization failure: a handler that catches
 * it and goes round again, in a loop that stops on success?  In a tenacity
 * loop, a handler that raises TryAgain goes round again. */
static int retry_try(const ScopeTable *t, const Scope *s, const Node *loop, const Node *try)
{
    const NodeList *hs = &try->v.Try.handlers;
    int tenacity = tenacity_loop(t, s, loop);
    if (!tenacity && !stops_on_success(loop))
        return 0;
    for (int i = 0; i < hs->n; i++) {
        const NodeList *body = &hs->items[i]->v.ExceptHandler.body;
        if (catches_serialization(t, s, hs->items[i]) &&
            (!always_exits(body) || (tenacity && raises_try_again(body, 0))))
            return 1;
    }
    return 0;
}

static int is_func(const Node *n)
{
    return n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef ||
           n->kind == NODE_Lambda;
}

/* The try statements of a loop's body that belong to it: not those of a
 * nested loop or function. */
typedef struct Tries {
    const Node *items[64];
    int n, depth;
} Tries;

static void tries_kid(Node *parent, Node *n, void *arg)
{
    Tries *t = arg;
    (void)parent;
    if (t->depth > FOLLOW_MAX || ast_category(n->kind) != CAT_STMT || is_loop(n) ||
        n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef || n->kind == NODE_ClassDef)
        return;
    if ((n->kind == NODE_Try || n->kind == NODE_TryStar) && t->n < 64)
        t->items[t->n++] = n;
    t->depth++;
    ast_children(n, tries_kid, t);
    t->depth--;
}

static void loop_tries(const Node *loop, Tries *t)
{
    const NodeList *body = loop->kind == NODE_While ? &loop->v.While.body : &loop->v.For.body;
    t->n = t->depth = 0;
    for (int i = 0; i < body->n; i++)
        tries_kid(NULL, body->items[i], t);
}

/* ------------------------------------------------------------- link */

typedef struct LinkScan {
    Arena *a;
    CrdbProject *p;
    const Project *g;
    const ProjectModule *m;
} LinkScan;

/* The project function the callee expression f names (in scope s of module m). */
static DefRef def_ref(const Project *g, const ProjectModule *m, const Scope *s, const Node *f)
{
    DefRef r = {NULL, NULL, -1, NULL, 0, 0};
    char buf[512];
    const char *q = NULL;
    if (f->kind == NODE_Lambda) {
        r.def = f;
        r.m = m;
        return r;
    }
    if (f->kind == NODE_Name) {
        const Binding *b = scope_lookup(m->scopes, s, f->v.Name.id, NULL);
        if (b && b->kind == BIND_DEF && b->def) {
            r.def = b->def;
            r.m = m;
            return r;
        }
        q = b && b->kind == BIND_IMPORT ? b->qualname : NULL;
    } else if (f->kind == NODE_Attribute) {
        q = qual_buf(m->scopes, s, f, buf, sizeof buf);
        if (!q && (r.def = scope_self_method(m->scopes, s, f))) { /* self.transaction() */
            r.m = m;
            return r;
        }
    }
    const ProjectModule *pm = NULL;
    const Binding *pb = NULL;
    if (q && modgraph_resolve(g, q, &pm, &pb) && pb && pb->kind == BIND_DEF && pb->def &&
        is_func(pb->def)) {
        r.def = pb->def;
        r.m = pm;
    }
    return r;
}

static void via(DefRef *r, const ProjectModule *m, const Node *at)
{
    r->via_path = m->path;
    r->via_line = at->lineno;
    r->via_col = at->col_offset;
}

static int crdb_module(const char *name)
{
    static const char *const roots[] = {"sqlalchemy_cockroachdb", "cockroachdb"};
    for (size_t i = 0; name && i < sizeof roots / sizeof *roots; i++) {
        size_t n = strlen(roots[i]);
        if (!strncmp(name, roots[i], n) && (name[n] == 0 || name[n] == '.'))
            return 1;
    }
    return 0;
}

static void detect(LinkScan *ls, const Node *at, const char *why)
{
    if (ls->p->cockroach)
        return;
    ls->p->cockroach = 1;
    ls->p->why = why;
    ls->p->why_path = ls->m->path;
    ls->p->why_line = at->lineno;
    ls->p->why_col = at->col_offset;
}

/* run_transaction(transactor, callback): callback may be a def, a lambda
 * or functools.partial(f, args...). */
static void note_callback(LinkScan *ls, const Scope *s, const Node *call)
{
    const Node *cb = arg_at(call, 1, "callback");
    char buf[512];
    if (!cb)
        return;
    int shift = 0;
    if (cb->kind == NODE_Call && cb->v.Call.args.n > 0) {
        const char *q = qual_buf(ls->m->scopes, s, cb->v.Call.func, buf, sizeof buf);
        if (!q || strcmp(q, "functools.partial"))
            return;
        shift = cb->v.Call.args.n - 1;
        cb = cb->v.Call.args.items[0];
    }
    DefRef r = def_ref(ls->g, ls->m, s, cb);
    if (!r.def)
        return;
    via(&r, ls->m, call);
    r.param = shift;
    set_add(ls->a, &ls->p->callbacks, &r);
    r.param = -1;
    set_add(ls->a, &ls->p->retried, &r);
}

/* `isolation_level="SERIALIZABLE"` given where the project's engines or
 * sessions are made (create_engine, create_async_engine, a sessionmaker):
 * every transaction of the project may fail with 40001.  One connection's
 * execution_options() is one transaction's choice, not the project's. */
static void note_serializable(LinkScan *ls, const Node *call, const char *q)
{
    static const char *const makers[] = {"create_engine", "create_async_engine", "sessionmaker",
                                         "async_sessionmaker"};
    const Node *iso = ast_keyword(call, "isolation_level");
    const char *last = q ? strrchr(q, '.') : NULL;
    int ours = last && (!strncmp(q, "sqlalchemy", 10) || !strncmp(q, "sqlmodel", 8)) &&
               IN(last + 1, makers);
    if (!ours || !iso || iso->kind != NODE_Constant || iso->v.Constant.value.kind != CONST_STR ||
        strcasecmp(iso->v.Constant.value.s, "SERIALIZABLE") || ls->p->serializable)
        return;
    ls->p->serializable = 1;
    ls->p->ser_path = ls->m->path;
    ls->p->ser_line = iso->lineno;
    ls->p->ser_col = iso->col_offset;
}

static void link_call(LinkScan *ls, const Scope *s, const Node *call)
{
    char buf[512];
    const char *q = qual_buf(ls->m->scopes, s, call->v.Call.func, buf, sizeof buf);
    note_serializable(ls, call, q);
    if (!q)
        return;
    dburl_note_call(ls->a, &ls->p->urls, q, call);
    if (IN(q, run_transactions))
        note_callback(ls, s, call);
    size_t n = strlen(q);
    if (n > 11 && !strcmp(q + n - 11, ".URL.create")) { /* URL.create("cockroachdb+asyncpg", ...) */
        const Node *d = arg_at(call, 0, "drivername");
        if (d && d->kind == NODE_Constant && d->v.Constant.value.kind == CONST_STR &&
            !strncmp(d->v.Constant.value.s, "cockroachdb", 11))
            detect(ls, d, "a cockroachdb URL");
    }
}

/* A decorator that retries: tenacity's @retry, backoff's, @retry_on_... */
static int retry_decorated(const ScopeTable *t, const Scope *s, const Node *f)
{
    char buf[512];
    const NodeList *ds = &f->v.FunctionDef.decorator_list;
    for (int i = 0; i < ds->n; i++) {
        const Node *d = ds->items[i]->kind == NODE_Call ? ds->items[i]->v.Call.func : ds->items[i];
        const char *q = qual_buf(t, s, d, buf, sizeof buf);
        const char *id = d->kind == NODE_Name        ? d->v.Name.id
                         : d->kind == NODE_Attribute ? d->v.Attribute.attr
                                                     : "";
        if ((q && (!strncmp(q, "tenacity", 8) || !strncmp(q, "backoff", 7) ||
                   !strncmp(q, "retrying", 8))) ||
            strstr(id, "retry") || strstr(id, "Retry"))
            return 1;
    }
    return 0;
}

typedef struct LoopCalls {
    LinkScan *ls;
    const Scope *s;
    const Node *func; /* the function holding the loop, or NULL */
    const Node *try;
    int depth;
} LoopCalls;

/* A call inside a retrying try block: its callee runs inside the retry; a
 * call of the function's own parameter makes the function a retry helper. */
static void loop_call_kid(Node *parent, Node *n, void *arg)
{
    LoopCalls *lc = arg;
    (void)parent;
    if (lc->depth > FOLLOW_MAX || ast_is_def(n))
        return;
    if (n->kind == NODE_Call) {
        const Node *f = n->v.Call.func;
        int k = lc->func && f->kind == NODE_Name ? param_index(lc->func, f->v.Name.id) : -1;
        const Binding *b = f->kind == NODE_Name
                               ? scope_lookup(lc->ls->m->scopes, lc->s, f->v.Name.id, NULL)
                               : NULL;
        DefRef r = def_ref(lc->ls->g, lc->ls->m, lc->s, f);
        via(&r, lc->ls->m, lc->try);
        if (k >= 0 && b && b->kind == BIND_PARAM) {
            DefRef runner = {lc->func, lc->ls->m, k, NULL, 0, 0};
            via(&runner, lc->ls->m, lc->try);
            set_add(lc->ls->a, &lc->ls->p->runners, &runner);
        } else if (r.def) {
            set_add(lc->ls->a, &lc->ls->p->retried, &r);
        }
    }
    lc->depth++;
    ast_children(n, loop_call_kid, lc);
    lc->depth--;
}

static void link_loop(LinkScan *ls, DbWalk *w, const Node *loop)
{
    Tries tries;
    if (tenacity_loop(ls->m->scopes, w->scope, loop) == TENACITY_ALL)
        for (int i = 0; i < loop->v.For.body.n; i++) { /* every exception is retried */
            const Node *with = loop->v.For.body.items[i];
            if (!attempt_block(loop, with))
                continue;
            LoopCalls lc = {ls, w->scope, dbval_walk_func(w), with, 0};
            for (int k = 0; k < with->v.With.body.n; k++)
                loop_call_kid(NULL, with->v.With.body.items[k], &lc);
        }
    loop_tries(loop, &tries);
    for (int i = 0; i < tries.n; i++) {
        const Node *t = tries.items[i];
        if (!retry_try(ls->m->scopes, w->scope, loop, t))
            continue;
        LoopCalls lc = {ls, w->scope, dbval_walk_func(w), t, 0};
        for (int k = 0; k < t->v.Try.body.n; k++)
            loop_call_kid(NULL, t->v.Try.body.items[k], &lc);
    }
}

static int link_visit(DbWalk *w, const Node *n)
{
    LinkScan *ls = w->arg;
    switch (n->kind) {
    case NODE_Import:
        for (int i = 0; i < n->v.Import.names.n; i++)
            if (crdb_module(n->v.Import.names.items[i]->v.alias.name))
                detect(ls, n, "it imports the CockroachDB dialect");
        break;
    case NODE_ImportFrom:
        if (!n->v.ImportFrom.level && crdb_module(n->v.ImportFrom.module))
            detect(ls, n, "it imports the CockroachDB dialect");
        break;
    case NODE_Constant:
        if (dburl_is_cockroach(n))
            detect(ls, n, strncmp(n->v.Constant.value.s, "cockroachdb", 11)
                              ? "a database URL on CockroachDB's port, 26257"
                              : "a cockroachdb URL");
        break;
    case NODE_Call: link_call(ls, w->scope, n); break;
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef:
        if (retry_decorated(ls->m->scopes, w->scope, n)) {
            DefRef r = {n, ls->m, -1, NULL, 0, 0};
            via(&r, ls->m, n);
            set_add(ls->a, &ls->p->retried, &r);
        }
        break;
    case NODE_For:
    case NODE_AsyncFor:
    case NODE_While: link_loop(ls, w, n); break;
    default: break;
    }
    return 1;
}

/* A call of a project retry helper: what it is given to run is retried. */
static int runner_visit(DbWalk *w, const Node *n)
{
    LinkScan *ls = w->arg;
    if (n->kind != NODE_Call)
        return 1;
    DefRef callee = def_ref(ls->g, ls->m, w->scope, n->v.Call.func);
    int i = callee.def ? set_find(&ls->p->runners, callee.def, -2) : -1;
    if (i < 0)
        return 1;
    const DefRef *run = &ls->p->runners.items[i];
    const Node *op = arg_at(n, run->param, param_name(run->def, run->param));
    DefRef r = op ? def_ref(ls->g, ls->m, w->scope, op) : callee;
    if (op && r.def) {
        via(&r, ls->m, n);
        set_add(ls->a, &ls->p->retried, &r);
    }
    return 1;
}

typedef struct Follow {
    LinkScan *ls;
    const DefRef *from;
    int callbacks; /* follow the session parameter (callbacks), or every call (retried) */
} Follow;

static void follow_call(Follow *fo, const Scope *s, const Node *call)
{
    LinkScan *ls = fo->ls;
    DefRef r = def_ref(ls->g, fo->from->m, s, call->v.Call.func);
    if (!r.def)
        return;
    r.via_path = fo->from->via_path;
    r.via_line = fo->from->via_line;
    r.via_col = fo->from->via_col;
    if (!fo->callbacks) {
        set_add(ls->a, &ls->p->retried, &r);
        return;
    }
    const char *p = param_name(fo->from->def, fo->from->param);
    for (int i = 0; p && i < call->v.Call.args.n; i++) {
        const Node *a = call->v.Call.args.items[i];
        if (a->kind == NODE_Name && !strcmp(a->v.Name.id, p)) {
            r.param = i;
            set_add(ls->a, &ls->p->callbacks, &r);
        }
    }
    for (int i = 0; p && i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        if (k->v.keyword.arg && k->v.keyword.value->kind == NODE_Name &&
            !strcmp(k->v.keyword.value->v.Name.id, p) &&
            (r.param = param_index(r.def, k->v.keyword.arg)) >= 0)
            set_add(ls->a, &ls->p->callbacks, &r);
    }
}

static int follow_visit(DbWalk *w, const Node *n)
{
    if (ast_is_def(n))
        return 0; /* runs when called, not here */
    if (n->kind == NODE_Call)
        follow_call(w->arg, w->scope, n);
    return 1;
}

/* Closes both sets over calls: what a retried function calls is retried;
 * a helper a callback hands its session to is a callback too. */
static void propagate(LinkScan *ls, DefSet *set, int callbacks)
{
    DbWalk w;
    for (int i = 0; i < set->n; i++) {
        DefRef from = set->items[i]; /* the set may grow (and move) meanwhile */
        Follow fo = {ls, &from, callbacks};
        memset(&w, 0, sizeof w);
        w.t = from.m->scopes;
        w.visit = follow_visit;
        w.arg = &fo;
        dbval_walk_body(&w, from.def);
    }
}

static void scan_modules(LinkScan *ls, int (*visit)(DbWalk *, const Node *))
{
    int n = 0;
    const ProjectModule *mods = modgraph_modules(ls->g, &n);
    DbWalk w;
    for (int i = 0; i < n; i++) {
        ls->m = &mods[i];
        memset(&w, 0, sizeof w);
        w.t = mods[i].scopes;
        w.visit = visit;
        w.arg = ls;
        dbval_walk(&w, mods[i].module);
    }
}

CrdbProject *crdb_link(Arena *a, const Project *graph, const ProjectFacts *facts)
{
    CrdbProject *p = arena_alloc(a, sizeof *p);
    LinkScan ls = {a, p, graph, NULL};
    scan_modules(&ls, link_visit);
    if (p->runners.n)
        scan_modules(&ls, runner_visit);
    propagate(&ls, &p->callbacks, 1);
    for (int i = 0; i < p->callbacks.n; i++) {
        DefRef r = p->callbacks.items[i];
        r.param = -1;
        set_add(a, &p->retried, &r);
    }
    propagate(&ls, &p->retried, 0);
    if (p->callbacks.n)
        qsort(p->callbacks.items, (size_t)p->callbacks.n, sizeof *p->callbacks.items, cmp_def);
    if (p->retried.n)
        qsort(p->retried.items, (size_t)p->retried.n, sizeof *p->retried.items, cmp_def);
    dburl_finish(&p->urls);
    if (facts && facts->database == DB_COCKROACHDB && !p->cockroach) {
        p->cockroach = 1;
        p->why = "the configuration says so";
    } else if (facts && facts->database == DB_POSTGRESQL) {
        p->cockroach = 0; /* the configuration overrides what the source suggests */
    }
    return p;
}

int crdb_is_cockroach(const CrdbProject *p) { return p && p->cockroach; }

/* Does a commit of the project need a retry on 40001 (SL401)? */
static int retrying_db(const CrdbProject *p) { return p->cockroach || p->serializable; }

/* ------------------------------------------------------------ check */

struct CrdbCheck {
    DbCtx *c;
    const Source *src;
    const CrdbProject *p;
    FindingList *out;
    const Node *module;
    UrlCheck *urls; /* SL403's check of the same module */
};

static void emit(CrdbCheck *k, const char *code, const Node *at, const char *message,
                 const TraceStep *steps, int nsteps, const Fix *fix)
{
    Finding f = {0};
    f.fix = fix;
    f.code = code;
    f.path = k->src->path;
    diag_span(&f, at);
    f.message = message;
    f.trace = arena_alloc(k->c->a, (size_t)(nsteps ? nsteps : 1) * sizeof *f.trace);
    for (int i = 0; i < nsteps; i++)
        f.trace[f.ntrace++] = steps[i];
    diag_add(k->out, &f);
}

static const char *text(CrdbCheck *k, const Node *n)
{
    const char *t = dbval_text(k->c, k->src, n, 40);
    return t ? t : "it";
}

/* Is the node (at the top of w's walk) inside a retry: a retried
 * function, or a try block with a serialization handler inside a loop? */
static int retried_here(CrdbCheck *k, const DbWalk *w, const Node *n)
{
    const Node *f = dbval_walk_func(w);
    if (f && set_lookup(&k->p->retried, f))
        return 1;
    for (int i = w->depth - 1; i >= 0 && w->stack[i] != f; i--) {
        const Node *t = w->stack[i];
        if (i > 0 && attempt_block(w->stack[i - 1], t) && is_loop(w->stack[i - 1]) &&
            tenacity_loop(k->c->env->scopes, w->scope, w->stack[i - 1]) == TENACITY_ALL)
            return 1; /* `with attempt:` of a tenacity loop that retries everything */
        if ((t->kind != NODE_Try && t->kind != NODE_TryStar) || !in_body(&t->v.Try.body, n))
            continue;
        for (int j = i - 1; j >= 0 && w->stack[j] != f; j--)
            if (is_loop(w->stack[j]) && retry_try(k->c->env->scopes, w->scope, w->stack[j], t))
                return 1;
    }
    return 0;
}

/* SL401 at a commit or a transaction block. */
/* Is the handler type t broad enough to catch a serialization failure
 * (bare, Exception, SQLAlchemy's and the drivers' base errors)? */
static int catches_db_errors(const Node *t)
{
    static const char *const broad[] = {"Exception", "BaseException", "SQLAlchemyError",
                                        "DBAPIError", "OperationalError", "DatabaseError",
                                        "Error", "PostgresError", "InterfaceError"};
    if (!t)
        return 1;
    if (t->kind == NODE_Tuple) {
        for (int i = 0; i < t->v.Tuple.elts.n; i++)
            if (catches_db_errors(t->v.Tuple.elts.items[i]))
                return 1;
        return 0;
    }
    const char *id = t->kind == NODE_Name        ? t->v.Name.id
                     : t->kind == NODE_Attribute ? t->v.Attribute.attr : NULL;
    return id && IN(id, broad);
}

typedef struct RaiseFind {
    int found, depth;
} RaiseFind;

static void raise_kid(Node *parent, Node *n, void *arg)
{
    RaiseFind *rf = arg;
    (void)parent;
    if (rf->found || rf->depth > FOLLOW_MAX || ast_is_def(n))
        return;
    if (n->kind == NODE_Raise) {
        rf->found = 1;
        return;
    }
    rf->depth++;
    ast_children(n, raise_kid, rf);
    rf->depth--;
}

/* The handler of the innermost try around n (in n's function) that catches
 * a serialization failure and does not raise again: the failure stops
 * there and the transaction's writes are lost.  NULL if none. */
static const Node *swallowed_by(const DbWalk *w, const Node *n)
{
    const Node *f = dbval_walk_func(w);
    for (int i = w->depth - 1; i >= 0 && w->stack[i] != f; i--) {
        const Node *t = w->stack[i];
        if ((t->kind != NODE_Try && t->kind != NODE_TryStar) || !in_body(&t->v.Try.body, n))
            continue;
        return crdb_swallowing_handler(t); /* or the innermost try lets it through */
    }
    return NULL;
}

const Node *crdb_swallowing_handler(const Node *t)
{
    for (int h = 0; h < t->v.Try.handlers.n; h++) {
        const Node *hd = t->v.Try.handlers.items[h];
        if (!catches_db_errors(hd->v.ExceptHandler.type))
            continue;
        RaiseFind rf = {0, 0};
        for (int k = 0; k < hd->v.ExceptHandler.body.n; k++)
            raise_kid(NULL, hd->v.ExceptHandler.body.items[k], &rf);
        return rf.found ? NULL : hd;
    }
    return NULL;
}

/* The help no_retry gives: run_transaction (a synchronous SQLAlchemy
 * session or connection on CockroachDB), a loop opening a new session per
 * attempt (an async one, or SERIALIZABLE PostgreSQL), or, for a driver's
 * connection, a loop that rolls back and runs the transaction again. */
enum { HELP_RUN_TRANSACTION, HELP_NEW_SESSION, HELP_DRIVER };

static void no_retry(CrdbCheck *k, const DbWalk *w, const Node *at, const char *what, int help,
                     const Fix *fix)
{
    const CrdbProject *p = k->p;
    TraceStep steps[2];
    int n = 0;
    if (p->cockroach && p->why_path)
        steps[n++] = (TraceStep){p->why_path, p->why_line, p->why_col,
                                 arena_printf(k->c->a, "a CockroachDB project: %s", p->why)};
    if (!p->cockroach)
        steps[n++] = (TraceStep){p->ser_path, p->ser_line, p->ser_col,
                                 "the project's transactions run SERIALIZABLE on PostgreSQL"};
    if (help == HELP_RUN_TRANSACTION && !p->cockroach)
        help = HELP_NEW_SESSION; /* run_transaction is CockroachDB's */
    steps[n++] = (TraceStep){
        k->src->path, at->lineno, at->col_offset,
        help == HELP_DRIVER ? "help: run it in a loop that catches SQLSTATE 40001, rolls the "
                              "connection back and runs the whole transaction again"
        : help == HELP_NEW_SESSION
            ? "help: run it in a loop that catches SQLSTATE 40001 and starts a fresh "
              "transaction (a new session) per attempt"
            : "help: run it with sqlalchemy_cockroachdb.run_transaction(), or in a loop that "
              "catches SQLSTATE 40001 and starts a fresh transaction per attempt"};
    const Node *h = swallowed_by(w, at);
    const char *fate = h ? arena_printf(k->c->a, "the `except` on line %d catches it and the "
                                                 "write is silently dropped", h->lineno)
                         : "the error reaches the caller";
    emit(k, "SL401", at,
         arena_printf(k->c->a,
                      "%s commits a %s transaction with no retry: under "
                      "contention %s aborts it with a serialization failure "
                      "(SQLSTATE 40001), often at COMMIT, and %s",
                      what, p->cockroach ? "CockroachDB" : "SERIALIZABLE",
                      p->cockroach ? "CockroachDB" : "PostgreSQL", fate),
         steps, n, p->cockroach ? fix : NULL);
}

/* run_transaction(async_engine, ...): the helper is synchronous. */
static void check_transactor(CrdbCheck *k, const Scope *s, const Node *call)
{
    const Node *tr = arg_at(call, 0, "transactor");
    if (!tr)
        return;
    Val v = dbval_expr(k->c, s, tr);
    const char *what = !v.is_async                                    ? NULL
                       : v.tag == VAL_FACTORY && v.kind == FAC_ENGINE ? "an async engine"
                       : v.tag == VAL_FACTORY && v.kind == FAC_SESSIONMAKER
                           ? "an async_sessionmaker"
                       : v.tag == VAL_RESOURCE && v.kind == RES_SESSION    ? "an AsyncSession"
                       : v.tag == VAL_RESOURCE && v.kind == RES_CONNECTION ? "an AsyncConnection"
                                                                           : NULL;
    if (!what)
        return;
    TraceStep help = {k->src->path, tr->lineno, tr->col_offset,
                      "help: give it a sync sessionmaker or engine, or retry an async "
                      "transaction in a loop that opens a fresh AsyncSession per attempt"};
    emit(k, "SL402", call,
         arena_printf(k->c->a,
                      "run_transaction() is synchronous but is given %s (`%s`): it "
                      "raises TypeError",
                      what, text(k, tr)),
         &help, 1, NULL);
}

/* The one value the function func binds to name (`sql = text("...")`), or
 * NULL when it binds it other than once. */
typedef struct OneBinding {
    const char *name;
    const Node *value;
    int n, depth;
} OneBinding;

static void one_binding_kid(Node *parent, Node *n, void *arg)
{
    OneBinding *b = arg;
    (void)parent;
    if (b->depth > FOLLOW_MAX || ast_is_def(n))
        return;
    const Node *target, *value;
    if (ast_single_assign(n, &target, &value) && target->kind == NODE_Name &&
        !strcmp(target->v.Name.id, b->name)) {
        b->value = value;
        b->n++;
    }
    b->depth++;
    ast_children(n, one_binding_kid, b);
    b->depth--;
}

static const Node *bound_once(const Node *func, const char *name)
{
    OneBinding b = {name, NULL, 0, 0};
    for (int i = 0; func && i < func->v.FunctionDef.body.n; i++)
        one_binding_kid(NULL, func->v.FunctionDef.body.items[i], &b);
    return b.n == 1 ? b.value : NULL;
}

/* Does the SQL that e gives (a literal, an f-string, text() of one, a local
 * bound once to one of those in func) start with one of words? */
static int sql_starts(const Node *func, const Node *e, const char *const *words, size_t nwords)
{
    if (e && e->kind == NODE_Name && func)
        e = bound_once(func, e->v.Name.id);
    if (e && e->kind == NODE_Call && e->v.Call.args.n == 1) /* text("...") */
        e = e->v.Call.args.items[0];
    if (e && e->kind == NODE_JoinedStr && e->v.JoinedStr.values.n > 0)
        e = e->v.JoinedStr.values.items[0];
    if (!e || e->kind != NODE_Constant || e->v.Constant.value.kind != CONST_STR)
        return 0;
    const char *q = e->v.Constant.value.s;
    for (;;) { /* blanks and `-- comment` lines before the statement */
        while (*q == ' ' || *q == '\n' || *q == '\t' || *q == '\r')
            q++;
        if (q[0] != '-' || q[1] != '-')
            break;
        while (*q && *q != '\n')
            q++;
    }
    for (size_t i = 0; i < nwords; i++) {
        size_t n = strlen(words[i]);
        if (!strncasecmp(q, words[i], n) && (q[n] == ' ' || q[n] == '\n' || q[n] == '\t'))
            return 1;
    }
    return 0;
}

/* Is it a schema statement: CREATE, DROP, ALTER, TRUNCATE ...? */
static int ddl_sql(const Node *func, const Node *e)
{
    static const char *const words[] = {"CREATE", "DROP", "ALTER", "TRUNCATE", "COMMENT",
                                        "GRANT", "REVOKE"};
    return sql_starts(func, e, words, sizeof words / sizeof *words);
}

/* Does it only read: SELECT, SHOW, EXPLAIN? */
static int read_sql(const Node *func, const Node *e)
{
    static const char *const words[] = {"SELECT", "SHOW", "EXPLAIN"};
    return sql_starts(func, e, words, sizeof words / sizeof *words);
}

/* Does the call e change the schema: metadata.create_all(...),
 * conn.run_sync(Base.metadata.create_all), conn.execute(text("CREATE ..."))? */
static int schema_call(const Node *func, const Node *e)
{
    static const char *const ddl[] = {"create_all", "drop_all", "reflect"};
    if (e->kind == NODE_Await)
        e = e->v.Await.value;
    if (e->kind != NODE_Call || e->v.Call.func->kind != NODE_Attribute)
        return 0;
    const char *m = e->v.Call.func->v.Attribute.attr;
    if (IN(m, ddl))
        return 1;
    const Node *a = e->v.Call.args.n ? e->v.Call.args.items[0] : NULL;
    if ((!strcmp(m, "execute") || !strcmp(m, "exec_driver_sql")) && ddl_sql(func, a))
        return 1;
    return !strcmp(m, "run_sync") && a && a->kind == NODE_Attribute && IN(a->v.Attribute.attr, ddl);
}

/* Is the statement a schema operation (schema_call)? */
static int schema_statement(const Node *st)
{
    return st->kind == NODE_Expr && schema_call(NULL, st->v.Expr.value);
}

/* ddl_only's search: the statements a commit's receiver ran in the function. */
typedef struct Writes {
    const Node *func;
    const Node *recv;
    int ddl, other, depth;
} Writes;

static void writes_kid(Node *parent, Node *n, void *arg)
{
    static const char *const runs[] = {"execute", "exec_driver_sql", "executemany", "add",
                                       "add_all", "merge", "delete", "flush", "bulk_save_objects"};
    Writes *wr = arg;
    (void)parent;
    if (wr->depth > FOLLOW_MAX || ast_is_def(n))
        return;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        IN(n->v.Call.func->v.Attribute.attr, runs) &&
        ast_same_ref(n->v.Call.func->v.Attribute.value, wr->recv)) {
        const Node *a = n->v.Call.args.n ? n->v.Call.args.items[0] : NULL;
        if (schema_call(wr->func, n))
            wr->ddl++;
        else if (!(!strcmp(n->v.Call.func->v.Attribute.attr, "execute") && read_sql(wr->func, a)))
            wr->other++; /* a write (a read changes nothing a retry would redo) */
    }
    wr->depth++;
    ast_children(n, writes_kid, wr);
    wr->depth--;
}

/* Does the transaction that `recv.commit()` ends only change the schema
 * (the statements its function runs on recv are all DDL)?  Set-up and
 * migrations, not the contended writes a retry is for. */
static int ddl_only(const DbWalk *w, const Node *recv)
{
    const Node *f = dbval_walk_func(w);
    if (!f || f->kind == NODE_Lambda)
        return 0;
    Writes wr = {f, recv, 0, 0, 0};
    for (int i = 0; i < f->v.FunctionDef.body.n; i++)
        writes_kid(NULL, f->v.FunctionDef.body.items[i], &wr);
    return wr.ddl > 0 && !wr.other;
}

/* commit()/rollback() on the session a run_transaction callback was given. */
static int callback_commit(CrdbCheck *k, const DbWalk *w, const Node *call)
{
    const Node *f = dbval_walk_func(w), *recv = call->v.Call.func->v.Attribute.value;
    const DefRef *r = f ? set_lookup(&k->p->callbacks, f) : NULL;
    if (!r || recv->kind != NODE_Name)
        return 0;
    for (; r < k->p->callbacks.items + k->p->callbacks.n && r->def == f; r++) {
        const char *p = param_name(f, r->param);
        if (!p || strcmp(p, recv->v.Name.id))
            continue;
        TraceStep steps[2] = {
            {r->via_path, r->via_line, r->via_col, "run_transaction runs this callback here"},
            {k->src->path, call->lineno, call->col_offset,
             "help: leave commit and rollback to run_transaction"}};
        emit(k, "SL402", call,
             arena_printf(k->c->a,
                          "`%s()` inside a run_transaction callback: run_transaction "
                          "commits, rolls back and retries by itself, and this ends its "
                          "transaction early, so a retry cannot undo this attempt",
                          text(k, call->v.Call.func)),
             steps, 2, NULL);
        return 1;
    }
    return 0;
}

static void check_call(CrdbCheck *k, DbWalk *w, const Node *call)
{
    const Node *f = call->v.Call.func;
    if (IN(dbval_walk_callee(w, k->c, call), run_transactions))
        check_transactor(k, w->scope, call);
    if (f->kind != NODE_Attribute)
        return;
    const char *m = f->v.Attribute.attr;
    if ((!strcmp(m, "commit") || !strcmp(m, "rollback")) && callback_commit(k, w, call))
        return;
    if (strcmp(m, "commit") || !retrying_db(k->p) || retried_here(k, w, call) ||
        ddl_only(w, f->v.Attribute.value))
        return;
    Val v = dbval_expr(k->c, w->scope, f->v.Attribute.value);
    if (dbval_is_transactional(&v))
        no_retry(k, w, call, arena_printf(k->c->a, "`%s()`", text(k, f)),
                 !dbval_is_sqlalchemy(&v) ? HELP_DRIVER
                 : v.is_async             ? HELP_NEW_SESSION
                                          : HELP_RUN_TRANSACTION,
                 NULL);
}

/* A transaction block that only creates or drops the schema (at startup,
 * one client): not the contended work SL401 is about. */
static int schema_only(const NodeList *body)
{
    for (int i = 0; i < body->n; i++)
        if (!schema_statement(body->items[i]))
            return 0;
    return body->n > 0;
}

/* ---- SL401's fix: the transaction block as a run_transaction callback ---- */

typedef struct Names {
    const char *names[32]; /* what the block binds */
    int n, bad, depth;
    const Node *skip;      /* the block's with statement, when looking outside it */
} Names;

static void stored_kid(Node *parent, Node *n, void *arg)
{
    Names *s = arg;
    (void)parent;
    if (s->bad || s->depth > DBWALK_MAX_DEPTH)
        return;
    if (n->kind == NODE_Name && ast_ctx(n) != CTX_Load) {
        if (s->n == 32)
            s->bad = 1;
        else
            s->names[s->n++] = n->v.Name.id;
    }
    s->bad |= n->kind == NODE_Global || n->kind == NODE_Nonlocal || n->kind == NODE_Import ||
              n->kind == NODE_ImportFrom || n->kind == NODE_FunctionDef ||
              n->kind == NODE_AsyncFunctionDef || n->kind == NODE_ClassDef;
    if (n->kind == NODE_Lambda || ast_category(n->kind) == CAT_COMPREHENSION)
        return;
    s->depth++;
    ast_children(n, stored_kid, s);
    s->depth--;
}

/* Does a name of s appear outside s->skip, below n? */
static void used_kid(Node *parent, Node *n, void *arg)
{
    Names *s = arg;
    (void)parent;
    if (s->bad || n == s->skip || s->depth > DBWALK_MAX_DEPTH)
        return;
    if (n->kind == NODE_Name)
        for (int i = 0; i < s->n; i++)
            s->bad |= !strcmp(n->v.Name.id, s->names[i]);
    s->depth++;
    ast_children(n, used_kid, s);
    s->depth--;
}

/*
 * `with X.begin() as name: BODY` in sync code, X an engine or a sessionmaker,
 * becomes `def _transaction(name): BODY` then `run_transaction(X,
 * _transaction)`: run_transaction begins, commits and retries on 40001 by
 * itself, handing the callback a connection (engine) or a session
 * (sessionmaker) as begin() did.  Only when the body would mean the same in
 * a function: it returns, yields and awaits nothing, breaks out of nothing,
 * and binds no name the rest of the function reads.  Unsafe: the body runs
 * again on each retry, other effects (a request, a message) with it.
 */
static const Fix *run_transaction_fix(CrdbCheck *k, DbWalk *w, const Node *with, const Node *ctx,
                                      const Val *v)
{
    static const char *const quals[] = {"sqlalchemy_cockroachdb.run_transaction",
                                        "sqlalchemy_cockroachdb.transaction.run_transaction",
                                        "cockroachdb.sqlalchemy.run_transaction"};
    const NodeList *body = &with->v.With.body;
    const Node *item = with->v.With.items.items[0], *as = item->v.withitem.optional_vars;
    const Node *recv = ctx->v.Call.func->v.Attribute.value, *func = dbval_walk_func(w);
    const ScopeTable *t = k->c->env->scopes;
    if (with->kind != NODE_With || with->v.With.items.n != 1 || v->is_async || !as ||
        as->kind != NODE_Name || v->tag != VAL_FACTORY || ctx->v.Call.args.n ||
        ctx->v.Call.keywords.n || (recv->kind != NODE_Name && recv->kind != NODE_Attribute) ||
        (func && func->kind == NODE_Lambda) || !fixgen_alone(k->src, with, NULL) ||
        fixgen_exits(body, 0, body->n) || fixgen_suspends(body, 0, body->n))
        return NULL;
    size_t ae = fixgen_end(k->src, as);
    if (k->src->text[ae + strspn(k->src->text + ae, " \t")] != ':')
        return NULL; /* `with (X.begin() as c):` */
    Names names = {{0}, 0, 0, 0, with};
    for (int i = 0; i < body->n; i++)
        stored_kid(NULL, body->items[i], &names);
    const NodeList *outer = func ? &func->v.FunctionDef.body : &k->module->v.Module.body;
    for (int i = 0; i < outer->n && !names.bad; i++)
        used_kid(NULL, outer->items[i], &names);
    if (names.bad)
        return NULL;
    const char *name = NULL;
    for (int i = 1; i <= 9 && !name; i++) { /* a name nothing in reach uses */
        const char *cand = i == 1 ? "_transaction" : arena_printf(k->c->a, "_transaction_%d", i);
        if (!scope_lookup(t, w->scope, cand, NULL))
            name = cand;
    }
    FixGen g;
    fixgen_init(&g, k->c->a, k->src);
    const char *rt = name ? fixgen_import(&g, t, w->scope, k->module, "sqlalchemy_cockroachdb",
                                          "run_transaction", quals, 3)
                          : NULL;
    if (!rt) {
        fixgen_fail(&g);
        return fixgen_done(&g, FIX_UNSAFE, "");
    }
    const char *indent = fixgen_indent(k->c->a, k->src, with->lineno);
    const char *x = fixgen_text(k->c->a, k->src, recv);
    fixgen_edit(&g, fixgen_start(k->src, with), ae,
                arena_printf(k->c->a, "def %s(%s)", name, as->v.Name.id));
    fixgen_insert_lines(&g, ast_end_lineno(with) + 1,
                        arena_printf(k->c->a, "%s%s(%s, %s)\n", indent, rt, x, name));
    return fixgen_done(&g, FIX_UNSAFE,
                       arena_printf(k->c->a, "Run the block with `%s(%s, ...)`, which retries it",
                                    rt, x));
}

/* `with s.begin():`, `with engine.begin() as conn:`, `with Session.begin() as s:`. */
/* ---- SL401 on the drivers' own transaction blocks ---- */

/* What a driver transaction block runs: statements that change data (or
 * whose SQL is not a constant), the connection handed to a call, and a
 * retry loop of its own inside. */
typedef struct BlockWork {
    const ScopeTable *t;
    const Scope *s;
    const Node *func, *conn;
    int writes, retry, depth;
} BlockWork;

static void block_work_kid(Node *parent, Node *n, void *arg)
{
    static const char *const runs[] = {"execute", "executemany", "fetch", "fetchrow",
                                       "fetchval", "copy_records_to_table", "copy_to_table",
                                       "copy_from_query", "copy"};
    BlockWork *bw = arg;
    (void)parent;
    if (bw->depth > FOLLOW_MAX || ast_is_def(n))
        return;
    if (n->kind == NODE_With || n->kind == NODE_AsyncWith)
        for (int i = 0; i < n->v.With.items.n; i++) {
            const Node *e = n->v.With.items.items[i]->v.withitem.context_expr;
            if (e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute &&
                !strcmp(e->v.Call.func->v.Attribute.attr, "transaction"))
                return; /* a transaction of its own: reported there, not here */
        }
    if (is_loop(n)) {
        Tries tr;
        loop_tries(n, &tr);
        for (int i = 0; i < tr.n; i++)
            bw->retry |= retry_try(bw->t, bw->s, n, tr.items[i]);
    }
    if (n->kind == NODE_Call) {
        const Node *f = n->v.Call.func, *a = n->v.Call.args.n ? n->v.Call.args.items[0] : NULL;
        if (f->kind == NODE_Attribute && IN(f->v.Attribute.attr, runs))
            bw->writes += !a || (!read_sql(bw->func, a) && !ddl_sql(bw->func, a));
        for (int i = 0; i < n->v.Call.args.n; i++)
            bw->writes += ast_same_ref(n->v.Call.args.items[i], bw->conn);
    }
    bw->depth++;
    ast_children(n, block_work_kid, bw);
    bw->depth--;
}

/* Does the function set conn to autocommit (`conn.autocommit = True`,
 * `conn.set_session(autocommit=True)`): `with conn:` then ends no
 * transaction of its own. */
typedef struct Autocommit {
    const Node *conn;
    int found, depth;
} Autocommit;

static void autocommit_kid(Node *parent, Node *n, void *arg)
{
    Autocommit *ac = arg;
    (void)parent;
    if (ac->found || ac->depth > FOLLOW_MAX || ast_is_def(n))
        return;
    if (n->kind == NODE_Assign) {
        for (int i = 0; i < n->v.Assign.targets.n; i++) {
            const Node *t = n->v.Assign.targets.items[i];
            ac->found |= t->kind == NODE_Attribute && !strcmp(t->v.Attribute.attr, "autocommit") &&
                         ast_same_ref(t->v.Attribute.value, ac->conn) &&
                         ast_is_true(n->v.Assign.value);
        }
    }
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        !strcmp(n->v.Call.func->v.Attribute.attr, "set_session") &&
        ast_same_ref(n->v.Call.func->v.Attribute.value, ac->conn))
        ac->found |= ast_is_true(ast_keyword(n, "autocommit"));
    ac->depth++;
    ast_children(n, autocommit_kid, ac);
    ac->depth--;
}

/*
 * Is the with item ctx a transaction of a driver connection that the block
 * commits as it ends: `with conn.transaction():` (psycopg 3, asyncpg),
 * `with conn:` on a psycopg2 connection, `with psycopg.connect(...)` and
 * psycopg_pool's `with pool.connection()` (both commit on a clean exit),
 * `with conn:` on a connection either driver's pool lent?
 * *conn: the connection expression.
 */
static int driver_block(CrdbCheck *k, DbWalk *w, const Node *ctx, const Node **conn, int *is_async)
{
    const Node *f = ctx->kind == NODE_Call ? ctx->v.Call.func : NULL;
    if (f && f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "transaction")) {
        Val v = dbval_expr(k->c, w->scope, f->v.Attribute.value);
        *conn = f->v.Attribute.value;
        *is_async = v.is_async;
        return v.tag == VAL_RESOURCE &&
               (v.kind == RES_PGCONN || v.kind == RES_APOOLED || v.kind == RES_POOLED);
    }
    *conn = ctx;
    if (f && f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "connection")) {
        Val pool = dbval_expr(k->c, w->scope, f->v.Attribute.value);
        *is_async = pool.is_async;
        return pool.tag == VAL_FACTORY && pool.kind == FAC_PGPOOL &&
               !ast_is_true(ast_keyword(ctx, "autocommit"));
    }
    Val v = dbval_expr(k->c, w->scope, ctx);
    *is_async = v.is_async;
    if (v.tag != VAL_RESOURCE || (v.kind == RES_PGCONN && !v.sub) ||
        (v.kind != RES_DBAPI && v.kind != RES_PGCONN && v.kind != RES_POOLED) ||
        (ctx->kind == NODE_Call && ast_is_true(ast_keyword(ctx, "autocommit"))))
        return 0;
    const Node *fn = dbval_walk_func(w);
    Autocommit ac = {ctx, 0, 0};
    if (fn && fn->kind != NODE_Lambda && ctx->kind != NODE_Call)
        for (int i = 0; i < fn->v.FunctionDef.body.n; i++)
            autocommit_kid(NULL, fn->v.FunctionDef.body.items[i], &ac);
    return !ac.found;
}

static void check_driver_block(CrdbCheck *k, DbWalk *w, const Node *with, const Node *ctx)
{
    const Node *conn;
    int is_async;
    if (!driver_block(k, w, ctx, &conn, &is_async) || retried_here(k, w, ctx))
        return;
    const Node *fn = dbval_walk_func(w);
    BlockWork bw = {k->c->env->scopes, w->scope, fn && fn->kind != NODE_Lambda ? fn : NULL,
                    conn, 0, 0, 0};
    for (int i = 0; i < with->v.With.body.n; i++)
        block_work_kid(NULL, with->v.With.body.items[i], &bw);
    if (bw.writes && !bw.retry)
        no_retry(k, w, ctx,
                 arena_printf(k->c->a, "`%s %s`",
                              with->kind == NODE_AsyncWith ? "async with" : "with",
                              text(k, ctx)),
                 HELP_DRIVER, NULL);
}

static void check_with(CrdbCheck *k, DbWalk *w, const Node *with)
{
    const NodeList *items = &with->v.With.items;
    if (schema_only(&with->v.With.body))
        return;
    for (int i = 0; i < items->n; i++) {
        const Node *ctx = items->items[i]->v.withitem.context_expr;
        if (ctx->kind != NODE_Call || ctx->v.Call.func->kind != NODE_Attribute ||
            strcmp(ctx->v.Call.func->v.Attribute.attr, "begin")) {
            check_driver_block(k, w, with, ctx);
            continue;
        }
        Val v = dbval_expr(k->c, w->scope, ctx->v.Call.func->v.Attribute.value);
        int tx = dbval_is_sqlalchemy(&v) ||
                 (v.tag == VAL_FACTORY && (v.kind == FAC_ENGINE || v.kind == FAC_SESSIONMAKER));
        if (tx && !retried_here(k, w, ctx))
            no_retry(k, w, ctx, arena_printf(k->c->a, "`%s`", text(k, ctx)),
                     v.is_async ? HELP_NEW_SESSION : HELP_RUN_TRANSACTION,
                     run_transaction_fix(k, w, with, ctx, &v));
    }
}

/* ---- SL402: a retry loop going round on a failed session ---- */

typedef struct Uses {
    const Node *found[16];    /* receivers used for SQL in the try block */
    unsigned char direct[16]; /* ... by a method call of their own (else: handed to a call) */
    int n, depth;
    const Node *guarded[16]; /* receivers whose `with r.begin():` encloses us */
    int nguarded;
} Uses;

static int guarded(const Uses *u, const Node *r)
{
    for (int i = 0; i < u->nguarded; i++)
        if (ast_same_ref(u->guarded[i], r))
            return 1;
    return 0;
}

static void use(Uses *u, const Node *r, int direct)
{
    if (!trackable(r) || guarded(u, r))
        return;
    for (int i = 0; i < u->n; i++)
        if (ast_same_ref(u->found[i], r)) {
            u->direct[i] |= (unsigned char)direct;
            return;
        }
    if (u->n < 16) {
        u->direct[u->n] = (unsigned char)direct;
        u->found[u->n++] = r;
    }
}

static void uses_kid(Node *parent, Node *n, void *arg);

/* `with r.begin():` (SQLAlchemy), `with r.transaction():` (psycopg 3,
 * asyncpg) roll back by themselves when the block raises; so does `with r:`
 * on a psycopg2 connection, and on a session or a psycopg 3 connection it
 * closes r, which leaves no failed transaction either. */
static void uses_with(Uses *u, const Node *n)
{
    static const char *const guards[] = {"begin", "begin_nested", "transaction"};
    int saved = u->nguarded;
    const NodeList *items = &n->v.With.items;
    for (int i = 0; i < items->n; i++) {
        const Node *ctx = ast_unawait(items->items[i]->v.withitem.context_expr);
        const Node *f = ctx->kind == NODE_Call ? ctx->v.Call.func : NULL;
        if (u->nguarded < 16 && f && f->kind == NODE_Attribute && IN(f->v.Attribute.attr, guards))
            u->guarded[u->nguarded++] = f->v.Attribute.value;
        else if (u->nguarded < 16 && (ctx->kind == NODE_Name || ctx->kind == NODE_Attribute))
            u->guarded[u->nguarded++] = ctx;
        uses_kid(NULL, items->items[i], u); /* the guard's own BEGIN is inside it */
    }
    for (int i = 0; i < n->v.With.body.n; i++)
        uses_kid(NULL, n->v.With.body.items[i], u);
    u->nguarded = saved;
}

static void uses_kid(Node *parent, Node *n, void *arg)
{
    Uses *u = arg;
    (void)parent;
    if (u->depth > FOLLOW_MAX || ast_is_def(n))
        return;
    if (n->kind == NODE_With || n->kind == NODE_AsyncWith) {
        u->depth++;
        uses_with(u, n);
        u->depth--;
        return;
    }
    if (n->kind == NODE_Call) {
        const Node *f = n->v.Call.func;
        if (f->kind == NODE_Attribute && !IN(f->v.Attribute.attr, no_io))
            use(u, f->v.Attribute.value, 1);
        for (int i = 0; i < n->v.Call.args.n; i++) /* handed to a helper that runs SQL */
            use(u, n->v.Call.args.items[i], 0);
    }
    u->depth++;
    ast_children(n, uses_kid, u);
    u->depth--;
}

/* The name (or first target) n binds: an assignment's, a with item's; with
 * all, also a walrus's and a for loop's. */
static const Node *bound_target(const Node *n, int all)
{
    switch (n->kind) {
    case NODE_Assign: return n->v.Assign.targets.n ? n->v.Assign.targets.items[0] : NULL;
    case NODE_AnnAssign: return n->v.AnnAssign.target;
    case NODE_withitem: return n->v.withitem.optional_vars;
    case NODE_NamedExpr: return all ? n->v.NamedExpr.target : NULL;
    case NODE_For:
    case NODE_AsyncFor: return all ? n->v.For.target : NULL;
    default: return NULL;
    }
}

typedef struct Reset {
    const Node *recv, *skip; /* the receiver; the try body not to look in */
    const Node *loop;
    int found, depth;
} Reset;

/* A rollback()/close() of recv, or a new value for it, in the loop outside
 * the try block. */
static void reset_kid(Node *parent, Node *n, void *arg)
{
    Reset *r = arg;
    (void)parent;
    if (r->found || r->depth > FOLLOW_MAX)
        return;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        IN(n->v.Call.func->v.Attribute.attr, resets) &&
        ast_same_ref(n->v.Call.func->v.Attribute.value, r->recv) &&
        !in_body(&r->skip->v.Try.body, n))
        r->found = 1;
    const Node *target = bound_target(n, 1);
    if (target && n != r->loop && ast_same_ref(target, r->recv))
        r->found = 1; /* a fresh session or connection on each attempt */
    r->depth++;
    ast_children(n, reset_kid, r);
    r->depth--;
}

static int reset_in_loop(const Node *loop, const Node *try, const Node *recv)
{
    Reset r = {recv, try, loop, 0, 0};
    ast_children((Node *)loop, reset_kid, &r);
    return r.found;
}

static void retry_report(CrdbCheck *k, const Node *h, const Node *recv)
{
    const Node *type = h->v.ExceptHandler.type;
    const char *rt = text(k, recv);
    TraceStep steps[2] = {
        {k->src->path, recv->lineno, recv->col_offset,
         arena_printf(k->c->a, "`%s` runs SQL here; a failure leaves its transaction aborted", rt)},
        {k->src->path, h->lineno, h->col_offset,
         arena_printf(k->c->a,
                      "help: call %s.rollback() in this handler, or open a new session "
                      "per attempt",
                      rt)}};
    emit(k, "SL402", h,
         arena_printf(k->c->a,
                      "the loop catches `%s` and goes round again on `%s` without "
                      "rollback(): after a failed statement every later use of it raises "
                      "PendingRollbackError",
                      type ? text(k, type) : "everything", rt),
         steps, 2, NULL);
}

/*
 * Which receivers a handler's going round again hurts.  A handler that
 * names a database error hurts every session the try block uses, also one
 * it hands to a helper, in any loop (the next item fails too).  One that
 * catches anything (Exception) may well be catching something else: only a
 * retry loop (one that stops on success) running SQL on the session itself.
 */
static int hurts(int exc, const Node *loop, const Uses *u, int r)
{
    if (exc == EXC_NONE)
        return 0;
    return exc != EXC_GENERIC || (u->direct[r] && stops_on_success(loop));
}

static void check_loop(CrdbCheck *k, DbWalk *w, const Node *loop)
{
    Tries tries;
    loop_tries(loop, &tries);
    for (int i = 0; i < tries.n; i++) {
        const Node *t = tries.items[i];
        Uses u = {{NULL}, {0}, 0, 0, {NULL}, 0};
        for (int j = 0; j < t->v.Try.body.n; j++)
            uses_kid(NULL, t->v.Try.body.items[j], &u);
        for (int j = 0; j < t->v.Try.handlers.n; j++) {
            const Node *h = t->v.Try.handlers.items[j];
            int exc = exc_class(k->c->env->scopes, w->scope, h->v.ExceptHandler.type, 0);
            if (exc == EXC_NONE || always_exits(&h->v.ExceptHandler.body))
                continue;
            for (int r = 0; r < u.n; r++) {
                if (!hurts(exc, loop, &u, r))
                    continue;
                Val v = dbval_expr(k->c, w->scope, u.found[r]);
                if (dbval_is_transactional(&v) && !reset_in_loop(loop, t, u.found[r])) {
                    retry_report(k, h, u.found[r]);
                    break;
                }
            }
        }
    }
}

/* The first SQL call on recv in a handler's body, in source order, before
 * any rollback()/close() of it (or a new value for it); NULL if none.  A
 * call of the module's own function or of the class's own method that is
 * handed recv, or that reads the self.<attr> recv is, counts by what its
 * body does first (found is then the call, via the SQL inside). */
typedef struct Reuse {
    const Node *recv, *found;
    int reset, depth;
    CrdbCheck *k;              /* NULL: no calls followed */
    const ScopeTable *t;   /* the module of the walked code ... */
    const Scope *scope;    /* ... and where it is evaluated */
    const Node *alias;     /* `self.x` when recv is a local bound once to it */
    const Node *via;       /* found is a call: the SQL in its callee ... */
    const char *via_path;  /* ... in this file */
    int calls;             /* callees entered to get here */
} Reuse;

#define REUSE_MAX_CALLS 3 /* helpers followed into helpers */

static void reuse_kid(Node *parent, Node *n, void *arg);

/* Parameter i of def, or NULL. */
static const char *nth_param(const Node *def, int i)
{
    const Node *p = ast_param(def, i);
    return p ? p->v.arg.arg : NULL;
}

static int is_recv(const Reuse *r, const Node *e)
{
    return ast_same_ref(e, r->recv) || (r->alias && ast_same_ref(e, r->alias));
}

/* What the callee of call names recv by: the parameter an argument fills,
 * or self.<attr> of a method of the same object; NULL when neither. */
static const Node *recv_in_callee(Reuse *r, const Node *call, const Node *def, int method)
{
    Arena *a = r->k->c->a;
    const char *name = NULL;
    for (int j = 0; j < call->v.Call.args.n && !name; j++)
        if (is_recv(r, call->v.Call.args.items[j]))
            name = nth_param(def, j + method);
    for (int j = 0; j < call->v.Call.keywords.n && !name; j++) {
        const Node *kw = call->v.Call.keywords.items[j];
        if (kw->v.keyword.arg && is_recv(r, kw->v.keyword.value))
            name = kw->v.keyword.arg;
    }
    Node *in = NULL;
    if (name) {
        in = ast_new(a, NODE_Name);
        in->v.Name.id = name;
        return in;
    }
    const Node *self = call->v.Call.func->v.Attribute.value;
    const Node *attr = r->recv->kind == NODE_Attribute ? r->recv : r->alias;
    const char *own = nth_param(def, 0);
    if (!method || !own || !attr || attr->kind != NODE_Attribute ||
        !ast_same_ref(attr->v.Attribute.value, self))
        return NULL;
    Node *base = ast_new(a, NODE_Name);
    base->v.Name.id = own;
    in = ast_new(a, NODE_Attribute);
    in->v.Attribute.value = base;
    in->v.Attribute.attr = attr->v.Attribute.attr;
    return in;
}

/* The def a call runs, in its module's table *t, and in *method whether
 * the call fills its first parameter itself (a bound method); NULL when the
 * project does not define it. */
static const Node *reuse_callee(Reuse *r, const Node *call, const ScopeTable **t, int *method)
{
    return dbval_callee(r->k->c, r->t, r->scope, call, t, method);
}

/* `self.diagnose(...)`, `helper(session)`, `dao.lookup(session)`: what the
 * callee does first with the receiver, as if its body ran here. */
static void reuse_call(Reuse *r, const Node *call)
{
    if (!r->k || r->calls >= REUSE_MAX_CALLS)
        return;
    const ScopeTable *t;
    int method;
    const Node *def = reuse_callee(r, call, &t, &method);
    const Node *in = def ? recv_in_callee(r, call, def, method) : NULL;
    if (!in)
        return;
    Reuse sub = {in, NULL, 0, 0, r->k, t, scope_of(t, def), NULL, NULL, NULL, r->calls + 1};
    const NodeList *body = &def->v.FunctionDef.body;
    for (int i = 0; i < body->n && !sub.found && !sub.reset; i++)
        reuse_kid(NULL, body->items[i], &sub);
    if (sub.found) {
        r->found = call;
        r->via = sub.via ? sub.via : sub.found;
        r->via_path = sub.via ? sub.via_path : value_path_of(r->k->c->env->values, def);
    }
    r->reset = sub.reset;
}

static void reuse_kid(Node *parent, Node *n, void *arg)
{
    Reuse *r = arg;
    (void)parent;
    if (r->found || r->reset || r->depth > FOLLOW_MAX || ast_is_def(n))
        return;
    r->depth++;
    ast_children(n, reuse_kid, r); /* arguments run before the call */
    r->depth--;
    const Node *target = bound_target(n, 0);
    if (!r->found && target && ast_same_ref(target, r->recv))
        r->reset = 1; /* a new session or connection under the name */
    if (!r->found && !r->reset && n->kind == NODE_Call &&
        (n->v.Call.func->kind != NODE_Attribute ||
         !is_recv(r, n->v.Call.func->v.Attribute.value)))
        reuse_call(r, n);
    if (r->found || r->reset || n->kind != NODE_Call || n->v.Call.func->kind != NODE_Attribute)
        return;
    const char *m = n->v.Call.func->v.Attribute.attr;
    if (!strcmp(m, "rollback"))
        r->reset = 1; /* of it, or of a savepoint of it (`nested.rollback()`) */
    else if (!is_recv(r, n->v.Call.func->v.Attribute.value))
        return;
    else if (IN(m, resets))
        r->reset = 1;
    else if (!IN(m, no_io))
        r->found = n;
}

/*
 * `try: s.execute(insert(...)) except IntegrityError: s.scalar(select(...))`:
 * the failed statement left the transaction aborted (PostgreSQL refuses
 * every statement until a rollback: InFailedSqlTransaction; a failed flush
 * makes the Session refuse them itself: PendingRollbackError), so SQL on
 * the same session in the handler, before rollback(), fails.  Only handlers
 * that name a database error: `except Exception` may be catching another.
 */
/* The statement list of parent that holds st, and st's index there. */
static const NodeList *holding_list(const Node *parent, const Node *st, int *index)
{
    const NodeList *lists[3] = {NULL, NULL, NULL};
    switch (parent ? parent->kind : -1) {
    case NODE_Module: lists[0] = &parent->v.Module.body; break;
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef: lists[0] = &parent->v.FunctionDef.body; break;
    case NODE_If:
    case NODE_While: lists[0] = &parent->v.If.body, lists[1] = &parent->v.If.orelse; break;
    case NODE_For:
    case NODE_AsyncFor: lists[0] = &parent->v.For.body, lists[1] = &parent->v.For.orelse; break;
    case NODE_With:
    case NODE_AsyncWith: lists[0] = &parent->v.With.body; break;
    case NODE_ExceptHandler: lists[0] = &parent->v.ExceptHandler.body; break;
    case NODE_Try:
    case NODE_TryStar:
        lists[0] = &parent->v.Try.body, lists[1] = &parent->v.Try.orelse;
        lists[2] = &parent->v.Try.finalbody;
        break;
    default: return NULL;
    }
    for (int l = 0; l < 3 && lists[l]; l++)
        for (int i = 0; i < lists[l]->n; i++)
            if (lists[l]->items[i] == st) {
                *index = i;
                return lists[l];
            }
    return NULL;
}

/* `session = self._session`, bound once in the function: self._session. */
static const Node *self_alias(CrdbCheck *k, const DbWalk *w, const Node *recv)
{
    if (recv->kind != NODE_Name)
        return NULL;
    const Binding *b = scope_lookup(k->c->env->scopes, w->scope, recv->v.Name.id, NULL);
    const Node *v = b && b->kind == BIND_LOCAL ? b->value : NULL;
    return v && v->kind == NODE_Attribute && v->v.Attribute.value->kind == NODE_Name ? v : NULL;
}

static void check_try(CrdbCheck *k, DbWalk *w, const Node *t)
{
    Uses u = {{NULL}, {0}, 0, 0, {NULL}, 0};
    for (int j = 0; j < t->v.Try.body.n; j++)
        uses_kid(NULL, t->v.Try.body.items[j], &u);
    for (int j = 0; j < t->v.Try.handlers.n; j++) {
        const Node *h = t->v.Try.handlers.items[j];
        int exc = exc_class(k->c->env->scopes, w->scope, h->v.ExceptHandler.type, 0);
        if (exc == EXC_NONE || exc == EXC_GENERIC)
            continue;
        for (int r = 0; r < u.n; r++) {
            if (!u.direct[r])
                continue;
            Reuse ru = {u.found[r], NULL, 0, 0, k, k->c->env->scopes, w->scope,
                        self_alias(k, w, u.found[r]), NULL, NULL, 0};
            for (int i = 0; i < h->v.ExceptHandler.body.n && !ru.found && !ru.reset; i++)
                reuse_kid(NULL, h->v.ExceptHandler.body.items[i], &ru);
            for (int i = 0; !ru.found && !ru.reset && i < t->v.Try.finalbody.n; i++) {
                Reuse fin = {.recv = u.found[r]}; /* a finally that closes it */
                reuse_kid(NULL, t->v.Try.finalbody.items[i], &fin);
                ru.reset = fin.reset;
            }
            int at = 0; /* a handler that lets the code go on: what follows the try */
            const NodeList *after = !ru.found && !ru.reset &&
                                            !always_exits(&h->v.ExceptHandler.body) &&
                                            w->depth > 0
                                        ? holding_list(w->stack[w->depth - 1], t, &at)
                                        : NULL;
            for (int i = at + 1; after && i < after->n && !ru.found && !ru.reset; i++)
                reuse_kid(NULL, after->items[i], &ru);
            Val v = ru.found ? dbval_expr(k->c, w->scope, u.found[r]) : (Val){0};
            if (!ru.found || !dbval_is_transactional(&v))
                continue;
            const char *rt = text(k, u.found[r]);
            TraceStep steps[3] = {
                {k->src->path, u.found[r]->lineno, u.found[r]->col_offset,
                 arena_printf(k->c->a, "`%s` runs SQL here; a failure aborts its transaction",
                              rt)},
                {k->src->path, h->lineno, h->col_offset,
                 arena_printf(k->c->a, "help: call %s.rollback() first in this handler", rt)},
                {ru.via_path ? ru.via_path : k->src->path, ru.via ? ru.via->lineno : 0,
                 ru.via ? ru.via->col_offset : 0, "the call runs SQL on the same session here"}};
            emit(k, "SL402", ru.found,
                 arena_printf(k->c->a,
                              "%s `%s` %s SQL on `%s` again without "
                              "rollback(): the failed statement left its transaction aborted, "
                              "so this raises (InFailedSqlTransaction on PostgreSQL, "
                              "PendingRollbackError after a failed flush)",
                              after ? "the code after the handler that catches"
                                    : "the handler catches",
                              text(k, h->v.ExceptHandler.type),
                              ru.via ? (after ? "calls code that runs" : "and calls code that runs")
                                     : (after ? "runs" : "and runs"),
                              rt),
                 steps, ru.via ? 3 : 2, NULL);
            break;
        }
    }
}

/* The calls of recv's methods in a block (nested definitions aside), with
 * the innermost loop of the block around each. */
typedef struct Inner {
    const Node *recv;
    const Node *call[32], *loop[32];
    int n;
    const Node *cur_loop;
    int depth;
} Inner;

static void inner_kid(Node *parent, Node *n, void *arg)
{
    Inner *w = arg;
    (void)parent;
    if (w->depth > FOLLOW_MAX || ast_is_def(n))
        return;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        ast_same_ref(n->v.Call.func->v.Attribute.value, w->recv) && w->n < 32) {
        w->call[w->n] = n;
        w->loop[w->n++] = w->cur_loop;
    }
    const Node *saved = w->cur_loop;
    if (n->kind == NODE_For || n->kind == NODE_AsyncFor || n->kind == NODE_While)
        w->cur_loop = n;
    w->depth++;
    ast_children(n, inner_kid, w);
    w->depth--;
    w->cur_loop = saved;
}

static int before(const Node *a, const Node *b)
{
    return a->lineno < b->lineno || (a->lineno == b->lineno && a->col_offset < b->col_offset);
}

static int inside(const Node *n, const Node *outer)
{
    return outer && (n->lineno > outer->lineno ||
                     (n->lineno == outer->lineno && n->col_offset >= outer->col_offset)) &&
           (n->lineno < ast_end_lineno(outer) ||
            (n->lineno == ast_end_lineno(outer) && n->col_offset < outer->end_col_offset));
}

/*
 * `with s.begin(): ... s.commit(); s.add(x)`: the block owns the
 * transaction.  A commit() or rollback() of s inside it ends that
 * transaction, and the next use of s in the block (after it, or again in a
 * loop around it) raises InvalidRequestError ("Can't operate on closed
 * transaction inside context manager"), with the work before the commit
 * saved and the rest not.  A commit just before the block ends is only
 * redundant.
 */
static void check_begin_block(CrdbCheck *k, DbWalk *w, const Node *with)
{
    for (int i = 0; i < with->v.With.items.n; i++) {
        const Node *e = with->v.With.items.items[i]->v.withitem.context_expr;
        e = ast_unawait(e);
        if (e->kind != NODE_Call || e->v.Call.func->kind != NODE_Attribute ||
            strcmp(e->v.Call.func->v.Attribute.attr, "begin"))
            continue;
        const Node *recv = e->v.Call.func->v.Attribute.value;
        Val v = trackable(recv) ? dbval_expr(k->c, w->scope, recv) : (Val){0};
        if (!dbval_is_sqlalchemy(&v) || v.tag != VAL_RESOURCE)
            continue;
        Inner in = {.recv = recv};
        for (int j = 0; j < with->v.With.body.n; j++)
            inner_kid(NULL, with->v.With.body.items[j], &in);
        const Node *ends = NULL, *next = NULL;
        for (int c = 0; c < in.n && !next; c++) {
            const char *m = in.call[c]->v.Call.func->v.Attribute.attr;
            if (strcmp(m, "commit") && strcmp(m, "rollback"))
                continue;
            for (int u = 0; u < in.n && !next; u++)
                if (u != c && (before(in.call[c], in.call[u]) ||
                               (in.loop[c] && inside(in.call[u], in.loop[c]))))
                    next = in.call[u], ends = in.call[c];
        }
        if (!next)
            continue;
        const char *rt = text(k, recv);
        const char *m = ends->v.Call.func->v.Attribute.attr;
        TraceStep steps[2] = {
            {k->src->path, with->lineno, with->col_offset,
             arena_printf(k->c->a, "the block owns `%s`'s transaction from here", rt)},
            {k->src->path, next->lineno, next->col_offset,
             "the next use of it in the block raises InvalidRequestError"}};
        emit(k, "SL402", ends,
             arena_printf(k->c->a,
                          "`%s.%s()` inside `with %s.begin():` ends the transaction the block "
                          "owns, and the block uses it again: that raises InvalidRequestError "
                          "(\"Can't operate on closed transaction inside context manager\"), "
                          "with the work before the %s saved and the rest not; let the block "
                          "commit, or drop the begin()",
                          rt, m, rt, m),
             steps, 2, NULL);
    }
}

void crdb_visit(CrdbCheck *k, DbWalk *w, const Node *n)
{
    dburl_visit(k->urls, w, n); /* SL403 */
    if (n->kind == NODE_With || n->kind == NODE_AsyncWith)
        check_begin_block(k, w, n);
    switch (n->kind) {
    case NODE_Call: check_call(k, w, n); break;
    case NODE_Try:
    case NODE_TryStar:
        check_try(k, w, n);
        inerr_try(k->c, k->src, w, n, k->out);
        break;
    case NODE_With:
    case NODE_AsyncWith:
        if (retrying_db(k->p))
            check_with(k, w, n);
        break;
    case NODE_For:
    case NODE_AsyncFor:
    case NODE_While: check_loop(k, w, n); break;
    default: break;
    }
}

CrdbCheck *crdb_begin(DbCtx *c, const Source *src, const Node *module, const CrdbProject *p,
                      const ProjectFacts *facts, FindingList *out)
{
    if (!p)
        return NULL;
    CrdbCheck *k = arena_alloc(c->a, sizeof *k);
    *k = (CrdbCheck){c, src, p, out, module, dburl_begin(c, src, &p->urls, facts, out)};
    return k;
}
