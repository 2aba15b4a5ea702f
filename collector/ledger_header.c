/* ledger_header — a header cell as people write it, reduced to the name of
 * a field; the header row found among title rows; two levels read as one. */
#include "ledger_header.h"

#include <string.h>

/* Bytes of blank at p: ASCII whitespace, NBSP, U+3000. */
static size_t blank_at(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    if (*u == ' ' || *u == '\t' || *u == '\r' || *u == '\n')
        return 1;
    if (u[0] == 0xc2 && u[1] == 0xa0)
        return 2;
    if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
        return 3;
    return 0;
}

/* Drop a required mark at either end of s (len *n). */
static void strip_marks(char *s, size_t *n)
{
    static const char *const marks[] = {"*", "＊", NULL};
    for (int again = 1; again;) {
        again = 0;
        for (const char *const *m = marks; *m; m++) {
            size_t k = strlen(*m);
            if (*n >= k && memcmp(s, *m, k) == 0) {
                memmove(s, s + k, *n - k + 1);
                *n -= k;
                again = 1;
            }
            if (*n >= k && memcmp(s + *n - k, *m, k) == 0) {
                *n -= k;
                s[*n] = '\0';
                again = 1;
            }
        }
    }
}

/* s without a trailing "(...)" or "（...）", in place; 0 if it had none. */
static int strip_hint(char *s, size_t *n)
{
    static const char *const pairs[][2] = {{"(", ")"}, {"（", "）"}};
    for (size_t i = 0; i < 2; i++) {
        size_t cl = strlen(pairs[i][1]);
        if (*n <= cl || memcmp(s + *n - cl, pairs[i][1], cl) != 0)
            continue;
        /* the last opening bracket of either kind */
        char *open = NULL;
        for (char *p = s; (p = strstr(p, "(")) != NULL; p++)
            open = p;
        for (char *p = s; (p = strstr(p, "（")) != NULL; p++)
            if (open == NULL || p > open)
                open = p;
        if (open == NULL || open == s)
            return 0;
        *open = '\0';
        *n = (size_t)(open - s);
        return 1;
    }
    return 0;
}

const struct ledger_field *ledger_header_field(const char *cell)
{
    char b[128];
    size_t n = 0;
    for (const char *p = cell; *p;) {
        size_t k = blank_at(p);
        if (k) {
            p += k;
            continue;
        }
        if (n + 1 >= sizeof(b))
            return NULL;   /* longer than any field's name */
        b[n++] = *p++;
    }
    b[n] = '\0';
    strip_marks(b, &n);
    if (n == 0)
        return NULL;
    const struct ledger_field *f = ledger_field_find(b);
    if (f == NULL && strip_hint(b, &n)) {
        strip_marks(b, &n);
        f = n ? ledger_field_find(b) : NULL;
    }
    return f;
}

int ledger_header_is_header(const struct sheet_row *row)
{
    for (size_t i = 0; i < row->n; i++)
        if (row->cells[i].kind == SHEET_TEXT &&
            ledger_header_field(row->cells[i].text))
            return 1;
    return 0;
}

/* Does column i of row name a field? */
static const struct ledger_field *field_at(const struct sheet_row *row,
                                           size_t i)
{
    if (row == NULL || i >= row->n || row->cells[i].kind != SHEET_TEXT)
        return NULL;
    return ledger_header_field(row->cells[i].text);
}

int ledger_header_continues(const struct sheet_row *top,
                            const struct sheet_row *next)
{
    for (size_t i = 0; i < next->n; i++)
        if (field_at(next, i) && !field_at(top, i))
            return 1;
    return 0;
}

static int blank(const char *s)
{
    while (*s) {
        size_t k = blank_at(s);
        if (k == 0)
            return 0;
        s += k;
    }
    return 1;
}

void ledger_header_columns(const struct sheet_row *top,
                           const struct sheet_row *next,
                           struct ledger_columns *cols)
{
    size_t n = top->n;
    if (next && next->n > n)
        n = next->n;
    if (n > LEDGER_HEADER_COLS)
        n = LEDGER_HEADER_COLS;
    cols->n = 0;
    for (size_t i = 0; i < n; i++) {
        const char *t = i < top->n ? top->cells[i].text : "";
        const char *b = next && i < next->n ? next->cells[i].text : "";
        const struct ledger_field *f = field_at(top, i);
        const char *label = t;
        if (f == NULL && next && !blank(b)) {
            f = field_at(next, i);
            label = b;
        }
        cols->f[i] = f;
        cols->label[i] = label;
        if (!blank(label))
            cols->n = i + 1;
    }
    for (size_t i = cols->n; i < LEDGER_HEADER_COLS; i++) {
        cols->f[i] = NULL;
        cols->label[i] = "";
    }
}
