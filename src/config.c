/*
 * config.c - the configuration of config.h: finding the file that governs
 * each folder, reading and checking its keys, and merging them with the
 * command line into a rule selection per file and exclusion globs.
 *
 * Every problem is an error that stops the run (Ruff does the same): a
 * file that is not TOML, an unknown key, a value of the wrong type or out
 * of range.  Messages name the file, the line and the table and key.
 * Globs are .gitignore patterns (walk.h): without a "/" they match a file
 * or folder name at any depth, with one they are relative to the
 * configuration's folder; "*" stays within a name, "**" spans folders.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "context.h"
#include "toml.h"
#include "walk.h"

#define MAX_CONFIG_BYTES (4u << 20) /* a larger configuration file is refused */
#define NOTHING "(none)"            /* a selector no code starts with: `select = []` */

typedef struct StrList {
    const char **items;
    int n;
} StrList;

/* One per-file-ignores entry. */
typedef struct PerFile {
    WalkIgnore *glob; /* the pattern */
    int negated;      /* "!pattern": applies to files that do not match */
    StrList codes;
} PerFile;

struct Config {
    const char *path;  /* as shown: "backend/pyproject.toml" */
    const char *dir;   /* its folder, absolute: globs are relative to it */
    const char *where; /* for ProjectFacts: "pyproject.toml [tool.sessionlint]" */
    StrList select, extend_select, ignore;
    int has_select;
    unsigned contexts; /* `contexts`: CTX_* bits reported besides each rule's own */
    WalkIgnore *exclude, *extend_exclude; /* NULL when not given */
    PerFile *pfi;
    int npfi;
    Version fastapi, sqlalchemy; /* major < 0: not set */
    int database;                /* ProjectDb */
    ModelUser *model;            /* custom resources, or NULL */
    RuleSelect sel;              /* the command line over this file's selection */
};

/* What one folder resolved to. */
typedef struct Folder {
    const char *dir; /* absolute; NULL: an empty slot */
    Config *config;  /* its configuration, or NULL for none */
} Folder;

struct ConfigSet {
    Arena *a;
    Arena *tmp;        /* one question's absolute paths, reset by each: the driver
                          asks for every file of a tree (10 MB of copies on the
                          corpus when they went to a); what outlives it is copied */
    ConfigArgs args;   /* the command line's */
    const char *cwd;   /* absolute */
    const char *error; /* the first problem, or NULL */
    Config *forced;    /* --config FILE */
    Folder *folders;   /* a hash of folders; nfolders a power of two */
    size_t nfolders, used;
    RuleSelect cli_sel;                           /* the selection when no configuration governs */
    WalkIgnore *cli_exclude, *cli_extend_exclude; /* relative to cwd; NULL: none */
};

/* A file being read: where messages point. */
typedef struct Reading {
    ConfigSet *cs;
    Config *c;
    const char *section; /* "[tool.sessionlint] ", "" at the top of sessionlint.toml */
} Reading;

/* ---- errors ---- */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail(ConfigSet *cs, const char *path, const char *fmt, ...)
{
    if (cs->error)
        return 0;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cs->error = arena_printf(cs->a, "%s:%s", path, buf);
    return 0;
}

/* A key as messages quote it: control characters and quotes escaped. */
static const char *show(Arena *a, const char *s)
{
    char buf[200];
    size_t o = 0;
    for (; *s && o < sizeof buf - 8; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7F || c == '"' || c == '\\')
            o += (size_t)snprintf(buf + o, sizeof buf - o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
    }
    buf[o] = 0;
    return arena_printf(a, "\"%s\"", buf);
}

static int bad_type(Reading *r, const TomlKeyVal *kv, const char *want)
{
    return fail(r->cs, r->c->path, "%d: %s%s must be %s, not %s", kv->line, r->section,
                show(r->cs->a, kv->key), want, toml_type_name(kv->val->type));
}

static int bad_value(Reading *r, const TomlValue *v, const char *key, const char *why)
{
    return fail(r->cs, r->c->path, "%d: %s%s: %s", v->line, r->section, show(r->cs->a, key), why);
}

/* ---- values ---- */

