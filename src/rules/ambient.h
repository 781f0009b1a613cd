/*
 * ambient.h - SL203 through an ambient session: a context manager that
 * keeps the session it makes in a ContextVar and hands that one out again
 * to whoever enters it while it is set.  Tasks copy the context they are
 * created in, so a task started inside the block gets the same session.
 * Rides on the module walk of sqlapi.c.
 */
#ifndef SL_AMBIENT_H
#define SL_AMBIENT_H

#include "dbval.h"
#include "diag.h"
#include "source.h"

/* Appends to out (messages in c->a) the SL203 finding of node n, where w's
 * walk of a module of src stands.  Thread-safe per module. */
void ambient_visit(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w, const Node *n);

#endif
