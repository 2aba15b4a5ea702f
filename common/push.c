/* push — sealing and opening "collect now". */
#include "push.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

size_t push_topic(uint64_t agent_id, char buf[PUSH_TOPIC_MAX])
{
    int n = snprintf(buf, PUSH_TOPIC_MAX, "tz/%" PRIu64 "/", agent_id);
    return n > 0 ? (size_t)n : 0;
}

int push_seal(const struct tz_keypair *collector, const uint8_t agent_pk[32],
              uint64_t agent_id, int64_t issued_at,
              const uint8_t request_id[PUSH_REQUEST_ID_LEN], uint8_t **out,
              size_t *len, struct tz_error *err)
{
    Tz__CollectNow cn = TZ__COLLECT_NOW__INIT;
    cn.agent_id = agent_id;
    cn.issued_at = issued_at;
    cn.request_id.data = (uint8_t *)request_id;
    cn.request_id.len = PUSH_REQUEST_ID_LEN;
    cn.direction = TZ__DIRECTION__COLLECTOR_PUSH;
    uint8_t plain[128], box[128 + crypto_box_MACBYTES];
    uint8_t nonce[crypto_box_NONCEBYTES];
    size_t plen = tz__collect_now__get_packed_size(&cn);
    if (plen > sizeof(plain))
        return tz_err(err, TZ_ELIMIT, NULL, 0, "collect-now message too large");
    tz__collect_now__pack(&cn, plain);
    randombytes_buf(nonce, sizeof(nonce));
    if (crypto_box_easy(box, plain, plen, nonce, agent_pk, collector->sk) != 0)
        return tz_err(err, TZ_ECRYPTO, NULL, 0, "crypto_box failed (bad agent key?)");
    Tz__Push p = TZ__PUSH__INIT;
    p.version = PUSH_VERSION;
    p.nonce.data = nonce;
    p.nonce.len = sizeof(nonce);
    p.box.data = box;
    p.box.len = plen + crypto_box_MACBYTES;
    char topic[PUSH_TOPIC_MAX];
    size_t tlen = push_topic(agent_id, topic);
    size_t n = tlen + tz__push__get_packed_size(&p);
    uint8_t *buf = malloc(n);
    if (buf == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    memcpy(buf, topic, tlen);
    tz__push__pack(&p, buf + tlen);
    *out = buf;
    *len = n;
    return 0;
}

enum push_verdict push_open(const uint8_t *msg, size_t len, uint64_t agent_id,
                            const uint8_t collector_pk[32],
                            const uint8_t agent_sk[32], int64_t *issued_at,
                            uint8_t request_id[PUSH_REQUEST_ID_LEN])
{
    char topic[PUSH_TOPIC_MAX];
    size_t tlen = push_topic(agent_id, topic);
    if (len > PUSH_MAX_MSG || len < 3 || memcmp(msg, "tz/", 3) != 0)
        return PUSH_MALFORMED;
    if (len < tlen || memcmp(msg, topic, tlen) != 0)
        return PUSH_OTHER_AGENT;
    Tz__Push *p = tz__push__unpack(NULL, len - tlen, msg + tlen);
    if (p == NULL || p->version != PUSH_VERSION ||
        p->nonce.len != crypto_box_NONCEBYTES ||
        p->box.len < crypto_box_MACBYTES || p->box.len > 128 + crypto_box_MACBYTES) {
        if (p)
            tz__push__free_unpacked(p, NULL);
        return PUSH_MALFORMED;
    }
    uint8_t plain[128];
    size_t plen = p->box.len - crypto_box_MACBYTES;
    int opened = crypto_box_open_easy(plain, p->box.data, p->box.len, p->nonce.data,
                                      collector_pk, agent_sk) == 0;
    tz__push__free_unpacked(p, NULL);
    if (!opened)
        return PUSH_FORGED;
    Tz__CollectNow *cn = tz__collect_now__unpack(NULL, plen, plain);
    sodium_memzero(plain, sizeof(plain));
    enum push_verdict v = PUSH_OK;
    if (cn == NULL || cn->direction != TZ__DIRECTION__COLLECTOR_PUSH ||
        cn->request_id.len != PUSH_REQUEST_ID_LEN)
        v = PUSH_WRONG_KIND;
    else if (cn->agent_id != agent_id)
        v = PUSH_OTHER_AGENT;
    if (v == PUSH_OK) {
        *issued_at = cn->issued_at;
        memcpy(request_id, cn->request_id.data, PUSH_REQUEST_ID_LEN);
    }
    if (cn)
        tz__collect_now__free_unpacked(cn, NULL);
    return v;
}

const char *push_verdict_name(enum push_verdict v)
{
    switch (v) {
    case PUSH_OK: return "ok";
    case PUSH_MALFORMED: return "malformed";
    case PUSH_OTHER_AGENT: return "for another agent";
    case PUSH_FORGED: return "forged";
    case PUSH_WRONG_KIND: return "not a collect-now";
    }
    return "?";
}

int push_url_for(const char *url, char *out, size_t len)
{
    if (strncmp(url, "ipc://", 6) == 0) {
        int n = snprintf(out, len, "%s.pub", url);
        return n > 0 && (size_t)n < len ? 0 : TZ_EINVAL;
    }
    if (strncmp(url, "tcp://", 6) != 0)
        return TZ_EINVAL;
    const char *colon = strrchr(url + 6, ':');
    if (colon == NULL || colon[1] == '\0' || strchr(colon, ']'))
        return TZ_EINVAL;
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || port == 0 || port > 65533)
        return TZ_EINVAL;
    int n = snprintf(out, len, "%.*s:%lu", (int)(colon - url), url, port + 2);
    return n > 0 && (size_t)n < len ? 0 : TZ_EINVAL;
}
