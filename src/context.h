/*
 * context.h - where code runs, as a fact of the analysis: every function
 * (and a module's own body) runs in one execution context, decided from
 * what reaches it (fastapi.h: request code, command-line entry points) and
 * where its file lives in its project (tests/, docs/, scripts/ ...).
 *
 * The context decides which findings a default run reports: a leak that the
 * exit of a one-shot process ends is not worth a CI failure, a use after
 * release is a bug wherever it runs.  Each rule says in which contexts it
 * reports by default (rules.def); --context and the configuration's
 * `contexts` bring the others back.
 *
 * Everything here is pure over read-only data and thread-safe.
 */
#ifndef SL_CONTEXT_H
#define SL_CONTEXT_H

#include "ast.h"
#include "fastapi.h"
#include "scope.h"

/* X(ENUM, "name", "how a message says it"); CTX_UNKNOWN is "not decided
 * yet" (a finding not placed yet), reported everywhere. */
#define CONTEXT_LIST(X)                                                    \
    X(CTX_UNKNOWN, "unknown", "code")                                      \
    X(CTX_REQUEST, "request", "request code")                              \
    X(CTX_SERVICE, "service", "service code")                              \
    X(CTX_CLI, "cli", "the CLI command")                        \
    X(CTX_SCRIPT, "script", "the script")                                    \
    X(CTX_MIGRATION, "migration", "the migration")                         \
    X(CTX_TEST, "test", "test code")                                       \
    X(CTX_EXAMPLE, "example", "example code")

typedef enum ExecContext {
#define X(e, name, phrase) e,
    CONTEXT_LIST(X)
#undef X
    CTX__COUNT
} ExecContext;

#define CTX_BIT(c) (1u << (c))
#define CTX_ALL ((1u << CTX__COUNT) - 1) /* CTX_UNKNOWN included */
/* Where a long-running process serves: a leak there accumulates. */
#define CTX_LIVE (CTX_BIT(CTX_UNKNOWN) | CTX_BIT(CTX_REQUEST) | CTX_BIT(CTX_SERVICE))
/* Code that runs once per request: what it makes, it makes again and again. */
#define CTX_REQUEST_ONLY (CTX_BIT(CTX_UNKNOWN) | CTX_BIT(CTX_REQUEST))
/* ... and the examples that teach the patterns it uses. */
#define CTX_LIVE_EXAMPLE (CTX_LIVE | CTX_BIT(CTX_EXAMPLE))
/* Everywhere but tests. */
#define CTX_NOT_TEST (CTX_ALL & ~CTX_BIT(CTX_TEST))
#define CTX_EVERYWHERE CTX_ALL
/* Everywhere but applied migrations: history, run once long ago on every
 * database they will ever see; what fails there every time has shown. */
#define CTX_NOT_HISTORY (CTX_ALL & ~CTX_BIT(CTX_MIGRATION))

/* "request", "cli", ...; "?" out of range. */
const char *context_name(int ctx);
/* "request code", "the CLI command", ... for messages. */
const char *context_phrase(int ctx);
/* The context called name ("test"; not "unknown"), or -1. */
int context_parse(const char *name);

/*
 * The context that the place of a file in its project gives it, from its
 * path relative to the project's root (project.h: the nearest folder with
 * metadata): CTX_TEST (tests/, test_*.py, conftest.py), CTX_EXAMPLE
 * (docs/, examples/, tutorials ...), CTX_SCRIPT (scripts/, tools/,
 * load-testing folders ...), CTX_MIGRATION (migrations/, alembic/),
 * CTX_CLI (manage.py); -1 when the
 * path says nothing.
 */
int context_of_path(const char *relpath);
/* ... with named_tests 0: a folder named only like a test folder (`test_*`,
 * `*_test`, `*_tests`; not tests/) gives nothing, for a module that the
 * project's other code imports (driver.c: imported_tests). */
int context_of_path_as(const char *relpath, int named_tests);

/* What a module's contexts are read from. */
typedef struct ContextFile {
    int path_ctx;             /* context_of_path of the file, or -1 */
    const Node *module;       /* its Module node */
    const ScopeTable *scopes; /* its scopes */
    const FastApi *fastapi;   /* the project's entry points and what they reach */
    const Node *const *funcs; /* its functions at any depth, in source order */
    int nfuncs;
} ContextFile;

/*
 * The context of the code at line of the file, and in *func (if not NULL)
 * the innermost function holding it, or NULL at module level.  A nested
 * function runs where its enclosing one does; test and example folders
 * win over what reaches the code, request code over command-line code.
 */
int context_at(const ContextFile *cf, int line, const Node **func);

#endif
