/*
 * lifecycle_fix.c - the fixes of the lifecycle family (lifecycle.h), built
 * on the source with fixgen.h:
 *
 *   SL103, SL104  the acquisition `x = ACQ` and the release `x.close()` in
 *                 the same block become `with ACQ as x:` around what lies
 *                 between (where `with` releases exactly as the close did),
 *                 or the statements between go into `try:` and the release
 *                 into `finally:`; for SL104 the try starts at the yield.
 *   SL101, SL106  the release that another release always follows next
 *                 (a `finally:`, the end of a with block) is removed.
 *   SL105         the release of what a provider releases is removed
 *                 (unsafe: its provider then commits what it discarded).
 *
 * Safe means the program does the same except that the defect is gone, so
 * a guard around statements that can leave early (return, break, continue)
 * is unsafe: those paths now release, and what they hand on may depend on
 * the resource staying open.  Anything the shapes above do not cover gets
 * no fix.
 */
#include "rules/lifecycle.h"

#include <string.h>

#include "fixgen.h"
#include "scope.h"

typedef struct Ctx {
    LifecycleSink *k;
    const FlowReport *r;
    const Source *src;
    Arena *a;
    const Node *module;
    const ScopeTable *t;
} Ctx;

/* The call of an expression statement (through an await), or NULL. */
static const Node *stmt_call(const Node *st, int *awaited)
{
    if (!st || st->kind != NODE_Expr)
        return NULL;
    const Node *e = st->v.Expr.value;
    if (awaited)
        *awaited = e->kind == NODE_Await;
    if (e->kind == NODE_Await)
        e = e->v.Await.value;
    return e->kind == NODE_Call ? e : NULL;
}

static int is_name(const Node *e, const char *var)
{
    return e && e->kind == NODE_Name && !strcmp(e->v.Name.id, var);
}

/* `var.m()` with no arguments: the method's name, or NULL. */
static const char *own_method(const Node *call, const char *var)
{
    const Node *f = call->v.Call.func;
    if (f->kind != NODE_Attribute || !is_name(f->v.Attribute.value, var) || call->v.Call.args.n ||
        call->v.Call.keywords.n)
        return NULL;
    return f->v.Attribute.attr;
}

/* Is st the release of var (ri: its kind's row)?  var.close(), or
 * pool.putconn(var), pool.release(var), or the kind's own release. */
static int is_release(const Node *st, const char *var, const ResInfo *ri)
{
    const Node *call = stmt_call(st, NULL);
    if (!call)
        return 0;
    size_t rl = strcspn(ri->release, "(");
    const char *m = own_method(call, var);
    if (m)
        return !strcmp(m, "close") || (strlen(m) == rl && !strncmp(m, ri->release, rl));
    const Node *f = call->v.Call.func;
    const char *name = f->kind == NODE_Attribute ? f->v.Attribute.attr
                       : f->kind == NODE_Name    ? f->v.Name.id
                                                 : NULL;
    if (!name || call->v.Call.args.n < 1 || !is_name(call->v.Call.args.items[0], var))
        return 0;
    return !strcmp(name, "putconn") || !strcmp(name, "release") ||
           (strlen(name) == rl && !strncmp(name, ri->release, rl));
}

/* The qualified name of what call calls, in buf, or "". */
static const char *callee(const Ctx *c, const FixBlock *b, const Node *call, char *buf, size_t n)
{
    buf[0] = 0;
    if (call && call->kind == NODE_Await)
        call = call->v.Await.value;
    if (!call || call->kind != NODE_Call)
        return buf;
    const Scope *s = b->func ? scope_of(c->t, b->func) : scope_module(c->t);
    if (!scope_qualname_buf(c->t, s ? s : scope_module(c->t), call->v.Call.func, buf, n))
        buf[0] = 0;
    return buf;
}

/* The call that made what name is bound to (`conn = psycopg2.connect()`,
 * `with psycopg.connect() as conn`), or NULL. */
static const Node *maker(const Ctx *c, const FixBlock *b, const Node *name)
{
    if (!name || name->kind != NODE_Name)
        return NULL;
    const Scope *s = b->func ? scope_of(c->t, b->func) : scope_module(c->t);
    const Binding *bd = scope_lookup(c->t, s, name->v.Name.id, NULL);
    if (!bd || bd->kind != BIND_LOCAL || bd->nbind != 1)
        return NULL;
    if (bd->value)
        return bd->value;
    if (bd->def && bd->def->kind == NODE_withitem)
        return bd->def->v.withitem.context_expr;
    return NULL;
}

