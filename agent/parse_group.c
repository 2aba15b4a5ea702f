/* parse_group — /etc/group, one validated entry per line. */
#include "parse_group.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rootfs.h"
#include "textfile.h"

#define GR_PATH "/etc/group"

static void entry_free(struct group_entry *e)
{
    for (size_t i = 0; i < e->n_members; i++)
        free(e->members[i]);
    free(e->members);
    free(e->name);
    memset(e, 0, sizeof(*e));
}

void group_db_free(struct group_db *db)
{
    for (size_t i = 0; i < db->n; i++)
        entry_free(&db->v[i]);
    free(db->v);
    nameidx_free(&db->by_name);
    db->v = NULL;
    db->n = 0;
}

const struct group_entry *group_find(const struct group_db *db,
                                     const char *name)
{
    long i = nameidx_find(&db->by_name, name);
    return i < 0 ? NULL : &db->v[i];
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int group_has_user(const struct group_entry *g, const char *user,
                   uint32_t primary_gid)
{
    if (g->gid == primary_gid)
        return 1;
    return g->n_members &&
           bsearch(&user, g->members, g->n_members, sizeof(*g->members),
                   cmp_str) != NULL;
}

static int parse_line(char *line, size_t len, long lineno,
                      struct group_entry *e, struct warnlist *w)
{
    if (len > GROUP_MAX_LINE)
        return warnlist_add(w, GR_PATH, lineno, "line longer than %u bytes",
                            GROUP_MAX_LINE);
    char *f[4];
    size_t nf = textfile_split(line, ':', f, 4);
    if (nf != 4)
        return warnlist_add(w, GR_PATH, lineno,
                            "expected 4 fields (name:password:gid:members), "
                            "found %zu", nf);
    if (f[0][0] == '\0')
        return warnlist_add(w, GR_PATH, lineno, "empty group name");
    if (strlen(f[0]) > TZ_MAX_NAME)
        return warnlist_add(w, GR_PATH, lineno,
                            "group name longer than %d bytes", TZ_MAX_NAME);
    unsigned long gid;
    if (textfile_u32(f[2], 4294967294UL, &gid) != 0)
        return warnlist_add(w, GR_PATH, lineno, "gid of group %s is not a "
                            "number", f[0]);
    size_t commas = 0;
    for (const char *s = f[3]; *s; s++)
        commas += *s == ',';
    if (commas + 1 > GROUP_MAX_MEMBERS)
        return warnlist_add(w, GR_PATH, lineno,
                            "group %s has more than %d members", f[0],
                            GROUP_MAX_MEMBERS);
    memset(e, 0, sizeof(*e));
    e->gid = (uint32_t)gid;
    e->line = lineno;
    if ((e->name = strdup(f[0])) == NULL)
        return TZ_ENOMEM;
    if (f[3][0] != '\0') {
        e->members = calloc(commas + 1, sizeof(*e->members));
        if (e->members == NULL) {
            entry_free(e);
            return TZ_ENOMEM;
        }
        char *save = NULL;
        for (char *m = strtok_r(f[3], ",", &save); m;
             m = strtok_r(NULL, ",", &save)) {
            m = tz_trim(m);
            if (m[0] == '\0')
                continue;
            if ((e->members[e->n_members] = strdup(m)) == NULL) {
                entry_free(e);
                return TZ_ENOMEM;
            }
            e->n_members++;
        }
        /* sorted so that membership is a binary search, not a scan */
        qsort(e->members, e->n_members, sizeof(*e->members), cmp_str);
    }
    return 1;
}

static int drop_duplicates(struct group_db *db, struct warnlist *w)
{
    int rc = nameidx_build(&db->by_name, db->v, db->n, sizeof(*db->v),
                           offsetof(struct group_entry, name));
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
        rc = warnlist_add(w, GR_PATH, db->v[i].line,
                          "group %s already defined at line %ld; this entry "
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
                            offsetof(struct group_entry, name));
    return rc < 0 ? rc : rc2;
}

int parse_group(const char *root, struct group_db *db, struct warnlist *w,
                struct tz_error *err)
{
    memset(db, 0, sizeof(*db));
    char path[4096];
    if (tz_path(root, GR_PATH, path, sizeof(path)) != 0)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "root path too long");
    struct textfile tf;
    int rc = textfile_read(path, GROUP_MAX_BYTES, &tf, err);
    if (rc != 0)
        return rc;
    size_t cap = 0;
    char *line;
    size_t len;
    while (textfile_next(&tf, &line, &len) == 1) {
        if (len == 0 || line[0] == '#' || line[0] == '+' || line[0] == '-')
            continue;
        if (db->n >= GROUP_MAX_ENTRIES) {
            rc = warnlist_add(w, GR_PATH, tf.lineno,
                              "more than %d entries; the rest is not read",
                              GROUP_MAX_ENTRIES);
            break;
        }
        if (db->n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct group_entry *nv = realloc(db->v, ncap * sizeof(*nv));
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
        group_db_free(db);
        return tz_err(err, rc, path, 0, "%s", tz_strerror(rc));
    }
    return 0;
}
