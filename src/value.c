/*
 * value.c - the project-wide value model (see value.h).
 *
 * One open-addressing table holds every location: a module-level binding,
 * a local name of a function, a function's return (and tuple items) and
 * yield, a class attribute, a parameter; a second one caches where each
 * import leads.  Expressions are evaluated over the table's current
 * values, never by recursing into another location's own equation, so the
 * recursion of one question follows only the expression and the names and
 * attributes it reads (VALUE_MAX_DEPTH), and reading a name costs a hash
 * lookup; the rounds carry values from location to location until none
 * changes, each walking again only the units (statements of a module or a
 * class body) that read a location changed since their last walk.
 *
 * A location's value only grows: unknown -> one known value -> conflict
 * (reported as unknown), so the rounds end.
 */
#include "value.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "lex.h"
#include "parse.h"
#include "qualidx.h"
#include "source.h"


/* LOC_ITEM + i, LOC_PARAM + i, LOC_DECLARED + i (a parameter's annotation,
 * cached with the round that computed it; LOC_RETURNS the same for a
 * function's return annotation) */
enum { LOC_LOCAL = 1, LOC_GLOBAL, LOC_RETURN, LOC_YIELD, LOC_ATTR, LOC_APP_STATE, LOC_KEY,
       LOC_FIXTURE, LOC_RETURNS, LOC_LIBBASE, LOC_SETTING, LOC_ITEM = 16,
       LOC_PARAM = 1 << 16, LOC_DECLARED = 1 << 20 };

/*
 * A project has a location per name, attribute, return and parameter, and
 * keeps them all until its last check: a Slot holds its value packed
 * (SlotVal: Val's fields without its padding; a Slot is 64 bytes, 128 with
 * a Val) and only a parameter's has the calls that filled it (SlotParam),
 * which value_param_site and value_param_owner answer from.
 */
typedef struct SlotVal {
    const char *qual;      /* Val's fields, as Val documents them */
    const Node *node;
    unsigned char tag, kind, is_async, sub, scope_fn, fresh;
    unsigned char once : 1;     /* Val's: some contribution was the process's one object */
    unsigned char conflict : 1; /* the slot's: known contributions disagreed: unknown for
                                   good (here, in what would be padding) */
    unsigned char lenders : 1;  /* the slot's: a resource lent by two providers: by none in
                                   particular */
    unsigned char own : 1;      /* the slot's: some contribution was not that one object
                                   (an instance keeps its own): not once, for good */
} SlotVal;

typedef struct SlotParam {
    const Node *why;       /* the call that first gave it its value ... */
    const Node *own_why;   /* the first call that passed a resource it made ... */
    const Node *own_func;  /* ... the function that makes that call ... */
    int why_mod;           /* ... the module of why ... */
    int own_mod;           /* ... and of own_why */
    int maybe_none;        /* some call may leave it None: passes None, omits it (its
                              default then), or spreads arguments that may fill it */
} SlotParam;

typedef struct Slot {
    const void *k1;        /* a Binding, a def or class node, a Scope (locals) */
    const char *k2;        /* an attribute or local name, or NULL */
    SlotVal v;             /* what it holds (slot_val) */
    union {
        SlotParam *param;  /* a LOC_PARAM location's calls */
        struct {
            unsigned unit; /* an answer kept (remember): the unit (+ 1; 0: none) ... */
            unsigned walk; /* ... and its walk that worked it out (Unit.walked_at) */
        } by;
    };
    int k3;                /* LOC_* (+ index) */
    int round;             /* LOC_DECLARED: the round that computed it */
    unsigned changed_at;   /* the clock when it last changed */
    unsigned mark_walk;    /* the unit walk that last noted reading it, so it is noted
                              once (vm->walk: each walk of each unit has its own) */
} Slot;

/*
 * A unit of a round's work: a statement of a module's body or of a class
 * body at its top (a def, a method, an assignment), walked on its own and
 * walked again only when a location it read last time has changed since
 * (only the build reads them).
 */
typedef struct Unit {
    Slot **reads;       /* what its last walk read (in ValueModel.rarena) */
    unsigned nreads;
    unsigned walked_at; /* the clock when its last walk began; names that walk too: a
                           unit is walked again only after a change, so it grows */
} Unit;

typedef struct Import {
    const Binding *b;        /* an import binding */
    const ProjectModule *pm; /* the project module it leads to, or NULL: outside */
    const Binding *d;        /* its binding there, or NULL for the module itself */
} Import;

typedef struct Owner {
    const void *key; /* a def or class node, or a ScopeTable */
    int mod;         /* index into mods */
} Owner;

/* What the bases of a class of the project name, worked out once when the
 * build ends (kept_bases): an attribute or method lookup climbs the bases
 * of each class it passes, and evaluating them again was a sixth of the
 * questions the dataflow asks. */
typedef struct Bases {
    const Node *cls;   /* a class; NULL: an empty slot */
    const Node **of;   /* n: the class of the project each base names, or NULL */
    int n;
    int depth;         /* the deepest Ev.depth evaluating them reached, from 0 */
    const Node **subs; /* nsubs: the classes of the project that name cls as a base */
    int nsubs;
} Bases;

struct ValueModel {
    Arena *a;
    const Project *graph;
    const FastApiModule *mods;
    int n;
    const FastApi *fastapi;
    const ModelUser *user;
    Slot **tab;      /* cap slots, a power of two; each Slot stays where it is made.
                        This table, own and imp grow on the heap while building and
                        move into a at their final size when it ends (settle_tables) */
    size_t cap, used;
    unsigned clock;  /* counts changes of locations */
    const Node *why; /* the call whose arguments are being joined, or NULL */
    const Node *why_func; /* the function that makes it, or NULL (module level) */
    int declaring;   /* the value being joined is an annotation's, not an object */
    int cur;         /* the module being walked, or -1 */
    unsigned walk;   /* counts unit walks (from 1: a new slot's mark_walk, 0, is none) */
    Unit *units;     /* nunits, in the order of the modules and of their statements
                        (walk_units); on the heap while building */
    size_t nunits;
    Unit *unit;      /* the unit being walked (of module cur) */
    Slot **seen;     /* what it has read so far: nseen of scap (on the heap, reused) ... */
    size_t nseen, scap;
    Arena *rarena;   /* ... kept at their size here when its walk ends (the build's) */
    Owner *own;      /* ocap slots */
    size_t ocap, oused;
    Import *imp;     /* icap slots: where each import leads */
    size_t icap, iused;
    Bases *bases;    /* bcap slots (a power of two, 0: none), filled once built */
    size_t bcap;
    int round;       /* the round being computed */
    int rounds;      /* rounds the build took */
    int changed;     /* this round changed a location */
    int building;    /* value_build is running: locations and the cache may be written */
};

/* One question (or one statement of a round). */
typedef struct Ev {
    ValueModel *vm;
    Arena *scratch;                       /* copies of qualified names */
    int depth;
    int peak;                             /* the deepest depth so far (kept_bases) */
} Ev;

/* One more level of the question (the callers check VALUE_MAX_DEPTH). */
static void deeper(Ev *c)
{
    if (++c->depth > c->peak)
        c->peak = c->depth;
}

/* ------------------------------------------------------------- values */

static Val unknown(void)
{
    Val v;
    memset(&v, 0, sizeof v);
    return v;
}

static int known(const Val *v) { return v->tag != VAL_UNKNOWN; }

static Val make(int tag, int kind, int is_async, const Node *node)
{
    Val v = unknown();
    v.tag = (unsigned char)tag;
    v.kind = (unsigned char)kind;
    v.is_async = (unsigned char)is_async;
    v.node = node;
    return v;
}

static int same(const Val *a, const Val *b)
{
    if (a->tag != b->tag || a->kind != b->kind)
        return 0;
    if (a->tag == VAL_QUAL)
        return a->qual && b->qual && !strcmp(a->qual, b->qual);
    if (a->tag == VAL_OBJECT || a->tag == VAL_CLASS || a->tag == VAL_FUNC)
        return a->node == b->node;
    if (a->tag == VAL_FUNCS)
        return a->node == b->node && a->sub == b->sub;
    if (a->tag == VAL_FACTORY && (a->kind == FAC_GENERATOR || a->kind == FAC_GENFUNC))
        return a->sub == b->sub;
    return 1;
}

static Val slot_val(const Slot *s)
{
    Val v = unknown();
    v.tag = s->v.tag;
    v.kind = s->v.kind;
    v.is_async = s->v.is_async;
    v.qual = s->v.qual;
    v.sub = s->v.sub;
    v.scope_fn = s->v.scope_fn;
    v.node = s->v.node;
    v.fresh = s->v.fresh;
    v.once = s->v.once; /* what was joined: read() asks whether it was all */
    return v;
}

/* Do a and b hold the same, field by field (a Val has padding)? */
static int same_val(const Val *a, const Val *b)
{
    return a->tag == b->tag && a->kind == b->kind && a->is_async == b->is_async &&
           a->qual == b->qual && a->sub == b->sub && a->scope_fn == b->scope_fn &&
           a->node == b->node && a->fresh == b->fresh && a->once == b->once;
}

/* Sets what s holds (not its conflict, lenders and own flags). */
static void slot_set(Slot *s, const Val *v)
{
    s->v.qual = v->qual;
    s->v.node = v->node;
    s->v.tag = v->tag;
    s->v.kind = v->kind;
    s->v.is_async = v->is_async;
    s->v.sub = v->sub;
    s->v.scope_fn = v->scope_fn;
    s->v.fresh = v->fresh;
    s->v.once = v->once != 0;
}

/* ------------------------------------------------------------- tables */

static size_t hash_ptr(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static size_t slot_hash(const void *k1, const char *k2, int k3)
{
    return hash_ptr(k1) ^ (hash_str(k2) * 31) ^ ((size_t)k3 * 0x9e3779b97f4a7c15ULL);
}

static int slot_is(const Slot *s, const void *k1, const char *k2, int k3)
{
    return s->k1 == k1 && s->k3 == k3 && (s->k2 == k2 || (s->k2 && k2 && !strcmp(s->k2, k2)));
}

/* The slot of a location; created (when building) if create. */
/* vm->tab at cap slots (on the heap; the old one freed). */
static void slot_rehash(ValueModel *vm, size_t cap)
{
    Slot **old = vm->tab;
    size_t oldcap = vm->cap;
    vm->cap = cap;
    vm->tab = xcalloc(cap, sizeof *vm->tab);
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i])
            continue;
        size_t j = slot_hash(old[i]->k1, old[i]->k2, old[i]->k3) & (cap - 1);
        while (vm->tab[j])
            j = (j + 1) & (cap - 1);
        vm->tab[j] = old[i];
    }
    free(old);
}

static int is_param_loc(int k3) { return k3 >= LOC_PARAM && k3 < LOC_DECLARED; }

static Slot *slot(ValueModel *vm, const void *k1, const char *k2, int k3, int create)
{
    if (create && 2 * (vm->used + 1) > vm->cap)
        slot_rehash(vm, vm->cap ? 2 * vm->cap : 1024);
    if (!vm->cap)
        return NULL;
    size_t mask = vm->cap - 1;
    for (size_t i = slot_hash(k1, k2, k3) & mask;; i = (i + 1) & mask) {
        Slot *s = vm->tab[i];
        if (!s) {
            if (!create)
                return NULL;
            s = vm->tab[i] = arena_alloc(vm->a, sizeof *s); /* stays put: reads keep it */
            s->k1 = k1;
            s->k2 = k2;
            s->k3 = k3;
            if (is_param_loc(k3)) {
                s->param = arena_alloc(vm->a, sizeof *s->param);
                s->param->why_mod = s->param->own_mod = -1; /* never read unset: why is NULL */
            }
            vm->used++;
            return s;
        }
        if (slot_is(s, k1, k2, k3))
            return s;
    }
}

/* The unit being walked read s: when s changes, it is walked again. */
static void note_read(ValueModel *vm, Slot *s)
{
    if (s->mark_walk == vm->walk)
        return;
    s->mark_walk = vm->walk;
    if (vm->nseen == vm->scap) {
        vm->scap = vm->scap ? 2 * vm->scap : 256;
        vm->seen = xrealloc(vm->seen, vm->scap * sizeof *vm->seen);
    }
    vm->seen[vm->nseen++] = s;
}

/* Has a location u's last walk read changed since that walk began? */
static int stale(const Unit *u)
{
    for (size_t i = 0; i < u->nreads; i++)
        if (u->reads[i]->changed_at > u->walked_at)
            return 1;
    return 0;
}

/* What a location holds so far (noted as read by the unit being walked);
 * its slot in *at, if asked (NULL: none yet). */
static Val read_at(const ValueModel *cvm, const void *k1, const char *k2, int k3, const Slot **at)
{
    ValueModel *vm = (ValueModel *)cvm; /* writes only while building, on one thread */
    int walking = vm->building && vm->cur >= 0;
    Slot *s = slot(vm, k1, k2, k3, walking);
    if (at)
        *at = s;
    if (walking)
        note_read(vm, s);
    Val v = s && !s->v.conflict ? slot_val(s) : unknown();
    if (v.once && s->v.own)
        v.once = 0; /* one object only while nothing else was kept there */
    if (k3 != LOC_LOCAL && k3 != LOC_RETURN && !(k3 >= LOC_ITEM && k3 < LOC_PARAM))
        v.fresh = 0; /* a parameter's, a global's, an attribute's: somebody else made it */
    return v;
}

static Val read(const ValueModel *vm, const void *k1, const char *k2, int k3)
{
    return read_at(vm, k1, k2, k3, NULL);
}

/* Notes that a location was given something other than the process's one
 * object (Val.once): an instance's own session, or a value we do not know. */
static void note_own(ValueModel *vm, const void *k1, const char *k2, int k3)
{
    Slot *s = vm->building ? slot(vm, k1, k2, k3, 1) : NULL;
    if (!s || s->v.own)
        return;
    s->v.own = 1;
    s->changed_at = ++vm->clock;
    vm->changed = 1;
}

/* Joins v into a location (building only). */
static void join(ValueModel *vm, const void *k1, const char *k2, int k3, Val v)
{
    if (!known(&v) || !vm->building)
        return;
    Slot *s = slot(vm, k1, k2, k3, 1);
    if (s->v.conflict)
        return;
    if (v.tag == VAL_RESOURCE && !v.once && !vm->declaring)
        note_own(vm, k1, k2, k3); /* an annotation says what, not which one */
    SlotParam *p = is_param_loc(k3) ? s->param : NULL;
    if (p && v.fresh && !p->own_why && vm->why) {
        p->own_why = vm->why;
        p->own_func = vm->why_func;
        p->own_mod = vm->cur;
    }
    Val was = slot_val(s);
    if (!known(&was)) {
        if (v.qual) /* a question's strings die with its scratch arena; the slot's must not */
            v.qual = arena_strndup(vm->a, v.qual, strlen(v.qual));
        slot_set(s, &v);
        if (p) {
            p->why = vm->why;
            p->why_mod = vm->cur;
        }
    } else if (!same(&was, &v)) {
        s->v.conflict = 1;
    } else {
        Val m = was;
        m.is_async |= v.is_async;
        m.scope_fn |= v.scope_fn;
        m.fresh |= v.fresh;
        m.once |= v.once;
        if (m.tag == VAL_RESOURCE && m.node != v.node) {
            /* no provider known yet (or none) joined with one: that one;
               two providers: none in particular, for good */
            s->v.lenders |= m.node && v.node;
            m.node = s->v.lenders ? NULL : m.node ? m.node : v.node;
        }
        if (!memcmp(&m, &was, sizeof m)) /* both from slot_val: no padding differs */
            return;
        slot_set(s, &m);
    }
    s->changed_at = ++vm->clock;
    vm->changed = 1;
}

/* The cached resolution of an import binding; created if create. */
static Import *import_slot(ValueModel *vm, const Binding *b, int create)
{
    if (create && 2 * (vm->iused + 1) > vm->icap) {
        Import *old = vm->imp;
        size_t oldcap = vm->icap;
        vm->icap = vm->icap ? 2 * vm->icap : 1024;
        vm->imp = xcalloc(vm->icap, sizeof *vm->imp);
        vm->iused = 0;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].b)
                *import_slot(vm, old[i].b, 1) = old[i];
        free(old);
    }
    if (!vm->icap)
        return NULL;
    size_t mask = vm->icap - 1;
    for (size_t i = hash_ptr(b) & mask;; i = (i + 1) & mask) {
        Import *s = &vm->imp[i];
        if (s->b == b)
            return s;
        if (!s->b) {
            if (!create)
                return NULL;
            s->b = b;
            vm->iused++;
            return s;
        }
    }
}

/* The module index of a def, a class or a scope table; -1 if unknown. */
static int owner_of(const ValueModel *vm, const void *key)
{
    if (!vm->ocap || !key)
        return -1;
    size_t mask = vm->ocap - 1;
    for (size_t i = hash_ptr(key) & mask; vm->own[i].key; i = (i + 1) & mask)
        if (vm->own[i].key == key)
            return vm->own[i].mod;
    return -1;
}

static void own(ValueModel *vm, const void *key, int mod)
{
    if (2 * (vm->oused + 1) > vm->ocap) {
        Owner *old = vm->own;
        size_t oldcap = vm->ocap;
        vm->ocap = vm->ocap ? 2 * vm->ocap : 1024;
        vm->own = xcalloc(vm->ocap, sizeof *vm->own);
        vm->oused = 0;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].key)
                own(vm, old[i].key, old[i].mod);
        free(old);
    }
    size_t mask = vm->ocap - 1, i = hash_ptr(key) & mask;
    while (vm->own[i].key && vm->own[i].key != key)
        i = (i + 1) & mask;
    if (!vm->own[i].key)
        vm->oused++;
    vm->own[i].key = key;
    vm->own[i].mod = mod;
}

static void own_kid(Node *parent, Node *n, void *arg);

typedef struct OwnWalk {
    ValueModel *vm;
    Ev *c;   /* NULL: note each def's and class's module; else settle its answers */
    int mod, depth;
} OwnWalk;

static void settle_answers(Ev *c, const ScopeTable *t, const Node *n);

/* Can a node of this kind hold statements (a def, a class)?  The others'
 * children are expressions, names, patterns: nothing to look for there. */
