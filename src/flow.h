/*
 * flow.h - the typestate dataflow: follows every resource a function
 * acquires (model.h) along every path of its control-flow graph (cfg.h),
 * exceptional paths included, and reports what goes wrong with the path
 * that makes it go wrong.
 *
 * Each program point holds a small set of disjuncts (FLOW_MAX_PATHS); a
 * disjunct knows, per resource, whether it is open, released or handed off,
 * which local names hold which resource, what boolean flags are known on
 * this path (so `if own: s.close()` pairs with `if own: s = Session()`),
 * and the events that led there (the witness).  Beyond the cap, disjuncts
 * that agree on every resource's state, the pending work and the names that
 * hold resources are merged: the flags and plain names they disagree on
 * become unknown.  Only a disjunct that differs from all the others in a
 * resource's state is dropped when the cap is full (docs/design.md says
 * what that approximates).  Callees are known by their summaries; unknown
 * callees borrow what they are given without releasing it.
 */
#ifndef SL_FLOW_H
#define SL_FLOW_H

#include "arena.h"
#include "ast.h"
#include "cfg.h"
#include "model.h"
#include "scope.h"
#include "source.h"

#define FLOW_MAX_PATHS 8     /* disjuncts kept per program point */
#define FLOW_MAX_RES 16      /* resources followed per function */
#define FLOW_MAX_VARS 32     /* local names that can hold them */
#define FLOW_STATE_POOLS 4   /* application state keys one function's pools come from */
#define FLOW_MAX_FLAGS 16    /* boolean flags followed per path */
#define FLOW_MAX_EVENTS 12   /* witness steps kept per resource */
#define FLOW_MAX_JOBS 4      /* pending background work followed per path */
#define FLOW_TUPLE_MAX 4     /* positions of a returned tuple a summary describes */
#define FLOW_MAX_COND 2      /* parameters a summary keeps as deciding its effects (cond) */
#define FLOW_TUPLE_MIXED 255 /* FlowSummary.tuple_n: returns of different lengths */

typedef enum FlowProblem {
    FLOW_DOUBLE_RELEASE,  /* released again: severity from the model's Harm */
    FLOW_USE_AFTER,       /* used after release */
    FLOW_LEAK,            /* open when the function exits on some path */
    FLOW_LEAK_AT_YIELD,   /* open at a yield whose thrown exception skips the release */
    FLOW_RELEASE_BORROWED, /* released by a borrower whose owner still uses or releases it */
    FLOW_OUTLIVES,        /* handed to work that runs after its owner releases it */
    FLOW_CONCURRENT,      /* used by work that runs at the same time as other use of it */
    FLOW_HELD_BY_STREAM,  /* borrowed, holding its connection while a streamed body runs */
    FLOW_NESTED_CHECKOUT, /* holding a pooled connection while a second one of the same
                             pool is taken (flow_pool.c) */
    FLOW_HELD_WAIT,       /* holding a pooled connection while it sleeps, waits on an
                             HTTP request or on other work (flow_pool.c) */
} FlowProblem;

/* What a wait is (FlowSummary.waits, bits). */
enum {
    WAIT_SLEEP = 1,    /* a sleep that lasts */
    WAIT_HTTP = 2,     /* an HTTP request, on some path */
    WAIT_HTTP_SURE = 4, /* ... made whenever it runs (under no condition; in a loop, per item) */
    WAIT_SLEEP_SURE = 8, /* a sleep that lasts, whenever it runs */
    WAIT_WORK = 16,      /* a wait that lasts for other work: a task, an event, a queue */
    WAIT_WORK_SURE = 32  /* ... whenever it runs */
};

/* Work that runs apart from the function that starts it. */
typedef enum FlowJob {
    JOB_NONE,
    JOB_BACKGROUND, /* a background task: BackgroundTasks.add_task, BackgroundTask(...) */
    JOB_STREAM,     /* a streamed response body: StreamingResponse(gen) */
    JOB_TASK,       /* an asyncio task: create_task, ensure_future, TaskGroup */
    JOB_THREAD,     /* a thread or an executor job */
    JOB_CORO,       /* coroutines made and kept, not started yet (gathered later) */
    JOB_CALLBACK,   /* a callback Tornado's IOLoop runs after the current one returned */
} FlowJob;

