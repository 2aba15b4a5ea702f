/* portal_export — the ledger downloads of the portal (/export.csv, .xlsx,
 * .json): export_ledger.h's files, scoped to what the person may see (a
 * department user: their department, always; an admin: ?dept=D or the
 * whole school). */
#ifndef TZ_PORTAL_EXPORT_H
#define TZ_PORTAL_EXPORT_H

#include "portal.h"

/* fmt: "csv", "xlsx" or "json" (404 otherwise). */
void portal_export(struct portal *p, struct portal_req *q, const char *fmt,
                   struct portal_resp *r);

#endif
