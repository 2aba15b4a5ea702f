/* acct_table — the part of reading passwd, shadow and group that does not
 * depend on their fields: the bounded read, the skipped lines, the entry
 * bound and the first-name-wins rule. */
#include "acct_table.h"

#include <stdlib.h>
#include <string.h>

#include "rootfs.h"
#include "textfile.h"

static char *rec_at(const struct acct_table_spec *s, const struct acct_table *t,
                    size_t i)
{
    return (char *)t->v + i * s->size;
}

/* memcpy, not a cast: a record is only known by its offsets. */
static const char *name_of(const struct acct_table_spec *s,
                           const struct acct_table *t, size_t i)
{
    const char *name;
    memcpy(&name, rec_at(s, t, i) + s->name_off, sizeof(name));
    return name;
}

static long line_of(const struct acct_table_spec *s, const struct acct_table *t,
                    size_t i)
{
    long line;
    memcpy(&line, rec_at(s, t, i) + s->line_off, sizeof(line));
    return line;
}

void acct_table_free(const struct acct_table_spec *spec, struct acct_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        spec->free_rec(rec_at(spec, t, i));
    free(t->v);
    nameidx_free(&t->by_name);
    memset(t, 0, sizeof(*t));
}

/* The libc lookups return the first of two entries with one name; keep that
 * one, so that we judge the account the system actually uses. */
static int drop_duplicates(const struct acct_table_spec *s, struct acct_table *t,
                           struct warnlist *w)
{
    int rc = nameidx_build(&t->by_name, t->v, t->n, s->size, s->name_off);
    if (rc < 0 || t->n == 0)
        return rc;
    unsigned char *dup = malloc(t->n);
    if (dup == NULL)
        return TZ_ENOMEM;
    nameidx_dups(&t->by_name, dup);
    for (size_t i = 0; i < t->n && rc == 0; i++) {
        if (!dup[i])
            continue;
        long first = nameidx_find(&t->by_name, name_of(s, t, i));
        rc = warnlist_add(w, s->path, line_of(s, t, i),
                          "%s %s already defined at line %ld; this entry "
                          "is ignored", s->noun, name_of(s, t, i),
                          line_of(s, t, (size_t)first));
    }
    size_t k = 0;               /* compact only after the index is done with */
    for (size_t i = 0; i < t->n; i++) {
        if (dup[i]) {
            s->free_rec(rec_at(s, t, i));
            continue;
        }
        if (k != i)
            memcpy(rec_at(s, t, k), rec_at(s, t, i), s->size);
        k++;
    }
    free(dup);
    nameidx_free(&t->by_name);
    t->n = k;
    int rc2 = nameidx_build(&t->by_name, t->v, t->n, s->size, s->name_off);
    return rc < 0 ? rc : rc2;
}

/* One line: the length bound, then the caller's parser into the next slot. */
static int add_line(const struct acct_table_spec *s, struct acct_table *t,
                    size_t *cap, char *line, size_t len, long lineno,
                    struct warnlist *w)
{
    if (t->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        void *nv = realloc(t->v, ncap * s->size);
        if (nv == NULL)
            return TZ_ENOMEM;
        t->v = nv;
        *cap = ncap;
    }
    if (len > s->max_line)
        return warnlist_add(w, s->path, lineno, "line longer than %zu bytes",
                            s->max_line);
    int rc = s->parse(line, lineno, rec_at(s, t, t->n), w);
    if (rc == 1)
        t->n++;
    return rc < 0 ? rc : 0;
}

int acct_table_read(const struct acct_table_spec *spec, const char *root,
                    struct acct_table *t, struct warnlist *w,
                    struct tz_error *err)
{
    memset(t, 0, sizeof(*t));
    char path[4096];
    if (tz_path(root, spec->path, path, sizeof(path)) != 0)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "root path too long");
    struct textfile tf;
    int rc = textfile_read_in(root, spec->path, spec->max_bytes, &tf, err);
    if (rc != 0)
        return rc;
    size_t cap = 0;
    char *line;
    size_t len;
    while (rc == 0 && textfile_next(&tf, &line, &len) == 1) {
        if (len == 0 || line[0] == '#' || line[0] == '+' || line[0] == '-')
            continue;
        if (t->n >= spec->max_entries) {
            rc = warnlist_add(w, spec->path, tf.lineno,
                              "more than %zu entries; the rest is not read",
                              spec->max_entries);
            break;
        }
        rc = add_line(spec, t, &cap, line, len, tf.lineno, w);
    }
    textfile_free(&tf);
    if (rc >= 0)
        rc = drop_duplicates(spec, t, w);
    if (rc < 0) {
        acct_table_free(spec, t);
        return tz_err(err, rc, path, 0, "%s", tz_strerror(rc));
    }
    return 0;
}
