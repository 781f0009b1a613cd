/*
 * scope.c - the resolve stage, per module: one walk over the AST that opens
 * a Scope for the module and for each class, function, lambda and
 * comprehension, and records every name each one binds (scope.h lists the
 * forms).  Each expression is walked in the scope that evaluates it:
 * decorators, defaults, annotations and base classes in the enclosing
 * scope, a comprehension's first iterable outside the comprehension, a
 * walrus target in the nearest enclosing scope that is not a comprehension.
 *
 * Each scope finds its bindings by the hash of the name's text, since
 * callers may look up names from another arena or a literal: a scope of
 * more than SCOPE_LINEAR bindings through an open-addressing index, a
 * smaller one (most of them) by scanning its hashes.  Hashing the text was
 * a third of a lookup, and most lookups ask with the parser's own interned
 * string (a Name node's id), so the table keeps the hash of every string of
 * its file that names a binding or a Name node, found by address (`known`);
 * any other string is hashed.  A lookup from a method skips its class's
 * scope without a search unless the class has type parameters.  The arrays grow on
 * the heap while the walk runs and are copied into the arena at their final
 * size when it ends (settle_arrays): a project keeps every module's scopes
 * until its last check, and growing them in the arena left each array's
 * earlier copies behind.  The owner map is keyed by node address.  An assignment to a name
 * declared `global` or `nonlocal` is set aside and credited to the outer
 * binding once every scope is known: a nested function may come before the
 * enclosing function's own assignment of the name (the declaring scope's
 * own Binding counts them too, and lookups pass through it).  Left-nested chains
 * (a + b + c, q.filter().order_by()...) are walked in a loop, so only real
 * nesting counts against SCOPE_MAX_DEPTH.
 */
#include "scope.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct ScopeX {
    Scope pub;            /* first, so a Scope * handed out converts back */
    uint32_t *hashes;     /* the hash of each binding's name */
    int *index;           /* icap slots: binding number + 1, 0 when empty; NULL while
                             there are at most SCOPE_LINEAR bindings */
    int icap;             /* a power of two, more than twice nbindings (0: no index) */
    int bcap;             /* room in pub.bindings and hashes (the walk's heap arrays) */
    unsigned char tparams; /* a class with PEP 695 type parameters, which its methods see */
} ScopeX;

#define SCOPE_LINEAR 8 /* bindings a scope scans before it gets an index */

struct ScopeTable {
    Arena *a;            /* owns the scopes, bindings and strings */
    const char *modname; /* "" when scope_build got NULL */
    int is_package;
    ScopeX **scopes; /* nscopes, in order of opening; [0] is the module */
    int nscopes;
    const Node **owners; /* owner map: ocap slots keyed by node address */
    ScopeX **owned;      /* the scope of each used slot of owners */
    int ocap;
    const char **stars; /* modules of `from M import *`, made absolute */
    int nstars;
    int incomplete; /* something nested deeper than SCOPE_MAX_DEPTH */
    const char **known; /* the file's own name strings (every bound name and every Name
                           node's id): kcap slots keyed by address, NULL when empty */
    uint32_t *khash;    /* hash_name of each used slot of known */
    unsigned kcap;      /* a power of two, more than twice the strings */
    unsigned nknown;
};

typedef struct Deferred {
    ScopeX *s; /* the scope that declared name global or nonlocal */
    const char *name;
    unsigned char kind; /* BindKind of the statement that bound it */
    Node *def;
} Deferred;

typedef struct Builder {
    ScopeTable *t;
    VEC(ScopeX *) scopes;
    VEC(Deferred) deferred;
    VEC(const char *) stars;
    int depth; /* nesting of visit, against SCOPE_MAX_DEPTH */
} Builder;

#define X(s) ((ScopeX *)(s))
#define CHAIN_BATCH 64 /* links of a left-nested chain held on the stack */

static void visit(Builder *b, ScopeX *x, Node *n);

/* --- names and the per-scope index ---------------------------------------- */

