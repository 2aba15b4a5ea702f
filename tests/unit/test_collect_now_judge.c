/* What an agent does with a "collect now" message (agent/collect_now.c over
 * common/push.c): only a fresh, unseen one from its pinned collector, for
 * itself, labelled as a push, and not too soon after the last, is acted on;
 * everything else is ignored and counted by reason. */
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "collect_now.h"
#include "envelope.h"
#include "push.h"

#define NOW 1790000000
#define AGENT 7

static struct tz_keypair collector, agent, stranger;
static struct collect_now_judge j;
static const struct collect_now_policy policy = {300, 60};

static void setup(void)
{
    crypto_box_keypair(collector.pk, collector.sk);
    crypto_box_keypair(agent.pk, agent.sk);
    crypto_box_keypair(stranger.pk, stranger.sk);
    collect_now_judge_init(&j, AGENT, collector.pk, agent.sk, &policy);
}

TestSuite(collect_now_judge, .init = setup);

static void seal(const struct tz_keypair *from, uint64_t id, int64_t at,
                 const uint8_t rid[16], uint8_t **msg, size_t *len)
{
    struct tz_error err = {0};
    cr_assert_eq(push_seal(from, agent.pk, id, at, rid, msg, len, &err), 0, "%s", err.msg);
}

static enum cn_outcome judge(const uint8_t *msg, size_t len, int64_t now)
{
    uint8_t got[16];
    return collect_now_judge(&j, msg, len, now, got);
}

Test(collect_now_judge, a_fresh_push_from_the_pinned_collector_is_acted_on)
{
    uint8_t rid[16] = {1, 2, 3}, got[16] = {0}, *m;
    size_t n;
    seal(&collector, AGENT, NOW, rid, &m, &n);
    cr_assert_eq(collect_now_judge(&j, m, n, NOW + 5, got), CN_ACT);
    cr_assert_eq(memcmp(got, rid, 16), 0);
    cr_assert_eq(j.counts[CN_ACT], 1);
    free(m);
}

Test(collect_now_judge, sealed_by_another_key_is_forged)
{
    uint8_t rid[16] = {4}, *m;
    size_t n;
    seal(&stranger, AGENT, NOW, rid, &m, &n);
    cr_assert_eq(judge(m, n, NOW), CN_FORGED);
    cr_assert_eq(j.counts[CN_FORGED], 1);
    free(m);
}

Test(collect_now_judge, the_same_request_again_is_a_replay)
{
    uint8_t rid[16] = {5}, *m;
    size_t n;
    seal(&collector, AGENT, NOW, rid, &m, &n);
    cr_assert_eq(judge(m, n, NOW), CN_ACT);
    /* long after the minimum interval: still the same request */
    cr_assert_eq(judge(m, n, NOW + 120), CN_REPLAYED);
    free(m);
}

Test(collect_now_judge, too_old_or_from_the_future_is_stale)
{
    uint8_t rid[16] = {6}, rid2[16] = {7}, *m, *f;
    size_t n, nf;
    seal(&collector, AGENT, NOW - 301, rid, &m, &n);
    seal(&collector, AGENT, NOW + 301, rid2, &f, &nf);
    cr_assert_eq(judge(m, n, NOW), CN_STALE);
    cr_assert_eq(judge(f, nf, NOW), CN_STALE);
    cr_assert_eq(j.counts[CN_STALE], 2);
    free(m);
    free(f);
}

Test(collect_now_judge, for_another_agent_is_ignored)
{
    uint8_t rid[16] = {8}, *m;
    size_t n;
    /* its topic and its box name agent 8 */
    seal(&collector, AGENT + 1, NOW, rid, &m, &n);
    cr_assert_eq(judge(m, n, NOW), CN_OTHER_AGENT);
    /* a box for agent 8 under our topic */
    char topic[PUSH_TOPIC_MAX];
    size_t t8 = push_topic(AGENT + 1, topic), t7 = push_topic(AGENT, topic);
    uint8_t *mine = malloc(n - t8 + t7);
    memcpy(mine, topic, t7);
    memcpy(mine + t7, m + t8, n - t8);
    cr_assert_eq(judge(mine, n - t8 + t7, NOW), CN_OTHER_AGENT);
    free(mine);
    free(m);
}

