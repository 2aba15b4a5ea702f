/* agent_state — what an agent remembers between runs, in its work dir
 * (STATE_DIR/work, written by the unprivileged side only: state_dir.h).
 *
 * state: agent_id and dept once enrolled, the last seq used, the register
 *   epoch the collector last named in an Ack (0: none yet), and the hash
 *   of each section the collector last acknowledged (the delta base).
 * The keypair is not read here: state_dir_open loads it, as root, from the
 * root-owned top of the state dir, and agent_state_load takes a copy.
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
    int dirfd;              /* the work dir; borrowed, never closed here */
    char shown[1100];       /* its path, for messages */
    struct tz_keypair kp;
    uint64_t agent_id;      /* 0 until enrolled */
    char dept[257];
    uint64_t last_seq;
    uint64_t epoch;         /* the register's, from the last Ack; 0 = none yet */
    /* Acked section hashes by SectionKind (index 0 unused); len 0 = none. */
    uint8_t hash[16][32];
    uint8_t hash_len[16];
    /* In memory only: the collector answered REVOKED (this key was
     * revoked). Nothing is dropped from the spool for it; only a new key
     * (tz-agent --once --reenroll) gets reports in again. */
    int revoked;
};

/* Load dirfd/state (absent: a first run, not enrolled yet) and take a copy
 * of kp. The file is at most 8 KiB and is opened without following links.
 * The caller wipes st->kp (tz_keypair_wipe) when done. */
int agent_state_load(int dirfd, const char *shown, const struct tz_keypair *kp,
                     struct agent_state *st, struct tz_error *err);
/* Persist the state file atomically. */
int agent_state_save(const struct agent_state *st, struct tz_error *err);
/* Take the next seq and persist it before returning it. */
int agent_state_next_seq(struct agent_state *st, uint64_t *seq,
                         struct tz_error *err);

/* Is h the acknowledged hash of section kind? */
int agent_state_hash_matches(const struct agent_state *st, int kind,
                             const uint8_t *h, size_t len);
void agent_state_set_hash(struct agent_state *st, int kind, const uint8_t *h,
                          size_t len);
/* The collector has no base any more: send everything next time. */
void agent_state_forget_hashes(struct agent_state *st);

/* A new key replaced st->kp (tz-agent --reenroll): forget the agent id,
 * department and delta base that belonged to the old one, and save. The
 * seq goes on rising (a new key starts from nothing at the collector; the
 * spooled reports keep their order). */
int agent_state_rekeyed(struct agent_state *st, struct tz_error *err);

#endif
