/*
 * test_astdump.c - unit tests of the canonical AST dump (src/astdump.c).
 *
 * Trees are built by hand for small sources, and their dumps compared with
 * what tests/pyast_dump.py printed for the same source under CPython 3.11
 * (the source is the comment above each test).  Constants are checked one
 * by one against the script's canon().  Run by tests/unit.sh, or alone:
 *
 *   cc -std=c11 -D_POSIX_C_SOURCE=200809L -Isrc -Itests/unit \
 *      -o build/test_astdump tests/unit/test_astdump.c src/astdump.c \
 *      src/ast.c src/arena.c
 *
 * With --canon it is the C half of tests/unit/check_const_canon.py instead:
 * it reads "KIND<TAB>TEXT" lines (KIND i, f, c: TEXT is a literal as
 * written; s, b: TEXT is the value's UTF-8/bytes in hex) and prints the
 * canonical form of each on its own line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ast.h"
#include "unit.h"

/* --- tree builders -------------------------------------------------------- */

static Node *at(Node *n, int l, int c, int el, int ec)
{
    n->lineno = l;
    n->col_offset = c;
    ast_set_end(n, el, ec);
    return n;
}

static NodeList list(Arena *a, int n, ...)
{
    NodeList l = {arena_alloc(a, (n ? n : 1) * sizeof(Node *)), n};
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        l.items[i] = va_arg(ap, Node *);
    va_end(ap);
    return l;
}

static Node *name(Arena *a, const char *id, int ctx)
{
    Node *n = ast_new(a, NODE_Name);
    n->v.Name.id = id;
    ast_set_ctx(n, ctx);
    return n;
}

static Const cval(int kind, const char *s, size_t len)
{
    Const c = {.kind = (uint8_t)kind, .len = (uint32_t)len, .s = s};
    return c;
}

static Node *konst(Arena *a, int kind, const char *s, const char *ukind)
{
    Node *n = ast_new(a, NODE_Constant);
    n->v.Constant.value = cval(kind, s, s ? strlen(s) : 0);
    n->v.Constant.value.u = ukind != NULL;
    return n;
}

static Node *expr(Arena *a, Node *value, int l, int c, int el, int ec)
{
    Node *n = at(ast_new(a, NODE_Expr), l, c, el, ec);
    n->v.Expr.value = value;
    return n;
}

static Node *binop(Arena *a, Node *left, int op, Node *right)
{
    Node *n = ast_new(a, NODE_BinOp);
    n->v.BinOp.left = left;
    n->v.BinOp.op = (uint8_t)op;
    n->v.BinOp.right = right;
    return n;
}

static Node *module(Arena *a, NodeList body)
{
    Node *m = ast_new(a, NODE_Module);
    m->v.Module.body = body;
    return m;
}

/* --- comparison ----------------------------------------------------------- */

static void expect_dump(const char *test, const Node *m, const char *want)
{
    char *got = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&got, &len);
    ast_dump(f, m);
    fclose(f);
    if (strcmp(got, want) == 0) {
        unit_passed++;
    } else {
        size_t i = 0, line = 1;
        for (; got[i] && got[i] == want[i]; i++)
            line += got[i] == '\n';
        fprintf(stderr, "FAIL %s: first difference on line %zu\n--- got\n%s--- want\n%s",
                test, line, got, want);
        unit_failed++;
    }
    free(got);
}

static void expect_const(Const c, const char *want)
{
    char buf[256];
    size_t n = astdump_const(buf, sizeof buf, &c);
    if (n == strlen(want) && strcmp(buf, want) == 0) {
        unit_passed++;
    } else {
        fprintf(stderr, "FAIL const %.*s: got %s, want %s\n", (int)c.len, c.s ? c.s : "", buf,
                want);
        unit_failed++;
    }
}

/* --- the trees ------------------------------------------------------------ */

/* x = 0x1F + 1.5 - 2j
 * s = "a\"\\\n\t\x00\x7f\u00e9\ud800\U0001F600\x1b" + u"k"
 * b"\x00\xffab"
 * {**a, 'k': 1} */
