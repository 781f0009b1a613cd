/*
 * fuzz_lex.c - libFuzzer target for source.c and lex.c: any bytes must
 * decode or fail cleanly, and the tokens of whatever decodes must end in
 * ENDMARKER, come in source order (error tokens aside), and carry lines and
 * columns that agree with their byte offsets.  The lexer also runs on the
 * raw bytes (NULs and carriage returns included) and must not crash.
 * Build: clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
 *        -fsanitize=fuzzer,address,undefined -Isrc tests/fuzz/fuzz_lex.c \
 *        src/lex.c src/source.c src/arena.c src/uni.c -o build/fuzz_lex
 * Run:   build/fuzz_lex tests/fuzz/corpus
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Does (line, col) name byte off of s? */
static int at(const Source *s, int line, int col, size_t off)
{
    if (line == s->nlines + 1)
        return off == s->len && col == 0;
    return line >= 1 && line <= s->nlines && s->lines[line - 1] + (size_t)col == off;
}

static void check(const Source *s, const Lexed *lx)
{
    if (lx->ntoks < 1 || lx->toks[lx->ntoks - 1].kind != TOK_ENDMARKER)
        abort();
    uint32_t last = 0;
    for (int i = 0; i < lx->ntoks; i++) {
        const Token *t = &lx->toks[i];
        if (t->kind == TOK_ERRORTOKEN || t->kind == TOK_NEWLINE || t->kind == TOK_DEDENT ||
            t->kind == TOK_ENDMARKER)
            continue;
        int tcol = lex_col(s, t), tel, tec;
        lex_end(s, t, &tel, &tec);
        if (t->off < last || !at(s, t->line, tcol, t->off) || !at(s, tel, tec, t->off + t->len))
            abort();
        last = t->off;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Arena *a = arena_new();
    Source s;
    SourceError e;
    Lexed lx;
    if (source_from_bytes(a, "fuzz.py", (const char *)data, size, &s, &e) == SRC_OK) {
        lex_source(a, &s, &lx);
        check(&s, &lx);
    }
    char *raw = arena_alloc(a, size + 1);
    memcpy(raw, data, size);
    Source r = {0};
    r.text = raw;
    r.len = size;
    lex_source(a, &r, &lx);
    if (lx.toks[lx.ntoks - 1].kind != TOK_ENDMARKER)
        abort();
    arena_free(a);
    return 0;
}
