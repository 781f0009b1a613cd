/*
 * flow.c - the typestate dataflow over one function's CFG (see flow.h).
 *
 * Resources are identified by their acquisition site (the call or with-item
 * that makes them), so a loop re-acquires the same resource: a new one
 * replaces the old, and the old leaks if it was still open and unreachable.
 * A path (disjunct) is a small fixed-size struct; the witness of each
 * resource is a persistent list shared between paths, so copying a path is
 * cheap.  The worklist visits each distinct path at each step once: the
 * number of distinct paths per step is capped, so the work is bounded by
 * steps x FLOW_MAX_PATHS.
 *
 * A path also carries the work it started and has not waited for yet
 * (jobs: background tasks, streamed bodies, asyncio tasks, threads, kept
 * coroutines) with the resources each uses.  Releasing a resource under
 * pending work, or returning while work on a borrowed one outlives its
 * owner (FastAPI's timing, FlowFastApi), is SL202; starting work beside
 * other work or use of the same resource is SL203.  Awaiting, joining,
 * gathering or leaving a TaskGroup/executor block ends a job.
 */
#include "flow.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastapi.h"
#include "lex.h"
#include "model.h"
#include "value.h"

#define EVAL_MAX_DEPTH 64 /* expression nesting followed for effects */
#define LEAK_AFTER_YIELD 100 /* internal: a leak on a path that went through a yield */

/*
 * RS_IDLE: a session made but not used yet.  SQLAlchemy checks a connection
 * out lazily, on first use, so an idle session holds nothing to leak.
 */
/* RS_BORROWED: lent to this function by its owner (a FastAPI dependency):
 * never this function's leak. */
enum { RS_NONE, RS_OPEN, RS_RELEASED, RS_GONE, RS_REOPENED, RS_IDLE, RS_BORROWED };
enum { VAR_UNKNOWN = -1, VAR_NONE = -2 }; /* var[] values besides a resource */
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

/* Work started on this path and not waited for yet. */
typedef struct Job {
    const Node *at;     /* the call that started it */
    const Node *with;   /* the with-item whose exit waits for it (TaskGroup, executor), or NULL */
    uint32_t res;       /* the sites it uses (bits) */
    int8_t var;         /* the local holding its handle (task, future, thread, list), or -1 */
    uint8_t kind;       /* FlowJob */
    uint8_t many;       /* several run at once: a comprehension of them, executor.map */
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
    const Node *released_at[FLOW_MAX_RES]; /* RS_RELEASED: the release */
    const Node *ret;                 /* the return statement being executed */
    const Node *last;                /* what the path ran last (a statement, a test): where
                                        falling off the end is (witness only) */
    Job job[FLOW_MAX_JOBS];          /* pending work, oldest first */
    uint8_t njobs;
    uint32_t patched;                /* bit k: acquisitions of resource kind k are mocks
                                        here (mock.patch, monkeypatch of what makes them) */
    uint32_t committed;              /* sites whose last use was a commit() */
    uint32_t release_raised;         /* RS_GONE sites whose release call raised */
} Path;

typedef struct PathSet {
    Path *p;   /* FLOW_MAX_PATHS slots (arena) */
    int n;     /* paths held */
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
    int in_finally;         /* acquired inside a finally body: its own code raises for it */
    const char *gen;        /* `db = next(gen)`: the generator that lent it (its key) */
    int maybe_none;         /* a parameter whose default is None: the caller may pass none */
} Site;

typedef struct Report {
    FlowReport r;
    int site;
    int exceptional; /* a leak found on an exception path */
    int rank;        /* ... the RAISE_* of the call that raised there */
} Report;

static const char *const job_names[] = {"", "background task", "streamed body", "task", "thread",
                                        "coroutine"};

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
    int kept_site[FLOW_MAX_VARS];         /* an object name: the site it keeps + 1 (0: none) ... */
    const char *kept_attr[FLOW_MAX_VARS]; /* ... on self.<attr> (audit = Repo(session)) */
    int nvars;
    const char *flags[FLOW_MAX_FLAGS];
    int nflags;
    PathSet *in;       /* per step */
    int *work;         /* worklist of step indices */
    int nwork;
    uint8_t *queued;
    uint8_t *yields;     /* per step: 0 not known yet, 1 no yield, 2 evaluates a yield */
    uint8_t *ranks;      /* per step: RAISE_* + 1 of its likeliest call; 0 not known yet */
    const Node **raiser; /* per step: that call (or await), for the witness */
    Report *reports;
    int nreports, capreports;
    const CfgStep *step; /* the step being interpreted */
    uint32_t acquired;   /* sites acquired by the current step (bitmask) */
    uint32_t lent;       /* idle sessions the current step handed to unseen code */
    uint32_t released;   /* sites the current step released */
    int depth;
    int resumed_not_thrown; /* a pytest fixture: its yield never raises */
    int catch_all_exception; /* sync code: `except Exception` catches what calls raise */
    int param_site[8];       /* summary mode: the site standing for each parameter */
    int nparams;
    unsigned kept_param;     /* summary mode: parameters some normal exit keeps */
    int yielded_site;        /* summary mode: the site a provider yields, or -1 */
    int use_commits;         /* the use being recorded may write (not a rollback) */
    int job_args;            /* evaluating the arguments of a call that starts work */
    int in_comp;             /* evaluating a comprehension: what it starts, it starts many times */
    int cached;              /* an lru_cache / cache function: what it returns, it keeps */
    int keep_resources;      /* flow_value: module-level acquisitions are values too */
    int pool_hook;           /* a pool event hook: its DB-API connection is the pool's */
    int middleware;          /* an HTTP middleware: it owns request.state */
    int want;                /* eval_value: the next eval's value is wanted */
} Ctx;

/* ------------------------------------------------------------- witness */

static const Ev *ev_push(Ctx *c, const Ev *prev, const Node *at, const char *note)
{
    if (prev && prev->n >= FLOW_MAX_EVENTS)
        return prev;
    Ev *e = arena_alloc(c->a, sizeof *e); /* zeroed: rank RAISE_NEVER */
    e->path = NULL;
    e->line = at ? at->lineno : 0;
    e->col = at ? at->col_offset : 0;
    e->note = note;
    e->prev = prev;
    e->n = prev ? prev->n + 1 : 1;
    return e;
}

/* An event at a line of another file (path NULL: this one). */
static const Ev *ev_push_far(Ctx *c, const Ev *prev, const char *path, int line, int col,
                             const char *note)
{
    if (prev && prev->n >= FLOW_MAX_EVENTS)
        return prev;
    Ev *e = arena_alloc(c->a, sizeof *e);
    e->path = path;
    e->line = line;
    e->col = col;
    e->note = note;
    e->prev = prev;
    e->n = prev ? prev->n + 1 : 1;
    return e;
}

/* printf into the function's scratch arena */
#define fmt(c, ...) arena_printf((c)->a, __VA_ARGS__)

/* Does a leak through the exception `now` make a better witness than one
 * through `before`: a likelier call, or as likely and earlier? */
static int better_raise(const Ev *now, const Report *before)
{
    if (!now || now->rank != before->rank)
        return now && now->rank > before->rank;
    const FlowEvent *b = &before->r.events[before->r.nevents - 1];
    return now->line < b->line || (now->line == b->line && now->col < b->col);
}

static void report_ex(Ctx *c, int problem, int site, const Node *at, const Ev *events,
                      int exceptional)
{
    if (problem != FLOW_LEAK && problem != LEAK_AFTER_YIELD && problem != FLOW_USE_AFTER)
        exceptional = 0; /* only a leak (a reopened session's too) is told apart by the path */
    Report *r = NULL;
    for (int i = 0; i < c->nreports; i++) /* one report per problem, site, place and kind of path */
        if (c->reports[i].r.problem == problem && c->reports[i].site == site &&
            c->reports[i].r.at == at && c->reports[i].exceptional == exceptional) {
            if (!exceptional || !better_raise(events, &c->reports[i]))
                return;
            r = &c->reports[i]; /* the same leak through a likelier exception */
        }
    if (!r && c->nreports == c->capreports) {
        c->capreports = c->capreports ? 2 * c->capreports : 8;
        Report *rs = arena_alloc(c->a, (size_t)c->capreports * sizeof *rs);
        if (c->nreports)
            memcpy(rs, c->reports, (size_t)c->nreports * sizeof *rs);
        c->reports = rs;
    }
    if (!r)
        r = &c->reports[c->nreports++];
    r->rank = exceptional && events ? events->rank : 0;
    int n = events ? events->n : 0;
    FlowEvent *ev = arena_alloc(c->a, (size_t)(n ? n : 1) * sizeof *ev);
    for (const Ev *e = events; e; e = e->prev) {
        --n;
        ev[n].path = e->path;
        ev[n].line = e->line;
        ev[n].col = e->col;
        ev[n].note = e->note;
    }
    r->site = site;
    r->exceptional = exceptional;
    r->r.problem = problem;
    r->r.res_kind = c->site[site].val.kind;
    r->r.res = model_user_res(c->env->model, r->r.res_kind);
    r->r.var = NULL;
    r->r.at = at;
    r->r.events = ev;
    r->r.nevents = events ? events->n : 0;
    r->r.job = JOB_NONE;
    r->r.owner = NULL;
}

static void report(Ctx *c, int problem, int site, const Node *at, const Ev *events)
{
    report_ex(c, problem, site, at, events, 0);
}

/* An SL202/SL203 problem: which work, and who releases the resource when. */
static void report_job(Ctx *c, int problem, int site, const Node *at, const Ev *events, int job,
                       const char *owner)
{
    int before = c->nreports;
    report_ex(c, problem, site, at, events, 0);
    if (c->nreports > before) {
        c->reports[c->nreports - 1].r.job = job;
        c->reports[c->nreports - 1].r.owner = owner;
    }
}

/* ------------------------------------------------------------- names */

static int var_index(Ctx *c, const char *name, int create)
{
    for (int i = 0; i < c->nvars; i++)
        if (c->vars[i] == name || !strcmp(c->vars[i], name))
            return i;
    if (!create || c->nvars == FLOW_MAX_VARS)
        return -1;
    c->vars[c->nvars] = name;
    return c->nvars++;
}

/*
 * The name a place that can hold a resource has: a local name's; a
 * constant-key entry of a local dict, `ctx["db"]` ("ctx[db]"); and in an
 * HTTP middleware, the request's own state, `request.state.db`, which it
 * owns ("request.state.db").  NULL for other expressions.
 */
static const char *var_key(Ctx *c, const Node *e)
{
    if (!e)
        return NULL;
    if (e->kind == NODE_Name)
        return e->v.Name.id;
    if (e->kind == NODE_Subscript && e->v.Subscript.value->kind == NODE_Name &&
        e->v.Subscript.slice->kind == NODE_Constant &&
        e->v.Subscript.slice->v.Constant.value.kind == CONST_STR && c->scope) {
        /* a dict of this function's own: a caller's (a parameter) or a
         * global one keeps what is stored in it */
        const Scope *where = NULL;
        const Binding *b = scope_lookup(c->env->scopes, c->scope, e->v.Subscript.value->v.Name.id, &where);
        if (b && b->kind == BIND_LOCAL && where == c->scope)
            return fmt(c, "%s[%s]", e->v.Subscript.value->v.Name.id,
                       e->v.Subscript.slice->v.Constant.value.s);
    }
    const char *attr = c->middleware ? fastapi_state_attr(e) : NULL;
    if (attr && e->v.Attribute.value->v.Attribute.value->kind == NODE_Name)
        return fmt(c, "%s.state.%s", e->v.Attribute.value->v.Attribute.value->v.Name.id, attr);
    return NULL;
}

/* The site the place e names holds on path p, or a VAR_* value. */
static int held_by(Ctx *c, const Path *p, const Node *e)
{
    const char *key = var_key(c, e);
    if (!key)
        return VAR_UNKNOWN;
    int v = var_index(c, key, 0);
    return v < 0 ? VAR_UNKNOWN : p->var[v];
}

/* Does the key of a tracked place lie inside the object called name
 * (`ctx[db]` in ctx, `request.state.db` in request)? */
static int inside(const char *key, const char *name)
{
    size_t n = strlen(name);
    return !strncmp(key, name, n) && (key[n] == '[' || !strncmp(key + n, ".state.", 7));
}

static const char *noun(Ctx *c, int site)
{
    return model_user_res(c->env->model, c->site[site].val.kind)->noun;
}

/* The key of a flag test: a Name or a dotted attribute chain, else NULL. */
static const char *flag_key(Ctx *c, const Node *e)
{
    if (e->kind == NODE_Name)
        return e->v.Name.id;
    if (e->kind != NODE_Attribute || e->v.Attribute.value->kind != NODE_Name)
        return NULL;
    const char *base = e->v.Attribute.value->v.Name.id, *attr = e->v.Attribute.attr;
    size_t n = strlen(base) + strlen(attr) + 2;
    char *s = arena_alloc(c->a, n);
    snprintf(s, n, "%s.%s", base, attr);
    return s;
}

static int flag_index(Ctx *c, const char *key, int create)
{
    if (!key)
        return -1;
    for (int i = 0; i < c->nflags; i++)
        if (!strcmp(c->flags[i], key))
            return i;
    if (!create || c->nflags == FLOW_MAX_FLAGS)
        return -1;
    c->flags[c->nflags] = key;
    return c->nflags++;
}

/* ------------------------------------------------------------- values */

static Val unknown(void)
{
    Val v = {VAL_UNKNOWN, 0, 0, NULL, 0, 0, NULL, 0};
    return v;
}

/*
 * The qualified name of expr in scope s of table t, copied into the
 * scratch arena: the table may be another module's, shared between threads,
 * so its own arena is not ours to allocate from.
 */
static const char *qualname(Ctx *c, const ScopeTable *t, const Scope *s, const Node *expr)
{
    char buf[512];
    size_t n = scope_qualname_buf(t, s, expr, buf, sizeof buf);
    if (!n || n >= sizeof buf)
        return NULL;
    return arena_strndup(c->a, buf, n);
}

/*
 * What e (in scope s of table t) holds, from the value model (value.h):
 * module-level names and imports, parameters, attributes, calls.  A
 * resource there is not this function's to follow (a module's session is
 * SL201's concern; a parameter's, borrowed_params'), unless keep_resources.
 */
static Val value_at(Ctx *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    Val v = value_of(c->env->values, c->a, t, s, e);
    return v.tag == VAL_RESOURCE && !c->keep_resources ? unknown() : v;
}

/* ------------------------------------------------------------- jobs */

static int runs_beside(int kind) { return kind == JOB_TASK || kind == JOB_THREAD; }

/* The pending task or thread on p that uses site r, or -1. */
static int running_job(const Path *p, int r)
{
    for (int i = 0; i < p->njobs; i++)
        if (runs_beside(p->job[i].kind) && (p->job[i].res >> r & 1))
            return i;
    return -1;
}

static void drop_job(Path *p, int i)
{
    for (; i + 1 < p->njobs; i++)
        p->job[i] = p->job[i + 1];
    p->njobs--;
    memset(&p->job[p->njobs], 0, sizeof p->job[p->njobs]);
}

/* Ends the jobs a wait covers: those whose handle is local var, those the
 * with-item `with` waits for, those started by the call at. */
static void jobs_end(Path *p, int var, const Node *with, const Node *at)
{
    for (int i = p->njobs - 1; i >= 0; i--)
        if ((var >= 0 && p->job[i].var == var) || (with && p->job[i].with == with) ||
            (at && p->job[i].at == at && runs_beside(p->job[i].kind)))
            drop_job(p, i); /* (awaiting a call that queued a background task does not run it) */
}

/*
 * Work starts at `at` using the sites in res.  A task or thread that shares
 * a site with other running work, or that runs many times at once, is
 * concurrent use (SL203).  The same call again (a loop) is the same job.
 */
static void job_start(Ctx *c, Path *p, int kind, uint32_t res, const Node *at, const Node *with,
                      int many)
{
    if (!res)
        return;
    many |= c->in_comp > 0 && kind != JOB_CORO;
    for (int r = 0; r < c->nsites && runs_beside(kind); r++) {
        if (!(res >> r & 1))
            continue;
        int j = running_job(p, r);
        const char *note = NULL;
        if (j >= 0 && p->job[j].at == at)
            note = fmt(c, "this %s is started again, here, while the last one still runs",
                       job_names[kind]);
        else if (j >= 0)
            note = fmt(c, "this %s starts here while the %s started on line %d still uses it",
                       job_names[kind], job_names[p->job[j].kind], p->job[j].at->lineno);
        else if (many)
            note = fmt(c, "one %s per item starts here, and they all run at once", job_names[kind]);
        if (note)
            report_job(c, FLOW_CONCURRENT, r, at, ev_push(c, p->ev[r], at, note), kind, NULL);
    }
    for (int i = 0; i < p->njobs; i++)
        if (p->job[i].at == at) {
            p->job[i].res |= res;
            p->job[i].many = 1; /* the same call again: a loop makes several */
            return;
        }
    if (p->njobs == FLOW_MAX_JOBS)
        return; /* over the cap: this work is not followed */
    Job *j = &p->job[p->njobs++];
    j->at = at;
    j->with = with;
    j->res = res;
    j->var = -1;
    j->kind = (uint8_t)kind;
    j->many = (uint8_t)many;
    for (int r = 0; r < c->nsites; r++)
        if (res >> r & 1)
            p->ev[r] = ev_push(c, p->ev[r], at, fmt(c, "handed to a %s here", job_names[kind]));
}

/* ------------------------------------------------------------- effects */

/* Site r is released at `at`: work still pending on it outlives it. */
static void released_under_work(Ctx *c, Path *p, int r, const Node *at, int by_with)
{
    for (int i = 0; i < p->njobs && !c->env->summary && !p->raised; i++) {
        const Job *j = &p->job[i];
        if (!(j->res >> r & 1) || j->kind == JOB_CORO)
            continue;
        const Ev *e = ev_push(c, p->ev[r], at,
                              by_with ? fmt(c, "released here, at the end of the with block, while "
                                               "the %s may still use it", job_names[j->kind])
                                      : fmt(c, "released here while the %s may still use it",
                                            job_names[j->kind]));
        report_job(c, FLOW_OUTLIVES, r, j->at, e, j->kind, NULL);
    }
}

static void release(Ctx *c, Path *p, int r, const Node *at, int by_with)
{
    const ResInfo *ri = model_user_res(c->env->model, c->site[r].val.kind);
    if (p->res[r] == RS_RELEASED) {
        int harm = ri->twice;
        if (harm != HARM_NONE) {
            const Ev *e = ev_push(c, p->ev[r], at, fmt(c, "%s released again here", noun(c, r)));
            report(c, FLOW_DOUBLE_RELEASE, r, at, e);
        }
        return;
    }
    if (p->res[r] == RS_BORROWED && c->site[r].param_only) {
        /* a parameter of a type or callers' value: whose it is we do not know, so
           closing it is no finding, but using it afterwards is */
        p->res[r] = RS_RELEASED;
        p->released_at[r] = at;
        p->ev[r] = ev_push(c, p->ev[r], at, "released here");
        return;
    }
    if (p->res[r] == RS_BORROWED) {
        const FlowSummary *o = c->site[r].owner;
        if (o && !o->uses_after && o->releases_after && ri->twice == HARM_REDUNDANT &&
            c->site[r].node->kind == NODE_Call) {
            /* `with provider() as s: ... s.close()`: the provider closes it again */
            const Ev *e = ev_push(c, p->ev[r], at, "released here; its provider releases it again");
            report(c, FLOW_DOUBLE_RELEASE, r, at, e);
        } else if (o && ((o->uses_after && !(p->committed >> r & 1) && !p->raised) ||
                         (o->releases_after && ri->twice == HARM_DOUBLE))) {
            /* closing before the provider's commit discards the writes, unless
             * this function committed them itself just before, or an exception
             * is on its way out (FastAPI throws it into the provider, whose
             * commit after the yield then does not run) */
            const Ev *e = ev_push(c, p->ev[r], at,
                                  o->uses_after ? "released here, before its provider commits it"
                                                : "released here, and its provider releases it again");
            report(c, FLOW_RELEASE_BORROWED, r, at, e);
        }
        p->res[r] = RS_RELEASED;
        return;
    }
    if (p->res[r] == RS_OPEN || p->res[r] == RS_REOPENED || p->res[r] == RS_IDLE ||
        (by_with && p->res[r] == RS_GONE)) /* returned from a with block that still closes it */
        released_under_work(c, p, r, at, by_with);
    if (p->res[r] != RS_OPEN && p->res[r] != RS_REOPENED && p->res[r] != RS_IDLE)
        return;
    if (c->env->summary && p->yielded && r == c->yielded_site)
        c->env->summary->releases_after = 1;
    p->res[r] = RS_RELEASED;
    p->released_at[r] = at;
    c->site[r].ever_released = 1;
    c->released |= 1u << r;
    p->ev[r] = ev_push(c, p->ev[r], at,
                       by_with ? "released here, at the end of the with block" : "released here");
    for (int i = 0; i < c->nsites; i++) /* a closed connection closes its cursors */
        if (c->site[i].parent == r && p->res[i] == RS_OPEN) {
            p->res[i] = RS_RELEASED;
            p->ev[i] = ev_push(c, p->ev[i], at, "closed here with its connection");
        }
}