static int holds_statements(int kind)
{
    switch (kind) {
    case NODE_FunctionDef: case NODE_AsyncFunctionDef: case NODE_ClassDef:
    case NODE_For: case NODE_AsyncFor: case NODE_While: case NODE_If:
    case NODE_With: case NODE_AsyncWith: case NODE_Match: case NODE_match_case:
    case NODE_Try: case NODE_TryStar: case NODE_ExceptHandler: return 1;
    default: return 0;
    }
}

static void own_kid(Node *parent, Node *n, void *arg)
{
    OwnWalk *w = arg;
    (void)parent;
    if (w->depth > SCOPE_MAX_DEPTH || !holds_statements(n->kind))
        return;
    if (n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef || n->kind == NODE_ClassDef) {
        if (w->c)
            settle_answers(w->c, w->vm->mods[w->mod].scopes, n);
        else
            own(w->vm, n, w->mod);
    }
    w->depth++;
    ast_children(n, own_kid, w);
    w->depth--;
}

const ScopeTable *value_table_of(const ValueModel *vm, const Node *node)
{
    int m = owner_of(vm, node);
    return m >= 0 ? vm->mods[m].scopes : NULL;
}

/* ------------------------------------------------------------- helpers */

static const char *qual_in(Ev *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    char buf[MODGRAPH_MAX_NAME];
    size_t n = scope_qualname_buf(t, s, e, buf, sizeof buf);
    if (!n || n >= sizeof buf)
        return NULL;
    return arena_strndup(c->scratch, buf, n);
}

static int is_func(const Node *n)
{
    return n && (n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef);
}

/* The parameters of a def, in value_param's order: posonly, plain, kwonly. */
static int param_count(const Node *f)
{
    const Node *a = f->v.FunctionDef.args;
    return a->v.arguments.posonlyargs.n + a->v.arguments.args.n + a->v.arguments.kwonlyargs.n;
}

/* Parameter i: posonly, plain and keyword-only ones, then *args (at
 * param_count) and **kwargs (one after), or NULL. */
static const Node *param_at(const Node *f, int i)
{
    const Node *p = ast_param(f, i), *a = f->v.FunctionDef.args;
    i -= param_count(f);
    return p ? p : i == 0 ? a->v.arguments.vararg : i == 1 ? a->v.arguments.kwarg : NULL;
}

/* The index of f's parameter name, as param_at counts (*args and **kwargs
 * too), or -1: one pass over the lists, as every name read asks it. */
static int param_index(const Node *f, const char *name)
{
    const struct AST_arguments *a = &f->v.FunctionDef.args->v.arguments;
    const NodeList *ls[3] = {&a->posonlyargs, &a->args, &a->kwonlyargs};
    int i = 0;
    for (int l = 0; l < 3; l++)
        for (int k = 0; k < ls[l]->n; k++, i++)
            if (!strcmp(ls[l]->items[k]->v.arg.arg, name))
                return i;
    if (a->vararg && !strcmp(a->vararg->v.arg.arg, name))
        return i;
    return a->kwarg && !strcmp(a->kwarg->v.arg.arg, name) ? i + 1 : -1;
}

/* Is f a method: a def directly in a class body (not a static method)?
 * Its first parameter is then the instance (or the class). */
static const Node *method_class(const ScopeTable *t, const Node *f)
{
    const Scope *s = scope_of(t, f);
    if (!s || !s->parent || s->parent->kind != SCOPE_CLASS || ast_decorated(f, "staticmethod"))
        return NULL;
    return s->parent->node;
}

/* ------------------------------------------------------------- evaluation */

static Val ev(Ev *c, const ScopeTable *t, const Scope *s, const Node *e);
static Val ev_annotation(Ev *c, const ScopeTable *t, const Scope *s, const Node *ann, int depth);
static Val ev_binding(Ev *c, const ScopeTable *t, const Scope *where, const Binding *b);
static Val ev_with(Ev *c, const ScopeTable *t, const Scope *s, const Node *ctx);
static Val attr_of(Ev *c, Val recv, const char *attr);
static const char *library_base(Ev *c, const Node *cls, int depth);
static Val declared_item(Ev *c, const ScopeTable *t, const Scope *s, const Node *e);
static Val join2(Val a, Val b);
static void kept_bases(ValueModel *vm);
static const char ANY_KEY[] = "[*]"; /* LOC_KEY of the entries under computed keys */

/* Classes whose instances the model knows by name (annotations, calls):
 * a Session is a session whatever it is bound to (ownership is the
 * dataflow's question, not this one's). */
static const struct {
    const char *qual;
    unsigned char tag, kind, is_async;
} classes[] = {
    {"sqlalchemy.orm.Session", VAL_RESOURCE, RES_SESSION, 0},
    {"sqlalchemy.orm.session.Session", VAL_RESOURCE, RES_SESSION, 0},
    {"sqlmodel.Session", VAL_RESOURCE, RES_SESSION, 0},
    {"sqlmodel.orm.session.Session", VAL_RESOURCE, RES_SESSION, 0},
    {"sqlalchemy.ext.asyncio.AsyncSession", VAL_RESOURCE, RES_SESSION, 1},
    {"sqlalchemy.ext.asyncio.session.AsyncSession", VAL_RESOURCE, RES_SESSION, 1},
    {"sqlmodel.ext.asyncio.session.AsyncSession", VAL_RESOURCE, RES_SESSION, 1},
    {"sqlalchemy.orm.scoped_session", VAL_FACTORY, FAC_SCOPED, 0},
    {"sqlalchemy.orm.scoping.scoped_session", VAL_FACTORY, FAC_SCOPED, 0},
    {"sqlalchemy.ext.asyncio.async_scoped_session", VAL_FACTORY, FAC_SCOPED, 1},
    {"sqlalchemy.Connection", VAL_RESOURCE, RES_CONNECTION, 0},
    {"sqlalchemy.engine.Connection", VAL_RESOURCE, RES_CONNECTION, 0},
    {"sqlalchemy.engine.base.Connection", VAL_RESOURCE, RES_CONNECTION, 0},
    {"sqlalchemy.ext.asyncio.AsyncConnection", VAL_RESOURCE, RES_CONNECTION, 1},
    {"sqlalchemy.ext.asyncio.engine.AsyncConnection", VAL_RESOURCE, RES_CONNECTION, 1},
    {"psycopg2.extensions.connection", VAL_RESOURCE, RES_DBAPI, 0},
    {"psycopg2.extensions.cursor", VAL_RESOURCE, RES_CURSOR, 0},
    {"psycopg.Connection", VAL_RESOURCE, RES_PGCONN, 0},
    {"psycopg.AsyncConnection", VAL_RESOURCE, RES_PGCONN, 1},
    {"psycopg.Cursor", VAL_RESOURCE, RES_CURSOR, 0},
    {"psycopg.AsyncCursor", VAL_RESOURCE, RES_CURSOR, 1},
    {"asyncpg.Connection", VAL_RESOURCE, RES_PGCONN, 1},
    {"asyncpg.connection.Connection", VAL_RESOURCE, RES_PGCONN, 1},
    {"asyncpg.pool.PoolConnectionProxy", VAL_RESOURCE, RES_APOOLED, 1},
};

/* An instance of the library class qual, or unknown. */
static Val instance(const char *qual)
{
    static QualIndex idx = QUALIDX(classes);
    int i = qualidx_find(&idx, qual);
    if (i >= 0) {
        Val v = make(classes[i].tag, classes[i].kind, classes[i].is_async, NULL);
        v.sub = v.kind == RES_PGCONN && !strncmp(qual, "psycopg.", 8); /* its lock serializes */
        return v;
    }
    return model_type(qual); /* engines, sessionmakers, pools */
}

/* What this round worked out and kept at (k1, k3) (a parameter's or a
 * return's annotation, a class's library base), or NULL: the rounds' last
 * answers stand for the questions after building. */
static const Slot *recalled(ValueModel *vm, const void *k1, int k3)
{
    Slot *s = slot(vm, k1, NULL, k3, 0);
    if (!s || s->round != vm->round)
        return NULL;
    if (vm->building && vm->cur >= 0)
        note_read(vm, s); /* another unit's answer: read like a location */
    return s;
}

/* Keeps v as this round's answer at (k1, k3), while building; its name is
 * copied (a question's strings die with its scratch arena).  An answer
 * that differs from the last round's is a change to the units that read
 * that one. */
static void remember(ValueModel *vm, const void *k1, int k3, Val v)
{
    if (!vm->building)
        return;
    Slot *s = slot(vm, k1, NULL, k3, 1);
    Val was = slot_val(s);
    if (v.qual && was.qual && !strcmp(v.qual, was.qual))
        v.qual = was.qual; /* the same name: no copy a round */
    else if (v.qual)
        v.qual = arena_strndup(vm->a, v.qual, strlen(v.qual));
    v.once = v.once != 0;
    slot_set(s, &v);
    s->round = vm->round;
    if (!same_val(&was, &v))
        s->changed_at = ++vm->clock;
    s->by.unit = vm->unit ? (unsigned)(vm->unit - vm->units) + 1 : 0;
    s->by.walk = vm->unit ? vm->unit->walked_at : 0;
    if (vm->unit)
        s->mark_walk = vm->walk; /* this unit worked it out: what it read says when to again */
}

/*
 * Is the answer kept at (k1, k3) still what it would be worked out now?
 * It is when the unit walk that worked it out is its unit's last and no
 * location that walk read has changed since (every unit, at a fixpoint):
 * it read no more than its unit did.  It is then this round's answer.
 */
static int settled(ValueModel *vm, const void *k1, int k3)
{
    Slot *s = slot(vm, k1, NULL, k3, 0);
    if (!s || s->round == vm->round)
        return s != NULL;
    const Unit *u = s->by.unit ? &vm->units[s->by.unit - 1] : NULL;
    if (!u || u->walked_at != s->by.walk || stale(u))
        return 0;
    s->round = vm->round;
    return 1;
}

/* What the return annotation of def f says (`-> AsyncIterator[AsyncSession]`):
 * worked out once a round while building, and kept for the questions after
 * (most functions are asked of many times, and most annotations say
 * nothing to the model). */
static Val returns_declared(Ev *c, const Node *f)
{
    if (!is_func(f) || !f->v.FunctionDef.returns)
        return unknown();
    const Slot *said = recalled(c->vm, f, LOC_RETURNS);
    if (said)
        return slot_val(said);
    const ScopeTable *t = value_table_of(c->vm, f);
    const Scope *fs = t ? scope_of(t, f) : NULL;
    Val a = fs ? ev_annotation(c, t, fs->parent ? fs->parent : fs, f->v.FunctionDef.returns, 0)
               : unknown();
    remember(c->vm, f, LOC_RETURNS, a);
    return a;
}

/* What the generator function f yields: its yields, else what its return
 * annotation says (`-> AsyncIterator[AsyncSession]`). */
static Val yields_of(Ev *c, const Node *f)
{
    Val v = read(c->vm, f, NULL, LOC_YIELD);
    if (!known(&v)) {
        Val a = returns_declared(c, f);
        if (a.tag == VAL_FACTORY && a.kind == FAC_GENERATOR)
            v = make(VAL_RESOURCE, a.sub, a.is_async, NULL);
    }
    return v;
}

/* The value a FastAPI provider hands its dependants: what it yields (a
 * resource it lends, node: the provider), else what it returns; a class
 * dependency is an instance of the class. */
static Val provider_value(Ev *c, Val f, int scope_fn)
{
    if (f.tag == VAL_CLASS)
        return make(VAL_OBJECT, 0, 0, f.node);
    if (f.tag != VAL_FUNC)
        return unknown();
    Val v = yields_of(c, f.node);
    if (!known(&v))
        v = read(c->vm, f.node, NULL, LOC_RETURN);
    if (v.tag == VAL_RESOURCE) {
        v.node = f.node;
        v.scope_fn = (unsigned char)scope_fn;
    }
    return v;
}

/* Depends(f) / Depends(f, scope="function") / Security(f): the provider's value. */
static Val depends_value(Ev *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    if (!e || e->kind != NODE_Call || !fastapi_is_depends(qual_in(c, t, s, e->v.Call.func)))
        return unknown();
    const Node *target = e->v.Call.args.n ? e->v.Call.args.items[0] : NULL;
    int scope_fn = 0;
    for (int i = 0; i < e->v.Call.keywords.n; i++) {
        const Node *k = e->v.Call.keywords.items[i];
        const Node *v = k->v.keyword.value;
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "dependency"))
            target = v;
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "scope") && v->kind == NODE_Constant &&
            v->v.Constant.value.kind == CONST_STR && !strcmp(v->v.Constant.value.s, "function"))
            scope_fn = 1;
    }
    Val p = target ? ev(c, t, s, target) : unknown();
    const Node *ov = (p.tag == VAL_CLASS || p.tag == VAL_FUNC) && c->vm->fastapi
                         ? fastapi_override(c->vm->fastapi, p.node)
                         : NULL; /* app.dependency_overrides[Marker] = provider */
    if (ov)
        p = make(ov->kind == NODE_ClassDef ? VAL_CLASS : VAL_FUNC, 0, 0, ov);
    return target ? provider_value(c, p, scope_fn) : unknown();
}

/* ---- annotations ---- */

static int is_typing(const char *q, const char *last)
{
    size_t n = q ? strlen(q) : 0, m = strlen(last);
    return n > m && q[n - m - 1] == '.' && !strcmp(q + n - m, last) &&
           (!strncmp(q, "typing.", 7) || !strncmp(q, "typing_extensions.", 18) ||
            !strncmp(q, "collections.abc.", 16) || !strncmp(q, "contextlib.", 11));
}

/* Iterator[X], Generator[X, ...], AsyncIterator[X], ContextManager[X]...:
 * what one gets out of it. */
static int is_wrapper(const char *q)
{
    static const char *const names[] = {"Iterator", "Iterable", "Generator", "AsyncIterator",
                                        "AsyncIterable", "AsyncGenerator", "ContextManager",
                                        "AsyncContextManager", "AbstractContextManager",
                                        "AbstractAsyncContextManager", NULL};
    for (int i = 0; names[i]; i++)
        if (is_typing(q, names[i]))
            return 1;
    return 0;
}

/* Callable[[...], R]: a callable whose call gives R. */
static Val callable_of(Val r)
{
    if (r.tag == VAL_RESOURCE && r.kind == RES_SESSION)
        return make(VAL_FACTORY, FAC_SESSIONMAKER, r.is_async, NULL);
    if (r.tag == VAL_FACTORY && r.kind == FAC_GENERATOR) {
        r.kind = FAC_GENFUNC;
        return r;
    }
    return unknown();
}

static Val generic_annotation(Ev *c, const ScopeTable *t, const Scope *s, const Node *ann,
                              int depth)
{
    const char *q = qual_in(c, t, s, ann->v.Subscript.value);
    const Node *sl = ann->v.Subscript.slice;
    const NodeList *elts = sl->kind == NODE_Tuple ? &sl->v.Tuple.elts : NULL;
    const Node *first = elts ? (elts->n ? elts->items[0] : NULL) : sl;
    if (is_typing(q, "Annotated") && elts && elts->n > 0) {
        Val v = ev_annotation(c, t, s, first, depth + 1);
        for (int i = 1; i < elts->n; i++) {
            Val p = depends_value(c, t, s, elts->items[i]);
            if (known(&p))
                return p; /* the provider says whose it is */
        }
        return v;
    }
    if (is_typing(q, "Optional") || is_wrapper(q)) {
        Val v = ev_annotation(c, t, s, first, depth + 1);
        if (!is_wrapper(q) || v.tag != VAL_RESOURCE)
            return v;
        Val g = make(VAL_FACTORY, FAC_GENERATOR, v.is_async, NULL);
        g.sub = v.kind;
        return g; /* what a generator (or context manager) of v gives */
    }
    if (is_typing(q, "Union") && elts) {
        for (int i = 0; i < elts->n; i++) {
            Val v = ev_annotation(c, t, s, elts->items[i], depth + 1);
            if (known(&v))
                return v;
        }
    }
    if (is_typing(q, "Callable") && elts && elts->n == 2)
        return callable_of(ev_annotation(c, t, s, elts->items[1], depth + 1));
    if (is_typing(q, "Type") || (q && !strcmp(q, "type"))) {
        Val v = ev_annotation(c, t, s, first, depth + 1);
        return v.tag == VAL_OBJECT ? make(VAL_CLASS, 0, 0, v.node) : unknown();
    }
    /* a generic class of its own: async_sessionmaker[AsyncSession] is an
       async_sessionmaker, Repo[User] a Repo */
    return ev_annotation(c, t, s, ann->v.Subscript.value, depth + 1);
}

/* A string annotation naming a type: "Session", "orm.Session", "Repo". */
/* A string annotation that is an expression ('Session | None'): parsed,
 * then read as any annotation, its names in scope s. */
static Val parsed_annotation(Ev *c, const ScopeTable *t, const Scope *s, const char *text,
                             int depth)
{
    size_t n = strlen(text);
    Source src;
    SourceError err;
    if (n > 512 || source_from_bytes(c->scratch, "<annotation>", text, n, &src, &err) != SRC_OK)
        return unknown();
    Lexed lx;
    FindingList errs = {0};
    ParseResult r = parse_module(c->scratch, &src, &lx, &errs);
    diag_free(&errs);
    const NodeList *body = &r.module->v.Module.body;
    if (r.nerrors || body->n != 1 || body->items[0]->kind != NODE_Expr)
        return unknown();
    return ev_annotation(c, t, s, body->items[0]->v.Expr.value, depth + 1);
}

