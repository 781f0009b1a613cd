/*
 * test_lex.c - source.c and lex.c: decoding (BOM, PEP 263, line ends),
 * the line table, token kinds and positions, f-strings, and the errors
 * CPython reports (message, line, column), checked against what
 * python3 -m tokenize and ast.parse say for the same text.
 * Build: cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Isrc \
 *        tests/unit/test_lex.c src/lex.c src/source.c src/arena.c src/uni.c \
 *        -o build/test_lex
 * Run alone for the built-in cases; files named on the command line are
 * also tokenized and must give no ERRORTOKEN, with every token's line and
 * column agreeing with its byte offset.  Ends with "N passed, N failed"
 * (unit.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "source.h"
#include "unit.h"

/* CHECK with a message that shows what was got and wanted. */
static void ok(int cond, const char *what)
{
    if (cond) {
        unit_passed++;
        return;
    }
    unit_failed++;
    if (unit_failed <= 60)
        fprintf(stderr, "FAIL: %s\n", what);
}

/* Tokenizes text (n bytes, or strlen) into a fresh arena's Lexed. */
static Arena *lex_text(const char *text, size_t n, Source *s, Lexed *lx)
{
    Arena *a = arena_new();
    SourceError e;
    if (source_from_bytes(a, "t.py", text, n, s, &e) != SRC_OK) {
        fprintf(stderr, "FAIL: decode of %s: %s\n", text, e.msg);
        unit_failed++;
    }
    lex_source(a, s, lx);
    return a;
}

/* The kinds of the tokens as one string: "NAME EQUAL NUMBER NEWLINE ENDMARKER". */
static void kinds(const Lexed *lx, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (int i = 0; i < lx->ntoks && n + 20 < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? " " : "",
                              lex_kind_name(lx->toks[i].kind));
}

static void check_kinds(const char *text, const char *want)
{
    Source s;
    Lexed lx;
    char got[4096], what[4600];
    Arena *a = lex_text(text, strlen(text), &s, &lx);
    kinds(&lx, got, sizeof got);
    snprintf(what, sizeof what, "kinds of %.60s:\n  got  %s\n  want %s", text, got, want);
    ok(!strcmp(got, want), what);
    arena_free(a);
}

/* Token i of text: its kind, start and end, and its text. */
static void check_tok(const char *text, int i, const char *kind, int line, int col,
                      int eline, int ecol, const char *spelling)
{
    Source s;
    Lexed lx;
    char what[400];
    Arena *a = lex_text(text, strlen(text), &s, &lx);
    if (i >= lx.ntoks) {
        snprintf(what, sizeof what, "%.40s: no token %d", text, i);
        ok(0, what);
        arena_free(a);
        return;
    }
    const Token *t = &lx.toks[i];
    int tcol = lex_col(&s, t), tel, tec;
    lex_end(&s, t, &tel, &tec);
    snprintf(what, sizeof what,
             "%.40s token %d: got %s %d,%d-%d,%d '%.*s', want %s %d,%d-%d,%d '%s'", text, i,
             lex_kind_name(t->kind), t->line, tcol, tel, tec, (int)t->len,
             s.text + t->off, kind, line, col, eline, ecol, spelling);
    ok(!strcmp(lex_kind_name(t->kind), kind) && t->line == line && tcol == col &&
           tel == eline && tec == ecol && t->len == strlen(spelling) &&
           !memcmp(s.text + t->off, spelling, t->len),
       what);
    arena_free(a);
}

/* The first ERRORTOKEN: its message, line and 1-based character column
 * (CPython's SyntaxError offset). */
static void check_error(const char *text, const char *msg, int line, int offset)
{
    Source s;
    Lexed lx;
    char what[600];
    Arena *a = lex_text(text, strlen(text), &s, &lx);
    const Token *t = NULL;
    for (int i = 0; i < lx.ntoks && !t; i++)
        if (lx.toks[i].kind == TOK_ERRORTOKEN)
            t = &lx.toks[i];
    if (!t) {
        snprintf(what, sizeof what, "%.50s: no error, want \"%s\"", text, msg);
        ok(0, what);
    } else {
        int off = source_column(&s, t->line, lex_col(&s, t));
        const char *got = lex_error_message(&lx, t);
        snprintf(what, sizeof what, "%.50s: got \"%s\" %d:%d, want \"%s\" %d:%d", text,
                 got ? got : "(none)", t->line, off, msg, line, offset);
        ok(got && !strcmp(got, msg) && t->line == line && off == offset, what);
    }
    arena_free(a);
}

