/*
 * fixgen.c - building fixes on Python source (see fixgen.h).
 *
 * Edits are whole lines wherever the layout matters (inserting `try:`,
 * indenting a block, deleting a statement), so that comments, blank lines
 * and the quoting of strings stay as they were; the only text a fix writes
 * is its new keywords, the file's own indentation, and names copied from
 * the source.
 */
#include "fixgen.h"

#include <stdlib.h>
#include <string.h>

#include "lex.h"

#define FIXGEN_MAX_DEPTH 200 /* statement nesting followed */

void fixgen_init(FixGen *g, Arena *a, const Source *src)
{
    memset(g, 0, sizeof *g);
    g->a = a;
    g->src = src;
}

static void add(FixGen *g, size_t start, size_t end, const char *content, int shared)
{
    if (start > end || end > g->src->len) {
        g->failed = 1;
        return;
    }
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 8;
        g->edits = xrealloc(g->edits, (size_t)g->cap * sizeof *g->edits);
    }
    g->edits[g->n++] = (FixEdit){start, end, arena_strndup(g->a, content, strlen(content)), shared};
}

void fixgen_edit(FixGen *g, size_t start, size_t end, const char *content)
{
    add(g, start, end, content, 0);
}

void fixgen_shared(FixGen *g, size_t start, size_t end, const char *content)
{
    add(g, start, end, content, 1);
}

void fixgen_fail(FixGen *g) { g->failed = 1; }

static int cmp_edit(const void *pa, const void *pb)
{
    const FixEdit *a = pa, *b = pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return (a->end > b->end) - (a->end < b->end);
}

const Fix *fixgen_done(FixGen *g, int applicability, const char *message)
{
    Fix *f = NULL;
    if (!g->failed && g->n) {
        qsort(g->edits, (size_t)g->n, sizeof *g->edits, cmp_edit);
        int ok = 1;
        for (int i = 1; i < g->n && ok; i++) /* overlapping, or two at one place */
            ok = g->edits[i].start >= g->edits[i - 1].end &&
                 g->edits[i].start != g->edits[i - 1].start;
        if (ok) {
            f = arena_alloc(g->a, sizeof *f);
            f->applicability = applicability;
            f->message = message;
            f->edits = arena_alloc(g->a, (size_t)g->n * sizeof *f->edits);
            memcpy(f->edits, g->edits, (size_t)g->n * sizeof *f->edits);
            f->nedits = g->n;
        }
    }
    free(g->edits);
    g->edits = NULL;
    g->n = g->cap = 0;
    return f;
}

/* ------------------------------------------------------------ positions */

size_t fixgen_line_start(const Source *src, int line)
{
    if (line < 1)
        return 0;
    if (line > src->nlines)
        return src->len;
    return src->lines[line - 1];
}

size_t fixgen_off(const Source *src, int line, int col)
{
    if (line > src->nlines)
        return src->len;
    size_t o = fixgen_line_start(src, line) + (size_t)(col < 0 ? 0 : col);
    return o > src->len ? src->len : o;
}

size_t fixgen_start(const Source *src, const Node *n) { return fixgen_off(src, n->lineno, n->col_offset); }

size_t fixgen_end(const Source *src, const Node *n)
{
    return fixgen_off(src, ast_end_lineno(n), n->end_col_offset);
}

const char *fixgen_indent(Arena *a, const Source *src, int line)
{
    size_t len;
    const char *t = source_line(src, line, &len);
    size_t k = 0;
    while (k < len && (t[k] == ' ' || t[k] == '\t' || t[k] == '\f'))
        k++;
    return arena_strndup(a, t, k);
}

const char *fixgen_text(Arena *a, const Source *src, const Node *n)
{
    size_t s = fixgen_start(src, n), e = fixgen_end(src, n);
    return arena_strndup(a, src->text + s, e > s ? e - s : 0);
}

/* ------------------------------------------------------------ statements */

typedef struct Find {
    const Node *target;
    FixBlock best;
    int found, depth;
} Find;

static void contains_kid(Node *parent, Node *n, void *arg)
{
    Find *f = arg;
    (void)parent;
    if (f->found || f->depth > FIXGEN_MAX_DEPTH * 4)
        return;
    if (n == f->target) {
        f->found = 1;
        return;
    }
    f->depth++;
    ast_children(n, contains_kid, f);
    f->depth--;
}

/* Is target n itself or below it? */
static int contains(const Node *n, const Node *target)
{
    if (n == target)
        return 1;
    Find f = {target, {0}, 0, 0};
    ast_children((Node *)n, contains_kid, &f);
    return f.found;
}

static int in_list(Find *f, const NodeList *l, int owner_line, const Node *owner,
                   const Node *func);

