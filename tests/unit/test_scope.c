/*
 * test_scope.c - scope.c (bindings, LEGB, global/nonlocal, comprehensions
 * and walrus, imports made absolute, qualified names) and modgraph.c
 * (module names from the file system, the project map, resolving names
 * through re-exports).  Snippets are parsed by the real parser; the
 * modgraph cases build a small project tree in a temporary folder.
 * Run by tests/unit.sh; ends with "N passed, N failed" (unit.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ast.h"
#include "lex.h"
#include "modgraph.h"
#include "parse.h"
#include "scope.h"
#include "source.h"
#include "unit.h"

/* --- helpers --------------------------------------------------------------- */

typedef struct Snip {
    Arena *a;
    Node *mod;
    ScopeTable *t;
} Snip;

static Node *parse_text(Arena *a, const char *path, const char *text)
{
    Source src;
    SourceError e;
    Lexed lx;
    if (source_from_bytes(a, path, text, strlen(text), &src, &e) != SRC_OK) {
        fprintf(stderr, "decode failed: %s\n", e.msg);
        exit(1);
    }
    ParseResult r = parse_module(a, &src, &lx, NULL);
    if (r.nerrors) {
        fprintf(stderr, "%s: syntax error on line %d in test snippet\n", path, r.error_line);
        unit_failed++;
    }
    return r.module;
}

static Snip snip(const char *text, const char *modname, int is_package)
{
    Snip s;
    s.a = arena_new();
    s.mod = parse_text(s.a, "t.py", text);
    s.t = scope_build(s.a, s.mod, modname, is_package);
    return s;
}

typedef struct Find {
    int kind;         /* node kind wanted */
    const char *name; /* for defs and classes; NULL for any */
    int skip;         /* matches to pass over first */
    Node *found;
} Find;

static void find_cb(Node *parent, Node *child, void *arg);

static void find_in(Node *n, Find *f)
{
    if (f->found)
        return;
    if (n->kind == f->kind) {
        const char *nm = n->kind == NODE_FunctionDef        ? n->v.FunctionDef.name
                         : n->kind == NODE_AsyncFunctionDef ? n->v.AsyncFunctionDef.name
                         : n->kind == NODE_ClassDef         ? n->v.ClassDef.name
                                                            : NULL;
        if ((!f->name || (nm && strcmp(nm, f->name) == 0)) && f->skip-- == 0) {
            f->found = n;
            return;
        }
    }
    ast_children(n, find_cb, f);
}

static void find_cb(Node *parent, Node *child, void *arg) { find_in(child, arg); }

/* The skip-th node of kind (named name) in the module, or NULL. */
static Node *nth(const Snip *s, int kind, const char *name, int skip)
{
    Find f = {kind, name, skip, NULL};
    find_in(s->mod, &f);
    return f.found;
}

/* The scope that def/class `name` opens. */
static const Scope *scope_named(const Snip *s, const char *name)
{
    Node *n = nth(s, NODE_FunctionDef, name, 0);
    if (!n)
        n = nth(s, NODE_AsyncFunctionDef, name, 0);
    if (!n)
        n = nth(s, NODE_ClassDef, name, 0);
    const Scope *sc = n ? scope_of(s->t, n) : NULL;
    if (!sc)
        fprintf(stderr, "no scope for %s\n", name);
    return sc;
}

/* The binding of name in scope sc itself (no LEGB), or NULL. */
static const Binding *own(const Scope *sc, const char *name)
{
    for (int i = 0; sc && i < sc->nbindings; i++)
        if (strcmp(sc->bindings[i].name, name) == 0)
            return &sc->bindings[i];
    return NULL;
}

/* The scope holding the binding that name means in sc (NULL if none). */
static const Scope *where_is(const Snip *s, const Scope *sc, const char *name)
{
    const Scope *w = NULL;
    return scope_lookup(s->t, sc, name, &w) ? w : NULL;
}

static int kind_of(const Binding *b) { return b ? b->kind : -1; }
static int nbind_of(const Binding *b) { return b ? b->nbind : -1; }
static int def_kind(const Binding *b) { return b && b->def ? b->def->kind : -1; }
static int value_kind(const Binding *b) { return b && b->value ? b->value->kind : -1; }
static const char *qual_of(const Binding *b) { return b ? b->qualname : NULL; }

/* The value of the module-level `name = value`. */
static const Node *value_of(const Snip *s, const char *name)
{
    const Binding *b = own(scope_module(s->t), name);
    return b ? b->value : NULL;
}

/* --- LEGB ------------------------------------------------------------------ */