static void test_constants(Arena *a)
{
    Node *sum = at(binop(a, at(konst(a, CONST_INT, "0x1F", NULL), 1, 4, 1, 8), OP_Add,
                         at(konst(a, CONST_FLOAT, "1.5", NULL), 1, 11, 1, 14)), 1, 4, 1, 14);
    Node *x = at(ast_new(a, NODE_Assign), 1, 0, 1, 19);
    x->v.Assign.targets = list(a, 1, at(name(a, "x", CTX_Store), 1, 0, 1, 1));
    Node *imag = at(konst(a, CONST_COMPLEX, "2j", NULL), 1, 17, 1, 19);
    x->v.Assign.value = at(binop(a, sum, OP_Sub, imag), 1, 4, 1, 19);

    static const char text[] = "a\"\\\n\t\0\x7f\xc3\xa9\xed\xa0\x80\xf0\x9f\x98\x80\x1b";
    Node *str = at(ast_new(a, NODE_Constant), 2, 4, 2, 49);
    str->v.Constant.value = cval(CONST_STR, text, sizeof text - 1);
    Node *s = at(ast_new(a, NODE_Assign), 2, 0, 2, 56);
    s->v.Assign.targets = list(a, 1, at(name(a, "s", CTX_Store), 2, 0, 2, 1));
    s->v.Assign.value = at(binop(a, str, OP_Add, at(konst(a, CONST_STR, "k", "u"), 2, 52, 2, 56)),
                           2, 4, 2, 56);

    Node *bytes = at(ast_new(a, NODE_Constant), 3, 0, 3, 13);
    bytes->v.Constant.value = cval(CONST_BYTES, "\0\xff" "ab", 4);

    Node *dict = at(ast_new(a, NODE_Dict), 4, 0, 4, 13);
    dict->v.Dict.keys = list(a, 2, NULL, at(konst(a, CONST_STR, "k", NULL), 4, 6, 4, 9));
    dict->v.Dict.values = list(a, 2, at(name(a, "a", CTX_Load), 4, 3, 4, 4),
                               at(konst(a, CONST_INT, "1", NULL), 4, 11, 4, 12));

    Node *m = module(a, list(a, 4, x, s, expr(a, bytes, 3, 0, 3, 13), expr(a, dict, 4, 0, 4, 13)));
    expect_dump("constants", m,
        "Module\n"
        "  body[0]: Assign @1:0-1:19 type_comment=None\n"
        "    targets[0]: Name @1:0-1:1 id=\"x\" ctx=Store\n"
        "    value: BinOp @1:4-1:19 op=Sub\n"
        "      left: BinOp @1:4-1:14 op=Add\n"
        "        left: Constant @1:4-1:8 value=int:0x1f kind=None\n"
        "        right: Constant @1:11-1:14 value=float:0x1.8p+0 kind=None\n"
        "      right: Constant @1:17-1:19 value=complex:0x1p+1 kind=None\n"
        "  body[1]: Assign @2:0-2:56 type_comment=None\n"
        "    targets[0]: Name @2:0-2:1 id=\"s\" ctx=Store\n"
        "    value: BinOp @2:4-2:56 op=Add\n"
        "      left: Constant @2:4-2:49 value=str:\"a\\\"\\\\\\n\\t\\u0000\\u007f\\u00e9\\ud800"
        "\\ud83d\\ude00\\u001b\" kind=None\n"
        "      right: Constant @2:52-2:56 value=str:\"k\" kind=\"u\"\n"
        "  body[2]: Expr @3:0-3:13\n"
        "    value: Constant @3:0-3:13 value=bytes:00ff6162 kind=None\n"
        "  body[3]: Expr @4:0-4:13\n"
        "    value: Dict @4:0-4:13\n"
        "      keys[0]: None\n"
        "      keys[1]: Constant @4:6-4:9 value=str:\"k\" kind=None\n"
        "      values[0]: Name @4:3-4:4 id=\"a\" ctx=Load\n"
        "      values[1]: Constant @4:11-4:12 value=int:0x1 kind=None\n"
        "  type_ignores: []\n");
}

