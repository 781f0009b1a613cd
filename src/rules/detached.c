/*
 * detached.c - SL102 for ORM objects read after their session closed (see
 * detached.h).
 *
 * Per function: the sessions it makes from a factory whose making is seen
 * (a sessionmaker, async_sessionmaker, Session or AsyncSession, in this
 * module or another of the project), with whether they expire on commit
 * (expire_on_commit, on unless made False), and closes itself, by the end
 * of a `with` block or close().
 * Then, in the order the statements come, what happens to each name bound
 * to an object of one of them: loaded (`s.get(User, i)`, `s.scalars(select(
 * User)...).first()`, `s.query(User)...one()`) or added (`s.add(u)`),
 * expired by `s.commit()` (or the end of a `begin()` block), reloaded by
 * an attribute read, `s.refresh(u)` or a query while the session is open,
 * detached by the close.  A read of an expired, detached object is the finding; so is
 * returning one from a function that closes its session, inside the block
 * or after close(): FastAPI reads an endpoint's to build the response after
 * the block ended, and a helper's caller gets nothing it can read.
 *
 * A relationship of a loaded object (declared with relationship() and no
 * eager lazy=, not on a path its query's loader options load, not read
 * while the session was open: ormpaths.h) is loaded on its first read,
 * which after the close raises too, whatever expire_on_commit says:
 * sessions of every seen factory are followed, and only those that expire
 * on commit expire their objects.  Reads are paths (`v.project.backends`);
 * a collection's elements (`s.scalars(q).all()`) are loaded alike, and a
 * name bound to objects another name has (`for v in vs`, `p = v.project`)
 * reads them as that name does.
 *
 * The order of the statements stands for the order of execution: branches
 * are not told apart, so a read in a branch after the block counts.  A name
 * bound anew (other than to such an object) is forgotten.
 *
 * Two more sources of unloaded objects.  A flush (and a commit) of an
 * AsyncSession leaves the columns its UPDATEs and INSERTs let the database
 * set unloaded (SL107; `flushed`): there, a change in one branch of an if
 * and a rebinding or a flush in the other are told apart (`exclusive`).
 * And a task the function starts with asyncio.create_task and does not wait
 * for runs after the request, when the providers of the request's sessions
 * have torn them down (SL102; `run_task`): its events are placed after the
 * function's end.  Sessions a coroutine is handed are followed for these
 * two alone (FOLLOW_*).
 */
#include "rules/detached.h"

#include <stdlib.h>
#include <string.h>

#include "depends.h"
#include "fastapi.h"
#include "model.h"
#include "project.h"
#include "rules/ormpaths.h"
#include "scope.h"
#include "value.h"

#define msg arena_printf
#define WALK_MAX_DEPTH 200 /* statement and expression nesting followed */
#define MAX_SESSIONS 16    /* session names followed per function */
#define MAX_OBJECTS 32     /* object names followed per function */
#define MAX_EVENTS 4096    /* events kept per function */
#define MAX_RESULTS 8      /* names bound to query results followed per function */
#define MAX_SET 8          /* attributes of an object changed before a flush, remembered */

/* EV_ROLLBACK expires every object of the session, whatever expire_on_commit says.
 * EV_FLUSH (a commit flushes too) sends the UPDATEs of the objects EV_CHANGE
 * changed and the INSERTs of those added: what the server generates there
 * is left unloaded (SL107). */
enum { EV_COMMIT, EV_ROLLBACK, EV_CLOSE, EV_LOAD, EV_BIND, EV_READ, EV_RETURN, EV_FORGET,
       EV_FLUSH, EV_CHANGE };

/* What is reported of a session's objects: everything (a session the
 * function makes, or an endpoint's), or only what SL107 finds after a flush
 * (a parameter known to be an AsyncSession, whose factory is not known),
 * what SL107 finds of the objects the function loads through an
 * AsyncSession it is handed (FOLLOW_ASYNC: a parameter, or `self.session`)
 * and what a task started here reads after the request's provider tore it
 * down (a parameter lent by that provider).  Narrower for those, since what
 * their caller did to them before the call, and does with what the
 * function returns, is not known. */
enum { FOLLOW_FLUSH = 1, FOLLOW_LATE = 2, FOLLOW_ASYNC = 4, FOLLOW_ALL = 0xff };

#define MAX_EFFECTS 4 /* commits and closes of registries remembered per helper */

/*
 * A scoped_session registry at module level (`SESSION = scoped_session(
 * sessionmaker(...))`, also returned by a function the module calls once):
 * one identity for the whole process, its scoped_session(...) call.  Used
 * directly (`SESSION.query(...)`, `SESSION.commit()`, `SESSION.close()`,
 * `SESSION.remove()`), it stands for the session of the calling thread (or
 * of its scopefunc's key, or task), which every call of one thread shares:
 * in one function, and in the helpers it calls, since they run on its
 * thread.  remove() closes that session and drops it; close() leaves it
 * to be used again, with what it held before detached.
 */
typedef struct Registry {
    const Node *call;    /* the scoped_session(...) call */
    const char *name;    /* the name the function uses for it */
    unsigned char expires, is_async;
} Registry;

/* What a function of the project hands its caller: an ORM object loaded by
 * a session it closed before returning (detached), or by the thread's
 * session of a registry; and what it does to the registries' sessions. */
typedef struct Probe {
    const Node *def;          /* the function */
    const char *name;         /* its name, standing for its session in the caller */
    const Node *ent;          /* the object's class name, in def's module ... */
    const ScopeTable *ent_t;  /* ... whose table and scope resolve it */
    const Scope *ent_s;
    const char *path;         /* def's file */
    const Node *close;        /* where def's session closes (a close() or a with) */
    const char *read[8];      /* paths def read while its session was open */
    int nread;
    const char **loaded;      /* the relationship paths its query loaded */
    int nloaded;
    Registry reg;             /* what it returns is an object of the thread's session of
                                 this registry (reg.call NULL: of a session it closed) ... */
    unsigned char reg_expired, reg_closed; /* ... expired by a commit, detached by a close */
    Registry eff[MAX_EFFECTS]; /* what it does to the thread's session of registries */
    unsigned char eff_kind[MAX_EFFECTS]; /* EV_COMMIT, EV_ROLLBACK (some path), EV_CLOSE
                                            (every normal exit) */
    int neff;
} Probe;

typedef struct DEvent {
    int line, col, seq;   /* where: execution order for straight-line code */
    int until_line, until_col; /* EV_COMMIT, EV_CLOSE: in effect up to there (0: on) */
    unsigned char kind;
    const char *sess;     /* EV_COMMIT, EV_CLOSE, EV_BIND: the session's name */
    const char *obj;      /* EV_BIND, EV_READ, EV_RETURN, EV_FORGET: the object's */
    const Node *at;
    const Node *ent;      /* EV_BIND of a loaded object: its class's name (`User`) */
    const Probe *from;    /* EV_BIND of what a helper returned detached, or NULL */
    const Node *in_body;  /* the innermost try whose body holds it, or NULL ... */
    const Node *in_handler; /* ... and the innermost whose handler does */
    unsigned char added;  /* EV_BIND by add()/add_all(): pending until a commit */
    const char *path;     /* EV_READ: the attributes read from the object ("project.backends"),
                             NULL for the whole object; EV_BIND with src: where src's
                             objects are */
    const Node *via;      /* EV_READ in a function the object is handed to (at: the call):
                             that function ... */
    const Node *reader, *rat; /* ... and the one that reads it (via or deeper), where */
    const char *src;      /* EV_BIND: a name of the function it follows (`for v in vs`) */
    const char **loaded;  /* EV_BIND of a loaded object: the paths its query loaded */
    int nloaded;
    const Node *made;     /* EV_BIND of `u = User(...)`: that call, of a mapped class */
    const Node *task;     /* in the body of a task started by this call (asyncio.create_task),
                             which runs after the request's provider tore its session down */
} DEvent;

typedef struct Scan {
    LifecycleSink *k;
    const FlowEnv *env;
    Arena *scratch;
    const Node *func;
    const Scope *scope;
    int endpoint;                     /* FastAPI serializes what it returns */
    const char *sess[MAX_SESSIONS];   /* names of the sessions it makes and closes */
    unsigned char sess_expires[MAX_SESSIONS]; /* ... and whether a commit expires objects */
    unsigned char sess_async[MAX_SESSIONS];   /* ... and whether it is an AsyncSession */
    int nsess;
    const Node *items[MAX_SESSIONS]; /* the with items that make them: their blocks' ends
                                        close them ... */
    const FlowSummary *item_cm[MAX_SESSIONS]; /* ... or, for a context manager of the
                                                 project, do what its summary says */
    int nitems;
    DEvent *ev;
    int nev, cap;
    int depth;
    int until_line, until_col; /* inside a block that ends in return, raise, break or
                                  continue: its end (0: none), where a close or commit
                                  there stops mattering, since what follows the block
                                  does not come after it */
    const char *lent[MAX_SESSIONS]; /* borrowed sessions whose provider closes them when
                                       the endpoint returns (FastAPI 0.106 to 0.117, or
                                       scope="function") */
    int nlent;
    int after_line, after_col; /* walking a generator the return hands over: its events
                                  come after the return (0: not) */
    int pin_line, pin_col;     /* walking a comprehension past its first iterable: its
                                  events, written before it, run after it (0: not) */
    Probe *probe;              /* probing a helper for its caller: what it returns (no
                                  findings then), else NULL */
    struct ProbeCache *cache;  /* helpers probed this run (NULL while probing) */
    OrmReadCache *reads;       /* what the functions objects are handed to read of them */
    const char *rname[MAX_RESULTS]; /* names bound to a result of a query of a session ... */
    const char *rsess[MAX_RESULTS]; /* ... that session ... */
    const Node *rent[MAX_RESULTS];  /* ... the class it selects ... */
    const Node *rload[MAX_RESULTS]; /* ... the call that ran it (its loader options) ... */
    unsigned char rrows[MAX_RESULTS]; /* ... and whether it holds rows (execute) */
    int nres;
    int changes, commits; /* sessions() saw an attribute of a name changed, a .commit */
    int flushes, tasks;   /* ... a .flush, a create_task/ensure_future ... */
    int setattrs;         /* ... a setattr */
    int gathers;          /* ... a wait for tasks (gather, wait, TaskGroup...): tasks are
                             not known to outlive the function */
    const Node *waited[MAX_SESSIONS]; /* create_task calls awaited, or bound to a name that is */
    int nwaited;
    const char *awaited[MAX_SESSIONS]; /* names awaited (`await task`, `await wait_for(t, 5)`) */
    int nawaited;
    unsigned char sess_follow[MAX_SESSIONS]; /* FOLLOW_* of each session */
    const Node *sess_reg[MAX_SESSIONS]; /* the registry (its call) whose thread's session
                                           it is, or NULL */
    int nreg;                           /* sessions of registries among them */
    int nattr;                          /* ... and attributes (`self.session`) */
    const Node *recv[MAX_SESSIONS];     /* receivers of a session's loaders (`x.get(...)`,
                                           `self.s.execute(...)`): AsyncSessions handed to
                                           the function are asked about these alone */
    int nrecv;
    const char *notreg[MAX_SESSIONS];   /* names asked about and found not registries */
    int nnotreg;
    const Node *sess_prov[MAX_SESSIONS]; /* the provider that lends it and tears it down when
                                            the request ends, or NULL */
    const Node *task;     /* walking the body of a task this call starts, or NULL */
    int late_col;         /* the next place after the function's end for such a body */
    const ProjectFacts *facts;
    const Node *in_body, *in_handler; /* where events() is: a try's body, its handler */
} Scan;

#define MAX_PROBES 64 /* helpers remembered per module */

typedef struct ProbeCache {
    const Node *def[MAX_PROBES];
    const Probe *res[MAX_PROBES]; /* NULL: returns nothing detached */
    int n;
} ProbeCache;

#define MAX_READ 16 /* paths remembered as read while the session was open */

typedef struct Obj {
    const char *name, *sess; /* sess NULL: not followed now */
    const Node *bound;
    const DEvent *pending;   /* the add() that made it pending, until a commit: NULL */
    const DEvent *committed; /* the last commit of its session since (it may have failed) */
    const DEvent *expired_by, *closed_by; /* the commit and the close, NULL if none: their
                                             nodes, and how far they reach */
    const Node *ent;         /* its class's name, when what its query loaded is known */
    const char **loaded;     /* ... the relationship paths its query loaded */
    int nloaded;
    const char *read[MAX_READ]; /* paths read while the session was open: loaded */
    int nread;
    const Probe *from;       /* returned detached by this helper, or NULL */
    const char *prefix;      /* a name for objects of another (`for v in vs`, `p = v.project`):
                                their path from it ("" for the same objects) ... */
    struct Obj *root;        /* ... and the name loaded (its reads are the root's), or NULL */
    const Node *made;        /* `u = User(...)`: the call, for what its INSERT generates */
    int persisted;           /* added, and flushed since (changes are UPDATEs then) */
    const DEvent *changed;   /* a change not flushed yet (an UPDATE to come) ... */
    const char *chg_sess;    /* ... of an object of this session ... */
    const Node *chg_ent;     /* ... of this class */
    const DEvent *alt;       /* likewise, of what the name held in another branch of an if
                                (`if u: u.x = 1 else: u = User(); s.add(u)`) ... */
    const char *alt_sess;
    const Node *alt_ent, *alt_bound;
    const DEvent *chg_done, *alt_done; /* the flush that sent that change: another flush
                                          sends it again only on another branch */
    const char *set[MAX_SET]; /* the attributes changed since the last flush (MAX_SET + 1:
                                 more) ... */
    int nset;
    const char *fset[MAX_SET]; /* ... and those the flush below sent: their values are the
                                  ones given, not the database's */
    int nfset;
    const DEvent *flushed_by; /* the flush that left columns the server made unloaded ... */
    const Node *flush_ent;    /* ... in the object of this class ... */
    int flush_update;         /* ... by an UPDATE (else an INSERT) */
} Obj;

/* Does event by (a commit or a close) still hold at event e? */
static int holds(const DEvent *by, const DEvent *e)
{
    return by && (!by->until_line || e->line < by->until_line ||
                  (e->line == by->until_line && e->col <= by->until_col));
}

/* Is e in a handler of the try whose body holds the commit by: the path
 * where that commit (or what followed it) raised, so it expired nothing? */
static int failed(const DEvent *by, const DEvent *e)
{
    return (by->kind == EV_COMMIT || by->kind == EV_FLUSH) && by->in_body &&
           by->in_body == e->in_handler;
}

/* The index of the session named name in c->sess, or -1. */
static int session_index(const Scan *c, const char *name)
{
    for (int i = 0; i < c->nsess; i++)
        if (!strcmp(c->sess[i], name))
            return i;
    return -1;
}

/* The session e names, as this function's list spells it, or NULL: a
 * name, or an attribute of one (`self.session`, followed when the value
 * model knows it is an AsyncSession: param_sessions). */
static const char *session_of(const Scan *c, const Node *e)
{
    if (e && e->kind == NODE_Name) {
        int i = session_index(c, e->v.Name.id);
        return i >= 0 ? c->sess[i] : NULL;
    }
    if (!e || !c->nattr || e->kind != NODE_Attribute || e->v.Attribute.value->kind != NODE_Name)
        return NULL;
    const char *x = e->v.Attribute.value->v.Name.id;
    size_t n = strlen(x);
    for (int i = 0; i < c->nsess; i++)
        if (!strncmp(c->sess[i], x, n) && c->sess[i][n] == '.' &&
            !strcmp(c->sess[i] + n + 1, e->v.Attribute.attr))
            return c->sess[i];
    return NULL;
}

static void push(Scan *c, int kind, const Node *at, int line, int col, const char *sess,
                 const char *obj)
{
    if (c->nev == MAX_EVENTS)
        return;
    if (c->nev == c->cap) {
        int cap = c->cap ? 2 * c->cap : 32;
        DEvent *ev = arena_alloc(c->scratch, (size_t)cap * sizeof *ev);
        if (c->nev)
            memcpy(ev, c->ev, (size_t)c->nev * sizeof *ev);
        c->ev = ev;
        c->cap = cap;
    }
    if (c->after_line) { /* runs after the return: placed there, in source order */
        line = c->after_line;
        col = c->after_col++;
    } else if (c->pin_line) { /* placed after the comprehension's first iterable, in
                                 the order they run (seq) */
        line = c->pin_line;
        col = c->pin_col;
    }
    c->ev[c->nev] = (DEvent){.line = line, .col = col, .seq = c->nev,
                             .until_line = c->until_line, .until_col = c->until_col,
                             .kind = (unsigned char)kind, .sess = sess, .obj = obj, .at = at,
                             .in_body = c->in_body, .in_handler = c->in_handler,
                             .task = c->task};
    c->nev++;
}

static void push_at(Scan *c, int kind, const Node *at, const char *sess, const char *obj)
{
    push(c, kind, at, at->lineno, at->col_offset, sess, obj);
}

/* An EV_READ of path of obj at at (sess: the session's own read, a
 * refresh); the event, or NULL when the events are full. */
