/*
 * baseline.h - adopting sessionlint on a codebase with old findings: a
 * baseline file records the findings of one run (--write-baseline FILE), and
 * a later run given it (--baseline FILE) reports only the findings that are
 * not in it.
 *
 * The file is JSON:
 *
 *     {"version": 1, "findings": [
 *       {"code": "SL103", "path": "app/items.py", "fingerprint": "5e0c...",
 *        "message": "..."}
 *     ]}
 *
 * A finding matches an entry with the same code, path and fingerprint
 * (report_fingerprints: the flagged line's text, not its number, so moving
 * code around does not bring old findings back).  Matching is by multiset:
 * two identical entries excuse two identical findings, not three.  The
 * message is there for people reading the file; matching ignores it, as it
 * ignores keys it does not know.  Paths are as reports print them, relative
 * to the working directory: run from the same folder each time.
 */
#ifndef SL_BASELINE_H
#define SL_BASELINE_H

#include <stddef.h>
#include <stdio.h>

#include "report.h"

typedef struct Baseline Baseline;

/* Writes r's findings as a baseline (their fingerprints must be filled). */
void baseline_write(FILE *out, const Report *r);

/*
 * Reads the baseline file at path.  Returns it, or NULL with a message in
 * err ("FILE:LINE:COL: what is wrong", or the system's reason when the file
 * cannot be read).  Free it with baseline_free.
 */
Baseline *baseline_read(const char *path, char *err, size_t errlen);

/*
 * Removes from r the findings that b holds, each entry excusing at most one
 * finding, and recounts r->counts.  Returns how many were removed.  Marks
 * the entries it used, so call it once per baseline.
 */
size_t baseline_apply(Baseline *b, Report *r);

void baseline_free(Baseline *b);

#endif
