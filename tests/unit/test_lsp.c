/*
 * test_lsp.c - the language server's pieces that stand alone: the JSON
 * reader and writer (lsp_json.c), texts, edits, positions in three
 * encodings and URIs (lsp_doc.c).  The protocol itself is tested over
 * stdio by tests/lsp/run.py.
 */
#include <stdlib.h>
#include <string.h>

#include "lsp_doc.h"
#include "lsp_json.h"
#include "unit.h"

static LspJson *parse(Arena *a, const char *s)
{
    return lsp_json_parse(a, s, strlen(s), NULL, 0);
}

/* s parsed and written back. */
static char *roundtrip(Arena *a, const char *s)
{
    LspJson *v = parse(a, s);
    if (!v)
        return NULL;
    LspBuf b = {0};
    lsp_buf_json(&b, v);
    char *out = arena_strndup(a, b.p, b.n);
    lsp_buf_free(&b);
    return out;
}

static void test_json_values(void)
{
    Arena *a = arena_new();
    LspJson *v = parse(a, " {\"id\": 7, \"method\": \"x\", \"params\": {\"a\": [1, -2.5e3, true, "
                          "false, null]}, \"id\": \"last\"} ");
    CHECK(v && v->kind == LSP_JSON_OBJECT);
    CHECK_STR(lsp_json_str(lsp_json_get(v, "id")), "last"); /* the last one of a repeated key */
    CHECK_STR(lsp_json_str(lsp_json_get(v, "method")), "x");
    const LspJson *arr = lsp_json_path(v, "params", "a", NULL);
    CHECK(arr && arr->kind == LSP_JSON_ARRAY && arr->n == 5);
    long n = 0;
    CHECK(lsp_json_int(arr->items[0], &n) && n == 1);
    CHECK(!lsp_json_int(arr->items[1], &n) || n == -2500);
    CHECK(arr->items[1]->num == -2500.0);
    CHECK(lsp_json_true(arr->items[2]) && !lsp_json_true(arr->items[3]));
    CHECK(arr->items[4]->kind == LSP_JSON_NULL);
    CHECK(lsp_json_get(v, "nope") == NULL && lsp_json_get(arr, "a") == NULL);
    CHECK(lsp_json_path(NULL, "a", NULL) == NULL);
    CHECK_STR(roundtrip(a, "[1.50, \"a\\\"b\", {}, []]"), "[1.50,\"a\\\"b\",{},[]]");
    arena_free(a);
}

static void test_json_strings(void)
{
    Arena *a = arena_new();
    LspJson *v = parse(a, "\"\\u00e9\\ud83d\\ude00\\n\\t\\/\\\\\"");
    CHECK(v && v->kind == LSP_JSON_STRING);
    CHECK_STR(v->s, "\xc3\xa9\xf0\x9f\x98\x80\n\t/\\");
    v = parse(a, "\"\\ud800x\""); /* a lone surrogate has no UTF-8 form */
    CHECK(v && !strcmp(v->s, "\xef\xbf\xbdx"));
    v = parse(a, "\"a\\u0000b\""); /* a NUL inside: the length says where it ends */
    CHECK(v && v->len == 3 && v->s[1] == 0);
    LspBuf b = {0};
    lsp_buf_strn(&b, "a\"\x01\xff\xed\xa0\x80\xe2\x82\xac", 10);
    CHECK_STR(b.p, "\"a\\\"\\u0001\\ufffd\\ufffd\\ufffd\\ufffd\xe2\x82\xac\"");
    lsp_buf_free(&b);
    arena_free(a);
}

static void test_json_malformed(void)
{
    static const char *const bad[] = {
        "", "{", "[1,]", "{\"a\" 1}", "{\"a\":}", "nul", "tru", "01", "1.", "-", "1e",
        "\"abc", "\"\\x\"", "\"\\u12\"", "\"a\nb\"", "[1] 2", "{a: 1}", "[\"\\",
    };
    Arena *a = arena_new();
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        char err[64] = "";
        CHECK(lsp_json_parse(a, bad[k], strlen(bad[k]), err, sizeof err) == NULL);
        CHECK(err[0] != 0);
    }
    /* nesting: LSP_JSON_MAX_DEPTH levels are fine, one more is an error */
    char deep[2 * LSP_JSON_MAX_DEPTH + 4];
    int d = LSP_JSON_MAX_DEPTH;
    memset(deep, '[', (size_t)d);
    memset(deep + d, ']', (size_t)d);
    CHECK(lsp_json_parse(a, deep, 2 * (size_t)d, NULL, 0) != NULL);
    memset(deep, '[', (size_t)d + 1);
    memset(deep + d + 1, ']', (size_t)d + 1);
    CHECK(lsp_json_parse(a, deep, 2 * (size_t)d + 2, NULL, 0) == NULL);
    /* a length shorter than the text: nothing past it is read */
    CHECK(lsp_json_parse(a, "[1, 2]", 4, NULL, 0) == NULL);
    arena_free(a);
}

