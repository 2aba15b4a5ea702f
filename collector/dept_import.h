/* dept_import — `tzctl dept import FILE.csv`: every department's leaders
 * and liaison from one sheet, all rows or none.
 *
 * The header names the department column (单位, 所属单位, 部门, dept or
 * department: required) and the record's fields by label, key or alias
 * (collector/dept_fields.h); an unknown or repeated column is an error.
 * Each row updates an existing department: a non-empty cell sets its
 * field, an empty cell leaves the stored value. Every row is parsed and
 * checked before anything is written — values, the department exists, no
 * department twice in the file — and every problem is reported as
 * "line N: <label>: <reason>" (ledger_import.h's problem list, same
 * bounds). Only a file without problems is written, in one transaction
 * (register_depts_put); the change history names `by` (via "import").
 * Errors: TZ_EINVAL with problems in *probs (nothing written); the
 * csv_reader's errors for a file that cannot be read as CSV; register
 * errors. Ownership: free *probs with ledger_problems_free whatever the
 * result. */
#ifndef TZ_DEPT_IMPORT_H
#define TZ_DEPT_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "csv_reader.h"
#include "ledger_import.h"
#include "register.h"

/* *updated gets the number of departments whose record changed. */
int dept_import_file(struct tz_register *reg, const char *path, int64_t now,
                     const struct register_actor *by, size_t *updated,
                     struct ledger_problems *probs, struct tz_error *err);

int dept_import_csv(struct tz_register *reg, struct csv_reader *csv,
                    const char *name, int64_t now,
                    const struct register_actor *by, size_t *updated,
                    struct ledger_problems *probs, struct tz_error *err);

#endif
