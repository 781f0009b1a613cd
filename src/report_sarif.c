/*
 * report_sarif.c - SARIF 2.1.0, the format GitHub code scanning and SARIF
 * viewers read: one run whose tool.driver lists every registered rule (with
 * its page as help text, its default level and whether it is on by
 * default), one result per finding with its witness path as a codeFlow,
 * and the run's I/O errors as toolExecutionNotifications.
 *
 * Paths are URI references relative to %SRCROOT% (the folder the tool ran
 * in), percent-encoded byte by byte where a URI needs it; an absolute path
 * becomes a file:// URI.  There is no run.artifacts array: it would hold
 * nothing but those URIs again (the SARIF Multitool's SARIF2004 asks to
 * leave such an array out).  Columns count code points, which the run
 * declares with columnKind (SARIF's default is UTF-16 code units).  One
 * object a line inside the document, in a fixed order: the same report
 * gives the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "fix.h"
#include "report.h"

#include "context.h"
#include "rules.h"
#include "version.h"

#define SARIF_SCHEMA                                                                               \
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#define FINGERPRINT_KEY "sessionlint/v1" /* bump when report_fingerprints changes */

/* Writes path as a URI reference: unreserved characters, sub-delimiters,
 * '@' and '/' as they are, every other byte (':' included, which would
 * read as a scheme) percent-encoded. */
static void put_uri_path(FILE *out, const char *path)
{
    static const char keep[] = "-._~!$&'()*+,;=@/";
    for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            strchr(keep, *s))
            fputc(*s, out);
        else
            fprintf(out, "%%%02X", *s);
    }
}

/* "artifactLocation": {...} for path. */
static void artifact_location(FILE *out, const char *path)
{
    int absolute = path[0] == '/';
    fputs("\"artifactLocation\": {\"uri\": \"", out);
    if (absolute)
        fputs("file://", out);
    put_uri_path(out, path);
    fputc('"', out);
    if (!absolute)
        fputs(", \"uriBaseId\": \"%SRCROOT%\"", out);
    fputc('}', out);
}

static const char *level(int severity)
{
    return severity == SEV_ERROR ? "error" : severity == SEV_WARNING ? "warning" : "note";
}

/* ---- tool.driver.rules ---- */

/* A copy of a page paragraph with its line breaks turned into spaces (the
 * pages are wrapped at 76 columns for the terminal). */
static char *unwrap(const char *text)
{
    size_t n = strlen(text);
    char *s = xmalloc(n + 1);
    memcpy(s, text, n + 1);
    while (n > 0 && s[n - 1] == '\n')
        s[--n] = 0;
    for (char *c = s; *c; c++)
        if (*c == '\n')
            *c = ' ';
    return s;
}

/* Appends text to the heap string *buf of length *len, indenting each
 * non-empty line by indent spaces. */
static void append(char **buf, size_t *len, const char *text, int indent)
{
    size_t n = strlen(text), lines = 1;
    for (const char *s = text; *s; s++)
        lines += *s == '\n';
    *buf = xrealloc(*buf, *len + n + lines * (size_t)indent + 1);
    char *o = *buf + *len;
    for (const char *s = text; *s; s++) {
        if ((s == text || s[-1] == '\n') && *s != '\n') {
            memset(o, ' ', (size_t)indent);
            o += indent;
        }
        *o++ = *s;
    }
    *o = 0;
    *len = (size_t)(o - *buf);
}

/* The rule's help as plain text and as Markdown: what it finds, why it
 * matters, a bad example and the fixed one.  Heap strings. */
static void help_texts(const Rule *rule, const RulePage *pg, char **text, char **md)
{
    size_t tn = 0, mn = 0;
    *text = NULL, *md = NULL;
    append(text, &tn, pg->finds, 0);
    append(text, &tn, "\n", 0);
    append(text, &tn, pg->why, 0);
    append(text, &tn, "\nBad:\n\n", 0);
    append(text, &tn, pg->bad, 4);
    append(text, &tn, "\nFixed:\n\n", 0);
    append(text, &tn, pg->fixed, 4);

    char head[96];
    snprintf(head, sizeof head, "**%s %s**\n\n", rule->code, rule->name);
    append(md, &mn, head, 0);
    append(md, &mn, pg->finds, 0);
    append(md, &mn, "\n", 0);
    append(md, &mn, pg->why, 0);
    append(md, &mn, "\nBad:\n\n```python\n", 0);
    append(md, &mn, pg->bad, 0);
    append(md, &mn, "```\n\nFixed:\n\n```python\n", 0);
    append(md, &mn, pg->fixed, 0);
    append(md, &mn, "```\n", 0);
    if (rules_fix(rule)) { /* what --fix does */
        append(text, &tn, "\nWith --fix:\n\n", 0);
        append(text, &tn, rules_fix(rule), 0);
        append(md, &mn, "\nWith `--fix`:\n\n", 0);
        append(md, &mn, rules_fix(rule), 0);
    }
}

static void rule_descriptor(FILE *out, const Rule *rule)
{
    const RulePage *pg = rules_page(rule);
    fputs("{\"id\": ", out);
    report_json_string(out, rule->code);
    fputs(", \"name\": ", out);
    report_json_string(out, rule->name);
    fputs(", \"shortDescription\": {\"text\": ", out);
    report_json_string(out, rule->summary);
    fputs("}, \"fullDescription\": {\"text\": ", out);
    if (pg) {
        char *full = unwrap(pg->finds), *text, *md;
        report_json_string(out, full);
        help_texts(rule, pg, &text, &md);
        fputs("}, \"help\": {\"text\": ", out);
        report_json_string(out, text);
        fputs(", \"markdown\": ", out);
        report_json_string(out, md);
        free(full);
        free(text);
        free(md);
    } else {
        report_json_string(out, rule->summary);
        fputs("}, \"help\": {\"text\": ", out);
        report_json_string(out, rule->summary);
    }
    fprintf(out, "}, \"defaultConfiguration\": {\"enabled\": %s, \"level\": \"%s\"}}",
            rule->enabled ? "true" : "false", level(rule->severity));
}

