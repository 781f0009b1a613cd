/*
 * model.c - the resource table of docs/design.md as data: the rows of each
 * resource kind, the library names that make factories and resources, and
 * the methods that acquire, use and release.  Facts come from the libraries'
 * documentation: SQLAlchemy's Session.close() is idempotent and leaves the
 * session usable (its next use checks out a new connection); psycopg2's
 * `with conn:` ends a transaction but does not close; psycopg 3 closes;
 * psycopg2's pool raises or hands a connection out twice on a second
 * putconn(); asyncpg's release() of a released proxy is a no-op.  A
 * connection put back in a transaction is rolled back, a failed one too:
 * psycopg2's _putconn() when the status is not idle, psycopg_pool's
 * putconn() (INTRANS with a warning, INERROR), SQLAlchemy's pool on return
 * (reset_on_return="rollback", the default, at a Connection's or a
 * Session's close).
 */
#include "model.h"
#include "qualidx.h"
#include "scope.h"

#include <string.h>

static const ResInfo res_table[RES__COUNT] = {
    [RES_NONE] = {"value", "", 0, AFTER_RAISES, HARM_NONE, 0, 0},
    [RES_SESSION] = {"session", "close()", 1, AFTER_REOPENS, HARM_REDUNDANT, 0, 1},
    [RES_CONNECTION] = {"connection", "close()", 1, AFTER_RAISES, HARM_REDUNDANT, 1, 1},
    [RES_DBAPI] = {"connection", "close()", 0, AFTER_RAISES, HARM_REDUNDANT, 1, 1},
    [RES_PGCONN] = {"connection", "close()", 1, AFTER_RAISES, HARM_REDUNDANT, 1, 1},
    /* `with conn:` on a pooled connection ends a transaction; the pool's own
     * context manager (pool.connection(), pool.acquire()) returns it */
    [RES_POOLED] = {"pooled connection", "putconn()", 0, AFTER_SHARED, HARM_DOUBLE, 0, 1},
    [RES_APOOLED] = {"pooled connection", "release()", 0, AFTER_RAISES, HARM_REDUNDANT, 0, 1},
    /* a cursor's close leaves its connection's transaction as it was */
    [RES_CURSOR] = {"cursor", "close()", 1, AFTER_RAISES, HARM_REDUNDANT, 1, 0},
    [RES_RESULT] = {"result", "close()", 0, AFTER_RAISES, HARM_NONE, 0, 0},
    [RES_ANY] = {"object", "close()", 0, AFTER_RAISES, HARM_NONE, 0, 0},
};

/* Library callables: what calling them gives. */
static const struct {
    const char *qual;
    unsigned char tag, kind, is_async;
} callables[] = {
    {"sqlalchemy.orm.sessionmaker", VAL_FACTORY, FAC_SESSIONMAKER, 0},
    {"sqlalchemy.orm.session.sessionmaker", VAL_FACTORY, FAC_SESSIONMAKER, 0},
    {"sqlalchemy.ext.asyncio.async_sessionmaker", VAL_FACTORY, FAC_SESSIONMAKER, 1},
    {"sqlalchemy.ext.asyncio.session.async_sessionmaker", VAL_FACTORY, FAC_SESSIONMAKER, 1},
    {"sqlalchemy.orm.scoped_session", VAL_FACTORY, FAC_SCOPED, 0},
    {"sqlalchemy.ext.asyncio.async_scoped_session", VAL_FACTORY, FAC_SCOPED, 1},
    {"sqlalchemy.create_engine", VAL_FACTORY, FAC_ENGINE, 0},
    {"sqlalchemy.engine.create_engine", VAL_FACTORY, FAC_ENGINE, 0},
    {"sqlmodel.create_engine", VAL_FACTORY, FAC_ENGINE, 0},
    {"sqlalchemy.ext.asyncio.create_async_engine", VAL_FACTORY, FAC_ENGINE, 1},
    {"sqlalchemy.engine_from_config", VAL_FACTORY, FAC_ENGINE, 0},
    {"sqlalchemy.engine.engine_from_config", VAL_FACTORY, FAC_ENGINE, 0},
    {"sqlalchemy.ext.asyncio.async_engine_from_config", VAL_FACTORY, FAC_ENGINE, 1},
    {"sqlalchemy.ext.asyncio.engine.create_async_engine", VAL_FACTORY, FAC_ENGINE, 1},
    {"sqlalchemy.orm.Session", VAL_RESOURCE, RES_SESSION, 0},
    {"sqlalchemy.orm.session.Session", VAL_RESOURCE, RES_SESSION, 0},
    {"sqlmodel.Session", VAL_RESOURCE, RES_SESSION, 0},
    {"sqlmodel.orm.session.Session", VAL_RESOURCE, RES_SESSION, 0},
    {"sqlalchemy.ext.asyncio.AsyncSession", VAL_RESOURCE, RES_SESSION, 1},
    {"sqlmodel.ext.asyncio.session.AsyncSession", VAL_RESOURCE, RES_SESSION, 1},
    {"psycopg2.connect", VAL_RESOURCE, RES_DBAPI, 0},
    {"psycopg.connect", VAL_RESOURCE, RES_PGCONN, 0},
    {"psycopg.Connection.connect", VAL_RESOURCE, RES_PGCONN, 0},
    {"psycopg.AsyncConnection.connect", VAL_RESOURCE, RES_PGCONN, 1},
    {"asyncpg.connect", VAL_RESOURCE, RES_PGCONN, 1},
    {"sqlite3.connect", VAL_FOREIGN, 0, 0},
    {"sqlite3.dbapi2.connect", VAL_FOREIGN, 0, 0},
    {"aiosqlite.connect", VAL_FOREIGN, 0, 1},
    {"psycopg2.pool.SimpleConnectionPool", VAL_FACTORY, FAC_PG2POOL, 0},
    {"psycopg2.pool.ThreadedConnectionPool", VAL_FACTORY, FAC_PG2POOL, 0},
    {"psycopg_pool.ConnectionPool", VAL_FACTORY, FAC_PGPOOL, 0},
    {"psycopg_pool.AsyncConnectionPool", VAL_FACTORY, FAC_PGPOOL, 1},
    {"asyncpg.create_pool", VAL_FACTORY, FAC_APGPOOL, 1},
    {"asyncpg.pool.create_pool", VAL_FACTORY, FAC_APGPOOL, 1},
    {"contextlib.ExitStack", VAL_FACTORY, FAC_EXITSTACK, 0},
    {"contextlib.AsyncExitStack", VAL_FACTORY, FAC_EXITSTACK, 1},
    {"concurrent.futures.ThreadPoolExecutor", VAL_FACTORY, FAC_EXECUTOR, 0},
    {"concurrent.futures.ProcessPoolExecutor", VAL_FACTORY, FAC_EXECUTOR, 0},
    {"concurrent.futures.thread.ThreadPoolExecutor", VAL_FACTORY, FAC_EXECUTOR, 0},
    {"asyncio.TaskGroup", VAL_FACTORY, FAC_TASKGROUP, 1},
    {"asyncio.taskgroups.TaskGroup", VAL_FACTORY, FAC_TASKGROUP, 1},
    {"anyio.create_task_group", VAL_FACTORY, FAC_TASKGROUP, 1},
};