typedef struct FlowEvent {
    const char *path;     /* the file, when not the function's own (a provider elsewhere) */
    int line, col;        /* where (1-based line, 0-based byte column) */
    const char *note;     /* "session acquired here" */
} FlowEvent;

typedef struct FlowReport {
    int problem;          /* FlowProblem */
    int res_kind;         /* ResKind of the resource */
    int res_sub;          /* its Val.sub (model.h): psycopg 3's connection, a 2.0-mode one */
    const ResInfo *res;   /* the model's row of res_kind (custom kinds included) */
    const char *var;      /* the local name that held it, or NULL */
    const Node *site;     /* where it was acquired */
    int ever_released;    /* some path of the function releases it */
    int ever_returned;    /* some path hands it to the caller instead */
    const Node *at;       /* the node the finding points at */
    const FlowEvent *events; /* the witness path, in order */
    int nevents;
    int job;              /* FLOW_OUTLIVES, FLOW_CONCURRENT: the FlowJob involved */
    const char *owner;    /* FLOW_OUTLIVES: who releases it and when, a phrase, or NULL */
    const char *why;      /* FLOW_OUTLIVES of work an await gave up on: why it still runs,
                             a phrase, or NULL */
} FlowReport;

/*
 * What a function does with resources, for its callers: computed by running
 * the dataflow over it in summary mode, module functions first.
 */
/* What a summarized function does to its parameters (bits: positional parameter i)
 * for one set of values of its deciding flags (FlowSummary.cond). */
typedef struct FlowCondFx {
    unsigned releases;      /* released on every normal exit */
    unsigned with_releases; /* ... by a with over it on some path */
    unsigned commits;       /* committed on some path */
    unsigned ends_txn;      /* left with its transaction ended on every normal exit */
    unsigned checks_out;    /* left holding a connection on some normal exit */
} FlowCondFx;

