/* export_xlsx — the ledger as an Excel workbook: 系统台账, 主机 and
 * 未关闭问题, each with a bold, frozen header row and an autofilter.
 *
 * libxlsxwriter 1.1.4 writes only to a file name, so the workbook is built
 * in a temporary file (mkstemp, 0600: it holds a department's data) that
 * is copied to the caller's fd and removed on every path. constant_memory
 * mode keeps one row in memory per sheet; the rows wait in libxlsxwriter's
 * own unlinked temporary files in the same directory.
 * Cells are string cells, which Excel and WPS never evaluate, so a value
 * like "=1+1" is written as it is (no apostrophe, unlike the CSV). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "export_priv.h"
#include "flag_catalog.h"
#include "ledger_fields.h"
#include "value_words.h"

#define XLSX_STR_MAX 32767   /* characters Excel keeps in a cell */

struct col {
    const char *title;
    double width;
};

struct xlsx {
    struct export_scope *s;
    struct export_counts *c;
    lxw_workbook *wb;
    lxw_worksheet *ws;     /* the sheet being written */
    lxw_format *bold;
    lxw_format *wrap;      /* a multi-line value shows all its lines */
    lxw_row_t row;         /* next row of ws */
    lxw_col_t ncols;
    char *buf;             /* LEDGER_FORMAT_MAX */
    struct tz_error *err;
};

static int lxw_fail(struct xlsx *x, lxw_error e, const char *what)
{
    return tz_err(x->err, e == LXW_ERROR_MEMORY_MALLOC_FAILED ? TZ_ENOMEM
                                                              : TZ_EIO,
                  NULL, 0, "the XLSX export: %s: %s", what, lxw_strerror(e));
}

/* Start the next data row; TZ_ELIMIT past Excel's last row. */
static int next_row(struct xlsx *x)
{
    if (x->row + 1 >= LXW_ROW_MAX)
        return tz_err(x->err, TZ_ELIMIT, NULL, 0, "the XLSX export: more "
                      "than %d rows in a sheet: export as CSV or JSON",
                      LXW_ROW_MAX - 1);
    x->row++;
    return 0;
}

/* A string cell; "" leaves it empty. Longer than a cell holds: cut at a
 * character boundary, marked with an ellipsis. A value with line breaks
 * (联系方式, 用途, 备注 typed with Alt+Enter) wraps, as Excel shows it. */
static int str(struct xlsx *x, lxw_col_t col, const char *v)
{
    lxw_format *f = strchr(v, '\n') ? x->wrap : NULL;
    char cut[XLSX_STR_MAX + 1];
    size_t n = strlen(v);
    if (n > XLSX_STR_MAX) {
        n = XLSX_STR_MAX - 3;
        while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
            n--;
        memcpy(cut, v, n);
        memcpy(cut + n, "\xE2\x80\xA6", 4);
        v = cut;
    }
    lxw_error e = worksheet_write_string(x->ws, x->row, col, v, f);
    return e == LXW_NO_ERROR ? 0 : lxw_fail(x, e, "a cell");
}

static int num(struct xlsx *x, lxw_col_t col, double v)
{
    lxw_error e = worksheet_write_number(x->ws, x->row, col, v, NULL);
    return e == LXW_NO_ERROR ? 0 : lxw_fail(x, e, "a cell");
}

/* A new sheet with its header row in bold, frozen, and column widths. */
static int sheet(struct xlsx *x, const char *name, const struct col *cols,
                 lxw_col_t n)
{
    x->ws = workbook_add_worksheet(x->wb, name);
    if (x->ws == NULL)
        return tz_err(x->err, TZ_EIO, NULL, 0, "the XLSX export: cannot "
                      "add the sheet %s", name);
    x->row = 0;
    x->ncols = n;
    for (lxw_col_t i = 0; i < n; i++) {
        lxw_error e = worksheet_set_column(x->ws, i, i, cols[i].width, NULL);
        if (e == LXW_NO_ERROR)
            e = worksheet_write_string(x->ws, 0, i, cols[i].title, x->bold);
        if (e != LXW_NO_ERROR)
            return lxw_fail(x, e, "the header row");
    }
    worksheet_freeze_panes(x->ws, 1, 0);
    return 0;
}

/* The autofilter spans the header and every data row written. */
static int sheet_end(struct xlsx *x)
{
    lxw_error e = worksheet_autofilter(x->ws, 0, 0, x->row, x->ncols - 1);
    return e == LXW_NO_ERROR ? 0 : lxw_fail(x, e, "the autofilter");
}

/* ---- 系统台账 ---- */

