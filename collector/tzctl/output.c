/* output — one table model, three renderings (table, CSV, JSON), so every
 * tzctl listing behaves the same in a terminal, a spreadsheet and a script. */
#include "output.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "cell_guard.h"
#include "tz_error.h"
#include "utf8.h"
#include "value_words.h"

struct out_table {
    const struct out_col *cols;
    size_t ncols;
    char **cells;  /* nrows * ncols, row-major */
    size_t nrows, cap;
};

static int words_zh;

void out_set_zh(int zh)
{
    words_zh = zh != 0;
}

int out_zh(void)
{
    return words_zh;
}

int out_format_parse(const char *s, enum out_format *f)
{
    if (strcmp(s, "table") == 0)
        *f = OUT_TABLE;
    else if (strcmp(s, "csv") == 0)
        *f = OUT_CSV;
    else if (strcmp(s, "json") == 0)
        *f = OUT_JSON;
    else
        return TZ_EINVAL;
    return 0;
}

struct out_table *out_new(const struct out_col *cols, size_t ncols)
{
    struct out_table *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->cols = cols;
    t->ncols = ncols;
    return t;
}

int out_add(struct out_table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **c = realloc(t->cells, cap * t->ncols * sizeof(char *));
        if (c == NULL)
            return TZ_ENOMEM;
        t->cells = c;
        t->cap = cap;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) {
        row[i] = strdup(cells[i] ? cells[i] : "");
        if (row[i] == NULL) {
            while (i-- > 0)
                free(row[i]);
            return TZ_ENOMEM;
        }
    }
    t->nrows++;
    return 0;
}

void out_free(struct out_table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}

