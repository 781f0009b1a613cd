/*
 * debug.h - the developer views behind `sessionlint debug`: the token
 * stream and the canonical AST dump that is compared with CPython's
 * (tools/pyast_dump.py).  They print to the FILE given and report I/O
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

#endif