static Val string_annotation(Ev *c, const ScopeTable *t, const Scope *s, const Node *ann,
                             int depth)
{
    const char *text = ann->v.Constant.value.s;
    for (const char *p = text; *p; p++)
        if (!(*p == '.' || *p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9')))
            return parsed_annotation(c, t, s, text, depth); /* 'Optional[Session]' */
    Node name;
    memset(&name, 0, sizeof name);
    name.kind = NODE_Name;
    size_t n = strcspn(text, ".");
    name.v.Name.id = arena_strndup(c->scratch, text, n);
    if (!text[n])
        return ev_annotation(c, t, s, &name, depth + 1);
    const Binding *b = scope_lookup(t, s, name.v.Name.id, NULL);
    if (b && b->kind == BIND_IMPORT && b->qualname)
        return instance(arena_printf(c->scratch, "%s%s", b->qualname, text + n));
    return unknown();
}

static Val ev_annotation_of(Ev *c, const ScopeTable *t, const Scope *s, const Node *ann,
                            int depth);

/* What a value annotated with ann is.  depth counts the annotation's own
 * nesting; c->depth the whole question's, which a provider's annotation
 * naming that provider again (`-> Annotated[X, Depends(me)]`) would
 * otherwise restart. */
static Val ev_annotation(Ev *c, const ScopeTable *t, const Scope *s, const Node *ann, int depth)
{
    if (!ann || depth > VALUE_MAX_DEPTH || c->depth > VALUE_MAX_DEPTH)
        return unknown();
    deeper(c);
    Val v = ev_annotation_of(c, t, s, ann, depth);
    c->depth--;
    return v;
}

static Val ev_annotation_of(Ev *c, const ScopeTable *t, const Scope *s, const Node *ann,
                            int depth)
{
    switch (ann->kind) {
    case NODE_Name:
    case NODE_Attribute: {
        Val v = instance(qual_in(c, t, s, ann));
        if (known(&v))
            return v;
        v = ev(c, t, s, ann); /* a class of the project, an alias */
        if (v.tag == VAL_CLASS) {
            const char *lib = library_base(c, v.node, 0);
            Val i = lib ? instance(lib) : unknown();
            return known(&i) ? i : make(VAL_OBJECT, 0, 0, v.node);
        }
        if (v.tag == VAL_QUAL) { /* AsyncSession re-exported by a module of the project */
            Val i = instance(v.qual);
            if (known(&i))
                return i;
        }
        if (ann->kind == NODE_Name) { /* SessionDep = Annotated[Session, Depends(get_db)] */
            const Scope *where = NULL;
            const Binding *b = scope_lookup(t, s, ann->v.Name.id, &where);
            const Node *nt = b && b->kind == BIND_LOCAL ? b->value : NULL;
            if (nt && nt->kind == NODE_Call && nt->v.Call.args.n == 2 &&
                is_typing(qual_in(c, t, s, nt->v.Call.func), "NewType"))
                return ev_annotation(c, t, where, nt->v.Call.args.items[1], depth + 1);
            if (b && b->kind == BIND_LOCAL && b->value && where && where->kind == SCOPE_MODULE)
                return ev_annotation(c, t, where, b->value, depth + 1);
            if (b && b->kind == BIND_IMPORT && b->qualname) {
                const ProjectModule *pm = NULL;
                const Binding *d = NULL;
                if (modgraph_resolve(c->vm->graph, b->qualname, &pm, &d) && d && pm && d->value)
                    return ev_annotation(c, pm->scopes, scope_module(pm->scopes), d->value,
                                         depth + 1);
            }
        }
        return unknown();
    }
    case NODE_Subscript: return generic_annotation(c, t, s, ann, depth);
    case NODE_Call: /* an alias's value: NewType("AsyncSession", AsyncReadSession) */
        if (ann->v.Call.args.n == 2 && is_typing(qual_in(c, t, s, ann->v.Call.func), "NewType"))
            return ev_annotation(c, t, s, ann->v.Call.args.items[1], depth + 1);
        return unknown();
    case NODE_BinOp: { /* Session | None */
        Val v = ev_annotation(c, t, s, ann->v.BinOp.left, depth + 1);
        return known(&v) ? v : ev_annotation(c, t, s, ann->v.BinOp.right, depth + 1);
    }
    case NODE_Constant:
        if (ann->v.Constant.value.kind == CONST_STR)
            return string_annotation(c, t, s, ann, depth);
        return unknown();
    default: return unknown();
    }
}

/* ---- names ---- */

/* The value of the index-th item of what value gives: a tuple literal's
 * element, or a call's returned tuple. */
static Val item_of(Ev *c, const ScopeTable *t, const Scope *s, const Node *value, int index)
{
    if (value->kind == NODE_Tuple || value->kind == NODE_List)
        return index < value->v.Tuple.elts.n ? ev(c, t, s, value->v.Tuple.elts.items[index])
                                             : unknown();
    if (value->kind == NODE_Await)
        value = value->v.Await.value;
    if (value->kind != NODE_Call || index >= VALUE_MAX_ITEMS)
        return unknown();
    Val f = ev(c, t, s, value->v.Call.func);
    return f.tag == VAL_FUNC ? read(c->vm, f.node, NULL, LOC_ITEM + index) : unknown();
}

/* What parameter i of the function that opens fs says of itself: its
 * annotation, and the provider of its Depends default. */
/* Parameter i of f when f listens to a SQLAlchemy event
 * (`@event.listens_for(Session, "before_flush")`): what the event hands it. */
static Val listener_param(Ev *c, const ScopeTable *t, const Scope *outer, const Node *f, int i)
{
    const NodeList *ds = &f->v.FunctionDef.decorator_list;
    for (int k = 0; k < ds->n; k++) {
        const Node *d = ds->items[k];
        if (d->kind != NODE_Call || d->v.Call.args.n < 2 ||
            !model_is_listener_decorator(qual_in(c, t, outer, d->v.Call.func)))
            continue;
        const Node *e = d->v.Call.args.items[1];
        if (e->kind == NODE_Constant && e->v.Constant.value.kind == CONST_STR)
            return model_listener_param(e->v.Constant.value.s, i);
    }
    return unknown();
}

/* Parameter i of method f of cls (or of a base) as the library class
 * among cls's bases hands it to the override f: a dialect's connection. */
static Val override_param(Ev *c, const Node *cls, const Node *f, int i, int depth)
{
    if (!cls || depth > 8)
        return unknown();
    const ScopeTable *t = value_table_of(c->vm, cls);
    const Scope *cs = t ? scope_of(t, cls) : NULL;
    for (int k = 0; cs && k < cls->v.ClassDef.bases.n; k++) {
        Val b = ev(c, t, cs->parent ? cs->parent : cs, cls->v.ClassDef.bases.items[k]);
        Val v = b.tag == VAL_QUAL ? model_override_param(b.qual, f->v.FunctionDef.name, i)
                : b.tag == VAL_CLASS ? override_param(c, b.node, f, i, depth + 1)
                                     : unknown();
        if (known(&v))
            return v;
    }
    return unknown();
}

static Val declared(Ev *c, const ScopeTable *t, const Scope *fs, int i)
{
    const Node *f = fs->node;
    const Scope *outer = fs->parent ? fs->parent : fs;
    Val v = ev_annotation(c, t, outer, param_at(f, i)->v.arg.annotation, 0);
    if (v.tag == VAL_RESOURCE && !v.node) { /* `db: Session = Depends(get_db)` */
        Val p = depends_value(c, t, outer, ast_param_default(f, i));
        return known(&p) ? p : v;
    }
    if (known(&v))
        return v;
    v = depends_value(c, t, outer, ast_param_default(f, i));
    if (known(&v))
        return v;
    v = listener_param(c, t, outer, f, i);
    const Node *cls = known(&v) || i != 1 ? NULL : method_class(t, f);
    return cls ? override_param(c, cls, f, i, 0) : v;
}

/* A parameter of the function that opens fs: the instance for a method's
 * first, its annotation, its Depends default, else what its callers pass. */
static Val ev_param(Ev *c, const ScopeTable *t, const Scope *fs, const char *name)
{
    const Node *f = fs->node;
    if (f && f->kind == NODE_Lambda) { /* what a library that calls it hands it */
        const struct AST_arguments *la = &f->v.Lambda.args->v.arguments;
        int npos = la->posonlyargs.n + la->args.n;
        for (int i = 0; i < npos; i++) {
            const Node *a = i < la->posonlyargs.n ? la->posonlyargs.items[i]
                                                  : la->args.items[i - la->posonlyargs.n];
            if (!strcmp(a->v.arg.arg, name))
                return read(c->vm, f, NULL, LOC_PARAM + i);
        }
        return unknown();
    }
    if (!is_func(f))
        return unknown();
    int i = param_index(f, name);
    if (i < 0)
        return unknown();
    const Node *cls = method_class(t, f);
    if (cls && i == 0)
        return make(ast_decorated(f, "classmethod") ? VAL_CLASS : VAL_OBJECT, 0, 0, cls);
    const Slot *said = i < param_count(f) ? recalled(c->vm, f, LOC_DECLARED + i) : NULL;
    Val v = said ? slot_val(said) : i < param_count(f) ? declared(c, t, fs, i) : unknown();
    if (!said && i < param_count(f))
        remember(c->vm, f, LOC_DECLARED + i, v); /* what it says of itself, once a round */
    Val callers = read(c->vm, f, NULL, LOC_PARAM + i);
    if (i >= param_count(f))
        return callers; /* *args, **kwargs: what the callers pass beyond the parameters */
    if (!known(&v) && !known(&callers) &&
        (!strncmp(f->v.FunctionDef.name, "test", 4) || scope_decorated_by(t, f, model_is_fixture))) {
        Val fx = read(c->vm, c->vm, name, LOC_FIXTURE); /* pytest fills it by its name */
        if (fx.tag == VAL_FUNC)
            return provider_value(c, fx, 0);
    }
    if (v.tag == VAL_RESOURCE && !v.node && callers.tag == VAL_RESOURCE &&
        callers.kind == v.kind && callers.node)
        return callers; /* `db: Session` that every caller has from one provider */
    return known(&v) ? v : callers;
}

/* A name from outside the project: an object the model knows
 * (sqlalchemy.testing.db), else the name itself. */
static Val library_name(const char *q)
{
    Val v = model_library_object(q);
    if (!known(&v)) {
        v.tag = VAL_QUAL;
        v.qual = q;
    }
    return v;
}

/* Where an import binding leads: into the project (*pm, and *d its binding
 * there, NULL for a module), or outside it (0).  Cached per binding while
 * building; after, a miss is worked out again. */
static int imported(Ev *c, const Binding *b, const ProjectModule **pm, const Binding **d)
{
    ValueModel *vm = c->vm;
    Import *hit = import_slot(vm, b, 0);
    if (!hit) {
        *pm = NULL;
        *d = NULL;
        int in = b->qualname && modgraph_resolve(vm->graph, b->qualname, pm, d) && *pm;
        if (!vm->building)
            return in;
        hit = import_slot(vm, b, 1);
        hit->pm = in ? *pm : NULL;
        hit->d = in ? *d : NULL;
    }
    *pm = hit->pm;
    *d = hit->d;
    return hit->pm != NULL;
}

static Val ev_binding(Ev *c, const ScopeTable *t, const Scope *where, const Binding *b)
{
    switch (b->kind) {
    case BIND_IMPORT: {
        const ProjectModule *pm = NULL;
        const Binding *d = NULL;
        if (imported(c, b, &pm, &d)) {
            if (!d || c->depth > VALUE_MAX_DEPTH)
                return unknown(); /* a module of the project */
            deeper(c);
            Val v = ev_binding(c, pm->scopes, scope_module(pm->scopes), d);
            c->depth--;
            return v;
        }
        return b->qualname ? library_name(b->qualname) : unknown();
    }
    case BIND_DEF:
    case BIND_CLASS: {
        Val v = make(b->kind == BIND_DEF ? VAL_FUNC : VAL_CLASS, 0, 0, b->def);
        v.qual = b->qualname; /* "myapp.db.get_conn": configured resources name it */
        return v;
    }
    case BIND_PARAM: return ev_param(c, t, where, b->name);
    case BIND_LOCAL:
        if (where->kind == SCOPE_MODULE)
            return read(c->vm, b, NULL, LOC_GLOBAL);
        return read(c->vm, where, b->name, LOC_LOCAL); /* a local: the join of its bindings */
    default: return unknown();
    }
}

static Val ev_name(Ev *c, const ScopeTable *t, const Scope *s, const char *id)
{
    const Scope *where = NULL;
    const Binding *b = scope_lookup(t, s, id, &where);
    return b && where ? ev_binding(c, t, where, b) : unknown();
}

/* ---- attributes ---- */

/* The bases of a class, to climb: kept (after building, when the question
 * has the depth left that working them out took: the same answers), else
 * evaluated one by one where the class statement is. */
typedef struct ClassBases {
    const Bases *kept;    /* or NULL: ev each base in t, s */
    const ScopeTable *t;
    const Scope *s;
    int n;                /* bases to climb (0: none, or cls has no scope) */
} ClassBases;

static const Bases *find_bases(const ValueModel *vm, const Node *cls)
{
    size_t mask = vm->bcap - 1;
    for (size_t i = hash_ptr(cls) & mask; vm->bcap && vm->bases[i].cls; i = (i + 1) & mask)
        if (vm->bases[i].cls == cls)
            return &vm->bases[i];
    return NULL;
}

static ClassBases class_bases(Ev *c, const Node *cls)
{
    ClassBases cb = {NULL, NULL, NULL, 0};
    const Bases *k = c->vm->building ? NULL : find_bases(c->vm, cls);
    if (k && c->depth + k->depth <= VALUE_MAX_DEPTH) {
        cb.kept = k;
        cb.n = k->n;
        return cb;
    }
    cb.t = value_table_of(c->vm, cls);
    const Scope *cs = cb.t ? scope_of(cb.t, cls) : NULL;
    cb.s = cs && cs->parent ? cs->parent : cs;
    cb.n = cs ? cls->v.ClassDef.bases.n : 0;
    return cb;
}

/* The class of the project that base i of cls names, or NULL. */
static const Node *base_class(Ev *c, const Node *cls, const ClassBases *cb, int i)
{
    if (cb->kept)
        return cb->kept->of[i];
    const Node *e = cls->v.ClassDef.bases.items[i];
    if (e->kind == NODE_Subscript) /* BaseRepository[Invoice]: a generic base is its class */
        e = e->v.Subscript.value;
    Val b = ev(c, cb->t, cb->s, e);
    return b.tag == VAL_CLASS ? b.node : NULL;
}

/* Does method m only declare itself: `@abstractmethod`, or a body of a
 * docstring and `...` or `raise NotImplementedError` (`pass` alone is a
 * default that does nothing, not a declaration)? */
static int declares_only(const Node *m)
{
    if (ast_decorated(m, "abstractmethod"))
        return 1;
    const NodeList *b = &m->v.FunctionDef.body;
    int declared = 0;
    for (int i = 0; i < b->n; i++) {
        const Node *st = b->items[i], *e = st->kind == NODE_Raise ? st->v.Raise.exc : NULL;
        if (e && e->kind == NODE_Call)
            e = e->v.Call.func;
        const Node *x = st->kind == NODE_Expr ? st->v.Expr.value : NULL;
        if (x && x->kind == NODE_Constant && x->v.Constant.value.kind == CONST_ELLIPSIS)
            declared = 1;
        else if (e && e->kind == NODE_Name && !strcmp(e->v.Name.id, "NotImplementedError"))
            declared = 1;
        else if (st->kind != NODE_Pass && !(x && x->kind == NODE_Constant))
            return 0;
    }
    return declared;
}

static const Node *own_method(const Node *cls, const char *name)
{
    const NodeList *body = &cls->v.ClassDef.body;
    for (int i = 0; i < body->n; i++)
        if (is_func(body->items[i]) && *body->items[i]->v.FunctionDef.name == *name &&
            !strcmp(body->items[i]->v.FunctionDef.name, name)) /* most differ at once */
            return body->items[i];
    return NULL;
}

/*
 * The overrides of name in the subclasses of cls, transitively (a class
 * that overrides it hides its own subclasses'), outside test code (a
 * test's fake is not what the application runs): into *one when it is the
 * only one; how many were met, stopping at 2.
 */
static int overrides(const ValueModel *vm, const Node *cls, const char *name, int depth,
                     const Node **one)
{
    const Bases *k = depth <= 4 ? find_bases(vm, cls) : NULL;
    int n = 0;
    for (int i = 0; k && i < k->nsubs && n < 2; i++) {
        const Node *sub = k->subs[i], *m = own_method(sub, name);
        if (fastapi_in_tests(vm->fastapi, owner_of(vm, sub)))
            continue;
        if (m && !declares_only(m)) {
            if (!n || *one != m)
                n++;
            *one = m;
        } else if (!m) {
            const Node *deeper = NULL;
            int d = overrides(vm, sub, name, depth + 1, &deeper);
            if (d > 1 || (d == 1 && n && *one != deeper))
                n = 2;
            else if (d == 1)
                n = 1, *one = deeper;
        }
    }
    return n;
}

/*
 * The def of method name for an instance of cls: its own or a base's.
 * One that only declares itself (an interface's abstract method) stands
 * for the one implementation the project has, when it has exactly one
 * (`AbstractRepository.add` is `SqlAlchemyRepository.add`): class
 * hierarchy analysis, bounded to a single target so that no finding rests
 * on one implementation among several.
 */
static const Node *find_method_in(const ValueModel *vm, Ev *c, const Node *cls,
                                  const char *name, int depth);

static const Node *find_method(const ValueModel *vm, Ev *c, const Node *cls, const char *name,
                               int depth)
{
    const Node *m = find_method_in(vm, c, cls, name, depth), *impl = NULL;
    if (m && depth == 0 && declares_only(m) && overrides(vm, cls, name, 0, &impl) == 1)
        return impl;
    return m;
}

/* The def of method name of class cls or of its bases (depth: bases
 * followed so far). */
static const Node *find_method_in(const ValueModel *vm, Ev *c, const Node *cls,
                                  const char *name, int depth)
{
    if (!cls || depth > 8)
        return NULL;
    const Node *own = own_method(cls, name);
    if (own)
        return own;
    ClassBases cb = class_bases(c, cls);
    for (int i = 0; i < cb.n; i++) {
        const Node *b = base_class(c, cls, &cb, i);
        const Node *m = b ? find_method_in(vm, c, b, name, depth + 1) : NULL;
        if (m)
            return m;
    }
    return NULL;
}

static const char *library_base_of(Ev *c, const Node *cls, int depth);

/* The library class among cls's bases (theirs included) whose instances
 * the model knows, as a qualified name: the project's `class
 * Session(sqlalchemy.orm.Session)` makes sessions.  NULL if none. */
static const char *library_base(Ev *c, const Node *cls, int depth)
{
    if (!cls || depth > 8)
        return NULL;
    /* once a round while building, kept for the questions after: every
       annotation naming a class of the project asks it */
    const Slot *said = recalled(c->vm, cls, LOC_LIBBASE);
    if (said)
        return said->v.qual;
    const char *q = library_base_of(c, cls, depth);
    Val v = unknown();
    v.qual = q;
    remember(c->vm, cls, LOC_LIBBASE, v);
    return q;
}

static const char *library_base_of(Ev *c, const Node *cls, int depth)
{
    const ScopeTable *t = value_table_of(c->vm, cls);
    const Scope *cs = t ? scope_of(t, cls) : NULL;
    for (int i = 0; cs && i < cls->v.ClassDef.bases.n; i++) {
        Val b = ev(c, t, cs->parent ? cs->parent : cs, cls->v.ClassDef.bases.items[i]);
        Val inst = b.tag == VAL_QUAL ? instance(b.qual) : unknown();
        if (known(&inst))
            return b.qual;
        const char *q = b.tag == VAL_CLASS ? library_base(c, b.node, depth + 1) : NULL;
        if (q)
            return q;
    }
    return NULL;
}

/* An attribute of an instance or class of cls, bases included. */
static Val class_attr(Ev *c, const Node *cls, const char *attr, int depth)
{
    if (!cls || depth > 8)
        return unknown();
    const Slot *s;
    Val v = read_at(c->vm, cls, attr, LOC_ATTR, &s);
    if (known(&v) || (s && s->v.own))
        return v; /* an instance keeps its own, unknown: not a base's default */
    ClassBases cb = class_bases(c, cls);
    for (int i = 0; i < cb.n; i++) {
        const Node *b = base_class(c, cls, &cb, i);
        if (!b)
            continue;
        v = class_attr(c, b, attr, depth + 1);
        if (known(&v))
            return v;
    }
    return unknown();
}

/* A property that returns its registry's session (`return
 * self.registry()`, the statements of its own body) stands for the
 * registry, which proxies that session's methods (as `cast(Session,
 * registry)` does), so that `db.session` of the process's one `db` is the
 * registry the rules know; else unknown. */
static Val registry_returned(Ev *c, const Node *m)
{
    const ScopeTable *t = value_table_of(c->vm, m);
    const Scope *ms = t ? scope_of(t, m) : NULL;
    Val r = unknown();
    for (int i = 0; ms && i < m->v.FunctionDef.body.n; i++) {
        const Node *st = m->v.FunctionDef.body.items[i];
        const Node *e = st->kind == NODE_Return ? st->v.Return.value : NULL;
        if (!e && st->kind == NODE_Return)
            return unknown();
        if (!e)
            continue;
        if (e->kind != NODE_Call || e->v.Call.args.n || e->v.Call.keywords.n)
            return unknown();
        Val f = ev(c, t, ms, e->v.Call.func);
        if (f.tag != VAL_FACTORY || f.kind != FAC_SCOPED || (known(&r) && r.node != f.node))
            return unknown();
        r = f;
    }
    return r;
}

static Val attr_of(Ev *c, Val recv, const char *attr)
{
    if (recv.tag == VAL_OBJECT || recv.tag == VAL_CLASS) {
        Val v = class_attr(c, recv.node, attr, 0);
        /* what the process's one object keeps (an instance, a registry) is the
           process's one too; a resource's once stays value.h's (made there) */
        v.once |= recv.once && (v.tag == VAL_OBJECT || v.tag == VAL_FACTORY);
        if (known(&v))
            return v;
        const Node *m = find_method(c->vm, c, recv.node, attr, 0);
        if (!m)
            return unknown();
        if (recv.tag == VAL_OBJECT &&
            (ast_decorated(m, "property") || ast_decorated(m, "cached_property"))) {
            v = read(c->vm, m, NULL, LOC_RETURN);
            if (!known(&v))
                v = registry_returned(c, m);
            v.once |= recv.once && (v.tag == VAL_OBJECT || v.tag == VAL_FACTORY);
            return v;
        }
        return make(VAL_FUNC, 0, 0, m); /* a bound method */
    }
    if (recv.tag == VAL_FACTORY && recv.kind == FAC_ENGINE && !strcmp(attr, "sync_engine"))
        return make(VAL_FACTORY, FAC_ENGINE, 0, NULL);
    return model_library_attr(&recv, attr); /* db.session of Flask-SQLAlchemy */
}

/* `app.state.<x>`, `request.app.state.<x>`, `sub.state.<x>`: the
 * application's state (kept for every request), not one request's own
 * (`request.state.<x>`): x, else NULL. */
static const char *app_state(const Node *e)
{
    static const char *const requests[] = {"request", "req", "websocket", "ws", "scope", NULL};
    const char *attr = fastapi_state_attr(e);
    if (!attr)
        return NULL;
    const Node *base = e->v.Attribute.value->v.Attribute.value;
    if (base->kind == NODE_Name) {
        for (int i = 0; requests[i]; i++)
            if (!strcmp(base->v.Name.id, requests[i]))
                return NULL;
        return attr;
    }
    return base->kind == NODE_Attribute && !strcmp(base->v.Attribute.attr, "app") ? attr : NULL;
}

static Val ev_attr(Ev *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    const Node *base = e;
    while (base->kind == NODE_Attribute)
        base = base->v.Attribute.value;
    const Binding *b = base->kind == NODE_Name ? scope_lookup(t, s, base->v.Name.id, NULL) : NULL;
    const ProjectModule *pm = NULL;
    const Binding *d = NULL;
    if (b && b->kind == BIND_IMPORT && (!imported(c, b, &pm, &d) || !d)) {
        /* module.name; also when the package the import names is not a
         * module of the analysis (`import billing.pools` when billing's
         * __init__.py uses no database library: billing.pools.pool) */
        const char *q = qual_in(c, t, s, e);
        const ProjectModule *qm = NULL;
        const Binding *qd = NULL;
        if (q && modgraph_resolve(c->vm->graph, q, &qm, &qd) && qm)
            return qd ? ev_binding(c, qm->scopes, scope_module(qm->scopes), qd) : unknown();
        if (q && !pm) /* a library name: sqlalchemy.orm.sessionmaker */
            return library_name(q);
    }
    const char *state = fastapi_state_attr(e); /* request.app.state.pool, app.state.engine */
    if (state) {
        /* a lifespan's `yield {"pool": pool}` is in the app's state and,
         * copied, in each request's (request.state.pool) */
        const FastApiStateValue *sv = fastapi_state_value(c->vm->fastapi, state);
        Val v = app_state(e) ? read(c->vm, c->vm, state, LOC_APP_STATE) : unknown();
        if (!known(&v) && sv)
            v = ev(c, sv->scopes, sv->scope, sv->value);
        if (known(&v) || app_state(e))
            return v;
    }
    return attr_of(c, ev(c, t, s, e->v.Attribute.value), e->v.Attribute.attr);
}

/* ---- calls ---- */

/*
 * What a scoped_session's scopefunc keys its sessions by, where no scope
 * set anything: one constant?  A literal (`lambda: ""`), or a ContextVar's
 * get() that gives one: `var.get(<constant>)`, or `var.get()` of a var
 * made with `default=<constant>` (known by the ContextVar(...) call the
 * value model follows to var: a module-level name, `self.var`).  A def
 * (a function, a method named `self.m`) counts when all its returns do, a
 * bound `var.get` when var does.  Anything else (threading.get_ident,
 * current_task, a var with no default, whose get() raises outside a scope)
 * keys by what runs it.  Where a scope sets the var is sharing.c's.
 */
typedef struct KeyScan {
    Ev *c;
    const ScopeTable *t;
    const Scope *s;
    int returns, constant, depth;
} KeyScan;

static int var_default_const(Val var, const Node *get)
{
    if (var.tag != VAL_QUAL || !var.qual || strcmp(var.qual, MODEL_CONTEXTVAR) || !var.node)
        return 0;
    const Node *d = get && get->v.Call.args.n > 0 ? get->v.Call.args.items[0]
                                                  : ast_keyword(var.node, "default");
    return d && d->kind == NODE_Constant;
}

static int const_key(Ev *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    if (e->kind == NODE_Constant)
        return 1;
    const Node *f = e->kind == NODE_Call ? e->v.Call.func : NULL;
    return f && f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "get") &&
           var_default_const(ev(c, t, s, f->v.Attribute.value), e);
}

static void key_kid(Node *parent, Node *n, void *arg)
{
    KeyScan *k = arg;
    (void)parent;
    if (k->depth > VALUE_MAX_DEPTH || ast_is_def(n) || n->kind == NODE_Lambda ||
        ast_category(n->kind) == CAT_EXPR)
        return;
    if (n->kind == NODE_Return) {
        k->returns++;
        k->constant += n->v.Return.value && const_key(k->c, k->t, k->s, n->v.Return.value);
        return;
    }
    k->depth++;
    ast_children(n, key_kid, k);
    k->depth--;
}

static int scope_key_const(Ev *c, const ScopeTable *t, const Scope *s, const Node *fn)
{
    if (fn->kind == NODE_Lambda)
        return const_key(c, t, s, fn->v.Lambda.body);
    if (fn->kind == NODE_Attribute && !strcmp(fn->v.Attribute.attr, "get"))
        return var_default_const(ev(c, t, s, fn->v.Attribute.value), NULL);
    Val f = ev(c, t, s, fn);
    const ScopeTable *dt = f.tag == VAL_FUNC && f.node && ast_is_function(f.node)
                               ? value_table_of(c->vm, f.node)
                               : NULL;
    const Scope *ds = dt ? scope_of(dt, f.node) : NULL;
    if (!ds)
        return 0;
    KeyScan k = {c, dt, ds, 0, 0, 0};
    for (int i = 0; i < f.node->v.FunctionDef.body.n; i++)
        key_kid(NULL, f.node->v.FunctionDef.body.items[i], &k);
    return k.returns > 0 && k.constant == k.returns;
}

/* The class_= qualified name and the bind of a library call. */
static Val library_call(Ev *c, const ScopeTable *t, const Scope *s, const Node *call, Val callee)
{
    Val v = instance(callee.qual);
    if (v.tag == VAL_RESOURCE) {
        v.fresh = 1;
        return v; /* Session(anything) is a session */
    }
    v = model_library_instance(callee.qual); /* flask_sqlalchemy.SQLAlchemy(app) */
    if (known(&v) && !strcmp(v.qual, MODEL_CONTEXTVAR))
        v.node = call; /* which var, and its default= */
    if (known(&v))
        return v;
    const char *cls = NULL;
    Val bind = unknown();
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "class_"))
            cls = qual_in(c, t, s, k->v.keyword.value);
        if (k->v.keyword.arg && !strcmp(k->v.keyword.arg, "bind"))
            bind = ev(c, t, s, k->v.keyword.value);
    }
    if (!known(&bind) && call->v.Call.args.n > 0)
        bind = ev(c, t, s, call->v.Call.args.items[0]);
    if (callee.qual && !strcmp(callee.qual, "typing.cast") && call->v.Call.args.n == 2) {
        /* cast(AsyncSession, registry): a registry passes for its session (it
           proxies its methods), and stays the registry that must be removed */
        Val x = ev(c, t, s, call->v.Call.args.items[1]);
        if (x.tag == VAL_FACTORY && x.kind == FAC_SCOPED)
            return x;
        Val ty = ev_annotation(c, t, s, call->v.Call.args.items[0], 0);
        if (c->vm->building && !known(&x) && ty.tag == VAL_RESOURCE && ty.kind == RES_SESSION)
            return unknown(); /* not yet: x may turn out a registry in a later round, and a
                                 location given a session first would conflict for good */
        return known(&ty) ? ty : x;
    }
    if (callee.qual && (!strcmp(callee.qual, "functools.partial") ||
                        !strcmp(callee.qual, "contextlib.closing")) && call->v.Call.args.n > 0) {
        Val f = ev(c, t, s, call->v.Call.args.items[0]);
        return !strcmp(callee.qual, "contextlib.closing") || f.tag == VAL_FACTORY ? f : unknown();
    }
    if (callee.qual && (!strcmp(callee.qual, "contextlib.contextmanager") ||
                        !strcmp(callee.qual, "contextlib.asynccontextmanager")) &&
        call->v.Call.args.n == 1) {
        Val f = ev(c, t, s, call->v.Call.args.items[0]); /* decorated at run time */
        return f.tag == VAL_FUNC ? f : unknown();
    }
    if (callee.qual && !strcmp(callee.qual, "alembic.op.get_bind"))
        return make(VAL_RESOURCE, RES_CONNECTION, 0, NULL); /* the migration's, lent (not fresh) */
    v = model_user_call(c->vm->user, &callee, call, cls, &bind);
    if (v.tag == VAL_FACTORY && v.kind == FAC_SCOPED) {
        v.node = call; /* which registry: the call that made it, however it travels */
        const Node *fn = ast_keyword(call, "scopefunc");
        if (!fn && call->v.Call.args.n > 1)
            fn = call->v.Call.args.items[1];
        Val key = fn && !v.is_async ? ev(c, t, s, fn) : unknown();
        if (key.tag == VAL_QUAL && key.qual &&
            (!strcmp(key.qual, "threading.get_ident") || !strcmp(key.qual, "_thread.get_ident")))
            v.sub = SCOPED_THREAD; /* the default's key, written out */
        else if (v.sub == SCOPED_OWN && !v.is_async && fn && scope_key_const(c, t, s, fn))
            v.sub = SCOPED_SHARED;
        if (c->vm->building && c->vm->cur >= 0 && c->vm->mods[c->vm->cur].scopes == t)
            own(c->vm, call, c->vm->cur); /* value_table_of(call): where its scopefunc is read */
    }
    if (v.tag == VAL_UNKNOWN && callee.qual) { /* a session on a connection: still a session */
        Val k = model_call(&callee, call, cls, NULL);
        if (k.tag == VAL_UNKNOWN) {
            Val e = make(VAL_FACTORY, FAC_ENGINE, 0, NULL);
            k = model_call(&callee, call, cls, &e);
            if (k.tag == VAL_RESOURCE && k.kind == RES_SESSION)
                v = k;
        }
    }
    v.fresh = v.tag == VAL_RESOURCE;
    return v;
}