/*
 * How an EFF_ACQUIRE method's call acquires (MethodRow.acq).  Whether `with
 * recv.m() as x:` gives x back at the block's end is the library's answer,
 * row by row, not what every acquisition does:
 *  - SQLAlchemy's Connection, Session and engine.begin()/sessionmaker.begin()
 *    close (or commit and close) at the exit.
 *  - asyncpg: "async with pool.acquire() as con:" releases con to the pool
 *    (docs: Connection Pools, Pool.acquire()).
 *  - psycopg_pool: pool.connection() returns the connection to the pool at
 *    the end of its block (docs: Connection pools, "Basic connection pool
 *    usage"); after getconn() "you must call a corresponding putconn():
 *    failing to do so will deplete the pool" (docs: ConnectionPool.getconn).
 *    psycopg 3's `with conn:` closes the connection, but the pool still
 *    counts it out until putconn().
 *  - psycopg2: "Note that the connection is not closed by the context"
 *    (docs: The connection class): `with pool.getconn() as conn:` commits
 *    or rolls back, and the connection stays out of its pool.
 *  - DB-API cursors (psycopg2 from 2.5, psycopg 3) close at the exit.
 * engine.raw_connection(), stream() and asyncpg's prepare()/cursor() keep
 * the answer they had before the column was per row (released), unchecked.
 */
enum {
    ACQ_WITH_ONLY = 1,  /* acquires only as a context manager (engine.begin()) */
    ACQ_WITH_FREES = 2, /* the exit of `with` over the call releases what it made */
    ACQ_BLOCK = ACQ_WITH_ONLY | ACQ_WITH_FREES,
    ACQ_KEYED = 4,      /* psycopg2's getconn(key): see model_keyed_for_life() */
};

/* Methods of factories and resources. */
typedef struct MethodRow {
    unsigned char tag, kind; /* the receiver */
    const char *name;        /* NULL: any other method of this receiver */
    unsigned char effect;    /* MethodEffect */
    unsigned char made;      /* ResKind made by EFF_ACQUIRE */
    unsigned char acq;       /* EFF_ACQUIRE: ACQ_* bits */
} MethodRow;

static const MethodRow methods[] = {
    {VAL_FACTORY, FAC_ENGINE, "connect", EFF_ACQUIRE, RES_CONNECTION, ACQ_WITH_FREES},
    {VAL_FACTORY, FAC_ENGINE, "begin", EFF_ACQUIRE, RES_CONNECTION, ACQ_BLOCK},
    {VAL_FACTORY, FAC_ENGINE, "raw_connection", EFF_ACQUIRE, RES_DBAPI, ACQ_WITH_FREES},
    /* an OptionEngine: another engine over the same pool */
    {VAL_FACTORY, FAC_ENGINE, "execution_options", EFF_SELF, 0, 0},
    {VAL_FACTORY, FAC_SESSIONMAKER, "begin", EFF_ACQUIRE, RES_SESSION, ACQ_BLOCK},
    {VAL_FACTORY, FAC_PG2POOL, "getconn", EFF_ACQUIRE, RES_POOLED, ACQ_KEYED},
    {VAL_FACTORY, FAC_PG2POOL, "putconn", EFF_RELEASE_ARG, 0, 0},
    {VAL_FACTORY, FAC_PGPOOL, "getconn", EFF_ACQUIRE, RES_POOLED, 0},
    {VAL_FACTORY, FAC_PGPOOL, "putconn", EFF_RELEASE_ARG, 0, 0},
    {VAL_FACTORY, FAC_PGPOOL, "connection", EFF_ACQUIRE, RES_POOLED, ACQ_BLOCK},
    {VAL_FACTORY, FAC_APGPOOL, "acquire", EFF_ACQUIRE, RES_APOOLED, ACQ_WITH_FREES},
    {VAL_FACTORY, FAC_APGPOOL, "release", EFF_RELEASE_ARG, 0, 0},
    {VAL_RESOURCE, RES_SESSION, "close", EFF_RELEASE, 0, 0},
    /* a scoped_session registry made in a function stands for its session */
    {VAL_RESOURCE, RES_SESSION, "remove", EFF_RELEASE, 0, 0},
    {VAL_RESOURCE, RES_SESSION, "aclose", EFF_RELEASE, 0, 0}, /* AsyncSession, for aclosing() */
    {VAL_RESOURCE, RES_SESSION, "invalidate", EFF_RELEASE, 0, 0}, /* a close that drops the connection */
    {VAL_RESOURCE, RES_SESSION, "in_transaction", EFF_SAFE, 0, 0},
    {VAL_RESOURCE, RES_SESSION, "is_active", EFF_SAFE, 0, 0},
    {VAL_RESOURCE, RES_SESSION, "begin", EFF_SAFE, 0, 0}, /* `with s.begin():` on a live session */
    /* a streamed result reads from the connection as it goes: tied to it */
    {VAL_RESOURCE, RES_SESSION, "stream", EFF_ACQUIRE, RES_CURSOR, ACQ_WITH_FREES},
    {VAL_RESOURCE, RES_SESSION, "stream_scalars", EFF_ACQUIRE, RES_CURSOR, ACQ_WITH_FREES},
    {VAL_RESOURCE, RES_SESSION, NULL, EFF_USE, 0, 0},
    {VAL_RESOURCE, RES_CONNECTION, "close", EFF_RELEASE, 0, 0},
    {VAL_RESOURCE, RES_CONNECTION, "aclose", EFF_RELEASE, 0, 0},
    {VAL_RESOURCE, RES_CONNECTION, "invalidate", EFF_RELEASE, 0, 0},
    /* modifies the connection in place and returns it (SQLAlchemy 1.4 on) */
    {VAL_RESOURCE, RES_CONNECTION, "execution_options", EFF_SELF, 0, 0},
    {VAL_RESOURCE, RES_CONNECTION, "stream", EFF_ACQUIRE, RES_CURSOR, ACQ_WITH_FREES},
    {VAL_RESOURCE, RES_CONNECTION, "stream_scalars", EFF_ACQUIRE, RES_CURSOR, ACQ_WITH_FREES},
    {VAL_RESOURCE, RES_CONNECTION, NULL, EFF_USE, 0, 0},
    {VAL_RESOURCE, RES_DBAPI, "close", EFF_RELEASE, 0, 0},
    {VAL_RESOURCE, RES_DBAPI, "cursor", EFF_ACQUIRE, RES_CURSOR, ACQ_WITH_FREES},
    {VAL_RESOURCE, RES_DBAPI, NULL, EFF_USE, 0, 0},
    {VAL_RESOURCE, RES_PGCONN, "close", EFF_RELEASE, 0, 0},
    {VAL_RESOURCE, RES_PGCONN, "cursor", EFF_ACQUIRE, RES_CURSOR, ACQ_WITH_FREES},
    {VAL_RESOURCE, RES_PGCONN, "is_closed", EFF_SAFE, 0, 0},
    /* asyncpg: a prepared statement lives on its connection */
    {VAL_RESOURCE, RES_PGCONN, "prepare", EFF_ACQUIRE, RES_CURSOR, ACQ_WITH_FREES},
    {VAL_RESOURCE, RES_PGCONN, NULL, EFF_USE, 0, 0},
    {VAL_RESOURCE, RES_POOLED, "cursor", EFF_ACQUIRE, RES_CURSOR, ACQ_WITH_FREES},
    {VAL_RESOURCE, RES_POOLED, NULL, EFF_USE, 0, 0},
    {VAL_RESOURCE, RES_APOOLED, "prepare", EFF_ACQUIRE, RES_CURSOR, ACQ_WITH_FREES},
    {VAL_RESOURCE, RES_APOOLED, "cursor", EFF_ACQUIRE, RES_CURSOR, ACQ_WITH_FREES},
    {VAL_RESOURCE, RES_APOOLED, NULL, EFF_USE, 0, 0},
    {VAL_RESOURCE, RES_CURSOR, "close", EFF_RELEASE, 0, 0},
    {VAL_RESOURCE, RES_CURSOR, NULL, EFF_USE, 0, 0},
    {VAL_RESOURCE, RES_RESULT, "close", EFF_RELEASE, 0, 0},
    {VAL_RESOURCE, RES_RESULT, NULL, EFF_USE, 0, 0},
    {VAL_RESOURCE, RES_ANY, "close", EFF_RELEASE, 0, 0},
    /* a session's and a connection's other release (dropping the connection, as
       `try: s.invalidate() except: log` does on cancellation): a helper that
       calls it on its parameter releases the caller's session or connection */
    {VAL_RESOURCE, RES_ANY, "invalidate", EFF_RELEASE, 0, 0},
    {VAL_RESOURCE, RES_ANY, NULL, EFF_NONE, 0, 0},
};

