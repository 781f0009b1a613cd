/*
 * engines.h - SL108 engine-per-call: an engine (and so a connection pool)
 * made inside a function and dropped there without dispose().  Runs per
 * module after the dataflow (analyze_check); reads what a call makes
 * through dbval.h.
 */
#ifndef SL_ENGINES_H
#define SL_ENGINES_H

#include "dbval.h"
#include "diag.h"
#include "source.h"

/* Appends the SL108 findings of module to out (messages in c->a).
 * Thread-safe per module. */
void engines_check(DbCtx *c, const Source *src, const Node *module, FindingList *out);

#endif
