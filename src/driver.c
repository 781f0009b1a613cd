/*
 * driver.c - discovery, the per-file stages on the pool, and the merge.
 *
 * Workers share nothing mutable: each file has its own arena for the
 * pipeline, each worker its own "keep" arena for what survives the file
 * (findings converted to report form), and each file its own result slot.
 * The main thread reads the slots only after pool_for returns.
 */
#include "driver.h"

#include "analyze.h"
#include "config.h"
#include "context.h"
#include "model.h"
#include "modgraph.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "fix.h"
#include "lex.h"
#include "parse.h"
#include "pool.h"
#include "rules/dburl.h"
#include "source.h"

#define SNIPPET_MAX 160 /* bytes of a long line quoted around a finding */
#define IMPORT_MAX_DEPTH 64 /* nested statements searched for imports */

typedef struct FileResult {
    ReportItem *items;    /* kept findings, in the keep arena of a worker */
    size_t n;
    const char *io_error; /* why the file could not be read, or NULL */
    size_t bytes, lines;  /* size of the decoded source */
    int analyzed;         /* read (decoded or not) */
    /* what the project step needs (DRIVER_CHECK only) */
    const char *modname;  /* dotted module name */
    int is_package;       /* an __init__.py */
    int uses_db;          /* imports a database or web library the model knows */
    int relevant;         /* uses_db, imports a relevant project module, or is
                             imported by one */
    const char **imports; /* modules it imports, absolute, in the keep arena */
    int nimports;
    int context;          /* not asked for: read only for what it defines */
    FindingList pending;  /* relevant files: phase-one findings (SL000) */
    size_t hidden;        /* findings left out for their execution context */
    int template;         /* does not parse and holds template markup: skipped */
    Arena *arena;         /* a checked file's arena, kept for the analysis if relevant */
    Source src;           /* ... and what lives in it, but for the text (reread) */
    int reread;           /* the text was dropped after parsing: its check reads it again */
    Lexed lx;
    Node *module;
    struct CacheEntry *entry; /* with a cache: the parsed file this run holds, or NULL */
} FileResult;

typedef struct Run {
    const DriverOptions *o;
    const char **files;   /* sorted, unique, report form; then context files */
    size_t nfiles;        /* files, context included */
    size_t nasked;        /* the files asked for (the first nasked) */
    FileResult *results;  /* one slot per file */
    Arena **keep;         /* one arena per worker */
    size_t *relevant;     /* indices of the files the analysis reads */
    size_t *by_size;      /* unit indexes, largest source first: the order the
                             workers take them in, so that no big file is left
                             for the end of a step while the other threads wait */
    AnalyzeUnit *units;   /* one per relevant file */
    size_t nrelevant;
    Analysis *an;
    const char *stdin_file; /* the file whose text came on standard input, or NULL */
    const RuleSelect **sel; /* per file asked for: its selection (configuration), or NULL */
    Arena **unit_arenas;  /* with a cache: each unit's memory for this run */
    ProjectCache *projects; /* what each folder holds, for every project of the run */
    const char **roots;     /* each project's root folder (project_groups), or NULL */
    const char *root;       /* the one of the files of this run: their module names
                               start below it (NULL: the working folder) */
} Run;

/* ---- positions as users read them ---- */

/* 1-based code-point column of byte column col on line; past the end of
 * the line (an error at the line end) each byte counts as one more. */
static int column(const Source *src, int line, int col)
{
    if (col < 0)
        col = 0;
    if (!src || line < 1 || line > src->nlines)
        return col + 1;
    size_t len;
    source_line(src, line, &len);
    if ((size_t)col <= len)
        return source_column(src, line, col);
    return source_column(src, line, (int)len) + (col - (int)len);
}

static int is_cont(char c) { return ((unsigned char)c & 0xC0) == 0x80; }

/*
 * Appends the code point at *p (advancing it) to *o in printable form:
 * a tab as four spaces, a control character as its Unicode control
 * picture.  Returns the display width added.
 */
static int put_char(const char **p, const char *end, char **o)
{
    unsigned char c = (unsigned char)**p;
    (*p)++;
    if (c == '\t') {
        memcpy(*o, "    ", 4);
        *o += 4;
        return 4;
    }
    if (c < 0x20 || c == 0x7F) {
        unsigned cp = c == 0x7F ? 0x2421 : 0x2400 + c;
        *(*o)++ = (char)(0xE0 | (cp >> 12));
        *(*o)++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *(*o)++ = (char)(0x80 | (cp & 0x3F));
        return 1;
    }
    *(*o)++ = (char)c;
    while (*p < end && is_cont(**p))
        *(*o)++ = *(*p)++;
    return 1;
}

/* The bytes [lo, hi) of a long line to quote: about SNIPPET_MAX bytes
 * around start, cut at code-point boundaries. */
static void window(const char *text, size_t len, size_t start, size_t *lo, size_t *hi)
{
    *lo = 0, *hi = len;
    if (len <= SNIPPET_MAX)
        return;
    *lo = start > SNIPPET_MAX / 4 ? start - SNIPPET_MAX / 4 : 0;
    while (*lo > 0 && is_cont(text[*lo]))
        (*lo)--;
    *hi = *lo + SNIPPET_MAX < len ? *lo + SNIPPET_MAX : len;
    while (*hi < len && is_cont(text[*hi]))
        (*hi)++;
}

/* Fills it->snippet and the underline from the finding's start line. */
static void make_snippet(Arena *keep, const Source *src, const Finding *f, ReportItem *it)
{
    if (!src || f->line < 1 || f->line > src->nlines)
        return;
    size_t len, lo, hi;
    const char *text = source_line(src, f->line, &len);
    size_t start = f->col < 0 ? 0 : (size_t)f->col > len ? len : (size_t)f->col;
    size_t end = start;
    if (f->end_line > f->line)
        end = len;
    else if (f->end_line == f->line && f->end_col > f->col)
        end = (size_t)f->end_col > len ? len : (size_t)f->end_col;
    window(text, len, start, &lo, &hi);
    char *buf = arena_alloc(keep, (hi - lo) * 4 + 8), *o = buf;
    int dc = 0, cs = -1, ce = -1;
    if (lo > 0)
        memcpy(o, "...", 3), o += 3, dc += 3;
    for (const char *p = text + lo; p < text + hi;) {
        size_t b = (size_t)(p - text);
        if (cs < 0 && b >= start)
            cs = dc;
        if (ce < 0 && b >= end)
            ce = dc;
        dc += put_char(&p, text + hi, &o);
    }
    if (cs < 0)
        cs = dc;
    if (ce < 0)
        ce = dc;
    if (hi < len)
        memcpy(o, "...", 3), o += 3;
    *o = 0;
    it->snippet = buf;
    it->caret_col = cs;
    it->caret_len = ce > cs ? ce - cs : 1;
}

/* ---- per file ---- */

static const char *keep_str(Arena *keep, const char *s)
{
    return s ? arena_strndup(keep, s, strlen(s)) : "";
}

static void keep_trace(Arena *keep, const Source *src, const Finding *f, ReportItem *it)
{
    it->ntrace = f->ntrace;
    it->trace = arena_alloc(keep, (size_t)f->ntrace * sizeof *it->trace);
    for (int i = 0; i < f->ntrace; i++) {
        const TraceStep *s = &f->trace[i];
        int here = !s->path || strcmp(s->path, it->path) == 0;
        ReportStep *d = &it->trace[i];
        d->path = here ? it->path : keep_str(keep, s->path);
        d->line = s->line > 0 ? s->line : 1;
        d->column = here ? column(src, d->line, s->col) : s->col + 1;
        d->note = keep_str(keep, s->note);
    }
}

/* Converts f (from the file's arena) into *it (in keep); src may be NULL.
 * broken: the file has syntax errors, whose recovered tree no fix may edit. */
static void keep_finding(Arena *keep, const Source *src, const char *path, const Finding *f,
                         ReportItem *it, int broken)
{
    const Rule *rule = rules_lookup(f->code);
    it->code = rule ? rule->code : keep_str(keep, f->code);
    it->name = rule ? rule->name : it->code;
    it->severity = rule ? (int)rule->severity : SEV_ERROR;
    it->message = keep_str(keep, f->message);
    it->context = f->context;
    it->path = path;
    it->line = f->line > 0 ? f->line : 1;
    it->column = column(src, it->line, f->col);
    if (f->end_line > it->line || (f->end_line == it->line && f->end_col >= f->col)) {
        it->end_line = f->end_line;
        it->end_column = column(src, f->end_line, f->end_col);
    } else {
        it->end_line = it->line;
        it->end_column = it->column;
    }
    keep_trace(keep, src, f, it);
    make_snippet(keep, src, f, it);
    it->fix = f->fix && src && !broken ? fix_report(keep, src, f->fix) : NULL;
}

/* Is f reported in its execution context, by its rule's default or by the
 * contexts the selection adds (--context, `contexts`)? */
static int context_shown(const RuleSelect *sel, const Finding *f)
{
    const Rule *rule = rules_lookup(f->code);
    unsigned shown = f->contexts ? f->contexts : rule ? rule->contexts : CTX_ALL;
    if (sel)
        shown |= sel->contexts;
    return (shown & CTX_BIT(f->context)) != 0;
}

