/*
 * ormpaths.h - what an ORM object has loaded, as paths of relationships.
 *
 * An object a query loads has its columns, and the relationships its
 * loader options name: `selectinload(Volume.project)` loads "project",
 * `.selectinload(Project.backends)` chained to it loads "project.backends";
 * a relationship declared with an eager `lazy=` loads with its object.
 * Every other relationship is loaded on its first read, which an
 * AsyncSession cannot do (MissingGreenlet) and a closed session cannot
 * either (DetachedInstanceError).  A read is a path too (`v.project.
 * backends`, or what a function of the project reads of the object it is
 * handed, calls deep).  Paths are dotted strings of attribute names;
 * iterating a collection and indexing it are transparent (the elements of
 * `v.project.backends` are at "project.backends").
 *
 * Used by detached.c (SL102, SL107).  Everything here reads the project's
 * immutable tables and is thread-safe; strings go to the arena given.
 */
#ifndef SL_ORMPATHS_H
#define SL_ORMPATHS_H

#include "flow.h"
#include "scope.h"

#define ORM_HANDED_DEPTH 6 /* calls followed into the functions an object is handed to */
#define ORM_MAX_READS 16   /* paths remembered per parameter of such a function */
#define ORM_MAX_FIELDS 32  /* fields of a Pydantic model followed */

/* A mapped class: its ClassDef and the table of the module that declares it. */
typedef struct OrmClass {
    const ScopeTable *t;
    const Node *def; /* NULL: not known */
} OrmClass;

/* p and q joined by a dot ("" and NULL are the empty path). */
const char *ormpaths_join(Arena *a, const char *p, const char *q);

/* The qualified name of e in table t, scope s, in a (NULL if too long). */
const char *ormpaths_qual(Arena *a, const ScopeTable *t, const Scope *s, const Node *e);

/* The binding name has where it is looked up from (in, s), followed
 * through an import to its module of the project (*t and *where: that
 * module's table and the binding's scope); NULL for an import from
 * outside the project. */
const Binding *ormpaths_definition(const FlowEnv *env, const ScopeTable *in, const Scope *s,
                                   const char *name, const ScopeTable **t, const Scope **where);

/* Do the sessions the call acq makes (`SessionLocal()`, `Session(engine)`,
 * `SessionLocal.begin()`), looked up from scope s, expire on commit?  1
 * (expire_on_commit unset or True), 0 (False), -1: not known, since only a
 * factory whose making is seen says (a Session(...) here, a module-level
 * sessionmaker here or imported from the project).  Names go to a. */
int ormpaths_expires(Arena *a, const FlowEnv *env, const Scope *s, const Node *acq);

/* Do the sessions of the scoped_session registry that the call reg makes
 * expire on commit?  1, 0 or -1 as above: its factory is a
 * sessionmaker(...) call in it, or a module-level sessionmaker it names
 * where the registry is made (reg bound there to name, a Name looked up
 * from scope s); a factory made elsewhere is not known. */
int ormpaths_registry_expires(Arena *a, const FlowEnv *env, const Scope *s, const Node *name,
                              const Node *reg);

/* The class named name where (t, s) look it up, or {.def = NULL}. */
OrmClass ormpaths_class(const FlowEnv *env, const ScopeTable *t, const Scope *s,
                        const char *name);

/* Is cls a mapped class: its body names its table (`__tablename__`,
 * `__table__`), or a SQLModel `table=True`?  (A subclass mapped by
 * inheritance is not known.) */
int ormpaths_mapped(OrmClass cls);

/* Does cls's body declare attr as a mapped attribute, one its object loads
 * from the database: a column (Column, mapped_column, a `Mapped[...]`
 * annotation, a SQLModel table's field) or a relationship?  Not one a base
 * class or a mixin declares. */
int ormpaths_mapped_attr(Arena *a, const FlowEnv *env, OrmClass cls, const char *attr);

/* How a mapper fetches what the server generates at a flush (its
 * `__mapper_args__`, in its class or the nearest base class of the
 * project that says): */
enum {
    ORM_EAGER_AUTO,    /* unset or "auto": SQLAlchemy 2.0 fetches INSERT defaults with
                          RETURNING where the database has it; 1.x fetches nothing */
    ORM_EAGER_NO,      /* eager_defaults=False: nothing fetched */
    ORM_EAGER_YES,     /* eager_defaults=True: fetched at the INSERT and the UPDATE */
    ORM_EAGER_UNKNOWN, /* __mapper_args__ not a dict literal (a declared_attr) */
};
int ormpaths_eager_defaults(const FlowEnv *env, OrmClass cls);

/* Is attr of cls (declared in its body or a base class of the project) a
 * column whose value the database makes at an UPDATE (update) or an INSERT
 * (!update), so that a flush leaves it unloaded unless the mapper fetches
 * it eagerly: `server_onupdate=`, `onupdate=` a SQL expression
 * (`func.now()`: a Python callable is run by the ORM, which keeps its
 * value), `server_default=`, `default=` a SQL expression, `Computed(...)`;
 * SQLModel's `sa_column=Column(...)` and `sa_column_kwargs={...}` too.
 * The keyword that says so ("onupdate", "server_default", ...), or NULL;
 * never a primary key. */