static int is_psycopg_connect(const char *q)
{
    return !strcmp(q, "psycopg2.connect") || !strcmp(q, "psycopg.connect") ||
           !strcmp(q, "psycopg.Connection.connect");
}

enum { GUARD_TRY, GUARD_WITH, GUARD_ASYNC_WITH, GUARD_CLOSING };

/*
 * How to guard the resource made by value (`var = value`) and released by
 * R: a with statement where leaving it releases exactly as R does (and
 * nothing more: a psycopg 3 connection's with also commits, so only after
 * an explicit commit), else try/finally.  *strip: drop value's await.
 */
static int guard_kind(const Ctx *c, const FixBlock *b, const Node *value, const Node *R,
                      int plain, int *strip)
{
    char q[256];
    int rawait, vawait = value->kind == NODE_Await;
    const Node *rcall = stmt_call(R, &rawait), *site = c->r->site;
    const Node *call = vawait ? value->v.Await.value : value;
    *strip = 0;
    if (!plain || !rcall || !own_method(rcall, c->r->var) ||
        strcmp(own_method(rcall, c->r->var), "close") || call != site || call->kind != NODE_Call)
        return GUARD_TRY; /* not `var = value`, R has a comment with would drop, or R is
                             no plain close() */
    const Node *f = call->v.Call.func;
    const char *m = f->kind == NODE_Attribute ? f->v.Attribute.attr : "";
    int with = rawait ? GUARD_ASYNC_WITH : GUARD_WITH;
    switch (c->r->res_kind) {
    case RES_SESSION:
        return !strcmp(m, "begin") || vawait ? GUARD_TRY : with; /* begin() commits at exit */
    case RES_CONNECTION:
        if (!strcmp(m, "begin"))
            return GUARD_TRY;
        if (vawait && rawait && !strcmp(m, "connect")) { /* await engine.connect() */
            *strip = 1;
            return GUARD_ASYNC_WITH;
        }
        return vawait ? GUARD_TRY : with;
    case RES_DBAPI: /* psycopg2: `with conn` ends a transaction, closing() closes */
        return !rawait && !vawait && !strcmp(callee(c, b, call, q, sizeof q), "psycopg2.connect")
                   ? GUARD_CLOSING
                   : GUARD_TRY;
    case RES_PGCONN: { /* psycopg 3 commits at the end of with: only after a commit */
        const Node *prev = b->list->items[b->index - 1], *pc;
        int pawait = 0;
        if (strncmp(callee(c, b, call, q, sizeof q), "psycopg.", 8) ||
            !(pc = stmt_call(prev, &pawait)) || pawait != rawait ||
            !own_method(pc, c->r->var) || strcmp(own_method(pc, c->r->var), "commit"))
            return GUARD_TRY;
        return with;
    }
    case RES_CURSOR: { /* psycopg's cursors close at the end of with; sqlite3's have no with */
        if (vawait || rawait || f->kind != NODE_Attribute || strcmp(m, "cursor"))
            return GUARD_TRY;
        const Node *mk = maker(c, b, f->v.Attribute.value);
        return mk && is_psycopg_connect(callee(c, b, mk, q, sizeof q)) ? GUARD_WITH : GUARD_TRY;
    }
    default: return GUARD_TRY;
    }
}

/* A short form of n's text for messages: "SessionLocal()". */
static const char *brief(const Ctx *c, const Node *n)
{
    const char *t = fixgen_text(c->a, c->src, n);
    if (!strchr(t, '\n') && strlen(t) <= 40)
        return t;
    size_t k = strcspn(t, "(\n");
    if (t[k] == '(' && k < 36) /* the call's arguments elided, its parentheses kept */
        return arena_printf(c->a, "%.*s(...)", (int)k, t);
    return arena_printf(c->a, "%.*s...", (int)(k < 36 ? k : 36), t);
}

static int blank(const Source *src, int line)
{
    size_t len;
    const char *t = source_line(src, line, &len);
    return strspn(t, " \t\f") >= len;
}

