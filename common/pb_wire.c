/* pb_wire — protobuf wire-format fields, located without decoding. */
#include "pb_wire.h"

#include <limits.h>

/* A varint of at most max_bytes bytes. */
static int varint(const uint8_t *b, size_t len, size_t *pos, int max_bytes,
                  uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 7 * max_bytes && *pos < len; shift += 7) {
        uint8_t c = b[(*pos)++];
        v |= (uint64_t)(c & 0x7f) << shift;
        if ((c & 0x80) == 0) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

int pb_wire_next(const uint8_t *b, size_t len, size_t *pos, struct pb_field *f)
{
    if (*pos >= len)
        return 0;
    uint64_t tag, n;
    f->start = *pos;
    /* protobuf-c reads a tag of at most 5 bytes and a length of at most 5
     * bytes up to INT_MAX: anything beyond is its error, so not ours. */
    if (varint(b, len, pos, 5, &tag) != 0 || (tag >> 3) == 0)
        return -1;
    f->num = tag >> 3;
    f->wt = (int)(tag & 7);
    f->varint = 0;
    f->vstart = *pos;
    f->vlen = 0;
    switch (f->wt) {
    case PB_WT_VARINT:
        if (varint(b, len, pos, 10, &f->varint) != 0)
            return -1;
        break;
    case PB_WT_I64:
    case PB_WT_I32: {
        size_t w = f->wt == PB_WT_I64 ? 8 : 4;
        if (len - *pos < w)
            return -1;
        *pos += w;
        break;
    }
    case PB_WT_LEN:
        if (varint(b, len, pos, 5, &n) != 0 || n > INT_MAX || n > len - *pos)
            return -1;
        f->vstart = *pos;
        f->vlen = (size_t)n;
        *pos += (size_t)n;
        break;
    default:
        return -1;
    }
    f->end = *pos;
    return 1;
}

size_t pb_wire_put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}
