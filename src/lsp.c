/*
 * lsp.c - the language server (see lsp.h): JSON-RPC over standard input and
 * output, the editor's buffers, and the analyses that answer them; the code
 * actions are in lsp_action.c, what the two share in lsp_impl.h.
 *
 * Three threads share the Server under its lock:
 *
 *   reader     standard input -> messages on a queue.  It marks a queued or
 *              running request that a $/cancelRequest names, so that
 *              cancellation works while the dispatcher is busy.
 *   dispatcher (the caller's thread) takes messages in order: answers
 *              requests, applies edits.  Whenever the queue is empty it runs
 *              the *edit analysis* of each buffer edited since: the buffer
 *              checked as `sessionlint FILE` would check it (the modules it
 *              imports read for context), parsed files coming from the
 *              driver's cache, and publishes it.  This is the latency a user
 *              sees (make bench measures it).
 *   workspace  once edits have paused for LSP_QUIET seconds, the *workspace
 *              analysis*: `sessionlint .` on the root with the buffers as
 *              overlays, publishing every file whose diagnostics changed (an
 *              edit to a provider makes a finding in an endpoint elsewhere).
 *              A newer edit stops it (DriverOptions.stop); it starts again
 *              after the next pause.
 *
 * Each file's published diagnostics remember the edit count (seq) of the
 * analysis that made them; an older result never replaces a newer one, and
 * a result for a buffer is used only if it saw the buffer's current version.
 * Every write to the client is one whole message under the output lock.
 * Standard output is the protocol's: stray writes to file descriptor 1 go to
 * standard error instead (lsp_serve moves it).
 */
#include "lsp.h"
#include "lsp_impl.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "context.h"
#include "driver.h"
#include "fix.h"
#include "lsp_doc.h"
#include "lsp_json.h"
#include "rules.h"
#include "source.h"
#include "version.h"
#include "walk.h"

/* A message from the client, as the reader queued it. */
typedef struct Msg {
    Arena *a;          /* its tree and strings */
    LspJson *json;     /* the parsed body, or NULL */
    const char *error; /* why it could not be read (framing, JSON), or NULL */
    int error_code;    /* ERR_PARSE or ERR_INVALID_REQUEST with error */
    char *id;          /* a request's id as JSON text ("7", "\"a\""), or NULL */
    int cancelled;     /* a $/cancelRequest named it while it waited */
    int eof;           /* the end of the input: no more messages */
    struct Msg *next;
} Msg;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- output ---- */

/* Sends one message whose JSON is body. */
static void send_body(Server *S, const LspBuf *body)
{
    pthread_mutex_lock(&S->out_lock);
    fprintf(S->out, "Content-Length: %zu\r\n\r\n", body->n);
    fwrite(body->p, 1, body->n, S->out);
    fflush(S->out);
    pthread_mutex_unlock(&S->out_lock);
}

/* A response: result is JSON text (NULL: null). */
void ls_respond(Server *S, const char *id, const char *result)
{
    LspBuf b = {0};
    lsp_buf_printf(&b, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":%s}", id ? id : "null",
                   result ? result : "null");
    send_body(S, &b);
    lsp_buf_free(&b);
}

void ls_respond_error(Server *S, const char *id, int code, const char *msg)
{
    LspBuf b = {0};
    lsp_buf_printf(&b, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"error\":{\"code\":%d,\"message\":",
                   id ? id : "null", code);
    lsp_buf_str(&b, msg);
    lsp_buf_puts(&b, "}}");
    send_body(S, &b);
    lsp_buf_free(&b);
}

/* A notification (id NULL) or our own request: params is JSON text. */
void ls_send_method(Server *S, const char *method, const char *params, int request)
{
    LspBuf b = {0};
    lsp_buf_puts(&b, "{\"jsonrpc\":\"2.0\",");
    if (request) {
        pthread_mutex_lock(&S->lock);
        unsigned long id = ++S->next_id;
        pthread_mutex_unlock(&S->lock);
        lsp_buf_printf(&b, "\"id\":\"sessionlint-%lu\",", id);
    }
    lsp_buf_puts(&b, "\"method\":");
    lsp_buf_str(&b, method);
    lsp_buf_printf(&b, ",\"params\":%s}", params);
    send_body(S, &b);
    lsp_buf_free(&b);
}

/* window/showMessage (type 1 error, 2 warning, 3 info) or window/logMessage. */
void ls_tell(Server *S, const char *method, int type, const char *msg)
{
    LspBuf b = {0};
    lsp_buf_printf(&b, "{\"type\":%d,\"message\":", type);
    lsp_buf_str(&b, msg);
    lsp_buf_puts(&b, "}");
    ls_send_method(S, method, b.p, 0);
    lsp_buf_free(&b);
}

/* ---- input: the reader thread ---- */

typedef struct Input {
    Server *S;
    int fd;
    char buf[1 << 16];
    size_t pos, end;
} Input;

/* Waits until in can be read; 0 once the server ends (the reader is not
 * cancelled in a read: it looks at S->quit five times a second). */
static int readable(Input *in)
{
    for (;;) {
        struct pollfd p = {in->fd, POLLIN, 0};
        int n = poll(&p, 1, 200);
        if (n > 0 || (n < 0 && errno != EINTR))
            return 1; /* data, the end, or an error that read() will report */
        pthread_mutex_lock(&in->S->lock);
        int quit = in->S->quit;
        pthread_mutex_unlock(&in->S->lock);
        if (quit)
            return 0;
    }
}

/* The next byte, or -1 at the end of the input. */
static int next_byte(Input *in)
{
    if (in->pos == in->end) {
        ssize_t n;
        if (!readable(in))
            return -1;
        do
            n = read(in->fd, in->buf, sizeof in->buf);
        while (n < 0 && errno == EINTR);
        if (n <= 0)
            return -1;
        in->pos = 0, in->end = (size_t)n;
    }
    return (unsigned char)in->buf[in->pos++];
}

/* One header line without its line end into line (truncated at size - 1,
 * *too_long set); -1 at the end of the input. */
static long read_line(Input *in, char *line, size_t size, int *too_long)
{
    size_t n = 0;
    int c;
    *too_long = 0;
    while ((c = next_byte(in)) >= 0 && c != '\n') {
        if (n + 1 < size)
            line[n++] = (char)c;
        else
            *too_long = 1;
    }
    if (c < 0 && n == 0)
        return -1;
    if (n && line[n - 1] == '\r')
        n--;
    line[n] = 0;
    return (long)n;
}

/* The text after name (lower case, matched in any case) in a header
 * line, or NULL; found anywhere in the line, so that a frame after garbage
 * still reads. */
static const char *header_value(const char *line, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = line; *p; p++)
        if (!strncasecmp(p, name, n))
            return p;
    return NULL;
}

/*
 * One framed message: headers up to an empty line, then Content-Length bytes.
 * Returns 1 with the body in *body (heap, *len bytes), 0 at the end of the
 * input, -1 with *why when the frame is unusable (its body, if its length is
 * known, is skipped, so the next frame still reads).
 */