static void test_legb(void)
{
    Snip s = snip("x = 1\n"
                  "y = 2\n"
                  "class C:\n"
                  "    x = 10\n"
                  "    z = x\n"
                  "    def m(self):\n"
                  "        return x, self\n"
                  "    lam = lambda: x\n"
                  "    comp = [x for _ in range(3)]\n"
                  "def outer():\n"
                  "    y = 3\n"
                  "    def inner():\n"
                  "        return y\n"
                  "    class K:\n"
                  "        y = 4\n"
                  "        w = y\n"
                  "        def m2(self):\n"
                  "            return y\n"
                  "    return inner\n",
                  "app.main", 0);
    const Scope *mod = scope_module(s.t), *c = scope_named(&s, "C"), *m = scope_named(&s, "m"),
                *outer = scope_named(&s, "outer"), *inner = scope_named(&s, "inner"),
                *k = scope_named(&s, "K"), *m2 = scope_named(&s, "m2");
    const Scope *lam = scope_of(s.t, nth(&s, NODE_Lambda, NULL, 0));
    const Scope *comp = scope_of(s.t, nth(&s, NODE_ListComp, NULL, 0));
    CHECK(scope_of(s.t, s.mod) == mod);
    CHECK_INT(mod->kind, SCOPE_MODULE);
    CHECK(mod->parent == NULL);
    CHECK_INT(c->kind, SCOPE_CLASS);
    CHECK_INT(m->kind, SCOPE_FUNCTION);
    CHECK_INT(lam->kind, SCOPE_LAMBDA);
    CHECK_INT(comp->kind, SCOPE_COMPREHENSION);
    CHECK(m->parent == c && c->parent == mod && lam->parent == c && comp->parent == c);
    CHECK(inner->parent == outer && k->parent == outer && m2->parent == k);

    CHECK(where_is(&s, c, "x") == c);      /* the class body sees its own x */
    CHECK(where_is(&s, m, "x") == mod);    /* a method skips the class */
    CHECK(where_is(&s, lam, "x") == mod);  /* so does a lambda in the class body */
    CHECK(where_is(&s, comp, "x") == mod); /* and a comprehension */
    CHECK(where_is(&s, comp, "_") == comp);
    CHECK(where_is(&s, inner, "y") == outer);
    CHECK(where_is(&s, k, "y") == k);
    CHECK(where_is(&s, m2, "y") == outer); /* K's y is skipped */
    CHECK(where_is(&s, m2, "K") == outer);
    CHECK(where_is(&s, m, "self") == m);
    CHECK_INT(kind_of(scope_lookup(s.t, m, "self", NULL)), BIND_PARAM);
    CHECK(scope_lookup(s.t, m, "len", NULL) == NULL); /* builtin */
    CHECK(scope_lookup(s.t, mod, "nothing", NULL) == NULL);
    CHECK(scope_lookup(s.t, inner, "C", NULL) == own(mod, "C"));
    CHECK_INT(kind_of(own(mod, "C")), BIND_CLASS);
    CHECK_INT(kind_of(own(c, "m")), BIND_DEF);
    CHECK(own(mod, "m") == NULL);
    CHECK(scope_of(s.t, nth(&s, NODE_Assign, NULL, 0)) == NULL); /* not an owner */
    CHECK(scope_of(s.t, NULL) == NULL);
    arena_free(s.a);
}

/* --- global and nonlocal --------------------------------------------------- */

static void test_global_nonlocal(void)
{
    Snip s = snip("counter = 0\n"
                  "engine = None\n"
                  "global w\n"
                  "w = 1\n"
                  "def bump():\n"
                  "    global counter\n"
                  "    counter += 1\n"
                  "def init():\n"
                  "    global engine, fresh\n"
                  "    engine = make()\n"
                  "    fresh = 1\n"
                  "def reader():\n"
                  "    return counter, fresh\n"
                  "def f():\n"
                  "    def g():\n"
                  "        nonlocal v\n"
                  "        v = 2\n"
                  "        def h():\n"
                  "            return v\n"
                  "        return h\n"
                  "    v = 1\n"
                  "    return g\n"
                  "def outer():\n"
                  "    global late\n"
                  "    def mid():\n"
                  "        late = 0\n"
                  "        def deep():\n"
                  "            return late\n"
                  "    def other():\n"
                  "        return late\n"
                  "class D:\n"
                  "    global counter\n"
                  "    counter = 5\n"
                  "def annotated():\n"
                  "    global later\n"
                  "    later = 1\n"
                  "later: int\n",
                  "app.main", 0);
    const Scope *mod = scope_module(s.t), *bump = scope_named(&s, "bump"),
                *init = scope_named(&s, "init"), *reader = scope_named(&s, "reader"),
                *f = scope_named(&s, "f"), *g = scope_named(&s, "g"), *h = scope_named(&s, "h"),
                *mid = scope_named(&s, "mid"), *deep = scope_named(&s, "deep"),
                *other = scope_named(&s, "other"), *d = scope_named(&s, "D");
    const Binding *counter = own(mod, "counter");
    CHECK_INT(nbind_of(counter), 3); /* module, bump's +=, class D's */
    CHECK(counter && counter->value == NULL);
    CHECK_INT(def_kind(counter), NODE_Assign);
    CHECK_INT(kind_of(own(bump, "counter")), BIND_GLOBAL);
    CHECK(scope_lookup(s.t, bump, "counter", NULL) == counter);
    CHECK(where_is(&s, bump, "counter") == mod);
    CHECK(where_is(&s, d, "counter") == mod);
    CHECK(scope_lookup(s.t, reader, "counter", NULL) == counter);
    CHECK_INT(nbind_of(own(mod, "engine")), 2);
    CHECK(value_of(&s, "engine") == NULL);
    /* a global only a function assigns is created in the module */
    const Binding *fresh = own(mod, "fresh");
    CHECK_INT(nbind_of(fresh), 1);
    CHECK_INT(kind_of(fresh), BIND_LOCAL);
    CHECK(fresh && fresh->value == NULL); /* evaluated in init, not here */
    CHECK(scope_lookup(s.t, reader, "fresh", NULL) == fresh);
    CHECK(scope_lookup(s.t, init, "fresh", NULL) == fresh);
    /* `global` at module level changes nothing */
    CHECK_INT(kind_of(own(mod, "w")), BIND_LOCAL);
    CHECK_INT(value_kind(own(mod, "w")), NODE_Constant);
    /* nonlocal: g's assignment counts in f, and h sees f's v */
    CHECK_INT(kind_of(own(g, "v")), BIND_NONLOCAL);
    CHECK_INT(nbind_of(own(f, "v")), 2);
    CHECK(own(f, "v") && own(f, "v")->value == NULL);
    CHECK(where_is(&s, g, "v") == f);
    CHECK(where_is(&s, h, "v") == f);
    /* a global declared in an enclosing function: mid binds its own late,
     * deep sees mid's, other sees the module (outer declared it global) */
    CHECK(where_is(&s, mid, "late") == mid);
    CHECK(where_is(&s, deep, "late") == mid);
    CHECK(scope_lookup(s.t, other, "late", NULL) == NULL); /* nobody binds the global */
    /* annotated at module level after a function assigned it */
    CHECK_INT(nbind_of(own(mod, "later")), 1);
    arena_free(s.a);
}

/* --- comprehensions and walrus --------------------------------------------- */