Test(collect_now_judge, a_flood_is_rate_limited_to_one_per_interval)
{
    int acted = 0, limited = 0;
    for (int i = 0; i < 100; i++) {
        uint8_t rid[16] = {0}, *m;
        size_t n;
        rid[0] = (uint8_t)i;
        rid[1] = 0xee;
        seal(&collector, AGENT, NOW + i / 10, rid, &m, &n);
        enum cn_outcome o = judge(m, n, NOW + i / 10);
        acted += o == CN_ACT;
        limited += o == CN_RATE_LIMITED;
        free(m);
    }
    cr_assert_eq(acted, 1);
    cr_assert_eq(limited, 99);
    uint8_t rid[16] = {9, 9}, *m;
    size_t n;
    seal(&collector, AGENT, NOW + 60, rid, &m, &n);
    cr_assert_eq(judge(m, n, NOW + 60), CN_ACT, "after the interval the next one counts");
    free(m);
}

Test(collect_now_judge, an_ack_box_is_not_a_collect_now)
{
    /* The collector seals Acks with the same key pair: one replayed as a
     * push must not open as a request to collect. */
    Tz__CollectNow cn = TZ__COLLECT_NOW__INIT;
    uint8_t rid[16] = {10};
    cn.agent_id = AGENT;
    cn.issued_at = NOW;
    cn.request_id.data = rid;
    cn.request_id.len = 16;
    cn.direction = TZ__DIRECTION__COLLECTOR_TO_AGENT;
    uint8_t plain[128], box[128 + crypto_box_MACBYTES], nonce[crypto_box_NONCEBYTES];
    size_t pl = tz__collect_now__pack(&cn, plain);
    randombytes_buf(nonce, sizeof(nonce));
    cr_assert_eq(crypto_box_easy(box, plain, pl, nonce, agent.pk, collector.sk), 0);
    Tz__Push p = TZ__PUSH__INIT;
    p.version = PUSH_VERSION;
    p.nonce.data = nonce;
    p.nonce.len = sizeof(nonce);
    p.box.data = box;
    p.box.len = pl + crypto_box_MACBYTES;
    uint8_t msg[512];
    size_t t = push_topic(AGENT, (char *)msg);
    size_t n = t + tz__push__pack(&p, msg + t);
    cr_assert_eq(judge(msg, n, NOW), CN_WRONG_KIND);
}

Test(collect_now_judge, garbage_is_malformed_and_counted)
{
    const uint8_t junk[] = "tz/7/\xff\xff\xff";
    cr_assert_eq(judge(junk, sizeof(junk) - 1, NOW), CN_MALFORMED);
    cr_assert_eq(judge((const uint8_t *)"hello", 5, NOW), CN_MALFORMED);
    uint8_t big[PUSH_MAX_MSG + 1];
    memset(big, 'a', sizeof(big));
    memcpy(big, "tz/7/", 5);
    cr_assert_eq(judge(big, sizeof(big), NOW), CN_MALFORMED);
    cr_assert_eq(j.counts[CN_MALFORMED], 3);
}

Test(collect_now_judge, push_urls_follow_the_collectors)
{
    char out[128];
    cr_assert_eq(push_url_for("tcp://127.0.0.1:7450", out, sizeof(out)), 0);
    cr_assert_str_eq(out, "tcp://127.0.0.1:7452");
    cr_assert_eq(push_url_for("tcp://collector.example.edu.cn:9000", out, sizeof(out)), 0);
    cr_assert_str_eq(out, "tcp://collector.example.edu.cn:9002");
    cr_assert_eq(push_url_for("ipc:///run/tz.sock", out, sizeof(out)), 0);
    cr_assert_str_eq(out, "ipc:///run/tz.sock.pub");
    cr_assert_eq(push_url_for("ws://x:1", out, sizeof(out)), TZ_EINVAL);
    cr_assert_eq(push_url_for("tcp://x:65535", out, sizeof(out)), TZ_EINVAL);
}
