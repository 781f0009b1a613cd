/*
 * test_toml.c - the TOML reader (toml.h): every construct configuration and
 * lock files use, TOML's redefinition rules, errors with their positions,
 * and a robustness loop over truncated, mutated and random inputs (built
 * with ASan and UBSan by tests/unit.sh: a crash or an overflow fails).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"
#include "unit.h"

static Arena *A;

static TomlValue *parse(const char *text, TomlError *err)
{
    return toml_parse(A, text, strlen(text), err);
}

/* The value at a dotted path of plain keys ("tool.poetry.name"). */
static const TomlValue *at(const TomlValue *t, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf, *dot; t; p = dot + 1) {
        dot = strchr(p, '.');
        if (dot)
            *dot = 0;
        t = toml_get(t, p);
        if (!dot)
            break;
    }
    return t;
}

static const char *str_at(const TomlValue *t, const char *path)
{
    const TomlValue *v = at(t, path);
    return v && v->type == TOML_STRING ? v->v.str.s : NULL;
}

static long long int_at(const TomlValue *t, const char *path)
{
    const TomlValue *v = at(t, path);
    return v && v->type == TOML_INT ? v->v.i : -424242;
}

/* Parsing fails at line:col with a message containing part. */
static void check_error(const char *text, int line, int col, const char *part)
{
    TomlError err;
    TomlValue *v = parse(text, &err);
    CHECK(v == NULL);
    if (v)
        return;
    CHECK_INT(err.line, line);
    CHECK_INT(err.col, col);
    CHECK(err.msg && strstr(err.msg, part));
    if (!err.msg || !strstr(err.msg, part) || err.line != line || err.col != col)
        fprintf(stderr, "  for %s\n  got %d:%d %s\n", text, err.line, err.col,
                err.msg ? err.msg : "(null)");
}

static void test_tables_and_keys(void)
{
    TomlError err;
    const char *doc = "# a pyproject\n"
                      "[project]\n"
                      "name = \"app\"  # trailing comment\n"
                      "dependencies = [\n"
                      "  \"fastapi>=0.110\",  # a comment in an array\n"
                      "  'sqlalchemy==2.0.30',\n"
                      "]\n"
                      "\n"
                      "[tool.sessionlint]\n"
                      "select = [\"SL1\"]\n"
                      "per-file-ignores.\"tests/**\" = [\"SL103\"]\n"
                      "\"quoted key\" = 1\n"
                      "'literal.key' = 2\n"
                      "a . b . c = 3\n"
                      "[tool.sessionlint.resources.conn]\n"
                      "acquire = [\"myapp.db.get_conn\"]\n";
    TomlValue *t = parse(doc, &err);
    CHECK(t != NULL);
    if (!t) {
        fprintf(stderr, "  %d:%d %s\n", err.line, err.col, err.msg);
        return;
    }
    CHECK_STR(str_at(t, "project.name"), "app");
    const TomlValue *deps = at(t, "project.dependencies");
    CHECK(deps && deps->type == TOML_ARRAY && deps->v.arr.n == 2);
    if (deps && deps->v.arr.n == 2) {
        CHECK_STR(deps->v.arr.items[0]->v.str.s, "fastapi>=0.110");
        CHECK_STR(deps->v.arr.items[1]->v.str.s, "sqlalchemy==2.0.30");
        CHECK_INT(deps->v.arr.items[1]->line, 6);
        CHECK_INT(deps->v.arr.items[1]->col, 3);
        CHECK_INT(deps->line, 4);
    }
    const TomlValue *sl = at(t, "tool.sessionlint");
    CHECK(sl && sl->type == TOML_TABLE);
    CHECK_INT(sl ? sl->line : 0, 9);
    const TomlValue *pfi = toml_get(sl, "per-file-ignores");
    CHECK(pfi && pfi->type == TOML_TABLE && toml_get(pfi, "tests/**"));
    CHECK_INT(int_at(sl, "quoted key"), 1);
    CHECK(toml_get(sl, "literal.key") && toml_get(sl, "literal.key")->v.i == 2);
    CHECK_INT(int_at(sl, "a.b.c"), 3);
    const TomlKeyVal *e = toml_entry(sl, "select");
    CHECK(e && e->line == 10);
    const TomlValue *acq = at(t, "tool.sessionlint.resources.conn.acquire");
    CHECK(acq && acq->type == TOML_ARRAY && acq->v.arr.n == 1 && acq->line == 16);
    /* keys keep their order */
    CHECK(sl && sl->v.tab.n >= 2 && !strcmp(sl->v.tab.kv[0].key, "select"));
    CHECK(toml_get(t, "missing") == NULL);
    CHECK(toml_get(NULL, "x") == NULL);
    CHECK(toml_get(deps, "x") == NULL);
}

