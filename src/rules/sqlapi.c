/*
 * sqlapi.c - SL301 raw-sql-string.  SQLAlchemy 2.0's Session.execute(),
 * Connection.execute() and their scalar()/scalars() take a statement
 * object; a str raises ArgumentError ("Textual SQL expression ... should
 * be explicitly declared as text(...)").  1.4 accepted it with a
 * deprecation warning, so the rule follows the project's SQLAlchemy
 * version.  A finding needs both halves to be certain: the receiver is a
 * SQLAlchemy session or connection (DB-API cursors, psycopg and asyncpg
 * connections take strings), and the argument is a str on every path.
 *
 * On the same walk of a module's statements: SL302 (a write in `with
 * engine.connect()`, or before a `finally: conn.close()`, that nothing
 * commits), SL303 (a session-level setting
 * committed on a pooled connection: SQLAlchemy's, psycopg2's or
 * psycopg_pool's), SL304 (a session-level advisory lock
 * still held when its connection goes back to the pool), SL108
 * (rules/engines.c), SL208 (rules/forks.c) and the CockroachDB family,
 * SL401 to SL403 (rules/crdb.c): one walk of the module for all.
 */
#include "rules/sqlapi.h"
#include "rules/agens.h"
#include "rules/ambient.h"
#include "rules/begins.h"
#include "rules/crdb.h"
#include "rules/engines.h"
#include "rules/forks.h"
#include "rules/gqlctx.h"
#include "rules/parked.h"
#include "rules/selfconn.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastapi.h"
#include "fixgen.h"
#include "value.h"

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
    const ProjectFacts *facts; /* the project's (may be NULL) */
    struct StateMemo *memo; /* param_state's answers (mcap slots, a power of two) */
    size_t mcap, mused;
    Forks *forks;           /* forks_visit's memory of the module */
    BeginsMemo *begins;     /* begins_visit's */
    CrdbCheck *crdb;        /* crdb_visit's, NULL without the project's CockroachDB facts */
} SqlCheck;

/* A place in the source, for ordering: where a node starts, or where a
 * `with` block exits. */
typedef struct Pos {
    int line, col;
} Pos;

static Pos pos_of(const Node *n) { return (Pos){n->lineno, n->col_offset}; }

/* The methods that run a statement, exec_driver_sql's a plain string. */
static int runs_sql(const char *m)
{
    return !strcmp(m, "execute") || !strcmp(m, "scalar") || !strcmp(m, "scalars") ||
           !strcmp(m, "exec_driver_sql");
}

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
    return call->v.Call.args.n > 0 ? call->v.Call.args.items[0] : ast_keyword(call, "statement");
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

/* --- SL302: a write in `with engine.connect()` that nothing commits ---- */

/* SQL text after blanks, comments and opening parentheses. */
static const char *sql_skip(const char *q)
{
    for (;;) {
        while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r' || *q == '(')
            q++;
        if (q[0] == '-' && q[1] == '-') {
            while (*q && *q != '\n')
                q++;
            continue;
        }
        return q;
    }
}

static int is_word_char(char ch)
{
    return ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
}

/* Does q start with the keyword w (lower case), case aside?  Past it, or NULL. */
static const char *sql_word(const char *q, const char *w)
{
    q = sql_skip(q);
    size_t n = strlen(w), j = 0;
    while (j < n && (q[j] | 0x20) == w[j])
        j++;
    return j == n && !is_word_char(q[n]) ? q + n : NULL;
}

/* The table name at q (a word, dots allowed), copied into buf. */
static void sql_name(const char *q, char *buf, size_t size)
{
    q = sql_skip(q);
    size_t n = 0;
    while ((is_word_char(q[n]) || q[n] == '.' || q[n] == '"') && n + 1 < size) {
        buf[n] = q[n];
        n++;
    }
    buf[n] = 0;
}

/* Does SQL text start with a statement that writes rows (INSERT, UPDATE,
 * DELETE, MERGE, UPSERT)?  Its target table into target (may be empty). */
static int writes_sql(const char *q, char *target, size_t size)
{
    static const char *const verbs[] = {"insert", "update", "delete", "merge", "upsert"};
    target[0] = 0;
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++) {
        const char *p = sql_word(q, verbs[i]);
        if (!p)
            continue;
        const char *into = sql_word(p, "into");
        const char *from = sql_word(p, "from");
        sql_name(into ? into : from ? from : p, target, size);
        return 1;
    }
    return 0;
}

/* `CREATE TEMP TABLE x`: the table x, made for this connection only. */
static int creates_temp(const char *q, char *name, size_t size)
{
    const char *p = sql_word(q, "create");
    const char *t = p ? sql_word(p, "temp") : NULL;
    t = t ? t : p ? sql_word(p, "temporary") : NULL;
    t = t ? sql_word(t, "table") : NULL;
    if (!t)
        return 0;
    const char *x = sql_word(t, "if");
    x = x ? sql_word(x, "not") : NULL;
    x = x ? sql_word(x, "exists") : NULL;
    sql_name(x ? x : t, name, size);
    return 1;
}

/* Does SQL text change the database: rows (writes_sql, its target into
 * target) or the schema (CREATE, ALTER, DROP, TRUNCATE; not a TEMP table,
 * the connection's scratch)?  DDL is transactional on PostgreSQL and
 * CockroachDB: a rollback undoes it like a row's write. */
static int changes_sql(const char *q, char *target, size_t size)
{
    static const char *const ddl[] = {"create", "alter", "drop", "truncate"};
    if (writes_sql(q, target, size))
        return 1;
    for (size_t i = 0; i < sizeof ddl / sizeof *ddl; i++) {
        const char *p = sql_word(q, ddl[i]);
        if (!p || creates_temp(q, target, size))
            continue;
        /* DROP TABLE [IF EXISTS] x, TRUNCATE [TABLE] x, ALTER TABLE x: its table */
        const char *t = sql_word(p, "table");
        t = t ? t : p;
        const char *x = sql_word(t, "if");
        x = x ? sql_word(x, "exists") : NULL;
        sql_name(x ? x : t, target, size);
        return 1;
    }
    return 0;
}

/* The SQL text of e (in scope s of table t): text("...") or a name bound
 * once to one. */
static const char *sql_text(SqlCheck *k, const ScopeTable *t, const Scope *s, const Node *e,
                            int depth)
{
    if (!e || depth > 8)
        return NULL;
    if (e->kind == NODE_Name) {
        const Binding *b = scope_lookup(t, s, e->v.Name.id, NULL);
        return b && b->kind == BIND_LOCAL && b->nbind == 1 && b->value
                   ? sql_text(k, t, s, b->value, depth + 1) : NULL;
    }
    if (e->kind != NODE_Call || e->v.Call.args.n < 1)
        return NULL;
    const char *q = dbval_qualname_in(k->c, t, s, e->v.Call.func);
    const char *last = q ? strrchr(q, '.') : NULL;
    const Node *a = e->v.Call.args.items[0];
    return q && !strncmp(q, "sqlalchemy.", 11) && last && !strcmp(last, ".text") &&
                   a->kind == NODE_Constant && a->v.Constant.value.kind == CONST_STR
               ? a->v.Constant.value.s : NULL;
}

static int writes(SqlCheck *k, const ScopeTable *t, const Scope *s, const Node *e, char *target,
                  size_t size, int depth);

/* dbval_each_return's question of a helper's return: a write statement? */
typedef struct WriteReturn {
    SqlCheck *k;
    const ScopeTable *t;
    const Scope *s;
    char *target;
    size_t size;
    int depth;
} WriteReturn;

static int write_return(void *arg, const Node *value)
{
    WriteReturn *r = arg;
    char target[64];
    if (!writes(r->k, r->t, r->s, value, target, sizeof target, r->depth + 1))
        return 0;
    if (!r->target[0]) /* the first return's table names the write */
        snprintf(r->target, r->size, "%s", target);
    return 1;
}

/* Is e (in scope s of table t) a statement that writes: text("UPDATE ..."),
 * a name bound once to one, insert(T)/update(T)/delete(T) with their
 * methods, or the call of a project def whose every return is one (a helper
 * that builds the statement)?  The target of a textual one into target. */
static int writes(SqlCheck *k, const ScopeTable *t, const Scope *s, const Node *e, char *target,
                  size_t size, int depth)
{
    target[0] = 0;
    if (!e || depth > 8)
        return 0;
    const char *sql = sql_text(k, t, s, e, 0);
    if (sql)
        return changes_sql(sql, target, size);
    if (e->kind == NODE_Name) {
        const Binding *b = scope_lookup(t, s, e->v.Name.id, NULL);
        return b && b->kind == BIND_LOCAL && b->nbind == 1 && b->value &&
               writes(k, t, s, b->value, target, size, depth + 1);
    }
    int awaited = e->kind == NODE_Await && e->v.Await.value->kind == NODE_Call;
    e = awaited ? e->v.Await.value : e; /* an async helper's statement, awaited */
    if (e->kind != NODE_Call)
        return 0;
    const Node *f = e->v.Call.func;
    if (f->kind == NODE_Attribute && f->v.Attribute.value->kind == NODE_Call)
        return writes(k, t, s, f->v.Attribute.value, target, size, depth + 1); /* .where(...) */
    const char *q = dbval_qualname_in(k->c, t, s, f);
    const char *last = q ? strrchr(q, '.') : NULL;
    if (q && !strncmp(q, "sqlalchemy.", 11))
        return last && (!strcmp(last, ".insert") || !strcmp(last, ".update") ||
                        !strcmp(last, ".delete"));
    const ScopeTable *ct;
    int method;
    const Node *def = dbval_callee(k->c, t, s, e, &ct, &method);
    const Scope *in = def ? scope_of(ct, def) : NULL;
    WriteReturn r = {k, ct, in, target, size, depth};
    return in && (def->kind == NODE_AsyncFunctionDef) == awaited &&
           dbval_each_return(def, write_return, &r);
}

/* What the block of a `with engine.connect() as conn` does with conn. */
typedef struct Block {
    SqlCheck *k;
    const Scope *s;
    const char *conn;
    const Node *write;   /* the first conn.execute(<write>) not under a begin() block */
    int commits;         /* conn.commit() (anywhere in the block), or autocommit asked */
    int in_begin;        /* depth of `with conn.begin():` blocks around the walk */
    char temp[8][64];    /* tables the block creates as TEMP: scratch, not lost writes */
    int ntemp;
    int temps_only;      /* the first pass: collect temp, before or after their writes */
    int depth;
} Block;

static int is_temp(const Block *b, const char *table)
{
    for (int i = 0; table[0] && i < b->ntemp; i++)
        if (!strcmp(b->temp[i], table))
            return 1;
    return 0;
}

static int names_conn(const Block *b, const Node *e)
{
    return e && e->kind == NODE_Name && !strcmp(e->v.Name.id, b->conn);
}

static void block_kid(Node *parent, Node *n, void *arg);

static void block_walk(Block *b, const Node *n)
{
    if (!n || b->depth > DBWALK_MAX_DEPTH || n->kind == NODE_FunctionDef ||
        n->kind == NODE_AsyncFunctionDef || n->kind == NODE_Lambda || n->kind == NODE_ClassDef)
        return;
    int begin = 0;
    if (n->kind == NODE_With || n->kind == NODE_AsyncWith)
        for (int i = 0; i < n->v.With.items.n; i++) {
            const Node *e = n->v.With.items.items[i]->v.withitem.context_expr;
            e = e->kind == NODE_Await ? e->v.Await.value : e;
            begin |= e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute &&
                     names_conn(b, e->v.Call.func->v.Attribute.value) &&
                     (!strcmp(e->v.Call.func->v.Attribute.attr, "begin") ||
                      !strcmp(e->v.Call.func->v.Attribute.attr, "begin_nested"));
        }
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        names_conn(b, n->v.Call.func->v.Attribute.value)) {
        const char *m = n->v.Call.func->v.Attribute.attr;
        char target[64];
        const ScopeTable *t = b->k->c->env->scopes;
        const char *sql = !strcmp(m, "execute") ? sql_text(b->k, t, b->s, statement_arg(n), 0)
                                                : NULL;
        if (!strcmp(m, "commit") || !strcmp(m, "execution_options") || !strcmp(m, "begin"))
            b->commits = 1; /* execution_options(isolation_level="AUTOCOMMIT") and its kind */
        else if (sql && creates_temp(sql, target, sizeof target)) {
            if (b->temps_only && b->ntemp < 8)
                memcpy(b->temp[b->ntemp++], target, sizeof target);
        } else if (!b->temps_only && !strcmp(m, "execute") && !b->write && !b->in_begin &&
                 writes(b->k, t, b->s, statement_arg(n), target, sizeof target, 0) &&
                 !is_temp(b, target))
            b->write = n;
    } else if (n->kind == NODE_Call) {
        for (int i = 0; i < n->v.Call.args.n; i++) /* handed to a helper: its business */
            b->commits |= names_conn(b, n->v.Call.args.items[i]) &&
                          !(n->v.Call.func->kind == NODE_Attribute &&
                            !strcmp(n->v.Call.func->v.Attribute.attr, "execute"));
    }
    b->in_begin += begin;
    b->depth++;
    ast_children((Node *)n, block_kid, b);
    b->depth--;
    b->in_begin -= begin;
}