static uint32_t hash_name(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static uint32_t hash_ptr(const void *p)
{
    uint64_t v = (uint64_t)(uintptr_t)p;
    v ^= v >> 29;
    return (uint32_t)((v * 0x9E3779B97F4A7C15ull) >> 32);
}

/*
 * hash_name(name), read from the table of the file's own strings when name
 * is one of them.  Sound for any caller's string: a string the table knows
 * lives in the module's arena, immutable as long as the table, so no stack
 * buffer, literal or other arena's string can have its address meanwhile.
 */
static inline uint32_t name_hash(const ScopeTable *t, const char *name)
{
    unsigned mask = t->kcap - 1;
    for (unsigned j = hash_ptr(name) & mask; t->known[j]; j = (j + 1) & mask)
        if (t->known[j] == name)
            return t->khash[j];
    return hash_name(name);
}

/* Puts name (not there yet) with hash h into the slots keys/hs of cap. */
static void known_put(const char **keys, uint32_t *hs, unsigned cap, const char *name, uint32_t h)
{
    unsigned j = hash_ptr(name) & (cap - 1);
    while (keys[j])
        j = (j + 1) & (cap - 1);
    keys[j] = name;
    hs[j] = h;
}

/* The known strings moved into cap slots of a (the arena) or of the heap (a NULL). */
static void known_resize(ScopeTable *t, Arena *a, unsigned cap)
{
    const char **keys = a ? arena_alloc(a, cap * sizeof *keys) : xcalloc(cap, sizeof *keys);
    uint32_t *hs = a ? arena_alloc_raw(a, cap * sizeof *hs) : xmalloc(cap * sizeof *hs);
    for (unsigned i = 0; i < t->kcap; i++)
        if (t->known[i])
            known_put(keys, hs, cap, t->known[i], t->khash[i]);
    free(t->known);
    free(t->khash);
    t->known = keys;
    t->khash = hs;
    t->kcap = cap;
}

/* Adds name (a string the module's arena owns) to the known strings, in a
 * table on the heap while the walk runs; returns its hash. */
static uint32_t know(ScopeTable *t, const char *name)
{
    if (2 * (t->nknown + 1) > t->kcap)
        known_resize(t, NULL, t->kcap ? 2 * t->kcap : 64);
    unsigned mask = t->kcap - 1;
    for (unsigned j = hash_ptr(name) & mask; t->known[j]; j = (j + 1) & mask)
        if (t->known[j] == name)
            return t->khash[j];
    uint32_t h = hash_name(name);
    known_put(t->known, t->khash, t->kcap, name, h);
    t->nknown++;
    return h;
}

/* The walk is over: the known strings go into the arena, at most three
 * quarters full (a project keeps every module's table). */
static void settle_known(ScopeTable *t)
{
    unsigned cap = 16;
    while (3 * cap < 4 * t->nknown)
        cap *= 2;
    known_resize(t, t->a, cap);
}

/* The number of name's binding in x, or -1. */
static inline int find(const ScopeX *x, const char *name, uint32_t h)
{
    if (!x->index) {
        for (int k = 0; k < x->pub.nbindings; k++) {
            const char *s = x->pub.bindings[k].name;
            if (x->hashes[k] == h && (s == name || strcmp(s, name) == 0))
                return k;
        }
        return -1;
    }
    unsigned mask = (unsigned)x->icap - 1;
    for (unsigned i = h & mask;; i = (i + 1) & mask) {
        int k = x->index[i] - 1;
        if (k < 0)
            return -1;
        const char *s = x->pub.bindings[k].name;
        if (x->hashes[k] == h && (s == name || strcmp(s, name) == 0))
            return k;
    }
}

static void index_insert(ScopeX *x, int k)
{
    unsigned mask = (unsigned)x->icap - 1, i = x->hashes[k] & mask;
    while (x->index[i])
        i = (i + 1) & mask;
    x->index[i] = k + 1;
}

/* Room for one more binding, on the heap while the walk runs (settle_arrays
 * moves the arrays into the arena). */
static void reserve(ScopeX *x)
{
    int n = x->pub.nbindings;
    if (n == x->bcap) {
        x->bcap = x->bcap ? 2 * x->bcap : 4;
        x->pub.bindings = xrealloc(x->pub.bindings, (size_t)x->bcap * sizeof *x->pub.bindings);
        x->hashes = xrealloc(x->hashes, (size_t)x->bcap * sizeof *x->hashes);
    }
    if (n + 1 > SCOPE_LINEAR && 2 * (n + 1) >= x->icap) {
        x->icap = x->icap ? 2 * x->icap : 4 * SCOPE_LINEAR;
        free(x->index);
        x->index = xcalloc((size_t)x->icap, sizeof *x->index);
        for (int k = 0; k < n; k++)
            index_insert(x, k);
    }
}

/* A new binding of name in x, zeroed but for its name. */
static Binding *add(ScopeX *x, const char *name, uint32_t h)
{
    reserve(x);
    int k = x->pub.nbindings++;
    Binding *bd = &x->pub.bindings[k];
    memset(bd, 0, sizeof *bd);
    bd->name = name;
    x->hashes[k] = h;
    if (x->index)
        index_insert(x, k);
    return bd;
}

/* Moves s's arrays from the heap into a, at their final size. */
static void *settle(Arena *a, void *s, size_t n)
{
    void *d = NULL;
    if (n) {
        d = arena_alloc_raw(a, n);
        memcpy(d, s, n);
    }
    free(s);
    return d;
}

/* The walk is over: every scope's arrays go into the arena (see the top). */
static void settle_arrays(Arena *a, ScopeX *x)
{
    size_t n = (size_t)x->pub.nbindings;
    x->pub.bindings = settle(a, x->pub.bindings, n * sizeof *x->pub.bindings);
    x->hashes = settle(a, x->hashes, n * sizeof *x->hashes);
    if (x->index)
        x->index = settle(a, x->index, (size_t)x->icap * sizeof *x->index);
    x->bcap = (int)n;
}

static char *join(Arena *a, const char *prefix, const char *sep, const char *name)
{
    size_t lp = strlen(prefix), ls = strlen(sep), ln = strlen(name);
    char *s = arena_alloc(a, lp + ls + ln + 1);
    memcpy(s, prefix, lp);
    memcpy(s + lp, sep, ls);
    memcpy(s + lp + ls, name, ln);
    return s;
}

/* --- recording bindings ---------------------------------------------------- */

/*
 * Records that the statement def binds name in x.  The first binding fixes
 * kind, def and qualname; any second one clears value.  A name declared
 * global or nonlocal here is really bound further out: noted for later.
 */
static void bind(Builder *b, ScopeX *x, const char *name, int kind, Node *def, Node *value,
                 const char *qualname)
{
    uint32_t h = know(b->t, name);
    int k = find(x, name, h);
    if (k < 0) {
        Binding *bd = add(x, name, h);
        *bd = (Binding){name, (unsigned char)kind, 1, def, value, qualname};
        return;
    }
    Binding *bd = &x->pub.bindings[k];
    if (bd->kind == BIND_GLOBAL || bd->kind == BIND_NONLOCAL) {
        bd->nbind++;
        VEC_PUSH(&b->deferred, ((Deferred){x, bd->name, (unsigned char)kind, def}));
        return;
    }
    if (bd->nbind == 0) /* only annotated so far: this is the first real binding */
        *bd = (Binding){bd->name, (unsigned char)kind, 0, def, value, qualname};
    else
        bd->value = NULL;
    bd->nbind++;
}

/* `name: T` without a value: local to x, yet bound by no statement. */
static void declare(Builder *b, ScopeX *x, const char *name, Node *def)
{
    uint32_t h = know(b->t, name);
    if (find(x, name, h) < 0)
        *add(x, name, h) = (Binding){name, BIND_LOCAL, 0, def, NULL, NULL};
}

/* `global name` / `nonlocal name` in x (kind BIND_GLOBAL or BIND_NONLOCAL). */
static void declare_outer(Builder *b, ScopeX *x, const char *name, int kind, Node *def)
{
    if (x->pub.kind == SCOPE_MODULE)
        return; /* a no-op at module level */
    uint32_t h = know(b->t, name);
    int k = find(x, name, h);
    if (k < 0) {
        *add(x, name, h) = (Binding){name, (unsigned char)kind, 0, def, NULL, NULL};
        return;
    }
    Binding *bd = &x->pub.bindings[k];
    if (bd->kind != BIND_GLOBAL && bd->kind != BIND_NONLOCAL) {
        /* bound before its declaration: CPython rejects the file; trust the declaration */
        *bd = (Binding){bd->name, (unsigned char)kind, bd->nbind, def, NULL, NULL};
    }
}

/* Binds the names of an assignment target; value only for a bare Name. */
static void bind_target(Builder *b, ScopeX *x, Node *t, Node *def, Node *value)
{
    if (!t)
        return;
    switch (t->kind) {
    case NODE_Name: bind(b, x, t->v.Name.id, BIND_LOCAL, def, value, NULL); return;
    case NODE_Tuple:
    case NODE_List: {
        NodeList *l = t->kind == NODE_Tuple ? &t->v.Tuple.elts : &t->v.List.elts;
        if (b->depth >= SCOPE_MAX_DEPTH) {
            b->t->incomplete = 1;
            return;
        }
        b->depth++;
        for (int i = 0; i < l->n; i++)
            bind_target(b, x, l->items[i], def, NULL);
        b->depth--;
        return;
    }
    case NODE_Starred: bind_target(b, x, t->v.Starred.value, def, NULL); return;
    default: /* attributes and subscripts bind nothing, but evaluate their parts */
        visit(b, x, t);
        return;
    }
}

/* --- opening scopes -------------------------------------------------------- */

static ScopeX *open_scope(Builder *b, ScopeX *parent, int kind, Node *node)
{
    ScopeX *s = arena_alloc(b->t->a, sizeof *s);
    s->pub.kind = (unsigned char)kind;
    s->pub.node = node;
    s->pub.parent = parent ? &parent->pub : NULL;
    VEC_PUSH(&b->scopes, s);
    return s;
}

/* "<module>.<name>" for a def or class in the module scope, else NULL. */
static const char *member_qualname(Builder *b, ScopeX *x, const char *name)
{
    if (x->pub.kind != SCOPE_MODULE)
        return NULL;
    return b->t->modname[0] ? join(b->t->a, b->t->modname, ".", name) : name;
}

static void visit_each(Builder *b, ScopeX *x, const NodeList *l)
{
    for (int i = 0; i < l->n; i++)
        if (l->items[i])
            visit(b, x, l->items[i]);
}

/* What a parameter list evaluates where the function is defined: defaults,
 * and (for def, not lambda) annotations. */
static void visit_arg_exprs(Builder *b, ScopeX *x, Node *args, int annotations)
{
    struct AST_arguments *g = &args->v.arguments;
    visit_each(b, x, &g->defaults);
    visit_each(b, x, &g->kw_defaults);
    if (!annotations)
        return;
    const NodeList *lists[] = {&g->posonlyargs, &g->args, &g->kwonlyargs};
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < lists[j]->n; i++)
            visit(b, x, lists[j]->items[i]->v.arg.annotation);
    if (g->vararg)
        visit(b, x, g->vararg->v.arg.annotation);
    if (g->kwarg)
        visit(b, x, g->kwarg->v.arg.annotation);
}

