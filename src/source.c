/*
 * source.c - loading a file and decoding it to UTF-8 as CPython would
 * (ast.parse on the file's bytes), plus the line table.
 *
 * Invariants of a decoded Source: text is UTF-8 with every line end
 * translated to '\n' (CPython translates \r\n and a lone \r before it
 * tokenizes, and counts columns in the translated text), contains no NUL
 * byte, and is NUL-terminated; lines[] has nlines + 1 entries, the last
 * being len, so a line's length never needs a search.
 *
 * CPython treats the two ways of saying "UTF-8" differently and so do we:
 * with no declaration or one spelled "utf-8" (after CPython's own
 * normalization), it decodes lazily, token by token, so invalid bytes in a
 * comment pass and other invalid bytes fail at their own line; any other
 * spelling ("utf8") goes through the codec up front and fails at line 0.
 */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where text from the single-byte tables maps to nothing (strict decoding). */
#define UNDEF 0xFFFF

/* Bytes 0x80..0xFF of the single-byte codecs, from Python's codecs module. */
static const uint16_t cp1252_hi[128] = {
    0x20AC, 0xFFFF, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFF, 0x017D, 0xFFFF,
    0xFFFF, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFF, 0x017E, 0x0178,
    0x00A0, 0x00A1, 0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6, 0x00A7,
    0x00A8, 0x00A9, 0x00AA, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF,
    0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x00B4, 0x00B5, 0x00B6, 0x00B7,
    0x00B8, 0x00B9, 0x00BA, 0x00BB, 0x00BC, 0x00BD, 0x00BE, 0x00BF,
    0x00C0, 0x00C1, 0x00C2, 0x00C3, 0x00C4, 0x00C5, 0x00C6, 0x00C7,
    0x00C8, 0x00C9, 0x00CA, 0x00CB, 0x00CC, 0x00CD, 0x00CE, 0x00CF,
    0x00D0, 0x00D1, 0x00D2, 0x00D3, 0x00D4, 0x00D5, 0x00D6, 0x00D7,
    0x00D8, 0x00D9, 0x00DA, 0x00DB, 0x00DC, 0x00DD, 0x00DE, 0x00DF,
    0x00E0, 0x00E1, 0x00E2, 0x00E3, 0x00E4, 0x00E5, 0x00E6, 0x00E7,
    0x00E8, 0x00E9, 0x00EA, 0x00EB, 0x00EC, 0x00ED, 0x00EE, 0x00EF,
    0x00F0, 0x00F1, 0x00F2, 0x00F3, 0x00F4, 0x00F5, 0x00F6, 0x00F7,
    0x00F8, 0x00F9, 0x00FA, 0x00FB, 0x00FC, 0x00FD, 0x00FE, 0x00FF,
};

static const uint16_t iso8859_15_hi[128] = {
    0x0080, 0x0081, 0x0082, 0x0083, 0x0084, 0x0085, 0x0086, 0x0087,
    0x0088, 0x0089, 0x008A, 0x008B, 0x008C, 0x008D, 0x008E, 0x008F,
    0x0090, 0x0091, 0x0092, 0x0093, 0x0094, 0x0095, 0x0096, 0x0097,
    0x0098, 0x0099, 0x009A, 0x009B, 0x009C, 0x009D, 0x009E, 0x009F,
    0x00A0, 0x00A1, 0x00A2, 0x00A3, 0x20AC, 0x00A5, 0x0160, 0x00A7,
    0x0161, 0x00A9, 0x00AA, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF,
    0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x017D, 0x00B5, 0x00B6, 0x00B7,
    0x017E, 0x00B9, 0x00BA, 0x00BB, 0x0152, 0x0153, 0x0178, 0x00BF,
    0x00C0, 0x00C1, 0x00C2, 0x00C3, 0x00C4, 0x00C5, 0x00C6, 0x00C7,
    0x00C8, 0x00C9, 0x00CA, 0x00CB, 0x00CC, 0x00CD, 0x00CE, 0x00CF,
    0x00D0, 0x00D1, 0x00D2, 0x00D3, 0x00D4, 0x00D5, 0x00D6, 0x00D7,
    0x00D8, 0x00D9, 0x00DA, 0x00DB, 0x00DC, 0x00DD, 0x00DE, 0x00DF,
    0x00E0, 0x00E1, 0x00E2, 0x00E3, 0x00E4, 0x00E5, 0x00E6, 0x00E7,
    0x00E8, 0x00E9, 0x00EA, 0x00EB, 0x00EC, 0x00ED, 0x00EE, 0x00EF,
    0x00F0, 0x00F1, 0x00F2, 0x00F3, 0x00F4, 0x00F5, 0x00F6, 0x00F7,
    0x00F8, 0x00F9, 0x00FA, 0x00FB, 0x00FC, 0x00FD, 0x00FE, 0x00FF,
};

