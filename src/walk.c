/*
 * walk.c - discovery: folders -> the Python files in them, minus what
 * .gitignore files and the usual tool folders rule out.
 *
 * The walk keeps one path buffer (the current folder or entry in report
 * form) and a stack of .gitignore layers in force for the current folder;
 * entering a folder pushes its .gitignore, leaving pops it.  As in git, the
 * deepest .gitignore that has a matching pattern decides, and within one
 * file the last matching pattern; an excluded folder is never entered, so
 * nothing below it can be re-included.  Sub-folders are read after their
 * parent is closed, so open directory handles never pile up.
 */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GITIGNORE_MAX_BYTES (4u << 20) /* the rest of a bigger file is not read */

typedef struct Pattern {
    const char *pat;  /* without "!", a trailing "/" and a leading "/" */
    uint8_t negate;   /* "!pattern": re-includes */
    uint8_t dir_only; /* "pattern/": matches folders only */
    uint8_t anchored; /* had a "/" before its end: matched from the .gitignore's folder */
} Pattern;

struct WalkIgnore {
    Pattern *pats; /* in file order: the last match wins */
    int n;
};

/*
 * A .gitignore in force, with the way to turn a path relative to the walk
 * root into one relative to the folder of the .gitignore: drop the first
 * skip bytes, then put prefix in front.
 */
typedef struct Layer {
    const WalkIgnore *ig;
    const char *prefix; /* the walk root relative to an ancestor folder, with "/"; or "" */
    size_t skip;        /* the folder of the .gitignore below the root, with "/" */
} Layer;

typedef struct Walk {
    Arena *a;          /* strings handed out */
    WalkPaths *files;  /* results */
    WalkErrors *errs;  /* folders that could not be read */
    VEC(Layer) layers; /* the .gitignore stack, outermost first */
    char *buf;         /* current path in report form; "" for the folder "." */
    size_t len, cap;   /* bytes in buf (NUL not counted), allocated */
    size_t rel;        /* where the part relative to the walk root starts in buf */
    char *tmp;         /* scratch for paths handed to the matcher */
    size_t tmpcap;
} Walk;

/* ---- the gitignore pattern language ---- */

enum { M_MATCH, M_NOMATCH, M_ABORT_ALL, M_ABORT_TO_STARSTAR };

/*
 * One bracket expression at *pp ("[a-z]", "[!0-9]") against c: 1 or 0, or
 * -1 when the bracket is never closed.  Leaves *pp on the closing "]".
 */
static int bracket(const char **pp, unsigned char c)
{
    const char *p = *pp + 1;
    int neg = 0, hit = 0;
    if (*p == '!' || *p == '^') {
        neg = 1;
        p++;
    }
    for (int first = 1; *p && (first || *p != ']'); first = 0) {
        unsigned char lo = (unsigned char)*p;
        if (lo == '\\' && p[1])
            lo = (unsigned char)*++p;
        p++;
        unsigned char hi = lo;
        if (*p == '-' && p[1] && p[1] != ']') {
            p++;
            hi = (unsigned char)*p;
            if (hi == '\\' && p[1])
                hi = (unsigned char)*++p;
            p++;
        }
        if (c >= lo && c <= hi)
            hit = 1;
    }
    if (*p != ']')
        return -1;
    *pp = p;
    return hit != neg;
}

static int wild(const char *pat, const char *p, const char *s);

/*
 * A run of stars at p.  "**" between slashes (or at either end) crosses
 * folders; any other run matches within one path component.  The abort
 * codes (as in git's wildmatch) stop hopeless retries, which keeps the
 * matcher polynomial on patterns such as "*a*a*a*b".
 */
static int stars(const char *pat, const char *p, const char *s)
{
    const char *q = p;
    while (*q == '*')
        q++;
    int cross = q - p >= 2 && (p == pat || p[-1] == '/') && (*q == '/' || !*q);
    if (!cross) {
        if (!*q)
            return strchr(s, '/') ? M_NOMATCH : M_MATCH;
        for (;; s++) {
            int r = wild(pat, q, s);
            if (r != M_NOMATCH)
                return r;
            if (!*s)
                return M_ABORT_ALL;
            if (*s == '/')
                return M_ABORT_TO_STARSTAR;
        }
    }
    if (!*q)
        return M_MATCH; /* a trailing double star: everything below */
    q++;                /* double star, slash: zero or more folders, then the rest */
    for (;;) {
        int r = wild(pat, q, s);
        if (r == M_MATCH || r == M_ABORT_ALL)
            return r;
        s = strchr(s, '/');
        if (!s)
            return M_ABORT_ALL;
        s++;
    }
}

