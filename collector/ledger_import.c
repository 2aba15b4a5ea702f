/* ledger_import — parse every row, check every row, report every problem,
 * and only then write: a half-imported ledger would be worse than none,
 * because the next attempt would trip over the rows that did get in. */
#include "ledger_import.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell_guard.h"
#include "ledger_fields.h"

void ledger_problems_free(struct ledger_problems *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i].text);
    free(p->v);
    memset(p, 0, sizeof(*p));
}

int ledger_problem_add(struct ledger_problems *p, long line,
                       const char *fmt, ...)
{
    p->total++;
    if (p->n >= LEDGER_MAX_PROBLEMS)
        return 0;
    if (p->n % 64 == 0) {
        struct ledger_problem *v = realloc(p->v, (p->n + 64) * sizeof(*v));
        if (v == NULL)
            return TZ_ENOMEM;
        p->v = v;
    }
    char body[LEDGER_WHY + 512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof(body), fmt, ap);
    va_end(ap);
    char *text;
    if (asprintf(&text, "line %ld: %s", line, body) < 0)
        return TZ_ENOMEM;
    p->v[p->n].line = line;
    p->v[p->n].text = text;
    p->n++;
    return 0;
}

/* Stable, by line: problems come mostly in order already (duplicates are
 * found last), and a row's own problems keep their column order. */
void ledger_problems_sort(struct ledger_problems *p)
{
    for (size_t i = 1; i < p->n; i++) {
        struct ledger_problem x = p->v[i];
        size_t j = i;
        for (; j > 0 && p->v[j - 1].line > x.line; j--)
            p->v[j] = p->v[j - 1];
        p->v[j] = x;
    }
}

/* ---- what the register already holds ---- */

struct names {
    char **v;
    size_t n, cap;
};

