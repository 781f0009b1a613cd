/*
 * main.c - the command line: arguments -> options -> one command (check,
 * rule, debug) -> an exit status.  The only place that exits: every other
 * module returns a status or a report, and main turns it into the exit code
 * that CI gates on (0 no findings, 1 findings, 2 usage or I/O error).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "baseline.h"
#include "config.h"
#include "context.h"
#include "debug.h"
#include "driver.h"
#include "fix.h"
#include "lsp.h"
#include "report.h"
#include "rules.h"
#include "version.h"

enum { EXIT_CLEAN = 0, EXIT_FINDINGS = 1, EXIT_TROUBLE = 2 };
enum { FMT_TEXT, FMT_JSON, FMT_GITHUB, FMT_SARIF };
enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

/* Where a flag is accepted. */
enum { IN_CHECK = 1, IN_DEBUG = 2, IN_SERVER = 4 };

typedef enum FlagId {
    F_FORMAT, F_SELECT, F_IGNORE, F_JOBS, F_OUTPUT, F_COLOR, F_STATISTICS,
    F_EXIT_ZERO, F_QUIET, F_VERSION, F_HELP, F_LIST,
    F_STDIN_FILENAME, F_BASELINE, F_WRITE_BASELINE,
    F_CONFIG, F_NO_CONFIG, F_EXTEND_SELECT, F_EXCLUDE, F_EXTEND_EXCLUDE, F_FASTAPI_VERSION,
    F_SQLALCHEMY_VERSION, F_PSYCOPG2_VERSION, F_CONTEXT,
    F_FIX, F_UNSAFE_FIXES, F_DIFF, F_FIX_ONLY, F_EXIT_NON_ZERO_ON_FIX, /* fixes (fix.h) */
} FlagId;

typedef struct Flag {
    const char *name; /* "--format" */
    char letter;      /* short form, or 0 */
    char has_value;   /* takes a value: "--format json" or "--format=json" */
    char where;       /* IN_CHECK | IN_DEBUG */
    FlagId id;
} Flag;

static const Flag flags[] = {
    {"--format", 0, 1, IN_CHECK, F_FORMAT},
    {"--select", 0, 1, IN_CHECK, F_SELECT},
    {"--ignore", 0, 1, IN_CHECK, F_IGNORE},
    {"--jobs", 'j', 1, IN_CHECK | IN_DEBUG | IN_SERVER, F_JOBS},
    {"--output", 'o', 1, IN_CHECK, F_OUTPUT},
    {"--color", 0, 1, IN_CHECK, F_COLOR},
    {"--statistics", 0, 0, IN_CHECK, F_STATISTICS},
    {"--stats", 0, 0, IN_CHECK, F_STATISTICS}, /* the original brief's spelling */
    {"--exit-zero", 0, 0, IN_CHECK, F_EXIT_ZERO},
    {"--quiet", 'q', 0, IN_CHECK, F_QUIET},
    {"--version", 'V', 0, IN_CHECK, F_VERSION},
    {"--help", 'h', 0, IN_CHECK | IN_DEBUG | IN_SERVER, F_HELP},
    {"--list", 0, 1, IN_DEBUG, F_LIST},
    {"--stdin-filename", 0, 1, IN_CHECK, F_STDIN_FILENAME},
    {"--baseline", 0, 1, IN_CHECK, F_BASELINE},
    {"--write-baseline", 0, 1, IN_CHECK, F_WRITE_BASELINE},
    {"--config", 0, 1, IN_CHECK | IN_DEBUG, F_CONFIG},
    {"--no-config", 0, 0, IN_CHECK | IN_DEBUG, F_NO_CONFIG},
    {"--extend-select", 0, 1, IN_CHECK, F_EXTEND_SELECT},
    {"--exclude", 0, 1, IN_CHECK | IN_DEBUG, F_EXCLUDE},
    {"--extend-exclude", 0, 1, IN_CHECK | IN_DEBUG, F_EXTEND_EXCLUDE},
    {"--fastapi-version", 0, 1, IN_CHECK | IN_DEBUG, F_FASTAPI_VERSION},
    {"--sqlalchemy-version", 0, 1, IN_CHECK | IN_DEBUG, F_SQLALCHEMY_VERSION},
    {"--psycopg2-version", 0, 1, IN_CHECK | IN_DEBUG, F_PSYCOPG2_VERSION},
    {"--context", 0, 1, IN_CHECK, F_CONTEXT},
    {"--fix", 0, 0, IN_CHECK, F_FIX},
    {"--unsafe-fixes", 0, 0, IN_CHECK, F_UNSAFE_FIXES},
    {"--diff", 0, 0, IN_CHECK, F_DIFF},
    {"--fix-only", 0, 0, IN_CHECK, F_FIX_ONLY},
    {"--exit-non-zero-on-fix", 0, 0, IN_CHECK, F_EXIT_NON_ZERO_ON_FIX},
};

