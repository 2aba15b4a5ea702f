/* confine — the privileged child's file allow-list and seccomp filters. */
#include "confine.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "privsep_msg.h"
#include "rootfacts.h"
#include "rootfs.h"

#ifndef TZ_PRIVSEP_NO_SECCOMP
#include <seccomp.h>
#endif
#ifdef TZ_HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

/* The worker's socket (privsep_child.h) and stderr (/dev/null). */
#define WORKER_FD 3

/* open(2) flags that write, create or empty a file. O_TMPFILE includes
 * O_DIRECTORY, which reading a directory needs: only its own bit counts. */
#define WRITE_FLAGS ((unsigned)(O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | \
                                (O_TMPFILE & ~O_DIRECTORY)))

/* ---- files ---- */

static const char *const audit_files[] = {
    "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/sudoers",
    "/etc/sudoers.d",
};

/* Absolute, and no empty, "." or ".." component: the name is the file. */
static int plain_path(const char *p)
{
    if (p[0] != '/')
        return 0;
    for (const char *c = p; *c;) {
        c++;                                    /* past the '/' */
        size_t n = strcspn(c, "/");
        if (n == 0 || (n == 1 && c[0] == '.') ||
            (n == 2 && c[0] == '.' && c[1] == '.'))
            return 0;
        c += n;
    }
    return 1;
}