static DEvent *push_read(Scan *c, const Node *at, const char *sess, const char *obj,
                         const char *path)
{
    if (c->nev == MAX_EVENTS)
        return NULL;
    push_at(c, EV_READ, at, sess, obj);
    c->ev[c->nev - 1].path = path;
    return &c->ev[c->nev - 1];
}

/* An EV_CHANGE of attribute attr of obj by the statement or call at, once
 * it has run. */
static void push_change(Scan *c, const Node *at, const char *obj, const char *attr)
{
    if (c->nev == MAX_EVENTS || *attr == '_')
        return; /* u._cache = ...: not a column */
    push(c, EV_CHANGE, at, ast_end_lineno(at), at->end_col_offset, NULL, obj);
    c->ev[c->nev - 1].path = attr;
}

/* --- which sessions expire on commit -------------------------------------- */


/* Do the sessions the call acq makes expire on commit (ormpaths.h)? */
static int expires(const Scan *c, const Node *acq)
{
    return ormpaths_expires(c->scratch, c->env, c->scope, acq);
}

/* Is e (a with item's expression or an assigned value) a session of a
 * factory whose making is seen?  Its expires() answer (1 or 0), or -1. */
static int seen_session(Scan *c, const Node *e)
{
    e = ast_unawait(e);
    if (!e || e->kind != NODE_Call)
        return -1;
    const Node *f = e->v.Call.func;
    int x = expires(c, e); /* the cheaper test first: most calls are not sessions */
    if (x < 0)
        return -1;
    if (f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "begin")) {
        /* SessionLocal.begin(): a session, committed and closed at the block's end */
        Val m = flow_value(c->scratch, c->env, c->scope, f->v.Attribute.value);
        return m.tag == VAL_FACTORY && m.kind == FAC_SESSIONMAKER ? x : -1;
    }
    Val v = flow_value(c->scratch, c->env, c->scope, e);
    return v.tag == VAL_RESOURCE && v.kind == RES_SESSION ? x : -1;
}

static void add_session_named(Scan *c, const char *name, int expires, int is_async)
{
    if (c->nsess < MAX_SESSIONS && session_index(c, name) < 0) {
        c->sess_expires[c->nsess] = (unsigned char)expires;
        c->sess_async[c->nsess] = (unsigned char)is_async;
        c->sess_follow[c->nsess] = FOLLOW_ALL;
        c->sess_prov[c->nsess] = NULL;
        c->sess_reg[c->nsess] = NULL;
        c->sess[c->nsess++] = name;
    }
}

/* Is the session that e makes an AsyncSession? */
static int async_session(Scan *c, const Node *e)
{
    e = ast_unawait(e);
    if (e && e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute &&
        !strcmp(e->v.Call.func->v.Attribute.attr, "begin"))
        e = e->v.Call.func->v.Attribute.value; /* async_session.begin(): the maker's */
    Val v = flow_value(c->scratch, c->env, c->scope, e);
    return v.is_async;
}

static void add_session(Scan *c, const Node *name, int expires, const Node *made)
{
    if (name && name->kind == NODE_Name)
        add_session_named(c, name->v.Name.id, expires, async_session(c, made));
}

/* Does a commit of the session named s expire its objects? */
static int commit_expires(const Scan *c, const char *s)
{
    int i = session_index(c, s);
    return i >= 0 && c->sess_expires[i];
}

/* --- the thread's session of a scoped_session registry ----------------------- */

/* The thread's session of registry r among this function's: its name, the
 * session added (under r's name) when it is new; NULL when that name
 * is another session's or there is no room. */
static const char *registry_session(Scan *c, const Registry *r)
{
    for (int i = 0; i < c->nsess; i++)
        if (c->sess_reg[i] == r->call)
            return c->sess[i];
    if (session_index(c, r->name) >= 0 || c->nsess == MAX_SESSIONS)
        return NULL;
    add_session_named(c, r->name, r->expires, r->is_async);
    c->sess_reg[c->nsess - 1] = r->call;
    c->nreg++;
    return r->name;
}

/* The followed session of registry call here, or NULL. */
static const char *registry_followed(const Scan *c, const Node *call)
{
    for (int i = 0; i < c->nsess; i++)
        if (c->sess_reg[i] == call)
            return c->sess[i];
    return NULL;
}

/* `SESSION.query(...)`, `SESSION.commit()`, ...: a method of a session
 * called on a name that holds a registry whose factory is seen (so its
 * expire_on_commit is known): the thread's session is one of this
 * function's.  Each name is asked once.  Flask-SQLAlchemy's `db.session`
 * is not followed: an attribute, and torn down by the application context. */
static void registry_use(Scan *c, const Node *call)
{
    static const char *const methods[] = {"query", "get", "scalars", "scalar", "execute",
                                          "commit", "close", "remove", "add", "merge",
                                          "rollback", "refresh", "flush", NULL};
    const Node *f = call->v.Call.func;
    const Node *r = f->kind == NODE_Attribute ? f->v.Attribute.value : NULL;
    if (!r || r->kind != NODE_Name || !ast_name_in(f->v.Attribute.attr, methods) ||
        session_index(c, r->v.Name.id) >= 0)
        return;
    for (int i = 0; i < c->nnotreg; i++)
        if (!strcmp(c->notreg[i], r->v.Name.id))
            return;
    Val v = flow_value(c->scratch, c->env, c->scope, r);
    int x = v.tag == VAL_FACTORY && v.kind == FAC_SCOPED && v.sub != SCOPED_FLASK && v.node
                ? ormpaths_registry_expires(c->scratch, c->env, c->scope, r, v.node)
                : -1;
    if (x >= 0)
        registry_session(c, &(Registry){v.node, r->v.Name.id, (unsigned char)x, v.is_async});
    else if (c->nnotreg < MAX_SESSIONS)
        c->notreg[c->nnotreg++] = r->v.Name.id;
}

/* --- objects of a session --------------------------------------------------- */

/*
 * The loaders: what a method gives of the mapped class its receiver
 * selects (SQLAlchemy's API reference: Session, Query, Result,
 * ScalarResult; SQLModel's Session.exec).  OF_SESSION: a method of the
 * session itself, the class (or a select of it) its first argument;
 * OF_QUERY: of the legacy Query that `s.query(User)` starts (1.x, kept in
 * 2.0); OF_RESULT: of what `s.execute()`, `s.scalars()` or `s.exec()`
 * return (of execute's rows, only past `.scalars()` for collections).
 * many: a collection of objects, each loaded alike, else one object.
 */
enum { OF_SESSION = 1, OF_QUERY = 2, OF_RESULT = 4 };

typedef struct Loader {
    const char *name;
    unsigned char of, many;
} Loader;

static const Loader loaders[] = {
    {"get", OF_SESSION | OF_QUERY, 0}, /* Session.get(User, pk) (1.4), Query.get(pk) (legacy) */
    {"get_one", OF_SESSION, 0},        /* 2.0.22: raises instead of None */
    {"merge", OF_SESSION, 0},          /* the session's copy of its argument */
    {"scalar", OF_SESSION | OF_QUERY | OF_RESULT, 0},
    {"scalars", OF_SESSION | OF_RESULT, 1},
    {"exec", OF_SESSION, 1}, /* SQLModel: a ScalarResult for a select of one class */
    {"first", OF_QUERY | OF_RESULT, 0},
    {"one", OF_QUERY | OF_RESULT, 0},
    {"one_or_none", OF_QUERY | OF_RESULT, 0},
    {"scalar_one", OF_RESULT, 0},
    {"scalar_one_or_none", OF_RESULT, 0},
    {"all", OF_QUERY | OF_RESULT, 1},
    {"fetchall", OF_RESULT, 1},
    {"fetchmany", OF_RESULT, 1},
    {"unique", OF_RESULT, 1},
    {NULL, 0, 0},
};

/* The loader name is, on a receiver of kind of (OF_*), or NULL. */
static const Loader *loader(const char *name, int of)
{
    for (const Loader *l = loaders; l->name; l++)
        if (l->name[0] == name[0] && !strcmp(l->name, name))
            return l->of & of ? l : NULL;
    return NULL;
}

/* The kind of what the session's method m returns (OF_QUERY, OF_RESULT),
 * 0 for none the loaders read. */
static int result_kind(const char *m)
{
    static const char *const results[] = {"scalars", "execute", "exec", NULL};
    return !strcmp(m, "query") ? OF_QUERY : ast_name_in(m, results) ? OF_RESULT : 0;
}

/* The session whose object (or objects) the value v is, or NULL: a loader
 * above of a session, of a query or result of one (`s.query(User)
 * .filter_by(...).one()`, `s.scalars(select(User)).first()`), or of a name
 * bound to such a result; and collections of such objects, each loaded
 * alike, also wrapped in list(), tuple() or sorted().  *load: the call
 * whose loader options loaded it. */
static const char *object_of(const Scan *c, const Node *v, const Node **ent, const Node **load)
{
    *ent = NULL;
    static const char *const wrappers[] = {"list", "tuple", "sorted", NULL};
    v = ast_unawait(v);
    for (int i = 0; v && i < 8; i++) { /* list(...), [x for x in ... if ...]: the same objects */
        const Node *g = (v->kind == NODE_ListComp || v->kind == NODE_GeneratorExp) &&
                                v->v.ListComp.generators.n == 1
                            ? v->v.ListComp.generators.items[0] : NULL;
        if (v->kind == NODE_Call && v->v.Call.func->kind == NODE_Name &&
            v->v.Call.args.n == 1 && ast_name_in(v->v.Call.func->v.Name.id, wrappers))
            v = ast_unawait(v->v.Call.args.items[0]);
        else if (g && ast_same_ref(v->v.ListComp.elt, g->v.comprehension.target) &&
                 g->v.comprehension.target->kind == NODE_Name)
            v = ast_unawait(g->v.comprehension.iter);
        else
            break;
    }
    *load = v;
    if (!v || v->kind != NODE_Call || v->v.Call.func->kind != NODE_Attribute)
        return NULL;
    const Node *f = v->v.Call.func;
    const char *m = f->v.Attribute.attr;
    const char *s = session_of(c, f->v.Attribute.value);
    if (s) {
        if (!loader(m, OF_SESSION) || v->v.Call.args.n < 1)
            return NULL;
        const Node *a = v->v.Call.args.items[0];
        if (!strcmp(m, "merge"))
            return s;
        *ent = model_selected_entity(a);
        return *ent ? s : NULL;
    }
    const Loader *l = loader(m, OF_QUERY | OF_RESULT);
    if (!l || (!strcmp(m, "get") && v->v.Call.args.n < 1))
        return NULL;
    int scalars = !strcmp(m, "scalars");
    const Node *r = ast_unawait(f->v.Attribute.value);
    for (; r && r->kind == NODE_Call && r->v.Call.func->kind == NODE_Attribute;
         r = ast_unawait(r->v.Call.func->v.Attribute.value)) {
        const Node *rf = r->v.Call.func;
        if ((s = session_of(c, rf->v.Attribute.value))) {
            const char *rm = rf->v.Attribute.attr;
            if (!(result_kind(rm) & l->of) || r->v.Call.args.n < 1 ||
                (l->many && !scalars && !strcmp(rm, "execute")))
                return NULL;
            *ent = model_selected_entity(r->v.Call.args.items[0]);
            return *ent ? s : NULL;
        }
        scalars |= !strcmp(rf->v.Attribute.attr, "scalars");
    }
    for (int i = 0; r && r->kind == NODE_Name && i < c->nres; i++) /* result.scalar_one() */
        if (!strcmp(c->rname[i], r->v.Name.id)) {
            if (l->many && !scalars && c->rrows[i])
                return NULL; /* result.all(): rows */
            if (!(result_kind(c->rload[i]->v.Call.func->v.Attribute.attr) & l->of))
                return NULL; /* q.get(pk) of a query, not of a result */
            *ent = c->rent[i];
            *load = c->rload[i];
            return c->rsess[i];
        }
    return NULL;
}

/* `result = s.execute(select(User)...)` (awaited or not): the name of a
 * query's result, whose `.scalar_one()`, `.scalars().first()` ... are
 * objects of s; bound anew to anything else, it is forgotten. */
static void note_result(Scan *c, const Node *t, const Node *v)
{
    if (!t || t->kind != NODE_Name)
        return;
    for (int i = 0; i < c->nres; i++)
        if (!strcmp(c->rname[i], t->v.Name.id))
            c->rname[i] = "";
    v = ast_unawait(v);
    const Node *f = v && v->kind == NODE_Call ? v->v.Call.func : NULL;
    const char *s = f && f->kind == NODE_Attribute ? session_of(c, f->v.Attribute.value) : NULL;
    const Node *ent = s && result_kind(f->v.Attribute.attr) && v->v.Call.args.n > 0
                          ? model_selected_entity(v->v.Call.args.items[0])
                          : NULL;
    if (!ent || c->nres == MAX_RESULTS)
        return;
    c->rname[c->nres] = t->v.Name.id;
    c->rsess[c->nres] = s;
    c->rload[c->nres] = v;
    c->rrows[c->nres] = !strcmp(f->v.Attribute.attr, "execute");
    c->rent[c->nres++] = ent;
}

/* The last event, an EV_BIND of an object loaded by load: its class and
 * the relationship paths load's options load, when they are known (else
 * its relationships are not followed). */
static void bind_loaded(Scan *c, const Node *ent, const Node *load)
{
    DEvent *e = c->nev ? &c->ev[c->nev - 1] : NULL;
    if (e && e->kind == EV_BIND && ent &&
        ormpaths_loaded(c->k->a, load, &e->loaded, &e->nloaded))
        e->ent = ent;
}

/* --- the walks ---------------------------------------------------------- */

static void sessions_kid(Node *parent, Node *n, void *arg);
static void sessions(Scan *c, const Node *n);

static const Probe *probe_of(Scan *c, const Node *value);

/* Does the function bind a name to an ORM object a helper returns (detached,
 * or of a registry's session)? */
typedef struct Detaching {
    Scan *c;
    int found, depth;
} Detaching;

static void detaching_kid(Node *parent, Node *n, void *arg)
{
    Detaching *w = arg;
    const Probe *pr;
    (void)parent;
    if (w->found || w->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_Assign && n->v.Assign.targets.n == 1 &&
        n->v.Assign.targets.items[0]->kind == NODE_Name && (pr = probe_of(w->c, n->v.Assign.value)) &&
        pr->ent) {
        w->found = 1;
        return;
    }
    w->depth++;
    ast_children(n, detaching_kid, w);
    w->depth--;
}

static int calls_detaching(Scan *c, const Node *f)
{
    Detaching w = {c, 0, 0};
    for (int j = 0; j < f->v.FunctionDef.body.n && !w.found; j++)
        detaching_kid(NULL, f->v.FunctionDef.body.items[j], &w);
    return w.found;
}

/* Does the provider def (a generator, of any module of the project) lend a
 * session of a seen factory?  Whether those expire on commit (1 or 0; -1:
 * not known), and in *is_async whether they are AsyncSessions. */
static int provider_expires(const Scan *c, const Node *def, int *is_async)
{
    const ScopeTable *t = value_table_of(c->env->values, def);
    FlowEnv env = *c->env; /* the provider's module is where its names mean something */
    env.scopes = t ? t : c->env->scopes;
    Scan p = {.k = c->k, .env = &env, .scratch = c->scratch, .func = def,
              .scope = scope_of(env.scopes, def)};
    *is_async = 0;
    if (!p.scope)
        return -1;
    for (int j = 0; j < def->v.FunctionDef.body.n; j++)
        sessions(&p, def->v.FunctionDef.body.items[j]);
    if (!p.nsess)
        return -1;
    *is_async = p.sess_async[0];
    return p.sess_expires[0];
}

/* `session_scope()` (awaited or not): a generator of the project, a
 * @contextmanager, whose summary says it lends a session it releases after
 * its yield, made by a seen factory.  Its summary; *expires and *is_async. */
static const FlowSummary *lending_cm(Scan *c, const Node *e, int *expires, int *is_async)
{
    e = ast_unawait(e);
    if (!e || e->kind != NODE_Call || !c->env->summary_of)
        return NULL;
    Val f = flow_value(c->scratch, c->env, c->scope, e->v.Call.func);
    const FlowSummary *sum = f.tag == VAL_FUNC && f.node
                                 ? c->env->summary_of(c->env->summary_arg, f.node) : NULL;
    if (!sum || sum->yields_kind != RES_SESSION || !sum->releases_after ||
        (f.node->kind != NODE_FunctionDef && f.node->kind != NODE_AsyncFunctionDef))
        return NULL;
    *expires = provider_expires(c, f.node, is_async);
    return *expires >= 0 ? sum : NULL;
}

/* `asyncio.create_task(work(...))`, `asyncio.ensure_future(...)`,
 * `asyncio.get_running_loop().create_task(...)`: the coroutine call it
 * runs apart from the function, or NULL.  (A TaskGroup's create_task is
 * waited for by its block.) */
