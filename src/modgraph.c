/*
 * modgraph.c - the link stage's module map: dotted names of files, the
 * project's modules sorted by name, and the chase of a qualified name
 * through re-exports to the binding that defines it.
 *
 * Names are found by binary search over sorted arrays built once at
 * modgraph_freeze, so a frozen project is never written again and any
 * number of threads may resolve at once.  A resolve works in fixed stack
 * buffers and never allocates; its answer is remembered in a table of the
 * calling thread's own (memo below), the only state written after freezing.
 * The part of a qualified name left after the binding it resolves to is
 * reported as a suffix of the caller's own string; a chase whose remainder
 * would not be one stops a hop earlier.
 */
#include "modgraph.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_BUF 4096 /* longest path modgraph_module_name looks at */
#define MAX_COMPS 256 /* components of such a path */

typedef struct NameRef {
    const char *name;         /* a dotted module name */
    const ProjectModule *mod; /* the module it names */
} NameRef;

struct Project {
    Arena *a;                 /* strings and the frozen arrays */
    VEC(ProjectModule) added; /* modules before freezing, on the heap */
    ProjectModule *mods;      /* after: sorted by name, one per name (the .py,
                                  then the first path) */
    int nmods;
    NameRef *names; /* each module's own name, in the same order */
    NameRef *alts;  /* fallback names from the path, sorted; none is */
    int nalts;      /* also a module's own name */
    const NameRef **hnames, **halts; /* the same, hashed by name (open addressing) */
    size_t hcap_names, hcap_alts;    /* powers of two, at least twice the entries */
    const char **hroots; /* the first component of every name and fallback name
                            ("app" of "app.db"), hashed: a dotted name whose root
                            is not here names no module (a library's) */
    size_t hcap_roots;
    unsigned long serial; /* set by modgraph_freeze, unique per process: tags memo entries */
    int frozen;
};

/* --- module names of files ------------------------------------------------- */

/* Could s[0..n) be a package name in a dotted import? */
static int is_ident(const char *s, size_t n)
{
    if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c >= 0x80))
            return 0;
    }
    return 1;
}

/*
 * Splits the path in buf (modified in place) into comps, resolving "." and
 * ".." by text (a ".." above the start is kept).  Returns the count, or -1
 * when there are more than max.
 */
static int split_path(char *buf, const char **comps, int max)
{
    int n = 0;
    for (char *s = buf; *s;) {
        while (*s == '/')
            *s++ = '\0';
        if (!*s)
            break;
        char *c = s;
        while (*s && *s != '/')
            s++;
        if (*s)
            *s++ = '\0';
        if (strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0 && n > 0 && strcmp(comps[n - 1], "..") != 0) {
            n--;
            continue;
        }
        if (n == max)
            return -1;
        comps[n++] = c;
    }
    return n;
}

