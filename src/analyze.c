/*
 * analyze.c - per-module analysis after parsing (see analyze.h).  Every
 * function body, at any depth (methods, nested functions), and the module
 * body go through the dataflow once, each with a scratch arena reset in
 * between, so memory stays bounded by the largest function.
 */
#include "analyze.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>

#include "context.h"
#include "flow.h"
#include "fastapi.h"
#include "rules.h"
#include "rules/crdb.h"
#include "rules/lifecycle.h"
#include "rules/detached.h"
#include "rules/ormcache.h"
#include "rules/sharing.h"
#include "rules/sqlapi.h"
#include "modgraph.h"
#include "pool.h"
#include "scope.h"
#include "value.h"

/* Where a function's summary is: units[unit].sums[index]. */
typedef struct FuncRef {
    const Node *def;
    int unit, index;
} FuncRef;

struct Analysis {
    Arena *a;           /* the project's own memory ... */
    Arena *va;          /* ... but the value model's, built on a thread of its own */
    Project *graph;     /* modules by name */
    AnalyzeUnit *units; /* the units, in the driver's order */
    int n;
    int round;          /* summary rounds ended so far */
    int *base;          /* units[i]'s functions are numbered base[i], base[i] + 1, ... */
    int **deps;         /* per function (by number): the functions whose summaries its last
                           analysis read, sorted, each once ... */
    int *ndeps;         /* ... and how many */
    int nfuncs;         /* functions of all units */
    unsigned char *changed; /* per function: did the last round change its summary? */
    ProjectFacts facts; /* versions and database */
    FastApiModule *mods; /* the units as the FastAPI model reads them */
    FlowFastApi fastapi; /* the FastAPI model and the run's timing */
    FastApi *building;   /* the same model, while analyze_link finishes it */
    CrdbProject *crdb;   /* CockroachDB and database URL facts (rules/crdb.h) */
    ValueModel *values;  /* what names, attributes and calls hold (value.h) */
    FuncRef *fidx;       /* every unit's functions by def node (open addressing) */
    size_t fcap;
    void (*beside)(void *); /* the caller's work beside the link (analyze_link) */
    void *beside_arg;
};

static void collect_funcs(Node *parent, Node *n, void *arg)
{
    AnalyzeUnit *u = arg;
    (void)parent;
    if (ast_category(n->kind) == CAT_EXPR)
        return;
    if (n->kind == NODE_FunctionDef || n->kind == NODE_AsyncFunctionDef) {
        /* room doubles (16, 32, 64, ...): what growing leaves behind in the
           arena stays below the final array, however many functions */
        if (u->nfuncs == 0 || (u->nfuncs >= 16 && !(u->nfuncs & (u->nfuncs - 1)))) {
            int cap = u->nfuncs ? 2 * u->nfuncs : 16;
            const Node **f = arena_alloc(u->a, (size_t)cap * sizeof *f);
            if (u->nfuncs)
                memcpy(f, u->funcs, (size_t)u->nfuncs * sizeof *f);
            u->funcs = f;
        }
        u->funcs[u->nfuncs++] = n;
    }
    ast_children(n, collect_funcs, u);
}

void analyze_scopes(AnalyzeUnit *u)
{
    u->scopes = scope_build(u->a, u->module, u->modname, u->is_package);
    ast_children(u->module, collect_funcs, u);
    u->sums = arena_alloc(u->a, (size_t)(u->nfuncs ? u->nfuncs : 1) * sizeof *u->sums);
    u->next = arena_alloc(u->a, (size_t)(u->nfuncs ? u->nfuncs : 1) * sizeof *u->next);
    u->known = arena_alloc(u->a, (size_t)(u->nfuncs ? u->nfuncs : 1) * sizeof *u->known);
}

/* FastAPI's timing for the run, from the version in facts. */
static void fastapi_timing(Arena *a, const ProjectFacts *facts, FlowFastApi *out)
{
    const Version *v = &facts->fastapi;
    Version v106 = {0, 106, 0}, v118 = {0, 118, 0};
    if (v->major < 0) {
        out->era = ERA_NEWEST;
        out->scopes_split = 0;
        out->version = "the newest FastAPI: no version found";
        return;
    }
    Version v123 = {0, 123, 0};
    out->scopes_split = project_version_cmp(v, &v123) < 0;
    out->era = project_version_cmp(v, &v106) < 0   ? ERA_AFTER_RESPONSE
               : project_version_cmp(v, &v118) < 0 ? ERA_AT_RETURN
                                                    : ERA_NEWEST;
    char text[64];
    project_version_text(v, text, sizeof text);
    const char *from = facts->fastapi_from ? facts->fastapi_from : "the configuration";
    out->version = v->major == VERSION_ANY
                       ? arena_printf(a, "the newest FastAPI, which %s allows", from)
                       : arena_printf(a, "FastAPI %s from %s", text, from);
}

