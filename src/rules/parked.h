/*
 * parked.h - SL207 for a session or connection parked in a transaction: one
 * stored where it outlives the function (a module global, application
 * state) while the transaction it began is open, with no commit or
 * rollback before the function returns.  Rides on the module walk of
 * sqlapi.c; the paths come from the dataflow (flow_parked).
 */
#ifndef SL_PARKED_H
#define SL_PARKED_H

#include "dbval.h"
#include "diag.h"
#include "source.h"

/* Appends to out (messages in c->a) the SL207 finding of node n, where w's
 * walk of module (of src) stands; legacy: the project's SQLAlchemy is 1.x
 * (a plain 1.x connection does not begin by itself).  Thread-safe per
 * module. */
void parked_visit(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w, const Node *n,
                  const Node *module, int legacy);

#endif