static Node *arg(Arena *a, const char *id, int l, int c, int el, int ec)
{
    Node *n = at(ast_new(a, NODE_arg), l, c, el, ec);
    n->v.arg.arg = id;
    return n;
}

/* def f(a, *, b, c=1): pass
 * global a, b
 * a < b == c
 * from . import a as b */
static void test_statements(Arena *a)
{
    Node *args = ast_new(a, NODE_arguments);
    args->v.arguments.args = list(a, 1, arg(a, "a", 1, 6, 1, 7));
    args->v.arguments.kwonlyargs = list(a, 2, arg(a, "b", 1, 12, 1, 13), arg(a, "c", 1, 15, 1, 16));
    Node *one = at(konst(a, CONST_INT, "1", NULL), 1, 17, 1, 18);
    args->v.arguments.kw_defaults = list(a, 2, NULL, one);
    Node *f = at(ast_new(a, NODE_FunctionDef), 1, 0, 1, 25);
    f->v.FunctionDef.name = "f";
    f->v.FunctionDef.args = args;
    f->v.FunctionDef.body = list(a, 1, at(ast_new(a, NODE_Pass), 1, 21, 1, 25));

    static const char *names[] = {"a", "b"};
    Node *g = at(ast_new(a, NODE_Global), 2, 0, 2, 11);
    g->v.Global.names.items = names;
    g->v.Global.names.n = 2;

    static uint8_t ops[] = {CMP_Lt, CMP_Eq};
    Node *cmp = at(ast_new(a, NODE_Compare), 3, 0, 3, 10);
    cmp->v.Compare.left = at(name(a, "a", CTX_Load), 3, 0, 3, 1);
    cmp->v.Compare.ops.items = ops;
    cmp->v.Compare.ops.n = 2;
    cmp->v.Compare.comparators = list(a, 2, at(name(a, "b", CTX_Load), 3, 4, 3, 5),
                                      at(name(a, "c", CTX_Load), 3, 9, 3, 10));

    Node *alias = at(ast_new(a, NODE_alias), 4, 14, 4, 20);
    alias->v.alias.name = "a";
    alias->v.alias.asname = "b";
    Node *imp = at(ast_new(a, NODE_ImportFrom), 4, 0, 4, 20);
    imp->v.ImportFrom.names = list(a, 1, alias);
    imp->v.ImportFrom.level = 1;

    Node *m = module(a, list(a, 4, f, g, expr(a, cmp, 3, 0, 3, 10), imp));
    expect_dump("statements", m,
        "Module\n"
        "  body[0]: FunctionDef @1:0-1:25 name=\"f\" type_comment=None\n"
        "    args: arguments\n"
        "      posonlyargs: []\n"
        "      args[0]: arg @1:6-1:7 arg=\"a\" type_comment=None\n"
        "        annotation: None\n"
        "      vararg: None\n"
        "      kwonlyargs[0]: arg @1:12-1:13 arg=\"b\" type_comment=None\n"
        "        annotation: None\n"
        "      kwonlyargs[1]: arg @1:15-1:16 arg=\"c\" type_comment=None\n"
        "        annotation: None\n"
        "      kw_defaults[0]: None\n"
        "      kw_defaults[1]: Constant @1:17-1:18 value=int:0x1 kind=None\n"
        "      kwarg: None\n"
        "      defaults: []\n"
        "    body[0]: Pass @1:21-1:25\n"
        "    decorator_list: []\n"
        "    returns: None\n"
        "  body[1]: Global @2:0-2:11 names=[\"a\",\"b\"]\n"
        "  body[2]: Expr @3:0-3:10\n"
        "    value: Compare @3:0-3:10 ops=[Lt,Eq]\n"
        "      left: Name @3:0-3:1 id=\"a\" ctx=Load\n"
        "      comparators[0]: Name @3:4-3:5 id=\"b\" ctx=Load\n"
        "      comparators[1]: Name @3:9-3:10 id=\"c\" ctx=Load\n"
        "  body[3]: ImportFrom @4:0-4:20 module=None level=1\n"
        "    names[0]: alias @4:14-4:20 name=\"a\" asname=\"b\"\n"
        "  type_ignores: []\n");
}

