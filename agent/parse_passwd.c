/* parse_passwd — /etc/passwd, one validated entry per line. */
#include "parse_passwd.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "rootfs.h"
#include "textfile.h"

#define PW_PATH "/etc/passwd"

static void entry_free(struct passwd_entry *e)
{
    if (e->pw)
        sodium_memzero(e->pw, strlen(e->pw));
    free(e->name);
    free(e->pw);
    free(e->home);
    free(e->shell);
}

void passwd_db_free(struct passwd_db *db)
{
    for (size_t i = 0; i < db->n; i++)
        entry_free(&db->v[i]);
    free(db->v);
    nameidx_free(&db->by_name);
    db->v = NULL;
    db->n = 0;
}

const struct passwd_entry *passwd_find(const struct passwd_db *db,
                                       const char *name)
{
    long i = nameidx_find(&db->by_name, name);
    return i < 0 ? NULL : &db->v[i];
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int passwd_login_capable(const struct passwd_entry *e)
{
    const char *sh = e->shell;
    if (sh[0] == '\0')
        return 1;
    return !(ends_with(sh, "/nologin") || ends_with(sh, "/false") ||
             strcmp(sh, "nologin") == 0 || strcmp(sh, "false") == 0);
}

/* Parse one line into e; 1 = entry, 0 = skipped (warned), <0 = error. */
static int parse_line(char *line, size_t len, long lineno,
                      struct passwd_entry *e, struct warnlist *w)
{
    if (len > PASSWD_MAX_LINE)
        return warnlist_add(w, PW_PATH, lineno, "line longer than %d bytes",
                            PASSWD_MAX_LINE);
    char *f[7];
    size_t nf = textfile_split(line, ':', f, 7);
    if (nf != 7)
        return warnlist_add(w, PW_PATH, lineno,
                            "expected 7 fields (name:password:uid:gid:gecos:"
                            "home:shell), found %zu", nf);
    if (f[0][0] == '\0')
        return warnlist_add(w, PW_PATH, lineno, "empty user name");
    if (strlen(f[0]) > TZ_MAX_NAME)
        return warnlist_add(w, PW_PATH, lineno, "user name longer than %d bytes",
                            TZ_MAX_NAME);
    unsigned long uid, gid;
    /* 4294967295 is (uid_t)-1, "no user"; the kernel refuses it. */
    if (textfile_u32(f[2], 4294967294UL, &uid) != 0)
        return warnlist_add(w, PW_PATH, lineno, "uid of %s is not a number",
                            f[0]);
    if (textfile_u32(f[3], 4294967294UL, &gid) != 0)
        return warnlist_add(w, PW_PATH, lineno, "gid of %s is not a number",
                            f[0]);
    memset(e, 0, sizeof(*e));
    e->name = strdup(f[0]);
    e->pw = strdup(f[1]);
    e->home = strdup(f[5]);
    e->shell = strdup(f[6]);
    e->uid = (uint32_t)uid;
    e->gid = (uint32_t)gid;
    e->line = lineno;
    if (!e->name || !e->pw || !e->home || !e->shell) {
        entry_free(e);
        return TZ_ENOMEM;
    }
    return 1;
}

/* getpwnam returns the first of two entries with one name; keep that one. */
static int drop_duplicates(struct passwd_db *db, struct warnlist *w)
{
    int rc = nameidx_build(&db->by_name, db->v, db->n, sizeof(*db->v),
                           offsetof(struct passwd_entry, name));
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
        rc = warnlist_add(w, PW_PATH, db->v[i].line,
                          "user %s already defined at line %ld; this entry "
                          "is ignored", db->v[i].name, db->v[first].line);
    }
    size_t k = 0;               /* compact only after the index is done with */
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
                            offsetof(struct passwd_entry, name));
    return rc < 0 ? rc : rc2;
}

int parse_passwd(const char *root, struct passwd_db *db, struct warnlist *w,
                 struct tz_error *err)
{
    memset(db, 0, sizeof(*db));
    char path[4096];
    if (tz_path(root, PW_PATH, path, sizeof(path)) != 0)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "root path too long");
    struct textfile tf;
    int rc = textfile_read(path, PASSWD_MAX_BYTES, &tf, err);
    if (rc != 0)
        return rc;
    size_t cap = 0;
    char *line;
    size_t len;
    while (textfile_next(&tf, &line, &len) == 1) {
        if (len == 0 || line[0] == '#' || line[0] == '+' || line[0] == '-')
            continue;
        if (db->n >= PASSWD_MAX_ENTRIES) {
            rc = warnlist_add(w, PW_PATH, tf.lineno,
                              "more than %d entries; the rest is not read",
                              PASSWD_MAX_ENTRIES);
            break;
        }
        if (db->n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct passwd_entry *nv = realloc(db->v, ncap * sizeof(*nv));
            if (nv == NULL) {
                rc = TZ_ENOMEM;
                break;
            }
            db->v = nv;
            cap = ncap;
        }
        struct passwd_entry *e = &db->v[db->n];
        rc = parse_line(line, len, tf.lineno, e, w);
        if (rc < 0)
            break;
        if (rc == 0)
            continue;
        rc = 0;
        db->n++;
    }
    textfile_free(&tf);
    if (rc >= 0)
        rc = drop_duplicates(db, w);
    if (rc < 0) {
        passwd_db_free(db);
        return tz_err(err, rc, path, 0, "%s", tz_strerror(rc));
    }
    return 0;
}
