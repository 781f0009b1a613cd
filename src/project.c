/*
 * project.c - the project facts of project.h: the FastAPI and SQLAlchemy
 * versions read from the project's metadata.
 *
 * Where versions come from.  Walking up from the analyzed folder to the
 * repository's root (a folder holding .git), each folder holding metadata
 * is read: its lock files (uv.lock, poetry.lock, pdm.lock, Pipfile.lock),
 * pyproject.toml, Pipfile, setup.cfg, setup.py, requirements*.txt,
 * constraints*.txt and a requirements/ folder, following `-r` and `-c`.
 * Each requirement offers a version with a rank: a lock file's exact
 * version beats a pin (`==`, or a bare Poetry version), which beats the
 * newest version a range allows, what an installer without a lock picks
 * (`>=0.100,<0.120` -> 0.119.x, `^0.110` -> 0.110.x, `>=0.100` -> the
 * newest release).  In one folder the best rank wins, and
 * between offers of one rank the first file in that order.  Across
 * folders a lock wins wherever it is on the way up, since it says what is
 * installed (a uv or Poetry workspace locks its members at its root);
 * without one, the nearest folder that names the package decides.  When
 * no folder up to the root names a package, the build folders beside them
 * are asked the same way, nearest first: docker/, deploy/, build/ and the
 * like, or any folder holding a Dockerfile, for a service whose only pins
 * are the requirements its image installs (outside any repository, only at
 * and below the working folder).  SQLModel depends on SQLAlchemy, but which
 * version it brings is the resolver's business: it is not inferred.
 *
 * Nothing is executed: setup.py is parsed and the string literals given to
 * install_requires and extras_require are read (directly or through a
 * module-level name).  Each file is read into a scratch arena dropped once
 * it is done, so a large lock file costs its size once, not for the run;
 * a malformed file offers nothing.  A ProjectCache lists each folder once
 * and remembers what it answered (its project's root, its relative-path
 * base, what its metadata offers), so that 17,000 files cost one listing a
 * folder and a workspace's lock is parsed once for all its members.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "parse.h"
#include "project.h"
#include "toml.h"

#define MAX_INCLUDE_DEPTH 8               /* nested `-r file` includes followed */
#define MAX_INCLUDES 64                   /* files one requirements file may bring in */
#define MAX_METADATA_BYTES (64u << 20)    /* a larger lock file or pyproject.toml is not read */
#define MAX_REQUIREMENTS_BYTES (4u << 20) /* nor a larger requirements file, Pipfile, setup.cfg */
#define MAX_SETUP_PY_BYTES (256u << 10)   /* nor a larger setup.py */
#define MAX_MARKER_BYTES (1u << 20)       /* what is read to tell a setup.py or setup.cfg */
#define MAX_SETUP_DEPTH 256               /* nesting searched in a setup.py */
#define MAX_SETUP_NAMES 4                 /* module-level names followed in a setup.py */
#define MAX_SETUP_VISITS 100000           /* expression nodes read for install_requires */

enum { RANK_NONE, RANK_RANGE, RANK_PIN, RANK_LOCK };
enum { PKG_FASTAPI, PKG_SQLALCHEMY, PKG_FLASK_SQLALCHEMY, PKG_PSYCOPG2, PKG__COUNT };

typedef struct Offer {
    Version v;        /* the version offered */
    int rank;         /* RANK_* (RANK_NONE: nothing yet) */
    const char *from; /* the file, as messages show it */
} Offer;

typedef struct Reader {
    Arena *a;               /* the cache's: Offer.from, copied out to the facts */
    Arena *tmp;             /* one metadata file's text and tree, reset after it */
    ProjectCache *c;        /* folder listings */
    const char *cwd;        /* the working directory (absolute) */
    Offer best[PKG__COUNT]; /* per package, in the folder being read */
    int includes;           /* what the requirements file being read may still
                               include (a file naming itself twice is not 2^depth reads) */
} Reader;

void project_facts_init(ProjectFacts *f)
{
    memset(f, 0, sizeof *f);
    f->fastapi.major = f->sqlalchemy.major = f->flask_sqlalchemy.major = f->psycopg2.major = -1;
    f->database = DB_UNKNOWN;
}

int project_parse_version(const char *s, Version *v)
{
    int part[3] = {0, 0, 0}, n = 0;
    const char *p = s;
    while (n < 3) {
        if (*p < '0' || *p > '9')
            return 0;
        long x = 0;
        while (*p >= '0' && *p <= '9' && x < 100000)
            x = x * 10 + (*p++ - '0');
        part[n++] = (int)x;
        if (*p != '.')
            break;
        p++;
    }
    v->major = part[0];
    v->minor = part[1];
    v->patch = part[2];
    return 1;
}

Version project_newest(void) { return (Version){VERSION_ANY, VERSION_ANY, VERSION_ANY}; }

void project_version_text(const Version *v, char *buf, size_t size)
{
    if (v->major == VERSION_ANY)
        snprintf(buf, size, "the newest release");
    else if (v->minor == VERSION_ANY)
        snprintf(buf, size, "%d.x", v->major);
    else if (v->patch == VERSION_ANY)
        snprintf(buf, size, "%d.%d.x", v->major, v->minor);
    else
        snprintf(buf, size, "%d.%d.%d", v->major, v->minor, v->patch);
}

int project_version_cmp(const Version *a, const Version *b)
{
    if (a->major != b->major)
        return a->major < b->major ? -1 : 1;
    if (a->minor != b->minor)
        return a->minor < b->minor ? -1 : 1;
    if (a->patch != b->patch)
        return a->patch < b->patch ? -1 : 1;
    return 0;
}

/* ---- paths and files ---- */

/* dir/name, in the arena. */
static char *join(Arena *a, const char *dir, const char *name)
{
    return (char *)arena_printf(a, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] != '/' ? "/" : "",
                                name);
}

char *project_abspath(Arena *a, const char *cwd, const char *path)
{
    const char *full = path[0] == '/' ? path : join(a, cwd, path);
    size_t n = strlen(full);
    char *out = arena_alloc(a, n + 2);
    size_t o = 0;
    for (const char *p = full; *p;) {
        while (*p == '/')
            p++;
        const char *e = p;
        while (*e && *e != '/')
            e++;
        size_t len = (size_t)(e - p);
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--; /* the slash before the dropped part */
        } else if (len && !(len == 1 && p[0] == '.')) {
            out[o++] = '/';
            memcpy(out + o, p, len);
            o += len;
        }
        p = e;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = 0;
    return out;
}

const char *project_shown_path(Arena *a, const char *cwd, const char *path)
{
    size_t c = strlen(cwd);
    if (!strcmp(cwd, "/"))
        return path[0] == '/' ? path + 1 : path;
    if (!strncmp(path, cwd, c) && path[c] == '/')
        return path + c + 1;
    /* the longest common folder prefix, then one "../" per remaining folder of cwd */
    size_t common = 0;
    for (size_t i = 0; cwd[i] && cwd[i] == path[i]; i++)
        if (cwd[i] == '/')
            common = i;
    if (common == 0)
        return path;
    const char *s = "";
    for (size_t i = common; cwd[i]; i++)
        if (cwd[i] == '/')
            s = arena_printf(a, "%s../", s);
    return arena_printf(a, "%s%s", s, path + common + 1);
}

/* The whole file, NUL-terminated, in the arena (*n its length); NULL if
 * it cannot be read or is larger than max. */
static char *slurp(Arena *a, const char *path, size_t max, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
        (unsigned long long)st.st_size > max) {
        fclose(f);
        return NULL;
    }
    char *buf = arena_alloc_raw(a, (size_t)st.st_size + 1);
    *n = fread(buf, 1, (size_t)st.st_size, f);
    buf[*n] = 0;
    fclose(f);
    return buf;
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The kind of a directory entry, asking the file system only when the
 * listing does not say (or says it is a link). */
static int entry_is(const struct dirent *e, const char *path, int want_dir)
{
#ifdef DT_DIR
    if (e->d_type == DT_DIR)
        return want_dir;
    if (e->d_type == DT_REG)
        return !want_dir;
    if (e->d_type != DT_LNK && e->d_type != DT_UNKNOWN)
        return 0;
#else
    (void)e;
#endif
    return want_dir ? is_dir(path) : is_file(path);
}

static int has_prefix(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* requirements*.txt, or constraints*.txt that pins what they allow. */
static int is_requirements_name(const char *name)
{
    return has_suffix(name, ".txt") &&
           (has_prefix(name, "requirements") || has_prefix(name, "constraints"));
}

/* Reading order: requirements.txt, the other files, then the
 * constraints*.txt that narrow them, each group by name. */
static int reading_order(const char *name)
{
    return !strcmp(name, "requirements.txt") ? 0 : has_prefix(name, "constraints") ? 2 : 1;
}

static int cmp_requirements(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
    int ka = reading_order(a), kb = reading_order(b);
    return ka != kb ? ka - kb : strcmp(a, b);
}

/* items[0..n) sorted by cmp and copied into the arena, then a NULL. */
static const char **sorted_copy(Arena *a, const char **items, size_t n,
                                int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(items, n, sizeof *items, cmp);
    const char **out = arena_alloc(a, (n + 1) * sizeof *out);
    if (n)
        memcpy(out, items, n * sizeof *out);
    return out;
}

/* The .txt files of dir (a requirements/ folder), in reading order, in the
 * arena; their count in *n. */
static const char **list_txt(Arena *a, const char *dir, size_t *n)
{
    VEC(const char *) v = {0};
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (has_suffix(e->d_name, ".txt") && strlen(e->d_name) > 4 &&
            entry_is(e, join(a, dir, e->d_name), 0))
            VEC_PUSH(&v, arena_strndup(a, e->d_name, strlen(e->d_name)));
    if (d)
        closedir(d);
    const char **out = sorted_copy(a, v.items, v.n, cmp_requirements);
    *n = v.n;
    VEC_FREE(&v);
    return out;
}

/* ---- names and versions ---- */

/* Which package the distribution name s[0..n) is (PEP 503: case and runs
 * of - _ . do not matter), or -1.  fastapi-slim is FastAPI itself. */
static int package_of(const char *s, size_t n)
{
    char norm[64];
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '-' || c == '_' || c == '.') {
            if (o && norm[o - 1] == '-')
                continue;
            c = '-';
        } else if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (o + 1 >= sizeof norm)
            return -1;
        norm[o++] = c;
    }
    norm[o] = 0;
    if (!strcmp(norm, "fastapi") || !strcmp(norm, "fastapi-slim"))
        return PKG_FASTAPI;
    if (!strcmp(norm, "sqlalchemy"))
        return PKG_SQLALCHEMY;
    if (!strcmp(norm, "flask-sqlalchemy"))
        return PKG_FLASK_SQLALCHEMY;
    if (!strcmp(norm, "psycopg2") || !strcmp(norm, "psycopg2-binary"))
        return PKG_PSYCOPG2; /* the same module, built or as wheels */
    return -1;
}

