/*
 * flow_impl.h - what the files of the typestate dataflow share: its state
 * (paths, sites, the per-function context) and the functions one of them
 * calls in another.  Not a public interface: only src/flow*.c include it;
 * the rest of the pipeline uses flow.h.
 *
 *   flow.c         the core: paths and path sets (merge, compact), the
 *                  worklist, steps and their effects, bindings, reports and
 *                  their order; flow_function and flow_value
 *   flow_calls.c   what calls do: methods of resources, arguments mapped to
 *                  parameters, callee summaries, objects that keep a
 *                  session, the generator protocol
 *   flow_jobs.c    pending work (background tasks, streamed bodies, tasks,
 *                  threads, kept coroutines): started, ended, and what
 *                  outlives or runs beside it (SL202, SL203)
 *   flow_params.c  what parameters borrow: FastAPI providers and class
 *                  dependencies, callers' sessions, and when owners release
 *   flow_mocks.c   what a test patches: the acquisitions that are mocks
 *   flow_raise.c   how plausibly a step raises, to pick the witness of a leak
 *
 * All of it runs on one function's Ctx in one thread; what it reads of the
 * FlowEnv (scopes, summaries, the value model) is shared and read-only.
 * Cross-file functions carry their file's prefix: fl_ (flow.c), fc_
 * (flow_calls.c), fj_ (flow_jobs.c), fp_ (flow_params.c), fm_ (flow_mocks.c),
 * fr_ (flow_raise.c).
 */
#ifndef SL_FLOW_IMPL_H
#define SL_FLOW_IMPL_H

#include <stdint.h>

#include "fastapi.h"
#include "flow.h"

#define EVAL_MAX_DEPTH 64 /* expression nesting followed for effects */
/* Parameters tested as flags that a summary tries, one walk each with it
 * falsy (run() in flow.c); of them FLOW_MAX_COND are kept as deciding. */
#define FLOW_COND_CANDS 4

/*
 * RS_IDLE: a session made but not used yet.  SQLAlchemy checks a connection
 * out lazily, on first use, so an idle session holds nothing to leak.
 */
/* RS_BORROWED: lent to this function by its owner (a FastAPI dependency):
 * never this function's leak. */
enum { RS_NONE, RS_OPEN, RS_RELEASED, RS_GONE, RS_REOPENED, RS_IDLE, RS_BORROWED };
/* var[] values besides a resource.  VAR_KEEPS - r: an object of the project
 * that keeps our own site r on self.<kept_attr> (`repo = Repo(db)`, a
 * holder): its methods that use that attribute use r, those that close it
 * release r.  Per path, as the name's site is. */
enum { VAR_UNKNOWN = -1, VAR_NONE = -2, VAR_KEEPS = -3 };
enum { FLAG_UNKNOWN, FLAG_TRUE, FLAG_FALSE };

typedef struct Ev {
    const char *path;      /* another file's, or NULL */
    int line, col;
    const char *note;
    const struct Ev *prev; /* older event */
    int n;                 /* length of the list ending here */
    int rank;              /* an exception's: how plausibly its call raises (RAISE_*) */
} Ev;

/* How plausibly a call raises, for choosing among exception paths and for
 * naming the call in the witness: a logging call never does (the logging
 * module reports its own errors), session.add() and builtins hardly, an
 * unknown call may, a database call, I/O or an await is what fails in
 * practice. */
enum { RAISE_NEVER, RAISE_UNLIKELY, RAISE_MAYBE, RAISE_LIKELY };

/* Why an await may return while the work it waits for still runs (Job.gives):
 * anyio's abandon_on_cancel=True or cancellable=True, a wait_for with a
 * timeout, a timeout scope around the await, asyncio.shield. */
enum { GIVE_NONE, GIVE_ABANDON, GIVE_CANCELLABLE, GIVE_WAIT_FOR, GIVE_SCOPE, GIVE_SHIELD };

/* Work started on this path and not waited for yet. */
typedef struct Job {
    const Node *at;     /* the call that started it */
    const Node *with;   /* the with-item whose exit waits for it (TaskGroup, executor), or NULL */
    uint16_t res;       /* the sites it uses (bits; FLOW_MAX_RES is 16) */
    uint16_t own;       /* ... those made anew since an earlier start of it (a loop body's
                           `s = Factory()` before the hand-off): each run has its own */
    int8_t var;         /* the local holding its handle (task, future, thread, list), or -1 */
    uint8_t kind;       /* FlowJob */
    uint8_t many;       /* several run at once: a comprehension of them, executor.map */
    uint8_t quick : 1;  /* JOB_STREAM: a body already in memory (a buffer, a list) */
    uint8_t gives : 3;  /* GIVE_*: an await that may return before it ends left it running
                           (an exception path of that await: reported there too) */
    uint8_t left : 1;   /* started by what the call at ran and left running (a method's
                           FlowSummary.defers): awaiting that call does not end it */
} Job;

