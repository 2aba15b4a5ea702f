/* fuzz_reply — what a fake collector (or anyone on the path) can send back
 * to an agent: reply_open on raw bytes, and on an Ack plaintext sealed with
 * the pinned collector key. The first input byte picks the way. An agent
 * trusts only authenticated replies, so the checks here are that a failed
 * open never says "authenticated", a sealed Ack that decodes and carries
 * the collector->agent label always does, and nothing else does. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"

static struct tz_keypair collector, agent;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_keypair(FZ_KEY_COLLECTOR, &collector);
    fz_keypair(FZ_KEY_AGENT, &agent);
    return 0;
}

/* Reply{version 1, nonce, box(ack bytes)} sealed by the collector. */
static uint8_t *seal_reply(const uint8_t *plain, size_t len, size_t *out_len)
{
    uint8_t nonce[crypto_box_NONCEBYTES];
    memset(nonce, 0x52, sizeof(nonce));
    uint8_t *box = malloc(len + crypto_box_MACBYTES);
    if (box == NULL)
        return NULL;
    if (crypto_box_easy(box, plain, len, nonce, agent.pk, collector.sk) != 0) {
        free(box);
        return NULL;
    }
    Tz__Reply r = TZ__REPLY__INIT;
    r.version = TZ_PROTO_VERSION;
    r.nonce.data = nonce;
    r.nonce.len = sizeof(nonce);
    r.box.data = box;
    r.box.len = len + crypto_box_MACBYTES;
    *out_len = tz__reply__get_packed_size(&r);
    uint8_t *out = malloc(*out_len ? *out_len : 1);
    if (out)
        tz__reply__pack(&r, out);
    free(box);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int sealed = data[0] & 1;
    const uint8_t *msg = data + 1;
    size_t len = size - 1;
    uint8_t *buf = NULL;
    if (sealed) {
        buf = seal_reply(msg, len, &len);
        if (buf == NULL)
            return 0;
        msg = buf;
    }
    Tz__Ack *ack = NULL;
    int auth = -1;
    struct tz_error err = {0};
    int rc = reply_open(msg, len, &agent, collector.pk, &ack, &auth, &err);
    if (rc == 0) {
        if (ack == NULL)
            abort();
        if (sealed && !auth)
            abort();    /* our own sealed reply must authenticate */
        if (auth && ack->direction != TZ__DIRECTION__COLLECTOR_TO_AGENT)
            abort();    /* a request sent back never passes for an answer */
        if (ack->request_id.len > 0 && ack->request_id.data == NULL)
            abort();
        tz__ack__free_unpacked(ack, NULL);
    } else if (auth != 0) {
        abort();
    }
    free(buf);
    return 0;
}
