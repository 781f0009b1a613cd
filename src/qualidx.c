/*
 * qualidx.c - constant tables of library names looked up by name
 * (qualidx.h): open addressing over FNV-1a, built under a lock once.
 */
#include "qualidx.h"

#include "arena.h"

#include <pthread.h>
#include <string.h>

static pthread_mutex_t build_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t hash(const char *s)
{
    size_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

static const char *row_name(const QualIndex *x, size_t i)
{
    return *(const char *const *)((const char *)x->rows + i * x->stride);
}

/* The slots, once: a table lives as long as the program. */
static void build(QualIndex *x)
{
    pthread_mutex_lock(&build_lock);
    if (!__atomic_load_n(&x->ready, __ATOMIC_ACQUIRE)) {
        size_t cap = 16;
        while (cap < 2 * x->n)
            cap *= 2;
        short *slot = xcalloc(cap, sizeof *slot);
        for (size_t i = 0; i < x->n; i++) {
            const char *name = row_name(x, i);
            size_t j = hash(name) & (cap - 1);
            while (slot[j] && strcmp(row_name(x, (size_t)slot[j] - 1), name) != 0)
                j = (j + 1) & (cap - 1);
            if (!slot[j]) /* a name's first row wins */
                slot[j] = (short)(i + 1);
        }
        x->slot = slot;
        x->cap = cap;
        __atomic_store_n(&x->ready, 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&build_lock);
}

int qualidx_find(QualIndex *x, const char *q)
{
    if (!q)
        return -1;
    if (!__atomic_load_n(&x->ready, __ATOMIC_ACQUIRE))
        build(x);
    for (size_t j = hash(q) & (x->cap - 1); x->slot[j]; j = (j + 1) & (x->cap - 1)) {
        size_t i = (size_t)x->slot[j] - 1;
        if (!strcmp(row_name(x, i), q))
            return (int)i;
    }
    return -1;
}