/* An array of strings into *out (copied into the arena). */
static int strings(Reading *r, const TomlKeyVal *kv, StrList *out)
{
    if (kv->val->type != TOML_ARRAY)
        return bad_type(r, kv, "an array of strings");
    const TomlValue *arr = kv->val;
    out->items = arena_alloc(r->cs->a, (size_t)(arr->v.arr.n + 1) * sizeof *out->items);
    out->n = 0;
    for (int i = 0; i < arr->v.arr.n; i++) {
        const TomlValue *s = arr->v.arr.items[i];
        if (s->type != TOML_STRING)
            return bad_value(r, s, kv->key,
                             arena_printf(r->cs->a, "every item must be a string, not %s",
                                          toml_type_name(s->type)));
        out->items[out->n++] = s->v.str.s;
    }
    return 1;
}

/* select / ignore lists: rule codes or prefixes, upper-cased; one that
 * selects no rule is an error (as in Ruff). */
static int selectors(Reading *r, const TomlKeyVal *kv, StrList *out)
{
    if (!strings(r, kv, out))
        return 0;
    for (int i = 0; i < out->n; i++) {
        char *s = arena_strndup(r->cs->a, out->items[i], strlen(out->items[i]));
        for (char *c = s; *c; c++)
            if (*c >= 'a' && *c <= 'z')
                *c = (char)(*c - 'a' + 'A');
        if (!rules_valid_selector(s)) {
            char why[320];
            rules_selector_error(s, show(r->cs->a, out->items[i]), why, sizeof why);
            return bad_value(r, kv->val->v.arr.items[i], kv->key,
                             arena_printf(r->cs->a, "%s", why));
        }
        out->items[i] = s;
    }
    return 1;
}

/* `contexts = ["test", "cli"]` or `["all"]`: execution contexts (context.h)
 * whose findings are reported besides those each rule reports by default. */
static int context_list(Reading *r, const TomlKeyVal *kv, unsigned *out)
{
    StrList names = {0};
    if (!strings(r, kv, &names))
        return 0;
    *out = 0;
    for (int i = 0; i < names.n; i++) {
        int ctx = context_parse(names.items[i]);
        if (!strcmp(names.items[i], "all"))
            *out |= CTX_ALL;
        else if (ctx >= 0)
            *out |= CTX_BIT(ctx);
        else
            return bad_value(r, kv->val->v.arr.items[i], kv->key,
                             arena_printf(r->cs->a, "not an execution context: %s (one of "
                                                    "request, service, cli, script, migration, test, "
                                                    "example, all)",
                                          show(r->cs->a, names.items[i])));
    }
    return 1;
}

/* Globs as .gitignore patterns; a leading '#' or '!' is literal here. */
static WalkIgnore *globs(Arena *a, const char *const *pats, int n)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(pats[i]) + 2;
    char *text = arena_alloc(a, len), *o = text;
    for (int i = 0; i < n; i++) {
        if (pats[i][0] == '#' || pats[i][0] == '!')
            *o++ = '\\';
        size_t k = strlen(pats[i]);
        memcpy(o, pats[i], k);
        o += k;
        *o++ = '\n';
    }
    return walk_ignore_parse(a, text, (size_t)(o - text));
}

static int glob_list(Reading *r, const TomlKeyVal *kv, WalkIgnore **out)
{
    StrList l;
    if (!strings(r, kv, &l))
        return 0;
    for (int i = 0; i < l.n; i++)
        if (!l.items[i][0] || strchr(l.items[i], '\n'))
            return bad_value(r, kv->val->v.arr.items[i], kv->key, "not a glob");
    *out = globs(r->cs->a, l.items, l.n);
    return 1;
}

/* "0.110", "0.110.2", "1": digits and at most two dots. */
static int version(Reading *r, const TomlKeyVal *kv, Version *out)
{
    if (kv->val->type != TOML_STRING)
        return bad_type(r, kv, "a version string such as \"0.110\"");
    const char *s = kv->val->v.str.s;
    int dots = 0, ok = s[0] >= '0' && s[0] <= '9';
    for (const char *p = s; ok && *p; p++) {
        if (*p == '.')
            ok = ++dots <= 2 && p[1] >= '0' && p[1] <= '9';
        else
            ok = *p >= '0' && *p <= '9';
    }
    if (!ok || !project_parse_version(s, out))
        return bad_value(
            r, kv->val, kv->key,
            arena_printf(r->cs->a, "not a version such as \"0.110\": %s", show(r->cs->a, s)));
    return 1;
}

