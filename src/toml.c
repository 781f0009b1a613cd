/*
 * toml.c - the TOML reader of toml.h.
 *
 * A first pass checks that the text is UTF-8 and records where each line
 * starts (positions in messages come from it); then a recursive descent
 * over the text builds the tree in the arena.  The first error stops the
 * parse: every function returns 0 (or NULL) after calling fail, and its
 * callers pass that on.
 *
 * TOML's rules against redefinition are kept with flags on each table:
 * made by a [header], made on the way to a header (implicit, may get its
 * own header later, once), made by a dotted key (no header may name it),
 * or sealed (an inline table: nothing may be added).  Keys of every table
 * are also entered in one hash of (table, key), so that duplicate checks
 * stay linear on large lock files.
 */
#include "toml.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    F_HEADER = 1,   /* a table named by [header] or [[header]] (or the root) */
    F_IMPLICIT = 2, /* a table made on the way to a header */
    F_DOTTED = 4,   /* a table made by a dotted key */
    F_SEALED = 8,   /* an inline table, closed */
    F_AOT = 16,     /* an array of tables, made by [[header]] */
};

#define MAX_KEY_PARTS 64 /* parts of one dotted key */

typedef struct Slot {
    const TomlValue *t; /* the table, or NULL for an empty slot */
    int idx;            /* the key's index in t's entries */
} Slot;

typedef struct Key {
    const char *s; /* decoded, NUL-terminated, in the arena */
    size_t n;
    const char *at; /* where it was written */
} Key;

typedef struct P {
    Arena *a;
    const char *s, *end, *p; /* the text and the cursor */
    VEC(size_t) lines;       /* offset of each line's start */
    Slot *slots;             /* the (table, key) hash; nslots a power of two */
    size_t nslots, used;
    TomlError *err;
    int failed;
    int depth;         /* arrays and inline tables open */
    size_t col_off;    /* a column computed last: its offset, */
    int col_line, col; /* line and column (columns count from there) */
} P;

/* ------------------------------------------------------------ errors */

