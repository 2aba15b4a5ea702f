/* csv_reader — the whole file in memory (bounded), its encoding checked
 * once, then records decoded in place: an unquoted or quoted field is never
 * longer than its source text, so no copy per field is needed. */
#include "csv_reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rootfs.h"
#include "text_gbk.h"
#include "utf8.h"

#define NOT_TEXT "the file is neither UTF-8 nor GB18030 (GBK) text: in Excel " \
                 "save it as 'CSV UTF-8 (逗号分隔)'"

struct csv_reader {
    char *buf;       /* the text (UTF-8) plus a NUL, decoded in place */
    size_t len, pos;
    long line;       /* physical line at pos */
    size_t records;
    struct csv_limits lim;
    char **fields;   /* lim.max_fields slots */
    const char *encoding;
    char name[256];
};

static const struct csv_limits defaults = CSV_LIMITS_DEFAULT;

/* The line (1-based) of byte off. */
static long line_of(const char *buf, size_t off)
{
    long line = 1;
    for (const char *p = buf; (p = memchr(p, '\n', off - (size_t)(p - buf)));
         p++)
        line++;
    return line;
}

/* The first line of buf that is not UTF-8, 0 when it all is. Line ends
 * split the check: no UTF-8 sequence contains '\n', so a valid file is
 * valid line by line. */
static long first_bad_utf8_line(char *buf, size_t len)
{
    long line = 1;
    for (size_t start = 0; start < len;) {
        char *nl = memchr(buf + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - buf) : len;
        char save = buf[end];
        buf[end] = '\0';
        int ok = tz_utf8_valid(buf + start);
        buf[end] = save;
        if (!ok)
            return line;
        start = end + 1;
        line++;
    }
    return 0;
}

/* Decide the encoding from the bytes: UTF-8 (a BOM, or every byte valid),
 * else GB18030 — what Excel's plain "CSV (逗号分隔)" is on a Chinese
 * Windows — converted to UTF-8 here, so the rest of the reader and the
 * import see UTF-8 only. UTF-16 and NUL bytes are refused whole, as is a
 * file with a UTF-8 BOM that is not UTF-8, or one that is neither, naming
 * the first line that is wrong. */
static int check_encoding(struct csv_reader *r, struct tz_error *err)
{
    const unsigned char *u = (const unsigned char *)r->buf;
    if (r->len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) ||
                        (u[0] == 0xfe && u[1] == 0xff)))
        return tz_err(err, TZ_EPARSE, r->name, 1, NOT_TEXT
                      " (this one is UTF-16)");
    const char *nul = memchr(r->buf, '\0', r->len);
    if (nul)
        return tz_err(err, TZ_EPARSE, r->name,
                      line_of(r->buf, (size_t)(nul - r->buf)), NOT_TEXT
                      " (it has NUL bytes, as UTF-16 does)");
    int bom = r->len >= 3 && memcmp(r->buf, "\xef\xbb\xbf", 3) == 0;
    long bad = first_bad_utf8_line(r->buf, r->len);
    r->encoding = "UTF-8";
    if (bad == 0)
        return 0;
    if (bom)
        return tz_err(err, TZ_EPARSE, r->name, bad, "the file starts as "
                      "UTF-8 (a BOM) but this line is not UTF-8");
    char *text;
    size_t tlen, at;
    int rc = text_gb18030_to_utf8(r->buf, r->len, r->lim.max_bytes, &text,
                                  &tlen, &at);
    if (rc == TZ_ENOMEM)
        return tz_err(err, rc, NULL, 0, "out of memory");
    if (rc == TZ_ELIMIT)
        return tz_err(err, rc, r->name, 0, "the file as UTF-8 is larger "
                      "than the limit of %zu bytes", r->lim.max_bytes);
    if (rc != 0)
        return tz_err(err, TZ_EPARSE, r->name,
                      rc == TZ_EPARSE ? line_of(r->buf, at) : bad, NOT_TEXT);
    /* A stray byte that GB18030 reads as a control character would be
     * caught by the fields' own checks; the text itself is valid now. */
    free(r->buf);
    r->buf = text;
    r->len = tlen;
    r->encoding = "GB18030";
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
    if (r->len >= 3 && memcmp(r->buf, "\xef\xbb\xbf", 3) == 0)
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
    char *buf;
    size_t len;
    int rc = tz_read_file(path, l->max_bytes, &buf, &len, err);
    if (rc != 0)
        return rc;
    return reader_new(buf, len, path, lim, out, err);
}

const char *csv_encoding(const struct csv_reader *r)
{
    return r->encoding;
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