static int names_push(struct names *s, char *owned)
{
    if (owned == NULL)
        return TZ_ENOMEM;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        char **v = realloc(s->v, cap * sizeof(*v));
        if (v == NULL) {
            free(owned);
            return TZ_ENOMEM;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = owned;
    return 0;
}

static void names_free(struct names *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int dept_cb(const Tz__DeptRecord *rec, void *arg)
{
    return names_push(arg, strdup(rec->name));
}

/* A row's identity: dept and name, with where it came from. */
struct ident {
    const char *dept, *name;
    long line;      /* file row; 0 for a stored system */
    uint64_t id;    /* stored system */
};

static int ident_cmp(const void *a, const void *b)
{
    const struct ident *x = a, *y = b;
    int c = strcmp(x->dept, y->dept);
    if (c == 0)
        c = strcmp(x->name, y->name);
    if (c == 0)
        c = x->line < y->line ? -1 : x->line > y->line;
    return c;
}

struct stored {
    struct ident *v;
    size_t n, cap;
    struct names strings;  /* owns the dept and name copies */
};

static int system_cb(const Tz__SystemRecord *rec, void *arg)
{
    struct stored *s = arg;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct ident *v = realloc(s->v, cap * sizeof(*v));
        if (v == NULL)
            return TZ_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    int rc = names_push(&s->strings, strdup(rec->dept));
    if (rc == 0)
        rc = names_push(&s->strings, strdup(rec->name));
    if (rc != 0)
        return rc;
    s->v[s->n].dept = s->strings.v[s->strings.n - 2];
    s->v[s->n].name = s->strings.v[s->strings.n - 1];
    s->v[s->n].line = 0;
    s->v[s->n].id = rec->system_id;
    s->n++;
    return 0;
}

/* ---- the header ---- */

struct columns {
    const struct ledger_field *f[256];  /* per column; NULL = ignored */
    size_t n;
};

static int read_header(const struct csv_record *h, struct columns *cols,
                       struct ledger_problems *p)
{
    int seen[LF_COUNT] = {0}, rc = 0;
    char unknown[1024] = "";
    size_t ulen = 0, nunknown = 0;
    cols->n = h->n < 256 ? h->n : 256;
    for (size_t i = 0; i < cols->n && rc == 0; i++) {
        char *t = ledger_trim_dup(h->fields[i]);
        if (t == NULL)
            return TZ_ENOMEM;
        cols->f[i] = t[0] ? ledger_field_find(t) : NULL;
        if (t[0] && cols->f[i] == NULL) {
            nunknown++;
            if (ulen < sizeof(unknown))
                ulen += (size_t)snprintf(unknown + ulen,
                                         sizeof(unknown) - ulen, "%s\"%.80s\"",
                                         ulen ? ", " : "", t);
        } else if (cols->f[i] && seen[cols->f[i]->id]++) {
            rc = ledger_problem_add(p, h->line, "column %zu: %s (%s) is a second "
                         "column for the same field", i + 1,
                         cols->f[i]->label, cols->f[i]->key);
        }
        free(t);
    }
    if (rc == 0 && nunknown)
        rc = ledger_problem_add(p, h->line, "unknown column%s %s (use the labels or "
                     "keys of `tzctl system show`, e.g. 系统名称 or name)",
                     nunknown > 1 ? "s" : "", unknown);
    for (size_t k = 0; rc == 0 && k < LF_COUNT; k++)
        if (ledger_fields[k].required && !seen[k])
            rc = ledger_problem_add(p, h->line, "the header has no %s (%s) column, "
                         "which is required", ledger_fields[k].label,
                         ledger_fields[k].key);
    return rc;
}

/* ---- one row ---- */

static int row_empty(const struct csv_record *row)
{
    for (size_t i = 0; i < row->n; i++) {
        char *t = ledger_trim_dup(row->fields[i]);
        int empty = t && t[0] == '\0';
        free(t);
        if (!empty)
            return 0;
    }
    return 1;
}

/* Parse one row into *out (NULL when it had problems, all recorded). */
static int read_row(const struct csv_record *row, const struct columns *cols,
                    const struct names *depts, struct ledger_problems *p,
                    Tz__SystemRecord **out)
{
    *out = NULL;
    Tz__SystemRecord *rec = ledger_record_new();
    if (rec == NULL)
        return TZ_ENOMEM;
    size_t before = p->total;
    int rc = 0;
    for (size_t i = cols->n; rc == 0 && i < row->n; i++)
        if (row->fields[i][0] != '\0') {
            rc = ledger_problem_add(p, row->line, "has %zu fields, the header only %zu",
                         row->n, cols->n);
            break;
        }
    for (size_t i = 0; rc == 0 && i < row->n && i < cols->n; i++) {
        const struct ledger_field *f = cols->f[i];
        char why[LEDGER_WHY];
        char *t = ledger_trim_dup(row->fields[i]);
        if (t == NULL) {
            rc = TZ_ENOMEM;
            break;
        }
        int empty = t[0] == '\0';
        free(t);
        /* An empty cell leaves the field as a new record has it. */
        if (empty)
            continue;
        if (f == NULL) {
            rc = ledger_problem_add(p, row->line, "column %zu has a value but no "
                         "header", i + 1);
            continue;
        }
        /* Our own CSV export guards formula-like cells with an apostrophe
         * (cell_guard.h): an export imported again gives the same value. */
        const char *v = row->fields[i] + strspn(row->fields[i], " \t");
        int r = ledger_field_set(rec, f->key, cell_unguard(v), why, sizeof(why));
        if (r == TZ_ENOMEM)
            rc = r;
        else if (r != 0)
            rc = ledger_problem_add(p, row->line, "%s: %s", f->label, why);
    }
    for (size_t k = 0; rc == 0 && k < LF_COUNT; k++) {
        const struct ledger_field *f = &ledger_fields[k];
        char v[8];
        if (!f->required)
            continue;
        ledger_field_format(rec, f->key, v, sizeof(v));
        if (v[0] == '\0')
            rc = ledger_problem_add(p, row->line, "%s: is empty, and it is required",
                         f->label);
    }
    if (rc == 0 && rec->dept[0] &&
        (depts->n == 0 ||
         bsearch(&rec->dept, depts->v, depts->n, sizeof(char *), str_cmp) ==
             NULL))
        rc = ledger_problem_add(p, row->line, "%s: no department \"%s\" (add it with: "
                     "tzctl dept add NAME)", ledger_fields[LF_DEPT].label,
                     rec->dept);
    if (rc == 0 && p->total == before) {
        char why[LEDGER_WHY];
        if (ledger_record_check(rec, why, sizeof(why)) != 0)
            rc = ledger_problem_add(p, row->line, "%s", why);
    }
    if (rc != 0 || p->total != before) {
        ledger_record_free(rec);
        return rc;
    }
    *out = rec;
    return 0;
}

/* ---- duplicates ---- */

static int find_duplicates(struct ident *rows, size_t nrows,
                           const struct stored *st, struct ledger_problems *p)
{
    int rc = 0;
    if (nrows)
        qsort(rows, nrows, sizeof(*rows), ident_cmp);
    for (size_t i = 0; rc == 0 && i < nrows; i++) {
        struct ident key = rows[i];
        key.line = 0;
        const struct ident *hit =
            st->n ? bsearch(&key, st->v, st->n, sizeof(*st->v), ident_cmp)
                  : NULL;
        if (hit)
            rc = ledger_problem_add(p, rows[i].line, "%s: \"%s\" of %s is already in "
                         "the register (system %" PRIu64 ")",
                         ledger_fields[LF_NAME].label, rows[i].name,
                         rows[i].dept, hit->id);
        else if (i > 0 && strcmp(rows[i - 1].dept, rows[i].dept) == 0 &&
                 strcmp(rows[i - 1].name, rows[i].name) == 0)
            rc = ledger_problem_add(p, rows[i].line, "%s: \"%s\" of %s is also on "
                         "line %ld", ledger_fields[LF_NAME].label,
                         rows[i].name, rows[i].dept, rows[i - 1].line);
    }
    return rc;
}

int ledger_import_csv(struct tz_register *reg, struct csv_reader *csv,
                      const char *name, int64_t now,
                      const struct register_actor *by, size_t *imported,
                      struct ledger_problems *probs, struct tz_error *err)
{
    *imported = 0;
    memset(probs, 0, sizeof(*probs));
    struct names depts = {0};
    struct stored st = {0};
    Tz__SystemRecord **recs = NULL;
    struct ident *ids = NULL;
    size_t nrecs = 0, cap = 0;
    struct columns cols;
    struct csv_record row;

    int rc = csv_next(csv, &row, err);
    if (rc == 0)
        return tz_err(err, TZ_EPARSE, name, 0,
                      "the file is empty: it needs a header row and a row "
                      "per system");
    if (rc < 0)
        return rc;
    rc = read_header(&row, &cols, probs);
    if (rc == 0 && probs->total)
        rc = TZ_EINVAL;  /* rows mean nothing without their columns */
    if (rc == 0)
        rc = register_each_dept(reg, dept_cb, &depts, err);
    if (rc == 0)
        rc = register_each_system(reg, NULL, system_cb, &st, err);
    /* qsort and bsearch want a real array even for no elements */
    if (rc == 0 && depts.n)
        qsort(depts.v, depts.n, sizeof(char *), str_cmp);
    if (rc == 0 && st.n)
        qsort(st.v, st.n, sizeof(*st.v), ident_cmp);
    while (rc == 0) {
        int got = csv_next(csv, &row, err);
        if (got <= 0) {
            rc = got;
            break;
        }
        if (row_empty(&row))
            continue;
        Tz__SystemRecord *rec;
        if ((rc = read_row(&row, &cols, &depts, probs, &rec)) != 0 ||
            rec == NULL)
            continue;
        if (nrecs == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            Tz__SystemRecord **nr = realloc(recs, ncap * sizeof(*nr));
            struct ident *ni = nr ? realloc(ids, ncap * sizeof(*ni)) : NULL;
            if (nr)
                recs = nr;
            if (ni)
                ids = ni;
            if (nr == NULL || ni == NULL) {
                ledger_record_free(rec);
                rc = TZ_ENOMEM;
                break;
            }
            cap = ncap;
        }
        ids[nrecs] = (struct ident){rec->dept, rec->name, row.line, 0};
        recs[nrecs++] = rec;
    }
    if (rc == 0)
        rc = find_duplicates(ids, nrecs, &st, probs);
    if (rc == 0 && probs->total)
        rc = TZ_EINVAL;
    if (rc == 0 && nrecs == 0)
        rc = tz_err(err, TZ_EINVAL, name, 0, "the file has a header but no "
                    "systems");
    if (rc == 0)
        rc = register_systems_import(reg, recs, nrecs, now, by, err);
    if (rc == 0)
        *imported = nrecs;
    if (rc == TZ_ENOMEM)
        tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    ledger_problems_sort(probs);
    for (size_t i = 0; i < nrecs; i++)
        ledger_record_free(recs[i]);
    free(recs);
    free(ids);
    names_free(&depts);
    free(st.v);
    names_free(&st.strings);
    return rc;
}

int ledger_import_file(struct tz_register *reg, const char *path,
                       int64_t now, const struct register_actor *by,
                       size_t *imported,
                       struct ledger_problems *probs, struct tz_error *err)
{
    struct csv_reader *csv;
    *imported = 0;
    memset(probs, 0, sizeof(*probs));
    int rc = csv_open_file(path, NULL, &csv, err);
    if (rc != 0)
        return rc;
    rc = ledger_import_csv(reg, csv, path, now, by, imported, probs, err);
    csv_close(csv);
    return rc;
}
