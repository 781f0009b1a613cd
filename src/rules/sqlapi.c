/*
 * sqlapi.c - SL301 raw-sql-string.  SQLAlchemy 2.0's Session.execute(),
 * Connection.execute() and their scalar()/scalars() take a statement
 * object; a str raises ArgumentError ("Textual SQL expression ... should
 * be explicitly declared as text(...)").  1.4 accepted it with a
 * deprecation warning, so the rule follows the project's SQLAlchemy
 * version.  A finding needs both halves to be certain: the receiver is a
 * SQLAlchemy session or connection (DB-API cursors, psycopg and asyncpg
 * connections take strings), and the argument is a str on every path.
 */
#include "rules/sqlapi.h"

#include <string.h>

static const char *const executes[] = {"execute", "scalar", "scalars"};

typedef struct SqlCheck {
    DbCtx *c;
    const Source *src;
    FindingList *out;
} SqlCheck;

static int is_execute(const char *m)
{
    for (size_t i = 0; i < sizeof executes / sizeof *executes; i++)
        if (!strcmp(m, executes[i]))
            return 1;
    return 0;
}

/* The statement argument of an execute call: the first positional, or
 * statement=. */
static const Node *statement_arg(const Node *call)
{
    if (call->v.Call.args.n > 0)
        return call->v.Call.args.items[0];
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "statement"))
            return k->v.keyword.value;
    }
    return NULL;
}

static void report(SqlCheck *k, const Node *call, const Node *arg, const Node *origin,
                   const Val *recv)
{
    DbCtx *c = k->c;
    const Node *f = call->v.Call.func;
    const char *who = dbval_text(c, k->src, f->v.Attribute.value, 30);
    const char *what = arg->kind == NODE_Name ? arg->v.Name.id : dbval_text(c, k->src, arg, 40);
    const char *m = f->v.Attribute.attr;
    Finding fd = {0};
    fd.code = "SL301";
    fd.path = k->src->path;
    diag_span(&fd, call);
    fd.message =
        arena_printf(c->a,
                     "`%s.%s()` is given a plain SQL string: SQLAlchemy 2.0 raises "
                     "ArgumentError, textual SQL must be declared with text()",
                     who ? who : (recv->kind == RES_SESSION ? "session" : "connection"), m);
    fd.trace = arena_alloc(c->a, 2 * sizeof *fd.trace);
    if (origin && origin != arg)
        fd.trace[fd.ntrace++] = (TraceStep){k->src->path, origin->lineno, origin->col_offset,
                                            "the string is bound here"};
    fd.trace[fd.ntrace++] = (TraceStep){
        k->src->path, arg->lineno, arg->col_offset,
        what ? arena_printf(c->a, "help: wrap it in sqlalchemy.text(): `%s.%s(text(%s))`",
                            who ? who : "db", m, what)
             : "help: wrap it in sqlalchemy.text(): `text(\"SELECT ...\")`"};
    diag_add(k->out, &fd);
}

static int visit(DbWalk *w, const Node *n)
{
    SqlCheck *k = w->arg;
    if (n->kind != NODE_Call || n->v.Call.func->kind != NODE_Attribute ||
        !is_execute(n->v.Call.func->v.Attribute.attr))
        return 1;
    const Node *arg = statement_arg(n);
    const Node *origin = NULL;
    if (!arg || !dbval_is_str(k->c, w->scope, arg, &origin))
        return 1;
    Val recv = dbval_expr(k->c, w->scope, n->v.Call.func->v.Attribute.value);
    if (dbval_is_sqlalchemy(&recv))
        report(k, n, arg, origin, &recv);
    return 1;
}

void sqlapi_check(DbCtx *c, const Source *src, const Node *module, const ProjectFacts *facts,
                  FindingList *out)
{
    if (facts && facts->sqlalchemy.major >= 0 && facts->sqlalchemy.major < 2)
        return; /* 1.x runs a str as textual SQL (with a RemovedIn20Warning) */
    SqlCheck k = {c, src, out};
    DbWalk w;
    memset(&w, 0, sizeof w);
    w.t = c->env->scopes;
    w.visit = visit;
    w.arg = &k;
    dbval_walk(&w, module);
}