/* x[1:]
 * lambda: 0
 * [y for y in z if y] */
static void test_expressions(Arena *a)
{
    Node *slice = at(ast_new(a, NODE_Slice), 1, 2, 1, 4);
    slice->v.Slice.lower = at(konst(a, CONST_INT, "1", NULL), 1, 2, 1, 3);
    Node *sub = at(ast_new(a, NODE_Subscript), 1, 0, 1, 5);
    sub->v.Subscript.value = at(name(a, "x", CTX_Load), 1, 0, 1, 1);
    sub->v.Subscript.slice = slice;

    Node *lam = at(ast_new(a, NODE_Lambda), 2, 0, 2, 9);
    lam->v.Lambda.args = ast_new(a, NODE_arguments);
    lam->v.Lambda.body = at(konst(a, CONST_INT, "0", NULL), 2, 8, 2, 9);

    Node *gen = ast_new(a, NODE_comprehension);
    gen->v.comprehension.target = at(name(a, "y", CTX_Store), 3, 7, 3, 8);
    gen->v.comprehension.iter = at(name(a, "z", CTX_Load), 3, 12, 3, 13);
    gen->v.comprehension.ifs = list(a, 1, at(name(a, "y", CTX_Load), 3, 17, 3, 18));
    Node *comp = at(ast_new(a, NODE_ListComp), 3, 0, 3, 19);
    comp->v.ListComp.elt = at(name(a, "y", CTX_Load), 3, 1, 3, 2);
    comp->v.ListComp.generators = list(a, 1, gen);

    Node *m = module(a, list(a, 3, expr(a, sub, 1, 0, 1, 5), expr(a, lam, 2, 0, 2, 9),
                             expr(a, comp, 3, 0, 3, 19)));
    expect_dump("expressions", m,
        "Module\n"
        "  body[0]: Expr @1:0-1:5\n"
        "    value: Subscript @1:0-1:5 ctx=Load\n"
        "      value: Name @1:0-1:1 id=\"x\" ctx=Load\n"
        "      slice: Slice @1:2-1:4\n"
        "        lower: Constant @1:2-1:3 value=int:0x1 kind=None\n"
        "        upper: None\n"
        "        step: None\n"
        "  body[1]: Expr @2:0-2:9\n"
        "    value: Lambda @2:0-2:9\n"
        "      args: arguments\n"
        "        posonlyargs: []\n"
        "        args: []\n"
        "        vararg: None\n"
        "        kwonlyargs: []\n"
        "        kw_defaults: []\n"
        "        kwarg: None\n"
        "        defaults: []\n"
        "      body: Constant @2:8-2:9 value=int:0x0 kind=None\n"
        "  body[2]: Expr @3:0-3:19\n"
        "    value: ListComp @3:0-3:19\n"
        "      elt: Name @3:1-3:2 id=\"y\" ctx=Load\n"
        "      generators[0]: comprehension is_async=0\n"
        "        target: Name @3:7-3:8 id=\"y\" ctx=Store\n"
        "        iter: Name @3:12-3:13 id=\"z\" ctx=Load\n"
        "        ifs[0]: Name @3:17-3:18 id=\"y\" ctx=Load\n"
        "  type_ignores: []\n");
}

static Node *pass_body_case(Arena *a, Node *pattern, int line)
{
    Node *c = ast_new(a, NODE_match_case);
    c->v.match_case.pattern = pattern;
    c->v.match_case.body = list(a, 1, at(ast_new(a, NODE_Pass), line, 8, line, 12));
    return c;
}

/* match x:
 *     case C():
 *         pass
 *     case None | {**r} | C(a=1):
 *         pass */
