/* arena — chunks of memory handed out in order, freed together. */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>

#define CHUNK ((size_t)64 << 10)
#define ALIGN 16

struct chunk {
    struct chunk *next;
    size_t used, size;
    max_align_t data[];
};

struct arena {
    struct chunk *head;
};

struct arena *arena_new(void)
{
    return calloc(1, sizeof(struct arena));
}

void arena_free(struct arena *a)
{
    if (a == NULL)
        return;
    for (struct chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

static void *arena_alloc(void *data, size_t size)
{
    struct arena *a = data;
    size = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (size == 0)
        size = ALIGN;
    struct chunk *c = a->head;
    if (c == NULL || c->size - c->used < size) {
        size_t cap = size > CHUNK ? size : CHUNK;
        if (cap > SIZE_MAX - sizeof(*c))
            return NULL;
        c = malloc(sizeof(*c) + cap);
        if (c == NULL)
            return NULL;
        c->used = 0;
        c->size = cap;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    return p;
}

static void arena_release(void *data, void *p)
{
    (void)data;
    (void)p;   /* freed with the arena */
}

void arena_allocator(struct arena *a, ProtobufCAllocator *out)
{
    out->alloc = arena_alloc;
    out->free = arena_release;
    out->allocator_data = a;
}
