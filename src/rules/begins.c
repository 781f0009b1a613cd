/*
 * begins.c - SL305 begin-in-transaction (see begins.h).
 *
 * A Session begins a transaction by itself on its first use (autobegin: a
 * query, add(), flush(), get() ...), and only commit(), rollback() or
 * close() ends it; so does a 2.0-style Connection on its first statement.
 * begin() on one that is in a transaction raises InvalidRequestError ("A
 * transaction is already begun on this Session"): the code after it never
 * runs.  begin_nested() (a savepoint) is what such code means.
 *
 * At each `x.begin()` (the call of `with x.begin():` too) on a name that
 * holds a session, or a connection of a 2.0 engine: is x in a transaction
 * there?  The statements that come before it on every path are read: the
 * earlier statements of each enclosing block, in order (what a branch
 * beside it does is not on its path), with nested definitions aside.  A use
 * puts x in a transaction, an end takes it out (commit, rollback, close,
 * the end of a `with x.begin():` block, x bound anew); a call handing x to
 * a project function does what its summary says (`ends_txn`, `checks_out`).
 * At the function's entry, a parameter filled by a FastAPI dependency is in
 * a transaction when its provider used it before its yield, or when another
 * dependency of the same request (the same cached provider) queried it.
 * And at a call that hands x, in a transaction, to a project function whose
 * first act on that parameter is begin(): that call raises.  Code under a
 * test of in_transaction() is quiet.
 */
#include "rules/begins.h"

#include <string.h>

#include "depends.h"
#include "fastapi.h"
#include "value.h"

#define BEGIN_MAX_DEPTH 256 /* nesting followed in a body */
#define BEGIN_MAX_ARGS 8    /* arguments of a call looked at for a session */

static const char *const uses[] = {"execute", "scalar", "scalars", "get", "get_one", "query",
                                   "add", "add_all", "merge", "flush", "delete", "refresh",
                                   "exec", "exec_driver_sql", "connection", NULL};
static const char *const ends[] = {"commit", "rollback", "close", NULL};

/* x's state along the statements read so far. */
typedef struct State {
    DbCtx *c;
    const Scope *s;
    const char *name;  /* x */
    const Node *use;   /* what put it in a transaction, or NULL: not in one */
    const char *why;   /* how, for the message */
    const char *step;  /* the witness step at use */
    int level;         /* 0: the function checked; 1: a helper it hands x to */
    int probe;         /* reading a callee: is its first act on x a begin()? */
    const Node *begin; /* ... that begin, if so */
    int first_done;    /* ... the first act has been seen */
    int depth;
} State;

static int is_x(const State *st, const Node *e)
{
    return e && e->kind == NODE_Name && !strcmp(e->v.Name.id, st->name);
}

/* `x.begin()`, awaited or not. */
static const Node *begin_call(const State *st, const Node *e)
{
    e = ast_unawait(e);
    return e && e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute &&
                   !strcmp(e->v.Call.func->v.Attribute.attr, "begin") &&
                   is_x(st, e->v.Call.func->v.Attribute.value)
               ? e
               : NULL;
}

/* An act on x: use (a transaction begins) or NULL (it ends). */
static void act(State *st, const Node *use, const char *why)
{
    if (st->probe) {
        st->first_done = 1;
        return;
    }
    st->use = use;
    st->why = use ? why : NULL;
    st->step = "the transaction begins here";
}

/* A begin() of x at b; in a probe the first act decides. */
static void begun(State *st, const Node *b)
{
    if (st->probe && !st->first_done) {
        st->begin = b;
        st->first_done = 1;
    }
}

static void scan(State *st, const Node *n);

static void scan_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    scan(arg, n);
}

/* What a project function does to its parameter p (of module table t):
 * the state its body leaves it in, read the same way, from a state with no
 * transaction; NULL when it leaves none open.  One level of helpers deep:
 * below it, a summary that ends the transaction (`ends_txn`) is all that
 * counts. */
static const Node *leaves_open(State *st, const Node *def, const ScopeTable *t, int p,
                               const char **why)
{
    const Node *param = ast_param(def, p);
    if (!param || st->level > 0)
        return NULL;
    FlowEnv env = *st->c->env;
    env.scopes = t ? t : st->c->env->scopes;
    DbCtx in = *st->c;
    in.env = &env;
    State h = {.c = &in, .s = scope_of(env.scopes, def), .name = param->v.arg.arg, .level = 1};
    for (int i = 0; h.s && i < def->v.FunctionDef.body.n; i++)
        scan(&h, def->v.FunctionDef.body.items[i]);
    *why = h.why;
    return h.use;
}

