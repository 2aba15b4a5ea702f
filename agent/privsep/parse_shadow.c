/* parse_shadow — /etc/shadow, parsed in one wiped buffer. */
#include "parse_shadow.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "decimal.h"
#include "acct_table.h"
#include "textfile.h"

#define SH_PATH "/etc/shadow"

static void entry_free(void *rec)
{
    struct shadow_entry *e = rec;
    if (e->hash) {
        sodium_memzero(e->hash, strlen(e->hash));
        free(e->hash);
    }
    free(e->name);
    e->hash = e->name = NULL;
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
    if (tz_decimal(s, 2147483647UL, &v) != 0)
        return TZ_EPARSE;
    *out = (long)v;
    return 0;
}

/* The fields of one line; the rest of the contract is acct_table's. */
static int parse_line(char *line, long lineno, void *rec, struct warnlist *w)
{
    static const char *const names[] = {
        "", "", "last change", "minimum age", "maximum age", "warning period",
        "inactivity period", "expiration date"};
    struct shadow_entry *e = rec;
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

static const struct acct_table_spec shadow_table = {
    .path = SH_PATH,
    .noun = "user",
    .max_bytes = SHADOW_MAX_BYTES,
    .max_line = SHADOW_MAX_LINE,
    .max_entries = SHADOW_MAX_ENTRIES,
    .size = sizeof(struct shadow_entry),
    .name_off = offsetof(struct shadow_entry, name),
    .line_off = offsetof(struct shadow_entry, line),
    .parse = parse_line,
    .free_rec = entry_free,
};

int parse_shadow(const char *root, struct shadow_db *db, struct warnlist *w,
                 struct tz_error *err)
{
    struct acct_table t;
    int rc = acct_table_read(&shadow_table, root, &t, w, err);
    *db = (struct shadow_db){.v = t.v, .n = t.n, .by_name = t.by_name};
    return rc;
}

void shadow_db_free(struct shadow_db *db)
{
    struct acct_table t = {.v = db->v, .n = db->n, .by_name = db->by_name};
    acct_table_free(&shadow_table, &t);
    memset(db, 0, sizeof(*db));
}
