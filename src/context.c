/*
 * context.c - execution contexts (see context.h): folder and file names
 * that say what a file is, and the roles fastapi.c gives functions.
 */
#include "context.h"

#include <string.h>

#include "model.h"

static const char *const names[] = {
#define X(e, name, phrase) name,
    CONTEXT_LIST(X)
#undef X
};

static const char *const phrases[] = {
#define X(e, name, phrase) phrase,
    CONTEXT_LIST(X)
#undef X
};

const char *context_name(int ctx) { return ctx >= 0 && ctx < CTX__COUNT ? names[ctx] : "?"; }

const char *context_phrase(int ctx)
{
    return ctx >= 0 && ctx < CTX__COUNT ? phrases[ctx] : "code";
}

int context_parse(const char *name)
{
    for (int i = CTX_UNKNOWN + 1; name && i < CTX__COUNT; i++)
        if (!strcmp(names[i], name))
            return i;
    return -1;
}

/* Folder names, by the context they give what is below them. */
static const char *const test_dirs[] = {"test", "tests", "testing", "unittests", "e2e", NULL};
static const char *const example_dirs[] = {
    "docs", "doc", "docs_src", "documentation", "examples", "example", "tutorial",
    "tutorials", "demo", "demos", "samples", "sample", "cookbook", "playground", NULL};
static const char *const script_dirs[] = {
    "scripts", "script", "load_testing", "loadtest", "loadtests", "load_tests", "locust",
    "benchmarks", "benchmark", NULL};
/* ... only at the top of the project: a package's own tools/ is its code */
static const char *const top_script_dirs[] = {"tools", "tooling", "bin", "hack", "devtools",
                                              "bench", "perf", NULL};
static const char *const migration_dirs[] = {"migrations", "migration", "alembic", NULL};

static int in_names(const char *s, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == n && !strncmp(s, *list, n))
            return 1;
    return 0;
}

static int starts(const char *s, size_t n, const char *prefix)
{
    size_t m = strlen(prefix);
    return n >= m && !strncmp(s, prefix, m);
}

static int ends(const char *s, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    return n >= m && !strncmp(s + n - m, suffix, m);
}

/* The context one folder name gives (top: the first folder of the path),
 * or -1. */
static int dir_context(const char *s, size_t n, int top, int named_tests)
{
    if (top && in_names(s, n, top_script_dirs))
        return CTX_SCRIPT;
    if (in_names(s, n, test_dirs) ||
        (named_tests && (starts(s, n, "test_") || ends(s, n, "_tests") || ends(s, n, "_test"))))
        return CTX_TEST;
    if (in_names(s, n, example_dirs))
        return CTX_EXAMPLE;
    if (in_names(s, n, script_dirs))
        return CTX_SCRIPT;
    if (in_names(s, n, migration_dirs))
        return CTX_MIGRATION;
    return -1;
}

/* The context a file name gives, or -1. */
static int file_context(const char *s, size_t n)
{
    if (ends(s, n, ".pyi"))
        n -= 4;
    else if (ends(s, n, ".py"))
        n -= 3;
    if (starts(s, n, "test_") || ends(s, n, "_test") || (n == 5 && !strncmp(s, "tests", 5)) ||
        (n == 8 && !strncmp(s, "conftest", 8)))
        return CTX_TEST;
    if (n == 6 && !strncmp(s, "manage", 6))
        return CTX_CLI;
    return -1;
}

int context_of_path(const char *relpath) { return context_of_path_as(relpath, 1); }

int context_of_path_as(const char *relpath, int named_tests)
{
    /* the strongest fact wins: test, then example, then script and cli */
    static const int rank[CTX__COUNT] = {[CTX_TEST] = 4, [CTX_EXAMPLE] = 3, [CTX_SCRIPT] = 2,
                                         [CTX_MIGRATION] = 1, [CTX_CLI] = 1};
    int best = -1;
    for (const char *p = relpath; p && *p;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        int c = slash ? dir_context(p, n, p == relpath, named_tests) : file_context(p, n);
        if (c >= 0 && (best < 0 || rank[c] > rank[best]))
            best = c;
        p = slash ? slash + 1 : NULL;
    }
    return best;
}

/*
 * Is the module-level line part of a command-line run: inside its
 * `__main__` block, or anywhere in a script (a module with a `__main__`
 * block that no other module of the project imports), whose module-level
 * code runs once, for that run?
 */
static int in_main_block(const ContextFile *cf, int line)
{
    const NodeList *body = &cf->module->v.Module.body;
    int script = 0, here = 0;
    for (int i = 0; i < body->n; i++) {
        const Node *st = body->items[i];
        if (fastapi_is_main_guard(st))
            script = 1;
        if (st->lineno <= line && line <= ast_end_lineno(st))
            here = fastapi_is_main_guard(st) ? 2 : 1;
    }
    return here == 2 || (here == 1 && script && !fastapi_module_used(cf->fastapi, cf->module));
}

/* Is module an Alembic revision (module-level `revision = ...` and
 * `down_revision = ...`), wherever its folder is? */
static int alembic_revision(const Node *module)
{
    int found = 0;
    const NodeList *body = &module->v.Module.body;
    for (int i = 0; i < body->n; i++) {
        const Node *target, *value;
        if (!ast_single_assign(body->items[i], &target, &value) || target->kind != NODE_Name)
            continue;
        found |= !strcmp(target->v.Name.id, "revision") ? 1
                 : !strcmp(target->v.Name.id, "down_revision") ? 2 : 0;
    }
    return found == 3;
}

int context_at(const ContextFile *cf, int line, const Node **func)
{
    const Node *inner = NULL;
    int roles = 0, fixture = 0;
    for (int i = 0; i < cf->nfuncs; i++) { /* source order: the innermost comes last */
        const Node *f = cf->funcs[i];
        if (f->lineno > line)
            break;
        if (line > ast_end_lineno(f))
            continue;
        inner = f;
        roles |= fastapi_role(cf->fastapi, f);
        fixture |= scope_decorated_by(cf->scopes, f, model_is_fixture);
    }
    if (func)
        *func = inner;
    if (cf->path_ctx == CTX_TEST || cf->path_ctx == CTX_EXAMPLE || fixture)
        return fixture ? CTX_TEST : cf->path_ctx;
    if (roles & (FASTAPI_REQUEST | FASTAPI_ENDPOINT | FASTAPI_PROVIDER | FASTAPI_PROVIDER_FN |
                 FASTAPI_MIDDLEWARE))
        return CTX_REQUEST;
    if (cf->path_ctx >= 0) /* scripts/, migrations */
        return cf->path_ctx;
    if (alembic_revision(cf->module))
        return CTX_MIGRATION;
    if ((roles & FASTAPI_CLI) || (!inner && in_main_block(cf, line)))
        return CTX_CLI;
    return CTX_SERVICE;
}