static void bind_params(Builder *b, ScopeX *f, Node *args)
{
    struct AST_arguments *g = &args->v.arguments;
    const NodeList *lists[] = {&g->posonlyargs, &g->args, &g->kwonlyargs};
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < lists[j]->n; i++)
            bind(b, f, lists[j]->items[i]->v.arg.arg, BIND_PARAM, lists[j]->items[i], NULL, NULL);
    if (g->vararg)
        bind(b, f, g->vararg->v.arg.arg, BIND_PARAM, g->vararg, NULL, NULL);
    if (g->kwarg)
        bind(b, f, g->kwarg->v.arg.arg, BIND_PARAM, g->kwarg, NULL, NULL);
}

/* PEP 695 type parameters live in the scope of the def or class they
 * parameterize (CPython gives them a scope of their own around it). */
static void bind_type_params(Builder *b, ScopeX *x, const NodeList *l)
{
    for (int i = 0; i < l->n; i++) {
        Node *tp = l->items[i];
        switch (tp->kind) {
        case NODE_TypeVar:
            bind(b, x, tp->v.TypeVar.name, BIND_LOCAL, tp, NULL, NULL);
            visit(b, x, tp->v.TypeVar.bound);
            visit(b, x, tp->v.TypeVar.default_value);
            break;
        case NODE_ParamSpec:
            bind(b, x, tp->v.ParamSpec.name, BIND_LOCAL, tp, NULL, NULL);
            visit(b, x, tp->v.ParamSpec.default_value);
            break;
        case NODE_TypeVarTuple:
            bind(b, x, tp->v.TypeVarTuple.name, BIND_LOCAL, tp, NULL, NULL);
            visit(b, x, tp->v.TypeVarTuple.default_value);
            break;
        }
    }
}

static void function_def(Builder *b, ScopeX *x, Node *n)
{
    /* FunctionDef and AsyncFunctionDef have the same fields but distinct types */
    int async = n->kind == NODE_AsyncFunctionDef;
    const char *name = async ? n->v.AsyncFunctionDef.name : n->v.FunctionDef.name;
    Node *args = async ? n->v.AsyncFunctionDef.args : n->v.FunctionDef.args;
    visit_each(b, x,
               async ? &n->v.AsyncFunctionDef.decorator_list : &n->v.FunctionDef.decorator_list);
    visit_arg_exprs(b, x, args, 1);
    visit(b, x, async ? n->v.AsyncFunctionDef.returns : n->v.FunctionDef.returns);
    bind(b, x, name, BIND_DEF, n, NULL, member_qualname(b, x, name));
    ScopeX *f = open_scope(b, x, SCOPE_FUNCTION, n);
    bind_type_params(b, f,
                     async ? &n->v.AsyncFunctionDef.type_params : &n->v.FunctionDef.type_params);
    bind_params(b, f, args);
    visit_each(b, f, async ? &n->v.AsyncFunctionDef.body : &n->v.FunctionDef.body);
}

