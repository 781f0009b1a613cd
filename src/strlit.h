/*
 * strlit.h - decoding the text of string and bytes literals: escapes
 * (\n, \x41, \u00e9, \U0001f600, \N{EM DASH}, octal, line continuation),
 * raw literals, and the doubled braces of f-string literal text.
 *
 * Decoded str text is UTF-8; a lone surrogate (from \ud800) is kept as its
 * 3-byte generalized UTF-8 form (ED A0 80), as CPython's "surrogatepass"
 * does, so the dump can print it.  Bytes are bytes.
 */
#ifndef SL_STRLIT_H
#define SL_STRLIT_H

#include <stddef.h>

#include "arena.h"

enum {
    STRLIT_RAW = 1 << 0,     /* r/R prefix: backslashes stay */
    STRLIT_BYTES = 1 << 1,   /* b/B prefix */
    STRLIT_FSTRING = 1 << 2, /* f/F prefix */
    STRLIT_TSTRING = 1 << 3, /* t/T prefix */
    STRLIT_UNICODE = 1 << 4, /* u/U prefix (Constant.kind = "u") */
    STRLIT_BRACES = 1 << 5,  /* decode "{{" and "}}" to one brace (f/t text) */
};

/*
 * Reads a literal's prefix (the letters before the quote) at s.  Returns the
 * STRLIT_* flags and sets *prefix_len, or returns -1 for letters that are
 * not a valid prefix.
 */
int strlit_prefix(const char *s, size_t n, size_t *prefix_len);

typedef struct StrlitError {
    size_t off;      /* byte offset into the body where the bad escape starts */
    const char *msg; /* CPython's SyntaxError text, "(unicode error)
                        'unicodeescape' codec can't decode bytes in position
                        0-1: truncated \xXX escape": static, or in text[]
                        when it carries positions, so copy it to keep it */
    char text[160];  /* storage for a message with positions */
} StrlitError;

/*
 * Decodes body[0..n) (the text between the quotes, or one f-string text
 * run) under flags.  Appends the result to the growable buffer *buf (heap,
 * *len and *cap updated; it grows by at most n bytes).  Returns 0, or -1
 * with *err set for an escape that CPython rejects (bad \x, \u, \U, unknown
 * \N{name}) or a non-ASCII character in a bytes literal; *buf then holds the
 * text decoded before the error.  Invalid escapes that CPython only warns
 * about stay as written.  The positions in unicode error messages count as
 * CPython's do (a non-ASCII character counts 10, and an f-string text run
 * restarts after each doubled brace).  Thread-safe.
 */
int strlit_decode(const char *body, size_t n, int flags, char **buf, size_t *len,
                  size_t *cap, StrlitError *err);

#endif
