/*
 * test_fix.c - fix.c's parts that need no analysis: the unified diff
 * (hunks, context, merging, a last line without a line end) and the report
 * form of a fix (fix_report): offsets mapped onto the file's bytes through
 * CRLF line ends and a BOM, content written with the file's line ends,
 * positions in code points, files it refuses.
 */
#include <stdlib.h>
#include <string.h>

#include "fix.h"
#include "unit.h"

/* fix_diff into a heap string. */
static char *diff(const char *a, const char *b)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    fix_diff(f, "p.py", a, strlen(a), b, strlen(b));
    fclose(f);
    return buf;
}

static void test_diff(void)
{
    static const struct {
        const char *old, *neu, *hunks; /* the diff less its two header lines */
    } cases[] = {
        {"a\nb\nc\n", "a\nB\nc\n", "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
        /* far apart: two hunks, three lines of context each */
        {"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\nY\n12\n",
         "@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n 4\n 5\n@@ -8,5 +8,5 @@\n 8\n 9\n 10\n-11\n+Y\n 12\n"},
        /* close together: one hunk */
        {"1\n2\n3\n4\n5\n6\n", "1\nX\n3\n4\n5\nY\n",
         "@@ -1,6 +1,6 @@\n 1\n-2\n+X\n 3\n 4\n 5\n-6\n+Y\n"},
        /* an insertion before a last line without a line end */
        {"a\nb", "a\nnew\nb", "@@ -1,2 +1,3 @@\n a\n+new\n b\n\\ No newline at end of file\n"},
        {"", "x\n", "@@ -0,0 +1,1 @@\n+x\n"},
        /* CRLF lines are compared with their ends */
        {"a\r\nb\r\n", "a\r\nc\r\n", "@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n"},
    };
    char *d = diff("a\nb\nc\n", "a\nb\nc\n");
    CHECK_STR(d, ""); /* nothing for equal texts, not even a header */
    free(d);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        d = diff(cases[i].old, cases[i].neu);
        const char *head = "--- a/p.py\n+++ b/p.py\n";
        CHECK(!strncmp(d, head, strlen(head)));
        CHECK_STR(d + strlen(head), cases[i].hunks);
        free(d);
    }
}

/* A fix of one edit on src's decoded text: [start, end) -> content. */
static const ReportFix *report(Arena *a, const char *bytes, size_t start, size_t end,
                               const char *content, Source *src)
{
    SourceError err;
    CHECK_INT(source_from_bytes(a, "t.py", bytes, strlen(bytes), src, &err), SRC_OK);
    FixEdit *e = arena_alloc(a, sizeof *e);
    *e = (FixEdit){start, end, content, 0};
    Fix *f = arena_alloc(a, sizeof *f);
    *f = (Fix){FIX_SAFE, "m", e, 1};
    return fix_report(a, src, f);
}

static void test_report(void)
{
    Arena *a = arena_new();
    Source src;
    /* LF: offsets as they are; columns in code points */
    const ReportFix *f = report(a, "x = 1\nÿ = 2\n", 9, 9, "# c\n", &src);
    CHECK(f != NULL);
    if (f) {
        CHECK_INT(f->edits[0].start, 9);
        CHECK_INT(f->edits[0].line, 2);
        CHECK_INT(f->edits[0].column, 3); /* "ÿ " is two code points */
        CHECK_STR(f->edits[0].content, "# c\n");
        CHECK_INT(f->file_size, 13);
    }
    /* CRLF and a BOM: the bytes shift, the content takes \r\n */
    f = report(a, "\xEF\xBB\xBFx = 1\r\ny = 2\r\n", 6, 11, "z = 3\n", &src);
    CHECK(f != NULL);
    if (f) {
        CHECK_INT(f->edits[0].start, 3 + 7);
        CHECK_INT(f->edits[0].end, 3 + 12);
        CHECK_INT(f->edits[0].line, 2);
        CHECK_INT(f->edits[0].column, 1);
        CHECK_INT(f->edits[0].end_line, 2);
        CHECK_INT(f->edits[0].end_column, 6);
        CHECK_STR(f->edits[0].content, "z = 3\r\n");
    }
    /* the end of a file that ends in a line end is the line after it */
    f = report(a, "x = 1\n", 6, 6, "y = 2\n", &src);
    CHECK(f && f->edits[0].line == 2 && f->edits[0].column == 1);
    /* latin-1 with a non-ASCII byte: no fix; pure ASCII: fine */
    CHECK(report(a, "# -*- coding: latin-1 -*-\ns = '\xe9'\n", 0, 0, "", &src) == NULL);
    CHECK(report(a, "# -*- coding: latin-1 -*-\ns = 1\n", 0, 0, "#\n", &src) != NULL);
    /* invalid UTF-8 in a comment is decoded as U+FFFD: the bytes differ */
    CHECK(report(a, "x = 1  # \xff\ny = 2\n", 12, 12, "#\n", &src) == NULL);
    arena_free(a);
}

static void test_applies(void)
{
    ReportFix safe = {FIX_SAFE, "m", NULL, 0, 0, 0}, unsafe = {FIX_UNSAFE, "m", NULL, 0, 0, 0};
    CHECK_INT(fix_applies(&safe, 0), 1);
    CHECK_INT(fix_applies(&unsafe, 0), 0);
    CHECK_INT(fix_applies(&unsafe, 1), 1);
    CHECK_INT(fix_applies(NULL, 1), 0);
    CHECK_STR(fix_applicability_name(FIX_UNSAFE), "unsafe");
}

int main(void)
{
    test_diff();
    test_report();
    test_applies();
    return unit_report();
}
