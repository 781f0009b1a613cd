/*
 * test_cfg.c - cfg.c: the graphs of small functions, checked by path
 * queries rather than by their exact shape, so that they say what the
 * dataflow relies on: "the exception of this call reaches the finally copy
 * and then RAISE_EXIT", "no path from ENTRY to EXIT skips the finally",
 * "the else of a loop is not reachable from its break".  Every graph must
 * also pass cfg_verify.  One golden dump pins the debug format.
 * Built and run by tests/unit.sh (linked with every module but main.c).
 * Ends with "N passed, N failed" (unit.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ast.h"
#include "cfg.h"
#include "diag.h"
#include "lex.h"
#include "parse.h"
#include "source.h"
#include "unit.h"

enum { ANY = -1 };                       /* any line / any kind */
enum { FIRST_ALL = -1, FIRST_EXC = -2 }; /* or k >= 0: start at succ[k] */

typedef struct T {
    Arena *a;
    Source src;
    Cfg *g;
    const char *name; /* the snippet's label, for failure messages */
} T;

/* The first function named name at module level (or the module if name
 * is NULL), or NULL. */
static Node *find_def(Node *m, const char *name)
{
    if (!name)
        return m;
    for (int i = 0; i < m->v.Module.body.n; i++) {
        Node *s = m->v.Module.body.items[i];
        if (s->kind == NODE_FunctionDef && strcmp(s->v.FunctionDef.name, name) == 0)
            return s;
        if (s->kind == NODE_AsyncFunctionDef && strcmp(s->v.AsyncFunctionDef.name, name) == 0)
            return s;
    }
    return NULL;
}

/* Parses text and builds the graph of function fn (NULL: the module);
 * the graph must verify.  Free with done(). */
static T build(const char *label, const char *text, const char *fn)
{
    T t = {arena_new(), {0}, NULL, label};
    SourceError e;
    Lexed lx;
    FindingList errs = {0};
    char why[200];
    source_from_bytes(t.a, "t.py", text, strlen(text), &t.src, &e);
    ParseResult r = parse_module(t.a, &t.src, &lx, &errs);
    if (r.nerrors)
        fprintf(stderr, "%s: syntax error line %d\n", label, r.error_line);
    CHECK(r.nerrors == 0);
    diag_free(&errs);
    Node *f = find_def(r.module, fn);
    CHECK(f != NULL);
    t.g = cfg_build(t.a, f ? f : r.module);
    int bad = cfg_verify(t.g, why, sizeof why);
    if (bad)
        fprintf(stderr, "%s: cfg_verify: %s\n", label, why);
    CHECK(!bad);
    return t;
}

static void done(T *t) { arena_free(t->a); }

/* The nth (0-based) step of kind on line, or -1. */
static int nth(const T *t, int kind, int line, int n)
{
    for (int i = 0; i < t->g->nsteps; i++) {
        const CfgStep *s = &t->g->steps[i];
        if ((kind == ANY || s->kind == kind) && (line == ANY || s->line == line) && n-- == 0)
            return i;
    }
    return -1;
}

static int step(const T *t, int kind, int line)
{
    int i = nth(t, kind, line, 0);
    if (i < 0)
        fprintf(stderr, "%s: no %s step on line %d\n", t->name, cfg_kind_name(kind), line);
    return i;
}

static int count(const T *t, int kind, int line)
{
    int n = 0;
    while (nth(t, kind, line, n) >= 0)
        n++;
    return n;
}

static int on_lines(int line, const int *lines)
{
    for (; *lines; lines++)
        if (line == *lines)
            return 1;
    return 0;
}

/*
 * Whether dst is reached from src over normal and exception edges, leaving
 * src by the edges first says, never entering a step (dst excepted) that is
 * on one of the avoided lines (a 0-terminated list) or of avoid_kind (ANY:
 * no such restriction).
 */
static int reach_lines(const T *t, int src, int first, int dst, const int *avoid_lines,
                       int avoid_kind)
{
    const Cfg *g = t->g;
    if (src < 0 || dst < 0)
        return 0;
    char *seen = calloc((size_t)g->nsteps, 1);
    int *queue = malloc((size_t)g->nsteps * sizeof *queue), nq = 0, found = 0;
    const CfgStep *s = &g->steps[src];
#define VISIT(j)                                                                                   \
    do {                                                                                           \
        int j_ = (j);                                                                              \
        const CfgStep *x_ = &g->steps[j_];                                                         \
        if (j_ == dst)                                                                             \
            found = 1;                                                                             \
        else if (!seen[j_] && !on_lines(x_->line, avoid_lines) &&                                  \
                 (avoid_kind == ANY || x_->kind != avoid_kind))                                    \
            seen[j_] = 1, queue[nq++] = j_;                                                        \
    } while (0)
    if (first == FIRST_EXC || first == FIRST_ALL)
        if (s->exc >= 0)
            VISIT(s->exc);
    for (int k = 0; k < s->nsucc; k++)
        if (first == FIRST_ALL || first == k)
            VISIT(s->succ[k]);
    for (int q = 0; q < nq && !found; q++) {
        s = &g->steps[queue[q]];
        for (int k = 0; k < s->nsucc; k++)
            VISIT(s->succ[k]);
        if (s->exc >= 0)
            VISIT(s->exc);
    }
#undef VISIT
    free(seen);
    free(queue);
    return found;
}

