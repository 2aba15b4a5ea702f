/* dept_import — parse and check every row of a department sheet, report
 * every problem, and only then write all of it in one transaction. */
#include "dept_import.h"

#include <stdlib.h>
#include <string.h>

#include "cell_guard.h"
#include "dept_diff.h"
#include "dept_fields.h"
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

static int read_header(const struct csv_record *h, struct columns *c,
                       struct ledger_problems *p)
{
    int seen[DF_COUNT] = {0}, rc = 0;
    c->dept_col = -1;
    c->n = h->n < DEPT_COLS_MAX ? h->n : DEPT_COLS_MAX;
    for (size_t i = 0; rc == 0 && i < c->n; i++) {
        char *t = ledger_trim_dup(h->fields[i]);
        if (t == NULL)
            return TZ_ENOMEM;
        c->f[i] = NULL;
        if (t[0] == '\0') {
            /* an empty header: its cells must stay empty (read_row) */
        } else if (is_dept_column(t)) {
            if (c->dept_col >= 0)
                rc = ledger_problem_add(p, h->line, "column %zu: a second "
                                        "department column", i + 1);
            c->dept_col = (int)i;
        } else if ((c->f[i] = dept_field_find(t)) == NULL) {
            rc = ledger_problem_add(p, h->line, "column %zu: unknown column "
                                    "\"%.80s\" (use the labels or keys of "
                                    "`tzctl dept show`, e.g. 联络人 or "
                                    "liaison)", i + 1, t);
        } else if (seen[c->f[i]->id]++) {
            rc = ledger_problem_add(p, h->line, "column %zu: %s (%s) is a "
                                    "second column for the same field",
                                    i + 1, c->f[i]->label, c->f[i]->key);
        }
        free(t);
    }
    if (rc == 0 && c->dept_col < 0)
        rc = ledger_problem_add(p, h->line, "the header has no 单位 (dept) "
                                "column, which is required");
    return rc;
}

/* The trimmed, unguarded cell i (our CSV exports guard formula-like cells
 * with an apostrophe, cell_guard.h); NULL on ENOMEM. */
static char *cell(const struct csv_record *row, size_t i)
{
    return ledger_trim_dup(cell_unguard(row->fields[i] +
                                        strspn(row->fields[i], " \t")));
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
static int read_row(struct tz_register *reg, const struct csv_record *row,
                    const struct columns *c, struct ledger_problems *p,
                    Tz__DeptRecord **out)
{
    *out = NULL;
    size_t before = p->total;
    int rc = 0, empty = 1;
    for (size_t i = 0; rc == 0 && i < row->n; i++) {
        char *t = cell(row, i);
        if (t == NULL)
            return TZ_ENOMEM;
        if (t[0] && i >= c->n)
            rc = ledger_problem_add(p, row->line, "has %zu fields, the "
                                    "header only %zu", row->n, c->n);
        else if (t[0] && c->f[i] == NULL && (int)i != c->dept_col)
            rc = ledger_problem_add(p, row->line, "column %zu has a value "
                                    "but no header", i + 1);
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
        rc = ledger_problem_add(p, row->line, "单位 (dept): is empty, and it "
                                "is required");
    } else if ((rc = register_dept_get(reg, dept, &rec, &err)) == TZ_ENOENT) {
        rc = ledger_problem_add(p, row->line, "单位 (dept): no department "
                                "\"%.256s\" (add it with: tzctl dept add "
                                "NAME)", dept);
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
            rc = ledger_problem_add(p, row->line, "%s: %s", c->f[i]->label,
                                    why);
    }
    if (rc != 0 || p->total != before) {
        if (rec)
            protobuf_c_message_free_unpacked(&rec->base, NULL);
        return rc == TZ_ENOENT ? 0 : rc;
    }
    *out = rec;
    return 0;
}

static int find_duplicates(struct row *rows, size_t n,
                           struct ledger_problems *p)
{
    int rc = 0;
    if (n)
        qsort(rows, n, sizeof(*rows), row_cmp);
    for (size_t i = 1; rc == 0 && i < n; i++)
        if (strcmp(rows[i - 1].rec->name, rows[i].rec->name) == 0)
            rc = ledger_problem_add(p, rows[i].line, "单位 (dept): \"%s\" is "
                                    "also on line %ld", rows[i].rec->name,
                                    rows[i - 1].line);
    return rc;
}

int dept_import_csv(struct tz_register *reg, struct csv_reader *csv,
                    const char *name, int64_t now,
                    const struct register_actor *by, size_t *updated,
                    struct ledger_problems *probs, struct tz_error *err)
{
    *updated = 0;
    memset(probs, 0, sizeof(*probs));
    struct columns cols;
    struct csv_record row;
    struct row *rows = NULL;
    size_t n = 0, cap = 0;
    int rc = csv_next(csv, &row, err);
    if (rc == 0)
        return tz_err(err, TZ_EPARSE, name, 0, "the file is empty: it needs "
                      "a header row and a row per department");
    if (rc < 0)
        return rc;
    rc = read_header(&row, &cols, probs);
    if (rc == 0 && probs->total)
        rc = TZ_EINVAL;
    while (rc == 0) {
        int got = csv_next(csv, &row, err);
        if (got <= 0) {
            rc = got;
            break;
        }
        Tz__DeptRecord *rec;
        if ((rc = read_row(reg, &row, &cols, probs, &rec)) != 0 || !rec)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            struct row *v = realloc(rows, ncap * sizeof(*v));
            if (v == NULL) {
                protobuf_c_message_free_unpacked(&rec->base, NULL);
                rc = TZ_ENOMEM;
                break;
            }
            rows = v;
            cap = ncap;
        }
        rows[n++] = (struct row){rec, row.line};
    }
    if (rc == 0)
        rc = find_duplicates(rows, n, probs);
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

int dept_import_file(struct tz_register *reg, const char *path, int64_t now,
                     const struct register_actor *by, size_t *updated,
                     struct ledger_problems *probs, struct tz_error *err)
{
    struct csv_reader *csv;
    *updated = 0;
    memset(probs, 0, sizeof(*probs));
    int rc = csv_open_file(path, NULL, &csv, err);
    if (rc != 0)
        return rc;
    rc = dept_import_csv(reg, csv, path, now, by, updated, probs, err);
    csv_close(csv);
    return rc;
}
