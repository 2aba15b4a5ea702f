/* fuzz_envelope — raw bytes off the wire into envelope_open.
 *
 * This is everything an unauthenticated peer on the campus network can reach:
 * size check, Envelope decoding, version, lengths and crypto_box_open. The
 * seed corpus holds real sealed messages for the fixed collector key, so
 * mutations also reach the box and (rarely) the Payload decoder. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"

static struct tz_keypair collector;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_keypair(FZ_KEY_COLLECTOR, &collector);
    return 0;
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
    envelope_opened_free(&o);
    return 0;
}
