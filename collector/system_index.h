/* system_index — the ledger's systems indexed for binding hosts to them.
 *
 * Matching a host against every system's address blocks and domains is
 * O(systems) per host; with thousands of systems that was most of the
 * collector's time (each stored report re-evaluates its host's binding).
 * The index answers "lowest non-retired system whose blocks or ranges
 * contain this address, or whose domains name this host" with one hash
 * probe per prefix length in use (exact addresses are /32 and /128 blocks,
 * a range a-b the few blocks that make it up) plus one probe for the
 * hostname, and finds any system (retired too) by id with a binary
 * search. Semantics are those of system_match.h (sm_range_contains,
 * sm_host_matches); tests/unit/test_systems.c checks they agree.
 * Pure: no storage, built once per change of the ledger (register_lmdb_systems.c
 * keeps one per register handle).
 * Ownership: sys_index_build takes the records (array and elements) on
 * success and on failure; sys_index_free frees them. */
#ifndef TZ_SYSTEM_INDEX_H
#define TZ_SYSTEM_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "system_match.h"
#include "taizhang.pb-c.h"

struct sys_index;

/* recs in ascending system_id order (as the systems database walks).
 * 0 or TZ_ENOMEM. */
int sys_index_build(Tz__SystemRecord **recs, size_t n, struct sys_index **out);
void sys_index_free(struct sys_index *ix);

/* The record of system id (retired included), NULL when there is none. */
const Tz__SystemRecord *sys_index_get(const struct sys_index *ix, uint64_t id);
/* 1 when id is a stored, retired system. */
int sys_index_retired(const struct sys_index *ix, uint64_t id);

/* The department of system id (retired included), NULL when there is none.
 * Valid while the index is. */
const char *sys_index_dept(const struct sys_index *ix, uint64_t id);

/* The lowest id of a non-retired system that has a block containing one of
 * ips (single addresses) or a domain whose host part is hostname (ignoring
 * case and a trailing dot); 0 when none. hostname may be NULL. */
uint64_t sys_index_match(const struct sys_index *ix, const struct sm_net *ips,
                         size_t nips, const char *hostname);

/* sys_index_match among the systems of dept only (byte-equal names; every
 * system when dept is NULL). *elsewhere (may be NULL) gets the lowest
 * matching id among the other departments' systems, 0 when none. The
 * departments come from the records the index holds: no storage read. */
uint64_t sys_index_match_in(const struct sys_index *ix,
                            const struct sm_net *ips, size_t nips,
                            const char *hostname, const char *dept,
                            uint64_t *elsewhere);

#endif
