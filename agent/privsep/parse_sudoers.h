/* parse_sudoers — which sudoers rules grant NOPASSWD, and to whom.
 *
 * Reads <root>/etc/sudoers and what it includes: "#include FILE" /
 * "@include FILE" (a relative FILE is relative to the including file's
 * directory, as in sudo >= 1.9.1) and "#includedir DIR" / "@includedir DIR"
 * (the files of DIR whose names neither end in '~' nor contain '.', in
 * strcmp order, as sudo does; a missing DIR is ignored, as sudo does).
 * Backslash-newline joins lines; '#' starts a comment unless a digit follows
 * ("#1000" is a uid) or it opens an include directive.
 *
 * Understood: User_Alias (kept for matching), the other *_Alias kinds (names
 * remembered so "CMDS:" is not taken for a tag), user specifications
 * "users hosts = [(runas)] [TAG:]... cmnd, ... [: hosts = ...]" with their
 * user list and whether any NOPASSWD tag appears. Ignored: Defaults lines of
 * every kind (so "Defaults:bob !authenticate" is NOT reported as NOPASSWD),
 * runas and host matching (a rule counts whatever host it names).
 * A malformed line is a warning "path:line: reason" (path as on the host,
 * without --root) and parsing goes on with the next line; sudo itself would
 * refuse the whole file, which is a finding in itself.
 *
 * Ownership: on success *s is the caller's; free with sudoers_free().
 * Errors: TZ_ENOENT (no /etc/sudoers: no sudo), TZ_EPERM (not readable:
 * not root), TZ_EIO, TZ_ELIMIT (/etc/sudoers over SUDOERS_MAX_BYTES),
 * TZ_ENOMEM. The same problems in an included file are warnings.
 * Bounds: SUDOERS_MAX_DEPTH include levels, SUDOERS_MAX_FILES files,
 * SUDOERS_MAX_BYTES per file, SUDOERS_MAX_LINE per joined line,
 * SUDOERS_MAX_RULES rules, SUDOERS_MAX_ALIASES aliases, SUDOERS_MAX_ITEMS
 * per list; each past-the-bound is a warning. Rule text is kept as written
 * (a joined line, comment removed, each run of blanks one space: the
 * collector refuses a tab) up to SUDOERS_MAX_TEXT bytes, then "...". */
#ifndef TZ_PARSE_SUDOERS_H
#define TZ_PARSE_SUDOERS_H

#include <stddef.h>
#include <stdint.h>

#include "parse_group.h"
#include "tz_error.h"
#include "warnlist.h"

#define SUDOERS_MAX_DEPTH   8
#define SUDOERS_MAX_FILES   256
#define SUDOERS_MAX_BYTES   (1u << 20)
#define SUDOERS_MAX_LINE    (64u << 10)
#define SUDOERS_MAX_RULES   4096
#define SUDOERS_MAX_ALIASES 1024
#define SUDOERS_MAX_ITEMS   256
#define SUDOERS_MAX_TEXT    1024
/* Matching steps (list items looked at) for one sudoers_rule_applies call
 * chain; see sudoers_rule_applies. */
#define SUDOERS_MATCH_BUDGET 10000000UL

struct sudo_member {
    char *name;        /* "bob", "#1000", "%sudo", "%#27", "ALL", "ADMINS" */
    int negated;
};

enum sudo_alias_kind { SUDO_USER_ALIAS, SUDO_RUNAS_ALIAS, SUDO_HOST_ALIAS,
                       SUDO_CMND_ALIAS };

struct sudo_alias {
    char *name;
    enum sudo_alias_kind kind;
    struct sudo_member *m;     /* members, User_Alias only */
    size_t n;
};

struct sudo_rule {
    char *text;                /* as written, blanks squeezed, bounded */
    struct sudo_member *users;
    size_t n_users;
    int nopasswd;              /* a NOPASSWD tag appears in it */
    char *file;                /* host path of the file it is in */
    long line;                 /* its first line */
};

struct sudoers {
    struct sudo_alias *aliases;
    size_t n_aliases;
    struct sudo_rule *rules;
    size_t n_rules;
    size_t n_files;            /* files read, /etc/sudoers included */
};

int parse_sudoers(const char *root, struct sudoers *s, struct warnlist *w,
                  struct tz_error *err);

/* Who is asking: a user, its uid and primary gid, and the group database for
 * %group items (NULL: only the primary gid counts for %#gid). */
struct sudo_user {
    const char *name;
    uint32_t uid, gid;
    const struct group_db *groups;
};

/* 1 when r's user list matches u (sudo semantics: the last matching item
 * decides, "!item" denies; User_Alias resolved up to SUDOERS_MAX_DEPTH
 * levels; %:group and +netgroup never match), 0 when not. *budget counts
 * the items looked at down; TZ_ELIMIT when it runs out. */
int sudoers_rule_applies(const struct sudoers *s, const struct sudo_rule *r,
                         const struct sudo_user *u, unsigned long *budget);

void sudoers_free(struct sudoers *s);

#endif