typedef struct Path {
    uint8_t res[FLOW_MAX_RES];       /* RS_* per site */
    uint8_t held[FLOW_MAX_RES];      /* released by an enclosing with at its exit */
    int8_t var[FLOW_MAX_VARS];       /* site held by each name, or VAR_* */
    uint8_t flag[FLOW_MAX_FLAGS];    /* FLAG_* per flag */
    const Ev *ev[FLOW_MAX_RES];      /* witness per site, newest first */
    const Ev *raised;                /* on an exception path: what raised */
    uint8_t raised_at_yield;         /* ... and it was a yield */
    uint8_t yielded;                 /* the path went through a yield */
    uint8_t handling_yield;          /* in an except clause: handling's raised_at_yield */
    const Ev *handling;              /* in an except clause: what raised (for `raise`) */
    uint8_t reported[FLOW_MAX_RES];  /* a leak of this site was reported */
    const Node *reopened[FLOW_MAX_RES]; /* RS_REOPENED: the use that reopened it */
    const Node *ret;                 /* the return statement being executed */
    const Node *last;                /* what the path ran last (a statement, a test): where
                                        falling off the end is (witness only) */
    Job job[FLOW_MAX_JOBS];          /* pending work, oldest first */
    uint8_t njobs;
    uint32_t patched;                /* bit k: acquisitions of resource kind k are mocks
                                        here (mock.patch, monkeypatch of what makes them) */
    uint32_t committed;              /* sites whose last use was a commit() */
    uint32_t release_raised;         /* RS_GONE sites whose release call raised */
    uint32_t checked_out;            /* sessions holding a connection now: a query since their
                                        last commit, rollback or close (SL205) */
    uint32_t txn_ended;              /* sessions whose last such event was a commit, rollback
                                        or close (summary mode: the callee ends the caller's) */
    uint32_t holding;                /* sites holding a pooled connection now: a session that
                                        queried since its last commit, rollback or close, a
                                        connection checked out (SL206, flow_pool.c) */
    uint32_t pending;                /* sessions with objects add()ed since their last flush,
                                        query, commit or rollback: their commit flushes them
                                        first, taking a connection for it (SL206) */
    uint8_t locked;                  /* flow_lock_held: the lock asked about is held here;
                                        flow_parked: PARK_* bits */
} Path;

typedef struct PathSet {
    Path *p;   /* cap slots (arena), doubling up to FLOW_MAX_PATHS: most points see
                  one or two paths, and a module body can have thousands of points */
    int n;     /* paths held */
    int cap;
    int done;  /* paths already propagated */
} PathSet;

typedef struct Site {
    const Node *node;  /* the acquiring Call (or withitem) */
    Val val;           /* what it acquires */
    int parent;        /* site of the connection a cursor came from, or -1 */
    const Node *with;  /* the withitem whose exit releases it, or NULL */
    const char *name;  /* the first local name bound to it, or NULL */
    int ever_released; /* some path releases it */
    int ever_returned; /* some path hands it to the caller (a return) */
    const FlowSummary *owner; /* borrowed: the provider's summary */
    int early;         /* borrowed: the owner releases it before background work and
                          streamed bodies run */
    const char *when;  /* borrowed: who releases it and when, a phrase for messages */
    int param_only;    /* a parameter typed as a session: its owner is unknown */
    const FastApiStateOwner *state; /* request.state.<x> a middleware owns, or NULL */
    const Node *owner_def;  /* borrowed: the provider's definition (a cached dependency) */
    const char *owner_path; /* where the owner releases it: file (NULL: this one) */
    int owner_line, owner_col; /* ... and line (0: unknown) and column */
    const char *owner_note; /* the witness step there: "closed here by `get_db`" */
    int holder;             /* an object that keeps the borrowed session (a class
                               dependency): its methods use it, none releases it */
    int origin;             /* a holder's: the site of the session it keeps (its
                               transaction is that one's), or -1 */
    int in_finally;         /* acquired inside a finally body: its own code raises for it */
    const char *gen;        /* `db = next(gen)`: the generator that lent it (its key) */
    int maybe_none;         /* a parameter whose default is None: the caller may pass none */
    const Node *obj_cls;    /* an object of this class of the project, whose __init__ made
                               the resource and keeps it in self.<obj_attr>: its methods
                               that release that attribute release the site; of a holder,
                               the class keeping the borrowed origin in self.<obj_attr> */
    const char *obj_attr;
    int captured;           /* made by the enclosing function of the generator that
                               releases it (captured_by_generator) */
    int thread_session;     /* the thread's scoped session (Flask-SQLAlchemy's db.session,
                               fo_thread_session): a close or remove ends its transaction,
                               and the registry makes another at its next use */
    const void *pool;       /* the pool it is taken from (flow_pool.c), or NULL ... */
    int pool_known;         /* ... once worked out */
    const char *enter_attr; /* kept in self.<enter_attr> by __enter__/__aenter__, whose
                               __exit__ releases it: the object's once __enter__ returns,
                               and leaked if __enter__ raises (no __exit__ runs then) */
    int enter_self;         /* self of __enter__/__aenter__ in a subclass of a session class
                               (entered_self): the object's once __enter__ returns, and its
                               connection leaked if __enter__ raises after checking one out */
} Site;

