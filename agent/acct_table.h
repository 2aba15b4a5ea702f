/* acct_table — a bounded table of named records read from a colon-separated
 * account file: what parse_passwd, parse_shadow and parse_group share.
 *
 * The file is read whole through textfile (bounded by max_bytes; the buffer
 * is wiped afterwards, for /etc/shadow). Blank lines, '#' comments and NIS
 * compat lines ("+...", "-...") are skipped as glibc does. A line over
 * max_line bytes is the warning "path:line: line longer than N bytes" and is
 * skipped; every other line goes to spec->parse, which owns the field layout
 * and its validation. Past max_entries records: the warning "path:line: more
 * than N entries; the rest is not read". A name given twice keeps its first
 * record, as getpwnam/getspnam/getgrnam do, and warns "path:line: <noun> X
 * already defined at line N; this entry is ignored".
 *
 * Records are any struct with a `char *name` at name_off and a `long line`
 * (the line number) at line_off; the table is the caller's array of them.
 * Ownership: on success t->v (file order, duplicates gone) and t->by_name are
 * the caller's; acct_table_free() releases them. On error t is empty.
 * Errors: TZ_ENOENT, TZ_EPERM, TZ_EIO, TZ_ELIMIT (file over max_bytes, root
 * path too long), TZ_ENOMEM; err names the file. */
#ifndef TZ_ACCT_TABLE_H
#define TZ_ACCT_TABLE_H

#include <stddef.h>

#include "nameidx.h"
#include "tz_error.h"
#include "warnlist.h"

struct acct_table_spec {
    const char *path;     /* the host's path, "/etc/passwd": read under root,
                             named in warnings */
    const char *noun;     /* "user", "group": what a duplicate name is */
    size_t max_bytes, max_line, max_entries;
    size_t size;          /* sizeof one record */
    size_t name_off;      /* offsetof(record, name), a char * */
    size_t line_off;      /* offsetof(record, line), a long */
    /* Fill rec from line (cut in place, NUL-terminated). 1: a record;
     * 0: skipped, after warning in w; <0: TZ_E*. Unless it returns 1, rec
     * holds nothing to free. */
    int (*parse)(char *line, long lineno, void *rec, struct warnlist *w);
    /* Release what parse put in rec (not rec itself); wipe secrets here. */
    void (*free_rec)(void *rec);
};

struct acct_table {
    void *v;              /* n records of spec->size bytes */
    size_t n;
    struct nameidx by_name;
};

int acct_table_read(const struct acct_table_spec *spec, const char *root,
                    struct acct_table *t, struct warnlist *w,
                    struct tz_error *err);

/* Frees every record, the array and the index; t is empty afterwards. */
void acct_table_free(const struct acct_table_spec *spec, struct acct_table *t);

#endif
