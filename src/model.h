/*
 * model.h - the resource model: which calls acquire a database resource,
 * which operations release it, which merely use it, and how harmful a use
 * after release or a second release is.  One table of data (model.c), read
 * by the dataflow; the rules take their severities from it.
 *
 * Values are abstracted to what the model cares about: a known library
 * name ("sqlalchemy.orm.sessionmaker"), a factory (an engine, a
 * sessionmaker, a pool: they make resources but are not released), or a
 * resource of some kind.  Everything else is VAL_UNKNOWN.
 *
 * The table is immutable static data: every function here is pure and
 * thread-safe.
 */
#ifndef SL_MODEL_H
#define SL_MODEL_H

#include "ast.h"

typedef enum ResKind {
    RES_NONE,
    RES_SESSION,     /* SQLAlchemy / SQLModel Session, AsyncSession */
    RES_CONNECTION,  /* SQLAlchemy Connection, AsyncConnection */
    RES_DBAPI,       /* psycopg2 connection, engine.raw_connection() */
    RES_PGCONN,      /* psycopg 3 connection, asyncpg connection */
    RES_POOLED,      /* psycopg2 pool / psycopg_pool connection from getconn() */
    RES_APOOLED,     /* asyncpg pool connection from acquire() */
    RES_CURSOR,      /* DB-API cursor */
    RES_RESULT,      /* the Result of a sync SQLAlchemy connection's or session's execute():
                        needs no release, but reads its rows from the connection's DB-API
                        cursor, so it dies with the connection (flow_calls.c result_of) */
    RES_ANY,         /* a parameter of unknown kind, while computing a summary */
    RES__COUNT
} ResKind;

typedef enum FactoryKind {
    FAC_NONE,
    FAC_ENGINE,       /* create_engine / create_async_engine */
    FAC_SESSIONMAKER, /* sessionmaker / async_sessionmaker */
    FAC_SCOPED,       /* scoped_session registry: owns its sessions */
    FAC_PG2POOL,      /* psycopg2.pool.*ConnectionPool */
    FAC_PGPOOL,       /* psycopg_pool.ConnectionPool / AsyncConnectionPool */
    FAC_APGPOOL,      /* asyncpg.create_pool */
    FAC_EXITSTACK,    /* contextlib.ExitStack / AsyncExitStack */
    FAC_EXECUTOR,     /* concurrent.futures thread and process pools: run work beside us */
    FAC_TASKGROUP,    /* asyncio.TaskGroup, anyio task groups: tasks end with the block */
    FAC_GENERATOR,    /* a generator object whose next() lends a resource (sub: its kind) */
    FAC_GENFUNC,      /* a callable that makes such generators: Callable[[], Generator[X]] */
    FAC__COUNT
} FactoryKind;

/* What a second release does. */
typedef enum Harm {
    HARM_NONE,       /* a no-op: not reported */
    HARM_REDUNDANT,  /* idempotent: SL106, off by default */
    HARM_DOUBLE,     /* harmful: SL101 */
} Harm;

/* What a use after release does. */
typedef enum AfterRelease {
    AFTER_REOPENS,   /* a session checks out a new connection nobody releases */
    AFTER_RAISES,    /* the object raises (ResourceClosedError, InterfaceError) */
    AFTER_SHARED,    /* the pool may already have handed it to another request */
} AfterRelease;

typedef struct ResInfo {
    const char *noun;       /* "session", "connection", "pooled connection", "cursor" */
    const char *release;    /* how it is released, for messages: "close()", "putconn()" */
    unsigned char with_releases; /* `with x:` / `async with x:` releases it at exit */
    unsigned char after;    /* AfterRelease */
    unsigned char twice;    /* Harm of a second release */
    unsigned char closed_frees; /* a state test saying it is closed (`conn.closed`,
                                   `conn.is_closed()`) means nothing is left to release;
                                   not so for a pooled connection, whose pool slot waits
                                   for putconn() however broken the connection is */
    unsigned char release_ends_txn; /* its release ends the transaction it is in, failed
                                       or not: a close ends the connection's, and a put-back
                                       rolls back (psycopg2's putconn() and psycopg_pool's
                                       when not idle, SQLAlchemy's reset on return at a
                                       Connection's or Session's close, asyncpg's release) */
} ResInfo;