typedef VEC(const char *) StrVec;

typedef struct Options {
    Arena *a;                       /* strings made from the arguments */
    StrVec paths, select, ignore;   /* as given; selectors split at commas */
    int format, color, jobs;        /* FMT_*, COLOR_*, 0 = default */
    int statistics, exit_zero, quiet, version, help;
    const char *output;             /* --output FILE, or NULL for stdout */
    const char *stdin_filename;     /* --stdin-filename PATH: the source comes on stdin */
    int read_stdin;                 /* "-" was given as a path */
    const char *baseline;           /* --baseline FILE: report only findings not in it */
    const char *write_baseline;     /* --write-baseline FILE: record the findings there */
    const char *config;             /* --config FILE: the configuration for every file */
    int no_config;                  /* --no-config */
    StrVec extend_select;           /* --extend-select, split at commas */
    StrVec exclude, extend_exclude; /* --exclude / --extend-exclude globs */
    const char *fastapi_version;    /* --fastapi-version X.Y, checked */
    const char *sqlalchemy_version; /* --sqlalchemy-version X.Y, checked */
    const char *psycopg2_version;   /* --psycopg2-version X.Y, checked */
    unsigned contexts;              /* --context: CTX_* bits reported besides the rules' own */
    int has_contexts;               /* --context was given */
    int fix, unsafe_fixes, diff, fix_only; /* --fix, --unsafe-fixes, --diff, --fix-only */
    int exit_non_zero_on_fix;       /* --exit-non-zero-on-fix */
} Options;

static const char usage_text[] =
    "usage: sessionlint [OPTIONS] [PATH ...]     check files and folders (default: .)\n"
    "       sessionlint rule [CODE]              list the rules, or explain one\n"
    "       sessionlint server                   a language server on stdin/stdout (LSP)\n"
    "       sessionlint debug tokens FILE        the token stream\n"
    "       sessionlint debug ast FILE...        the canonical AST dump (--list FILE)\n"
    "       sessionlint debug cfg FILE...        control-flow graphs per function (--list FILE)\n"
    "       sessionlint debug parse PATH...      parse and time (--jobs N, --list FILE)\n"
    "       sessionlint debug files [PATH ...]   the files a check would analyze\n"
    "       sessionlint debug project [PATH]     versions, database, configuration in force\n"
    "\n"
    "options:\n"
    "  --format FORMAT   text (default), json, sarif or github\n"
    "  --select CODES    report only these codes or prefixes (SL1,SL101; repeatable);\n"
    "                    rules off by default need their code or family (SL106, SL1)\n"
    "  --extend-select CODES\n"
    "                    report these codes or prefixes too, besides the selection\n"
    "  --ignore CODES    do not report these codes or prefixes\n"
    "  --config FILE     the configuration for every file (pyproject.toml or\n"
    "                    sessionlint.toml); by default each file's nearest one\n"
    "  --no-config       ignore every configuration file\n"
    "  --exclude GLOB    do not analyze matching files and folders under the paths\n"
    "                    given (replaces the configuration's exclude; repeatable)\n"
    "  --extend-exclude GLOB\n"
    "                    exclude these too (repeatable)\n"
    "  --fastapi-version X.Y\n"
    "                    the FastAPI version to assume (default: from the\n"
    "                    configuration, else the project's requirements)\n"
    "  --sqlalchemy-version X.Y\n"
    "                    the SQLAlchemy version to assume (likewise)\n"
    "  --psycopg2-version X.Y\n"
    "                    the psycopg2 version to assume (from the requirements)\n"
    "  --context LIST    also report what each rule leaves out by default in these\n"
    "                    execution contexts: request, service, cli, script,\n"
    "                    migration, test, example, or all (a leak in a CLI\n"
    "                    command or a test, say)\n"
    "  -j, --jobs N      threads (default: one per processor)\n"
    "  -o, --output FILE write the report to FILE\n"
    "  --color WHEN      auto (default; honours NO_COLOR), always or never\n"
    "  --statistics      print counts per code instead of each finding\n"
    "  --exit-zero       exit 0 even when there are findings\n"
    "  -q, --quiet       print findings only, no summary\n"
    "  --stdin-filename PATH\n"
    "                    check standard input (the path -) as if it were the file\n"
    "                    PATH; the project around it is read from disk\n"
    "  --fix             apply the safe fixes, then report what remains\n"
    "  --unsafe-fixes    let --fix and --diff apply unsafe fixes too (and mark them\n"
    "                    fixable in the report)\n"
    "  --diff            print a unified diff of what --fix would change; write nothing\n"
    "  --fix-only        apply the fixes and report nothing else (exit 0)\n"
    "  --exit-non-zero-on-fix\n"
    "                    with --fix or --fix-only, exit 1 when anything was fixed\n"
    "  --baseline FILE   report only findings that FILE does not record\n"
    "  --write-baseline FILE\n"
    "                    record the current findings in FILE, report nothing, exit 0\n"
    "  -V, --version     print the version\n"
    "  -h, --help        print this help\n"
    "\n"
    "exit status: 0 no findings, 1 findings, 2 usage or I/O error; with --fix, 1 when\n"
    "findings remain; with --fix-only, 0; with --diff, 1 when there is something to fix\n";