/* Searches the blocks of statement st; 1 when the target is in one. */
static int in_bodies(Find *f, const Node *st, const Node *func)
{
    int line = st->lineno;
    switch (st->kind) {
    case NODE_FunctionDef: case NODE_AsyncFunctionDef:
        return in_list(f, &st->v.FunctionDef.body, line, st, st);
    case NODE_ClassDef: return in_list(f, &st->v.ClassDef.body, line, st, func);
    case NODE_For: case NODE_AsyncFor:
        return in_list(f, &st->v.For.body, line, st, func) ||
               in_list(f, &st->v.For.orelse, line, st, func);
    case NODE_While:
        return in_list(f, &st->v.While.body, line, st, func) ||
               in_list(f, &st->v.While.orelse, line, st, func);
    case NODE_If:
        return in_list(f, &st->v.If.body, line, st, func) ||
               in_list(f, &st->v.If.orelse, line, st, func);
    case NODE_With: case NODE_AsyncWith:
        return in_list(f, &st->v.With.body, line, st, func);
    case NODE_Try: case NODE_TryStar:
        if (in_list(f, &st->v.Try.body, line, st, func))
            return 1;
        for (int i = 0; i < st->v.Try.handlers.n; i++) {
            const Node *h = st->v.Try.handlers.items[i];
            if (in_list(f, &h->v.ExceptHandler.body, h->lineno, h, func))
                return 1;
        }
        return in_list(f, &st->v.Try.orelse, line, st, func) ||
               in_list(f, &st->v.Try.finalbody, line, st, func);
    case NODE_Match:
        for (int i = 0; i < st->v.Match.cases.n; i++) {
            const Node *c = st->v.Match.cases.items[i];
            if (in_list(f, &c->v.match_case.body, c->v.match_case.pattern->lineno, st, func))
                return 1;
        }
        return 0;
    default: return 0;
    }
}

static int in_list(Find *f, const NodeList *l, int owner_line, const Node *owner,
                   const Node *func)
{
    if (f->depth > FIXGEN_MAX_DEPTH)
        return 0;
    f->depth++;
    for (int i = 0; i < l->n && !f->found; i++) {
        const Node *st = l->items[i];
        if (in_bodies(f, st, func))
            break;
        if (contains(st, f->target)) {
            f->found = 1;
            f->best = (FixBlock){l, i, owner_line, owner, func};
        }
    }
    f->depth--;
    return f->found;
}

int fixgen_stmt(const Node *module, const Node *node, FixBlock *out)
{
    Find f = {node, {0}, 0, 0};
    if (!module || module->kind != NODE_Module)
        return 0;
    in_list(&f, &module->v.Module.body, 0, NULL, NULL);
    if (f.found)
        *out = f.best;
    return f.found;
}

int fixgen_alone(const Source *src, const Node *st, int *comment)
{
    size_t len;
    const char *t = source_line(src, st->lineno, &len);
    for (int i = 0; i < st->col_offset; i++)
        if ((size_t)i >= len || (t[i] != ' ' && t[i] != '\t' && t[i] != '\f'))
            return 0;
    t = source_line(src, ast_end_lineno(st), &len);
    size_t k = (size_t)st->end_col_offset;
    while (k < len && (t[k] == ' ' || t[k] == '\t' || t[k] == '\f'))
        k++;
    if (comment)
        *comment = k < len && t[k] == '#';
    return k == len || t[k] == '#';
}

/* The step from the indentation of header line h to that of statement st,
 * when st starts its own line below h and its indentation extends h's. */
static const char *step(Arena *a, const Source *src, int h, const Node *st)
{
    if (!st || st->lineno <= h)
        return NULL;
    const char *hi = fixgen_indent(a, src, h), *si = fixgen_indent(a, src, st->lineno);
    size_t hn = strlen(hi), sn = strlen(si);
    if ((size_t)st->col_offset != sn || sn <= hn || strncmp(hi, si, hn))
        return NULL;
    return si + hn;
}

/* The first step any block of l shows, depth first. */
static const char *first_step(Arena *a, const Source *src, const NodeList *l, int depth)
{
    for (int i = 0; i < l->n && depth < FIXGEN_MAX_DEPTH; i++) {
        const Node *st = l->items[i];
        const NodeList *body = NULL;
        switch (st->kind) {
        case NODE_FunctionDef: case NODE_AsyncFunctionDef: body = &st->v.FunctionDef.body; break;
        case NODE_ClassDef: body = &st->v.ClassDef.body; break;
        case NODE_For: case NODE_AsyncFor: body = &st->v.For.body; break;
        case NODE_While: body = &st->v.While.body; break;
        case NODE_If: body = &st->v.If.body; break;
        case NODE_With: case NODE_AsyncWith: body = &st->v.With.body; break;
        case NODE_Try: case NODE_TryStar: body = &st->v.Try.body; break;
        default: break;
        }
        if (!body || !body->n)
            continue;
        const char *s = step(a, src, st->lineno, body->items[0]);
        if (!s)
            s = first_step(a, src, body, depth + 1);
        if (s)
            return s;
    }
    return NULL;
}

