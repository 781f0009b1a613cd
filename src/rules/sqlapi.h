/*
 * sqlapi.h - the SQLAlchemy API rule family: SL301 raw-sql-string, a plain
 * str given to Session/AsyncSession/Connection .execute(), .scalar() or
 * .scalars(), which SQLAlchemy 2.0 refuses.  Runs per module after the
 * dataflow (analyze_check); reads the receiver's kind through dbval.h.
 */
#ifndef SL_SQLAPI_H
#define SL_SQLAPI_H

#include "dbval.h"
#include "diag.h"
#include "project.h"
#include "source.h"

/*
 * Appends the SL301 findings of module to out (messages in c->a).  Quiet
 * when facts say SQLAlchemy 1.x (which accepts strings); an unknown
 * version counts as 2.  Thread-safe per module.
 */
void sqlapi_check(DbCtx *c, const Source *src, const Node *module, const ProjectFacts *facts,
                  FindingList *out);

#endif
