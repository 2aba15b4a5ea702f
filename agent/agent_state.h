/* agent_state — what an agent remembers between runs, in its state dir.
 *
 * agent.key/agent.pub: its X25519 keypair (made on first run, 0600).
 * state: agent_id and dept once enrolled, and the last seq used.
 * seq must rise strictly (the collector rejects replays), so the next seq is
 * written durably BEFORE the message that carries it is sent, and is at
 * least the current time in milliseconds: an agent whose state file was lost
 * but whose key survived still moves forward. */
#ifndef TZ_AGENT_STATE_H
#define TZ_AGENT_STATE_H

#include <stdint.h>

#include "keys.h"
#include "tz_error.h"

struct agent_state {
    char dir[1024];
    struct tz_keypair kp;
    uint64_t agent_id;      /* 0 until enrolled */
    char dept[257];
    uint64_t last_seq;
};

/* Load (creating dir, key and state when missing). */
int agent_state_load(const char *dir, struct agent_state *st,
                     struct tz_error *err);
/* Persist the state file atomically. */
int agent_state_save(const struct agent_state *st, struct tz_error *err);
/* Take the next seq and persist it before returning it. */
int agent_state_next_seq(struct agent_state *st, uint64_t *seq,
                         struct tz_error *err);

#endif
