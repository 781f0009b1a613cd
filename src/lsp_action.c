/*
 * lsp_action.c - the language server's code actions (see lsp_impl.h): per
 * finding its fix, a `# noqa` comment and the rule's page; fix-all for a
 * buffer; and the command that shows a rule.
 *
 * Actions are computed from the buffer's last edit analysis, made current
 * first, so that every edit they carry is on the text the client has now.
 * Edits are the driver's ReportFix edits (byte offsets in the file's bytes,
 * which for a buffer are its text) in the client's units.
 */
#include "lsp_impl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fix.h"
#include "lex.h"
#include "rules.h"
#include "source.h"

/* Does the client's `only` list (NULL: anything) take actions of kind? */
static int wanted(const LspJson *only, const char *kind)
{
    if (!only || only->kind != LSP_JSON_ARRAY)
        return 1;
    for (int k = 0; k < only->n; k++) {
        const char *o = lsp_json_str(only->items[k]);
        size_t n = o ? strlen(o) : 0;
        if (o && !strncmp(kind, o, n) && (kind[n] == 0 || kind[n] == '.'))
            return 1;
    }
    return 0;
}

/* A TextEdit replacing bytes [start, end) of t with content. */
static void put_text_edit(const Server *S, LspBuf *b, const LspText *t, size_t start, size_t end,
                          const char *content, size_t n)
{
    long l0, c0, l1, c1;
    lsp_text_position(t, start, S->enc, &l0, &c0);
    lsp_text_position(t, end, S->enc, &l1, &c1);
    lsp_buf_puts(b, "{\"range\":");
    ls_put_range(b, l0, c0, l1, c1);
    lsp_buf_puts(b, ",\"newText\":");
    lsp_buf_strn(b, content, n);
    lsp_buf_puts(b, "}");
}

/* The start of a code action: title, kind, the diagnostic it resolves. */
static void open_action(Server *S, Arena *a, LspBuf *b, const char *title, const char *kind,
                        const ReportItem *it, const LspText *t)
{
    lsp_buf_puts(b, b->n > 1 ? ",{\"title\":" : "{\"title\":");
    lsp_buf_str(b, title);
    if (kind) {
        lsp_buf_puts(b, ",\"kind\":");
        lsp_buf_str(b, kind);
    }
    if (it) {
        lsp_buf_puts(b, ",\"diagnostics\":[");
        ls_put_diagnostic(S, a, b, it, t);
        lsp_buf_puts(b, "]");
    }
}

/* "edit": {"changes": {uri: [ ... */
static void open_edit(LspBuf *b, const char *uri)
{
    lsp_buf_puts(b, ",\"edit\":{\"changes\":{");
    lsp_buf_str(b, uri);
    lsp_buf_puts(b, ":[");
}

static void fix_action(Server *S, Arena *a, LspBuf *b, const Doc *d, const ReportItem *it)
{
    const ReportFix *fx = it->fix;
    int safe = fx->applicability == FIX_SAFE;
    const char *title = safe ? fx->message : arena_printf(a, "%s (unsafe fix)", fx->message);
    open_action(S, a, b, title, "quickfix", it, &d->text);
    lsp_buf_printf(b, ",\"isPreferred\":%s", safe ? "true" : "false");
    open_edit(b, d->uri);
    for (int k = 0; k < fx->nedits; k++) {
        const ReportEdit *e = &fx->edits[k];
        if (k)
            lsp_buf_puts(b, ",");
        put_text_edit(S, b, &d->text, e->start, e->end, e->content, strlen(e->content));
    }
    lsp_buf_puts(b, "]}}}");
}

/*
 * Where `code` goes into line (1-based) of lexed src so that the finding is
 * suppressed: after the codes of the line's `# noqa:` comment (", SL103"),
 * else a new comment at the line's end ("  # noqa: SL103").  Returns the
 * offset in src.text, or -1 when the line ends inside a string or after a
 * backslash (a comment there would change the code).
 */
