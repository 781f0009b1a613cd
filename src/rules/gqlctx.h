/*
 * gqlctx.h - SL203 through a GraphQL context: a session a Strawberry
 * context getter puts in the context that every resolver of a query shares,
 * while the resolvers of one query's fields run at the same time.  Rides on
 * the module walk of sqlapi.c.
 */
#ifndef SL_GQLCTX_H
#define SL_GQLCTX_H

#include "dbval.h"
#include "diag.h"
#include "source.h"

/* Appends to out (messages in c->a) the SL203 finding of node n (of module,
 * where w's walk of src stands).  Thread-safe per module. */
void gqlctx_visit(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w, const Node *n,
                  const Node *module);

#endif