typedef struct FlowSummary {
    unsigned char returns_kind;  /* ResKind of a fresh resource it returns, or RES_NONE */
    unsigned char returns_async;
    unsigned char tuple_n;       /* returns a tuple display with a fresh resource in it
                                    (`return conn, conn.cursor()`): its length, 0 none,
                                    FLOW_TUPLE_MIXED when two returns disagree */
    unsigned char tuple_kind[FLOW_TUPLE_MAX]; /* ... the ResKind at each position, or
                                                 RES_NONE (not a fresh resource) */
    unsigned char tuple_of[FLOW_TUPLE_MAX];   /* ... a cursor's: 1 + the position of the
                                                 connection it came from */
    unsigned char tuple_async;   /* ... bit i: position i's resource is async */
    unsigned releases;           /* bit i: positional parameter i is released on every
                                    normal exit */
    unsigned with_releases;      /* bit i: ... released on every normal exit, on some by the
                                    exit of a `with` over it (`async with session:`,
                                    stack.enter_context(conn)) or of a callee's: a release
                                    only for a kind whose with releases it (not a psycopg2
                                    connection's, which ends a transaction) */
    unsigned uses;               /* bit i: positional parameter i is used (a method call) */
    unsigned char yields_kind;   /* ResKind of a resource it yields (a provider), or RES_NONE */
    unsigned char uses_after;    /* a provider that commits what it yielded after the yield */
    unsigned char releases_after; /* a provider that releases what it yielded after the yield */
    unsigned char yields_used;    /* ... and that used it before the yield (a session's
                                     connection is already out when the consumer gets it) */
    unsigned char yields_other;   /* some yield lends what it did not acquire (`yield
                                     existing`: an ambient provider's reused session), so
                                     entering it need not take a connection */
    const struct FastApiStateOwner *returns_state; /* returns request.state.<x> that a
                                                       middleware owns, or NULL */
    unsigned fans_out;            /* bit i: the items of positional parameter i are handed
                                     to tasks or threads that run at once */
    unsigned char fans_threads;   /* ... to threads (else to asyncio tasks) */
    unsigned defers;              /* bit i: positional parameter i is handed to work still
                                     pending when the function returns */
    unsigned char defer_kind;     /* ... the FlowJob of that work */
    unsigned gives_up;            /* bit i: positional parameter i is handed to a thread an
                                     await gives up on (a timeout, abandon_on_cancel):
                                     still running when the function raises */
    unsigned char gives_why;      /* ... the first such await's GIVE_* (flow_impl.h) */
    unsigned char gives_kind;     /* ... and the FlowJob of its work */
    unsigned bound;               /* bit i: it returns a callable made with positional
                                     parameter i (functools.partial(work, db), a lambda) */
    unsigned keeps;               /* bit i: it returns an object that keeps positional
                                     parameter i on itself (Retriever(session) of a class
                                     whose __init__ keeps it, or a helper's such object) */
    unsigned commits;             /* bit i: positional parameter i (a session) is committed
                                     on some path (its objects expire, SL102/SL107) */
    unsigned rolls_back;          /* bit i: positional parameter i (a session) is rolled
                                     back on some path (every object expires, SL107) */
    unsigned char adds[8];        /* adds[j] bit i: positional parameter i, an object, is
                                     added to positional parameter j, a session, on some
                                     path (`db.add(obj)`), itself or by a helper it hands
                                     both to: the caller's object joins the session */
    unsigned refreshes;           /* bit i: positional parameter i is refreshed on a session
                                     parameter with no commit of it after in source order
                                     (`s.refresh(obj)` last): loaded when it returns */
    unsigned checks_out;          /* bit i: some normal exit leaves positional parameter i, a
                                     session, holding a connection (a query, no commit after) */
    unsigned ends_txn;            /* bit i: every normal exit leaves it with its transaction
                                     ended (a commit, rollback or close after its last query) */
    unsigned char cond[FLOW_MAX_COND]; /* 1 + positional parameters whose truth decides
                                     releases, commits, checks_out or ends_txn above (`if not
                                     no_commit:
                                     commit()`), 0 unused: those fields hold when the caller
                                     passes each truthy (a resource always is), falsy[] when
                                     it passes some falsy (False, None, a flag its path knows
                                     false; flow_summary_fx) */
    FlowCondFx falsy[(1 << FLOW_MAX_COND) - 1]; /* falsy[m - 1]: the effects with the cond
                                     parameters of the bits of m falsy, the others truthy */
    unsigned char acquires;       /* its run made a site other than its parameters': with
                                     none, and none of its own parameters borrowed, the check
                                     pass has nothing to follow in it (not read by callers) */
    const void *needs_pool;       /* a pool it takes a connection of for itself while it
                                     runs, or NULL (flow_pool.c: a module-level Binding) */
    unsigned needs_param_pool;    /* bit i: it takes a connection for itself of the pool
                                     positional parameter i names (`pool.acquire()` on a
                                     parameter never rebound): the caller's argument's pool */
    const void *needs_state_pool; /* the pool of an application state key it takes a
                                     connection of (`request.app.state.pool.acquire()`),
                                     or NULL (flow_pool.c: a FastApiStateValue) */
    const void *yields_pool;      /* the pool of what it lends (the session a provider
                                     yields, what __enter__ keeps: enter_kind), or NULL */
    unsigned char lends_held;     /* what it lends is still checked out of its pool when the
                                     with block gets it: a connection it took itself (not one
                                     it was handed), a session it queried (SL206, SL207) */
    unsigned char enter_kind;     /* __enter__/__aenter__: ResKind of what it keeps on self
                                     for its __exit__ to release on a normal exit
                                     (`self._conn = await self._pool.acquire()`), or RES_NONE */
    const char *enter_attr;       /* ... and the attribute of self it keeps it in (the
                                     `with` over an object whose __enter__ returns self
                                     releases <target>.<enter_attr> at its end), or NULL */
    unsigned char waits;          /* WAIT_* bits: it sleeps, waits on an HTTP request or on
                                     other work while it runs, directly or through a helper
                                     (flow_pool.c) */
    unsigned waits_open;          /* bit i: some wait comes while positional parameter i may
                                     still be in the transaction its caller opened (no commit,
                                     rollback or close of it before, on that path) */
} FlowSummary;