static int usage(const char *what, const char *arg)
{
    fprintf(stderr, "sessionlint: error: %s%s\nTry 'sessionlint --help'.\n", what,
            arg ? arg : "");
    return EXIT_TROUBLE;
}

/* ---- parsing flags ---- */

/* The flag arg names ("--jobs", "--jobs=4", "-j", "-j4"), with an attached
 * value in *val; NULL if none. */
static const Flag *find_flag(const char *arg, const char **val)
{
    *val = NULL;
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        const Flag *f = &flags[i];
        size_t n = strlen(f->name);
        if (strncmp(arg, f->name, n) == 0 && (arg[n] == 0 || arg[n] == '=')) {
            *val = arg[n] ? arg + n + 1 : NULL;
            return f;
        }
        if (f->letter && arg[0] == '-' && arg[1] == f->letter) {
            if (arg[2] && !f->has_value)
                continue;
            *val = arg[2] ? arg + 2 : NULL;
            return f;
        }
    }
    return NULL;
}

/* Appends the comma-separated selectors of val, given to flag, to v,
 * upper-cased; one that selects no rule is an error (as in Ruff). */
static int add_selectors(Options *o, StrVec *v, const char *flag, const char *val)
{
    for (const char *p = val; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *s = arena_strndup(o->a, p, n);
        for (char *c = s; *c; c++)
            if (*c >= 'a' && *c <= 'z')
                *c = (char)(*c - 'a' + 'A');
        if (!rules_valid_selector(s)) {
            char why[256];
            rules_selector_error(s, arena_printf(o->a, "'%.*s'", (int)n, p), why, sizeof why);
            fprintf(stderr, "sessionlint: error: %s: %s\nTry 'sessionlint rule' for the rules.\n",
                    flag, why);
            return EXIT_TROUBLE;
        }
        VEC_PUSH(v, s);
        p += n + (e != NULL);
    }
    return 0;
}

static int set_format(Options *o, const char *val)
{
    if (strcmp(val, "text") == 0)
        o->format = FMT_TEXT;
    else if (strcmp(val, "json") == 0)
        o->format = FMT_JSON;
    else if (strcmp(val, "github") == 0)
        o->format = FMT_GITHUB;
    else if (strcmp(val, "sarif") == 0)
        o->format = FMT_SARIF;
    else
        return usage("--format must be text, json, sarif or github, not ", val);
    return 0;
}

static int set_color(Options *o, const char *val)
{
    if (strcmp(val, "auto") == 0)
        o->color = COLOR_AUTO;
    else if (strcmp(val, "always") == 0)
        o->color = COLOR_ALWAYS;
    else if (strcmp(val, "never") == 0)
        o->color = COLOR_NEVER;
    else
        return usage("--color must be auto, always or never, not ", val);
    return 0;
}

static int set_jobs(Options *o, const char *val)
{
    char *end;
    errno = 0;
    long n = strtol(val, &end, 10);
    if (errno || end == val || *end || n < 0 || n > 4096)
        return usage("--jobs needs a number from 0 to 4096, not ", val);
    o->jobs = (int)n;
    return 0;
}

/* Reads paths from file, one a line (blank lines skipped), as
 * tools/pyast_dump.py --list does. */
static int read_list(Options *o, const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(stderr, "sessionlint: %s: %s\n", file, strerror(errno));
        return EXIT_TROUBLE;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            n--;
        if (strspn(line, " \t\r\n\f\v") >= (size_t)n)
            continue;
        VEC_PUSH(&o->paths, arena_strndup(o->a, line, (size_t)n));
    }
    free(line);
    fclose(f);
    return 0;
}