static const Node *task_coro(const Scan *c, const Node *call)
{
    static const char *const starts[] = {"asyncio.create_task", "asyncio.ensure_future",
                                         "asyncio.tasks.create_task",
                                         "asyncio.tasks.ensure_future", NULL};
    static const char *const loops[] = {"asyncio.get_event_loop", "asyncio.get_running_loop",
                                        "asyncio.events.get_event_loop",
                                        "asyncio.events.get_running_loop", NULL};
    const Node *f = call->kind == NODE_Call && call->v.Call.args.n > 0 ? call->v.Call.func : NULL;
    const char *m = !f ? NULL
                    : f->kind == NODE_Attribute ? f->v.Attribute.attr
                    : f->kind == NODE_Name      ? f->v.Name.id
                                                : NULL;
    if (!m || (strcmp(m, "create_task") && strcmp(m, "ensure_future")))
        return NULL; /* the cheap test first */
    const Node *recv = f->kind == NODE_Attribute ? f->v.Attribute.value : NULL;
    if (!ast_name_in(ormpaths_qual(c->scratch, c->env->scopes, c->scope, f), starts) &&
        !(recv && recv->kind == NODE_Call &&
          ast_name_in(ormpaths_qual(c->scratch, c->env->scopes, c->scope, recv->v.Call.func),
                      loops)))
        return NULL;
    const Node *coro = ast_unawait(call->v.Call.args.items[0]);
    return coro && coro->kind == NODE_Call ? coro : NULL;
}

/* Is the task a create_task call starts waited for by the function? */
static int task_waited(const Scan *c, const Node *call)
{
    for (int i = 0; i < c->nwaited; i++)
        if (c->waited[i] == call)
            return 1;
    return c->gathers;
}

/* The waits for tasks in a function that starts some (`await t`, gather,
 * wait, a TaskGroup), so that one started here is known not to be waited
 * for only when none is seen. */
static void note_tasks(Node *parent, Node *n, void *arg)
{
    static const char *const waits[] = {"gather", "as_completed", "TaskGroup", "wait", NULL};
    Scan *c = arg;
    (void)parent;
    if (c->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_Await) {
        const Node *v = n->v.Await.value;
        if (v->kind == NODE_Name && c->nawaited < MAX_SESSIONS)
            c->awaited[c->nawaited++] = v->v.Name.id;
        if (v->kind == NODE_Call && task_coro(c, v) && c->nwaited < MAX_SESSIONS)
            c->waited[c->nwaited++] = v;
        for (int i = 0; v->kind == NODE_Call && i < v->v.Call.args.n; i++)
            if (v->v.Call.args.items[i]->kind == NODE_Name && c->nawaited < MAX_SESSIONS)
                c->awaited[c->nawaited++] = v->v.Call.args.items[i]->v.Name.id; /* wait_for(t) */
    } else if (n->kind == NODE_Call) {
        const Node *f = n->v.Call.func;
        const char *m = f->kind == NODE_Attribute ? f->v.Attribute.attr
                        : f->kind == NODE_Name    ? f->v.Name.id
                                                  : NULL;
        c->gathers |= ast_name_in(m, waits) &&
                      (strcmp(m, "wait") || f->kind != NODE_Attribute ||
                       (f->v.Attribute.value->kind == NODE_Name &&
                        !strcmp(f->v.Attribute.value->v.Name.id, "asyncio")));
    }
    c->depth++;
    ast_children(n, note_tasks, c);
    c->depth--;
}

/* What sessions() notes of a node, by the cheapest test first: an
 * attribute `.commit`, `.flush`; a call of create_task, ensure_future,
 * setattr. */
static void note_name(Scan *c, const Node *n)
{
    const Node *f = n->kind == NODE_Call ? n->v.Call.func : NULL;
    const char *s = n->kind == NODE_Attribute ? n->v.Attribute.attr
                    : !f                      ? NULL
                    : f->kind == NODE_Name    ? f->v.Name.id
                    : f->kind == NODE_Attribute ? f->v.Attribute.attr
                                                : NULL;
    switch (s ? s[0] : 0) {
    case 'c':
        c->commits |= !f && !strcmp(s, "commit");
        c->tasks |= f && !strcmp(s, "create_task");
        break;
    case 'e':
        c->tasks |= f && !strcmp(s, "ensure_future");
        break;
    case 'f':
        c->flushes |= !f && !strcmp(s, "flush");
        break;
    case 's':
        c->setattrs |= f && !strcmp(s, "setattr");
        break;
    default:
        break;
    }
}

/* `t = asyncio.create_task(...)` with t awaited somewhere: waited for. */
static void note_task_name(Scan *c, const Node *t, const Node *v)
{
    for (int i = 0; t && t->kind == NODE_Name && i < c->nawaited; i++)
        if (!strcmp(c->awaited[i], t->v.Name.id) && task_coro(c, ast_unawait(v)) &&
            c->nwaited < MAX_SESSIONS) {
            c->waited[c->nwaited++] = ast_unawait(v);
            return;
        }
}

/* First walk: the sessions the function makes and closes. */
/* The attribute of a name that statement n changes (`o.x = v`, `o.x += v`,
 * `o.x: T = v`), or NULL. */
static const Node *changed_attr(const Node *n)
{
    const Node *t = n->kind == NODE_Assign      ? (n->v.Assign.targets.n == 1
                                                       ? n->v.Assign.targets.items[0] : NULL)
                    : n->kind == NODE_AugAssign ? n->v.AugAssign.target
                    : n->kind == NODE_AnnAssign ? n->v.AnnAssign.target
                                                : NULL;
    return t && t->kind == NODE_Attribute && t->v.Attribute.value->kind == NODE_Name ? t : NULL;
}

/* `x.get(User, i)`, `self.session.execute(q)`: a receiver (a name, or an
 * attribute of one) of a session's loader, remembered once. */
static void note_receiver(Scan *c, const Node *call)
{
    const Node *f = call->v.Call.func, *r = f->kind == NODE_Attribute ? f->v.Attribute.value
                                                                      : NULL;
    if (!r || !(r->kind == NODE_Name || (r->kind == NODE_Attribute &&
                                         r->v.Attribute.value->kind == NODE_Name)) ||
        c->nrecv == MAX_SESSIONS ||
        !(loader(f->v.Attribute.attr, OF_SESSION) || result_kind(f->v.Attribute.attr)))
        return;
    for (int i = 0; i < c->nrecv; i++)
        if (ast_same_ref(c->recv[i], r))
            return;
    c->recv[c->nrecv++] = r;
}

static void sessions(Scan *c, const Node *n)
{
    if (!n || c->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    int x;
    if (n->kind == NODE_withitem && (x = seen_session(c, n->v.withitem.context_expr)) >= 0) {
        add_session(c, n->v.withitem.optional_vars, x, n->v.withitem.context_expr);
        if (c->nitems < MAX_SESSIONS) {
            c->item_cm[c->nitems] = NULL;
            c->items[c->nitems++] = n;
        }
    } else if (n->kind == NODE_withitem && n->v.withitem.optional_vars &&
               n->v.withitem.optional_vars->kind == NODE_Name && c->nitems < MAX_SESSIONS) {
        /* `with session_scope() as s`: a context manager of the project lending a
           session of a seen factory; its summary says what its exit does */
        int is_async = 0;
        const FlowSummary *cm = lending_cm(c, n->v.withitem.context_expr, &x, &is_async);
        if (cm) {
            add_session_named(c, n->v.withitem.optional_vars->v.Name.id, x, is_async);
            c->item_cm[c->nitems] = cm;
            c->items[c->nitems++] = n;
        }
    }
    if (n->kind == NODE_Assign && n->v.Assign.targets.n == 1 &&
        (x = seen_session(c, n->v.Assign.value)) >= 0)
        add_session(c, n->v.Assign.targets.items[0], x, n->v.Assign.value);
    c->changes |= changed_attr(n) != NULL; /* for lost_writes, on the same walk */
    if (n->kind == NODE_Attribute || n->kind == NODE_Call)
        note_name(c, n);
    if (n->kind == NODE_Call) {
        registry_use(c, n);
        note_receiver(c, n);
    }
    c->depth++;
    ast_children((Node *)n, sessions_kid, c);
    c->depth--;
}

static void sessions_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    sessions(arg, n);
}

static void forget_target(Scan *c, const Node *t, const Node *at)
{
    if (!t)
        return;
    if (t->kind == NODE_Name)
        push_at(c, EV_FORGET, at, NULL, t->v.Name.id);
    else if (t->kind == NODE_Tuple || t->kind == NODE_List)
        for (int i = 0; i < t->v.Tuple.elts.n; i++)
            forget_target(c, t->v.Tuple.elts.items[i], at);
    else if (t->kind == NODE_Starred)
        forget_target(c, t->v.Starred.value, at);
}

static void events_kid(Node *parent, Node *n, void *arg);

/* obj handed to add() of session s: pending until a commit flushes it. */
static void push_added(Scan *c, const Node *call, const char *s, const char *obj)
{
    push(c, EV_BIND, call, ast_end_lineno(call), call->end_col_offset, s, obj);
    if (c->nev)
        c->ev[c->nev - 1].added = 1;
}

/* `await save(session, obj)`: a function of the project (a module's, or
 * a method: its arguments mapped past the receiver) whose summary adds a
 * parameter to the session it is given adds that argument, a name, to this
 * session (it joins it, so a commit expires it), and one that commits (or
 * rolls back) that session does so to this one, the adds first. */
static void helper_commits(Scan *c, const Node *n)
{
    int any = 0;
    for (int j = 0; ast_call_arg(n, j) && !any; j++)
        any = session_of(c, ast_call_arg(n, j)) != NULL;
    int shift;
    const Node *def = any && c->env->summary_of
                          ? ormpaths_callee(c->scratch, c->env, c->scope, n, &shift) : NULL;
    const FlowSummary *sum = def ? c->env->summary_of(c->env->summary_arg, def) : NULL;
    if (!sum)
        return;
    for (int j = 0; ast_call_arg(n, j); j++) {
        const char *s = session_of(c, ast_call_arg(n, j));
        int i = ast_arg_param(def, shift, n, j);
        if (!s || i < 0 || i >= 8 || !sum->adds[i])
            continue;
        for (int k = 0; ast_call_arg(n, k); k++) {
            const Node *o = ast_call_arg(n, k);
            int oi = ast_arg_param(def, shift, n, k);
            if (o->kind == NODE_Name && oi >= 0 && oi < 8 && (sum->adds[i] >> oi & 1))
                push_added(c, n, s, o->v.Name.id);
        }
    }
    for (int j = 0; ast_call_arg(n, j); j++) {
        const char *s = session_of(c, ast_call_arg(n, j));
        int i = ast_arg_param(def, shift, n, j);
        if (!s || i < 0 || i >= 32)
            continue;
        if (sum->commits >> i & 1)
            push(c, EV_COMMIT, n, ast_end_lineno(n), n->end_col_offset, s, NULL);
        if (sum->rolls_back >> i & 1)
            push(c, EV_ROLLBACK, n, ast_end_lineno(n), n->end_col_offset, s, NULL);
        for (int k = 0; sum->refreshes && ast_call_arg(n, k); k++) {
            const Node *o = ast_call_arg(n, k);
            int oi = ast_arg_param(def, shift, n, k);
            if (o->kind == NODE_Name && oi >= 0 && oi < 32 && (sum->refreshes >> oi & 1))
                push(c, EV_READ, n, ast_end_lineno(n), n->end_col_offset, s,
                     o->v.Name.id); /* it refreshed it last */
        }
    }
}

/* `finish()`: a function of the project that commits, rolls back or closes
 * the thread's session of a registry this function follows does so to
 * this function's, at the call (probe_of says). */
static void helper_registry(Scan *c, const Node *n)
{
    const Probe *pr = c->nreg ? probe_of(c, n) : NULL;
    for (int i = 0; pr && i < pr->neff; i++) {
        const char *s = registry_followed(c, pr->eff[i].call);
        if (!s || c->nev == MAX_EVENTS)
            continue;
        push(c, pr->eff_kind[i], n, ast_end_lineno(n), n->end_col_offset, s, NULL);
        c->ev[c->nev - 1].from = pr;
    }
}

/* The paths a function of the project reads of the objects it is handed
 * (`serialize(user)` reading `user.posts`, `helper(project=v.project)`,
 * calls deep: ormpaths.h): reads at the call. */
static void helper_reads(Scan *c, const Node *n)
{
    const Node *def = NULL;
    int shift = 0;
    for (int j = 0; c->reads && ast_call_arg(n, j); j++) {
        const char *path, *root = ormpaths_ref(c->k->a, ast_call_arg(n, j), &path);
        if (!root)
            continue;
        if (!def && !(def = ormpaths_callee(c->scratch, c->env, c->scope, n, &shift)))
            return;
        int nr = 0;
        const OrmRead *r = ormpaths_arg_reads(c->reads, c->k->a, c->scratch, c->env, def, shift,
                                              n, j, &nr);
        for (int i = 0; i < nr; i++) {
            if (r[i].guard && !ormpaths_fills(def, shift, n, r[i].guard))
                continue; /* read under `if include_x:`, which this call leaves off */
            DEvent *e = push_read(c, n, NULL, root, ormpaths_join(c->k->a, path, r[i].path));
            if (!e)
                return;
            e->via = def;
            e->reader = r[i].reader;
            e->rat = r[i].at;
        }
    }
}

/* " (by `f()`, which it is handed to)" for a read in a function the object
 * is handed to (" (by `g()`, through `f()`, ...)" when f hands it on), else "". */
static const char *handed(Arena *a, const DEvent *e)
{
    if (!e->via)
        return "";
    if (e->reader && e->reader != e->via)
        return msg(a, " (by `%s()`, through `%s()`, which it is handed to)",
                   e->reader->v.FunctionDef.name, e->via->v.FunctionDef.name);
    return msg(a, " (by `%s()`, which it is handed to)", e->via->v.FunctionDef.name);
}

/* `s.refresh(obj)`, `s.refresh(obj, ["rel"])`: obj is loaded again, and
 * the relationships named are loaded with it. */
static void refreshed(Scan *c, const Node *n, const char *s, const char *obj)
{
    push_at(c, EV_READ, n, s, obj);
    const Node *names = n->v.Call.args.n > 1 ? n->v.Call.args.items[1]
                                             : ast_keyword(n, "attribute_names");
    for (int i = 0; names && (names->kind == NODE_List || names->kind == NODE_Tuple) &&
                    i < names->v.List.elts.n; i++) {
        const Node *x = names->v.List.elts.items[i];
        if (x->kind == NODE_Constant && x->v.Constant.value.kind == CONST_STR)
            push_read(c, n, s, obj, x->v.Constant.value.s);
    }
}

/* What a call does: commit, rollback, close, refresh, add of a session; a reader of
 * an object (pydantic's model_validate, from_orm, jsonable_encoder). */
static void call_events(Scan *c, const Node *n)
{
    /* a query of the session: the rows it loads refresh the expired objects
       they are (the identity map), so after one none is sure to be expired */
    static const char *const loads[] = {"execute", "exec", "scalars", "scalar", "query", "get",
                                        "get_one", "merge", NULL};
    const Node *f = n->v.Call.func;
    const Node *a0 = n->v.Call.args.n > 0 ? n->v.Call.args.items[0] : NULL;
    const char *s = f->kind == NODE_Attribute ? session_of(c, f->v.Attribute.value) : NULL;
    if (s) {
        const char *m = f->v.Attribute.attr;
        if (!strcmp(m, "commit"))
            push_at(c, EV_COMMIT, n, s, NULL);
        else if (!strcmp(m, "rollback"))
            push_at(c, EV_ROLLBACK, n, s, NULL);
        else if (!strcmp(m, "close") ||
                 (!strcmp(m, "remove") && c->sess_reg[session_index(c, s)]))
            push_at(c, EV_CLOSE, n, s, NULL);
        else if (!strcmp(m, "flush"))
            push_at(c, EV_FLUSH, n, s, NULL);
        else if (ast_name_in(m, loads))
            push_at(c, EV_LOAD, n, s, NULL);
        else if (!strcmp(m, "refresh") && a0 && a0->kind == NODE_Name)
            refreshed(c, n, s, a0->v.Name.id);
        else if (!strcmp(m, "add") && a0 && a0->kind == NODE_Name)
            push_added(c, n, s, a0->v.Name.id);
        else if (!strcmp(m, "add_all") && a0 && (a0->kind == NODE_List || a0->kind == NODE_Tuple))
            for (int i = 0; i < a0->v.List.elts.n; i++)
                if (a0->v.List.elts.items[i]->kind == NODE_Name)
                    push_added(c, n, s, a0->v.List.elts.items[i]->v.Name.id);
        return;
    }
    helper_commits(c, n);
    helper_registry(c, n);
    helper_reads(c, n);
    const char *name = f->kind == NODE_Attribute ? f->v.Attribute.attr
                       : f->kind == NODE_Name    ? f->v.Name.id
                                                 : NULL;
    const Node *a1 = n->v.Call.args.n > 1 ? n->v.Call.args.items[1] : NULL;
    if (name && !strcmp(name, "setattr") && a0 && a0->kind == NODE_Name && a1)
        push_change(c, n, a0->v.Name.id, /* setattr(u, field, value): like `u.x = value` */
                    a1->kind == NODE_Constant && a1->v.Constant.value.kind == CONST_STR
                        ? a1->v.Constant.value.s : "");
    static const char *const readers[] = {"model_validate", "from_orm", "jsonable_encoder",
                                          "model_dump", NULL};
    if (ast_name_in(name, readers) && a0 && a0->kind == NODE_Name)
        push_at(c, EV_READ, n, NULL, a0->v.Name.id);
}

