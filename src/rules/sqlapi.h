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
#include "rules/crdb.h"
#include "source.h"

/*
 * Appends the SL301 findings of module to out (messages in c->a).  Quiet
 * when facts say SQLAlchemy 1.x (which accepts strings); an unknown
 * version counts as 2.  The same walk of the module finds those of the
 * other rules that visit it (SL108, SL203, SL207, SL208, SL209, SL302 to
 * SL305, and with crdb, crdb_link's result, SL401 to SL403).
 * Thread-safe per module.
 */
void sqlapi_check(DbCtx *c, const Source *src, const Node *module, const CrdbProject *crdb,
                  const ProjectFacts *facts, FindingList *out);

#endif
