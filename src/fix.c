/*
 * fix.c - fixes from the rules to the files (see fix.h): their form on the
 * file's bytes, the rounds of --fix, the unified diff of --diff, and
 * atomic writes.
 *
 * Invariants.  A ReportFix's offsets are offsets into the bytes its
 * analysis read (file_size/file_hash say which); fix_run keeps, per file it
 * touches, those bytes before any fix (orig), before the current round
 * (prev) and now (text), and analyzes the project with `text` in place of
 * the file on disk, so the report of each round speaks about the bytes the
 * next round edits.  Nothing is written before the last round is over.
 */
#include "fix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "driver.h"
#include "lex.h"
#include "parse.h"

#define FNV_OFFSET 0xcbf29ce484222325ull /* 64-bit FNV-1a */
#define FNV_PRIME 0x100000001b3ull
#define DIFF_CONTEXT 3                   /* lines of context around a hunk */
#define DIFF_MAX_D 4000                  /* Myers steps before a diff settles for one hunk */
#define FIX_MAX_REDOS 4                  /* rounds redone after a fix failed its check */

const char *fix_applicability_name(int applicability)
{
    return applicability == FIX_UNSAFE ? "unsafe" : "safe";
}

int fix_applies(const ReportFix *f, int unsafe)
{
    return f && (f->applicability == FIX_SAFE || unsafe);
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * FNV_PRIME;
    return h;
}

/* ------------------------------------------------------------ report form */

/* The line end the file uses: that of its first line, as Ruff's Stylist. */
static const char *line_end(const char *raw, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (raw[i] == '\n')
            return "\n";
        if (raw[i] == '\r')
            return i + 1 < n && raw[i + 1] == '\n' ? "\r\n" : "\r";
    }
    return "\n";
}

static int all_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

/*
 * Walks the raw bytes and the decoded text side by side from (*ri, *ti) to
 * text offset to: the raw offset there, or -1 when the two differ other
 * than by line ends (a replaced invalid byte, a coding we do not edit).
 */
static long raw_offset(const Source *src, size_t *ri, size_t *ti, size_t to)
{
    const char *raw = src->raw, *t = src->text;
    while (*ti < to) {
        if (*ri >= src->rawlen)
            return -1;
        if (raw[*ri] == '\r') {
            if (t[*ti] != '\n')
                return -1;
            *ri += *ri + 1 < src->rawlen && raw[*ri + 1] == '\n' ? 2 : 1;
        } else if (raw[*ri] != t[*ti]) {
            return -1;
        } else {
            (*ri)++;
        }
        (*ti)++;
    }
    return (long)*ri;
}

/* 1-based line and code-point column of text offset off. */
static void line_col(const Source *src, size_t off, int *line, int *col)
{
    if (src->len && off >= src->len && src->text[src->len - 1] == '\n') {
        *line = src->nlines + 1; /* after the last line end */
        *col = 1;
        return;
    }
    int lo = 0, hi = src->nlines - 1;
    while (lo < hi) { /* the last line starting at or before off */
        int mid = (lo + hi + 1) / 2;
        if (src->lines[mid] <= off)
            lo = mid;
        else
            hi = mid - 1;
    }
    *line = lo + 1;
    int c = 1;
    for (size_t i = src->nlines ? src->lines[lo] : 0; i < off; i++)
        c += ((unsigned char)src->text[i] & 0xC0) != 0x80;
    *col = c;
}

/* content with each '\n' written as nl. */
static const char *with_line_ends(Arena *a, const char *content, const char *nl)
{
    if (!strcmp(nl, "\n") || !strchr(content, '\n'))
        return arena_strndup(a, content, strlen(content));
    size_t n = 0, k = strlen(nl);
    for (const char *p = content; *p; p++)
        n += *p == '\n' ? k : 1;
    char *s = arena_alloc(a, n + 1), *o = s;
    for (const char *p = content; *p; p++) {
        if (*p == '\n') {
            memcpy(o, nl, k);
            o += k;
        } else {
            *o++ = *p;
        }
    }
    *o = 0;
    return s;
}

/*
 * For the tests of the safety net only (tests/fix/run.py): with
 * SESSIONLINT_TEST_BREAK_FIXES=parse every fix also writes an unbalanced
 * parenthesis at the end of the file, with =keep it writes nothing but a
 * comment there, so that --fix must drop them all as bugs.
 */
