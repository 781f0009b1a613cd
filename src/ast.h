/*
 * ast.h - the syntax tree.  Node kinds, fields and positions are CPython's
 * `ast` module's (see ast.def), so CPython is the oracle for the parser.
 *
 * Every node lives in the arena of the file it came from and is never freed
 * on its own.  Positions: lineno/end_lineno 1-based, col_offset/end_col_offset
 * 0-based UTF-8 byte offsets, as in CPython; kinds without positions in
 * CPython (Module, arguments, comprehension, withitem, match_case) keep
 * zeros.  Identifiers are interned per file: equal names are equal pointers.
 */
#ifndef SL_AST_H
#define SL_AST_H

#include <stdint.h>
#include <stdio.h>

#include "arena.h"

typedef struct Node Node;

typedef struct NodeList {
    Node **items; /* n items; NULL only in OLIST fields (Dict keys, kw_defaults) */
    int n;
} NodeList;

typedef struct IdList {
    const char **items; /* n interned identifiers */
    int n;
} IdList;

typedef struct CmpList {
    uint8_t *items; /* n CmpOp values */
    int n;
} CmpList;

typedef enum ConstKind {
    CONST_NONE,
    CONST_TRUE,
    CONST_FALSE,
    CONST_ELLIPSIS,
    CONST_INT,     /* s: the literal as written (prefix, underscores) */
    CONST_FLOAT,   /* s: the literal as written */
    CONST_COMPLEX, /* s: the literal as written, with its j */
    CONST_STR,     /* s: decoded UTF-8; lone surrogates as 3-byte sequences */
    CONST_BYTES,   /* s: the decoded bytes */
} ConstKind;

typedef struct Const {
    uint8_t kind;  /* ConstKind */
    uint8_t u;     /* a Constant str written with a u prefix (ast_const_kind) */
    uint32_t len;  /* bytes in s (strings may hold NUL) */
    const char *s; /* NUL-terminated too; NULL for None/True/False/... */
} Const;

typedef enum NodeKind {
#define AST(K, C, FL) NODE_##K,
#include "ast.def"
#undef AST
    NODE__COUNT
} NodeKind;

typedef enum NodeCategory {
    CAT_MOD, CAT_STMT, CAT_EXPR, CAT_COMPREHENSION, CAT_HANDLER, CAT_ARGUMENTS,
    CAT_ARG, CAT_KEYWORD, CAT_ALIAS, CAT_WITHITEM, CAT_MATCHCASE, CAT_PATTERN,
    CAT_TYPEPARAM,
} NodeCategory;

#define AST_ENUMS
#define AST(K, C, FL)
typedef enum AstEnum {
#define ENUM(G, N) G##_##N,
#include "ast.def"
#undef ENUM
} AstEnum;
#undef AST
#undef AST_ENUMS
/* The enum constants are CTX_Load, OP_Add, CMP_NotIn, UNARYOP_Not, ... */

/* C types of the field kinds of ast.def. */
typedef Node *AST_T_NODE;
typedef Node *AST_T_OPT;
typedef Node *AST_T_OPTS;
typedef NodeList AST_T_LIST;
typedef NodeList AST_T_OLIST;
typedef const char *AST_T_ID;
typedef const char *AST_T_OPTID;
typedef IdList AST_T_IDLIST;
typedef int AST_T_INT;
typedef uint8_t AST_T_CTX;
typedef uint8_t AST_T_BOOLOP;
typedef uint8_t AST_T_OP;
typedef uint8_t AST_T_UNARYOP;
typedef CmpList AST_T_CMPS;
typedef Const AST_T_CONST;
typedef Const AST_T_SINGLETON;
typedef char AST_T_NONE;

/* One named struct per kind: struct AST_Call { Node *func; ... }.  CTX,
 * NOID and UKIND fields are no members (ast.def): every byte of a node
 * counts, since a project keeps its files' trees until its last check. */