static double field_width(enum ledger_kind k)
{
    switch (k) {
    case LK_TEXT: return 36;
    case LK_DOMAINS: case LK_IPS: return 28;
    case LK_NAME: case LK_STR: return 18;
    default: return 12;
    }
}

static int system_cb(const Tz__SystemRecord *rec, void *arg)
{
    struct xlsx *x = arg;
    int rc = export_scope_add(x->s, rec);
    if (rc == 0)
        rc = next_row(x);
    if (rc == 0)
        rc = num(x, 0, (double)rec->system_id);
    for (size_t i = 0; rc == 0 && i < LF_COUNT; i++) {
        const struct ledger_field *f = &ledger_fields[i];
        if (ledger_field_format(rec, f->key, x->buf, LEDGER_FORMAT_MAX) != 0)
            return tz_err(x->err, TZ_EINVAL, NULL, 0, "system %llu: %s does "
                          "not fit an export cell",
                          (unsigned long long)rec->system_id, f->label);
        lxw_col_t col = (lxw_col_t)(i + 1);
        rc = f->kind == LK_GRADE && rec->mlps_grade
                 ? num(x, col, rec->mlps_grade)
                 : str(x, col, x->buf);
    }
    if (rc == 0)
        x->c->systems++;
    return rc;
}

static int systems(struct xlsx *x, struct tz_register *reg)
{
    struct col cols[LF_COUNT + 1] = {{"ID", 8}};
    for (size_t i = 0; i < LF_COUNT; i++)
        cols[i + 1] = (struct col){ledger_fields[i].label,
                                   field_width(ledger_fields[i].kind)};
    int rc = sheet(x, "系统台账", cols, LF_COUNT + 1);
    if (rc == 0)
        rc = register_each_system(reg, x->s->dept, system_cb, x, x->err);
    return rc ? rc : sheet_end(x);
}

/* ---- 主机 ---- */

static const struct col host_cols[] = {
    {"ID", 8},         {"主机名", 24},     {"所属单位", 16},
    {"操作系统", 28},  {"内核", 22},       {"软件包数", 10},
    {"IP地址", 30},    {"最后上报", 22},   {"所属系统ID", 12},
    {"所属系统", 22},  {"绑定方式", 10},
};

static int host_cb(const Tz__AgentRecord *h, const struct register_binding *b,
                   void *arg)
{
    struct xlsx *x = arg;
    uint64_t sid;
    const char *sname, *src;
    int other;
    export_host_system(x->s, b->system_id, &sid, &sname, &other);
    src = sid ? export_binding_name(b->src) : NULL;
    char seen[32];
    export_time(h->last_seen, seen);
    size_t used = 0;
    x->buf[0] = '\0';
    for (size_t i = 0; i < h->n_ips && used < LEDGER_FORMAT_MAX; i++)
        used += (size_t)snprintf(x->buf + used, LEDGER_FORMAT_MAX - used,
                                 "%s%s", i ? "," : "", h->ips[i]);
    int rc = next_row(x);
    if (rc == 0)
        rc = num(x, 0, (double)h->agent_id);
    if (rc == 0)
        rc = str(x, 1, h->hostname);
    if (rc == 0)
        rc = str(x, 2, h->dept);
    if (rc == 0)
        rc = str(x, 3, h->os_pretty);
    if (rc == 0)
        rc = str(x, 4, h->kernel);
    if (rc == 0 && h->reports)
        rc = num(x, 5, h->package_count);
    if (rc == 0)
        rc = str(x, 6, x->buf);
    if (rc == 0)
        rc = str(x, 7, seen);
    if (rc == 0 && sid)
        rc = num(x, 8, (double)sid);
    /* The host's own department may know it is bound elsewhere, not where. */
    if (rc == 0)
        rc = str(x, 9, sname ? sname : other ? "（其他单位的系统）" : "");
    if (rc == 0)
        rc = str(x, 10, src ? src : "");
    if (rc == 0)
        x->c->hosts++;
    return rc;
}

/* ---- 未关闭问题 ---- */

static const struct col flag_cols[] = {
    {"严重程度", 10},  {"问题代码", 24},   {"问题", 18},
    {"Issue", 30},     {"所属单位", 16},   {"对象", 8},
    {"对象ID", 10},    {"对象名称", 24},   {"实例", 16},
    {"证据", 50},      {"Evidence", 50},   {"发现时间", 22},
    {"依据", 22},      {"整改建议", 50},
};

