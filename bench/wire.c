/* wire — hand-framed Payloads sealed with a per-agent precomputed key. */
#include "wire.h"
#include "pb_wire.h"

#include <stdlib.h>
#include <string.h>

#include "taizhang.pb-c.h"
#include "tz_error.h"
#include "tz_limits.h"

int wire_agent_init(struct wire_agent *a, const uint8_t collector_pk[TZ_KEY_LEN])
{
    crypto_box_keypair(a->kp.pk, a->kp.sk);
    return crypto_box_beforenm(a->shared, collector_pk, a->kp.sk) == 0 ? 0 : TZ_ECRYPTO;
}


int wire_seal_report(const struct wire_agent *a, uint64_t seq, int64_t sent_at,
                     const uint8_t *report, size_t report_len, uint8_t **out,
                     size_t *out_len)
{
    /* Payload: seq (1), sent_at (2), report (11), direction (15), in field
     * order. */
    size_t cap = report_len + 40;
    uint8_t *plain = malloc(cap);
    uint8_t *box = malloc(cap + crypto_box_MACBYTES);
    if (plain == NULL || box == NULL) {
        free(plain);
        free(box);
        return TZ_ENOMEM;
    }
    size_t n = 0;
    n += pb_wire_put_varint(plain + n, 1u << 3);
    n += pb_wire_put_varint(plain + n, seq);
    n += pb_wire_put_varint(plain + n, 2u << 3);
    n += pb_wire_put_varint(plain + n, (uint64_t)sent_at);
    n += pb_wire_put_varint(plain + n, 11u << 3 | 2);
    n += pb_wire_put_varint(plain + n, report_len);
    memcpy(plain + n, report, report_len);
    n += report_len;
    n += pb_wire_put_varint(plain + n, 15u << 3);
    n += pb_wire_put_varint(plain + n, TZ__DIRECTION__AGENT_TO_COLLECTOR);

    uint8_t nonce[crypto_box_NONCEBYTES];
    randombytes_buf(nonce, sizeof(nonce));
    crypto_box_easy_afternm(box, plain, n, nonce, a->shared);
    free(plain);

    Tz__Envelope env = TZ__ENVELOPE__INIT;
    env.version = TZ_PROTO_VERSION;
    env.agent_pk.data = (uint8_t *)a->kp.pk;
    env.agent_pk.len = TZ_KEY_LEN;
    env.nonce.data = nonce;
    env.nonce.len = sizeof(nonce);
    env.box.data = box;
    env.box.len = n + crypto_box_MACBYTES;
    size_t elen = tz__envelope__get_packed_size(&env);
    uint8_t *e = malloc(elen);
    if (e == NULL) {
        free(box);
        return TZ_ENOMEM;
    }
    tz__envelope__pack(&env, e);
    free(box);
    *out = e;
    *out_len = elen;
    return 0;
}

int wire_open_reply(const struct wire_agent *a, const uint8_t *msg, size_t len,
                    int *status, uint64_t *seq, int *authenticated)
{
    *status = 0;
    *seq = 0;
    *authenticated = 0;
    Tz__Reply *r = tz__reply__unpack(NULL, len, msg);
    if (r == NULL)
        return -1;
    Tz__Ack *ack = NULL;
    if (r->box.len >= crypto_box_MACBYTES && r->nonce.len == crypto_box_NONCEBYTES) {
        size_t plen = r->box.len - crypto_box_MACBYTES;
        uint8_t *plain = malloc(plen ? plen : 1);
        if (plain && crypto_box_open_easy_afternm(plain, r->box.data, r->box.len,
                                                  r->nonce.data, a->shared) == 0) {
            ack = tz__ack__unpack(NULL, plen, plain);
            *authenticated = ack != NULL;
        }
        free(plain);
    } else if (r->plain) {
        ack = r->plain;
        r->plain = NULL;
    }
    tz__reply__free_unpacked(r, NULL);
    if (ack == NULL)
        return -1;
    *status = ack->status;
    *seq = ack->seq;
    tz__ack__free_unpacked(ack, NULL);
    return 0;
}
