/* reflag — after tzctl changes the ledger, the flags follow at once.
 *
 * The collector re-evaluates every rule on its timer too, with its own rules
 * file; tzctl uses --rules FILE when given (pass the collector's), else the
 * built-in defaults, which are schemas/rules.ini's. */
#include <stdio.h>
#include <time.h>

#include "flags_update.h"
#include "rules_config.h"
#include "tzctl.h"

int tzctl_reflag(const struct tzctl *c)
{
    struct rules_config rules;
    struct tz_error err = {0};
    rules_config_defaults(&rules);
    if (c->rules && rules_config_load(&rules, c->rules, &err) != 0)
        return tzctl_fail_err(&err);
    struct tz_register *reg;
    int rc = tzctl_open(c, 0, &reg);
    if (rc != TZCTL_OK)
        return rc;
    if (flags_update_all(reg, &rules, (int64_t)time(NULL), &err) != 0) {
        char buf[700];
        /* The change itself is stored; only the flags lag until the
         * collector's next re-evaluation. */
        fprintf(stderr, "tzctl: warning: the ledger changed but flags were not "
                        "updated: %s\n", tz_error_str(&err, buf, sizeof(buf)));
    }
    register_close(reg);
    return TZCTL_OK;
}