/* The 0-based index of the line holding offset off. */
static size_t line_index(const P *ps, size_t off)
{
    size_t lo = 0, hi = ps->lines.n;
    while (hi - lo > 1) { /* the last line starting at or before off */
        size_t mid = (lo + hi) / 2;
        if (ps->lines.items[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/*
 * The 1-based line and character column of at.  Columns are counted on
 * from the last one computed when at is further on the same line, so a
 * long line of many values costs linear time, not quadratic.
 */
static void where(P *ps, const char *at, int *line, int *col)
{
    size_t off = (size_t)(at - ps->s), li = line_index(ps, off);
    size_t from = ps->lines.items[li];
    int c = 1;
    if (ps->col_line == (int)li + 1 && ps->col_off <= off && ps->col_off >= from) {
        from = ps->col_off;
        c = ps->col;
    }
    for (size_t i = from; i < off; i++)
        c += ((unsigned char)ps->s[i] & 0xC0) != 0x80;
    ps->col_line = (int)li + 1;
    ps->col_off = off;
    ps->col = c;
    *line = (int)li + 1;
    *col = c;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail(P *ps, const char *at, const char *fmt, ...)
{
    if (ps->failed)
        return 0;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ps->failed = 1;
    where(ps, at < ps->end ? at : ps->end, &ps->err->line, &ps->err->col);
    ps->err->msg = arena_strndup(ps->a, buf, strlen(buf));
    return 0;
}

/* A key as messages quote it: printable ASCII kept, other bytes escaped,
 * cut after 48 bytes. */
static const char *show(P *ps, const char *s, size_t n)
{
    char buf[256];
    size_t o = 0;
    for (size_t i = 0; i < n && o < 200; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == 48) {
            o += (size_t)snprintf(buf + o, sizeof buf - o, "...");
            break;
        }
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\')
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, sizeof buf - o, "\\x%02x", c);
    }
    buf[o] = 0;
    return arena_printf(ps->a, "\"%s\"", buf);
}

/* The first character at p, for "unexpected" messages. */
static const char *show_char(P *ps, const char *p)
{
    if (p >= ps->end)
        return "the end of the file";
    if (*p == '\n' || *p == '\r')
        return "the end of the line";
    return show(ps, p, 1);
}

/* ------------------------------------------------------------ encoding */

/* Length of the UTF-8 sequence at s[0..n), or 0 if it is not valid
 * (overlong forms, surrogates and code points past U+10FFFF included). */
static int utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (!len || c > 0xF4 || (size_t)len > n)
        return 0;
    for (int i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) || (c == 0xF0 && s[1] < 0x90) ||
        (c == 0xF4 && s[1] >= 0x90))
        return 0;
    return len;
}

/* Records the line starts and checks the encoding. */
static int scan_text(P *ps)
{
    VEC_PUSH(&ps->lines, (size_t)0);
    const unsigned char *s = (const unsigned char *)ps->s;
    size_t n = (size_t)(ps->end - ps->s);
    for (size_t i = 0; i < n;) {
        if (s[i] == '\n')
            VEC_PUSH(&ps->lines, i + 1);
        int len = utf8_len(s + i, n - i);
        if (!len)
            return fail(ps, ps->s + i, "the file is not valid UTF-8");
        i += (size_t)len;
    }
    return 1;
}

/* Writes code point cp as UTF-8 at *o. */
static void put_utf8(char **o, unsigned long cp)
{
    char *d = *o;
    if (cp < 0x80) {
        *d++ = (char)cp;
    } else if (cp < 0x800) {
        *d++ = (char)(0xC0 | (cp >> 6));
        *d++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *d++ = (char)(0xE0 | (cp >> 12));
        *d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *d++ = (char)(0xF0 | (cp >> 18));
        *d++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    }
    *o = d;
}

/* A control character TOML forbids in strings and comments (tab is fine;
 * newlines are handled by the callers). */
static int is_control(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7F; }

/* ------------------------------------------------------------ tables */

static unsigned long hash_key(const TomlValue *t, const char *s, size_t n)
{
    unsigned long h = 2166136261u ^ (unsigned long)(uintptr_t)t;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h ^ (h >> 15);
}

static TomlValue *new_value(P *ps, TomlType type, const char *at)
{
    TomlValue *v = arena_alloc(ps->a, sizeof *v);
    v->type = type;
    where(ps, at, &v->line, &v->col);
    return v;
}

/* The entry of key s[0..n) in table t, or NULL. */
static TomlKeyVal *lookup(P *ps, TomlValue *t, const char *s, size_t n)
{
    if (!ps->nslots)
        return NULL;
    for (size_t i = hash_key(t, s, n) & (ps->nslots - 1);; i = (i + 1) & (ps->nslots - 1)) {
        const Slot *sl = &ps->slots[i];
        if (!sl->t)
            return NULL;
        TomlKeyVal *kv = &t->v.tab.kv[sl->idx];
        if (sl->t == t && kv->keylen == n && !memcmp(kv->key, s, n))
            return kv;
    }
}

static void slot_put(Slot *slots, size_t nslots, const TomlValue *t, const TomlKeyVal *kv, int idx)
{
    size_t i = hash_key(t, kv->key, kv->keylen) & (nslots - 1);
    while (slots[i].t)
        i = (i + 1) & (nslots - 1);
    slots[i].t = t;
    slots[i].idx = idx;
}

/* Adds key k with value v to table t (k is known to be absent). */
static void insert(P *ps, TomlValue *t, const Key *k, TomlValue *v)
{
    if (t->v.tab.n == t->v.tab.cap) {
        int cap = t->v.tab.cap ? 2 * t->v.tab.cap : 4;
        TomlKeyVal *kv = arena_alloc(ps->a, (size_t)cap * sizeof *kv);
        if (t->v.tab.n)
            memcpy(kv, t->v.tab.kv, (size_t)t->v.tab.n * sizeof *kv);
        t->v.tab.kv = kv;
        t->v.tab.cap = cap;
    }
    if (2 * (ps->used + 1) > ps->nslots) { /* grow and rehash */
        size_t n = ps->nslots ? 2 * ps->nslots : 64;
        Slot *slots = xcalloc(n, sizeof *slots);
        for (size_t i = 0; i < ps->nslots; i++)
            if (ps->slots[i].t)
                slot_put(slots, n, ps->slots[i].t, &ps->slots[i].t->v.tab.kv[ps->slots[i].idx],
                         ps->slots[i].idx);
        free(ps->slots);
        ps->slots = slots;
        ps->nslots = n;
    }
    int idx = t->v.tab.n++;
    TomlKeyVal *kv = &t->v.tab.kv[idx];
    kv->key = k->s;
    kv->keylen = k->n;
    kv->line = (int)line_index(ps, (size_t)(k->at - ps->s)) + 1;
    kv->val = v;
    slot_put(ps->slots, ps->nslots, t, kv, idx);
    ps->used++;
}

static void append(P *ps, TomlValue *arr, TomlValue *v)
{
    if (arr->v.arr.n == arr->v.arr.cap) {
        int cap = arr->v.arr.cap ? 2 * arr->v.arr.cap : 4;
        TomlValue **items = arena_alloc(ps->a, (size_t)cap * sizeof *items);
        if (arr->v.arr.n)
            memcpy(items, arr->v.arr.items, (size_t)arr->v.arr.n * sizeof *items);
        arr->v.arr.items = items;
        arr->v.arr.cap = cap;
    }
    arr->v.arr.items[arr->v.arr.n++] = v;
}

/* ------------------------------------------------------------ white space */

static void skip_ws(P *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
        ps->p++;
}

/* At a line end ("\n" or "\r\n")?  Its length, else 0. */
static int at_newline(const P *ps)
{
    if (ps->p < ps->end && *ps->p == '\n')
        return 1;
    if (ps->end - ps->p >= 2 && ps->p[0] == '\r' && ps->p[1] == '\n')
        return 2;
    return 0;
}

/* comment -> '#' non-control characters up to the line end */
static int comment(P *ps)
{
    for (ps->p++; ps->p < ps->end && !at_newline(ps); ps->p++)
        if (is_control((unsigned char)*ps->p))
            return fail(ps, ps->p, "a control character in a comment");
    return 1;
}

/* White space, newlines and comments (inside arrays and inline tables). */
static int skip_ws_nl(P *ps)
{
    for (;;) {
        skip_ws(ps);
        int nl = at_newline(ps);
        if (nl)
            ps->p += nl;
        else if (ps->p < ps->end && *ps->p == '#') {
            if (!comment(ps))
                return 0;
        } else
            return 1;
    }
}

/* What ends an expression: white space, a comment, then a line end. */
static int end_of_line(P *ps, const char *after)
{
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '#' && !comment(ps))
        return 0;
    if (ps->p >= ps->end)
        return 1;
    int nl = at_newline(ps);
    if (!nl)
        return fail(ps, ps->p, "expected the end of the line after %s, found %s", after,
                    show_char(ps, ps->p));
    ps->p += nl;
    return 1;
}

