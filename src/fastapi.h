/*
 * fastapi.h - the FastAPI model of a project: its endpoints, the functions
 * FastAPI calls as dependencies (and in which scope), the HTTP middlewares
 * that own a session on request.state, the startup code, the code that
 * runs while a request is served (endpoints, dependencies, middlewares and
 * whatever they reach by name, across modules), and likewise the code that
 * command-line entry points beside the service reach (context.h reads both).
 *
 * Built once per run after the module graph is linked (analyze_link,
 * beside the value model: fastapi_begin and fastapi_finish say what may
 * overlap); read-only afterwards, so the per-unit workers share it without
 * locks.  Functions and classes are identified by their AST nodes.
 */
#ifndef SL_FASTAPI_H
#define SL_FASTAPI_H

#include "arena.h"
#include "ast.h"
#include "modgraph.h"
#include "scope.h"

/* One module of the project, as the builder reads it. */
typedef struct FastApiModule {
    Node *module;
    const ScopeTable *scopes;
    const char *path;
} FastApiModule;

/* Roles of a function or class node (bits). */
enum {
    FASTAPI_ENDPOINT = 1,     /* a path operation: @app.get(...), add_api_route */
    FASTAPI_PROVIDER = 2,     /* named by Depends(...) with the default scope */
    FASTAPI_PROVIDER_FN = 4,  /* named by Depends(..., scope="function") */
    FASTAPI_MIDDLEWARE = 8,   /* @app.middleware("http"), BaseHTTPMiddleware.dispatch */
    FASTAPI_STARTUP = 16,     /* @app.on_event("startup"), a lifespan */
    FASTAPI_REQUEST = 32,     /* runs while a request is served */
    FASTAPI_CLI = 64,         /* a command-line entry point (click, typer, a Django
                                 management command, a `__main__` block) or what one
                                 reaches: runs once in a process that then exits */
    FASTAPI_UNNAMED_GEN = 128, /* a module-level generator function nothing in the project
                                  names or calls: a library's provider, if it yields a session */
    FASTAPI_BOOT = 256,       /* startup code or what it reaches: runs when the application
                                 starts (what it makes, it makes once per process) */
    FASTAPI_EVENT = 512,      /* runs once per unit of work a long-running process serves:
                                 request code, a worker's task (Celery, RQ, dramatiq) and
                                 a Celery Task class's callbacks, a chat bot's handler
                                 (python-telegram-bot, aiogram, discord.py, telebot), or
                                 what one reaches: calls, the project's decorators on it,
                                 methods of module-level objects and of self */
    FASTAPI_SHARED = 1024,    /* a method that runs per unit of work (FASTAPI_EVENT) on an
                                 object made once: called on a module-level instance
                                 (`db.init_db()`), or through self from such a method */
    FASTAPI_TASK = 2048,      /* registered itself to run per unit of work (a worker's task,
                                 a scheduler's job, a bot's handler), not only reached from
                                 one: it runs again and again even when start-up code
                                 calls it too */
};

/* A middleware that closes request.state.<attr> after call_next: it closes
 * it before the response body is streamed and before background tasks. */
typedef struct FastApiStateOwner {
    const char *attr;  /* "db" */
    const Node *func;  /* the middleware function */
    const char *path;  /* its file */
    int close_line;    /* the line that closes it */
    int close_col;     /* ... and its column (0-based bytes) */
} FastApiStateOwner;

/* A value the application keeps for every request: `app.state.<attr> = v`
 * in startup code, or `yield {"<attr>": v}` in a lifespan (Starlette copies
 * that into each request.state). */
typedef struct FastApiStateValue {
    const char *attr;
    const Node *value;        /* v */
    const ScopeTable *scopes; /* the module that holds it */
    const Scope *scope;       /* the startup function's scope */
} FastApiStateValue;

typedef struct FastApi FastApi;

/* Reads mods[0..n) (kept by pointer) and resolves names through graph:
 * fastapi_begin, then fastapi_finish. */
FastApi *fastapi_build(Arena *a, const Project *graph, const FastApiModule *mods, int n);

/*
 * The same in two steps, so that the value model (value.h), which needs
 * only the startup state, is built on another thread while the closures
 * are computed: after fastapi_begin, fastapi_state_value answers and stays
 * as it is, and may be called from another thread while fastapi_finish
 * runs (it reads nothing fastapi_finish writes); every other question
 * waits for fastapi_finish.  The memory of both steps comes from a.
 */
FastApi *fastapi_begin(Arena *a, const Project *graph, const FastApiModule *mods, int n);
void fastapi_finish(FastApi *f);

/* The provider FastAPI calls for Depends(marker) (marker a def or class
 * node): the def or class, or the def a factory of the project returns
 * (`app.dependency_overrides[Marker] = get_uow(maker)`), that
 * `<app>.dependency_overrides` maps marker to, at module level or in an
 * application factory, a lifespan or any function that is not a test's
 * (test modules, test functions and fixtures swap the wiring for
 * themselves); NULL when none does, or when two disagree.  Answers after
 * fastapi_begin. */
/* Is module mod (an index of the mods given) test code, by its place below
 * the folder all the modules share (tests/, test_*.py, conftest.py)?  The
 * driver's project roots are decided beside the link, so they are not asked. */
int fastapi_in_tests(const FastApi *f, int mod);

const Node *fastapi_override(const FastApi *f, const Node *marker);

