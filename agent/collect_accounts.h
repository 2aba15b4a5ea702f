/* collect_accounts — the accounts section: who can log in, with what kind of
 * password, who is an administrator, who may sudo without a password.
 *
 * The unprivileged part reads <root>/etc/passwd and /etc/group itself (both
 * world-readable). The privileged part — /etc/shadow, sudoers, crypt(3) on
 * every login-capable account's hash (acct_audit) — runs in the privsep
 * child when ps is given, with the root, limits and dictionary fixed there
 * (privsep_fix: root, lim and dict_path are then not used for it), and IN
 * THIS PROCESS when ps is NULL (tests and fuzzers): then this process opens
 * /etc/shadow.
 *
 * Per account (passwd order): uid, gid, home, shell, login_capable (shell not
 * .../nologin nor .../false; empty = /bin/sh), password state, weak reason
 * ("matches username", "username variant", "dictionary" — never the
 * password), days since change, max days, admin_groups (of admin, sudo,
 * wheel — as listed members or as primary group — in that order),
 * nopasswd_rules (the sudoers rules verbatim, bounded), weak_check_cut.
 * Without a verdict (no shadow entry, audit failed) the state comes from
 * the passwd field: "x" unknown, "" empty, "*"/"!..." locked, other unknown.
 * Section: uid0_accounts (every uid-0 name), weak_check_ran/_cut,
 * weak_check_failed with weak_check_error (the audit failed: with ps, the
 * helper's worker died, hung or answered an error, or the helper is gone;
 * every state then comes from passwd),
 * weak_candidates (most candidates tried on one account), warnings
 * ("path:line: reason" for malformed passwd/shadow/group/sudoers lines;
 * "shadow not readable: password states unknown (run as root)"; a failed
 * audit). All strings are valid UTF-8 and within tz_limits.h.
 *
 * Ownership: on success *out is the caller's; free it with
 * protobuf_c_message_free_unpacked(&(*out)->base, NULL). On error *out is
 * untouched and nothing is leaked.
 * Errors: those of parse_passwd (TZ_ENOENT: no /etc/passwd, TZ_EPERM,
 * TZ_EIO, TZ_ELIMIT), TZ_ENOMEM. Everything else is a warning.
 * lim NULL: weakpw defaults. dict_path NULL: username checks only (warned). */
#ifndef TZ_COLLECT_ACCOUNTS_H
#define TZ_COLLECT_ACCOUNTS_H

#include "privsep.h"
#include "taizhang.pb-c.h"
#include "tz_error.h"
#include "weakpw.h"

int collect_accounts(const char *root, struct privsep *ps,
                     const struct weakpw_limits *lim, const char *dict_path,
                     Tz__AccountsSection **out, struct tz_error *err);

#endif