/* A string that must be one of names[0..n); its index in *out. */
static int choice(Reading *r, const TomlKeyVal *kv, const char *const *names, int n, int *out)
{
    if (kv->val->type != TOML_STRING)
        return bad_type(r, kv, "a string");
    for (int i = 0; i < n; i++)
        if (!strcmp(kv->val->v.str.s, names[i])) {
            *out = i;
            return 1;
        }
    const char *list = "";
    for (int i = 0; i < n; i++)
        list = arena_printf(r->cs->a, "%s%s\"%s\"", list,
                            i == 0       ? ""
                            : i == n - 1 ? " or "
                                         : ", ",
                            names[i]);
    return bad_value(
        r, kv->val, kv->key,
        arena_printf(r->cs->a, "must be %s, not %s", list, show(r->cs->a, kv->val->v.str.s)));
}

/* ---- per-file-ignores ---- */

static int per_file_ignores(Reading *r, const TomlKeyVal *kv, const char *outer)
{
    if (kv->val->type != TOML_TABLE)
        return bad_type(r, kv, "a table of glob = [codes]");
    const TomlValue *t = kv->val;
    Config *c = r->c;
    Reading in = {r->cs, c, arena_printf(r->cs->a, "[%sper-file-ignores] ", outer)};
    c->pfi = arena_alloc(r->cs->a, (size_t)(t->v.tab.n + 1) * sizeof *c->pfi);
    for (int i = 0; i < t->v.tab.n; i++) {
        const TomlKeyVal *e = &t->v.tab.kv[i];
        PerFile *pf = &c->pfi[c->npfi++];
        const char *pat = e->key;
        pf->negated = pat[0] == '!';
        pat += pf->negated;
        if (!pat[0] || strchr(pat, '\n'))
            return fail(r->cs, c->path, "%d: %sper-file-ignores: %s is not a glob", e->line,
                        r->section, show(r->cs->a, e->key));
        pf->glob = globs(r->cs->a, &pat, 1);
        if (!selectors(&in, e, &pf->codes))
            return 0;
    }
    return 1;
}

/* ---- resources ---- */

static int is_ident_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (unsigned char)c >= 0x80 || (!first && c >= '0' && c <= '9');
}

/* A dotted Python name: "myapp.db.get_conn"; *dotted says whether it has a dot. */
static int is_name(const char *s, int *dotted)
{
    *dotted = 0;
    int first = 1;
    for (; *s; s++) {
        if (*s == '.') {
            if (first)
                return 0;
            *dotted = first = 1;
            continue;
        }
        if (!is_ident_char(*s, first))
            return 0;
        first = 0;
    }
    return !first;
}

/* acquire / release / use: names; which may be dotted (1), bare (0) or
 * either (2). */
static int names(Reading *r, const TomlKeyVal *kv, StrList *out, int which)
{
    if (!strings(r, kv, out))
        return 0;
    for (int i = 0; i < out->n; i++) {
        int dotted;
        const TomlValue *v = kv->val->v.arr.items[i];
        if (!is_name(out->items[i], &dotted))
            return bad_value(
                r, v, kv->key,
                arena_printf(r->cs->a, "not a Python name: %s", show(r->cs->a, out->items[i])));
        if (which == 1 && !dotted)
            return bad_value(r, v, kv->key,
                             arena_printf(r->cs->a,
                                          "%s is not a qualified name (write "
                                          "module.function, e.g. myapp.db.get_conn)",
                                          show(r->cs->a, out->items[i])));
        if (which == 0 && dotted)
            return bad_value(
                r, v, kv->key,
                arena_printf(r->cs->a, "%s is not a method name", show(r->cs->a, out->items[i])));
    }
    if (out->n == 0 && which != 0)
        return bad_value(r, kv->val, kv->key, "needs at least one name");
    return 1;
}

