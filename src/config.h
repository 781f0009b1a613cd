/*
 * config.h - the configuration: `[tool.sessionlint]` in a pyproject.toml,
 * or the same keys at the top of a sessionlint.toml / .sessionlint.toml,
 * merged with the command line.
 *
 * As in Ruff, each analyzed file is governed by the nearest configuration
 * found walking up from its folder (in one folder .sessionlint.toml wins
 * over sessionlint.toml, which wins over pyproject.toml; a pyproject.toml
 * without [tool.sessionlint] does not count), unless --config FILE names
 * one for everything or --no-config turns them all off.  What is looked up
 * is cached per folder, and each file is parsed once.
 *
 * select, extend-select, ignore, per-file-ignores and contexts apply per file;
 * exclude and extend-exclude during discovery; fastapi-version,
 * sqlalchemy-version, database and the custom resources are run-wide and
 * come from the configuration of the first path (main.c).
 *
 * A ConfigSet is not thread-safe: the driver asks it for every file on the
 * main thread before the workers start.  What it returns (selections,
 * ModelUser tables) is immutable and lives until config_free.
 */
#ifndef SL_CONFIG_H
#define SL_CONFIG_H

#include <stddef.h>

#include "model.h"
#include "project.h"
#include "rules.h"

/* What the command line says about configuration and rule selection. */
typedef struct ConfigArgs {
    const char *file;          /* --config FILE, or NULL */
    int no_config;             /* --no-config */
    const char *const *select; /* --select (upper case), replacing the config's */
    int nselect;
    const char *const *extend_select; /* --extend-select, added */
    int nextend_select;
    const char *const *ignore; /* --ignore, added */
    int nignore;
    const char *const *exclude; /* --exclude GLOB, replacing the config's exclude */
    int nexclude;
    const char *const *extend_exclude; /* --extend-exclude GLOB, added */
    int nextend_exclude;
    unsigned contexts;         /* --context: CTX_* bits (context.h) reported besides each
                                  rule's own, replacing the configuration's `contexts` */
    int has_contexts;          /* --context was given */
} ConfigArgs;

typedef struct Config Config;
typedef struct ConfigSet ConfigSet;

/*
 * A new set for one run; args (copied) are the command line's.  With
 * --config FILE, FILE is read now: check config_error.  Never NULL.
 */
ConfigSet *config_new(const ConfigArgs *args);

/* Frees the set and everything it returned. */
void config_free(ConfigSet *cs);

/*
 * The first problem met so far, as "pyproject.toml:12: [tool.sessionlint]
 * unknown key \"selct\"" (file, line, and the table and key), or NULL.
 * Once set, the run must stop with exit status 2.
 */
const char *config_error(const ConfigSet *cs);

/*
 * The configuration that governs path (a file or folder, relative to the
 * working directory or absolute), or NULL when there is none or one failed
 * to load (then see config_error).
 */
const Config *config_for(ConfigSet *cs, const char *path);

/* Where c was read from, as messages show it: "backend/pyproject.toml". */
const char *config_path(const Config *c);

/*
 * Sets the fields of f that are still unknown from c's fastapi-version,
 * sqlalchemy-version and database (the *_from strings say "pyproject.toml
 * [tool.sessionlint]"), and f->model to c's custom resources when it has
 * any.  c may be NULL.
 */
void config_facts(const Config *c, ProjectFacts *f);

/*
 * The rule selection for the file at path: the command line over its
 * configuration, plus the per-file-ignores whose globs match it.  Never
 * NULL; valid until config_free.
 */
const RuleSelect *config_select(ConfigSet *cs, const char *path);

/*
 * Is the file at path excluded by exclude / extend-exclude (the
 * configuration's and the command line's)?  The file and each folder
 * between root (a path as given on the command line, which is never
 * excluded itself) and the file are matched.
 */
int config_excluded(ConfigSet *cs, const char *path, const char *root);

#endif
