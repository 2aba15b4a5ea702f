/* sections — the Report's section fields, addressed by SectionKind. */
#include "sections.h"

#include <stddef.h>

static const ProtobufCFieldDescriptor *field(int kind)
{
    if (kind < TZ_SECTION_FIRST || kind > TZ_SECTION_LAST)
        return NULL;
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field(&tz__report__descriptor,
                                                (unsigned)kind);
    if (fd == NULL || fd->type != PROTOBUF_C_TYPE_MESSAGE ||
        fd->label == PROTOBUF_C_LABEL_REPEATED)
        return NULL;
    return fd;
}

const ProtobufCMessageDescriptor *tz_section_desc(int kind)
{
    const ProtobufCFieldDescriptor *fd = field(kind);
    return fd ? fd->descriptor : NULL;
}

ProtobufCMessage **tz_section_slot(Tz__Report *r, int kind)
{
    const ProtobufCFieldDescriptor *fd = field(kind);
    return fd ? (ProtobufCMessage **)((char *)r + fd->offset) : NULL;
}

const ProtobufCMessage *tz_section_get(const Tz__Report *r, int kind)
{
    ProtobufCMessage **slot = tz_section_slot((Tz__Report *)r, kind);
    return slot ? *slot : NULL;
}

const char *tz_section_name(int kind)
{
    const ProtobufCFieldDescriptor *fd = field(kind);
    return fd ? fd->name : "unknown";
}
