/*
 * lex.h - the tokenizer: decoded source text -> an array of tokens.
 *
 * The whole file is tokenized up front into one array in the file's arena,
 * so the parser can look ahead and back freely.  The token stream follows
 * CPython's tokenizer: NEWLINE ends a logical line, INDENT/DEDENT bracket
 * blocks, blank and comment-only lines and line joins (implicit inside
 * brackets, explicit with a backslash) produce nothing.  Hard keywords get
 * their own kinds (TOK_IF, ...); soft keywords stay TOK_NAME.
 *
 * f-strings and t-strings are split as in CPython 3.12+ (PEP 701):
 * FSTRING_START (prefix and quote), then FSTRING_MIDDLE runs of literal text
 * (raw source text, escapes and doubled braces not yet decoded), and for each
 * replacement field the ordinary tokens of its expression between LBRACE and
 * RBRACE, with EXCLAMATION NAME for a conversion, COLON then FSTRING_MIDDLE
 * runs (and nested fields) for a format spec, and finally FSTRING_END.
 *
 * A lexical error (bad character, unterminated string, inconsistent dedent)
 * yields a TOK_ERRORTOKEN carrying its message; the lexer then resumes at a
 * sensible point so the parser can report and resynchronize.  The last token
 * is always TOK_ENDMARKER.
 */
#ifndef SL_LEX_H
#define SL_LEX_H

#include <stdint.h>

#include "arena.h"
#include "source.h"

typedef enum TokenKind {
#define TOK(name, text) TOK_##name,
#define KW(name, text) TOK_##name,
#include "token.def"
#undef TOK
#undef KW
    TOK__COUNT
} TokenKind;

/*
 * 16 bytes: a file has one token per 3 to 7 bytes of text, and all of them
 * live at once, so columns are derived from the line table (lex_col,
 * lex_end) rather than stored.
 */
typedef struct Token {
    uint32_t off;      /* byte offset of the token's first byte in Source.text */
    uint32_t len;      /* bytes of source text the token spans */
    int32_t line;      /* 1-based line of the first byte */
    uint8_t kind;      /* TokenKind */
    uint8_t multiline; /* the token's text crosses a line end */
    uint8_t nonascii;  /* a NAME with a byte >= 0x80 (to be NFKC-normalized) */
} Token;

typedef struct Comment {
    uint32_t off, len; /* the comment's text from '#' to the line end */
    int32_t line;      /* its line */
} Comment;

typedef struct LexError {
    int tok;           /* index of the TOK_ERRORTOKEN in Lexed.toks */
    uint32_t off;      /* its offset, by which it is looked up */
    const char *msg;   /* what is wrong (static or in the arena) */
} LexError;

typedef struct Lexed {
    Token *toks;       /* ntoks tokens, last is TOK_ENDMARKER; NULL after lex_close */
    int ntoks;
    LexError *errors;  /* the message of each error token, by token index */
    int nerrors;
    Comment *comments; /* every comment, in order (for noqa and friends) */
    int ncomments;
} Lexed;

/*
 * Tokenizes src into *out, allocating from a.  Never fails: errors become
 * TOK_ERRORTOKEN tokens.  Thread-safe.
 */
void lex_source(Arena *a, const Source *src, Lexed *out);

/*
 * Positions, inline: the parser asks for two per AST node, and the calls
 * cost more than the arithmetic.
 */

/* 0-based UTF-8 byte column of t's first byte (CPython's col_offset). */
static inline int lex_col(const Source *s, const Token *t)
{
    int i = t->line - 1 <= s->nlines ? t->line - 1 : s->nlines;
    return (int)(t->off - s->lines[i]);
}

/* The 0-based index of the last line that starts at or before offset end,
 * searching from line index lo (for lex_end's tokens that span lines). */
int lex_last_line(const Source *s, int lo, uint32_t end);

/* Line and column just after t's last byte (CPython's end positions). */
static inline void lex_end(const Source *s, const Token *t, int *line, int *col)
{
    uint32_t end = t->off + t->len;
    int lo = t->line - 1 <= s->nlines ? t->line - 1 : s->nlines;
    if (t->multiline)
        lo = lex_last_line(s, lo, end);
    *line = lo + 1;
    *col = (int)(end - s->lines[lo]);
    if (t->kind == TOK_NEWLINE && t->len == 0)
        (*col)++; /* the NEWLINE CPython adds at a file's end spans one column */
}

/*
 * Streaming, for the parser: tokens are made as they are asked for and
 * released when the parser is done with them, so a big file never holds
 * all its tokens at once.  Token pointers stay valid until released.
 */
typedef struct Lexer Lexer;

/* The head of every Lexer: the tokens made so far, in chunks of
 * 1 << LEX_CHUNK_BITS that never move.  Public only for lex_tok. */
#define LEX_CHUNK_BITS 12
typedef struct LexHead {
    Token **chunks;    /* token i is chunks[i >> LEX_CHUNK_BITS][i & mask] */
    size_t ntoks;      /* tokens made so far */
} LexHead;

/* A tokenizer over src, allocating from a.  Thread-safe per lexer. */
Lexer *lex_open(Arena *a, const Source *src);
/* Token i (made now if need be); past the end, the ENDMARKER. */
const Token *lex_at(Lexer *L, int i);

/* lex_at, with a token already made read in place: the parser asks for
 * the current token two or three times per byte of source, and a call
 * each time was a quarter of parsing. */
static inline const Token *lex_tok(Lexer *L, int i)
{
    const LexHead *h = (const LexHead *)(const void *)L; /* head is Lexer's first member */
    size_t k = (size_t)i, mask = ((size_t)1 << LEX_CHUNK_BITS) - 1;
    if (i >= 0 && k < h->ntoks)
        return &h->chunks[k >> LEX_CHUNK_BITS][k & mask];
    return lex_at(L, i);
}
/* The end of the tokens made so far that lie one after another in memory
 * from token i on (made already): a parser steps through them with a
 * pointer, and asks lex_tok again only at the end of the run. */
static inline const Token *lex_run_end(Lexer *L, int i)
{
    const LexHead *h = (const LexHead *)(const void *)L;
    size_t k = (size_t)i, mask = ((size_t)1 << LEX_CHUNK_BITS) - 1;
    size_t stop = (k | mask) + 1 < h->ntoks ? (k | mask) + 1 : h->ntoks; /* chunk's end */
    return &h->chunks[k >> LEX_CHUNK_BITS][k & mask] + (stop - k);
}
/* The caller will not ask for tokens below index below again. */
void lex_release(Lexer *L, int below);
/* The comments made so far (valid until the next token is made). */
const Comment *lex_comments(const Lexer *L, int *n);
/* The message of error token t, or NULL (while streaming). */
const char *lex_message(const Lexer *L, const Token *t);
/* Lexes what is left, fills out's comments and errors (toks NULL, ntoks the
 * count) and frees L. */
void lex_close(Lexer *L, Lexed *out);

/* The message of the error token t (a token of lx), or NULL. */
const char *lex_error_message(const Lexed *lx, const Token *t);

/* A token kind's name ("NAME", "LPAR", "if") for debug output and messages. */
const char *lex_kind_name(int kind);
/* A token kind's spelling or description ("(", "name") for messages. */
const char *lex_kind_text(int kind);

#endif
