/* flags_defer — the rules for stored reports, coalesced on a timer.
 *
 * Evaluating flags commits a synced write transaction of its own. Run after
 * every batch, that doubled the fsyncs of ingest; here the hosts of every
 * batch stored within one interval (200 ms by default) are collected, each
 * host once, and evaluated in ONE transaction when the timer fires. So the
 * flags of a stored report lag it by at most the interval (plus the time
 * to evaluate); an Ack never waits for them: it is sent after the report's
 * own commit, before the hosts are even handed here (ingest.h).
 * A crash loses only pending evaluations, which the collector's start-up
 * recheck (flags_update_all) redoes. */
#ifndef TZ_FLAGS_DEFER_H
#define TZ_FLAGS_DEFER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "register.h"
#include "rules_config.h"

#define FLAGS_DEFER_MS 200

struct flags_defer;

/* reg and cfg must outlive the deferral. interval_ms 0 means FLAGS_DEFER_MS.
 * Errors: TZ_ENOMEM. */
int flags_defer_new(uv_loop_t *loop, struct tz_register *reg,
                    const struct rules_config *cfg, uint64_t interval_ms,
                    struct flags_defer **out, struct tz_error *err);
/* Queue hosts (agent ids) for evaluation; arms the timer when idle. Never
 * evaluates or writes. Out of memory drops the ids with a logged error: the
 * periodic recheck catches them up. Has the shape of ingest_stored_fn. */
void flags_defer_add(void *fd, const uint64_t *ids, size_t n);
/* Evaluate what is pending now (one write transaction); 0 when nothing is. */
int flags_defer_flush(struct flags_defer *fd, struct tz_error *err);
/* Hosts waiting for evaluation. */
size_t flags_defer_pending(const struct flags_defer *fd);
/* Flush what is pending, stop the timer, and free once libuv lets go of it
 * (run the loop afterwards). NULL ok. */
void flags_defer_close(struct flags_defer *fd);

#endif