/* FastAPI's timing, for the run (from the project's FastAPI version). */
typedef enum FlowEra {
    ERA_NEWEST,          /* >= 0.118, or unknown: exit code after the response, background
                            tasks and streamed bodies included */
    ERA_AFTER_RESPONSE,  /* < 0.106: after the response and the background tasks */
    ERA_AT_RETURN,       /* 0.106 to 0.117: when the endpoint returns, before both */
} FlowEra;

typedef struct FlowFastApi {
    const struct FastApi *model; /* the project's endpoints and dependencies (fastapi.h) */
    int era;                     /* FlowEra */
    const char *version;         /* "FastAPI 0.110.0 from requirements.txt", or "the newest
                                    FastAPI (no version found)" */
    int scopes_split;            /* a version below 0.123 is known: its dependency cache
                                    keys on the security scopes, so a dependency reached
                                    under Security(..., scopes=[...]) is called again apart
                                    from the same dependency outside them */
} FlowFastApi;

/* Looks up the summary of a function definition (NULL: none known). */
typedef const FlowSummary *(*FlowSummaryLookup)(void *arg, const Node *func);

/* A name defined in another module of the project. */
typedef struct FlowDef {
    const char *path;           /* the defining module's file */
    const ScopeTable *scopes;   /* the defining module's scopes */
    const Binding *binding;     /* its module-level binding */
    const FlowSummary *summary; /* the summary of a def, or NULL */
} FlowDef;

/* Resolves a qualified name to a project definition; 0 when it is not one.
 * Must be callable from any thread (read-only project data). */
typedef int (*FlowResolve)(void *arg, const char *qualname, FlowDef *out);

/* Called for each problem found; reports of one function come in a
 * deterministic order. */
typedef void (*FlowSink)(void *arg, const FlowReport *r);

/*
 * What flow_function works out of a function's body alone, once: the body
 * and the project's scopes do not change between the summary rounds and
 * the check, so the first analysis fills it and the later ones read it
 * instead of walking the body again.  Zeroed by the caller before the
 * first; written only by the thread analyzing the function (a unit's
 * functions are one thread's at a time).
 */
typedef struct FlowFacts {
    unsigned char known;        /* the fields below are filled */
    unsigned char generator;    /* its own body yields (Cfg.is_generator) */
    unsigned char yields;       /* a yield anywhere in it, nested scopes included */
    unsigned char state;        /* a read of `<x>.state` anywhere in it (a middleware's) */
    unsigned char fans_known;   /* fans_out and fans_threads are filled (summary mode) */
    unsigned char fans_threads; /* FlowSummary.fans_threads */
    unsigned fans_out;          /* FlowSummary.fans_out */
} FlowFacts;

typedef struct FlowEnv {
    const Source *src;
    const ScopeTable *scopes;
    FlowSink sink;                /* NULL in summary mode */
    void *sink_arg;
    FlowSummaryLookup summary_of; /* callee summaries, or NULL */
    void *summary_arg;
    FlowSummary *summary;         /* summary mode: where this function's goes */
    FlowResolve resolve;          /* names from other modules of the project, or NULL */
    void *resolve_arg;
    const FlowFastApi *fastapi;   /* FastAPI's model and timing, or NULL */
    const ModelUser *model;       /* the project's own resources (model.h), or NULL */
    const struct ValueModel *values; /* what names, attributes and calls hold (value.h) */
    FlowFacts *known;             /* the analyzed function's, kept between its analyses,
                                     or NULL (worked out again) */
} FlowEnv;

/*
 * Analyzes one function (or the module body, or a lambda): builds its CFG
 * in scratch and runs the dataflow, calling env->sink for each problem.
 * scratch may be reset by the caller afterwards.  Thread-safe.
 */