/* Matches pattern text p (within the whole pattern pat) against s. */
static int wild(const char *pat, const char *p, const char *s)
{
    for (; *p; p++, s++) {
        switch (*p) {
        case '*':
            return stars(pat, p, s);
        case '?':
            if (!*s)
                return M_ABORT_ALL;
            if (*s == '/')
                return M_NOMATCH;
            break;
        case '[': {
            if (!*s)
                return M_ABORT_ALL;
            int r = bracket(&p, (unsigned char)*s);
            if (r < 0)
                return M_ABORT_ALL; /* a broken pattern matches nothing */
            if (!r || *s == '/')
                return M_NOMATCH;
            break;
        }
        default:
            if (*p == '\\' && !*++p)
                return M_ABORT_ALL; /* the escaped character is literal */
            if (*s != *p)
                return *s ? M_NOMATCH : M_ABORT_ALL;
        }
    }
    return *s ? M_NOMATCH : M_MATCH;
}

/* One line of a .gitignore -> *out; 0 for blank lines and comments. */
static int parse_line(Arena *a, const char *s, size_t n, Pattern *out)
{
    if (n && s[n - 1] == '\r')
        n--;
    /* Trailing spaces go unless escaped ("a\ " keeps its space). */
    while (n && s[n - 1] == ' ' && !(n >= 2 && s[n - 2] == '\\'))
        n--;
    if (!n || s[0] == '#')
        return 0;
    Pattern p = {0};
    if (s[0] == '!') {
        p.negate = 1;
        s++, n--;
    }
    if (n && s[n - 1] == '/') {
        p.dir_only = 1;
        n--;
    }
    p.anchored = memchr(s, '/', n) != NULL;
    if (n && s[0] == '/')
        s++, n--;
    if (!n)
        return 0;
    p.pat = arena_strndup(a, s, n);
    *out = p;
    return 1;
}

WalkIgnore *walk_ignore_parse(Arena *a, const char *text, size_t n)
{
    int cap = 0;
    for (size_t i = 0; i < n; i++)
        cap += text[i] == '\n';
    WalkIgnore *ig = arena_alloc(a, sizeof *ig);
    ig->pats = arena_alloc(a, (size_t)(cap + 1) * sizeof *ig->pats);
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(text + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - text) : n;
        if (parse_line(a, text + i, end - i, &ig->pats[ig->n]))
            ig->n++;
        i = end + 1;
    }
    return ig;
}

int walk_ignore_match(const WalkIgnore *ig, const char *path, int is_dir)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (int i = ig->n - 1; i >= 0; i--) {
        const Pattern *p = &ig->pats[i];
        if (p->dir_only && !is_dir)
            continue;
        const char *s = p->anchored ? path : base;
        if (wild(p->pat, p->pat, s) == M_MATCH)
            return p->negate ? WALK_KEEP : WALK_IGNORED;
    }
    return WALK_NO_MATCH;
}

/* ---- paths ---- */

char *walk_normalize(Arena *a, const char *path, const char *cwd)
{
    size_t n = strlen(path);
    char *out = arena_alloc(a, n + 2);
    size_t len = 0;
    int abs = path[0] == '/';
    if (abs)
        out[len++] = '/';
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        const char *e = p;
        while (*e && *e != '/')
            e++;
        size_t k = (size_t)(e - p);
        if (k && !(k == 1 && p[0] == '.')) {
            if (len && out[len - 1] != '/')
                out[len++] = '/';
            memcpy(out + len, p, k);
            len += k;
        }
        p = e;
    }
    out[len] = 0;
    size_t c = cwd ? strlen(cwd) : 0;
    if (abs && c && strncmp(out, cwd, c) == 0) {
        if (cwd[c - 1] == '/')
            return out[c] ? out + c : (char *)".";
        if (!out[c])
            return (char *)".";
        if (out[c] == '/')
            return out + c + 1;
    }
    if (!len) {
        out[0] = '.';
        out[1] = 0;
    }
    return out;
}

