/*
 * flow.c - the typestate dataflow over one function's CFG (see flow.h):
 * its core, the paths and the worklist that follows them step by step.
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
 * The rest of the dataflow is in files of its own, sharing flow_impl.h:
 * what calls do (flow_calls.c), the work a path starts and has not waited
 * for yet (flow_jobs.c), what parameters borrow (flow_params.c), what a
 * test mocks (flow_mocks.c), how plausibly a step raises (flow_raise.c).
 */
#include "flow_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastapi.h"
#include "model.h"
#include "value.h"

#define LEAK_AFTER_YIELD 100 /* internal: a leak on a path that went through a yield */

/* ------------------------------------------------------------- witness */

const Ev *fl_ev_push(Ctx *c, const Ev *prev, const Node *at, const char *note)
{
    if (prev && prev->n >= FLOW_MAX_EVENTS)
        return prev;
    Ev *e = arena_alloc(c->a, sizeof *e); /* zeroed: rank RAISE_NEVER */
    e->path = c->ev_path;
    e->line = at ? at->lineno : 0;
    e->col = at ? at->col_offset : 0;
    e->note = note;
    e->prev = prev;
    e->n = prev ? prev->n + 1 : 1;
    return e;
}

/* An event at a line of another file (path NULL: the one being evaluated). */
const Ev *fl_ev_push_far(Ctx *c, const Ev *prev, const char *path, int line, int col,
                         const char *note)
{
    if (prev && prev->n >= FLOW_MAX_EVENTS)
        return prev;
    Ev *e = arena_alloc(c->a, sizeof *e);
    e->path = path ? path : c->ev_path;
    e->line = line;
    e->col = col;
    e->note = note;
    e->prev = prev;
    e->n = prev ? prev->n + 1 : 1;
    return e;
}

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
    r->r.res_sub = c->site[site].val.sub;
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

void fl_report(Ctx *c, int problem, int site, const Node *at, const Ev *events)
{
    report(c, problem, site, at, events);
}

