/*
 * flow_calls.c - what a call does on a path of the typestate dataflow
 * (flow_impl.h).  A method of a resource acquires, uses or releases it, as
 * the model's table says; a call of a project function does to its
 * arguments what the callee's summary says, each argument mapped to its
 * parameter by position or keyword; an object made with a session keeps
 * it (a holder), so work handed the object outlives the same owner, and
 * its own methods may release it; `db = next(gen)` by hand acquires what
 * the generator yields.  What starts or waits for work is flow_jobs.c's.
 */
#include "flow_impl.h"

#include <string.h>

#include "model.h"
#include "value.h"

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

/* An object that keeps our session (a holder, r.kept), handed to a call:
 * what the call does with it may use the session, or it stores it. */
static void kept_handed(Ctx *c, Path *p, Res r, int stores)
{
    if (r.kept && stores)
        fl_gone(p, r.kept - 1);
    else if (r.kept)
        fl_lent(c, p, r.kept - 1);
}

/* Is state st one of a resource of ours that an object can keep (open,
 * idle, or closed and maybe used again)? */
static int keepable(int st)
{
    return st == RS_OPEN || st == RS_IDLE || st == RS_RELEASED || st == RS_REOPENED;
}

/* Arguments of a call: evaluated, and resources stored by it handed off;
 * those the object it makes keeps (bit j of keep: argument j, keywords
 * after the positional ones) stay as they are, the object's holder
 * (holder_site) follows them. */
static void call_args(Ctx *c, Path *p, const Node *call, int stores, uint32_t keep)
{
    const NodeList *args = &call->v.Call.args;
    for (int i = 0; i < args->n; i++) {
        const Node *a = args->items[i];
        if (a->kind == NODE_Attribute && stores) /* stack.callback(s.close) */
            a = a->v.Attribute.value;
        Res r = fl_eval(c, p, a);
        if (i < 32 && (keep >> i & 1) && r.site >= 0 && keepable(p->res[r.site]))
            continue;
        fl_lent(c, p, r.site);
        if (r.site >= 0 && (stores || (c->acquired >> r.site & 1)))
            fl_gone(p, r.site); /* stored, or made just to be handed over */
        kept_handed(c, p, r, stores); /* the session an object handed on keeps */
        for (int v = 0; a->kind == NODE_Name && v < c->nvars; v++)
            if (p->var[v] >= 0 && fl_inside(c->vars[v], a->v.Name.id) &&
                p->res[p->var[v]] == RS_IDLE)
                p->res[p->var[v]] = RS_OPEN; /* call_next(request) runs what uses request.state.db */
    }
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        Res r = fl_eval(c, p, call->v.Call.keywords.items[i]->v.keyword.value);
        int j = args->n + i;
        if (j < 32 && (keep >> j & 1) && r.site >= 0 && keepable(p->res[r.site]))
            continue;
        fl_lent(c, p, r.site);
        kept_handed(c, p, r, stores);
        if (r.site >= 0 && (stores || (c->acquired >> r.site & 1)))
            fl_gone(p, r.site);
    }
}

static void gen_done(Ctx *c, Path *p, const char *gen, const Node *at);

/* Is e `<x>.execution_options(..., stream_results=True, ...)`? */
static int streams(const Node *e)
{
    if (e->kind != NODE_Call || e->v.Call.func->kind != NODE_Attribute ||
        strcmp(e->v.Call.func->v.Attribute.attr, "execution_options"))
        return 0;
    return ast_is_true(ast_keyword(e, "stream_results"));
}

/*
 * `repo.m()` of a holder h of a borrowed session (`repo = OrderRepo(db)`
 * of a class whose __init__ keeps db in self.<attr>): what the method last
 * calls on self.<attr> is what the provider's commit after the yield
 * would find (a commit: nothing is lost), and a method that closes
 * self.<attr> releases the borrowed session itself, as `db.close()` would
 * (SL105).  A method that hands self to work still running when it
 * returns (FlowSummary.defers bit 0: a task of `self._notify()`, of
 * `rec(self.db)`) hands that work the session, when it or the methods it
 * calls on self read self.<attr> (limits: the read may be the method's
 * own, not the work's; a bound method handed on, `add_task(self._flush)`,
 * is not followed for its reads).  Limits: only an object whose class
 * stores the parameter directly (`self.db = db`); one a helper returns, or
 * one kept inside another object, is not followed to its close.
 */
static void holder_releases(Ctx *c, Path *p, const Node *call, int h, const char *m)
{
    const Site *s = &c->site[h];
    int r = s->origin;
    if (!s->obj_cls || !s->obj_attr || p->res[r] != RS_BORROWED)
        return;
    const char *last = fj_method_last(c, call, s->obj_attr);
    if (last && !strcmp(last, "commit"))
        p->committed |= 1u << r;
    else if (last)
        p->committed &= ~(1u << r);
    const Node *def = value_method(c->env->values, c->a, s->obj_cls, m);
    const FlowSummary *sum = def && c->env->summary_of
                                 ? c->env->summary_of(c->env->summary_arg, def) : NULL;
    int stores;
    if (sum && (sum->defers & 1) && fj_method_reads(c, def, s->obj_attr, &stores)) {
        p->ev[r] = fl_ev_push(c, p->ev[h], call,
                              fmt(c, "kept by the object, whose method `%s` leaves work "
                                     "running with it", m));
        fj_job_left(c, p, sum->defer_kind, 1u << r, call);
    }
    if (!fc_named_method_releases(c, s->obj_cls, m, s->obj_attr, &c->site[r].val))
        return;
    p->ev[r] = p->ev[h]; /* the session's witness, then where the object kept it */
    fl_release(c, p, r, call, 0);
}

/*
 * The end of session r's transaction at call, by its method m (NULL: a
 * holder's method): it gives its connection back; but a commit of objects
 * add()ed since the last flush or query flushes them first, and a session
 * holding no connection then takes one from its pool for that (SL206: a
 * second session whose only work is add() and commit() still needs a
 * second connection).  What a holder's method adds is not followed.
 */
static void flushed_by_commit(Ctx *c, Path *p, int r, const Node *call, const char *m)
{
    if ((p->pending >> r & 1) && m && !strcmp(m, "commit"))
        fo_checkout(c, p, r, call);
    fo_checkin(p, r);
}

/* Summary mode: the positional parameters of the function that e names,
 * never rebound in it (`obj`, or each name of a list or tuple), as bits. */
static unsigned param_names(Ctx *c, const Node *e)
{
    unsigned m = 0;
    if (e->kind == NODE_List || e->kind == NODE_Tuple)
        for (int i = 0; i < e->v.List.elts.n; i++)
            m |= param_names(c, e->v.List.elts.items[i]);
    if (e->kind == NODE_Starred)
        return param_names(c, e->v.Starred.value);
    const Scope *where;
    const Binding *b = e->kind == NODE_Name
                           ? scope_lookup(c->env->scopes, c->scope, e->v.Name.id, &where) : NULL;
    if (!b || b->nbind != 1 || where != c->scope)
        return m;
    if (b->kind != BIND_PARAM) { /* `for obj in objs:`, objs a parameter: its items */
        const Node *d = b->def;
        return d && (d->kind == NODE_For || d->kind == NODE_AsyncFor) &&
                       d->v.For.target->kind == NODE_Name && d->v.For.iter->kind == NODE_Name &&
                       strcmp(d->v.For.iter->v.Name.id, e->v.Name.id)
                   ? m | param_names(c, d->v.For.iter)
                   : m;
    }
    for (int k = 0; k < c->nparams; k++)
        if (!strcmp(ast_param(c->g->func, k)->v.arg.arg, e->v.Name.id))
            m |= 1u << k;
    /* *args, numbered after the keyword-only parameters (ast_arg_param) */
    const Node *f = c->g->func;
    if (f->kind != NODE_FunctionDef && f->kind != NODE_AsyncFunctionDef)
        return m;
    const struct AST_arguments *a = &f->v.FunctionDef.args->v.arguments;
    int nall = a->posonlyargs.n + a->args.n + a->kwonlyargs.n;
    if (a->vararg && !strcmp(a->vararg->v.arg.arg, e->v.Name.id) && nall < 32)
        m |= 1u << nall;
    return m;
}

/* commit_after's walk */
typedef struct CommitAfter {
    const char *sess; /* the session's name (NULL: any name's commit()) */
    int line, col;    /* after this position */
    int found, depth;
} CommitAfter;

static void commit_after_kid(Node *parent, Node *n, void *arg)
{
    CommitAfter *w = arg;
    (void)parent;
    if (w->found || w->depth > EVAL_MAX_DEPTH || ast_is_def(n))
        return;
    const Node *f = n->kind == NODE_Call ? n->v.Call.func : NULL;
    if (f && f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "commit") &&
        f->v.Attribute.value->kind == NODE_Name &&
        (!w->sess || !strcmp(f->v.Attribute.value->v.Name.id, w->sess)) &&
        (n->lineno > w->line || (n->lineno == w->line && n->col_offset > w->col)))
        w->found = 1;
    w->depth++;
    ast_children(n, commit_after_kid, w);
    w->depth--;
}

/* Does the function commit session sess (NULL: any) after node at, in
 * source order? */
static int commit_after(Ctx *c, const char *sess, const Node *at)
{
    CommitAfter w = {sess, at->lineno, at->col_offset, 0, 0};
    ast_children((Node *)c->g->func, commit_after_kid, &w);
    return w.found;
}

/* Summary mode: `s.refresh(obj)` at call, of the session s a parameter
 * holds: the parameters it loads again (bits), unless the function commits
 * s after it in source order (`s.commit()` itself; a helper it hands s to
 * is not asked: a limit), which would expire them again. */
static unsigned refreshed_params(Ctx *c, const Node *call)
{
    const Node *recv = call->v.Call.func->v.Attribute.value;
    if (!call->v.Call.args.n || recv->kind != NODE_Name)
        return 0;
    unsigned m = param_names(c, call->v.Call.args.items[0]);
    return m && !commit_after(c, recv->v.Name.id, call) ? m : 0;
}

/*
 * Check mode: `conn.execute(...)` (exec_driver_sql, scalars) of the sync
 * SQLAlchemy connection or session held by site conn gives a Result that
 * reads its rows from the connection's DB-API cursor as it is iterated.  It
 * needs no release, but it dies with the connection (fl_release): psycopg2
 * refuses a fetch once its connection is closed, which the pool does to an
 * overflow connection given back and NullPool to every one, and a pool that
 * keeps it may already have lent it to another thread.  Async results are
 * buffered (the drivers' adapters fetch every row at execute): sync only, and
 * not awaited (a session lent by a provider may not say it is async).
 * One site per connection, each result taking the place of the last (they
 * all die with it), and only while sites are left for acquisitions.
 */
static Res result_of(Ctx *c, Path *p, const Node *call, int conn, const char *m)
{
    Res out = {-1, unknown(), 0, NULL, 0, NULL, NULL};
    const Val *cv = &c->site[conn].val;
    if (c->env->summary || cv->is_async || c->awaited == call || (cv->kind != RES_CONNECTION && cv->kind != RES_SESSION) ||
        (strcmp(m, "execute") && strcmp(m, "exec_driver_sql") && strcmp(m, "scalars")))
        return out;
    int r = -1;
    for (int i = 0; i < c->nsites && r < 0; i++)
        if (c->site[i].parent == conn && c->site[i].val.kind == RES_RESULT)
            r = i;
    Val v = {.tag = VAL_RESOURCE, .kind = RES_RESULT};
    if (r < 0 && c->nsites < FLOW_MAX_RES - 4)
        r = fl_site_for(c, call, v, conn);
    if (r < 0)
        return out;
    p->res[r] = RS_BORROWED;
    p->ev[r] = fl_ev_push(c, NULL, call, "the result of this query reads its rows from the "
                                         "connection's cursor");
    out.site = r;
    out.val = v;
    return out;
}

