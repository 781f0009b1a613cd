/*
 * json.c - the JSON reader of json.h.
 *
 * Strict, so that a file that is not JSON says where it stops making
 * sense: the grammar of RFC 8259, strings checked for control characters
 * and bad escapes, surrogate pairs joined.  Errors carry a line and a
 * column in characters, computed only when one happens.
 */
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_open(JsonReader *r, Arena *a, const char *path, const char *text, size_t n, char *err,
               size_t errlen)
{
    *r = (JsonReader){path, text, text, text + n, a, 0, err, errlen};
    err[0] = 0;
}

/* Records the first error, at the current position; returns 0. */
int json_fail(JsonReader *r, const char *fmt, ...)
{
    if (r->err[0])
        return 0;
    int line = 1, col = 1;
    for (const char *q = r->text; q < r->p; q++)
        if (*q == '\n')
            line++, col = 1;
        else if (((unsigned char)*q & 0xC0) != 0x80)
            col++;
    int n = snprintf(r->err, r->errlen, "%s:%d:%d: ", r->path, line, col);
    if (n < 0 || (size_t)n >= r->errlen)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return 0;
}

static void skip_blank(JsonReader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

/* Consumes c after optional whitespace; 0 (no error recorded) if absent. */
int json_accept(JsonReader *r, char c)
{
    skip_blank(r);
    if (r->p < r->end && *r->p == c) {
        r->p++;
        return 1;
    }
    return 0;
}

int json_expect(JsonReader *r, char c)
{
    return json_accept(r, c) || json_fail(r, "expected '%c'", c);
}

static int hex4(JsonReader *r, unsigned *out)
{
    *out = 0;
    for (int i = 0; i < 4; i++, r->p++) {
        char c = r->p < r->end ? *r->p : 0;
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return json_fail(r, "bad \\u escape");
        *out = *out * 16 + (unsigned)d;
    }
    return 1;
}

static char *put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* \uXXXX after the "\u", a surrogate pair joined; the code point in *cp. */
static int unicode_escape(JsonReader *r, unsigned *cp)
{
    if (!hex4(r, cp))
        return 0;
    if (*cp >= 0xDC00 && *cp <= 0xDFFF)
        return json_fail(r, "lone low surrogate in \\u escape");
    if (*cp < 0xD800 || *cp > 0xDBFF)
        return 1;
    unsigned lo;
    if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
        return json_fail(r, "high surrogate without its low half");
    r->p += 2;
    if (!hex4(r, &lo))
        return 0;
    if (lo < 0xDC00 || lo > 0xDFFF)
        return json_fail(r, "high surrogate without its low half");
    *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
    return 1;
}

/* A string literal, decoded into the arena (NUL-terminated) in *out, or
 * only checked when out is NULL (a skipped value costs no memory). */
int json_string(JsonReader *r, const char **out)
{
    if (!json_accept(r, '"'))
        return json_fail(r, "expected a string");
    char *buf = NULL, *o = NULL;
    if (out) { /* the decoded text is never longer than the source text */
        const char *q = r->p;
        while (q < r->end && *q != '"')
            q += *q == '\\' && q + 1 < r->end ? 2 : 1;
        buf = o = arena_alloc(r->a, (size_t)(q - r->p) + 1);
    }
#define PUT(c) (o ? (void)(*o++ = (char)(c)) : (void)0)
    for (;;) {
        if (r->p >= r->end)
            return json_fail(r, "unterminated string");
        unsigned char c = (unsigned char)*r->p++;
        if (c == '"')
            break;
        if (c < 0x20)
            return r->p--, json_fail(r, "control character in a string");
        if (c != '\\') {
            PUT(c);
            continue;
        }
        char e = r->p < r->end ? *r->p++ : 0;
        unsigned cp;
        switch (e) {
        case '"':
        case '\\':
        case '/': PUT(e); break;
        case 'b': PUT('\b'); break;
        case 'f': PUT('\f'); break;
        case 'n': PUT('\n'); break;
        case 'r': PUT('\r'); break;
        case 't': PUT('\t'); break;
        case 'u':
            if (!unicode_escape(r, &cp))
                return 0;
            if (o)
                o = put_utf8(o, cp);
            break;
        default: r->p--; return json_fail(r, "bad escape in a string");
        }
    }
#undef PUT
    if (out) {
        *o = 0;
        *out = buf;
    }
    return 1;
}

/* A number; its value in *out when it is an integer (else *is_int = 0). */
int json_number(JsonReader *r, long *out, int *is_int)
{
    skip_blank(r);
    const char *start = r->p;
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (r->p >= r->end || *r->p < '0' || *r->p > '9')
        return json_fail(r, "expected a value");
    if (*r->p == '0')
        r->p++;
    else
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    *is_int = 1;
    if (r->p < r->end && *r->p == '.') {
        *is_int = 0;
        if (++r->p >= r->end || *r->p < '0' || *r->p > '9')
            return json_fail(r, "expected a digit");
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        *is_int = 0;
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9')
            return json_fail(r, "expected a digit");
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    *out = *is_int ? strtol(start, NULL, 10) : 0;
    return 1;
}

static int literal(JsonReader *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return json_fail(r, "expected a value");
    r->p += n;
    return 1;
}

/* The members of an object after its '{', each handed to member (which
 * parses the value) with its key; member == NULL skips them. */
int json_members(JsonReader *r, int (*member)(JsonReader *, const char *, void *), void *ctx)
{
    if (json_accept(r, '}'))
        return 1;
    do {
        const char *key;
        if (!json_string(r, &key) || !json_expect(r, ':'))
            return 0;
        if (!(member ? member(r, key, ctx) : json_value(r)))
            return 0;
    } while (json_accept(r, ','));
    return json_expect(r, '}');
}

/* Any value, parsed and dropped. */
int json_value(JsonReader *r)
{
    long n;
    int is_int;
    skip_blank(r);
    if (r->p >= r->end)
        return json_fail(r, "expected a value");
    if (++r->depth > JSON_MAX_DEPTH)
        return json_fail(r, "nested more than %d deep", JSON_MAX_DEPTH);
    int ok;
    switch (*r->p) {
    case '{':
        r->p++;
        ok = json_members(r, NULL, NULL);
        break;
    case '[':
        r->p++;
        ok = json_accept(r, ']');
        if (!ok) {
            do
                ok = json_value(r);
            while (ok && json_accept(r, ','));
            ok = ok && json_expect(r, ']');
        }
        break;
    case '"': ok = json_string(r, NULL); break;
    case 't': ok = literal(r, "true"); break;
    case 'f': ok = literal(r, "false"); break;
    case 'n': ok = literal(r, "null"); break;
    default: ok = json_number(r, &n, &is_int); break;
    }
    r->depth--;
    return ok;
}

int json_peek(JsonReader *r)
{
    skip_blank(r);
    return r->p < r->end ? (unsigned char)*r->p : -1;
}

int json_at_end(JsonReader *r) { return json_peek(r) < 0; }
