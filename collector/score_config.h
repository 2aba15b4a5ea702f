/* score_config — the indicators of the department responsibility score,
 * their weights and thresholds (schemas/scoring.ini; the built-in defaults
 * equal the file, a unit test holds them together).
 * An unknown section or option, a value out of bounds, or weights that do
 * not add up to 100 is an error naming the file (and line): a typo must not
 * silently change every department's score.
 * Errors: TZ_ENOENT (no file), TZ_EPARSE with file, line and why. */
#ifndef TZ_SCORE_CONFIG_H
#define TZ_SCORE_CONFIG_H

#include "tz_error.h"

enum score_id {
    SC_LEDGER_COMPLETE, SC_FILING, SC_GRADING, SC_REVIEWED,
    SC_WEAK_PASSWORDS, SC_PATCHES, SC_HIGH_FLAGS, SC_AGENT_COVERAGE,
    SC_LEADERS_NAMED, SC_MEETING,
    SC_COUNT
};

struct score_indicator {
    const char *key;    /* the INI section: "patches" */
    const char *name;   /* 补丁及时 */
    const char *param;  /* the threshold's option ("max_days"), or NULL */
    int weight_default, param_default, param_max;
};

extern const struct score_indicator score_indicators[SC_COUNT];

struct score_config {
    int weight[SC_COUNT];  /* sum 100 */
    int param[SC_COUNT];   /* max_days / min_percent where the indicator has one */
};

void score_config_defaults(struct score_config *c);
/* The scoring in force: path when given, else the installed scoring.ini,
 * else the source tree's (a build run in place), else the built-in
 * defaults. tzctl and the portal score alike this way. */
int score_config_find(struct score_config *c, const char *path,
                      struct tz_error *err);
int score_config_load(struct score_config *c, const char *path,
                      struct tz_error *err);

#endif
