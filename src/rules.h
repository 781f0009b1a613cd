/*
 * rules.h - the rule registry (generated from rules.def), each rule's page
 * (rulepages.def) and the --select/--ignore selection of rules by code or
 * code prefix.
 *
 * The registry is immutable static data: every function here is pure and
 * thread-safe.
 */
#ifndef SL_RULES_H
#define SL_RULES_H

#include <stddef.h>

typedef enum Severity {
    SEV_ERROR,
    SEV_WARNING,
    SEV_NOTE,
} Severity;

typedef enum RuleId {
#define RULE(code, name, sev, on, ctx, summary) RULE_##code,
#include "rules.def"
#undef RULE
    RULE__COUNT
} RuleId;

typedef struct Rule {
    const char *code;    /* "SL000" */
    const char *name;    /* "syntax-error" */
    Severity severity;   /* default severity */
    int enabled;         /* 1: on by default; 0: only an explicit --select */
    unsigned contexts;   /* CTX_* bits (context.h) where a default run reports it */
    const char *summary; /* one line: what the rule finds */
} Rule;

/* A rule's page, for `sessionlint rule CODE`; every string ends in "\n". */
typedef struct RulePage {
    const char *finds; /* what it finds: a paragraph wrapped at 76 columns */
    const char *why;   /* why it matters: the concrete harm, a paragraph */
    const char *bad;   /* a bad example: Python source, not indented */
    const char *fixed; /* the same example fixed */
} RulePage;

/* The rule with this code (exact, upper case), or NULL. */
const Rule *rules_lookup(const char *code);
/* The rule with this id, 0 <= id < RULE__COUNT. */
const Rule *rules_get(int id);
/* The page of r (from rules_lookup or rules_get), or NULL if it has none. */
const RulePage *rules_page(const Rule *r);
/* What running r's examples showed (the "Observed" section, a paragraph
 * ending in "\n"), or NULL if no proof runs them. */
const char *rules_observed(const Rule *r);
/* What --fix does for r: a paragraph ending in "\n" (rulepages.def's FIX
 * line), or NULL if it has none. */
const char *rules_fix(const Rule *r);
/* The address of r's section in docs/design.md on the home page
 * (version.h), into buf: where an editor links a finding's code. */
void rules_url(const Rule *r, char *buf, size_t size);
/* "error", "warning", "note". */
const char *rules_severity_name(int sev);

/*
 * A selection as given by --select and --ignore: codes or code prefixes
 * ("SL1", "SL101"; "ALL" means every code).  nselect == 0 selects every
 * rule that is on by default.  The arrays are the caller's.
 */
typedef struct RuleSelect {
    const char *const *select;
    int nselect;
    const char *const *ignore;
    int nignore;
    const char *const *never; /* codes or prefixes never kept, however specific the
                                 select (a file's per-file-ignores) */
    int nnever;
    unsigned contexts; /* execution contexts (CTX_* bits, context.h) whose findings are
                          kept besides those each rule reports in by default */
} RuleSelect;

/*
 * Does a selector (upper case) select something: "ALL", or a rule's code or
 * a prefix of one, "SL" at least ("SL", "SL1", "SL10", "SL106")?  As in
 * Ruff, a selector that matches no rule is an error for the caller to
 * report with rules_selector_error: "SL999" would select nothing.
 */
int rules_valid_selector(const char *sel);

/*
 * Why sel (upper case), which rules_valid_selector refused, is wrong, for an
 * error message, written into buf (size bytes), quoting it as shown (its
 * text as the user wrote it, quoted as the caller likes): "unknown rule
 * selector SL999: no rule has this code; did you mean SL209?".  The suggestions are the closest existing codes (or prefixes,
 * when sel is shorter than a code): fewest edits, then same length, then
 * numerically nearest; at most three, and none for a selector that is not
 * SL plus digits and more than two edits from every code.
 */
void rules_selector_error(const char *sel, const char *shown, char *buf, size_t size);

/*
 * The suggestions alone, "SL403, SL402 or SL401" into buf (empty when none
 * is close): for `sessionlint rule CODE` with an unknown CODE.
 */
void rules_suggest(const char *sel, char *buf, size_t size);

/*
 * Does the selection keep findings of code?  As in Ruff, the most specific
 * selector wins: the longest matching --select prefix must be longer than
 * the longest matching --ignore prefix (an exact tie goes to --ignore).  A
 * rule that is off by default is only selected by its own code or a prefix
 * with a family digit ("SL106", "SL1"), never by "ALL", "SL" or no --select.
 * Codes that no rule has are treated as on by default.  A code matched by
 * a `never` prefix is not selected at all.
 */
int rules_selected(const RuleSelect *s, const char *code);

#endif
