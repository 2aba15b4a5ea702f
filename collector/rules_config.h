/* rules_config — thresholds of the rules, from schemas/rules.ini.
 *
 * Defaults are DESIGN.md §5's; a rules file overrides them. Unknown sections,
 * keys, flag ids or bad values are TZ_EPARSE naming file and line: a typo in
 * a security rule must not silently turn it off. */
#ifndef TZ_RULES_CONFIG_H
#define TZ_RULES_CONFIG_H

#include <stdint.h>

#include "flag_catalog.h"
#include "tz_error.h"

#define RULES_MAX_PORTS 64

struct rules_config {
    int agent_silent_hours;
    int account_check_failed_days; /* ACCOUNT_CHECK_FAILED from this many */
    int eval_max_days[6];          /* by grade 0..5; 0 = no deadline */
    int filing_required_from_grade;
    uint16_t high_risk[RULES_MAX_PORTS];
    int n_high_risk;
    uint16_t web[RULES_MAX_PORTS];
    int n_web;
    Tz__Severity severity[FLAG__COUNT];
    int disabled[FLAG__COUNT];
};

void rules_config_defaults(struct rules_config *c);
int rules_config_load(struct rules_config *c, const char *path,
                      struct tz_error *err);
/* The same over the text of a rules file (NUL-terminated); name is what
 * errors call it. */
int rules_config_load_text(struct rules_config *c, const char *text,
                           const char *name, struct tz_error *err);
int rules_port_in(const uint16_t *ports, int n, uint32_t port);

#endif