void flow_function(Arena *scratch, const FlowEnv *env, Node *func);

/* What sum's function does to its parameters when the caller passes falsy
 * values to the cond parameters of the bits of mask, truthy to the others
 * (mask 0: the summary's own releases, commits, ends_txn, checks_out). */
FlowCondFx flow_summary_fx(const FlowSummary *sum, unsigned mask);

/*
 * A session-level advisory lock taken in a function (SL304, rules/sqlapi.c),
 * followed along the function's paths: which of the places where its
 * connection may go back to the pool some path reaches with the lock held.
 * The lock is held from its take on (not on the take's own exception edge).
 * A pg_try_advisory_lock holds it only where its answer is true: a test of
 * the answer (the take's own expression, or the local it is bound to,
 * negated or not, in and/or) is a branch fact, as a state test
 * (`conn.closed`) is: on the side where the answer is false the lock is not
 * held.  Once the session or connection is stored where it outlives the
 * function (a global, an attribute, a container), the lock is its holder's:
 * what the holder does with it is not followed (docs/design.md, SL304).
 */
typedef struct FlowLock {
    const Node *take;        /* the call that takes it (an execute, a helper's call) */
    const Node *recv;        /* what it is taken through: a name or an attribute chain */
    const char *answer;      /* a try-lock: the local its answer is bound to, or NULL */
    int try_lock;            /* the take answers whether it got the lock */
    const Node *const *ends; /* the calls, or `with` statements at whose exit, that give the
                                connection back */
    int nends;
    unsigned char *held;     /* out: held[i], some path reaches ends[i] with the lock held */
    int reached;             /* out: some path ran the take */
    const Node *unlock;      /* a driver's connection: the unlock, which frees it on the paths
                                that run it, or NULL (a Session's: its unlock is judged by
                                position, rules/sqlapi.c) */
    int raised_too;          /* ... and an exception's path to an end counts: its pool takes
                                the connection back in the lender's finally, lock and all */
} FlowLock;

/* Runs the dataflow over func for q (scratch as for flow_function), with
 * no reports.  Thread-safe. */
void flow_lock_held(Arena *scratch, const FlowEnv *env, Node *func, FlowLock *q);

/*
 * A session or connection stored where it outlives the function (a global,
 * application state; SL207, rules/sqlapi.c): does some path store it while
 * a transaction it began is open (a statement run through it since its last
 * commit, rollback or close: SQLAlchemy's autobegin) and reach the
 * function's normal exit with that transaction still open?  Calls through
 * the local and through the place it is stored count; what other functions
 * do later through that place is not followed.
 */
typedef struct FlowPark {
    const Node *recv;   /* the local (or attribute chain) that holds it */
    const Node *store;  /* the assignment that stores it away */
    const Node *target; /* ... its target */
    const Node *opened; /* out: the call that began the transaction on such a path, or NULL */
} FlowPark;

/* Runs the dataflow over func for q, with no reports.  Thread-safe. */
void flow_parked(Arena *scratch, const FlowEnv *env, Node *func, FlowPark *q);

/*
 * What expression e, evaluated in scope s, makes as far as module-level
 * names, imports, locals bound once and the model go: a factory, a
 * resource (an acquisition such as `SessionLocal()`), a library name, or
 * unknown.  Strings go to scratch.  Thread-safe.
 */
Val flow_value(Arena *scratch, const FlowEnv *env, const Scope *s, const Node *e);

/*
 * Does the object expression e makes (in scope s) keep what the name
 * `name` holds: the name itself; a tuple, list, set or dict with it among
 * its items; an object of a class of the project whose __init__ keeps the
 * argument it is in (a record class's generated __init__ too: @dataclass,
 * NamedTuple); what a helper returns whose summary keeps that parameter
 * (FlowSummary.keeps); and these nested, to a few levels.  A library's
 * constructor is not read: no.  Strings go to scratch.  Thread-safe.
 */
int flow_keeps(Arena *scratch, const FlowEnv *env, const Scope *s, const Node *e, const char *name);

#endif
