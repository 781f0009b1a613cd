/*
 * test_arena.c - the arena: alignment, zeroing, big blocks, reset, and the
 * growable array macro.
 */
#include <stdint.h>
#include <stdlib.h>

#include "arena.h"
#include "unit.h"

static void test_alloc(void)
{
    Arena *a = arena_new();
    char *p = arena_alloc(a, 3);
    CHECK(p != NULL);
    CHECK(((uintptr_t)p % sizeof(void *)) == 0);
    CHECK(p[0] == 0 && p[1] == 0 && p[2] == 0);
    char *q = arena_alloc(a, 1);
    CHECK(((uintptr_t)q % sizeof(void *)) == 0);
    CHECK(q != p);
    /* A request larger than a block gets a block of its own, zeroed. */
    unsigned char *big = arena_alloc(a, 1 << 20);
    size_t zeros = 0;
    for (size_t i = 0; i < (1 << 20); i++)
        zeros += big[i] == 0;
    CHECK_INT(zeros, 1 << 20);
    big[(1 << 20) - 1] = 7; /* ASan catches an undersized block */
    CHECK(arena_used(a) >= (1 << 20) + 4);
    arena_free(a);
}

static void test_many_small(void)
{
    Arena *a = arena_new();
    int **ptrs = xmalloc(100000 * sizeof *ptrs);
    for (int i = 0; i < 100000; i++) {
        ptrs[i] = arena_alloc(a, sizeof(int));
        *ptrs[i] = i;
    }
    int ok = 1;
    for (int i = 0; i < 100000; i++)
        ok &= *ptrs[i] == i;
    CHECK(ok);
    free(ptrs);
    arena_reset(a);
    CHECK_INT(arena_used(a), 0);
    char *s = arena_strndup(a, "session", 4);
    CHECK_STR(s, "sess");
    arena_free(a);
}

static void test_vec(void)
{
    VEC(int) v = {0};
    for (int i = 0; i < 1000; i++)
        VEC_PUSH(&v, i * 2);
    CHECK_INT(v.n, 1000);
    CHECK_INT(v.items[999], 1998);
    VEC_FREE(&v);
    CHECK(v.items == NULL && v.n == 0);
}

int main(void)
{
    test_alloc();
    test_many_small();
    test_vec();
    arena_free(NULL);
    return unit_report();
}