static void keep_findings(const Run *run, size_t i, Arena *keep, const Source *src,
                          FindingList *fl)
{
    const RuleSelect *sel = run->sel && i < run->nasked ? run->sel[i] : run->o->select;
    FileResult *r = &run->results[i];
    if (r->context)
        return; /* read for its definitions only */
    diag_sort(fl);
    int path_ctx = -2; /* not looked up yet */
    for (size_t k = 0; k < fl->n; k++) { /* the parser's findings: where the file lives */
        if (fl->items[k].context != CTX_UNKNOWN)
            continue;
        if (path_ctx == -2)
            path_ctx = context_of_path(project_relpath(keep, NULL, run->files[i]));
        fl->items[k].context = path_ctx >= 0 ? path_ctx : CTX_SERVICE;
    }
    /* a file kept in phase one and found relevant later (it imports, or is
     * imported by, a relevant module) already holds its SL000: keep both */
    ReportItem *items = arena_alloc(keep, (r->n + fl->n + 1) * sizeof *r->items);
    if (r->n)
        memcpy(items, r->items, r->n * sizeof *items);
    r->items = items;
    int broken = 0; /* syntax errors here or kept in phase one: no fixes */
    for (size_t k = 0; k < fl->n; k++)
        broken |= !strcmp(fl->items[k].code, "SL000");
    for (size_t k = 0; k < r->n; k++)
        broken |= !strcmp(r->items[k].code, "SL000");
    for (size_t k = 0; k < fl->n; k++) {
        if (sel && !rules_selected(sel, fl->items[k].code))
            continue;
        if (!context_shown(sel, &fl->items[k])) {
            r->hidden++;
            continue;
        }
        keep_finding(keep, src, run->files[i], &fl->items[k], &r->items[r->n++], broken);
    }
}

/* The absolute name of the module an import statement names. */
static const char *import_target(Arena *a, const char *modname, int is_package, const Node *imp)
{
    const char *m = imp->v.ImportFrom.module;
    int level = imp->v.ImportFrom.level;
    if (level == 0)
        return m;
    /* relative: drop `level` components (one fewer for a package) */
    size_t n = strlen(modname);
    for (int k = level - (is_package ? 1 : 0); k > 0 && n > 0; k--) {
        while (n > 0 && modname[n - 1] != '.')
            n--;
        if (n > 0)
            n--;
    }
    size_t ml = m ? strlen(m) : 0;
    char *s = arena_alloc(a, n + ml + 2);
    memcpy(s, modname, n);
    if (m && n)
        s[n++] = '.';
    if (m)
        memcpy(s + n, m, ml);
    s[n + ml] = 0;
    return s;
}

/* Records what the project step needs of a parsed module: its name, its
 * imports, and whether it uses a library the resource model knows.  The
 * imports are gathered first, in order (a plain import's name, or the
 * from-import node), because the module's name depends on its relative
 * imports (modgraph_module_name) and their targets depend on the name. */
typedef struct ImportSeen {
    const char *name; /* import a.b: "a.b" */
    const Node *from; /* or a from-import */
} ImportSeen;

typedef VEC(ImportSeen) SeenVec;
typedef VEC(const char *) NameVec;

typedef struct ImportWalk {
    SeenVec *seen;
    int level; /* the deepest relative import */
    int depth;
} ImportWalk;

static void import_kid(Node *parent, Node *n, void *arg);

/* The modules statement st imports, into w->seen: at module level, in a
 * function (a lazy import), under `if TYPE_CHECKING:` or `try: ... except
 * ImportError:` alike. */
static void note_import(ImportWalk *w, const Node *st)
{
    if (st->kind == NODE_Import) {
        for (int k = 0; k < st->v.Import.names.n; k++)
            VEC_PUSH(w->seen, ((ImportSeen){st->v.Import.names.items[k]->v.alias.name, NULL}));
    } else if (st->kind == NODE_ImportFrom) {
        VEC_PUSH(w->seen, ((ImportSeen){NULL, st}));
        if (st->v.ImportFrom.level > w->level)
            w->level = st->v.ImportFrom.level;
    } else {
        /* only statements hold statements: expressions are not walked */
        int cat = ast_category(st->kind);
        if ((cat == CAT_STMT || cat == CAT_HANDLER || cat == CAT_MATCHCASE) &&
            w->depth < IMPORT_MAX_DEPTH) {
            w->depth++;
            ast_children((Node *)st, import_kid, w);
            w->depth--;
        }
    }
}

static void import_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    if (n)
        note_import(arg, n);
}

static void note_imports(Arena *keep, FileResult *r, const char *path, const char *root,
                         const Node *module, const ModelUser *user)
{
    SeenVec seen = {0};
    ImportWalk w = {&seen, 0, 0};
    const NodeList *body = &module->v.Module.body;
    for (int i = 0; i < body->n; i++)
        note_import(&w, body->items[i]);
    r->modname = modgraph_module_name(keep, path, w.level, root, &r->is_package);
    NameVec v = {0};
    for (size_t i = 0; i < seen.n; i++) {
        const Node *st = seen.items[i].from;
        if (!st) {
            VEC_PUSH(&v, seen.items[i].name);
            continue;
        }
        const char *t = import_target(keep, r->modname, r->is_package, st);
        if (t)
            VEC_PUSH(&v, t);
        for (int k = 0; t && k < st->v.ImportFrom.names.n; k++) { /* from pkg import module */
            const char *name = st->v.ImportFrom.names.items[k]->v.alias.name;
            size_t a = strlen(t), b = strlen(name);
            char *q = arena_alloc(keep, a + b + 2);
            snprintf(q, a + b + 2, "%s.%s", t, name);
            VEC_PUSH(&v, q);
        }
    }
    VEC_FREE(&seen);
    r->imports = arena_alloc(keep, (v.n ? v.n : 1) * sizeof *r->imports);
    for (size_t i = 0; i < v.n; i++) {
        const char *name = v.items[i];
        r->imports[r->nimports++] = keep_str(keep, name);
        r->uses_db |= model_known_library(name) || model_user_known(user, name);
    }
    r->uses_db |= model_user_known(user, r->modname); /* defines a custom resource's calls */
    VEC_FREE(&v);
}

/* Does the text hold template markup, `{{ ... }}` or `{% ... %}` (Jinja,
 * Django, cookiecutter)?  Asked only of a file that does not parse. */
static int is_template(const Source *src)
{
    const char *t = src->text, *end = src->text + src->len;
    for (const char *p = t; p + 1 < end; p++) {
        if (p[0] != '{' || (p[1] != '{' && p[1] != '%'))
            continue;
        const char *close = p[1] == '{' ? "}}" : "%}";
        for (const char *q = p + 2; q + 1 < end && *q != '\n'; q++)
            if (q[0] == close[0] && q[1] == close[1])
                return 1;
    }
    return 0;
}

int driver_template(const char *path)
{
    Arena *a = arena_new();
    Source src;
    SourceError err = {0};
    int t = 0;
    if (source_load(a, path, &src, &err) == SRC_OK) {
        Lexed lx;
        FindingList fl = {0};
        t = parse_module(a, &src, &lx, &fl).nerrors > 0 && is_template(&src);
        diag_free(&fl);
    }
    arena_free(a);
    return t;
}

/* The text of file i when the run was given it (an overlay, standard
 * input) rather than to read from disk. */
static int given_text(const Run *run, size_t i, const char **text, size_t *len)
{
    for (size_t k = 0; k < run->o->noverlays; k++) /* --fix: the text of the last round */
        if (!strcmp(run->files[i], run->o->overlays[k].path)) {
            *text = run->o->overlays[k].text, *len = run->o->overlays[k].len;
            return 1;
        }
    if (run->stdin_file && strcmp(run->files[i], run->stdin_file) == 0) {
        *text = run->o->stdin_text, *len = run->o->stdin_len;
        return 1;
    }
    return 0;
}

/* Reads file i: from disk, from the text given on standard input, or from
 * an overlay; its text goes to ta, the rest to a (source_open).  With a
 * NULL, the text only, again, for src's tree (source_reload). */
static SourceStatus load_source(const Run *run, Arena *a, Arena *ta, size_t i, Source *src,
                                SourceError *err)
{
    const char *text = NULL;
    size_t len = 0;
    if (given_text(run, i, &text, &len) && !text)
        text = "";
    return a ? source_open(a, ta, run->files[i], text, len, src, err)
             : source_reload(ta, src, text, len, err);
}

/*
 * A file's text is read twice: to parse it, and for its own check (the
 * rules that quote or scan the text, the snippets, suppression comments,
 * fixes); nothing between reads it.  Kept for the project's life, the
 * texts were a fifth of its peak.  So the text goes to an arena of its
 * own, ta, freed here once the file is parsed; the line table stays.
 */
static void drop_text(FileResult *r, SourceStatus st, Arena *ta)
{
    if (st == SRC_OK) { /* else the text is "", no part of ta */
        source_drop_text(&r->src);
        r->reread = 1;
    }
    arena_free(ta);
}

/*
 * Phase one proper: loads file i into a (its text into ta), lexes and parses it, and records
 * in *r what the project step needs (its names and any I/O error in
 * names, which may outlive a).  Returns the load status; the findings go
 * to *fl.
 */
