/*
 * baseline.c - writing, reading and applying baseline files (baseline.h).
 *
 * The reader is a small strict JSON parser (RFC 8259: no comments, no
 * trailing commas) that keeps only what a baseline needs and says where the
 * text stops making sense; a baseline that does not parse is an error, never
 * an empty baseline, since that would report every old finding again.
 * Entries are sorted once and matched by binary search, so applying a
 * baseline costs O((n + m) log m).
 */
#include "baseline.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define MAX_DEPTH 64 /* nesting of arrays and objects in a baseline file */

typedef struct Entry {
    const char *code, *path, *fingerprint;
    int used; /* already excused a finding */
} Entry;

struct Baseline {
    Arena *a;           /* the strings */
    VEC(Entry) entries; /* sorted by code, path, fingerprint */
};

/* ---- writing ---- */

void baseline_write(FILE *out, const Report *r)
{
    fputs("{\"version\": 1, \"findings\": [", out);
    for (size_t i = 0; i < r->n; i++) {
        const ReportItem *it = &r->items[i];
        fputs(i ? ",\n  {\"code\": " : "\n  {\"code\": ", out);
        report_json_string(out, it->code);
        fputs(", \"path\": ", out);
        report_json_string(out, it->path);
        fputs(", \"fingerprint\": ", out);
        report_json_string(out, it->fingerprint);
        fputs(", \"message\": ", out);
        report_json_string(out, it->message);
        fputc('}', out);
    }
    fputs(r->n ? "\n]}\n" : "]}\n", out);
}

/* ---- reading: a strict JSON parser ---- */

typedef struct Parser {
    const char *path; /* for messages */
    const char *text, *p, *end;
    Arena *a;
    int depth;
    char *err; /* the first error, "" while there is none */
    size_t errlen;
} Parser;

/* Records the first error, at the current position; returns 0. */
static int fail(Parser *ps, const char *fmt, ...)
{
    if (ps->err[0])
        return 0;
    int line = 1, col = 1;
    for (const char *q = ps->text; q < ps->p; q++)
        if (*q == '\n')
            line++, col = 1;
        else if (((unsigned char)*q & 0xC0) != 0x80)
            col++;
    int n = snprintf(ps->err, ps->errlen, "%s:%d:%d: ", ps->path, line, col);
    if (n < 0 || (size_t)n >= ps->errlen)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return 0;
}

static void skip_ws(Parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

/* Consumes c after optional whitespace; 0 (no error recorded) if absent. */
static int accept(Parser *ps, char c)
{
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == c) {
        ps->p++;
        return 1;
    }
    return 0;
}

static int expect(Parser *ps, char c) { return accept(ps, c) || fail(ps, "expected '%c'", c); }

