/* sheet_table — one worksheet held in memory, as the workbook readers
 * (sheet_xlsx.c, sheet_xls.c) build it and sheet.c hands it out row by row.
 *
 * Cells are kept sparse (only non-empty ones), in row order, their text in
 * one arena, so a hostile file's far-right cell or thousand-row merge costs
 * what it holds, not its extent; each row is laid out densely only when it
 * is handed out. An XLSX's merges come after its cells, so they are
 * recorded and applied at sheet_table_finish (see sheet.h: only down a
 * column, only into rows that have cells).
 * Bounds (sheet_limits): max_cell, max_cols, max_rows, max_text, max_cells
 * (cells and merged fills together), max_merges. Errors name the cell as
 * Excel does (Sheet1!E7) in err->msg, err->file is the file.
 * Ownership: sheet_table_free frees the table and everything it handed
 * out; a row from sheet_table_next stays valid until the next call. */
#ifndef TZ_SHEET_TABLE_H
#define TZ_SHEET_TABLE_H

#include <stddef.h>

#include "sheet.h"

struct sheet_table;

/* A table for the sheet named sheet of file (both copied). NULL on ENOMEM. */
struct sheet_table *sheet_table_new(const struct sheet_limits *lim,
                                    const char *file, const char *sheet);
void sheet_table_free(struct sheet_table *t);

/* The sheet's name, and whether its dates count from 1904. */
const char *sheet_table_name(const struct sheet_table *t);
void sheet_table_set_date1904(struct sheet_table *t, int on);
int sheet_table_date1904(const struct sheet_table *t);

/* Add the cell at row (1-based), col (0-based). Rows must come in
 * ascending order and columns ascending within a row (TZ_EPARSE
 * otherwise, as a file that breaks it is malformed). A cell without text
 * (kind SHEET_EMPTY, or len 0 of any kind) is dropped. text need not
 * be NUL-terminated. TZ_ELIMIT past a bound, TZ_ENOMEM. */
int sheet_table_add(struct sheet_table *t, long row, size_t col,
                    enum sheet_kind kind, const char *text, size_t len,
                    double num, struct tz_error *err);

/* Record the merged range r0:c0 to r1:c1 (inclusive, r0 <= r1, c0 <= c1). */
int sheet_table_merge(struct sheet_table *t, long r0, size_t c0, long r1,
                      size_t c1, struct tz_error *err);

/* After the last cell and merge: work out the merged fills. */
int sheet_table_finish(struct sheet_table *t, struct tz_error *err);

/* 1 with the next row, 0 at the end. */
int sheet_table_next(struct sheet_table *t, struct sheet_row *row);

/* The name a cell error uses: "Sheet1!E7" into buf. */
void sheet_table_ref(const struct sheet_table *t, long row, size_t col,
                     char *buf, size_t len);

#endif
