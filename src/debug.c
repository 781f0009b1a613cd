/*
 * debug.c - `sessionlint debug tokens`, `debug ast` and `debug cfg`.  Each
 * file gets its own arena, freed before the next, so a list of thousands of
 * files runs in the memory of the largest.
 */
#include "debug.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ast.h"
#include "cfg.h"
#include "diag.h"
#include "lex.h"
#include "model.h"
#include "parse.h"
#include "project.h"
#include "source.h"

/* Token text in single quotes, escaped like a Python str repr. */
static void put_text(FILE *out, const char *s, size_t n)
{
    fputc('\'', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == '\'')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c == '\r')
            fputs("\\r", out);
        else if (c == '\t')
            fputs("\\t", out);
        else if (c < 0x20 || c == 0x7F)
            fprintf(out, "\\x%02x", c);
        else
            fputc(c, out);
    }
    fputc('\'', out);
}

int debug_tokens(FILE *out, const char *path)
{
    Arena *a = arena_new();
    Source src;
    SourceError err = {0};
    int status = 0;
    SourceStatus st = source_load(a, path, &src, &err);
    if (st == SRC_IO_ERROR) {
        fprintf(stderr, "sessionlint: %s: %s\n", path, err.msg);
        status = 2;
    } else if (st == SRC_DECODE_ERROR) {
        fprintf(out, "error: line %d: %s\n", err.line, err.msg);
        status = 1;
    } else {
        Lexed lx;
        lex_source(a, &src, &lx);
        for (int i = 0; i < lx.ntoks; i++) {
            const Token *t = &lx.toks[i];
            int eline, ecol;
            lex_end(&src, t, &eline, &ecol);
            fprintf(out, "%d:%d-%d:%d %s ", t->line, lex_col(&src, t), eline, ecol,
                    lex_kind_name(t->kind));
            put_text(out, src.text + t->off, t->len);
            if (t->kind == TOK_ERRORTOKEN && lex_error_message(&lx, t))
                fprintf(out, " (%s)", lex_error_message(&lx, t));
            fputc('\n', out);
        }
    }
    arena_free(a);
    return status;
}

/* The dump of one file after its header; 2 if it cannot be read. */
static int ast_one(FILE *out, const char *path)
{
    Arena *a = arena_new();
    Source src;
    SourceError err = {0};
    int status = 0;
    SourceStatus st = source_load(a, path, &src, &err);
    if (st == SRC_IO_ERROR) {
        fprintf(stderr, "sessionlint: %s: %s\n", path, err.msg);
        status = 2;
    } else if (st == SRC_DECODE_ERROR) {
        fprintf(out, "error: line %d\n", err.line);
    } else {
        Lexed lx;
        FindingList errs = {0};
        ParseResult r = parse_module(a, &src, &lx, &errs);
        if (r.nerrors)
            fprintf(out, "error: line %d\n", r.error_line);
        else
            ast_dump(out, r.module);
        diag_free(&errs);
    }
    arena_free(a);
    return status;
}

int debug_ast(FILE *out, const char *const *paths, size_t n)
{
    int status = 0;
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "# %s\n", paths[i]);
        if (ast_one(out, paths[i]))
            status = 2;
    }
    return status;
}

/* ---- debug cfg ---- */

/* A function to dump: its node, its dotted name, its place among the
 * functions found (to keep the sort stable). */
typedef struct CfgFn {
    Node *fn;
    const char *name;
    size_t seq;
} CfgFn;

typedef VEC(CfgFn) CfgFns;

/* A node still to visit and the dotted name of the def or class around it. */
typedef struct CfgVisit {
    Node *n;
    const char *prefix;
} CfgVisit;

typedef struct CfgWalk {
    Arena *a;
    VEC(CfgVisit) todo;
    const char *prefix; /* for push_kid */
} CfgWalk;

static void push_kid(Node *parent, Node *child, void *arg)
{
    CfgWalk *w = arg;
    VEC_PUSH(&w->todo, ((CfgVisit){child, w->prefix}));
}

