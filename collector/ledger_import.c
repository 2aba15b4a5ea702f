/* ledger_import — parse every row, check every row, report every problem,
 * and only then write: a half-imported ledger would be worse than none,
 * because the next attempt would trip over the rows that did get in. */
#include "ledger_import.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cell_guard.h"
#include "grow.h"
#include "ledger_diff.h"
#include "ledger_fields.h"
#include "ledger_header.h"
#include "pb_clone.h"
#include "system_list.h"

#define NO_COL LEDGER_NO_COL

void ledger_problems_free(struct ledger_problems *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i].text);
    free(p->v);
    memset(p, 0, sizeof(*p));
}

void ledger_import_info_free(struct ledger_import_info *info)
{
    if (info == NULL)
        return;
    for (size_t i = 0; i < info->n_ignored; i++)
        free(info->ignored[i]);
    free(info->ignored);
    ledger_warnings_free(&info->warnings);
    memset(info, 0, sizeof(*info));
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
    if (tz_grow((void **)&s->v, &s->cap, s->n, sizeof(*s->v)) != 0) {
        free(owned);
        return TZ_ENOMEM;
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
    uint64_t id;    /* stored system; a file row's id column (--update) */
    size_t k;       /* a file row's record: recs[k] */
    uint64_t given; /* a file row's non-empty fields, bit per ledger_id */
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

/* The stored systems by dept and name (ident_cmp order); dept and name
 * are borrowed from the system list they were made of. */
struct stored {
    struct ident *v;
    size_t n;
};

static int stored_index(const struct system_list *l, struct stored *st)
{
    st->n = 0;
    if ((st->v = calloc(l->n ? l->n : 1, sizeof(*st->v))) == NULL)
        return TZ_ENOMEM;
    for (size_t i = 0; i < l->n; i++)
        st->v[st->n++] = (struct ident){l->v[i]->dept, l->v[i]->name, 0,
                                        l->v[i]->system_id, 0, 0};
    if (st->n)
        qsort(st->v, st->n, sizeof(*st->v), ident_cmp);
    return 0;
}

static int sys_id_cmp(const void *key, const void *elem)
{
    uint64_t id = *(const uint64_t *)key;
    uint64_t e = (*(Tz__SystemRecord *const *)elem)->system_id;
    return id < e ? -1 : id > e;
}

/* The stored system with id, or NULL: the list is in id order
 * (system_list.h), so bsearch finds it. */
static const Tz__SystemRecord *stored_get(const struct system_list *l,
                                          uint64_t id)
{
    Tz__SystemRecord *const *hit =
        l->n ? bsearch(&id, l->v, l->n, sizeof(*l->v), sys_id_cmp) : NULL;
    return hit ? *hit : NULL;
}

/* ---- the import under way ---- */

struct imp {
    const struct sheet_info *si;
    struct ledger_problems *p;
    struct ledger_import_info *info;
    struct ledger_columns cols;
    size_t col_of[LF_COUNT];   /* the column of each field, NO_COL */
    struct names depts;
    struct system_list sys;    /* every stored system, read once */
    struct stored st;          /* sys by dept and name */
    Tz__SystemRecord **recs;
    struct ident *ids;
    size_t nrecs, cap, cap_ids;
    int update;                /* --update: an id column, rows may match */
    size_t id_col;             /* its column, NO_COL */
    char id_label[64];         /* its header, for problems ("编号") */
    uint64_t given;            /* the row being read: fields with a value */
};

/* Where a cell is, as the person who made the file finds it: a CSV's
 * physical line ("line 7"), a workbook's cell ("系统台账!E7") or row
 * ("系统台账 row 7") when no column is meant. */
static void where(const struct sheet_info *si, long row, size_t col,
                  char *buf, size_t len)
{
    if (si->format == SHEET_CSV)
        snprintf(buf, len, "line %ld", row);
    else if (col != NO_COL)
        sheet_ref(si->sheet, col, row, buf, len);
    else
        snprintf(buf, len, "%.200s row %ld", si->sheet, row);
}

/* Keep text (the caller's, freed here on failure) as the problem of row;
 * past LEDGER_MAX_PROBLEMS only counted. 0 or TZ_ENOMEM. */
static int problem_keep(struct ledger_problems *p, long row, char *text)
{
    p->total++;
    if (p->n >= LEDGER_MAX_PROBLEMS) {
        free(text);
        return 0;
    }
    if (p->n % 64 == 0) {
        struct ledger_problem *v = realloc(p->v, (p->n + 64) * sizeof(*v));
        if (v == NULL) {
            free(text);
            return TZ_ENOMEM;
        }
        p->v = v;
    }
    p->v[p->n].line = row;
    p->v[p->n].text = text;
    p->n++;
    return 0;
}

static int problem_v(struct ledger_problems *p, const char *loc, long row,
                     const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static int problem_v(struct ledger_problems *p, const char *loc, long row,
                     const char *fmt, va_list ap)
{
    char body[4096], *text;
    vsnprintf(body, sizeof(body), fmt, ap);
    if (asprintf(&text, "%s: %s", loc, body) < 0)
        return TZ_ENOMEM;
    return problem_keep(p, row, text);
}

int ledger_problem_at(struct ledger_problems *p, const struct sheet_info *si,
                      long row, size_t col, const char *fmt, ...)
{
    char loc[320];
    where(si, row, col, loc, sizeof(loc));
    va_list ap;
    va_start(ap, fmt);
    int rc = problem_v(p, loc, row, fmt, ap);
    va_end(ap);
    return rc;
}

static int problem(struct imp *m, long row, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record one problem where a person finds it; TZ_ENOMEM only when memory
 * runs out. */
static int problem(struct imp *m, long row, size_t col, const char *fmt, ...)
{
    char loc[320];
    where(m->si, row, col, loc, sizeof(loc));
    va_list ap;
    va_start(ap, fmt);
    int rc = problem_v(m->p, loc, row, fmt, ap);
    va_end(ap);
    return rc;
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

/* ---- the header ---- */

static int cell_blank(const char *s)
{
    char *t = ledger_trim_dup(s);
    int b = t && t[0] == '\0';
    free(t);
    return b;
}


/* "序号 (A)": a column left out, for info; at most 60 bytes of its label,
 * cut between characters. */
static int ignore_col(struct imp *m, const char *label, size_t col)
{
    struct ledger_import_info *in = m->info;
    in->total_ignored++;
    if (in->n_ignored >= LEDGER_MAX_IGNORED)
        return 0;
    if (in->n_ignored == 0 &&
        (in->ignored = calloc(LEDGER_MAX_IGNORED, sizeof(char *))) == NULL)
        return TZ_ENOMEM;
    char *t = ledger_trim_dup(label), c[SHEET_COL_NAME];
    if (t == NULL)
        return TZ_ENOMEM;
    for (char *q = t; *q; q++)
        if (*q == '\n' || *q == '\r' || *q == '\t')
            *q = ' ';
    size_t n = strlen(t);
    if (n > 60) {
        n = 60;
        while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
            n--;
    }
    sheet_col_name(col, c);
    char *s;
    int rc = n ? asprintf(&s, "%.*s (%s)", (int)n, t, c)
               : asprintf(&s, "(no header) (%s)", c);
    free(t);
    if (rc < 0)
        return TZ_ENOMEM;
    in->ignored[in->n_ignored++] = s;
    return 0;
}

/* The id column of an update: "id", "编号", "系统编号" (what a person or
 * another tool writes over system ids). */
static int is_id_label(const char *label)
{
    char *t = ledger_trim_dup(label);
    int yes = t && (strcasecmp(t, "id") == 0 || strcmp(t, "编号") == 0 ||
                    strcmp(t, "系统编号") == 0 || strcasecmp(t, "system_id") == 0);
    free(t);
    return yes;
}

static int read_header(struct imp *m, const struct sheet_row *top,
                       const struct sheet_row *next)
{
    int rc = 0;
    long row = top->row;
    ledger_header_columns(top, next, &m->cols);
    for (size_t k = 0; k < LF_COUNT; k++)
        m->col_of[k] = NO_COL;
    for (size_t i = 0; rc == 0 && i < m->cols.n; i++) {
        const struct ledger_field *f = m->cols.f[i];
        char first[SHEET_COL_NAME];
        if (f == NULL && m->update && m->id_col == NO_COL &&
            is_id_label(m->cols.label[i])) {
            m->id_col = i;
            char *t = ledger_trim_dup(m->cols.label[i]);
            snprintf(m->id_label, sizeof(m->id_label), "%s", t ? t : "id");
            free(t);
        } else if (f == NULL) {
            /* a column without a header is noted when it holds a value */
            if (!cell_blank(m->cols.label[i]))
                rc = ignore_col(m, m->cols.label[i], i);
        } else if (m->col_of[f->id] != NO_COL) {
            sheet_col_name(m->col_of[f->id], first);
            rc = problem(m, row, i, "%s (%s) is a second column for the "
                         "same field (the first is column %s)", f->label,
                         f->key, first);
        } else {
            m->col_of[f->id] = i;
        }
    }
    for (size_t k = 0; rc == 0 && k < LF_COUNT; k++)
        if (ledger_fields[k].required && m->col_of[k] == NO_COL)
            rc = problem(m, row, NO_COL, "the header has no %s (%s) column, "
                         "which is required", ledger_fields[k].label,
                         ledger_fields[k].key);
    return rc;
}

/* Every field by label and key: what a header may name. */
static int no_header(struct imp *m, long first_row)
{
    char names[2048];
    size_t used = 0;
    for (size_t k = 0; k < LF_COUNT && used < sizeof(names); k++)
        used += (size_t)snprintf(names + used, sizeof(names) - used,
                                 "%s%s (%s)", k ? ", " : "",
                                 ledger_fields[k].label, ledger_fields[k].key);
    return problem(m, first_row, NO_COL, "no header row in the first %d "
                   "rows: the header names each column by a ledger field: "
                   "%s", HEADER_SCAN, names);
}

/* ---- one row ---- */

static int row_empty(const struct sheet_row *row)
{
    for (size_t i = 0; i < row->n; i++)
        if (!cell_blank(row->cells[i].text))
            return 0;
    return 1;
}

/* The text a cell gives field f: a CSV's formula guard taken off (our
 * own export adds it, cell_guard.h), a workbook date column's serial
 * number (a date typed into a General cell) as its date. */
static const char *cell_value(const struct imp *m, const struct sheet_cell *c,
                              const struct ledger_field *f,
                              char buf[SHEET_DATE_STRLEN])
{
    const char *v = c->text + strspn(c->text, " \t");
    if (m->si->format == SHEET_CSV)
        return cell_unguard(v);
    /* 20260301 typed as a number is a compact date, not a serial */
    if (f->kind == LK_DATE && c->kind == SHEET_NUMBER &&
        !(c->num >= 19000101 && c->num <= 99991231) &&
        sheet_serial_date(c->num, m->si->date1904, buf) == 0)
        return buf;
    return c->text;
}

/* One cell into rec; bad[f] set when it had a problem. */
static int read_cell(struct imp *m, const struct sheet_row *row, size_t i,
                     Tz__SystemRecord *rec, int *bad)
{
    const struct ledger_field *f = m->cols.f[i];
    const struct sheet_cell *c = &row->cells[i];
    if (f == NULL || cell_blank(c->text))
        return 0;   /* an empty cell leaves the field as a new record has it */
    if (c->kind == SHEET_ERROR) {
        bad[f->id] = 1;
        return problem(m, row->row, i, "%s: the cell shows Excel's error "
                       "%.20s: fix its formula or type the value", f->label,
                       c->text);
    }
    char why[LEDGER_WHY], date[SHEET_DATE_STRLEN];
    int r = ledger_field_set(rec, f->key, cell_value(m, c, f, date), why,
                             sizeof(why));
    if (r == TZ_ENOMEM)
        return r;
    if (r != 0) {
        bad[f->id] = 1;
        return problem(m, row->row, i, "%s: %s", f->label, why);
    }
    m->given |= (uint64_t)1 << f->id;
    return 0;
}

/* The checks of a whole row, after its cells: required fields (unless
 * their cell already had a problem: one problem per cell), the
 * department, the register's own check. */
static int check_row(struct imp *m, long line, Tz__SystemRecord *rec,
                     const int *bad, size_t before)
{
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < LF_COUNT; k++) {
        const struct ledger_field *f = &ledger_fields[k];
        char v[8];
        if (!f->required || bad[k])
            continue;
        ledger_field_format(rec, f->key, v, sizeof(v));
        if (v[0] == '\0')
            rc = problem(m, line, m->col_of[k], "%s: is empty, and it is "
                         "required", f->label);
    }
    if (rc == 0 && rec->dept[0] && !bad[LF_DEPT] &&
        (m->depts.n == 0 ||
         bsearch(&rec->dept, m->depts.v, m->depts.n, sizeof(char *),
                 str_cmp) == NULL))
        rc = problem(m, line, m->col_of[LF_DEPT], "%s: no department "
                     "\"%s\" (add it with: tzctl dept add NAME)",
                     ledger_fields[LF_DEPT].label, rec->dept);
    if (rc == 0 && m->p->total == before) {
        char why[LEDGER_WHY];
        if (ledger_record_check(rec, why, sizeof(why)) != 0)
            rc = problem(m, line, NO_COL, "%s", why);
    }
    return rc;
}

/* Parse one row into *out (NULL when it had problems, all recorded). */
static int read_row(struct imp *m, const struct sheet_row *row,
                    Tz__SystemRecord **out)
{
    *out = NULL;
    Tz__SystemRecord *rec = ledger_record_new();
    if (rec == NULL)
        return TZ_ENOMEM;
    size_t before = m->p->total;
    int bad[LF_COUNT] = {0}, rc = 0;
    m->given = 0;
    for (size_t i = 0; rc == 0 && i < row->n && i < m->cols.n; i++)
        rc = read_cell(m, row, i, rec, bad);
    if (rc == 0)
        rc = check_row(m, row->row, rec, bad, before);
    if (rc != 0 || m->p->total != before) {
        ledger_record_free(rec);
        return rc;
    }
    *out = rec;
    return 0;
}

/* A value under an unknown header is left out, and the header says so
 * (read_header). One in a column without a header is left out too: the
 * first such value lists its column. */
static int note_headerless(struct imp *m, const struct sheet_row *row,
                           unsigned char *noted)
{
    for (size_t i = 0; i < row->n && i < LEDGER_HEADER_COLS; i++)
        if (!noted[i] && !m->cols.f[i] && cell_blank(m->cols.label[i]) &&
            !cell_blank(row->cells[i].text)) {
            noted[i] = 1;
            int rc = ignore_col(m, "", i);
            if (rc != 0)
                return rc;
        }
    return 0;
}

static int keep(struct imp *m, Tz__SystemRecord *rec, long line)
{
    /* two arrays of one length: each keeps its own capacity */
    if (tz_grow((void **)&m->recs, &m->cap, m->nrecs, sizeof(*m->recs)) != 0 ||
        tz_grow((void **)&m->ids, &m->cap_ids, m->nrecs, sizeof(*m->ids)) != 0) {
        ledger_record_free(rec);
        return TZ_ENOMEM;
    }
    m->ids[m->nrecs] = (struct ident){rec->dept, rec->name, line, 0, m->nrecs,
                                      m->given};
    m->recs[m->nrecs++] = rec;
    return 0;
}

/* The system id a row names in the id column (--update), 0 if none. */
static int row_id(struct imp *m, const struct sheet_row *row, uint64_t *id)
{
    *id = 0;
    if (m->id_col == NO_COL || m->id_col >= row->n ||
        cell_blank(row->cells[m->id_col].text))
        return 0;
    char *t = ledger_trim_dup(row->cells[m->id_col].text);
    if (t == NULL)
        return TZ_ENOMEM;
    const char *v = m->si->format == SHEET_CSV ? cell_unguard(t) : t;
    char *end = NULL;
    unsigned long long n = v[0] >= '0' && v[0] <= '9' ? strtoull(v, &end, 10) : 0;
    int rc = 0;
    if (n == 0 || end == NULL || *end != '\0' || n > UINT64_MAX / 2)
        rc = problem(m, row->row, m->id_col, "%s: \"%.40s\" is not a system "
                     "id (a number, as `tzctl systems` shows)", m->id_label, v);
    else
        *id = n;
    free(t);
    return rc;
}

static int data_row(struct imp *m, const struct sheet_row *row,
                    unsigned char *noted)
{
    if (row_empty(row))
        return 0;
    int rc = note_headerless(m, row, noted);
    Tz__SystemRecord *rec = NULL;
    uint64_t id = 0;
    if (rc == 0)
        rc = row_id(m, row, &id);
    if (rc == 0)
        rc = read_row(m, row, &rec);
    if (rc == 0 && rec && (rc = keep(m, rec, row->row)) == 0)
        m->ids[m->nrecs - 1].id = id;
    return rc;
}

/* ---- duplicates ---- */

static int find_duplicates(struct imp *m)
{
    int rc = 0;
    struct ident *rows = m->ids;
    size_t col = m->col_of[LF_NAME];
    const char *unit = m->si->format == SHEET_CSV ? "line" : "row";
    if (m->nrecs)
        qsort(rows, m->nrecs, sizeof(*rows), ident_cmp);
    for (size_t i = 0; rc == 0 && i < m->nrecs; i++) {
        struct ident key = rows[i];
        key.line = 0;
        const struct ident *hit =
            m->st.n ? bsearch(&key, m->st.v, m->st.n, sizeof(*m->st.v),
                              ident_cmp)
                    : NULL;
        if (hit)
            rc = problem(m, rows[i].line, col, "%s: \"%s\" of %s is already "
                         "in the register (system %" PRIu64 ")",
                         ledger_fields[LF_NAME].label, rows[i].name,
                         rows[i].dept, hit->id);
        else if (i > 0 && strcmp(rows[i - 1].dept, rows[i].dept) == 0 &&
                 strcmp(rows[i - 1].name, rows[i].name) == 0)
            rc = problem(m, rows[i].line, col, "%s: \"%s\" of %s is also on "
                         "%s %ld", ledger_fields[LF_NAME].label, rows[i].name,
                         rows[i].dept, unit, rows[i - 1].line);
    }
    return rc;
}

/* ---- claims shared with other systems ---- */

/* Before find_duplicates sorts ids: recs[i] is still the row of ids[i]. */
static int find_overlaps(struct imp *m, struct tz_error *err)
{
    char **loc = calloc(m->nrecs ? m->nrecs : 1, sizeof(*loc));
    int rc = loc ? 0 : TZ_ENOMEM;
    for (size_t i = 0; rc == 0 && i < m->nrecs; i++) {
        char buf[256];
        where(m->si, m->ids[i].line, NO_COL, buf, sizeof(buf));
        if ((loc[i] = strdup(buf)) == NULL)
            rc = TZ_ENOMEM;
    }
    if (rc == 0)
        rc = ledger_overlap_warnings(&m->sys, m->recs, (const char *const *)loc,
                                     m->nrecs, &m->info->warnings, err);
    for (size_t i = 0; loc && i < m->nrecs; i++)
        free(loc[i]);
    free(loc);
    return rc;
}

/* ---- the whole sheet ---- */

static int is_header_row(const struct sheet_row *row)
{
    return !row_empty(row) && ledger_header_is_header(row);
}

/* The header among the first HEADER_SCAN rows into *top (a copy), and the
 * row after it into *next (a copy, or NULL at the end). 0 with *top NULL
 * when there is none (a problem is recorded). */
static int find_header(struct imp *m, struct sheet *sh,
                       struct sheet_row **top, struct sheet_row **next,
                       const char *name, struct tz_error *err)
{
    struct sheet_row row;
    long first;
    *top = *next = NULL;
    int got = sheet_find_header(sh, HEADER_SCAN, is_header_row, name,
                                "system", &row, &first, err);
    if (got < 0)
        return got;
    if (got == 0)
        return no_header(m, first);
    if ((*top = sheet_row_dup(&row)) == NULL)
        return TZ_ENOMEM;
    got = sheet_next(sh, &row, err);
    if (got < 0)
        return got;
    if (got == 1 && (*next = sheet_row_dup(&row)) == NULL)
        return TZ_ENOMEM;
    return 0;
}

/* Everything read and checked; recs hold the rows without problems. */
static int read_sheet(struct imp *m, struct sheet *sh, const char *name,
                      struct tz_error *err)
{
    struct sheet_row *top, *next, row;
    unsigned char noted[LEDGER_HEADER_COLS] = {0};
    int rc = find_header(m, sh, &top, &next, name, err);
    if (rc == 0 && top) {
        int two = next && ledger_header_continues(top, next);
        m->info->header_row = top->row;
        m->info->header_rows = two ? 2 : 1;
        rc = read_header(m, top, two ? next : NULL);
        /* rows mean nothing without their columns */
        int rows = rc == 0 && m->p->total == 0;
        if (rows && next && !two)
            rc = data_row(m, next, noted);
        while (rows && rc == 0) {
            int got = sheet_next(sh, &row, err);
            if (got <= 0) {
                rc = got;
                break;
            }
            rc = data_row(m, &row, noted);
        }
    }
    sheet_row_free(top);
    sheet_row_free(next);
    return rc;
}

static void import_free(struct imp *m)
{
    for (size_t i = 0; i < m->nrecs; i++)
        ledger_record_free(m->recs[i]);
    free(m->recs);
    free(m->ids);
    names_free(&m->depts);
    free(m->st.v);
    system_list_free(&m->sys);
}

static void info_fill(struct ledger_import_info *in,
                      const struct sheet_info *si)
{
    in->format = si->format;
    snprintf(in->encoding, sizeof(in->encoding), "%s",
             si->encoding ? si->encoding : "");
    snprintf(in->sheet, sizeof(in->sheet), "%s", si->sheet ? si->sheet : "");
}

/* Read the register's departments and systems, then the sheet, checking
 * every row; m->recs hold the rows without problems. */
static int import_read(struct imp *m, struct tz_register *reg, struct sheet *sh,
                       const char *name, struct tz_error *err)
{
    m->id_col = NO_COL;
    info_fill(m->info, m->si);
    int rc = register_each_dept(reg, dept_cb, &m->depts, err);
    if (rc == 0)
        rc = system_list_load(reg, 0, &m->sys, err);
    if (rc == 0)
        rc = stored_index(&m->sys, &m->st);
    /* qsort and bsearch want a real array even for no elements */
    if (rc == 0 && m->depts.n)
        qsort(m->depts.v, m->depts.n, sizeof(char *), str_cmp);
    if (rc == 0)
        rc = read_sheet(m, sh, name, err);
    return rc;
}

int ledger_import_sheet(struct tz_register *reg, struct sheet *sh,
                        const char *name, int64_t now,
                        const struct register_actor *by, size_t *imported,
                        struct ledger_import_info *info,
                        struct ledger_problems *probs, struct tz_error *err)
{
    *imported = 0;
    memset(probs, 0, sizeof(*probs));
    struct imp m = {.si = sheet_info(sh), .p = probs, .info = info};
    int rc = import_read(&m, reg, sh, name, err);
    if (rc == 0)
        rc = find_overlaps(&m, err);
    if (rc == 0)
        rc = find_duplicates(&m);
    if (rc == 0 && probs->total)
        rc = TZ_EINVAL;
    if (rc == 0 && m.nrecs == 0)
        rc = tz_err(err, TZ_EINVAL, name, 0, "the file has a header but no "
                    "systems");
    if (rc == 0)
        rc = register_systems_import(reg, m.recs, m.nrecs, now, by, err);
    if (rc == 0)
        *imported = m.nrecs;
    if (rc == TZ_ENOMEM)
        tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    ledger_problems_sort(probs);
    import_free(&m);
    return rc;
}

/* ---- update mode ---- */

void ledger_update_free(struct ledger_update *u)
{
    for (size_t i = 0; u && i < u->n; i++) {
        free(u->v[i].name);
        free(u->v[i].dept);
        ledger_diff_clear(&u->v[i].change);
    }
    if (u) {
        free(u->v);
        memset(u, 0, sizeof(*u));
    }
}

struct claim {
    uint64_t id;
    long line;
};

static int claim_cmp(const void *a, const void *b)
{
    const struct claim *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* The system each row updates into target[k] (0: the row adds one): its
 * id column, else its name in its department. Problems: an id the
 * register lacks, one system named by two rows, a name twice. */
static int match_rows(struct imp *m, uint64_t *target)
{
    struct ident *rows = m->ids;
    size_t col = m->col_of[LF_NAME];
    const char *unit = m->si->format == SHEET_CSV ? "line" : "row";
    struct claim *c = calloc(m->nrecs ? m->nrecs : 1, sizeof(*c));
    if (c == NULL)
        return TZ_ENOMEM;
    size_t nc = 0;
    int rc = 0;
    if (m->nrecs)
        qsort(rows, m->nrecs, sizeof(*rows), ident_cmp);
    for (size_t i = 0; rc == 0 && i < m->nrecs; i++) {
        struct ident key = rows[i];
        key.line = 0;
        const struct ident *hit = m->st.n ? bsearch(&key, m->st.v, m->st.n,
                                                    sizeof(*m->st.v), ident_cmp) : NULL;
        uint64_t t = rows[i].id ? rows[i].id : hit ? hit->id : 0;
        if (rows[i].id && stored_get(&m->sys, rows[i].id) == NULL)
            rc = problem(m, rows[i].line, m->id_col, "%s: no system %" PRIu64
                         " in the register", m->id_label, rows[i].id);
        else if (!rows[i].id && i > 0 && !rows[i - 1].id &&
                 strcmp(rows[i - 1].dept, rows[i].dept) == 0 &&
                 strcmp(rows[i - 1].name, rows[i].name) == 0)
            rc = problem(m, rows[i].line, col, "%s: \"%s\" of %s is also on %s %ld",
                         ledger_fields[LF_NAME].label, rows[i].name, rows[i].dept,
                         unit, rows[i - 1].line);
        target[rows[i].k] = t;
        if (t)
            c[nc++] = (struct claim){t, rows[i].line};
    }
    if (nc)
        qsort(c, nc, sizeof(*c), claim_cmp);
    for (size_t i = 1; rc == 0 && i < nc; i++)
        if (c[i].id == c[i - 1].id)
            rc = problem(m, c[i].line, NO_COL, "system %" PRIu64 " is also "
                         "updated by %s %ld", c[i].id, unit, c[i - 1].line);
    free(c);
    return rc;
}

/* The stored record with the row's columns over it: a column with a value
 * sets the field, an empty one clears it (状态 stays: it cannot be empty). */
static int overlay(const struct imp *m, const Tz__SystemRecord *row, uint64_t given,
                   Tz__SystemRecord *rec, char *why, size_t whylen)
{
    char *buf = malloc(LEDGER_FORMAT_MAX);
    if (buf == NULL)
        return TZ_ENOMEM;
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < LF_COUNT; k++) {
        const char *key = ledger_fields[k].key;
        int has = (given >> k) & 1;
        if (m->col_of[k] == NO_COL || (!has && k == LF_STATUS))
            continue;
        buf[0] = '\0';
        if (has)
            rc = ledger_field_format(row, key, buf, LEDGER_FORMAT_MAX);
        if (rc == 0)
            rc = ledger_field_set(rec, key, buf, why, whylen);
    }
    free(buf);
    return rc;
}

/* Changes of the file's rows into u (file order); upd/revs/add collect what
 * register_systems_update writes (upd records owned by the caller). */
struct plan {
    Tz__SystemRecord **upd, **add;
    uint64_t *revs;
    size_t n_upd, n_add;
    size_t *add_row;        /* u->v index of each add */
};

/* One row's change against the system list read at the start (a system
 * changed since is TZ_ECHANGED when written: its revision is kept). */
static int plan_row(struct imp *m, const struct ident *id, uint64_t target,
                    struct plan *pl, struct ledger_update *u,
                    struct tz_error *err)
{
    Tz__SystemRecord *row = m->recs[id->k], *nw = NULL;
    const Tz__SystemRecord *old = target ? stored_get(&m->sys, target) : NULL;
    long line = id->line;
    size_t before = m->p->total;
    int rc = 0;
    if (target && old == NULL)   /* match_rows made sure it is stored */
        return tz_err(err, TZ_ENOENT, NULL, 0, "no system with id %" PRIu64,
                      target);
    if (target && (nw = pb_clone(&old->base)) == NULL)
        return TZ_ENOMEM;
    char why[LEDGER_WHY];
    if (target && (rc = overlay(m, row, id->given, nw, why, sizeof(why))) != 0 &&
        rc != TZ_ENOMEM)
        rc = problem(m, line, NO_COL, "%s", why);
    else if (target && rc == 0 && ledger_record_check(nw, why, sizeof(why)) != 0)
        rc = problem(m, line, NO_COL, "%s", why);
    struct ledger_update_row *r = &u->v[u->n];
    memset(r, 0, sizeof(*r));
    if (rc == 0 && m->p->total == before)
        rc = ledger_diff(old, target ? nw : row, &r->change);
    if (rc != 0 || m->p->total != before) {
        /* nothing to plan: the problem is recorded */
    } else if (target && r->change.n_changes == 0) {
        ledger_diff_clear(&r->change);
        u->unchanged++;
    } else {
        const Tz__SystemRecord *after = target ? nw : row;
        r->system_id = target;
        r->name = strdup(after->name);
        r->dept = strdup(after->dept);
        u->n++;
        if (r->name == NULL || r->dept == NULL)
            rc = TZ_ENOMEM;
        else if (target) {
            pl->revs[pl->n_upd] = old->revision;
            pl->upd[pl->n_upd++] = nw;
            nw = NULL;
            u->updated++;
        } else {
            r->added = 1;
            pl->add_row[pl->n_add] = u->n - 1;
            pl->add[pl->n_add++] = row;
            u->added++;
        }
    }
    if (nw)
        ledger_record_free(nw);
    return rc;
}

static int update_plan(struct imp *m, struct plan *pl, struct ledger_update *u,
                       struct tz_error *err)
{
    size_t n = m->nrecs ? m->nrecs : 1;
    uint64_t *target = calloc(n, sizeof(*target));
    pl->upd = calloc(n, sizeof(*pl->upd));
    pl->add = calloc(n, sizeof(*pl->add));
    pl->revs = calloc(n, sizeof(*pl->revs));
    pl->add_row = calloc(n, sizeof(*pl->add_row));
    u->v = calloc(n, sizeof(*u->v));
    if (!target || !pl->upd || !pl->add || !pl->revs || !pl->add_row || !u->v) {
        free(target);
        return TZ_ENOMEM;
    }
    int rc = match_rows(m, target);
    size_t matched = m->p->total;   /* a row matching nothing sure: plan none */
    const struct ident **byk = calloc(n, sizeof(*byk));
    if (rc == 0 && byk == NULL)
        rc = TZ_ENOMEM;
    for (size_t i = 0; rc == 0 && i < m->nrecs; i++)
        byk[m->ids[i].k] = &m->ids[i];
    /* in file order, so the diff reads like the sheet */
    for (size_t k = 0; rc == 0 && matched == 0 && k < m->nrecs; k++)
        rc = plan_row(m, byk[k], target[k], pl, u, err);
    free(byk);
    free(target);
    return rc;
}

static void plan_free(struct plan *pl)
{
    for (size_t i = 0; i < pl->n_upd; i++)
        ledger_record_free(pl->upd[i]);
    free(pl->upd);
    free(pl->add);    /* records of the import (m->recs) */
    free(pl->revs);
    free(pl->add_row);
}

int ledger_update_sheet(struct tz_register *reg, struct sheet *sh,
                        const char *name, int dry_run, int64_t now,
                        const struct register_actor *by, struct ledger_update *out,
                        struct ledger_import_info *info,
                        struct ledger_problems *probs, struct tz_error *err)
{
    memset(out, 0, sizeof(*out));
    memset(probs, 0, sizeof(*probs));
    struct imp m = {.si = sheet_info(sh), .p = probs, .info = info, .update = 1};
    struct plan pl = {0};
    int rc = import_read(&m, reg, sh, name, err);
    if (rc == 0 && probs->total == 0 && m.nrecs == 0)
        rc = tz_err(err, TZ_EINVAL, name, 0, "the file has a header but no "
                    "systems");
    if (rc == 0 && probs->total == 0)
        rc = update_plan(&m, &pl, out, err);
    if (rc == 0 && probs->total)
        rc = TZ_EINVAL;
    if (rc == 0 && !dry_run && out->n)
        rc = register_systems_update(reg, pl.upd, pl.revs, pl.n_upd, pl.add,
                                     pl.n_add, now, by, err);
    if (rc == 0 && !dry_run && out->n) {
        out->applied = 1;
        for (size_t i = 0; i < pl.n_add; i++)
            out->v[pl.add_row[i]].system_id = pl.add[i]->system_id;
    }
    if (rc != 0) {
        ledger_update_free(out);
        out->v = NULL;
    }
    if (rc == TZ_ENOMEM)
        tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    ledger_problems_sort(probs);
    plan_free(&pl);
    import_free(&m);
    return rc;
}

int ledger_update_file(struct tz_register *reg, const char *path,
                       const char *want_sheet, int dry_run, int64_t now,
                       const struct register_actor *by, struct ledger_update *out,
                       struct ledger_import_info *info,
                       struct ledger_problems *probs, struct tz_error *err)
{
    struct sheet *sh;
    memset(out, 0, sizeof(*out));
    memset(probs, 0, sizeof(*probs));
    memset(info, 0, sizeof(*info));
    int rc = sheet_open(path, want_sheet, NULL, &sh, err);
    if (rc != 0)
        return rc;
    rc = ledger_update_sheet(reg, sh, path, dry_run, now, by, out, info, probs, err);
    sheet_close(sh);
    return rc;
}

int ledger_import_file(struct tz_register *reg, const char *path,
                       const char *want_sheet, int64_t now,
                       const struct register_actor *by, size_t *imported,
                       struct ledger_import_info *info,
                       struct ledger_problems *probs, struct tz_error *err)
{
    struct sheet *sh;
    *imported = 0;
    memset(probs, 0, sizeof(*probs));
    memset(info, 0, sizeof(*info));
    int rc = sheet_open(path, want_sheet, NULL, &sh, err);
    if (rc != 0)
        return rc;
    rc = ledger_import_sheet(reg, sh, path, now, by, imported, info, probs,
                             err);
    sheet_close(sh);
    return rc;
}