/* The FASTAPI_* roles of a function or class node; 0 if none. */
int fastapi_role(const FastApi *f, const Node *node);

/* Does code that serves requests read the module-level binding b (of any
 * module, followed through imports)? */
int fastapi_reads_binding(const FastApi *f, const Binding *b);

/* Is the module-level binding b (of any module) read inside a function or
 * method of the project, whichever code that is? */
int fastapi_function_reads(const FastApi *f, const Binding *b);

/* Is the module-level binding b (of any module) read in two functions or
 * methods of the project, or more? */
int fastapi_read_by_several(const FastApi *f, const Binding *b);

/* Is `<b>.remove()` called anywhere in the project (b a module-level
 * binding of any module, named here or imported)?  With by_hook 1, in a
 * function registered to run after units of work (`@task_postrun.connect`,
 * `@app.teardown_appcontext`); with 2, in a method `on_finish` (Tornado
 * runs a RequestHandler's when its request has finished). */
int fastapi_binding_removed(const FastApi *f, const Binding *b, int by_hook);

/* Does a `__call__` of the project enter `<app>.app_context()` (Celery's
 * ContextTask: each task runs in an application context of its own, whose
 * teardown removes Flask-SQLAlchemy's session)? */
int fastapi_task_app_context(const FastApi *f);

/* Does the project make a scoped_session registry keyed by its own
 * scopefunc (`async_scoped_session(...)`, `scoped_session(...,
 * scopefunc=...)` or its second argument, by the name written)?  A cheap
 * gate for sharing.c. */
int fastapi_scoped_own(const FastApi *f);

/* Does the project have a Starlette BaseHTTPMiddleware (a subclass with a
 * dispatch method, `@app.middleware("http")`, add_middleware(dispatch=))?
 * Each one runs the rest of the application (`call_next`) in a task of an
 * anyio task group and cancels it when the client disconnects, so the
 * endpoint and its dependencies run in a task that can be cancelled at any
 * await, their teardown included.  A project fact: a middleware defined
 * for one application of a project with several counts for all of them,
 * and one defined but never added counts too (a limit). */
int fastapi_cancels_requests(const FastApi *f);

/* The functions of the project named name that call `Pool`,
 * `ProcessPoolExecutor` or `Process` (by the name written; a nested def
 * apart from its outer one), in *n how many (0 for none): where worker
 * processes may be started.  A cheap gate for forks.c, which asks what
 * the callers of these did first; a bisection over them by name. */
/* The functions run after each unit of work: a signal handler (`@task_postrun.connect`,
 * `task_postrun.connect(fn)`), a teardown (`@app.teardown_appcontext`), a Task's
 * after_return; *n of them. */
const Node *const *fastapi_hooks(const FastApi *f, int *n);
const Node *const *fastapi_process_starters(const FastApi *f, const char *name, int *n);

/* Does another module of the project use a name of this module? */
int fastapi_module_used(const FastApi *f, const Node *module);

/* Does code that serves requests read `app.state.<attr>`
 * (`request.app.state.<attr>`)? */
int fastapi_reads_app_state(const FastApi *f, const char *attr);

/* The middleware that owns request.state.<attr>, or NULL. */
const FastApiStateOwner *fastapi_state_owner(const FastApi *f, const char *attr);

/* `<x>.state.<attr>` (request.state.db, app.state.pool): attr; else NULL. */
const char *fastapi_state_attr(const Node *e);

/* Is the module-level statement st `if __name__ == "__main__":`? */
int fastapi_is_main_guard(const Node *st);

/* Is def a worker's task function (Celery's `@app.task`, `@shared_task`,
 * dramatiq's `@actor`): each call is a unit of work on one of the worker's
 * long-lived threads?  By the decorator's name. */
int fastapi_worker_task(const Node *def);

/* The callable that call hands to a library which runs it once per message
 * or item, several runs at the same time on its threads
 * (`subscriber.subscribe(path, callback=f)` of google-cloud-pubsub,
 * `ThreadPool(4).map(f, items)`), or NULL.  The receiver is known by the
 * call that made it, written there or bound once to a name of scope s (of
 * t), or a `with` item.  Pure; any thread. */
const Node *fastapi_callback_at_once(const ScopeTable *t, const Scope *s, const Node *call);

/* Is m the name of a method in fastapi_callback_at_once's table (the cheap
 * test before it)? */
int fastapi_at_once_method(const char *m);

/* Does the with statement w (in scope s of t) hold a threading lock over
 * its body (`with lock:` of a name bound once to threading.Lock() or
 * RLock(), here or in an enclosing scope)?  Work that runs at once takes
 * turns there.  Pure; any thread. */
int fastapi_with_lock(const ScopeTable *t, const Scope *s, const Node *w);

/* Does the function def yield (its own yields, not a nested def's)? */
int fastapi_yields(const Node *def);

/* Is qual FastAPI's Depends (fastapi.Depends and the modules that define it),
 * or its Security, a Depends that also hands the provider the OAuth2 scopes? */
int fastapi_is_depends(const char *qual);

/* Is qual FastAPI's Security (a Depends that also carries OAuth2 scopes)? */
int fastapi_is_security(const char *qual);

/* The value startup code keeps as application state under attr, or NULL. */
const FastApiStateValue *fastapi_state_value(const FastApi *f, const char *attr);

#endif
