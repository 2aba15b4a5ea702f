/* csv_reader — the whole file in memory (bounded), its encoding checked
 * once, then records decoded in place: an unquoted or quoted field is never
 * longer than its source text, so no copy per field is needed. */
#include "csv_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "utf8.h"

#define NOT_UTF8 "the file is not UTF-8: in Excel use 'CSV UTF-8 (逗号分隔)'"

struct csv_reader {
    char *buf;       /* the file plus a NUL, decoded in place */
    size_t len, pos;
    long line;       /* physical line at pos */
    size_t records;
    struct csv_limits lim;
    char **fields;   /* lim.max_fields slots */
    char name[256];
};

static const struct csv_limits defaults = CSV_LIMITS_DEFAULT;

/* A UTF-16 file, a GBK one, or a stray NUL: refuse it whole, naming the
 * first line that is wrong. Line ends split the check: no UTF-8 sequence
 * contains '\n', so a valid file is valid line by line. */
static int check_encoding(struct csv_reader *r, struct tz_error *err)
{
    const unsigned char *u = (const unsigned char *)r->buf;
    if (r->len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) ||
                        (u[0] == 0xfe && u[1] == 0xff)))
        return tz_err(err, TZ_EPARSE, r->name, 1, NOT_UTF8
                      " (this one is UTF-16)");
    long line = 1;
    for (size_t start = 0; start < r->len;) {
        char *nl = memchr(r->buf + start, '\n', r->len - start);
        size_t end = nl ? (size_t)(nl - r->buf) : r->len;
        if (memchr(r->buf + start, '\0', end - start))
            return tz_err(err, TZ_EPARSE, r->name, line, NOT_UTF8
                          " (it has NUL bytes, as UTF-16 does)");
        char save = r->buf[end];
        r->buf[end] = '\0';
        int ok = tz_utf8_valid(r->buf + start);
        r->buf[end] = save;
        if (!ok)
            return tz_err(err, TZ_EPARSE, r->name, line, NOT_UTF8
                          " (this one looks like GBK/GB18030)");
        start = end + 1;
        line++;
    }
    return 0;
}

