/*
 * test_strlit.c - strlit.c: prefixes, escapes, raw text, f-string braces,
 * and CPython's error messages.
 * Built and run by tests/unit.sh; by hand:
 *   cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Isrc -Itests/unit \
 *       tests/unit/test_strlit.c src/strlit.c src/uni.c src/arena.c \
 *       -o build/test_strlit
 * Alone it runs the built-in cases.  Given the file that gen_strlit_cases.py
 * writes it also checks every literal of the standard library, and random
 * ones built to provoke errors, against python3:
 *   python3 tests/unit/gen_strlit_cases.py >build/strlit.cases
 *   build/unit/test_strlit build/strlit.cases
 * Ends with "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strlit.h"
#include "unit.h"


static void report(int good, const char *tok, size_t n, const char *got, size_t gotn,
                   const char *want, size_t wantn)
{
    if (good) {
        unit_passed++;
        return;
    }
    unit_failed++;
    if (unit_failed <= 50)
        fprintf(stderr, "FAIL: %.*s\n   got: %.*s\n  want: %.*s\n", (int)n, tok, (int)gotn,
                got, (int)wantn, want);
}

/* Decodes the literal token tok[0..n) as the parser would (an f-string as
 * one text run).  Returns 0 with the value in *buf, or -1 with *err. */
static int decode_token(const char *tok, size_t n, char **buf, size_t *len, size_t *cap,
                        StrlitError *err)
{
    size_t plen, q;
    int flags = strlit_prefix(tok, n, &plen);
    if (flags < 0) {
        err->msg = "invalid prefix";
        return -1;
    }
    q = n - plen >= 6 && tok[plen + 1] == tok[plen] && tok[plen + 2] == tok[plen] ? 3 : 1;
    if (flags & (STRLIT_FSTRING | STRLIT_TSTRING))
        flags |= STRLIT_BRACES;
    *len = 0;
    return strlit_decode(tok + plen + q, n - plen - 2 * q, flags, buf, len, cap, err);
}

/* want: the value, or NULL and the expected message in msg. */
static void check_n(const char *tok, size_t n, const char *want, size_t wantn, const char *msg)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    StrlitError err = {0};
    int rc = decode_token(tok, n, &buf, &len, &cap, &err);
    if (want)
        report(rc == 0 && len == wantn && memcmp(buf, want, len) == 0, tok, n,
               rc ? err.msg : buf, rc ? strlen(err.msg) : len, want, wantn);
    else
        report(rc < 0 && strcmp(err.msg, msg) == 0, tok, n, rc ? err.msg : buf,
               rc ? strlen(err.msg) : len, msg, strlen(msg));
    free(buf);
}

/* want is a string literal, so it may hold NUL bytes. */
#define check(tok, want) check_n(tok, strlen(tok), want, sizeof(want) - 1, NULL)

static void check_err(const char *tok, const char *msg)
{
    check_n(tok, strlen(tok), NULL, 0, msg);
}

static void check_prefix(const char *s, int want, size_t wantlen)
{
    size_t len = 99;
    int got = strlit_prefix(s, strlen(s), &len);
    report(got == want && (want < 0 || len == wantlen), s, strlen(s), got < 0 ? "-1" : "flags",
           2, want < 0 ? "-1" : "flags", 2);
}

static void test_prefix(void)
{
    check_prefix("'x'", 0, 0);
    check_prefix("r'x'", STRLIT_RAW, 1);
    check_prefix("R\"x\"", STRLIT_RAW, 1);
    check_prefix("u'x'", STRLIT_UNICODE, 1);
    check_prefix("U'x'", STRLIT_UNICODE, 1);
    check_prefix("b'x'", STRLIT_BYTES, 1);
    check_prefix("Rb'x'", STRLIT_RAW | STRLIT_BYTES, 2);
    check_prefix("bR'x'", STRLIT_RAW | STRLIT_BYTES, 2);
    check_prefix("f'x'", STRLIT_FSTRING, 1);
    check_prefix("fR'x'", STRLIT_RAW | STRLIT_FSTRING, 2);
    check_prefix("Rf'x'", STRLIT_RAW | STRLIT_FSTRING, 2);
    check_prefix("t'x'", STRLIT_TSTRING, 1);
    check_prefix("TR'''x'''", STRLIT_RAW | STRLIT_TSTRING, 2);
    check_prefix("ur'x'", -1, 0);
    check_prefix("ru'x'", -1, 0);
    check_prefix("ub'x'", -1, 0);
    check_prefix("bf'x'", -1, 0);
    check_prefix("ft'x'", -1, 0);
    check_prefix("rr'x'", -1, 0);
    check_prefix("bb'x'", -1, 0);
    check_prefix("rbf'x'", -1, 0);
    check_prefix("x'x'", -1, 0);
    check_prefix("rb", -1, 0);
}

