/*
 * detached_replay.c - the second half of SL102/SL107 (detached.h): the
 * events detached.c collected for one function, replayed in execution
 * order (line, column, then the order they were made).
 *
 * Each name bound to an ORM object is followed as an Obj: its session, the
 * commit that expired it, the close that detached it, what its query and
 * the reads while its session was open loaded, what a flush left
 * unloaded.  A read that must load where it cannot is the finding: after
 * the close (SL102, DetachedInstanceError), or in an AsyncSession with no
 * await (SL107, MissingGreenlet); what a session FOLLOW_* narrows is left
 * out.  Probing a helper for its caller, nothing is reported: the replay
 * fills the Probe instead.
 */
#include <stdlib.h>
#include <string.h>

#include "rules/detached_impl.h"
#include "value.h"

#define msg arena_printf
#define MAX_OBJECTS 32     /* object names followed per function */
#define MAX_SET 8          /* attributes of an object changed before a flush, remembered */

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
    int flush_update;         /* ... by an UPDATE (else an INSERT) ... */
    OrmClass flush_cls;       /* ... that class, when a helper's module names it (else NULL) */
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

/* Does a commit of the session named s expire its objects? */
static int commit_expires(const Scan *c, const char *s)
{
    int i = session_index(c, s);
    return i >= 0 && c->sess_expires[i];
}

/* " (by `f()`, which it is handed to)" for a read in a function the object
 * is handed to (" (by `g()`, through `f()`, ...)" when f hands it on), " (by
 * `Out`, ...)" for a field a Pydantic model reads, else "". */
static const char *handed(Arena *a, const DEvent *e)
{
    if (e->schema) /* a Pydantic model reading each field it declares */
        return msg(a, " (by `%s`, which validates it from its attributes)",
                   e->schema->v.ClassDef.name);
    if (!e->via)
        return "";
    if (e->reader && e->reader != e->via)
        return msg(a, " (by `%s()`, through `%s()`, which it is handed to)",
                   e->reader->v.FunctionDef.name, e->via->v.FunctionDef.name);
    return msg(a, " (by `%s()`, which it is handed to)", e->via->v.FunctionDef.name);
}

static const Node *read_node(const Obj *o, const DEvent *e, int steps);
static void reader_step(const Scan *c, Finding *f, const DEvent *e);

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

/* Starts an SL102/SL107 finding on read e of o (steps: how far along its
 * chain the relationship is); *at is the node it points at.  0 when a
 * helper is being probed: its own check reports it. */
static int start_finding(Scan *c, const char *code, const Obj *o, const DEvent *e, int steps,
                         Finding *f, const Node **at)
{
    if (c->probe)
        return 0;
    memset(f, 0, sizeof *f);
    f->code = code;
    f->path = c->k->src->path;
    *at = read_node(o, e, steps);
    diag_span(f, *at);
    return 1;
}

/* Appends a witness step at n (at its end when end: where a block ends). */
static void add_step(Finding *f, const Node *n, int end, const char *note)
{
    f->trace[f->ntrace].path = f->path;
    f->trace[f->ntrace].line = end ? ast_end_lineno(n) : n->lineno;
    f->trace[f->ntrace].col = end ? n->end_col_offset : n->col_offset;
    f->trace[f->ntrace].note = note;
    f->ntrace++;
}

/* The witness note of a commit or a rollback that expired a session's objects. */
static const char *expired_note(int rollback)
{
    return rollback ? "rolled back here: every object of the session is expired, whatever "
                      "expire_on_commit says"
                    : "committed here: every object of the session is expired, to be reloaded on "
                      "its next read";
}

/*
 * Read e of o, an object a helper returned after its commit expired it and
 * its close detached it (Probe.expired): the finding is here, where the
 * read raises, with the helper's commit, close and return as witness steps.
 * At an endpoint's return, FastAPI's reading it for the response is the
 * read.
 */