static void block_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    block_walk(arg, n);
}

/* An SL302 finding on the write, its path from where the connection is
 * made (made) to where the write is lost (lost). */
static void lost_write(SqlCheck *k, const Node *write, const char *message, const Node *made,
                       const char *made_note, Pos lost, const char *lost_note)
{
    Finding fd = {0};
    fd.code = "SL302";
    fd.path = k->src->path;
    diag_span(&fd, write);
    fd.message = message;
    fd.trace = arena_alloc(k->c->a, 2 * sizeof *fd.trace);
    fd.trace[fd.ntrace++] = (TraceStep){k->src->path, made->lineno, made->col_offset, made_note};
    fd.trace[fd.ntrace++] = (TraceStep){k->src->path, lost.line, lost.col, lost_note};
    diag_add(k->out, &fd);
}

/* The engine whose connect() call e makes a connection that begins a
 * transaction on first use and rolls it back at close (not 1.x's
 * library-level autocommit, which commits a write, unless future=True or
 * async). */
static int connect_rolls_back(SqlCheck *k, const Scope *s, const Node *e)
{
    e = ast_unawait(e);
    if (e->kind != NODE_Call || e->v.Call.func->kind != NODE_Attribute ||
        strcmp(e->v.Call.func->v.Attribute.attr, "connect"))
        return 0;
    Val eng = dbval_expr(k->c, s, e->v.Call.func->v.Attribute.value);
    return eng.tag == VAL_FACTORY && eng.kind == FAC_ENGINE &&
           (!k->legacy || eng.sub || eng.is_async);
}

/* The first write on connection conn in the statements body that nothing
 * there commits, or NULL. */
static const Node *lost_in(SqlCheck *k, const Scope *s, const char *conn, const NodeList *body)
{
    Block b = {.k = k, .s = s, .conn = conn, .temps_only = 1};
    for (int pass = 0; pass < 2; pass++, b.temps_only = 0) /* `DROP TABLE IF EXISTS t`
                                                               before `CREATE TEMP TABLE t` */
        for (int j = 0; j < body->n; j++)
            block_walk(&b, body->items[j]);
    return b.write && !b.commits ? b.write : NULL;
}

static const char *lost_message(SqlCheck *k, const char *conn, const char *end,
                                const char *until)
{
    return arena_printf(k->c->a,
                        "`%s.execute()` writes, and nothing commits it: %s, a connection "
                        "begins a transaction on first use and %s rolls it back, so the write "
                        "is silently lost; call `%s.commit()` before %s, or open it with "
                        "`engine.begin()`",
                        conn, k->legacy ? "on a future=True engine" : "on SQLAlchemy 2.0", end,
                        conn, until);
}

static void uncommitted(SqlCheck *k, const Scope *s, const Node *with)
{
    for (int i = 0; i < with->v.With.items.n; i++) {
        const Node *it = with->v.With.items.items[i];
        const Node *e = it->v.withitem.context_expr, *as = it->v.withitem.optional_vars;
        if (!as || as->kind != NODE_Name || !connect_rolls_back(k, s, e))
            continue;
        const Node *write = lost_in(k, s, as->v.Name.id, &with->v.With.body);
        if (write)
            lost_write(k, write, lost_message(k, as->v.Name.id, "the end of the `with` block",
                                               "the block ends"),
                       ast_unawait(e), "the connection is opened here, with no transaction block",
                       (Pos){ast_end_lineno(with), with->end_col_offset},
                       "the block ends here: the transaction is rolled back");
    }
}

/* `conn.close()` (awaited or not) as a statement of a finally: block in
 * the statements of n, not in nested defs; the first one, or NULL. */
static const Node *finally_close(const Node *n, const char *conn, int in_finally, int depth)
{
    if (!n || depth > DBWALK_MAX_DEPTH || ast_is_def(n) || n->kind == NODE_Lambda ||
        n->kind == NODE_ClassDef)
        return NULL;
    if (in_finally && n->kind == NODE_Expr) {
        const Node *c = ast_unawait(n->v.Expr.value);
        const Node *f = c->kind == NODE_Call ? c->v.Call.func : NULL;
        if (f && f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "close") &&
            f->v.Attribute.value->kind == NODE_Name &&
            !strcmp(f->v.Attribute.value->v.Name.id, conn))
            return c;
    }
    const NodeList *lists[4] = {0};
    if (n->kind == NODE_Try || n->kind == NODE_TryStar) {
        for (int i = 0; i < n->v.Try.finalbody.n; i++) {
            const Node *c = finally_close(n->v.Try.finalbody.items[i], conn, 1, depth + 1);
            if (c)
                return c;
        }
        lists[0] = &n->v.Try.body;
        lists[1] = &n->v.Try.orelse;
    } else if (n->kind == NODE_If || n->kind == NODE_For || n->kind == NODE_AsyncFor ||
               n->kind == NODE_While) {
        lists[0] = n->kind == NODE_If ? &n->v.If.body : n->kind == NODE_While ? &n->v.While.body
                                                                               : &n->v.For.body;
    } else if (n->kind == NODE_With || n->kind == NODE_AsyncWith) {
        lists[0] = &n->v.With.body;
    }
    for (int l = 0; l < 4 && lists[l]; l++)
        for (int i = 0; i < lists[l]->n; i++) {
            const Node *c = finally_close(lists[l]->items[i], conn, 0, depth + 1);
            if (c)
                return c;
        }
    return NULL;
}

/* `conn = engine.connect()` in a function whose `finally:` closes conn: the
 * same loss as the `with` form's, close() rolling back what nothing
 * committed.  The connection's life is the function's body (conn bound
 * once there); without such a finally its end is not certain (returned,
 * stored, closed by someone else) and nothing is said. */
static void connect_uncommitted(SqlCheck *k, DbWalk *w, const Node *st)
{
    const Node *t, *v;
    const Node *func = dbval_walk_func(w);
    if (!func || func->kind == NODE_Lambda || !ast_single_assign(st, &t, &v) ||
        t->kind != NODE_Name || ast_unawait(v)->kind != NODE_Call)
        return;
    const Binding *b = scope_lookup(k->c->env->scopes, w->scope, t->v.Name.id, NULL);
    if (!b || b->kind != BIND_LOCAL || b->nbind != 1 || !connect_rolls_back(k, w->scope, v))
        return;
    const Node *close = NULL;
    for (int i = 0; i < func->v.FunctionDef.body.n && !close; i++)
        close = finally_close(func->v.FunctionDef.body.items[i], t->v.Name.id, 0, 0);
    const Node *write = close ? lost_in(k, w->scope, t->v.Name.id, &func->v.FunctionDef.body)
                              : NULL;
    if (write)
        lost_write(k, write, lost_message(k, t->v.Name.id, "its close()", "it is closed"),
                   ast_unawait(v), "the connection is opened here, with no transaction block",
                   pos_of(close),
                   "it is closed here: the transaction is rolled back");
}

/* --- SL302: a write on a DB-API connection that nothing commits ---------- */

/*
 * psycopg2 and psycopg 3 connections (not asyncpg's: they autocommit
 * outside a transaction block) begin a transaction on their first
 * statement and never commit by themselves; close() or the loss of the
 * last reference rolls it back.  A function that makes one with
 * `psycopg2.connect()`, `psycopg.connect()` or
 * `(Async)Connection.connect()` (no autocommit=True), writes through it or
 * a cursor of it (INSERT, UPDATE, DELETE, MERGE, or DDL), and never commits
 * loses the write.  Quiet when the function commits, sets autocommit,
 * enters `with conn:` or `with conn.transaction():` (both commit), or lets
 * the connection go anywhere (returned, stored, handed to a call).
 */
#define DBAPI_MAX_DEPTH 256 /* nesting followed in a function body */

typedef struct DbapiScan {
    SqlCheck *k;
    const Scope *s;
    const char *conn;
    const char *cursors[8];
    int ncursors;
    const Node *write;
    int settled; /* committed, autocommit, a committing block, or it escapes */
    int depth;
} DbapiScan;

static int dbapi_is(const DbapiScan *d, const Node *e, int cursor)
{
    if (!e || e->kind != NODE_Name)
        return 0;
    if (!strcmp(e->v.Name.id, d->conn))
        return 1;
    for (int i = 0; cursor && i < d->ncursors; i++)
        if (!strcmp(d->cursors[i], e->v.Name.id))
            return 1;
    return 0;
}

/* A plain string (or a name bound once to one) of SQL that changes the
 * database: rows or the schema. */
static int dbapi_write_sql(SqlCheck *k, const Scope *s, const Node *e, int depth)
{
    if (!e || depth > 8)
        return 0;
    if (e->kind == NODE_Name) {
        const Binding *b = scope_lookup(k->c->env->scopes, s, e->v.Name.id, NULL);
        return b && b->kind == BIND_LOCAL && b->nbind == 1 && b->value &&
               dbapi_write_sql(k, s, b->value, depth + 1);
    }
    if (e->kind != NODE_Constant || e->v.Constant.value.kind != CONST_STR)
        return 0;
    char target[64];
    return changes_sql(e->v.Constant.value.s, target, sizeof target);
}

static void dbapi_kid(Node *parent, Node *n, void *arg);

static void dbapi_walk(DbapiScan *d, const Node *n)
{
    if (!n || d->depth > DBAPI_MAX_DEPTH || d->settled || ast_is_def(n))
        return;
    const Node *t, *v;
    if (ast_single_assign(n, &t, &v)) {
        const Node *val = v->kind == NODE_Await ? v->v.Await.value : v;
        if (t->kind == NODE_Name && val->kind == NODE_Call &&
            val->v.Call.func->kind == NODE_Attribute &&
            !strcmp(val->v.Call.func->v.Attribute.attr, "cursor") &&
            dbapi_is(d, val->v.Call.func->v.Attribute.value, 0) && d->ncursors < 8) {
            d->cursors[d->ncursors++] = t->v.Name.id;
            return;
        }
        if (dbapi_is(d, v, 0) || (t->kind == NODE_Attribute && dbapi_is(d, t->v.Attribute.value, 0) &&
                                  !strcmp(t->v.Attribute.attr, "autocommit"))) {
            d->settled = 1; /* stored elsewhere, or autocommit set */
            return;
        }
    }
    if (n->kind == NODE_Return || n->kind == NODE_Yield) {
        const Node *v2 = n->kind == NODE_Return ? n->v.Return.value : n->v.Yield.value;
        if (dbapi_is(d, v2, 0)) {
            d->settled = 1;
            return;
        }
    }
    if (n->kind == NODE_withitem) {
        const Node *e = n->v.withitem.context_expr;
        e = e->kind == NODE_Await ? e->v.Await.value : e;
        if (dbapi_is(d, e, 0) ||
            (e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute &&
             !strcmp(e->v.Call.func->v.Attribute.attr, "transaction") &&
             dbapi_is(d, e->v.Call.func->v.Attribute.value, 0))) {
            d->settled = 1; /* `with conn:` and `with conn.transaction():` commit */
            return;
        }
        if (e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute &&
            !strcmp(e->v.Call.func->v.Attribute.attr, "cursor") &&
            dbapi_is(d, e->v.Call.func->v.Attribute.value, 0) &&
            n->v.withitem.optional_vars && n->v.withitem.optional_vars->kind == NODE_Name &&
            d->ncursors < 8) {
            d->cursors[d->ncursors++] = n->v.withitem.optional_vars->v.Name.id;
            return;
        }
    }
    if (n->kind == NODE_Call) {
        const Node *f = n->v.Call.func;
        if (f->kind == NODE_Attribute && dbapi_is(d, f->v.Attribute.value, 1)) {
            const char *m = f->v.Attribute.attr;
            if (!strcmp(m, "commit")) {
                d->settled = 1;
                return;
            }
            if ((!strcmp(m, "execute") || !strcmp(m, "executemany")) && !d->write &&
                n->v.Call.args.n > 0 && dbapi_write_sql(d->k, d->s, n->v.Call.args.items[0], 0))
                d->write = n;
        } else {
            for (int j = 0; ast_call_arg(n, j); j++)
                if (dbapi_is(d, ast_call_arg(n, j), 0)) {
                    d->settled = 1; /* handed on: it may commit there */
                    return;
                }
        }
    }
    d->depth++;
    ast_children((Node *)n, dbapi_kid, d);
    d->depth--;
}

static void dbapi_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    dbapi_walk(arg, n);
}

