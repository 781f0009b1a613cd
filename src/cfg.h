/*
 * cfg.h - the control-flow graph of one function body (or a module body),
 * with exceptional edges: what the typestate dataflow (flow.h) walks.
 *
 * A graph is a flat array of steps; each step is one elementary event of
 * the program (evaluate an expression, bind targets, enter or leave a
 * `with`, start a loop iteration, match an except clause ...) tied to the
 * AST node it comes from.  Edges are step indices.  Every step that may
 * raise (it evaluates a call, an await, a yield, a raise, an assert) has an
 * exception edge to where control goes next when it does: the dispatch of
 * the innermost enclosing `try`, a copy of an enclosing `finally` body, the
 * exceptional exit of a `with` (which then re-raises outward), or the
 * function's exceptional exit.
 *
 * `finally` bodies are copied once per way in (fall-through, exception,
 * return, break, continue), so after a copy control continues the way it
 * came; CFG_MAX_FINALLY_COPIES bounds the copies of one body.  A `yield`
 * may raise (the consumer can throw into a generator: FastAPI throws the
 * endpoint's exception into a yield dependency) and cancellation may strike
 * at any `await`.  Nested function and class bodies are not entered: a
 * `def` or `class` statement is one STEP_BIND of its name.
 *
 * Shapes worth knowing (cfg.c builds them):
 *  - for / async for: a STEP_EXPR of the iterable (evaluated once), then
 *    STEP_FOR_NEXT at the loop head.
 *  - `while True:` (a constant true test) has a STEP_NOP head and no false
 *    edge; an `if` or `assert` on a constant test has no STEP_COND.
 *  - STEP_WITH_EXIT may raise (__exit__ commits, closes); its exception
 *    edge goes outside the with.  STEP_WITH_EXIT_EXC always re-raises (a
 *    suppressing __exit__ is not modeled).
 *  - A STEP_CASE whose pattern is irrefutable (`case _:`, `case x:`) and has
 *    no guard has one successor only.
 *  - try/except*: after a handler's body, a STEP_NOP join (node: the
 *    handler) goes to each later STEP_EXCEPT, to after the try, and to the
 *    re-raise of what no handler matched.
 *  - A lambda is ENTRY, one STEP_EXPR of its body (whose value it returns),
 *    EXIT.
 *  - Import statements and class statements may raise; a def may when it
 *    has decorators or calls in its defaults.
 *
 * Graphs live in the arena given to cfg_build; building is thread-safe.
 */
#ifndef SL_CFG_H
#define SL_CFG_H

#include <stdio.h>

#include "arena.h"
#include "ast.h"
#include "source.h"

#define CFG_MAX_FINALLY_COPIES 16
#define CFG_MAX_STEPS 100000 /* a bigger body is analyzed as far as this */

typedef enum CfgStepKind {
    STEP_ENTRY,       /* function entry; node: the function (parameters bound) */
    STEP_EXIT,        /* normal exit; no node */
    STEP_RAISE_EXIT,  /* an exception leaves the function; no node */
    STEP_EXPR,        /* node: an expression evaluated for effect (Expr's value) */
    STEP_COND,        /* node: a test expression; succ[0] if true, succ[1] if false */
    STEP_ASSIGN,      /* node: Assign/AnnAssign/AugAssign: value evaluated, targets bound */
    STEP_DELETE,      /* node: Delete */
    STEP_RETURN,      /* node: Return (value evaluated); then finally copies, then EXIT */
    STEP_RAISE,       /* node: Raise (or a failed Assert); only an exception edge */
    STEP_WITH_ENTER,  /* node: withitem: context_expr evaluated, __enter__, target bound */
    STEP_WITH_EXIT,   /* node: withitem: __exit__ on the normal path */
    STEP_WITH_EXIT_EXC, /* node: withitem: __exit__ on an exception; then re-raise */
    STEP_FOR_NEXT,    /* node: For/AsyncFor: next item bound (succ[0]) or done (succ[1]) */
    STEP_DISPATCH,    /* node: Try: an exception arrives; succs are the handlers, last
                         succ the path when none matches */
    STEP_EXCEPT,      /* node: ExceptHandler: it matched; its name is bound */
    STEP_CASE,        /* node: match_case: pattern tried; succ[0] match, succ[1] not */
    STEP_BIND,        /* node: FunctionDef/ClassDef/Import/Global...: a name bound */
    STEP_NOP,         /* join point, loop back-edge, pass; node may be NULL */
} CfgStepKind;

typedef struct CfgStep {
    unsigned char kind;  /* CfgStepKind */
    unsigned char may_raise; /* has an exception edge (exc >= 0) */
    unsigned char is_finally_copy; /* inside a copied finally body */
    Node *node;          /* the AST node the step evaluates (see kinds) */
    int *succ;           /* normal successors, nsucc of them (arena) */
    int nsucc;
    int exc;             /* exception successor, or -1 */
    int line;            /* line for witness paths (0 for ENTRY/EXIT) */
} CfgStep;

typedef struct Cfg {
    Node *func;          /* FunctionDef, AsyncFunctionDef, Lambda or Module */
    CfgStep *steps;      /* nsteps steps; steps[entry] is STEP_ENTRY */
    int nsteps;
    int entry, exit, raise_exit;
    int is_generator;    /* the body contains yield (not in nested defs) */
    int truncated;       /* CFG_MAX_STEPS was reached */
} Cfg;

/* Builds the graph of func's body in a.  func: a function, lambda or Module. */
Cfg *cfg_build(Arena *a, Node *func);

/* cfg_build for a caller that knows already whether func's body yields
 * (Cfg.is_generator: flow.c keeps it per function across the analyses of
 * one run), which saves cfg_build's walk of the whole body to find out. */
Cfg *cfg_build_known(Arena *a, Node *func, int is_generator);

/*
 * Checks the invariants of g (successor counts per kind, every edge in
 * range, exc >= 0 exactly when may_raise, one ENTRY/EXIT/RAISE_EXIT).
 * Returns 0 if they hold, else 1 with the first problem in why.
 */
int cfg_verify(const Cfg *g, char *why, size_t cap);

/* Does the except handler h catch every exception, CancelledError and
 * KeyboardInterrupt too: a bare `except:`, or one naming BaseException
 * (alone or in a tuple)? */
int cfg_catches_all(const Node *h);

/* "ENTRY", "COND", ...: the name of a CfgStepKind, as cfg_dump prints it. */
const char *cfg_kind_name(int kind);

/*
 * Prints g for `sessionlint debug cfg`: one line per step, in index order:
 *   <index> <KIND> L<line> [<node kind>] -> <succs> [exc <index>]
 */
void cfg_dump(FILE *out, const Cfg *g, const Source *src);

#endif