/*
 * VAL_FOREIGN: a database object the model knows it does not follow, such
 * as a SQLite connection (in-process: nothing pooled to leak).  The project's
 * own values (value.h): VAL_OBJECT an instance of one of its classes,
 * VAL_CLASS the class itself, VAL_FUNC one of its functions, VAL_FUNCS a
 * dispatch table: a dict, list or tuple literal (node) whose values are all
 * functions of the project, or one of them (sub: FUNCS_*).
 */
typedef enum ValTag {
    VAL_UNKNOWN, VAL_QUAL, VAL_FACTORY, VAL_RESOURCE, VAL_FOREIGN,
    VAL_OBJECT, VAL_CLASS, VAL_FUNC, VAL_FUNCS,
} ValTag;

/* What a VAL_FUNCS is (Val.sub). */
enum {
    FUNCS_TABLE, /* the literal itself */
    FUNCS_EACH,  /* one of its functions, each in its turn (`for f in d.values()`) */
    FUNCS_ONE,   /* one of its functions, picked by a key we do not know (`d[kind]`) */
};

typedef struct Val {
    unsigned char tag;  /* ValTag */
    unsigned char kind; /* FactoryKind or ResKind */
    unsigned char is_async;
    const char *qual;   /* VAL_QUAL: the dotted name; VAL_FUNC, VAL_CLASS: the def's, if any */
    unsigned char sub;  /* FAC_GENERATOR, FAC_GENFUNC: the ResKind the generator yields;
                           VAL_FUNCS: FUNCS_*;
                           FAC_SCOPED: SCOPED_THREAD, SCOPED_OWN (a scopefunc or the task,
                           not the thread), SCOPED_FLASK (Flask-SQLAlchemy's db.session)
                           or SCOPED_SHARED (a scopefunc whose key outside a scope is one
                           constant);
                           FAC_ENGINE, RES_CONNECTION: 1 if made with future=True (2.0 mode);
                           RES_PGCONN: 1 if psycopg 3's (statements serialize behind a lock);
                           RES_POOLED: 1 if a psycopg2 pool's (not psycopg_pool's) */
    unsigned char scope_fn; /* VAL_RESOURCE lent by a provider: Depends(..., scope="function") */
    const struct Node *node; /* VAL_OBJECT, VAL_CLASS: the ClassDef; VAL_FUNC: the def;
                                VAL_FUNCS: the Dict, List or Tuple;
                                FAC_SCOPED: the scoped_session(...) call, if known;
                                VAL_RESOURCE: the FastAPI provider (a def) that lends it,
                                or NULL; FAC_GENERATOR: the generator function, or NULL */
    unsigned char fresh; /* VAL_RESOURCE: made by the code that holds it (an acquisition
                            there, or a function's fresh return), not read from a
                            parameter, a global or an attribute (value.h) */
    unsigned char once;  /* VAL_RESOURCE: the one object of the process that a module-level
                            name or a class attribute holds (made there, once), however
                            it is read: the name, `Cls.attr`, `self.attr` of an instance
                            that keeps none of its own (value.h); VAL_OBJECT, VAL_FACTORY:
                            one object of the process too (an instance a module-level name
                            holds, an @lru_cache'd function returns, or such an object's
                            attribute: `get_manager().registry`) */
} Val;

/* What a FAC_SCOPED registry's sessions are keyed by (Val.sub). */
enum {
    SCOPED_THREAD, /* the thread (threading.local): scoped_session's default */
    SCOPED_OWN,    /* its scopefunc, or the task (async_scoped_session) */
    SCOPED_FLASK,  /* Flask-SQLAlchemy's db.session: the thread (or greenlet) before 3.0,
                      the application context from 3.0 (its teardown removes it) */
    SCOPED_SHARED, /* its scopefunc, whose key is one constant outside the scopes that set
                      it (`lambda: ""`, a ContextVar's constant default): every thread and
                      task that calls it outside a scope gets one session (value.c) */
};

/* The table row of a resource kind. */
const ResInfo *model_res(int kind);

/*
 * What calling callee gives, where callee is the value of the call's
 * function expression: a factory, a resource (an acquisition), a library
 * name, or unknown.  call is the Call node (its keywords are read, e.g.
 * sessionmaker(class_=AsyncSession)); class_qual is the qualified name of
 * its class_= argument, or NULL; bind the value of its bind (or first
 * positional) argument, or NULL.  A Session built directly on something
 * other than a known engine (a connection, op.get_bind()) does not own a
 * pooled connection: it is not a resource.
 */
Val model_call(const Val *callee, const Node *call, const char *class_qual, const Val *bind);

