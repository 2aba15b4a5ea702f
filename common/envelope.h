/* envelope — sealing and opening the messages of DESIGN.md §2.
 *
 * Agent → collector: Envelope{version, agent_pk, nonce, box(Payload)}.
 * Collector → agent: Reply{version, nonce, box(Ack)}, or Reply{plain Ack}
 * when the request could not be opened; an agent never trusts a plain OK.
 * Opening checks, in order: size, Envelope decoding, version, key and nonce
 * lengths, the box, Payload decoding, the direction label, Payload bounds
 * and unknown fields (validate.h). Each failure has its own Tz__Status, so
 * the caller can answer and count it. An Envelope is taken only in the shape
 * agents write (envelope_seal): its four fields each at most once, with
 * their own wire types, and no other field; anything else is MALFORMED
 * before a byte is copied.
 * Direction: agent and collector share one crypto_box key, so a box opens
 * whichever way it was sent. Every Payload is sealed labelled
 * AGENT_TO_COLLECTOR and every boxed Ack COLLECTOR_TO_AGENT (the sealing
 * functions set it), and each side refuses a box with the other label: a
 * reply reflected back at the collector, or a request at the agent, never
 * opens as the other kind. */
#ifndef TZ_ENVELOPE_H
#define TZ_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "box_lazy.h"
#include "keys.h"
#include "payload_lazy.h"
#include "taizhang.pb-c.h"
#include "tz_error.h"
#include "tz_limits.h"

/* Seal payload for the collector, labelled AGENT_TO_COLLECTOR whatever
 * payload->direction says. Ownership: *out is the caller's (free()). */
int envelope_seal(const Tz__Payload *payload, const struct tz_keypair *agent,
                  const uint8_t collector_pk[TZ_KEY_LEN], uint8_t **out,
                  size_t *out_len, struct tz_error *err);

/* The result of opening one request. */
struct envelope_opened {
    int status;                     /* Tz__Status: OK or why not */
    int have_pk;                    /* agent_pk is known (a sealed reply is possible) */
    uint8_t agent_pk[TZ_KEY_LEN];
    Tz__Payload *payload;           /* set when status is OK; caller frees */
    char detail[160];
    /* The Payload's request_id, to echo in the Ack: set whenever the
     * Payload decoded with its direction label, even when its bounds
     * (validate.h) then refused it, so that refusal is an answer too. */
    int have_request_id;
    uint8_t request_id[TZ_REQUEST_ID_LEN];
    /* The Payload's seq, to echo in the Ack: set as request_id is (the
     * Payload decoded with its label, whatever its bounds said), or as far
     * as read when it was refused unread (envelope_open_gated:
     * UNKNOWN_AGENT); else 0. */
    uint64_t seq;
    struct arena *arena;            /* where payload was decoded (arena.h) */
    /* envelope_open_gated only: the report's sections still encoded (and
     * maybe still encrypted) in box (payload_lazy.h, box_lazy.h);
     * lazy.present is 0 otherwise. lazy points into o: do not move o. */
    struct tz_lazy_sections lazy;
    struct box_lazy box;
};

/* Open msg with the collector's keypair: the whole box decrypted, the whole
 * Payload decoded and checked. Always fills *o (o->payload must be released
 * with envelope_opened_free). Never fails otherwise. The collector's ingest
 * uses envelope_open_gated; this is the plain reference that the tests and
 * fuzz targets hold it to. */
void envelope_open(const uint8_t *msg, size_t len, size_t max_len,
                   const struct tz_keypair *collector, struct envelope_opened *o);
void envelope_opened_free(struct envelope_opened *o);

/* The precomputed shared key (crypto_box_beforenm) between the collector and
 * agent_pk, or NULL to fall back to the collector's secret key. The pointer
 * need stay valid only until the box is opened. */
typedef const uint8_t *(*envelope_key_fn)(void *arg, const uint8_t agent_pk[TZ_KEY_LEN]);

/* Whether agent_pk is enrolled: 1 yes, 0 no, <0 the register could not
 * tell (envelope_open_gated answers STORAGE_ERROR). */
typedef int (*envelope_known_fn)(void *arg, const uint8_t agent_pk[TZ_KEY_LEN]);

/* envelope_open for the collector's ingest. With get_key (may be NULL), the
 * shared key it gives for the envelope's agent key opens the box: no X25519
 * multiplication per request (collector/keycache.h). A report's sections
 * are left encoded in o->lazy: the Payload's own fields and the report's
 * hashes, errors and version are decoded and checked; each section is
 * checked only when decoded (payload_section_decode). The box is verified
 * whole but decrypted only where read (box_lazy.h): msg must stay valid
 * until envelope_opened_free. A Payload that envelope_open accepts is
 * accepted here, with the same content.
 * Before it decrypts a box whose Payload would be over
 * TZ_MAX_UNKNOWN_PAYLOAD bytes, it asks known (with key_arg, as get_key;
 * NULL: nobody is asked, every box opens) about the envelope's agent key: a
 * key that is not enrolled may send only what an enrollment needs. A larger
 * box from such a key is verified whole (Poly1305 over the bytes as they
 * arrived: nothing allocated, nothing copied) and only its first bytes are
 * decrypted, for the seq and request id the answer must echo: status
 * UNKNOWN_AGENT (have_pk, seq and request_id set as far as read), or FORGED
 * when the box does not open. So a request from a stranger costs the
 * collector at most TZ_MAX_UNKNOWN_PAYLOAD bytes beyond the message itself.
 * Boxes up to that size, and every box from an enrolled key, open as
 * described first (known is not asked). */
void envelope_open_gated(const uint8_t *msg, size_t len, size_t max_len,
                         const struct tz_keypair *collector, envelope_key_fn get_key,
                         envelope_known_fn known, void *key_arg,
                         struct envelope_opened *o);

/* Seal ack to agent_pk (labelled COLLECTOR_TO_AGENT whatever
 * ack->direction says), or send it plain when agent_pk is NULL.
 * Ownership: *out is the caller's (free()). */
int reply_seal(const Tz__Ack *ack, const uint8_t *agent_pk,
               const struct tz_keypair *collector, uint8_t **out,
               size_t *out_len, struct tz_error *err);

/* reply_seal with the shared key of the collector and the agent (never
 * NULL: a plain reply goes through reply_seal). */
int reply_seal_afternm(const Tz__Ack *ack, const uint8_t *shared, uint8_t **out,
                       size_t *out_len, struct tz_error *err);

/* Open a reply on the agent. *authenticated is 1 only for a box that opened
 * with the pinned collector key and holds an Ack labelled
 * COLLECTOR_TO_AGENT (a box with another label is TZ_EPROTO: one of our own
 * requests sent back). Which request it answers (Ack.request_id) is the
 * caller's check. Ownership: free *ack with protobuf_c_message_free_unpacked.
 * TZ_EPROTO when it does not decode. */
int reply_open(const uint8_t *msg, size_t len, const struct tz_keypair *agent,
               const uint8_t collector_pk[TZ_KEY_LEN], Tz__Ack **ack,
               int *authenticated, struct tz_error *err);

/* Lowercase name of a status ("ok", "replay", ...). */
const char *tz_status_name(int status);

#endif