/* ------------------------------------------------------------ strings */

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* escape -> '\' (b t n f r e " \ | xHH | uHHHH | UHHHHHHHH); q at the
 * backslash, moved past the escape; its character written at *o. */
static int escape(P *ps, const char **q, char **o)
{
    const char *at = *q, *p = at + 1;
    if (p >= ps->end)
        return fail(ps, at, "a backslash at the end of the file");
    static const char from[] = "btnfre\"\\", to[] = "\b\t\n\f\r\x1b\"\\";
    const char *k = memchr(from, *p, sizeof from - 1);
    if (k && *p) {
        *(*o)++ = to[k - from];
        *q = p + 1;
        return 1;
    }
    int digits = *p == 'x' ? 2 : *p == 'u' ? 4 : *p == 'U' ? 8 : 0;
    if (!digits)
        return fail(ps, at, "unknown escape sequence \\%s",
                    *p == '\n' || *p == '\r' ? "(newline)" : show(ps, p, 1));
    unsigned long cp = 0;
    for (int i = 1; i <= digits; i++) {
        int d = p + i < ps->end ? hex_digit(p[i]) : -1;
        if (d < 0)
            return fail(ps, at, "\\%c needs %d hexadecimal digits", *p, digits);
        cp = cp * 16 + (unsigned long)d;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return fail(ps, at, "\\%c%.*s is not a Unicode scalar value", *p, digits, p + 1);
    put_utf8(o, cp);
    *q = p + 1 + digits;
    return 1;
}

/* A quoted run: how many times quote repeats at p. */
static size_t run_of(const P *ps, const char *p, char quote)
{
    size_t r = 0;
    while (p + r < ps->end && p[r] == quote)
        r++;
    return r;
}

/*
 * string -> basic | literal (one line): p at the opening quote.  The
 * decoded text goes to *out (NUL-terminated, in the arena).
 */
static int line_string(P *ps, Key *out)
{
    char quote = *ps->p;
    const char *open = ps->p, *q = ps->p + 1, *close = q;
    while (close < ps->end && *close != quote && *close != '\n') {
        if (quote == '"' && *close == '\\' && close + 1 < ps->end && close[1] != '\n')
            close++;
        close++;
    }
    if (close >= ps->end || *close != quote)
        return fail(ps, open, "this string is not closed on its line");
    char *buf = arena_alloc(ps->a, (size_t)(close - q) + 1), *o = buf;
    while (q < close) {
        if (quote == '"' && *q == '\\') {
            if (!escape(ps, &q, &o))
                return 0;
        } else if (is_control((unsigned char)*q)) {
            return fail(ps, q, "a control character in a string (write it as an escape)");
        } else {
            *o++ = *q++;
        }
    }
    *o = 0;
    out->s = buf;
    out->n = (size_t)(o - buf);
    out->at = open;
    ps->p = close + 1;
    return 1;
}

/* In a multi-line basic string at a backslash: is it a line-ending
 * backslash (only white space up to the line end)? */
static int line_ending_backslash(const P *ps, const char *q)
{
    for (q++; q < ps->end && (*q == ' ' || *q == '\t'); q++)
        ;
    return q < ps->end && (*q == '\n' || (*q == '\r' && q + 1 < ps->end && q[1] == '\n'));
}

/* Decodes the body [q, close) of a multi-line string into out. */
static int ml_body(P *ps, char quote, const char *q, const char *close, Key *out)
{
    char *buf = arena_alloc(ps->a, (size_t)(close - q) + 1), *o = buf;
    if (q < close && *q == '\n') /* a newline right after the opening quotes is trimmed */
        q++;
    else if (close - q >= 2 && q[0] == '\r' && q[1] == '\n')
        q += 2;
    while (q < close) {
        unsigned char c = (unsigned char)*q;
        if (quote == '"' && c == '\\' && line_ending_backslash(ps, q)) {
            for (q++; q < close && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'); q++)
                ;
        } else if (quote == '"' && c == '\\') {
            if (!escape(ps, &q, &o))
                return 0;
        } else if (c == '\r' && q + 1 < close && q[1] == '\n') {
            *o++ = '\n'; /* CRLF read as LF */
            q += 2;
        } else if (c != '\n' && is_control(c)) {
            return fail(ps, q, "a control character in a string (write it as an escape)");
        } else {
            *o++ = *q++;
        }
    }
    *o = 0;
    out->s = buf;
    out->n = (size_t)(o - buf);
    return 1;
}

/*
 * ml-string -> '"""' ... '"""' | "'''" ... "'''": p at the opening quotes.
 * Up to two quotes just before the closing ones belong to the text.
 */
static int ml_string(P *ps, Key *out)
{
    char quote = *ps->p;
    const char *open = ps->p, *q = ps->p + 3;
    for (;;) {
        if (q >= ps->end)
            return fail(ps, open, "this multi-line string is not closed");
        if (quote == '"' && *q == '\\') {
            q += q + 1 < ps->end ? 2 : 1;
            continue;
        }
        if (*q != quote) {
            q++;
            continue;
        }
        size_t r = run_of(ps, q, quote);
        if (r < 3) {
            q += r;
            continue;
        }
        if (r > 5)
            return fail(ps, q, "too many quotes at the end of a multi-line string");
        if (!ml_body(ps, quote, open + 3, q + (r - 3), out))
            return 0;
        out->at = open;
        ps->p = q + r;
        return 1;
    }
}

static TomlValue *string_value(P *ps)
{
    Key k = {0};
    const char *at = ps->p;
    int ml = run_of(ps, ps->p, *ps->p) >= 3;
    if (!(ml ? ml_string(ps, &k) : line_string(ps, &k)))
        return NULL;
    TomlValue *v = new_value(ps, TOML_STRING, at);
    v->v.str.s = k.s;
    v->v.str.len = k.n;
    return v;
}

/* ------------------------------------------------------------ keys */

static int is_bare(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* simple-key -> bare-key | basic-string | literal-string */
static int simple_key(P *ps, Key *k)
{
    if (ps->p < ps->end && (*ps->p == '"' || *ps->p == '\'')) {
        if (run_of(ps, ps->p, *ps->p) >= 3)
            return fail(ps, ps->p, "a multi-line string cannot be a key");
        return line_string(ps, k);
    }
    const char *s = ps->p;
    while (ps->p < ps->end && is_bare(*ps->p))
        ps->p++;
    if (ps->p == s)
        return fail(ps, s, "expected a key, found %s", show_char(ps, s));
    k->s = arena_strndup(ps->a, s, (size_t)(ps->p - s));
    k->n = (size_t)(ps->p - s);
    k->at = s;
    return 1;
}

/* key -> simple-key ( ws '.' ws simple-key )*; its parts in k[0..*n). */
static int dotted_key(P *ps, Key *k, int *n)
{
    *n = 0;
    for (;;) {
        if (*n == MAX_KEY_PARTS)
            return fail(ps, ps->p, "a dotted key of more than %d parts", MAX_KEY_PARTS);
        if (!simple_key(ps, &k[(*n)++]))
            return 0;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != '.')
            return 1;
        ps->p++;
        skip_ws(ps);
    }
}

/* The dotted key k[0..n) as messages show it: "tool.sessionlint". */
static const char *key_text(P *ps, const Key *k, int n)
{
    const char *s = "";
    for (int i = 0; i < n; i++) {
        const char *part = show(ps, k[i].s, k[i].n);
        int bare = k[i].n > 0;
        for (size_t j = 0; j < k[i].n; j++)
            bare &= is_bare(k[i].s[j]);
        if (bare) /* drop the quotes */
            part = arena_strndup(ps->a, part + 1, strlen(part) - 2);
        s = i ? arena_printf(ps->a, "%s.%s", s, part) : part;
    }
    return s;
}

/* ------------------------------------------------------------ values */

static TomlValue *value(P *ps);

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_hex(int c) { return hex_digit((char)c) >= 0; }
static int is_oct(int c) { return c >= '0' && c <= '7'; }
static int is_bin(int c) { return c == '0' || c == '1'; }

/* A run of digits from d (before e) where each '_' sits between two
 * digits; the end of the run, or NULL if there is none or an '_' is
 * misplaced. */
static const char *digits(const char *d, const char *e, int (*ok)(int))
{
    if (d >= e || !ok((unsigned char)*d))
        return NULL;
    while (d < e && (ok((unsigned char)*d) || *d == '_')) {
        if (*d == '_' && (d + 1 >= e || !ok((unsigned char)d[1])))
            return NULL;
        d++;
    }
    return d;
}

/* The integer in d[0..e) (digits of the given base, '_' between them);
 * 0 if it does not fit in 64 bits with its sign. */
static int int_of(const char *d, const char *e, int base, int neg, long long *out)
{
    unsigned long long u = 0, limit = neg ? (unsigned long long)INT64_MAX + 1 : INT64_MAX;
    for (; d < e; d++) {
        if (*d == '_')
            continue;
        unsigned dig = (unsigned)hex_digit(*d);
        if (u > (limit - dig) / (unsigned)base)
            return 0;
        u = u * (unsigned)base + dig;
    }
    *out =
        neg ? (u == (unsigned long long)INT64_MAX + 1 ? INT64_MIN : -(long long)u) : (long long)u;
    return 1;
}

static int is_number_char(char c) { return is_bare(c) || c == '+' || c == '.' || c == ':'; }

/* "1979-05-27" or "07:32:00": the start of a date or time. */
static int looks_like_date(const char *s, size_t n)
{
    if (n >= 5 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) &&
        s[4] == '-')
        return 1;
    return n >= 3 && is_digit(s[0]) && is_digit(s[1]) && s[2] == ':';
}

static TomlValue *float_value(P *ps, const char *s, const char *e)
{
    TomlValue *v = new_value(ps, TOML_FLOAT, s);
    char *buf = arena_alloc(ps->a, (size_t)(e - s) + 1), *o = buf;
    for (const char *q = s; q < e; q++)
        if (*q != '_')
            *o++ = *q;
    *o = 0;
    const char *body = buf + (*buf == '+' || *buf == '-');
    if (!strcmp(body, "inf") || !strcmp(body, "nan")) {
        double x = body[0] == 'i' ? HUGE_VAL : NAN;
        v->v.f = *buf == '-' ? -x : x;
    } else {
        v->v.f = strtod(buf, NULL);
    }
    return v;
}

/* integer | float (and a clear error for dates and times) */
static TomlValue *number(P *ps)
{
    const char *s = ps->p, *e = s;
    while (e < ps->end && is_number_char(*e))
        e++;
    ps->p = e;
    if (looks_like_date(s, (size_t)(e - s)))
        return fail(ps, s, "dates and times are not supported here"), NULL;
    const char *d = s + (*s == '+' || *s == '-');
    int neg = *s == '-';
    long long x;
    if (e - d == 3 && (!memcmp(d, "inf", 3) || !memcmp(d, "nan", 3)))
        return float_value(ps, s, e);
    if (d == s && e - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
        int base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
        const char *end = digits(s + 2, e, base == 16 ? is_hex : base == 8 ? is_oct : is_bin);
        if (end != e)
            return fail(ps, s, "not a valid number: %s", show(ps, s, (size_t)(e - s))), NULL;
        if (!int_of(s + 2, e, base, 0, &x))
            return fail(ps, s, "this integer does not fit in 64 bits"), NULL;
        TomlValue *v = new_value(ps, TOML_INT, s);
        v->v.i = x;
        return v;
    }
    const char *q = digits(d, e, is_digit), *int_end = q;
    int is_float = 0;
    if (q && q - d > 1 && d[0] == '0')
        return fail(ps, s, "leading zeros are not allowed in a number"), NULL;
    if (q && q < e && *q == '.') {
        q = digits(q + 1, e, is_digit);
        is_float = 1;
    }
    if (q && q < e && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < e && (*q == '+' || *q == '-'))
            q++;
        q = digits(q, e, is_digit);
        is_float = 1;
    }
    if (q != e)
        return fail(ps, s, "not a valid value: %s", show(ps, s, (size_t)(e - s))), NULL;
    if (is_float)
        return float_value(ps, s, e);
    if (!int_of(d, int_end, 10, neg, &x))
        return fail(ps, s, "this integer does not fit in 64 bits"), NULL;
    TomlValue *v = new_value(ps, TOML_INT, s);
    v->v.i = x;
    return v;
}

