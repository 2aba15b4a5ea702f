/* keycache — X25519 shared keys of the agents the collector hears from.
 *
 * crypto_box_open_easy and crypto_box_easy each run one X25519 scalar
 * multiplication; with the shared key (crypto_box_beforenm) cached per agent
 * key, opening a request and sealing its Ack cost only XSalsa20-Poly1305.
 * Bounded: at most cap entries, clock (second-chance) eviction; a new entry
 * starts unreferenced, so keys seen only once are evicted first. A lookup
 * compares the whole 32-byte agent key, so a different key never gets
 * another key's shared secret. The table is hashed with a random SipHash
 * key, so agents cannot pick keys that collide. Secret shared keys are wiped
 * (sodium_memzero) when evicted and by keycache_free.
 * Ownership: the cache borrows nothing; copy the collector keypair in. */
#ifndef TZ_KEYCACHE_H
#define TZ_KEYCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

struct keycache;

struct keycache_stats {
    uint64_t hits, misses, evictions, failures;
    size_t entries, cap;
};

/* A cache for shared keys between collector's secret key and agent keys.
 * cap 0 means KEYCACHE_DEFAULT_CAP. NULL when out of memory. */
#define KEYCACHE_DEFAULT_CAP 100000
struct keycache *keycache_new(const struct tz_keypair *collector, size_t cap);
/* Wipe every shared key (and the collector's secret copy) and free. NULL ok. */
void keycache_free(struct keycache *kc);

/* The shared key for agent_pk, computed on a miss. The pointer stays valid
 * until the next keycache_get or keycache_free; NULL when agent_pk is not a
 * usable X25519 key (crypto_box_beforenm refuses it: the box cannot open). */
const uint8_t *keycache_get(struct keycache *kc, const uint8_t agent_pk[TZ_KEY_LEN]);

/* Whether the register said agent_pk is enrolled (keycache_mark_enrolled)
 * and the entry is still cached: the ingest asks the register only on a
 * miss before it decrypts a large box (envelope_open_gated). Sound because
 * a key, once enrolled, stays in the register's agentkeys for the life of
 * the collector (a revoked key stays too, refused by the register; only a
 * restore replaces the register, with the collector stopped). Evicting the
 * entry forgets it. keycache_enrolled counts as neither hit nor miss. */
int keycache_enrolled(const struct keycache *kc, const uint8_t agent_pk[TZ_KEY_LEN]);
/* Remember that agent_pk is enrolled, on its entry (computed now if
 * needed: a miss, as in keycache_get). Nothing when agent_pk is unusable. */
void keycache_mark_enrolled(struct keycache *kc, const uint8_t agent_pk[TZ_KEY_LEN]);

void keycache_stats(const struct keycache *kc, struct keycache_stats *out);

/* For the tests: 1 when some slot of the table (in use or not) still holds
 * these 32 bytes of shared key, else 0. An evicted key must give 0. */
int keycache_holds_secret(const struct keycache *kc, const uint8_t key[32]);

#endif
