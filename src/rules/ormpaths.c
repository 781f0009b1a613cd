/*
 * ormpaths.c - what an ORM object has loaded, as paths of relationships
 * (see ormpaths.h).
 *
 * Three readers of the source, all syntactic over the project's tables:
 * the loader options of a query (the paths it loads), the declarations of
 * a mapped class (which attribute is a relationship, loaded on first read
 * or with its object, and of which class), and the bodies of the functions
 * an object is handed to (the paths they read of it).  Limits: a
 * relationship declared in a base class or by a backref, a target class
 * named by a string its module does not bind, and options built apart
 * from the query are not followed (quiet: nothing is known to be lazy).
 */
#include "rules/ormpaths.h"

#include <stdlib.h>
#include <string.h>

#include "value.h"

#define OPT_MAX_DEPTH 64  /* expression nesting followed in a query and its options */
#define READS_MAX_DEPTH 200 /* statement and expression nesting followed in a body */
#define PATH_MAX_STEPS 8  /* relationships followed along one path */
#define MAX_ALIASES 8     /* names of a function bound to its parameter's objects */

const char *ormpaths_join(Arena *a, const char *p, const char *q)
{
    if (!p || !*p)
        return q ? q : "";
    if (!q || !*q)
        return p;
    return arena_printf(a, "%s.%s", p, q);
}

const char *ormpaths_qual(Arena *a, const ScopeTable *t, const Scope *s, const Node *e)
{
    char buf[256];
    size_t n = scope_qualname_buf(t, s, e, buf, sizeof buf);
    return n && n < sizeof buf ? arena_strndup(a, buf, n) : NULL;
}

const Binding *ormpaths_definition(const FlowEnv *env, const ScopeTable *in, const Scope *s,
                                   const char *name, const ScopeTable **t, const Scope **where)
{
    *t = in;
    const Binding *b = scope_lookup(*t, s, name, where);
    if (b && b->kind == BIND_IMPORT && b->qualname && env->resolve) {
        FlowDef d = {0};
        if (!env->resolve(env->resolve_arg, b->qualname, &d) || !d.binding || !d.scopes)
            return NULL;
        *t = d.scopes;
        *where = scope_module(d.scopes);
        return d.binding;
    }
    return b;
}

OrmClass ormpaths_class(const FlowEnv *env, const ScopeTable *t, const Scope *s, const char *name)
{
    const Scope *where = NULL;
    const ScopeTable *dt = NULL;
    const Binding *b = name ? ormpaths_definition(env, t, s, name, &dt, &where) : NULL;
    if (!b || b->kind != BIND_CLASS || !b->def || b->def->kind != NODE_ClassDef)
        return (OrmClass){NULL, NULL};
    return (OrmClass){dt, b->def};
}

/* --- which sessions expire on commit ---------------------------------------- */

static const char *const session_classes[] = {
    "sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session", "sqlmodel.Session",
    "sqlmodel.orm.session.Session", "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.ext.asyncio.session.AsyncSession", "sqlmodel.ext.asyncio.session.AsyncSession",
    NULL};

static const char *const makers[] = {"sqlalchemy.orm.sessionmaker",
                                     "sqlalchemy.orm.session.sessionmaker",
                                     "sqlalchemy.ext.asyncio.async_sessionmaker",
                                     "sqlalchemy.ext.asyncio.session.async_sessionmaker", NULL};

/* Do the sessions call makes (a Session(...) or a sessionmaker(...))
 * expire on commit?  1: no expire_on_commit, or True; 0: False; -1: unknown
 * (**options, an expression). */
static int expire_keyword(const Node *call)
{
    for (int i = 0; i < call->v.Call.keywords.n; i++) {
        const Node *k = call->v.Call.keywords.items[i];
        if (!k->v.keyword.arg)
            return -1;
        if (strcmp(k->v.keyword.arg, "expire_on_commit"))
            continue;
        const Node *v = k->v.keyword.value;
        int kind = v->kind == NODE_Constant ? v->v.Constant.value.kind : -1;
        return kind == CONST_TRUE ? 1 : kind == CONST_FALSE ? 0 : -1;
    }
    return 1;
}

/* The qualified name e (a name or a dotted reference) stands for where
 * (t, s) look it up, a name re-exported by a module of the project
 * (`from polar.kit.db.postgres import AsyncSession`, which imports it from
 * SQLAlchemy) followed to the library's name it was imported as. */
static const char *library_qual(Arena *a, const FlowEnv *env, const ScopeTable *t,
                                const Scope *s, const Node *e)
{
    const char *q = ormpaths_qual(a, t, s, e);
    const Binding *b = e->kind == NODE_Name ? scope_lookup(t, s, e->v.Name.id, NULL) : NULL;
    FlowDef d = {0};
    if (b && b->kind == BIND_IMPORT && b->qualname && env->resolve &&
        env->resolve(env->resolve_arg, b->qualname, &d) && d.binding &&
        d.binding->kind == BIND_IMPORT && d.binding->qualname)
        return d.binding->qualname;
    return q;
}

/* Do the sessions of the module-level sessionmaker that name holds, looked
 * up from (in, s), expire on commit?  -1: not such a name. */
static int named_maker(Arena *a, const FlowEnv *env, const ScopeTable *in, const Scope *s,
                       const char *name)
{
    const Scope *where = NULL;
    const ScopeTable *t = NULL;
    const Binding *b = ormpaths_definition(env, in, s, name, &t, &where);
    if (!b || !where || where->kind != SCOPE_MODULE || b->kind != BIND_LOCAL || !b->value ||
        b->value->kind != NODE_Call ||
        !ast_name_in(library_qual(a, env, t, where, b->value->v.Call.func), makers))
        return -1;
    return expire_keyword(b->value);
}

int ormpaths_expires(Arena *a, const FlowEnv *env, const Scope *s, const Node *acq)
{
    const Node *f = acq->v.Call.func;
    if (f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "begin"))
        f = f->v.Attribute.value;
    const char *q = library_qual(a, env, env->scopes, s, f);
    if (ast_name_in(q, session_classes))
        return f == acq->v.Call.func ? expire_keyword(acq) : -1;
    return f->kind == NODE_Name ? named_maker(a, env, env->scopes, s, f->v.Name.id) : -1;
}