/* array -> '[' ( value ( ',' value )* ','? )? ']', with newlines and
 * comments anywhere between */
static TomlValue *array(P *ps)
{
    TomlValue *arr = new_value(ps, TOML_ARRAY, ps->p);
    const char *open = ps->p++;
    for (;;) {
        if (!skip_ws_nl(ps))
            return NULL;
        if (ps->p < ps->end && *ps->p == ']')
            break;
        TomlValue *v = value(ps);
        if (!v)
            return NULL;
        append(ps, arr, v);
        if (!skip_ws_nl(ps))
            return NULL;
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']')
            break;
        if (ps->p >= ps->end)
            return fail(ps, open, "this array is not closed"), NULL;
        return fail(ps, ps->p, "expected `,` or `]` in an array, found %s", show_char(ps, ps->p)),
               NULL;
    }
    ps->p++;
    return arr;
}

static int keyval(P *ps, TomlValue *t);

/* inline-table -> '{' ( keyval ( ',' keyval )* ','? )? '}' (newlines,
 * comments and a trailing comma accepted, as TOML 1.1 does) */
static TomlValue *inline_table(P *ps)
{
    TomlValue *t = new_value(ps, TOML_TABLE, ps->p);
    const char *open = ps->p++;
    for (;;) {
        if (!skip_ws_nl(ps))
            return NULL;
        if (ps->p < ps->end && *ps->p == '}')
            break;
        if (!keyval(ps, t) || !skip_ws_nl(ps))
            return NULL;
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}')
            break;
        if (ps->p >= ps->end)
            return fail(ps, open, "this inline table is not closed"), NULL;
        return fail(ps, ps->p, "expected `,` or `}` in an inline table, found %s",
                    show_char(ps, ps->p)),
               NULL;
    }
    ps->p++;
    t->flags |= F_SEALED;
    return t;
}