/* Does the folder comps[0..count) hold __init__.py or __init__.pyi? */
static int has_init(const char *const *comps, int count, int absolute)
{
    char p[PATH_BUF];
    size_t n = 0;
    for (int i = 0; i < count; i++) {
        size_t l = strlen(comps[i]);
        if (n + l + 2 >= sizeof p)
            return 0;
        if (i > 0 || absolute)
            p[n++] = '/';
        memcpy(p + n, comps[i], l);
        n += l;
    }
    if (n + sizeof "/__init__.pyi" > sizeof p)
        return 0;
    struct stat st;
    memcpy(p + n, "/__init__.py", sizeof "/__init__.py");
    if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
        return 1;
    memcpy(p + n, "/__init__.pyi", sizeof "/__init__.pyi");
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* path made absolute (when the working folder is known) in buf. */
static int absolute_path(const char *path, char *buf, size_t cap)
{
    size_t n = 0, lp = strlen(path);
    int absolute = path[0] == '/';
    if (!absolute && getcwd(buf, cap) && strlen(buf) + lp + 2 < cap) {
        n = strlen(buf);
        buf[n++] = '/';
        absolute = 1;
    }
    if (n + lp + 1 > cap)
        lp = cap - n - 1; /* too long to matter: the name comes out short */
    memcpy(buf + n, path, lp);
    buf[n + lp] = '\0';
    return absolute;
}

/*
 * How many of comps[0..n) name the folder root (absolute; NULL: the working
 * folder) and those above it: the project's root is on sys.path, so no
 * namespace package starts at or above it.  0 when comps is not below it.
 */
static int root_depth(const char *root, const char *const *comps, int n)
{
    char buf[PATH_BUF];
    const char *cw[MAX_COMPS];
    if (root && strlen(root) < sizeof buf)
        memcpy(buf, root, strlen(root) + 1);
    else if (root || !getcwd(buf, sizeof buf))
        return 0;
    int m = split_path(buf, cw, MAX_COMPS);
    if (m < 0 || m > n)
        return 0;
    for (int i = 0; i < m; i++)
        if (strcmp(cw[i], comps[i]) != 0)
            return 0;
    return m;
}

const char *modgraph_module_name(Arena *a, const char *path, int level, const char *root,
                                 int *is_package)
{
    char buf[PATH_BUF];
    const char *comps[MAX_COMPS];
    int absolute = absolute_path(path, buf, sizeof buf);
    int n = split_path(buf, comps, MAX_COMPS);
    *is_package = 0;
    if (n <= 0)
        return "";
    const char *last = comps[n - 1];
    size_t stem = strlen(last);
    if (stem > 3 && strcmp(last + stem - 3, ".py") == 0)
        stem -= 3;
    else if (stem > 4 && strcmp(last + stem - 4, ".pyi") == 0)
        stem -= 4;
    int pkg = stem == 8 && memcmp(last, "__init__", 8) == 0;
    if (pkg && n < 2)
        return "__init__";
    /* comps[top .. n-2] are the packages the module sits in */
    int top = pkg ? n - 2 : n - 1;
    for (int i = top - 1; i >= 0 && is_ident(comps[i], strlen(comps[i])); i--) {
        if (!has_init(comps, i + 1, absolute))
            break;
        top = i;
    }
    /*
     * A relative import reaching above the regular packages (`from .db
     * import x` in app/billing.py, app/ without __init__.py) says Python
     * imported the file through a namespace package: its name goes on up
     * through the folders without __init__.py, as far as the project's root
     * (on sys.path), a src/ folder (a source root) or MODGRAPH_MAX_ALTS
     * folders go, so that siblings so named agree with each other and with
     * the fallback names (add_alts) of the rest.  A file whose relative
     * imports stay inside its package keeps its name proper.
     */
    int have = n - 1 - top + !pkg; /* components of the name */
    if (level > 0 && have < level + !pkg) {
        int floor = absolute ? root_depth(root, comps, n) : 0;
        for (int i = top - 1, lv = 0; i >= floor && lv < MODGRAPH_MAX_ALTS; i--, lv++) {
            if (!is_ident(comps[i], strlen(comps[i])) || strcmp(comps[i], "src") == 0)
                break;
            top = i;
        }
    }
    size_t len = pkg ? 0 : stem;
    for (int i = top; i < n - 1; i++)
        len += strlen(comps[i]) + 1;
    char *s = arena_alloc(a, len + 1), *w = s;
    for (int i = top; i < n - 1; i++) {
        size_t l = strlen(comps[i]);
        if (w > s)
            *w++ = '.';
        memcpy(w, comps[i], l);
        w += l;
    }
    if (!pkg) {
        if (w > s)
            *w++ = '.';
        memcpy(w, last, stem);
    }
    *is_package = pkg;
    return s;
}

/* --- building the project -------------------------------------------------- */

Project *modgraph_new(Arena *a)
{
    Project *p = arena_alloc(a, sizeof *p);
    p->a = a;
    return p;
}

void modgraph_add(Project *p, const char *name, const char *path, int is_package, Node *module,
                  const ScopeTable *scopes)
{
    ProjectModule m = {arena_strndup(p->a, name, strlen(name)),
                       arena_strndup(p->a, path, strlen(path)), is_package, module, scopes};
    VEC_PUSH(&p->added, m);
}

static int is_stub(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && strcmp(path + n - 4, ".pyi") == 0;
}

/* By name; for one name the .py before the .pyi, then by path. */
static int cmp_module(const void *x, const void *y)
{
    const ProjectModule *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    if (c)
        return c;
    if (is_stub(a->path) != is_stub(b->path))
        return is_stub(a->path) - is_stub(b->path);
    return strcmp(a->path, b->path);
}

static int cmp_ref(const void *x, const void *y)
{
    const NameRef *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : cmp_module(a->mod, b->mod);
}

/* The entry of refs[0..n) (sorted) named q[0..len), or NULL. */
static const ProjectModule *search(const NameRef *refs, int n, const char *q, size_t len)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        const char *s = refs[mid].name;
        int c = strncmp(s, q, len);
        if (c == 0)
            c = s[len] != '\0';
        if (c == 0)
            return refs[mid].mod;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static size_t name_hash(const char *q, size_t len)
{
    size_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)q[i]) * 0x100000001b3ULL;
    return h;
}

