/* ledger_import — `tzctl system import FILE.csv`: a department's ledger
 * sheet, exported from Excel, into the register, all rows or none.
 *
 * The header row names the columns by Chinese label (系统名称) or English
 * key (name), mixed as people like (collector/ledger_fields.h); 系统名称 and
 * 所属单位 are required, an unknown or repeated column is an error. Every row
 * is parsed and checked before anything is written — field values, the
 * department exists, (所属单位, 系统名称) is new to the register and to the
 * file — and every problem is reported, not just the first, as
 * "line N: <label>: <reason>" with N the physical line the row starts on.
 * Rows whose cells are all empty are skipped (Excel exports formatted but
 * empty rows). Only a file without problems is imported, in one
 * transaction (register_systems_import).
 * Errors: TZ_EINVAL when problems were found (they are in *probs, nothing
 * imported); the csv_reader errors for a file that cannot be read as CSV
 * (not UTF-8, bad quoting, bounds), with err->line; register errors.
 * Ownership: free *probs with ledger_problems_free whatever the result. */
#ifndef TZ_LEDGER_IMPORT_H
#define TZ_LEDGER_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "csv_reader.h"
#include "register.h"

#define LEDGER_MAX_PROBLEMS 1000  /* kept; the rest are only counted */

struct ledger_problem {
    long line;
    char *text;   /* "line 7: 等保等级: grade 7 does not exist ..." */
};

struct ledger_problems {
    struct ledger_problem *v;  /* sorted by line */
    size_t n;                  /* kept in v */
    size_t total;              /* found */
};

void ledger_problems_free(struct ledger_problems *p);
/* Record one problem as "line N: <fmt>" (only counted past
 * LEDGER_MAX_PROBLEMS); 0, or TZ_ENOMEM. For the other imports too
 * (dept_import.h). */
int ledger_problem_add(struct ledger_problems *p, long line,
                       const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Order by line, stable: a row's own problems keep their column order. */
void ledger_problems_sort(struct ledger_problems *p);

/* Import the CSV file at path; *imported gets the number of systems added
 * (0 on any failure). The change history names `by` for each. */
int ledger_import_file(struct tz_register *reg, const char *path,
                       int64_t now, const struct register_actor *by,
                       size_t *imported,
                       struct ledger_problems *probs, struct tz_error *err);

/* The same from records already open (tests, other front ends). */
int ledger_import_csv(struct tz_register *reg, struct csv_reader *csv,
                      const char *name, int64_t now,
                      const struct register_actor *by, size_t *imported,
                      struct ledger_problems *probs, struct tz_error *err);

#endif
