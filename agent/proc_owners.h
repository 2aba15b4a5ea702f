/* proc_owners — which process holds a socket inode, from /proc/PID/fd.
 *
 * The socket tables say what listens where but not who; the owner is found
 * the way ss(8) and lsof do, by matching socket inodes against every
 * process's open descriptors ("socket:[INODE]" links). Used by
 * collect_listeners (in the agent, for what it may read) and by the privsep
 * child (as root, for the inodes the agent could not resolve).
 *
 * For each o[i] with a non-zero inode: the lowest pid holding it below
 * <root>/proc and that pid's <root>/proc/PID/comm (cut to
 * PROC_OWNER_COMM - 1 bytes at a character boundary); pid stays 0 when no
 * readable fd directory holds it (another user's process without root, or
 * a process that just exited): not an error. Several entries may share an
 * inode. Bounds: at most TZ_LISTEN_MAX_PROCS processes and
 * TZ_LISTEN_MAX_FDS descriptors in all are looked at, silently.
 * Ownership: o is the caller's, filled in place.
 * Errors: TZ_ENOMEM (o is then unchanged). */
#ifndef TZ_PROC_OWNERS_H
#define TZ_PROC_OWNERS_H

#include <stddef.h>
#include <stdint.h>

#include "tz_error.h"

#define PROC_OWNER_COMM 64   /* the kernel's comm is 16 bytes; room for odd roots */

struct proc_owner {
    unsigned long inode;     /* in: the socket; 0 = nothing to find */
    uint32_t pid;            /* out: 0 = not found */
    char comm[PROC_OWNER_COMM];
};

int proc_owners_find(const char *root, struct proc_owner *o, size_t n,
                     struct tz_error *err);

#endif