/* A table of refs[0..n) (names distinct) for lookup. */
static const NameRef **hash_refs(Arena *a, const NameRef *refs, int n, size_t *cap)
{
    size_t c = 16;
    while (c < 2 * (size_t)n)
        c *= 2;
    const NameRef **t = arena_alloc(a, c * sizeof *t);
    for (int i = 0; i < n; i++) {
        size_t j = name_hash(refs[i].name, strlen(refs[i].name)) & (c - 1);
        while (t[j])
            j = (j + 1) & (c - 1);
        t[j] = &refs[i];
    }
    *cap = c;
    return t;
}

/* The module of the table t named q[0..len), whose name_hash is h, or NULL. */
static const ProjectModule *lookup_hashed(const NameRef *const *t, size_t cap, const char *q,
                                          size_t len, size_t h)
{
    for (size_t j = h & (cap - 1); t[j]; j = (j + 1) & (cap - 1))
        if (!strncmp(t[j]->name, q, len) && t[j]->name[len] == '\0')
            return t[j]->mod;
    return NULL;
}

/* The module of the table t named q[0..len), or NULL. */
static const ProjectModule *lookup(const NameRef *const *t, size_t cap, const char *q, size_t len)
{
    return lookup_hashed(t, cap, q, len, name_hash(q, len));
}

/* Is q[0..len) (whose name_hash is h) the root of a name of the project? */
static int has_root(const Project *p, const char *q, size_t len, size_t h)
{
    const char *const *t = p->hroots;
    for (size_t j = h & (p->hcap_roots - 1); t[j]; j = (j + 1) & (p->hcap_roots - 1))
        if (!strncmp(t[j], q, len) && (t[j][len] == '.' || !t[j][len]))
            return 1; /* q[0..len) holds no dot: equal roots */
    return 0;
}

static void add_root(Project *p, const char *name)
{
    size_t len = strcspn(name, ".");
    if (has_root(p, name, len, name_hash(name, len)))
        return;
    size_t j = name_hash(name, len) & (p->hcap_roots - 1);
    while (p->hroots[j])
        j = (j + 1) & (p->hcap_roots - 1);
    p->hroots[j] = name;
}

static void hash_roots(Project *p)
{
    size_t c = 16;
    while (c < 2 * (size_t)(p->nmods + p->nalts))
        c *= 2;
    p->hroots = arena_alloc(p->a, c * sizeof *p->hroots);
    p->hcap_roots = c;
    for (int i = 0; i < p->nmods; i++)
        add_root(p, p->names[i].name);
    for (int i = 0; i < p->nalts; i++)
        add_root(p, p->alts[i].name);
}

int modgraph_fallback_names(Arena *a, const char *path, const char *name, int is_package,
                            const char **out)
{
    char buf[PATH_BUF];
    const char *comps[MAX_COMPS];
    size_t lp = strlen(path);
    if (lp >= sizeof buf)
        return 0;
    memcpy(buf, path, lp + 1);
    int n = split_path(buf, comps, MAX_COMPS), k = 1, count = 0;
    if (n <= 0)
        return 0;
    for (const char *s = name; *s; s++)
        k += *s == '.';
    for (int i = (is_package ? n - 1 - k : n - k) - 1; i >= 0 && count < MODGRAPH_MAX_ALTS; i--) {
        if (!is_ident(comps[i], strlen(comps[i])))
            break;
        size_t lc = strlen(comps[i]), ln = strlen(name);
        char *s = arena_alloc(a, lc + ln + 2);
        memcpy(s, comps[i], lc);
        s[lc] = '.';
        memcpy(s + lc + 1, name, ln);
        out[count++] = name = s;
    }
    return count;
}