static SourceStatus read_file(Run *run, size_t i, Arena *a, Arena *ta, Arena *names,
                              FileResult *r, FindingList *fl)
{
    SourceError err = {0};
    SourceStatus st = load_source(run, a, ta, i, &r->src, &err);
    if (st == SRC_IO_ERROR) {
        r->io_error = keep_str(names, err.msg);
    } else if (st == SRC_DECODE_ERROR) {
        r->analyzed = 1;
        Finding f = {.code = "SL000", .path = run->files[i], .line = err.line > 0 ? err.line : 1,
                     .message = arena_strndup(a, err.msg, strlen(err.msg))};
        f.end_line = f.line;
        diag_add(fl, &f);
    } else {
        r->analyzed = 1;
        r->bytes = r->src.len;
        r->lines = (size_t)r->src.nlines;
        ParseResult pr = parse_module(a, &r->src, &r->lx, fl);
        r->module = pr.module;
        if (pr.nerrors && is_template(&r->src)) {
            r->template = 1; /* a code generator's template: not Python */
            diag_free(fl);
            r->module = NULL;
        } else if (run->o->mode == DRIVER_CHECK) {
            note_imports(names, r, run->files[i], run->root, pr.module,
                         run->o->facts ? run->o->facts->model : NULL);
            r->uses_db |= dburl_mentions(pr.module); /* a settings module's database URL */
        }
    }
    return st;
}

static void cached_file(Run *run, size_t i, int worker);

/* Phase one, per file on a pool thread: load, lex, parse (SL000).  A
 * checked file keeps its arena for the analysis (freed once the project
 * knows it is not relevant); one that uses a database library keeps its
 * findings too, to report with the analysis'. */
static void check_file(void *arg, size_t i, int worker)
{
    Run *run = arg;
    if (run->o->cache && run->o->mode == DRIVER_CHECK) {
        cached_file(run, i, worker);
        return;
    }
    FileResult *r = &run->results[i];
    Arena *keep = run->keep[worker], *a = arena_new(), *ta = arena_new();
    FindingList fl = {0};
    SourceStatus st = read_file(run, i, a, ta, keep, r, &fl);
    if (r->template) {
        arena_free(ta);
        arena_free(a);
        return;
    }
    if (r->uses_db) {
        r->arena = a;
        r->pending = fl; /* reported with the analysis' findings */
        drop_text(r, st, ta);
        return;
    }
    if (run->o->mode == DRIVER_CHECK)
        keep_findings(run, i, keep, st == SRC_OK ? &r->src : NULL, &fl);
    diag_free(&fl);
    if (run->o->mode == DRIVER_CHECK && st == SRC_OK && r->module) {
        r->arena = a; /* most files are relevant through their imports: kept until
                         select_relevant knows, rather than parsed again */
        drop_text(r, st, ta);
        return;
    }
    arena_free(ta);
    arena_free(a);
    r->module = NULL;
}

/* ---- per-run memos: strings to values, in the run's arena ---- */

typedef struct Memo {
    Arena *a;
    const char **keys;
    const void **vals;
    size_t cap, n;
} Memo;

static size_t memo_slot(const Memo *m, const char *key)
{
    size_t h = 0xcbf29ce484222325ULL;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    size_t j = h & (m->cap - 1);
    while (m->keys[j] && strcmp(m->keys[j], key) != 0)
        j = (j + 1) & (m->cap - 1);
    return j;
}

/* Is key in m?  Its value in *val. */
static int memo_get(const Memo *m, const char *key, const void **val)
{
    if (!m->cap)
        return 0;
    size_t j = memo_slot(m, key);
    if (!m->keys[j])
        return 0;
    *val = m->vals[j];
    return 1;
}

/* Sets key (copied) to val. */
static void memo_put(Memo *m, const char *key, const void *val)
{
    if (2 * (m->n + 1) > m->cap) {
        Memo old = *m;
        m->cap = m->cap ? 2 * m->cap : 256;
        m->keys = arena_alloc(m->a, m->cap * sizeof *m->keys);
        m->vals = arena_alloc(m->a, m->cap * sizeof *m->vals);
        m->n = 0;
        for (size_t k = 0; k < old.cap; k++)
            if (old.keys[k])
                memo_put(m, old.keys[k], old.vals[k]);
    }
    size_t j = memo_slot(m, key);
    if (!m->keys[j]) {
        m->keys[j] = arena_strndup(m->a, key, strlen(key));
        m->n++;
    }
    m->vals[j] = val;
}

/* ---- the cache of parsed files (driver.h) ---- */

typedef struct CacheEntry {
    char *path;          /* the key: the file as runs name it (in arena) */
    uint64_t stamp;      /* its bytes: a hash of the given text, or of what stat() says */
    int refs;            /* one for the table, one per run that holds it */
    Arena *arena;        /* the file's source, tokens, AST, scopes and names */
    FileResult r;        /* phase one's result, its strings in arena */
    FindingList found;   /* phase one's findings (SL000), strings in arena */
    AnalyzeUnit unit;    /* its scopes and functions (unit.module set: built) */
} CacheEntry;

struct DriverCache {
    pthread_mutex_t lock; /* guards the table and every entry's refs */
    CacheEntry **slots;   /* open addressing by the path's hash; cap a power of two */
    size_t cap, n;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t k = 0; k < n; k++)
        h = (h ^ b[k]) * 0x100000001b3ULL;
    return h;
}

/* What file i holds now, as a number that changes when its bytes do (as
 * far as stat() can tell for files on disk); 0 when it cannot be read. */
static uint64_t file_stamp(const Run *run, size_t i)
{
    const char *text;
    size_t len;
    uint64_t h = 0xcbf29ce484222325ULL;
    if (given_text(run, i, &text, &len))
        return fnv(fnv(h, "text", 4), text, len) | 1;
    struct stat st;
    if (stat(run->files[i], &st) != 0)
        return 0;
    long long f[5] = {(long long)st.st_size, (long long)st.st_mtim.tv_sec,
                      (long long)st.st_mtim.tv_nsec, (long long)st.st_ino, (long long)st.st_dev};
    return fnv(h, f, sizeof f) & ~(uint64_t)1;
}

DriverCache *driver_cache_new(void)
{
    DriverCache *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    c->cap = 256;
    c->slots = xcalloc(c->cap, sizeof *c->slots);
    return c;
}

/* Drops one reference to e (the cache is locked); the last frees it. */
static void entry_unref(CacheEntry *e)
{
    if (--e->refs > 0)
        return;
    diag_free(&e->found);
    arena_free(e->arena);
    free(e);
}

static size_t slot_of(const DriverCache *c, const char *path)
{
    size_t j = (size_t)fnv(0xcbf29ce484222325ULL, path, strlen(path)) & (c->cap - 1);
    while (c->slots[j] && strcmp(c->slots[j]->path, path) != 0)
        j = (j + 1) & (c->cap - 1);
    return j;
}

/* The entry for file i if its bytes are still those it was read from,
 * held for the run; else NULL. */
static CacheEntry *cache_get(DriverCache *c, const char *path, uint64_t stamp)
{
    pthread_mutex_lock(&c->lock);
    CacheEntry *e = c->slots[slot_of(c, path)];
    if (e && (e->stamp != stamp || !stamp))
        e = NULL;
    if (e)
        e->refs++;
    pthread_mutex_unlock(&c->lock);
    return e;
}

/* Puts e (held by the caller) in the table in place of its path's old one. */
static void cache_put(DriverCache *c, CacheEntry *e)
{
    pthread_mutex_lock(&c->lock);
    if (2 * (c->n + 1) > c->cap) { /* grow: rehash into twice the slots */
        CacheEntry **old = c->slots;
        size_t oldcap = c->cap;
        c->cap *= 2;
        c->slots = xcalloc(c->cap, sizeof *c->slots);
        for (size_t k = 0; k < oldcap; k++)
            if (old[k])
                c->slots[slot_of(c, old[k]->path)] = old[k];
        free(old);
    }
    size_t j = slot_of(c, e->path);
    if (c->slots[j])
        entry_unref(c->slots[j]);
    else
        c->n++;
    c->slots[j] = e;
    e->refs++;
    pthread_mutex_unlock(&c->lock);
}

static void cache_release(DriverCache *c, CacheEntry *e)
{
    pthread_mutex_lock(&c->lock);
    entry_unref(e);
    pthread_mutex_unlock(&c->lock);
}

void driver_cache_clear(DriverCache *c)
{
    pthread_mutex_lock(&c->lock);
    for (size_t k = 0; k < c->cap; k++)
        if (c->slots[k]) {
            entry_unref(c->slots[k]);
            c->slots[k] = NULL;
        }
    c->n = 0;
    pthread_mutex_unlock(&c->lock);
}

size_t driver_cache_size(DriverCache *c, size_t *bytes)
{
    pthread_mutex_lock(&c->lock);
    size_t n = c->n, b = 0;
    for (size_t k = 0; k < c->cap; k++)
        if (c->slots[k])
            b += arena_used(c->slots[k]->arena);
    pthread_mutex_unlock(&c->lock);
    if (bytes)
        *bytes = b;
    return n;
}

void driver_cache_free(DriverCache *c)
{
    if (!c)
        return;
    driver_cache_clear(c);
    pthread_mutex_destroy(&c->lock);
    free(c->slots);
    free(c);
}

/* Reads file i into a new entry: phase one, and the scopes of a module the
 * analysis may need, so that no later run builds them again.  NULL when it
 * cannot be read (the error is in *r). */
static CacheEntry *entry_read(Run *run, size_t i, uint64_t stamp, FileResult *r, int worker)
{
    CacheEntry *e = xcalloc(1, sizeof *e);
    e->arena = arena_new();
    e->path = arena_strndup(e->arena, run->files[i], strlen(run->files[i]));
    e->stamp = stamp;
    SourceStatus st = read_file(run, i, e->arena, e->arena, e->arena, &e->r, &e->found);
    if (st == SRC_IO_ERROR) {
        r->io_error = keep_str(run->keep[worker], e->r.io_error);
        e->refs = 1;
        entry_unref(e);
        return NULL;
    }
    e->r.src.path = e->path; /* the run's own string goes with the run */
    for (size_t k = 0; k < e->found.n; k++)
        e->found.items[k].path = e->path;
    if (e->r.module) {
        AnalyzeUnit *u = &e->unit;
        u->a = e->arena;
        u->src = &e->r.src;
        u->lx = &e->r.lx;
        u->module = e->r.module;
        u->modname = e->r.modname;
        u->is_package = e->r.is_package;
        analyze_scopes(u);
    }
    return e;
}

