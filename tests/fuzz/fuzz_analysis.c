/*
 * fuzz_analysis.c - libFuzzer target for the whole analysis: the input is a
 * project of up to three modules (db, app, models), cut at NUL bytes; each
 * is decoded and parsed, and those that parse go through every step the
 * driver runs over a project: scopes, the module graph, the FastAPI and
 * value models, summary rounds, the rules.  Any crash, hang, unbounded
 * recursion, sanitizer report or leak is a bug.
 *
 * The names are fixed so that `from db import SessionLocal` in one module
 * reaches the other: cycles through imports, globals, class bases, aliases
 * and re-exports are what this target is for (issue 13).
 *
 * Built two ways by tests/fuzz/build.sh (libFuzzer) and replay.sh (the
 * saved corpus under ASan/UBSan in `make check`), as the other targets.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyze.h"
#include "arena.h"
#include "diag.h"
#include "lex.h"
#include "parse.h"
#include "source.h"

#define MODULES 3

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[MODULES] = {"db", "app", "models"};
    static const char *const paths[MODULES] = {"db.py", "app.py", "models.py"};
    Arena *arenas[MODULES] = {0};
    Source srcs[MODULES];
    Lexed lexed[MODULES];
    AnalyzeUnit units[MODULES];
    int n = 0;
    size_t at = 0;
    for (int m = 0; m < MODULES && at <= size; m++) {
        const uint8_t *cut = at < size ? memchr(data + at, 0, size - at) : NULL;
        size_t len = cut ? (size_t)(cut - (data + at)) : size - at;
        Arena *a = arena_new();
        SourceError err;
        FindingList errs = {0};
        int ok = source_from_bytes(a, paths[m], (const char *)data + at, len, &srcs[n], &err) ==
                 SRC_OK;
        ParseResult r = {0};
        if (ok)
            r = parse_module(a, &srcs[n], &lexed[n], &errs);
        diag_free(&errs);
        if (ok && r.nerrors == 0 && r.module) {
            memset(&units[n], 0, sizeof units[n]);
            units[n].a = a;
            units[n].src = &srcs[n];
            units[n].lx = &lexed[n];
            units[n].module = r.module;
            units[n].modname = names[m];
            units[n].path_ctx = -1;
            arenas[n++] = a;
        } else {
            arena_free(a);
        }
        at += len + 1;
        if (!cut)
            break;
    }
    if (n > 0) {
        for (int i = 0; i < n; i++)
            analyze_scopes(&units[i]);
        Analysis *an = analyze_link(units, n, NULL, 1, NULL, NULL);
        for (int round = 0; round < ANALYZE_ROUNDS; round++) {
            for (int i = 0; i < n; i++)
                analyze_summarize(an, &units[i]);
            if (!analyze_round(an))
                break;
        }
        FindingList out = {0};
        for (int i = 0; i < n; i++)
            analyze_check(an, &units[i], units[i].a, &out); /* freed with the arenas below */
        diag_free(&out);
        analyze_free(an);
    }
    for (int i = 0; i < n; i++)
        arena_free(arenas[i]);
    return 0;
}
