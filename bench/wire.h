/* wire — the load generator's side of DESIGN.md §2, made cheap.
 *
 * Produces exactly what envelope_seal produces (Envelope{version, agent_pk,
 * nonce, crypto_box(Payload)}) but with the X25519 shared key computed once
 * per agent (crypto_box_beforenm) and the Payload framed by hand around a
 * report that is already packed. Opening Acks likewise uses the shared key.
 * The collector cannot tell the difference; the load generator, sharing the
 * machine with it, spends microseconds instead of a scalar multiplication
 * and a 100 KB pack per request. */
#ifndef TZ_BENCH_WIRE_H
#define TZ_BENCH_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "keys.h"

struct wire_agent {
    struct tz_keypair kp;
    uint8_t shared[crypto_box_BEFORENMBYTES];
};

/* A fresh keypair and its shared key with the collector. 0 or TZ_ECRYPTO. */
int wire_agent_init(struct wire_agent *a, const uint8_t collector_pk[TZ_KEY_LEN]);

/* Envelope bytes carrying Payload{seq, sent_at, report}. report is a packed
 * Tz__Report. Ownership: *out is the caller's (free()). 0 or TZ_ENOMEM. */
int wire_seal_report(const struct wire_agent *a, uint64_t seq, int64_t sent_at,
                     const uint8_t *report, size_t report_len, uint8_t **out,
                     size_t *out_len);

/* Open the collector's Reply. *status is the Ack's status (0 when nothing
 * decodes), *seq the seq it answers, *authenticated 1 for a sealed Ack that
 * opened with the shared key. Returns 0 when an Ack was read, -1 otherwise. */
int wire_open_reply(const struct wire_agent *a, const uint8_t *msg, size_t len,
                    int *status, uint64_t *seq, int *authenticated);

#endif