/* reach_lines with one avoided line, or none (ANY). */
static int reach(const T *t, int src, int first, int dst, int avoid_line, int avoid_kind)
{
    int lines[2] = {avoid_line == ANY ? 0 : avoid_line, 0};
    return reach_lines(t, src, first, dst, lines, avoid_kind);
}

/* Reachable from ENTRY at all. */
static int live(const T *t, int i) { return reach(t, t->g->entry, FIRST_ALL, i, ANY, ANY); }

/* Step i, or a blank step (no edges, kind ENTRY) if i is not one: a
 * missing step fails its checks instead of crashing the test. */
static const CfgStep *at(const T *t, int i)
{
    static const CfgStep blank = {STEP_ENTRY, 0, 0, NULL, NULL, 0, -2, -2};
    return i >= 0 && i < t->g->nsteps ? &t->g->steps[i] : &blank;
}

/* Successor k of step i, or -2 if it has none. */
static int succ_of(const T *t, int i, int k)
{
    const CfgStep *s = at(t, i);
    return k < s->nsucc ? s->succ[k] : -2;
}

/* ---- the snippets ---- */

static void test_try_finally_return(void)
{
    T t = build("finally+return",
                "def f(s):\n"
                "    try:\n"
                "        return s.q()\n"
                "    finally:\n"
                "        s.close()\n",
                "f");
    int ret = step(&t, STEP_RETURN, 3);
    CHECK(reach(&t, ret, 0, t.g->exit, ANY, ANY));
    CHECK(!reach(&t, ret, 0, t.g->exit, 5, ANY)); /* the close runs first */
    CHECK(reach(&t, ret, FIRST_EXC, t.g->raise_exit, ANY, ANY));
    CHECK(!reach(&t, ret, FIRST_EXC, t.g->raise_exit, 5, ANY));
    CHECK(!reach(&t, t.g->entry, FIRST_ALL, t.g->exit, 5, ANY));
    CHECK(!reach(&t, t.g->entry, FIRST_ALL, t.g->raise_exit, 5, ANY));
    CHECK_INT(count(&t, STEP_EXPR, 5), 2); /* return and exception copies */
    CHECK(at(&t, step(&t, STEP_EXPR, 5))->is_finally_copy);
    CHECK(!at(&t, ret)->is_finally_copy);
    CHECK(!t.g->is_generator);
    done(&t);
}

static void test_nested_finally(void)
{
    T t = build("nested finally",
                "def f():\n"
                "    try:\n"
                "        try:\n"
                "            a()\n"
                "        finally:\n"
                "            b()\n"
                "    finally:\n"
                "        c()\n",
                "f");
    int a = step(&t, STEP_EXPR, 4);
    CHECK(reach(&t, a, FIRST_EXC, t.g->raise_exit, ANY, ANY));
    CHECK(!reach(&t, a, FIRST_EXC, t.g->raise_exit, 6, ANY));
    CHECK(!reach(&t, a, FIRST_EXC, t.g->raise_exit, 8, ANY));
    CHECK(!reach(&t, a, FIRST_EXC, t.g->exit, ANY, ANY)); /* an exception never ends normally */
    CHECK(!reach(&t, t.g->entry, FIRST_ALL, t.g->exit, 6, ANY));
    CHECK(!reach(&t, t.g->entry, FIRST_ALL, t.g->exit, 8, ANY));
    /* b raising in its exception copy still runs c, never b again */
    int bexc = nth(&t, STEP_EXPR, 6, 1);
    CHECK(bexc >= 0 && reach(&t, bexc, FIRST_EXC, t.g->raise_exit, ANY, ANY));
    CHECK(!reach(&t, bexc, FIRST_EXC, t.g->raise_exit, 8, ANY));
    CHECK(!reach(&t, bexc, FIRST_EXC, bexc, ANY, ANY));
    CHECK_INT(count(&t, STEP_EXPR, 6), 2);
    CHECK_INT(count(&t, STEP_EXPR, 8), 2);
    done(&t);
}

static void test_with_exception(void)
{
    T t = build("with+exception",
                "def f():\n"
                "    with make() as s:\n"
                "        s.q()\n"
                "    after()\n",
                "f");
    int enter = step(&t, STEP_WITH_ENTER, 2), q = step(&t, STEP_EXPR, 3);
    int ex = step(&t, STEP_WITH_EXIT, 2), exx = step(&t, STEP_WITH_EXIT_EXC, 2);
    CHECK(at(&t, enter)->may_raise);
    CHECK_INT(at(&t, enter)->exc, t.g->raise_exit); /* no exit without an enter */
    CHECK_INT(at(&t, q)->exc, exx);
    CHECK_INT(at(&t, exx)->nsucc, 0);
    CHECK_INT(at(&t, exx)->exc, t.g->raise_exit);
    CHECK_INT(succ_of(&t, q, 0), ex);
    CHECK(!reach(&t, q, 0, step(&t, STEP_EXPR, 4), ANY, STEP_WITH_EXIT));
    CHECK(reach(&t, q, 0, step(&t, STEP_EXPR, 4), ANY, ANY));
    CHECK(!reach(&t, q, FIRST_EXC, step(&t, STEP_EXPR, 4), ANY, ANY));
    done(&t);
}