/* recv.m(...) where recv evaluated to rv */
static Res method_call(Ctx *c, Path *p, const Node *call, Res rv, const char *m)
{
    Res out = {-1, unknown(), 0, NULL, 0, NULL, NULL};
    Val made = {0};
    int with_only = 0, query;
    if (rv.site < 0) /* db.session.query(...) */
        rv.site = fo_thread_session(c, p, call->v.Call.func->v.Attribute.value, rv.val, &query);
    Val recv = rv.site >= 0 ? c->site[rv.site].val : rv.val;
    MethodEffect eff = model_user_method(c->env->model, &recv, m, &made, &with_only);
    if (rv.site >= 0 && c->site[rv.site].holder)
        eff = EFF_USE; /* repo.save(): the object's method uses the session it keeps */
    const Node *recv_e = call->v.Call.func->v.Attribute.value;
    if (rv.site >= 0 && c->site[rv.site].obj_cls && !c->site[rv.site].holder &&
        !(recv_e->kind == NODE_Attribute &&
          !strcmp(recv_e->v.Attribute.attr, c->site[rv.site].obj_attr))) {
        /* svc.close(): what the class's own method does to self.<attr>
           (svc.db.close() is the resource's own) */
        eff = fc_named_method_releases(c, c->site[rv.site].obj_cls, m, c->site[rv.site].obj_attr,
                                       &c->site[rv.site].val)
                  ? EFF_RELEASE : EFF_USE;
        if (p->res[rv.site] == RS_RELEASED)
            eff = EFF_SAFE; /* after its release the object answers for itself (a guarded
                               release(), a method that raises on purpose): leaks only */
        made = (Val){0};
        with_only = 0;
    }
    if (eff == EFF_USE && !strcmp(m, "execute") && recv.tag == VAL_RESOURCE &&
        recv.kind == RES_CONNECTION && streams(call->v.Call.func->v.Attribute.value)) {
        /* conn.execution_options(stream_results=True).execute(...): a server-side
           cursor, read as it is iterated, tied to the connection */
        eff = EFF_ACQUIRE;
        made = recv;
        made.kind = RES_CURSOR;
        made.node = NULL;
    }
    if (c->env->summary && !strcmp(m, "cursor"))
        c->check_differs = 1; /* a parameter's cursor is a site in check mode only */
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
        gen_done(c, p, fl_var_key(c, call->v.Call.func->v.Attribute.value), call);
        return out;
    }
    const Node *given = eff == EFF_RELEASE_ARG ? model_released_arg(call) : NULL;
    if (given) {
        Res a = fl_eval(c, p, given);
        call_args(c, p, call, 0, 0);
        if (a.site >= 0)
            fl_release(c, p, a.site, call, 0);
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
            Res a = fl_eval(c, p, arg);
            if (a.site >= 0 && (callback || fl_with_releases(c, p, arg, a))) {
                p->held[a.site] = 1;
                c->site[a.site].with = rv.with_item;
            }
            return callback ? out : a; /* enter_context returns what it entered */
        }
    }
    int stores = rv.site < 0 && recv.tag != VAL_RESOURCE && is_storing_method(m);
    const Node *recv_node = call->v.Call.func->v.Attribute.value;
    if (c->websocket && rv.site < 0 && p->checked_out)
        fj_waits_for_client(c, p, call, recv_node, m);
    int starts = (rv.site < 0 || recv.kind == RES_ANY) && fj_is_job_method(m);
    c->job_args += starts;
    call_args(c, p, call, stores, 0);
    c->job_args -= starts;
    fj_job_method(c, p, call, &rv, recv_node, m);
    if (stores && recv_node->kind == NODE_Name && call->v.Call.args.n > 0)
        fj_keep_handles(c, p, call, fl_var_index(c, recv_node->v.Name.id, 1));
    if (eff == EFF_RELEASE && rv.site >= 0 && c->site[rv.site].val.is_async &&
        c->step->kind == STEP_EXPR && c->step->node == call) {
        /* `conn.close()` of an async connection, not awaited: a coroutine that
         * never runs, so nothing is closed */
        eff = EFF_NONE;
        p->ev[rv.site] = fl_ev_push(c, p->ev[rv.site], call,
                                    "not awaited here, so this release never runs");
    }
    if (rv.site >= 0) {
        c->use_commits = strcmp(m, "rollback") != 0; /* a provider rolling back changes nothing */
        if (eff == EFF_RELEASE) {
            fl_release(c, p, rv.site, call, 0);
            if (c->site[rv.site].thread_session)
                p->res[rv.site] = RS_BORROWED; /* the registry's next use makes another */
        } else if (eff == EFF_USE || eff == EFF_ACQUIRE || eff == EFF_NONE)
            fl_use(c, p, rv.site, call);
        c->use_commits = 0;
        if (p->res[rv.site] == RS_REOPENED && (!strcmp(m, "commit") || !strcmp(m, "rollback"))) {
            /* a closed session used again, then committed: the commit gives
             * back the connection the use checked out (observed: tests/proof) */
            p->res[rv.site] = RS_RELEASED;
            p->ev[rv.site] = fl_ev_push(c, p->ev[rv.site], call,
                                        "the connection goes back to the pool here");
        }
        /* a holder's method does it to the session the object keeps: one transaction */
        int held = c->site[rv.site].holder && c->site[rv.site].origin >= 0 ? c->site[rv.site].origin
                                                                           : rv.site;
        int ev = fj_txn(c, p, held, call, c->site[rv.site].holder ? fj_method_txn(c, call, m) : m);
        if (ev > 0 && eff != EFF_RELEASE && eff != EFF_SAFE)
            fo_checkout(c, p, held, call);
        else if (ev < 0 && c->site[held].val.kind == RES_SESSION)
            flushed_by_commit(c, p, held, call, held == rv.site ? m : NULL);
        if (ev)
            p->pending &= ~(1u << held); /* sent (a flush, a query's autoflush) or discarded */
        else if (held == rv.site && c->site[held].val.kind == RES_SESSION &&
                 (!strcmp(m, "add") || !strcmp(m, "add_all")))
            p->pending |= 1u << held;
        if (eff != EFF_SAFE && eff != EFF_RELEASE) { /* what a provider's commit would find */
            if (!strcmp(m, "commit"))
                p->committed |= 1u << rv.site;
            else
                p->committed &= ~(1u << rv.site);
        }
        if (held != rv.site)
            holder_releases(c, p, call, rv.site, m);
        for (int i = 0; c->env->summary && i < c->nparams; i++)
            if (c->param_site[i] == rv.site) { /* its objects expire (detached.c) */
                c->env->summary->commits |= (unsigned)!strcmp(m, "commit") << i;
                c->env->summary->rolls_back |= (unsigned)!strcmp(m, "rollback") << i;
                if ((!strcmp(m, "add") || !strcmp(m, "add_all")) && call->v.Call.args.n)
                    c->env->summary->adds[i] |= param_names(c, call->v.Call.args.items[0]);
                if (!strcmp(m, "refresh"))
                    c->env->summary->refreshes |= refreshed_params(c, call);
            }
    }
    if (eff == EFF_ACQUIRE && model_keyed_for_life(&recv, m, call, c->env->scopes, c->scope)) {
        out.val = made; /* the key's one connection, out for the process's life: not ours */
        return out;
    }
    if (eff == EFF_ACQUIRE && (!with_only || (c->step->kind == STEP_WITH_ENTER))) {
        out.site = fl_acquire(c, p, call, made, rv.site);
        out.val = made;
    }
    if (eff == EFF_SELF)
        out = rv;
    if (eff == EFF_USE && rv.site >= 0 && out.site < 0 && recv.tag == VAL_RESOURCE)
        out = result_of(c, p, call, rv.site, m);
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
        q = fl_qualname(c, t, s, f); /* a module's function: db.get_session */
    }
    FlowDef d;
    if (q && c->env->resolve && c->env->resolve(c->env->resolve_arg, q, &d))
        return d.summary;
    return NULL;
}

const FlowSummary *fc_callee_summary(Ctx *c, const Node *f)
{
    return summary_in(c, c->env->scopes, c->scope, f);
}

/*
 * The class that the name `name` means in scope s of table t, here or
 * imported from another module of the project: its ClassDef, with the
 * table and the file (NULL: this module's) that hold it; NULL if none.
 */
