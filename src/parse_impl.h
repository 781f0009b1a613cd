/*
 * parse_impl.h - what the parser's files (parse.c: statements and blocks,
 * parse_expr.c: expressions, parse_str.c: string literals and f-strings,
 * parse_pat.c: match patterns) share.  Not a public interface: the rest of
 * the pipeline uses parse.h.
 *
 * Errors: a syntax error records an SL000 finding and longjmps to the
 * innermost statement loop, which skips to the next NEWLINE and goes on.
 * Everything a statement allocated stays in the arena (harmless); the only
 * other state to restore is the scratch stack, whose mark the loop saved.
 */
#ifndef SL_PARSE_IMPL_H
#define SL_PARSE_IMPL_H

#include <setjmp.h>
#include <stdint.h>

#include "parse.h"

typedef struct InternSlot {
    const char *s;        /* the interned copy, NULL for an empty slot */
    uint32_t hash, len;
    uint64_t word;        /* a name of up to 8 bytes as hash() read it: compared
                             in place of the bytes */
} InternSlot;

typedef struct Parser {
    Arena *a;             /* owns every node, list and name */
    const Source *src;
    Lexer *L;             /* the tokenizer, streaming: TK(p, i) is token i */
    int pos;              /* index of the current token */
    const Token *tok;     /* the current token, TK(p, pos), kept at hand: the
                             parser looks at it some seven times a token */
    const Token *tok_end; /* tok may step up to here (lex_run_end) */
    FindingList *errs;    /* where SL000 findings go (may be NULL) */
    int nerrors;
    int error_line;
    int depth;            /* nesting of expressions and blocks */
    jmp_buf *recover;     /* innermost statement loop's landing pad */
    void **stk;           /* scratch stack for lists under construction */
    int nstk, capstk;
    InternSlot *names;    /* intern table: open addressing, power-of-two size */
    uint32_t nnames, capnames;
    char *sbuf;           /* scratch buffer for decoding string literals */
    size_t slen, scap;
} Parser;

/* --- parse.c: tokens, errors, lists, names, positions --- */
#define TK(p, i) lex_tok((p)->L, (i))
#define TOK(p) ((p)->tok)
#define KIND(p) (TOK(p)->kind)
#define MSG(p, t) lex_message((p)->L, (t))
#define PEEK(p, k) (TK(p, (p)->pos + (k))->kind)

/* Makes token pos current, from wherever it is. */
static inline void pp_seek(Parser *p, int pos)
{
    p->pos = pos;
    p->tok = TK(p, pos);
    p->tok_end = lex_run_end(p->L, pos);
}

/* Moves to the next token (never past the ENDMARKER: the callers check):
 * a pointer step, but at the end of a run of made tokens. */
static inline void pp_advance(Parser *p)
{
    if (++p->tok < p->tok_end)
        p->pos++;
    else
        pp_seek(p, p->pos + 1);
}

/* Consumes the current token and returns it (inline: the parser's
 * commonest steps).  Only pp_seek and pp_advance move p->pos. */
static inline const Token *pp_next(Parser *p)
{
    const Token *t = TOK(p);
    if (t->kind != TOK_ENDMARKER)
        pp_advance(p);
    return t;
}

/* Consumes the current token if it is of kind; 1 if so. */
static inline int pp_accept(Parser *p, int kind)
{
    if (KIND(p) != kind)
        return 0;
    pp_advance(p); /* not the ENDMARKER: no rule accepts that */
    return 1;
}

_Noreturn void pp_expected(Parser *p, const char *what); /* the error of pp_expect */

/* Consumes the current token, of kind, or fails with "expected what". */
static inline const Token *pp_expect(Parser *p, int kind, const char *what)
{
    if (KIND(p) != kind)
        pp_expected(p, what);
    return pp_next(p);
}
int pp_is_name(Parser *p, const char *word);      /* current is NAME spelled word */
_Noreturn void pp_error_at(Parser *p, const Token *t, const char *fmt, ...);
_Noreturn void pp_error_node(Parser *p, const Node *n, const char *fmt, ...);
void pp_enter(Parser *p);                          /* depth guard */
void pp_leave(Parser *p);

void pp_grow(Parser *p);                           /* room for one more on stk */

/* Pushes x on the scratch stack. */
static inline void pp_push(Parser *p, void *x)
{
    if (p->nstk == p->capstk)
        pp_grow(p);
    p->stk[p->nstk++] = x;
}
NodeList pp_list(Parser *p, int mark);             /* pop items above mark */
IdList pp_idlist(Parser *p, int mark);
/* pop (a, b) pairs above mark into two parallel lists (dict keys and values) */
void pp_pairs(Parser *p, int mark, NodeList *first, NodeList *second);
const char *pp_intern(Parser *p, const char *s, size_t n);
const char *pp_name(Parser *p, const Token *t);    /* interned (NFKC) name */

Node *pp_node(Parser *p, int kind, const Token *start, const Token *end);
Node *pp_node_span(Parser *p, int kind, const Node *start, const Node *end);
void pp_set_start(Parser *p, Node *n, const Token *t);
void pp_set_end(Parser *p, Node *n, const Token *t);
const Token *pp_prev(Parser *p);                   /* the last consumed token */
void pp_end_prev(Parser *p, Node *n);              /* n ends at the last consumed */

NodeList pp_block(Parser *p);                      /* ':' then a suite */

/* --- parse_expr.c --- */
Node *pe_expression(Parser *p);         /* expression (ternary, lambda) */
Node *pe_named_expression(Parser *p);   /* NAME := expr | expression */
Node *pe_star_expressions(Parser *p);   /* a, *b, c  -> Tuple if commas */
Node *pe_star_named_expression(Parser *p); /* '*' bitwise_or | named_expression */
Node *pe_expressions(Parser *p);        /* a, b -> Tuple if commas (no star) */
Node *pe_yield_expr(Parser *p);
Node *pe_disjunction(Parser *p);
Node *pe_bitwise_or(Parser *p);
Node *pe_star_targets(Parser *p);
Node *pe_star_target(Parser *p);        /* one target, e.g. after 'as' */       /* for-loop and comprehension targets */
Node *pe_annotation_star(Parser *p);    /* '*' bitwise_or allowed (3.11 *args: *Ts) */
Node *pe_arguments(Parser *p, int lambda);  /* parameter lists */
void pe_call_args(Parser *p, Node *call);   /* after '(' up to and with ')' */
NodeList pe_type_params(Parser *p);     /* '[' ... ']' or empty */
Node *pe_atom_name(Parser *p);          /* a NAME as Name(Load) */
void pe_set_context(Parser *p, Node *e, int ctx); /* Store/Del, or an error */

/* --- parse_str.c --- */
Node *ps_strings(Parser *p);            /* adjacent STRING/FSTRING/TSTRING tokens */
Node *ps_number(Parser *p, const Token *t);

/* --- parse_pat.c --- */
Node *pm_patterns(Parser *p);           /* the pattern of a case clause */

#endif
