/* payload_lazy — a Payload decoded with its report's sections left encoded. */
#include "payload_lazy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb_wire.h"
#include "validate.h"

#define FIELD_REPORT 11u   /* Payload.report; 10 and 12 are the other bodies */

/* need(from, to) when there is one. */
static void ensure(payload_need_fn need, void *arg, size_t from, size_t to)
{
    if (need)
        need(arg, from, to);
}

/* The longest field header (tag and length, 5 bytes each) or scalar value
 * (tag 5, varint 10) pb_wire_next reads at a position. */
#define FIELD_HEAD_MAX 16

/* The report's non-section fields copied to head (room for rlen bytes);
 * sections described in lazy. The report is buf[off, off + rlen). -1 when
 * it is not in the plain shape (a section twice, or not length-delimited,
 * or unreadable). */
static int split_report(const uint8_t *buf, size_t off, size_t rlen, uint8_t *head,
                        size_t *hlen, struct tz_lazy_sections *lazy,
                        payload_need_fn need, void *arg)
{
    const uint8_t *rb = buf + off;
    size_t pos = 0, used = 0;
    struct pb_field f;
    int r;
    for (;;) {
        ensure(need, arg, off + pos, off + pos + FIELD_HEAD_MAX);
        if ((r = pb_wire_next(rb, rlen, &pos, &f)) != 1)
            break;
        if (f.num >= TZ_SECTION_FIRST && f.num <= TZ_SECTION_LAST) {
            unsigned bit = 1u << f.num;
            if (f.wt != PB_WT_LEN || (lazy->present & bit))
                return -1;
            lazy->present |= bit;
            lazy->data[f.num] = rb + f.vstart;
            lazy->len[f.num] = f.vlen;
            continue;   /* its bytes are read when someone asks */
        }
        ensure(need, arg, off + f.start, off + f.end);
        memcpy(head + used, rb + f.start, f.end - f.start);
        used += f.end - f.start;
    }
    *hlen = used;
    return r;
}

int payload_split(const uint8_t *buf, size_t len, struct arena *a, Tz__Payload **out,
                  struct tz_lazy_sections *lazy, payload_need_fn need, void *need_arg)
{
    ProtobufCAllocator al;
    arena_allocator(a, &al);
    memset(lazy, 0, sizeof(*lazy));
    *out = NULL;

    struct pb_field f, rep = {0};
    size_t pos = 0;
    int r, reports = 0, others = 0;
    for (;;) {
        ensure(need, need_arg, pos, pos + FIELD_HEAD_MAX);
        if ((r = pb_wire_next(buf, len, &pos, &f)) != 1)
            break;
        if (f.num == FIELD_REPORT) {
            rep = f;
            reports++;
            if (f.wt != PB_WT_LEN)
                others++;
            continue;   /* read by split_report */
        }
        if (f.num == FIELD_REPORT - 1 || f.num == FIELD_REPORT + 1)
            others++;
        ensure(need, need_arg, f.start, f.end);   /* copied as it is */
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
        if (split_report(buf, rep.vstart, rep.vlen, head, &hlen, lazy, need, need_arg) ==
            0) {
            uint8_t frame[11];
            size_t fl = pb_wire_put_varint(frame, (FIELD_REPORT << 3) | PB_WT_LEN);
            fl += pb_wire_put_varint(frame + fl, hlen);
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
            lazy->base = buf;
            lazy->need = need;
            lazy->need_arg = need_arg;
            return 0;
        }
        free(nb);
        memset(lazy, 0, sizeof(*lazy));
    }
    ensure(need, need_arg, 0, len);   /* the whole decode reads it all */
    *out = tz__payload__unpack(&al, len, buf);
    return *out ? 0 : -1;
}

const uint8_t *payload_section_bytes(const struct tz_lazy_sections *lazy, int kind)
{
    if (kind < TZ_SECTION_FIRST || kind > TZ_SECTION_LAST ||
        (lazy->present & (1u << kind)) == 0)
        return NULL;
    size_t off = (size_t)(lazy->data[kind] - lazy->base);
    ensure(lazy->need, lazy->need_arg, off, off + lazy->len[kind]);
    return lazy->data[kind];
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
                                                    payload_section_bytes(lazy, kind));
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
