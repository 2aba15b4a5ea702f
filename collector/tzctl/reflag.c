/* reflag — after tzctl changes the ledger, the flags follow at once, judged
 * by the rules in force: those the collector recorded in the register when
 * it started (rules_in_force.h), so tzctl and the collector never disagree
 * about a threshold. Before any collector of this version has run, the
 * built-in rules (schemas/rules.ini's). Only the subjects the change
 * touched are evaluated again (flags_scope.h). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "flags_scope.h"
#include "flags_update.h"
#include "rules_config.h"
#include "rules_in_force.h"
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

int tzctl_rules(struct tz_register *reg, struct rules_config *cfg,
                Tz__RulesInForce **rec)
{
    Tz__RulesInForce *r = NULL;
    struct tz_error err = {0};
    int rc = register_rules_get(reg, &r, &err);
    if (rc != 0 && rc != TZ_ENOENT)
        return tzctl_fail_err(&err);
    rc = rules_in_force_apply(r, cfg, &err);
    if (rc != 0) {
        if (r)
            protobuf_c_message_free_unpacked(&r->base, NULL);
        return tzctl_fail_err(&err);
    }
    if (rec)
        *rec = r;
    else if (r)
        protobuf_c_message_free_unpacked(&r->base, NULL);
    return 0;
}

int tzctl_reflag(const struct tzctl *c, const struct flags_scope *before)
{
    struct rules_config rules;
    struct tz_error err = {0};
    struct tz_register *reg;
    int rc = tzctl_open(c, 0, &reg);
    if (rc != TZCTL_OK)
        return rc;
    if ((rc = tzctl_rules(reg, &rules, NULL)) != 0) {
        register_close(reg);
        return rc;
    }
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