/* Phase one with a cache: the file's entry (read again if its bytes
 * changed) stands for its arena; findings are kept per run as usual. */
static void cached_file(Run *run, size_t i, int worker)
{
    FileResult *r = &run->results[i];
    DriverCache *c = run->o->cache;
    uint64_t stamp = file_stamp(run, i);
    CacheEntry *e = cache_get(c, run->files[i], stamp);
    if (!e) {
        if (!(e = entry_read(run, i, stamp, r, worker)))
            return;
        e->refs = 1; /* the run's */
        if (stamp)
            cache_put(c, e);
    }
    int context = r->context; /* what the run says, not the entry */
    *r = e->r;
    r->context = context;
    r->entry = e;
    if (r->template)
        return;
    FindingList fl = {0};
    for (size_t k = 0; k < e->found.n; k++)
        diag_add(&fl, &e->found.items[k]);
    if (r->uses_db) {
        r->pending = fl;
        return;
    }
    keep_findings(run, i, run->keep[worker], r->module ? &r->src : NULL, &fl);
    diag_free(&fl);
}

typedef struct ModIndex {
    const char *name; /* dotted module name */
    size_t file;      /* index in the file list */
} ModIndex;

static int cmp_modindex(const void *pa, const void *pb)
{
    const ModIndex *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->file > b->file) - (a->file < b->file);
}

/* The file of the module named name, or -1 (binary search in idx). */
static long find_module(const ModIndex *idx, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(idx[mid].name, name);
        if (c == 0)
            return (long)idx[mid].file;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Does path end in the folders and file dotted names (a.b.c: a/b/c.py or
 * a/b/c/__init__.py), below a folder boundary? */
static int path_spells(const char *path, const char *dotted)
{
    char want[512];
    size_t n = strlen(dotted);
    if (n + 1 >= sizeof want)
        return 0;
    for (size_t i = 0; i <= n; i++)
        want[i] = dotted[i] == '.' ? '/' : dotted[i];
    for (const char *p = strstr(path, want); p; p = strstr(p + 1, want))
        if ((p == path || p[-1] == '/') && (p[n] == '/' || !strcmp(p + n, ".py")))
            return 1;
    return 0;
}

#define IMPORT_ALT_LEVELS 4 /* folders without __init__.py above a module (modgraph's) */

/* The file of the module an import names: its name proper, else a module
 * in a folder without __init__.py (a namespace package, imported as
 * `app.db.repos` though the walk names it `repos`: modgraph's fallback
 * names), whose path spells the whole dotted name; -1 if none. */
static long find_imported(const Run *run, const ModIndex *idx, size_t n, const char *name)
{
    long j = find_module(idx, n, name);
    const char *s = name, *dot;
    for (int lv = 0; j < 0 && lv < IMPORT_ALT_LEVELS && (dot = strchr(s, '.')); lv++) {
        s = dot + 1;
        j = find_module(idx, n, s);
        if (j >= 0 && !path_spells(run->files[j], name))
            j = -1;
    }
    return j;
}

static const char *locate_in(Arena *a, Memo *dirs, const char *path, const char *modname,
                             int is_package, const char *target, int *deep);

/*
 * The file that would define module target for a file at path whose module
 * name is modname: the same source root, target's dotted path as folders.
 * A module name that goes above the working folder (a run inside a
 * package: `cd app && sessionlint items.py` names it app.items) is looked
 * up from the absolute path, and the file found named as the walk names it.
 */
static const char *locate_module(Arena *a, Memo *dirs, const char *path, const char *modname,
                                 int is_package, const char *target, const char *cwd)
{
    int deep = 0;
    const char *p = locate_in(a, dirs, path, modname, is_package, target, &deep);
    if (p || !deep || path[0] == '/' || !cwd)
        return p;
    p = locate_in(a, dirs, project_abspath(a, cwd, path), modname, is_package, target, &deep);
    return p ? walk_normalize(a, p, cwd) : NULL;
}

/* The folder of path into dir ("." or "/" when it names none); returns
 * path's last part, or NULL when the folder does not fit in cap. */
static const char *split_folder(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path) : 0;
    if (dl + 2 > cap)
        return NULL;
    memcpy(dir, path, dl);
    dir[dl] = '\0';
    if (!slash)
        strcpy(dir, ".");
    else if (dl == 0)
        strcpy(dir, "/");
    return slash ? slash + 1 : path;
}

/*
 * The entries of folder dir (its name: "a/b", "." or "/"), as a Memo of
 * name -> "f" (a file), "d" (a folder) or "?" (the listing does not say:
 * a symbolic link, some file systems), or NULL when it cannot be listed.
 * Read once per folder and kept in dirs; a folder its parent's listing
 * does not show is not asked of the file system at all, so the candidates
 * under packages that are not the project's (`from sqlalchemy.orm import
 * Session` tries sqlalchemy/orm/Session.py at the source root) cost no
 * system call.
 */
static const Memo *listing(Memo *dirs, const char *dir, int depth)
{
    const void *got = NULL;
    if (memo_get(dirs, dir, &got))
        return got;
    char parent[4096];
    const char *base = depth < 64 && strcmp(dir, ".") != 0 && strcmp(dir, "/") != 0
                           ? split_folder(dir, parent, sizeof parent)
                           : NULL;
    if (base) {
        const Memo *up = listing(dirs, parent, depth + 1);
        const void *kind = NULL;
        if (!up || !memo_get(up, base, &kind) || *(const char *)kind == 'f') {
            memo_put(dirs, dir, NULL); /* its parent has no such folder */
            return NULL;
        }
    }
    Memo *names = NULL;
    DIR *d = opendir(dir);
    if (d) {
        names = arena_alloc(dirs->a, sizeof *names);
        names->a = dirs->a;
        for (struct dirent *e; (e = readdir(d)) != NULL;)
            memo_put(names, e->d_name, e->d_type == DT_REG   ? "f"
                                       : e->d_type == DT_DIR ? "d"
                                                             : "?");
        closedir(d);
    }
    memo_put(dirs, dir, names);
    return names;
}

/*
 * Is path a file we can read?  Answered from the listing of its folder
 * (above): the imports of a project try about twelve candidates that do
 * not exist for each that does (`import os` tries os.py and
 * os/__init__.py at the source root), and each was a system call.  An
 * entry whose type the listing does not say is asked of the file system.
 */
static int listed_file(Memo *dirs, const char *path)
{
    char dir[4096];
    const char *base = split_folder(path, dir, sizeof dir);
    if (!base)
        return access(path, R_OK) == 0;
    const Memo *names = listing(dirs, dir, 0);
    const void *kind = NULL;
    if (!names || !memo_get(names, base, &kind) || *(const char *)kind == 'd')
        return 0;
    return *(const char *)kind == 'f' || access(path, R_OK) == 0;
}

/* locate_module from the path as it is; *deep when the module name has
 * more parts than it.  The folders' listings are kept in dirs, since the
 * files of one folder import the same modules. */
static const char *locate_in(Arena *a, Memo *dirs, const char *path, const char *modname,
                             int is_package, const char *target, int *deep)
{
    int strip = 1 + is_package;
    for (const char *q = modname; *q; q++)
        strip += *q == '.';
    size_t n = strlen(path);
    for (; strip > 0; strip--) { /* the root: path less the module's own parts */
        while (n > 0 && path[n - 1] != '/')
            n--;
        if (strip > 1 && n > 0)
            n--;
        else if (strip > 1)
            return *deep = 1, NULL; /* the module name is deeper than the path */
    }
    size_t tl = strlen(target);
    char *buf = arena_alloc(a, n + tl + 16);
    memcpy(buf, path, n);
    for (size_t k = 0; k < tl; k++)
        buf[n + k] = target[k] == '.' ? '/' : target[k];
    const char *tails[2] = {".py", "/__init__.py"};
    for (int t = 0; t < 2; t++) {
        strcpy(buf + n + tl, tails[t]);
        if (listed_file(dirs, buf))
            return buf;
    }
    return NULL;
}

#define MAX_CONTEXT_FILES 1000 /* modules read only for their definitions, by default */

/*
 * Adds the project modules the asked-for files import but did not name
 * (`sessionlint app/routers/items.py` still needs app/db.py to know what
 * SessionLocal is), transitively, reading each on the main thread.
 */
