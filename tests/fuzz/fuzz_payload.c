/* fuzz_payload — fuzzer bytes as the plaintext inside a valid box.
 *
 * What a compromised (enrolled) agent can send: its box opens, so the
 * Payload decoder and validate_payload see whatever it packed. Each input
 * goes two ways: tz__payload__unpack + validate_payload directly (fast,
 * where the fuzzer finds its coverage), and sealed with the fixed agent key
 * through envelope_open; and through envelope_open_gated for an enrolled
 * key, with every encoded section decoded (the path the collector's ingest
 * takes, payload_lazy.h),
 * which must accept exactly what the whole decode accepts, with the same
 * content. A payload that validates is also printed with pb_json, as tzctl
 * host show would. */
#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "fuzz_common.h"
#include "payload_lazy.h"
#include "pb_json.h"
#include "validate.h"

static struct tz_keypair collector, agent;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_keypair(FZ_KEY_COLLECTOR, &collector);
    fz_keypair(FZ_KEY_AGENT, &agent);
    return 0;
}

static uint8_t *pack(const ProtobufCMessage *m, size_t *n)
{
    *n = protobuf_c_message_get_packed_size(m);
    uint8_t *b = malloc(*n ? *n : 1);
    if (b == NULL || protobuf_c_message_pack(m, b) != *n)
        abort();
    return b;
}

/* The fixed agent key is enrolled: its boxes of any size are opened. */
static int enrolled(void *arg, const uint8_t pk[TZ_KEY_LEN])
{
    (void)arg;
    return memcmp(pk, agent.pk, TZ_KEY_LEN) == 0;
}

/* The ingest's open of msg accepts iff the whole decode did (direct_ok),
 * and then packs to the same bytes (direct_packed) once its sections are
 * in. */
static void lazy_agrees(const uint8_t *msg, size_t len, int direct_ok,
                        const uint8_t *direct_packed, size_t direct_len)
{
    struct envelope_opened o;
    envelope_open_gated(msg, len, TZ_MAX_MSG + 1024, &collector, NULL, enrolled, NULL,
                        &o);
    int ok = o.status == TZ__STATUS__OK;
    if (ok && o.payload->body_case == TZ__PAYLOAD__BODY_REPORT) {
        for (int k = TZ_SECTION_FIRST; ok && k <= TZ_SECTION_LAST; k++) {
            if ((o.lazy.present & (1u << k)) == 0)
                continue;
            ProtobufCMessage *m;
            char detail[160];
            int st = payload_section_decode(&o.lazy, k, &m, detail, sizeof(detail));
            if (st != TZ__STATUS__OK && st != TZ__STATUS__INVALID &&
                st != TZ__STATUS__MALFORMED)
                abort();
            if (st != TZ__STATUS__OK)
                ok = 0;
            else
                *tz_section_slot(o.payload->report, k) = m;
        }
    }
    if (ok != direct_ok)
        abort();
    if (ok) {
        size_t n;
        uint8_t *b = pack(&o.payload->base, &n);
        if (n != direct_len || memcmp(b, direct_packed, n) != 0)
            abort();
        free(b);
    }
    envelope_opened_free(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int direct = TZ__STATUS__MALFORMED;
    uint8_t *direct_packed = NULL;
    size_t direct_len = 0;
    int labelled = 0;     /* decoded with the request label */
    uint64_t seq = 0;
    Tz__Payload *p = tz__payload__unpack(NULL, size, data);
    if (p != NULL) {
        labelled = p->direction == TZ__DIRECTION__AGENT_TO_COLLECTOR;
        seq = p->seq;
        char detail[160];
        /* envelope_open refuses a Payload without the request label first
         * (a reflected reply), then checks bounds. */
        direct = p->direction != TZ__DIRECTION__AGENT_TO_COLLECTOR
                     ? TZ__STATUS__MALFORMED
                     : validate_payload(p, detail, sizeof(detail));
        if (direct != TZ__STATUS__OK && direct != TZ__STATUS__INVALID &&
            direct != TZ__STATUS__MALFORMED)
            abort();
        if (direct == TZ__STATUS__OK) {
            cJSON *j = pb_to_json(&p->base);
            char *s = j ? cJSON_PrintUnformatted(j) : NULL;
            cJSON_free(s);
            cJSON_Delete(j);
            /* What was accepted must pack again (the register re-packs
             * sections to hash and store them). */
            direct_packed = pack(&p->base, &direct_len);
        }
        tz__payload__free_unpacked(p, NULL);
    }

    uint8_t *msg;
    size_t len;
    if (fz_seal_raw(data, size, &agent, collector.pk, TZ_PROTO_VERSION, &msg,
                    &len) != 0) {
        free(direct_packed);
        return 0;
    }
    struct envelope_opened o;
    envelope_open(msg, len, TZ_MAX_MSG + 1024, &collector, &o);
    /* Both paths must agree on the verdict. */
    if (o.status != direct)
        abort();
    if (o.status == TZ__STATUS__OK && memcmp(o.agent_pk, agent.pk, TZ_KEY_LEN) != 0)
        abort();
    /* A refusal of a labelled Payload echoes its seq (the agent ties the
     * answer to its request by it and the request id). */
    if (labelled && o.seq != seq)
        abort();
    envelope_opened_free(&o);
    lazy_agrees(msg, len, direct == TZ__STATUS__OK, direct_packed, direct_len);
    free(direct_packed);
    free(msg);
    return 0;
}
