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

/* Frees everything a report of driver_run holds. */
void driver_free(Report *r);

#endif