#define AST_FIELD_NODE(name) AST_T_NODE name;
#define AST_FIELD_OPT(name) AST_T_OPT name;
#define AST_FIELD_OPTS(name) AST_T_OPTS name;
#define AST_FIELD_LIST(name) AST_T_LIST name;
#define AST_FIELD_OLIST(name) AST_T_OLIST name;
#define AST_FIELD_ID(name) AST_T_ID name;
#define AST_FIELD_OPTID(name) AST_T_OPTID name;
#define AST_FIELD_NOID(name)
#define AST_FIELD_UKIND(name)
#define AST_FIELD_IDLIST(name) AST_T_IDLIST name;
#define AST_FIELD_INT(name) AST_T_INT name;
#define AST_FIELD_CTX(name)
#define AST_FIELD_BOOLOP(name) AST_T_BOOLOP name;
#define AST_FIELD_OP(name) AST_T_OP name;
#define AST_FIELD_UNARYOP(name) AST_T_UNARYOP name;
#define AST_FIELD_CMPS(name) AST_T_CMPS name;
#define AST_FIELD_CONST(name) AST_T_CONST name;
#define AST_FIELD_SINGLETON(name) AST_T_SINGLETON name;
#define AST_FIELD_NONE(name) AST_T_NONE name;
#define F(T, name) AST_FIELD_##T(name)
#define AST(K, C, FL) struct AST_##K { FL };
#include "ast.def"
#undef AST

/*
 * 16 bytes before the fields: a big file has about one node per 5 bytes of
 * source, so the header decides the AST's size.  The end line is kept as
 * its distance from the start line (ast_end_lineno); a node more than
 * 8,388,607 lines long (a file of that many lines) has its end line
 * clamped there.  The expression context of Name, Attribute, Subscript,
 * Starred, List and Tuple lives here too (ast_ctx): a byte among their
 * fields padded each to the next 8 bytes, and a project keeps its files'
 * trees until its last check (a Name is 24 bytes instead of 32).
 */
struct Node {
    unsigned kind : 7;       /* NodeKind */
    unsigned ctx : 2;        /* the context's offset from CTX_Load (ast_ctx); 0 elsewhere */
    unsigned end_dline : 23; /* end_lineno - lineno */
    int32_t lineno;          /* CPython's positions; see the top of this file */
    int32_t col_offset;
    int32_t end_col_offset;
    union {
#define AST(K, C, FL) struct AST_##K K;
#include "ast.def"
#undef AST
    } v;                    /* fields of the kind: n->v.Call.func */
};
#undef F

#define AST_MAX_DLINE 0x7FFFFF

_Static_assert(NODE__COUNT <= 128, "node kinds must fit Node.kind's 7 bits");

/* The context (CTX_Load, CTX_Store, CTX_Del) of a Name, Attribute,
 * Subscript, Starred, List or Tuple: its ctx field in CPython. */
static inline int ast_ctx(const Node *n) { return CTX_Load + (int)n->ctx; }

/* Sets it (the parser). */
static inline void ast_set_ctx(Node *n, int ctx) { n->ctx = (unsigned)(ctx - CTX_Load) & 3u; }

/* A Constant's kind in CPython: "u" for a u-prefixed string, else NULL. */
static inline const char *ast_const_kind(const Node *n) { return n->v.Constant.value.u ? "u" : NULL; }

/* CPython's end_lineno of n. */
static inline int32_t ast_end_lineno(const Node *n) { return n->lineno + (int32_t)n->end_dline; }

/* Sets n's end position (after its start is set). */
static inline void ast_set_end(Node *n, int32_t line, int32_t col)
{
    int32_t d = line - n->lineno;
    n->end_dline = (unsigned)(d < 0 ? 0 : d > AST_MAX_DLINE ? AST_MAX_DLINE : d);
    n->end_col_offset = col;
}

/*
 * A new node of kind k with zeroed fields, in a.  Only the fields of its own
 * kind are allocated: never change a node's kind to one with a larger struct
 * (Try <-> TryStar, Global <-> Nonlocal and the like share layouts).
 */