static const uint16_t koi8_r_hi[128] = {
    0x2500, 0x2502, 0x250C, 0x2510, 0x2514, 0x2518, 0x251C, 0x2524,
    0x252C, 0x2534, 0x253C, 0x2580, 0x2584, 0x2588, 0x258C, 0x2590,
    0x2591, 0x2592, 0x2593, 0x2320, 0x25A0, 0x2219, 0x221A, 0x2248,
    0x2264, 0x2265, 0x00A0, 0x2321, 0x00B0, 0x00B2, 0x00B7, 0x00F7,
    0x2550, 0x2551, 0x2552, 0x0451, 0x2553, 0x2554, 0x2555, 0x2556,
    0x2557, 0x2558, 0x2559, 0x255A, 0x255B, 0x255C, 0x255D, 0x255E,
    0x255F, 0x2560, 0x2561, 0x0401, 0x2562, 0x2563, 0x2564, 0x2565,
    0x2566, 0x2567, 0x2568, 0x2569, 0x256A, 0x256B, 0x256C, 0x00A9,
    0x044E, 0x0430, 0x0431, 0x0446, 0x0434, 0x0435, 0x0444, 0x0433,
    0x0445, 0x0438, 0x0439, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E,
    0x043F, 0x044F, 0x0440, 0x0441, 0x0442, 0x0443, 0x0436, 0x0432,
    0x044C, 0x044B, 0x0437, 0x0448, 0x044D, 0x0449, 0x0447, 0x044A,
    0x042E, 0x0410, 0x0411, 0x0426, 0x0414, 0x0415, 0x0424, 0x0413,
    0x0425, 0x0418, 0x0419, 0x041A, 0x041B, 0x041C, 0x041D, 0x041E,
    0x041F, 0x042F, 0x0420, 0x0421, 0x0422, 0x0423, 0x0416, 0x0412,
    0x042C, 0x042B, 0x0417, 0x0428, 0x042D, 0x0429, 0x0427, 0x042A,
};

typedef enum Codec { CODEC_UTF8, CODEC_LATIN1, CODEC_ASCII, CODEC_CP1252,
                     CODEC_ISO8859_15, CODEC_KOI8_R } Codec;

/* The names Python's codec registry accepts for the codecs we support,
 * already in the form of encodings.normalize_encoding (lower case, runs of
 * punctuation other than '.' turned into one '_'). */
