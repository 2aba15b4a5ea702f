/* parse_passwd — /etc/passwd into plain structs.
 *
 * A line is name:password:uid:gid:gecos:home:shell. Blank lines, '#'
 * comments and NIS compat lines ("+...", "-...") are skipped as glibc does.
 * A malformed line (wrong field count, empty name, uid/gid not a number,
 * over PASSWD_MAX_LINE bytes) becomes a warning "path:line: reason" in w and
 * is skipped; the rest of the file is still read. A name given twice keeps
 * its first entry (what getpwnam returns) and warns.
 * Ownership: on success *db is the caller's; passwd_db_free() releases it.
 * On error *db is empty.
 * Errors: TZ_ENOENT, TZ_EPERM, TZ_EIO, TZ_ELIMIT (file over PASSWD_MAX_BYTES),
 * TZ_ENOMEM. Over PASSWD_MAX_ENTRIES entries: a warning, the rest unread.
 * Paths: root is the --root directory (NULL for the live system); warnings
 * name the host's own path ("/etc/passwd:3: ..."). */
#ifndef TZ_PARSE_PASSWD_H
#define TZ_PARSE_PASSWD_H

#include <stddef.h>
#include <stdint.h>

#include "nameidx.h"
#include "tz_error.h"
#include "tz_limits.h"
#include "warnlist.h"

#define PASSWD_MAX_BYTES   (16u << 20)
#define PASSWD_MAX_LINE    4096
#define PASSWD_MAX_ENTRIES TZ_MAX_ACCOUNTS

struct passwd_entry {
    char *name;
    char *pw;          /* "x" (see shadow), "", "*", "!", or a legacy hash */
    uint32_t uid, gid;
    char *home;
    char *shell;       /* as written; "" means /bin/sh */
    long line;
};

struct passwd_db {
    struct passwd_entry *v;    /* file order */
    size_t n;
    struct nameidx by_name;
};

int parse_passwd(const char *root, struct passwd_db *db, struct warnlist *w,
                 struct tz_error *err);

/* The entry named name, or NULL. O(log n). */
const struct passwd_entry *passwd_find(const struct passwd_db *db,
                                       const char *name);

/* A shell one can log in with: not ".../nologin" nor ".../false"; an empty
 * shell is /bin/sh and counts. */
int passwd_login_capable(const struct passwd_entry *e);

/* Frees everything; the password fields are wiped first. */
void passwd_db_free(struct passwd_db *db);

#endif
