/*
 * lsp_json.c - JSON for the language server (see lsp_json.h): a
 * recursive-descent reader whose depth is bounded, and a buffer writer.
 *
 * The reader never reads past len and never trusts a length it did not
 * count; each value is built in the caller's arena, so one message's tree
 * is freed with its arena.
 */
#include "lsp_json.h"

#include <stdint.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uni.h"

typedef struct Reader {
    Arena *a;
    const char *p, *end;
    int depth;
    char *err;
    size_t errsize;
    int failed;
} Reader;

static LspJson *fail(Reader *r, const char *why)
{
    if (!r->failed)
        snprintf(r->err, r->errsize, "%s at byte %ld", why, (long)(r->end - r->p));
    r->failed = 1;
    return NULL;
}

static void skip_ws(Reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static LspJson *node(Reader *r, LspJsonKind kind)
{
    LspJson *v = arena_alloc(r->a, sizeof *v);
    v->kind = kind;
    return v;
}

/* Four hex digits at p (p + 4 <= end checked by the caller); -1 if not. */
static long hex4(const char *p)
{
    long v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p[k];
        int d = c >= '0' && c <= '9' ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* The escape after a backslash at r->p (advanced past it) into *o. */
static int escape(Reader *r, char **o)
{
    char c = *r->p++;
    const char *simple = strchr("\"\\/bfnrt", c);
    if (c && simple) {
        static const char out[] = "\"\\/\b\f\n\r\t";
        *(*o)++ = out[simple - "\"\\/bfnrt"];
        return 1;
    }
    if (c != 'u' || r->end - r->p < 4 || hex4(r->p) < 0)
        return 0;
    unsigned cp = (unsigned)hex4(r->p);
    r->p += 4;
    if (cp >= 0xD800 && cp < 0xDC00 && r->end - r->p >= 6 && r->p[0] == '\\' &&
        r->p[1] == 'u' && hex4(r->p + 2) >= 0xDC00 && hex4(r->p + 2) < 0xE000) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned)hex4(r->p + 2) - 0xDC00);
        r->p += 6;
    } else if (cp >= 0xD800 && cp < 0xE000) {
        cp = 0xFFFD; /* a lone surrogate has no UTF-8 form */
    }
    *o += uni_encode_utf8(cp, *o);
    return 1;
}

/* string -> '"' chars '"'; r->p is past the opening quote. */
static const char *string(Reader *r, size_t *len)
{
    const char *q = r->p;
    while (q < r->end && *q != '"') /* the decoded text is never longer than the source */
        q += *q == '\\' && q + 1 < r->end ? 2 : 1;
    if (q >= r->end)
        return fail(r, "unterminated string"), NULL;
    char *buf = arena_alloc_raw(r->a, (size_t)(q - r->p) + 1), *o = buf;
    while (*r->p != '"') {
        unsigned char c = (unsigned char)*r->p;
        if (c < 0x20)
            return fail(r, "control character in string"), NULL;
        if (c != '\\') {
            *o++ = *r->p++;
            continue;
        }
        r->p++;
        if (!escape(r, &o))
            return fail(r, "bad escape in string"), NULL;
    }
    r->p++;
    *o = 0;
    *len = (size_t)(o - buf);
    return buf;
}

