/* sheet_table — sparse cells in row order, one text arena, merged fills
 * worked out once; rows laid out densely only as they are handed out. */
#include "sheet_table.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

#define EXCEL_MAX_COLS 16384     /* XFD */
#define EXCEL_MAX_ROWS 1048576

struct tcell {
    size_t col;
    enum sheet_kind kind;
    size_t off;         /* text in the arena, NUL-terminated */
    double num;
};

struct trow {
    long row;
    size_t first, n;    /* its cells */
};

struct merge {
    long r0, r1;
    size_t c0;
};

struct fill {
    size_t row_ix, col, src;   /* rows[row_ix] gets cells[src] at col */
};

struct sheet_table {
    struct sheet_limits lim;
    char *file, *sheet;
    int date1904;
    struct tcell *cells;
    size_t ncells, capcells;
    struct trow *rows;
    size_t nrows, caprows;
    char *arena;
    size_t alen, acap;
    struct merge *merges;
    size_t nmerges, capmerges;
    struct fill *fills;
    size_t nfills;
    size_t next_row, next_fill;
    struct sheet_cell *dense;  /* lim.max_cols */
    size_t dense_n;            /* cells set by the last row */
};

struct sheet_table *sheet_table_new(const struct sheet_limits *lim,
                                    const char *file, const char *sheet)
{
    struct sheet_table *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->lim = *lim;
    if (t->lim.max_cols == 0 || t->lim.max_cols > EXCEL_MAX_COLS)
        t->lim.max_cols = EXCEL_MAX_COLS;
    t->file = strdup(file ? file : "");
    t->sheet = strdup(sheet ? sheet : "");
    t->dense = calloc(t->lim.max_cols, sizeof(*t->dense));
    /* the arena's first byte is the "" of every empty cell */
    t->arena = malloc(64);
    if (t->file == NULL || t->sheet == NULL || t->dense == NULL ||
        t->arena == NULL) {
        sheet_table_free(t);
        return NULL;
    }
    t->arena[0] = '\0';
    t->alen = 1;
    t->acap = 64;
    return t;
}

void sheet_table_free(struct sheet_table *t)
{
    if (t == NULL)
        return;
    free(t->file);
    free(t->sheet);
    free(t->cells);
    free(t->rows);
    free(t->arena);
    free(t->merges);
    free(t->fills);
    free(t->dense);
    free(t);
}

const char *sheet_table_name(const struct sheet_table *t)
{
    return t->sheet;
}

void sheet_table_set_date1904(struct sheet_table *t, int on)
{
    t->date1904 = on != 0;
}

int sheet_table_date1904(const struct sheet_table *t)
{
    return t->date1904;
}

void sheet_table_ref(const struct sheet_table *t, long row, size_t col,
                     char *buf, size_t len)
{
    sheet_ref(t->sheet, col, row, buf, len);
}

/* An error about a cell, named as Excel names it. */
static int cell_fail(const struct sheet_table *t, struct tz_error *err,
                     int code, long row, size_t col, const char *why)
{
    char ref[320];
    sheet_table_ref(t, row, col, ref, sizeof(ref));
    return tz_err(err, code, t->file, 0, "%s: %s", ref, why);
}

int sheet_table_add(struct sheet_table *t, long row, size_t col,
                    enum sheet_kind kind, const char *text, size_t len,
                    double num, struct tz_error *err)
{
    if (row < 1 || row > EXCEL_MAX_ROWS || col >= EXCEL_MAX_COLS)
        return tz_err(err, TZ_EPARSE, t->file, 0, "%s: a cell outside the "
                      "sheet (row %ld, column %zu)", t->sheet, row, col + 1);
    if (kind == SHEET_EMPTY || len == 0)
        return 0;
    struct trow *last = t->nrows ? &t->rows[t->nrows - 1] : NULL;
    if (last && (row < last->row ||
                 (row == last->row && last->n &&
                  col <= t->cells[last->first + last->n - 1].col)))
        return cell_fail(t, err, TZ_EPARSE, row, col, "the cells are out "
                         "of order (the file is damaged)");
    if (col >= t->lim.max_cols) {
        char lastcol[SHEET_COL_NAME], why[128];
        sheet_col_name(t->lim.max_cols - 1, lastcol);
        snprintf(why, sizeof(why), "a value right of column %s (the limit "
                 "is %zu columns)", lastcol, t->lim.max_cols);
        return cell_fail(t, err, TZ_ELIMIT, row, col, why);
    }
    if (len > t->lim.max_cell) {
        char why[128];
        snprintf(why, sizeof(why), "the cell is longer than %zu bytes",
                 t->lim.max_cell);
        return cell_fail(t, err, TZ_ELIMIT, row, col, why);
    }
    if (t->ncells >= t->lim.max_cells)
        return cell_fail(t, err, TZ_ELIMIT, row, col, "too many cells");
    if (t->alen + len + 1 > t->lim.max_text)
        return cell_fail(t, err, TZ_ELIMIT, row, col, "the sheet holds too "
                         "much text");
    if (last == NULL || last->row != row) {
        if (t->nrows >= t->lim.max_rows) {
            char why[96];
            snprintf(why, sizeof(why), "more than %zu rows with values",
                     t->lim.max_rows);
            return cell_fail(t, err, TZ_ELIMIT, row, col, why);
        }
        if (tz_grow((void **)&t->rows, &t->caprows, t->nrows, sizeof(*t->rows)))
            return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
        t->rows[t->nrows++] = (struct trow){row, t->ncells, 0};
        last = &t->rows[t->nrows - 1];
    }
    if (tz_grow((void **)&t->cells, &t->capcells, t->ncells, sizeof(*t->cells)))
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    while (t->alen + len + 1 > t->acap) {
        size_t ncap = t->acap * 2;
        char *na = realloc(t->arena, ncap);
        if (na == NULL)
            return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
        t->arena = na;
        t->acap = ncap;
    }
    memcpy(t->arena + t->alen, text, len);
    t->arena[t->alen + len] = '\0';
    t->cells[t->ncells++] = (struct tcell){col, kind, t->alen, num};
    t->alen += len + 1;
    last->n++;
    return 0;
}

