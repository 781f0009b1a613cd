/*
 * arena.c - bump allocator.  Blocks are chained; a request larger than the
 * default block gets a block of its own, so big token arrays do not waste
 * the rest of a normal block.
 */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#define BLOCK_SIZE (64 * 1024)
#define ALIGN ARENA_ALIGN /* 8: enough for every object we allocate; 16 would pad small nodes */

typedef struct Block {
    struct Block *next; /* older block */
    size_t size;        /* usable bytes in data */
    size_t used;        /* bytes handed out */
    _Alignas(ALIGN) unsigned char data[];
} Block;

/*
 * The free room of the newest block is zeroed ahead of need, ZERO_AHEAD
 * bytes at a time: room.cur..room.end is zeroed, room.end..limit not yet.
 * So a small allocation (an AST node, most of them) is a pointer bump, not
 * a bump and a memset call, and a small file still touches only about the
 * memory it uses.
 */
#define ZERO_AHEAD 1024

struct Arena {
    ArenaHead room; /* the zeroed free room of head (first: arena_alloc_fast reads it) */
    Block *head;    /* newest block, where allocation happens; its used is
                       stale, room.cur says how much of it is handed out */
    unsigned char *limit; /* the end of head's data: room.end..limit is not zeroed */
};

/* Makes b the block allocations come from; none of its room is zeroed. */
static void use_block(Arena *a, Block *b)
{
    a->head = b;
    a->room.cur = a->room.end = b->data + b->used;
    a->limit = b->data + b->size;
}

static void oom(size_t n)
{
    fprintf(stderr, "sessionlint: out of memory (%zu bytes)\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

/*
 * Blocks of MAP_MIN bytes and more are mapped directly: the kernel hands out
 * zeroed pages on first touch, so a generous reservation (the token array of
 * a big file) costs only what is used, whatever malloc's thresholds are.
 */
#define MAP_MIN (1024 * 1024)

/*
 * Freed default-size blocks wait here for the next arena, whichever thread
 * makes it: a run frees and makes a tree's file arenas by the thousand, and
 * each fresh page costs a fault (a third of the run's time on the corpus
 * before this cache).  At most CACHE_BLOCKS wait; the rest go back to
 * malloc, so what a large project freed can still be trimmed.
 */
#define CACHE_BLOCKS 1024 /* 64 MB */

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static Block *cache;
static int ncache;

static Block *cache_take(void)
{
    pthread_mutex_lock(&cache_lock);
    Block *b = cache;
    if (b) {
        cache = b->next;
        ncache--;
    }
    pthread_mutex_unlock(&cache_lock);
    return b;
}

static int cache_give(Block *b)
{
    pthread_mutex_lock(&cache_lock);
    int kept = ncache < CACHE_BLOCKS;
    if (kept) {
        b->next = cache;
        cache = b;
        ncache++;
    }
    pthread_mutex_unlock(&cache_lock);
    return kept;
}

static Block *block_new(size_t size, Block *next)
{
    /* Small blocks are not zeroed here: alloc zeroes them as they fill,
     * so a small file touches only about the memory it uses.  Mapped
     * blocks come zeroed from the kernel. */
    Block *b = size == BLOCK_SIZE ? cache_take() : NULL;
    if (b) {
        /* reused as it is: a default block is never handed out zeroed */
    } else if (sizeof(Block) + size >= MAP_MIN) {
        b = mmap(NULL, sizeof(Block) + size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
        if (b == MAP_FAILED)
            oom(size);
    } else {
        b = xmalloc(sizeof(Block) + size);
    }
    b->next = next;
    b->size = size;
    b->used = 0;
    return b;
}

static void block_free(Block *b)
{
    if (sizeof(Block) + b->size >= MAP_MIN)
        munmap(b, sizeof(Block) + b->size);
    else if (b->size != BLOCK_SIZE || !cache_give(b))
        free(b);
}

Arena *arena_new(void)
{
    Arena *a = xcalloc(1, sizeof *a);
    use_block(a, block_new(BLOCK_SIZE, NULL));
    return a;
}

void arena_free(Arena *a)
{
    if (!a)
        return;
    for (Block *b = a->head, *next; b; b = next) {
        next = b->next;
        block_free(b);
    }
    free(a);
}

void arena_reset(Arena *a)
{
    /* Keep one default-size block: the common case reuses it at no cost. */
    Block *keep = NULL;
    for (Block *b = a->head, *next; b; b = next) {
        next = b->next;
        if (!keep && b->size == BLOCK_SIZE)
            keep = b;
        else
            block_free(b);
    }
    if (!keep)
        keep = block_new(BLOCK_SIZE, NULL);
    keep->next = NULL;
    keep->used = 0;
    use_block(a, keep);
}

/* n bytes, aligned; zeroed if zero is set.  A request of a quarter block
 * or more gets a block of its own behind the current one. */
static void *alloc(Arena *a, size_t n, int zero)
{
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if ((size_t)(a->room.end - a->room.cur) >= n) { /* zeroed already */
        void *p = a->room.cur;
        a->room.cur += n;
        return p;
    }
    if ((size_t)(a->limit - a->room.cur) < n) {
        Block *b = a->head;
        if (n > BLOCK_SIZE / 4) {
            Block *big = block_new(n, b->next);
            b->next = big;
            big->used = n;
            if (zero && sizeof(Block) + n < MAP_MIN)
                memset(big->data, 0, n);
            return big->data;
        }
        b->used = (size_t)(a->room.cur - b->data);
        use_block(a, block_new(BLOCK_SIZE, b));
    }
    unsigned char *p = a->room.cur;
    a->room.cur += n; /* past room.end, or the first test would have taken it */
    if (zero) { /* zero what this takes past room.end, and some ahead */
        size_t ahead = (size_t)(a->limit - a->room.cur);
        unsigned char *to = a->room.cur + (ahead < ZERO_AHEAD ? ahead : ZERO_AHEAD);
        memset(a->room.end, 0, (size_t)(to - a->room.end));
        a->room.end = to;
    } else {
        a->room.end = a->room.cur; /* the caller fills it: nothing zeroed ahead */
    }
    return p;
}

void *arena_alloc(Arena *a, size_t n) { return alloc(a, n, 1); }

void *arena_alloc_raw(Arena *a, size_t n) { return alloc(a, n, 0); }

char *arena_strndup(Arena *a, const char *s, size_t n)
{
    char *p = arena_alloc_raw(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void arena_trim(Arena *a)
{
    /* Whole pages only, from the first one nothing was handed out of to
     * the block's end (never beyond it: malloc keeps its own words around
     * the block).  The pages stay mapped and read as zeros when touched
     * again, which is all alloc and a reused block need. */
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)a->room.cur + page - 1) & ~(page - 1);
    uintptr_t hi = (uintptr_t)a->limit & ~(page - 1);
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

size_t arena_used(const Arena *a)
{
    size_t n = (size_t)(a->room.cur - a->head->data);
    for (const Block *b = a->head->next; b; b = b->next)
        n += b->used;
    return n;
}

const char *arena_printf(Arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = arena_alloc_raw(a, (size_t)(n > 0 ? n : 0) + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
    va_end(ap);
    return s;
}
