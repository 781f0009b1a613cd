/*
 * fixgen.h - the rules' tools for building fixes (fix.h) on Python source:
 * where a statement sits (its block, the header that opens it, the
 * function around it), the file's own indentation, whole-line edits that
 * leave blank lines and the inside of multi-line strings alone, and a
 * missing import.  Everything reads the decoded text and the AST of one
 * file; edits are offsets into Source.text.
 *
 * A FixGen collects the edits of one fix in a heap buffer; fixgen_done
 * copies them into the file's arena.  Any helper that cannot make its edit
 * marks the FixGen failed, and fixgen_done then returns NULL: a rule never
 * has to check each step.  Thread-safe per FixGen.
 */
#ifndef SL_FIXGEN_H
#define SL_FIXGEN_H

#include <stddef.h>

#include "arena.h"
#include "ast.h"
#include "fix.h"
#include "scope.h"
#include "source.h"

typedef struct FixGen {
    Arena *a;          /* the file's arena: the fix and its strings */
    const Source *src;
    FixEdit *edits;    /* heap, until fixgen_done */
    int n, cap;
    int failed;        /* an edit could not be made: no fix */
} FixGen;

void fixgen_init(FixGen *g, Arena *a, const Source *src);
/* text[start, end) becomes content (copied). */
void fixgen_edit(FixGen *g, size_t start, size_t end, const char *content);
/* The same, for an edit other fixes may make identically (FixEdit.shared). */
void fixgen_shared(FixGen *g, size_t start, size_t end, const char *content);
/* No fix after all. */
void fixgen_fail(FixGen *g);
/* The fix (in g->a) with its edits sorted, or NULL when g failed, has no
 * edit, or two edits overlap.  Frees g's buffer either way. */
const Fix *fixgen_done(FixGen *g, int applicability, const char *message);

/* ---- positions ---- */

/* Offset of (line 1-based, byte column 0-based); past the end: src->len. */
size_t fixgen_off(const Source *src, int line, int col);
/* Where line starts (line nlines + 1 and beyond: src->len). */
size_t fixgen_line_start(const Source *src, int line);
size_t fixgen_start(const Source *src, const Node *n);
size_t fixgen_end(const Source *src, const Node *n);
/* The leading blanks of line, copied into a. */
const char *fixgen_indent(Arena *a, const Source *src, int line);
/* The source text of n, copied into a. */
const char *fixgen_text(Arena *a, const Source *src, const Node *n);

/* ---- statements ---- */

/* Where a statement sits. */
typedef struct FixBlock {
    const NodeList *list; /* the statements of its block */
    int index;            /* its index there */
    int owner_line;       /* the line of the header that opens the block (def, if, try,
                             except, case ...); 0 at module level */
    const Node *owner;    /* the statement (or handler) owning the block; NULL: module */
    const Node *func;     /* the innermost function around it; NULL: module level */
} FixBlock;

/* The innermost statement of module that contains node (any node, the
 * statement itself included), and where it sits.  0 when none does. */
int fixgen_stmt(const Node *module, const Node *node, FixBlock *out);

/*
 * Is st alone on its lines: only blanks before it on its first line, and
 * after it on its last line only blanks and perhaps a comment (*comment is
 * then set; comment may be NULL)?  No `;` neighbour, no `\` continuation.
 */
int fixgen_alone(const Source *src, const Node *st, int *comment);

/* The file's indentation step for a block nested in b's block: b's own
 * step when it shows one (its header's indentation to its statements'),
 * else the first one the module shows, else four spaces.  In a. */
const char *fixgen_unit(Arena *a, const Source *src, const Node *module, const FixBlock *b);

/* Inserts unit at the start of lines [from, to], except blank lines and
 * lines that begin inside a multi-line string. */
void fixgen_indent_lines(FixGen *g, int from, int to, const char *unit);
/* Deletes lines [from, to], their line ends included. */
void fixgen_delete_lines(FixGen *g, int from, int to);
/* Inserts text (one or more whole lines, each ending in '\n') before line
 * (merged with an indentation fixgen_indent_lines put there). */
void fixgen_insert_lines(FixGen *g, int line, const char *text);

/* Does a statement of l[from, to) bind name (outside nested functions and
 * classes): an assignment, for, with ... as, del, import, def, class,
 * global, nonlocal? */
int fixgen_binds(const NodeList *l, int from, int to, const char *name);
/* Does a statement of l[from, to) leave them early: return, or break or
 * continue outside a loop of their own? */
int fixgen_exits(const NodeList *l, int from, int to);

/* Does a statement of l[from, to) yield or await (outside nested
 * functions)? */
int fixgen_suspends(const NodeList *l, int from, int to);

/*
 * The name under which the code in scope s can call the function quals[0]
 * (qualified names in quals[0..n) all mean it): `name` itself when it is
 * bound to one of them or unbound, in which case a shared edit adds
 * `from <module_name> import <name>` to module; NULL when name is taken by
 * something else.  Strings in g->a.
 */
const char *fixgen_import(FixGen *g, const ScopeTable *t, const Scope *s, const Node *module,
                          const char *module_name, const char *name, const char *const *quals,
                          int n);

#endif