static void test_break(Arena *keep, const Source *src, ReportFix *rf)
{
    const char *how = getenv("SESSIONLINT_TEST_BREAK_FIXES");
    if (!how || (strcmp(how, "parse") && strcmp(how, "keep")))
        return;
    size_t end = src->rawlen + (src->had_bom ? 3 : 0);
    ReportEdit *e = arena_alloc(keep, ((size_t)rf->nedits + 1) * sizeof *e);
    int n = 0;
    for (int i = 0; i < rf->nedits && !strcmp(how, "parse"); i++)
        if (rf->edits[i].end < end)
            e[n++] = rf->edits[i];
    e[n] = (ReportEdit){0, 0, 0, 0, end, end, !strcmp(how, "parse") ? "\n(\n" : "\n# test\n", 0};
    line_col(src, src->len, &e[n].line, &e[n].column);
    e[n].end_line = e[n].line;
    e[n].end_column = e[n].column;
    rf->edits = e;
    rf->nedits = n + 1;
}

const ReportFix *fix_report(Arena *keep, const Source *src, const Fix *f)
{
    if (!f || !f->nedits || !src->raw)
        return NULL;
    int utf8 = !strcmp(src->encoding, "utf-8");
    if (!utf8 && !all_ascii(src->raw, src->rawlen))
        return NULL; /* a single-byte coding: edit only what reads the same in UTF-8 */
    const char *nl = line_end(src->raw, src->rawlen);
    size_t bom = src->had_bom ? 3 : 0, ri = 0, ti = 0;
    ReportFix *rf = arena_alloc(keep, sizeof *rf);
    rf->applicability = f->applicability;
    rf->message = arena_strndup(keep, f->message, strlen(f->message));
    rf->edits = arena_alloc(keep, (size_t)f->nedits * sizeof *rf->edits);
    rf->nedits = f->nedits;
    for (int i = 0; i < f->nedits; i++) {
        const FixEdit *e = &f->edits[i];
        ReportEdit *o = &rf->edits[i];
        if (e->start > e->end || e->end > src->len || (i && e->start < f->edits[i - 1].end))
            return NULL; /* not a fix we can apply: a bug of its rule, caught here */
        long s = raw_offset(src, &ri, &ti, e->start), t = s < 0 ? -1 : raw_offset(src, &ri, &ti, e->end);
        if (t < 0 || (!utf8 && !all_ascii(e->content, strlen(e->content))))
            return NULL;
        o->start = (size_t)s + bom;
        o->end = (size_t)t + bom;
        line_col(src, e->start, &o->line, &o->column);
        line_col(src, e->end, &o->end_line, &o->end_column);
        o->content = with_line_ends(keep, e->content, nl);
        o->shared = e->shared;
    }
    test_break(keep, src, rf);
    rf->file_size = src->rawlen + bom;
    uint64_t h = FNV_OFFSET;
    if (bom)
        h = hash_bytes("\xEF\xBB\xBF", 3);
    for (size_t i = 0; i < src->rawlen; i++)
        h = (h ^ (unsigned char)src->raw[i]) * FNV_PRIME;
    rf->file_hash = h;
    return rf;
}

/* ------------------------------------------------------------ files */

typedef struct FixFile {
    char *path;           /* as the run names it */
    char *orig;           /* the bytes before any fix */
    size_t origlen;
    char *text;           /* the bytes now */
    size_t len;
    uint64_t hash;        /* of text */
    char *prev;           /* the bytes before this round */
    size_t prevlen;
    int from_stdin;       /* the text came on standard input */
    int broken;           /* orig does not parse (SL000 ignored): not fixed */
} FixFile;

typedef VEC(FixFile *) FileVec;