static int is_python(const char *name)
{
    size_t n = strlen(name);
    return (n > 3 && strcmp(name + n - 3, ".py") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".pyi") == 0);
}

/* Appends "/name" (or "name" at the folder ".") to the path; returns the
 * old length, for pop. */
static size_t push(Walk *w, const char *name)
{
    size_t old = w->len, k = strlen(name);
    if (w->len + k + 2 > w->cap) {
        w->cap = 2 * (w->len + k + 2);
        w->buf = xrealloc(w->buf, w->cap);
    }
    if (w->len)
        w->buf[w->len++] = '/';
    memcpy(w->buf + w->len, name, k + 1);
    w->len += k;
    return old;
}

static void pop(Walk *w, size_t old)
{
    w->len = old;
    w->buf[old] = 0;
}

static const char *fs_path(const Walk *w) { return w->len ? w->buf : "."; }

/* The path relative to the walk root (empty at the root itself). */
static const char *rel_path(const Walk *w)
{
    return w->len >= w->rel ? w->buf + w->rel : "";
}

static void add_error(Arena *a, WalkErrors *errs, const char *path, const char *msg)
{
    WalkError e = {arena_strndup(a, path, strlen(path)), arena_strndup(a, msg, strlen(msg))};
    VEC_PUSH(errs, e);
}

/* ---- .gitignore layers ---- */

/* Reads a .gitignore (at most GITIGNORE_MAX_BYTES); NULL when absent. */
static WalkIgnore *load_ignore(Arena *a, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = xmalloc(GITIGNORE_MAX_BYTES);
    size_t n = fread(buf, 1, GITIGNORE_MAX_BYTES, f);
    fclose(f);
    WalkIgnore *ig = walk_ignore_parse(a, buf, n);
    free(buf);
    return ig;
}

static void push_layer(Walk *w, const WalkIgnore *ig, const char *prefix, size_t skip)
{
    if (ig && ig->n) {
        Layer l = {ig, prefix, skip};
        VEC_PUSH(&w->layers, l);
    }
}

/* Is the current entry (w->buf) excluded by the layers in force? */
static int ignored(Walk *w, int is_dir)
{
    const char *rel = rel_path(w);
    size_t rlen = strlen(rel);
    for (size_t i = w->layers.n; i-- > 0;) {
        const Layer *l = &w->layers.items[i];
        size_t plen = strlen(l->prefix), need = plen + rlen + 1;
        if (need > w->tmpcap) {
            w->tmpcap = 2 * need;
            w->tmp = xrealloc(w->tmp, w->tmpcap);
        }
        memcpy(w->tmp, l->prefix, plen);
        memcpy(w->tmp + plen, rel + l->skip, rlen - l->skip + 1);
        int v = walk_ignore_match(l->ig, w->tmp, is_dir);
        if (v != WALK_NO_MATCH)
            return v == WALK_IGNORED;
    }
    return 0;
}

/* dir[0..cut) + "/" + name, in a; cut 0 means the file-system root. */
static char *join(Arena *a, const char *dir, size_t cut, const char *name)
{
    size_t k = strlen(name);
    char *s = arena_alloc(a, cut + k + 2);
    memcpy(s, dir, cut);
    s[cut] = '/';
    memcpy(s + cut + 1, name, k + 1);
    return s;
}

/*
 * Inside a git repository, the .gitignore files of the folders between the
 * repository root and the walk root apply too (and .git/info/exclude,
 * weakest of all).  Outside one, nothing above the walk root does.
 */
static void load_ancestors(Walk *w, const char *root)
{
    char *abs = realpath(root, NULL);
    if (!abs)
        return;
    size_t len = strlen(abs) == 1 ? 0 : strlen(abs), top = 0;
    struct stat st;
    int found = 0;
    for (size_t cut = len;;) {
        if (stat(join(w->a, abs, cut, ".git"), &st) == 0) {
            found = 1, top = cut;
            break;
        }
        if (cut == 0)
            break;
        while (cut > 0 && abs[--cut] != '/')
            ;
    }
    for (size_t cut = top; found && cut < len;) {
        const char *prefix = arena_strndup(w->a, abs + cut + 1, len - cut);
        ((char *)prefix)[len - cut - 1] = '/';
        if (cut == top && S_ISDIR(st.st_mode))
            push_layer(w, load_ignore(w->a, join(w->a, abs, cut, ".git/info/exclude")),
                       prefix, 0);
        push_layer(w, load_ignore(w->a, join(w->a, abs, cut, ".gitignore")), prefix, 0);
        while (++cut < len && abs[cut] != '/')
            ;
    }
    if (found && top == len && S_ISDIR(st.st_mode))
        push_layer(w, load_ignore(w->a, join(w->a, abs, len, ".git/info/exclude")), "", 0);
    free(abs);
}

