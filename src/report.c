/*
 * report.c - what the outputs share beyond the Report itself: the
 * fingerprint that names a finding across edits, for SARIF's
 * partialFingerprints and for baselines (baseline.h).
 *
 * A fingerprint must not change when unrelated lines are inserted or
 * removed above the finding, so it hashes what the flagged line says, never
 * where it is: the code, the path, and the line's text without whitespace
 * (reindenting does not change it either).  The same line flagged with the
 * same code twice in a file (`db = SessionLocal()` in two functions) is told
 * apart by order: the occurrence index among identical ones.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define FNV_OFFSET 0xcbf29ce484222325ull /* 64-bit FNV-1a */
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv_byte(uint64_t h, unsigned char c) { return (h ^ c) * FNV_PRIME; }

/* Hashes s and a terminating 0, so that ("ab", "c") and ("a", "bc") differ. */
static uint64_t fnv_str(uint64_t h, const char *s)
{
    for (; s && *s; s++)
        h = fnv_byte(h, (unsigned char)*s);
    return fnv_byte(h, 0);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The hash of what identifies it, before the occurrence index. */
static uint64_t base_hash(const ReportItem *it)
{
    uint64_t h = fnv_str(FNV_OFFSET, it->code);
    h = fnv_str(h, it->path);
    for (const char *s = it->snippet; s && *s; s++)
        if (!is_space(*s))
            h = fnv_byte(h, (unsigned char)*s);
    return fnv_byte(h, 0);
}

void report_fingerprints(Arena *a, Report *r)
{
    uint64_t *base = xmalloc((r->n + 1) * sizeof *base);
    size_t first = 0; /* the first item of the current file */
    for (size_t i = 0; i < r->n; i++) {
        ReportItem *it = &r->items[i];
        if (i && strcmp(it->path, r->items[i - 1].path) != 0)
            first = i;
        base[i] = base_hash(it);
        unsigned long occurrence = 0;
        for (size_t j = first; j < i; j++)
            occurrence += base[j] == base[i];
        char num[32];
        snprintf(num, sizeof num, "%lu", occurrence);
        uint64_t h = base[i];
        for (int k = 0; k < 8; k++)
            h = fnv_byte(h, (unsigned char)(base[i] >> (8 * k)));
        h = fnv_str(h, num);
        it->fingerprint = arena_printf(a, "%016llx", (unsigned long long)h);
    }
    free(base);
}
