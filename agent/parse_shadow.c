/* parse_shadow — /etc/shadow, parsed in one wiped buffer. */
#include "parse_shadow.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "rootfs.h"
#include "textfile.h"

#define SH_PATH "/etc/shadow"

static void entry_free(struct shadow_entry *e)
{
    if (e->hash) {
        sodium_memzero(e->hash, strlen(e->hash));
        free(e->hash);
    }
    free(e->name);
    e->hash = e->name = NULL;
}

void shadow_db_free(struct shadow_db *db)
{
    for (size_t i = 0; i < db->n; i++)
        entry_free(&db->v[i]);
    free(db->v);
    nameidx_free(&db->by_name);
    db->v = NULL;
    db->n = 0;
}

const struct shadow_entry *shadow_find(const struct shadow_db *db,
                                       const char *name)
{
    long i = nameidx_find(&db->by_name, name);
    return i < 0 ? NULL : &db->v[i];
}

/* An empty field is -1 (shadow(5): "disabled" / "not set"). */
static int day_field(const char *s, long *out)
{
    unsigned long v;
    if (s[0] == '\0') {
        *out = -1;
        return 0;
    }
    if (textfile_u32(s, 2147483647UL, &v) != 0)
        return TZ_EPARSE;
    *out = (long)v;
    return 0;
}

static int parse_line(char *line, size_t len, long lineno,
                      struct shadow_entry *e, struct warnlist *w)
{
    static const char *const names[] = {
        "", "", "last change", "minimum age", "maximum age", "warning period",
        "inactivity period", "expiration date"};
    if (len > SHADOW_MAX_LINE)
        return warnlist_add(w, SH_PATH, lineno, "line longer than %d bytes",
                            SHADOW_MAX_LINE);
    char *f[9];
    size_t nf = textfile_split(line, ':', f, 9);
    if (nf != 9 && nf != 2)
        return warnlist_add(w, SH_PATH, lineno,
                            "expected 9 fields (name:password:lastchg:min:max:"
                            "warn:inactive:expire:), found %zu", nf);
    if (f[0][0] == '\0')
        return warnlist_add(w, SH_PATH, lineno, "empty user name");
    if (strlen(f[0]) > TZ_MAX_NAME)
        return warnlist_add(w, SH_PATH, lineno, "user name longer than %d bytes",
                            TZ_MAX_NAME);
    long days[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
    for (size_t i = 2; i < 8 && nf == 9; i++)
        if (day_field(f[i], &days[i]) != 0)
            return warnlist_add(w, SH_PATH, lineno,
                                "%s of %s is not a number of days", names[i],
                                f[0]);
    memset(e, 0, sizeof(*e));
    e->name = strdup(f[0]);
    e->hash = strdup(f[1]);
    e->lastchg = days[2];
    e->max_days = days[4];
    e->line = lineno;
    if (!e->name || !e->hash) {
        entry_free(e);
        return TZ_ENOMEM;
    }
    return 1;
}

/* getspnam returns the first of two entries with one name; keep that one. */
static int drop_duplicates(struct shadow_db *db, struct warnlist *w)
{
    int rc = nameidx_build(&db->by_name, db->v, db->n, sizeof(*db->v),
                           offsetof(struct shadow_entry, name));
    if (rc < 0 || db->n == 0)
        return rc;
    unsigned char *dup = malloc(db->n);
    if (dup == NULL)
        return TZ_ENOMEM;
    nameidx_dups(&db->by_name, dup);
    for (size_t i = 0; i < db->n && rc == 0; i++) {
        if (!dup[i])
            continue;
        long first = nameidx_find(&db->by_name, db->v[i].name);
        rc = warnlist_add(w, SH_PATH, db->v[i].line,
                          "user %s already defined at line %ld; this entry "
                          "is ignored", db->v[i].name, db->v[first].line);
    }
    size_t k = 0;
    for (size_t i = 0; i < db->n; i++) {
        if (dup[i])
            entry_free(&db->v[i]);
        else
            db->v[k++] = db->v[i];
    }
    free(dup);
    nameidx_free(&db->by_name);
    db->n = k;
    int rc2 = nameidx_build(&db->by_name, db->v, db->n, sizeof(*db->v),
                            offsetof(struct shadow_entry, name));
    return rc < 0 ? rc : rc2;
}

int parse_shadow(const char *root, struct shadow_db *db, struct warnlist *w,
                 struct tz_error *err)
{
    memset(db, 0, sizeof(*db));
    char path[4096];
    if (tz_path(root, SH_PATH, path, sizeof(path)) != 0)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "root path too long");
    struct textfile tf;
    int rc = textfile_read(path, SHADOW_MAX_BYTES, &tf, err);
    if (rc != 0)
        return rc;
    size_t cap = 0;
    char *line;
    size_t len;
    while (textfile_next(&tf, &line, &len) == 1) {
        if (len == 0 || line[0] == '#' || line[0] == '+' || line[0] == '-')
            continue;
        if (db->n >= SHADOW_MAX_ENTRIES) {
            rc = warnlist_add(w, SH_PATH, tf.lineno,
                              "more than %d entries; the rest is not read",
                              SHADOW_MAX_ENTRIES);
            break;
        }
        if (db->n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct shadow_entry *nv = realloc(db->v, ncap * sizeof(*nv));
            if (nv == NULL) {
                rc = TZ_ENOMEM;
                break;
            }
            db->v = nv;
            cap = ncap;
        }
        rc = parse_line(line, len, tf.lineno, &db->v[db->n], w);
        if (rc < 0)
            break;
        if (rc == 1)
            db->n++;
        rc = 0;
    }
    textfile_free(&tf);
    if (rc >= 0)
        rc = drop_duplicates(db, w);
    if (rc < 0) {
        shadow_db_free(db);
        return tz_err(err, rc, path, 0, "%s", tz_strerror(rc));
    }
    return 0;
}
