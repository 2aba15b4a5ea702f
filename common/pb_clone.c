/* pb_clone — deep copy of a protobuf-c message (pb_clone.h). */
#include "pb_clone.h"

#include <stdint.h>
#include <stdlib.h>

void *pb_clone(const ProtobufCMessage *m)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf == NULL)
        return NULL;
    protobuf_c_message_pack(m, buf);
    ProtobufCMessage *copy = protobuf_c_message_unpack(m->descriptor, NULL,
                                                       len, buf);
    free(buf);
    return copy;
}
