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
 * test of in_transaction() (an if
 * statement's, or a conditional expression's) is quiet.
 *
 * psycopg2's connection is its own context manager, and `with conn:` is a
 * transaction.  From 2.9 entering it again inside its own block raises
 * ProgrammingError ("the connection cannot be re-entered recursively",
 * psycopg2 commit e5ad0ab, NEWS 2.9: `with connection` starts a
 * transaction); before 2.9 the inner block's exit commits what the outer
 * block did so far.  Reported: a `with` of a psycopg2 connection inside a
 * `with` of the same one in the function (the same name, `as` name,
 * `self.<attr>`, or module global), and a call there to a project function
 * that enters, itself or through the functions it calls (PG2_MAX_LEVELS),
 * `with` of the same module global, or of the same `self.<attr>` for a
 * method called on self.  Limits: a name bound again between the two is
 * taken for the same connection; a connection handed as an argument is
 * not followed into the callee.
 */
#include "rules/begins.h"

#include <string.h>

#include "depends.h"
#include "fastapi.h"
#include "project.h"
#include "value.h"

#define BEGIN_MAX_DEPTH 256 /* nesting followed in a body */
#define PG2_MAX_LEVELS 2    /* calls followed down from a with block of a global connection */
#define BEGIN_MAX_ARGS 8    /* arguments of a call looked at for a session */

static const char *const uses[] = {"execute", "scalar", "scalars", "get", "get_one", "query",
                                   "add", "add_all", "merge", "flush", "delete", "refresh",
                                   "exec", "exec_driver_sql", "connection", NULL};
static const char *const ends[] = {"commit", "rollback", "close", NULL};

/* x's state along the statements read so far. */
typedef struct State {
    DbCtx *c;
    const Scope *s;
    const char *name;  /* x, or the `self` of self.<attr> */
    const char *attr;  /* x is self.<attr> (name the method's first parameter), or NULL */
    const char *text;  /* x as written, for the message */
    const Node *use;   /* what put it in a transaction, or NULL: not in one */
    const char *why;   /* how, for the message */
    const char *step;  /* the witness step at use */
    int level;         /* 0: the function checked; 1: a helper it hands x to */
    int probe;         /* reading a callee: is its first act on x a begin()? */
    const Node *begin; /* ... that begin, if so */
    int first_done;    /* ... the first act has been seen */
    int touched;       /* some act on x has been seen */
    int depth;
} State;

static int is_x(const State *st, const Node *e)
{
    if (st->attr)
        return e && e->kind == NODE_Attribute && e->v.Attribute.value->kind == NODE_Name &&
               !strcmp(e->v.Attribute.value->v.Name.id, st->name) &&
               !strcmp(e->v.Attribute.attr, st->attr);
    return e && e->kind == NODE_Name && !strcmp(e->v.Name.id, st->name);
}

/* Is e `self.<attr>` (self: the first parameter of the method func)?  The
 * attribute, or NULL. */
