/* fuzz_push — what anyone who can reach an agent's SUB socket can send it:
 * "collect now" messages. The first input byte picks the way: raw bytes to
 * the judge, or the rest sealed as a CollectNow plaintext by the pinned
 * collector (so the decoder behind the box is reached too). Checks: only a
 * sealed plaintext that decodes as a COLLECTOR_PUSH CollectNow for this
 * agent with a 16-byte id is ever acted on; raw bytes never are (they
 * cannot carry a box that opens). A plaintext over 128 bytes is refused
 * as malformed whatever it holds. */
#include <stdint.h>
#include <stdlib.h>

#include "collect_now.h"
#include "fuzz_common.h"

#define AGENT 7

static struct tz_keypair collector, agent;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_keypair(FZ_KEY_COLLECTOR, &collector);
    fz_keypair(FZ_KEY_AGENT, &agent);
    return 0;
}

static size_t sealed(const uint8_t *plain, size_t len, uint8_t *out, size_t cap)
{
    uint8_t nonce[crypto_box_NONCEBYTES], box[256 + crypto_box_MACBYTES];
    if (len > 256)
        return 0;
    memset(nonce, 0x50, sizeof(nonce));
    if (crypto_box_easy(box, plain, len, nonce, agent.pk, collector.sk) != 0)
        return 0;
    Tz__Push p = TZ__PUSH__INIT;
    p.version = PUSH_VERSION;
    p.nonce.data = nonce;
    p.nonce.len = sizeof(nonce);
    p.box.data = box;
    p.box.len = len + crypto_box_MACBYTES;
    char topic[PUSH_TOPIC_MAX];
    size_t t = push_topic(AGENT, topic);
    if (t + tz__push__get_packed_size(&p) > cap)
        return 0;
    memcpy(out, topic, t);
    return t + tz__push__pack(&p, out + t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct collect_now_judge j;
    const struct collect_now_policy pol = {300, 0};
    collect_now_judge_init(&j, AGENT, collector.pk, agent.sk, &pol);
    uint8_t rid[PUSH_REQUEST_ID_LEN];
    if (data[0] & 1) {
        if (collect_now_judge(&j, data + 1, size - 1, 1790000000, rid) == CN_ACT)
            abort();   /* raw bytes cannot hold a box the collector sealed */
        return 0;
    }
    uint8_t msg[1024];
    size_t n = sealed(data + 1, size - 1, msg, sizeof(msg));
    if (n == 0)
        return 0;
    enum cn_outcome o = collect_now_judge(&j, msg, n, 1790000000, rid);
    Tz__CollectNow *cn = tz__collect_now__unpack(NULL, size - 1, data + 1);
    /* push_open refuses a plaintext over 128 bytes (a real one is ~40). */
    int valid = cn && size - 1 <= 128 && cn->direction == TZ__DIRECTION__COLLECTOR_PUSH &&
                cn->agent_id == AGENT && cn->request_id.len == PUSH_REQUEST_ID_LEN;
    int fresh = cn && cn->issued_at >= 1790000000 - 300 && cn->issued_at <= 1790000000 + 300;
    if ((o == CN_ACT) != (valid && fresh))
        abort();
    if (o == CN_ACT && memcmp(rid, cn->request_id.data, PUSH_REQUEST_ID_LEN) != 0)
        abort();
    if (cn)
        tz__collect_now__free_unpacked(cn, NULL);
    return 0;
}
