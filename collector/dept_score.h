/* dept_score — a department's responsibility score, 0..100, from its
 * self-inspection report (dept_report.h) and the indicators of
 * score_config.h: score = round(sum of weight x met), met in 0..1 per
 * indicator as schemas/scoring.ini describes. Being computed from the
 * report, it is as of the period's end too.
 * The result: {"score", "indicators": [{"key", "name", "weight", "met",
 * "points", "lost", "evidence"}]}, points and lost to one decimal.
 * Ownership: *out is the caller's (cJSON_Delete). Errors: TZ_ENOMEM. */
#ifndef TZ_DEPT_SCORE_H
#define TZ_DEPT_SCORE_H

#include <cjson/cJSON.h>

#include "score_config.h"

int dept_score(const cJSON *report, const struct score_config *c,
               cJSON **out);

#endif
