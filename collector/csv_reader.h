/* csv_reader — RFC 4180 records from a file as Excel and WPS write them.
 *
 * Accepts UTF-8 with or without a BOM, CRLF or LF line ends, quoted fields
 * with "" escapes and embedded line breaks (kept as they are). Each record
 * carries the physical line it starts on, so an error about a row names the
 * line a person sees in a text editor. Blank lines are skipped.
 * The encoding is decided from the bytes, once, before any record: UTF-8
 * when the file has a UTF-8 BOM or is valid UTF-8 throughout, otherwise
 * GB18030 (GBK, what Excel's and WPS's plain "CSV (逗号分隔)" is on a
 * Chinese Windows), converted to UTF-8 (text_gbk.h); csv_encoding says
 * which. UTF-16, NUL bytes, and a file that is neither (or has a BOM and is
 * not UTF-8) are refused as a whole rather than imported as mojibake: "the
 * file is neither UTF-8 nor GB18030 (GBK) text: in Excel save it as 'CSV
 * UTF-8 (逗号分隔)'", with the first line that is wrong.
 * Errors: TZ_EPARSE with err->file/line (a quote inside an unquoted field,
 * text after a closing quote, an unterminated quote: the line it opened on,
 * a NUL byte, an encoding as above), TZ_ELIMIT with line (a bound below),
 * TZ_EIO and TZ_ENOENT (open/read), TZ_ENOMEM.
 * Bounds: csv_limits; the defaults are 64 MiB per file (also as UTF-8),
 * 64 KiB per field, 256 fields per record, 100000 records.
 * Ownership: the reader owns the record's strings; they stay valid until
 * the next csv_next or csv_close. */
#ifndef TZ_CSV_READER_H
#define TZ_CSV_READER_H

#include <stddef.h>

#include "tz_error.h"

struct csv_limits {
    size_t max_bytes;   /* whole file */
    size_t max_field;   /* bytes of one field, after unquoting */
    size_t max_fields;  /* fields in one record */
    size_t max_records; /* records in the file, header included */
};

#define CSV_LIMITS_DEFAULT {(size_t)64 << 20, (size_t)64 << 10, 256, 100000}

struct csv_record {
    char **fields;      /* NUL-terminated, unquoted */
    size_t n;
    long line;          /* physical line (1-based) where the record starts */
};

struct csv_reader;

/* Read the whole file (at most lim->max_bytes) and check its encoding.
 * lim NULL means the defaults. */
int csv_open_file(const char *path, const struct csv_limits *lim,
                  struct csv_reader **out, struct tz_error *err);
/* The same over a copy of len bytes of data; name is used in errors. */
int csv_open_mem(const void *data, size_t len, const char *name,
                 const struct csv_limits *lim, struct csv_reader **out,
                 struct tz_error *err);

/* 1 with the next record in *rec, 0 at the end, or a negative TZ_E*. */
int csv_next(struct csv_reader *r, struct csv_record *rec,
             struct tz_error *err);

/* "UTF-8" or "GB18030" (static): how the file's bytes were read. */
const char *csv_encoding(const struct csv_reader *r);

void csv_close(struct csv_reader *r);

#endif