typedef enum MethodEffect {
    EFF_NONE,        /* not something the model knows */
    EFF_USE,         /* uses the receiver (a query, a commit, a fetch) */
    EFF_SAFE,        /* harmless even after release (a state check) */
    EFF_RELEASE,     /* releases the receiver: close() */
    EFF_RELEASE_ARG, /* releases its first argument: pool.putconn(c), pool.release(c) */
    EFF_ACQUIRE,     /* returns a new resource: conn.cursor(), engine.connect() */
    EFF_SELF,        /* returns the receiver itself: conn.execution_options(...) */
} MethodEffect;

/*
 * The effect of calling recv.method(...).  For EFF_ACQUIRE, *made gets the
 * new resource's value; *in_with_only is set when the method acquires only
 * as a context manager (engine.begin(), pool.connection()).
 */
MethodEffect model_method(const Val *recv, const char *method, Val *made, int *in_with_only);

/* The connection an EFF_RELEASE_ARG call gives back: its first positional
 * argument, or the keyword the libraries name it by (psycopg2's and
 * psycopg_pool's `putconn(conn=c)`, asyncpg's `release(connection=c)`);
 * NULL if none. */
const Node *model_released_arg(const Node *call);

/*
 * Is the call recv.method(...) (call) a checkout under a key that stays the
 * same for the process or the thread (psycopg2's `pool.getconn(key=
 * os.getpid())`)?  Such a call hands back the key's one connection, meant
 * to stay out for the process's life: not a fresh acquisition to release.
 * Names in the key are looked up in scope s of table t.  Pure.
 */
struct ScopeTable;
struct Scope;
int model_keyed_for_life(const Val *recv, const char *method, const Node *call,
                         const struct ScopeTable *t, const struct Scope *s);

/*
 * `with E as x` where E has value v: does leaving the block release x (or
 * E itself, for `with resource:`)?  *value receives what x is bound to.
 * For a method call E = recv.m(), pass recv's value and m; else m = NULL.
 */
int model_with(const Val *v, const Val *recv, const char *method, Val *value);

/*
 * What a value annotated with the type qual is: `pool: asyncpg.Pool` is an
 * asyncpg pool, `db: Session` a session.  VAL_UNKNOWN for other types.
 */
Val model_type(const char *qual);

/* Is qual a call that runs its first argument with the rest and returns
 * its result to a caller that waits (run_in_threadpool, asyncio.to_thread)? */
int model_calls_through(const char *qual);
/* Could callee (a name or an attribute) be one, by its last name?  A cheap
 * question before the qualified name is worked out. */
int model_may_call_through(const Node *callee);

/* An engine made with poolclass=NullPool (call: the create_engine(...)
 * call): no pool, each connection closed when it is given back. */
int model_unpooled(const Node *call);

/* The name an `async with` binds to a task group it makes (asyncio's
 * TaskGroup, anyio's create_task_group), or NULL. */
const char *model_task_group(const Node *async_with);

/* Is qual a library function that calls the function given as its
 * argument *callback with a resource it makes from argument *from
 * (sqlalchemy_cockroachdb.run_transaction)?  model_callback_arg: what the
 * callback is handed for a `from` argument holding from (a session for a
 * sessionmaker, a connection for an engine), lent for the call. */
int model_runs_callback(const char *qual, int *from, int *callback);
Val model_callback_arg(Val from);

/* An object a library keeps at module level, by its qualified name:
 * sqlalchemy.testing.db is an engine.  VAL_UNKNOWN for other names. */
Val model_library_object(const char *qual);

/*
 * Flask-SQLAlchemy.  model_library_instance: what calling the library class
 * qual makes, when the model knows it as an object with parts (an instance
 * of flask_sqlalchemy.SQLAlchemy: VAL_QUAL MODEL_FLASK_DB); unknown
 * otherwise.  model_library_attr: the part attr of such an object
 * (`db.session`, a SCOPED_FLASK registry; `db.engine`; `db.Model`,
 * VAL_QUAL MODEL_FLASK_MODEL, whose subclasses' `query` uses db.session).
 */
#define MODEL_FLASK_DB "flask_sqlalchemy.SQLAlchemy()"
#define MODEL_FLASK_MODEL "flask_sqlalchemy.Model"
Val model_library_instance(const char *qual);
Val model_library_attr(const Val *recv, const char *attr);