const ResInfo *model_res(int kind) { return &res_table[kind < RES__COUNT ? kind : RES_NONE]; }

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix) && (n == m || s[n - m - 1] == '.');
}

/* create_engine(..., future=True) */
static int future(const Node *call)
{
    return ast_is_true(ast_keyword(call, "future"));
}

static int has_keyword(const Node *call, const char *name)
{
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const char *arg = call->v.Call.keywords.items[i]->v.keyword.arg;
        if (arg && !strcmp(arg, name))
            return 1;
    }
    return 0;
}

/* psycopg 3's connections (RES_PGCONN, sub 1): their statements serialize
 * behind a lock, unlike asyncpg's (model.h: Val.sub). */
static void mark_psycopg(Val *v, const char *qual)
{
    if (v->tag == VAL_RESOURCE && v->kind == RES_PGCONN && qual && !strncmp(qual, "psycopg.", 8))
        v->sub = 1;
}

Val model_call(const Val *callee, const Node *call, const char *class_qual, const Val *bind)
{
    Val v = {VAL_UNKNOWN, 0, 0, NULL, 0, 0, NULL, 0, 0};
    if (callee->tag == VAL_QUAL && callee->qual) {
        static QualIndex idx = QUALIDX(callables);
        int i = qualidx_find(&idx, callee->qual);
        if (i < 0)
            return v;
        v.tag = callables[i].tag;
        v.kind = callables[i].kind;
        v.is_async = callables[i].is_async;
        mark_psycopg(&v, callee->qual);
        if (v.kind == FAC_SESSIONMAKER && v.tag == VAL_FACTORY && class_qual &&
            ends_with(class_qual, "AsyncSession"))
            v.is_async = 1;
        if (v.tag == VAL_RESOURCE && v.kind == RES_SESSION &&
            !(bind && bind->tag == VAL_FACTORY && bind->kind == FAC_ENGINE))
            v.tag = VAL_UNKNOWN; /* bound to a connection someone else owns */
        if (v.tag == VAL_FACTORY && v.kind == FAC_ENGINE && call && future(call))
            v.sub = 1; /* 2.0 mode on 1.4: its connections refuse plain strings */
        if (v.tag == VAL_FACTORY && v.kind == FAC_SCOPED)
            /* async_scoped_session, or a scopefunc (a request id): not the thread */
            v.sub = v.is_async || (call && (has_keyword(call, "scopefunc") ||
                                            call->v.Call.args.n > 1)) /* (factory, scopefunc) */
                        ? SCOPED_OWN
                        : SCOPED_THREAD;
        if (v.tag == VAL_FACTORY && v.kind == FAC_SESSIONMAKER && bind &&
            bind->tag == VAL_RESOURCE)
            v.tag = VAL_UNKNOWN; /* sessionmaker(bind=conn): its sessions use conn */
        return v;
    }
    if (callee->tag == VAL_FACTORY && callee->kind == FAC_SESSIONMAKER) {
        v.tag = VAL_RESOURCE;
        v.kind = RES_SESSION;
        v.is_async = callee->is_async;
    }
    /* a scoped_session registry call returns the registry's session: not ours */
    return v;
}

/* The row of recv.method, or NULL. */
static const MethodRow *method_row(const Val *recv, const char *method)
{
    if (recv->tag != VAL_FACTORY && recv->tag != VAL_RESOURCE)
        return NULL;
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
        const MethodRow *m = &methods[i];
        if (m->tag == recv->tag && m->kind == recv->kind && (!m->name || !strcmp(m->name, method)))
            return m;
    }
    return NULL;
}

const Node *model_released_arg(const Node *call)
{
    const Node *a = ast_call_arg(call, 0);
    if (!a)
        a = ast_keyword(call, "conn");
    return a ? a : ast_keyword(call, "connection");
}

MethodEffect model_method(const Val *recv, const char *method, Val *made, int *in_with_only)
{
    *in_with_only = 0;
    const MethodRow *m = method_row(recv, method);
    if (!m)
        return EFF_NONE;
    if (m->effect == EFF_ACQUIRE) {
        made->tag = VAL_RESOURCE;
        made->kind = m->made;
        made->is_async = recv->is_async;
        made->qual = NULL;
        /* an engine's connection is in its engine's mode (future=True) */
        made->sub = recv->tag == VAL_FACTORY && recv->kind == FAC_ENGINE &&
                    m->made == RES_CONNECTION ? recv->sub : 0;
        if (recv->tag == VAL_FACTORY && recv->kind == FAC_PG2POOL)
            made->sub = 1; /* a psycopg2 connection: its `with` is a transaction (SL305) */
        *in_with_only = (m->acq & ACQ_WITH_ONLY) != 0;
    }
    return (MethodEffect)m->effect;
}

int model_with(const Val *v, const Val *recv, const char *method, Val *value)
{
    if (method && recv) {
        int with_only;
        Val made = {0};
        MethodEffect eff = model_method(recv, method, &made, &with_only);
        if (eff == EFF_ACQUIRE) {
            *value = made; /* engine.begin(), sessionmaker.begin(), pool.connection() ... */
            return (method_row(recv, method)->acq & ACQ_WITH_FREES) != 0;
        }
        if (eff == EFF_SELF) { /* with engine.connect().execution_options(...) as conn */
            *value = *recv;
            return model_res(recv->kind)->with_releases;
        }
        if (recv->tag == VAL_RESOURCE) {
            value->tag = VAL_UNKNOWN; /* `with s.begin():` yields a transaction */
            return 0;
        }
    }
    *value = *v;
    return v->tag == VAL_RESOURCE && model_res(v->kind)->with_releases;
}

/*
 * psycopg2's pool: getconn(key=None): "if used, the connection will be
 * associated to the key and calling getconn() with the same key again will
 * return the same connection"; putconn(conn, key=None): "key should be used
 * consistently with getconn()" (docs: psycopg2.pool).  A key that is the
 * same for the whole process or thread makes every call hand back one
 * connection, kept out for the process's (the thread's) life by design.
 * What makes such a key: the process's or the thread's identity, a literal,
 * a name bound once to one of those (a module constant, a local), and
 * str(), hash(), id(), f-strings, tuples and operators over them.  Limits:
 * an attribute (`self.key`, `config.KEY`) or a name bound more than once is
 * taken to vary, as is anything else: a request id, a loop variable.
 */
#define KEY_MAX_DEPTH 8 /* names and wrappers followed in one key */