static void use(Ctx *c, Path *p, int r, const Node *at)
{
    for (int i = 0; c->env->summary && i < c->nparams; i++)
        if (c->param_site[i] == r)
            c->env->summary->uses |= 1u << i;
    if (c->env->summary && p->yielded && r == c->yielded_site && c->use_commits)
        c->env->summary->uses_after = 1;
    int j = c->job_args ? -1 : running_job(p, r);
    if (j >= 0 && !c->env->summary) {
        const Ev *e = ev_push(c, p->ev[r], at,
                              fmt(c, "used here while the %s started on line %d may be using it",
                                  job_names[p->job[j].kind], p->job[j].at->lineno));
        report_job(c, FLOW_CONCURRENT, r, at, e, p->job[j].kind, NULL);
    }
    if (p->res[r] == RS_IDLE)
        p->res[r] = RS_OPEN;
    if (p->res[r] != RS_RELEASED)
        return;
    if (model_user_res(c->env->model, c->site[r].val.kind)->after == AFTER_REOPENS) {
        /* the session checks out a new connection: a problem if nothing
         * releases it again, which the exit check decides */
        p->res[r] = RS_REOPENED;
        p->reopened[r] = at;
        p->ev[r] = ev_push(c, p->ev[r], at, "used here after close: this opens a new connection");
        return;
    }
    const Ev *e = ev_push(c, p->ev[r], at, fmt(c, "%s used here after release", noun(c, r)));
    report(c, FLOW_USE_AFTER, r, at, e);
    p->res[r] = RS_GONE; /* one report per path: later uses follow from this one */
}

static void gone(Path *p, int r)
{
    if (r >= 0 && (p->res[r] == RS_OPEN || p->res[r] == RS_REOPENED || p->res[r] == RS_IDLE))
        p->res[r] = RS_GONE;
}

/*
 * Handing a resource to code we do not see: an idle session gets used.
 * If that very call raises, the session may never have been used, so the
 * exception path keeps it idle (see transfer).
 */
static void lent(Ctx *c, Path *p, int r)
{
    if (r >= 0 && p->res[r] == RS_IDLE) {
        p->res[r] = RS_OPEN;
        c->lent |= 1u << r;
    }
}

/* The site for an acquisition at node, created on first sight; -1 if full. */
static int site_for(Ctx *c, const Node *node, Val v, int parent)
{
    for (int i = 0; i < c->nsites; i++)
        if (c->site[i].node == node)
            return i;
    if (c->nsites == FLOW_MAX_RES)
        return -1;
    Site *s = &c->site[c->nsites];
    memset(s, 0, sizeof *s);
    s->node = node;
    s->val = v;
    s->parent = parent;
    s->with = NULL;
    s->name = NULL;
    s->ever_released = 0;
    s->ever_returned = 0;
    s->owner = NULL;
    s->early = 0;
    s->when = NULL;
    s->param_only = 0;
    s->state = NULL;
    s->owner_def = NULL;
    s->owner_path = NULL;
    s->owner_line = s->owner_col = 0;
    s->owner_note = NULL;
    s->holder = 0;
    s->in_finally = c->step && c->step->is_finally_copy;
    return c->nsites++;
}

static int acquire(Ctx *c, Path *p, const Node *node, Val v, int parent)
{
    if (v.kind < 32 && (p->patched >> v.kind & 1))
        return -1; /* its maker is patched: a mock, or None */
    int r = site_for(c, node, v, parent);
    if (r < 0)
        return -1;
    if ((p->res[r] == RS_OPEN || p->res[r] == RS_REOPENED) && !p->held[r]) {
        /* the last iteration's resource is still open and about to be replaced */
        for (int i = 0; i < c->nvars; i++) {
            if (p->var[i] != r)
                continue;
            const Ev *e = ev_push(c, p->ev[r], node,
                                  fmt(c, "`%s` is rebound here while still open", c->vars[i]));
            report(c, FLOW_LEAK, r, c->site[r].node, e);
            break;
        }
    }
    p->res[r] = v.kind == RES_SESSION ? RS_IDLE : RS_OPEN;
    p->held[r] = 0;
    p->reported[r] = 0;
    p->committed &= ~(1u << r);
    p->release_raised &= ~(1u << r);
    p->ev[r] = ev_push(c, NULL, node, fmt(c, "%s acquired here", noun(c, r)));
    c->acquired |= 1u << r;
    return r;
}

typedef struct Res {
    int site; /* the resource the expression evaluates to, or -1 */
    Val val;  /* its value otherwise */
    int closing; /* contextlib.closing(x): site is x */
    const Node *with_item; /* an ExitStack: the with-item that made it */
    int kept;              /* an object made here keeps site kept - 1 (0: none) ... */
    const char *kept_attr; /* ... on self.<kept_attr> */
} Res;

static Res eval(Ctx *c, Path *p, const Node *e);

/* eval, also asking the value model what e holds when no tracked local
 * does (a callee, a receiver, what a name is bound to): plain eval leaves
 * the value of names and attributes it does not follow unknown. */
static Res eval_value(Ctx *c, Path *p, const Node *e)
{
    c->want = 1;
    return eval(c, p, e);
}

static int is_storing_method(const char *m)
{
    static const char *const names[] = {"append", "add", "extend", "insert", "put", "put_nowait",
                                        "setdefault", "update", "appendleft", "enter_context",
                                        "enter_async_context", "push", "callback",
                                        "push_async_callback", "register", "set"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(m, names[i]))
            return 1;
    return 0;
}

/* ------------------------------------------------------------- work */

typedef struct Uses {
    Ctx *c;
    const Path *p;
    uint32_t mask;
    const Scope *inner; /* a lambda or nested def being read, or NULL */
    int depth;
} Uses;

static void uses_kid(Node *parent, Node *n, void *arg);

/* The sites that work made of e would use: names holding them, also inside
 * lambdas and the nested functions it names (their free variables), and
 * request.state attributes already seen. */
static void uses_scan(Uses *u, const Node *n)
{
    Ctx *c = u->c;
    if (!n || u->depth > EVAL_MAX_DEPTH)
        return;
    if (n->kind == NODE_Name) {
        const Scope *where = NULL;
        const Scope *from = u->inner ? u->inner : c->scope;
        const Binding *b = scope_lookup(c->env->scopes, from, n->v.Name.id, &where);
        if (u->inner && where != c->scope)
            return; /* the nested code's own name */
        int h = held_by(c, u->p, n);
        if (h >= 0) {
            u->mask |= 1u << h;
        } else if (b && b->kind == BIND_DEF && b->def && where == c->scope &&
                   c->scope->kind == SCOPE_FUNCTION && b->def != c->g->func) {
            /* a function defined in this one: what it reads of ours */
            const Scope *saved = u->inner, *in = scope_of(c->env->scopes, b->def);
            if (in) {
                u->inner = in;
                u->depth += 8;
                ast_children(b->def, uses_kid, u);
                u->depth -= 8;
                u->inner = saved;
            }
        }
        return;
    }
    for (int i = 0; i < c->nsites; i++)
        if (c->site[i].node == n && c->site[i].state)
            u->mask |= 1u << i;
    if (n->kind == NODE_Attribute && n->v.Attribute.value->kind == NODE_Name &&
        !strcmp(n->v.Attribute.value->v.Name.id, "self"))
        for (int i = 0; i < c->nsites; i++) /* a class-based view's dependency */
            if (c->site[i].name && !strncmp(c->site[i].name, "self.", 5) &&
                !strcmp(c->site[i].name + 5, n->v.Attribute.attr))
                u->mask |= 1u << i;
    if (n->kind == NODE_Lambda) {
        const Scope *saved = u->inner, *in = scope_of(c->env->scopes, n);
        u->inner = in ? in : saved;
        u->depth++;
        ast_children((Node *)n, uses_kid, u);
        u->depth--;
        u->inner = saved;
        return;
    }
    u->depth++;
    ast_children((Node *)n, uses_kid, u);
    u->depth--;
}

static void uses_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    uses_scan(arg, n);
}

static uint32_t uses_of(Ctx *c, const Path *p, const Node *e)
{
    Uses u = {c, p, 0, NULL, 0};
    uses_scan(&u, e);
    return u.mask;
}

/* The sites a call's arguments from the first-th on would hand to work. */
static uint32_t args_uses(Ctx *c, const Path *p, const Node *call, int first)
{
    uint32_t m = 0;
    for (int i = first; i < call->v.Call.args.n; i++)
        m |= uses_of(c, p, call->v.Call.args.items[i]);
    for (int i = 0; i < call->v.Call.keywords.n; i++)
        m |= uses_of(c, p, call->v.Call.keywords.items[i]->v.keyword.value);
    return m;
}

static int is_comprehension(const Node *e)
{
    return e->kind == NODE_ListComp || e->kind == NODE_SetComp || e->kind == NODE_GeneratorExp ||
           e->kind == NODE_DictComp;
}

/* Waiting for e ends the work it names: a handle, a list of handles, the
 * task a call in it started. */
static void wait_for(Ctx *c, Path *p, const Node *e)
{
    if (e->kind == NODE_Starred)
        e = e->v.Starred.value;
    if (e->kind == NODE_Name)
        jobs_end(p, var_index(c, e->v.Name.id, 0), NULL, NULL);
    else if (e->kind == NODE_Call)
        jobs_end(p, -1, NULL, e);
    else if (e->kind == NODE_List || e->kind == NODE_Tuple || e->kind == NODE_Set)
        for (int i = 0; i < e->v.List.elts.n; i++)
            wait_for(c, p, e->v.List.elts.items[i]);
}

/*
 * Awaitables that run at once (gather's arguments, the list given to wait
 * or as_completed): a site that two of them use, or a comprehension of
 * them uses, is concurrent use; so is one that a running task uses too.
 * Coroutines kept in a local list (JOB_CORO) start here.
 */
static void run_together(Ctx *c, Path *p, const Node *call, const Node *const *aws, int n)
{
    int count[FLOW_MAX_RES] = {0};
    for (int i = 0; i < n; i++) {
        const Node *e = aws[i];
        if (e->kind == NODE_Starred)
            e = e->v.Starred.value;
        int many = is_comprehension(e);
        uint32_t m = uses_of(c, p, e);
        int v = e->kind == NODE_Name ? var_index(c, e->v.Name.id, 0) : -1;
        for (int k = 0; v >= 0 && k < p->njobs; k++)
            if (p->job[k].var == v && p->job[k].kind == JOB_CORO) {
                m |= p->job[k].res;
                many |= p->job[k].many;
            }
        for (int r = 0; r < c->nsites; r++)
            if (m >> r & 1)
                count[r] += many ? 2 : 1;
    }
    for (int r = 0; r < c->nsites; r++) {
        int j = count[r] ? running_job(p, r) : -1;
        if (count[r] < 2 && j < 0)
            continue;
        const char *note = count[r] >= 2
            ? "these awaitables all use it and run at the same time"
            : fmt(c, "this runs while the %s started on line %d still uses it",
                  job_names[p->job[j].kind], p->job[j].at->lineno);
        report_job(c, FLOW_CONCURRENT, r, call, ev_push(c, p->ev[r], call, note), JOB_TASK, NULL);
    }
    for (int i = 0; i < n; i++) /* gathered: the tasks named or started here are waited for */
        wait_for(c, p, aws[i]);
}

/* The awaitables of the iterable given to asyncio.wait / as_completed. */
static void run_iterable(Ctx *c, Path *p, const Node *call)
{
    if (call->v.Call.args.n < 1)
        return;
    const Node *it = call->v.Call.args.items[0];
    if (it->kind == NODE_List || it->kind == NODE_Tuple || it->kind == NODE_Set)
        run_together(c, p, call, (const Node *const *)it->v.List.elts.items, it->v.List.elts.n);
    else
        run_together(c, p, call, &it, 1);
}

static const char *const stream_types[] = {"fastapi.responses.StreamingResponse",
                                           "starlette.responses.StreamingResponse",
                                           "sse_starlette.sse.EventSourceResponse",
                                           "sse_starlette.EventSourceResponse", NULL};

static int in_list(const char *q, const char *const *names)
{
    for (; q && *names; names++)
        if (!strcmp(q, *names))
            return 1;
    return 0;
}

static const FlowSummary *callee_summary(Ctx *c, const Node *f);

/*
 * Work that runs fn(args...): a resource given to it that fn releases on
 * every path (`background_tasks.add_task(write_audit, db)` where
 * write_audit closes db in its finally) now belongs to the work; the
 * function that started it owes no release.
 */
static void task_takes(Ctx *c, Path *p, const Node *fn, const Node *const *args, int nargs)
{
    const FlowSummary *sum = fn ? callee_summary(c, fn) : NULL;
    for (int i = 0; sum && i < nargs && i < 32; i++) {
        int h = held_by(c, p, args[i]);
        if (h >= 0 && (sum->releases >> i & 1) &&
            (p->res[h] == RS_OPEN || p->res[h] == RS_IDLE || p->res[h] == RS_REOPENED)) {
            p->res[h] = RS_GONE;
            c->site[h].ever_returned = 1; /* handed over, not leaked */
            p->ev[h] = ev_push(c, p->ev[h], args[i], "handed to the work that releases it");
        }
    }
}

/* task_takes for call's arguments from the first-th on, fn given apart. */
static void task_takes_args(Ctx *c, Path *p, const Node *fn, const Node *call, int first)
{
    int n = call->v.Call.args.n - first;
    if (n > 0)
        task_takes(c, p, fn, (const Node *const *)call->v.Call.args.items + first, n);
}

/* A coroutine handed to create_task / ensure_future: `create_task(f(db))`. */
static void task_takes_coro(Ctx *c, Path *p, const Node *coro)
{
    if (coro && coro->kind == NODE_Call)
        task_takes_args(c, p, coro->v.Call.func, coro, 0);
}

/* A call of a library function that starts or runs work (asyncio,
 * threading, Starlette): its effect on the jobs of p, after its arguments
 * were evaluated. */
static void job_function(Ctx *c, Path *p, const Node *call, const char *q)
{
    static const char *const tasks[] = {"asyncio.create_task", "asyncio.ensure_future",
                                        "asyncio.tasks.create_task", "asyncio.tasks.ensure_future",
                                        NULL};
    static const char *const background[] = {"starlette.background.BackgroundTask",
                                             "fastapi.background.BackgroundTask", NULL};
    if (!q)
        return;
    if (in_list(q, tasks) && call->v.Call.args.n > 0) {
        job_start(c, p, JOB_TASK, uses_of(c, p, call->v.Call.args.items[0]), call, NULL, 0);
        task_takes_coro(c, p, call->v.Call.args.items[0]);
    } else if (!strcmp(q, "asyncio.gather")) {
        run_together(c, p, call, (const Node *const *)call->v.Call.args.items, call->v.Call.args.n);
    } else if (!strcmp(q, "asyncio.wait") || !strcmp(q, "asyncio.as_completed")) {
        run_iterable(c, p, call);
    } else if ((!strcmp(q, "concurrent.futures.wait") || !strcmp(q, "concurrent.futures.as_completed")) &&
               call->v.Call.args.n > 0) {
        wait_for(c, p, call->v.Call.args.items[0]); /* the threads already ran apart */
    } else if (!strcmp(q, "threading.Thread")) {
        job_start(c, p, JOB_THREAD, args_uses(c, p, call, 0), call, NULL, 0);
        const Node *target = NULL, *targs = NULL;
        for (int i = 0; i < call->v.Call.keywords.n; i++) {
            const Node *k = call->v.Call.keywords.items[i];
            if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "target"))
                target = k->v.keyword.value;
            else if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "args"))
                targs = k->v.keyword.value;
        }
        if (target && targs && (targs->kind == NODE_Tuple || targs->kind == NODE_List))
            task_takes(c, p, target, (const Node *const *)targs->v.Tuple.elts.items,
                       targs->v.Tuple.elts.n);
    } else if (in_list(q, background)) {
        job_start(c, p, JOB_BACKGROUND, args_uses(c, p, call, 0), call, NULL, 0);
        if (call->v.Call.args.n > 0)
            task_takes_args(c, p, call->v.Call.args.items[0], call, 1);
    } else if (in_list(q, stream_types)) {
        const Node *body = call->v.Call.args.n ? call->v.Call.args.items[0] : NULL;
        for (int i = 0; i < call->v.Call.keywords.n; i++) {
            const Node *k = call->v.Call.keywords.items[i];
            if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "content"))
                body = k->v.keyword.value;
        }
        job_start(c, p, JOB_STREAM, uses_of(c, p, body), call, NULL, 0);
    }
}

/* recv.m(...) that starts or waits for work: add_task, create_task,
 * submit, run_in_executor, join, result. */
static void job_method(Ctx *c, Path *p, const Node *call, const Res *rv, const Node *recv,
                       const char *m)
{
    Val v = rv->site >= 0 ? c->site[rv->site].val : rv->val;
    int fac = v.tag == VAL_FACTORY ? v.kind : FAC_NONE;
    if (rv->site >= 0 && v.kind != RES_ANY)
        return; /* a resource's own method (a summary's parameter may be anything) */
    const Node *a0 = call->v.Call.args.n > 0 ? call->v.Call.args.items[0] : NULL;
    if (!strcmp(m, "add_task") && a0) {
        job_start(c, p, JOB_BACKGROUND, args_uses(c, p, call, 0), call, NULL, 0);
        task_takes_args(c, p, a0, call, 1);
    } else if ((!strcmp(m, "create_task") || !strcmp(m, "start_soon")) && a0) {
        job_start(c, p, JOB_TASK, args_uses(c, p, call, 0), call,
                  fac == FAC_TASKGROUP ? rv->with_item : NULL, 0);
        if (!strcmp(m, "create_task"))
            task_takes_coro(c, p, a0);
        else
            task_takes_args(c, p, a0, call, 1);
    } else if (!strcmp(m, "run_in_executor") && call->v.Call.args.n > 1) {
        job_start(c, p, JOB_THREAD, args_uses(c, p, call, 1), call, NULL, 0);
        task_takes_args(c, p, call->v.Call.args.items[1], call, 2);
    } else if (!strcmp(m, "submit") && fac == FAC_EXECUTOR && a0) {
        job_start(c, p, JOB_THREAD, args_uses(c, p, call, 0), call, rv->with_item, 0);
        task_takes_args(c, p, a0, call, 1);
    } else if (!strcmp(m, "map") && fac == FAC_EXECUTOR && call->v.Call.args.n > 0) {
        job_start(c, p, JOB_THREAD, uses_of(c, p, call->v.Call.args.items[0]), call, NULL, 1);
        jobs_end(p, -1, NULL, call); /* map's own threads: they are what ran at once */
    } else if (!strcmp(m, "join") || !strcmp(m, "result") || !strcmp(m, "exception")) {
        if (recv->kind == NODE_Name)
            jobs_end(p, var_index(c, recv->v.Name.id, 0), NULL, NULL);
        else if (recv->kind == NODE_Call) /* ex.submit(f, db).result() */
            jobs_end(p, -1, NULL, recv);
    }
}

static int is_job_method(const char *m)
{
    static const char *const names[] = {"add_task", "create_task", "start_soon", "run_in_executor",
                                        "submit", "map", NULL};
    return in_list(m, names);
}

/*
 * `tasks.append(create_task(...))`, `coros.append(fetch(db, i))`: the list
 * var now holds the jobs those arguments started, or (in a coroutine) the
 * coroutines they made, which run when the list is gathered.
 */
static void keep_handles(Ctx *c, Path *p, const Node *call, int var)
{
    if (var < 0)
        return;
    for (int i = 0; i < call->v.Call.args.n; i++) {
        const Node *a = call->v.Call.args.items[i];
        int found = 0;
        for (int k = 0; k < p->njobs; k++)
            if (p->job[k].at == a) {
                p->job[k].var = (int8_t)var;
                p->job[k].many |= p->job[k].kind == JOB_CORO; /* kept again: a loop's */
                found = 1;
            }
        if (!found && a->kind == NODE_Call && c->g->func->kind == NODE_AsyncFunctionDef) {
            job_start(c, p, JOB_CORO, args_uses(c, p, a, 0), a, NULL, 0);
            for (int k = 0; k < p->njobs; k++)
                if (p->job[k].at == a)
                    p->job[k].var = (int8_t)var;
        }
    }
}

/* Arguments of a call: evaluated, and resources stored by it handed off. */
static void call_args(Ctx *c, Path *p, const Node *call, int stores)
{
    const NodeList *args = &call->v.Call.args;
    for (int i = 0; i < args->n; i++) {
        const Node *a = args->items[i];
        if (a->kind == NODE_Attribute && stores) /* stack.callback(s.close) */
            a = a->v.Attribute.value;
        Res r = eval(c, p, a);
        lent(c, p, r.site);
        if (r.site >= 0 && (stores || (c->acquired >> r.site & 1)))
            gone(p, r.site); /* stored, or made just to be handed over */
        for (int v = 0; a->kind == NODE_Name && v < c->nvars; v++)
            if (p->var[v] >= 0 && inside(c->vars[v], a->v.Name.id) &&
                p->res[p->var[v]] == RS_IDLE)
                p->res[p->var[v]] = RS_OPEN; /* call_next(request) runs what uses request.state.db */
    }
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        Res r = eval(c, p, call->v.Call.keywords.items[i]->v.keyword.value);
        lent(c, p, r.site);
        if (r.site >= 0 && (stores || (c->acquired >> r.site & 1)))
            gone(p, r.site);
    }
}

