/*
 * lifecycle.h - the lifecycle rule family, SL101 to SL106: turns what the
 * dataflow finds (flow.h) into findings with messages and witness paths.
 */
#ifndef SL_LIFECYCLE_H
#define SL_LIFECYCLE_H

#include "diag.h"
#include "flow.h"

typedef struct LifecycleSink {
    Arena *a;           /* the file's arena: messages and traces */
    const Source *src;
    FindingList *out;
    const FlowEnv *env;  /* set by lifecycle_delegation */
    const Scope *scope;  /* the function being checked there */
} LifecycleSink;

/* A FlowSink: arg is a LifecycleSink.  SL202 and SL203 problems go on to
 * sharing.h. */
void lifecycle_report(void *arg, const FlowReport *r);

/* Completes *f (code and message set) with the position of r and its
 * witness path, and adds it to k's findings. */
void lifecycle_emit(LifecycleSink *k, Finding *f, const FlowReport *r);

/* "session `db`", or "session from `SessionLocal()`" for an unnamed one. */
const char *lifecycle_what(Arena *a, const Source *src, const FlowReport *r);

/* The fix of a finding of code made from r (lifecycle_fix.c), in k->a, or
 * NULL when there is none that is sure to be right. */
struct Fix;
const struct Fix *lifecycle_fix(LifecycleSink *k, const FlowReport *r, const char *code);

/* SL104's syntactic half: an async generator that re-yields what it gets
 * from `async for` over another generator. */
void lifecycle_delegation(LifecycleSink *k, const FlowEnv *env, const Node *func);

#endif