static char *dup_bytes(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    if (n)
        memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* Does CPython's grammar accept bytes (as the file at path)? */
static int parses(const char *path, const char *bytes, size_t n)
{
    Arena *a = arena_new();
    Source src;
    SourceError err;
    Lexed lx;
    FindingList fl = {0};
    int ok = source_from_bytes(a, path, bytes, n, &src, &err) == SRC_OK &&
             parse_module(a, &src, &lx, &fl).nerrors == 0;
    diag_free(&fl);
    arena_free(a);
    return ok;
}

static FixFile *find_file(FileVec *files, const char *path)
{
    for (size_t i = 0; i < files->n; i++)
        if (!strcmp(files->items[i]->path, path))
            return files->items[i];
    return NULL;
}

/* The file a fix of path edits, read on first use: from the text given on
 * standard input when the run checks that, else from disk.  NULL (after
 * saying why) when it cannot be read. */
static FixFile *open_file(FileVec *files, const struct DriverOptions *d, const char *path)
{
    FixFile *f = find_file(files, path);
    if (f)
        return f;
    f = xcalloc(1, sizeof *f);
    f->path = dup_bytes(path, strlen(path));
    if (d->stdin_path) {
        f->orig = dup_bytes(d->stdin_text, d->stdin_len);
        f->origlen = d->stdin_len;
        f->from_stdin = 1;
    } else if (!(f->orig = source_read(path, &f->origlen))) {
        fprintf(stderr, "sessionlint: %s: %s\n", path, strerror(errno));
        free(f->path);
        free(f);
        return NULL;
    }
    f->text = dup_bytes(f->orig, f->origlen);
    f->len = f->origlen;
    f->hash = hash_bytes(f->text, f->len);
    f->broken = !parses(f->path, f->orig, f->origlen);
    VEC_PUSH(files, f);
    return f;
}

static void free_files(FileVec *files)
{
    for (size_t i = 0; i < files->n; i++) {
        FixFile *f = files->items[i];
        free(f->path);
        free(f->orig);
        free(f->text);
        free(f->prev);
        free(f);
    }
    VEC_FREE(files);
}

/* ------------------------------------------------------------ one round */

/* A fix taken this round: its finding, and where that started. */
typedef struct Taken {
    const ReportItem *it; /* in the round's report */
    FixFile *file;
    size_t at;            /* the finding's start, a byte offset in file->prev */
} Taken;

typedef VEC(Taken) TakenVec;
typedef VEC(const ReportEdit *) EditVec;
typedef VEC(char) OpVec; /* a diff's edit script: '=', '-', '+' per line */

/* A fix known to be bad: the code and place of its finding, the place
 * carried through the edits of later rounds. */
typedef struct BadFix {
    char *path, *code;
    size_t at; /* byte offset of the finding's start in the file's current text */
} BadFix;

typedef VEC(BadFix) BadVec;

static int is_bad(const BadVec *bad, const char *path, const char *code, size_t at)
{
    for (size_t i = 0; i < bad->n; i++)
        if (bad->items[i].at == at && !strcmp(bad->items[i].code, code) &&
            !strcmp(bad->items[i].path, path))
            return 1;
    return 0;
}

/* Records it's fix (its finding at offset at) as bad and says so: a bug of
 * ours, never written. */
static void drop(BadVec *bad, const ReportItem *it, size_t at, const char *why, FixResult *res)
{
    BadFix b = {dup_bytes(it->path, strlen(it->path)), dup_bytes(it->code, strlen(it->code)), at};
    VEC_PUSH(bad, b);
    res->dropped++;
    fprintf(stderr,
            "sessionlint: error: %s:%d:%d: the fix for %s %s; it was not applied. This is a "
            "bug in sessionlint: please report it with the file.\n",
            it->path, it->line, it->column, it->code, why);
}

static void free_bad(BadVec *bad)
{
    for (size_t i = 0; i < bad->n; i++) {
        free(bad->items[i].path);
        free(bad->items[i].code);
    }
    VEC_FREE(bad);
}

/* Byte offset of (line, code-point column), both 1-based, in t, whose
 * lines end in \n, \r\n or \r; past the end clamps to n. */
static size_t offset_of(const char *t, size_t n, int line, int col)
{
    size_t i = n >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3) ? 3 : 0;
    for (int l = 1; l < line && i < n; i++)
        if (t[i] == '\n' || (t[i] == '\r' && (i + 1 >= n || t[i + 1] != '\n')))
            l++;
    for (int c = 1; c < col && i < n && t[i] != '\n' && t[i] != '\r'; c++)
        for (i++; i < n && ((unsigned char)t[i] & 0xC0) == 0x80; i++)
            ;
    return i;
}

/* Do two edits touch in a way whose order would be ambiguous? */
static int conflict(const ReportEdit *a, const ReportEdit *b)
{
    if (a->start < b->end && b->start < a->end)
        return 1; /* they overlap */
    if (a->start == b->start)
        return 1; /* two insertions at one place, or one at the start of the other */
    if (a->start == a->end && b->start < a->start && a->start < b->end)
        return 1;
    return b->start == b->end && a->start < b->start && b->start < a->end;
}

static int same_edit(const ReportEdit *a, const ReportEdit *b)
{
    return a->start == b->start && a->end == b->end && !strcmp(a->content, b->content);
}

static int cmp_edit(const void *pa, const void *pb)
{
    const ReportEdit *a = *(const ReportEdit *const *)pa, *b = *(const ReportEdit *const *)pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return (a->end > b->end) - (a->end < b->end);
}

/* text with the sorted, non-conflicting edits applied: a heap buffer. */
static char *apply_edits(const char *text, size_t len, const ReportEdit *const *e, size_t n,
                         size_t *outlen)
{
    size_t total = len;
    for (size_t i = 0; i < n; i++)
        total += strlen(e[i]->content);
    char *o = xmalloc(total + 1);
    size_t at = 0, k = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(o + k, text + at, e[i]->start - at);
        k += e[i]->start - at;
        size_t c = strlen(e[i]->content);
        memcpy(o + k, e[i]->content, c);
        k += c;
        at = e[i]->end;
    }
    memcpy(o + k, text + at, len - at);
    k += len - at;
    o[k] = 0;
    *outlen = k;
    return o;
}