static const char *self_attr(const Node *func, const Node *e)
{
    const Node *self = func && ast_is_function(func) ? ast_param(func, 0) : NULL;
    return self && e && e->kind == NODE_Attribute && e->v.Attribute.value->kind == NODE_Name &&
                   !strcmp(e->v.Attribute.value->v.Name.id, self->v.arg.arg)
               ? e->v.Attribute.attr
               : NULL;
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
    st->touched = 1;
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

/* What a project function does to its parameter p (of module table t), or
 * with attr, to p's attribute attr (`self.session` of a method called on
 * self): the state its body leaves it in, read the same way, from a state
 * with no transaction; NULL when it leaves none open (*touched: it acted on
 * it at all).  One level of helpers deep: below it, a summary that ends
 * the transaction (`ends_txn`) is all that counts. */
static const Node *leaves_open(State *st, const Node *def, const ScopeTable *t, int p,
                               const char *attr, const char **why, int *touched)
{
    const Node *param = ast_param(def, p);
    if (!param || st->level > 0)
        return NULL;
    FlowEnv env = *st->c->env;
    env.scopes = t ? t : st->c->env->scopes;
    DbCtx in = *st->c;
    in.env = &env;
    const char *text = attr ? arena_printf(st->c->a, "%s.%s", param->v.arg.arg, attr)
                            : param->v.arg.arg;
    State h = {.c = &in, .s = scope_of(env.scopes, def), .name = param->v.arg.arg, .attr = attr,
               .text = text, .level = 1};
    for (int i = 0; h.s && i < def->v.FunctionDef.body.n; i++)
        scan(&h, def->v.FunctionDef.body.items[i]);
    *why = h.why;
    if (touched)
        *touched = h.touched;
    return h.use;
}

/* A call that hands x to a project function: what the function does to it. */
static void handed(State *st, const Node *call)
{
    const Node *f = call->v.Call.func;
    if (st->attr && st->level == 0 && f->kind == NODE_Attribute &&
        f->v.Attribute.value->kind == NODE_Name && !strcmp(f->v.Attribute.value->v.Name.id, st->name)) {
        /* self._load(id): a method of the class, what it does to self.<attr>;
           one that does nothing to it leaves it as it was */
        const ScopeTable *t = NULL;
        int method = 0, touched = 0;
        const Node *def = dbval_callee(st->c, st->c->env->scopes, st->s, call, &t, &method);
        const char *why = NULL;
        if (def && method && leaves_open(st, def, t, 0, st->attr, &why, &touched))
            act(st, call, arena_printf(st->c->a, "`%s` (called on line %d) left it in one: %s",
                                        def->v.FunctionDef.name, call->lineno, why));
        else if (touched)
            act(st, NULL, NULL);
    }
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
            if (leaves_open(st, def, t, p, NULL, &why, NULL))
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
        act(st, b, arena_printf(st->c->a, "`%s.begin()` on line %d began one", st->text,
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
                act(st, n, arena_printf(st->c->a, "`%s.begin()` on line %d began one", st->text,
                                        n->lineno));
            } else if (ast_name_in(m, ends)) {
                act(st, NULL, NULL);
            } else if (ast_name_in(m, uses)) {
                act(st, n, arena_printf(st->c->a, "`%s.%s()` on line %d began one (autobegin)",
                                        st->text, m, n->lineno));
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
        if ((p->kind == NODE_If && asks_state(p->v.If.test, 0)) ||
            (p->kind == NODE_IfExp && child != p->v.IfExp.test && asks_state(p->v.IfExp.test, 0)))
            return 0; /* `x.begin() if not x.in_transaction() else ...` as well */
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
    for (int i = 0; !st->attr && ast_param(func, i); i++)
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
                !dk.uncached && leaves_open(st, dj.def, pe.scopes, k, NULL, &why, NULL)) {
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
                             what, st->text, st->why, st->text),
                steps, 2);
}

/* Does the project function that call runs begin a transaction on the
 * parameter that argument j fills before anything else it does with it? */
/* callee_begins' answers in one module's walk, by callee and parameter: a
 * helper handed the session at many calls is scanned once.  The scan reads
 * only the callee, its table and the parameter, never the call. */
enum { BEGINS_MEMO = 64 };
typedef struct BeginsRow {
    const Node *def, *begin; /* the callee; its first begin() on the parameter, or NULL */
    int param;
} BeginsRow;
struct BeginsMemo {
    int n;
    BeginsRow row[BEGINS_MEMO];
};

static const Node *callee_begins(DbCtx *c, const Scope *s, const Node *call, int j,
                                 const Node **def_out, BeginsMemo **memo)
{
    const ScopeTable *t = NULL;
    int method = 0;
    const Node *def = dbval_callee(c, c->env->scopes, s, call, &t, &method);
    int p = def ? ast_arg_param(def, method, call, j) : -1;
    const Node *param = p >= 0 ? ast_param(def, p) : NULL;
    if (!param)
        return NULL;
    *def_out = def;
    if (!*memo) {
        *memo = arena_alloc(c->a, sizeof **memo);
        (*memo)->n = 0;
    }
    BeginsMemo *m = *memo;
    for (int i = 0; i < m->n; i++)
        if (m->row[i].def == def && m->row[i].param == p)
            return m->row[i].begin;
    FlowEnv env = *c->env;
    env.scopes = t ? t : c->env->scopes;
    DbCtx in = *c;
    in.env = &env;
    State st = {.c = &in, .s = scope_of(env.scopes, def), .name = param->v.arg.arg,
                .text = param->v.arg.arg, .probe = 1};
    for (int i = 0; st.s && i < def->v.FunctionDef.body.n && !st.first_done; i++)
        scan(&st, def->v.FunctionDef.body.items[i]);
    if (m->n < BEGINS_MEMO) /* more helpers than rows: the rest are scanned at each call */
        m->row[m->n++] = (BeginsRow){def, st.begin, p};
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

/* ---- psycopg2: a connection's with block entered inside itself ---- */

/* Is v a psycopg2 connection (psycopg2.connect(), a psycopg2 pool's
 * getconn(); engine.raw_connection()'s is taken for one too)? */
static int pg2_conn(const Val *v)
{
    return v->tag == VAL_RESOURCE && (v->kind == RES_DBAPI || (v->kind == RES_POOLED && v->sub));
}

/* The connection the expression e (in scope s of table t) names, as a key
 * two places naming it share: "self.<attr>", the qualified name of a
 * module's global wherever it is read ("config.conn"), else the local
 * name; NULL for anything else. */
static const char *conn_key(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    if (!e)
        return NULL;
    if (e->kind == NODE_Attribute && e->v.Attribute.value->kind == NODE_Name &&
        !strcmp(e->v.Attribute.value->v.Name.id, "self"))
        return arena_printf(c->a, "self.%s", e->v.Attribute.attr);
    if (e->kind == NODE_Attribute)
        return dbval_qualname_in(c, t, s, e);
    if (e->kind != NODE_Name)
        return NULL;
    const Scope *where = NULL;
    const Binding *b = scope_lookup(t, s, e->v.Name.id, &where);
    if (b && b->kind == BIND_IMPORT)
        return b->qualname;
    if (b && where && where->kind == SCOPE_MODULE)
        return arena_printf(c->a, "%s.%s", scope_module_name(t), e->v.Name.id);
    return e->v.Name.id;
}

/* Does the with item it enter the connection key names: its expression
 * names it, or (for a with item of this module, t NULL) the name `as`
 * binds does, and the context manager is the connection itself (`with
 * pool.getconn() as conn`), not a wrapper that only hands it over
 * (`with closing(psycopg2.connect()) as conn`, whose value is the same). */
static int enters(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *it, const char *key)
{
    const Node *e = it->v.withitem.context_expr, *as = it->v.withitem.optional_vars;
    const char *k = conn_key(c, t ? t : c->env->scopes, s, e);
    if (k && !strcmp(k, key))
        return 1;
    if (t || !as || as->kind != NODE_Name || !(k = conn_key(c, c->env->scopes, s, as)) ||
        strcmp(k, key))
        return 0;
    const char *q = e->kind == NODE_Call ? dbval_qualname(c, s, e->v.Call.func) : NULL;
    Val v = dbval_expr(c, s, e);
    return pg2_conn(&v) && !(q && !strcmp(q, "contextlib.closing"));
}

/* Is child one of the statements of with's body? */
static int in_body(const Node *with, const Node *child)
{
    for (int i = 0; i < with->v.With.body.n; i++)
        if (with->v.With.body.items[i] == child)
            return 1;
    return 0;
}

/* The psycopg2 version, for the message: what it does, and why. */
static const char *pg2_effect(DbCtx *c, const ProjectFacts *f, int *old)
{
    const Version *v = f ? &f->psycopg2 : NULL;
    Version v29 = {2, 9, 0};
    char text[64];
    *old = v && v->major >= 0 && project_version_cmp(v, &v29) < 0;
    if (!v || v->major < 0)
        return "psycopg2's version is not known: 2.9 or later is assumed";
    project_version_text(v, text, sizeof text);
    return arena_printf(c->a, "psycopg2 %s from %s", text, f->psycopg2_from);
}

static void pg2_report(DbCtx *c, const Source *src, FindingList *out, const Node *at,
                       const Node *outer, const char *name, const char *what, TraceStep inner,
                       const ProjectFacts *f)
{
    int old;
    const char *ver = pg2_effect(c, f, &old);
    TraceStep steps[3] = {{src->path, outer->lineno, outer->col_offset,
                           "the connection's with block (its transaction) begins here"},
                          inner,
                          {src->path, at->lineno, at->col_offset,
                           inner.path ? "called here, inside that block" : "entered again here"}};
    int n = inner.path ? 3 : 2;
    if (!inner.path)
        steps[1] = steps[2];
    const char *msg =
        old ? arena_printf(c->a,
                           "%s commits the outer transaction early: `%s` is already inside its "
                           "`with` block of line %d, and psycopg2 before 2.9 (%s) commits at the "
                           "inner block's end what the outer block did so far, which a rollback "
                           "of the outer block can no longer undo; keep one `with` block for the "
                           "transaction",
                           what, name, outer->lineno, ver)
            : arena_printf(c->a,
                           "%s raises ProgrammingError (\"the connection cannot be re-entered "
                           "recursively\"): `%s` is already inside its `with` block of line %d, "
                           "and psycopg2 2.9 and later refuse to enter it again (%s); end the "
                           "outer block first, or keep one `with` block for the transaction",
                           what, name, outer->lineno, ver);
    diag_report(out, c->a, "SL305", src->path, at, msg, steps, n);
}

/* The enclosing with statement of the function that enters the connection
 * key names in its items, with n in its body; its item into *item. */
static const Node *outer_with(DbCtx *c, const DbWalk *w, const Node *n, const char *key,
                              const Node **item)
{
    for (int k = w->depth - 1; k >= 0 && !ast_is_def(w->stack[k]); k--) {
        const Node *p = w->stack[k], *child = k + 1 < w->depth ? w->stack[k + 1] : n;
        if (p->kind != NODE_With || !in_body(p, child))
            continue;
        for (int i = 0; i < p->v.With.items.n; i++)
            if (enters(c, NULL, w->scope, p->v.With.items.items[i], key)) {
                *item = p->v.With.items.items[i];
                return p;
            }
    }
    return NULL;
}

/* `with conn:` of a psycopg2 connection inside a `with` of the same one. */
static void pg2_nested(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w,
                       const Node *n, const ProjectFacts *f)
{
    for (int i = 0; i < n->v.With.items.n; i++) {
        const Node *e = n->v.With.items.items[i]->v.withitem.context_expr, *item = NULL;
        const char *key = conn_key(c, c->env->scopes, w->scope, e);
        if (!key || !outer_with(c, w, n, key, &item))
            continue;
        Val v = dbval_expr(c, w->scope, e);
        if (!pg2_conn(&v))
            continue;
        TraceStep none = {NULL, 0, 0, NULL};
        const char *text = dbval_text(c, src, e, 40);
        pg2_report(c, src, out, e, item->v.withitem.context_expr, text,
                   arena_printf(c->a, "`with %s:`", text), none, f);
        return;
    }
}

/* `self.m(...)`: a method of the same object. */
static int on_self(const Node *call)
{
    const Node *f = call->v.Call.func;
    return f->kind == NODE_Attribute && f->v.Attribute.value->kind == NODE_Name &&
           !strcmp(f->v.Attribute.value->v.Name.id, "self");
}

/* A search of a project function for a `with` of one connection. */
typedef struct Pg2Find {
    DbCtx *c;
    const ScopeTable *t; /* the function's module */
    const Scope *s;      /* its scope */
    const char *key;     /* the connection (conn_key) */
    int self_ok;         /* a method called on the caller's self: "self.<attr>" holds */
    int level;           /* calls followed to get here */
    int depth;
    const Node *item;    /* found: the with item */
    const Node *def;     /* ... in this function */
} Pg2Find;

static void pg2_find(Pg2Find *q, const Node *def);

static void pg2_find_kid(Node *parent, Node *n, void *arg)
{
    Pg2Find *q = arg;
    (void)parent;
    if (q->item || q->depth > BEGIN_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_With)
        for (int i = 0; i < n->v.With.items.n && !q->item; i++)
            if (enters(q->c, q->t, q->s, n->v.With.items.items[i], q->key))
                q->item = n->v.With.items.items[i];
    if (!q->item && n->kind == NODE_Call && q->level + 1 < PG2_MAX_LEVELS) {
        int method = 0;
        const ScopeTable *t = NULL;
        const Node *def = dbval_callee(q->c, q->t, q->s, n, &t, &method);
        if (def && ast_is_function(def)) {
            Pg2Find in = {q->c, t ? t : q->t, NULL, q->key, q->self_ok && on_self(n) && method,
                          q->level + 1, 0, NULL, NULL};
            pg2_find(&in, def);
            q->item = in.item;
            q->def = in.def;
        }
    }
    q->depth++;
    if (!q->item)
        ast_children(n, pg2_find_kid, q);
    q->depth--;
}

/* Does def (of q->t), or a function it calls, enter `with` of q->key? */
static void pg2_find(Pg2Find *q, const Node *def)
{
    if (!strncmp(q->key, "self.", 5) && !q->self_ok)
        return;
    q->s = scope_of(q->t, def);
    for (int i = 0; q->s && i < def->v.FunctionDef.body.n && !q->item; i++)
        pg2_find_kid((Node *)def, def->v.FunctionDef.body.items[i], q);
    if (q->item && !q->def)
        q->def = def;
}

/* A call, inside a `with` of a psycopg2 connection that a module global or
 * self.<attr> holds, to a project function that enters `with` of it. */
static void pg2_callee(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w,
                       const Node *call, const ProjectFacts *f)
{
    const Node *def = NULL;
    const ScopeTable *t = NULL;
    int method = 0, tried = 0;
    for (int k = w->depth - 1; k >= 0 && !ast_is_def(w->stack[k]); k--) {
        const Node *p = w->stack[k], *child = k + 1 < w->depth ? w->stack[k + 1] : call;
        if (p->kind != NODE_With || !in_body(p, child))
            continue;
        for (int i = 0; i < p->v.With.items.n; i++) {
            const Node *e = p->v.With.items.items[i]->v.withitem.context_expr;
            const char *key = conn_key(c, c->env->scopes, w->scope, e);
            if (!key || !strchr(key, '.'))
                continue; /* a local: no callee sees it by name */
            Val v = dbval_expr(c, w->scope, e);
            if (!pg2_conn(&v))
                continue;
            if (!tried++)
                def = dbval_callee(c, c->env->scopes, w->scope, call, &t, &method);
            if (!def || !ast_is_function(def))
                return;
            Pg2Find q = {c, t ? t : c->env->scopes, NULL, key, on_self(call) && method, 0, 0,
                         NULL, NULL};
            pg2_find(&q, def);
            if (!q.item)
                continue;
            const char *path = value_path_of(c->env->values, q.def);
            const Node *ie = q.item->v.withitem.context_expr;
            TraceStep inner = {path ? path : src->path, ie->lineno, ie->col_offset,
                               arena_printf(c->a, "`%s` enters the connection's with block "
                                                  "again here",
                                            q.def->v.FunctionDef.name)};
            const char *text = dbval_text(c, src, e, 40);
            pg2_report(c, src, out, call, e, text,
                       arena_printf(c->a, "this call: `%s` enters `with %s:`%s%s%s (line %d%s%s), "
                                          "which",
                                    def->v.FunctionDef.name, text,
                                    q.def != def ? " through `" : "",
                                    q.def != def ? q.def->v.FunctionDef.name : "",
                                    q.def != def ? "`" : "", ie->lineno,
                                    path && strcmp(path, src->path) ? " of " : "",
                                    path && strcmp(path, src->path) ? path : ""),
                       inner, f);
            return;
        }
    }
}

void begins_visit(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w, const Node *n,
                  int legacy, const ProjectFacts *facts, BeginsMemo **memo)
{
    if (n->kind == NODE_With)
        pg2_nested(c, src, out, w, n, facts);
    if (n->kind != NODE_Call)
        return;
    pg2_callee(c, src, out, w, n, facts);
    const Node *f = n->v.Call.func, *x = NULL;
    const Node *func = dbval_walk_func(w);
    if (!func || func->kind == NODE_Lambda)
        return; /* what follows reports in a def only: not worth the questions below */
    /* x is a name, or self.<attr> in a method (the session a service keeps) */
    const Node *m = w->scope && w->scope->parent && w->scope->parent->kind == SCOPE_CLASS ? func : NULL;
    int j = -1;
    if (f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "begin") &&
        (f->v.Attribute.value->kind == NODE_Name || self_attr(m, f->v.Attribute.value))) {
        x = f->v.Attribute.value;
        if (!begins_on(c, w, x, legacy))
            return;
    } else { /* the first plain name among the arguments that holds one */
        for (int k = 0; ast_call_arg(n, k) && !x && k < BEGIN_MAX_ARGS; k++)
            if ((ast_call_arg(n, k)->kind == NODE_Name || self_attr(m, ast_call_arg(n, k))) &&
                begins_on(c, w, ast_call_arg(n, k), legacy)) {
                x = ast_call_arg(n, k);
                j = k;
            }
        if (!x)
            return;
    }
    int top = 0;
    while (top < w->depth && w->stack[top] != func)
        top++;
    if (top == w->depth)
        return;
    const Node *def = NULL, *b = NULL;
    if (j >= 0 && !(b = callee_begins(c, w->scope, n, j, &def, memo)))
        return; /* a call: only one whose callee begins on it first */
    State st = {.c = c, .s = w->scope, .name = x->v.Name.id, .text = x->v.Name.id};
    if (x->kind == NODE_Attribute) {
        st.name = x->v.Attribute.value->v.Name.id;
        st.attr = x->v.Attribute.attr;
        st.text = arena_printf(c->a, "%s.%s", st.name, st.attr);
    }
    entry(&st, func);
    if (!before(&st, w, top, n) || !st.use)
        return;
    if (j < 0) {
        report(c, src, out, n, &st, arena_printf(c->a, "`%s.begin()`", st.text),
               "begin() is called here, in that transaction");
        return;
    }
    report(c, src, out, n, &st,
           arena_printf(c->a, "this call: `%s` begins a transaction on it first (line %d), which",
                        def->v.FunctionDef.name, b->lineno),
           arena_printf(c->a, "handed to `%s`, which calls begin() on it first",
                        def->v.FunctionDef.name));
}
