/* record_asof — a ledger record or a department's record as it stood at
 * a past instant, rebuilt from today's record by undoing, newest first,
 * every change its history holds from that instant on (SystemChange,
 * DeptChange: each keeps the old value as the field's formatter wrote it,
 * which the field's parser reads back). The half-year report's figures are
 * as of the period's end this way, whatever changed since.
 * What the history does not hold stays as it is today: a system's
 * last_screening and the review's override reason, a record's revision.
 * Ownership: *out is the caller's (protobuf_c_message_free_unpacked).
 * Errors: the register's; TZ_ENOMEM. A history value that no longer
 * parses is TZ_ESTORE naming the system and field. */
#ifndef TZ_RECORD_ASOF_H
#define TZ_RECORD_ASOF_H

#include <stdint.h>

#include "register.h"

/* System id as of t (changes at or after t undone); *out NULL when it was
 * created at or after t (it did not exist yet). */
int record_asof_system(struct tz_register *reg, uint64_t id, int64_t t,
                       Tz__SystemRecord **out, struct tz_error *err);

/* Department dept's record as of t. */
int record_asof_dept(struct tz_register *reg, const char *dept, int64_t t,
                     Tz__DeptRecord **out, struct tz_error *err);

#endif