static int read_frame(Input *in, char **body, size_t *len, const char **why)
{
    char line[LSP_MAX_HEADER];
    long length = -1;
    int bad_header = 0, any = 0, too_long;
    for (;;) {
        long n = read_line(in, line, sizeof line, &too_long);
        if (n < 0)
            return any ? (*why = "the input ended inside a message's headers", -1) : 0;
        if (n == 0 && any)
            break;
        if (n == 0)
            continue; /* stray blank lines between messages */
        any = 1;
        const char *cl = header_value(line, "content-length:");
        if (cl) {
            char *end;
            errno = 0;
            long v = strtol(cl + strlen("content-length:"), &end, 10);
            while (*end == ' ' || *end == '\t')
                end++;
            length = errno || *end || v < 0 ? -2 : v;
        } else if (too_long || !strchr(line, ':')) {
            bad_header = 1;
        }
    }
    if (length < 0) {
        *why = length == -2 ? "a Content-Length that is not a number" : "a message without Content-Length";
        return -1;
    }
    if ((unsigned long)length > LSP_MAX_MESSAGE) {
        for (long k = 0; k < length && next_byte(in) >= 0; k++) /* skip it, whole */
            ;
        *why = "a message larger than 64 MiB";
        return -1;
    }
    char *p = xmalloc((size_t)length + 1);
    for (long k = 0; k < length; k++) {
        int c = next_byte(in);
        if (c < 0) {
            free(p);
            *why = "the input ended inside a message";
            return -1;
        }
        p[k] = (char)c;
    }
    p[length] = 0;
    (void)bad_header; /* other headers (Content-Type) are allowed and ignored */
    *body = p;
    *len = (size_t)length;
    return 1;
}

/* The id of a request (or of a $/cancelRequest's params) as JSON text. */
static char *id_text(Arena *a, const LspJson *id)
{
    if (!id || (id->kind != LSP_JSON_NUMBER && id->kind != LSP_JSON_STRING))
        return NULL;
    LspBuf b = {0};
    lsp_buf_json(&b, id);
    char *s = arena_strndup(a, b.p, b.n);
    lsp_buf_free(&b);
    return s;
}

/* $/cancelRequest, seen by the reader: marks the request, queued or running. */
static void note_cancel(Server *S, Msg *m)
{
    const char *id = id_text(m->a, lsp_json_path(m->json, "params", "id", NULL));
    if (!id)
        return;
    pthread_mutex_lock(&S->lock);
    for (Msg *q = S->head; q; q = q->next)
        if (q->id && !strcmp(q->id, id))
            q->cancelled = 1;
    if (S->running_id && !strcmp(S->running_id, id))
        S->running_cancelled = 1;
    pthread_mutex_unlock(&S->lock);
}

static void push(Server *S, Msg *m)
{
    pthread_mutex_lock(&S->lock);
    if (S->tail)
        S->tail->next = m;
    else
        S->head = m;
    S->tail = m;
    pthread_cond_signal(&S->msg_cond);
    pthread_mutex_unlock(&S->lock);
}

static void *reader_main(void *arg)
{
    Server *S = arg;
    Input *in = xcalloc(1, sizeof *in);
    in->S = S;
    in->fd = S->in;
    for (;;) {
        char *body = NULL;
        size_t len = 0;
        const char *why = NULL;
        int st = read_frame(in, &body, &len, &why);
        Msg *m = xcalloc(1, sizeof *m);
        m->a = arena_new();
        if (st == 0) {
            m->eof = 1;
            push(S, m);
            break;
        }
        if (st < 0) {
            m->error = why, m->error_code = ERR_PARSE;
            push(S, m);
            continue;
        }
        char err[128];
        m->json = lsp_json_parse(m->a, body, len, err, sizeof err);
        free(body);
        if (!m->json) {
            m->error = arena_printf(m->a, "malformed JSON: %s", err);
            m->error_code = ERR_PARSE;
        } else {
            m->id = id_text(m->a, lsp_json_get(m->json, "id"));
            const char *method = lsp_json_str(lsp_json_get(m->json, "method"));
            if (method && !strcmp(method, "$/cancelRequest"))
                note_cancel(S, m);
        }
        push(S, m);
    }
    free(in);
    return NULL;
}

static void msg_free(Msg *m)
{
    arena_free(m->a);
    free(m);
}

/* ---- settings and configuration ---- */

static void settings_free(Settings *st)
{
    VEC_FREE(&st->select);
    VEC_FREE(&st->extend_select);
    VEC_FREE(&st->ignore);
    arena_free(st->a);
    memset(st, 0, sizeof *st);
}

static const char *dup_str(Arena *a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : NULL; }

static void copy_list(Arena *a, const void *from, void *to)
{
    const VEC(const char *) *f = from;
    VEC(const char *) *t = to;
    for (size_t k = 0; k < f->n; k++)
        VEC_PUSH(t, dup_str(a, f->items[k]));
}

/* A deep copy of *from into *to (which is empty). */
static void settings_copy(Settings *to, const Settings *from)
{
    to->a = arena_new();
    copy_list(to->a, &from->select, &to->select);
    copy_list(to->a, &from->extend_select, &to->extend_select);
    copy_list(to->a, &from->ignore, &to->ignore);
    to->config = dup_str(to->a, from->config);
    to->no_config = from->no_config;
    to->fastapi_version = dup_str(to->a, from->fastapi_version);
    to->sqlalchemy_version = dup_str(to->a, from->sqlalchemy_version);
    to->contexts = from->contexts;
    to->has_contexts = from->has_contexts;
    to->unsafe_fixes = from->unsafe_fixes;
}

/* Selectors from a JSON array of strings (or one string, commas between),
 * upper-cased; those that select no rule go to bad. */
static void read_selectors(Arena *a, const LspJson *v, void *list, LspBuf *bad)
{
    VEC(const char *) *out = list;
    for (int k = 0; v && k < (v->kind == LSP_JSON_ARRAY ? v->n : 1); k++) {
        const char *s = lsp_json_str(v->kind == LSP_JSON_ARRAY ? v->items[k] : v);
        for (const char *p = s; p && *p;) {
            size_t n = strcspn(p, ", ");
            char *sel = arena_strndup(a, p, n);
            for (char *c = sel; *c; c++)
                if (*c >= 'a' && *c <= 'z')
                    *c = (char)(*c - 'a' + 'A');
            if (n && rules_valid_selector(sel))
                VEC_PUSH(out, sel);
            else if (n)
                lsp_buf_printf(bad, "%s%s", bad->n ? ", " : "", sel);
            p += n + (p[n] != 0);
        }
    }
}

/* A version setting ("0.110"), or NULL with its text in bad. */
static const char *read_version(Arena *a, const LspJson *v, LspBuf *bad)
{
    const char *s = lsp_json_str(v);
    Version ver;
    if (!s)
        return NULL;
    if (s[0] >= '0' && s[0] <= '9' && project_parse_version(s, &ver))
        return dup_str(a, s);
    lsp_buf_printf(bad, "%s%s", bad->n ? ", " : "", s);
    return NULL;
}

/*
 * The settings in v (initializationOptions, or didChangeConfiguration's
 * settings; under a "sessionlint" key or not) into *st (emptied first).
 * What cannot be used is said in a warning.
 */