/* The version a file offers for pkg, kept if it ranks above what the
 * folder offered so far.  Between lock offers the lowest wins (a uv.lock
 * may hold one version per Python); otherwise the first file read. */
static void offer(Reader *r, int pkg, const Version *v, int rank, const char *path)
{
    Offer *o = &r->best[pkg];
    if (rank > o->rank ||
        (rank == o->rank && rank == RANK_LOCK && project_version_cmp(v, &o->v) < 0)) {
        const char *shown = project_shown_path(r->a, r->cwd, path);
        o->v = *v;
        o->rank = rank;
        o->from = arena_strndup(r->a, shown, strlen(shown)); /* path is scratch */
    }
}

/* A version token s[0..n): "0.110", "2.0.30rc1", "0.110.*" (*wild set). */
static int version_of(const char *s, size_t n, Version *v, int *wild)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    *wild = n >= 2 && !strcmp(buf + n - 2, ".*");
    if (*wild)
        buf[n - 2] = 0;
    return project_parse_version(buf, v);
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* How many parts a version token has: "0.110" 2, "2.0.30rc1" 3. */
static int parts_of(const char *s, const char *e)
{
    int n = 1;
    for (; s < e && *s != '*'; s++)
        n += *s == '.';
    return n - (e - s >= 1 && e[-1] == '*'); /* "0.110.*": two parts */
}

/* The version after v at part k (0 major, 1 minor, 2 patch), the later
 * parts zero: the exclusive upper bound of `~=`, `^`, `~` and `==x.*`. */
static Version bump(Version v, int k)
{
    if (k <= 0)
        return (Version){v.major + 1, 0, 0};
    if (k == 1)
        return (Version){v.major, v.minor + 1, 0};
    return (Version){v.major, v.minor, v.patch + 1};
}

/* The newest version below u (u excluded), as far as eras go. */
static Version below(Version u)
{
    if (u.patch > 0)
        return (Version){u.major, u.minor, u.patch - 1};
    if (u.minor > 0)
        return (Version){u.major, u.minor - 1, VERSION_ANY};
    return (Version){u.major > 0 ? u.major - 1 : 0, VERSION_ANY, VERSION_ANY};
}

/*
 * The version one alternative of a specifier installs: clauses such as
 * ">=0.100, <0.120" (PEP 440, comma-separated) or ">=0.100 <0.120"
 * (Poetry, space-separated), with Poetry's "^0.110", "~0.100" and a bare
 * "0.110.0" (exact).  Without a lock, an installer picks the newest
 * release the clauses allow: the newest below the lowest upper bound
 * (`<0.120` -> 0.119.x, `~=0.109.2` -> 0.109.x, `^0.110` -> 0.110.x), or,
 * with only a lower bound (`>=0.100`), the newest release of all
 * (project_newest).  Returns the rank: RANK_PIN for an exact version,
 * RANK_RANGE for a range, RANK_NONE when nothing bounds it.
 */
static int allowed_of_clauses(const char *s, const char *e, Version *out)
{
    int lower = 0, upper = 0;
    Version up = {0, 0, 0};
    while (s < e) {
        while (s < e && (is_space(*s) || *s == ','))
            s++;
        const char *op = s;
        while (s < e && strchr("=<>!~^", *s))
            s++;
        size_t oplen = (size_t)(s - op);
        while (s < e && is_space(*s))
            s++;
        const char *ver = s;
        while (s < e && !is_space(*s) && *s != ',')
            s++;
        Version v;
        int wild = 0;
        if (ver == s || !version_of(ver, (size_t)(s - ver), &v, &wild))
            continue; /* "*", a marker we do not read, or nothing */
        int parts = parts_of(ver, s);
        int eq = oplen == 0 || (oplen == 1 && *op == '=') || (oplen == 2 && !strncmp(op, "==", 2)) ||
                 (oplen == 3 && !strncmp(op, "===", 3));
        if (eq && !wild) {
            *out = v;
            return RANK_PIN;
        }
        Version u; /* this clause's upper bound: u itself allowed when inclusive */
        int has_upper = 1, inclusive = 0;
        if (eq) /* ==0.110.*: below 0.111 */
            u = bump(v, parts - 1);
        else if (oplen == 2 && !strncmp(op, "~=", 2))
            u = bump(v, parts - 2);
        else if (*op == '^') /* Poetry: the leftmost non-zero part stays */
            u = bump(v, v.major ? 0 : v.minor || parts < 3 ? 1 : 2);
        else if (*op == '~') /* Poetry: ~1.2.3 and ~1.2 below 1.3, ~1 below 2 */
            u = bump(v, parts > 1 ? 1 : 0);
        else if (*op == '<')
            u = v, inclusive = oplen == 2 && op[1] == '=';
        else
            has_upper = 0;
        lower |= *op == '>' || *op == '~' || *op == '^' || eq;
        if (has_upper) {
            Version top = inclusive ? u : below(u);
            if (!upper || project_version_cmp(&top, &up) < 0)
                up = top; /* every clause must hold: the lowest upper bound */
            upper = 1;
        }
    }
    if (upper)
        *out = up;
    else if (lower)
        *out = project_newest();
    return upper || lower ? RANK_RANGE : RANK_NONE;
}

/* The version a specifier installs; Poetry's "a || b" alternatives give the
 * newest of theirs, and nothing if one of them is unbounded. */
static int newest_allowed(const char *s, size_t n, Version *out)
{
    const char *e = s + n;
    int rank = RANK_NONE, alternatives = 0;
    for (const char *p = s; p <= e;) {
        const char *bar = p;
        while (bar + 1 < e && !(bar[0] == '|' && bar[1] == '|'))
            bar++;
        if (bar + 1 >= e)
            bar = e;
        Version v;
        int r = allowed_of_clauses(p, bar, &v);
        if (r == RANK_NONE)
            return RANK_NONE;
        if (!alternatives++ || project_version_cmp(&v, out) > 0)
            *out = v;
        rank = alternatives > 1 ? RANK_RANGE : r;
        p = bar + 2;
    }
    return rank;
}

/*
 * A PEP 508 requirement: "fastapi[standard]>=0.110,<1.0; python_version >
 * '3.8'", "SQLAlchemy (==2.0.30)", "fastapi @ https://...".
 */
static void requirement(Reader *r, const char *s, size_t n, const char *path)
{
    const char *e = s + n;
    while (s < e && is_space(*s))
        s++;
    const char *name = s;
    while (s < e && (strchr("-_.", *s) || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
                     (*s >= 'A' && *s <= 'Z')))
        s++;
    int pkg = package_of(name, (size_t)(s - name));
    if (pkg < 0)
        return;
    while (s < e && is_space(*s))
        s++;
    if (s < e && *s == '[') { /* extras */
        while (s < e && *s != ']')
            s++;
        s += s < e;
    }
    const char *semi = memchr(s, ';', (size_t)(e - s)); /* environment markers */
    if (semi)
        e = semi;
    while (s < e && (is_space(*s) || *s == '('))
        s++;
    while (e > s && (is_space(e[-1]) || e[-1] == ')'))
        e--;
    if (s >= e || *s == '@')
        return; /* no version, or a URL */
    if (!strchr("=<>!~", *s))
        return; /* PEP 508 needs an operator */
    Version v;
    int rank = newest_allowed(s, (size_t)(e - s), &v);
    if (rank != RANK_NONE)
        offer(r, pkg, &v, rank, path);
}

/* ---- requirements*.txt, constraints*.txt ---- */

static void read_requirements(Reader *r, const char *path, int depth);

/* The folder of path, in the arena ("." for a bare name). */
static const char *folder_of(Arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    return !slash ? "." : slash == path ? "/" : arena_strndup(a, path, (size_t)(slash - path));
}

/* An option line: "-r other.txt", "--requirement=other.txt", "-c c.txt". */
static void requirements_option(Reader *r, const char *path, const char *line, int depth)
{
    static const char *const includes[] = {"--requirement", "--constraint", "-r", "-c"};
    for (size_t i = 0; i < sizeof includes / sizeof *includes; i++) {
        size_t k = strlen(includes[i]);
        if (strncmp(line, includes[i], k))
            continue;
        const char *file = line + k;
        if (k > 2 && *file != '=' && !is_space(*file))
            continue; /* another long option */
        while (*file == '=' || is_space(*file))
            file++;
        if (!*file)
            return;
        read_requirements(r, project_abspath(r->tmp, folder_of(r->tmp, path), file), depth + 1);
        return;
    }
}

/* One logical line of a requirements file (continuations joined). */
static void requirements_line(Reader *r, const char *path, char *line, int depth)
{
    for (char *p = line; *p; p++) /* a comment: '#' at the start or after white space */
        if (*p == '#' && (p == line || is_space(p[-1]))) {
            *p = 0;
            break;
        }
    while (is_space(*line))
        line++;
    if (!*line)
        return;
    if (*line == '-') {
        requirements_option(r, path, line, depth);
        return;
    }
    for (char *p = line; *p; p++) /* per-requirement options: --hash=... */
        if (is_space(*p) && p[1] == '-' && p[2] == '-') {
            *p = 0;
            break;
        }
    requirement(r, line, strlen(line), path);
}

/* A requirements or constraints file: a constraint's pin is a pin. */
static void read_requirements(Reader *r, const char *path, int depth)
{
    if (depth == 0)
        r->includes = MAX_INCLUDES;
    else if (depth > MAX_INCLUDE_DEPTH || r->includes-- <= 0)
        return;
    size_t n = 0;
    Arena *own = arena_new(); /* freed when done: includes hold MAX_INCLUDE_DEPTH texts at most */
    char *text = slurp(own, path, MAX_REQUIREMENTS_BYTES, &n);
    VEC(char) line = {0};
    for (size_t i = 0; text && i <= n; i++) {
        char c = i < n ? text[i] : '\n';
        if (c == '\\' && i + 1 < n &&
            (text[i + 1] == '\n' || (text[i + 1] == '\r' && i + 2 < n && text[i + 2] == '\n'))) {
            i += i + 1 < n && text[i + 1] == '\r' ? 2 : 1; /* a continuation */
            continue;
        }
        if (c != '\n') {
            VEC_PUSH(&line, c == 0 ? ' ' : c);
            continue;
        }
        VEC_PUSH(&line, (char)0);
        requirements_line(r, path, line.items, depth);
        line.n = 0;
    }
    VEC_FREE(&line);
    arena_free(own);
}