static void class_def(Builder *b, ScopeX *x, Node *n)
{
    struct AST_ClassDef *c = &n->v.ClassDef;
    visit_each(b, x, &c->decorator_list);
    visit_each(b, x, &c->bases);
    visit_each(b, x, &c->keywords);
    bind(b, x, c->name, BIND_CLASS, n, NULL, member_qualname(b, x, c->name));
    ScopeX *k = open_scope(b, x, SCOPE_CLASS, n);
    k->tparams = c->type_params.n > 0;
    bind_type_params(b, k, &c->type_params);
    visit_each(b, k, &c->body);
}

static void lambda(Builder *b, ScopeX *x, Node *n)
{
    visit_arg_exprs(b, x, n->v.Lambda.args, 0);
    ScopeX *l = open_scope(b, x, SCOPE_LAMBDA, n);
    bind_params(b, l, n->v.Lambda.args);
    visit(b, l, n->v.Lambda.body);
}

/* The first iterable is evaluated outside, everything else inside. */
static void comprehension(Builder *b, ScopeX *x, Node *n)
{
    const NodeList *gens;
    Node *e1, *e2 = NULL;
    switch (n->kind) {
    case NODE_ListComp:
        gens = &n->v.ListComp.generators, e1 = n->v.ListComp.elt;
        break;
    case NODE_SetComp:
        gens = &n->v.SetComp.generators, e1 = n->v.SetComp.elt;
        break;
    case NODE_GeneratorExp:
        gens = &n->v.GeneratorExp.generators, e1 = n->v.GeneratorExp.elt;
        break;
    default:
        gens = &n->v.DictComp.generators, e1 = n->v.DictComp.key,
        e2 = n->v.DictComp.value;
        break;
    }
    if (gens->n > 0)
        visit(b, x, gens->items[0]->v.comprehension.iter);
    ScopeX *c = open_scope(b, x, SCOPE_COMPREHENSION, n);
    for (int i = 0; i < gens->n; i++) {
        Node *g = gens->items[i];
        if (i > 0)
            visit(b, c, g->v.comprehension.iter);
        bind_target(b, c, g->v.comprehension.target, g, NULL);
        visit_each(b, c, &g->v.comprehension.ifs);
    }
    visit(b, c, e1);
    visit(b, c, e2);
}

/* --- imports --------------------------------------------------------------- */

static void import_names(Builder *b, ScopeX *x, Node *n)
{
    const NodeList *l = &n->v.Import.names;
    for (int i = 0; i < l->n; i++) {
        const char *full = l->items[i]->v.alias.name, *as = l->items[i]->v.alias.asname;
        if (as) { /* import a.b as x: x is the module a.b */
            bind(b, x, as, BIND_IMPORT, n, NULL, full);
            continue;
        }
        /* import a.b.c: binds a, the top-level package */
        const char *dot = strchr(full, '.');
        const char *top = dot ? arena_strndup(b->t->a, full, (size_t)(dot - full)) : full;
        bind(b, x, top, BIND_IMPORT, n, NULL, top);
    }
}

/*
 * The absolute module that a from-import names: `from ..models import X` in
 * app.routers.items is app.models.  A relative import reaching past the
 * top-level package keeps its dots ("..models"): it names no module.
 */
static const char *from_base(ScopeTable *t, const char *module, int level)
{
    if (level <= 0)
        return module ? module : "";
    const char *m = t->modname;
    size_t len = strlen(m);
    int drops = level - (t->is_package ? 1 : 0); /* a package counts from itself */
    for (int k = 0; k < drops && len > 0; k++) {
        while (len > 0 && m[len - 1] != '.')
            len--;
        if (len > 0)
            len--; /* the dot */
    }
    size_t lm = module ? strlen(module) : 0;
    char *s = arena_alloc(t->a, len + (size_t)level + lm + 2);
    if (len == 0) {
        memset(s, '.', (size_t)level);
        memcpy(s + level, module ? module : "", lm);
        return s;
    }
    memcpy(s, m, len);
    if (module) {
        s[len] = '.';
        memcpy(s + len + 1, module, lm);
    }
    return s;
}

static void import_from(Builder *b, ScopeX *x, Node *n)
{
    Arena *a = b->t->a;
    const char *base = from_base(b->t, n->v.ImportFrom.module, n->v.ImportFrom.level);
    size_t lb = strlen(base);
    const NodeList *l = &n->v.ImportFrom.names;
    for (int i = 0; i < l->n; i++) {
        const char *name = l->items[i]->v.alias.name, *as = l->items[i]->v.alias.asname;
        if (strcmp(name, "*") == 0) {
            VEC_PUSH(&b->stars, base);
            continue;
        }
        const char *q = lb == 0 ? name : join(a, base, base[lb - 1] == '.' ? "" : ".", name);
        bind(b, x, as ? as : name, BIND_IMPORT, n, NULL, q);
    }
}

/* --- the walk -------------------------------------------------------------- */

typedef struct Ctx {
    Builder *b;
    ScopeX *x;
} Ctx;

static void visit_child(Node *parent, Node *child, void *arg)
{
    Ctx *c = arg;
    visit(c->b, c->x, child);
}

static int is_chain(const Node *n)
{
    return n->kind == NODE_BinOp || n->kind == NODE_Attribute || n->kind == NODE_Call ||
           n->kind == NODE_Subscript;
}

static Node *chain_left(const Node *n)
{
    switch (n->kind) {
    case NODE_BinOp: return n->v.BinOp.left;
    case NODE_Attribute: return n->v.Attribute.value;
    case NODE_Call: return n->v.Call.func;
    default: return n->v.Subscript.value;
    }
}

/* A left-nested chain, in source order: its leftmost part first.  The
 * links wait in a buffer (on the heap past CHAIN_BATCH), not on the stack. */
