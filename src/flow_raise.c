/*
 * flow_raise.c - how plausibly a step of the typestate dataflow raises
 * (flow_impl.h: RAISE_*), and which call would.  A leak through an
 * exception is told through the likeliest raiser, which the witness
 * names, and a step that does not raise in practice (a logging call, a
 * statement builder) sends no path to its handler.  Tables of names; the
 * only state is the per-step cache in Ctx (ranks, raiser).
 */
#include "flow_impl.h"

#include <string.h>

#include "value.h"

typedef struct FirstCall {
    const Node *found;
    int depth;
} FirstCall;

static void first_call_kid(Node *parent, Node *n, void *arg)
{
    FirstCall *f = arg;
    (void)parent;
    if (f->found || f->depth > EVAL_MAX_DEPTH || n->kind == NODE_Lambda)
        return;
    if (n->kind == NODE_Call || n->kind == NODE_Await || n->kind == NODE_Yield ||
        n->kind == NODE_YieldFrom) {
        f->found = n; /* the outermost: db.execute(...), not its argument text(...) */
        return;
    }
    f->depth++;
    ast_children(n, first_call_kid, f);
    f->depth--;
}

/* The first outermost call, await or yield in n (where it may raise), or n. */
const Node *fr_first_call(const Node *n)
{
    if (!n || n->kind == NODE_withitem || n->kind == NODE_ExceptHandler)
        return n && n->kind == NODE_withitem ? n->v.withitem.context_expr : n;
    FirstCall f = {NULL, 0};
    first_call_kid(NULL, (Node *)n, &f);
    return f.found ? f.found : n;
}

/* ---- how plausibly a step raises ---- */

static const char *const never_raise_fns[] = {"print", "len", "isinstance", "issubclass", "id",
                                              "type", "hasattr", "callable", "repr", NULL};
static const char *const unlikely_fns[] = {"str", "int", "float", "bool", "dict", "list", "tuple",
                                           "set", "frozenset", "range", "enumerate", "zip", "sum",
                                           "min", "max", "sorted", "any", "all", "getattr",
                                           "setattr", "iter", "abs", "round", "super", NULL};
static const char *const log_methods[] = {"debug", "info", "warning", "warn", "error", "exception",
                                          "critical", "fatal", "log", "msg", NULL};
static const char *const unlikely_methods[] = {
    "add", "add_all", "expunge", "expunge_all", "append", "extend", "setdefault", "items",
    "keys", "values", "copy", "format", "join", "split", "strip", "lower", "upper", "replace",
    "startswith", "endswith", "encode", "decode", "in_transaction", "is_active", NULL};
static const char *const db_methods[] = {
    "execute", "executemany", "exec", "exec_driver_sql", "commit", "flush", "refresh", "merge",
    "scalar", "scalars", "scalar_one", "scalar_one_or_none", "fetch", "fetchone", "fetchall",
    "fetchmany", "fetchval", "fetchrow", "first", "one", "one_or_none", "all", "connect",
    "acquire", "getconn", "copy_expert", "copy_from", "copy_to", "callproc", "stream",
    "stream_scalars", "run_sync", "bulk_save_objects", NULL};
/* What only builds an object, without touching the database: a statement,
 * a factory of sessions */
static const char *const builders[] = {
    "sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.select", "sqlalchemy.insert",
    "sqlalchemy.update", "sqlalchemy.delete", "sqlalchemy.sql.select", "sqlalchemy.bindparam",
    "sqlalchemy.orm.sessionmaker", "sqlalchemy.ext.asyncio.async_sessionmaker",
    "sqlalchemy.orm.scoped_session", "sqlmodel.select", "sqlmodel.text", NULL};
/* What reads a clock, an id or a random number of the standard library:
 * it cannot fail */
static const char *const never_raise_quals[] = {
    "time.time", "time.time_ns", "time.monotonic", "time.monotonic_ns", "time.perf_counter",
    "time.perf_counter_ns", "time.process_time", "os.getpid", "threading.get_ident",
    "threading.current_thread", "uuid.uuid4", "uuid.uuid1", "random.random",
    "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
    "datetime.date.today", NULL};
static const char *const io_roots[] = {"requests.", "httpx.", "urllib.", "aiohttp.", "socket.",
                                       "subprocess.", "shutil.", "boto3.", "smtplib.", NULL};

/* Is e a logger: `log`, `logger`, `self._log`, `logging`, `structlog`...? */
static int is_logger(const Node *e)
{
    const char *id = e->kind == NODE_Name        ? e->v.Name.id
                     : e->kind == NODE_Attribute ? e->v.Attribute.attr : NULL;
    if (!id)
        return 0;
    for (const char *p = id; *p; p++)
        if ((p[0] == 'l' || p[0] == 'L') && (p[1] == 'o' || p[1] == 'O') &&
            (p[2] == 'g' || p[2] == 'G'))
            return 1;
    return 0;
}

static int starts_with_any(const char *q, const char *const *roots)
{
    for (; q && *roots; roots++)
        if (!strncmp(q, *roots, strlen(*roots)))
            return 1;
    return 0;
}