const Node *fc_class_named(Ctx *c, const ScopeTable *t, const Scope *s, const char *name,
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
const Node *fc_init_of(const Node *cls)
{
    const NodeList *body = &cls->v.ClassDef.body;
    for (int i = 0; i < body->n; i++)
        if (body->items[i]->kind == NODE_FunctionDef &&
            !strcmp(body->items[i]->v.FunctionDef.name, "__init__"))
            return body->items[i];
    return NULL;
}

/* Is cls, a class with no __init__ of its own, a record class, whose
 * generated __init__ stores each argument in the field of its name:
 * @dataclass (dataclasses', pydantic's), attrs' @define / @frozen, a
 * typing.NamedTuple? */
static int record_class(const Node *cls)
{
    if (ast_decorated(cls, "dataclass") || ast_decorated(cls, "define") ||
        ast_decorated(cls, "frozen"))
        return 1;
    for (int i = 0; i < cls->v.ClassDef.bases.n; i++) {
        const Node *b = cls->v.ClassDef.bases.items[i];
        const char *id = b->kind == NODE_Name        ? b->v.Name.id
                         : b->kind == NODE_Attribute ? b->v.Attribute.attr : NULL;
        if (id && !strcmp(id, "NamedTuple"))
            return 1;
    }
    return 0;
}

/* The field of record class cls that positional argument i fills (i >= 0),
 * or the field called name (i < 0): its annotated class-level names, in
 * order, but ClassVars and `field(init=False)`; NULL if none.  The fields
 * of its bases come first in the generated __init__ and are not counted
 * (a limit: a positional argument past them is not matched). */
static const char *record_field(const Node *cls, int i, const char *name)
{
    const NodeList *body = &cls->v.ClassDef.body;
    for (int k = 0; k < body->n; k++) {
        const Node *st = body->items[k];
        if (st->kind != NODE_AnnAssign || st->v.AnnAssign.target->kind != NODE_Name)
            continue;
        const Node *ann = st->v.AnnAssign.annotation, *v = st->v.AnnAssign.value;
        const Node *init = v && v->kind == NODE_Call ? ast_keyword(v, "init") : NULL;
        if (ann->kind == NODE_Subscript)
            ann = ann->v.Subscript.value;
        if ((ann->kind == NODE_Name && !strcmp(ann->v.Name.id, "ClassVar")) ||
            (ann->kind == NODE_Attribute && !strcmp(ann->v.Attribute.attr, "ClassVar")) ||
            (init && init->kind == NODE_Constant && init->v.Constant.value.kind == CONST_FALSE))
            continue;
        const char *field = st->v.AnnAssign.target->v.Name.id;
        if (i < 0 ? !strcmp(field, name) : i-- == 0)
            return field;
    }
    return NULL;
}

#define KEEPS_MAX_DEPTH 3 /* objects inside objects followed (service -> repository) */

/* The class method def is defined in, or NULL. */
static const Node *owner_class(Ctx *c, const Node *def)
{
    const ScopeTable *t = value_table_of(c->env->values, def);
    const Scope *s = t ? scope_of(t, def) : NULL;
    return s && s->parent && s->parent->kind == SCOPE_CLASS ? s->parent->node : NULL;
}

/* The __init__ that making an instance of cls runs: its own, else the one
 * a base of the project defines (value_method climbs the bases, in any
 * module; value_table_of says where); NULL for none, a record class's
 * generated one, or a library base's. */
static const Node *ctor_of(Ctx *c, const Node *cls)
{
    const Node *init = fc_init_of(cls);
    return init || record_class(cls) ? init : value_method(c->env->values, c->a, cls, "__init__");
}

const Node *fc_base(Ctx *c, const Node *cls, int i)
{
    return value_base(c->env->values, cls, i); /* as the value model kept them */
}

/* The __init__ that `super().__init__(...)` (or `Base.__init__(self,
 * ...)`), statement k of init, a method of cls, runs: the first base of
 * the project with one; else NULL (cls NULL: not asked). */
static const Node *super_init(Ctx *c, const Node *cls, const Node *init, int k)
{
    const Node *st = init->v.FunctionDef.body.items[k], *f, *o;
    if (!cls || st->kind != NODE_Expr || st->v.Expr.value->kind != NODE_Call ||
        (f = st->v.Expr.value->v.Call.func)->kind != NODE_Attribute ||
        strcmp(f->v.Attribute.attr, "__init__"))
        return NULL;
    o = f->v.Attribute.value;
    if (!(o->kind == NODE_Call && o->v.Call.func->kind == NODE_Name &&
          !strcmp(o->v.Call.func->v.Name.id, "super")) && o->kind != NODE_Name)
        return NULL;
    for (int i = 0; i < cls->v.ClassDef.bases.n; i++) {
        const Node *b = cls->v.ClassDef.bases.items[i], *bc;
        if (o->kind == NODE_Name && (b->kind != NODE_Name || strcmp(b->v.Name.id, o->v.Name.id)))
            continue; /* Base.__init__(self): that base */
        const Node *m = (bc = fc_base(c, cls, i)) ? value_method(c->env->values, c->a, bc, "__init__")
                                                  : NULL;
        if (m)
            return m;
    }
    return NULL;
}

int fc_ctor_runs(Ctx *c, const Node *cls, const Node *init)
{
    const Node *own = ctor_of(c, cls);
    for (int depth = 0; own && depth < KEEPS_MAX_DEPTH; depth++) {
        if (own == init)
            return 1;
        const Node *oc = owner_class(c, own), *next = NULL;
        for (int k = 0; oc && !next && k < own->v.FunctionDef.body.n; k++)
            next = super_init(c, oc, own, k);
        own = next;
    }
    return 0;
}


/* The parameter of sup, the base's __init__ that statement k of init calls
 * (super_init), that init's own parameter `name` fills there, or NULL. */
static const char *super_param(Ctx *c, const Node *init, int k, const Node *sup, const char *name)
{
    const Node *call = init->v.FunctionDef.body.items[k]->v.Expr.value, *a;
    int named = call->v.Call.func->v.Attribute.value->kind == NODE_Name; /* Base.__init__(self, ..) */
    const NodeList *ps = &sup->v.FunctionDef.args->v.arguments.args;
    (void)c;
    for (int j = 0; (a = ast_call_arg(call, j)); j++) {
        if (a->kind != NODE_Name || strcmp(a->v.Name.id, name))
            continue;
        if (j >= call->v.Call.args.n)
            return call->v.Call.keywords.items[j - call->v.Call.args.n]->v.keyword.arg;
        int i = j + !named; /* after self */
        return i < ps->n ? ps->items[i]->v.arg.arg : NULL;
    }
    return NULL;
}

/* The name of the parameter of __init__ (its own or inherited) that
 * argument i (or keyword kw) fills, or NULL. */
const char *fc_init_param(Ctx *c, const Node *def, int i, const char *kw)
{
    const Node *init = ctor_of(c, def);
    if (!init)
        return record_class(def) ? record_field(def, kw ? -1 : i, kw) : NULL;
    if (kw)
        return kw;
    const NodeList *ps = &init->v.FunctionDef.args->v.arguments.args;
    return i + 1 < ps->n ? ps->items[i + 1]->v.arg.arg : NULL; /* after self */
}

/* Does the method init (an __init__ of a class; t: the table of the class
 * that names it, or of init itself) keep its parameter `name` on self:
 * `self.db = db`, inside another object it keeps, `self.orders =
 * OrderRepository(db)` whose class keeps it in turn, or through the base's
 * __init__ it hands it to (`super().__init__(db)`)? */
static int method_keeps(Ctx *c, const ScopeTable *t, const Node *cls, const Node *init,
                        const char *name, int depth)
{
    if (init && !scope_of(t, init))
        t = value_table_of(c->env->values, init); /* inherited from another module */
    const Scope *is = init && t ? scope_of(t, init) : NULL;
    for (int k = 0; is && k < init->v.FunctionDef.body.n; k++) {
        const Node *target, *value, *sup = depth < KEEPS_MAX_DEPTH ? super_init(c, cls, init, k)
                                                                    : NULL;
        const char *bp = sup ? super_param(c, init, k, sup, name) : NULL;
        if (bp && method_keeps(c, value_table_of(c->env->values, sup), owner_class(c, sup), sup, bp,
                               depth + 1))
            return 1;
        if (!ast_single_assign(init->v.FunctionDef.body.items[k], &target, &value) ||
            target->kind != NODE_Attribute || target->v.Attribute.value->kind != NODE_Name ||
            strcmp(target->v.Attribute.value->v.Name.id, "self"))
            continue;
        if (value->kind == NODE_Name && !strcmp(value->v.Name.id, name))
            return 1;
        if (value->kind != NODE_Call || value->v.Call.func->kind != NODE_Name ||
            depth >= KEEPS_MAX_DEPTH)
            continue;
        const ScopeTable *inner;
        const Node *kc = fc_class_named(c, t, is, value->v.Call.func->v.Name.id, &inner, NULL);
        int n = value->v.Call.args.n + value->v.Call.keywords.n;
        for (int i = 0; kc && i < n; i++) {
            const Node *kwn = i >= value->v.Call.args.n
                                  ? value->v.Call.keywords.items[i - value->v.Call.args.n] : NULL;
            const Node *a = kwn ? kwn->v.keyword.value : value->v.Call.args.items[i];
            const char *param = fc_init_param(c, kc, i, kwn ? kwn->v.keyword.arg : NULL);
            if (a->kind == NODE_Name && !strcmp(a->v.Name.id, name) && param &&
                fc_init_keeps(c, inner, kc, param, depth + 1))
                return 1;
        }
    }
    return 0;
}

int fc_init_keeps(Ctx *c, const ScopeTable *t, const Node *def, const char *name, int depth)
{
    const Node *init = ctor_of(c, def);
    if (!init && record_class(def)) /* its generated __init__ stores every field */
        return record_field(def, -1, name) != NULL;
    return method_keeps(c, t, def, init, name, depth);
}

/* The attribute the __init__ of cls (its own or inherited) keeps its
 * parameter `name` in, directly (`self.session = session`; a record
 * class's field of that name; the base's, for `super().__init__(session)`),
 * or NULL. */
static const char *keeps_attr(Ctx *c, const Node *cls, const char *name, int depth)
{
    const Node *init = ctor_of(c, cls), *target, *value, *sup;
    if (!init && record_class(cls))
        return record_field(cls, -1, name);
    for (int k = 0; init && k < init->v.FunctionDef.body.n; k++) {
        const char *bp = depth < KEEPS_MAX_DEPTH && (sup = super_init(c, cls, init, k))
                             ? super_param(c, init, k, sup, name) : NULL;
        const char *a = bp ? keeps_attr(c, owner_class(c, sup), bp, depth + 1) : NULL;
        if (a)
            return a;
        if (ast_single_assign(init->v.FunctionDef.body.items[k], &target, &value) &&
            target->kind == NODE_Attribute && target->v.Attribute.value->kind == NODE_Name &&
            !strcmp(target->v.Attribute.value->v.Name.id, "self") && value->kind == NODE_Name &&
            !strcmp(value->v.Name.id, name))
            return target->v.Attribute.attr;
    }
    return NULL;
}

const char *fc_inner_kept(Ctx *c, const Node *obj, const char *attr, const char *kept)
{
    Val ov = fl_value_at(c, c->env->scopes, c->scope, obj);
    const Node *cls = ov.tag == VAL_OBJECT && ov.node && ov.node->kind == NODE_ClassDef ? ov.node
                                                                                      : NULL;
    for (int i = 0; cls && i < cls->v.ClassDef.body.n; i++) {
        const Node *m = cls->v.ClassDef.body.items[i];
        if (m->kind != NODE_FunctionDef && m->kind != NODE_AsyncFunctionDef)
            continue;
        for (int k = 0; k < m->v.FunctionDef.body.n; k++) {
            const Node *target, *value, *a;
            if (!ast_single_assign(m->v.FunctionDef.body.items[k], &target, &value) ||
                !fl_is_self_attr(target, attr) || value->kind != NODE_Call ||
                value->v.Call.func->kind != NODE_Name)
                continue;
            const ScopeTable *ct;
            const ScopeTable *mt = value_table_of(c->env->values, m);
            const Scope *ms = mt ? scope_of(mt, m) : NULL;
            const Node *kc = ms ? fc_class_named(c, mt, ms, value->v.Call.func->v.Name.id, &ct, NULL)
                                : NULL;
            for (int j = 0; kc && (a = ast_call_arg(value, j)); j++) {
                int nargs = value->v.Call.args.n;
                const char *param = fc_init_param(
                    c, kc, j, j < nargs ? NULL : value->v.Call.keywords.items[j - nargs]->v.keyword.arg);
                /* Repo(self.<kept>), or in __init__ Repo(session) of the parameter it
                   keeps in self.<kept> (`self.session = session` beside it) */
                const char *pa = a->kind == NODE_Name && m == ctor_of(c, cls)
                                     ? keeps_attr(c, cls, a->v.Name.id, 0) : NULL;
                if (param && (fl_is_self_attr(a, kept) || (pa && !strcmp(pa, kept))))
                    return keeps_attr(c, kc, param, 0);
            }
        }
    }
    return NULL;
}

/* A holder site made at call, which keeps the borrowed site r: it has r's
 * owner and timing, and r's witness, then `note`. */
static int make_holder(Ctx *c, Path *p, const Node *call, int r, const char *note)
{
    int h = fl_site_for(c, call, c->site[r].val, -1);
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
    dst->origin = src->origin >= 0 ? src->origin : r;
    p->res[h] = RS_BORROWED;
    p->ev[h] = fl_ev_push(c, p->ev[r], call, note);
    return h;
}

/* The site argument a of a call holds: a tracked name's, a class-based
 * view's `self.db` or a property made with it (`self.repos`), or, for an
 * object made in the argument itself (`Scraper(Repos(db))`), the holder
 * site that making it left. */
static int held_by_arg(Ctx *c, Path *p, const Node *a)
{
    int r = fl_held_by(c, p, a);
    if (r >= 0)
        return r;
    if (fl_is_self_attr(a, NULL)) {
        r = fp_view_site(c, p, a->v.Attribute.attr);
        return r >= 0 ? r : fp_property_site(c, p, a->v.Attribute.attr);
    }
    for (int i = 0; a->kind == NODE_Call && i < c->nsites; i++)
        if (c->site[i].node == a && c->site[i].holder)
            return i;
    return r;
}

/* The site of ours argument j of call holds, still as it was (call_args
 * left it for the object's holder): a tracked name's, or one made in the
 * argument itself (`Repo(SessionLocal())`); -1 if none. */
static int kept_arg_site(Ctx *c, const Path *p, const Node *call, int j)
{
    const Node *a = ast_call_arg(call, j);
    int r = a ? fl_held_by(c, p, a) : -1;
    for (int i = 0; r < 0 && a && i < c->nsites; i++)
        if (c->site[i].node == a && (c->acquired >> i & 1))
            r = i;
    return r >= 0 && keepable(p->res[r]) ? r : -1;
}

/*
 * `Service(db)` where db is borrowed and the class keeps it on self: the
 * object holds the lender's session, so work handed the object (or its
 * bound methods) outlives the same owner.  So does `Scraper(Repos(db))`,
 * an object kept by an object kept by the class.  A holder site, or -1.
 */
static int holder_site(Ctx *c, Path *p, const Node *call, Res *out, const FlowSummary *sum,
                       const Node *def, int shift, uint32_t keep, const char *const *attrs)
{
    const Node *f = call->v.Call.func;
    if (c->env->summary)
        return -1;
    if (sum && sum->keeps) /* make_retriever(db): a helper returns an object keeping it */
        for (int j = 0; j < call->v.Call.args.n + call->v.Call.keywords.n; j++) {
            int i = ast_arg_param(def, shift, call, j), r = held_by_arg(c, p, ast_call_arg(call, j));
            int k = j < 32 && (keep >> j & 1) ? kept_arg_site(c, p, call, j) : -1;
            if (k >= 0) {
                out->kept = k + 1; /* our own: Repo.make(db) keeps it as Repo(db) does */
                out->kept_attr = attrs[j];
                continue;
            }
            if (i >= 0 && i < 32 && (sum->keeps >> i & 1) && r >= 0 && p->res[r] == RS_BORROWED &&
                c->site[r].when)
                return make_holder(
                    c, p, call, r,
                    f->kind == NODE_Attribute && f->v.Attribute.value->kind == NODE_Name
                        ? fmt(c, "kept here by what `%s.%s` returns",
                              f->v.Attribute.value->v.Name.id, f->v.Attribute.attr)
                        : fmt(c, "kept here by what `%s` returns",
                              f->kind == NODE_Name        ? f->v.Name.id
                              : f->kind == NODE_Attribute ? f->v.Attribute.attr : "the call"));
        }
    if (f->kind != NODE_Name)
        return -1;
    const ScopeTable *ct;
    const Node *cls = fc_class_named(c, c->env->scopes, c->scope, f->v.Name.id, &ct, NULL);
    if (!cls)
        return -1;
    int n = call->v.Call.args.n + call->v.Call.keywords.n;
    for (int i = 0; i < n; i++) {
        const Node *kwn = i >= call->v.Call.args.n ? call->v.Call.keywords.items[i - call->v.Call.args.n]
                                                   : NULL;
        const Node *a = kwn ? kwn->v.keyword.value : call->v.Call.args.items[i];
        int r = held_by_arg(c, p, a);
        const char *param = fc_init_param(c, cls, i, kwn ? kwn->v.keyword.arg : NULL);
        int k = i < 32 && (keep >> i & 1) ? kept_arg_site(c, p, call, i) : -1;
        if (k >= 0) {
            out->kept = k + 1; /* our own, kept by the object: its methods use it or close it */
            out->kept_attr = attrs[i];
            continue;
        }
        if (r >= 0 && param && (p->res[r] == RS_OPEN || p->res[r] == RS_IDLE) &&
            keeps_attr(c, cls, param, 0)) { /* a with item's: lent to it, its methods may close it */
            out->kept = r + 1;
            out->kept_attr = keeps_attr(c, cls, param, 0);
            continue;
        }
        if (r < 0 || p->res[r] != RS_BORROWED || !c->site[r].when)
            continue;
        if (!param || !fc_init_keeps(c, ct, cls, param, 0))
            continue;
        int h = make_holder(c, p, call, r,
                            fmt(c, "kept here by %s `%s`",
                                strchr("AEIOUaeiou", f->v.Name.id[0]) ? "an" : "a", f->v.Name.id));
        if (h >= 0) { /* its methods that close self.<attr> release r (holder_releases) */
            c->site[h].obj_cls = cls;
            c->site[h].obj_attr = keeps_attr(c, cls, param, 0);
        }
        return h;
    }
    return -1;
}

/* Is parameter i of the helper def filled by its callers from one FastAPI
 * dependency (flow_params.c: lent_by_callers)?  Then the helper's own check
 * borrows it, and reports what it does to it at its own line. */
static int helper_lent(Ctx *c, const Node *def, int i)
{
    if (!def || !c->env->summary_of)
        return 0;
    Val v = value_param(c->env->values, c->a, def, i);
    const FlowSummary *owner = v.tag == VAL_RESOURCE && v.node
                                   ? c->env->summary_of(c->env->summary_arg, v.node) : NULL;
    return owner && owner->yields_kind != RES_NONE;
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
    return helper_lent(c, def, i);
}

/* Summary mode: the parameters of the function passed to call as the
 * callee's parameters in the bits objs (those it adds to a session, or
 * refreshes). */
static unsigned caller_params(Ctx *c, const Node *call, const Node *def, int shift,
                              unsigned objs)
{
    unsigned m = 0;
    for (int j = 0; ast_call_arg(call, j); j++) {
        int i = ast_arg_param(def, shift, call, j);
        if (i >= 0 && i < 32 && (objs >> i & 1))
            m |= param_names(c, ast_call_arg(call, j));
    }
    return m;
}

/*
 * Does call pass a falsy value to parameter want of def: False or None
 * written there, a flag p knows false, or the parameter's constant default
 * when call leaves it out?  Unknown is not falsy: the callee's summary for
 * a truthy argument stands, as it did before conditions.  Limits: a default
 * is read only when def is known and call has no *args or **kwargs; a value
 * the path knows only through another name, or an attribute (`self.ok`), is
 * unknown.
 */
static int passes_falsy(Ctx *c, const Path *p, const Node *call, int want, const Node *def,
                        int shift)
{
    for (int j = 0; ast_call_arg(call, j); j++) {
        const Node *a = ast_call_arg(call, j);
        if (a->kind == NODE_Starred || (j >= call->v.Call.args.n &&
                                        !call->v.Call.keywords.items[j - call->v.Call.args.n]
                                             ->v.keyword.arg))
            return 0; /* *args, **kwargs: may fill it */
        if (ast_arg_param(def, shift, call, j) == want)
            return fl_truth(c, p, a) == 0;
    }
    const Node *d = def ? ast_param_default(def, want) : NULL;
    return d && d->kind == NODE_Constant && fl_truth(c, p, d) == 0;
}

/* The flag of sum->cond[] whose falsy value at this call keeps parameter i
 * from being released (mask: the flags the call passes falsy), for the
 * witness: the first that does so alone, else the first of mask. */
static const char *unreleasing_flag(const FlowSummary *sum, unsigned mask, int i,
                                    const Node *def)
{
    int first = -1;
    for (int k = 0; k < FLOW_MAX_COND; k++) {
        if (!(mask >> k & 1))
            continue;
        FlowCondFx f = flow_summary_fx(sum, 1u << k);
        if (!((f.releases | f.with_releases) >> i & 1))
            return ast_param(def, sum->cond[k] - 1)->v.arg.arg;
        if (first < 0)
            first = k;
    }
    return ast_param(def, sum->cond[first] - 1)->v.arg.arg;
}

/*
 * What a summarized callee does to the arguments of call: work it hands
 * them to (defers, fans_out), releases, uses.  def is the callee (NULL:
 * positional arguments only), shift the parameters the call fills itself.
 * Releases, commits and ends of transactions are the summary's for the
 * falsy arguments the call passes to the parameters that decide them
 * (FlowSummary.cond: `finish(session, ok)` with ok still False).
 */
static void apply_summary(Ctx *c, Path *p, const Node *call, const FlowSummary *sum,
                          const Node *def, int shift)
{
    const FlowSummary *given = sum;
    FlowSummary falsy;
    unsigned mask = 0;
    for (int k = 0; k < FLOW_MAX_COND && sum->cond[k]; k++)
        if (passes_falsy(c, p, call, sum->cond[k] - 1, def, shift))
            mask |= 1u << k;
    if (mask) {
        FlowCondFx f = flow_summary_fx(sum, mask);
        falsy = *sum;
        falsy.releases = f.releases;
        falsy.with_releases = f.with_releases;
        falsy.commits = f.commits;
        falsy.ends_txn = f.ends_txn;
        falsy.checks_out = f.checks_out;
        sum = &falsy;
    }
    if (sum->fans_out)
        fj_fanned(c, p, call, sum);
    if (c->env->summary && sum->refreshes && !commit_after(c, NULL, call))
        c->env->summary->refreshes |= caller_params(c, call, def, shift, sum->refreshes);
    int n = call->v.Call.args.n + call->v.Call.keywords.n;
    for (int j = 0; j < n; j++) {
        int i = ast_arg_param(def, shift, call, j);
        const Node *a = ast_call_arg(call, j);
        if (i < 0 || i >= 32 || !a)
            continue;
        if ((sum->defers >> i & 1) && !helper_reports(c, def, i))
            fj_job_start(c, p, sum->defer_kind, fj_uses_of(c, p, a), call, NULL, 0);
        if ((sum->gives_up >> i & 1) && !helper_reports(c, def, i))
            fj_call_gives_up(c, call, fj_uses_of(c, p, a), sum);
        int h = fl_held_by(c, p, a);
        if (h >= 0 && (sum->uses >> i & 1) && p->res[h] == RS_IDLE)
            p->res[h] = RS_OPEN; /* the helper uses it: its connection is out */
        if (h >= 0)
            fj_txn_by_callee(c, p, h, call, sum, i);
        if (h >= 0 && (sum->checks_out >> i & 1))
            fo_checkout(c, p, h, call);
        else if (h >= 0 && (sum->ends_txn >> i & 1) && c->site[h].val.kind == RES_SESSION) {
            /* a query the truthy walk leaves checked out, which the flags
               passed here end (`if not no_commit: commit()` after it): the
               call takes a connection and gives it back.  Limit: taken as
               one query on every path, before the deciding test */
            if (sum != given && (given->checks_out >> i & 1))
                fo_checkout(c, p, h, call);
            fo_checkin(p, h);
        }
        for (int k = 0; h >= 0 && c->env->summary && k < c->nparams; k++)
            if (c->param_site[k] == h) { /* ended by a helper it hands the session to */
                c->env->summary->commits |= (sum->commits >> i & 1) << k;
                c->env->summary->rolls_back |= (sum->rolls_back >> i & 1) << k;
                if (i < 8 && sum->adds[i])
                    c->env->summary->adds[k] |= caller_params(c, call, def, shift, sum->adds[i]);
            }
        if (h >= 0 && fc_releases_param(c, sum, i, h)) {
            c->callee_reports = p->res[h] == RS_BORROWED && helper_lent(c, def, i);
            fl_release(c, p, h, call, 0);
            c->callee_reports = 0;
        } else if (h >= 0 && sum != given && ((given->releases | given->with_releases) >> i & 1) &&
                   def && (p->res[h] == RS_OPEN || p->res[h] == RS_IDLE)) {
            const char *flag = unreleasing_flag(given, mask, i, def);
            p->ev[h] = fl_ev_push(c, p->ev[h], call,
                                  fmt(c, "passed here with `%s` false: `%s` releases it only "
                                         "when `%s` is true",
                                      flag, def->v.FunctionDef.name, flag));
        }
    }
}

int fc_releases_param(Ctx *c, const FlowSummary *sum, int i, int h)
{
    if (i >= 32 || sum->releases >> i & 1)
        return i < 32;
    if (!(sum->with_releases >> i & 1))
        return 0;
    int kind = c->site[h].val.kind;
    if (kind != RES_ANY)
        return model_user_res(c->env->model, kind)->with_releases;
    for (int k = 0; k < c->nparams; k++)
        if (c->param_site[k] == h)
            c->with_param |= 1u << k;
    return 1;
}

/* Parameter i of def (posonly, plain, keyword-only), or NULL. */
static const char *param_name(const Node *def, int i)
{
    const Node *p = ast_param(def, i);
    return p ? p->v.arg.arg : NULL;
}

/* `importer.attach(db)` where the method keeps its parameter on self: the
 * object the local name holds now holds the borrowed session too. */
static void kept_by_receiver(Ctx *c, Path *p, const Node *call, const Node *def)
{
    const Node *recv = call->v.Call.func->kind == NODE_Attribute
                           ? call->v.Call.func->v.Attribute.value : NULL;
    const ScopeTable *dt = value_table_of(c->env->values, def);
    if (c->env->summary || !recv || recv->kind != NODE_Name || !dt || fl_held_by(c, p, recv) >= 0)
        return;
    int n = call->v.Call.args.n + call->v.Call.keywords.n;
    for (int j = 0; j < n; j++) {
        int i = ast_arg_param(def, 1, call, j);
        const char *name = i >= 0 ? param_name(def, i) : NULL;
        int r = fl_held_by(c, p, ast_call_arg(call, j));
        if (!name || r < 0 || p->res[r] != RS_BORROWED || !c->site[r].when ||
            !method_keeps(c, dt, NULL, def, name, 0))
            continue;
        int h = make_holder(c, p, call, r, fmt(c, "kept here by `%s`", recv->v.Name.id));
        int v = fl_var_index(c, recv->v.Name.id, 1);
        if (h >= 0 && v >= 0)
            p->var[v] = (int8_t)h;
        return;
    }
}

typedef struct SelfRelease {
    const char *self, *attr;
    const Val *val;  /* what self.<attr> holds */
    const ModelUser *model;
    int wide;        /* also `pool.putconn(self.x)`, `with self.x:`, and nested code */
    int found, depth;
} SelfRelease;

static int is_self_attr(const SelfRelease *w, const Node *e)
{
    return e->kind == NODE_Attribute && !strcmp(e->v.Attribute.attr, w->attr) &&
           e->v.Attribute.value->kind == NODE_Name &&
           !strcmp(e->v.Attribute.value->v.Name.id, w->self);
}

static void self_release_kid(Node *parent, Node *n, void *arg)
{
    SelfRelease *w = arg;
    (void)parent;
    if (w->found || w->depth > EVAL_MAX_DEPTH ||
        (!w->wide && (ast_is_def(n))))
        return;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute) {
        const char *m = n->v.Call.func->v.Attribute.attr;
        Val made;
        int with_only;
        if (is_self_attr(w, n->v.Call.func->v.Attribute.value) &&
            model_user_method(w->model, w->val, m, &made, &with_only) == EFF_RELEASE)
            w->found = 1; /* self.db.close() */
        /* pool.putconn(self.conn): for any value when wide, else for a pooled
           connection, whose release is its pool's (a wrapper's close()) */
        if ((w->wide || (w->val->tag == VAL_RESOURCE &&
                         (w->val->kind == RES_POOLED || w->val->kind == RES_APOOLED))) &&
            n->v.Call.args.n > 0 && is_self_attr(w, n->v.Call.args.items[0]) &&
            (!strcmp(m, "putconn") || !strcmp(m, "release")))
            w->found = 1;
    }
    if (w->wide && n->kind == NODE_withitem && is_self_attr(w, n->v.withitem.context_expr))
        w->found = 1; /* with self.db: */
    w->depth++;
    ast_children(n, self_release_kid, w);
    w->depth--;
}