typedef struct Report {
    FlowReport r;
    int site;
    int exceptional; /* a leak found on an exception path */
    int rank;        /* ... the RAISE_* of the call that raised there */
} Report;

typedef struct Ctx {
    Arena *a;
    const FlowEnv *env;
    const Cfg *g;
    const Scope *scope;
    Site site[FLOW_MAX_RES];
    int nsites;
    const char *vars[FLOW_MAX_VARS];
    Val var_val[FLOW_MAX_VARS]; /* a factory a local name was bound to (any path) */
    const Node *var_with[FLOW_MAX_VARS]; /* an ExitStack name: the with-item that made it */
    const char *kept_attr[FLOW_MAX_VARS]; /* a name bound to a holder (VAR_KEEPS): the
                                             attribute of self its object keeps the site in */
    int holders;             /* some name was bound to a holder (most functions: none, and
                                no name is asked) */
    int nvars;
    const char *flags[FLOW_MAX_FLAGS];
    int nflags;
    PathSet *in;       /* per step */
    int *work;         /* worklist of step indices */
    int nwork;
    uint8_t *queued;
    uint8_t *yields;     /* per step: 0 not known yet, 1 no yield, 2 evaluates a yield */
    int no_yield;        /* no yield anywhere in the function (FlowFacts.yields known 0):
                            no step evaluates one, and no walk asks */
    uint8_t *ranks;      /* per step: RAISE_* + 1 of its likeliest call, and whether it
                            awaits (flow_raise.c); 0 not known yet */
    const Node **raiser; /* per step: that call (or await), for the witness */
    Report *reports;
    int nreports, capreports;
    const CfgStep *step; /* the step being interpreted */
    uint32_t acquired;   /* sites acquired by the current step (bitmask) */
    uint32_t lent;       /* idle sessions the current step handed to unseen code */
    uint32_t released;   /* sites the current step released */
    Job left[2];         /* work an await of the current step may give up on: still running
                            on the step's exception edge (fj_left_running) ... */
    const Node *left_aw[2]; /* ... and the awaited expression that gives up on it */
    int nleft;
    int depth;
    const char *ev_path;     /* the file new events are in: NULL this one, else the
                                module whose code is being evaluated here (a base
                                class's property) */
    int resumed_not_thrown; /* a pytest fixture: its yield never raises */
    int catch_all_exception; /* sync code: `except Exception` catches what calls raise */
    int cancelled_teardown;  /* an async yield dependency of a project with a
                                BaseHTTPMiddleware: the request's task may be cancelled, the
                                CancelledError is thrown in at the yield, and anyio's cancel
                                scope raises it again at every await on the way out */
    int param_site[8];       /* summary mode: the site standing for each parameter */
    int nparams;
    int entered_self;        /* check mode: the site of self in __enter__/__aenter__ of a
                                session subclass (Site.enter_self), which `super().__aenter__()`
                                returns; else -1 */
    int self_site;           /* summary mode, a method: the site standing for self, whose
                                value is its class's object (no param_site), read only for
                                the work it is handed (FlowSummary.defers bit 0); else -1 */
    unsigned kept_param;     /* summary mode: parameters some normal exit keeps */
    unsigned with_param;     /* summary mode: parameters some path releases by a with over
                                them (FlowSummary.with_releases) */
    unsigned ends_param;     /* summary mode: parameters every normal exit leaves with their
                                transaction ended (FlowSummary.ends_txn) */
    const Node *checkout[FLOW_MAX_RES]; /* the last call seen that checked out each session's
                                           connection (the witness of SL205) ... */
    const char *checkout_note[FLOW_MAX_RES]; /* ... and what it says there (NULL: a query) */
    const Node *held_at[FLOW_MAX_RES]; /* where each site last took its pooled connection */
    const void *state_pools[FLOW_STATE_POOLS]; /* the application state's pools named here
                                                  (flow_pool.c: not module-level Bindings) */
    int nstate_pools;
    int yielded_site;        /* summary mode: the site a provider yields, or -1 */
    int use_commits;         /* the use being recorded may write (not a rollback) */
    int callee_reports;      /* the release being applied is a helper's, on a parameter its
                                callers fill from a FastAPI dependency: the helper reports
                                it where it releases it (helper_lent), not each caller */
    int job_args;            /* evaluating the arguments of a call that starts work */
    int in_comp;             /* evaluating a comprehension: what it starts, it starts many times */
    const Node *awaited;     /* the expression the await being evaluated awaits, or NULL */
    int cached;              /* an lru_cache / cache function: what it returns, it keeps */
    int keep_resources;      /* flow_value: module-level acquisitions are values too */
    struct ValMemo *memo;    /* the value model's answers for this function, by node */
    int pool_hook;           /* a pool event hook: its DB-API connection is the pool's */
    int middleware;          /* an HTTP middleware: it owns request.state */
    const char *passes_on;   /* a middleware of any framework: the name of its `next` or
                                `call_next` parameter, which it calls, so the context objects
                                it is handed live for this one event, and what it stores in
                                them by a constant key (`context["db"] = s`) is its own to
                                release; else NULL */
    int enter;               /* __enter__/__aenter__ of a class: self.<attr> are places
                                that hold what it keeps for its __exit__ (kept_by_enter) */
    const char *websocket;   /* a websocket endpoint: its WebSocket parameter's name; its
                                dependencies are released when it returns, after the socket
                                closed */
    int plain_provider;      /* a FastAPI dependency that returns (not yields): FastAPI
                                releases nothing it returns */
    int check_differs;        /* summary mode saw what check mode follows otherwise (a
                                 parameter's `.cursor()`): FlowSummary.acquires */
    const Node **through_key; /* run_in_threadpool(f, x) calls seen, and the f(x) calls */
    Node **through_call;      /* standing for them (same positions), so that a site */
    int nthrough;             /* made there is one node on every path */
    const Node *request_class; /* __init__ of a class FastAPI makes for each request
                                  (Depends(Service)): that class, else NULL */
    int want;                /* fl_eval_value: the next fl_eval's value is wanted */
    const Node *set_attr;    /* the last `self.<attr>` test asked of the value model ... */
    int set_truth;           /* ... and what is known of it: 1 never None, 2 also truthy,
                                0 nothing (attr_set) */
    FlowLock *lock;          /* flow_lock_held's question, or NULL */
    FlowPark *park;          /* flow_parked's question, or NULL */
    const Node *park_use;    /* ... the last use seen that began a transaction */
    int cand[FLOW_COND_CANDS]; /* summary mode: the parameters whose truth a test decided
                                  by their standing resource (`if ok:`), first met first */
    int ncand;                 /* ... how many (run() keeps those that decide: cond) */
    unsigned falsy;            /* summary mode: bit i, parameter i is taken as falsy in
                                  this walk (FlowSummary.falsy), else 0 */
} Ctx;

