/*
 * flow_jobs.c - pending work on a path of the typestate dataflow
 * (flow_impl.h): what starts it, what ends it, and what happens to the
 * resources it uses meanwhile.
 *
 * A path also carries the work it started and has not waited for yet
 * (jobs: background tasks, streamed bodies, asyncio tasks, threads, kept
 * coroutines) with the resources each uses.  Releasing a resource under
 * pending work, or returning while work on a borrowed one outlives its
 * owner (FastAPI's timing, FlowFastApi), is SL202; starting work beside
 * other work or use of the same resource is SL203.  Awaiting, joining,
 * gathering or leaving a TaskGroup/executor block ends a job.  A local
 * list holds the coroutines added to it (append, extend, insert, +=), each
 * a job of its own, so gathering it sees all the path added.  For
 * summaries, fj_fan_out finds the parameters whose items a function hands
 * to work that runs at once (FlowSummary.fans_out).
 */
#include "flow_impl.h"
#include "value.h"

#include <string.h>

static const char *const job_names[] = {"", "background task", "streamed body", "task", "thread",
                                        "coroutine"};

/* Why each GIVE_* leaves the work running, for the witness and the message. */
static const char *const gives_why[] = {
    "",
    "the await returns at once when its task is cancelled (abandon_on_cancel=True) and the "
    "thread keeps running",
    "the await returns at once when its task is cancelled (cancellable=True) and the thread "
    "keeps running",
    "wait_for gives up on it when it times out and the thread keeps running: a thread cannot "
    "be cancelled",
    "the timeout scope around the await cancels the await when it times out and the thread "
    "keeps running: a thread cannot be cancelled",
    "asyncio.shield lets the awaiting task be cancelled while the shielded work keeps running",
};

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
void fj_jobs_end(Path *p, int var, const Node *with, const Node *at)
{
    for (int i = p->njobs - 1; i >= 0; i--)
        if ((var >= 0 && p->job[i].var == var) || (with && p->job[i].with == with) ||
            (at && p->job[i].at == at && runs_beside(p->job[i].kind) && !p->job[i].left))
            drop_job(p, i); /* (awaiting a call that queued a background task does not run it) */
}

/* Is e (depth d) a wait for the work the name id holds: id.join(),
 * id.result(), id.exception(), await id? */
static int waits_for(const Node *e, const char *id)
{
    if (e->kind == NODE_Await)
        return e->v.Await.value->kind == NODE_Name && !strcmp(e->v.Await.value->v.Name.id, id);
    if (e->kind != NODE_Call || e->v.Call.func->kind != NODE_Attribute)
        return 0;
    const Node *f = e->v.Call.func;
    const char *m = f->v.Attribute.attr;
    return f->v.Attribute.value->kind == NODE_Name && !strcmp(f->v.Attribute.value->v.Name.id, id) &&
           (!strcmp(m, "join") || !strcmp(m, "result") || !strcmp(m, "exception"));
}

typedef struct Waits {
    const char *id;
    int depth, found;
} Waits;

static void waits_kid(Node *parent, Node *n, void *arg)
{
    Waits *w = arg;
    (void)parent;
    if (w->found || !n || w->depth > EVAL_MAX_DEPTH || ast_is_def(n))
        return;
    if (waits_for(n, w->id)) {
        w->found = 1;
        return;
    }
    w->depth++;
    ast_children(n, waits_kid, w);
    w->depth--;
}

/*
 * The head of `for w in workers:` whose body waits for each item
 * (w.join(), await w): the loop waits for all the work workers holds.  An
 * empty list runs the body never but holds no work either, so the wait
 * counts on every way out of the head.
 */
void fj_loop_waits(Ctx *c, Path *p, const Node *loop)
{
    const Node *t = loop->v.For.target, *iter = loop->v.For.iter;
    if (t->kind != NODE_Name || iter->kind != NODE_Name)
        return;
    int iv = fl_var_index(c, iter->v.Name.id, 0);
    int held = 0;
    for (int k = 0; iv >= 0 && k < p->njobs; k++)
        held |= p->job[k].var == iv;
    if (!held)
        return;
    Waits w = {t->v.Name.id, 0, 0};
    for (int i = 0; i < loop->v.For.body.n && !w.found; i++)
        waits_kid(NULL, loop->v.For.body.items[i], &w);
    if (w.found)
        fj_jobs_end(p, iv, NULL, NULL);
}

/*
 * Work starts at `at` using the sites in res.  A task or thread that shares
 * a site with other running work, or that runs many times at once, is
 * concurrent use (SL203).  The same call again (a loop) is the same job.
 */
void fj_job_start(Ctx *c, Path *p, int kind, uint32_t res, const Node *at, const Node *with,
                  int many)
{
    if (!res && kind != JOB_STREAM && (kind != JOB_BACKGROUND || c->env->summary))
        return; /* a stream (SL205) and a background task (SL206, SL207: fo_background) are
                   followed for what they do beside the sessions they are handed */
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
            fl_report_job(c, FLOW_CONCURRENT, r, at, fl_ev_push(c, p->ev[r], at, note), kind, NULL);
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
    j->res = (uint16_t)res;
    j->own = 0;
    j->left = 0;
    j->var = -1;
    j->kind = (uint8_t)kind;
    j->many = (uint8_t)many;
    for (int r = 0; r < c->nsites; r++)
        if (res >> r & 1)
            p->ev[r] = fl_ev_push(c, p->ev[r], at, fmt(c, "handed to a %s here", job_names[kind]));
}

void fj_job_left(Ctx *c, Path *p, int kind, uint32_t res, const Node *at)
{
    fj_job_start(c, p, kind, res, at, NULL, 0);
    for (int i = 0; i < p->njobs; i++)
        if (p->job[i].at == at && p->job[i].kind == kind)
            p->job[i].left = 1;
}

/*
 * Site r is made anew (`s = Factory()` in a loop body): the work started
 * before holds the object it was handed, which no site follows any more, so
 * it no longer uses r; if the same call starts it again with the new one,
 * each run has its own (Job.own), not one object shared by all (SL203), and
 * releasing the new one is not under the old work (SL202).
 */
void fj_site_remade(Path *p, int r)
{
    for (int i = 0; i < p->njobs; i++)
        if (p->job[i].res >> r & 1) {
            p->job[i].res &= (uint16_t)~(1u << r);
            p->job[i].own |= (uint16_t)(1u << r);
        }
}

/* Does more than one run of job j use site r at once? */
static int shared_by_runs(const Job *j, int r)
{
    return j->many && !(j->own >> r & 1);
}

/* Site r is used at `at`: a task or thread still running uses it too
 * (SL203), unless the use is the hand-off of the arguments that start it. */
void fj_used_beside(Ctx *c, Path *p, int r, const Node *at)
{
    int j = c->job_args ? -1 : running_job(p, r);
    if (j >= 0 && !c->env->summary) {
        const Ev *e = fl_ev_push(c, p->ev[r], at,
                                 fmt(c, "used here while the %s started on line %d may be using it",
                                     job_names[p->job[j].kind], p->job[j].at->lineno));
        fl_report_job(c, FLOW_CONCURRENT, r, at, e, p->job[j].kind, NULL);
    }
}

/* SL202 of site r under job j: also why an await gave up on j, if one did. */
static void report_outlives(Ctx *c, int r, const Job *j, const Ev *e, const char *owner)
{
    int before = c->nreports;
    fl_report_job(c, FLOW_OUTLIVES, r, j->at, e, j->kind, owner);
    if (c->nreports > before && j->gives)
        c->reports[c->nreports - 1].r.why = gives_why[j->gives];
}

/* Site r is released at `at`: work still pending on it outlives it.  On an
 * exception path only work an await gave up on counts: other work was
 * started by the step that raised, or waited for by code the exception
 * skipped. */
