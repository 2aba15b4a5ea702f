/* system_overlap — systems of the ledger that claim the same address or
 * name, so the binding of a host cannot be decided by a match
 * (`tzctl systems --conflicts`, the warnings of `tzctl system import`).
 *
 * Two systems conflict when an IP item of one (address, CIDR block or
 * range a-b, v4 or v6) shares an address with an IP item of the other —
 * edges included — or when both list a domain with the same host part
 * (sm_url_host, case ignored). A system's own items are never compared
 * with each other; retired systems claim nothing.
 * The IP items are sorted by first address and swept once, so the cost is
 * O(n log n) in the number of items plus the conflicts found, not the
 * number of pairs of systems.
 * Pure: no storage. Ownership: free the result with sys_overlaps_free.
 * Errors: TZ_ENOMEM. */
#ifndef TZ_SYSTEM_OVERLAP_H
#define TZ_SYSTEM_OVERLAP_H

#include <stddef.h>

#include "system_match.h"
#include "taizhang.pb-c.h"

#define SYS_OVERLAPS_MAX 10000   /* kept; the rest are only counted */
#define SYS_OVERLAP_PART 256     /* a shared item or host name, NUL included */

enum sys_overlap_kind { SYS_OVERLAP_IP, SYS_OVERLAP_DOMAIN };

struct sys_overlap {
    size_t a, b;                      /* indexes into recs, a < b */
    enum sys_overlap_kind kind;
    char a_item[SYS_OVERLAP_PART];    /* a's item (canonical IP item, or
                                         the domain as listed) */
    char b_item[SYS_OVERLAP_PART];
    char part[SYS_OVERLAP_PART];      /* the shared addresses, or host name */
    int cross_dept;                   /* a and b of different departments */
    struct sm_range shared;           /* IP: the shared addresses (order) */
};

struct sys_overlaps {
    struct sys_overlap *v;   /* by a, then b, then kind, then address */
    size_t n;                /* kept in v */
    size_t total;            /* found */
};

/* The conflicts among recs[0..n) (any order; NULL entries are skipped).
 * The record pointers must stay valid only during the call. */
int sys_overlaps_find(const Tz__SystemRecord *const *recs, size_t n,
                      struct sys_overlaps *out);
/* The same, only the pairs with a record at index from or later (an
 * import's new rows after the stored systems). */
int sys_overlaps_find_from(const Tz__SystemRecord *const *recs, size_t n,
                           size_t from, struct sys_overlaps *out);
void sys_overlaps_free(struct sys_overlaps *o);

#endif