static int all_digits(const char *s, size_t n)
{
    if (n == 0 || n > 10)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* The root facts' files: live only, fixed names (rootfacts.h). */
static int facts_file(const char *path)
{
    static const char dmi[] = "/sys/class/dmi/id/";
    if (strncmp(path, dmi, sizeof(dmi) - 1) == 0) {
        for (size_t i = 0; i < ROOTFACTS_N_DMI; i++)
            if (strcmp(path + sizeof(dmi) - 1, rootfacts_dmi_files[i]) == 0)
                return 1;
        return 0;
    }
    if (strcmp(path, "/proc") == 0)
        return 1;
    if (strncmp(path, "/proc/", 6) != 0)
        return 0;
    const char *pid = path + 6;
    size_t n = strcspn(pid, "/");
    return all_digits(pid, n) &&
           (strcmp(pid + n, "/fd") == 0 || strcmp(pid + n, "/comm") == 0);
}

static int same_root(const char *a, const char *b)
{
    if (tz_root_is_live(a) || tz_root_is_live(b))
        return tz_root_is_live(a) && tz_root_is_live(b);
    return strcmp(a, b) == 0;
}

int confine_may_open(const char *fixed_root, const char *root,
                     const char *path, int flags)
{
    if (path == NULL || ((unsigned)flags & WRITE_FLAGS) != 0 || !plain_path(path))
        return 0;
    if (tz_root_is_live(root) && facts_file(path))
        return 1;
    if (!same_root(fixed_root, root))
        return 0;
    for (size_t i = 0; i < sizeof(audit_files) / sizeof(*audit_files); i++)
        if (strcmp(path, audit_files[i]) == 0)
            return 1;
    /* sudo's #includedir: the files directly in it */
    static const char incdir[] = "/etc/sudoers.d/";
    return strncmp(path, incdir, sizeof(incdir) - 1) == 0 &&
           strchr(path + sizeof(incdir) - 1, '/') == NULL;
}

static char gate_root[PSMSG_MAX_PATH + 1];

static int worker_gate(const char *root, const char *path, int flags, void *arg)
{
    (void)arg;
    return confine_may_open(gate_root, root, path, flags);
}

static int closed_gate(const char *root, const char *path, int flags, void *arg)
{
    (void)root;
    (void)path;
    (void)flags;
    (void)arg;
    return 0;
}

void confine_files(enum confine_role role, const char *fixed_root)
{
    snprintf(gate_root, sizeof(gate_root), "%s", fixed_root ? fixed_root : "");
    tz_open_gate(role == CONFINE_WORKER ? worker_gate : closed_gate, NULL);
}

/* ---- system calls ---- */

#ifdef TZ_PRIVSEP_NO_SECCOMP

int confine_seccomp_enabled(void)
{
    return 0;
}

int confine_syscalls(enum confine_role role, struct tz_error *err)
{
    (void)role;
    (void)err;
    return 0;
}

#else

int confine_seccomp_enabled(void)
{
    return 1;
}

enum { SUPER = 1, WORKER = 2, BOTH = 3 };

/* Allowed without looking at the arguments. */
static const struct {
    const char *name;
    unsigned who;
} plain_calls[] = {
    {"read", BOTH}, {"readv", BOTH}, {"pread64", BOTH}, {"lseek", BOTH},
    {"close", BOTH}, {"fstat", BOTH}, {"newfstatat", BOTH}, {"statx", BOTH},
    {"stat", BOTH}, {"lstat", BOTH}, {"fcntl", BOTH}, {"getdents64", BOTH},
    {"readlinkat", BOTH}, {"readlink", BOTH}, {"brk", BOTH}, {"munmap", BOTH},
    {"mremap", BOTH}, {"madvise", BOTH}, {"futex", BOTH},
    {"clock_gettime", BOTH}, {"clock_nanosleep", BOTH}, {"nanosleep", BOTH},
    {"gettimeofday", BOTH}, {"time", BOTH}, {"getpid", BOTH},
    {"getppid", BOTH}, {"gettid", BOTH}, {"getuid", BOTH}, {"geteuid", BOTH},
    {"getgid", BOTH}, {"getegid", BOTH}, {"sysinfo", BOTH},
    {"getrandom", BOTH}, {"rt_sigprocmask", BOTH}, {"rt_sigreturn", BOTH},
    {"restart_syscall", BOTH}, {"sched_yield", BOTH}, {"exit", BOTH},
    {"exit_group", BOTH}, {"poll", BOTH}, {"ppoll", BOTH},
    {"set_robust_list", BOTH},
    /* starting and talking to a worker */
    {"write", SUPER}, {"writev", SUPER}, {"sendto", SUPER}, {"wait4", SUPER},
    {"kill", SUPER}, {"tgkill", SUPER}, {"dup2", SUPER}, {"dup3", SUPER},
    {"close_range", SUPER},
    {"rt_sigaction", SUPER}, {"seccomp", SUPER},
};

/* seccomp_rule_add for a call this architecture may lack (open, stat on
 * arm64): one it does not have is not an error. */
static int add(scmp_filter_ctx ctx, uint32_t action, const char *name,
               unsigned n, const struct scmp_arg_cmp *cmp)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR || nr < 0)
        return 0;
    return seccomp_rule_add_array(ctx, action, nr, n, cmp);
}

/* Allow name when argument arg compares so (libseccomp's SCMP_A* macros
 * leave a field out, which clang's -Wmissing-field-initializers refuses). */
static int allow_if(scmp_filter_ctx ctx, const char *name, unsigned arg,
                    enum scmp_compare op, scmp_datum_t a, scmp_datum_t b)
{
    struct scmp_arg_cmp c = {.arg = arg, .op = op, .datum_a = a, .datum_b = b};
    return add(ctx, SCMP_ACT_ALLOW, name, 1, &c);
}

#define ADD0(name) add(ctx, SCMP_ACT_ALLOW, (name), 0, NULL)
#define EQ(name, arg, v) allow_if(ctx, (name), (arg), SCMP_CMP_EQ, (v), 0)
#define NONE_OF(name, arg, mask) \
    allow_if(ctx, (name), (arg), SCMP_CMP_MASKED_EQ, (mask), 0)

/* Under valgrind the filter also holds valgrind, which runs in the same
 * process: its translations need executable mappings, it writes to its own
 * descriptors and schedules with signals. Only then are these allowed (the
 * test is valgrind's client request, a no-op instruction sequence outside
 * valgrind; no environment can turn it on), so test_valgrind runs the child
 * confined rather than not at all. */
