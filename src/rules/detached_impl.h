/*
 * detached_impl.h - what the two halves of the SL102/SL107 check share
 * (detached.h): detached.c walks a function into events (the sessions it
 * makes or is handed, and in source order what happens to each name bound
 * to one of their objects), detached_replay.c replays them in execution
 * order and reports.  Internal to src/rules/detached*.c; the types live in
 * the scratch arena of one function's check, on one thread.
 */
#ifndef SL_DETACHED_IMPL_H
#define SL_DETACHED_IMPL_H

#include <string.h>

#include "flow.h"
#include "project.h"
#include "rules/lifecycle.h"
#include "rules/ormpaths.h"

#define WALK_MAX_DEPTH 200 /* statement and expression nesting followed */
#define MAX_SESSIONS 16    /* session names followed per function */
#define MAX_EVENTS 4096    /* events kept per function */
#define MAX_RESULTS 8      /* names bound to query results followed per function */
#define MAX_BOUND 32       /* `name = call(...)` statements sessions() keeps per function */

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
enum { FOLLOW_FLUSH = 1, FOLLOW_LATE = 2, FOLLOW_ASYNC = 4, FOLLOW_HELD = 8, FOLLOW_ALL = 0xff };

/* FOLLOW_HELD: probing a method for its caller, a session its instance keeps
 * (`self.db`, a session by the value model): what the method does to it
 * and hands back of it is the caller's, on the session the caller's object
 * keeps there (held_session). */
#define MAX_HELD 8 /* what a method does to the sessions its instance keeps, remembered */

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
    const Node *expired;      /* the commit (a Call, or the with whose block commits) or
                                 rollback of def that expired it before that close, or
                                 NULL: then only what its query left unloaded raises */
    unsigned char expired_rb; /* ... a rollback */
    const Node *ret;          /* the return that hands it over */
    unsigned char ret_pos, ret_n; /* ... in a tuple display of ret_n items, at position
                                     ret_pos - 1 (`return hero, True`); 0: the value itself */
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
    /* What it returns is an object of the session its parameter flush_param - 1 holds
       (0: none), which a flush there left unloaded (SL107): where, in which class (its
       module's), by an UPDATE or an INSERT, the attributes that flush sent, and the
       names the helper gives the session and the object */
    int flush_param;
    const Node *flush_at;
    OrmClass flush_cls;
    const Node *flush_ent, *flush_made; /* its class's name; the call that made it (INSERT) */
    unsigned char flush_update;
    const char *flush_set[8];
    int flush_nset;
    const char *flush_sess, *flush_obj;
    /* A method (FOLLOW_HELD): what it returns is an object of the session its instance
       keeps in self.<held> (NULL: none), that a commit or rollback of it after its load
       expired (held_kind 1 + EV_COMMIT or EV_ROLLBACK; 0 none); of the class self.<held_ent>
       names when its query selects that (`self.model` of a generic repository: the
       receiver's class says which; ent is then a placeholder) */
    const char *held, *held_ent;
    unsigned char held_kind;
    /* ... and what it does to the sessions its instance keeps, in self.<heff_attr[i]>:
       heff_kind[i] EV_COMMIT, EV_ROLLBACK (some path), EV_CLOSE (every normal exit), or
       EV_BIND: adds its parameter heff_param[i] (ast_param's count; *args after them) */
    const char *heff_attr[MAX_HELD];
    unsigned char heff_kind[MAX_HELD];
    signed char heff_param[MAX_HELD];
    int nheff;
} Probe;

typedef struct DEvent {
    int line, col, seq;   /* where: execution order for straight-line code */
    int until_line, until_col; /* EV_COMMIT, EV_CLOSE: in effect up to there (0: on) */
    unsigned char kind;
    const char *sess;     /* EV_COMMIT, EV_CLOSE, EV_BIND: the session's name */
    const char *obj;      /* EV_BIND, EV_READ, EV_RETURN, EV_FORGET: the object's */
    const Node *at;
    const Node *ent;      /* EV_BIND of a loaded object: its class's name (`User`) */
    const Node *cls;      /* ... whether or not its loaded paths are known (its methods) */
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
    const Node *schema;   /* EV_READ of a field by this Pydantic model (its ClassDef), which
                             validates the object by reading each field it declares */
    const Probe *flushed_in; /* EV_BIND of what this helper returned unloaded by its flush */
    unsigned char pos, npos; /* EV_RETURN of an item of a tuple display of npos items (a
                                helper probed): 1 + its position; 0 the value itself */
    const Node *hook;     /* EV_READ in this after_commit listener, run by the commit it is
                             placed before: the session cannot emit SQL there */
} DEvent;

#define MAX_HOOKS 4 /* after_commit listeners followed per function */

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
    unsigned char item_rb[MAX_SESSIONS];      /* ... and it rolls back after its yield */
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
    int handed_plain;   /* the function (and, for a method, its class's __init__) is
                           handed nothing but sessions and plain values (annotated int,
                           str, UUID, ...): no object its caller loaded (handed_plain) */
    unsigned char sess_loads[MAX_SESSIONS]; /* the replay: objects loaded so far through
                                               each session (2: more than one) */
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
    const char *held_self;        /* probing a method: its instance's parameter (`self`),
                                     whose attributes holding sessions are FOLLOW_HELD */
    const Node *bound[MAX_BOUND]; /* sessions() saw `name = f(...)` (awaited or not; f a
                                     name or attribute), in walk order: what calls_detaching
                                     asks of, without a walk of its own ... */
    int nbound;                   /* ... how many, MAX_BOUND + 1 when there were more */
    const Node *hook[MAX_HOOKS];      /* after_commit listeners (nested defs) registered on
                                         ... */
    const char *hook_sess[MAX_HOOKS]; /* ... these sessions, in source order so far ... */
    unsigned char hook_once[MAX_HOOKS]; /* ... once=True (2: it ran already) */
    int nhook;
    const Node *firing;               /* walking that listener at the commit running it */
    const Node *defs[MAX_HOOKS];      /* nested defs seen, for event.listen(s, ..., f) */
    int ndefs;
    const char *held_obj[MAX_SESSIONS]; /* "auth.user": an ORM object a dependency's object
                                           keeps, followed under that name (held_ref) */
    int nheld_obj;
} Scan;

/* The index of the session named name in c->sess, or -1. */
static inline int session_index(const Scan *c, const char *name)
{
    for (int i = 0; i < c->nsess; i++)
        if (!strcmp(c->sess[i], name))
            return i;
    return -1;
}

/* Replays c's events in execution order (sorting them): the findings, or
 * what the helper probed for c->probe hands its caller. */
void dt_replay(Scan *c);

#endif