/* value -> string | number | boolean | array | inline-table */
static TomlValue *value(P *ps)
{
    if (ps->p >= ps->end || at_newline(ps))
        return fail(ps, ps->p, "expected a value, found %s", show_char(ps, ps->p)), NULL;
    char c = *ps->p;
    if (c == '"' || c == '\'')
        return string_value(ps);
    if (c == '[' || c == '{') {
        if (ps->depth >= TOML_MAX_DEPTH)
            return fail(ps, ps->p, "arrays and inline tables nested more than %d deep",
                        TOML_MAX_DEPTH),
                   NULL;
        ps->depth++;
        TomlValue *v = c == '[' ? array(ps) : inline_table(ps);
        ps->depth--;
        return v;
    }
    for (int b = 0; b < 2; b++) {
        const char *word = b ? "true" : "false";
        size_t n = strlen(word);
        if ((size_t)(ps->end - ps->p) >= n && !memcmp(ps->p, word, n) &&
            (ps->p + n == ps->end || !is_bare(ps->p[n]))) {
            TomlValue *v = new_value(ps, TOML_BOOL, ps->p);
            v->v.b = b;
            ps->p += n;
            return v;
        }
    }
    if (is_digit(c) || c == '+' || c == '-' || c == 'i' || c == 'n')
        return number(ps);
    if (is_bare(c)) { /* a word: quote it whole */
        const char *e = ps->p;
        while (e < ps->end && is_bare(*e))
            e++;
        return fail(ps, ps->p, "expected a value (strings are quoted), found %.*s",
                    (int)(e - ps->p > 40 ? 40 : e - ps->p), ps->p),
               NULL;
    }
    return fail(ps, ps->p,
                "expected a value (a string, number, boolean, array or inline table), "
                "found %s",
                show_char(ps, ps->p)),
           NULL;
}

