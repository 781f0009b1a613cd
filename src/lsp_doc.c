/*
 * lsp_doc.c - texts, positions and URIs for the language server (see
 * lsp_doc.h).  A text keeps its line table up to date after each edit, so
 * that a burst of incremental changes costs one scan per change.
 */
#include "lsp_doc.h"

#include <stdlib.h>
#include <string.h>

const char *lsp_encoding_name(LspEncoding enc)
{
    return enc == LSP_UTF8 ? "utf-8" : enc == LSP_UTF32 ? "utf-32" : "utf-16";
}

static void index_lines(LspText *t)
{
    int cap = 64, n = 0;
    size_t *lines = xmalloc((size_t)cap * sizeof *lines);
    lines[n++] = 0;
    for (size_t k = 0; k < t->len; k++) {
        char c = t->p[k];
        if (c != '\n' && c != '\r')
            continue;
        if (c == '\r' && k + 1 < t->len && t->p[k + 1] == '\n')
            k++;
        if (n == cap)
            lines = xrealloc(lines, (size_t)(cap *= 2) * sizeof *lines);
        lines[n++] = k + 1;
    }
    free(t->lines);
    t->lines = lines;
    t->nlines = n;
}

void lsp_text_set(LspText *t, const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    free(t->p);
    t->p = p;
    t->len = n;
    index_lines(t);
}

void lsp_text_free(LspText *t)
{
    free(t->p);
    free(t->lines);
    memset(t, 0, sizeof *t);
}

/* The end of line k's content (before its line end). */
static size_t line_end(const LspText *t, int k)
{
    size_t e = k + 1 < t->nlines ? t->lines[k + 1] : t->len;
    while (e > t->lines[k] && (t->p[e - 1] == '\n' || t->p[e - 1] == '\r'))
        e--;
    return e;
}

/* Bytes of the UTF-8 sequence at p (at least 1, at most what is left). */
static size_t seq_len(const char *p, const char *end)
{
    unsigned char c = (unsigned char)*p;
    size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    size_t j = 1;
    while (j < k && p + j < end && ((unsigned char)p[j] & 0xC0) == 0x80)
        j++;
    return j;
}

/* Units of enc that the sequence of n bytes counts for. */
static long units(size_t n, LspEncoding enc)
{
    if (enc == LSP_UTF8)
        return (long)n;
    if (enc == LSP_UTF16)
        return n == 4 ? 2 : 1;
    return 1;
}

size_t lsp_text_offset(const LspText *t, long line, long character, LspEncoding enc)
{
    if (line < 0)
        return 0;
    if (line >= t->nlines)
        return t->len;
    size_t at = t->lines[line], end = line_end(t, (int)line);
    long u = 0;
    while (at < end && u < character) {
        size_t n = seq_len(t->p + at, t->p + end);
        u += units(n, enc);
        if (u > character) /* inside a surrogate pair: stay before it */
            break;
        at += n;
    }
    return at;
}

void lsp_text_edit(LspText *t, long l0, long c0, long l1, long c1, LspEncoding enc,
                   const char *s, size_t n)
{
    size_t a = lsp_text_offset(t, l0, c0, enc), b = lsp_text_offset(t, l1, c1, enc);
    if (b < a) {
        size_t x = a;
        a = b, b = x;
    }
    size_t len = t->len - (b - a) + n;
    char *p = xmalloc(len + 1);
    memcpy(p, t->p, a);
    memcpy(p + a, s, n);
    memcpy(p + a + n, t->p + b, t->len - b);
    p[len] = 0;
    free(t->p);
    t->p = p;
    t->len = len;
    index_lines(t);
}

void lsp_text_position(const LspText *t, size_t off, LspEncoding enc, long *line,
                       long *character)
{
    if (off > t->len)
        off = t->len;
    int lo = 0, hi = t->nlines - 1; /* the last line starting at or before off */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (t->lines[mid] <= off)
            lo = mid;
        else
            hi = mid - 1;
    }
    long u = 0;
    for (size_t at = t->lines[lo]; at < off;) {
        size_t n = seq_len(t->p + at, t->p + off);
        u += units(n, enc);
        at += n;
    }
    *line = lo;
    *character = u;
}

long lsp_text_character(const LspText *t, int line, int cp, LspEncoding enc)
{
    if (line < 1 || line > t->nlines || cp <= 1)
        return cp > 1 ? cp - 1 : 0;
    size_t at = t->lines[line - 1], end = line_end(t, line - 1);
    long u = 0;
    for (int k = 1; k < cp; k++) {
        if (at >= end) { /* past the line's end: one unit a column, as the reports count */
            u += cp - k;
            break;
        }
        size_t n = seq_len(t->p + at, t->p + end);
        u += units(n, enc);
        at += n;
    }
    return u;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

char *lsp_uri_path(Arena *a, const char *uri)
{
    if (!uri || strncmp(uri, "file://", 7) != 0)
        return NULL;
    const char *p = uri + 7;
    if (*p != '/') { /* file://host/path: only the local host */
        if (strncmp(p, "localhost/", 10) != 0)
            return NULL;
        p += 9;
    }
    size_t n = strcspn(p, "?#");
    char *out = arena_alloc(a, n + 1), *o = out;
    for (size_t k = 0; k < n; k++) {
        if (p[k] == '%' && k + 2 < n + 1 && hexval(p[k + 1]) >= 0 && hexval(p[k + 2]) >= 0) {
            char c = (char)(hexval(p[k + 1]) * 16 + hexval(p[k + 2]));
            if (c == 0)
                return NULL; /* no path holds a NUL */
            *o++ = c;
            k += 2;
        } else {
            *o++ = p[k];
        }
    }
    *o = 0;
    return out;
}

char *lsp_path_uri(Arena *a, const char *path)
{
    size_t n = strlen(path);
    char *out = arena_alloc(a, 3 * n + 8), *o = out;
    memcpy(o, "file://", 7);
    o += 7;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p)) {
            *o++ = (char)*p;
        } else {
            static const char hex[] = "0123456789ABCDEF";
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = 0;
    return out;
}