/* What calling a value gives. */
static Val call_of(Ev *c, const ScopeTable *t, const Scope *s, const Node *call, Val f)
{
    switch (f.tag) {
    case VAL_QUAL: return library_call(c, t, s, call, f);
    case VAL_FACTORY: {
        if (f.kind == FAC_GENFUNC) {
            f.kind = FAC_GENERATOR;
            return f;
        }
        Val v = model_user_call(c->vm->user, &f, call, NULL, NULL);
        v.fresh = v.tag == VAL_RESOURCE;
        return v;
    }
    case VAL_CLASS: {
        const char *lib = library_base(c, f.node, 0);
        if (lib) { /* a subclass of a library's session or engine class */
            Val l = make(VAL_QUAL, 0, 0, NULL);
            l.qual = lib;
            Val v = library_call(c, t, s, call, l);
            if (known(&v))
                return v;
        }
        return make(VAL_OBJECT, 0, 0, f.node);
    }
    case VAL_OBJECT: { /* an instance called: its class's __call__ */
        const Node *m = find_method(c->vm, c, f.node, "__call__", 0);
        if (!m)
            return unknown();
        f = make(VAL_FUNC, 0, 0, m);
    }
    /* fall through */
    case VAL_FUNC: {
        Val own = read(c->vm, f.node, NULL, LOC_YIELD), r = read(c->vm, f.node, NULL, LOC_RETURN);
        if (!known(&own) && r.tag == VAL_FACTORY && r.kind == FAC_GENERATOR)
            return r; /* `return self._session()`: the provider it hands on, not its annotation */
        Val y = yields_of(c, f.node);
        if (y.tag == VAL_RESOURCE) { /* a generator function: its generator */
            Val g = make(VAL_FACTORY, FAC_GENERATOR, y.is_async, f.node);
            g.sub = y.kind;
            return g;
        }
        Val ret = read(c->vm, f.node, NULL, LOC_RETURN);
        if (ret.tag == VAL_OBJECT && f.node->v.FunctionDef.decorator_list.n) {
            /* @lru_cache / @cache: every call returns the first call's object,
               one for the process (its arguments aside: a limit) */
            const ScopeTable *dt = value_table_of(c->vm, f.node);
            ret.once |= dt && scope_decorated_by(dt, f.node, model_caches);
        }
        if (!known(&ret)) {
            /* a body out of sight (abstract, only declared), or returning what the model
               cannot name (a query's row): `-> AsyncSession`, `-> Model` says what */
            Val a = returns_declared(c, f.node);
            if (a.tag == VAL_RESOURCE || a.tag == VAL_FACTORY || a.tag == VAL_OBJECT) {
                a.fresh = 0; /* whether the caller owns it, the body would say */
                a.once = 0;  /* ... and whether it is one for the process */
                ret = a;     /* `-> "Base"`: an instance of a class of the project */
            }
        }
        return ret;
    }
    default: return unknown();
    }
}

static int entry(const ScopeTable *t, const Scope *s, const Node *e, const void **k1, const char **k2,
                 int *k3, ValueModel *vm);

/* Is the attribute f (`x.m`) a method of a value, not a library's name
 * (sqlalchemy.orm.sessionmaker)?  A library's object is a value:
 * `testing.db.begin`. */
static int method_of_value(Ev *c, const ScopeTable *t, const Scope *s, const Node *f)
{
    if (!qual_in(c, t, s, f))
        return 1;
    const char *recv = qual_in(c, t, s, f->v.Attribute.value);
    const ProjectModule *pm = NULL;
    const Binding *d = NULL;
    if (recv && modgraph_resolve(c->vm->graph, recv, &pm, &d) && pm && d)
        return 1; /* a name another module of the project binds: `from app.db import pool` */
    Val o = model_library_object(recv);
    return known(&o);
}