/* ---- pyproject.toml, Pipfile and the TOML lock files ---- */

/* The file at path as TOML, in the scratch arena; NULL if it is not (or
 * is larger than max). */
static const TomlValue *read_toml(Reader *r, const char *path, size_t max)
{
    size_t n;
    char *text = slurp(r->tmp, path, max, &n);
    TomlError err;
    return text ? toml_parse(r->tmp, text, n, &err) : NULL;
}

/* Each string of a TOML array, as a PEP 508 requirement. */
static void requirement_array(Reader *r, const TomlValue *arr, const char *path)
{
    if (!arr || arr->type != TOML_ARRAY)
        return;
    for (int i = 0; i < arr->v.arr.n; i++) {
        const TomlValue *s = arr->v.arr.items[i];
        if (s->type == TOML_STRING)
            requirement(r, s->v.str.s, strlen(s->v.str.s), path);
    }
}

/* Each array of a table of arrays ([project.optional-dependencies]). */
static void requirement_groups(Reader *r, const TomlValue *t, const char *path)
{
    for (int i = 0; t && t->type == TOML_TABLE && i < t->v.tab.n; i++)
        requirement_array(r, t->v.tab.kv[i].val, path);
}

/* A Poetry or Pipfile dependency's constraint: "^0.110", "==0.110.0", "*",
 * {version = "..."}, or a list of such tables (one per Python version):
 * the lowest of what they install. */
static int table_constraint(const TomlValue *c, Version *out)
{
    if (c->type == TOML_STRING)
        return newest_allowed(c->v.str.s, strlen(c->v.str.s), out);
    if (c->type == TOML_TABLE) {
        const TomlValue *v = toml_get(c, "version");
        return v && v->type == TOML_STRING ? newest_allowed(v->v.str.s, strlen(v->v.str.s), out)
                                           : RANK_NONE;
    }
    if (c->type != TOML_ARRAY || c->v.arr.n == 0)
        return RANK_NONE;
    int rank = RANK_NONE;
    for (int i = 0; i < c->v.arr.n; i++) {
        Version v;
        int r = table_constraint(c->v.arr.items[i], &v);
        if (r == RANK_NONE || c->v.arr.items[i]->type == TOML_ARRAY)
            return RANK_NONE;
        if (i == 0 || project_version_cmp(&v, out) < 0)
            *out = v;
        rank = c->v.arr.n > 1 ? RANK_RANGE : r;
    }
    return rank;
}

/* A table of dependencies, name -> constraint (Poetry's, a Pipfile's). */
static void dependency_table(Reader *r, const TomlValue *t, const char *path)
{
    for (int i = 0; t && t->type == TOML_TABLE && i < t->v.tab.n; i++) {
        const TomlKeyVal *kv = &t->v.tab.kv[i];
        int pkg = package_of(kv->key, kv->keylen);
        Version v;
        int rank = pkg < 0 ? RANK_NONE : table_constraint(kv->val, &v);
        if (rank != RANK_NONE)
            offer(r, pkg, &v, rank, path);
    }
}

static void read_pyproject(Reader *r, const char *path)
{
    const TomlValue *t = read_toml(r, path, MAX_METADATA_BYTES);
    if (!t)
        return; /* malformed metadata says nothing (the configuration reports it) */
    const TomlValue *project = toml_get(t, "project");
    requirement_array(r, toml_get(project, "dependencies"), path);
    requirement_groups(r, toml_get(project, "optional-dependencies"), path);
    requirement_groups(r, toml_get(t, "dependency-groups"), path); /* PEP 735 */
    const TomlValue *tool = toml_get(t, "tool");
    requirement_array(r, toml_get(toml_get(tool, "uv"), "dev-dependencies"), path);
    requirement_groups(r, toml_get(toml_get(tool, "pdm"), "dev-dependencies"), path);
    const TomlValue *poetry = toml_get(tool, "poetry");
    dependency_table(r, toml_get(poetry, "dependencies"), path);
    dependency_table(r, toml_get(poetry, "dev-dependencies"), path);
    const TomlValue *groups = toml_get(poetry, "group");
    for (int i = 0; groups && groups->type == TOML_TABLE && i < groups->v.tab.n; i++)
        dependency_table(r, toml_get(groups->v.tab.kv[i].val, "dependencies"), path);
}

/*
 * A Pipfile: [packages], [dev-packages] and the other categories Pipenv
 * allows, each name = "==0.110.0" | ">=0.100" | "*" | {version = "..."}.
 * [source], [requires], [scripts] and [pipenv] hold no packages.
 */
static void read_pipfile(Reader *r, const char *path)
{
    static const char *const not_packages[] = {"source", "requires", "scripts", "pipenv"};
    const TomlValue *t = read_toml(r, path, MAX_REQUIREMENTS_BYTES);
    for (int i = 0; t && i < t->v.tab.n; i++) {
        const TomlKeyVal *kv = &t->v.tab.kv[i];
        int skip = kv->val->type != TOML_TABLE;
        for (size_t k = 0; !skip && k < sizeof not_packages / sizeof *not_packages; k++)
            skip = !strcmp(kv->key, not_packages[k]);
        if (!skip)
            dependency_table(r, kv->val, path);
    }
}

/* uv.lock, poetry.lock, pdm.lock: [[package]] tables with a name and an
 * exact version. */
static void read_lock(Reader *r, const char *path)
{
    const TomlValue *pkgs = toml_get(read_toml(r, path, MAX_METADATA_BYTES), "package");
    if (!pkgs || pkgs->type != TOML_ARRAY)
        return;
    for (int i = 0; i < pkgs->v.arr.n; i++) {
        const TomlValue *name = toml_get(pkgs->v.arr.items[i], "name");
        const TomlValue *ver = toml_get(pkgs->v.arr.items[i], "version");
        if (!name || name->type != TOML_STRING || !ver || ver->type != TOML_STRING)
            continue;
        int pkg = package_of(name->v.str.s, strlen(name->v.str.s));
        Version v;
        int wild;
        if (pkg >= 0 && version_of(ver->v.str.s, strlen(ver->v.str.s), &v, &wild) && !wild)
            offer(r, pkg, &v, RANK_LOCK, path);
    }
}

/* ---- Pipfile.lock ---- */

/*
 * Pipfile.lock is JSON: {"_meta": {...}, "default": {"fastapi": {"version":
 * "==0.112.4", "hashes": [...]}, ...}, "develop": {...}} and one object
 * like "default" per other category.  Only the versions are decoded; the
 * rest (hashes, markers) is checked and skipped.
 */
typedef struct PipLock {
    Reader *r;
    const char *path;
    int pkg; /* the package of the entry being read, or -1 */
} PipLock;

/* One field of a package's entry: its exact "version". */
static int piplock_field(JsonReader *j, const char *key, void *ctx)
{
    PipLock *pl = ctx;
    if (pl->pkg < 0 || strcmp(key, "version") != 0 || json_peek(j) != '"')
        return json_value(j);
    const char *s;
    if (!json_string(j, &s))
        return 0;
    while (*s == '=')
        s++; /* "==0.112.4", "===0.112.4" */
    Version v;
    int wild;
    if (version_of(s, strlen(s), &v, &wild) && !wild)
        offer(pl->r, pl->pkg, &v, RANK_LOCK, pl->path);
    return 1;
}

/* One package of a category: name -> {...}. */
static int piplock_package(JsonReader *j, const char *key, void *ctx)
{
    PipLock *pl = ctx;
    pl->pkg = package_of(key, strlen(key));
    if (pl->pkg < 0 || !json_accept(j, '{'))
        return json_value(j);
    return json_members(j, piplock_field, pl);
}

/* A category of packages ("default", "develop", ...); "_meta" is not one. */
static int piplock_category(JsonReader *j, const char *key, void *ctx)
{
    if (!strcmp(key, "_meta") || !json_accept(j, '{'))
        return json_value(j);
    return json_members(j, piplock_package, ctx);
}

static void read_pipfile_lock(Reader *r, const char *path)
{
    size_t n;
    char *text = slurp(r->tmp, path, MAX_METADATA_BYTES, &n);
    if (!text)
        return;
    Offer before[PKG__COUNT];
    memcpy(before, r->best, sizeof before);
    char err[256];
    JsonReader j;
    PipLock pl = {r, path, -1};
    json_open(&j, r->tmp, path, text, n, err, sizeof err);
    if (!(json_expect(&j, '{') && json_members(&j, piplock_category, &pl) && json_at_end(&j)))
        memcpy(r->best, before, sizeof before); /* not JSON: it offers nothing */
}

/* ---- setup.cfg ---- */

/*
 * One requirement list of a setup.cfg, as setuptools reads it: one item
 * a line when the value spans lines, else items separated by ';'.  An
 * item "file: a.txt, b.txt" names requirements files beside setup.cfg.
 */
static void setup_cfg_list(Reader *r, const char *path, char *value)
{
    char sep = strchr(value, '\n') ? '\n' : ';';
    for (char *item = value; item;) {
        char *next = strchr(item, sep);
        if (next)
            *next++ = 0;
        while (is_space(*item))
            item++;
        if (!has_prefix(item, "file:")) {
            requirement(r, item, strlen(item), path);
            item = next;
            continue;
        }
        for (char *file = item + 5; file && *file;) { /* file: a.txt, b.txt */
            char *comma = strchr(file, ',');
            if (comma)
                *comma++ = 0;
            while (is_space(*file))
                file++;
            size_t len = strlen(file);
            while (len && is_space(file[len - 1]))
                file[--len] = 0;
            if (len)
                read_requirements(r, project_abspath(r->tmp, folder_of(r->tmp, path), file), 0);
            file = comma;
        }
        item = next;
    }
}

/* A key of a section holds requirements: [options] install_requires (or
 * install-requires) and every key of [options.extras_require]. */
static int setup_cfg_wanted(const char *section, const char *key)
{
    if (!strcmp(section, "options.extras_require"))
        return 1;
    return !strcmp(section, "options") &&
           (!strcmp(key, "install_requires") || !strcmp(key, "install-requires"));
}

/* The text of a line without its line end and surrounding blanks. */
static char *trim(char *s, char *e)
{
    while (s < e && is_space(*s))
        s++;
    while (e > s && is_space(e[-1]))
        e--;
    *e = 0;
    return s;
}

/*
 * setup.cfg is INI as configparser reads it: [section] headers, `key =
 * value` or `key: value` (keys without case), a value continued on the
 * indented lines below it, and whole-line comments (# or ;).  Values are
 * gathered whole, then the wanted ones are read as lists.
 */
