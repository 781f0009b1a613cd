/*
 * test_json.c - the JSON reader (json.h): strings and their escapes,
 * numbers, objects walked member by member, skipped values, errors with
 * their positions, the nesting limit, and a robustness loop over
 * truncated, mutated and random inputs (built with ASan and UBSan by
 * tests/unit.sh: a crash or an overflow fails).
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "unit.h"

static Arena *A;
static char err[256];

static void open_text(JsonReader *r, const char *text)
{
    json_open(r, A, "t.json", text, strlen(text), err, sizeof err);
}

/* The one string text holds, decoded; NULL if it is not one. */
static const char *string_of(const char *text)
{
    JsonReader r;
    const char *s = NULL;
    open_text(&r, text);
    return json_string(&r, &s) && json_at_end(&r) ? s : NULL;
}

/* Reading text as one value fails with err == want. */
static void check_error(const char *text, const char *want)
{
    JsonReader r;
    open_text(&r, text);
    CHECK(!json_value(&r));
    CHECK_STR(err, want);
}

static void test_strings(void)
{
    CHECK_STR(string_of("\"plain\""), "plain");
    CHECK_STR(string_of("  \"\"  "), "");
    CHECK_STR(string_of("\"a\\\"b\\\\c\\/d\""), "a\"b\\c/d");
    CHECK_STR(string_of("\"\\n\\t\\r\\b\\f\""), "\n\t\r\b\f");
    CHECK_STR(string_of("\"\\u00e9\\u20ac\""), "\xc3\xa9\xe2\x82\xac");
    CHECK_STR(string_of("\"\\ud83d\\ude00\""), "\xf0\x9f\x98\x80");
    CHECK_STR(string_of("\"caf\xc3\xa9\""), "caf\xc3\xa9");
    CHECK(string_of("\"open") == NULL);
    CHECK(string_of("\"a\\") == NULL);
    CHECK(string_of("\"\\x41\"") == NULL);
    CHECK(string_of("\"\\ud800\"") == NULL);
    CHECK(string_of("\"\\udc00\"") == NULL);
    CHECK(string_of("\"\\u12\"") == NULL);
    CHECK(string_of("\"tab\there\"") == NULL);
    CHECK(string_of("'single'") == NULL);
}

static void test_numbers(void)
{
    static const struct {
        const char *text;
        int ok, is_int;
        long value;
    } cases[] = {
        {"0", 1, 1, 0},       {"-12", 1, 1, -12}, {"1.5", 1, 0, 0}, {"2e10", 1, 0, 0},
        {"-0.5E-3", 1, 0, 0}, {"01", 0, 0, 0},    {"1.", 0, 0, 0},  {"-", 0, 0, 0},
        {"1e", 0, 0, 0},      {".5", 0, 0, 0},    {"+1", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        JsonReader r;
        long v = -1;
        int is_int = -1;
        open_text(&r, cases[i].text);
        int ok = json_number(&r, &v, &is_int) && json_at_end(&r);
        CHECK_INT(ok, cases[i].ok);
        if (ok && cases[i].ok) {
            CHECK_INT(is_int, cases[i].is_int);
            if (is_int)
                CHECK_INT(v, cases[i].value);
        }
    }
}

/* Members of {"a": ..., "keep": "x", "n": {...}}: only "keep" is read. */
typedef struct Seen {
    int members;
    const char *keep;
} Seen;

static int member(JsonReader *r, const char *key, void *ctx)
{
    Seen *s = ctx;
    s->members++;
    if (strcmp(key, "keep") != 0)
        return json_value(r);
    return json_string(r, &s->keep);
}

static void test_objects(void)
{
    JsonReader r;
    Seen s = {0, NULL};
    open_text(&r, "{\"a\": [1, 2.5, true, false, null, {\"x\": []}], \"keep\": \"yes\",\n"
                  " \"n\": {\"deep\": {\"deeper\": [[[\"s\\u0041\"]]]}}}");
    CHECK(json_expect(&r, '{') && json_members(&r, member, &s) && json_at_end(&r));
    CHECK_INT(s.members, 3);
    CHECK_STR(s.keep, "yes");
    CHECK_STR(err, "");

    open_text(&r, "{}");
    s.members = 0;
    CHECK(json_expect(&r, '{') && json_members(&r, member, &s) && json_at_end(&r));
    CHECK_INT(s.members, 0);

    open_text(&r, "  [ 1 , \"two\" ]  x");
    CHECK(json_value(&r));
    CHECK(!json_at_end(&r));
    CHECK_INT(json_peek(&r), 'x');
}

static void test_errors(void)
{
    check_error("{\"a\": 1,}", "t.json:1:9: expected a string");
    check_error("{\"a\" 1}", "t.json:1:6: expected ':'");
    check_error("[1 2]", "t.json:1:4: expected ']'");
    check_error("{\n  \"a\": tru}", "t.json:2:8: expected a value");
    check_error("{\"\xc3\xa9\": x}", "t.json:1:7: expected a value");
    check_error("", "t.json:1:1: expected a value");
    check_error("\"a\\qb\"", "t.json:1:4: bad escape in a string");

    /* the first error stays; later calls fail without changing it */
    JsonReader r;
    open_text(&r, "[,]");
    CHECK(!json_value(&r));
    CHECK(!json_fail(&r, "another"));
    CHECK_STR(err, "t.json:1:2: expected a value");

    /* deeper than JSON_MAX_DEPTH: an error, not a stack overflow */
    char deep[4 * JSON_MAX_DEPTH];
    size_t n = 0;
    for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
        deep[n++] = '[';
    deep[n] = 0;
    open_text(&r, deep);
    CHECK(!json_value(&r));
    CHECK(strstr(err, "nested more than 64 deep") != NULL);
}

/* Any bytes: the reader stops, with or without an error, never crashes. */
static void test_robust(void)
{
    static const char *const seeds[] = {
        "{\"default\": {\"fastapi\": {\"version\": \"==0.1\", \"hashes\": [\"sha\"]}}}",
        "[1, -2.5e3, \"\\ud83d\\ude00\", {\"k\": [true, false, null]}]",
    };
    unsigned seed = 12345;
    char buf[256];
    for (int round = 0; round < 20000; round++) {
        const char *base = seeds[round % 2];
        size_t n = strlen(base);
        memcpy(buf, base, n + 1);
        seed = seed * 1103515245u + 12345u;
        int edits = 1 + (int)(seed >> 16) % 4;
        for (int e = 0; e < edits; e++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % n;
            buf[at] = (char)(seed >> 20);
        }
        if (round % 7 == 0)
            n = (seed >> 4) % (n + 1); /* truncated */
        JsonReader r;
        json_open(&r, A, "t.json", buf, n, err, sizeof err);
        Seen s = {0, NULL};
        if (json_expect(&r, '{'))
            json_members(&r, member, &s);
        else
            json_value(&r);
        arena_reset(A);
    }
    CHECK(1);
}

int main(void)
{
    A = arena_new();
    test_strings();
    test_numbers();
    test_objects();
    test_errors();
    test_robust();
    arena_free(A);
    return unit_report();
}
