/*
 * crdb.h - the CockroachDB rule family and database URLs: SL401
 * no-retry-on-serialization-failure, SL402 retry-without-rollback, SL403
 * bad-database-url.
 *
 * Two steps.  crdb_link runs once per project in the serial link step,
 * over every module: is this a CockroachDB project (a cockroachdb URL
 * literal, an import of sqlalchemy_cockroachdb, or the configuration), the
 * names that database URLs travel under to create_engine() or connect(),
 * the dialects the project registers itself, run_transaction's callbacks,
 * and the functions that run inside a transaction retry (callbacks,
 * helpers a retry loop calls, retry-decorated functions, and what they
 * call).  crdb_visit then runs per module, in parallel, reading that
 * result, which is immutable after crdb_link.
 */
#ifndef SL_CRDB_H
#define SL_CRDB_H

#include "arena.h"
#include "dbval.h"
#include "diag.h"
#include "modgraph.h"
#include "project.h"
#include "source.h"

typedef struct CrdbProject CrdbProject;

/*
 * Scans every module of graph (frozen).  facts->database overrides what
 * the source says (DB_POSTGRESQL: never CockroachDB).  Everything is
 * allocated in a, the project's arena.  Not thread-safe; the result is
 * read-only afterwards.
 */
CrdbProject *crdb_link(Arena *a, const Project *graph, const ProjectFacts *facts);

/* Is the project a CockroachDB project? */
int crdb_is_cockroach(const CrdbProject *p);

/* Can an except clause of type (NULL: bare), in scope s of table t, catch
 * a database error: Exception, a driver's or SQLAlchemy's error class or
 * one of psycopg's SQLSTATE classes (psycopg2.errors.UniqueViolation)? */
int crdb_catches_db(const ScopeTable *t, const Scope *s, const Node *type);

/* The first handler of try t that catches a database error (bare,
 * Exception, SQLAlchemy's and the drivers' base errors) when it does not
 * raise again: the failure stops there.  NULL if none, or if that handler
 * raises. */
const Node *crdb_swallowing_handler(const Node *t);

/* What the check of one module remembers between its nodes (in c->a). */
typedef struct CrdbCheck CrdbCheck;

/*
 * The check of module (of src) for the SL401 (CockroachDB projects only),
 * SL402 and SL403 findings, appended to out (messages in c->a); NULL when
 * there is no p.  Thread-safe per module.
 */
CrdbCheck *crdb_begin(DbCtx *c, const Source *src, const Node *module, const CrdbProject *p,
                      const ProjectFacts *facts, FindingList *out);

/* The findings of node n, where w's walk of the module stands: rides on
 * sqlapi.c's walk, as SL108's and SL208's visitors do. */
void crdb_visit(CrdbCheck *k, DbWalk *w, const Node *n);

#endif