/* A call that hands x to a project function: what the function does to it. */
static void handed(State *st, const Node *call)
{
    for (int j = 0; ast_call_arg(call, j); j++) {
        if (!is_x(st, ast_call_arg(call, j)))
            continue;
        const ScopeTable *t = NULL;
        int method = 0;
        const Node *def = dbval_callee(st->c, st->c->env->scopes, st->s, call, &t, &method);
        int p = def ? ast_arg_param(def, method, call, j) : -1;
        if (p < 0)
            continue;
        const char *why = NULL;
        if (st->level == 0) {
            if (leaves_open(st, def, t, p, &why))
                act(st, call, arena_printf(st->c->a, "`%s` (called on line %d) left it in one: %s",
                                            def->v.FunctionDef.name, call->lineno, why));
            else
                act(st, NULL, NULL);
            continue;
        }
        const FlowSummary *sum = st->c->env->summary_of
                                     ? st->c->env->summary_of(st->c->env->summary_arg, def) : NULL;
        if (sum && p < 32 && (sum->ends_txn >> p & 1))
            act(st, NULL, NULL);
    }
}

/* One item of a with statement: a begin() of x, or x bound by `as x` (whose
 * context manager ends it on the way out).  Whether the block's end ends it. */
static int with_item(State *st, const Node *it)
{
    const Node *b = begin_call(st, it->v.withitem.context_expr);
    if (b) {
        begun(st, b);
        act(st, b, arena_printf(st->c->a, "`%s.begin()` on line %d began one", st->name,
                                b->lineno));
        return 1;
    }
    scan(st, it->v.withitem.context_expr);
    if (is_x(st, it->v.withitem.optional_vars)) {
        act(st, NULL, NULL); /* bound anew */
        return 1;
    }
    return 0;
}

static void scan(State *st, const Node *n)
{
    if (!n || st->depth > BEGIN_MAX_DEPTH || ast_is_def(n) || (st->probe && st->first_done))
        return;
    const Node *t, *v;
    if (n->kind == NODE_With || n->kind == NODE_AsyncWith) {
        int block = 0;
        for (int i = 0; i < n->v.With.items.n; i++)
            block |= with_item(st, n->v.With.items.items[i]);
        st->depth++;
        for (int i = 0; i < n->v.With.body.n; i++)
            scan(st, n->v.With.body.items[i]);
        st->depth--;
        if (block) /* the end of a begin() block commits or rolls back; the exit of
                      the context manager that made x releases it */
            act(st, NULL, NULL);
        return;
    }
    if (ast_single_assign(n, &t, &v) && is_x(st, t)) {
        scan(st, v);
        act(st, NULL, NULL); /* bound anew */
        return;
    }
    if (n->kind == NODE_Call) {
        const Node *f = n->v.Call.func;
        if (f->kind == NODE_Attribute && is_x(st, f->v.Attribute.value)) {
            const char *m = f->v.Attribute.attr;
            if (!strcmp(m, "begin")) {
                begun(st, n);
                act(st, n, arena_printf(st->c->a, "`%s.begin()` on line %d began one", st->name,
                                        n->lineno));
            } else if (ast_name_in(m, ends)) {
                act(st, NULL, NULL);
            } else if (ast_name_in(m, uses)) {
                act(st, n, arena_printf(st->c->a, "`%s.%s()` on line %d began one (autobegin)",
                                        st->name, m, n->lineno));
            }
        } else {
            handed(st, n);
        }
    }
    st->depth++;
    ast_children((Node *)n, scan_kid, st);
    st->depth--;
}

/* The statement lists of a compound statement. */
static int lists(const Node *p, const NodeList *out[4])
{
    int k = 0;
    switch (p->kind) {
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef: out[k++] = &p->v.FunctionDef.body; break;
    case NODE_If:
    case NODE_While: out[k++] = &p->v.If.body; out[k++] = &p->v.If.orelse; break;
    case NODE_For:
    case NODE_AsyncFor: out[k++] = &p->v.For.body; out[k++] = &p->v.For.orelse; break;
    case NODE_With:
    case NODE_AsyncWith: out[k++] = &p->v.With.body; break;
    case NODE_Try:
    case NODE_TryStar:
        out[k++] = &p->v.Try.body;
        out[k++] = &p->v.Try.orelse;
        out[k++] = &p->v.Try.finalbody;
        break;
    case NODE_ExceptHandler: out[k++] = &p->v.ExceptHandler.body; break;
    default: break;
    }
    return k;
}