static void check_no_error(const char *text)
{
    Source s;
    Lexed lx;
    char what[300];
    Arena *a = lex_text(text, strlen(text), &s, &lx);
    for (int i = 0; i < lx.ntoks; i++)
        if (lx.toks[i].kind == TOK_ERRORTOKEN) {
            snprintf(what, sizeof what, "%.50s: unexpected error \"%s\"", text, lex_error_message(&lx, &lx.toks[i]));
            ok(0, what);
            arena_free(a);
            return;
        }
    ok(1, text);
    arena_free(a);
}

static void test_tokens(void)
{
    check_kinds("x = 1\n", "NAME EQUAL NUMBER NEWLINE ENDMARKER");
    check_kinds("x = 1", "NAME EQUAL NUMBER NEWLINE ENDMARKER");
    check_kinds("", "ENDMARKER");
    check_kinds("# only a comment", "ENDMARKER");
    check_kinds("\n\n  # c\n\n", "ENDMARKER");
    check_kinds("if x:\n    pass\n", "if NAME COLON NEWLINE INDENT pass NEWLINE DEDENT ENDMARKER");
    check_kinds("if x:\n    pass", "if NAME COLON NEWLINE INDENT pass NEWLINE DEDENT ENDMARKER");
    check_kinds("if x:\n  if y:\n    a\n  # c\nb\n",
                "if NAME COLON NEWLINE INDENT if NAME COLON NEWLINE INDENT NAME NEWLINE "
                "DEDENT DEDENT NAME NEWLINE ENDMARKER");
    check_kinds("if x:\n    y\n   ", "if NAME COLON NEWLINE INDENT NAME NEWLINE DEDENT ENDMARKER");
    check_kinds("x\n        ", "NAME NEWLINE ENDMARKER");
    check_kinds("if x:\n\tpass\n", "if NAME COLON NEWLINE INDENT pass NEWLINE DEDENT ENDMARKER");
    check_kinds("x = (1,\n  2)\n", "NAME EQUAL LPAR NUMBER COMMA NUMBER RPAR NEWLINE ENDMARKER");
    check_kinds("x = 1 + \\\n  2\n", "NAME EQUAL NUMBER PLUS NUMBER NEWLINE ENDMARKER");
    check_kinds("match x:\n case _: type = 1\n",
                "NAME NAME COLON NEWLINE INDENT NAME NAME COLON NAME EQUAL NUMBER NEWLINE "
                "DEDENT ENDMARKER");
    check_kinds("a->b:=c**=d//=e>>=f<<=g...h!=i",
                "NAME RARROW NAME COLONEQUAL NAME DOUBLESTAREQUAL NAME DOUBLESLASHEQUAL NAME "
                "RIGHTSHIFTEQUAL NAME LEFTSHIFTEQUAL NAME ELLIPSIS NAME NOTEQUAL NAME NEWLINE "
                "ENDMARKER");
    check_kinds("@a @= b | c |= d & e ^ f ~ g % h",
                "AT NAME ATEQUAL NAME VBAR NAME VBAREQUAL NAME AMPER NAME CIRCUMFLEX NAME "
                "TILDE NAME PERCENT NAME NEWLINE ENDMARKER");
    check_kinds("False None True and as assert async await break class continue def del",
                "False None True and as assert async await break class continue def del "
                "NEWLINE ENDMARKER");
    check_kinds("elif else except finally for from global if import in is lambda nonlocal",
                "elif else except finally for from global if import in is lambda nonlocal "
                "NEWLINE ENDMARKER");
    check_kinds("not or pass raise return try while with yield iff Nonex",
                "not or pass raise return try while with yield NAME NAME NEWLINE ENDMARKER");
    /* numbers */
    check_kinds("1 1.5 .5 1. 1e10 1E-3 1_000.000_1e+1_0 0x_fF 0o17 0b1_0 0 00 0_0 1j 1.5J 0j 07.5",
                "NUMBER NUMBER NUMBER NUMBER NUMBER NUMBER NUMBER NUMBER NUMBER NUMBER NUMBER "
                "NUMBER NUMBER NUMBER NUMBER NUMBER NUMBER NEWLINE ENDMARKER");
    check_kinds("1if 1else 0", "NUMBER if NUMBER else NUMBER NEWLINE ENDMARKER");
    check_kinds("0x1for x in y", "NUMBER or NAME in NAME NEWLINE ENDMARKER"); /* 0x1f or */
    check_kinds("[0o1for x in y]", "LSQB NUMBER for NAME in NAME RSQB NEWLINE ENDMARKER");
    check_kinds("1or 2", "NUMBER or NUMBER NEWLINE ENDMARKER");
    check_kinds("1.e5", "NUMBER NEWLINE ENDMARKER");
    /* strings */
    check_kinds("'a' \"b\" '''c\n''' \"\"\"d\"\"\" b'e' rb'f' BR\"g\" u'h' R'i' ''",
                "STRING STRING STRING STRING STRING STRING STRING STRING STRING STRING "
                "NEWLINE ENDMARKER");
    check_kinds("'a\\\nb'", "STRING NEWLINE ENDMARKER");
    check_kinds("'\\''", "STRING NEWLINE ENDMARKER");
    check_kinds("'''a''''", "STRING ERRORTOKEN NEWLINE ENDMARKER");
    /* names */
    check_kinds("\xc3\xa9t\xc3\xa9 = \xe5\x90\x8d", "NAME EQUAL NAME NEWLINE ENDMARKER");
    check_kinds("bar rb br fr", "NAME NAME NAME NAME NEWLINE ENDMARKER");
}