static void test_break_through_finally(void)
{
    T t = build("break+finally",
                "def f():\n"
                "    for x in y:\n"
                "        try:\n"
                "            if x:\n"
                "                break\n"
                "            g()\n"
                "        finally:\n"
                "            h()\n"
                "    after()\n",
                "f");
    int cond = step(&t, STEP_COND, 4), head = step(&t, STEP_FOR_NEXT, 2);
    int after = step(&t, STEP_EXPR, 9);
    CHECK(reach(&t, cond, 0, after, ANY, ANY));
    CHECK(!reach(&t, cond, 0, after, 8, ANY));  /* h runs on the way out */
    CHECK(!reach(&t, cond, 0, head, ANY, ANY)); /* and the loop is left */
    CHECK(reach(&t, cond, 1, head, ANY, ANY));
    CHECK(!reach(&t, cond, 1, head, 8, ANY));
    CHECK_INT(count(&t, STEP_EXPR, 8), 3); /* break, normal, exception */
    /* the loop's exit (FOR_NEXT done) reaches after() without any h */
    CHECK(reach(&t, head, 1, after, 8, ANY));
    done(&t);
}

static void test_continue_through_finally(void)
{
    T t = build("continue+finally",
                "def f():\n"
                "    while c():\n"
                "        try:\n"
                "            if x:\n"
                "                continue\n"
                "            g()\n"
                "        finally:\n"
                "            h()\n"
                "    after()\n",
                "f");
    int cond = step(&t, STEP_COND, 4), head = step(&t, STEP_COND, 2);
    CHECK(reach(&t, cond, 0, head, ANY, ANY));
    CHECK(!reach(&t, cond, 0, head, 8, ANY));
    CHECK(!reach(&t, cond, 0, step(&t, STEP_EXPR, 6), ANY, STEP_COND));
    CHECK(at(&t, head)->may_raise);
    done(&t);
}

static void test_while_else(void)
{
    T t = build("while/else",
                "def f():\n"
                "    while c():\n"
                "        if d():\n"
                "            break\n"
                "        e()\n"
                "    else:\n"
                "        g()\n"
                "    h()\n",
                "f");
    int head = step(&t, STEP_COND, 2), brk = step(&t, STEP_COND, 3);
    int g = step(&t, STEP_EXPR, 7), h = step(&t, STEP_EXPR, 8), e = step(&t, STEP_EXPR, 5);
    CHECK(reach(&t, head, 1, g, ANY, ANY));
    CHECK_INT(succ_of(&t, head, 1), g);
    CHECK(!reach(&t, brk, 0, g, ANY, ANY)); /* else not after break */
    CHECK(reach(&t, brk, 0, h, ANY, ANY));
    CHECK(reach(&t, brk, 0, h, 7, ANY));
    CHECK(reach(&t, e, 0, head, ANY, ANY)); /* back edge */
    CHECK_INT(succ_of(&t, e, 0), head);
    CHECK(!reach(&t, g, 0, head, ANY, ANY));
    done(&t);
}

static void test_for_else_break(void)
{
    T t = build("for/else",
                "def f():\n"
                "    for x in items():\n"
                "        if x:\n"
                "            break\n"
                "    else:\n"
                "        none_found()\n"
                "    h()\n",
                "f");
    int iter = step(&t, STEP_EXPR, 2), head = step(&t, STEP_FOR_NEXT, 2);
    int els = step(&t, STEP_EXPR, 6), cond = step(&t, STEP_COND, 3);
    CHECK(at(&t, iter)->may_raise);
    CHECK_INT(succ_of(&t, iter, 0), head);
    CHECK(at(&t, head)->may_raise);
    CHECK_INT(succ_of(&t, head, 0), cond);
    CHECK_INT(succ_of(&t, head, 1), els);
    CHECK(!reach(&t, cond, 0, els, ANY, ANY));
    CHECK(reach(&t, cond, 1, els, ANY, ANY));
    CHECK_INT(succ_of(&t, cond, 1), head);
    done(&t);
}

static void test_except_star(void)
{
    T t = build("except*",
                "def f():\n"
                "    try:\n"
                "        a()\n"
                "    except* ValueError:\n"
                "        b()\n"
                "    except* TypeError:\n"
                "        c()\n"
                "    d()\n",
                "f");
    int a = step(&t, STEP_EXPR, 3), disp = step(&t, STEP_DISPATCH, 2);
    int b = step(&t, STEP_EXPR, 5), c = step(&t, STEP_EXPR, 7), d = step(&t, STEP_EXPR, 8);
    CHECK_INT(at(&t, a)->exc, disp);
    CHECK_INT(at(&t, disp)->nsucc, 3);
    CHECK_INT(succ_of(&t, disp, 0), step(&t, STEP_EXCEPT, 4));
    CHECK_INT(succ_of(&t, disp, 1), step(&t, STEP_EXCEPT, 6));
    CHECK(reach(&t, b, 0, c, ANY, ANY));               /* the rest of the group may match too */
    CHECK(reach(&t, b, 0, d, 7, ANY));                 /* or all was handled */
    CHECK(reach(&t, b, 0, t.g->raise_exit, ANY, ANY)); /* or a rest is re-raised */
    CHECK(!reach(&t, c, 0, b, ANY, ANY));
    CHECK(reach(&t, a, FIRST_EXC, t.g->raise_exit, 5, ANY));
    done(&t);
}

