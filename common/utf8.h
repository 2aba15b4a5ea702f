/* utf8 — valid UTF-8 in, valid UTF-8 out.
 *
 * Strings from a host (os-release, DMI, package fields) end up in CSV, JSON
 * and HTML on the collector side, which refuses a report carrying broken
 * UTF-8. The agent therefore repairs its strings before sending (each
 * invalid byte becomes '?') rather than lose a whole report to one byte. */
#ifndef TZ_UTF8_H
#define TZ_UTF8_H

#include <protobuf-c/protobuf-c.h>

/* 1 when s is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int tz_utf8_valid(const char *s);
/* The same for a string whose length (strlen) the caller knows already:
 * s[len] must be its NUL. ASCII runs are checked 8 bytes at a time. */
int tz_utf8_valid_len(const char *s, size_t len);
/* Replace each byte that is not part of a valid sequence with '?', in place.
 * Returns the number of bytes replaced. */
size_t tz_utf8_repair(char *s);
/* Copy of s cut to at most max bytes at a character boundary (a display
 * field longer than the wire allows is shortened, not refused). NULL on
 * ENOMEM. Ownership: the caller's (free). */
char *tz_strdup_bounded(const char *s, size_t max);
/* tz_utf8_repair every string field of msg and its sub-messages. */
size_t tz_pb_repair_utf8(ProtobufCMessage *msg);

#endif