int fc_method_releases(Ctx *c, const Node *def, const char *self, const char *attr, const Val *val,
                       int wide)
{
    SelfRelease w = {self, attr, val, c->env->model, wide, 0, 0};
    ast_children((Node *)def, self_release_kid, &w);
    return w.found;
}

int fc_named_method_releases(Ctx *c, const Node *cls, const char *method, const char *attr,
                             const Val *val)
{
    const Node *def = value_method(c->env->values, c->a, cls, method);
    const Node *args = def ? def->v.FunctionDef.args : NULL;
    return args && args->v.arguments.args.n >= 1 &&
           fc_method_releases(c, def, args->v.arguments.args.items[0]->v.arg.arg, attr, val, 1);
}

static int class_releases(Ctx *c, const Node *cls, const char *attr, const Val *val, int depth)
{
    for (int i = 0; depth < KEEPS_MAX_DEPTH && i < cls->v.ClassDef.bases.n; i++) {
        const Node *b = fc_base(c, cls, i);
        if (b && class_releases(c, b, attr, val, depth + 1))
            return 1; /* a base's close() */
    }
    for (int i = 0; i < cls->v.ClassDef.body.n; i++) {
        const Node *m = cls->v.ClassDef.body.items[i];
        const Node *a = m->kind == NODE_FunctionDef || m->kind == NODE_AsyncFunctionDef
                            ? m->v.FunctionDef.args : NULL;
        if (a && a->v.arguments.args.n >= 1 &&
            fc_method_releases(c, m, a->v.arguments.args.items[0]->v.arg.arg, attr, val, 1))
            return 1;
    }
    return 0;
}

