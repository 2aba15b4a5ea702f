/* school_report — the network center's school-wide view (第四条(四)): every
 * department's responsibility score and indicator breakdown for a period,
 * as of its end, from each department's self-inspection report
 * (dept_report.h) and score (dept_score.h).
 * Order: first the departments that need attention — no 联络人 named, or a
 * high flag open longer than the high_flags threshold (scoring.ini) at the
 * end — then by score, lowest first, then by name.
 * The result: {"period", "generated_at", "departments": [{"dept", "score",
 * "attention", "reasons": [...], "liaison", "overdue_high", "systems",
 * "hosts_enrolled", "hosts_seen", "open_high", "indicators": [{"key",
 * "name", "weight", "points", "lost", "evidence"}]}]}.
 * Ownership: *out is the caller's (cJSON_Delete). Errors: the register's,
 * TZ_ENOMEM. */
#ifndef TZ_SCHOOL_REPORT_H
#define TZ_SCHOOL_REPORT_H

#include <cjson/cJSON.h>

#include "register.h"
#include "report_period.h"
#include "rules_config.h"
#include "score_config.h"

int school_report_build(struct tz_register *reg,
                        const struct report_period *p,
                        const struct rules_config *rules,
                        const struct score_config *sc, int64_t now,
                        cJSON **out, struct tz_error *err);

#endif