static void test_positions(void)
{
    check_tok("x = 1\n", 2, "NUMBER", 1, 4, 1, 5, "1");
    check_tok("x = 1\n", 3, "NEWLINE", 1, 5, 1, 6, "\n");
    check_tok("x = 1", 3, "NEWLINE", 1, 5, 1, 6, "");
    check_tok("x = 1", 4, "ENDMARKER", 2, 0, 2, 0, "");
    check_tok("if x:\n    y\n", 4, "INDENT", 2, 0, 2, 4, "    ");
    check_tok("if x:\n    y\nz\n", 7, "DEDENT", 3, 0, 3, 0, "");
    check_tok("x = '''a\nbc''' + 1", 2, "STRING", 1, 4, 2, 5, "'''a\nbc'''");
    check_tok("x = '''a\nbc''' + 1", 3, "PLUS", 2, 6, 2, 7, "+");
    check_tok("x = (1 +\n  2)", 5, "NUMBER", 2, 2, 2, 3, "2");
    check_tok("x \\\n  = 2", 1, "EQUAL", 2, 2, 2, 3, "=");
    check_tok("\xc3\xa9 = '\xe2\x82\xac'", 2, "STRING", 1, 5, 1, 10, "'\xe2\x82\xac'");
    check_tok("a\r\nb", 2, "NAME", 2, 0, 2, 1, "b");
    check_tok("a\rb\r", 2, "NAME", 2, 0, 2, 1, "b");
    check_tok("\xef\xbb\xbfx = 1", 0, "NAME", 1, 0, 1, 1, "x");
    check_tok("  \fx = 1", 0, "NAME", 1, 3, 1, 4, "x");
    check_tok("\f  x = 1", 0, "INDENT", 1, 0, 1, 3, "\f  ");
}