static void push_nodes(CfgWalk *w, NodeList l, const char *prefix)
{
    for (int i = 0; i < l.n; i++)
        if (l.items[i])
            VEC_PUSH(&w->todo, ((CfgVisit){l.items[i], prefix}));
}

static const char *dotted(Arena *a, const char *prefix, const char *name)
{
    size_t np = strlen(prefix), nn = strlen(name);
    char *s = arena_alloc(a, np + nn + 2);
    if (np) {
        memcpy(s, prefix, np);
        s[np++] = '.';
    }
    memcpy(s + np, name, nn + 1);
    return s;
}

/* What a def, class or lambda evaluates where it stands keeps the outer
 * name; its body gets its own.  Returns 0 for other nodes. */
static int push_scope(CfgWalk *w, CfgFns *fns, Node *n, const char *prefix)
{
    const char *name;
    switch (n->kind) {
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef: {
        struct AST_FunctionDef *d = &n->v.FunctionDef;
        struct AST_AsyncFunctionDef *ad = &n->v.AsyncFunctionDef;
        int async = n->kind == NODE_AsyncFunctionDef;
        name = dotted(w->a, prefix, async ? ad->name : d->name);
        push_nodes(w, async ? ad->decorator_list : d->decorator_list, prefix);
        VEC_PUSH(&w->todo, ((CfgVisit){async ? ad->args : d->args, prefix}));
        push_nodes(w, async ? ad->body : d->body, name);
        break;
    }
    case NODE_Lambda:
        name = dotted(w->a, prefix, "<lambda>");
        VEC_PUSH(&w->todo, ((CfgVisit){n->v.Lambda.args, prefix}));
        VEC_PUSH(&w->todo, ((CfgVisit){n->v.Lambda.body, name}));
        break;
    case NODE_ClassDef:
        name = dotted(w->a, prefix, n->v.ClassDef.name);
        push_nodes(w, n->v.ClassDef.decorator_list, prefix);
        push_nodes(w, n->v.ClassDef.bases, prefix);
        push_nodes(w, n->v.ClassDef.keywords, prefix);
        push_nodes(w, n->v.ClassDef.body, name);
        return 1;
    default:
        return 0;
    }
    VEC_PUSH(fns, ((CfgFn){n, name, fns->n}));
    return 1;
}