static void test_bare_except(void)
{
    T t = build("bare except",
                "def f():\n"
                "    try:\n"
                "        a()\n"
                "    except ValueError:\n"
                "        pass\n"
                "    except:\n"
                "        b()\n"
                "    d()\n",
                "f");
    int a = step(&t, STEP_EXPR, 3), disp = step(&t, STEP_DISPATCH, 2);
    CHECK_INT(at(&t, disp)->nsucc, 2);    /* no "none matched" */
    static const int calls[] = {7, 8, 0}; /* b() and d() may raise themselves */
    CHECK(!reach_lines(&t, a, FIRST_EXC, t.g->raise_exit, calls, ANY));
    CHECK(reach(&t, a, FIRST_EXC, step(&t, STEP_EXPR, 8), ANY, ANY));
    done(&t);
    t = build("except BaseException",
              "def f():\n"
              "    try:\n"
              "        a()\n"
              "    except (KeyError, BaseException) as e:\n"
              "        pass\n",
              "f");
    CHECK_INT(at(&t, step(&t, STEP_DISPATCH, 2))->nsucc, 1);
    CHECK(!reach(&t, t.g->entry, FIRST_ALL, t.g->raise_exit, ANY, ANY));
    done(&t);
    t = build("except Exception",
              "def f():\n"
              "    try:\n"
              "        await_it()\n"
              "    except Exception:\n"
              "        pass\n",
              "f");
    int d2 = step(&t, STEP_DISPATCH, 2);
    CHECK_INT(at(&t, d2)->nsucc, 2); /* cancellation is no Exception */
    CHECK_INT(succ_of(&t, d2, 1), t.g->raise_exit);
    done(&t);
}

static void test_match_guard(void)
{
    T t = build("match",
                "def f(x):\n"
                "    match x.kind():\n"
                "        case 1 if g():\n"
                "            a()\n"
                "        case [y]:\n"
                "            b()\n"
                "        case _:\n"
                "            c()\n"
                "    d()\n",
                "f");
    int subj = step(&t, STEP_EXPR, 2), c1 = step(&t, STEP_CASE, 3);
    int guard = step(&t, STEP_COND, 3), c2 = step(&t, STEP_CASE, 5), c3 = step(&t, STEP_CASE, 7);
    int d = step(&t, STEP_EXPR, 9);
    CHECK(at(&t, subj)->may_raise);
    CHECK_INT(succ_of(&t, subj, 0), c1);
    CHECK_INT(at(&t, c1)->nsucc, 2);
    CHECK_INT(succ_of(&t, c1, 0), guard);
    CHECK_INT(succ_of(&t, c1, 1), c2);
    CHECK_INT(succ_of(&t, guard, 0), step(&t, STEP_EXPR, 4));
    CHECK_INT(succ_of(&t, guard, 1), c2);
    CHECK(at(&t, guard)->may_raise);
    CHECK_INT(succ_of(&t, c2, 1), c3);
    CHECK_INT(at(&t, c3)->nsucc, 1); /* irrefutable: always matches */
    /* d() only after one of the case bodies (the last case always matches) */
    static const int bodies[] = {4, 6, 8, 0};
    CHECK(!reach_lines(&t, subj, FIRST_ALL, d, bodies, ANY));
    CHECK(reach(&t, subj, FIRST_ALL, d, 4, ANY));
    CHECK(!reach(&t, c3, FIRST_ALL, d, 8, ANY));
    done(&t);
    t = build("match no default",
              "def f(x):\n"
              "    match x:\n"
              "        case 1:\n"
              "            a()\n"
              "    d()\n",
              "f");
    CHECK_INT(at(&t, step(&t, STEP_CASE, 3))->nsucc, 2);
    CHECK(reach(&t, step(&t, STEP_CASE, 3), 1, step(&t, STEP_EXPR, 5), 4, ANY));
    done(&t);
}

static void test_generator_finally(void)
{
    T t = build("yield dependency",
                "def get_db():\n"
                "    db = SessionLocal()\n"
                "    try:\n"
                "        yield db\n"
                "    finally:\n"
                "        db.close()\n",
                "get_db");
    int y = step(&t, STEP_EXPR, 4);
    CHECK(t.g->is_generator);
    CHECK(at(&t, y)->may_raise); /* the endpoint's exception is thrown in */
    CHECK(reach(&t, y, FIRST_EXC, t.g->raise_exit, ANY, ANY));
    CHECK(!reach(&t, y, FIRST_EXC, t.g->raise_exit, 6, ANY));
    CHECK(!reach(&t, t.g->entry, FIRST_ALL, t.g->exit, 6, ANY));
    /* SessionLocal() raising leaves before the try: no close */
    int acq = step(&t, STEP_ASSIGN, 2);
    CHECK_INT(at(&t, acq)->exc, t.g->raise_exit);
    done(&t);
    t = build("no yield inside nested def",
              "def f():\n"
              "    def g():\n"
              "        yield 1\n"
              "    h = lambda: (yield)\n"
              "    return g\n",
              "f");
    CHECK(!t.g->is_generator);
    CHECK(!at(&t, step(&t, STEP_BIND, 2))->may_raise);
    CHECK(!at(&t, step(&t, STEP_ASSIGN, 4))->may_raise);
    done(&t);
}

