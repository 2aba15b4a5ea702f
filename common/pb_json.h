/* pb_json — any protobuf-c message as JSON (cJSON) or as indented text.
 *
 * Driven by the message descriptors, so every section added to
 * proto/taizhang.proto prints without new code here. Used by
 * `tz-agent --print` and `tzctl host show`.
 * JSON: field names as in the .proto, bytes as lowercase hex, enums by name,
 * 64-bit integers as JSON numbers, absent sub-messages and unset oneof
 * members omitted. */
#ifndef TZ_PB_JSON_H
#define TZ_PB_JSON_H

#include <stdio.h>

#include <cjson/cJSON.h>
#include <protobuf-c/protobuf-c.h>

/* Ownership: the result is the caller's (cJSON_Delete). NULL on ENOMEM. */
cJSON *pb_to_json(const ProtobufCMessage *msg);

/* The word printed for an enum value, given its name ("PW_WEAK"); the
 * result must live as long as the call (tzctl's value_word). */
typedef const char *(*pb_enum_word)(const char *name);

/* Write msg as indented "field: value" lines, times (fields named *_at,
 * last_seen) as dates in the zone time_text.h shows, enum values as
 * word(name) (their names when word is NULL). Returns 0 or TZ_EIO. */
int pb_write_text(FILE *f, const ProtobufCMessage *msg, pb_enum_word word);

#endif