static const char *const valgrind_calls[] = {
    "mmap", "mprotect", "write", "sendto", "rt_sigtimedwait", "rt_sigaction",
    "sigaltstack", "pipe", "pipe2", "tgkill", "tkill", "readlink",
};

static int rules(scmp_filter_ctx ctx, enum confine_role role)
{
    unsigned me = role == CONFINE_SUPERVISOR ? SUPER : WORKER;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof(plain_calls) / sizeof(*plain_calls); i++)
        if (plain_calls[i].who & me)
            rc = ADD0(plain_calls[i].name);
    for (size_t i = 0; rc == 0 && RUNNING_ON_VALGRIND &&
                       i < sizeof(valgrind_calls) / sizeof(*valgrind_calls); i++)
        rc = ADD0(valgrind_calls[i]);
    /* reading only; openat2 hides its flags from the filter: ENOSYS makes
     * tz_root_open walk with openat instead */
    if (rc == 0)
        rc = NONE_OF("openat", 2, WRITE_FLAGS);
    if (rc == 0)
        rc = NONE_OF("open", 1, WRITE_FLAGS);
    if (rc == 0)
        rc = add(ctx, SCMP_ACT_ERRNO(ENOSYS), "openat2", 0, NULL);
    /* no code loaded or made executable */
    if (rc == 0)
        rc = NONE_OF("mmap", 2, PROT_EXEC);
    if (rc == 0)
        rc = NONE_OF("mprotect", 2, PROT_EXEC);
    if (rc == 0)
        rc = add(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
    if (role == CONFINE_WORKER) {
        /* abort(3) on itself only, so a crash is told as one (SIGABRT) */
        rc = EQ("tgkill", 0, (scmp_datum_t)getpid());
        static const scmp_datum_t fds[] = {2, WORKER_FD};
        for (size_t i = 0; rc == 0 && i < 2; i++) {
            rc = EQ("write", 0, fds[i]);
            if (rc == 0)
                rc = EQ("sendto", 0, fds[i]);
        }
        return rc;
    }
    /* fork: a process, not a thread, in no new namespace */
    const scmp_datum_t not_fork = CLONE_VM | CLONE_THREAD | CLONE_NEWNS |
                                  CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
                                  CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
    if (rc == 0)
        rc = NONE_OF("clone", 0, not_fork);
    if (rc == 0)
        rc = EQ("socketpair", 0, AF_UNIX);
    /* a new worker's descriptor sweep where close_range(2) is missing
     * (before Linux 5.9) asks for RLIMIT_NOFILE: reading a limit only */
    if (rc == 0)
        rc = ADD0("getrlimit");
    if (rc == 0)
        rc = EQ("prlimit64", 2, 0);
    if (rc == 0)
        rc = EQ("prctl", 0, PR_SET_PDEATHSIG);
    if (rc == 0)
        rc = EQ("prctl", 0, PR_SET_NO_NEW_PRIVS);
    /* the worker's filter, where seccomp(2) is missing (valgrind) */
    if (rc == 0)
        rc = EQ("prctl", 0, PR_SET_SECCOMP);
    return rc;
}

int confine_syscalls(enum confine_role role, struct tz_error *err)
{
    /* Kill the whole process where the kernel can (4.14); the child is
     * single-threaded, so killing the thread is the same elsewhere. */
    uint32_t kill = seccomp_api_get() >= 3 ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_KILL;
    scmp_filter_ctx ctx = seccomp_init(kill);
    if (ctx == NULL)
        return tz_err(err, TZ_EIO, NULL, 0, "seccomp: cannot make a filter");
    int rc = rules(ctx, role);
    const char *what = "adding a rule";
    if (rc == 0) {
        what = "loading the filter";
        rc = seccomp_load(ctx);
    }
    seccomp_release(ctx);
    if (rc != 0)
        return tz_err(err, TZ_EIO, NULL, 0, "seccomp: %s: %s", what,
                      strerror(-rc));
    return 0;
}

#endif