/* --fastapi-version / --sqlalchemy-version / --psycopg2-version: "0.110", "2.9". */
static int set_version(const char **dst, const char *flag, const char *val)
{
    Version v;
    int ok = val[0] >= '0' && val[0] <= '9' && project_parse_version(val, &v);
    for (const char *p = val; ok && *p; p++)
        ok = (*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9');
    if (!ok) {
        fprintf(stderr, "sessionlint: error: %s needs a version such as 0.110, not %s\n", flag,
                val);
        return EXIT_TROUBLE;
    }
    *dst = val;
    return 0;
}

/* --context all, --context test,cli (repeatable): contexts whose findings
 * are reported besides those each rule reports by default. */
static int add_contexts(Options *o, const char *val)
{
    o->has_contexts = 1;
    for (const char *p = val; *p;) {
        size_t n = strcspn(p, ",");
        char *name = arena_strndup(o->a, p, n);
        int ctx = context_parse(name);
        if (!strcmp(name, "all")) {
            o->contexts |= CTX_ALL;
        } else if (ctx >= 0) {
            o->contexts |= CTX_BIT(ctx);
        } else {
            fprintf(stderr, "sessionlint: error: --context takes request, service, cli, script, "
                            "migration, test, example or all, not %s\n", name);
            return EXIT_TROUBLE;
        }
        p += n + (p[n] == ',');
    }
    return 0;
}

static int apply_flag(Options *o, FlagId id, const char *val)
{
    switch (id) {
    case F_FORMAT: return set_format(o, val);
    case F_SELECT: return add_selectors(o, &o->select, "--select", val);
    case F_IGNORE: return add_selectors(o, &o->ignore, "--ignore", val);
    case F_JOBS: return set_jobs(o, val);
    case F_OUTPUT: o->output = val; return 0;
    case F_COLOR: return set_color(o, val);
    case F_STATISTICS: o->statistics = 1; return 0;
    case F_EXIT_ZERO: o->exit_zero = 1; return 0;
    case F_QUIET: o->quiet = 1; return 0;
    case F_VERSION: o->version = 1; return 0;
    case F_HELP: o->help = 1; return 0;
    case F_LIST: return read_list(o, val);
    case F_STDIN_FILENAME: o->stdin_filename = val; return 0;
    case F_BASELINE: o->baseline = val; return 0;
    case F_WRITE_BASELINE: o->write_baseline = val; return 0;
    case F_CONFIG: o->config = val; return 0;
    case F_NO_CONFIG: o->no_config = 1; return 0;
    case F_EXTEND_SELECT: return add_selectors(o, &o->extend_select, "--extend-select", val);
    case F_EXCLUDE: VEC_PUSH(&o->exclude, val); return 0;
    case F_EXTEND_EXCLUDE: VEC_PUSH(&o->extend_exclude, val); return 0;
    case F_FASTAPI_VERSION: return set_version(&o->fastapi_version, "--fastapi-version", val);
    case F_SQLALCHEMY_VERSION:
        return set_version(&o->sqlalchemy_version, "--sqlalchemy-version", val);
    case F_PSYCOPG2_VERSION:
        return set_version(&o->psycopg2_version, "--psycopg2-version", val);
    case F_CONTEXT: return add_contexts(o, val);
    case F_FIX: o->fix = 1; return 0;
    case F_UNSAFE_FIXES: o->unsafe_fixes = 1; return 0;
    case F_DIFF: o->diff = 1; return 0;
    case F_FIX_ONLY: o->fix_only = 1; return 0;
    case F_EXIT_NON_ZERO_ON_FIX: o->exit_non_zero_on_fix = 1; return 0;
    }
    return 0;
}

/* Flags (accepted where `where` says) and paths from argv[start..]. */
static int parse_args(Options *o, int argc, char **argv, int start, int where)
{
    int only_paths = 0;
    for (int i = start; i < argc; i++) {
        const char *arg = argv[i], *val;
        if (only_paths || arg[0] != '-' || arg[1] == 0) {
            if (strcmp(arg, "-") == 0 && !only_paths)
                o->read_stdin = 1;
            else
                VEC_PUSH(&o->paths, arg);
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_paths = 1;
            continue;
        }
        const Flag *f = find_flag(arg, &val);
        if (!f || !(f->where & where))
            return usage(f ? "option not valid here: " : "unknown option: ", arg);
        if (f->has_value && !val) {
            if (i + 1 >= argc)
                return usage("missing value for ", arg);
            val = argv[++i];
        } else if (!f->has_value && val) {
            return usage("option takes no value: ", arg);
        }
        int st = apply_flag(o, f->id, val);
        if (st)
            return st;
    }
    return 0;
}

/* ---- commands ---- */

static int want_color(int when, FILE *out)
{
    if (when != COLOR_AUTO)
        return when == COLOR_ALWAYS;
    const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
    if ((no && *no) || (term && strcmp(term, "dumb") == 0))
        return 0;
    return isatty(fileno(out));
}

static void print_errors(const Report *r)
{
    for (size_t i = 0; i < r->nerrors; i++)
        fprintf(stderr, "sessionlint: %s: %s\n", r->errors[i].path, r->errors[i].msg);
}

/* --fix, --fix-only or --diff: the fixes are applied (or shown). */
static int fixing(const Options *o) { return o->fix || o->fix_only || o->diff; }

/* fr: what --fix did, or NULL. */
static void write_report(const Options *o, const Report *r, FILE *out, const FixResult *fr)
{
    ReportOptions ro = {want_color(o->color, out), o->quiet, o->unsafe_fixes, fr != NULL,
                        fr ? fr->fixed : 0};
    if (fr && (o->fix_only || o->diff)) { /* findings are not shown: Ruff's one line */
        if (o->format == FMT_TEXT)
            report_text_fix_summary(out, r, &ro, o->diff);
        return;
    }
    if (o->format == FMT_JSON && o->statistics)
        report_json_statistics(out, r);
    else if (o->format == FMT_JSON)
        report_json_write(out, r);
    else if (o->format == FMT_GITHUB)
        report_github_write(out, r);
    else if (o->format == FMT_SARIF)
        report_sarif_write(out, r);
    else if (o->statistics)
        report_text_statistics(out, r, &ro);
    else
        report_text_write(out, r, &ro);
}

/* Flushes and closes out (unless stdout); 2 if anything failed to write. */
static int finish_output(FILE *out, const char *name)
{
    int bad = fflush(out) != 0 || ferror(out);
    if (out != stdout && fclose(out) != 0)
        bad = 1;
    if (bad)
        fprintf(stderr, "sessionlint: %s: write failed\n", name ? name : "standard output");
    return bad;
}

/* All of standard input in a heap buffer of *n bytes; NULL after saying
 * why it could not be read. */
static char *read_all_stdin(size_t *n)
{
    size_t cap = 1 << 16, len = 0, got;
    char *buf = xmalloc(cap);
    while ((got = fread(buf + len, 1, cap - len, stdin)) > 0) {
        len += got;
        if (len == cap)
            buf = xrealloc(buf, cap *= 2);
    }
    if (ferror(stdin)) {
        fprintf(stderr, "sessionlint: standard input: %s\n", strerror(errno));
        free(buf);
        return NULL;
    }
    *n = len;
    return buf;
}

/* --write-baseline: records every finding of r instead of reporting it. */
static int write_baseline_file(const Options *o, const Report *r)
{
    FILE *f = fopen(o->write_baseline, "w");
    if (!f) {
        fprintf(stderr, "sessionlint: %s: %s\n", o->write_baseline, strerror(errno));
        return EXIT_TROUBLE;
    }
    baseline_write(f, r);
    if (finish_output(f, o->write_baseline))
        return EXIT_TROUBLE;
    if (!o->quiet)
        fprintf(stderr, "sessionlint: wrote %zu finding%s to %s\n", r->n, r->n == 1 ? "" : "s",
                o->write_baseline);
    return r->nerrors ? EXIT_TROUBLE : EXIT_CLEAN;
}

/*
 * The exit status of a run that fixed (Ruff's rules): --diff exits 1 when
 * there is something to fix, --fix-only 0, --fix 1 when findings remain;
 * --exit-non-zero-on-fix adds 1 when anything was fixed.
 */
static int fix_status(const Options *o, const Report *r, const FixResult *fr)
{
    if (r->nerrors || fr->write_failed)
        return EXIT_TROUBLE;
    if (o->exit_zero)
        return EXIT_CLEAN;
    if (o->diff)
        return fr->fixed ? EXIT_FINDINGS : EXIT_CLEAN;
    if (o->exit_non_zero_on_fix && fr->fixed)
        return EXIT_FINDINGS;
    return r->n && !o->fix_only ? EXIT_FINDINGS : EXIT_CLEAN;
}

/* Prints r, less what base records; the exit status counts what is left.
 * fr: what --fix did, or NULL. */
static int report_findings(const Options *o, Report *r, Baseline *base, FILE *out,
                           const FixResult *fr)
{
    size_t old = base ? baseline_apply(base, r) : 0;
    if (old && !o->quiet)
        fprintf(stderr, "sessionlint: %zu finding%s recorded in %s not shown\n", old,
                old == 1 ? "" : "s", o->baseline);
    write_report(o, r, out, fr);
    int status = r->nerrors ? EXIT_TROUBLE : r->n && !o->exit_zero ? EXIT_FINDINGS : EXIT_CLEAN;
    if (fr)
        status = fix_status(o, r, fr);
    if (out != stdout && out != stderr && finish_output(out, o->output))
        status = EXIT_TROUBLE;
    return status;
}

/* The path whose configuration and project give the run-wide settings. */
static const char *first_path(const Options *o)
{
    return o->stdin_filename ? o->stdin_filename : o->paths.n ? o->paths.items[0] : ".";
}

/*
 * The configurations of a run, and its run-wide facts in *facts: the
 * command line over the configuration of the first path over the
 * project's metadata (project.h).  *fixed (if not NULL) gets the facts
 * before the metadata: each analyzed file completes them from its own
 * project's.  NULL after printing why the configuration could not be
 * read.  Free with config_free.
 */
static ConfigSet *load_config(Options *o, ProjectFacts *facts, ProjectFacts *fixed)
{
    ConfigArgs args = {o->config, o->no_config, o->select.items, (int)o->select.n,
                       o->extend_select.items, (int)o->extend_select.n, o->ignore.items,
                       (int)o->ignore.n, o->exclude.items, (int)o->exclude.n,
                       o->extend_exclude.items, (int)o->extend_exclude.n, o->contexts,
                       o->has_contexts};
    ConfigSet *cs = config_new(&args);
    const Config *c = config_for(cs, first_path(o));
    if (config_error(cs)) {
        fprintf(stderr, "sessionlint: %s\n", config_error(cs));
        config_free(cs);
        return NULL;
    }
    project_facts_init(facts);
    if (o->fastapi_version && project_parse_version(o->fastapi_version, &facts->fastapi))
        facts->fastapi_from = "--fastapi-version";
    if (o->sqlalchemy_version && project_parse_version(o->sqlalchemy_version, &facts->sqlalchemy))
        facts->sqlalchemy_from = "--sqlalchemy-version";
    if (o->psycopg2_version && project_parse_version(o->psycopg2_version, &facts->psycopg2))
        facts->psycopg2_from = "--psycopg2-version";
    config_facts(c, facts);
    if (fixed)
        *fixed = *facts;
    project_read(o->a, NULL, first_path(o), facts);
    return cs;
}

static int cmd_check(Options *o)
{
    char err[512];
    Baseline *base = NULL;
    ProjectFacts facts, fixed;
    ConfigSet *cs = load_config(o, &facts, &fixed);
    if (!cs)
        return EXIT_TROUBLE;
    if (o->baseline && !(base = baseline_read(o->baseline, err, sizeof err))) {
        config_free(cs);
        fprintf(stderr, "sessionlint: error: bad baseline: %s\n", err);
        return EXIT_TROUBLE;
    }
    size_t len = 0;
    char *text = NULL;
    FILE *out = stdout;
    if (o->stdin_filename && !(text = read_all_stdin(&len))) {
        baseline_free(base);
        config_free(cs);
        return EXIT_TROUBLE;
    }
    if (!o->write_baseline && o->output && !(out = fopen(o->output, "w"))) {
        fprintf(stderr, "sessionlint: %s: %s\n", o->output, strerror(errno));
        free(text);
        baseline_free(base);
        config_free(cs);
        return EXIT_TROUBLE;
    }
    RuleSelect sel = {o->select.items, (int)o->select.n, o->ignore.items, (int)o->ignore.n,
                      NULL, 0, o->contexts};
    DriverOptions d = {.paths = o->paths.items, .npaths = o->paths.n, .jobs = o->jobs,
                       .select = &sel, .mode = DRIVER_CHECK, .stdin_path = o->stdin_filename,
                       .stdin_text = text, .stdin_len = len, .facts = &facts,
                       .fixed_facts = &fixed, .config = cs};
    Report r;
    FixResult fr = {0};
    if (fixing(o)) { /* the source or the diff takes standard output: the report goes aside */
        FixOptions fo = {o->diff ? FIX_DIFF : o->stdin_filename ? FIX_STDOUT : FIX_WRITE,
                         o->unsafe_fixes, stdout};
        if (out == stdout && (o->diff || o->stdin_filename))
            out = stderr;
        fix_run(&d, &fo, &r, &fr);
    } else {
        driver_run(&d, &r);
    }
    int status;
    if (config_error(cs)) { /* a configuration below the first path is broken */
        fprintf(stderr, "sessionlint: %s\n", config_error(cs));
        if (out != stdout && out != stderr)
            fclose(out);
        status = EXIT_TROUBLE;
    } else {
        print_errors(&r);
        status = o->write_baseline ? write_baseline_file(o, &r)
                                   : report_findings(o, &r, base, out, fixing(o) ? &fr : NULL);
    }
    fix_result_free(&fr);
    driver_free(&r);
    free(text);
    baseline_free(base);
    config_free(cs);
    return status;
}

/* Writes text with each line indented by four spaces (a page's examples). */
static void put_indented(const char *text)
{
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
        if (n > 1)
            fputs("    ", stdout);
        fwrite(p, 1, n, stdout);
        p += n;
    }
}