/* The first line of the comment-only lines right above line (after
 * `after`), where `finally:` reads best; line itself if there are none. */
static int comments_above(const Source *src, int line, int after)
{
    int l = line;
    while (l - 1 > after) {
        size_t len;
        const char *t = source_line(src, l - 1, &len);
        size_t k = strspn(t, " \t\f");
        if (k >= len || t[k] != '#')
            break;
        l--;
    }
    return l;
}

/* The yield statement's index in b's list between lo and hi, from the
 * witness ("... at this yield"), or -1. */
static int yield_index(const Ctx *c, const FixBlock *b, int lo, int hi)
{
    int line = 0;
    for (int i = c->r->nevents - 1; i >= 0 && !line; i--)
        if (c->r->events[i].note && strstr(c->r->events[i].note, "at this yield"))
            line = c->r->events[i].line;
    for (int i = lo; line && i < hi; i++) {
        const Node *st = b->list->items[i];
        if (st->lineno <= line && line <= ast_end_lineno(st))
            return i;
    }
    return -1;
}

/* The statements a guard fix works on. */
typedef struct Guard {
    FixBlock b;         /* where the acquisition A sits */
    const Node *A, *R;  /* `var = ACQ` and the release of var after it, in b's list */
    int ri;             /* R's index */
    int from;           /* the first statement to guard (after A, or the yield's) */
    const Node *target, *value; /* A's target and value */
    int rcomment;       /* R has a trailing comment */
} Guard;

/* Finds A and R for c's finding (at_yield: SL104's, guarded from its
 * yield); 0 when the shape is not one the fix can take. */
static int find_guard(const Ctx *c, int at_yield, Guard *gd)
{
    const FlowReport *r = c->r;
    if (!r->var || !r->site || !r->ever_released || !fixgen_stmt(c->module, r->site, &gd->b))
        return 0;
    const FixBlock *b = &gd->b;
    const Node *A = gd->A = b->list->items[b->index];
    if (!ast_single_assign(A, &gd->target, &gd->value) || !is_name(gd->target, r->var) ||
        (gd->value != r->site &&
         !(gd->value->kind == NODE_Await && gd->value->v.Await.value == r->site)) ||
        !fixgen_alone(c->src, A, NULL) ||
        (size_t)A->col_offset != strlen(fixgen_indent(c->a, c->src, A->lineno)))
        return 0; /* `var = ACQ(...)` alone on its lines, nothing else (a None on
                     some path would make the guard's release raise) */
    for (int i = 0; i < r->nevents; i++)
        if (r->events[i].note && strstr(r->events[i].note, "not awaited"))
            return 0; /* the close itself is wrong: guarding it changes nothing */
    const ResInfo *ri = r->res ? r->res : model_res(r->res_kind);
    gd->ri = -1;
    for (int i = b->index + 1; i < b->list->n && gd->ri < 0; i++)
        if (is_release(b->list->items[i], r->var, ri))
            gd->ri = i;
    if (gd->ri <= b->index + 1 || !fixgen_alone(c->src, b->list->items[gd->ri], &gd->rcomment) ||
        fixgen_binds(b->list, b->index + 1, gd->ri, r->var))
        return 0;
    gd->R = b->list->items[gd->ri];
    gd->from = at_yield ? yield_index(c, b, b->index + 1, gd->ri) : b->index + 1;
    return gd->from >= 0;
}

/* `var = ACQ` ... R  ->  `with ACQ as var:` (or `with closing(ACQ)`) around
 * what lies between; R goes. */
static void with_edits(FixGen *g, const Ctx *c, const Guard *gd, int kind, int strip,
                       const char *closing, const char *unit)
{
    const Node *expr = strip ? gd->value->v.Await.value : gd->value;
    size_t vs = fixgen_start(c->src, expr), ve = fixgen_end(c->src, expr);
    const char *kw = kind == GUARD_ASYNC_WITH ? "async with " : "with ";
    fixgen_edit(g, fixgen_start(c->src, gd->A), vs,
                closing ? arena_printf(c->a, "%s%s(", kw, closing) : kw);
    fixgen_edit(g, ve, ve, arena_printf(c->a, "%s as %s:", closing ? ")" : "", c->r->var));
    /* the comments that lead to R stay outside: they now tell of the
     * block's end, where the release happens */
    int lead = comments_above(c->src, gd->R->lineno, ast_end_lineno(gd->b.list->items[gd->ri - 1]));
    fixgen_indent_lines(g, ast_end_lineno(gd->A) + 1, lead - 1, unit);
    fixgen_delete_lines(g, gd->R->lineno, ast_end_lineno(gd->R));
}

