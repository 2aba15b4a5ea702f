/* payload_lazy — decode a Payload but leave its report's sections encoded.
 *
 * A daily full report repeats yesterday's sections byte for byte; decoding
 * and bounds-checking 1,500 packages only to find them unchanged was most of
 * the collector's time per report. The collector therefore decodes the
 * Payload and the report's own fields (hashes, errors, agent version) at
 * once, keeps each section as the bytes that arrived, and decodes a section
 * (payload_section_decode) only when those bytes differ from the stored ones.
 *
 * Only the shape protobuf-c itself writes takes this path: one report field,
 * no other body, each section at most once. Anything else (a repeated or
 * merged field, a group, a body oneof given twice) is left to the ordinary
 * full decode, so the result is the one tz__payload__unpack would give for
 * every input.
 *
 * Ownership: the section bytes point into the caller's buffer and the
 * decoded messages live in the caller's arena; both must outlive their use.
 * Bounds: nothing is copied but the Payload without its sections. */
#ifndef TZ_PAYLOAD_LAZY_H
#define TZ_PAYLOAD_LAZY_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "sections.h"
#include "taizhang.pb-c.h"

/* Makes buf[from, to) readable (box_lazy_need: decrypts it); NULL when buf
 * is plaintext already. */
typedef void (*payload_need_fn)(void *arg, size_t from, size_t to);

/* The encoded sections of one report. */
struct tz_lazy_sections {
    unsigned present;                 /* bit kind: the report carried it */
    const uint8_t *data[TZ_SECTION_LAST + 1];
    size_t len[TZ_SECTION_LAST + 1];
    struct arena *arena;              /* where payload_section_decode decodes */
    const uint8_t *base;              /* the buffer data[] points into */
    payload_need_fn need;             /* how to make a section readable */
    void *need_arg;
};

/* Decode buf as a Payload into arena a. When it carries a report in the
 * shape above, its sections are left out of *out and described in *lazy
 * (lazy->arena = a); otherwise *lazy is empty and *out is the whole decoded
 * Payload. With need, buf starts unreadable (still encrypted): need is
 * called for every byte read, and a section's bytes are left alone until
 * payload_section_bytes or payload_section_decode asks for them. Returns 0,
 * or -1 when buf is not a Payload (*out NULL). The caller validates *out
 * (validate.h) as for any decoded Payload. */
int payload_split(const uint8_t *buf, size_t len, struct arena *a, Tz__Payload **out,
                  struct tz_lazy_sections *lazy, payload_need_fn need, void *need_arg);

/* Section kind's bytes, made readable; NULL when the report did not carry it. */
const uint8_t *payload_section_bytes(const struct tz_lazy_sections *lazy, int kind);

/* Decode and bounds-check section kind of lazy into its arena. Returns
 * TZ__STATUS__OK with *out set, or MALFORMED (does not decode) or INVALID
 * (out of bounds, validate_section) with detail saying which section. */
int payload_section_decode(const struct tz_lazy_sections *lazy, int kind,
                           ProtobufCMessage **out, char *detail, size_t detail_len);

#endif
