/* sheet_xls — FreeXL's cells of one sheet into a sheet_table, inside the
 * jail (sheet_jail.h): the metadata first (cheap: no cells), then the
 * workbook, then the cells of the sheet within its bounds. */
#include "sheet_xls.h"

#include "sheet_jail.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <freexl.h>

/* FreeXL's error codes, in words for whoever handed in the file. */
static const char *fx_why(int rc)
{
    switch (rc) {
    case FREEXL_FILE_NOT_FOUND: return "cannot open it";
    case FREEXL_INSUFFICIENT_MEMORY: return "out of memory";
    case FREEXL_INVALID_CFBF_HEADER:
    case FREEXL_CFBF_INVALID_SIGNATURE:
        return "not an Excel 97-2003 workbook";
    case FREEXL_BIFF_WORKBOOK_NOT_FOUND:
        return "no workbook in it (a file with a password, or another "
               "Office document: open it in Excel, remove the password and "
               "save it as .xlsx)";
    case FREEXL_UNSUPPORTED_CHARSET:
    case FREEXL_INVALID_CHARACTER:
        return "text in a code page that cannot be read";
    default: return "the workbook is damaged";
    }
}

static int fx_fail(struct tz_error *err, const char *path, int rc)
{
    return tz_err(err, rc == FREEXL_INSUFFICIENT_MEMORY ? TZ_ENOMEM
                                                        : TZ_EPARSE,
                  path, 0, "not a readable .xls: %s (FreeXL error %d)",
                  fx_why(rc), rc);
}

/* The index of the sheet to read: want by name (exact, then ASCII case
 * folded) or the first. */
static int pick_sheet(const void *h, const char *path, const char *want,
                      unsigned short *idx, char *name, size_t namelen,
                      struct tz_error *err)
{
    unsigned int count = 0;
    int rc = freexl_get_info(h, FREEXL_BIFF_SHEET_COUNT, &count);
    if (rc != FREEXL_OK)
        return fx_fail(err, path, rc);
    if (count == 0)
        return tz_err(err, TZ_EPARSE, path, 0, "the workbook has no sheets");
    if (count > 65535)
        count = 65535;
    char list[600] = "";
    size_t used = 0;
    for (int fold = 0; fold < (want ? 2 : 1); fold++)
        for (unsigned short i = 0; i < count; i++) {
            const char *n = NULL;
            if (freexl_get_worksheet_name(h, i, &n) != FREEXL_OK || !n)
                n = "";
            if (fold == 0 && used < sizeof(list) - 1)
                used += (size_t)snprintf(list + used, sizeof(list) - used,
                                         "%s%.60s", i ? ", " : "", n);
            if (want == NULL ||
                (fold ? strcasecmp(n, want) == 0 : strcmp(n, want) == 0)) {
                *idx = i;
                snprintf(name, namelen, "%.200s", n);
                return 0;
            }
        }
    return tz_err(err, TZ_EINVAL, path, 0, "no sheet \"%.100s\": the "
                  "workbook has %s", want, list);
}

/* FreeXL allocates every sheet's rows × columns when it opens the file;
 * the metadata pass tells them without allocating, so a file claiming
 * more than a real .xls holds, or more cells than the bound, is refused
 * before that. */
static int check_dims(const void *h, const char *path,
                      const struct sheet_limits *lim, struct tz_error *err)
{
    unsigned int count = 0;
    int rc = freexl_get_info(h, FREEXL_BIFF_SHEET_COUNT, &count);
    if (rc != FREEXL_OK)
        return fx_fail(err, path, rc);
    size_t total = 0;
    for (unsigned int i = 0; i < count && i < 65535; i++) {
        unsigned int rows = 0;
        unsigned short cols = 0;
        if (freexl_select_active_worksheet(h, (unsigned short)i) !=
                FREEXL_OK ||
            freexl_worksheet_dimensions(h, &rows, &cols) != FREEXL_OK)
            continue;
        if (rows > 65536 || cols > 256)
            return tz_err(err, TZ_EPARSE, path, 0, "not a readable .xls: a "
                          "sheet of %u rows and %u columns, more than the "
                          "format holds (the file is damaged)", rows,
                          (unsigned)cols);
        total += (size_t)rows * cols;
        if (total > lim->max_cells)
            return tz_err(err, TZ_ELIMIT, path, 0, "the workbook's sheets "
                          "span more than %zu cells", lim->max_cells);
    }
    return 0;
}

