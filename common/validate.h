/* validate — bounds on a decoded Payload (DESIGN.md §2 "Limits").
 *
 * protobuf-c bounds nothing: a valid message may carry a million packages or
 * a 4 MiB hostname. Everything the collector stores passes through here
 * first. Returns TZ__STATUS__OK or TZ__STATUS__INVALID with detail saying
 * which field and which bound. A field this build does not know, anywhere
 * in the message (protobuf-c's unknown_fields), is INVALID too, naming its
 * number and message: it is refused, never kept or stored. */
#ifndef TZ_VALIDATE_H
#define TZ_VALIDATE_H

#include <stddef.h>

#include "taizhang.pb-c.h"

int validate_payload(const Tz__Payload *p, char *detail, size_t detail_len);
int validate_report(const Tz__Report *r, char *detail, size_t detail_len);
/* The bounds of one section of kind (SectionKind); OK for m == NULL. The
 * collector checks a section this way when it decodes it on its own
 * (payload_lazy.h). */
int validate_section(int kind, const ProtobufCMessage *m, char *detail,
                     size_t detail_len);

#endif