static void add_context(Arena *a, Run *run)
{
    size_t most = run->o->max_context > 0 ? (size_t)run->o->max_context : MAX_CONTEXT_FILES;
    size_t cap = run->nfiles + 64;
    const char **files = arena_alloc(a, cap * sizeof *files);
    FileResult *results = arena_alloc(a, cap * sizeof *results);
    if (run->nfiles) { /* nothing to copy from an empty run (its arrays are NULL) */
        memcpy(files, run->files, run->nfiles * sizeof *files);
        memcpy(results, run->results, run->nfiles * sizeof *results);
    }
    run->files = files;
    run->results = results;
    /* the candidate paths tried and the memos live in tmp, freed at the end:
       a project's every import of every file tries one or two (10 MB on
       Skyvern), and the arena a lasts as long as the project */
    Arena *tmp = arena_new();
    Memo dirs = {tmp, NULL, NULL, 0, 0}, in_run = {tmp, NULL, NULL, 0, 0};
    char *cwd = getcwd(NULL, 0); /* for module names above it (locate_module) */
    for (size_t i = 0; i < run->nfiles; i++)
        memo_put(&in_run, run->files[i], run->files[i]);
    for (size_t i = 0; i < run->nfiles && run->nfiles - run->nasked < most; i++) {
        FileResult *r = &run->results[i];
        for (int k = 0; r->modname && k < r->nimports; k++) {
            const char *p = locate_module(tmp, &dirs, run->files[i], r->modname, r->is_package,
                                          r->imports[k], cwd);
            const void *known = NULL;
            if (!p || memo_get(&in_run, p, &known) || run->nfiles - run->nasked >= most)
                continue;
            memo_put(&in_run, p, p);
            if (run->nfiles == cap) {
                cap *= 2;
                const char **f2 = arena_alloc(a, cap * sizeof *f2);
                FileResult *r2 = arena_alloc(a, cap * sizeof *r2);
                memcpy(f2, run->files, run->nfiles * sizeof *f2);
                memcpy(r2, run->results, run->nfiles * sizeof *r2);
                run->files = f2;
                run->results = r2;
                r = &run->results[i];
            }
            size_t j = run->nfiles++;
            run->files[j] = arena_strndup(a, p, strlen(p));
            run->results[j].context = 1;
            check_file(run, j, 0);
            r = &run->results[i];
        }
    }
    free(cwd);
    arena_free(tmp);
}

/*
 * Which files the analysis reads: those that use a database library, and
 * those importing such a project module, transitively (a router that gets
 * its session from app.db without importing SQLAlchemy itself), and then
 * the project modules all of these import, transitively (their helpers).
 */
/* The file named name: by its module name, else by a fallback name
 * (modgraph_fallback_names), as the project's modgraph_resolve finds it. */
static long find_named(const ModIndex *idx, size_t n, const ModIndex *alts, size_t nalts,
                       const char *name)
{
    long j = find_module(idx, n, name);
    return j >= 0 ? j : find_module(alts, nalts, name);
}

/* The file of the module an import names: find_named, else find_imported. */
static long imported_file(const Run *run, const ModIndex *idx, size_t n, const ModIndex *alts,
                          size_t nalts, const char *name)
{
    long j = find_named(idx, n, alts, nalts, name);
    return j >= 0 ? j : find_imported(run, idx, n, name);
}

static void select_relevant(Arena *a, Run *run)
{
    size_t n = 0, nalts = 0;
    ModIndex *idx = arena_alloc(a, (run->nfiles + 1) * sizeof *idx);
    ModIndex *alts = arena_alloc(a, (run->nfiles * MODGRAPH_MAX_ALTS + 1) * sizeof *alts);
    for (size_t i = 0; i < run->nfiles; i++) {
        const FileResult *r = &run->results[i];
        if (!r->modname)
            continue;
        idx[n++] = (ModIndex){r->modname, i};
        const char *names[MODGRAPH_MAX_ALTS];
        int m = modgraph_fallback_names(a, run->files[i], r->modname, r->is_package, names);
        for (int k = 0; k < m; k++)
            alts[nalts++] = (ModIndex){names[k], i};
    }
    qsort(idx, n, sizeof *idx, cmp_modindex);
    qsort(alts, nalts, sizeof *alts, cmp_modindex);
    /* each import's file, looked up once: the passes below go over them again */
    size_t *first = arena_alloc(a, (run->nfiles + 1) * sizeof *first), total = 0;
    for (size_t i = 0; i < run->nfiles; i++) {
        first[i] = total;
        total += (size_t)run->results[i].nimports;
    }
    long *to = arena_alloc(a, (total + 1) * sizeof *to);
    for (size_t i = 0; i < run->nfiles; i++)
        for (int k = 0; k < run->results[i].nimports; k++)
            to[first[i] + (size_t)k] =
                imported_file(run, idx, n, alts, nalts, run->results[i].imports[k]);
    for (size_t i = 0; i < run->nfiles; i++)
        run->results[i].relevant = run->results[i].uses_db;
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < run->nfiles; i++) {
            FileResult *r = &run->results[i];
            for (int k = 0; !r->relevant && k < r->nimports; k++) {
                long j = to[first[i] + (size_t)k];
                if (j >= 0 && run->results[j].relevant)
                    r->relevant = changed = 1;
            }
        }
    }
    /* and the project modules those import, transitively: a helper in
     * utils.py that closes what it is given, or runs its items in threads,
     * needs its summary even though utils.py names no database library */
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < run->nfiles; i++) {
            FileResult *r = &run->results[i];
            for (int k = 0; r->relevant && k < r->nimports; k++) {
                long j = to[first[i] + (size_t)k];
                if (j >= 0 && !run->results[j].relevant)
                    run->results[j].relevant = changed = 1;
            }
        }
    }
    run->relevant = arena_alloc(a, (run->nfiles + 1) * sizeof *run->relevant);
    for (size_t i = 0; i < run->nfiles; i++)
        if (run->results[i].relevant)
            run->relevant[run->nrelevant++] = i;
    run->units = arena_alloc(a, (run->nrelevant + 1) * sizeof *run->units);
    run->unit_arenas = arena_alloc(a, (run->nrelevant + 1) * sizeof *run->unit_arenas);
}

/* Phase two, per relevant file: its arena back (re-parsed if phase one let
 * it go), its scopes. */
static void load_unit(void *arg, size_t k, int worker)
{
    Run *run = arg;
    size_t i = run->relevant[k];
    FileResult *r = &run->results[i];
    (void)worker;
    if (r->entry) { /* parsed and resolved in an earlier run: only this run's memory is new */
        AnalyzeUnit *u = &run->units[k]; /* its project's facts and place come later */
        Arena *mine = run->unit_arenas[k] = arena_new();
        if (r->entry->unit.module) {
            *u = r->entry->unit;
            u->a = mine;
            u->sums = arena_alloc(mine, (size_t)(u->nfuncs ? u->nfuncs : 1) * sizeof *u->sums);
            u->next = arena_alloc(mine, (size_t)(u->nfuncs ? u->nfuncs : 1) * sizeof *u->next);
        } else { /* a file that does not decode: an empty module, resolved here */
            memset(u, 0, sizeof *u);
            u->a = mine;
            u->src = &r->entry->r.src;
            u->lx = &r->entry->r.lx;
            u->module = ast_new(mine, NODE_Module);
            u->modname = r->modname;
            u->is_package = r->is_package;
            analyze_scopes(u);
        }
        return;
    }
    if (!r->arena) {
        /* relevant through its imports only: parse again (its SL000s are out) */
        SourceError err = {0};
        FindingList ignore = {0};
        Arena *ta = arena_new();
        r->arena = arena_new();
        SourceStatus st = load_source(run, r->arena, ta, i, &r->src, &err);
        if (st == SRC_OK)
            r->module = parse_module(r->arena, &r->src, &r->lx, &ignore).module;
        diag_free(&ignore);
        drop_text(r, st, ta);
    }
    AnalyzeUnit *u = &run->units[k]; /* its project's facts and place come later */
    u->a = r->arena;
    u->src = &r->src;
    u->lx = &r->lx;
    u->module = r->module ? r->module : ast_new(r->arena, NODE_Module);
    u->modname = r->modname;
    u->is_package = r->is_package;
    analyze_scopes(u);
    arena_trim(u->a); /* the unit grows little more until the project ends */
}

/* Has the caller asked the run to stop (DriverOptions.stop)? */
static int stopped(const Run *run) { return run->o->stop && run->o->stop(run->o->stop_arg); }

static void summarize_unit(void *arg, size_t j, int worker)
{
    Run *run = arg;
    (void)worker;
    if (!stopped(run))
        analyze_summarize(run->an, &run->units[run->by_size[j]]);
}

static void check_unit(void *arg, size_t j, int worker)
{
    Run *run = arg;
    size_t k = run->by_size[j], i = run->relevant[k];
    FileResult *r = &run->results[i];
    FindingList fl = r->pending;
    r->pending = (FindingList){0};
    if (r->context || stopped(run)) { /* its definitions were all we needed */
        diag_free(&fl);
        return;
    }
    Arena *a = arena_new(); /* the check's findings and the text, until they are kept */
    SourceError err = {0};
    if (r->reread && load_source(run, NULL, a, i, &r->src, &err) != SRC_OK) {
        r->io_error = keep_str(run->keep[worker], err.msg); /* it changed: no findings */
        diag_free(&fl);
        arena_free(a);
        return;
    }
    analyze_check(run->an, &run->units[k], a, &fl);
    keep_findings(run, i, run->keep[worker], r->module ? &r->src : NULL, &fl);
    diag_free(&fl);
    if (r->reread)
        source_drop_text(&r->src);
    arena_free(a);
}

/*
 * A folder named like a test folder (`test_observer/`, `api_tests/`) whose
 * modules the project's other code imports holds product code, not tests:
 * the context its name gave is dropped for the modules that code reaches,
 * transitively (Canonical's test_observer is a service, with a Celery
 * worker importing it).  tests/, test_*.py and conftest.py stay tests
 * whatever imports them.
 */
/* Does module make an application or a router at import (`app =
 * FastAPI()`, `bp = Blueprint(...)`, `celery = Celery(...)`), by the name
 * of the class called? */