int ormpaths_registry_expires(Arena *a, const FlowEnv *env, const Scope *s, const Node *name,
                              const Node *reg)
{
    const Node *m = reg->kind != NODE_Call        ? NULL
                    : reg->v.Call.args.n > 0     ? reg->v.Call.args.items[0]
                                                 : ast_keyword(reg, "session_factory");
    if (m && m->kind == NODE_Call) { /* scoped_session(sessionmaker(bind=engine)) */
        const Node *f = m->v.Call.func;
        const char *id = f->kind == NODE_Name        ? f->v.Name.id
                         : f->kind == NODE_Attribute ? f->v.Attribute.attr
                                                     : "";
        return !strcmp(id, "sessionmaker") || !strcmp(id, "async_sessionmaker")
                   ? expire_keyword(m) : -1;
    }
    if (!m || m->kind != NODE_Name || name->kind != NODE_Name)
        return -1;
    const Scope *where = NULL;
    const ScopeTable *t = NULL;
    const Binding *b = ormpaths_definition(env, env->scopes, s, name->v.Name.id, &t, &where);
    if (!b || b->value != reg || !where) /* made where its maker's name is not seen */
        return -1;
    return named_maker(a, env, t, where, m->v.Name.id);
}

/* --- loader options --------------------------------------------------------- */

static const char *const eager_loaders[] = {"selectinload", "joinedload", "subqueryload",
                                            "immediateload", "contains_eager", NULL};
/* options that go along a relationship and load nothing themselves */
static const char *const path_loaders[] = {"defaultload", "lazyload", "noload", "raiseload",
                                           NULL};
/* options about columns or criteria: no relationship path */
static const char *const other_options[] = {"load_only", "defer", "undefer", "undefer_group",
                                            "with_expression", "with_loader_criteria",
                                            "selectin_polymorphic", NULL};

typedef struct Loads {
    Arena *a;
    VEC(const char *) paths;
    int unknown; /* an option not read: what is loaded is not known */
    int depth;
} Loads;

static void add_loaded(Loads *l, const char *p)
{
    for (size_t i = 0; i < l->paths.n; i++)
        if (!strcmp(l->paths.items[i], p))
            return;
    VEC_PUSH(&l->paths, p);
}

/* The attribute an option's argument names: `User.orders` (also with
 * .of_type(...) or .and_(...)), or a string as written ("orders", "*"). */
static const char *segment(const Node *arg)
{
    if (arg->kind == NODE_Call && arg->v.Call.func->kind == NODE_Attribute)
        arg = arg->v.Call.func->v.Attribute.value;
    if (arg->kind == NODE_Attribute)
        return arg->v.Attribute.attr;
    if (arg->kind == NODE_Constant && arg->v.Constant.value.kind == CONST_STR)
        return arg->v.Constant.value.s;
    return NULL;
}

/* Loader option opt under the path base: what it loads goes to l; the
 * path it ends at, or NULL (and l->unknown) for an option not read. */
static const char *option(Loads *l, const Node *opt, const char *base)
{
    if (l->depth > OPT_MAX_DEPTH || opt->kind != NODE_Call) {
        l->unknown = 1;
        return NULL;
    }
    const Node *f = opt->v.Call.func;
    const char *name = NULL, *from = base;
    if (f->kind == NODE_Name) {
        name = f->v.Name.id;
    } else if (f->kind == NODE_Attribute && f->v.Attribute.value->kind == NODE_Call) {
        l->depth++; /* a chain: joinedload(A.b).selectinload(B.c), or .options(...) */
        from = option(l, f->v.Attribute.value, base);
        l->depth--;
        if (!from)
            return NULL;
        name = f->v.Attribute.attr;
        if (!strcmp(name, "options")) {
            for (int i = 0; i < opt->v.Call.args.n; i++)
                option(l, opt->v.Call.args.items[i], from);
            return from;
        }
    } else if (f->kind == NODE_Attribute) {
        name = f->v.Attribute.attr; /* orm.selectinload(...) */
    }
    if (ast_name_in(name, other_options))
        return from;
    int eager = ast_name_in(name, eager_loaders);
    if (!eager && !ast_name_in(name, path_loaders)) {
        l->unknown = 1;
        return NULL;
    }
    const char *p = from;
    for (int i = 0; i < opt->v.Call.args.n; i++) {
        const char *seg = segment(opt->v.Call.args.items[i]);
        if (!seg) {
            l->unknown = 1;
            return NULL;
        }
        p = ormpaths_join(l->a, p, seg);
        for (const char *d = strchr(seg, '.'); eager && d; d = strchr(d + 1, '.'))
            add_loaded(l, arena_strndup(l->a, p, strlen(p) - strlen(d))); /* "a.b": a too */
        if (eager) /* selectinload(A.b, B.c): b and b.c (the legacy path form) */
            add_loaded(l, p);
    }
    return p;
}

static void options_of(Loads *l, const Node *n);

static void options_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    options_of(arg, n);
}

/* The options of the query n: `.options(...)` calls and `options=[...]`. */
static void options_of(Loads *l, const Node *n)
{
    if (!n || l->unknown || l->depth > OPT_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_Call) {
        const Node *f = n->v.Call.func;
        if (f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "options")) {
            for (int i = 0; i < n->v.Call.args.n; i++)
                option(l, n->v.Call.args.items[i], "");
            l->depth++;
            options_of(l, f->v.Attribute.value);
            l->depth--;
            return;
        }
        const char *name = f->kind == NODE_Attribute ? f->v.Attribute.attr
                           : f->kind == NODE_Name    ? f->v.Name.id
                                                     : NULL;
        if (ast_name_in(name, eager_loaders) || ast_name_in(name, path_loaders)) {
            l->unknown = 1; /* a loader outside options(): not read */
            return;
        }
        for (int i = 0; i < n->v.Call.keywords.n; i++) {
            const Node *k = n->v.Call.keywords.items[i], *v = k->v.keyword.value;
            if (!k->v.keyword.arg || strcmp(k->v.keyword.arg, "options"))
                continue;
            if (v->kind != NODE_List && v->kind != NODE_Tuple) { /* get(User, i, options=[...]) */
                l->unknown = 1;
                return;
            }
            for (int j = 0; j < v->v.List.elts.n; j++)
                option(l, v->v.List.elts.items[j], "");
        }
    }
    l->depth++;
    ast_children((Node *)n, options_kid, l);
    l->depth--;
}