static void gen_done(Ctx *c, Path *p, const char *gen, const Node *at);

/* Is e `<x>.execution_options(..., stream_results=True, ...)`? */
static int streams(const Node *e)
{
    if (e->kind != NODE_Call || e->v.Call.func->kind != NODE_Attribute ||
        strcmp(e->v.Call.func->v.Attribute.attr, "execution_options"))
        return 0;
    for (int i = 0; i < e->v.Call.keywords.n; i++) {
        const Node *k = e->v.Call.keywords.items[i];
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "stream_results") &&
            k->v.keyword.value->kind == NODE_Constant &&
            k->v.keyword.value->v.Constant.value.kind == CONST_TRUE)
            return 1;
    }
    return 0;
}

/* recv.m(...) where recv evaluated to rv */
static Res method_call(Ctx *c, Path *p, const Node *call, Res rv, const char *m)
{
    Res out = {-1, unknown(), 0, NULL, 0, NULL};
    Val made = {0};
    int with_only = 0;
    Val recv = rv.site >= 0 ? c->site[rv.site].val : rv.val;
    MethodEffect eff = model_user_method(c->env->model, &recv, m, &made, &with_only);
    if (rv.site >= 0 && c->site[rv.site].holder)
        eff = EFF_USE; /* repo.save(): the object's method uses the session it keeps */
    if (eff == EFF_USE && !strcmp(m, "execute") && recv.tag == VAL_RESOURCE &&
        recv.kind == RES_CONNECTION && streams(call->v.Call.func->v.Attribute.value)) {
        /* conn.execution_options(stream_results=True).execute(...): a server-side
           cursor, read as it is iterated, tied to the connection */
        eff = EFF_ACQUIRE;
        made = recv;
        made.kind = RES_CURSOR;
        made.node = NULL;
    }
    if (eff == EFF_NONE && recv.tag == VAL_UNKNOWN && !strcmp(m, "cursor") && !call->v.Call.args.n &&
        !c->pool_hook) {
        /* a DB-API cursor of a connection we were handed (not by a pool's event hook:
           that connection and its cursors are the pool's) */
        eff = EFF_ACQUIRE;
        made.tag = VAL_RESOURCE;
        made.kind = RES_CURSOR;
        made.is_async = 0;
        made.qual = NULL;
    }
    if (recv.tag == VAL_FACTORY && recv.kind == FAC_GENERATOR &&
        (!strcmp(m, "close") || !strcmp(m, "aclose") || !strcmp(m, "throw") ||
         !strcmp(m, "athrow"))) {
        gen_done(c, p, var_key(c, call->v.Call.func->v.Attribute.value), call);
        return out;
    }
    if (eff == EFF_RELEASE_ARG && call->v.Call.args.n > 0) {
        Res a = eval(c, p, call->v.Call.args.items[0]);
        call_args(c, p, call, 0);
        if (a.site >= 0)
            release(c, p, a.site, call, 0);
        return out;
    }
    if (recv.tag == VAL_FACTORY && recv.kind == FAC_EXITSTACK && rv.with_item &&
        call->v.Call.args.n == 1) {
        /* stack.enter_context(x) / stack.callback(x.close): x is released when
         * the with block that made the stack ends */
        const Node *arg = call->v.Call.args.items[0];
        int callback = !strcmp(m, "callback") || !strcmp(m, "push_async_callback");
        if (callback && arg->kind == NODE_Attribute && !strcmp(arg->v.Attribute.attr, "close"))
            arg = arg->v.Attribute.value;
        else if (!callback && strcmp(m, "enter_context") && strcmp(m, "enter_async_context"))
            arg = NULL;
        if (arg) {
            Res a = eval(c, p, arg);
            if (a.site >= 0 && (callback || a.closing ||
                               model_user_res(c->env->model, c->site[a.site].val.kind)
                                   ->with_releases)) {
                p->held[a.site] = 1;
                c->site[a.site].with = rv.with_item;
            }
            return callback ? out : a; /* enter_context returns what it entered */
        }
    }
    int stores = rv.site < 0 && recv.tag != VAL_RESOURCE && is_storing_method(m);
    const Node *recv_node = call->v.Call.func->v.Attribute.value;
    int starts = (rv.site < 0 || recv.kind == RES_ANY) && is_job_method(m);
    c->job_args += starts;
    call_args(c, p, call, stores);
    c->job_args -= starts;
    job_method(c, p, call, &rv, recv_node, m);
    if (stores && recv_node->kind == NODE_Name && call->v.Call.args.n > 0)
        keep_handles(c, p, call, var_index(c, recv_node->v.Name.id, 1));
    if (eff == EFF_RELEASE && rv.site >= 0 && c->site[rv.site].val.is_async &&
        c->step->kind == STEP_EXPR && c->step->node == call) {
        /* `conn.close()` of an async connection, not awaited: a coroutine that
         * never runs, so nothing is closed */
        eff = EFF_NONE;
        p->ev[rv.site] = ev_push(c, p->ev[rv.site], call,
                                 "not awaited here, so this release never runs");
    }
    if (rv.site >= 0) {
        c->use_commits = strcmp(m, "rollback") != 0; /* a provider rolling back changes nothing */
        if (eff == EFF_RELEASE)
            release(c, p, rv.site, call, 0);
        else if (eff == EFF_USE || eff == EFF_ACQUIRE || eff == EFF_NONE)
            use(c, p, rv.site, call);
        c->use_commits = 0;
        if (p->res[rv.site] == RS_REOPENED && (!strcmp(m, "commit") || !strcmp(m, "rollback"))) {
            /* a closed session used again, then committed: the commit gives
             * back the connection the use checked out (observed: tests/proof) */
            p->res[rv.site] = RS_RELEASED;
            p->ev[rv.site] = ev_push(c, p->ev[rv.site], call,
                                     "the connection goes back to the pool here");
        }
        if (eff != EFF_SAFE && eff != EFF_RELEASE) { /* what a provider's commit would find */
            if (!strcmp(m, "commit"))
                p->committed |= 1u << rv.site;
            else
                p->committed &= ~(1u << rv.site);
        }
    }
    if (eff == EFF_ACQUIRE && (!with_only || (c->step->kind == STEP_WITH_ENTER))) {
        out.site = acquire(c, p, call, made, rv.site);
        out.val = made;
    }
    if (eff == EFF_SELF)
        out = rv;
    return out;
}

/* The summary of the function a call's callee names, if it is one of ours. */
static const FlowSummary *summary_in(Ctx *c, const ScopeTable *t, const Scope *s, const Node *f)
{
    const char *q = NULL;
    if (f->kind == NODE_Name) {
        const Binding *b = scope_lookup(t, s, f->v.Name.id, NULL);
        if (b && b->kind == BIND_DEF && b->def && c->env->summary_of)
            return c->env->summary_of(c->env->summary_arg, b->def);
        if (b && b->kind == BIND_IMPORT)
            q = b->qualname;
    } else if (f->kind == NODE_Attribute) {
        q = qualname(c, t, s, f); /* a module's function: db.get_session */
    }
    FlowDef d;
    if (q && c->env->resolve && c->env->resolve(c->env->resolve_arg, q, &d))
        return d.summary;
    return NULL;
}

static const FlowSummary *callee_summary(Ctx *c, const Node *f)
{
    return summary_in(c, c->env->scopes, c->scope, f);
}

/* The value of a name or attribute without evaluating it for effects. */
/* An object, class or function of the project: what the value model says
 * of it holds on every path. */
static int is_object(Val v)
{
    return v.tag == VAL_OBJECT || v.tag == VAL_CLASS || v.tag == VAL_FUNC;
}

static Val peek_value(Ctx *c, const Path *p, const Node *e)
{
    if (e->kind == NODE_Name) {
        int v = var_index(c, e->v.Name.id, 0);
        if (v >= 0 && p->var[v] >= 0)
            return c->site[p->var[v]].val;
        if (v >= 0 && c->var_val[v].tag != VAL_UNKNOWN)
            return c->var_val[v];
        if (v >= 0 && p->var[v] != VAR_UNKNOWN)
            return unknown();
        if (v >= 0) { /* an object the path knows nothing of: the model's, if it is one */
            Val o = value_at(c, c->env->scopes, c->scope, e);
            return is_object(o) ? o : unknown();
        }
    }
    return value_at(c, c->env->scopes, c->scope, e);
}

/*
 * A call of a helper that hands the items of a parameter to tasks or
 * threads running at once (FlowSummary.fans_out): items that all use one
 * session (a comprehension of them, or two in a list) are concurrent use.
 */
static void fanned(Ctx *c, Path *p, const Node *call, const FlowSummary *sum)
{
    for (int i = 0; i < call->v.Call.args.n && i < 32; i++) {
        if (!(sum->fans_out >> i & 1))
            continue;
        const Node *a = call->v.Call.args.items[i];
        if (a->kind == NODE_Name) { /* items = [(load, (i, db)) for i in ids]; run(items) */
            const Scope *where = NULL;
            const Binding *b = scope_lookup(c->env->scopes, c->scope, a->v.Name.id, &where);
            if (!b || where != c->scope || b->nbind != 1 || !b->value)
                continue;
            a = b->value;
        }
        uint32_t m = 0, twice = 0;
        if (is_comprehension(a) && a->kind != NODE_DictComp) {
            twice = m = uses_of(c, p, a->v.ListComp.elt);
        } else if (a->kind == NODE_List || a->kind == NODE_Tuple) {
            for (int k = 0; k < a->v.List.elts.n; k++) {
                uint32_t u = uses_of(c, p, a->v.List.elts.items[k]);
                twice |= m & u;
                m |= u;
            }
        }
        for (int r = 0; r < c->nsites; r++) {
            if (!(twice >> r & 1))
                continue;
            int kind = sum->fans_threads ? JOB_THREAD : JOB_TASK;
            const Ev *e = ev_push(c, p->ev[r], call,
                                  fmt(c, "handed, item by item, to %s that run at the same time",
                                      kind == JOB_THREAD ? "threads" : "tasks"));
            report_job(c, FLOW_CONCURRENT, r, call, e, kind, NULL);
        }
    }
}

/*
 * The class that the name `name` means in scope s of table t, here or
 * imported from another module of the project: its ClassDef, with the
 * table and the file (NULL: this module's) that hold it; NULL if none.
 */
static const Node *class_named(Ctx *c, const ScopeTable *t, const Scope *s, const char *name,
                               const ScopeTable **in, const char **path)
{
    const Binding *b = scope_lookup(t, s, name, NULL);
    FlowDef d;
    *in = t;
    if (path)
        *path = NULL;
    if (b && b->kind == BIND_IMPORT && b->qualname && c->env->resolve &&
        c->env->resolve(c->env->resolve_arg, b->qualname, &d) && d.binding) {
        b = d.binding;
        *in = d.scopes;
        if (path)
            *path = d.scopes == c->env->scopes ? NULL : d.path;
    }
    return b && b->kind == BIND_CLASS && b->def ? b->def : NULL;
}

/* The __init__ a class body defines, or NULL. */
static const Node *init_of(const Node *cls)
{
    const NodeList *body = &cls->v.ClassDef.body;
    for (int i = 0; i < body->n; i++)
        if (body->items[i]->kind == NODE_FunctionDef &&
            !strcmp(body->items[i]->v.FunctionDef.name, "__init__"))
            return body->items[i];
    return NULL;
}

/* The name of the parameter of __init__ that argument i (or keyword kw)
 * fills, or NULL. */
static const char *init_param(const Node *def, int i, const char *kw)
{
    const Node *init = init_of(def);
    if (!init || kw)
        return init ? kw : NULL;
    const NodeList *ps = &init->v.FunctionDef.args->v.arguments.args;
    return i + 1 < ps->n ? ps->items[i + 1]->v.arg.arg : NULL; /* after self */
}

#define KEEPS_MAX_DEPTH 3 /* objects inside objects followed (service -> repository) */

static int init_keeps(Ctx *c, const ScopeTable *t, const Node *def, const char *name, int depth);

/* Does the method func (in table t) keep its parameter `name` on self:
 * `self.db = db`, or inside another object it keeps, `self.orders =
 * OrderRepository(db)` whose class keeps it in turn? */
static int method_keeps(Ctx *c, const ScopeTable *t, const Node *init, const char *name, int depth)
{
    const Scope *is = init ? scope_of(t, init) : NULL;
    for (int k = 0; init && k < init->v.FunctionDef.body.n; k++) {
        const Node *target, *value;
        if (!ast_single_assign(init->v.FunctionDef.body.items[k], &target, &value) ||
            target->kind != NODE_Attribute || target->v.Attribute.value->kind != NODE_Name ||
            strcmp(target->v.Attribute.value->v.Name.id, "self"))
            continue;
        if (value->kind == NODE_Name && !strcmp(value->v.Name.id, name))
            return 1;
        if (value->kind != NODE_Call || value->v.Call.func->kind != NODE_Name || !is ||
            depth >= KEEPS_MAX_DEPTH)
            continue;
        const ScopeTable *inner;
        const Node *cls = class_named(c, t, is, value->v.Call.func->v.Name.id, &inner, NULL);
        int n = value->v.Call.args.n + value->v.Call.keywords.n;
        for (int i = 0; cls && i < n; i++) {
            const Node *kwn = i >= value->v.Call.args.n
                                  ? value->v.Call.keywords.items[i - value->v.Call.args.n] : NULL;
            const Node *a = kwn ? kwn->v.keyword.value : value->v.Call.args.items[i];
            const char *param = init_param(cls, i, kwn ? kwn->v.keyword.arg : NULL);
            if (a->kind == NODE_Name && !strcmp(a->v.Name.id, name) && param &&
                init_keeps(c, inner, cls, param, depth + 1))
                return 1;
        }
    }
    return 0;
}

static int init_keeps(Ctx *c, const ScopeTable *t, const Node *def, const char *name, int depth)
{
    return method_keeps(c, t, init_of(def), name, depth);
}

/* The attribute __init__ of cls keeps its parameter `name` in, directly
 * (`self.session = session`), or NULL. */
static const char *keeps_attr(const Node *cls, const char *name)
{
    const Node *init = init_of(cls);
    for (int k = 0; init && k < init->v.FunctionDef.body.n; k++) {
        const Node *target, *value;
        if (ast_single_assign(init->v.FunctionDef.body.items[k], &target, &value) &&
            target->kind == NODE_Attribute && target->v.Attribute.value->kind == NODE_Name &&
            !strcmp(target->v.Attribute.value->v.Name.id, "self") && value->kind == NODE_Name &&
            !strcmp(value->v.Name.id, name))
            return target->v.Attribute.attr;
    }
    return NULL;
}

/* A holder site made at call, which keeps the borrowed site r: it has r's
 * owner and timing, and r's witness, then `note`. */
static int make_holder(Ctx *c, Path *p, const Node *call, int r, const char *note)
{
    int h = site_for(c, call, c->site[r].val, -1);
    if (h < 0)
        return -1;
    Site *src = &c->site[r], *dst = &c->site[h];
    dst->owner = src->owner;
    dst->early = src->early;
    dst->when = src->when;
    dst->owner_path = src->owner_path;
    dst->owner_line = src->owner_line;
    dst->owner_col = src->owner_col;
    dst->owner_note = src->owner_note;
    dst->holder = 1;
    p->res[h] = RS_BORROWED;
    p->ev[h] = ev_push(c, p->ev[r], call, note);
    return h;
}

/*
 * `Service(db)` where db is borrowed and the class keeps it on self: the
 * object holds the lender's session, so work handed the object (or its
 * bound methods) outlives the same owner.  A holder site, or -1.
 */
static int holder_site(Ctx *c, Path *p, const Node *call, Res *out)
{
    const Node *f = call->v.Call.func;
    if (c->env->summary || f->kind != NODE_Name)
        return -1;
    const ScopeTable *ct;
    const Node *cls = class_named(c, c->env->scopes, c->scope, f->v.Name.id, &ct, NULL);
    if (!cls)
        return -1;
    int n = call->v.Call.args.n + call->v.Call.keywords.n;
    for (int i = 0; i < n; i++) {
        const Node *kwn = i >= call->v.Call.args.n ? call->v.Call.keywords.items[i - call->v.Call.args.n]
                                                   : NULL;
        const Node *a = kwn ? kwn->v.keyword.value : call->v.Call.args.items[i];
        int r = held_by(c, p, a);
        const char *param = init_param(cls, i, kwn ? kwn->v.keyword.arg : NULL);
        if (r >= 0 && param && (p->res[r] == RS_OPEN || p->res[r] == RS_IDLE) &&
            keeps_attr(cls, param)) { /* our own, kept by the object: its methods may close it */
            out->kept = r + 1;
            out->kept_attr = keeps_attr(cls, param);
            continue;
        }
        if (r < 0 || p->res[r] != RS_BORROWED || !c->site[r].when)
            continue;
        if (!param || !init_keeps(c, ct, cls, param, 0))
            continue;
        return make_holder(c, p, call, r, fmt(c, "kept here by a `%s`", f->v.Name.id));
    }
    return -1;
}

/* Argument j of call (positional ones first, then keywords), or NULL. */
static const Node *arg_node(const Node *call, int j)
{
    int npos = call->v.Call.args.n;
    if (j < npos)
        return call->v.Call.args.items[j];
    j -= npos;
    return j < call->v.Call.keywords.n ? call->v.Call.keywords.items[j]->v.keyword.value : NULL;
}

/*
 * The positional parameter of def (in a summary's order: posonly, then
 * plain, the instance first for a method) that argument j of call fills,
 * shift parameters being filled by the call itself (a bound method's
 * self); -1 past a *args, for **kwargs, or when nothing matches.
 */
static int arg_param(const Node *def, int shift, const Node *call, int j)
{
    int npos = call->v.Call.args.n;
    if (j < npos) {
        for (int i = 0; i <= j; i++)
            if (call->v.Call.args.items[i]->kind == NODE_Starred)
                return -1;
        return j + shift;
    }
    const char *kw = call->v.Call.keywords.items[j - npos]->v.keyword.arg;
    if (!kw || !def || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef))
        return -1;
    const Node *a = def->v.FunctionDef.args;
    const NodeList *ls[2] = {&a->v.arguments.posonlyargs, &a->v.arguments.args};
    for (int l = 0, k = 0; l < 2; l++)
        for (int i = 0; i < ls[l]->n; i++, k++)
            if (!strcmp(ls[l]->items[i]->v.arg.arg, kw))
                return l ? k : -1; /* a positional-only one takes no keyword */
    return -1;
}

/* Does the helper def report itself what it does with parameter i: a
 * session its callers have from one FastAPI dependency, which it hands to
 * work (the finding goes on the hand-off, where the fix goes)? */
static int helper_reports(Ctx *c, const Node *def, int i)
{
    const char *path;
    const Node *caller;
    if (def && value_param_owner(c->env->values, def, i, &path, &caller))
        return 1; /* a caller's own session: the helper reports the hand-off */
    if (!def || !c->env->summary_of)
        return 0;
    Val v = value_param(c->env->values, c->a, def, i);
    const FlowSummary *owner = v.tag == VAL_RESOURCE && v.node
                                   ? c->env->summary_of(c->env->summary_arg, v.node) : NULL;
    return owner && owner->yields_kind != RES_NONE;
}

/*
 * What a summarized callee does to the arguments of call: work it hands
 * them to (defers, fans_out), releases, uses.  def is the callee (NULL:
 * positional arguments only), shift the parameters the call fills itself.
 */
static void apply_summary(Ctx *c, Path *p, const Node *call, const FlowSummary *sum,
                          const Node *def, int shift)
{
    if (sum->fans_out)
        fanned(c, p, call, sum);
    int n = call->v.Call.args.n + call->v.Call.keywords.n;
    for (int j = 0; j < n; j++) {
        int i = arg_param(def, shift, call, j);
        const Node *a = arg_node(call, j);
        if (i < 0 || i >= 32 || !a)
            continue;
        if ((sum->defers >> i & 1) && !helper_reports(c, def, i))
            job_start(c, p, sum->defer_kind, uses_of(c, p, a), call, NULL, 0);
        int h = held_by(c, p, a);
        if (h >= 0 && (sum->uses >> i & 1) && p->res[h] == RS_IDLE)
            p->res[h] = RS_OPEN; /* the helper uses it: its connection is out */
        if (h >= 0 && (sum->releases >> i & 1))
            release(c, p, h, call, 0);
    }
}

/* Parameter i of def (posonly, plain, keyword-only), or NULL. */
static const char *param_name(const Node *def, int i)
{
    const Node *a = def->v.FunctionDef.args;
    const NodeList *ls[3] = {&a->v.arguments.posonlyargs, &a->v.arguments.args,
                             &a->v.arguments.kwonlyargs};
    for (int l = 0; l < 3; l++) {
        if (i < ls[l]->n)
            return ls[l]->items[i]->v.arg.arg;
        i -= ls[l]->n;
    }
    return NULL;
}

/* `importer.attach(db)` where the method keeps its parameter on self: the
 * object the local name holds now holds the borrowed session too. */