int fc_class_releases(Ctx *c, const Node *cls, const char *attr, const Val *val)
{
    return class_releases(c, cls, attr, val, 0);
}

/*
 * `repo.get(x)` where repo keeps our own session r on self.<attr> (a
 * holder: `repo = Repo(db)`, or `Repo(db).get(x)` itself): the method that
 * closes self.<attr> releases r (`repo.close()`); one that reads it, itself
 * or through the methods of its class it calls on self (two deep), uses r,
 * so after a close it opens a new connection (SL102), and a session used
 * only through the object is not idle (SL103).  One that assigns
 * self.<attr> keeps something else from then on: the name is no holder of
 * r any more.  A method that does neither leaves r as it is.  Limits: code
 * nested in the method (a closure, a callback) and methods of a base class
 * reached through self are not read.
 */
static void held_by_method(Ctx *c, Path *p, const Node *call, const Node *def, int r,
                           const char *attr)
{
    const Node *self = ast_param(def, 0), *recv = call->v.Call.func->v.Attribute.value;
    if (r < 0 || !attr || !self)
        return;
    if (fc_method_releases(c, def, self->v.arg.arg, attr, &c->site[r].val, 0)) {
        if (p->res[r] == RS_OPEN || p->res[r] == RS_IDLE || p->res[r] == RS_REOPENED)
            fl_release(c, p, r, call, 0);
        return;
    }
    int stores, was = p->res[r];
    const Node *read = fj_method_reads(c, def, attr, &stores);
    if (read && (was == RS_IDLE || was == RS_RELEASED)) { /* the use that matters, shown */
        const ScopeTable *t = value_table_of(c->env->values, def);
        const Scope *s = t ? scope_of(t, def) : NULL;
        p->ev[r] = fl_ev_push_far(
            c, p->ev[r], t && t != c->env->scopes ? value_path_of(c->env->values, def) : NULL,
            read->lineno, read->col_offset,
            fmt(c, "used here as `self.%s` by `%s.%s`, called on line %d", attr,
                s && s->parent ? s->parent->node->v.ClassDef.name : "?",
                def->v.FunctionDef.name, call->lineno));
    }
    if (read)
        fl_use(c, p, r, call);
    int v = recv->kind == NODE_Name ? fl_var_index(c, recv->v.Name.id, 0) : -1;
    if (stores && v >= 0 && p->var[v] == VAR_KEEPS - r)
        p->var[v] = VAR_UNKNOWN;
}

/*
 * A call of one function of a dispatch table (value.h: VAL_FUNCS), which
 * may run any of them: their summaries joined.  What one of them does to a
 * parameter counts (uses it, commits it, leaves it checked out, waits
 * while it is open); what all of them do must (releases it, ends its
 * transaction).  A wait is sure when the call runs each in its turn (a loop
 * over the table: each runs for the items of its turn) and one surely
 * waits, or when a key we do not know picks one and all surely wait.  What
 * they return, keep, lend, defer or fan out is not joined (a limit), and
 * the first one's parameters stand for all of theirs (*def): a table's
 * functions share a signature.
 */
static const FlowSummary *table_summary(Ctx *c, Val fv, const Node **def)
{
    const Node *fn;
    FlowSummary *j = NULL;
    unsigned sure = WAIT_HTTP_SURE | WAIT_SLEEP_SURE | WAIT_WORK_SURE, one = 0, all = sure;
    for (int i = 0; (fn = value_table_func(c->env->values, fv.node, i)); i++) {
        const FlowSummary *s = c->env->summary_of(c->env->summary_arg, fn);
        if (!s)
            return NULL; /* one we cannot read: nothing said of the call */
        if (!j) {
            j = arena_alloc(c->a, sizeof *j);
            j->releases = s->releases;
            j->with_releases = s->releases | s->with_releases;
            j->ends_txn = s->ends_txn;
            j->needs_pool = s->needs_pool;
            *def = fn;
        }
        j->releases &= s->releases;
        j->with_releases &= s->releases | s->with_releases; /* all release it, some by a with */
        j->ends_txn &= s->ends_txn;
        j->uses |= s->uses;
        j->commits |= s->commits;
        j->rolls_back |= s->rolls_back;
        j->checks_out |= s->checks_out;
        j->waits_open |= s->waits_open;
        j->needs_pool = j->needs_pool == s->needs_pool ? j->needs_pool : NULL;
        one |= s->waits;
        all &= s->waits;
    }
    if (j) {
        j->with_releases &= ~j->releases;
        j->waits = (unsigned char)((one & ~sure) | (fv.sub == FUNCS_EACH ? one : all));
    }
    return j;
}

/* The callee's summary and def: of the project function or method that fv
 * is (a bound method of an object: self filled, *shift = 1), else of the
 * name f calls. */
static const FlowSummary *callee_of(Ctx *c, Path *p, const Node *f, Val fv, const Node **def,
                                    int *shift)
{
    *def = NULL;
    *shift = 0;
    if (fv.tag == VAL_FUNCS && fv.sub != FUNCS_TABLE && c->env->summary_of && c->env->values)
        return table_summary(c, fv, def);
    if (fv.tag == VAL_FUNC && fv.node) {
        *def = fv.node;
        *shift = f->kind == NODE_Attribute && !ast_decorated(fv.node, "staticmethod") &&
                 (ast_decorated(fv.node, "classmethod") || /* cls is filled too */
                  (p ? fl_peek_value(c, p, f->v.Attribute.value)
                     : fl_value_at(c, c->env->scopes, c->scope, f->v.Attribute.value))
                          .tag == VAL_OBJECT);
        return c->env->summary_of ? c->env->summary_of(c->env->summary_arg, fv.node) : NULL;
    }
    return fc_callee_summary(c, f);
}

/* What makes the object of a call: a class of the project (cls, in table
 * ct), or a helper (def, its summary sum, shift parameters filled by the
 * call itself) that returns an object keeping some of its parameters. */
typedef struct Keeper {
    const Node *cls, *def;
    const ScopeTable *ct;
    const FlowSummary *sum;
    int shift;
} Keeper;

const FlowSummary *fc_call_summary(Ctx *c, Path *p, const Node *call, int *shift)
{
    const Node *f = call->v.Call.func, *def;
    return callee_of(c, p, f, fl_value_at(c, c->env->scopes, c->scope, f), &def, shift);
}

/* The keeper of call e into *k (p: the path, or NULL for the model's
 * values alone); 0 when the object it makes keeps none of its arguments. */
