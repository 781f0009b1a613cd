/*
 * json.h - a small strict JSON reader (RFC 8259: no comments, no trailing
 * commas) for the JSON files sessionlint reads: baselines (baseline.c) and
 * Pipfile.lock (project.c).
 *
 * There is no tree: the caller walks the document as it is read, asking
 * for the value it expects next (json_string, json_number), handing each
 * member of an object to a callback (json_members), and skipping what it
 * does not need (json_value).  So a reader keeps only what it wants, and a
 * large file costs no more memory than its own text and the strings kept.
 * The first error is recorded as "PATH:LINE:COL: what" and every later
 * call fails; nesting deeper than JSON_MAX_DEPTH in skipped values is an
 * error, never a stack overflow (callers that descend on their own do so
 * to a depth their code fixes).
 */
#ifndef SL_JSON_H
#define SL_JSON_H

#include <stddef.h>

#include "arena.h"

#define JSON_MAX_DEPTH 64 /* nested arrays and objects in a skipped value */

/* A document being read.  The caller may read p (to remember where a value
 * starts) and set it back to such a place, so that an error points there. */
typedef struct JsonReader {
    const char *path;           /* for messages */
    const char *text, *p, *end; /* the document, the position, its end */
    Arena *a;                   /* decoded strings */
    int depth;                  /* nesting of the value being skipped */
    char *err;                  /* the first error, "" while there is none */
    size_t errlen;              /* bytes at err */
} JsonReader;

/* Starts reading text[0..n) named path; strings go to a, the first error to
 * err[0..errlen) (which must hold at least one byte).  Thread-safe per
 * reader. */
void json_open(JsonReader *r, Arena *a, const char *path, const char *text, size_t n, char *err,
               size_t errlen);

/* Records an error at the current position unless one is recorded; 0. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int json_fail(JsonReader *r, const char *fmt, ...);

/* Skips white space; the next byte, or -1 at the end. */
int json_peek(JsonReader *r);
/* Consumes c after white space: 1, or 0 (no error recorded) if absent. */
int json_accept(JsonReader *r, char c);
/* The same, an error when c is absent. */
int json_expect(JsonReader *r, char c);
/* 1 when only white space is left. */
int json_at_end(JsonReader *r);

/* A string, decoded to UTF-8 and NUL-terminated in the arena, in *out. */
int json_string(JsonReader *r, const char **out);
/* A number; *is_int says whether it is an integer, and then *out holds it. */
int json_number(JsonReader *r, long *out, int *is_int);
/* Any value, read and dropped. */
int json_value(JsonReader *r);

/*
 * The members of an object whose '{' was just consumed, up to its '}':
 * member(r, key, ctx) reads each value (and returns 0 to stop with an
 * error); member == NULL skips them.
 */
int json_members(JsonReader *r, int (*member)(JsonReader *r, const char *key, void *ctx),
                 void *ctx);

#endif
