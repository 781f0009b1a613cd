/*
 * inerr.h - SL402's raw-driver twin: a connection kept beyond the call
 * (a module global, an attribute of a long-lived object, the process's
 * one connection handed in) left in a failed transaction by a handler
 * that swallows the error of its statement without rollback().
 *
 * crdb.c's visitor (crdb_visit) hands each try statement to inerr_try; the
 * check reads the value model only, so it is thread-safe per module.
 */
#ifndef SL_INERR_H
#define SL_INERR_H

#include "dbval.h"
#include "diag.h"
#include "source.h"

/*
 * Appends to out an SL402 finding for each handler of t (at the top of
 * w's walk, in src's module) that catches the failure of a statement on a
 * kept connection and leaves the function, or lets it go on, with neither
 * a rollback, a commit, a close nor a raise.  Messages in c->a.
 */
void inerr_try(DbCtx *c, const Source *src, const DbWalk *w, const Node *t, FindingList *out);

/* Does module put some connection in autocommit (`c.autocommit = True`,
 * `connect(..., autocommit=True)`, `set_isolation_level(...)`,
 * `isolation_level="AUTOCOMMIT"`)?  Thread-safe. */
int inerr_autocommit_in(const Node *module);

#endif