/* `conn = psycopg2.connect(...)` (psycopg 3's, awaited or not) in a function. */
static void dbapi_uncommitted(SqlCheck *k, DbWalk *w, const Node *st)
{
    const Node *t, *v;
    const Node *func = dbval_walk_func(w);
    if (!func || func->kind == NODE_Lambda || !ast_single_assign(st, &t, &v) ||
        t->kind != NODE_Name)
        return;
    const Node *call = v->kind == NODE_Await ? v->v.Await.value : v;
    const Node *f = call->kind == NODE_Call ? call->v.Call.func : NULL;
    const char *last = !f                         ? NULL
                       : f->kind == NODE_Attribute ? f->v.Attribute.attr
                       : f->kind == NODE_Name      ? f->v.Name.id
                                                   : NULL;
    if (!last || strcmp(last, "connect") || ast_keyword(call, "autocommit"))
        return; /* the cheap test first: this runs at every assignment */
    const char *q = dbval_qualname(k->c, w->scope, f);
    size_t n = q ? strlen(q) : 0;
    if (!q || n < 8 || strcmp(q + n - 8, ".connect") ||
        (strncmp(q, "psycopg2.", 9) && strncmp(q, "psycopg.", 8)))
        return;
    DbapiScan d = {.k = k, .s = w->scope, .conn = t->v.Name.id};
    for (int i = 0; i < func->v.FunctionDef.body.n && !d.settled; i++)
        dbapi_walk(&d, func->v.FunctionDef.body.items[i]);
    if (!d.write || d.settled)
        return;
    lost_write(k, d.write,
               arena_printf(k->c->a,
                            "this write on `%s` is never committed: %s begins a transaction on "
                            "the first statement and never commits by itself, so closing the "
                            "connection (or losing it) rolls the write back, silently; call "
                            "`%s.commit()`, or use `with %s:` or autocommit=True",
                            d.conn, strncmp(q, "psycopg2.", 9) ? "psycopg" : "psycopg2", d.conn,
                            d.conn),
               st, "the connection is made here, not in autocommit mode",
               pos_of(d.write),
               "the write, in a transaction nothing commits");
}

/* --- SL303: a session-level setting on one pooled connection ------------ */

/* Does SQL text change a setting for the rest of the connection's life:
 * `SET x ...` / `SET SESSION x ...` (not LOCAL, TRANSACTION, CONSTRAINTS or
 * SESSION CHARACTERISTICS), or `set_config(..., false)`?  The setting's
 * name into name (may be empty).  A reset to the default is one too. */
static int setting_stmt(const char *q, char *name, size_t size)
{
    name[0] = 0;
    const char *p = sql_word(q, "set");
    if (p) {
        const char *x = sql_word(p, "session");
        if (x && sql_word(x, "characteristics"))
            return 0;
        x = x ? x : p;
        if (sql_word(x, "local") || sql_word(x, "transaction") || sql_word(x, "constraints"))
            return 0;
        sql_name(x, name, size);
        return name[0] != 0;
    }
    const char *f = strstr(q, "set_config(");
    if (!f)
        return 0;
    int depth = 0, commas = 0; /* the third argument */
    for (f += 11; *f && depth >= 0; f++) {
        if (*f == '(')
            depth++;
        else if (*f == ')')
            depth--;
        else if (*f == ',' && depth == 0 && ++commas == 2) {
            if (!sql_word(f + 1, "false"))
                return 0;
            const char *a = sql_skip(strstr(q, "set_config(") + 11);
            size_t n = 0;
            if (*a == '\'')
                for (a++; a[n] && a[n] != '\'' && n + 1 < size; n++)
                    name[n] = a[n];
            name[n] = 0;
            return 1;
        }
    }
    return 0;
}

static int resets_setting(const char *q, const char *name);

/* setting_stmt, less the resets (`SET x TO DEFAULT`, set_config(x, '',
 * false)): they undo a setting rather than make one. */
static int session_setting(const char *q, char *name, size_t size)
{
    return setting_stmt(q, name, size) && !resets_setting(q, name);
}

static int before(Pos a, Pos b) { return a.line < b.line || (a.line == b.line && a.col < b.col); }

static int node_before(const Node *a, const Node *b) { return before(pos_of(a), pos_of(b)); }

/* Where a `with` block exits: after its last line, and an inner block's
 * exit before an outer one's on the same line. */
static Pos block_exit(const Node *with)
{
    return (Pos){ast_end_lineno(with), INT32_MAX - 1 - with->col_offset};
}

/* Does func call recv.commit() after `at` (in source order)? */
typedef struct After {
    const Node *recv, *at, *found;
    int depth;
} After;

static void after_kid(Node *parent, Node *n, void *arg)
{
    After *w = arg;
    (void)parent;
    if (w->found || w->depth > DBWALK_MAX_DEPTH || n->kind == NODE_FunctionDef ||
        n->kind == NODE_AsyncFunctionDef || n->kind == NODE_Lambda || n->kind == NODE_ClassDef)
        return;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        !strcmp(n->v.Call.func->v.Attribute.attr, "commit") &&
        ast_same_ref(n->v.Call.func->v.Attribute.value, w->recv) &&
        node_before(w->at, n)) {
        w->found = n;
        return;
    }
    w->depth++;
    ast_children(n, after_kid, w);
    w->depth--;
}

/* How a setting reaches the function: a helper handed the session sets it
 * (`set_tenant(db, org)`), at take in path. */
typedef struct SetVia {
    const Node *def;
    const char *path;
    const Node *take;
} SetVia;

/* Where the setting is committed and where its connection goes back to
 * the pool, for the finding's trace (back may be NULL: a Session's). */
typedef struct SetEnd {
    const char *commit_path; /* the file of commit: this module's, or a helper's */
    const Node *commit;      /* the commit (a call, or the block whose exit commits) */
    const char *back_path;
    const Node *back;        /* the putconn, or the `with` block that puts it back; or NULL */
    const char *by;          /* " (on the connection `get_cursor()` lends ...)", or NULL */
    const char *lost_path;
    const Node *lost;        /* a reset in the clean-up that may fail unseen, or NULL */
} SetEnd;

/* SL303 at call, which sets `name` (may be empty) through a session or a
 * driver's pooled connection (driver: 1), committed and put back as end
 * says. */
static void setting_finding(SqlCheck *k, DbWalk *w, const Node *call, const char *name,
                            const SetVia *via, const SetEnd *end, int driver)
{
    const Node *func = dbval_walk_func(w);
    const FlowFastApi *fa = k->c->env->fastapi;
    if (!func || !fa)
        return;
    int roles = fastapi_role(fa->model, func);
    Arena *ar = k->c->a;
    const char *what = name[0] ? arena_printf(ar, "`%s`", name) : "the setting";
    const char *by = via      ? arena_printf(ar, " (by `%s()`)", via->def->v.FunctionDef.name)
                     : end->by ? end->by
                               : "";
    const char *request_fix =
        driver ? "set it per transaction (SET LOCAL, set_config(..., true)), or reset it "
                 "(RESET) before the connection is put back"
               : "set it per transaction (SET LOCAL, set_config(..., true)), or reset it "
                 "before the connection is returned";
    const char *all_fix =
        driver ? "set it for every connection the pool opens (options='-c name=value' in its "
                 "connection arguments, psycopg_pool's configure= callback) or per transaction "
                 "(SET LOCAL)"
               : "set it for every connection (connect_args, a `connect` event, the role's "
                 "defaults) or per transaction (SET LOCAL)";
    Finding fd = {0};
    fd.code = "SL303";
    fd.path = k->src->path;
    diag_span(&fd, call);
    fd.message =
        end->lost
            ? arena_printf(ar,
                           "%s is set%s for the connection's whole session and committed; "
                           "the clean-up of what lends the session resets it, but on the error "
                           "path the transaction may be aborted and PostgreSQL refuses the "
                           "reset (current transaction is aborted), the failure is swallowed "
                           "and the connection goes back to the pool still set; roll the "
                           "session back before the reset",
                           what, by)
        : roles & FASTAPI_REQUEST
            ? arena_printf(ar,
                           "%s is set%s for the connection's whole session and committed: when "
                           "the connection goes back to the pool it keeps %s for the next "
                           "request that gets it; %s",
                           what, by, what, request_fix)
            : arena_printf(ar,
                           "%s is set%s for the session of one pooled connection and committed: "
                           "that connection keeps it for whatever gets it next, and the pool's "
                           "other connections (and those it opens later) never have it; %s",
                           what, by, all_fix);
    fd.trace = arena_alloc(ar, 4 * sizeof *fd.trace);
    if (via)
        fd.trace[fd.ntrace++] = (TraceStep){via->path, via->take->lineno, via->take->col_offset,
                                            "set here, for the whole session"};
    fd.trace[fd.ntrace++] = (TraceStep){end->commit_path, end->commit->lineno,
                                        end->commit->col_offset,
                                        "committed here: the setting outlives the transaction"};
    if (end->back)
        fd.trace[fd.ntrace++] = (TraceStep){end->back_path, end->back->lineno,
                                            end->back->col_offset,
                                            "put back in the pool here, still set"};
    if (end->lost)
        fd.trace[fd.ntrace++] = (TraceStep){end->lost_path, end->lost->lineno,
                                            end->lost->col_offset,
                                            "reset here, with no rollback before it on the "
                                            "error path; its failure is swallowed"};
    diag_add(k->out, &fd);
}

enum { RESET_NONE, RESET_LOST, RESET_DONE };
static int provider_reset(SqlCheck *k, const Scope *s, const Node *recv, const char *name,
                          SetEnd *end);

/* SL303 at call, which sets `name` (may be empty) through recv, a
 * SQLAlchemy session or connection, when the function commits recv after
 * it, unless what lends recv resets it in its clean-up. */
static void setting_report(SqlCheck *k, DbWalk *w, const Node *call, const Node *recv,
                           const char *name, const SetVia *via)
{
    const Node *func = dbval_walk_func(w);
    if (!func || recv->kind != NODE_Name)
        return;
    Val v = dbval_expr(k->c, w->scope, recv);
    if (!dbval_is_sqlalchemy(&v))
        return;
    After a = {recv, call, NULL, 0};
    ast_children((Node *)func, after_kid, &a);
    if (!a.found)
        return; /* not committed: the end of the transaction takes it back */
    SetEnd end = {k->src->path, a.found, NULL, NULL, NULL, NULL, NULL};
    if (provider_reset(k, w->scope, recv, name, &end) == RESET_DONE)
        return; /* the provider's clean-up resets it */
    setting_finding(k, w, call, name, via, &end, 0);
}

/*
 * `SET statement_timeout = 5000` run once at start-up through a pooled
 * engine reaches the one connection that ran it, not the others; and a
 * session-level setting a request makes and commits (a tenant for row-level
 * security: `set_config('app.tenant', :t, false)`) stays on the connection
 * when it goes back to the pool, for the next request that gets it.
 */
static int setting_syntax(const Node *stmt, char *name, size_t size);
static void driver_setting(SqlCheck *k, DbWalk *w, const Node *call);
static void driver_setting_on(SqlCheck *k, DbWalk *w, const Node *call, const Node *recv,
                              const char *name, const SetVia *via);

static void pooled_setting(SqlCheck *k, DbWalk *w, const Node *call)
{
    const Node *stmt = statement_arg(call);
    const char *sql = sql_text(k, k->c->env->scopes, w->scope, stmt, 0);
    char name[64];
    if (sql ? session_setting(sql, name, sizeof name) /* text(...), or a name bound to it */
            : stmt && stmt->kind == NODE_Constant && setting_syntax(stmt, name, sizeof name))
        setting_report(k, w, call, call->v.Call.func->v.Attribute.value, name, NULL);
    if (!sql && !strcmp(call->v.Call.func->v.Attribute.attr, "execute"))
        driver_setting(k, w, call); /* a driver's connection or cursor: a plain string */
}

/* --- SL304: a session-level advisory lock past its connection ------------ */

enum { LOCK_NONE, LOCK_TAKE, LOCK_FREE, LOCK_TRY /* a take that answers whether it got it */ };

/* Does s contain w (lower case), case aside? */
static int has_word_ci(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (; *s; s++) {
        size_t j = 0;
        while (j < n && s[j] && (s[j] == w[j] || (s[j] | 0x20) == w[j]))
            j++;
        if (j == n)
            return 1;
    }
    return 0;
}

/* Does SQL text (or a SQL function's name) take or free a session-level
 * advisory lock?  pg_advisory_lock, pg_try_advisory_lock and their _shared
 * forms take one, pg_advisory_unlock(_shared, _all) free; the _xact_ forms
 * belong to the transaction and end with it, so they are neither. */
static int lock_word(const char *q)
{
    return has_word_ci(q, "advisory_unlock")       ? LOCK_FREE
           : has_word_ci(q, "try_advisory_lock") ? LOCK_TRY
           : has_word_ci(q, "advisory_lock")     ? LOCK_TAKE
                                                 : LOCK_NONE;
}

typedef struct LockFn {
    int kind, depth;
} LockFn;

static void lock_fn_kid(Node *parent, Node *n, void *arg)
{
    LockFn *w = arg;
    (void)parent;
    if (w->kind || w->depth > DBWALK_MAX_DEPTH)
        return;
    if (n->kind == NODE_Constant && n->v.Constant.value.kind == CONST_STR &&
        (w->kind = lock_word(n->v.Constant.value.s)))
        return; /* text("SELECT pg_advisory_lock(:k)") */
    if (n->kind == NODE_Attribute) { /* func.pg_advisory_lock, sa.func.pg_advisory_lock */
        const Node *v = n->v.Attribute.value;
        const char *of = v->kind == NODE_Name ? v->v.Name.id
                         : v->kind == NODE_Attribute ? v->v.Attribute.attr : "";
        if (!strcmp(of, "func") && (w->kind = lock_word(n->v.Attribute.attr)))
            return;
    }
    w->depth++;
    ast_children(n, lock_fn_kid, w);
    w->depth--;
}

/* The same, read off the statement's own text: a string in it, or
 * func.pg_advisory_lock(...) (a helper of another module: no scopes). */