/*
 * Objects that wait on something outside the code that holds them, known
 * the same way (VAL_QUAL, made by model_library_instance from the class or
 * the function that makes one, typed by model_type from an annotation; their
 * methods are model_library_attr's): an HTTP client (httpx.Client and
 * AsyncClient, requests.Session, aiohttp.ClientSession, urllib3.PoolManager),
 * whose request methods are VAL_QUAL MODEL_HTTP_REQUEST; asyncio's Task
 * (create_task(), ensure_future(), a loop's create_task()), Event and Queue,
 * whose wait(), get() and join() are VAL_QUAL MODEL_WORK_WAIT; a Redis
 * client (redis-py's Redis, sync or redis.asyncio, from_url(); aioredis)
 * and its PubSub, whose blocking reads (xread, xreadgroup, the b*pop
 * family, listen(), get_message()) are VAL_QUAL MODEL_BLOCKING_READ: whether
 * one blocks, and how long, its arguments say (flow_ask.c: fq_read_blocks).
 */
#define MODEL_HTTP_CLIENT "(HTTP client)"
#define MODEL_HTTP_REQUEST "(HTTP client).request"
#define MODEL_TASK "asyncio.Task()"
#define MODEL_EVENT "asyncio.Event()"
#define MODEL_QUEUE "asyncio.Queue()"
#define MODEL_LOOP "asyncio.AbstractEventLoop()"
#define MODEL_WORK_WAIT "(wait for other work)"
#define MODEL_REDIS "redis.Redis()"
#define MODEL_PUBSUB "redis.client.PubSub()"
#define MODEL_BLOCKING_READ "(blocking read)"
#define MODEL_POPEN "subprocess.Popen()"
#define MODEL_ASYNC_PROCESS "asyncio.subprocess.Process()"
#define MODEL_PROCESS_WAIT "(wait for a child process)"
#define MODEL_OFFLOAD_WAIT "(wait for work handed elsewhere)"
#define MODEL_PROCESS_AWAIT "(await a child process)"

/* Two more known the same way, for what runs where: a ContextVar (VAL_QUAL
 * MODEL_CONTEXTVAR; value.c keeps in Val.node the ContextVar(...) call that
 * made it, whose default= is what get() gives outside a scope), and an
 * APScheduler 3 scheduler (MODEL_SCHEDULER: its add_job(f) and
 * @scheduled_job run f on its executor's threads, sharing.c). */
#define MODEL_CONTEXTVAR "contextvars.ContextVar()"
#define MODEL_SCHEDULER "apscheduler.schedulers.base.BaseScheduler()"

/* What a call of the library function qual waits on (FlowSummary.waits'
 * facts, flow_pool.c): a sleep, an HTTP request (a module function of an
 * HTTP library, a client's request method), other work (an event, a
 * queue, asyncio.wait() and wait_for(): a task), a blocking read of a
 * server another process writes to (Redis), a child process the call runs
 * to its end (subprocess.run/call/check_call/check_output, a Popen's
 * wait() and communicate()), work the coroutine it returns hands to
 * another thread or process and waits for when awaited (a loop's
 * run_in_executor, asyncio.to_thread, anyio's to_thread.run_sync,
 * Starlette's run_in_threadpool, an asyncio subprocess's wait() and
 * communicate()), or nothing. */
typedef enum ModelWait { MODEL_WAITS_NONE, MODEL_WAITS_SLEEP, MODEL_WAITS_HTTP,
                         MODEL_WAITS_WORK, MODEL_WAITS_READ, MODEL_WAITS_PROCESS,
                         MODEL_WAITS_OFFLOAD } ModelWait;
ModelWait model_waits(const char *qual);
/* Could a method or function named name be one of those waits, or a
 * client's request (a cheap question before any value is worked out)? */
int model_may_wait_method(const char *name);

/*
 * The resource a parameter annotated with the type qual holds
 * (`db: AsyncSession`, `conn: asyncpg.Connection`); VAL_UNKNOWN for other
 * types.  Whose it is, the annotation does not say.
 */
Val model_resource_type(const char *qual);

/*
 * The resource kind a call of the library function qual makes, also when
 * qual reaches it through another module ("app.db.asyncpg.connect", as
 * mock.patch targets name it); RES_NONE if it makes none.
 */
int model_acquirer_kind(const char *qual);

/* Is qual a decorator that caches what the function returns
 * (functools.lru_cache, functools.cache)? */
int model_caches(const char *qual);

/* Is qual a pytest fixture decorator (pytest.fixture, pytest_asyncio.fixture)? */
int model_is_fixture(const char *qual);