void fj_released_under_work(Ctx *c, Path *p, int r, const Node *at, int by_with)
{
    for (int i = 0; i < p->njobs && !c->env->summary; i++) {
        const Job *j = &p->job[i];
        if (!(j->res >> r & 1) || j->kind == JOB_CORO || (p->raised && !j->gives))
            continue;
        const Ev *e = fl_ev_push(
            c, p->ev[r], at,
            by_with ? fmt(c, "released here, at the end of the with block, while "
                             "the %s may still use it", job_names[j->kind])
                    : fmt(c, "released here while the %s may still use it", job_names[j->kind]));
        report_outlives(c, r, j, e, NULL);
    }
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

/* Is e a callable that keeps what it was made with: a lambda, or
 * functools.partial(f, ...)? */
int fj_bound_callable(Ctx *c, const Node *e)
{
    if (e->kind == NODE_Lambda)
        return 1;
    if (e->kind != NODE_Call)
        return 0;
    const char *q = fl_qualname(c, c->env->scopes, c->scope, e->v.Call.func);
    return q && !strcmp(q, "functools.partial");
}

static void uses_scan(Uses *u, const Node *n);
static uint32_t kept_by_maker(Ctx *c, const Path *p, const Node *recv);

/* Is v an object made by a class of the project or a library (Deps(db)),
 * or a list, tuple or comprehension of such objects?  With u, scans the
 * names and attributes they were made with. */
static int made_with(Ctx *c, const Node *v, Uses *u)
{
    if (fl_is_comprehension(v) && v->kind != NODE_DictComp)
        return made_with(c, v->v.ListComp.elt, u);
    if (v->kind == NODE_List || v->kind == NODE_Tuple) {
        int any = 0;
        for (int i = 0; i < v->v.List.elts.n; i++)
            any |= made_with(c, v->v.List.elts.items[i], u);
        return any;
    }
    if (v->kind != NODE_Call || !fc_constructs(c, v->v.Call.func))
        return 0;
    const Node *a;
    for (int i = 0; u && (a = ast_call_arg(v, i)); i++)
        if (a->kind == NODE_Name || a->kind == NODE_Attribute)
            uses_scan(u, a);
    return 1;
}

/* listed_item's search: the lists a name iterates as a loop's or a
 * comprehension's target (`for c in coros`, `[... for c in coros]`). */
typedef struct Listed {
    Ctx *c;
    const Path *p;
    const char *id;
    int count[FLOW_MAX_RES]; /* per site: the kept coroutines of those lists using it */
    int depth;
} Listed;

static void listed_kid(Node *parent, Node *n, void *arg);

/* Target t iterating it: when t is the name and it a list of kept
 * coroutines, count what they use. */
static void listed_iter(Listed *w, const Node *t, const Node *it)
{
    if (t->kind != NODE_Name || it->kind != NODE_Name || strcmp(t->v.Name.id, w->id))
        return;
    int v = fl_var_index(w->c, it->v.Name.id, 0);
    for (int k = 0; v >= 0 && k < w->p->njobs; k++)
        for (int r = 0; r < w->c->nsites && w->p->job[k].var == v && w->p->job[k].kind == JOB_CORO;
             r++)
            if (w->p->job[k].res >> r & 1)
                w->count[r] += shared_by_runs(&w->p->job[k], r) ? 2 : 1;
}

static void listed_kid(Node *parent, Node *n, void *arg)
{
    Listed *w = arg;
    (void)parent;
    if (!n || w->depth > EVAL_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_For || n->kind == NODE_AsyncFor)
        listed_iter(w, n->v.For.target, n->v.For.iter);
    else if (n->kind == NODE_comprehension)
        listed_iter(w, n->v.comprehension.target, n->v.comprehension.iter);
    w->depth++;
    ast_children(n, listed_kid, w);
    w->depth--;
}

/*
 * `for c in coros: tg.create_task(c)`, `[create_task(c) for c in coros]`:
 * an item of a local list of kept coroutines (fj_keep_items) brings the
 * sites two of them use, since the loop starts them all; one alone in the
 * list runs alone.
 */
static uint32_t listed_item(Ctx *c, const Path *p, const char *id)
{
    int any = 0;
    for (int k = 0; k < p->njobs; k++)
        any |= p->job[k].kind == JOB_CORO && p->job[k].var >= 0;
    if (!any || !c->g->func || ast_is_def(c->g->func) == 0)
        return 0;
    Listed w = {c, p, id, {0}, 0};
    ast_children((Node *)c->g->func, listed_kid, &w);
    uint32_t m = 0;
    for (int r = 0; r < c->nsites; r++)
        if (w.count[r] >= 2)
            m |= 1u << r;
    return m;
}

/* Summary mode, a method: is e its self (Ctx.self_site)? */
static int is_self(Ctx *c, const Node *e)
{
    const Scope *where = NULL;
    const Binding *b = c->self_site >= 0 && e->kind == NODE_Name
                           ? scope_lookup(c->env->scopes, c->scope, e->v.Name.id, &where) : NULL;
    return b && b->kind == BIND_PARAM && where == c->scope &&
           !strcmp(e->v.Name.id, ast_param(c->g->func, 0)->v.arg.arg);
}

/*
 * Does work given `self.<attr>` of the summarized method get the object's
 * state?  An attribute that is not a method of the class is state; a method
 * (`create_task(self._notify())`, `add_task(self._flush)`) is, when it or
 * the methods it calls on self read some attribute of self that is not a
 * method.  Limit: a method of a base class counts as state.
 */
static int self_state(Ctx *c, const char *attr)
{
    const Node *m = ast_method_named(c->scope->parent->node, attr);
    int stores;
    return !m || fj_method_reads(c, m, NULL, &stores) != NULL;
}

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
        int h = fl_held_by(c, u->p, n);
        if (h < 0 && is_self(c, n))
            h = c->self_site; /* self handed on: `worker(self)` */
        if (h >= 0) {
            u->mask |= 1u << h;
        } else if (!u->inner && (!b || (b->kind == BIND_LOCAL && !b->value))) {
            u->mask |= listed_item(c, u->p, n->v.Name.id); /* for c in coros: */
        } else if (b && b->kind == BIND_LOCAL && b->value && where == c->scope &&
                   c->scope->kind == SCOPE_FUNCTION && fj_bound_callable(c, b->value)) {
            /* task = functools.partial(work, db) / lambda: db...: what it was made with */
            u->depth += 8;
            uses_scan(u, b->value);
            u->depth -= 8;
        } else if (b && b->kind == BIND_LOCAL && b->value && where == c->scope &&
                   c->scope->kind == SCOPE_FUNCTION && made_with(c, b->value, NULL)) {
            /* deps = Deps(session=db), rs = [Repo(db, s) for s in srcs]: objects
               made with the session, named as they are (not a value read through
               them), carry it to the work */
            u->depth += 8;
            made_with(c, b->value, u);
            u->depth -= 8;
        } else if (b && b->kind == BIND_LOCAL && b->value && where == c->scope &&
                   c->scope->kind == SCOPE_FUNCTION && b->value->kind == NODE_Call) {
            /* task = make_task(db), a helper returning a partial of its parameter */
            const FlowSummary *sum = fc_callee_summary(c, b->value->v.Call.func);
            const NodeList *args = &b->value->v.Call.args;
            u->depth += 8;
            for (int i = 0; sum && sum->bound && i < args->n && i < 32; i++)
                if (sum->bound >> i & 1)
                    uses_scan(u, args->items[i]);
            u->depth -= 8;
        } else if (b && b->kind == BIND_DEF && b->def && where == c->scope &&
                   c->scope->kind == SCOPE_FUNCTION && b->def != c->g->func) {
            /* a function defined in this one: what it reads of ours */
            const Scope *saved = u->inner, *in = scope_of(c->env->scopes, b->def);
            const Node *d;
            for (int i = 0; in && (d = ast_param(b->def, i)) != NULL; i++)
                uses_scan(u, ast_param_default(b->def, i)); /* def cb(m, db=db): ours */
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
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute && !u->inner)
        u->mask |= kept_by_maker(c, u->p, n->v.Call.func->v.Attribute.value); /* r.lookup() */
    if (fl_is_self_attr(n, NULL)) {
        uint32_t before = u->mask;
        for (int i = 0; i < c->nsites; i++) /* a class-based view's dependency */
            if (c->site[i].name && !strncmp(c->site[i].name, "self.", 5) &&
                !strcmp(c->site[i].name + 5, n->v.Attribute.attr))
                u->mask |= 1u << i;
        /* a property of the view that returns an object keeping its session */
        int h = u->mask == before ? fp_property_site(c, (Path *)u->p, n->v.Attribute.attr) : -1;
        if (h >= 0)
            u->mask |= 1u << h;
    }
    if (n->kind == NODE_Attribute && is_self(c, n->v.Attribute.value)) {
        if (self_state(c, n->v.Attribute.attr))
            u->mask |= 1u << c->self_site;
        return; /* self itself is not handed on */
    }
    if (u->inner && fastapi_with_lock(c->env->scopes, u->inner, n))
        return; /* the runs take turns under the lock */
    if (n->kind == NODE_Lambda || n->kind == NODE_FunctionDef ||
        n->kind == NODE_AsyncFunctionDef || n->kind == NODE_ClassDef) {
        /* code nested in what is read: its names are looked up from its own scope */
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

uint32_t fj_uses_of(Ctx *c, const Path *p, const Node *e)
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
        m |= fj_uses_of(c, p, call->v.Call.args.items[i]);
    for (int i = 0; i < call->v.Call.keywords.n; i++)
        m |= fj_uses_of(c, p, call->v.Call.keywords.items[i]->v.keyword.value);
    return m;
}

/*
 * Is f a callable the project hands around that we cannot name: a
 * parameter, a local, or an attribute of one (`self.retriever_factory`, a
 * lambda or class passed in at construction), not a library's name, not a
 * builtin, and nothing the value model knows?  What such a call makes may
 * keep its arguments.
 */
static int unknown_maker(Ctx *c, const Node *f)
{
    const Node *root = f;
    while (root->kind == NODE_Attribute)
        root = root->v.Attribute.value;
    if (root->kind != NODE_Name)
        return 0;
    const Scope *where = NULL;
    const Binding *b = scope_lookup(c->env->scopes, c->scope, root->v.Name.id, &where);
    if (!b || where != c->scope || (b->kind != BIND_PARAM && b->kind != BIND_LOCAL) ||
        fl_qualname(c, c->env->scopes, c->scope, f))
        return 0;
    Val v = fl_value_at(c, c->env->scopes, c->scope, f);
    return v.tag == VAL_UNKNOWN;
}

/*
 * The sites an object kept in the local name recv may hold, for the
 * coroutines of its methods: `r = self.retriever_factory(session)` made it
 * of the session with a callable we cannot name (unknown_maker), which may
 * keep what it is given, as a constructor does.  Only names and
 * attributes passed to it count, not values read through them.
 */
static uint32_t kept_by_maker(Ctx *c, const Path *p, const Node *recv)
{
    if (recv->kind != NODE_Name || c->scope->kind != SCOPE_FUNCTION)
        return 0;
    const Scope *where = NULL;
    const Binding *b = scope_lookup(c->env->scopes, c->scope, recv->v.Name.id, &where);
    const Node *v = b && b->kind == BIND_LOCAL && where == c->scope ? b->value : NULL;
    if (!v || v->kind != NODE_Call || !unknown_maker(c, v->v.Call.func))
        return 0;
    const Node *root = v->v.Call.func;
    while (root->kind == NODE_Attribute)
        root = root->v.Attribute.value;
    Val rv = fl_model_value(c, c->env->scopes, c->scope, root);
    if (root != v->v.Call.func &&
        (fl_held_by(c, p, root) >= 0 || rv.tag == VAL_RESOURCE || rv.tag == VAL_FACTORY))
        return 0; /* a resource's own method: `session.merge(obj)` */
    Uses u = {c, p, 0, NULL, 8};
    const Node *a;
    for (int i = 0; (a = ast_call_arg(v, i)); i++)
        if (a->kind == NODE_Name || a->kind == NODE_Attribute)
            uses_scan(&u, a);
    return u.mask;
}

/* The sites the coroutine a call makes would use when it runs: its
 * arguments', and its receiver's for a method (`Retriever(db).fetch(i)`,
 * `repo.fetch(i)` of an object made with the session). */
static uint32_t coro_uses(Ctx *c, const Path *p, const Node *call)
{
    uint32_t m = args_uses(c, p, call, 0);
    if (call->v.Call.func->kind == NODE_Attribute) {
        m |= fj_uses_of(c, p, call->v.Call.func->v.Attribute.value);
        m |= kept_by_maker(c, p, call->v.Call.func->v.Attribute.value);
    }
    return m;
}

/* Waiting for e ends the work it names: a handle, a list of handles, the
 * task a call in it started. */
void fj_wait_for(Ctx *c, Path *p, const Node *e)
{
    if (e->kind == NODE_Starred)
        e = e->v.Starred.value;
    if (e->kind == NODE_Name)
        fj_jobs_end(p, fl_var_index(c, e->v.Name.id, 0), NULL, NULL);
    else if (e->kind == NODE_Call)
        fj_jobs_end(p, -1, NULL, e);
    else if (e->kind == NODE_List || e->kind == NODE_Tuple || e->kind == NODE_Set)
        for (int i = 0; i < e->v.List.elts.n; i++)
            fj_wait_for(c, p, e->v.List.elts.items[i]);
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
        int many = fl_is_comprehension(e);
        uint32_t m = fj_uses_of(c, p, e);
        int v = e->kind == NODE_Name ? fl_var_index(c, e->v.Name.id, 0) : -1;
        /* a list of kept coroutines: each appended one is an awaitable of its own */
        for (int k = 0; v >= 0 && k < p->njobs; k++)
            if (p->job[k].var == v && p->job[k].kind == JOB_CORO) {
                for (int r = 0; r < c->nsites; r++)
                    if (p->job[k].res >> r & 1)
                        count[r] += shared_by_runs(&p->job[k], r) ? 2 : 1;
                m &= ~p->job[k].res;
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
        fl_report_job(c, FLOW_CONCURRENT, r, call, fl_ev_push(c, p->ev[r], call, note), JOB_TASK,
                      NULL);
    }
    for (int i = 0; i < n; i++) /* gathered: the tasks named or started here are waited for */
        fj_wait_for(c, p, aws[i]);
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

/*
 * Is a streamed body data already made (a buffer, a list, a string, a
 * comprehension of them), which the stream only copies out, rather than a
 * generator or a library's stream producing it over time?
 */
static int in_memory(Ctx *c, const Node *body, int depth)
{
    static const char *const buffers[] = {"io.BytesIO", "io.StringIO", "iter", "builtins.iter",
                                          NULL};
    if (!body || depth > 4)
        return 0;
    switch (body->kind) {
    case NODE_Constant: case NODE_JoinedStr: case NODE_List: case NODE_Tuple:
    case NODE_ListComp: case NODE_GeneratorExp:
        return 1;
    case NODE_Call: {
        const char *q = fl_qualname(c, c->env->scopes, c->scope, body->v.Call.func);
        if (!q && body->v.Call.func->kind == NODE_Name)
            q = body->v.Call.func->v.Name.id; /* a builtin */
        return q && ast_name_in(q, buffers);
    }
    case NODE_Name: { /* buffer = io.BytesIO(data) */
        const Scope *where = NULL;
        const Binding *b = scope_lookup(c->env->scopes, c->scope, body->v.Name.id, &where);
        return b && where == c->scope && b->nbind == 1 && in_memory(c, b->value, depth + 1);
    }
    default:
        return 0;
    }
}

/*
 * Work that runs fn(args...): a resource given to it that fn releases on
 * every path (`background_tasks.add_task(write_audit, db)` where
 * write_audit closes db in its finally) now belongs to the work; the
 * function that started it owes no release.
 */
static void task_takes(Ctx *c, Path *p, const Node *fn, const Node *const *args, int nargs)
{
    const FlowSummary *sum = fn ? fc_callee_summary(c, fn) : NULL;
    for (int i = 0; sum && i < nargs && i < 32; i++) {
        int h = fl_held_by(c, p, args[i]);
        if (h >= 0 && fc_releases_param(c, sum, i, h) &&
            (p->res[h] == RS_OPEN || p->res[h] == RS_IDLE || p->res[h] == RS_REOPENED)) {
            p->res[h] = RS_GONE;
            c->site[h].ever_returned = 1; /* handed over, not leaked */
            p->ev[h] = fl_ev_push(c, p->ev[h], args[i], "handed to the work that releases it");
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

/* Does a call of the library function q start or run work: asyncio,
 * threading, concurrent.futures, a background task, a streamed response? */
int fj_starts_work(const char *q)
{
    return q && (!strncmp(q, "asyncio.", 8) || !strncmp(q, "threading.", 10) ||
                 !strncmp(q, "concurrent.futures.", 19) || strstr(q, "Background") ||
                 ast_name_in(q, stream_types));
}

/* A call of a library function that starts or runs work (asyncio,
 * threading, Starlette): its effect on the jobs of p, after its arguments
 * were evaluated. */
void fj_job_function(Ctx *c, Path *p, const Node *call, const char *q)
{
    static const char *const tasks[] = {"asyncio.create_task", "asyncio.ensure_future",
                                        "asyncio.tasks.create_task", "asyncio.tasks.ensure_future",
                                        NULL};
    static const char *const background[] = {"starlette.background.BackgroundTask",
                                             "fastapi.background.BackgroundTask", NULL};
    if (!q)
        return;
    if (ast_name_in(q, tasks) && call->v.Call.args.n > 0) {
        fj_job_start(c, p, JOB_TASK, fj_uses_of(c, p, call->v.Call.args.items[0]), call, NULL, 0);
        task_takes_coro(c, p, call->v.Call.args.items[0]);
    } else if (!strcmp(q, "asyncio.gather")) {
        run_together(c, p, call, (const Node *const *)call->v.Call.args.items, call->v.Call.args.n);
    } else if (!strcmp(q, "asyncio.wait") || !strcmp(q, "asyncio.as_completed")) {
        run_iterable(c, p, call);
    } else if ((!strcmp(q, "concurrent.futures.wait") || !strcmp(q, "concurrent.futures.as_completed")) &&
               call->v.Call.args.n > 0) {
        fj_wait_for(c, p, call->v.Call.args.items[0]); /* the threads already ran apart */
    } else if (!strcmp(q, "threading.Thread")) {
        fj_job_start(c, p, JOB_THREAD, args_uses(c, p, call, 0), call, NULL, 0);
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
    } else if (ast_name_in(q, background)) {
        fj_job_start(c, p, JOB_BACKGROUND, args_uses(c, p, call, 0), call, NULL, 0);
        if (call->v.Call.args.n > 0)
            task_takes_args(c, p, call->v.Call.args.items[0], call, 1);
    } else if (ast_name_in(q, stream_types)) {
        const Node *body = call->v.Call.args.n ? call->v.Call.args.items[0] : NULL;
        for (int i = 0; i < call->v.Call.keywords.n; i++) {
            const Node *k = call->v.Call.keywords.items[i];
            if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "content"))
                body = k->v.keyword.value;
        }
        fj_job_start(c, p, JOB_STREAM, fj_uses_of(c, p, body), call, NULL, 0);
        for (int k = 0; k < p->njobs; k++)
            if (p->job[k].at == call)
                p->job[k].quick = (uint8_t)in_memory(c, body, 0);
    }
}

/* Is recv.m(...) a callback handed to Tornado's IOLoop, run once the
 * current callback (the handler) has returned: add_callback(fn, ...),
 * spawn_callback(fn, ...), call_later(delay, fn, ...), add_timeout(when,
 * fn, ...), call_at(when, fn, ...)?  The loop is known by the receiver, a
 * call of tornado's (`IOLoop.current()`), not by a name that keeps it (a
 * limit).  The callable's index in *fn. */
static int tornado_later(Ctx *c, const Node *call, const Node *recv, const char *m, int *fn)
{
    static const char *const first[] = {"add_callback", "spawn_callback", NULL};
    static const char *const second[] = {"call_later", "add_timeout", "call_at", NULL};
    *fn = ast_name_in(m, first) ? 0 : ast_name_in(m, second) ? 1 : -1;
    if (*fn < 0 || call->v.Call.args.n <= *fn || recv->kind != NODE_Call)
        return 0;
    const char *q = fl_qualname(c, c->env->scopes, c->scope, recv->v.Call.func);
    return q && !strncmp(q, "tornado.", 8);
}

/* recv.m(...) that starts or waits for work: add_task, create_task,
 * submit, run_in_executor, join, result, Tornado's add_callback. */
void fj_job_method(Ctx *c, Path *p, const Node *call, const Res *rv, const Node *recv,
                   const char *m)
{
    Val v = rv->site >= 0 ? c->site[rv->site].val : rv->val;
    int fac = v.tag == VAL_FACTORY ? v.kind : FAC_NONE;
    if (rv->site >= 0 && v.kind != RES_ANY)
        return; /* a resource's own method (a summary's parameter may be anything) */
    const Node *a0 = call->v.Call.args.n > 0 ? call->v.Call.args.items[0] : NULL;
    int fn;
    if (tornado_later(c, call, recv, m, &fn)) {
        fj_job_start(c, p, JOB_CALLBACK, args_uses(c, p, call, fn), call, NULL, 0);
        task_takes_args(c, p, call->v.Call.args.items[fn], call, fn + 1);
    } else if (!strcmp(m, "add_task") && a0) {
        fj_job_start(c, p, JOB_BACKGROUND, args_uses(c, p, call, 0), call, NULL, 0);
        task_takes_args(c, p, a0, call, 1);
    } else if ((!strcmp(m, "create_task") || !strcmp(m, "start_soon")) && a0) {
        fj_job_start(c, p, JOB_TASK, args_uses(c, p, call, 0), call,
                     fac == FAC_TASKGROUP ? rv->with_item : NULL, 0);
        if (!strcmp(m, "create_task"))
            task_takes_coro(c, p, a0);
        else
            task_takes_args(c, p, a0, call, 1);
    } else if (!strcmp(m, "run_in_executor") && call->v.Call.args.n > 1) {
        fj_job_start(c, p, JOB_THREAD, args_uses(c, p, call, 1), call, NULL, 0);
        task_takes_args(c, p, call->v.Call.args.items[1], call, 2);
    } else if (!strcmp(m, "submit") && fac == FAC_EXECUTOR && a0) {
        fj_job_start(c, p, JOB_THREAD, args_uses(c, p, call, 0), call, rv->with_item, 0);
        task_takes_args(c, p, a0, call, 1);
    } else if (!strcmp(m, "map") && fac == FAC_EXECUTOR && call->v.Call.args.n > 0) {
        fj_job_start(c, p, JOB_THREAD, fj_uses_of(c, p, call->v.Call.args.items[0]), call, NULL, 1);
        fj_jobs_end(p, -1, NULL, call); /* map's own threads: they are what ran at once */
    } else if ((a0 = fastapi_callback_at_once(c->env->scopes, c->scope, call)) != NULL) {
        /* a library runs it per message or item, several at once */
        fj_job_start(c, p, JOB_THREAD, fj_uses_of(c, p, a0), call, NULL, 1);
        if (!strcmp(m, "map") || !strcmp(m, "starmap"))
            fj_jobs_end(p, -1, NULL, call); /* they return once every item ran */
    } else if (!strcmp(m, "join") || !strcmp(m, "result") || !strcmp(m, "exception")) {
        if (recv->kind == NODE_Name)
            fj_jobs_end(p, fl_var_index(c, recv->v.Name.id, 0), NULL, NULL);
        else if (recv->kind == NODE_Call) /* ex.submit(f, db).result() */
            fj_jobs_end(p, -1, NULL, recv);
    }
}

int fj_is_job_method(const char *m)
{
    static const char *const names[] = {"add_task", "create_task", "start_soon", "run_in_executor",
                                        "submit", "map", "add_callback", "spawn_callback",
                                        "call_later", "add_timeout", "call_at", NULL};
    return ast_name_in(m, names) || fastapi_at_once_method(m);
}

/* ------------------------------------------------------------- awaits that give up */

/*
 * An await returns when what it waits for ends, except where the code sets
 * up an early return: anyio's run_sync(..., abandon_on_cancel=True) (before
 * anyio 4.1 `cancellable=True`) returns as soon as its task is cancelled;
 * wait_for with a timeout and a timeout scope around the await (asyncio's,
 * anyio's, async_timeout's) cancel the await when time is up; shield lets
 * the awaiting task be cancelled while the shielded work goes on.  A thread
 * cannot be cancelled, so a thread it waited for keeps running: on the
 * await's exception edge the work is still pending (Ctx.left), and
 * releasing what it uses there, or after the exception is handled, is
 * SL202 (using it is SL203).  A coroutine under wait_for or a timeout scope
 * is cancelled and waited for (wait_for waits for the cancellation since
 * Python 3.7), and anyio's run_sync without abandoning holds the
 * cancellation until its thread returns, so both are quiet.  Limits: a
 * plain cancellation of the request (the client leaves) is not counted,
 * nor an explicit task.cancel() of a task whose coroutine awaits a thread;
 * anyio's move_on_after ends its block without an exception, which the
 * CFG does not know: the code after that block is not seen with the thread
 * running, only the releases on the exception's way out.
 */

/* Is call (of q) anyio's run_sync told to abandon its thread when cancelled:
 * GIVE_ABANDON or GIVE_CANCELLABLE, else 0. */
static int abandons(const Node *call, const char *q)
{
    if (!q || strcmp(q, "anyio.to_thread.run_sync"))
        return 0;
    return ast_is_true(ast_keyword(call, "abandon_on_cancel")) ? GIVE_ABANDON
           : ast_is_true(ast_keyword(call, "cancellable"))     ? GIVE_CANCELLABLE
                                                                : 0;
}

/* The pending task or thread whose handle the name e holds: its sites, and
 * in *at the call that started it, in *kind its FlowJob. */
static uint32_t pending_of(Ctx *c, const Path *p, const Node *e, const Node **at, int *kind)
{
    int v = fl_var_index(c, e->v.Name.id, 0);
    for (int k = 0; v >= 0 && k < p->njobs; k++)
        if (p->job[k].var == v && runs_beside(p->job[k].kind)) {
            *at = p->job[k].at;
            *kind = p->job[k].kind;
            return p->job[k].res;
        }
    return 0;
}

/* The sites of the thread that awaiting e waits for, when cancelling that
 * await leaves the thread running: asyncio.to_thread(f, ...),
 * loop.run_in_executor(ex, f, ...), anyio's run_sync when it abandons, a
 * handle of such work pending on p.  *at: the call that started it. */
static uint32_t thread_of(Ctx *c, const Path *p, const Node *e, const Node **at)
{
    static const char *const to_thread[] = {"asyncio.to_thread", "asyncio.threads.to_thread",
                                            NULL};
    int kind = JOB_THREAD;
    *at = e;
    if (e->kind == NODE_Name) {
        uint32_t m = pending_of(c, p, e, at, &kind);
        return kind == JOB_THREAD ? m : 0;
    }
    if (e->kind != NODE_Call)
        return 0;
    const Node *f = e->v.Call.func;
    if (f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "run_in_executor") &&
        e->v.Call.args.n > 1)
        return args_uses(c, p, e, 1);
    const char *q = fl_qualname(c, c->env->scopes, c->scope, f);
    return q && (ast_name_in(q, to_thread) || abandons(e, q)) ? args_uses(c, p, e, 0) : 0;
}

/* The sites of the work asyncio.shield(e) lets run on: a thread's, a
 * pending task's, a coroutine's (not a resource's own method:
 * `shield(session.close())` is its release).  *kind: its FlowJob. */
static uint32_t shielded(Ctx *c, Path *p, const Node *e, const Node **at, int *kind)
{
    uint32_t m = thread_of(c, p, e, at);
    *kind = JOB_THREAD;
    if (m || e->kind != NODE_Call)
        return m ? m : e->kind == NODE_Name ? pending_of(c, p, e, at, kind) : 0;
    const Node *f = e->v.Call.func;
    *kind = JOB_TASK;
    if (f->kind == NODE_Attribute && fl_held_by(c, p, f->v.Attribute.value) >= 0)
        return 0;
    /* a shielded clean-up (`await shield(discard(session))`) is handed what
       it releases, to release it whatever cancels us: not a use after ours */
    int shift = 0;
    const FlowSummary *sum = fc_call_summary(c, p, e, &shift);
    m = coro_uses(c, p, e);
    for (int i = 0; sum && i < e->v.Call.args.n; i++) {
        int h = fl_held_by(c, p, e->v.Call.args.items[i]);
        if (h >= 0 && fc_releases_param(c, sum, i + shift, h))
            m &= ~(1u << h);
    }
    return m;
}

/* Is the with statement n a timeout scope with a deadline? */
static int timeout_scope(Ctx *c, const Node *n)
{
    static const char *const scopes[] = {"asyncio.timeout", "asyncio.timeouts.timeout",
                                         "asyncio.timeout_at", "asyncio.timeouts.timeout_at",
                                         "anyio.fail_after", "anyio.move_on_after",
                                         "async_timeout.timeout", "async_timeout.timeout_at",
                                         NULL};
    for (int i = 0; i < n->v.With.items.n; i++) {
        const Node *e = n->v.With.items.items[i]->v.withitem.context_expr;
        const Node *t = e->kind == NODE_Call ? ast_call_arg(e, 0) : NULL;
        const char *q = t ? fl_qualname(c, c->env->scopes, c->scope, e->v.Call.func) : NULL;
        if (q && ast_name_in(q, scopes) &&
            !(t->kind == NODE_Constant && t->v.Constant.value.kind == CONST_NONE))
            return 1;
    }
    return 0;
}

/* under_timeout's search, down the statements that hold the await only. */
typedef struct Around {
    Ctx *c;
    const Node *aw;
    int found, depth;
} Around;

static void around_kid(Node *parent, Node *n, void *arg)
{
    Around *w = arg;
    (void)parent;
    if (w->found || !n || w->depth > EVAL_MAX_DEPTH || ast_is_def(n) || !ast_encloses(n, w->aw))
        return;
    if ((n->kind == NODE_With || n->kind == NODE_AsyncWith) && timeout_scope(w->c, n))
        for (int i = 0; i < n->v.With.body.n; i++)
            w->found |= ast_encloses(n->v.With.body.items[i], w->aw);
    w->depth++;
    ast_children(n, around_kid, w);
    w->depth--;
}

/* Is aw in the body of a timeout scope of this function? */
static int under_timeout(Ctx *c, const Node *aw)
{
    Around w = {c, aw, 0, 0};
    if (ast_is_def(c->g->func))
        ast_children((Node *)c->g->func, around_kid, &w);
    return w.found;
}

/* Work at `at` using the sites m, which the await of w (a call, or the
 * call of a helper that awaits it) may give up on for the reason why. */
static void leave(Ctx *c, const Node *at, uint32_t m, int kind, int why, const Node *w)
{
    /* A cursor closed under the abandoned work breaks only that work, whose
     * outcome nobody reads any more; its connection stays with its owner.  A
     * session or connection released goes back to its pool, or is closed,
     * under the thread's statement. */
    for (int r = 0; r < c->nsites; r++)
        if (c->site[r].val.kind == RES_CURSOR)
            m &= ~(1u << r);
    if (!m)
        return;
    for (int i = 0; i < c->nleft; i++)
        if (c->left[i].at == at)
            return;
    if (c->nleft == (int)(sizeof c->left / sizeof *c->left))
        return; /* over the cap: not followed */
    Job *j = &c->left[c->nleft];
    memset(j, 0, sizeof *j);
    j->at = at;
    j->res = (uint16_t)m;
    j->var = -1;
    j->kind = (uint8_t)kind;
    j->gives = (uint8_t)why;
    c->left_aw[c->nleft++] = w;
}

void fj_await_gives_up(Ctx *c, Path *p, const Node *w)
{
    static const char *const wait_for[] = {"asyncio.wait_for", "asyncio.tasks.wait_for", NULL};
    static const char *const shield[] = {"asyncio.shield", "asyncio.tasks.shield", NULL};
    static const char *const last[] = {"run_sync", "wait_for", "shield", "to_thread",
                                       "run_in_executor", NULL};
    const Node *f = w->kind == NODE_Call ? w->v.Call.func : NULL;
    const char *name = !f                         ? NULL
                       : f->kind == NODE_Attribute ? f->v.Attribute.attr
                       : f->kind == NODE_Name      ? f->v.Name.id
                                                   : NULL;
    if (w->kind != NODE_Name && !(name && ast_name_in(name, last)))
        return; /* by its last name, before the qualified one is worked out */
    const char *q = f ? fl_qualname(c, c->env->scopes, c->scope, f) : NULL;
    const Node *at = w, *a0 = w->kind == NODE_Call && w->v.Call.args.n ? w->v.Call.args.items[0]
                                                                        : NULL;
    int why = 0, kind = JOB_THREAD;
    uint32_t m = 0;
    if ((why = abandons(w, q)) != 0) {
        m = args_uses(c, p, w, 0);
    } else if (q && ast_name_in(q, wait_for) && a0) {
        const Node *t = w->v.Call.args.n > 1 ? w->v.Call.args.items[1] : ast_keyword(w, "timeout");
        const char *sq = a0->kind == NODE_Call
                             ? fl_qualname(c, c->env->scopes, c->scope, a0->v.Call.func) : NULL;
        if (t && !(t->kind == NODE_Constant && t->v.Constant.value.kind == CONST_NONE))
            m = sq && ast_name_in(sq, shield) && a0->v.Call.args.n == 1
                    ? shielded(c, p, a0->v.Call.args.items[0], &at, &kind)
                    : thread_of(c, p, a0, &at);
        why = GIVE_WAIT_FOR;
    } else if (q && ast_name_in(q, shield) && a0) {
        m = shielded(c, p, a0, &at, &kind);
        why = GIVE_SHIELD;
    } else if ((m = thread_of(c, p, w, &at)) != 0) {
        why = under_timeout(c, w) ? GIVE_SCOPE : 0;
    }
    if (why)
        leave(c, at, m, kind, why, w);
}

void fj_gives_up_at_raise(Ctx *c, const Path *p)
{
    FlowSummary *sum = c->env->summary;
    for (int k = 0; k < p->njobs; k++)
        for (int i = 0; p->job[k].gives && i < c->nparams; i++)
            if (c->param_site[i] >= 0 && (p->job[k].res >> c->param_site[i] & 1)) {
                sum->gives_up |= 1u << i;
                if (!sum->gives_why) {
                    sum->gives_why = p->job[k].gives;
                    sum->gives_kind = p->job[k].kind;
                }
            }
}

void fj_call_gives_up(Ctx *c, const Node *call, uint32_t m, const FlowSummary *sum)
{
    leave(c, call, m, sum->gives_kind, sum->gives_why, call);
}

void fj_left_running(Ctx *c, Path *q)
{
    for (int i = 0; i < c->nleft; i++) {
        const Job *l = &c->left[i];
        int k = 0;
        while (k < q->njobs && q->job[k].at != l->at)
            k++;
        if (k == FLOW_MAX_JOBS)
            continue; /* over the cap: not followed */
        const char *handed = fmt(c, "handed to a %s here: %s", job_names[l->kind],
                                 gives_why[l->gives]);
        const char *awaited = fmt(c, "awaited here: %s", gives_why[l->gives]);
        int started = k < q->njobs; /* before this step */
        if (k == q->njobs)
            q->job[q->njobs++] = *l;
        q->job[k].gives = l->gives;
        for (int r = 0; r < c->nsites; r++) {
            const Ev *e = q->ev[r];
            if (!(l->res >> r & 1))
                continue;
            /* started by this step's own call (run_in_executor): its hand-over is told */
            int told = e && e->line == l->at->lineno && e->col == l->at->col_offset;
            q->ev[r] = fl_ev_push(c, e, c->left_aw[i], started || told ? awaited : handed);
        }
    }
}

/* Coroutine or job a of list var joins the list: the job a started, or
 * (in a coroutine) a kept coroutine made by the call a; many: one of
 * several the same code adds (a comprehension's). */
static void keep_one(Ctx *c, Path *p, const Node *a, int var, int many)
{
    int found = 0;
    for (int k = 0; k < p->njobs; k++)
        if (p->job[k].at == a) {
            p->job[k].var = (int8_t)var;
            if (p->job[k].kind == JOB_CORO) { /* kept again: a loop's, with what it uses now */
                p->job[k].many = 1;
                p->job[k].res |= (uint16_t)coro_uses(c, p, a);
            }
            found = 1;
        }
    if (found || a->kind != NODE_Call || c->g->func->kind != NODE_AsyncFunctionDef)
        return;
    uint32_t m = coro_uses(c, p, a);
    if (!m)
        return;
    if (p->njobs == FLOW_MAX_JOBS) {
        /* over the cap: the list's own kept coroutines take it in */
        for (int k = 0; k < p->njobs; k++)
            if (p->job[k].var == var && p->job[k].kind == JOB_CORO) {
                p->job[k].many |= many || (p->job[k].res & m) != 0;
                p->job[k].res |= m;
                return;
            }
    }
    fj_job_start(c, p, JOB_CORO, m, a, NULL, many);
    for (int k = 0; k < p->njobs; k++)
        if (p->job[k].at == a)
            p->job[k].var = (int8_t)var;
}

/*
 * What list var gains from items: a coroutine or handle (`append(x)`,
 * `insert(i, x)`), a list or tuple of them (`extend([...])`, `+= [...]`),
 * or a comprehension of them, which adds many.
 */
void fj_keep_items(Ctx *c, Path *p, const Node *items, int var)
{
    if (var < 0 || !items)
        return;
    if (items->kind == NODE_List || items->kind == NODE_Tuple) {
        for (int i = 0; i < items->v.List.elts.n; i++)
            keep_one(c, p, items->v.List.elts.items[i], var, 0);
    } else if (fl_is_comprehension(items) && items->kind != NODE_DictComp) {
        keep_one(c, p, items->v.ListComp.elt, var, 1);
    } else {
        keep_one(c, p, items, var, 0);
    }
}

/*
 * `tasks.append(create_task(...))`, `coros.append(fetch(db, i))`,
 * `coros.extend([...])`: the list var now holds the jobs those arguments
 * started, or (in a coroutine) the coroutines they made, which run when
 * the list is gathered.  An awaitable kept in a loop is one of many.
 */
void fj_keep_handles(Ctx *c, Path *p, const Node *call, int var)
{
    for (int i = 0; var >= 0 && i < call->v.Call.args.n; i++)
        fj_keep_items(c, p, call->v.Call.args.items[i], var);
}

/*
 * A call of a helper that hands the items of a parameter to tasks or
 * threads running at once (FlowSummary.fans_out): items that all use one
 * session (a comprehension of them, or two in a list) are concurrent use.
 */
void fj_fanned(Ctx *c, Path *p, const Node *call, const FlowSummary *sum)
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
        if (fl_is_comprehension(a) && a->kind != NODE_DictComp) {
            twice = m = fj_uses_of(c, p, a->v.ListComp.elt);
        } else if (a->kind == NODE_List || a->kind == NODE_Tuple) {
            for (int k = 0; k < a->v.List.elts.n; k++) {
                uint32_t u = fj_uses_of(c, p, a->v.List.elts.items[k]);
                twice |= m & u;
                m |= u;
            }
        }
        for (int r = 0; r < c->nsites; r++) {
            if (!(twice >> r & 1))
                continue;
            int kind = sum->fans_threads ? JOB_THREAD : JOB_TASK;
            const Ev *e = fl_ev_push(c, p->ev[r], call,
                                     fmt(c, "handed, item by item, to %s that run at the same time",
                                         kind == JOB_THREAD ? "threads" : "tasks"));
            fl_report_job(c, FLOW_CONCURRENT, r, call, e, kind, NULL);
        }
    }
}