/* Where offset o of the text before edits e (sorted) is after them. */
static size_t map_offset(size_t o, const ReportEdit *const *e, size_t n)
{
    long shift = 0;
    for (size_t i = 0; i < n; i++) {
        long delta = (long)strlen(e[i]->content) - (long)(e[i]->end - e[i]->start);
        if (e[i]->end <= o)
            shift += delta;
        else if (e[i]->start < o)
            return e[i]->start + (size_t)shift + strlen(e[i]->content); /* inside: its end */
    }
    return (size_t)((long)o + shift);
}

/* 1-based line and code-point column of byte offset o in t (BOM skipped). */
static void offset_line_col(const char *t, size_t n, size_t o, int *line, int *col)
{
    size_t i = n >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3) ? 3 : 0, ls = i;
    int l = 1;
    for (; i < o && i < n; i++)
        if (t[i] == '\n' || (t[i] == '\r' && (i + 1 >= n || t[i + 1] != '\n'))) {
            l++;
            ls = i + 1;
        }
    int c = 1;
    for (size_t k = ls; k < o && k < n; k++)
        c += ((unsigned char)t[k] & 0xC0) != 0x80;
    *line = l;
    *col = c;
}

/* Is fix f (of a finding in file) one that still applies to its bytes? */
static int fix_current(const FixFile *file, const ReportFix *f)
{
    return f->file_size == file->len && f->file_hash == file->hash;
}

/* Fills e with the fixes' edits that are not twins of edits already in e. */
static void add_edits(EditVec *e, const ReportFix *f)
{
    for (int i = 0; i < f->nedits; i++) {
        int twin = 0;
        for (size_t k = 0; f->edits[i].shared && k < e->n && !twin; k++)
            twin = e->items[k]->shared && same_edit(e->items[k], &f->edits[i]);
        if (!twin)
            VEC_PUSH(e, &f->edits[i]);
    }
}

/* Can fix f join the edits e already chosen? */
static int fits(const EditVec *e, const ReportFix *f)
{
    for (int i = 0; i < f->nedits; i++)
        for (size_t k = 0; k < e->n; k++) {
            if (f->edits[i].shared && e->items[k]->shared && same_edit(e->items[k], &f->edits[i]))
                continue;
            if (conflict(e->items[k], &f->edits[i]))
                return 0;
        }
    return 1;
}

/* file's text with only fix f applied parses? */
static int fix_parses(const FixFile *file, const ReportFix *f)
{
    EditVec e = {0};
    add_edits(&e, f);
    size_t n;
    char *t = apply_edits(file->text, file->len, (const ReportEdit *const *)e.items, e.n, &n);
    int ok = parses(file->path, t, n);
    free(t);
    VEC_FREE(&e);
    return ok;
}

/*
 * Chooses the fixes of one file for this round among items [lo, hi) of r:
 * those that apply, parse on their own and do not conflict with one chosen
 * before; applies them to file->text (keeping the old bytes in prev) and
 * records each in taken.  Returns how many were applied.
 */
static size_t fix_one_file(FixFile *file, const ReportItem *items, size_t lo, size_t hi,
                           int unsafe, BadVec *bad, TakenVec *taken, FixResult *res)
{
    EditVec e = {0};
    size_t first = taken->n;
    for (size_t i = lo; i < hi; i++) {
        const ReportItem *it = &items[i];
        if (!fix_applies(it->fix, unsafe) || !fix_current(file, it->fix) || !fits(&e, it->fix))
            continue;
        size_t at = offset_of(file->text, file->len, it->line, it->column);
        if (is_bad(bad, file->path, it->code, at))
            continue;
        if (!fix_parses(file, it->fix)) {
            drop(bad, it, at, "does not parse", res);
            continue;
        }
        add_edits(&e, it->fix);
        Taken t = {it, file, at};
        VEC_PUSH(taken, t);
    }
    size_t n = taken->n - first;
    if (n) {
        qsort(e.items, e.n, sizeof *e.items, cmp_edit);
        size_t len;
        char *t = apply_edits(file->text, file->len, (const ReportEdit *const *)e.items, e.n, &len);
        if (!parses(file->path, t, len) && n > 1) {
            /* each parses alone, not all together: take the first one only */
            free(t);
            taken->n = first + 1;
            n = 1;
            e.n = 0;
            add_edits(&e, taken->items[first].it->fix);
            t = apply_edits(file->text, file->len, (const ReportEdit *const *)e.items, e.n, &len);
        }
        free(file->prev);
        file->prev = file->text;
        file->prevlen = file->len;
        file->text = t;
        file->len = len;
        file->hash = hash_bytes(t, len);
    }
    VEC_FREE(&e);
    return n;
}