static void test_match(Arena *a)
{
    Node *c1 = at(ast_new(a, NODE_MatchClass), 2, 9, 2, 12);
    c1->v.MatchClass.cls = at(name(a, "C", CTX_Load), 2, 9, 2, 10);

    Node *single = at(ast_new(a, NODE_MatchSingleton), 4, 9, 4, 13);
    single->v.MatchSingleton.value = cval(CONST_NONE, NULL, 0);
    Node *map = at(ast_new(a, NODE_MatchMapping), 4, 16, 4, 21);
    map->v.MatchMapping.rest = "r";
    static const char *kwd[] = {"a"};
    Node *value = at(ast_new(a, NODE_MatchValue), 4, 28, 4, 29);
    value->v.MatchValue.value = at(konst(a, CONST_INT, "1", NULL), 4, 28, 4, 29);
    Node *c2 = at(ast_new(a, NODE_MatchClass), 4, 24, 4, 30);
    c2->v.MatchClass.cls = at(name(a, "C", CTX_Load), 4, 24, 4, 25);
    c2->v.MatchClass.kwd_attrs.items = kwd;
    c2->v.MatchClass.kwd_attrs.n = 1;
    c2->v.MatchClass.kwd_patterns = list(a, 1, value);
    Node *or = at(ast_new(a, NODE_MatchOr), 4, 9, 4, 30);
    or->v.MatchOr.patterns = list(a, 3, single, map, c2);

    Node *match = at(ast_new(a, NODE_Match), 1, 0, 5, 12);
    match->v.Match.subject = at(name(a, "x", CTX_Load), 1, 6, 1, 7);
    match->v.Match.cases = list(a, 2, pass_body_case(a, c1, 3), pass_body_case(a, or, 5));
    expect_dump("match", module(a, list(a, 1, match)),
        "Module\n"
        "  body[0]: Match @1:0-5:12\n"
        "    subject: Name @1:6-1:7 id=\"x\" ctx=Load\n"
        "    cases[0]: match_case\n"
        "      pattern: MatchClass @2:9-2:12\n"
        "        cls: Name @2:9-2:10 id=\"C\" ctx=Load\n"
        "        patterns: []\n"
        "        kwd_attrs: []\n"
        "        kwd_patterns: []\n"
        "      guard: None\n"
        "      body[0]: Pass @3:8-3:12\n"
        "    cases[1]: match_case\n"
        "      pattern: MatchOr @4:9-4:30\n"
        "        patterns[0]: MatchSingleton @4:9-4:13 value=None\n"
        "        patterns[1]: MatchMapping @4:16-4:21 rest=\"r\"\n"
        "          keys: []\n"
        "          patterns: []\n"
        "        patterns[2]: MatchClass @4:24-4:30 kwd_attrs=[\"a\"]\n"
        "          cls: Name @4:24-4:25 id=\"C\" ctx=Load\n"
        "          patterns: []\n"
        "          kwd_patterns[0]: MatchValue @4:28-4:29\n"
        "            value: Constant @4:28-4:29 value=int:0x1 kind=None\n"
        "      guard: None\n"
        "      body[0]: Pass @5:8-5:12\n"
        "  type_ignores: []\n");
}

static Node *fvalue(Arena *a, Node *value, int conversion, Node *spec)
{
    Node *n = at(ast_new(a, NODE_FormattedValue), 9, 9, 9, 9); /* dumped as @? */
    n->v.FormattedValue.value = value;
    n->v.FormattedValue.conversion = conversion;
    n->v.FormattedValue.format_spec = spec;
    return n;
}