static int keeper_of(Ctx *c, Path *p, const Node *e, Keeper *k)
{
    const Node *f = e->v.Call.func;
    Val fv = fl_value_at(c, c->env->scopes, c->scope, f); /* cls(session) in a classmethod too */
    memset(k, 0, sizeof *k);
    if (fv.tag == VAL_CLASS && fv.node && fv.node->kind == NODE_ClassDef) {
        k->ct = value_table_of(c->env->values, fv.node);
        k->cls = k->ct ? fv.node : NULL;
        return k->cls != NULL;
    }
    k->sum = callee_of(c, p, f, fv, &k->def, &k->shift);
    return k->sum && k->sum->keeps;
}

/* Does the object call e makes (its keeper k) keep argument j of the call? */
static int keeper_keeps(Ctx *c, const Keeper *k, const Node *e, int j)
{
    int nargs = e->v.Call.args.n, i;
    if (k->cls) {
        const char *param = fc_init_param(
            c, k->cls, j, j < nargs ? NULL : e->v.Call.keywords.items[j - nargs]->v.keyword.arg);
        return param && fc_init_keeps(c, k->ct, k->cls, param, 0);
    }
    return (i = ast_arg_param(k->def, k->shift, e, j)) >= 0 && i < 32 && (k->sum->keeps >> i & 1);
}

/*
 * The positional parameters of the function being summarized that the
 * object e makes keeps on itself: `Retriever(session)` of a project class
 * whose __init__ keeps it, `make_retriever(session)` of a helper that
 * returns such an object (its summary's keeps), or a local name bound once
 * to either.
 */
uint32_t fc_kept_params(Ctx *c, Path *p, const Node *e, int depth)
{
    if (e->kind == NODE_Name && depth < KEEPS_MAX_DEPTH) {
        const Node *v = scope_bound_once(c->env->scopes, c->scope, e, NULL);
        return v ? fc_kept_params(c, p, v, depth + 1) : 0;
    }
    Keeper k;
    if (e->kind != NODE_Call || !keeper_of(c, p, e, &k))
        return 0;
    uint32_t m = 0;
    for (int j = 0; j < e->v.Call.args.n + e->v.Call.keywords.n; j++) {
        int r = fl_held_by(c, p, ast_call_arg(e, j));
        if (r < 0 || !keeper_keeps(c, &k, e, j))
            continue;
        for (int i = 0; i < c->nparams; i++)
            if (c->param_site[i] == r)
                m |= 1u << i;
    }
    return m;
}

int fc_object_keeps(Ctx *c, const Node *e, const char *name, int depth)
{
    const NodeList *items = NULL;
    if (!e || depth > KEEPS_MAX_DEPTH)
        return 0;
    switch (e->kind) {
    case NODE_Name: return !strcmp(e->v.Name.id, name);
    case NODE_Await: return fc_object_keeps(c, e->v.Await.value, name, depth);
    case NODE_Starred: return fc_object_keeps(c, e->v.Starred.value, name, depth);
    case NODE_Tuple: items = &e->v.Tuple.elts; break;
    case NODE_List: items = &e->v.List.elts; break;
    case NODE_Set: items = &e->v.Set.elts; break;
    case NODE_Dict: items = &e->v.Dict.values; break;
    case NODE_Call: {
        Keeper k;
        if (!keeper_of(c, NULL, e, &k))
            return 0;
        for (int j = 0; ast_call_arg(e, j); j++)
            if (fc_object_keeps(c, ast_call_arg(e, j), name, depth + 1) &&
                keeper_keeps(c, &k, e, j))
                return 1;
        return 0;
    }
    default: return 0;
    }
    for (int i = 0; i < items->n; i++)
        if (fc_object_keeps(c, items->items[i], name, depth + 1))
            return 1;
    return 0;
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
            fl_release(c, p, r, at, 0);
}

static Res gen_next(Ctx *c, Path *p, const Node *call)
{
    Res out = {-1, unknown(), 0, NULL, 0, NULL, NULL};
    const Node *g = call->v.Call.args.items[0];
    const char *key = fl_var_key(c, g);
    for (int r = 0; key && r < c->nsites; r++)
        if (c->site[r].gen && !strcmp(c->site[r].gen, key) &&
            (p->res[r] == RS_OPEN || p->res[r] == RS_IDLE || p->res[r] == RS_REOPENED)) {
            gen_done(c, p, key, call); /* resumed after its yield: its teardown runs */
            return out;
        }
    fl_eval(c, p, g);
    Val gv = fl_model_value(c, c->env->scopes, c->scope, g);
    if (call->v.Call.args.n != 1 || gv.tag != VAL_FACTORY || gv.kind != FAC_GENERATOR ||
        gv.sub == RES_NONE)
        return out;
    const FlowSummary *sum =
        key || g->kind != NODE_Call || strcmp(call->v.Call.func->v.Name.id, "next")
            ? NULL : fc_callee_summary(c, g->v.Call.func);
    if (!key && !(sum && sum->releases_after))
        return out;
    Val v = {VAL_RESOURCE, gv.sub, gv.is_async, NULL, 0, 0, NULL, 0, 0};
    out.site = fl_acquire(c, p, call, v, -1);
    if (out.site < 0)
        return out;
    out.val = v;
    if (key) {
        c->site[out.site].gen = key;
        const FlowSummary *gs = gv.node && c->env->summary_of
                                    ? c->env->summary_of(c->env->summary_arg, gv.node) : NULL;
        if (gs && gs->yields_used && p->res[out.site] == RS_IDLE) {
            /* the generator queried before its yield: the connection is out */
            p->res[out.site] = RS_OPEN;
            p->ev[out.site] = fl_ev_push(c, p->ev[out.site], call,
                                         fmt(c, "used by `%s` before its yield: it holds a "
                                                "connection from here",
                                             gv.node->v.FunctionDef.name));
        }
        return out;
    }
    /* `db = next(get_db())`: nothing keeps the generator, so CPython finalizes
       it as soon as next() returns, which runs its finally: db comes closed */
    p->res[out.site] = RS_RELEASED;
    c->site[out.site].ever_released = 1;
    p->ev[out.site] = fl_ev_push(c, p->ev[out.site], call,
                                 "released here: nothing keeps the generator, which is closed "
                                 "as soon as next() returns, and its cleanup closes what it "
                                 "yielded");
    return out;
}

/* The parameter of def that argument j of call fills, by position (before
 * any *args) or by keyword (keyword-only ones too), or NULL. */
static const char *param_of_arg(const Node *def, const Node *call, int j)
{
    const Node *a = def->v.FunctionDef.args;
    if (j < call->v.Call.args.n) {
        int i = ast_arg_param(def, 0, call, j);
        return i >= 0 && i < a->v.arguments.posonlyargs.n + a->v.arguments.args.n
                   ? param_name(def, i) : NULL;
    }
    const char *kw = call->v.Call.keywords.items[j - call->v.Call.args.n]->v.keyword.arg;
    const NodeList *ls[2] = {&a->v.arguments.args, &a->v.arguments.kwonlyargs};
    for (int l = 0; kw && l < 2; l++)
        for (int i = 0; i < ls[l]->n; i++)
            if (!strcmp(ls[l]->items[i]->v.arg.arg, kw))
                return kw;
    return NULL;
}

/* Walks a callee's body: does its parameter only serve as the receiver of
 * its own methods and attributes (`db.execute(...)`, `db.query(X)`)? */
typedef struct OnlyUsed {
    const char *name;
    int escapes, uses, depth;
} OnlyUsed;

static void only_used_kid(Node *parent, Node *n, void *arg)
{
    OnlyUsed *w = arg;
    if (w->escapes || ++w->depth > EVAL_MAX_DEPTH) {
        w->escapes = 1;
        return;
    }
    if (n->kind == NODE_Name && !strcmp(n->v.Name.id, w->name)) {
        static const char *const releases[] = {"close", "aclose", "release", "detach",
                                               "invalidate", "dispose", "__exit__",
                                               "__aexit__", NULL};
        /* anything but `name.attr` hands it on: returned, stored, aliased,
           passed, captured; and a release method is the summary's to judge */
        if (!parent || parent->kind != NODE_Attribute || parent->v.Attribute.value != n ||
            ast_name_in(parent->v.Attribute.attr, releases))
            w->escapes = 1;
        w->uses++;
    } else if ((n->kind == NODE_arg && !strcmp(n->v.arg.arg, w->name)) ||
               n->kind == NODE_Global || n->kind == NODE_Nonlocal) {
        w->escapes = 1; /* rebound or shadowed in nested code: not followed */
    } else if (n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef ||
               n->kind == NODE_Lambda || n->kind == NODE_ClassDef) {
        OnlyUsed in = {w->name, 0, 0, w->depth};
        ast_children(n, only_used_kid, &in);
        if (in.uses || in.escapes)
            w->escapes = 1; /* captured by nested code, which may outlive the call */
    } else if (n->kind == NODE_Yield || n->kind == NODE_YieldFrom) {
        w->escapes = 1; /* a generator: the call only makes it, and it keeps the argument */
    } else {
        ast_children(n, only_used_kid, w);
    }
    w->depth--;
}

/*
 * `count(SessionLocal())`, `get_all(db_session=SessionLocal())`: a resource
 * made in the argument of a function of the project that only calls its
 * methods and reads its attributes (it neither releases, returns, stores nor
 * passes it on) is still the caller's, and nothing holds it to release it.
 * SL103 at the acquisition.  Check mode.
 */
static void made_for_a_user(Ctx *c, Path *p, const Node *call, const Node *def)
{
    if (c->env->summary || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef))
        return;
    int n = call->v.Call.args.n + call->v.Call.keywords.n;
    for (int j = 0; j < n; j++) {
        const Node *a = ast_call_arg(call, j);
        int r = -1;
        for (int k = 0; a && a->kind == NODE_Call && k < c->nsites; k++)
            if (c->site[k].node == a && (c->acquired >> k & 1) && c->site[k].parent < 0)
                r = k;
        const char *name = r >= 0 ? param_of_arg(def, call, j) : NULL;
        if (!name || c->site[r].val.tag != VAL_RESOURCE || c->site[r].val.kind == RES_CURSOR)
            continue;
        OnlyUsed w = {name, 0, 0, 0};
        for (int k = 0; k < def->v.FunctionDef.body.n && !w.escapes; k++)
            only_used_kid(NULL, def->v.FunctionDef.body.items[k], &w);
        if (w.escapes || !w.uses)
            continue; /* passed on, or never touched: a session never used holds nothing */
        const Ev *e = fl_ev_push(c, p->ev[r], call,
                                 fmt(c, "handed here to `%s`, which uses it but neither releases "
                                        "nor keeps it",
                                     def->v.FunctionDef.name));
        fl_report(c, FLOW_LEAK, r, c->site[r].node, e);
        p->res[r] = RS_GONE;
    }
}

/* The site call acquires for an object of cls whose attribute attr keeps
 * v, a resource made for it (`by` says where, for the witness), or -1. */
static int owned_site(Ctx *c, Path *p, const Node *call, const Node *cls, const char *attr, Val v,
                      const char *by)
{
    if (v.tag != VAL_RESOURCE || v.kind == RES_CURSOR || v.kind == RES_ANY)
        return -1;
    if (c->env->summary) {
        c->check_differs = 1; /* the check pass has this object to follow */
        return -1;
    }
    v.node = NULL;
    int r = fl_acquire(c, p, call, v, -1);
    if (r < 0)
        return -1;
    c->site[r].obj_cls = cls;
    c->site[r].obj_attr = attr;
    /* a record class's field is the caller's to close (`ctx.session.close()`) */
    int releasable = record_class(cls) || fc_class_releases(c, cls, attr, &v);
    p->ev[r] = fl_ev_push(c, p->ev[r] ? p->ev[r]->prev : NULL, call,
                          fmt(c, "%s made here by %s, which keeps it in `self.%s`%s", fl_noun(c, r),
                              by, attr,
                              releasable ? "" : fmt(c, "; no method of `%s` releases it",
                                                    cls->v.ClassDef.name)));
    return r;
}

