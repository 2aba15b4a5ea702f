/* keycache: shared keys per agent key, bounded, wiped when evicted; and the
 * cached path of ingest answers exactly as the uncached one. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "ingest.h"
#include "keycache.h"
#include "register.h"
#include "tz_limits.h"
#include "tz_test.h"

static struct tz_keypair collector;

static void setup(void)
{
    cr_assert(sodium_init() >= 0);
    crypto_box_keypair(collector.pk, collector.sk);
}

TestSuite(keycache, .init = setup);

static void shared_of(const struct tz_keypair *agent, uint8_t out[32])
{
    cr_assert_eq(crypto_box_beforenm(out, agent->pk, collector.sk), 0);
}

Test(keycache, hit_returns_the_same_shared_key_without_recomputing)
{
    struct keycache *kc = keycache_new(&collector, 8);
    cr_assert_not_null(kc);
    struct tz_keypair a;
    crypto_box_keypair(a.pk, a.sk);
    uint8_t want[32];
    shared_of(&a, want);
    const uint8_t *k1 = keycache_get(kc, a.pk);
    cr_assert_not_null(k1);
    cr_assert_eq(memcmp(k1, want, 32), 0);
    const uint8_t *k2 = keycache_get(kc, a.pk);
    cr_assert_eq(k2, k1, "a hit is the same slot");
    struct keycache_stats st;
    keycache_stats(kc, &st);
    cr_assert_eq(st.misses, 1);
    cr_assert_eq(st.hits, 1);
    cr_assert_eq(st.entries, 1);
    keycache_free(kc);
}

Test(keycache, a_different_key_never_gets_a_cached_shared_key)
{
    struct keycache *kc = keycache_new(&collector, 4);
    struct tz_keypair a, b;
    crypto_box_keypair(a.pk, a.sk);
    b = a;
    b.pk[31] ^= 0x01;      /* one bit apart, same first bytes */
    uint8_t ka[32], kb[32];
    shared_of(&a, ka);
    cr_assert_eq(crypto_box_beforenm(kb, b.pk, collector.sk), 0);
    cr_assert_eq(memcmp(keycache_get(kc, a.pk), ka, 32), 0);
    const uint8_t *got = keycache_get(kc, b.pk);
    cr_assert_not_null(got);
    cr_assert_eq(memcmp(got, kb, 32), 0);
    cr_assert_neq(memcmp(got, ka, 32), 0);
    struct keycache_stats st;
    keycache_stats(kc, &st);
    cr_assert_eq(st.misses, 2, "the second key was computed, not found");
    keycache_free(kc);
}

Test(keycache, eviction_keeps_the_bound_and_wipes_the_evicted_key)
{
    enum { CAP = 4, N = 40 };
    struct keycache *kc = keycache_new(&collector, CAP);
    struct tz_keypair k[N];
    uint8_t secret[N][32];
    for (int i = 0; i < N; i++) {
        crypto_box_keypair(k[i].pk, k[i].sk);
        shared_of(&k[i], secret[i]);
    }
    /* Key 0 is looked up often: the clock keeps it over the one-shot keys. */
    for (int i = 1; i < N; i++) {
        cr_assert_eq(memcmp(keycache_get(kc, k[0].pk), secret[0], 32), 0);
        cr_assert_eq(memcmp(keycache_get(kc, k[i].pk), secret[i], 32), 0);
    }
    struct keycache_stats st;
    keycache_stats(kc, &st);
    cr_assert_eq(st.entries, CAP);
    cr_assert_eq(st.misses, N, "key 0 stayed cached: %llu misses",
                 (unsigned long long)st.misses);
    cr_assert_eq(st.evictions, N - CAP);
    /* The first one-shot keys were evicted: their secrets are nowhere. */
    for (int i = 1; i < N - CAP + 1; i++)
        cr_assert_not(keycache_holds_secret(kc, secret[i]), "key %d left behind", i);
    cr_assert(keycache_holds_secret(kc, secret[0]));
    cr_assert(keycache_holds_secret(kc, secret[N - 1]));
    keycache_free(kc);
}