/*
 * `t = create_task(...)`, `th = Thread(...)`, `fut = ex.submit(...)`: the
 * name holds the handle of the work the value started.  In a coroutine,
 * `coros = [fetch(db, i) for i in ids]` keeps coroutines that run when
 * gathered.
 */
void fj_name_handles(Ctx *c, Path *p, const Node *target, const Node *value)
{
    if (target->kind != NODE_Name || !value)
        return;
    const Node *v = ast_unawait(value);
    const Node *each = fl_is_comprehension(v) && v->kind != NODE_DictComp ? v->v.ListComp.elt : v;
    int var = -1;
    for (int k = 0; k < p->njobs; k++)
        if (p->job[k].at == v || p->job[k].at == each) { /* [Thread(...) for t in ts] */
            if (var < 0)
                var = fl_var_index(c, target->v.Name.id, 1);
            p->job[k].var = (int8_t)var;
        }
    if (c->g->func->kind != NODE_AsyncFunctionDef || value->kind == NODE_Await)
        return;
    int many = 0;
    uint32_t m = 0;
    if (fl_is_comprehension(v) && v->kind != NODE_DictComp &&
        v->v.ListComp.elt->kind == NODE_Call) {
        m = coro_uses(c, p, v->v.ListComp.elt);
        many = 1;
    } else if (v->kind == NODE_List || v->kind == NODE_Tuple) {
        for (int i = 0; i < v->v.List.elts.n; i++) {
            const Node *el = v->v.List.elts.items[i];
            uint32_t u = el->kind == NODE_Call ? coro_uses(c, p, el) : 0;
            many |= (m & u) != 0;
            m |= u;
        }
    }
    if (!m)
        return;
    fj_job_start(c, p, JOB_CORO, m, v, NULL, many);
    var = fl_var_index(c, target->v.Name.id, 1);
    for (int k = 0; k < p->njobs; k++)
        if (p->job[k].at == v)
            p->job[k].var = (int8_t)var;
}