static const char *const lifelong_key_fns[] = {
    "os.getpid", "threading.get_ident", "threading.get_native_id", "_thread.get_ident",
    "threading.current_thread", "threading.currentThread", NULL};

static int lifelong_key(const ScopeTable *t, const Scope *s, const Node *e, int depth)
{
    static const char *const wrappers[] = {"str", "hash", "id", "int", "repr", NULL};
    char q[256];
    if (!e || depth > KEY_MAX_DEPTH)
        return 0;
    switch (e->kind) {
    case NODE_Constant:
        return e->v.Constant.value.kind != CONST_NONE; /* key=None: no key, a fresh checkout */
    case NODE_Name: {
        const Scope *where = NULL;
        const Binding *b = scope_lookup(t, s, e->v.Name.id, &where);
        return b && b->value && lifelong_key(t, where, b->value, depth + 1);
    }
    case NODE_Attribute: /* threading.current_thread().ident */
        return e->v.Attribute.value->kind == NODE_Call &&
               lifelong_key(t, s, e->v.Attribute.value, depth + 1);
    case NODE_Call: {
        const Node *f = e->v.Call.func;
        size_t n = scope_qualname_buf(t, s, f, q, sizeof q);
        if (n && n < sizeof q && ast_name_in(q, lifelong_key_fns))
            return 1;
        return f->kind == NODE_Name && ast_name_in(f->v.Name.id, wrappers) &&
               !scope_lookup(t, s, f->v.Name.id, NULL) && e->v.Call.args.n == 1 &&
               lifelong_key(t, s, e->v.Call.args.items[0], depth + 1);
    }
    case NODE_FormattedValue:
        return lifelong_key(t, s, e->v.FormattedValue.value, depth + 1);
    case NODE_BinOp:
        return lifelong_key(t, s, e->v.BinOp.left, depth + 1) &&
               lifelong_key(t, s, e->v.BinOp.right, depth + 1);
    case NODE_JoinedStr:
    case NODE_Tuple: {
        const NodeList *l = e->kind == NODE_Tuple ? &e->v.Tuple.elts : &e->v.JoinedStr.values;
        for (int i = 0; i < l->n; i++)
            if (!lifelong_key(t, s, l->items[i], depth + 1))
                return 0;
        return l->n > 0;
    }
    default: return 0;
    }
}

int model_keyed_for_life(const Val *recv, const char *method, const Node *call,
                         const ScopeTable *t, const Scope *s)
{
    const MethodRow *m = method_row(recv, method);
    if (!m || !(m->acq & ACQ_KEYED) || !call || call->kind != NODE_Call)
        return 0;
    const Node *key = ast_keyword(call, "key");
    if (!key && call->v.Call.args.n > 0 && call->v.Call.args.items[0]->kind != NODE_Starred)
        key = call->v.Call.args.items[0];
    return lifelong_key(t, s, key, 0);
}

/* Type names: what a value annotated with them is. */
static const struct {
    const char *qual;
    unsigned char tag, kind, is_async;
} types[] = {
    {"asyncpg.Pool", VAL_FACTORY, FAC_APGPOOL, 1},
    {"asyncpg.pool.Pool", VAL_FACTORY, FAC_APGPOOL, 1},
    {"psycopg_pool.ConnectionPool", VAL_FACTORY, FAC_PGPOOL, 0},
    {"psycopg_pool.AsyncConnectionPool", VAL_FACTORY, FAC_PGPOOL, 1},
    {"psycopg2.pool.SimpleConnectionPool", VAL_FACTORY, FAC_PG2POOL, 0},
    {"psycopg2.pool.ThreadedConnectionPool", VAL_FACTORY, FAC_PG2POOL, 0},
    {"psycopg2.pool.AbstractConnectionPool", VAL_FACTORY, FAC_PG2POOL, 0},
    {"sqlalchemy.Engine", VAL_FACTORY, FAC_ENGINE, 0},
    {"sqlalchemy.engine.Engine", VAL_FACTORY, FAC_ENGINE, 0},
    {"sqlalchemy.ext.asyncio.AsyncEngine", VAL_FACTORY, FAC_ENGINE, 1},
    {"sqlalchemy.orm.sessionmaker", VAL_FACTORY, FAC_SESSIONMAKER, 0},
    {"sqlalchemy.ext.asyncio.async_sessionmaker", VAL_FACTORY, FAC_SESSIONMAKER, 1},
    {"concurrent.futures.Executor", VAL_FACTORY, FAC_EXECUTOR, 0},
    {"concurrent.futures.ThreadPoolExecutor", VAL_FACTORY, FAC_EXECUTOR, 0},
    {"concurrent.futures.ProcessPoolExecutor", VAL_FACTORY, FAC_EXECUTOR, 0},
    {"concurrent.futures.thread.ThreadPoolExecutor", VAL_FACTORY, FAC_EXECUTOR, 0},
    {"asyncio.TaskGroup", VAL_FACTORY, FAC_TASKGROUP, 1},
    {"asyncio.taskgroups.TaskGroup", VAL_FACTORY, FAC_TASKGROUP, 1},
};

/* Types of sessions and connections, for parameters annotated with them. */
static const struct {
    const char *qual;
    unsigned char kind, is_async;
} resource_types[] = {
    {"sqlalchemy.orm.Session", RES_SESSION, 0},
    {"sqlalchemy.orm.session.Session", RES_SESSION, 0},
    {"sqlmodel.Session", RES_SESSION, 0},
    {"sqlalchemy.ext.asyncio.AsyncSession", RES_SESSION, 1},
    {"sqlmodel.ext.asyncio.session.AsyncSession", RES_SESSION, 1},
    {"sqlalchemy.engine.Connection", RES_CONNECTION, 0},
    {"sqlalchemy.Connection", RES_CONNECTION, 0},
    {"sqlalchemy.ext.asyncio.AsyncConnection", RES_CONNECTION, 1},
    {"asyncpg.Connection", RES_PGCONN, 1},
    {"asyncpg.connection.Connection", RES_PGCONN, 1},
    {"asyncpg.pool.PoolConnectionProxy", RES_APOOLED, 1},
    {"psycopg.Connection", RES_PGCONN, 0},
    {"psycopg.AsyncConnection", RES_PGCONN, 1},
    {"psycopg2.extensions.connection", RES_DBAPI, 0},
};

Val model_resource_type(const char *qual)
{
    Val v = {VAL_UNKNOWN, 0, 0, NULL, 0, 0, NULL, 0, 0};
    static QualIndex idx = QUALIDX(resource_types);
    int i = qualidx_find(&idx, qual);
    if (i >= 0) {
        v.tag = VAL_RESOURCE;
        v.kind = resource_types[i].kind;
        v.is_async = resource_types[i].is_async;
        mark_psycopg(&v, qual);
    }
    return v;
}

static const char *made_by(const char *qual, int only_classes);

Val model_type(const char *qual)
{
    Val v = {VAL_UNKNOWN, 0, 0, NULL, 0, 0, NULL, 0, 0};
    static QualIndex idx = QUALIDX(types);
    int i = qualidx_find(&idx, qual);
    if (i >= 0) {
        v.tag = types[i].tag;
        v.kind = types[i].kind;
        v.is_async = types[i].is_async;
    } else if ((v.qual = made_by(qual, 1)) != NULL) {
        v.tag = VAL_QUAL; /* client: httpx.AsyncClient, task: asyncio.Task */
    }
    return v;
}

/* Library functions that call a function they are given with a resource
 * they make from another argument, and own: CockroachDB's run_transaction
 * (transactor, callback) calls callback(session) for a sessionmaker and
 * callback(connection) for an engine or a connection, retrying it. */
