/*
 * test_uni.c - uni.c: identifier classes, \N{} names, NFKC, UTF-8.
 * Built and run by tests/unit.sh; by hand:
 *   cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Isrc -Itests/unit \
 *       tests/unit/test_uni.c src/uni.c src/arena.c -o build/test_uni
 * Alone it runs the built-in cases.  Given the file that gen_uni_cases.py
 * writes (python3 as the oracle) it also checks every code point, every name
 * and alias, and NFKC of every identifier character:
 *   python3 tests/unit/gen_uni_cases.py >build/uni.cases
 *   build/unit/test_uni build/uni.cases
 * Ends with "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uni.h"
#include "unit.h"


static void ok(int cond, const char *what)
{
    if (cond) {
        unit_passed++;
        return;
    }
    unit_failed++;
    if (unit_failed <= 50)
        fprintf(stderr, "FAIL: %s\n", what);
}

static void check_lookup(const char *name, int32_t want)
{
    char what[200];
    int32_t got = uni_lookup(name, strlen(name));
    snprintf(what, sizeof what, "lookup \"%s\": got %ld, want %ld", name, (long)got,
             (long)want);
    ok(got == want, what);
}

static void check_nfkc(const char *in, const char *want)
{
    char out[256], what[300];
    long n = uni_nfkc(in, strlen(in), out, sizeof out);
    int good = n == (long)strlen(want) && memcmp(out, want, (size_t)n) == 0;
    snprintf(what, sizeof what, "nfkc \"%s\": got \"%.*s\", want \"%s\"", in,
             n < 0 ? 0 : (int)n, out, want);
    ok(good, what);
}

static void test_lookup(void)
{
    check_lookup("EM DASH", 0x2014);
    check_lookup("em dash", 0x2014);
    check_lookup("Em Dash", 0x2014);
    check_lookup("LATIN SMALL LETTER A", 'a');
    check_lookup("LATIN SMALL LETTER A WITH", -1);
    check_lookup("LATIN SMALL LETTER", -1);
    check_lookup("SPACE", ' ');
    check_lookup("ABACUS", 0x1F9EE);
    check_lookup("ZERO WIDTH JOINER", 0x200D);
    check_lookup("BOX DRAWINGS LIGHT DIAGONAL UPPER CENTRE TO MIDDLE RIGHT AND MIDDLE "
                 "LEFT TO LOWER CENTRE",
                 0x1FBA9);
    check_lookup("CJK UNIFIED IDEOGRAPH-4E00", 0x4E00);
    check_lookup("CJK UNIFIED IDEOGRAPH-04E00", 0x4E00);
    check_lookup("CJK UNIFIED IDEOGRAPH-4e00", -1);
    check_lookup("cjk unified ideograph-4E00", -1);
    check_lookup("CJK UNIFIED IDEOGRAPH-20000", 0x20000);
    check_lookup("CJK UNIFIED IDEOGRAPH-A000", -1);
    check_lookup("CJK COMPATIBILITY IDEOGRAPH-F900", 0xF900);
    check_lookup("cjk compatibility ideograph-f900", 0xF900);
    check_lookup("CJK COMPATIBILITY IDEOGRAPH-0F900", -1);
    check_lookup("CJK COMPATIBILITY IDEOGRAPH-FA6E", -1);
    check_lookup("NUSHU CHARACTER-1B170", 0x1B170);
    check_lookup("TANGUT IDEOGRAPH-17000", -1); /* no name in Unicode 14's Python */
    check_lookup("HANGUL SYLLABLE GA", 0xAC00);
    check_lookup("HANGUL SYLLABLE GAG", 0xAC01);
    check_lookup("HANGUL SYLLABLE A", 0xC544);
    check_lookup("HANGUL SYLLABLE HIH", 0xD7A3);
    check_lookup("hangul syllable gag", -1);
    check_lookup("HANGUL SYLLABLE ", -1);
    check_lookup("HANGUL SYLLABLE X", -1);
    check_lookup("BYTE ORDER MARK", 0xFEFF);
    check_lookup("LINE FEED", '\n');
    check_lookup("line feed", '\n');
    check_lookup("NULL", 0);
    check_lookup("KEYCAP NUMBER SIGN", -1); /* a named sequence */
    check_lookup("", -1);
    check_lookup("EM  DASH", -1);
    check_lookup(" EM DASH", -1);
    check_lookup("EM DASH ", -1);
    check_lookup("EM DASH\xc3\xa9", -1);
    check_lookup("!", -1);
    check_lookup("~~~~", -1);
}

static void test_xid(void)
{
    ok(uni_is_xid_start('a') && uni_is_xid_start('Z') && uni_is_xid_start('_'), "xid start ascii");
    ok(!uni_is_xid_start('0') && !uni_is_xid_start('$') && !uni_is_xid_start(' '),
       "not xid start ascii");
    ok(uni_is_xid_continue('0') && uni_is_xid_continue('9') && !uni_is_xid_continue('-'),
       "xid continue ascii");
    ok(uni_is_xid_start(0xE9) && uni_is_xid_start(0x4E00) && uni_is_xid_start(0x3B1),
       "xid start é, 一, α");
    ok(!uni_is_xid_start(0x300) && uni_is_xid_continue(0x300), "combining grave");
    ok(!uni_is_xid_start(0x660) && uni_is_xid_continue(0x660), "arabic-indic zero");
    ok(uni_is_xid_start(0x2118) && uni_is_xid_start(0x212E), "Other_ID_Start");
    ok(!uni_is_xid_start(0x2E2F) && !uni_is_xid_continue(0x2E2F), "vertical tilde");
    ok(!uni_is_xid_start(0x37A) && !uni_is_xid_continue(0x37A), "NFKC closure: ypogegrammeni");
    ok(uni_is_xid_continue(0xB7) && !uni_is_xid_start(0xB7), "middle dot");
    ok(!uni_is_xid_start(0x1F600) && !uni_is_xid_continue(0x1F600), "emoji");
    ok(!uni_is_xid_start(0x110000) && !uni_is_xid_continue(0xFFFFFFFF), "out of range");
}