static void test_escapes(void)
{
    check("'abc'", "abc");
    check("''", "");
    check("'''a\"b'''", "a\"b");
    check("'\\\\ \\' \\\" \\a \\b \\f \\n \\r \\t \\v'", "\\ ' \" \a \b \f \n \r \t \v");
    check("'a\\\nb'", "ab");
    check("'\\0'", "\0");
    check("'\\08'", "\0" "8");
    check("'\\101\\1011'", "AA1");
    check("'\\777'", "\xc7\xbf");
    check("'\\400'", "\xc4\x80");
    check("b'\\777\\400'", "\xff\0");
    check("'\\x41\\xe9\\xFF'", "A\xc3\xa9\xc3\xbf");
    check("b'\\x41\\xe9'", "A\xe9");
    check("'\\u00e9\\u20AC'", "\xc3\xa9\xe2\x82\xac");
    check("'\\U0001F600'", "\xf0\x9f\x98\x80");
    check("'\\ud800\\udfff'", "\xed\xa0\x80\xed\xbf\xbf");
    check("'\\ud83d\\ude00'", "\xed\xa0\xbd\xed\xb8\x80"); /* not joined */
    check("'\\N{EM DASH}\\N{em dash}'", "\xe2\x80\x94\xe2\x80\x94");
    check("'\\N{LINE FEED}\\N{BYTE ORDER MARK}'", "\n\xef\xbb\xbf");
    check("'\\N{CJK UNIFIED IDEOGRAPH-4E00}\\N{HANGUL SYLLABLE GAG}'",
          "\xe4\xb8\x80\xea\xb0\x81");
    check("b'\\N{EM DASH}\\u1234\\U00012345'", "\\N{EM DASH}\\u1234\\U00012345");
    check("'\\q\\8\\9\\ \\{'", "\\q\\8\\9\\ \\{");
    check("'\\\xc3\xa9'", "\\\xc3\xa9");
    check("'h\xc3\xa9\xf0\x9f\x98\x80'", "h\xc3\xa9\xf0\x9f\x98\x80");
    check("u'\\x41'", "A");
    check("'{{}}'", "{{}}");
}

static void test_raw_and_braces(void)
{
    check("r'\\n\\x\\N{foo}\\'", "\\n\\x\\N{foo}\\");
    check("rb'\\x\\777'", "\\x\\777");
    check("R'\\\n'", "\\\n");
    check("f'{{x}}'", "{x}");
    check("f'a{{'", "a{");
    check("f'}}b'", "}b");
    check("f'{{\\N{EM DASH}}}'", "{\xe2\x80\x94}");
    check("f'\\{{\\}}'", "\\{\\}");
    check("rf'\\{{\\N}}'", "\\{\\N}");
    check("t'{{\\x41}}'", "{A}");
    check("f'\\x41'", "A");
    check("f'a\\'", "a\\"); /* a text run before a field may end in a backslash */
}

static void test_errors(void)
{
    const char *u = "(unicode error) 'unicodeescape' codec can't decode bytes in position ";
    char m[200];
#define UERR(tok, pos, what)                                                   \
    (snprintf(m, sizeof m, "%s%s: %s", u, pos, what), check_err(tok, m))
    UERR("'\\x'", "0-1", "truncated \\xXX escape");
    UERR("'\\x4'", "0-2", "truncated \\xXX escape");
    UERR("'\\x4g'", "0-2", "truncated \\xXX escape");
    UERR("'abc\\xzz'", "3-4", "truncated \\xXX escape");
    UERR("'\\u12'", "0-3", "truncated \\uXXXX escape");
    UERR("'\\u12g4'", "0-3", "truncated \\uXXXX escape");
    UERR("'\\U1234'", "0-5", "truncated \\UXXXXXXXX escape");
    UERR("'\\U0011000'", "0-8", "truncated \\UXXXXXXXX escape");
    UERR("'\\U00110000'", "0-9", "illegal Unicode character");
    UERR("'\\U0011ffff'", "0-9", "illegal Unicode character");
    UERR("'\\N{foo}'", "0-6", "unknown Unicode character name");
    UERR("'\\N{KEYCAP NUMBER SIGN}'", "0-21", "unknown Unicode character name");
    UERR("'\\N{EM DASH'", "0-9", "malformed \\N character escape");
    UERR("'\\N'", "0-1", "malformed \\N character escape");
    UERR("'\\Nx'", "0-1", "malformed \\N character escape");
    UERR("'ab\\N{}'", "2-4", "malformed \\N character escape");
    UERR("'\xc3\xa9\\x'", "10-11", "truncated \\xXX escape");
    UERR("'\xf0\x9f\x98\x80\\x'", "10-11", "truncated \\xXX escape");
    UERR("'\\\xc3\xa9\\x'", "16-17", "truncated \\xXX escape");
    UERR("'\xc3\xa9\\N{EM DASH'", "10-19", "malformed \\N character escape");
    UERR("'\\\\\\x'", "2-3", "truncated \\xXX escape");
    UERR("'ab\\\n\\x'", "4-5", "truncated \\xXX escape");
    UERR("'\\N{EM DASH}\\x'", "11-12", "truncated \\xXX escape");
    UERR("f'ab{{\\x'", "0-1", "truncated \\xXX escape");
    UERR("f'x}}\\u1'", "0-2", "truncated \\uXXXX escape");
    UERR("f'\xc3\xa9\\x'", "10-11", "truncated \\xXX escape");
    check_err("b'ab\\x'", "(value error) invalid \\x escape at position 2");
    check_err("b'\\x4'", "(value error) invalid \\x escape at position 0");
    check_err("b'a\\\n\\x'", "(value error) invalid \\x escape at position 3");
    check_err("b'\xc3\xa9'", "bytes can only contain ASCII literal characters");
    check_err("rb'\xc3\xa9'", "bytes can only contain ASCII literal characters");
    check_err("b'\\x4\xc3\xa9'", "bytes can only contain ASCII literal characters");
#undef UERR
}