static int cmp_fn(const void *x, const void *y)
{
    const CfgFn *a = x, *b = y;
    if (a->fn->lineno != b->fn->lineno)
        return a->fn->lineno < b->fn->lineno ? -1 : 1;
    if (a->fn->col_offset != b->fn->col_offset)
        return a->fn->col_offset < b->fn->col_offset ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Every function and lambda of the module, in source order.  An explicit
 * stack: expressions can nest far deeper than statements. */
static void find_functions(Arena *a, Node *module, CfgFns *fns)
{
    CfgWalk w = {a, {0}, ""};
    VEC_PUSH(&w.todo, ((CfgVisit){module, ""}));
    while (w.todo.n) {
        CfgVisit v = w.todo.items[--w.todo.n];
        if (!v.n || push_scope(&w, fns, v.n, v.prefix))
            continue;
        w.prefix = v.prefix;
        ast_children(v.n, push_kid, &w);
    }
    VEC_FREE(&w.todo);
    if (fns->n)
        qsort(fns->items, fns->n, sizeof *fns->items, cmp_fn);
}

/* One graph, built in a scratch arena reset afterwards; 1 if it is broken. */
static int cfg_one(FILE *out, Arena *scratch, Node *fn, const Source *src)
{
    char why[200];
    int bad = 0;
    Cfg *g = cfg_build(scratch, fn);
    cfg_dump(out, g, src);
    if (g->truncated)
        fputs("# truncated\n", out);
    if (cfg_verify(g, why, sizeof why)) {
        fprintf(out, "error: cfg_verify: %s\n", why);
        bad = 1;
    }
    arena_reset(scratch);
    return bad;
}

/* The graphs of one file; 2 if it cannot be read, 1 if a graph is broken. */
static int cfg_file(FILE *out, const char *path)
{
    Arena *a = arena_new(), *scratch = arena_new();
    Source src;
    SourceError err = {0};
    int status = 0;
    SourceStatus st = source_load(a, path, &src, &err);
    if (st == SRC_IO_ERROR) {
        fprintf(stderr, "sessionlint: %s: %s\n", path, err.msg);
        status = 2;
    } else if (st == SRC_DECODE_ERROR) {
        fprintf(out, "error: line %d: %s\n", err.line, err.msg);
    } else {
        Lexed lx;
        FindingList errs = {0};
        CfgFns fns = {0};
        ParseResult r = parse_module(a, &src, &lx, &errs);
        if (r.nerrors)
            fprintf(out, "error: line %d\n", r.error_line);
        fputs("# module\n", out);
        status |= cfg_one(out, scratch, r.module, &src);
        find_functions(a, r.module, &fns);
        for (size_t i = 0; i < fns.n; i++) {
            fprintf(out, "# %s (line %d)\n", fns.items[i].name, fns.items[i].fn->lineno);
            status |= cfg_one(out, scratch, fns.items[i].fn, &src);
        }
        VEC_FREE(&fns);
        diag_free(&errs);
    }
    arena_free(scratch);
    arena_free(a);
    return status;
}

int debug_cfg(FILE *out, const char *const *paths, size_t n)
{
    int status = 0;
    for (size_t i = 0; i < n; i++) {
        if (n > 1)
            fprintf(out, "# file: %s\n", paths[i]);
        int st = cfg_file(out, paths[i]);
        if (st > status)
            status = st;
    }
    return status;
}

/* ---- debug project ---- */

static void put_version(FILE *out, const char *name, const Version *v, const char *from)
{
    char text[64];
    if (v->major < 0) {
        fprintf(out, "%s unknown\n", name);
        return;
    }
    project_version_text(v, text, sizeof text);
    fprintf(out, "%s %s (%s)\n", name, text, from ? from : "?");
}

static void put_names(FILE *out, const char *label, const char *const *names, int n)
{
    if (!n)
        return;
    fprintf(out, "; %s", label);
    for (int i = 0; i < n; i++)
        fprintf(out, "%s%s", i ? ", " : " ", names[i]);
}

void debug_project(FILE *out, const char *config, const ProjectFacts *f)
{
    static const char *const twice[] = {"harmless", "idempotent", "harmful"};
    static const char *const after[] = {"reopens", "raises", "shared"};
    fprintf(out, "config %s\n", config ? config : "none");
    put_version(out, "fastapi", &f->fastapi, f->fastapi_from);
    put_version(out, "sqlalchemy", &f->sqlalchemy, f->sqlalchemy_from);
    if (f->flask_sqlalchemy.major >= 0)
        put_version(out, "flask-sqlalchemy", &f->flask_sqlalchemy, f->flask_sqlalchemy_from);
    if (f->psycopg2.major >= 0)
        put_version(out, "psycopg2", &f->psycopg2, f->psycopg2_from);
    fprintf(out, "database %s\n", f->database == DB_COCKROACHDB  ? "cockroachdb"
                                  : f->database == DB_POSTGRESQL ? "postgresql"
                                                                 : "unknown");
    for (int i = 0; i < f->nprefork; i++) {
        const ProjectPrefork *p = &f->prefork[i];
        fprintf(out, "prefork %s%s%s%s (%s:%d: %s)%s%s\n", p->module, p->factory ? ":" : "",
                p->factory ? p->factory : "", p->factory ? "()" : "", p->from, p->line, p->why,
                p->hooks ? "; hooks " : "", p->hooks ? p->hooks : "");
    }
    for (int i = 0; f->model && i < f->model->n; i++) {
        const ModelUserRes *r = &f->model->res[i];
        fprintf(out, "resource %s (%s)", r->name, r->info.noun);
        put_names(out, "acquire", r->acquire, r->nacquire);
        put_names(out, "release-function", r->release_fn, r->nrelease_fn);
        put_names(out, "release-method", r->release, r->nrelease);
        put_names(out, "use", r->use, r->nuse);
        fprintf(out, "; release-twice %s; after-release %s; with-releases %s\n",
                twice[r->info.twice % 3], after[r->info.after % 3],
                r->info.with_releases ? "true" : "false");
    }
}
