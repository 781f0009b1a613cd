/*
 * dburl.h - database URLs written in the source, for SL403 bad-database-url
 * and for telling CockroachDB projects apart.
 *
 * A URL literal is checked where it meets an engine or a driver: given to
 * create_engine / create_async_engine / a driver's connect() (a consumer),
 * or bound to a name that some consumer in the project is given
 * (DATABASE_URL, settings.database_url, config["DB_URL"]).  crdb_link
 * collects those names over the whole project (dburl_note_call), then each
 * module is checked on its own (dburl_visit).  A DbUrlNames is built by one
 * thread and read-only after dburl_finish.
 */
#ifndef SL_DBURL_H
#define SL_DBURL_H

#include "arena.h"
#include "dbval.h"
#include "diag.h"
#include "project.h"
#include "source.h"

enum {
    URL_USE_SQLALCHEMY = 1, /* create_engine and friends: dialect+driver:// */
    URL_USE_LIBPQ = 2,      /* psycopg2 / psycopg / asyncpg: postgresql:// only */
};

typedef struct DbUrlNames {
    const char **names; /* identifiers URLs are given under, sorted, unique */
    unsigned char *use; /* URL_USE_* bits per name */
    int n, cap;
    const char **dialects; /* "dialect.driver" the project registers itself */
    int ndialects, capdialects;
} DbUrlNames;

/*
 * Notes one call for the project: the name its URL argument travels under
 * when callee (a qualified name) is a consumer, or the dialect it
 * registers when it is sqlalchemy's registry.register.  Strings go to a.
 */
void dburl_note_call(Arena *a, DbUrlNames *u, const char *callee, const Node *call);

/* Sorts and merges the names; u is read-only afterwards. */
void dburl_finish(DbUrlNames *u);

/* Is the literal a CockroachDB URL ("cockroachdb://...",
 * "cockroachdb+asyncpg://...", or a PostgreSQL URL on CockroachDB's own
 * port, "postgresql://root@localhost:26257/bank")? */
int dburl_is_cockroach(const Node *literal);

/* Does the module hold a PostgreSQL or CockroachDB URL literal anywhere?
 * (The driver analyzes such a module even when it imports no database
 * library: a settings module whose URL another module's engine is given.)
 * Pure; thread-safe. */
int dburl_mentions(const Node *module);

/* The URL-taking use of the callee qualname: URL_USE_* or 0. */
int dburl_consumer(const char *callee);

/* What the check of one module remembers between its nodes (in c->a). */
typedef struct UrlCheck UrlCheck;

/* The SL403 check of a module of src, against the names u collected, its
 * findings (messages in c->a) appended to out.  Thread-safe per module. */
UrlCheck *dburl_begin(DbCtx *c, const Source *src, const DbUrlNames *u, const ProjectFacts *facts,
                      FindingList *out);

/*
 * The SL403 findings of node n, where w's walk of the module stands
 * (crdb_visit's, on sqlapi.c's walk): literals given to consumers, bound
 * to collected names, or given to URL.create().
 */
void dburl_visit(UrlCheck *k, DbWalk *w, const Node *n);

#endif
