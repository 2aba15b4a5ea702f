/* keycache — a bounded table of X25519 shared keys, one per agent key, so
 * that a request costs no scalar multiplication once its agent is known. */
#include "keycache.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define NIL UINT32_MAX

struct kc_entry {
    uint8_t pk[TZ_KEY_LEN];
    uint8_t k[crypto_box_BEFORENMBYTES];
    uint32_t next;      /* chain in its bucket */
    uint8_t ref;        /* clock: looked up since the hand last passed */
    uint8_t enrolled;   /* the register knows this key (keycache_mark_enrolled) */
};

struct keycache {
    struct kc_entry *e;     /* e[0..n) in use */
    size_t cap, n, hand;
    uint32_t *bucket;       /* head entry per bucket, NIL when empty */
    size_t n_buckets;       /* a power of two */
    uint8_t hkey[crypto_shorthash_KEYBYTES];
    uint8_t sk[TZ_KEY_LEN];
    struct keycache_stats st;
};

struct keycache *keycache_new(const struct tz_keypair *collector, size_t cap)
{
    if (sodium_init() < 0)
        return NULL;
    if (cap == 0)
        cap = KEYCACHE_DEFAULT_CAP;
    if (cap >= NIL)
        cap = NIL - 1;
    struct keycache *kc = calloc(1, sizeof(*kc));
    if (kc == NULL)
        return NULL;
    kc->cap = cap;
    kc->n_buckets = 16;
    while (kc->n_buckets < cap)
        kc->n_buckets <<= 1;
    kc->e = calloc(cap, sizeof(*kc->e));
    kc->bucket = malloc(kc->n_buckets * sizeof(*kc->bucket));
    if (kc->e == NULL || kc->bucket == NULL) {
        keycache_free(kc);
        return NULL;
    }
    for (size_t i = 0; i < kc->n_buckets; i++)
        kc->bucket[i] = NIL;
    randombytes_buf(kc->hkey, sizeof(kc->hkey));
    memcpy(kc->sk, collector->sk, sizeof(kc->sk));
    kc->st.cap = cap;
    return kc;
}

void keycache_free(struct keycache *kc)
{
    if (kc == NULL)
        return;
    if (kc->e)
        sodium_memzero(kc->e, kc->cap * sizeof(*kc->e));
    sodium_memzero(kc->sk, sizeof(kc->sk));
    free(kc->e);
    free(kc->bucket);
    free(kc);
}

static size_t bucket_of(const struct keycache *kc, const uint8_t *pk)
{
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, pk, TZ_KEY_LEN, kc->hkey);
    uint64_t v;
    memcpy(&v, h, sizeof(v));
    return (size_t)(v & (kc->n_buckets - 1));
}

/* Unlink entry i from its bucket and wipe it. */
static void evict(struct keycache *kc, uint32_t i)
{
    uint32_t *link = &kc->bucket[bucket_of(kc, kc->e[i].pk)];
    while (*link != i)
        link = &kc->e[*link].next;
    *link = kc->e[i].next;
    sodium_memzero(&kc->e[i], sizeof(kc->e[i]));
    kc->st.evictions++;
}

/* A slot for a new entry: a never used one, else the clock's victim. */
static uint32_t take_slot(struct keycache *kc)
{
    if (kc->n < kc->cap)
        return (uint32_t)kc->n++;
    for (;;) {
        uint32_t i = (uint32_t)kc->hand;
        kc->hand = (kc->hand + 1) % kc->cap;
        if (kc->e[i].ref) {
            kc->e[i].ref = 0;
            continue;
        }
        evict(kc, i);
        return i;
    }
}

/* The entry of agent_pk in bucket b, or NIL. */
static uint32_t find(const struct keycache *kc, size_t b, const uint8_t *agent_pk)
{
    for (uint32_t i = kc->bucket[b]; i != NIL; i = kc->e[i].next)
        if (memcmp(kc->e[i].pk, agent_pk, TZ_KEY_LEN) == 0)
            return i;
    return NIL;
}

const uint8_t *keycache_get(struct keycache *kc, const uint8_t agent_pk[TZ_KEY_LEN])
{
    size_t b = bucket_of(kc, agent_pk);
    uint32_t hit = find(kc, b, agent_pk);
    if (hit != NIL) {
        kc->e[hit].ref = 1;
        kc->st.hits++;
        return kc->e[hit].k;
    }
    kc->st.misses++;
    uint8_t k[crypto_box_BEFORENMBYTES];
    if (crypto_box_beforenm(k, agent_pk, kc->sk) != 0) {
        /* A low-order point: no box from it opens; nothing to cache. */
        sodium_memzero(k, sizeof(k));
        kc->st.failures++;
        return NULL;
    }
    uint32_t i = take_slot(kc);
    struct kc_entry *e = &kc->e[i];
    memcpy(e->pk, agent_pk, TZ_KEY_LEN);
    memcpy(e->k, k, sizeof(k));
    sodium_memzero(k, sizeof(k));
    /* Not referenced yet: a key seen once (a flood of fresh keys, forged
     * boxes) goes before keys looked up again, as every Ack's seal does. */
    e->ref = 0;
    e->enrolled = 0;
    e->next = kc->bucket[b];
    kc->bucket[b] = i;
    return e->k;
}

int keycache_enrolled(const struct keycache *kc, const uint8_t agent_pk[TZ_KEY_LEN])
{
    uint32_t i = find(kc, bucket_of(kc, agent_pk), agent_pk);
    return i != NIL && kc->e[i].enrolled;
}

void keycache_mark_enrolled(struct keycache *kc, const uint8_t agent_pk[TZ_KEY_LEN])
{
    size_t b = bucket_of(kc, agent_pk);
    uint32_t i = find(kc, b, agent_pk);
    if (i == NIL) {
        if (keycache_get(kc, agent_pk) == NULL)   /* a miss: computed now */
            return;
        i = find(kc, b, agent_pk);
    }
    kc->e[i].enrolled = 1;
}

void keycache_stats(const struct keycache *kc, struct keycache_stats *out)
{
    *out = kc->st;
    out->entries = kc->n;
}

int keycache_holds_secret(const struct keycache *kc, const uint8_t key[32])
{
    for (size_t i = 0; i < kc->cap; i++)
        if (memcmp(kc->e[i].k, key, 32) == 0)
            return 1;
    return 0;
}