/* The edits applied to t->file this round (sorted, twins once). */
static void round_edits(const TakenVec *taken, const FixFile *file, EditVec *e)
{
    e->n = 0;
    for (size_t i = 0; i < taken->n; i++)
        if (taken->items[i].file == file)
            add_edits(e, taken->items[i].it->fix);
    qsort(e->items, e->n, sizeof *e->items, cmp_edit);
}

static int same_place(const ReportItem *a, const ReportItem *b)
{
    return a->line == b->line && a->column == b->column && !strcmp(a->code, b->code) &&
           !strcmp(a->path, b->path);
}

/*
 * Is the finding of t reported again by next, where its fix moved it?  By
 * count, as one place may hold several findings of one code (a URL with a
 * bad driver and a password): next may hold no more of them there than
 * before (in r) less the fixes applied to them.
 */
static int still_reported(const TakenVec *taken, const Taken *t, const Report *r,
                          const Report *next)
{
    size_t before = 0, fixed = 0, after = 0;
    for (size_t i = 0; i < r->n; i++)
        before += same_place(&r->items[i], t->it);
    for (size_t i = 0; i < taken->n; i++)
        fixed += same_place(taken->items[i].it, t->it);
    EditVec e = {0};
    round_edits(taken, t->file, &e);
    size_t o = map_offset(t->at, (const ReportEdit *const *)e.items, e.n);
    VEC_FREE(&e);
    int line, col;
    offset_line_col(t->file->text, t->file->len, o, &line, &col);
    for (size_t i = 0; i < next->n; i++) {
        const ReportItem *it = &next->items[i];
        after += it->line == line && it->column == col && !strcmp(it->code, t->it->code) &&
                 !strcmp(it->path, t->file->path);
    }
    return after + fixed > before;
}

/* ------------------------------------------------------------ rounds */

typedef struct Rounds {
    const struct DriverOptions *d;
    const FixOptions *o;
    FixResult *res;
    FileVec files;
    BadVec bad;
    VEC(ReportCount) counts; /* fixed findings per code */
} Rounds;

static void count_fixed(Rounds *rs, const char *code)
{
    for (size_t i = 0; i < rs->counts.n; i++)
        if (!strcmp(rs->counts.items[i].code, code)) {
            rs->counts.items[i].count++;
            return;
        }
    ReportCount c = {dup_bytes(code, strlen(code)), NULL, 1};
    VEC_PUSH(&rs->counts, c);
}

/* Analyzes the project with the files' current texts. */
static void analyze(Rounds *rs, Report *r)
{
    DriverOptions d = *rs->d;
    VEC(DriverOverlay) ov = {0};
    for (size_t i = 0; i < rs->files.n; i++) {
        FixFile *f = rs->files.items[i];
        if (f->from_stdin) {
            d.stdin_text = f->text;
            d.stdin_len = f->len;
        } else {
            DriverOverlay o = {f->path, f->text, f->len};
            VEC_PUSH(&ov, o);
        }
    }
    d.overlays = ov.items;
    d.noverlays = ov.n;
    driver_run(&d, r);
    VEC_FREE(&ov);
}

/* One round on r: chooses and applies fixes, file by file.  Returns how
 * many were applied; they are listed in taken. */
static size_t apply_round(Rounds *rs, const Report *r, TakenVec *taken)
{
    size_t applied = 0;
    for (size_t lo = 0, hi; lo < r->n; lo = hi) {
        int any = 0;
        for (hi = lo; hi < r->n && !strcmp(r->items[hi].path, r->items[lo].path); hi++)
            any |= fix_applies(r->items[hi].fix, rs->o->unsafe);
        if (!any)
            continue;
        FixFile *f = open_file(&rs->files, rs->d, r->items[lo].path);
        if (f && !f->broken)
            applied += fix_one_file(f, r->items, lo, hi, rs->o->unsafe, &rs->bad, taken, rs->res);
    }
    return applied;
}

/* Moves the places of the bad fixes of the files this round edited to
 * where the edits put them. */
static void carry_bad(Rounds *rs, const TakenVec *taken)
{
    EditVec e = {0};
    for (size_t i = 0; i < rs->files.n; i++) {
        FixFile *f = rs->files.items[i];
        round_edits(taken, f, &e);
        for (size_t k = 0; e.n && k < rs->bad.n; k++)
            if (!strcmp(rs->bad.items[k].path, f->path))
                rs->bad.items[k].at =
                    map_offset(rs->bad.items[k].at, (const ReportEdit *const *)e.items, e.n);
    }
    VEC_FREE(&e);
}

