/*
 * lifecycle.c - SL101 double-release, SL102 use-after-release, SL103
 * release-skipped, SL104 unguarded-yield-dependency, SL106
 * redundant-release: the wording of each finding and its witness path.
 * Which problem is which rule, and how severe, follows the resource model:
 * a second release is SL101 only where the model says it harms (a pool),
 * and SL106 where it is idempotent.
 */
#include "rules/lifecycle.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "rules/sharing.h"
#include "scope.h"
#include "value.h"

#define msg arena_printf

/* The source text of a one-line node, shortened: "SessionLocal()". */
static const char *text_of(Arena *a, const Source *src, const Node *n)
{
    if (!n || n->lineno != ast_end_lineno(n) || n->lineno < 1 || n->lineno > src->nlines)
        return "it";
    const char *s = src->text + src->lines[n->lineno - 1] + n->col_offset;
    int len = n->end_col_offset - n->col_offset;
    if (len > 40) /* keep the callee and elide the arguments */
        return msg(a, "%.*s...", 36, s);
    return msg(a, "%.*s", len, s);
}

/* "session `db`" or "session from `SessionLocal()`". */
const char *lifecycle_what(Arena *a, const Source *src, const FlowReport *r)
{
    const char *noun = r->res ? r->res->noun : model_res(r->res_kind)->noun;
    if (r->var)
        return msg(a, "%s `%s`", noun, r->var);
    return msg(a, "%s from `%s`", noun, text_of(a, src, r->site));
}

/* The line of the last event whose note starts with prefix, or 0. */
static int event_line(const FlowReport *r, const char *prefix)
{
    for (int i = r->nevents - 1; i >= 0; i--)
        if (r->events[i].note && !strncmp(r->events[i].note, prefix, strlen(prefix)))
            return r->events[i].line;
    return 0;
}

/* Does the yield r is reported at hand over the resource itself (`yield
 * conn`), rather than what it reads (`yield row`)?  The witness has the
 * yield's position, not its node: its text says. */
static int yields_itself(const LifecycleSink *k, const FlowReport *r)
{
    for (int i = r->nevents - 1; i >= 0 && r->var; i--) {
        if (!r->events[i].note || !strstr(r->events[i].note, "at this yield") || r->events[i].path)
            continue;
        size_t n;
        const char *t = source_line(k->src, r->events[i].line, &n);
        size_t at = (size_t)r->events[i].col, vl = strlen(r->var);
        if (at + 5 > n || strncmp(t + at, "yield", 5))
            return 1;
        for (at += 5; at < n && (t[at] == ' ' || t[at] == '\t'); at++)
            ;
        if (at + vl > n || strncmp(t + at, r->var, vl))
            return 0;
        at += vl;
        return at == n || !(isalnum((unsigned char)t[at]) || t[at] == '_' || t[at] == '.' ||
                            t[at] == '[' || t[at] == '(');
    }
    return 1;
}