static int makes_application(const Node *module)
{
    static const char *const makers[] = {"FastAPI", "APIRouter", "Starlette", "Flask",
                                         "Blueprint", "Quart", "Celery", NULL};
    const NodeList *body = module ? &module->v.Module.body : NULL;
    for (int i = 0; body && i < body->n; i++) {
        const Node *target, *value;
        if (!ast_single_assign(body->items[i], &target, &value) || value->kind != NODE_Call)
            continue;
        const Node *f = value->v.Call.func;
        if (ast_name_in(f->kind == NODE_Name        ? f->v.Name.id
                        : f->kind == NODE_Attribute ? f->v.Attribute.attr
                                                    : NULL,
                        makers))
            return 1;
    }
    return 0;
}

static void imported_tests(Arena *a, Run *run)
{
    size_t n = 0;
    ModIndex *idx = arena_alloc(a, (run->nrelevant + 1) * sizeof *idx);
    long *unit_of = arena_alloc(a, (run->nfiles + 1) * sizeof *unit_of);
    for (size_t k = 0; k < run->nrelevant; k++) { /* the modules in test folders */
        size_t i = run->relevant[k];
        unit_of[i] = (long)k;
        if (run->results[i].modname && run->units[k].path_ctx == CTX_TEST)
            idx[n++] = (ModIndex){run->results[i].modname, i};
    }
    if (!n)
        return;
    qsort(idx, n, sizeof *idx, cmp_modindex);
    for (size_t j = 0; j < n; j++) { /* an application made in such a folder is product code */
        size_t i = idx[j].file;
        int ctx = makes_application(run->results[i].module)
                      ? context_of_path_as(project_relpath(a, run->projects, run->files[i]), 0)
                      : CTX_TEST;
        if (ctx != CTX_TEST)
            run->units[unit_of[i]].path_ctx = ctx;
    }
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t k = 0; k < run->nrelevant; k++) {
            const FileResult *r = &run->results[run->relevant[k]];
            for (int m = 0; run->units[k].path_ctx != CTX_TEST && m < r->nimports; m++) {
                long i = find_module(idx, n, r->imports[m]);
                AnalyzeUnit *u = i >= 0 ? &run->units[unit_of[i]] : NULL;
                if (!u || u->path_ctx != CTX_TEST)
                    continue;
                int ctx = context_of_path_as(project_relpath(a, run->projects, run->files[i]), 0);
                if (ctx != CTX_TEST) {
                    u->path_ctx = ctx;
                    changed = 1;
                }
            }
        }
    }
}

/*
 * What each loaded unit's project says: where the file sits in its project
 * (its context from the path), and the project's facts: the command line's
 * and configuration's, then the metadata of the project that holds the file
 * (read once per project root), so that a monorepo's backend/ gets its own
 * FastAPI version.  The run's cache lists each folder once, however many
 * files and projects of a tree it holds.  The link step reads neither, so
 * this runs beside it (analyze_link's `beside`), in the project's arena,
 * which nothing else touches until the link returns.
 */
typedef struct UnitProjects {
    Arena *a;
    Run *run;
} UnitProjects;

static void unit_projects(void *arg)
{
    Arena *a = ((UnitProjects *)arg)->a;
    Run *run = ((UnitProjects *)arg)->run;
    ProjectCache *cache = run->projects;
    VEC(const char *) roots = {0};
    VEC(ProjectFacts *) facts = {0};
    for (size_t k = 0; k < run->nrelevant; k++) {
        const char *file = run->files[run->relevant[k]], *slash = strrchr(file, '/');
        AnalyzeUnit *u = &run->units[k];
        u->path_ctx = context_of_path(project_relpath(a, cache, file));
        u->facts = NULL; /* the run's */
        if (!run->o->fixed_facts)
            continue;
        const char *dir = !slash          ? "."
                          : slash == file ? "/"
                                          : arena_strndup(a, file, (size_t)(slash - file));
        const char *root = project_root(cache, dir);
        size_t j = 0;
        while (j < roots.n && roots.items[j] != root) /* the cache's: one pointer a root */
            j++;
        if (j == roots.n) {
            ProjectFacts *f = arena_alloc(a, sizeof *f);
            *f = *run->o->fixed_facts;
            if (root)
                project_read(a, cache, root, f);
            VEC_PUSH(&roots, root);
            VEC_PUSH(&facts, f);
        }
        u->facts = facts.items[j];
    }
    VEC_FREE(&roots);
    VEC_FREE(&facts);
    imported_tests(a, run);
}

/* An index with its size in bytes, to order work largest first. */
typedef struct Sized {
    size_t index, bytes;
} Sized;

/* Largest first; the lower index first among equals (a deterministic order). */
static int cmp_largest_first(const void *pa, const void *pb)
{
    const Sized *x = pa, *y = pb;
    return x->bytes != y->bytes ? (x->bytes < y->bytes) - (x->bytes > y->bytes)
                                : (x->index > y->index) - (x->index < y->index);
}

/* run->by_size: the loaded units, largest source first. */
static void order_by_size(Arena *a, Run *run)
{
    size_t n = run->nrelevant;
    Sized *us = xmalloc((n + 1) * sizeof *us);
    for (size_t k = 0; k < n; k++)
        us[k] = (Sized){k, run->units[k].src ? run->units[k].src->len : 0};
    qsort(us, n, sizeof *us, cmp_largest_first);
    run->by_size = arena_alloc(a, (n + 1) * sizeof *run->by_size);
    for (size_t k = 0; k < n; k++)
        run->by_size[k] = us[k].index;
    free(us);
}

/* The project-wide analysis over the relevant files (DRIVER_CHECK). */
static void analyze_project(Arena *a, Run *run, int jobs)
{
    add_context(a, run);
    select_relevant(a, run);
    for (size_t i = 0; i < run->nfiles; i++) { /* what no relevant file needs */
        FileResult *r = &run->results[i];
        if (!r->relevant && r->arena) {
            arena_free(r->arena);
            r->arena = NULL;
            r->module = NULL;
        }
    }
    if (!run->nrelevant)
        return;
    pool_for(jobs, run->nrelevant, load_unit, run);
    order_by_size(a, run);
    if (!stopped(run)) {
        UnitProjects up = {a, run};
        run->an = analyze_link(run->units, (int)run->nrelevant, run->o->facts, jobs,
                               unit_projects, &up);
        for (int round = 0; round < ANALYZE_ROUNDS && !stopped(run); round++) {
            pool_for(jobs, run->nrelevant, summarize_unit, run);
            if (!analyze_round(run->an))
                break; /* a fixpoint: recursion and long call chains settle here */
        }
        pool_for(jobs, run->nrelevant, check_unit, run);
        analyze_free(run->an);
    }
    for (size_t k = 0; k < run->nrelevant; k++) {
        FileResult *r = &run->results[run->relevant[k]];
        arena_free(r->arena);
        r->arena = NULL;
        arena_free(run->unit_arenas[k]); /* NULL without a cache */
    }
}

/* ---- projects inside a tree ---- */

/*
 * A run over a folder that holds several projects (a checkout of many
 * repositories, a monorepo of services) analyzes them one by one: module
 * names resolve inside their own project, same-named modules of two
 * projects never meet, and each project's trees are freed before the next
 * is read, so memory is that of the largest project, not of the tree.  A
 * project is the outermost folder, below the path given on the command
 * line (that path included), that holds project metadata or is a
 * repository's root; a run inside one repository is one project.  A file
 * named by itself belongs to the outermost such folder above it, however
 * far up (pre-commit names the changed files of one repository).
 */

#define DIRMEMO_MAX_DEPTH 64 /* folders climbed per file */
#define TRIM_MIN_FILES 200   /* files of a project after which the heap is trimmed */
#define DRIVER_MMAP_MIN (1024 * 1024) /* malloc maps blocks of this size and more */

/* Folder -> does it hold a project (memoized: each is looked at once). */
typedef struct DirMemo {
    const char **key;
    unsigned char *val;
    size_t cap, used;
    Arena *a;
} DirMemo;

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int exists(const char *dir, const char *name, char *buf, size_t n)
{
    struct stat st;
    if ((size_t)snprintf(buf, n, "%s/%s", dir, name) >= n)
        return 0;
    return stat(buf, &st) == 0;
}

/* Does dir hold a project?  *key (if not NULL) receives the memo's copy of
 * dir, which lives as long as the memo's arena. */
static int holds_project(DirMemo *m, const char *dir, const char **key)
{
    static const char *const marks[] = {".git", "pyproject.toml", "setup.cfg", "setup.py",
                                        "requirements.txt", "Pipfile", "poetry.lock", "uv.lock"};
    if (2 * (m->used + 1) > m->cap) {
        const char **ok = m->key;
        unsigned char *ov = m->val;
        size_t oc = m->cap;
        m->cap = m->cap ? 2 * m->cap : 256;
        m->key = arena_alloc(m->a, m->cap * sizeof *m->key);
        m->val = arena_alloc(m->a, m->cap);
        m->used = 0;
        for (size_t i = 0; i < oc; i++)
            if (ok[i]) {
                size_t j = hash_str(ok[i]) & (m->cap - 1);
                while (m->key[j])
                    j = (j + 1) & (m->cap - 1);
                m->key[j] = ok[i];
                m->val[j] = ov[i];
                m->used++;
            }
    }
    size_t j = hash_str(dir) & (m->cap - 1);
    for (; m->key[j]; j = (j + 1) & (m->cap - 1))
        if (!strcmp(m->key[j], dir)) {
            if (key)
                *key = m->key[j];
            return m->val[j];
        }
    char buf[4096];
    int yes = 0;
    for (size_t i = 0; i < sizeof marks / sizeof *marks && !yes; i++)
        yes = exists(dir, marks[i], buf, sizeof buf);
    m->key[j] = arena_strndup(m->a, dir, strlen(dir));
    m->val[j] = (unsigned char)yes;
    m->used++;
    if (key)
        *key = m->key[j];
    return yes;
}