/* Puts back the bytes of every file this round changed. */
static void revert_round(TakenVec *taken)
{
    for (size_t i = 0; i < taken->n; i++) {
        FixFile *f = taken->items[i].file;
        if (!f->prev)
            continue;
        free(f->text);
        f->text = f->prev;
        f->len = f->prevlen;
        f->hash = hash_bytes(f->text, f->len);
        f->prev = NULL;
    }
}

/*
 * The rounds: r is the analysis of the current texts on entry and on exit.
 */
static void run_rounds(Rounds *rs, Report *r)
{
    int rounds = 0, redos = 0;
    TakenVec taken = {0};
    while (rounds < FIX_MAX_ROUNDS) {
        taken.n = 0;
        if (!apply_round(rs, r, &taken))
            break;
        Report next;
        analyze(rs, &next);
        int failed = 0;
        for (size_t i = 0; i < taken.n; i++)
            if (still_reported(&taken, &taken.items[i], r, &next)) {
                drop(&rs->bad, taken.items[i].it, taken.items[i].at, "does not remove its finding",
                     rs->res);
                failed = 1;
            }
        if (failed && redos < FIX_MAX_REDOS) { /* the round again, without them */
            redos++;
            revert_round(&taken);
            driver_free(&next);
            continue;
        }
        if (failed) { /* out of patience: keep what the last round did not break */
            revert_round(&taken);
            driver_free(&next);
            break;
        }
        for (size_t i = 0; i < taken.n; i++) {
            rs->res->fixed++;
            count_fixed(rs, taken.items[i].it->code);
        }
        carry_bad(rs, &taken);
        for (size_t i = 0; i < taken.n; i++) {
            free(taken.items[i].file->prev);
            taken.items[i].file->prev = NULL;
        }
        driver_free(r);
        *r = next;
        rounds++;
    }
    size_t left = 0;
    for (size_t i = 0; rounds == FIX_MAX_ROUNDS && i < r->n; i++)
        left += fix_applies(r->items[i].fix, rs->o->unsafe);
    if (left) /* as Ruff says when it does not converge */
        fprintf(stderr, "sessionlint: warning: %zu fix%s left after %d rounds; run it again\n",
                left, left == 1 ? "" : "es", FIX_MAX_ROUNDS);
    VEC_FREE(&taken);
}

/* ------------------------------------------------------------ diff */

typedef struct Lines {
    const char **p; /* line starts */
    size_t *n;      /* their lengths, line end included */
    size_t count;
} Lines;

static Lines split_lines(const char *t, size_t len)
{
    Lines l = {0};
    size_t cap = 16;
    l.p = xmalloc(cap * sizeof *l.p);
    l.n = xmalloc(cap * sizeof *l.n);
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(t + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - t) + 1 : len;
        if (l.count == cap) {
            cap *= 2;
            l.p = xrealloc(l.p, cap * sizeof *l.p);
            l.n = xrealloc(l.n, cap * sizeof *l.n);
        }
        l.p[l.count] = t + i;
        l.n[l.count++] = e - i;
        i = e;
    }
    return l;
}

static int same_line(const Lines *a, size_t i, const Lines *b, size_t j)
{
    return a->n[i] == b->n[j] && !memcmp(a->p[i], b->p[j], a->n[i]);
}

/* The edit script between a[lo..ahi) and b[lo..bhi) as ops ('=', '-', '+')
 * appended to *ops: Myers' greedy algorithm, or, past DIFF_MAX_D steps, a
 * plain replacement of the whole range. */
static void myers(const Lines *a, size_t alo, size_t ahi, const Lines *b, size_t blo, size_t bhi,
                  OpVec *ops)
{
    long N = (long)(ahi - alo), M = (long)(bhi - blo), D = -1, kend = 0;
    long maxd = N + M < DIFF_MAX_D ? N + M : DIFF_MAX_D;
    long **band = xcalloc((size_t)maxd + 1, sizeof *band);
    for (long d = 0; d <= maxd && D < 0; d++) {
        long *cur = band[d] = xmalloc((size_t)(2 * d + 1) * sizeof *cur), *prev = d ? band[d - 1] : NULL;
        for (long k = -d; k <= d; k += 2) {
            long x;
            if (d == 0)
                x = 0;
            else if (k == -d || (k != d && prev[k - 1 + d - 1] < prev[k + 1 + d - 1]))
                x = prev[k + 1 + d - 1];
            else
                x = prev[k - 1 + d - 1] + 1;
            long y = x - k;
            while (x < N && y < M && same_line(a, alo + (size_t)x, b, blo + (size_t)y))
                x++, y++;
            cur[k + d] = x;
            if (x >= N && y >= M) {
                D = d;
                kend = k;
                break;
            }
        }
    }
    size_t start = ops->n;
    if (D < 0) { /* too different: delete all, insert all */
        for (long i = 0; i < N; i++)
            VEC_PUSH(ops, '-');
        for (long i = 0; i < M; i++)
            VEC_PUSH(ops, '+');
    } else { /* walk back from (N, M), writing the ops in reverse */
        long x = N, k = kend;
        for (long d = D; d > 0; d--) {
            long *prev = band[d - 1];
            int down = k == -d || (k != d && prev[k - 1 + d - 1] < prev[k + 1 + d - 1]);
            long pk = down ? k + 1 : k - 1, px = prev[pk + d - 1];
            long sx = down ? px : px + 1; /* where the snake after the step starts */
            for (; x > sx; x--)
                VEC_PUSH(ops, '=');
            VEC_PUSH(ops, down ? '+' : '-');
            x = px;
            k = pk;
        }
        for (; x > 0; x--)
            VEC_PUSH(ops, '=');
        for (size_t i = start, j = ops->n - 1; i < j; i++, j--) {
            char c = ops->items[i];
            ops->items[i] = ops->items[j];
            ops->items[j] = c;
        }
    }
    for (long d = 0; d <= maxd; d++)
        free(band[d]);
    free(band);
}