static int hex4(Parser *ps, unsigned *out)
{
    *out = 0;
    for (int i = 0; i < 4; i++, ps->p++) {
        char c = ps->p < ps->end ? *ps->p : 0;
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return fail(ps, "bad \\u escape");
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
static int unicode_escape(Parser *ps, unsigned *cp)
{
    if (!hex4(ps, cp))
        return 0;
    if (*cp >= 0xDC00 && *cp <= 0xDFFF)
        return fail(ps, "lone low surrogate in \\u escape");
    if (*cp < 0xD800 || *cp > 0xDBFF)
        return 1;
    unsigned lo;
    if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
        return fail(ps, "high surrogate without its low half");
    ps->p += 2;
    if (!hex4(ps, &lo))
        return 0;
    if (lo < 0xDC00 || lo > 0xDFFF)
        return fail(ps, "high surrogate without its low half");
    *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
    return 1;
}

/* A string literal, decoded into the arena (NUL-terminated) in *out. */
static int string(Parser *ps, const char **out)
{
    if (!accept(ps, '"'))
        return fail(ps, "expected a string");
    const char *q = ps->p;
    while (q < ps->end && *q != '"')
        q += *q == '\\' ? 2 : 1;
    char *buf = arena_alloc(ps->a, (size_t)(q - ps->p) * 2 + 1), *o = buf;
    for (;;) {
        if (ps->p >= ps->end)
            return fail(ps, "unterminated string");
        unsigned char c = (unsigned char)*ps->p++;
        if (c == '"')
            break;
        if (c < 0x20)
            return ps->p--, fail(ps, "control character in a string");
        if (c != '\\') {
            *o++ = (char)c;
            continue;
        }
        char e = ps->p < ps->end ? *ps->p++ : 0;
        unsigned cp;
        switch (e) {
        case '"':
        case '\\':
        case '/': *o++ = e; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u':
            if (!unicode_escape(ps, &cp))
                return 0;
            o = put_utf8(o, cp);
            break;
        default: ps->p--; return fail(ps, "bad escape in a string");
        }
    }
    *o = 0;
    *out = buf;
    return 1;
}

/* A number; its value in *out when it is an integer (else *is_int = 0). */
static int number(Parser *ps, long *out, int *is_int)
{
    skip_ws(ps);
    const char *start = ps->p;
    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
        return fail(ps, "expected a value");
    if (*ps->p == '0')
        ps->p++;
    else
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    *is_int = 1;
    if (ps->p < ps->end && *ps->p == '.') {
        *is_int = 0;
        if (++ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return fail(ps, "expected a digit");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        *is_int = 0;
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return fail(ps, "expected a digit");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    *out = *is_int ? strtol(start, NULL, 10) : 0;
    return 1;
}

static int literal(Parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return fail(ps, "expected a value");
    ps->p += n;
    return 1;
}

static int value(Parser *ps);

/* The members of an object after its '{', each handed to member (which
 * parses the value) with its key; member == NULL skips them. */
static int members(Parser *ps, int (*member)(Parser *, const char *, void *), void *ctx)
{
    if (accept(ps, '}'))
        return 1;
    do {
        const char *key;
        if (!string(ps, &key) || !expect(ps, ':'))
            return 0;
        if (!(member ? member(ps, key, ctx) : value(ps)))
            return 0;
    } while (accept(ps, ','));
    return expect(ps, '}');
}

/* Any value, parsed and dropped. */
static int value(Parser *ps)
{
    const char *s;
    long n;
    int is_int;
    skip_ws(ps);
    if (ps->p >= ps->end)
        return fail(ps, "expected a value");
    if (++ps->depth > MAX_DEPTH)
        return fail(ps, "nested more than %d deep", MAX_DEPTH);
    int ok;
    switch (*ps->p) {
    case '{':
        ps->p++;
        ok = members(ps, NULL, NULL);
        break;
    case '[':
        ps->p++;
        ok = accept(ps, ']');
        if (!ok) {
            do
                ok = value(ps);
            while (ok && accept(ps, ','));
            ok = ok && expect(ps, ']');
        }
        break;
    case '"': ok = string(ps, &s); break;
    case 't': ok = literal(ps, "true"); break;
    case 'f': ok = literal(ps, "false"); break;
    case 'n': ok = literal(ps, "null"); break;
    default: ok = number(ps, &n, &is_int); break;
    }
    ps->depth--;
    return ok;
}

/* One member of a finding: the three keys it needs, anything else skipped. */
static int entry_member(Parser *ps, const char *key, void *ctx)
{
    Entry *e = ctx;
    const char **slot = !strcmp(key, "code")          ? &e->code
                        : !strcmp(key, "path")        ? &e->path
                        : !strcmp(key, "fingerprint") ? &e->fingerprint
                                                      : NULL;
    if (!slot)
        return value(ps);
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != '"')
        return fail(ps, "\"%s\" must be a string", key);
    return string(ps, slot);
}

static int finding(Parser *ps, Baseline *b)
{
    skip_ws(ps);
    const char *at = ps->p;
    if (!accept(ps, '{'))
        return fail(ps, "a finding must be an object");
    Entry e = {0};
    if (!members(ps, entry_member, &e))
        return 0;
    if (!e.code || !e.path || !e.fingerprint) {
        ps->p = at;
        return fail(ps, "a finding needs \"code\", \"path\" and \"fingerprint\"");
    }
    VEC_PUSH(&b->entries, e);
    return 1;
}

typedef struct Top {
    Baseline *b;
    int version, findings; /* seen */
} Top;

static int top_member(Parser *ps, const char *key, void *ctx)
{
    Top *t = ctx;
    if (!strcmp(key, "version")) {
        long v;
        int is_int;
        skip_ws(ps);
        const char *at = ps->p;
        if (!number(ps, &v, &is_int))
            return 0;
        if (!is_int || v != 1) {
            ps->p = at;
            return fail(ps, "unsupported baseline version (this sessionlint reads version 1)");
        }
        t->version = 1;
        return 1;
    }
    if (strcmp(key, "findings") != 0)
        return value(ps);
    t->findings = 1;
    if (!accept(ps, '['))
        return fail(ps, "\"findings\" must be an array");
    if (accept(ps, ']'))
        return 1;
    do
        if (!finding(ps, t->b))
            return 0;
    while (accept(ps, ','));
    return expect(ps, ']');
}

static int cmp_entry(const void *pa, const void *pb)
{
    const Entry *a = pa, *b = pb;
    int c;
    if ((c = strcmp(a->code, b->code)) || (c = strcmp(a->path, b->path)))
        return c;
    return strcmp(a->fingerprint, b->fingerprint);
}

/* The whole file into a heap buffer; NULL with errno set on failure. */
static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap)
            buf = xrealloc(buf, cap *= 2);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    *n = len;
    return buf;
}

Baseline *baseline_read(const char *path, char *err, size_t errlen)
{
    size_t n = 0;
    char *text = slurp(path, &n);
    if (!text) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    Baseline *b = xcalloc(1, sizeof *b);
    b->a = arena_new();
    err[0] = 0;
    Parser ps = {path, text, text, text + n, b->a, 0, err, errlen};
    Top t = {b, 0, 0};
    int ok = expect(&ps, '{') && members(&ps, top_member, &t);
    if (ok) {
        skip_ws(&ps);
        if (ps.p < ps.end)
            ok = fail(&ps, "text after the baseline's closing '}'");
    }
    if (ok && (!t.version || !t.findings)) {
        snprintf(err, errlen,
                 "%s: not a sessionlint baseline (it needs \"version\": 1 and "
                 "\"findings\")",
                 path);
        ok = 0;
    }
    free(text);
    if (!ok) {
        baseline_free(b);
        return NULL;
    }
    if (b->entries.n > 1)
        qsort(b->entries.items, b->entries.n, sizeof *b->entries.items, cmp_entry);
    return b;
}

/* ---- applying ---- */

/* An unused entry equal to it, or NULL: the first equal one by binary
 * search, then the next unused among its equals. */
static Entry *match(Baseline *b, const ReportItem *it)
{
    Entry key = {it->code, it->path, it->fingerprint ? it->fingerprint : "", 0};
    size_t lo = 0, hi = b->entries.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cmp_entry(&b->entries.items[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < b->entries.n && cmp_entry(&b->entries.items[lo], &key) == 0; lo++)
        if (!b->entries.items[lo].used)
            return &b->entries.items[lo];
    return NULL;
}

static int cmp_count(const void *pa, const void *pb)
{
    const ReportCount *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->code, b->code);
}

/* Counts per code again, for the items that are left (driver.c's order). */
static void recount(Report *r)
{
    for (size_t k = 0; k < r->ncounts; k++)
        r->counts[k].count = 0;
    for (size_t i = 0; i < r->n; i++)
        for (size_t k = 0; k < r->ncounts; k++)
            if (strcmp(r->counts[k].code, r->items[i].code) == 0) {
                r->counts[k].count++;
                break;
            }
    size_t kept = 0;
    for (size_t k = 0; k < r->ncounts; k++)
        if (r->counts[k].count)
            r->counts[kept++] = r->counts[k];
    r->ncounts = kept;
    if (kept > 1)
        qsort(r->counts, kept, sizeof *r->counts, cmp_count);
}

size_t baseline_apply(Baseline *b, Report *r)
{
    size_t kept = 0;
    for (size_t i = 0; i < r->n; i++) {
        Entry *e = match(b, &r->items[i]);
        if (e)
            e->used = 1;
        else
            r->items[kept++] = r->items[i];
    }
    size_t removed = r->n - kept;
    r->n = kept;
    recount(r);
    return removed;
}

void baseline_free(Baseline *b)
{
    if (!b)
        return;
    VEC_FREE(&b->entries);
    arena_free(b->a);
    free(b);
}
