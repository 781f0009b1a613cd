/*
 * project.c - the project facts of project.h: the FastAPI and SQLAlchemy
 * versions read from the project's metadata.
 *
 * The folders that hold the metadata are found walking up from the
 * analyzed path: each with a pyproject.toml, a requirements*.txt (also in a
 * requirements/ folder), a uv.lock or a poetry.lock is read, and the
 * nearest that names a package decides its version; the walk stops when
 * both are known or at the repository's root (a folder holding .git).
 * Every file of a folder is read and each requirement found offers
 * a version with a rank: a lock file's exact version beats a pin (`==`, or
 * a bare Poetry version), which beats the lowest version a range allows
 * (`>=0.100,<0.120` -> 0.100, `^0.110` -> 0.110, `~=0.109.2` -> 0.109.2).
 * Between offers of one rank, the first file read wins: uv.lock,
 * poetry.lock, pyproject.toml, requirements.txt, then the other
 * requirements*.txt in name order.  A range without a lower bound
 * (`<0.106`) says nothing.  SQLModel depends on SQLAlchemy, but which
 * version it brings is the resolver's business: it is not inferred.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "project.h"
#include "toml.h"

#define MAX_INCLUDE_DEPTH 8            /* nested `-r file` includes followed */
#define MAX_METADATA_BYTES (64u << 20) /* a larger metadata file is not read */

enum { RANK_NONE, RANK_RANGE, RANK_PIN, RANK_LOCK };
enum { PKG_FASTAPI, PKG_SQLALCHEMY, PKG__COUNT };

typedef struct Offer {
    Version v;        /* the version offered */
    int rank;         /* RANK_* (RANK_NONE: nothing yet) */
    const char *from; /* the file, relative to the working directory */
} Offer;

typedef struct Reader {
    Arena *a;
    const char *cwd;        /* the working directory (absolute) */
    Offer best[PKG__COUNT]; /* per package */
} Reader;