static int flag_cb(const Tz__FlagRecord *f, void *arg)
{
    struct xlsx *x = arg;
    if (f->closed_at != 0 || !export_flag_in_scope(x->s, f))
        return 0;
    int id = flag_lookup(f->id);
    const struct flag_def *d = id >= 0 ? flag_def((enum flag_id)id) : NULL;
    char opened[32];
    export_time(f->opened_at, opened);
    const char *cells[] = {
        value_word(severity_name(f->severity), 1), f->id, d ? d->label_zh : "",
        d ? d->label_en : "", f->dept,
        f->subject_kind == TZ__SUBJECT_KIND__SUBJECT_HOST ? "主机" : "系统",
        NULL, f->subject_name, f->instance, export_flag_evidence(x->s, f, 1),
        export_flag_evidence(x->s, f, 0), opened, d ? d->cites : "",
        d ? d->remedy_zh : ""};
    int rc = next_row(x);
    for (lxw_col_t i = 0; rc == 0 && i < sizeof(cells) / sizeof(*cells); i++)
        rc = cells[i] ? str(x, i, cells[i]) : num(x, i, (double)f->subject_id);
    if (rc == 0)
        x->c->flags++;
    return rc;
}

/* ---- the workbook ---- */

static int build(struct xlsx *x, struct tz_register *reg, int64_t now)
{
    lxw_doc_properties props = {.title = "台账", .created = (time_t)now};
    lxw_error e = workbook_set_properties(x->wb, &props);
    if (e != LXW_NO_ERROR)
        return lxw_fail(x, e, "the properties");
    if ((x->bold = workbook_add_format(x->wb)) == NULL ||
        (x->wrap = workbook_add_format(x->wb)) == NULL)
        return TZ_ENOMEM;
    format_set_bold(x->bold);
    format_set_text_wrap(x->wrap);
    format_set_align(x->wrap, LXW_ALIGN_VERTICAL_TOP);
    int rc = systems(x, reg);
    if (rc == 0)
        rc = sheet(x, "主机", host_cols, sizeof(host_cols) / sizeof(*host_cols));
    if (rc == 0)
        rc = register_each_binding(reg, x->s->dept, host_cb, x, x->err);
    if (rc == 0)
        rc = sheet_end(x);
    if (rc == 0)
        rc = sheet(x, "未关闭问题", flag_cols,
                   sizeof(flag_cols) / sizeof(*flag_cols));
    if (rc == 0)
        rc = register_each_flag(reg, 0, flag_cb, x, x->err);
    return rc ? rc : sheet_end(x);
}

/* The finished file at tfd into o. */
static int copy_out(int tfd, struct export_out *o, struct tz_error *err)
{
    char b[16384];
    if (lseek(tfd, 0, SEEK_SET) != 0)
        return tz_err(err, TZ_EIO, NULL, 0, "the XLSX export: cannot read "
                      "its temporary file: %s", strerror(errno));
    for (;;) {
        ssize_t r = read(tfd, b, sizeof(b));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return tz_err(err, TZ_EIO, NULL, 0, "the XLSX export: cannot "
                          "read its temporary file: %s", strerror(errno));
        if (r == 0)
            return 0;
        int rc = export_out_write(o, b, (size_t)r, err);
        if (rc != 0)
            return rc;
    }
}

int export_xlsx(struct tz_register *reg, struct export_scope *s,
                struct export_out *o, int64_t now, struct export_counts *c,
                struct tz_error *err)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] != '/')
        dir = "/tmp";
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/tz-xlsx-XXXXXX", dir) >=
        (int)sizeof(path))
        return tz_err(err, TZ_EINVAL, NULL, 0, "TMPDIR is too long");
    int tfd = mkostemp(path, O_CLOEXEC);
    if (tfd < 0)
        return tz_err(err, TZ_EIO, NULL, 0, "the XLSX export: cannot create "
                      "a temporary file in %s: %s", dir, strerror(errno));
    struct xlsx x = {.s = s, .c = c, .buf = malloc(LEDGER_FORMAT_MAX),
                     .err = err};
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE,
                                .tmpdir = (char *)dir};
    x.wb = x.buf ? workbook_new_opt(path, &opt) : NULL;
    int rc = x.wb ? build(&x, reg, now) : TZ_ENOMEM;
    /* Close even after a failure: it is what frees the workbook. */
    if (x.wb) {
        lxw_error e = workbook_close(x.wb);
        if (rc == 0 && e != LXW_NO_ERROR)
            rc = lxw_fail(&x, e, "writing the workbook");
    }
    if (rc == 0)
        rc = copy_out(tfd, o, err);
    close(tfd);
    unlink(path);
    free(x.buf);
    return rc;
}