static void read_setup_cfg(Reader *r, const char *path)
{
    size_t n;
    char *text = slurp(r->tmp, path, MAX_REQUIREMENTS_BYTES, &n);
    if (!text)
        return;
    const char *section = "", *key = "";
    VEC(char) value = {0};
    for (char *line = text, *end; line <= text + n; line = end + 1) {
        end = line;
        while (end < text + n && *end != '\n')
            end++;
        int indented = line < end && (*line == ' ' || *line == '\t');
        char *s = trim(line, end);
        if (*s == '#' || *s == ';')
            continue;
        if (indented && *key && *s) { /* a continuation of the value */
            VEC_PUSH(&value, '\n');
            for (const char *p = s; *p; p++)
                VEC_PUSH(&value, *p);
            continue;
        }
        if (!*s)
            continue; /* blank lines may sit inside a value */
        if (*key && setup_cfg_wanted(section, key)) {
            VEC_PUSH(&value, (char)0);
            setup_cfg_list(r, path, value.items);
        }
        key = "";
        value.n = 0;
        char *eq = s + strcspn(s, "=:");
        if (*s == '[') {
            s[strcspn(s, "]")] = 0;
            section = trim(s + 1, s + strlen(s));
        } else if (*eq) {
            char *v = trim(eq + 1, eq + 1 + strlen(eq + 1));
            *eq = 0;
            char *k = trim(s, eq);
            for (char *p = k; *p; p++)
                *p = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
            key = k;
            for (const char *p = v; *p; p++)
                VEC_PUSH(&value, *p);
        }
    }
    if (*key && setup_cfg_wanted(section, key)) { /* the last value */
        VEC_PUSH(&value, (char)0);
        setup_cfg_list(r, path, value.items);
    }
    VEC_FREE(&value);
}

/* ---- setup.py ---- */

typedef struct SetupPy {
    Reader *r;
    const char *path;
    const Node *module; /* where module-level names are looked up */
    int visits;         /* expression nodes read, up to MAX_SETUP_VISITS */
    int depth;          /* of the statement walk, up to MAX_SETUP_DEPTH */
} SetupPy;

static void setup_value(SetupPy *s, const Node *e, int names);

/* The values a module-level name is given: `REQUIRES = [...]`, and what
 * `REQUIRES += [...]` adds. */
static void setup_name(SetupPy *s, const char *id, int names)
{
    const NodeList *body = &s->module->v.Module.body;
    for (int i = 0; i < body->n; i++) {
        const Node *st = body->items[i], *target, *value;
        if (st->kind == NODE_AugAssign && st->v.AugAssign.op == OP_Add) {
            target = st->v.AugAssign.target;
            value = st->v.AugAssign.value;
        } else if (!ast_single_assign(st, &target, &value)) {
            continue;
        }
        if (target->kind == NODE_Name && !strcmp(target->v.Name.id, id))
            setup_value(s, value, names + 1);
    }
}

static void setup_values(SetupPy *s, const NodeList *l, int names)
{
    for (int i = 0; i < l->n; i++)
        setup_value(s, l->items[i], names);
}

/*
 * The requirement strings an expression holds: literal lists, tuples and
 * sets, a dict's values (extras_require), `a + b`, `*a`, and the names
 * given such values at module level.  What is computed (a file read, a
 * comprehension) is not followed.  The visits bound a name used twice in
 * its own definition; the parser's nesting limit bounds the recursion.
 */
static void setup_value(SetupPy *s, const Node *e, int names)
{
    if (!e || ++s->visits > MAX_SETUP_VISITS)
        return;
    switch (e->kind) {
    case NODE_Constant:
        if (e->v.Constant.value.kind == CONST_STR)
            requirement(s->r, e->v.Constant.value.s, e->v.Constant.value.len, s->path);
        break;
    case NODE_List: setup_values(s, &e->v.List.elts, names); break;
    case NODE_Tuple: setup_values(s, &e->v.Tuple.elts, names); break;
    case NODE_Set: setup_values(s, &e->v.Set.elts, names); break;
    case NODE_Dict: setup_values(s, &e->v.Dict.values, names); break;
    case NODE_Starred: setup_value(s, e->v.Starred.value, names); break;
    case NODE_BinOp:
        if (e->v.BinOp.op == OP_Add) {
            setup_value(s, e->v.BinOp.left, names);
            setup_value(s, e->v.BinOp.right, names);
        }
        break;
    case NODE_Name:
        if (names < MAX_SETUP_NAMES)
            setup_name(s, e->v.Name.id, names);
        break;
    default: break;
    }
}

static int is_requirements_key(const char *k)
{
    return k && (!strcmp(k, "install_requires") || !strcmp(k, "extras_require"));
}

/* Every install_requires= and extras_require= (a setup() call's keywords,
 * or the keys of a dict of them handed to setup(**kwargs)), anywhere. */
static void setup_find(Node *parent, Node *n, void *arg)
{
    SetupPy *s = arg;
    (void)parent;
    if (n->kind == NODE_keyword && is_requirements_key(n->v.keyword.arg))
        setup_value(s, n->v.keyword.value, 0);
    for (int i = 0; n->kind == NODE_Dict && i < n->v.Dict.keys.n; i++) {
        const Node *k = n->v.Dict.keys.items[i]; /* NULL for **other */
        if (k && k->kind == NODE_Constant && k->v.Constant.value.kind == CONST_STR &&
            is_requirements_key(k->v.Constant.value.s))
            setup_value(s, n->v.Dict.values.items[i], 0);
    }
    if (s->depth < MAX_SETUP_DEPTH) {
        s->depth++;
        ast_children(n, setup_find, s);
        s->depth--;
    }
}

/* A setup.py, parsed and never run. */
static void read_setup_py(Reader *r, const char *path)
{
    size_t n;
    char *text = slurp(r->tmp, path, MAX_SETUP_PY_BYTES, &n);
    Source src;
    SourceError err;
    if (!text || source_from_bytes(r->tmp, path, text, n, &src, &err) != SRC_OK)
        return;
    Lexed lx;
    Node *module = parse_module(r->tmp, &src, &lx, NULL).module;
    SetupPy s = {r, path, module, 0, 0};
    ast_children(module, setup_find, &s);
}

/* ---- what a folder holds ---- */

enum {
    HOLDS_UV_LOCK = 1 << 0,
    HOLDS_POETRY_LOCK = 1 << 1,
    HOLDS_PDM_LOCK = 1 << 2,
    HOLDS_PIPFILE_LOCK = 1 << 3,
    HOLDS_PYPROJECT = 1 << 4,
    HOLDS_PIPFILE = 1 << 5,
    HOLDS_SETUP_CFG = 1 << 6,
    HOLDS_SETUP_PY = 1 << 7,
    HOLDS_REQUIREMENTS = 1 << 8, /* requirements*.txt or constraints*.txt */
    HOLDS_REQ_FOLDER = 1 << 9,   /* a requirements/ folder of .txt files */
    HOLDS_GIT = 1 << 10,         /* .git: the repository's root */
};
#define HOLDS_METADATA (HOLDS_GIT - 1)
#define HOLDS_PINS (HOLDS_REQUIREMENTS | HOLDS_REQ_FOLDER) /* what a build folder offers */

/* The metadata files of a folder in reading order (locks first), each with
 * its reader; the requirements files come after them. */
static const struct {
    const char *name;
    unsigned bit;
    void (*read)(Reader *r, const char *path);
} metadata_files[] = {
    {"uv.lock", HOLDS_UV_LOCK, read_lock},
    {"poetry.lock", HOLDS_POETRY_LOCK, read_lock},
    {"pdm.lock", HOLDS_PDM_LOCK, read_lock},
    {"Pipfile.lock", HOLDS_PIPFILE_LOCK, read_pipfile_lock},
    {"pyproject.toml", HOLDS_PYPROJECT, read_pyproject},
    {"Pipfile", HOLDS_PIPFILE, read_pipfile},
    {"setup.cfg", HOLDS_SETUP_CFG, read_setup_cfg},
    {"setup.py", HOLDS_SETUP_PY, read_setup_py},
};
#define NMETADATA_FILES (sizeof metadata_files / sizeof *metadata_files)

typedef struct Listing {
    unsigned holds;    /* HOLDS_* */
    const char **reqs; /* its requirements*.txt and constraints*.txt, in reading order */
    size_t nreqs;
} Listing;

/*
 * Whether a setup.py or setup.cfg is packaging metadata: a setup.py that
 * uses setuptools or distutils (many packages have a module named
 * setup.py), a setup.cfg with [metadata] or [options] (not only the
 * settings of flake8 or pytest).
 */
static int is_packaging(const char *path, unsigned bit)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        if (f)
            fclose(f);
        return 0;
    }
    size_t max =
        (unsigned long long)st.st_size < MAX_MARKER_BYTES ? (size_t)st.st_size : MAX_MARKER_BYTES;
    char *text = xmalloc(max + 2);
    text[0] = '\n'; /* so that a header on the first line follows a line end */
    size_t n = fread(text + 1, 1, max, f);
    text[n + 1] = 0;
    fclose(f);
    int yes = bit == HOLDS_SETUP_PY ? strstr(text, "setuptools") || strstr(text, "distutils")
                                    : strstr(text, "\n[metadata]") || strstr(text, "\n[options");
    free(text);
    return yes;
}

/* The metadata bit of a file name, or 0. */
static unsigned metadata_bit(const char *name)
{
    for (size_t i = 0; i < NMETADATA_FILES; i++)
        if (!strcmp(name, metadata_files[i].name))
            return metadata_files[i].bit;
    return 0;
}

/* One listing of dir: what it holds, and its requirements files (in a). */
static void list_folder(Arena *a, const char *dir, Listing *out)
{
    VEC(const char *) reqs = {0};
    unsigned holds = 0, unsure = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (!strcmp(name, ".git")) { /* a folder, or a worktree's file */
            holds |= HOLDS_GIT;
            continue;
        }
        unsigned bit = metadata_bit(name);
        int req = is_requirements_name(name), reqdir = !strcmp(name, "requirements");
        if (!bit && !req && !reqdir)
            continue;
        const char *path = join(a, dir, name);
        size_t ntxt = 0;
        if (reqdir && entry_is(e, path, 1))
            list_txt(a, path, &ntxt);
        if (ntxt)
            holds |= HOLDS_REQ_FOLDER;
        if (reqdir || !entry_is(e, path, 0))
            continue;
        if (req)
            VEC_PUSH(&reqs, arena_strndup(a, name, strlen(name)));
        else if (bit & (HOLDS_SETUP_PY | HOLDS_SETUP_CFG))
            unsure |= bit;
        else
            holds |= bit;
    }
    if (d)
        closedir(d);
    if (reqs.n)
        holds |= HOLDS_REQUIREMENTS;
    /* beside other metadata a setup.py or setup.cfg is read for what it
     * says; alone, it makes a project only if it is packaging metadata */
    if ((unsure & HOLDS_SETUP_PY) &&
        ((holds & HOLDS_METADATA) || is_packaging(join(a, dir, "setup.py"), HOLDS_SETUP_PY)))
        holds |= HOLDS_SETUP_PY;
    if ((unsure & HOLDS_SETUP_CFG) &&
        ((holds & HOLDS_METADATA) || is_packaging(join(a, dir, "setup.cfg"), HOLDS_SETUP_CFG)))
        holds |= HOLDS_SETUP_CFG;
    out->holds = holds;
    out->nreqs = reqs.n;
    out->reqs = sorted_copy(a, reqs.items, reqs.n, cmp_requirements);
    VEC_FREE(&reqs);
}

