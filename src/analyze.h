/*
 * analyze.h - the per-module analyses after parsing: names (scope.h), then
 * each function through the dataflow (flow.h) with the rule families as its
 * sinks, then the suppression comments.  What the driver calls per file.
 */
#ifndef SL_ANALYZE_H
#define SL_ANALYZE_H

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "lex.h"
#include "source.h"

/*
 * Analyzes module (parsed from src, tokens lx) and appends its findings to
 * out, leaving out those a `# noqa` or `# sessionlint: ignore[...]` comment
 * suppresses on their line.  modname is the module's dotted name.  Memory
 * comes from a.  Thread-safe.
 */
void analyze_module(Arena *a, const Source *src, const Lexed *lx, Node *module,
                    const char *modname, FindingList *out);

/* Is code suppressed by a comment on line? (exported for the tests) */
int analyze_suppressed(const Source *src, const Lexed *lx, int line, const char *code);

#endif