static void visit_chain(Builder *b, ScopeX *x, Node *n)
{
    Node *local[CHAIN_BATCH], **links = local;
    size_t k = 0, cap = CHAIN_BATCH;
    for (; is_chain(n); n = chain_left(n)) {
        if (k == cap) {
            Node **more = xmalloc(2 * cap * sizeof *more);
            memcpy(more, links, cap * sizeof *more);
            if (links != local)
                free(links);
            links = more;
            cap *= 2;
        }
        links[k++] = n;
    }
    visit(b, x, n);
    while (k-- > 0) {
        Node *l = links[k];
        if (l->kind == NODE_BinOp) {
            visit(b, x, l->v.BinOp.right);
        } else if (l->kind == NODE_Call) {
            visit_each(b, x, &l->v.Call.args);
            visit_each(b, x, &l->v.Call.keywords);
        } else if (l->kind == NODE_Subscript) {
            visit(b, x, l->v.Subscript.slice);
        }
    }
    if (links != local)
        free(links);
}

static void ann_assign(Builder *b, ScopeX *x, Node *n)
{
    struct AST_AnnAssign *s = &n->v.AnnAssign;
    visit(b, x, s->annotation);
    visit(b, x, s->value);
    if (s->target->kind != NODE_Name)
        bind_target(b, x, s->target, n, NULL);
    else if (s->value)
        bind(b, x, s->target->v.Name.id, BIND_LOCAL, n, s->value, NULL);
    else if (s->simple) /* `(x): int` declares nothing */
        declare(b, x, s->target->v.Name.id, n);
}

static void declare_names(Builder *b, ScopeX *x, Node *n, const IdList *l, int kind)
{
    for (int i = 0; i < l->n; i++)
        declare_outer(b, x, l->items[i], kind, n);
}

/* Dispatch on the node kinds that bind or open scopes; the rest only walk
 * their children in the same scope. */
static void visit_node(Builder *b, ScopeX *x, Node *n)
{
    switch (n->kind) {
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef: function_def(b, x, n); return;
    case NODE_ClassDef: class_def(b, x, n); return;
    case NODE_Lambda: lambda(b, x, n); return;
    case NODE_ListComp:
    case NODE_SetComp:
    case NODE_GeneratorExp:
    case NODE_DictComp: comprehension(b, x, n); return;
    case NODE_Assign: {
        const NodeList *t = &n->v.Assign.targets;
        visit(b, x, n->v.Assign.value);
        for (int i = 0; i < t->n; i++)
            bind_target(b, x, t->items[i], n, t->n == 1 ? n->v.Assign.value : NULL);
        return;
    }
    case NODE_AnnAssign: ann_assign(b, x, n); return;
    case NODE_AugAssign:
        visit(b, x, n->v.AugAssign.value);
        bind_target(b, x, n->v.AugAssign.target, n, NULL);
        return;
    case NODE_For:
        visit(b, x, n->v.For.iter);
        bind_target(b, x, n->v.For.target, n, NULL);
        visit_each(b, x, &n->v.For.body);
        visit_each(b, x, &n->v.For.orelse);
        return;
    case NODE_AsyncFor:
        visit(b, x, n->v.AsyncFor.iter);
        bind_target(b, x, n->v.AsyncFor.target, n, NULL);
        visit_each(b, x, &n->v.AsyncFor.body);
        visit_each(b, x, &n->v.AsyncFor.orelse);
        return;
    case NODE_withitem:
        visit(b, x, n->v.withitem.context_expr);
        bind_target(b, x, n->v.withitem.optional_vars, n, NULL);
        return;
    case NODE_ExceptHandler:
        visit(b, x, n->v.ExceptHandler.type);
        if (n->v.ExceptHandler.name)
            bind(b, x, n->v.ExceptHandler.name, BIND_LOCAL, n, NULL, NULL);
        visit_each(b, x, &n->v.ExceptHandler.body);
        return;
    case NODE_Delete:
        for (int i = 0; i < n->v.Delete.targets.n; i++)
            bind_target(b, x, n->v.Delete.targets.items[i], n, NULL);
        return;
    case NODE_Import: import_names(b, x, n); return;
    case NODE_ImportFrom: import_from(b, x, n); return;
    case NODE_Global: declare_names(b, x, n, &n->v.Global.names, BIND_GLOBAL); return;
    case NODE_Nonlocal: declare_names(b, x, n, &n->v.Nonlocal.names, BIND_NONLOCAL); return;
    case NODE_NamedExpr: {
        ScopeX *y = x; /* a walrus in a comprehension binds outside it */
        while (y->pub.kind == SCOPE_COMPREHENSION && y->pub.parent)
            y = X(y->pub.parent);
        visit(b, x, n->v.NamedExpr.value);
        bind_target(b, y, n->v.NamedExpr.target, n, NULL);
        return;
    }
    case NODE_MatchAs:
        visit(b, x, n->v.MatchAs.pattern);
        if (n->v.MatchAs.name)
            bind(b, x, n->v.MatchAs.name, BIND_LOCAL, n, NULL, NULL);
        return;
    case NODE_MatchStar:
        if (n->v.MatchStar.name)
            bind(b, x, n->v.MatchStar.name, BIND_LOCAL, n, NULL, NULL);
        return;
    case NODE_MatchMapping:
        visit_each(b, x, &n->v.MatchMapping.keys);
        visit_each(b, x, &n->v.MatchMapping.patterns);
        if (n->v.MatchMapping.rest)
            bind(b, x, n->v.MatchMapping.rest, BIND_LOCAL, n, NULL, NULL);
        return;
    case NODE_TypeAlias: /* its type parameters and value are evaluated lazily */
        bind_target(b, x, n->v.TypeAlias.name, n, n->v.TypeAlias.value); /* an alias */
        visit(b, x, n->v.TypeAlias.value);
        return;
    case NODE_Name:
        if (ast_ctx(n) != CTX_Load) /* a target no case above knew */
            bind(b, x, n->v.Name.id, BIND_LOCAL, n, NULL, NULL);
        else /* the lookups to come ask for it by this address */
            know(b->t, n->v.Name.id);
        return;
    case NODE_BinOp:
    case NODE_Attribute:
    case NODE_Call:
    case NODE_Subscript: visit_chain(b, x, n); return;
    default: {
        Ctx c = {b, x};
        ast_children(n, visit_child, &c);
        return;
    }
    }
}