static void report_returned(Scan *c, const Obj *o, const DEvent *e)
{
    Arena *a = c->k->a;
    const Probe *pr = o->from;
    Finding f;
    const Node *at;
    if (!start_finding(c, "SL102", o, e, 1, &f, &at))
        return;
    const char *hpath = pr->path ? pr->path : f.path;
    const char *fix = msg(a, "refresh it in `%s()` before its session closes, or make the "
                             "sessions with expire_on_commit=False",
                          pr->name);
    const char *how = pr->expired_rb ? "rolled back" : "committed";
    f.message = e->kind == EV_RETURN
                    ? msg(a, "ORM object `%s` comes from `%s()`, which %s its session (expiring "
                             "it) and closed it before returning it: FastAPI reads it to build "
                             "the response, and that raises DetachedInstanceError; %s",
                          o->name, pr->name, how, fix)
                    : msg(a, "ORM object `%s` comes from `%s()`, which %s its session (expiring "
                             "it) and closed it before returning it: this read%s raises "
                             "DetachedInstanceError; %s",
                          o->name, pr->name, how, handed(a, e), fix);
    /* in the order they run: a with block that commits or closes as it ends runs
       that after a return inside it */
    int block = pr->expired->kind != NODE_Call;
    TraceStep commit = {hpath, block ? ast_end_lineno(pr->expired) : pr->expired->lineno,
                        block ? pr->expired->end_col_offset : pr->expired->col_offset,
                        msg(a, "`%s()` %s its session here: every object of it is expired",
                            pr->name, pr->expired_rb ? "rolls back" : "commits")};
    TraceStep ret = {hpath, pr->ret->lineno, pr->ret->col_offset, "returned here"};
    TraceStep close = {hpath, ast_end_lineno(pr->close),
                       pr->close->kind == NODE_Call ? pr->close->col_offset
                                                    : pr->close->end_col_offset,
                       msg(a, "`%s()` closes its session here: the object is detached",
                           pr->name)};
    f.trace = arena_alloc(a, 6 * sizeof *f.trace);
    int ret_inside = pr->close->kind != NODE_Call && pr->ret->lineno <= ast_end_lineno(pr->close);
    if (block && pr->ret->lineno <= ast_end_lineno(pr->expired))
        f.trace[f.ntrace++] = ret;
    f.trace[f.ntrace++] = commit;
    if (ret_inside && !(block && pr->ret->lineno <= ast_end_lineno(pr->expired)))
        f.trace[f.ntrace++] = ret;
    f.trace[f.ntrace++] = close;
    if (!ret_inside)
        f.trace[f.ntrace++] = ret;
    f.trace[f.ntrace++] = (TraceStep){f.path, o->bound->lineno, o->bound->col_offset,
                                      msg(a, "`%s` is what `%s()` returns", o->name, pr->name)};
    f.trace[f.ntrace++] = (TraceStep){f.path, at->lineno, at->col_offset,
                                      e->kind == EV_RETURN
                                          ? "returned here: FastAPI reads its attributes to "
                                            "build the response"
                                          : "read here, with no session to reload it"};
    reader_step(c, &f, e);
    diag_add(c->k->out, &f);
}