/*
 * A session holds a connection from the first query of a transaction until
 * its commit, rollback or close (SQLAlchemy checks one out lazily, and
 * add() and the like touch none).  Followed where it is asked: for the
 * parameters of a summary (FlowSummary.checks_out, ends_txn), and for a
 * session an endpoint borrows from a provider that closes it only after
 * the response (SL205).
 */
int fj_txn_followed(const Ctx *c, int r)
{
    const Site *st = &c->site[r];
    if (c->env->summary) {
        for (int i = 0; i < c->nparams; i++)
            if (c->param_site[i] == r)
                return 1;
        return 0;
    }
    return st->val.kind == RES_SESSION && st->when && (!st->early || c->websocket) &&
           !st->param_only;
}

/* Site r's witness so far, with where its connection was checked out. */
static const Ev *checked_out_here(Ctx *c, const Path *p, int r)
{
    if (!c->checkout[r])
        return p->ev[r];
    return fl_ev_push(c, p->ev[r], c->checkout[r],
                      c->checkout_note[r] ? c->checkout_note[r]
                                          : "a connection is checked out here, and no commit, "
                                            "rollback or close follows");
}

/*
 * `await websocket.receive_text()` in a websocket endpoint while a session
 * it borrowed holds its connection: the dependency is released only when
 * the endpoint returns, after the socket closed, so the connection sits
 * idle in its transaction for as long as the client takes to send the next
 * message (SL205).
 */
