/*
 * scope.h - names within one module: the scopes (module, class, function,
 * lambda, comprehension), what each name is bound to in each, and the
 * qualified names that imports give them.
 *
 * Python's rules: LEGB lookup, where class scopes are skipped by the
 * functions nested in them; `global` and `nonlocal` declarations; a name
 * assigned anywhere in a function is local to all of it; comprehensions
 * have their own scope (but their first iterator is evaluated outside).
 * Imports give qualified names: after `from sqlalchemy.orm import
 * sessionmaker as sm`, the name sm means "sqlalchemy.orm.sessionmaker";
 * after `import sqlalchemy.orm`, the name sqlalchemy means "sqlalchemy";
 * relative imports are made absolute against the module's own name.
 *
 * Tables live in the module's arena; building is thread-safe, and a built
 * table is read-only.
 */
#ifndef SL_SCOPE_H
#define SL_SCOPE_H

#include "arena.h"
#include "ast.h"

#define SCOPE_MAX_DEPTH 1000 /* nesting the walk follows; deeper parts are skipped */
#define SCOPE_MAX_CHAIN 64   /* attributes scope_qualname follows after a name */

typedef enum ScopeKind {
    SCOPE_MODULE, SCOPE_CLASS, SCOPE_FUNCTION, SCOPE_LAMBDA, SCOPE_COMPREHENSION,
} ScopeKind;

typedef enum BindKind {
    BIND_PARAM,    /* a parameter of the function */
    BIND_LOCAL,    /* assigned (=, augmented, annotated with a value, for, with ... as,
                      except ... as, walrus, del, match capture) */
    BIND_IMPORT,   /* import / from-import; qualname says what */
    BIND_DEF,      /* def / async def */
    BIND_CLASS,    /* class */
    BIND_GLOBAL,   /* declared global here: look in the module scope */
    BIND_NONLOCAL, /* declared nonlocal here: look in enclosing functions */
} BindKind;

typedef struct Binding {
    const char *name;     /* in the module's arena (compare with strcmp: `import a.b`
                             makes its "a" apart from the parser's interned names) */
    unsigned char kind;   /* BindKind */
    int nbind;            /* how many statements bind it in this scope */
    Node *def;            /* the first binding node: Assign, AnnAssign, For, withitem,
                             FunctionDef, ClassDef, Import, ImportFrom, arg, ... */
    Node *value;          /* bound exactly once by `name = value` or `name: T = value`:
                             value; else NULL */
    const char *qualname; /* BIND_IMPORT: "sqlalchemy.orm.sessionmaker"; BIND_DEF and
                             BIND_CLASS at module level: "<module>.<name>"; else NULL */
} Binding;

typedef struct Scope {
    unsigned char kind;   /* ScopeKind */
    Node *node;           /* Module, ClassDef, FunctionDef, AsyncFunctionDef, Lambda,
                             ListComp/SetComp/DictComp/GeneratorExp */
    struct Scope *parent; /* enclosing scope; NULL for the module */
    Binding *bindings;    /* nbindings entries, in order of first binding */
    int nbindings;
} Scope;

typedef struct ScopeTable ScopeTable;

/*
 * Builds the scopes of module (a Module node).  modname is its dotted
 * module name ("app.routers.items"); is_package says whether the file is a
 * package's __init__ (relative imports count from the package itself).
 */
ScopeTable *scope_build(Arena *a, Node *module, const char *modname, int is_package);

/* The scope that owner (a Module, class, function, lambda or comprehension)
 * opens, or NULL. */
const Scope *scope_of(const ScopeTable *t, const Node *owner);

/* The module scope. */
const Scope *scope_module(const ScopeTable *t);

/*
 * The binding that name refers to when used in scope s, following LEGB,
 * `global` and `nonlocal`; NULL for a builtin or an unbound name.  *where
 * (if not NULL) receives the scope that holds the binding.
 */
const Binding *scope_lookup(const ScopeTable *t, const Scope *s, const char *name,
                            const Scope **where);

/* What the Name e, used in s, is bound to when its binding is a local one
 * made once: the value of `x = v`, or the expression of `with v as x` (its
 * withitem into *item, when item is given); NULL otherwise. */
