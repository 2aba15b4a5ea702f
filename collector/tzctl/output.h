/* output — tzctl's listings as an aligned table, RFC 4180 CSV or JSON.
 *
 * A command fills a table of string cells under named columns and picks the
 * format at the end, so every listing speaks all three the same way.
 * Table: columns aligned by display width (CJK counts 2), empty cells shown
 *   as "-", control characters and invalid UTF-8 shown as '?' (cells carry
 *   what agents sent; a terminal must not execute it).
 * CSV: header of column keys, CRLF line ends, fields quoted when they hold
 *   a comma, quote, CR or LF (quotes doubled), data otherwise untouched.
 * JSON: an array of objects keyed by column key; OUT_NUM cells become
 *   numbers (null when empty), OUT_LIST cells (items joined by ',') arrays.
 * Ownership: out_add copies the cells; free the table with out_free. */
#ifndef TZCTL_OUTPUT_H
#define TZCTL_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

enum out_format { OUT_TABLE, OUT_CSV, OUT_JSON };

/* "table", "csv" or "json"; TZ_EINVAL otherwise. */
int out_format_parse(const char *s, enum out_format *f);

/* OUT_WORD: an enumerated value ("live", "passed", "PW_WEAK"): CSV and
 * JSON keep the value, the table shows its word in the reader's language
 * (value_words.h, out_set_zh). */
enum out_kind { OUT_STR, OUT_NUM, OUT_LIST, OUT_WORD };

struct out_col {
    const char *title;    /* table header: "LAST SEEN" */
    const char *key;      /* CSV header and JSON key: "last_seen" */
    enum out_kind kind;
    const char *title_zh; /* the header in Chinese (out_set_zh), or NULL:
                           * title in both (the ledger's own labels) */
};

struct out_table;

/* Tables show OUT_WORD cells in Chinese (1) or English (0, the default)
 * from now on, process-wide (tzctl --lang). */
void out_set_zh(int zh);
int out_zh(void);

/* cols must outlive the table. NULL on ENOMEM. */
struct out_table *out_new(const struct out_col *cols, size_t ncols);
/* One row of ncols cells (NULL counts as ""). 0 or TZ_ENOMEM. */
int out_add(struct out_table *t, const char *const *cells);
/* 0, TZ_ENOMEM or TZ_EIO. */
int out_write(const struct out_table *t, enum out_format f, FILE *fp);
void out_free(struct out_table *t);

/* Print o as indented JSON on stdout and delete it (o NULL: out of memory
 * while building it). TZ_ENOMEM or 0. */
struct cJSON;
int out_print_json(struct cJSON *o);
/* The same for an object holding a token shown once: the printed text is
 * wiped before it is freed. */
int out_print_json_secret(struct cJSON *o);

/* Columns a string takes on a terminal: CJK and fullwidth characters 2,
 * combining marks 0, everything else 1 (invalid bytes count 1 each). */
size_t out_width(const char *s);

/* A copy of s for a table cell at most cols (>= 1) display columns wide:
 * escaped as the table shows it (out_sanitize), then cut at a character,
 * "…" marking the cut, so an escaped control character cannot widen a cut
 * cell. Caller frees; NULL on ENOMEM. */
char *out_cut(const char *s, size_t cols);
/* How many rows t holds. */
size_t out_rows(const struct out_table *t);
/* Copy s for a terminal, control and bidi characters (except those in keep)
 * escaped ("\n", "\x1b", "\u202e") and invalid UTF-8 replaced by '?'
 * (tz_text_escape): a stored value is one line of a table, whatever it holds.
 * Caller frees; NULL on ENOMEM. */
char *out_sanitize(const char *s, const char *keep);

#endif