static void test_append(void)
{
    /* Decoding appends to what the buffer holds, growing it as needed. */
    char *buf = NULL;
    size_t len = 0, cap = 0;
    StrlitError err = {0};
    int rc = strlit_decode("ab", 2, 0, &buf, &len, &cap, &err);
    rc |= strlit_decode("\\x41{{", 6, STRLIT_BRACES, &buf, &len, &cap, &err);
    for (int i = 0; i < 100; i++)
        rc |= strlit_decode("0123456789", 10, 0, &buf, &len, &cap, &err);
    report(rc == 0 && len == 1004 && memcmp(buf, "abA{0123", 8) == 0, "append", 6, buf, 8,
           "abA{0123", 8);
    rc = strlit_decode("x\\xZ", 4, 0, &buf, &len, &cap, &err);
    report(rc < 0 && err.off == 1 && len == 1005, "error offset", 12, err.msg,
           strlen(err.msg), "off 1", 5);
    free(buf);
}

/* ---- the stdlib corpus from gen_strlit_cases.py ---- */

static size_t unhex(const char *s, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        unsigned v;
        sscanf(s + i, "%2x", &v);
        out[k++] = (char)v;
    }
    return k;
}

/* An f-string case: each run decoded with the f-string's flags, joined;
 * want is the value, or NULL and msg the expected error. */
static void fstring_case(const char *tok, size_t tokn, const char *runs, const char *want,
                         size_t wantn, const char *msg)
{
    char *buf = NULL, *run = malloc(strlen(runs) / 2 + 1);
    size_t len = 0, cap = 0, plen;
    int rc = 0, flags = strlit_prefix(tok, tokn, &plen) | STRLIT_BRACES;
    StrlitError err = {0};
    for (const char *p = runs; rc == 0;) {
        size_t k = strcspn(p, ",");
        size_t n = unhex(p, k, run);
        rc = strlit_decode(run, n, flags, &buf, &len, &cap, &err);
        if (!p[k])
            break;
        p += k + 1;
    }
    if (!want)
        report(rc < 0 && strcmp(err.msg, msg) == 0, tok, tokn, rc ? err.msg : "no error",
               rc ? strlen(err.msg) : 8, msg, strlen(msg));
    else
        report(rc == 0 && len == wantn && memcmp(buf ? buf : "", want, len) == 0, tok, tokn,
               rc ? err.msg : buf, rc ? strlen(err.msg) : len, want, wantn);
    free(run);
    free(buf);
}

static void file_case(char *line, char *tok, char *want)
{
    char *f[4] = {line, NULL, NULL, NULL};
    for (int i = 1; i < 4 && f[i - 1]; i++)
        if ((f[i] = strchr(f[i - 1], '\t')))
            *f[i]++ = 0;
    if (!f[2])
        return;
    size_t tokn = unhex(f[1], strlen(f[1]), tok);
    if (line[0] == 'F' && f[3] && f[3][0] == '!') {
        fstring_case(tok, tokn, f[2], NULL, 0, f[3] + 1);
    } else if (line[0] == 'F' && f[3]) {
        fstring_case(tok, tokn, f[2], want, unhex(f[3], strlen(f[3]), want), NULL);
    } else if (line[0] == 'S' && f[2][0] == '!') {
        check_n(tok, tokn, NULL, 0, f[2] + 1);
    } else if (line[0] == 'S') {
        size_t wantn = unhex(f[2], strlen(f[2]), want);
        check_n(tok, tokn, want, wantn, NULL);
    }
}

static void test_file(const char *path)
{
    FILE *f = fopen(path, "r");
    size_t cap = 1 << 20;
    char *line = malloc(cap), *tok = malloc(cap), *want = malloc(cap);
    if (!f || !line || !tok || !want) {
        report(0, path, strlen(path), "cannot open", 11, "a case file", 11);
    } else {
        while (fgets(line, (int)cap, f)) {
            line[strcspn(line, "\n")] = 0;
            file_case(line, tok, want);
        }
    }
    if (f)
        fclose(f);
    free(line);
    free(tok);
    free(want);
}

int main(int argc, char **argv)
{
    test_prefix();
    test_escapes();
    test_raw_and_braces();
    test_errors();
    test_append();
    if (argc > 1)
        test_file(argv[1]);
    return unit_report();
}