static const char *leak_message(Arena *a, const char *w, const FlowReport *r)
{
    int raised = event_line(r, "this may raise");
    int thrown = event_line(r, "an exception is raised");
    int rebound = event_line(r, "`");
    int returns = event_line(r, "the function returns here");
    if (event_line(r, "the result is not kept"))
        return msg(a, "%s is acquired and dropped: nothing releases it", w);
    if (event_line(r, "the handlers run here"))
        return msg(a, "%s is put in the context this middleware hands on, which lives for one "
                      "event: the handlers use it and nothing closes it after they return, so "
                      "every event leaves one open; close it once `next()` returns (a with block "
                      "around the call)",
                   w);
    if (event_line(r, "handed here to `"))
        return msg(a, "%s is made only to be passed to a function that uses it and never "
                      "releases it: nothing holds it to release it",
                   w);
    int cancelled = event_line(r, "cancelled again here");
    if (cancelled)
        return msg(a, "%s can stay out of its pool when a BaseHTTPMiddleware cancels the "
                      "request's task (a client that disconnects): the CancelledError thrown in "
                      "at the yield is raised again at the await on line %d before the release "
                      "runs; release it first in the finally or pass the teardown through "
                      "asyncio.shield",
                   w, cancelled);
    int unawaited = event_line(r, "not awaited here");
    if (unawaited)
        return msg(a, "%s is not released: the close on line %d is not awaited, so it never runs",
                   w, unawaited);
    if (event_line(r, "kept in `self."))
        return msg(a, "%s is kept by an object FastAPI makes for each request, and no method of its "
                      "class releases it: every request leaves one open",
                   w);
    if (event_line(r, "FastAPI makes it"))
        return msg(a, "%s is made by FastAPI for each request, and FastAPI releases only what a "
                      "generator dependency yields: every request leaves one open",
                   w);
    if (event_line(r, "FastAPI hands it"))
        return msg(a, "%s is returned by a FastAPI dependency, and FastAPI releases only what a "
                      "generator dependency yields: every request leaves one open",
                   w);
    if (raised && event_line(r, "the session the `with` enters"))
        return msg(a, "%s is not closed if the call on line %d raises: the `with` runs its exit "
                      "only once the enter returns, so the connection it checked out stays out "
                      "of the pool; close it before raising again",
                   w, raised);
    int unreleasable = 0; /* an owning object whose class cannot release it */
    for (int i = 0; i < r->nevents; i++)
        if (r->events[i].note && strstr(r->events[i].note, "; no method of `"))
            unreleasable = 1;
    if (unreleasable)
        return msg(a, "%s is kept by an object whose class has no method that releases it: "
                      "nothing can close it, and every object made leaves one open",
                   w);
    if (!r->ever_released && !r->ever_returned)
        return msg(a, "%s is never released: no path of the function closes it", w);
    if (rebound)
        return msg(a, "%s is rebound on line %d while still open, so the first one is never released", w,
                   rebound);
    int falsy = event_line(r, "passed here with `");
    if (falsy)
        return msg(a, "%s is not released when the call on line %d passes a false value: the "
                      "function it calls releases it only for a true one",
                   w, falsy);
    if (raised)
        return msg(a, "%s is not released if the call on line %d raises", w, raised);
    if (thrown)
        return msg(a, "%s is not released when the exception on line %d is raised", w, thrown);
    if (returns)
        return msg(a, "%s is not released when the function returns on line %d", w, returns);
    return msg(a, "%s is not released on every path out of the function", w);
}

/* How a released resource of this kind reaches whoever uses it next. */
static const char *handed_back(const ResInfo *ri)
{
    return ri->after == AFTER_REOPENS ? "closed, and its first use checks out a new connection "
                                        "that nothing releases"
           : ri->after == AFTER_SHARED ? "back in the pool, where another request may already "
                                         "hold it"
                                       : "released";
}

/* SL206/SL207 for a session in its transaction when the endpoint returns,
 * which its provider releases only after the background tasks
 * (fo_background): the task's second connection, or its wait, with the
 * request's connection held idle all along. */
static const char *background_message(Arena *a, const FlowReport *r, const char *w)
{
    static const char wait[] = "handed over here: a background task that ";
    const char *what = NULL;
    for (int i = r->nevents - 1; i >= 0 && !what; i--)
        if (r->events[i].note && !strncmp(r->events[i].note, wait, sizeof wait - 1))
            what = r->events[i].note + sizeof wait - 1;
    if (r->problem == FLOW_NESTED_CHECKOUT)
        return msg(a, "%s is still in its transaction when the endpoint returns (a connection "
                      "checked out on line %d), and the background task handed over here takes "
                      "a second connection of the same pool while that one stays held: %s, so "
                      "each request needs two at once, and once as many run together as the "
                      "pool has connections every task waits for a second that none gives back; "
                      "commit or close the session before returning",
                   w, event_line(r, "a connection of the pool is checked out here"), r->owner);
    return msg(a, "%s is still in its transaction when the endpoint returns (a connection "
                  "taken on line %d), and the background task handed over here %s: %s, so the "
                  "connection sits idle in its open transaction, with its locks, for as long "
                  "as the task waits, and once as many tasks wait together as the pool has "
                  "connections every other request waits too; commit or close the session "
                  "before returning",
               w, event_line(r, "a connection of the pool is taken here"),
               what ? what : "waits", r->owner);
}