static void tool(FILE *out)
{
    fputs("\"tool\": {\"driver\": {\"name\": \"sessionlint\", \"version\": \"" SL_VERSION
          "\", \"semanticVersion\": \"" SL_VERSION "\", \"informationUri\": \"" SL_HOMEPAGE
          "\", \"rules\": [",
          out);
    for (int i = 0; i < RULE__COUNT; i++) {
        fputs(i ? ",\n        " : "\n        ", out);
        rule_descriptor(out, rules_get(i));
    }
    fputs("]}}", out);
}

/* ---- results ---- */

static int rule_index(const char *code)
{
    for (int i = 0; i < RULE__COUNT; i++)
        if (strcmp(rules_get(i)->code, code) == 0)
            return i;
    return -1;
}

static void code_flow(FILE *out, const ReportItem *it)
{
    fputs(", \"codeFlows\": [{\"threadFlows\": [{\"locations\": [", out);
    for (int k = 0; k < it->ntrace; k++) {
        const ReportStep *s = &it->trace[k];
        fputs(k ? ", {\"location\": {\"physicalLocation\": {"
                : "{\"location\": {\"physicalLocation\": {",
              out);
        artifact_location(out, s->path);
        fprintf(out,
                ", \"region\": {\"startLine\": %d, \"startColumn\": %d}}, \"message\": {\"text\": ",
                s->line, s->column);
        report_json_string(out, s->note);
        fputs("}}}", out);
    }
    fputs("]}]}]", out);
}

/* "fixes": the finding's fix as one artifactChange of its file, each edit a
 * replacement (an empty deletedRegion inserts); whether it is safe goes in
 * the fix's properties, as SARIF has no word for it. */
static void fixes(FILE *out, const ReportItem *it)
{
    const ReportFix *f = it->fix;
    fputs(", \"fixes\": [{\"description\": {\"text\": ", out);
    report_json_string(out, f->message);
    fputs("}, \"artifactChanges\": [{", out);
    artifact_location(out, it->path);
    fputs(", \"replacements\": [", out);
    for (int i = 0; i < f->nedits; i++) {
        const ReportEdit *e = &f->edits[i];
        fprintf(out,
                "%s{\"deletedRegion\": {\"startLine\": %d, \"startColumn\": %d, \"endLine\": %d, "
                "\"endColumn\": %d}, \"insertedContent\": {\"text\": ",
                i ? ", " : "", e->line, e->column, e->end_line, e->end_column);
        report_json_string(out, e->content);
        fputs("}}", out);
    }
    fprintf(out, "]}], \"properties\": {\"applicability\": \"%s\"}}]",
            fix_applicability_name(f->applicability));
}

static void result(FILE *out, const ReportItem *it)
{
    fputs("{\"ruleId\": ", out);
    report_json_string(out, it->code);
    int idx = rule_index(it->code);
    if (idx >= 0)
        fprintf(out, ", \"ruleIndex\": %d", idx);
    fprintf(out, ", \"level\": \"%s\", \"message\": {\"text\": ", level(it->severity));
    report_json_string(out, it->message);
    fputs("}, \"locations\": [{\"physicalLocation\": {", out);
    artifact_location(out, it->path);
    fprintf(out,
            ", \"region\": {\"startLine\": %d, \"startColumn\": %d, \"endLine\": %d, "
            "\"endColumn\": %d}}}]",
            it->line, it->column, it->end_line, it->end_column);
    if (it->fingerprint) {
        fputs(", \"partialFingerprints\": {\"" FINGERPRINT_KEY "\": ", out);
        report_json_string(out, it->fingerprint);
        fputc('}', out);
    }
    if (it->ntrace > 0)
        code_flow(out, it);
    if (it->fix)
        fixes(out, it);
    fprintf(out, ", \"properties\": {\"context\": \"%s\"}}", context_name(it->context));
}

static void invocation(FILE *out, const Report *r)
{
    fprintf(out, "\"invocations\": [{\"executionSuccessful\": %s", r->nerrors ? "false" : "true");
    if (r->nerrors) {
        fputs(", \"toolExecutionNotifications\": [", out);
        for (size_t i = 0; i < r->nerrors; i++) {
            fputs(i ? ",\n        " : "\n        ", out);
            fputs("{\"level\": \"error\", \"message\": {\"text\": ", out);
            report_json_string(out, r->errors[i].msg);
            fputs("}, \"locations\": [{\"physicalLocation\": {", out);
            artifact_location(out, r->errors[i].path);
            fputs("}}]}", out);
        }
        fputs("]", out);
    }
    fputs("}]", out);
}

void report_sarif_write(FILE *out, const Report *r)
{
    fputs("{\"$schema\": \"" SARIF_SCHEMA "\",\n \"version\": \"2.1.0\",\n \"runs\": [{\n  ", out);
    tool(out);
    fputs(",\n  ", out);
    invocation(out, r);
    fputs(",\n  \"columnKind\": \"unicodeCodePoints\",\n  \"results\": [", out);
    for (size_t i = 0; i < r->n; i++) {
        fputs(i ? ",\n    " : "\n    ", out);
        result(out, &r->items[i]);
    }
    fputs("]}]}\n", out);
}
