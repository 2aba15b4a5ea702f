/* sheet_xlsx — one worksheet of an Office Open XML workbook (.xlsx as Excel,
 * WPS and LibreOffice save it), read with libzip and expat.
 *
 * Follows the package's relationships (_rels/.rels → the workbook →
 * its sheets, shared strings and styles) rather than assuming part names,
 * and takes the sheet named want_sheet (exact name, then ignoring ASCII
 * case), or the first one that is not hidden. Cells: shared strings (rich
 * text runs joined, phonetic runs left out), inline strings, formula
 * results as cached, numbers, booleans, error values, ISO dates (t="d"),
 * and numbers whose style is a date format (built-in or custom) as dates,
 * counting from 1900 or, with date1904, 1904; _xHHHH_ escapes decoded.
 * Merged ranges are handed to the table (sheet_table.h fills them down).
 *
 * The file is hostile until read: the zip's entry count, each entry's
 * inflated bytes (counted as inflated, whatever the zip's header claims:
 * a zip bomb stops at the bound), XML nesting depth, shared strings (count
 * and bytes), cells, rows, columns and cell length are bounded by lim; a
 * DOCTYPE (entity tricks) is refused, as no spreadsheet has one.
 * Errors: TZ_EPARSE (not a zip, a part missing or not XML, a cell that
 * makes no sense: err->msg names the part or the cell, Sheet1!E7),
 * TZ_ELIMIT (a bound, named), TZ_EINVAL (no sheet want_sheet: the message
 * lists the sheets), TZ_ENOMEM. err->file is file.
 * Ownership: on success *out is the caller's (sheet_table_free); data is
 * not kept. */
#ifndef TZ_SHEET_XLSX_H
#define TZ_SHEET_XLSX_H

#include <stddef.h>

#include "sheet.h"
#include "sheet_table.h"

int sheet_xlsx_read(const void *data, size_t len, const char *file,
                    const char *want_sheet, const struct sheet_limits *lim,
                    struct sheet_table **out, struct tz_error *err);

#endif