/* ---- the cache of folders ---- */

/* The questions a folder answers for the folders below it (ask_up). */
enum {
    ASK_ROOT, /* the nearest holding metadata or build folders: project_root */
    ASK_BASE, /* the nearest holding metadata or .git: project_relpath */
    ASK_TOP,  /* the top of the walks: the repository's root, or "/" */
    ASK__COUNT
};

typedef struct Folder Folder;
struct Folder {
    const char *path;            /* absolute, without a trailing slash ("/" for the root) */
    Listing ls;                  /* what it holds */
    Folder *up;                  /* its parent, once asked (NULL: not yet, or the top) */
    Folder **build;              /* its build folders holding requirements, once built */
    size_t nbuild;               /* how many */
    Folder *answer[ASK__COUNT];  /* what ask_up found for it, once known[] */
    Offer offers[2][PKG__COUNT]; /* what its metadata [0] and its build folders [1]
                                    offer, once read[] */
    unsigned char built, known[ASK__COUNT], read[2]; /* which answers are in */
};

struct ProjectCache {
    Arena *a;        /* the folders, their names and listings */
    Arena *scratch;  /* one call's paths */
    const char *cwd; /* the working directory (absolute); NULL if unknown */
    Folder **slots;  /* open addressing on the path; cap is a power of two */
    size_t cap, n;
};

ProjectCache *project_cache_new(void)
{
    ProjectCache *c = xcalloc(1, sizeof *c);
    c->a = arena_new();
    c->scratch = arena_new();
    char *cwd = getcwd(NULL, 0);
    if (cwd)
        c->cwd = arena_strndup(c->a, cwd, strlen(cwd));
    free(cwd);
    c->cap = 64;
    c->slots = xcalloc(c->cap, sizeof *c->slots);
    return c;
}

void project_cache_free(ProjectCache *c)
{
    if (!c)
        return;
    free(c->slots);
    arena_free(c->scratch);
    arena_free(c->a);
    free(c);
}

static size_t hash_path(const char *s, size_t n)
{
    size_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void grow(ProjectCache *c)
{
    size_t cap = c->cap * 2;
    Folder **slots = xcalloc(cap, sizeof *slots);
    for (size_t i = 0; i < c->cap; i++) {
        Folder *f = c->slots[i];
        if (!f)
            continue;
        size_t k = hash_path(f->path, strlen(f->path)) & (cap - 1);
        while (slots[k])
            k = (k + 1) & (cap - 1);
        slots[k] = f;
    }
    free(c->slots);
    c->slots = slots;
    c->cap = cap;
}

/* The folder at the absolute path path[0..n), listed the first time. */
static Folder *folder(ProjectCache *c, const char *path, size_t n)
{
    if (2 * (c->n + 1) > c->cap)
        grow(c);
    size_t k = hash_path(path, n) & (c->cap - 1);
    for (Folder *f; (f = c->slots[k]) != NULL; k = (k + 1) & (c->cap - 1))
        if (!strncmp(f->path, path, n) && f->path[n] == 0)
            return f;
    Folder *f = arena_alloc(c->a, sizeof *f);
    f->path = arena_strndup(c->a, path, n);
    list_folder(c->a, f->path, &f->ls);
    c->slots[k] = f;
    c->n++;
    return f;
}

/* The folder at dir (relative to the working directory, or absolute). */
static Folder *folder_at(ProjectCache *c, const char *dir)
{
    arena_reset(c->scratch);
    const char *abs = project_abspath(c->scratch, c->cwd, dir && *dir ? dir : ".");
    return folder(c, abs, strlen(abs));
}

/* The parent of f, or NULL when f is the top of the walks: the
 * repository's root (metadata above it is another project's) or "/". */
static Folder *up(ProjectCache *c, Folder *f)
{
    if (f->up || !strcmp(f->path, "/") || (f->ls.holds & HOLDS_GIT))
        return f->up;
    size_t n = (size_t)(strrchr(f->path, '/') - f->path);
    f->up = folder(c, n ? f->path : "/", n ? n : 1);
    return f->up;
}

/* ---- build folders ---- */

/* Child folders named for building or deploying the application. */
static const char *const build_names[] = {"build",       "deploy", "deployment",
                                          "deployments", "docker", "dockerfiles"};

static int is_build_name(const char *name)
{
    for (size_t i = 0; i < sizeof build_names / sizeof *build_names; i++)
        if (!strcmp(name, build_names[i]))
            return 1;
    return 0;
}

static int has_dockerfile(const char *dir)
{
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "%s/Dockerfile", dir);
    if (n > 0 && (size_t)n < sizeof buf && is_file(buf))
        return 1;
    n = snprintf(buf, sizeof buf, "%s/Containerfile", dir);
    return n > 0 && (size_t)n < sizeof buf && is_file(buf);
}

static int cmp_str(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* The child folders of dir (hidden ones aside), by name; only those named
 * for building or holding a Dockerfile when build_only.  In a. */
static const char **child_folders(Arena *a, const char *dir, int build_only, size_t *n)
{
    VEC(const char *) v = {0};
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        const char *path = join(a, dir, e->d_name);
        if (entry_is(e, path, 1) &&
            (!build_only || is_build_name(e->d_name) || has_dockerfile(path)))
            VEC_PUSH(&v, path);
    }
    if (d)
        closedir(d);
    const char **out = sorted_copy(a, v.items, v.n, cmp_str);
    *n = v.n;
    VEC_FREE(&v);
    return out;
}

static Folder *ask_up(ProjectCache *c, Folder *f, int ask);

/*
 * Whether the build folders of f may be asked: in a repository, any
 * folder up to its root; outside one, only the working folder and those
 * below it, so that a project in /tmp or a home folder never takes the
 * pins of its neighbours.
 */
static int builds_here(ProjectCache *c, Folder *f)
{
    size_t n = strlen(c->cwd);
    if (!strcmp(c->cwd, "/") ||
        (!strncmp(f->path, c->cwd, n) && (!f->path[n] || f->path[n] == '/')))
        return 1;
    return (ask_up(c, f, ASK_TOP)->ls.holds & HOLDS_GIT) != 0; /* in a repository */
}

/*
 * The build folders of f that hold requirements: its children named for
 * building (docker/, deploy/, build/...) or holding a Dockerfile, and the
 * folders inside a named one (docker/api/, one image each), by name.
 */
static void find_build(ProjectCache *c, Folder *f)
{
    if (f->built)
        return;
    f->built = 1;
    VEC(Folder *) v = {0};
    size_t n, m;
    const char **kids = child_folders(c->scratch, f->path, 1, &n);
    for (size_t i = 0; i < n; i++) {
        Folder *b = folder(c, kids[i], strlen(kids[i]));
        if (b->ls.holds & HOLDS_PINS)
            VEC_PUSH(&v, b);
        if (!is_build_name(strrchr(kids[i], '/') + 1))
            continue;
        const char **images = child_folders(c->scratch, kids[i], 0, &m);
        for (size_t k = 0; k < m; k++) {
            Folder *g = folder(c, images[k], strlen(images[k]));
            if (g->ls.holds & HOLDS_PINS)
                VEC_PUSH(&v, g);
        }
    }
    f->nbuild = v.n;
    f->build = arena_alloc(c->a, (v.n + 1) * sizeof *f->build);
    if (v.n)
        memcpy(f->build, v.items, v.n * sizeof *f->build);
    VEC_FREE(&v);
}

/* ---- questions answered once a folder ---- */

/* Whether d answers ask for itself and the folders below it. */
static int decides(ProjectCache *c, Folder *d, int ask)
{
    switch (ask) {
    case ASK_ROOT:
        if (d->ls.holds & HOLDS_METADATA)
            return 1;
        if (builds_here(c, d))
            find_build(c, d);
        return d->nbuild > 0;
    case ASK_BASE: return d->ls.holds != 0; /* metadata, or the repository's root */
    default: return up(c, d) == NULL;
    }
}

/*
 * The nearest folder from f up that decides ask, or NULL when none does
 * up to the top; remembered for every folder on the way, so the files of
 * a folder, and the folders below one already asked, cost a lookup.
 */
static Folder *ask_up(ProjectCache *c, Folder *f, int ask)
{
    VEC(Folder *) chain = {0};
    Folder *found = NULL;
    for (Folder *d = f; d; d = up(c, d)) {
        if (d->known[ask]) {
            found = d->answer[ask];
            break;
        }
        VEC_PUSH(&chain, d);
        if (decides(c, d, ask)) {
            found = d;
            break;
        }
    }
    for (size_t i = 0; i < chain.n; i++) {
        chain.items[i]->answer[ask] = found;
        chain.items[i]->known[ask] = 1;
    }
    VEC_FREE(&chain);
    return found;
}

/* ---- reading the folders on the way up ---- */

/* The requirements and constraints files of f and its requirements/ folder. */
static void read_pins(Reader *r, const Folder *f)
{
    for (size_t i = 0; i < f->ls.nreqs; i++) {
        read_requirements(r, join(r->tmp, f->path, f->ls.reqs[i]), 0);
        arena_reset(r->tmp);
    }
    if (!(f->ls.holds & HOLDS_REQ_FOLDER))
        return;
    size_t n; /* requirements/base.txt, requirements/prod.txt */
    const char *sub = join(r->tmp, f->path, "requirements");
    const char **txt = list_txt(r->tmp, sub, &n);
    for (size_t i = 0; i < n; i++)
        read_requirements(r, join(r->tmp, sub, txt[i]), 0);
    arena_reset(r->tmp);
}

/* Every metadata file of f, in the order of metadata_files, then its
 * requirements. */
