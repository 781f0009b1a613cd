/*
 * lex.c - the tokenizer: Source.text -> Lexed, one pass, CPython 3.14's
 * rules (Parser/lexer in CPython is the reference for every decision here:
 * indentation with tabs, the numeric-literal checks, string prefixes, and
 * the PEP 701 mode stack for f-strings and t-strings).
 *
 * Invariants:
 *  - the text is UTF-8, NUL-terminated, with every line end already turned
 *    into '\n' (source.c), so reading one byte past the cursor is always
 *    safe and '\0' at end means end of input;
 *  - every call of lex_token either consumes input or emits a token that
 *    moves the state towards ENDMARKER, so the main loop terminates;
 *  - an ERRORTOKEN's line and col are where CPython's SyntaxError points
 *    (col = offset - 1, in bytes), and the lexer resumes after it;
 *  - the mode stack's bottom entry is the ordinary (non-f-string) mode.
 */
#include "lex.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uni.h"

#define MAX_LEVEL 200        /* bracket nesting, CPython's MAXLEVEL */
#define MAX_INDENT 100       /* indentation levels, CPython's MAXINDENT */
#define MAX_FSTRING 150      /* nested f-strings, CPython's MAXFSTRINGLEVEL */
#define MAX_EXPR_NESTING 3   /* fields nested in format specs */
#define TABSIZE 8

/* One entry of the mode stack: an f-string (or t-string) being lexed. */
typedef struct Mode {
    uint8_t regular;   /* 1: lexing expression tokens; 0: literal text */
    uint8_t in_spec;   /* literal text is a format spec */
    uint8_t raw;       /* r prefix: a backslash and N{...} are plain text */
    uint8_t tstring;   /* t prefix: emit TSTRING_* kinds */
    char quote;        /* ' or " */
    int qsize;         /* 1 or 3 */
    int depth;         /* brackets open inside this string's fields */
    int expr_depth;    /* field nesting: -1 outside any field */
    int level0;        /* the lexer's bracket level when the string began */
    const char *start; /* the prefix's first byte, for error messages */
    const char *sbol;  /* start of the line where the string began */
    int sline;         /* that line */
} Mode;

typedef struct Lexer {
    LexHead head;      /* the tokens made so far (first: lex_tok reads it) */
    Arena *arena;
    const char *text;  /* Source.text */
    const char *end;   /* text + len: points at the terminating NUL */
    const char *p;     /* next byte to read */
    const char *bol;   /* first byte of the current line */
    int line;          /* current line, 1-based */
    int atbol;         /* at the start of a line: measure indentation next */
    int pendin;        /* pending INDENTs (> 0) or DEDENTs (< 0) */
    int indent;        /* top of the indentation stacks */
    int level;               /* open brackets */
    int nmodes;              /* entries in mode, at least 1 */
    int done;                /* ENDMARKER emitted */
    size_t nchunks;          /* entries in head.chunks (a NULL one was released) */
    Token *wr, *wr_end;      /* token ntoks's slot and its chunk's end; equal when
                                push must find the slot (next_slot) */
    Token *spare;            /* released chunks, linked through their first token's off */
    size_t released;         /* chunks below this index were released */
    int stalls;              /* turns in a row that made no token and no progress */
    LexError *errs;          /* heap, copied into the arena at the end */
    size_t nerrs, errcap;    /* entries in errs, and its room */
    Comment *cms;            /* heap, copied into the arena at the end */
    size_t ncms, cmcap;      /* comments in cms, and its room */
    /* The stacks, last: 13 KB that lex_open leaves unwritten (entries are
     * set as they are pushed), where zeroing them cost as much as lexing
     * a small file's first lines. */
    int ind[MAX_INDENT];     /* columns, tabs to multiples of TABSIZE */
    int altind[MAX_INDENT];  /* columns, tabs as one column (TabError check) */
    char paren[MAX_LEVEL];   /* which bracket, innermost last */
    int paren_line[MAX_LEVEL];         /* its line, for "does not match" */
    int paren_col[MAX_LEVEL];          /* its column, for "never closed" */
    const char *paren_at[MAX_LEVEL];   /* the bracket itself */
    Mode mode[MAX_FSTRING + 1];
} Lexer;

/* ---- token output ---------------------------------------------------- */

/*
 * Tokens live in chunks of CHUNK tokens that never move, so a parser may
 * hold pointers to them; a parser that streams (lex_open) releases the
 * chunks it is done with and they are reused for later tokens, so a big
 * file never has all its tokens at once.  The chunks are the lexer's own
 * heap memory, freed when it finishes: the arena of a file whose tree the
 * analysis keeps does not keep its tokens too (16 bytes a token, four
 * times the source).
 */
#define CHUNK_BITS LEX_CHUNK_BITS
#define CHUNK ((size_t)1 << CHUNK_BITS)
#define CHUNK_MASK (CHUNK - 1)
#define TOKAT(L, i) (&(L)->head.chunks[(i) >> CHUNK_BITS][(i) & CHUNK_MASK])

static void new_chunk(Lexer *L)
{
    Token *c;
    if (L->spare) {
        c = L->spare;
        memcpy(&L->spare, &c[0].off, sizeof L->spare) ; /* next spare, stored in place */
    } else {
        c = xmalloc(CHUNK * sizeof *c);
    }
    if ((L->nchunks & (L->nchunks - 1)) == 0) /* grow the index at powers of two */
        L->head.chunks =
            xrealloc(L->head.chunks, (L->nchunks ? 2 * L->nchunks : 1) * sizeof *L->head.chunks);
    L->head.chunks[L->nchunks++] = c;
}

/* Points wr at token ntoks's slot, making its chunk if need be. */
static void next_slot(Lexer *L)
{
    size_t k = L->head.ntoks >> CHUNK_BITS;
    if (k >= L->nchunks)
        new_chunk(L);
    L->wr = TOKAT(L, L->head.ntoks);
    L->wr_end = L->head.chunks[k] + CHUNK;
}

/* Appends a token from start (on line sline, which began at sbol) to stop
 * (on the current line). */
static inline Token *push(Lexer *L, int kind, const char *start, const char *stop, int sline,
                          const char *sbol)
{
    if (L->wr == L->wr_end)
        next_slot(L);
    Token *t = L->wr++;
    L->head.ntoks++;
    t->kind = (uint8_t)kind;
    t->off = (uint32_t)(start - L->text);
    t->len = (uint32_t)(stop - start);
    t->line = sline;
    t->multiline = sline != L->line;
    t->nonascii = 0;
    (void)sbol;
    return t;
}