static int lock_syntax(const Node *stmt)
{
    LockFn w = {LOCK_NONE, 0};
    if (stmt)
        lock_fn_kid(NULL, (Node *)stmt, &w);
    return w.kind;
}

/* What a statement does to a session-level advisory lock: text("SELECT
 * pg_advisory_lock(:k)") (or a name bound once to it), or
 * select(func.pg_advisory_lock(k)). */
static int lock_of(SqlCheck *k, const Scope *s, const Node *stmt)
{
    const char *q = sql_text(k, k->c->env->scopes, s, stmt, 0);
    return q ? lock_word(q) : lock_syntax(stmt);
}

/* Is n (a node) inside the lines of block? */
static int inside(const Node *n, const Node *block)
{
    return n->lineno >= block->lineno && n->lineno <= ast_end_lineno(block);
}

/* After the lock, in the function: where the connection goes back to its
 * pool (the earliest), and the first unlock through the same receiver. */
#define LOCK_MAX_ENDS 16 /* places after the lock that give the connection back, kept */

/* One of them. */
typedef struct End {
    const Node *node;   /* the call, or the `with` statement whose exit ends it */
    const char *how;    /* what happens there */
    int line, col;      /* where: the call, or the last statement of the block */
    Pos at;             /* when: the call, or the block's exit */
} End;

typedef struct LockEnd {
    SqlCheck *k;
    const Scope *s;
    const Node *recv, *lock;
    int session;        /* recv is a Session: commit and rollback hand back its connection */
    int driver;         /* recv is a driver's pooled connection (driver_conn) */
    End ends[LOCK_MAX_ENDS]; /* in source order of their finding; the first chosen */
    int nends;
    const End *end;     /* the first (in time) on a path that holds the lock, or NULL */
    const Node *unlock;
    int depth;
} LockEnd;

/*
 * The pooled connection of a driver that a lock's receiver runs its
 * statements on: a psycopg2 pool's or psycopg_pool's connection itself
 * (psycopg 3's conn.execute), or a cursor of one bound once (`cur =
 * conn.cursor()`, `with conn.cursor() as cur`); NULL for anything else.
 * The connection may be lent by a project wrapper (`with
 * db.get_connection() as conn`, what the value model says it yields).
 */
static const Node *driver_conn(SqlCheck *k, const Scope *s, const Node *recv)
{
    Val v = dbval_expr(k->c, s, recv);
    if (v.tag == VAL_RESOURCE && v.kind == RES_POOLED)
        return recv;
    const Node *made = recv->kind == NODE_Name
                           ? scope_bound_once(k->c->env->scopes, s, recv, NULL) : NULL;
    made = made ? ast_unawait(made) : NULL;
    if (!made || made->kind != NODE_Call || made->v.Call.func->kind != NODE_Attribute ||
        strcmp(made->v.Call.func->v.Attribute.attr, "cursor"))
        return NULL;
    const Node *conn = made->v.Call.func->v.Attribute.value;
    v = dbval_expr(k->c, s, conn);
    return v.tag == VAL_RESOURCE && v.kind == RES_POOLED ? conn : NULL;
}

static void lock_end_at(LockEnd *w, const Node *at, Pos when, const Node *shown, const char *how)
{
    if (before(pos_of(w->lock), when) && w->nends < LOCK_MAX_ENDS)
        w->ends[w->nends++] = (End){at, how, shown->lineno, shown->col_offset, when};
}

/* The name of the parameter of def that argument j of call fills, or NULL. */
static const char *param_name(const Node *def, int method, const Node *call, int j)
{
    const Node *p = ast_param(def, ast_arg_param(def, method, call, j));
    return p ? p->v.arg.arg : NULL;
}

/* `create_user(session=session)`: a project function handed the session
 * that commits it (its summary's `commits`) gives the connection back too. */
static void helper_commits(LockEnd *w, const Node *call)
{
    const FlowEnv *env = w->k->c->env;
    const ScopeTable *t;
    int method = 0;
    const Node *def = NULL;
    for (int j = 0; j < call->v.Call.args.n + call->v.Call.keywords.n; j++) {
        if (!ast_same_ref(ast_call_arg(call, j), w->recv))
            continue;
        if (!def && !(def = dbval_callee(w->k->c, env->scopes, w->s, call, &t, &method)))
            return;
        const FlowSummary *sum = env->summary_of ? env->summary_of(env->summary_arg, def) : NULL;
        int i = ast_arg_param(def, method, call, j);
        if (sum && i >= 0 && i < 32 && (sum->commits >> i & 1)) {
            lock_end_at(w, call, pos_of(call), call,
                        arena_printf(w->k->c->a, "`%s()` commits it", def->v.FunctionDef.name));
            return;
        }
    }
}

static void lock_end_kid(Node *parent, Node *n, void *arg)
{
    LockEnd *w = arg;
    (void)parent;
    if (w->depth > DBWALK_MAX_DEPTH || n->kind == NODE_FunctionDef ||
        n->kind == NODE_AsyncFunctionDef || n->kind == NODE_Lambda || n->kind == NODE_ClassDef)
        return;
    if ((n->kind == NODE_With || n->kind == NODE_AsyncWith) && inside(w->lock, n)) {
        const NodeList *items = n->kind == NODE_With ? &n->v.With.items : &n->v.AsyncWith.items;
        for (int i = 0; i < items->n; i++) {
            const Node *it = items->items[i], *ce = it->v.withitem.context_expr;
            const Node *var = it->v.withitem.optional_vars;
            const NodeList *body = n->kind == NODE_With ? &n->v.With.body
                                                        : &n->v.AsyncWith.body;
            const Node *last = body->n ? body->items[body->n - 1] : n;
            if (var && ast_same_ref(var, w->recv))
                lock_end_at(w, n, block_exit(n), last,
                            w->driver ? "the `with` block that lends it ends (its pool takes it "
                                        "back)"
                                      : "the `with` block that closes it ends");
            else if (w->session && ce->kind == NODE_Call &&
                     ce->v.Call.func->kind == NODE_Attribute &&
                     !strcmp(ce->v.Call.func->v.Attribute.attr, "begin") &&
                     ast_same_ref(ce->v.Call.func->v.Attribute.value, w->recv))
                lock_end_at(w, n, block_exit(n), last, "its `begin()` block ends (a commit)");
        }
    }
    if (w->session && n->kind == NODE_Call && node_before(w->lock, n))
        helper_commits(w, n);
    const Node *on = n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute
                         ? n->v.Call.func->v.Attribute.value : NULL;
    if (on && w->driver && node_before(w->lock, n)) {
        const Node *c = driver_conn(w->k, w->s, on);
        if (!strcmp(n->v.Call.func->v.Attribute.attr, "putconn") && n->v.Call.args.n &&
            ast_same_ref(n->v.Call.args.items[0], w->recv))
            lock_end_at(w, n, pos_of(n), n, "it is put back in the pool");
        else if (c && ast_same_ref(c, w->recv) && runs_sql(n->v.Call.func->v.Attribute.attr) &&
                 !w->unlock && lock_of(w->k, w->s, statement_arg(n)) == LOCK_FREE)
            w->unlock = n; /* through a cursor of it; a driver's close() ends the session */
    } else if (on && ast_same_ref(on, w->recv) && node_before(w->lock, n)) {
        const char *m = n->v.Call.func->v.Attribute.attr;
        if (!strcmp(m, "close"))
            lock_end_at(w, n, pos_of(n), n, "it is closed");
        else if (w->session && !strcmp(m, "commit"))
            lock_end_at(w, n, pos_of(n), n, "it commits");
        else if (w->session && !strcmp(m, "rollback"))
            lock_end_at(w, n, pos_of(n), n, "it rolls back");
        else if (runs_sql(m) && (!w->unlock || node_before(n, w->unlock)) &&
                 lock_of(w->k, w->s, statement_arg(n)) == LOCK_FREE)
            w->unlock = n;
    }
    w->depth++;
    ast_children(n, lock_end_kid, w);
    w->depth--;
}

/* Is e the answer read off the result named `result`: `result.scalar()`
 * (scalar_one, scalar_one_or_none), or the first column of its first row,
 * `result.fetchone()[0]` (first, one)? */
static int reads_answer(const Node *e, const char *result)
{
    static const char *const scalars[] = {"scalar", "scalar_one", "scalar_one_or_none", NULL};
    static const char *const rows[] = {"fetchone", "first", "one", NULL};
    const char *const *reads = scalars;
    e = ast_unawait(e);
    const Node *i = e->kind == NODE_Subscript ? e->v.Subscript.slice : NULL;
    if (i && i->kind == NODE_Constant && i->v.Constant.value.kind == CONST_INT &&
        !strcmp(i->v.Constant.value.s, "0")) {
        e = ast_unawait(e->v.Subscript.value);
        reads = rows;
    }
    return e->kind == NODE_Call && !e->v.Call.args.n && e->v.Call.func->kind == NODE_Attribute &&
           e->v.Call.func->v.Attribute.value->kind == NODE_Name &&
           !strcmp(e->v.Call.func->v.Attribute.value->v.Name.id, result) &&
           ast_name_in(e->v.Call.func->v.Attribute.attr, reads);
}

/* answer_name's search in a function body: the assignment around the take,
 * then (when it binds the result) the one that reads the answer off it. */
typedef struct Answer {
    const Node *take;
    const char *result, *got;
    int depth;
} Answer;

static void answer_kid(Node *parent, Node *n, void *arg)
{
    Answer *w = arg;
    (void)parent;
    const Node *target, *value;
    if (w->got || w->depth > DBWALK_MAX_DEPTH || ast_is_def(n))
        return;
    if (ast_single_assign(n, &target, &value) && target->kind == NODE_Name) {
        if (!w->result && ast_encloses(value, w->take)) {
            const Node *v = ast_unawait(value);
            if (v == w->take && v->v.Call.func->kind == NODE_Attribute &&
                !strcmp(v->v.Call.func->v.Attribute.attr, "execute"))
                w->result = target->v.Name.id; /* the result; its answer is read later */
            else
                w->got = target->v.Name.id; /* the answer itself: ....scalar(), a helper's */
            return;
        }
        if (w->result && reads_answer(value, w->result)) {
            w->got = target->v.Name.id;
            return;
        }
    }
    w->depth++;
    ast_children(n, answer_kid, w);
    w->depth--;
}

/* `got = session.execute(...).scalar()`, `got = (await ...).scalar()`,
 * `got = await try_lock(session)`, or `result = await session.execute(...)`
 * then `got = result.scalar()` (or `result.fetchone()[0]`) in func: the
 * local that holds a pg_try_advisory_lock's answer, or NULL. */
static const char *answer_name(const Node *func, const Node *take)
{
    Answer w = {take, NULL, NULL, 0};
    if (func && ast_is_function(func))
        for (int i = 0; i < func->v.FunctionDef.body.n && !w.got; i++)
            answer_kid(NULL, func->v.FunctionDef.body.items[i], &w);
    return w.got;
}

/* returns_answer's search: a `return` of the answer. */
typedef struct Returns {
    const Node *take;
    const char *got;
    int found, depth;
} Returns;

static void returns_kid(Node *parent, Node *n, void *arg)
{
    Returns *w = arg;
    (void)parent;
    if (w->found || w->depth > DBWALK_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_Return && n->v.Return.value) {
        const Node *v = ast_unawait(n->v.Return.value);
        if (v->kind == NODE_Call && v->v.Call.func->kind == NODE_Name &&
            !strcmp(v->v.Call.func->v.Name.id, "bool") && v->v.Call.args.n == 1)
            v = v->v.Call.args.items[0]; /* return bool(got) */
        w->found = ast_encloses(v, w->take) ||
                   (w->got && v->kind == NODE_Name && !strcmp(v->v.Name.id, w->got));
        return;
    }
    w->depth++;
    ast_children(n, returns_kid, w);
    w->depth--;
}

/* Does def, whose own body (in path) runs the try-lock take, return its
 * answer (`return got`, `return bool(...scalar())`)?  Its callers' test of
 * what it returns is then the lock's.  A take in a helper it calls in turn
 * is not followed (a limit). */
static int returns_answer(SqlCheck *k, const Node *def, const Node *take, const char *path)
{
    const char *own = value_path_of(k->c->env->values, def);
    if (!own || !path || strcmp(own, path) || !ast_encloses(def, take))
        return 0;
    Returns w = {take, answer_name(def, take), 0, 0};
    for (int i = 0; i < def->v.FunctionDef.body.n && !w.found; i++)
        returns_kid(NULL, def->v.FunctionDef.body.items[i], &w);
    return w.found;
}

/* How a lock reaches the function: taken by a helper the receiver is handed
 * to (`lock_ctx(session)`), and unlocked by it when its `with` block exits. */
typedef struct LockVia {
    const Node *def;       /* the helper */
    const char *path;      /* where the lock is taken: the helper's module, or one it calls */
    const Node *take;      /* ... the execute that takes it */
    const Node *with_exit; /* the `with` statement whose exit unlocks, or NULL */
    int answers;           /* a try-lock whose answer it returns */
} LockVia;

/*
 * The first end (in time) that some path reaches with the lock held
 * (flow_lock_held: a try-lock's answer tested false, or the receiver stored
 * where it outlives the function, leave it unheld), or the first of all
 * where the dataflow does not reach the take (past its limits).
 */
