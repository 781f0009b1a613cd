/*
 * test_rules.c - the rule registry of rules.c: every rule has a page (and
 * says what --fix does for it), and --select/--ignore selection, including
 * rules that are off by default (SL106 is selected only by its code or a
 * family prefix, never by ALL).
 */
#include <string.h>

#include "rules.h"
#include "unit.h"

/* selected("SL106", "SL1", NULL): --select SL1 and no --ignore. */
static int selected(const char *code, const char *sel, const char *ign)
{
    const char *s[1] = {sel}, *i[1] = {ign};
    RuleSelect rs = {s, sel ? 1 : 0, i, ign ? 1 : 0, NULL, 0, 0};
    return rules_selected(&rs, code);
}

static void test_registry(void)
{
    for (int id = 0; id < RULE__COUNT; id++) {
        const Rule *r = rules_get(id);
        CHECK(r != NULL);
        CHECK(rules_lookup(r->code) == r);
        const RulePage *pg = rules_page(r);
        CHECK(pg != NULL);
        if (!pg)
            continue;
        /* Every part is there and ends its last line. */
        const char *parts[5] = {pg->finds, pg->why, pg->bad, pg->fixed, rules_fix(r)};
        for (int k = 0; k < 5; k++) { /* rules_fix: what --fix does, said for every rule */
            size_t n = parts[k] ? strlen(parts[k]) : 0;
            CHECK(n > 1 && parts[k][n - 1] == '\n');
        }
        const char *obs = rules_observed(r); /* optional, a paragraph */
        CHECK(!obs || (strlen(obs) > 1 && obs[strlen(obs) - 1] == '\n'));
    }
    CHECK_STR(rules_lookup("SL101")->name, "double-release");
    CHECK_INT(rules_lookup("SL101")->severity, SEV_ERROR);
    CHECK_INT(rules_lookup("SL103")->severity, SEV_WARNING);
    CHECK_INT(rules_lookup("SL106")->severity, SEV_NOTE);
    CHECK_INT(rules_lookup("SL106")->enabled, 0);
    CHECK_INT(rules_lookup("SL101")->enabled, 1);
    CHECK(rules_lookup("SL999") == NULL);
}

static void test_select(void)
{
    /* On by default: no --select, ALL, family, code. */
    CHECK_INT(selected("SL103", NULL, NULL), 1);
    CHECK_INT(selected("SL103", "ALL", NULL), 1);
    CHECK_INT(selected("SL103", "SL1", NULL), 1);
    CHECK_INT(selected("SL103", "SL103", NULL), 1);
    CHECK_INT(selected("SL103", "SL106", NULL), 0);
    CHECK_INT(selected("SL103", NULL, "SL1"), 0);
    CHECK_INT(selected("SL103", "SL103", "SL1"), 1);
    CHECK_INT(selected("SL103", "SL1", "SL103"), 0);
    /* Off by default: only its code or a prefix with a family digit. */
    CHECK_INT(selected("SL106", NULL, NULL), 0);
    CHECK_INT(selected("SL106", "ALL", NULL), 0);
    CHECK_INT(selected("SL106", "SL", NULL), 0);
    CHECK_INT(selected("SL106", "SL1", NULL), 1);
    CHECK_INT(selected("SL106", "SL10", NULL), 1);
    CHECK_INT(selected("SL106", "SL106", NULL), 1);
    CHECK_INT(selected("SL106", "SL106", "SL106"), 0);
    CHECK_INT(selected("SL106", "SL106", "SL1"), 1);
    CHECK_INT(selected("SL106", "SL1", "SL106"), 0);
    CHECK_INT(selected("SL106", NULL, "SL2"), 0);
    /* Codes no rule has yet count as on by default. */
    CHECK_INT(selected("SL299", NULL, NULL), 1);
    CHECK_INT(selected("SL299", "ALL", NULL), 1);
}

/* `never` (a file's per-file-ignores) beats even the most specific select. */
static void test_never(void)
{
    const char *s[2] = {"SL103", "SL106"}, *n[1] = {"SL1"}, *n2[1] = {"SL106"};
    RuleSelect rs = {s, 2, NULL, 0, n, 1, 0};
    CHECK_INT(rules_selected(&rs, "SL103"), 0);
    CHECK_INT(rules_selected(&rs, "SL106"), 0);
    rs.never = n2;
    CHECK_INT(rules_selected(&rs, "SL103"), 1);
    CHECK_INT(rules_selected(&rs, "SL106"), 0);
    RuleSelect defaults = {NULL, 0, NULL, 0, n2, 1, 0};
    CHECK_INT(rules_selected(&defaults, "SL103"), 1);
    CHECK_INT(rules_selected(&defaults, "SL201"), 1);
}

/* Selectors must match a rule; the ones that do not get the closest. */
static void test_selectors(void)
{
    const char *valid[] = {"ALL", "SL", "SL0", "SL1", "SL10", "SL101", "SL106", "SL4"};
    for (size_t i = 0; i < sizeof valid / sizeof *valid; i++)
        CHECK_INT(rules_valid_selector(valid[i]), 1);
    const char *invalid[] = {"", "S", "E501", "SL999", "SL9", "SL1011", "SL1O3", "ALL1", "sl1"};
    for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++)
        CHECK_INT(rules_valid_selector(invalid[i]), 0);
    char buf[128];
    rules_suggest("SL1O3", buf, sizeof buf);
    CHECK_STR(buf, "SL103");
    rules_suggest("SL1033", buf, sizeof buf);
    CHECK_STR(buf, "SL103");
    rules_suggest("SL-101", buf, sizeof buf);
    CHECK_STR(buf, "SL101");
    rules_suggest("E501", buf, sizeof buf);
    CHECK_STR(buf, "");
    rules_suggest("SL999", buf, sizeof buf); /* shaped like a code: always the closest */
    CHECK_STR(buf, "SL209");                 /* two edits; every other code needs three */
    rules_suggest("SL9", buf, sizeof buf); /* a family: families */
    CHECK(strncmp(buf, "SL4, SL3", 8) == 0);
    rules_suggest("SLXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", buf, sizeof buf);
    CHECK_STR(buf, "");
    rules_suggest("SL1O3", buf, 4); /* too small: cut, still a string */
    CHECK(strlen(buf) < 4);
    rules_selector_error("SL1O3", "'SL1O3'", buf, sizeof buf);
    CHECK(strstr(buf, "unknown rule selector 'SL1O3'") == buf);
    CHECK(strstr(buf, "did you mean SL103?") != NULL);
    rules_selector_error("E501", "E501", buf, sizeof buf);
    CHECK(strstr(buf, "did you mean") == NULL);
}

int main(void)
{
    test_registry();
    test_select();
    test_never();
    test_selectors();
    return unit_report();
}