static void test_comprehensions(void)
{
    Snip s = snip("def f(data):\n"
                  "    total = [y := v * 2 for v in data if (w := v)]\n"
                  "    nested = [[j + i for j in i] for i in data]\n"
                  "    deep = [[(q := j) for j in i] for i in data]\n"
                  "    return y, w\n"
                  "g = [(z := i) for i in range(3)]\n"
                  "h = {k: v for k, v in pairs}\n"
                  "st = {a for a in b for b2 in a}\n"
                  "gen = (e for e in data2)\n"
                  "lam = lambda p, *ps, kw=dflt, **kws: (r := p)\n"
                  "class C:\n"
                  "    items = [1]\n"
                  "    doubled = [n * 2 for n in items]\n",
                  "app.main", 0);
    const Scope *mod = scope_module(s.t), *f = scope_named(&s, "f"), *c = scope_named(&s, "C");
    const Scope *total = scope_of(s.t, nth(&s, NODE_ListComp, NULL, 0));
    const Scope *outer = scope_of(s.t, nth(&s, NODE_ListComp, NULL, 1));
    const Scope *inner = scope_of(s.t, nth(&s, NODE_ListComp, NULL, 2));
    const Scope *deep_inner = scope_of(s.t, nth(&s, NODE_ListComp, NULL, 4));
    const Scope *gcomp = scope_of(s.t, nth(&s, NODE_ListComp, NULL, 5));
    const Scope *dict = scope_of(s.t, nth(&s, NODE_DictComp, NULL, 0));
    const Scope *set = scope_of(s.t, nth(&s, NODE_SetComp, NULL, 0));
    const Scope *gen = scope_of(s.t, nth(&s, NODE_GeneratorExp, NULL, 0));
    const Scope *lam = scope_of(s.t, nth(&s, NODE_Lambda, NULL, 0));
    const Scope *doubled = scope_of(s.t, nth(&s, NODE_ListComp, NULL, 6));
    CHECK(total && total->parent == f && inner && inner->parent == outer);
    CHECK(own(total, "v") != NULL);
    CHECK_INT(def_kind(own(total, "v")), NODE_comprehension);
    CHECK(own(total, "y") == NULL && own(total, "w") == NULL);
    CHECK_INT(def_kind(own(f, "y")), NODE_NamedExpr);
    CHECK_INT(def_kind(own(f, "w")), NODE_NamedExpr);
    CHECK(own(f, "v") == NULL);
    CHECK(where_is(&s, total, "y") == f);
    CHECK(where_is(&s, total, "data") == f);
    CHECK(where_is(&s, inner, "i") == outer);
    CHECK(where_is(&s, inner, "j") == inner);
    CHECK(own(f, "q") != NULL); /* walrus two comprehensions deep binds in f */
    CHECK(own(deep_inner, "q") == NULL);
    CHECK(own(mod, "z") != NULL && own(gcomp, "z") == NULL && own(gcomp, "i") != NULL);
    CHECK(own(dict, "k") && own(dict, "v") && !own(mod, "k"));
    CHECK(own(set, "a") && own(set, "b2"));
    CHECK(where_is(&s, set, "b") == NULL); /* b is unbound: the first iterable is outside */
    CHECK(own(gen, "e") && gen->kind == SCOPE_COMPREHENSION);
    CHECK_INT(kind_of(own(lam, "p")), BIND_PARAM);
    CHECK_INT(kind_of(own(lam, "ps")), BIND_PARAM);
    CHECK_INT(kind_of(own(lam, "kw")), BIND_PARAM);
    CHECK_INT(kind_of(own(lam, "kws")), BIND_PARAM);
    CHECK(own(lam, "r") != NULL && own(mod, "r") == NULL);
    CHECK(doubled && doubled->parent == c);
    CHECK(where_is(&s, doubled, "items") == NULL); /* class scope skipped */
    CHECK(where_is(&s, c, "items") == c);
    CHECK_STR(scope_owner_qualname(s.t, total), "app.main.f.<locals>.<listcomp>");
    CHECK_STR(scope_owner_qualname(s.t, lam), "app.main.<lambda>");
    arena_free(s.a);
}

/* --- every binding form ---------------------------------------------------- */

