/*
 * rules.c - the rule registry built from rules.def, the rule pages from
 * rulepages.def, and rule selection.  Everything here is constant data and
 * pure functions.
 */
#include "rules.h"

#include <string.h>

enum { OFF = 0, ON = 1 }; /* the DEFAULT column of rules.def */

static const Rule rules[] = {
#define RULE(code, name, sev, on, summary) {#code, name, SEV_##sev, on, summary},
#include "rules.def"
#undef RULE
};

/* Indexed by RuleId; a rule without a PAGE line has a zeroed entry. */
static const RulePage pages[RULE__COUNT] = {
#define PAGE(code, finds, why, bad, fixed) [RULE_##code] = {finds, why, bad, fixed},
#define FIX(code, text)
#include "rulepages.def"
#undef FIX
#undef PAGE
};

/* What --fix does per rule (the FIX lines of rulepages.def), by RuleId. */
static const char *const fixes[RULE__COUNT] = {
#define PAGE(code, finds, why, bad, fixed)
#define FIX(code, text) [RULE_##code] = text,
#include "rulepages.def"
#undef FIX
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

const char *rules_fix(const Rule *r)
{
    return fixes[r - rules];
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
    if (strncmp(sel, "SL", 2) != 0)
        return 0;
    size_t n = strlen(sel + 2);
    if (n > 3)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (sel[2 + i] < '0' || sel[2 + i] > '9')
            return 0;
    return 1;
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