/* `try:` before the guarded statements (after A's blank lines), `finally:`
 * before R and the comments that lead to it. */
static void try_edits(FixGen *g, const Ctx *c, const Guard *gd, const char *unit)
{
    const char *indent = fixgen_indent(c->a, c->src, gd->A->lineno);
    const NodeList *l = gd->b.list;
    int try_line = gd->from == gd->b.index + 1 ? ast_end_lineno(gd->A) + 1 : l->items[gd->from]->lineno;
    while (try_line < l->items[gd->from]->lineno && blank(c->src, try_line))
        try_line++;
    int fin_line = comments_above(c->src, gd->R->lineno, ast_end_lineno(l->items[gd->ri - 1]));
    fixgen_indent_lines(g, try_line, ast_end_lineno(gd->R), unit);
    fixgen_insert_lines(g, try_line, arena_printf(c->a, "%stry:\n", indent));
    fixgen_insert_lines(g, fin_line, arena_printf(c->a, "%sfinally:\n", indent));
}

/* SL103 / SL104: with or try/finally (see the top of this file). */
static const Fix *guard_fix(Ctx *c, int at_yield)
{
    Guard gd;
    if (!find_guard(c, at_yield, &gd))
        return NULL;
    int unsafe = fixgen_exits(gd.b.list, gd.from, gd.ri), strip;
    FixBlock rb = gd.b;
    rb.index = gd.ri;
    size_t te = fixgen_end(c->src, gd.target), vs = fixgen_start(c->src, gd.value);
    int plain = !gd.rcomment && gd.A->kind == NODE_Assign && vs > te &&
                strspn(c->src->text + te, " \t=") >= vs - te; /* `var = value` */
    int kind = guard_kind(c, &rb, gd.value, gd.R, plain, &strip);
    const char *unit = fixgen_unit(c->a, c->src, c->module, &gd.b), *closing = NULL;
    FixGen g;
    fixgen_init(&g, c->a, c->src);
    if (kind == GUARD_CLOSING) {
        static const char *const quals[] = {"contextlib.closing"};
        const Scope *s = gd.b.func ? scope_of(c->t, gd.b.func) : scope_module(c->t);
        closing = fixgen_import(&g, c->t, s, c->module, "contextlib", "closing", quals, 1);
        if (!closing) /* `closing` means something else here */
            kind = GUARD_TRY;
    }
    if (kind == GUARD_TRY) {
        try_edits(&g, c, &gd, unit);
        return fixgen_done(&g, unsafe ? FIX_UNSAFE : FIX_SAFE,
                           arena_printf(c->a, "Release `%s` in a `finally:` block so that every "
                                              "path releases it", c->r->var));
    }
    with_edits(&g, c, &gd, kind, strip, closing, unit);
    const Node *expr = strip ? gd.value->v.Await.value : gd.value;
    return fixgen_done(&g, unsafe ? FIX_UNSAFE : FIX_SAFE,
                       arena_printf(c->a, "Use `%s%s%s%s as %s:` so that %s is released on every path",
                                    kind == GUARD_ASYNC_WITH ? "async with " : "with ",
                                    closing ? "closing(" : "", brief(c, expr), closing ? ")" : "",
                                    c->r->var, c->r->var));
}

/* ---- the redundant release ---- */

typedef struct CallAt {
    int line, col, depth;
    const Node *found;
} CallAt;

static void call_at_kid(Node *parent, Node *n, void *arg)
{
    CallAt *f = arg;
    (void)parent;
    if (f->found || f->depth > 1000)
        return;
    if ((n->kind == NODE_Call || ast_category(n->kind) == CAT_EXPR) && n->lineno == f->line &&
        n->col_offset == f->col && n->kind == NODE_Call) {
        f->found = n;
        return;
    }
    f->depth++;
    ast_children(n, call_at_kid, f);
    f->depth--;
}