/* Does an enclosing `if`'s test ask for the transaction's state? */
static int asks_state(const Node *test, int depth)
{
    if (!test || depth > BEGIN_MAX_DEPTH)
        return 0;
    if (test->kind == NODE_Attribute &&
        (!strcmp(test->v.Attribute.attr, "in_transaction") ||
         !strcmp(test->v.Attribute.attr, "in_nested_transaction") ||
         !strcmp(test->v.Attribute.attr, "get_transaction")))
        return 1;
    switch (test->kind) {
    case NODE_Call: return asks_state(test->v.Call.func, depth + 1);
    case NODE_UnaryOp: return asks_state(test->v.UnaryOp.operand, depth + 1);
    case NODE_BoolOp:
        for (int i = 0; i < test->v.BoolOp.values.n; i++)
            if (asks_state(test->v.BoolOp.values.items[i], depth + 1))
                return 1;
        return 0;
    case NODE_Compare: return asks_state(test->v.Compare.left, depth + 1);
    case NODE_Attribute: return asks_state(test->v.Attribute.value, depth + 1);
    default: return 0;
    }
}

/* The statements before the node at w's stack position k + 1, in each
 * enclosing block from the function's body down: what runs before it on
 * every path.  Returns 0 when an enclosing test asks for the state. */
static int before(State *st, const DbWalk *w, int top, const Node *at)
{
    for (int k = top; k < w->depth; k++) {
        const Node *p = w->stack[k], *child = k + 1 < w->depth ? w->stack[k + 1] : at;
        if (p->kind == NODE_If && asks_state(p->v.If.test, 0))
            return 0;
        if (p->kind == NODE_With || p->kind == NODE_AsyncWith) /* its items come first */
            for (int i = 0; i < p->v.With.items.n && p->v.With.items.items[i] != child; i++)
                with_item(st, p->v.With.items.items[i]);
        const NodeList *ls[4];
        int nl = lists(p, ls);
        for (int l = 0; l < nl; l++) {
            int i = 0;
            while (i < ls[l]->n && ls[l]->items[i] != child)
                i++;
            if (i == ls[l]->n)
                continue;
            for (int j = 0; j < i; j++)
                scan(st, ls[l]->items[j]);
        }
    }
    return 1;
}

/* At the entry of func: is its parameter x, filled by a FastAPI dependency,
 * already in a transaction?  Its provider used it before the yield, or
 * another dependency of the request queried the same cached session. */
static void entry(State *st, const Node *func)
{
    const FlowEnv *env = st->c->env;
    int ix = -1;
    for (int i = 0; ast_param(func, i); i++)
        if (!strcmp(ast_param(func, i)->v.arg.arg, st->name))
            ix = i;
    Depends dx;
    if (ix < 0 || !env->summary_of ||
        !depends_of_param(env, st->c->a, st->s, func, ix, &dx) || !dx.def)
        return;
    const FlowSummary *px = env->summary_of(env->summary_arg, dx.def);
    if (!px || px->yields_kind != RES_SESSION)
        return;
    if (px->yields_used) {
        act(st, ast_param(func, ix),
            arena_printf(st->c->a, "its dependency `%s` used it before it yielded it",
                         dx.def->v.FunctionDef.name));
        st->step = arena_printf(st->c->a, "`%s` uses the session before it hands it over",
                                dx.def->v.FunctionDef.name);
        return;
    }
    for (int j = 0; !dx.uncached && ast_param(func, j); j++) {
        Depends dj, dk;
        if (j == ix || !depends_of_param(env, st->c->a, st->s, func, j, &dj) || !dj.def ||
            dj.uncached || (dj.scoped && env->fastapi && env->fastapi->scopes_split))
            continue;
        const ScopeTable *t = value_table_of(env->values, dj.def);
        FlowEnv pe = *env;
        pe.scopes = t ? t : env->scopes;
        const Scope *ps = scope_of(pe.scopes, dj.def);
        const char *why = NULL;
        for (int k = 0; ps && ast_param(dj.def, k); k++)
            if (depends_of_param(&pe, st->c->a, ps, dj.def, k, &dk) && dk.def == dx.def &&
                !dk.uncached && leaves_open(st, dj.def, pe.scopes, k, &why)) {
                act(st, ast_param(func, j),
                    arena_printf(st->c->a, "the dependency `%s` of the same request queried it "
                                           "first (FastAPI hands both the one session of `%s`)",
                                 dj.def->v.FunctionDef.name, dx.def->v.FunctionDef.name));
                st->step = arena_printf(st->c->a, "`%s` queries the same session before this "
                                                  "function runs, and leaves its transaction open",
                                        dj.def->v.FunctionDef.name);
                return;
            }
    }
}

