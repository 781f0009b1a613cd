/*
 * agens.h - SL103 through an abandoned async generator: a provider that
 * lends a session (or connection) and closes it after its yield, driven by
 * hand (`async for db in get_db():`, `await gen.__anext__()`) and left at
 * its yield.  Rides on the module walk of sqlapi.c.
 */
#ifndef SL_AGENS_H
#define SL_AGENS_H

#include "dbval.h"
#include "diag.h"
#include "source.h"

/* Appends to out (messages in c->a) the SL103 finding of node n, where w's
 * walk of a module of src stands.  Thread-safe per module. */
void agens_visit(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w, const Node *n);

#endif
