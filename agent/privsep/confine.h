/* confine — what the agent's privileged child may still do once its inputs
 * are fixed.
 *
 * Two locks, set when privsep_fix fixes root, limits and dictionary, and
 * never lifted:
 *  - Files: an allow-list of exact paths (confine_may_open), enforced where
 *    every reader the child runs opens its files (tz_open_gate,
 *    common/rootfs.h). The worker may open, read-only: below the fixed root,
 *    /etc/passwd, /etc/shadow, /etc/group, /etc/sudoers, the directory
 *    /etc/sudoers.d and the files directly in it; on the live system the DMI
 *    files of rootfacts_dmi_files, /proc, /proc/PID/fd and /proc/PID/comm.
 *    The dictionary was read at the fix. The supervisor opens nothing.
 *  - System calls: a seccomp filter (libseccomp) per role; anything not
 *    listed kills the process (SIGSYS). Both roles: reading, memory, time,
 *    poll, close, exit; opens only without write, create, truncate or append
 *    flags, openat2 answered ENOSYS (so tz_root_open walks with openat, whose
 *    flags the filter sees), no mmap or mprotect with PROT_EXEC. No socket,
 *    connect, execve, ptrace, ioctl, chmod, unlink, ... The supervisor
 *    besides: socketpair(AF_UNIX), fork (clone without CLONE_VM,
 *    CLONE_THREAD or a new namespace), wait4, kill, tgkill, dup2/dup3,
 *    close_range, prctl(PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS,
 *    PR_SET_SECCOMP), seccomp,
 *    and writes: what starting and talking to a worker takes. The worker's
 *    own filter stacks on the supervisor's and drops those; it writes only
 *    to its socket and to stderr (/dev/null), and signals only itself
 *    (abort).
 *    Under valgrind (and only then: its client request tells) the filter
 *    also allows what valgrind, running in the same process, needs:
 *    executable mappings, writes to its own descriptors, its signals.
 *
 * Sanitizer and fuzzer builds (TZ_PRIVSEP_NO_SECCOMP, set by CMakeLists.txt
 * with TZ_SANITIZE or TZ_FUZZ) set the file lock only: their runtimes make
 * system calls of their own that the filter would kill.
 * confine_seccomp_enabled() tells the builds apart.
 * Errors: TZ_EIO saying what failed (no seccomp in the kernel, a filter
 * that did not load). The caller then refuses to work unconfined. */
#ifndef TZ_CONFINE_H
#define TZ_CONFINE_H

#include "tz_error.h"

enum confine_role { CONFINE_SUPERVISOR, CONFINE_WORKER };

/* The allow-list as a pure decision: may a process whose fixed root is
 * fixed_root ("" or NULL: the live system) open path below root with these
 * open(2) flags? 1 yes, 0 no. path must be absolute and plain (no "//",
 * "." or ".." components). */
int confine_may_open(const char *fixed_root, const char *root,
                     const char *path, int flags);

/* Set the file lock of role: the worker's allow-list for fixed_root (the
 * string is copied), or for the supervisor nothing at all. */
void confine_files(enum confine_role role, const char *fixed_root);

/* Load role's seccomp filter into this process (for good). */
int confine_syscalls(enum confine_role role, struct tz_error *err);

/* 0 in the sanitizer and fuzzer builds, which load no filter. */
int confine_seccomp_enabled(void);

#endif
