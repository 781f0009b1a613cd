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

#include "fixgen.h"

static const char *const executes[] = {"execute", "scalar", "scalars"};

/* What `text` may already mean when it is SQLAlchemy's. */
static const char *const text_quals[] = {"sqlalchemy.text", "sqlalchemy.sql.text",
                                         "sqlalchemy.sql.expression.text", "sqlmodel.text"};

typedef struct SqlCheck {
    DbCtx *c;
    const Source *src;
    FindingList *out;
    const Node *module;
    int legacy; /* SQLAlchemy 1.x: only a future=True engine's connections refuse strings */
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

/* Does SQL text hold what text() takes for a bind parameter: `:name` after
 * no word character, colon or backslash, and before no colon (SQLAlchemy's
 * rule)? */
static int has_binds(const char *q)
{
    for (const char *p = q; *p; p++) {
        if (*p != ':' || !(p[1] == '_' || (p[1] >= 'a' && p[1] <= 'z') ||
                           (p[1] >= 'A' && p[1] <= 'Z') || (p[1] >= '0' && p[1] <= '9')))
            continue;
        char b = p > q ? p[-1] : ' ';
        if (b == ':' || b == '\\' || b == '_' || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
            (b >= '0' && b <= '9'))
            continue;
        const char *e = p + 1;
        while (*e == '_' || (*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') ||
               (*e >= '0' && *e <= '9'))
            e++;
        if (*e != ':')
            return 1;
    }
    return 0;
}

/* The DB-API's own placeholders (%s, %(name)s), which text() does not read. */
static int has_pyformat(const char *q)
{
    return strstr(q, "%s") || strstr(q, "%(");
}

/* The name that calls sqlalchemy.text from scope s (adding the import when
 * nothing is called text there), or NULL. */
static const char *text_name(SqlCheck *k, FixGen *g, const Scope *s)
{
    const ScopeTable *t = k->c->env->scopes;
    const char *n = fixgen_import(g, t, s, k->module, "sqlalchemy", "text", text_quals,
                                  (int)(sizeof text_quals / sizeof *text_quals));
    if (n)
        return n;
    const Scope *m = scope_module(t); /* `import sqlalchemy as sa`: sa.text */
    for (int i = 0; m && i < m->nbindings; i++) {
        const Binding *b = &m->bindings[i];
        if (b->kind == BIND_IMPORT && b->qualname && !strcmp(b->qualname, "sqlalchemy") &&
            scope_lookup(t, s, b->name, NULL) == b)
            return arena_printf(g->a, "%s.text", b->name);
    }
    return NULL;
}

/*
 * SL301's fix: the statement wrapped in text().  Safe for a plain literal
 * (SQLAlchemy 1.x ran a str given to a Session exactly as text() does), when
 * it has no `:name` (text() would want a value for it) unless parameters
 * come with it; unsafe for text built at run time (an f-string, a
 * concatenation, a name), whose binds we cannot see; none when the call
 * passes DB-API parameters (%s placeholders) that text() would not take.
 */
static const Fix *text_fix(SqlCheck *k, const Scope *s, const Node *call, const Node *arg)
{
    int extra = call->v.Call.args.n > 1;
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const char *kw = call->v.Call.keywords.items[i]->v.keyword.arg;
        extra |= !kw || strcmp(kw, "statement");
    }
    int literal = arg->kind == NODE_Constant && arg->v.Constant.value.kind == CONST_STR;
    int app;
    if (literal && has_pyformat(arg->v.Constant.value.s))
        return NULL;
    if (literal && extra)
        app = has_binds(arg->v.Constant.value.s) ? FIX_SAFE : -1;
    else if (literal)
        app = has_binds(arg->v.Constant.value.s) ? FIX_UNSAFE : FIX_SAFE;
    else
        app = extra ? -1 : FIX_UNSAFE;
    if (app < 0)
        return NULL;
    FixGen g;
    fixgen_init(&g, k->c->a, k->src);
    const char *name = text_name(k, &g, s);
    if (!name) {
        fixgen_fail(&g);
        return fixgen_done(&g, app, "");
    }
    fixgen_edit(&g, fixgen_start(k->src, arg), fixgen_start(k->src, arg),
                arena_printf(k->c->a, "%s(", name));
    fixgen_edit(&g, fixgen_end(k->src, arg), fixgen_end(k->src, arg), ")");
    return fixgen_done(&g, app, arena_printf(k->c->a, "Wrap the SQL in `%s()`", name));
}

static void report(SqlCheck *k, const Scope *s, const Node *call, const Node *arg,
                   const Node *origin, const Val *recv)
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
        k->legacy
            ? arena_printf(c->a,
                           "`%s.%s()` is given a plain SQL string: a connection of a future=True "
                           "engine refuses it (ObjectNotExecutableError), textual SQL must be "
                           "declared with text()",
                           who ? who : "connection", m)
            : arena_printf(c->a,
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
    fd.fix = text_fix(k, s, call, arg);
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
    if (dbval_is_sqlalchemy(&recv) &&
        (!k->legacy || (recv.tag == VAL_RESOURCE && recv.kind == RES_CONNECTION && recv.sub)))
        report(k, w->scope, n, arg, origin, &recv);
    return 1;
}

void sqlapi_check(DbCtx *c, const Source *src, const Node *module, const ProjectFacts *facts,
                  FindingList *out)
{
    /* 1.x runs a str as textual SQL (with a RemovedIn20Warning), except on
       a connection of an engine made with future=True (observed: tests/proof) */
    SqlCheck k = {c, src, out, module, facts && facts->sqlalchemy.major >= 0 &&
                                           facts->sqlalchemy.major < 2};
    DbWalk w;
    memset(&w, 0, sizeof w);
    w.t = c->env->scopes;
    w.visit = visit;
    w.arg = &k;
    dbval_walk(&w, module);
}