static const struct { const char *name; Codec codec; } aliases[] = {
    {"utf_8", CODEC_UTF8}, {"utf8", CODEC_UTF8}, {"u8", CODEC_UTF8},
    {"utf", CODEC_UTF8}, {"cp65001", CODEC_UTF8}, {"utf8_ucs2", CODEC_UTF8},
    {"utf8_ucs4", CODEC_UTF8},
    {"latin_1", CODEC_LATIN1}, {"latin1", CODEC_LATIN1}, {"latin", CODEC_LATIN1},
    {"l1", CODEC_LATIN1}, {"8859", CODEC_LATIN1}, {"cp819", CODEC_LATIN1},
    {"csisolatin1", CODEC_LATIN1}, {"ibm819", CODEC_LATIN1},
    {"iso8859", CODEC_LATIN1}, {"iso8859_1", CODEC_LATIN1},
    {"iso_8859_1", CODEC_LATIN1}, {"iso_8859_1_1987", CODEC_LATIN1},
    {"iso_ir_100", CODEC_LATIN1},
    {"ascii", CODEC_ASCII}, {"646", CODEC_ASCII}, {"ansi_x3.4_1968", CODEC_ASCII},
    {"ansi_x3.4_1986", CODEC_ASCII}, {"ansi_x3_4_1968", CODEC_ASCII},
    {"cp367", CODEC_ASCII}, {"csascii", CODEC_ASCII}, {"ibm367", CODEC_ASCII},
    {"iso646_us", CODEC_ASCII}, {"iso_646.irv_1991", CODEC_ASCII},
    {"iso_ir_6", CODEC_ASCII}, {"us", CODEC_ASCII}, {"us_ascii", CODEC_ASCII},
    {"cp1252", CODEC_CP1252}, {"1252", CODEC_CP1252},
    {"windows_1252", CODEC_CP1252},
    {"iso8859_15", CODEC_ISO8859_15}, {"iso_8859_15", CODEC_ISO8859_15},
    {"l9", CODEC_ISO8859_15}, {"latin9", CODEC_ISO8859_15},
    {"koi8_r", CODEC_KOI8_R}, {"cskoi8r", CODEC_KOI8_R},
};

static const char *const codec_names[] = {
    "utf-8", "iso-8859-1", "ascii", "cp1252", "iso-8859-15", "koi8-r",
};

/* Records a decode error at line (CPython's SyntaxError lineno). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static SourceStatus fail(SourceError *err, int line, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->line = line;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return SRC_DECODE_ERROR;
}

/*
 * CPython's get_normal_name: only the utf-8 and latin-1 families get a
 * canonical name here; what it leaves alone goes to the codec registry.
 */