static Val ev_call(Ev *c, const ScopeTable *t, const Scope *s, const Node *call)
{
    const Node *f = call->v.Call.func;
    if (f->kind == NODE_Name && !strcmp(f->v.Name.id, "next") && call->v.Call.args.n >= 1 &&
        !scope_lookup(t, s, "next", NULL)) {
        Val g = ev(c, t, s, call->v.Call.args.items[0]); /* next(get_db()) */
        if (g.tag == VAL_FACTORY && g.kind == FAC_GENERATOR) {
            Val v = make(VAL_RESOURCE, g.sub, g.is_async, NULL);
            v.fresh = 1; /* lent by a generator this code drives */
            return v;
        }
        return unknown();
    }
    if (call->v.Call.args.n && call->v.Call.args.items[0]->kind != NODE_Starred &&
        model_may_call_through(f) && model_calls_through(qual_in(c, t, s, f))) {
        /* run_in_threadpool(f, ...): what f returns */
        Val g = ev(c, t, s, call->v.Call.args.items[0]);
        return g.tag == VAL_FUNC || g.tag == VAL_CLASS ? call_of(c, t, s, call, g) : unknown();
    }
    static const char *const reads[] = {"get", "pop", "setdefault", NULL};
    if (f->kind == NODE_Attribute && f->v.Attribute.value->kind == NODE_Name &&
        call->v.Call.args.n > 0 && ast_name_in(f->v.Attribute.attr, reads)) {
        /* tasks.get(run_id): the entry d[run_id] (a default, if one is
           given, is joined: it may be what comes back) */
        Node item;
        memset(&item, 0, sizeof item);
        item.kind = NODE_Subscript;
        item.v.Subscript.value = f->v.Attribute.value;
        item.v.Subscript.slice = call->v.Call.args.items[0];
        Val v = ev(c, t, s, &item);
        if (known(&v))
            return call->v.Call.args.n > 1 ? join2(v, ev(c, t, s, call->v.Call.args.items[1]))
                                           : v;
    }
    if (fastapi_state_attr(f)) /* app.state.Session(): what the application keeps there is
                                  called, not a method of the state object */
        return call_of(c, t, s, call, ev(c, t, s, f));
    if (f->kind == NODE_Attribute && method_of_value(c, t, s, f)) {
        Val recv = ev(c, t, s, f->v.Attribute.value);
        const char *m = f->v.Attribute.attr;
        if (recv.tag == VAL_FACTORY || recv.tag == VAL_RESOURCE) {
            Val made = unknown();
            int with_only = 0;
            MethodEffect eff = model_user_method(c->vm->user, &recv, m, &made, &with_only);
            if (eff == EFF_ACQUIRE && !with_only) {
                made.fresh = !model_keyed_for_life(&recv, m, call, t, s); /* getconn(key=pid) */
                return made;
            }
            if (eff == EFF_SELF)
                return recv;
            if (recv.tag == VAL_RESOURCE && recv.kind == RES_SESSION && !strcmp(m, "connection"))
                return make(VAL_RESOURCE, RES_CONNECTION, recv.is_async, NULL);
            return unknown(); /* a Result, a transaction, ... */
        }
        if (recv.tag == VAL_OBJECT || recv.tag == VAL_CLASS)
            return call_of(c, t, s, call, attr_of(c, recv, m));
        Val lm = model_library_attr(&recv, m); /* a library object's: loop.create_task() */
        return known(&lm) ? call_of(c, t, s, call, lm) : unknown();
    }
    return call_of(c, t, s, call, ev(c, t, s, f));
}

/* `with ctx as x`: what x is. */
static Val ev_with(Ev *c, const ScopeTable *t, const Scope *s, const Node *ctx)
{
    Val v = unknown(), out = unknown();
    if (ctx->kind == NODE_Await)
        ctx = ctx->v.Await.value;
    if (ctx->kind == NODE_Call && ctx->v.Call.func->kind == NODE_Attribute &&
        method_of_value(c, t, s, ctx->v.Call.func)) {
        Val recv = ev(c, t, s, ctx->v.Call.func->v.Attribute.value);
        if (recv.tag == VAL_FACTORY || recv.tag == VAL_RESOURCE) {
            model_user_with(c->vm->user, &v, &recv, ctx->v.Call.func->v.Attribute.attr, &out);
            out.fresh = out.tag == VAL_RESOURCE && recv.tag == VAL_FACTORY;
            return out; /* engine.begin() gives a connection, s.begin() a transaction */
        }
    }
    v = ev(c, t, s, ctx);
    if (v.tag == VAL_FACTORY && v.kind == FAC_GENERATOR) { /* a @contextmanager provider */
        Val r = make(VAL_RESOURCE, v.sub, v.is_async, v.node);
        r.fresh = 1; /* the with block here owns it */
        return r;
    }
    if (v.tag == VAL_OBJECT) { /* a class with __enter__ returning self, or else */
        const Node *enter_m = find_method(c->vm, c, v.node, "__aenter__", 0);
        if (!enter_m)
            enter_m = find_method(c->vm, c, v.node, "__enter__", 0);
        return enter_m ? read(c->vm, enter_m, NULL, LOC_RETURN) : v;
    }
    model_user_with(c->vm->user, &v, NULL, NULL, &out);
    return out;
}

/* `self.settings["k"]`, `self.application.settings["k"]`: a Tornado
 * handler's application settings, the keywords of `Application(...)`: k,
 * else NULL. */
static const char *tornado_setting(const Node *e)
{
    const Node *m = e->v.Subscript.value, *k = e->v.Subscript.slice;
    if (m->kind != NODE_Attribute || strcmp(m->v.Attribute.attr, "settings") ||
        k->kind != NODE_Constant || k->v.Constant.value.kind != CONST_STR)
        return NULL;
    const Node *o = m->v.Attribute.value;
    return o->kind == NODE_Name || (o->kind == NODE_Attribute &&
                                    !strcmp(o->v.Attribute.attr, "application"))
               ? k->v.Constant.value.s : NULL;
}

/* ---- dispatch tables ---- */

#define FUNCS_MAX 16 /* entries of a dispatch table read */

static const NodeList *table_entries(const Node *e)
{
    return e->kind == NODE_Dict ? &e->v.Dict.values : &e->v.Tuple.elts; /* List's alike */
}

/* `{"snap": promote_snap, "deb": promote_deb}`, `(check_a, check_b)`: a
 * table of the project's functions (VAL_FUNCS), when every value is one.
 * Its functions are kept (LOC_ITEM + i of the literal) for value_table_func. */
static Val table_of(Ev *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    const NodeList *vals = table_entries(e);
    if (vals->n == 0 || vals->n > FUNCS_MAX)
        return unknown();
    for (int i = 0; i < vals->n; i++)
        if (vals->items[i]->kind != NODE_Name && vals->items[i]->kind != NODE_Attribute)
            return unknown(); /* functions are named: most literals hold data, calls */
    for (int i = 0; i < vals->n; i++) {
        Val f = ev(c, t, s, vals->items[i]);
        if (f.tag != VAL_FUNC || !f.node || !is_func(f.node))
            return unknown(); /* what it kept so far is never asked for */
        remember(c->vm, e, LOC_ITEM + i, f);
    }
    Val v = make(VAL_FUNCS, 0, 0, e);
    v.sub = FUNCS_TABLE;
    return v;
}

/* `table[key]`: the function under a constant key of a dict, else one of
 * them, picked by the key. */
static Val table_entry(Ev *c, const ScopeTable *t, const Scope *s, Val tb, const Node *key)
{
    const Node *d = tb.node;
    if (d->kind == NODE_Dict && key->kind == NODE_Constant && key->v.Constant.value.kind == CONST_STR)
        for (int i = 0; i < d->v.Dict.keys.n; i++) {
            const Node *k = d->v.Dict.keys.items[i];
            if (k && k->kind == NODE_Constant && k->v.Constant.value.kind == CONST_STR &&
                !strcmp(k->v.Constant.value.s, key->v.Constant.value.s))
                return ev(c, t, s, d->v.Dict.values.items[i]);
        }
    tb.sub = FUNCS_ONE;
    return tb;
}

/* What `for x in it` binds x to when it runs over a table's functions:
 * `d.values()`, a list or tuple of them, or `d.items()` (then *pair: x is
 * the pair (key, function)); each function in its turn.  Iterating a dict
 * itself gives its keys. */
static Val table_each(Ev *c, const ScopeTable *t, const Scope *s, const Node *it, int *pair)
{
    const Node *f = it->kind == NODE_Call ? it->v.Call.func : NULL;
    int of_dict = f && f->kind == NODE_Attribute && !it->v.Call.args.n &&
                  (!strcmp(f->v.Attribute.attr, "values") || !strcmp(f->v.Attribute.attr, "items"));
    *pair = of_dict && !strcmp(f->v.Attribute.attr, "items");
    if (!of_dict && it->kind != NODE_Name && it->kind != NODE_Attribute &&
        it->kind != NODE_List && it->kind != NODE_Tuple)
        return unknown(); /* most loops: rows, ranges, calls */
    Val v = ev(c, t, s, of_dict ? f->v.Attribute.value : it);
    if (v.tag != VAL_FUNCS || v.sub != FUNCS_TABLE || of_dict != (v.node->kind == NODE_Dict))
        return unknown();
    v.sub = FUNCS_EACH;
    return v;
}

static Val join2(Val a, Val b)
{
    if (!known(&a))
        return b;
    if (!known(&b) || same(&a, &b))
        return a;
    return unknown();
}

static Val ev(Ev *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    if (!e || c->depth > VALUE_MAX_DEPTH)
        return unknown();
    Val v = unknown();
    deeper(c);
    switch (e->kind) {
    case NODE_Name: v = ev_name(c, t, s, e->v.Name.id); break;
    case NODE_Attribute: v = ev_attr(c, t, s, e); break;
    case NODE_Subscript: {
        const void *k1;
        const char *k2;
        int k3;
        const char *setting = tornado_setting(e);
        v = setting ? read(c->vm, c->vm, setting, LOC_SETTING) : unknown();
        if (known(&v))
            break;
        int found = entry(t, s, e, &k1, &k2, &k3, c->vm);
        v = found ? read(c->vm, k1, k2, k3) : unknown();
        if (!known(&v) && found && k2 != ANY_KEY) /* filled under keys the code computes */
            v = read(c->vm, k1, ANY_KEY, k3);
        if (!known(&v))
            v = declared_item(c, t, s, e->v.Subscript.value);
        const Node *box = e->v.Subscript.value;
        if (!known(&v) && (box->kind == NODE_Name || box->kind == NODE_Attribute ||
                           box->kind == NODE_Dict)) {
            Val tb = ev(c, t, s, box); /* HANDLERS[kind], {"a": f, "b": g}[kind] */
            if (tb.tag == VAL_FUNCS && tb.sub == FUNCS_TABLE &&
                e->v.Subscript.slice->kind != NODE_Slice)
                v = table_entry(c, t, s, tb, e->v.Subscript.slice);
        }
        break;
    }
    case NODE_Dict:
    case NODE_List:
    case NODE_Tuple: v = table_of(c, t, s, e); break;
    case NODE_Call: v = ev_call(c, t, s, e); break;
    case NODE_Await: v = ev(c, t, s, e->v.Await.value); break;
    case NODE_NamedExpr: v = ev(c, t, s, e->v.NamedExpr.value); break;
    case NODE_IfExp: v = join2(ev(c, t, s, e->v.IfExp.body), ev(c, t, s, e->v.IfExp.orelse)); break;
    case NODE_BoolOp:
        for (int i = 0; i < e->v.BoolOp.values.n; i++)
            v = join2(v, ev(c, t, s, e->v.BoolOp.values.items[i]));
        break;
    default: break;
    }
    c->depth--;
    return v;
}

/* An item of the container the name e names, by its declaration
 * (`_factories: dict[str, sessionmaker] = {}`, `pools: list[Pool]`): what
 * any key or index gives, when no constant key says. */
static Val declared_item(Ev *c, const ScopeTable *t, const Scope *s, const Node *e)
{
    if (e->kind != NODE_Name)
        return unknown();
    const Scope *where = NULL;
    const Binding *b = scope_lookup(t, s, e->v.Name.id, &where);
    const ProjectModule *pm = NULL;
    const Binding *there = NULL;
    if (b && b->kind == BIND_IMPORT && imported(c, b, &pm, &there) && there && pm) {
        b = there; /* `from app.db import _factories`, at the top or in a function */
        t = pm->scopes;
        where = scope_module(pm->scopes);
    }
    const Node *d = b && b->kind == BIND_LOCAL ? b->def : NULL;
    const Node *ann = d && d->kind == NODE_AnnAssign ? d->v.AnnAssign.annotation : NULL;
    if (!ann || ann->kind != NODE_Subscript || !where)
        return unknown();
    const Node *box = ann->v.Subscript.value;
    const char *q = qual_in(c, t, where, box);
    if (!q && box->kind == NODE_Name) /* a builtin: dict, list, tuple */
        q = box->v.Name.id;
    const char *last = q ? strrchr(q, '.') : NULL;
    last = last ? last + 1 : q ? q : "";
    static const char *const maps[] = {"dict", "Dict", "Mapping", "MutableMapping", "defaultdict",
                                       "OrderedDict", NULL};
    static const char *const seqs[] = {"list", "List", "Sequence", "MutableSequence", "tuple",
                                       "Tuple", "deque", NULL};
    const Node *sl = ann->v.Subscript.slice;
    const Node *item = NULL;
    for (int i = 0; maps[i] && !item; i++)
        if (!strcmp(last, maps[i]) && sl->kind == NODE_Tuple && sl->v.Tuple.elts.n == 2)
            item = sl->v.Tuple.elts.items[1];
    for (int i = 0; seqs[i] && !item; i++)
        if (!strcmp(last, seqs[i]))
            item = sl->kind == NODE_Tuple && sl->v.Tuple.elts.n > 0 ? sl->v.Tuple.elts.items[0] : sl;
    return item ? ev_annotation(c, t, where, item, 1) : unknown();
}

/* ------------------------------------------------------------- the rounds */

typedef struct Round {
    Ev *c;
    const ScopeTable *t;
    const Scope *s;   /* the scope statements are evaluated in */
    const Node *func; /* the def being walked, or NULL */
    const Node *cls;  /* the class whose body is walked, or NULL */
    int depth;
} Round;

static void walk(Round *r, const Node *n);
static void dict_entries(Round *r, const Node *target, const Node *d);

static void walk_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    walk(arg, n);
}

/* Is e worth evaluating as an argument (not a literal)? */
static int evaluable(const Node *e)
{
    switch (e->kind) {
    case NODE_Name:
    case NODE_Attribute:
    case NODE_Call:
    case NODE_Await:
    case NODE_IfExp:
    case NODE_BoolOp:
    case NODE_NamedExpr: return 1;
    case NODE_Subscript: return tornado_setting(e) != NULL; /* self.settings["registry"] */
    default: return 0;
    }
}

/* `super().m` in a method of class C: m as C's bases define it (VAL_FUNC),
 * else unknown. */
static Val super_method(Round *r, const Node *fn)
{
    const Node *sup = fn->kind == NODE_Attribute ? fn->v.Attribute.value : NULL;
    const Node *cls = r->func ? method_class(r->t, r->func) : NULL;
    const Scope *cs = cls ? scope_of(r->t, cls) : NULL;
    if (!sup || !cs || sup->kind != NODE_Call || sup->v.Call.func->kind != NODE_Name ||
        strcmp(sup->v.Call.func->v.Name.id, "super") || scope_lookup(r->t, r->s, "super", NULL))
        return unknown();
    for (int i = 0; i < cls->v.ClassDef.bases.n; i++) {
        Val b = ev(r->c, r->t, cs->parent ? cs->parent : cs, cls->v.ClassDef.bases.items[i]);
        const Node *m = b.tag == VAL_CLASS
                            ? find_method(r->c->vm, r->c, b.node, fn->v.Attribute.attr, 0) : NULL;
        if (m)
            return make(VAL_FUNC, 0, 0, m);
    }
    return unknown();
}

/* A library call that calls back the function it is given with a
 * resource of its own (run_transaction(Session, txn)): that resource
 * joins the callback's first parameter (a def, a bound method, a lambda). */
static void library_callback(Round *r, const Node *call, Val f)
{
    int from, cb;
    const NodeList *args = &call->v.Call.args;
    /* by its name, also where the library's own source is analyzed */
    if ((f.tag != VAL_QUAL && f.tag != VAL_FUNC) || !model_runs_callback(f.qual, &from, &cb) ||
        args->n <= from ||
        args->n <= cb || args->items[from]->kind == NODE_Starred)
        return;
    Ev *c = r->c;
    Val v = model_callback_arg(ev(c, r->t, r->s, args->items[from]));
    const Node *a = args->items[cb], *target = a;
    int shift = 0;
    if (!known(&v))
        return;
    if (a->kind != NODE_Lambda) {
        Val g = ev(c, r->t, r->s, a);
        const ScopeTable *gt = g.tag == VAL_FUNC ? value_table_of(c->vm, g.node) : NULL;
        if (!gt || !is_func(g.node))
            return;
        target = g.node;
        shift = method_class(gt, g.node) && a->kind == NODE_Attribute ? 1 : 0;
    }
    c->vm->why = call;
    c->vm->why_func = r->func;
    join(c->vm, target, NULL, LOC_PARAM + shift, v);
    c->vm->why = NULL;
    c->vm->why_func = NULL;
}

/* May e be None, as it is written: None, or a branch of `a if t else
 * None`, or the last operand of `a or None`. */
static int may_be_none(const Node *e)
{
    if (!e)
        return 1;
    if (e->kind == NODE_Constant)
        return e->v.Constant.value.kind == CONST_NONE;
    if (e->kind == NODE_IfExp)
        return may_be_none(e->v.IfExp.body) || may_be_none(e->v.IfExp.orelse);
    if (e->kind == NODE_BoolOp)
        return may_be_none(e->v.BoolOp.values.items[e->v.BoolOp.values.n - 1]);
    if (e->kind == NODE_NamedExpr)
        return may_be_none(e->v.NamedExpr.value);
    return 0;
}

/*
 * A call reaching def: its parameters (from shift on) that it may leave
 * None, marked (SlotParam.maybe_none, which only grows): a None passed,
 * or one left to its default None, or any a spread of arguments may fill.
 */
