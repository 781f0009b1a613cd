/*
 * lsp_json.h - the JSON of the language server's messages (lsp.c): a
 * reader into a tree in an arena, and a writer into a growable buffer.
 *
 * Only what JSON-RPC needs, and no more trusting than a parser facing its
 * client must be: the input is bytes of a given length (no NUL needed),
 * nesting is bounded by LSP_JSON_MAX_DEPTH, and every malformed input is a
 * NULL tree with a message, never a crash.  Strings are decoded to UTF-8
 * (\uXXXX escapes and surrogate pairs included; a lone surrogate becomes
 * U+FFFD).  Numbers keep their text, so that a request id echoes as sent.
 * (src/toml.c reads configuration; this is the only JSON reader.)
 */
#ifndef SL_LSP_JSON_H
#define SL_LSP_JSON_H

#include <stddef.h>

#include "arena.h"

#define LSP_JSON_MAX_DEPTH 64 /* arrays and objects nested deeper are an error */

typedef enum LspJsonKind {
    LSP_JSON_NULL,
    LSP_JSON_FALSE,
    LSP_JSON_TRUE,
    LSP_JSON_NUMBER,
    LSP_JSON_STRING,
    LSP_JSON_ARRAY,
    LSP_JSON_OBJECT,
} LspJsonKind;

typedef struct LspJson LspJson;
struct LspJson {
    LspJsonKind kind;
    const char *s;    /* STRING: decoded UTF-8; NUMBER: the literal as written; NUL-ended */
    size_t len;       /* bytes of s */
    double num;       /* NUMBER: its value */
    LspJson **items;  /* ARRAY, OBJECT: n values in order */
    const char **keys; /* OBJECT: the key of each value (decoded, NUL-ended) */
    int n;
};

/*
 * Parses text[0, len) as one JSON value, allocating from a.  Returns NULL
 * with a reason in err (errsize bytes) if it is not exactly one value,
 * surrounded by whitespace at most.  Thread-safe.
 */
LspJson *lsp_json_parse(Arena *a, const char *text, size_t len, char *err, size_t errsize);

/* The value of key in obj (the last one when repeated), or NULL when obj is
 * NULL, not an object, or has no such key. */
const LspJson *lsp_json_get(const LspJson *obj, const char *key);
/* obj's key, followed through a path of keys: lsp_json_path(v, "a", "b", NULL). */
const LspJson *lsp_json_path(const LspJson *obj, ...);
/* The string, or NULL when v is not one. */
const char *lsp_json_str(const LspJson *v);
/* The integer v holds into *out; 0 when v is not an integral number. */
int lsp_json_int(const LspJson *v, long *out);
/* Is v true (the JSON literal)? */
int lsp_json_true(const LspJson *v);

/* A growable byte buffer for writing messages. */
typedef struct LspBuf {
    char *p;    /* heap, NUL-terminated */
    size_t n, cap;
} LspBuf;

void lsp_buf_put(LspBuf *b, const char *s, size_t n);
void lsp_buf_puts(LspBuf *b, const char *s);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void lsp_buf_printf(LspBuf *b, const char *fmt, ...);
/* s as a JSON string literal (quotes included); invalid UTF-8 becomes U+FFFD. */
void lsp_buf_str(LspBuf *b, const char *s);
/* The same for n bytes of s, which may hold NUL bytes. */
void lsp_buf_strn(LspBuf *b, const char *s, size_t n);
/* v written back as JSON (an id, params echoed). */
void lsp_buf_json(LspBuf *b, const LspJson *v);
void lsp_buf_free(LspBuf *b);

#endif
