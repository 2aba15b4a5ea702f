/* export_csv — the systems ledger as the CSV `tzctl system import` reads
 * back: what a department opens in Excel, fixes and hands in again. Every
 * choice here is the import's in reverse (ledger_import.c, csv_reader.h),
 * so that a file survives the trip byte for byte. */
#include <stdlib.h>
#include <string.h>

#include "cell_guard.h"
#include "export_priv.h"
#include "ledger_fields.h"

struct csv {
    struct export_scope *s;
    struct export_out *o;
    struct export_counts *c;
    char *buf;                 /* LEDGER_FORMAT_MAX: one field's text */
    struct tz_error *err;
};

/* One cell, RFC 4180: quoted when it holds a comma, a quote or a line
 * break. A cell a spreadsheet would run as a formula gets the apostrophe
 * the import takes off again (cell_guard.h), and is always quoted. */
static int cell(struct csv *x, const char *v)
{
    int guard = cell_needs_guard(v);
    if (!guard && strpbrk(v, ",\"\r\n") == NULL)
        return export_out_puts(x->o, v, x->err);
    int rc = export_out_write(x->o, guard ? "\"'" : "\"", guard ? 2 : 1,
                              x->err);
    while (rc == 0 && *v) {
        size_t run = strcspn(v, "\"");
        rc = export_out_write(x->o, v, run, x->err);
        v += run;
        if (rc == 0 && *v == '"') {
            rc = export_out_write(x->o, "\"\"", 2, x->err);
            v++;
        }
    }
    return rc ? rc : export_out_write(x->o, "\"", 1, x->err);
}

static int header(struct csv *x)
{
    /* Excel reads a CSV without a BOM as the local code page (GBK). */
    int rc = export_out_puts(x->o, "\xEF\xBB\xBF", x->err);
    for (size_t i = 0; rc == 0 && i < LF_COUNT; i++) {
        if (i)
            rc = export_out_write(x->o, ",", 1, x->err);
        if (rc == 0)
            rc = cell(x, ledger_fields[i].label);
    }
    return rc ? rc : export_out_write(x->o, "\r\n", 2, x->err);
}

static int row(const Tz__SystemRecord *rec, void *arg)
{
    struct csv *x = arg;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < LF_COUNT; i++) {
        /* A stored record passed ledger_record_check, so every field fits. */
        if (ledger_field_format(rec, ledger_fields[i].key, x->buf,
                                LEDGER_FORMAT_MAX) != 0)
            return tz_err(x->err, TZ_EINVAL, NULL, 0, "system %llu: %s does "
                          "not fit an export cell",
                          (unsigned long long)rec->system_id,
                          ledger_fields[i].label);
        if (i)
            rc = export_out_write(x->o, ",", 1, x->err);
        if (rc == 0)
            rc = cell(x, x->buf);
    }
    if (rc == 0)
        rc = export_out_write(x->o, "\r\n", 2, x->err);
    if (rc == 0)
        x->c->systems++;
    return rc;
}

int export_csv(struct tz_register *reg, struct export_scope *s,
               struct export_out *o, struct export_counts *c,
               struct tz_error *err)
{
    struct csv x = {s, o, c, malloc(LEDGER_FORMAT_MAX), err};
    if (x.buf == NULL)
        return TZ_ENOMEM;
    int rc = header(&x);
    if (rc == 0)
        rc = register_each_system(reg, s->dept, row, &x, err);
    free(x.buf);
    return rc;
}
