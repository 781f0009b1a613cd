/*
 * project.h - facts about the analyzed project that do not come from its
 * Python source: the versions of the frameworks it depends on (FastAPI's
 * decides when a yield dependency's exit code runs; SQLAlchemy's whether
 * a plain SQL string is accepted) and the database it talks to.
 *
 * They are read before the analysis starts, once per project folder, from
 * the project's metadata (lock files, pyproject.toml, Pipfile, setup.cfg,
 * setup.py, requirements and constraints files, and failing those the
 * requirements beside a Dockerfile: project.c) and then overridden by the
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

/* A pre-fork server that imports the web application in its master process
 * and then forks the workers that serve it (gunicorn --preload, uWSGI
 * without lazy-apps): what it imports, and where the project says so. */
typedef struct ProjectPrefork {
    const char *module;  /* the module imported: "server.app" of `server.app:app` */
    const char *factory; /* the app factory called then ("create_app" of
                            `app:create_app()`), or NULL */
    const char *from;    /* the file that says the app is loaded before the fork
                            (as messages show it) ... */
    int line;            /* ... its line */
    const char *why;     /* ... and what it says: "--preload", "preload_app = True" */
    const char *hooks;   /* absolute path of the gunicorn configuration defining
                            a worker hook (post_fork, post_worker_init, pre_fork), or NULL */
} ProjectPrefork;

#define PROJECT_MAX_PREFORK 4 /* servers kept per project */

typedef struct ProjectFacts {
    Version fastapi;          /* the FastAPI the requirements install */
    const char *fastapi_from; /* where it was read: "requirements.txt",
                                 "pyproject.toml", "--fastapi-version"; NULL if unknown */
    Version sqlalchemy;       /* likewise for SQLAlchemy */
    const char *sqlalchemy_from;
    Version flask_sqlalchemy; /* and for Flask-SQLAlchemy (its db.session's scope) */
    const char *flask_sqlalchemy_from;
    Version psycopg2;         /* and for psycopg2 (psycopg2-binary): its `with conn:` */
    const char *psycopg2_from;
    int database;             /* ProjectDb, from the configuration */
    const struct ModelUser *model; /* the project's own resources (model.h), from the
                                      configuration; NULL: the built-in table alone */
    ProjectPrefork prefork[PROJECT_MAX_PREFORK]; /* pre-fork servers of the app (project.c) */
    int nprefork;
} ProjectFacts;

/* A fresh ProjectFacts: everything unknown. */
void project_facts_init(ProjectFacts *f);

/*
 * What each folder holds, listed once however many files and projects ask
 * (a project's root, its metadata files, its build folders).  Not
 * thread-safe: one thread uses it, and frees it with project_cache_free.
 */
typedef struct ProjectCache ProjectCache;

ProjectCache *project_cache_new(void);
void project_cache_free(ProjectCache *c);

/*
 * Reads the FastAPI, SQLAlchemy, Flask-SQLAlchemy and psycopg2 requirements of the project that
 * contains dir (a folder, or a file: its folder) into the fields of f that
 * are still unknown.  Walking up to the repository's root (a folder
 * holding .git), every folder holding metadata is read: uv.lock,
 * poetry.lock, pdm.lock, Pipfile.lock, pyproject.toml, Pipfile, setup.cfg,
 * setup.py, requirements*.txt, constraints*.txt, a requirements/ folder.  A
 * lock file's version wins wherever it is on the way; otherwise the
 * nearest folder naming a package decides, a pin (==) giving its version
 * and a range its lowest allowed one.  A package that no folder names is
 * looked for in the build folders beside them (docker/, deploy/, build/,
 * or any folder holding a Dockerfile), nearest first.  The names of the
 * files (the *_from fields) are allocated in a.  Unreadable or malformed
 * metadata leaves the fields unknown; it is not an error.  c may be NULL
 * (a cache for this call alone).
 */
void project_read(Arena *a, ProjectCache *c, const char *dir, ProjectFacts *f);

/*
 * Reads how the project whose root is dir is served into f->prefork, when
 * f holds none yet: the gunicorn and uWSGI commands of its Procfile,
 * Dockerfiles, compose files and shell scripts, its gunicorn configuration
 * files (gunicorn.conf.py, gunicorn_conf.py, a `-c` file: parsed, never
 * run) and uWSGI .ini/.yaml files, in dir and in its folders bin/,
 * scripts/ and the build folders (docker/, deploy/...).  Kept: each server
 * that imports the app before forking.  Strings in a.  c may be NULL.
 */
void project_read_servers(Arena *a, ProjectCache *c, const char *dir, ProjectFacts *f);

/*
 * The folder from which project_read would read the facts of the files
 * of dir (a folder): the nearest ancestor (dir included) holding metadata
 * or a build folder with requirements, up to the repository's root; NULL
 * if none.  Files whose folders have the same root share their facts.
 * The string belongs to c (equal roots are the same pointer).
 */
const char *project_root(ProjectCache *c, const char *dir);

/*
 * The path of the file at path relative to the root of its project: the
 * nearest folder holding metadata (one project_read reads; build folders
 * do not count) or, failing that, the repository's root; relative to the
 * working folder when there is neither.  "backend/app/tests/test_db.py" in
 * a monorepo whose backend/ has a pyproject.toml is "app/tests/test_db.py".
 * In a.  c may be NULL (a cache for this call alone).
 */
const char *project_relpath(Arena *a, ProjectCache *c, const char *path);

/* Parses "0.110", "0.110.2" or "1" into *v; 0 if it is not a version. */
int project_parse_version(const char *s, Version *v);

/* Compares two known versions: < 0, 0, > 0. */
int project_version_cmp(const Version *a, const Version *b);

/* A part of a version that a range leaves to the installer, who picks the
 * newest: `<0.120` installs 0.119.VERSION_ANY, `>=0.100` alone the newest
 * release of all, every part VERSION_ANY (project_newest()). */
#define VERSION_ANY 99999
Version project_newest(void);

/* v as text: "0.110.2", "0.119.x", or "the newest release". */
void project_version_text(const Version *v, char *buf, size_t size);

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
