/* push — "collect now" messages from the collector to one agent (screening,
 * DESIGN.md §7): the topic it is published under, and sealing and opening
 * its box.
 *
 * On the wire: "tz/<agent_id>/" then a packed Push whose box is
 * crypto_box(CollectNow) from the collector's key to the agent's. Opening
 * checks what the box alone can tell — it opens under the pinned collector
 * key, decodes, is labelled COLLECTOR_PUSH, names this agent and carries a
 * 16-byte request id; freshness, replays and the rate are the receiver's
 * (agent/collect_now.c), which knows the time and what it has seen. */
#ifndef TZ_PUSH_H
#define TZ_PUSH_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "taizhang.pb-c.h"
#include "tz_error.h"

#define PUSH_VERSION 1
#define PUSH_REQUEST_ID_LEN 16
#define PUSH_TOPIC_MAX 32          /* "tz/" + 20 digits + "/" + NUL */
#define PUSH_MAX_MSG 512           /* a Push is ~150 bytes; more is not one */

/* "tz/<agent_id>/" into buf; returns its length. */
size_t push_topic(uint64_t agent_id, char buf[PUSH_TOPIC_MAX]);

/* The whole message for agent_id (topic + packed Push), sealed by the
 * collector's kp to agent_pk. Ownership: *out is the caller's (free). */
int push_seal(const struct tz_keypair *collector, const uint8_t agent_pk[32],
              uint64_t agent_id, int64_t issued_at,
              const uint8_t request_id[PUSH_REQUEST_ID_LEN], uint8_t **out,
              size_t *len, struct tz_error *err);

/* Why a message was not opened, for the agent's counters. */
enum push_verdict {
    PUSH_OK = 0,
    PUSH_MALFORMED,      /* no topic, not a Push, wrong version, too large */
    PUSH_OTHER_AGENT,    /* the topic or the box names another agent */
    PUSH_FORGED,         /* the box does not open with the pinned key */
    PUSH_WRONG_KIND,     /* opens, but is not a CollectNow labelled COLLECTOR_PUSH */
};

/* Open msg for agent_id with its secret key and the pinned collector key.
 * Returns the verdict; on PUSH_OK *issued_at and request_id are set. */
enum push_verdict push_open(const uint8_t *msg, size_t len, uint64_t agent_id,
                            const uint8_t collector_pk[32],
                            const uint8_t agent_sk[32], int64_t *issued_at,
                            uint8_t request_id[PUSH_REQUEST_ID_LEN]);

const char *push_verdict_name(enum push_verdict v);

/* Where "collect now" is published for a collector listening on (or an
 * agent sending to) url: tcp://HOST:PORT gives tcp://HOST:PORT+2 (7450 ->
 * 7452), ipc://PATH gives ipc://PATH.pub. TZ_EINVAL for anything else or
 * a result that does not fit len. */
int push_url_for(const char *url, char *out, size_t len);

#endif
