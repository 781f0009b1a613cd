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
    const char *text;  /* decoded UTF-8 without the BOM, NUL-terminated;
                          NULL while dropped (source_drop_text) */
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

/*
 * A caller that keeps a file's tree long but reads its text only now and
 * then (a project keeps every file's tree until its last check, and reads
 * a file's text only to parse it and in its own check) keeps the text
 * apart.  source_open is source_load (bytes NULL) or source_from_bytes
 * (bytes[0..n)) with the text and the raw bytes in ta and the rest, the
 * line table above all, in a; source_drop_text forgets them before the
 * caller frees ta, and source_reload reads and decodes them again into a
 * new ta, from the same path or the same bytes.  A file that no longer
 * decodes, or decodes to another length, is an error (SRC_IO_ERROR or
 * SRC_DECODE_ERROR, err says which) and s keeps no text: its tree's
 * positions could lie past the end of the new text.  The length is all
 * that is checked: a file edited during a run is analyzed as it was and
 * quoted as it is, as any reader of a changing file would.
 */
SourceStatus source_open(Arena *a, Arena *ta, const char *path, const char *bytes, size_t n,
                         Source *out, SourceError *err);
void source_drop_text(Source *s);
SourceStatus source_reload(Arena *ta, Source *s, const char *bytes, size_t n, SourceError *err);

/* 1-based code-point column of the byte column col (0-based) on line. */
int source_column(const Source *s, int line, int col);

/* The text of line (1-based) and its length without the line end. */
const char *source_line(const Source *s, int line, size_t *len);

#endif
