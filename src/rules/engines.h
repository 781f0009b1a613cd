/*
 * engines.h - SL108 engine-per-call: an engine (and so a connection pool)
 * made inside a function and dropped there without dispose(), or stored
 * over the previous one by every unit of work.  Rides on the
 * module walk of sqlapi.c (one pass over each module after the dataflow);
 * reads what a call makes through dbval.h.
 */
#ifndef SL_ENGINES_H
#define SL_ENGINES_H

#include "dbval.h"
#include "diag.h"
#include "source.h"

/* Appends to out (messages in c->a) the SL108 finding of node n, where w's
 * walk of a module of src stands.  Thread-safe per module. */
void engines_visit(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w, const Node *n);

#endif