static void none_args(ValueModel *vm, const Node *def, int shift, const NodeList *args,
                      const Node *call)
{
    const Node *fa = def->v.FunctionDef.args;
    int n = param_count(def), npos = fa->v.arguments.posonlyargs.n + fa->v.arguments.args.n;
    int spread = 0, none = 0; /* a spread, or something that may be None, is there */
    for (int i = 0; i < fa->v.arguments.defaults.n && !none; i++)
        none = may_be_none(fa->v.arguments.defaults.items[i]);
    for (int i = 0; i < fa->v.arguments.kw_defaults.n && !none; i++)
        none = fa->v.arguments.kw_defaults.items[i] &&
               may_be_none(fa->v.arguments.kw_defaults.items[i]);
    for (int i = 0; i < args->n && !none; i++)
        none = args->items[i]->kind == NODE_Starred || may_be_none(args->items[i]);
    for (int i = 0; i < call->v.Call.keywords.n && !none; i++)
        none = !call->v.Call.keywords.items[i]->v.keyword.arg ||
               may_be_none(call->v.Call.keywords.items[i]->v.keyword.value);
    if (!none)
        return; /* the common call: nothing here may be None */
    unsigned char given[64] = {0}; /* 1: given, 2: given what may be None */
    for (int i = 0; i < args->n; i++) {
        int p = i + shift;
        if (args->items[i]->kind == NODE_Starred)
            spread = 1;
        else if (p < npos && p < 64)
            given[p] = 1 + may_be_none(args->items[i]);
    }
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        int p = k->v.keyword.arg ? param_index(def, k->v.keyword.arg) : -1;
        if (!k->v.keyword.arg)
            spread = 1;
        else if (p >= 0 && p < n && p < 64)
            given[p] = 1 + may_be_none(k->v.keyword.value);
    }
    for (int i = shift; i < n && i < 64; i++) {
        const Node *d = ast_param_default(def, i);
        if (given[i] == 2 || (!given[i] && (spread || (d && may_be_none(d)))))
            slot(vm, def, NULL, LOC_PARAM + i, 1)->param->maybe_none = 1;
    }
}

/* A call of one of the project's functions, methods or classes: what it
 * passes joins the parameters it reaches. */
static void call_site(Round *r, const Node *call)
{
    if (!call->v.Call.args.n && !call->v.Call.keywords.n)
        return;
    Ev *c = r->c;
    const Node *fn = call->v.Call.func;
    Val f = super_method(r, fn);
    if (!known(&f))
        f = ev(c, r->t, r->s, fn);
    library_callback(r, call, f);
    if (f.tag == VAL_QUAL && f.qual && !strcmp(f.qual, "tornado.web.Application"))
        for (int i = 0; i < call->v.Call.keywords.n; i++) { /* its settings */
            const Node *k = call->v.Call.keywords.items[i];
            if (k->v.keyword.arg && evaluable(k->v.keyword.value))
                join(c->vm, c->vm, k->v.keyword.arg, LOC_SETTING,
                     ev(c, r->t, r->s, k->v.keyword.value));
        }
    NodeList args = call->v.Call.args;
    if (f.tag == VAL_QUAL && model_calls_through(f.qual) && args.n &&
        args.items[0]->kind != NODE_Starred) {
        /* run_in_threadpool(f, a): the call f(a) */
        fn = args.items[0];
        f = ev(c, r->t, r->s, fn);
        args.items++;
        args.n--;
    }
    const Node *def = NULL;
    int shift = 0;  /* the parameters a bound call fills itself (self, cls) */
    int method = 1; /* def is a method (value_attr_set reads only their parameters) */
    if (f.tag == VAL_FUNC && is_func(f.node)) {
        def = f.node;
        const ScopeTable *dt = value_table_of(c->vm, def);
        method = dt && method_class(dt, def);
        shift = method && fn->kind == NODE_Attribute ? 1 : 0;
        if (shift && !ast_decorated(def, "classmethod") &&
            ev(c, r->t, r->s, fn->v.Attribute.value).tag == VAL_CLASS)
            shift = 0; /* Base.__init__(self, session): unbound, self passed by hand */
    } else if (f.tag == VAL_CLASS) {
        def = find_method(c->vm, c, f.node, "__init__", 0);
        shift = 1;
    }
    if (!def)
        return;
    for (int i = 0; i < args.n + call->v.Call.keywords.n; i++) {
        const Node *a = i < args.n ? args.items[i]
                                   : call->v.Call.keywords.items[i - args.n]->v.keyword.value;
        if (a->kind == NODE_Name)
            a = scope_bound_once(r->t, r->s, a, NULL);
        if (a && a->kind == NODE_Dict)
            dict_entries(r, NULL, a); /* Controller({"db": svc}): its param["db"] */
    }
    if (method)
        none_args(c->vm, def, shift, &args, call);
    c->vm->why = call;
    c->vm->why_func = r->func;
    const Node *fa = def->v.FunctionDef.args;
    int npos = fa->v.arguments.posonlyargs.n + fa->v.arguments.args.n, n = param_count(def);
    for (int i = 0; i < args.n; i++) {
        const Node *a = args.items[i];
        if (a->kind == NODE_Starred)
            break;
        /* the positional parameters, then *args, which takes the rest */
        int p = i + shift < npos ? i + shift : fa->v.arguments.vararg ? n : -1;
        if (p >= 0 && evaluable(a))
            join(c->vm, def, NULL, LOC_PARAM + p, ev(c, r->t, r->s, a));
    }
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        int p = k->v.keyword.arg ? param_index(def, k->v.keyword.arg) : -1;
        if (p < 0 && k->v.keyword.arg && fa->v.arguments.kwarg)
            p = n + 1; /* **kwargs takes the keywords no parameter names */
        if (p >= 0 && evaluable(k->v.keyword.value))
            join(c->vm, def, NULL, LOC_PARAM + p, ev(c, r->t, r->s, k->v.keyword.value));
    }
    c->vm->why = NULL;
    c->vm->why_func = NULL;
}

/* The instance name of the method being walked (`self`), or NULL. */
static const char *self_name(const Round *r)
{
    if (!r->func || !method_class(r->t, r->func) || param_count(r->func) < 1)
        return NULL;
    return param_at(r->func, 0)->v.arg.arg;
}

/* target = value (or the index-th item of value, when index >= 0). */
/*
 * Where `d["key"]` is kept: a local dict's entry in its function's scope,
 * a module-level dict's in its binding, and a dict handed in as a parameter
 * (`ctx` of a job queue's worker, a context dict) in one place for the
 * whole project per key, since such dicts travel between functions.  0 when
 * e is no constant-key entry of a name.
 */
static int entry(const ScopeTable *t, const Scope *s, const Node *e, const void **k1, const char **k2,
                 int *k3, ValueModel *vm)
{
    if (e->kind != NODE_Subscript || e->v.Subscript.value->kind != NODE_Name ||
        e->v.Subscript.slice->kind == NODE_Slice)
        return 0;
    const Node *sl = e->v.Subscript.slice;
    /* a computed key (or an index): every such entry is one location, ANY_KEY */
    const char *key = sl->kind == NODE_Constant && sl->v.Constant.value.kind == CONST_STR
                          ? sl->v.Constant.value.s : ANY_KEY;
    const Scope *where = NULL;
    const Binding *b = scope_lookup(t, s, e->v.Subscript.value->v.Name.id, &where);
    if (!b || !where)
        return 0;
    *k2 = key;
    *k3 = LOC_KEY;
    const ProjectModule *pm = NULL;
    const Binding *d = NULL;
    if (b->kind == BIND_IMPORT && b->qualname && modgraph_resolve(vm->graph, b->qualname, &pm, &d) &&
        d && pm && d->kind == BIND_LOCAL)
        b = d; /* `from app.worker import CACHE`: that module's dict */
    if (b->kind == BIND_PARAM)
        *k1 = vm;
    else if (b->kind == BIND_LOCAL && where->kind == SCOPE_MODULE)
        *k1 = b;
    else if (b->kind == BIND_LOCAL)
        *k1 = b; /* bindings are per scope: a local's own */
    else
        return 0;
    return 1;
}

/* `mod.name` where mod is a module of the project: name's module-level
 * binding there, in *g. */
static int module_global(Ev *c, const ScopeTable *t, const Scope *s, const Node *e,
                         const Binding **g)
{
    const Node *base = e->v.Attribute.value;
    while (base->kind == NODE_Attribute)
        base = base->v.Attribute.value;
    const Binding *b = base->kind == NODE_Name ? scope_lookup(t, s, base->v.Name.id, NULL) : NULL;
    const char *q = b && b->kind == BIND_IMPORT ? qual_in(c, t, s, e) : NULL;
    const ProjectModule *pm = NULL;
    const Binding *d = NULL;
    if (!q || !modgraph_resolve(c->vm->graph, q, &pm, &d) || !pm || !d || d->kind != BIND_LOCAL)
        return 0;
    *g = d;
    return 1;
}

/*
 * What a module-level name or a class attribute is given, made there: the
 * one object of the process (Val.once), read by every request, thread and
 * task that reads the name, `Cls.attr` or `self.attr`.
 */
static Val kept_once(Val v)
{
    v.once |= (v.tag == VAL_RESOURCE && v.fresh) || v.tag == VAL_OBJECT; /* manager = Manager() */
    return v;
}

/*
 * `self.attr = value` (or obj.attr, or the class body's attr): a value that
 * is not the process's one object, known or not, means an instance may keep
 * its own (`self.session = session` over a class-level default), so reads
 * of attr are not that object.  None (a reset, a placeholder) keeps none.
 */
static void kept_attr(Round *r, const Node *cls, const char *attr, const Node *value, Val v)
{
    ValueModel *vm = r->c->vm;
    if (!(v.tag == VAL_RESOURCE && v.once) && !vm->declaring && !(value && may_be_none(value)))
        note_own(vm, cls, attr, LOC_ATTR);
    join(vm, cls, attr, LOC_ATTR, v);
}

static void assign(Round *r, const Node *target, const Node *value, Val v);

/*
 * A dict literal's entries under constant string keys, as `d["k"] = v`
 * would fill them: into the entries of the name it is given to (target),
 * or, target NULL, into every parameter's entries under those keys (where
 * entry() keeps `param["k"]`), for a literal a call of the project passes
 * (`Controller({"db": Service(url)})`, `cfg = {...}; Controller(cfg)`).
 * Limits: keys the code computes, `dict(k=v)`, `**spread` and entries
 * added after the literal are not followed; parameters share one table
 * per key, so two literals giving one key different values leave it
 * unknown.
 */
static void dict_entries(Round *r, const Node *target, const Node *d)
{
    for (int i = 0; i < d->v.Dict.keys.n; i++) {
        const Node *k = d->v.Dict.keys.items[i], *val = d->v.Dict.values.items[i];
        if (!k || k->kind != NODE_Constant || k->v.Constant.value.kind != CONST_STR ||
            !evaluable(val))
            continue;
        Val v = ev(r->c, r->t, r->s, val);
        if (!target) {
            join(r->c->vm, r->c->vm, k->v.Constant.value.s, LOC_KEY, v);
            continue;
        }
        Node item; /* target["k"] */
        memset(&item, 0, sizeof item);
        item.kind = NODE_Subscript;
        item.v.Subscript.value = (Node *)target;
        item.v.Subscript.slice = (Node *)k;
        assign(r, &item, val, v);
    }
}

static void assign(Round *r, const Node *target, const Node *value, Val v)
{
    Ev *c = r->c;
    const Binding *g;
    switch (target->kind) {
    case NODE_Subscript: { /* ctx["pool"] = await create_pool(...) */
        const void *k1;
        const char *k2;
        int k3;
        if (entry(r->t, r->s, target, &k1, &k2, &k3, c->vm))
            join(c->vm, k1, k2, k3, v);
        break;
    }
    case NODE_Name: {
        const Scope *where = NULL;
        const Binding *b = scope_lookup(r->t, r->s, target->v.Name.id, &where);
        if (!b || !where || b->kind != BIND_LOCAL)
            break;
        if (where->kind == SCOPE_MODULE)
            join(c->vm, b, NULL, LOC_GLOBAL, kept_once(v)); /* at module level, or `global` */
        else if (where->kind == SCOPE_CLASS && r->cls)
            kept_attr(r, r->cls, b->name, value, kept_once(v)); /* a class attribute */
        else
            join(c->vm, where, b->name, LOC_LOCAL, v); /* a local (or nonlocal) name */
        break;
    }
    case NODE_Attribute: {
        const Node *obj = target->v.Attribute.value;
        const char *self = self_name(r);
        if (app_state(target)) { /* app.state.pool = await create_pool(...), wherever */
            join(c->vm, c->vm, app_state(target), LOC_APP_STATE, v);
        } else if (self && obj->kind == NODE_Name && !strcmp(obj->v.Name.id, self)) {
            kept_attr(r, method_class(r->t, r->func), target->v.Attribute.attr, value, v);
        } else if (module_global(c, r->t, r->s, target, &g)) {
            join(c->vm, g, NULL, LOC_GLOBAL, kept_once(v)); /* dbmod.engine = create_engine() */
        } else if (known(&v)) {
            Val o = ev(c, r->t, r->s, obj); /* repo.session = db */
            if (o.tag == VAL_OBJECT)
                kept_attr(r, o.node, target->v.Attribute.attr, value, v);
        }
        break;
    }
    case NODE_Tuple:
    case NODE_List:
        for (int i = 0; value && i < target->v.Tuple.elts.n; i++)
            assign(r, target->v.Tuple.elts.items[i], NULL,
                   item_of(c, r->t, r->s, value, i));
        break;
    default: break;
    }
}

/* Does the assignment target take a value we follow (a name, an
 * attribute, a tuple of those; not a subscript)? */
static int wants(const Round *r, const Node *t)
{
    if (t->kind == NODE_Attribute || t->kind == NODE_Subscript)
        return 1;
    if (t->kind == NODE_Tuple || t->kind == NODE_List) {
        for (int i = 0; i < t->v.Tuple.elts.n; i++)
            if (wants(r, t->v.Tuple.elts.items[i]))
                return 1;
        return 0;
    }
    return t->kind == NODE_Name;
}

/* The default of each parameter joins it (evaluated where the def is); the
 * calls in it are call sites there too (`db=Depends(Provider(maker))` makes
 * the Provider once, when the def runs). */
static void defaults(Round *r, const Node *f)
{
    for (int i = 0, n = param_count(f); i < n; i++) {
        const Node *d = ast_param_default(f, i);
        if (d && evaluable(d))
            join(r->c->vm, f, NULL, LOC_PARAM + i, ev(r->c, r->t, r->s, d));
        if (d && d->kind == NODE_Call)
            walk(r, d);
    }
}

static void walk_scope(Round *r, const Node *n, const Node *func, const Node *cls)
{
    Round in = *r;
    const Scope *s = scope_of(r->t, n);
    in.s = s ? s : r->s;
    in.func = func;
    in.cls = cls;
    in.depth = r->depth + 1;
    const NodeList *body = n->kind == NODE_ClassDef ? &n->v.ClassDef.body
                           : n->kind == NODE_Lambda ? NULL : &n->v.FunctionDef.body;
    if (body)
        for (int i = 0; i < body->n; i++)
            walk(&in, body->items[i]);
    else
        walk(&in, n->v.Lambda.body);
}

/*
 * `self.conn = connect(...)` in the straight-line code of body before ret
 * (a statement of the body, or of a `try` or `with` body on the way to
 * ret, not under a test or a loop): the last such value in *last.  1 when
 * ret was reached so.  Limit: a conditional reassignment between them is
 * not seen.
 */
static int made_before(const NodeList *body, const Node *ret, const char *self,
                       const char *attr, const Node **last, int depth)
{
    for (int i = 0; i < body->n && depth < SCOPE_MAX_DEPTH; i++) {
        const Node *st = body->items[i], *target, *value;
        if (st == ret)
            return 1;
        if (ast_single_assign(st, &target, &value) && target->kind == NODE_Attribute &&
            !strcmp(target->v.Attribute.attr, attr) &&
            target->v.Attribute.value->kind == NODE_Name &&
            !strcmp(target->v.Attribute.value->v.Name.id, self))
            *last = value;
        const NodeList *in = st->kind == NODE_Try || st->kind == NODE_TryStar ? &st->v.Try.body
                             : st->kind == NODE_With || st->kind == NODE_AsyncWith
                                 ? &st->v.With.body : NULL;
        if (in && ast_encloses(st, ret))
            return made_before(in, ret, self, attr, last, depth + 1);
        if (in && st->kind != NODE_Try && st->kind != NODE_TryStar)
            made_before(in, ret, self, attr, last, depth + 1); /* past a try: a handler may
                                                                   have run instead */
    }
    return 0;
}

/*
 * What `return e` (or one item e of a returned tuple) gives the caller.
 * `return self.conn` just after `self.conn = connect(...)` (made_before)
 * returns what this call made, fresh, as a local would: the object keeps
 * it too (Database(...).connect() returning its own connection and
 * cursor), and whoever keeps the object keeps that.  Made under a test
 * (`if self.conn is None:`), it is a cache: the attribute's value.
 */
static Val returned(Round *r, const Node *ret, const Node *e)
{
    const char *self = self_name(r);
    const Node *made = NULL;
    if (self && e->kind == NODE_Attribute && e->v.Attribute.value->kind == NODE_Name &&
        !strcmp(e->v.Attribute.value->v.Name.id, self) &&
        made_before(&r->func->v.FunctionDef.body, ret, self, e->v.Attribute.attr, &made, 0) &&
        made) {
        Val v = ev(r->c, r->t, r->s, made);
        if (v.tag == VAL_RESOURCE && v.fresh)
            return v;
    }
    return ev(r->c, r->t, r->s, e);
}