static void test_fstrings(void)
{
    check_kinds("f'a{b}c'", "FSTRING_START FSTRING_MIDDLE LBRACE NAME RBRACE FSTRING_MIDDLE "
                            "FSTRING_END NEWLINE ENDMARKER");
    check_kinds("f''", "FSTRING_START FSTRING_END NEWLINE ENDMARKER");
    check_kinds("f'{x!r:>{w}.{p}f}'",
                "FSTRING_START LBRACE NAME EXCLAMATION NAME COLON FSTRING_MIDDLE LBRACE NAME "
                "RBRACE FSTRING_MIDDLE LBRACE NAME RBRACE FSTRING_MIDDLE RBRACE FSTRING_END "
                "NEWLINE ENDMARKER");
    check_kinds("f'{x=}'", "FSTRING_START LBRACE NAME EQUAL RBRACE FSTRING_END NEWLINE ENDMARKER");
    check_kinds("f'{x!=y}'",
                "FSTRING_START LBRACE NAME NOTEQUAL NAME RBRACE FSTRING_END NEWLINE ENDMARKER");
    check_kinds("f'{x:=10}'", "FSTRING_START LBRACE NAME COLON FSTRING_MIDDLE RBRACE "
                              "FSTRING_END NEWLINE ENDMARKER");
    check_kinds("f'{(x:=10)}'", "FSTRING_START LBRACE LPAR NAME COLONEQUAL NUMBER RPAR RBRACE "
                                "FSTRING_END NEWLINE ENDMARKER");
    check_kinds("f'{a[1:2]}'", "FSTRING_START LBRACE NAME LSQB NUMBER COLON NUMBER RSQB "
                               "RBRACE FSTRING_END NEWLINE ENDMARKER");
    check_kinds("f\"{\"a\" f\"{'b'}\"}\"",
                "FSTRING_START LBRACE STRING FSTRING_START LBRACE STRING RBRACE FSTRING_END "
                "RBRACE FSTRING_END NEWLINE ENDMARKER");
    check_kinds("f'{{}}{{x}}'", "FSTRING_START FSTRING_MIDDLE FSTRING_END NEWLINE ENDMARKER");
    check_kinds("f'''a\n{\nx\n}\nb'''",
                "FSTRING_START FSTRING_MIDDLE LBRACE NAME RBRACE FSTRING_MIDDLE FSTRING_END "
                "NEWLINE ENDMARKER");
    check_kinds("t'a{b}' Rt'x' tR'y'",
                "TSTRING_START TSTRING_MIDDLE LBRACE NAME RBRACE TSTRING_END TSTRING_START "
                "TSTRING_MIDDLE TSTRING_END TSTRING_START TSTRING_MIDDLE TSTRING_END NEWLINE "
                "ENDMARKER");
    check_kinds("f'\\N{DASH} {x}'", "FSTRING_START FSTRING_MIDDLE LBRACE NAME RBRACE "
                                    "FSTRING_END NEWLINE ENDMARKER");
    check_kinds("rf'\\N{x}'", "FSTRING_START FSTRING_MIDDLE LBRACE NAME RBRACE FSTRING_END "
                              "NEWLINE ENDMARKER");
    check_kinds("f'{x:{{}}}'", "FSTRING_START LBRACE NAME COLON LBRACE LBRACE RBRACE RBRACE "
                               "RBRACE FSTRING_END NEWLINE ENDMARKER");
    check_tok("x = f'a{{b}}c{d}'", 3, "FSTRING_MIDDLE", 1, 6, 1, 13, "a{{b}}c");
    check_tok("x = rf'''a\n\\{b}'''", 2, "FSTRING_START", 1, 4, 1, 9, "rf'''");
    check_tok("x = rf'''a\n\\{b}'''", 3, "FSTRING_MIDDLE", 1, 9, 2, 1, "a\n\\");
    check_tok("x = f'{y:>10}'", 6, "FSTRING_MIDDLE", 1, 9, 1, 12, ">10");
    check_tok("x = f'{y}'", 6, "FSTRING_END", 1, 9, 1, 10, "'");
}