static const End *first_held(SqlCheck *k, const Node *func, const LockEnd *e, int try_lock)
{
    /* a driver's: the unlock frees it on the paths that run it, and an
       exception's way to the pool counts (the lender's finally puts it back) */
    const Node *ends[LOCK_MAX_ENDS];
    unsigned char held[LOCK_MAX_ENDS];
    if (!e->nends)
        return NULL;
    for (int i = 0; i < e->nends; i++)
        ends[i] = e->ends[i].node;
    FlowLock q = {e->lock, e->recv, try_lock ? answer_name(func, e->lock) : NULL, try_lock,
                  ends, e->nends, held, 0, e->driver ? e->unlock : NULL, e->driver};
    Arena *scratch = arena_new();
    flow_lock_held(scratch, k->c->env, (Node *)func, &q);
    arena_free(scratch);
    const End *first = NULL;
    for (int i = 0; i < e->nends && (q.reached || !e->driver); i++)
        if ((!q.reached || held[i]) && (!first || before(e->ends[i].at, first->at)))
            first = &e->ends[i];
    return first;
}

/*
 * A session-level advisory lock lives on the database connection that took
 * it, until an unlock on that connection or its close.  A Session hands its
 * connection back to the pool at commit, rollback and close; a Connection at
 * close.  The pool resets a returned connection with a ROLLBACK, which keeps
 * session locks: the lock stays taken by an idle pooled connection, and an
 * unlock through the same Session runs on whichever connection it checks
 * out next, where it unlocks nothing.
 */
static void lock_report(SqlCheck *k, DbWalk *w, const Node *call, const Node *recv,
                        const LockVia *via)
{
    const Node *func = dbval_walk_func(w);
    if (!func || (recv->kind != NODE_Name && recv->kind != NODE_Attribute))
        return;
    Val v = dbval_expr(k->c, w->scope, recv);
    int session = (v.tag == VAL_RESOURCE && v.kind == RES_SESSION) ||
                  (v.tag == VAL_FACTORY && v.kind == FAC_SCOPED);
    const Node *conn = NULL;
    if (!session && !(v.tag == VAL_RESOURCE && v.kind == RES_CONNECTION) &&
        (via || !(conn = driver_conn(k, w->scope, recv))))
        return;
    LockEnd e = {.k = k, .s = w->scope, .recv = conn ? conn : recv, .lock = call,
                 .session = session, .driver = conn != NULL};
    ast_children((Node *)func, lock_end_kid, &e);
    int try_lock = via ? via->answers : lock_of(k, w->scope, statement_arg(call)) == LOCK_TRY;
    e.end = first_held(k, func, &e, try_lock);
    Pos unlock_at = e.unlock ? pos_of(e.unlock) : (Pos){0, 0};
    int at_exit = 0; /* the helper's `with` block unlocks when it exits, before e.unlock */
    if (via && via->with_exit && (!e.unlock || before(block_exit(via->with_exit), unlock_at))) {
        at_exit = 1;
        unlock_at = block_exit(via->with_exit);
    }
    if (!e.end || (!e.driver && (e.unlock || at_exit) && before(unlock_at, e.end->at)))
        return; /* unlocked first, or the connection outlives the function */
    Arena *a = k->c->a;
    Finding fd = {0};
    fd.code = "SL304";
    fd.path = k->src->path;
    diag_span(&fd, call);
    const char *who = session ? "the session" : e.driver ? "a pooled connection" : "the connection";
    const char *by = via ? arena_printf(a, " by `%s()`", via->def->v.FunctionDef.name) : "";
    const char *fix = session ? "take pg_advisory_xact_lock (released with the transaction), "
                                "or hold one Connection from the lock to the unlock"
                      : e.driver ? "take pg_advisory_xact_lock (released with the transaction), "
                                   "or unlock in a finally before the connection goes back"
                                 : "unlock before the connection is closed, in a finally";
    const char *unlock =
        at_exit    ? arena_printf(a, "the unlock when the `with` block of line %d exits",
                                  via->with_exit->lineno)
        : e.unlock ? arena_printf(a, "the unlock on line %d", e.unlock->lineno)
                   : NULL;
    fd.message =
        e.driver && unlock
            ? arena_printf(a,
                           "a session-level advisory lock is taken through %s, and %s on line "
                           "%d on a path that skips %s (an exception raised before it): the "
                           "pool takes the connection back still holding the lock (its "
                           "rollback keeps it), and whoever waits for the lock waits until that "
                           "pooled connection closes; %s",
                           who, e.end->how, e.end->line, unlock, fix)
        : unlock
            ? arena_printf(a,
                           "a session-level advisory lock is taken through %s%s, and %s on line "
                           "%d before %s: its connection goes back to the pool still holding "
                           "the lock, and the unlock runs on whichever connection %s checks out "
                           "next, where it unlocks nothing; whoever waits for the lock waits "
                           "until that pooled connection closes; %s",
                           who, by, e.end->how, e.end->line, unlock, who, fix)
            : arena_printf(a,
                           "a session-level advisory lock is taken through %s%s, and %s on line "
                           "%d with no unlock before: its connection goes back to the pool "
                           "still holding the lock (the pool's reset is a ROLLBACK, which keeps "
                           "it), and whoever waits for the lock waits until that pooled "
                           "connection closes; %s",
                           who, by, e.end->how, e.end->line, fix);
    fd.trace = arena_alloc(a, 3 * sizeof *fd.trace);
    if (via)
        fd.trace[fd.ntrace++] = (TraceStep){via->path, via->take->lineno, via->take->col_offset,
                                            "the lock is taken here"};
    fd.trace[fd.ntrace++] =
        (TraceStep){k->src->path, e.end->line, e.end->col,
                    arena_printf(a, "%s here: the connection goes back to the pool with the "
                                    "lock held", e.end->how)};
    if (at_exit)
        fd.trace[fd.ntrace++] = (TraceStep){k->src->path, via->with_exit->lineno,
                                            via->with_exit->col_offset,
                                            "this block's exit unlocks, on another connection"};
    else if (e.unlock)
        fd.trace[fd.ntrace++] = (TraceStep){k->src->path, e.unlock->lineno, e.unlock->col_offset,
                                            "the unlock runs on another connection"};
    diag_add(k->out, &fd);
}

static void lock_past_connection(SqlCheck *k, DbWalk *w, const Node *call)
{
    int kind = lock_of(k, w->scope, statement_arg(call));
    if (kind == LOCK_TAKE || kind == LOCK_TRY)
        lock_report(k, w, call, call->v.Call.func->v.Attribute.value, NULL);
}

/* --- the same, through a helper handed the session ----------------------- */

#define LOCK_MAX_CALLS 2 /* helpers followed below the one the function calls */

/* What a helper does to a session-level advisory lock through its
 * parameter `param`: the first execute that takes one, and the first that
 * frees one, in its body or in a helper it hands the parameter to. */
typedef struct ParamState {
    SqlCheck *k;
    const ScopeTable *t;
    const Scope *s;
    const char *param, *path;
    const Node *take, *free;
    const char *take_path;
    const Node *set;      /* the first execute of a session-level setting, ... */
    const char *set_path; /* ... in this module */
    char set_name[64];    /* ... of this setting (may be empty) */
    int calls, depth;
} ParamState;

static void param_state_kid(Node *parent, Node *n, void *arg);

/* What a scan of def's body for `param` found, kept: a helper is handed
 * the session at many call sites (prefect: 78,000 scans of its helpers), and
 * the answer depends only on the helper, the parameter and how deep the
 * scan starts. */
typedef struct StateMemo {
    const Node *def;
    const char *param;
    int calls;
    ParamState found; /* its take, free, set and their paths */
} StateMemo;

static StateMemo *memo_slot(SqlCheck *k, const Node *def, const char *param, int calls)
{
    if (2 * (k->mused + 1) > k->mcap) {
        StateMemo *old = k->memo;
        size_t oldcap = k->mcap;
        k->mcap = oldcap ? 2 * oldcap : 64;
        k->memo = xcalloc(k->mcap, sizeof *k->memo);
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].def)
                *memo_slot(k, old[i].def, old[i].param, old[i].calls) = old[i];
        free(old);
    }
    size_t mask = k->mcap - 1;
    size_t h = ((size_t)(uintptr_t)def >> 4) * 0x9e3779b97f4a7c15ULL ^ (size_t)calls;
    for (const char *c = param; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ULL;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        StateMemo *m = &k->memo[i];
        if (!m->def) {
            m->def = def;
            m->param = param;
            m->calls = calls;
            m->found.calls = -1; /* not scanned yet */
            k->mused++;
            return m;
        }
        if (m->def == def && m->calls == calls && !strcmp(m->param, param))
            return m;
    }
}

/* Scans def's body for what it does with its parameter `param`. */
static void param_state(ParamState *pl, const Node *def, const ScopeTable *t, const char *param)
{
    StateMemo *m = memo_slot(pl->k, def, param, pl->calls);
    if (m->found.calls < 0) {
        const ValueModel *vm = pl->k->c->env->values;
        ParamState sub = {.k = pl->k, .t = t, .s = scope_of(t, def), .param = param,
                         .path = value_path_of(vm, def), .calls = pl->calls + 1};
        if (sub.s && sub.path) {
            const NodeList *body = &def->v.FunctionDef.body;
            for (int i = 0; i < body->n; i++)
                param_state_kid(NULL, body->items[i], &sub);
        }
        /* the table may have grown during the scan: find the slot again */
        m = memo_slot(pl->k, def, param, pl->calls);
        m->found = sub;
    }
    const ParamState *sub = &m->found;
    if (!sub->s || !sub->path)
        return;
    if (sub->take && !pl->take) {
        pl->take = sub->take;
        pl->take_path = sub->take_path;
    }
    if (sub->free && !pl->free)
        pl->free = sub->free;
    if (sub->set && !pl->set) {
        pl->set = sub->set;
        pl->set_path = sub->set_path;
        memcpy(pl->set_name, sub->set_name, sizeof pl->set_name);
    }
}

/* Does a statement set something for the connection's whole session (a
 * string in it: text("SET search_path ..."), set_config(..., false))? */
typedef struct SetScan {
    char *name;
    size_t size;
    int found, depth;
} SetScan;

static void set_scan_kid(Node *parent, Node *n, void *arg)
{
    SetScan *w = arg;
    (void)parent;
    if (w->found || w->depth > DBWALK_MAX_DEPTH)
        return;
    if (n->kind == NODE_Constant && n->v.Constant.value.kind == CONST_STR &&
        session_setting(n->v.Constant.value.s, w->name, w->size)) {
        w->found = 1;
        return;
    }
    w->depth++;
    ast_children(n, set_scan_kid, w);
    w->depth--;
}

static int setting_syntax(const Node *stmt, char *name, size_t size)
{
    SetScan w = {name, size, 0, 0};
    if (stmt)
        set_scan_kid(NULL, (Node *)stmt, &w);
    return w.found;
}

static void param_state_kid(Node *parent, Node *n, void *arg)
{
    ParamState *pl = arg;
    (void)parent;
    if ((pl->take && pl->free && pl->set) || pl->depth > DBWALK_MAX_DEPTH ||
        n->kind == NODE_FunctionDef ||
        n->kind == NODE_AsyncFunctionDef || n->kind == NODE_Lambda || n->kind == NODE_ClassDef)
        return;
    if (n->kind == NODE_Call) {
        const Node *f = n->v.Call.func;
        if (f->kind == NODE_Attribute && f->v.Attribute.value->kind == NODE_Name &&
            !strcmp(f->v.Attribute.value->v.Name.id, pl->param) && runs_sql(f->v.Attribute.attr)) {
            int kind = lock_syntax(statement_arg(n));
            if (!pl->set && setting_syntax(statement_arg(n), pl->set_name, sizeof pl->set_name)) {
                pl->set = n;
                pl->set_path = pl->path;
            }
            if ((kind == LOCK_TAKE || kind == LOCK_TRY) && !pl->take) {
                pl->take = n;
                pl->take_path = pl->path;
            } else if (kind == LOCK_FREE && !pl->free) {
                pl->free = n;
            }
        } else if (pl->calls <= LOCK_MAX_CALLS) {
            const ScopeTable *t;
            int method = 0;
            const Node *def = NULL;
            const char *inner = NULL;
            for (int j = 0; j < n->v.Call.args.n + n->v.Call.keywords.n && !inner; j++) {
                const Node *x = ast_call_arg(n, j);
                if (x->kind != NODE_Name || strcmp(x->v.Name.id, pl->param))
                    continue;
                if (!def && !(def = dbval_callee(pl->k->c, pl->t, pl->s, n, &t, &method)))
                    break;
                inner = param_name(def, method, n, j);
            }
            if (inner) {
                ParamState found = *pl;
                found.take = found.free = found.set = NULL;
                param_state(&found, def, t, inner);
                if (found.set && !pl->set) {
                    pl->set = found.set;
                    pl->set_path = found.set_path;
                    memcpy(pl->set_name, found.set_name, sizeof pl->set_name);
                }
                if (found.take && !pl->take) {
                    pl->take = found.take;
                    pl->take_path = found.take_path;
                }
                if (found.free && !pl->free)
                    pl->free = n;
            }
        }
    }
    pl->depth++;
    ast_children(n, param_state_kid, pl);
    pl->depth--;
}