static void read_settings(Server *S, const LspJson *v, Settings *st)
{
    settings_free(st);
    st->a = arena_new();
    if (lsp_json_get(v, "sessionlint"))
        v = lsp_json_get(v, "sessionlint");
    if (!v || v->kind != LSP_JSON_OBJECT)
        return;
    LspBuf bad = {0};
    read_selectors(st->a, lsp_json_get(v, "select"), &st->select, &bad);
    read_selectors(st->a, lsp_json_get(v, "extendSelect"), &st->extend_select, &bad);
    read_selectors(st->a, lsp_json_get(v, "ignore"), &st->ignore, &bad);
    st->config = dup_str(st->a, lsp_json_str(lsp_json_get(v, "config")));
    st->no_config = lsp_json_true(lsp_json_get(v, "noConfig"));
    st->fastapi_version = read_version(st->a, lsp_json_get(v, "fastapiVersion"), &bad);
    st->sqlalchemy_version = read_version(st->a, lsp_json_get(v, "sqlalchemyVersion"), &bad);
    st->unsafe_fixes = lsp_json_true(lsp_json_get(v, "unsafeFixes"));
    const LspJson *ctx = lsp_json_get(v, "context");
    for (int k = 0; ctx && k < (ctx->kind == LSP_JSON_ARRAY ? ctx->n : 1); k++) {
        const char *name = lsp_json_str(ctx->kind == LSP_JSON_ARRAY ? ctx->items[k] : ctx);
        int c = name ? context_parse(name) : -1;
        st->has_contexts = 1;
        if (name && !strcmp(name, "all"))
            st->contexts |= CTX_ALL;
        else if (c >= 0)
            st->contexts |= CTX_BIT(c);
        else
            lsp_buf_printf(&bad, "%s%s", bad.n ? ", " : "", name ? name : "(not a string)");
    }
    if (bad.n) {
        char *msg = xmalloc(bad.n + 64);
        sprintf(msg, "sessionlint: settings ignored: %s", bad.p);
        ls_tell(S, "window/showMessage", 2, msg);
        free(msg);
    }
    lsp_buf_free(&bad);
}

/* The files whose change changes the configuration or the project's
 * versions, looked for in each folder from a buffer's up to the root. */
static const char *const settings_files[] = {
    "pyproject.toml", "sessionlint.toml", ".sessionlint.toml", "setup.cfg", "setup.py",
    "requirements.txt", "Pipfile", "Pipfile.lock", "poetry.lock", "uv.lock", "pdm.lock",
};

static int is_settings_file(const char *path)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    for (size_t k = 0; k < sizeof settings_files / sizeof *settings_files; k++)
        if (!strcmp(base, settings_files[k]))
            return 1;
    return !strncmp(base, "requirements", 12) && strstr(base, ".txt") != NULL;
}

static uint64_t stamp_file(uint64_t h, const char *path)
{
    struct stat st;
    long long f[3] = {-1, 0, 0};
    if (stat(path, &st) == 0)
        f[0] = (long long)st.st_size, f[1] = (long long)st.st_mtim.tv_sec,
        f[2] = (long long)st.st_mtim.tv_nsec;
    for (const char *p = path; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    for (size_t k = 0; k < sizeof f; k++)
        h = (h ^ ((const unsigned char *)f)[k]) * 0x100000001b3ULL;
    return h;
}

/* The settings files of folder dir (and the folders above it, up to the
 * root), as stat() sees them now. */
static uint64_t stamp_folder(uint64_t h, const char *dir)
{
    char path[PATH_MAX + 32];
    for (size_t k = 0; k < sizeof settings_files / sizeof *settings_files; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, settings_files[k]);
        h = stamp_file(h, path);
    }
    return h;
}

/*
 * Notices changed configuration files without the client's help (Neovim
 * 0.7 has no file watchers): when the settings files around the root and
 * the buffers changed since the last look, a new configuration generation
 * begins and the cache (which depends on it) is emptied.
 */
static void refresh_config(Server *S)
{
    pthread_mutex_lock(&S->lock);
    uint64_t h = stamp_folder(0xcbf29ce484222325ULL, ".");
    if (S->settings.config)
        h = stamp_file(h, S->settings.config);
    for (size_t k = 0; k < S->docs.n; k++) {
        const char *p = S->docs.items[k]->path;
        if (p[0] == '/')
            continue; /* outside the workspace */
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", p);
        for (char *slash; (slash = strrchr(dir, '/'));) {
            *slash = 0;
            h = stamp_folder(h, dir);
        }
    }
    if (S->config_stamp && h != S->config_stamp) {
        S->config_gen++;
        driver_cache_clear(S->cache);
    }
    S->config_stamp = h;
    pthread_mutex_unlock(&S->lock);
}

/* A new configuration generation (settings, or a file the client watched). */
static void config_changed(Server *S)
{
    pthread_mutex_lock(&S->lock);
    S->config_gen++;
    S->seq++;
    S->last_edit = now();
    driver_cache_clear(S->cache);
    pthread_cond_broadcast(&S->work_cond);
    pthread_mutex_unlock(&S->lock);
}

static void analyzer_build(Server *S, Analyzer *an);

/* The configuration is broken: say so (once per generation, from the
 * dispatcher), and analyze without configuration files meanwhile. */
static void broken(Server *S, Analyzer *an)
{
    if (an->dispatcher) {
        pthread_mutex_lock(&S->lock);
        int told = S->config_told == an->gen;
        S->config_told = an->gen;
        pthread_mutex_unlock(&S->lock);
        if (!told) {
            const char *why = config_error(an->cs);
            char *msg = xmalloc(strlen(why) + 128);
            sprintf(msg, "sessionlint: %s (analyzing without configuration files until it is "
                         "fixed)", why);
            ls_tell(S, "window/showMessage", 1, msg);
            free(msg);
        }
    }
    an->fallback = 1;
    analyzer_build(S, an);
}

static void analyzer_build(Server *S, Analyzer *an)
{
    config_free(an->cs);
    Settings *st = &an->set;
    ConfigArgs args = {an->fallback ? NULL : st->config, st->no_config || an->fallback,
                       st->select.items, (int)st->select.n, st->extend_select.items,
                       (int)st->extend_select.n, st->ignore.items, (int)st->ignore.n,
                       NULL, 0, NULL, 0, st->contexts, st->has_contexts};
    an->cs = config_new(&args);
    const Config *c = config_for(an->cs, ".");
    if (config_error(an->cs) && !an->fallback) {
        broken(S, an);
        return;
    }
    project_facts_init(&an->facts);
    if (st->fastapi_version && project_parse_version(st->fastapi_version, &an->facts.fastapi))
        an->facts.fastapi_from = "the editor's settings";
    if (st->sqlalchemy_version &&
        project_parse_version(st->sqlalchemy_version, &an->facts.sqlalchemy))
        an->facts.sqlalchemy_from = "the editor's settings";
    config_facts(c, &an->facts);
    an->fixed = an->facts;
    project_read(st->a, NULL, ".", &an->facts);
    an->sel = (RuleSelect){st->select.items, (int)st->select.n, st->ignore.items,
                           (int)st->ignore.n, NULL, 0, st->contexts};
}