/* Splits release names: dotted ones are functions releasing their first
 * argument, bare ones methods. */
static void split_release(Arena *a, const StrList *rel, ModelUserRes *res)
{
    const char **fn = arena_alloc(a, (size_t)(rel->n + 1) * sizeof *fn);
    const char **m = arena_alloc(a, (size_t)(rel->n + 1) * sizeof *m);
    for (int i = 0; i < rel->n; i++) {
        if (strchr(rel->items[i], '.'))
            fn[res->nrelease_fn++] = rel->items[i];
        else
            m[res->nrelease++] = rel->items[i];
    }
    res->release_fn = fn;
    res->release = m;
    const char *first = rel->items[0], *dot = strrchr(first, '.');
    res->info.release = arena_printf(a, "%s()", dot ? dot + 1 : first);
}

/* One key of a resource table. */
static int resource_key(Reading *r, const TomlKeyVal *kv, ModelUserRes *res, StrList *rel,
                        int *seen)
{
    static const char *const twice[] = {"harmless", "idempotent", "harmful"};
    static const char *const after[] = {"reopens", "raises", "shared"};
    const char *k = kv->key;
    StrList l;
    int i;
    if (!strcmp(k, "acquire")) {
        if (!names(r, kv, &l, 1))
            return 0;
        res->acquire = l.items;
        res->nacquire = l.n;
        *seen |= 1;
    } else if (!strcmp(k, "release")) {
        if (!names(r, kv, rel, 2))
            return 0;
        *seen |= 2;
    } else if (!strcmp(k, "use")) {
        if (!names(r, kv, &l, 0))
            return 0;
        res->use = l.items;
        res->nuse = l.n;
    } else if (!strcmp(k, "release-twice")) { /* Harm: in the order of the enum */
        if (!choice(r, kv, twice, 3, &i))
            return 0;
        res->info.twice = (unsigned char)(i == 0   ? HARM_NONE
                                          : i == 1 ? HARM_REDUNDANT
                                                   : HARM_DOUBLE);
    } else if (!strcmp(k, "after-release")) {
        if (!choice(r, kv, after, 3, &i))
            return 0;
        res->info.after = (unsigned char)(i == 0   ? AFTER_REOPENS
                                          : i == 1 ? AFTER_RAISES
                                                   : AFTER_SHARED);
    } else if (!strcmp(k, "with-releases")) {
        if (kv->val->type != TOML_BOOL)
            return bad_type(r, kv, "true or false");
        res->info.with_releases = (unsigned char)kv->val->v.b;
    } else if (!strcmp(k, "noun")) {
        if (kv->val->type != TOML_STRING)
            return bad_type(r, kv, "a string");
        if (!kv->val->v.str.s[0] || strlen(kv->val->v.str.s) > 40)
            return bad_value(r, kv->val, k, "must be a short word such as \"connection\"");
        res->info.noun = kv->val->v.str.s;
    } else {
        return fail(r->cs, r->c->path, "%d: %sunknown key %s", kv->line, r->section,
                    show(r->cs->a, k));
    }
    return 1;
}

/* [tool.sessionlint.resources.NAME] */
static int resource(Reading *r, const TomlKeyVal *entry, ModelUserRes *res, const char *outer)
{
    int dotted;
    if (!is_name(entry->key, &dotted) || dotted)
        return fail(r->cs, r->c->path,
                    "%d: %sresources: %s is not a valid resource name (letters, "
                    "digits and _)",
                    entry->line, r->section, show(r->cs->a, entry->key));
    Reading in = {r->cs, r->c, arena_printf(r->cs->a, "[%sresources.%s] ", outer, entry->key)};
    if (entry->val->type != TOML_TABLE)
        return fail(r->cs, r->c->path, "%d: %sresources.%s must be a table, not %s", entry->line,
                    r->section, entry->key, toml_type_name(entry->val->type));
    res->name = entry->key;
    res->info = (ResInfo){"resource", "release()", 1, AFTER_RAISES, HARM_REDUNDANT, 0, 0};
    StrList rel = {0};
    int seen = 0;
    const TomlValue *t = entry->val;
    for (int i = 0; i < t->v.tab.n; i++)
        if (!resource_key(&in, &t->v.tab.kv[i], res, &rel, &seen))
            return 0;
    if (seen != 3)
        return fail(r->cs, r->c->path, "%d: %sneeds %s", t->line, in.section,
                    seen & 1   ? "release = [...]"
                    : seen & 2 ? "acquire = [...]"
                               : "acquire = [...] and release = [...]");
    split_release(r->cs->a, &rel, res);
    return 1;
}

