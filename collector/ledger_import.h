/* ledger_import — `tzctl system import FILE`: a department's ledger sheet,
 * as it keeps it (.csv in UTF-8 or GBK, .xlsx, .xls), into the register,
 * all rows or none.
 *
 * The rows come from sheet.h, whatever the file. The header is the first
 * row (of the first HEADER_SCAN non-empty ones) with a cell naming a ledger
 * field, so a title row above it ("计算机学院信息系统台账") is skipped. It
 * names the columns by Chinese label (系统名称), English key (name) or an
 * alias (collector/ledger_fields.h), mixed as people like; spaces and line
 * breaks inside a header cell, a required-mark '*' and a trailing
 * parenthesised hint ("联系方式（手机）") are ignored. A two-level header
 * (group titles over some columns, their fields in the row below, the
 * others merged down) is read as one. 系统名称 and 所属单位 are required,
 * a field named twice is an error; columns naming no field (序号, 填表人)
 * and columns without a header are ignored and listed once in info.
 * Every row is parsed and checked before anything is written — field
 * values, the department exists, (所属单位, 系统名称) is new to the
 * register and to the file — and every problem is reported, not just the
 * first, one per cell: "Sheet1!E7: 定级备案日期: <reason>" for a workbook,
 * "line N: <label>: <reason>" for a CSV (N the physical line the record
 * starts on, as a text editor shows it). Rows whose cells are all empty
 * are skipped. Only a file without problems is imported, in one
 * transaction (register_systems_import). A row whose IPs overlap, or whose
 * domains name the host of, a stored system or another row is imported
 * all the same, with a warning in info naming both (ledger_overlap.h).
 * Errors: TZ_EINVAL when problems were found (they are in *probs, nothing
 * imported); the sheet.h errors for a file that cannot be read (encoding,
 * zip, bounds), with err naming where; register errors.
 * Ownership: free *probs with ledger_problems_free and *info with
 * ledger_import_info_free, whatever the result. */
#ifndef TZ_LEDGER_IMPORT_H
#define TZ_LEDGER_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ledger_overlap.h"
#include "register.h"
#include "sheet.h"

#define LEDGER_MAX_PROBLEMS 1000  /* kept; the rest are only counted */
#define HEADER_SCAN 20            /* rows searched for the header */
#define LEDGER_MAX_IGNORED 64     /* ignored columns listed; rest counted */

struct ledger_problem {
    long line;    /* the row (workbook) or physical line (CSV) */
    char *text;   /* "系统台账!E7: 等保等级: grade 7 does not exist ..." */
};

struct ledger_problems {
    struct ledger_problem *v;  /* sorted by line */
    size_t n;                  /* kept in v */
    size_t total;              /* found */
};

void ledger_problems_free(struct ledger_problems *p);
/* Record one problem where a person finds it in si's file: "line N"
 * (CSV), "Sheet1!E7" (a workbook's cell), "Sheet1 row 7" (col
 * LEDGER_NO_COL); past LEDGER_MAX_PROBLEMS only counted. 0, or TZ_ENOMEM.
 * For the other imports too (dept_import.h). */
#define LEDGER_NO_COL ((size_t)-1)
int ledger_problem_at(struct ledger_problems *p, const struct sheet_info *si,
                      long row, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Order by line, stable: a row's own problems keep their column order. */
void ledger_problems_sort(struct ledger_problems *p);

/* What the import read, for the operator to check it read the right
 * thing: the format, the encoding a CSV was read in, the sheet, where the
 * header was, and the columns it left out. */
struct ledger_import_info {
    enum sheet_format format;
    char encoding[16];      /* CSV: "UTF-8" or "GB18030"; "" otherwise */
    char sheet[256];        /* workbook: the sheet read; "" for CSV */
    long header_row;        /* row (line) of the header; 0: not found */
    int header_rows;        /* 1, or 2 for a two-level header */
    char **ignored;         /* "序号 (A)", "(no header) (F)" */
    size_t n_ignored;       /* in ignored */
    size_t total_ignored;   /* found */
    /* Rows claiming addresses or names a stored system or another row
     * claims (ledger_overlap.h): told, not refused. */
    struct ledger_warnings warnings;
};

void ledger_import_info_free(struct ledger_import_info *info);

/* Import the file at path (want_sheet: the sheet of a workbook to read,
 * NULL for the first visible); *imported gets the number of systems added
 * (0 on any failure). The change history names `by` for each. */
int ledger_import_file(struct tz_register *reg, const char *path,
                       const char *want_sheet, int64_t now,
                       const struct register_actor *by, size_t *imported,
                       struct ledger_import_info *info,
                       struct ledger_problems *probs, struct tz_error *err);

/* The same from a sheet already open (tests, other front ends); name is
 * what file-level errors call it. */
int ledger_import_sheet(struct tz_register *reg, struct sheet *sh,
                        const char *name, int64_t now,
                        const struct register_actor *by, size_t *imported,
                        struct ledger_import_info *info,
                        struct ledger_problems *probs, struct tz_error *err);

/* ---- update mode: `tzctl system import --update FILE [--dry-run]` ----
 *
 * The same reading and checks, but a row may name a system the register
 * has: by an id column (header "id", "编号" or "系统编号": the system's
 * id, which must exist), else by 系统名称 within its 所属单位. A matched
 * system gets the row's value for every column the sheet has (an empty
 * cell clears the field, except 状态 which stays); fields without a
 * column keep their value. A row that matches nothing is added, as a
 * plain import would. Two rows naming one system are a problem. Every
 * change is diffed against the stored record (ledger_diff.h); unless
 * dry_run, the changes apply in ONE transaction (register_systems_update):
 * all or nothing, recorded in the history by `by`. Nothing is written
 * when nothing changes. Errors as ledger_import_file; TZ_ECHANGED when a
 * system was changed by someone else while the sheet was read. */
struct ledger_update_row {
    uint64_t system_id;      /* the system (an added one's once applied) */
    int added;               /* the sheet adds it */
    char *name, *dept;       /* after the change */
    Tz__SystemChange change; /* the fields that change (changes/n_changes) */
};

struct ledger_update {
    struct ledger_update_row *v;  /* added and changed systems, file order */
    size_t n;
    size_t updated, added, unchanged;
    int applied;                  /* written (not dry_run, something changed) */
};

void ledger_update_free(struct ledger_update *u);

int ledger_update_file(struct tz_register *reg, const char *path,
                       const char *want_sheet, int dry_run, int64_t now,
                       const struct register_actor *by, struct ledger_update *out,
                       struct ledger_import_info *info,
                       struct ledger_problems *probs, struct tz_error *err);
int ledger_update_sheet(struct tz_register *reg, struct sheet *sh,
                        const char *name, int dry_run, int64_t now,
                        const struct register_actor *by, struct ledger_update *out,
                        struct ledger_import_info *info,
                        struct ledger_problems *probs, struct tz_error *err);

#endif
