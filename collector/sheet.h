/* sheet — the rows of a spreadsheet, whichever file a department kept it in:
 * CSV (UTF-8 or GB18030, csv_reader.h), XLSX (sheet_xlsx.h) or XLS
 * (sheet_xls.h). The ledger import reads this, not the formats.
 *
 * The format is decided from the file's first bytes, not its name: a zip
 * is XLSX, an OLE2 compound file is XLS, anything else is read as CSV (a
 * file named .xlsx that is not a zip is refused saying what it is).
 * A row is its cells from column A, up to its last non-empty cell; rows
 * without a non-empty cell are not returned. Each row says where a person
 * finds it: the row number Excel shows (workbooks) or the physical line a
 * record starts on (CSV, as a text editor shows it). Workbook cells keep
 * their kind: a number (its text as Excel shows it in General format, up
 * to 15 significant digits), a date (a number with a date format: its text
 * is 2026-03-01, with " 14:30" or " 14:30:05" when it has a time), a
 * boolean (TRUE/FALSE) or an error value (#N/A, #REF!, ...). In an XLSX,
 * a cell merged down over the rows below it (A5:A9, a department over its
 * systems) gives its value to each of those rows that has other cells;
 * merges across columns are not filled (they would copy one field's value
 * into another's column).
 * Ownership: a row and its cells are the reader's, valid until the next
 * sheet_next or sheet_close; free the reader with sheet_close.
 * Errors: TZ_ENOENT, TZ_EIO (open/read), TZ_EPARSE (the file cannot be read
 * as its format: err->line for CSV, the part or cell named in err->msg for
 * a workbook), TZ_ELIMIT (a bound of sheet_limits, named), TZ_EINVAL (no
 * sheet of that name: the message lists those there are), TZ_ENOMEM. */
#ifndef TZ_SHEET_H
#define TZ_SHEET_H

#include <stddef.h>

#include "tz_error.h"

enum sheet_format { SHEET_CSV, SHEET_XLSX, SHEET_XLS };

enum sheet_kind {
    SHEET_EMPTY = 0,
    SHEET_TEXT,
    SHEET_NUMBER,
    SHEET_DATE,
    SHEET_BOOL,
    SHEET_ERROR
};

struct sheet_cell {
    enum sheet_kind kind;
    const char *text;   /* never NULL; "" for SHEET_EMPTY */
    double num;         /* SHEET_NUMBER and SHEET_DATE (its serial) */
};

struct sheet_row {
    const struct sheet_cell *cells;  /* cells[0] is column A */
    size_t n;
    long row;
};

/* Bounds on what a file may make the reader do (hostile files: zip bombs,
 * absurd counts). Every bound hit is an error naming it, never a silent
 * cut. Zero fields take the default. */
struct sheet_limits {
    size_t max_file;     /* bytes of the file (CSV: also as UTF-8) */
    size_t max_cell;     /* bytes of one cell's text */
    size_t max_cols;     /* a non-empty cell further right is an error */
    size_t max_rows;     /* non-empty rows (CSV: records) */
    size_t max_text;     /* bytes of all cell text and shared strings */
    size_t max_cells;    /* non-empty cells, and merged fills */
    size_t max_entry;    /* XLSX: bytes one zip entry inflates to */
    size_t max_entries;  /* XLSX: entries in the zip */
    size_t max_strings;  /* XLSX: shared strings */
    size_t max_depth;    /* XLSX: XML element nesting */
    size_t max_merges;   /* XLSX: merged ranges */
};

/* 64 MiB files, 64 KiB cells, 256 columns, 100000 rows, 64 MiB of text,
 * 4 M cells, 256 MiB per zip entry, 10000 entries, 1 M shared strings,
 * depth 64, 100000 merged ranges. */
#define SHEET_LIMITS_DEFAULT                                              \
    {(size_t)64 << 20, (size_t)64 << 10, 256, 100000, (size_t)64 << 20,    \
     (size_t)4 << 20, (size_t)256 << 20, 10000, (size_t)1 << 20, 64,       \
     100000}

/* What was read, for the operator: "台账.xlsx: XLSX, sheet 系统台账". */
struct sheet_info {
    enum sheet_format format;
    const char *encoding;   /* CSV: "UTF-8" or "GB18030"; NULL otherwise */
    const char *sheet;      /* workbook: the sheet read; NULL for CSV */
    int date1904;           /* workbook dates count from 1904 (old Mac) */
};

struct sheet;

/* Open path; want_sheet is the sheet to read by name (NULL: the first
 * visible one; a CSV has no sheets, so a name is TZ_EINVAL for it).
 * lim NULL means the defaults. */
int sheet_open(const char *path, const char *want_sheet,
               const struct sheet_limits *lim, struct sheet **out,
               struct tz_error *err);

/* 1 with the next non-empty row in *row, 0 at the end, or a negative
 * TZ_E* (a CSV is read as it goes, so its errors may come here). */
int sheet_next(struct sheet *s, struct sheet_row *row, struct tz_error *err);

const struct sheet_info *sheet_info(const struct sheet *s);

void sheet_close(struct sheet *s);

/* The header of a sheet a person made: the first of its first scan rows
 * for which is_header says 1 (a title or notes may stand above it).
 * Returns 1 with that row in *row (valid until the next sheet_next); 0
 * when none of them is, with *first the number of the first row read, for
 * the problem the caller records; is_header's own error (< 0); TZ_EPARSE
 * "the file is empty: it needs a header row and a row per <per_what>"
 * (name is the file) when the sheet has no row; sheet_next's errors.
 * The ledger and department imports share it. */
int sheet_find_header(struct sheet *s, int scan,
                      int (*is_header)(const struct sheet_row *row),
                      const char *name, const char *per_what,
                      struct sheet_row *row, long *first,
                      struct tz_error *err);

/* A copy of row that outlives the next sheet_next (a header kept while
 * the rows under it are read); NULL on ENOMEM. Free with sheet_row_free. */
struct sheet_row *sheet_row_dup(const struct sheet_row *row);
void sheet_row_free(struct sheet_row *row);

/* The format of a file from its first bytes (at least 8, or all it has). */
enum sheet_format sheet_sniff(const void *head, size_t len);

/* "A", "Z", "AA", ... "XFD" for column 0, 25, 26, ... 16383. */
#define SHEET_COL_NAME 8
void sheet_col_name(size_t col, char buf[SHEET_COL_NAME]);

/* Where a cell is, as Excel writes a reference: 系统台账!E7, or 'My
 * Sheet'!E7 when the name needs quotes. buf gets at most len bytes. */
void sheet_ref(const char *sheet, size_t col, long row, char *buf,
               size_t len);

/* The date of an Excel serial number (days since 1899-12-30, or since
 * 1904-01-01 with date1904; Excel's phantom 1900-02-29 kept out) as
 * "2026-03-01", with " 14:30" or " 14:30:05" when it has a time of day;
 * 0, or TZ_EINVAL when serial is no date Excel shows (before 1900-01-01
 * or 1904-01-01, after 9999-12-31, not finite). */
#define SHEET_DATE_STRLEN 24
int sheet_serial_date(double serial, int date1904,
                      char buf[SHEET_DATE_STRLEN]);

/* A number as Excel's General format shows it: integers whole, others
 * with up to 15 significant digits ("0.3", not "0.30000000000000004"). */
#define SHEET_NUM_STRLEN 32
void sheet_number_text(double v, char buf[SHEET_NUM_STRLEN]);

#endif
