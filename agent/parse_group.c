/* parse_group — /etc/group, one validated entry per line. */
#include "parse_group.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "acct_table.h"
#include "rootfs.h"
#include "textfile.h"

#define GR_PATH "/etc/group"

static void entry_free(void *rec)
{
    struct group_entry *e = rec;
    for (size_t i = 0; i < e->n_members; i++)
        free(e->members[i]);
    free(e->members);
    free(e->name);
    memset(e, 0, sizeof(*e));
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

/* The fields of one line; the rest of the contract is acct_table's. */
static int parse_line(char *line, long lineno, void *rec, struct warnlist *w)
{
    struct group_entry *e = rec;
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
    if (tz_decimal(f[2], 4294967294UL, &gid) != 0)
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

static const struct acct_table_spec group_table = {
    .path = GR_PATH,
    .noun = "group",
    .max_bytes = GROUP_MAX_BYTES,
    .max_line = GROUP_MAX_LINE,
    .max_entries = GROUP_MAX_ENTRIES,
    .size = sizeof(struct group_entry),
    .name_off = offsetof(struct group_entry, name),
    .line_off = offsetof(struct group_entry, line),
    .parse = parse_line,
    .free_rec = entry_free,
};

int parse_group(const char *root, struct group_db *db, struct warnlist *w,
                struct tz_error *err)
{
    struct acct_table t;
    int rc = acct_table_read(&group_table, root, &t, w, err);
    *db = (struct group_db){.v = t.v, .n = t.n, .by_name = t.by_name};
    return rc;
}

void group_db_free(struct group_db *db)
{
    struct acct_table t = {.v = db->v, .n = db->n, .by_name = db->by_name};
    acct_table_free(&group_table, &t);
    memset(db, 0, sizeof(*db));
}