void fj_waits_for_client(Ctx *c, Path *p, const Node *call, const Node *recv, const char *m)
{
    static const char *const waits[] = {"receive", "receive_text", "receive_json",
                                        "receive_bytes", "iter_text", "iter_json", "iter_bytes",
                                        NULL};
    if (recv->kind != NODE_Name || strcmp(recv->v.Name.id, c->websocket) ||
        !ast_name_in(m, waits))
        return;
    for (int r = 0; r < c->nsites; r++) {
        if (!(p->checked_out >> r & 1) || p->res[r] != RS_BORROWED || !fj_txn_followed(c, r))
            continue;
        const Ev *e = checked_out_here(c, p, r);
        e = fl_ev_push(c, e, call, "the endpoint waits here for the client's next message");
        if (c->site[r].owner_line && c->site[r].owner_note)
            e = fl_ev_push_far(c, e, c->site[r].owner_path, c->site[r].owner_line,
                               c->site[r].owner_col, "closed here, only once the socket closes");
        fl_report_job(c, FLOW_HELD_BY_STREAM, r, call, e, JOB_NONE, c->site[r].when);
    }
}

int fj_txn_event(const char *m)
{
    static const char *const out[] = {"execute", "scalar", "scalars", "get", "get_one", "query",
                                      "flush", "refresh", "merge", "connection", "stream",
                                      "stream_scalars", "run_sync", "exec", "begin_nested",
                                      "bulk_save_objects", "bulk_insert_mappings",
                                      "bulk_update_mappings", NULL};
    static const char *const end[] = {"commit", "rollback", "close", "invalidate", NULL};
    return ast_name_in(m, out) ? 1 : ast_name_in(m, end) ? -1 : 0;
}