static void test_arrays_of_tables(void)
{
    TomlError err;
    const char *doc = "version = 1\n"
                      "[[package]]\n"
                      "name = \"fastapi\"\n"
                      "version = \"0.110.0\"\n"
                      "dependencies = [\n"
                      "    { name = \"starlette\" },\n"
                      "    { name = \"pydantic\" },\n"
                      "]\n"
                      "[package.source]\n"
                      "registry = \"https://pypi.org/simple\"\n"
                      "[[package.wheels]]\n"
                      "url = \"a\"\n"
                      "[[package]]\n"
                      "name = \"sqlalchemy\"\n"
                      "version = \"2.0.30\"\n";
    TomlValue *t = parse(doc, &err);
    CHECK(t != NULL);
    if (!t)
        return;
    const TomlValue *pk = toml_get(t, "package");
    CHECK(pk && pk->type == TOML_ARRAY && pk->v.arr.n == 2);
    if (!pk || pk->v.arr.n != 2)
        return;
    CHECK_STR(str_at(pk->v.arr.items[0], "name"), "fastapi");
    CHECK_STR(str_at(pk->v.arr.items[0], "source.registry"), "https://pypi.org/simple");
    CHECK_STR(str_at(pk->v.arr.items[1], "version"), "2.0.30");
    CHECK_INT(pk->v.arr.items[1]->line, 13);
    const TomlValue *w = toml_get(pk->v.arr.items[0], "wheels");
    CHECK(w && w->type == TOML_ARRAY && w->v.arr.n == 1);
    const TomlValue *d = toml_get(pk->v.arr.items[0], "dependencies");
    CHECK(d && d->v.arr.n == 2 && d->v.arr.items[1]->type == TOML_TABLE);
    CHECK_STR(d ? str_at(d->v.arr.items[1], "name") : NULL, "pydantic");
}

static void test_strings(void)
{
    TomlError err;
    const char *doc = "a = \"tab\\there \\\"q\\\" back\\\\ nl\\n\"\n"
                      "b = \"\\u00e9\\U0001F600\"\n"
                      "c = 'C:\\path\\no escapes'\n"
                      "d = \"\"\"\n"
                      "line one\n"
                      "line two \\\n"
                      "     continued\"\"\"\n"
                      "e = '''\n"
                      "raw \\n text\n"
                      "'''\n"
                      "f = \"\"\"two quotes at the end\"\"\"\"\"\n"
                      "g = \"\"\n"
                      "h = \"\\u0000x\"\n"
                      "i = \"caf\xc3\xa9\"\n";
    TomlValue *t = parse(doc, &err);
    CHECK(t != NULL);
    if (!t) {
        fprintf(stderr, "  %d:%d %s\n", err.line, err.col, err.msg);
        return;
    }
    CHECK_STR(str_at(t, "a"), "tab\there \"q\" back\\ nl\n");
    CHECK_STR(str_at(t, "b"), "\xc3\xa9\xf0\x9f\x98\x80");
    CHECK_STR(str_at(t, "c"), "C:\\path\\no escapes");
    CHECK_STR(str_at(t, "d"), "line one\nline two continued");
    CHECK_STR(str_at(t, "e"), "raw \\n text\n");
    CHECK_STR(str_at(t, "f"), "two quotes at the end\"\"");
    CHECK_STR(str_at(t, "g"), "");
    const TomlValue *h = toml_get(t, "h");
    CHECK(h && h->v.str.len == 2 && h->v.str.s[0] == 0 && h->v.str.s[1] == 'x');
    CHECK_STR(str_at(t, "i"), "caf\xc3\xa9");
    CHECK_INT(toml_get(t, "i")->col, 5);
    /* CRLF line ends */
    t = parse("a = 1\r\nb = \"\"\"x\r\ny\"\"\"\r\n", &err);
    CHECK(t && int_at(t, "a") == 1);
    CHECK_STR(t ? str_at(t, "b") : NULL, "x\ny");
}

