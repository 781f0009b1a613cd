/*
 * project.h - facts about the analyzed project that do not come from its
 * Python source: the versions of the frameworks it depends on (FastAPI's
 * decides when a yield dependency's exit code runs; SQLAlchemy's whether
 * a plain SQL string is accepted) and the database it talks to.
 *
 * They are read once per run, before the analysis starts, from the
 * project's metadata (the nearest pyproject.toml, requirements*.txt,
 * uv.lock or poetry.lock: project.c) and then overridden by the
 * configuration and the command line.  The analysis only reads them.
 */
#ifndef SL_PROJECT_H
#define SL_PROJECT_H

#include "arena.h"

/* A version; major < 0 means unknown (the newest behaviour is assumed). */
typedef struct Version {
    int major, minor, patch;
} Version;

typedef enum ProjectDb {
    DB_UNKNOWN,     /* not said: CockroachDB is still detected from the source */
    DB_POSTGRESQL,
    DB_COCKROACHDB,
} ProjectDb;

typedef struct ProjectFacts {
    Version fastapi;          /* the lowest FastAPI the requirements allow */
    const char *fastapi_from; /* where it was read: "requirements.txt",
                                 "pyproject.toml", "--fastapi-version"; NULL if unknown */
    Version sqlalchemy;       /* likewise for SQLAlchemy */
    const char *sqlalchemy_from;
    int database;             /* ProjectDb, from the configuration */
    const struct ModelUser *model; /* the project's own resources (model.h), from the
                                      configuration; NULL: the built-in table alone */
} ProjectFacts;

/* A fresh ProjectFacts: everything unknown. */
void project_facts_init(ProjectFacts *f);

/*
 * Reads the FastAPI and SQLAlchemy requirements of the project that
 * contains dir (walking up through the folders holding a pyproject.toml,
 * a requirements*.txt, a uv.lock or a poetry.lock, the nearest naming a
 * package first, up to the repository's root) into the fields of f that
 * are still unknown.  A pin (==) gives its version, a range its lowest
 * allowed version.  Strings are allocated in a.  Unreadable or malformed
 * metadata leaves the fields unknown; it is not an error.
 */
void project_read(Arena *a, const char *dir, ProjectFacts *f);

/*
 * The folder whose metadata project_read would read first for dir: the
 * nearest ancestor (dir included) holding a pyproject.toml, a
 * requirements*.txt, a uv.lock or a poetry.lock, up to the repository's
 * root; NULL if none.  Files below one such folder share their facts.
 */
const char *project_root(Arena *a, const char *dir);

/*
 * The path of the file at path relative to the root of its project: the
 * nearest folder holding metadata (as project_root) or, failing that, the
 * repository's root; relative to the working folder when there is
 * neither.  "backend/app/tests/test_db.py" in a monorepo whose backend/
 * has a pyproject.toml is "app/tests/test_db.py".  In a.
 */
const char *project_relpath(Arena *a, const char *path);

/* Parses "0.110", "0.110.2" or "1" into *v; 0 if it is not a version. */
int project_parse_version(const char *s, Version *v);

/* Compares two known versions: < 0, 0, > 0. */
int project_version_cmp(const Version *a, const Version *b);

/*
 * The absolute form of path (against cwd, itself absolute), with "." and
 * ".." folded lexically and no trailing slash ("/" stays "/").  In a.
 */
char *project_abspath(Arena *a, const char *cwd, const char *path);

/*
 * An absolute path as messages show it: relative to cwd when under it
 * ("backend/pyproject.toml"), with "../" steps when beside it, else
 * absolute.  In a (or a suffix of path).
 */
const char *project_shown_path(Arena *a, const char *cwd, const char *path);

#endif
