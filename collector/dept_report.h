/* dept_report — a department's half-year self-inspection report (自查报告,
 * 第六条(二)) as one JSON object, computed from the register's history as
 * of the end of the period, so that the report for a past half-year says
 * the same whenever it is run. dept_report_render.h prints it as HTML (A4,
 * with a signature block) and XLSX; `tzctl report dept` and the portal
 * hand it on.
 *
 * What it holds and where each figure comes from:
 *  - "responsibility": the department's record as of the end
 *    (record_asof_dept), the leader fields still empty ("missing") and
 *    whether a network-security meeting was held in the year before the
 *    end ("meeting_within_year");
 *  - "systems": every system of the department as of the end
 *    (record_asof_system: created before it, 所属单位 then this
 *    department), with its filing, grading, evaluation (judged by the rules
 *    in force against the period's last day) and pre-launch review state;
 *  - "hosts": the department's hosts enrolled before the end, and which
 *    reported during the period (the days kept in seendays, or a history
 *    entry dated in it); a host's name and department are today's (the
 *    register keeps no history of either);
 *  - "flags": the department's flags open at the end (opened before it,
 *    not closed before it), those closed during the period, each with how
 *    long it was open; counts by severity;
 *  - "figures": weak-password accounts and hosts, hosts with security
 *    patches pending, exposed high-risk ports: from those flags, open at
 *    the end and opened during the period;
 *  - "changes": every change to the department's systems and record during
 *    the period, with who made it, and "actors": changes per person.
 * Evidence texts are left out: a flag's evidence is rewritten while it
 * stays open, and BINDING_OTHER_DEPT's names another department's system.
 * Nothing of another department appears: systems, hosts and flags are
 * this department's.
 * Ownership: *out is the caller's (cJSON_Delete). Errors: TZ_ENOENT no
 * such department; the register's; TZ_ENOMEM. */
#ifndef TZ_DEPT_REPORT_H
#define TZ_DEPT_REPORT_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "register.h"
#include "report_period.h"
#include "rules_config.h"

/* now: when the report is made ("generated_at", the one value that
 * differs between two runs over the same period). A period that has not
 * ended is reported as of now ("period.as_of"): flags open "at the end"
 * are those open now, their age counted to now, evaluations judged today. */
int dept_report_build(struct tz_register *reg, const char *dept,
                      const struct report_period *p,
                      const struct rules_config *rules, int64_t now,
                      cJSON **out, struct tz_error *err);

#endif