static void test_numbers_and_bools(void)
{
    TomlError err;
    const char *doc = "a = 42\nb = -17\nc = +3\nd = 1_000_000\ne = 0xDEAD_beef\n"
                      "f = 0o755\ng = 0b1101\nh = 0\ni = 9223372036854775807\n"
                      "j = -9223372036854775808\nk = 3.25\nl = -1e3\nm = 6.02E+23\n"
                      "n = inf\no = -inf\np = nan\nq = true\nr = false\ns = 1_0.5_0\n";
    TomlValue *t = parse(doc, &err);
    CHECK(t != NULL);
    if (!t) {
        fprintf(stderr, "  %d:%d %s\n", err.line, err.col, err.msg);
        return;
    }
    CHECK_INT(int_at(t, "a"), 42);
    CHECK_INT(int_at(t, "b"), -17);
    CHECK_INT(int_at(t, "c"), 3);
    CHECK_INT(int_at(t, "d"), 1000000);
    CHECK_INT(int_at(t, "e"), 0xDEADBEEF);
    CHECK_INT(int_at(t, "f"), 0755);
    CHECK_INT(int_at(t, "g"), 13);
    CHECK_INT(int_at(t, "h"), 0);
    CHECK(int_at(t, "i") == 9223372036854775807LL);
    CHECK(int_at(t, "j") == -9223372036854775807LL - 1);
    CHECK(toml_get(t, "k")->type == TOML_FLOAT && toml_get(t, "k")->v.f == 3.25);
    CHECK(toml_get(t, "l")->v.f == -1000.0);
    CHECK(toml_get(t, "m")->v.f > 6e23);
    CHECK(isinf(toml_get(t, "n")->v.f) && toml_get(t, "n")->v.f > 0);
    CHECK(isinf(toml_get(t, "o")->v.f) && toml_get(t, "o")->v.f < 0);
    CHECK(isnan(toml_get(t, "p")->v.f));
    CHECK(toml_get(t, "q")->type == TOML_BOOL && toml_get(t, "q")->v.b == 1);
    CHECK(toml_get(t, "r")->v.b == 0);
    CHECK(toml_get(t, "s")->v.f == 10.5);
    CHECK_STR(toml_type_name(TOML_ARRAY), "an array");
}

static void test_inline_tables(void)
{
    TomlError err;
    TomlValue *t = parse("fastapi = { version = \"^0.110\", extras = [\"all\"] }\n"
                         "p = { a.b = 1, a.c = 2 }\n"
                         "empty = {}\n"
                         "nested = { x = { y = [1, [2, 3]] } }\n",
                         &err);
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK_STR(str_at(t, "fastapi.version"), "^0.110");
    CHECK_INT(int_at(t, "p.a.c"), 2);
    CHECK(toml_get(t, "empty") && toml_get(t, "empty")->v.tab.n == 0);
    const TomlValue *y = at(t, "nested.x.y");
    CHECK(y && y->v.arr.n == 2 && y->v.arr.items[1]->v.arr.n == 2);
}