static void test_forms(void)
{
    Snip s = snip("def forms(p, /, q, *args, r, s=1, **kw):\n"
                  "    a = 1\n"
                  "    b, (c, *d) = 1, (2, 3)\n"
                  "    [e, f] = 1, 2\n"
                  "    g: int = 5\n"
                  "    h: int\n"
                  "    (hh): int\n"
                  "    i += 1\n"
                  "    for j, k in x:\n"
                  "        pass\n"
                  "    with open() as l, open() as (m, n):\n"
                  "        pass\n"
                  "    try:\n"
                  "        pass\n"
                  "    except E as o:\n"
                  "        pass\n"
                  "    del t\n"
                  "    (u := 1)\n"
                  "    import mod.sub\n"
                  "    from pkg import name as alias\n"
                  "    match z:\n"
                  "        case [v1, *rest]:\n"
                  "            pass\n"
                  "        case {'k': v2, **others}:\n"
                  "            pass\n"
                  "        case P(x=v3) | P(y=v3):\n"
                  "            pass\n"
                  "        case _:\n"
                  "            pass\n"
                  "    def inner():\n"
                  "        pass\n"
                  "    class Inner:\n"
                  "        pass\n"
                  "    obj.attr = 1\n"
                  "    lst[key := 0] = 1\n"
                  "async def af():\n"
                  "    async for x1 in y:\n"
                  "        pass\n"
                  "    async with z as w1:\n"
                  "        pass\n"
                  "    try:\n"
                  "        pass\n"
                  "    except* E as eg:\n"
                  "        pass\n"
                  "def tp[T, *Ts, **P](x: T) -> T:\n"
                  "    return x\n"
                  "class Box[U]:\n"
                  "    def get(self) -> U:\n"
                  "        return U\n"
                  "type Alias[V] = list[V]\n",
                  "app.main", 0);
    const Scope *fs = scope_named(&s, "forms"), *af = scope_named(&s, "af"),
                *tp = scope_named(&s, "tp"), *box = scope_named(&s, "Box"),
                *get = scope_named(&s, "get"), *mod = scope_module(s.t);
    const char *params[] = {"p", "q", "args", "r", "s", "kw"};
    for (int i = 0; i < 6; i++)
        CHECK_INT(kind_of(own(fs, params[i])), BIND_PARAM);
    CHECK_INT(def_kind(own(fs, "p")), NODE_arg);
    const char *locals[] = {"a", "b", "c", "d", "e", "f",  "g",    "h",  "i",      "j",  "k",  "l",
                            "m", "n", "o", "t", "u", "v1", "rest", "v2", "others", "v3", "key"};
    for (int i = 0; i < (int)(sizeof locals / sizeof *locals); i++) {
        if (kind_of(own(fs, locals[i])) != BIND_LOCAL)
            fprintf(stderr, "local %s\n", locals[i]);
        CHECK_INT(kind_of(own(fs, locals[i])), BIND_LOCAL);
    }
    CHECK_INT(def_kind(own(fs, "a")), NODE_Assign);
    CHECK_INT(value_kind(own(fs, "a")), NODE_Constant);
    CHECK(own(fs, "b")->value == NULL && own(fs, "d")->value == NULL);
    CHECK_INT(def_kind(own(fs, "g")), NODE_AnnAssign);
    CHECK_INT(value_kind(own(fs, "g")), NODE_Constant);
    CHECK_INT(nbind_of(own(fs, "h")), 0); /* declared, never bound */
    CHECK(own(fs, "hh") == NULL);         /* `(hh): int` declares nothing */
    CHECK_INT(def_kind(own(fs, "i")), NODE_AugAssign);
    CHECK_INT(def_kind(own(fs, "j")), NODE_For);
    CHECK_INT(def_kind(own(fs, "l")), NODE_withitem);
    CHECK_INT(def_kind(own(fs, "n")), NODE_withitem);
    CHECK_INT(def_kind(own(fs, "o")), NODE_ExceptHandler);
    CHECK_INT(def_kind(own(fs, "t")), NODE_Delete);
    CHECK_INT(def_kind(own(fs, "u")), NODE_NamedExpr);
    CHECK_INT(def_kind(own(fs, "v1")), NODE_MatchAs);
    CHECK_INT(def_kind(own(fs, "rest")), NODE_MatchStar);
    CHECK_INT(def_kind(own(fs, "others")), NODE_MatchMapping);
    CHECK_INT(nbind_of(own(fs, "v3")), 2); /* one in each alternative */
    CHECK(own(fs, "_") == NULL);
    CHECK_INT(kind_of(own(fs, "mod")), BIND_IMPORT);
    CHECK_STR(qual_of(own(fs, "mod")), "mod");
    CHECK_INT(def_kind(own(fs, "mod")), NODE_Import);
    CHECK_STR(qual_of(own(fs, "alias")), "pkg.name");
    CHECK_INT(def_kind(own(fs, "alias")), NODE_ImportFrom);
    CHECK_INT(kind_of(own(fs, "inner")), BIND_DEF);
    CHECK(qual_of(own(fs, "inner")) == NULL); /* not at module level */
    CHECK_INT(kind_of(own(fs, "Inner")), BIND_CLASS);
    CHECK(own(fs, "obj") == NULL && own(fs, "lst") == NULL && own(fs, "attr") == NULL);
    CHECK_INT(def_kind(own(af, "x1")), NODE_AsyncFor);
    CHECK_INT(def_kind(own(af, "w1")), NODE_withitem);
    CHECK_INT(def_kind(own(af, "eg")), NODE_ExceptHandler);
    CHECK_INT(kind_of(own(mod, "af")), BIND_DEF);
    CHECK_INT(def_kind(own(tp, "T")), NODE_TypeVar);
    CHECK_INT(def_kind(own(tp, "Ts")), NODE_TypeVarTuple);
    CHECK_INT(def_kind(own(tp, "P")), NODE_ParamSpec);
    CHECK(where_is(&s, tp, "T") == tp);
    CHECK(where_is(&s, get, "U") == box); /* a class's type parameter reaches its methods */
    CHECK_INT(def_kind(own(mod, "Alias")), NODE_TypeAlias);
    CHECK(own(mod, "V") == NULL);
    CHECK_INT(scope_incomplete(s.t), 0);
    arena_free(s.a);
}

/* --- value: bound once by `name = value` ----------------------------------- */

static void test_values(void)
{
    Snip s = snip("once = make()\n"
                  "twice = 1\n"
                  "twice = 2\n"
                  "multi = other = 3\n"
                  "ann: int = 4\n"
                  "aug = 1\n"
                  "aug += 1\n"
                  "tup, le = 1, 2\n"
                  "declared: int\n"
                  "declared = 5\n"
                  "def fn(): pass\n"
                  "fn2 = None\n"
                  "def fn2(): pass\n"
                  "if cond:\n"
                  "    branch = 1\n"
                  "else:\n"
                  "    branch = 2\n"
                  "for loop in x: pass\n"
                  "cm = None\n"
                  "with cm as cm: pass\n",
                  "app.main", 0);
    const Scope *mod = scope_module(s.t);
    CHECK_INT(value_kind(own(mod, "once")), NODE_Call);
    CHECK_INT(nbind_of(own(mod, "once")), 1);
    CHECK_INT(nbind_of(own(mod, "twice")), 2);
    CHECK(value_of(&s, "twice") == NULL);
    CHECK(value_of(&s, "multi") == NULL && value_of(&s, "other") == NULL);
    CHECK_INT(nbind_of(own(mod, "other")), 1);
    CHECK_INT(value_kind(own(mod, "ann")), NODE_Constant);
    CHECK(value_of(&s, "aug") == NULL);
    CHECK(value_of(&s, "tup") == NULL && value_of(&s, "le") == NULL);
    CHECK_INT(nbind_of(own(mod, "declared")), 1);
    CHECK_INT(value_kind(own(mod, "declared")), NODE_Constant);
    CHECK_INT(def_kind(own(mod, "declared")), NODE_Assign);
    CHECK_INT(kind_of(own(mod, "fn")), BIND_DEF);
    CHECK(value_of(&s, "fn") == NULL);
    CHECK_STR(qual_of(own(mod, "fn")), "app.main.fn");
    CHECK_INT(kind_of(own(mod, "fn2")), BIND_LOCAL); /* the first binding decides */
    CHECK_INT(nbind_of(own(mod, "fn2")), 2);
    CHECK(value_of(&s, "fn2") == NULL);
    CHECK_INT(nbind_of(own(mod, "branch")), 2);
    CHECK(value_of(&s, "loop") == NULL);
    CHECK(value_of(&s, "cm") == NULL);
    /* bindings keep the order of their first binding */
    CHECK_STR(mod->bindings[0].name, "once");
    CHECK_STR(mod->bindings[1].name, "twice");
    arena_free(s.a);
}

