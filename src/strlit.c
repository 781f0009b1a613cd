/*
 * strlit.c - the value of a string or bytes literal from its source text:
 * prefixes, escapes, raw text, and the doubled braces of f-string text.
 *
 * The parser calls this once per STRING token body and once per f-string
 * text run (FSTRING_MIDDLE); the lexer has already split replacement fields
 * off, so a "\N{" here is always an escape.  CPython is the specification,
 * down to its error messages: a unicode escape error names positions in the
 * buffer CPython's decoder actually sees, in which every non-ASCII character
 * was first rewritten as a 10-character \UXXXXXXXX escape.
 *
 * Decoding never makes text longer (the shortest escape that yields four
 * bytes, \U0001F600, is ten), so the output buffer is grown once up front.
 */
#include "strlit.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "uni.h"

#define UNI_MAX 0x10FFFFu

/* One strlit_decode call in progress. */
typedef struct Decoder {
    const char *s;     /* the body */
    size_t n;          /* its length */
    int flags;         /* STRLIT_* */
    char *out;         /* next free byte of the output */
    size_t base;       /* where CPython's current decode unit starts: error
                          positions count from here */
    StrlitError *err;  /* filled on failure */
} Decoder;

int strlit_prefix(const char *s, size_t n, size_t *prefix_len)
{
    int flags = 0;
    size_t i;
    for (i = 0; i < n && s[i] != '\'' && s[i] != '"'; i++) {
        int bit;
        switch (s[i] | 0x20) {
        case 'r': bit = STRLIT_RAW; break;
        case 'b': bit = STRLIT_BYTES; break;
        case 'f': bit = STRLIT_FSTRING; break;
        case 't': bit = STRLIT_TSTRING; break;
        case 'u': bit = STRLIT_UNICODE; break;
        default: return -1;
        }
        if (flags & bit)
            return -1;
        flags |= bit;
    }
    if (i == n)
        return -1; /* no quote */
    /* At most one of b, f, t, u; r goes with any of them but u. */
    int kind = flags & ~STRLIT_RAW;
    if ((kind & (kind - 1)) != 0 || (kind == STRLIT_UNICODE && (flags & STRLIT_RAW)))
        return -1;
    *prefix_len = i;
    return flags;
}

/* ---- errors -------------------------------------------------------------- */

/*
 * The position CPython's unicode-escape decoder gives offset off.  It sees
 * the unit (from base) after a pass that rewrote each non-ASCII character
 * as \UXXXXXXXX (10 characters) and a backslash before one (or at the end)
 * as \u005c (6), a backslash and the ASCII character after it being copied
 * as a pair.
 */
static size_t vpos(const Decoder *d, size_t off)
{
    size_t p = 0;
    int paired = 0; /* the previous byte was a backslash that takes this one */
    for (size_t i = d->base; i < off; i++) {
        unsigned char c = (unsigned char)d->s[i];
        if (c >= 0x80) {
            p += (c & 0xC0) == 0xC0 ? 10 : 0;
            paired = 0;
        } else if (paired) {
            p++;
            paired = 0;
        } else if (c == '\\') {
            int lone = i + 1 >= d->n || (unsigned char)d->s[i + 1] >= 0x80;
            p += lone ? 6 : 1;
            paired = !lone;
        } else {
            p++;
        }
    }
    return p;
}

/* A unicode escape error over body[start..end) (always two bytes or more);
 * returns -1. */
static int unicode_error(const Decoder *d, size_t start, size_t end, const char *reason)
{
    StrlitError *e = d->err;
    snprintf(e->text, sizeof e->text,
             "(unicode error) 'unicodeescape' codec can't decode bytes in position "
             "%zu-%zu: %s",
             vpos(d, start), vpos(d, end) - 1, reason);
    e->off = start;
    e->msg = e->text;
    return -1;
}

/* CPython's bytes decoder reports raw offsets, as a ValueError. */
static int bytes_hex_error(const Decoder *d, size_t start)
{
    StrlitError *e = d->err;
    snprintf(e->text, sizeof e->text, "(value error) invalid \\x escape at position %zu",
             start);
    e->off = start;
    e->msg = e->text;
    return -1;
}

/* ---- escapes ------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Reads up to ndigits hex digits at s[i]; returns how many it read. */
static int read_hex(const Decoder *d, size_t i, int ndigits, uint32_t *v)
{
    int k = 0;
    *v = 0;
    while (k < ndigits && i + (size_t)k < d->n && hexval(d->s[i + (size_t)k]) >= 0) {
        *v = *v << 4 | (uint32_t)hexval(d->s[i + (size_t)k]);
        k++;
    }
    return k;
}

static void put_cp(Decoder *d, uint32_t cp)
{
    if (d->flags & STRLIT_BYTES)
        *d->out++ = (char)(cp & 0xFF);
    else
        d->out += uni_encode_utf8(cp, d->out);
}

/* \xXX, \uXXXX, \UXXXXXXXX at s[at] (the backslash), with ndigits digits. */
static int hex_escape(Decoder *d, size_t at, int ndigits, size_t *next)
{
    uint32_t v;
    int k = read_hex(d, at + 2, ndigits, &v);
    if (k < ndigits) {
        if (d->flags & STRLIT_BYTES)
            return bytes_hex_error(d, at);
        return unicode_error(d, at, at + 2 + (size_t)k,
                             ndigits == 2   ? "truncated \\xXX escape"
                             : ndigits == 4 ? "truncated \\uXXXX escape"
                                            : "truncated \\UXXXXXXXX escape");
    }
    if (v > UNI_MAX)
        return unicode_error(d, at, at + 10, "illegal Unicode character");
    put_cp(d, v);
    *next = at + 2 + (size_t)ndigits;
    return 0;
}