static long noqa_at(const Source *src, const Lexed *lx, int line, int *append)
{
    size_t len;
    const char *text = source_line(src, line, &len);
    size_t end = (size_t)(text - src->text) + len;
    if (len && text[len - 1] == '\\')
        return -1;
    for (int k = 0; k < lx->ntoks; k++) {
        const Token *t = &lx->toks[k];
        if (t->multiline && t->off < end && t->off + t->len > end)
            return -1;
    }
    for (int k = 0; k < lx->ncomments; k++) {
        const Comment *c = &lx->comments[k];
        if (c->line != line)
            continue;
        const char *p = src->text + c->off, *stop = p + c->len;
        for (const char *q = p; q + 4 <= stop; q++) {
            if (strncasecmp(q, "noqa", 4) != 0)
                continue;
            const char *r = q + 4;
            while (r < stop && *r == ' ')
                r++;
            if (r >= stop || *r != ':')
                break;
            const char *last = ++r; /* the end of the last code of the list */
            for (;;) {
                while (r < stop && (*r == ' ' || *r == ','))
                    r++;
                const char *s = r;
                while (r < stop && ((*r >= 'A' && *r <= 'Z') || (*r >= '0' && *r <= '9') ||
                                    (*r >= 'a' && *r <= 'z')))
                    r++;
                if (r == s)
                    break;
                last = r;
            }
            *append = 1;
            return (long)(last - src->text);
        }
    }
    *append = 0;
    return (long)end;
}

static void noqa_action(Server *S, Arena *a, LspBuf *b, const Doc *d, const ReportItem *it,
                        const Source *src, const Lexed *lx)
{
    int append;
    if (!src || it->line < 1 || it->line > src->nlines)
        return;
    long at = noqa_at(src, lx, it->line, &append);
    if (at < 0)
        return;
    size_t off = (size_t)at + (src->had_bom ? 3 : 0); /* the buffer's bytes keep the BOM */
    const char *add = append ? arena_printf(a, ", %s", it->code)
                             : arena_printf(a, "  # noqa: %s", it->code);
    open_action(S, a, b, arena_printf(a, "Disable %s for this line", it->code), "quickfix", it,
                &d->text);
    open_edit(b, d->uri);
    put_text_edit(S, b, &d->text, off, off, add, strlen(add));
    lsp_buf_puts(b, "]}}}");
}

static void rule_action(Server *S, Arena *a, LspBuf *b, const Doc *d, const ReportItem *it)
{
    const char *title = arena_printf(a, "Show documentation for %s (%s)", it->code, it->name);
    open_action(S, a, b, title, "quickfix", it, &d->text);
    lsp_buf_puts(b, ",\"command\":{\"title\":");
    lsp_buf_str(b, title);
    lsp_buf_puts(b, ",\"command\":\"sessionlint.showRule\",\"arguments\":[");
    lsp_buf_str(b, it->code);
    lsp_buf_puts(b, "]}}");
}

/*
 * Every safe fix of d (unsafe too with the setting), applied in rounds as
 * `--fix` applies them, as one TextEdit into b (the changed middle of the
 * buffer).  Returns 0 when there is nothing to fix, -1 when cancelled.
 */
static int fix_all_edit(Server *S, Analyzer *an, Doc *d, LspBuf *b)
{
    ls_analyzer_update(S, an);
    DriverOverlay *ov;
    DriverOptions o = ls_buffer_options(S, an, d, &ov);
    FixOptions fo = {FIX_STDOUT, an->set.unsafe_fixes, NULL};
    char *out = NULL;
    size_t len = 0;
    fo.out = open_memstream(&out, &len);
    Report final;
    FixResult res = {0};
    fix_run(&o, &fo, &final, &res);
    fclose(fo.out);
    int stopped = final.stopped || ls_request_cancelled(S);
    driver_free(&final);
    fix_result_free(&res);
    free(ov);
    const char *old = d->text.p;
    size_t oldlen = d->text.len, p = 0, s = 0;
    while (p < oldlen && p < len && old[p] == out[p])
        p++;
    while (p > 0 && (((unsigned char)old[p] & 0xC0) == 0x80 || old[p - 1] == '\r'))
        p--; /* never split a character, or a CRLF */
    while (s < oldlen - p && s < len - p && old[oldlen - 1 - s] == out[len - 1 - s])
        s++;
    while (s > 0 && ((unsigned char)old[oldlen - s] & 0xC0) == 0x80)
        s--;
    int changed = !stopped && (oldlen != len || memcmp(old, out, len) != 0);
    if (changed)
        put_text_edit(S, b, &d->text, p, oldlen - s, out + p, len - s - p);
    free(out);
    return stopped ? -1 : changed;
}