static void test_async_with_await(void)
{
    T t = build("async with",
                "async def f(pool):\n"
                "    async with pool.acquire() as conn:\n"
                "        await conn.execute(q)\n"
                "    return 1\n",
                "f");
    int enter = step(&t, STEP_WITH_ENTER, 2), aw = step(&t, STEP_EXPR, 3);
    int ex = step(&t, STEP_WITH_EXIT, 2), exx = step(&t, STEP_WITH_EXIT_EXC, 2);
    int ret = step(&t, STEP_RETURN, 4);
    CHECK_INT(at(&t, enter)->exc, t.g->raise_exit);
    CHECK_INT(at(&t, aw)->exc, exx);
    CHECK_INT(at(&t, ex)->exc, t.g->raise_exit);
    CHECK(reach(&t, aw, 0, ret, ANY, ANY));
    CHECK(!reach(&t, aw, 0, ret, ANY, STEP_WITH_EXIT));
    CHECK(!at(&t, ret)->may_raise);
    CHECK(!t.g->is_generator);
    done(&t);
}

static void test_return_inside_with(void)
{
    T t = build("return in with",
                "def f():\n"
                "    with Session() as s:\n"
                "        return s.get(1)\n",
                "f");
    int ret = step(&t, STEP_RETURN, 3), ex = step(&t, STEP_WITH_EXIT, 2);
    CHECK_INT(succ_of(&t, ret, 0), ex);
    CHECK_INT(succ_of(&t, ex, 0), t.g->exit);
    CHECK(!reach(&t, ret, 0, t.g->exit, ANY, STEP_WITH_EXIT));
    CHECK_INT(at(&t, ret)->exc, step(&t, STEP_WITH_EXIT_EXC, 2));
    CHECK_INT(count(&t, STEP_WITH_EXIT, 2), 1); /* no normal exit: the body returns */
    done(&t);
    t = build("return through with and finally",
              "def f():\n"
              "    try:\n"
              "        with a() as s:\n"
              "            return s.q()\n"
              "    finally:\n"
              "        c()\n",
              "f");
    ret = step(&t, STEP_RETURN, 4);
    ex = step(&t, STEP_WITH_EXIT, 3);
    int c = step(&t, STEP_EXPR, 6);
    CHECK_INT(succ_of(&t, ret, 0), ex);
    CHECK_INT(succ_of(&t, ex, 0), c);
    CHECK_INT(succ_of(&t, c, 0), t.g->exit);
    CHECK(reach(&t, ex, FIRST_EXC, t.g->raise_exit, ANY, ANY));
    CHECK(!reach(&t, ex, FIRST_EXC, t.g->raise_exit, 6, ANY));
    done(&t);
}

static void test_reraise_in_except(void)
{
    T t = build("re-raise",
                "def f():\n"
                "    try:\n"
                "        a()\n"
                "    except E as e:\n"
                "        log(e)\n"
                "        raise\n"
                "    finally:\n"
                "        c()\n"
                "    after()\n",
                "f");
    int r = step(&t, STEP_RAISE, 6);
    CHECK_INT(at(&t, r)->nsucc, 0);
    CHECK(at(&t, r)->may_raise);
    CHECK(reach(&t, r, FIRST_EXC, t.g->raise_exit, ANY, ANY));
    CHECK(!reach(&t, r, FIRST_EXC, t.g->raise_exit, 8, ANY));
    CHECK(!reach(&t, r, FIRST_EXC, step(&t, STEP_EXPR, 9), ANY, ANY));
    CHECK(!reach(&t, r, FIRST_EXC, step(&t, STEP_DISPATCH, 2), ANY, ANY));
    /* log() raising inside the handler goes to the finally, not the dispatch */
    int log = step(&t, STEP_EXPR, 5);
    CHECK(at(&t, at(&t, log)->exc)->line == 8);
    CHECK(at(&t, at(&t, log)->exc)->is_finally_copy);
    done(&t);
}

static void test_assert(void)
{
    T t = build("assert",
                "def f():\n"
                "    assert check(), 'msg'\n"
                "    after()\n"
                "    assert False\n",
                "f");
    int c = step(&t, STEP_COND, 2), r = step(&t, STEP_RAISE, 2);
    CHECK(at(&t, c)->may_raise);
    CHECK_INT(succ_of(&t, c, 0), step(&t, STEP_EXPR, 3));
    CHECK_INT(succ_of(&t, c, 1), r);
    CHECK_INT(at(&t, r)->exc, t.g->raise_exit);
    CHECK(at(&t, r)->node->kind == NODE_Assert);
    CHECK_INT(count(&t, STEP_COND, 4), 0); /* a constant test is decided */
    CHECK_INT(succ_of(&t, step(&t, STEP_EXPR, 3), 0), step(&t, STEP_RAISE, 4));
    CHECK(!reach(&t, t.g->entry, FIRST_ALL, t.g->exit, ANY, ANY));
    done(&t);
}