int ormpaths_loaded(Arena *a, const Node *load, const char ***paths, int *n)
{
    Loads l = {.a = a};
    options_of(&l, load);
    *n = (int)l.paths.n;
    *paths = l.paths.n ? arena_alloc(a, l.paths.n * sizeof **paths) : NULL;
    if (l.paths.n)
        memcpy(*paths, l.paths.items, l.paths.n * sizeof **paths);
    VEC_FREE(&l.paths);
    return !l.unknown;
}

/* --- relationship declarations -------------------------------------------- */

/* The class an annotation holds: `Mapped[List["Backend"]]`, `Optional[Team]`,
 * `Team | None`, "Team"; NULL if not one name. */
static const char *annotated_class(const Node *e, int depth)
{
    static const char *const wrappers[] = {"Mapped", "Optional", "List", "list", "Set", "set",
                                           "Sequence", "FrozenSet", "frozenset", "Iterable",
                                           "Collection", "WriteOnlyMapped", "DynamicMapped",
                                           NULL};
    if (!e || depth > 8)
        return NULL;
    switch (e->kind) {
    case NODE_Subscript: {
        const Node *w = e->v.Subscript.value;
        const char *wn = w->kind == NODE_Name ? w->v.Name.id
                         : w->kind == NODE_Attribute ? w->v.Attribute.attr : NULL;
        return ast_name_in(wn, wrappers) ? annotated_class(e->v.Subscript.slice, depth + 1)
                                         : NULL;
    }
    case NODE_BinOp: { /* Team | None */
        const Node *l = e->v.BinOp.left, *r = e->v.BinOp.right;
        int lnone = l->kind == NODE_Constant && l->v.Constant.value.kind == CONST_NONE;
        return annotated_class(lnone ? r : l, depth + 1);
    }
    case NODE_Name:
        return e->v.Name.id;
    case NODE_Attribute:
        return e->v.Attribute.attr;
    case NODE_Constant: {
        const char *s = e->v.Constant.value.kind == CONST_STR ? e->v.Constant.value.s : NULL;
        for (const char *p = s; p && *p; p++)
            if (!(*p == '_' || *p == '.' || (*p >= 'a' && *p <= 'z') ||
                  (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
                return NULL; /* "List[Team]": not parsed */
        const char *dot = s ? strrchr(s, '.') : NULL;
        return dot ? dot + 1 : s;
    }
    default:
        return NULL;
    }
}

enum { REL_NONE, REL_LAZY, REL_EAGER };

/* Does a relationship's annotation hold a collection (`Mapped[List[X]]`,
 * `Mapped[set[X]]`)?  0 for one object, or not known (a string). */
static int collection_ann(const Node *ann)
{
    static const char *const many[] = {"List", "list", "Set", "set", "Sequence", "FrozenSet",
                                       "frozenset", "Iterable", "Collection", NULL};
    for (int depth = 0; ann && ann->kind == NODE_Subscript && depth < 4; depth++) {
        const Node *w = ann->v.Subscript.value;
        const char *wn = w->kind == NODE_Name ? w->v.Name.id
                         : w->kind == NODE_Attribute ? w->v.Attribute.attr : NULL;
        if (ast_name_in(wn, many))
            return 1;
        ann = ann->v.Subscript.slice;
    }
    return 0;
}

/* Attribute attr (len bytes) of cls as its body declares it: REL_LAZY (a
 * relationship loaded on first read), REL_EAGER (loaded with its object:
 * lazy="joined", "selectin", ...), else REL_NONE (a column, a method, a
 * dynamic or raising relationship, options not read, not declared there).
 * *target: the class it holds, when known; *many: whether it is known to
 * hold a collection (its annotation, uselist=True), else one object or not
 * known. */
static int relationship(Arena *a, const FlowEnv *env, OrmClass cls, const char *attr, size_t len,
                        OrmClass *target, int *many)
{
    *target = (OrmClass){NULL, NULL};
    *many = 0;
    const Scope *cs = scope_of(cls.t, cls.def);
    const NodeList *body = &cls.def->v.ClassDef.body;
    for (int i = 0; cs && i < body->n; i++) {
        const Node *st = body->items[i], *target_n = NULL, *v = NULL;
        if (!ast_single_assign(st, &target_n, &v) || target_n->kind != NODE_Name ||
            strlen(target_n->v.Name.id) != len || strncmp(target_n->v.Name.id, attr, len))
            continue;
        if (!v || v->kind != NODE_Call)
            return REL_NONE;
        const char *q = ormpaths_qual(a, cls.t, cs, v->v.Call.func);
        const char *last = q ? strrchr(q, '.') : NULL;
        if (!last || (strncmp(q, "sqlalchemy.", 11) && strncmp(q, "sqlmodel.", 9)) ||
            (strcmp(last, ".relationship") && strcmp(last, ".Relationship")))
            return REL_NONE;
        int kind = REL_LAZY; /* lazy="select", the default */
        *many = st->kind == NODE_AnnAssign && collection_ann(st->v.AnnAssign.annotation);
        for (int k = 0; k < v->v.Call.keywords.n; k++) {
            const Node *kw = v->v.Call.keywords.items[k];
            if (!kw->v.keyword.arg || !strcmp(kw->v.keyword.arg, "sa_relationship_kwargs"))
                return REL_NONE; /* options we do not read */
            if (!strcmp(kw->v.keyword.arg, "uselist"))
                *many = ast_is_true(kw->v.keyword.value);
            if (strcmp(kw->v.keyword.arg, "lazy"))
                continue;
            const Node *lv = kw->v.keyword.value;
            const char *s = lv->kind == NODE_Constant && lv->v.Constant.value.kind == CONST_STR
                                ? lv->v.Constant.value.s : NULL;
            static const char *const loading[] = {"joined", "selectin", "subquery",
                                                  "immediate", NULL};
            kind = s && (!strcmp(s, "select") || !strcmp(s, "True")) ? REL_LAZY
                   : ast_name_in(s, loading)                           ? REL_EAGER
                                                                       : REL_NONE;
        }
        const Node *named = v->v.Call.args.n > 0 ? v->v.Call.args.items[0] : NULL;
        const char *tn = named ? annotated_class(named, 0)
                         : st->kind == NODE_AnnAssign ? annotated_class(st->v.AnnAssign.annotation, 0)
                                                      : NULL;
        if (kind != REL_NONE && tn)
            *target = ormpaths_class(env, cls.t, scope_module(cls.t), tn);
        return kind;
    }
    return REL_NONE;
}

int ormpaths_mapped(const OrmClass cls)
{
    const NodeList *body = cls.def ? &cls.def->v.ClassDef.body : NULL;
    for (int i = 0; body && i < body->n; i++) {
        const Node *t = NULL, *v = NULL;
        if (ast_single_assign(body->items[i], &t, &v) && t->kind == NODE_Name &&
            (!strcmp(t->v.Name.id, "__tablename__") || !strcmp(t->v.Name.id, "__table__")))
            return 1;
    }
    const Node *table = cls.def ? ast_keyword(cls.def, "table") : NULL; /* SQLModel */
    return table && ast_is_true(table);
}

int ormpaths_mapped_attr(Arena *a, const FlowEnv *env, OrmClass cls, const char *attr)
{
    static const char *const columns[] = {"Column", "mapped_column", "column_property",
                                          "deferred", "composite", "relationship",
                                          "Relationship", "Field", NULL};
    const Scope *cs = cls.def ? scope_of(cls.t, cls.def) : NULL;
    int sqlmodel = cls.def && ast_keyword(cls.def, "table") != NULL;
    const NodeList *body = cs ? &cls.def->v.ClassDef.body : NULL;
    for (int i = 0; body && i < body->n; i++) {
        const Node *st = body->items[i], *t = NULL, *v = NULL;
        if (st->kind == NODE_AnnAssign) /* `name: Mapped[str]` has no value */
            t = st->v.AnnAssign.target, v = st->v.AnnAssign.value;
        else if (!ast_single_assign(st, &t, &v))
            continue;
        if (t->kind != NODE_Name || strcmp(t->v.Name.id, attr))
            continue;
        if (st->kind == NODE_AnnAssign) { /* Mapped[int], or a SQLModel table's field */
            const Node *an = st->v.AnnAssign.annotation;
            const Node *w = an->kind == NODE_Subscript ? an->v.Subscript.value : NULL;
            if (sqlmodel || (w && w->kind == NODE_Name && !strcmp(w->v.Name.id, "Mapped")) ||
                (w && w->kind == NODE_Attribute && !strcmp(w->v.Attribute.attr, "Mapped")))
                return 1;
        }
        const char *q = v && v->kind == NODE_Call ? ormpaths_qual(a, cls.t, cs, v->v.Call.func)
                                                  : NULL;
        const char *last = q ? strrchr(q, '.') : NULL;
        return last && (!strncmp(q, "sqlalchemy.", 11) || !strncmp(q, "sqlmodel.", 9)) &&
               ast_name_in(last + 1, columns);
    }
    return 0;
}

/* --- what the server generates at a flush ------------------------------- */

#define BASES_MAX_DEPTH 6 /* base classes followed from a mapped class */

/* The base classes of cls that the project declares, by name (`Base`,
 * `TimestampMixin`), in *out (at most n). */
static int bases_of(const FlowEnv *env, OrmClass cls, OrmClass *out, int n)
{
    int k = 0;
    const NodeList *bs = &cls.def->v.ClassDef.bases;
    for (int i = 0; i < bs->n && k < n; i++) {
        const Node *b = bs->items[i];
        if (b->kind != NODE_Name)
            continue; /* models.Base, Generic[T]: not followed */
        OrmClass bc = ormpaths_class(env, cls.t, scope_module(cls.t), b->v.Name.id);
        if (bc.def && bc.def != cls.def)
            out[k++] = bc;
    }
    return k;
}

static int eager_in(const FlowEnv *env, OrmClass cls, int depth)
{
    const NodeList *body = &cls.def->v.ClassDef.body;
    for (int i = 0; i < body->n; i++) {
        const Node *t = NULL, *v = NULL, *st = body->items[i];
        if (ast_is_def(st) && st->kind != NODE_ClassDef &&
            !strcmp(st->v.FunctionDef.name, "__mapper_args__"))
            return ORM_EAGER_UNKNOWN; /* a declared_attr */
        if (!ast_single_assign(st, &t, &v) || t->kind != NODE_Name ||
            strcmp(t->v.Name.id, "__mapper_args__"))
            continue;
        if (!v || v->kind != NODE_Dict)
            return ORM_EAGER_UNKNOWN;
        for (int k = 0; k < v->v.Dict.keys.n; k++) {
            const Node *key = v->v.Dict.keys.items[k], *val = v->v.Dict.values.items[k];
            if (!key) /* {**base_args}: not read */
                return ORM_EAGER_UNKNOWN;
            if (key->kind != NODE_Constant || key->v.Constant.value.kind != CONST_STR ||
                strcmp(key->v.Constant.value.s, "eager_defaults"))
                continue;
            int c = val->kind == NODE_Constant ? val->v.Constant.value.kind : -1;
            return c == CONST_TRUE    ? ORM_EAGER_YES
                   : c == CONST_FALSE ? ORM_EAGER_NO
                   : c == CONST_STR && !strcmp(val->v.Constant.value.s, "auto")
                       ? ORM_EAGER_AUTO
                       : ORM_EAGER_UNKNOWN;
        }
        return ORM_EAGER_AUTO; /* the nearest __mapper_args__ is the one that counts */
    }
    OrmClass bs[8];
    int n = depth < BASES_MAX_DEPTH ? bases_of(env, cls, bs, 8) : 0;
    for (int i = 0; i < n; i++) {
        int e = eager_in(env, bs[i], depth + 1);
        if (e != ORM_EAGER_AUTO)
            return e;
    }
    return ORM_EAGER_AUTO;
}

int ormpaths_eager_defaults(const FlowEnv *env, OrmClass cls)
{
    return cls.def ? eager_in(env, cls, 0) : ORM_EAGER_UNKNOWN;
}

/* Is v a SQL expression the database evaluates (`func.now()`, `text(...)`,
 * `sa.func.now()`), not a value or a callable the ORM runs itself? */
static int sql_expression(Arena *a, OrmClass cls, const Scope *cs, const Node *v)
{
    const char *q = v && v->kind == NODE_Call ? ormpaths_qual(a, cls.t, cs, v->v.Call.func) : NULL;
    return q && (!strncmp(q, "sqlalchemy.", 11) || !strncmp(q, "sqlmodel.", 9));
}

/* The keyword of a Column/mapped_column call (or a sa_column_kwargs dict's
 * key, value) that makes it server-generated at an UPDATE or an INSERT. */
static const char *generating(Arena *a, OrmClass cls, const Scope *cs, const char *k,
                              const Node *v, int update)
{
    int none = v->kind == NODE_Constant && v->v.Constant.value.kind == CONST_NONE;
    if (none)
        return NULL;
    if (update ? !strcmp(k, "server_onupdate") : !strcmp(k, "server_default"))
        return update ? "server_onupdate" : "server_default";
    if ((update ? !strcmp(k, "onupdate")
                : !strcmp(k, "default") || !strcmp(k, "insert_default")) &&
        sql_expression(a, cls, cs, v))
        return update ? "onupdate" : "default";
    return NULL;
}

static const char *column_generates(Arena *a, OrmClass cls, const Scope *cs, const Node *call,
                                    int update, int depth)
{
    const char *why = NULL;
    if (!call || call->kind != NODE_Call || depth > 2)
        return NULL;
    for (int i = 0; i < call->v.Call.keywords.n && !why; i++) {
        const Node *kw = call->v.Call.keywords.items[i], *v = kw->v.keyword.value;
        const char *k = kw->v.keyword.arg;
        if (!k)
            continue;
        if (!strcmp(k, "primary_key") && ast_is_true(v))
            return NULL; /* fetched at the INSERT, never updated */
        if (!strcmp(k, "sa_column")) /* SQLModel's Field(sa_column=Column(...)) */
            why = column_generates(a, cls, cs, v, update, depth + 1);
        else if (!strcmp(k, "sa_column_kwargs") && v->kind == NODE_Dict)
            for (int j = 0; j < v->v.Dict.keys.n && !why; j++) {
                const Node *key = v->v.Dict.keys.items[j];
                if (key && key->kind == NODE_Constant && key->v.Constant.value.kind == CONST_STR)
                    why = generating(a, cls, cs, key->v.Constant.value.s,
                                     v->v.Dict.values.items[j], update);
            }
        else
            why = generating(a, cls, cs, k, v, update);
    }
    for (int i = 0; i < call->v.Call.args.n && !why; i++) { /* Computed("a + b") */
        const Node *x = call->v.Call.args.items[i];
        const char *q = x->kind == NODE_Call ? ormpaths_qual(a, cls.t, cs, x->v.Call.func) : NULL;
        const char *last = q ? strrchr(q, '.') : NULL;
        if (last && !strncmp(q, "sqlalchemy.", 11) && !strcmp(last, ".Computed"))
            why = "Computed";
    }
    return why;
}

static const char *generated_in(Arena *a, const FlowEnv *env, OrmClass cls, const char *attr,
                                int update, int depth)
{
    const Scope *cs = scope_of(cls.t, cls.def);
    const NodeList *body = &cls.def->v.ClassDef.body;
    for (int i = 0; cs && i < body->n; i++) {
        const Node *st = body->items[i], *t = NULL, *v = NULL;
        if (st->kind == NODE_AnnAssign)
            t = st->v.AnnAssign.target, v = st->v.AnnAssign.value;
        else if (!ast_single_assign(st, &t, &v))
            continue;
        if (t->kind == NODE_Name && !strcmp(t->v.Name.id, attr))
            return column_generates(a, cls, cs, v, update, 0); /* declared here: this one */
    }
    OrmClass bs[8];
    int n = depth < BASES_MAX_DEPTH ? bases_of(env, cls, bs, 8) : 0;
    for (int i = 0; i < n; i++) {
        const char *why = generated_in(a, env, bs[i], attr, update, depth + 1);
        if (why)
            return why;
    }
    return NULL;
}

const char *ormpaths_generated(Arena *a, const FlowEnv *env, OrmClass cls, const char *attr,
                               int update)
{
    return cls.def && attr ? generated_in(a, env, cls, attr, update, 0) : NULL;
}

/* Does an entry of list cover prefix (the path p up to plen bytes)?  Loaded
 * entries name it or end in a wildcard beside it; read entries (under) may
 * go further down it. */
static int covers(const char *const *list, int n, const char *p, size_t plen, int under)
{
    for (int i = 0; i < n; i++) {
        const char *e = list[i];
        size_t el = strlen(e);
        if (el >= plen && !strncmp(e, p, plen) && (el == plen || (under && e[plen] == '.')))
            return 1;
        if (el && e[el - 1] == '*') { /* "a.*" covers "a.b"; "*" covers "b" */
            const char *dot = NULL;
            for (size_t k = 0; k < plen; k++)
                if (p[k] == '.')
                    dot = p + k;
            size_t parent = dot ? (size_t)(dot - p) + 1 : 0;
            if (el - 1 == parent && !strncmp(e, p, parent))
                return 1;
        }
    }
    return 0;
}

/* Walks path from cls: the index into path where its first lazy relationship
 * not covered ends (*steps, *names: the classes along), or 0. */
static size_t walk(Arena *a, const FlowEnv *env, OrmClass cls, const char *path,
                   const char *const *loaded, int nloaded, const char *const *read, int nread,
                   int *steps, const char **names, int *many)
{
    const char *p = path;
    for (int i = 0; *p && i < PATH_MAX_STEPS; i++) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        OrmClass next;
        names[i] = cls.def->v.ClassDef.name;
        int kind = relationship(a, env, cls, p, len, &next, many);
        size_t end = (size_t)(p - path) + len;
        if (kind == REL_NONE)
            break;
        if (kind == REL_LAZY && !covers(loaded, nloaded, path, end, 0) &&
            !covers(read, nread, path, end, 1)) {
            *steps = i + 1;
            return end;
        }
        if (!next.def || !dot)
            break;
        cls = next;
        p = dot + 1;
    }
    return 0;
}

int ormpaths_lazy(Arena *a, const FlowEnv *env, OrmClass cls, const char *path,
                  const char *const *loaded, int nloaded, const char *const *read, int nread,
                  OrmLazy *out)
{
    const char *names[PATH_MAX_STEPS];
    int steps = 0;
    if (!cls.def || !path || !*path)
        return 0;
    int many = 0;
    size_t end = walk(a, env, cls, path, loaded, nloaded, read, nread, &steps, names, &many);
    if (!end)
        return 0;
    out->many = many;
    out->prefix = arena_strndup(a, path, end);
    out->steps = steps;
    const char *fix = "", *p = path;
    for (int i = 0; i < steps; i++) {
        const char *dot = strchr(p, '.');
        int len = dot ? (int)(dot - p) : (int)strlen(p);
        fix = arena_printf(a, "%s%sselectinload(%s.%.*s)", fix, i ? "." : "", names[i], len, p);
        p = dot ? dot + 1 : p;
    }
    out->fix = fix;
    return 1;
}

int ormpaths_objects(Arena *a, const FlowEnv *env, OrmClass cls, const char *path)
{
    const char *p = path;
    if (!path || !*path)
        return 1;
    for (int i = 0; cls.def && *p && i < PATH_MAX_STEPS; i++) { /* every step a relationship */
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        int many;
        if (relationship(a, env, cls, p, len, &cls, &many) == REL_NONE)
            return 0;
        if (!dot)
            return 1;
        p = dot + 1;
    }
    return 0;
}

/* --- what a function reads of a parameter --------------------------------- */

static const char *const wrappers[] = {"list", "tuple", "sorted", "reversed", "set", "iter",
                                       NULL};

const char *ormpaths_ref(Arena *a, const Node *e, const char **path)
{
    *path = "";
    for (int depth = 0; e && depth < OPT_MAX_DEPTH; depth++) {
        switch (e->kind) {
        case NODE_Name:
            return e->v.Name.id;
        case NODE_Attribute:
        case NODE_Subscript:
        case NODE_Await: {
            const char *inner;
            const Node *v = e->kind == NODE_Attribute ? e->v.Attribute.value
                            : e->kind == NODE_Subscript ? e->v.Subscript.value
                                                        : e->v.Await.value;
            const char *root = ormpaths_ref(a, v, &inner);
            if (root)
                *path = e->kind == NODE_Attribute ? ormpaths_join(a, inner, e->v.Attribute.attr)
                                                  : inner;
            return root;
        }
        case NODE_Call: /* list(xs), sorted(xs, key=...): the same objects */
            if (e->v.Call.func->kind != NODE_Name || e->v.Call.args.n < 1 ||
                !ast_name_in(e->v.Call.func->v.Name.id, wrappers))
                return NULL;
            e = e->v.Call.args.items[0];
            continue;
        case NODE_ListComp:
        case NODE_GeneratorExp:
        case NODE_SetComp: { /* [v for v in xs if ...], [v.project for v in xs] */
            const Node *g = e->v.ListComp.generators.n == 1 ? e->v.ListComp.generators.items[0]
                                                            : NULL;
            const char *elt_path, *iter_path;
            const Node *t = g ? g->v.comprehension.target : NULL;
            const char *er = t && t->kind == NODE_Name
                                 ? ormpaths_ref(a, e->v.ListComp.elt, &elt_path) : NULL;
            if (!er || strcmp(er, t->v.Name.id))
                return NULL;
            const char *root = ormpaths_ref(a, g->v.comprehension.iter, &iter_path);
            if (root)
                *path = ormpaths_join(a, iter_path, elt_path);
            return root;
        }
        default:
            return NULL;
        }
    }
    return NULL;
}

void ormpaths_cache_free(OrmReadCache *cache)
{
    VEC_FREE(&cache->e);
}

typedef struct Reads {
    OrmReadCache *cache;
    Arena *a, *scratch;
    FlowEnv env;         /* the function's module */
    const Scope *scope;
    const Node *def;
    const char *alias[MAX_ALIASES];  /* names for objects of the parameter ... */
    const char *prefix[MAX_ALIASES]; /* ... at these paths of it */
    int nalias;
    OrmReadEntry *out;
    int level, depth;
    const char *guard;   /* walking the body of `if flag:`, flag a parameter off by default */
} Reads;

static const OrmRead *param_reads(OrmReadCache *cache, Arena *a, Arena *scratch,
                                  const FlowEnv *env, const Node *def, const char *param,
                                  int level, int *n);

/* The parameter of def that argument j of call fills (ast_call_arg's
 * count): a positional one by its place, a keyword by its name (keyword-only
 * ones too); NULL past them. */
static const Node *param_of(const Node *def, int shift, const Node *call, int j)
{
    if (j < call->v.Call.args.n)
        return ast_param(def, ast_arg_param(def, shift, call, j));
    const char *kw = call->v.Call.keywords.items[j - call->v.Call.args.n]->v.keyword.arg;
    for (int i = 0; kw && ast_param(def, i); i++)
        if (!strcmp(ast_param(def, i)->v.arg.arg, kw))
            return ast_param(def, i);
    return NULL;
}

static void add_read(Reads *r, const char *path, const Node *reader, const Node *at)
{
    OrmReadEntry *o = r->out;
    if (!path || !*path || !strncmp(path, "awaitable_attrs", 15) || o->n == ORM_MAX_READS)
        return; /* awaitable_attrs: AsyncAttrs loads with an await */
    for (int i = 0; i < o->n; i++)
        if (!strcmp(o->reads[i].path, path)) {
            if (!r->guard)
                o->reads[i].guard = NULL; /* read on every call too */
            return;
        }
    o->reads[o->n++] = (OrmRead){path, reader, at, r->guard};
}

/* `if include_probes:` in def: the parameter the test names, when its
 * default is False or None (a call that does not fill it skips the body),
 * else NULL. */
static const char *off_flag(const Node *def, const Node *test)
{
    for (int i = 0; test->kind == NODE_Name && ast_param(def, i); i++) {
        const Node *d = ast_param_default(def, i);
        if (strcmp(ast_param(def, i)->v.arg.arg, test->v.Name.id))
            continue;
        return d && d->kind == NODE_Constant && (d->v.Constant.value.kind == CONST_NONE ||
                                                 d->v.Constant.value.kind == CONST_FALSE)
                   ? test->v.Name.id : NULL;
    }
    return NULL;
}

int ormpaths_fills(const Node *def, int shift, const Node *call, const char *param)
{
    for (int j = 0; ast_call_arg(call, j); j++) {
        const Node *p = param_of(def, shift, call, j);
        if (p && !strcmp(p->v.arg.arg, param))
            return 1;
    }
    for (int k = 0; k < call->v.Call.keywords.n; k++)
        if (!call->v.Call.keywords.items[k]->v.keyword.arg)
            return 1; /* **options: may */
    for (int j = 0; j < call->v.Call.args.n; j++)
        if (call->v.Call.args.items[j]->kind == NODE_Starred)
            return 1;
    return 0;
}

/* The path e follows from the parameter (through an alias), or NULL. */
static const char *param_ref(Reads *r, const Node *e)
{
    const char *path, *root = ormpaths_ref(r->a, e, &path);
    for (int i = 0; root && i < r->nalias; i++)
        if (!strcmp(r->alias[i], root))
            return ormpaths_join(r->a, r->prefix[i], path);
    return NULL;
}

/* `name = e` or `for name in e`: name follows e's objects from here, or
 * nothing of the parameter. */
static void bind_alias(Reads *r, const Node *t, const Node *e)
{
    if (!t || t->kind != NODE_Name)
        return;
    const char *p = param_ref(r, e);
    int i = 0;
    while (i < r->nalias && strcmp(r->alias[i], t->v.Name.id))
        i++;
    if (!p) { /* bound to something else */
        if (i < r->nalias) {
            r->alias[i] = r->alias[--r->nalias];
            r->prefix[i] = r->prefix[r->nalias];
        }
        return;
    }
    if (i == r->nalias && r->nalias == MAX_ALIASES)
        return;
    if (i == r->nalias)
        r->alias[r->nalias++] = t->v.Name.id;
    r->prefix[i] = p;
}

static void reads_walk(Reads *r, const Node *n);

static void reads_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    reads_walk(arg, n);
}

/* A chain's subscripts (`v.items[x.k]`): what they read besides the chain. */
static void chain_slices(Reads *r, const Node *n)
{
    for (; n && (n->kind == NODE_Attribute || n->kind == NODE_Subscript);
         n = n->kind == NODE_Attribute ? n->v.Attribute.value : n->v.Subscript.value)
        if (n->kind == NODE_Subscript)
            reads_walk(r, n->v.Subscript.slice);
}

/* A call: its arguments handed to a function of the project read there. */
static void reads_call(Reads *r, const Node *call)
{
    int shift = 0;
    const Node *def = NULL;
    for (int j = 0; ast_call_arg(call, j); j++) {
        const char *p = param_ref(r, ast_call_arg(call, j));
        if (!p || r->level >= ORM_HANDED_DEPTH)
            continue;
        if (!def && !(def = ormpaths_callee(r->scratch, &r->env, r->scope, call, &shift)))
            return;
        const Node *pa = param_of(def, shift, call, j);
        int n = 0;
        const OrmRead *in = pa ? param_reads(r->cache, r->a, r->scratch, &r->env, def,
                                             pa->v.arg.arg, r->level + 1, &n)
                               : NULL;
        for (int i = 0; i < n; i++)
            if (!in[i].guard || ormpaths_fills(def, shift, call, in[i].guard))
                add_read(r, ormpaths_join(r->a, p, in[i].path), in[i].reader, in[i].at);
    }
}

static void reads_walk(Reads *r, const Node *n)
{
    if (!n || r->depth > READS_MAX_DEPTH || ast_is_def(n))
        return;
    const Node *t = NULL, *v = NULL;
    r->depth++;
    if (ast_single_assign(n, &t, &v)) {
        reads_walk(r, v);
        bind_alias(r, t, v);
    } else if (n->kind == NODE_For || n->kind == NODE_AsyncFor) {
        reads_walk(r, n->v.For.iter);
        bind_alias(r, n->v.For.target, n->v.For.iter);
        for (int i = 0; i < n->v.For.body.n; i++)
            reads_walk(r, n->v.For.body.items[i]);
        for (int i = 0; i < n->v.For.orelse.n; i++)
            reads_walk(r, n->v.For.orelse.items[i]);
    } else if (n->kind == NODE_comprehension) {
        reads_walk(r, n->v.comprehension.iter);
        bind_alias(r, n->v.comprehension.target, n->v.comprehension.iter);
        for (int i = 0; i < n->v.comprehension.ifs.n; i++)
            reads_walk(r, n->v.comprehension.ifs.items[i]);
    } else if (n->kind == NODE_ListComp || n->kind == NODE_SetComp ||
               n->kind == NODE_GeneratorExp || n->kind == NODE_DictComp) {
        const NodeList *gs = n->kind == NODE_DictComp ? &n->v.DictComp.generators
                                                      : &n->v.ListComp.generators;
        for (int i = 0; i < gs->n; i++) /* the generators bind what the element reads */
            reads_walk(r, gs->items[i]);
        if (n->kind == NODE_DictComp) {
            reads_walk(r, n->v.DictComp.key);
            reads_walk(r, n->v.DictComp.value);
        } else {
            reads_walk(r, n->v.ListComp.elt);
        }
    } else if (n->kind == NODE_If && !r->guard && off_flag(r->def, n->v.If.test)) {
        r->guard = n->v.If.test->v.Name.id; /* what the body reads, the call may skip */
        for (int i = 0; i < n->v.If.body.n; i++)
            reads_walk(r, n->v.If.body.items[i]);
        r->guard = NULL;
        for (int i = 0; i < n->v.If.orelse.n; i++)
            reads_walk(r, n->v.If.orelse.items[i]);
    } else if (n->kind == NODE_Attribute && ast_ctx(n) == CTX_Load && param_ref(r, n)) {
        add_read(r, param_ref(r, n), r->def, n);
        chain_slices(r, n);
    } else if (n->kind == NODE_Call) {
        const Node *f = n->v.Call.func;
        if (f->kind == NODE_Attribute && param_ref(r, f->v.Attribute.value)) {
            reads_walk(r, f->v.Attribute.value); /* v.project.rename(): reads project */
            for (int j = 0; ast_call_arg(n, j); j++)
                reads_walk(r, ast_call_arg(n, j));
        } else {
            ast_children((Node *)n, reads_kid, r);
        }
        reads_call(r, n);
    } else {
        ast_children((Node *)n, reads_kid, r);
    }
    r->depth--;
}

static const OrmRead *param_reads(OrmReadCache *cache, Arena *a, Arena *scratch,
                                  const FlowEnv *env, const Node *def, const char *param,
                                  int level, int *n)
{
    for (size_t i = 0; i < cache->e.n; i++)
        if (cache->e.items[i].def == def && !strcmp(cache->e.items[i].param, param)) {
            *n = cache->e.items[i].n; /* remembered, or being computed (a recursion): so far */
            return cache->e.items[i].reads;
        }
    size_t at = cache->e.n;
    VEC_PUSH(&cache->e, ((OrmReadEntry){def, param,
                                     arena_alloc(a, ORM_MAX_READS * sizeof(OrmRead)), 0}));
    Reads r = {.cache = cache, .a = a, .scratch = scratch, .env = *env, .def = def,
               .level = level};
    const ScopeTable *t = value_table_of(env->values, def);
    r.env.scopes = t ? t : env->scopes; /* the function's module is where its names mean something */
    r.scope = scope_of(r.env.scopes, def);
    r.alias[r.nalias] = param;
    r.prefix[r.nalias++] = "";
    OrmReadEntry entry = cache->e.items[at];
    r.out = &entry;
    for (int i = 0; r.scope && i < def->v.FunctionDef.body.n; i++)
        reads_walk(&r, def->v.FunctionDef.body.items[i]);
    cache->e.items[at].n = entry.n; /* the array may have moved while callees were added */
    *n = entry.n;
    return entry.reads;
}

const Node *ormpaths_callee(Arena *scratch, const FlowEnv *env, const Scope *s, const Node *call,
                            int *shift)
{
    const Node *f = call->v.Call.func;
    *shift = 0;
    if (f->kind != NODE_Name && f->kind != NODE_Attribute)
        return NULL;
    Val fv = flow_value(scratch, env, s, f);
    const Node *def = fv.tag == VAL_FUNC ? fv.node : NULL;
    if (!def || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef))
        return NULL;
    *shift = f->kind == NODE_Attribute &&
             (ast_decorated(def, "classmethod") || /* cls is filled too */
              flow_value(scratch, env, s, f->v.Attribute.value).tag == VAL_OBJECT);
    return def;
}