static const struct {
    const char *qual;
    unsigned char from, callback;
} runs_callback[] = {
    {"sqlalchemy_cockroachdb.run_transaction", 0, 1},
    {"sqlalchemy_cockroachdb.transaction.run_transaction", 0, 1},
    {"cockroachdb.sqlalchemy.run_transaction", 0, 1},
    {"cockroachdb.sqlalchemy.transaction.run_transaction", 0, 1},
};

int model_unpooled(const Node *call)
{
    for (int i = 0; call && call->kind == NODE_Call && i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i], *x = k->v.keyword.value;
        const char *id = x->kind == NODE_Name        ? x->v.Name.id
                         : x->kind == NODE_Attribute ? x->v.Attribute.attr : "";
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "poolclass") && !strcmp(id, "NullPool"))
            return 1;
    }
    return 0;
}

int model_runs_callback(const char *qual, int *from, int *callback)
{
    const char *last = qual ? strrchr(qual, '.') : NULL;
    if (!last || strcmp(last, ".run_transaction"))
        return 0; /* every call the model walks: the common case first */
    for (size_t i = 0; i < sizeof runs_callback / sizeof *runs_callback; i++)
        if (!strcmp(runs_callback[i].qual, qual)) {
            *from = runs_callback[i].from;
            *callback = runs_callback[i].callback;
            return 1;
        }
    return 0;
}

Val model_callback_arg(Val from)
{
    Val v = {VAL_UNKNOWN, 0, 0, NULL, 0, 0, NULL, 0, 0};
    int kind = from.tag == VAL_FACTORY && from.kind == FAC_SESSIONMAKER ? RES_SESSION
               : from.tag == VAL_FACTORY && from.kind == FAC_ENGINE     ? RES_CONNECTION
               : from.tag == VAL_RESOURCE && (from.kind == RES_SESSION ||
                                              from.kind == RES_CONNECTION) ? from.kind
                                                                            : RES_NONE;
    if (kind != RES_NONE) {
        v.tag = VAL_RESOURCE;
        v.kind = (unsigned char)kind;
        v.is_async = from.is_async;
    }
    return v;
}

/* Library calls that run the function given as their first argument with
 * the rest, and hand back its result to a caller that waits for it:
 * `await run_in_threadpool(f, a, k=b)` is `f(a, k=b)` run on a worker
 * thread. */
static const char *const calls_through[] = {
    "starlette.concurrency.run_in_threadpool",
    "fastapi.concurrency.run_in_threadpool",
    "asyncio.to_thread",
    "asyncio.threads.to_thread",
    "anyio.to_thread.run_sync",
};

const char *model_task_group(const Node *n)
{
    for (int i = 0; n->kind == NODE_AsyncWith && i < n->v.With.items.n; i++) {
        const Node *it = n->v.With.items.items[i], *e = it->v.withitem.context_expr;
        const Node *f = e->kind == NODE_Call ? e->v.Call.func : NULL;
        const char *m = !f                         ? NULL
                        : f->kind == NODE_Attribute ? f->v.Attribute.attr
                        : f->kind == NODE_Name      ? f->v.Name.id
                                                    : NULL;
        if (m && (!strcmp(m, "TaskGroup") || !strcmp(m, "create_task_group")) &&
            it->v.withitem.optional_vars && it->v.withitem.optional_vars->kind == NODE_Name)
            return it->v.withitem.optional_vars->v.Name.id;
    }
    return NULL;
}

int model_may_call_through(const Node *callee)
{
    const char *name = callee->kind == NODE_Name        ? callee->v.Name.id
                       : callee->kind == NODE_Attribute ? callee->v.Attribute.attr
                                                        : NULL;
    for (size_t i = 0; name && i < sizeof calls_through / sizeof *calls_through; i++)
        if (!strcmp(strrchr(calls_through[i], '.') + 1, name))
            return 1;
    return 0;
}

int model_calls_through(const char *qual)
{
    for (size_t i = 0; qual && i < sizeof calls_through / sizeof *calls_through; i++)
        if (!strcmp(calls_through[i], qual))
            return 1;
    return 0;
}

/* Objects that libraries keep at module level: SQLAlchemy's test plugin
 * (which third-party dialects' suites run on) keeps the engine it was
 * configured with as sqlalchemy.testing.db. */
static const struct {
    const char *qual;
    unsigned char tag, kind;
} objects[] = {
    {"sqlalchemy.testing.db", VAL_FACTORY, FAC_ENGINE},
    {"sqlalchemy.testing.config.db", VAL_FACTORY, FAC_ENGINE},
};

Val model_library_object(const char *qual)
{
    Val v = {VAL_UNKNOWN, 0, 0, NULL, 0, 0, NULL, 0, 0};
    if (!qual || strncmp(qual, "sqlalchemy.testing.", 19))
        return v; /* every name the model is asked of: the common case first */
    for (size_t i = 0; i < sizeof objects / sizeof *objects; i++)
        if (!strcmp(objects[i].qual, qual)) {
            v.tag = objects[i].tag;
            v.kind = objects[i].kind;
        }
    return v;
}

/* Library objects the model knows by what makes them: the class (also an
 * annotation: is_class) or a function that returns one.  An HTTP client
 * keeps its connections open between requests, but each request still
 * waits on the network. */