/* ------------------------------------------------------------ structure */

/* keyval -> key ws '=' ws value, added to table t. */
static int keyval(P *ps, TomlValue *t)
{
    Key k[MAX_KEY_PARTS];
    int n;
    if (!dotted_key(ps, k, &n))
        return 0;
    if (ps->p >= ps->end || *ps->p != '=')
        return fail(ps, ps->p, "expected `=` after the key %s, found %s", key_text(ps, k, n),
                    show_char(ps, ps->p));
    ps->p++;
    skip_ws(ps);
    for (int i = 0; i < n - 1; i++) { /* the tables of a dotted key */
        TomlKeyVal *e = lookup(ps, t, k[i].s, k[i].n);
        if (!e) {
            TomlValue *sub = new_value(ps, TOML_TABLE, k[i].at);
            sub->flags = F_DOTTED;
            insert(ps, t, &k[i], sub);
            t = sub;
            continue;
        }
        if (e->val->type != TOML_TABLE)
            return fail(ps, k[i].at, "%s is already a value, not a table", key_text(ps, k, i + 1));
        if (e->val->flags & F_SEALED)
            return fail(ps, k[i].at, "%s is an inline table: no keys can be added to it",
                        key_text(ps, k, i + 1));
        if (e->val->flags & F_HEADER)
            return fail(ps, k[i].at, "table %s has its own [header]: add keys there",
                        key_text(ps, k, i + 1));
        t = e->val;
    }
    if (lookup(ps, t, k[n - 1].s, k[n - 1].n))
        return fail(ps, k[n - 1].at, "duplicate key %s", key_text(ps, k, n));
    TomlValue *v = value(ps);
    if (!v)
        return 0;
    insert(ps, t, &k[n - 1], v);
    return 1;
}