static void read_metadata(Reader *r, const Folder *f)
{
    for (size_t i = 0; i < NMETADATA_FILES; i++)
        if (f->ls.holds & metadata_files[i].bit) {
            metadata_files[i].read(r, join(r->tmp, f->path, metadata_files[i].name));
            arena_reset(r->tmp);
        }
    read_pins(r, f);
}

/* Where f keeps pkg's version and the file it was read from. */
static Version *fact_of(ProjectFacts *f, int pkg, const char ***from)
{
    switch (pkg) {
    case PKG_FASTAPI: *from = &f->fastapi_from; return &f->fastapi;
    case PKG_SQLALCHEMY: *from = &f->sqlalchemy_from; return &f->sqlalchemy;
    case PKG_FLASK_SQLALCHEMY: *from = &f->flask_sqlalchemy_from; return &f->flask_sqlalchemy;
    default: *from = &f->psycopg2_from; return &f->psycopg2;
    }
}

static int unknown(const ProjectFacts *f, int pkg)
{
    const char **from;
    return fact_of((ProjectFacts *)f, pkg, &from)->major < 0;
}

/* Is any package's version still unknown? */
static int any_unknown(const ProjectFacts *f)
{
    for (int p = 0; p < PKG__COUNT; p++)
        if (unknown(f, p))
            return 1;
    return 0;
}

/*
 * What folder d offers: its metadata (build == 0) or the requirements of
 * its build folders (build == 1), ranked on their own; read the first time
 * any project asks, so a workspace's lock is parsed once for its members.
 */
static const Offer *folder_offers(Reader *r, Folder *d, int build)
{
    if (d->read[build])
        return d->offers[build];
    memset(r->best, 0, sizeof r->best);
    if (!build && (d->ls.holds & HOLDS_METADATA))
        read_metadata(r, d);
    if (build && builds_here(r->c, d))
        find_build(r->c, d);
    for (size_t i = 0; build && i < d->nbuild; i++)
        read_pins(r, d->build[i]);
    memcpy(d->offers[build], r->best, sizeof r->best);
    d->read[build] = 1;
    return d->offers[build];
}

/*
 * One walk from start up to the top (up()), through the folders' metadata
 * or their build folders.  A lock's version wins wherever it was met;
 * otherwise the nearest folder that names the package.  Only what f does
 * not know yet is filled, with the file's name copied into a.
 */
static void read_up(Reader *r, Folder *start, ProjectFacts *f, int build, Arena *a)
{
    Offer lock[PKG__COUNT], near[PKG__COUNT];
    memset(lock, 0, sizeof lock);
    memset(near, 0, sizeof near);
    for (Folder *d = start; d; d = up(r->c, d)) {
        const Offer *got = folder_offers(r, d, build);
        int done = 1;
        for (int p = 0; p < PKG__COUNT; p++) {
            if (got[p].rank && !near[p].rank)
                near[p] = got[p];
            if (got[p].rank == RANK_LOCK && !lock[p].rank)
                lock[p] = got[p];
            done &= !unknown(f, p) || lock[p].rank || (build && near[p].rank);
        }
        if (done)
            break; /* farther folders could not change the answer */
    }
    for (int p = 0; p < PKG__COUNT; p++) {
        const Offer *o = lock[p].rank ? &lock[p] : &near[p];
        if (!unknown(f, p) || !o->rank)
            continue;
        const char **from;
        *fact_of(f, p, &from) = o->v;
        *from = arena_strndup(a, o->from, strlen(o->from));
    }
}

void project_read(Arena *a, ProjectCache *c, const char *dir, ProjectFacts *f)
{
    project_read_servers(a, c, dir, f); /* the root's own: not walked up */
    if (!any_unknown(f))
        return;
    ProjectCache *own = c ? NULL : (c = project_cache_new());
    if (c->cwd) {
        Folder *start = folder_at(c, dir);
        struct stat st;
        if (stat(start->path, &st) == 0 && !S_ISDIR(st.st_mode)) /* a file: its folder */
            start = up(c, start);
        Reader r = {c->a, arena_new(), c, c->cwd, {{{0, 0, 0}, 0, NULL}}, 0};
        if (start)
            read_up(&r, start, f, 0, a);
        if (start && any_unknown(f))
            read_up(&r, start, f, 1, a); /* nothing pins them: what the images install */
        arena_free(r.tmp);
    }
    project_cache_free(own);
}

/* ---- the servers of the app: pre-fork servers ----
 *
 * gunicorn with --preload (or preload_app = True in its configuration, or
 * in GUNICORN_CMD_ARGS) imports the application in its master process and
 * forks the workers afterwards; so does uWSGI unless lazy-apps is set.
 * Whatever the app's module does at import time is then done once, before
 * the fork, and inherited by every worker (forks.c reads these facts).
 * What is read: the commands of a Procfile, Dockerfiles and shell scripts
 * (one logical line each, `\` continuations joined), compose files and
 * deployment manifests (YAML: read_yaml_commands), the gunicorn
 * configuration files (Python, parsed, never run) and uWSGI .ini and .yaml
 * files, in the project's root folder and its folders bin/, scripts/,
 * config/ and the build folders; manifests and the root files of the
 * folders above the project too, as far up as build folders are asked (a
 * Helm chart at the repository's root starts the service in server/).
 * Limits: a module path relative to another folder than the project's
 * (--chdir, a WORKDIR, a container's workingDir) is looked up as written.
 */

#define MAX_SERVER_BYTES (256u << 10) /* a larger script, Procfile or config is not read */
#define MAX_SERVER_FILES 64           /* files read per project */
#define MAX_MANIFEST_FILES 256        /* deployment manifests read per project */
#define MAX_MANIFEST_DEPTH 5          /* folders below a deployment folder walked */
#define MAX_LAUNCHES 16               /* server commands and configurations kept */
#define MAX_WORDS 128                 /* words of one command line read */

enum { SRV_GUNICORN = 1, SRV_UWSGI, SRV_GCONF };

/* A server command, or a configuration file of one. */
typedef struct Launch {
    int server;          /* SRV_*: SRV_GCONF for a gunicorn configuration file */
    const char *module;  /* the app's module, or NULL when the command does not name it */
    const char *factory; /* the app factory called, or NULL */
    const char *from;    /* the file (as shown) ... */
    int line;            /* ... and the line of --preload, preload_app, or the uWSGI app */
    int preload;         /* loads the app before forking: --preload, preload_app =
                            True, uWSGI without lazy-apps */
    int hook;            /* SRV_GCONF: defines post_fork, post_worker_init or pre_fork */
    const char *conf;    /* absolute path: -c FILE of a command, the file of a SRV_GCONF */
} Launch;

typedef struct Servers {
    Arena *a, *tmp;
    const char *cwd, *dir;  /* the working folder, the project's root */
    Launch l[MAX_LAUNCHES];
    int nl, files;
    const char *env_from;   /* GUNICORN_CMD_ARGS holding --preload: where */
    int env_line;
    const char *seen[MAX_SERVER_FILES + MAX_MANIFEST_FILES]; /* the files read */
    int nseen, manifests;
} Servers;

static int ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

/* A dotted name at s (`server.app`): its length, 0 if none. */
static size_t dotted(const char *s)
{
    size_t i = 0;
    for (;;) {
        if (!ident_char(s[i]) || (s[i] >= '0' && s[i] <= '9'))
            return 0;
        while (ident_char(s[i]))
            i++;
        if (s[i] != '.')
            return i;
        i++;
    }
}

/* Is w an app target, `module:name` or `module:factory(...)` (or a bare
 * module for uWSGI's --module)?  Its parts into *module and *factory.  A
 * bind address (0.0.0.0:8000, localhost:8000, unix:/run/s) is none. */
static int app_target(Servers *s, const char *w, int bare, const char **module,
                      const char **factory)
{
    size_t m = dotted(w), n;
    if (!m || (w[m] != ':' && !(bare && !w[m])))
        return 0;
    *factory = NULL;
    if (w[m] == ':') {
        if (!(n = dotted(w + m + 1)) || (w[m + 1 + n] && w[m + 1 + n] != '('))
            return 0;
        if (w[m + 1 + n] == '(')
            *factory = arena_strndup(s->a, w + m + 1, n);
    }
    *module = arena_strndup(s->a, w, m);
    return 1;
}

static Launch *launch_add(Servers *s, int server, const char *from, int line)
{
    if (s->nl >= MAX_LAUNCHES)
        return NULL;
    Launch *l = &s->l[s->nl++];
    memset(l, 0, sizeof *l);
    l->server = server;
    l->from = from;
    l->line = line;
    l->preload = server == SRV_UWSGI; /* uWSGI imports the app in its master by default */
    return l;
}

/* The dotted module of a file path of the app (`server/app.py`). */
static const char *module_of_file(Servers *s, const char *w)
{
    while (w[0] == '.' && w[1] == '/')
        w += 2;
    size_t n = strlen(w);
    if (n < 4 || strcmp(w + n - 3, ".py"))
        return NULL;
    char *m = arena_strndup(s->a, w, n - 3);
    for (char *p = m; *p; p++)
        if (*p == '/')
            *p = '.';
    return dotted(m) == n - 3 ? m : NULL;
}

/* A file a command names, relative to the project's root (gunicorn runs
 * there) or to the file naming it; absolute, in s->a.  One that is neither
 * (gunicorn's `-c python:module` too) stays named, as a configuration whose
 * content is not known. */
static const char *named_file(Servers *s, const char *from_dir, const char *w)
{
    const char *p = project_abspath(s->a, s->dir, *w ? w : "?");
    if (is_file(p))
        return p;
    const char *q = project_abspath(s->a, from_dir, *w ? w : "?");
    return is_file(q) ? q : p;
}

static const Launch *conf_of(const Servers *s, const Launch *l);
static void read_gunicorn_conf(Servers *s, const char *path, const char *from);

/* The words of one command (up to ;, &, |) starting at the server's name,
 * words[0]; the launch they make. */
