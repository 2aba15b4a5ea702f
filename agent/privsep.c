/* privsep — fork the root helper, serve audits in it, talk to it safely. */
#include "privsep.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "privsep_msg.h"

#define CHILD_FD 3

struct privsep {
    pid_t pid;
    int fd;
    int dead;
};

static unsigned long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000ULL +
           (unsigned long long)ts.tv_nsec / 1000000ULL;
}

/* ---- I/O ---- */

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return TZ_EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read exactly n bytes; deadline 0 = wait forever. 1 on a clean EOF before
 * the first byte (only meaningful for the child's request loop). */
static int read_all(int fd, uint8_t *p, size_t n, unsigned long long deadline)
{
    size_t got = 0;
    while (got < n) {
        if (deadline) {
            unsigned long long t = now_ms();
            if (t >= deadline)
                return TZ_ETIMEOUT;
            unsigned long long left = deadline - t;
            struct pollfd pfd = {fd, POLLIN, 0};
            int pr = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
            if (pr < 0 && errno == EINTR)
                continue;
            if (pr < 0)
                return TZ_EIO;
            if (pr == 0)
                continue;
        }
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return TZ_EIO;
        if (r == 0)
            return got == 0 ? 1 : TZ_EPROTO;
        got += (size_t)r;
    }
    return 0;
}

/* A frame's body, bounded by max, into a malloc'd buffer. */
static int read_frame(int fd, size_t max, unsigned long long deadline,
                      uint8_t **body, size_t *len)
{
    uint8_t hdr[4];
    int rc = read_all(fd, hdr, 4, deadline);
    if (rc != 0)
        return rc;
    uint32_t n = ((uint32_t)hdr[0] << 24) | ((uint32_t)hdr[1] << 16) |
                 ((uint32_t)hdr[2] << 8) | hdr[3];
    if (n > max)
        return TZ_ELIMIT;
    uint8_t *b = malloc(n ? n : 1);
    if (b == NULL)
        return TZ_ENOMEM;
    rc = read_all(fd, b, n, deadline);
    if (rc != 0) {
        free(b);
        return rc == 1 ? TZ_EPROTO : rc;
    }
    *body = b;
    *len = n;
    return 0;
}

/* ---- the child ---- */

static void child_fds(int sock)
{
    if (sock != CHILD_FD) {
        if (dup2(sock, CHILD_FD) < 0)
            _exit(2);
        close(sock);
    }
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0)
        _exit(2);
    for (int i = 0; i < 3; i++)
        if (null != i && dup2(null, i) < 0)
            _exit(2);
    /* everything else the agent had (config, keys, sockets) is not ours */
    if (close_range(CHILD_FD + 1, ~0U, 0) != 0) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = CHILD_FD + 1; fd < (max > 0 ? max : 1024); fd++)
            close((int)fd);
    }
}

static void answer(int fd, int status, const char *msg,
                   const struct acct_audit *a)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    struct tz_error e;
    int rc = psmsg_encode_response(status, msg, status ? NULL : a, &buf, &len,
                                   &e);
    if (rc != 0)                 /* too big: say so rather than go silent */
        rc = psmsg_encode_response(rc, e.msg, NULL, &buf, &len, &e);
    if (rc != 0 || write_all(fd, buf, len) != 0)
        _exit(3);
    free(buf);
}

static void child_main(int sock, pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)     /* the parent died before prctl took */
        _exit(0);
    signal(SIGPIPE, SIG_IGN);
    child_fds(sock);
    for (;;) {
        uint8_t *body = NULL;
        size_t len = 0;
        int rc = read_frame(CHILD_FD, PSMSG_MAX_REQUEST, 0, &body, &len);
        if (rc == 1)
            _exit(0);            /* the parent closed: privsep_stop */
        if (rc != 0)
            _exit(1);            /* cannot resynchronise a broken stream */
        struct psmsg_request rq;
        struct tz_error e;
        memset(&e, 0, sizeof(e));
        rc = psmsg_decode_request(body, len, &rq, &e);
        free(body);
        if (rc != 0)
            _exit(1);
        struct acct_audit a;
        char msg[PSMSG_MAX_MESSAGE + 1];
        rc = acct_audit_run(rq.root[0] ? rq.root : NULL, &rq.lim,
                            rq.dict_path[0] ? rq.dict_path : NULL, &a, &e);
        if (rc != 0) {
            tz_error_str(&e, msg, sizeof(msg));
            answer(CHILD_FD, rc, msg, NULL);
        } else {
            answer(CHILD_FD, 0, NULL, &a);
            acct_audit_free(&a);
        }
    }
}

