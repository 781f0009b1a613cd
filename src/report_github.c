/*
 * report_github.c - GitHub Actions workflow commands, so that findings show
 * as annotations on a pull request's diff:
 *   ::error file=PATH,line=L,col=C,endLine=EL,endColumn=EC,title=CODE name::message
 * Property values and the message are percent-encoded as the runner
 * expects; the witness path follows the message on its own lines.
 */
#include "report.h"
#include "rules.h"

/* Writes s encoded for a workflow command; in a property value ',' and ':'
 * would end the value, so they are encoded too. */
static void put(FILE *out, const char *s, int property)
{
    for (; *s; s++) {
        if (*s == '%')
            fputs("%25", out);
        else if (*s == '\r')
            fputs("%0D", out);
        else if (*s == '\n')
            fputs("%0A", out);
        else if (property && *s == ':')
            fputs("%3A", out);
        else if (property && *s == ',')
            fputs("%2C", out);
        else
            fputc(*s, out);
    }
}

static const char *command(int severity)
{
    return severity == SEV_ERROR ? "error" : severity == SEV_WARNING ? "warning" : "notice";
}

void report_github_write(FILE *out, const Report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const ReportItem *it = &r->items[i];
        fprintf(out, "::%s file=", command(it->severity));
        put(out, it->path, 1);
        fprintf(out, ",line=%d,col=%d,endLine=%d,endColumn=%d,title=", it->line, it->column,
                it->end_line, it->end_column);
        put(out, it->code, 1);
        fputc(' ', out);
        put(out, it->name, 1);
        fputs("::", out);
        put(out, it->message, 0);
        for (int k = 0; k < it->ntrace; k++) {
            const ReportStep *s = &it->trace[k];
            fputs("%0A", out);
            put(out, s->path, 0);
            fprintf(out, ":%d:%d: ", s->line, s->column);
            put(out, s->note, 0);
        }
        fputc('\n', out);
    }
}