/* The fallback names of module m, into the vector vec of NameRef. */
static void add_alts(Project *p, const ProjectModule *m, void *vec)
{
    VEC(NameRef) *alts = vec;
    const char *names[MODGRAPH_MAX_ALTS];
    int n = modgraph_fallback_names(p->a, m->path, m->name, m->is_package, names);
    for (int i = 0; i < n; i++)
        VEC_PUSH(alts, ((NameRef){names[i], m}));
}

/* Sorts the modules added and keeps the first of each name in p->mods;
 * returns the whole sorted list, duplicates included. */
static ProjectModule *sort_modules(Project *p, size_t n)
{
    ProjectModule *all = arena_alloc(p->a, (n ? n : 1) * sizeof *all);
    ProjectModule *mods = arena_alloc(p->a, (n ? n : 1) * sizeof *mods);
    if (n)
        memcpy(all, p->added.items, n * sizeof *all);
    qsort(all, n, sizeof *all, cmp_module);
    int u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || strcmp(mods[u - 1].name, all[i].name) != 0)
            mods[u++] = all[i];
    p->mods = mods;
    p->nmods = u;
    p->names = arena_alloc(p->a, (size_t)(u ? u : 1) * sizeof *p->names);
    for (int i = 0; i < u; i++)
        p->names[i] = (NameRef){mods[i].name, &mods[i]};
    return all;
}

/* The fallback names of every file, also of one that lost its name proper
 * to another (tools/run.py beside scripts/run.py is still "tools.run"). */
static void build_alts(Project *p, ProjectModule *all, size_t n)
{
    VEC(NameRef) alts = {0};
    for (size_t i = 0, k = 0; i < n; i++) {
        int first = i == 0 || strcmp(all[i - 1].name, all[i].name) != 0;
        add_alts(p, first ? &p->mods[k++] : &all[i], &alts);
    }
    if (alts.n)
        qsort(alts.items, alts.n, sizeof *alts.items, cmp_ref);
    p->alts = arena_alloc(p->a, (alts.n ? alts.n : 1) * sizeof *p->alts);
    for (size_t i = 0; i < alts.n; i++) {
        const NameRef *r = &alts.items[i];
        if (search(p->names, p->nmods, r->name, strlen(r->name)))
            continue; /* a module proper has the name */
        if (p->nalts && strcmp(p->alts[p->nalts - 1].name, r->name) == 0)
            continue;
        p->alts[p->nalts++] = *r;
    }
    VEC_FREE(&alts);
}

void modgraph_freeze(Project *p)
{
    if (p->frozen)
        return;
    size_t n = p->added.n;
    ProjectModule *all = sort_modules(p, n);
    build_alts(p, all, n);
    p->hnames = hash_refs(p->a, p->names, p->nmods, &p->hcap_names);
    p->halts = hash_refs(p->a, p->alts, p->nalts, &p->hcap_alts);
    hash_roots(p);
    VEC_FREE(&p->added);
    static atomic_ulong serials; /* the only shared state: numbers handed out once */
    p->serial = atomic_fetch_add(&serials, 1) + 1;
    p->frozen = 1;
}

const ProjectModule *modgraph_modules(const Project *p, int *n)
{
    *n = p->nmods;
    return p->mods;
}

const ProjectModule *modgraph_find(const Project *p, const char *modname)
{
    return p->hnames ? lookup(p->hnames, p->hcap_names, modname, strlen(modname))
                     : search(p->names, p->nmods, modname, strlen(modname));
}

/* --- resolving qualified names --------------------------------------------- */

typedef struct Hit {
    const ProjectModule *mod; /* the module reached */
    const Binding *bd;        /* the binding in it, or NULL */
    size_t rest;              /* length of what follows: the tail of the asked name */
} Hit;

typedef struct Query {
    const Project *p;
    const char *orig; /* the qualified name asked about */
    size_t olen;
    int budget; /* module lookups left (MODGRAPH_MAX_HOPS) */
} Query;