static void visit(Builder *b, ScopeX *x, Node *n)
{
    if (!n)
        return;
    if (b->depth >= SCOPE_MAX_DEPTH) {
        b->t->incomplete = 1;
        return;
    }
    b->depth++;
    visit_node(b, x, n);
    b->depth--;
}

/* --- lookup ---------------------------------------------------------------- */

static ScopeX *root_of(ScopeX *x)
{
    while (x->pub.parent)
        x = X(x->pub.parent);
    return x;
}

static int is_type_param(const Node *def)
{
    return def && ast_category(def->kind) == CAT_TYPEPARAM;
}

/*
 * Where name, used in s, is bound: the scope, with the binding's number in
 * *k (-1 in the module scope when nothing binds it: a builtin, or a global
 * nobody assigns).  NULL for a nonlocal with no enclosing binding.  Class
 * scopes are seen only from their own body (and their type parameters from
 * the methods too).
 */
static inline ScopeX *locate(ScopeX *s, const char *name, uint32_t h, int *k)
{
    int nonlocal = 0;
    for (ScopeX *cur = s; cur; cur = X(cur->pub.parent)) {
        if (cur->pub.kind == SCOPE_CLASS && cur != s && !cur->tparams)
            continue; /* a method does not see its class's names */
        int i = find(cur, name, h);
        if (cur->pub.kind == SCOPE_MODULE) {
            *k = i;
            return nonlocal ? NULL : cur;
        }
        if (i < 0)
            continue;
        const Binding *bd = &cur->pub.bindings[i];
        if (cur->pub.kind == SCOPE_CLASS && cur != s && !is_type_param(bd->def))
            continue;
        if (bd->kind == BIND_GLOBAL) {
            ScopeX *m = root_of(cur);
            *k = find(m, name, h);
            return m;
        }
        if (bd->kind == BIND_NONLOCAL) {
            nonlocal = 1;
            continue;
        }
        *k = i;
        return cur;
    }
    return NULL;
}

/* Credits each assignment to a global or nonlocal name to the outer binding
 * it rebinds; a global nobody else binds is created in the module. */
static void settle_deferred(Builder *b)
{
    for (size_t i = 0; i < b->deferred.n; i++) {
        Deferred *d = &b->deferred.items[i];
        int k;
        ScopeX *w = locate(d->s, d->name, know(b->t, d->name), &k);
        if (!w)
            continue; /* nonlocal without an enclosing binding: CPython rejects it */
        if (k < 0) {
            bind(b, w, d->name, d->kind, d->def, NULL, NULL);
            continue;
        }
        Binding *bd = &w->pub.bindings[k];
        if (bd->nbind == 0) { /* only annotated there */
            bd->kind = d->kind;
            bd->def = d->def;
        }
        bd->nbind++;
        bd->value = NULL; /* its value is evaluated in another scope */
    }
}

static void build_owner_map(ScopeTable *t)
{
    int cap = 16;
    while (cap < 2 * t->nscopes)
        cap *= 2;
    t->ocap = cap;
    t->owners = arena_alloc(t->a, (size_t)cap * sizeof *t->owners);
    t->owned = arena_alloc(t->a, (size_t)cap * sizeof *t->owned);
    for (int i = 0; i < t->nscopes; i++) {
        const Node *n = t->scopes[i]->pub.node;
        unsigned j = hash_ptr(n) & (unsigned)(cap - 1);
        while (t->owners[j])
            j = (j + 1) & (unsigned)(cap - 1);
        t->owners[j] = n;
        t->owned[j] = t->scopes[i];
    }
}

/* --- the interface --------------------------------------------------------- */

ScopeTable *scope_build(Arena *a, Node *module, const char *modname, int is_package)
{
    ScopeTable *t = arena_alloc(a, sizeof *t);
    t->a = a;
    t->modname = modname ? modname : "";
    t->is_package = is_package;
    Builder b = {.t = t};
    ScopeX *m = open_scope(&b, NULL, SCOPE_MODULE, module);
    if (module && module->kind == NODE_Module)
        visit_each(&b, m, &module->v.Module.body);
    settle_deferred(&b);
    for (size_t i = 0; i < b.scopes.n; i++)
        settle_arrays(a, b.scopes.items[i]);
    settle_known(t);

    t->nscopes = (int)b.scopes.n;
    t->scopes = arena_alloc(a, b.scopes.n * sizeof *t->scopes);
    memcpy(t->scopes, b.scopes.items, b.scopes.n * sizeof *t->scopes);
    t->nstars = (int)b.stars.n;
    t->stars = arena_alloc(a, (b.stars.n + 1) * sizeof *t->stars);
    if (b.stars.n)
        memcpy(t->stars, b.stars.items, b.stars.n * sizeof *t->stars);
    build_owner_map(t);
    VEC_FREE(&b.scopes);
    VEC_FREE(&b.deferred);
    VEC_FREE(&b.stars);
    return t;
}

const Scope *scope_of(const ScopeTable *t, const Node *owner)
{
    if (!owner)
        return NULL;
    unsigned mask = (unsigned)t->ocap - 1;
    for (unsigned j = hash_ptr(owner) & mask; t->owners[j]; j = (j + 1) & mask)
        if (t->owners[j] == owner)
            return &t->owned[j]->pub;
    return NULL;
}

const Scope *scope_module(const ScopeTable *t) { return &t->scopes[0]->pub; }

/* scope_lookup, inlined where a caller in this file needs it. */
static inline const Binding *lookup(const ScopeTable *t, const Scope *s, const char *name,
                                    const Scope **where)
{
    int k;
    ScopeX *w = locate(X(s), name, name_hash(t, name), &k);
    if (!w || k < 0)
        return NULL;
    if (where)
        *where = &w->pub;
    return &w->pub.bindings[k];
}

const Binding *scope_lookup(const ScopeTable *t, const Scope *s, const char *name,
                            const Scope **where)
{
    return lookup(t, s, name, where);
}