/* What fl_eval makes of an expression. */
typedef struct Res {
    int site; /* the resource the expression evaluates to, or -1 */
    Val val;  /* its value otherwise */
    int closing; /* contextlib.closing(x): site is x */
    const Node *with_item; /* an ExitStack: the with-item that made it */
    int kept;              /* an object made here, or a holder name, keeps site kept - 1
                              (0: none) ... */
    const char *kept_attr; /* ... on self.<kept_attr> */
    const FlowSummary *tuple; /* a call of a function that returns a tuple of fresh
                                 resources (FlowSummary.tuple_n): unpacking it acquires
                                 them, one per name (bind) */
} Res;

/* printf into the function's scratch arena */
#define fmt(c, ...) arena_printf((c)->a, __VA_ARGS__)

/* A value nothing is known of. */
static inline Val unknown(void)
{
    Val v = {VAL_UNKNOWN, 0, 0, NULL, 0, 0, NULL, 0, 0};
    return v;
}

/* --- flow.c: witness, names, values, effects, evaluation --- */

/* The witness prev with an event at `at` on top (prev itself when full). */
const Ev *fl_ev_push(Ctx *c, const Ev *prev, const Node *at, const char *note);
/* ... with an event at a line of another file (path NULL: this one). */
const Ev *fl_ev_push_far(Ctx *c, const Ev *prev, const char *path, int line, int col,
                         const char *note);
