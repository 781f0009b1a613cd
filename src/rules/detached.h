/*
 * detached.h - SL102 for ORM objects read after their session closed.
 *
 * A commit expires every object its session holds (expire_on_commit, on
 * by default), and closing the session detaches them.  The next attribute
 * read of an object that is both needs the session to reload it, and raises
 * DetachedInstanceError instead; so does FastAPI serializing one that an
 * endpoint returned from inside the `with` block that closes its session,
 * and the caller of a helper that returns one.
 */
#ifndef SL_DETACHED_H
#define SL_DETACHED_H

#include "rules/lifecycle.h"

struct ProjectFacts;

/* SL102 and SL107 over the functions of one module (scratch is reset by the
 * caller afterwards); facts: the project's versions (SQLAlchemy's says
 * what an INSERT fetches), or NULL. */
void detached_check(LifecycleSink *k, const FlowEnv *env, const struct ProjectFacts *facts,
                    Arena *scratch, const Node *const *funcs, int nfuncs);

#endif