static void test_errors(void)
{
    /* each expectation is python3's SyntaxError (msg, lineno, offset) */
    check_error("1_\n", "invalid decimal literal", 1, 2);
    check_error("1__0\n", "invalid decimal literal", 1, 2);
    check_error("1abc\n", "invalid decimal literal", 1, 1);
    check_error("x = 1ex\n", "invalid decimal literal", 1, 5);
    check_error("x = 1e+\n", "invalid decimal literal", 1, 7);
    check_error("x = 1jx\n", "invalid imaginary literal", 1, 6);
    check_error("0x\n", "invalid hexadecimal literal", 1, 2);
    check_error("x = 0xfg\n", "invalid hexadecimal literal", 1, 7);
    check_error("x = 0o_\n", "invalid octal literal", 1, 7);
    check_error("0o8\n", "invalid digit '8' in octal literal", 1, 3);
    check_error("0b12\n", "invalid digit '2' in binary literal", 1, 4);
    check_error("0777\n", "leading zeros in decimal integer literals are not permitted; "
                          "use an 0o prefix for octal integers", 1, 1);
    check_error("x = 0_7\n", "leading zeros in decimal integer literals are not permitted; "
                             "use an 0o prefix for octal integers", 1, 5);
    check_error("x = 'abc\n", "unterminated string literal (detected at line 1)", 1, 5);
    check_error("'abc\\'\n", "unterminated string literal (detected at line 1); "
                             "perhaps you escaped the end quote?", 1, 1);
    check_error("x = '''abc\n\n", "unterminated triple-quoted string literal (detected at line 2)",
                1, 5);
    check_error("x = '''abc\n\ny", "unterminated triple-quoted string literal (detected at line 3)",
                1, 5);
    check_error("x = (1,\n", "'(' was never closed", 1, 5);
    check_error("x = )\n", "unmatched ')'", 1, 5);
    check_error("x = (]\n", "closing parenthesis ']' does not match opening parenthesis '('", 1, 6);
    check_error("x = (\n]\n",
                "closing parenthesis ']' does not match opening parenthesis '(' on line 1", 2, 1);
    check_error("x = a\xe2\x82\xac\n", "invalid character '\xe2\x82\xac' (U+20AC)", 1, 6);
    check_error("\xc2\xb7" "a = 1\n", "invalid character '\xc2\xb7' (U+00B7)", 1, 1);
    check_error("x = \xc2\xa0\n", "invalid non-printable character U+00A0", 1, 5);
    check_error("x = \x01\n", "invalid non-printable character U+0001", 1, 5);
    check_error("x = $\n", "invalid syntax", 1, 5);
    check_error("x = 1 \\ y\n", "unexpected character after line continuation character", 1, 8);
    check_error("x = 1 \\\n", "unexpected EOF while parsing", 1, 8);
    check_error("x = 1 \\", "unexpected EOF while parsing", 1, 8);
    check_error("if x:\n  a\n b\n", "unindent does not match any outer indentation level", 3, 3);
    check_error("if x:\n\ta\n        b\n", "inconsistent use of tabs and spaces in indentation",
                3, 1);
    check_error("f'{x'\n", "f-string: expecting '}'", 1, 5);
    check_error("f'}'\n", "f-string: single '}' is not allowed", 1, 3);
    check_error("f'{x}}'\n", "f-string: single '}' is not allowed", 1, 6);
    check_error("f'{)}'\n", "f-string: unmatched ')'", 1, 4);
    check_error("f'{x:{y:{z:{w}}}}'\n", "f-string: expressions nested too deeply", 1, 11);
    check_error("f'abc\n", "unterminated f-string literal (detected at line 1)", 1, 1);
    check_error("f'''abc\n", "unterminated triple-quoted f-string literal (detected at line 1)", 1, 1);
    check_error("f'''{x\n'''\n", "f-string: expecting '}'", 2, 1);
    check_error("f'{x:{{}'", "f-string: expecting '}'", 1, 9);
    check_error("f'{x:abc\n}'\n",
                "f-string: newlines are not allowed in format specifiers for single quoted "
                "f-strings", 1, 9);
    check_error("t'{x'\n", "t-string: expecting '}'", 1, 5);
    check_error("ub'x'\n", "'u' and 'b' prefixes are incompatible", 1, 1);
    check_error("x = ft'x'\n", "'f' and 't' prefixes are incompatible", 1, 5);
    check_no_error("x = 1if y else 2\n");
    check_no_error("f'{x:{y}}' f'{x!r}' f'{ {1: 2}[1] }' f'{x:%H:%M}'\n");
    check_no_error("x = '\\\n'\n");
    check_no_error("\\\nx = 1\n");
}

/* Deep nesting is an error, not a crash. */
static void test_limits(void)
{
    static char buf[65536];
    size_t n = 0;
    for (int i = 0; i < 250; i++)
        buf[n++] = '(';
    buf[n] = '\0';
    check_error(buf, "too many nested parentheses", 1, 201);
    n = 0;
    for (int i = 0; i < 101; i++) {
        for (int j = 0; j < i; j++)
            buf[n++] = ' ';
        memcpy(buf + n, "if x:\n", 6);
        n += 6;
    }
    buf[n] = '\0';
    check_error(buf, "too many levels of indentation", 101, 1);
    n = 0;
    for (int i = 0; i < 200; i++)
        buf[n++] = 'f', buf[n++] = '"', buf[n++] = '{';
    buf[n] = '\0';
    check_error(buf, "too many nested f-strings or t-strings", 1, 449);
}