/*
 * Record classes: classes whose library generates their __init__ from the
 * fields their body declares.  model_record_class: what the class decorator
 * or base class qual makes of it (MODEL_REC_*: dataclasses' and pydantic's
 * @dataclass, attrs' @define/@frozen/@attr.s, typing.NamedTuple, pydantic's
 * BaseModel and its kin, whose __init__ takes keywords only), or
 * MODEL_REC_NONE.  model_field_spec: is qual a field specifier whose
 * keywords say the field's default, default factory and init
 * (dataclasses.field, attr.ib, attrs.field, pydantic.Field)?
 * model_field_factory: is qual attrs' `Factory` (a default made per
 * instance by calling its argument)?
 */
enum { MODEL_REC_NONE, MODEL_REC_DATACLASS, MODEL_REC_ATTRS, MODEL_REC_TUPLE, MODEL_REC_KEYWORDS };
int model_record_class(const char *qual);
int model_field_spec(const char *qual);
int model_field_factory(const char *qual);

/*
 * A listener of SQLAlchemy's event `event` (`@event.listens_for(Session,
 * "before_flush")`): what its parameter at index is handed (the session of
 * a session event, the connection of a mapper or connection event, owned by
 * SQLAlchemy for the call), or unknown.  model_is_listener_decorator: is
 * qual the decorator that registers one?
 */
Val model_listener_param(const char *event, int index);
int model_is_listener_decorator(const char *qual);

/*
 * What a library class hands the parameter at index (self: 0) of a method
 * that a project's subclass of base overrides, where the library's API
 * says: SQLAlchemy's dialects are handed a Connection they borrow
 * (`get_table_names(self, connection, ...)`).  Unknown otherwise.
 */
Val model_override_param(const char *base, const char *method, int index);

/* Is qual a library the model knows (so its module is worth analyzing)? */
int model_known_library(const char *qual);

/* ---- the project's own resources ([tool.sessionlint.resources.NAME]) ---- */

#define MODEL_MAX_USER 8     /* custom resource kinds in one run at most */
#define RES_USER RES__COUNT  /* RES_USER + i: the i-th custom resource kind */

/* One custom resource kind, from the configuration (config.c). */
typedef struct ModelUserRes {
    const char *name;              /* NAME of its table */
    ResInfo info;                  /* its row: noun, release text, with, after, twice */
    const char *const *acquire;    /* qualified names of calls that return a new one */
    int nacquire;
    const char *const *release_fn; /* qualified names of calls that release their first
                                      argument: myapp.db.release_conn(c) */
    int nrelease_fn;
    const char *const *release;    /* methods that release it: c.close() */
    int nrelease;
    const char *const *use;        /* methods that use it; when nuse is 0, every method
                                      that does not release it uses it */
    int nuse;
} ModelUserRes;

/* The custom kinds of a run: built before the analysis, read-only after,
 * reached through ProjectFacts.model and FlowEnv.model. */
typedef struct ModelUser {
    ModelUserRes res[MODEL_MAX_USER];
    int n;
} ModelUser;

/* The functions below are those above with the custom kinds of u added
 * (u may be NULL: the built-in table alone).  Pure and thread-safe. */

/* model_res, for built-in and custom kinds. */
const ResInfo *model_user_res(const ModelUser *u, int kind);
/* model_call: a call of a custom acquire name makes a custom resource. */
Val model_user_call(const ModelUser *u, const Val *callee, const Node *call, const char *class_qual,
                    const Val *bind);
/* model_method: a custom resource's release and use methods. */
MethodEffect model_user_method(const ModelUser *u, const Val *recv, const char *method, Val *made,
                               int *in_with_only);
/* model_with: `with` releases a custom resource when its with-releases says so. */
int model_user_with(const ModelUser *u, const Val *v, const Val *recv, const char *method,
                    Val *value);
/* Does calling callee (a VAL_QUAL) release its first argument, as a custom
 * release function? */
int model_user_releases_arg(const ModelUser *u, const Val *callee);
/* Does the module or name qual lead to a custom acquire or release name
 * ("myapp.db" for "myapp.db.get_conn"), so that a file importing or
 * defining it is worth analyzing? */
int model_user_known(const ModelUser *u, const char *qual);

/* Is e the selection of a mapped class: `select(User)...`, or a class name
 * itself (`s.get(User, i)`, `s.query(User)`), spelt like a class?  That name;
 * NULL for a column or a table, which give values or rows, not objects. */
const Node *model_selected_entity(const Node *e);

#endif
