/*
 * begins.h - SL305 begin-in-transaction: `begin()` on a SQLAlchemy session
 * (or a 2.0-style connection) that is already in a transaction, and a
 * psycopg2 connection's `with` block entered inside itself.  Rides on
 * the module walk of sqlapi.c; reads what names hold through dbval.h.
 */
#ifndef SL_BEGINS_H
#define SL_BEGINS_H

#include "dbval.h"
#include "diag.h"
#include "project.h"
#include "source.h"

/* begins_visit's memory of one module's walk (in c->a), NULL at its start. */
typedef struct BeginsMemo BeginsMemo;

/* Appends to out (messages in c->a) the SL305 finding of node n, where w's
 * walk of a module of src stands; legacy: the project's SQLAlchemy is 1.x
 * (a plain 1.x connection nests begin() instead of refusing it); facts (may
 * be NULL): the project's, whose psycopg2 version says what a psycopg2
 * connection's `with` entered twice does.  Thread-safe per module. */
void begins_visit(DbCtx *c, const Source *src, FindingList *out, const DbWalk *w, const Node *n,
                  int legacy, const ProjectFacts *facts, BeginsMemo **memo);

#endif