static void kept_by_receiver(Ctx *c, Path *p, const Node *call, const Node *def)
{
    const Node *recv = call->v.Call.func->kind == NODE_Attribute
                           ? call->v.Call.func->v.Attribute.value : NULL;
    const ScopeTable *dt = value_table_of(c->env->values, def);
    if (c->env->summary || !recv || recv->kind != NODE_Name || !dt || held_by(c, p, recv) >= 0)
        return;
    int n = call->v.Call.args.n + call->v.Call.keywords.n;
    for (int j = 0; j < n; j++) {
        int i = arg_param(def, 1, call, j);
        const char *name = i >= 0 ? param_name(def, i) : NULL;
        int r = held_by(c, p, arg_node(call, j));
        if (!name || r < 0 || p->res[r] != RS_BORROWED || !c->site[r].when ||
            !method_keeps(c, dt, def, name, 0))
            continue;
        int h = make_holder(c, p, call, r, fmt(c, "kept here by `%s`", recv->v.Name.id));
        int v = var_index(c, recv->v.Name.id, 1);
        if (h >= 0 && v >= 0)
            p->var[v] = (int8_t)h;
        return;
    }
}

typedef struct SelfRelease {
    const char *self, *attr;
    const Val *val;  /* what self.<attr> holds */
    const ModelUser *model;
    int found, depth;
} SelfRelease;

static void self_release_kid(Node *parent, Node *n, void *arg)
{
    SelfRelease *w = arg;
    (void)parent;
    if (w->found || w->depth > EVAL_MAX_DEPTH || n->kind == NODE_FunctionDef ||
        n->kind == NODE_AsyncFunctionDef || n->kind == NODE_ClassDef || n->kind == NODE_Lambda)
        return;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute) {
        const Node *o = n->v.Call.func->v.Attribute.value;
        Val made;
        int with_only;
        if (o->kind == NODE_Attribute && !strcmp(o->v.Attribute.attr, w->attr) &&
            o->v.Attribute.value->kind == NODE_Name && !strcmp(o->v.Attribute.value->v.Name.id, w->self) &&
            model_user_method(w->model, w->val, n->v.Call.func->v.Attribute.attr, &made, &with_only) ==
                EFF_RELEASE)
            w->found = 1;
    }
    w->depth++;
    ast_children(n, self_release_kid, w);
    w->depth--;
}

/* `audit.dispose()` where audit keeps our own session on self.session and
 * dispose() closes self.session: the session is released here. */
static void released_by_method(Ctx *c, Path *p, const Node *call, const Node *def)
{
    const Node *recv = call->v.Call.func->kind == NODE_Attribute
                           ? call->v.Call.func->v.Attribute.value : NULL;
    int v = recv && recv->kind == NODE_Name ? var_index(c, recv->v.Name.id, 0) : -1;
    const Node *args = def->v.FunctionDef.args;
    if (v < 0 || !c->kept_site[v] || args->v.arguments.args.n < 1)
        return;
    int r = c->kept_site[v] - 1;
    SelfRelease w = {args->v.arguments.args.items[0]->v.arg.arg, c->kept_attr[v], &c->site[r].val,
                     c->env->model, 0, 0};
    ast_children((Node *)def, self_release_kid, &w);
    if (w.found && (p->res[r] == RS_OPEN || p->res[r] == RS_IDLE || p->res[r] == RS_REOPENED))
        release(c, p, r, call, 0);
}

/* The callee's summary and def: of the project function or method that fv
 * is (a bound method of an object: self filled, *shift = 1), else of the
 * name f calls. */
static const FlowSummary *callee_of(Ctx *c, Path *p, const Node *f, Val fv, const Node **def,
                                    int *shift)
{
    *def = NULL;
    *shift = 0;
    if (fv.tag == VAL_FUNC && fv.node) {
        *def = fv.node;
        *shift = f->kind == NODE_Attribute &&
                 peek_value(c, p, f->v.Attribute.value).tag == VAL_OBJECT;
        return c->env->summary_of ? c->env->summary_of(c->env->summary_arg, fv.node) : NULL;
    }
    return callee_summary(c, f);
}

/*
 * The generator protocol by hand: `gen = get_db(); db = next(gen)` acquires
 * what the generator yields; running it on (`next(gen, None)`, a second
 * next()) or gen.close() runs its finally, which releases it.
 */
static void gen_done(Ctx *c, Path *p, const char *gen, const Node *at)
{
    for (int r = 0; gen && r < c->nsites; r++)
        if (c->site[r].gen && !strcmp(c->site[r].gen, gen) &&
            (p->res[r] == RS_OPEN || p->res[r] == RS_IDLE || p->res[r] == RS_REOPENED))
            release(c, p, r, at, 0);
}

static Res gen_next(Ctx *c, Path *p, const Node *call)
{
    Res out = {-1, unknown(), 0, NULL, 0, NULL};
    const Node *g = call->v.Call.args.items[0];
    const char *key = var_key(c, g);
    for (int r = 0; key && r < c->nsites; r++)
        if (c->site[r].gen && !strcmp(c->site[r].gen, key) &&
            (p->res[r] == RS_OPEN || p->res[r] == RS_IDLE || p->res[r] == RS_REOPENED)) {
            gen_done(c, p, key, call); /* resumed after its yield: its teardown runs */
            return out;
        }
    eval(c, p, g);
    Val gv = value_of(c->env->values, c->a, c->env->scopes, c->scope, g);
    if (!key || call->v.Call.args.n != 1 || gv.tag != VAL_FACTORY || gv.kind != FAC_GENERATOR ||
        gv.sub == RES_NONE)
        return out;
    Val v = {VAL_RESOURCE, gv.sub, gv.is_async, NULL, 0, 0, NULL, 0};
    out.site = acquire(c, p, call, v, -1);
    if (out.site >= 0) {
        c->site[out.site].gen = key;
        out.val = v;
    }
    return out;
}

static Res call_value(Ctx *c, Path *p, const Node *call)
{
    const Node *f = call->v.Call.func;
    Res fv = {-1, unknown(), 0, NULL, 0, NULL}, out = {-1, unknown(), 0, NULL, 0, NULL};
    int done = 0; /* fv is known and the callee evaluated */
    if (f->kind == NODE_Attribute) {
        const char *q = qualname(c, c->env->scopes, c->scope, f);
        if (!q || held_by(c, p, f->v.Attribute.value) >= 0 ||
            peek_value(c, p, f->v.Attribute.value).tag == VAL_FACTORY) {
            /* a method of a local, of a resource, or of a factory defined in
             * another module (`from db import engine; engine.connect()`);
             * an object's methods are the project's, called below */
            Res rv = eval_value(c, p, f->v.Attribute.value);
            if (rv.site >= 0 || (rv.val.tag != VAL_OBJECT && rv.val.tag != VAL_CLASS))
                return method_call(c, p, call, rv, f->v.Attribute.attr);
            fv.val = value_at(c, c->env->scopes, c->scope, f);
            done = 1;
        }
    }
    if (!done && f->kind == NODE_Name && (!strcmp(f->v.Name.id, "next") || !strcmp(f->v.Name.id, "anext")) &&
        call->v.Call.args.n >= 1 && !scope_lookup(c->env->scopes, c->scope, f->v.Name.id, NULL))
        return gen_next(c, p, call);
    if (!done)
        fv = eval_value(c, p, f);
    if (fv.val.tag == VAL_QUAL && !strcmp(fv.val.qual, "typing.cast") && call->v.Call.args.n == 2) {
        /* cast(AsyncConnectionPool, request.state.db_pool): the type says what it is */
        out = eval(c, p, call->v.Call.args.items[1]);
        Val t = model_type(qualname(c, c->env->scopes, c->scope, call->v.Call.args.items[0]));
        if (out.site < 0 && t.tag != VAL_UNKNOWN)
            out.val = t;
        return out;
    }
    if (fv.val.tag == VAL_QUAL && !strcmp(fv.val.qual, "contextlib.closing") &&
        call->v.Call.args.n == 1) {
        out = eval(c, p, call->v.Call.args.items[0]);
        out.closing = 1;
        return out;
    }
    const char *cls = NULL;
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "class_"))
            cls = qualname(c, c->env->scopes, c->scope, k->v.keyword.value);
    }
    Val bind = unknown();
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "bind"))
            bind = peek_value(c, p, k->v.keyword.value);
    }
    if (bind.tag == VAL_UNKNOWN && call->v.Call.args.n > 0)
        bind = peek_value(c, p, call->v.Call.args.items[0]);
    Val v = model_user_call(c->env->model, &fv.val, call, cls, &bind);
    const Node *def;
    int shift;
    const FlowSummary *sum = callee_of(c, p, f, fv.val, &def, &shift);
    if (def && shift) {
        kept_by_receiver(c, p, call, def);
        released_by_method(c, p, call, def);
    }
    if (sum) {
        apply_summary(c, p, call, sum, def, shift);
        if (sum->returns_kind != RES_NONE && v.tag != VAL_RESOURCE) { /* configured kinds win */
            v.tag = VAL_RESOURCE;
            v.kind = sum->returns_kind;
            v.is_async = sum->returns_async;
        }
    }
    if (call->v.Call.args.n > 0 && model_user_releases_arg(c->env->model, &fv.val) &&
        !(sum && (sum->releases & 1))) { /* a configured release function: release_conn(c) */
        int h = held_by(c, p, call->v.Call.args.items[0]);
        if (h >= 0)
            release(c, p, h, call, 0);
    }
    const char *jq = fv.val.tag == VAL_QUAL ? fv.val.qual : NULL;
    int starts = jq && (!strncmp(jq, "asyncio.", 8) || !strncmp(jq, "threading.", 10) ||
                        !strncmp(jq, "concurrent.futures.", 19) ||
                        strstr(jq, "Background") || in_list(jq, stream_types));
    c->job_args += starts;
    call_args(c, p, call, 0);
    c->job_args -= starts;
    if (starts)
        job_function(c, p, call, jq);
    if (v.tag == VAL_RESOURCE) {
        out.site = acquire(c, p, call, v, -1);
        out.val = v;
    } else {
        out.val = v;
        out.site = holder_site(c, p, call, &out);
    }
    return out;
}

typedef struct EvalKids {
    Ctx *c;
    Path *p;
} EvalKids;

static void eval_kid(Node *parent, Node *child, void *arg)
{
    EvalKids *k = arg;
    (void)parent;
    eval(k->c, k->p, child);
}

static void state_timing(Ctx *c, Site *st, const FastApiStateOwner *o);

static int view_site(Ctx *c, Path *p, const char *attr);

/* `request.state.<x>` where a middleware owns <x>: a session borrowed from
 * it (a site per expression); -1 otherwise. */
static int state_site(Ctx *c, Path *p, const Node *e)
{
    const char *attr = fastapi_state_attr(e);
    if (!c->env->fastapi || !attr || e->v.Attribute.value->v.Attribute.value->kind != NODE_Name)
        return -1; /* request.state.x, not request.app.state.x */
    const FastApiStateOwner *o = fastapi_state_owner(c->env->fastapi->model, attr);
    if (!o || o->func == c->g->func)
        return -1;
    Val v = {VAL_RESOURCE, RES_SESSION, 0, NULL, 0, 0, NULL, 0};
    int r = site_for(c, e, v, -1);
    if (r < 0)
        return -1;
    if (!c->site[r].state)
        state_timing(c, &c->site[r], o);
    if (p->res[r] == RS_NONE) {
        p->res[r] = RS_BORROWED;
        p->ev[r] = ev_push(c, NULL, e, fmt(c, "borrowed here from request.state, which the "
                                              "middleware `%s` owns", o->func->v.FunctionDef.name));
    }
    return r;
}

/* Evaluates e for its effects on p; returns what it evaluates to. */
static Res eval(Ctx *c, Path *p, const Node *e)
{
    Res out = {-1, unknown(), 0, NULL, 0, NULL};
    int want = c->want; /* eval_value: this node's value is wanted, not its parts' */
    c->want = 0;
    if (!e || ++c->depth > EVAL_MAX_DEPTH) {
        c->depth -= e != NULL;
        return out;
    }
    switch (e->kind) {
    case NODE_Name: {
        int h = held_by(c, p, e);
        int v = var_index(c, e->v.Name.id, 0);
        if (h >= 0) {
            out.site = h;
            out.val = c->site[h].val;
        } else if (v >= 0 && c->var_val[v].tag != VAL_UNKNOWN) {
            out.val = c->var_val[v];
            out.with_item = c->var_with[v];
        } else if (h == VAR_UNKNOWN && want) {
            out.val = value_at(c, c->env->scopes, c->scope, e);
            if (v >= 0 && !is_object(out.val))
                out.val = unknown(); /* a name this path follows: what it says, not the model */
        }
        break;
    }
    case NODE_Attribute: {
        const char *q = qualname(c, c->env->scopes, c->scope, e);
        int h = c->middleware ? held_by(c, p, e) : VAR_UNKNOWN;
        if (h >= 0) { /* a middleware's request.state.db */
            out.site = h;
            out.val = c->site[h].val;
        } else if (q) {
            out.val = want ? value_at(c, c->env->scopes, c->scope, e) : out.val; /* module.name */
        } else if (e->v.Attribute.value->kind == NODE_Name &&
                   !strcmp(e->v.Attribute.value->v.Name.id, "self") &&
                   (out.site = view_site(c, p, e->v.Attribute.attr)) >= 0) {
            out.val = c->site[out.site].val; /* a class-based view's `db = Depends(get_db)` */
        } else if ((out.site = state_site(c, p, e)) >= 0) {
            out.val = c->site[out.site].val; /* request.state.db, a middleware's */
        } else {
            eval(c, p, e->v.Attribute.value);
            /* self._pool, request.app.state.pool, svc.repo: what the value model says */
            if (want)
                out.val = value_at(c, c->env->scopes, c->scope, e);
        }
        break;
    }
    case NODE_Call:
        out = call_value(c, p, e);
        if (want && out.site < 0 && out.val.tag == VAL_UNKNOWN) /* get_engine(), svc.factory() */
            out.val = value_at(c, c->env->scopes, c->scope, e);
        break;
    case NODE_Await: {
        const Node *w = e->v.Await.value;
        c->want = want;
        out = eval(c, p, w);
        /* awaited: the work it names or starts is over (await t, await
         * run_in_executor(...), await wait_for(t, 5), await gather(t1, t2)) */
        if (w->kind == NODE_Name)
            jobs_end(p, var_index(c, w->v.Name.id, 0), NULL, NULL);
        if (w->kind == NODE_Call) {
            jobs_end(p, -1, NULL, w);
            for (int i = 0; i < w->v.Call.args.n; i++)
                wait_for(c, p, w->v.Call.args.items[i]);
        }
        break;
    }
    case NODE_Subscript: {
        int h = held_by(c, p, e);
        if (h >= 0) { /* ctx["db"] */
            out.site = h;
            out.val = c->site[h].val;
            break;
        }
        eval(c, p, e->v.Subscript.value);
        eval(c, p, e->v.Subscript.slice);
        if (want) /* a worker's ctx["pool"], kept where the startup put it */
            out.val = value_at(c, c->env->scopes, c->scope, e);
        break;
    }
    case NODE_Lambda:
        break; /* its body runs later, if at all */
    case NODE_NamedExpr: {
        out = eval(c, p, e->v.NamedExpr.value);
        int v = var_index(c, e->v.NamedExpr.target->v.Name.id, out.site >= 0);
        if (v >= 0)
            p->var[v] = (int8_t)(out.site >= 0 ? out.site : VAR_UNKNOWN);
        break;
    }
    case NODE_Yield:
    case NODE_YieldFrom:
        out = eval(c, p, e->v.Yield.value); /* YieldFrom shares the layout */
        if (c->env->summary && out.site >= 0 && c->site[out.site].val.kind != RES_ANY) {
            c->env->summary->yields_kind = c->site[out.site].val.kind;
            c->yielded_site = out.site;
        }
        if (out.site >= 0 && p->res[out.site] == RS_IDLE)
            p->res[out.site] = RS_OPEN; /* the consumer uses it before anything is thrown in */
        out.site = -1;
        break;
    default: {
        /* everything else: evaluate the children for their effects */
        EvalKids k = {c, p};
        int comp = is_comprehension(e);
        c->in_comp += comp;
        ast_children((Node *)e, eval_kid, &k);
        c->in_comp -= comp;
        if (comp) { /* iterating a result reads it: [dict(r) for r in result] */
            const NodeList *gens = e->kind == NODE_DictComp ? &e->v.DictComp.generators
                                                            : &e->v.ListComp.generators;
            for (int i = 0; i < gens->n; i++) {
                const Node *it = gens->items[i]->v.comprehension.iter;
                int h = held_by(c, p, it);
                if (h >= 0)
                    use(c, p, h, it);
            }
        }
        if (comp) { /* [engine.connect() for _ in range(n)]: the container holds them */
            const Node *elt = e->kind == NODE_DictComp ? e->v.DictComp.value : e->v.ListComp.elt;
            if (elt->kind == NODE_Await)
                elt = elt->v.Await.value;
            for (int i = 0; i < c->nsites; i++)
                if (c->site[i].node == elt)
                    gone(p, i);
        }
        break;
    }
    }
    c->depth--;
    return out;
}

/* ------------------------------------------------------------- binding */

/* Is site r held by some name other than var v on p? */
static int aliased(const Ctx *c, const Path *p, int r, int v)
{
    for (int i = 0; i < c->nvars; i++)
        if (i != v && p->var[i] == r)
            return 1;
    return 0;
}

/* A name is about to stop holding what it held: an open resource that
 * nothing else holds is lost. */
static void overwrite(Ctx *c, Path *p, int v, const Node *at)
{
    int r = p->var[v];
    if (r < 0 || p->held[r] || aliased(c, p, r, v))
        return;
    if (p->res[r] == RS_IDLE)
        p->res[r] = RS_GONE;
    if (p->res[r] == RS_OPEN || p->res[r] == RS_REOPENED) {
        const char *note = fmt(c, "`%s` is rebound here while still open", c->vars[v]);
        const Ev *e = ev_push(c, p->ev[r], at, note);
        report(c, p->res[r] == RS_REOPENED ? FLOW_USE_AFTER : FLOW_LEAK, r,
               p->res[r] == RS_REOPENED ? p->reopened[r] : c->site[r].node, e);
        p->res[r] = RS_GONE;
    }
}

/* Rebinding name makes the flags about it unknown: `name`, `name is None`. */
static void forget_flags(Ctx *c, Path *p, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < c->nflags; i++)
        if (!strncmp(c->flags[i], name, n) && (c->flags[i][n] == 0 || c->flags[i][n] == ' '))
            p->flag[i] = FLAG_UNKNOWN;
}

/* Does name, assigned in this function, live outside it (global, nonlocal)? */
static int outer_name(const Ctx *c, const char *name)
{
    if (!c->scope || c->scope->kind == SCOPE_MODULE)
        return 0;
    const Scope *where = NULL;
    return scope_lookup(c->env->scopes, c->scope, name, &where) && where && where != c->scope;
}

static void bind_name(Ctx *c, Path *p, const char *name, int value, const Node *at)
{
    if (value >= 0 && outer_name(c, name)) {
        gone(p, value); /* `global conn; conn = connect()`: it outlives the call */
        return;
    }
    int v = var_index(c, name, value >= 0);
    if (v < 0)
        return;
    if (p->var[v] != value)
        overwrite(c, p, v, at);
    p->var[v] = (int8_t)value;
    if (value >= 0 && !c->site[value].name)
        c->site[value].name = c->vars[v];
    forget_flags(c, p, name);
}

/* Binds target to the result r of the right-hand side. */
static void bind(Ctx *c, Path *p, const Node *target, Res r, const Node *value)
{
    switch (target->kind) {
    case NODE_Name: {
        int f = flag_index(c, target->v.Name.id, 0);
        int held = r.site >= 0 ? r.site : VAR_UNKNOWN;
        if (r.site < 0 && (r.val.tag == VAL_FACTORY || r.val.tag == VAL_FOREIGN)) {
            int v = var_index(c, target->v.Name.id, 1);
            if (v >= 0) {
                c->var_val[v] = r.val;
                c->var_with[v] = r.with_item;
            }
        }
        if (value && value->kind == NODE_Constant && value->v.Constant.value.kind == CONST_NONE)
            held = VAR_NONE;
        bind_name(c, p, target->v.Name.id, held, target);
        if (r.kept) {
            int v = var_index(c, target->v.Name.id, 1);
            if (v >= 0) {
                c->kept_site[v] = r.kept;
                c->kept_attr[v] = r.kept_attr;
            }
        }
        if (value && value->kind == NODE_Constant) {
            int k = value->v.Constant.value.kind;
            if (f < 0 && (k == CONST_TRUE || k == CONST_FALSE))
                f = flag_index(c, target->v.Name.id, 1);
            if (f >= 0)
                p->flag[f] = k == CONST_TRUE ? FLAG_TRUE : k == CONST_FALSE ? FLAG_FALSE : FLAG_UNKNOWN;
        }
        break;
    }
    case NODE_Attribute: {
        eval(c, p, target->v.Attribute.value);
        if (var_key(c, target)) { /* a middleware's request.state.db: it still owns it */
            bind_name(c, p, var_key(c, target), r.site >= 0 ? r.site : VAR_UNKNOWN, target);
            break;
        }
        gone(p, r.site); /* stored on an object: it outlives this call */
        const char *key = flag_key(c, target);
        int f = flag_index(c, key, value && value->kind == NODE_Constant);
        if (f >= 0) {
            int k = value && value->kind == NODE_Constant ? value->v.Constant.value.kind : -1;
            p->flag[f] = k == CONST_TRUE ? FLAG_TRUE : k == CONST_FALSE ? FLAG_FALSE : FLAG_UNKNOWN;
        }
        break;
    }
    case NODE_Subscript:
        eval(c, p, target->v.Subscript.value);
        eval(c, p, target->v.Subscript.slice);
        if (var_key(c, target)) /* ctx["db"] = SessionLocal(): the entry holds it */
            bind_name(c, p, var_key(c, target), r.site >= 0 ? r.site : VAR_UNKNOWN, target);
        else
            gone(p, r.site);
        break;
    case NODE_Tuple:
    case NODE_List:
    case NODE_Starred:
    default: {
        /* unpacking: each name gets something we do not follow */
        Res none = {-1, unknown(), 0, NULL, 0, NULL};
        gone(p, r.site);
        if (target->kind == NODE_Starred) {
            bind(c, p, target->v.Starred.value, none, NULL);
        } else if (target->kind == NODE_Tuple || target->kind == NODE_List) {
            for (int i = 0; i < target->v.Tuple.elts.n; i++)
                bind(c, p, target->v.Tuple.elts.items[i], none, NULL);
        }
        break;
    }
    }
}

