/*
 * qualidx.h - constant tables of library names looked up by name.
 *
 * The model's tables (model.c, value.c) are arrays of structs whose first
 * member is the name ("sqlalchemy.orm.Session"); the analysis asks them
 * millions of times per run.  A QualIndex hashes such an array once, on
 * its first use from whichever thread, and answers with the first row of
 * that name, as a scan from the top would.
 */
#ifndef SL_QUALIDX_H
#define SL_QUALIDX_H

#include <stddef.h>

typedef struct QualIndex {
    const void *rows;   /* the table: n rows of size stride, each opening with a const char * */
    size_t n, stride;
    short *slot;        /* row + 1 per slot, 0 empty; cap slots (built on first use) */
    size_t cap;
    volatile int ready; /* the slots are built (read with an acquire) */
} QualIndex;

#define QUALIDX(table) {(table), sizeof(table) / sizeof *(table), sizeof *(table), NULL, 0, 0}

/* The index of the first row named q, or -1 (q NULL: -1). */
int qualidx_find(QualIndex *x, const char *q);

#endif