static void test_positions(void)
{
    LspText t = {0};
    /* line 1: a, e-acute (2 bytes, 1 UTF-16 unit), an emoji (4 bytes, 2 units), b */
    lsp_text_set(&t, "x = 1\r\na\xc3\xa9\xf0\x9f\x98\x80" "b\nlast", 20);
    CHECK_INT(t.nlines, 3);
    CHECK_INT(lsp_text_offset(&t, 1, 0, LSP_UTF16), 7);
    CHECK_INT(lsp_text_offset(&t, 1, 2, LSP_UTF16), 10);  /* after the e-acute */
    CHECK_INT(lsp_text_offset(&t, 1, 3, LSP_UTF16), 10);  /* inside the pair: before it */
    CHECK_INT(lsp_text_offset(&t, 1, 4, LSP_UTF16), 14);
    CHECK_INT(lsp_text_offset(&t, 1, 3, LSP_UTF32), 14);
    CHECK_INT(lsp_text_offset(&t, 1, 7, LSP_UTF8), 14);
    CHECK_INT(lsp_text_offset(&t, 0, 99, LSP_UTF16), 5);  /* clamped before the CRLF */
    CHECK_INT(lsp_text_offset(&t, 9, 0, LSP_UTF16), 20);  /* past the last line */
    CHECK_INT(lsp_text_offset(&t, -1, 0, LSP_UTF16), 0);
    long line, ch;
    lsp_text_position(&t, 14, LSP_UTF16, &line, &ch);
    CHECK(line == 1 && ch == 4);
    lsp_text_position(&t, 14, LSP_UTF32, &line, &ch);
    CHECK(line == 1 && ch == 3);
    lsp_text_position(&t, 99, LSP_UTF8, &line, &ch);
    CHECK(line == 2 && ch == 4);
    /* the reports' code-point columns in each encoding */
    CHECK_INT(lsp_text_character(&t, 2, 4, LSP_UTF16), 4);
    CHECK_INT(lsp_text_character(&t, 2, 4, LSP_UTF32), 3);
    CHECK_INT(lsp_text_character(&t, 2, 4, LSP_UTF8), 7);
    CHECK_INT(lsp_text_character(&t, 2, 9, LSP_UTF16), 9); /* past the end: one a column */
    /* edits: across lines, reversed ends, and an insertion at the end */
    lsp_text_edit(&t, 1, 1, 0, 2, LSP_UTF16, "Z", 1);
    CHECK(t.len == 15 && !memcmp(t.p, "x Z\xc3\xa9\xf0\x9f\x98\x80" "b\nlast", 15));
    CHECK_INT(t.nlines, 2);
    lsp_text_edit(&t, 5, 0, 5, 0, LSP_UTF16, "\nmore", 5);
    CHECK(!strcmp(t.p + 9, "b\nlast\nmore"));
    CHECK_INT(t.nlines, 3);
    lsp_text_free(&t);
}

static void test_uris(void)
{
    Arena *a = arena_new();
    CHECK_STR(lsp_uri_path(a, "file:///home/me/a%20b/c%C3%A9.py"), "/home/me/a b/c\xc3\xa9.py");
    CHECK_STR(lsp_uri_path(a, "file://localhost/x.py"), "/x.py");
    CHECK(lsp_uri_path(a, "untitled:Untitled-1") == NULL);
    CHECK(lsp_uri_path(a, "file://server/share/x.py") == NULL);
    CHECK(lsp_uri_path(a, "file:///a%00b") == NULL);
    CHECK_STR(lsp_uri_path(a, "file:///a%2"), "/a%2");
    CHECK_STR(lsp_path_uri(a, "/home/me/a b/c\xc3\xa9.py"), "file:///home/me/a%20b/c%C3%A9.py");
    arena_free(a);
}

int main(void)
{
    test_json_values();
    test_json_strings();
    test_json_malformed();
    test_positions();
    test_uris();
    return unit_report();
}
