/* arena — a bump allocator for one decoded message.
 *
 * A full report unpacks into ~6,000 small blocks (1,500 packages, their
 * strings); malloc and free of those were ~40% of the collector's time.
 * Blocks come from large chunks and are released all at once.
 * Ownership: the arena owns every block; arena_free releases them all.
 * Bounds: a chunk is 64 KiB or the request, whichever is larger; the total
 * is bounded by what the caller decodes (the message size limit). */
#ifndef TZ_ARENA_H
#define TZ_ARENA_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

struct arena;

/* NULL on ENOMEM. */
struct arena *arena_new(void);
void arena_free(struct arena *a);
/* A protobuf-c allocator drawing from a (free does nothing). */
void arena_allocator(struct arena *a, ProtobufCAllocator *out);

#endif
