/*
 * rules.c - the rule registry built from rules.def, the rule pages from
 * rulepages.def, rule selection, and the "did you mean" of a selector that
 * selects nothing.  Everything here is constant data and pure functions.
 */
#include "rules.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "version.h"

enum { OFF = 0, ON = 1 }; /* the DEFAULT column of rules.def */

enum {
    CODE_LEN = 5,        /* "SL103": SL, the family digit, two digits */
    MAX_SUGGESTIONS = 3, /* a "did you mean" names at most this many */
    CLOSE_EDITS = 2,     /* a selector not shaped like a code gets suggestions this close */
    MAX_COMPARED = 32,   /* a longer selector gets none */
};

static const Rule rules[] = {
#define RULE(code, name, sev, on, ctx, summary) {#code, name, SEV_##sev, on, CTX_##ctx, summary},
#include "rules.def"
#undef RULE
};

/* Indexed by RuleId; a rule without a PAGE line has a zeroed entry. */
static const RulePage pages[RULE__COUNT] = {
#define PAGE(code, finds, why, bad, fixed) [RULE_##code] = {finds, why, bad, fixed},
#define OBSERVED(code, text)
#define FIX(code, text)
#include "rulepages.def"
#undef FIX
#undef OBSERVED
#undef PAGE
};

/* Indexed by RuleId: the OBSERVED lines of rulepages.def, else NULL. */
static const char *const observed[RULE__COUNT] = {
#define PAGE(code, finds, why, bad, fixed)
#define OBSERVED(code, text) [RULE_##code] = text,
#define FIX(code, text)
#include "rulepages.def"
#undef FIX
#undef OBSERVED
#undef PAGE
};

/* What --fix does per rule (the FIX lines of rulepages.def), by RuleId. */
static const char *const fixes[RULE__COUNT] = {
#define PAGE(code, finds, why, bad, fixed)
#define OBSERVED(code, text)
#define FIX(code, text) [RULE_##code] = text,
#include "rulepages.def"
#undef FIX
#undef OBSERVED
#undef PAGE
};

const Rule *rules_lookup(const char *code)
{
    for (int i = 0; i < RULE__COUNT; i++)
        if (strcmp(rules[i].code, code) == 0)
            return &rules[i];
    return NULL;
}

const Rule *rules_get(int id)
{
    return id >= 0 && id < RULE__COUNT ? &rules[id] : NULL;
}

const RulePage *rules_page(const Rule *r)
{
    const RulePage *pg = &pages[r - rules];
    return pg->finds ? pg : NULL;
}

const char *rules_observed(const Rule *r)
{
    return observed[r - rules];
}

const char *rules_fix(const Rule *r)
{
    return fixes[r - rules];
}

