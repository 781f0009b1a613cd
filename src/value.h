/*
 * value.h - the project-wide value model: what each expression can hold,
 * flow-insensitively, as far as the resource model cares (model.h's Val:
 * an engine, a sessionmaker, a pool, a session, an instance of one of the
 * project's classes, one of its functions, a library name).
 *
 * Built once per run after the module graph (modgraph.h) and the FastAPI
 * model (fastapi.h), before the summaries and the dataflow, by rounds over
 * every module until nothing changes (a fixpoint, at most VALUE_ROUNDS).
 * Each round joins, into one table:
 *   - every module-level name: each assignment, at module level or under
 *     `global` in any function (`engine = None` filled at startup), and
 *     its annotation (`SessionLocal: async_sessionmaker | None = None`);
 *   - every function's return and yield (through any number of layers,
 *     `return a if x else b`, tuples: `SessionLocal, engine = init_db()`);
 *   - every attribute of every class: `self.x = ...` in any method, class
 *     level declarations, base classes;
 *   - every parameter: its annotation (Session, Engine, Optional[...],
 *     Annotated[T, Depends(f)], Callable[[], Generator[...]] ...), its
 *     default, and the argument of every call site that reaches it, by
 *     position or keyword, bound methods and constructors included.
 *   - every `for` over a dispatch table of the project's functions
 *     (`for kind, f in HANDLERS.items()`): its name is each of them (VAL_FUNCS).
 * A resource a module-level name or a class body is given where it is made
 * is the process's one object (Val.once), through every read of it, while
 * nothing else is kept in the same place (an instance's own self.x).
 * So is an instance a module-level name holds or an `@lru_cache`/`@cache`
 * function returns, and an instance or a registry kept on one of those.
 * A join keeps what the contributions that are known agree on: unknown
 * contributions add nothing (a placeholder's None), disagreeing known
 * ones make the location unknown.  A session lent by a FastAPI dependency
 * carries its provider (Val.node) through calls and objects, so a helper
 * two calls away knows whose session it holds.
 *
 * After value_build the model is read-only: every query below may be made
 * from any thread; names are copied into the caller's scratch arena.
 * Recursion in a question is bounded by VALUE_MAX_DEPTH.
 */
#ifndef SL_VALUE_H
#define SL_VALUE_H

#include "arena.h"
#include "ast.h"
#include "fastapi.h"
#include "model.h"
#include "modgraph.h"
#include "scope.h"

#define VALUE_ROUNDS 8     /* rounds at most; they stop when nothing changes */
#define VALUE_MAX_DEPTH 24 /* names, attributes and calls followed per question */
#define VALUE_MAX_ITEMS 4  /* tuple items of a return followed (a, b = f()) */

typedef struct ValueModel ValueModel;

/* The model of mods[0..n) (kept by pointer, with graph and fastapi: they
 * must outlive it), in a.  fastapi: the application state startup code
 * keeps (app.state.pool), or NULL; user: the project's own resources
 * (model.h), or NULL.  Not thread-safe; the model is read-only afterwards. */
ValueModel *value_build(Arena *a, const Project *graph, const FastApiModule *mods, int n,
                        const FastApi *fastapi, const ModelUser *user);

/* Rounds value_build took to reach its fixpoint (VALUE_ROUNDS + 1: none). */
int value_rounds(const ValueModel *vm);

/* What e, evaluated in scope s of the module table t, can hold. */
Val value_of(const ValueModel *vm, Arena *scratch, const ScopeTable *t, const Scope *s,
             const Node *e);

/* What item index of e holds, as `a, b = e` unpacks it: a tuple display's
 * element, or the item of the tuple a function of the project returns
 * (below VALUE_MAX_ITEMS). */
Val value_item(const ValueModel *vm, Arena *scratch, const ScopeTable *t, const Scope *s,
               const Node *e, int index);

/* What the parameter at position index (posonly, then plain, then keyword-only
 * parameters) of func can hold: its annotation's value, else the join of
 * its default and every call site's argument. */
Val value_param(const ValueModel *vm, Arena *scratch, const Node *func, int index);

/* The call that first gave parameter index of func its value (a caller
 * passing its session), and in *path the file that holds it; NULL if no
 * call did. */
const Node *value_param_site(const ValueModel *vm, const Node *func, int index, const char **path);

/* The first call that filled parameter index of func with a resource it
 * made itself (`with SessionLocal() as db: helper(db)`: the caller owns it
 * and releases it once the call returns), in *path its file and in *caller
 * the function making it (NULL: module level); NULL if no call did. */
const Node *value_param_owner(const ValueModel *vm, const Node *func, int index, const char **path,
                              const Node **caller);

/* What func returns; what it yields (a generator: a dependency provider;
 * from its return annotation when its yields say nothing). */