static void test_return_in_finally(void)
{
    T t = build("return in finally",
                "def f():\n"
                "    try:\n"
                "        a()\n"
                "    finally:\n"
                "        return 1\n",
                "f");
    CHECK(reach(&t, step(&t, STEP_EXPR, 3), FIRST_EXC, t.g->exit, ANY, ANY));
    CHECK(!live(&t, t.g->raise_exit)); /* the return overrides the exception */
    done(&t);
    t = build("break in finally",
              "def f():\n"
              "    for x in y:\n"
              "        try:\n"
              "            return a()\n"
              "        finally:\n"
              "            break\n"
              "    b()\n",
              "f");
    int ret = step(&t, STEP_RETURN, 4);
    CHECK(reach(&t, ret, 0, step(&t, STEP_EXPR, 7), ANY, ANY));
    CHECK(!reach(&t, ret, 0, t.g->exit, 7, ANY));
    CHECK(!reach(&t, ret, FIRST_EXC, t.g->raise_exit, 7, ANY));
    done(&t);
}

static void test_try_else(void)
{
    T t = build("try/except/else",
                "def f():\n"
                "    try:\n"
                "        a()\n"
                "    except E:\n"
                "        h()\n"
                "    else:\n"
                "        e()\n"
                "    z()\n",
                "f");
    int a = step(&t, STEP_EXPR, 3), h = step(&t, STEP_EXPR, 5), e = step(&t, STEP_EXPR, 7);
    CHECK_INT(succ_of(&t, a, 0), e);
    CHECK(!reach(&t, h, FIRST_ALL, e, ANY, ANY));
    CHECK_INT(at(&t, e)->exc, t.g->raise_exit); /* not caught by its own try */
    CHECK_INT(succ_of(&t, h, 0), step(&t, STEP_EXPR, 8));
    done(&t);
}

static void test_with_items(void)
{
    T t = build("with two items",
                "def f():\n"
                "    with (a() as x,\n"
                "          b() as y):\n"
                "        use(x, y)\n",
                "f");
    int ea = step(&t, STEP_WITH_ENTER, 2), eb = step(&t, STEP_WITH_ENTER, 3);
    int xa = step(&t, STEP_WITH_EXIT, 2), xb = step(&t, STEP_WITH_EXIT, 3);
    int use = step(&t, STEP_EXPR, 4);
    CHECK_INT(succ_of(&t, ea, 0), eb);
    CHECK_INT(succ_of(&t, use, 0), xb);
    CHECK_INT(succ_of(&t, xb, 0), xa); /* the first item's exit runs last */
    CHECK_INT(succ_of(&t, xa, 0), t.g->exit);
    CHECK_INT(at(&t, eb)->exc, step(&t, STEP_WITH_EXIT_EXC, 2));
    CHECK_INT(at(&t, xb)->exc, step(&t, STEP_WITH_EXIT_EXC, 2));
    CHECK_INT(at(&t, use)->exc, step(&t, STEP_WITH_EXIT_EXC, 3));
    CHECK_INT(at(&t, step(&t, STEP_WITH_EXIT_EXC, 3))->exc, step(&t, STEP_WITH_EXIT_EXC, 2));
    done(&t);
    t = build("break through with",
              "def f():\n"
              "    for x in y:\n"
              "        with lock:\n"
              "            break\n"
              "    after()\n",
              "f");
    int ex = step(&t, STEP_WITH_EXIT, 3);
    CHECK_INT(succ_of(&t, ex, 0), step(&t, STEP_EXPR, 5));
    CHECK(!reach(&t, step(&t, STEP_WITH_ENTER, 3), 0, step(&t, STEP_EXPR, 5), ANY, STEP_WITH_EXIT));
    done(&t);
}

static void test_while_true(void)
{
    T t = build("while True",
                "def f():\n"
                "    while True:\n"
                "        if done():\n"
                "            break\n"
                "        work()\n"
                "    after()\n",
                "f");
    int head = step(&t, STEP_NOP, 2), after = step(&t, STEP_EXPR, 6);
    CHECK_INT(count(&t, STEP_COND, 2), 0);
    CHECK_INT(at(&t, head)->nsucc, 1);
    CHECK(reach(&t, head, 0, after, ANY, ANY));
    CHECK(!reach(&t, head, 0, after, 3, ANY)); /* only by the break */
    CHECK_INT(succ_of(&t, step(&t, STEP_COND, 3), 0), after);
    CHECK(!reach(&t, step(&t, STEP_COND, 3), 1, after, 3, ANY));
    CHECK_INT(succ_of(&t, step(&t, STEP_EXPR, 5), 0), head);
    done(&t);
}

/* Many returns through one finally: copies stop at CFG_MAX_FINALLY_COPIES
 * and later returns join an earlier copy, still through the finally. */
