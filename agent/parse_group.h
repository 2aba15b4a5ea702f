/* parse_group — /etc/group into plain structs.
 *
 * A line is name:password:gid:member,member,... Blank lines, '#' comments
 * and NIS compat lines are skipped. A malformed line (field count, empty
 * name, gid not a number, over GROUP_MAX_LINE bytes, more than
 * GROUP_MAX_MEMBERS members) is a warning "path:line: reason" and skipped;
 * the rest of the file is still read. A name given twice keeps the first.
 * Ownership: on success *db is the caller's; free with group_db_free().
 * Errors: TZ_ENOENT, TZ_EPERM, TZ_EIO, TZ_ELIMIT (file over GROUP_MAX_BYTES),
 * TZ_ENOMEM. Over GROUP_MAX_ENTRIES: a warning, the rest unread. */
#ifndef TZ_PARSE_GROUP_H
#define TZ_PARSE_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "nameidx.h"
#include "tz_error.h"
#include "tz_limits.h"
#include "warnlist.h"

#define GROUP_MAX_BYTES    (16u << 20)
#define GROUP_MAX_LINE     (256u << 10)
#define GROUP_MAX_ENTRIES  TZ_MAX_ACCOUNTS
#define GROUP_MAX_MEMBERS  65536

struct group_entry {
    char *name;
    uint32_t gid;
    char **members;    /* sorted; empty members ("a,,b") are dropped */
    size_t n_members;
    long line;
};

struct group_db {
    struct group_entry *v;   /* file order */
    size_t n;
    struct nameidx by_name;
};

int parse_group(const char *root, struct group_db *db, struct warnlist *w,
                struct tz_error *err);

const struct group_entry *group_find(const struct group_db *db,
                                     const char *name);

/* 1 when user is a member of g: listed in it, or g is its primary group.
 * O(log members). */
int group_has_user(const struct group_entry *g, const char *user,
                   uint32_t primary_gid);

void group_db_free(struct group_db *db);

#endif