/* Is e `self.<attr>` (attr NULL: any attribute of self)? */
int fl_is_self_attr(const Node *e, const char *attr);
/* A problem of site at node at, with its witness. */
void fl_report(Ctx *c, int problem, int site, const Node *at, const Ev *events);
/* Records an SL202/SL203 problem with its FlowJob and owner phrase. */
void fl_report_job(Ctx *c, int problem, int site, const Node *at, const Ev *events, int job,
                   const char *owner);
/* The slot of a tracked name or place key, created if asked; -1 if none. */
int fl_var_index(Ctx *c, const char *name, int create);
/* The key of a place that can hold a resource (name, ctx["db"], request.state.db), or NULL. */
const char *fl_var_key(Ctx *c, const Node *e);
/* The site the place e names holds on p, or a VAR_* value. */
int fl_held_by(Ctx *c, const Path *p, const Node *e);
/* The site that the object a name e holds keeps (VAR_KEEPS), or -1. */
int fl_kept_by(Ctx *c, const Path *p, const Node *e);
/* Does a place key lie inside the object called name? */
int fl_inside(const char *key, const char *name);
/* The model's noun for site's resource ("session"). */
const char *fl_noun(Ctx *c, int site);
/* The qualified name of expr in scope s of table t, in the scratch arena, or NULL. */
const char *fl_qualname(Ctx *c, const ScopeTable *t, const Scope *s, const Node *expr);
/* What e holds per the value model, asked once per node, table and scope
 * for the function (the model is flow-insensitive: every path gets the
 * same answer). */
Val fl_model_value(Ctx *c, const ScopeTable *t, const Scope *s, const Node *e);

/* What e holds per the value model (a resource only when keep_resources). */
Val fl_value_at(Ctx *c, const ScopeTable *t, const Scope *s, const Node *e);
/* The value of a name or attribute on p, without evaluating it for effects. */
Val fl_peek_value(Ctx *c, const Path *p, const Node *e);
/* Is e a list, set, dict comprehension or generator expression? */
int fl_is_comprehension(const Node *e);
/* Site r is released at `at` (by_with: a with block's end); reports a second release. */
void fl_release(Ctx *c, Path *p, int r, const Node *at, int by_with);
/* Site r is used at `at`; reports a use after release or beside running work. */
void fl_use(Ctx *c, Path *p, int r, const Node *at);
/* Site r (if any) escapes: no longer this function's to release. */
void fl_gone(Path *p, int r);
/* Site r (if any) is handed to code we do not see: an idle session gets used. */
void fl_lent(Ctx *c, Path *p, int r);
/* The site for an acquisition at node, created on first sight; -1 if full. */
int fl_site_for(Ctx *c, const Node *node, Val v, int parent);
/* Site for node is acquired on p (open or idle); -1 if not followed. */
int fl_acquire(Ctx *c, Path *p, const Node *node, Val v, int parent);
/* Evaluates e for its effects on p; returns what it evaluates to. */
Res fl_eval(Ctx *c, Path *p, const Node *e);
/* fl_eval, asking the value model for what tracked locals do not say. */
Res fl_eval_value(Ctx *c, Path *p, const Node *e);
/* Does the exit of `with ce` release r, the site ce gave?  (An ExitStack's
 * enter_context asks it too.) */
/* What path p knows of e's truth, as a call's argument: 1 truthy (True, a
 * resource), 0 falsy (False, None, a flag p knows false), -1 unknown. */
int fl_truth(Ctx *c, const Path *p, const Node *e);
int fl_with_releases(Ctx *c, Path *p, const Node *ce, Res r);

/* --- flow_calls.c --- */

/* What a call does to p, and what it evaluates to. */
Res fc_call_value(Ctx *c, Path *p, const Node *call);
/* The summary of the project function the callee f names, or NULL. */
const FlowSummary *fc_callee_summary(Ctx *c, const Node *f);
/* The summary of what call calls, a method of an object's class too; in
 * *shift 1 when the object fills the first parameter (self, cls). */
const FlowSummary *fc_call_summary(Ctx *c, Path *p, const Node *call, int *shift);
/* Does a callee summarized by sum release its positional parameter i when handed
 * site h?  Its with-releases (FlowSummary.with_releases) count for h's kind if
 * that kind's with releases it; in summary mode, for a parameter of this one,
 * they pass on as with-releases of that parameter. */
