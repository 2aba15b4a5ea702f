/* delivery — sending the spool to the collector, oldest report first.
 *
 * Shared by the daemon and `tz-agent --once` (which first sends what a
 * daemon left behind). Reports go in seq order, because the collector
 * refuses a seq below one it stored (REPLAY); a report leaves the spool only
 * on an Ack, or when the collector refuses that report itself (INVALID,
 * TOO_LARGE, an older seq superseded): then it is dropped with a log line, as
 * sending it again cannot succeed.
 * A failure that is not about one report stops the drain and keeps the
 * spool: the collector unreachable or out of space (retry later), the
 * agent not enrolled (bad or missing token, wrong key: fix the config), or
 * its key revoked (REVOKED: enroll a new key with tz-agent --reenroll). */
#ifndef TZ_DELIVERY_H
#define TZ_DELIVERY_H

#include "agent_config.h"
#include "agent_state.h"
#include "spool.h"
#include "tz_error.h"

struct delivery_result {
    unsigned delivered, dropped;
    int stopped;    /* stop() asked to stop between two reports */
    int retry;      /* on failure: 1 transient, 0 the configuration needs a fix */
};

/* Drain sp until it is empty (0) or stop(arg) returns nonzero (0, with
 * res->stopped); stop may be NULL. On a failure that ends the drain, the
 * error is returned and res->retry says which kind it is. */
int delivery_drain(const struct agent_config *cfg, struct agent_state *st,
                   struct spool *sp, int (*stop)(void *), void *arg,
                   struct delivery_result *res, struct tz_error *err);

/* For `tz-agent --once`: drain <state_dir>/work/spool if a daemon left one.
 * Nothing to do (0) when there is no spool, or when a running daemon holds
 * it (that daemon sends it). */
int delivery_drain_leftovers(const struct agent_config *cfg,
                             struct agent_state *st, struct tz_error *err);

#endif
