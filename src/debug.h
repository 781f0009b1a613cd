/*
 * debug.h - the developer views behind `sessionlint debug`: the token
 * stream, the canonical AST dump that is compared with CPython's
 * (tools/pyast_dump.py), and the control-flow graphs.  They print to the FILE given and report I/O
 * problems on stderr; they never exit.
 */
#ifndef SL_DEBUG_H
#define SL_DEBUG_H

#include <stddef.h>
#include <stdio.h>

/*
 * One line per token of path: "LINE:COL-ENDLINE:ENDCOL KIND 'text'" (text
 * escaped; an error token adds its message).  Returns 0, 1 if the file does
 * not decode (an "error: line N: why" line is printed instead), or 2 if it
 * cannot be read.
 */
int debug_tokens(FILE *out, const char *path);

/*
 * For each path: "# PATH" exactly as given, then "error: line N" when the
 * file does not decode or parse, else the tree as ast_dump prints it.
 * Returns 0, or 2 if some file could not be read (its header is printed
 * with nothing after it).  Files are done one at a time, in order.
 */
int debug_ast(FILE *out, const char *const *paths, size_t n);

/*
 * For each path (a "# file: PATH" line first when there are several): the
 * control-flow graph of the module body ("# module") and of every function
 * and lambda in source order ("# C.method (line 10)"), as cfg_dump prints
 * them; "error: line N" first when the file has a syntax error (the graphs
 * of what parsed follow), "error: line N: why" alone when it does not
 * decode, "# truncated" after a graph cut short, and "error: cfg_verify:
 * ..." if a graph breaks its invariants (our bug).  Returns 0, 1 if a graph
 * failed cfg_verify, or 2 if some file could not be read.
 */
int debug_cfg(FILE *out, const char *const *paths, size_t n);

struct ProjectFacts;

/*
 * The run-wide settings a check would use, one per line: "config PATH"
 * (or "config none"), "fastapi 0.110.0 (requirements.txt)" or "fastapi
 * unknown", the same for sqlalchemy, "database cockroachdb|postgresql|
 * unknown", then "resource NAME: ..." for each custom resource.
 */
void debug_project(FILE *out, const char *config, const struct ProjectFacts *f);

#endif
