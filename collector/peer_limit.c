/* peer_limit — rejected requests per source and minute, in a fixed table. */
#include "peer_limit.h"

#include <stdlib.h>

struct slot {
    uint32_t key;
    uint32_t rejected;       /* in the minute that began at start_ms */
    uint32_t inflight;       /* admitted, not settled yet */
    uint8_t used, slowed;
    uint64_t start_ms;
};

struct peer_limit {
    uint32_t limit;
    uint64_t dropped, slowed;
    struct slot slots[PEER_LIMIT_SLOTS];
};

/* PEER_LIMIT_SLOTS is 2^12: Fibonacci hashing spreads the pipe keys, which
 * nanomsg hands out in sequence. */
static size_t home(uint32_t key)
{
    return (size_t)((key * 2654435761u) >> (32 - 12));
}

struct peer_limit *peer_limit_new(uint32_t limit)
{
    struct peer_limit *pl = calloc(1, sizeof(*pl));
    if (pl)
        pl->limit = limit;
    return pl;
}

void peer_limit_free(struct peer_limit *pl)
{
    free(pl);
}

static struct slot *find(struct peer_limit *pl, uint32_t key)
{
    size_t h = home(key);
    for (size_t i = 0; i < PEER_LIMIT_WAYS; i++) {
        struct slot *s = &pl->slots[(h + i) & (PEER_LIMIT_SLOTS - 1)];
        if (s->used && s->key == key)
            return s;
    }
    return NULL;
}

static int expired(const struct slot *s, uint64_t now_ms)
{
    return now_ms - s->start_ms >= PEER_LIMIT_WINDOW_MS;
}

/* A slot for a source not in the table: a free one, else one whose minute
 * is over and that has nothing in flight, else the oldest of the probed. */
static struct slot *claim(struct peer_limit *pl, uint32_t key, uint64_t now_ms)
{
    size_t h = home(key);
    struct slot *pick = NULL;
    for (size_t i = 0; i < PEER_LIMIT_WAYS; i++) {
        struct slot *s = &pl->slots[(h + i) & (PEER_LIMIT_SLOTS - 1)];
        if (!s->used || (expired(s, now_ms) && s->inflight == 0)) {
            pick = s;
            break;
        }
        if (pick == NULL || s->start_ms < pick->start_ms)
            pick = s;
    }
    *pick = (struct slot){.key = key, .used = 1, .start_ms = now_ms};
    return pick;
}

enum peer_verdict peer_limit_admit(struct peer_limit *pl, uint32_t key,
                                   uint64_t now_ms)
{
    if (pl == NULL || pl->limit == 0)
        return PEER_ADMIT;
    struct slot *s = find(pl, key);
    if (s == NULL) {
        s = claim(pl, key, now_ms);
    } else if (expired(s, now_ms)) {
        /* A new minute: what the source sent before is forgiven. */
        s->start_ms = now_ms;
        s->rejected = 0;
        s->slowed = 0;
    }
    if ((uint64_t)s->rejected + s->inflight >= pl->limit) {
        pl->dropped++;
        if (s->slowed)
            return PEER_SLOWED;
        s->slowed = 1;
        pl->slowed++;
        return PEER_SLOWED_NEW;
    }
    s->inflight++;
    return PEER_ADMIT;
}

void peer_limit_done(struct peer_limit *pl, uint32_t key, int rejected)
{
    if (pl == NULL || pl->limit == 0)
        return;
    struct slot *s = find(pl, key);
    if (s == NULL)
        return;   /* replaced meanwhile: nothing to settle */
    if (s->inflight)
        s->inflight--;
    if (rejected && s->rejected < UINT32_MAX)
        s->rejected++;
}

void peer_limit_take_counts(struct peer_limit *pl, uint64_t *dropped,
                            uint64_t *slowed)
{
    *dropped = pl ? pl->dropped : 0;
    *slowed = pl ? pl->slowed : 0;
    if (pl)
        pl->dropped = pl->slowed = 0;
}
