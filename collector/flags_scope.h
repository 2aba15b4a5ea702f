/* flags_scope — which flags a ledger change can have moved.
 *
 * A host's flags depend on its own report, its binding and its system's
 * record (and the record of a system its binding was refused, for
 * BINDING_OTHER_DEPT); a system's flags on its record alone. tzctl changes only the
 * ledger (systems and bindings), so after a change only the systems whose
 * record differs, and the hosts whose binding or bound system changed, need
 * the rules again: at 20,000 hosts a `tzctl system set` re-evaluates the
 * handful bound to that system instead of every host. A snapshot taken
 * before the change and compared with the register after tells which.
 * Snapshots hold ids and a 16-byte hash per system record, nothing else.
 * Ownership: free a snapshot with flags_scope_free. */
#ifndef TZ_FLAGS_SCOPE_H
#define TZ_FLAGS_SCOPE_H

#include <stddef.h>
#include <stdint.h>

#include "register.h"
#include "rules_config.h"

struct flags_scope;

/* The systems and host bindings of the register now. */
int flags_scope_take(struct tz_register *reg, struct flags_scope **out,
                     struct tz_error *err);
void flags_scope_free(struct flags_scope *s);

struct flags_scope_stats {
    size_t systems, hosts;   /* subjects re-evaluated */
};

/* Re-evaluate (flags_update_subjects) what changed between before and the
 * register now; *stats (may be NULL) says how many subjects that was. */
int flags_scope_update(struct tz_register *reg, const struct rules_config *cfg,
                       const struct flags_scope *before, int64_t now,
                       struct flags_scope_stats *stats, struct tz_error *err);

#endif