static const struct {
    const char *qual, *made;
    unsigned char is_class;
} instances[] = {
    {"flask_sqlalchemy.SQLAlchemy", MODEL_FLASK_DB, 1},
    {"flask_sqlalchemy.extension.SQLAlchemy", MODEL_FLASK_DB, 1},
    {"httpx.Client", MODEL_HTTP_CLIENT, 1},
    {"httpx.AsyncClient", MODEL_HTTP_CLIENT, 1},
    {"httpx._client.Client", MODEL_HTTP_CLIENT, 1},
    {"httpx._client.AsyncClient", MODEL_HTTP_CLIENT, 1},
    {"requests.Session", MODEL_HTTP_CLIENT, 1},
    {"requests.sessions.Session", MODEL_HTTP_CLIENT, 1},
    {"requests.session", MODEL_HTTP_CLIENT, 0},
    {"aiohttp.ClientSession", MODEL_HTTP_CLIENT, 1},
    {"aiohttp.client.ClientSession", MODEL_HTTP_CLIENT, 1},
    {"urllib3.PoolManager", MODEL_HTTP_CLIENT, 1},
    {"asyncio.Task", MODEL_TASK, 1},
    {"asyncio.Future", MODEL_TASK, 1},
    {"asyncio.create_task", MODEL_TASK, 0},
    {"asyncio.ensure_future", MODEL_TASK, 0},
    {MODEL_LOOP ".create_task", MODEL_TASK, 0},
    {MODEL_LOOP ".create_future", MODEL_TASK, 0},
    {"asyncio.Event", MODEL_EVENT, 1},
    {"anyio.Event", MODEL_EVENT, 1},
    {"asyncio.Queue", MODEL_QUEUE, 1},
    {"asyncio.LifoQueue", MODEL_QUEUE, 1},
    {"asyncio.PriorityQueue", MODEL_QUEUE, 1},
    {"asyncio.AbstractEventLoop", MODEL_LOOP, 1},
    {"redis.Redis", MODEL_REDIS, 1},
    {"redis.StrictRedis", MODEL_REDIS, 1},
    {"redis.client.Redis", MODEL_REDIS, 1},
    {"redis.client.StrictRedis", MODEL_REDIS, 1},
    {"redis.from_url", MODEL_REDIS, 0},
    {"redis.Redis.from_url", MODEL_REDIS, 0},
    {"redis.asyncio.Redis", MODEL_REDIS, 1},
    {"redis.asyncio.StrictRedis", MODEL_REDIS, 1},
    {"redis.asyncio.client.Redis", MODEL_REDIS, 1},
    {"redis.asyncio.from_url", MODEL_REDIS, 0},
    {"redis.asyncio.Redis.from_url", MODEL_REDIS, 0},
    {"aioredis.Redis", MODEL_REDIS, 1},
    {"aioredis.from_url", MODEL_REDIS, 0},
    {MODEL_REDIS ".pubsub", MODEL_PUBSUB, 0},
    {"redis.client.PubSub", MODEL_PUBSUB, 1},
    {"redis.asyncio.client.PubSub", MODEL_PUBSUB, 1},
    {"asyncio.get_event_loop", MODEL_LOOP, 0},
    {"contextvars.ContextVar", MODEL_CONTEXTVAR, 0}, /* not typed by an annotation, which
                                                        would hide the call and its default */
    {"apscheduler.schedulers.base.BaseScheduler", MODEL_SCHEDULER, 1},
    {"apscheduler.schedulers.background.BackgroundScheduler", MODEL_SCHEDULER, 1},
    {"apscheduler.schedulers.blocking.BlockingScheduler", MODEL_SCHEDULER, 1},
    {"apscheduler.schedulers.asyncio.AsyncIOScheduler", MODEL_SCHEDULER, 1},
    {"apscheduler.schedulers.gevent.GeventScheduler", MODEL_SCHEDULER, 1},
    {"apscheduler.schedulers.tornado.TornadoScheduler", MODEL_SCHEDULER, 1},
    {"asyncio.get_running_loop", MODEL_LOOP, 0},
    {"asyncio.new_event_loop", MODEL_LOOP, 0},
    {"subprocess.Popen", MODEL_POPEN, 1},
    {"asyncio.subprocess.Process", MODEL_ASYNC_PROCESS, 1},
    {"asyncio.create_subprocess_exec", MODEL_ASYNC_PROCESS, 0},
    {"asyncio.create_subprocess_shell", MODEL_ASYNC_PROCESS, 0},
};

/* The methods of those objects that the model knows: what each gives.  The
 * method's name first: model_may_wait_method asks an index of it of every
 * method called. */
static const struct {
    const char *attr, *recv, *made;
} library_methods[] = {
    {"get", MODEL_HTTP_CLIENT, MODEL_HTTP_REQUEST},
    {"post", MODEL_HTTP_CLIENT, MODEL_HTTP_REQUEST},
    {"put", MODEL_HTTP_CLIENT, MODEL_HTTP_REQUEST},
    {"patch", MODEL_HTTP_CLIENT, MODEL_HTTP_REQUEST},
    {"delete", MODEL_HTTP_CLIENT, MODEL_HTTP_REQUEST},
    {"head", MODEL_HTTP_CLIENT, MODEL_HTTP_REQUEST},
    {"options", MODEL_HTTP_CLIENT, MODEL_HTTP_REQUEST},
    {"request", MODEL_HTTP_CLIENT, MODEL_HTTP_REQUEST},
    {"send", MODEL_HTTP_CLIENT, MODEL_HTTP_REQUEST},
    {"stream", MODEL_HTTP_CLIENT, MODEL_HTTP_REQUEST},
    {"urlopen", MODEL_HTTP_CLIENT, MODEL_HTTP_REQUEST},
    {"wait", MODEL_EVENT, MODEL_WORK_WAIT},
    {"get", MODEL_QUEUE, MODEL_WORK_WAIT},
    {"join", MODEL_QUEUE, MODEL_WORK_WAIT},
    {"xread", MODEL_REDIS, MODEL_BLOCKING_READ},
    {"xreadgroup", MODEL_REDIS, MODEL_BLOCKING_READ},
    {"blpop", MODEL_REDIS, MODEL_BLOCKING_READ},
    {"brpop", MODEL_REDIS, MODEL_BLOCKING_READ},
    {"brpoplpush", MODEL_REDIS, MODEL_BLOCKING_READ},
    {"blmove", MODEL_REDIS, MODEL_BLOCKING_READ},
    {"blmpop", MODEL_REDIS, MODEL_BLOCKING_READ},
    {"bzpopmin", MODEL_REDIS, MODEL_BLOCKING_READ},
    {"bzpopmax", MODEL_REDIS, MODEL_BLOCKING_READ},
    {"bzmpop", MODEL_REDIS, MODEL_BLOCKING_READ},
    {"pubsub", MODEL_REDIS, MODEL_REDIS ".pubsub"},
    {"listen", MODEL_PUBSUB, MODEL_BLOCKING_READ},
    {"get_message", MODEL_PUBSUB, MODEL_BLOCKING_READ},
    {"create_task", MODEL_LOOP, MODEL_LOOP ".create_task"},
    {"create_future", MODEL_LOOP, MODEL_LOOP ".create_future"},
    {"run_in_executor", MODEL_LOOP, MODEL_OFFLOAD_WAIT},
    {"wait", MODEL_POPEN, MODEL_PROCESS_WAIT},
    {"communicate", MODEL_POPEN, MODEL_PROCESS_WAIT},
    {"wait", MODEL_ASYNC_PROCESS, MODEL_PROCESS_AWAIT},
    {"communicate", MODEL_ASYNC_PROCESS, MODEL_PROCESS_AWAIT},
};

/* The object calling qual makes, classes only when only_classes. */
static const char *made_by(const char *qual, int only_classes)
{
    static QualIndex idx = QUALIDX(instances); /* asked of every name typed or called */
    int i = qualidx_find(&idx, qual);          /* each name is in the table once */
    return i >= 0 && (instances[i].is_class || !only_classes) ? instances[i].made : NULL;
}

Val model_library_instance(const char *qual)
{
    Val v = {VAL_UNKNOWN, 0, 0, NULL, 0, 0, NULL, 0, 0};
    if ((v.qual = made_by(qual, 0)) != NULL)
        v.tag = VAL_QUAL;
    return v;
}

Val model_library_attr(const Val *recv, const char *attr)
{
    Val v = {VAL_UNKNOWN, 0, 0, NULL, 0, 0, NULL, 0, 0};
    size_t n = recv->tag == VAL_QUAL && recv->qual ? strlen(recv->qual) : 0;
    if (!n || recv->qual[n - 1] != ')')
        return v; /* a library name (sqlalchemy.orm), not an object: the common case */
    for (size_t i = 0; i < sizeof library_methods / sizeof *library_methods; i++)
        if (!strcmp(library_methods[i].recv, recv->qual) && !strcmp(library_methods[i].attr, attr)) {
            v.tag = VAL_QUAL;
            v.qual = library_methods[i].made;
            return v;
        }
    if (strcmp(recv->qual, MODEL_FLASK_DB))
        return v;
    if (!strcmp(attr, "session")) { /* a scoped_session of the extension's sessionmaker */
        v.tag = VAL_FACTORY;
        v.kind = FAC_SCOPED;
        v.sub = SCOPED_FLASK;
    } else if (!strcmp(attr, "engine")) {
        v.tag = VAL_FACTORY;
        v.kind = FAC_ENGINE;
    } else if (!strcmp(attr, "Model")) {
        v.tag = VAL_QUAL;
        v.qual = MODEL_FLASK_MODEL;
    }
    return v;
}