/* Is s[0..n) the tail of the asked name that follows a dot (or all of it)? */
static int is_tail(const Query *q, const char *s, size_t n)
{
    if (n > q->olen || memcmp(q->orig + q->olen - n, s, n) != 0)
        return 0;
    return n == 0 || n == q->olen || q->orig[q->olen - n - 1] == '.';
}

/* The module that the longest leading part of s names (*len: its length);
 * a module's own name before a fallback name, as Python prefers regular
 * packages to namespace packages.  The hash of each leading part comes from
 * one pass over s (name_hash reads left to right), not one per part. */
static const ProjectModule *longest_module(const Project *p, const char *s, size_t *len)
{
    size_t cut[MODGRAPH_MAX_NAME + 1], hs[MODGRAPH_MAX_NAME + 1];
    int n = 0;
    size_t h = name_hash(s, 0);
    for (size_t i = 0;; i++) {
        if (s[i] == '.' || !s[i]) {
            if (n == 0 && !has_root(p, s, i, h))
                return NULL; /* sqlalchemy.orm.Session: no module of ours */
            if (n == (int)(sizeof cut / sizeof *cut))
                return NULL; /* longer than any name that resolves */
            cut[n] = i, hs[n++] = h;
            if (!s[i])
                break;
        }
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (int k = n - 1; k >= 0; k--) {
            const ProjectModule *m =
                pass ? lookup_hashed(p->halts, p->hcap_alts, s, cut[k], hs[k])
                     : lookup_hashed(p->hnames, p->hcap_names, s, cut[k], hs[k]);
            if (m) {
                *len = cut[k];
                return m;
            }
        }
    }
    return NULL;
}

/* The binding of name[0..n) in m's module scope, or NULL. */
static const Binding *module_binding(const ProjectModule *m, const char *name, size_t n)
{
    char buf[256];
    if (!m->scopes || n >= sizeof buf)
        return NULL;
    memcpy(buf, name, n);
    buf[n] = '\0';
    return scope_lookup(m->scopes, scope_module(m->scopes), buf, NULL);
}

/* What bd stands for as a qualified name, written in buf: an import's
 * qualname, or the name a plain module-level alias copies; NULL if none. */
static const char *stands_for(const ProjectModule *m, const Binding *bd, char *buf, size_t cap)
{
    if (bd->kind == BIND_IMPORT)
        return bd->qualname;
    if (bd->kind != BIND_LOCAL || !bd->value)
        return NULL;
    if (bd->value->kind != NODE_Name && bd->value->kind != NODE_Attribute)
        return NULL;
    return scope_qualname_buf(m->scopes, scope_module(m->scopes), bd->value, buf, cap) ? buf : NULL;
}

static int resolve_from(Query *q, const char *start, Hit *out);

/* a, a dot when dot is set, and b, into buf; 0 when that does not fit.
 * (snprintf cost more than the rest of a resolve.) */
static int dotted(char *buf, size_t cap, const char *a, int dot, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), n = la + (dot != 0) + lb;
    if (n >= cap)
        return 0;
    memcpy(buf, a, la);
    buf[la] = '.';
    memcpy(buf + la + (dot != 0), b, lb);
    buf[n] = '\0';
    return 1;
}

/* name (and what follows it), missing in m, looked up in m's star imports. */
static int star_lookup(Query *q, const ProjectModule *m, const char *name, Hit *out)
{
    int n;
    const char *const *stars = m->scopes ? scope_star_imports(m->scopes, &n) : NULL;
    char buf[MODGRAPH_MAX_NAME];
    for (int i = 0; stars && i < n && q->budget > 0; i++) {
        Hit h;
        if (dotted(buf, sizeof buf, stars[i], 1, name) && resolve_from(q, buf, &h) && h.bd) {
            *out = h;
            return 1;
        }
    }
    return 0;
}

/*
 * Resolves start one module lookup at a time, following what each binding
 * stands for.  *out is the last hit that was a module or a binding; returns
 * whether there was one.
 */