int fc_releases_param(Ctx *c, const FlowSummary *sum, int i, int h);
/* The ClassDef name means in scope s of table t, here or imported (*in, *path: where), or NULL. */
const Node *fc_class_named(Ctx *c, const ScopeTable *t, const Scope *s, const char *name,
                           const ScopeTable **in, const char **path);
/* The __init__ a class body defines, or NULL. */
const Node *fc_init_of(const Node *cls);
/* Does the body of method def release <self>.<attr> (holding val):
 * `self.db.close()`; wide: also `pool.putconn(self.conn)`, `with self.db:`,
 * and in code nested in it? */
int fc_method_releases(Ctx *c, const Node *def, const char *self, const char *attr, const Val *val,
                       int wide);
/* Does the method named method of class cls (or of a base) release <its first
 * parameter>.<attr> (holding val), in the wide sense of fc_method_releases? */
int fc_named_method_releases(Ctx *c, const Node *cls, const char *method, const char *attr,
                             const Val *val);
/* Does a method of class cls, or of a base of the project (KEEPS_MAX_DEPTH
 * deep), release <its first parameter>.<attr> (holding val), in the wide
 * sense of fc_method_releases? */
int fc_class_releases(Ctx *c, const Node *cls, const char *attr, const Val *val);
/* The __init__ parameter of class def that argument i (or keyword kw) fills, or NULL. */
const char *fc_init_param(Ctx *c, const Node *def, int i, const char *kw);
/* Does the __init__ of class def keep its parameter name on self (objects inside too)? */
int fc_init_keeps(Ctx *c, const ScopeTable *t, const Node *def, const char *name, int depth);
/* The class of the project base i of cls names (`Base`, `Base[T]`), or NULL. */
const Node *fc_base(Ctx *c, const Node *cls, int i);
/* Does making an instance of cls run init: its own __init__ or the one it
 * inherits, or a base's it reaches through `super().__init__()`
 * (KEEPS_MAX_DEPTH deep)? */
int fc_ctor_runs(Ctx *c, const Node *cls, const Node *init);
/* Does calling f make an object that may keep its arguments? */
int fc_constructs(Ctx *c, const Node *f);
uint32_t fc_kept_params(Ctx *c, Path *p, const Node *e, int depth);
/* Does the object e makes keep what the name `name` holds (flow_keeps)? */
int fc_object_keeps(Ctx *c, const Node *e, const char *name, int depth);
/* `uow.invoices` of a holder uow keeping our site in `uow.<kept>`, where a
 * method of its class (the value model's, of obj) stores `self.invoices =
 * InvoiceRepository(self.<kept>)` and that class keeps the argument: the
 * attribute the inner object keeps it in, so the inner object is a holder
 * of the same site; else NULL.  Only a direct store in a method's body. */
const char *fc_inner_kept(Ctx *c, const Node *obj, const char *attr, const char *kept);

/* --- flow_jobs.c --- */

/* Starts work at `at` using the sites in res, reporting concurrent use (SL203). */
void fj_job_start(Ctx *c, Path *p, int kind, uint32_t res, const Node *at, const Node *with,
                  int many);
/* ... work that what the call at ran started and left running (a helper's
 * FlowSummary.defers): an await of that call does not end it. */
void fj_job_left(Ctx *c, Path *p, int kind, uint32_t res, const Node *at);
/* Ends the jobs whose handle is var, that the with-item waits for, or that at started. */
void fj_loop_waits(Ctx *c, Path *p, const Node *loop);
void fj_jobs_end(Path *p, int var, const Node *with, const Node *at);
/* Waiting for e (a handle, a list of them, a call) ends the work it names. */
void fj_wait_for(Ctx *c, Path *p, const Node *e);
/* The sites that work made of e would use (bits). */
uint32_t fj_uses_of(Ctx *c, const Path *p, const Node *e);
/* Is e a callable that keeps what it was made with: a lambda, or
 * functools.partial(f, ...)? */
int fj_bound_callable(Ctx *c, const Node *e);
/* Site r is used at `at` while a task or thread uses it: SL203. */
void fj_used_beside(Ctx *c, Path *p, int r, const Node *at);
/* Site r stands for a new object from now on: work started before keeps the old one. */
void fj_site_remade(Path *p, int r);
/* Site r is released at `at` while work still uses it: SL202. */
void fj_released_under_work(Ctx *c, Path *p, int r, const Node *at, int by_with);
/* Does a call of library function q (or NULL) start or run work? */
int fj_starts_work(const char *q);
/* The await of w may return before the work it waits for ends (an abandoning
 * to_thread, a timeout, a shield): that work goes on along the step's
 * exception edge (Ctx.left). */