void project_facts_init(ProjectFacts *f)
{
    memset(f, 0, sizeof *f);
    f->fastapi.major = f->sqlalchemy.major = -1;
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
 * it cannot be read or is too large. */
static char *slurp(Arena *a, const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
        (unsigned long long)st.st_size > MAX_METADATA_BYTES) {
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

static int is_requirements_name(const char *name)
{
    size_t n = strlen(name);
    return n >= 16 && !strncmp(name, "requirements", 12) && !strcmp(name + n - 4, ".txt");
}

/* requirements.txt first, then by name. */
static int cmp_requirements(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
    int ra = strcmp(a, "requirements.txt") != 0, rb = strcmp(b, "requirements.txt") != 0;
    return ra != rb ? ra - rb : strcmp(a, b);
}

static int is_txt_name(const char *name)
{
    size_t len = strlen(name);
    return len > 4 && !strcmp(name + len - 4, ".txt");
}

/* The files of dir whose names pass keep, in reading order (requirements.txt
 * first, then by name), in the arena; their count in *n. */
static const char **list_files(Arena *a, const char *dir, int (*keep)(const char *), size_t *n)
{
    VEC(const char *) v = {0};
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (keep(e->d_name) && is_file(join(a, dir, e->d_name)))
            VEC_PUSH(&v, arena_strndup(a, e->d_name, strlen(e->d_name)));
    if (d)
        closedir(d);
    if (v.n > 1)
        qsort(v.items, v.n, sizeof *v.items, cmp_requirements);
    const char **out = arena_alloc(a, (v.n + 1) * sizeof *out);
    if (v.n)
        memcpy(out, v.items, v.n * sizeof *out);
    *n = v.n;
    VEC_FREE(&v);
    return out;
}

static int has_metadata(Arena *a, const char *dir)
{
    static const char *const names[] = {"pyproject.toml", "uv.lock", "poetry.lock"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (is_file(join(a, dir, names[i])))
            return 1;
    size_t n;
    list_files(a, dir, is_requirements_name, &n);
    return n > 0;
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
    return -1;
}

static void offer(Reader *r, int pkg, const Version *v, int rank, const char *from)
{
    Offer *o = &r->best[pkg];
    if (rank > o->rank ||
        (rank == o->rank && rank == RANK_LOCK && project_version_cmp(v, &o->v) < 0)) {
        o->v = *v;
        o->rank = rank;
        o->from = from;
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

/*
 * The lowest version one alternative of a specifier allows: clauses such
 * as ">=0.100, <0.120" (PEP 440, comma-separated) or ">=0.100 <0.120"
 * (Poetry, space-separated), with Poetry's "^0.110", "~0.100" and a bare
 * "0.110.0" (exact).  Returns the rank: RANK_PIN for an exact version,
 * RANK_RANGE for a lower bound, RANK_NONE when there is none.
 */
static int lowest_of_clauses(const char *s, const char *e, Version *out)
{
    int rank = RANK_NONE;
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
        int exact =
            (oplen == 0 || (oplen == 1 && *op == '=') || (oplen == 2 && !strncmp(op, "==", 2)) ||
             (oplen == 3 && !strncmp(op, "===", 3))) &&
            !wild;
        int lower = oplen == 0 || *op == '=' || !strncmp(op, ">", 1) || !strncmp(op, "~", 1) ||
                    !strncmp(op, "^", 1);
        if (exact) {
            *out = v;
            return RANK_PIN;
        }
        if (lower && (rank == RANK_NONE || project_version_cmp(&v, out) > 0)) {
            *out = v; /* every clause must hold: the highest lower bound */
            rank = RANK_RANGE;
        }
    }
    return rank;
}

/* The lowest version a specifier allows; Poetry's "a || b" alternatives
 * give the lowest of theirs, and nothing if one of them is unbounded. */
static int lowest_allowed(const char *s, size_t n, Version *out)
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
        int r = lowest_of_clauses(p, bar, &v);
        if (r == RANK_NONE)
            return RANK_NONE;
        if (!alternatives++ || project_version_cmp(&v, out) < 0)
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
static void requirement(Reader *r, const char *s, size_t n, const char *from)
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
    int rank = lowest_allowed(s, (size_t)(e - s), &v);
    if (rank != RANK_NONE)
        offer(r, pkg, &v, rank, from);
}

/* ---- requirements*.txt ---- */

static void read_requirements(Reader *r, const char *path, int depth);

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
        const char *slash = strrchr(path, '/');
        const char *dir = slash ? arena_strndup(r->a, path, (size_t)(slash - path)) : ".";
        read_requirements(r, project_abspath(r->a, dir, file), depth + 1);
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
    requirement(r, line, strlen(line), project_shown_path(r->a, r->cwd, path));
}

static void read_requirements(Reader *r, const char *path, int depth)
{
    size_t n;
    char *text = depth <= MAX_INCLUDE_DEPTH ? slurp(r->a, path, &n) : NULL;
    if (!text)
        return;
    VEC(char) line = {0};
    for (size_t i = 0; i <= n; i++) {
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
}

/* ---- pyproject.toml and lock files ---- */

/* Each string of a TOML array, as a PEP 508 requirement. */
static void requirement_array(Reader *r, const TomlValue *arr, const char *from)
{
    if (!arr || arr->type != TOML_ARRAY)
        return;
    for (int i = 0; i < arr->v.arr.n; i++) {
        const TomlValue *s = arr->v.arr.items[i];
        if (s->type == TOML_STRING)
            requirement(r, s->v.str.s, strlen(s->v.str.s), from);
    }
}

/* Each array of a table of arrays ([project.optional-dependencies]). */
static void requirement_groups(Reader *r, const TomlValue *t, const char *from)
{
    for (int i = 0; t && t->type == TOML_TABLE && i < t->v.tab.n; i++)
        requirement_array(r, t->v.tab.kv[i].val, from);
}

/* A Poetry dependency's constraint: "^0.110", {version = "..."}, or a list
 * of such tables (one per Python version): the lowest of them. */
static int poetry_constraint(const TomlValue *c, Version *out)
{
    if (c->type == TOML_STRING)
        return lowest_allowed(c->v.str.s, strlen(c->v.str.s), out);
    if (c->type == TOML_TABLE) {
        const TomlValue *v = toml_get(c, "version");
        return v && v->type == TOML_STRING ? lowest_allowed(v->v.str.s, strlen(v->v.str.s), out)
                                           : RANK_NONE;
    }
    if (c->type != TOML_ARRAY || c->v.arr.n == 0)
        return RANK_NONE;
    int rank = RANK_NONE;
    for (int i = 0; i < c->v.arr.n; i++) {
        Version v;
        int r = poetry_constraint(c->v.arr.items[i], &v);
        if (r == RANK_NONE || c->v.arr.items[i]->type == TOML_ARRAY)
            return RANK_NONE;
        if (i == 0 || project_version_cmp(&v, out) < 0)
            *out = v;
        rank = c->v.arr.n > 1 ? RANK_RANGE : r;
    }
    return rank;
}

/* A Poetry dependency table: name -> constraint. */
static void poetry_table(Reader *r, const TomlValue *t, const char *from)
{
    for (int i = 0; t && t->type == TOML_TABLE && i < t->v.tab.n; i++) {
        const TomlKeyVal *kv = &t->v.tab.kv[i];
        int pkg = package_of(kv->key, kv->keylen);
        Version v;
        int rank = pkg < 0 ? RANK_NONE : poetry_constraint(kv->val, &v);
        if (rank != RANK_NONE)
            offer(r, pkg, &v, rank, from);
    }
}

static void read_pyproject(Reader *r, const char *path)
{
    size_t n;
    char *text = slurp(r->a, path, &n);
    TomlError err;
    const TomlValue *t = text ? toml_parse(r->a, text, n, &err) : NULL;
    if (!t)
        return; /* malformed metadata says nothing (the configuration reports it) */
    const char *from = project_shown_path(r->a, r->cwd, path);
    const TomlValue *project = toml_get(t, "project");
    requirement_array(r, toml_get(project, "dependencies"), from);
    requirement_groups(r, toml_get(project, "optional-dependencies"), from);
    requirement_groups(r, toml_get(t, "dependency-groups"), from); /* PEP 735 */
    const TomlValue *tool = toml_get(t, "tool");
    requirement_array(r, toml_get(toml_get(tool, "uv"), "dev-dependencies"), from);
    const TomlValue *poetry = toml_get(tool, "poetry");
    poetry_table(r, toml_get(poetry, "dependencies"), from);
    poetry_table(r, toml_get(poetry, "dev-dependencies"), from);
    const TomlValue *groups = toml_get(poetry, "group");
    for (int i = 0; groups && groups->type == TOML_TABLE && i < groups->v.tab.n; i++)
        poetry_table(r, toml_get(groups->v.tab.kv[i].val, "dependencies"), from);
}

/* uv.lock, poetry.lock: [[package]] tables with a name and an exact version. */
static void read_lock(Reader *r, const char *path)
{
    size_t n;
    char *text = slurp(r->a, path, &n);
    TomlError err;
    const TomlValue *t = text ? toml_parse(r->a, text, n, &err) : NULL;
    const TomlValue *pkgs = toml_get(t, "package");
    if (!pkgs || pkgs->type != TOML_ARRAY)
        return;
    const char *from = project_shown_path(r->a, r->cwd, path);
    for (int i = 0; i < pkgs->v.arr.n; i++) {
        const TomlValue *name = toml_get(pkgs->v.arr.items[i], "name");
        const TomlValue *ver = toml_get(pkgs->v.arr.items[i], "version");
        if (!name || name->type != TOML_STRING || !ver || ver->type != TOML_STRING)
            continue;
        int pkg = package_of(name->v.str.s, strlen(name->v.str.s));
        Version v;
        int wild;
        if (pkg >= 0 && version_of(ver->v.str.s, strlen(ver->v.str.s), &v, &wild) && !wild)
            offer(r, pkg, &v, RANK_LOCK, from);
    }
}

static void read_folder(Reader *r, const char *dir)
{
    read_lock(r, join(r->a, dir, "uv.lock"));
    read_lock(r, join(r->a, dir, "poetry.lock"));
    read_pyproject(r, join(r->a, dir, "pyproject.toml"));
    size_t n;
    const char **reqs = list_files(r->a, dir, is_requirements_name, &n);
    for (size_t i = 0; i < n; i++)
        read_requirements(r, join(r->a, dir, reqs[i]), 0);
    /* requirements/base.txt, requirements/prod.txt: a folder of them */
    const char *sub = join(r->a, dir, "requirements");
    reqs = list_files(r->a, sub, is_txt_name, &n);
    for (size_t i = 0; i < n; i++)
        read_requirements(r, join(r->a, sub, reqs[i]), 0);
}

/* The offers of the folder just read fill what f does not know yet; the
 * nearest folder that names a package decides its version. */
static void take(Reader *r, ProjectFacts *f)
{
    if (f->fastapi.major < 0 && r->best[PKG_FASTAPI].rank) {
        f->fastapi = r->best[PKG_FASTAPI].v;
        f->fastapi_from = r->best[PKG_FASTAPI].from;
    }
    if (f->sqlalchemy.major < 0 && r->best[PKG_SQLALCHEMY].rank) {
        f->sqlalchemy = r->best[PKG_SQLALCHEMY].v;
        f->sqlalchemy_from = r->best[PKG_SQLALCHEMY].from;
    }
    memset(r->best, 0, sizeof r->best);
}

void project_read(Arena *a, const char *dir, ProjectFacts *f)
{
    if (f->fastapi.major >= 0 && f->sqlalchemy.major >= 0)
        return;
    char *cwd = getcwd(NULL, 0);
    if (!cwd)
        return;
    Reader r = {a, arena_strndup(a, cwd, strlen(cwd)), {{{0, 0, 0}, 0, NULL}}};
    free(cwd);
    char *d = project_abspath(a, r.cwd, dir && *dir ? dir : ".");
    struct stat st;
    if (stat(d, &st) == 0 && !S_ISDIR(st.st_mode)) /* a file: its folder */
        d = project_abspath(a, d, "..");
    for (;;) {
        if (has_metadata(a, d)) {
            read_folder(&r, d);
            take(&r, f);
            if (f->fastapi.major >= 0 && f->sqlalchemy.major >= 0)
                break;
            /* a stub lock file, or metadata that does not name them: go on up */
        }
        struct stat git;
        if (!strcmp(d, "/") || stat(arena_printf(a, "%s/.git", d), &git) == 0)
            break; /* the repository's root: metadata above it is another project's */
        d = project_abspath(a, d, "..");
    }
}

const char *project_root(Arena *a, const char *dir)
{
    char *cwd = getcwd(NULL, 0);
    if (!cwd)
        return NULL;
    char *d = project_abspath(a, arena_strndup(a, cwd, strlen(cwd)), dir && *dir ? dir : ".");
    free(cwd);
    struct stat st;
    if (stat(d, &st) == 0 && !S_ISDIR(st.st_mode))
        d = project_abspath(a, d, "..");
    for (;;) {
        if (has_metadata(a, d))
            return d;
        if (!strcmp(d, "/") || stat(arena_printf(a, "%s/.git", d), &st) == 0)
            return NULL;
        d = project_abspath(a, d, "..");
    }
}

const char *project_relpath(Arena *a, const char *path)
{
    char *cwd = getcwd(NULL, 0);
    if (!cwd)
        return path;
    const char *c = arena_strndup(a, cwd, strlen(cwd));
    free(cwd);
    const char *full = project_abspath(a, c, path);
    const char *d = project_abspath(a, full, "..");
    struct stat st;
    for (;;) {
        if (has_metadata(a, d) || stat(arena_printf(a, "%s/.git", d), &st) == 0) {
            size_t n = strlen(d);
            return !strcmp(d, "/") ? full + 1 : full + n + 1;
        }
        if (!strcmp(d, "/"))
            return project_shown_path(a, c, full);
        d = project_abspath(a, d, "..");
    }
}