static int resolve_from(Query *q, const char *start, Hit *out)
{
    char bufs[2][MODGRAPH_MAX_NAME], alias[MODGRAPH_MAX_NAME];
    const char *s = start;
    int found = 0;
    for (int flip = 0; q->budget > 0; flip ^= 1) {
        q->budget--;
        size_t mlen;
        const ProjectModule *m = longest_module(q->p, s, &mlen);
        if (!m)
            return found;
        if (!s[mlen]) { /* s is the module itself */
            *out = (Hit){m, NULL, 0};
            return 1;
        }
        const char *name = s + mlen + 1, *tail = name + strcspn(name, ".");
        size_t nlen = (size_t)(tail - name);
        tail += *tail == '.';
        const Binding *bd = module_binding(m, name, nlen);
        if (!bd) {
            if (star_lookup(q, m, name, out))
                return 1;
            if (found || !is_tail(q, name, strlen(name)))
                return found;
            *out = (Hit){m, NULL, strlen(name)};
            return 1;
        }
        size_t tlen = strlen(tail);
        if (!is_tail(q, tail, tlen))
            return found;
        *out = (Hit){m, bd, tlen};
        found = 1;
        const char *to = stands_for(m, bd, alias, sizeof alias);
        if (!to)
            return 1;
        if (!dotted(bufs[flip], sizeof bufs[flip], to, tlen != 0, tail))
            return 1;
        s = bufs[flip]; /* tail lives in the other buffer (or in start) */
    }
    return found;
}

/*
 * The answers of recent resolves, per thread: the same qualified names are
 * asked again and again (every use of an imported class), and a frozen
 * project's answer never changes.  An entry is keyed by the project's
 * serial (never 0, never reused, so a project freed and another made at
 * its address cannot hit) and the whole name; one slot per hash, the last
 * answer wins.  Being per thread, it needs no lock; it is bounded
 * (MEMO_SLOTS entries of names shorter than MEMO_KEY) and lives as long as
 * the thread.
 */
#define MEMO_SLOTS 1024
#define MEMO_KEY 96

typedef struct Memo {
    unsigned long serial; /* the project's; 0: empty */
    size_t len;           /* of key */
    int found;            /* resolve_from's answer, and its hit: */
    Hit h;
    char key[MEMO_KEY];
} Memo;

static _Thread_local Memo memo[MEMO_SLOTS];

/* A hash of s[0..len), eight bytes at a time; the last eight (which may
 * overlap the word before) end it. */
static size_t memo_hash(const char *s, size_t len)
{
    uint64_t h = len * 0x9E3779B97F4A7C15ULL, w = 0;
    if (len < 8) {
        for (size_t i = 0; i < len; i++)
            w = w << 8 | (unsigned char)s[i];
    } else {
        for (size_t i = 0; i + 8 < len; i += 8) {
            memcpy(&w, s + i, 8);
            h = (h ^ w) * 0xff51afd7ed558ccdULL;
            h ^= h >> 29;
        }
        memcpy(&w, s + len - 8, 8);
    }
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    return (size_t)(h ^ h >> 32);
}

int modgraph_resolve_prefix(const Project *p, const char *qualname, const ProjectModule **module,
                            const Binding **binding, const char **rest)
{
    Query q = {p, qualname, qualname ? strlen(qualname) : 0, MODGRAPH_MAX_HOPS};
    Hit h;
    if (!p->frozen || !qualname || q.olen >= MODGRAPH_MAX_NAME)
        return 0;
    Memo *e = q.olen < MEMO_KEY ? &memo[memo_hash(qualname, q.olen) & (MEMO_SLOTS - 1)] : NULL;
    int found;
    if (e && e->serial == p->serial && e->len == q.olen && !memcmp(e->key, qualname, q.olen)) {
        found = e->found;
        h = e->h;
    } else {
        found = resolve_from(&q, qualname, &h);
        if (e) {
            *e = (Memo){p->serial, q.olen, found, found ? h : (Hit){0}, {0}};
            memcpy(e->key, qualname, q.olen);
        }
    }
    if (!found)
        return 0;
    if (module)
        *module = h.mod;
    if (binding)
        *binding = h.bd;
    if (rest)
        *rest = qualname + q.olen - h.rest;
    return 1;
}

int modgraph_resolve(const Project *p, const char *qualname, const ProjectModule **module,
                     const Binding **binding)
{
    const ProjectModule *m;
    const Binding *bd;
    const char *rest;
    if (!modgraph_resolve_prefix(p, qualname, &m, &bd, &rest) || *rest)
        return 0;
    if (module)
        *module = m;
    if (binding)
        *binding = bd;
    return 1;
}