Test(keycache, a_low_order_point_is_refused_not_cached)
{
    struct keycache *kc = keycache_new(&collector, 4);
    uint8_t zero[32] = {0};
    cr_assert_null(keycache_get(kc, zero));
    struct keycache_stats st;
    keycache_stats(kc, &st);
    cr_assert_eq(st.entries, 0);
    cr_assert_eq(st.failures, 1);
    keycache_free(kc);
}

/* The cached path of ingest: same statuses, Acks sealed to the agent. */
Test(keycache, ingest_with_the_cache_answers_as_without)
{
    char *dir = tz_test_tmpdir("keycache");
    struct tz_register *reg;
    struct tz_error err = {0};
    char token[REGISTER_TOKEN_LEN];
    cr_assert_eq(register_open(dir, 0, &reg, &err), 0, "%s", err.msg);
    cr_assert_eq(register_dept_add(reg, "cs", 1, &err), 0);
    cr_assert_eq(register_token_create(reg, "cs", 1, token, &err), 0);
    struct tz_keypair agent, stranger;
    crypto_box_keypair(agent.pk, agent.sk);
    crypto_box_keypair(stranger.pk, stranger.sk);
    struct keycache *kc = keycache_new(&collector, 2);

    Tz__Enroll en = TZ__ENROLL__INIT;
    en.token = token;
    en.hostname = "lab01";
    Tz__Payload p = TZ__PAYLOAD__INIT;
    p.body_case = TZ__PAYLOAD__BODY_ENROLL;
    p.enroll = &en;
    uint8_t *m[4];
    size_t l[4];
    p.seq = 1;
    cr_assert_eq(envelope_seal(&p, &agent, collector.pk, &m[0], &l[0], &err), 0);
    p.body_case = TZ__PAYLOAD__BODY_HEARTBEAT;
    Tz__Heartbeat hb = TZ__HEARTBEAT__INIT;
    p.heartbeat = &hb;
    p.seq = 2;
    cr_assert_eq(envelope_seal(&p, &agent, collector.pk, &m[1], &l[1], &err), 0);
    p.seq = 3;
    cr_assert_eq(envelope_seal(&p, &agent, collector.pk, &m[2], &l[2], &err), 0);
    m[2][l[2] - 3] ^= 1;   /* forged box from a key the cache holds */
    p.seq = 1;
    cr_assert_eq(envelope_seal(&p, &stranger, collector.pk, &m[3], &l[3], &err), 0);
    struct ingest_req reqs[4];
    for (int i = 0; i < 4; i++)
        reqs[i] = (struct ingest_req){.msg = m[i], .len = l[i]};
    cr_assert_eq(ingest_process_cached(reg, &collector, kc, reqs, 4, TZ_MAX_MSG, 100,
                                       &err), 0);
    int want[] = {TZ__STATUS__OK, TZ__STATUS__OK, TZ__STATUS__FORGED,
                  TZ__STATUS__UNKNOWN_AGENT};
    const struct tz_keypair *who[] = {&agent, &agent, &agent, &stranger};
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(reqs[i].status, want[i], "request %d: %s", i,
                     tz_status_name(reqs[i].status));
        Tz__Ack *a = NULL;
        int auth = 0;
        cr_assert_eq(reply_open(reqs[i].reply, reqs[i].reply_len, who[i], collector.pk,
                                &a, &auth, &err), 0, "%s", err.msg);
        cr_assert_eq(auth, i != 2, "request %d auth %d", i, auth);
        tz__ack__free_unpacked(a, NULL);
        free(reqs[i].reply);
        free(m[i]);
    }
    keycache_free(kc);
    register_close(reg);
    tz_test_rm_rf(dir);
    free(dir);
}
