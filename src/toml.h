/*
 * toml.h - a reader for the TOML that configuration and lock files use
 * (pyproject.toml, sessionlint.toml, Pipfile, the lock files): tables, arrays
 * of tables, dotted, bare and quoted keys, basic and literal strings (one
 * line and multi-line, with every escape of TOML 1.0), integers (decimal
 * with `_`, hexadecimal, octal, binary), floats, booleans, arrays and inline
 * tables.  Dates and times are rejected with a clear error, as is anything
 * else it does not understand, with the line and column; duplicate keys and
 * redefined tables are errors as TOML says.  It never crashes on any input:
 * nesting deeper than TOML_MAX_DEPTH is an error, not a stack overflow.
 *
 * The tree lives in the arena given; it is read-only once parsed, so it
 * can be shared between threads.
 */
#ifndef SL_TOML_H
#define SL_TOML_H

#include <stddef.h>

#include "arena.h"

#define TOML_MAX_DEPTH 128 /* nested arrays and inline tables */

typedef enum TomlType {
    TOML_STRING,
    TOML_INT,
    TOML_FLOAT,
    TOML_BOOL,
    TOML_ARRAY,
    TOML_TABLE,
} TomlType;

typedef struct TomlValue TomlValue;

/* One key of a table and its value. */
typedef struct TomlKeyVal {
    const char *key; /* NUL-terminated (a "\u0000" in a quoted key ends it early) */
    size_t keylen;   /* its length in bytes */
    int line;        /* where the key was written (1-based); for a table made by a
                         [header], the header's line */
    TomlValue *val;
} TomlKeyVal;

struct TomlValue {
    TomlType type;
    int line, col;       /* where the value starts (1-based; col in characters) */
    unsigned char flags; /* the parser's: how a table or array was made */
    union {
        struct {
            const char *s; /* NUL-terminated; may hold NULs from "\u0000" */
            size_t len;
        } str;
        long long i; /* TOML_INT */
        double f;    /* TOML_FLOAT */
        int b;       /* TOML_BOOL: 0 or 1 */
        struct {
            TomlValue **items;
            int n, cap;
        } arr; /* TOML_ARRAY */
        struct {
            TomlKeyVal *kv; /* in the order the keys were first written */
            int n, cap;
        } tab; /* TOML_TABLE */
    } v;
};

/* Why a document was rejected. */
typedef struct TomlError {
    int line, col;   /* 1-based; col counts characters */
    const char *msg; /* "expected `=` after a key", in the arena */
} TomlError;

/*
 * Parses text[0..n) into a table, allocated in a.  Returns the root table,
 * or NULL with *err filled.  Thread-safe (everything lives in a).
 */
TomlValue *toml_parse(Arena *a, const char *text, size_t n, TomlError *err);

/* The value of key in table t, or NULL (also when t is NULL or not a
 * table). */
const TomlValue *toml_get(const TomlValue *t, const char *key);

/* The key-value entry of key in table t, or NULL (for its line). */
const TomlKeyVal *toml_entry(const TomlValue *t, const char *key);

/* A value's type in words, for messages: "a string", "an array"... */
const char *toml_type_name(TomlType t);

#endif
