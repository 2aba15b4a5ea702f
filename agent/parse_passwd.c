/* parse_passwd — /etc/passwd, one validated entry per line. */
#include "parse_passwd.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "decimal.h"
#include "acct_table.h"
#include "textfile.h"

#define PW_PATH "/etc/passwd"

static void entry_free(void *rec)
{
    struct passwd_entry *e = rec;
    if (e->pw)
        sodium_memzero(e->pw, strlen(e->pw));
    free(e->name);
    free(e->pw);
    free(e->home);
    free(e->shell);
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

/* The fields of one line; the rest of the contract is acct_table's. */
static int parse_line(char *line, long lineno, void *rec, struct warnlist *w)
{
    struct passwd_entry *e = rec;
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
    if (tz_decimal(f[2], 4294967294UL, &uid) != 0)
        return warnlist_add(w, PW_PATH, lineno, "uid of %s is not a number",
                            f[0]);
    if (tz_decimal(f[3], 4294967294UL, &gid) != 0)
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

static const struct acct_table_spec passwd_table = {
    .path = PW_PATH,
    .noun = "user",
    .max_bytes = PASSWD_MAX_BYTES,
    .max_line = PASSWD_MAX_LINE,
    .max_entries = PASSWD_MAX_ENTRIES,
    .size = sizeof(struct passwd_entry),
    .name_off = offsetof(struct passwd_entry, name),
    .line_off = offsetof(struct passwd_entry, line),
    .parse = parse_line,
    .free_rec = entry_free,
};

int parse_passwd(const char *root, struct passwd_db *db, struct warnlist *w,
                 struct tz_error *err)
{
    struct acct_table t;
    int rc = acct_table_read(&passwd_table, root, &t, w, err);
    *db = (struct passwd_db){.v = t.v, .n = t.n, .by_name = t.by_name};
    return rc;
}

void passwd_db_free(struct passwd_db *db)
{
    struct acct_table t = {.v = db->v, .n = db->n, .by_name = db->by_name};
    acct_table_free(&passwd_table, &t);
    memset(db, 0, sizeof(*db));
}