Node *ast_new(Arena *a, int kind);
/* "Call", "arguments", ... */
const char *ast_kind_name(int kind);
/* The category (CAT_EXPR, ...) of a kind. */
int ast_category(int kind);
/* "Load", "Add", "NotIn", ...: the name of an AstEnum constant. */
const char *ast_enum_name(int value);

/*
 * Calls fn(node, child, arg) for each non-NULL child node of n, in field
 * order (the order of the dump).  Does not recurse.
 */
void ast_children(Node *n, void (*fn)(Node *parent, Node *child, void *arg), void *arg);

/* Is s (NULL: no) one of the names of list, a NULL-ended array? */
int ast_name_in(const char *s, const char *const *list);

/* Does n open a scope of its own whose body runs apart from the code around
 * it (a def, a class body, a lambda)?  The walks of one function's body stop
 * there. */
/* A def or an async def (not a class, not a lambda): a body with parameters. */
static inline int ast_is_function(const Node *n)
{
    return n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef;
}

static inline int ast_is_def(const Node *n)
{
    return n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef ||
           n->kind == NODE_ClassDef || n->kind == NODE_Lambda;
}

/* `x = v` with one target, or `x: T = v`: 1 with *target and *value set;
 * 0 for any other statement (and for `x: T` alone). */
int ast_single_assign(const Node *st, const Node **target, const Node **value);

/* Parameter i (an arg node) of def (FunctionDef, AsyncFunctionDef, Lambda),
 * counting positional-only, then plain, then keyword-only ones; NULL past
 * them (*args and **kwargs are not counted). */
const Node *ast_param(const Node *def, int i);

/* The default of parameter i of def (as ast_param counts), or NULL. */
const Node *ast_param_default(const Node *def, int i);

/* The positional parameter of def (in a summary's order: posonly, then
 * plain, the instance first for a method; as ast_param counts) that
 * argument j of call (positional ones first, then keywords) fills, shift
 * parameters being filled by the call itself (a bound method's self); the
 * positional arguments past def's positional parameters fill its *args,
 * numbered after the keyword-only ones (-1 when it has none); -1 past a
 * starred argument, for **kwargs, or when nothing matches. */
int ast_arg_param(const Node *def, int shift, const Node *call, int j);

/* Argument j of call: its positional ones first, then its keywords'
 * values; NULL past them. */
const Node *ast_call_arg(const Node *call, int j);

/* The value of call's keyword argument name=, or NULL. */
const Node *ast_keyword(const Node *call, const char *name);

/* Does outer's source span hold n's start (n is outer or below it, for
 * nodes of one tree)? */
int ast_encloses(const Node *outer, const Node *n);

/* e without an `await` around it (NULL stays NULL). */
const Node *ast_unawait(const Node *e);

/* The method called name in the body of class cls (a ClassDef), or NULL. */
const Node *ast_method_named(const Node *cls, const char *name);

/* Is e the constant True (NULL is not)? */
int ast_is_true(const Node *e);

/* Are a and b the same name or attribute chain (`db`, `self._session`), as
 * written? */
int ast_same_ref(const Node *a, const Node *b);

/* Is def (a function or a class) decorated by something named name, as
 * written (`@property`, `@functools.cached_property`, `@retry(...)` for
 * "retry")? */
int ast_decorated(const Node *def, const char *name);

/*
 * The canonical dump of tools/pyast_dump.py for one module, byte for byte
 * (without the "# path" header line).  Defined in astdump.c.
 */
void ast_dump(FILE *out, const Node *module);

/*
 * The script's canon() of one constant (e.g. "int:0xff", "str:\"a\\n\""),
 * for tests: writes at most cap-1 bytes and a NUL into buf, like snprintf,
 * and returns the length of the whole form.  Defined in astdump.c.
 */
size_t astdump_const(char *buf, size_t cap, const Const *c);

#endif