static void check_decode(const char *bytes, size_t n, SourceStatus want, int line,
                         const char *text, const char *encoding)
{
    Arena *a = arena_new();
    Source s;
    SourceError e;
    char what[400];
    SourceStatus st = source_from_bytes(a, "t.py", bytes, n, &s, &e);
    snprintf(what, sizeof what, "decode %.40s: status %d line %d \"%s\" text \"%.30s\" enc %s", bytes,
             st, e.line, e.msg, s.text, s.encoding);
    int good = st == want;
    if (st != SRC_OK)
        good = good && e.line == line;
    else
        good = good && !strcmp(s.text, text) && !strcmp(s.encoding, encoding);
    ok(good, what);
    arena_free(a);
}

static void check_decode_msg(const char *bytes, const char *msg)
{
    Arena *a = arena_new();
    Source s;
    SourceError e;
    char what[600];
    source_from_bytes(a, "t.py", bytes, strlen(bytes), &s, &e);
    snprintf(what, sizeof what, "decode %.30s: got \"%s\", want \"%s\"", bytes, e.msg, msg);
    ok(!strcmp(e.msg, msg), what);
    arena_free(a);
}

#define DEC(lit, st, line, text, enc) check_decode(lit, sizeof(lit) - 1, st, line, text, enc)

static void test_source(void)
{
    DEC("x = 1\n", SRC_OK, 0, "x = 1\n", "utf-8");
    DEC("\xef\xbb\xbfx = 1\n", SRC_OK, 0, "x = 1\n", "utf-8");
    DEC("a\r\nb\rc\n", SRC_OK, 0, "a\nb\nc\n", "utf-8");
    DEC("# -*- coding: latin-1 -*-\nx = '\xe9'\n", SRC_OK, 0,
        "# -*- coding: latin-1 -*-\nx = '\xc3\xa9'\n", "iso-8859-1");
    DEC("#!/usr/bin/python\n# vim: set fileencoding=iso8859-15 :\nx = '\xa4'\n", SRC_OK, 0,
        "#!/usr/bin/python\n# vim: set fileencoding=iso8859-15 :\nx = '\xe2\x82\xac'\n",
        "iso-8859-15");
    DEC("# coding: cp1252\nx = '\x80'\n", SRC_OK, 0, "# coding: cp1252\nx = '\xe2\x82\xac'\n",
        "cp1252");
    DEC("# coding: koi8-r\nx = '\xc1'\n", SRC_OK, 0, "# coding: koi8-r\nx = '\xd0\xb0'\n",
        "koi8-r");
    DEC("# coding=utf_8_sig\nx = 1\n", SRC_OK, 0, "# coding=utf_8_sig\nx = 1\n", "utf-8");
    DEC("# coding: Latin-1-foo\ny = 1\n", SRC_OK, 0, "# coding: Latin-1-foo\ny = 1\n",
        "iso-8859-1");
    DEC("x = 1\n# coding: latin-1\ny = 2\n", SRC_OK, 0, "x = 1\n# coding: latin-1\ny = 2\n",
        "utf-8");
    DEC("# coding: latin-1", SRC_OK, 0, "# coding: latin-1", "utf-8");
    DEC("x = 1\n# \xff\n", SRC_OK, 0, "x = 1\n# \xef\xbf\xbd\n", "utf-8");
    DEC("# coding: uft-8\n", SRC_DECODE_ERROR, 0, "", "");
    DEC("\xef\xbb\xbf# coding: latin-1\nx = 1\n", SRC_DECODE_ERROR, 0, "", "");
    DEC("\xef\xbb\xbf#coding: utf8\nx = 1\n", SRC_DECODE_ERROR, 0, "", "");
    DEC("\xef\xbb\xbf# coding: utf-8\nx = 1\n", SRC_OK, 0, "# coding: utf-8\nx = 1\n", "utf-8");
    DEC("# coding: ascii\nx = '\xe9'\n", SRC_DECODE_ERROR, 0, "", "");
    DEC("# coding: cp1252\nx = '\x81'\n", SRC_DECODE_ERROR, 0, "", "");
    DEC("# coding: utf8\nx = '\xe9'\n", SRC_DECODE_ERROR, 0, "", "");
    DEC("x = '\xff'\n", SRC_DECODE_ERROR, 1, "", "");
    DEC("x = 1\ny = 2\nz = '\xe9'\n", SRC_DECODE_ERROR, 3, "", "");
    DEC("x = '''\n\n\xff'''\n", SRC_DECODE_ERROR, 3, "", "");
    DEC("x = '\xed\xa0\x80'\n", SRC_DECODE_ERROR, 1, "", "");
    DEC("x = 1\ny = \0\n", SRC_DECODE_ERROR, 1, "", "");

    /* the messages are python3's, where its position is the file's */
    check_decode_msg("# coding: ascii\nx=1\ny=\"\xe9\"\n",
                     "'ascii' codec can't decode byte 0xe9 in position 23: ordinal not in range(128)");
    check_decode_msg("# coding: cp1252\nx=1\ny=\"\x81\"\n",
                     "'charmap' codec can't decode byte 0x81 in position 24: "
                     "character maps to <undefined>");
    check_decode_msg("# coding: utf8\ny=\"\xe9\"\n",
                     "'utf-8' codec can't decode byte 0xe9 in position 18: invalid continuation byte");
    check_decode_msg("# coding: foobar\nx=1\n", "unknown encoding: foobar");
    check_decode_msg("\xef\xbb\xbf# coding: latin-1\nx=1\n",
                     "encoding problem: iso-8859-1 with BOM");

    Arena *a = arena_new();
    Source s;
    SourceError e;
    const char *t = "ab\n\xc3\xa9t\xc3\xa9 = 1\nlast";
    source_from_bytes(a, "t.py", t, strlen(t), &s, &e);
    size_t len;
    const char *l2 = source_line(&s, 2, &len);
    ok(s.nlines == 3, "three lines");
    ok(len == 9 && !memcmp(l2, "\xc3\xa9t\xc3\xa9 = 1", 9), "source_line 2");
    ok(source_line(&s, 3, &len) && len == 4, "source_line of a last line without newline");
    source_line(&s, 9, &len);
    ok(len == 0, "source_line out of range");
    ok(source_column(&s, 2, 0) == 1, "column of line start");
    ok(source_column(&s, 2, 5) == 4, "column after two 2-byte characters");
    ok(source_column(&s, 2, 2) == 2, "column after one 2-byte character");
    arena_free(a);
}

