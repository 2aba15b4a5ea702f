/* fresh — ask hosts to collect now and wait for their reports: what
 * `tzctl collect` does and `tzctl screen --fresh` will.
 *
 * The request goes to the running collector's control socket
 * (ipc://DATA/control.sock) signed with the operator key (operator.h), so
 * this reads DATA/collector.key: run it as root or the collector's user.
 * A host has answered once the register shows a report of it carrying the
 * request's id (AgentRecord.last_collect_request); the wait polls the
 * register read-only until every host has, or the deadline passes. */
#ifndef TZCTL_FRESH_H
#define TZCTL_FRESH_H

#include <stddef.h>
#include <stdint.h>

#include "tzctl.h"

struct fresh_host {
    uint64_t id;
    char hostname[TZ_MAX_NAME_BUF];
    int answered;
    int64_t report_at;       /* when the answering report was stored */
};

/* The hosts bound to system sid (by any binding source), in id order, as
 * *v (the caller frees it) of *n. 0, or TZCTL_FAIL having printed why. */
int tzctl_system_hosts(struct tz_register *reg, uint64_t sid,
                       struct fresh_host **v, size_t *n);

/* Ask hosts[i].id to collect now and wait up to deadline_s seconds; sets
 * answered and report_at. *published gets how many the collector asked,
 * request (may be NULL) the id the answering reports carry.
 * Prints what went wrong and returns TZCTL_FAIL when the request could not
 * be made (no collector running, no key); TZCTL_OK otherwise, whether or
 * not every host answered. */
int tzctl_fresh(const struct tzctl *c, struct fresh_host *hosts, size_t n,
                int deadline_s, size_t *published, uint8_t request[16]);

#endif
