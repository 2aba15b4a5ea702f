/* dept_import — `tzctl dept import FILE [--sheet NAME]`: every
 * department's leaders and liaison from one sheet, all rows or none. The
 * file is read as the ledger import reads its own (sheet.h: UTF-8 or GBK
 * CSV, .xlsx, .xls); the header is the first of the first HEADER_SCAN rows
 * that names the department column, so a title row above it is skipped.
 *
 * The header names the department column (单位, 所属单位, 部门, dept or
 * department: required) and the record's fields by label, key or alias
 * (collector/dept_fields.h); an unknown or repeated column is an error.
 * Each row updates an existing department: a non-empty cell sets its
 * field, an empty cell leaves the stored value. Every row is parsed and
 * checked before anything is written — values, the department exists, no
 * department twice in the file — and every problem is reported as
 * "line N: <label>: <reason>" (CSV) or "Sheet1!C7: <label>: <reason>"
 * (workbooks), in ledger_import.h's problem list with its bounds. Only a file without problems is written, in one transaction
 * (register_depts_put); the change history names `by` (via "import").
 * Errors: TZ_EINVAL with problems in *probs (nothing written); sheet.h's
 * errors for a file that cannot be read; register errors.
 * Ownership: free *probs with ledger_problems_free whatever the result. */
#ifndef TZ_DEPT_IMPORT_H
#define TZ_DEPT_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ledger_import.h"
#include "register.h"
#include "sheet.h"

/* *updated gets the number of departments whose record changed;
 * want_sheet: a workbook's sheet by name, NULL for the first visible. */
int dept_import_file(struct tz_register *reg, const char *path,
                     const char *want_sheet, int64_t now,
                     const struct register_actor *by, size_t *updated,
                     struct ledger_problems *probs, struct tz_error *err);

/* The same from a sheet already open; name is what file-level errors call
 * it. */
int dept_import_sheet(struct tz_register *reg, struct sheet *sh,
                      const char *name, int64_t now,
                      const struct register_actor *by, size_t *updated,
                      struct ledger_problems *probs, struct tz_error *err);

#endif
