/* agent — `tzctl agent revoke HOST|AGENT-ID [--reason TEXT]`: from now on
 * everything that host's agent key sends is refused REVOKED (counted in
 * `tzctl stats`, logged by the collector). The host stays in the register
 * with its reports and history, and the history records the revocation;
 * the machine comes back under a new key and a new host id with
 * `tz-agent --once --enroll-token NEW --reenroll`. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admission.h"
#include "tzctl.h"
#include "utf8.h"

/* One line of text, bounded: it ends up in Acks, listings and logs. */
static int text_ok(const char *what, const char *s)
{
    size_t len = strlen(s);
    if (len > ADMISSION_REASON_MAX) {
        tzctl_usage("%s is %zu bytes; at most %d", what, len, ADMISSION_REASON_MAX);
        return 0;
    }
    if (tz_text_check(s, len, NULL) != TZ_TEXT_OK) {
        tzctl_usage("%s must be valid UTF-8 on one line, without control characters",
                    what);
        return 0;
    }
    return 1;
}

static int agent_revoke(const struct tzctl *c, int argc, char **argv)
{
    const char *pos, *opt, *val, *host = NULL, *reason = "";
    int dd = 0;
    for (int i = 2; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (host)
                return tzctl_usage("agent revoke takes one HOST|AGENT-ID");
            host = pos;
        } else if (tzctl_optval(opt, "--reason", argc, argv, &i, &val)) {
            if (val == NULL)
                return tzctl_usage("--reason needs a text");
            reason = val;
        } else {
            return tzctl_usage("agent revoke: unknown option %s", opt);
        }
    }
    if (host == NULL)
        return tzctl_usage("expected \"agent revoke HOST|AGENT-ID [--reason TEXT]\"");
    const char *by = c->actor.name ? c->actor.name : "";
    if (!text_ok("--reason", reason) || !text_ok("--by", by))
        return TZCTL_USAGE;

    struct tz_register *reg;
    int rc = tzctl_open(c, 0, &reg);
    if (rc != 0)
        return rc;
    uint64_t id;
    char hostname[TZ_MAX_NAME_BUF], dept[TZ_MAX_NAME_BUF];
    rc = tzctl_find_host(reg, host, &id, hostname, dept);
    if (rc != 0) {
        register_close(reg);
        return rc;
    }
    Tz__AgentRevocation rev = TZ__AGENT_REVOCATION__INIT;
    rev.at = (int64_t)time(NULL);
    rev.by = (char *)by;
    rev.reason = (char *)reason;
    struct tz_error err = {0};
    int r = register_agent_revoke(reg, id, &rev, &err);
    register_close(reg);
    if (r != 0)
        return tzctl_fail_err(&err);
    char *h = out_sanitize(hostname, NULL), *d = out_sanitize(dept, NULL);
    printf("revoked host %" PRIu64 " (%s, %s): its agent key is refused from now on; "
           "its record and history stay. On that machine, `tz-agent --once "
           "--enroll-token NEW --reenroll` enrolls a new key as a new host.\n",
           id, h ? h : "", d ? d : "");
    free(h);
    free(d);
    return TZCTL_OK;
}

int tzctl_agent(const struct tzctl *c, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    if (strcmp(sub, "revoke") == 0)
        return agent_revoke(c, argc, argv);
    return tzctl_usage("expected \"agent revoke HOST|AGENT-ID [--reason TEXT]\"");
}