/* ------------------------------------------------------------- steps */

/* What the name n holds escapes, and so does what its entries hold
 * (`return ctx` gives the caller ctx["db"] too). */
static void gone_with_entries(Ctx *c, Path *p, const Node *n)
{
    gone(p, held_by(c, p, n));
    for (int v = 0; v < c->nvars; v++)
        if (p->var[v] >= 0 && inside(c->vars[v], n->v.Name.id))
            gone(p, p->var[v]);
}

typedef struct Escape {
    Ctx *c;
    Path *p;
    int depth;
} Escape;

/* Does calling f make an object that may keep its arguments: a class (of
 * the project's, or a name spelt like one: Wrapper(conn)), not a function? */
static int constructs(Ctx *c, const Node *f)
{
    Val v = value_at(c, c->env->scopes, c->scope, f);
    if (v.tag == VAL_CLASS)
        return 1;
    if (v.tag == VAL_FUNC || v.tag == VAL_FACTORY)
        return 0;
    static const char *const containers[] = {"dict", "list", "tuple", "set", "frozenset",
                                             "deque", "namedtuple", "partial", NULL};
    const char *id = f->kind == NODE_Name        ? f->v.Name.id
                     : f->kind == NODE_Attribute ? f->v.Attribute.attr : "";
    return (id[0] >= 'A' && id[0] <= 'Z') || in_list(id, containers);
}

static void escape_kid(Node *parent, Node *n, void *arg)
{
    Escape *e = arg;
    (void)parent;
    if (e->depth > EVAL_MAX_DEPTH || n->kind == NODE_Lambda)
        return;
    if (n->kind == NODE_Name) {
        gone_with_entries(e->c, e->p, n);
        return;
    }
    if (n->kind == NODE_Attribute || (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
                                      held_by(e->c, e->p, n->v.Call.func->v.Attribute.value) >= 0))
        return; /* conn.cursor(), conn.info: not the resource itself */
    if (n->kind == NODE_Call && !constructs(e->c, n->v.Call.func))
        return; /* fn(conn): what a function computes from it, not the resource */
    e->depth++;
    ast_children(n, escape_kid, e);
    e->depth--;
}

/* Every resource a name in e holds escapes (returned inside a value). */
static void escape_names(Ctx *c, Path *p, const Node *e, int depth)
{
    if (!e)
        return;
    Escape x = {c, p, depth};
    if (e->kind == NODE_Call && !constructs(c, e->v.Call.func))
        return; /* return fn(conn): a result computed from it */
    if (e->kind == NODE_Name) {
        gone_with_entries(c, p, e);
        return;
    }
    ast_children((Node *)e, escape_kid, &x);
}

/*
 * `t = create_task(...)`, `th = Thread(...)`, `fut = ex.submit(...)`: the
 * name holds the handle of the work the value started.  In a coroutine,
 * `coros = [fetch(db, i) for i in ids]` keeps coroutines that run when
 * gathered.
 */
static void name_handles(Ctx *c, Path *p, const Node *target, const Node *value)
{
    if (target->kind != NODE_Name || !value)
        return;
    const Node *v = value->kind == NODE_Await ? value->v.Await.value : value;
    int var = -1;
    for (int k = 0; k < p->njobs; k++)
        if (p->job[k].at == v) {
            if (var < 0)
                var = var_index(c, target->v.Name.id, 1);
            p->job[k].var = (int8_t)var;
        }
    if (c->g->func->kind != NODE_AsyncFunctionDef || value->kind == NODE_Await)
        return;
    int many = 0;
    uint32_t m = 0;
    if (is_comprehension(v) && v->kind != NODE_DictComp && v->v.ListComp.elt->kind == NODE_Call) {
        m = args_uses(c, p, v->v.ListComp.elt, 0);
        many = 1;
    } else if (v->kind == NODE_List || v->kind == NODE_Tuple) {
        for (int i = 0; i < v->v.List.elts.n; i++) {
            const Node *el = v->v.List.elts.items[i];
            uint32_t u = el->kind == NODE_Call ? args_uses(c, p, el, 0) : 0;
            many |= (m & u) != 0;
            m |= u;
        }
    }
    if (!m)
        return;
    job_start(c, p, JOB_CORO, m, v, NULL, many);
    var = var_index(c, target->v.Name.id, 1);
    for (int k = 0; k < p->njobs; k++)
        if (p->job[k].at == v)
            p->job[k].var = (int8_t)var;
}

static void step_assign(Ctx *c, Path *p, const Node *n)
{
    switch (n->kind) {
    case NODE_Assign: {
        Res r = eval_value(c, p, n->v.Assign.value);
        for (int i = 0; i < n->v.Assign.targets.n; i++) {
            bind(c, p, n->v.Assign.targets.items[i], r, n->v.Assign.value);
            name_handles(c, p, n->v.Assign.targets.items[i], n->v.Assign.value);
        }
        if (r.site >= 0 && n->v.Assign.targets.n > 1)
            gone(p, r.site);
        break;
    }
    case NODE_AnnAssign:
        if (n->v.AnnAssign.value) {
            Res r = eval_value(c, p, n->v.AnnAssign.value);
            if (r.site < 0 && r.val.tag == VAL_UNKNOWN) /* `pool: asyncpg.Pool = request.app.state.pool` */
                r.val = model_type(qualname(c, c->env->scopes, c->scope, n->v.AnnAssign.annotation));
            bind(c, p, n->v.AnnAssign.target, r, n->v.AnnAssign.value);
            name_handles(c, p, n->v.AnnAssign.target, n->v.AnnAssign.value);
        }
        break;
    case NODE_AugAssign: {
        Res r = eval(c, p, n->v.AugAssign.value);
        gone(p, r.site);
        Res none = {-1, unknown(), 0, NULL, 0, NULL};
        if (n->v.AugAssign.target->kind != NODE_Name)
            bind(c, p, n->v.AugAssign.target, none, NULL);
        else /* `n -= 1`: what was known of n is not any more */
            forget_flags(c, p, n->v.AugAssign.target->v.Name.id);
        break;
    }
    default:
        eval(c, p, n);
    }
}

/* An acquisition whose result nobody keeps. */
static void dropped(Ctx *c, Path *p, Res r, const Node *at)
{
    if (r.site < 0 || p->res[r.site] != RS_OPEN || p->held[r.site] || aliased(c, p, r.site, -1))
        return;
    const Ev *e = ev_push(c, p->ev[r.site], at, "the result is not kept, so nothing can release it");
    report(c, FLOW_LEAK, r.site, c->site[r.site].node, e);
    p->res[r.site] = RS_GONE;
}

/* Where a provider releases what it yields: the close() after its yield,
 * else the with statement around the yield; NULL if not found. */
typedef struct RelSearch {
    int yield_line, depth;
    const Node *close, *with; /* the close() after the yield; the with around it */
} RelSearch;

static void rel_kid(Node *parent, Node *n, void *arg)
{
    RelSearch *s = arg;
    (void)parent;
    if (s->depth > EVAL_MAX_DEPTH || n->kind == NODE_Lambda || n->kind == NODE_FunctionDef ||
        n->kind == NODE_AsyncFunctionDef || n->kind == NODE_ClassDef)
        return;
    if ((n->kind == NODE_Yield || n->kind == NODE_YieldFrom) && !s->yield_line)
        s->yield_line = n->lineno;
    if ((n->kind == NODE_With || n->kind == NODE_AsyncWith) && !s->yield_line)
        s->with = n;
    if (n->kind == NODE_Call && s->yield_line && !s->close && n->lineno > s->yield_line &&
        n->v.Call.func->kind == NODE_Attribute && !strcmp(n->v.Call.func->v.Attribute.attr, "close"))
        s->close = n;
    s->depth++;
    ast_children(n, rel_kid, s);
    s->depth--;
}

static const Node *provider_release(const Node *def)
{
    if (!def || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef))
        return NULL;
    RelSearch s = {0, 0, NULL, NULL};
    ast_children((Node *)def, rel_kid, &s);
    return s.close ? s.close : s.with;
}

/* The borrowed site r is released by its owner now, at `at` (a with
 * block's end): the pending work that uses it outlives it. */
static void outlived(Ctx *c, Path *p, int r, const Node *at)
{
    for (int i = 0; i < p->njobs && !p->raised; i++) {
        const Job *j = &p->job[i];
        if (!(j->res >> r & 1) || j->kind == JOB_CORO)
            continue;
        const Ev *e = ev_push(c, p->ev[r], at, fmt(c, "released here while the %s may still use it",
                                                   job_names[j->kind]));
        report_job(c, FLOW_OUTLIVES, r, j->at, e, j->kind, c->site[r].when);
    }
}

/* The function returns normally: work still pending on what it borrowed
 * outlives the owner if the owner releases it first (background work and
 * streamed bodies under an early owner), or if nothing waits for it at all
 * (tasks and threads). */
static void pending_at_exit(Ctx *c, Path *p, const Node *at)
{
    for (int i = 0; i < p->njobs; i++) {
        const Job *j = &p->job[i];
        for (int r = 0; r < c->nsites; r++) {
            if (!(j->res >> r & 1) || p->res[r] != RS_BORROWED || c->site[r].param_only ||
                j->kind == JOB_CORO || (!runs_beside(j->kind) && !c->site[r].early))
                continue;
            if (!c->site[r].when)
                continue; /* an owner we know nothing about */
            const Ev *e = p->ev[r];
            if (at)
                e = ev_push(c, e, at, runs_beside(j->kind)
                                          ? fmt(c, "the function returns here without waiting for the %s",
                                                job_names[j->kind])
                                          : "the function returns here");
            if (c->site[r].owner_line && c->site[r].owner_note)
                e = ev_push_far(c, e, c->site[r].owner_path, c->site[r].owner_line,
                                c->site[r].owner_col, c->site[r].owner_note);
            report_job(c, FLOW_OUTLIVES, r, j->at, e, j->kind, c->site[r].when);
        }
    }
}

/* ---- mocks ---- */

/* The resource kinds (bits) whose makers a patch of target q replaces: a
 * library call that acquires ("asyncpg.connect", also as
 * "app.db.asyncpg.connect"), a project function that returns a fresh
 * resource, a project sessionmaker.  0 when q makes none we know. */
static uint32_t patched_kinds(Ctx *c, const char *q)
{
    int k = model_acquirer_kind(q);
    FlowDef d;
    if (k == RES_NONE && q && c->env->resolve && c->env->resolve(c->env->resolve_arg, q, &d) &&
        d.binding) {
        if (d.summary)
            k = d.summary->returns_kind;
        else if (d.binding->value) {
            Val v = value_at(c, d.scopes, scope_module(d.scopes), d.binding->value);
            if (v.tag == VAL_FACTORY && v.kind == FAC_SESSIONMAKER)
                k = RES_SESSION;
        }
    }
    return k != RES_NONE && k < 32 ? 1u << k : 0;
}

/* The name a patch call replaces: patch("a.b.c"), patch.object(mod, "c"),
 * monkeypatch.setattr("a.b.c", v) or monkeypatch.setattr(mod, "c", v),
 * mocker.patch(...); NULL when call is no patch. */
static const char *patch_target(Ctx *c, const Node *call)
{
    const Node *f = call->v.Call.func;
    const char *q = qualname(c, c->env->scopes, c->scope, f);
    const char *m = f->kind == NODE_Attribute ? f->v.Attribute.attr
                    : f->kind == NODE_Name    ? f->v.Name.id : "";
    const Node *recv = f->kind == NODE_Attribute ? f->v.Attribute.value : NULL;
    int object = !strcmp(m, "object") || !strcmp(m, "setattr");
    int is_patch = (q && strstr(q, "mock.patch")) ||
                   (recv && recv->kind == NODE_Name && (!strcmp(recv->v.Name.id, "monkeypatch") ||
                                                       !strcmp(recv->v.Name.id, "mocker")) &&
                    (!strcmp(m, "setattr") || !strcmp(m, "patch"))) ||
                   (recv && recv->kind == NODE_Attribute && !strcmp(m, "object") &&
                    !strcmp(recv->v.Attribute.attr, "patch"));
    if (!is_patch || call->v.Call.args.n < 1)
        return NULL;
    const Node *a0 = call->v.Call.args.items[0];
    if (a0->kind == NODE_Constant && a0->v.Constant.value.kind == CONST_STR)
        return a0->v.Constant.value.s;
    const Node *a1 = call->v.Call.args.n > 1 ? call->v.Call.args.items[1] : NULL;
    if (!object || !a1 || a1->kind != NODE_Constant || a1->v.Constant.value.kind != CONST_STR)
        return NULL;
    const char *base = qualname(c, c->env->scopes, c->scope, a0);
    return base ? fmt(c, "%s.%s", base, a1->v.Constant.value.s) : NULL;
}

/* The kinds a patch call, as a with item, statement or decorator, mocks. */
static uint32_t patch_mask(Ctx *c, const Node *e)
{
    if (e && e->kind == NODE_Await)
        e = e->v.Await.value;
    if (!e || e->kind != NODE_Call)
        return 0;
    const char *t = patch_target(c, e);
    return t ? patched_kinds(c, t) : 0;
}

/* A test decorated with @patch(...) / @mock.patch.object(...): what they mock. */
static uint32_t decorator_patches(Ctx *c, const Node *func)
{
    uint32_t m = 0;
    if (func->kind != NODE_FunctionDef && func->kind != NODE_AsyncFunctionDef)
        return 0;
    for (int i = 0; i < func->v.FunctionDef.decorator_list.n; i++)
        m |= patch_mask(c, func->v.FunctionDef.decorator_list.items[i]);
    return m;
}

static void step_with_enter(Ctx *c, Path *p, const Node *item)
{
    p->patched |= patch_mask(c, item->v.withitem.context_expr);
    const Node *ce = item->v.withitem.context_expr;
    Res r = eval_value(c, p, ce);
    int releases = 0;
    if (r.closing) {
        releases = r.site >= 0;
    } else if (r.site >= 0 && c->site[r.site].holder) {
        releases = 0; /* `with Wrapper(db) as ctx`: its __exit__ is the object's, not db's close */
    } else if (r.site >= 0) {
        Val recv = {0}, value = {0};
        const char *m = NULL;
        const Node *call = ce->kind == NODE_Await ? ce->v.Await.value : ce;
        if (call->kind == NODE_Call && call->v.Call.func->kind == NODE_Attribute) {
            Res rv = {-1, unknown(), 0, NULL, 0, NULL};
            const Node *recv_node = call->v.Call.func->v.Attribute.value;
            int h = held_by(c, p, recv_node);
            rv.site = h >= 0 ? h : -1;
            recv = rv.site >= 0 ? c->site[rv.site].val : peek_value(c, p, recv_node);
            m = call->v.Call.func->v.Attribute.attr;
        }
        releases =
            model_user_with(c->env->model, &c->site[r.site].val, m ? &recv : NULL, m, &value);
    }
    if (releases && r.site >= 0) {
        p->held[r.site] = 1;
        c->site[r.site].with = item;
    }
    if (r.site < 0 && ce->kind == NODE_Call && ce->v.Call.func->kind == NODE_Name) {
        const FlowSummary *sum = callee_summary(c, ce->v.Call.func);
        if (sum && sum->yields_kind != RES_NONE) { /* a @contextmanager provider */
            Val v = {VAL_RESOURCE, sum->yields_kind, 0, NULL, 0, 0, NULL, 0};
            r.site = site_for(c, ce, v, -1);
            if (r.site >= 0) {
                c->site[r.site].owner = sum;
                c->site[r.site].with = item;
                if (sum->releases_after) {
                    c->site[r.site].early = 1;
                    c->site[r.site].when = "its context manager closes it when the with block ends";
                }
                p->res[r.site] = RS_BORROWED;
                p->ev[r.site] = ev_push(c, NULL, ce, "lent here by the context manager");
            }
        }
    }
    if (r.site < 0 && r.val.tag == VAL_FACTORY &&
        (r.val.kind == FAC_EXITSTACK || r.val.kind == FAC_TASKGROUP || r.val.kind == FAC_EXECUTOR))
        r.with_item = item; /* `with ExitStack() as stack`, a task group, an executor */
    if (item->v.withitem.optional_vars)
        bind(c, p, item->v.withitem.optional_vars, r, NULL);
    else if (!releases && !r.closing && r.site >= 0 && (c->acquired >> r.site & 1))
        dropped(c, p, r, ce);
}

static void step_with_exit(Ctx *c, Path *p, const Node *item, const CfgStep *st)
{
    p->patched &= ~patch_mask(c, item->v.withitem.context_expr);
    const Node *ce = item->v.withitem.context_expr;
    if (ce->kind == NODE_Call && ce->v.Call.func->kind == NODE_Attribute &&
        !strcmp(ce->v.Call.func->v.Attribute.attr, "begin") && c->env->summary && p->yielded &&
        c->yielded_site >= 0 && st->kind == STEP_WITH_EXIT)
        c->env->summary->uses_after = 1; /* the transaction block commits after the yield */
    jobs_end(p, -1, item, NULL); /* a task group or an executor waits for its work */
    for (int r = 0; r < c->nsites; r++) {
        if (p->res[r] == RS_BORROWED && c->site[r].with == item && c->site[r].early)
            outlived(c, p, r, item->v.withitem.context_expr);
    }
    for (int r = 0; r < c->nsites; r++) {
        if (!p->held[r] || c->site[r].with != item)
            continue;
        p->held[r] = 0;
        if (p->res[r] == RS_RELEASED) {
            /* closed inside a with that closes it again */
            if (model_user_res(c->env->model, c->site[r].val.kind)->twice != HARM_NONE) {
                const Ev *e = ev_push(c, p->ev[r], item->v.withitem.context_expr,
                                      "released again at the end of the with block");
                /* the block's exit is the second release: reported on the with */
                const Node *at = item->v.withitem.context_expr;
                report(c, FLOW_DOUBLE_RELEASE, r, at, e);
            }
            continue;
        }
        release(c, p, r, item->v.withitem.context_expr, 1);
    }
}

/* The leaks on path p when the function exits there. */
static void step_exit(Ctx *c, Path *p, const CfgStep *st, const Node *last)
{
    if (st->kind == STEP_EXIT && p->njobs)
        pending_at_exit(c, p, last);
    for (int r = 0; r < c->nsites; r++) {
        if ((p->res[r] != RS_OPEN && p->res[r] != RS_REOPENED) || p->held[r] || p->reported[r])
            continue;
        if (c->g->func->kind == NODE_Module && c->site[r].name)
            continue; /* a module's global lives as long as the process: SL201's concern */
        const Ev *e = p->ev[r];
        int problem = FLOW_LEAK;
        const Node *at = c->site[r].node;
        if (st->kind == STEP_RAISE_EXIT && p->raised) {
            Ev *x = arena_alloc(c->a, sizeof *x);
            *x = *p->raised;
            x->prev = e;
            x->n = e ? e->n + 1 : 1;
            e = x;
            if (p->raised_at_yield && c->resumed_not_thrown)
                continue; /* pytest resumes a fixture with next(): nothing is thrown in */
            if (p->raised_at_yield)
                problem = FLOW_LEAK_AT_YIELD;
        } else if (last) {
            e = ev_push(c, e, last, "the function returns here without releasing it");
        } else {
            e = ev_push(c, e, p->last,
                        "the function ends after this statement without releasing it");
        }
        if (p->res[r] == RS_REOPENED) {
            problem = FLOW_USE_AFTER;
            at = p->reopened[r];
        } else if (problem == FLOW_LEAK && p->yielded) {
            problem = LEAK_AFTER_YIELD;
        }
        report_ex(c, problem, r, at, e, st->kind == STEP_RAISE_EXIT);
        p->reported[r] = 1;
    }
}

/* ------------------------------------------------------------- branches */

/*
 * What path p knows of test: 1 true, 0 false, -1 unknown.  *flag gets the
 * flag the test reads (or -1); *neg says the test is its negation.  A name
 * holding a resource is truthy and not None; one bound to None is falsy.
 */
