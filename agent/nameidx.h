/* nameidx — a sorted index over records by their name, for lookups and
 * duplicate detection in O(n log n) rather than O(n^2): a hostile
 * /etc/passwd with 65536 entries must not cost billions of strcmp.
 *
 * Records are any array of structs with a `char *name` at offset off.
 * Ownership: *idx is malloc'd, the caller's (free()). Errors: TZ_ENOMEM. */
#ifndef TZ_NAMEIDX_H
#define TZ_NAMEIDX_H

#include <stddef.h>

struct nameidx {
    const void *base;
    size_t n, stride, off;
    size_t *idx;        /* record numbers sorted by (name, record number) */
};

int nameidx_build(struct nameidx *ni, const void *base, size_t n,
                  size_t stride, size_t off);

/* Lowest record number with that name, or -1. */
long nameidx_find(const struct nameidx *ni, const char *name);

/* dup[i] = 1 for each record whose name an earlier record already has.
 * dup must hold n bytes. */
void nameidx_dups(const struct nameidx *ni, unsigned char *dup);

void nameidx_free(struct nameidx *ni);

#endif
