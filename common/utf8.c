/* utf8 — validation and repair of UTF-8 strings and messages. */
#include "utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid sequence at p, or 0 if p does not start one. */
static size_t seq_len(const unsigned char *p)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 &&
               (p[3] & 0xc0) == 0x80 ? 4 : 0;
    }
    return 0;
}

int tz_utf8_valid_len(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        /* Package names, versions, paths: mostly ASCII, no high bit set. */
        if (len - i >= 8) {
            uint64_t w;
            memcpy(&w, p + i, sizeof(w));
            if ((w & 0x8080808080808080ull) == 0) {
                i += 8;
                continue;
            }
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        /* A sequence cut short by s[len] (NUL) fails: it is no continuation. */
        size_t n = seq_len(p + i);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

int tz_utf8_valid(const char *s)
{
    return tz_utf8_valid_len(s, strlen(s));
}

size_t tz_utf8_repair(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t fixed = 0;
    while (*p) {
        size_t n = seq_len(p);
        if (n == 0) {
            *p++ = '?';
            fixed++;
        } else {
            p += n;
        }
    }
    return fixed;
}

size_t tz_pb_repair_utf8(ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    char *base = (char *)msg;
    size_t fixed = 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        if (fd->type != PROTOBUF_C_TYPE_STRING && fd->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        size_t n = 1;
        void **vals = (void **)(base + fd->offset);
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            n = *(size_t *)(base + fd->quantifier_offset);
            vals = *(void ***)(base + fd->offset);
        } else if ((fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
                   *(uint32_t *)(base + fd->quantifier_offset) != fd->id) {
            continue;
        }
        for (size_t k = 0; k < n; k++) {
            if (vals[k] == NULL)
                continue;
            /* protobuf_c_empty_string is const; it is valid and left alone. */
            if (fd->type == PROTOBUF_C_TYPE_STRING)
                fixed += ((char *)vals[k])[0] ? tz_utf8_repair(vals[k]) : 0;
            else
                fixed += tz_pb_repair_utf8(vals[k]);
        }
    }
    return fixed;
}

char *tz_strdup_bounded(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    if (n > max) {
        n = max;
        /* Back up over continuation bytes so no character is split. */
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    char *d = malloc(n + 1);
    if (d == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}