static void test_redefinitions(void)
{
    TomlError err;
    check_error("a = 1\na = 2\n", 2, 1, "duplicate key a");
    check_error("[a]\nx = 1\n[a]\n", 3, 1, "table [a] is defined twice");
    check_error("[a.b]\n[a]\nb.c = 1\n", 3, 1, "has its own [header]");
    check_error("a.b = 1\n[a]\n", 2, 1, "already defined by dotted keys");
    check_error("[[a]]\n[a]\n", 2, 1, "array of tables");
    check_error("a = [1]\n[[a]]\n", 2, 1, "not an array of tables");
    check_error("a = {x = 1}\n[a.b]\n", 2, 2, "inline table");
    check_error("a = {x = 1}\na.y = 2\n", 2, 1, "inline table");
    check_error("p = { a = {b = 1}, a.c = 2 }\n", 1, 20, "inline table");
    check_error("a = 1\n[a]\n", 2, 1, "already a value");
    check_error("a = 1\nb.c = 1\nb = 2\n", 3, 1, "duplicate key b");
    check_error("x = { a = 1, a = 2 }\n", 1, 14, "duplicate key a");
    /* what TOML allows */
    CHECK(parse("[a.b.c]\n[a]\nx = 1\n[a.b]\ny = 2\n", &err) != NULL);
    CHECK(parse("[fruit]\napple.color = \"red\"\n[fruit.apple.texture]\nsmooth = true\n", &err) !=
          NULL);
    CHECK(parse("[a.b.c]\nz = 1\n[a]\nb.d = 2\n", &err) != NULL);
    CHECK(parse("[[a]]\nb.c = 1\n[[a]]\nb.c = 2\n", &err) != NULL);
}

static void test_errors(void)
{
    check_error("a = 1979-05-27\n", 1, 5, "dates and times");
    check_error("t = 07:32:00\n", 1, 5, "dates and times");
    check_error("a = \"bad \\q\"\n", 1, 10, "unknown escape");
    check_error("a = \"\\uD800\"\n", 1, 6, "not a Unicode scalar value");
    check_error("a = \"\\u12\"\n", 1, 6, "hexadecimal digits");
    check_error("a = \"open\nb = 1\n", 1, 5, "not closed on its line");
    check_error("a = \"\"\"never closed\n", 1, 5, "not closed");
    check_error("a = '''x''''''\n", 1, 9, "too many quotes");
    check_error("a = 012\n", 1, 5, "leading zeros");
    check_error("a = 1__2\n", 1, 5, "not a valid value");
    check_error("a = 9223372036854775808\n", 1, 5, "64 bits");
    check_error("a = 0x\n", 1, 5, "not a valid value");
    check_error("a = 0xG1\n", 1, 5, "not a valid number");
    check_error("a = 1.\n", 1, 5, "not a valid value");
    check_error("a = \n", 1, 5, "expected a value");
    check_error("a\n", 1, 2, "expected `=`");
    check_error("= 1\n", 1, 1, "expected a key");
    check_error("a = 1 b = 2\n", 1, 7, "expected the end of the line");
    check_error("[a\nb = 1\n", 1, 3, "expected `]`");
    check_error("[[a]\n", 1, 4, "expected `]]`");
    check_error("a = [1, 2\n", 1, 5, "not closed");
    check_error("a = [1 2]\n", 1, 8, "expected `,` or `]`");
    check_error("a = {x = 1\n", 1, 5, "inline table is not closed");
    check_error("a = {x = 1 y = 2}\n", 1, 12, "expected `,` or `}`");
    check_error("a = truex\n", 1, 5, "found truex");
    check_error("a = \"\xff\"\n", 1, 6, "not valid UTF-8");
    check_error("a = \"x\x01y\"\n", 1, 7, "control character");
    check_error("# comment \x01\n", 1, 11, "control character");
    check_error("\"\"\"k\"\"\" = 1\n", 1, 1, "multi-line string cannot be a key");
    check_error("a = @\n", 1, 5, "expected a value");
    check_error("a = 1\rb = 2\n", 1, 6, "expected the end of the line");
    /* positions count characters, not bytes */
    check_error("\"\xc3\xa9\xc3\xa9\" = 1 x\n", 1, 10, "expected the end of the line");
    /* nesting is bounded */
    char deep[4 * TOML_MAX_DEPTH + 64];
    size_t n = 0;
    n += (size_t)snprintf(deep, sizeof deep, "a = ");
    for (int i = 0; i < TOML_MAX_DEPTH + 1; i++)
        deep[n++] = '[';
    deep[n] = 0;
    check_error(deep, 1, 5 + TOML_MAX_DEPTH, "nested more than");
}

