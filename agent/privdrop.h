/* privdrop — become an unprivileged user for good.
 *
 * When the effective uid is 0: set the supplementary groups to the user's
 * primary group only (not initgroups: membership in "shadow" or "adm" would
 * keep exactly what we are dropping), then real/effective/saved gid, then
 * uid (setresgid/setresuid), set no_new_privs, and verify that setuid(0)
 * and setgid(0) now fail and every id is the user's. user NULL or "" means
 * PRIVDROP_DEFAULT_USER. Call it after privsep_start(), before reading configuration
 * files that are not root-owned, and exit if it fails.
 * When not root: a no-op that returns 0 and leaves a note in err->msg
 * (err->code TZ_OK) for the log.
 * Errors: TZ_ENOENT (no such user), TZ_EINVAL (the user has uid 0),
 * TZ_EPERM (a call failed, or root could be regained). */
#ifndef TZ_PRIVDROP_H
#define TZ_PRIVDROP_H

#include "tz_error.h"

/* The agent's own system user (the taizhang-agent package creates it): a
 * user shared with other services, such as nobody, would let them tamper
 * with the agent's spool and seq. */
#define PRIVDROP_DEFAULT_USER "_tzagent"

int privdrop(const char *user, struct tz_error *err);

#endif