const Node *scope_bound_once(const ScopeTable *t, const Scope *s, const Node *e,
                             const Node **item)
{
    if (item)
        *item = NULL;
    const Binding *b = e && e->kind == NODE_Name ? scope_lookup(t, s, e->v.Name.id, NULL) : NULL;
    if (!b || b->kind != BIND_LOCAL || b->nbind != 1)
        return NULL;
    if (b->value)
        return b->value;
    if (!b->def || b->def->kind != NODE_withitem)
        return NULL;
    if (item)
        *item = b->def;
    return b->def->v.withitem.context_expr;
}

size_t scope_qualname_buf(const ScopeTable *t, const Scope *s, const Node *expr, char *buf,
                          size_t cap)
{
    const char *attrs[SCOPE_MAX_CHAIN];
    int n = 0;
    for (; expr && expr->kind == NODE_Attribute; expr = expr->v.Attribute.value) {
        if (n == SCOPE_MAX_CHAIN)
            return 0;
        attrs[n++] = expr->v.Attribute.attr;
    }
    if (!expr || expr->kind != NODE_Name)
        return 0;
    const Binding *bd = lookup(t, s, expr->v.Name.id, NULL);
    if (!bd || !bd->qualname)
        return 0;
    size_t len = strlen(bd->qualname);
    if (len >= cap)
        return 0;
    memcpy(buf, bd->qualname, len);
    while (n-- > 0) {
        size_t la = strlen(attrs[n]);
        if (len + 1 + la >= cap)
            return 0;
        buf[len] = '.';
        memcpy(buf + len + 1, attrs[n], la);
        len += 1 + la;
    }
    buf[len] = '\0';
    return len;
}

const char *scope_qualname(const ScopeTable *t, const Scope *s, const Node *expr)
{
    if (expr && expr->kind == NODE_Name) { /* the stored string, no copy */
        const Binding *bd = scope_lookup(t, s, expr->v.Name.id, NULL);
        return bd ? bd->qualname : NULL;
    }
    char buf[1024];
    size_t n = scope_qualname_buf(t, s, expr, buf, sizeof buf);
    return n ? arena_strndup(t->a, buf, n) : NULL;
}

const char *scope_module_name(const ScopeTable *t) { return t->modname; }

/* The name s's owner has in its parent's __qualname__. */
static const char *owner_name(const Scope *s)
{
    const Node *n = s->node;
    switch (n->kind) {
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef: return n->v.FunctionDef.name; /* the same layout */
    case NODE_ClassDef: return n->v.ClassDef.name;
    case NODE_Lambda: return "<lambda>";
    case NODE_ListComp: return "<listcomp>";
    case NODE_SetComp: return "<setcomp>";
    case NODE_GeneratorExp: return "<genexpr>";
    default: return "<dictcomp>";
    }
}

/* Made when asked (only the tests ask), not kept for each of a project's
 * scopes while it lives. */
const char *scope_owner_qualname(const ScopeTable *t, const Scope *s)
{
    if (!s->parent)
        return t->modname;
    const char *up = scope_owner_qualname(t, s->parent);
    if (!up[0])
        return owner_name(s);
    int member = s->parent->kind == SCOPE_MODULE || s->parent->kind == SCOPE_CLASS;
    return join(t->a, up, member ? "." : ".<locals>.", owner_name(s));
}

const char *const *scope_star_imports(const ScopeTable *t, int *n)
{
    *n = t->nstars;
    return t->stars;
}

int scope_incomplete(const ScopeTable *t) { return t->incomplete; }

int scope_decorated_by(const ScopeTable *t, const Node *func, int (*match)(const char *qual))
{
    if (func->kind != NODE_FunctionDef && func->kind != NODE_AsyncFunctionDef)
        return 0;
    char buf[256];
    for (int i = 0; i < func->v.FunctionDef.decorator_list.n; i++) {
        const Node *d = func->v.FunctionDef.decorator_list.items[i];
        if (d->kind == NODE_Call)
            d = d->v.Call.func;
        size_t n = scope_qualname_buf(t, scope_module(t), d, buf, sizeof buf);
        if (n && n < sizeof buf && match(buf))
            return 1;
    }
    return 0;
}

const Node *scope_self_method(const ScopeTable *t, const Scope *s, const Node *e)
{
    (void)t;
    if (!e || e->kind != NODE_Attribute || e->v.Attribute.value->kind != NODE_Name)
        return NULL;
    const char *self = e->v.Attribute.value->v.Name.id;
    while (s && (s->kind == SCOPE_LAMBDA || s->kind == SCOPE_COMPREHENSION ||
                 (s->kind == SCOPE_FUNCTION && s->parent && s->parent->kind == SCOPE_FUNCTION)))
        s = s->parent; /* a closure or lambda inside the method */
    if (!s || s->kind != SCOPE_FUNCTION || !s->parent || s->parent->kind != SCOPE_CLASS)
        return NULL;
    const Node *args = s->node->v.FunctionDef.args;
    const NodeList *pos = args->v.arguments.posonlyargs.n ? &args->v.arguments.posonlyargs
                                                         : &args->v.arguments.args;
    if (!pos->n || strcmp(pos->items[0]->v.arg.arg, self))
        return NULL;
    const NodeList *body = &s->parent->node->v.ClassDef.body;
    for (int i = 0; i < body->n; i++) {
        const Node *d = body->items[i];
        if ((d->kind == NODE_FunctionDef || d->kind == NODE_AsyncFunctionDef) &&
            !strcmp(d->v.FunctionDef.name, e->v.Attribute.attr))
            return d;
    }
    return NULL;
}

/* ---- the statements that bind a name (scope_each_binding) ---- */

typedef struct Sites {
    const char *name;
    ScopeSiteFn fn;
    void *arg;
    int stop, depth;
} Sites;

static int is_name(const Node *n, const char *name)
{
    return n && n->kind == NODE_Name && !strcmp(n->v.Name.id, name);
}