/* Library calls that wait, by their names.  A sleep's length and an HTTP
 * request's count are the caller's to judge (flow_pool.c). */
static const char *const sleeps[] = {"asyncio.sleep", "time.sleep", "anyio.sleep",
                                     "trio.sleep", "gevent.sleep", NULL};
static const char *const http_modules[] = {"requests.", "httpx.", "aiohttp.", NULL};
static const char *const http_verbs[] = {"get", "post", "put", "patch", "delete", "head",
                                         "options", "request", "stream", NULL};
static const char *const work_waits[] = {MODEL_WORK_WAIT, "asyncio.wait", "asyncio.wait_for",
                                         "asyncio.tasks.wait", "asyncio.tasks.wait_for", NULL};
static const char *const process_waits[] = {MODEL_PROCESS_WAIT, "subprocess.run",
                                            "subprocess.call", "subprocess.check_call",
                                            "subprocess.check_output", NULL};
static const char *const offloads[] = {MODEL_OFFLOAD_WAIT, MODEL_PROCESS_AWAIT,
                                       "asyncio.to_thread", "asyncio.threads.to_thread",
                                       "anyio.to_thread.run_sync",
                                       "starlette.concurrency.run_in_threadpool",
                                       "fastapi.concurrency.run_in_threadpool", NULL};

int model_may_wait_method(const char *name)
{
    static const char *const also[] = {"wait_for", "shield", "pop", /* d.pop(k): a task */
                                       "to_thread", "run_sync", "run_in_threadpool", NULL};
    static QualIndex idx = QUALIDX(library_methods);
    return qualidx_find(&idx, name) >= 0 || ast_name_in(name, also);
}

ModelWait model_waits(const char *qual)
{
    if (ast_name_in(qual, sleeps))
        return MODEL_WAITS_SLEEP;
    if (!strcmp(qual, "urllib.request.urlopen") || !strcmp(qual, MODEL_HTTP_REQUEST))
        return MODEL_WAITS_HTTP;
    if (ast_name_in(qual, work_waits))
        return MODEL_WAITS_WORK;
    if (!strcmp(qual, MODEL_BLOCKING_READ))
        return MODEL_WAITS_READ;
    if (ast_name_in(qual, process_waits))
        return MODEL_WAITS_PROCESS;
    if (ast_name_in(qual, offloads))
        return MODEL_WAITS_OFFLOAD;
    for (int i = 0; http_modules[i]; i++) {
        size_t n = strlen(http_modules[i]);
        if (!strncmp(qual, http_modules[i], n) && !strchr(qual + n, '.') &&
            ast_name_in(qual + n, http_verbs))
            return MODEL_WAITS_HTTP;
    }
    return MODEL_WAITS_NONE;
}

int model_acquirer_kind(const char *qual)
{
    size_t n = qual ? strlen(qual) : 0;
    for (size_t i = 0; i < sizeof callables / sizeof *callables; i++) {
        if (callables[i].tag != VAL_RESOURCE)
            continue;
        size_t m = strlen(callables[i].qual);
        if (n >= m && !strcmp(qual + n - m, callables[i].qual) && (n == m || qual[n - m - 1] == '.'))
            return callables[i].kind;
    }
    return RES_NONE;
}

int model_known_library(const char *qual)
{
    static const char *const roots[] = {"sqlalchemy", "sqlmodel", "psycopg2", "psycopg",
                                        "psycopg_pool", "asyncpg", "fastapi", "starlette",
                                        "alembic", "flask_sqlalchemy"};
    for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) {
        size_t n = strlen(roots[i]);
        if (!strncmp(qual, roots[i], n) && (qual[n] == 0 || qual[n] == '.'))
            return 1;
    }
    return 0;
}

/* ---- custom resources ---- */

/* A custom kind that the run's table does not describe (a summary made
 * with another table): a plain resource. */
static const ResInfo user_fallback = {"resource", "release", 0, AFTER_RAISES, HARM_REDUNDANT, 0, 0};

static const ModelUserRes *user_row(const ModelUser *u, int kind)
{
    return u && kind >= RES_USER && kind - RES_USER < u->n ? &u->res[kind - RES_USER] : NULL;
}

static int in_list(const char *const *names, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (!strcmp(names[i], s))
            return 1;
    return 0;
}

const ResInfo *model_user_res(const ModelUser *u, int kind)
{
    if (kind < RES_USER)
        return model_res(kind);
    const ModelUserRes *r = user_row(u, kind);
    return r ? &r->info : &user_fallback;
}

Val model_user_call(const ModelUser *u, const Val *callee, const Node *call, const char *class_qual,
                    const Val *bind)
{
    for (int i = 0; u && callee->qual && i < u->n; i++) /* a library's, or a project's def */
        if (in_list(u->res[i].acquire, u->res[i].nacquire, callee->qual)) {
            Val v = {VAL_RESOURCE, (unsigned char)(RES_USER + i), 0, NULL, 0, 0, NULL, 0, 0};
            return v;
        }
    return model_call(callee, call, class_qual, bind);
}

MethodEffect model_user_method(const ModelUser *u, const Val *recv, const char *method, Val *made,
                               int *in_with_only)
{
    if (recv->tag != VAL_RESOURCE || recv->kind < RES_USER)
        return model_method(recv, method, made, in_with_only);
    *in_with_only = 0;
    const ModelUserRes *r = user_row(u, recv->kind);
    if (r && in_list(r->release, r->nrelease, method))
        return EFF_RELEASE;
    if (!r || !r->nuse || in_list(r->use, r->nuse, method))
        return EFF_USE;
    return EFF_SAFE; /* a method the resource's `use` list leaves out */
}

int model_user_with(const ModelUser *u, const Val *v, const Val *recv, const char *method,
                    Val *value)
{
    int user_recv = recv && recv->tag == VAL_RESOURCE && recv->kind >= RES_USER;
    if (v->tag == VAL_RESOURCE && v->kind >= RES_USER && !(method && user_recv)) {
        *value = *v;
        return model_user_res(u, v->kind)->with_releases;
    }
    return model_with(v, recv, method, value);
}

int model_user_releases_arg(const ModelUser *u, const Val *callee)
{
    for (int i = 0; u && callee->qual && i < u->n; i++)
        if (in_list(u->res[i].release_fn, u->res[i].nrelease_fn, callee->qual))
            return 1;
    return 0;
}

/* Is qual the name q or a dotted prefix of it? */
static int leads_to(const char *qual, const char *q)
{
    size_t n = strlen(qual);
    return !strncmp(q, qual, n) && (q[n] == 0 || q[n] == '.');
}

int model_user_known(const ModelUser *u, const char *qual)
{
    for (int i = 0; u && qual && i < u->n; i++) {
        const ModelUserRes *r = &u->res[i];
        for (int k = 0; k < r->nacquire; k++)
            if (leads_to(qual, r->acquire[k]))
                return 1;
        for (int k = 0; k < r->nrelease_fn; k++)
            if (leads_to(qual, r->release_fn[k]))
                return 1;
    }
    return 0;
}

int model_caches(const char *qual)
{
    return !strcmp(qual, "functools.lru_cache") || !strcmp(qual, "functools.cache") ||
           !strcmp(qual, "async_lru.alru_cache");
}

int model_is_fixture(const char *qual)
{
    return !strncmp(qual, "pytest", 6) && strstr(qual, "fixture") != NULL;
}

/* The record classes' makers (their documentation: dataclasses, attrs'
 * "API Reference", typing.NamedTuple, pydantic's Models). */