static int resources(Reading *r, const TomlKeyVal *kv, const char *outer)
{
    if (kv->val->type != TOML_TABLE)
        return bad_type(r, kv, "a table of [resources.NAME] tables");
    const TomlValue *t = kv->val;
    if (t->v.tab.n > MODEL_MAX_USER)
        return fail(r->cs, r->c->path, "%d: %sat most %d resources can be defined", kv->line,
                    r->section, MODEL_MAX_USER);
    ModelUser *u = arena_alloc(r->cs->a, sizeof *u);
    for (int i = 0; i < t->v.tab.n; i++)
        if (!resource(r, &t->v.tab.kv[i], &u->res[u->n++], outer))
            return 0;
    r->c->model = u->n ? u : NULL;
    return 1;
}

/* ---- one file ---- */

/* One key of [tool.sessionlint]. */
static int config_key(Reading *r, const TomlKeyVal *kv, const char *outer)
{
    static const char *const dbs[] = {"postgresql", "cockroachdb"};
    Config *c = r->c;
    const char *k = kv->key;
    int i;
    if (!strcmp(k, "select")) {
        c->has_select = 1;
        return selectors(r, kv, &c->select);
    }
    if (!strcmp(k, "extend-select"))
        return selectors(r, kv, &c->extend_select);
    if (!strcmp(k, "ignore"))
        return selectors(r, kv, &c->ignore);
    if (!strcmp(k, "contexts"))
        return context_list(r, kv, &c->contexts);
    if (!strcmp(k, "exclude"))
        return glob_list(r, kv, &c->exclude);
    if (!strcmp(k, "extend-exclude"))
        return glob_list(r, kv, &c->extend_exclude);
    if (!strcmp(k, "per-file-ignores"))
        return per_file_ignores(r, kv, outer);
    if (!strcmp(k, "fastapi-version"))
        return version(r, kv, &c->fastapi);
    if (!strcmp(k, "sqlalchemy-version"))
        return version(r, kv, &c->sqlalchemy);
    if (!strcmp(k, "database")) {
        if (!choice(r, kv, dbs, 2, &i))
            return 0;
        c->database = i == 0 ? DB_POSTGRESQL : DB_COCKROACHDB;
        return 1;
    }
    if (!strcmp(k, "resources"))
        return resources(r, kv, outer);
    if (!strcmp(k, "tool") && !*r->section) /* [tool.sessionlint] outside a pyproject.toml */
        return fail(r->cs, c->path,
                    "%d: unknown key \"tool\" (only a file named pyproject.toml has a "
                    "[tool.sessionlint] table; elsewhere the keys are at the top level)",
                    kv->line);
    return fail(r->cs, c->path, "%d: %sunknown key %s", kv->line, r->section, show(r->cs->a, k));
}

/* The whole file at abs (absolute), NUL-terminated, in a; NULL with an
 * error if it cannot be read. */
static char *slurp(ConfigSet *cs, const char *abs, const char *shown, size_t *n)
{
    FILE *f = fopen(abs, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
        (unsigned long long)st.st_size > MAX_CONFIG_BYTES) {
        if (f)
            fclose(f);
        fail(cs, shown, " cannot read the configuration%s",
             f ? " (not a regular file, or larger than 4 MB)" : "");
        return NULL;
    }
    char *buf = arena_alloc_raw(cs->a, (size_t)st.st_size + 1);
    *n = fread(buf, 1, (size_t)st.st_size, f);
    buf[*n] = 0;
    fclose(f);
    return buf;
}

/* Does text[0..n) contain word (NUL bytes and all)? */
static int mentions(const char *text, size_t n, const char *word)
{
    size_t k = strlen(word);
    for (size_t i = 0; i + k <= n; i++)
        if (text[i] == word[0] && !memcmp(text + i, word, k))
            return 1;
    return 0;
}