static void report(DbCtx *c, const Source *src, FindingList *out, const Node *at, const State *st,
                   const char *what, const char *last)
{
    TraceStep steps[2] = {{src->path, st->use->lineno, st->use->col_offset, st->step},
                          {src->path, at->lineno, at->col_offset, last}};
    diag_report(out, c->a, "SL305", src->path, at,
                arena_printf(c->a,
                             "%s raises InvalidRequestError (\"A transaction is already "
                             "begun\"): `%s` is in a transaction here, since %s, and only "
                             "commit(), rollback() or close() ends it; commit or roll back "
                             "first, or use `%s.begin_nested()` for a savepoint",
                             what, st->name, st->why, st->name),
                steps, 2);
}

/* Does the project function that call runs begin a transaction on the
 * parameter that argument j fills before anything else it does with it? */
static const Node *callee_begins(DbCtx *c, const Scope *s, const Node *call, int j,
                                 const Node **def_out)
{
    const ScopeTable *t = NULL;
    int method = 0;
    const Node *def = dbval_callee(c, c->env->scopes, s, call, &t, &method);
    int p = def ? ast_arg_param(def, method, call, j) : -1;
    const Node *param = p >= 0 ? ast_param(def, p) : NULL;
    if (!param)
        return NULL;
    FlowEnv env = *c->env;
    env.scopes = t ? t : c->env->scopes;
    DbCtx in = *c;
    in.env = &env;
    State st = {.c = &in, .s = scope_of(env.scopes, def), .name = param->v.arg.arg, .probe = 1};
    for (int i = 0; st.s && i < def->v.FunctionDef.body.n && !st.first_done; i++)
        scan(&st, def->v.FunctionDef.body.items[i]);
    *def_out = def;
    return st.begin;
}

/* Does x hold what begin() refuses in a transaction: a session, or a
 * connection of a 2.0-style engine? */
static int begins_on(DbCtx *c, const DbWalk *w, const Node *x, int legacy)
{
    Val v = dbval_expr(c, w->scope, x);
    return v.tag == VAL_RESOURCE &&
           (v.kind == RES_SESSION || (v.kind == RES_CONNECTION && (v.sub || !legacy)));
}

void begins_visit(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w, const Node *n,
                  int legacy)
{
    if (n->kind != NODE_Call)
        return;
    const Node *f = n->v.Call.func, *x = NULL;
    int j = -1;
    if (f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "begin") &&
        f->v.Attribute.value->kind == NODE_Name) {
        x = f->v.Attribute.value;
        if (!begins_on(c, w, x, legacy))
            return;
    } else { /* the first plain name among the arguments that holds one */
        for (int k = 0; ast_call_arg(n, k) && !x && k < BEGIN_MAX_ARGS; k++)
            if (ast_call_arg(n, k)->kind == NODE_Name && begins_on(c, w, ast_call_arg(n, k), legacy)) {
                x = ast_call_arg(n, k);
                j = k;
            }
        if (!x)
            return;
    }
    const Node *func = dbval_walk_func(w);
    int top = 0;
    while (top < w->depth && w->stack[top] != func)
        top++;
    if (!func || top == w->depth || func->kind == NODE_Lambda)
        return;
    const Node *def = NULL, *b = NULL;
    if (j >= 0 && !(b = callee_begins(c, w->scope, n, j, &def)))
        return; /* a call: only one whose callee begins on it first */
    State st = {.c = c, .s = w->scope, .name = x->v.Name.id};
    entry(&st, func);
    if (!before(&st, w, top, n) || !st.use)
        return;
    if (j < 0) {
        report(c, src, out, n, &st, arena_printf(c->a, "`%s.begin()`", x->v.Name.id),
               "begin() is called here, in that transaction");
        return;
    }
    report(c, src, out, n, &st,
           arena_printf(c->a, "this call: `%s` begins a transaction on it first (line %d), which",
                        def->v.FunctionDef.name, b->lineno),
           arena_printf(c->a, "handed to `%s`, which calls begin() on it first",
                        def->v.FunctionDef.name));
}