/* `sessionlint rule CODE`: the rule's page. */
static void print_page(const Rule *r, const RulePage *pg)
{
    printf("%s  %s\nseverity: %s\n", r->code, r->name, rules_severity_name(r->severity));
    if (r->enabled)
        printf("default:  on\n");
    else
        printf("default:  off (enable with --select %s)\n", r->code);
    printf("summary:  %s\n", r->summary);
    printf("reported: in");
    for (int c = CTX_UNKNOWN + 1, n = 0; c < CTX__COUNT; c++)
        if (r->contexts & CTX_BIT(c))
            printf("%s %s", n++ ? "," : "", context_name(c));
    printf(" code by default (--context all: everywhere)\n");
    if (!pg)
        return;
    printf("\nWhat it finds\n\n");
    fputs(pg->finds, stdout);
    printf("\nWhy it matters\n\n");
    fputs(pg->why, stdout);
    printf("\nBad\n\n");
    put_indented(pg->bad);
    printf("\nFixed\n\n");
    put_indented(pg->fixed);
    const char *obs = rules_observed(r);
    if (obs) {
        printf("\nObserved\n\n");
        fputs(obs, stdout);
    }
    if (rules_fix(r)) {
        printf("\nWith --fix\n\n");
        fputs(rules_fix(r), stdout);
    }
}

