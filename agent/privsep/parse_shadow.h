/* parse_shadow — /etc/shadow into plain structs, for the privileged side.
 *
 * A line is name:hash:lastchg:min:max:warn:inactive:expire:reserved (9
 * fields); the old 2-field "name:hash" form is accepted too, as glibc does.
 * Only name, hash, lastchg and max are kept. Blank lines, '#' comments and
 * NIS compat lines are skipped. A malformed line (field count, empty name,
 * a number that is not one, over SHADOW_MAX_LINE bytes) becomes a warning
 * "path:line: reason" and is skipped; the rest of the file is still read.
 * Warnings never quote a hash. A name given twice keeps the first entry.
 *
 * Secrets: the file buffer is wiped after parsing and shadow_db_free() wipes
 * every hash; hashes never leave the process that called this.
 * Ownership: on success *db is the caller's; free with shadow_db_free().
 * Errors: TZ_ENOENT, TZ_EPERM (not root), TZ_EIO, TZ_ELIMIT (file over
 * SHADOW_MAX_BYTES), TZ_ENOMEM. Over SHADOW_MAX_ENTRIES: warning, rest unread. */
#ifndef TZ_PARSE_SHADOW_H
#define TZ_PARSE_SHADOW_H

#include <stddef.h>

#include "nameidx.h"
#include "tz_error.h"
#include "tz_limits.h"
#include "warnlist.h"

#define SHADOW_MAX_BYTES   (16u << 20)
#define SHADOW_MAX_LINE    4096
#define SHADOW_MAX_ENTRIES TZ_MAX_ACCOUNTS

struct shadow_entry {
    char *name;
    char *hash;        /* "", "!...", "*", or a crypt(3) hash */
    long lastchg;      /* days since 1970-01-01; -1 when empty */
    long max_days;     /* -1 when empty */
    long line;
};

struct shadow_db {
    struct shadow_entry *v;   /* file order */
    size_t n;
    struct nameidx by_name;
};

int parse_shadow(const char *root, struct shadow_db *db, struct warnlist *w,
                 struct tz_error *err);

const struct shadow_entry *shadow_find(const struct shadow_db *db,
                                       const char *name);

void shadow_db_free(struct shadow_db *db);

#endif
