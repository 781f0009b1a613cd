/*
 * pool.c - the parallel for-loop of pool.h on POSIX threads.  The only
 * shared mutable state is the index counter, an atomic; everything else a
 * worker touches is its own or read-only.
 */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "arena.h"

typedef struct Loop {
    atomic_size_t next; /* the next index nobody has taken */
    size_t n;           /* indexes to run */
    PoolFn fn;
    void *arg;
} Loop;

typedef struct Worker {
    Loop *loop;
    int id; /* the worker number passed to fn */
} Worker;

int pool_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

static void drain(Loop *l, int id)
{
    for (;;) {
        size_t i = atomic_fetch_add(&l->next, 1);
        if (i >= l->n)
            return;
        l->fn(l->arg, i, id);
    }
}

static void *worker_main(void *p)
{
    Worker *w = p;
    drain(w->loop, w->id);
    return NULL;
}

void pool_for(int njobs, size_t n, PoolFn fn, void *arg)
{
    if (n == 0)
        return;
    if (njobs < 1)
        njobs = 1;
    if ((size_t)njobs > n)
        njobs = (int)n;
    Loop loop = {.n = n, .fn = fn, .arg = arg};
    atomic_init(&loop.next, 0);
    pthread_t *threads = xcalloc((size_t)njobs, sizeof *threads);
    Worker *workers = xcalloc((size_t)njobs, sizeof *workers);
    char *started = xcalloc((size_t)njobs, 1);

    pthread_attr_t attr;
    int have_attr = pthread_attr_init(&attr) == 0;
    if (have_attr)
        pthread_attr_setstacksize(&attr, POOL_STACK_SIZE);
    int spare = -1; /* a worker id no thread got: the caller takes it */
    for (int k = 0; k < njobs; k++) {
        workers[k] = (Worker){&loop, k};
        started[k] = pthread_create(&threads[k], have_attr ? &attr : NULL,
                                    worker_main, &workers[k]) == 0;
        if (!started[k] && spare < 0)
            spare = k;
    }
    if (have_attr)
        pthread_attr_destroy(&attr);
    if (spare >= 0)
        drain(&loop, spare);
    for (int k = 0; k < njobs; k++)
        if (started[k])
            pthread_join(threads[k], NULL);
    free(started);
    free(workers);
    free(threads);
}