/* The merged selection: the command line over c's (Ruff's precedence). */
static void merge_select(ConfigSet *cs, Config *c)
{
    const ConfigArgs *g = &cs->args;
    VEC(const char *) sel = {0}, ign = {0};
    if (g->nselect) {
        for (int i = 0; i < g->nselect; i++)
            VEC_PUSH(&sel, g->select[i]);
    } else {
        if (c && c->has_select && c->select.n == 0)
            VEC_PUSH(&sel, NOTHING);
        for (int i = 0; c && c->has_select && i < c->select.n; i++)
            VEC_PUSH(&sel, c->select.items[i]);
        int extended = g->nextend_select || (c && c->extend_select.n);
        if (extended && !(c && c->has_select))
            VEC_PUSH(&sel, "ALL"); /* the defaults: ALL turns on no rule that is off */
        for (int i = 0; c && i < c->extend_select.n; i++)
            VEC_PUSH(&sel, c->extend_select.items[i]);
        for (int i = 0; c && i < c->ignore.n; i++)
            VEC_PUSH(&ign, c->ignore.items[i]);
    }
    for (int i = 0; i < g->nextend_select; i++)
        VEC_PUSH(&sel, g->extend_select[i]);
    for (int i = 0; i < g->nignore; i++)
        VEC_PUSH(&ign, g->ignore[i]);
    RuleSelect *rs = c ? &c->sel : &cs->cli_sel;
    const char **s = arena_alloc(cs->a, (sel.n + 1) * sizeof *s);
    const char **ig = arena_alloc(cs->a, (ign.n + 1) * sizeof *ig);
    if (sel.n)
        memcpy(s, sel.items, sel.n * sizeof *s);
    if (ign.n)
        memcpy(ig, ign.items, ign.n * sizeof *ig);
    *rs = (RuleSelect){s, (int)sel.n, ig, (int)ign.n, NULL, 0, 0};
    rs->contexts = g->has_contexts ? g->contexts : c ? c->contexts : 0;
    VEC_FREE(&sel);
    VEC_FREE(&ign);
}

/*
 * Reads the configuration at abs; pyproject says whether its table is
 * [tool.sessionlint].  NULL when a pyproject.toml has no such table, or on
 * an error (cs->error set).
 */
static Config *load(ConfigSet *cs, const char *abs, int pyproject)
{
    Config *c = arena_alloc(cs->a, sizeof *c);
    c->path = project_shown_path(cs->a, cs->cwd, abs);
    c->dir = project_abspath(cs->a, abs, "..");
    c->fastapi.major = c->sqlalchemy.major = -1;
    size_t n;
    char *text = slurp(cs, abs, c->path, &n);
    if (!text)
        return NULL;
    TomlError err;
    const TomlValue *root = toml_parse(cs->a, text, n, &err);
    if (!root && pyproject && !mentions(text, n, "sessionlint"))
        return NULL; /* another tool's file, in TOML this reader does not take: not ours */
    if (!root)
        return fail(cs, c->path, "%d:%d: %s", err.line, err.col, err.msg), NULL;
    const TomlValue *t = root;
    Reading r = {cs, c, ""};
    const char *outer = "";
    if (pyproject) {
        const TomlKeyVal *tool = toml_entry(root, "tool");
        const TomlKeyVal *sl =
            tool && tool->val->type == TOML_TABLE ? toml_entry(tool->val, "sessionlint") : NULL;
        if (!sl)
            return NULL;
        if (sl->val->type != TOML_TABLE)
            return fail(cs, c->path, "%d: tool.sessionlint must be a table, not %s", sl->line,
                        toml_type_name(sl->val->type)),
                   NULL;
        t = sl->val;
        r.section = "[tool.sessionlint] ";
        outer = "tool.sessionlint.";
        c->where = arena_printf(cs->a, "%s [tool.sessionlint]", c->path);
    } else {
        c->where = c->path;
    }
    for (int i = 0; i < t->v.tab.n; i++)
        if (!config_key(&r, &t->v.tab.kv[i], outer))
            return NULL;
    merge_select(cs, c);
    return c;
}