/* The site for an object of cls whose __init__ (its own or inherited, and
 * the bases' it runs through `super().__init__()`, KEEPS_MAX_DEPTH deep)
 * keeps a resource it makes, or -1. */
static int owned_by_init(Ctx *c, Path *p, const Node *call, const Node *cls, const Node *init,
                         int depth)
{
    const Node *ic = init && fc_init_of(cls) != init ? owner_class(c, init) : cls; /* init's */
    const ScopeTable *ct = init ? value_table_of(c->env->values, init) : NULL;
    const Scope *is = ct ? scope_of(ct, init) : NULL;
    for (int k = 0; is && k < init->v.FunctionDef.body.n; k++) {
        const Node *target, *value, *sup;
        if (depth < KEEPS_MAX_DEPTH && (sup = super_init(c, ic, init, k))) {
            int r = owned_by_init(c, p, call, cls, sup, depth + 1);
            if (r >= 0 || c->check_differs)
                return r;
        }
        if (!ast_single_assign(init->v.FunctionDef.body.items[k], &target, &value) ||
            !fl_is_self_attr(target, NULL) || value->kind != NODE_Call)
            continue;
        Val v = value_of(c->env->values, c->a, ct, is, value); /* what __init__ makes */
        int r = owned_site(c, p, call, cls, target->v.Attribute.attr, v,
                           fmt(c, "`%s.__init__`", ic ? ic->v.ClassDef.name : "?"));
        if (r >= 0 || (v.tag == VAL_RESOURCE && c->env->summary))
            return r;
    }
    return -1;
}

/*
 * `svc = UserService()` where the class's __init__ keeps a resource it makes
 * (`self.db = SessionLocal()`, evaluated by the value model in __init__'s
 * scope; an inherited __init__, or a base's run by `super().__init__()`,
 * too): the object acquires it, and the object's methods that release
 * self.db release it (`svc.close()`, a helper's summary); other methods use
 * it.  A site for the call with obj_cls set, or -1.  Check mode (a summary
 * run only notes that the check pass has something to follow); not as the
 * item of a `with` (its __exit__ decides).
 */
static int owning_object(Ctx *c, Path *p, const Node *call)
{
    const Node *f = call->v.Call.func;
    if (f->kind != NODE_Name || !c->step || c->step->kind == STEP_WITH_ENTER)
        return -1;
    const ScopeTable *ct;
    const Node *cls = fc_class_named(c, c->env->scopes, c->scope, f->v.Name.id, &ct, NULL);
    return cls ? owned_by_init(c, p, call, cls, ctor_of(c, cls), 0) : -1;
}

/* made_by's walk over the returns of a factory. */
typedef struct MadeBy {
    Ctx *c;
    const ScopeTable *t;
    const Scope *s;  /* the factory's */
    const Node *def;
    const Node *ret; /* out: the object it returns, `cls(SessionLocal())` */
    const Node *cls; /* out: its class */
} MadeBy;

static void made_by_kid(Node *parent, Node *n, void *arg)
{
    MadeBy *w = arg;
    (void)parent;
    if (w->ret || ast_is_def(n))
        return;
    const Node *e = n->kind == NODE_Return ? n->v.Return.value : NULL;
    if (e && e->kind == NODE_Name) /* repo = cls(...); ...; return repo */
        e = scope_bound_once(w->t, w->s, e, NULL);
    if (e && e->kind == NODE_Call && e->v.Call.func->kind == NODE_Name) {
        const char *f = e->v.Call.func->v.Name.id;
        const Node *p0 = ast_param(w->def, 0);
        const ScopeTable *ct;
        w->cls = p0 && !strcmp(f, p0->v.arg.arg) && ast_decorated(w->def, "classmethod") &&
                         w->s->parent && w->s->parent->kind == SCOPE_CLASS
                     ? w->s->parent->node /* cls(...) */
                     : fc_class_named(w->c, w->t, w->s, f, &ct, NULL);
        w->ret = w->cls ? e : NULL;
        return;
    }
    ast_children(n, made_by_kid, w);
}

/*
 * `repo = Repo.create()` or `make_repo()`, a factory of the project (a
 * classmethod's `cls(SessionLocal())`, a function's `Repo(SessionLocal())`,
 * or a local bound once to either) that returns an object keeping a
 * resource it made for it: the call acquires it, as `Repo(SessionLocal())`
 * here would (owned_site), and the object's methods release or use it.
 * The factory's summary took the resource as handed to the constructor,
 * so nothing else acquires it.  Only a return among the factory's own
 * statements is read, the first (limits, for cost: every call of a
 * function returning an object asks; a return inside an `if` or `try` is
 * not followed); an object made by a class whose own __init__ makes it
 * (`return Repo()`) too.
 */
static int factory_owned(Ctx *c, Path *p, const Node *call, const Node *def)
{
    if (!def || def->kind == NODE_ClassDef || !c->step || c->step->kind == STEP_WITH_ENTER ||
        value_return(c->env->values, def).tag != VAL_OBJECT)
        return -1; /* the value model says first whether it returns an object of ours */
    MadeBy w = {c, value_table_of(c->env->values, def), NULL, def, NULL, NULL};
    w.s = w.t ? scope_of(w.t, def) : NULL;
    if (!w.s)
        return -1;
    for (int k = 0; !w.ret && k < def->v.FunctionDef.body.n; k++) /* its top-level returns */
        if (def->v.FunctionDef.body.items[k]->kind == NODE_Return)
            made_by_kid(NULL, def->v.FunctionDef.body.items[k], &w);
    const Node *a, *ret = w.ret;
    for (int j = 0; ret && (a = ast_call_arg(ret, j)); j++) {
        int nargs = ret->v.Call.args.n;
        const char *param = fc_init_param(
            c, w.cls, j, j < nargs ? NULL : ret->v.Call.keywords.items[j - nargs]->v.keyword.arg);
        const char *attr = param && a->kind == NODE_Call ? keeps_attr(c, w.cls, param, 0) : NULL;
        if (!attr)
            continue;
        int r = owned_site(c, p, call, w.cls, attr, value_of(c->env->values, c->a, w.t, w.s, a),
                           fmt(c, "`%s`", def->v.FunctionDef.name));
        if (r >= 0 || c->env->summary)
            return r;
    }
    return ret ? owned_by_init(c, p, call, w.cls, ctor_of(c, w.cls), 0) : -1;
}

/* factory_attr's walk over the returns of a factory. */
typedef struct FactoryWalk {
    Ctx *c;
    const ScopeTable *t;
    const Node *def;
    const char *name; /* the factory's parameter */
    const char *attr; /* out */
    int depth;
} FactoryWalk;

static void factory_kid(Node *parent, Node *n, void *arg)
{
    FactoryWalk *w = arg;
    (void)parent;
    if (w->attr || w->depth > EVAL_MAX_DEPTH || ast_is_def(n))
        return;
    const Node *call = n->kind == NODE_Return ? n->v.Return.value : NULL;
    const Scope *ds = scope_of(w->t, w->def);
    if (call && ds && call->kind == NODE_Call && call->v.Call.func->kind == NODE_Name) {
        const char *f = call->v.Call.func->v.Name.id;
        const Node *p0 = ast_param(w->def, 0), *a;
        const ScopeTable *ct;
        const Node *cls = p0 && !strcmp(f, p0->v.arg.arg) && ast_decorated(w->def, "classmethod") &&
                                  ds->parent && ds->parent->kind == SCOPE_CLASS
                              ? ds->parent->node /* cls(db) */
                              : fc_class_named(w->c, w->t, ds, f, &ct, NULL);
        for (int j = 0; cls && !w->attr && (a = ast_call_arg(call, j)); j++) {
            int nargs = call->v.Call.args.n;
            const char *param = fc_init_param(
                w->c, cls, j, j < nargs ? NULL : call->v.Call.keywords.items[j - nargs]->v.keyword.arg);
            if (a->kind == NODE_Name && !strcmp(a->v.Name.id, w->name) && param)
                w->attr = keeps_attr(w->c, cls, param, 0);
        }
    }
    w->depth++;
    ast_children(n, factory_kid, w);
    w->depth--;
}

/*
 * The arguments of call that the object it makes keeps on self, as bits
 * (keywords after the positional ones), attrs[j] the attribute: `Repo(db)`
 * of a class of the project whose __init__ stores `self.db = db`, and
 * `Repo.make(db)` or `make_repo(db)`, a helper whose summary keeps its
 * parameter and that returns `cls(db)` or `Repo(db)`.  Check mode; not as a
 * with item (the object's __exit__ decides).  Only a direct store: an
 * object inside the object (`self.repo = Repo(db)`) is not followed (a
 * limit).
 */
static uint32_t kept_args(Ctx *c, const Node *call, Val fv, const FlowSummary *sum,
                          const Node *def, int shift, const char **attrs)
{
    const Node *f = call->v.Call.func, *cls = NULL;
    if (c->env->summary || !c->step || c->step->kind == STEP_WITH_ENTER ||
        !(call->v.Call.args.n + call->v.Call.keywords.n))
        return 0;
    const ScopeTable *ct;
    if (f->kind == NODE_Name && fv.tag == VAL_CLASS) /* the value model knows it first */
        cls = fc_class_named(c, c->env->scopes, c->scope, f->v.Name.id, &ct, NULL);
    const ScopeTable *dt = !cls && def && sum && sum->keeps ? value_table_of(c->env->values, def)
                                                           : NULL;
    uint32_t m = 0;
    int nargs = call->v.Call.args.n;
    for (int j = 0; (cls || dt) && j < nargs + call->v.Call.keywords.n && j < 32; j++) {
        const char *kw = j < nargs ? NULL : call->v.Call.keywords.items[j - nargs]->v.keyword.arg;
        const char *param = cls ? fc_init_param(c, cls, j, kw) : NULL;
        int i = dt ? ast_arg_param(def, shift, call, j) : -1;
        attrs[j] = param ? keeps_attr(c, cls, param, 0) : NULL;
        if (i >= 0 && i < 32 && (sum->keeps >> i & 1) && param_name(def, i)) {
            FactoryWalk w = {c, dt, def, param_name(def, i), NULL, 0};
            ast_children((Node *)def, factory_kid, &w);
            attrs[j] = w.attr;
        }
        m |= (uint32_t)(attrs[j] != NULL) << j;
    }
    return m;
}

#define CALLED_MAX_DEPTH 3 /* helpers handing a callable on to the one that calls it */

static int returns_called(Ctx *c, const Node *def, int i, int depth);

typedef struct Called {
    Ctx *c;
    const Node *def;
    const char *param;
    int depth, found;
} Called;

/* A return of w->def's own body (not of a nested def) of what calling
 * w->param gives: `return f()`, or `return helper(f, ...)` of a helper
 * that does (a method or a function the value model resolves). */