static void events(Scan *c, const Node *n);
static void run_after_return(Scan *c, const Node *ret);
static const Node *read_node(const Obj *o, const DEvent *e, int steps);
static void reader_step(const Scan *c, Finding *f, const DEvent *e);

/* `User(name=n)`: e, a call making an object of a mapped class, or NULL. */
static const Node *made_class(const Scan *c, const Node *e)
{
    const Node *f = e && e->kind == NODE_Call ? e->v.Call.func : NULL;
    if (!f || f->kind != NODE_Name || f->v.Name.id[0] < 'A' || f->v.Name.id[0] > 'Z' ||
        !(c->flushes | c->commits))
        return NULL; /* nothing in the function flushes: not asked */
    return ormpaths_mapped(ormpaths_class(c->env, c->env->scopes, c->scope, f->v.Name.id)) ? e
                                                                                          : NULL;
}

/* `t = e`, `for t in e`, a comprehension's `for t in e`, the binding at
 * (line, col): t is an object of a session (e loads it, or a collection
 * of them), or names objects another name does (`v`, `v.project`,
 * `vs[0]`, `[v for v in vs if ...]`: the replay decides whether that name
 * is followed); else it is forgotten. */
static void bind_each(Scan *c, const Node *t, const Node *e, const Node *at, int line, int col)
{
    const Node *ent = NULL, *load = NULL;
    const char *path = NULL;
    const char *s = t && t->kind == NODE_Name ? object_of(c, e, &ent, &load) : NULL;
    const char *src = t && t->kind == NODE_Name && !s ? ormpaths_ref(c->k->a, e, &path) : NULL;
    if (s) {
        push(c, EV_BIND, at, line, col, s, t->v.Name.id);
        bind_loaded(c, ent, load);
    } else if (src && c->nev < MAX_EVENTS) {
        push(c, EV_BIND, at, line, col, NULL, t->v.Name.id);
        c->ev[c->nev - 1].src = src;
        c->ev[c->nev - 1].path = path;
    } else if (t && t->kind == NODE_Name && c->nev < MAX_EVENTS && (ent = made_class(c, e))) {
        push(c, EV_BIND, at, line, col, NULL, t->v.Name.id); /* not followed until added */
        c->ev[c->nev - 1].made = ent;
    } else {
        forget_target(c, t, at);
    }
}

/* A comprehension, in the order it runs: its first iterable, then (placed
 * at that one's end) its targets bound to the objects they iterate, its
 * conditions, the other generators and the element, written first; the
 * targets are forgotten at its end. */
static void comprehension_events(Scan *c, const Node *n)
{
    const NodeList *gs = n->kind == NODE_DictComp ? &n->v.DictComp.generators
                                                  : &n->v.ListComp.generators;
    int pinned = c->pin_line != 0; /* inside another's: placed there already */
    c->depth++;
    for (int i = 0; i < gs->n; i++) {
        const Node *g = gs->items[i], *it = g->v.comprehension.iter;
        events(c, it);
        if (!i && !pinned) {
            c->pin_line = ast_end_lineno(it);
            c->pin_col = it->end_col_offset;
        }
        bind_each(c, g->v.comprehension.target, it, n, ast_end_lineno(it), it->end_col_offset);
        for (int j = 0; j < g->v.comprehension.ifs.n; j++)
            events(c, g->v.comprehension.ifs.items[j]);
    }
    if (n->kind == NODE_DictComp) {
        events(c, n->v.DictComp.key);
        events(c, n->v.DictComp.value);
    } else {
        events(c, n->v.ListComp.elt);
    }
    if (!pinned)
        c->pin_line = c->pin_col = 0;
    for (int i = 0; i < gs->n; i++) {
        const Node *t = gs->items[i]->v.comprehension.target;
        if (t->kind == NODE_Name)
            push(c, EV_FORGET, n, ast_end_lineno(n), n->end_col_offset, NULL, t->v.Name.id);
    }
    c->depth--;
}

/* The statements of a block; one that ends by leaving (`except ...:
 * db.close(); raise`) keeps its closes and commits from what follows. */
static void block(Scan *c, const NodeList *l)
{
    const Node *last = l->n ? l->items[l->n - 1] : NULL;
    int line = c->until_line, col = c->until_col;
    if (last && (last->kind == NODE_Return || last->kind == NODE_Raise ||
                 last->kind == NODE_Break || last->kind == NODE_Continue)) {
        c->until_line = ast_end_lineno(last);
        c->until_col = last->end_col_offset;
    }
    for (int i = 0; i < l->n; i++)
        events(c, l->items[i]);
    c->until_line = line;
    c->until_col = col;
}

static void handed_kid(Node *parent, Node *n, void *arg);

/* A generator of this function called in what it returns (`return
 * StreamingResponse(events())`): its body runs after the return. */
static void handed_generators(Scan *c, const Node *n)
{
    if (!n || c->depth > WALK_MAX_DEPTH || n->kind == NODE_Lambda)
        return;
    if (n->kind == NODE_Call && n->v.Call.func->kind == NODE_Name) {
        const Scope *where = NULL;
        const Binding *b = scope_lookup(c->env->scopes, c->scope, n->v.Call.func->v.Name.id,
                                        &where);
        const Node *def = b && b->kind == BIND_DEF && where == c->scope ? b->def : NULL;
        if (def && (def->kind == NODE_FunctionDef || def->kind == NODE_AsyncFunctionDef) &&
            fastapi_yields(def)) {
            const Scope *outer = c->scope;
            const Scope *inner = scope_of(c->env->scopes, def);
            c->scope = inner ? inner : outer;
            for (int i = 0; i < def->v.FunctionDef.body.n; i++)
                events(c, def->v.FunctionDef.body.items[i]);
            c->scope = outer;
        }
    }
    c->depth++;
    ast_children((Node *)n, handed_kid, c);
    c->depth--;
}

static void handed_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    handed_generators(arg, n);
}

/*
 * `return StreamingResponse(events())` with sessions whose provider closes
 * them as the endpoint returns: the closes come first, then what the
 * generators handed over do when the response runs them.
 */
static void run_after_return(Scan *c, const Node *ret)
{
    c->after_line = ast_end_lineno(ret);
    c->after_col = ret->end_col_offset;
    for (int i = 0; i < c->nlent; i++)
        push(c, EV_CLOSE, ret, 0, 0, c->lent[i], NULL);
    handed_generators(c, ret->v.Return.value);
    c->after_line = c->after_col = 0;
}

static void replay(Scan *c);

/* Does the provider def tear its session down with a rollback on every
 * request (after its yield, not in an except handler: `finally: await
 * s.rollback()`)? */
typedef struct Teardown {
    int yielded, in_handler, rolls_back, depth;
} Teardown;

