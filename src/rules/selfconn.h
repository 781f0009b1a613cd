/*
 * selfconn.h - SL203 through an object's own connection: coroutines of
 * methods of one object, run at once, that use the one session or
 * connection the object made and keeps on self.  Rides on the module walk
 * of sqlapi.c.
 */
#ifndef SL_SELFCONN_H
#define SL_SELFCONN_H

#include "dbval.h"
#include "diag.h"
#include "source.h"

/* Appends to out (messages in c->a) the SL203 finding of node n, where w's
 * walk of a module of src stands.  Thread-safe per module. */
void selfconn_visit(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w,
                    const Node *n);

#endif
