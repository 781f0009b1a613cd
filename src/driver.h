/*
 * driver.h - one run of the analysis: the paths given -> the files to
 * analyze (walk.h) -> the per-file stages on the thread pool (load, lex,
 * parse; later resolve and summarize) -> one Report (report.h).
 *
 * Each file gets a fresh arena that is freed as soon as its findings are
 * copied out, so memory is bounded by the files in flight, not by the run.
 * Each file's result goes into the slot of its index in the sorted file
 * list and the slots are merged in index order, so the report is the same,
 * byte for byte, for any number of threads.
 */
#ifndef SL_DRIVER_H
#define SL_DRIVER_H

#include <stddef.h>

#include "config.h"
#include "project.h"
#include "report.h"
#include "rules.h"
#include "walk.h"

typedef enum DriverMode {
    DRIVER_CHECK, /* keep the selected findings */
    DRIVER_PARSE, /* load, lex and parse, keep only the counts (debug parse) */
} DriverMode;

/* A file's text to analyze in place of what is on disk (--fix rounds). */
typedef struct DriverOverlay {
    const char *path; /* the file as the run names it (report form) */
    const char *text; /* its bytes */
    size_t len;
} DriverOverlay;

/*
 * Parsed files kept from one run to the next (the language server, lsp.h):
 * a file whose bytes have not changed (the same overlay text, or the same
 * size, modification time and inode on disk) is not read, parsed or
 * resolved again.  What a cached file holds is read-only while runs use it,
 * so runs on several threads may share one cache; its table is locked.
 * A cache belongs to one configuration (which files use a database library
 * depends on the custom resources): clear it when the configuration changes.
 */
typedef struct DriverCache DriverCache;

typedef struct DriverOptions {
    const char *const *paths; /* files and folders as given; none means "." */
    size_t npaths;
    int jobs;                 /* threads; < 1 means one per processor */
    const RuleSelect *select; /* which findings to keep; NULL keeps all */
    DriverMode mode;
    const ProjectFacts *facts; /* versions and database (project.h); NULL: unknown */
    const ProjectFacts *fixed_facts; /* the same from the command line and configuration
                                        only; if set, each file completes them from the
                                        metadata of its own project (a monorepo's
                                        backend/pyproject.toml) */
    /* the configuration (config.h): each file's rule selection (select is
     * then only a fallback) and the exclusions applied during discovery;
     * NULL: select for every file, nothing excluded.  Read on the calling
     * thread only.  When it reports an error during discovery, nothing is
     * analyzed (the caller prints config_error). */
    ConfigSet *config;
    /* --stdin-filename: when stdin_path is set, the run analyzes that one
     * file with stdin_text (stdin_len bytes) in place of what is on disk
     * (paths are then ignored); the modules it imports are still read from
     * disk for context. */
    const char *stdin_path;
    const char *stdin_text;
    size_t stdin_len;
    /* --fix: files whose bytes are analyzed from here instead of from disk */
    const DriverOverlay *overlays;
    size_t noverlays;
    /* the most modules read for context (breadth first: the files asked
     * for import them, directly first); 0: the default, 1,000 */
    int max_context;
    /* parsed files kept between runs (DRIVER_CHECK only); NULL: none */
    DriverCache *cache;
    /* asked between the steps of the analysis and before each unit's: once
     * it returns nonzero (and it must keep doing so), the run skips what is
     * left and sets the report's `stopped`; called from any thread.  NULL:
     * never stop (the language server stops a run its edits made stale). */
    int (*stop)(void *arg);
    void *stop_arg;
} DriverOptions;

/*
 * Runs the analysis and fills *out.  Files and folders that cannot be read
 * are listed in out->errors (the run goes on with the rest); nothing is
 * printed.  Every item's fingerprint is filled (report_fingerprints).  Free
 * *out with driver_free.  Uses the pool internally; call it from one thread
 * at a time.
 */
void driver_run(const DriverOptions *o, Report *out);

/*
 * Only the discovery step of driver_run: appends the sorted, duplicate-free
 * files to analyze to *files and what could not be read to *errs (strings
 * in a).  For `sessionlint debug files`.
 */
void driver_discover(Arena *a, const DriverOptions *o, WalkPaths *files, WalkErrors *errs);

/* Is the file at path a template that a check skips: it does not parse
 * and holds template markup ({{ }} or {% %})?  For `debug files`. */
int driver_template(const char *path);

/* An empty cache; free it with driver_cache_free once no run uses it. */
DriverCache *driver_cache_new(void);
/* Forgets every file (runs still using one keep it until they end).
 * Thread-safe. */
void driver_cache_clear(DriverCache *c);
/* Files held, and the bytes of their arenas (for the memory benchmark). */
size_t driver_cache_size(DriverCache *c, size_t *bytes);
void driver_cache_free(DriverCache *c);

/* Frees everything a report of driver_run holds. */
void driver_free(Report *r);

#endif