void fj_await_gives_up(Ctx *c, Path *p, const Node *w);
/* The exception edge q of the current step: the work its awaits gave up on
 * still runs there. */
void fj_left_running(Ctx *c, Path *q);
/* Summary mode, a raising exit: the parameters handed to work an await gave
 * up on (FlowSummary.gives_up). */
void fj_gives_up_at_raise(Ctx *c, const Path *p);
/* A call whose callee gives up on a thread using the sites m (its summary's
 * gives_up): on the step's exception edge that work still runs. */
void fj_call_gives_up(Ctx *c, const Node *call, uint32_t m, const FlowSummary *sum);
/* The effect on p's jobs of such a call, after its arguments were evaluated. */
void fj_job_function(Ctx *c, Path *p, const Node *call, const char *q);
/* Is m a method that starts work (add_task, create_task, submit ...)? */
int fj_is_job_method(const char *m);
/* The effect on p's jobs of recv.m(...), recv having evaluated to rv. */
void fj_job_method(Ctx *c, Path *p, const Node *call, const Res *rv, const Node *recv,
                   const char *m);
/* `tasks.append(create_task(...))`: the list var holds the work its arguments started. */
void fj_keep_handles(Ctx *c, Path *p, const Node *call, int var);
/* ... and what items adds to it: an awaitable, a list or comprehension of them (`+=`). */
void fj_keep_items(Ctx *c, Path *p, const Node *items, int var);
/* A helper that hands a parameter's items to work running at once: SL203. */
void fj_fanned(Ctx *c, Path *p, const Node *call, const FlowSummary *sum);
/* `t = create_task(...)`: the name target holds the handle of the work value started. */
void fj_name_handles(Ctx *c, Path *p, const Node *target, const Node *value);
/* The borrowed site r is released by its owner at `at`: pending work on it outlives it. */
void fj_outlived(Ctx *c, Path *p, int r, const Node *at);
/* A normal return at `at`: pending work on borrowed sites that outlives the owner. */
int fj_txn_followed(const Ctx *c, int r);
/* Follows what method m does to session r's transaction (SL205); returns
 * its effect on the connection, whether r is followed or not: 1 it checks
 * one out (a query, a flush), -1 it gives it back (commit, rollback,
 * close), 0 neither. */
const char *fj_method_txn(Ctx *c, const Node *call, const char *m);
/* The last method that the method a call names calls on self.<attr>, a
 * close aside ("commit" after `self.db.commit(); self.db.close()`),
 * itself and through the methods of its class it calls on self (two
 * deep), in source order; NULL if none or not a method we can read. */
const char *fj_method_last(Ctx *c, const Node *call, const char *attr);
/* What method def of a class does with self.<attr> (NULL: any attribute but
 * its methods),
 * itself and through the methods of its class it calls on self (two deep):
 * its first read in source order, or NULL; *stores: it assigns it. */
const Node *fj_method_reads(Ctx *c, const Node *def, const char *attr, int *stores);
int fj_txn(Ctx *c, Path *p, int r, const Node *call, const char *m);
/* flow_ask.c: Path.locked under flow_lock_held ... */
enum {
    LOCK_NO,     /* the lock is not held */
    LOCK_HELD,   /* is held */
    LOCK_UNREAD  /* was tried, and the answer is not read yet: the code's once it reads
                    yes, and an exception before that leaves it out of the code's hands
                    (a limit: the lock may be granted, and nothing unlocks it) */
};
/* ... and under flow_parked (bits). */
enum {
    PARK_OPEN = 1,  /* in a transaction: a use since its last commit, rollback or close */
    PARK_STORED = 2 /* stored away while in one */
};
/* Is test the answer of c->lock's try-lock? */
int fq_lock_answer(const FlowLock *q, const Node *test);
/* The questions' effects of step st on p: flow_lock_held's before (after =
 * 0) and after the step's own effects, flow_parked's after them. */
void fq_lock_step(Ctx *c, Path *p, const CfgStep *st, int after);
void fq_park_step(Ctx *c, Path *p, const CfgStep *st);
/* How long the blocking read at call (a Redis client's or PubSub's method,
 * model.h MODEL_BLOCKING_READ) waits: seconds, READ_FOREVER without end (or
 * computed), READ_NONE when it returns at once (XREAD without block=). */
enum { READ_FOREVER = -1, READ_NONE = -2 };
double fq_read_wait(Ctx *c, const Node *call);
/* Is call the iterable of the for loop the current step starts (a
 * generator drained there, its body run item by item)? */