static void teardown_kid(Node *parent, Node *n, void *arg)
{
    Teardown *w = arg;
    (void)parent;
    if (w->rolls_back || w->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    if (n->kind == NODE_Yield || n->kind == NODE_YieldFrom)
        w->yielded = 1;
    if (n->kind == NODE_ExceptHandler)
        w->in_handler++;
    w->rolls_back |= w->yielded && !w->in_handler && n->kind == NODE_Call &&
                     n->v.Call.func->kind == NODE_Attribute &&
                     !strcmp(n->v.Call.func->v.Attribute.attr, "rollback");
    w->depth++;
    ast_children(n, teardown_kid, w); /* a try's body comes before its finally */
    w->depth--;
    if (n->kind == NODE_ExceptHandler)
        w->in_handler--;
}

static int rolls_back_after_yield(const Node *def)
{
    Teardown w = {0};
    for (int j = 0; j < def->v.FunctionDef.body.n; j++)
        teardown_kid(NULL, def->v.FunctionDef.body.items[j], &w);
    return w.rolls_back;
}

/* What the request's providers do to the sessions they lent once the
 * request ends (commit, rollback, close), at the task start `call`. */
static void teardowns(Scan *c, const Node *call)
{
    for (int i = 0; i < c->nsess; i++) {
        const Node *prov = c->sess_prov[i];
        const FlowSummary *sum = prov && c->env->summary_of
                                     ? c->env->summary_of(c->env->summary_arg, prov) : NULL;
        if (!sum)
            continue;
        if (sum->uses_after)
            push_at(c, EV_COMMIT, call, c->sess[i], NULL);
        if (rolls_back_after_yield(prov))
            push_at(c, EV_ROLLBACK, call, c->sess[i], NULL);
        if (sum->releases_after)
            push_at(c, EV_CLOSE, call, c->sess[i], NULL);
    }
}

/*
 * `asyncio.create_task(work(...))` that nothing waits for: the task runs
 * once the function has returned, and past the end of the request, when
 * the providers tear the sessions they lent down.  Its events are placed
 * after the function's end: those teardowns, then what a coroutine of the
 * function (a closure) does, or what a function of the project reads of
 * the objects it is handed.  Names the closure binds itself are its own
 * (a session of its own is not the request's).
 */
static void run_task(Scan *c, const Node *call, const Node *coro)
{
    const Node *f = coro->v.Call.func, *def = NULL;
    const Scope *where = NULL, *outer = c->scope;
    const Binding *b = f->kind == NODE_Name
                           ? scope_lookup(c->env->scopes, c->scope, f->v.Name.id, &where) : NULL;
    if (b && b->kind == BIND_DEF && where == c->scope && b->def && ast_is_function(b->def))
        def = b->def;
    const Scope *inner = def ? scope_of(c->env->scopes, def) : NULL;
    const char *hidden[MAX_SESSIONS];
    const Node *body = c->in_body, *handler = c->in_handler;
    int until_line = c->until_line, until_col = c->until_col;
    c->after_line = ast_end_lineno(c->func) + 1;
    c->after_col = c->late_col;
    c->task = call;
    c->in_body = c->in_handler = NULL; /* none of the function's blocks holds the task's run */
    c->until_line = c->until_col = 0;
    teardowns(c, call);
    helper_reads(c, coro);
    for (int i = 0; i < c->nsess; i++) { /* the closure's own names */
        const Scope *w = NULL;
        hidden[i] = c->sess[i];
        if (inner && scope_lookup(c->env->scopes, inner, c->sess[i], &w) && w == inner)
            c->sess[i] = "";
    }
    c->scope = inner ? inner : outer;
    for (int i = 0; inner && i < def->v.FunctionDef.body.n; i++)
        events(c, def->v.FunctionDef.body.items[i]);
    c->scope = outer;
    for (int i = 0; i < c->nsess; i++)
        c->sess[i] = hidden[i];
    c->task = NULL;
    c->in_body = body;
    c->in_handler = handler;
    c->until_line = until_line;
    c->until_col = until_col;
    c->late_col = c->after_col;
    c->after_line = c->after_col = 0;
}

/* Does the statement of def's body that holds at run on every normal exit:
 * one of the body's own, or of a try's body or finally, or a with's body,
 * at any depth (not a branch, a loop or a handler)?  An early return
 * before it is not seen: a limit. */
static int always(const NodeList *body, const Node *at, int depth)
{
    for (int i = 0; i < body->n && depth < WALK_MAX_DEPTH; i++) {
        const Node *st = body->items[i];
        if (at->lineno < st->lineno || at->lineno > ast_end_lineno(st))
            continue;
        switch (st->kind) {
        case NODE_Try:
        case NODE_TryStar:
            return always(&st->v.Try.body, at, depth + 1) ||
                   always(&st->v.Try.finalbody, at, depth + 1);
        case NODE_With:
        case NODE_AsyncWith:
            return always(&st->v.With.body, at, depth + 1);
        case NODE_If:
        case NODE_For:
        case NODE_AsyncFor:
        case NODE_While:
        case NODE_Match:
            return 0;
        default:
            return !ast_is_def(st);
        }
    }
    return 0;
}

/* What the helper h (probed for pr) does to the thread's sessions of
 * registries: a commit or rollback outside an except handler (on some
 * path: its objects may be expired), a close or remove() that runs on
 * every normal exit (they are detached). */
static void registry_effects(const Scan *h, Probe *pr)
{
    for (int i = 0; i < h->nev; i++) {
        const DEvent *e = &h->ev[i];
        int k = e->sess && !e->in_handler &&
                        (e->kind == EV_COMMIT || e->kind == EV_ROLLBACK || e->kind == EV_CLOSE)
                    ? session_index(h, e->sess) : -1;
        if (k < 0 || !h->sess_reg[k] || pr->neff == MAX_EFFECTS ||
            (e->kind == EV_CLOSE && !always(&h->func->v.FunctionDef.body, e->at, 0)))
            continue;
        int j = 0;
        while (j < pr->neff && (pr->eff[j].call != h->sess_reg[k] || pr->eff_kind[j] != e->kind))
            j++;
        if (j < pr->neff)
            continue;
        pr->eff[j] = (Registry){h->sess_reg[k], h->sess[k], h->sess_expires[k], h->sess_async[k]};
        pr->eff_kind[pr->neff++] = e->kind;
    }
}

/* What the callee of `value` (a call of a function of the project, awaited
 * or not) hands back and does: an ORM object loaded by a session it closed
 * (pr->ent, no pr->reg.call), or by the thread's session of a registry
 * (pr->reg), and its commits and closes of registries' sessions.  Probed
 * once per function and remembered (NULL: not a function of the project);
 * never while probing, so effects are followed one call deep. */
static const Probe *probe_of(Scan *c, const Node *value)
{
    value = ast_unawait(value);
    if (!c->cache || !value || value->kind != NODE_Call ||
        (value->v.Call.func->kind != NODE_Name && value->v.Call.func->kind != NODE_Attribute))
        return NULL;
    Val f = flow_value(c->scratch, c->env, c->scope, value->v.Call.func);
    const Node *def = f.tag == VAL_FUNC ? f.node : NULL;
    if (!def || (def->kind != NODE_FunctionDef && def->kind != NODE_AsyncFunctionDef) ||
        def == c->func)
        return NULL;
    ProbeCache *pc = c->cache;
    for (int i = 0; i < pc->n; i++)
        if (pc->def[i] == def)
            return pc->res[i];
    const ScopeTable *t = value_table_of(c->env->values, def);
    FlowEnv env = *c->env; /* the helper's module is where its names mean something */
    env.scopes = t ? t : c->env->scopes;
    Probe *pr = arena_alloc(c->k->a, sizeof *pr);
    memset(pr, 0, sizeof *pr);
    Scan h = {.k = c->k, .env = &env, .scratch = c->scratch, .func = def,
              .scope = scope_of(env.scopes, def), .probe = pr, .reads = c->reads};
    for (int j = 0; h.scope && j < def->v.FunctionDef.body.n; j++)
        sessions(&h, def->v.FunctionDef.body.items[j]);
    if (h.nsess) {
        for (int j = 0; j < def->v.FunctionDef.body.n; j++)
            events(&h, def->v.FunctionDef.body.items[j]);
        if (h.nreg)
            registry_effects(&h, pr);
        replay(&h);
    }
    pr->def = def;
    pr->name = def->v.FunctionDef.name;
    pr->ent_t = env.scopes;
    pr->ent_s = h.scope;
    pr->path = env.scopes == c->env->scopes ? NULL : value_path_of(c->env->values, def);
    if (pc->n < MAX_PROBES) {
        pc->def[pc->n] = def;
        pc->res[pc->n++] = pr;
    }
    return pr;
}

/* Does the callee of `value` return an ORM object loaded by a session it
 * closed before returning? */
static const Probe *probe_call(Scan *c, const Node *value)
{
    const Probe *pr = probe_of(c, value);
    return pr && pr->ent && !pr->reg.call ? pr : NULL;
}

/* Second walk: the events, in the order of the source. */
static void events(Scan *c, const Node *n)
{
    if (!n || c->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    const Node *changed = changed_attr(n); /* `u.x = v`: an UPDATE at the next flush */
    if (changed)
        push_change(c, n, changed->v.Attribute.value->v.Name.id, changed->v.Attribute.attr);
    switch (n->kind) {
    case NODE_If:
    case NODE_While:
        c->depth++;
        events(c, n->v.If.test);
        block(c, &n->v.If.body);
        block(c, &n->v.If.orelse);
        c->depth--;
        return;
    case NODE_Try:
    case NODE_TryStar: {
        const Node *body = c->in_body, *handler = c->in_handler;
        c->depth++;
        c->in_body = n;
        block(c, &n->v.Try.body);
        c->in_body = body;
        c->in_handler = n;
        for (int i = 0; i < n->v.Try.handlers.n; i++) {
            const Node *h = n->v.Try.handlers.items[i];
            events(c, h->v.ExceptHandler.type);
            block(c, &h->v.ExceptHandler.body);
        }
        c->in_handler = handler;
        block(c, &n->v.Try.orelse);
        block(c, &n->v.Try.finalbody);
        c->depth--;
        return;
    }
    case NODE_With:
    case NODE_AsyncWith:
        c->depth++;
        for (int i = 0; i < n->v.With.items.n; i++)
            events(c, n->v.With.items.items[i]);
        block(c, &n->v.With.body);
        c->depth--;
        /* the end of the block: a begin() block commits, then the session
           made here is closed */
        for (int i = 0; i < n->v.With.items.n; i++) {
            const Node *it = n->v.With.items.items[i], *e = ast_unawait(it->v.withitem.context_expr);
            const Node *v = it->v.withitem.optional_vars;
            int begin = e && e->kind == NODE_Call && e->v.Call.func->kind == NODE_Attribute &&
                        !strcmp(e->v.Call.func->v.Attribute.attr, "begin");
            const char *s = session_of(c, v);
            if (!s && begin)
                s = session_of(c, e->v.Call.func->v.Attribute.value);
            if (!s)
                continue;
            if (begin)
                push(c, EV_COMMIT, n, ast_end_lineno(n), n->end_col_offset, s, NULL);
            for (int j = 0; j < c->nitems; j++) {
                const FlowSummary *cm = c->item_cm[j];
                if (c->items[j] != it || !session_of(c, v))
                    continue;
                if (cm && cm->uses_after) /* the context manager commits on the way out */
                    push(c, EV_COMMIT, n, ast_end_lineno(n), n->end_col_offset, s, NULL);
                if (!cm || cm->releases_after)
                    push(c, EV_CLOSE, n, ast_end_lineno(n), n->end_col_offset, s, NULL);
            }
        }
        return;
    case NODE_Assign:
    case NODE_AnnAssign: {
        const Node *value = n->kind == NODE_Assign ? n->v.Assign.value : n->v.AnnAssign.value;
        const Node *t = n->kind == NODE_Assign ? (n->v.Assign.targets.n == 1
                                                      ? n->v.Assign.targets.items[0] : NULL)
                                               : n->v.AnnAssign.target;
        if (c->tasks)
            note_task_name(c, t, value);
        events(c, value);
        const Node *ent = NULL, *load = NULL;
        const char *s = value ? object_of(c, value, &ent, &load) : NULL;
        note_result(c, t, value);
        const Probe *pr = !s && t && t->kind == NODE_Name ? probe_of(c, value) : NULL;
        const char *rs = pr && pr->ent && pr->reg.call ? registry_session(c, &pr->reg) : NULL;
        if (pr && (!pr->ent || (pr->reg.call && !rs)))
            pr = NULL;
        if (rs) {
            /* `w = warn_user(...)`: an object of the thread's session, as the helper
               left it (expired by its commit, detached by its close) */
            int line = ast_end_lineno(n), col = n->end_col_offset;
            if (c->nev + 3 > MAX_EVENTS)
                return;
            push(c, EV_BIND, n, line, col, rs, t->v.Name.id);
            c->ev[c->nev - 1].from = pr;
            const Node *call = ast_unawait(value);
            if (pr->reg_expired)
                push(c, EV_COMMIT, call, line, col, rs, NULL);
            if (pr->reg_closed)
                push(c, EV_CLOSE, call, line, col, rs, NULL);
            for (int k = c->nev - 1; k >= 0 && c->ev[k].at == call; k--)
                c->ev[k].from = pr;
        } else if (t && t->kind == NODE_Name && (s || !pr)) {
            bind_each(c, t, value, n, ast_end_lineno(n), n->end_col_offset);
        } else if (pr) { /* `user = get_user(id)`: an object whose session is closed */
            push(c, EV_BIND, n, ast_end_lineno(n), n->end_col_offset, pr->name, t->v.Name.id);
            if (c->nev)
                c->ev[c->nev - 1].from = pr;
            push(c, EV_CLOSE, n, ast_end_lineno(n), n->end_col_offset, pr->name, NULL);
        } else if (n->kind == NODE_Assign)
            for (int i = 0; i < n->v.Assign.targets.n; i++) {
                forget_target(c, n->v.Assign.targets.items[i], n);
                events(c, n->v.Assign.targets.items[i]);
            }
        else
            forget_target(c, t, n);
        return;
    }
    case NODE_For:
    case NODE_AsyncFor:
        c->depth++;
        events(c, n->v.For.iter);
        bind_each(c, n->v.For.target, n->v.For.iter, n, ast_end_lineno(n->v.For.iter),
                  n->v.For.iter->end_col_offset);
        block(c, &n->v.For.body);
        block(c, &n->v.For.orelse);
        c->depth--;
        return;
    case NODE_Return: {
        if (c->task)
            break; /* the task's own return: its caller is the event loop */
        const Node *ent = NULL, *load = NULL;
        const char *s = n->v.Return.value && n->v.Return.value->kind != NODE_Name
                            ? object_of(c, n->v.Return.value, &ent, &load) : NULL;
        if (s) { /* `return s.scalars(...).first()`: an object bound and returned at once */
            push_at(c, EV_BIND, n, s, "<returned>");
            bind_loaded(c, ent, load);
            push_at(c, EV_RETURN, n, NULL, "<returned>");
        }
        if (n->v.Return.value && n->v.Return.value->kind == NODE_Name)
            push_at(c, EV_RETURN, n, NULL, n->v.Return.value->v.Name.id);
        if (c->nlent && n->v.Return.value && !c->after_line)
            run_after_return(c, n);
        break;
    }
    case NODE_Call: {
        call_events(c, n);
        const Node *coro = c->tasks && !c->task && !c->after_line ? task_coro(c, n) : NULL;
        if (coro && !task_waited(c, n))
            run_task(c, n, coro);
        const Node *recv = n->v.Call.func->kind == NODE_Attribute
                               ? n->v.Call.func->v.Attribute.value : NULL;
        if (recv && (recv->kind == NODE_Name || recv->kind == NODE_Attribute ||
                     recv->kind == NODE_Subscript)) {
            /* u.save(): a method, read from the class, not a loaded attribute;
               u.team.rename() reads `team` */
            c->depth++;
            if (recv->kind != NODE_Name)
                events(c, recv);
            for (int i = 0; i < n->v.Call.args.n; i++)
                events(c, n->v.Call.args.items[i]);
            for (int i = 0; i < n->v.Call.keywords.n; i++)
                events(c, n->v.Call.keywords.items[i]);
            c->depth--;
            return;
        }
        break;
    }
    case NODE_Attribute:
    case NODE_Subscript: {
        const char *path, *root = ast_ctx(n) == CTX_Load ? ormpaths_ref(c->k->a, n, &path) : NULL;
        if (!root || !*path)
            break;
        push_read(c, n, NULL, root, path); /* the whole chain: `v.project.backends` */
        for (const Node *x = n; x->kind == NODE_Attribute || x->kind == NODE_Subscript;
             x = x->kind == NODE_Attribute ? x->v.Attribute.value : x->v.Subscript.value)
            if (x->kind == NODE_Subscript)
                events(c, x->v.Subscript.slice);
        return;
    }
    case NODE_ListComp:
    case NODE_SetComp:
    case NODE_GeneratorExp:
    case NODE_DictComp:
        comprehension_events(c, n);
        return;
    default:
        break;
    }
    c->depth++;
    ast_children((Node *)n, events_kid, c);
    c->depth--;
}

static void events_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    events(arg, n);
}

static int cmp_event(const void *pa, const void *pb)
{
    const DEvent *a = pa, *b = pb;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* --- the finding ---------------------------------------------------------- */

/* The context manager named by a with statement that commits at its end
 * other than by a begin() block (`with session_scope() as s`), or NULL. */
static const char *committing_cm(const Node *with)
{
    for (int i = 0; i < with->v.With.items.n; i++) {
        const Node *e = ast_unawait(with->v.With.items.items[i]->v.withitem.context_expr);
        const Node *f = e && e->kind == NODE_Call ? e->v.Call.func : NULL;
        if (f && f->kind == NODE_Name)
            return f->v.Name.id;
        if (f && f->kind == NODE_Attribute && strcmp(f->v.Attribute.attr, "begin"))
            return f->v.Attribute.attr;
    }
    return NULL;
}

/* The witness step of a close: a close(), a with block's end, or the return
 * at which a dependency closes what it lent. */
static const char *closed_note(const Node *close)
{
    return close->kind == NODE_Call ? "the session is closed here: its objects are detached"
           : close->kind == NODE_Return
               ? "the endpoint returns here, and its dependency closes the session before the "
                 "response runs what it was handed: its objects are detached"
               : "the session is closed here, where its `with` block ends: its objects are "
                 "detached";
}

static void report(Scan *c, const Obj *o, const DEvent *e, const Node *close)
{
    if (c->probe)
        return; /* probing a helper: its own check reports it */
    Arena *a = c->k->a;
    Finding f = {0};
    f.code = "SL102";
    f.path = c->k->src->path;
    const Node *at = read_node(o, e, 1);
    diag_span(&f, at);
    const char *fix = "refresh it before the session closes, or make the sessions with "
                      "expire_on_commit=False";
    const Node *expired = o->expired_by->at;
    const Probe *by = o->expired_by->from; /* a helper's commit of a registry's session */
    const Probe *cby = o->closed_by && o->closed_by->at == close ? o->closed_by->from : NULL;
    int block_commit = expired->kind != NODE_Call; /* the end of a begin() block */
    const char *cm = block_commit ? committing_cm(expired) : NULL;
    int rollback = o->expired_by->kind == EV_ROLLBACK;
    const char *commit =
        by ? msg(a, "the %s in `%s()` called on line %d", rollback ? "rollback" : "commit",
                 by->name, expired->lineno)
        : rollback ? msg(a, "the rollback on line %d", expired->lineno)
        : cm ? msg(a, "the commit `%s` makes as its `with` block ends on line %d", cm,
                   ast_end_lineno(expired))
        : block_commit
            ? msg(a, "the commit that ends its `begin()` block on line %d",
                  ast_end_lineno(expired))
            : msg(a, "the commit on line %d", expired->lineno);
    const char *what = !strcmp(o->name, "<returned>") ? "the ORM object"
                                                       : msg(a, "ORM object `%s`", o->name);
    f.message = e->kind == EV_RETURN && c->endpoint
        ? msg(a, "%s is returned after %s expired it, and its session is closed "
                 "before FastAPI reads it to build the response: that raises "
                 "DetachedInstanceError; %s",
              what, commit, fix)
        : e->kind == EV_RETURN
        ? msg(a, "%s is returned after %s expired it, and its session is closed "
                 "before the caller gets it: every attribute the caller reads raises "
                 "DetachedInstanceError; %s",
              what, commit, fix)
        : msg(a, "ORM object `%s` is read after its session closed%s: %s expired it and %s on "
                 "line %d detached it, so this read raises DetachedInstanceError; %s",
              o->name, handed(a, e), commit,
              cby                          ? msg(a, "the close in `%s()` called", cby->name)
              : close->kind == NODE_Call   ? "the close"
              : close->kind == NODE_Return ? "its dependency's close as the endpoint returns"
                                           : "the end of the `with` block",
              ast_end_lineno(close), fix);
    const Node *steps[4] = {o->bound, expired, close, at};
    int reg = session_index(c, o->sess) >= 0 && c->sess_reg[session_index(c, o->sess)];
    const char *sess = reg ? msg(a, "the thread's session of the registry `%s`", o->sess)
                           : msg(a, "the session `%s`", o->sess);
    const char *notes[4] = {
        !strcmp(o->name, "<returned>") ? msg(a, "an object of %s, loaded here", sess)
        : o->from && reg ? msg(a, "`%s` is what `%s()` returns, an object of %s", o->name,
                               o->from->name, sess)
                         : msg(a, "`%s` is an object of %s from here", o->name, sess),
        by ? msg(a, "`%s()` %s that session here: every object of it is expired", by->name,
                 rollback ? "rolls back" : "commits")
        : rollback ? "rolled back here: every object of the session is expired, whatever "
                     "expire_on_commit says"
                   : "committed here: every object of the session is expired, to be reloaded on "
                     "its next read",
        cby ? msg(a, "`%s()` closes that session here: its objects are detached", cby->name)
            : closed_note(close),
        e->kind == EV_RETURN ? "returned here" : "read here, with no session to reload it"};
    int order[4] = {0, 1, 2, 3};
    if (e->kind == EV_RETURN && close->kind != NODE_Call &&
        e->at->lineno <= ast_end_lineno(close)) {
        order[2] = 3; /* returned inside the block, which closes the session on the way out */
        order[3] = 2;
    }
    f.trace = arena_alloc(a, 5 * sizeof *f.trace);
    for (int j = 0; j < 4; j++) {
        int i = order[j];
        f.trace[f.ntrace].path = f.path;
        int end = (i == 2 && steps[i]->kind != NODE_Return) ||
                  (i == 1 && block_commit); /* where a block ends */
        f.trace[f.ntrace].line = end ? ast_end_lineno(steps[i]) : steps[i]->lineno;
        f.trace[f.ntrace].col = end ? steps[i]->end_col_offset : steps[i]->col_offset;
        f.trace[f.ntrace].note = notes[i];
        f.ntrace++;
    }
    reader_step(c, &f, e);
    diag_add(c->k->out, &f);
}

/* The class of o's objects' root (the name its query loaded), where it is
 * declared. */
static OrmClass class_of(const Scan *c, const Obj *o)
{
    if (!o->ent)
        return (OrmClass){NULL, NULL};
    return o->from ? ormpaths_class(c->env, o->from->ent_t, o->from->ent_s, o->ent->v.Name.id)
                   : ormpaths_class(c->env, c->env->scopes, c->scope, o->ent->v.Name.id);
}

/* The name o's objects were loaded under: its reads are that one's. */
static Obj *root_of(Obj *o)
{
    return o->root ? o->root : o;
}

/* Does the read of path (from o's root) load a relationship on first read,
 * one that o's query did not load nor an earlier read while the session
 * was open?  *lz: which. */
static int lazy_read(Scan *c, Obj *o, const char *path, OrmLazy *lz)
{
    const Obj *r = root_of(o);
    return path && *path && o->ent &&
           ormpaths_lazy(c->k->a, c->env, class_of(c, o), path, o->loaded, o->nloaded,
                         r->read, r->nread, lz);
}

/* Where a finding on read e goes: the attribute of its chain steps
 * relationships from o's root (1: `v.project` of `v.project.backends`); a
 * call's or a whole read's node itself. */
static const Node *read_node(const Obj *o, const DEvent *e, int steps)
{
    const Node *chain[16];
    int n = 0;
    for (const Node *x = e->at; x->kind == NODE_Attribute || x->kind == NODE_Subscript;
         x = x->kind == NODE_Attribute ? x->v.Attribute.value : x->v.Subscript.value)
        if (x->kind == NODE_Attribute && n < 16)
            chain[n++] = x;
    for (const char *p = o->prefix; p && *p; p = strchr(p, '.') ? strchr(p, '.') + 1 : "")
        steps--; /* the alias's own path comes before its chain */
    if (!n)
        return e->at;
    steps = steps < 1 ? 1 : steps > n ? n : steps;
    return chain[n - steps];
}

/* "v.project.backends": the lazy relationship lz as read from o's name. */
static const char *lazy_text(Arena *a, const Obj *o, const OrmLazy *lz)
{
    size_t n = o->prefix ? strlen(o->prefix) : 0;
    const char *rest = n && !strncmp(lz->prefix, o->prefix, n) && lz->prefix[n] == '.'
                           ? lz->prefix + n + 1
                           : lz->prefix;
    return msg(a, "%s.%s", o->name, rest);
}

/* A read made calls deep (e->reader, not the function handed the object):
 * the step where that function reads it, in its own file. */
static void reader_step(const Scan *c, Finding *f, const DEvent *e)
{
    if (!e->reader || e->reader == e->via || !e->rat)
        return;
    const char *path = value_path_of(c->env->values, e->reader);
    f->trace[f->ntrace++] = (TraceStep){path ? path : f->path, e->rat->lineno,
                                        e->rat->col_offset,
                                        msg(c->k->a, "`%s()` reads it here",
                                            e->reader->v.FunctionDef.name)};
}

static void report_lazy(Scan *c, const Obj *o, const DEvent *e, const OrmLazy *lz)
{
    if (c->probe)
        return; /* probing a helper: its own check reports it */
    Arena *a = c->k->a;
    Finding f = {0};
    f.code = "SL102";
    f.path = c->k->src->path;
    const Node *at = read_node(o, e, lz->steps);
    diag_span(&f, at);
    const char *attr = lz->prefix, *what = lazy_text(a, o, lz);
    if (o->from) { /* returned detached by a helper */
        const Probe *pr = o->from;
        f.message = msg(a, "ORM object `%s` comes from `%s`, which closed its session before "
                           "returning it: `%s` is a relationship loaded on first read, and "
                           "with no session to load it from that raises DetachedInstanceError; "
                           "load it in `%s` (%s) or read it there",
                        o->name, pr->name, what, pr->name, lz->fix);
        f.trace = arena_alloc(a, 4 * sizeof *f.trace);
        f.trace[0] = (TraceStep){f.path, o->bound->lineno, o->bound->col_offset,
                                 msg(a, "`%s` is what `%s` returns, loaded without `%s`",
                                     o->name, pr->name, attr)};
        f.trace[1] = (TraceStep){pr->path ? pr->path : f.path, ast_end_lineno(pr->close),
                                 pr->close->kind == NODE_Call ? pr->close->col_offset
                                                              : pr->close->end_col_offset,
                                 msg(a, "`%s` closes its session here: the object is detached",
                                     pr->name)};
        f.trace[2] = (TraceStep){f.path, at->lineno, at->col_offset,
                                 "read here, with no session to load it from"};
        f.ntrace = 3;
        reader_step(c, &f, e);
        diag_add(c->k->out, &f);
        return;
    }
    f.message = msg(a, "ORM object `%s` is read after its session closed%s: `%s` is a "
                       "relationship loaded on first read, and with no session to load it "
                       "from that raises DetachedInstanceError; read it while the session is "
                       "open, or load it with the query (%s)",
                    o->name, handed(a, e), what, lz->fix);
    const Node *closed = o->closed_by->at;
    const Node *steps[3] = {o->bound, closed, at};
    const char *notes[3] = {
        msg(a, "`%s` is loaded by the session `%s` here, without `%s`", o->name, o->sess, attr),
        closed_note(closed), "read here, with no session to load it from"};
    f.trace = arena_alloc(a, 4 * sizeof *f.trace);
    for (int i = 0; i < 3; i++) {
        f.trace[i].path = f.path;
        int end = i == 1 && steps[i]->kind != NODE_Return; /* where a block ends */
        f.trace[i].line = end ? ast_end_lineno(steps[i]) : steps[i]->lineno;
        f.trace[i].col = end ? steps[i]->end_col_offset : steps[i]->col_offset;
        f.trace[i].note = notes[i];
    }
    f.ntrace = 3;
    reader_step(c, &f, e);
    diag_add(c->k->out, &f);
}

static int session_async(const Scan *c, const char *s)
{
    int i = session_index(c, s);
    return i >= 0 && c->sess_async[i];
}

/* SL107: an object of an AsyncSession read, without await, where the read
 * must load: expired by a commit, or a lazy relationship (lz, else NULL). */
static void report_async(Scan *c, const Obj *o, const DEvent *e, const OrmLazy *lz)
{
    if (c->probe)
        return; /* probing a helper: its own check reports it */
    Arena *a = c->k->a;
    Finding f = {0};
    f.code = "SL107";
    f.path = c->k->src->path;
    const Node *at = read_node(o, e, lz ? lz->steps : 1);
    diag_span(&f, at);
    const char *what = !strcmp(o->name, "<returned>") ? "the ORM object"
                                                       : msg(a, "ORM object `%s`", o->name);
    const Node *steps[3] = {o->bound, NULL, at};
    const char *notes[3] = {
        o->bound->kind == NODE_arg
            ? msg(a, "`%s` comes from a dependency that loaded it through the session FastAPI "
                     "also hands this function as `%s` (one per request)",
                  o->name, o->sess)
            : msg(a, "an object of the AsyncSession `%s` from here", o->sess),
        NULL,
        e->kind == EV_RETURN ? "returned here: FastAPI reads its attributes to build the "
                               "response, outside the session's greenlet"
                             : "read here, with no await: the load this needs cannot run"};
    if (o->expired_by && holds(o->expired_by, e)) {
        const Node *x = o->expired_by->at;
        int rollback = o->expired_by->kind == EV_ROLLBACK;
        steps[1] = x;
        notes[1] = rollback ? "rolled back here: every object of the session is expired, "
                              "whatever expire_on_commit says"
                            : "committed here: every object of the session is expired, to be "
                              "reloaded on its next read";
        f.message = msg(a, "%s of an AsyncSession is %s after the %s on line %d expired "
                           "it: reloading it is I/O that %s cannot await, so it raises "
                           "MissingGreenlet; `await %s.refresh(...)` after the %s%s",
                        what, e->kind == EV_RETURN ? "returned" : msg(a, "read%s", handed(a, e)),
                        rollback ? "rollback" : "commit",
                        x->kind == NODE_Call ? x->lineno : ast_end_lineno(x),
                        e->kind == EV_RETURN ? "FastAPI's serialization" : "a plain attribute read",
                        o->sess, rollback ? "rollback" : "commit",
                        rollback ? ", or read what you need before it"
                                 : ", or make the sessions with expire_on_commit=False");
    } else {
        const char *full = lazy_text(a, o, lz), *last = strrchr(full, '.');
        f.message = msg(a, "%s of an AsyncSession is read for `%s`%s, a relationship loaded on "
                           "first read: that load is I/O a plain attribute read cannot await, "
                           "so it raises MissingGreenlet; load it with the query "
                           "(%s) or read `await %.*s.awaitable_attrs.%s`",
                        what, full + strlen(o->name) + 1, handed(a, e), lz->fix,
                        (int)(last - full), full, last + 1);
    }
    f.trace = arena_alloc(a, 4 * sizeof *f.trace);
    for (int i = 0; i < 3; i++) {
        if (!steps[i])
            continue;
        f.trace[f.ntrace].path = f.path;
        f.trace[f.ntrace].line = steps[i]->lineno;
        f.trace[f.ntrace].col = steps[i]->col_offset;
        f.trace[f.ntrace].note = notes[i];
        f.ntrace++;
    }
    reader_step(c, &f, e);
    diag_add(c->k->out, &f);
}

/* The close of session s after event i, or NULL. */
static const Node *close_after(const Scan *c, int i, const char *s)
{
    for (int j = i + 1; j < c->nev; j++)
        if (c->ev[j].kind == EV_CLOSE && !strcmp(c->ev[j].sess, s))
            return c->ev[j].at;
    return NULL;
}

/* The commit of session s at the end of a with block that the return
 * `ret` (event i) leaves (a begin() block, a context manager that commits
 * on exit), when it expires objects; NULL if none. */
static const DEvent *block_commit_after(const Scan *c, int i, const char *s, const Node *ret)
{
    for (int j = i + 1; j < c->nev; j++) {
        const DEvent *e = &c->ev[j];
        const Node *w = e->at;
        if (e->kind == EV_COMMIT && !strcmp(e->sess, s) &&
            (w->kind == NODE_With || w->kind == NODE_AsyncWith) && ret->lineno >= w->lineno &&
            ret->lineno <= ast_end_lineno(w) && commit_expires(c, s))
            return e;
    }
    return NULL;
}

static Obj *obj_named(Obj *objs, int *n, const char *name, int make)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp(objs[i].name, name))
            return &objs[i];
    if (!make || *n == MAX_OBJECTS)
        return NULL;
    objs[*n] = (Obj){.name = name};
    return &objs[(*n)++];
}