static void server_words(Servers *s, const char **words, int n, const char *from,
                         const char *from_dir, int line)
{
    const char *base = strrchr(words[0], '/');
    base = base ? base + 1 : words[0];
    int server = !strcmp(base, "gunicorn") ? SRV_GUNICORN : SRV_UWSGI;
    Launch *l = launch_add(s, server, from, line);
    for (int i = 1; l && i < n; i++) {
        const char *w = words[i], *next = i + 1 < n ? words[i + 1] : "";
        if (server == SRV_GUNICORN && !strcmp(w, "--preload"))
            l->preload = 1;
        else if (server == SRV_UWSGI && (has_prefix(w, "--lazy-apps") || !strcmp(w, "--lazy")))
            l->preload = 0;
        else if ((server == SRV_GUNICORN && (!strcmp(w, "-c") || !strcmp(w, "--config"))) ||
                 (server == SRV_UWSGI && !strcmp(w, "--ini")))
            l->conf = named_file(s, from_dir, next), i++;
        else if (server == SRV_GUNICORN && has_prefix(w, "--config="))
            l->conf = named_file(s, from_dir, w + 9);
        else if (server == SRV_GUNICORN && w[0] != '-')
            app_target(s, w, 0, &l->module, &l->factory); /* the last one: the app */
        else if (server == SRV_UWSGI &&
                 (!strcmp(w, "--module") || !strcmp(w, "-w") || !strcmp(w, "--wsgi")))
            app_target(s, next, 1, &l->module, &l->factory), i++;
        else if (server == SRV_UWSGI && (!strcmp(w, "--wsgi-file") || !strcmp(w, "--file")))
            l->module = module_of_file(s, next), i++;
    }
    if (l && server == SRV_GUNICORN && l->conf && is_file(l->conf) && !conf_of(s, l) &&
        s->files++ < MAX_SERVER_FILES) /* a -c file of another name: its settings too */
        read_gunicorn_conf(s, l->conf, project_shown_path(s->a, s->cwd, l->conf));
}

/* One logical line of a Procfile, Dockerfile, compose file or script. */
static void command_line(Servers *s, char *text, const char *from, const char *from_dir, int line)
{
    char *env = strstr(text, "GUNICORN_CMD_ARGS");
    if (env && strstr(env, "--preload") && !s->env_from) {
        s->env_from = from;
        s->env_line = line;
    }
    const char *words[MAX_WORDS];
    int n = 0;
    for (char *p = text; *p && n < MAX_WORDS;) {
        if (*p == ';' || *p == '&' || *p == '|') {
            words[n++] = ";"; /* the end of a command */
            *p++ = 0;
            continue;
        }
        if (strchr(" \t\r\"'[],=", *p) && !(*p == '=' && n && words[n - 1][0] == '-')) {
            *p++ = 0;
            continue;
        }
        words[n++] = p;
        while (*p && !strchr(" \t\r\"'[],;&|", *p))
            p++;
    }
    for (int i = 0; i < n; i++) {
        const char *base = strrchr(words[i], '/');
        base = base ? base + 1 : words[i];
        if (strcmp(base, "gunicorn") && strcmp(base, "uwsgi"))
            continue;
        int end = i + 1;
        while (end < n && strcmp(words[end], ";"))
            end++;
        server_words(s, words + i, end - i, from, from_dir, line);
        i = end;
    }
}

/* Procfile, Dockerfile, compose file, shell script: its commands. */
static void read_commands(Servers *s, const char *path, const char *from)
{
    size_t n;
    char *text = slurp(s->tmp, path, MAX_SERVER_BYTES, &n);
    const char *from_dir = folder_of(s->tmp, path);
    for (int line = 1, next; text && *text; line = next) {
        char *end = text;
        next = line + 1;
        while (*end && *end != '\n') { /* join `\` continued lines */
            if (end[0] == '\\' && (end[1] == '\n' || (end[1] == '\r' && end[2] == '\n'))) {
                end[0] = ' ';
                if (end[1] == '\r')
                    end[1] = ' ';
                end[end[1] == '\n' ? 1 : 2] = ' ';
                next++;
            }
            end++;
        }
        char *after = *end ? end + 1 : end;
        *end = 0;
        command_line(s, text, from, from_dir, line);
        text = after;
    }
}

/* Is path not read yet for this project?  (A compose file of a build
 * folder is also met in the walk of the deployment folders.) */
static int first_read(Servers *s, const char *path)
{
    for (int i = 0; i < s->nseen; i++)
        if (!strcmp(s->seen[i], path))
            return 0;
    if (s->nseen < (int)(sizeof s->seen / sizeof *s->seen))
        s->seen[s->nseen++] = path;
    return 1;
}

/*
 * YAML files: compose files and Kubernetes or Helm manifests, where a
 * container's `command:` and `args:` say how the server starts as often as
 * a Procfile does.  YAML is not parsed: a command's key (`command`, `args`,
 * `entrypoint`) takes its inline value (a flow list or a scalar) or the
 * block below it (list items joined into one command; a `|` or `>` scalar,
 * a command a line), and a container's args are appended to its command
 * (together they are one argv, whichever comes first).  Every other line is
 * a command on its own, as in a Procfile; a Kubernetes env entry's `name:`
 * and `value:` lines are read as one (GUNICORN_CMD_ARGS).  Limits: anchors,
 * merges and Helm's `{{ }}` logic are text; a value kept in a values file
 * and placed by a template is not followed.
 */
typedef struct YamlCmd {
    const char *text; /* the command, in s->tmp; NULL: none pending */
    int col, line;    /* the key's column; the line of --preload, else the key's */
    int is_args;      /* args: (appended to a command) */
} YamlCmd;

/* The key of a YAML line, list markers skipped (`- command: [...]`): its
 * length (0: none), its column and its value, trailing comment cut. */
static size_t yaml_key(char *l, int *col, char **value)
{
    char *k = l + strspn(l, " \t");
    while (k[0] == '-' && (k[1] == ' ' || k[1] == '\t'))
        k += 1 + strspn(k + 1, " \t");
    size_t n = 0;
    while (ident_char(k[n]) || k[n] == '-')
        n++;
    if (!n || k[n] != ':' || (k[n + 1] && k[n + 1] != ' ' && k[n + 1] != '\t' && k[n + 1] != '\r'))
        return 0;
    *col = (int)(k - l);
    char *v = k + n + 1;
    v += strspn(v, " \t");
    char *hash = strstr(v, " #");
    if (hash)
        *hash = 0;
    *value = v;
    return n;
}

static int yaml_blank(const char *l)
{
    l += strspn(l, " \t\r");
    return !*l || *l == '#';
}

static void yaml_flush(Servers *s, YamlCmd *p, const char *from, const char *from_dir)
{
    if (p->text)
        command_line(s, (char *)p->text, from, from_dir, p->line);
    p->text = NULL;
}

static void read_yaml_commands(Servers *s, const char *path, const char *from)
{
    size_t n;
    char *text = slurp(s->tmp, path, MAX_SERVER_BYTES, &n);
    if (!text || (!strstr(text, "gunicorn") && !strstr(text, "uwsgi")))
        return;
    const char *from_dir = folder_of(s->tmp, path);
    VEC(char *) lines = {0};
    for (char *l = text; *l;) {
        char *end = l + strcspn(l, "\n");
        char *next = *end ? end + 1 : end;
        *end = 0;
        VEC_PUSH(&lines, l);
        l = next;
    }
    YamlCmd pending = {0};
    for (size_t i = 0; i < lines.n; i++) {
        char *l = lines.items[i], *v;
        if (yaml_blank(l))
            continue;
        int col, indent = (int)strspn(l, " ");
        if (pending.text && indent < pending.col)
            yaml_flush(s, &pending, from, from_dir); /* the container's mapping ended */
        size_t k = yaml_key(l, &col, &v);
        int cmd = k && ((k == 7 && !strncmp(l + col, "command", 7)) ||
                        (k == 4 && !strncmp(l + col, "args", 4)) ||
                        (k == 10 && !strncmp(l + col, "entrypoint", 10)));
        if (!cmd) {
            const char *line = l;
            if (strstr(l, "GUNICORN_CMD_ARGS") && !strstr(l, "--preload") && i + 1 < lines.n &&
                strstr(lines.items[i + 1], "value:"))
                line = arena_printf(s->tmp, "%s %s", l, lines.items[i + 1]);
            command_line(s, arena_strndup(s->tmp, line, strlen(line)), from, from_dir, (int)i + 1);
            continue;
        }
        /* the command's words: the inline value, or the block below the key */
        const char *words = "";
        int line = (int)i + 1, scalar = *v == '|' || *v == '>';
        if (*v && !scalar) {
            words = v;
        } else {
            size_t j = i + 1;
            for (; j < lines.n; j++) {
                char *b = lines.items[j];
                if (yaml_blank(b))
                    continue;
                int bi = (int)strspn(b, " ");
                if (bi < col || (bi == col && (scalar || b[bi] != '-')))
                    break;
                b += bi;
                if (!scalar && b[0] == '-')
                    b += 1 + strspn(b + 1, " \t");
                if (strstr(b, "--preload"))
                    line = (int)j + 1;
                if (scalar) /* a script: a command a line */
                    command_line(s, arena_strndup(s->tmp, b, strlen(b)), from, from_dir,
                                 (int)j + 1);
                else
                    words = arena_printf(s->tmp, "%s%s%s", words, *words ? " " : "", b);
            }
            i = j - 1;
            if (scalar)
                continue;
        }
        int is_args = k == 4;
        if (pending.text && pending.col == col && pending.is_args != is_args) {
            pending.text = is_args ? arena_printf(s->tmp, "%s %s", pending.text, words)
                                   : arena_printf(s->tmp, "%s %s", words, pending.text);
            if (strstr(words, "--preload"))
                pending.line = line;
            yaml_flush(s, &pending, from, from_dir);
            continue;
        }
        yaml_flush(s, &pending, from, from_dir);
        pending = (YamlCmd){arena_strndup(s->tmp, words, strlen(words)), col, line, is_args};
    }
    yaml_flush(s, &pending, from, from_dir);
    VEC_FREE(&lines);
}

/* A uWSGI .ini ([uwsgi] section) or .yaml file: its app and lazy-apps. */
static void read_uwsgi(Servers *s, const char *path, const char *from, int yaml)
{
    size_t n;
    char *text = slurp(s->tmp, path, MAX_SERVER_BYTES, &n);
    int in = yaml, line = 0;
    Launch l = {0};
    while (text && *text) {
        char *end = strchr(text, '\n'), *after = end ? end + 1 : text + strlen(text);
        if (end)
            *end = 0;
        line++;
        char *k = text;
        while (*k == ' ' || *k == '\t' || *k == '-')
            k++;
        if (*k == '[')
            in = has_prefix(k, "[uwsgi]");
        char *eq = in ? strchr(k, yaml ? ':' : '=') : NULL;
        if (eq) {
            char *v = eq + 1, *ke = eq;
            while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
                ke--;
            *ke = 0;
            v += strspn(v, " \t\"'");
            v[strcspn(v, " \t\r\"'#")] = 0;
            if (!strcmp(k, "module") || !strcmp(k, "wsgi") || !strcmp(k, "w")) {
                if (app_target(s, v, 1, &l.module, &l.factory))
                    l.line = line;
            } else if (!strcmp(k, "wsgi-file") || !strcmp(k, "file")) {
                if ((l.module = module_of_file(s, v)) != NULL)
                    l.line = line;
            } else if (!strcmp(k, "lazy-apps") || !strcmp(k, "lazy")) {
                l.hook = strcmp(v, "false") && strcmp(v, "0") && strcmp(v, "no");
            }
        }
        text = after;
    }
    Launch *to = l.module && !l.hook ? launch_add(s, SRV_UWSGI, from, l.line) : NULL;
    if (to) {
        to->module = l.module;
        to->factory = l.factory;
        to->conf = arena_strndup(s->a, path, strlen(path));
    }
}

