/*
 * source.h - a source file as the rest of the pipeline sees it: its bytes
 * decoded to UTF-8 (PEP 263 coding declarations, a UTF-8 BOM), NUL-terminated,
 * and a line table for turning byte offsets into lines and columns.
 *
 * Positions follow CPython's convention: lines are 1-based, columns are
 * 0-based UTF-8 byte offsets within the decoded line.  Reports convert to
 * 1-based code-point columns with source_column.
 */
#ifndef SL_SOURCE_H
#define SL_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef struct Source {
    const char *path;  /* as given on the command line or found by the walk */
    const char *text;  /* decoded UTF-8 without the BOM, NUL-terminated */
    size_t len;        /* bytes in text, without the terminating NUL */
    uint32_t *lines;   /* byte offset in text where each line starts */
    int nlines;        /* entries in lines (a final line without \n counts) */
    int had_bom;       /* the raw bytes began with a UTF-8 BOM */
    const char *encoding; /* the declared coding, normalized, or "utf-8" */
    const char *raw;   /* the file's bytes after the BOM, as read (fixes edit these):
                          text itself when decoding changed nothing, else a copy */
    size_t rawlen;     /* bytes in raw */
} Source;

typedef enum SourceStatus {
    SRC_OK,
    SRC_IO_ERROR,     /* the file could not be read: err says why */
    SRC_DECODE_ERROR, /* bytes not valid in the declared or default coding */
} SourceStatus;

typedef struct SourceError {
    int line;         /* CPython's SyntaxError line for a decode error (may be 0) */
    char msg[256];    /* human-readable reason */
} SourceError;

/*
 * Reads path and decodes it into *out; all memory comes from a.  On
 * SRC_DECODE_ERROR, *out still holds path so the caller can report it.
 * Thread-safe (touches nothing shared).
 */
SourceStatus source_load(Arena *a, const char *path, Source *out, SourceError *err);

/* All the bytes of the file at path in a heap buffer (NUL-terminated, *n
 * bytes before the NUL) for the caller to free, or NULL with errno set. */
char *source_read(const char *path, size_t *n);

/* The same for bytes already in memory (standard input, fuzzing, tests). */
SourceStatus source_from_bytes(Arena *a, const char *path, const char *bytes,
                               size_t n, Source *out, SourceError *err);

/* 1-based code-point column of the byte column col (0-based) on line. */
int source_column(const Source *s, int line, int col);

/* The text of line (1-based) and its length without the line end. */
const char *source_line(const Source *s, int line, size_t *len);

#endif
