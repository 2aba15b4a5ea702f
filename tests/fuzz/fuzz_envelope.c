/* fuzz_envelope — raw bytes off the wire into envelope_open.
 *
 * This is everything an unauthenticated peer on the campus network can reach:
 * size check, Envelope decoding, version, lengths and crypto_box_open. The
 * seed corpus holds real sealed messages for the fixed collector key, so
 * mutations also reach the box and (rarely) the Payload decoder.
 * envelope_open locates the Envelope's fields in place (pb_wire.h) instead
 * of decoding them and takes only the shape agents write (each field once,
 * its own wire type, no unknown field); its verdict before the box is
 * checked against the generated decoder's on every input. The gated open
 * the collector's ingest runs (envelope_open_gated) is held to it with a
 * key never enrolled: the same verdict for a box no larger than an
 * enrollment, UNKNOWN_AGENT (nothing decoded) or FORGED for a larger one. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "pb_wire.h"

static struct tz_keypair collector;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_keypair(FZ_KEY_COLLECTOR, &collector);
    return 0;
}

/* The Envelope shape envelope_open takes: fields 1..4 each at most once,
 * version a varint of 32 bits, the others length-delimited, nothing else. */
static int plain_shape(const uint8_t *data, size_t size)
{
    unsigned seen = 0;
    size_t pos = 0;
    struct pb_field f;
    int r;
    while ((r = pb_wire_next(data, size, &pos, &f)) == 1) {
        if (f.num < 1 || f.num > 4 || (seen & (1u << f.num)))
            return 0;
        seen |= 1u << f.num;
        if (f.num == 1 ? f.wt != PB_WT_VARINT || f.varint > UINT32_MAX
                       : f.wt != PB_WT_LEN)
            return 0;
    }
    return r == 0;
}

static int never_enrolled(void *arg, const uint8_t pk[TZ_KEY_LEN])
{
    (void)arg;
    (void)pk;
    return 0;
}

/* The gated open of the same input, for a key that is not enrolled. */
static void gated_agrees(const uint8_t *data, size_t size, size_t max,
                         const struct envelope_opened *o, const Tz__Envelope *e)
{
    struct envelope_opened g;
    envelope_open_gated(data, size, max, &collector, NULL, never_enrolled, NULL, &g);
    /* e: only for an envelope that passed every check before the box. */
    int big = e != NULL && e->box.len - 16 > TZ_MAX_UNKNOWN_PAYLOAD;
    if (!big) {
        /* The lazy open checks sections later: only verdicts before the
         * Payload's bounds must be the same. */
        int later = o->status == TZ__STATUS__OK || o->status == TZ__STATUS__INVALID ||
                    o->status == TZ__STATUS__MALFORMED;
        if (!later && g.status != o->status)
            abort();
    } else if (o->status == TZ__STATUS__FORGED) {
        if (g.status != TZ__STATUS__FORGED || g.have_pk)
            abort();
    } else if (g.status != TZ__STATUS__UNKNOWN_AGENT || g.payload || g.arena ||
               g.box.m || !g.have_pk) {
        abort();   /* a box that opens: refused unread, nothing held */
    }
    envelope_opened_free(&g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct envelope_opened o;
    /* A small limit too, so the TOO_LARGE branch is reached. */
    size_t max = size > 0 && (data[0] & 1) ? 64 : TZ_MAX_MSG;
    envelope_open(data, size, max, &collector, &o);
    /* The contract the ingest relies on: a payload iff OK, and a reply key
     * only for a box that opened. */
    if ((o.status == TZ__STATUS__OK) != (o.payload != NULL))
        abort();
    if (o.status == TZ__STATUS__FORGED && o.have_pk)
        abort();
    if (o.status == TZ__STATUS__STATUS_UNSPECIFIED)
        abort();
    if (memchr(o.detail, '\0', sizeof(o.detail)) == NULL)
        abort();
    /* Only a request labelled agent->collector opens, and only its
     * well-formed request id is kept for the answer. */
    if (o.payload && o.payload->direction != TZ__DIRECTION__AGENT_TO_COLLECTOR)
        abort();
    if (o.payload && o.payload->request_id.len != 0 &&
        o.payload->request_id.len != TZ_REQUEST_ID_LEN)
        abort();
    if (o.have_request_id && (o.payload ? o.payload->request_id.len != TZ_REQUEST_ID_LEN
                                        : o.status == TZ__STATUS__FORGED))
        abort();

    /* What the generated decoder says the verdict must be, up to the box. */
    if (size <= max) {
        Tz__Envelope *e = tz__envelope__unpack(NULL, size, data);
        int want = e == NULL || !plain_shape(data, size) ? TZ__STATUS__MALFORMED
                   : e->version != TZ_PROTO_VERSION ? TZ__STATUS__BAD_VERSION
                   : e->agent_pk.len != TZ_KEY_LEN || e->nonce.len != 24 || e->box.len < 16
                       ? TZ__STATUS__MALFORMED
                       : -1;   /* the box decides */
        if (want >= 0 && o.status != want)
            abort();
        if (want < 0 && (o.status == TZ__STATUS__BAD_VERSION ||
                         o.status == TZ__STATUS__TOO_LARGE ||
                         (o.status == TZ__STATUS__MALFORMED &&
                          strcmp(o.detail, "payload does not decode") != 0 &&
                          strstr(o.detail, "(direction)") == NULL)))
            abort();
        if (want < 0 && o.have_pk && memcmp(o.agent_pk, e->agent_pk.data, TZ_KEY_LEN) != 0)
            abort();
        gated_agrees(data, size, max, &o, want < 0 ? e : NULL);
        if (e)
            tz__envelope__free_unpacked(e, NULL);
    }
    envelope_opened_free(&o);
    return 0;
}
