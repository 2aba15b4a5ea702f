/* pb_wire — walking protobuf's wire format field by field, without decoding.
 *
 * For the collector's hot path: finding where a field's bytes are (the box
 * of an Envelope, the sections of a Report) costs nothing, while decoding
 * copies every bytes field and string. Callers take this path only for the
 * plain shape protobuf-c writes and leave anything else (groups, a field
 * given twice) to the generated decoder, so the result never differs.
 * Bounds: every length is checked against the buffer; nothing is copied. */
#ifndef TZ_PB_WIRE_H
#define TZ_PB_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum { PB_WT_VARINT = 0, PB_WT_I64 = 1, PB_WT_LEN = 2, PB_WT_I32 = 5 };

/* One field as it sits in the buffer: [start, end) runs from its tag to the
 * end of its value; a length-delimited value is [vstart, vstart + vlen); a
 * varint's value is in varint. */
struct pb_field {
    uint64_t num;
    int wt;
    uint64_t varint;
    size_t start, end, vstart, vlen;
};

/* The field at *pos: 1 with *f filled and *pos past it, 0 at the end of the
 * buffer, -1 for what this walker does not take (truncation, field number
 * 0, a tag or length of more than 5 bytes or a length over INT_MAX, which
 * protobuf-c refuses; varints over 10 bytes; groups and unknown wire types). */
int pb_wire_next(const uint8_t *b, size_t len, size_t *pos, struct pb_field *f);

/* Write v as a varint at p (room for 10 bytes); returns the bytes written. */
size_t pb_wire_put_varint(uint8_t *p, uint64_t v);

#endif
