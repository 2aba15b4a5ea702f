/* envelope — libsodium crypto_box around protobuf payloads (DESIGN.md §2). */
#include "envelope.h"

#include "arena.h"
#include "box_lazy.h"
#include "payload_lazy.h"
#include "pb_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tz_limits.h"
#include "validate.h"

const char *tz_status_name(int status)
{
    switch (status) {
    case TZ__STATUS__OK: return "ok";
    case TZ__STATUS__MALFORMED: return "malformed";
    case TZ__STATUS__BAD_VERSION: return "bad_version";
    case TZ__STATUS__FORGED: return "forged";
    case TZ__STATUS__UNKNOWN_AGENT: return "unknown_agent";
    case TZ__STATUS__REPLAY: return "replay";
    case TZ__STATUS__TOO_LARGE: return "too_large";
    case TZ__STATUS__BAD_TOKEN: return "bad_token";
    case TZ__STATUS__INVALID: return "invalid";
    case TZ__STATUS__NEED_FULL: return "need_full";
    case TZ__STATUS__STORAGE_ERROR: return "storage_error";
    case TZ__STATUS__STALE_EPOCH: return "stale_epoch";
    case TZ__STATUS__REVOKED: return "revoked";
    case TZ__STATUS__OVER_QUOTA: return "over_quota";
    default: return "unspecified";
    }
}