Val value_return(const ValueModel *vm, const Node *func);
Val value_yield(const ValueModel *vm, Arena *scratch, const Node *func);

/* What `obj.attr` holds for an instance of class cls (a ClassDef), its
 * bases included; a @property's return. */
Val value_attr(const ValueModel *vm, Arena *scratch, const Node *cls, const char *attr);

/*
 * What the instance that call makes keeps, attribute by attribute, from
 * its constructor's parameters (call evaluated in scope s of table t).  An
 * attribute a class's __init__ (its own or a base's) assigns from one of
 * its parameters, at the top of its body (`self.db = db`), holds the
 * argument the call passes there, by position or keyword, else the
 * parameter's default.  A record class (model.h: @dataclass, attrs,
 * NamedTuple, pydantic's BaseModel) has a generated __init__ whose
 * parameters are its fields in order, its bases' first (not ClassVars,
 * not `field(init=False)`; keyword-only ones and a BaseModel's only by
 * keyword), each holding the argument, else its default factory's call,
 * else its default.  Up to max entries go to out; returns how many.
 * Limits: a parameter a spread (`*args`, `**kw`) may fill is left out; an
 * assignment under a test or a loop, or through super().__init__, and
 * attrs' or pydantic's aliases are not followed.
 */
enum { VALUE_KEPT_ARG, VALUE_KEPT_FACTORY, VALUE_KEPT_FIELD_DEFAULT, VALUE_KEPT_PARAM_DEFAULT };
typedef struct ValueKept {
    const char *attr; /* the instance's attribute */
    Val v;            /* what it holds (fresh: made by the call, or for it by a factory) */
    const Node *at;   /* what gives it: the argument, the factory, the default */
    const char *path; /* the file of at; NULL: the call's */
    int how;          /* VALUE_KEPT_*: an argument, a factory's call (per instance), a
                         field's default (the class's, made once), a parameter's (the
                         def's, made once) */
} ValueKept;
int value_kept(const ValueModel *vm, Arena *scratch, const ScopeTable *t, const Scope *s,
               const Node *call, ValueKept *out, int max);

/* Is `self.attr` of an instance of cls (a ClassDef) never None: its
 * methods assign it (none at class level, none deleted), and each
 * assignment gives a value we know, or a parameter that every call we see
 * fills with one (never None, never left to a default None)?  Calls made
 * where the model cannot see them (a class made by name from a registry)
 * and assignments from outside the class are not counted: a limit. */
int value_attr_set(const ValueModel *vm, Arena *scratch, const Node *cls, const char *attr);

/* Does class cls derive from base (both of the project), through the
 * bases each class names (kept when the build ends), at most 8 deep? */
int value_derives(const ValueModel *vm, const Node *cls, const Node *base);

/* What an instance of cls (a ClassDef of the project) is when it derives
 * from a library class the model knows, however deep: a subclass of
 * SQLAlchemy's AsyncSession is a session.  VAL_UNKNOWN otherwise. */
Val value_instance(const ValueModel *vm, Arena *scratch, const Node *cls);

/* The class of the project that base i of cls (a ClassDef) names (`Base`,
 * `Base[T]`), as kept when the build ended; NULL past the last base or for
 * a base that is not a class of the project. */
const Node *value_base(const ValueModel *vm, const Node *cls, int i);

/* Does a class of the project name cls as one of its bases? */
int value_has_subclass(const ValueModel *vm, const Node *cls);

/* The def of method name of class cls or of a base class, here or in
 * another module of the project, or NULL (value_table_of says where). */
const Node *value_method(const ValueModel *vm, Arena *scratch, const Node *cls, const char *name);

/* What a value annotated with ann (in scope s of table t) is: `Session`,
 * `AsyncEngine | None`, `Annotated[Session, Depends(get_db)]`,
 * `AsyncIterator[AsyncSession]`, a string annotation, an alias. */
Val value_annotation(const ValueModel *vm, Arena *scratch, const ScopeTable *t, const Scope *s,
                     const Node *ann);

/* The scope table of the module that defines node (a def or class at any
 * depth), or NULL. */
const ScopeTable *value_table_of(const ValueModel *vm, const Node *node);

/* The file of the module that defines node, or NULL. */
const char *value_path_of(const ValueModel *vm, const Node *node);

/* The def of entry i of a dispatch table (a VAL_FUNCS's node: a dict, list
 * or tuple literal of the project's functions), or NULL past its end. */
const Node *value_table_func(const ValueModel *vm, const Node *table, int i);

/* Class i of the project that names cls (a ClassDef) as a direct base, in
 * no set order, or NULL past the last. */
const Node *value_subclass(const ValueModel *vm, const Node *cls, int i);

/* The project the model was built over (its modules, read-only). */
const Project *value_project(const ValueModel *vm);

#endif