static const char *normal_name(const char *s)
{
    char buf[13];
    int i;
    for (i = 0; i < 12 && s[i]; i++)
        buf[i] = s[i] == '_' ? '-' : (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    buf[i] = '\0';
    if (!strcmp(buf, "utf-8") || !strncmp(buf, "utf-8-", 6))
        return "utf-8";
    if (!strcmp(buf, "latin-1") || !strcmp(buf, "iso-8859-1") ||
        !strcmp(buf, "iso-latin-1") || !strncmp(buf, "latin-1-", 8) ||
        !strncmp(buf, "iso-8859-1-", 11) || !strncmp(buf, "iso-latin-1-", 12))
        return "iso-8859-1";
    return s;
}

/* The codec the registry finds for name, or -1 (an unknown encoding). */
static int lookup_codec(const char *name)
{
    char norm[64];
    size_t n = 0;
    int punct = 0;
    if (!strcmp(name, "iso-8859-1"))
        return CODEC_LATIN1;
    for (const char *p = name; *p && n + 2 < sizeof norm; p++) {
        char c = *p;
        int alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                    (c >= 'A' && c <= 'Z') || c == '.';
        if (!alnum) {
            punct = n > 0;
            continue;
        }
        if (punct)
            norm[n++] = '_';
        punct = 0;
        norm[n++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    norm[n] = '\0';
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (!strcmp(aliases[i].name, norm))
            return (int)aliases[i].codec;
    return -1;
}

/*
 * CPython's get_coding_spec on one line: the first "coding[:=]" followed by
 * a non-empty name, in a line that is a comment.  Writes the name to spec.
 * Returns 1 if found, 0 if not, and sets *code_line when the line holds
 * anything other than blanks and a comment (which ends the search).
 */
static int coding_spec(const char *s, size_t size, char *spec, size_t speccap, int *code_line)
{
    size_t i = 0;
    *code_line = 0;
    for (; i < size; i++) {
        if (s[i] == '#' || s[i] == '\n')
            break;
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\f') {
            *code_line = 1;
            return 0;
        }
    }
    for (; i + 6 < size; i++) {
        const char *t = s + i;
        if (memcmp(t, "coding", 6) != 0 || (t[6] != ':' && t[6] != '='))
            continue;
        t += 7;
        while (t < s + size && (*t == ' ' || *t == '\t'))
            t++;
        const char *begin = t;
        while (t < s + size && ((*t >= '0' && *t <= '9') || (*t >= 'a' && *t <= 'z') ||
                                (*t >= 'A' && *t <= 'Z') || *t == '-' || *t == '_' || *t == '.'))
            t++;
        if (t > begin) {
            size_t n = (size_t)(t - begin) < speccap - 1 ? (size_t)(t - begin) : speccap - 1;
            memcpy(spec, begin, n);
            spec[n] = '\0';
            return 1;
        }
    }
    return 0;
}

/* Length of the line end at p (\n, \r\n or a lone \r), or 0. */
static size_t eol_at(const char *p, const char *end)
{
    if (*p == '\n')
        return 1;
    if (*p == '\r')
        return (p + 1 < end && p[1] == '\n') ? 2 : 1;
    return 0;
}

/*
 * Finds the declared coding on line 1, or on line 2 when line 1 holds only
 * blanks or a comment.  Lines are only considered when they end in a line
 * end, as in CPython.  Returns 1 and fills spec if one was found.
 */
static int find_declaration(const char *s, size_t n, char *spec, size_t speccap)
{
    const char *end = s + n, *line = s;
    for (int lineno = 1; lineno <= 2; lineno++) {
        const char *p = line;
        while (p < end && *p != '\n' && *p != '\r')
            p++;
        if (p >= end)
            return 0;
        int code_line;
        if (coding_spec(line, (size_t)(p - line) + 1, spec, speccap, &code_line))
            return 1;
        if (code_line)
            return 0;
        line = p + eol_at(p, end);
    }
    return 0;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, at most U+10FFFF), or 0 if invalid. */
static int utf8_seq(const unsigned char *s, const unsigned char *end)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    int n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (end - s < n)
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) ||
        (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
        return 0;
    return n;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* Copies s with line ends translated to '\n'; returns the new length. */
static size_t copy_translated(char *o, const char *s, size_t n)
{
    const char *end = s + n;
    char *start = o;
    while (s < end) {
        const char *cr = memchr(s, '\r', (size_t)(end - s));
        size_t run = cr ? (size_t)(cr - s) : (size_t)(end - s);
        memcpy(o, s, run);
        o += run;
        s += run;
        if (!cr)
            break;
        *o++ = '\n';
        s += eol_at(s, end);
    }
    return (size_t)(o - start);
}

/* Decodes a single-byte codec strictly into o; returns the length, or -1
 * with *bad at the offset of the first byte the codec does not map. */
static long decode_table(char *o, const unsigned char *s, size_t n, Codec codec, size_t *bad)
{
    const uint16_t *hi = codec == CODEC_CP1252 ? cp1252_hi
                         : codec == CODEC_ISO8859_15 ? iso8859_15_hi
                         : codec == CODEC_KOI8_R ? koi8_r_hi : NULL;
    char *start = o;
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        uint32_t cp = c;
        if (c >= 0x80) {
            if (hi)
                cp = hi[c - 0x80];
            if (codec == CODEC_ASCII || cp == UNDEF) {
                *bad = i;
                return -1;
            }
        }
        o += put_utf8(o, cp);
    }
    return (long)(o - start);
}

/*
 * Where the lazily decoded text has invalid UTF-8: the 1-based line of the
 * first invalid byte outside a comment (CPython skips comments without
 * decoding them), with *bad pointing at it, or 0 if every invalid byte is
 * in a comment.  A rough scan of strings is enough: it only decides which
 * bytes a comment hides.
 */
static int first_bad_line(const unsigned char *s, size_t n, const unsigned char **bad)
{
    const unsigned char *end = s + n, *p = s;
    int line = 1;
    while (p < end) {
        unsigned c = *p;
        if (c == '\n') {
            line++, p++;
        } else if (c == '#') {
            while (p < end && *p != '\n') {
                int k = utf8_seq(p, end);
                p += k ? k : 1;
            }
        } else if (c == '\'' || c == '"') {
            int triple = end - p >= 3 && p[1] == c && p[2] == c;
            p += triple ? 3 : 1;
            while (p < end) {
                if (*p == '\\' && p + 1 < end) {
                    line += p[1] == '\n';
                    p += 2;
                    continue;
                }
                if (*p == c && (!triple || (end - p >= 3 && p[1] == c && p[2] == c))) {
                    p += triple ? 3 : 1;
                    break;
                }
                if (*p == '\n' && !triple)
                    break;
                int k = utf8_seq(p, end);
                if (!k) {
                    *bad = p;
                    return line;
                }
                line += *p == '\n';
                p += k;
            }
        } else {
            int k = utf8_seq(p, end);
            if (!k) {
                *bad = p;
                return line;
            }
            p += k;
        }
    }
    return 0;
}

/* Replaces each invalid UTF-8 byte of t[0..*n) (all in comments) by U+FFFD,
 * so the rest of the pipeline can trust the text; returns the new buffer. */
static char *replace_bad(Arena *a, const char *t, size_t *n)
{
    const unsigned char *s = (const unsigned char *)t, *end = s + *n;
    char *o = arena_alloc(a, 3 * *n + 1), *start = o;
    while (s < end) {
        int k = utf8_seq(s, end);
        if (k) {
            memcpy(o, s, (size_t)k);
            o += k, s += k;
        } else {
            o += put_utf8(o, 0xFFFD);
            s++;
        }
    }
    *n = (size_t)(o - start);
    return start;
}

/* The first invalid UTF-8 byte of t[0..n), or NULL if there is none.
 * Checks eight ASCII bytes at a time. */
static const unsigned char *utf8_invalid(const char *t, size_t n)
{
    const unsigned char *s = (const unsigned char *)t, *end = s + n;
    while (s < end) {
        if (end - s >= 8) {
            uint64_t w;
            memcpy(&w, s, 8);
            if (!(w & 0x8080808080808080ull)) {
                s += 8;
                continue;
            }
        }
        int k = utf8_seq(s, end);
        if (!k)
            return s;
        s += k;
    }
    return NULL;
}

/* Python's reason for the invalid UTF-8 sequence at s. */
static const char *utf8_reason(const unsigned char *s, const unsigned char *end)
{
    unsigned c = s[0];
    if (c < 0xC2 || c > 0xF4)
        return "invalid start byte";
    int n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    for (int i = 1; i < n; i++) {
        if (s + i >= end)
            return "unexpected end of data";
        if ((s[i] & 0xC0) != 0x80 || (i == 1 && ((c == 0xE0 && s[1] < 0xA0) ||
                                                 (c == 0xED && s[1] > 0x9F) ||
                                                 (c == 0xF0 && s[1] < 0x90) ||
                                                 (c == 0xF4 && s[1] > 0x8F))))
            return "invalid continuation byte";
    }
    return "invalid start byte";
}

static void build_lines(Arena *a, Source *out)
{
    const char *t = out->text, *end = t + out->len;
    size_t count = 0;
    for (const char *p = t; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        count++;
    size_t nl = count + (out->len > 0 && end[-1] != '\n');
    out->lines = arena_alloc_raw(a, (nl + 1) * sizeof *out->lines); /* all written below */
    size_t i = 0;
    if (nl > 0)
        out->lines[i++] = 0;
    for (const char *p = t; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        if (p + 1 < end)
            out->lines[i++] = (uint32_t)(p + 1 - t);
    out->lines[nl] = (uint32_t)out->len;
    out->nlines = (int)nl;
}

/* Decodes the body (after any BOM) under codec into out->text.  With own
 * set, b[0..n] (its NUL included) is a's and nothing else holds it: a text
 * that needs no change is b itself, no copy. */
static SourceStatus decode_body(Arena *a, const char *b, size_t n, int codec, int lazy, int own,
                                Source *out, SourceError *err)
{
    if (codec == CODEC_UTF8) {
        int same = own && !memchr(b, '\r', n); /* no line end to translate */
        char *t = same ? (char *)b : arena_alloc_raw(a, n + 1); /* every byte is written */
        size_t len = same ? n : copy_translated(t, b, n);
        t[len] = '\0';
        const unsigned char *bad = utf8_invalid(t, len), *end = (unsigned char *)t + len;
        if (bad && !lazy)
            return fail(err, 0, "'utf-8' codec can't decode byte 0x%02x in position %zu: %s",
                        *bad, (size_t)(bad - (const unsigned char *)t), utf8_reason(bad, end));
        if (bad) {
            int line = first_bad_line((const unsigned char *)t, len, &bad);
            if (line)
                return fail(err, line, "(unicode error) 'utf-8' codec can't decode byte 0x%02x: %s",
                            *bad, utf8_reason(bad, end));
            t = replace_bad(a, t, &len);
        }
        out->text = t;
        out->len = len;
        return SRC_OK;
    }
    char *tmp = xmalloc(n + 1);
    size_t tn = copy_translated(tmp, b, n), bad = 0;
    char *t = arena_alloc(a, 3 * tn + 1);
    long len = decode_table(t, (const unsigned char *)tmp, tn, (Codec)codec, &bad);
    unsigned byte = len < 0 ? (unsigned char)tmp[bad] : 0;
    free(tmp);
    if (len < 0 && codec == CODEC_ASCII)
        return fail(err, 0, "'ascii' codec can't decode byte 0x%02x in position %zu: "
                            "ordinal not in range(128)", byte, bad);
    if (len < 0)
        return fail(err, 0, "'charmap' codec can't decode byte 0x%02x in position %zu: "
                            "character maps to <undefined>", byte, bad);
    out->text = t;
    out->len = (size_t)len;
    return SRC_OK;
}

/* Decodes bytes[0..n) into out: the text and the raw bytes in ta, the line
 * table in a (none when a is NULL: source_reload keeps the one it has).
 * own: the bytes are ta's, read there (decode_body). */
static SourceStatus decode(Arena *a, Arena *ta, const char *path, const char *bytes, size_t n,
                           int own, Source *out, SourceError *err)
{
    memset(out, 0, sizeof *out);
    out->path = path;
    out->encoding = "utf-8";
    out->text = "";
    if (err) {
        err->line = 0;
        err->msg[0] = '\0';
    }
    SourceStatus st = SRC_OK;
    if (n > UINT32_MAX - 16) {
        st = fail(err, 0, "source file too large");
        goto done;
    }
    if (memchr(bytes, '\0', n)) {
        st = fail(err, 1, "source code string cannot contain null bytes");
        goto done;
    }
    if (n >= 3 && !memcmp(bytes, "\xEF\xBB\xBF", 3)) {
        out->had_bom = 1;
        bytes += 3, n -= 3;
    }
    char spec[64];
    int codec = CODEC_UTF8, lazy = 1;
    if (find_declaration(bytes, n, spec, sizeof spec)) {
        const char *name = normal_name(spec);
        if (out->had_bom && strcmp(name, "utf-8") != 0) {
            st = fail(err, 0, "encoding problem: %s with BOM", name);
            goto done;
        }
        if (strcmp(name, "utf-8") != 0) {
            lazy = 0;
            codec = lookup_codec(name);
            if (codec < 0) {
                st = fail(err, 0, "unknown encoding: %s", name);
                goto done;
            }
        }
        out->encoding = codec_names[codec];
    }
    st = decode_body(ta, bytes, n, codec, lazy, own, out, err);
    if (st == SRC_OK) { /* the bytes as read, for fixes (fix.h): usually the text itself */
        out->raw = out->text == bytes || (out->len == n && !memcmp(out->text, bytes, n))
                       ? out->text
                   : own ? bytes
                         : arena_strndup(ta, bytes, n);
        out->rawlen = n;
    }
done:
    if (st != SRC_OK) {
        out->text = "";
        out->len = 0;
    }
    if (a)
        build_lines(a, out);
    return st;
}

SourceStatus source_from_bytes(Arena *a, const char *path, const char *bytes, size_t n,
                               Source *out, SourceError *err)
{
    return decode(a, a, path, bytes, n, 0, out, err);
}

/* buf[0..len) in a buffer of size bytes: realloc'd on the heap, or a new
 * one in a (which cannot give the old one back). */
static char *grow(Arena *a, char *buf, size_t len, size_t size)
{
    if (!a)
        return xrealloc(buf, size);
    char *b = arena_alloc_raw(a, size);
    if (len)
        memcpy(b, buf, len);
    return b;
}

/* source_read, into a when a is set: a file's text is then the buffer it
 * was read into (decode_body), no copy. */
static char *read_all(Arena *a, const char *path, size_t *n)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    /* a regular file is read into a buffer of its size in one read: no
       stdio copy, no doubling (each doubling touched fresh pages) */
    struct stat st;
    size_t cap = 65536;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0)
        cap = (size_t)st.st_size + 1; /* +1: a file that grew is seen to */
    char *buf = grow(a, NULL, 0, cap + 1);
    size_t len = 0;
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = grow(a, buf, len, cap + 1);
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            close(fd);
            if (!a)
                free(buf);
            errno = e;
            return NULL;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    buf[len] = 0;
    *n = len;
    return buf;
}

char *source_read(const char *path, size_t *n) { return read_all(NULL, path, n); }

/* decode, of the file at path, read into ta, when bytes is NULL. */
static SourceStatus load(Arena *a, Arena *ta, const char *path, const char *bytes, size_t n,
                         Source *out, SourceError *err)
{
    int own = !bytes;
    if (own && !(bytes = read_all(ta, path, &n))) {
        memset(out, 0, sizeof *out);
        out->path = path;
        out->text = "";
        out->encoding = "utf-8";
        if (err) {
            err->line = 0;
            snprintf(err->msg, sizeof err->msg, "%s", strerror(errno));
        }
        if (a)
            build_lines(a, out);
        return SRC_IO_ERROR;
    }
    return decode(a, ta, path, bytes, n, own, out, err);
}

SourceStatus source_load(Arena *a, const char *path, Source *out, SourceError *err)
{
    return load(a, a, path, NULL, 0, out, err);
}

SourceStatus source_open(Arena *a, Arena *ta, const char *path, const char *bytes, size_t n,
                         Source *out, SourceError *err)
{
    return load(a, ta, path, bytes, n, out, err);
}

void source_drop_text(Source *s)
{
    s->text = NULL; /* a stray read faults rather than reads freed memory */
    s->raw = NULL;
}

SourceStatus source_reload(Arena *ta, Source *s, const char *bytes, size_t n, SourceError *err)
{
    Source again;
    SourceStatus st = load(NULL, ta, s->path, bytes, n, &again, err);
    if (st == SRC_OK && again.len != s->len) { /* the positions of s's tree may lie past its end */
        fail(err, 0, "changed while it was analyzed");
        st = SRC_IO_ERROR;
    }
    if (st != SRC_OK)
        return st;
    s->text = again.text;
    s->raw = again.raw;
    s->rawlen = again.rawlen;
    return SRC_OK;
}

const char *source_line(const Source *s, int line, size_t *len)
{
    if (line < 1 || line > s->nlines) {
        if (len)
            *len = 0;
        return s->text + s->len;
    }
    uint32_t b = s->lines[line - 1], e = s->lines[line];
    if (e > b && s->text[e - 1] == '\n')
        e--;
    if (len)
        *len = e - b;
    return s->text + b;
}

int source_column(const Source *s, int line, int col)
{
    size_t n;
    const char *t = source_line(s, line, &n);
    int cps = 0;
    for (int i = 0; i < col; i++) {
        if ((size_t)i >= n || ((unsigned char)t[i] & 0xC0) != 0x80)
            cps++;
    }
    return cps + 1;
}