static void test_copy_bound(void)
{
    char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text, "def f(x):\n    try:\n");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "        if x == %d:\n            return %d\n", i, i);
    snprintf(text + n, sizeof text - n, "        g()\n    finally:\n        fin()\n");
    T t = build("copy bound", text, "f");
    int finline = 3 + 80 + 2;
    int copies = count(&t, STEP_EXPR, finline);
    CHECK_INT(copies, CFG_MAX_FINALLY_COPIES);
    for (int i = 0; i < 40; i++) {
        int ret = step(&t, STEP_RETURN, 4 + 2 * i);
        CHECK(reach(&t, ret, 0, t.g->exit, ANY, ANY));
        CHECK(!reach(&t, ret, 0, t.g->exit, finline, ANY));
    }
    CHECK(!reach(&t, t.g->entry, FIRST_ALL, t.g->exit, finline, ANY));
    CHECK(!t.g->truncated);
    done(&t);
}

static void test_elif_chain(void)
{
    size_t cap = 200000, n = 0;
    char *text = malloc(cap);
    n += (size_t)snprintf(text + n, cap - n, "def f(x):\n    if x == 0:\n        a()\n");
    for (int i = 1; i < 3000; i++)
        n += (size_t)snprintf(text + n, cap - n, "    elif x == %d:\n        a()\n", i);
    snprintf(text + n, cap - n, "    else:\n        z()\n    end()\n");
    T t = build("elif chain", text, "f");
    CHECK(!t.g->truncated);
    CHECK_INT(count(&t, STEP_COND, ANY), 3000);
    int end = nth(&t, STEP_EXPR, ANY, 3001);
    CHECK(end >= 0 && at(&t, end)->line == 2 + 2 * 3000 + 2);
    CHECK(reach(&t, step(&t, STEP_EXPR, 2 + 2 * 3000 + 1), 0, end, ANY, ANY));
    done(&t);
    free(text);
}

static void test_truncation(void)
{
    size_t cap = 2400000, n = 0;
    char *text = malloc(cap);
    n += (size_t)snprintf(text + n, cap - n, "def f():\n");
    for (int i = 0; i < CFG_MAX_STEPS + 10; i++)
        n += (size_t)snprintf(text + n, cap - n, "    x = y\n");
    T t = build("max steps", text, "f");
    CHECK(t.g->truncated);
    CHECK(t.g->nsteps <= CFG_MAX_STEPS);
    done(&t);
    /* finally inside finally, 24 deep: copies double per level */
    n = (size_t)snprintf(text, cap, "def f():\n");
    for (int i = 0; i < 24; i++)
        n += (size_t)snprintf(text + n, cap - n, "%*stry:\n%*sa()\n%*sfinally:\n", 4 + 4 * i, "",
                              8 + 4 * i, "", 4 + 4 * i, "");
    snprintf(text + n, cap - n, "%*sb()\n", 4 + 4 * 24, "");
    t = build("nested finally bomb", text, "f");
    CHECK(t.g->truncated);
    done(&t);
    free(text);
}

/* Statement nesting deeper than any parse (the parser stops at 200): the
 * builder stops at its own limit instead of overflowing the stack. */
static void test_depth_limit(void)
{
    Arena *a = arena_new();
    Node *name = ast_new(a, NODE_Name);
    name->v.Name.id = "x";
    name->lineno = 1;
    Node *inner = ast_new(a, NODE_Expr);
    inner->v.Expr.value = name;
    for (int i = 0; i < 5000; i++) {
        Node *w = ast_new(a, i % 2 ? NODE_While : NODE_If);
        Node **one = arena_alloc(a, sizeof *one);
        *one = inner;
        if (i % 2) {
            w->v.While.test = name;
            w->v.While.body = (NodeList){one, 1};
        } else {
            w->v.If.test = name;
            w->v.If.body = (NodeList){one, 1};
        }
        inner = w;
    }
    Node **one = arena_alloc(a, sizeof *one);
    *one = inner;
    Node *m = ast_new(a, NODE_Module);
    m->v.Module.body = (NodeList){one, 1};
    Cfg *g = cfg_build(a, m);
    char why[200];
    CHECK(g->truncated);
    CHECK(!cfg_verify(g, why, sizeof why));
    /* and cfg_verify does catch a broken graph */
    g->steps[g->nsteps - 1].succ[0] = g->nsteps;
    CHECK(cfg_verify(g, why, sizeof why));
    g->steps[g->nsteps - 1].succ[0] = g->exit;
    CHECK(!cfg_verify(g, why, sizeof why));
    g->steps[g->nsteps - 1].may_raise = 1; /* raises, but no exception edge */
    CHECK(cfg_verify(g, why, sizeof why));
    arena_free(a);
}

