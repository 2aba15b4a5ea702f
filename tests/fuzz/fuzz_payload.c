/* fuzz_payload — fuzzer bytes as the plaintext inside a valid box.
 *
 * What a compromised (enrolled) agent can send: its box opens, so the
 * Payload decoder and validate_payload see whatever it packed. Each input
 * goes two ways: tz__payload__unpack + validate_payload directly (fast,
 * where the fuzzer finds its coverage), and sealed with the fixed agent key
 * through envelope_open (the path the collector really takes). A payload
 * that validates is also printed with pb_json, as tzctl host show would. */
#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "fuzz_common.h"
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int direct = TZ__STATUS__MALFORMED;
    Tz__Payload *p = tz__payload__unpack(NULL, size, data);
    if (p != NULL) {
        char detail[160];
        direct = validate_payload(p, detail, sizeof(detail));
        if (direct != TZ__STATUS__OK && direct != TZ__STATUS__INVALID)
            abort();
        if (direct == TZ__STATUS__OK) {
            cJSON *j = pb_to_json(&p->base);
            char *s = j ? cJSON_PrintUnformatted(j) : NULL;
            cJSON_free(s);
            cJSON_Delete(j);
            /* What was accepted must pack again (the register re-packs
             * sections to hash and store them). */
            size_t n = tz__payload__get_packed_size(p);
            uint8_t *buf = malloc(n ? n : 1);
            if (buf == NULL || tz__payload__pack(p, buf) != n)
                abort();
            free(buf);
        }
        tz__payload__free_unpacked(p, NULL);
    }

    uint8_t *msg;
    size_t len;
    if (fz_seal_raw(data, size, &agent, collector.pk, TZ_PROTO_VERSION, &msg,
                    &len) != 0)
        return 0;
    struct envelope_opened o;
    envelope_open(msg, len, TZ_MAX_MSG + 1024, &collector, &o);
    /* Both paths must agree on the verdict. */
    if (o.status != direct)
        abort();
    if (o.status == TZ__STATUS__OK && memcmp(o.agent_pk, agent.pk, TZ_KEY_LEN) != 0)
        abort();
    envelope_opened_free(&o);
    free(msg);
    return 0;
}