/* The `with` statement whose item call is (`with lock_ctx(session):`), among
 * w's ancestors, or NULL. */
static const Node *with_of(const DbWalk *w, const Node *call)
{
    for (int i = w->depth - 1; i >= 0 && i >= w->depth - 2; i--) {
        const Node *n = w->stack[i];
        if (n->kind != NODE_With && n->kind != NODE_AsyncWith)
            continue;
        const NodeList *items = n->kind == NODE_With ? &n->v.With.items : &n->v.AsyncWith.items;
        for (int j = 0; j < items->n; j++)
            if (items->items[j]->v.withitem.context_expr == call)
                return n;
    }
    return NULL;
}

/* `lock_ctx(session)`, `take_lock(db, key)`, `set_tenant(db, org)`: a
 * project function handed the session takes a lock or sets a session-level
 * setting through it.  A helper that takes and frees a lock in one call is
 * checked on its own; one whose `with` block frees it at the exit, or that
 * leaves it taken, is checked here, in its caller, as is a setting the
 * caller commits (SL303). */
static void state_by_helper(SqlCheck *k, DbWalk *w, const Node *call)
{
    const ScopeTable *t;
    int method;
    if (!dbval_walk_func(w))
        return;
    int n = call->v.Call.args.n + call->v.Call.keywords.n;
    const Node *def = NULL;
    for (int j = 0; j < n; j++) {
        const Node *x = ast_call_arg(call, j);
        if (x->kind != NODE_Name && x->kind != NODE_Attribute)
            continue;
        if (!def && !(def = dbval_callee(k->c, k->c->env->scopes, w->scope, call, &t, &method)))
            return;
        const char *param = param_name(def, method, call, j);
        if (!param)
            continue;
        Val v = dbval_expr(k->c, w->scope, x);
        int driver = !dbval_is_sqlalchemy(&v);
        if (driver && (v.tag != VAL_RESOURCE || (v.kind != RES_CONNECTION && v.kind != RES_POOLED &&
                                                  v.kind != RES_CURSOR)))
            continue; /* what the reports need: before the scan of the helper's body */
        ParamState pl = {.k = k};
        param_state(&pl, def, t, param);
        if (pl.set) {
            SetVia via = {def, pl.set_path, pl.set};
            if (driver) /* a driver's pooled connection: its lender and put-back */
                driver_setting_on(k, w, call, x, pl.set_name, &via);
            else
                setting_report(k, w, call, x, pl.set_name, &via);
        }
        if (driver)
            continue; /* locks: SL304 follows SQLAlchemy's sessions and connections */
        if (!pl.take)
            continue;
        const Node *with = with_of(w, call);
        if (pl.free && !with)
            continue; /* takes and frees it in one call */
        LockVia via = {def, pl.take_path, pl.take, pl.free ? with : NULL,
                       lock_syntax(statement_arg(pl.take)) == LOCK_TRY &&
                           returns_answer(k, def, pl.take, pl.take_path)};
        lock_report(k, w, call, x, &via);
        return;
    }
}

/* --- SL303 on a driver's pool: psycopg2.pool, psycopg_pool -------------- */

/*
 * The same setting on a connection of psycopg2's pool (getconn/putconn)
 * or psycopg_pool's (getconn/putconn, `with pool.connection()`), run on the
 * connection (psycopg 3's conn.execute) or a cursor of it, committed (or
 * autocommit) and then put back: neither pool resets a connection's
 * settings (psycopg2's rolls back an open transaction; psycopg_pool's too,
 * and calls a reset= callback only when given one).  asyncpg's pool runs
 * RESET ALL when a connection is released, so its connections are quiet.
 * The connection may be lent by a project @contextmanager that gets it
 * from the pool and commits and puts it back after its yield (squeaknode's
 * get_cursor()).
 */
#define DRIVER_MAX_SQL 8 /* names and calls followed to a statement's text */

/* The text a driver runs: a literal, an f-string's first part, psycopg's
 * sql.SQL("...") (formatted, or joined with +), "...".format() or "..." %
 * x, or a name bound once to one of these; NULL when none. */
static const char *driver_sql(SqlCheck *k, const Scope *s, const Node *e, int depth)
{
    if (!e || depth > DRIVER_MAX_SQL)
        return NULL;
    switch (e->kind) {
    case NODE_Constant:
        return e->v.Constant.value.kind == CONST_STR ? e->v.Constant.value.s : NULL;
    case NODE_JoinedStr:
        return e->v.JoinedStr.values.n ? driver_sql(k, s, e->v.JoinedStr.values.items[0], depth + 1)
                                       : NULL;
    case NODE_BinOp:
        return e->v.BinOp.op == OP_Add || e->v.BinOp.op == OP_Mod
                   ? driver_sql(k, s, e->v.BinOp.left, depth + 1) : NULL;
    case NODE_Name: {
        const Binding *b = scope_lookup(k->c->env->scopes, s, e->v.Name.id, NULL);
        return b && b->kind == BIND_LOCAL && b->nbind == 1 && b->value
                   ? driver_sql(k, s, b->value, depth + 1) : NULL;
    }
    case NODE_Call: {
        const Node *f = e->v.Call.func;
        if (f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "format"))
            return driver_sql(k, s, f->v.Attribute.value, depth + 1);
        const char *last = f->kind == NODE_Attribute ? f->v.Attribute.attr
                           : f->kind == NODE_Name    ? f->v.Name.id : NULL;
        if (!last || strcmp(last, "SQL") || e->v.Call.args.n < 1)
            return NULL; /* the cheap test before the qualified name */
        const char *q = dbval_qualname(k->c, s, f);
        if (!q || (strcmp(q, "psycopg2.sql.SQL") && strcmp(q, "psycopg.sql.SQL")))
            return NULL;
        const Node *a = e->v.Call.args.items[0];
        return a->kind == NODE_Constant && a->v.Constant.value.kind == CONST_STR
                   ? a->v.Constant.value.s : NULL;
    }
    default:
        return NULL;
    }
}

/* x.cursor(...), awaited or not: x; else NULL. */
static const Node *cursor_of(const Node *e)
{
    e = ast_unawait(e);
    return e && e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute &&
                   !strcmp(e->v.Call.func->v.Attribute.attr, "cursor")
               ? e->v.Call.func->v.Attribute.value : NULL;
}

/* scope_bound_once, the await taken off: `x = v` (v), or
 * `with v as x` (v, and the withitem into *item); NULL otherwise. */
static const Node *bound_to(const ScopeTable *t, const Scope *s, const Node *e, const Node **item)
{
    return ast_unawait(scope_bound_once(t, s, e, item));
}

/* The connection a driver's statement runs on, and who lends it. */
typedef struct Lend {
    const Node *conn;       /* the connection as the code names it, or NULL (a cursor lent
                               by a helper) */
    const Node *helper;     /* the call of a project context manager whose `with` lends
                               the connection or the cursor, or NULL */
} Lend;

/* `with v as x`, v a call of something that lends x: not conn.cursor(), not
 * psycopg_pool's pool.connection() (dbval knows those); maybe a project
 * context manager. */
static int lends(const Node *v, const Node *item)
{
    return item && v->kind == NODE_Call && !cursor_of(v) &&
           !(v->v.Call.func->kind == NODE_Attribute &&
             !strcmp(v->v.Call.func->v.Attribute.attr, "connection"));
}

/* recv (a cursor or a connection, in scope s of t): which connection.
 * `cur = conn.cursor()`, `with conn.cursor() as cur`, `conn.cursor().execute`,
 * a connection itself, or either lent by `with helper() as x`. */
static Lend lend_of(const ScopeTable *t, const Scope *s, const Node *recv)
{
    Lend l = {NULL, NULL};
    const Node *item, *v = NULL, *c = cursor_of(recv);
    if (!c && (v = bound_to(t, s, recv, &item)) && !(c = cursor_of(v)) && lends(v, item)) {
        l.helper = v; /* `with get_cursor() as cur` */
        return l;
    }
    l.conn = c ? c : recv;
    if ((v = bound_to(t, s, l.conn, &item)) && lends(v, item))
        l.helper = v; /* `with get_conn() as conn` */
    return l;
}

/* After the setting (at: the execute, or a lending helper's yield), in a
 * function's body: how its connection is committed and put back. */
typedef struct ConnEnd {
    const Node *conn;   /* the connection, or NULL: only resets are looked for */
    const Node *at;
    const Node *commit; /* conn.commit() after at, or a block around at whose exit commits */
    const Node *back;   /* pool.putconn(conn) after at, or `with pool.connection()` around at */
    int autocommit;     /* conn.autocommit = True, conn.set_session(autocommit=True) */
    int reset;          /* a RESET or DISCARD run after at */
    int closed;         /* conn.close() after at */
    int wrap;           /* conn is a project wrapper: WRAP_* (which of its exits put back) */
    int depth;
} ConnEnd;

/* What gives a project wrapper's connection back to its pool (wrapper_of). */
enum {
    WRAP_CLOSE = 1, /* its close() */
    WRAP_EXIT = 2,  /* the exit of `with` over it (__exit__) */
};

/* Is e the string of a statement that undoes settings: RESET, DISCARD? */
static int resets(const Node *e)
{
    return e && e->kind == NODE_Constant && e->v.Constant.value.kind == CONST_STR &&
           (sql_word(e->v.Constant.value.s, "reset") || sql_word(e->v.Constant.value.s, "discard"));
}

/* `with conn:` (psycopg2 and psycopg 3 commit at its exit), `with
 * conn.transaction():`, `with pool.connection() as conn` (commits, puts
 * back) around at. */
static void conn_end_with(ConnEnd *e, const Node *n)
{
    const NodeList *items = n->kind == NODE_With ? &n->v.With.items : &n->v.AsyncWith.items;
    if (!e->conn || !inside(e->at, n) || !node_before(n, e->at))
        return;
    for (int i = 0; i < items->n; i++) {
        const Node *ce = ast_unawait(items->items[i]->v.withitem.context_expr);
        const Node *var = items->items[i]->v.withitem.optional_vars;
        const Node *f = ce->kind == NODE_Call ? ce->v.Call.func : NULL;
        const char *m = f && f->kind == NODE_Attribute ? f->v.Attribute.attr : "";
        if (e->wrap && (ast_same_ref(ce, e->conn) || (var && ast_same_ref(var, e->conn)))) {
            if (e->wrap & WRAP_EXIT) /* `with wrapper:`, `with make_wrapper() as conn` */
                e->back = e->back ? e->back : n;
        } else if (ast_same_ref(ce, e->conn) ||
                   (!strcmp(m, "transaction") && ast_same_ref(f->v.Attribute.value, e->conn))) {
            e->commit = e->commit ? e->commit : n;
        } else if (!strcmp(m, "connection") && var && ast_same_ref(var, e->conn)) {
            e->commit = e->commit ? e->commit : n;
            e->back = e->back ? e->back : n;
        }
    }
}

static void conn_end_call(ConnEnd *e, const Node *n)
{
    const Node *f = n->v.Call.func;
    if (f->kind != NODE_Attribute)
        return;
    const char *m = f->v.Attribute.attr;
    const Node *arg = n->v.Call.args.n ? n->v.Call.args.items[0] : NULL;
    int on_conn = e->conn && ast_same_ref(f->v.Attribute.value, e->conn);
    if (on_conn && !strcmp(m, "set_session") && ast_is_true(ast_keyword(n, "autocommit")))
        e->autocommit = 1;
    if (!node_before(e->at, n))
        return;
    if (!strcmp(m, "execute") && resets(arg))
        e->reset = 1;
    else if (on_conn && !strcmp(m, "commit") && !e->commit)
        e->commit = n;
    else if (on_conn && !strcmp(m, "close") && (e->wrap & WRAP_CLOSE))
        e->back = e->back ? e->back : n; /* the wrapper's close() puts it back */
    else if (on_conn && !strcmp(m, "close"))
        e->closed = 1;
    else if (e->conn && !strcmp(m, "putconn") && arg && ast_same_ref(arg, e->conn) && !e->back &&
             !ast_is_true(ast_keyword(n, "close")) &&
             !(n->v.Call.args.n > 2 && ast_is_true(n->v.Call.args.items[2])))
        e->back = n; /* close=True: the pool closes it instead */
}

static void conn_end_kid(Node *parent, Node *n, void *arg)
{
    ConnEnd *e = arg;
    const Node *t, *v;
    (void)parent;
    if (e->depth > DBWALK_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_With || n->kind == NODE_AsyncWith)
        conn_end_with(e, n);
    else if (n->kind == NODE_Call)
        conn_end_call(e, n);
    else if (e->conn && ast_single_assign(n, &t, &v) && t->kind == NODE_Attribute &&
             !strcmp(t->v.Attribute.attr, "autocommit") && ast_is_true(v) &&
             ast_same_ref(t->v.Attribute.value, e->conn))
        e->autocommit = 1;
    e->depth++;
    ast_children(n, conn_end_kid, e);
    e->depth--;
}

static ConnEnd conn_end(const Node *func, const Node *conn, const Node *at, int wrap)
{
    ConnEnd e = {conn, at, NULL, NULL, 0, 0, 0, wrap, 0};
    ast_children((Node *)func, conn_end_kid, &e);
    return e;
}

/* Is conn (in scope s of t) a connection of psycopg2's pool or
 * psycopg_pool's, which keep a connection's settings when it is put back? */