const char *ormpaths_generated(Arena *a, const FlowEnv *env, OrmClass cls, const char *attr,
                               int update);

/* The relationship paths the loader options of load (a query expression,
 * or a call loading one) load, in *paths (*n of them, in a).  0 when it
 * has options it cannot read (`.options(*opts)`, a Load(...) object): then
 * what it loads is not known. */
int ormpaths_loaded(Arena *a, const Node *load, const char ***paths, int *n);

/* The first relationship on path from cls loaded on first read. */
typedef struct OrmLazy {
    const char *prefix; /* the path up to it ("project.backends") */
    int steps;          /* its attributes on the path, counted from 1 */
    int many;           /* it is known to hold a collection (else one object: a
                           many-to-one's target may be in the identity map already) */
    const char *fix;    /* the loader chain that loads it:
                           "selectinload(Volume.project).selectinload(Project.backends)" */
} OrmLazy;

/* Does reading path of an object of cls load a relationship on first
 * read, one that the object's loaded paths (loaded[0..nloaded), wildcards
 * "*" included) and the paths read while its session could load
 * (read[0..nread)) do not cover?  1 with *out set; 0 when it stops at a
 * column, a loaded relationship's end, or something not known. */
int ormpaths_lazy(Arena *a, const FlowEnv *env, OrmClass cls, const char *path,
                  const char *const *loaded, int nloaded, const char *const *read, int nread,
                  OrmLazy *out);

/* Does path from cls go through relationships only (so that it names
 * ORM objects: `v.project`, `v.project.backends`)?  "" does. */
int ormpaths_objects(Arena *a, const FlowEnv *env, OrmClass cls, const char *path);

/* The name e starts from, and in *path the attributes it follows from
 * there: `v` (""), `v.project.backends`, `volumes[0]`, `list(xs)`, and `[v
 * for v in xs if ...]`; NULL for anything else. */
const char *ormpaths_ref(Arena *a, const Node *e, const char **path);

/* A path read of a parameter, in the function that reads it. */
typedef struct OrmRead {
    const char *path;   /* relative to the parameter */
    const Node *reader; /* the function whose body reads it (the callee, or deeper) */
    const Node *at;     /* the read there */
    const char *guard;  /* read only under `if guard:`, guard a parameter of the callee
                           off by default (`include_probes=False`): a call that does not
                           fill it does not read it; or NULL */
} OrmRead;

/* What the functions of the project handed an object read of it,
 * remembered per function and parameter for one module's check (start it
 * zeroed; the paths stay in the arena given to ormpaths_arg_reads).  Not
 * thread-safe: one per worker. */
typedef struct OrmReadEntry {
    const Node *def;
    const char *param;
    OrmRead *reads; /* ORM_MAX_READS of room */
    int n;
} OrmReadEntry;

typedef struct OrmReadCache {
    VEC(OrmReadEntry) e;
} OrmReadCache;

/* Frees what cache holds on the heap. */
void ormpaths_cache_free(OrmReadCache *cache);

/* The project function call calls (its def), with in *shift the
 * parameters the call fills itself (a bound method's self); NULL for
 * anything else.  s: the scope of the call, in env->scopes. */
const Node *ormpaths_callee(Arena *scratch, const FlowEnv *env, const Scope *s, const Node *call,
                            int *shift);

/* Does call (of def, shift as ormpaths_callee says) fill parameter param,
 * or may it (`**kwargs`, `*args`)? */
int ormpaths_fills(const Node *def, int shift, const Node *call, const char *param);

/* The paths def reads of the parameter that argument j of call fills
 * (ast_call_arg's count), in *n: its attribute reads (not method calls),
 * through loops over it and names bound to its attributes, and what the
 * functions it hands them to read, ORM_HANDED_DEPTH calls deep.  NULL when
 * j fills no parameter. */
const OrmRead *ormpaths_arg_reads(OrmReadCache *cache, Arena *a, Arena *scratch,
                                  const FlowEnv *env, const Node *def, int shift,
                                  const Node *call, int j, int *n);

/* Is cls a Pydantic model of the project (deriving from pydantic's
 * BaseModel, through classes of the project; not a mapped class)?  Then
 * the fields it and its bases declare (annotated attributes, not private,
 * not ClassVar, not read under an alias), in *fields (*n, at most
 * ORM_MAX_FIELDS, strings of the AST), and in *attrs whether its config
 * validates an object by reading its attributes (v2's `model_config =
 * ConfigDict(from_attributes=True)` or a dict saying so, v1's `class
 * Config: orm_mode = True`), its own or a base's.  Fields a validator or
 * a computed_field reads, and a nested model's fields, are not followed. */
int ormpaths_schema(Arena *a, const FlowEnv *env, OrmClass cls, const char ***fields, int *n,
                    int *attrs);

#endif