/* The call that starts at (line, col), or NULL. */
static const Node *call_at(const Node *module, int line, int col)
{
    CallAt f = {line, col, 0, NULL};
    ast_children((Node *)module, call_at_kid, &f);
    return f.found;
}

typedef enum { NEXT_NONE, NEXT_STMT, NEXT_WITH } NextKind;

typedef struct Next {
    int kind;         /* NextKind: what runs next */
    const Node *node; /* the statement, or the with statement whose exit it is */
} Next;

static Next after_block(const Ctx *c, const FixBlock *b, int raising, int depth);

/* What runs after statement b.list[b.index] completes (raising: by an
 * exception). */
static Next after_stmt(const Ctx *c, const FixBlock *b, int raising, int depth)
{
    if (!raising && b->index + 1 < b->list->n)
        return (Next){NEXT_STMT, b->list->items[b->index + 1]};
    return after_block(c, b, raising, depth);
}

/* What runs when the block of b ends (normally, or raising). */
static Next after_block(const Ctx *c, const FixBlock *b, int raising, int depth)
{
    const Node *o = b->owner;
    Next none = {NEXT_NONE, NULL};
    FixBlock ob;
    if (!o || depth > 50)
        return none;
    if (o->kind == NODE_With || o->kind == NODE_AsyncWith)
        return (Next){NEXT_WITH, o};
    if (o->kind == NODE_ExceptHandler) { /* its try's finally, or past the try */
        if (!fixgen_stmt(c->module, o, &ob))
            return none;
        o = ob.list->items[ob.index];
        if (o->v.Try.finalbody.n)
            return (Next){NEXT_STMT, o->v.Try.finalbody.items[0]};
        return raising && !(ob.owner && (ob.owner->kind == NODE_With || ob.owner->kind == NODE_AsyncWith))
                   ? none /* an outer handler may catch it on the way */
                   : after_stmt(c, &ob, raising, depth + 1);
    }
    if (!fixgen_stmt(c->module, o, &ob) || ob.list->items[ob.index] != o)
        return none;
    if (o->kind == NODE_Try || o->kind == NODE_TryStar) {
        const NodeList *body = &o->v.Try.body, *orelse = &o->v.Try.orelse;
        const NodeList *fin = &o->v.Try.finalbody;
        if (b->list == body && !raising && orelse->n)
            return (Next){NEXT_STMT, orelse->items[0]};
        if (b->list != fin && fin->n)
            return (Next){NEXT_STMT, fin->items[0]};
        if (raising && b->list == body && o->v.Try.handlers.n)
            return none; /* its own handlers see the exception first */
        if (raising && !(ob.owner && (ob.owner->kind == NODE_With || ob.owner->kind == NODE_AsyncWith)))
            return none;
        return after_stmt(c, &ob, raising, depth + 1);
    }
    if (o->kind == NODE_If && !raising)
        return after_stmt(c, &ob, 0, depth + 1);
    return none; /* a loop goes round again; a def returns */
}

/* Edits that remove statement st (at b): its lines, or its `finally:` clause
 * with it when it is all there is, or `pass` when its block needs one. */
static void remove_stmt(FixGen *g, const Ctx *c, const FixBlock *b, const Node *st)
{
    int comment;
    if (!fixgen_alone(c->src, st, &comment)) {
        fixgen_fail(g);
        return;
    }
    if (b->list->n > 1) {
        fixgen_delete_lines(g, st->lineno, ast_end_lineno(st));
        return;
    }
    const Node *o = b->owner;
    int is_try = o && (o->kind == NODE_Try || o->kind == NODE_TryStar);
    const char *kw = is_try && b->list == &o->v.Try.finalbody &&
                             (o->v.Try.handlers.n || o->v.Try.orelse.n)
                         ? "finally"
                     : (is_try && b->list == &o->v.Try.orelse) ||
                             (o && o->kind == NODE_If && b->list == &o->v.If.orelse)
                         ? "else"
                         : NULL;
    for (int l = st->lineno - 1; kw && l > o->lineno; l--) { /* drop `finally:` or `else:` too */
        size_t len, n = strlen(kw);
        const char *t = source_line(c->src, l, &len);
        size_t k = strspn(t, " \t\f");
        if (len - k > n && !strncmp(t + k, kw, n) && strchr(" \t:", t[k + n])) {
            fixgen_delete_lines(g, l, ast_end_lineno(st));
            return;
        }
        if (k < len && t[k] != '#')
            break;
    }
    fixgen_edit(g, fixgen_start(c->src, st), fixgen_end(c->src, st), "pass");
}