static const struct {
    const char *qual;
    unsigned char kind;
} record_makers[] = {
    {"dataclasses.dataclass", MODEL_REC_DATACLASS},
    {"pydantic.dataclasses.dataclass", MODEL_REC_DATACLASS},
    {"attr.s", MODEL_REC_ATTRS},
    {"attr.attrs", MODEL_REC_ATTRS},
    {"attr.define", MODEL_REC_ATTRS},
    {"attr.frozen", MODEL_REC_ATTRS},
    {"attr.mutable", MODEL_REC_ATTRS},
    {"attrs.define", MODEL_REC_ATTRS},
    {"attrs.frozen", MODEL_REC_ATTRS},
    {"attrs.mutable", MODEL_REC_ATTRS},
    {"typing.NamedTuple", MODEL_REC_TUPLE},
    {"typing_extensions.NamedTuple", MODEL_REC_TUPLE},
    {"pydantic.BaseModel", MODEL_REC_KEYWORDS},
    {"pydantic.main.BaseModel", MODEL_REC_KEYWORDS},
    {"pydantic.v1.BaseModel", MODEL_REC_KEYWORDS},
    {"pydantic_settings.BaseSettings", MODEL_REC_KEYWORDS},
    {"sqlmodel.SQLModel", MODEL_REC_KEYWORDS},
};

int model_record_class(const char *qual)
{
    for (size_t i = 0; qual && i < sizeof record_makers / sizeof *record_makers; i++)
        if (!strcmp(qual, record_makers[i].qual))
            return record_makers[i].kind;
    return MODEL_REC_NONE;
}

int model_field_spec(const char *qual)
{
    static const char *const specs[] = {"dataclasses.field", "attr.ib", "attr.attrib",
                                        "attr.field", "attrs.field", "pydantic.Field",
                                        "pydantic.fields.Field", "sqlmodel.Field", NULL};
    for (int i = 0; qual && specs[i]; i++)
        if (!strcmp(qual, specs[i]))
            return 1;
    return 0;
}

int model_field_factory(const char *qual)
{
    return qual && (!strcmp(qual, "attr.Factory") || !strcmp(qual, "attrs.Factory"));
}

/* SQLAlchemy's event hooks: what the listener of an event is handed, by
 * position (docs: ORM Events, Core Events).  Sessions and connections
 * that SQLAlchemy owns for the length of the call. */
static const struct {
    const char *event;
    unsigned char index, kind;
} listener_params[] = {
    {"before_flush", 0, RES_SESSION},         {"after_flush", 0, RES_SESSION},
    {"after_flush_postexec", 0, RES_SESSION}, {"before_commit", 0, RES_SESSION},
    {"after_commit", 0, RES_SESSION},         {"after_rollback", 0, RES_SESSION},
    {"after_soft_rollback", 0, RES_SESSION},  {"after_begin", 0, RES_SESSION},
    {"after_begin", 2, RES_CONNECTION},       {"after_transaction_create", 0, RES_SESSION},
    {"after_transaction_end", 0, RES_SESSION}, {"after_attach", 0, RES_SESSION},
    {"before_attach", 0, RES_SESSION},        {"before_insert", 1, RES_CONNECTION},
    {"after_insert", 1, RES_CONNECTION},      {"before_update", 1, RES_CONNECTION},
    {"after_update", 1, RES_CONNECTION},      {"before_delete", 1, RES_CONNECTION},
    {"after_delete", 1, RES_CONNECTION},      {"before_execute", 0, RES_CONNECTION},
    {"after_execute", 0, RES_CONNECTION},     {"before_cursor_execute", 0, RES_CONNECTION},
    {"after_cursor_execute", 0, RES_CONNECTION}, {"engine_connect", 0, RES_CONNECTION},
    {"begin", 0, RES_CONNECTION},             {"commit", 0, RES_CONNECTION},
    {"rollback", 0, RES_CONNECTION},
};

Val model_listener_param(const char *event, int index)
{
    Val v = {VAL_UNKNOWN, 0, 0, NULL, 0, 0, NULL, 0, 0};
    for (size_t i = 0; event && i < sizeof listener_params / sizeof *listener_params; i++)
        if (listener_params[i].index == index && !strcmp(listener_params[i].event, event)) {
            v.tag = VAL_RESOURCE;
            v.kind = listener_params[i].kind;
        }
    return v;
}

/* SQLAlchemy's Dialect API (sqlalchemy.engine.interfaces.Dialect, docs:
 * Internals, Dialect): the methods SQLAlchemy calls with one of its own
 * Connections right after self.  A project's dialect that overrides them
 * borrows that connection for the call.  The do_commit/do_rollback family
 * and the isolation-level methods are handed a DBAPI connection instead,
 * and are not listed. */
static const char *const dialect_conn_methods[] = {
    "initialize", "_get_server_version_info", "_get_default_schema_name",
    "get_columns", "get_multi_columns", "get_pk_constraint", "get_multi_pk_constraint",
    "get_foreign_keys", "get_multi_foreign_keys", "get_table_names", "get_temp_table_names",
    "get_view_names", "get_materialized_view_names", "get_sequence_names",
    "get_temp_view_names", "get_schema_names", "get_view_definition", "get_indexes",
    "get_multi_indexes", "get_unique_constraints", "get_multi_unique_constraints",
    "get_check_constraints", "get_multi_check_constraints", "get_table_options",
    "get_multi_table_options", "get_table_comment", "get_multi_table_comment", "has_table",
    "has_index", "has_sequence", "has_schema", "do_begin_twophase", "do_prepare_twophase",
    "do_rollback_twophase", "do_commit_twophase", "do_recover_twophase", "do_savepoint",
    "do_rollback_to_savepoint", "do_release_savepoint",
};

/* Is qual one of SQLAlchemy's dialect classes (the interface, the default
 * dialect, a bundled one: sqlalchemy.dialects.postgresql.base.PGDialect)? */
static int is_dialect_class(const char *qual)
{
    if (strncmp(qual, "sqlalchemy.", 11))
        return 0;
    const char *last = strrchr(qual, '.');
    return strstr(last, "Dialect") != NULL;
}

Val model_override_param(const char *base, const char *method, int index)
{
    Val v = {VAL_UNKNOWN, 0, 0, NULL, 0, 0, NULL, 0, 0};
    if (!base || !method || index != 1 || !is_dialect_class(base))
        return v;
    for (size_t i = 0; i < sizeof dialect_conn_methods / sizeof *dialect_conn_methods; i++)
        if (!strcmp(dialect_conn_methods[i], method)) {
            v.tag = VAL_RESOURCE;
            v.kind = RES_CONNECTION;
        }
    return v;
}

int model_is_listener_decorator(const char *qual)
{
    return qual && (!strcmp(qual, "sqlalchemy.event.listens_for") ||
                    !strcmp(qual, "sqlalchemy.event.api.listens_for"));
}

const Node *model_selected_entity(const Node *e)
{
    while (e && e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute)
        e = e->v.Call.func->v.Attribute.value; /* select(User).where(...).limit(1) */
    if (e && e->kind == NODE_Call && e->v.Call.func->kind == NODE_Name &&
        !strcmp(e->v.Call.func->v.Name.id, "select") && e->v.Call.args.n > 0)
        e = e->v.Call.args.items[0];
    return e && e->kind == NODE_Name && e->v.Name.id[0] >= 'A' && e->v.Name.id[0] <= 'Z' ? e
                                                                                        : NULL;
}