void lifecycle_report(void *arg, const FlowReport *r)
{
    LifecycleSink *k = arg;
    const ResInfo *ri = r->res ? r->res : model_res(r->res_kind);
    const char *w = lifecycle_what(k->a, k->src, r);
    Finding f = {0};
    int since;
    switch (r->problem) {
    case FLOW_DOUBLE_RELEASE:
        if (ri->twice == HARM_DOUBLE) {
            f.code = "SL101";
            f.message = msg(k->a, "%s is released twice: the pool may already have handed it to "
                                  "another request, which now shares it", w);
        } else {
            f.code = "SL106";
            f.message = msg(k->a, "%s is released twice; the second %s does nothing", w,
                            ri->release);
        }
        break;
    case FLOW_USE_AFTER:
        f.code = "SL102";
        f.message = event_line(r, "returned here from inside the `with` block, whose end "
                                  "releases its connection")
                        ? msg(k->a, "%s is returned from inside the `with` block that releases its "
                                    "connection: the caller reads rows from %s after the "
                                    "connection went back to the pool, which closes it (an "
                                    "overflow connection, NullPool) or lends it to another "
                                    "thread; fetch the rows (`.all()`, `fetchall()`) inside the "
                                    "block",
                              w, r->res_kind == RES_RESULT ? "the connection's cursor" : "it")
                    : r->res_kind == RES_RESULT
                        ? msg(k->a, "%s is read after its connection was released (line %d): its "
                                    "rows come from the connection's cursor, which the pool "
                                    "closes (an overflow connection, NullPool) or lends to another "
                                    "thread; fetch the rows (`.all()`, `.scalar()`) before the "
                                    "release",
                              w, event_line(r, "its connection is released here"))
                    : event_line(r, "reused here by `")
                        ? msg(k->a, "%s stays in an attribute after the `with` block releases it, "
                                    "and the class reuses that attribute while it is set (line "
                                    "%d): the next call gets it %s",
                              w, event_line(r, "reused here by `"), handed_back(ri))
                    : event_line(r, "returned here from inside the `with`")
                        ? msg(k->a, "%s is returned from inside the `with` block that releases it: "
                                    "the caller gets it %s",
                              w, handed_back(ri))
                    : ri->after == AFTER_REOPENS && event_line(r, "this may raise")
                        ? msg(k->a, "%s is used after close: this checks out a new connection "
                                    "that nothing releases if the call on line %d raises",
                              w, event_line(r, "this may raise"))
                    : ri->after == AFTER_REOPENS
                        ? msg(k->a, "%s is used after close: this checks out a new connection "
                                    "that nothing releases", w)
                    : ri->after == AFTER_SHARED
                        ? msg(k->a, "%s is used after it went back to the pool, where another "
                                    "request may already hold it", w)
                        : msg(k->a, "%s is used after it was released", w);
        break;
    case FLOW_NESTED_CHECKOUT:
        f.code = "SL206";
        if (r->job == JOB_BACKGROUND) {
            f.message = background_message(k->a, r, w);
            break;
        }
        if (!(since = event_line(r, "a connection of the pool is checked out here")) && r->site)
            since = r->site->lineno; /* by a dependency, before the endpoint runs */
        f.message = msg(k->a, "%s still holds a pooled connection (checked out on line %d) "
                              "when a second connection of the same pool is taken here: each "
                              "run needs two at once, so once as many run together as the pool "
                              "has connections, every one waits for a second that none gives "
                              "back, and all fail at the pool's timeout; commit or close the "
                              "first before, or do the work on the same session",
                        w, since);
        break;
    case FLOW_HELD_WAIT:
        f.code = "SL207";
        if (r->job == JOB_BACKGROUND) {
            f.message = background_message(k->a, r, w);
            break;
        }
        if (!(since = event_line(r, "a connection of the pool is taken here")) && r->site)
            since = r->site->lineno; /* checked out where it was acquired */
        f.message = msg(k->a, "%s keeps a connection checked out of its pool (since line %d) "
                              "while %s: the connection sits idle, in its open transaction and "
                              "with its locks when it has one, for as long as the wait lasts, and "
                              "once as many runs wait together as the pool has connections every "
                              "other user of the pool waits too; commit or close before waiting, "
                              "and open the session again after",
                        w, since,
                        event_line(r, "this call sleeps")   ? "a function it calls sleeps"
                        : event_line(r, "it sleeps")        ? "it sleeps"
                        : event_line(r, "this call waits")  ? "a function it calls waits for "
                                                              "other work"
                        : event_line(r, "it waits here on a blocking read")
                            ? "it waits on a blocking read (a Redis stream or list, a pub/sub "
                              "channel) for what another process writes"
                        : event_line(r, "it waits here for a child process")
                            ? "it waits for a child process to finish"
                        : event_line(r, "it waits here for work it handed")
                            ? "it waits for work it handed to another thread or process (an "
                              "executor, a worker thread, a subprocess)"
                        : event_line(r, "it waits here")    ? "it waits for other work (a task, "
                                                              "an event, a queue)"
                        : event_line(r, "this call, made")  ? "a function it calls once per item "
                                                              "of a loop makes HTTP requests"
                                                            : "it makes an HTTP request once per "
                                                              "item of a loop");
        break;
    case FLOW_RELEASE_BORROWED:
        f.code = "SL105";
        f.message = ri->twice == HARM_DOUBLE && !(r->nevents && strstr(r->events[r->nevents - 1].note, "commits"))
                        ? msg(k->a, "%s belongs to its provider, which returns it to the pool "
                                    "again: two returns, and two requests may share it", w)
                        : msg(k->a, "%s belongs to its provider, which commits it after this "
                                    "function returns: closing it here discards the writes", w);
        break;
    case FLOW_LEAK_AT_YIELD:
        f.code = "SL104";
        f.message = event_line(r, "made here by the enclosing function")
            ? msg(k->a, "%s, made by the enclosing function, is released by this generator "
                        "after a yield without try/finally: when the generator is closed at the "
                        "yield (a client leaves the streamed response, a consumer stops early), "
                        "the release never runs", w)
            : yields_itself(k, r)
            ? msg(k->a, "%s is yielded and released after the yield without try/finally: "
                        "an exception thrown in at the yield skips the release", w)
            : msg(k->a, "%s is held across a yield and released after it without try/finally: "
                        "when the generator is closed at the yield (a consumer stops early) or "
                        "an exception is thrown in there, the release never runs", w);
        break;
    case FLOW_OUTLIVES:
    case FLOW_CONCURRENT:
    case FLOW_HELD_BY_STREAM:
        sharing_flow_report(k, r);
        return;
    default:
        f.code = "SL103";
        f.message = leak_message(k->a, w, r);
        break;
    }
    f.fix = lifecycle_fix(k, r, f.code);
    lifecycle_emit(k, &f, r);
}