/* Every token's position must agree with its offset in the text. */
static int position_of(const Source *s, int line, int col, size_t off)
{
    if (line == s->nlines + 1)
        return off == s->len && col == 0;
    return line >= 1 && line <= s->nlines && s->lines[line - 1] + (size_t)col == off;
}

static void check_file(const char *path)
{
    Arena *a = arena_new();
    Source s;
    SourceError e;
    char what[600];
    if (source_load(a, path, &s, &e) != SRC_OK) {
        snprintf(what, sizeof what, "%s: %s (line %d)", path, e.msg, e.line);
        ok(0, what);
        arena_free(a);
        return;
    }
    Lexed lx;
    lex_source(a, &s, &lx);
    for (int i = 0; i < lx.ntoks; i++) {
        const Token *t = &lx.toks[i];
        if (t->kind == TOK_ERRORTOKEN) {
            snprintf(what, sizeof what, "%s:%d:%d: %s", path, t->line, lex_col(&s, t), lex_error_message(&lx, t));
            ok(0, what);
            arena_free(a);
            return;
        }
        if (t->kind == TOK_NEWLINE || t->kind == TOK_DEDENT || t->kind == TOK_ENDMARKER)
            continue;
        int tcol = lex_col(&s, t), tel, tec;
        lex_end(&s, t, &tel, &tec);
        if (!position_of(&s, t->line, tcol, t->off) || !position_of(&s, tel, tec, t->off + t->len)) {
            snprintf(what, sizeof what, "%s: token %d (%s) at %d:%d-%d:%d disagrees with offset",
                     path, i, lex_kind_name(t->kind), t->line, tcol, tel, tec);
            ok(0, what);
            arena_free(a);
            return;
        }
    }
    ok(lx.toks[lx.ntoks - 1].kind == TOK_ENDMARKER, path);
    arena_free(a);
}

int main(int argc, char **argv)
{
    test_tokens();
    test_positions();
    test_fstrings();
    test_errors();
    test_limits();
    test_source();
    for (int i = 1; i < argc; i++)
        check_file(argv[i]);
    return unit_report();
}