static size_t hash_ptr(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

/* Indexes every function of every unit by its def node (serial, at link). */
static void index_funcs(Analysis *an)
{
    size_t total = 0;
    an->base = arena_alloc(an->a, (size_t)(an->n ? an->n : 1) * sizeof *an->base);
    for (int i = 0; i < an->n; i++) {
        an->base[i] = (int)total;
        total += (size_t)an->units[i].nfuncs;
    }
    an->nfuncs = (int)total;
    an->deps = xcalloc(total ? total : 1, sizeof *an->deps);
    an->ndeps = xcalloc(total ? total : 1, sizeof *an->ndeps);
    an->changed = arena_alloc(an->a, total ? total : 1);
    for (an->fcap = 16; an->fcap < 2 * total + 2; an->fcap *= 2)
        ;
    an->fidx = arena_alloc(an->a, an->fcap * sizeof *an->fidx);
    for (int i = 0; i < an->n; i++)
        for (int k = 0; k < an->units[i].nfuncs; k++) {
            size_t j = hash_ptr(an->units[i].funcs[k]) & (an->fcap - 1);
            while (an->fidx[j].def)
                j = (j + 1) & (an->fcap - 1);
            an->fidx[j] = (FuncRef){an->units[i].funcs[k], i, k};
        }
}

/* The summary of a def of any unit, as of the last round; NULL if unknown. */
/* Where summaries are read from: during a round, the unit being
 * summarized reads its own functions already done this round (those before
 * `upto`, in source order: helpers usually come before their callers), so a
 * chain of calls inside one module settles in one round; every other
 * summary is the last round's, whatever thread computes what. */
typedef VEC(int) IntVec;

typedef struct SumAt {
    const Analysis *an;
    int unit;     /* the unit being summarized, or -1 */
    int upto;     /* its functions [0, upto) are done this round */
    IntVec *read; /* while summarizing: the functions whose summaries were read */
} SumAt;

static const FlowSummary *find_summary(const SumAt *at, const Node *func)
{
    const Analysis *an = at->an;
    if (!an->fcap || !func)
        return NULL;
    for (size_t j = hash_ptr(func) & (an->fcap - 1); an->fidx[j].def; j = (j + 1) & (an->fcap - 1))
        if (an->fidx[j].def == func) {
            const AnalyzeUnit *u = &an->units[an->fidx[j].unit];
            int k = an->fidx[j].index;
            if (at->read)
                VEC_PUSH(at->read, an->base[an->fidx[j].unit] + k);
            return an->fidx[j].unit == at->unit && k < at->upto ? &u->next[k] : &u->sums[k];
        }
    return NULL;
}

/* The two halves of the link step that need each other's results only
 * through the startup state (fastapi_begin): the value model on one thread;
 * the FastAPI closures and the CockroachDB facts on another, in an->a, and
 * then the caller's work beside the link. */
static void link_half(void *arg, size_t i, int worker)
{
    Analysis *an = arg;
    (void)worker;
    if (i == 0) {
        an->values = value_build(an->va, an->graph, an->mods, an->n, an->fastapi.model,
                                 an->facts.model);
        return;
    }
    fastapi_finish(an->building);
    fastapi_timing(an->a, &an->facts, &an->fastapi);
    an->crdb = crdb_link(an->a, an->graph, &an->facts);
    if (an->beside)
        an->beside(an->beside_arg);
}

Analysis *analyze_link(AnalyzeUnit *units, int n, const ProjectFacts *facts, int jobs,
                       void (*beside)(void *), void *beside_arg)
{
    Analysis *an = xcalloc(1, sizeof *an);
    if (facts)
        an->facts = *facts;
    else
        project_facts_init(&an->facts);
    an->a = arena_new();
    an->va = arena_new();
    an->graph = modgraph_new(an->a);
    an->units = units;
    an->n = n;
    an->beside = beside;
    an->beside_arg = beside_arg;
    for (int i = 0; i < n; i++)
        modgraph_add(an->graph, units[i].modname, units[i].src->path, units[i].is_package,
                     units[i].module, units[i].scopes);
    modgraph_freeze(an->graph);
    an->mods = arena_alloc(an->a, (size_t)(n ? n : 1) * sizeof *an->mods);
    for (int i = 0; i < n; i++) {
        an->mods[i].module = units[i].module;
        an->mods[i].scopes = units[i].scopes;
        an->mods[i].path = units[i].src->path;
    }
    index_funcs(an);
    an->fastapi.model = an->building = fastapi_begin(an->a, an->graph, an->mods, n);
    if (jobs > 1)
        pool_for(2, 2, link_half, an);
    else
        for (size_t i = 0; i < 2; i++)
            link_half(an, i, 0);
    return an;
}

void analyze_free(Analysis *an)
{
    if (!an)
        return;
    for (int g = 0; g < an->nfuncs; g++)
        free(an->deps[g]);
    free(an->deps);
    free(an->ndeps);
    arena_free(an->a);
    arena_free(an->va);
    free(an);
}

/* FlowSummaryLookup: the functions of every module of the project. */
static const FlowSummary *any_summary(void *arg, const Node *func)
{
    return find_summary(arg, func);
}

/* FlowResolve: a qualified name defined in a module of the project. */
static int resolve(void *arg, const char *qual, FlowDef *out)
{
    const SumAt *at = arg;
    const Analysis *an = at ? at->an : NULL;
    const ProjectModule *m = NULL;
    const Binding *b = NULL;
    if (!an || !modgraph_resolve(an->graph, qual, &m, &b) || !b || !m)
        return 0;
    out->path = m->path;
    out->scopes = m->scopes;
    out->binding = b;
    out->summary = NULL;
    if (b->kind == BIND_DEF && b->def)
        out->summary = find_summary(at, b->def);
    return 1;
}

/* Field by field: padding bytes may differ. */
static int same_summary(const FlowSummary *a, const FlowSummary *b)
{
    return a->returns_kind == b->returns_kind && a->returns_async == b->returns_async &&
           a->tuple_n == b->tuple_n && a->tuple_async == b->tuple_async &&
           !memcmp(a->tuple_kind, b->tuple_kind, sizeof a->tuple_kind) &&
           !memcmp(a->tuple_of, b->tuple_of, sizeof a->tuple_of) &&
           a->releases == b->releases &&
           a->with_releases == b->with_releases && a->uses == b->uses && a->yields_kind == b->yields_kind &&
           a->uses_after == b->uses_after && a->releases_after == b->releases_after &&
           a->returns_state == b->returns_state && a->fans_out == b->fans_out &&
           a->fans_threads == b->fans_threads && a->defers == b->defers &&
           a->defer_kind == b->defer_kind && a->gives_up == b->gives_up &&
           a->gives_why == b->gives_why && a->gives_kind == b->gives_kind && a->bound == b->bound && a->keeps == b->keeps &&
           a->yields_used == b->yields_used && a->yields_other == b->yields_other && a->commits == b->commits &&
           a->rolls_back == b->rolls_back && !memcmp(a->adds, b->adds, sizeof a->adds) &&
           a->refreshes == b->refreshes &&
           a->checks_out == b->checks_out && a->ends_txn == b->ends_txn &&
           !memcmp(a->cond, b->cond, sizeof a->cond) &&
           !memcmp(a->falsy, b->falsy, sizeof a->falsy) && /* unsigned fields: no padding */
           a->needs_pool == b->needs_pool && a->yields_pool == b->yields_pool &&
           a->needs_param_pool == b->needs_param_pool && a->needs_state_pool == b->needs_state_pool &&
           a->lends_held == b->lends_held && a->enter_kind == b->enter_kind &&
           a->enter_attr == b->enter_attr &&
           a->waits == b->waits && a->waits_open == b->waits_open;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/*
 * Must function k of u be analyzed again this round?  Its analysis is a
 * function of the summaries it read (the rest of the project is fixed once
 * linked), so only if one of them differs from what it read last time:
 * one of u's own functions before it that this round changed (those are
 * read as of this round), or any other that the last round changed.
 */
static int needs_round(const Analysis *an, const AnalyzeUnit *u, int k)
{
    if (an->round == 0)
        return 1;
    int self = an->base[u - an->units], g = self + k;
    for (int j = 0; j < an->ndeps[g]; j++) {
        int d = an->deps[g][j];
        if (d >= self && d < g ? !same_summary(&u->sums[d - self], &u->next[d - self])
                               : an->changed[d])
            return 1;
    }
    return 0;
}

/* Keeps what the analysis of function g read, sorted, each once. */
static void keep_deps(Analysis *an, int g, IntVec *read)
{
    size_t n = 0;
    if (read->n > 1)
        qsort(read->items, read->n, sizeof *read->items, cmp_int);
    for (size_t j = 0; j < read->n; j++)
        if (!n || read->items[n - 1] != read->items[j])
            read->items[n++] = read->items[j];
    an->deps[g] = xrealloc(an->deps[g], (n ? n : 1) * sizeof *an->deps[g]);
    if (n)
        memcpy(an->deps[g], read->items, n * sizeof *read->items);
    an->ndeps[g] = (int)n;
    read->n = 0;
}

/* The FastAPI timing of u's own project (its facts), or the run's; its
 * text in a. */
static void unit_fastapi(const Analysis *an, const AnalyzeUnit *u, Arena *a, FlowFastApi *out)
{
    *out = an->fastapi;
    if (u->facts)
        fastapi_timing(a, u->facts, out);
}

void analyze_summarize(Analysis *an, AnalyzeUnit *u)
{
    FlowFastApi fa;
    unit_fastapi(an, u, u->a, &fa);
    Arena *scratch = arena_new();
    IntVec read = {0};
    SumAt at = {an, (int)(u - an->units), 0, &read};
    for (int i = 0; i < u->nfuncs; i++, at.upto = i) {
        if (!needs_round(an, u, i)) {
            u->next[i] = u->sums[i];
            continue;
        }
        FlowSummary sum = {0};
        FlowEnv env = {u->src, u->scopes, NULL, NULL, any_summary, &at, &sum, resolve, &at,
                       &fa, an->facts.model, an->values, &u->known[i]};
        flow_function(scratch, &env, (Node *)u->funcs[i]);
        arena_reset(scratch);
        u->next[i] = sum;
        keep_deps((Analysis *)an, an->base[at.unit] + i, &read);
    }
    VEC_FREE(&read);
    arena_free(scratch);
}


int analyze_round(Analysis *an)
{
    int any = 0;
    for (int i = 0; i < an->n; i++) {
        AnalyzeUnit *u = &an->units[i];
        for (int k = 0; k < u->nfuncs; k++)
            any |= an->changed[an->base[i] + k] = !same_summary(&u->sums[k], &u->next[k]);
        FlowSummary *t = u->sums;
        u->sums = u->next;
        u->next = t;
    }
    an->round++;
    return any;
}

/*
 * The execution context of f's code.  Where its rule would not report it
 * there by default (it shows only under --context), the message says
 * where it is: "...; in the CLI command `sync_users`".
 */
static void place(Arena *a, const ContextFile *cf, Finding *f)
{
    const Node *func = NULL;
    f->context = context_at(cf, f->line, &func);
    const Rule *rule = rules_lookup(f->code);
    unsigned shown = f->contexts ? f->contexts : rule ? rule->contexts : CTX_ALL;
    if (shown & CTX_BIT(f->context))
        return;
    const char *where = context_phrase(f->context);
    f->message = func ? arena_printf(a, "%s; in %s `%s`", f->message, where,
                                     func->v.FunctionDef.name)
                      : arena_printf(a, "%s; in %s", f->message, where);
}

/* Does another finding say the same rule of the same span as found[i],
 * better: with a longer witness, or as long and first?  Two checks that see
 * one defect (the dataflow's SL203 on an object holding a session,
 * selfconn.c's on the session the class keeps) report it once. */
static int said_better(const FindingList *found, size_t i)
{
    const Finding *f = &found->items[i];
    for (size_t j = 0; j < found->n; j++) {
        const Finding *g = &found->items[j];
        if (j != i && g->line == f->line && g->col == f->col && g->end_line == f->end_line &&
            g->end_col == f->end_col && !strcmp(g->code, f->code) &&
            (g->ntrace > f->ntrace || (g->ntrace == f->ntrace && j < i)))
            return 1;
    }
    return 0;
}

void analyze_check(Analysis *an, AnalyzeUnit *u, Arena *a, FindingList *out)
{
    FindingList found = {0};
    LifecycleSink sink = {a, u->src, &found, NULL, NULL};
    FlowFastApi fa;
    unit_fastapi(an, u, a, &fa);
    const ProjectFacts *facts = u->facts ? u->facts : &an->facts;
    SumAt at = {an, -1, 0, NULL};
    FlowEnv env = {u->src, u->scopes, lifecycle_report, &sink, any_summary, &at, NULL, resolve, &at,
                   &fa, an->facts.model, an->values, NULL};
    sink.env = &env; /* the fixes read the module's scopes */
    Arena *scratch = arena_new();
    flow_function(scratch, &env, u->module);
    arena_reset(scratch);
    for (int i = 0; i < u->nfuncs; i++) {
        env.known = &u->known[i];
        flow_function(scratch, &env, (Node *)u->funcs[i]);
        arena_reset(scratch);
        lifecycle_delegation(&sink, &env, u->funcs[i]);
    }
    env.known = NULL; /* no function of the unit is analyzed after this */
    sharing_check(&sink, &env, facts, scratch, u->module, u->funcs, u->nfuncs);
    arena_reset(scratch);
    detached_check(&sink, &env, facts, scratch, u->funcs, u->nfuncs);
    arena_reset(scratch);
    ormcache_check(&sink, &env, scratch, u->funcs, u->nfuncs);
    arena_free(scratch);
    DbCtx db = {.a = a, .env = &env};
    sqlapi_check(&db, u->src, u->module, an->crdb, facts, &found);
    ContextFile cf = {u->path_ctx, u->module, u->scopes, an->fastapi.model, u->funcs, u->nfuncs};
    for (size_t i = 0; i < found.n; i++) {
        Finding *f = &found.items[i];
        if (analyze_suppressed(u->src, u->lx, f->line, f->code) || said_better(&found, i))
            continue;
        place(a, &cf, f);
        diag_add(out, f);
    }
    diag_free(&found);
}

void analyze_module(Arena *a, const Source *src, const Lexed *lx, Node *module,
                    const char *modname, FindingList *out)
{
    AnalyzeUnit u = {.a = a, .src = src, .lx = lx, .module = module, .modname = modname,
                     .path_ctx = -1};
    analyze_scopes(&u);
    Analysis *an = analyze_link(&u, 1, NULL, 1, NULL, NULL);
    for (int r = 0; r < ANALYZE_ROUNDS; r++) {
        analyze_summarize(an, &u);
        if (!analyze_round(an))
            break;
    }
    analyze_check(an, &u, a, out);
    analyze_free(an);
}

/* Does the comment text c (after '#') suppress code?  `noqa`, `noqa: A, B`,
 * `sessionlint: ignore[A, B]`; codes match by prefix as in Ruff. */
static int suppresses(const char *c, size_t n, const char *code)
{
    const char *end = c + n;
    for (const char *p = c; p < end; p++) {
        const char *list = NULL, *stop = end;
        if (end - p >= 4 && !strncasecmp(p, "noqa", 4)) {
            const char *q = p + 4;
            while (q < end && *q == ' ')
                q++;
            if (q >= end || *q != ':')
                return 1; /* a bare noqa suppresses everything */
            list = q + 1;
        } else if (end - p >= 19 && !strncmp(p, "sessionlint: ignore", 19)) {
            const char *q = p + 19;
            if (q >= end || *q != '[')
                return 1;
            list = q + 1;
            const char *close = memchr(list, ']', (size_t)(end - list));
            stop = close ? close : end;
        }
        if (!list)
            continue;
        for (const char *q = list; q < stop;) {
            while (q < stop && (*q == ' ' || *q == ','))
                q++;
            const char *s = q;
            while (q < stop && isalnum((unsigned char)*q))
                q++;
            size_t len = (size_t)(q - s);
            if (len && len <= strlen(code) && !strncasecmp(s, code, len))
                return 1;
            if (q == s)
                break;
        }
        return 0;
    }
    return 0;
}

int analyze_suppressed(const Source *src, const Lexed *lx, int line, const char *code)
{
    int lo = 0, hi = lx->ncomments;
    while (lo < hi) { /* comments are in source order */
        int mid = (lo + hi) / 2;
        if (lx->comments[mid].line < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (int i = lo; i < lx->ncomments && lx->comments[i].line == line; i++)
        if (suppresses(src->text + lx->comments[i].off, lx->comments[i].len, code))
            return 1;
    return 0;
}