/* fj_method_txn's walk: the last transaction event in source order; and
 * fj_method_reads': the first read of self.<attr>, and a store to it. */
typedef struct MethodTxn {
    const Node *cls;
    const char *self;
    const char *attr; /* only self.<attr> counts (NULL: any attribute of self) */
    int ev, calls, depth;
    const Node *read; /* the first read of self.<attr> (attr NULL: of any attribute
                         not a method of the class) */
    int stores;       /* self.<attr> is assigned */
    const char *last; /* the last method called on self.<attr> but a close */
} MethodTxn;

#define METHOD_TXN_CALLS 2   /* methods of the class followed inside one another */
#define METHOD_TXN_DEPTH 256 /* nesting followed in a body */

static void method_txn_body(MethodTxn *t, const Node *def);

static void method_txn_kid(Node *parent, Node *n, void *arg)
{
    MethodTxn *t = arg;
    (void)parent;
    if (t->depth > METHOD_TXN_DEPTH || ast_is_def(n) || n->kind == NODE_ClassDef)
        return;
    if (n->kind == NODE_Attribute && (!t->attr || !strcmp(n->v.Attribute.attr, t->attr)) &&
        n->v.Attribute.value->kind == NODE_Name &&
        !strcmp(n->v.Attribute.value->v.Name.id, t->self)) {
        if (ast_ctx(n) == CTX_Store || ast_ctx(n) == CTX_Del)
            t->stores = 1;
        else if (!t->read && (t->attr || !ast_method_named(t->cls, n->v.Attribute.attr)))
            t->read = n; /* any attribute: of the object's state, not its methods */
    }
    t->depth++;
    ast_children(n, method_txn_kid, t); /* arguments run before the call */
    t->depth--;
    if (n->kind != NODE_Call || n->v.Call.func->kind != NODE_Attribute)
        return;
    const Node *recv = n->v.Call.func->v.Attribute.value;
    const char *m = n->v.Call.func->v.Attribute.attr;
    if (recv->kind == NODE_Attribute && recv->v.Attribute.value->kind == NODE_Name &&
        !strcmp(recv->v.Attribute.value->v.Name.id, t->self) &&
        (!t->attr || !strcmp(recv->v.Attribute.attr, t->attr))) {
        int ev = fj_txn_event(m); /* self.session.execute(...) */
        if (ev)
            t->ev = ev;
        if (strcmp(m, "close") && strcmp(m, "invalidate"))
            t->last = m;
    } else if (recv->kind == NODE_Name && !strcmp(recv->v.Name.id, t->self) &&
               t->calls < METHOD_TXN_CALLS) {
        const Node *def = ast_method_named(t->cls, m); /* self.helper(...) */
        const Node *p0 = def ? ast_param(def, 0) : NULL;
        if (p0) {
            const char *self = t->self;
            t->calls++;
            t->self = p0->v.arg.arg;
            method_txn_body(t, def);
            t->self = self;
            t->calls--;
        }
    }
}