/* Brings an up to the current configuration generation. */
void ls_analyzer_update(Server *S, Analyzer *an)
{
    refresh_config(S);
    pthread_mutex_lock(&S->lock);
    int same = an->cs && an->gen == S->config_gen;
    if (!same) {
        settings_free(&an->set);
        settings_copy(&an->set, &S->settings);
        an->gen = S->config_gen;
    }
    pthread_mutex_unlock(&S->lock);
    if (!same) {
        an->fallback = 0;
        analyzer_build(S, an);
    }
}

static void analyzer_free(Analyzer *an)
{
    config_free(an->cs);
    settings_free(&an->set);
}

/* The options every run of an shares. */
static DriverOptions run_options(Server *S, Analyzer *an, int jobs)
{
    DriverOptions d = {0};
    d.jobs = jobs;
    d.select = &an->sel;
    d.mode = DRIVER_CHECK;
    d.facts = &an->facts;
    d.fixed_facts = &an->fixed;
    d.config = an->cs;
    d.cache = S->cache;
    return d;
}

/* ---- paths, URIs, texts ---- */

/* path made absolute and free of "." and "..", with symbolic links
 * resolved as far as the file (or, for a new file, its folder) exists. */
static char *real_path(Arena *a, const char *path)
{
    char *r = realpath(path, NULL);
    if (!r) { /* a buffer not saved yet: its folder, then its name */
        const char *slash = strrchr(path, '/');
        char *dir = slash ? arena_strndup(a, path, (size_t)(slash - path)) : NULL;
        char *rd = dir && *dir ? realpath(dir, NULL) : NULL;
        if (!rd)
            return project_abspath(a, "/", path);
        char *out = (char *)arena_printf(a, "%s%s", rd, slash);
        free(rd);
        return out;
    }
    char *out = arena_strndup(a, r, strlen(r));
    free(r);
    return out;
}

/* The path runs use for the file a URI names, in a; NULL for a URI that is
 * not a local file. */
static char *uri_to_path(Server *S, Arena *a, const char *uri)
{
    char *p = lsp_uri_path(a, uri);
    if (!p)
        return NULL;
    return walk_normalize(a, real_path(a, p), S->root);
}

/* The URI of a path runs use (S locked): an open buffer's own, else made
 * from the root as the client spelled it. */
static const char *path_to_uri(Server *S, Arena *a, const char *path)
{
    for (size_t k = 0; k < S->docs.n; k++)
        if (!strcmp(S->docs.items[k]->path, path))
            return S->docs.items[k]->uri;
    if (path[0] == '/')
        return lsp_path_uri(a, path);
    return lsp_path_uri(a, arena_printf(a, "%s/%s", S->root_shown, path));
}

Doc *ls_find_doc(Server *S, const char *uri)
{
    for (size_t k = 0; uri && k < S->docs.n; k++)
        if (!strcmp(S->docs.items[k]->uri, uri))
            return S->docs.items[k];
    return NULL;
}

static Doc *find_doc_path(Server *S, const char *path)
{
    for (size_t k = 0; k < S->docs.n; k++)
        if (!strcmp(S->docs.items[k]->path, path))
            return S->docs.items[k];
    return NULL;
}

/* The text of path for converting columns: its buffer's, else what is on
 * disk now, copied into *tmp; NULL if unreadable (columns then stay
 * code points). */
static const LspText *text_of(Server *S, const char *path, LspText *tmp)
{
    Doc *d = find_doc_path(S, path);
    if (d)
        return &d->text;
    size_t n;
    char *p = source_read(path, &n);
    if (!p)
        return NULL;
    lsp_text_set(tmp, p, n);
    free(p);
    return tmp;
}

/* The client's character of the 1-based code-point column col on line. */
static long character(const Server *S, const LspText *t, int line, int col)
{
    if (!t)
        return col > 1 ? col - 1 : 0;
    return lsp_text_character(t, line, col, S->enc);
}

static void put_position(LspBuf *b, long line, long ch)
{
    lsp_buf_printf(b, "{\"line\":%ld,\"character\":%ld}", line < 0 ? 0 : line, ch < 0 ? 0 : ch);
}

void ls_put_range(LspBuf *b, long l0, long c0, long l1, long c1)
{
    lsp_buf_puts(b, "{\"start\":");
    put_position(b, l0, c0);
    lsp_buf_puts(b, ",\"end\":");
    put_position(b, l1, c1);
    lsp_buf_puts(b, "}");
}

/* A finding's range in the client's units. */
static void put_item_range(const Server *S, LspBuf *b, const ReportItem *it, const LspText *t)
{
    ls_put_range(b, it->line - 1, character(S, t, it->line, it->column), it->end_line - 1,
              character(S, t, it->end_line, it->end_column));
}

static int lsp_severity(int sev) { return sev == SEV_ERROR ? 1 : sev == SEV_WARNING ? 2 : 3; }

/* One Diagnostic (S locked): its witness path becomes relatedInformation,
 * a step and its note per entry, so the editor can jump along it. */
void ls_put_diagnostic(Server *S, Arena *a, LspBuf *b, const ReportItem *it, const LspText *t)
{
    lsp_buf_puts(b, "{\"range\":");
    put_item_range(S, b, it, t);
    lsp_buf_printf(b, ",\"severity\":%d,\"code\":", lsp_severity(it->severity));
    lsp_buf_str(b, it->code);
    const Rule *rule = rules_lookup(it->code);
    if (rule) {
        char url[512];
        rules_url(rule, url, sizeof url);
        lsp_buf_puts(b, ",\"codeDescription\":{\"href\":");
        lsp_buf_str(b, url);
        lsp_buf_puts(b, "}");
    }
    lsp_buf_puts(b, ",\"source\":\"sessionlint\",\"message\":");
    lsp_buf_str(b, it->message);
    lsp_buf_puts(b, ",\"relatedInformation\":[");
    for (int k = 0; k < it->ntrace; k++) {
        const ReportStep *s = &it->trace[k];
        int here = !strcmp(s->path, it->path);
        long ch = character(S, here ? t : NULL, s->line, s->column);
        lsp_buf_puts(b, k ? ",{\"location\":{\"uri\":" : "{\"location\":{\"uri\":");
        lsp_buf_str(b, path_to_uri(S, a, s->path));
        lsp_buf_puts(b, ",\"range\":");
        ls_put_range(b, s->line - 1, ch, s->line - 1, ch);
        lsp_buf_puts(b, "},\"message\":");
        lsp_buf_str(b, s->note);
        lsp_buf_puts(b, "}");
    }
    lsp_buf_printf(b, "],\"data\":{\"fixable\":%s}}",
                   it->fix ? (it->fix->applicability == FIX_SAFE ? "\"safe\"" : "\"unsafe\"")
                           : "null");
}

static Published *find_published(Server *S, const char *path)
{
    for (size_t k = 0; k < S->pub.n; k++)
        if (!strcmp(S->pub.items[k].path, path))
            return &S->pub.items[k];
    return NULL;
}

/*
 * Publishes the n findings of path (S locked), which the analysis of edit
 * count seq found, unless a newer analysis was published already, or
 * (unless force) the same diagnostics were.  version: the buffer's, or -1.
 */