int fq_drained(const Ctx *c, const Node *call);
/* What a session's method m does to its transaction: 1 a use that begins one
 * (autobegin), -1 an end (commit, rollback, close), 0 neither. */
int fj_txn_event(const char *m);
void fj_txn_by_callee(Ctx *c, Path *p, int r, const Node *call, const FlowSummary *sum, int i);
void fj_waits_for_client(Ctx *c, Path *p, const Node *call, const Node *recv, const char *m);
void fj_pending_at_exit(Ctx *c, Path *p, const Node *at);
/* Summary mode: the parameters whose items func hands to work running at once. */
void fj_fan_out(Ctx *c, const Node *func, FlowSummary *sum);

/* --- flow_params.c --- */

/* The start path's borrowed parameters: FastAPI dependencies, typed or callers' sessions. */
void fp_borrowed_params(Ctx *c, Path *start, const Node *func);
/* Summary mode: each positional parameter starts as an open resource of unknown kind. */
void fp_summary_params(Ctx *c, Path *start, const Node *func);
/* The site of request.state.<x> borrowed from the middleware that owns it, or -1. */
int fp_state_site(Ctx *c, Path *p, const Node *e);
/* The site of self.<attr> filled by a class-based view's dependency, or -1. */
int fp_view_site(Ctx *c, Path *p, const char *attr);
/* The holder site that a property of the view, read as self.<attr>, returns, or -1. */
int fp_property_site(Ctx *c, Path *p, const char *attr);
/* Where a provider releases what it yields (a close() or a with), or NULL. */
const Node *fp_provider_release(const Node *def);

/* --- flow_mocks.c --- */

/* The resource kinds (bits) a patch call, as a with item, statement or decorator, mocks. */
uint32_t fm_patch_mask(Ctx *c, const Node *e);
/* The resource kinds (bits) the patch decorators of a test function mock. */
uint32_t fm_decorator_patches(Ctx *c, const Node *func);

/* --- flow_raise.c --- */

/* How plausibly step s raises (RAISE_*); c->raiser[s] gets the call that would. */
int fr_step_rank(Ctx *c, int s);
/* Does step s await (where a cancelled task raises CancelledError)? */
int fr_step_awaits(Ctx *c, int s);
/* The first outermost call, await or yield in n (where it may raise), or n. */
const Node *fr_first_call(const Node *n);
/* The open site (on p, before the step) whose own database call step s (in a finally body) makes,
 * when that call is what may raise there, or -1. */
int fr_cleanup_call(Ctx *c, const Path *p, int s);

/* flow_pool.c: SL206 */
/* The thread's session a method's receiver e (value v) is, as a site of
 * this function (check mode), or -1; *query: e is a model's `query`, all
 * of whose methods run on that session. */
int fo_thread_session(Ctx *c, Path *p, const Node *e, Val v, int *query);
void fo_checkout(Ctx *c, Path *p, int r, const Node *at);
void fo_checkin(Path *p, int r);
void fo_callee(Ctx *c, Path *p, const Node *call, const FlowSummary *sum, const Node *def,
               int shift);
/* A call of a library function: a wait (a sleep, an HTTP request) while a
 * pooled connection is held is SL207. */
void fo_library_call(Ctx *c, Path *p, const Node *call, const char *qual);
/* A call recv.m(...) of an object of a library (recv: its value on this
 * path, or unknown): an HTTP client's request is fo_library_call's. */
void fo_method_call(Ctx *c, Path *p, const Node *call, Val recv);
/* `await x` where x is other work (a task, an event's wait(), a queue's
 * get(), asyncio.wait() or wait_for() of one): a wait that lasts, unless a
 * short timeout bounds it (SL207). */
void fo_await(Ctx *c, Path *p, const Node *await);
/* The seconds a duration expression names when it is a number (a literal,
 * a name bound once to one), or -1 when computed. */
double fo_seconds(Ctx *c, const Node *d);
/* The endpoint returns at `at` with the background task started by the call
 * task pending: a session its provider closes only after the background
 * tasks, still in its transaction, is held through the task: SL206 when the
 * task takes a second connection of its pool, SL207 when it waits. */
void fo_background(Ctx *c, Path *p, const Node *task, const Node *at);
const void *fo_pool(Ctx *c, int r);
void fo_set_pool(Ctx *c, int r, const void *pool);
const void *fo_pool_of_arg(Ctx *c, const ScopeTable *t, const Node *caller, const Node *call,
                           const Node *func, int index);

#endif