int envelope_seal(const Tz__Payload *in, const struct tz_keypair *agent,
                  const uint8_t collector_pk[TZ_KEY_LEN], uint8_t **out,
                  size_t *out_len, struct tz_error *err)
{
    Tz__Payload labelled = *in;   /* shallow: only the label changes */
    labelled.direction = TZ__DIRECTION__AGENT_TO_COLLECTOR;
    const Tz__Payload *payload = &labelled;
    size_t plen = tz__payload__get_packed_size(payload);
    if (plen > TZ_MAX_MSG)
        return tz_err(err, TZ_ELIMIT, NULL, 0,
                      "report of %zu bytes exceeds the %u byte limit", plen,
                      TZ_MAX_MSG);
    uint8_t *plain = malloc(plen ? plen : 1);
    uint8_t *box = malloc(plen + crypto_box_MACBYTES);
    if (plain == NULL || box == NULL) {
        free(plain);
        free(box);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    tz__payload__pack(payload, plain);
    uint8_t nonce[crypto_box_NONCEBYTES];
    randombytes_buf(nonce, sizeof(nonce));
    if (crypto_box_easy(box, plain, plen, nonce, collector_pk, agent->sk) != 0) {
        free(plain);
        free(box);
        return tz_err(err, TZ_ECRYPTO, NULL, 0, "crypto_box failed (bad collector key?)");
    }
    free(plain);

    Tz__Envelope env = TZ__ENVELOPE__INIT;
    env.version = TZ_PROTO_VERSION;
    env.agent_pk.data = (uint8_t *)agent->pk;
    env.agent_pk.len = TZ_KEY_LEN;
    env.nonce.data = nonce;
    env.nonce.len = sizeof(nonce);
    env.box.data = box;
    env.box.len = plen + crypto_box_MACBYTES;
    size_t elen = tz__envelope__get_packed_size(&env);
    uint8_t *e = malloc(elen);
    if (e == NULL) {
        free(box);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    tz__envelope__pack(&env, e);
    free(box);
    *out = e;
    *out_len = elen;
    return 0;
}

static void opened_fail(struct envelope_opened *o, int status, const char *why)
{
    o->status = status;
    snprintf(o->detail, sizeof(o->detail), "%s", why);
}

/* Where an Envelope's fields are in msg. */
struct env_view {
    uint64_t version;
    ProtobufCBinaryData pk, nonce, box;
};

/* Locate the fields without copying the box: 1 for the shape agents write
 * (each field at most once, with its own wire type, no unknown field), 0
 * for anything else, which is refused: the generated decoder would copy
 * the box and every unknown field before the key is even looked at. */
static int envelope_view(const uint8_t *msg, size_t len, struct env_view *v)
{
    memset(v, 0, sizeof(*v));
    unsigned seen = 0;
    size_t pos = 0;
    struct pb_field f;
    int r;
    while ((r = pb_wire_next(msg, len, &pos, &f)) == 1) {
        if (f.num > 4 || (seen & (1u << f.num)))
            return 0;
        seen |= 1u << f.num;
        if (f.num == 1) {
            if (f.wt != PB_WT_VARINT || f.varint > UINT32_MAX)
                return 0;
            v->version = f.varint;
            continue;
        }
        if (f.wt != PB_WT_LEN)
            return 0;
        ProtobufCBinaryData *d = f.num == 2 ? &v->pk : f.num == 3 ? &v->nonce : &v->box;
        d->data = (uint8_t *)msg + f.vstart;
        d->len = f.vlen;
    }
    return r == 0;
}

/* The decoded payload p (NULL: it did not decode), checked. */
static void opened_payload(struct envelope_opened *o, Tz__Payload *p)
{
    if (p == NULL) {
        envelope_opened_free(o);
        return opened_fail(o, TZ__STATUS__MALFORMED, "payload does not decode");
    }
    if (p->direction != TZ__DIRECTION__AGENT_TO_COLLECTOR) {
        envelope_opened_free(o);
        return opened_fail(o, TZ__STATUS__MALFORMED,
                           "payload is not labelled agent->collector (direction): "
                           "a reply sent back?");
    }
    /* Kept for the answer even if the bounds refuse the Payload: the agent
     * ties a refusal to its request by both (agent/session.c). */
    if (p->request_id.len == TZ_REQUEST_ID_LEN) {
        memcpy(o->request_id, p->request_id.data, TZ_REQUEST_ID_LEN);
        o->have_request_id = 1;
    }
    o->seq = p->seq;
    int st = validate_payload(p, o->detail, sizeof(o->detail));
    if (st != TZ__STATUS__OK) {
        envelope_opened_free(o);
        o->status = st;
        return;
    }
    o->payload = p;
    o->status = TZ__STATUS__OK;
}

static void need_plain(void *arg, size_t from, size_t to)
{
    box_lazy_need(arg, from, to);
}

/* The shared key of the collector and o->agent_pk: get_key's, or computed
 * into own (one X25519 multiplication). NULL when the key is unusable. */
static const uint8_t *shared_key(const struct envelope_opened *o,
                                 const struct tz_keypair *collector,
                                 envelope_key_fn get_key, void *key_arg,
                                 uint8_t own[crypto_box_BEFORENMBYTES])
{
    const uint8_t *shared = get_key ? get_key(key_arg, o->agent_pk) : NULL;
    if (shared == NULL && crypto_box_beforenm(own, o->agent_pk, collector->sk) == 0)
        shared = own;
    return shared;
}

/* The seq and request id from the first n bytes of a Payload (protobuf-c
 * writes fields 1..4 first); a field cut off by the end is left unread. */
static void read_head(struct envelope_opened *o, const uint8_t *head, size_t n)
{
    size_t pos = 0;
    struct pb_field f;
    while (pb_wire_next(head, n, &pos, &f) == 1) {
        if (f.num == 1 && f.wt == PB_WT_VARINT)
            o->seq = f.varint;
        if (f.num == 3 && f.wt == PB_WT_LEN && f.vlen == TZ_REQUEST_ID_LEN) {
            memcpy(o->request_id, head + f.vstart, TZ_REQUEST_ID_LEN);
            o->have_request_id = 1;
        }
    }
}

/* A box too large for a key that is not enrolled: verified (so the answer
 * can be sealed to a key the sender holds), its head read for the answer,
 * the rest neither decrypted nor copied. */
static void refuse_unknown(struct envelope_opened *o, const struct env_view *env,
                           const struct tz_keypair *collector, envelope_key_fn get_key,
                           void *key_arg)
{
    uint8_t own[crypto_box_BEFORENMBYTES], head[64];
    const uint8_t *shared = shared_key(o, collector, get_key, key_arg, own);
    long n = shared ? box_head_open(env->box.data, env->box.len, env->nonce.data, shared,
                                    head, sizeof(head))
                    : -1;
    sodium_memzero(own, sizeof(own));
    if (n < 0) {
        o->have_pk = 0;   /* as in open_box: proves nothing about the sender */
        return opened_fail(o, TZ__STATUS__FORGED,
                           "box does not open with the claimed agent key");
    }
    read_head(o, head, (size_t)n);
    sodium_memzero(head, sizeof(head));
    o->status = TZ__STATUS__UNKNOWN_AGENT;
    snprintf(o->detail, sizeof(o->detail), "agent key not enrolled: enroll first (an "
             "unknown key may send only an enrollment, %d bytes at most; this was %zu)",
             TZ_MAX_UNKNOWN_PAYLOAD, env->box.len - crypto_box_MACBYTES);
}

/* open_box's second half for envelope_open_gated: the box verified whole
 * and decrypted only as far as the Payload is read (box_lazy.h). */
static void open_lazy(struct envelope_opened *o, const struct env_view *env,
                      const struct tz_keypair *collector, envelope_key_fn get_key,
                      void *key_arg)
{
    uint8_t own[crypto_box_BEFORENMBYTES];
    const uint8_t *shared = shared_key(o, collector, get_key, key_arg, own);
    int rc = shared ? box_lazy_open(&o->box, env->box.data, env->box.len,
                                    env->nonce.data, shared)
                    : -1;
    sodium_memzero(own, sizeof(own));
    if (rc == TZ_ENOMEM)
        return opened_fail(o, TZ__STATUS__STORAGE_ERROR, "out of memory");
    if (rc != 0) {
        o->have_pk = 0;   /* as in open_box: proves nothing about the sender */
        return opened_fail(o, TZ__STATUS__FORGED,
                           "box does not open with the claimed agent key");
    }
    o->arena = arena_new();
    if (o->arena == NULL) {
        box_lazy_free(&o->box);
        return opened_fail(o, TZ__STATUS__STORAGE_ERROR, "out of memory");
    }
    Tz__Payload *p;
    if (payload_split(o->box.m, o->box.len, o->arena, &p, &o->lazy, need_plain,
                      &o->box) != 0)
        p = NULL;
    opened_payload(o, p);
}

/* How to open: lazily (envelope_open_gated) or whole, and whom to ask. */
struct open_how {
    int lazy;
    envelope_key_fn get_key;   /* may be NULL */
    envelope_known_fn known;   /* may be NULL: no key is refused unread */
    void *key_arg;
};

/* A box from a key that is not enrolled is refused unread when its Payload
 * would be larger than an enrollment: 1 when o is answered here. */
static int gate(struct envelope_opened *o, const struct env_view *env,
                const struct tz_keypair *collector, const struct open_how *how)
{
    if (how->known == NULL || env->box.len - crypto_box_MACBYTES <= TZ_MAX_UNKNOWN_PAYLOAD)
        return 0;
    int k = how->known(how->key_arg, o->agent_pk);
    if (k > 0)
        return 0;
    if (k < 0) {
        o->have_pk = 0;   /* nothing opened: answer plain */
        opened_fail(o, TZ__STATUS__STORAGE_ERROR,
                    "collector could not look the agent key up; retry later");
        return 1;
    }
    refuse_unknown(o, env, collector, how->get_key, how->key_arg);
    return 1;
}

/* Open with the shared key from get_key when it has one, else with the
 * collector's secret key (one X25519 multiplication). */
static void open_box(const uint8_t *msg, size_t len, size_t max_len,
                     const struct tz_keypair *collector, const struct open_how *how,
                     struct envelope_opened *o)
{
    memset(o, 0, sizeof(*o));
    if (len > max_len) {
        snprintf(o->detail, sizeof(o->detail),
                 "message of %zu bytes exceeds the %zu byte limit", len, max_len);
        o->status = TZ__STATUS__TOO_LARGE;
        return;
    }
    struct env_view ev;
    if (!envelope_view(msg, len, &ev))
        return opened_fail(o, TZ__STATUS__MALFORMED,
                           "not an envelope in the shape agents send (a field "
                           "unknown, repeated or of the wrong type, or cut off)");
    const struct env_view *env = &ev;
    if (env->version != TZ_PROTO_VERSION) {
        snprintf(o->detail, sizeof(o->detail),
                 "protocol version %llu not supported (this collector speaks %u)",
                 (unsigned long long)env->version, TZ_PROTO_VERSION);
        o->status = TZ__STATUS__BAD_VERSION;
        return;
    }
    if (env->pk.len != TZ_KEY_LEN || env->nonce.len != crypto_box_NONCEBYTES ||
        env->box.len < crypto_box_MACBYTES)
        return opened_fail(o, TZ__STATUS__MALFORMED,
                           "envelope key, nonce or box has the wrong length");
    memcpy(o->agent_pk, env->pk.data, TZ_KEY_LEN);
    o->have_pk = 1;
    if (gate(o, env, collector, how))
        return;
    if (how->lazy)
        return open_lazy(o, env, collector, how->get_key, how->key_arg);

    size_t plen = env->box.len - crypto_box_MACBYTES;
    uint8_t *plain = malloc(plen ? plen : 1);
    if (plain == NULL)
        return opened_fail(o, TZ__STATUS__STORAGE_ERROR, "out of memory");
    const uint8_t *shared = how->get_key ? how->get_key(how->key_arg, o->agent_pk) : NULL;
    int orc = shared ? crypto_box_open_easy_afternm(plain, env->box.data, env->box.len,
                                                    env->nonce.data, shared)
                     : crypto_box_open_easy(plain, env->box.data, env->box.len,
                                            env->nonce.data, o->agent_pk, collector->sk);
    if (orc != 0) {
        free(plain);
        /* A box that does not open proves nothing about who sent it: do not
         * seal the answer to a key the sender may not hold. */
        o->have_pk = 0;
        return opened_fail(o, TZ__STATUS__FORGED,
                           "box does not open with the claimed agent key");
    }

    /* Decoded into an arena: thousands of small blocks, freed at once. */
    o->arena = arena_new();
    if (o->arena == NULL) {
        free(plain);
        return opened_fail(o, TZ__STATUS__STORAGE_ERROR, "out of memory");
    }
    ProtobufCAllocator al;
    arena_allocator(o->arena, &al);
    Tz__Payload *p = tz__payload__unpack(&al, plen, plain);
    free(plain);
    opened_payload(o, p);
}

void envelope_open(const uint8_t *msg, size_t len, size_t max_len,
                   const struct tz_keypair *collector, struct envelope_opened *o)
{
    const struct open_how how = {0};
    open_box(msg, len, max_len, collector, &how, o);
}

void envelope_open_gated(const uint8_t *msg, size_t len, size_t max_len,
                         const struct tz_keypair *collector, envelope_key_fn get_key,
                         envelope_known_fn known, void *key_arg,
                         struct envelope_opened *o)
{
    const struct open_how how = {.lazy = 1, .get_key = get_key, .known = known,
                                 .key_arg = key_arg};
    open_box(msg, len, max_len, collector, &how, o);
}

void envelope_opened_free(struct envelope_opened *o)
{
    arena_free(o->arena);   /* the payload lives in it */
    box_lazy_free(&o->box); /* and its encoded sections in this */
    o->arena = NULL;
    o->payload = NULL;
    memset(&o->lazy, 0, sizeof(o->lazy));
}

/* Box ack with the precomputed key shared, or send it plain when shared is
 * NULL. One key argument, not two alternatives: no path can reach
 * crypto_box with half of them missing. */
static int seal_reply(const Tz__Ack *in, const uint8_t *shared,
                      uint8_t **out, size_t *out_len, struct tz_error *err)
{
    Tz__Ack labelled = *in;   /* shallow: only the label changes */
    labelled.direction = TZ__DIRECTION__COLLECTOR_TO_AGENT;
    const Tz__Ack *ack = &labelled;
    Tz__Reply r = TZ__REPLY__INIT;
    r.version = TZ_PROTO_VERSION;
    uint8_t nonce[crypto_box_NONCEBYTES];
    uint8_t *box = NULL;
    if (shared) {
        size_t alen = tz__ack__get_packed_size(ack);
        uint8_t *plain = malloc(alen ? alen : 1);
        box = malloc(alen + crypto_box_MACBYTES);
        if (plain == NULL || box == NULL) {
            free(plain);
            free(box);
            return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
        }
        tz__ack__pack(ack, plain);
        randombytes_buf(nonce, sizeof(nonce));
        if (crypto_box_easy_afternm(box, plain, alen, nonce, shared) != 0) {
            free(plain);
            free(box);
            return tz_err(err, TZ_ECRYPTO, NULL, 0, "crypto_box failed");
        }
        free(plain);
        r.nonce.data = nonce;
        r.nonce.len = sizeof(nonce);
        r.box.data = box;
        r.box.len = alen + crypto_box_MACBYTES;
    } else {
        r.plain = (Tz__Ack *)ack;
    }
    size_t len = tz__reply__get_packed_size(&r);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf == NULL) {
        free(box);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    tz__reply__pack(&r, buf);
    free(box);
    *out = buf;
    *out_len = len;
    return 0;
}

int reply_seal(const Tz__Ack *ack, const uint8_t *agent_pk,
               const struct tz_keypair *collector, uint8_t **out,
               size_t *out_len, struct tz_error *err)
{
    if (agent_pk == NULL)
        return seal_reply(ack, NULL, out, out_len, err);
    /* crypto_box_easy is beforenm + easy_afternm: the same box. */
    uint8_t shared[crypto_box_BEFORENMBYTES];
    if (crypto_box_beforenm(shared, agent_pk, collector->sk) != 0)
        return tz_err(err, TZ_ECRYPTO, NULL, 0, "crypto_box_beforenm failed");
    int rc = seal_reply(ack, shared, out, out_len, err);
    sodium_memzero(shared, sizeof(shared));
    return rc;
}

int reply_seal_afternm(const Tz__Ack *ack, const uint8_t *shared, uint8_t **out,
                       size_t *out_len, struct tz_error *err)
{
    if (shared == NULL)
        return tz_err(err, TZ_EINVAL, NULL, 0, "no shared key to seal with");
    return seal_reply(ack, shared, out, out_len, err);
}

int reply_open(const uint8_t *msg, size_t len, const struct tz_keypair *agent,
               const uint8_t collector_pk[TZ_KEY_LEN], Tz__Ack **ack,
               int *authenticated, struct tz_error *err)
{
    *authenticated = 0;
    Tz__Reply *r = tz__reply__unpack(NULL, len, msg);
    if (r == NULL)
        return tz_err(err, TZ_EPROTO, NULL, 0, "collector reply does not decode");
    if (r->box.len > 0) {
        if (r->nonce.len != crypto_box_NONCEBYTES || r->box.len < crypto_box_MACBYTES) {
            tz__reply__free_unpacked(r, NULL);
            return tz_err(err, TZ_EPROTO, NULL, 0, "collector reply malformed");
        }
        size_t plen = r->box.len - crypto_box_MACBYTES;
        uint8_t *plain = malloc(plen ? plen : 1);
        if (plain == NULL) {
            tz__reply__free_unpacked(r, NULL);
            return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
        }
        if (crypto_box_open_easy(plain, r->box.data, r->box.len, r->nonce.data,
                                 collector_pk, agent->sk) != 0) {
            free(plain);
            tz__reply__free_unpacked(r, NULL);
            return tz_err(err, TZ_ECRYPTO, NULL, 0,
                          "collector reply is not from the pinned collector key");
        }
        Tz__Ack *a = tz__ack__unpack(NULL, plen, plain);
        free(plain);
        tz__reply__free_unpacked(r, NULL);
        if (a == NULL)
            return tz_err(err, TZ_EPROTO, NULL, 0, "collector ack does not decode");
        if (a->direction != TZ__DIRECTION__COLLECTOR_TO_AGENT) {
            tz__ack__free_unpacked(a, NULL);
            return tz_err(err, TZ_EPROTO, NULL, 0, "collector reply is not labelled "
                          "collector->agent (direction): one of our requests sent back?");
        }
        *ack = a;
        *authenticated = 1;
        return 0;
    }
    if (r->plain == NULL) {
        tz__reply__free_unpacked(r, NULL);
        return tz_err(err, TZ_EPROTO, NULL, 0, "collector reply is empty");
    }
    /* Detach the plain ack so the reply can be freed on its own. */
    Tz__Ack *a = r->plain;
    r->plain = NULL;
    tz__reply__free_unpacked(r, NULL);
    *ack = a;
    return 0;
}