static void test_lambda_module(void)
{
    T t = build("module",
                "try:\n"
                "    import fast\n"
                "except ImportError:\n"
                "    fast = None\n"
                "f = lambda s: s.close()\n"
                "xs = [g(a) for a in b]\n"
                "ys = (g(a) for a in b)\n"
                "@deco\n"
                "def h(x=1):\n"
                "    pass\n"
                "def k(x=make()):\n"
                "    pass\n"
                "class C:\n"
                "    pass\n"
                "x: int\n"
                "global q\n",
                NULL);
    int imp = step(&t, STEP_BIND, 2);
    CHECK(at(&t, imp)->may_raise);
    CHECK_INT(at(&t, imp)->exc, step(&t, STEP_DISPATCH, 1));
    CHECK(!at(&t, step(&t, STEP_ASSIGN, 5))->may_raise); /* the lambda body runs later */
    CHECK(at(&t, step(&t, STEP_ASSIGN, 6))->may_raise);  /* a list comp runs now */
    CHECK(!at(&t, step(&t, STEP_ASSIGN, 7))->may_raise); /* a genexp later */
    CHECK(at(&t, step(&t, STEP_BIND, 9))->may_raise);    /* decorated */
    CHECK(at(&t, step(&t, STEP_BIND, 11))->may_raise);   /* calls in defaults */
    CHECK(at(&t, step(&t, STEP_BIND, 13))->may_raise);   /* class */
    CHECK(!at(&t, step(&t, STEP_BIND, 16))->may_raise);
    CHECK_INT(count(&t, ANY, 15), 0); /* a bare annotation */
    CHECK_INT(at(&t, t.g->entry)->line, 0);
    done(&t);
    t = build("lambda", "f = lambda s: s.close()\n", NULL);
    Node *lam = at(&t, step(&t, STEP_ASSIGN, 1))->node->v.Assign.value;
    T l = {t.a, t.src, cfg_build(t.a, lam), "lambda graph"};
    CHECK_INT(l.g->nsteps, 4);
    CHECK_INT(at(&l, 3)->kind, STEP_EXPR);
    CHECK_INT(succ_of(&l, l.g->entry, 0), 3);
    CHECK_INT(succ_of(&l, 3, 0), l.g->exit);
    CHECK_INT(at(&l, 3)->exc, l.g->raise_exit);
    done(&t);
}

static void test_unreachable(void)
{
    T t = build("unreachable",
                "def f():\n"
                "    return 1\n"
                "    dead()\n",
                "f");
    int dead = step(&t, STEP_EXPR, 3);
    CHECK(dead >= 0 && !live(&t, dead));
    CHECK_INT(succ_of(&t, dead, 0), t.g->exit);
    done(&t);
}

static void test_async_for_and_await(void)
{
    T t = build("async for",
                "async def f(conn):\n"
                "    async for row in conn.cursor(q):\n"
                "        x = row\n"
                "    y = await conn.fetch()\n"
                "    del x\n",
                "f");
    int head = step(&t, STEP_FOR_NEXT, 2);
    CHECK(at(&t, head)->may_raise);
    CHECK(!at(&t, step(&t, STEP_ASSIGN, 3))->may_raise);
    CHECK(at(&t, step(&t, STEP_ASSIGN, 4))->may_raise);
    CHECK(!at(&t, step(&t, STEP_DELETE, 5))->may_raise);
    CHECK_INT(succ_of(&t, step(&t, STEP_ASSIGN, 3), 0), head);
    done(&t);
}

static void test_finally_after_handler_return(void)
{
    T t = build("return in handler",
                "def f(s):\n"
                "    try:\n"
                "        s.q()\n"
                "    except E:\n"
                "        return None\n"
                "    else:\n"
                "        return 1\n"
                "    finally:\n"
                "        s.close()\n",
                "f");
    int r1 = step(&t, STEP_RETURN, 5), r2 = step(&t, STEP_RETURN, 7);
    CHECK(!reach(&t, r1, 0, t.g->exit, 9, ANY));
    CHECK(!reach(&t, r2, 0, t.g->exit, 9, ANY));
    CHECK(reach(&t, r1, 0, t.g->exit, ANY, ANY));
    /* E not matched: close, then out */
    int disp = step(&t, STEP_DISPATCH, 2);
    CHECK(reach(&t, disp, 1, t.g->raise_exit, ANY, ANY));
    CHECK(!reach(&t, disp, 1, t.g->raise_exit, 9, ANY));
    CHECK_INT(count(&t, STEP_EXPR, 9), 3); /* two returns, the exception */
    CHECK(!reach(&t, t.g->entry, FIRST_ALL, t.g->exit, 9, ANY));
    done(&t);
}

static void test_golden_dump(void)
{
    T t = build("dump",
                "def f(s):\n"
                "    try:\n"
                "        s.q()\n"
                "    finally:\n"
                "        s.close()\n",
                "f");
    char *got = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&got, &len);
    cfg_dump(out, t.g, &t.src);
    fclose(out);
    const char *want = "0 ENTRY L0 FunctionDef -> 3\n"
                       "1 EXIT L0 ->\n"
                       "2 RAISE_EXIT L0 ->\n"
                       "3 EXPR L3 Call -> 4 exc 5\n"
                       "4 EXPR L5 Call -> 1 exc 2\n"
                       "5 EXPR L5 Call -> 2 exc 2\n";
    CHECK_STR(got, want);
    free(got);
    done(&t);
}

int main(void)
{
    test_try_finally_return();
    test_nested_finally();
    test_with_exception();
    test_break_through_finally();
    test_continue_through_finally();
    test_while_else();
    test_for_else_break();
    test_except_star();
    test_bare_except();
    test_match_guard();
    test_generator_finally();
    test_async_with_await();
    test_return_inside_with();
    test_reraise_in_except();
    test_assert();
    test_return_in_finally();
    test_try_else();
    test_with_items();
    test_while_true();
    test_copy_bound();
    test_elif_chain();
    test_truncation();
    test_depth_limit();
    test_lambda_module();
    test_unreachable();
    test_async_for_and_await();
    test_finally_after_handler_return();
    test_golden_dump();
    return unit_report();
}
