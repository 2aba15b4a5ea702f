/* sheet_jail — fork, confine, read, ship the cells over a pipe; the parent
 * trusts nothing that comes back but what sheet_table_add accepts. */
#include "sheet_jail.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define TZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TZ_ASAN 1
#endif
#endif

#ifdef TZ_ASAN
#include <sanitizer/common_interface_defs.h>

/* A sanitizer's report in the child ends the child, not the caller's run:
 * under libFuzzer the inherited death callback would count the input as
 * the fuzzer's own crash and keep it as an artifact. */
static void jail_die(void)
{
    _exit(70);
}
#endif

/* A sanitizer's report in a child forked from a threaded process (a
 * fuzzer's) can spin on a lock another thread held at the fork: a short
 * bound there. */
#ifdef TZ_ASAN
#define JAIL_CPU_SECONDS 3
#else
#define JAIL_CPU_SECONDS 15
#endif
#define JAIL_AS_BYTES ((rlim_t)2 << 30)
#define NOBODY 65534
#define PIPE_FD 3
#define DATA_FD 4

/* ---- the child ---- */

static int put(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int put_str(int fd, const char *s, size_t n)
{
    uint32_t l = (uint32_t)n;
    return put(fd, &l, sizeof(l)) || put(fd, s, n);
}

/* The child's answer: 'E' code message, or 'S' sheet date1904 then a 'C'
 * per non-empty cell and 'Z'. */
static int ship(int fd, struct sheet_table *t, int rc,
                const struct tz_error *err)
{
    if (rc != 0) {
        int32_t code = rc;
        return put(fd, "E", 1) || put(fd, &code, sizeof(code)) ||
               put_str(fd, err->msg, strlen(err->msg));
    }
    const char *name = sheet_table_name(t);
    uint8_t d1904 = (uint8_t)sheet_table_date1904(t);
    if (put(fd, "S", 1) || put_str(fd, name, strlen(name)) ||
        put(fd, &d1904, 1))
        return -1;
    struct sheet_row row;
    while (sheet_table_next(t, &row) == 1)
        for (size_t i = 0; i < row.n; i++) {
            const struct sheet_cell *c = &row.cells[i];
            if (c->kind == SHEET_EMPTY)
                continue;
            int64_t r = row.row;
            uint32_t col = (uint32_t)i;
            uint8_t kind = (uint8_t)c->kind;
            if (put(fd, "C", 1) || put(fd, &r, sizeof(r)) ||
                put(fd, &col, sizeof(col)) || put(fd, &kind, 1) ||
                put(fd, &c->num, sizeof(c->num)) ||
                put_str(fd, c->text, strlen(c->text)))
                return -1;
        }
    return put(fd, "Z", 1);
}

/* Everything the child gives up before it reads the file. */
static int confine(void)
{
    struct rlimit zero = {0, 0}, cpu = {JAIL_CPU_SECONDS, JAIL_CPU_SECONDS};
    if (setrlimit(RLIMIT_CORE, &zero) != 0 ||
        setrlimit(RLIMIT_CPU, &cpu) != 0 ||
        setrlimit(RLIMIT_FSIZE, &zero) != 0)
        return -1;
#ifndef TZ_ASAN
    /* ASan reserves terabytes of shadow: no address-space bound there */
    struct rlimit as = {JAIL_AS_BYTES, JAIL_AS_BYTES};
    if (setrlimit(RLIMIT_AS, &as) != 0)
        return -1;
#endif
    if (geteuid() == 0 &&
        (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 ||
         setuid(NOBODY) != 0 || setuid(0) == 0))
        return -1;
    /* after a uid change /proc/self is root's unless dumpable: the reader
     * opens its file there (RLIMIT_CORE is 0: still no core) */
    if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return 0;
}

static void child(int pipe_w, const void *data, size_t len, const char *name,
                  sheet_jail_fn fn, void *arg)
{
    /* the caller's handlers (a fuzzer's, a daemon's) are not the child's:
     * a fault ends it, and the parent says the file was refused */
    static const int sigs[] = {SIGPIPE, SIGSEGV, SIGBUS, SIGILL, SIGFPE,
                               SIGABRT, SIGXCPU, SIGALRM, SIGINT, SIGTERM,
                               SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
        signal(sigs[i], SIG_DFL);
#ifdef TZ_ASAN
    __sanitizer_set_death_callback(jail_die);
#endif
    if (pipe_w != PIPE_FD && (dup2(pipe_w, PIPE_FD) != PIPE_FD))
        _exit(2);
    /* the caller's descriptors (its register among them) stay behind;
     * kernels before 5.9 have no close_range */
    if (close_range(PIPE_FD + 1, ~0U, 0) != 0) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = PIPE_FD + 1; fd < (max > 0 && max < 65536 ? max : 65536);
             fd++)
            close((int)fd);
    }
    int mfd = memfd_create("tz-sheet", MFD_CLOEXEC);
    if (mfd < 0 || (mfd != DATA_FD && dup2(mfd, DATA_FD) != DATA_FD) ||
        put(DATA_FD, data, len) != 0 || lseek(DATA_FD, 0, SEEK_SET) != 0)
        _exit(2);
    if (mfd != DATA_FD)
        close(mfd);
    if (confine() != 0)
        _exit(3);
    struct sheet_table *t = NULL;
    struct tz_error err = {0};
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", DATA_FD);
    int rc = fn(path, name, arg, &t, &err);
    /* _exit: the child frees nothing and runs no handler of the caller's */
    _exit(ship(PIPE_FD, t, rc, &err) == 0 ? 0 : 4);
}