static void publish(Server *S, const char *path, const ReportItem *items, size_t n,
                    unsigned long seq, int force, long version)
{
    Published *p = find_published(S, path);
    if (p && p->seq > seq)
        return;
    if (!p && !n && !force)
        return; /* nothing was said of it, and there is nothing to say */
    Arena *a = arena_new();
    LspText tmp = {0};
    const LspText *t = n ? text_of(S, path, &tmp) : NULL;
    LspBuf diags = {0};
    lsp_buf_puts(&diags, "[");
    for (size_t k = 0; k < n; k++) {
        if (k)
            lsp_buf_puts(&diags, ",");
        ls_put_diagnostic(S, a, &diags, &items[k], t);
    }
    lsp_buf_puts(&diags, "]");
    if (!p) {
        VEC_PUSH(&S->pub, ((Published){xmalloc(strlen(path) + 1), NULL, 0}));
        p = &S->pub.items[S->pub.n - 1];
        strcpy(p->path, path);
    }
    p->seq = seq;
    if (force || !p->json || strcmp(p->json, diags.p) != 0) {
        LspBuf b = {0};
        lsp_buf_puts(&b, "{\"uri\":");
        lsp_buf_str(&b, path_to_uri(S, a, path));
        if (version >= 0)
            lsp_buf_printf(&b, ",\"version\":%ld", version);
        lsp_buf_printf(&b, ",\"diagnostics\":%s}", diags.p);
        ls_send_method(S, "textDocument/publishDiagnostics", b.p, 0);
        lsp_buf_free(&b);
        free(p->json);
        p->json = diags.p;
        diags.p = NULL;
    }
    lsp_buf_free(&diags);
    lsp_text_free(&tmp);
    arena_free(a);
}

/* ---- the edit analysis (dispatcher) ---- */

/* Stops an edit analysis whose request was cancelled. */
int ls_request_cancelled(void *arg)
{
    Server *S = arg;
    pthread_mutex_lock(&S->lock);
    int c = S->running_cancelled;
    pthread_mutex_unlock(&S->lock);
    return c;
}

/* The other buffers, as overlays of a run (the dispatcher's, so their texts
 * cannot change meanwhile); free the array. */
static DriverOverlay *overlays_of(Server *S, const Doc *except, size_t *n)
{
    pthread_mutex_lock(&S->lock);
    DriverOverlay *ov = xcalloc(S->docs.n + 1, sizeof *ov);
    *n = 0;
    for (size_t k = 0; k < S->docs.n; k++) {
        const Doc *d = S->docs.items[k];
        if (d != except)
            ov[(*n)++] = (DriverOverlay){d->path, d->text.p, d->text.len};
    }
    pthread_mutex_unlock(&S->lock);
    return ov;
}

/* The options of a run on buffer d as `--stdin-filename` gives it, the
 * other buffers over their files (*ov: free it), stopped if the request
 * being answered is cancelled. */
DriverOptions ls_buffer_options(Server *S, Analyzer *an, Doc *d, DriverOverlay **ov)
{
    size_t nov;
    *ov = overlays_of(S, d, &nov);
    DriverOptions o = run_options(S, an, S->jobs);
    o.stdin_path = d->path;
    o.stdin_text = d->text.p;
    o.stdin_len = d->text.len;
    o.overlays = *ov;
    o.noverlays = nov;
    o.max_context = LSP_EDIT_CONTEXT;
    o.stop = ls_request_cancelled;
    o.stop_arg = S;
    return o;
}

/*
 * Analyzes buffer d as `sessionlint --stdin-filename PATH` would (its
 * imports read for context, the other buffers over their files) into *r.
 * Returns 0 if the run was stopped.
 */
static int analyze_doc(Server *S, Analyzer *an, Doc *d, Report *r)
{
    ls_analyzer_update(S, an);
    for (int attempt = 0;; attempt++) {
        DriverOverlay *ov;
        DriverOptions o = ls_buffer_options(S, an, d, &ov);
        driver_run(&o, r);
        free(ov);
        if (!config_error(an->cs) || attempt)
            return !r->stopped;
        driver_free(r); /* a configuration below the root is broken */
        broken(S, an);
    }
}

/* The findings of d's current text in d->report, analyzing it if its last
 * analysis is older; publishes them.  0 if cancelled. */
int ls_bring_up_to_date(Server *S, Analyzer *an, Doc *d)
{
    if (d->has_report && d->report_version == d->version && !d->dirty)
        return 1;
    pthread_mutex_lock(&S->lock);
    unsigned long seq = S->seq;
    d->dirty = 0;
    pthread_mutex_unlock(&S->lock);
    Report r;
    if (!analyze_doc(S, an, d, &r)) {
        driver_free(&r);
        pthread_mutex_lock(&S->lock);
        d->dirty = 1;
        pthread_mutex_unlock(&S->lock);
        return 0;
    }
    if (d->has_report)
        driver_free(&d->report);
    d->report = r;
    d->has_report = 1;
    d->report_version = d->version;
    size_t lo = 0, hi = 0; /* the buffer's own findings (context files report none) */
    while (lo < r.n && strcmp(r.items[lo].path, d->path) != 0)
        lo++;
    for (hi = lo; hi < r.n && !strcmp(r.items[hi].path, d->path);)
        hi++;
    pthread_mutex_lock(&S->lock);
    publish(S, d->path, r.items + lo, hi - lo, seq, 1, d->version);
    S->last_edit = now(); /* the workspace analysis waits for a pause after this too */
    pthread_cond_broadcast(&S->work_cond);
    pthread_mutex_unlock(&S->lock);
    return 1;
}

/* Every buffer edited since its last analysis (the dispatcher, when no
 * message waits). */
static void analyze_edited(Server *S, Analyzer *an)
{
    for (size_t k = 0; k < S->docs.n; k++) {
        pthread_mutex_lock(&S->lock);
        int waiting = S->head != NULL;
        pthread_mutex_unlock(&S->lock);
        if (waiting)
            return; /* newer edits first: they may make this analysis stale */
        Doc *d = S->docs.items[k];
        if (d->dirty)
            ls_bring_up_to_date(S, an, d);
    }
}

static int any_dirty(const Server *S)
{
    for (size_t k = 0; k < S->docs.n; k++)
        if (S->docs.items[k]->dirty)
            return 1;
    return 0;
}

/* ---- the workspace analysis (its own thread) ---- */

typedef struct Snapshot {
    unsigned long seq;   /* the edit count it saw */
    DriverOverlay *ov;   /* every buffer, its text copied */
    long *versions;      /* ... and its version */
    size_t n;
} Snapshot;

static void snapshot_take(Server *S, Snapshot *s)
{
    s->seq = S->seq;
    s->n = S->docs.n;
    s->ov = xcalloc(s->n + 1, sizeof *s->ov);
    s->versions = xcalloc(s->n + 1, sizeof *s->versions);
    for (size_t k = 0; k < s->n; k++) {
        const Doc *d = S->docs.items[k];
        char *path = xmalloc(strlen(d->path) + 1), *text = xmalloc(d->text.len + 1);
        strcpy(path, d->path);
        memcpy(text, d->text.p, d->text.len + 1);
        s->ov[k] = (DriverOverlay){path, text, d->text.len};
        s->versions[k] = d->version;
    }
}