int sheet_table_merge(struct sheet_table *t, long r0, size_t c0, long r1,
                      size_t c1, struct tz_error *err)
{
    if (r0 < 1 || r1 < r0 || c1 < c0 || r1 > EXCEL_MAX_ROWS ||
        c1 >= EXCEL_MAX_COLS)
        return tz_err(err, TZ_EPARSE, t->file, 0, "%s: a merged range "
                      "outside the sheet", t->sheet);
    if (r1 == r0 || c0 >= t->lim.max_cols)
        return 0;   /* nothing to fill down */
    if (t->nmerges >= t->lim.max_merges)
        return tz_err(err, TZ_ELIMIT, t->file, 0, "%s: more than %zu merged "
                      "ranges", t->sheet, t->lim.max_merges);
    if (tz_grow((void **)&t->merges, &t->capmerges, t->nmerges,
             sizeof(*t->merges)))
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    t->merges[t->nmerges++] = (struct merge){r0, r1, c0};
    return 0;
}

/* Index of the first stored row >= row (nrows if none). */
static size_t row_at_least(const struct sheet_table *t, long row)
{
    size_t lo = 0, hi = t->nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->rows[mid].row < row)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The cell of rows[ix] at col, or SIZE_MAX. */
static size_t cell_at(const struct sheet_table *t, size_t ix, size_t col)
{
    size_t lo = t->rows[ix].first, hi = lo + t->rows[ix].n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->cells[mid].col == col)
            return mid;
        if (t->cells[mid].col < col)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

static int fill_cmp(const void *a, const void *b)
{
    const struct fill *x = a, *y = b;
    if (x->row_ix != y->row_ix)
        return x->row_ix < y->row_ix ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return (x->src > y->src) - (x->src < y->src);
}

int sheet_table_finish(struct sheet_table *t, struct tz_error *err)
{
    size_t cap = 0;
    for (size_t m = 0; m < t->nmerges; m++) {
        const struct merge *g = &t->merges[m];
        size_t top = row_at_least(t, g->r0);
        if (top == t->nrows || t->rows[top].row != g->r0)
            continue;
        size_t src = cell_at(t, top, g->c0);
        if (src == SIZE_MAX)
            continue;
        for (size_t ix = top + 1; ix < t->nrows && t->rows[ix].row <= g->r1;
             ix++) {
            /* Overlapping merges (a malformed file) could multiply this:
             * fills count against the cells' bound. */
            if (t->ncells + t->nfills >= t->lim.max_cells)
                return tz_err(err, TZ_ELIMIT, t->file, 0, "%s: the merged "
                              "cells fill more than %zu cells", t->sheet,
                              t->lim.max_cells);
            if (tz_grow((void **)&t->fills, &cap, t->nfills, sizeof(*t->fills)))
                return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
            t->fills[t->nfills++] = (struct fill){ix, g->c0, src};
        }
    }
    if (t->nfills)
        qsort(t->fills, t->nfills, sizeof(*t->fills), fill_cmp);
    /* The arena is final now: every empty cell points at its "". */
    for (size_t i = 0; i < t->lim.max_cols; i++)
        t->dense[i] = (struct sheet_cell){SHEET_EMPTY, t->arena, 0};
    t->dense_n = 0;
    t->next_row = t->next_fill = 0;
    return 0;
}

int sheet_table_next(struct sheet_table *t, struct sheet_row *row)
{
    if (t->next_row >= t->nrows)
        return 0;
    for (size_t i = 0; i < t->dense_n; i++)
        t->dense[i] = (struct sheet_cell){SHEET_EMPTY, t->arena, 0};
    size_t ix = t->next_row++, n = 0;
    const struct trow *r = &t->rows[ix];
    for (size_t i = r->first; i < r->first + r->n; i++) {
        const struct tcell *c = &t->cells[i];
        t->dense[c->col] = (struct sheet_cell){c->kind, t->arena + c->off,
                                               c->num};
        n = c->col + 1;
    }
    for (; t->next_fill < t->nfills && t->fills[t->next_fill].row_ix == ix;
         t->next_fill++) {
        const struct fill *f = &t->fills[t->next_fill];
        const struct tcell *c = &t->cells[f->src];
        if (t->dense[f->col].kind != SHEET_EMPTY)
            continue;
        t->dense[f->col] = (struct sheet_cell){c->kind, t->arena + c->off,
                                               c->num};
        if (f->col + 1 > n)
            n = f->col + 1;
    }
    t->dense_n = n;
    row->cells = t->dense;
    row->n = n;
    row->row = r->row;
    return 1;
}