/* Does the assignment target t bind name (inside a tuple, a star...)? */
static int binds(const Node *t, const char *name, int depth)
{
    if (!t || depth > 32)
        return 0;
    switch (t->kind) {
    case NODE_Name: return !strcmp(t->v.Name.id, name);
    case NODE_Starred: return binds(t->v.Starred.value, name, depth + 1);
    case NODE_Tuple:
    case NODE_List: {
        const NodeList *l = t->kind == NODE_Tuple ? &t->v.Tuple.elts : &t->v.List.elts;
        for (int i = 0; i < l->n; i++)
            if (binds(l->items[i], name, depth + 1))
                return 1;
        return 0;
    }
    default: return 0;
    }
}

static void site(Sites *st, int kind, const Node *at, const Node *value, int index)
{
    if (!st->stop && !st->fn(st->arg, kind, at, value, index))
        st->stop = 1;
}

static int alias_binds(const Node *al, const char *name)
{
    const char *bound = al->v.alias.asname ? al->v.alias.asname : al->v.alias.name;
    size_t n = strlen(name);
    return !strncmp(bound, name, n) && (bound[n] == 0 || bound[n] == '.');
}

/* An assignment target binding name: a plain one, the index-th of a flat
 * tuple or list (SCOPE_SITE_ITEM), or something else. */
static void target_site(Sites *st, const Node *at, const Node *t, const Node *value)
{
    if (is_name(t, st->name)) {
        site(st, SCOPE_SITE_VALUE, at, value, -1);
        return;
    }
    if (!binds(t, st->name, 0))
        return;
    if (t->kind == NODE_Tuple || t->kind == NODE_List) {
        const NodeList *l = t->kind == NODE_Tuple ? &t->v.Tuple.elts : &t->v.List.elts;
        for (int i = 0; i < l->n; i++)
            if (is_name(l->items[i], st->name)) {
                site(st, SCOPE_SITE_ITEM, at, value, i);
                return;
            }
    }
    site(st, SCOPE_SITE_OTHER, at, NULL, -1);
}

static void sites_kid(Node *parent, Node *n, void *arg);

/* The binding forms of one node; returns 0 when its children are another scope's. */
static int site_of(Sites *st, const Node *n)
{
    const char *name = st->name;
    switch (n->kind) {
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef:
        if (!strcmp(n->v.FunctionDef.name, name))
            site(st, SCOPE_SITE_OTHER, n, NULL, -1);
        return 0;
    case NODE_ClassDef:
        if (!strcmp(n->v.ClassDef.name, name))
            site(st, SCOPE_SITE_OTHER, n, NULL, -1);
        return 0;
    case NODE_Lambda:
    case NODE_ListComp:
    case NODE_SetComp:
    case NODE_DictComp:
    case NODE_GeneratorExp: return 0;
    case NODE_Assign:
        for (int i = 0; i < n->v.Assign.targets.n; i++)
            target_site(st, n, n->v.Assign.targets.items[i], n->v.Assign.value);
        return 1;
    case NODE_AnnAssign:
        if (is_name(n->v.AnnAssign.target, name))
            site(st, SCOPE_SITE_ANNOTATED, n, n->v.AnnAssign.value, -1);
        return 1;
    case NODE_AugAssign:
        if (is_name(n->v.AugAssign.target, name))
            site(st, SCOPE_SITE_AUG, n, n->v.AugAssign.value, -1);
        return 1;
    case NODE_For:
    case NODE_AsyncFor:
        if (is_name(n->v.For.target, name))
            site(st, SCOPE_SITE_FOR, n, n->v.For.iter, -1);
        else if (binds(n->v.For.target, name, 0))
            site(st, SCOPE_SITE_OTHER, n, NULL, -1);
        return 1;
    case NODE_withitem:
        if (is_name(n->v.withitem.optional_vars, name))
            site(st, SCOPE_SITE_WITH, n, n->v.withitem.context_expr, -1);
        else if (binds(n->v.withitem.optional_vars, name, 0))
            site(st, SCOPE_SITE_OTHER, n, NULL, -1);
        return 1;
    case NODE_NamedExpr:
        if (is_name(n->v.NamedExpr.target, name))
            site(st, SCOPE_SITE_VALUE, n, n->v.NamedExpr.value, -1);
        return 1;
    case NODE_ExceptHandler:
        if (n->v.ExceptHandler.name && !strcmp(n->v.ExceptHandler.name, name))
            site(st, SCOPE_SITE_OTHER, n, NULL, -1);
        return 1;
    case NODE_alias:
        if (alias_binds(n, name))
            site(st, SCOPE_SITE_OTHER, n, NULL, -1);
        return 1;
    case NODE_MatchAs:
    case NODE_MatchStar: {
        const char *id = n->kind == NODE_MatchAs ? n->v.MatchAs.name : n->v.MatchStar.name;
        if (id && !strcmp(id, name))
            site(st, SCOPE_SITE_OTHER, n, NULL, -1);
        return 1;
    }
    case NODE_MatchMapping:
        if (n->v.MatchMapping.rest && !strcmp(n->v.MatchMapping.rest, name))
            site(st, SCOPE_SITE_OTHER, n, NULL, -1);
        return 1;
    default: return 1;
    }
}

static void sites_kid(Node *parent, Node *n, void *arg)
{
    Sites *st = arg;
    (void)parent;
    if (st->stop || st->depth > SCOPE_MAX_SITE_DEPTH) {
        st->stop = 2; /* too deep to see every binding: give up */
        return;
    }
    if (!site_of(st, n))
        return;
    st->depth++;
    ast_children(n, sites_kid, st);
    st->depth--;
}

int scope_each_binding(const Node *owner, const char *name, ScopeSiteFn fn, void *arg)
{
    const NodeList *body;
    switch (owner->kind) {
    case NODE_Module: body = &owner->v.Module.body; break;
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef: body = &owner->v.FunctionDef.body; break;
    case NODE_ClassDef: body = &owner->v.ClassDef.body; break;
    default: return 1; /* a lambda or comprehension binds only its parameters */
    }
    Sites st = {name, fn, arg, 0, 0};
    for (int i = 0; i < body->n && !st.stop; i++)
        sites_kid(NULL, body->items[i], &st);
    return !st.stop;
}