static int truth(Ctx *c, const Path *p, const Node *test, int *flag, int *neg)
{
    *flag = -1;
    *neg = 0;
    while (test->kind == NODE_UnaryOp && test->v.UnaryOp.op == UNARYOP_Not) {
        *neg = !*neg;
        test = test->v.UnaryOp.operand;
    }
    int none_test = 0; /* the test is `x is None` (then truth means "is None") */
    if (test->kind == NODE_Compare && test->v.Compare.ops.n == 1 &&
        (test->v.Compare.ops.items[0] == CMP_Is || test->v.Compare.ops.items[0] == CMP_IsNot)) {
        const Node *rhs = test->v.Compare.comparators.items[0];
        if (rhs->kind != NODE_Constant || rhs->v.Constant.value.kind != CONST_NONE)
            return -1;
        none_test = 1;
        if (test->v.Compare.ops.items[0] == CMP_IsNot)
            *neg = !*neg;
        test = test->v.Compare.left;
    }
    int t = -1, v = test->kind == NODE_Name ? var_index(c, test->v.Name.id, 0) : -1;
    if (v >= 0) {
        int h = p->var[v];
        if (h >= 0 && c->site[h].maybe_none && p->res[h] == RS_BORROWED)
            t = -1; /* `session: Session | None = None`: either */
        else if (h >= 0 && p->res[h] != RS_GONE)
            t = !none_test;
        else if (h == VAR_NONE)
            t = none_test;
    }
    if (t < 0) {
        /* a flag: the name or attribute itself, or `x is None` of a name we do not follow */
        const char *key = !none_test ? flag_key(c, test)
                          : test->kind == NODE_Name ? fmt(c, "%s is None", test->v.Name.id) : NULL;
        *flag = flag_index(c, key, 1);
        if (*flag >= 0 && p->flag[*flag] != FLAG_UNKNOWN)
            t = p->flag[*flag] == FLAG_TRUE;
    }
    return t < 0 ? -1 : (*neg ? !t : t);
}

/*
 * A test of a resource's own state: `conn.is_closed()`, `conn.closed`,
 * `conn.invalidated` (true when closed).  The site the receiver holds on p,
 * or -1.
 */
static int state_test(Ctx *c, const Path *p, const Node *test)
{
    static const char *const calls[] = {"is_closed", NULL};
    static const char *const attrs[] = {"closed", "invalidated", NULL};
    const Node *recv = NULL;
    if (test->kind == NODE_Call && !test->v.Call.args.n && test->v.Call.func->kind == NODE_Attribute &&
        in_list(test->v.Call.func->v.Attribute.attr, calls))
        recv = test->v.Call.func->v.Attribute.value;
    else if (test->kind == NODE_Attribute && in_list(test->v.Attribute.attr, attrs))
        recv = test->v.Attribute.value;
    int r = recv ? held_by(c, p, recv) : -1;
    return r >= 0 ? r : -1;
}

#define ASSUME_MAX_DEPTH 32 /* nesting of not/and/or followed in a test */

/*
 * Refines path p by the fact that test evaluated to value (truthiness);
 * returns 0 when p cannot take that branch.  Flags and None tests get the
 * value; `a and b` true makes both true, false makes the one operand false
 * whose partners p knows to be true (`or` likewise); a state test says
 * whether the resource is closed: closed by someone else (the server) is
 * no leak of ours, and a resource we released is never open.
 */
static int assume(Ctx *c, Path *p, const Node *test, int value, int depth)
{
    if (depth > ASSUME_MAX_DEPTH)
        return 1;
    if (test->kind == NODE_UnaryOp && test->v.UnaryOp.op == UNARYOP_Not)
        return assume(c, p, test->v.UnaryOp.operand, !value, depth + 1);
    if (test->kind == NODE_BoolOp) {
        const NodeList *vs = &test->v.BoolOp.values;
        int all = (test->v.BoolOp.op == BOOLOP_And) == value; /* every operand has value */
        int open = -1, nopen = 0;
        for (int i = 0; i < vs->n; i++) {
            if (all) {
                if (!assume(c, p, vs->items[i], value, depth + 1))
                    return 0;
                continue;
            }
            int flag, neg, t = truth(c, p, vs->items[i], &flag, &neg);
            if (t == value)
                return 1; /* this operand decides it; nothing to learn of the others */
            if (t < 0)
                open = i, nopen++;
        }
        if (all)
            return 1;
        if (!nopen)
            return 0; /* every operand is known to be the other way */
        return nopen == 1 ? assume(c, p, vs->items[open], value, depth + 1) : 1;
    }
    int r = state_test(c, p, test);
    if (r >= 0) {
        if (!value)
            return p->res[r] != RS_RELEASED; /* still open: not after our own release */
        if ((p->res[r] == RS_OPEN || p->res[r] == RS_IDLE || p->res[r] == RS_REOPENED) &&
            model_user_res(c->env->model, c->site[r].val.kind)->closed_frees)
            p->res[r] = RS_GONE; /* closed already, by someone else */
        return 1;
    }
    int flag, neg, t = truth(c, p, test, &flag, &neg);
    if (t >= 0 && t != value)
        return 0;
    if (flag >= 0) /* the value of the flag or None test itself */
        p->flag[flag] = (neg ? !value : value) ? FLAG_TRUE : FLAG_FALSE;
    return 1;
}

/* ------------------------------------------------------------- worklist */

static int same_jobs(const Path *a, const Path *b)
{
    if (a->njobs != b->njobs)
        return 0;
    for (int i = 0; i < a->njobs; i++) {
        const Job *x = &a->job[i], *y = &b->job[i];
        if (x->at != y->at || x->with != y->with || x->res != y->res || x->var != y->var ||
            x->kind != y->kind || x->many != y->many)
            return 0;
    }
    return 1;
}

static int same_path(const Ctx *c, const Path *a, const Path *b)
{
    return !memcmp(a->res, b->res, (size_t)c->nsites) && !memcmp(a->held, b->held, (size_t)c->nsites) &&
           !memcmp(a->var, b->var, sizeof a->var) && !memcmp(a->flag, b->flag, sizeof a->flag) &&
           !memcmp(a->reported, b->reported, (size_t)c->nsites) &&
           a->raised_at_yield == b->raised_at_yield && a->yielded == b->yielded &&
           a->handling_yield == b->handling_yield && same_jobs(a, b) &&
           a->committed == b->committed && a->release_raised == b->release_raised &&
           a->patched == b->patched;
}

/*
 * Could a and b be one path that knows less?  They agree on every
 * resource's state, its witness aside, on the work pending and on what each
 * name holds that is a resource; they may differ on flags and on names
 * holding no resource (None or a plain value).  Paths that disagree on
 * whether a resource is open never merge, so a flag set beside an
 * acquisition (`own = True`) keeps its correlation with it.
 */
static int mergeable(const Ctx *c, const Path *a, const Path *b)
{
    if (memcmp(a->res, b->res, (size_t)c->nsites) || memcmp(a->held, b->held, (size_t)c->nsites) ||
        memcmp(a->reported, b->reported, (size_t)c->nsites) ||
        a->raised_at_yield != b->raised_at_yield || a->yielded != b->yielded ||
        a->handling_yield != b->handling_yield || !same_jobs(a, b) ||
        a->committed != b->committed || a->release_raised != b->release_raised ||
        a->patched != b->patched)
        return 0;
    for (int v = 0; v < FLOW_MAX_VARS; v++)
        if (a->var[v] != b->var[v] && (a->var[v] >= 0 || b->var[v] >= 0))
            return 0;
    return 1;
}

/* m knows only what p knows too: flags and plain names that disagree
 * become unknown. */
static void widen(Path *m, const Path *p)
{
    for (int f = 0; f < FLOW_MAX_FLAGS; f++)
        if (m->flag[f] != p->flag[f])
            m->flag[f] = FLAG_UNKNOWN;
    for (int v = 0; v < FLOW_MAX_VARS; v++)
        if (m->var[v] != p->var[v])
            m->var[v] = VAR_UNKNOWN;
}

/*
 * Over the cap at step s: p joins the path it can be merged with, whose
 * flags and plain names that disagree become unknown (the fewest such
 * first).  A path already followed from s is followed again.  0 if none.
 */
static int merge_path(Ctx *c, int s, const Path *p)
{
    PathSet *ps = &c->in[s];
    int best = -1, best_cost = 0;
    for (int i = 0; i < ps->n; i++) {
        if (!mergeable(c, &ps->p[i], p))
            continue;
        int cost = 0;
        for (int f = 0; f < FLOW_MAX_FLAGS; f++)
            cost += ps->p[i].flag[f] != p->flag[f] && ps->p[i].flag[f] != FLAG_UNKNOWN;
        for (int v = 0; v < FLOW_MAX_VARS; v++)
            cost += ps->p[i].var[v] != p->var[v] && ps->p[i].var[v] != VAR_UNKNOWN;
        if (best < 0 || cost < best_cost) {
            best = i;
            best_cost = cost;
        }
    }
    if (best < 0)
        return 0;
    if (!best_cost)
        return 1; /* it knows no more than the path already there */
    Path *m = &ps->p[best];
    widen(m, p);
    if (best < ps->done) { /* followed already: follow the wider path again */
        Path t = ps->p[ps->done - 1];
        ps->p[ps->done - 1] = *m;
        *m = t;
        ps->done--;
    }
    if (!c->queued[s]) {
        c->queued[s] = 1;
        c->work[c->nwork++] = s;
    }
    return 1;
}

/* The paths at step s that can be one are made one (mergeable), to make
 * room; those widened are followed again, after the ones left as they were. */
static void compact(Ctx *c, int s)
{
    PathSet *ps = &c->in[s];
    Path tmp[FLOW_MAX_PATHS];
    uint8_t gone[FLOW_MAX_PATHS] = {0}, widened[FLOW_MAX_PATHS] = {0};
    for (int i = 0; i < ps->n; i++)
        for (int j = i + 1; !gone[i] && j < ps->n; j++) {
            if (gone[j] || !mergeable(c, &ps->p[i], &ps->p[j]))
                continue;
            widen(&ps->p[i], &ps->p[j]);
            gone[j] = widened[i] = 1;
        }
    int k = 0, done = 0;
    for (int i = 0; i < ps->done; i++)
        if (!gone[i] && !widened[i])
            tmp[k++] = ps->p[i];
    done = k;
    for (int i = 0; i < ps->n; i++)
        if (!gone[i] && (i >= ps->done || widened[i]))
            tmp[k++] = ps->p[i];
    memcpy(ps->p, tmp, (size_t)k * sizeof *tmp);
    ps->n = k;
    ps->done = done;
    if (done < k && !c->queued[s]) {
        c->queued[s] = 1;
        c->work[c->nwork++] = s;
    }
}

static void add_path(Ctx *c, int s, const Path *p)
{
    PathSet *ps = &c->in[s];
    for (int i = 0; i < ps->n; i++)
        if (same_path(c, &ps->p[i], p))
            return;
    if (ps->n == FLOW_MAX_PATHS && merge_path(c, s, p))
        return;
    if (ps->n == FLOW_MAX_PATHS)
        compact(c, s);
    if (ps->n == FLOW_MAX_PATHS)
        return; /* nothing to merge with: this path is not followed further */
    if (!ps->p)
        ps->p = arena_alloc_raw(c->a, FLOW_MAX_PATHS * sizeof *ps->p); /* filled before read */
    ps->p[ps->n++] = *p;
    if (!c->queued[s]) {
        c->queued[s] = 1;
        c->work[c->nwork++] = s;
    }
}

typedef struct YieldSearch {
    int found, depth;
} YieldSearch;

static void yield_kid(Node *parent, Node *child, void *arg)
{
    YieldSearch *y = arg;
    (void)parent;
    if (y->found || y->depth > EVAL_MAX_DEPTH || child->kind == NODE_Lambda)
        return;
    if (child->kind == NODE_Yield || child->kind == NODE_YieldFrom) {
        y->found = 1;
        return;
    }
    y->depth++;
    ast_children(child, yield_kid, y);
    y->depth--;
}

/* Does the expression or simple statement n contain a yield? */
static int contains_yield(const Node *n)
{
    if (!n)
        return 0;
    if (n->kind == NODE_Yield || n->kind == NODE_YieldFrom)
        return 1;
    YieldSearch y = {0, 0};
    ast_children((Node *)n, yield_kid, &y);
    return y.found;
}

/* Finds `<name>.close()` (a release of what name holds) in a nested def. */
typedef struct ClosureScan {
    Ctx *c;
    Path *p;
    int depth;
} ClosureScan;

static void closure_kid(Node *parent, Node *n, void *arg)
{
    ClosureScan *w = arg;
    (void)parent;
    if (w->depth > EVAL_MAX_DEPTH)
        return;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        n->v.Call.func->v.Attribute.value->kind == NODE_Name) {
        int r = held_by(w->c, w->p, n->v.Call.func->v.Attribute.value);
        Val made;
        int with_only;
        if (r >= 0 && model_user_method(w->c->env->model, &w->c->site[r].val,
                                        n->v.Call.func->v.Attribute.attr, &made,
                                        &with_only) == EFF_RELEASE)
            gone(w->p, r); /* handed to the closure, which releases it when it runs */
    }
    w->depth++;
    ast_children(n, closure_kid, w);
    w->depth--;
}

/* A nested def that releases what a local holds (`def cleanup():
 * session.close()`, registered to run later): the resource is its. */
static void closure_releases(Ctx *c, Path *p, const Node *def)
{
    ClosureScan w = {c, p, 0};
    for (int i = 0; i < def->v.FunctionDef.body.n; i++)
        closure_kid(NULL, def->v.FunctionDef.body.items[i], &w);
}

/* The effects of step st on path p (in place). */
static void effects(Ctx *c, Path *p, const CfgStep *st)
{
    const Node *n = st->node;
    switch (st->kind) {
    case STEP_EXPR: {
        p->patched |= patch_mask(c, n); /* monkeypatch.setattr(...) from here on */
        Res r = eval(c, p, n);
        if (r.site >= 0 && (c->acquired >> r.site & 1))
            dropped(c, p, r, n);
        break;
    }
    case STEP_COND:
        eval(c, p, n);
        break;
    case STEP_ASSIGN:
        step_assign(c, p, n);
        break;
    case STEP_DELETE:
        for (int i = 0; n && i < n->v.Delete.targets.n; i++) {
            const Node *t = n->v.Delete.targets.items[i];
            if (t->kind == NODE_Name) {
                int v = var_index(c, t->v.Name.id, 0);
                if (v >= 0) {
                    gone(p, p->var[v]);
                    p->var[v] = VAR_UNKNOWN;
                }
            }
        }
        break;
    case STEP_RETURN: {
        const Node *v = n ? n->v.Return.value : NULL;
        Res r = eval(c, p, v);
        if (c->env->summary && r.site >= 0 && c->site[r.site].state)
            c->env->summary->returns_state = c->site[r.site].state;
        if (c->env->summary && r.site >= 0 && c->site[r.site].val.kind != RES_ANY && !c->cached &&
            (c->acquired >> r.site & 1 || p->res[r.site] == RS_OPEN || p->res[r.site] == RS_IDLE)) {
            c->env->summary->returns_kind = c->site[r.site].val.kind;
            c->env->summary->returns_async = c->site[r.site].val.is_async;
        }
        if (r.site >= 0 && (p->res[r.site] == RS_OPEN || p->res[r.site] == RS_IDLE))
            c->site[r.site].ever_returned = 1;
        gone(p, r.site); /* ownership goes to the caller */
        escape_names(c, p, v, 0); /* in a tuple, a dict, an object: the caller's too */
        p->ret = n;
        break;
    }
    case STEP_RAISE:
        if (n && n->kind == NODE_Raise)
            eval(c, p, n->v.Raise.exc);
        break;
    case STEP_WITH_ENTER:
        step_with_enter(c, p, n);
        break;
    case STEP_WITH_EXIT:
    case STEP_WITH_EXIT_EXC:
        step_with_exit(c, p, n, st);
        break;
    case STEP_FOR_NEXT: {
        Res none = {-1, unknown(), 0, NULL, 0, NULL};
        if (n && (n->kind == NODE_For || n->kind == NODE_AsyncFor)) {
            int it = held_by(c, p, n->v.For.iter); /* `for row in cur`: a fetch */
            if (it >= 0)
                use(c, p, it, n->v.For.iter);
            bind(c, p, n->v.For.target, none, NULL);
        }
        break;
    }
    case STEP_EXCEPT:
        if (n && n->v.ExceptHandler.name)
            bind_name(c, p, n->v.ExceptHandler.name, VAR_UNKNOWN, n);
        p->handling = p->raised;
        p->handling_yield = p->raised_at_yield;
        p->raised = NULL;
        p->raised_at_yield = 0;
        break;
    case STEP_BIND:
        if (n && (n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef))
            closure_releases(c, p, n);
        break;
    default:
        break;
    }
}

/* Does the handler type t name the exception class called name? */
static int names_exc(const Node *t, const char *name)
{
    if (!t)
        return 0;
    if (t->kind == NODE_Tuple) {
        for (int i = 0; i < t->v.Tuple.elts.n; i++)
            if (names_exc(t->v.Tuple.elts.items[i], name))
                return 1;
        return 0;
    }
    const char *id = t->kind == NODE_Name ? t->v.Name.id
                     : t->kind == NODE_Attribute ? t->v.Attribute.attr : NULL;
    return id && !strcmp(id, name);
}

/*
 * Do the handlers of try catch whatever a call raises?  In sync code
 * `except Exception` does; at an await, cancellation raises CancelledError,
 * which must be caught too.
 */
static int catches_all(const Ctx *c, const Node *try)
{
    int exc = 0, cancel = 0;
    const NodeList *h = &try->v.Try.handlers;
    for (int i = 0; i < h->n; i++) {
        const Node *t = h->items[i]->v.ExceptHandler.type;
        exc |= names_exc(t, "Exception");
        cancel |= names_exc(t, "CancelledError");
    }
    return exc && (c->catch_all_exception || cancel);
}

/* Sends p (after step s) along the normal edges of s. */
static void follow(Ctx *c, const CfgStep *st, Path *p)
{
    if (st->kind == STEP_DISPATCH && !p->raised_at_yield && st->node &&
        st->nsucc == st->node->v.Try.handlers.n + 1 && catches_all(c, st->node)) {
        /* the handlers see everything a call or an await raises here */
        for (int j = 0; j < st->nsucc - 1; j++)
            add_path(c, st->succ[j], p);
        return;
    }
    if (st->kind != STEP_COND || st->nsucc != 2) {
        for (int i = 0; i < st->nsucc; i++)
            add_path(c, st->succ[i], p);
        return;
    }
    for (int b = 0; b < 2; b++) {
        Path q = *p;
        if (assume(c, &q, st->node, b == 0, 0)) /* succ[0]: the test is true */
            add_path(c, st->succ[b], &q);
    }
}

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
static const Node *first_call(const Node *n)
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
    const char *q = qualname(c, c->env->scopes, c->scope, f);
    if (starts_with_any(q, io_roots) || (q && !strcmp(q, "warnings.warn")))
        return q[0] == 'w' ? RAISE_NEVER : RAISE_LIKELY;
    if (q && in_list(q, builders))
        return RAISE_NEVER;
    if (f->kind == NODE_Name && !q) {
        if (in_list(f->v.Name.id, never_raise_fns))
            return RAISE_NEVER;
        if (!strcmp(f->v.Name.id, "open"))
            return RAISE_LIKELY;
        return in_list(f->v.Name.id, unlikely_fns) ? RAISE_UNLIKELY : RAISE_MAYBE;
    }
    if (f->kind != NODE_Attribute)
        return RAISE_MAYBE;
    const char *m = f->v.Attribute.attr;
    if (in_list(m, log_methods) && is_logger(f->v.Attribute.value))
        return RAISE_NEVER;
    if (in_list(m, db_methods))
        return RAISE_LIKELY;
    if (!strcmp(m, "begin") && !call->v.Call.args.n) {
        /* SQLAlchemy's Connection.begin() sends nothing: the driver begins
           with the first statement */
        Val v = value_of(c->env->values, c->a, c->env->scopes, c->scope, f->v.Attribute.value);
        if (v.tag == VAL_RESOURCE && (v.kind == RES_CONNECTION || v.kind == RES_SESSION))
            return RAISE_NEVER;
    }
    return in_list(m, unlikely_methods) ? RAISE_UNLIKELY : RAISE_MAYBE;
}

typedef struct RankWalk {
    Ctx *c;
    int rank;          /* the highest so far; -1 when no call was seen */
    const Node *at;    /* its first call */
    int depth;
    int logging;       /* inside a logging call's arguments: only a database call or
                          I/O there counts, not what formats the message */
} RankWalk;

