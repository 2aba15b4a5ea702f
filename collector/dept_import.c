/* dept_import — parse and check every row of a department sheet (read
 * through sheet.h, as the ledger import reads its own), report every
 * problem, and only then write all of it in one transaction. */
#include "dept_import.h"

#include <stdlib.h>
#include <string.h>

#include "cell_guard.h"
#include "dept_diff.h"
#include "dept_fields.h"
#include "grow.h"
#include "ledger_fields.h"

#define DEPT_COLS_MAX 256

struct columns {
    int dept_col;                               /* -1: none */
    const struct dept_field *f[DEPT_COLS_MAX];  /* NULL: the dept column */
    size_t n;
};

static int is_dept_column(const char *t)
{
    const struct ledger_field *lf = ledger_field_find(t);
    return (lf && lf->id == LF_DEPT) || strcmp(t, "部门") == 0 ||
           strcmp(t, "单位名称") == 0;
}

/* Does row name the department column anywhere? Rows above it (a title
 * such as "各单位网络安全责任人") are not the header. */
static int is_header(const struct sheet_row *row)
{
    int hit = 0;
    for (size_t i = 0; !hit && i < row->n; i++) {
        char *t = ledger_trim_dup(row->cells[i].text);
        if (t == NULL)
            return TZ_ENOMEM;
        hit = t[0] && is_dept_column(t);
        free(t);
    }
    return hit;
}

static int read_header(const struct sheet_row *h, struct columns *c,
                       const struct sheet_info *si, struct ledger_problems *p)
{
    int seen[DF_COUNT] = {0}, rc = 0;
    c->dept_col = -1;
    c->n = h->n < DEPT_COLS_MAX ? h->n : DEPT_COLS_MAX;
    for (size_t i = 0; rc == 0 && i < c->n; i++) {
        char *t = ledger_trim_dup(h->cells[i].text);
        if (t == NULL)
            return TZ_ENOMEM;
        c->f[i] = NULL;
        if (t[0] == '\0') {
            /* an empty header: its cells must stay empty (read_row) */
        } else if (is_dept_column(t)) {
            if (c->dept_col >= 0)
                rc = ledger_problem_at(p, si, h->row, i, "a second department "
                                       "column");
            c->dept_col = (int)i;
        } else if ((c->f[i] = dept_field_find(t)) == NULL) {
            rc = ledger_problem_at(p, si, h->row, i, "unknown column "
                                   "\"%.80s\" (use the labels or keys of "
                                   "`tzctl dept show`, e.g. 联络人 or "
                                   "liaison)", t);
        } else if (seen[c->f[i]->id]++) {
            rc = ledger_problem_at(p, si, h->row, i, "%s (%s) is a second "
                                   "column for the same field",
                                   c->f[i]->label, c->f[i]->key);
        }
        free(t);
    }
    if (rc == 0 && c->dept_col < 0)
        rc = ledger_problem_at(p, si, h->row, LEDGER_NO_COL, "the header "
                               "has no 单位 (dept) column, which is "
                               "required");
    return rc;
}

/* The trimmed, unguarded cell i (our CSV exports guard formula-like cells
 * with an apostrophe, cell_guard.h); NULL on ENOMEM. */
static char *cell(const struct sheet_row *row, size_t i)
{
    const char *t = row->cells[i].text;
    return ledger_trim_dup(cell_unguard(t + strspn(t, " \t")));
}

struct row {
    Tz__DeptRecord *rec;
    long line;
};

