/* utf8 — validation and repair of UTF-8 strings and messages. */
#include "utf8.h"

#include <stdint.h>
#include <stdio.h>
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

/* The code point of the valid sequence of n bytes at p. */
static uint32_t decode(const unsigned char *p, size_t n)
{
    static const unsigned char lead_mask[5] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    uint32_t cp = p[0] & lead_mask[n];
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (p[i] & 0x3f);
    return cp;
}

size_t tz_utf8_next(const char *s, size_t avail, uint32_t *cp)
{
    /* seq_len reads up to 4 bytes and stops at a non-continuation byte:
     * give it a NUL-padded copy of what may be read. */
    unsigned char q[4] = {0, 0, 0, 0};
    memcpy(q, s, avail < 4 ? avail : 4);
    size_t n = seq_len(q);
    if (n)
        *cp = decode(q, n);
    return n;
}

int tz_text_unsafe_cp(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
           cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* tz_text_unsafe_cp of the valid sequence of n bytes at p, from its bytes:
 * this runs on every non-ASCII character the collector validates. */
static int unsafe_seq(const unsigned char *p, size_t n)
{
    if (n == 1)
        return p[0] < 0x20 || p[0] == 0x7f;
    if (n == 2)   /* C2 80..C2 9F: C1 controls; D8 9C: U+061C */
        return (p[0] == 0xc2 && p[1] < 0xa0) || (p[0] == 0xd8 && p[1] == 0x9c);
    if (n == 3 && p[0] == 0xe2) {
        if (p[1] == 0x80)   /* U+200E, U+200F, U+202A..U+202E */
            return p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xaa && p[2] <= 0xae);
        if (p[1] == 0x81)   /* U+2066..U+2069 */
            return p[2] >= 0xa6 && p[2] <= 0xa9;
    }
    return 0;
}

#define ONES 0x0101010101010101ull
#define HIGH 0x8080808080808080ull

/* 1 when all 8 bytes of w are printable ASCII (0x20..0x7e). Adding 1 to
 * each byte (no carry: all are below 0x80) and dropping the high bit maps
 * DEL to 0 and controls to 1..0x20, so "some byte below 0x21" (exact for
 * bytes below 0x80) finds both. */
static int printable8(uint64_t w)
{
    if (w & HIGH)
        return 0;
    uint64_t u = (w + ONES) & ~HIGH;
    return ((u - 0x21 * ONES) & ~u & HIGH) == 0;
}

int tz_text_check(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (len - i >= 8) {
            uint64_t w;
            memcpy(&w, p + i, sizeof(w));
            if (printable8(w)) {
                i += 8;
                continue;
            }
        }
        if ((unsigned char)(p[i] - 0x20) < 0x5f) {   /* 0x20..0x7e */
            i++;
            continue;
        }
        /* A sequence cut short by s[len] (NUL) fails: it is no continuation. */
        size_t n = seq_len(p + i);
        if (n == 0)
            return TZ_TEXT_NOT_UTF8;
        if (unsafe_seq(p + i, n)) {
            if (cp)
                *cp = decode(p + i, n);
            return TZ_TEXT_CONTROL;
        }
        i += n;
    }
    return TZ_TEXT_OK;
}

size_t tz_text_repair(char *s)
{
    unsigned char *r = (unsigned char *)s, *w = r;
    size_t fixed = 0;
    while (*r) {
        size_t n = seq_len(r);
        if (n == 0 || unsafe_seq(r, n)) {
            *w++ = '?';
            r += n ? n : 1;
            fixed++;
        } else {
            memmove(w, r, n);
            w += n;
            r += n;
        }
    }
    *w = '\0';
    return fixed;
}

char *tz_text_escape(const char *s, const char *keep)
{
    /* \uHHHH (6 bytes) stands for at least 2 bytes, \xHH (4) for 1 */
    char *o = malloc(4 * strlen(s) + 1), *w = o;
    if (o == NULL)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = seq_len(p);
        if (n == 0) {
            *w++ = '?';
            p++;
            continue;
        }
        if (!unsafe_seq(p, n) || (n == 1 && keep && strchr(keep, *p))) {
            memcpy(w, p, n);
            w += n;
        } else if (*p == '\n' || *p == '\r' || *p == '\t') {
            *w++ = '\\';
            *w++ = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
        } else if (n == 1) {
            w += sprintf(w, "\\x%02x", *p);
        } else {
            w += sprintf(w, "\\u%04x", (unsigned)decode(p, n));
        }
        p += n;
    }
    *w = '\0';
    return o;
}

size_t tz_pb_repair_text(ProtobufCMessage *msg)
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
                fixed += ((char *)vals[k])[0] ? tz_text_repair(vals[k]) : 0;
            else
                fixed += tz_pb_repair_text(vals[k]);
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