static void rank_kid(Node *parent, Node *n, void *arg)
{
    RankWalk *w = arg;
    (void)parent;
    if (w->depth > EVAL_MAX_DEPTH || n->kind == NODE_Lambda)
        return;
    int r = -1, log = 0;
    if (n->kind == NODE_Await || n->kind == NODE_Yield || n->kind == NODE_YieldFrom) {
        r = RAISE_LIKELY; /* cancellation, or what the consumer throws in */
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
 * would: computed once per step.  A step of another kind than these
 * evaluates what the CFG says may raise. */
static int step_rank(Ctx *c, int s)
{
    if (!c->ranks[s]) {
        const CfgStep *st = &c->g->steps[s];
        const Node *n = st->node;
        RankWalk w = {c, -1, NULL, 0, 0};
        if (n && n->kind == NODE_withitem)
            n = n->v.withitem.context_expr;
        if (n && (st->kind == STEP_EXPR || st->kind == STEP_ASSIGN || st->kind == STEP_COND ||
                  st->kind == STEP_RETURN || st->kind == STEP_DELETE || st->kind == STEP_WITH_ENTER))
            rank_kid(NULL, (Node *)n, &w);
        if (w.rank < 0) { /* nothing found by this walk: as the CFG says */
            w.rank = RAISE_MAYBE;
            w.at = first_call(st->node);
        }
        c->ranks[s] = (uint8_t)(w.rank + 1);
        c->raiser[s] = w.at;
    }
    return c->ranks[s] - 1;
}

/* Does step s evaluate a yield?  Computed once per step. */
static int step_yields(Ctx *c, int s)
{
    if (!c->yields[s]) {
        const CfgStep *st = &c->g->steps[s];
        int y = st->node && st->kind != STEP_ENTRY && st->kind != STEP_BIND &&
                st->kind != STEP_DISPATCH && st->kind != STEP_EXCEPT && contains_yield(st->node);
        c->yields[s] = (uint8_t)(y ? 2 : 1);
    }
    return c->yields[s] == 2;
}

/* Is a resource acquired inside a finally body open on p?  Code there is
 * code: what raises in it leaks what it acquired itself. */
static int finally_open(const Ctx *c, const Path *p)
{
    for (int r = 0; r < c->nsites; r++)
        if (c->site[r].in_finally && (p->res[r] == RS_OPEN || p->res[r] == RS_IDLE ||
                                      p->res[r] == RS_REOPENED))
            return 1;
    return 0;
}

static void transfer(Ctx *c, int s, const Path *in)
{
    const CfgStep *st = &c->g->steps[s];
    Path p = *in;
    if (step_yields(c, s))
        p.yielded = 1;
    c->step = st;
    c->acquired = 0;
    c->lent = 0;
    c->released = 0;
    if (st->kind == STEP_EXIT || st->kind == STEP_RAISE_EXIT) {
        if (c->env->summary) {
            for (int k = 0; st->kind == STEP_EXIT && k < p.njobs; k++) /* work left running */
                for (int i = 0; i < c->nparams; i++)
                    if (c->param_site[i] >= 0 && (p.job[k].res >> c->param_site[i] & 1) &&
                        p.job[k].kind != JOB_CORO &&
                        (p.job[k].kind != JOB_TASK || !p.job[k].with)) {
                        c->env->summary->defers |= 1u << i;
                        if (!c->env->summary->defer_kind)
                            c->env->summary->defer_kind = p.job[k].kind;
                    }
            for (int i = 0; st->kind == STEP_EXIT && i < c->nparams; i++) {
                /* a close that raised and was handled still counts; a
                 * parameter that escaped (returned in a value, stored) is kept */
                int r = c->param_site[i];
                if (r < 0 || (p.res[r] != RS_RELEASED &&
                              !(p.res[r] == RS_GONE && (p.release_raised >> r & 1))))
                    c->kept_param |= 1u << i;
            }
            return;
        }
        step_exit(c, &p, st, p.ret);
        return;
    }
    effects(c, &p, st);
    if (st->node && st->kind != STEP_NOP && st->kind != STEP_DISPATCH && st->kind != STEP_ENTRY)
        p.last = st->kind == STEP_WITH_EXIT ? p.last : st->node;
    follow(c, st, &p);
    /* A call inside a finally body that raises is followed only for what
     * the body acquired itself: cleanup code (untracking, notifying) before
     * a close() would otherwise make every finally a leak of the resources
     * it cleans up, and that exception is rarely the one that matters. */
    int in_cleanup = st->is_finally_copy && st->kind != STEP_RAISE;
    if (st->exc >= 0 && (st->may_raise || st->kind == STEP_RAISE) &&
        (!in_cleanup || finally_open(c, &p)) &&
        (st->kind == STEP_RAISE || step_rank(c, s) != RAISE_NEVER)) {
        /* the exception may come before this step's bindings and
         * acquisitions take effect; its releases are assumed done */
        Path q = p;
        memcpy(q.var, in->var, sizeof q.var);
        memcpy(q.job, in->job, sizeof q.job); /* work this step started may not have started */
        q.njobs = in->njobs;
        for (int r = 0; r < c->nsites; r++) {
            if ((c->lent >> r & 1) && q.res[r] == RS_OPEN)
                q.res[r] = RS_IDLE;
            if ((c->released >> r & 1) && !st->is_finally_copy && st->kind != STEP_WITH_EXIT &&
                st->kind != STEP_WITH_EXIT_EXC) {
                /* the release call itself raised: whether it took effect is
                 * unknown, so neither a leak nor a second release is sure */
                q.res[r] = RS_GONE;
                q.release_raised |= 1u << r;
            }
            if (c->acquired >> r & 1) {
                q.res[r] = in->res[r] != RS_OPEN && in->res[r] != RS_IDLE ? in->res[r] : RS_NONE;
                q.ev[r] = in->ev[r];
            }
        }
        for (int r = 0; in_cleanup && r < c->nsites; r++)
            if (!c->site[r].in_finally)
                gone(&q, r); /* the cleanup's own exception: not the resources it cleans up */
        if (st->kind == STEP_WITH_EXIT_EXC) {
            /* keep the original exception */
        } else if (st->kind == STEP_RAISE && st->node && st->node->kind == NODE_Raise &&
                   !st->node->v.Raise.exc && p.handling) {
            q.raised = p.handling; /* a bare raise: the handled exception goes on */
            q.raised_at_yield = p.handling_yield;
        } else {
            int y = step_yields(c, s);
            const Node *at = st->kind == STEP_RAISE ? first_call(st->node) : c->raiser[s];
            Ev *e = arena_alloc(c->a, sizeof *e);
            e->line = at ? at->lineno : st->line;
            e->col = at ? at->col_offset : 0;
            e->rank = st->kind == STEP_RAISE ? RAISE_LIKELY : step_rank(c, s);
            e->note = y ? "an exception is thrown into the generator at this yield"
                   : st->kind == STEP_RAISE ? "an exception is raised here"
                                            : "this may raise, and the exception leaves it open";
            e->n = 1;
            q.raised = e;
            q.raised_at_yield = (uint8_t)y;
        }
        add_path(c, st->exc, &q);
    }
}

static int cmp_report(const void *x, const void *y)
{
    const Report *a = x, *b = y;
    int la = a->r.at ? a->r.at->lineno : 0, lb = b->r.at ? b->r.at->lineno : 0;
    if (la != lb)
        return la < lb ? -1 : 1;
    int ca = a->r.at ? a->r.at->col_offset : 0, cb = b->r.at ? b->r.at->col_offset : 0;
    if (ca != cb)
        return ca < cb ? -1 : 1;
    if (a->r.problem != b->r.problem)
        return a->r.problem < b->r.problem ? -1 : 1;
    return a->site - b->site;
}


/* A dependency provider: its summary, definition and file, and the scope
 * it is used with. */
typedef struct Provider {
    const FlowSummary *sum;
    const Node *def;
    const char *path;   /* NULL: this module */
    int function_scope; /* Depends(f, scope="function") */
} Provider;

/* The function a callee expression names (in table t, scope s). */
static int provider_of(Ctx *c, const ScopeTable *t, const Scope *s, const Node *f, Provider *out)
{
    const char *q = NULL;
    if (f->kind == NODE_Name) {
        const Binding *b = scope_lookup(t, s, f->v.Name.id, NULL);
        if (b && b->kind == BIND_DEF && b->def && c->env->summary_of && t == c->env->scopes) {
            out->sum = c->env->summary_of(c->env->summary_arg, b->def);
            out->def = b->def;
            return out->sum != NULL;
        }
        if (b && b->kind == BIND_IMPORT)
            q = b->qualname;
        else if (b && b->kind == BIND_DEF)
            q = b->qualname;
    } else if (f->kind == NODE_Attribute) {
        q = qualname(c, t, s, f);
    }
    FlowDef d;
    if (!q || !c->env->resolve || !c->env->resolve(c->env->resolve_arg, q, &d) || !d.summary)
        return 0;
    out->sum = d.summary;
    out->def = d.binding ? d.binding->def : NULL;
    out->path = d.scopes == c->env->scopes ? NULL : d.path;
    return 1;
}

/* Depends(provider[, scope="function"]) (table t, scope s): its provider. */
static int depends_target(Ctx *c, const ScopeTable *t, const Scope *s, const Node *e, Provider *out)
{
    if (!e || e->kind != NODE_Call || e->v.Call.args.n < 1)
        return 0;
    if (!fastapi_is_depends(qualname(c, t, s, e->v.Call.func)))
        return 0;
    memset(out, 0, sizeof *out);
    for (int i = 0; i < e->v.Call.keywords.n; i++) {
        const Node *k = e->v.Call.keywords.items[i];
        const Node *v = k->v.keyword.value;
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "scope") && v->kind == NODE_Constant &&
            v->v.Constant.value.kind == CONST_STR && !strcmp(v->v.Constant.value.s, "function"))
            out->function_scope = 1;
    }
    return provider_of(c, t, s, e->v.Call.args.items[0], out);
}

/* The provider of an `Annotated[T, Depends(f)]` annotation, or of an alias
 * of one bound at module level, here or in another module. */
#define MAX_ALIAS_DEPTH 8 /* aliases of annotations followed, across modules too */

static int annotated_provider(Ctx *c, const ScopeTable *t, const Scope *s, const Node *ann,
                              int depth, Provider *out)
{
    if (!ann || depth > MAX_ALIAS_DEPTH)
        return 0;
    if (ann->kind == NODE_Name) {
        const Scope *where = NULL;
        const Binding *b = scope_lookup(t, s, ann->v.Name.id, &where);
        FlowDef d;
        if (b && b->kind == BIND_IMPORT && b->qualname && c->env->resolve &&
            c->env->resolve(c->env->resolve_arg, b->qualname, &d) && d.binding && d.binding->value)
            return annotated_provider(c, d.scopes, scope_module(d.scopes), d.binding->value,
                                      depth + 1, out);
        if (b && b->value && where && where->kind == SCOPE_MODULE)
            return annotated_provider(c, t, where, b->value, depth + 1, out);
        return 0;
    }
    if (ann->kind != NODE_Subscript || ann->v.Subscript.slice->kind != NODE_Tuple)
        return 0;
    const NodeList *elts = &ann->v.Subscript.slice->v.Tuple.elts;
    for (int i = 1; i < elts->n; i++)
        if (depends_target(c, t, s, elts->items[i], out))
            return 1;
    return 0;
}

/* Depends(f, use_cache=False): a fresh value even within one request. */
static int uncached(const Node *dep)
{
    if (!dep || dep->kind != NODE_Call)
        return 0;
    for (int i = 0; i < dep->v.Call.keywords.n; i++) {
        const Node *k = dep->v.Call.keywords.items[i];
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "use_cache") &&
            k->v.keyword.value->kind == NODE_Constant &&
            k->v.keyword.value->v.Constant.value.kind == CONST_FALSE)
            return 1;
    }
    return 0;
}

/*
 * A class dependency, `repo: Repo = Depends()`, `Depends(Repo)` or
 * `Annotated[Repo, Depends()]`, whose __init__ takes a session from a
 * dependency (and keeps it on self): the provider of that session.
 */
static int class_dependency(Ctx *c, const Node *dflt, const Node *ann, Provider *out)
{
    const ScopeTable *t = c->env->scopes;
    if (ann && ann->kind == NODE_Subscript && ann->v.Subscript.slice->kind == NODE_Tuple) {
        const NodeList *elts = &ann->v.Subscript.slice->v.Tuple.elts;
        for (int i = 1; i < elts->n && !dflt; i++)
            if (elts->items[i]->kind == NODE_Call)
                dflt = elts->items[i];
        ann = elts->items[0];
    }
    if (!dflt || dflt->kind != NODE_Call)
        return 0;
    if (!fastapi_is_depends(qualname(c, t, c->scope, dflt->v.Call.func)))
        return 0;
    const Node *cls = dflt->v.Call.args.n ? dflt->v.Call.args.items[0] : ann;
    if (!cls || cls->kind != NODE_Name)
        return 0;
    const Node *def = class_named(c, t, c->scope, cls->v.Name.id, &t, NULL);
    const Node *init = def ? init_of(def) : NULL;
    if (init) {
        const Scope *is = scope_of(t, init);
        const Node *args = init->v.FunctionDef.args;
        const NodeList *ps = &args->v.arguments.args, *defs = &args->v.arguments.defaults;
        for (int k = 1; is && k < ps->n; k++) {
            const Node *pd = k >= ps->n - defs->n ? defs->items[k - (ps->n - defs->n)] : NULL;
            Provider pv = {0};
            if ((depends_target(c, t, is, pd, &pv) ||
                 annotated_provider(c, t, is, ps->items[k]->v.arg.annotation, 0, &pv)) &&
                pv.sum->yields_kind != RES_NONE) {
                *out = pv;
                return 1;
            }
        }
    }
    return 0;
}

/* When the owner of what pv lends releases it, for the site's messages. */
static void owner_timing(Ctx *c, Site *st, const Provider *pv)
{
    const FlowFastApi *fa = c->env->fastapi;
    const char *name = pv->def && pv->def->kind != NODE_ClassDef ? pv->def->v.FunctionDef.name
                                                                   : "its provider";
    const Node *rel = provider_release(pv->def);
    /* a pooled connection is not closed: it goes back, to be lent again */
    int pooled = model_user_res(c->env->model, st->val.kind)->after == AFTER_SHARED;
    const char *verb = pooled ? "returns it to the pool" : "closes it";
    st->owner_path = pv->path;
    st->owner_line = rel ? rel->lineno : 0;
    st->owner_col = rel ? rel->col_offset : 0;
    st->owner_note = fmt(c, "%s here by `%s`, after the work was handed over",
                         pooled ? "returned to the pool" : "closed", name);
    if (!pv->sum->releases_after || !fa) {
        st->when = NULL;
        return;
    }
    const char *lent = pooled ? ", where another request can get it while this work still "
                                "uses it" : "";
    if (pv->function_scope) { /* written, so the installed FastAPI has it (>= 0.121) */
        st->early = 1;
        st->when = fmt(c, "`%s` (scope=\"function\") %s right after the endpoint returns%s", name,
                       verb, lent);
    } else if (fa->era == ERA_AT_RETURN) {
        st->early = 1;
        st->when = fmt(c, "`%s` %s when the endpoint returns, before the response and "
                          "background tasks (%s)%s", name, verb, fa->version, lent);
    } else {
        st->when = fmt(c, "`%s` %s after the request (%s)%s", name, verb, fa->version, lent);
    }
}

/* A site lent by the middleware that owns request.state.<x>. */
static void state_timing(Ctx *c, Site *st, const FastApiStateOwner *o)
{
    st->state = o;
    st->early = 1;
    st->owner_path = o->path;
    st->owner_line = o->close_line;
    st->owner_col = o->close_col;
    st->owner_note = fmt(c, "closed here by the middleware `%s`, after call_next",
                         o->func->v.FunctionDef.name);
    st->when = fmt(c, "the middleware `%s` closes it after call_next, before the body is streamed "
                      "and background tasks run", o->func->v.FunctionDef.name);
}

enum { LENT_BY_CALLERS = 2 }; /* borrowed_params: a provider every caller's argument has */

typedef struct HolderSearch {
    Ctx *c;
    const ScopeTable *t;
    const Node *def;    /* the provider */
    Provider *inner;    /* out: the provider of what the returned object keeps */
    int found, depth;
} HolderSearch;

static void holder_return(Node *parent, Node *n, void *arg)
{
    HolderSearch *h = arg;
    (void)parent;
    if (h->found || h->depth > EVAL_MAX_DEPTH || n->kind == NODE_FunctionDef ||
        n->kind == NODE_AsyncFunctionDef || n->kind == NODE_ClassDef || n->kind == NODE_Lambda)
        return;
    const Node *call = n->kind == NODE_Return ? n->v.Return.value : NULL;
    const Scope *ds = scope_of(h->t, h->def);
    if (call && ds && call->kind == NODE_Call && call->v.Call.func->kind == NODE_Name) {
        const ScopeTable *ct;
        const Node *cls = class_named(h->c, h->t, ds, call->v.Call.func->v.Name.id, &ct, NULL);
        const Node *params = h->def->v.FunctionDef.args;
        int n_args = call->v.Call.args.n + call->v.Call.keywords.n;
        for (int j = 0; cls && j < n_args && !h->found; j++) {
            const Node *kwn = j >= call->v.Call.args.n
                                  ? call->v.Call.keywords.items[j - call->v.Call.args.n] : NULL;
            const Node *a = kwn ? kwn->v.keyword.value : call->v.Call.args.items[j];
            const char *kept = init_param(cls, j, kwn ? kwn->v.keyword.arg : NULL);
            if (a->kind != NODE_Name || !kept || !init_keeps(h->c, ct, cls, kept, 0))
                continue;
            /* the argument is a parameter of the provider that FastAPI fills */
            const NodeList *ps = &params->v.arguments.args, *ds_ = &params->v.arguments.defaults;
            for (int i = 0; i < ps->n && !h->found; i++) {
                const Node *pa = ps->items[i];
                const Node *dflt = i >= ps->n - ds_->n ? ds_->items[i - (ps->n - ds_->n)] : NULL;
                if (strcmp(pa->v.arg.arg, a->v.Name.id))
                    continue;
                h->found = (depends_target(h->c, h->t, ds, dflt, h->inner) ||
                            annotated_provider(h->c, h->t, ds, pa->v.arg.annotation, 0, h->inner)) &&
                           h->inner->sum && h->inner->sum->yields_kind != RES_NONE;
            }
        }
    }
    h->depth++;
    ast_children(n, holder_return, h);
    h->depth--;
}

/*
 * A dependency that returns an object keeping a session FastAPI lends it
 * (`def get_service(db: DB): return Service(db)`): the object holds that
 * provider's session, *inner.  0 if pv's provider returns no such object.
 */
static int lends_holder(Ctx *c, const Provider *pv, Provider *inner)
{
    const Node *def = pv->def;
    if (!def || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef))
        return 0;
    const ScopeTable *t = value_table_of(c->env->values, def);
    if (!t)
        return 0;
    HolderSearch h = {c, t, def, inner, 0, 0};
    memset(inner, 0, sizeof *inner);
    ast_children((Node *)def, holder_return, &h);
    if (h.found && !inner->path)
        inner->path = pv->path; /* the inner provider is beside the outer one */
    return h.found;
}

/*
 * A parameter whose value (v, from value_param) is a session every caller
 * passes from one FastAPI dependency (`helper(db)` in endpoints that have
 * `db = Depends(get_db)`): that provider in *pv, LENT_BY_CALLERS; 0 when
 * its owner is not known.
 */
static int lent_by_callers(Ctx *c, const Node *func, int index, Val v, Provider *pv)
{
    (void)func;
    (void)index;
    if (!v.node || !c->env->summary_of)
        return 0;
    const FlowSummary *sum = c->env->summary_of(c->env->summary_arg, v.node);
    if (!sum || sum->yields_kind == RES_NONE)
        return 0;
    memset(pv, 0, sizeof *pv);
    pv->sum = sum;
    pv->def = v.node;
    const ScopeTable *t = value_table_of(c->env->values, v.node);
    pv->path = t && t != c->env->scopes ? value_path_of(c->env->values, v.node) : NULL;
    pv->function_scope = v.scope_fn;
    return LENT_BY_CALLERS;
}

/*
 * A parameter some caller fills with a resource it made itself (`with
 * SessionLocal() as db: queue_receipt(tasks, db)`): that caller releases it
 * once this call returns, so work handed it here outlives it.  Sets up
 * site r (the parameter a) that way; 0 when no caller does.
 */
static int owned_by_caller(Ctx *c, Path *start, int r, const Node *func, const Node *a, int index)
{
    const char *path;
    const Node *caller;
    const Node *call = value_param_owner(c->env->values, func, index, &path, &caller);
    if (!call)
        return 0;
    Site *st = &c->site[r];
    const char *name = caller && caller->kind != NODE_ClassDef && caller->kind != NODE_Module
                           ? fmt(c, "`%s`", caller->v.FunctionDef.name) : "module-level code";
    st->early = 1; /* before anything this function leaves running */
    st->when = fmt(c, "its caller %s made it and releases it once this call returns", name);
    if (path && !strcmp(path, c->env->src->path))
        path = NULL;
    start->ev[r] = ev_push_far(c, NULL, path, call->lineno, call->col_offset,
                               fmt(c, "called here by %s with a %s it made and releases after "
                                      "the call", name, noun(c, r)));
    start->ev[r] = ev_push(c, start->ev[r], a, fmt(c, "borrowed here as `%s`", a->v.arg.arg));
    return 1;
}

/* A parameter filled by a FastAPI dependency that yields a resource: the
 * function borrows it from the provider, also when it is a helper every
 * caller passes the provider's session to.  A parameter typed as a session
 * or connection, or given one by its callers, is borrowed from an owner we
 * do not know. */
