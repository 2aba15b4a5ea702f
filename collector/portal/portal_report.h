/* portal_report — the self-inspection report and the school-wide view as
 * downloads of the portal (issue 15 item 6):
 *   GET /report.html|.xlsx|.json?period=2026H2[&dept=D]
 *       a department's report (collector/dept_report.h) with its score: a
 *       department user's own, whatever ?dept= names (another is a 404);
 *       an admin's the one named;
 *   GET /school-report.html|.xlsx|.json?period=2026H2   admins only.
 * ?from=DATE&to=DATE instead of ?period. Rules are those in force (the
 * collector's, from the register), the scoring that of score_config_find,
 * so the portal's figures are tzctl report's. */
#ifndef TZ_PORTAL_REPORT_H
#define TZ_PORTAL_REPORT_H

#include "portal.h"

/* fmt: "html", "xlsx" or "json" (404 otherwise); school: the school view. */
void portal_report(struct portal *p, struct portal_req *q, const char *fmt,
                   int school, struct portal_resp *r);

#endif