static int reader_new(char *buf, size_t len, const char *name,
                      const struct csv_limits *lim, struct csv_reader **out,
                      struct tz_error *err)
{
    struct csv_reader *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        free(buf);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    r->buf = buf;
    r->len = len;
    r->line = 1;
    r->lim = lim ? *lim : defaults;
    snprintf(r->name, sizeof(r->name), "%s", name ? name : "");
    r->fields = calloc(r->lim.max_fields ? r->lim.max_fields : 1,
                       sizeof(char *));
    if (r->fields == NULL) {
        csv_close(r);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    int rc = check_encoding(r, err);
    if (rc != 0) {
        csv_close(r);
        return rc;
    }
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        r->pos = 3;  /* Excel's "CSV UTF-8" starts with a BOM */
    *out = r;
    return 0;
}

int csv_open_mem(const void *data, size_t len, const char *name,
                 const struct csv_limits *lim, struct csv_reader **out,
                 struct tz_error *err)
{
    const struct csv_limits *l = lim ? lim : &defaults;
    *out = NULL;
    if (len > l->max_bytes)
        return tz_err(err, TZ_ELIMIT, name, 0,
                      "the file is %zu bytes, the limit is %zu", len,
                      l->max_bytes);
    char *buf = malloc(len + 1);
    if (buf == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    memcpy(buf, data, len);
    buf[len] = '\0';
    return reader_new(buf, len, name, lim, out, err);
}

int csv_open_file(const char *path, const struct csv_limits *lim,
                  struct csv_reader **out, struct tz_error *err)
{
    const struct csv_limits *l = lim ? lim : &defaults;
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tz_err(err, errno == ENOENT ? TZ_ENOENT : TZ_EIO, path, 0,
                      "cannot open: %s", strerror(errno));
    /* Read to the bound plus one byte, whatever fstat says: it may be a
     * pipe, or a file that grows while we read. */
    size_t cap = 64 << 10, len = 0;
    char *buf = malloc(cap + 1);
    int rc = buf ? 0 : tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    while (rc == 0) {
        if (len == cap) {
            if (cap > l->max_bytes) {
                rc = tz_err(err, TZ_ELIMIT, path, 0,
                            "the file is larger than the limit of %zu "
                            "bytes", l->max_bytes);
                break;
            }
            size_t ncap = cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (nb == NULL) {
                rc = tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
                break;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = tz_err(err, TZ_EIO, path, 0, "cannot read: %s",
                        strerror(errno));
        else if (got == 0)
            break;
        else
            len += (size_t)got;
    }
    close(fd);
    if (rc == 0 && len > l->max_bytes)
        rc = tz_err(err, TZ_ELIMIT, path, 0,
                    "the file is larger than the limit of %zu bytes",
                    l->max_bytes);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    return reader_new(buf, len, path, lim, out, err);
}

void csv_close(struct csv_reader *r)
{
    if (r == NULL)
        return;
    free(r->buf);
    free(r->fields);
    free(r);
}

/* The end of a record at pos: consume the line end; 1 if there was one. */
static int end_of_line(struct csv_reader *r)
{
    if (r->pos >= r->len)
        return 1;
    char c = r->buf[r->pos];
    if (c == '\r') {
        r->pos += r->buf[r->pos + 1] == '\n' ? 2 : 1;
        r->line++;
        return 1;
    }
    if (c == '\n') {
        r->pos++;
        r->line++;
        return 1;
    }
    return 0;
}

int csv_next(struct csv_reader *r, struct csv_record *rec,
             struct tz_error *err)
{
    rec->fields = r->fields;
    rec->n = 0;
    rec->line = 0;
    /* Blank lines are no records (Excel leaves some at the end). */
    while (r->pos < r->len &&
           (r->buf[r->pos] == '\n' || r->buf[r->pos] == '\r'))
        end_of_line(r);
    if (r->pos >= r->len)
        return 0;
    if (r->records >= r->lim.max_records)
        return tz_err(err, TZ_ELIMIT, r->name, r->line,
                      "more than %zu records", r->lim.max_records);
    r->records++;
    rec->line = r->line;
    for (;;) {
        if (rec->n == r->lim.max_fields)
            return tz_err(err, TZ_ELIMIT, r->name, rec->line,
                          "more than %zu fields in one record",
                          r->lim.max_fields);
        size_t start = r->pos, end;
        if (r->buf[r->pos] == '"') {
            long opened = r->line;
            size_t w = start;
            r->pos++;
            for (;;) {
                if (r->pos >= r->len)
                    return tz_err(err, TZ_EPARSE, r->name, opened,
                                  "a quoted field opens here and never "
                                  "closes");
                char c = r->buf[r->pos];
                if (c == '"') {
                    if (r->buf[r->pos + 1] != '"') {
                        r->pos++;
                        break;
                    }
                    r->pos++;  /* "" is one quote */
                } else if (c == '\n') {
                    r->line++;
                }
                r->buf[w++] = c;
                r->pos++;
                if (w - start > r->lim.max_field)
                    return tz_err(err, TZ_ELIMIT, r->name, opened,
                                  "a field is longer than %zu bytes",
                                  r->lim.max_field);
            }
            end = w;
            char c = r->pos < r->len ? r->buf[r->pos] : '\n';
            if (c != ',' && c != '\n' && c != '\r')
                return tz_err(err, TZ_EPARSE, r->name, r->line,
                              "text after the closing quote of a field "
                              "(a quote inside a quoted field is written "
                              "\"\")");
        } else {
            while (r->pos < r->len) {
                char c = r->buf[r->pos];
                if (c == ',' || c == '\n' || c == '\r')
                    break;
                if (c == '"')
                    return tz_err(err, TZ_EPARSE, r->name, r->line,
                                  "a quote in the middle of an unquoted "
                                  "field (quote the whole field and write "
                                  "the quote as \"\")");
                r->pos++;
                if (r->pos - start > r->lim.max_field)
                    return tz_err(err, TZ_ELIMIT, r->name, rec->line,
                                  "a field is longer than %zu bytes",
                                  r->lim.max_field);
            }
            end = r->pos;
        }
        int comma = r->pos < r->len && r->buf[r->pos] == ',';
        int eol = comma ? 0 : end_of_line(r);
        /* after reading the terminator: it may be the byte we overwrite */
        r->buf[end] = '\0';
        r->fields[rec->n++] = r->buf + start;
        if (comma) {
            r->pos++;
            continue;
        }
        if (eol)
            return 1;
    }
}
