/* session — delivering payloads to the collector and acting on its answer.
 *
 * Enrolls when the agent has no id, sends each report as a delta against the
 * sections the collector last acknowledged (DESIGN.md §2), answers NEED_FULL
 * with the full report, and UNKNOWN_AGENT (a collector restored without us)
 * by enrolling again. A report is "delivered" only on an authenticated Ack;
 * the caller (tz-agent --once, or the daemon's spool) deletes its copy then. */
#ifndef TZ_SESSION_H
#define TZ_SESSION_H

#include <stdint.h>

#include "agent_config.h"
#include "agent_state.h"
#include "taizhang.pb-c.h"
#include "tz_error.h"

/* Seal p (p->seq set by the caller) with a fresh random request id and the
 * register epoch st knows, send it, open the authenticated Ack. Only an Ack
 * that echoes this send's request id is an answer; any other (say a
 * NEED_FULL recorded from an earlier send of the same seq) is TZ_EPROTO, as
 * if no answer came: the caller retries, never takes it as final. It must
 * echo p's seq too, except a refusal naming seq 0 (refused at open, before
 * the seq was read; older collectors): the request id alone binds it, and
 * the refusal is final as any other. An Ack naming a new epoch is learned
 * (and saved in st); STALE_EPOCH is answered by sending p once more under
 * it. A REPLAY of p's own seq counts as OK (the reply to an earlier send was
 * lost).
 * Ownership: *ack is the caller's (protobuf_c_message_free_unpacked). */
int session_exchange(const struct agent_config *cfg, struct agent_state *st,
                     Tz__Payload *p, Tz__Ack **ack, struct tz_error *err);

/* Enroll with cfg->enroll_token; seq 0 takes the next seq from st. */
int session_enroll(const struct agent_config *cfg, struct agent_state *st,
                   uint64_t seq, struct tz_error *err);

/* Deliver report r under seq. 0 when stored. Otherwise *retry says whether
 * trying again later can help — no authenticated answer (collector down,
 * wrong pinned key), enrollment refused, collector out of space — or not:
 * the collector authentically refused this report (invalid, replay), or
 * refused the agent's key itself (REVOKED: st->revoked is set, err says so
 * and how to enroll a new key; the report is not at fault and must be
 * kept). */
int session_deliver(const struct agent_config *cfg, struct agent_state *st,
                    const Tz__Report *r, uint64_t seq, int *retry,
                    struct tz_error *err);

#endif