static void snapshot_free(Snapshot *s)
{
    for (size_t k = 0; k < s->n; k++) {
        free((char *)s->ov[k].path);
        free((char *)s->ov[k].text);
    }
    free(s->ov);
    free(s->versions);
}

typedef struct StopWhen {
    Server *S;
    unsigned long seq;
} StopWhen;

/* A workspace run is stale once another edit came (or the server ends). */
static int workspace_stale(void *arg)
{
    StopWhen *w = arg;
    pthread_mutex_lock(&w->S->lock);
    int stale = w->S->seq != w->seq || w->S->quit;
    pthread_mutex_unlock(&w->S->lock);
    return stale;
}

/* Is the buffer at path (if any) still at the version s saw? (S locked) */
static int still_current(Server *S, const Snapshot *s, const char *path)
{
    Doc *d = find_doc_path(S, path);
    if (!d)
        return 1;
    for (size_t k = 0; k < s->n; k++)
        if (!strcmp(s->ov[k].path, path))
            return s->versions[k] == d->version;
    return 0; /* opened since */
}

/* Publishes what the workspace run r found, file by file, for the files it
 * covered (S locked). */
static void publish_workspace(Server *S, const Snapshot *s, const Report *r,
                              const WalkPaths *files)
{
    size_t at = 0;
    for (size_t k = 0; k < files->n; k++) {
        const char *path = files->items[k];
        while (at < r->n && strcmp(r->items[at].path, path) < 0)
            at++;
        size_t end = at;
        while (end < r->n && !strcmp(r->items[end].path, path))
            end++;
        if (still_current(S, s, path)) {
            Doc *d = find_doc_path(S, path);
            publish(S, path, r->items + at, end - at, s->seq, 0, d ? d->version : -1);
        }
        at = end;
    }
}

/* Runs the workspace analysis of snapshot s and publishes it; returns 0
 * when it was stopped. */
static int analyze_workspace(Server *S, Analyzer *an, const Snapshot *s)
{
    ls_analyzer_update(S, an);
    StopWhen w = {S, s->seq};
    DriverOptions o = run_options(S, an, S->jobs);
    o.overlays = s->ov;
    o.noverlays = s->n;
    o.stop = workspace_stale;
    o.stop_arg = &w;
    Report r;
    driver_run(&o, &r);
    int done = !r.stopped;
    if (config_error(an->cs)) {
        broken(S, an);
        done = 0;
    }
    if (done) {
        Arena *a = arena_new();
        WalkPaths files = {0};
        WalkErrors errs = {0};
        driver_discover(a, &o, &files, &errs); /* what it covered: the rest keeps its own */
        pthread_mutex_lock(&S->lock);
        publish_workspace(S, s, &r, &files);
        pthread_mutex_unlock(&S->lock);
        VEC_FREE(&files);
        VEC_FREE(&errs);
        arena_free(a);
    }
    driver_free(&r);
    return done;
}

static void *workspace_main(void *arg)
{
    Server *S = arg;
    Analyzer an = {0};
    /* below the edit analyses: Linux gives each thread (and the threads it
     * starts) its own nice value */
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10) != 0)
        ls_tell(S, "window/logMessage", 4, "sessionlint: could not lower the workspace thread's priority");
    pthread_mutex_lock(&S->lock);
    while (!S->quit) {
        if (!S->initialized || S->workspace_seq == S->seq || !S->has_root) {
            pthread_cond_wait(&S->work_cond, &S->lock);
            continue;
        }
        double wait = S->last_edit + LSP_QUIET - now();
        if (wait > 0 || any_dirty(S)) { /* typing: the edit analyses go first */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            double until = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + (wait > 0 ? wait : 0.05);
            ts.tv_sec = (time_t)until;
            ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
            pthread_cond_timedwait(&S->work_cond, &S->lock, &ts);
            continue;
        }
        Snapshot s;
        snapshot_take(S, &s);
        pthread_mutex_unlock(&S->lock);
        int done = analyze_workspace(S, &an, &s);
        snapshot_free(&s);
        pthread_mutex_lock(&S->lock);
        if (done && S->workspace_seq < s.seq)
            S->workspace_seq = s.seq;
    }
    pthread_mutex_unlock(&S->lock);
    analyzer_free(&an);
    return NULL;
}

/* ---- lifecycle and text synchronization ---- */

/* Does the client list name among the position encodings it offers? */
static int offers(const LspJson *list, const char *name)
{
    for (int k = 0; list && list->kind == LSP_JSON_ARRAY && k < list->n; k++)
        if (lsp_json_str(list->items[k]) && !strcmp(lsp_json_str(list->items[k]), name))
            return 1;
    return 0;
}

/* The workspace folder: the first of workspaceFolders, rootUri, rootPath,
 * or the working directory; the server works from it. */
static void open_root(Server *S, Arena *a, const LspJson *params)
{
    const LspJson *folders = lsp_json_get(params, "workspaceFolders");
    const char *uri = folders && folders->kind == LSP_JSON_ARRAY && folders->n
                          ? lsp_json_str(lsp_json_get(folders->items[0], "uri"))
                          : NULL;
    if (!uri)
        uri = lsp_json_str(lsp_json_get(params, "rootUri"));
    const char *path = uri ? lsp_uri_path(a, uri) : lsp_json_str(lsp_json_get(params, "rootPath"));
    char *cwd = getcwd(NULL, 0);
    if (path && chdir(path) != 0) {
        char *msg = xmalloc(strlen(path) + 128);
        sprintf(msg, "sessionlint: cannot open the workspace folder %s: %s", path, strerror(errno));
        ls_tell(S, "window/showMessage", 1, msg);
        free(msg);
        path = NULL;
    }
    free(S->root);
    free(S->root_shown);
    S->root = getcwd(NULL, 0);
    const char *shown = path ? path : cwd;
    size_t n = strlen(shown);
    while (n > 1 && shown[n - 1] == '/')
        n--;
    S->root_shown = xmalloc(n + 1);
    memcpy(S->root_shown, shown, n);
    S->root_shown[n] = 0;
    S->has_root = S->root != NULL;
    free(cwd);
}

static void on_initialize(Server *S, const char *id, const LspJson *params)
{
    Arena *a = arena_new();
    open_root(S, a, params);
    const LspJson *caps = lsp_json_get(params, "capabilities");
    const LspJson *encs = lsp_json_path(caps, "general", "positionEncodings", NULL);
    const LspJson *offset = lsp_json_get(caps, "offsetEncoding"); /* clangd's, Neovim 0.7 */
    S->enc = offers(encs, "utf-32") ? LSP_UTF32
             : offers(encs, "utf-8") || offers(offset, "utf-8") ? LSP_UTF8
                                                                : LSP_UTF16;
    S->show_document = lsp_json_true(lsp_json_path(caps, "window", "showDocument", "support", NULL));
    S->resolve_actions = lsp_json_path(caps, "textDocument", "codeAction", "resolveSupport", NULL) != NULL;
    S->watch_files = lsp_json_true(
        lsp_json_path(caps, "workspace", "didChangeWatchedFiles", "dynamicRegistration", NULL));
    read_settings(S, lsp_json_get(params, "initializationOptions"), &S->settings);
    LspBuf b = {0};
    lsp_buf_printf(&b,
                   "{\"capabilities\":{\"positionEncoding\":\"%s\","
                   "\"textDocumentSync\":{\"openClose\":true,\"change\":2,"
                   "\"save\":{\"includeText\":false}},"
                   "\"codeActionProvider\":{\"codeActionKinds\":[\"quickfix\","
                   "\"source.fixAll\",\"source.fixAll.sessionlint\"],\"resolveProvider\":true},"
                   "\"executeCommandProvider\":{\"commands\":[\"sessionlint.showRule\"]},"
                   "\"workspace\":{\"workspaceFolders\":{\"supported\":true}}},"
                   "\"serverInfo\":{\"name\":\"sessionlint\",\"version\":\"" SL_VERSION "\"}",
                   lsp_encoding_name(S->enc));
    if (offset)
        lsp_buf_printf(&b, ",\"offsetEncoding\":\"%s\"", lsp_encoding_name(S->enc));
    lsp_buf_puts(&b, "}");
    pthread_mutex_lock(&S->lock);
    S->initialized = 1;
    pthread_mutex_unlock(&S->lock);
    ls_respond(S, id, b.p);
    lsp_buf_free(&b);
    arena_free(a);
}