/* The fix-all action for d, with its edit computed now when eager, else
 * left for codeAction/resolve.  Returns -1 when cancelled. */
static int fix_all_action(Server *S, Analyzer *an, LspBuf *b, Doc *d, int eager)
{
    int safe = 0;
    for (size_t k = 0; k < d->report.n; k++) {
        const ReportFix *fx = d->report.items[k].fix;
        safe |= fx && !strcmp(d->report.items[k].path, d->path) &&
                fix_applies(fx, an->set.unsafe_fixes);
    }
    if (!safe)
        return 0;
    LspBuf edit = {0};
    int got = eager ? fix_all_edit(S, an, d, &edit) : 1;
    if (got > 0) {
        lsp_buf_puts(b, b->n > 1 ? ",{\"title\":" : "{\"title\":");
        lsp_buf_puts(b, "\"sessionlint: fix all auto-fixable problems\","
                        "\"kind\":\"source.fixAll.sessionlint\"");
        if (eager) {
            open_edit(b, d->uri);
            lsp_buf_put(b, edit.p, edit.n);
            lsp_buf_puts(b, "]}}}");
        } else {
            lsp_buf_puts(b, ",\"data\":{\"uri\":");
            lsp_buf_str(b, d->uri);
            lsp_buf_printf(b, ",\"version\":%ld}}", d->version);
        }
    }
    lsp_buf_free(&edit);
    return got < 0 ? -1 : 0;
}

/* Does finding it concern the request's lines [l0, l1] or one of the
 * client's diagnostics (same code, same first line)? */
static int concerns(const ReportItem *it, long l0, long l1, const LspJson *diags)
{
    if (it->line - 1 <= l1 && it->end_line - 1 >= l0)
        return 1;
    for (int k = 0; diags && diags->kind == LSP_JSON_ARRAY && k < diags->n; k++) {
        long line;
        const char *code = lsp_json_str(lsp_json_get(diags->items[k], "code"));
        if (code && !strcmp(code, it->code) &&
            lsp_json_int(lsp_json_path(diags->items[k], "range", "start", "line", NULL), &line) &&
            line == it->line - 1)
            return 1;
    }
    return 0;
}

void ls_code_action(Server *S, Analyzer *an, const char *id, const LspJson *params)
{
    const char *uri = lsp_json_str(lsp_json_path(params, "textDocument", "uri", NULL));
    Doc *d = ls_find_doc(S, uri);
    long l0 = 0, l1 = 0;
    if (!d || !lsp_json_int(lsp_json_path(params, "range", "start", "line", NULL), &l0) ||
        !lsp_json_int(lsp_json_path(params, "range", "end", "line", NULL), &l1)) {
        ls_respond_error(S, id, ERR_INVALID_PARAMS,
                      d ? "codeAction needs a range" : "not an open document");
        return;
    }
    if (!ls_bring_up_to_date(S, an, d)) {
        ls_respond_error(S, id, ERR_CANCELLED, "cancelled");
        return;
    }
    const LspJson *only = lsp_json_path(params, "context", "only", NULL);
    const LspJson *diags = lsp_json_path(params, "context", "diagnostics", NULL);
    Arena *a = arena_new();
    Source src, *srcp = NULL;
    Lexed lx;
    SourceError err;
    LspBuf b = {0};
    lsp_buf_puts(&b, "[");
    for (size_t k = 0; wanted(only, "quickfix") && k < d->report.n; k++) {
        const ReportItem *it = &d->report.items[k];
        if (strcmp(it->path, d->path) != 0 || !concerns(it, l0, l1, diags))
            continue;
        if (it->fix)
            fix_action(S, a, &b, d, it);
        if (!srcp && source_from_bytes(a, d->path, d->text.p, d->text.len, &src, &err) == SRC_OK &&
            src.raw == src.text) { /* noqa goes by the lexer's comments */
            lex_source(a, &src, &lx);
            srcp = &src;
        }
        noqa_action(S, a, &b, d, it, srcp, &lx);
        rule_action(S, a, &b, d, it);
    }
    int st = 0;
    if (wanted(only, "source.fixAll.sessionlint"))
        st = fix_all_action(S, an, &b, d, only || !S->resolve_actions);
    lsp_buf_puts(&b, "]");
    if (st < 0 || ls_request_cancelled(S))
        ls_respond_error(S, id, ERR_CANCELLED, "cancelled");
    else
        ls_respond(S, id, b.p);
    lsp_buf_free(&b);
    arena_free(a);
}

