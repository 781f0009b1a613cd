/*
 * workers.h - SL201 and SL203 for state a framework hands to every unit of
 * work it runs at once: an arq worker's startup ctx, read by jobs that run
 * as concurrent tasks (SL203), and a threading socketserver's server
 * object, read by handlers that run on a thread per request (SL201).
 * Rides on sharing.c's walk of one module.
 */
#ifndef SL_WORKERS_H
#define SL_WORKERS_H

#include "diag.h"
#include "flow.h"
#include "source.h"

/* What the checks read and where they report. */
typedef struct WorkCtx {
    const FlowEnv *env;   /* the module's (env->values: the value model) */
    Arena *scratch;       /* reset by the caller */
    Arena *a;             /* the file's arena: messages and traces */
    const Source *src;
    FindingList *out;
} WorkCtx;

/* SL203 when cls is an arq worker's settings (`on_startup`, `functions` or
 * `cron_jobs` in its body) whose startup hook keeps a session or
 * connection in ctx under a key a job reads.  Thread-safe per module. */
void workers_class(const WorkCtx *w, const Node *cls);

/* SL201 when call (in scope s) makes a threading socketserver of the
 * project whose handler class reads a session or connection the server
 * keeps on itself (`self.server.conn`).  Thread-safe per module. */
void workers_call(const WorkCtx *w, const Scope *s, const Node *call);

#endif
