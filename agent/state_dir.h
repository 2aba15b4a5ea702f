/* state_dir — the agent's state directory, and who may write what in it.
 *
 *   STATE_DIR/      root's (the invoking user's when not root), 0700, and
 *                   never writable by the run-as user: root writes only here,
 *                   so nothing unprivileged can plant a link where root writes
 *     agent.key     the secret key, 0600, read before privileges are dropped
 *     agent.pub
 *     work/         the run-as user's, 0700: seq state and spool. Only the
 *                   unprivileged side writes here; root never does.
 *
 * state_dir_open runs before the drop. It creates what is missing, refuses a
 * directory or key that another user owns or may write (with the commands
 * that fix it), loads or makes the key, and keeps work/ open as a descriptor:
 * the unprivileged side reaches it even under a parent closed to it.
 * user: the run-as user work/ belongs to when running as root ("root" keeps
 * it root's); ignored when not root (everything is the invoking user's).
 * Ownership: *sd holds the secret key and a descriptor; state_dir_close
 * wipes and closes them.
 * Errors: TZ_EPERM (owner or mode wrong; err says which and how to fix),
 * TZ_ENOENT (no such user), TZ_EIO, TZ_ELIMIT, TZ_ECRYPTO. */
#ifndef TZ_STATE_DIR_H
#define TZ_STATE_DIR_H

#include <sys/types.h>

#include "keys.h"
#include "tz_error.h"

#define STATE_DIR_WORK "work"

struct state_dir {
    char path[1024];
    char work_path[1040];       /* path/work, for messages only */
    int workfd;                 /* -1 when closed */
    struct tz_keypair kp;
    uid_t work_uid;             /* who owns work/ */
    gid_t work_gid;
};

int state_dir_open(const char *path, const char *user, struct state_dir *sd,
                   struct tz_error *err);
void state_dir_close(struct state_dir *sd);

/* Replace the agent's key with a new one (tz-agent --once --reenroll, after
 * `tzctl agent revoke`): agent.key and agent.pub are written anew in the
 * root-owned top of the state dir, so this runs before the drop, and sd->kp
 * becomes the new key. The old key is gone. work/ (state, spool) is left
 * alone: the caller forgets the old enrollment (agent_state_rekeyed). */
int state_dir_rekey(struct state_dir *sd, struct tz_error *err);

/* The uid and gid user runs as, as state_dir_open decides them (root keeps
 * root; not running as root means the invoking user). */
int state_dir_run_as(const char *user, uid_t *uid, gid_t *gid,
                     struct tz_error *err);

#endif
