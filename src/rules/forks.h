/*
 * forks.h - SL208 pool-across-fork: worker processes forked from a process
 * that has used a connection pool, and that take connections of that pool
 * without disposing of the copy they inherited; SL209 pool-across-event-loops:
 * a coroutine run on a loop of its own (asyncio.run(), run_until_complete()),
 * more than once or before a server starts, takes connections of an async
 * pool that outlives the loop.  Rides on the module walk
 * of sqlapi.c; reads the callees' summaries (needs_pool) through dbval.h.
 */
#ifndef SL_FORKS_H
#define SL_FORKS_H

#include "dbval.h"
#include "diag.h"
#include "project.h"
#include "source.h"

/* What the walk of one module remembers between its nodes (in c->a). */
typedef struct Forks Forks;

/* Appends to out (messages in c->a) the SL208 and SL209 findings of node n, where w's
 * walk of a module of src stands; *state is the module's, NULL before its
 * first node.  Thread-safe per module. */
void forks_visit(DbCtx *c, const Source *src, FindingList *out, DbWalk *w, const Node *n,
                 Forks **state);

/* Appends to out the SL208 findings of module (of src) at import time: code
 * that runs when Celery's worker imports it leaves connections in a pool
 * that a task takes connections of in the worker's forked children; or
 * when a pre-fork web server of facts (gunicorn --preload, uWSGI) imports
 * it before forking its workers (facts may be NULL).  Reads
 * every module of the project (read-only).  Thread-safe per module. */
void forks_check_module(DbCtx *c, const Source *src, FindingList *out, const Node *module,
                        const ProjectFacts *facts);

#endif