/* An SL202/SL203 problem: which work, and who releases the resource when. */
void fl_report_job(Ctx *c, int problem, int site, const Node *at, const Ev *events, int job,
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

int fl_var_index(Ctx *c, const char *name, int create)
{
    for (int i = 0; i < c->nvars; i++) /* most differ at the first byte: no call */
        if (c->vars[i] == name || (*c->vars[i] == *name && !strcmp(c->vars[i], name)))
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
const char *fl_var_key(Ctx *c, const Node *e)
{
    if (!e)
        return NULL;
    if (e->kind == NODE_Name)
        return e->v.Name.id;
    if (e->kind == NODE_Subscript && e->v.Subscript.value->kind == NODE_Name &&
        e->v.Subscript.slice->kind == NODE_Constant &&
        e->v.Subscript.slice->v.Constant.value.kind == CONST_STR && c->scope) {
        /* a dict of this function's own, its `**kwargs` included (a new
         * dict each call): a caller's (a parameter) or a global one keeps
         * what is stored in it */
        const Scope *where = NULL;
        const Binding *b = scope_lookup(c->env->scopes, c->scope, e->v.Subscript.value->v.Name.id, &where);
        const Node *fn = where ? where->node : NULL;
        int own_kwargs = b && b->kind == BIND_PARAM && fn &&
                         (fn->kind == NODE_FunctionDef || fn->kind == NODE_AsyncFunctionDef) &&
                         b->def == fn->v.FunctionDef.args->v.arguments.kwarg;
        if (b && (b->kind == BIND_LOCAL || own_kwargs || (c->passes_on && b->kind == BIND_PARAM)) &&
            where == c->scope)
            return fmt(c, "%s[%s]", e->v.Subscript.value->v.Name.id,
                       e->v.Subscript.slice->v.Constant.value.s);
    }
    for (int i = 0; c->enter && i < c->nsites && fl_is_self_attr(e, NULL); i++)
        if (c->site[i].enter_attr && !strcmp(c->site[i].enter_attr, e->v.Attribute.attr))
            return fmt(c, "self.%s", e->v.Attribute.attr); /* kept there for __exit__ */
    const char *attr = c->middleware ? fastapi_state_attr(e) : NULL;
    if (attr && e->v.Attribute.value->v.Attribute.value->kind == NODE_Name)
        return fmt(c, "%s.state.%s", e->v.Attribute.value->v.Attribute.value->v.Name.id, attr);
    return NULL;
}

/* The parameter of func named `next` or `call_next` when func calls it, as
 * a middleware hands the event on (Slack Bolt's `next()`, Starlette's
 * `call_next(request)`); else NULL. */
typedef struct NextScan {
    const char *name;
    int found, depth;
} NextScan;

static void next_kid(Node *parent, Node *n, void *arg)
{
    NextScan *w = arg;
    (void)parent;
    if (w->found || w->depth > EVAL_MAX_DEPTH || n->kind == NODE_FunctionDef ||
        n->kind == NODE_AsyncFunctionDef || n->kind == NODE_Lambda || n->kind == NODE_ClassDef)
        return;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Name &&
        !strcmp(n->v.Call.func->v.Name.id, w->name)) {
        w->found = 1;
        return;
    }
    w->depth++;
    ast_children(n, next_kid, w);
    w->depth--;
}

static const char *passes_on(const Node *func)
{
    if (func->kind != NODE_FunctionDef && func->kind != NODE_AsyncFunctionDef)
        return NULL;
    for (int i = 0; ast_param(func, i); i++) {
        const char *name = ast_param(func, i)->v.arg.arg;
        if (strcmp(name, "next") && strcmp(name, "call_next"))
            continue;
        NextScan w = {name, 0, 0};
        for (int j = 0; j < func->v.FunctionDef.body.n && !w.found; j++)
            next_kid(NULL, func->v.FunctionDef.body.items[j], &w);
        return w.found ? name : NULL;
    }
    return NULL;
}

/* The site a name argument of the object call v holds (`Uow(s)`, `Uow(session=s)`
 * of a class of the project), or -1: what a provider yielding that object lends. */
static int lent_inside(Ctx *c, const Path *p, const Node *v)
{
    if (!v || v->kind != NODE_Call || fl_value_at(c, c->env->scopes, c->scope, v).tag != VAL_OBJECT)
        return -1;
    const Node *a;
    for (int j = 0; (a = ast_call_arg(v, j)); j++) {
        int r = a->kind == NODE_Name ? fl_held_by(c, p, a) : -1;
        if (r >= 0 && c->site[r].val.tag == VAL_RESOURCE)
            return r;
    }
    return -1;
}

/*
 * `uow.session` or `uow.invoices` where uow holds a holder site (an object
 * that keeps a borrowed session in self.<obj_attr>: `Uow(db)`, a dependency
 * yielding one): the session it keeps, or an object its class made with it
 * (fc_inner_kept: `self.invoices = InvoiceRepo(session)`), both the holder's
 * site, so that their queries and commits are the session's; else -1.  Two
 * objects deep from the name: the inner object's own attributes are not
 * followed further.
 */
static int holder_part(Ctx *c, Path *p, const Node *e)
{
    const Node *o = e->v.Attribute.value;
    int any = 0;
    for (int r = 0; r < c->nsites && !any; r++)
        any = c->site[r].holder && c->site[r].obj_attr;
    int h = any && o->kind == NODE_Name ? fl_held_by(c, p, o) : -1;
    if (h < 0 || !c->site[h].holder || !c->site[h].obj_attr)
        return -1;
    const char *a = e->v.Attribute.attr;
    return !strcmp(a, c->site[h].obj_attr) || fc_inner_kept(c, o, a, c->site[h].obj_attr) ? h
                                                                                          : -1;
}

/* svc.db of `svc = Service()` (or `Service.create()`) whose __init__ (or
 * factory) made it: the site the object owns (owning_object), or -1. */
static int owned_attr(Ctx *c, const Path *p, const Node *e)
{
    if (e->kind != NODE_Attribute || e->v.Attribute.value->kind != NODE_Name || !c->nsites)
        return -1;
    int v = fl_var_index(c, e->v.Attribute.value->v.Name.id, 0), r = v >= 0 ? p->var[v] : -1;
    return r >= 0 && c->site[r].obj_cls && !c->site[r].holder && c->site[r].obj_attr &&
                   !strcmp(c->site[r].obj_attr, e->v.Attribute.attr)
               ? r : -1;
}

/* The site the place e names holds on path p, or a VAR_* value. */
int fl_held_by(Ctx *c, const Path *p, const Node *e)
{
    if (c->holders && e->kind == NODE_Attribute && e->v.Attribute.value->kind == NODE_Name) {
        /* repo.db of `repo = Repo(db)`, uow.session of `with UnitOfWork() as uow`:
           the site the holder keeps in that attribute */
        int k = fl_kept_by(c, p, e->v.Attribute.value);
        const char *ka = k >= 0 ? c->kept_attr[fl_var_index(c, e->v.Attribute.value->v.Name.id, 0)]
                                : NULL;
        if (ka && !strcmp(ka, e->v.Attribute.attr))
            return k;
    }
    int r = owned_attr(c, p, e);
    if (r >= 0)
        return r;
    const char *key = fl_var_key(c, e);
    if (!key)
        return VAR_UNKNOWN;
    int v = fl_var_index(c, key, 0);
    return v < 0 ? VAR_UNKNOWN : p->var[v];
}

int fl_kept_by(Ctx *c, const Path *p, const Node *e)
{
    int h = c->holders && e->kind == NODE_Name ? fl_held_by(c, p, e) : VAR_UNKNOWN;
    return h <= VAR_KEEPS ? VAR_KEEPS - h : -1;
}

/* Does the key of a tracked place lie inside the object called name
 * (`ctx[db]` in ctx, `request.state.db` in request)? */
int fl_inside(const char *key, const char *name)
{
    size_t n = strlen(name);
    return !strncmp(key, name, n) && (key[n] == '[' || !strncmp(key + n, ".state.", 7));
}

const char *fl_noun(Ctx *c, int site)
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

/*
 * The qualified name of expr in scope s of table t, copied into the
 * scratch arena: the table may be another module's, shared between threads,
 * so its own arena is not ours to allocate from.
 */
const char *fl_qualname(Ctx *c, const ScopeTable *t, const Scope *s, const Node *expr)
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
 * SL201's concern; a parameter's, fp_borrowed_params'), unless keep_resources.
 */
typedef struct ValMemo {
    const void **keys; /* node, table, scope: three per slot */
    Val *vals;
    size_t cap, n;
} ValMemo;

static size_t memo_hash(const void *a, const void *b, const void *d)
{
    uintptr_t h = (uintptr_t)a * 0x9E3779B97F4A7C15u ^ (uintptr_t)b * 0xC2B2AE3D27D4EB4Fu ^
                  (uintptr_t)d * 0x165667B19E3779F9u;
    return (size_t)(h ^ (h >> 29));
}

Val fl_model_value(Ctx *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    ValMemo *m = c->memo;
    if (!m) {
        m = c->memo = arena_alloc(c->a, sizeof *m);
        m->cap = 16; /* most functions ask of a few expressions */
        m->keys = arena_alloc(c->a, 3 * m->cap * sizeof *m->keys);
        m->vals = arena_alloc(c->a, m->cap * sizeof *m->vals);
    }
    size_t j = memo_hash(e, t, s) & (m->cap - 1);
    for (; m->keys[3 * j]; j = (j + 1) & (m->cap - 1))
        if (m->keys[3 * j] == e && m->keys[3 * j + 1] == t && m->keys[3 * j + 2] == s)
            return m->vals[j];
    Val v = value_of(c->env->values, c->a, t, s, e);
    if (2 * (m->n + 1) > m->cap) { /* grow, then find the slot again */
        ValMemo old = *m;
        m->cap *= 2;
        m->keys = arena_alloc(c->a, 3 * m->cap * sizeof *m->keys);
        m->vals = arena_alloc(c->a, m->cap * sizeof *m->vals);
        for (size_t k = 0; k < old.cap; k++) {
            if (!old.keys[3 * k])
                continue;
            size_t i = memo_hash(old.keys[3 * k], old.keys[3 * k + 1], old.keys[3 * k + 2]) &
                       (m->cap - 1);
            while (m->keys[3 * i])
                i = (i + 1) & (m->cap - 1);
            memcpy(&m->keys[3 * i], &old.keys[3 * k], 3 * sizeof *m->keys);
            m->vals[i] = old.vals[k];
        }
        j = memo_hash(e, t, s) & (m->cap - 1);
        while (m->keys[3 * j])
            j = (j + 1) & (m->cap - 1);
    }
    m->keys[3 * j] = e;
    m->keys[3 * j + 1] = t;
    m->keys[3 * j + 2] = s;
    m->vals[j] = v;
    m->n++;
    return v;
}

Val fl_value_at(Ctx *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    Val v = fl_model_value(c, t, s, e);
    return v.tag == VAL_RESOURCE && !c->keep_resources ? unknown() : v;
}

/* ------------------------------------------------------------- effects */

static void release_site(Ctx *c, Path *p, int r, const Node *at, int by_with);

void fl_release(Ctx *c, Path *p, int r, const Node *at, int by_with)
{
    release_site(c, p, r, at, by_with);
    if (p->res[r] != RS_RELEASED)
        return;
    for (int i = 0; i < c->nsites; i++) /* its results die with it (result_of) */
        if (c->site[i].parent == r && c->site[i].val.kind == RES_RESULT &&
            p->res[i] == RS_BORROWED) {
            p->res[i] = RS_RELEASED;
            p->ev[i] = fl_ev_push(c, p->ev[i], at,
                                  by_with ? "its connection is released here, at the end of "
                                            "the with block"
                                          : "its connection is released here");
        }
}

static void release_site(Ctx *c, Path *p, int r, const Node *at, int by_with)
{
    p->checked_out &= ~(1u << r); /* a close gives the connection back, whatever else */
    p->pending &= ~(1u << r);     /* ... and discards what was added */
    fo_checkin(p, r);
    p->txn_ended |= 1u << r;
    const ResInfo *ri = model_user_res(c->env->model, c->site[r].val.kind);
    if (p->res[r] == RS_RELEASED) {
        int harm = ri->twice;
        if (harm != HARM_NONE) {
            const Ev *e =
                fl_ev_push(c, p->ev[r], at, fmt(c, "%s released again here", fl_noun(c, r)));
            report(c, FLOW_DOUBLE_RELEASE, r, at, e);
        }
        return;
    }
    if (p->res[r] == RS_BORROWED && c->site[r].param_only) {
        /* a parameter of a type or callers' value: whose it is we do not know, so
           closing it is no finding, but using it afterwards is */
        p->res[r] = RS_RELEASED;
            p->ev[r] = fl_ev_push(c, p->ev[r], at, "released here");
        return;
    }
    if (p->res[r] == RS_BORROWED) {
        const FlowSummary *o = c->callee_reports ? NULL : c->site[r].owner;
        if (o && !o->uses_after && o->releases_after && ri->twice == HARM_REDUNDANT &&
            c->site[r].node->kind == NODE_Call) {
            /* `with provider() as s: ... s.close()`: the provider closes it again */
            const Ev *e =
                fl_ev_push(c, p->ev[r], at, "released here; its provider releases it again");
            report(c, FLOW_DOUBLE_RELEASE, r, at, e);
        } else if (o && ((o->uses_after && !(p->committed >> r & 1) && !p->raised) ||
                         (o->releases_after && ri->twice == HARM_DOUBLE))) {
            /* closing before the provider's commit discards the writes, unless
             * this function committed them itself just before, or an exception
             * is on its way out (FastAPI throws it into the provider, whose
             * commit after the yield then does not run) */
            const Ev *e = fl_ev_push(c, p->ev[r], at,
                                     o->uses_after ? "released here, before its provider commits it"
                                                   : "released here, and its provider releases it again");
            report(c, FLOW_RELEASE_BORROWED, r, at, e);
        }
        p->res[r] = RS_RELEASED;
        return;
    }
    if (p->res[r] == RS_OPEN || p->res[r] == RS_REOPENED || p->res[r] == RS_IDLE ||
        (by_with && p->res[r] == RS_GONE)) /* returned from a with block that still closes it */
        fj_released_under_work(c, p, r, at, by_with);
    if (p->res[r] != RS_OPEN && p->res[r] != RS_REOPENED && p->res[r] != RS_IDLE)
        return;
    if (c->env->summary && p->yielded && r == c->yielded_site)
        c->env->summary->releases_after = 1;
    p->res[r] = RS_RELEASED;
    c->site[r].ever_released = 1;
    c->released |= 1u << r;
    p->ev[r] = fl_ev_push(
        c, p->ev[r], at, by_with ? "released here, at the end of the with block" : "released here");
    for (int i = 0; i < c->nsites; i++) /* a closed connection closes its cursors */
        if (c->site[i].parent == r && p->res[i] == RS_OPEN) {
            p->res[i] = RS_RELEASED;
            p->ev[i] = fl_ev_push(c, p->ev[i], at, "closed here with its connection");
        }
}

void fl_use(Ctx *c, Path *p, int r, const Node *at)
{
    for (int i = 0; c->env->summary && i < c->nparams; i++)
        if (c->param_site[i] == r)
            c->env->summary->uses |= 1u << i;
    if (c->env->summary && p->yielded && r == c->yielded_site && c->use_commits)
        c->env->summary->uses_after = 1;
    fj_used_beside(c, p, r, at);
    if (p->res[r] == RS_IDLE)
        p->res[r] = RS_OPEN;
    if (p->res[r] != RS_RELEASED)
        return;
    if (model_user_res(c->env->model, c->site[r].val.kind)->after == AFTER_REOPENS) {
        /* the session checks out a new connection: a problem if nothing
         * releases it again, which the exit check decides */
        p->res[r] = RS_REOPENED;
        p->reopened[r] = at;
        p->ev[r] =
            fl_ev_push(c, p->ev[r], at, "used here after close: this opens a new connection");
        return;
    }
    const Ev *e = fl_ev_push(c, p->ev[r], at, fmt(c, "%s used here after release", fl_noun(c, r)));
    report(c, FLOW_USE_AFTER, r, at, e);
    p->res[r] = RS_GONE; /* one report per path: later uses follow from this one */
}

void fl_gone(Path *p, int r)
{
    if (r >= 0 && (p->res[r] == RS_OPEN || p->res[r] == RS_REOPENED || p->res[r] == RS_IDLE))
        p->res[r] = RS_GONE;
}

/*
 * Handing a resource to code we do not see: an idle session gets used.
 * If that very call raises, the session may never have been used, so the
 * exception path keeps it idle (see transfer).
 */
void fl_lent(Ctx *c, Path *p, int r)
{
    if (r >= 0 && p->res[r] == RS_IDLE) {
        p->res[r] = RS_OPEN;
        c->lent |= 1u << r;
    }
}

/* The site for an acquisition at node, created on first sight; -1 if full. */
int fl_site_for(Ctx *c, const Node *node, Val v, int parent)
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
    s->origin = -1;
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

int fl_acquire(Ctx *c, Path *p, const Node *node, Val v, int parent)
{
    if (v.kind < 32 && (p->patched >> v.kind & 1))
        return -1; /* its maker is patched: a mock, or None */
    int r = fl_site_for(c, node, v, parent);
    if (r < 0)
        return -1;
    if ((p->res[r] == RS_OPEN || p->res[r] == RS_REOPENED) && !p->held[r]) {
        /* the last iteration's resource is still open and about to be replaced */
        for (int i = 0; i < c->nvars; i++) {
            if (p->var[i] != r)
                continue;
            const Ev *e = fl_ev_push(c, p->ev[r], node,
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
    p->checked_out &= ~(1u << r);
    p->txn_ended &= ~(1u << r);
    p->pending &= ~(1u << r);
    fo_checkin(p, r);
    fj_site_remade(p, r);
    p->ev[r] = fl_ev_push(c, NULL, node, fmt(c, "%s acquired here", fl_noun(c, r)));
    c->acquired |= 1u << r;
    if (v.kind != RES_SESSION)
        fo_checkout(c, p, r, node); /* a connection: out of its pool at once */
    return r;
}

/* ------------------------------------------------------------- evaluation */

/* fl_eval, also asking the value model what e holds when no tracked local
 * does (a callee, a receiver, what a name is bound to): plain fl_eval leaves
 * the value of names and attributes it does not follow unknown. */
Res fl_eval_value(Ctx *c, Path *p, const Node *e)
{
    c->want = 1;
    return fl_eval(c, p, e);
}

int fl_is_comprehension(const Node *e)
{
    return e->kind == NODE_ListComp || e->kind == NODE_SetComp || e->kind == NODE_GeneratorExp ||
           e->kind == NODE_DictComp;
}

/* An object, class or function of the project: what the value model says
 * of it holds on every path. */
static int is_object(Val v)
{
    return v.tag == VAL_OBJECT || v.tag == VAL_CLASS || v.tag == VAL_FUNC;
}

/* The value of a name or attribute without evaluating it for effects. */
Val fl_peek_value(Ctx *c, const Path *p, const Node *e)
{
    if (e->kind == NODE_Name) {
        int v = fl_var_index(c, e->v.Name.id, 0);
        if (v >= 0 && p->var[v] >= 0)
            return c->site[p->var[v]].val;
        if (v >= 0 && c->var_val[v].tag != VAL_UNKNOWN)
            return c->var_val[v];
        if (v >= 0 && p->var[v] != VAR_UNKNOWN && p->var[v] > VAR_KEEPS)
            return unknown();
        if (v >= 0) { /* an object the path knows nothing of: the model's, if it is one */
            Val o = fl_value_at(c, c->env->scopes, c->scope, e);
            return is_object(o) ? o : unknown();
        }
    }
    return fl_value_at(c, c->env->scopes, c->scope, e);
}

typedef struct EvalKids {
    Ctx *c;
    Path *p;
} EvalKids;

static void eval_kid(Node *parent, Node *child, void *arg)
{
    EvalKids *k = arg;
    (void)parent;
    if (child->kind != NODE_Constant) /* nothing to evaluate in a literal */
        fl_eval(k->c, k->p, child);
}

/*
 * What a call whose value is wanted gives, when the dataflow made nothing
 * of it: the value model's answer (get_engine(), svc.factory()).  A session
 * or connection it says nobody here made (`-> AsyncSession` on an abstract
 * method, a global a function returns) is followed as a parameter of a
 * type is: for what is done with it (two tasks at once, a use after a
 * close), never as ours to release.
 */
static Res unowned_result(Ctx *c, Path *p, const Node *call, Res out)
{
    Val t = fl_model_value(c, c->env->scopes, c->scope, call);
    if (t.tag != VAL_RESOURCE || c->keep_resources) {
        out.val = t;
        return out;
    }
    int r = t.fresh || t.kind == RES_ANY ? -1 : fl_site_for(c, call, t, -1);
    if (r < 0)
        return out; /* made here yet not followed (a mock's): nothing to say */
    c->site[r].param_only = 1;
    p->res[r] = RS_BORROWED; /* each call hands over another one */
    p->ev[r] = fl_ev_push(c, NULL, call, "handed over here, its owner unknown");
    out.site = r;
    out.val = t;
    return out;
}

#define MAX_THROUGH 64 /* run_in_threadpool(...) calls of one function followed */

/* `run_in_threadpool(f, a, k=b)`, `asyncio.to_thread(...)`: the call
 * `f(a, k=b)` it makes, one node per call for the whole function (sites
 * are told apart by their node), with the wrapper's positions; else call. */
static const Node *call_through(Ctx *c, const Node *call)
{
    if (!call->v.Call.args.n || call->v.Call.args.items[0]->kind == NODE_Starred ||
        !model_may_call_through(call->v.Call.func) ||
        !model_calls_through(fl_qualname(c, c->env->scopes, c->scope, call->v.Call.func)))
        return call;
    for (int i = 0; i < c->nthrough; i++)
        if (c->through_key[i] == call)
            return c->through_call[i];
    if (c->nthrough == MAX_THROUGH)
        return call;
    if (!c->through_key) {
        c->through_key = arena_alloc(c->a, MAX_THROUGH * sizeof *c->through_key);
        c->through_call = arena_alloc(c->a, MAX_THROUGH * sizeof *c->through_call);
    }
    Node *n = ast_new(c->a, NODE_Call);
    n->lineno = call->lineno;
    n->col_offset = call->col_offset;
    n->end_dline = call->end_dline;
    n->end_col_offset = call->end_col_offset;
    n->v.Call.func = call->v.Call.args.items[0];
    n->v.Call.args.items = call->v.Call.args.items + 1;
    n->v.Call.args.n = call->v.Call.args.n - 1;
    n->v.Call.keywords = call->v.Call.keywords;
    c->through_key[c->nthrough] = call;
    c->through_call[c->nthrough++] = n;
    return n;
}

/* Evaluates e for its effects on p; returns what it evaluates to. */
static int truth(Ctx *c, const Path *p, const Node *test, int *flag, int *neg);

Res fl_eval(Ctx *c, Path *p, const Node *e)
{
    Res out = {-1, unknown(), 0, NULL, 0, NULL, NULL};
    int want = c->want; /* fl_eval_value: this node's value is wanted, not its parts' */
    c->want = 0;
    if (!e || ++c->depth > EVAL_MAX_DEPTH) {
        c->depth -= e != NULL;
        return out;
    }
    switch (e->kind) {
    case NODE_Name: {
        int h = fl_held_by(c, p, e);
        int v = fl_var_index(c, e->v.Name.id, 0);
        if (h >= 0) {
            out.site = h;
            out.val = c->site[h].val;
        } else if (v >= 0 && c->var_val[v].tag != VAL_UNKNOWN) {
            out.val = c->var_val[v];
            out.with_item = c->var_with[v];
        } else if ((h == VAR_UNKNOWN || h <= VAR_KEEPS) && want) {
            out.val = fl_value_at(c, c->env->scopes, c->scope, e);
            if (v >= 0 && !is_object(out.val))
                out.val = unknown(); /* a name this path follows: what it says, not the model */
        }
        if (h <= VAR_KEEPS) { /* an object that keeps our session: handing it on hands that */
            out.kept = VAR_KEEPS - h + 1;
            out.kept_attr = c->kept_attr[v];
        }
        break;
    }
    case NODE_Attribute: {
        const char *q = fl_qualname(c, c->env->scopes, c->scope, e);
        int h = c->middleware || c->enter ? fl_held_by(c, p, e) : owned_attr(c, p, e);
        int k = fl_kept_by(c, p, e->v.Attribute.value);
        const char *ka = k >= 0 ? c->kept_attr[fl_var_index(c, e->v.Attribute.value->v.Name.id, 0)]
                                : NULL;
        if (h >= 0) { /* a middleware's request.state.db, what __enter__ keeps on self */
            out.site = h;
            out.val = c->site[h].val;
        } else if (ka && !strcmp(ka, e->v.Attribute.attr)) {
            out.site = k; /* repo.db of `repo = Repo(db)`: the session itself */
            out.val = c->site[k].val;
        } else if (ka && (ka = fc_inner_kept(c, e->v.Attribute.value, e->v.Attribute.attr, ka))) {
            out.kept = k + 1; /* uow.invoices: an object the holder made with it, a holder too */
            out.kept_attr = ka;
            out.val = fl_value_at(c, c->env->scopes, c->scope, e);
        } else if ((h = holder_part(c, p, e)) >= 0) {
            out.site = h; /* uow.session, uow.invoices of a holder of a borrowed session */
            out.val = c->site[h].val;
        } else if (q) {
            out.val =
                want ? fl_value_at(c, c->env->scopes, c->scope, e) : out.val; /* module.name */
        } else if (e->v.Attribute.value->kind == NODE_Name &&
                   !strcmp(e->v.Attribute.value->v.Name.id, "self") &&
                   (out.site = fp_view_site(c, p, e->v.Attribute.attr)) >= 0) {
            out.val = c->site[out.site].val; /* a class-based view's `db = Depends(get_db)` */
        } else if ((out.site = fp_state_site(c, p, e)) >= 0) {
            out.val = c->site[out.site].val; /* request.state.db, a middleware's */
        } else {
            fl_eval(c, p, e->v.Attribute.value);
            /* self._pool, request.app.state.pool, svc.repo: what the value model says */
            if (want)
                out.val = fl_value_at(c, c->env->scopes, c->scope, e);
        }
        break;
    }
    case NODE_Call:
        e = call_through(c, e);
        out = fc_call_value(c, p, e);
        if (want && out.site < 0 && out.val.tag == VAL_UNKNOWN) /* get_engine(), svc.factory() */
            out = unowned_result(c, p, e, out);
        break;
    case NODE_Await: {
        const Node *w = e->v.Await.value, *outer = c->awaited;
        c->want = want;
        c->awaited = w;
        out = fl_eval(c, p, w);
        c->awaited = outer;
        fo_await(c, p, e); /* a task, an event, a queue: a wait (SL207) */
        fj_await_gives_up(c, p, w); /* ... that may return before the work ends */
        /* awaited: the work it names or starts is over (await t, await
         * run_in_executor(...), await wait_for(t, 5), await gather(t1, t2)) */
        if (w->kind == NODE_Name)
            fj_jobs_end(p, fl_var_index(c, w->v.Name.id, 0), NULL, NULL);
        if (w->kind == NODE_Call) {
            fj_jobs_end(p, -1, NULL, w);
            for (int i = 0; i < w->v.Call.args.n; i++)
                fj_wait_for(c, p, w->v.Call.args.items[i]);
        }
        break;
    }
    case NODE_Subscript: {
        int h = fl_held_by(c, p, e);
        if (h >= 0) { /* ctx["db"] */
            out.site = h;
            out.val = c->site[h].val;
            break;
        }
        fl_eval(c, p, e->v.Subscript.value);
        fl_eval(c, p, e->v.Subscript.slice);
        if (want) /* a worker's ctx["pool"], kept where the startup put it */
            out.val = fl_value_at(c, c->env->scopes, c->scope, e);
        break;
    }
    case NODE_Lambda:
        break; /* its body runs later, if at all */
    case NODE_NamedExpr: {
        out = fl_eval(c, p, e->v.NamedExpr.value);
        int v = fl_var_index(c, e->v.NamedExpr.target->v.Name.id, out.site >= 0);
        if (v >= 0)
            p->var[v] = (int8_t)(out.site >= 0 ? out.site : VAR_UNKNOWN);
        break;
    }
    case NODE_IfExp: { /* `con if con else connect()`: the branch p knows it takes */
        int flag, neg, t = truth(c, p, e->v.IfExp.test, &flag, &neg);
        if (t < 0)
            goto kids;
        fl_eval(c, p, e->v.IfExp.test);
        c->want = want;
        out = fl_eval(c, p, t ? e->v.IfExp.body : e->v.IfExp.orelse);
        break;
    }
    case NODE_BoolOp: { /* `con or connect()`: the operand whose value it is, when p knows */
        const NodeList *vs = &e->v.BoolOp.values;
        int passes = e->v.BoolOp.op == BOOLOP_And; /* an operand of this truth is passed over */
        int i = 0, flag, neg, t = passes;
        while (i < vs->n - 1 && (t = truth(c, p, vs->items[i], &flag, &neg)) == passes)
            fl_eval(c, p, vs->items[i++]);
        if (i < vs->n - 1 && t < 0) {
            if (!i)
                goto kids;
            while (i < vs->n)
                fl_eval(c, p, vs->items[i++]); /* which one it is, p does not know */
            break;
        }
        c->want = want;
        out = fl_eval(c, p, vs->items[i]);
        break;
    }
    case NODE_Yield:
    case NODE_YieldFrom:
        out = fl_eval(c, p, e->v.Yield.value); /* YieldFrom shares the layout */
        if (c->env->summary && out.site >= 0 && c->site[out.site].val.kind != RES_ANY) {
            c->env->summary->yields_kind = c->site[out.site].val.kind;
            c->env->summary->yields_used |= p->res[out.site] == RS_OPEN;
            c->env->summary->yields_pool = fo_pool(c, out.site);
            c->env->summary->lends_held |= (unsigned char)(p->holding >> out.site & 1);
            c->yielded_site = out.site;
        } else if (c->env->summary && e->v.Yield.value && e->kind == NODE_Yield) {
            c->env->summary->yields_other = 1;
        }
        if (out.site >= 0 && p->res[out.site] == RS_IDLE)
            p->res[out.site] = RS_OPEN; /* the consumer uses it before anything is thrown in */
        if (out.site < 0 && out.kept && p->res[out.kept - 1] == RS_IDLE)
            p->res[out.kept - 1] = RS_OPEN; /* so it uses what the object it gets keeps */
        if (out.site < 0 && c->env->summary && c->yielded_site < 0) {
            /* `yield Uow(s)`: the object lends s (flow_params.c's holder): its pool, and
               what the provider does to s after the yield */
            int r = lent_inside(c, p, e->v.Yield.value);
            if (r >= 0) {
                c->env->summary->yields_pool = fo_pool(c, r);
                c->yielded_site = r;
            }
        }
        out.site = -1;
        out.kept = 0;
        break;
    default:
    kids: {
        /* everything else: evaluate the children for their effects */
        EvalKids k = {c, p};
        int comp = fl_is_comprehension(e);
        c->in_comp += comp;
        ast_children((Node *)e, eval_kid, &k);
        c->in_comp -= comp;
        if (comp) { /* iterating a result reads it: [dict(r) for r in result] */
            const NodeList *gens = e->kind == NODE_DictComp ? &e->v.DictComp.generators
                                                            : &e->v.ListComp.generators;
            for (int i = 0; i < gens->n; i++) {
                const Node *it = gens->items[i]->v.comprehension.iter;
                int h = fl_held_by(c, p, it);
                if (h >= 0)
                    fl_use(c, p, h, it);
            }
        }
        if (comp) { /* [engine.connect() for _ in range(n)]: the container holds them */
            const Node *elt = e->kind == NODE_DictComp ? e->v.DictComp.value : e->v.ListComp.elt;
            if (elt->kind == NODE_Await)
                elt = elt->v.Await.value;
            for (int i = 0; i < c->nsites; i++)
                if (c->site[i].node == elt)
                    fl_gone(p, i);
        }
        break;
    }
    }
    c->depth--;
    return out;
}

/* ------------------------------------------------- objects per request */

/* Is cls a class FastAPI makes for each request (a class dependency,
 * `Depends(Service)`) whose bases we read through: none but object, or
 * classes of the project (a base's method that releases what it keeps is
 * asked by fc_class_releases)? */
static int request_made(Ctx *c, const Node *cls)
{
    if (!(fastapi_role(c->env->fastapi->model, cls) & (FASTAPI_PROVIDER | FASTAPI_PROVIDER_FN)))
        return 0;
    for (int i = 0; i < cls->v.ClassDef.bases.n; i++) {
        const Node *base = cls->v.ClassDef.bases.items[i];
        if (base->kind == NODE_Name && !strcmp(base->v.Name.id, "object"))
            continue;
        if (!fc_base(c, cls, i))
            return 0; /* a library's base, or one we cannot read */
    }
    return 1;
}

/* The class whose __init__ func is, or a subclass of it (REQUEST_SUB_DEPTH
 * deep) that runs it, inheriting it or through `super().__init__()`, when
 * FastAPI makes one for each request (request_made); else NULL.  Of
 * several subclasses, the first found (a limit: the others go unsaid). */
#define REQUEST_SUB_DEPTH 3
static const Node *request_sub(Ctx *c, const Node *cls, const Node *func, int depth)
{
    if (request_made(c, cls) && fc_ctor_runs(c, cls, func))
        return cls;
    const Node *s, *r = NULL;
    for (int i = 0; depth < REQUEST_SUB_DEPTH && !r && (s = value_subclass(c->env->values, cls, i));
         i++)
        r = request_sub(c, s, func, depth + 1);
    return r;
}

static const Node *request_class(Ctx *c, const Node *func)
{
    if (!c->env->fastapi || func->kind != NODE_FunctionDef ||
        strcmp(func->v.FunctionDef.name, "__init__") || !c->scope || !c->scope->parent ||
        c->scope->parent->kind != SCOPE_CLASS)
        return NULL;
    return request_sub(c, c->scope->parent->node, func, 0);
}

int fl_is_self_attr(const Node *e, const char *attr)
{
    return e && e->kind == NODE_Attribute && e->v.Attribute.value->kind == NODE_Name &&
           !strcmp(e->v.Attribute.value->v.Name.id, "self") &&
           (!attr || !strcmp(e->v.Attribute.attr, attr));
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
        const Ev *e = fl_ev_push(c, p->ev[r], at, note);
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
    if ((value >= 0 || value <= VAR_KEEPS) && outer_name(c, name)) {
        /* `global conn; conn = connect()`: it outlives the call */
        fl_gone(p, value >= 0 ? value : VAR_KEEPS - value);
        return;
    }
    forget_flags(c, p, name); /* a plain name too: `got = False`, then `got = answer()` */
    int v = fl_var_index(c, name, value >= 0 || value <= VAR_KEEPS);
    if (v < 0)
        return;
    if (p->var[v] != value)
        overwrite(c, p, v, at);
    p->var[v] = (int8_t)value;
    if (value >= 0 && !c->site[value].name)
        c->site[value].name = c->vars[v];
}

static int released_by_with(const Ctx *c, int r);

/* ---- a memo kept past its with: `if self._s is None: with make() as s:
   self._s = s; yield s` then `else: yield self._s` ---- */

typedef struct Memo {
    const char *attr;
    const Node *func;       /* the function storing it */
    int from, to;           /* the lines of the with that releases it */
    int store_line;         /* where it is stored */
    int tested;             /* the class tests self.<attr> for None or truth */
    int reset;              /* the function assigns self.<attr> again after the store */
    const Node *use;        /* a read of it outside the with, not a test: a reuse */
    const Node *use_in;     /* ... in this function */
    const Node *in;         /* the method being walked */
    int depth;
} Memo;

/* Is test a None or truth test of self.<attr>: `self.x`, `not self.x`,
 * `self.x is None`, `self.x is not None`? */
static int memo_test(const Node *test, const char *attr)
{
    if (test->kind == NODE_UnaryOp && test->v.UnaryOp.op == UNARYOP_Not)
        test = test->v.UnaryOp.operand;
    if (test->kind == NODE_Compare && test->v.Compare.ops.n == 1 &&
        (test->v.Compare.ops.items[0] == CMP_Is || test->v.Compare.ops.items[0] == CMP_IsNot)) {
        const Node *r = test->v.Compare.comparators.items[0];
        return fl_is_self_attr(test->v.Compare.left, attr) && r->kind == NODE_Constant &&
               r->v.Constant.value.kind == CONST_NONE;
    }
    return fl_is_self_attr(test, attr);
}

static void memo_kid(Node *parent, Node *n, void *arg);

static void memo_walk(Memo *m, const Node *func, const Node *n)
{
    if (!n || m->depth > EVAL_MAX_DEPTH)
        return;
    if (n->kind == NODE_If || n->kind == NODE_While || n->kind == NODE_IfExp) {
        const Node *test = n->kind == NODE_If      ? n->v.If.test
                           : n->kind == NODE_While ? n->v.While.test
                                                   : n->v.IfExp.test;
        if (memo_test(test, m->attr)) {
            m->tested = 1;
            if (n->kind == NODE_IfExp) {
                memo_walk(m, func, n->v.IfExp.body);
                memo_walk(m, func, n->v.IfExp.orelse);
                return;
            }
            for (int i = 0; i < n->v.If.body.n; i++) /* If and While share the layout */
                memo_walk(m, func, n->v.If.body.items[i]);
            for (int i = 0; i < n->v.If.orelse.n; i++)
                memo_walk(m, func, n->v.If.orelse.items[i]);
            return;
        }
    }
    if (fl_is_self_attr(n, m->attr)) {
        int here = func == m->func;
        if (ast_ctx(n) == CTX_Store) {
            if (here && n->lineno > m->store_line)
                m->reset = 1;
        } else if (!m->use && (!here || n->lineno < m->from || n->lineno > m->to)) {
            m->use = n;
            m->use_in = func;
        }
        return;
    }
    const Node *saved = m->in;
    m->in = func;
    m->depth++;
    ast_children((Node *)n, memo_kid, m);
    m->depth--;
    m->in = saved;
}

static void memo_kid(Node *parent, Node *n, void *arg)
{
    Memo *m = arg;
    (void)parent;
    memo_walk(m, m->in, n);
}

/* The With statement below n (n included) that has item among its items,
 * or NULL. */
typedef struct WithOf {
    const Node *item, *found;
    int depth;
} WithOf;

static void with_kid(Node *parent, Node *n, void *arg)
{
    WithOf *w = arg;
    (void)parent;
    if (w->found || w->depth > EVAL_MAX_DEPTH)
        return;
    if (n->kind == NODE_With || n->kind == NODE_AsyncWith)
        for (int i = 0; i < n->v.With.items.n; i++)
            if (n->v.With.items.items[i] == w->item)
                w->found = n;
    w->depth++;
    ast_children(n, with_kid, w);
    w->depth--;
}

static const Node *with_of(const Node *n, const Node *item)
{
    WithOf w = {item, NULL, 0};
    ast_children((Node *)n, with_kid, &w);
    return w.found;
}

/* The sites value hands on: site (-1: none), and those the items of a
 * tuple or the arguments of an object made there hold (`(s, x)`,
 * `Subject(s)`, `Repositories(session=s)`); at most max, into sites. */
static int carried_sites(Ctx *c, const Path *p, int site, const Node *v, int *sites, int max)
{
    int n = 0;
    if (site >= 0)
        sites[n++] = site;
    const Node *a;
    for (int i = 0; v && v->kind == NODE_Tuple && i < v->v.Tuple.elts.n && n < max; i++)
        if ((sites[n] = fl_held_by(c, p, v->v.Tuple.elts.items[i])) >= 0)
            n++;
    if (v && v->kind == NODE_Call && fc_constructs(c, v->v.Call.func))
        for (int i = 0; n < max && (a = ast_call_arg(v, i)); i++)
            if ((sites[n] = fl_held_by(c, p, a)) >= 0)
                n++;
    return n;
}

/* Is site r, on p, one that the exit of its `with` still releases? */
static int with_still_releases(const Ctx *c, const Path *p, int r)
{
    return (p->res[r] == RS_OPEN || p->res[r] == RS_IDLE || p->res[r] == RS_BORROWED) &&
           released_by_with(c, r);
}

/* What `self.<attr> = value` keeps that the enclosing `with` releases: the
 * site itself, or one an object made here wraps (`self._repos =
 * Repositories(session)`); -1 if nothing. */
static int kept_site(Ctx *c, const Path *p, Res r, const Node *value)
{
    int sites[9];
    const Node *made = value && value->kind == NODE_Call ? value : NULL;
    int n = carried_sites(c, p, r.site, made, sites, 9);
    for (int i = 0; i < n; i++)
        if (with_still_releases(c, p, sites[i]))
            return sites[i];
    return -1;
}

/*
 * `self.conn = await pool.acquire()` in __aenter__ (or __enter__) of a class
 * whose __aexit__ releases self.conn: the object owns it once __aenter__
 * returns, but if __aenter__ raises after the store, the `async with` never
 * calls __aexit__ and nothing releases it.  The site stays open; a normal
 * exit hands it over (step_exit), an exception exit leaks it.
 */
static int kept_by_enter(Ctx *c, Path *p, const Node *target, int r)
{
    const Node *func = c->g->func;
    const Scope *cls = c->scope ? c->scope->parent : NULL;
    if (!fl_is_self_attr(target, NULL) || !cls || cls->kind != SCOPE_CLASS ||
        (func->kind != NODE_FunctionDef && func->kind != NODE_AsyncFunctionDef))
        return 0;
    const char *name = func->v.FunctionDef.name, *exit_name = !strcmp(name, "__enter__")
                                                                  ? "__exit__"
                                                              : !strcmp(name, "__aenter__")
                                                                  ? "__aexit__"
                                                                  : NULL;
    if (!exit_name || !fc_named_method_releases(c, cls->node, exit_name,
                                                target->v.Attribute.attr, &c->site[r].val))
        return 0;
    c->site[r].enter_attr = target->v.Attribute.attr;
    p->ev[r] = fl_ev_push(c, p->ev[r], target,
                          fmt(c, "stored in `self.%s`, which `%s` releases, but only if `%s` "
                                 "returns",
                              target->v.Attribute.attr, exit_name, name));
    return 1;
}

/*
 * `self.<attr> = s` inside the `with` that releases s, in a method of a
 * class that reuses self.<attr> while it is set (it tests it for None or
 * truth and reads it elsewhere), with no later assignment in this function
 * to clear it: the next call reuses what the with closed.  SL102 at the
 * store.
 */
static void kept_past_with(Ctx *c, Path *p, const Node *target, int r)
{
    if (r < 0)
        return;
    const Scope *cls = c->scope ? c->scope->parent : NULL;
    const Node *item = c->site[r].with, *func = c->g->func;
    if (c->env->summary || !cls || cls->kind != SCOPE_CLASS || !item ||
        (func->kind != NODE_FunctionDef && func->kind != NODE_AsyncFunctionDef))
        return;
    const Node *with = with_of(func, item);
    if (!with)
        return;
    Memo m = {target->v.Attribute.attr, func, with->lineno, ast_end_lineno(with),
              target->lineno, 0, 0, NULL, NULL, NULL, 0};
    const NodeList *body = &cls->node->v.ClassDef.body;
    for (int i = 0; i < body->n; i++) {
        const Node *meth = body->items[i];
        if (meth->kind == NODE_FunctionDef || meth->kind == NODE_AsyncFunctionDef)
            memo_walk(&m, meth, meth);
    }
    if (!m.tested || m.reset || !m.use)
        return;
    const Ev *e = fl_ev_push(c, p->ev[r], target,
                             fmt(c, "kept here in `self.%s`, which outlives the `with`", m.attr));
    e = fl_ev_push(c, e, with->v.With.body.items[with->v.With.body.n - 1],
                   fmt(c, "the `with` releases it after this; `self.%s` still holds it", m.attr));
    e = fl_ev_push(c, e, m.use,
                   fmt(c, "reused here by `%s` while `self.%s` is set",
                       m.use_in->v.FunctionDef.name, m.attr));
    report(c, FLOW_USE_AFTER, r, target, e);
}

/* Is e a test whose value a flag can keep: `x is None`, `x is not None`,
 * `not` of one, or `not x`? */
static int copies_test(const Node *e)
{
    int negated = 0;
    while (e->kind == NODE_UnaryOp && e->v.UnaryOp.op == UNARYOP_Not) {
        e = e->v.UnaryOp.operand;
        negated = 1;
    }
    if (e->kind == NODE_Name)
        return negated;
    return e->kind == NODE_Compare && e->v.Compare.ops.n == 1 &&
           (e->v.Compare.ops.items[0] == CMP_Is || e->v.Compare.ops.items[0] == CMP_IsNot) &&
           e->v.Compare.left->kind == NODE_Name &&
           e->v.Compare.comparators.items[0]->kind == NODE_Constant &&
           e->v.Compare.comparators.items[0]->v.Constant.value.kind == CONST_NONE;
}

/*
 * `conn, cur = get_conn()` of a helper whose summary says which positions
 * of the tuple it returns hold fresh resources (tuple_n): each is acquired
 * here, with the name it goes to as its site (a call has one node, and the
 * positions must be told apart), a cursor tied to its connection.  The
 * names map to positions as Python unpacks: in order, or around one
 * starred name from both ends; what the starred name gathers, and a cursor
 * whose connection it gathers, is not followed.  A length that does not
 * match the tuple's raises at run time: nothing is acquired then.  sites[i]
 * gets target element i's site or -1; returns the number of elements
 * filled (0 when the summary says nothing of this target).
 */
static int unpacked(Ctx *c, Path *p, const Node *target, const FlowSummary *sum, int *sites)
{
    const NodeList *elts = &target->v.Tuple.elts;
    if (!sum || elts->n > FLOW_TUPLE_MAX)
        return 0;
    int star = -1, pos[FLOW_TUPLE_MAX];
    for (int i = 0; i < elts->n; i++)
        if (elts->items[i]->kind == NODE_Starred)
            star = i;
    if (star < 0 ? elts->n != sum->tuple_n : elts->n - 1 > sum->tuple_n)
        return 0;
    for (int i = 0; i < elts->n; i++) {
        pos[i] = i == star ? -1 : star >= 0 && i > star ? sum->tuple_n - (elts->n - i) : i;
        sites[i] = -1;
        if (pos[i] < 0 || sum->tuple_kind[pos[i]] == RES_NONE)
            continue;
        Val v = {VAL_RESOURCE, sum->tuple_kind[pos[i]], 0, NULL, 0, 0, NULL, 0, 0};
        v.is_async = sum->tuple_async >> pos[i] & 1;
        sites[i] = fl_site_for(c, elts->items[i], v, -1);
    }
    for (int i = 0; i < elts->n; i++) {
        int of = pos[i] >= 0 ? sum->tuple_of[pos[i]] - 1 : -1, conn = -1;
        for (int j = 0; j < elts->n && of >= 0; j++)
            if (pos[j] == of)
                conn = sites[j];
        if (sites[i] >= 0 && of >= 0 && conn < 0)
            sites[i] = -1; /* a cursor whose connection is not followed */
        else if (sites[i] >= 0)
            c->site[sites[i]].parent = conn;
    }
    for (int i = 0; i < elts->n; i++)
        if (sites[i] >= 0) {
            const Site *s = &c->site[sites[i]];
            sites[i] = fl_acquire(c, p, elts->items[i], s->val, s->parent);
        }
    return elts->n;
}

/* Binds target to the result r of the right-hand side. */
/*
 * `ctx = {"conn": await pool.acquire()}` of a local dict: each constant-key
 * entry whose value acquires is a place of its own, as `ctx["conn"] = ...`
 * makes one (fl_var_key), holding what the value acquired.  A name's value
 * is not re-bound: what storing it in a literal does to it stays as it was.
 */
static void bind_entries(Ctx *c, Path *p, const char *name, const Node *dict)
{
    const Scope *where = NULL;
    const Binding *b = scope_lookup(c->env->scopes, c->scope, name, &where);
    if (!b || b->kind != BIND_LOCAL || where != c->scope)
        return;
    for (int i = 0; i < dict->v.Dict.keys.n && i < dict->v.Dict.values.n; i++) {
        const Node *k = dict->v.Dict.keys.items[i], *v = dict->v.Dict.values.items[i];
        if (!k || k->kind != NODE_Constant || k->v.Constant.value.kind != CONST_STR)
            continue;
        while (v->kind == NODE_Await)
            v = v->v.Await.value;
        for (int s = 0; s < c->nsites; s++)
            if (c->site[s].node == v && (c->acquired >> s & 1))
                bind_name(c, p, fmt(c, "%s[%s]", name, k->v.Constant.value.s), s, k);
    }
}

static void bind(Ctx *c, Path *p, const Node *target, Res r, const Node *value)
{
    switch (target->kind) {
    case NODE_Name: {
        int f = flag_index(c, target->v.Name.id, 0);
        int held = r.site >= 0 ? r.site : VAR_UNKNOWN;
        if (r.site < 0 && (r.val.tag == VAL_FACTORY || r.val.tag == VAL_FOREIGN)) {
            int v = fl_var_index(c, target->v.Name.id, 1);
            if (v >= 0) {
                c->var_val[v] = r.val;
                c->var_with[v] = r.with_item;
            }
        }
        if (value && value->kind == NODE_Constant && value->v.Constant.value.kind == CONST_NONE)
            held = VAR_NONE;
        if (r.site < 0 && r.kept) { /* repo = Repo(db): the object keeps db */
            held = VAR_KEEPS - (r.kept - 1);
            c->holders = 1;
            int v = fl_var_index(c, target->v.Name.id, 1);
            if (v >= 0)
                c->kept_attr[v] = r.kept_attr;
        }
        bind_name(c, p, target->v.Name.id, held, target);
        if (value && value->kind == NODE_Dict)
            bind_entries(c, p, target->v.Name.id, value);
        if (value && value->kind == NODE_Constant) {
            int k = value->v.Constant.value.kind;
            if (f < 0 && (k == CONST_TRUE || k == CONST_FALSE))
                f = flag_index(c, target->v.Name.id, 1);
            if (f >= 0)
                p->flag[f] = k == CONST_TRUE ? FLAG_TRUE : k == CONST_FALSE ? FLAG_FALSE : FLAG_UNKNOWN;
        } else if (value && copies_test(value)) {
            /* `owns = session is None`: the flag is what the path knows of the
               test (forked where it knew nothing: fork_at_copy) */
            int tf, neg, t = truth(c, p, value, &tf, &neg);
            if (t >= 0 && (f = flag_index(c, target->v.Name.id, 1)) >= 0)
                p->flag[f] = t ? FLAG_TRUE : FLAG_FALSE;
        }
        break;
    }
    case NODE_Attribute: {
        fl_eval(c, p, target->v.Attribute.value);
        if (r.kept)
            fl_gone(p, r.kept - 1); /* self.repo = repo: the object outlives this call */
        if (fl_kept_by(c, p, target->v.Attribute.value) >= 0) {
            /* repo.db = other: the object no longer keeps what it kept */
            int v = fl_var_index(c, target->v.Attribute.value->v.Name.id, 0);
            if (c->kept_attr[v] && !strcmp(c->kept_attr[v], target->v.Attribute.attr))
                p->var[v] = VAR_UNKNOWN;
        }
        if (c->enter && r.site >= 0 && (p->res[r.site] == RS_OPEN || p->res[r.site] == RS_IDLE) &&
            (c->site[r.site].enter_attr || kept_by_enter(c, p, target, r.site))) {
            /* the object's only once __enter__ returns: still ours until then */
            bind_name(c, p, fl_var_key(c, target), r.site, target);
            break;
        }
        if (fl_var_key(c, target) && !c->enter) {
            /* a middleware's request.state.db: it still owns it */
            bind_name(c, p, fl_var_key(c, target), r.site >= 0 ? r.site : VAR_UNKNOWN, target);
            break;
        }
        if (c->request_class && r.site >= 0 && fl_is_self_attr(target, NULL) &&
            (p->res[r.site] == RS_OPEN || p->res[r.site] == RS_IDLE) &&
            !fc_class_releases(c, c->request_class, target->v.Attribute.attr,
                               &c->site[r.site].val)) {
            /* kept by an object FastAPI makes for each request, which nothing closes */
            p->res[r.site] = RS_OPEN;
            p->ev[r.site] = fl_ev_push(c, p->ev[r.site], target,
                                       fmt(c, "kept in `self.%s`: FastAPI makes a `%s` for each "
                                              "request, and no method of the class releases it",
                                           target->v.Attribute.attr,
                                           c->request_class->v.ClassDef.name));
            break;
        }
        if (fl_is_self_attr(target, NULL))
            kept_past_with(c, p, target, kept_site(c, p, r, value));
        fl_gone(p, r.site); /* stored on an object: it outlives this call */
        const char *key = flag_key(c, target);
        int f = flag_index(c, key, value && value->kind == NODE_Constant);
        if (f >= 0) {
            int k = value && value->kind == NODE_Constant ? value->v.Constant.value.kind : -1;
            p->flag[f] = k == CONST_TRUE ? FLAG_TRUE : k == CONST_FALSE ? FLAG_FALSE : FLAG_UNKNOWN;
        }
        break;
    }
    case NODE_Subscript:
        fl_eval(c, p, target->v.Subscript.value);
        fl_eval(c, p, target->v.Subscript.slice);
        if (r.kept)
            fl_gone(p, r.kept - 1); /* stored with the object that keeps it */
        if (fl_var_key(c, target)) /* ctx["db"] = SessionLocal(): the entry holds it */
            bind_name(c, p, fl_var_key(c, target), r.site >= 0 ? r.site : VAR_UNKNOWN, target);
        else
            fl_gone(p, r.site);
        break;
    case NODE_Tuple:
    case NODE_List:
    case NODE_Starred:
    default: {
        /* unpacking: each name gets something we do not follow, unless a
           helper's summary says what the positions of its tuple are */
        Res none = {-1, unknown(), 0, NULL, 0, NULL, NULL};
        fl_gone(p, r.site);
        if (target->kind == NODE_Starred) {
            bind(c, p, target->v.Starred.value, none, NULL);
        } else if (target->kind == NODE_Tuple || target->kind == NODE_List) {
            int sites[FLOW_TUPLE_MAX];
            int n = unpacked(c, p, target, r.tuple, sites);
            for (int i = 0; i < target->v.Tuple.elts.n; i++) {
                Res e = none;
                if (i < n && sites[i] >= 0) {
                    e.site = sites[i];
                    e.val = c->site[sites[i]].val;
                }
                bind(c, p, target->v.Tuple.elts.items[i], e, NULL);
            }
        }
        break;
    }
    }
}

/* ------------------------------------------------------------- steps */

/* Is site r released by the exit of the `with` that made or lent it (its
 * own, or a context manager provider's that releases what it yields)? */
static int released_by_with(const Ctx *c, int r)
{
    const Site *s = &c->site[r];
    return s->with && (!s->owner || s->owner->releases_after);
}

/*
 * `with SessionLocal() as s: return s` (or `return Subject(s)`, `return s,
 * x`): the with block releases what it returns on the way out, so the caller
 * gets it released; SL102 at the return.  In check mode, for a site the path
 * still holds open.
 */
static void returned_from_with(Ctx *c, Path *p, const Node *ret, const Node *v, int site)
{
    if (c->env->summary || !v)
        return;
    int sites[8], n = carried_sites(c, p, site, v, sites, 8);
    for (int i = 0; i < n; i++) {
        int r = sites[i], w = r;
        if (!released_by_with(c, r) && c->site[r].parent >= 0 &&
            (p->res[r] == RS_OPEN || p->res[r] == RS_BORROWED))
            w = c->site[r].parent; /* a cursor or a result dies with its connection */
        if (!with_still_releases(c, p, w))
            continue;
        const Ev *e = fl_ev_push(c, p->ev[r], ret,
                                 w != r ? "returned here from inside the `with` block, whose "
                                          "end releases its connection on the way out"
                                        : "returned here from inside the `with` block, whose "
                                          "end releases it on the way out");
        report(c, FLOW_USE_AFTER, r, ret, e);
    }
}

/* The site an element e of a returned tuple display holds: a name's, or
 * what the return itself acquired (`conn.cursor()`), else -1. */
static int element_site(Ctx *c, const Path *p, const Node *e)
{
    if (e->kind == NODE_Name)
        return fl_held_by(c, p, e);
    for (int k = 0; k < c->nsites; k++)
        if (c->site[k].node == e && (c->acquired >> k & 1))
            return k;
    return -1;
}

/* Records in the summary a returned tuple of n positions (kinds, connections
 * of cursors, async bits as FlowSummary.tuple_* has them); returns of two
 * lengths make it FLOW_TUPLE_MIXED, which callers do not unpack. */
static void tuple_merge(FlowSummary *sum, int n, const unsigned char *kind,
                        const unsigned char *of, unsigned async)
{
    if (sum->tuple_n == FLOW_TUPLE_MIXED)
        return;
    if (sum->tuple_n && sum->tuple_n != n) {
        sum->tuple_n = FLOW_TUPLE_MIXED;
        return;
    }
    sum->tuple_n = (unsigned char)n;
    for (int i = 0; i < n; i++)
        if (kind[i] != RES_NONE) {
            sum->tuple_kind[i] = kind[i];
            sum->tuple_of[i] = of[i];
            sum->tuple_async = (unsigned char)((sum->tuple_async & ~(1u << i)) | (async & 1u << i));
        }
}

/*
 * Summary mode, `return conn, conn.cursor()` (evaluated already): the
 * positions of the tuple display that hold a fresh resource, by the test
 * returns_kind makes of one returned alone.  A cursor counts only with its
 * connection at another position: the cursor of a borrowed connection (a
 * parameter's, a global's) goes with that connection.  Pooled connections
 * are left out: their pool travels beside them (`return pool,
 * pool.getconn()`), under a name the caller's dataflow does not know for a
 * pool, so its putconn() would not count.  `return helper()` of a helper
 * that returns such a tuple returns the same.
 */
static void returned_tuple(Ctx *c, const Path *p, const Node *v, Res r)
{
    unsigned char kind[FLOW_TUPLE_MAX] = {0}, of[FLOW_TUPLE_MAX] = {0};
    unsigned async = 0;
    int site[FLOW_TUPLE_MAX], any = 0;
    if (r.tuple) {
        tuple_merge(c->env->summary, r.tuple->tuple_n, r.tuple->tuple_kind, r.tuple->tuple_of,
                    r.tuple->tuple_async);
        return;
    }
    const NodeList *elts = v->kind == NODE_Tuple ? &v->v.Tuple.elts : NULL;
    if (!elts || elts->n > FLOW_TUPLE_MAX)
        return;
    for (int i = 0; i < elts->n; i++) {
        int h = element_site(c, p, elts->items[i]);
        int kd = h >= 0 ? c->site[h].val.kind : RES_ANY;
        site[i] = kd != RES_ANY && kd != RES_POOLED && kd != RES_APOOLED &&
                          (c->acquired >> h & 1 || p->res[h] == RS_OPEN || p->res[h] == RS_IDLE)
                      ? h
                      : -1;
    }
    for (int i = 0; i < elts->n; i++) {
        if (site[i] < 0)
            continue;
        for (int j = 0; j < elts->n; j++)
            if (j != i && site[j] >= 0 && site[j] == c->site[site[i]].parent)
                of[i] = (unsigned char)(j + 1);
        if (c->site[site[i]].val.kind == RES_CURSOR && !of[i])
            continue; /* a borrowed connection's, or one we do not follow */
        kind[i] = c->site[site[i]].val.kind;
        async |= (unsigned)c->site[site[i]].val.is_async << i;
        any = 1;
    }
    if (any)
        tuple_merge(c->env->summary, elts->n, kind, of, async);
}

/* What a return statement hands the caller: site, open on path p. */
static void returned(Ctx *c, Path *p, int site)
{
    if (site >= 0 && (p->res[site] == RS_OPEN || p->res[site] == RS_IDLE))
        c->site[site].ever_returned = 1;
    fl_gone(p, site);
}

/* What the name n holds is returned, and so is what its entries hold
 * (`return ctx` gives the caller ctx["db"] too). */
static void gone_with_entries(Ctx *c, Path *p, const Node *n)
{
    returned(c, p, fl_held_by(c, p, n));
    returned(c, p, fl_kept_by(c, p, n)); /* `return repo`: with the session it keeps */
    for (int v = 0; v < c->nvars; v++)
        if (p->var[v] >= 0 && fl_inside(c->vars[v], n->v.Name.id))
            returned(c, p, p->var[v]);
}

typedef struct Escape {
    Ctx *c;
    Path *p;
    int depth;
} Escape;

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
    if (n->kind == NODE_Attribute ||
        (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
         fl_held_by(e->c, e->p, n->v.Call.func->v.Attribute.value) >= 0))
        return; /* conn.cursor(), conn.info: not the resource itself */
    if (n->kind == NODE_Call && !fc_constructs(e->c, n->v.Call.func))
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
    if (e->kind == NODE_Call && !fc_constructs(c, e->v.Call.func))
        return; /* return fn(conn): a result computed from it */
    if (e->kind == NODE_Name) {
        gone_with_entries(c, p, e);
        return;
    }
    ast_children((Node *)e, escape_kid, &x);
}

static void step_assign(Ctx *c, Path *p, const Node *n)
{
    switch (n->kind) {
    case NODE_Assign: {
        Res r = fl_eval_value(c, p, n->v.Assign.value);
        if (n->v.Assign.targets.n > 1)
            r.tuple = NULL; /* `a, b = t = f()`: one owner at most, not followed */
        for (int i = 0; i < n->v.Assign.targets.n; i++) {
            bind(c, p, n->v.Assign.targets.items[i], r, n->v.Assign.value);
            fj_name_handles(c, p, n->v.Assign.targets.items[i], n->v.Assign.value);
        }
        if (r.site >= 0 && n->v.Assign.targets.n > 1)
            fl_gone(p, r.site);
        break;
    }
    case NODE_AnnAssign:
        if (n->v.AnnAssign.value) {
            Res r = fl_eval_value(c, p, n->v.AnnAssign.value);
            if (r.site < 0 && r.val.tag == VAL_UNKNOWN) /* `pool: asyncpg.Pool = request.app.state.pool` */
                r.val =
                    model_type(fl_qualname(c, c->env->scopes, c->scope, n->v.AnnAssign.annotation));
            bind(c, p, n->v.AnnAssign.target, r, n->v.AnnAssign.value);
            fj_name_handles(c, p, n->v.AnnAssign.target, n->v.AnnAssign.value);
        }
        break;
    case NODE_AugAssign: {
        Res r = fl_eval(c, p, n->v.AugAssign.value);
        fl_gone(p, r.site);
        Res none = {-1, unknown(), 0, NULL, 0, NULL, NULL};
        if (n->v.AugAssign.target->kind != NODE_Name)
            bind(c, p, n->v.AugAssign.target, none, NULL);
        else /* `n -= 1`: what was known of n is not any more */
            forget_flags(c, p, n->v.AugAssign.target->v.Name.id);
        if (n->v.AugAssign.target->kind == NODE_Name && n->v.AugAssign.op == OP_Add)
            fj_keep_items(c, p, n->v.AugAssign.value, /* coros += [fetch(db, i)] */
                          fl_var_index(c, n->v.AugAssign.target->v.Name.id, 1));
        break;
    }
    default:
        fl_eval(c, p, n);
    }
}

/* An acquisition whose result nobody keeps. */
static void dropped(Ctx *c, Path *p, Res r, const Node *at)
{
    if (r.site < 0 || p->res[r.site] != RS_OPEN || p->held[r.site] || aliased(c, p, r.site, -1))
        return;
    const Ev *e =
        fl_ev_push(c, p->ev[r.site], at, "the result is not kept, so nothing can release it");
    report(c, FLOW_LEAK, r.site, c->site[r.site].node, e);
    p->res[r.site] = RS_GONE;
}

/*
 * Summary mode, an __enter__/__aenter__ returning normally: what it keeps on
 * self for its __exit__ (kept_by_enter) is what an object of its class lends
 * a with block, as a @contextmanager provider lends what it yields
 * (lent_by_object in the callers): its kind, and whether it is checked out
 * of its pool then (a connection it took, a session it queried), with that
 * pool.  Of two kept (a connection and an idle session), the one checked
 * out names the kind: it is what the block holds.
 */
static void entered(Ctx *c, const Path *p)
{
    FlowSummary *sum = c->env->summary;
    for (int r = 0; r < c->nsites; r++) {
        if (!c->site[r].enter_attr || p->res[r] == RS_RELEASED || c->site[r].val.kind == RES_ANY)
            continue;
        if (!sum->lends_held || (p->holding >> r & 1)) {
            sum->enter_kind = c->site[r].val.kind;
            sum->enter_attr = c->site[r].enter_attr;
        }
        if (p->holding >> r & 1) {
            sum->lends_held = 1;
            if (!sum->yields_pool)
                sum->yields_pool = fo_pool(c, r);
        }
    }
}

/*
 * `async with SafeConn(pool) as conn`, `async with bot.safe_connection()`:
 * an object of a project class whose __aenter__ (__enter__) keeps what it
 * took on self for its __aexit__ to give back (FlowSummary.enter_kind) lends
 * it to the block, as a @contextmanager provider lends what it yields.  A
 * site lent here stands for it: checked out of its pool until the block
 * ends when the method left it so (lends_held: SL206, SL207), and bound to
 * the target when the method returns a resource (`return conn`; returning
 * self, the target stays the object).  In a coroutine __aenter__ is asked
 * first, else __enter__: a class with both, entered by a plain `with` inside
 * a coroutine, is read as its __aenter__ (a limit).  Returns r, or r with
 * the site.
 */
static Res lent_by_object(Ctx *c, Path *p, const Node *item, Res r)
{
    const Node *ce = item->v.withitem.context_expr;
    Val obj = r.val.tag == VAL_OBJECT ? r.val : fl_peek_value(c, p, ce);
    if (obj.tag != VAL_OBJECT || !obj.node || obj.node->kind != NODE_ClassDef ||
        !c->env->summary_of || !c->env->values)
        return r;
    const Node *m = c->g->func->kind == NODE_AsyncFunctionDef
                        ? value_method(c->env->values, c->a, obj.node, "__aenter__") : NULL;
    if (!m)
        m = value_method(c->env->values, c->a, obj.node, "__enter__");
    const FlowSummary *sum = m ? c->env->summary_of(c->env->summary_arg, m) : NULL;
    if (!sum || sum->enter_kind == RES_NONE)
        return r;
    Val v = {VAL_RESOURCE, sum->enter_kind, 0, NULL, 0, 0, NULL, 0, 0};
    int site = fl_site_for(c, ce, v, -1);
    if (site < 0)
        return r;
    c->site[site].owner = sum;
    c->site[site].with = item;
    p->res[site] = RS_BORROWED;
    p->ev[site] = fl_ev_push(c, NULL, ce,
                             fmt(c, "lent here by `%s.%s`", obj.node->v.ClassDef.name,
                                 m->v.FunctionDef.name));
    if (sum->lends_held)
        fo_checkout(c, p, site, ce); /* taken from its pool for the block */
    /* its __exit__ releases what __enter__ kept (kept_by_enter): the end of
       the block does, and a use after it is late, as for a provider's */
    p->held[site] = 1;
    c->site[site].early = 1;
    c->site[site].when = fmt(c, "`%s.%s` releases it when the with block ends",
                             obj.node->v.ClassDef.name, m->v.FunctionDef.name[2] == 'a'
                                                            ? "__aexit__" : "__exit__");
    if (value_return(c->env->values, m).tag == VAL_RESOURCE) { /* not self */
        r.site = site;
        r.val = v;
    } else if (sum->enter_attr) {
        /* `with UnitOfWork() as uow`: the target is the object, which keeps
           the site in uow.<enter_attr> (a holder name, as `repo = Repo(db)`) */
        r.kept = site + 1;
        r.kept_attr = sum->enter_attr;
        const Node *t = item->v.withitem.optional_vars;
        if (t && t->kind == NODE_Name)
            c->site[site].name = fmt(c, "%s.%s", t->v.Name.id, sum->enter_attr);
    }
    return r;
}

/* Does the exit of `with ce` release r, what ce gave (a session's close, a
 * pool's `acquire()` context giving the connection back)?  Also asked of
 * what an ExitStack enters. */
int fl_with_releases(Ctx *c, Path *p, const Node *ce, Res r)
{
    int releases = 0;
    if (r.closing) {
        releases = r.site >= 0;
    } else if (r.site >= 0 && c->site[r.site].holder) {
        releases = 0; /* `with Wrapper(db) as ctx`: its __exit__ is the object's, not db's close */
    } else if (r.site >= 0 && c->site[r.site].val.kind == RES_ANY &&
               ast_unawait(ce)->kind != NODE_Call) {
        /* summary mode, `async with session:` over a parameter: whether its exit
           closes depends on what each caller hands in, so the summary says so
           apart (FlowSummary.with_releases) and the caller's kind decides */
        for (int i = 0; i < c->nparams; i++)
            if (c->param_site[i] == r.site) {
                c->with_param |= 1u << i;
                releases = 1;
            }
    } else if (r.site >= 0) {
        Val recv = {0}, value = {0};
        const char *m = NULL;
        const Node *call = ast_unawait(ce);
        if (call->kind == NODE_Call && call->v.Call.func->kind == NODE_Attribute) {
            Res rv = {-1, unknown(), 0, NULL, 0, NULL, NULL};
            const Node *recv_node = call->v.Call.func->v.Attribute.value;
            int h = fl_held_by(c, p, recv_node);
            rv.site = h >= 0 ? h : -1;
            recv = rv.site >= 0 ? c->site[rv.site].val : fl_peek_value(c, p, recv_node);
            m = call->v.Call.func->v.Attribute.attr;
        }
        releases =
            model_user_with(c->env->model, &c->site[r.site].val, m ? &recv : NULL, m, &value);
    }
    return releases;
}

static void step_with_enter(Ctx *c, Path *p, const Node *item)
{
    p->patched |= fm_patch_mask(c, item->v.withitem.context_expr);
    const Node *ce = item->v.withitem.context_expr;
    Res r = fl_eval_value(c, p, ce);
    int releases = fl_with_releases(c, p, ce, r);
    if (releases && r.site >= 0) {
        p->held[r.site] = 1;
        c->site[r.site].with = item;
    } else if (r.site >= 0 && c->site[r.site].node == ast_unawait(ce) &&
               c->site[r.site].val.kind == RES_POOLED) {
        /* `with pool.getconn() as conn:` looks released to whoever reads it */
        p->ev[r.site] = fl_ev_push(c, p->ev[r.site], item,
                                   "the `with` block ends its transaction (psycopg2) or closes "
                                   "it (psycopg 3), but never puts it back in the pool");
    }
    if (r.site < 0 && ce->kind == NODE_Call &&
        (ce->v.Call.func->kind == NODE_Name || ce->v.Call.func->kind == NODE_Attribute)) {
        /* a function of the project, or a method of an object (registry.session()) */
        Val fv = fl_peek_value(c, p, ce->v.Call.func);
        const FlowSummary *sum = fv.tag == VAL_FUNC && fv.node && c->env->summary_of
                                     ? c->env->summary_of(c->env->summary_arg, fv.node)
                                     : fc_callee_summary(c, ce->v.Call.func);
        if (!sum || sum->yields_kind == RES_NONE) {
            /* what the call gives: an object's __call__ or a function that returns
             * a provider's call (asynccontextmanager(get_session)(tenant)) */
            Val cv = fl_peek_value(c, p, ce);
            if (cv.tag == VAL_FACTORY && cv.kind == FAC_GENERATOR && cv.node && c->env->summary_of)
                sum = c->env->summary_of(c->env->summary_arg, cv.node);
        }
        if (sum && sum->yields_kind != RES_NONE) { /* a @contextmanager provider */
            Val v = {VAL_RESOURCE, sum->yields_kind, 0, NULL, 0, 0, NULL, 0, 0};
            r.site = fl_site_for(c, ce, v, -1);
            if (r.site >= 0) {
                c->site[r.site].owner = sum;
                c->site[r.site].with = item;
                if (sum->releases_after) {
                    c->site[r.site].early = 1;
                    c->site[r.site].when = "its context manager closes it when the with block ends";
                }
                p->res[r.site] = RS_BORROWED;
                p->ev[r.site] = fl_ev_push(c, NULL, ce, "lent here by the context manager");
                if (sum->releases_after) /* the block's end is its release: a use after is late */
                    p->held[r.site] = 1;
                if (sum->lends_held && !sum->yields_other)
                    fo_checkout(c, p, r.site, ce); /* a connection it took: out for the block */
            }
        }
    }
    if (r.site < 0 && (r.val.tag == VAL_OBJECT || r.val.tag == VAL_UNKNOWN)) {
        r = lent_by_object(c, p, item, r); /* `async with SafeConn(pool) as conn` */
        int v = r.kept && ce->kind == NODE_Name ? fl_var_index(c, ce->v.Name.id, 0) : -1;
        if (r.kept && ce->kind == NODE_Name && (v < 0 || p->var[v] < 0) &&
            !outer_name(c, ce->v.Name.id)) {
            /* `uow = UnitOfWork()` then `with uow:`: the name made before the block
               is the object, a holder of what it lends as the target would be (each
               time it is entered, of what it lends then) */
            Res o = r;
            o.site = -1;
            bind(c, p, ce, o, NULL);
        }
    }
    if (r.site < 0 && r.val.tag == VAL_FACTORY &&
        (r.val.kind == FAC_EXITSTACK || r.val.kind == FAC_TASKGROUP || r.val.kind == FAC_EXECUTOR))
        r.with_item = item; /* `with ExitStack() as stack`, a task group, an executor */
    r.tuple = NULL; /* `with f() as (a, b)` binds what __enter__ returns */
    if (item->v.withitem.optional_vars)
        bind(c, p, item->v.withitem.optional_vars, r, NULL);
    else if (!releases && !r.closing && r.site >= 0 && (c->acquired >> r.site & 1))
        dropped(c, p, r, ce);
}

/* On p, the cancellation thrown in at the yield of a cancelled_teardown
 * dependency is raised again at `at`, an await of the teardown: what goes
 * out from there is that.  Not at an `async with` exit: the libraries'
 * (SQLAlchemy's AsyncSession and AsyncConnection, asyncpg's and
 * psycopg_pool's) run their release shielded from the cancellation. */
static void recancelled(Ctx *c, Path *p, const Node *at, const char *note)
{
    for (int r = 0; p->raised && r < c->nsites; r++) /* the witness keeps where it came in */
        if (p->res[r] == RS_OPEN || p->res[r] == RS_REOPENED)
            p->ev[r] = fl_ev_push_far(c, p->ev[r], p->raised->path, p->raised->line,
                                      p->raised->col, "the request's task is cancelled here: "
                                      "CancelledError is thrown in at the yield");
    Ev *e = arena_alloc(c->a, sizeof *e);
    e->line = at ? at->lineno : c->step->line;
    e->col = at ? at->col_offset : 0;
    e->rank = RAISE_LIKELY;
    e->note = note;
    e->n = 1;
    p->raised = e;
    p->raised_at_yield = 0;
}

static void step_with_exit(Ctx *c, Path *p, const Node *item, const CfgStep *st)
{
    p->patched &= ~fm_patch_mask(c, item->v.withitem.context_expr);
    const Node *ce = item->v.withitem.context_expr;
    if (ce->kind == NODE_Call && ce->v.Call.func->kind == NODE_Attribute &&
        !strcmp(ce->v.Call.func->v.Attribute.attr, "begin") && c->env->summary && p->yielded &&
        c->yielded_site >= 0 && st->kind == STEP_WITH_EXIT)
        c->env->summary->uses_after = 1; /* the transaction block commits after the yield */
    fj_jobs_end(p, -1, item, NULL); /* a task group or an executor waits for its work */
    for (int r = 0; r < c->nsites; r++) {
        if (p->res[r] == RS_BORROWED && c->site[r].with == item && c->site[r].early)
            fj_outlived(c, p, r, item->v.withitem.context_expr);
    }
    /* `with session:` over a session made before: Site.with names the last
       with that entered it (one per function), so a second `with session:`
       (a finally's) must not keep this one's exit from closing it */
    int again = ce->kind == NODE_Name ? fl_held_by(c, p, ce) : -1;
    if (ce->kind == NODE_Call && ce->v.Call.func->kind == NODE_Attribute &&
        !strcmp(ce->v.Call.func->v.Attribute.attr, "begin")) {
        /* `with session.begin():` ends its transaction, commit or rollback: the
           session gives its connection back (it keeps none between them) */
        int s = fl_held_by(c, p, ce->v.Call.func->v.Attribute.value);
        if (s >= 0 && c->site[s].val.kind == RES_SESSION)
            fo_checkin(p, s);
    }
    /* last acquired first: an ExitStack unwinds what it entered in reverse
       (a cursor it entered after its connection is closed before it) */
    for (int r = c->nsites - 1; r >= 0; r--) {
        int mine = c->site[r].with == item || (r == again && c->site[r].with &&
                                               c->site[r].with->v.withitem.context_expr->kind ==
                                                   NODE_Name);
        if (mine)
            fo_checkin(p, r); /* whoever lent it has it back: this code holds nothing */
        if (!p->held[r] || !mine)
            continue;
        p->held[r] = 0;
        if (c->site[r].owner && c->site[r].node == item->v.withitem.context_expr) {
            /* what a @contextmanager lent: it releases it now (a release in
             * the block was reported there) */
            if (p->res[r] == RS_BORROWED) {
                p->res[r] = RS_RELEASED;
                p->ev[r] = fl_ev_push(c, p->ev[r], item->v.withitem.context_expr,
                                      "its context manager releases it at the end of the with block");
                for (int h = 0; h < c->nsites; h++)
                    if (c->site[h].holder && c->site[h].origin == r && p->res[h] == RS_BORROWED) {
                        /* `repo = Repo(s)` in the block: repo's methods use it closed */
                        p->res[h] = RS_RELEASED;
                        p->ev[h] = fl_ev_push(c, p->ev[h], item->v.withitem.context_expr,
                                              "its context manager releases it at the end of "
                                              "the with block");
                    }
            }
            if (c->env->summary && p->yielded && r == c->yielded_site &&
                st->kind == STEP_WITH_EXIT) {
                /* a provider yielding what its own context manager lent
                   (`with get_session_with_tenant() as s: yield s`) does after
                   its yield what that one does after its own */
                c->env->summary->releases_after |= c->site[r].owner->releases_after;
                c->env->summary->uses_after |= c->site[r].owner->uses_after;
            }
            continue;
        }
        if (p->res[r] == RS_RELEASED) {
            /* closed inside a with that closes it again */
            if (model_user_res(c->env->model, c->site[r].val.kind)->twice != HARM_NONE) {
                const Ev *e = fl_ev_push(c, p->ev[r], item->v.withitem.context_expr,
                                         "released again at the end of the with block");
                /* the block's exit is the second release: reported on the with */
                const Node *at = item->v.withitem.context_expr;
                report(c, FLOW_DOUBLE_RELEASE, r, at, e);
            }
            continue;
        }
        fl_release(c, p, r, item->v.withitem.context_expr, 1);
    }
}

/* The leaks on path p when the function exits there. */
static void step_exit(Ctx *c, Path *p, const CfgStep *st, const Node *last)
{
    if (p->njobs && (st->kind == STEP_EXIT || p->raised)) /* raised: work an await gave up on */
        fj_pending_at_exit(c, p, last);
    for (int r = 0; r < c->nsites; r++) {
        if ((p->res[r] != RS_OPEN && p->res[r] != RS_REOPENED) || p->held[r] || p->reported[r])
            continue;
        if (c->g->func->kind == NODE_Module && c->site[r].name)
            continue; /* a module's global lives as long as the process: SL201's concern */
        if ((c->site[r].enter_attr || c->site[r].enter_self) && st->kind != STEP_RAISE_EXIT)
            continue; /* __enter__ returned: the object has it, and its __exit__ releases it */
        if (c->site[r].enter_self && !(p->holding >> r & 1))
            continue; /* its transaction ended (`async with self.begin()`): no connection */
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
        } else if (e && e->note &&
                   (!strncmp(e->note, "FastAPI hands it", 16) || !strncmp(e->note, "kept in `self.", 14))) {
            /* the return that handed it to FastAPI says it all */
        } else if (last) {
            e = fl_ev_push(c, e, last, "the function returns here without releasing it");
        } else {
            e = fl_ev_push(c, e, p->last,
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

/* Does test (under `not` and `is None`) read a name that holds the site
 * standing for a parameter in summary mode?  1 + that parameter, or 0;
 * *plain says the test is the name's own truth (under `not` only). */
static int tests_param_site(const Ctx *c, const Path *p, const Node *test, int *plain)
{
    while (test->kind == NODE_UnaryOp && test->v.UnaryOp.op == UNARYOP_Not)
        test = test->v.UnaryOp.operand;
    *plain = test->kind == NODE_Name;
    if (test->kind == NODE_Compare && test->v.Compare.ops.n == 1)
        test = test->v.Compare.left;
    int v = test->kind == NODE_Name ? fl_var_index((Ctx *)c, test->v.Name.id, 0) : -1;
    for (int i = 0; v >= 0 && p->var[v] >= 0 && i < c->nparams; i++)
        if (c->param_site[i] == p->var[v])
            return i + 1;
    return 0;
}

/*
 * `self.<attr>` in a method, where every assignment of the attribute in the
 * class gives a value that is never None (value_attr_set: a parameter every
 * construction fills, `self._factory = factory`): 1 never None, 2 also
 * truthy (a factory, a function or a class, whatever its instance); else 0.
 * So `if self._factory is None:` and its branch of fallback code are dead.
 */
static int attr_set(Ctx *c, const Node *e)
{
    const Node *f = c->g->func;
    if (e->kind != NODE_Attribute || e->v.Attribute.value->kind != NODE_Name ||
        (f->kind != NODE_FunctionDef && f->kind != NODE_AsyncFunctionDef) || !c->scope->parent ||
        c->scope->parent->kind != SCOPE_CLASS || !ast_param(f, 0) ||
        strcmp(ast_param(f, 0)->v.arg.arg, e->v.Attribute.value->v.Name.id))
        return 0;
    if (c->set_attr == e)
        return c->set_truth;
    const Node *cls = c->scope->parent->node;
    /* every assignment gives a known value, so their join is known: ask
       the walk of the class only then */
    Val v = value_attr(c->env->values, c->a, cls, e->v.Attribute.attr);
    int t = v.tag != VAL_UNKNOWN && value_attr_set(c->env->values, c->a, cls, e->v.Attribute.attr);
    if (t)
        t = v.tag == VAL_FACTORY || v.tag == VAL_FUNC || v.tag == VAL_CLASS ? 2 : 1;
    c->set_attr = e;
    c->set_truth = t;
    return t;
}

/* The flag key of a comparison of a local name with a literal, `kind ==
 * "pg"` or `kind != "pg"` ("kind == 'pg'"), or NULL: two tests of it agree on
 * a path (rebinding the name forgets it, forget_flags). */
static const char *equals_key(Ctx *c, const Node *test)
{
    if (test->kind != NODE_Compare || test->v.Compare.ops.n != 1 ||
        (test->v.Compare.ops.items[0] != CMP_Eq && test->v.Compare.ops.items[0] != CMP_NotEq))
        return NULL;
    const Node *l = test->v.Compare.left, *r = test->v.Compare.comparators.items[0];
    if (l->kind != NODE_Name || r->kind != NODE_Constant ||
        (r->v.Constant.value.kind != CONST_STR && r->v.Constant.value.kind != CONST_INT) ||
        r->v.Constant.value.len > 64 || memchr(r->v.Constant.value.s, 0, r->v.Constant.value.len))
        return NULL;
    const char *q = r->v.Constant.value.kind == CONST_STR ? "'" : "";
    return fmt(c, "%s == %s%s%s", l->v.Name.id, q, r->v.Constant.value.s, q);
}

/* Summary mode: does site h stand for a parameter this walk takes as falsy? */
static int falsy_site(const Ctx *c, int h)
{
    for (int i = 0; i < c->nparams; i++)
        if ((c->falsy >> i & 1) && c->param_site[i] == h)
            return 1;
    return 0;
}

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
    const char *eq = equals_key(c, test);
    if (eq) { /* `kind == "pg"` and `kind != "pg"`: one flag */
        if (test->v.Compare.ops.items[0] == CMP_NotEq)
            *neg = !*neg;
        *flag = flag_index(c, eq, 1);
        if (*flag < 0 || p->flag[*flag] == FLAG_UNKNOWN)
            return -1;
        int t = p->flag[*flag] == FLAG_TRUE;
        return *neg ? !t : t;
    }
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
    int t = -1, v = test->kind == NODE_Name ? fl_var_index(c, test->v.Name.id, 0) : -1;
    if (!none_test && v >= 0 && p->var[v] >= 0 && c->site[p->var[v]].maybe_none) {
        none_test = 1; /* a resource is always true: `if con:` is `if con is not None:` */
        *neg = !*neg;
    }
    if (v >= 0) {
        int h = p->var[v];
        if (c->falsy && h >= 0 && falsy_site(c, h))
            t = none_test ? -1 : 0; /* the summary's walk for a falsy argument: False, 0, None */
        else if (h >= 0 && (c->site[h].maybe_none || c->site[h].param_only) && p->res[h] == RS_BORROWED)
            t = -1; /* `session: Session | None = None`, or a typed parameter whose caller we
                       do not know and that the code itself tests: either */
        else if (h >= 0 && p->res[h] != RS_GONE)
            t = !none_test;
        else if (h == VAR_NONE)
            t = none_test;
    } else if (test->kind == NODE_Attribute && !c->env->summary) {
        int set = attr_set(c, test);
        if (set && (none_test || set == 2))
            t = !none_test;
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
        ast_name_in(test->v.Call.func->v.Attribute.attr, calls))
        recv = test->v.Call.func->v.Attribute.value;
    else if (test->kind == NODE_Attribute && ast_name_in(test->v.Attribute.attr, attrs))
        recv = test->v.Attribute.value;
    int r = recv ? fl_held_by(c, p, recv) : -1;
    return r >= 0 ? r : -1;
}

/* Summary mode: parameter i was tested as a flag (Ctx.cand), the first
 * FLOW_COND_CANDS of them kept. */
static void add_cand(Ctx *c, int i)
{
    for (int k = 0; k < c->ncand; k++)
        if (c->cand[k] == i)
            return;
    if (c->ncand < FLOW_COND_CANDS)
        c->cand[c->ncand++] = i;
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
    if (c->lock && !value && fq_lock_answer(c->lock, test))
        p->locked = 0; /* the try-lock answered false: not held on this side */
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
    if (t >= 0 && t != value) {
        int plain, j = c->env->summary ? tests_param_site(c, p, test, &plain) : 0;
        if (j) {
            c->check_differs = 1; /* a resource stands in for the parameter here, so this
                                     branch (`if not flag:`) is walked in check mode only */
            if (plain && c->nparams > 1)
                add_cand(c, j - 1); /* ... and in a walk of its own taking it falsy
                                       (FlowSummary.cond); alone, a falsy parameter is
                                       no resource to release */
        }
        return 0;
    }
    if (flag >= 0) /* the value of the flag or None test itself */
        p->flag[flag] = (neg ? !value : value) ? FLAG_TRUE : FLAG_FALSE;
    return 1;
}

int fl_truth(Ctx *c, const Path *p, const Node *e)
{
    if (e->kind == NODE_Constant) {
        int k = e->v.Constant.value.kind;
        return k == CONST_TRUE ? 1 : k == CONST_FALSE || k == CONST_NONE ? 0 : -1;
    }
    int flag, neg;
    return truth(c, p, e, &flag, &neg);
}

/* ------------------------------------------------------------- worklist */

static int same_jobs(const Path *a, const Path *b)
{
    if (a->njobs != b->njobs)
        return 0;
    for (int i = 0; i < a->njobs; i++) {
        const Job *x = &a->job[i], *y = &b->job[i];
        if (x->at != y->at || x->with != y->with || x->res != y->res || x->own != y->own ||
            x->var != y->var ||
            x->kind != y->kind || x->many != y->many || x->quick != y->quick || x->left != y->left)
            return 0;
    }
    return 1;
}

/* Equal in all but what a session's transaction holds (checked_out,
 * txn_ended, holding, pending): such paths are one, joined (add_path). */
static int same_path(const Ctx *c, const Path *a, const Path *b)
{
    return !memcmp(a->res, b->res, (size_t)c->nsites) && !memcmp(a->held, b->held, (size_t)c->nsites) &&
           !memcmp(a->var, b->var, sizeof a->var) && !memcmp(a->flag, b->flag, sizeof a->flag) &&
           !memcmp(a->reported, b->reported, (size_t)c->nsites) &&
           a->raised_at_yield == b->raised_at_yield && a->yielded == b->yielded &&
           a->handling_yield == b->handling_yield && same_jobs(a, b) &&
           a->committed == b->committed && a->release_raised == b->release_raised &&
           a->patched == b->patched && a->locked == b->locked;
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
        a->patched != b->patched || a->locked != b->locked)
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
    m->checked_out |= p->checked_out; /* may hold its connection */
    m->holding |= p->holding;
    m->pending |= p->pending;
    m->txn_ended &= p->txn_ended;     /* surely ended */
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
        cost += (p->checked_out & ~ps->p[i].checked_out) != 0 ||
                (p->holding & ~ps->p[i].holding) != 0 || (p->pending & ~ps->p[i].pending) != 0 ||
                (ps->p[i].txn_ended & ~p->txn_ended) != 0;
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
    for (int i = 0; i < ps->n; i++) {
        Path *q = &ps->p[i];
        if (!same_path(c, q, p))
            continue;
        uint32_t out = q->checked_out | p->checked_out; /* may hold a connection */
        uint32_t ended = q->txn_ended & p->txn_ended;   /* surely ended */
        uint32_t holding = q->holding | p->holding, pending = q->pending | p->pending;
        if (out == q->checked_out && ended == q->txn_ended && holding == q->holding &&
            pending == q->pending)
            return; /* it knows no more than the path already there */
        q->checked_out = out;
        q->txn_ended = ended;
        q->holding = holding;
        q->pending = pending;
        if (i < ps->done) { /* followed already: follow the joined path again */
            Path t = ps->p[ps->done - 1];
            ps->p[ps->done - 1] = *q;
            *q = t;
            ps->done--;
        }
        if (!c->queued[s]) {
            c->queued[s] = 1;
            c->work[c->nwork++] = s;
        }
        return;
    }
    if (ps->n == FLOW_MAX_PATHS && merge_path(c, s, p))
        return;
    if (ps->n == FLOW_MAX_PATHS)
        compact(c, s);
    if (ps->n == FLOW_MAX_PATHS)
        return; /* nothing to merge with: this path is not followed further */
    if (ps->n == ps->cap) { /* filled before read */
        int cap = ps->cap ? 2 * ps->cap : 1;
        Path *grown = arena_alloc_raw(c->a, (size_t)cap * sizeof *grown);
        if (ps->n)
            memcpy(grown, ps->p, (size_t)ps->n * sizeof *grown);
        ps->p = grown;
        ps->cap = cap;
    }
    ps->p[ps->n++] = *p;
    if (!c->queued[s]) {
        c->queued[s] = 1;
        c->work[c->nwork++] = s;
    }
}

/* What the walks of a subtree look for (BodyScan.want, .found): a yield,
 * a read of `<x>.state.<y>` (what a middleware may own). */
enum { SCAN_YIELD = 1, SCAN_STATE = 2 };

typedef struct BodyScan {
    unsigned want, found;
    int lambdas;   /* look into lambdas too */
    int depth;
    int truncated; /* some subtree was deeper than EVAL_MAX_DEPTH: not looked into */
} BodyScan;

static void scan_kid(Node *parent, Node *n, void *arg)
{
    BodyScan *w = arg;
    (void)parent;
    w->truncated |= w->depth > EVAL_MAX_DEPTH;
    if (w->found == w->want || w->depth > EVAL_MAX_DEPTH ||
        (n->kind == NODE_Lambda && !w->lambdas) || n->kind == NODE_Name ||
        n->kind == NODE_Constant) /* leaves: nothing in them */
        return;
    if (n->kind == NODE_Yield || n->kind == NODE_YieldFrom)
        w->found |= w->want & SCAN_YIELD;
    else if (n->kind == NODE_Attribute && !strcmp(n->v.Attribute.attr, "state"))
        w->found |= w->want & SCAN_STATE;
    if (w->found == w->want)
        return;
    w->depth++;
    ast_children(n, scan_kid, w);
    w->depth--;
}

/* What of want n's children hold (lambdas: look into lambdas too), as far
 * as EVAL_MAX_DEPTH; *truncated, if not NULL, says whether that was all. */
static unsigned scan_below(const Node *n, unsigned want, int lambdas, int *truncated)
{
    BodyScan w = {want, 0, lambdas, 0, 0};
    ast_children((Node *)n, scan_kid, &w);
    if (truncated)
        *truncated = w.truncated;
    return w.found;
}

/* Does the expression or simple statement n contain a yield? */
static int contains_yield(const Node *n)
{
    if (!n)
        return 0;
    if (n->kind == NODE_Yield || n->kind == NODE_YieldFrom)
        return 1;
    return scan_below(n, SCAN_YIELD, 0, NULL) != 0;
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
    if (w->depth > EVAL_MAX_DEPTH || n->kind == NODE_Name || n->kind == NODE_Constant)
        return; /* leaves: no call in them */
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        n->v.Call.func->v.Attribute.value->kind == NODE_Name) {
        int r = fl_held_by(w->c, w->p, n->v.Call.func->v.Attribute.value);
        Val made;
        int with_only;
        if (r >= 0 && model_user_method(w->c->env->model, &w->c->site[r].val,
                                        n->v.Call.func->v.Attribute.attr, &made,
                                        &with_only) == EFF_RELEASE)
        {
            fl_gone(w->p, r); /* handed to the closure, which releases it when it runs */
            w->c->site[r].ever_released = 1;
        }
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

/* captured_by_generator's search: `<free name>.close()` in a generator's body. */
typedef struct Captured {
    Ctx *c;
    Path *start;
    int depth;
} Captured;

static void captured_kid(Node *parent, Node *n, void *arg)
{
    Captured *w = arg;
    (void)parent;
    if (w->depth > EVAL_MAX_DEPTH || n->kind == NODE_FunctionDef ||
        n->kind == NODE_AsyncFunctionDef || n->kind == NODE_Lambda || n->kind == NODE_ClassDef)
        return;
    const Node *f = n->kind == NODE_Call ? n->v.Call.func : NULL;
    if (f && f->kind == NODE_Attribute && f->v.Attribute.value->kind == NODE_Name) {
        Ctx *c = w->c;
        const Node *x = f->v.Attribute.value;
        const Scope *where = NULL;
        const Binding *b = scope_lookup(c->env->scopes, c->scope, x->v.Name.id, &where);
        Val v = b && b->value && where && where != c->scope && where->kind == SCOPE_FUNCTION
                    ? fl_model_value(c, c->env->scopes, where, b->value)
                    : unknown();
        Val made;
        int with_only, var = -1;
        if (v.tag == VAL_RESOURCE && v.fresh && v.kind != RES_ANY &&
            model_user_method(c->env->model, &v, f->v.Attribute.attr, &made, &with_only) ==
                EFF_RELEASE &&
            (var = fl_var_index(c, x->v.Name.id, 1)) >= 0 && w->start->var[var] < 0) {
            int r = fl_site_for(c, b->value, v, -1);
            if (r >= 0) {
                c->site[r].name = x->v.Name.id;
                c->site[r].captured = 1;
                w->start->res[r] = RS_OPEN;
                w->start->var[var] = (int8_t)r;
                w->start->ev[r] = fl_ev_push_far(
                    c, NULL, NULL, b->value->lineno, b->value->col_offset,
                    "made here by the enclosing function, and released by this generator");
            }
        }
    }
    w->depth++;
    ast_children(n, captured_kid, w);
    w->depth--;
}

/*
 * A generator nested in the function that made a resource, which releases
 * it itself (`def stream(): ... yield ...; db.close()` over the endpoint's
 * db, handed to a StreamingResponse): the generator owns it from its first
 * step.  A release after a yield outside try/finally is then skipped when
 * whoever drives the generator closes it at that yield: a client that
 * leaves a streamed response, a consumer that stops early.
 */
static void captured_by_generator(Ctx *c, Path *start, const Node *func)
{
    if (!c->g->is_generator || !c->scope || !c->scope->parent ||
        c->scope->parent->kind != SCOPE_FUNCTION ||
        (func->kind != NODE_FunctionDef && func->kind != NODE_AsyncFunctionDef))
        return;
    Captured w = {c, start, 0};
    for (int i = 0; i < func->v.FunctionDef.body.n; i++)
        captured_kid(NULL, func->v.FunctionDef.body.items[i], &w);
}

/* The effects of step st on path p (in place). */
static void effects(Ctx *c, Path *p, const CfgStep *st)
{
    const Node *n = st->node;
    switch (st->kind) {
    case STEP_EXPR: {
        p->patched |= fm_patch_mask(c, n); /* monkeypatch.setattr(...) from here on */
        Res r = fl_eval(c, p, n);
        if (r.site >= 0 && (c->acquired >> r.site & 1))
            dropped(c, p, r, n);
        break;
    }
    case STEP_COND:
        fl_eval(c, p, n);
        break;
    case STEP_ASSIGN:
        step_assign(c, p, n);
        break;
    case STEP_DELETE:
        for (int i = 0; n && i < n->v.Delete.targets.n; i++) {
            const Node *t = n->v.Delete.targets.items[i];
            if (t->kind == NODE_Name) {
                int v = fl_var_index(c, t->v.Name.id, 0);
                if (v >= 0) {
                    fl_gone(p, p->var[v]);
                    p->var[v] = VAR_UNKNOWN;
                }
            }
        }
        break;
    case STEP_RETURN: {
        const Node *v = n ? n->v.Return.value : NULL;
        Res r = fl_eval(c, p, v);
        returned_from_with(c, p, n, v, r.site);
        if (c->env->summary && v && fj_bound_callable(c, v)) {
            /* return functools.partial(work, db): the callers' work will use db */
            uint32_t used = fj_uses_of(c, p, v);
            for (int i = 0; i < c->nparams; i++)
                if (c->param_site[i] >= 0 && (used >> c->param_site[i] & 1))
                    c->env->summary->bound |= 1u << i;
        }
        if (c->env->summary && v)
            c->env->summary->keeps |= fc_kept_params(c, p, v, 0);
        if (c->env->summary && r.site >= 0 && c->site[r.site].state)
            c->env->summary->returns_state = c->site[r.site].state;
        if (c->env->summary && r.site >= 0 && c->site[r.site].val.kind != RES_ANY && !c->cached &&
            (c->acquired >> r.site & 1 || p->res[r.site] == RS_OPEN || p->res[r.site] == RS_IDLE)) {
            c->env->summary->returns_kind = c->site[r.site].val.kind;
            c->env->summary->returns_async = c->site[r.site].val.is_async;
        }
        if (c->env->summary && v && !c->cached)
            returned_tuple(c, p, v, r);
        if (c->plain_provider && r.site >= 0 &&
            (p->res[r.site] == RS_OPEN || p->res[r.site] == RS_IDLE)) {
            /* the caller is FastAPI, which hands it to the endpoint (idle or
               not, the endpoint uses it) and never releases it */
            p->res[r.site] = RS_OPEN;
            p->ev[r.site] = fl_ev_push(c, p->ev[r.site], n,
                                       "FastAPI hands it to the endpoint and never releases "
                                       "what a dependency returns");
            p->ret = n;
            break;
        }
        returned(c, p, r.site); /* ownership goes to the caller */
        if (r.kept) /* `return Wrapper(pool.getconn())`: with the object that keeps it */
            returned(c, p, r.kept - 1);
        escape_names(c, p, v, 0); /* in a tuple, a dict, an object: the caller's too */
        for (int i = 0; v && v->kind == NODE_Tuple && i < v->v.Tuple.elts.n; i++)
            returned(c, p, element_site(c, p, v->v.Tuple.elts.items[i])); /* pool.getconn() */
        p->ret = n;
        break;
    }
    case STEP_RAISE:
        if (n && n->kind == NODE_Raise)
            fl_eval(c, p, n->v.Raise.exc);
        break;
    case STEP_WITH_ENTER:
        step_with_enter(c, p, n);
        break;
    case STEP_WITH_EXIT:
    case STEP_WITH_EXIT_EXC:
        step_with_exit(c, p, n, st);
        break;
    case STEP_FOR_NEXT: {
        Res none = {-1, unknown(), 0, NULL, 0, NULL, NULL};
        if (n && (n->kind == NODE_For || n->kind == NODE_AsyncFor)) {
            int it = fl_held_by(c, p, n->v.For.iter); /* `for row in cur`: a fetch */
            if (it >= 0)
                fl_use(c, p, it, n->v.For.iter);
            bind(c, p, n->v.For.target, none, NULL);
            fj_loop_waits(c, p, n);
            const Node *i = n->v.For.iter; /* `async for m in websocket.iter_text()` */
            if (c->websocket && p->checked_out && i->kind == NODE_Call &&
                i->v.Call.func->kind == NODE_Attribute)
                fj_waits_for_client(c, p, i, i->v.Call.func->v.Attribute.value,
                                    i->v.Call.func->v.Attribute.attr);
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

/*
 * The flag of a `for` over `range(n)`, n a positive number the code names
 * (a literal, or a name bound once to one: `for attempt in range(RETRIES)`),
 * set once the path has entered the body; -1 for other loops.  Such a loop
 * runs its body at least once: its exit is not taken before (a retry loop
 * whose every attempt returns, raises or retries ends no other way).  A
 * loop entered again from an enclosing one finds the flag set: its
 * zero-iteration exit is then let through, as for any loop.
 */
static int ranged_loop(Ctx *c, const Node *n)
{
    if (!n || n->kind != NODE_For)
        return -1;
    const Node *it = n->v.For.iter, *f = it->kind == NODE_Call ? it->v.Call.func : NULL;
    if (!f || f->kind != NODE_Name || strcmp(f->v.Name.id, "range") || it->v.Call.args.n != 1 ||
        it->v.Call.keywords.n || scope_lookup(c->env->scopes, c->scope, "range", NULL) ||
        !(fo_seconds(c, it->v.Call.args.items[0]) >= 1))
        return -1;
    return flag_index(c, fmt(c, "<for %d:%d>", n->lineno, n->col_offset), 1);
}

/* Sends p (after step s) along the normal edges of s. */
static void follow(Ctx *c, const CfgStep *st, Path *p)
{
    int f;
    if (st->kind == STEP_FOR_NEXT && st->nsucc == 2 && (f = ranged_loop(c, st->node)) >= 0) {
        int entered = p->flag[f] == FLAG_TRUE;
        p->flag[f] = FLAG_TRUE;
        add_path(c, st->succ[0], p);
        if (entered)
            add_path(c, st->succ[1], p);
        return;
    }
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

/* Does step s evaluate a yield?  Computed once per step. */
static int step_yields(Ctx *c, int s)
{
    if (!c->yields[s]) {
        const CfgStep *st = &c->g->steps[s];
        if (c->no_yield) {
            c->yields[s] = 1;
            return 0;
        }
        /* a loop's next() step holds the whole loop: its body's yields are
         * steps of their own */
        int y = st->node && st->kind != STEP_ENTRY && st->kind != STEP_BIND &&
                st->kind != STEP_DISPATCH && st->kind != STEP_EXCEPT &&
                st->kind != STEP_FOR_NEXT && contains_yield(st->node);
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
    c->nleft = 0;
    if (st->kind == STEP_EXIT && c->park && (p.locked & PARK_STORED) && (p.locked & PARK_OPEN))
        c->park->opened = c->park_use; /* stored, and still in its transaction at the end */
    if (st->kind == STEP_EXIT || st->kind == STEP_RAISE_EXIT) {
        if (c->env->summary) {
            if (st->kind == STEP_RAISE_EXIT)
                fj_gives_up_at_raise(c, &p);
            for (int k = 0; st->kind == STEP_EXIT && k < p.njobs; k++) /* work left running */
                for (int i = 0; i < c->nparams; i++) {
                    int r = c->param_site[i] < 0 && i == 0 ? c->self_site : c->param_site[i];
                    if (r >= 0 && (p.job[k].res >> r & 1) &&
                        p.job[k].kind != JOB_CORO &&
                        (p.job[k].kind != JOB_TASK || !p.job[k].with)) {
                        c->env->summary->defers |= 1u << i;
                        if (!c->env->summary->defer_kind)
                            c->env->summary->defer_kind = p.job[k].kind;
                    }
                }
            for (int i = 0; st->kind == STEP_EXIT && i < c->nparams; i++) {
                /* a close that raised and was handled still counts; a
                 * parameter that escaped (returned in a value, stored) is kept */
                int r = c->param_site[i];
                if (r < 0 || (p.res[r] != RS_RELEASED &&
                              !(p.res[r] == RS_GONE && (p.release_raised >> r & 1))))
                    c->kept_param |= 1u << i;
                if (r >= 0 && (p.checked_out >> r & 1))
                    c->env->summary->checks_out |= 1u << i;
                if (r < 0 || !(p.txn_ended >> r & 1))
                    c->ends_param &= ~(1u << i);
            }
            if (st->kind == STEP_EXIT && c->enter)
                entered(c, &p);
            return;
        }
        step_exit(c, &p, st, p.ret);
        return;
    }
    if (c->lock)
        fq_lock_step(c, &p, st, 0);
    effects(c, &p, st);
    if (c->lock)
        fq_lock_step(c, &p, st, 1);
    if (c->park)
        fq_park_step(c, &p, st);
    if (st->node && st->kind != STEP_NOP && st->kind != STEP_DISPATCH && st->kind != STEP_ENTRY)
        p.last = st->kind == STEP_WITH_EXIT ? p.last : st->node;
    follow(c, st, &p);
    /* A call inside a finally body that raises is followed only for what
     * the body acquired itself: cleanup code (untracking, notifying) before
     * a close() would otherwise make every finally a leak of the resources
     * it cleans up, and that exception is rarely the one that matters. */
    int in_cleanup = st->is_finally_copy && st->kind != STEP_RAISE;
    /* ... except an await while the cancellation thrown in at the yield
     * goes out: the cancel scope raises it there again, before the
     * releases that follow */
    int recancel = in_cleanup && c->cancelled_teardown && p.raised_at_yield && fr_step_awaits(c, s);
    /* ... and the cleanup's own database call on what it then releases */
    int own = in_cleanup && !recancel && st->exc >= 0 ? fr_cleanup_call(c, in, s) : -1;
    if (st->exc >= 0 && (st->may_raise || st->kind == STEP_RAISE) &&
        (!in_cleanup || recancel || own >= 0 || finally_open(c, &p)) &&
        (st->kind == STEP_RAISE || fr_step_rank(c, s) != RAISE_NEVER)) {
        /* the exception may come before this step's bindings and
         * acquisitions take effect; its releases are assumed done */
        Path q = p;
        if (c->lock && q.locked != in->locked && in->locked != LOCK_HELD)
            q.locked = in->locked; /* the take, or the read of its answer, raised */
        memcpy(q.var, in->var, sizeof q.var);
        memcpy(q.job, in->job, sizeof q.job); /* work this step started may not have started */
        q.njobs = in->njobs;
        fj_left_running(c, &q);
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
            /* entering a with that raised: its manager lent nothing */
            if (st->kind == STEP_WITH_ENTER && c->site[r].with == st->node)
                q.holding = (q.holding & ~(1u << r)) | (in->holding & (1u << r));
            if (c->acquired >> r & 1) {
                q.res[r] = in->res[r] != RS_OPEN && in->res[r] != RS_IDLE ? in->res[r] : RS_NONE;
                q.ev[r] = in->ev[r];
                q.holding = (q.holding & ~(1u << r)) | (in->holding & (1u << r));
            }
        }
        for (int r = 0; in_cleanup && !recancel && r < c->nsites; r++)
            if (!c->site[r].in_finally && r != own)
                fl_gone(&q, r); /* the cleanup's own exception: not the resources it cleans up */
        if (own >= 0) /* the call that raised did not end the transaction (a reopened
                         session's commit gives its connection back when it succeeds) */
            q.res[own] = in->res[own];
        if (st->kind == STEP_WITH_EXIT_EXC) {
            /* keep the original exception */
        } else if (st->kind == STEP_RAISE && st->node && st->node->kind == NODE_Raise &&
                   !st->node->v.Raise.exc && p.handling) {
            q.raised = p.handling; /* a bare raise: the handled exception goes on */
            q.raised_at_yield = p.handling_yield;
        } else if (recancel) {
            recancelled(c, &q, c->raiser[s], "cancelled again here: the cancel scope raises "
                                             "CancelledError at every await of the teardown");
        } else {
            int y = step_yields(c, s);
            const Node *at = st->kind == STEP_RAISE ? fr_first_call(st->node) : c->raiser[s];
            Ev *e = arena_alloc(c->a, sizeof *e);
            e->line = at ? at->lineno : st->line;
            e->col = at ? at->col_offset : 0;
            e->rank = st->kind == STEP_RAISE ? RAISE_LIKELY : fr_step_rank(c, s);
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
    return id && ast_name_in(id, types);
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

/*
 * Check mode: nothing in func for the dataflow to follow, so its paths need
 * not be walked.  Its summary run made no site but its parameters', none of
 * its parameters is borrowed here, and nothing it reads can lend one on the
 * way: not a middleware, no `request.state.x`, not a method of a class with
 * a base or whose body assigns a call (a class-based view's `db =
 * Depends(...)`).  The module body is always walked.
 */
static int nothing_to_follow(Ctx *c, const Node *func, const FlowFacts *facts)
{
    if (func->kind == NODE_Module || c->nsites || c->middleware || !c->env->summary_of)
        return 0;
    const FlowSummary *own = c->env->summary_of(c->env->summary_arg, func);
    if (!own || own->acquires)
        return 0;
    const Scope *cls = c->scope ? c->scope->parent : NULL;
    if (cls && cls->kind == SCOPE_CLASS) {
        const NodeList *bases = &cls->node->v.ClassDef.bases;
        for (int i = 0; i < bases->n; i++)
            if (bases->items[i]->kind != NODE_Name || strcmp(bases->items[i]->v.Name.id, "object"))
                return 0; /* a base may declare the view's dependencies */
        const NodeList *body = &cls->node->v.ClassDef.body;
        for (int i = 0; i < body->n; i++) {
            const Node *st = body->items[i];
            const Node *v = st->kind == NODE_Assign      ? st->v.Assign.value
                            : st->kind == NODE_AnnAssign ? st->v.AnnAssign.value
                                                         : NULL;
            if (v && v->kind == NODE_Call)
                return 0;
        }
    }
    return !(facts ? facts->state : scan_below(func, SCAN_STATE, 1, NULL));
}

/* A websocket endpoint's WebSocket parameter (annotated `WebSocket`), or
 * NULL. */
static const char *websocket_param(Ctx *c, const Node *func)
{
    if ((func->kind != NODE_FunctionDef && func->kind != NODE_AsyncFunctionDef) ||
        !c->env->fastapi || !(fastapi_role(c->env->fastapi->model, func) & FASTAPI_ENDPOINT))
        return NULL;
    const NodeList *ps = &func->v.FunctionDef.args->v.arguments.args;
    for (int i = 0; i < ps->n; i++) {
        const Node *ann = ps->items[i]->v.arg.annotation;
        const char *id = !ann                          ? NULL
                         : ann->kind == NODE_Name      ? ann->v.Name.id
                         : ann->kind == NODE_Attribute ? ann->v.Attribute.attr
                                                       : NULL;
        if (id && !strcmp(id, "WebSocket"))
            return ps->items[i]->v.arg.arg;
    }
    return NULL;
}

/* A test whose truth assume() makes known: a name, `x is None`, `x is not
 * None`, under any number of `not`s. */
static int name_test(const Node *e)
{
    while (e->kind == NODE_UnaryOp && e->v.UnaryOp.op == UNARYOP_Not)
        e = e->v.UnaryOp.operand;
    return e->kind == NODE_Name || (copies_test(e) && e->kind == NODE_Compare);
}

/* The test that chooses the value of `x = con if con else connect()` or `x
 * = con or connect()`, when a choice may acquire (a call among what it
 * chooses from); else NULL. */
static const Node *choice_test(const Node *value)
{
    if (value->kind == NODE_IfExp && name_test(value->v.IfExp.test) &&
        (ast_unawait(value->v.IfExp.body)->kind == NODE_Call ||
         ast_unawait(value->v.IfExp.orelse)->kind == NODE_Call))
        return value->v.IfExp.test;
    if (value->kind == NODE_BoolOp && value->v.BoolOp.values.items[0]->kind == NODE_Name)
        for (int i = 1; i < value->v.BoolOp.values.n; i++)
            if (ast_unawait(value->v.BoolOp.values.items[i])->kind == NODE_Call)
                return value->v.BoolOp.values.items[0];
    return NULL;
}

/*
 * `owns = session is None` where p does not know the test: the step runs
 * twice, once on each side of it (assume), so that the flag and the test
 * stay correlated: `if session is None: session = Session()` ... `if owns:
 * session.close()` takes both branches together or neither.  So does a
 * choice (`conn = con if con else connect()`, `conn = con or connect()`):
 * each side binds what it chose (fl_eval), and a later `if not con:
 * conn.close()` is taken on the side that connected.  1 when it ran.
 */
static int fork_at_copy(Ctx *c, int s, const Path *p)
{
    const CfgStep *st = &c->g->steps[s];
    const Node *n = st->node, *value;
    if (st->kind != STEP_ASSIGN || !n)
        return 0;
    if (n->kind == NODE_Assign && n->v.Assign.targets.n == 1 &&
        n->v.Assign.targets.items[0]->kind == NODE_Name)
        value = n->v.Assign.value;
    else if (n->kind == NODE_AnnAssign && n->v.AnnAssign.value &&
             n->v.AnnAssign.target->kind == NODE_Name)
        value = n->v.AnnAssign.value;
    else
        return 0;
    int flag, neg;
    const Node *test = copies_test(value) ? value : choice_test(value);
    if (!test || truth(c, p, test, &flag, &neg) >= 0)
        return 0;
    for (int side = 1; side >= 0; side--) {
        Path q = *p;
        if (assume(c, &q, test, side, 0))
            transfer(c, s, &q);
    }
    return 1;
}

static int walk(Arena *scratch, const FlowEnv *env, Node *func, Cfg *g, unsigned falsy,
                FlowLock *lock, FlowPark *park, const Ctx *pre, const Path *pre_start,
                int *cand);

/* The context of a walk of func's graph g, before its paths (walk). */
static void ctx_init(Ctx *c, Arena *scratch, const FlowEnv *env, Node *func, Cfg *g, unsigned falsy,
                     FlowLock *lock, FlowPark *park)
{
    FlowFacts *facts = env->known;
    memset(c, 0, sizeof *c);
    c->a = scratch;
    c->falsy = falsy;
    c->no_yield = facts && !facts->yields;
    c->env = env;
    c->g = g;
    c->scope = scope_of(env->scopes, func);
    c->resumed_not_thrown = scope_decorated_by(env->scopes, func, model_is_fixture);
    c->cached = scope_decorated_by(env->scopes, func, model_caches);
    c->pool_hook = is_pool_hook(env, func);
    c->middleware = env->fastapi && (fastapi_role(env->fastapi->model, func) & FASTAPI_MIDDLEWARE);
    c->passes_on = passes_on(func);
    c->enter = (func->kind == NODE_FunctionDef || func->kind == NODE_AsyncFunctionDef) &&
               (!strcmp(func->v.FunctionDef.name, "__enter__") ||
               !strcmp(func->v.FunctionDef.name, "__aenter__"));
    c->request_class = request_class(c, func);
    c->websocket = websocket_param(c, func);
    c->plain_provider = env->fastapi && !g->is_generator && !c->cached &&
                        func->kind != NODE_Module &&
                        (fastapi_role(env->fastapi->model, func) &
                         (FASTAPI_PROVIDER | FASTAPI_PROVIDER_FN));
    c->catch_all_exception = func->kind != NODE_AsyncFunctionDef;
    c->cancelled_teardown = env->fastapi && !env->summary && g->is_generator &&
                            func->kind == NODE_AsyncFunctionDef && !c->resumed_not_thrown &&
                            fastapi_cancels_requests(env->fastapi->model) &&
                            (fastapi_role(env->fastapi->model, func) &
                             (FASTAPI_PROVIDER | FASTAPI_PROVIDER_FN));
    c->yielded_site = -1;
    c->self_site = -1;
    c->entered_self = -1;
    c->ends_param = ~0u;
    c->lock = lock;
    c->park = park;
    if (!c->scope)
        c->scope = scope_module(env->scopes);
}

/*
 * Check mode, before func's graph is built: would walk() find nothing to
 * follow (nothing_to_follow)?  Most functions of a project touch no
 * resource; for them the graph is never built.  What that asks of the
 * graph is only whether func is a generator, known from an earlier run.
 * c and start are left as walk() would begin them (parameters borrowed,
 * generator captures), so that walk() of a function found not quiet takes
 * them over rather than doing that work again.
 */
static int quiet_before_graph(Arena *scratch, const FlowEnv *env, Node *func, Ctx *c, Path *start)
{
    Cfg bare; /* no steps: what ctx_init and captured_by_generator read of it */
    memset(&bare, 0, sizeof bare);
    bare.is_generator = env->known->generator;
    ctx_init(c, scratch, env, func, &bare, 0, NULL, NULL);
    memset(start, 0, sizeof *start);
    memset(start->var, 0xff, sizeof start->var);
    fp_borrowed_params(c, start, func);
    captured_by_generator(c, start, func);
    int quiet = nothing_to_follow(c, func, env->known);
    c->g = NULL; /* bare is gone on return: walk() sets its graph */
    return quiet;
}

FlowCondFx flow_summary_fx(const FlowSummary *sum, unsigned mask)
{
    if (mask)
        return sum->falsy[mask - 1];
    return (FlowCondFx){sum->releases, sum->with_releases, sum->commits, sum->ends_txn,
                        sum->checks_out};
}

/* What a summary walk of func with the parameters of the bits of falsy
 * taken as falsy finds it releases, commits and ends. */
static FlowCondFx falsy_walk(Arena *scratch, const FlowEnv *env, Node *func, Cfg *g,
                             unsigned falsy)
{
    FlowSummary s;
    memset(&s, 0, sizeof s);
    FlowEnv e = *env;
    e.summary = &s;
    walk(scratch, &e, func, g, falsy, NULL, NULL, NULL, NULL, NULL);
    return flow_summary_fx(&s, 0);
}

/*
 * A test decided by the resource standing for a parameter (`if ok:`, `if not
 * no_commit:`) takes one branch only in the summary's walk.  Of the
 * parameters that walk tested so (cand, first met first), one decides when
 * a walk with it falsy and every other one truthy releases, commits, ends
 * or leaves checked out other parameters than the summary's walk (`actor`
 * tested before `no_commit` decides nothing).  The first FLOW_MAX_COND
 * deciding ones are
 * kept (FlowSummary.cond) with the effects of every mix of their values
 * (falsy[]: one more walk for each mix of two or more falsy).  Limits: a
 * flag is tried with the others truthy, so one that decides only when
 * another is falsy (`if a or b: commit()`, a commit under another flag's
 * `else:`) is not seen; only the flags the first walk met are tried
 * (FLOW_COND_CANDS of them); what else these walks learn (uses, waits, what
 * it returns) is not kept.  Never a parameter the function works with as a
 * resource (`if session:`): a caller passing a falsy one passes none.
 */
static void deciding_flags(Arena *scratch, const FlowEnv *env, Node *func, Cfg *g,
                           const int *cand, int ncand)
{
    FlowSummary *sum = env->summary;
    FlowCondFx base = flow_summary_fx(sum, 0);
    unsigned resources = sum->uses | sum->releases | sum->with_releases | sum->commits;
    int n = 0;
    for (int k = 0; k < ncand && n < FLOW_MAX_COND; k++) {
        if (resources >> cand[k] & 1)
            continue;
        FlowCondFx f = falsy_walk(scratch, env, func, g, 1u << cand[k]);
        if (!memcmp(&f, &base, sizeof f))
            continue;
        sum->cond[n] = (unsigned char)(cand[k] + 1);
        sum->falsy[(1u << n) - 1] = f;
        n++;
    }
    for (unsigned m = 3; m < 1u << n; m++) {
        if (!(m & (m - 1)))
            continue; /* one flag falsy: walked above */
        unsigned falsy = 0;
        for (int k = 0; k < n; k++)
            if (m >> k & 1)
                falsy |= 1u << (sum->cond[k] - 1);
        sum->falsy[m - 1] = falsy_walk(scratch, env, func, g, falsy);
    }
}

/* flow_function, and flow_lock_held or flow_parked when lock or park is given. */
static void run(Arena *scratch, const FlowEnv *env, Node *func, FlowLock *lock, FlowPark *park)
{
    FlowFacts *facts = env->known;
    Cfg *g;
    Ctx pre; /* check mode: what quiet_before_graph began, for walk() */
    Path pre_start;
    int have_pre = 0;
    if (facts && facts->known) {
        if (!env->summary && !lock && !park) {
            if (quiet_before_graph(scratch, env, func, &pre, &pre_start))
                return;
            have_pre = 1;
        }
        g = cfg_build_known(scratch, func, facts->generator);
    } else {
        g = cfg_build(scratch, func);
        if (facts && g) {
            facts->generator = (unsigned char)g->is_generator;
            int deep;
            unsigned found = scan_below(func, SCAN_YIELD | SCAN_STATE, 1, &deep);
            /* past the depth limit a step's own walk sees further: maybe */
            facts->yields = (found & SCAN_YIELD) || deep;
            facts->state = (found & SCAN_STATE) != 0;
            facts->known = 1;
        }
    }
    if (!g || g->nsteps == 0)
        return;
    int cand[FLOW_COND_CANDS];
    int ncand =
        walk(scratch, env, func, g, 0, lock, park, have_pre ? &pre : NULL, &pre_start, cand);
    if (env->summary && ncand)
        deciding_flags(scratch, env, func, g, cand, ncand);
}

/* One walk of func's graph g: in summary mode, filling env->summary, with
 * the parameters of the bits of falsy taken as falsy, and returns how many
 * parameters it tested as flags (Ctx.cand, into cand; none when falsy); else
 * asking lock's or park's question when given, or reporting what it finds
 * (returns 0).  pre, when given, is the Ctx and pre_start the start path
 * quiet_before_graph built for func (check mode, found not quiet). */
static int walk(Arena *scratch, const FlowEnv *env, Node *func, Cfg *g, unsigned falsy,
                FlowLock *lock, FlowPark *park, const Ctx *pre, const Path *pre_start,
                int *cand)
{
    FlowFacts *facts = env->known;
    Ctx c;
    if (pre) {
        c = *pre;
        c.g = g;
    } else {
        ctx_init(&c, scratch, env, func, g, falsy, lock, park);
    }
    c.in = arena_alloc(scratch, (size_t)g->nsteps * sizeof *c.in);
    c.work = arena_alloc(scratch, (size_t)g->nsteps * sizeof *c.work);
    c.queued = arena_alloc(scratch, (size_t)g->nsteps);
    c.yields = arena_alloc(scratch, (size_t)g->nsteps);
    c.ranks = arena_alloc(scratch, (size_t)g->nsteps);
    c.raiser = arena_alloc(scratch, (size_t)g->nsteps * sizeof *c.raiser);
    Path start;
    if (pre) {
        start = *pre_start; /* neither step before reads or sets patched */
    } else {
        memset(&start, 0, sizeof start);
        memset(start.var, 0xff, sizeof start.var); /* VAR_UNKNOWN */
    }
    start.patched = fm_decorator_patches(&c, func);
    if (pre) {
        /* parameters and captures done, and not quiet: quiet_before_graph */
    } else if (env->summary) {
        fp_summary_params(&c, &start, func);
        if (facts && facts->fans_known) {
            env->summary->fans_out = facts->fans_out;
            env->summary->fans_threads = facts->fans_threads;
        } else {
            fj_fan_out(&c, func, env->summary);
            if (facts) {
                facts->fans_out = env->summary->fans_out;
                facts->fans_threads = env->summary->fans_threads;
                facts->fans_known = 1;
            }
        }
    } else {
        fp_borrowed_params(&c, &start, func);
        captured_by_generator(&c, &start, func);
        if (!c.lock && !c.park && nothing_to_follow(&c, func, facts && facts->known ? facts : NULL))
            return 0;
    }
    add_path(&c, g->entry, &start);
    while (c.nwork > 0) {
        int s = c.work[--c.nwork];
        c.queued[s] = 0;
        PathSet *ps = &c.in[s];
        while (ps->done < ps->n) {
            Path p = ps->p[ps->done++];
            if (!fork_at_copy(&c, s, &p))
                transfer(&c, s, &p);
        }
    }
    if (env->summary) {
        int params = c.self_site >= 0; /* self's site is a parameter's too */
        for (int i = 0; i < c.nparams; i++)
            params += c.param_site[i] >= 0;
        env->summary->acquires = c.nsites > params || c.check_differs;
        for (int i = 0; i < c.nparams; i++)
            if (!(c.kept_param >> i & 1) && c.in[g->exit].n > 0) {
                if (c.with_param >> i & 1)
                    env->summary->with_releases |= 1u << i;
                else
                    env->summary->releases |= 1u << i;
            }
        if (c.in[g->exit].n > 0)
            env->summary->ends_txn =
                c.ends_param & ~env->summary->checks_out & ((1u << c.nparams) - 1);
        if (env->summary->yields_kind == RES_NONE && !c.no_yield && contains_yield(func)) {
            /* `-> AsyncIterator[AsyncSession]` over a factory we cannot see
               (request.app.state.sessionmaker()): the annotation says what it
               lends, and a with block or close() after the yield releases it */
            Val y = value_yield(env->values, scratch, func);
            if (y.tag == VAL_RESOURCE && y.kind != RES_ANY) {
                env->summary->yields_kind = y.kind;
                env->summary->releases_after = fp_provider_release(func) != NULL;
            }
        }
        if (c.falsy || !cand)
            return 0;
        memcpy(cand, c.cand, (size_t)c.ncand * sizeof *cand);
        return c.ncand;
    }
    if (c.lock || c.park)
        return 0; /* flow_lock_held, flow_parked: the answer is in the question */
    if (c.nreports > 1)
        qsort(c.reports, (size_t)c.nreports, sizeof *c.reports, cmp_report);
    for (int i = 0; i < c.nreports; i++) {
        Report *rp = &c.reports[i];
        if ((rp->r.problem == FLOW_LEAK || rp->r.problem == FLOW_USE_AFTER) && rp->exceptional &&
            has_normal(&c, rp->r.problem, rp->site))
            continue; /* a path that just returns without releasing says it best */
        if (rp->r.problem == FLOW_LEAK && rp->exceptional && c.site[rp->site].captured &&
            has_report(&c, FLOW_LEAK_AT_YIELD, rp->site))
            continue; /* one try/finally fixes both: the unguarded yield says it */
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
            c.site[rp->site].name && strchr(c.site[rp->site].name, '.') &&
            !c.site[rp->site].enter_attr)
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
    return 0;
}

void flow_function(Arena *scratch, const FlowEnv *env, Node *func)
{
    run(scratch, env, func, NULL, NULL);
}

void flow_lock_held(Arena *scratch, const FlowEnv *env, Node *func, FlowLock *q)
{
    FlowEnv e = *env;
    e.summary = NULL; /* check mode, */
    e.known = NULL;   /* ... its facts worked out again */
    q->reached = 0;
    memset(q->held, 0, (size_t)q->nends);
    run(scratch, &e, func, q, NULL);
}

void flow_parked(Arena *scratch, const FlowEnv *env, Node *func, FlowPark *q)
{
    FlowEnv e = *env;
    e.summary = NULL;
    e.known = NULL;
    q->opened = NULL;
    run(scratch, &e, func, NULL, q);
}

/* A context for a question outside any run: no path, no sites. */
static void bare_ctx(Ctx *c, Arena *scratch, const FlowEnv *env, const Scope *s)
{
    memset(c, 0, sizeof *c);
    c->a = scratch;
    c->env = env;
    c->scope = s;
    c->keep_resources = 1;
}

Val flow_value(Arena *scratch, const FlowEnv *env, const Scope *s, const Node *e)
{
    Ctx c;
    bare_ctx(&c, scratch, env, s);
    return fl_value_at(&c, env->scopes, s, e);
}

int flow_keeps(Arena *scratch, const FlowEnv *env, const Scope *s, const Node *e, const char *name)
{
    Ctx c;
    bare_ctx(&c, scratch, env, s);
    return fc_object_keeps(&c, e, name, 0);
}
