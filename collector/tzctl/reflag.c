/* reflag — after tzctl changes the ledger, the flags follow at once.
 *
 * The collector re-evaluates every rule on its timer too, with its own rules
 * file; tzctl uses --rules FILE when given (pass the collector's), else the
 * built-in defaults, which are schemas/rules.ini's. Only the subjects the
 * change touched are evaluated again (flags_scope.h). */
#include <stdio.h>
#include <time.h>

#include "flags_scope.h"
#include "flags_update.h"
#include "rules_config.h"
#include "tzctl.h"

struct flags_scope *tzctl_reflag_before(const struct tzctl *c)
{
    struct tz_register *reg;
    struct tz_error err = {0};
    /* No register yet (the command creates it): reflag does everything. */
    if (register_open(c->data, REGISTER_RDONLY, &reg, &err) != 0)
        return NULL;
    struct flags_scope *s = NULL;
    if (flags_scope_take(reg, &s, &err) != 0)
        s = NULL;
    register_close(reg);
    return s;
}

int tzctl_reflag(const struct tzctl *c, const struct flags_scope *before)
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
    int64_t now = (int64_t)time(NULL);
    if ((before ? flags_scope_update(reg, &rules, before, now, NULL, &err)
                : flags_update_all(reg, &rules, now, &err)) != 0) {
        char buf[700];
        /* The change itself is stored; only the flags lag until the
         * collector's next re-evaluation. */
        fprintf(stderr, "tzctl: warning: the ledger changed but flags were not "
                        "updated: %s\n", tz_error_str(&err, buf, sizeof(buf)));
    }
    register_close(reg);
    return TZCTL_OK;
}