/* ------------------------------------------------------------ robustness */

static unsigned long long rng = 88172645463325252ULL;

static unsigned next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}

static const char *const seeds[] = {
    "[project]\nname = \"x\"\ndependencies = [\"fastapi>=0.1\", 'a']\n[tool.poetry.dependencies]\n"
    "fastapi = { version = \"^0.110\", extras = [\"all\"] }\n",
    "[[package]]\nname = \"a\"\nversion = \"1.0\"\nwheels = [\n  { url = \"u\", size = 12 },\n]\n"
    "[[package]]\nname = \"b\"\n",
    "s = \"\"\"\nml \\\n  x \\u00e9\"\"\"\nl = '''\nlit'''\nn = [0x1F, 0o7, 0b1, 1_000, -2.5e-3, "
    "inf]\n",
    "a.b.\"c d\".e = true\n[x.y]\nz = {p = [[], [1], {}], q = false}\n# end\n",
};

/* A parse that fails must say where and why; one that succeeds gives a
 * table. */
static void check_any(const char *text, size_t n)
{
    TomlError err;
    char *copy = malloc(n ? n : 1); /* exactly n bytes: ASan sees any over-read */
    memcpy(copy, text, n);
    TomlValue *t = toml_parse(A, copy, n, &err);
    if (t)
        CHECK(t->type == TOML_TABLE);
    else
        CHECK(err.msg != NULL && err.line >= 1 && err.col >= 1);
    free(copy);
}

static void test_robustness(void)
{
    int before_failed = unit_failed;
    for (size_t s = 0; s < sizeof seeds / sizeof *seeds; s++) {
        size_t n = strlen(seeds[s]);
        for (size_t cut = 0; cut <= n; cut++) /* every truncation */
            check_any(seeds[s], cut);
        char *buf = malloc(n);
        for (int round = 0; round < 3000; round++) { /* mutations */
            memcpy(buf, seeds[s], n);
            int edits = 1 + (int)(next_rand() % 4);
            for (int k = 0; k < edits; k++) {
                static const char alphabet[] = "[]{}\"'=.,#\\\n\r\t _-+0x1eE:uU\xc3\xff\x00";
                buf[next_rand() % n] = alphabet[next_rand() % (sizeof alphabet - 1)];
            }
            check_any(buf, n);
        }
        free(buf);
    }
    char junk[512];
    for (int round = 0; round < 3000; round++) { /* random bytes */
        size_t n = next_rand() % sizeof junk;
        for (size_t i = 0; i < n; i++)
            junk[i] = (char)(next_rand() & 0xFF);
        check_any(junk, n);
        arena_reset(A);
    }
    /* long inputs stay linear: one line of 200,000 values */
    size_t n = 0, cap = 2000000;
    char *big = malloc(cap);
    n += (size_t)snprintf(big, cap, "a = [");
    for (int i = 0; i < 200000; i++)
        n += (size_t)snprintf(big + n, cap - n, "%d,", i);
    n += (size_t)snprintf(big + n, cap - n, "]\n");
    TomlError err;
    TomlValue *t = toml_parse(A, big, n, &err);
    CHECK(t && toml_get(t, "a") && toml_get(t, "a")->v.arr.n == 200000);
    free(big);
    CHECK_INT(unit_failed - before_failed, 0);
}

int main(void)
{
    A = arena_new();
    test_tables_and_keys();
    test_arrays_of_tables();
    test_strings();
    test_numbers_and_bools();
    test_inline_tables();
    test_redefinitions();
    test_errors();
    test_robustness();
    arena_free(A);
    return unit_report();
}