/* `initialized`: watch the files that change the analysis, if the client
 * can, and start the first workspace analysis. */
static void on_initialized(Server *S)
{
    if (S->watch_files)
        ls_send_method(S, "client/registerCapability",
                    "{\"registrations\":[{\"id\":\"sessionlint-watch\","
                    "\"method\":\"workspace/didChangeWatchedFiles\",\"registerOptions\":{"
                    "\"watchers\":[{\"globPattern\":\"**/*.py\"},{\"globPattern\":\"**/*.pyi\"},"
                    "{\"globPattern\":\"**/pyproject.toml\"},{\"globPattern\":\"**/sessionlint.toml\"},"
                    "{\"globPattern\":\"**/.sessionlint.toml\"},{\"globPattern\":\"**/requirements*.txt\"},"
                    "{\"globPattern\":\"**/*.lock\"},{\"globPattern\":\"**/setup.cfg\"},"
                    "{\"globPattern\":\"**/.gitignore\"}]}}]}",
                    1);
    pthread_mutex_lock(&S->lock);
    S->seq++;
    pthread_cond_broadcast(&S->work_cond);
    pthread_mutex_unlock(&S->lock);
}

/* An edit or anything else that changes what the analyses see. */
static void edited(Server *S)
{
    S->seq++;
    S->last_edit = now();
    pthread_cond_broadcast(&S->work_cond);
}

static void on_did_open(Server *S, Msg *m, const LspJson *params)
{
    const LspJson *td = lsp_json_get(params, "textDocument");
    const char *uri = lsp_json_str(lsp_json_get(td, "uri"));
    const LspJson *text = lsp_json_get(td, "text");
    long version = 0;
    lsp_json_int(lsp_json_get(td, "version"), &version);
    char *path = uri ? uri_to_path(S, m->a, uri) : NULL;
    if (!path || !text || text->kind != LSP_JSON_STRING) {
        ls_tell(S, "window/logMessage", 2,
             path ? "sessionlint: didOpen without text" : "sessionlint: not a file: URI, not analyzed");
        return;
    }
    pthread_mutex_lock(&S->lock);
    Doc *d = ls_find_doc(S, uri);
    if (!d) {
        d = xcalloc(1, sizeof *d);
        d->uri = xmalloc(strlen(uri) + 1);
        strcpy(d->uri, uri);
        d->path = xmalloc(strlen(path) + 1);
        strcpy(d->path, path);
        VEC_PUSH(&S->docs, d);
    }
    lsp_text_set(&d->text, text->s, text->len);
    d->version = version;
    d->dirty = 1;
    edited(S);
    pthread_mutex_unlock(&S->lock);
}

/* One entry of didChange's contentChanges (S locked): a range and its new
 * text, or the whole text. */
static int apply_change(Server *S, Doc *d, const LspJson *ch)
{
    const LspJson *text = lsp_json_get(ch, "text");
    const LspJson *range = lsp_json_get(ch, "range");
    if (!text || text->kind != LSP_JSON_STRING)
        return 0;
    if (!range) {
        lsp_text_set(&d->text, text->s, text->len);
        return 1;
    }
    long l0, c0, l1, c1;
    if (!lsp_json_int(lsp_json_path(range, "start", "line", NULL), &l0) ||
        !lsp_json_int(lsp_json_path(range, "start", "character", NULL), &c0) ||
        !lsp_json_int(lsp_json_path(range, "end", "line", NULL), &l1) ||
        !lsp_json_int(lsp_json_path(range, "end", "character", NULL), &c1))
        return 0;
    lsp_text_edit(&d->text, l0, c0, l1, c1, S->enc, text->s, text->len);
    return 1;
}

static void on_did_change(Server *S, const LspJson *params)
{
    const char *uri = lsp_json_str(lsp_json_path(params, "textDocument", "uri", NULL));
    const LspJson *changes = lsp_json_get(params, "contentChanges");
    long version = -1;
    lsp_json_int(lsp_json_path(params, "textDocument", "version", NULL), &version);
    pthread_mutex_lock(&S->lock);
    Doc *d = ls_find_doc(S, uri);
    int ok = d && changes && changes->kind == LSP_JSON_ARRAY;
    for (int k = 0; d && changes && changes->kind == LSP_JSON_ARRAY && k < changes->n; k++)
        ok &= apply_change(S, d, changes->items[k]); /* a later whole text resynchronizes */
    if (d) {
        d->version = version >= 0 ? version : d->version + 1;
        d->dirty = 1;
        edited(S);
    }
    pthread_mutex_unlock(&S->lock);
    if (!ok)
        ls_tell(S, "window/logMessage", 2,
             d ? "sessionlint: a didChange it could not apply (the buffer may differ now)"
               : "sessionlint: didChange of a document that is not open");
}

static void doc_free(Doc *d)
{
    if (d->has_report)
        driver_free(&d->report);
    lsp_text_free(&d->text);
    free(d->uri);
    free(d->path);
    free(d);
}

static void on_did_close(Server *S, const LspJson *params)
{
    const char *uri = lsp_json_str(lsp_json_path(params, "textDocument", "uri", NULL));
    pthread_mutex_lock(&S->lock);
    for (size_t k = 0; k < S->docs.n; k++) {
        Doc *d = S->docs.items[k];
        if (strcmp(d->uri, uri ? uri : "") != 0)
            continue;
        if (d->path[0] == '/') /* outside the workspace: nothing analyzes it any more */
            publish(S, d->path, NULL, 0, S->seq + 1, 1, -1);
        S->docs.items[k] = S->docs.items[--S->docs.n];
        doc_free(d);
        edited(S); /* its file on disk replaces it */
        break;
    }
    pthread_mutex_unlock(&S->lock);
}

