/*
 * ormcache.h - SL102 for ORM objects kept in state that outlives their
 * session.
 *
 * An ORM object stored in a module global (a dict, a cachetools cache, a
 * list), a class attribute, or returned by an lru_cache'd function is found
 * again by later calls, after the session that loaded it closed: an
 * attribute its session's commit expired, or a lazy relationship nothing
 * loaded, raises DetachedInstanceError when such a call reads it
 * (Netflix/dispatch #5815).
 */
#ifndef SL_ORMCACHE_H
#define SL_ORMCACHE_H

#include "rules/lifecycle.h"

/* SL102 over the functions of one module: the stores of ORM objects into
 * module state, then the reads through that state (scratch is reset by
 * the caller afterwards).  Thread-safe: reads the module's and project's
 * immutable tables only. */
void ormcache_check(LifecycleSink *k, const FlowEnv *env, Arena *scratch,
                    const Node *const *funcs, int nfuncs);

#endif