static void called_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    Called *w = arg;
    if (w->found || ast_is_def(n) || n->kind == NODE_Lambda || n->kind == NODE_ClassDef)
        return;
    const Node *e = n->kind == NODE_Return ? n->v.Return.value : NULL;
    if (e && e->kind == NODE_Call) {
        const Node *f = e->v.Call.func;
        if (f->kind == NODE_Name && !strcmp(f->v.Name.id, w->param))
            w->found = !e->v.Call.args.n && !e->v.Call.keywords.n;
        const ScopeTable *t = value_table_of(w->c->env->values, w->def);
        const Scope *s = t ? scope_of(t, w->def) : NULL;
        Val g = s && !w->found && w->depth < CALLED_MAX_DEPTH ? fl_value_at(w->c, t, s, f) : unknown();
        int shift = f->kind == NODE_Attribute && fl_value_at(w->c, t, s, f->v.Attribute.value).tag == VAL_OBJECT;
        for (int j = 0; g.tag == VAL_FUNC && g.node && ast_call_arg(e, j) && !w->found; j++) {
            const Node *a = ast_call_arg(e, j);
            int k = ast_arg_param(g.node, shift, e, j);
            w->found = a->kind == NODE_Name && !strcmp(a->v.Name.id, w->param) && k >= 0 &&
                       returns_called(w->c, g.node, k, w->depth + 1);
        }
        return;
    }
    ast_children(n, called_kid, w);
}

/*
 * Does def return what calling its positional parameter i gives (a
 * higher-order helper: `def throttle(f, rate): try: return f() finally:
 * sleep(...)`), itself or through a helper it hands the parameter to?
 * Its caller then owns what the callable it passes makes.  Limits: the
 * parameter is called with no arguments, as a whole return value (not
 * `return f() or None`); a parameter rebound first is not noticed.
 */
static int returns_called(Ctx *c, const Node *def, int i, int depth)
{
    const Node *param = ast_param(def, i);
    if (!param || !c->env->values)
        return 0;
    Called w = {c, def, param->v.arg.arg, depth, 0};
    for (int k = 0; k < def->v.FunctionDef.body.n && !w.found; k++)
        called_kid(NULL, def->v.FunctionDef.body.items[k], &w);
    return w.found;
}

/* What call makes through a callable it hands a helper that returns what
 * calling it gives (`throttle(lambda: psycopg2.connect(dsn), rate)`): the
 * lambda's body runs in the call, its resource is the call's; a site, or
 * -1.  Limits: a lambda with no parameters, not a named function. */
static Res called_through(Ctx *c, Path *p, const Node *call, const Node *def, int shift)
{
    Res out = {-1, unknown(), 0, NULL, 0, NULL, NULL};
    for (int j = 0; def && ast_call_arg(call, j); j++) {
        const Node *a = ast_call_arg(call, j);
        if (a->kind != NODE_Lambda || ast_param(a, 0) ||
            !returns_called(c, def, ast_arg_param(def, shift, call, j), 0))
            continue;
        out = fl_eval(c, p, a->v.Lambda.body);
        if (out.site >= 0)
            return out;
    }
    return out;
}

Res fc_call_value(Ctx *c, Path *p, const Node *call)
{
    const Node *f = call->v.Call.func;
    Res fv = {-1, unknown(), 0, NULL, 0, NULL, NULL}, out = {-1, unknown(), 0, NULL, 0, NULL, NULL};
    Res lam; /* what a callable it hands on makes (called_through) */
    int done = 0; /* fv is known and the callee evaluated */
    int kept = -1; /* the receiver keeps our site kept on self.<kept_attr> (a holder) */
    const char *kept_attr = NULL;
    const Node *sup = f->kind == NODE_Attribute ? f->v.Attribute.value : NULL;
    if (c->entered_self >= 0 && sup && sup->kind == NODE_Call &&
        sup->v.Call.func->kind == NODE_Name && !strcmp(sup->v.Call.func->v.Name.id, "super") &&
        (!strcmp(f->v.Attribute.attr, "__aenter__") || !strcmp(f->v.Attribute.attr, "__enter__"))) {
        out.site = c->entered_self; /* the library's returns self (entered_self) */
        return out;
    }
    if (f->kind == NODE_Attribute) {
        int query;
        Res ts = {fo_thread_session(c, p, f->v.Attribute.value, fv.val, &query), unknown(), 0,
                  NULL, 0, NULL, NULL};
        if (ts.site >= 0) /* Model.query.get(...): a query of db.session */
            return method_call(c, p, call, ts, "query");
        const char *q = fl_qualname(c, c->env->scopes, c->scope, f);
        const Node *o = f->v.Attribute.value;
        if (!q || fl_held_by(c, p, o) >= 0 ||
            (o->kind == NODE_Attribute && fl_kept_by(c, p, o->v.Attribute.value) >= 0) ||
            fl_peek_value(c, p, f->v.Attribute.value).tag == VAL_FACTORY) {
            /* a method of a local, of a resource, or of a factory defined in
             * another module (`from db import engine; engine.connect()`);
             * an object's methods are the project's, called below */
            Res rv = fl_eval_value(c, p, f->v.Attribute.value);
            kept = rv.kept - 1;
            kept_attr = rv.kept_attr;
            if (rv.site < 0 && rv.val.tag != VAL_OBJECT && rv.val.tag != VAL_CLASS)
                fo_method_call(c, p, call, rv.val); /* an HTTP client's request (SL207) */
            if (rv.site >= 0 || (rv.val.tag != VAL_OBJECT && rv.val.tag != VAL_CLASS)) {
                fl_lent(c, p, kept); /* a holder whose method we cannot read */
                return method_call(c, p, call, rv, f->v.Attribute.attr);
            }
            fv.val = fl_value_at(c, c->env->scopes, c->scope, f);
            done = 1;
        }
    }
    if (c->passes_on && f->kind == NODE_Name && !strcmp(f->v.Name.id, c->passes_on)) {
        /* a middleware hands the event on: the handlers use what it put in the context */
        for (int v = 0; v < c->nvars; v++)
            if (p->var[v] >= 0 && strpbrk(c->vars[v], "[.") && p->res[p->var[v]] == RS_IDLE) {
                p->ev[p->var[v]] = fl_ev_push(c, p->ev[p->var[v]], call,
                                              fmt(c, "the handlers run here and use it through "
                                                     "`%s`", c->vars[v]));
                fl_use(c, p, p->var[v], call);
            }
    }
    if (!done && f->kind == NODE_Name && (!strcmp(f->v.Name.id, "next") || !strcmp(f->v.Name.id, "anext")) &&
        call->v.Call.args.n >= 1 && !scope_lookup(c->env->scopes, c->scope, f->v.Name.id, NULL))
        return gen_next(c, p, call);
    if (!done)
        fv = fl_eval_value(c, p, f);
    if (fv.val.tag == VAL_QUAL && !strcmp(fv.val.qual, "typing.cast") && call->v.Call.args.n == 2) {
        /* cast(AsyncConnectionPool, request.state.db_pool): the type says what it is */
        out = fl_eval(c, p, call->v.Call.args.items[1]);
        Val t = model_type(fl_qualname(c, c->env->scopes, c->scope, call->v.Call.args.items[0]));
        if (out.site < 0 && t.tag != VAL_UNKNOWN)
            out.val = t;
        return out;
    }
    if (fv.val.tag == VAL_QUAL)
        fo_library_call(c, p, call, fv.val.qual); /* a sleep, an HTTP request (SL207) */
    if (fv.val.tag == VAL_QUAL && !strcmp(fv.val.qual, "contextlib.closing") &&
        call->v.Call.args.n == 1) {
        out = fl_eval(c, p, call->v.Call.args.items[0]);
        out.closing = 1;
        return out;
    }
    const char *cls = NULL;
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "class_"))
            cls = fl_qualname(c, c->env->scopes, c->scope, k->v.keyword.value);
    }
    Val bind = unknown();
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "bind"))
            bind = fl_peek_value(c, p, k->v.keyword.value);
    }
    if (bind.tag == VAL_UNKNOWN && call->v.Call.args.n > 0)
        bind = fl_peek_value(c, p, call->v.Call.args.items[0]);
    Val v = model_user_call(c->env->model, &fv.val, call, cls, &bind);
    if (v.tag == VAL_FACTORY && v.kind == FAC_SCOPED && c->g->func->kind != NODE_Module) {
        /* `s = scoped_session(maker)` in a function: a registry of its own for this
           call, whose session (made at its first use) only remove() closes */
        v.tag = VAL_RESOURCE;
        v.kind = RES_SESSION;
        v.sub = 0;
    }
    if (v.tag == VAL_UNKNOWN && (fv.val.tag == VAL_CLASS || fv.val.tag == VAL_QUAL) &&
        fl_value_at(c, c->env->scopes, c->scope, f).tag == VAL_CLASS) {
        /* a class of the project that subclasses a library's (AppSession(engine)) */
        Val made = fl_model_value(c, c->env->scopes, c->scope, call);
        if (made.tag == VAL_RESOURCE || made.tag == VAL_FACTORY)
            v = made;
    }
    const Node *def;
    int shift;
    const FlowSummary *sum = callee_of(c, p, f, fv.val, &def, &shift);
    if (def && shift) {
        kept_by_receiver(c, p, call, def);
        held_by_method(c, p, call, def, kept, kept_attr);
    } else {
        fl_lent(c, p, kept); /* a holder's method we cannot read */
    }
    if (sum) {
        fo_callee(c, p, call, sum, def, shift); /* what the caller held before the call */
        apply_summary(c, p, call, sum, def, shift);
        if (sum->returns_kind != RES_NONE && v.tag != VAL_RESOURCE) { /* configured kinds win */
            v.tag = VAL_RESOURCE;
            v.kind = sum->returns_kind;
            v.is_async = sum->returns_async;
        }
        if (sum->tuple_n && sum->tuple_n <= FLOW_TUPLE_MAX)
            out.tuple = sum; /* `conn, cur = get_conn()` acquires them (bind) */
    }
    if (call->v.Call.args.n > 0 && model_user_releases_arg(c->env->model, &fv.val) &&
        !(sum && (sum->releases & 1))) { /* a configured release function: release_conn(c) */
        int h = fl_held_by(c, p, call->v.Call.args.items[0]);
        if (h >= 0)
            fl_release(c, p, h, call, 0);
    }
    const char *jq = fv.val.tag == VAL_QUAL ? fv.val.qual : NULL;
    int starts = fj_starts_work(jq);
    const char *attrs[32];
    uint32_t keep = kept_args(c, call, fv.val, sum, def, shift, attrs);
    c->job_args += starts;
    call_args(c, p, call, 0, keep);
    c->job_args -= starts;
    if (starts)
        fj_job_function(c, p, call, jq);
    if (def && !shift && !starts)
        made_for_a_user(c, p, call, def);
    if (v.tag == VAL_RESOURCE) {
        out.site = fl_acquire(c, p, call, v, -1);
        out.val = v;
    } else if (def && (lam = called_through(c, p, call, def, shift)).site >= 0) {
        return lam;
    } else {
        out.val = v;
        out.site = holder_site(c, p, call, &out, sum, def, shift, keep, attrs);
        if (out.site < 0 && !out.kept)
            out.site = owning_object(c, p, call);
        if (out.site < 0 && !out.kept && def && !starts)
            out.site = factory_owned(c, p, call, def);
    }
    return out;
}

/* Does calling f make an object that may keep its arguments: a class (of
 * the project's, or a name spelt like one: Wrapper(conn)), not a function? */
int fc_constructs(Ctx *c, const Node *f)
{
    Val v = fl_value_at(c, c->env->scopes, c->scope, f);
    if (v.tag == VAL_CLASS)
        return 1;
    if (v.tag == VAL_FUNC || v.tag == VAL_FACTORY)
        return 0;
    static const char *const containers[] = {"dict", "list", "tuple", "set", "frozenset",
                                             "deque", "namedtuple", "partial", NULL};
    const char *id = f->kind == NODE_Name        ? f->v.Name.id
                     : f->kind == NODE_Attribute ? f->v.Attribute.attr : "";
    return (id[0] >= 'A' && id[0] <= 'Z') || ast_name_in(id, containers);
}