static int read_cells(const void *h, const char *path, struct sheet_table *t,
                      const struct sheet_limits *lim, struct tz_error *err)
{
    unsigned int rows = 0;
    unsigned short cols = 0;
    int rc = freexl_worksheet_dimensions(h, &rows, &cols);
    if (rc != FREEXL_OK)
        return fx_fail(err, path, rc);
    /* BIFF8 holds 65536 rows of 256 columns (check_dims made sure): both
     * bound the loop. */
    if (rows > 65536)
        rows = 65536;
    if (cols > 256)
        cols = 256;
    for (unsigned int r = 0; r < rows; r++)
        for (unsigned short c = 0; c < cols; c++) {
            FreeXL_CellValue v;
            if (freexl_get_cell_value(h, r, c, &v) != FREEXL_OK)
                continue;
            char num[SHEET_NUM_STRLEN];
            const char *text = NULL;
            enum sheet_kind kind = SHEET_TEXT;
            double d = 0;
            switch (v.type) {
            case FREEXL_CELL_INT:
                d = v.value.int_value;
                snprintf(num, sizeof(num), "%d", v.value.int_value);
                text = num;
                kind = SHEET_NUMBER;
                break;
            case FREEXL_CELL_DOUBLE:
                d = v.value.double_value;
                sheet_number_text(d, num);
                text = num;
                kind = SHEET_NUMBER;
                break;
            case FREEXL_CELL_TEXT:
            case FREEXL_CELL_SST_TEXT:
                text = v.value.text_value;
                break;
            case FREEXL_CELL_DATE:
            case FREEXL_CELL_DATETIME:
            case FREEXL_CELL_TIME:
                text = v.value.text_value;
                kind = SHEET_DATE;
                break;
            default:
                continue;
            }
            if (text == NULL)
                continue;
            size_t len = strnlen(text, lim->max_cell + 1);
            /* "2026-03-01 00:00:00" is the day */
            if (kind == SHEET_DATE && len == 19 &&
                strcmp(text + 10, " 00:00:00") == 0)
                len = 10;
            int arc = sheet_table_add(t, (long)r + 1, c, kind, text, len, d,
                                      err);
            if (arc != 0)
                return arc;
        }
    return sheet_table_finish(t, err);
}

struct xls_arg {
    const char *want;
    const struct sheet_limits *lim;
};

/* The reader proper, in the jail: path is FreeXL's to open, name what
 * errors call the file. */
static int read_xls(const char *path, const char *name, void *varg,
                    struct sheet_table **out, struct tz_error *err)
{
    const struct xls_arg *a = varg;
    const void *h = NULL;
    char sheet[256];
    unsigned short idx = 0;
    unsigned int pw = 0, mode = 0;
    *out = NULL;
    /* Metadata first: no cells are read for a file we refuse. */
    int rc = freexl_open_info(path, &h);
    if (rc != FREEXL_OK) {
        freexl_close(h);
        return fx_fail(err, name, rc);
    }
    if (freexl_get_info(h, FREEXL_BIFF_PASSWORD, &pw) == FREEXL_OK &&
        pw == FREEXL_BIFF_OBFUSCATED) {
        freexl_close(h);
        return tz_err(err, TZ_EPARSE, name, 0, "the workbook has a password: "
                      "open it in Excel, remove the password and save it "
                      "again");
    }
    int prc = pick_sheet(h, name, a->want, &idx, sheet, sizeof(sheet), err);
    if (prc == 0)
        prc = check_dims(h, name, a->lim, err);
    freexl_close(h);
    if (prc != 0)
        return prc;
    h = NULL;
    rc = freexl_open(path, &h);
    if (rc == FREEXL_OK)
        rc = freexl_select_active_worksheet(h, idx);
    if (rc == FREEXL_OK &&
        freexl_get_info(h, FREEXL_BIFF_DATEMODE, &mode) != FREEXL_OK)
        mode = FREEXL_BIFF_DATEMODE_1900;
    if (rc != FREEXL_OK) {
        freexl_close(h);
        return fx_fail(err, name, rc);
    }
    struct sheet_table *t = sheet_table_new(a->lim, name, sheet);
    if (t == NULL) {
        freexl_close(h);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    sheet_table_set_date1904(t, mode == FREEXL_BIFF_DATEMODE_1904);
    rc = read_cells(h, name, t, a->lim, err);
    freexl_close(h);
    if (rc != 0) {
        sheet_table_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int sheet_xls_read(const void *data, size_t len, const char *name,
                   const char *want_sheet, const struct sheet_limits *lim,
                   struct sheet_table **out, struct tz_error *err)
{
    struct xls_arg a = {want_sheet, lim};
    return sheet_jail_run(data, len, name, lim, read_xls, &a, out, err);
}