/* ---- the set ---- */

static WalkIgnore *cli_globs(ConfigSet *cs, const char *const *pats, int n)
{
    return n ? globs(cs->a, pats, n) : NULL;
}

ConfigSet *config_new(const ConfigArgs *args)
{
    ConfigSet *cs = xcalloc(1, sizeof *cs);
    cs->a = arena_new();
    cs->tmp = arena_new();
    cs->args = *args;
    char *cwd = getcwd(NULL, 0);
    cs->cwd = arena_strndup(cs->a, cwd ? cwd : "/", strlen(cwd ? cwd : "/"));
    free(cwd);
    cs->cli_exclude = cli_globs(cs, args->exclude, args->nexclude);
    cs->cli_extend_exclude = cli_globs(cs, args->extend_exclude, args->nextend_exclude);
    merge_select(cs, NULL);
    if (args->file && !args->no_config) {
        const char *abs = project_abspath(cs->a, cs->cwd, args->file);
        const char *base = strrchr(abs, '/') + 1;
        cs->forced = load(cs, abs, !strcmp(base, "pyproject.toml"));
        if (!cs->forced && !cs->error)
            fail(cs, args->file, " no [tool.sessionlint] table in this pyproject.toml");
    }
    return cs;
}

void config_free(ConfigSet *cs)
{
    if (!cs)
        return;
    free(cs->folders);
    arena_free(cs->a);
    arena_free(cs->tmp);
    free(cs);
}

const char *config_error(const ConfigSet *cs) { return cs->error; }

const char *config_path(const Config *c) { return c->path; }