const char *fixgen_unit(Arena *a, const Source *src, const Node *module, const FixBlock *b)
{
    const char *s = b && b->owner_line && b->list->n ? step(a, src, b->owner_line, b->list->items[0])
                                                     : NULL;
    if (!s && module)
        s = first_step(a, src, &module->v.Module.body, 0);
    return s && *s ? s : "    ";
}

/* Marks in inside[] (indexed by line - from) the lines of [from, to] that
 * begin inside a token spanning lines (a triple-quoted string, a string
 * continued with a backslash). */
static void string_lines(const Source *src, int from, int to, unsigned char *inside)
{
    Arena *a = arena_new();
    Lexer *L = lex_open(a, src);
    for (int i = 0;; i++) {
        const Token *t = lex_at(L, i);
        if (t->kind == TOK_ENDMARKER || t->line > to)
            break;
        if (t->multiline) {
            int end, col;
            lex_end(src, t, &end, &col);
            for (int l = t->line + 1; l <= end && l <= to; l++)
                if (l >= from)
                    inside[l - from] = 1;
        }
        if (i % 256 == 255)
            lex_release(L, i - 16);
    }
    Lexed lx;
    lex_close(L, &lx);
    arena_free(a);
}

void fixgen_indent_lines(FixGen *g, int from, int to, const char *unit)
{
    if (from > to)
        return;
    unsigned char *inside = xcalloc((size_t)(to - from + 1), 1);
    string_lines(g->src, from, to, inside);
    for (int l = from; l <= to; l++) {
        size_t len;
        const char *t = source_line(g->src, l, &len);
        size_t k = strspn(t, " \t\f");
        if (inside[l - from] || k >= len)
            continue; /* in a string, or blank */
        size_t at = fixgen_line_start(g->src, l);
        fixgen_edit(g, at, at, unit);
    }
    free(inside);
}

void fixgen_delete_lines(FixGen *g, int from, int to)
{
    fixgen_edit(g, fixgen_line_start(g->src, from), fixgen_line_start(g->src, to + 1), "");
}

void fixgen_insert_lines(FixGen *g, int line, const char *text)
{
    size_t at = fixgen_line_start(g->src, line);
    for (int i = 0; i < g->n; i++)
        if (g->edits[i].start == at && g->edits[i].end == at) { /* the line's indentation */
            g->edits[i].content = arena_printf(g->a, "%s%s", text, g->edits[i].content);
            return;
        }
    if (at == g->src->len && g->src->len && g->src->text[g->src->len - 1] != '\n')
        fixgen_edit(g, at, at, arena_printf(g->a, "\n%s", text)); /* after a last line without \n */
    else
        fixgen_edit(g, at, at, text);
}

/* ---- scans of statements ---- */

/* What a scan looks for in statements, outside the functions and classes
 * they define (whose bodies are scopes and frames of their own). */
typedef enum ScanKind {
    SCAN_BINDS,    /* a binding of name */
    SCAN_EXITS,    /* return, or break/continue outside a loop of their own */
    SCAN_SUSPENDS, /* yield, await, async for, async with */
} ScanKind;

typedef struct Scan {
    int kind;         /* ScanKind */
    const char *name; /* SCAN_BINDS: the name */
    int found;
    int loops;        /* SCAN_EXITS: loops entered */
    int depth;
} Scan;

/* Does the node itself bind s->name? */
static int binds(const Scan *s, const Node *n)
{
    switch (n->kind) {
    case NODE_FunctionDef: case NODE_AsyncFunctionDef: return !strcmp(n->v.FunctionDef.name, s->name);
    case NODE_ClassDef: return !strcmp(n->v.ClassDef.name, s->name);
    case NODE_Name: return ast_ctx(n) != CTX_Load && !strcmp(n->v.Name.id, s->name);
    case NODE_alias: {
        const char *as = n->v.alias.asname ? n->v.alias.asname : n->v.alias.name;
        size_t k = strcspn(as, ".");
        return strlen(s->name) == k && !strncmp(as, s->name, k);
    }
    case NODE_Global: case NODE_Nonlocal:
        for (int i = 0; i < n->v.Global.names.n; i++)
            if (!strcmp(n->v.Global.names.items[i], s->name))
                return 1;
        return 0;
    case NODE_ExceptHandler: return n->v.ExceptHandler.name && !strcmp(n->v.ExceptHandler.name, s->name);
    case NODE_MatchAs: case NODE_MatchStar: return n->v.MatchAs.name && !strcmp(n->v.MatchAs.name, s->name);
    default: return 0;
    }
}