/* f"a{x!r:>{w}}b" */
static void test_fstring(Arena *a)
{
    Node *spec = at(ast_new(a, NODE_JoinedStr), 9, 9, 9, 9);
    spec->v.JoinedStr.values = list(a, 2, konst(a, CONST_STR, ">", NULL),
                                    fvalue(a, at(name(a, "w", CTX_Load), 1, 10, 1, 11), -1, NULL));
    Node *js = at(ast_new(a, NODE_JoinedStr), 1, 0, 1, 15);
    js->v.JoinedStr.values = list(a, 3, konst(a, CONST_STR, "a", NULL),
                                  fvalue(a, at(name(a, "x", CTX_Load), 1, 4, 1, 5), 'r', spec),
                                  konst(a, CONST_STR, "b", NULL));
    expect_dump("fstring", module(a, list(a, 1, expr(a, js, 1, 0, 1, 15))),
        "Module\n"
        "  body[0]: Expr @1:0-1:15\n"
        "    value: JoinedStr @1:0-1:15\n"
        "      values[0]: Constant @? value=str:\"a\" kind=None\n"
        "      values[1]: FormattedValue @? conversion=114\n"
        "        value: Name @1:4-1:5 id=\"x\" ctx=Load\n"
        "        format_spec: JoinedStr @?\n"
        "          values[0]: Constant @? value=str:\">\" kind=None\n"
        "          values[1]: FormattedValue @? conversion=-1\n"
        "            value: Name @1:10-1:11 id=\"w\" ctx=Load\n"
        "            format_spec: None\n"
        "      values[2]: Constant @? value=str:\"b\" kind=None\n"
        "  type_ignores: []\n");
}

/* A left-nested 1 + 1 + ... (the dump is quadratic in depth: indentation). */
static void test_deep(Arena *a)
{
    enum { TERMS = 3000 };
    Node *e = konst(a, CONST_INT, "1", NULL);
    for (int i = 1; i < TERMS; i++)
        e = binop(a, e, OP_Add, konst(a, CONST_INT, "1", NULL));
    char *got = NULL;
    size_t len = 0, lines = 0;
    FILE *f = open_memstream(&got, &len);
    ast_dump(f, module(a, list(a, 1, expr(a, e, 1, 0, 1, 1))));
    fclose(f);
    for (size_t i = 0; i < len; i++)
        lines += got[i] == '\n';
    /* Module, Expr, 2*TERMS-1 operands and sums, type_ignores */
    if (lines == 2 * (size_t)TERMS + 2) {
        unit_passed++;
    } else {
        fprintf(stderr, "FAIL deep: %zu lines\n", lines);
        unit_failed++;
    }
    free(got);
}

