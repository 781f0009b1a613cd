/*
 * lsp_doc.h - what the language server (lsp.c) knows of a text: the
 * editor's buffers and their edits, positions in the client's encoding,
 * and file URIs.
 *
 * The Language Server Protocol counts a position's character in UTF-16
 * code units unless client and server agree on UTF-8 or UTF-32; the
 * reports count code points (report.h).  Every conversion here goes
 * through the line's bytes, so a position past the end of a line or of the
 * text is clamped to it, never read beyond.  Pure functions on the caller's
 * memory: thread-safe.
 */
#ifndef SL_LSP_DOC_H
#define SL_LSP_DOC_H

#include <stddef.h>

#include "arena.h"

typedef enum LspEncoding { LSP_UTF16, LSP_UTF8, LSP_UTF32 } LspEncoding;

/* "utf-16", "utf-8", "utf-32". */
const char *lsp_encoding_name(LspEncoding enc);

/* A text and where its lines start (both on the heap; lsp_text_free). */
typedef struct LspText {
    char *p;         /* the bytes, NUL-terminated (they may hold NULs too) */
    size_t len;
    size_t *lines;   /* byte offset of each line's start; a line ends at \n, \r\n or \r */
    int nlines;      /* at least 1 */
} LspText;

/* Takes a copy of s[0, n). */
void lsp_text_set(LspText *t, const char *s, size_t n);
void lsp_text_free(LspText *t);

/* The byte offset of (line, character), 0-based, counted in enc; clamped
 * to the end of the line, and of the text. */
size_t lsp_text_offset(const LspText *t, long line, long character, LspEncoding enc);

/*
 * Replaces the bytes between (l0, c0) and (l1, c1) (positions in enc, as a
 * didChange range gives them; reversed ends are swapped) with s[0, n).
 */
void lsp_text_edit(LspText *t, long l0, long c0, long l1, long c1, LspEncoding enc,
                   const char *s, size_t n);

/* The 0-based line and character (in enc) of byte offset off. */
void lsp_text_position(const LspText *t, size_t off, LspEncoding enc, long *line,
                       long *character);

/* The character (in enc) of the 1-based code-point column cp on the
 * 1-based line of t: the reports' columns in the client's units. */
long lsp_text_character(const LspText *t, int line, int cp, LspEncoding enc);

/*
 * The file path of a file: URI (percent-decoded), in a; NULL for any other
 * scheme or a malformed one.
 */
char *lsp_uri_path(Arena *a, const char *uri);

/* The file: URI of an absolute path, percent-encoded as VS Code does, in a. */
char *lsp_path_uri(Arena *a, const char *path);

#endif