const OrmRead *ormpaths_arg_reads(OrmReadCache *cache, Arena *a, Arena *scratch,
                                  const FlowEnv *env, const Node *def, int shift,
                                  const Node *call, int j, int *n)
{
    const Node *pa = param_of(def, shift, call, j);
    *n = 0;
    return pa ? param_reads(cache, a, scratch, env, def, pa->v.arg.arg, 1, n) : NULL;
}

/* --- what a Pydantic model reads of an object --------------------------- */

typedef struct Schema {
    Arena *a;
    const char **fields;
    int n, attrs;
} Schema;

/* Does e (a value in a class body) say true for from_attributes or
 * orm_mode: `ConfigDict(from_attributes=True)`, `{"from_attributes": True}`? */
static int config_reads_attrs(const Node *v)
{
    if (v && v->kind == NODE_Call) {
        const Node *k = ast_keyword(v, "from_attributes");
        return (k && ast_is_true(k)) || ((k = ast_keyword(v, "orm_mode")) && ast_is_true(k));
    }
    for (int i = 0; v && v->kind == NODE_Dict && i < v->v.Dict.keys.n; i++) {
        const Node *key = v->v.Dict.keys.items[i];
        if (key && key->kind == NODE_Constant && key->v.Constant.value.kind == CONST_STR &&
            (!strcmp(key->v.Constant.value.s, "from_attributes") ||
             !strcmp(key->v.Constant.value.s, "orm_mode")) &&
            ast_is_true(v->v.Dict.values.items[i]))
            return 1;
    }
    return 0;
}