/* ---- the parent ---- */

struct in {
    int fd;
    size_t left;    /* bytes the child may still send */
    int over;
};

static int get(struct in *in, void *p, size_t n)
{
    if (n > in->left) {
        in->over = 1;
        return -1;
    }
    char *c = p;
    while (n > 0) {
        ssize_t r = read(in->fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        c += r;
        n -= (size_t)r;
        in->left -= (size_t)r;
    }
    return 0;
}

/* A string of at most max bytes into a new buffer. */
static int get_str(struct in *in, size_t max, char **s, size_t *n)
{
    uint32_t l;
    if (get(in, &l, sizeof(l)) != 0)
        return -1;
    if (l > max) {
        in->over = 1;
        return -1;
    }
    *s = malloc((size_t)l + 1);
    if (*s == NULL || get(in, *s, l) != 0) {
        free(*s);
        *s = NULL;
        return -1;
    }
    (*s)[l] = '\0';
    *n = l;
    return 0;
}

/* The child's answer into a table; 1 when it ended with 'Z'. */
static int take(struct in *in, const char *name,
                const struct sheet_limits *lim, struct sheet_table **t,
                int *rc, struct tz_error *err)
{
    char tag, *s;
    size_t n;
    if (get(in, &tag, 1) != 0)
        return 0;
    if (tag == 'E') {
        int32_t code;
        if (get(in, &code, sizeof(code)) != 0 || code >= 0 ||
            get_str(in, 1024, &s, &n) != 0)
            return 0;
        /* a code of ours, or the file is simply refused */
        if (code < TZ_ECHANGED)
            code = TZ_EPARSE;
        *rc = tz_err(err, code, name, 0, "%s", s);
        free(s);
        return 1;
    }
    uint8_t d1904;
    if (tag != 'S' || get_str(in, 1024, &s, &n) != 0)
        return 0;
    *t = sheet_table_new(lim, name, s);
    free(s);
    if (*t == NULL || get(in, &d1904, 1) != 0)
        return 0;
    sheet_table_set_date1904(*t, d1904);
    while (get(in, &tag, 1) == 0) {
        if (tag == 'Z') {
            *rc = sheet_table_finish(*t, err);
            return 1;
        }
        int64_t row;
        uint32_t col;
        uint8_t kind;
        double num;
        if (tag != 'C' || get(in, &row, sizeof(row)) != 0 ||
            get(in, &col, sizeof(col)) != 0 || get(in, &kind, 1) != 0 ||
            get(in, &num, sizeof(num)) != 0 || kind > SHEET_ERROR ||
            row < 1 || row > 1048576 ||
            get_str(in, lim->max_cell, &s, &n) != 0)
            return 0;
        *rc = sheet_table_add(*t, (long)row, col, (enum sheet_kind)kind, s, n,
                              num, err);
        free(s);
        if (*rc != 0)
            return 1;
    }
    return 0;
}

/* What a child may send: its cells, their text and some framing. */
static size_t answer_bound(const struct sheet_limits *lim)
{
    return lim->max_text + lim->max_cells * 32 + 4096;
}

int sheet_jail_answer(int fd, const char *name,
                      const struct sheet_limits *lim,
                      struct sheet_table **out, struct tz_error *err)
{
    *out = NULL;
    struct in in = {fd, answer_bound(lim), 0};
    struct sheet_table *t = NULL;
    int rc = 0;
    if (!take(&in, name, lim, &t, &rc, err) && rc == 0)
        rc = tz_err(err, in.over ? TZ_ELIMIT : TZ_EPARSE, name, 0, "the "
                    "reader's answer is %s", in.over ? "over the limits"
                                                     : "cut short or "
                                                       "malformed");
    if (rc != 0) {
        sheet_table_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int sheet_jail_run(const void *data, size_t len, const char *name,
                   const struct sheet_limits *lim, sheet_jail_fn fn,
                   void *arg, struct sheet_table **out,
                   struct tz_error *err)
{
    *out = NULL;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return tz_err(err, TZ_EIO, NULL, 0, "cannot make a pipe: %s",
                      strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return tz_err(err, TZ_EIO, NULL, 0, "cannot fork: %s",
                      strerror(errno));
    }
    if (pid == 0) {
        close(p[0]);
        child(p[1], data, len, name, fn, arg);
    }
    close(p[1]);
    struct in in = {p[0], answer_bound(lim), 0};
    struct sheet_table *t = NULL;
    int rc = 0;
    int done = take(&in, name, lim, &t, &rc, err);
    if (!done || rc != 0)
        kill(pid, SIGKILL);
    close(p[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (done && rc == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        done = 0;
    if (!done && rc == 0)
        rc = in.over
                 ? tz_err(err, TZ_ELIMIT, name, 0, "the .xls reader sent "
                          "more than the limits allow")
                 : tz_err(err, TZ_EPARSE, name, 0, "not a readable .xls: "
                          "the reader failed on this file (%s %d): it is "
                          "damaged, or made to harm", WIFSIGNALED(st)
                              ? "signal" : "exit status",
                          WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    if (rc != 0) {
        sheet_table_free(t);
        return rc;
    }
    *out = t;
    return 0;
}
