/* pb_clone — a protobuf-c message copied into one of its own (packed, then
 * unpacked), for keeping a record that a register walk lends only during
 * its callback.
 * Ownership: the copy is the caller's; free it with
 * protobuf_c_message_free_unpacked. NULL when memory runs out. */
#ifndef TZ_PB_CLONE_H
#define TZ_PB_CLONE_H

#include <protobuf-c/protobuf-c.h>

void *pb_clone(const ProtobufCMessage *m);

#endif