static void on_watched(Server *S, Msg *m, const LspJson *params)
{
    const LspJson *changes = lsp_json_get(params, "changes");
    int config = 0, files = 0;
    for (int k = 0; changes && changes->kind == LSP_JSON_ARRAY && k < changes->n; k++) {
        const char *uri = lsp_json_str(lsp_json_get(changes->items[k], "uri"));
        long type = 2;
        lsp_json_int(lsp_json_get(changes->items[k], "type"), &type);
        char *path = uri ? lsp_uri_path(m->a, uri) : NULL;
        if (!path)
            continue;
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        config |= is_settings_file(path) || !strcmp(base, ".gitignore") ||
                  (type != 2 && !strcmp(base, "__init__.py")); /* module names change */
        files = 1;
    }
    if (config) {
        config_changed(S);
    } else if (files) {
        pthread_mutex_lock(&S->lock);
        edited(S);
        pthread_mutex_unlock(&S->lock);
    }
}

static void on_configuration(Server *S, const LspJson *params)
{
    Settings st = {0};
    read_settings(S, lsp_json_get(params, "settings"), &st);
    pthread_mutex_lock(&S->lock);
    settings_free(&S->settings);
    S->settings = st;
    pthread_mutex_unlock(&S->lock);
    config_changed(S);
}

static void on_did_save(Server *S, Msg *m, const LspJson *params)
{
    const char *uri = lsp_json_str(lsp_json_path(params, "textDocument", "uri", NULL));
    char *path = uri ? lsp_uri_path(m->a, uri) : NULL;
    if (path && is_settings_file(path)) {
        config_changed(S);
        return;
    }
    pthread_mutex_lock(&S->lock);
    edited(S); /* the file on disk changed: what imports it may read it */
    pthread_mutex_unlock(&S->lock);
}

/* ---- dispatch ---- */

/* A request (id set) or notification the client may send at any time. */
static void handle(Server *S, Analyzer *an, Msg *m)
{
    if (m->error) {
        ls_respond_error(S, m->id, m->error_code, m->error);
        return;
    }
    const LspJson *j = m->json;
    const char *method = lsp_json_str(lsp_json_get(j, "method"));
    const LspJson *params = lsp_json_get(j, "params");
    const char *id = m->id;
    if (j->kind != LSP_JSON_OBJECT || (!method && !lsp_json_get(j, "id"))) {
        ls_respond_error(S, id, ERR_INVALID_REQUEST, "not a JSON-RPC request or notification");
        return;
    }
    if (!method)
        return; /* a response to one of our requests: nothing waits for it */
    if (m->cancelled && id) {
        ls_respond_error(S, id, ERR_CANCELLED, "cancelled");
        return;
    }
    if (!strcmp(method, "exit")) {
        S->exited = 1;
        return;
    }
    if (!strcmp(method, "initialize")) {
        if (S->initialized)
            ls_respond_error(S, id, ERR_INVALID_REQUEST, "initialize came twice");
        else
            on_initialize(S, id, params);
        return;
    }
    if (!S->initialized) {
        if (id)
            ls_respond_error(S, id, ERR_NOT_INITIALIZED, "the server is not initialized yet");
        return;
    }
    if (S->shutdown && id) {
        ls_respond_error(S, id, ERR_INVALID_REQUEST, "the server is shutting down");
        return;
    }
    if (!strcmp(method, "initialized"))
        on_initialized(S);
    else if (!strcmp(method, "shutdown"))
        S->shutdown = 1, ls_respond(S, id, NULL);
    else if (!strcmp(method, "textDocument/didOpen"))
        on_did_open(S, m, params);
    else if (!strcmp(method, "textDocument/didChange"))
        on_did_change(S, params);
    else if (!strcmp(method, "textDocument/didSave"))
        on_did_save(S, m, params);
    else if (!strcmp(method, "textDocument/didClose"))
        on_did_close(S, params);
    else if (!strcmp(method, "workspace/didChangeConfiguration"))
        on_configuration(S, params);
    else if (!strcmp(method, "workspace/didChangeWatchedFiles"))
        on_watched(S, m, params);
    else if (id && !strcmp(method, "textDocument/codeAction"))
        ls_code_action(S, an, id, params);
    else if (id && !strcmp(method, "codeAction/resolve"))
        ls_resolve(S, an, id, params);
    else if (id && !strcmp(method, "workspace/executeCommand"))
        ls_execute(S, id, params);
    else if (id)
        ls_respond_error(S, id, ERR_METHOD_NOT_FOUND, "unknown method");
    /* other notifications ($/setTrace, $/cancelRequest seen by the reader,
     * didChangeWorkspaceFolders, ...) need nothing */
}

/* The dispatcher's loop: messages in order, edit analyses when idle. */
static void dispatch(Server *S, Analyzer *an)
{
    for (;;) {
        pthread_mutex_lock(&S->lock);
        while (!S->head && !any_dirty(S))
            pthread_cond_wait(&S->msg_cond, &S->lock);
        Msg *m = S->head;
        if (m) {
            S->head = m->next;
            if (!S->head)
                S->tail = NULL;
            if (m->id) {
                S->running_id = xmalloc(strlen(m->id) + 1);
                strcpy(S->running_id, m->id);
            }
            S->running_cancelled = m->cancelled;
        }
        pthread_mutex_unlock(&S->lock);
        if (!m) {
            analyze_edited(S, an);
            continue;
        }
        int eof = m->eof;
        if (!eof)
            handle(S, an, m);
        msg_free(m);
        pthread_mutex_lock(&S->lock); /* answered: a late cancel names nothing running */
        free(S->running_id);
        S->running_id = NULL;
        S->running_cancelled = 0;
        pthread_mutex_unlock(&S->lock);
        if (eof || S->exited)
            return;
    }
}

int lsp_serve(int in, FILE *out, const LspOptions *o)
{
    signal(SIGPIPE, SIG_IGN); /* a client gone away is a failed write, not a death */
    Server *S = xcalloc(1, sizeof *S);
    S->out = out;
    S->in = in;
    S->jobs = o && o->jobs > 0 ? o->jobs : 0;
    S->cache = driver_cache_new();
    S->settings.a = arena_new();
    pthread_mutex_init(&S->out_lock, NULL);
    pthread_mutex_init(&S->lock, NULL);
    pthread_cond_init(&S->msg_cond, NULL);
    pthread_cond_init(&S->work_cond, NULL);
    Analyzer an = {0};
    an.dispatcher = 1;
    pthread_t reader, workspace;
    pthread_create(&reader, NULL, reader_main, S);
    pthread_create(&workspace, NULL, workspace_main, S);
    dispatch(S, &an);
    int status = S->shutdown ? 0 : 1;

    pthread_mutex_lock(&S->lock);
    S->quit = 1;
    pthread_cond_broadcast(&S->work_cond);
    pthread_mutex_unlock(&S->lock);
    pthread_join(workspace, NULL);
    pthread_join(reader, NULL); /* it sees quit within a fifth of a second */
    for (Msg *m = S->head, *next; m; m = next) {
        next = m->next;
        msg_free(m);
    }
    for (size_t k = 0; k < S->docs.n; k++)
        doc_free(S->docs.items[k]);
    VEC_FREE(&S->docs);
    for (size_t k = 0; k < S->pub.n; k++) {
        free(S->pub.items[k].path);
        free(S->pub.items[k].json);
    }
    VEC_FREE(&S->pub);
    analyzer_free(&an);
    settings_free(&S->settings);
    driver_cache_free(S->cache);
    free(S->running_id);
    free(S->root);
    free(S->root_shown);
    free(S);
    return status;
}
