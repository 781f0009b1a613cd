/*
 * arena.h - bump allocator and typed growable arrays.
 *
 * One arena per source file owns everything derived from that file (tokens,
 * AST, messages) and is freed in one call after reporting.  Allocation never
 * fails: running out of memory aborts with a message (a command-line tool).
 * An arena is not thread-safe; each worker uses its own.
 */
#ifndef SL_ARENA_H
#define SL_ARENA_H

#include <stddef.h>
#include <string.h>

typedef struct Arena Arena;

/* A fresh, empty arena.  Free it with arena_free. */
Arena *arena_new(void);
/* Frees the arena and every block allocated from it. */
void arena_free(Arena *a);
/* Forgets every allocation but keeps the first block for reuse. */
void arena_reset(Arena *a);
/* n zeroed bytes, aligned for any object; valid until the arena is freed. */
void *arena_alloc(Arena *a, size_t n);
/* n bytes that the caller fills before reading; a big request is only
 * reserved (mapped lazily), so it costs the pages actually written. */
void *arena_alloc_raw(Arena *a, size_t n);
/* A NUL-terminated copy of s[0..n) in the arena. */
char *arena_strndup(Arena *a, const char *s, size_t n);
/* printf into the arena: a NUL-terminated string valid as long as a. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
const char *arena_printf(Arena *a, const char *fmt, ...);
/* Gives the pages of the newest block that nothing was handed out of back
 * to the system; the arena stays usable (they come back zeroed when
 * allocated from).  For an arena that is done growing but lives on: a
 * project keeps its files' arenas until its last check, and a file's last
 * block is half empty on average, often a reused one whose pages were all
 * touched before. */
void arena_trim(Arena *a);
/* Bytes handed out so far (for --stats and the memory benchmark). */
size_t arena_used(const Arena *a);

/* Out-of-memory for allocations made outside arenas: prints and aborts. */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
void *xcalloc(size_t n, size_t size);

/*
 * A typed growable array on the heap (realloc), for scratch buffers that are
 * copied into an arena once their size is known:
 *     VEC(Node *) v = {0};  VEC_PUSH(&v, x);  ...  VEC_FREE(&v);
 */
#define VEC(T)                                                                 \
    struct {                                                                   \
        T *items;                                                              \
        size_t n, cap;                                                         \
    }
#define VEC_PUSH(v, x)                                                         \
    do {                                                                       \
        if ((v)->n == (v)->cap) {                                              \
            (v)->cap = (v)->cap ? 2 * (v)->cap : 8;                            \
            (v)->items = xrealloc((v)->items, (v)->cap * sizeof *(v)->items);  \
        }                                                                      \
        (v)->items[(v)->n++] = (x);                                            \
    } while (0)
#define VEC_FREE(v) (free((v)->items), (v)->items = NULL, (v)->n = (v)->cap = 0)

/*
 * The head of every Arena: where the next allocation goes in its newest
 * block.  Public only for arena_alloc_fast, which the parser calls once
 * per AST node.
 */
#define ARENA_ALIGN 8 /* enough for every object we allocate; 16 would pad small nodes */
typedef struct ArenaHead {
    unsigned char *cur, *end; /* free room of the newest block, zeroed */
} ArenaHead;

/* arena_alloc, inline when the newest block has zeroed room (arena.c
 * zeroes it ahead of need). */
static inline void *arena_alloc_fast(Arena *a, size_t n)
{
    ArenaHead *h = (ArenaHead *)(void *)a; /* head is Arena's first member */
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if ((size_t)(h->end - h->cur) < n)
        return arena_alloc(a, n);
    unsigned char *p = h->cur;
    h->cur += n;
    return p;
}

#endif
