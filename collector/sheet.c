/* sheet — one way to read a ledger's rows whatever the file: decide the
 * format from the bytes, hand CSV records or a workbook's table out as
 * rows, and the small conversions every reader shares (column letters,
 * cell references, Excel's serial dates, General-format numbers). */
#include "sheet.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "civil_day.h"
#include "csv_reader.h"
#include "rootfs.h"
#include "sheet_table.h"
#include "sheet_xls.h"
#include "sheet_xlsx.h"

struct sheet {
    struct sheet_info info;
    struct csv_reader *csv;
    struct sheet_cell *cells;   /* CSV: one per field */
    size_t ncells;
    struct sheet_table *table;  /* workbooks */
};

static const struct sheet_limits defaults = SHEET_LIMITS_DEFAULT;

/* lim with its zero fields taken from the defaults. */
static struct sheet_limits limits_of(const struct sheet_limits *lim)
{
    struct sheet_limits l = lim ? *lim : defaults;
    size_t *v = (size_t *)&l;
    const size_t *d = (const size_t *)&defaults;
    for (size_t i = 0; i < sizeof(l) / sizeof(size_t); i++)
        if (v[i] == 0)
            v[i] = d[i];
    return l;
}

enum sheet_format sheet_sniff(const void *head, size_t len)
{
    static const unsigned char zip[] = {'P', 'K', 3, 4};
    static const unsigned char ole[] = {0xd0, 0xcf, 0x11, 0xe0,
                                        0xa1, 0xb1, 0x1a, 0xe1};
    if (len >= sizeof(zip) && memcmp(head, zip, sizeof(zip)) == 0)
        return SHEET_XLSX;
    if (len >= sizeof(ole) && memcmp(head, ole, sizeof(ole)) == 0)
        return SHEET_XLS;
    return SHEET_CSV;
}

/* The file's first bytes, to sniff; 0 or TZ_ENOENT/TZ_EIO. */
static int read_head(const char *path, unsigned char *head, size_t *len,
                     struct tz_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tz_err(err, errno == ENOENT ? TZ_ENOENT : TZ_EIO, path, 0,
                      "cannot open: %s", strerror(errno));
    ssize_t got;
    do
        got = read(fd, head, *len);
    while (got < 0 && errno == EINTR);
    int e = errno;
    close(fd);
    if (got < 0)
        return tz_err(err, TZ_EIO, path, 0, "cannot read: %s", strerror(e));
    *len = (size_t)got;
    return 0;
}

