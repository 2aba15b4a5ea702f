/* ledger_diff — what changed between two versions of a ledger record, field
 * by field, as the change history keeps it (SystemChange, syshist db).
 *
 * Values are compared and kept as ledger_field_format writes them, so the
 * history reads like the ledger itself ("2026-03-01", "3", "a.edu.cn,b.edu.cn")
 * and a change that parses to the same value (" 3 " for "3") is no change.
 * Bookkeeping fields (system_id, created_at, updated_at) are not fields of
 * the ledger and never appear. */
#ifndef TZ_LEDGER_DIFF_H
#define TZ_LEDGER_DIFF_H

#include "taizhang.pb-c.h"

/* Fill out->changes (out->n_changes) with the fields that differ between
 * old (NULL: the record was created; every field set in nw is listed, with
 * old_value "") and nw. out's other fields are left alone.
 * Ownership: the changes are heap copies; free them with ledger_diff_clear
 * (which leaves out with no changes). 0 or TZ_ENOMEM (out has none). */
int ledger_diff(const Tz__SystemRecord *old, const Tz__SystemRecord *nw,
                Tz__SystemChange *out);
void ledger_diff_clear(Tz__SystemChange *out);

/* The history also keeps which hosts an operator bound to or unbound from
 * a system (`tzctl bind`, `unbind`): action "bound" or "unbound", one
 * change of field "host" whose value names the host ("web01 (host 3)").
 * It is no ledger field: replaying the history into a record skips it. */
#define LEDGER_CHANGE_HOST     "host"
#define LEDGER_ACTION_BOUND    "bound"
#define LEDGER_ACTION_UNBOUND  "unbound"
#define LEDGER_HOST_LABEL      "主机"

/* Is c a host bound or unbound (no field of the record changed)? */
int ledger_change_is_binding(const Tz__SystemChange *c);

/* May one who sees dept's ledger (NULL: the network center, everything)
 * see change c? Not a binding of another department's host: such hosts
 * are left out of every department's view of its systems. */
int ledger_change_visible(const Tz__SystemChange *c, const char *dept);

#endif