/* ---- the walk ---- */

enum { E_SKIP, E_FILE, E_DIR };

/* What the entry at w->buf is.  Links to folders are not followed; a link
 * that leads nowhere counts as a file, so that a .py name reports its error. */
static int entry_kind(Walk *w, const struct dirent *e)
{
    struct stat st;
    unsigned char t = e->d_type;
    if (t == DT_DIR)
        return E_DIR;
    if (t == DT_REG)
        return E_FILE;
    if (t == DT_UNKNOWN) {
        if (lstat(w->buf, &st) != 0)
            return E_SKIP;
        if (S_ISDIR(st.st_mode))
            return E_DIR;
        if (S_ISREG(st.st_mode))
            return E_FILE;
        if (!S_ISLNK(st.st_mode))
            return E_SKIP;
        t = DT_LNK;
    }
    if (t != DT_LNK)
        return E_SKIP;
    if (stat(w->buf, &st) != 0)
        return E_FILE;
    return S_ISREG(st.st_mode) ? E_FILE : E_SKIP;
}

/* Folders never worth entering: tool caches, dependencies, environments. */
static int skip_dir(Walk *w, const char *name)
{
    if (name[0] == '.' || strcmp(name, "__pycache__") == 0 ||
        strcmp(name, "node_modules") == 0 || strcmp(name, "site-packages") == 0)
        return 1;
    if (ignored(w, 1))
        return 1;
    size_t old = push(w, "pyvenv.cfg");
    int venv = access(w->buf, F_OK) == 0;
    pop(w, old);
    return venv;
}

static void walk_dir(Walk *w, int depth)
{
    DIR *d = opendir(fs_path(w));
    if (!d) {
        add_error(w->a, w->errs, fs_path(w), strerror(errno));
        return;
    }
    size_t nlayers = w->layers.n;
    const char *rel = rel_path(w);
    size_t skip = *rel ? strlen(rel) + 1 : 0;
    size_t old = push(w, ".gitignore");
    push_layer(w, load_ignore(w->a, w->buf), "", skip);
    pop(w, old);

    VEC(char *) subdirs = {0};
    for (struct dirent *e; (e = readdir(d));) {
        const char *name = e->d_name;
        if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
            continue;
        old = push(w, name);
        int kind = entry_kind(w, e);
        if (kind == E_DIR && !skip_dir(w, name))
            VEC_PUSH(&subdirs, arena_strndup(w->a, name, strlen(name)));
        else if (kind == E_FILE && is_python(name) && !ignored(w, 0))
            VEC_PUSH(w->files, arena_strndup(w->a, w->buf, w->len));
        pop(w, old);
    }
    closedir(d);
    for (size_t i = 0; i < subdirs.n; i++) {
        old = push(w, subdirs.items[i]);
        if (depth + 1 >= WALK_MAX_DEPTH)
            add_error(w->a, w->errs, w->buf, "folders nested too deeply");
        else
            walk_dir(w, depth + 1);
        pop(w, old);
    }
    VEC_FREE(&subdirs);
    w->layers.n = nlayers;
}

void walk_path(Arena *a, const char *root, const char *cwd, WalkPaths *files,
               WalkErrors *errs)
{
    char *norm = walk_normalize(a, root, cwd);
    struct stat st;
    if (stat(root, &st) != 0) {
        add_error(a, errs, norm, strerror(errno));
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        VEC_PUSH(files, norm);
        return;
    }
    Walk w = {.a = a, .files = files, .errs = errs};
    push(&w, strcmp(norm, ".") == 0 ? "" : norm);
    w.rel = w.len ? w.len + 1 : 0;
    load_ancestors(&w, root);
    walk_dir(&w, 0);
    VEC_FREE(&w.layers);
    free(w.buf);
    free(w.tmp);
}