static LspJson *number(Reader *r)
{
    const char *s = r->p;
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (r->p >= r->end || *r->p < '0' || *r->p > '9')
        return fail(r, "bad number");
    if (*r->p == '0')
        r->p++;
    else
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    if (r->p < r->end && *r->p == '.') {
        if (++r->p >= r->end || *r->p < '0' || *r->p > '9')
            return fail(r, "bad number");
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9')
            return fail(r, "bad number");
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    LspJson *v = node(r, LSP_JSON_NUMBER);
    v->len = (size_t)(r->p - s);
    v->s = arena_strndup(r->a, s, v->len);
    v->num = strtod(v->s, NULL);
    return v;
}

static LspJson *value(Reader *r);

/* array -> '[' (value (',' value)*)? ']'; object -> '{' (string ':' value ...)? '}' */
static LspJson *container(Reader *r, int object)
{
    if (++r->depth > LSP_JSON_MAX_DEPTH)
        return fail(r, "nested too deeply");
    r->p++;
    VEC(LspJson *) items = {0};
    VEC(const char *) keys = {0};
    char close = object ? '}' : ']';
    skip_ws(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
    } else {
        for (;;) {
            skip_ws(r);
            if (object) {
                size_t klen;
                const char *k = NULL;
                if (r->p < r->end && *r->p == '"') {
                    r->p++;
                    k = string(r, &klen);
                }
                skip_ws(r);
                if (!k || r->p >= r->end || *r->p != ':') {
                    fail(r, "expected a key and ':'");
                    break;
                }
                r->p++;
                VEC_PUSH(&keys, k);
            }
            LspJson *v = value(r);
            if (!v)
                break;
            VEC_PUSH(&items, v);
            skip_ws(r);
            if (r->p < r->end && *r->p == ',') {
                r->p++;
                continue;
            }
            if (r->p < r->end && *r->p == close) {
                r->p++;
                break;
            }
            fail(r, object ? "expected ',' or '}'" : "expected ',' or ']'");
            break;
        }
    }
    r->depth--;
    LspJson *v = NULL;
    if (!r->failed) {
        v = node(r, object ? LSP_JSON_OBJECT : LSP_JSON_ARRAY);
        v->n = (int)items.n;
        v->items = arena_alloc(r->a, (items.n + 1) * sizeof *v->items);
        if (items.n)
            memcpy(v->items, items.items, items.n * sizeof *v->items);
        if (object) {
            v->keys = arena_alloc(r->a, (keys.n + 1) * sizeof *v->keys);
            if (keys.n)
                memcpy(v->keys, keys.items, keys.n * sizeof *v->keys);
        }
    }
    VEC_FREE(&items);
    VEC_FREE(&keys);
    return v;
}

static int literal(Reader *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return 0;
    r->p += n;
    return 1;
}

/* value -> object | array | string | number | true | false | null */
static LspJson *value(Reader *r)
{
    skip_ws(r);
    if (r->p >= r->end)
        return fail(r, "unexpected end of input");
    switch (*r->p) {
    case '{': return container(r, 1);
    case '[': return container(r, 0);
    case '"': {
        r->p++;
        size_t len;
        const char *s = string(r, &len);
        if (!s)
            return NULL;
        LspJson *v = node(r, LSP_JSON_STRING);
        v->s = s, v->len = len;
        return v;
    }
    case 't': return literal(r, "true") ? node(r, LSP_JSON_TRUE) : fail(r, "bad literal");
    case 'f': return literal(r, "false") ? node(r, LSP_JSON_FALSE) : fail(r, "bad literal");
    case 'n': return literal(r, "null") ? node(r, LSP_JSON_NULL) : fail(r, "bad literal");
    default: return number(r);
    }
}

LspJson *lsp_json_parse(Arena *a, const char *text, size_t len, char *err, size_t errsize)
{
    char dummy[8];
    Reader r = {a, text, text + len, 0, err ? err : dummy, err ? errsize : sizeof dummy, 0};
    LspJson *v = value(&r);
    skip_ws(&r);
    if (v && r.p != r.end)
        v = fail(&r, "text after the value");
    return r.failed ? NULL : v;
}

const LspJson *lsp_json_get(const LspJson *obj, const char *key)
{
    if (!obj || obj->kind != LSP_JSON_OBJECT)
        return NULL;
    for (int k = obj->n - 1; k >= 0; k--)
        if (!strcmp(obj->keys[k], key))
            return obj->items[k];
    return NULL;
}

const LspJson *lsp_json_path(const LspJson *obj, ...)
{
    va_list ap;
    va_start(ap, obj);
    for (const char *key; obj && (key = va_arg(ap, const char *));)
        obj = lsp_json_get(obj, key);
    va_end(ap);
    return obj;
}

const char *lsp_json_str(const LspJson *v)
{
    return v && v->kind == LSP_JSON_STRING ? v->s : NULL;
}

int lsp_json_int(const LspJson *v, long *out)
{
    if (!v || v->kind != LSP_JSON_NUMBER || v->num != (double)(long)v->num)
        return 0;
    *out = (long)v->num;
    return 1;
}

int lsp_json_true(const LspJson *v) { return v && v->kind == LSP_JSON_TRUE; }

/* ---- writing ---- */

void lsp_buf_put(LspBuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        while (b->n + n + 1 > b->cap)
            b->cap = b->cap ? 2 * b->cap : 256;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

void lsp_buf_puts(LspBuf *b, const char *s) { lsp_buf_put(b, s, strlen(s)); }

void lsp_buf_printf(LspBuf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        lsp_buf_put(b, small, (size_t)n);
        return;
    }
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    lsp_buf_put(b, big, (size_t)n);
    free(big);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0: JSON
 * text has no surrogates. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    int len;
    int32_t cp = uni_decode_utf8((const char *)s, n, &len);
    return cp < 0 || (cp >= 0xD800 && cp < 0xE000) ? 0 : (size_t)len;
}

void lsp_buf_strn(LspBuf *b, const char *s, size_t n)
{
    lsp_buf_put(b, "\"", 1);
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        const unsigned char *run = p; /* plain bytes are copied in one go */
        while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
            p++;
        lsp_buf_put(b, (const char *)run, (size_t)(p - run));
        if (p >= end)
            break;
        if (*p >= 0x80) {
            size_t k = utf8_len(p, (size_t)(end - p));
            if (k)
                lsp_buf_put(b, (const char *)p, k);
            else
                lsp_buf_puts(b, "\\ufffd");
            p += k ? k : 1;
            continue;
        }
        char esc[8];
        const char *named = *p == '"' ? "\\\"" : *p == '\\' ? "\\\\" : *p == '\n' ? "\\n"
                            : *p == '\r' ? "\\r" : *p == '\t' ? "\\t" : NULL;
        if (!named)
            snprintf(esc, sizeof esc, "\\u%04x", *p);
        lsp_buf_puts(b, named ? named : esc);
        p++;
    }
    lsp_buf_put(b, "\"", 1);
}

