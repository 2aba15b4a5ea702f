/* payload_lazy — a Payload decoded with its report's sections left encoded. */
#include "payload_lazy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

#define FIELD_REPORT 11u   /* Payload.report; 10 and 12 are the other bodies */
#define WT_VARINT 0
#define WT_I64 1
#define WT_LEN 2
#define WT_I32 5

/* One field as it sits in the buffer: [start, end) is tag to end of value,
 * [vstart, vstart + vlen) the value of a length-delimited field. */
struct field {
    uint64_t num;
    int wt;
    size_t start, end, vstart, vlen;
};

static int varint(const uint8_t *b, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && *pos < len; shift += 7) {
        uint8_t c = b[(*pos)++];
        v |= (uint64_t)(c & 0x7f) << shift;
        if ((c & 0x80) == 0) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* 1 with *f filled, 0 at the end, -1 for anything this fast path does not
 * take (truncation, groups, unknown wire types): the full decoder decides. */
static int next_field(const uint8_t *b, size_t len, size_t *pos, struct field *f)
{
    if (*pos >= len)
        return 0;
    uint64_t tag, n;
    f->start = *pos;
    if (varint(b, len, pos, &tag) != 0 || (tag >> 3) == 0)
        return -1;
    f->num = tag >> 3;
    f->wt = (int)(tag & 7);
    f->vstart = *pos;
    f->vlen = 0;
    switch (f->wt) {
    case WT_VARINT:
        if (varint(b, len, pos, &n) != 0)
            return -1;
        break;
    case WT_I64:
    case WT_I32: {
        size_t w = f->wt == WT_I64 ? 8 : 4;
        if (len - *pos < w)
            return -1;
        *pos += w;
        break;
    }
    case WT_LEN:
        if (varint(b, len, pos, &n) != 0 || n > len - *pos)
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

static size_t put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

/* The report's non-section fields copied to head (room for rlen bytes);
 * sections described in lazy. -1 when the report is not in the plain
 * shape (a section twice, or not length-delimited, or unreadable). */
static int split_report(const uint8_t *rb, size_t rlen, uint8_t *head, size_t *hlen,
                        struct tz_lazy_sections *lazy)
{
    size_t pos = 0, used = 0;
    struct field f;
    int r;
    while ((r = next_field(rb, rlen, &pos, &f)) == 1) {
        if (f.num >= TZ_SECTION_FIRST && f.num <= TZ_SECTION_LAST) {
            unsigned bit = 1u << f.num;
            if (f.wt != WT_LEN || (lazy->present & bit))
                return -1;
            lazy->present |= bit;
            lazy->data[f.num] = rb + f.vstart;
            lazy->len[f.num] = f.vlen;
            continue;
        }
        memcpy(head + used, rb + f.start, f.end - f.start);
        used += f.end - f.start;
    }
    *hlen = used;
    return r;
}

int payload_split(const uint8_t *buf, size_t len, struct arena *a, Tz__Payload **out,
                  struct tz_lazy_sections *lazy)
{
    ProtobufCAllocator al;
    arena_allocator(a, &al);
    memset(lazy, 0, sizeof(*lazy));
    *out = NULL;

    struct field f, rep = {0};
    size_t pos = 0;
    int r, reports = 0, others = 0;
    while ((r = next_field(buf, len, &pos, &f)) == 1) {
        if (f.num == FIELD_REPORT) {
            rep = f;
            reports++;
            if (f.wt != WT_LEN)
                others++;
        } else if (f.num == FIELD_REPORT - 1 || f.num == FIELD_REPORT + 1) {
            others++;
        }
    }
    uint8_t *nb = NULL;
    if (r == 0 && reports == 1 && others == 0)
        nb = malloc(len + 16);   /* the report's tag and length grow by ≤ 11 */
    if (nb != NULL) {
        /* Payload bytes before the report, the report without its
         * sections (re-framed), the bytes after it. */
        size_t used = rep.start;
        memcpy(nb, buf, used);
        size_t hlen = 0;
        uint8_t *head = nb + used + 11;   /* room for tag and length */
        if (split_report(buf + rep.vstart, rep.vlen, head, &hlen, lazy) == 0) {
            uint8_t frame[11];
            size_t fl = put_varint(frame, (FIELD_REPORT << 3) | WT_LEN);
            fl += put_varint(frame + fl, hlen);
            memmove(nb + used + fl, head, hlen);
            memcpy(nb + used, frame, fl);
            used += fl + hlen;
            memcpy(nb + used, buf + rep.end, len - rep.end);
            used += len - rep.end;
            *out = tz__payload__unpack(&al, used, nb);
            free(nb);
            if (*out == NULL) {
                memset(lazy, 0, sizeof(*lazy));
                return -1;
            }
            lazy->arena = a;
            return 0;
        }
        free(nb);
        memset(lazy, 0, sizeof(*lazy));
    }
    *out = tz__payload__unpack(&al, len, buf);
    return *out ? 0 : -1;
}

int payload_section_decode(const struct tz_lazy_sections *lazy, int kind,
                           ProtobufCMessage **out, char *detail, size_t detail_len)
{
    *out = NULL;
    const ProtobufCMessageDescriptor *d = tz_section_desc(kind);
    if (d == NULL || (lazy->present & (1u << kind)) == 0 || lazy->arena == NULL) {
        snprintf(detail, detail_len, "no section %d to decode", kind);
        return TZ__STATUS__MALFORMED;
    }
    ProtobufCAllocator al;
    arena_allocator(lazy->arena, &al);
    ProtobufCMessage *m = protobuf_c_message_unpack(d, &al, lazy->len[kind],
                                                    lazy->data[kind]);
    if (m == NULL) {
        snprintf(detail, detail_len, "section %s does not decode", tz_section_name(kind));
        return TZ__STATUS__MALFORMED;
    }
    int st = validate_section(kind, m, detail, detail_len);
    if (st != TZ__STATUS__OK)
        return st;
    *out = m;
    return TZ__STATUS__OK;
}