/* codeAction/resolve: the fix-all action's edit, computed now. */
void ls_resolve(Server *S, Analyzer *an, const char *id, const LspJson *params)
{
    const char *uri = lsp_json_str(lsp_json_path(params, "data", "uri", NULL));
    Doc *d = ls_find_doc(S, uri);
    if (!d) {
        ls_respond_error(S, id, ERR_INVALID_PARAMS, "not an open document");
        return;
    }
    if (!ls_bring_up_to_date(S, an, d)) {
        ls_respond_error(S, id, ERR_CANCELLED, "cancelled");
        return;
    }
    LspBuf edit = {0}, b = {0};
    int got = fix_all_edit(S, an, d, &edit);
    if (got < 0) {
        ls_respond_error(S, id, ERR_CANCELLED, "cancelled");
    } else {
        lsp_buf_puts(&b, "{\"title\":\"sessionlint: fix all auto-fixable problems\","
                         "\"kind\":\"source.fixAll.sessionlint\"");
        open_edit(&b, d->uri);
        lsp_buf_put(&b, edit.p, edit.n);
        lsp_buf_puts(&b, "]}}}");
        ls_respond(S, id, b.p);
    }
    lsp_buf_free(&edit);
    lsp_buf_free(&b);
}

/* workspace/executeCommand sessionlint.showRule CODE: the rule's page,
 * opened in a browser when the client can, else shown as a message. */
void ls_execute(Server *S, const char *id, const LspJson *params)
{
    const char *cmd = lsp_json_str(lsp_json_get(params, "command"));
    const LspJson *args = lsp_json_get(params, "arguments");
    const char *code = args && args->kind == LSP_JSON_ARRAY && args->n ? lsp_json_str(args->items[0]) : NULL;
    if (!cmd || strcmp(cmd, "sessionlint.showRule") != 0) {
        ls_respond_error(S, id, ERR_INVALID_PARAMS, "unknown command");
        return;
    }
    const Rule *rule = code ? rules_lookup(code) : NULL;
    if (!rule) {
        ls_respond_error(S, id, ERR_INVALID_PARAMS, "sessionlint.showRule needs a rule code");
        return;
    }
    char url[512];
    rules_url(rule, url, sizeof url);
    const RulePage *pg = rules_page(rule);
    LspBuf text = {0}, b = {0};
    lsp_buf_printf(&text, "%s %s (%s): %s\n\n%s\n%s", rule->code, rule->name,
                   rules_severity_name(rule->severity), rule->summary, pg ? pg->finds : "", url);
    if (S->show_document) {
        lsp_buf_puts(&b, "{\"uri\":");
        lsp_buf_str(&b, url);
        lsp_buf_puts(&b, ",\"external\":true}");
        ls_send_method(S, "window/showDocument", b.p, 1);
    } else {
        ls_tell(S, "window/showMessage", 3, text.p);
    }
    lsp_buf_free(&b);
    lsp_buf_str(&b, text.p);
    ls_respond(S, id, b.p);
    lsp_buf_free(&b);
    lsp_buf_free(&text);
}