/* \N{name} at s[at] (the backslash), str only. */
static int name_escape(Decoder *d, size_t at, size_t *next)
{
    size_t i = at + 2, start;
    int32_t cp;
    if (i >= d->n || d->s[i] != '{')
        return unicode_error(d, at, i, "malformed \\N character escape");
    start = ++i;
    while (i < d->n && d->s[i] != '}')
        i++;
    if (i >= d->n || i == start)
        return unicode_error(d, at, i, "malformed \\N character escape");
    cp = uni_lookup(d->s + start, i - start);
    if (cp < 0)
        return unicode_error(d, at, i + 1, "unknown Unicode character name");
    put_cp(d, (uint32_t)cp);
    *next = i + 1;
    return 0;
}

/* Up to three octal digits at s[at + 1]; str keeps values up to 0o777, bytes
 * keep the low byte, as CPython does. */
static size_t octal_escape(Decoder *d, size_t at)
{
    size_t i = at + 1;
    uint32_t v = 0;
    while (i < d->n && i < at + 4 && d->s[i] >= '0' && d->s[i] <= '7')
        v = v * 8 + (uint32_t)(d->s[i++] - '0');
    put_cp(d, v);
    return i;
}

/* The escape whose backslash is at s[at]; sets *next past it. */
static int escape(Decoder *d, size_t at, size_t *next)
{
    static const char simple[] = "\\\\''\"\"a\ab\bf\fn\nr\rt\tv\v";
    int str = !(d->flags & STRLIT_BYTES);
    char c;
    if (at + 1 >= d->n) {
        /* CPython keeps a trailing backslash of a str (it cannot end a
         * literal, only an f-string text run); bytes reject it. */
        if (!str) {
            d->err->off = at;
            d->err->msg = "(value error) Trailing \\ in string";
            return -1;
        }
        *d->out++ = '\\';
        *next = at + 1;
        return 0;
    }
    c = d->s[at + 1];
    *next = at + 2;
    switch (c) {
    case '\n':
        return 0; /* line continuation */
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
        *next = octal_escape(d, at);
        return 0;
    case 'x':
        return hex_escape(d, at, 2, next);
    case 'u':
        if (str)
            return hex_escape(d, at, 4, next);
        break;
    case 'U':
        if (str)
            return hex_escape(d, at, 8, next);
        break;
    case 'N':
        if (str)
            return name_escape(d, at, next);
        break;
    default:
        for (size_t k = 0; simple[k]; k += 2) {
            if (simple[k] == c) {
                *d->out++ = simple[k + 1];
                return 0;
            }
        }
        break;
    }
    /* Not an escape: the backslash stays and the next character is read
     * as ordinary text (it may be non-ASCII, or half of a doubled brace). */
    *d->out++ = '\\';
    *next = at + 1;
    return 0;
}

/* ---- the main loop --------------------------------------------------------- */

/* Does c start something other than ordinary text? */
static int special(char c, int raw, int braces)
{
    return (c == '\\' && !raw) || (braces && (c == '{' || c == '}'));
}

/* Copies the ordinary text from s[i] up to the next backslash or brace (or
 * at least one byte); returns where it stopped. */
static size_t plain_text(Decoder *d, size_t i, int raw, int braces)
{
    size_t j = i + 1;
    while (j < d->n && !special(d->s[j], raw, braces))
        j++;
    memcpy(d->out, d->s + i, j - i);
    d->out += j - i;
    return j;
}

static int decode(Decoder *d)
{
    int raw = d->flags & STRLIT_RAW, braces = d->flags & STRLIT_BRACES;
    size_t i = 0;
    while (i < d->n) {
        char c = d->s[i];
        if (braces && (c == '{' || c == '}') && i + 1 < d->n && d->s[i + 1] == c) {
            *d->out++ = c;
            i += 2;
            d->base = i; /* CPython decodes the text after it separately */
            continue;
        }
        if (c == '\\' && !raw) {
            if (escape(d, i, &i) < 0)
                return -1;
        } else {
            i = plain_text(d, i, raw, braces);
        }
    }
    return 0;
}

/* Whether body is its own value: no escape to decode, no brace to undouble
 * (what special() looks for, by memchr: a docstring goes by in words). */
static int verbatim(const char *body, size_t n, int flags)
{
    if (!(flags & STRLIT_RAW) && memchr(body, '\\', n))
        return 0;
    if ((flags & STRLIT_BRACES) && (memchr(body, '{', n) || memchr(body, '}', n)))
        return 0;
    return 1;
}

/* Bytes may hold only ASCII characters; CPython checks that before it
 * decodes any escape.  Returns 0, or -1 with *err set. */
static int ascii_only(const char *body, size_t n, StrlitError *err)
{
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)body[i] >= 0x80) {
            err->off = i;
            err->msg = "bytes can only contain ASCII literal characters";
            return -1;
        }
    }
    return 0;
}

int strlit_decode(const char *body, size_t n, int flags, char **buf, size_t *len,
                  size_t *cap, StrlitError *err)
{
    if (*cap < *len + n + 1) {
        size_t want = *cap ? *cap : 64;
        while (want < *len + n + 1)
            want *= 2;
        *buf = xrealloc(*buf, want);
        *cap = want;
    }
    if ((flags & STRLIT_BYTES) && ascii_only(body, n, err) < 0)
        return -1;
    if (verbatim(body, n, flags)) {
        memcpy(*buf + *len, body, n);
        *len += n;
        return 0;
    }
    Decoder d = {body, n, flags, *buf + *len, 0, err};
    int rc = decode(&d);
    *len = (size_t)(d.out - *buf);
    return rc;
}
