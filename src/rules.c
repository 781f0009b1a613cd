/*
 * rules.c - the rule registry built from rules.def, and rule selection.
 * Everything here is constant data and pure functions.
 */
#include "rules.h"

#include <string.h>

static const Rule rules[] = {
#define RULE(code, name, sev, summary) {#code, name, SEV_##sev, summary},
#include "rules.def"
#undef RULE
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
 * ("ALL" counts as the empty prefix), or -1 when none is. */
static int longest_prefix(const char *const *sels, int n, const char *code)
{
    int best = -1;
    for (int i = 0; i < n; i++) {
        const char *s = strcmp(sels[i], "ALL") == 0 ? "" : sels[i];
        int len = (int)strlen(s);
        if (strncmp(s, code, (size_t)len) == 0 && len > best)
            best = len;
    }
    return best;
}

int rules_selected(const RuleSelect *s, const char *code)
{
    int sel = s->nselect ? longest_prefix(s->select, s->nselect, code) : 0;
    int ign = longest_prefix(s->ignore, s->nignore, code);
    return sel >= 0 && sel > ign;
}
