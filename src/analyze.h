/*
 * analyze.h - the analyses after parsing, over a whole project: names
 * (scope.h) per module, the module graph (modgraph.h), function summaries
 * computed in rounds so that callers in one module see the factories,
 * providers and releasing helpers of another, then each function through
 * the dataflow (flow.h) with the rule families as its sinks, and last the
 * suppression comments.
 *
 * The driver runs it in steps, on its thread pool where a step says so:
 *   analyze_scopes (per unit, parallel) -> analyze_link (serial, but for two halves)
 *   -> up to ANALYZE_ROUNDS x { analyze_summarize (parallel), analyze_round (serial) },
 *      until a round changes nothing
 *   -> analyze_check (per unit, parallel) -> analyze_free.
 * Between the serial steps the project is read-only, so the parallel steps
 * share it without locks; each unit's own memory is its arena.
 */
#ifndef SL_ANALYZE_H
#define SL_ANALYZE_H

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "flow.h"
#include "lex.h"
#include "project.h"
#include "scope.h"
#include "source.h"

#define ANALYZE_ROUNDS 8 /* summary rounds at most; they stop when nothing changes */

typedef struct AnalyzeUnit {
    Arena *a;             /* the file's arena: AST, scopes, findings */
    const Source *src;
    const Lexed *lx;
    Node *module;
    const char *modname;  /* dotted module name */
    int is_package;       /* an __init__.py */
    ScopeTable *scopes;   /* set by analyze_scopes */
    const Node **funcs;   /* its functions (any depth), in source order */
    FlowSummary *sums;    /* their summaries, as of the last round */
    FlowSummary *next;    /* the round being computed */
    FlowFacts *known;     /* what their first analysis found of their bodies, for the later
                             ones (flow.h): written by the thread analyzing the unit */
    int nfuncs;
    const ProjectFacts *facts; /* this file's project (versions); NULL: the run's */
    int path_ctx;         /* context_of_path (context.h) of its place in its project, or -1 */
} AnalyzeUnit;

typedef struct Analysis Analysis;

/* Builds u's scopes and finds its functions.  Thread-safe per unit. */
void analyze_scopes(AnalyzeUnit *u);

/* The project over units[0..n) (kept by pointer): the module graph, the
 * FastAPI model, the value model.  facts (copied; NULL: all unknown) are the
 * versions and database of project.h.  With jobs > 1 the value model is
 * built on a second thread beside the FastAPI closures; the result is the
 * same either way.  beside (if not NULL) is the caller's work that the link
 * neither reads nor writes (the units' facts and path_ctx): it runs after
 * the FastAPI closures on their thread, which the value model, the longer
 * half, leaves idle otherwise. */
Analysis *analyze_link(AnalyzeUnit *units, int n, const ProjectFacts *facts, int jobs,
                       void (*beside)(void *), void *beside_arg);

/* One summary round for u, reading the others' last round.  Thread-safe. */
void analyze_summarize(Analysis *an, AnalyzeUnit *u);

/* Ends a summary round: what each unit computed becomes visible.  Returns
 * whether any summary changed (when none did, the summaries are a fixpoint). */
int analyze_round(Analysis *an);

/* Runs the rules over u and appends its findings, less the suppressed ones,
 * to out.  Their strings, and everything else the check allocates, are in
 * a, which the caller frees once it has copied the findings (a project
 * keeps its units' arenas until its last check; what one check makes need
 * not wait that long).  Thread-safe per unit. */
void analyze_check(Analysis *an, AnalyzeUnit *u, Arena *a, FindingList *out);

/* Frees the project (not the units' arenas). */
void analyze_free(Analysis *an);

/* One module on its own, every step above: for tests and single files. */
void analyze_module(Arena *a, const Source *src, const Lexed *lx, Node *module,
                    const char *modname, FindingList *out);

/* Is code suppressed by a comment on line? (exported for the tests) */
int analyze_suppressed(const Source *src, const Lexed *lx, int line, const char *code);

#endif
