/*
 * fuzz_parse.c - libFuzzer target for the front end: bytes -> source
 * (decoding) -> tokens -> AST -> canonical dump, then the file's arena is
 * freed, as the driver does for every file.  Any crash, hang, sanitizer
 * report or leak is a bug.
 *
 * Built two ways by tests/fuzz/build.sh: with clang -fsanitize=fuzzer for
 * fuzzing (`make fuzz`), and with tests/fuzz/replay.c as its main() for
 * replaying the saved corpus under ASan/UBSan in `make check`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "lex.h"
#include "parse.h"
#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where the dump goes: written, never read.  Opened once per process. */
static FILE *sink(void)
{
    static FILE *f;
    if (!f)
        f = fopen("/dev/null", "w");
    return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Arena *a = arena_new();
    Source src;
    SourceError err;
    if (source_from_bytes(a, "<fuzz>", (const char *)data, size, &src, &err) == SRC_OK) {
        Lexed lx;
        FindingList errs = {0};
        ParseResult r = parse_module(a, &src, &lx, &errs);
        if (r.nerrors == 0 && sink())
            ast_dump(sink(), r.module);
        diag_free(&errs);
    }
    arena_free(a);
    return 0;
}