/* Expected values printed by the script's canon() under CPython 3.11. */
static void test_const_forms(void)
{
    static const struct {
        int kind;
        const char *text, *want;
    } cases[] = {
        {CONST_INT, "0", "int:0x0"},
        {CONST_INT, "00", "int:0x0"},
        {CONST_INT, "0_0", "int:0x0"},
        {CONST_INT, "0x_FF", "int:0xff"},
        {CONST_INT, "0X00aB", "int:0xab"},
        {CONST_INT, "0x0", "int:0x0"},
        {CONST_INT, "1_000", "int:0x3e8"},
        {CONST_INT, "0o17", "int:0xf"},
        {CONST_INT, "0O_7_7", "int:0x3f"},
        {CONST_INT, "0b101", "int:0x5"},
        {CONST_INT, "0B_0", "int:0x0"},
        {CONST_INT, "4294967295", "int:0xffffffff"},
        {CONST_INT, "4294967296", "int:0x100000000"},
        {CONST_INT, "18446744073709551616", "int:0x10000000000000000"},
        {CONST_INT, "123456789012345678901234567890123456789012345678901234567890",
         "int:0x13aaf504e4bc1e62173f87a4378c37b49c8ccff196ce3f0ad2"},
        {CONST_INT, "0o777777777777777777777777", "int:0xffffffffffffffffff"},
        {CONST_INT, "0b1000000000000000000000000000000000000000000000000000000000000000001",
         "int:0x40000000000000001"},
        {CONST_FLOAT, "1.0", "float:0x1p+0"},
        {CONST_FLOAT, "0.5", "float:0x1p-1"},
        {CONST_FLOAT, ".5", "float:0x1p-1"},
        {CONST_FLOAT, "0.1", "float:0x1.999999999999ap-4"},
        {CONST_FLOAT, "0.0", "float:0x0p+0"},
        {CONST_FLOAT, "0e0", "float:0x0p+0"},
        {CONST_FLOAT, "1e400", "float:inf"},
        {CONST_FLOAT, "1e-400", "float:0x0p+0"},
        {CONST_FLOAT, "5e-324", "float:0x0.0000000000001p-1022"},
        {CONST_FLOAT, "1.1125369292536007e-308", "float:0x0.8p-1022"},
        {CONST_FLOAT, "2.2250738585072014e-308", "float:0x1p-1022"},
        {CONST_FLOAT, "1.7976931348623157e308", "float:0x1.fffffffffffffp+1023"},
        {CONST_FLOAT, "1_000.000_1", "float:0x1.f4000346dc5d6p+9"},
        {CONST_FLOAT, "1E-3", "float:0x1.0624dd2f1a9fcp-10"},
        {CONST_FLOAT, "5.", "float:0x1.4p+2"},
        {CONST_FLOAT, "123.456", "float:0x1.edd2f1a9fbe77p+6"},
        {CONST_COMPLEX, "10j", "complex:0x1.4p+3"},
        {CONST_COMPLEX, "1.5J", "complex:0x1.8p+0"},
        {CONST_COMPLEX, "0j", "complex:0x0p+0"},
        {CONST_COMPLEX, "1_0e1_0j", "complex:0x1.74876e8p+36"},
        {CONST_STR, "", "str:\"\""},
        {CONST_STR, "\x7e\x7f\x80", "str:\"~\\u007f\\u0080\""},
        {CONST_STR, "\xe2\x82\xac\xef\xbf\xbf\xf4\x8f\xbf\xbf",
         "str:\"\\u20ac\\uffff\\udbff\\udfff\""},
        {CONST_STR, "\xed\xbf\xbf/\x08\x0c\x01", "str:\"\\udfff/\\b\\f\\u0001\""},
        {CONST_BYTES, "", "bytes:"},
        {CONST_BYTES, "\x01\x7f\x80", "bytes:017f80"},
        {CONST_NONE, NULL, "None"},
        {CONST_TRUE, NULL, "True"},
        {CONST_FALSE, NULL, "False"},
        {CONST_ELLIPSIS, NULL, "..."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        expect_const(cval(cases[i].kind, cases[i].text, cases[i].text ? strlen(cases[i].text) : 0),
                     cases[i].want);

    /* The length comes back even when the buffer is too small. */
    char tiny[4];
    Const c = cval(CONST_INT, "255", 3);
    size_t n = astdump_const(tiny, sizeof tiny, &c);
    if (n == 8 && strcmp(tiny, "int") == 0) {
        unit_passed++;
    } else {
        fprintf(stderr, "FAIL truncation: %zu %s\n", n, tiny);
        unit_failed++;
    }
}

/* --- --canon: one constant per input line --------------------------------- */

static int unhex(int c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

static int canon_lines(void)
{
    char *line = NULL, *out = NULL;
    size_t cap = 0, outcap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) > 0) {
        if (line[len - 1] == '\n')
            line[--len] = 0;
        if (len < 2 || line[1] != '\t')
            return 1;
        char *text = line + 2;
        size_t n = (size_t)len - 2;
        int kind = line[0] == 'i' ? CONST_INT : line[0] == 'f' ? CONST_FLOAT
                 : line[0] == 'c' ? CONST_COMPLEX : line[0] == 's' ? CONST_STR : CONST_BYTES;
        if (kind == CONST_STR || kind == CONST_BYTES) { /* decode the hex in place */
            for (size_t i = 0; i < n / 2; i++)
                text[i] = (char)(unhex(text[2 * i]) << 4 | unhex(text[2 * i + 1]));
            n /= 2;
            text[n] = 0;
        }
        Const c = cval(kind, text, n);
        size_t want = astdump_const(out, outcap, &c) + 1;
        if (want > outcap) {
            out = realloc(out, outcap = want);
            astdump_const(out, outcap, &c);
        }
        puts(out);
    }
    free(line);
    free(out);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--canon") == 0)
        return canon_lines();
    Arena *a = arena_new();
    test_constants(a);
    test_statements(a);
    test_expressions(a);
    test_match(a);
    test_fstring(a);
    test_deep(a);
    test_const_forms();
    arena_free(a);
    return unit_report();
}