/* --- imports --------------------------------------------------------------- */

static void test_imports(void)
{
    Snip s = snip("import os\n"
                  "import sqlalchemy.orm\n"
                  "import sqlalchemy.ext.asyncio\n"
                  "import a.b.c as abc\n"
                  "from sqlalchemy.orm import sessionmaker as sm, Session\n"
                  "from . import deps\n"
                  "from .deps import get_db\n"
                  "from .. import db\n"
                  "from ..db import SessionLocal\n"
                  "from ...toplevel import nope\n"
                  "from __future__ import annotations\n"
                  "from m import *\n"
                  "from .sib import *\n",
                  "app.routers.items", 0);
    const Scope *mod = scope_module(s.t);
    CHECK_STR(qual_of(own(mod, "os")), "os");
    CHECK_STR(qual_of(own(mod, "sqlalchemy")), "sqlalchemy");
    CHECK_INT(nbind_of(own(mod, "sqlalchemy")), 2);
    CHECK(own(mod, "orm") == NULL && own(mod, "a") == NULL);
    CHECK_STR(qual_of(own(mod, "abc")), "a.b.c");
    CHECK_STR(qual_of(own(mod, "sm")), "sqlalchemy.orm.sessionmaker");
    CHECK(own(mod, "sessionmaker") == NULL);
    CHECK_STR(qual_of(own(mod, "Session")), "sqlalchemy.orm.Session");
    CHECK_STR(qual_of(own(mod, "deps")), "app.routers.deps");
    CHECK_STR(qual_of(own(mod, "get_db")), "app.routers.deps.get_db");
    CHECK_STR(qual_of(own(mod, "db")), "app.db");
    CHECK_STR(qual_of(own(mod, "SessionLocal")), "app.db.SessionLocal");
    CHECK_STR(qual_of(own(mod, "nope")), "...toplevel.nope"); /* past the top */
    CHECK_STR(qual_of(own(mod, "annotations")), "__future__.annotations");
    CHECK_INT(kind_of(own(mod, "SessionLocal")), BIND_IMPORT);
    int n;
    const char *const *stars = scope_star_imports(s.t, &n);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(stars[0], "m");
        CHECK_STR(stars[1], "app.routers.sib");
    }
    CHECK_STR(scope_module_name(s.t), "app.routers.items");
    arena_free(s.a);

    /* a package's __init__ counts from the package itself */
    s = snip("from .session import SessionLocal\n"
             "from . import models\n"
             "from .. import config\n"
             "from ... import beyond\n",
             "app.db", 1);
    mod = scope_module(s.t);
    CHECK_STR(qual_of(own(mod, "SessionLocal")), "app.db.session.SessionLocal");
    CHECK_STR(qual_of(own(mod, "models")), "app.db.models");
    CHECK_STR(qual_of(own(mod, "config")), "app.config");
    CHECK_STR(qual_of(own(mod, "beyond")), "...beyond");
    arena_free(s.a);

    s = snip("from . import x\nfrom .y import z\n", "run", 0); /* a script: no package */
    CHECK_STR(qual_of(own(scope_module(s.t), "x")), ".x");
    CHECK_STR(qual_of(own(scope_module(s.t), "z")), ".y.z");
    arena_free(s.a);

    s = snip("from . import x\nfrom .. import y\n", "app", 1); /* a top-level package */
    CHECK_STR(qual_of(own(scope_module(s.t), "x")), "app.x");
    CHECK_STR(qual_of(own(scope_module(s.t), "y")), "..y");
    arena_free(s.a);

    s = snip("def f(): pass\nclass C:\n    def m(self): pass\n", NULL, 0); /* no name */
    CHECK_STR(scope_module_name(s.t), "");
    CHECK_STR(qual_of(own(scope_module(s.t), "f")), "f");
    CHECK_STR(scope_owner_qualname(s.t, scope_named(&s, "m")), "C.m");
    arena_free(s.a);
}

/* --- qualified names of expressions ---------------------------------------- */