/* The table a header's key k[i] names inside t, created on the way
 * (implicit); the last element of an array of tables. */
static TomlValue *descend(P *ps, TomlValue *t, const Key *k, int i)
{
    TomlKeyVal *e = lookup(ps, t, k[i].s, k[i].n);
    if (!e) {
        TomlValue *sub = new_value(ps, TOML_TABLE, k[i].at);
        sub->flags = F_IMPLICIT;
        insert(ps, t, &k[i], sub);
        return sub;
    }
    TomlValue *v = e->val;
    if (v->type == TOML_ARRAY && (v->flags & F_AOT))
        return v->v.arr.items[v->v.arr.n - 1];
    if (v->type != TOML_TABLE)
        return fail(ps, k[i].at, "%s is already a value, not a table", key_text(ps, k, i + 1)),
               NULL;
    if (v->flags & F_SEALED)
        return fail(ps, k[i].at, "%s is an inline table: no table can be added to it",
                    key_text(ps, k, i + 1)),
               NULL;
    return v;
}

/* table -> '[' ws key ws ']' | '[[' ws key ws ']]': the table that the
 * following key-value pairs go into. */
static TomlValue *header(P *ps, TomlValue *root)
{
    const char *open = ps->p;
    int aot = ps->end - ps->p >= 2 && ps->p[1] == '[';
    ps->p += aot ? 2 : 1;
    skip_ws(ps);
    Key k[MAX_KEY_PARTS];
    int n;
    if (!dotted_key(ps, k, &n))
        return NULL;
    const char *close = aot ? "]]" : "]";
    if ((size_t)(ps->end - ps->p) < strlen(close) || memcmp(ps->p, close, strlen(close)))
        return fail(ps, ps->p, "expected `%s` to end the table header, found %s", close,
                    show_char(ps, ps->p)),
               NULL;
    ps->p += strlen(close);
    TomlValue *t = root;
    for (int i = 0; i < n - 1 && t; i++)
        t = descend(ps, t, k, i);
    if (!t)
        return NULL;
    const char *name = key_text(ps, k, n);
    TomlKeyVal *e = lookup(ps, t, k[n - 1].s, k[n - 1].n);
    TomlValue *v = e ? e->val : NULL;
    TomlValue *made = new_value(ps, TOML_TABLE, open);
    made->flags = F_HEADER;
    if (aot) {
        if (!v) {
            v = new_value(ps, TOML_ARRAY, open);
            v->flags = F_AOT;
            insert(ps, t, &k[n - 1], v);
        } else if (v->type != TOML_ARRAY || !(v->flags & F_AOT)) {
            return fail(ps, open, "[[%s]]: %s is already defined and is not an array of tables",
                        name, name),
                   NULL;
        }
        append(ps, v, made);
        return made;
    }
    if (!v) {
        insert(ps, t, &k[n - 1], made);
        return made;
    }
    if (v->type == TOML_ARRAY && (v->flags & F_AOT))
        return fail(ps, open, "[%s]: %s is an array of tables (write [[%s]])", name, name, name),
               NULL;
    if (v->type != TOML_TABLE)
        return fail(ps, open, "[%s]: %s is already a value, not a table", name, name), NULL;
    if (v->flags & (F_HEADER | F_SEALED))
        return fail(ps, open, "table [%s] is defined twice", name), NULL;
    if (v->flags & F_DOTTED)
        return fail(ps, open, "table [%s] is already defined by dotted keys", name), NULL;
    v->flags = F_HEADER;
    v->line = made->line; /* where it is defined, for messages */
    v->col = made->col;
    return v;
}