/* `x: ClassVar[int]`: no field. */
static int class_var(const Node *ann)
{
    if (ann && ann->kind == NODE_Subscript)
        ann = ann->v.Subscript.value;
    return ann && ((ann->kind == NODE_Name && !strcmp(ann->v.Name.id, "ClassVar")) ||
                   (ann->kind == NODE_Attribute && !strcmp(ann->v.Attribute.attr, "ClassVar")));
}

/* The fields and config of cls's body into sc; 1 when cls derives from
 * pydantic's BaseModel (itself, or through bases of the project). */
static int schema_in(const FlowEnv *env, OrmClass cls, Schema *sc, int depth)
{
    int model = 0;
    const NodeList *bs = &cls.def->v.ClassDef.bases;
    for (int i = 0; i < bs->n; i++) {
        const Node *b = bs->items[i];
        const char *q = ormpaths_qual(sc->a, cls.t, scope_module(cls.t), b);
        const char *last = q ? strrchr(q, '.') : NULL;
        if (last && !strncmp(q, "pydantic.", 9) && !strcmp(last, ".BaseModel")) {
            model = 1;
            continue;
        }
        OrmClass bc = b->kind == NODE_Name && depth < BASES_MAX_DEPTH
                          ? ormpaths_class(env, cls.t, scope_module(cls.t), b->v.Name.id)
                          : (OrmClass){NULL, NULL};
        if (bc.def && bc.def != cls.def && !ormpaths_mapped(bc))
            model |= schema_in(env, bc, sc, depth + 1);
    }
    const NodeList *body = &cls.def->v.ClassDef.body;
    for (int i = 0; i < body->n; i++) {
        const Node *st = body->items[i], *t = NULL, *v = NULL;
        if (st->kind == NODE_ClassDef && !strcmp(st->v.ClassDef.name, "Config")) {
            for (int j = 0; j < st->v.ClassDef.body.n; j++) /* v1: `orm_mode = True` */
                if (ast_single_assign(st->v.ClassDef.body.items[j], &t, &v) &&
                    t->kind == NODE_Name && ast_is_true(v) &&
                    (!strcmp(t->v.Name.id, "orm_mode") || !strcmp(t->v.Name.id, "from_attributes")))
                    sc->attrs = 1;
            continue;
        }
        if (ast_single_assign(st, &t, &v) && t->kind == NODE_Name &&
            !strcmp(t->v.Name.id, "model_config")) {
            sc->attrs |= config_reads_attrs(v);
            continue;
        }
        if (st->kind != NODE_AnnAssign || st->v.AnnAssign.target->kind != NODE_Name ||
            class_var(st->v.AnnAssign.annotation))
            continue;
        const char *name = st->v.AnnAssign.target->v.Name.id;
        v = st->v.AnnAssign.value;
        if (name[0] == '_' || !strcmp(name, "model_config") ||
            (v && v->kind == NODE_Call &&
             (ast_keyword(v, "alias") || ast_keyword(v, "validation_alias"))))
            continue; /* private, or read under another name: not followed */
        int seen = 0;
        for (int k = 0; k < sc->n && !seen; k++)
            seen = !strcmp(sc->fields[k], name);
        if (!seen && sc->n < ORM_MAX_FIELDS)
            sc->fields[sc->n++] = name;
    }
    return model;
}

int ormpaths_schema(Arena *a, const FlowEnv *env, OrmClass cls, const char ***fields, int *n,
                    int *attrs)
{
    Schema sc = {a, arena_alloc(a, ORM_MAX_FIELDS * sizeof *sc.fields), 0, 0};
    *n = *attrs = 0;
    if (!cls.def || ormpaths_mapped(cls) || !schema_in(env, cls, &sc, 0))
        return 0;
    *fields = sc.fields;
    *n = sc.n;
    *attrs = sc.attrs;
    return 1;
}