/* `for v in vs`, `p = v.project`: o names the objects src does at the
 * event's path from it, when that path goes through relationships only
 * (`n = v.name` names no object: forgotten). */
static void alias(Scan *c, Obj *o, Obj *src, const DEvent *e)
{
    if (!o)
        return;
    const char *prefix = ormpaths_join(c->k->a, src->prefix, e->path);
    if (*prefix && !ormpaths_objects(c->k->a, c->env, class_of(c, src), prefix)) {
        o->sess = NULL;
        return;
    }
    Obj *root = root_of(src);
    *o = *src;
    o->name = e->obj;
    o->prefix = prefix;
    o->root = root;
    o->nread = 0;
}

/* Once per object: o and the objects its root names are not followed on. */
static void reported(Obj *o)
{
    o->sess = NULL;
    root_of(o)->sess = NULL;
}

static int session_follow(const Scan *c, const char *s)
{
    int i = session_index(c, s);
    return i >= 0 ? c->sess_follow[i] : FOLLOW_ALL;
}

/* Is n inside one of the statements of l? */
static int in_block(const NodeList *l, const Node *n)
{
    for (int i = 0; i < l->n; i++)
        if (ast_encloses(l->items[i], n))
            return 1;
    return 0;
}

/* Are a and b in different branches of one if statement of body, so that
 * no run does both? */
static int exclusive(const NodeList *body, const Node *a, const Node *b, int depth)
{
    for (int i = 0; i < body->n && depth < WALK_MAX_DEPTH; i++) {
        const Node *st = body->items[i];
        if (!ast_encloses(st, a) || !ast_encloses(st, b))
            continue;
        switch (st->kind) {
        case NODE_If: {
            const NodeList *yes = &st->v.If.body, *no = &st->v.If.orelse;
            if ((in_block(yes, a) && in_block(no, b)) || (in_block(no, a) && in_block(yes, b)))
                return 1;
            return exclusive(yes, a, b, depth + 1) || exclusive(no, a, b, depth + 1);
        }
        case NODE_For:
        case NODE_AsyncFor:
        case NODE_While:
            return exclusive(&st->v.For.body, a, b, depth + 1);
        case NODE_With:
        case NODE_AsyncWith:
            return exclusive(&st->v.With.body, a, b, depth + 1);
        case NODE_Try:
        case NODE_TryStar:
            if (exclusive(&st->v.Try.body, a, b, depth + 1) ||
                exclusive(&st->v.Try.finalbody, a, b, depth + 1))
                return 1;
            for (int h = 0; h < st->v.Try.handlers.n; h++)
                if (exclusive(&st->v.Try.handlers.items[h]->v.ExceptHandler.body, a, b,
                              depth + 1))
                    return 1;
            return 0;
        default:
            return 0;
        }
    }
    return 0;
}

/* o is bound anew at e: when that is in another branch of an if than a
 * change of what it held before (`if u: u.x = 1 else: u = User()`), that
 * change is still flushed on its own path: kept beside. */
static void carry(const Scan *c, Obj *o, const Obj *prev, const DEvent *e)
{
    const DEvent *ch = prev->changed && !prev->chg_done ? prev->changed
                       : prev->alt && !prev->alt_done ? prev->alt : NULL;
    if (!ch || !exclusive(&c->func->v.FunctionDef.body, ch->at, e->at, 0))
        return;
    o->alt = ch;
    o->alt_sess = ch == prev->changed ? prev->chg_sess : prev->alt_sess;
    o->alt_ent = ch == prev->changed ? prev->chg_ent : prev->alt_ent;
    o->alt_bound = ch == prev->changed ? prev->bound : prev->alt_bound;
}

/* An attribute of o changed at e: an object of a session, loaded (or added
 * and flushed since), gets an UPDATE at the session's next flush. */
static void changed(Obj *o, const DEvent *e)
{
    const Node *cls = o->pending ? (o->persisted && o->made ? o->made->v.Call.func : NULL)
                                 : o->ent;
    if (e->path && *e->path && o->nset < MAX_SET) /* setattr(u, k, v): k not known */
        o->set[o->nset++] = e->path;
    else if (e->path && *e->path)
        o->nset = MAX_SET + 1; /* more than it keeps */
    if (!o->sess || !cls || o->root || o->from || (o->changed && !o->chg_done))
        return;
    o->changed = e;
    o->chg_done = NULL;
    o->chg_sess = o->sess;
    o->chg_ent = cls;
}

/* The flush e of a session (or its commit): the UPDATEs of the objects
 * changed since, the INSERTs of those added.  In an AsyncSession, what the
 * server generates there is left unloaded (flush_unloaded says which). */
static void flushed(const Scan *c, Obj *objs, int nobj, const DEvent *e)
{
    int is_async = session_async(c, e->sess);
    const NodeList *body = &c->func->v.FunctionDef.body;
    for (int k = 0; k < nobj; k++) {
        Obj *x = &objs[k];
        const DEvent *ch = x->changed && !strcmp(x->chg_sess, e->sess) &&
                                   (!x->chg_done || exclusive(body, x->chg_done->at, e->at, 0))
                               ? x->changed : NULL;
        const Node *cls = ch ? x->chg_ent : NULL;
        if (!ch && x->alt && !strcmp(x->alt_sess, e->sess) &&
            (!x->alt_done || exclusive(body, x->alt_done->at, e->at, 0))) {
            ch = x->alt;
            cls = x->alt_ent;
        }
        int ours = x->sess && !strcmp(x->sess, e->sess);
        int insert = !ch && ours && x->pending && !x->persisted && x->made;
        if (is_async && (ch || insert)) {
            x->flushed_by = e;
            x->flush_ent = ch ? cls : x->made->v.Call.func;
            x->flush_update = ch != NULL;
            memcpy(x->fset, x->set, sizeof x->set);
            x->nfset = x->nset;
        }
        if (ch || insert)
            x->nset = 0;
        if (ch && ch == x->changed && !x->chg_done)
            x->chg_done = e;
        else if (ch && ch == x->alt && !x->alt_done)
            x->alt_done = e;
        if (ours && x->pending)
            x->persisted = 1;
    }
}

/* A query e of o's session: it autoflushed o's changes, and the rows it
 * loads may fill what that (or a flush before) left unloaded, so neither
 * is followed on; unless the change or flush is in another branch of an
 * if than the query. */
static void autoflushed(const Scan *c, Obj *x, const DEvent *e)
{
    const NodeList *body = &c->func->v.FunctionDef.body;
    if (x->changed && !exclusive(body, x->changed->at, e->at, 0))
        x->changed = NULL;
    if (x->alt && !exclusive(body, x->alt->at, e->at, 0))
        x->alt = NULL;
    if (x->flushed_by && !exclusive(body, x->flushed_by->at, e->at, 0))
        x->flushed_by = NULL;
}

/* The read e of o at path (from its root): is its first attribute a column
 * the server generated at the flush that left it unloaded, one the mapper
 * does not fetch at once?  The keyword declaring it so, or NULL.  An UPDATE
 * fetches nothing unless eager_defaults=True; an INSERT fetches its
 * defaults under SQLAlchemy 2.0's eager_defaults="auto" (RETURNING, on the
 * databases that have it, MySQL excepted: not told apart), so only
 * SQLAlchemy 1.x (the project's requirements) or eager_defaults=False
 * leave them unloaded. */
static const char *flush_unloaded(Scan *c, const Obj *o, const DEvent *e, const char *path,
                                  int follow)
{
    if (!o->flushed_by || !(follow & FOLLOW_FLUSH) || e->sess || !path || !*path ||
        o->prefix == NULL || *o->prefix)
        return NULL;
    if (failed(o->flushed_by, e) || !holds(o->flushed_by, e) || holds(o->closed_by, e))
        return NULL; /* the handler of the flush's own failure; a closed session: SL102's */
    const char *dot = strchr(path, '.');
    const char *attr = dot ? arena_strndup(c->k->a, path, (size_t)(dot - path)) : path;
    if (o->nfset > MAX_SET)
        return NULL; /* more changed than kept: the column may be one */
    for (int i = 0; i < o->nfset && i < MAX_SET; i++)
        if (!strcmp(o->fset[i], attr))
            return NULL; /* given a value: the UPDATE sends that one */
    for (int i = 0; !o->flush_update && i < o->made->v.Call.keywords.n; i++) {
        const char *k = o->made->v.Call.keywords.items[i]->v.keyword.arg;
        if (!k || !strcmp(k, attr))
            return NULL; /* User(created=...), User(**fields): given at the INSERT */
    }
    OrmClass cls = ormpaths_class(c->env, c->env->scopes, c->scope, o->flush_ent->v.Name.id);
    int eager = ormpaths_eager_defaults(c->env, cls);
    int sa1 = c->facts && c->facts->sqlalchemy.major == 1;
    if (eager == ORM_EAGER_YES || eager == ORM_EAGER_UNKNOWN ||
        (!o->flush_update && eager == ORM_EAGER_AUTO && !sa1))
        return NULL;
    return ormpaths_generated(c->k->a, c->env, cls, attr, o->flush_update);
}

/* SL107: o read at e for a column its flush left unloaded (gen: why). */
static void report_flush(Scan *c, const Obj *o, const DEvent *e, const char *path,
                         const char *gen)
{
    if (c->probe)
        return;
    Arena *a = c->k->a;
    Finding f = {0};
    f.code = "SL107";
    f.path = c->k->src->path;
    const Node *at = read_node(o, e, 1);
    diag_span(&f, at);
    const DEvent *fl = o->flushed_by;
    const char *dot = strchr(path, '.');
    int len = dot ? (int)(dot - path) : (int)strlen(path);
    const char *how = fl->kind == EV_COMMIT ? "commit" : "flush";
    f.message = msg(a, "ORM object `%s` of an AsyncSession is read for `%.*s`%s after the %s on "
                       "line %d left it unloaded: the %s had the database %s it (`%s` of `%s`) "
                       "and the mapper does not fetch it back; loading it is I/O that a plain "
                       "attribute read cannot await, so it raises MissingGreenlet; `await "
                       "%s.refresh(%s)` after the %s, or eager_defaults=True on the mapper",
                    o->name, len, path, handed(a, e), how, fl->at->lineno,
                    o->flush_update ? "UPDATE" : "INSERT",
                    o->flush_update ? "set" : "generate", gen, o->flush_ent->v.Name.id,
                    fl->sess, o->name, how);
    const DEvent *ch = o->flush_update ? (o->alt && !o->changed ? o->alt : o->changed) : NULL;
    f.trace = arena_alloc(a, 5 * sizeof *f.trace);
    const Node *bound = ch && ch == o->alt ? o->alt_bound : o->bound;
    f.trace[f.ntrace++] = (TraceStep){f.path, bound->lineno, bound->col_offset,
                                      msg(a, "`%s` is an object of the AsyncSession `%s` from "
                                             "here", o->name, fl->sess)};
    if (ch)
        f.trace[f.ntrace++] = (TraceStep){f.path, ch->at->lineno, ch->at->col_offset,
                                          ch == o->alt ? "on another path it holds a loaded "
                                                         "object, changed here: the flush "
                                                         "sends its UPDATE"
                                                       : "changed here: the flush sends its "
                                                         "UPDATE"};
    f.trace[f.ntrace++] = (TraceStep){
        f.path, fl->at->lineno, fl->at->col_offset,
        msg(a, "%s here: the %s leaves `%.*s` unloaded", fl->kind == EV_COMMIT ? "committed"
                                                                                : "flushed",
            o->flush_update ? "UPDATE" : "INSERT", len, path)};
    f.trace[f.ntrace++] = (TraceStep){f.path, at->lineno, at->col_offset,
                                      "read here, with no await: the load this needs cannot run"};
    reader_step(c, &f, e);
    diag_add(c->k->out, &f);
}