static void test_qualnames(void)
{
    Snip s = snip("import sqlalchemy.orm\n"
                  "from sqlalchemy import orm\n"
                  "import sqlalchemy.ext.asyncio as sa_async\n"
                  "from fastapi import Depends\n"
                  "def get_db(): pass\n"
                  "class Repo:\n"
                  "    def get(self): pass\n"
                  "x = sqlalchemy.orm.sessionmaker\n"
                  "y = orm.Session\n"
                  "z = sa_async.AsyncSession\n"
                  "w = Depends\n"
                  "v = get_db\n"
                  "u = Repo.get\n"
                  "loc = 1\n"
                  "t = loc.attr\n"
                  "q = make().attr\n"
                  "def f(orm):\n"
                  "    def inner(): pass\n"
                  "    return orm.Session\n"
                  "def g():\n"
                  "    return sqlalchemy.orm.Session\n",
                  "app.main", 0);
    const Scope *mod = scope_module(s.t);
    CHECK_STR(scope_qualname(s.t, mod, value_of(&s, "x")), "sqlalchemy.orm.sessionmaker");
    CHECK_STR(scope_qualname(s.t, mod, value_of(&s, "y")), "sqlalchemy.orm.Session");
    CHECK_STR(scope_qualname(s.t, mod, value_of(&s, "z")), "sqlalchemy.ext.asyncio.AsyncSession");
    CHECK_STR(scope_qualname(s.t, mod, value_of(&s, "w")), "fastapi.Depends");
    CHECK_STR(scope_qualname(s.t, mod, value_of(&s, "v")), "app.main.get_db");
    CHECK_STR(scope_qualname(s.t, mod, value_of(&s, "u")), "app.main.Repo.get");
    CHECK(scope_qualname(s.t, mod, value_of(&s, "t")) == NULL);
    CHECK(scope_qualname(s.t, mod, value_of(&s, "q")) == NULL);
    CHECK(scope_qualname(s.t, mod, NULL) == NULL);
    const Scope *f = scope_named(&s, "f"), *g = scope_named(&s, "g");
    Node *ret_f = nth(&s, NODE_Return, NULL, 0), *ret_g = nth(&s, NODE_Return, NULL, 1);
    CHECK(scope_qualname(s.t, f, ret_f->v.Return.value) == NULL); /* the parameter shadows */
    CHECK_STR(scope_qualname(s.t, g, ret_g->v.Return.value), "sqlalchemy.orm.Session");
    char buf[64];
    CHECK_INT(scope_qualname_buf(s.t, mod, value_of(&s, "y"), buf, sizeof buf),
              strlen("sqlalchemy.orm.Session"));
    CHECK_STR(buf, "sqlalchemy.orm.Session");
    CHECK_INT(scope_qualname_buf(s.t, mod, value_of(&s, "y"), buf, 10), 0); /* too long */
    CHECK_STR(scope_owner_qualname(s.t, scope_named(&s, "get")), "app.main.Repo.get");
    CHECK_STR(scope_owner_qualname(s.t, scope_named(&s, "inner")), "app.main.f.<locals>.inner");
    CHECK_STR(scope_owner_qualname(s.t, mod), "app.main");
    CHECK_STR(qual_of(own(mod, "Repo")), "app.main.Repo");
    arena_free(s.a);
}

/* --- many names, names from elsewhere, deep input -------------------------- */

static void test_scale(void)
{
    enum { N = 5000 };
    size_t cap = (size_t)N * 40 + 64, len = 0;
    char *text = malloc(cap);
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(text + len, cap - len, "name_%d = %d\n", i, i);
    len += (size_t)snprintf(text + len, cap - len, "def f():\n    return name_42\n");
    Snip s = snip(text, "big", 0);
    const Scope *mod = scope_module(s.t);
    CHECK_INT(mod->nbindings, N + 1);
    int found = 0;
    for (int i = 0; i < N; i++) {
        char name[32]; /* not the parser's interned string */
        snprintf(name, sizeof name, "name_%d", i);
        const Binding *b = scope_lookup(s.t, scope_named(&s, "f"), name, NULL);
        found += b && b->nbind == 1 && b->value && b->value->kind == NODE_Constant;
    }
    CHECK_INT(found, N);
    CHECK(scope_lookup(s.t, mod, "name_5000", NULL) == NULL);
    arena_free(s.a);
    free(text);

    /* a 100000-term sum and a long method chain: walked without deep recursion */
    cap = 100000 * 16 + 64;
    text = malloc(cap);
    len = (size_t)snprintf(text, cap, "x = (first := 0)");
    for (int i = 0; i < 100000; i++)
        len += (size_t)snprintf(text + len, cap - len, " + v%d", i % 10);
    len += (size_t)snprintf(text + len, cap - len, " + (last := 1)\ny = q");
    for (int i = 0; i < 20000 && len + 32 < cap; i++)
        len += (size_t)snprintf(text + len, cap - len, ".f(lambda: %d)", i);
    snprintf(text + len, cap - len, "\n");
    s = snip(text, "deep", 0);
    CHECK_INT(scope_incomplete(s.t), 0);
    CHECK(own(scope_module(s.t), "first") && own(scope_module(s.t), "last"));
    /* the lambdas at both ends of the chain (walked in a loop: the tree is
     * too deep for a recursive search here) */
    const Node *call = value_of(&s, "y"), *first = NULL;
    CHECK(call && call->kind == NODE_Call && call->v.Call.args.n == 1);
    if (call && call->kind == NODE_Call && call->v.Call.args.n == 1)
        CHECK(scope_of(s.t, call->v.Call.args.items[0]) != NULL);
    for (; call && call->kind == NODE_Call; call = call->v.Call.func->v.Attribute.value)
        first = call->v.Call.args.items[0];
    CHECK(first && first->kind == NODE_Lambda && scope_of(s.t, first) != NULL);
    CHECK_INT(scope_module(s.t)->nbindings, 4); /* x, first, last, y */
    arena_free(s.a);
    free(text);
}

/* --- modgraph -------------------------------------------------------------- */

typedef struct Tree {
    char root[64];
    VEC(char *) made; /* files and folders, in order of creation */
} Tree;