void lsp_buf_str(LspBuf *b, const char *s)
{
    if (!s)
        lsp_buf_puts(b, "null");
    else
        lsp_buf_strn(b, s, strlen(s));
}

void lsp_buf_json(LspBuf *b, const LspJson *v)
{
    if (!v) {
        lsp_buf_puts(b, "null");
        return;
    }
    switch (v->kind) {
    case LSP_JSON_NULL: lsp_buf_puts(b, "null"); break;
    case LSP_JSON_FALSE: lsp_buf_puts(b, "false"); break;
    case LSP_JSON_TRUE: lsp_buf_puts(b, "true"); break;
    case LSP_JSON_NUMBER: lsp_buf_put(b, v->s, v->len); break;
    case LSP_JSON_STRING: lsp_buf_strn(b, v->s, v->len); break;
    case LSP_JSON_ARRAY:
    case LSP_JSON_OBJECT:
        lsp_buf_puts(b, v->kind == LSP_JSON_ARRAY ? "[" : "{");
        for (int k = 0; k < v->n; k++) {
            if (k)
                lsp_buf_puts(b, ",");
            if (v->kind == LSP_JSON_OBJECT) {
                lsp_buf_str(b, v->keys[k]);
                lsp_buf_puts(b, ":");
            }
            lsp_buf_json(b, v->items[k]);
        }
        lsp_buf_puts(b, v->kind == LSP_JSON_ARRAY ? "]" : "}");
        break;
    }
}

void lsp_buf_free(LspBuf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}