/* SL102: o read at e by a task started in the function, after the
 * request's provider tore its session down (rolled back or committed,
 * then closed): expired and detached, or a lazy relationship (lz). */
static void report_late(Scan *c, const Obj *o, const DEvent *e, const OrmLazy *lz)
{
    if (c->probe)
        return;
    Arena *a = c->k->a;
    Finding f = {0};
    f.code = "SL102";
    f.path = c->k->src->path;
    const Node *at = read_node(o, e, lz ? lz->steps : 1);
    diag_span(&f, at);
    int i = session_index(c, o->sess);
    const Node *prov = i >= 0 ? c->sess_prov[i] : NULL;
    const char *pn = prov ? prov->v.FunctionDef.name : "its provider";
    const Node *task = e->task;
    const DEvent *x = o->expired_by;
    int own = x && !x->task; /* expired here, before the task started */
    const char *what =
        lz    ? msg(a, "`%s` closes the session when the request ends, and `%s` is a "
                       "relationship loaded on first read", pn, lazy_text(a, o, lz))
        : own ? msg(a, "the %s on line %d expired it, and `%s` closes the session when the "
                       "request ends", x->kind == EV_ROLLBACK ? "rollback" : "commit",
                    x->at->lineno, pn)
              : msg(a, "`%s` %s the session (every object expires) and closes it when the "
                       "request ends", pn,
                    x->kind == EV_ROLLBACK ? "rolls back" : "commits");
    const Node *tf = task->v.Call.func;
    const char *starter = tf->kind == NODE_Name ? tf->v.Name.id
                          : tf->v.Attribute.value->kind == NODE_Name
                              ? msg(a, "%s.%s", tf->v.Attribute.value->v.Name.id,
                                    tf->v.Attribute.attr)
                              : tf->v.Attribute.attr;
    f.message = msg(a, "ORM object `%s` is read%s by the task that `%s()` starts on line %d, "
                       "which runs on after the request: %s, so this read raises "
                       "DetachedInstanceError; read what the task needs (ids) before starting "
                       "it, and load the objects again in a session of its own",
                    o->name, handed(a, e), starter, task->lineno, what);
    f.trace = arena_alloc(a, 5 * sizeof *f.trace);
    f.trace[f.ntrace++] = (TraceStep){f.path, o->bound->lineno, o->bound->col_offset,
                                      msg(a, "`%s` is an object of the session `%s` that `%s` "
                                             "lends the request", o->name, o->sess, pn)};
    if (own)
        f.trace[f.ntrace++] = (TraceStep){f.path, x->at->lineno, x->at->col_offset,
                                          x->kind == EV_ROLLBACK ? "rolled back here: it is expired"
                                                                 : "committed here: it is expired"};
    f.trace[f.ntrace++] = (TraceStep){
        f.path, task->lineno, task->col_offset,
        msg(a, "the task starts here and runs on after the function returns; when the request "
               "ends `%s` %s the session", pn,
            !x || own               ? "closes"
            : x->kind == EV_ROLLBACK ? "rolls back and closes"
                                     : "commits and closes")};
    f.trace[f.ntrace++] = (TraceStep){f.path, at->lineno, at->col_offset,
                                      "read here by the task, with no session to load it from"};
    reader_step(c, &f, e);
    diag_add(c->k->out, &f);
}

/* A read of o at e: the finding if it must load where it cannot (SL107: an
 * AsyncSession's, with no await; SL102: after the close), else what it
 * loads. */
static void read_event(Scan *c, Obj *o, const DEvent *e)
{
    Obj *r = root_of(o);
    OrmLazy lz;
    if (o->expired_by && failed(o->expired_by, e))
        o->expired_by = NULL; /* the handler of the commit's own failure */
    const char *path = e->path ? ormpaths_join(c->k->a, o->prefix, e->path) : NULL;
    const char *aw = path ? strstr(path, "awaitable_attrs") : NULL;
    if (aw && (aw == path || aw[-1] == '.') && (aw[15] == '\0' || aw[15] == '.')) {
        /* `await v.awaitable_attrs.project` (AsyncAttrs) loads with an await: what is
           before it is read plainly, what follows is loaded */
        const char *after = aw[15] ? aw + 16 : "";
        const char *before = aw == path ? "" : arena_strndup(c->k->a, path, (size_t)(aw - path - 1));
        if (r->nread < MAX_READ && *after)
            r->read[r->nread++] = ormpaths_join(c->k->a, before, after);
        if (!*before)
            return;
        path = before;
    }
    int lazy = !e->sess && lazy_read(c, o, path, &lz);
    int follow = session_follow(c, o->sess);
    if (lazy && !lz.many && (follow & FOLLOW_ASYNC) && follow != FOLLOW_ALL && !e->task)
        lazy = 0; /* one object of a handed session: the caller may have loaded it already,
                     and a many-to-one finds it in the identity map with no SELECT */
    int all = follow == FOLLOW_ALL || ((follow & FOLLOW_LATE) && e->task);
    const char *gen = flush_unloaded(c, o, e, path, follow);
    if (e->sess)
        o->flushed_by = NULL; /* refreshed */
    if (!holds(o->closed_by, e) && !e->sess && session_async(c, o->sess) &&
        (holds(o->expired_by, e) || lazy)) {
        /* an AsyncSession cannot load from a plain attribute read */
        if (!all && !(follow & FOLLOW_ASYNC))
            return; /* a parameter: what its caller did is not known */
        report_async(c, o, e, lazy && !holds(o->expired_by, e) ? &lz : NULL);
        reported(o);
    } else if (gen) {
        report_flush(c, o, e, path, gen);
        reported(o);
    } else if (!holds(o->closed_by, e)) {
        o->expired_by = NULL; /* loaded again while the session is open */
        if (o != r && !*o->prefix)
            r->expired_by = NULL; /* the same objects: `for u in users` reloads them */
        if (path && *path && r->nread < MAX_READ)
            r->read[r->nread++] = path;
    } else if (!all) {
        return;
    } else if (holds(o->expired_by, e)) {
        if (e->task && o->closed_by->task)
            report_late(c, o, e, NULL);
        else
            report(c, o, e, o->closed_by->at);
        reported(o);
    } else if (lazy) {
        if (e->task && o->closed_by->task)
            report_late(c, o, e, &lz);
        else
            report_lazy(c, o, e, &lz);
        reported(o);
    }
}

/* The helper probed for pr returns o: its class, and what its query and
 * the helper loaded of it. */
static void probe_returns(Probe *pr, const Obj *o)
{
    pr->ent = o->ent ? o->ent : o->made->v.Call.func; /* `u = User(...)`, then added */
    pr->loaded = o->loaded;
    pr->nloaded = o->nloaded;
    for (int k = 0; k < o->nread && k < 8; k++)
        pr->read[pr->nread++] = o->read[k];
}

static void replay(Scan *c)
{
    Obj objs[MAX_OBJECTS];
    int nobj = 0;
    if (c->nev > 1) /* none at all: ev may be NULL */
        qsort(c->ev, (size_t)c->nev, sizeof *c->ev, cmp_event);
    for (int i = 0; i < c->nev; i++) {
        const DEvent *e = &c->ev[i];
        Obj *src = e->src ? obj_named(objs, &nobj, e->src, 0) : NULL;
        if (e->src && (!src || !src->sess)) { /* names nothing followed: forgotten */
            Obj *o = obj_named(objs, &nobj, e->obj, 0);
            if (o)
                o->sess = NULL;
            continue;
        }
        Obj *o = e->obj ? obj_named(objs, &nobj, e->obj, e->kind == EV_BIND) : NULL;
        switch (e->kind) {
        case EV_BIND:
            if (src) {
                alias(c, o, src, e);
                break;
            }
            if (o && e->added && o->sess && !strcmp(o->sess, e->sess))
                break; /* an object of this session already: add() changes nothing */
            if (o) {
                Obj prev = *o;
                *o = (Obj){.name = e->obj, .sess = e->sess, .bound = e->at,
                           .pending = e->added ? e : NULL, .ent = e->ent, .from = e->from,
                           .loaded = e->loaded, .nloaded = e->nloaded, .prefix = "",
                           .made = e->added ? prev.made : e->made};
                carry(c, o, &prev, e);
            }
            for (int k = 0; o && e->from && k < e->from->nread && k < MAX_READ; k++)
                o->read[o->nread++] = e->from->read[k];
            if (o && e->from) {
                o->ent = e->from->ent;
                o->loaded = e->from->loaded;
                o->nloaded = e->from->nloaded;
            }
            break;
        case EV_FORGET:
            if (o)
                o->sess = NULL;
            break;
        case EV_CHANGE:
            if (o)
                changed(o, e);
            break;
        case EV_FLUSH:
            flushed(c, objs, nobj, e);
            break;
        case EV_COMMIT:
        case EV_ROLLBACK:
        case EV_CLOSE:
        case EV_LOAD:
            if (e->kind == EV_COMMIT)
                flushed(c, objs, nobj, e); /* a commit flushes first */
            for (int k = 0; k < nobj; k++) {
                Obj *x = &objs[k];
                if (!x->sess || strcmp(x->sess, e->sess) || holds(x->closed_by, e))
                    continue;
                if (e->kind == EV_COMMIT) {
                    if (commit_expires(c, e->sess))
                        x->expired_by = e;
                    x->committed = e;
                } else if (e->kind == EV_ROLLBACK) {
                    if (x->pending && (!x->committed || failed(x->committed, e)))
                        x->sess = NULL; /* never flushed: rollback expunges it, readable */
                    else
                        x->expired_by = e;
                } else if (e->kind == EV_LOAD) {
                    x->expired_by = NULL;
                    autoflushed(c, x, e);
                } else {
                    x->closed_by = e;
                }
            }
            break;
        case EV_READ:
            if (o && o->sess && (!o->root || o->root->sess))
                read_event(c, o, e);
            break;
        case EV_RETURN: {
            int ri = c->probe && o && o->sess && (o->ent || o->made) && !c->probe->ent
                         ? session_index(c, o->sess) : -1;
            if (ri >= 0 && c->sess_reg[ri]) { /* the caller gets it of its thread's session */
                Probe *pr = c->probe;
                pr->reg = (Registry){c->sess_reg[ri], c->sess[ri], c->sess_expires[ri],
                                     c->sess_async[ri]};
                pr->reg_expired = holds(o->expired_by, e) != 0;
                pr->reg_closed = holds(o->closed_by, e) || close_after(c, i, o->sess);
                probe_returns(pr, o);
                break; /* the registry's session outlives the function: not its finding */
            }
            const Node *gone = c->probe && o && o->sess && o->ent && !c->probe->ent
                                   ? holds(o->closed_by, e) ? o->closed_by->at
                                                            : close_after(c, i, o->sess)
                                   : NULL;
            if (gone) { /* the caller gets it detached */
                probe_returns(c->probe, o);
                c->probe->close = gone;
            }
            if (o && o->sess && session_follow(c, o->sess) != FOLLOW_ALL)
                break; /* a parameter's object: what the caller does with it is its own */
            const DEvent *on_exit = o && o->sess && !holds(o->expired_by, e)
                                        ? block_commit_after(c, i, o->sess, e->at) : NULL;
            if (on_exit)
                o->expired_by = on_exit; /* the block the return leaves commits on the way */
            const Node *close = o && o->sess && holds(o->expired_by, e)
                                    ? holds(o->closed_by, e) ? o->closed_by->at
                                                             : close_after(c, i, o->sess)
                                    : NULL;
            if (close) {
                report(c, o, e, close);
                o->sess = NULL;
            } else if (o && o->sess && c->endpoint && holds(o->expired_by, e) &&
                       session_async(c, o->sess) && c->func->kind == NODE_AsyncFunctionDef) {
                /* FastAPI reads it for the response outside the session's greenlet */
                report_async(c, o, e, NULL);
                o->sess = NULL;
            }
            break;
        }
        }
    }
}

/* The endpoint's sessions borrowed from a provider of a seen factory; those
 * the provider closes as the endpoint returns (before the response runs
 * what it was handed) are lent. */
static void lent_sessions(Scan *c)
{
    const FlowFastApi *fa = c->env->fastapi;
    const Node *args = c->func->v.FunctionDef.args;
    const NodeList *ls[3] = {&args->v.arguments.posonlyargs, &args->v.arguments.args,
                             &args->v.arguments.kwonlyargs};
    int index = 0;
    for (int l = 0; l < 3; l++)
        for (int i = 0; i < ls[l]->n; i++, index++) {
            Val v = value_param(c->env->values, c->scratch, c->func, index);
            const Node *prov = v.node;
            const FlowSummary *sum = prov && c->env->summary_of
                                         ? c->env->summary_of(c->env->summary_arg, prov) : NULL;
            if (v.tag != VAL_RESOURCE || v.kind != RES_SESSION || !sum || !sum->releases_after ||
                c->nlent == MAX_SESSIONS)
                continue;
            const char *name = ls[l]->items[i]->v.arg.arg;
            int is_async = 0, x = provider_expires(c, prov, &is_async);
            if (x < 0)
                continue;
            add_session_named(c, name, x, is_async);
            if (session_index(c, name) >= 0)
                c->sess_prov[session_index(c, name)] = prov;
            if (fa->era == ERA_AT_RETURN || v.scope_fn)
                c->lent[c->nlent++] = name;
        }
}

/* Is the name a receiver of a loader in the function? */
static int received(const Scan *c, const char *name)
{
    for (int i = 0; i < c->nrecv; i++)
        if (c->recv[i]->kind == NODE_Name && !strcmp(c->recv[i]->v.Name.id, name))
            return 1;
    return 0;
}

/* Do the commits of the AsyncSession v (handed to the function) expire its
 * objects?  Known when the value carries the FastAPI provider that lends it
 * (through calls and objects: value.h), else taken as not (0): a factory
 * with expire_on_commit=False is the usual cure, and which one made it is
 * not known. */
static int handed_expires(Scan *c, Val v)
{
    int is_async = 0, x = v.node && ast_is_function(v.node) ? provider_expires(c, v.node, &is_async)
                                                             : -1;
    return x > 0;
}

/* `self.session.get(...)` in a coroutine method: an attribute of the
 * instance (or of any name) that the value model knows is an AsyncSession
 * (its class's __init__ stores a parameter annotated so, or that every
 * caller fills with one), followed as a session named "self.session" for
 * what the method loads through it (FOLLOW_ASYNC).  Only an attribute of
 * a name: `self.repo.session` is not followed. */
static void attr_sessions(Scan *c)
{
    for (int i = 0; i < c->nrecv && c->nsess < MAX_SESSIONS; i++) {
        const Node *r = c->recv[i];
        if (r->kind != NODE_Attribute || session_of(c, r))
            continue;
        Val v = flow_value(c->scratch, c->env, c->scope, r);
        if (v.tag != VAL_RESOURCE || v.kind != RES_SESSION || !v.is_async)
            continue;
        add_session_named(c, arena_printf(c->k->a, "%s.%s", r->v.Attribute.value->v.Name.id,
                                          r->v.Attribute.attr),
                          handed_expires(c, v), 1);
        c->sess_follow[c->nsess - 1] = FOLLOW_ASYNC;
        c->nattr++;
    }
}

/*
 * The sessions a coroutine function is handed, followed narrowly
 * (FOLLOW_*): a parameter known to be an AsyncSession when the function
 * flushes or commits (what the flush leaves unloaded), or loads objects
 * through it (their lazy relationships, and what its commits expire when
 * the provider is known: FOLLOW_ASYNC; so for an attribute, attr_sessions);
 * one a provider lends the request when the function starts a task (what
 * the task reads after the provider's teardown).  Their factory's
 * expire_on_commit is not known unless the provider says.
 */
static void param_sessions(Scan *c)
{
    const Node *f = c->func;
    if (f->kind != NODE_AsyncFunctionDef || !(c->flushes | c->commits | c->tasks | c->nrecv))
        return;
    for (int i = 0; ast_param(f, i) && c->nsess < MAX_SESSIONS; i++) {
        const char *name = ast_param(f, i)->v.arg.arg;
        if (session_index(c, name) >= 0)
            continue;
        int loads = received(c, name);
        if (!loads && !(c->flushes | c->commits | c->tasks))
            continue; /* the cheap test before the value model is asked */
        Val v = value_param(c->env->values, c->scratch, f, i);
        if (v.tag != VAL_RESOURCE || v.kind != RES_SESSION)
            continue;
        const FlowSummary *sum = c->tasks && v.node && c->env->summary_of
                                     ? c->env->summary_of(c->env->summary_arg, v.node) : NULL;
        int is_async = v.is_async, x = -1;
        int late = sum && sum->releases_after && sum->yields_kind == RES_SESSION;
        if (late && (x = provider_expires(c, v.node, &is_async)) < 0) {
            x = 0; /* a factory not seen: its commits are not known to expire */
            is_async = v.is_async;
        }
        int sa1 = c->facts && c->facts->sqlalchemy.major == 1;
        int flush = is_async && (c->flushes | c->commits) && (c->changes || c->setattrs || sa1);
        int handed = is_async && loads;
        if (!late && !flush && !handed)
            continue;
        add_session_named(c, name, late ? x : handed ? handed_expires(c, v) : 0, is_async);
        c->sess_follow[c->nsess - 1] = (unsigned char)(late * FOLLOW_LATE |
                                                       flush * FOLLOW_FLUSH |
                                                       handed * FOLLOW_ASYNC);
        c->sess_prov[c->nsess - 1] = late ? v.node : NULL;
    }
    if (c->nrecv)
        attr_sessions(c);
}

