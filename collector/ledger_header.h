/* ledger_header — which row of a ledger sheet is its header, and which
 * ledger field each column holds.
 *
 * Departments' sheets are made for people: a title row above the header,
 * "*系统名称" marking a required column, "定级备案\n日期" wrapped in a
 * narrow column, "联系方式（手机）" with a hint, a two-level header whose
 * group titles ("备案情况") stand over the fields below them while the
 * other fields are merged down over both rows. This module reads all of
 * those as the fields they name, and nothing else: a cell names a field
 * only by its label, key or alias (ledger_field_find).
 * Pure: no allocation but the ignored list, no I/O. */
#ifndef TZ_LEDGER_HEADER_H
#define TZ_LEDGER_HEADER_H

#include <stddef.h>

#include "ledger_fields.h"
#include "sheet.h"

#define LEDGER_HEADER_COLS 256   /* sheet_limits' default max_cols */

struct ledger_columns {
    const struct ledger_field *f[LEDGER_HEADER_COLS];  /* NULL: ignored */
    const char *label[LEDGER_HEADER_COLS];  /* the header cell, "" none */
    size_t n;                                /* columns with a header */
};

/* The field a header cell names, after dropping spaces and line breaks
 * anywhere, '*' or '＊' at either end and a trailing "(...)" or "（...）";
 * NULL when it names none. */
const struct ledger_field *ledger_header_field(const char *cell);

/* 1 when some cell of row names a field: the row is the header. */
int ledger_header_is_header(const struct sheet_row *row);

/* 1 when next is the second row of a two-level header over top: it names
 * a field in a column where top names none (under a group title). */
int ledger_header_continues(const struct sheet_row *top,
                            const struct sheet_row *next);

/* The columns of the header top (and next when it is the second level,
 * else NULL): per column, top's field, else next's cell, else top's cell.
 * Labels point into the rows, valid while they are. */
void ledger_header_columns(const struct sheet_row *top,
                           const struct sheet_row *next,
                           struct ledger_columns *cols);

#endif