static int cmd_rule(int argc, char **argv)
{
    if (argc > 3)
        return usage("rule takes at most one code", NULL);
    if (argc == 3) {
        char code[16];
        snprintf(code, sizeof code, "%s", argv[2]);
        for (char *c = code; *c; c++)
            if (*c >= 'a' && *c <= 'z')
                *c = (char)(*c - 'a' + 'A');
        const Rule *r = rules_lookup(code);
        if (!r) {
            char near[64];
            rules_suggest(code, near, sizeof near);
            fprintf(stderr, "sessionlint: unknown rule: %s%s%s%s\n", argv[2],
                    near[0] ? "; did you mean " : "", near, near[0] ? "?" : "");
            return EXIT_TROUBLE;
        }
        print_page(r, rules_page(r));
        return 0;
    }
    int width = 0; /* the longest name sets the column */
    for (int i = 0; i < RULE__COUNT; i++)
        if ((int)strlen(rules_get(i)->name) > width)
            width = (int)strlen(rules_get(i)->name);
    for (int i = 0; i < RULE__COUNT; i++) {
        const Rule *r = rules_get(i);
        printf("%-6s %-*s %-8s %-4s %s\n", r->code, width, r->name,
               rules_severity_name(r->severity), r->enabled ? "on" : "off", r->summary);
    }
    return 0;
}