static int open_csv(struct sheet *s, const char *path,
                    const struct sheet_limits *l, struct tz_error *err)
{
    struct csv_limits cl = {l->max_file, l->max_cell, l->max_cols,
                            l->max_rows};
    int rc = csv_open_file(path, &cl, &s->csv, err);
    if (rc != 0)
        return rc;
    s->cells = calloc(l->max_cols, sizeof(*s->cells));
    if (s->cells == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    s->ncells = l->max_cols;
    s->info.encoding = csv_encoding(s->csv);
    return 0;
}

/* A name ending .xlsx or .xls that is no workbook is a mistake worth
 * naming (a CSV renamed, an HTML page saved as .xls). */
static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

int sheet_open(const char *path, const char *want_sheet,
               const struct sheet_limits *lim, struct sheet **out,
               struct tz_error *err)
{
    *out = NULL;
    struct sheet_limits l = limits_of(lim);
    unsigned char head[8];
    size_t hlen = sizeof(head);
    int rc = read_head(path, head, &hlen, err);
    if (rc != 0)
        return rc;
    enum sheet_format f = sheet_sniff(head, hlen);
    if (f == SHEET_CSV && (ends_with(path, ".xlsx") || ends_with(path, ".xls")))
        return tz_err(err, TZ_EPARSE, path, 0, "the name says Excel, but the "
                      "file is no Excel workbook (neither .xlsx nor .xls): "
                      "open it in Excel and save it as 'Excel 工作簿 "
                      "(*.xlsx)'");
    if (f == SHEET_CSV && want_sheet)
        return tz_err(err, TZ_EINVAL, path, 0, "a CSV file has no sheets: "
                      "--sheet is for .xlsx and .xls workbooks");
    struct sheet *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    s->info.format = f;
    if (f == SHEET_CSV) {
        rc = open_csv(s, path, &l, err);
    } else if (f == SHEET_XLSX) {
        char *data;
        size_t len;
        rc = tz_read_file(path, l.max_file, &data, &len, err);
        if (rc == 0)
            rc = sheet_xlsx_read(data, len, path, want_sheet, &l, &s->table,
                                 err);
        free(data);
    } else {
        char *data;
        size_t len;
        rc = tz_read_file(path, l.max_file, &data, &len, err);
        if (rc == 0)
            rc = sheet_xls_read(data, len, path, want_sheet, &l, &s->table,
                                err);
        free(data);
    }
    if (rc == 0 && s->table) {
        s->info.sheet = sheet_table_name(s->table);
        s->info.date1904 = sheet_table_date1904(s->table);
    }
    if (rc != 0) {
        sheet_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

int sheet_next(struct sheet *s, struct sheet_row *row, struct tz_error *err)
{
    if (s->table)
        return sheet_table_next(s->table, row);
    struct csv_record rec;
    int rc = csv_next(s->csv, &rec, err);
    if (rc != 1)
        return rc;
    size_t n = 0;
    for (size_t i = 0; i < rec.n && i < s->ncells; i++) {
        const char *v = rec.fields[i];
        s->cells[i] = (struct sheet_cell){v[0] ? SHEET_TEXT : SHEET_EMPTY, v,
                                          0};
        if (v[0])
            n = i + 1;
    }
    row->cells = s->cells;
    row->n = n;
    row->row = rec.line;
    return 1;
}

int sheet_find_header(struct sheet *s, int scan,
                      int (*is_header)(const struct sheet_row *row),
                      const char *name, const char *per_what,
                      struct sheet_row *row, long *first,
                      struct tz_error *err)
{
    *first = 0;
    for (int scanned = 0; scanned < scan; scanned++) {
        int got = sheet_next(s, row, err);
        if (got < 0)
            return got;
        if (got == 0 && *first == 0)
            return tz_err(err, TZ_EPARSE, name, 0, "the file is empty: it "
                          "needs a header row and a row per %s", per_what);
        if (got == 0)
            return 0;
        if (*first == 0)
            *first = row->row;
        int hit = is_header(row);
        if (hit != 0)
            return hit < 0 ? hit : 1;
    }
    return 0;
}

const struct sheet_info *sheet_info(const struct sheet *s)
{
    return &s->info;
}

void sheet_close(struct sheet *s)
{
    if (s == NULL)
        return;
    csv_close(s->csv);
    free(s->cells);
    sheet_table_free(s->table);
    free(s);
}

struct sheet_row *sheet_row_dup(const struct sheet_row *row)
{
    struct sheet_row *r = calloc(1, sizeof(*r));
    struct sheet_cell *c = r ? calloc(row->n ? row->n : 1, sizeof(*c)) : NULL;
    if (c == NULL) {
        free(r);
        return NULL;
    }
    r->cells = c;
    r->row = row->row;
    for (; r->n < row->n; r->n++) {
        c[r->n] = row->cells[r->n];
        if ((c[r->n].text = strdup(row->cells[r->n].text)) == NULL) {
            sheet_row_free(r);
            return NULL;
        }
    }
    return r;
}

void sheet_row_free(struct sheet_row *row)
{
    if (row == NULL)
        return;
    for (size_t i = 0; i < row->n; i++)
        free((char *)row->cells[i].text);
    free((struct sheet_cell *)row->cells);
    free(row);
}

/* ---- shared conversions ---- */

void sheet_col_name(size_t col, char buf[SHEET_COL_NAME])
{
    char rev[SHEET_COL_NAME];
    size_t n = 0;
    col++;
    while (col > 0 && n < SHEET_COL_NAME - 1) {
        col--;
        rev[n++] = (char)('A' + col % 26);
        col /= 26;
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = rev[n - 1 - i];
    buf[n] = '\0';
}

/* Excel quotes a sheet name in a reference unless it is letters, digits
 * (not first), '_' and '.' only; any non-ASCII character is a letter. */
static int needs_quotes(const char *name)
{
    if (name[0] == '\0' || (name[0] >= '0' && name[0] <= '9'))
        return 1;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (!(*p >= 0x80 || (*p >= 'a' && *p <= 'z') ||
              (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.'))
            return 1;
    return 0;
}

void sheet_ref(const char *sheet, size_t col, long row, char *buf, size_t len)
{
    char c[SHEET_COL_NAME], name[420];
    size_t n = 0, max = 200;
    sheet_col_name(col, c);
    /* at most 200 bytes of a hostile name, cut between characters */
    size_t sl = strnlen(sheet, max + 1);
    if (sl > max) {
        sl = max;
        while (sl > 0 && ((unsigned char)sheet[sl] & 0xc0) == 0x80)
            sl--;
    }
    int q = needs_quotes(sheet);
    if (q)
        name[n++] = '\'';
    for (size_t i = 0; i < sl; i++) {
        if (q && sheet[i] == '\'')
            name[n++] = '\'';   /* 'It''s'!A1 */
        name[n++] = sheet[i];
    }
    if (q)
        name[n++] = '\'';
    name[n] = '\0';
    snprintf(buf, len, "%s!%s%ld", name, c, row);
}

int sheet_serial_date(double serial, int date1904, char buf[SHEET_DATE_STRLEN])
{
    buf[0] = '\0';
    /* 2958465 is 9999-12-31, the last day Excel shows */
    if (!isfinite(serial) || serial < (date1904 ? 0 : 1) ||
        serial >= 2958466 - (date1904 ? 1462 : 0))
        return TZ_EINVAL;
    long days = (long)floor(serial);
    long secs = lround((serial - (double)days) * 86400.0);
    if (secs >= 86400) {
        days++;
        secs -= 86400;
    }
    int32_t base;
    if (date1904)
        base = civil_day(1904, 1, 1);
    else if (days >= 61)
        base = civil_day(1899, 12, 30);
    else if (days == 60)
        return TZ_EINVAL;  /* Lotus's 1900-02-29, which never was */
    else
        base = civil_day(1899, 12, 31);
    int y;
    unsigned m, d;
    civil_from_day(base + (int32_t)days, &y, &m, &d);
    int n = snprintf(buf, SHEET_DATE_STRLEN, "%04d-%02u-%02u", y, m, d);
    if (secs && secs % 60)
        snprintf(buf + n, SHEET_DATE_STRLEN - (size_t)n, " %02ld:%02ld:%02ld",
                 secs / 3600, secs / 60 % 60, secs % 60);
    else if (secs)
        snprintf(buf + n, SHEET_DATE_STRLEN - (size_t)n, " %02ld:%02ld",
                 secs / 3600, secs / 60 % 60);
    return 0;
}

void sheet_number_text(double v, char buf[SHEET_NUM_STRLEN])
{
    if (!isfinite(v)) {
        snprintf(buf, SHEET_NUM_STRLEN, "#NUM!");
        return;
    }
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, SHEET_NUM_STRLEN, "%.0f", v == 0 ? 0.0 : v);
        return;
    }
    snprintf(buf, SHEET_NUM_STRLEN, "%.15g", v);
}