static void method_txn_body(MethodTxn *t, const Node *def)
{
    for (int i = 0; i < def->v.FunctionDef.body.n; i++)
        method_txn_kid(NULL, def->v.FunctionDef.body.items[i], t);
}

/*
 * What calling method m of an object that keeps a session (a holder site:
 * `repo = AccountRepo(db)`) does to that session's transaction, read from
 * the method's body (and the methods of the class it calls, two deep): the
 * last of its statements on `self.<attr>` in source order that begins or
 * ends one, as a method name fj_txn knows ("execute", "commit"), or m
 * itself when the method is not the project's.  Source order stands in for
 * the paths: a query then a commit ends the transaction, a commit then a
 * refresh leaves one open.
 */
/* The walk of method def of a class (attr: only self.<attr>), done; 0 if def
 * is not a method we can read. */
static int method_walk(Ctx *c, const Node *def, const char *attr, MethodTxn *w)
{
    const ScopeTable *t = def ? value_table_of(c->env->values, def) : NULL;
    const Scope *s = t ? scope_of(t, def) : NULL;
    const Node *p0 = def ? ast_param(def, 0) : NULL;
    if (!s || !s->parent || s->parent->kind != SCOPE_CLASS || !p0)
        return 0;
    *w = (MethodTxn){s->parent->node, p0->v.arg.arg, attr, 0, 0, 0, NULL, 0, NULL};
    method_txn_body(w, def);
    return 1;
}

const char *fj_method_txn(Ctx *c, const Node *call, const char *m)
{
    Val f = fl_value_at(c, c->env->scopes, c->scope, call->v.Call.func);
    MethodTxn w;
    if (!method_walk(c, f.tag == VAL_FUNC ? f.node : NULL, NULL, &w))
        return m;
    return w.ev > 0 ? "execute" : w.ev < 0 ? "commit" : m;
}

const char *fj_method_last(Ctx *c, const Node *call, const char *attr)
{
    Val f = fl_value_at(c, c->env->scopes, c->scope, call->v.Call.func);
    MethodTxn w;
    return method_walk(c, f.tag == VAL_FUNC ? f.node : NULL, attr, &w) ? w.last : NULL;
}

const Node *fj_method_reads(Ctx *c, const Node *def, const char *attr, int *stores)
{
    MethodTxn w;
    *stores = 0;
    if (!method_walk(c, def, attr, &w))
        return NULL;
    *stores = w.stores;
    return w.read;
}

int fj_txn(Ctx *c, Path *p, int r, const Node *call, const char *m)
{
    int ev = fj_txn_event(m);
    if (!fj_txn_followed(c, r))
        return ev;
    if (ev > 0) {
        p->checked_out |= 1u << r;
        p->txn_ended &= ~(1u << r);
        c->checkout[r] = call;
        c->checkout_note[r] = NULL;
    } else if (ev < 0) {
        p->checked_out &= ~(1u << r);
        p->txn_ended |= 1u << r;
    }
    return ev;
}

