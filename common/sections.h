/* sections — the report's sections addressed by kind.
 *
 * Report's field number for each section equals its SectionKind value
 * (proto/taizhang.proto), so storage, hashing and delta logic can handle
 * every section through one table instead of a switch per place; a new
 * section needs only its .proto message and its collector. */
#ifndef TZ_SECTIONS_H
#define TZ_SECTIONS_H

#include "taizhang.pb-c.h"

#define TZ_SECTION_FIRST TZ__SECTION_KIND__SECTION_HOST
#define TZ_SECTION_LAST  TZ__SECTION_KIND__SECTION_LISTENERS

/* Descriptor of the section message of kind, NULL if kind is not a section. */
const ProtobufCMessageDescriptor *tz_section_desc(int kind);
/* The slot in r holding section kind (NULL if kind is not a section). */
ProtobufCMessage **tz_section_slot(Tz__Report *r, int kind);
/* Section kind of r, or NULL when absent. */
const ProtobufCMessage *tz_section_get(const Tz__Report *r, int kind);
/* "host", "packages", ... (lowercase), or "unknown". */
const char *tz_section_name(int kind);

#endif