static void put_line(FILE *out, char mark, const char *p, size_t n)
{
    fputc(mark, out);
    fwrite(p, 1, n, out);
    if (!n || p[n - 1] != '\n')
        fputs("\n\\ No newline at end of file\n", out);
}

/* "@@ -s,l +s,l @@": an empty range starts at the line before it. */
static void hunk_header(FILE *out, size_t a0, size_t al, size_t b0, size_t bl)
{
    fprintf(out, "@@ -%zu,%zu +%zu,%zu @@\n", al ? a0 + 1 : a0, al, bl ? b0 + 1 : b0, bl);
}

/* Prints the hunks of the ops (over a and b from line 0). */
static void print_hunks(FILE *out, const Lines *a, const Lines *b, const char *ops, size_t nops)
{
    size_t i = 0;
    while (i < nops) {
        while (i < nops && ops[i] == '=')
            i++;
        if (i >= nops)
            break;
        /* a hunk: from DIFF_CONTEXT equal lines before the change to the
         * first run of more than 2 * DIFF_CONTEXT equal lines after one */
        size_t s = i >= DIFF_CONTEXT ? i - DIFF_CONTEXT : 0, e = i;
        for (;;) {
            while (e < nops && ops[e] != '=')
                e++;
            size_t run = 0;
            while (e + run < nops && ops[e + run] == '=')
                run++;
            if (e + run >= nops || run > 2 * DIFF_CONTEXT) {
                e += run < DIFF_CONTEXT ? run : DIFF_CONTEXT;
                break;
            }
            e += run;
        }
        size_t ai = 0, bi = 0; /* the lines before s */
        for (size_t k = 0; k < s; k++) {
            ai += ops[k] != '+';
            bi += ops[k] != '-';
        }
        size_t al = 0, bl = 0;
        for (size_t k = s; k < e; k++) {
            al += ops[k] != '+';
            bl += ops[k] != '-';
        }
        hunk_header(out, ai, al, bi, bl);
        for (size_t k = s; k < e; k++) {
            if (ops[k] == '=') {
                put_line(out, ' ', a->p[ai], a->n[ai]);
                ai++, bi++;
            } else if (ops[k] == '-') {
                put_line(out, '-', a->p[ai], a->n[ai]);
                ai++;
            } else {
                put_line(out, '+', b->p[bi], b->n[bi]);
                bi++;
            }
        }
        i = e;
    }
}

void fix_diff(FILE *out, const char *path, const char *old, size_t oldlen, const char *neu,
              size_t newlen)
{
    if (oldlen == newlen && !memcmp(old, neu, oldlen))
        return;
    Lines a = split_lines(old, oldlen), b = split_lines(neu, newlen);
    size_t pre = 0, post = 0;
    while (pre < a.count && pre < b.count && same_line(&a, pre, &b, pre))
        pre++;
    while (post < a.count - pre && post < b.count - pre &&
           same_line(&a, a.count - 1 - post, &b, b.count - 1 - post))
        post++;
    OpVec ops = {0};
    for (size_t i = 0; i < pre; i++)
        VEC_PUSH(&ops, '=');
    myers(&a, pre, a.count - post, &b, pre, b.count - post, &ops);
    for (size_t i = 0; i < post; i++)
        VEC_PUSH(&ops, '=');
    fprintf(out, "--- a/%s\n+++ b/%s\n", path, path);
    print_hunks(out, &a, &b, ops.items, ops.n);
    VEC_FREE(&ops);
    free(a.p);
    free(a.n);
    free(b.p);
    free(b.n);
}

