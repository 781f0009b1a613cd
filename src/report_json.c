/*
 * report_json.c - the stable, versioned JSON output (docs/design.md): one
 * document per run, one finding per line inside it, so that it is both
 * machine-readable and diffable.  Strings are always valid UTF-8 JSON, even
 * when a path holds bytes that are not UTF-8.
 */
#include "fix.h"
#include "report.h"

#include "context.h"
#include "rules.h"

/* Length of the valid UTF-8 sequence at s (lead byte >= 0x80), or 0.
 * Strict: no overlong forms, no surrogates, nothing past U+10FFFF. */
static int utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    int n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? (c <= 0xEF ? 3 : 0) : c >= 0xC2 ? 2 : 0;
    if (!n)
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) ||
        (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
        return 0;
    return n;
}

void report_json_string(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    fputc('"', out);
    while (*s) {
        unsigned char c = *s;
        int n;
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
        } else if (c == '\n') {
            fputs("\\n", out);
        } else if (c == '\r') {
            fputs("\\r", out);
        } else if (c == '\t') {
            fputs("\\t", out);
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(out, "\\u%04x", c);
        } else if (c < 0x80) {
            fputc(c, out);
        } else if ((n = utf8_len(s)) > 0) {
            fwrite(s, 1, (size_t)n, out);
            s += n;
            continue;
        } else {
            fputs("\\ufffd", out);
        }
        s++;
    }
    fputc('"', out);
}

static void step(FILE *out, const ReportStep *s)
{
    fputs("{\"path\": ", out);
    report_json_string(out, s->path);
    fprintf(out, ", \"line\": %d, \"column\": %d, \"note\": ", s->line, s->column);
    report_json_string(out, s->note);
    fputc('}', out);
}

/* null, or {"applicability", "message", "edits": [...]}: each edit replaces
 * the text from (line, column) to (end_line, end_column) by content. */
static void fix(FILE *out, const ReportItem *it)
{
    const ReportFix *f = it->fix;
    if (!f) {
        fputs("null", out);
        return;
    }
    fprintf(out, "{\"applicability\": \"%s\", \"message\": ", fix_applicability_name(f->applicability));
    report_json_string(out, f->message);
    fputs(", \"edits\": [", out);
    for (int i = 0; i < f->nedits; i++) {
        const ReportEdit *e = &f->edits[i];
        fputs(i ? ", {\"path\": " : "{\"path\": ", out);
        report_json_string(out, it->path);
        fprintf(out, ", \"line\": %d, \"column\": %d, \"end_line\": %d, \"end_column\": %d, "
                     "\"content\": ", e->line, e->column, e->end_line, e->end_column);
        report_json_string(out, e->content);
        fputc('}', out);
    }
    fputs("]}", out);
}

static void finding(FILE *out, const ReportItem *it)
{
    fputs("{\"code\": ", out);
    report_json_string(out, it->code);
    fputs(", \"name\": ", out);
    report_json_string(out, it->name);
    fputs(", \"severity\": ", out);
    report_json_string(out, rules_severity_name(it->severity));
    fputs(", \"message\": ", out);
    report_json_string(out, it->message);
    fputs(", \"path\": ", out);
    report_json_string(out, it->path);
    fprintf(out, ", \"line\": %d, \"column\": %d, \"end_line\": %d, \"end_column\": %d",
            it->line, it->column, it->end_line, it->end_column);
    fprintf(out, ", \"context\": \"%s\"", context_name(it->context));
    fputs(", \"trace\": [", out);
    for (int i = 0; i < it->ntrace; i++) {
        if (i)
            fputs(", ", out);
        step(out, &it->trace[i]);
    }
    fputs("], \"fix\": ", out);
    fix(out, it);
    fputc('}', out);
}

void report_json_write(FILE *out, const Report *r)
{
    fputs("{\"version\": 1, \"findings\": [", out);
    for (size_t i = 0; i < r->n; i++) {
        fputs(i ? ",\n  " : "\n  ", out);
        finding(out, &r->items[i]);
    }
    fprintf(out, "%s], \"files\": %zu, \"skipped_templates\": %zu, \"hidden\": %zu, "
                 "\"errors\": [",
            r->n ? "\n" : "", r->files, r->templates, r->hidden);
    for (size_t i = 0; i < r->nerrors; i++) {
        fputs(i ? ", {\"path\": " : "{\"path\": ", out);
        report_json_string(out, r->errors[i].path);
        fputs(", \"message\": ", out);
        report_json_string(out, r->errors[i].msg);
        fputc('}', out);
    }
    fputs("]}\n", out);
}

void report_json_statistics(FILE *out, const Report *r)
{
    fputc('[', out);
    for (size_t i = 0; i < r->ncounts; i++) {
        fputs(i ? ",\n  {\"code\": " : "\n  {\"code\": ", out);
        report_json_string(out, r->counts[i].code);
        fputs(", \"name\": ", out);
        report_json_string(out, r->counts[i].name);
        fprintf(out, ", \"count\": %zu}", r->counts[i].count);
    }
    fputs(r->ncounts ? "\n]\n" : "]\n", out);
}
