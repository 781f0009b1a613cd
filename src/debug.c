/*
 * debug.c - `sessionlint debug tokens` and `debug ast`.  Each file gets its
 * own arena, freed before the next, so a list of thousands of files runs in
 * the memory of the largest.
 */
#include "debug.h"

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "lex.h"
#include "parse.h"
#include "source.h"

/* Token text in single quotes, escaped like a Python str repr. */
static void put_text(FILE *out, const char *s, size_t n)
{
    fputc('\'', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == '\'')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c == '\r')
            fputs("\\r", out);
        else if (c == '\t')
            fputs("\\t", out);
        else if (c < 0x20 || c == 0x7F)
            fprintf(out, "\\x%02x", c);
        else
            fputc(c, out);
    }
    fputc('\'', out);
}

int debug_tokens(FILE *out, const char *path)
{
    Arena *a = arena_new();
    Source src;
    SourceError err = {0};
    int status = 0;
    SourceStatus st = source_load(a, path, &src, &err);
    if (st == SRC_IO_ERROR) {
        fprintf(stderr, "sessionlint: %s: %s\n", path, err.msg);
        status = 2;
    } else if (st == SRC_DECODE_ERROR) {
        fprintf(out, "error: line %d: %s\n", err.line, err.msg);
        status = 1;
    } else {
        Lexed lx;
        lex_source(a, &src, &lx);
        for (int i = 0; i < lx.ntoks; i++) {
            const Token *t = &lx.toks[i];
            int eline, ecol;
            lex_end(&src, t, &eline, &ecol);
            fprintf(out, "%d:%d-%d:%d %s ", t->line, lex_col(&src, t), eline, ecol,
                    lex_kind_name(t->kind));
            put_text(out, src.text + t->off, t->len);
            if (t->kind == TOK_ERRORTOKEN && lex_error_message(&lx, t))
                fprintf(out, " (%s)", lex_error_message(&lx, t));
            fputc('\n', out);
        }
    }
    arena_free(a);
    return status;
}

/* The dump of one file after its header; 2 if it cannot be read. */
static int ast_one(FILE *out, const char *path)
{
    Arena *a = arena_new();
    Source src;
    SourceError err = {0};
    int status = 0;
    SourceStatus st = source_load(a, path, &src, &err);
    if (st == SRC_IO_ERROR) {
        fprintf(stderr, "sessionlint: %s: %s\n", path, err.msg);
        status = 2;
    } else if (st == SRC_DECODE_ERROR) {
        fprintf(out, "error: line %d\n", err.line);
    } else {
        Lexed lx;
        FindingList errs = {0};
        lex_source(a, &src, &lx);
        ParseResult r = parse_module(a, &src, &lx, &errs);
        if (r.nerrors)
            fprintf(out, "error: line %d\n", r.error_line);
        else
            ast_dump(out, r.module);
        diag_free(&errs);
    }
    arena_free(a);
    return status;
}

int debug_ast(FILE *out, const char *const *paths, size_t n)
{
    int status = 0;
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "# %s\n", paths[i]);
        if (ast_one(out, paths[i]))
            status = 2;
    }
    return status;
}