/* A summarized callee given session r: it leaves the connection out, or
 * gives it back, or (neither) leaves the transaction as it found it. */
void fj_txn_by_callee(Ctx *c, Path *p, int r, const Node *call, const FlowSummary *sum, int i)
{
    if (!fj_txn_followed(c, r))
        return;
    if (sum->checks_out >> i & 1) {
        p->checked_out |= 1u << r;
        p->txn_ended &= ~(1u << r);
        c->checkout[r] = call;
        c->checkout_note[r] = NULL;
    } else if (sum->ends_txn >> i & 1) {
        p->checked_out &= ~(1u << r);
        p->txn_ended |= 1u << r;
    }
}


/* The session site whose ORM objects the value v is (`db.get(User, i)`,
 * `db.scalars(select(User)).first()`, `db.query(User).all()`), or -1. */
static int orm_load_site(Ctx *c, const Path *p, const Node *v)
{
    static const char *const loads[] = {"get", "get_one", "merge", "scalars", "scalar",
                                        "execute", "exec", "query", NULL};
    for (int d = 0; v && d < EVAL_MAX_DEPTH; d++) {
        if (v->kind == NODE_Await) {
            v = v->v.Await.value;
            continue;
        }
        if (v->kind != NODE_Call || v->v.Call.func->kind != NODE_Attribute)
            return -1;
        const Node *f = v->v.Call.func, *recv = f->v.Attribute.value;
        int r = recv->kind == NODE_Name ? fl_held_by(c, p, recv) : -1;
        if (r >= 0)
            return ast_name_in(f->v.Attribute.attr, loads) && v->v.Call.args.n > 0 &&
                           model_selected_entity(v->v.Call.args.items[0])
                       ? r : -1;
        v = recv; /* .first(), .scalars().all() */
    }
    return -1;
}

typedef struct Loaded {
    Ctx *c;
    const Path *p;
    uint32_t mask;
    int depth;
    int in_body; /* in the body of a generator the call hands over: it runs later */
} Loaded;

static void loaded_kid(Node *parent, Node *n, void *arg)
{
    Loaded *w = arg;
    Ctx *c = w->c;
    if (w->depth > EVAL_MAX_DEPTH)
        return;
    if (n->kind == NODE_Attribute && !w->in_body &&
        !(parent && parent->kind == NODE_Call && parent->v.Call.func == n))
        return; /* `gen(inv.status)`: the attribute is read now, its value handed on */
    if (n->kind == NODE_Name) {
        const Binding *b = scope_lookup(c->env->scopes, c->scope, n->v.Name.id, NULL);
        int r = b && b->kind == BIND_LOCAL && b->value ? orm_load_site(c, w->p, b->value) : -1;
        if (r >= 0)
            w->mask |= 1u << r;
        if (b && b->kind == BIND_DEF && b->def && b->def != c->g->func && w->depth < 8) {
            w->depth += 4; /* a generator of this function the body calls */
            w->in_body++;
            ast_children(b->def, loaded_kid, w);
            w->in_body--;
            w->depth -= 4;
        }
        return;
    }
    w->depth++;
    ast_children(n, loaded_kid, w);
    w->depth--;
}

/* The sessions whose ORM objects the streamed body of the call `at` reads:
 * a lazy relationship or an expired attribute loads through the session,
 * so the body needs it open. */
static uint32_t loads_through(Ctx *c, const Path *p, const Node *at)
{
    Loaded w = {c, p, 0, 0, 0};
    for (int i = 0; i < at->v.Call.args.n; i++)
        loaded_kid(NULL, at->v.Call.args.items[i], &w);
    for (int i = 0; i < at->v.Call.keywords.n; i++)
        loaded_kid(NULL, at->v.Call.keywords.items[i]->v.keyword.value, &w);
    return w.mask;
}

/*
 * The endpoint returns a streamed response while a session it borrowed
 * still holds its connection, and the provider closes that session only
 * after the response, stream included (FastAPI >= 0.118, or < 0.106): the
 * request keeps a pooled connection, idle in its transaction, for as long
 * as the client reads.  A body that uses the session itself needs it open
 * (the stream is what it serves), so only work that does not is SL205.
 */
static void held_by_stream(Ctx *c, Path *p, const Job *j, const Node *at)
{
    uint32_t needs = j->quick ? 0 : j->res | loads_through(c, p, j->at);
    for (int r = 0; r < c->nsites; r++) {
        if (j->quick || !(p->checked_out >> r & 1) || (needs >> r & 1) || p->res[r] != RS_BORROWED ||
            !fj_txn_followed(c, r))
            continue;
        const Ev *e = checked_out_here(c, p, r);
        e = fl_ev_push(c, e, j->at, "a streamed body that does not use it is handed over here");
        if (at)
            e = fl_ev_push(c, e, at, "the function returns here");
        if (c->site[r].owner_line && c->site[r].owner_note)
            e = fl_ev_push_far(c, e, c->site[r].owner_path, c->site[r].owner_line,
                               c->site[r].owner_col,
                               "closed here, only after the streamed body has run");
        fl_report_job(c, FLOW_HELD_BY_STREAM, r, j->at, e, j->kind, c->site[r].when);
    }
}

/* The borrowed site r is released by its owner now, at `at` (a with
 * block's end): the pending work that uses it outlives it. */
void fj_outlived(Ctx *c, Path *p, int r, const Node *at)
{
    for (int i = 0; i < p->njobs; i++) {
        const Job *j = &p->job[i];
        if (!(j->res >> r & 1) || j->kind == JOB_CORO || (p->raised && !j->gives))
            continue;
        const Ev *e =
            fl_ev_push(c, p->ev[r], at,
                       fmt(c, "released here while the %s may still use it", job_names[j->kind]));
        report_outlives(c, r, j, e, c->site[r].when);
    }
}

/* The function returns: work still pending on what it borrowed outlives
 * the owner if the owner releases it first (background work and streamed
 * bodies under an early owner), or if nothing waits for it at all (tasks
 * and threads).  Raising, only the work an await gave up on is pending. */
void fj_pending_at_exit(Ctx *c, Path *p, const Node *at)
{
    for (int i = 0; i < p->njobs; i++) {
        const Job *j = &p->job[i];
        if (p->raised && !j->gives)
            continue;
        if (j->kind == JOB_STREAM && p->checked_out)
            held_by_stream(c, p, j, at);
        else if (j->kind == JOB_BACKGROUND && p->checked_out)
            fo_background(c, p, j->at, at);
        for (int r = 0; r < c->nsites; r++) {
            if (!(j->res >> r & 1) || p->res[r] != RS_BORROWED || c->site[r].param_only ||
                j->kind == JOB_CORO || (!runs_beside(j->kind) && !c->site[r].early))
                continue;
            if (!c->site[r].when)
                continue; /* an owner we know nothing about */
            const Ev *e = p->ev[r];
            if (p->raised)
                e = fl_ev_push(c, e, at ? at : p->last,
                               fmt(c, "the exception leaves the function while the %s still runs",
                                   job_names[j->kind]));
            else if (at)
                e = fl_ev_push(c, e, at, runs_beside(j->kind)
                                             ? fmt(c, "the function returns here without waiting for the %s",
                                                   job_names[j->kind])
                                             : "the function returns here");
            if (c->site[r].owner_line && c->site[r].owner_note)
                e = fl_ev_push_far(c, e, c->site[r].owner_path, c->site[r].owner_line,
                                   c->site[r].owner_col, c->site[r].owner_note);
            report_outlives(c, r, j, e, c->site[r].when);
        }
    }
}

/* fj_fan_out's search: a loop or comprehension over a parameter whose body
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
        n->kind == NODE_AsyncFunctionDef || n->kind == NODE_ClassDef || n->kind == NODE_Name ||
        n->kind == NODE_Constant) /* leaves: no loop or call in them */
        return;
    int saved = f->over;
    if (n->kind == NODE_For || n->kind == NODE_AsyncFor) {
        int i = iterated_param(f, n->v.For.iter);
        if (i >= 0)
            f->over = i;
    } else if (fl_is_comprehension(n)) {
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
        const char *q = fl_qualname(f->c, f->c->env->scopes, f->c->scope, fn);
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
void fj_fan_out(Ctx *c, const Node *func, FlowSummary *sum)
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