static void test_nfkc(void)
{
    char out[8];
    check_nfkc("abc_1", "abc_1");
    check_nfkc("\xef\xac\x81", "fi");                  /* U+FB01 ligature */
    check_nfkc("\xe2\x84\x8c", "H");                   /* U+210C script H */
    check_nfkc("e\xcc\x81", "\xc3\xa9");               /* e + acute -> é */
    check_nfkc("\xc3\xa9", "\xc3\xa9");
    check_nfkc("\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8", "\xea\xb0\x81"); /* jamo -> 각 */
    check_nfkc("\xea\xb0\x81", "\xea\xb0\x81");
    check_nfkc("\xef\xbd\x81\xef\xbd\x82", "ab");      /* fullwidth */
    check_nfkc("\xc2\xb5", "\xce\xbc");                /* micro -> mu */
    check_nfkc("\xe2\x84\xab", "\xc3\x85");            /* angstrom -> Å */
    check_nfkc("a\xcc\x95\xcc\x81", "\xc3\xa1\xcc\x95"); /* reordering then compose */
    check_nfkc("\xef\xb7\xba",
               "\xd8\xb5\xd9\x84\xd9\x89 \xd8\xa7\xd9\x84\xd9\x84\xd9\x87 \xd8\xb9\xd9\x84"
               "\xd9\x8a\xd9\x87 \xd9\x88\xd8\xb3\xd9\x84\xd9\x85"); /* 18 code points */
    ok(uni_nfkc("\xef\xac\x81", 3, out, 1) == -1, "nfkc: out too small");
    ok(uni_nfkc("abc", 3, out, 2) == -1, "nfkc: ascii out too small");
    ok(uni_nfkc("", 0, out, 0) == 0, "nfkc: empty");
}

static void test_utf8(void)
{
    static const uint32_t cps[] = {0, 0x7F, 0x80, 0x7FF, 0x800, 0xD800, 0xDFFF, 0xFFFF,
                                   0x10000, 0x10FFFF};
    for (size_t i = 0; i < sizeof cps / sizeof *cps; i++) {
        char buf[4];
        int n = uni_encode_utf8(cps[i], buf), len;
        ok(uni_decode_utf8(buf, (size_t)n, &len) == (int32_t)cps[i] && len == n,
           "utf8 round trip");
    }
    static const char *const bad[] = {"\x80", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80",
                                      "\xf0\x80\x80\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
                                      "\xff", "\xc3", "\xe2\x82", "\xc3("};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int len = 0;
        ok(uni_decode_utf8(bad[i], strlen(bad[i]), &len) == -1 && len == 1, "utf8 invalid");
    }
    int len;
    ok(uni_decode_utf8("\xe2\x82\xac", 2, &len) == -1, "utf8 truncated by n");
    ok(uni_decode_utf8("", 0, &len) == -1, "utf8 empty");
}

/* ---- the exhaustive cases from gen_uni_cases.py ---- */

static size_t unhex(const char *s, char *out)
{
    size_t n = 0;
    for (; s[0] && s[1]; s += 2) {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (char)v;
    }
    return n;
}

static void file_case(char *line, unsigned char *xid)
{
    char *a = strchr(line, '\t'), *b = a ? strchr(a + 1, '\t') : NULL, what[600];
    if (!b)
        return;
    *a++ = 0, *b++ = 0;
    if (line[0] == 'X') {
        xid[strtoul(a, NULL, 16)] = (unsigned char)atoi(b);
    } else if (line[0] == 'N') {
        long want = strcmp(b, "-1") ? (long)strtoul(b, NULL, 16) : -1;
        long got = uni_lookup(a, strlen(a));
        snprintf(what, sizeof what, "lookup \"%s\": got %lX, want %lX", a, got, want);
        ok(got == want, what);
    } else if (line[0] == 'K') {
        char in[512], want[1024], out[1024];
        size_t ni = unhex(a, in), nw = unhex(b, want);
        long got = uni_nfkc(in, ni, out, sizeof out);
        snprintf(what, sizeof what, "nfkc %s: want %s", a, b);
        ok(got == (long)nw && memcmp(out, want, nw) == 0, what);
    }
}

static void test_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[2048];
    unsigned char *xid = calloc(0x110000, 1);
    if (!f || !xid) {
        ok(0, "cannot open the case file");
        free(xid);
        return;
    }
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        file_case(line, xid);
    }
    fclose(f);
    int bad = 0;
    for (uint32_t cp = 0; cp < 0x110000; cp++) {
        int got = uni_is_xid_start(cp) | uni_is_xid_continue(cp) << 1;
        if (got != xid[cp] && bad++ < 20)
            fprintf(stderr, "FAIL: xid U+%04X: got %d, want %d\n", (unsigned)cp, got,
                    xid[cp]);
    }
    ok(bad == 0, "xid classes of every code point");
    free(xid);
}

int main(int argc, char **argv)
{
    test_lookup();
    test_xid();
    test_nfkc();
    test_utf8();
    if (argc > 1)
        test_file(argv[1]);
    return unit_report();
}