/* The project of the file at abs (absolute) below the folder top: the
 * outermost folder between them that holds one (the memo's copy of its
 * name), or top.  abs is cut at its slashes as the walk climbs: a tree has
 * thousands of files, and copies of each folder above each of them were a
 * tenth of a tree's peak memory. */
static const char *project_of(DirMemo *m, char *abs, const char *top)
{
    size_t ntop = strlen(top);
    const char *best = top;
    for (int depth = 0; depth < DIRMEMO_MAX_DEPTH; depth++) {
        char *slash = strrchr(abs, '/');
        if (!slash || slash == abs)
            break;
        *slash = 0;
        if (ntop > 1 &&
            (strlen(abs) < ntop || strncmp(abs, top, ntop) || (abs[ntop] && abs[ntop] != '/')))
            break; /* above the folder given */
        const char *key = NULL;
        if (holds_project(m, abs, &key))
            best = key; /* outer ones win: keep climbing */
    }
    return best;
}

/* Each file's project (an index into *ngroups roots, absolute folders, in a,
 * given in *rootsp), for the files of run. */
static size_t *project_groups(Arena *a, const DriverOptions *o, const char **files, size_t n,
                              size_t *ngroups, const char ***rootsp)
{
    size_t *group = arena_alloc(a, (n + 1) * sizeof *group);
    char *cwd = getcwd(NULL, 0);
    const char *here = cwd ? arena_strndup(a, cwd, strlen(cwd)) : "/";
    free(cwd);
    static const char *const dot[] = {"."};
    const char *const *paths = o->npaths ? o->paths : dot;
    size_t npaths = o->npaths ? o->npaths : 1;
    const char **tops = arena_alloc(a, npaths * sizeof *tops);
    for (size_t k = 0; k < npaths; k++) {
        struct stat st;
        const char *t = project_abspath(a, here, paths[k]);
        if (stat(t, &st) == 0 && !S_ISDIR(st.st_mode))
            t = "/"; /* a file named by itself (pre-commit, an editor): the project that
                        holds it, however far up; files in no project are one */
        tops[k] = t;
    }
    DirMemo memo = {NULL, NULL, 0, 0, a};
    VEC(const char *) roots = {0};
    Arena *scratch = arena_new(); /* each file's absolute path, one at a time */
    for (size_t i = 0; i < n; i++) {
        arena_reset(scratch);
        char *abs = project_abspath(scratch, here, files[i]);
        const char *top = NULL; /* the longest path given that holds it */
        for (size_t k = 0; k < npaths; k++) {
            size_t m = strlen(tops[k]);
            if (!strncmp(abs, tops[k], m) && (abs[m] == '/' || (m == 1 && tops[k][0] == '/')) &&
                (!top || m > strlen(top)))
                top = tops[k];
        }
        const char *root = top ? project_of(&memo, abs, top) : "";
        size_t g = i && !strcmp(roots.items[group[i - 1]], root) ? group[i - 1] : 0;
        while (g < roots.n && strcmp(roots.items[g], root))
            g++;
        if (g == roots.n)
            VEC_PUSH(&roots, root);
        group[i] = g;
    }
    *ngroups = roots.n;
    *rootsp = arena_alloc(a, (roots.n ? roots.n : 1) * sizeof **rootsp);
    for (size_t g = 0; g < roots.n; g++) /* "": a file below no path given */
        (*rootsp)[g] = roots.items[g][0] ? roots.items[g] : NULL;
    VEC_FREE(&roots);
    arena_free(scratch);
    return group;
}

/* One project of a tree (the files whose group is g), from reading to
 * findings, in an arena of its own that is freed when it is done; its
 * files' results go to their slots in run. */
static void analyze_group(Run *run, const size_t *group, size_t g, int jobs)
{
    Arena *ga = arena_new();
    size_t n = 0;
    for (size_t i = 0; i < run->nasked; i++)
        n += group[i] == g;
    size_t *index = arena_alloc(ga, (n + 1) * sizeof *index);
    Run sub = *run;
    sub.files = arena_alloc(ga, (n + 1) * sizeof *sub.files);
    sub.results = arena_alloc(ga, (n + 1) * sizeof *sub.results);
    sub.sel = run->sel ? arena_alloc(ga, (n + 1) * sizeof *sub.sel) : NULL;
    sub.relevant = NULL;
    sub.by_size = NULL;
    sub.units = NULL;
    sub.nrelevant = 0;
    sub.an = NULL;
    sub.root = run->roots[g];
    size_t k = 0;
    for (size_t i = 0; i < run->nasked; i++)
        if (group[i] == g) {
            index[k] = i;
            sub.files[k] = run->files[i];
            if (sub.sel)
                sub.sel[k] = run->sel[i];
            k++;
        }
    sub.nfiles = sub.nasked = n;
    pool_for(jobs < (int)n ? jobs : (int)n, n, check_file, &sub);
    analyze_project(ga, &sub, jobs);
    for (k = 0; k < n; k++)
        run->results[index[k]] = sub.results[k];
    arena_free(ga);
#ifdef __GLIBC__
    /* a large project's trees were freed block by block: give the pages
       back, so the next project starts from what the run keeps, not from
       the largest project so far plus the heap's holes (a trim walks the
       whole heap: not after each of a tree's many small projects) */
    if (n >= TRIM_MIN_FILES)
        malloc_trim(0);
#endif
}

/*
 * The projects of a tree, on jobs threads.  A project's serial steps (the
 * link step, each round's bookkeeping) leave threads idle, so projects run
 * side by side, one thread each, as long as the bytes of those running
 * together stay within the largest project's: memory stays bounded by the
 * largest project.  A project of more than 1/jobs of the largest runs so
 * only if the projects that fit beside it hold (jobs - 1) times its bytes,
 * enough to keep the other threads busy while it runs on one; otherwise it
 * runs alone on all the threads (the largest always does), before the
 * others, largest first.  A thread that is free takes the largest project
 * not yet started that fits beside those running (any, when none is), or
 * waits for one to end.  Findings go to their files' slots, so the output
 * does not depend on which ran where, or when.
 */
typedef struct GroupRun {
    Run *run;
    const size_t *group;
    const Sized *order;    /* the projects that share the threads, largest first */
    size_t n;
    size_t budget;         /* the largest project's bytes */
    ProjectCache **caches; /* one per thread: a cache is not shared */
    pthread_mutex_t lock;  /* guards started and running */
    pthread_cond_t ended;  /* a project ended: the budget has room again */
    char *started;         /* started[k]: order[k] is taken */
    size_t running;        /* the bytes of the projects running now */
} GroupRun;

/* The next project for a free thread, taken under gr->lock; n if none is
 * left. */
static size_t next_group(GroupRun *gr)
{
    for (;;) {
        int left = 0;
        for (size_t k = 0; k < gr->n; k++) {
            if (gr->started[k])
                continue;
            left = 1;
            if (!gr->running || gr->running + gr->order[k].bytes <= gr->budget) {
                gr->started[k] = 1;
                gr->running += gr->order[k].bytes;
                return k;
            }
        }
        if (!left || stopped(gr->run))
            return gr->n;
        pthread_cond_wait(&gr->ended, &gr->lock);
    }
}

static void shared_groups(void *arg, size_t unused, int worker)
{
    GroupRun *gr = arg;
    Run own = *gr->run;
    (void)unused;
    own.keep = gr->run->keep + worker; /* its one thread is worker 0 inside */
    own.projects = gr->caches[worker];
    pthread_mutex_lock(&gr->lock);
    for (size_t k; (k = next_group(gr)) < gr->n;) {
        pthread_mutex_unlock(&gr->lock);
        analyze_group(&own, gr->group, gr->order[k].index, 1);
        pthread_mutex_lock(&gr->lock);
        gr->running -= gr->order[k].bytes;
        pthread_cond_broadcast(&gr->ended);
    }
    pthread_mutex_unlock(&gr->lock);
}

/* sizes[i]: the bytes of file i (0 if it cannot be read), on the pool: a
 * system call a file, which on one thread left the others idle before the
 * first project starts. */
typedef struct FileSizes {
    const char **files;
    size_t *sizes;
} FileSizes;

static void file_size(void *arg, size_t i, int worker)
{
    FileSizes *fs = arg;
    struct stat st;
    (void)worker;
    fs->sizes[i] = stat(fs->files[i], &st) == 0 ? (size_t)st.st_size : 0;
}

/* Must order[k] run alone on all the threads (GroupRun above)? */
static int runs_alone(const Sized *order, size_t ngroups, size_t k, int jobs)
{
    size_t budget = order[0].bytes, mine = order[k].bytes, beside = 0;
    if (mine * (size_t)jobs <= budget)
        return 0;
    for (size_t j = k + 1; j < ngroups; j++) /* smaller ones, in the budget with it */
        if (mine + order[j].bytes <= budget)
            beside += order[j].bytes;
    return beside < mine * (size_t)(jobs - 1);
}