/* --- SL302: a change to an ORM object that no session commits ----------- */

/*
 * A session flushes the changes of the objects it holds, and only those.
 * A function that changes an attribute of an ORM object and then commits
 * a session that does not hold it loses the change, silently: the object
 * came detached from a helper (its session closed), or from a FastAPI
 * dependency whose session is another one than the function commits (a
 * different provider, `use_cache=False`, or, before FastAPI 0.123, the
 * same provider reached under `Security(..., scopes=[...])`, which the
 * dependency cache keeps apart).  The statements in source order stand for
 * the order of execution, as for SL102; handing the object to any call
 * (`db.add(user)`, `db.merge(user)`, a helper) or binding its name anew
 * ends the question.
 */

#define MAX_LOST 16 /* objects and sessions followed per function */

/* Does the provider def lend a session it makes (a generator dependency
 * yielding one, or a function returning one)? */
static const FlowSummary *session_provider(const Scan *c, const Node *def)
{
    const FlowSummary *sum = def && c->env->summary_of
                                 ? c->env->summary_of(c->env->summary_arg, def) : NULL;
    return sum && (sum->yields_kind == RES_SESSION || sum->returns_kind == RES_SESSION) ? sum
                                                                                         : NULL;
}

/* Where the object a provider returns comes from. */
typedef struct ObjSrc {
    int own;         /* loaded by a session the provider made itself */
    Depends dep;     /* else: by the session of its parameter filled by dep */
    const char *via; /* that session's name in the provider */
} ObjSrc;

typedef struct ReturnScan {
    Scan *h;
    int nparam;                 /* h->sess[0..nparam): parameters; the rest made */
    Depends deps[MAX_SESSIONS];     /* the parameters' dependencies */
    const char *obj[MAX_LOST];  /* names bound to objects ... */
    const char *sess[MAX_LOST]; /* ... of these sessions */
    int nobj;
    const char *found;          /* the session of the first object returned */
    int depth;
} ReturnScan;

static void returns_kid(Node *parent, Node *n, void *arg)
{
    ReturnScan *r = arg;
    (void)parent;
    if (r->found || r->depth > WALK_MAX_DEPTH || ast_is_def(n) ||
        ast_category(n->kind) == CAT_EXPR)
        return;
    const Node *t = NULL, *v = NULL, *ent = NULL, *load = NULL;
    if (ast_single_assign(n, &t, &v) && t->kind == NODE_Name) {
        const char *s = object_of(r->h, v, &ent, &load);
        note_result(r->h, t, v);
        int k = 0;
        while (k < r->nobj && strcmp(r->obj[k], t->v.Name.id))
            k++;
        if (k == r->nobj && s && r->nobj < MAX_LOST)
            r->obj[r->nobj++] = t->v.Name.id;
        if (k < MAX_LOST)
            r->sess[k] = s; /* NULL: bound to something else from here */
    } else if (n->kind == NODE_Return && n->v.Return.value) {
        v = n->v.Return.value;
        if (v->kind == NODE_Name) {
            for (int k = 0; k < r->nobj; k++)
                if (!strcmp(r->obj[k], v->v.Name.id))
                    r->found = r->sess[k];
        } else {
            r->found = object_of(r->h, v, &ent, &load);
        }
        return;
    }
    r->depth++;
    ast_children(n, returns_kid, r);
    r->depth--;
}

/* The session of the ORM object the provider def returns, if it returns
 * one: a session of its own, or of a parameter filled by a dependency that
 * lends sessions. */
static int provider_object(Scan *c, const Node *def, ObjSrc *out)
{
    const ScopeTable *t = value_table_of(c->env->values, def);
    FlowEnv env = *c->env; /* the provider's module is where its names mean something */
    env.scopes = t ? t : c->env->scopes;
    Scan h = {.k = c->k, .env = &env, .scratch = c->scratch, .func = def,
              .scope = scope_of(env.scopes, def)};
    ReturnScan r = {.h = &h};
    if (!h.scope)
        return 0;
    for (int i = 0; ast_param(def, i) && r.nparam < MAX_SESSIONS; i++) {
        Depends d;
        if (depends_of_param(h.env, h.scratch, h.scope, def, i, &d) && session_provider(&h, d.def)) {
            add_session_named(&h, ast_param(def, i)->v.arg.arg, 1, 0);
            r.deps[r.nparam] = d;
            r.nparam = h.nsess;
        }
    }
    for (int j = 0; j < def->v.FunctionDef.body.n; j++)
        sessions(&h, def->v.FunctionDef.body.items[j]);
    for (int j = 0; j < def->v.FunctionDef.body.n && !r.found; j++)
        returns_kid(NULL, def->v.FunctionDef.body.items[j], &r);
    int i = r.found ? session_index(&h, r.found) : -1;
    if (i < 0)
        return 0;
    memset(out, 0, sizeof *out);
    out->own = i >= r.nparam;
    if (!out->own)
        out->dep = r.deps[i];
    out->via = r.found;
    return 1;
}

/* An object the function may change, and a session it may commit. */
typedef struct LostObj {
    const char *name;
    const Node *from;     /* the parameter or the call that gives it */
    const Probe *probe;   /* returned detached by this helper, or NULL */
    const Node *provider; /* else: the dependency's provider ... */
    Depends dep;          /* ... the parameter's dependency ... */
    ObjSrc src;           /* ... and where the provider's object comes from */
    const Node *write;    /* the first change not handed on since, or NULL */
    int reported, gone;
} LostObj;

typedef struct LostSess {
    const char *name;
    Depends dep; /* a parameter's dependency (dep.call NULL: a session made here) */
} LostSess;

typedef struct Lost {
    Scan *c;
    LostObj obj[MAX_LOST];
    int nobj;
    LostSess sess[MAX_LOST];
    int nsess;
    int depth;
} Lost;

static LostObj *lost_obj(Lost *l, const Node *e)
{
    for (int i = 0; e && e->kind == NODE_Name && i < l->nobj; i++)
        if (!l->obj[i].gone && !strcmp(l->obj[i].name, e->v.Name.id))
            return &l->obj[i];
    return NULL;
}

static const LostSess *lost_sess(const Lost *l, const Node *e)
{
    for (int i = 0; e && e->kind == NODE_Name && i < l->nsess; i++)
        if (!strcmp(l->sess[i].name, e->v.Name.id))
            return &l->sess[i];
    return NULL;
}

/* Is the session s another one than the one holding o?  Its reason, or
 * NULL: the same, or not known to differ. */
static const char *other_session(Lost *l, const LostObj *o, const LostSess *s)
{
    Scan *c = l->c;
    Arena *a = c->k->a;
    if (o->probe)
        return msg(a, "`%s` closed the session that loaded it", o->probe->name);
    const char *prov = o->provider->v.FunctionDef.name;
    if (o->src.own)
        return msg(a, "`%s` loaded it through a session of its own", prov);
    if (!s->dep.call)
        return msg(a, "`%s` loaded it through the session it got from `%s`", prov,
                   o->src.dep.def->v.FunctionDef.name);
    const FlowSummary *ps = session_provider(c, o->src.dep.def);
    if (!ps || ps->uses_after || !session_provider(c, s->dep.def))
        return NULL; /* a provider that commits after its yield commits the change too */
    const char *from = o->src.dep.def->v.FunctionDef.name;
    if (o->src.dep.def != s->dep.def)
        return depends_takes_from(c->env, c->scratch, o->src.dep.def, s->dep.def) ||
                       depends_takes_from(c->env, c->scratch, s->dep.def, o->src.dep.def)
                   ? NULL
                   : msg(a, "`%s` loaded it through the session of `%s`, another dependency "
                            "than `%s`", prov, from, s->dep.def->v.FunctionDef.name);
    if (o->src.dep.uncached || s->dep.uncached)
        return msg(a, "`%s` loaded it through its own session of `%s` (use_cache=False makes "
                      "one per use)", prov, from);
    if (c->env->fastapi && c->env->fastapi->scopes_split && o->dep.scoped && !s->dep.scoped)
        return msg(a, "`%s` loaded it through the session of `%s` it gets under "
                      "`Security(..., scopes=[...])`, which %s caches apart from the same "
                      "dependency without scopes (FastAPI 0.123 shares it)",
                   prov, from, c->env->fastapi->version);
    return NULL;
}

static void report_lost(Lost *l, LostObj *o, const Node *commit, const char *why)
{
    Scan *c = l->c;
    Arena *a = c->k->a;
    const Node *recv = commit->v.Call.func->v.Attribute.value;
    const char *sname = recv->v.Name.id;
    Finding f = {0};
    f.code = "SL302";
    f.path = c->k->src->path;
    diag_span(&f, o->write);
    f.message = msg(a, "the change to ORM object `%s` is never saved: %s, so `%s.commit()` on "
                       "line %d commits a session that does not hold it; load the object "
                       "through `%s` (`%s.get(...)`) or `%s.merge(%s)` before the change",
                    o->name, why, sname, commit->lineno, sname, sname, sname, o->name);
    const Node *steps[3] = {o->from, o->write, commit};
    const char *notes[3] = {
        o->probe ? msg(a, "`%s` is what `%s` returned, its session closed", o->name,
                       o->probe->name)
                 : msg(a, "`%s` is what the dependency `%s` returns: an object of its "
                          "session `%s`", o->name, o->provider->v.FunctionDef.name, o->src.via),
        "changed here",
        msg(a, "`%s` is committed here: it does not hold `%s`, and the session that does "
               "is never committed", sname, o->name)};
    f.trace = arena_alloc(a, 3 * sizeof *f.trace);
    for (int j = 0; j < 3; j++) {
        f.trace[j].path = f.path;
        f.trace[j].line = steps[j]->lineno;
        f.trace[j].col = steps[j]->col_offset;
        f.trace[j].note = notes[j];
    }
    f.ntrace = 3;
    diag_add(c->k->out, &f);
    o->reported = 1;
}

static void lost_kid(Node *parent, Node *n, void *arg);

static void lost_walk(Lost *l, const Node *n)
{
    if (!n || l->depth > WALK_MAX_DEPTH || ast_is_def(n))
        return;
    const Node *t = NULL, *v = NULL;
    if (ast_single_assign(n, &t, &v) && t->kind == NODE_Name) {
        lost_walk(l, v);
        LostObj *o = lost_obj(l, t);
        if (o)
            o->gone = 1; /* bound anew */
        const Probe *pr = probe_call(l->c, v);
        if (pr && l->nobj < MAX_LOST)
            l->obj[l->nobj++] = (LostObj){.name = t->v.Name.id, .from = n, .probe = pr};
        return;
    }
    const Node *tgt = changed_attr(n);
    LostObj *changed = tgt ? lost_obj(l, tgt->v.Attribute.value) : NULL;
    if (changed && !changed->write && !changed->reported)
        changed->write = n;
    if (n->kind == NODE_Call) {
        const Node *f = n->v.Call.func;
        const LostSess *s = f->kind == NODE_Attribute && !strcmp(f->v.Attribute.attr, "commit")
                                ? lost_sess(l, f->v.Attribute.value) : NULL;
        for (int i = 0; s && i < l->nobj; i++) {
            LostObj *o = &l->obj[i];
            const char *why = o->write && !o->gone ? other_session(l, o, s) : NULL;
            if (why)
                report_lost(l, o, n, why);
            o->write = NULL;
        }
        for (int j = 0; ast_call_arg(n, j); j++) { /* handed on: it may be added there */
            const Node *x = ast_call_arg(n, j);
            LostObj *o = lost_obj(l, x);
            if (x->kind == NODE_List || x->kind == NODE_Tuple) /* add_all([user, ...]) */
                for (int k = 0; k < x->v.List.elts.n && !o; k++)
                    o = lost_obj(l, x->v.List.elts.items[k]);
            if (o)
                o->write = NULL;
        }
    }
    l->depth++;
    ast_children((Node *)n, lost_kid, l);
    l->depth--;
}

static void lost_kid(Node *parent, Node *n, void *arg)
{
    (void)parent;
    lost_walk(arg, n);
}

static void lost_writes(Scan *c)
{
    const Node *f = c->func;
    if (!c->changes || !c->commits)
        return; /* sessions() noted both: the cheap test before the parameters are read */
    Lost l = {.c = c};
    for (int i = 0; ast_param(f, i) && l.nobj < MAX_LOST && l.nsess < MAX_LOST; i++) {
        Depends d;
        ObjSrc src;
        const char *name = ast_param(f, i)->v.arg.arg;
        if (!depends_of_param(c->env, c->scratch, c->scope, f, i, &d) || !d.def)
            continue;
        if (session_provider(c, d.def))
            l.sess[l.nsess++] = (LostSess){name, d};
        else if (provider_object(c, d.def, &src))
            l.obj[l.nobj++] = (LostObj){.name = name, .from = ast_param(f, i),
                                        .provider = d.def, .dep = d, .src = src};
    }
    for (int i = 0; i < c->nsess && l.nsess < MAX_LOST; i++) { /* made here */
        int param = 0;
        for (int k = 0; ast_param(f, k) && !param; k++)
            param = !strcmp(ast_param(f, k)->v.arg.arg, c->sess[i]);
        if (!param)
            l.sess[l.nsess++] = (LostSess){c->sess[i], {0}};
    }
    for (int j = 0; l.nsess && j < f->v.FunctionDef.body.n; j++)
        lost_walk(&l, f->v.FunctionDef.body.items[j]);
}

/* --- objects a dependency hands an endpoint, of the endpoint's session ------ */

/*
 * `user: User = Depends(current_user)` beside `db: AsyncSession =
 * Depends(get_db)`, where current_user loaded the user through its own
 * `Depends(get_db)`: FastAPI runs get_db once per request and hands both
 * the same session (its dependency cache), so the user is an object of
 * `db`, and what commits or rolls back `db` expires it.  Not so for
 * use_cache=False, or, before FastAPI 0.123, a dependency reached under
 * Security scopes and the other without.
 */
static void dependency_objects(Scan *c)
{
    const Node *f = c->func;
    const FlowFastApi *fa = c->env->fastapi;
    for (int i = 0; ast_param(f, i); i++) {
        Depends d, dj;
        ObjSrc src;
        if (!depends_of_param(c->env, c->scratch, c->scope, f, i, &d) || !d.def ||
            session_provider(c, d.def) || !provider_object(c, d.def, &src) || src.own ||
            src.dep.uncached || d.uncached)
            continue;
        for (int j = 0; ast_param(f, j); j++) {
            const char *name = ast_param(f, j)->v.arg.arg;
            if (j == i || session_index(c, name) < 0 ||
                !depends_of_param(c->env, c->scratch, c->scope, f, j, &dj) ||
                dj.def != src.dep.def || dj.uncached ||
                (fa && fa->scopes_split && d.scoped != dj.scoped))
                continue;
            push_at(c, EV_BIND, ast_param(f, i), name, ast_param(f, i)->v.arg.arg);
            break;
        }
    }
}

void detached_check(LifecycleSink *k, const FlowEnv *env, const ProjectFacts *facts,
                    Arena *scratch, const Node *const *funcs, int nfuncs)
{
    ProbeCache cache = {{NULL}, {NULL}, 0};
    OrmReadCache reads = {{NULL, 0, 0}};
    for (int i = 0; i < nfuncs; i++) {
        const Node *f = funcs[i];
        if (f->kind != NODE_FunctionDef && f->kind != NODE_AsyncFunctionDef)
            continue;
        Scan c = {.k = k, .env = env, .scratch = scratch, .func = f,
                  .scope = scope_of(env->scopes, f), .cache = &cache, .reads = &reads,
                  .facts = facts};
        if (!c.scope)
            continue;
        for (int j = 0; j < f->v.FunctionDef.body.n; j++)
            sessions(&c, f->v.FunctionDef.body.items[j]);
        c.endpoint = env->fastapi && env->fastapi->model &&
                     (fastapi_role(env->fastapi->model, f) & FASTAPI_ENDPOINT);
        if (c.endpoint)
            lent_sessions(&c);
        lost_writes(&c);
        for (int j = 0; c.tasks && j < f->v.FunctionDef.body.n; j++)
            note_tasks(NULL, f->v.FunctionDef.body.items[j], &c);
        param_sessions(&c);
        if (c.endpoint && c.nsess)
            dependency_objects(&c);
        if (!c.nsess && !calls_detaching(&c, f))
            continue;
        for (int j = 0; j < f->v.FunctionDef.body.n; j++)
            events(&c, f->v.FunctionDef.body.items[j]);
        replay(&c);
        arena_reset(scratch);
    }
    ormpaths_cache_free(&reads);
}
