/* peer_limit — slowing down a source that keeps sending rejected requests,
 * without touching the others.
 *
 * A source is one connection to the ingest socket (nanomsg's pipe key, the
 * first word of a raw REP request's backtrace): nanomsg tells no peer
 * address, and an agent opens a connection per exchange, so a good agent
 * sends one or two requests on one. A source whose rejected requests
 * within its current minute reach the limit is slowed down: the ingest
 * drops what it sends unread and unanswered until that minute is over (a
 * nanomsg REQ peer resends only after its resend interval). Requests in
 * flight count against the limit as if rejected, so a batch cannot carry a
 * source past it. What a dropped request would have cost — opening its
 * box, a place in a synced write transaction — is not spent.
 *
 * Bounds: a fixed table of PEER_LIMIT_SLOTS entries, PEER_LIMIT_WAYS probed
 * per key; when all are live, the one whose minute began earliest is
 * replaced (an attacker with that many connections is beyond what one
 * process can tell apart anyway; the global log budget still holds).
 * Time is the caller's monotonic milliseconds. One thread. */
#ifndef TZ_PEER_LIMIT_H
#define TZ_PEER_LIMIT_H

#include <stddef.h>
#include <stdint.h>

#define PEER_LIMIT_SLOTS 4096
#define PEER_LIMIT_WAYS  8
#define PEER_LIMIT_WINDOW_MS 60000u

struct peer_limit;

/* limit: rejected requests a source may send in a minute; 0 turns the
 * limit off (every request is admitted). NULL on ENOMEM. */
struct peer_limit *peer_limit_new(uint32_t limit);
void peer_limit_free(struct peer_limit *pl);

enum peer_verdict {
    PEER_ADMIT = 0,     /* process it */
    PEER_SLOWED,        /* drop it: the source is slowed down */
    PEER_SLOWED_NEW     /* drop it; the source was just slowed down (log it) */
};

/* May a request from source key, received at now_ms, be processed? An
 * admitted request must be settled with peer_limit_done. */
enum peer_verdict peer_limit_admit(struct peer_limit *pl, uint32_t key,
                                   uint64_t now_ms);

/* The admitted request from key was answered; rejected: with anything but
 * OK (and but STORAGE_ERROR, which is the collector's own failure). */
void peer_limit_done(struct peer_limit *pl, uint32_t key, int rejected);

/* Requests dropped since the last call (to be counted), and sources slowed
 * down since then. */
void peer_limit_take_counts(struct peer_limit *pl, uint64_t *dropped,
                            uint64_t *slowed);

#endif