static int keeps_settings(SqlCheck *k, const ScopeTable *t, const Scope *s, const Node *conn)
{
    Val v = value_of(k->c->env->values, k->c->a, t, s, conn);
    return v.tag == VAL_RESOURCE && v.kind == RES_POOLED;
}

/* Does the module of t make a psycopg_pool pool with a reset= callback,
 * which runs on every connection put back?  Which pool a connection comes
 * from the value model does not say; a pool of the module that gets it
 * answers for it. */
typedef struct PoolReset {
    const ScopeTable *t;
    int found, depth;
} PoolReset;

static void pool_reset_kid(Node *parent, Node *n, void *arg)
{
    PoolReset *r = arg;
    (void)parent;
    if (r->found || r->depth > DBWALK_MAX_DEPTH)
        return;
    if (n->kind == NODE_Call && ast_keyword(n, "reset")) {
        const Node *f = n->v.Call.func;
        const char *last = f->kind == NODE_Attribute ? f->v.Attribute.attr
                           : f->kind == NODE_Name    ? f->v.Name.id : "";
        char q[512];
        size_t len = strstr(last, "ConnectionPool")
                         ? scope_qualname_buf(r->t, scope_module(r->t), f, q, sizeof q) : 0;
        if (len && len < sizeof q && !strncmp(q, "psycopg_pool.", 13)) {
            r->found = 1;
            return;
        }
    }
    r->depth++;
    ast_children(n, pool_reset_kid, r);
    r->depth--;
}

static int pool_resets(const ScopeTable *t)
{
    PoolReset r = {t, 0, 0};
    const Scope *m = t ? scope_module(t) : NULL;
    if (m && m->node)
        pool_reset_kid(NULL, m->node, &r);
    return r.found;
}

/* The first yield of a generator's body (not of a def inside it). */
typedef struct FirstYield {
    const Node *found;
    int depth;
} FirstYield;

static void first_yield_kid(Node *parent, Node *n, void *arg)
{
    FirstYield *y = arg;
    (void)parent;
    if (y->found || y->depth > DBWALK_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_Yield) {
        y->found = n;
        return;
    }
    y->depth++;
    ast_children(n, first_yield_kid, y);
    y->depth--;
}

/* --- SL303: a reset in the clean-up of what lends the session ----------- */

/*
 * A request's session comes from a yield dependency (`db =
 * Depends(get_db)`) or a project context manager (`async with
 * tenant_session() as db`), whose code after the yield runs before the
 * connection goes back to the pool.  A reset of the setting there, on the
 * session it yielded, directly or through project functions handed it
 * (RESET_MAX_HOPS deep), answers the setting: `RESET name`, `RESET ALL`,
 * `DISCARD ALL`, `SET name TO DEFAULT`, `set_config(name, '' or NULL,
 * false)`.  Unless it can fail unseen: on the exception path the
 * request's transaction may be aborted (the statement that raised), and
 * PostgreSQL then refuses everything but ROLLBACK ("current transaction is
 * aborted"); a reset sent there with no rollback of the session before it,
 * whose failure is swallowed (`contextlib.suppress(Exception)`, a broad
 * handler that does not raise), leaves the connection set (klai#123).
 * Limits: paths are source order after the yield; a finally or a handler
 * is the exception path, and a reset outside them (run only when the
 * request succeeds) is credited all the same; a rollback counts there when
 * it is in a finally or a handler before the reset, or is the exit of
 * `with session.begin()` around the yield; the yield must give a name; a
 * string of several statements is read from its first.
 */
#define RESET_MAX_HOPS 3 /* project functions followed from the clean-up */


typedef struct ResetScan {
    SqlCheck *k;
    const ScopeTable *t;
    const Scope *s;
    const char *sess;  /* the session, as this function names it */
    const char *name;  /* the setting (empty: any reset answers) */
    const Node *from;  /* the yield: only what follows it counts; NULL in a helper */
    const Node *begin; /* `with sess.begin()` around the yield: its exit rolls back */
    const char *path;  /* this function's file */
    int exc;           /* in a finally or a handler: runs on the exception path */
    int swallow;       /* a failure here is swallowed */
    int rolled;        /* rolled back on the exception path before here */
    int found;         /* RESET_* */
    const Node *lost;  /* the reset that may fail unseen, and its file */
    const char *lost_path;
    int hops, depth;
} ResetScan;

/* Does SQL text q undo the session-level setting `name` (empty: any)? */
static int resets_setting(const char *q, const char *name)
{
    const char *p;
    char got[64];
    if ((p = sql_word(q, "discard")))
        return sql_word(p, "all") != NULL;
    if ((p = sql_word(q, "reset"))) {
        if (sql_word(p, "all"))
            return 1;
        sql_name(p, got, sizeof got);
        return got[0] && (!name[0] || !strcmp(got, name));
    }
    if (!setting_stmt(q, got, sizeof got) || (name[0] && strcmp(got, name)))
        return 0;
    if ((p = sql_word(q, "set"))) { /* SET [SESSION] name TO DEFAULT, = DEFAULT */
        p = strstr(p, got) + strlen(got);
        p = sql_skip(p);
        p = *p == '=' ? p + 1 : sql_word(p, "to");
        return p && sql_word(p, "default");
    }
    /* set_config('name', '' or NULL, false): the second argument */
    p = strchr(strstr(q, "set_config(") + 11, ',');
    p = p ? sql_skip(p + 1) : NULL;
    return p && ((p[0] == '\'' && p[1] == '\'') || sql_word(p, "null"));
}

static void reset_kid(Node *parent, Node *n, void *arg);

static void reset_list(ResetScan *r, const NodeList *l, int exc, int swallow)
{
    int e = r->exc, w = r->swallow;
    r->exc = exc;
    r->swallow = swallow;
    for (int i = 0; i < l->n; i++)
        reset_kid(NULL, l->items[i], r);
    r->exc = e;
    r->swallow = w;
}

/* `with contextlib.suppress(Exception):` (a type covering a failed
 * statement), or `with sess.begin():` around the yield. */
static void reset_with(ResetScan *r, const Node *n)
{
    const NodeList *items = n->kind == NODE_With ? &n->v.With.items : &n->v.AsyncWith.items;
    int swallow = r->swallow;
    for (int i = 0; i < items->n; i++) {
        const Node *ce = ast_unawait(items->items[i]->v.withitem.context_expr);
        const Node *f = ce->kind == NODE_Call ? ce->v.Call.func : NULL;
        const char *last = !f                          ? ""
                           : f->kind == NODE_Attribute ? f->v.Attribute.attr
                           : f->kind == NODE_Name      ? f->v.Name.id : "";
        if (!strcmp(last, "suppress")) {
            for (int j = 0; j < ce->v.Call.args.n; j++)
                swallow |= crdb_catches_db(r->t, r->s, ce->v.Call.args.items[j]);
        } else if (!strcmp(last, "begin") && r->from && inside(r->from, n) &&
                   f->v.Attribute.value->kind == NODE_Name &&
                   !strcmp(f->v.Attribute.value->v.Name.id, r->sess)) {
            r->begin = n;
        }
    }
    for (int i = 0; i < items->n; i++)
        reset_kid(NULL, items->items[i], r);
    const NodeList *body = n->kind == NODE_With ? &n->v.With.body : &n->v.AsyncWith.body;
    reset_list(r, body, r->exc, swallow);
}

static void reset_scan(ResetScan *r, const Node *def);

/* A call after the yield: the session's rollback, a reset run on it, or a
 * project function handed it. */
static void reset_call(ResetScan *r, const Node *n)
{
    const Node *f = n->v.Call.func;
    if (f->kind == NODE_Attribute && f->v.Attribute.value->kind == NODE_Name &&
        !strcmp(f->v.Attribute.value->v.Name.id, r->sess)) {
        const char *m = f->v.Attribute.attr;
        if (!strcmp(m, "rollback")) {
            r->rolled |= r->exc;
            return;
        }
        const Node *stmt = runs_sql(m) ? statement_arg(n) : NULL;
        const char *q = stmt && stmt->kind == NODE_Constant &&
                                stmt->v.Constant.value.kind == CONST_STR
                            ? stmt->v.Constant.value.s
                            : sql_text(r->k, r->t, r->s, stmt, 0);
        if (!q || !resets_setting(q, r->name))
            return;
        if (r->exc && r->swallow && !r->rolled && !(r->begin && !inside(n, r->begin))) {
            if (!r->lost) {
                r->lost = n;
                r->lost_path = r->path;
            }
            r->found = r->found > RESET_LOST ? r->found : RESET_LOST;
        } else {
            r->found = RESET_DONE;
        }
        return;
    }
    if (r->hops >= RESET_MAX_HOPS)
        return;
    const ScopeTable *t;
    int method;
    const Node *def = NULL;
    for (int j = 0; j < n->v.Call.args.n + n->v.Call.keywords.n; j++) {
        const Node *x = ast_call_arg(n, j);
        if (x->kind != NODE_Name || strcmp(x->v.Name.id, r->sess))
            continue;
        if (!def && !(def = dbval_callee(r->k->c, r->t, r->s, n, &t, &method)))
            return;
        const char *param = param_name(def, method, n, j);
        const Scope *ds = param ? scope_of(t, def) : NULL;
        const char *path = ds ? value_path_of(r->k->c->env->values, def) : NULL;
        if (!path)
            continue;
        ResetScan sub = *r;
        sub.t = t;
        sub.s = ds;
        sub.sess = param;
        sub.from = NULL;
        sub.begin = NULL; /* its exit, before the call, rolled back */
        sub.rolled |= r->begin && !inside(n, r->begin);
        sub.path = path;
        sub.hops++;
        sub.depth = 0;
        reset_scan(&sub, def);
        r->rolled = sub.rolled;
        r->found = sub.found;
        r->lost = sub.lost;
        r->lost_path = sub.lost_path;
        return;
    }
}

static void reset_kid(Node *parent, Node *n, void *arg)
{
    ResetScan *r = arg;
    (void)parent;
    if (r->found == RESET_DONE || r->depth > DBWALK_MAX_DEPTH || ast_is_def(n))
        return;
    r->depth++;
    if (n->kind == NODE_Try || n->kind == NODE_TryStar) {
        reset_list(r, &n->v.Try.body, r->exc, r->swallow || crdb_swallowing_handler(n));
        for (int i = 0; i < n->v.Try.handlers.n; i++)
            reset_list(r, &n->v.Try.handlers.items[i]->v.ExceptHandler.body, 1, r->swallow);
        reset_list(r, &n->v.Try.orelse, r->exc, r->swallow);
        reset_list(r, &n->v.Try.finalbody, 1, r->swallow);
    } else if (n->kind == NODE_With || n->kind == NODE_AsyncWith) {
        reset_with(r, n);
    } else {
        if (n->kind == NODE_Call && (!r->from || node_before(r->from, n)))
            reset_call(r, n);
        ast_children(n, reset_kid, r);
    }
    r->depth--;
}

static void reset_scan(ResetScan *r, const Node *def)
{
    const NodeList *body = &def->v.FunctionDef.body;
    for (int i = 0; i < body->n && r->found != RESET_DONE; i++)
        reset_kid(NULL, body->items[i], r);
}

/* recv (a session in scope s of this module) is lent by a yield dependency
 * or a project context manager: does its clean-up reset `name`?  RESET_*;
 * the reset that may fail unseen into end->lost. */
static int provider_reset(SqlCheck *k, const Scope *s, const Node *recv, const char *name,
                          SetEnd *end)
{
    const ScopeTable *t = k->c->env->scopes, *dt = NULL;
    const Node *def = NULL, *item = NULL;
    Val v = dbval_expr(k->c, s, recv);
    if (v.tag == VAL_RESOURCE && v.node && ast_is_function(v.node)) {
        def = v.node; /* Depends(get_db) */
        dt = value_table_of(k->c->env->values, def);
    } else {
        const Node *made = bound_to(t, s, recv, &item);
        int method;
        if (item && made && made->kind == NODE_Call &&
            (def = dbval_callee(k->c, t, s, made, &dt, &method)) &&
            !ast_decorated(def, "contextmanager") && !ast_decorated(def, "asynccontextmanager"))
            def = NULL; /* `with tenant_session() as db` */
    }
    const Scope *ds = def && dt ? scope_of(dt, def) : NULL;
    const char *path = ds ? value_path_of(k->c->env->values, def) : NULL;
    if (!path)
        return RESET_NONE;
    FirstYield y = {NULL, 0};
    ast_children((Node *)def, first_yield_kid, &y);
    const Node *val = y.found ? y.found->v.Yield.value : NULL;
    if (!val || val->kind != NODE_Name)
        return RESET_NONE;
    ResetScan r = {.k = k, .t = dt, .s = ds, .sess = val->v.Name.id, .name = name,
                   .from = y.found, .path = path};
    reset_scan(&r, def);
    if (r.found == RESET_LOST) {
        end->lost = r.lost;
        end->lost_path = r.lost_path;
    }
    return r.found;
}

/* The calls a function returns, when every return of it gives one and it
 * does not yield: `def get_user_connection(self): return
 * self.get_connection()` hands out the context manager of the call it
 * returns. */
#define RETURNED_MAX 4 /* returns of one function followed */