static void borrowed_params(Ctx *c, Path *start, const Node *func)
{
    if (func->kind != NODE_FunctionDef && func->kind != NODE_AsyncFunctionDef)
        return;
    const Node *args = func->v.FunctionDef.args;
    const NodeList *plain = &args->v.arguments.args, *defs = &args->v.arguments.defaults;
    const NodeList *kwonly = &args->v.arguments.kwonlyargs, *kwdefs = &args->v.arguments.kw_defaults;
    int nparams = args->v.arguments.posonlyargs.n + plain->n + kwonly->n;
    /* plain, keyword-only, then *args and **kwargs (value.h numbers them last) */
    Node *rest[2] = {args->v.arguments.vararg, args->v.arguments.kwarg};
    NodeList tail = {rest, 2};
    for (int l = 0; l < 3; l++) {
        const NodeList *ps = l == 0 ? plain : l == 1 ? kwonly : &tail;
        for (int i = 0; i < ps->n; i++) {
            const Node *a = ps->items[i];
            const Node *def = NULL;
            if (!a)
                continue;
            if (l == 1)
                def = kwdefs->items[i];
            else if (l == 0 && i >= ps->n - defs->n)
                def = defs->items[i - (ps->n - defs->n)];
            int index = l == 2 ? nparams + i : args->v.arguments.posonlyargs.n + i + (l ? plain->n : 0);
            Provider pv = {0};
            Val v = {VAL_UNKNOWN, 0, 0, NULL, 0, 0, NULL, 0};
            int found = depends_target(c, c->env->scopes, c->scope, def, &pv) ||
                        annotated_provider(c, c->env->scopes, c->scope, a->v.arg.annotation, 0, &pv);
            int holder = 0;
            if (!found)
                found = holder = class_dependency(c, def, a->v.arg.annotation, &pv);
            Provider inner;
            const Node *outer = NULL; /* a dependency returning an object that keeps a session */
            if (found && pv.sum->yields_kind == RES_NONE && !pv.sum->returns_state &&
                lends_holder(c, &pv, &inner)) {
                outer = pv.def; /* `svc: Service = Depends(get_service)`, returning Service(db) */
                pv = inner;
                holder = 1;
            }
            if (found && pv.sum->yields_kind != RES_NONE) {
                v.tag = VAL_RESOURCE;
                v.kind = pv.sum->yields_kind;
            } else if (found && pv.sum->returns_state) {
                v.tag = VAL_RESOURCE;
                v.kind = RES_SESSION;
            } else if (def && fastapi_is_depends(qualname(c, c->env->scopes, c->scope,
                                                          def->kind == NODE_Call ? def->v.Call.func
                                                                                 : def))) {
                continue; /* a provider we cannot follow */
            } else {
                /* what its annotation says, or what the callers pass (value.h) */
                v = value_param(c->env->values, c->a, func, index);
                if (v.tag != VAL_RESOURCE)
                    continue;
                found = lent_by_callers(c, func, index, v, &pv);
            }
            int var = var_index(c, a->v.arg.arg, 1);
            int same = -1; /* FastAPI caches a dependency's value within a request */
            for (int k = 0; found && pv.def && k < c->nsites; k++)
                if (c->site[k].owner_def == pv.def && !uncached(def))
                    same = k;
            if (same >= 0 && var >= 0) {
                start->var[var] = (int8_t)same;
                continue;
            }
            int r = site_for(c, a, v, -1);
            if (r < 0 || var < 0)
                return;
            Site *st = &c->site[r];
            st->name = l < 2 ? a->v.arg.arg : fmt(c, "%s%s", i ? "**" : "*", a->v.arg.arg);
            st->holder = holder;
            st->maybe_none = def && def->kind == NODE_Constant &&
                             def->v.Constant.value.kind == CONST_NONE;
            start->res[r] = RS_BORROWED;
            start->var[var] = (int8_t)r;
            if (!found && owned_by_caller(c, start, r, func, a, index))
                continue;
            if (!found) {
                st->param_only = 1;
                continue;
            }
            st->owner = pv.sum;
            st->owner_def = uncached(def) ? NULL : pv.def;
            if (pv.sum->yields_kind == RES_NONE) {
                state_timing(c, st, pv.sum->returns_state);
                start->ev[r] = ev_push(c, NULL, a, fmt(c, "borrowed here from `%s`, which hands over "
                                                          "request.state.%s",
                                                       pv.def->v.FunctionDef.name,
                                                       pv.sum->returns_state->attr));
                continue;
            }
            owner_timing(c, st, &pv);
            if (found == LENT_BY_CALLERS) { /* the caller that lends it comes first */
                const char *path;
                const Node *call = value_param_site(c->env->values, func, index, &path);
                if (call)
                    start->ev[r] = ev_push_far(c, NULL, path, call->lineno, call->col_offset,
                                               fmt(c, "called here with a session from its "
                                                      "FastAPI dependency `%s`",
                                                   pv.def->v.FunctionDef.name));
                start->ev[r] = ev_push(c, start->ev[r], a, fmt(c, "borrowed here as `%s`",
                                                                a->v.arg.arg));
                continue;
            }
            start->ev[r] = ev_push(c, NULL, a,
                                   outer ? fmt(c, "borrowed here from its FastAPI dependency `%s`, "
                                                  "an object that keeps the session of `%s`",
                                               outer->v.FunctionDef.name, pv.def->v.FunctionDef.name)
                                   : pv.def && pv.def->kind != NODE_ClassDef
                                       ? fmt(c, "borrowed here from its FastAPI dependency `%s`",
                                             pv.def->v.FunctionDef.name)
                                       : "borrowed here from its FastAPI dependency");
        }
    }
}

/*
 * `self.<attr>` in a method of a class-based view, whose class body says
 * `<attr>: Session = Depends(get_db)` (fastapi-utils' cbv, controllers
 * built on it): FastAPI fills it per request from the provider, so the
 * method borrows it.  -1 when attr is not such a dependency.
 */
/* Where class cls (in table t) or a base class of it, here or in another
 * module, declares `attr = <value>` in its body: the value, with the table,
 * class scope and file (NULL: this one) that hold it. */
typedef struct ClassAttr {
    const ScopeTable *t;
    const Scope *cls;
    const char *path;
    const Node *value;
} ClassAttr;

static int class_attr(Ctx *c, const ScopeTable *t, const Scope *cls, const char *path,
                      const char *attr, int depth, ClassAttr *out)
{
    if (!cls || depth > 4)
        return 0;
    const Node *def = cls->node;
    for (int i = 0; i < def->v.ClassDef.body.n; i++) {
        const Node *target, *value;
        if (ast_single_assign(def->v.ClassDef.body.items[i], &target, &value) &&
            target->kind == NODE_Name && !strcmp(target->v.Name.id, attr)) {
            out->t = t;
            out->cls = cls;
            out->path = path;
            out->value = value;
            return 1;
        }
    }
    for (int i = 0; i < def->v.ClassDef.bases.n; i++) { /* class View(BaseController) */
        const Node *base = def->v.ClassDef.bases.items[i];
        if (base->kind != NODE_Name)
            continue;
        const ScopeTable *bt;
        const char *bpath;
        const Node *bdef = class_named(c, t, scope_module(t), base->v.Name.id, &bt, &bpath);
        if (bt == t)
            bpath = path;
        if (bdef && class_attr(c, bt, scope_of(bt, bdef), bpath, attr, depth + 1, out))
            return 1;
    }
    return 0;
}

static int view_site(Ctx *c, Path *p, const char *attr)
{
    const Scope *cls = c->scope ? c->scope->parent : NULL;
    ClassAttr ca;
    if (c->env->summary || !cls || cls->kind != SCOPE_CLASS ||
        !class_attr(c, c->env->scopes, cls, NULL, attr, 0, &ca))
        return -1;
    Provider pv = {0};
    if (!depends_target(c, ca.t, ca.cls, ca.value, &pv) || pv.sum->yields_kind == RES_NONE)
        return -1;
    Val v = {VAL_RESOURCE, pv.sum->yields_kind, 0, NULL, 0, 0, NULL, 0};
    int r = site_for(c, ca.value, v, -1);
    if (r < 0)
        return -1;
    if (!c->site[r].owner) {
        c->site[r].owner = pv.sum;
        c->site[r].name = fmt(c, "self.%s", attr);
        owner_timing(c, &c->site[r], &pv);
    }
    if (p->res[r] == RS_NONE) {
        p->res[r] = RS_BORROWED;
        p->ev[r] = ev_push_far(c, NULL, ca.path, ca.value->lineno, ca.value->col_offset,
                               fmt(c, "borrowed from its FastAPI dependency `%s` (a class-based "
                                      "view's attribute)",
                                   pv.def && pv.def->kind != NODE_ClassDef
                                       ? pv.def->v.FunctionDef.name : "?"));
    }
    return r;
}

/* Summary mode: each positional parameter starts as an open resource of
 * unknown kind, so the exits can tell whether the function releases it. */
static void summary_params(Ctx *c, Path *start, const Node *func)
{
    if (func->kind != NODE_FunctionDef && func->kind != NODE_AsyncFunctionDef)
        return;
    const Node *args = func->v.FunctionDef.args;
    const NodeList *lists[2] = {&args->v.arguments.posonlyargs, &args->v.arguments.args};
    for (int l = 0; l < 2; l++) {
        for (int i = 0; i < lists[l]->n && c->nparams < 8; i++) {
            const Node *a = lists[l]->items[i];
            Val v = {VAL_RESOURCE, RES_ANY, 0, NULL, 0, 0, NULL, 0};
            Val known = value_param(c->env->values, c->a, func, c->nparams);
            int var = var_index(c, a->v.arg.arg, 1);
            if (var < 0)
                return;
            if (known.tag != VAL_UNKNOWN && known.tag != VAL_RESOURCE) {
                /* a pool, an engine, an object the callers pass: not a resource of
                   theirs the function could release, but what it makes things with */
                c->var_val[var] = known;
                c->param_site[c->nparams++] = -1;
                continue;
            }
            int r = site_for(c, a, v, -1);
            if (r < 0)
                return;
            start->res[r] = RS_OPEN;
            start->var[var] = (int8_t)r;
            c->param_site[c->nparams++] = r;
        }
    }
}

static int has_normal(const Ctx *c, int problem, int site)
{
    for (int i = 0; i < c->nreports; i++)
        if (c->reports[i].r.problem == problem && c->reports[i].site == site &&
            !c->reports[i].exceptional)
            return 1;
    return 0;
}

static int has_report(const Ctx *c, int problem, int site)
{
    for (int i = 0; i < c->nreports; i++)
        if (c->reports[i].r.problem == problem && c->reports[i].site == site)
            return 1;
    return 0;
}

/* fan_out's search: a loop or comprehension over a parameter whose body
 * starts work that runs beside the rest (submit, create_task, Thread). */
typedef struct Fan {
    Ctx *c;
    const char *params[8];
    int nparams;
    int over;      /* index of the parameter the enclosing loop iterates, or -1 */
    unsigned found;
    int threads;
    int depth;
} Fan;

static void fan_kid(Node *parent, Node *n, void *arg);

/* The parameter an iterable reads: `p`, `enumerate(p)`, `p.items()`; -1. */
static int iterated_param(const Fan *f, const Node *it)
{
    if (it->kind == NODE_Call && it->v.Call.args.n > 0 && it->v.Call.func->kind == NODE_Name)
        it = it->v.Call.args.items[0]; /* enumerate(p), zip(p, ...) */
    else if (it->kind == NODE_Call && it->v.Call.func->kind == NODE_Attribute)
        it = it->v.Call.func->v.Attribute.value; /* p.items() */
    for (int i = 0; it->kind == NODE_Name && i < f->nparams; i++)
        if (f->params[i] && !strcmp(f->params[i], it->v.Name.id))
            return i;
    return -1;
}

static void fan_walk(Fan *f, const Node *n)
{
    if (!n || f->depth > EVAL_MAX_DEPTH || n->kind == NODE_Lambda || n->kind == NODE_FunctionDef ||
        n->kind == NODE_AsyncFunctionDef || n->kind == NODE_ClassDef)
        return;
    int saved = f->over;
    if (n->kind == NODE_For || n->kind == NODE_AsyncFor) {
        int i = iterated_param(f, n->v.For.iter);
        if (i >= 0)
            f->over = i;
    } else if (is_comprehension(n)) {
        const NodeList *gens = n->kind == NODE_DictComp ? &n->v.DictComp.generators
                                                        : &n->v.ListComp.generators;
        for (int k = 0; k < gens->n; k++) {
            int i = iterated_param(f, gens->items[k]->v.comprehension.iter);
            if (i >= 0)
                f->over = i;
        }
    } else if (n->kind == NODE_Call && f->over >= 0) {
        const Node *fn = n->v.Call.func;
        const char *m = fn->kind == NODE_Attribute ? fn->v.Attribute.attr : NULL;
        const char *q = qualname(f->c, f->c->env->scopes, f->c->scope, fn);
        int thread = (m && (!strcmp(m, "submit") || !strcmp(m, "run_in_executor"))) ||
                     (q && !strcmp(q, "threading.Thread"));
        int task = (m && (!strcmp(m, "create_task") || !strcmp(m, "start_soon"))) ||
                   (q && (!strcmp(q, "asyncio.create_task") || !strcmp(q, "asyncio.ensure_future")));
        if (thread || task) {
            f->found |= 1u << f->over;
            f->threads |= thread;
        }
    }
    f->depth++;
    ast_children((Node *)n, fan_kid, f);
    f->depth--;
    f->over = saved;
}

static void fan_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    fan_walk(arg, n);
}

/* Summary mode: which parameters' items the function hands to work that
 * runs at once (`for fn, args in calls: ex.submit(fn, *args)`). */
static void fan_out(Ctx *c, const Node *func, FlowSummary *sum)
{
    if (func->kind != NODE_FunctionDef && func->kind != NODE_AsyncFunctionDef)
        return;
    Fan f = {c, {NULL}, 0, -1, 0, 0, 0};
    const Node *args = func->v.FunctionDef.args;
    const NodeList *lists[2] = {&args->v.arguments.posonlyargs, &args->v.arguments.args};
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < lists[l]->n && f.nparams < 8; i++)
            f.params[f.nparams++] = lists[l]->items[i]->v.arg.arg;
    for (int i = 0; i < func->v.FunctionDef.body.n; i++)
        fan_walk(&f, func->v.FunctionDef.body.items[i]);
    sum->fans_out = f.found;
    sum->fans_threads = (unsigned char)f.threads;
}

/* Is the hook's annotation a type that SQLAlchemy hands pool event hooks? */
static int pool_hook_type(const Node *ann)
{
    static const char *const types[] = {"ConnectionPoolEntry", "_ConnectionRecord",
                                        "_ConnectionFairy", "DBAPIConnection", NULL};
    const char *id = !ann                           ? NULL
                     : ann->kind == NODE_Name      ? ann->v.Name.id
                     : ann->kind == NODE_Attribute ? ann->v.Attribute.attr
                     : ann->kind == NODE_Constant && ann->v.Constant.value.kind == CONST_STR
                         ? ann->v.Constant.value.s
                         : NULL;
    return id && in_list(id, types);
}

static int listens_for(const char *qual)
{
    size_t n = strlen(qual);
    return n >= 11 && !strcmp(qual + n - 11, "listens_for");
}

/*
 * Is func an event hook of a SQLAlchemy pool (`@event.listens_for(engine,
 * "connect")`, or a function whose parameters are typed as the DB-API
 * connection and pool entry a hook receives, as one registered with
 * event.listen is)?  The connection it gets is the pool's, with its
 * cursors (a SQLite PRAGMA run at connect).
 */
static int is_pool_hook(const FlowEnv *env, const Node *func)
{
    if (func->kind != NODE_FunctionDef && func->kind != NODE_AsyncFunctionDef)
        return 0;
    if (scope_decorated_by(env->scopes, func, listens_for))
        return 1;
    const NodeList *ps = &func->v.FunctionDef.args->v.arguments.args;
    for (int i = 0; i < ps->n; i++)
        if (pool_hook_type(ps->items[i]->v.arg.annotation) ||
            !strcmp(ps->items[i]->v.arg.arg, "connection_record"))
            return 1;
    return 0;
}

void flow_function(Arena *scratch, const FlowEnv *env, Node *func)
{
    Cfg *g = cfg_build(scratch, func);
    if (!g || g->nsteps == 0)
        return;
    Ctx c;
    memset(&c, 0, sizeof c);
    c.a = scratch;
    c.env = env;
    c.g = g;
    c.scope = scope_of(env->scopes, func);
    c.resumed_not_thrown = scope_decorated_by(env->scopes, func, model_is_fixture);
    c.cached = scope_decorated_by(env->scopes, func, model_caches);
    c.pool_hook = is_pool_hook(env, func);
    c.middleware = env->fastapi && (fastapi_role(env->fastapi->model, func) & FASTAPI_MIDDLEWARE);
    c.catch_all_exception = func->kind != NODE_AsyncFunctionDef;
    c.yielded_site = -1;
    if (!c.scope)
        c.scope = scope_module(env->scopes);
    c.in = arena_alloc(scratch, (size_t)g->nsteps * sizeof *c.in);
    c.work = arena_alloc(scratch, (size_t)g->nsteps * sizeof *c.work);
    c.queued = arena_alloc(scratch, (size_t)g->nsteps);
    c.yields = arena_alloc(scratch, (size_t)g->nsteps);
    c.ranks = arena_alloc(scratch, (size_t)g->nsteps);
    c.raiser = arena_alloc(scratch, (size_t)g->nsteps * sizeof *c.raiser);
    Path start;
    memset(&start, 0, sizeof start);
    memset(start.var, 0xff, sizeof start.var); /* VAR_UNKNOWN */
    start.patched = decorator_patches(&c, func);
    if (env->summary) {
        summary_params(&c, &start, func);
        fan_out(&c, func, env->summary);
    } else {
        borrowed_params(&c, &start, func);
    }
    add_path(&c, g->entry, &start);
    while (c.nwork > 0) {
        int s = c.work[--c.nwork];
        c.queued[s] = 0;
        PathSet *ps = &c.in[s];
        while (ps->done < ps->n) {
            Path p = ps->p[ps->done++];
            transfer(&c, s, &p);
        }
    }
    if (env->summary) {
        for (int i = 0; i < c.nparams; i++)
            if (!(c.kept_param >> i & 1) && c.in[g->exit].n > 0)
                env->summary->releases |= 1u << i;
        if (env->summary->yields_kind == RES_NONE && contains_yield(func)) {
            /* `-> AsyncIterator[AsyncSession]` over a factory we cannot see
               (request.app.state.sessionmaker()): the annotation says what it
               lends, and a with block or close() after the yield releases it */
            Val y = value_yield(env->values, scratch, func);
            if (y.tag == VAL_RESOURCE && y.kind != RES_ANY) {
                env->summary->yields_kind = y.kind;
                env->summary->releases_after = provider_release(func) != NULL;
            }
        }
        return;
    }
    if (c.nreports > 1)
        qsort(c.reports, (size_t)c.nreports, sizeof *c.reports, cmp_report);
    for (int i = 0; i < c.nreports; i++) {
        Report *rp = &c.reports[i];
        if ((rp->r.problem == FLOW_LEAK || rp->r.problem == FLOW_USE_AFTER) && rp->exceptional &&
            has_normal(&c, rp->r.problem, rp->site))
            continue; /* a path that just returns without releasing says it best */
        if (rp->r.problem == LEAK_AFTER_YIELD) {
            if (has_report(&c, FLOW_LEAK_AT_YIELD, rp->site) && c.site[rp->site].ever_released)
                continue; /* the unguarded yield is the finding; this path follows from it */
            if (has_report(&c, FLOW_LEAK, rp->site))
                continue;
            rp->r.problem = FLOW_LEAK;
        }
        if (rp->r.problem == FLOW_LEAK_AT_YIELD && !c.site[rp->site].ever_released) {
            /* nothing releases it at all: a plain leak, not an unguarded release */
            rp->r.problem = FLOW_LEAK;
            rp->r.at = c.site[rp->site].node;
        }
        if (rp->r.problem == FLOW_LEAK && !c.site[rp->site].ever_released &&
            c.site[rp->site].name && strchr(c.site[rp->site].name, '.'))
            continue; /* request.state.db nothing here closes: a dependency may own it */
        if (rp->r.problem == FLOW_LEAK && c.site[rp->site].val.kind == RES_CURSOR &&
            (c.site[rp->site].parent >= 0 || !c.site[rp->site].ever_released))
            continue; /* a cursor goes with its connection, or with the garbage
                         collector if nobody meant to close it */
        c.reports[i].r.var = c.site[c.reports[i].site].name;
        c.reports[i].r.ever_released = c.site[c.reports[i].site].ever_released;
        c.reports[i].r.ever_returned = c.site[c.reports[i].site].ever_returned;
        c.reports[i].r.site = c.site[c.reports[i].site].node;
        env->sink(env->sink_arg, &c.reports[i].r);
    }
}

Val flow_value(Arena *scratch, const FlowEnv *env, const Scope *s, const Node *e)
{
    Ctx c;
    memset(&c, 0, sizeof c);
    c.a = scratch;
    c.env = env;
    c.scope = s;
    c.keep_resources = 1;
    return value_at(&c, env->scopes, s, e);
}