/* ---- the parent ---- */

int privsep_start(struct privsep **out, struct tz_error *err)
{
    struct privsep *ps = calloc(1, sizeof(*ps));
    if (ps == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        int e = errno;
        free(ps);
        return tz_err(err, TZ_EIO, NULL, 0, "socketpair: %s", strerror(e));
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        free(ps);
        return tz_err(err, TZ_EIO, NULL, 0, "fork: %s", strerror(e));
    }
    if (pid == 0) {
        close(sv[0]);
        child_main(sv[1], parent);
        _exit(0);
    }
    close(sv[1]);
    ps->pid = pid;
    ps->fd = sv[0];
    *out = ps;
    return 0;
}

static void reap(struct privsep *ps, unsigned wait_ms)
{
    if (ps->pid <= 0)
        return;
    unsigned long long deadline = now_ms() + wait_ms;
    for (;;) {
        pid_t r = waitpid(ps->pid, NULL, WNOHANG);
        if (r == ps->pid || (r < 0 && errno != EINTR))
            break;               /* reaped, or ECHILD (SIGCHLD ignored) */
        if (r == 0 && now_ms() >= deadline) {
            kill(ps->pid, SIGKILL);
            while (waitpid(ps->pid, NULL, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ps->pid = 0;
}

/* After a protocol failure the stream cannot be trusted again. */
static int kill_child(struct privsep *ps, int rc)
{
    if (ps->fd >= 0)
        close(ps->fd);
    ps->fd = -1;
    ps->dead = 1;
    if (ps->pid > 0)
        kill(ps->pid, SIGKILL);
    reap(ps, PRIVSEP_STOP_MS);
    return rc;
}

int privsep_check(struct privsep *ps, const char *root,
                  const struct weakpw_limits *lim, const char *dict_path,
                  struct acct_audit *a, struct tz_error *err)
{
    memset(a, 0, sizeof(*a));
    if (ps == NULL || ps->dead)
        return tz_err(err, TZ_EPROTO, NULL, 0,
                      "the privileged helper is not running");
    struct psmsg_request rq;
    memset(&rq, 0, sizeof(rq));
    weakpw_limits_default(&rq.lim);
    if (lim && lim->max_candidates)
        rq.lim.max_candidates = lim->max_candidates;
    if (lim && lim->max_ms)
        rq.lim.max_ms = lim->max_ms;
    if (lim && lim->max_total_ms)
        rq.lim.max_total_ms = lim->max_total_ms;
    if (snprintf(rq.root, sizeof(rq.root), "%s", root ? root : "") >=
            (int)sizeof(rq.root) ||
        snprintf(rq.dict_path, sizeof(rq.dict_path), "%s",
                 dict_path ? dict_path : "") >= (int)sizeof(rq.dict_path))
        return tz_err(err, TZ_EINVAL, NULL, 0, "path too long for the "
                      "privileged helper");
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = psmsg_encode_request(&rq, &buf, &len, err);
    if (rc != 0)
        return rc;
    rc = write_all(ps->fd, buf, len);
    free(buf);
    if (rc != 0)
        return kill_child(ps, tz_err(err, TZ_EPROTO, NULL, 0,
                                     "the privileged helper is gone"));
    unsigned long long deadline = now_ms() + rq.lim.max_total_ms +
                                  PRIVSEP_SLACK_MS;
    uint8_t *body = NULL;
    rc = read_frame(ps->fd, PSMSG_MAX_RESPONSE, deadline, &body, &len);
    if (rc == TZ_ETIMEOUT)
        return kill_child(ps, tz_err(err, TZ_ETIMEOUT, NULL, 0,
                                     "the privileged helper did not answer "
                                     "in time"));
    if (rc == TZ_ENOMEM)
        return kill_child(ps, tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory"));
    if (rc != 0)
        return kill_child(ps, tz_err(err, TZ_EPROTO, NULL, 0,
                                     rc == TZ_ELIMIT
                                         ? "the privileged helper sent an "
                                           "oversized answer"
                                         : "the privileged helper is gone"));
    rc = psmsg_decode_response(body, len, a, err);
    free(body);
    if (rc == TZ_EPROTO)
        return kill_child(ps, rc);
    return rc;
}

pid_t privsep_pid(const struct privsep *ps)
{
    return ps ? ps->pid : 0;
}

void privsep_stop(struct privsep *ps)
{
    if (ps == NULL)
        return;
    if (ps->fd >= 0)
        close(ps->fd);           /* the child reads EOF and exits */
    ps->fd = -1;
    reap(ps, PRIVSEP_STOP_MS);
    free(ps);
}
