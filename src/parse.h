/*
 * parse.h - the recursive-descent parser: tokens -> AST (ast.h).
 *
 * The grammar is CPython 3.14's (which accepts everything 3.8 to 3.13 do),
 * and the tree is what CPython's ast.parse returns for the same text.
 * Syntax errors become SL000 findings; the parser resynchronizes at the
 * next statement, so the returned module holds every statement it could
 * parse.  Nesting deeper than PARSE_MAX_DEPTH is an error, never a stack
 * overflow.
 */
#ifndef SL_PARSE_H
#define SL_PARSE_H

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "lex.h"
#include "source.h"

#define PARSE_MAX_DEPTH 200

typedef struct ParseResult {
    Node *module;     /* a Module, never NULL; partial when there were errors */
    int nerrors;      /* syntax errors found (each also an SL000 in errs) */
    int error_line;   /* line of the first error, as CPython reports it */
} ParseResult;

/*
 * Tokenizes and parses src, streaming: the tokens of a top-level statement
 * are released once it is parsed, so a big file never holds all of them.
 * Nodes, interned names and messages come from a; syntax errors are
 * appended to errs (may be NULL).  *lx receives the comments and the
 * tokenizer's error messages (its toks is NULL: use lex_source for a token
 * array).  Thread-safe as long as a and errs are this thread's.
 */
ParseResult parse_module(Arena *a, const Source *src, Lexed *lx, FindingList *errs);

#endif
