/*
 * parked.c - SL207 held-while-waiting, for a session or connection parked
 * idle in transaction.  A SQLAlchemy Session (and a 2.0-style Connection)
 * begins a transaction at its first statement and keeps it, with the
 * pooled connection, until commit(), rollback() or close().  One stored in
 * a module global or on application state right after it ran a statement,
 * with nothing ending that transaction before the function returns, waits
 * "idle in transaction" for as long as the process lives: it holds its
 * row locks and its snapshot (VACUUM cannot clean behind it), and
 * PostgreSQL's idle_in_transaction_session_timeout ends the connection
 * under it, session-level advisory locks included (a leader lock kept this
 * way is lost, and another instance takes it).
 *
 * The store is found on sqlapi.c's walk; whether some path stores it in a
 * transaction and returns normally with the transaction still open comes
 * from the dataflow (flow_parked), so a session closed on the branch that
 * does not store it, or committed before the store, is quiet.  Quiet too:
 * a module that puts a connection in autocommit anywhere
 * (inerr_autocommit_in: `isolation_level="AUTOCOMMIT"`,
 * `conn.autocommit = True`), asyncpg's connections (no implicit
 * transaction: dbval.c does not take them for SQLAlchemy's), and what is
 * not a session or connection (an engine, a pool, a sessionmaker, a
 * scoped_session's registry).  Limits: an object of the function's own
 * (`self.<attr>`) is not taken for long-lived; psycopg2's connections (in a
 * transaction from their first cursor's execute) are not followed; a store
 * before the statement (then run through the global) is not seen.
 */
#include "rules/parked.h"

#include <string.h>

#include "rules/inerr.h"
#include "value.h"

/* Does target outlive the function: a name declared global in func, an
 * attribute of a module-level name (`registry.session`, `app.state.db`),
 * or application state reached from a request (`request.app.state.db`)? */
static int outlives(const DbWalk *w, const Node *target)
{
    const Node *root = target;
    int state = 0; /* an `.app.state.` in the chain */
    while (root->kind == NODE_Attribute) {
        const Node *v = root->v.Attribute.value;
        if (!strcmp(root->v.Attribute.attr, "state") && v->kind == NODE_Attribute &&
            !strcmp(v->v.Attribute.attr, "app"))
            state = 1;
        root = v;
    }
    if (root->kind != NODE_Name)
        return 0;
    if (state)
        return 1;
    const Scope *where = NULL;
    if (!scope_lookup(w->t, w->scope, root->v.Name.id, &where) || !where)
        return 0;
    return where->kind == SCOPE_MODULE && w->scope->kind != SCOPE_MODULE &&
           (target->kind == NODE_Attribute || where != w->scope);
}

/* Does x begin a transaction by itself: a session, or a connection of a
 * 2.0-style engine? */
static int autobegins(DbCtx *c, const DbWalk *w, const Node *x, int legacy)
{
    Val v = dbval_expr(c, w->scope, x);
    return v.tag == VAL_RESOURCE &&
           (v.kind == RES_SESSION || (v.kind == RES_CONNECTION && (v.sub || !legacy)));
}

void parked_visit(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w, const Node *n,
                  const Node *module, int legacy)
{
    const Node *target, *value;
    if ((n->kind != NODE_Assign && n->kind != NODE_AnnAssign) ||
        !ast_single_assign(n, &target, &value) ||
        (value->kind != NODE_Name && value->kind != NODE_Attribute))
        return;
    const Node *func = dbval_walk_func(w);
    if (!func || func->kind == NODE_Lambda || !outlives(w, target) ||
        !autobegins(c, w, value, legacy) || inerr_autocommit_in(module))
        return;
    FlowPark q = {value, n, target, NULL};
    Arena *scratch = arena_new();
    flow_parked(scratch, c->env, (Node *)func, &q);
    arena_free(scratch);
    if (!q.opened)
        return;
    char what[128], where[128];
    const char *x = dbval_text(c, src, value, 60), *t = dbval_text(c, src, target, 60);
    snprintf(what, sizeof what, "%s", x ? x : "it");
    snprintf(where, sizeof where, "%s", t ? t : "a long-lived place");
    const char *m = q.opened->v.Call.func->v.Attribute.attr;
    TraceStep steps[2] = {
        {src->path, q.opened->lineno, q.opened->col_offset,
         arena_printf(c->a, "`%s()` begins a transaction here (autobegin)", m)},
        {src->path, n->lineno, n->col_offset,
         "stored here, still in it; no commit or rollback follows before the function returns"}};
    diag_report(out, c->a, "SL207", src->path, n,
                arena_printf(c->a,
                             "`%s` is stored in `%s`, where it outlives the function, while the "
                             "transaction its `%s()` on line %d began is still open, and nothing "
                             "commits or rolls it back before the function returns: its "
                             "connection waits idle in transaction for the life of the process, "
                             "holding its locks and snapshot, until PostgreSQL's "
                             "idle_in_transaction_session_timeout ends it (and any session-level "
                             "lock with it); commit or roll back before storing it, or, to keep "
                             "the connection itself (a session-level lock), store one "
                             "Connection in AUTOCOMMIT",
                             what, where, m, q.opened->lineno),
                steps, 2);
}
