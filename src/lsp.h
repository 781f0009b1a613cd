/*
 * lsp.h - `sessionlint server`: the Language Server Protocol 3.17 over
 * standard input and output (JSON-RPC 2.0 with Content-Length framing).
 *
 * The server analyzes its workspace as `sessionlint ROOT` would (the
 * configuration, the project's versions, every module for context), with
 * the editor's open buffers in place of the files on disk, and publishes
 * each file's findings as diagnostics.  docs/design.md, section 7, says how
 * it keeps an edit's answer fast (a cache of parsed files, the edited
 * module analyzed first, the whole workspace after) and what it offers:
 * quick fixes, `# noqa` comments, the rule's page, fix-all.
 */
#ifndef SL_LSP_H
#define SL_LSP_H

#include <stdio.h>

typedef struct LspOptions {
    int jobs; /* threads of an edit's analysis; < 1: one per processor */
} LspOptions;

/*
 * Serves the client on file descriptor in (its messages) and out (ours)
 * until the client's `exit` notification or the end of in.  Returns the exit
 * status the protocol asks for: 0 when `shutdown` came first, else 1.
 * Nothing else may write to out meanwhile.
 */
int lsp_serve(int in, FILE *out, const LspOptions *o);

#endif
