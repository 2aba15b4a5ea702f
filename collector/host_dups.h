/* host_dups — which hosts share a machine_id (DUPLICATE_HOST).
 *
 * A machine enrolled twice (a new key after a reinstall, a cloned VM)
 * shows up as two hosts with the same /etc/machine-id. The index is built
 * from one walk of the agents database per rules pass, which also lists
 * every agent for a pass over all hosts (ids), and a pass over
 * a few reported hosts pays one walk of small records (see docs/design.md
 * for the measured cost), so no index has to be kept in step at ingest.
 * Hosts without a machine_id are never duplicates of anything.
 * Ownership: host_dups_free frees what host_dups_build made; the records
 * host_dups_of returns point into the index. Errors: TZ_ENOMEM, register
 * errors. */
#ifndef TZ_HOST_DUPS_H
#define TZ_HOST_DUPS_H

#include <stddef.h>
#include <stdint.h>

#include "register.h"

struct host_dup {
    char *machine_id;
    uint64_t agent_id;
    char *hostname;
    char *dept;
    int64_t last_seen;
    int retired;          /* retired or merged (AgentRecord.retirement) */
};

struct host_dups {
    struct host_dup *v;   /* only machine_ids held by two hosts or more,
                             sorted by machine_id, then agent_id */
    size_t n;
    uint64_t *ids;        /* every agent walked, in id order: a pass over
                             all hosts needs no walk of its own */
    size_t n_ids;
};

int host_dups_build(struct tz_register *reg, struct host_dups *out,
                    struct tz_error *err);
void host_dups_free(struct host_dups *d);

/* The hosts sharing machine_id (retired ones included: *n counts them);
 * NULL, *n 0 when no two hosts share it. */
const struct host_dup *host_dups_of(const struct host_dups *d,
                                    const char *machine_id, size_t *n);

#endif
