/*
 * depends.h - the FastAPI dependency a parameter declares: `Depends(f)` or
 * `Security(f, scopes=[...])`, as its default or in the metadata of its
 * `Annotated[...]` type (an alias of one bound at module level too), with
 * what FastAPI's dependency cache makes of it.  The rules that ask which
 * session two parameters of one request share read it (rules/detached.c,
 * rules/begins.c).
 */
#ifndef SL_DEPENDS_H
#define SL_DEPENDS_H

#include "arena.h"
#include "ast.h"
#include "flow.h"
#include "scope.h"

typedef struct Depends {
    const Node *call; /* the Depends or Security call */
    const Node *def;  /* the provider, a function of the project; NULL if not one */
    const Node *type; /* the parameter's type, which a bare Depends() makes (`x: Repo =
                         Depends()`, `Annotated[Repo, Depends()]`), read in t and s */
    int scoped;       /* Security(..., scopes=[...]) with a scope */
    int uncached;     /* use_cache=False: a value of its own, even within one request */
    const ScopeTable *t; /* the module whose source holds the call (an alias imported from
                            another module is followed there) ... */
    const Scope *s;      /* ... and the scope its names are read in */
} Depends;

/* The dependency of parameter i of def (as ast_param counts), in scope s of
 * env's module (def's own scope), into *out; 0 when it declares none.
 * Names are evaluated with flow_value, its copies in scratch. */
int depends_of_param(const FlowEnv *env, Arena *scratch, const Scope *s, const Node *def, int i,
                     Depends *out);

/* Does provider a take a parameter from provider b (in env's project)? */
int depends_takes_from(const FlowEnv *env, Arena *scratch, const Node *a, const Node *b);

#endif
