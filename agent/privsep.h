/* privsep — the agent's root-only helper, OpenBSD style.
 *
 * privsep_start() forks a child EARLY, while the agent is still root and
 * before it has read a configuration, a key or a byte from the network; the
 * agent then drops privileges (privdrop) and never opens /etc/shadow or
 * sudoers itself. The child keeps root, closes every descriptor but its end
 * of a socketpair (stdio goes to /dev/null), dies with its parent
 * (PR_SET_PDEATHSIG), and serves two kinds of request: "audit the accounts
 * under ROOT with limits L and dictionary D" (acct_audit_run), answered
 * with verdicts only — state, reason word, day counts, cut flag, NOPASSWD
 * rules — and "root facts of the live system for these socket inodes"
 * (rootfacts_read: root-only DMI fields, the owners of the inodes asked;
 * fixed live paths, nothing in the request names a file), so that the
 * daemon, which collects without root, reports what --once does. Both in
 * the bounded format of privsep_msg.h. Hashes stay in the child.
 *
 * The child is a supervisor: it takes the fix request (privsep_fix) once,
 * before the agent drops root, and from then on accepts only audits with
 * exactly those inputs and root-facts requests. It does the work in a
 * worker it forks, and checks and relays the worker's answers. A worker
 * that dies, hangs past max_total_ms + PRIVSEP_SLACK_MS or answers garbage
 * is killed and replaced by a fresh one: that one ask fails with TZ_EIO
 * or TZ_ETIMEOUT and the message says so, the next ask is served, so a
 * daemon's account checks do not stay dead until a restart.
 *
 * The parent trusts nothing it receives: privsep_msg's decoder checks every
 * count, length and value; a malformed answer (which the supervisor has
 * checked already, so only a broken supervisor sends one), a closed socket or
 * a supervisor silent past its own deadline + PRIVSEP_RELAY_MS kills it and
 * fails this and every later check (it cannot be restarted after privileges
 * are dropped; the caller reports the accounts section without password
 * states).
 *
 * When the agent is not root the child simply runs as the same user: shadow
 * below a --root fixture may still be readable, the live one is not (the
 * audit then says "shadow not readable").
 *
 * Ownership: *out is the caller's until privsep_stop(), which closes the
 * socket, waits for the child (killing it after PRIVSEP_STOP_MS) and reaps
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
 * will use: root (NULL: the live system), limits and dictionary. The helper
 * refuses a second fix, an audit before the fix, and an audit asking for
 * anything else (TZ_EPERM with its words): a compromised unprivileged agent
 * cannot point the root side at other files.
 * Errors: TZ_EPERM, TZ_EINVAL (path too long), TZ_EPROTO, TZ_ETIMEOUT. */
int privsep_fix(struct privsep *ps, const char *root,
                const struct weakpw_limits *lim, const char *dict_path,
                struct tz_error *err);

/* Ask the child for an audit of root (NULL: the live system). On success *a
 * is the caller's (acct_audit_free). Errors: the child's own (e.g.
 * TZ_ENOENT: no /etc/passwd) with its message, TZ_EPROTO (malformed answer,
 * child gone), TZ_ETIMEOUT, TZ_EINVAL (path too long), TZ_ENOMEM. */
int privsep_check(struct privsep *ps, const char *root,
                  const struct weakpw_limits *lim, const char *dict_path,
                  struct acct_audit *a, struct tz_error *err);

/* Ask the child for the live system's root-only DMI fields and the owners
 * of the n socket inodes given (any order; zeros and repeats are dropped).
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

void privsep_stop(struct privsep *ps);

#endif