/* debug parse: the per-file stages without reporting, timed. */
static int cmd_debug_parse(Options *o)
{
    if (!o->paths.n)
        return usage("debug parse needs a PATH or --list FILE", NULL);
    DriverOptions d = {.paths = o->paths.items, .npaths = o->paths.n,
                       .jobs = o->jobs ? o->jobs : 1, .mode = DRIVER_PARSE};
    Report r;
    driver_run(&d, &r);
    print_errors(&r);
    printf("files=%zu bytes=%zu lines=%zu seconds=%.3f\n", r.files, r.bytes, r.lines,
           r.seconds);
    int status = r.nerrors ? EXIT_TROUBLE : EXIT_CLEAN;
    driver_free(&r);
    return status;
}

/* debug files: what a check of the same paths would analyze. */
static int cmd_debug_files(Options *o)
{
    ProjectFacts facts;
    ConfigSet *cs = load_config(o, &facts, NULL);
    if (!cs)
        return EXIT_TROUBLE;
    DriverOptions d = {.paths = o->paths.items, .npaths = o->paths.n, .jobs = 1,
                       .mode = DRIVER_PARSE, .config = cs};
    WalkPaths files = {0};
    WalkErrors errs = {0};
    driver_discover(o->a, &d, &files, &errs);
    int bad = config_error(cs) != NULL;
    if (bad) {
        fprintf(stderr, "sessionlint: %s\n", config_error(cs));
        files.n = 0;
    }
    for (size_t i = 0; i < errs.n; i++)
        fprintf(stderr, "sessionlint: %s: %s\n", errs.items[i].path, errs.items[i].msg);
    for (size_t i = 0; i < files.n; i++)
        printf("%s%s\n", files.items[i],
               driver_template(files.items[i]) ? "  (skipped: a template, not Python)" : "");
    int status = errs.n || bad ? EXIT_TROUBLE : EXIT_CLEAN;
    VEC_FREE(&files);
    VEC_FREE(&errs);
    config_free(cs);
    return status;
}

