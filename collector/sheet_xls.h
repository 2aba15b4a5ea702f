/* sheet_xls — one worksheet of a legacy Excel 97-2003 workbook (.xls, BIFF5
 * and BIFF8 in an OLE2 compound file), read with libfreexl.
 *
 * .xls is still what many offices save; FreeXL reads its cells, shared
 * strings and dates (text "2026-03-01", "2026-03-01 14:30:05"), converting
 * every code page to UTF-8. It does not report merged ranges or hidden
 * sheets, so nothing is filled down and want_sheet NULL takes the first
 * sheet. FreeXL reads from a path and holds the whole workbook in memory,
 * and it has memory-safety bugs on crafted files: it runs confined in a
 * child process on a memfd of data (sheet_jail.h), and only the cells it
 * read come back. The caller bounds len (lim->max_file, sheet.c); the rows
 * and columns every sheet claims (read without allocating them) are
 * bounded by the format and by lim->max_cells before FreeXL opens it.
 * A workbook with a password (FreeXL: "obfuscated") is refused saying so.
 * Errors: TZ_EPARSE (not a workbook FreeXL can read, with its reason, or
 * the reader crashed on it), TZ_ELIMIT, TZ_EINVAL (no sheet want_sheet:
 * the sheets are listed), TZ_EIO (fork), TZ_ENOMEM. err->file is name.
 * Ownership: on success *out is the caller's (sheet_table_free). */
#ifndef TZ_SHEET_XLS_H
#define TZ_SHEET_XLS_H

#include <stddef.h>

#include "sheet.h"
#include "sheet_table.h"

int sheet_xls_read(const void *data, size_t len, const char *name,
                   const char *want_sheet, const struct sheet_limits *lim,
                   struct sheet_table **out, struct tz_error *err);

#endif