static unsigned long hash_str(const char *s)
{
    unsigned long h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

/* The slot of folder dir in the hash (empty if it is not there). */
static Folder *folder_slot(ConfigSet *cs, const char *dir)
{
    size_t i = hash_str(dir) & (cs->nfolders - 1);
    while (cs->folders[i].dir && strcmp(cs->folders[i].dir, dir))
        i = (i + 1) & (cs->nfolders - 1);
    return &cs->folders[i];
}

static void remember(ConfigSet *cs, const char *dir, Config *c)
{
    if (2 * (cs->used + 1) > cs->nfolders) {
        Folder *old = cs->folders;
        size_t n = cs->nfolders;
        cs->nfolders = n ? 2 * n : 64;
        cs->folders = xcalloc(cs->nfolders, sizeof *cs->folders);
        for (size_t i = 0; i < n; i++)
            if (old[i].dir)
                *folder_slot(cs, old[i].dir) = old[i];
        free(old);
    }
    Folder *f = folder_slot(cs, dir);
    if (!f->dir) {
        cs->used++;
        f->dir = arena_strndup(cs->a, dir, strlen(dir)); /* dir may be in tmp */
    }
    f->config = c;
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The configuration file of dir itself, loaded; NULL (and *found 0) if none. */
static Config *own_config(ConfigSet *cs, const char *dir, int *found)
{
    static const char *const names[] = {".sessionlint.toml", "sessionlint.toml", "pyproject.toml"};
    *found = 0;
    for (int i = 0; i < 3 && !cs->error; i++) {
        const char *p = arena_printf(cs->tmp, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", names[i]);
        if (!is_file(p))
            continue;
        Config *c = load(cs, arena_strndup(cs->a, p, strlen(p)), i == 2);
        if (c || cs->error) {
            *found = 1;
            return c;
        }
    }
    return NULL;
}

/* The configuration governing folder dir (absolute): its own, or its
 * parent's.  Every folder on the way is remembered. */
static Config *folder_config(ConfigSet *cs, const char *dir)
{
    VEC(const char *) path = {0};
    Config *c = NULL;
    for (const char *d = dir;;) {
        if (cs->nfolders) {
            Folder *f = folder_slot(cs, d);
            if (f->dir) {
                c = f->config;
                break;
            }
        }
        VEC_PUSH(&path, d);
        int found;
        c = own_config(cs, d, &found);
        if (found || !strcmp(d, "/") || cs->error)
            break;
        d = project_abspath(cs->tmp, d, "..");
    }
    for (size_t i = 0; i < path.n && !cs->error; i++)
        remember(cs, path.items[i], c);
    VEC_FREE(&path);
    return cs->error ? NULL : c;
}

/* The absolute folder of path: itself if it is a folder, else its parent. */
static const char *folder_of(ConfigSet *cs, const char *abs)
{
    struct stat st;
    if (stat(abs, &st) == 0 && S_ISDIR(st.st_mode))
        return abs;
    return project_abspath(cs->tmp, abs, "..");
}

const Config *config_for(ConfigSet *cs, const char *path)
{
    if (cs->args.no_config || cs->error)
        return NULL;
    if (cs->forced)
        return cs->forced;
    arena_reset(cs->tmp);
    return folder_config(cs, folder_of(cs, project_abspath(cs->tmp, cs->cwd, path)));
}

void config_facts(const Config *c, ProjectFacts *f)
{
    if (!c)
        return;
    if (f->fastapi.major < 0 && c->fastapi.major >= 0) {
        f->fastapi = c->fastapi;
        f->fastapi_from = c->where;
    }
    if (f->sqlalchemy.major < 0 && c->sqlalchemy.major >= 0) {
        f->sqlalchemy = c->sqlalchemy;
        f->sqlalchemy_from = c->where;
    }
    if (f->database == DB_UNKNOWN)
        f->database = c->database;
    if (!f->model && c->model)
        f->model = c->model;
}

/*
 * Does ig (relative to folder base) match abs, or a folder between root
 * (excluded) and abs?  All paths absolute.
 */
static int matches(const WalkIgnore *ig, const char *base, const char *abs, const char *root)
{
    size_t nb = strlen(base), nr = strlen(root), n = strlen(abs);
    if (!strcmp(base, "/"))
        nb = 0;
    if (strncmp(abs, base, nb) || (abs[nb] != '/' && nb))
        return 0; /* not under the configuration's folder */
    char *buf = xmalloc(n + 1);
    memcpy(buf, abs, n + 1);
    int hit = 0;
    for (size_t end = n; end > nb && end > nr && !hit; end--) {
        if (end < n && buf[end] != '/')
            continue;
        buf[end] = 0;
        hit = walk_ignore_match(ig, buf + nb + 1, end < n) == WALK_IGNORED;
    }
    free(buf);
    return hit;
}

int config_excluded(ConfigSet *cs, const char *path, const char *root)
{
    const Config *c = config_for(cs, path); /* first: it resets tmp */
    const char *abs = project_abspath(cs->tmp, cs->cwd, path);
    const char *top = project_abspath(cs->tmp, cs->cwd, root);
    if (c && c->exclude && !cs->args.nexclude && matches(c->exclude, c->dir, abs, top))
        return 1;
    if (c && c->extend_exclude && matches(c->extend_exclude, c->dir, abs, top))
        return 1;
    if (cs->cli_exclude && matches(cs->cli_exclude, cs->cwd, abs, top))
        return 1;
    return cs->cli_extend_exclude && matches(cs->cli_extend_exclude, cs->cwd, abs, top);
}

const RuleSelect *config_select(ConfigSet *cs, const char *path)
{
    const Config *c = config_for(cs, path);
    if (!c)
        return &cs->cli_sel;
    if (!c->npfi)
        return &c->sel;
    const char *abs = project_abspath(cs->tmp, cs->cwd, path);
    VEC(const char *) never = {0};
    for (int i = 0; i < c->npfi; i++) {
        const PerFile *pf = &c->pfi[i];
        if (matches(pf->glob, c->dir, abs, c->dir) == !pf->negated)
            for (int k = 0; k < pf->codes.n; k++)
                VEC_PUSH(&never, pf->codes.items[k]);
    }
    if (!never.n)
        return &c->sel;
    RuleSelect *rs = arena_alloc(cs->a, sizeof *rs);
    *rs = c->sel;
    const char **nv = arena_alloc(cs->a, never.n * sizeof *nv);
    memcpy(nv, never.items, never.n * sizeof *nv);
    rs->never = nv;
    rs->nnever = (int)never.n;
    VEC_FREE(&never);
    return rs;
}