static void tree_add(Tree *t, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", t->root, rel);
    for (char *p = path + strlen(t->root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        if (mkdir(path, 0700) == 0)
            VEC_PUSH(&t->made, strdup(path));
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
    VEC_PUSH(&t->made, strdup(path));
}

static void tree_free(Tree *t)
{
    for (size_t i = t->made.n; i-- > 0;) {
        if (remove(t->made.items[i]) != 0)
            perror(t->made.items[i]);
        free(t->made.items[i]);
    }
    VEC_FREE(&t->made);
    rmdir(t->root);
}

static const char *const project_files[][2] = {
    {"src/app/__init__.py", ""},
    {"src/app/db/__init__.py", "from .session import SessionLocal, engine as eng\n"
                               "from . import session\n"
                               "from .models import *\n"
                               "from sqlalchemy.orm import Session\n"
                               "Alias = session.SessionLocal\n"
                               "get_session = SessionLocal\n"},
    {"src/app/db/session.py", "from sqlalchemy import create_engine\n"
                              "from sqlalchemy.orm import sessionmaker\n"
                              "engine = create_engine(URL)\n"
                              "SessionLocal = sessionmaker(bind=engine)\n"},
    {"src/app/db/models.py", "class Item: pass\n"},
    {"src/app/routers/__init__.py", ""},
    {"src/app/routers/items.py", "from ..db import SessionLocal\n"
                                 "import app.db\n"
                                 "from app import db as dbmod\n"
                                 "a = app.db.SessionLocal\n"
                                 "b = dbmod.SessionLocal\n"
                                 "c = app.db.session.engine\n"},
    {"src/app/cyc1.py", "from .cyc2 import loop\n"},
    {"src/app/cyc2.py", "from .cyc1 import loop\n"},
    {"src/app/util.pyi", "def helper() -> int: ...\n"},
    {"src/app/util.py", "def helper(): return 1\n"},
    {"tools/run.py", "X = 2\n"},
    {"scripts/run.py", "import app.db.session\n"},
    {"ns/pkg/mod.py", "X = 1\n"},
    {"stubonly/__init__.pyi", "Y: int\n"},
};

static void test_module_names(Tree *t)
{
    Arena *a = arena_new();
    char path[512];
    int pkg;
    struct {
        const char *rel, *name;
        int pkg;
    } cases[] = {
        {"src/app/db/session.py", "app.db.session", 0},
        {"src/app/db/__init__.py", "app.db", 1},
        {"src/app/__init__.py", "app", 1},
        {"src/app/routers/items.py", "app.routers.items", 0},
        {"src/app/util.pyi", "app.util", 0},
        {"scripts/run.py", "run", 0},
        {"ns/pkg/mod.py", "mod", 0},
        {"stubonly/__init__.pyi", "stubonly", 1},
        {"src/./app/../app/db/session.py", "app.db.session", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(path, sizeof path, "%s/%s", t->root, cases[i].rel);
        CHECK_STR(modgraph_module_name(a, path, 0, NULL, &pkg), cases[i].name);
        CHECK_INT(pkg, cases[i].pkg);
    }
    /* a relative path goes through the working folder */
    char cwd[1024];
    if (getcwd(cwd, sizeof cwd) && chdir(t->root) == 0) {
        CHECK_STR(modgraph_module_name(a, "src/app/db/session.py", 0, NULL, &pkg),
                  "app.db.session");
        CHECK_STR(modgraph_module_name(a, "./src/app/db/__init__.py", 0, NULL, &pkg), "app.db");
        CHECK_INT(pkg, 1);
        if (chdir("src/app/db") == 0) {
            CHECK_STR(modgraph_module_name(a, "session.py", 0, NULL, &pkg), "app.db.session");
            CHECK_STR(modgraph_module_name(a, "../routers/items.py", 0, NULL, &pkg),
                      "app.routers.items");
        }
        if (chdir(cwd) != 0)
            perror(cwd);
    }
    /* a relative import reaching out of the regular packages: the name goes
       through the namespace folders, below the project's root */
    snprintf(path, sizeof path, "%s/ns/pkg/mod.py", t->root);
    CHECK_STR(modgraph_module_name(a, path, 1, t->root, &pkg), "ns.pkg.mod");
    CHECK_STR(modgraph_module_name(a, path, 2, t->root, &pkg), "ns.pkg.mod");
    char nsroot[600];
    snprintf(nsroot, sizeof nsroot, "%s/ns", t->root);
    CHECK_STR(modgraph_module_name(a, path, 1, nsroot, &pkg), "pkg.mod");
    snprintf(path, sizeof path, "%s/src/app/db/session.py", t->root);
    CHECK_STR(modgraph_module_name(a, path, 2, t->root, &pkg), "app.db.session"); /* inside */
    CHECK_STR(modgraph_module_name(a, path, 4, t->root, &pkg), "app.db.session"); /* src/ */
    /* fallback names: one folder more each, never above the path given */
    const char *alts[MODGRAPH_MAX_ALTS];
    CHECK_INT(modgraph_fallback_names(a, "ns/pkg/mod.py", "mod", 0, alts), 2);
    CHECK_STR(alts[0], "pkg.mod");
    CHECK_STR(alts[1], "ns.pkg.mod");
    CHECK_INT(modgraph_fallback_names(a, "ns/pkg/mod.py", "ns.pkg.mod", 0, alts), 0);
    CHECK_INT(modgraph_fallback_names(a, "./src/app/db/__init__.py", "app.db", 1, alts), 1);
    CHECK_STR(alts[0], "src.app.db");
    arena_free(a);
}

/* Does q resolve (wholly) to the binding bname (NULL: the module itself)
 * in the module mname? */
static int resolves_to(const Project *p, const char *q, const char *mname, const char *bname)
{
    const ProjectModule *m = NULL;
    const Binding *b = NULL;
    if (!modgraph_resolve(p, q, &m, &b) || strcmp(m->name, mname) != 0)
        return 0;
    return bname ? b && strcmp(b->name, bname) == 0 : b == NULL;
}

static void check_project(const Project *p, int nfiles)
{
    int n;
    modgraph_modules(p, &n);
    CHECK_INT(n, nfiles - 2); /* util.pyi and a second run.py lose */
    const ProjectModule *m = modgraph_find(p, "app.db");
    CHECK(m && m->is_package && strstr(m->path, "src/app/db/__init__.py"));
    m = modgraph_find(p, "app.util");
    CHECK(m && strstr(m->path, "util.py") && !strstr(m->path, ".pyi"));
    m = modgraph_find(p, "run");
    CHECK(m && strstr(m->path, "scripts/run.py"));
    CHECK(modgraph_find(p, "app.nothing") == NULL);
    CHECK(modgraph_find(p, "pkg.mod") == NULL); /* fallback names only resolve */

    const ProjectModule *rm;
    const Binding *rb;
    const char *rest;
    /* re-exports through the package's __init__.py, renamed or not */
    CHECK(resolves_to(p, "app.db.SessionLocal", "app.db.session", "SessionLocal"));
    CHECK_INT(modgraph_resolve(p, "app.db.SessionLocal", &rm, &rb), 1);
    CHECK_INT(kind_of(rb), BIND_LOCAL);
    CHECK_INT(value_kind(rb), NODE_Call);
    CHECK(resolves_to(p, "app.db.eng", "app.db.session", "engine"));
    /* the module itself, directly or through `from . import session` */
    CHECK(resolves_to(p, "app.db.session", "app.db.session", NULL));
    CHECK(resolves_to(p, "app.db", "app.db", NULL));
    /* a star import; aliases of an attribute and of an imported name */
    CHECK(resolves_to(p, "app.db.Item", "app.db.models", "Item"));
    CHECK(resolves_to(p, "app.db.Alias", "app.db.session", "SessionLocal"));
    CHECK(resolves_to(p, "app.db.get_session", "app.db.session", "SessionLocal"));
    /* third-party: the chase stops at the importing binding */
    CHECK(resolves_to(p, "app.db.Session", "app.db", "Session"));
    CHECK_INT(modgraph_resolve(p, "app.db.Session", &rm, &rb), 1);
    CHECK_STR(qual_of(rb), "sqlalchemy.orm.Session");
    CHECK_INT(modgraph_resolve(p, "sqlalchemy.orm.sessionmaker", &rm, &rb), 0);
    CHECK_INT(modgraph_resolve(p, "", &rm, &rb), 0);
    /* attributes after the binding */
    CHECK_INT(modgraph_resolve(p, "app.db.SessionLocal.begin", NULL, NULL), 0);
    CHECK_INT(modgraph_resolve_prefix(p, "app.db.SessionLocal.begin", &rm, &rb, &rest), 1);
    CHECK(rm && !strcmp(rm->name, "app.db.session") && rb && !strcmp(rb->name, "SessionLocal"));
    CHECK_STR(rest, "begin");
    CHECK_INT(modgraph_resolve_prefix(p, "app.db.Missing.x", &rm, &rb, &rest), 1);
    CHECK(rm && !strcmp(rm->name, "app.db") && rb == NULL);
    CHECK_STR(rest, "Missing.x");
    CHECK_INT(modgraph_resolve(p, "app.db.Missing", &rm, &rb), 0);
    /* a cycle of re-exports ends */
    CHECK_INT(modgraph_resolve(p, "app.cyc1.loop", &rm, &rb), 1);
    CHECK_INT(kind_of(rb), BIND_IMPORT);
    /* namespace packages (no __init__.py) by their fallback names */
    CHECK(resolves_to(p, "pkg.mod.X", "mod", "X"));
    CHECK(resolves_to(p, "ns.pkg.mod.X", "mod", "X"));
    CHECK_INT(modgraph_resolve(p, "tools.run.X", &rm, &rb), 1); /* the run.py that lost "run" */
    CHECK(rm && strstr(rm->path, "tools/run.py") && rb && !strcmp(rb->name, "X"));
}

/* Names as app/routers/items.py sees them, resolved across the project. */
static void check_items(const Project *p, const ScopeTable *items)
{
    const Scope *ms = scope_module(items);
    const char *q = qual_of(own(ms, "SessionLocal"));
    CHECK_STR(q, "app.db.SessionLocal");
    CHECK(q && resolves_to(p, q, "app.db.session", "SessionLocal"));
    const char *vars[] = {"a", "b"}; /* app.db.SessionLocal, dbmod.SessionLocal */
    for (int i = 0; i < 2; i++) {
        const Binding *v = own(ms, vars[i]);
        const char *vq = v ? scope_qualname(items, ms, v->value) : NULL;
        CHECK_STR(vq, "app.db.SessionLocal");
        CHECK(vq && resolves_to(p, vq, "app.db.session", "SessionLocal"));
    }
    const Binding *c = own(ms, "c");
    const char *cq = c ? scope_qualname(items, ms, c->value) : NULL;
    CHECK_STR(cq, "app.db.session.engine");
    CHECK(cq && resolves_to(p, cq, "app.db.session", "engine"));
}

static void test_modgraph(void)
{
    Tree t = {{0}, {0}};
    snprintf(t.root, sizeof t.root, "/tmp/sl-modgraph-XXXXXX");
    if (!mkdtemp(t.root)) {
        perror("mkdtemp");
        unit_failed++;
        return;
    }
    int nfiles = (int)(sizeof project_files / sizeof *project_files);
    for (int i = 0; i < nfiles; i++)
        tree_add(&t, project_files[i][0], project_files[i][1]);
    test_module_names(&t);

    Arena *pa = arena_new();
    Project *p = modgraph_new(pa);
    Arena **arenas = calloc((size_t)nfiles, sizeof *arenas);
    const ScopeTable *items = NULL;
    for (int i = nfiles; i-- > 0;) { /* any order of adding gives one result */
        char path[512];
        int pkg;
        snprintf(path, sizeof path, "%s/%s", t.root, project_files[i][0]);
        arenas[i] = arena_new();
        const char *name = modgraph_module_name(arenas[i], path, 0, NULL, &pkg);
        Node *m = parse_text(arenas[i], path, project_files[i][1]);
        ScopeTable *st = scope_build(arenas[i], m, name, pkg);
        modgraph_add(p, name, path, pkg, m, st);
        if (strcmp(name, "app.routers.items") == 0)
            items = st;
    }
    modgraph_freeze(p);
    check_project(p, nfiles);
    CHECK(items != NULL);
    if (items)
        check_items(p, items);

    for (int i = 0; i < nfiles; i++)
        arena_free(arenas[i]);
    free(arenas);
    arena_free(pa);
    tree_free(&t);
}

int main(void)
{
    test_legb();
    test_global_nonlocal();
    test_comprehensions();
    test_forms();
    test_values();
    test_imports();
    test_qualnames();
    test_scale();
    test_modgraph();
    return unit_report();
}
