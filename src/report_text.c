/*
 * report_text.c - findings as people read them, in the style of rustc and
 * Ruff: a "path:line:col: CODE message" header that editors can jump to,
 * the offending line under a "|" gutter with the span underlined, the
 * witness path as "= note:" lines, and one summary line at the end.
 */
#include <string.h>

#include "fix.h"
#include "report.h"
#include "rules.h"

/* ANSI escapes; empty strings when color is off. */
typedef struct Palette {
    const char *bold, *gutter, *reset;
    const char *sev[3]; /* by Severity: error, warning, note */
} Palette;

static Palette palette(int color)
{
    if (!color)
        return (Palette){"", "", "", {"", "", ""}};
    return (Palette){"\033[1m", "\033[1;34m", "\033[0m",
                     {"\033[1;31m", "\033[1;33m", "\033[1;36m"}};
}

static int digits(int n)
{
    int d = 1;
    while (n >= 10)
        n /= 10, d++;
    return d;
}

/* The quoted line and its underline, under a gutter w columns wide. */
static void snippet(FILE *out, const ReportItem *it, int w, const Palette *c,
                    const char *sev)
{
    fprintf(out, "%s%*s |%s\n", c->gutter, w, "", c->reset);
    fprintf(out, "%s%*d |%s %s\n", c->gutter, w, it->line, c->reset, it->snippet);
    fprintf(out, "%s%*s |%s %*s%s", c->gutter, w, "", c->reset, it->caret_col, "", sev);
    for (int i = 0; i < it->caret_len; i++)
        fputc('^', out);
    fprintf(out, "%s\n%s%*s |%s\n", c->reset, c->gutter, w, "", c->reset);
}

static void item(FILE *out, const ReportItem *it, const Palette *c, int unsafe)
{
    const char *sev = c->sev[it->severity < 3 ? it->severity : SEV_NOTE];
    fprintf(out, "%s%s:%d:%d:%s %s%s%s %s%s\n", c->bold, it->path, it->line, it->column,
            c->reset, sev, it->code, c->reset, fix_applies(it->fix, unsafe) ? "[*] " : "",
            it->message);
    int w = digits(it->line);
    if (it->snippet)
        snippet(out, it, w, c, sev);
    for (int i = 0; i < it->ntrace; i++) {
        const ReportStep *s = &it->trace[i];
        fprintf(out, "%s%*s =%s %snote%s: %s:%d:%d: %s\n", c->gutter, w, "", c->reset,
                c->bold, c->reset, s->path, s->line, s->column, s->note);
    }
    fputc('\n', out);
}

/* Files that have at least one finding (items are sorted by path). */
static size_t files_with_findings(const Report *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += i == 0 || strcmp(r->items[i].path, r->items[i - 1].path) != 0;
    return n;
}

/* Ruff's hint under the summary: how many findings --fix would fix, and
 * how many more --unsafe-fixes would. */
static void fixable(FILE *out, const Report *r, const ReportOptions *o)
{
    size_t can = 0, hidden = 0;
    for (size_t i = 0; i < r->n; i++) {
        can += fix_applies(r->items[i].fix, o->unsafe_fixes);
        hidden += r->items[i].fix && !fix_applies(r->items[i].fix, o->unsafe_fixes);
    }
    if (can && hidden)
        fprintf(out, "[*] %zu fixable with the `--fix` option (%zu hidden fix%s can be enabled "
                     "with the `--unsafe-fixes` option).\n", can, hidden, hidden == 1 ? "" : "es");
    else if (can)
        fprintf(out, "[*] %zu fixable with the `--fix` option.\n", can);
    else if (hidden)
        fprintf(out, "No fixes available (%zu hidden fix%s can be enabled with the "
                     "`--unsafe-fixes` option).\n", hidden, hidden == 1 ? "" : "es");
}

/* The last line(s); hints: and the fixable counts (not under --statistics). */
static void summary(FILE *out, const Report *r, const ReportOptions *o, int hints)
{
    if (o->fixing && o->fixed) {
        size_t total = o->fixed + r->n;
        fprintf(out, "Found %zu finding%s (%zu fixed, %zu remaining).\n", total,
                total == 1 ? "" : "s", o->fixed, r->n);
    } else if (r->n) {
        size_t nf = files_with_findings(r);
        fprintf(out, "Found %zu finding%s in %zu file%s.\n", r->n, r->n == 1 ? "" : "s",
                nf, nf == 1 ? "" : "s");
    } else if (r->nerrors) {
        fprintf(out, "No findings, but %zu path%s could not be read.\n", r->nerrors,
                r->nerrors == 1 ? "" : "s");
    } else {
        fputs("All checks passed!\n", out);
    }
    if (r->hidden)
        fprintf(out, "%zu more in test, CLI, script or example code, where their rules do not "
                     "report by default (--context all shows them).\n", r->hidden);
    if (r->templates)
        fprintf(out, "%zu file%s skipped: template%s, not Python (they do not parse and hold "
                     "{{ }} or {%% %%} markup).\n", r->templates, r->templates == 1 ? "" : "s",
                r->templates == 1 ? "" : "s");
    if (hints)
        fixable(out, r, o);
}

void report_text_write(FILE *out, const Report *r, const ReportOptions *o)
{
    Palette c = palette(o->color);
    for (size_t i = 0; i < r->n; i++)
        item(out, &r->items[i], &c, o->unsafe_fixes);
    if (!o->quiet)
        summary(out, r, o, 1);
}

void report_text_fix_summary(FILE *out, const Report *r, const ReportOptions *o, int would)
{
    size_t hidden = 0;
    for (size_t i = 0; i < r->n; i++)
        hidden += r->items[i].fix && !fix_applies(r->items[i].fix, o->unsafe_fixes);
    const char *s = o->fixed == 1 ? "" : "s", *es = hidden == 1 ? "" : "es";
    if (o->quiet)
        return;
    if (o->fixed && hidden)
        fprintf(out, "%s %zu finding%s (%zu additional fix%s available with `--unsafe-fixes`).\n",
                would ? "Would fix" : "Fixed", o->fixed, s, hidden, es);
    else if (o->fixed)
        fprintf(out, "%s %zu finding%s.\n", would ? "Would fix" : "Fixed", o->fixed, s);
    else if (hidden)
        fprintf(out, "No findings %sfixed (%zu fix%s available with `--unsafe-fixes`).\n",
                would ? "would be " : "", hidden, es);
}

void report_text_statistics(FILE *out, const Report *r, const ReportOptions *o)
{
    Palette c = palette(o->color);
    int w = 1;
    for (size_t i = 0; i < r->ncounts; i++)
        if (digits((int)r->counts[i].count) > w)
            w = digits((int)r->counts[i].count);
    for (size_t i = 0; i < r->ncounts; i++) {
        const ReportCount *k = &r->counts[i];
        fprintf(out, "%*zu\t%s%s%s\t%s\n", w, k->count, c.bold, k->code, c.reset, k->name);
    }
    if (!o->quiet)
        summary(out, r, o, 0);
}
