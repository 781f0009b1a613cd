/*
 * baseline.c - writing, reading and applying baseline files (baseline.h).
 *
 * The reader walks the file with the strict JSON reader of json.h, keeping
 * only what a baseline needs and saying where the text stops making sense;
 * a baseline that does not parse is an error, never an empty baseline,
 * since that would report every old finding again.
 * Entries are sorted once and matched by binary search, so applying a
 * baseline costs O((n + m) log m).
 */
#include "baseline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "json.h"

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

/* ---- reading ---- */

/* One member of a finding: the three keys it needs, anything else skipped. */
static int entry_member(JsonReader *ps, const char *key, void *ctx)
{
    Entry *e = ctx;
    const char **slot = !strcmp(key, "code")          ? &e->code
                        : !strcmp(key, "path")        ? &e->path
                        : !strcmp(key, "fingerprint") ? &e->fingerprint
                                                      : NULL;
    if (!slot)
        return json_value(ps);
    if (json_peek(ps) != '"')
        return json_fail(ps, "\"%s\" must be a string", key);
    return json_string(ps, slot);
}

static int finding(JsonReader *ps, Baseline *b)
{
    json_peek(ps);
    const char *at = ps->p;
    if (!json_accept(ps, '{'))
        return json_fail(ps, "a finding must be an object");
    Entry e = {0};
    if (!json_members(ps, entry_member, &e))
        return 0;
    if (!e.code || !e.path || !e.fingerprint) {
        ps->p = at;
        return json_fail(ps, "a finding needs \"code\", \"path\" and \"fingerprint\"");
    }
    VEC_PUSH(&b->entries, e);
    return 1;
}

typedef struct Top {
    Baseline *b;
    int version, findings; /* seen */
} Top;

static int top_member(JsonReader *ps, const char *key, void *ctx)
{
    Top *t = ctx;
    if (!strcmp(key, "version")) {
        long v;
        int is_int;
        json_peek(ps);
        const char *at = ps->p;
        if (!json_number(ps, &v, &is_int))
            return 0;
        if (!is_int || v != 1) {
            ps->p = at;
            return json_fail(ps, "unsupported baseline version (this sessionlint reads version 1)");
        }
        t->version = 1;
        return 1;
    }
    if (strcmp(key, "findings") != 0)
        return json_value(ps);
    t->findings = 1;
    if (!json_accept(ps, '['))
        return json_fail(ps, "\"findings\" must be an array");
    if (json_accept(ps, ']'))
        return 1;
    do
        if (!finding(ps, t->b))
            return 0;
    while (json_accept(ps, ','));
    return json_expect(ps, ']');
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
    JsonReader ps;
    json_open(&ps, b->a, path, text, n, err, errlen);
    Top t = {b, 0, 0};
    int ok = json_expect(&ps, '{') && json_members(&ps, top_member, &t);
    if (ok && !json_at_end(&ps))
        ok = json_fail(&ps, "text after the baseline's closing '}'");
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