static void scan_kid(Node *parent, Node *n, void *arg)
{
    Scan *s = arg;
    (void)parent;
    if (s->found || s->depth > FIXGEN_MAX_DEPTH * 4)
        return;
    int own_scope = ast_is_def(n);
    if (s->kind == SCAN_BINDS) {
        s->found = binds(s, n);
    } else if (s->kind == SCAN_SUSPENDS) {
        s->found = n->kind == NODE_Yield || n->kind == NODE_YieldFrom || n->kind == NODE_Await ||
                   n->kind == NODE_AsyncFor || n->kind == NODE_AsyncWith;
    } else if (n->kind == NODE_Return || n->kind == NODE_Break || n->kind == NODE_Continue) {
        s->found = n->kind == NODE_Return || s->loops == 0;
    } else if (n->kind == NODE_For || n->kind == NODE_AsyncFor || n->kind == NODE_While) {
        /* the loop's own break and continue stay inside it; its else's do not */
        const NodeList *body = n->kind == NODE_While ? &n->v.While.body : &n->v.For.body;
        const NodeList *orelse = n->kind == NODE_While ? &n->v.While.orelse : &n->v.For.orelse;
        s->loops++;
        for (int i = 0; i < body->n; i++)
            scan_kid(n, body->items[i], s);
        s->loops--;
        for (int i = 0; i < orelse->n; i++)
            scan_kid(n, orelse->items[i], s);
        return;
    } else if (ast_category(n->kind) == CAT_EXPR) {
        return; /* expressions hold no return, break or continue */
    }
    if (s->found || own_scope)
        return;
    s->depth++;
    ast_children(n, scan_kid, s);
    s->depth--;
}

static int scan(int kind, const char *name, const NodeList *l, int from, int to)
{
    Scan s = {kind, name, 0, 0, 0};
    for (int i = from; i < to && !s.found; i++)
        scan_kid(NULL, l->items[i], &s);
    return s.found;
}

int fixgen_binds(const NodeList *l, int from, int to, const char *name)
{
    return scan(SCAN_BINDS, name, l, from, to);
}

int fixgen_exits(const NodeList *l, int from, int to)
{
    return scan(SCAN_EXITS, NULL, l, from, to);
}

int fixgen_suspends(const NodeList *l, int from, int to)
{
    return scan(SCAN_SUSPENDS, NULL, l, from, to);
}

/* ---- imports ---- */

/* Where a new import line goes: after the last import of the imports at
 * the top of the module (after its docstring), else before its first
 * statement (below a shebang or coding comment); a line number. */
static int import_line(const Node *module)
{
    const NodeList *b = &module->v.Module.body;
    int i = 0, last = 0;
    if (i < b->n && b->items[i]->kind == NODE_Expr &&
        b->items[i]->v.Expr.value->kind == NODE_Constant &&
        b->items[i]->v.Expr.value->v.Constant.value.kind == CONST_STR)
        last = ast_end_lineno(b->items[i++]); /* the docstring */
    for (; i < b->n && (b->items[i]->kind == NODE_Import || b->items[i]->kind == NODE_ImportFrom);
         i++)
        last = ast_end_lineno(b->items[i]);
    if (!last && b->n) { /* before the first statement, or its first decorator */
        const Node *st = b->items[0];
        int line = st->lineno;
        const NodeList *d = st->kind == NODE_ClassDef ? &st->v.ClassDef.decorator_list
                            : st->kind == NODE_FunctionDef || st->kind == NODE_AsyncFunctionDef
                                ? &st->v.FunctionDef.decorator_list
                                : NULL;
        for (int k = 0; d && k < d->n; k++)
            if (d->items[k]->lineno < line)
                line = d->items[k]->lineno;
        return line;
    }
    return last ? last + 1 : 1;
}

const char *fixgen_import(FixGen *g, const ScopeTable *t, const Scope *s, const Node *module,
                          const char *module_name, const char *name, const char *const *quals,
                          int n)
{
    const Binding *b = scope_lookup(t, s, name, NULL);
    if (b) {
        for (int i = 0; i < n; i++)
            if (b->kind == BIND_IMPORT && b->qualname && !strcmp(b->qualname, quals[i]))
                return name;
        return NULL; /* the name means something else here */
    }
    const Scope *m = scope_module(t);
    for (int i = 0; m && i < m->nbindings; i++)
        if (!strcmp(m->bindings[i].name, name))
            return NULL; /* bound at module level after all (a later assignment) */
    int line = import_line(module);
    const char *text = arena_printf(g->a, "from %s import %s\n", module_name, name);
    size_t at = fixgen_line_start(g->src, line);
    if (at == g->src->len && g->src->len && g->src->text[g->src->len - 1] != '\n')
        text = arena_printf(g->a, "\n%s", text);
    fixgen_shared(g, at, at, text);
    return name;
}
