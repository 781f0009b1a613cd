/*
 * pool.h - a parallel for-loop over an index range: the per-file stages run
 * on it.  Threads take the next index from one atomic counter, so a slow
 * file never holds up a queue; which thread ran which index never shows in
 * the output, because callers write each result into the slot of its index.
 */
#ifndef SL_POOL_H
#define SL_POOL_H

#include <stddef.h>

/*
 * Called once per index i.  worker (0 <= worker < njobs) names the calling
 * thread: no two calls with the same worker run at the same time, so fn may
 * keep per-worker state (an arena) in a slot indexed by it.
 */
typedef void (*PoolFn)(void *arg, size_t i, int worker);

/* Processors online (at least 1): the default for --jobs. */
int pool_default_jobs(void);

/*
 * Calls fn(arg, i, worker) for every i in [0, n), each exactly once, on up
 * to njobs threads, and returns when all calls have returned.  Work always
 * runs on new threads with a large stack (POOL_STACK_SIZE), so the stack a
 * deep file gets does not depend on --jobs.  If threads cannot be created
 * the caller's thread does the work.  fn must be thread-safe for distinct i.
 */
void pool_for(int njobs, size_t n, PoolFn fn, void *arg);

#define POOL_STACK_SIZE ((size_t)32 << 20)

#endif