/* The statement a release call is, with its place; 0 if it is no plain
 * expression statement. */
static int release_stmt(const Ctx *c, const Node *call, FixBlock *b)
{
    if (!call || !fixgen_stmt(c->module, call, b))
        return 0;
    return stmt_call(b->list->items[b->index], NULL) == call;
}

/* Is the statement at b always followed by target (a statement, or the
 * exit of target, a with statement, when with)?  Only pass and a final
 * raise may come between. */
static int followed_by(const Ctx *c, const FixBlock *b, const Node *target, int with)
{
    int raising = 0, i = b->index + 1;
    for (; i < b->list->n && b->list->items[i]->kind == NODE_Pass; i++)
        ;
    if (i < b->list->n && b->list->items[i]->kind == NODE_Raise && i + 1 == b->list->n)
        raising = 1;
    FixBlock at = *b;
    at.index = raising ? i : b->index;
    Next nx = raising || i == b->list->n ? after_block(c, &at, raising, 0)
                                         : (Next){NEXT_STMT, b->list->items[i]};
    return nx.node == target && nx.kind == (with ? NEXT_WITH : NEXT_STMT);
}

/* The direct releases of a variable that a given release always follows. */
typedef struct Rel {
    const Ctx *c;
    const char *var;
    const ResInfo *ri;
    const Node *target; /* the second release (statement), or the with whose exit it is */
    int with;
    const Node *found[16];
    int n, full;
} Rel;

static void collect(Rel *rel, const NodeList *l, int depth)
{
    for (int i = 0; i < l->n && depth < 100; i++) {
        const Node *st = l->items[i];
        FixBlock b;
        if (st != rel->target && is_release(st, rel->var, rel->ri) &&
            fixgen_stmt(rel->c->module, st, &b) && followed_by(rel->c, &b, rel->target, rel->with)) {
            if (rel->n == 16)
                rel->full = 1;
            else
                rel->found[rel->n++] = st;
        }
        switch (st->kind) {
        case NODE_For: case NODE_AsyncFor:
            collect(rel, &st->v.For.body, depth + 1);
            collect(rel, &st->v.For.orelse, depth + 1);
            break;
        case NODE_While:
            collect(rel, &st->v.While.body, depth + 1);
            collect(rel, &st->v.While.orelse, depth + 1);
            break;
        case NODE_If:
            collect(rel, &st->v.If.body, depth + 1);
            collect(rel, &st->v.If.orelse, depth + 1);
            break;
        case NODE_With: case NODE_AsyncWith: collect(rel, &st->v.With.body, depth + 1); break;
        case NODE_Try: case NODE_TryStar:
            collect(rel, &st->v.Try.body, depth + 1);
            for (int k = 0; k < st->v.Try.handlers.n; k++)
                collect(rel, &st->v.Try.handlers.items[k]->v.ExceptHandler.body, depth + 1);
            collect(rel, &st->v.Try.orelse, depth + 1);
            collect(rel, &st->v.Try.finalbody, depth + 1);
            break;
        default: break;
        }
    }
}

/* The first release of c's double release, from the witness: its call,
 * or (*with set) the with statement whose exit it was; NULL if unknown. */
static const Node *first_release(const Ctx *c, int *with)
{
    const FlowReport *r = c->r;
    for (int i = 0; i < r->nevents; i++) {
        const char *n = r->events[i].note;
        if (!n || strncmp(n, "released here", 13) || strstr(n, "provider") || r->events[i].path)
            continue;
        *with = strstr(n, "with block") != NULL;
        const Node *call = call_at(c->module, r->events[i].line, r->events[i].col);
        FixBlock wb; /* for a with, the call is its item's context expression */
        if (*with && (!call || !fixgen_stmt(c->module, call, &wb)))
            return NULL;
        if (call)
            return *with ? wb.list->items[wb.index] : call;
    }
    return NULL;
}