void lifecycle_emit(LifecycleSink *k, Finding *fp, const FlowReport *r)
{
    Finding f = *fp;
    const Node *at = r->at ? r->at : r->site;
    if (r->problem == FLOW_LEAK_AT_YIELD) { /* reported at the yield */
        for (int i = r->nevents - 1; i >= 0; i--)
            if (r->events[i].note && strstr(r->events[i].note, "at this yield")) {
                f.line = r->events[i].line;
                f.col = r->events[i].col;
                break;
            }
    }
    if (!f.line && at)
        diag_span(&f, at);
    if (!f.end_line) {
        f.end_line = f.line;
        f.end_col = f.col;
    }
    f.path = k->src->path;
    f.trace = arena_alloc(k->a, (size_t)(r->nevents ? r->nevents : 1) * sizeof *f.trace);
    for (int i = 0; i < r->nevents; i++) {
        f.trace[f.ntrace].path = r->events[i].path ? r->events[i].path : k->src->path;
        f.trace[f.ntrace].line = r->events[i].line ? r->events[i].line : f.line;
        f.trace[f.ntrace].col = r->events[i].line ? r->events[i].col : f.col;
        const char *note = r->events[i].note ? r->events[i].note : "";
        f.trace[f.ntrace].note = arena_strndup(k->a, note, strlen(note)); /* outlives the scratch */
        f.ntrace++;
    }
    diag_add(k->out, &f);
}

/* ---- SL104 delegation: `async for x in gen(): yield x` ---- */

/* Does the annotation mention a session or connection type by name? */
static int names_resource_type(const Node *ann, int depth)
{
    if (!ann || depth > 16)
        return 0;
    switch (ann->kind) {
    case NODE_Name: case NODE_Attribute: {
        const char *id = ann->kind == NODE_Name ? ann->v.Name.id : ann->v.Attribute.attr;
        return strstr(id, "Session") || strstr(id, "Connection") || strstr(id, "Cursor");
    }
    case NODE_Subscript:
        return names_resource_type(ann->v.Subscript.slice, depth + 1);
    case NODE_Tuple:
        for (int i = 0; i < ann->v.Tuple.elts.n; i++)
            if (names_resource_type(ann->v.Tuple.elts.items[i], depth + 1))
                return 1;
        return 0;
    case NODE_Constant: /* a string annotation: "AsyncIterator[AsyncSession]" */
        return ann->v.Constant.value.kind == CONST_STR &&
               (strstr(ann->v.Constant.value.s, "Session") || strstr(ann->v.Constant.value.s, "Connection"));
    default:
        return 0;
    }
}