const Node *scope_bound_once(const ScopeTable *t, const Scope *s, const Node *e,
                             const Node **item);

/*
 * The qualified name of expr as seen from scope s: a Name bound by an import
 * or a module-level def/class, or an Attribute chain on one
 * (`sqlalchemy.orm.Session` after `import sqlalchemy.orm`,
 * `orm.sessionmaker` after `from sqlalchemy import orm`).  NULL when expr
 * is not such a name.  An attribute chain's string is made in the table's
 * arena, so only the thread that owns it may call this (the tests do; the
 * analysis, which reads other units' tables from every thread, calls
 * scope_qualname_buf).
 */
const char *scope_qualname(const ScopeTable *t, const Scope *s, const Node *expr);

/* The module name given to scope_build. */
const char *scope_module_name(const ScopeTable *t);

/*
 * Added by the resolve stage's author (compatible with the above):
 */

/*
 * scope_qualname without allocating: writes the name and a NUL into buf and
 * returns its length, or 0 when expr has no qualified name or it does not
 * fit in cap bytes.  scope_qualname copies an attribute chain's name into
 * the table's arena, so only the thread that owns that arena may call it;
 * this one any thread may call on a built table.
 */
size_t scope_qualname_buf(const ScopeTable *t, const Scope *s, const Node *expr, char *buf,
                          size_t cap);

/*
 * The dotted name of what opens s: Python's __qualname__ after the module
 * name ("app.db.Repo.get", "app.db.make.<locals>.inner",
 * "app.db.f.<locals>.<lambda>"); the module name for the module scope.
 * Made in the table's arena at each call, like scope_qualname's chains: only
 * the thread that owns that arena may call it.
 */
const char *scope_owner_qualname(const ScopeTable *t, const Scope *s);

/*
 * The modules of the module's `from M import *` statements (made absolute,
 * in source order, duplicates kept); *n receives how many.
 */
const char *const *scope_star_imports(const ScopeTable *t, int *n);

/*
 * Is func (a def) decorated by something whose qualified name, as the
 * module sees it, satisfies match?  `@lru_cache(maxsize=1)` counts as
 * "functools.lru_cache".
 */
int scope_decorated_by(const ScopeTable *t, const Node *func, int (*match)(const char *qual));

/*
 * `self.m` used in a method of a class (or in a function or lambda nested
 * in one), self being the method's first parameter: the def of m in that
 * class's body, or NULL (also for a method only a base class defines).
 */
const Node *scope_self_method(const ScopeTable *t, const Scope *s, const Node *e);

/* How a statement binds a name (scope_each_binding). */
enum {
    SCOPE_SITE_VALUE,     /* name = value, name := value */
    SCOPE_SITE_ANNOTATED, /* name: T = value (value may be NULL: a declaration) */
    SCOPE_SITE_ITEM,      /* a, name = value: the index-th of a flat tuple target */
    SCOPE_SITE_WITH,      /* with value as name */
    SCOPE_SITE_FOR,       /* for name in value */
    SCOPE_SITE_AUG,       /* name += value */
    SCOPE_SITE_OTHER,     /* def, class, import, except ... as, a pattern, a nested target */
};

#define SCOPE_MAX_SITE_DEPTH 256 /* nesting scope_each_binding follows */

/* fn(arg, SCOPE_SITE_*, the binding statement (a withitem for WITH), the
 * value it binds or NULL, the item index for ITEM else -1); 0 stops. */
typedef int (*ScopeSiteFn)(void *arg, int kind, const Node *at, const Node *value, int index);

/*
 * Calls fn for each statement of the scope that owner (a Module, def or
 * class) opens that binds name, in source order; nested scopes are not
 * entered.  Returns 1 when every binding was seen, 0 when fn stopped the
 * walk or the body nests deeper than SCOPE_MAX_SITE_DEPTH.  Pure.
 */
int scope_each_binding(const Node *owner, const char *name, ScopeSiteFn fn, void *arg);

/* Nonzero when parts nested deeper than SCOPE_MAX_DEPTH were skipped, so
 * the bindings they hold are missing. */
int scope_incomplete(const ScopeTable *t);

#endif