/* A gunicorn configuration file: preload_app, wsgi_app, the worker hooks. */
static void read_gunicorn_conf(Servers *s, const char *path, const char *from)
{
    size_t n;
    char *text = slurp(s->tmp, path, MAX_SERVER_BYTES, &n);
    Source src;
    SourceError err;
    if (!text || source_from_bytes(s->tmp, path, text, n, &src, &err) != SRC_OK)
        return;
    Lexed lx;
    Node *module = parse_module(s->tmp, &src, &lx, NULL).module;
    Launch *l = launch_add(s, SRV_GCONF, from, 0);
    if (!l || !module)
        return;
    l->conf = arena_strndup(s->a, path, strlen(path));
    static const char *const hooks[] = {"post_fork", "post_worker_init", "pre_fork"};
    for (int i = 0; i < module->v.Module.body.n; i++) {
        const Node *st = module->v.Module.body.items[i];
        if (st->kind == NODE_FunctionDef)
            for (size_t h = 0; h < sizeof hooks / sizeof *hooks; h++)
                l->hook |= !strcmp(st->v.FunctionDef.name, hooks[h]);
        if (st->kind != NODE_Assign || st->v.Assign.targets.n != 1 ||
            st->v.Assign.targets.items[0]->kind != NODE_Name ||
            st->v.Assign.value->kind != NODE_Constant)
            continue;
        const char *name = st->v.Assign.targets.items[0]->v.Name.id;
        const Const *v = &st->v.Assign.value->v.Constant.value;
        if (!strcmp(name, "preload_app") && v->kind == CONST_TRUE) {
            l->preload = 1;
            l->line = st->lineno;
        } else if (!strcmp(name, "wsgi_app") && v->kind == CONST_STR) {
            app_target(s, v->s, 0, &l->module, &l->factory);
        }
    }
}

/* Which reader a file of a project's folders needs, if any. */
static void read_server_file(Servers *s, const char *dir, const char *name)
{
    int commands = has_prefix(name, "Procfile") || has_prefix(name, "Dockerfile") ||
                   has_prefix(name, "Containerfile") || has_suffix(name, ".dockerfile") ||
                   has_suffix(name, ".sh") ||
                   ((has_prefix(name, "docker-compose") || has_prefix(name, "compose")) &&
                    (has_suffix(name, ".yml") || has_suffix(name, ".yaml")));
    int gconf = strstr(name, "gunicorn") && has_suffix(name, ".py");
    int ini = has_suffix(name, ".ini") && !has_prefix(name, "alembic") &&
              !has_prefix(name, "pytest") && !has_prefix(name, "tox");
    int yaml = strstr(name, "uwsgi") && (has_suffix(name, ".yml") || has_suffix(name, ".yaml"));
    if (!(commands || gconf || ini || yaml) || s->files >= MAX_SERVER_FILES)
        return;
    const char *path = join(s->a, dir, name), *from = project_shown_path(s->a, s->cwd, path);
    if (!first_read(s, path))
        return;
    s->files++;
    if (commands && has_suffix(name, "ml"))
        read_yaml_commands(s, path, from); /* a compose file */
    else if (commands)
        read_commands(s, path, from);
    else if (gconf)
        read_gunicorn_conf(s, path, from);
    else
        read_uwsgi(s, path, from, yaml);
    arena_reset(s->tmp);
}

/* The files of dir, by name. */
static void read_server_folder(Servers *s, const char *dir)
{
    VEC(const char *) v = {0};
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && entry_is(e, join(s->tmp, dir, e->d_name), 0))
            VEC_PUSH(&v, arena_strndup(s->a, e->d_name, strlen(e->d_name)));
    if (d)
        closedir(d);
    const char **names = sorted_copy(s->a, v.items, v.n, cmp_str);
    for (size_t i = 0; i < v.n; i++)
        read_server_file(s, dir, names[i]);
    VEC_FREE(&v);
}

/* Folders that hold deployment manifests, below any folder of the
 * repository: their YAML files are read, folders inside them too. */
static const char *const manifest_names[] = {
    "k8s",      "kubernetes", "kube",  "helm",           "charts", "chart",  "manifests",
    "deploy",   "deployment", "deployments", "infra", "infrastructure", "ops", "devops",
    "openshift", "kustomize"};

static int is_manifest_folder(const char *name)
{
    for (size_t i = 0; i < sizeof manifest_names / sizeof *manifest_names; i++)
        if (!strcmp(name, manifest_names[i]))
            return 1;
    return 0;
}

/* The YAML files of dir and of the folders below it (depth levels more),
 * in the order of their names; within_manifests: dir is a deployment
 * folder or below one, else only its deployment folders are entered. */
static void read_manifests(Servers *s, const char *dir, int depth, int within_manifests)
{
    VEC(const char *) files = {0};
    VEC(const char *) dirs = {0};
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        const char *path = join(s->a, dir, e->d_name);
        if (within_manifests && (has_suffix(e->d_name, ".yaml") || has_suffix(e->d_name, ".yml")) &&
            entry_is(e, path, 0))
            VEC_PUSH(&files, path);
        else if (depth > 0 && (within_manifests || is_manifest_folder(e->d_name)) &&
                 entry_is(e, path, 1))
            VEC_PUSH(&dirs, path);
    }
    if (d)
        closedir(d);
    const char **f = sorted_copy(s->a, files.items, files.n, cmp_str);
    for (size_t i = 0; i < files.n && s->manifests < MAX_MANIFEST_FILES; i++)
        if (first_read(s, f[i])) {
            s->manifests++;
            read_yaml_commands(s, f[i], project_shown_path(s->a, s->cwd, f[i]));
            arena_reset(s->tmp);
        }
    const char **g = sorted_copy(s->a, dirs.items, dirs.n, cmp_str);
    for (size_t i = 0; i < dirs.n; i++)
        read_manifests(s, g[i], within_manifests ? depth - 1 : MAX_MANIFEST_DEPTH, 1);
    VEC_FREE(&files);
    VEC_FREE(&dirs);
}

/* The gunicorn configuration launch l reads: its -c file, else the
 * gunicorn.conf.py of the project's root (gunicorn's default). */
static const Launch *conf_of(const Servers *s, const Launch *l)
{
    const char *want = l->conf;
    for (int i = 0; i < s->nl; i++) {
        const Launch *g = &s->l[i];
        if (g->server == SRV_GCONF &&
            (want ? !strcmp(g->conf, want)
                  : !strcmp(folder_of(s->tmp, g->conf), s->dir) &&
                        has_suffix(g->conf, "/gunicorn.conf.py")))
            return g;
    }
    return NULL;
}

/* Each launch that loads the app before forking, as a ProjectPrefork. */
static void servers_facts(Servers *s, ProjectFacts *f)
{
    for (int i = 0; i < s->nl && f->nprefork < PROJECT_MAX_PREFORK; i++) {
        const Launch *l = &s->l[i], *g = l->server == SRV_GUNICORN ? conf_of(s, l) : NULL;
        if (l->server == SRV_GCONF)
            continue; /* read through the commands that use it, or on its own below */
        ProjectPrefork p = {l->module, l->factory, l->from, l->line,
                            l->server == SRV_UWSGI ? "uWSGI without lazy-apps" : "--preload",
                            NULL};
        if (g && !p.module)
            p.module = g->module, p.factory = g->factory;
        if (l->server == SRV_GUNICORN && !l->preload) {
            if (g && g->preload)
                p.from = g->from, p.line = g->line, p.why = "preload_app = True";
            else if (s->env_from)
                p.from = s->env_from, p.line = s->env_line, p.why = "GUNICORN_CMD_ARGS --preload";
            else
                continue;
        }
        if (l->server == SRV_GUNICORN && l->conf && !g)
            p.hooks = l->conf; /* a configuration not read: its hooks are not known */
        else if (g && g->hook)
            p.hooks = g->conf;
        if (p.module && (l->server != SRV_UWSGI || l->preload))
            f->prefork[f->nprefork++] = p;
    }
}

void project_read_servers(Arena *a, ProjectCache *c, const char *dir, ProjectFacts *f)
{
    static const char *const kids[] = {"bin", "scripts", "script", "config", "conf", "etc"};
    ProjectCache *own = c ? NULL : (c = project_cache_new());
    if (c->cwd && !f->nprefork) {
        Servers *s = arena_alloc(a, sizeof *s);
        s->a = a;
        s->tmp = arena_new();
        s->cwd = c->cwd;
        s->dir = project_abspath(a, c->cwd, dir);
        read_server_folder(s, s->dir);
        for (size_t i = 0; i < sizeof kids / sizeof *kids; i++)
            read_server_folder(s, join(a, s->dir, kids[i]));
        size_t n;
        const char **builds = child_folders(a, s->dir, 1, &n);
        for (size_t i = 0; i < n; i++)
            read_server_folder(s, builds[i]);
        /* the deployment folders of the project and of the folders above
         * it (a chart at the repository's root starts a service in server/),
         * as far up as build folders are asked */
        for (Folder *d = folder_at(c, s->dir); d && builds_here(c, d); d = up(c, d)) {
            if (strcmp(d->path, s->dir))
                read_server_folder(s, d->path);
            read_manifests(s, d->path, 1, 0);
        }
        servers_facts(s, f);
        arena_free(s->tmp);
    }
    project_cache_free(own);
}

const char *project_root(ProjectCache *c, const char *dir)
{
    Folder *root = c->cwd ? ask_up(c, folder_at(c, dir), ASK_ROOT) : NULL;
    return root ? root->path : NULL;
}

const char *project_relpath(Arena *a, ProjectCache *c, const char *path)
{
    ProjectCache *own = c ? NULL : (c = project_cache_new());
    const char *rel = path;
    if (c->cwd) {
        const char *full = project_abspath(a, c->cwd, path);
        size_t n = (size_t)(strrchr(full, '/') - full);
        Folder *base = ask_up(c, folder(c, n ? full : "/", n ? n : 1), ASK_BASE);
        rel = !base                      ? project_shown_path(a, c->cwd, full)
              : !strcmp(base->path, "/") ? full + 1
                                         : full + strlen(base->path) + 1;
    }
    project_cache_free(own);
    return rel;
}