/* A fix removing the statement b points at. */
static const Fix *remove_fix(const Ctx *c, const FixBlock *b, int applicability, const char *msg)
{
    FixGen g;
    fixgen_init(&g, c->a, c->src);
    remove_stmt(&g, c, b, b->list->items[b->index]);
    return fixgen_done(&g, applicability, msg);
}

/* SL101 / SL106: remove the release that the other one always follows. */
static const Fix *redundant_fix(Ctx *c)
{
    const FlowReport *r = c->r;
    int first_with = 0;
    const Node *first = first_release(c, &first_with), *second = r->at;
    FixBlock b1, b2;
    if (!first || !second || second->kind != NODE_Call || !r->var)
        return NULL;
    int second_with = !release_stmt(c, second, &b2);
    const ResInfo *ri = r->res ? r->res : model_res(r->res_kind);
    if (first_with) { /* `with ... as x:` then x.close() right after it */
        if (second_with || first->kind != NODE_With || b2.index == 0 ||
            b2.list->items[b2.index - 1] != first)
            return NULL;
        return remove_fix(c, &b2, FIX_SAFE, "Remove the release after the with block, which "
                                            "released it already");
    }
    if (!release_stmt(c, first, &b1))
        return NULL;
    if (!is_release(b1.list->items[b1.index], r->var, ri)) {
        /* a helper released it first (it may do more): keep it, and drop
         * the direct release right after its finally block */
        const Node *t = b1.owner;
        FixBlock tb;
        if (second_with || !t || (t->kind != NODE_Try && t->kind != NODE_TryStar) ||
            b1.list != &t->v.Try.finalbody || !fixgen_stmt(c->module, t, &tb) ||
            tb.list != b2.list || tb.index + 1 != b2.index ||
            !is_release(b2.list->items[b2.index], r->var, ri))
            return NULL;
        return remove_fix(c, &b2, FIX_SAFE, "Remove the second release: the finally block "
                                            "before it released it already");
    }
    /* every direct release that the second one always follows goes (the
     * flow reports one path; another may hold the same first release) */
    const Node *target = !second_with                              ? b2.list->items[b2.index]
                         : fixgen_stmt(c->module, second, &b2) ? b2.list->items[b2.index]
                                                                   : NULL;
    Rel rel = {c, r->var, ri, target, second_with, {0}, 0, 0};
    if (!target || !followed_by(c, &b1, target, second_with))
        return NULL;
    const Node *scope = b1.func ? b1.func : c->module;
    collect(&rel, scope->kind == NODE_Module ? &scope->v.Module.body : &scope->v.FunctionDef.body, 0);
    if (rel.full)
        return NULL;
    FixGen g;
    fixgen_init(&g, c->a, c->src);
    for (int k = 0; k < rel.n; k++) {
        FixBlock rb;
        if (!fixgen_stmt(c->module, rel.found[k], &rb))
            fixgen_fail(&g);
        else
            remove_stmt(&g, c, &rb, rel.found[k]);
    }
    return fixgen_done(&g, FIX_SAFE,
                       second_with ? "Remove the release: the with block releases it right after"
                                   : "Remove the first release: the second one always follows it");
}

/* SL105: remove the borrower's release (unsafe: the provider then commits). */
static const Fix *borrowed_fix(Ctx *c)
{
    FixBlock b;
    if (!release_stmt(c, c->r->at, &b))
        return NULL;
    return remove_fix(c, &b, FIX_UNSAFE, /* what the provider commits changes */
                      "Remove the release: the provider that lent it releases it (and commits "
                      "what this release would have discarded)");
}

const Fix *lifecycle_fix(LifecycleSink *k, const FlowReport *r, const char *code)
{
    if (!k->env || !k->env->scopes)
        return NULL;
    const Scope *m = scope_module(k->env->scopes);
    Ctx c = {k, r, k->src, k->a, m ? m->node : NULL, k->env->scopes};
    if (!c.module)
        return NULL;
    if (!strcmp(code, "SL103"))
        return guard_fix(&c, 0);
    if (!strcmp(code, "SL104"))
        return guard_fix(&c, 1);
    if (!strcmp(code, "SL101") || !strcmp(code, "SL106"))
        return redundant_fix(&c);
    if (!strcmp(code, "SL105"))
        return borrowed_fix(&c);
    return NULL;
}
