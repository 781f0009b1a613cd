/*
 * dbval.h - what database object an expression holds, for the rules that
 * judge single calls and statements (SL3xx, SL4xx): is `db` in
 * `db.execute(...)` a SQLAlchemy session, a DB-API cursor, or something we
 * cannot tell?  The project's value model answers (value.h: names through
 * every binding, parameters through annotations, dependencies and callers,
 * attributes per class, calls through returns); unknown stays unknown, and
 * the rules stay quiet about what they cannot see.  Besides, whether an
 * expression is a string on every path, and a walk over a module that knows
 * each node's scope.
 *
 * Everything here reads immutable project data; names are copied into the
 * caller's arena, so each thread passes its own.  Recursion is bounded by
 * DBVAL_MAX_DEPTH.
 */
#ifndef SL_DBVAL_H
#define SL_DBVAL_H

#include "arena.h"
#include "ast.h"
#include "flow.h"
#include "model.h"
#include "scope.h"
#include "source.h"

#define DBVAL_MAX_DEPTH 12   /* names followed per string question */
#define DBVAL_BUDGET 2000    /* expressions looked at per string question, at most */
#define DBWALK_MAX_DEPTH 256 /* nesting dbval_walk follows; deeper parts are skipped */

#define DBVAL_ACTIVE 16 /* names followed inside one another, at most */

typedef struct DbCtx {
    Arena *a;           /* the checking thread's arena: copies of qualified names */
    const FlowEnv *env; /* the module: its scopes, its summaries, the project's names */
    /* internal state of one question (set by each function below): */
    int budget;                              /* evaluations left */
    int nactive;                             /* names being followed */
    const Scope *active_scope[DBVAL_ACTIVE]; /* ... their scopes */
    const char *active_name[DBVAL_ACTIVE];   /* ... and names */
} DbCtx;

/* What e, evaluated in scope s of the module's table, holds: a factory or
 * a resource, else VAL_UNKNOWN. */
Val dbval_expr(DbCtx *c, const Scope *s, const Node *e);

/* Is v a SQLAlchemy session (Session, AsyncSession, scoped_session) or
 * Connection, whose execute() takes statement objects, not strings? */
int dbval_is_sqlalchemy(const Val *v);

/* Is v something that runs and commits transactions on the database: a
 * SQLAlchemy session or connection, or a psycopg / psycopg2 connection? */
int dbval_is_transactional(const Val *v);

/*
 * Is e a str on every path: a literal, an f-string, a concatenation or
 * %-format of one, str.format()/join(), str(), a name whose every binding
 * in its scope is one of these, a lookup Q[k] or Q.get(k, <str>) in a dict
 * display of strs that its module leaves alone, or the call of a project
 * def whose every return is one (an async def's when awaited)?  *origin receives the literal or
 * binding that shows it (for the witness), or e itself.
 */
int dbval_is_str(DbCtx *c, const Scope *s, const Node *e, const Node **origin);

/*
 * Calls fn(arg, value) for each `return value` of def (a FunctionDef or
 * AsyncFunctionDef; not the returns of defs nested in it) while fn returns 1.
 * Returns 1 when each return has a value, fn took every one, and the body
 * cannot end without one; 0 for a generator (its call makes a generator
 * object), a bare `return`, a body that may run off its end (None), or one
 * nested too deep to read.
 */
int dbval_each_return(const Node *def, int (*fn)(void *arg, const Node *value), void *arg);

/* The qualified name of e in scope s ("sqlalchemy.exc.OperationalError"),
 * copied into c->a, or NULL. */
const char *dbval_qualname(DbCtx *c, const Scope *s, const Node *e);

/* The same in scope s of table t, another module's (any thread may ask). */
const char *dbval_qualname_in(DbCtx *c, const ScopeTable *t, const Scope *s, const Node *e);

/* The definition (FunctionDef, AsyncFunctionDef, Lambda) that the callee
 * expression f names in this module, or NULL. */
const Node *dbval_local_def(DbCtx *c, const Scope *s, const Node *f);

/* The def that call (in scope s of table in: this module's, or a callee's
 * of another) runs, when the project defines it: a method of the class the
 * call is made in (`self.m(...)`), or what the value model says the callee
 * is, in any module.  Its module's table into *t, and into *method whether
 * the call fills its first parameter itself (a bound method, not a static
 * one); NULL when the project does not define it. */
const Node *dbval_callee(DbCtx *c, const ScopeTable *in, const Scope *s, const Node *call,
                         const ScopeTable **t, int *method);

/* The source text of a one-line node, shortened to about max bytes
 * ("db.execute(...)"), in c->a; NULL for a node spanning lines. */
const char *dbval_text(DbCtx *c, const Source *src, const Node *n, int max);

/*
 * A pre-order walk of a module that knows, at each node, the scope it is
 * evaluated in and its ancestors: defaults, decorators and annotations in
 * the enclosing scope, bodies in their own.  visit returns 0 to skip the
 * node's children.
 */
typedef struct DbWalk {
    const ScopeTable *t;
    int (*visit)(struct DbWalk *w, const Node *n); /* pre-order */
    void *arg;                                     /* the visitor's state */
    const Scope *scope;                            /* where n is evaluated */
    const Node *stack[DBWALK_MAX_DEPTH];           /* ancestors of n, outermost first */
    int depth;                                     /* entries in stack */
    const Node *func; /* dbval_walk_func's answer, kept as the walk enters and leaves
                         defs and classes: asked at most calls, it was a climb */
    const Node *callee_call; /* dbval_walk_callee's last call, or NULL ... */
    const char *callee;      /* ... and its answer: several visitors of one walk ask it */
} DbWalk;

/* Walks module (a Module node) with w->t, w->visit and w->arg set. */
void dbval_walk(DbWalk *w, const Node *module);

/* Walks the body of func (FunctionDef, AsyncFunctionDef or Lambda) in its
 * own scope, with w->t, w->visit and w->arg set. */
void dbval_walk_body(DbWalk *w, const Node *func);

/* The innermost function (FunctionDef, AsyncFunctionDef, Lambda) among
 * w's ancestors, or NULL at module or class level. */
const Node *dbval_walk_func(const DbWalk *w);

/* dbval_qualname of call's callee, call being the node w's visit is at:
 * worked out once for all the visitors of the walk that ask (copied into
 * c->a, which must outlive the walk's visit of call). */
const char *dbval_walk_callee(DbWalk *w, DbCtx *c, const Node *call);

#endif
