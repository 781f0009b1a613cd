/*
 * replay.c - a main() for fuzz targets without libFuzzer: runs
 * LLVMFuzzerTestOneInput once on each file named on the command line (or
 * listed, one path a line, in the file after --list).  Built with ASan and
 * UBSan by tests/fuzz/replay.sh, so `make check` replays the saved corpus
 * with any compiler.  Prints `ok PATH` after each input, so a crash names
 * the input that caused it, then the closing `N passed, N failed` line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The whole file in a heap buffer of exactly its size (so ASan sees reads
 * past the end), or NULL. */
static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            uint8_t *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    fclose(f);
    if (!buf)
        return NULL;
    uint8_t *exact = malloc(len ? len : 1);
    if (exact)
        memcpy(exact, buf, len);
    free(buf);
    *n = len;
    return exact;
}

static int run_one(const char *path)
{
    size_t n = 0;
    uint8_t *data = slurp(path, &n);
    if (!data) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        return 0;
    }
    LLVMFuzzerTestOneInput(data, n);
    free(data);
    printf("ok %s\n", path);
    fflush(stdout);
    return 1;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0 && i + 1 < argc) {
            FILE *l = fopen(argv[++i], "r");
            char line[4096];
            if (!l) {
                fprintf(stderr, "replay: cannot read %s\n", argv[i]);
                failed++;
                continue;
            }
            while (fgets(line, sizeof line, l)) {
                line[strcspn(line, "\n")] = 0;
                if (*line)
                    run_one(line) ? passed++ : failed++;
            }
            fclose(l);
        } else {
            run_one(argv[i]) ? passed++ : failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