void rules_url(const Rule *r, char *buf, size_t size)
{
    /* GitHub's anchor of the heading "### SL106 redundant-release (note, off
     * by default)": lower case, punctuation dropped, spaces as hyphens */
    char code[8];
    snprintf(code, sizeof code, "%s", r->code);
    for (char *c = code; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    snprintf(buf, size, "%s/blob/main/docs/design.md#%s-%s-%s-%s", SL_HOMEPAGE, code, r->name,
             rules_severity_name(r->severity), r->enabled ? "on" : "off-by-default");
}

const char *rules_severity_name(int sev)
{
    switch (sev) {
    case SEV_ERROR:
        return "error";
    case SEV_WARNING:
        return "warning";
    default:
        return "note";
    }
}

int rules_valid_selector(const char *sel)
{
    if (strcmp(sel, "ALL") == 0)
        return 1;
    size_t n = strlen(sel);
    if (n < 2)
        return 0;
    for (int i = 0; i < RULE__COUNT; i++)
        if (strlen(rules[i].code) >= n && strncmp(rules[i].code, sel, n) == 0)
            return 1;
    return 0;
}

/* ---- did you mean ---- */

/* One existing code or prefix, and how far it is from the selector. */
typedef struct Candidate {
    char text[8]; /* "SL103", "SL1" */
    int edits;    /* edits from the selector */
    int lendiff;  /* |length difference| */
    long numdiff; /* |difference| of the digits, LONG_MAX when not comparable */
} Candidate;

/* "SL" and one to three digits: shaped like a code or a family. */
static int code_shaped(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > CODE_LEN || strncmp(s, "SL", 2) != 0)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* Edits (insert, delete, substitute, swap neighbours) turning a into b;
 * both at most MAX_COMPARED long. */
static int edits(const char *a, const char *b)
{
    size_t m = strlen(a), n = strlen(b);
    int d[MAX_COMPARED + 1][MAX_COMPARED + 1];
    for (size_t i = 0; i <= m; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= n; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= m; i++)
        for (size_t j = 1; j <= n; j++) {
            int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[m][n];
}

static int cmp_candidate(const void *x, const void *y)
{
    const Candidate *a = x, *b = y;
    if (a->edits != b->edits)
        return a->edits - b->edits;
    if (a->lendiff != b->lendiff)
        return a->lendiff - b->lendiff;
    if (a->numdiff != b->numdiff)
        return a->numdiff < b->numdiff ? -1 : 1;
    return strcmp(a->text, b->text);
}

/* Every code and every family prefix ("SL1", "SL10") once, in c[], sorted
 * by closeness to sel; returns how many. */
static int rank(const char *sel, Candidate *c)
{
    int k = 0;
    size_t n = strlen(sel);
    long want = code_shaped(sel) ? strtol(sel + 2, NULL, 10) : -1;
    for (int i = 0; i < RULE__COUNT; i++)
        for (size_t len = 3; len <= strlen(rules[i].code) && len <= CODE_LEN; len++) {
            Candidate x = {{0}, 0, 0, LONG_MAX};
            memcpy(x.text, rules[i].code, len);
            int seen = 0;
            for (int j = 0; j < k && !seen; j++)
                seen = strcmp(c[j].text, x.text) == 0;
            if (seen)
                continue;
            x.edits = edits(sel, x.text);
            x.lendiff = len > n ? (int)(len - n) : (int)(n - len);
            if (want >= 0 && len == n)
                x.numdiff = labs(want - strtol(x.text + 2, NULL, 10));
            c[k++] = x;
        }
    qsort(c, (size_t)k, sizeof *c, cmp_candidate);
    return k;
}

void rules_suggest(const char *sel, char *buf, size_t size)
{
    Candidate c[RULE__COUNT * (CODE_LEN - 2)];
    buf[0] = 0;
    if (strlen(sel) > MAX_COMPARED)
        return;
    int k = rank(sel, c);
    if (k == 0 || (!code_shaped(sel) && c[0].edits > CLOSE_EDITS))
        return;
    int m = 0; /* the ones as close as the closest */
    while (m < k && m < MAX_SUGGESTIONS && c[m].edits == c[0].edits)
        m++;
    size_t o = 0;
    for (int i = 0; i < m; i++) {
        const char *sep = i == 0 ? "" : i == m - 1 ? " or " : ", ";
        int w = snprintf(buf + o, size - o, "%s%s", sep, c[i].text);
        if (w < 0 || (size_t)w >= size - o)
            break;
        o += (size_t)w;
    }
}

void rules_selector_error(const char *sel, const char *shown, char *buf, size_t size)
{
    char near[64];
    rules_suggest(sel, near, sizeof near);
    const char *why = !code_shaped(sel) ? "a selector is ALL, a rule code, or a prefix of codes "
                                          "such as SL1"
                      : strlen(sel) == CODE_LEN ? "no rule has this code"
                                                : "no rule code starts with it";
    snprintf(buf, size, "unknown rule selector %s: %s%s%s%s", shown, why,
             near[0] ? "; did you mean " : "", near, near[0] ? "?" : "");
}

/* Length of the longest selector in sels[0..n) that is a prefix of code
 * ("ALL" counts as the empty prefix), or -1 when none is.  With explicit,
 * only selectors that name a family or a code count ("SL1", "SL106"), not
 * "ALL" or "SL": those are the ones that turn on a rule that is off by
 * default. */
static int longest_prefix(const char *const *sels, int n, const char *code, int explicit)
{
    int best = -1;
    for (int i = 0; i < n; i++) {
        const char *s = strcmp(sels[i], "ALL") == 0 ? "" : sels[i];
        int len = (int)strlen(s);
        if (explicit && len <= 2)
            continue;
        if (strncmp(s, code, (size_t)len) == 0 && len > best)
            best = len;
    }
    return best;
}

int rules_selected(const RuleSelect *s, const char *code)
{
    if (longest_prefix(s->never, s->nnever, code, 0) >= 0)
        return 0;
    const Rule *r = rules_lookup(code);
    int off = r && !r->enabled;
    int sel = s->nselect ? longest_prefix(s->select, s->nselect, code, off) : off ? -1 : 0;
    int ign = longest_prefix(s->ignore, s->nignore, code, 0);
    return sel >= 0 && sel > ign;
}