static int row_cmp(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    int c = strcmp(x->rec->name, y->rec->name);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Parse one row: *out the stored record with the row's values, NULL when
 * the row had problems (recorded) or was empty. */
static int read_row(struct tz_register *reg, const struct sheet_row *row,
                    const struct columns *c, const struct sheet_info *si,
                    struct ledger_problems *p, Tz__DeptRecord **out)
{
    *out = NULL;
    size_t before = p->total;
    int rc = 0, empty = 1;
    for (size_t i = 0; rc == 0 && i < row->n; i++) {
        char *t = cell(row, i);
        if (t == NULL)
            return TZ_ENOMEM;
        if (t[0] && i >= c->n)
            rc = ledger_problem_at(p, si, row->row, i, "a value right of the "
                                   "header's last column");
        else if (t[0] && c->f[i] == NULL && (int)i != c->dept_col)
            rc = ledger_problem_at(p, si, row->row, i, "a value in a column "
                                   "without a header");
        empty &= t[0] == '\0';
        free(t);
    }
    if (rc != 0 || empty || p->total != before)
        return rc;
    char *dept = (size_t)c->dept_col < row->n ? cell(row, (size_t)c->dept_col)
                                              : strdup("");
    if (dept == NULL)
        return TZ_ENOMEM;
    Tz__DeptRecord *rec = NULL;
    struct tz_error err = {0};
    if (dept[0] == '\0') {
        rc = ledger_problem_at(p, si, row->row, (size_t)c->dept_col,
                               "单位 (dept): is empty, and it is required");
    } else if ((rc = register_dept_get(reg, dept, &rec, &err)) == TZ_ENOENT) {
        rc = ledger_problem_at(p, si, row->row, (size_t)c->dept_col,
                               "单位 (dept): no department \"%.256s\" (add "
                               "it with: tzctl dept add NAME)", dept);
    }
    free(dept);
    for (size_t i = 0; rc == 0 && rec && i < c->n && i < row->n; i++) {
        if (c->f[i] == NULL)
            continue;
        char *t = cell(row, i), why[DEPT_WHY] = "";
        if (t == NULL) {
            rc = TZ_ENOMEM;
            break;
        }
        int r = t[0] ? dept_field_set(rec, c->f[i]->key, t, why, sizeof(why))
                     : 0;
        free(t);
        if (r == TZ_ENOMEM)
            rc = r;
        else if (r != 0)
            rc = ledger_problem_at(p, si, row->row, i, "%s: %s",
                                   c->f[i]->label, why);
    }
    if (rc != 0 || p->total != before) {
        if (rec)
            protobuf_c_message_free_unpacked(&rec->base, NULL);
        return rc == TZ_ENOENT ? 0 : rc;
    }
    *out = rec;
    return 0;
}

static int find_duplicates(struct row *rows, size_t n, size_t dept_col,
                           const struct sheet_info *si,
                           struct ledger_problems *p)
{
    int rc = 0;
    if (n)
        qsort(rows, n, sizeof(*rows), row_cmp);
    for (size_t i = 1; rc == 0 && i < n; i++)
        if (strcmp(rows[i - 1].rec->name, rows[i].rec->name) == 0)
            rc = ledger_problem_at(p, si, rows[i].line, dept_col,
                                   "单位 (dept): \"%s\" is also on %s %ld",
                                   rows[i].rec->name,
                                   si->format == SHEET_CSV ? "line" : "row",
                                   rows[i - 1].line);
    return rc;
}

/* The header: the first row, of the first HEADER_SCAN, that names the
 * department column. 1 found (its columns in *c), 0 not (a problem is
 * recorded), or an error. */
static int find_header(struct sheet *sh, const struct sheet_info *si,
                       const char *name, struct columns *c,
                       struct ledger_problems *p, struct tz_error *err)
{
    struct sheet_row row;
    long first;
    int hit = sheet_find_header(sh, HEADER_SCAN, is_header, name,
                                "department", &row, &first, err);
    if (hit < 0)
        return hit;
    int rc = hit ? read_header(&row, c, si, p)
                 : ledger_problem_at(p, si, first, LEDGER_NO_COL, "no header "
                                     "row with a 单位 (dept) column in the "
                                     "first %d rows", HEADER_SCAN);
    return rc ? rc : hit;
}

int dept_import_sheet(struct tz_register *reg, struct sheet *sh,
                      const char *name, int64_t now,
                      const struct register_actor *by, size_t *updated,
                      struct ledger_problems *probs, struct tz_error *err)
{
    *updated = 0;
    memset(probs, 0, sizeof(*probs));
    const struct sheet_info *si = sheet_info(sh);
    struct columns cols = {.dept_col = -1};
    struct sheet_row row;
    struct row *rows = NULL;
    size_t n = 0, cap = 0;
    int rc = find_header(sh, si, name, &cols, probs, err);
    if (rc < 0)
        return rc;
    rc = probs->total ? TZ_EINVAL : 0;
    while (rc == 0) {
        int got = sheet_next(sh, &row, err);
        if (got <= 0) {
            rc = got;
            break;
        }
        Tz__DeptRecord *rec;
        if ((rc = read_row(reg, &row, &cols, si, probs, &rec)) != 0 || !rec)
            continue;
        if (tz_grow((void **)&rows, &cap, n, sizeof(*rows)) != 0) {
            protobuf_c_message_free_unpacked(&rec->base, NULL);
            rc = TZ_ENOMEM;
            break;
        }
        rows[n++] = (struct row){rec, row.row};
    }
    if (rc == 0)
        rc = find_duplicates(rows, n, (size_t)cols.dept_col, si, probs);
    if (rc == 0 && probs->total)
        rc = TZ_EINVAL;
    if (rc == 0 && n == 0)
        rc = tz_err(err, TZ_EINVAL, name, 0, "the file has a header but no "
                    "departments");
    Tz__DeptRecord **recs = rc == 0 ? calloc(n, sizeof(*recs)) : NULL;
    if (rc == 0 && recs == NULL)
        rc = TZ_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++)
        recs[i] = rows[i].rec;
    /* Count what will change before the write, which keeps no count. */
    size_t changed = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        Tz__DeptRecord *old;
        struct tz_error e2 = {0};
        if (register_dept_get(reg, recs[i]->name, &old, &e2) == 0) {
            Tz__DeptChange d = TZ__DEPT_CHANGE__INIT;
            if (dept_diff(old, recs[i], &d) != 0)
                rc = TZ_ENOMEM;
            changed += d.n_changes > 0;
            dept_diff_clear(&d);
            protobuf_c_message_free_unpacked(&old->base, NULL);
        }
    }
    if (rc == 0)
        rc = register_depts_put(reg, recs, n, now, by, err);
    if (rc == 0)
        *updated = changed;
    if (rc == TZ_ENOMEM)
        tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    ledger_problems_sort(probs);
    free(recs);
    for (size_t i = 0; i < n; i++)
        protobuf_c_message_free_unpacked(&rows[i].rec->base, NULL);
    free(rows);
    return rc;
}

int dept_import_file(struct tz_register *reg, const char *path,
                     const char *want_sheet, int64_t now,
                     const struct register_actor *by, size_t *updated,
                     struct ledger_problems *probs, struct tz_error *err)
{
    struct sheet *sh;
    *updated = 0;
    memset(probs, 0, sizeof(*probs));
    int rc = sheet_open(path, want_sheet, NULL, &sh, err);
    if (rc != 0)
        return rc;
    rc = dept_import_sheet(reg, sh, path, now, by, updated, probs, err);
    sheet_close(sh);
    return rc;
}
