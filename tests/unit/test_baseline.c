/*
 * test_baseline.c - fingerprints (report.c) and baseline files
 * (baseline.c): what a fingerprint depends on and what it ignores, the
 * strict JSON reader's verdicts and positions, multiset matching, and the
 * recount of a filtered report.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"
#include "report.h"
#include "unit.h"

static char tmpl[] = "/tmp/sl-baseline-XXXXXX";

/* Writes text to the test's temporary file; returns its path. */
static const char *put_file(const char *text)
{
    FILE *f = fopen(tmpl, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
    return tmpl;
}

static ReportItem item(const char *code, const char *path, int line, const char *snippet)
{
    ReportItem it;
    memset(&it, 0, sizeof it);
    it.code = code;
    it.name = code;
    it.message = "m";
    it.path = path;
    it.line = it.end_line = line;
    it.column = it.end_column = 1;
    it.snippet = snippet;
    return it;
}

static void test_fingerprints(Arena *a)
{
    ReportItem items[] = {
        item("SL103", "a.py", 3, "    db = SessionLocal()"),
        item("SL103", "a.py", 9, "    db = SessionLocal()"),    /* the same line again */
        item("SL103", "a.py", 12, "db=SessionLocal()"),         /* whitespace only differs */
        item("SL101", "a.py", 14, "    db = SessionLocal()"),   /* another code */
        item("SL103", "b.py", 20, "    db = SessionLocal()"),   /* another file */
        item("SL103", "b.py", 30, "    conn = pool.getconn()"), /* another line */
    };
    Report r = {0};
    r.items = items;
    r.n = sizeof items / sizeof items[0];
    report_fingerprints(a, &r);
    for (size_t i = 0; i < r.n; i++) {
        CHECK_INT(strlen(items[i].fingerprint), 16);
        for (size_t k = 0; k < i; k++)
            CHECK(strcmp(items[i].fingerprint, items[k].fingerprint) != 0);
    }
    /* Moved lines and reindented text keep the fingerprint; the index among
     * identical lines is what told items 0, 1 and 2 apart above. */
    const char *first = items[0].fingerprint, *third = items[2].fingerprint;
    items[0].line = 40;
    items[0].snippet = "\t\tdb  =  SessionLocal( )";
    items[2].line = 99;
    report_fingerprints(a, &r);
    CHECK_STR(items[0].fingerprint, first);
    CHECK_STR(items[2].fingerprint, third);
}

/* Reads text as a baseline; NULL with the message in err on failure. */
static Baseline *read_text(const char *text, char *err, size_t n)
{
    return baseline_read(put_file(text), err, n);
}

/* Does reading text fail with a message that ends in want? */
static int fails_with(const char *text, const char *want)
{
    char err[256];
    Baseline *b = read_text(text, err, sizeof err);
    if (b) {
        baseline_free(b);
        return 0;
    }
    size_t n = strlen(err), w = strlen(want);
    if (n < w || strcmp(err + n - w, want) != 0) {
        fprintf(stderr, "error \"%s\", want it to end in \"%s\"\n", err, want);
        return 0;
    }
    return 1;
}

static void test_reader_errors(void)
{
    CHECK(fails_with("", ":1:1: expected '{'"));
    CHECK(fails_with("{\"version\": 1, \"findings\": [", ":1:29: a finding must be an object"));
    CHECK(
        fails_with("{\"version\": 1,\n \"findings\": [,]}", ":2:15: a finding must be an object"));
    CHECK(fails_with("{\"version\": 2, \"findings\": []}",
                     ":1:13: unsupported baseline version (this sessionlint reads version 1)"));
    CHECK(fails_with("{\"version\": 1.0, \"findings\": []}",
                     ":1:13: unsupported baseline version (this sessionlint reads version 1)"));
    CHECK(fails_with("{\"version\": 1, \"findings\": [{\"code\": 1}]}",
                     ":1:38: \"code\" must be a string"));
    CHECK(fails_with("{\"version\": 1, \"findings\": [{\"code\": \"SL103\"}]}",
                     ":1:29: a finding needs \"code\", \"path\" and \"fingerprint\""));
    CHECK(fails_with("{\"version\": 1, \"findings\": []} x",
                     ":1:32: text after the baseline's closing '}'"));
    CHECK(fails_with("{\"version\": 1}", "(it needs \"version\": 1 and \"findings\")"));
    CHECK(fails_with("{\"version\": 1, \"findings\": [], \"x\": \"a\nb\"}",
                     ":1:39: control character in a string"));
    CHECK(fails_with("{\"version\": 1, \"findings\": [], \"x\": \"\\q\"}",
                     ":1:39: bad escape in a string"));
    CHECK(fails_with("{\"version\": 1, \"findings\": [], \"x\": \"\\ud800\"}",
                     "high surrogate without its low half"));
    CHECK(fails_with("{\"version\": 1, \"findings\": [], \"x\": [1,]}", ":1:40: expected a value"));
    CHECK(fails_with("{\"version\": 1, \"findings\": [], \"x\": tru}", ":1:37: expected a value"));
    CHECK(fails_with("{\"version\": 1, \"findings\": [], \"x\": 01}", ":1:38: expected '}'"));
    char deep[400] = "{\"version\": 1, \"findings\": [], \"x\": ";
    for (int i = 0; i < 100; i++)
        strcat(deep, "[");
    CHECK(fails_with(deep, "nested more than 64 deep"));
    char err[256];
    CHECK(baseline_read("/nonexistent/baseline.json", err, sizeof err) == NULL);
    CHECK(strstr(err, "/nonexistent/baseline.json: ") == err);
}

static void test_apply(Arena *a)
{
    char err[256];
    /* Two entries for one finding text, unknown keys and values skipped,
     * escapes decoded ("caf\u00e9.py" is "café.py"). */
    Baseline *b = read_text(
        "{\"tool\": {\"n\": [1, 2.5e3, true, null]}, \"version\": 1, \"findings\": [\n"
        " {\"code\": \"SL103\", \"path\": \"a.py\", \"fingerprint\": \"f1\", \"extra\": {}},\n"
        " {\"code\": \"SL103\", \"path\": \"a.py\", \"fingerprint\": \"f1\"},\n"
        " {\"fingerprint\": \"f2\", \"path\": \"caf\\u00e9.py\", \"code\": \"SL101\"}]}\n",
        err, sizeof err);
    CHECK(b != NULL);
    if (!b) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    ReportItem items[] = {
        item("SL103", "a.py", 1, NULL), item("SL103", "a.py", 2, NULL),
        item("SL103", "a.py", 3, NULL), item("SL101", "caf\xc3\xa9.py", 4, NULL),
        item("SL101", "a.py", 5, NULL),
    };
    const char *fps[] = {"f1", "f1", "f1", "f2", "f2"};
    for (int i = 0; i < 5; i++)
        items[i].fingerprint = fps[i];
    ReportCount counts[] = {{"SL103", "SL103", 3}, {"SL101", "SL101", 2}};
    Report r = {0};
    r.items = items;
    r.n = 5;
    r.counts = counts;
    r.ncounts = 2;
    CHECK_INT(baseline_apply(b, &r), 3);
    CHECK_INT(r.n, 2);
    CHECK_INT(items[0].line, 3); /* the third identical finding is new */
    CHECK_INT(items[1].line, 5); /* the same fingerprint in another file is new */
    CHECK_INT(r.ncounts, 2);
    CHECK_STR(r.counts[0].code, "SL101"); /* ties ordered by code */
    CHECK_INT(r.counts[0].count, 1);
    baseline_free(b);
    (void)a;
}

static void test_round_trip(Arena *a)
{
    ReportItem items[] = {item("SL103", "dir/a \"q\".py", 1, "x = f()"),
                          item("SL000", "b.py", 7, "def f(:")};
    Report r = {0};
    r.items = items;
    r.n = 2;
    report_fingerprints(a, &r);
    FILE *f = fopen(tmpl, "w");
    if (!f)
        abort();
    baseline_write(f, &r);
    fclose(f);
    char err[256];
    Baseline *b = baseline_read(tmpl, err, sizeof err);
    CHECK(b != NULL);
    if (!b)
        return;
    CHECK_INT(baseline_apply(b, &r), 2);
    CHECK_INT(r.n, 0);
    baseline_free(b);
}

int main(void)
{
    int fd = mkstemp(tmpl);
    if (fd < 0)
        return 2;
    close(fd);
    Arena *a = arena_new();
    test_fingerprints(a);
    test_reader_errors();
    test_apply(a);
    test_round_trip(a);
    arena_free(a);
    unlink(tmpl);
    return unit_report();
}