/* debug project: the run-wide settings a check of PATH would use. */
static int cmd_debug_project(Options *o)
{
    if (o->paths.n > 1)
        return usage("debug project takes at most one PATH", NULL);
    ProjectFacts facts;
    ConfigSet *cs = load_config(o, &facts, NULL);
    if (!cs)
        return EXIT_TROUBLE;
    const Config *c = config_for(cs, first_path(o));
    debug_project(stdout, c ? config_path(c) : NULL, &facts);
    config_free(cs);
    return EXIT_CLEAN;
}

static int cmd_debug(Options *o, int argc, char **argv)
{
    const char *view = argc > 2 ? argv[2] : "";
    int st = parse_args(o, argc, argv, 3, IN_DEBUG);
    if (st)
        return st;
    if (o->help) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(view, "tokens") == 0) {
        if (o->paths.n != 1)
            return usage("debug tokens takes one FILE", NULL);
        return debug_tokens(stdout, o->paths.items[0]);
    }
    if (strcmp(view, "ast") == 0) {
        if (!o->paths.n)
            return usage("debug ast needs a FILE or --list FILE", NULL);
        return debug_ast(stdout, o->paths.items, o->paths.n);
    }
    if (strcmp(view, "parse") == 0)
        return cmd_debug_parse(o);
    if (strcmp(view, "files") == 0)
        return cmd_debug_files(o);
    if (strcmp(view, "project") == 0)
        return cmd_debug_project(o);
    if (strcmp(view, "cfg") == 0) {
        if (!o->paths.n)
            return usage("debug cfg needs a FILE or --list FILE", NULL);
        return debug_cfg(stdout, o->paths.items, o->paths.n);
    }
    return usage("debug needs a view: tokens, ast, cfg, parse, files or project; not ", view);
}

/* `sessionlint server`: the language server (lsp.h) on standard input and
 * output.  Standard output becomes the protocol's alone: anything else
 * that would print there goes to standard error. */
static int cmd_server(Options *o, int argc, char **argv)
{
    int st = parse_args(o, argc, argv, 2, IN_SERVER);
    if (st)
        return st;
    if (o->help || o->paths.n || o->read_stdin) {
        fputs("usage: sessionlint server [--jobs N]\n"
              "a language server (LSP 3.17) on standard input and output; see the README\n",
              o->help ? stdout : stderr);
        return o->help ? 0 : EXIT_TROUBLE;
    }
    fflush(stdout);
    int fd = dup(STDOUT_FILENO);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!out || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        fprintf(stderr, "sessionlint: server: cannot set up standard output: %s\n",
                strerror(errno));
        return EXIT_TROUBLE;
    }
    LspOptions lo = {o->jobs};
    int status = lsp_serve(STDIN_FILENO, out, &lo);
    fclose(out);
    return status;
}

static int run(Options *o, int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "rule") == 0)
        return cmd_rule(argc, argv);
    if (argc > 1 && strcmp(argv[1], "server") == 0)
        return cmd_server(o, argc, argv);
    if (argc > 1 && strcmp(argv[1], "debug") == 0)
        return cmd_debug(o, argc, argv);
    int st = parse_args(o, argc, argv, 1, IN_CHECK);
    if (st)
        return st;
    if (o->help) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (o->version) {
        puts("sessionlint " SL_VERSION);
        return 0;
    }
    if (o->read_stdin && !o->stdin_filename)
        return usage("reading standard input (-) needs --stdin-filename PATH", NULL);
    if (o->stdin_filename && o->paths.n)
        return usage("--stdin-filename checks standard input only, not ", o->paths.items[0]);
    if (o->write_baseline && fixing(o))
        return usage("--write-baseline records findings; it does not fix them", NULL);
    return cmd_check(o);
}

int main(int argc, char **argv)
{
    Options o = {0};
    o.a = arena_new();
    int status = run(&o, argc, argv);
    if (finish_output(stdout, NULL))
        status = EXIT_TROUBLE;
    VEC_FREE(&o.paths);
    VEC_FREE(&o.select);
    VEC_FREE(&o.ignore);
    VEC_FREE(&o.extend_select);
    VEC_FREE(&o.exclude);
    VEC_FREE(&o.extend_exclude);
    arena_free(o.a);
    exit(status);
}
