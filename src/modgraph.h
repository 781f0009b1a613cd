/*
 * modgraph.h - the project's modules by dotted name, and where a qualified
 * name leads: "app.db.SessionLocal", imported in app/routers/items.py, is
 * the binding of SessionLocal in the module app.db, even when
 * app/db/__init__.py only re-exports it from app/db/session.py.
 *
 * A module's name is what Python would import it as (modgraph_module_name):
 * the dotted path up from its file through folders holding __init__.py.
 * Folders without one (namespace packages) also give fallback names from
 * the path, used only when no module has the name proper.
 *
 * A Project is built by one thread (modgraph_add for each module, then
 * modgraph_freeze) and is read-only afterwards: every other function may
 * then be called from any number of threads at once (each thread keeps
 * its recent resolves in a bounded table of its own, 144 KB).  It
 * points to each module's AST and scope table, which must outlive it.
 */
#ifndef SL_MODGRAPH_H
#define SL_MODGRAPH_H

#include "arena.h"
#include "ast.h"
#include "scope.h"

#define MODGRAPH_MAX_HOPS 16  /* re-exports and aliases followed per resolve */
#define MODGRAPH_MAX_NAME 512 /* longer qualified names resolve to nothing */
#define MODGRAPH_MAX_ALTS 4   /* folders above a module tried for fallback names */

typedef struct ProjectModule {
    const char *name;         /* dotted module name: "app.db" */
    const char *path;         /* its file, as given to modgraph_add */
    int is_package;           /* the file is a package's __init__.py(i) */
    Node *module;             /* its Module node */
    const ScopeTable *scopes; /* its scopes (scope_build) */
} ProjectModule;

typedef struct Project Project;

/*
 * The dotted module name of the .py or .pyi file at path, looking at the
 * file system for __init__.py / __init__.pyi: src/app/db.py with
 * src/app/__init__.py is "app.db"; app/__init__.py is "app" with
 * *is_package = 1; scripts/run.py (no __init__.py beside it) is "run".
 * level is the deepest relative import of the file (0: none): one that
 * reaches above the regular packages names the file through the namespace
 * folders above them, below the project's folder root (absolute; NULL: the
 * working folder) and a src/ folder (app/billing.py with `from .uow import
 * X` is "app.billing").  The string comes from a.  Thread-safe.
 */
const char *modgraph_module_name(Arena *a, const char *path, int level, const char *root,
                                 int *is_package);

/*
 * The fallback names of the file at path named name: Python imports a
 * module in a folder without __init__.py through that folder as a
 * namespace package when the folder above is on sys.path, so app/db.py,
 * named "db", is also "app.db", and then "src.app.db", one folder more
 * each, while the folders are identifiers, at most MODGRAPH_MAX_ALTS,
 * never above the start of path (as given).  The names go to out, from a;
 * returns how many.  Thread-safe.
 */
int modgraph_fallback_names(Arena *a, const char *path, const char *name, int is_package,
                            const char **out);

/* An empty project whose own memory comes from a (one thread's arena). */
Project *modgraph_new(Arena *a);

/*
 * Adds a module (name and path are copied).  Two files with one name (a.py
 * and a.pyi, or two scripts named run.py): the .py wins, then the first
 * path in byte order, whatever the order of the calls.
 */
void modgraph_add(Project *p, const char *name, const char *path, int is_package, Node *module,
                  const ScopeTable *scopes);

/* Ends the adding; the project is read-only from now on. */
void modgraph_freeze(Project *p);

/* The modules, sorted by name; *n receives how many.  A file that lost its
 * name to another is not among them, though a fallback name may still
 * resolve to it. */
const ProjectModule *modgraph_modules(const Project *p, int *n);

/* The module named modname ("app.db"), or NULL. */
const ProjectModule *modgraph_find(const Project *p, const char *modname);

/*
 * What qualname (e.g. from scope_qualname) names in the project: the longest
 * leading part that is a module, then the binding of the next name in that
 * module's scope.  A binding that is an import (`from .session import
 * SessionLocal` in a package's __init__.py) or a plain alias
 * (`SessionLocal = session.SessionLocal`) is followed to the module it
 * comes from, and so are `from M import *` for names not bound otherwise,
 * at most MODGRAPH_MAX_HOPS times; an import of something outside the
 * project stops the chase at that import binding (its qualname then says
 * "sqlalchemy.orm.Session").
 *
 * Returns 1 when the whole of qualname names a module (*binding = NULL) or
 * a binding in one; 0 when not (third-party "sqlalchemy.orm.sessionmaker",
 * or an attribute of a binding: see modgraph_resolve_prefix).  Either out
 * pointer may be NULL.
 */
int modgraph_resolve(const Project *p, const char *qualname, const ProjectModule **module,
                     const Binding **binding);

/*
 * modgraph_resolve, also when attributes follow the binding:
 * "app.db.engine.connect" gives the binding engine in app.db and *rest =
 * "connect" (a suffix of qualname; "" when nothing follows).  A module that
 * does not bind the next name gives *binding = NULL and *rest = that name
 * on.  Returns 0 when no leading part of qualname is a project module.
 */
int modgraph_resolve_prefix(const Project *p, const char *qualname, const ProjectModule **module,
                            const Binding **binding, const char **rest);

#endif