/* The RAISE_* of one call. */
static int call_rank(Ctx *c, const Node *call)
{
    const Node *f = call->v.Call.func;
    const char *q = fl_qualname(c, c->env->scopes, c->scope, f);
    if (starts_with_any(q, io_roots) || (q && !strcmp(q, "warnings.warn")))
        return q[0] == 'w' ? RAISE_NEVER : RAISE_LIKELY;
    if (q && (ast_name_in(q, builders) || ast_name_in(q, never_raise_quals)))
        return RAISE_NEVER;
    if (f->kind == NODE_Name && !q) {
        if (ast_name_in(f->v.Name.id, never_raise_fns))
            return RAISE_NEVER;
        if (!strcmp(f->v.Name.id, "open"))
            return RAISE_LIKELY;
        return ast_name_in(f->v.Name.id, unlikely_fns) ? RAISE_UNLIKELY : RAISE_MAYBE;
    }
    if (f->kind != NODE_Attribute)
        return RAISE_MAYBE;
    const char *m = f->v.Attribute.attr;
    if (ast_name_in(m, log_methods) && is_logger(f->v.Attribute.value))
        return RAISE_NEVER;
    if (ast_name_in(m, db_methods))
        return RAISE_LIKELY;
    if (!strcmp(m, "begin") && !call->v.Call.args.n) {
        /* SQLAlchemy's Connection.begin() sends nothing: the driver begins
           with the first statement */
        Val v = fl_model_value(c, c->env->scopes, c->scope, f->v.Attribute.value);
        if (v.tag == VAL_RESOURCE && (v.kind == RES_CONNECTION || v.kind == RES_SESSION))
            return RAISE_NEVER;
    }
    return ast_name_in(m, unlikely_methods) ? RAISE_UNLIKELY : RAISE_MAYBE;
}

typedef struct RankWalk {
    Ctx *c;
    int rank;          /* the highest so far; -1 when no call was seen */
    const Node *at;    /* its first call */
    int depth;
    int logging;       /* inside a logging call's arguments: only a database call or
                          I/O there counts, not what formats the message */
    int awaits;        /* an await was seen */
} RankWalk;

static void rank_kid(Node *parent, Node *n, void *arg)
{
    RankWalk *w = arg;
    (void)parent;
    if (w->depth > EVAL_MAX_DEPTH || n->kind == NODE_Lambda || n->kind == NODE_Name ||
        n->kind == NODE_Constant) /* leaves: no call in them */
        return;
    int r = -1, log = 0;
    if (n->kind == NODE_Await || n->kind == NODE_Yield || n->kind == NODE_YieldFrom) {
        r = RAISE_LIKELY; /* cancellation, or what the consumer throws in */
        w->awaits |= n->kind == NODE_Await;
    } else if (n->kind == NODE_Call) {
        r = call_rank(w->c, n);
        log = r == RAISE_NEVER && n->v.Call.func->kind == NODE_Attribute;
        if (w->logging && r < RAISE_LIKELY)
            r = RAISE_NEVER;
    }
    if (r >= 0 && (r > w->rank || w->rank < 0)) {
        if (r > w->rank)
            w->at = n;
        w->rank = r > w->rank ? r : w->rank;
    }
    w->depth++;
    w->logging += log;
    ast_children(n, rank_kid, w);
    w->logging -= log;
    w->depth--;
}

/* How plausibly step s raises (RAISE_*), and in c->raiser[s] the call that
 * would: computed once per step, kept in c->ranks[s] as rank + 1, with
 * RANK_AWAITS when the step awaits.  A step of another kind than these
 * evaluates what the CFG says may raise. */
enum { RANK_AWAITS = 16 };

int fr_step_rank(Ctx *c, int s)
{
    if (!c->ranks[s]) {
        const CfgStep *st = &c->g->steps[s];
        const Node *n = st->node;
        RankWalk w = {c, -1, NULL, 0, 0, 0};
        if (n && n->kind == NODE_withitem)
            n = n->v.withitem.context_expr;
        if (n && (st->kind == STEP_EXPR || st->kind == STEP_ASSIGN || st->kind == STEP_COND ||
                  st->kind == STEP_RETURN || st->kind == STEP_DELETE || st->kind == STEP_WITH_ENTER))
            rank_kid(NULL, (Node *)n, &w);
        if (st->kind == STEP_FOR_NEXT && n) { /* next() on the iterator: the loop's header,
                                                  not the first call of its body */
            w.rank = n->kind == NODE_AsyncFor ? RAISE_LIKELY : RAISE_MAYBE;
            w.at = n;
        }
        if (w.rank < 0) { /* nothing found by this walk: as the CFG says */
            w.rank = RAISE_MAYBE;
            w.at = fr_first_call(st->node);
        }
        c->ranks[s] = (uint8_t)((w.rank + 1) | (w.awaits ? RANK_AWAITS : 0));
        c->raiser[s] = w.at;
    }
    return (c->ranks[s] & (RANK_AWAITS - 1)) - 1;
}

int fr_step_awaits(Ctx *c, int s)
{
    fr_step_rank(c, s);
    return (c->ranks[s] & RANK_AWAITS) != 0;
}

/*
 * Cleanup code that talks to the database before it releases
 * (`finally: db.commit(); db.close()`): the commit fails on a network
 * error, a serialization failure or a deferred constraint, and for sure
 * after a statement of the try body failed, and then the close after it is
 * skipped (mcp-context-forge#1885: connections idle in transaction under
 * load).  Other cleanup that raises (untracking, notifying) is not followed
 * for the resources it cleans up (transfer); the resource such a call is
 * made on is.  Its receiver must hold the site on p, open.
 */
int fr_cleanup_call(Ctx *c, const Path *p, int s)
{
    if (fr_step_rank(c, s) != RAISE_LIKELY)
        return -1;
    const Node *call = c->raiser[s];
    if (call && call->kind == NODE_Await)
        call = call->v.Await.value;
    if (!call || call->kind != NODE_Call || call->v.Call.func->kind != NODE_Attribute ||
        !ast_name_in(call->v.Call.func->v.Attribute.attr, db_methods))
        return -1;
    int r = fl_held_by(c, p, call->v.Call.func->v.Attribute.value);
    if (r < 0 || r >= c->nsites)
        return -1;
    return p->res[r] == RS_OPEN || p->res[r] == RS_IDLE || p->res[r] == RS_REOPENED ? r : -1;
}