static void walk(Round *r, const Node *n)
{
    if (!n || r->depth > SCOPE_MAX_DEPTH)
        return;
    Ev *c = r->c;
    switch (n->kind) {
    case NODE_FunctionDef:
    case NODE_AsyncFunctionDef:
        defaults(r, n);
        walk_scope(r, n, n, NULL);
        return; /* decorators and annotations hold no call we follow */
    case NODE_ClassDef:
        walk_scope(r, n, NULL, n);
        return;
    case NODE_Lambda:
    case NODE_ListComp:
    case NODE_SetComp:
    case NODE_DictComp:
    case NODE_GeneratorExp: {
        Round in = *r;
        const Scope *s = scope_of(r->t, n);
        in.s = s ? s : r->s;
        in.depth++;
        ast_children((Node *)n, walk_kid, &in);
        return;
    }
    case NODE_Assign:
        for (int i = 0; i < n->v.Assign.targets.n; i++) {
            const Node *t = n->v.Assign.targets.items[i];
            if (wants(r, t))
                assign(r, t, n->v.Assign.value,
                       t->kind == NODE_Tuple || t->kind == NODE_List ? unknown()
                                                                    : ev(c, r->t, r->s, n->v.Assign.value));
            if (t->kind == NODE_Name && n->v.Assign.value->kind == NODE_Dict)
                dict_entries(r, t, n->v.Assign.value); /* cfg = {"db": svc} */
        }
        break;
    case NODE_AnnAssign: {
        const Node *t = n->v.AnnAssign.target;
        if (wants(r, t)) {
            c->vm->declaring = 1;
            assign(r, t, NULL, ev_annotation(c, r->t, r->s, n->v.AnnAssign.annotation, 0));
            c->vm->declaring = 0;
            if (n->v.AnnAssign.value)
                assign(r, t, n->v.AnnAssign.value, ev(c, r->t, r->s, n->v.AnnAssign.value));
        }
        break;
    }
    case NODE_Return:
        if (r->func && n->v.Return.value) {
            const Node *v = n->v.Return.value;
            const NodeList *elts = v->kind == NODE_Tuple ? &v->v.Tuple.elts : NULL;
            join(c->vm, r->func, NULL, LOC_RETURN, returned(r, n, v));
            for (int i = 0; (v->kind == NODE_Tuple || v->kind == NODE_Call) && i < VALUE_MAX_ITEMS;
                 i++)
                join(c->vm, r->func, NULL, LOC_ITEM + i,
                     elts && i < elts->n ? returned(r, n, elts->items[i])
                                         : item_of(c, r->t, r->s, v, i));
        }
        break;
    case NODE_Yield:
    case NODE_YieldFrom:
        if (r->func && n->v.Yield.value) {
            Val v = ev(c, r->t, r->s, n->v.Yield.value);
            if (n->kind == NODE_YieldFrom && v.tag == VAL_FACTORY && v.kind == FAC_GENERATOR)
                v = make(VAL_RESOURCE, v.sub, v.is_async, NULL); /* yield from get_db() */
            join(c->vm, r->func, NULL, LOC_YIELD, v);
        }
        break;
    case NODE_Call: call_site(r, n); break;
    case NODE_withitem:
        if (n->v.withitem.optional_vars && n->v.withitem.optional_vars->kind == NODE_Name)
            assign(r, n->v.withitem.optional_vars, NULL,
                   ev_with(c, r->t, r->s, n->v.withitem.context_expr));
        break;
    case NODE_NamedExpr:
        assign(r, n->v.NamedExpr.target, NULL, ev(c, r->t, r->s, n->v.NamedExpr.value));
        break;
    case NODE_For:
    case NODE_AsyncFor: { /* for name, fn in handlers.items() */
        int pair = 0;
        const Node *tg = n->kind == NODE_For ? n->v.For.target : n->v.AsyncFor.target;
        Val v = table_each(c, r->t, r->s, n->kind == NODE_For ? n->v.For.iter : n->v.AsyncFor.iter,
                           &pair);
        if (known(&v) && pair)
            tg = (tg->kind == NODE_Tuple || tg->kind == NODE_List) && tg->v.Tuple.elts.n == 2
                     ? tg->v.Tuple.elts.items[1] : NULL;
        if (known(&v) && tg && tg->kind == NODE_Name)
            assign(r, tg, NULL, v);
        break;
    }
    default: break;
    }
    r->depth++;
    ast_children((Node *)n, walk_kid, r);
    r->depth--;
}


/* Walks unit u (statement n of scope s) and keeps what it read. */
static void walk_unit(ValueModel *vm, Arena *scratch, int mod, Unit *u, const Node *n,
                      const Scope *s, const Node *cls, int depth)
{
    vm->cur = mod;
    vm->unit = u;
    vm->walk++;
    u->walked_at = vm->clock;
    Ev c = {vm, scratch, 0, 0};
    Round r = {&c, vm->mods[mod].scopes, s, NULL, cls, depth};
    walk(&r, n);
    arena_reset(scratch);
    /* its reads at their size: a heap array per unit would leave holes among
       the arena blocks made meanwhile */
    u->nreads = (unsigned)vm->nseen;
    u->reads = arena_alloc_raw(vm->rarena, (vm->nseen ? vm->nseen : 1) * sizeof *u->reads);
    if (vm->nseen)
        memcpy(u->reads, vm->seen, vm->nseen * sizeof *u->reads);
    vm->nseen = 0;
}

/*
 * The units of a body (a module's, or a class's at depth) from unit i on:
 * its statements, a class's split into its own, so that a round walks
 * again only the methods whose reads changed (a class's statements walked
 * one by one are its walk, walk_scope: the class adds nothing of its own).
 * Walks those that are stale (all in the first round) and returns the
 * index after the body's last unit; without units (vm->units NULL) only
 * counts them.  Their order and context are the source's, so a unit keeps
 * no more than its reads.
 */
static size_t walk_units(ValueModel *vm, Arena *scratch, int mod, const NodeList *body,
                         const Scope *s, const Node *cls, int depth, size_t i)
{
    for (int k = 0; k < body->n && depth <= SCOPE_MAX_DEPTH; k++) {
        const Node *n = body->items[k];
        if (n->kind == NODE_ClassDef) {
            const Scope *cs = scope_of(vm->mods[mod].scopes, n);
            i = walk_units(vm, scratch, mod, &n->v.ClassDef.body, cs ? cs : s, n, depth + 1, i);
            continue;
        }
        Unit *u = vm->units ? &vm->units[i] : NULL;
        i++;
        if (u && (vm->round == 1 || stale(u)))
            walk_unit(vm, scratch, mod, u, n, s, cls, depth);
    }
    return i;
}

/*
 * pytest's fixtures, by name (LOC_FIXTURE): a test's parameter `db_session`
 * is what the fixture called db_session yields or returns.  Two fixtures of
 * one name (conftest files of two folders) are a conflict: unknown.
 */
static void fixtures(ValueModel *vm, const ScopeTable *t, const NodeList *body, int depth)
{
    for (int i = 0; i < body->n && depth < 2; i++) {
        const Node *d = body->items[i];
        if (d->kind == NODE_ClassDef) { /* fixtures of a test class */
            fixtures(vm, t, &d->v.ClassDef.body, depth + 1);
            continue;
        }
        if (!is_func(d) || !scope_decorated_by(t, d, model_is_fixture))
            continue;
        const char *name = d->v.FunctionDef.name;
        const NodeList *decos = &d->v.FunctionDef.decorator_list;
        for (int k = 0; k < decos->n; k++) { /* @pytest.fixture(name="db") */
            const Node *dc = decos->items[k];
            for (int j = 0; dc->kind == NODE_Call && j < dc->v.Call.keywords.n; j++) {
                const Node *kw = dc->v.Call.keywords.items[j];
                if (kw->v.keyword.arg && !strcmp(kw->v.keyword.arg, "name") &&
                    kw->v.keyword.value->kind == NODE_Constant &&
                    kw->v.keyword.value->v.Constant.value.kind == CONST_STR)
                    name = kw->v.keyword.value->v.Constant.value.s;
            }
        }
        join(vm, vm, name, LOC_FIXTURE, make(VAL_FUNC, 0, 0, d));
    }
}

/* The smallest power of two (at least min) that holds used entries at most
 * three quarters full: the lookups after the build stay short. */
static size_t settled_cap(size_t used, size_t min)
{
    size_t cap = min;
    while (4 * used >= 3 * cap)
        cap *= 2;
    return cap;
}

/* The build is over: the tables move from the heap into the arena at their
 * final size, and what only the build read (each module's reads) goes. */
static void settle_tables(ValueModel *vm)
{
    if (vm->cap) {
        slot_rehash(vm, settled_cap(vm->used, 16));
        Slot **t = arena_alloc_raw(vm->a, vm->cap * sizeof *t);
        memcpy(t, vm->tab, vm->cap * sizeof *t);
        free(vm->tab);
        vm->tab = t;
    }
    if (vm->ocap) {
        Owner *old = vm->own;
        size_t oldcap = vm->ocap;
        vm->ocap = settled_cap(vm->oused, 16);
        vm->own = arena_alloc(vm->a, vm->ocap * sizeof *vm->own);
        for (size_t i = 0; i < oldcap; i++) /* own() would grow at half full */
            if (old[i].key) {
                size_t j = hash_ptr(old[i].key) & (vm->ocap - 1);
                while (vm->own[j].key)
                    j = (j + 1) & (vm->ocap - 1);
                vm->own[j] = old[i];
            }
        free(old);
    }
    if (vm->icap) {
        Import *old = vm->imp;
        size_t oldcap = vm->icap;
        vm->icap = settled_cap(vm->iused, 16);
        vm->imp = arena_alloc(vm->a, vm->icap * sizeof *vm->imp);
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].b) {
                size_t j = hash_ptr(old[i].b) & (vm->icap - 1);
                while (vm->imp[j].b)
                    j = (j + 1) & (vm->icap - 1);
                vm->imp[j] = old[i];
            }
        free(old);
    }
    arena_free(vm->rarena);
    vm->rarena = NULL;
    free(vm->seen);
    vm->seen = NULL;
    free(vm->units);
    vm->units = NULL;
    vm->nunits = 0;
}

/* The library base of class or def n, and what every annotated (or
 * defaulted) parameter and the return annotation of def n say, worked out
 * once the values are final (as of the last round): asked again and again
 * after the build, whose questions cannot keep their answers (read-only,
 * shared). */
static void settle_answers(Ev *c, const ScopeTable *t, const Node *n)
{
    if (n->kind == NODE_ClassDef && !settled(c->vm, n, LOC_LIBBASE))
        library_base(c, n, 0);
    const Scope *fs = is_func(n) ? scope_of(t, n) : NULL;
    for (int i = fs && method_class(t, n) ? 1 : 0; fs && i < param_count(n); i++) {
        const Node *a = param_at(n, i);
        if ((a->v.arg.annotation || ast_param_default(n, i)) &&
            !settled(c->vm, n, LOC_DECLARED + i))
            remember(c->vm, n, LOC_DECLARED + i, declared(c, t, fs, i));
    }
    if (fs && !settled(c->vm, n, LOC_RETURNS))
        returns_declared(c, n);
}

ValueModel *value_build(Arena *a, const Project *graph, const FastApiModule *mods, int n,
                        const FastApi *fastapi, const ModelUser *user)
{
    ValueModel *vm = arena_alloc(a, sizeof *vm);
    vm->a = a;
    vm->graph = graph;
    vm->fastapi = fastapi;
    vm->cur = -1;
    vm->mods = mods;
    vm->n = n;
    vm->user = user;
    for (int m = 0; m < n; m++) {
        own(vm, mods[m].scopes, m);
        OwnWalk w = {vm, NULL, m, 0};
        ast_children(mods[m].module, own_kid, &w);
    }
    for (int m = 0; m < n; m++)
        vm->nunits = walk_units(vm, NULL, m, &mods[m].module->v.Module.body,
                                scope_module(mods[m].scopes), NULL, 0, vm->nunits);
    vm->units = xcalloc(vm->nunits ? vm->nunits : 1, sizeof *vm->units);
    size_t cap = 1024; /* about three locations a unit (2.4 to 2.7 on the corpus), half full:
                          the table is seldom grown, each growth a rehash of every slot */
    while (cap < 6 * vm->nunits)
        cap *= 2;
    slot_rehash(vm, cap);
    vm->rarena = arena_new();
    vm->building = 1;
    for (int m = 0; m < n; m++)
        fixtures(vm, mods[m].scopes, &mods[m].module->v.Module.body, 0);
    Arena *scratch = arena_new();
    for (vm->round = 1; vm->round <= VALUE_ROUNDS; vm->round++) {
        vm->changed = 0;
        /* a unit none of whose reads changed since would join what it did */
        size_t u = 0;
        for (int m = 0; m < n; m++)
            u = walk_units(vm, scratch, m, &mods[m].module->v.Module.body,
                           scope_module(mods[m].scopes), NULL, 0, u);
        if (!vm->changed)
            break;
    }
    vm->cur = -1;
    vm->unit = NULL;
    vm->rounds = vm->round;
    if (vm->round > VALUE_ROUNDS)
        vm->round = VALUE_ROUNDS; /* no fixpoint: the last round's cache stands */
    for (int m = 0; m < n; m++) { /* what the questions after will ask again */
        Ev c = {vm, scratch, 0, 0};
        OwnWalk w = {vm, &c, m, 0};
        ast_children(mods[m].module, own_kid, &w);
        arena_reset(scratch);
    }
    vm->building = 0;
    arena_free(scratch);
    settle_tables(vm);
    kept_bases(vm);
    return vm;
}

/* ------------------------------------------------------------- queries */

/* A question asked after the build: read-only, names in scratch. */
static Ev question(const ValueModel *vm, Arena *scratch)
{
    Ev c = {(ValueModel *)vm, scratch, 0, 0};
    return c;
}

/* Works out what the bases of every class of the project name, for the
 * questions after building (class_bases); each evaluated at depth 0, with
 * the depth that took. */
static void kept_bases(ValueModel *vm)
{
    size_t n = 0;
    for (size_t i = 0; i < vm->ocap; i++) /* a key is a node unless it is a module's table */
        n += vm->own[i].key && vm->own[i].key != vm->mods[vm->own[i].mod].scopes &&
             ((const Node *)vm->own[i].key)->kind == NODE_ClassDef;
    if (!n)
        return;
    size_t cap = settled_cap(n, 16);
    Bases *tab = arena_alloc(vm->a, cap * sizeof *tab);
    Arena *scratch = arena_new();
    for (size_t i = 0; i < vm->ocap; i++) {
        const Node *cls = vm->own[i].key;
        const ScopeTable *t = cls ? vm->mods[vm->own[i].mod].scopes : NULL;
        if (!cls || cls == (const void *)t || cls->kind != NODE_ClassDef)
            continue;
        Ev c = question(vm, scratch);
        ClassBases cb = class_bases(&c, cls); /* none kept yet (bcap is 0): evaluated */
        const Node **of = cb.n ? arena_alloc(vm->a, (size_t)cb.n * sizeof *of) : NULL;
        for (int b = 0; b < cb.n; b++)
            of[b] = base_class(&c, cls, &cb, b);
        Bases k = {cls, of, cb.n, c.peak, NULL, 0};
        size_t j = hash_ptr(cls) & (cap - 1);
        while (tab[j].cls)
            j = (j + 1) & (cap - 1);
        tab[j] = k;
        arena_reset(scratch);
    }
    arena_free(scratch);
    vm->bases = tab;
    vm->bcap = cap;
    /* the other way round, for value_subclass: counted, then filled */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < cap; i++)
            for (int b = 0; tab[i].cls && b < tab[i].n; b++) {
                Bases *k = tab[i].of[b] ? (Bases *)find_bases(vm, tab[i].of[b]) : NULL;
                if (k && pass)
                    k->subs[k->nsubs++] = tab[i].cls;
                else if (k)
                    k->nsubs++;
            }
        for (size_t i = 0; !pass && i < cap; i++)
            if (tab[i].cls && tab[i].nsubs) {
                tab[i].subs = arena_alloc(vm->a, (size_t)tab[i].nsubs * sizeof *tab[i].subs);
                tab[i].nsubs = 0;
            }
    }
}

int value_rounds(const ValueModel *vm) { return vm->rounds; }

const Node *value_subclass(const ValueModel *vm, const Node *cls, int i)
{
    const Bases *k = vm ? find_bases(vm, cls) : NULL;
    return k && i < k->nsubs ? k->subs[i] : NULL;
}

Val value_of(const ValueModel *vm, Arena *scratch, const ScopeTable *t, const Scope *s,
             const Node *e)
{
    Ev c = question(vm, scratch);
    return vm ? ev(&c, t, s, e) : unknown();
}

Val value_item(const ValueModel *vm, Arena *scratch, const ScopeTable *t, const Scope *s,
               const Node *e, int index)
{
    Ev c = question(vm, scratch);
    return vm ? item_of(&c, t, s, e, index) : unknown();
}

Val value_param(const ValueModel *vm, Arena *scratch, const Node *func, int index)
{
    Ev c = question(vm, scratch);
    const ScopeTable *t = vm && is_func(func) ? value_table_of(vm, func) : NULL;
    const Scope *fs = t ? scope_of(t, func) : NULL;
    if (!fs || index < 0 || !param_at(func, index))
        return unknown();
    return ev_param(&c, t, fs, param_at(func, index)->v.arg.arg);
}

Val value_return(const ValueModel *vm, const Node *func)
{
    return vm ? read(vm, func, NULL, LOC_RETURN) : unknown();
}

Val value_yield(const ValueModel *vm, Arena *scratch, const Node *func)
{
    Ev c = question(vm, scratch);
    return vm ? yields_of(&c, func) : unknown();
}

static int derives(const ValueModel *vm, const Node *cls, const Node *base, int depth)
{
    const Bases *k = depth <= 8 ? find_bases(vm, cls) : NULL;
    for (int i = 0; k && i < k->n; i++)
        if (k->of[i] && (k->of[i] == base || derives(vm, k->of[i], base, depth + 1)))
            return 1;
    return 0;
}

int value_derives(const ValueModel *vm, const Node *cls, const Node *base)
{
    const Bases *k = vm ? find_bases(vm, base) : NULL;
    return k && k->nsubs && cls != base && derives(vm, cls, base, 0);
}

Val value_instance(const ValueModel *vm, Arena *scratch, const Node *cls)
{
    Ev c = question(vm, scratch);
    const char *lib = vm && cls ? library_base(&c, cls, 0) : NULL;
    return lib ? instance(lib) : unknown();
}

const Node *value_base(const ValueModel *vm, const Node *cls, int i)
{
    const Bases *k = vm ? find_bases(vm, cls) : NULL;
    return k && i < k->n ? k->of[i] : NULL;
}

int value_has_subclass(const ValueModel *vm, const Node *cls)
{
    const Bases *k = vm ? find_bases(vm, cls) : NULL;
    return k && k->nsubs > 0;
}

Val value_attr(const ValueModel *vm, Arena *scratch, const Node *cls, const char *attr)
{
    Ev c = question(vm, scratch);
    return vm ? attr_of(&c, make(VAL_OBJECT, 0, 0, cls), attr) : unknown();
}

/* An assignment `self.attr = value` in method f (self its first
 * parameter): is value never None?  A parameter of f that no call may
 * leave None and that some call fills with a value we know, or a value we
 * know that is not a resource's "anything". */
static int never_none(Ev *c, const ScopeTable *t, const Node *f, const Node *value)
{
    if (may_be_none(value))
        return 0;
    const Scope *fs = scope_of(t, f);
    const Binding *b =
        value->kind == NODE_Name && fs ? scope_lookup(t, fs, value->v.Name.id, NULL) : NULL;
    int i = b && b->kind == BIND_PARAM ? param_index(f, value->v.Name.id) : -1;
    if (i >= 0) {
        const Slot *s = slot(c->vm, f, NULL, LOC_PARAM + i, 0);
        return s && !s->param->maybe_none && !s->v.conflict && s->v.tag != VAL_UNKNOWN;
    }
    Val v = fs ? ev(c, t, fs, value) : unknown();
    return known(&v) && !(v.tag == VAL_RESOURCE && v.kind == RES_ANY);
}

