/* privsep — the agent's side of its root-only helper, OpenBSD style.
 *
 * privsep_start() forks the helper EARLY, while the agent is still root and
 * before it has read a configuration, a key or a byte from the network. The
 * helper's code, and everything that runs as root, is in agent/privsep/;
 * agent/privsep/privsep_child.h says what crosses into it and what it does
 * with it: it fixes root, dictionary and limits once (privsep_fix, before
 * the agent drops root), confines itself (a file allow-list and a seccomp
 * filter, agent/privsep/confine.h), and then serves only audits, which name
 * nothing, and root facts, which name socket inodes. Its work is done by a
 * worker it forks and replaces when one fails, so one failed ask does not
 * end the account checks of a daemon that can no longer fork a root
 * process: that ask fails with TZ_EIO or TZ_ETIMEOUT and says why, the next
 * one is served.
 *
 * The agent then drops privileges (privdrop) and never opens /etc/shadow
 * or sudoers itself. It trusts nothing it receives: privsep_msg's decoder
 * checks every count, length and value; a malformed answer (which the
 * supervisor has checked already, so only a broken supervisor sends one),
 * a closed socket or a supervisor silent past its own deadline +
 * PRIVSEP_RELAY_MS kills the helper and fails this and every later ask (it
 * cannot be restarted after privileges are dropped; the caller reports the
 * accounts section as failed, and the collector flags a host whose checks
 * keep failing, ACCOUNT_CHECK_FAILED).
 *
 * When the agent is not root the helper simply runs as the same user:
 * shadow below a --root fixture may still be readable, the live one is not
 * (the audit then says "shadow not readable").
 *
 * Ownership: *out is the caller's until privsep_stop(), which closes the
 * socket, waits for the helper (killing it after PRIVSEP_STOP_MS) and reaps
 * it: no zombie is left. Errors: TZ_EIO (socketpair/fork), TZ_ENOMEM. */
#ifndef TZ_PRIVSEP_H
#define TZ_PRIVSEP_H

#include <sys/types.h>

#include "acct_audit.h"
#include "proc_owners.h"
#include "rootfacts.h"
#include "tz_error.h"
#include "weakpw.h"

#define PRIVSEP_SLACK_MS 60000   /* parsing and I/O beyond the crypt budget */
#define PRIVSEP_RELAY_MS 10000   /* the supervisor's own answer, on top */
#define PRIVSEP_STOP_MS  2000

struct privsep;

int privsep_start(struct privsep **out, struct tz_error *err);

/* Fix, once and before privileges are dropped, what every account audit
 * will use: root (NULL: the live system), limits (NULL or 0 fields: the
 * weakpw defaults) and dictionary (NULL: none). Relative paths are made
 * absolute here. The helper reads the dictionary now and confines itself;
 * it refuses a second fix, and every ask before the fix (TZ_EPERM with its
 * words): a compromised unprivileged agent cannot point the root side at
 * other files. Errors: TZ_EPERM, TZ_EINVAL (a path too long, a limit out of
 * bounds), TZ_EPROTO, TZ_ETIMEOUT, TZ_ENOMEM. */
int privsep_fix(struct privsep *ps, const char *root,
                const struct weakpw_limits *lim, const char *dict_path,
                struct tz_error *err);

/* Ask the helper for an audit of what was fixed. On success *a is the
 * caller's (acct_audit_free). Errors: the helper's own (e.g. TZ_ENOENT: no
 * /etc/passwd; TZ_EIO: its worker died, "killed by signal 31 (Bad system
 * call)"; TZ_EPERM: not fixed yet) with its message, TZ_EPROTO (malformed
 * answer, helper gone), TZ_ETIMEOUT, TZ_ENOMEM. */
int privsep_check(struct privsep *ps, struct acct_audit *a,
                  struct tz_error *err);

/* Ask the helper (after the fix) for the live system's root-only DMI
 * fields and the owners of the n socket inodes given (any order; zeros and
 * repeats are dropped).
 * The answer is checked as any input: an owner of an inode not asked about,
 * like a malformed answer, kills the child. Waits PRIVSEP_SLACK_MS at most.
 * On success *f is the caller's (rootfacts_free); on error it is empty.
 * Errors: TZ_EPROTO (child gone or lying), TZ_ETIMEOUT, TZ_ELIMIT (more
 * than TZ_MAX_LISTENERS inodes), TZ_ENOMEM, the child's own. */
int privsep_facts(struct privsep *ps, const unsigned long *inodes, size_t n,
                  struct rootfacts *f, struct tz_error *err);

/* privsep_facts as a listen_owner_fn (collect_listeners.h): arg is the
 * struct privsep; fills pid and comm of the entries of o the child knows. */
int privsep_owners(void *arg, struct proc_owner *o, size_t n,
                   struct tz_error *err);

/* The child's pid, for tests and logs; 0 once it is gone. */
pid_t privsep_pid(const struct privsep *ps);

/* The agent's end of the socket, for tests that play a compromised agent
 * sending frames of their own; -1 once the helper is gone. */
int privsep_socket(const struct privsep *ps);

void privsep_stop(struct privsep *ps);

#endif