/* Records msg as the message of the error token t (the newest token). */
static void set_message(Lexer *L, const Token *t, const char *msg)
{
    if (L->nerrs == L->errcap) {
        L->errcap = L->errcap ? 2 * L->errcap : 16;
        L->errs = xrealloc(L->errs, L->errcap * sizeof *L->errs);
    }
    L->errs[L->nerrs].tok = (int)(L->head.ntoks - 1); /* t is the newest token */
    L->errs[L->nerrs].off = t->off;
    L->errs[L->nerrs++].msg = msg;
}

/* A token that starts and ends on the current line. */
static inline Token *emit(Lexer *L, int kind, const char *start, const char *stop)
{
    return push(L, kind, start, stop, L->line, L->bol);
}

/*
 * An ERRORTOKEN at `at` on line (which began at bol): CPython's SyntaxError
 * points there.  The token spans the character at `at`.
 */
static void error_at(Lexer *L, const char *at, int line, const char *bol, const char *msg)
{
    int n = 1;
    if (at < L->end)
        uni_decode_utf8(at, (size_t)(L->end - at), &n);
    else
        n = 0;
    Token *t = push(L, TOK_ERRORTOKEN, at, at + n, line, bol);
    t->multiline = 0;
    set_message(L, t, msg);
}

/* An error on the current line. */
static void error_here(Lexer *L, const char *at, const char *msg)
{
    error_at(L, at, L->line, L->bol, msg);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static const char *fmt(Lexer *L, const char *f, ...)
{
    char buf[320];
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    return arena_strndup(L->arena, buf, (size_t)n);
}

static void add_comment(Lexer *L, const char *start, const char *stop)
{
    if (L->ncms == L->cmcap) {
        L->cmcap = L->cmcap ? 2 * L->cmcap : 64;
        L->cms = xrealloc(L->cms, L->cmcap * sizeof *L->cms);
    }
    Comment *c = &L->cms[L->ncms++];
    c->off = (uint32_t)(start - L->text);
    c->len = (uint32_t)(stop - start);
    c->line = L->line;
}

/* Passes the '\n' at p: the next line begins after it. */
static void newline(Lexer *L, const char *p)
{
    L->line++;
    L->bol = p + 1;
}

static int string_letter(const Mode *m)
{
    return m->tstring ? 't' : 'f';
}

/* ---- characters -------------------------------------------------------- */

/*
 * Character classes of bytes.  Names take every byte >= 128 and let
 * valid_identifier sort them out afterwards, as CPython does; C_WORD is the
 * ASCII part, for the loop that scans the common all-ASCII name.  C_STOP
 * marks the bytes a string literal's body cannot skip without a look
 * (either quote, backslash, line end, NUL: the NUL that ends the text, or
 * one inside raw fuzzer input), C_FSTOP those of an f-string's text (the
 * same and the braces), so those scans take one load and test a byte.
 */
enum { C_START = 1, C_DIGIT = 2, C_WORD = 4, C_STOP = 8, C_FSTOP = 16 };
#define S (C_START | C_WORD)
#define H C_START
#define D (C_DIGIT | C_WORD)
#define Q (C_STOP | C_FSTOP)
#define F C_FSTOP
static const unsigned char char_class[256] = {
    Q, 0, 0, 0, 0, 0, 0, 0, 0, 0, Q, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, Q, 0, 0, 0, 0, Q, 0, 0, 0, 0, 0, 0, 0, 0,
    D, D, D, D, D, D, D, D, D, D, 0, 0, 0, 0, 0, 0,
    0, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
    S, S, S, S, S, S, S, S, S, S, S, 0, Q, 0, 0, S,
    0, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
    S, S, S, S, S, S, S, S, S, S, S, F, 0, F, 0, 0,
    H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H,
    H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H,
    H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H,
    H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H,
    H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H,
    H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H,
    H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H,
    H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H,
};
#undef S
#undef H
#undef D
#undef Q
#undef F

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_xdigit(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static int is_id_start(int c) { return char_class[c & 0xFF] & C_START; }
static int is_id_char(int c) { return char_class[c & 0xFF] & (C_START | C_DIGIT); }

/*
 * Python's str.isprintable, to choose between CPython's "invalid character"
 * and "invalid non-printable character" messages: the assigned code points
 * that are not printable (controls, format characters, separators other
 * than space, surrogates, private use; from python3's unicodedata).
 * Unassigned code points count as printable here, the one difference.
 */
static int printable(uint32_t cp)
{
    static const uint32_t ranges[][2] = {
        {0x0, 0x1F}, {0x7F, 0xA0}, {0xAD, 0xAD}, {0x600, 0x605}, {0x61C, 0x61C},
        {0x6DD, 0x6DD}, {0x70F, 0x70F}, {0x890, 0x891}, {0x8E2, 0x8E2}, {0x1680, 0x1680},
        {0x180E, 0x180E}, {0x2000, 0x200F}, {0x2028, 0x202F}, {0x205F, 0x2064},
        {0x2066, 0x206F}, {0x3000, 0x3000}, {0xD800, 0xF8FF}, {0xFEFF, 0xFEFF},
        {0xFFF9, 0xFFFB}, {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x13438},
        {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F},
        {0xF0000, 0xFFFFD}, {0x100000, 0x10FFFD},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (cp >= ranges[i][0] && cp <= ranges[i][1])
            return 0;
    return 1;
}

static const char *bad_char_msg(Lexer *L, const char *at)
{
    int n;
    int32_t cp = uni_decode_utf8(at, (size_t)(L->end - at), &n);
    if (cp < 0)
        return fmt(L, "invalid non-printable character U+%04X", (unsigned char)*at);
    if (printable((uint32_t)cp))
        return fmt(L, "invalid character '%.*s' (U+%04X)", n, at, (unsigned)cp);
    return fmt(L, "invalid non-printable character U+%04X", (unsigned)cp);
}

/* ---- keywords ------------------------------------------------------------ */

#define KW_IS(w, k)                                                            \
    if (n == sizeof(w) - 1 && !memcmp(s, w, sizeof(w) - 1))                    \
        return k;

/* The kind of the name s[0..n): a hard keyword's kind or TOK_NAME. */
static int keyword(const char *s, size_t n)
{
    if (n < 2 || n > 8)
        return TOK_NAME;
    switch (s[0]) {
    case 'F': KW_IS("False", TOK_FALSE) break;
    case 'N': KW_IS("None", TOK_NONE) break;
    case 'T': KW_IS("True", TOK_TRUE) break;
    case 'a':
        KW_IS("and", TOK_AND) KW_IS("as", TOK_AS) KW_IS("assert", TOK_ASSERT)
        KW_IS("async", TOK_ASYNC) KW_IS("await", TOK_AWAIT) break;
    case 'b': KW_IS("break", TOK_BREAK) break;
    case 'c': KW_IS("class", TOK_CLASS) KW_IS("continue", TOK_CONTINUE) break;
    case 'd': KW_IS("def", TOK_DEF) KW_IS("del", TOK_DEL) break;
    case 'e': KW_IS("elif", TOK_ELIF) KW_IS("else", TOK_ELSE) KW_IS("except", TOK_EXCEPT) break;
    case 'f': KW_IS("for", TOK_FOR) KW_IS("from", TOK_FROM) KW_IS("finally", TOK_FINALLY) break;
    case 'g': KW_IS("global", TOK_GLOBAL) break;
    case 'i':
        KW_IS("if", TOK_IF) KW_IS("in", TOK_IN) KW_IS("is", TOK_IS)
        KW_IS("import", TOK_IMPORT) break;
    case 'l': KW_IS("lambda", TOK_LAMBDA) break;
    case 'n': KW_IS("not", TOK_NOT) KW_IS("nonlocal", TOK_NONLOCAL) break;
    case 'o': KW_IS("or", TOK_OR) break;
    case 'p': KW_IS("pass", TOK_PASS) break;
    case 'r': KW_IS("return", TOK_RETURN) KW_IS("raise", TOK_RAISE) break;
    case 't': KW_IS("try", TOK_TRY) break;
    case 'w': KW_IS("while", TOK_WHILE) KW_IS("with", TOK_WITH) break;
    case 'y': KW_IS("yield", TOK_YIELD) break;
    default: break;
    }
    return TOK_NAME;
}

/* ---- indentation --------------------------------------------------------- */

/*
 * Applies a logical line's indentation (col with tabs to 8, altcol with tabs
 * as 1): one INDENT, or DEDENTs back to a matching level.  Returns 0 after
 * emitting an error token (the stacks are left consistent anyway).
 */
static int set_indent(Lexer *L, int col, int altcol)
{
    int top = L->indent;
    if (col == L->ind[top]) {
        if (altcol != L->altind[top])
            goto tab_error;
        return 1;
    }
    if (col > L->ind[top]) {
        if (top + 1 >= MAX_INDENT) {
            error_here(L, L->bol, "too many levels of indentation");
            return 0;
        }
        L->pendin++;
        L->ind[++L->indent] = col;
        L->altind[L->indent] = altcol;
        if (altcol <= L->altind[top])
            goto tab_error;
        return 1;
    }
    while (L->indent > 0 && col < L->ind[L->indent]) {
        L->pendin--;
        L->indent--;
    }
    if (col != L->ind[L->indent]) {
        const char *eol = L->p;
        while (*eol != '\n' && eol < L->end)
            eol++;
        error_here(L, eol, "unindent does not match any outer indentation level");
        return 0;
    }
    if (altcol != L->altind[L->indent])
        goto tab_error;
    return 1;
tab_error:
    error_here(L, L->bol, "inconsistent use of tabs and spaces in indentation");
    return 0;
}

/*
 * At the start of a line: measures its indentation and queues INDENT or
 * DEDENT tokens.  Sets *blank for a line holding only blanks and a comment
 * (it does not count).  Returns 0 if it emitted an error token instead.
 */
static int indentation(Lexer *L, int *blank)
{
    const char *p = L->p;
    L->atbol = 0;
    /* the common indentation first, spaces only: 8 at a time while the
     * text lasts (a line of the standard library starts with 16 of them) */
    while (L->end - p >= 8 && !memcmp(p, "        ", 8))
        p += 8;
    while (*p == ' ')
        p++;
    int col = (int)(p - L->p), altcol = col, cont_col = 0;
    for (;;) {
        if (*p == ' ')
            col++, altcol++;
        else if (*p == '\t')
            col = (col / TABSIZE + 1) * TABSIZE, altcol++;
        else if (*p == '\f')
            col = altcol = 0;
        else if (*p == '\\' && p[1] == '\n' && p + 2 < L->end) {
            /* the first backslash fixes the indentation of what follows */
            cont_col = cont_col ? cont_col : col;
            newline(L, p + 1);
            p++;
        } else
            break;
        p++;
    }
    L->p = p;
    /* the end of input counts as a line end: CPython appends a '\n' */
    *blank = *p == '#' || *p == '\n' || p >= L->end;
    if (*blank || L->level > 0)
        return 1;
    if (cont_col)
        col = altcol = cont_col;
    return set_indent(L, col, altcol);
}

/* Emits one queued INDENT or DEDENT. */
static void pending(Lexer *L)
{
    if (L->pendin < 0) {
        L->pendin++;
        emit(L, TOK_DEDENT, L->p, L->p);
    } else {
        L->pendin--;
        emit(L, TOK_INDENT, L->bol, L->p);
    }
}

/* ---- numbers ------------------------------------------------------------- */

/* Does s continue with the letters of word, then a non-name character? */
static int follows(const char *s, const char *word)
{
    while (*word)
        if (*s++ != *word++)
            return 0;
    return !is_id_char((unsigned char)*s);
}

/*
 * CPython's verify_end_of_number, with at the byte after the literal: a
 * name glued to a number is an error, except for the keywords that can
 * follow a number in valid code ("1if x else 2"), which CPython only warns
 * about.  Returns 0 after emitting an error.
 */
static int end_of_number(Lexer *L, const char *at, const char *msg)
{
    int c = (unsigned char)*at, ok = 0;
    switch (c) {
    case 'a': ok = follows(at + 1, "nd"); break;
    case 'e': ok = follows(at + 1, "lse"); break;
    case 'f': ok = follows(at + 1, "or"); break;
    case 'i': ok = at[1] == 'f' || at[1] == 'n' || at[1] == 's'; break;
    case 'o': ok = follows(at + 1, "r"); break;
    case 'n': ok = follows(at + 1, "ot"); break;
    default: break;
    }
    if (!ok && c < 128 && is_id_char(c)) {
        error_here(L, at - 1, msg);
        return 0;
    }
    return 1;
}

/* Digits with single underscores between them, from q.  NULL after an
 * error ("1_", "1__0"). */
static const char *decimal_tail(Lexer *L, const char *q)
{
    for (;;) {
        while (is_digit((unsigned char)*q))
            q++;
        if (*q != '_')
            return q;
        q++;
        if (!is_digit((unsigned char)*q)) {
            error_here(L, q - 1, "invalid decimal literal");
            return NULL;
        }
    }
}

static int radix_digit(int c, int base)
{
    return base == 16 ? is_xdigit(c) : base == 8 ? (c >= '0' && c <= '7') : (c == '0' || c == '1');
}

/* The digits of a 0x, 0o or 0b literal, from q just after the letter. */
static const char *radix_number(Lexer *L, const char *q, int base)
{
    const char *name = base == 16 ? "hexadecimal" : base == 8 ? "octal" : "binary";
    /* a constant: the message is wanted only on an error, and the
     * standard library has some 17,000 of these literals */
    const char *bad = base == 16 ? "invalid hexadecimal literal"
                      : base == 8 ? "invalid octal literal" : "invalid binary literal";
    do {
        if (*q == '_')
            q++;
        if (!radix_digit((unsigned char)*q, base)) {
            if (base != 16 && is_digit((unsigned char)*q))
                error_here(L, q, fmt(L, "invalid digit '%c' in %s literal", *q, name));
            else
                error_here(L, q - 1, bad);
            return NULL;
        }
        while (radix_digit((unsigned char)*q, base))
            q++;
    } while (*q == '_');
    if (base != 16 && is_digit((unsigned char)*q)) {
        error_here(L, q, fmt(L, "invalid digit '%c' in %s literal", *q, name));
        return NULL;
    }
    if (!end_of_number(L, q, bad))
        return NULL;
    return q;
}

/* After "0": more zeros, or a float; other digits are an old-style octal. */
static const char *zero_number(Lexer *L, const char *start, const char **q_out, int *fraction)
{
    const char *q = start + 1;
    for (;;) {
        if (*q == '_') {
            q++;
            if (!is_digit((unsigned char)*q)) {
                error_here(L, q - 1, "invalid decimal literal");
                return NULL;
            }
        }
        if (*q != '0')
            break;
        q++;
    }
    const char *zeros_end = q;
    int nonzero = 0;
    if (is_digit((unsigned char)*q)) {
        nonzero = 1;
        if (!(q = decimal_tail(L, q)))
            return NULL;
    }
    *q_out = q;
    if (*q == '.' || *q == 'e' || *q == 'E' || *q == 'j' || *q == 'J') {
        *fraction = 1;
        return q;
    }
    if (nonzero) {
        Token *t = push(L, TOK_ERRORTOKEN, start, zeros_end, L->line, L->bol);
        set_message(L, t, "leading zeros in decimal integer literals are not permitted; "
                          "use an 0o prefix for octal integers");
        return NULL;
    }
    if (!end_of_number(L, q, "invalid decimal literal"))
        return NULL;
    return q;
}

/* Scans the number at start (a digit, or '.' then a digit).  Returns its
 * end, or NULL after emitting an error token. */
static const char *scan_number(Lexer *L, const char *start)
{
    const char *q = start;
    if (*q == '0') {
        int x = q[1] | 0x20;
        if (x == 'x' || x == 'o' || x == 'b')
            return radix_number(L, q + 2, x == 'x' ? 16 : x == 'o' ? 8 : 2);
        int more = 0;
        const char *r = zero_number(L, start, &q, &more);
        if (!more)
            return r;
    } else if (*q != '.' && !(q = decimal_tail(L, q))) {
        return NULL;
    }
    if (*q == '.') {
        q++;
        if (is_digit((unsigned char)*q) && !(q = decimal_tail(L, q)))
            return NULL;
    }
    if (*q == 'e' || *q == 'E') {
        const char *e = q++;
        if (*q == '+' || *q == '-') {
            q++;
            if (!is_digit((unsigned char)*q)) {
                error_here(L, q - 1, "invalid decimal literal");
                return NULL;
            }
        } else if (!is_digit((unsigned char)*q)) {
            /* "1else": the number ends before the 'e' */
            return end_of_number(L, e, "invalid decimal literal") ? e : NULL;
        }
        if (!(q = decimal_tail(L, q)))
            return NULL;
    }
    if (*q == 'j' || *q == 'J') {
        q++;
        return end_of_number(L, q, "invalid imaginary literal") ? q : NULL;
    }
    return end_of_number(L, q, "invalid decimal literal") ? q : NULL;
}

static void lex_number(Lexer *L, const char *p)
{
    const char *q = scan_number(L, p);
    if (q) {
        emit(L, TOK_NUMBER, p, q);
        L->p = q;
        return;
    }
    /* resume after the whole malformed literal, and after the error */
    const Token *err = TOKAT(L, L->head.ntoks - 1);
    const char *after = L->text + err->off + err->len;
    q = p;
    while (is_id_char((unsigned char)*q) || *q == '.' || q < after)
        q++;
    L->p = q;
}

/* ---- names and strings ---------------------------------------------------- */

/* PEP 3131 for a name with non-ASCII characters; emits the error CPython
 * gives for the first character that cannot be in an identifier. */
static int valid_identifier(Lexer *L, const char *s, const char *e)
{
    for (const char *q = s; q < e;) {
        int n = 1, ok;
        unsigned c = (unsigned char)*q;
        if (c < 128) {
            ok = q == s ? is_id_start((int)c) : is_id_char((int)c);
        } else {
            int32_t cp = uni_decode_utf8(q, (size_t)(e - q), &n);
            ok = cp >= 0 && (q == s ? uni_is_xid_start((uint32_t)cp)
                                    : uni_is_xid_continue((uint32_t)cp));
        }
        if (!ok) {
            error_here(L, q, bad_char_msg(L, q));
            return 0;
        }
        q += n;
    }
    return 1;
}

/* The line CPython names in "(detected at line N)" when a string runs into
 * q: the last line, for the end of input. */
static int detected_line(const Lexer *L, const char *q)
{
    if (q >= L->end && q > L->text && q[-1] == '\n')
        return L->line - 1;
    return L->line;
}

/*
 * An unterminated plain string that started at start (line sline, bol sbol)
 * and ran into q.  Inside an f-string, a string opened by that f-string's
 * own closing quote means a field was left open: CPython says so, and we
 * resume with the f-string's closing quote.
 */
static void unterminated(Lexer *L, const char *start, const char *quote_at, int qsize,
                         const char *q, int sline, const char *sbol, int escaped)
{
    Mode *m = &L->mode[L->nmodes - 1];
    int det = detected_line(L, q);
    if (L->nmodes > 1 && m->quote == *quote_at && m->qsize == qsize) {
        error_at(L, start, sline, sbol, fmt(L, "%c-string: expecting '}'", string_letter(m)));
        L->line = sline, L->bol = sbol, L->p = quote_at;
        L->level = m->level0;
        m->regular = 0, m->in_spec = 0, m->depth = 0, m->expr_depth = -1;
        return;
    }
    if (qsize == 3)
        error_at(L, start, sline, sbol,
                 fmt(L, "unterminated triple-quoted string literal (detected at line %d)", det));
    else if (escaped)
        error_at(L, start, sline, sbol,
                 fmt(L, "unterminated string literal (detected at line %d); "
                        "perhaps you escaped the end quote?", det));
    else
        error_at(L, start, sline, sbol,
                 fmt(L, "unterminated string literal (detected at line %d)", det));
    L->p = q;
}

/* A string or bytes literal: start is its prefix, q its opening quote. */
static void lex_string(Lexer *L, const char *start, const char *q)
{
    const char quote = *q, *open = q;
    int sline = L->line, qsize = 1, escaped = 0;
    const char *sbol = L->bol;
    if (q[1] == quote && q[2] == quote) {
        qsize = 3, q += 3;
    } else if (q[1] == quote) {
        emit(L, TOK_STRING, start, q + 2);
        L->p = q + 2;
        return;
    } else {
        q++;
    }
    for (;;) {
        /* skip the bytes that need no thought; the other quote and a NUL
         * inside the text stop it too, and are passed below */
        while (!(char_class[(unsigned char)*q] & C_STOP))
            q++;
        int c = (unsigned char)*q;
        if (q >= L->end || (c == '\n' && qsize == 1)) {
            unterminated(L, start, open, qsize, q, sline, sbol, escaped);
            return;
        }
        if (c == quote) {
            if (qsize == 1 || (q[1] == quote && q[2] == quote)) {
                q += qsize;
                break;
            }
        } else if (c == '\\') {
            if (q + 1 >= L->end) {
                q++;
                continue;
            }
            q++;
            escaped |= *q == quote;
            if (*q == '\n')
                newline(L, q);
        } else if (c == '\n') {
            newline(L, q);
        }
        q++;
    }
    push(L, TOK_STRING, start, q, sline, sbol);
    L->p = q;
}

/* An f-string or t-string begins: start is its prefix, q its quote. */
static void fstring_start(Lexer *L, const char *start, const char *q, int raw, int tstring)
{
    char quote = *q;
    int qsize = (q[1] == quote && q[2] == quote) ? 3 : 1;
    if (L->nmodes >= MAX_FSTRING) {
        error_here(L, q + qsize - 1, "too many nested f-strings or t-strings");
        lex_string(L, start, q);
        return;
    }
    Mode *m = &L->mode[L->nmodes++];
    memset(m, 0, sizeof *m);
    m->raw = (uint8_t)raw;
    m->tstring = (uint8_t)tstring;
    m->quote = quote;
    m->qsize = qsize;
    m->expr_depth = -1;
    m->level0 = L->level;
    m->start = start;
    m->sbol = L->bol;
    m->sline = L->line;
    emit(L, tstring ? TOK_TSTRING_START : TOK_FSTRING_START, start, q + qsize);
    L->p = q + qsize;
}

/*
 * Prefix letters are a set of bits (1 b, 2 r, 4 u, 8 f, 16 t), each letter
 * at most once; CPython 3.14 rejects the incompatible pairs, naming the
 * first in this order.  NULL for a valid prefix.
 */
static const char *prefix_clash(int bits)
{
    static const struct { int bits; const char *msg; } pairs[] = {
        {4 | 1, "'u' and 'b' prefixes are incompatible"},
        {4 | 2, "'u' and 'r' prefixes are incompatible"},
        {4 | 8, "'u' and 'f' prefixes are incompatible"},
        {4 | 16, "'u' and 't' prefixes are incompatible"},
        {1 | 8, "'b' and 'f' prefixes are incompatible"},
        {1 | 16, "'b' and 't' prefixes are incompatible"},
        {8 | 16, "'f' and 't' prefixes are incompatible"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if ((bits & pairs[i].bits) == pairs[i].bits)
            return pairs[i].msg;
    return NULL;
}

/* The bit of a prefix letter, or 0. */
static int prefix_bit(int c)
{
    switch (c | 0x20) {
    case 'b': return 1;
    case 'r': return 2;
    case 'u': return 4;
    case 'f': return 8;
    case 't': return 16;
    default: return 0;
    }
}

/*
 * The letters start..q before a quote, if they are a string prefix (each
 * letter at most once): lexes the literal and returns 1.  Else 0, and
 * they are a name.
 */
static int string_prefix(Lexer *L, const char *start, const char *q)
{
    int bits = 0, bit;
    for (const char *c = start; c < q; c++) {
        bit = prefix_bit((unsigned char)*c);
        if (!bit || (bits & bit))
            return 0;
        bits |= bit;
    }
    const char *clash = prefix_clash(bits);
    if (clash) {
        /* skip the literal, but report only the prefix */
        int sline = L->line;
        const char *sbol = L->bol;
        size_t n0 = L->head.ntoks;
        lex_string(L, start, q);
        L->head.ntoks = n0;
        L->wr = L->wr_end = NULL; /* the slot is found again */
        error_at(L, start, sline, sbol, clash);
    } else if (bits & (8 | 16)) {
        fstring_start(L, start, q, bits & 2, bits & 16);
    } else {
        lex_string(L, start, q);
    }
    return 1;
}

/* A name or keyword, or the prefix letters of a string: the name is
 * scanned first, as most are no prefix (5 letters at most: b r u f t). */
static void lex_name(Lexer *L, const char *start)
{
    const char *q = start;
    int nonascii = 0;
    while (char_class[(unsigned char)*q] & C_WORD)
        q++;
    if ((*q == '"' || *q == '\'') && q - start <= 5 && string_prefix(L, start, q))
        return;
    if ((unsigned char)*q >= 0x80) { /* the rare name with non-ASCII letters */
        nonascii = 1;
        while (is_id_char((unsigned char)*q))
            q++;
    }
    L->p = q;
    if (nonascii && !valid_identifier(L, start, q))
        return;
    emit(L, keyword(start, (size_t)(q - start)), start, q)->nonascii = nonascii != 0;
}

/* ---- f-string and t-string text -------------------------------------------- */

/* Switches from literal text to a replacement field's expression. */
static void open_field(Lexer *L, Mode *m, const char *brace)
{
    if (++m->expr_depth >= MAX_EXPR_NESTING)
        error_here(L, brace > L->bol ? brace - 1 : brace,
                   fmt(L, "%c-string: expressions nested too deeply", string_letter(m)));
    m->regular = 1;
    m->in_spec = 0;
}

/* The literal text ran into the end of a line or of the input. */
static void fstring_unterminated(Lexer *L, Mode *m, const char *q, int in_spec)
{
    int c = m->tstring ? 't' : 'f';
    if (in_spec && q < L->end)
        error_here(L, q, fmt(L, "%c-string: newlines are not allowed in format specifiers "
                                "for single quoted %c-strings", c, c));
    else if (m->qsize == 3)
        error_at(L, m->start, m->sline, m->sbol,
                 fmt(L, "unterminated triple-quoted %c-string literal (detected at line %d)", c,
                     detected_line(L, q)));
    else
        error_at(L, m->start, m->sline, m->sbol,
                 fmt(L, "unterminated %c-string literal (detected at line %d)", c,
                     detected_line(L, q)));
    L->level = m->level0;
    L->nmodes--;
    L->p = q;
}

/*
 * In an f-string's literal text (or format spec): emits one FSTRING_MIDDLE
 * run, raw, up to a field's '{', a '}' or the closing quote, or the
 * FSTRING_END when the quote comes first.  "{{" and "}}" stay in the run.
 */
static void lex_fstring(Lexer *L, Mode *m)
{
    const char *start = L->p, *q = start, *sbol = L->bol;
    int sline = L->line, in_spec = m->in_spec && m->expr_depth >= 0;
    int middle = m->tstring ? TOK_TSTRING_MIDDLE : TOK_FSTRING_MIDDLE;
    if (*q == m->quote && (m->qsize == 1 || (q[1] == m->quote && q[2] == m->quote))) {
        emit(L, m->tstring ? TOK_TSTRING_END : TOK_FSTRING_END, q, q + m->qsize);
        L->p = q + m->qsize;
        /* a field left open ("f'{x:'") is the parser's error to report;
         * closing its brackets here lets it resynchronize on the line end */
        L->level = m->level0;
        L->nmodes--;
        return;
    }
    for (;;) {
        while (!(char_class[(unsigned char)*q] & C_FSTOP))
            q++;
        int c = (unsigned char)*q;
        if (q >= L->end || (c == '\n' && m->qsize == 1)) {
            if (q > start)
                push(L, middle, start, q, sline, sbol);
            fstring_unterminated(L, m, q, in_spec);
            return;
        }
        if (c == m->quote) {
            if (m->qsize == 1 || (q[1] == c && q[2] == c))
                break;
        } else if (c == '{' || c == '}') {
            if (q[1] == c && !in_spec && (c == '{' || m->depth == 0)) {
                q += 2;
                continue;
            }
            if (q > start)
                push(L, middle, start, q, sline, sbol);
            if (c == '{')
                open_field(L, m, q);
            m->regular = 1;
            m->in_spec = 0;
            L->p = q;
            return;
        } else if (c == '\\') {
            if (q[1] == '{' || q[1] == '}' || q + 1 >= L->end) {
                q++;
                continue;
            }
            if (!m->raw && q[1] == 'N' && q[2] == '{') {
                /* \N{NAME}: its braces are not a field */
                q += 3;
                while (*q != '}' && *q != m->quote && *q != '\n' && q < L->end)
                    q++;
                q += *q == '}';
                continue;
            }
            q++;
            if (*q == '\n')
                newline(L, q);
        } else if (c == '\n') {
            newline(L, q);
        }
        q++;
    }
    if (q > start)
        push(L, middle, start, q, sline, sbol);
    L->p = q;
}

/* ---- operators and brackets ------------------------------------------------ */

/* The operator at p and its length, or 0 for a character that is none. */
static int op_kind(const char *p, int *len)
{
    int c = p[0], c2 = p[1];
    *len = 1;
#define OP2(ch, kind) if (c2 == (ch)) { *len = 2; return kind; }
#define OP3(ch2, ch3, kind) if (c2 == (ch2) && p[2] == (ch3)) { *len = 3; return kind; }
    switch (c) {
    case '(': return TOK_LPAR;
    case ')': return TOK_RPAR;
    case '[': return TOK_LSQB;
    case ']': return TOK_RSQB;
    case '{': return TOK_LBRACE;
    case '}': return TOK_RBRACE;
    case ',': return TOK_COMMA;
    case ';': return TOK_SEMI;
    case '~': return TOK_TILDE;
    case ':': OP2('=', TOK_COLONEQUAL) return TOK_COLON;
    case '+': OP2('=', TOK_PLUSEQUAL) return TOK_PLUS;
    case '-': OP2('=', TOK_MINEQUAL) OP2('>', TOK_RARROW) return TOK_MINUS;
    case '*': OP3('*', '=', TOK_DOUBLESTAREQUAL) OP2('*', TOK_DOUBLESTAR)
              OP2('=', TOK_STAREQUAL) return TOK_STAR;
    case '/': OP3('/', '=', TOK_DOUBLESLASHEQUAL) OP2('/', TOK_DOUBLESLASH)
              OP2('=', TOK_SLASHEQUAL) return TOK_SLASH;
    case '|': OP2('=', TOK_VBAREQUAL) return TOK_VBAR;
    case '&': OP2('=', TOK_AMPEREQUAL) return TOK_AMPER;
    case '^': OP2('=', TOK_CIRCUMFLEXEQUAL) return TOK_CIRCUMFLEX;
    case '%': OP2('=', TOK_PERCENTEQUAL) return TOK_PERCENT;
    case '@': OP2('=', TOK_ATEQUAL) return TOK_AT;
    case '=': OP2('=', TOK_EQEQUAL) return TOK_EQUAL;
    case '!': OP2('=', TOK_NOTEQUAL) return TOK_EXCLAMATION;
    case '<': OP3('<', '=', TOK_LEFTSHIFTEQUAL) OP2('<', TOK_LEFTSHIFT)
              OP2('=', TOK_LESSEQUAL) return TOK_LESS;
    case '>': OP3('>', '=', TOK_RIGHTSHIFTEQUAL) OP2('>', TOK_RIGHTSHIFT)
              OP2('=', TOK_GREATEREQUAL) return TOK_GREATER;
    default: return 0;
    }
#undef OP2
#undef OP3
}

static int open_bracket(Lexer *L, Mode *m, const char *p)
{
    if (L->level >= MAX_LEVEL) {
        error_here(L, p, "too many nested parentheses");
        return 0;
    }
    L->paren[L->level] = *p;
    L->paren_line[L->level] = L->line;
    L->paren_col[L->level] = (int)(p - L->bol);
    L->paren_at[L->level] = p;
    L->level++;
    if (L->nmodes > 1)
        m->depth++;
    return 1;
}

/* Closes a bracket; a '}' that ends a replacement field returns to text. */
static int close_bracket(Lexer *L, Mode *m, const char *p)
{
    int c = *p, fs = L->nmodes > 1, ok = 1;
    if (fs && m->depth == 0 && c == '}') {
        error_here(L, p, fmt(L, "%c-string: single '}' is not allowed", string_letter(m)));
        m->regular = 0;
        return 0;
    }
    if (L->level == 0) {
        error_here(L, p, fmt(L, "unmatched '%c'", c));
        return 0;
    }
    int open = L->paren[--L->level];
    if (!((open == '(' && c == ')') || (open == '[' && c == ']') || (open == '{' && c == '}'))) {
        ok = 0;
        if (fs && open == '{' && m->depth - 1 == m->expr_depth)
            error_here(L, p, fmt(L, "%c-string: unmatched '%c'", string_letter(m), c));
        else if (L->paren_line[L->level] != L->line)
            error_here(L, p, fmt(L, "closing parenthesis '%c' does not match opening "
                                    "parenthesis '%c' on line %d",
                                 c, open, L->paren_line[L->level]));
        else
            error_here(L, p, fmt(L, "closing parenthesis '%c' does not match opening "
                                    "parenthesis '%c'", c, open));
    }
    if (fs && m->depth > 0) {
        m->depth--;
        if (c == '}' && m->depth == m->expr_depth) {
            m->expr_depth--;
            m->regular = 0;
            m->in_spec = 0;
        }
    }
    return ok;
}

/* A character that starts no token. */
static void bad_char(Lexer *L, const char *p)
{
    int c = (unsigned char)*p;
    if (c == '$' || c == '?' || c == '`')
        error_here(L, p, "invalid syntax");
    else if (c == 0)
        error_here(L, p, "source code cannot contain null bytes");
    else
        error_here(L, p, fmt(L, "invalid non-printable character U+%04X", c));
    L->p = p + 1;
}

/* An operator or bracket at p; in a field, ':' may start the format spec. */
static void lex_op(Lexer *L, Mode *m, const char *p)
{
    int c = *p, len;
    if (c == ':' && L->nmodes > 1 && m->expr_depth >= 0 && m->depth - 1 == m->expr_depth) {
        m->regular = 0;
        m->in_spec = 1;
        emit(L, TOK_COLON, p, p + 1);
        L->p = p + 1;
        return;
    }
    int kind = op_kind(p, &len);
    if (!kind) {
        bad_char(L, p);
        return;
    }
    L->p = p + len;
    if (len == 1 && (kind == TOK_LPAR || kind == TOK_LSQB || kind == TOK_LBRACE) &&
        !open_bracket(L, m, p))
        return;
    if (len == 1 && (kind == TOK_RPAR || kind == TOK_RSQB || kind == TOK_RBRACE) &&
        !close_bracket(L, m, p))
        return;
    emit(L, kind, p, p + len);
}

/* ---- the regular mode ------------------------------------------------------ */

/* End of input: close what is open, then NEWLINE, DEDENTs, ENDMARKER. */
static void lex_eof(Lexer *L)
{
    const char *p = L->end;
    if (L->level > 0) {
        int i = L->level - 1;
        error_at(L, L->paren_at[i], L->paren_line[i], L->paren_at[i] - L->paren_col[i],
                 fmt(L, "'%c' was never closed", L->paren[i]));
        L->level = 0;
        L->nmodes = 1;
        return;
    }
    L->nmodes = 1;
    int last = L->head.ntoks ? TOKAT(L, L->head.ntoks - 1)->kind : TOK_NEWLINE;
    if (last != TOK_NEWLINE && last != TOK_INDENT && last != TOK_DEDENT) {
        emit(L, TOK_NEWLINE, p, p);
        L->line++;
        L->bol = p;
        return;
    }
    if (L->indent > 0) {
        L->indent--;
        emit(L, TOK_DEDENT, p, p);
        return;
    }
    emit(L, TOK_ENDMARKER, p, p);
    L->done = 1;
}

/* The token starting at p, which is not a blank, comment or line end. */
static void lex_token(Lexer *L, Mode *m, const char *p)
{
    int c = (unsigned char)*p;
    if (is_id_start(c)) {
        lex_name(L, p);
        return;
    }
    switch (c) {
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        lex_number(L, p);
        return;
    case '.':
        if (is_digit((unsigned char)p[1])) {
            lex_number(L, p);
        } else if (p[1] == '.' && p[2] == '.') {
            emit(L, TOK_ELLIPSIS, p, p + 3);
            L->p = p + 3;
        } else {
            emit(L, TOK_DOT, p, p + 1);
            L->p = p + 1;
        }
        return;
    case '\'':
    case '"':
        lex_string(L, p, p);
        return;
    default:
        lex_op(L, m, p);
        return;
    }
}

/*
 * Outside f-string text: skips blanks, comments, blank lines and joined
 * lines, measures indentation at a line's start, and emits the next token.
 */
static void lex_regular(Lexer *L, Mode *m)
{
    int blank = 0;
    if (L->atbol && !indentation(L, &blank))
        return;
    for (;;) {
        if (L->pendin != 0) {
            pending(L);
            return;
        }
        const char *p = L->p;
        while (*p == ' ' || *p == '\t' || *p == '\f')
            p++;
        if (*p == '#') {
            const char *c0 = p;
            while (*p != '\n' && p < L->end)
                p++;
            add_comment(L, c0, p);
        }
        L->p = p;
        if (p >= L->end) {
            lex_eof(L);
            return;
        }
        if (*p == '\n') {
            L->atbol = 1;
            if (!blank && L->level == 0) {
                emit(L, TOK_NEWLINE, p, p + 1);
                newline(L, p);
                L->p = p + 1;
                return;
            }
            newline(L, p);
            L->p = p + 1;
            if (!indentation(L, &blank))
                return;
            continue;
        }
        if (*p == '\\') {
            if (p[1] != '\n' && p + 1 < L->end) {
                error_here(L, p + 1, "unexpected character after line continuation character");
                L->p = p + 1;
                return;
            }
            if (p + 2 >= L->end) { /* CPython sees the '\n' it appends, then EOF */
                error_here(L, p + 1, "unexpected EOF while parsing");
                L->p = L->end;
                return;
            }
            newline(L, p + 1);
            L->p = p + 2;
            continue;
        }
        lex_token(L, m, p);
        return;
    }
}

/* ---- driver ------------------------------------------------------------------ */

static const char *errors_lookup(const LexError *e, int n, const Token *t);

Lexer *lex_open(Arena *a, const Source *src)
{
    Lexer *L = xmalloc(sizeof *L);
    memset(L, 0, offsetof(Lexer, ind)); /* the stacks below: only their bottom entries */
    L->ind[0] = L->altind[0] = 0;
    memset(&L->mode[0], 0, sizeof L->mode[0]);
    L->arena = a;
    L->text = L->p = L->bol = src->text;
    L->end = src->text + src->len;
    L->line = 1;
    L->atbol = 1;
    L->nmodes = 1;
    L->mode[0].regular = 1;
    L->mode[0].expr_depth = -1;
    return L;
}

/*
 * Turns the tokenizer until it has made more than want tokens or is done;
 * each turn makes at least one token, or progress.  One call per batch:
 * the dispatch is inlined here, and its frame cost as much as a token.
 */
static void fill(Lexer *L, size_t want)
{
    while (L->head.ntoks <= want && !L->done) {
        Mode *m = &L->mode[L->nmodes - 1];
        size_t n0 = L->head.ntoks;
        const char *p0 = L->p;
        if (m->regular)
            lex_regular(L, m);
        else
            lex_fstring(L, m);
        /* a bug must not hang the tool: force progress after a few idle turns */
        if (L->head.ntoks != n0 || L->p != p0) {
            L->stalls = 0;
        } else if (++L->stalls > 8 && !L->done) {
            error_here(L, L->p, "internal tokenizer error");
            L->p = L->p < L->end ? L->p + 1 : L->p;
            L->nmodes = 1;
            L->stalls = 0;
        }
    }
}

/* Tokens made per call beyond the one asked for: the parser asks for each
 * token in turn, and a batch spares it a call into the lexer per token. */
#define LEX_AHEAD 64

const Token *lex_at(Lexer *L, int i)
{
    if (i < 0)
        i = 0;
    fill(L, (size_t)i + LEX_AHEAD);
    if ((size_t)i >= L->head.ntoks)
        i = (int)L->head.ntoks - 1; /* past the end: the ENDMARKER */
    return TOKAT(L, (size_t)i);
}

void lex_release(Lexer *L, int below)
{
    size_t limit = below > 0 ? (size_t)below >> CHUNK_BITS : 0;
    for (; L->released < limit && L->released + 1 < L->nchunks; L->released++) {
        Token *c = L->head.chunks[L->released];
        memcpy(&c[0].off, &L->spare, sizeof L->spare); /* a chunk holds a pointer easily */
        L->spare = c;
        L->head.chunks[L->released] = NULL;
    }
}

const Comment *lex_comments(const Lexer *L, int *n)
{
    *n = (int)L->ncms;
    return L->cms;
}

const char *lex_message(const Lexer *L, const Token *t)
{
    return errors_lookup(L->errs, (int)L->nerrs, t);
}

/* Comments and error messages into out; frees the lexer and its tokens. */
static void finish(Lexer *L, Arena *a, Lexed *out)
{
    out->ncomments = (int)L->ncms;
    out->comments = arena_alloc(a, (L->ncms ? L->ncms : 1) * sizeof *out->comments);
    if (L->ncms)
        memcpy(out->comments, L->cms, L->ncms * sizeof *out->comments);
    out->nerrors = (int)L->nerrs;
    out->errors = arena_alloc(a, (L->nerrs ? L->nerrs : 1) * sizeof *out->errors);
    if (L->nerrs)
        memcpy(out->errors, L->errs, L->nerrs * sizeof *out->errors);
    free(L->errs);
    free(L->cms);
    for (size_t i = 0; i < L->nchunks; i++)
        free(L->head.chunks[i]); /* NULL when released: it is on the spare list */
    while (L->spare) {
        Token *c = L->spare;
        memcpy(&L->spare, &c[0].off, sizeof L->spare);
        free(c);
    }
    free(L->head.chunks);
    free(L);
}

void lex_close(Lexer *L, Lexed *out)
{
    fill(L, SIZE_MAX);
    out->toks = NULL;
    out->ntoks = (int)L->head.ntoks;
    finish(L, L->arena, out);
}

void lex_source(Arena *a, const Source *src, Lexed *out)
{
    Lexer *L = lex_open(a, src);
    fill(L, SIZE_MAX);
    /* one array for the callers that want them all (debug tokens, tests) */
    out->ntoks = (int)L->head.ntoks;
    out->toks = arena_alloc_raw(a, L->head.ntoks * sizeof *out->toks);
    for (size_t i = 0; i < L->head.ntoks; i += CHUNK) {
        size_t n = L->head.ntoks - i < CHUNK ? L->head.ntoks - i : CHUNK;
        memcpy(out->toks + i, L->head.chunks[i >> CHUNK_BITS], n * sizeof *out->toks);
    }
    finish(L, a, out);
}

int lex_last_line(const Source *s, int lo, uint32_t end)
{
    int hi = s->nlines;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (s->lines[mid] <= end)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/*
 * The message of error token t: errors are kept in token order, which is
 * offset order but for the "never closed" one at the end that points back.
 */
static const char *errors_lookup(const LexError *e, int n, const Token *t)
{
    if (t->kind != TOK_ERRORTOKEN)
        return NULL;
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (e[mid].off < t->off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && e[lo].off == t->off)
        return e[lo].msg;
    for (int i = n - 1; i >= 0; i--) /* out of order: search them all */
        if (e[i].off == t->off)
            return e[i].msg;
    return NULL;
}

const char *lex_error_message(const Lexed *lx, const Token *t)
{
    return errors_lookup(lx->errors, lx->nerrors, t);
}

static const char *const kind_names[] = {
#define TOK(name, text) #name,
#define KW(name, text) text,
#include "token.def"
#undef TOK
#undef KW
};

static const char *const kind_texts[] = {
#define TOK(name, text) text,
#define KW(name, text) text,
#include "token.def"
#undef TOK
#undef KW
};

const char *lex_kind_name(int kind)
{
    return kind >= 0 && kind < TOK__COUNT ? kind_names[kind] : "?";
}

const char *lex_kind_text(int kind)
{
    return kind >= 0 && kind < TOK__COUNT ? kind_texts[kind] : "?";
}