/* Is what `async for` iterates a provider of sessions or connections?  Its
 * callee a name, or an attribute (`sessions.get_session()` of a module
 * imported whole) that the value model resolves. */
static int is_provider_call(Arena *a, const FlowEnv *env, const Scope *s, const Node *call)
{
    const Node *f = call->v.Call.func;
    if ((f->kind != NODE_Name && f->kind != NODE_Attribute) || !env->summary_of)
        return 0;
    const Binding *b =
        f->kind == NODE_Name ? scope_lookup(env->scopes, s, f->v.Name.id, NULL) : NULL;
    const Node *def = b && b->kind == BIND_DEF ? b->def : NULL;
    if (!def && env->values) { /* imported: the def the value model resolves */
        Val v = value_of(env->values, a, env->scopes, s, f);
        def = v.tag == VAL_FUNC && v.node && v.node->kind == NODE_AsyncFunctionDef ? v.node : NULL;
    }
    if (!def)
        return 0;
    const FlowSummary *sum = env->summary_of(env->summary_arg, def);
    return (sum && sum->yields_kind != RES_NONE) ||
           names_resource_type(def->v.FunctionDef.returns, 0);
}


typedef struct Deleg {
    LifecycleSink *k;
    const Node *loop;         /* the AsyncFor being searched */
    int depth;
    const Node *func_returns; /* the generator's return annotation */
} Deleg;

/* Finds `yield <loop target>` below n (not in nested functions), or the
 * yield of an object that keeps it (`yield UnitOfWork(session)`, a tuple
 * with it: flow_keeps), which lends the same resource. */
static void find_reyield(Node *parent, Node *n, void *arg)
{
    Deleg *d = arg;
    (void)parent;
    if (d->depth > 100 || n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef ||
        n->kind == NODE_Lambda || n->kind == NODE_ClassDef)
        return;
    const Node *t = d->loop->v.AsyncFor.target, *v = n->kind == NODE_Yield ? n->v.Yield.value : NULL;
    LifecycleSink *k = d->k;
    if (v && t->kind == NODE_Name && flow_keeps(k->a, k->env, k->scope, v, t->v.Name.id)) {
        const Node *call = d->loop->v.AsyncFor.iter;
        TraceStep steps[2] = {
            {k->src->path, call->lineno, call->col_offset, "the inner generator is iterated here"},
            {k->src->path, n->lineno, n->col_offset,
             "an exception thrown in here leaves the inner generator suspended"}};
        const char *in = v->kind == NODE_Name ? "" : msg(k->a, " in `%s`", text_of(k->a, k->src, v));
        diag_report(k->out, k->a, "SL104", k->src->path, n,
                    msg(k->a,
                        "`%s` is re-yielded%s from `async for` over `%s`: when the endpoint "
                        "raises, the inner generator is not closed and its cleanup does not run",
                        t->v.Name.id, in, text_of(k->a, k->src, call)),
                    steps, 2);
        return;
    }
    d->depth++;
    ast_children(n, find_reyield, d);
    d->depth--;
}

static void find_async_for(Node *parent, Node *n, void *arg)
{
    Deleg *d = arg;
    (void)parent;
    if (d->depth > 100 || n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef ||
        n->kind == NODE_Lambda || n->kind == NODE_ClassDef)
        return;
    if (n->kind == NODE_AsyncFor && n->v.AsyncFor.iter->kind == NODE_Call &&
        (names_resource_type(d->func_returns, 0) ||
         is_provider_call(d->k->a, d->k->env, d->k->scope, n->v.AsyncFor.iter))) {
        Deleg inner = {d->k, n, 0, NULL};
        for (int i = 0; i < n->v.AsyncFor.body.n; i++)
            find_reyield(n, n->v.AsyncFor.body.items[i], &inner);
        return;
    }
    d->depth++;
    ast_children(n, find_async_for, d);
    d->depth--;
}

void lifecycle_delegation(LifecycleSink *k, const FlowEnv *env, const Node *func)
{
    if (func->kind != NODE_AsyncFunctionDef)
        return;
    k->env = env;
    k->scope = scope_of(env->scopes, func);
    Deleg d = {k, NULL, 0, func->v.AsyncFunctionDef.returns};
    for (int i = 0; i < func->v.AsyncFunctionDef.body.n; i++)
        find_async_for((Node *)func, func->v.AsyncFunctionDef.body.items[i], &d);
}