TomlValue *toml_parse(Arena *a, const char *text, size_t n, TomlError *err)
{
    P ps = {0};
    ps.a = a;
    ps.s = ps.p = text;
    ps.end = text + n;
    ps.err = err;
    memset(err, 0, sizeof *err);
    TomlValue *root = NULL, *cur = NULL;
    if (!scan_text(&ps))
        goto done;
    if (n >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) /* a byte-order mark */
        ps.p += 3;
    root = cur = new_value(&ps, TOML_TABLE, ps.p);
    root->flags = F_HEADER;
    while (ps.p < ps.end && !ps.failed) {
        skip_ws(&ps);
        if (ps.p >= ps.end)
            break;
        if (*ps.p == '[') {
            cur = header(&ps, root);
            if (cur)
                end_of_line(&ps, "the table header");
        } else if (*ps.p != '#' && !at_newline(&ps)) {
            if (keyval(&ps, cur))
                end_of_line(&ps, "the value");
        } else {
            end_of_line(&ps, "nothing");
        }
    }
done:
    free(ps.slots);
    VEC_FREE(&ps.lines);
    return ps.failed ? NULL : root;
}

const TomlKeyVal *toml_entry(const TomlValue *t, const char *key)
{
    if (!t || t->type != TOML_TABLE)
        return NULL;
    size_t n = strlen(key);
    for (int i = 0; i < t->v.tab.n; i++)
        if (t->v.tab.kv[i].keylen == n && !memcmp(t->v.tab.kv[i].key, key, n))
            return &t->v.tab.kv[i];
    return NULL;
}

const TomlValue *toml_get(const TomlValue *t, const char *key)
{
    const TomlKeyVal *e = toml_entry(t, key);
    return e ? e->val : NULL;
}

const char *toml_type_name(TomlType t)
{
    switch (t) {
    case TOML_STRING: return "a string";
    case TOML_INT: return "an integer";
    case TOML_FLOAT: return "a float";
    case TOML_BOOL: return "a boolean";
    case TOML_ARRAY: return "an array";
    case TOML_TABLE: return "a table";
    }
    return "a value";
}