/* ------------------------------------------------------------ writing */

/*
 * Replaces the file at path (following a symbolic link) by bytes: a
 * temporary file in its folder, given the original's mode, then renamed
 * over it, so a reader sees the old file or the new one, never half.
 * 0, or -1 after saying why.
 */
static int write_atomic(const char *path, const char *bytes, size_t n)
{
    char *real = realpath(path, NULL);
    struct stat st;
    if (!real || stat(real, &st) != 0) {
        fprintf(stderr, "sessionlint: %s: %s\n", path, strerror(errno));
        free(real);
        return -1;
    }
    const char *slash = strrchr(real, '/');
    size_t dir = slash ? (size_t)(slash - real) : 0;
    char *tmp = xmalloc(strlen(real) + 32);
    snprintf(tmp, strlen(real) + 32, "%.*s/.%s.sessionlint-XXXXXX", (int)dir, real,
             slash ? slash + 1 : real);
    int fd = mkstemp(tmp), ok = fd >= 0;
    if (ok)
        ok = fchmod(fd, st.st_mode & 07777) == 0;
    for (size_t done = 0; ok && done < n;) {
        ssize_t w = write(fd, bytes + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        done += ok ? (size_t)w : 0;
    }
    if (fd >= 0 && close(fd) != 0)
        ok = 0;
    if (ok)
        ok = rename(tmp, real) == 0;
    if (!ok) {
        fprintf(stderr, "sessionlint: %s: cannot write the fixed file: %s\n", path,
                strerror(errno));
        if (fd >= 0)
            unlink(tmp);
    }
    free(tmp);
    free(real);
    return ok ? 0 : -1;
}

/* Writes, diffs or prints the files, as o->mode says. */
static void finish(Rounds *rs)
{
    const FixOptions *o = rs->o;
    for (size_t i = 0; i < rs->files.n; i++) {
        FixFile *f = rs->files.items[i];
        if (f->len == f->origlen && !memcmp(f->text, f->orig, f->len))
            continue;
        if (!parses(f->path, f->text, f->len)) { /* every round checked; this cannot happen */
            fprintf(stderr, "sessionlint: error: %s: the fixed file does not parse; it was not "
                            "written. This is a bug in sessionlint.\n", f->path);
            rs->res->dropped++;
            free(f->text);
            f->text = dup_bytes(f->orig, f->origlen);
            f->len = f->origlen;
            continue;
        }
        rs->res->files++;
        if (o->mode == FIX_DIFF) {
            fix_diff(o->out, f->path, f->orig, f->origlen, f->text, f->len);
        } else if (o->mode == FIX_WRITE) {
            size_t n;
            char *now = source_read(f->path, &n);
            int same = now && n == f->origlen && !memcmp(now, f->orig, n);
            free(now);
            if (!same) {
                fprintf(stderr, "sessionlint: %s: changed while it was being fixed; not written\n",
                        f->path);
                rs->res->write_failed = 1;
            } else if (write_atomic(f->path, f->text, f->len) != 0) {
                rs->res->write_failed = 1;
            }
        }
    }
    if (o->mode == FIX_STDOUT) { /* the source, fixed or not, as an editor wants it */
        const struct DriverOptions *d = rs->d;
        FixFile *f = rs->files.n ? rs->files.items[0] : NULL;
        if (f)
            fwrite(f->text, 1, f->len, o->out);
        else
            fwrite(d->stdin_text, 1, d->stdin_len, o->out);
    }
}

static int cmp_count(const void *pa, const void *pb)
{
    const ReportCount *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->code, b->code);
}

static int cmp_fixfile(const void *pa, const void *pb)
{
    return strcmp((*(FixFile *const *)pa)->path, (*(FixFile *const *)pb)->path);
}

void fix_run(const struct DriverOptions *d, const FixOptions *o, Report *final, FixResult *res)
{
    memset(res, 0, sizeof *res);
    Rounds rs = {d, o, res, {0}, {0}, {0}};
    driver_run(d, final);
    run_rounds(&rs, final);
    if (rs.files.n > 1)
        qsort(rs.files.items, rs.files.n, sizeof *rs.files.items, cmp_fixfile);
    finish(&rs);
    qsort(rs.counts.items, rs.counts.n, sizeof *rs.counts.items, cmp_count);
    res->by_code = rs.counts.items;
    res->ncodes = rs.counts.n;
    free_files(&rs.files);
    free_bad(&rs.bad);
}

void fix_result_free(FixResult *res)
{
    for (size_t i = 0; i < res->ncodes; i++)
        free((char *)res->by_code[i].code);
    free(res->by_code);
    res->by_code = NULL;
    res->ncodes = 0;
}
