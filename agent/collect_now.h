/* collect_now — the agent's side of "collect now" (screening, DESIGN.md §7):
 * a nanomsg SUB socket on the collector's publish URL, subscribed to this
 * agent's own topic, and the judgement of each message.
 *
 * A message is acted on only when push_open accepts it (it opens under the
 * pinned collector key, names this agent, is a COLLECTOR_PUSH CollectNow),
 * it was issued within max_age seconds of the agent's clock (either way),
 * its request id is not one of the last COLLECT_NOW_SEEN acted on or
 * refused as a replay, and at least min_interval seconds passed since the
 * last one acted on. Everything else is ignored and counted by reason;
 * collect_now_note_ignored logs at most one line a minute with the counts.
 * nanomsg reconnects a lost SUB connection itself, with backoff from 1 s to
 * 60 s (NN_RECONNECT_IVL, NN_RECONNECT_IVL_MAX).
 * One thread; the socket is read through collect_now_fd in the daemon's
 * libuv loop. */
#ifndef TZ_COLLECT_NOW_H
#define TZ_COLLECT_NOW_H

#include <stddef.h>
#include <stdint.h>

#include "push.h"
#include "tz_error.h"

#define COLLECT_NOW_SEEN 64

enum cn_outcome {
    CN_ACT = 0,
    CN_MALFORMED,
    CN_OTHER_AGENT,
    CN_FORGED,
    CN_WRONG_KIND,
    CN_STALE,
    CN_REPLAYED,
    CN_RATE_LIMITED,
    CN__COUNT
};

struct collect_now_policy {
    int max_age_s;           /* issued_at within this of now */
    int min_interval_s;      /* between two acted on */
};

/* The judging state: what a socket-free test drives too. */
struct collect_now_judge {
    uint64_t agent_id;
    uint8_t collector_pk[32];
    uint8_t agent_sk[32];
    struct collect_now_policy policy;
    uint8_t seen[COLLECT_NOW_SEEN][PUSH_REQUEST_ID_LEN];
    size_t n_seen, next_seen;
    int64_t last_acted;      /* 0: never */
    uint64_t counts[CN__COUNT];
};

void collect_now_judge_init(struct collect_now_judge *j, uint64_t agent_id,
                            const uint8_t collector_pk[32],
                            const uint8_t agent_sk[32],
                            const struct collect_now_policy *policy);
/* Judge one message at now; on CN_ACT request_id is the id to answer. */
enum cn_outcome collect_now_judge(struct collect_now_judge *j,
                                  const uint8_t *msg, size_t len, int64_t now,
                                  uint8_t request_id[PUSH_REQUEST_ID_LEN]);
const char *cn_outcome_name(enum cn_outcome o);

struct collect_now;

/* Subscribe to the n urls (a collector and its failovers) for agent_id.
 * Ownership: the agent's secret key is copied (and wiped on close); close
 * with collect_now_close. */
int collect_now_open(const char *const *urls, size_t n, uint64_t agent_id,
                     const uint8_t collector_pk[32], const uint8_t agent_sk[32],
                     const struct collect_now_policy *policy,
                     struct collect_now **out, struct tz_error *err);
void collect_now_close(struct collect_now *c);
/* The descriptor that becomes readable when a message waits (NN_RCVFD). */
int collect_now_fd(const struct collect_now *c);
/* Take one waiting message and judge it: TZ_ENOENT when none waits, else 0
 * with *outcome set (and request_id on CN_ACT). */
int collect_now_recv(struct collect_now *c, int64_t now, enum cn_outcome *outcome,
                     uint8_t request_id[PUSH_REQUEST_ID_LEN]);
/* Log the ignored counts, at most once a minute (now in seconds). */
void collect_now_note_ignored(struct collect_now *c, int64_t now);
const struct collect_now_judge *collect_now_state(const struct collect_now *c);

#endif
