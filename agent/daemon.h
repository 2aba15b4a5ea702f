/* daemon — `tz-agent --config FILE`: collect daily, spool, deliver in order.
 *
 * Runs a libuv loop: one collection at start, then one a day at the
 * configured local time plus a random splay (or every `interval` seconds).
 * Each report is spooled before it is sent (report_collect, then a seq from
 * agent_state_next_seq, then spool_put), then the spool is drained oldest
 * first. A transient failure keeps the spool and retries after an
 * exponential backoff with jitter (retry_min .. retry_max).
 *
 * Collection and the exchange block inside loop callbacks; each exchange is
 * bounded by cfg->timeout_s. SIGHUP, SIGTERM and SIGINT are held back while
 * one of them runs, so a send in progress always completes: SIGTERM/SIGINT
 * stop between two sends, SIGHUP reloads config_path (and re-applies flags)
 * afterwards; a config that does not load keeps the old one, and says why.
 * Errors: returns 0 after a clean stop; a negative TZ_E* (with err filled)
 * when it cannot start (state, spool, or missing collector settings). */
#ifndef TZ_DAEMON_H
#define TZ_DAEMON_H

#include "agent_config.h"
#include "state_dir.h"
#include "tz_error.h"

/* sd: the state dir opened before the privilege drop (its key and work/
 * descriptor); borrowed, the caller closes it after daemon_run returns. */
int daemon_run(const struct agent_config *cfg, const struct state_dir *sd,
               const char *config_path, const struct agent_flag *flags,
               int n_flags, struct tz_error *err);

#endif