/* Decode one UTF-8 character; 0 when s does not start a valid one. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    unsigned c = s[0];
    size_t n;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        *cp = c & 0x1f;
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        *cp = c & 0x0f;
        n = 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
        *cp = c & 0x07;
        n = 4;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && *cp < 0x800) || (n == 4 && *cp < 0x10000) ||
        *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
        return 0;
    return n;
}

/* East Asian Wide and Fullwidth ranges (Unicode UAX #11, abridged). */
static int cp_width(uint32_t cp)
{
    if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f) ||
        (cp >= 0xfe00 && cp <= 0xfe0f))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
        (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
        (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
        (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

size_t out_width(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t w = 0;
    while (*p) {
        uint32_t cp;
        size_t n = utf8_next(p, &cp);
        if (n == 0) {
            w++;
            p++;
            continue;
        }
        w += (size_t)cp_width(cp);
        p += n;
    }
    return w;
}

char *out_cut(const char *cell, size_t cols)
{
    char *s = out_sanitize(cell ? cell : "", NULL);
    if (s == NULL || out_width(s) <= cols)
        return s;
    const unsigned char *p = (const unsigned char *)s;
    size_t w = 0;
    /* room for the "…" (one column, three bytes) */
    while (*p) {
        uint32_t cp;
        size_t n = utf8_next(p, &cp), cw = n ? (size_t)cp_width(cp) : 1;
        if (w + cw > cols - 1)
            break;
        w += cw;
        p += n ? n : 1;
    }
    size_t len = (size_t)(p - (const unsigned char *)s);
    char *out = malloc(len + 4);
    if (out) {
        memcpy(out, s, len);
        memcpy(out + len, "\xe2\x80\xa6", 4);
    }
    free(s);
    return out;
}

size_t out_rows(const struct out_table *t)
{
    return t->nrows;
}

char *out_sanitize(const char *s, const char *keep)
{
    return tz_text_escape(s, keep);
}

static int write_table(const struct out_table *t, FILE *fp)
{
    size_t n = (t->nrows + 1) * t->ncols;
    char **shown = calloc(n, sizeof(char *));
    size_t *width = calloc(t->ncols, sizeof(size_t));
    int rc = 0;
    if (shown == NULL || width == NULL) {
        rc = TZ_ENOMEM;
        goto out;
    }
    for (size_t r = 0; r <= t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = r == 0 ? t->cols[c].title
                                      : t->cells[(r - 1) * t->ncols + c];
            if (r == 0 && words_zh && t->cols[c].title_zh)
                cell = t->cols[c].title_zh;
            if (r > 0 && t->cols[c].kind == OUT_WORD)
                cell = value_word(cell, words_zh);
            char *s = out_sanitize(cell[0] ? cell : "-", NULL);
            if (s == NULL) {
                rc = TZ_ENOMEM;
                goto out;
            }
            shown[r * t->ncols + c] = s;
            size_t w = out_width(s);
            if (w > width[c])
                width[c] = w;
        }
    }
    for (size_t r = 0; r <= t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = shown[r * t->ncols + c];
            fputs(s, fp);
            if (c + 1 == t->ncols)
                break;
            /* pad to the column, plus two spaces between columns */
            for (size_t k = out_width(s); k < width[c] + 2; k++)
                fputc(' ', fp);
        }
        fputc('\n', fp);
    }
out:
    if (shown)
        for (size_t i = 0; i < n; i++)
            free(shown[i]);
    free(shown);
    free(width);
    if (rc == 0 && ferror(fp))
        rc = TZ_EIO;
    return rc;
}

/* One CSV cell. A text cell that a spreadsheet would take for a formula
 * gets an apostrophe in front (cell_guard.h), and is then always quoted. */
static void csv_field(const char *s, enum out_kind kind, FILE *fp)
{
    int guard = kind != OUT_NUM && cell_needs_guard(s);
    if (!guard && strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    if (guard)
        fputc('\'', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

static int write_csv(const struct out_table *t, FILE *fp)
{
    for (size_t r = 0; r <= t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            if (c)
                fputc(',', fp);
            if (r == 0)
                csv_field(t->cols[c].key, OUT_STR, fp);
            else
                csv_field(t->cells[(r - 1) * t->ncols + c], t->cols[c].kind, fp);
        }
        fputs("\r\n", fp);
    }
    return ferror(fp) ? TZ_EIO : 0;
}

static cJSON *json_cell(enum out_kind kind, const char *s)
{
    if (kind == OUT_NUM) {
        if (s[0] == '\0')
            return cJSON_CreateNull();
        return cJSON_CreateNumber(strtod(s, NULL));
    }
    if (kind == OUT_STR || kind == OUT_WORD)
        return cJSON_CreateString(s);
    cJSON *arr = cJSON_CreateArray();
    for (const char *p = s; arr && *p;) {
        size_t n = strcspn(p, ",");
        char *item = strndup(p, n);
        cJSON *j = item ? cJSON_CreateString(item) : NULL;
        free(item);
        if (j == NULL) {
            cJSON_Delete(arr);
            return NULL;
        }
        cJSON_AddItemToArray(arr, j);
        p += n;
        if (*p == ',')
            p++;
    }
    return arr;
}

static int write_json(const struct out_table *t, FILE *fp)
{
    cJSON *arr = cJSON_CreateArray();
    if (arr == NULL)
        return TZ_ENOMEM;
    for (size_t r = 0; r < t->nrows; r++) {
        cJSON *obj = cJSON_CreateObject();
        if (obj == NULL)
            goto oom;
        cJSON_AddItemToArray(arr, obj);
        for (size_t c = 0; c < t->ncols; c++) {
            cJSON *v = json_cell(t->cols[c].kind, t->cells[r * t->ncols + c]);
            if (v == NULL)
                goto oom;
            cJSON_AddItemToObject(obj, t->cols[c].key, v);
        }
    }
    char *s = cJSON_Print(arr);
    cJSON_Delete(arr);
    if (s == NULL)
        return TZ_ENOMEM;
    fputs(s, fp);
    fputc('\n', fp);
    free(s);
    return ferror(fp) ? TZ_EIO : 0;
oom:
    cJSON_Delete(arr);
    return TZ_ENOMEM;
}

int out_write(const struct out_table *t, enum out_format f, FILE *fp)
{
    switch (f) {
    case OUT_TABLE: return write_table(t, fp);
    case OUT_CSV: return write_csv(t, fp);
    case OUT_JSON: return write_json(t, fp);
    }
    return TZ_EINVAL;
}

static int print_json(struct cJSON *o, int wipe)
{
    char *s = o ? cJSON_Print(o) : NULL;
    cJSON_Delete(o);
    if (s == NULL)
        return TZ_ENOMEM;
    puts(s);
    if (wipe)
        sodium_memzero(s, strlen(s));
    cJSON_free(s);
    return 0;
}

int out_print_json(struct cJSON *o)
{
    return print_json(o, 0);
}

int out_print_json_secret(struct cJSON *o)
{
    return print_json(o, 1);
}
