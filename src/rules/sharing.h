/*
 * sharing.h - the lifetime and sharing rule family, SL201 to SL204: a
 * session or connection shared by every request (SL201), handed to work
 * that runs after its owner released it (SL202), used by work that runs at
 * the same time (SL203), and a dependency that commits after FastAPI has
 * already sent the response (SL204).
 *
 * SL202 and SL203 come from the dataflow (flow.h's FLOW_OUTLIVES and
 * FLOW_CONCURRENT, with the FastAPI timing of the run); SL201 and SL204
 * read the FastAPI model (fastapi.h) and the definitions of one module.
 */
#ifndef SL_SHARING_H
#define SL_SHARING_H

#include "project.h"
#include "rules/lifecycle.h"

/* The wording and witness of a FLOW_OUTLIVES or FLOW_CONCURRENT report. */
void sharing_flow_report(LifecycleSink *k, const FlowReport *r);

/* SL201 and SL204 over one module (env->fastapi must be set; facts: its
 * project's versions; scratch is reset by the caller afterwards). */
void sharing_check(LifecycleSink *k, const FlowEnv *env, const ProjectFacts *facts,
                   Arena *scratch, const Node *module, const Node *const *funcs, int nfuncs);

#endif