/* Is t (an assignment's target, a tuple of them) self.attr or holds it? */
static int targets_attr(const Node *t, const char *self, const char *attr)
{
    if (t->kind == NODE_Tuple || t->kind == NODE_List) {
        for (int i = 0; i < t->v.Tuple.elts.n; i++)
            if (targets_attr(t->v.Tuple.elts.items[i], self, attr))
                return 1;
        return 0;
    }
    if (t->kind == NODE_Starred)
        return targets_attr(t->v.Starred.value, self, attr);
    return t->kind == NODE_Attribute && !strcmp(t->v.Attribute.attr, attr) &&
           t->v.Attribute.value->kind == NODE_Name &&
           !strcmp(t->v.Attribute.value->v.Name.id, self);
}

typedef struct Sets {
    Ev *c;
    const ScopeTable *t;
    const Node *f;    /* the method being read */
    const char *self; /* its instance parameter */
    const char *attr;
    int found, bad; /* assignments of attr seen; one that may be None */
} Sets;

static void sets_kid(Node *parent, Node *n, void *arg)
{
    Sets *w = arg;
    (void)parent;
    if (w->bad || n->kind == NODE_Lambda || is_func(n) || n->kind == NODE_ClassDef)
        return;
    const Node *tg = NULL, *v = NULL;
    if (n->kind == NODE_Assign && n->v.Assign.targets.n == 1)
        tg = n->v.Assign.targets.items[0], v = n->v.Assign.value;
    else if (n->kind == NODE_AnnAssign)
        tg = n->v.AnnAssign.target, v = n->v.AnnAssign.value;
    if (tg && tg->kind == NODE_Attribute && targets_attr(tg, w->self, w->attr)) {
        w->found++;
        w->bad |= !v || !never_none(w->c, w->t, w->f, v);
    } else if (n->kind == NODE_Assign) { /* a, self.x = ..., or x = self.x = ... */
        for (int i = 0; i < n->v.Assign.targets.n; i++)
            w->bad |= targets_attr(n->v.Assign.targets.items[i], w->self, w->attr);
    } else if (n->kind == NODE_Delete) {
        for (int i = 0; i < n->v.Delete.targets.n; i++)
            w->bad |= targets_attr(n->v.Delete.targets.items[i], w->self, w->attr);
    } else if (n->kind == NODE_For || n->kind == NODE_AsyncFor) {
        w->bad |= targets_attr(n->v.For.target, w->self, w->attr);
    } else if (n->kind == NODE_withitem && n->v.withitem.optional_vars) {
        w->bad |= targets_attr(n->v.withitem.optional_vars, w->self, w->attr);
    }
    ast_children(n, sets_kid, w);
}

int value_attr_set(const ValueModel *vm, Arena *scratch, const Node *cls, const char *attr)
{
    const ScopeTable *t = vm ? value_table_of(vm, cls) : NULL;
    if (!t || cls->kind != NODE_ClassDef)
        return 0;
    Ev c = question(vm, scratch);
    Sets w = {&c, t, NULL, NULL, attr, 0, 0};
    const NodeList *body = &cls->v.ClassDef.body;
    for (int i = 0; i < body->n && !w.bad; i++) {
        const Node *f = body->items[i];
        if (!is_func(f)) { /* a class-level default (`_factory = None`) */
            const Node *tg = NULL;
            if (f->kind == NODE_Assign && f->v.Assign.targets.n)
                tg = f->v.Assign.targets.items[0];
            else if (f->kind == NODE_AnnAssign)
                tg = f->v.AnnAssign.target;
            w.bad |= tg && tg->kind == NODE_Name && !strcmp(tg->v.Name.id, attr);
            continue;
        }
        if (!method_class(t, f) || param_count(f) < 1)
            continue;
        w.f = f;
        w.self = param_at(f, 0)->v.arg.arg;
        for (int k = 0; k < f->v.FunctionDef.body.n && !w.bad; k++)
            sets_kid(NULL, f->v.FunctionDef.body.items[k], &w);
    }
    return w.found && !w.bad;
}

/* ---- what a constructor keeps (value_kept) ---- */

#define FIELDS_MAX 32 /* fields of a record class read, its bases' included */

typedef struct Field {
    const char *attr;    /* the attribute it is kept in */
    const char *param;   /* the generated __init__'s parameter (attrs: no leading _) */
    const Node *deflt;   /* its default, made once with the class, or NULL */
    const Node *factory; /* what its generated __init__ calls for it, or NULL */
    const Node *cls;     /* the class that declares it */
    int kw_only;         /* filled by keyword only */
} Field;

/* Is the keyword name of call the constant True (False: want 0)? */
static int keyword_is(const Node *call, const char *name, int want)
{
    const Node *k = call && call->kind == NODE_Call ? ast_keyword(call, name) : NULL;
    return k && k->kind == NODE_Constant &&
           k->v.Constant.value.kind == (want ? CONST_TRUE : CONST_FALSE);
}

/* What the decorators of cls make of it (MODEL_REC_*: an __init__ generated
 * unless `init=False`), and in *kw_only whether its fields are keyword-only. */
static int record_decorator(Ev *c, const ScopeTable *t, const Scope *cs, const Node *cls,
                            int *kw_only)
{
    const NodeList *ds = &cls->v.ClassDef.decorator_list;
    for (int i = 0; i < ds->n; i++) {
        const Node *d = ds->items[i], *call = d->kind == NODE_Call ? d : NULL;
        int kind = model_record_class(qual_in(c, t, cs, call ? call->v.Call.func : d));
        if (kind && keyword_is(call, "init", 0))
            return MODEL_REC_NONE;
        *kw_only = keyword_is(call, "kw_only", 1);
        if (kind)
            return kind;
    }
    return MODEL_REC_NONE;
}

/* Field st of a class body (cs its scope; kind how the class makes its
 * __init__) into f: 0 when st declares none. */
static int field_of(Ev *c, const ScopeTable *t, const Scope *cs, const Node *st, int kind,
                    Field *f)
{
    const Node *target = NULL, *value = NULL, *ann = NULL;
    if (st->kind == NODE_AnnAssign && st->v.AnnAssign.simple)
        target = st->v.AnnAssign.target, value = st->v.AnnAssign.value,
        ann = st->v.AnnAssign.annotation;
    else if (kind == MODEL_REC_ATTRS && !ast_single_assign(st, &target, &value))
        return 0; /* attrs: `db = attr.ib()` declares one too */
    if (!target || target->kind != NODE_Name)
        return 0;
    const char *aq = ann ? qual_in(c, t, cs, ann->kind == NODE_Subscript
                                                  ? ann->v.Subscript.value : ann) : NULL;
    int spec = value && value->kind == NODE_Call &&
               model_field_spec(qual_in(c, t, cs, value->v.Call.func));
    if ((aq && is_typing(aq, "ClassVar")) || (!ann && !spec) ||
        (kind == MODEL_REC_KEYWORDS && target->v.Name.id[0] == '_') || /* pydantic: private */
        (spec && keyword_is(value, "init", 0)))
        return 0;
    memset(f, 0, sizeof *f);
    f->attr = f->param = target->v.Name.id;
    while (kind == MODEL_REC_ATTRS && f->param[0] == '_' && f->param[1])
        f->param++;
    if (!spec) {
        f->deflt = value;
        return 1;
    }
    f->kw_only = keyword_is(value, "kw_only", 1);
    f->deflt = value->v.Call.args.n ? value->v.Call.args.items[0] : ast_keyword(value, "default");
    f->factory = ast_keyword(value, "default_factory");
    if (!f->factory)
        f->factory = ast_keyword(value, "factory");
    const Node *d = f->deflt;
    if (d && d->kind == NODE_Call && d->v.Call.args.n &&
        model_field_factory(qual_in(c, t, cs, d->v.Call.func))) {
        f->factory = d->v.Call.args.items[0]; /* attr.ib(default=Factory(SessionLocal)) */
        f->deflt = NULL;
    }
    return 1;
}

/*
 * The fields of the __init__ a library generates for cls (a record class,
 * or a class inheriting one's __init__), its bases' first, into fs (*n of
 * them; a field declared again keeps its place): the record kind, or
 * MODEL_REC_NONE when cls's __init__ is not generated.
 */
static int fields_of(Ev *c, const Node *cls, Field *fs, int *n, int depth)
{
    const ScopeTable *t = value_table_of(c->vm, cls);
    const Scope *cs = t ? scope_of(t, cls) : NULL;
    if (!cs || depth > 8)
        return MODEL_REC_NONE;
    const Scope *outer = cs->parent ? cs->parent : cs;
    int kw_only = 0, kind = record_decorator(c, t, outer, cls, &kw_only), inherited = 0;
    for (int i = 0; i < cls->v.ClassDef.bases.n; i++) {
        Val b = ev(c, t, outer, cls->v.ClassDef.bases.items[i]);
        int k = b.tag == VAL_QUAL ? model_record_class(b.qual)
                : b.tag == VAL_CLASS && !ast_method_named(b.node, "__init__")
                    ? fields_of(c, b.node, fs, n, depth + 1)
                    : MODEL_REC_NONE;
        if (!inherited)
            inherited = k;
    }
    if (!kind && (inherited == MODEL_REC_TUPLE || inherited == MODEL_REC_KEYWORDS))
        kind = inherited; /* a subclass of one is one: their metaclass makes it */
    if (!kind)
        return inherited; /* an undecorated subclass: its base's __init__, its base's fields */
    for (int i = 0; i < cls->v.ClassDef.body.n; i++) {
        const Node *st = cls->v.ClassDef.body.items[i];
        const Node *ann = st->kind == NODE_AnnAssign ? st->v.AnnAssign.annotation : NULL;
        const char *aq = ann ? qual_in(c, t, cs, ann) : NULL;
        if (aq && !strcmp(aq, "dataclasses.KW_ONLY")) {
            kw_only = 1; /* `_: KW_ONLY`: the fields after it */
            continue;
        }
        Field f;
        if (!field_of(c, t, cs, st, kind, &f))
            continue;
        f.cls = cls;
        f.kw_only |= kw_only || kind == MODEL_REC_KEYWORDS;
        int k = 0;
        while (k < *n && strcmp(fs[k].attr, f.attr))
            k++;
        if (k == *n && *n == FIELDS_MAX)
            break;
        fs[k] = f;
        *n += k == *n;
    }
    return kind;
}

/* The argument of call that fills positional slot pos (< 0: none) or the
 * parameter called name, or NULL; *spread when a `*args` or `**kw` before
 * it might. */
static const Node *arg_for(const Node *call, int pos, const char *name, int *spread)
{
    const NodeList *args = &call->v.Call.args, *kws = &call->v.Call.keywords;
    *spread = 0;
    for (int i = 0; i < args->n && !*spread; i++) {
        if (args->items[i]->kind == NODE_Starred)
            *spread = 1;
        else if (i == pos)
            return args->items[i];
    }
    for (int i = 0; i < kws->n; i++) {
        const char *k = kws->items[i]->v.keyword.arg;
        if (!k)
            *spread = 1;
        else if (!strcmp(k, name))
            return kws->items[i]->v.keyword.value;
    }
    return NULL;
}

/* One entry of value_kept: what e (in scope s of t) gives attr. */
static int kept_one(Ev *c, const ScopeTable *t, const Scope *s, const char *attr, const Node *e,
                    int how, const char *path, ValueKept *out)
{
    out->attr = attr;
    out->at = e;
    out->how = how;
    out->path = path;
    if (how == VALUE_KEPT_FACTORY && e->kind == NODE_Lambda) {
        const Scope *ls = scope_of(t, e); /* default_factory=lambda: SessionLocal() */
        out->v = ls ? ev(c, t, ls, e->v.Lambda.body) : unknown();
    } else if (how == VALUE_KEPT_FACTORY) {
        Node made; /* the call the generated __init__ makes */
        memset(&made, 0, sizeof made);
        made.kind = NODE_Call;
        made.lineno = e->lineno;
        made.col_offset = e->col_offset;
        made.v.Call.func = (Node *)e;
        out->v = ev(c, t, s, &made);
    } else {
        out->v = ev(c, t, s, e);
    }
    return known(&out->v);
}

/* value_kept of a record class's generated __init__ (fields fs[0..n)). */
static int kept_fields(Ev *c, const ScopeTable *t, const Scope *s, const Node *call,
                       const Field *fs, int n, ValueKept *out, int max)
{
    int got = 0;
    for (int i = 0, pos = 0; i < n && got < max; i++) {
        int spread;
        const Node *a = arg_for(call, fs[i].kw_only ? -1 : pos++, fs[i].param, &spread);
        const ScopeTable *ft = value_table_of(c->vm, fs[i].cls);
        const Scope *fcs = ft ? scope_of(ft, fs[i].cls) : NULL;
        const char *fpath = value_path_of(c->vm, fs[i].cls);
        if (a)
            got += kept_one(c, t, s, fs[i].attr, a, VALUE_KEPT_ARG, NULL, &out[got]);
        else if (!spread && fcs && fs[i].factory)
            got += kept_one(c, ft, fcs, fs[i].attr, fs[i].factory, VALUE_KEPT_FACTORY, fpath,
                            &out[got]);
        else if (!spread && fcs && fs[i].deflt)
            got += kept_one(c, ft, fcs, fs[i].attr, fs[i].deflt, VALUE_KEPT_FIELD_DEFAULT, fpath,
                            &out[got]);
    }
    return got;
}

/* value_kept of an __init__ written out: `self.<attr> = <parameter>` at the
 * top of its body. */
static int kept_params(Ev *c, const ScopeTable *t, const Scope *s, const Node *call,
                       const Node *init, ValueKept *out, int max)
{
    const ScopeTable *it = value_table_of(c->vm, init);
    const Scope *is = it ? scope_of(it, init) : NULL;
    if (!is || param_count(init) < 1)
        return 0;
    const char *self = param_at(init, 0)->v.arg.arg;
    int got = 0, npos = init->v.FunctionDef.args->v.arguments.posonlyargs.n +
                        init->v.FunctionDef.args->v.arguments.args.n;
    for (int k = 0; k < init->v.FunctionDef.body.n && got < max; k++) {
        const Node *target, *value;
        if (!ast_single_assign(init->v.FunctionDef.body.items[k], &target, &value) ||
            target->kind != NODE_Attribute || target->v.Attribute.value->kind != NODE_Name ||
            strcmp(target->v.Attribute.value->v.Name.id, self) || value->kind != NODE_Name)
            continue;
        const Binding *b = scope_lookup(it, is, value->v.Name.id, NULL);
        int i = b && b->kind == BIND_PARAM ? param_index(init, value->v.Name.id) : -1;
        if (i < 1 || i >= param_count(init))
            continue; /* self, *args, **kwargs: not one argument */
        int spread;
        const Node *a = arg_for(call, i < npos ? i - 1 : -1, value->v.Name.id, &spread);
        const Node *d = ast_param_default(init, i);
        if (a)
            got += kept_one(c, t, s, target->v.Attribute.attr, a, VALUE_KEPT_ARG, NULL, &out[got]);
        else if (!spread && d)
            got += kept_one(c, it, is->parent ? is->parent : is, target->v.Attribute.attr, d,
                            VALUE_KEPT_PARAM_DEFAULT, value_path_of(c->vm, init), &out[got]);
    }
    return got;
}

int value_kept(const ValueModel *vm, Arena *scratch, const ScopeTable *t, const Scope *s,
               const Node *call, ValueKept *out, int max)
{
    Ev c = question(vm, scratch);
    if (!vm || call->kind != NODE_Call)
        return 0;
    Val f = ev(&c, t, s, call->v.Call.func);
    if (f.tag != VAL_CLASS || !f.node)
        return 0;
    const Node *init = ast_method_named(f.node, "__init__");
    Field fs[FIELDS_MAX];
    int n = 0;
    if (!init && fields_of(&c, f.node, fs, &n, 0))
        return kept_fields(&c, t, s, call, fs, n, out, max);
    if (!init)
        init = find_method(vm, &c, f.node, "__init__", 0);
    return init ? kept_params(&c, t, s, call, init, out, max) : 0;
}

const Node *value_method(const ValueModel *vm, Arena *scratch, const Node *cls, const char *name)
{
    Ev c = question(vm, scratch);
    return vm ? find_method(vm, &c, cls, name, 0) : NULL;
}

Val value_annotation(const ValueModel *vm, Arena *scratch, const ScopeTable *t, const Scope *s,
                     const Node *ann)
{
    Ev c = question(vm, scratch);
    return vm ? ev_annotation(&c, t, s, ann, 0) : unknown();
}

const Node *value_param_site(const ValueModel *vm, const Node *func, int index, const char **path)
{
    const Slot *s = vm ? slot((ValueModel *)vm, func, NULL, LOC_PARAM + index, 0) : NULL;
    const SlotParam *p = s ? s->param : NULL;
    if (!p || !p->why || p->why_mod < 0) {
        *path = NULL;
        return NULL;
    }
    *path = vm->mods[p->why_mod].path;
    return p->why;
}

const Node *value_param_owner(const ValueModel *vm, const Node *func, int index, const char **path,
                              const Node **caller)
{
    const Slot *s = vm ? slot((ValueModel *)vm, func, NULL, LOC_PARAM + index, 0) : NULL;
    const SlotParam *p = s ? s->param : NULL;
    *path = NULL;
    *caller = NULL;
    if (!p || !p->own_why || p->own_mod < 0)
        return NULL;
    *path = vm->mods[p->own_mod].path;
    *caller = p->own_func;
    return p->own_why;
}

const char *value_path_of(const ValueModel *vm, const Node *node)
{
    int m = vm ? owner_of(vm, node) : -1;
    return m >= 0 ? vm->mods[m].path : NULL;
}

const Node *value_table_func(const ValueModel *vm, const Node *table, int i)
{
    const Slot *s = vm && i >= 0 && i < FUNCS_MAX ? slot((ValueModel *)vm, table, NULL, LOC_ITEM + i, 0)
                                                   : NULL;
    return s && s->v.tag == VAL_FUNC ? s->v.node : NULL;
}

const Project *value_project(const ValueModel *vm)
{
    return vm ? vm->graph : NULL;
}