static void analyze_groups(Arena *a, Run *run, const size_t *group, size_t ngroups, int jobs)
{
    Sized *order = arena_alloc(a, ngroups * sizeof *order);
    for (size_t g = 0; g < ngroups; g++)
        order[g].index = g;
    FileSizes fs = {run->files, xmalloc((run->nasked + 1) * sizeof *fs.sizes)};
    pool_for(jobs, run->nasked, file_size, &fs);
    for (size_t i = 0; i < run->nasked; i++)
        order[group[i]].bytes += fs.sizes[i];
    free(fs.sizes);
    qsort(order, ngroups, sizeof *order, cmp_largest_first);
    if (jobs == 1 || run->o->cache) { /* one after another, on all the threads */
        for (size_t k = 0; k < ngroups && !stopped(run); k++)
            analyze_group(run, group, order[k].index, jobs);
        return;
    }
    Sized *shared = arena_alloc(a, ngroups * sizeof *shared);
    size_t nshared = 0;
    for (size_t k = 0; k < ngroups; k++)
        if (!runs_alone(order, ngroups, k, jobs))
            shared[nshared++] = order[k];
        else if (!stopped(run))
            analyze_group(run, group, order[k].index, jobs);
    if (!nshared || stopped(run))
        return;
    GroupRun gr = {.run = run, .group = group, .order = shared, .n = nshared,
                   .budget = order[0].bytes,
                   .caches = arena_alloc(a, (size_t)jobs * sizeof *gr.caches),
                   .started = arena_alloc(a, nshared)};
    pthread_mutex_init(&gr.lock, NULL);
    pthread_cond_init(&gr.ended, NULL);
    for (int w = 0; w < jobs; w++)
        gr.caches[w] = project_cache_new();
    pool_for(jobs, (size_t)jobs, shared_groups, &gr);
    for (int w = 0; w < jobs; w++)
        project_cache_free(gr.caches[w]);
    pthread_cond_destroy(&gr.ended);
    pthread_mutex_destroy(&gr.lock);
}

/* ---- discovery ---- */

static int cmp_path(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void driver_discover(Arena *a, const DriverOptions *o, WalkPaths *files, WalkErrors *errs)
{
    char *cwd = getcwd(NULL, 0);
    if (o->stdin_path) { /* one file, whatever is on disk, and never excluded */
        VEC_PUSH(files, walk_normalize(a, o->stdin_path, cwd));
        free(cwd);
        return;
    }
    static const char *const dot[] = {"."};
    const char *const *paths = o->npaths ? o->paths : dot;
    size_t npaths = o->npaths ? o->npaths : 1;
    for (size_t i = 0; i < npaths; i++) {
        size_t before = files->n, k = before;
        walk_path(a, paths[i], cwd, files, errs);
        for (size_t j = before; o->config && j < files->n; j++) /* exclude, extend-exclude */
            if (!config_excluded(o->config, files->items[j], paths[i]))
                files->items[k++] = files->items[j];
        if (o->config)
            files->n = k;
    }
    free(cwd);
    if (files->n > 1)
        qsort(files->items, files->n, sizeof *files->items, cmp_path);
    size_t k = 0;
    for (size_t i = 0; i < files->n; i++)
        if (k == 0 || strcmp(files->items[i], files->items[k - 1]) != 0)
            files->items[k++] = files->items[i];
    files->n = k;
}

/* ---- merge ---- */

static int cmp_int(int a, int b) { return (a > b) - (a < b); }

/* The order of diag_sort, on report items (code-point columns keep the
 * order of byte columns). */
static int cmp_item(const void *pa, const void *pb)
{
    const ReportItem *a = pa, *b = pb;
    int c;
    if ((c = strcmp(a->path, b->path)) || (c = cmp_int(a->line, b->line)) ||
        (c = cmp_int(a->column, b->column)) || (c = strcmp(a->code, b->code)) ||
        (c = cmp_int(a->end_line, b->end_line)) ||
        (c = cmp_int(a->end_column, b->end_column)))
        return c;
    return strcmp(a->message, b->message);
}

/* Each slot is sorted and slots follow the sorted file list, so the
 * concatenation is sorted already; a check keeps that assumption honest
 * when later stages report into other files. */
static void merge_items(Arena *a, const Run *run, Report *out)
{
    size_t total = 0;
    for (size_t i = 0; i < run->nfiles; i++)
        total += run->results[i].n;
    out->items = arena_alloc(a, total * sizeof *out->items);
    int sorted = 1;
    for (size_t i = 0; i < run->nfiles; i++)
        for (size_t k = 0; k < run->results[i].n; k++) {
            out->items[out->n] = run->results[i].items[k];
            if (out->n && cmp_item(&out->items[out->n - 1], &out->items[out->n]) > 0)
                sorted = 0;
            out->n++;
        }
    if (!sorted)
        qsort(out->items, out->n, sizeof *out->items, cmp_item);
}

static int cmp_error(const void *pa, const void *pb)
{
    const ReportError *a = pa, *b = pb;
    int c = strcmp(a->path, b->path);
    return c ? c : strcmp(a->msg, b->msg);
}

static void merge_errors(Arena *a, const Run *run, const WalkErrors *werrs, Report *out)
{
    out->errors = arena_alloc(a, (werrs->n + run->nfiles) * sizeof *out->errors);
    for (size_t i = 0; i < werrs->n; i++)
        out->errors[out->nerrors++] = (ReportError){werrs->items[i].path, werrs->items[i].msg};
    for (size_t i = 0; i < run->nasked; i++) { /* context files are not the user's */
        const FileResult *r = &run->results[i];
        if (r->io_error)
            out->errors[out->nerrors++] = (ReportError){run->files[i], r->io_error};
        out->files += r->analyzed && !r->template;
        out->templates += r->template;
        out->hidden += r->hidden;
        out->bytes += r->bytes;
        out->lines += r->lines;
    }
    qsort(out->errors, out->nerrors, sizeof *out->errors, cmp_error);
}

static int cmp_count(const void *pa, const void *pb)
{
    const ReportCount *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->code, b->code);
}

static void count_codes(Arena *a, Report *out)
{
    out->counts = arena_alloc(a, out->n * sizeof *out->counts);
    for (size_t i = 0; i < out->n; i++) {
        const ReportItem *it = &out->items[i];
        size_t k = 0;
        while (k < out->ncounts && strcmp(out->counts[k].code, it->code) != 0)
            k++;
        if (k == out->ncounts)
            out->counts[out->ncounts++] = (ReportCount){it->code, it->name, 0};
        out->counts[k].count++;
    }
    qsort(out->counts, out->ncounts, sizeof *out->counts, cmp_count);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void driver_run(const DriverOptions *o, Report *out)
{
    memset(out, 0, sizeof *out);
#ifdef __GLIBC__
    /* A fixed threshold: glibc otherwise raises it to the size of each big
       block it unmaps, after which the big tables that the link step
       grows and frees come from the heap and leave resident holes there
       (10 MB on the largest project).  Blocks of 1 MB and more are mapped
       and given back when freed, as arena.c does with its own. */
    mallopt(M_MMAP_THRESHOLD, DRIVER_MMAP_MIN);
#endif
    Arena *a = arena_new();
    WalkPaths files = {0};
    WalkErrors werrs = {0};
    driver_discover(a, o, &files, &werrs);
    if (o->config && config_error(o->config))
        files.n = 0; /* a broken configuration: nothing is analyzed */

    int jobs = o->jobs >= 1 ? o->jobs : pool_default_jobs();
    if ((size_t)jobs > files.n)
        jobs = files.n ? (int)files.n : 1;
    Run run = {o,    files.items, files.n, files.n, NULL, NULL, NULL, NULL,
               NULL, 0,           NULL,    NULL,    NULL, NULL, NULL, NULL, NULL};
    run.results = arena_alloc(a, (files.n + 1) * sizeof *run.results);
    out->narenas = jobs + 1;
    out->arenas = xcalloc((size_t)out->narenas, sizeof *out->arenas);
    out->arenas[0] = a;
    for (int k = 0; k < jobs; k++)
        out->arenas[k + 1] = arena_new();
    run.keep = out->arenas + 1;
    if (o->config) { /* each file's selection, from its configuration */
        run.sel = arena_alloc(a, (files.n + 1) * sizeof *run.sel);
        for (size_t i = 0; i < files.n; i++)
            run.sel[i] = config_select(o->config, files.items[i]);
    }
    if (o->stdin_path && files.n == 1)
        run.stdin_file = files.items[0];

    double t0 = now();
    if (o->mode == DRIVER_CHECK)
        run.projects = project_cache_new();
    size_t ngroups = 1;
    size_t *group = o->mode == DRIVER_CHECK && !o->stdin_path
                        ? project_groups(a, o, files.items, files.n, &ngroups, &run.roots)
                        : NULL;
    if (ngroups <= 1) {
        run.root = run.roots ? run.roots[0] : NULL;
        pool_for(jobs, files.n, check_file, &run);
        if (o->mode == DRIVER_CHECK && !stopped(&run))
            analyze_project(a, &run, jobs);
    } else {
        analyze_groups(a, &run, group, ngroups, jobs);
    }
    project_cache_free(run.projects);
    out->seconds = now() - t0;
    out->stopped = stopped(&run);

    merge_items(a, &run, out);
    report_fingerprints(a, out);
    merge_errors(a, &run, &werrs, out);
    for (size_t i = 0; i < run.nfiles; i++) { /* what a stopped run left, the cache's files */
        FileResult *r = &run.results[i];
        diag_free(&r->pending);
        arena_free(r->arena);
        if (r->entry)
            cache_release(o->cache, r->entry);
    }
    count_codes(a, out);
    VEC_FREE(&files);
    VEC_FREE(&werrs);
}

void driver_free(Report *r)
{
    for (int k = 0; k < r->narenas; k++)
        arena_free(r->arenas[k]);
    free(r->arenas);
    memset(r, 0, sizeof *r);
}