typedef struct Returned {
    const Node *call[RETURNED_MAX];
    int n, other, depth;
} Returned;

static void returned_kid(Node *parent, Node *n, void *arg)
{
    Returned *r = arg;
    (void)parent;
    if (r->other || r->depth > DBWALK_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_Yield || n->kind == NODE_YieldFrom ||
        (n->kind == NODE_Return && (!n->v.Return.value || n->v.Return.value->kind != NODE_Call ||
                                    r->n == RETURNED_MAX))) {
        r->other = 1;
        return;
    }
    if (n->kind == NODE_Return)
        r->call[r->n++] = n->v.Return.value;
    r->depth++;
    ast_children(n, returned_kid, r);
    r->depth--;
}

#define LEND_MAX_HOPS 4 /* functions that return another's context manager, followed */

/* `with get_cursor() as cur`: a project @contextmanager that yields a
 * pooled connection (or a cursor of one) it got itself, reached from call
 * (in scope s of t) directly or through functions that only return the
 * call of another (`get_user_connection()` returning `get_connection()`;
 * the first of them into *alias): what happens to that connection after
 * the yield, into *e; its def, or NULL. */
static const Node *lender_end(SqlCheck *k, const ScopeTable *in, const Scope *s, const Node *call,
                              ConnEnd *e, const char **path, const Node **alias, int hops)
{
    const ScopeTable *t;
    int method;
    const Node *def = dbval_callee(k->c, in, s, call, &t, &method);
    const Scope *ds = def ? scope_of(t, def) : NULL;
    if (!ds)
        return NULL;
    if (!ast_decorated(def, "contextmanager") && !ast_decorated(def, "asynccontextmanager")) {
        Returned r = {{NULL}, 0, 0, 0}; /* each return must reach a lender; the first answers */
        if (hops < LEND_MAX_HOPS)
            ast_children((Node *)def, returned_kid, &r);
        const Node *lender = r.n && !r.other ? def : NULL;
        for (int i = r.n - 1; lender && i >= 0; i--)
            lender = lender_end(k, t, ds, r.call[i], e, path, alias, hops + 1);
        if (lender && !hops)
            *alias = def;
        return lender;
    }
    FirstYield y = {NULL, 0};
    ast_children((Node *)def, first_yield_kid, &y);
    if (!y.found || !y.found->v.Yield.value)
        return NULL;
    Lend l = lend_of(t, ds, y.found->v.Yield.value);
    if (l.helper || !l.conn || !keeps_settings(k, t, ds, l.conn) || pool_resets(t))
        return NULL;
    *e = conn_end(def, l.conn, y.found, 0);
    *path = value_path_of(k->c->env->values, def);
    return *path ? def : NULL;
}

/*
 * A project class standing for a pooled connection it keeps on self and
 * gives back to its pool in close() or __exit__ (aurora's
 * PooledConnectionWrapper: `self._pool.putconn(self._connection)`, the
 * rest delegated by __getattr__): its close() and the exit of `with` over
 * it are the put-back, and its statements are the connection's.  The
 * put-back is a release of the model's (a pool's putconn(), on a pool the
 * value model knows) of `self.<attr>` holding a pooled connection that
 * keeps settings, in the method or in a method of self it calls (two
 * deep).  Limits: a connection kept in a container, or given back by a
 * helper outside the class, is not seen.
 */
#define WRAP_MAX_HOPS 2 /* methods of self followed from close() or __exit__ */

typedef struct PutBack {
    SqlCheck *k;
    const Node *cls;  /* the wrapper class */
    const ScopeTable *t;
    const Scope *s;   /* the method's scope */
    const char *self; /* its first parameter */
    int found, reset, depth, hops;
} PutBack;

static int puts_back(SqlCheck *k, const Node *cls, const char *name, int hops);

static void put_back_kid(Node *parent, Node *n, void *arg)
{
    PutBack *b = arg;
    (void)parent;
    if (b->found || b->depth > DBWALK_MAX_DEPTH || ast_is_def(n))
        return;
    const Node *f = n->kind == NODE_Call ? n->v.Call.func : NULL;
    if (f && f->kind == NODE_Attribute) {
        const Node *recv = f->v.Attribute.value, *arg0 = ast_call_arg(n, 0), *given;
        if (!strcmp(f->v.Attribute.attr, "execute") && resets(arg0)) {
            b->reset = 1; /* RESET before the put-back: nothing is left set */
        } else if (recv->kind == NODE_Name && !strcmp(recv->v.Name.id, b->self)) {
            b->found = b->hops < WRAP_MAX_HOPS &&
                       puts_back(b->k, b->cls, f->v.Attribute.attr, b->hops + 1); /* self.close() */
        } else if ((given = model_released_arg(n)) && given->kind == NODE_Attribute &&
                   given->v.Attribute.value->kind == NODE_Name &&
                   !strcmp(given->v.Attribute.value->v.Name.id, b->self)) {
            const ValueModel *vm = b->k->c->env->values;
            Val pool = value_of(vm, b->k->c->a, b->t, b->s, recv), made = {0};
            Val kept = value_attr(vm, b->k->c->a, b->cls, given->v.Attribute.attr);
            int with_only = 0;
            b->found = model_method(&pool, f->v.Attribute.attr, &made, &with_only) ==
                           EFF_RELEASE_ARG &&
                       kept.tag == VAL_RESOURCE && kept.kind == RES_POOLED &&
                       !ast_is_true(ast_keyword(n, "close")); /* close=True: closed instead */
        }
    }
    b->depth++;
    ast_children(n, put_back_kid, b);
    b->depth--;
}

/* Does method name of the wrapper class cls put its connection back with
 * its settings (no RESET or DISCARD in it, or in the methods it calls)? */
static int puts_back(SqlCheck *k, const Node *cls, const char *name, int hops)
{
    const ValueModel *vm = k->c->env->values;
    const Node *def = value_method(vm, k->c->a, cls, name), *self = def ? ast_param(def, 0) : NULL;
    const ScopeTable *t = def ? value_table_of(vm, def) : NULL;
    const Scope *s = t ? scope_of(t, def) : NULL;
    if (!s || !self)
        return 0;
    PutBack b = {k, cls, t, s, self->v.arg.arg, 0, 0, 0, hops};
    ast_children((Node *)def, put_back_kid, &b);
    return b.found && !b.reset; /* one that resets first is a close() as far as settings go */
}

/* conn (in scope s of t): an object of such a wrapper class (its name
 * into *name)?  WRAP_* bits of what puts it back, 0 when it is none, or
 * its class's module makes a psycopg_pool pool with reset=. */
static int wrapper_of(SqlCheck *k, const ScopeTable *t, const Scope *s, const Node *conn,
                      const char **name)
{
    Val v = value_of(k->c->env->values, k->c->a, t, s, conn);
    if (v.tag != VAL_OBJECT || !v.node || v.node->kind != NODE_ClassDef ||
        pool_resets(value_table_of(k->c->env->values, v.node)))
        return 0;
    *name = v.node->v.ClassDef.name;
    return (puts_back(k, v.node, "close", 0) ? WRAP_CLOSE : 0) |
           (puts_back(k, v.node, "__exit__", 0) ? WRAP_EXIT : 0);
}

/* SL303 for `cur.execute("SET search_path ...")` on a driver's pooled
 * connection. */
static void driver_setting(SqlCheck *k, DbWalk *w, const Node *call)
{
    const char *sql = driver_sql(k, w->scope, statement_arg(call), 0);
    char name[64];
    if (sql && session_setting(sql, name, sizeof name))
        driver_setting_on(k, w, call, call->v.Call.func->v.Attribute.value, name, NULL);
}

/* ... the setting made at call (its statement, or a project function via
 * handed the connection), on recv: the connection or a cursor of it. */
static void driver_setting_on(SqlCheck *k, DbWalk *w, const Node *call, const Node *recv,
                              const char *name, const SetVia *via)
{
    const Node *func = dbval_walk_func(w);
    if (!func)
        return;
    const ScopeTable *t = k->c->env->scopes;
    Lend l = lend_of(t, w->scope, recv);
    if (l.conn && l.conn->kind == NODE_Name) {
        const Binding *b = scope_lookup(t, w->scope, l.conn->v.Name.id, NULL);
        if (b && b->def && (b->def->kind == NODE_For || b->def->kind == NODE_AsyncFor))
            return; /* `for conn in conns:` setting every connection it holds */
    }
    ConnEnd lent = {0};
    const char *lent_path = NULL;
    const Node *alias = NULL;
    const Node *lender =
        l.helper ? lender_end(k, t, w->scope, l.helper, &lent, &lent_path, &alias, 0) : NULL;
    const char *wrap_cls = NULL;
    int wrap = !lender && l.conn ? wrapper_of(k, t, w->scope, l.conn, &wrap_cls) : 0;
    if (!lender && !wrap &&
        (l.helper || !keeps_settings(k, t, w->scope, l.conn) || pool_resets(t)))
        return; /* not a pooled connection that keeps settings (asyncpg's reset them) */
    ConnEnd mine = conn_end(func, l.conn, call, wrap);
    if (mine.reset || mine.closed || lent.reset || lent.closed)
        return;
    SetEnd end = {k->src->path, mine.commit, k->src->path, mine.back, NULL, NULL, NULL};
    if (lender)
        end.by = arena_printf(k->c->a, " (on the connection `%s()` lends%s%s%s%s and puts back)",
                              alias ? alias->v.FunctionDef.name : lender->v.FunctionDef.name,
                              alias ? " through `" : "",
                              alias ? lender->v.FunctionDef.name : "", alias ? "()`" : "",
                              lent.commit ? ", commits" : "");
    else if (wrap)
        end.by = arena_printf(k->c->a, " (on the pooled connection a `%s` keeps and puts back)",
                              wrap_cls);
    if (!end.commit && lent.commit) {
        end.commit = lent.commit;
        end.commit_path = lent_path;
    }
    if (lent.back) {
        end.back = lent.back;
        end.back_path = lent_path;
    }
    if (!end.commit && (mine.autocommit || lent.autocommit))
        end.commit = call; /* autocommit: the statement commits itself */
    if (end.commit && end.back)
        setting_finding(k, w, call, name, via, &end, 1);
}

static int visit(DbWalk *w, const Node *n)
{
    SqlCheck *k = w->arg;
    switch (n->kind) {
    case NODE_Call:
    case NODE_With:
    case NODE_AsyncWith:
    case NODE_Try:
    case NODE_TryStar:
    case NODE_For:
    case NODE_AsyncFor:
    case NODE_While:
    case NODE_Assign:
    case NODE_AnnAssign:
    case NODE_Dict:
    case NODE_Await: break;
    default:
        /* every visitor below looks at these kinds only: the names,
           attributes and constants that are most of a tree ask none of them */
        return 1;
    }
    engines_visit(k->c, k->src, k->out, w, n); /* SL108, on the same walk */
    forks_visit(k->c, k->src, k->out, w, n, &k->forks); /* SL208, SL209 */
    if (k->crdb)
        crdb_visit(k->crdb, w, n); /* SL401, SL402, SL403 */
    begins_visit(k->c, k->src, k->out, w, n, k->legacy, k->facts, &k->begins); /* SL305 */
    ambient_visit(k->c, k->src, k->out, w, n);            /* SL203 */
    gqlctx_visit(k->c, k->src, k->out, w, n, k->module);  /* SL203 */
    if (n->kind == NODE_AsyncFor || n->kind == NODE_Await)
        agens_visit(k->c, k->src, k->out, w, n); /* SL103 */
    if (n->kind == NODE_AsyncWith || n->kind == NODE_Call)
        selfconn_visit(k->c, k->src, k->out, w, n); /* SL203 */
    if (n->kind == NODE_With || n->kind == NODE_AsyncWith)
        uncommitted(k, w->scope, n);
    if (n->kind == NODE_Assign || n->kind == NODE_AnnAssign) {
        dbapi_uncommitted(k, w, n);
        connect_uncommitted(k, w, n);
        parked_visit(k->c, k->src, k->out, w, n, k->module, k->legacy); /* SL207 */
    }
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Attribute &&
        runs_sql(n->v.Call.func->v.Attribute.attr)) {
        pooled_setting(k, w, n);
        lock_past_connection(k, w, n);
    }
    if (n->kind == NODE_Call && (n->v.Call.func->kind != NODE_Attribute ||
                                 !runs_sql(n->v.Call.func->v.Attribute.attr)))
        state_by_helper(k, w, n);
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

void sqlapi_check(DbCtx *c, const Source *src, const Node *module, const CrdbProject *crdb,
                  const ProjectFacts *facts, FindingList *out)
{
    /* 1.x runs a str as textual SQL (with a RemovedIn20Warning), except on
       a connection of an engine made with future=True (observed: tests/proof) */
    SqlCheck k = {.c = c, .src = src, .out = out, .module = module,
                  .legacy = facts && facts->sqlalchemy.major >= 0 && facts->sqlalchemy.major < 2,
                  .facts = facts, .crdb = crdb_begin(c, src, module, crdb, facts, out)};
    DbWalk w;
    memset(&w, 0, sizeof w);
    w.t = c->env->scopes;
    w.visit = visit;
    w.arg = &k;
    dbval_walk(&w, module);
    free(k.memo);
    forks_check_module(c, src, out, module, facts); /* SL208 at import time */
}