static void report(Scan *c, const Obj *o, const DEvent *e, const Node *close)
{
    if (o->expired_by->kind == EV_BIND) {
        report_returned(c, o, e);
        return;
    }
    Arena *a = c->k->a;
    Finding f;
    const Node *at;
    if (!start_finding(c, "SL102", o, e, 1, &f, &at))
        return;
    const char *fix = "refresh it before the session closes, or make the sessions with "
                      "expire_on_commit=False";
    const Node *expired = o->expired_by->at;
    const Probe *by = o->expired_by->from; /* a helper's commit of a registry's session */
    const Probe *cby = o->closed_by && o->closed_by->at == close ? o->closed_by->from : NULL;
    int block_commit = expired->kind != NODE_Call; /* the end of a begin() block */
    const char *cm = block_commit ? committing_cm(expired) : NULL;
    int rollback = o->expired_by->kind == EV_ROLLBACK;
    if (rollback) /* expire_on_commit=False does not keep what a rollback expires */
        fix = "read what you need from it before the session closes, or refresh it after the "
              "rollback";
    const char *commit =
        by ? msg(a, "the %s in `%s()` called on line %d", rollback ? "rollback" : "commit",
                 by->name, expired->lineno)
        : rollback && cm ? msg(a, "the rollback `%s` makes as its `with` block ends on line %d",
                               cm, ast_end_lineno(expired))
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
        : expired_note(rollback),
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
        add_step(&f, steps[i], (i == 2 && steps[i]->kind != NODE_Return) || (i == 1 && block_commit),
                 notes[i]);
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
    Arena *a = c->k->a;
    Finding f;
    const Node *at;
    if (!start_finding(c, "SL102", o, e, lz->steps, &f, &at))
        return;
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
    for (int i = 0; i < 3; i++)
        add_step(&f, steps[i], i == 1 && steps[i]->kind != NODE_Return, notes[i]);
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
    Arena *a = c->k->a;
    Finding f;
    const Node *at;
    if (!start_finding(c, "SL107", o, e, lz ? lz->steps : 1, &f, &at))
        return;
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
        notes[1] = expired_note(rollback);
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
        add_step(&f, steps[i], 0, notes[i]);
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
    OrmClass cls = o->flush_cls.def ? o->flush_cls
                                    : ormpaths_class(c->env, c->env->scopes, c->scope,
                                                     o->flush_ent->v.Name.id);
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
    Arena *a = c->k->a;
    Finding f;
    const Node *at;
    if (!start_finding(c, "SL107", o, e, 1, &f, &at))
        return;
    const DEvent *fl = o->flushed_by;
    const Probe *in = fl->flushed_in; /* a helper's flush, which returned it */
    const char *dot = strchr(path, '.');
    int len = dot ? (int)(dot - path) : (int)strlen(path);
    const char *how = fl->kind == EV_COMMIT ? "commit" : "flush";
    const char *where = in ? msg(a, "in `%s()` (%s:%d)", in->name, in->path ? in->path : f.path,
                                 in->flush_at->lineno)
                           : msg(a, "on line %d", fl->at->lineno);
    f.message = msg(a, "ORM object `%s` of an AsyncSession is read for `%.*s`%s after the %s %s "
                       "left it unloaded: the %s had the database %s it (`%s` of `%s`) "
                       "and the mapper does not fetch it back; loading it is I/O that a plain "
                       "attribute read cannot await, so it raises MissingGreenlet; `await "
                       "%s.refresh(%s)` after the %s, or eager_defaults=True on the mapper",
                    o->name, len, path, handed(a, e), how, where,
                    o->flush_update ? "UPDATE" : "INSERT",
                    o->flush_update ? "set" : "generate", gen, o->flush_ent->v.Name.id,
                    in ? in->flush_sess : fl->sess, in ? in->flush_obj : o->name, how);
    const DEvent *ch = o->flush_update ? (o->alt && !o->changed ? o->alt : o->changed) : NULL;
    f.trace = arena_alloc(a, 5 * sizeof *f.trace);
    const Node *bound = ch && ch == o->alt ? o->alt_bound : o->bound;
    f.trace[f.ntrace++] = (TraceStep){f.path, bound->lineno, bound->col_offset,
                                      in ? msg(a, "`%s` is what `%s()` returns, an object of "
                                                  "the AsyncSession `%s` it is handed",
                                               o->name, in->name, fl->sess)
                                         : msg(a, "`%s` is an object of the AsyncSession `%s` "
                                                  "from here", o->name, fl->sess)};
    if (ch)
        f.trace[f.ntrace++] = (TraceStep){f.path, ch->at->lineno, ch->at->col_offset,
                                          ch == o->alt ? "on another path it holds a loaded "
                                                         "object, changed here: the flush "
                                                         "sends its UPDATE"
                                                       : "changed here: the flush sends its "
                                                         "UPDATE"};
    const Node *flat = in ? in->flush_at : fl->at;
    f.trace[f.ntrace++] = (TraceStep){
        in && in->path ? in->path : f.path, flat->lineno, flat->col_offset,
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
    Arena *a = c->k->a;
    Finding f;
    const Node *at;
    if (!start_finding(c, "SL102", o, e, lz ? lz->steps : 1, &f, &at))
        return;
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

/* Read e of o in an after_commit listener (e->hook), which its session's
 * commit runs in the committed state: o must load, expired by the commit
 * x before (or a lazy relationship lz when x is NULL), and cannot. */
static void report_hook(Scan *c, const Obj *o, const DEvent *e, const DEvent *x,
                        const OrmLazy *lz)
{
    Arena *a = c->k->a;
    Finding f;
    const Node *at;
    if (!start_finding(c, "SL102", o, e, lz ? lz->steps : 0, &f, &at))
        return;
    const char *hook = e->hook->v.FunctionDef.name;
    const char *why = x ? msg(a, "the %s on line %d expired it", x->kind == EV_ROLLBACK
                                                                    ? "rollback" : "commit",
                              x->at->lineno)
                        : msg(a, "`%s` is a relationship loaded on first read",
                              lazy_text(a, o, lz));
    f.message = msg(a, "ORM object `%s` is read in the after_commit listener `%s`, which the "
                       "commit of `%s` runs once its transaction is over, when the session "
                       "cannot emit SQL: %s, so loading it raises InvalidRequestError; read "
                       "what the listener needs before the commit and hand it plain values",
                    o->name, hook, o->sess, why);
    f.trace = arena_alloc(a, 5 * sizeof *f.trace);
    add_step(&f, o->bound, 0, msg(a, "`%s` is an object of the session `%s` here", o->name,
                                  o->sess));
    if (x)
        add_step(&f, x->at, 0, expired_note(x->kind == EV_ROLLBACK));
    add_step(&f, e->hook, 0, msg(a, "`%s` listens to the session's after_commit event", hook));
    f.trace[f.ntrace++] = (TraceStep){f.path, e->line, e->col,
                                      "the commit that runs it: no SQL from here until it "
                                      "returns"};
    add_step(&f, at, 0, "read here, in the listener");
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
    int si = o->sess ? session_index(c, o->sess) : -1;
    if (lazy && !lz.many && (follow & FOLLOW_ASYNC) && follow != FOLLOW_ALL && !e->task &&
        !(c->handed_plain && si >= 0 && c->sess_loads[si] == 1))
        lazy = 0; /* one object of a handed session: the caller may have loaded it already,
                     and a many-to-one finds it in the identity map with no SELECT; unless
                     the caller handed no object and this is the function's one load */
    int all = follow == FOLLOW_ALL || ((follow & FOLLOW_LATE) && e->task);
    if (e->hook) { /* in an after_commit listener: nothing loads, and nothing is loaded */
        const DEvent *x = holds(o->expired_by, e) && !holds(o->closed_by, e) ? o->expired_by
                                                                             : NULL;
        for (int k = 0; x && path && k < o->nset && k < MAX_SET; k++)
            if (!strcmp(o->set[k], path))
                x = NULL; /* `o.x = v` since: the value given is there, nothing loads */
        if (x || (lazy && all && !holds(o->closed_by, e))) {
            report_hook(c, o, e, x, x ? NULL : &lz);
            reported(o);
        }
        return;
    }
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

/* Probing a helper: the object o it returns at e has columns its flush
 * left unloaded, in the session a parameter hands it (its caller's): the
 * caller gets it so, from the call (flush_param).  A helper that refreshed
 * it, or whose session is its own, hands back nothing unloaded. */
static void probe_flushed(const Scan *c, const Obj *o, const DEvent *e)
{
    Probe *pr = c->probe;
    if (!pr || pr->flush_param || !o || !o->sess || !o->flushed_by || !o->prefix ||
        *o->prefix || failed(o->flushed_by, e) || !holds(o->flushed_by, e) ||
        holds(o->closed_by, e))
        return;
    for (int i = 0; i < 32 && ast_param(c->func, i); i++) {
        if (strcmp(ast_param(c->func, i)->v.arg.arg, o->sess))
            continue;
        pr->flush_param = i + 1;
        pr->flush_at = o->flushed_by->at;
        pr->flush_cls = ormpaths_class(c->env, c->env->scopes, c->scope,
                                       o->flush_ent->v.Name.id);
        pr->flush_ent = o->flush_ent;
        pr->flush_made = o->flush_update ? NULL : o->made;
        pr->flush_update = (unsigned char)o->flush_update;
        memcpy(pr->flush_set, o->fset, sizeof pr->flush_set);
        pr->flush_nset = o->nfset;
        pr->flush_sess = o->sess;
        pr->flush_obj = o->name;
        return;
    }
}

/* The caller's side: o is bound at e to what the helper e->flushed_in
 * returned, flushed and unloaded as probe_flushed found it. */
static void bind_flushed(Obj *o, const DEvent *e)
{
    const Probe *pr = e->flushed_in;
    o->flushed_by = e;
    o->flush_ent = pr->flush_ent;
    o->flush_cls = pr->flush_cls;
    o->flush_update = pr->flush_update;
    o->made = pr->flush_made;
    memcpy(o->fset, pr->flush_set, sizeof o->fset);
    o->nfset = pr->flush_nset;
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

void dt_replay(Scan *c)
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
            int si = e->sess ? session_index(c, e->sess) : -1;
            if (si >= 0 && c->sess_loads[si] < 2)
                c->sess_loads[si]++; /* what the identity map may hold (handed_plain) */
            if (o) {
                Obj prev = *o;
                *o = (Obj){.name = e->obj, .sess = e->sess, .bound = e->at,
                           .pending = e->added ? e : NULL, .ent = e->ent, .from = e->from,
                           .loaded = e->loaded, .nloaded = e->nloaded, .prefix = "",
                           .made = e->added ? prev.made : e->made};
                carry(c, o, &prev, e);
                if (e->from && !e->from->reg.call && e->from->expired)
                    o->expired_by = e; /* the helper's commit expired it: the bind stands
                                          for it, report_returned tells */
            }
            for (int k = 0; o && e->from && k < e->from->nread && k < MAX_READ; k++)
                o->read[o->nread++] = e->from->read[k];
            if (o && e->flushed_in)
                bind_flushed(o, e);
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
            probe_flushed(c, o, e);
            int ri = c->probe && o && o->sess && (o->ent || o->made) && !c->probe->ent
                         ? session_index(c, o->sess) : -1;
            if (ri >= 0 && c->sess_follow[ri] == FOLLOW_HELD) {
                /* the caller gets it of the session its receiver keeps there */
                Probe *pr = c->probe;
                size_t n = strlen(c->held_self);
                const DEvent *x = holds(o->expired_by, e) ? o->expired_by : NULL;
                pr->held = c->sess[ri] + n + 1;
                pr->held_kind = x && (x->kind == EV_COMMIT || x->kind == EV_ROLLBACK) &&
                                        !failed(x, e) ? (unsigned char)(1 + x->kind) : 0;
                probe_returns(pr, o);
                const char *id = pr->ent->v.Name.id;
                if (!strncmp(id, c->held_self, n) && id[n] == '.')
                    pr->held_ent = id + n + 1; /* `self.model`: the receiver's class says */
                pr->ret_pos = e->pos;
                pr->ret_n = e->npos;
                break;
            }
            if (ri >= 0 && c->sess_reg[ri]) { /* the caller gets it of its thread's session */
                Probe *pr = c->probe;
                pr->reg = (Registry){c->sess_reg[ri], c->sess[ri], c->sess_expires[ri],
                                     c->sess_async[ri]};
                pr->reg_expired = holds(o->expired_by, e) != 0;
                pr->reg_closed = holds(o->closed_by, e) || close_after(c, i, o->sess);
                probe_returns(pr, o);
                pr->ret_pos = e->pos;
                pr->ret_n = e->npos;
                break; /* the registry's session outlives the function: not its finding */
            }
            const DEvent *x = c->probe && o && o->sess
                                  ? holds(o->expired_by, e) ? o->expired_by
                                                            : block_commit_after(c, i, o->sess, e->at)
                                  : NULL;
            const Node *gone = c->probe && o && o->sess && (o->ent || (o->made && x)) &&
                                       !c->probe->ent
                                   ? holds(o->closed_by, e) ? o->closed_by->at
                                                            : close_after(c, i, o->sess)
                                   : NULL;
            if (gone) { /* the caller gets it detached, and expired if a commit came first
                           (one it made and added too: `u = User(...)`) */
                probe_returns(c->probe, o);
                c->probe->close = gone;
                c->probe->ret = e->at;
                c->probe->ret_pos = e->pos;
                c->probe->ret_n = e->npos;
                if (x && !x->from) {
                    c->probe->expired = x->at;
                    c->probe->expired_rb = x->kind == EV_ROLLBACK;
                }
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
            if (close && !c->endpoint) {
                o->sess = NULL; /* a helper's: the defect is its caller's first read of
                                   what it returns (probe_of), reported there */
            } else if (close) {
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
