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

#include "clock.h"
#include "privsep_msg.h"

#define CHILD_FD 3

struct privsep {
    pid_t pid;
    int fd;
    int dead;
};


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
            unsigned long long t = tz_now_ms();
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

/* Close every descriptor above CHILD_FD: what the agent (or the supervisor)
 * had open is not the child's. */
static void close_above_child_fd(void)
{
    if (close_range(CHILD_FD + 1, ~0U, 0) != 0) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = CHILD_FD + 1; fd < (max > 0 ? max : 1024); fd++)
            close((int)fd);
    }
}

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
    close_above_child_fd();
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

/* "Root facts": fixed live paths only (rootfacts.h); the request carries
 * socket inodes, never a path. Takes body. */
static void serve_facts(uint8_t *body, size_t len)
{
    unsigned long *inodes = NULL;
    size_t n = 0;
    struct tz_error e;
    memset(&e, 0, sizeof(e));
    int rc = psmsg_decode_facts_request(body, len, &inodes, &n, &e);
    free(body);
    if (rc != 0)
        _exit(1);
    struct rootfacts f;
    rc = rootfacts_read(inodes, n, &f, &e);
    free(inodes);
    uint8_t *buf = NULL;
    char msg[PSMSG_MAX_MESSAGE + 1];
    tz_error_str(&e, msg, sizeof(msg));
    rc = psmsg_encode_facts_response(rc, rc ? msg : NULL, rc ? NULL : &f, &buf,
                                     &len, &e);
    rootfacts_free(&f);
    if (rc != 0)                 /* too big: say so rather than go silent */
        rc = psmsg_encode_facts_response(rc, e.msg, NULL, &buf, &len, &e);
    if (rc != 0 || write_all(CHILD_FD, buf, len) != 0)
        _exit(3);
    free(buf);
}

/* The worker: answers requests on CHILD_FD until its supervisor closes it.
 * Any malformed request ends it; the supervisor starts another. */
static void worker_serve(void)
{
    for (;;) {
        uint8_t *body = NULL;
        size_t len = 0;
        int rc = read_frame(CHILD_FD, PSMSG_MAX_FACTS_REQUEST > PSMSG_MAX_REQUEST
                                          ? PSMSG_MAX_FACTS_REQUEST
                                          : PSMSG_MAX_REQUEST,
                            0, &body, &len);
        if (rc == 1)
            _exit(0);            /* the supervisor closed: stop */
        if (rc != 0)
            _exit(1);            /* cannot resynchronise a broken stream */
        int kind = psmsg_request_kind(body, len);
        if (kind == PSMSG_FACTS) {
            serve_facts(body, len);
            continue;
        }
        if (kind != PSMSG_AUDIT || len > PSMSG_MAX_REQUEST)
            _exit(1);
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

/* ---- the supervisor ----
 * The root side that outlives a failed ask. It holds what the fix request
 * set, checks every audit request against it, hands requests to a worker
 * and relays its answers after checking them; a worker that dies, hangs
 * past its deadline or answers garbage is killed and replaced by a fresh
 * one, and that one ask is answered with an error. The unprivileged parent
 * can make it do nothing else. */
struct super {
    pid_t worker;
    int wfd;                     /* -1: no worker running */
    int fixed;
    struct psmsg_request fix;
};

static int write_frame(int fd, const uint8_t *body, size_t len)
{
    uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16),
                      (uint8_t)(len >> 8), (uint8_t)len};
    int rc = write_all(fd, hdr, 4);
    return rc == 0 ? write_all(fd, body, len) : rc;
}

static int spawn_worker(struct super *s)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (pid == 0) {
        pid_t super = getppid();
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != super)
            _exit(0);
        /* Only the socket to the supervisor, at CHILD_FD: not the parent's. */
        if (dup2(sv[1], CHILD_FD) < 0)
            _exit(2);
        close_above_child_fd();
        worker_serve();
        _exit(0);
    }
    close(sv[1]);
    s->worker = pid;
    s->wfd = sv[0];
    return 0;
}

/* Reap the worker, killing it first when we end it (killed set: it hung or
 * lied); say how it ended in why. */
static void end_worker(struct super *s, int killed, const char *what, char *why,
                       size_t n)
{
    if (s->wfd >= 0)
        close(s->wfd);
    s->wfd = -1;
    if (s->worker <= 0)
        return;
    int status = 0;
    pid_t r = 0;
    /* One that closed its socket on its own is dying: give it a moment to
     * say how, then make sure. */
    for (int i = 0; !killed && i < 100 && r == 0; i++) {
        r = waitpid(s->worker, &status, WNOHANG);
        if (r == 0) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (r == 0) {
        kill(s->worker, SIGKILL);
        while ((r = waitpid(s->worker, &status, 0)) < 0 && errno == EINTR)
            ;
    }
    if (killed || r != s->worker)
        snprintf(why, n, "the privileged helper %s and was restarted", what);
    else if (WIFSIGNALED(status))
        snprintf(why, n, "the privileged helper was killed by signal %d (%s) "
                 "and was restarted", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(why, n, "the privileged helper exited with status %d and was "
                 "restarted", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    s->worker = 0;
}

static void answer_error(int kind, int status, const char *msg)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    struct tz_error e;
    int rc = kind == PSMSG_FACTS
                 ? psmsg_encode_facts_response(status, msg, NULL, &buf, &len, &e)
                 : psmsg_encode_response(status, msg, NULL, &buf, &len, &e);
    if (rc != 0 || write_all(CHILD_FD, buf, len) != 0)
        _exit(3);
    free(buf);
}

/* Is body a well-formed answer of this kind? The parent checks it again;
 * checking here lets a lying worker be replaced instead of ending it all. */
static int answer_ok(int kind, const uint8_t *body, size_t len)
{
    struct tz_error e;
    memset(&e, 0, sizeof(e));
    if (kind == PSMSG_FACTS) {
        struct rootfacts f;
        int rc = psmsg_decode_facts_response(body, len, &f, &e);
        if (rc == 0)
            rootfacts_free(&f);
        return rc != TZ_EPROTO;
    }
    struct acct_audit a;
    int rc = psmsg_decode_response(body, len, &a, &e);
    if (rc == 0)
        acct_audit_free(&a);
    return rc != TZ_EPROTO;
}

/* Hand one request to the worker (starting one if none runs) and relay its
 * answer; on any failure of the worker, answer an error and replace it. */
static void relay(struct super *s, int kind, const uint8_t *body, size_t len,
                  unsigned long long wait_ms)
{
    char why[200];
    /* A worker that died between asks is replaced before this one. */
    if (s->wfd >= 0 && waitpid(s->worker, NULL, WNOHANG) != 0) {
        s->worker = 0;          /* reaped just now */
        end_worker(s, 0, "had died", why, sizeof(why));
    }
    if (s->wfd < 0 && spawn_worker(s) != 0) {
        answer_error(kind, TZ_EIO, "the privileged helper cannot start a worker");
        return;
    }
    uint8_t *ans = NULL;
    size_t alen = 0;
    int rc = write_frame(s->wfd, body, len);
    if (rc == 0)
        rc = read_frame(s->wfd, PSMSG_MAX_RESPONSE, tz_now_ms() + wait_ms, &ans, &alen);
    if (rc == 0 && !answer_ok(kind, ans, alen))
        rc = TZ_EPROTO;
    if (rc == 0) {
        if (write_frame(CHILD_FD, ans, alen) != 0)
            _exit(3);
        free(ans);
        return;
    }
    free(ans);
    int killed = rc == TZ_ETIMEOUT || rc == TZ_ELIMIT || rc == TZ_EPROTO;
    end_worker(s, killed, rc == TZ_ETIMEOUT ? "did not answer in time"
                          : rc == TZ_ELIMIT ? "sent an oversized answer"
                          : rc == TZ_EPROTO ? "sent a malformed answer"
                                            : "is gone",
               why, sizeof(why));
    /* Not TZ_EPROTO: to the parent that means a broken supervisor. */
    answer_error(kind, rc == TZ_ETIMEOUT ? TZ_ETIMEOUT : TZ_EIO, why);
}

static int same_request(const struct psmsg_request *a, const struct psmsg_request *b)
{
    return a->lim.max_candidates == b->lim.max_candidates &&
           a->lim.max_ms == b->lim.max_ms &&
           a->lim.max_total_ms == b->lim.max_total_ms &&
           strcmp(a->root, b->root) == 0 && strcmp(a->dict_path, b->dict_path) == 0;
}

static void supervise(struct super *s, int kind, uint8_t *body, size_t len)
{
    struct psmsg_request rq;
    struct tz_error e;
    memset(&e, 0, sizeof(e));
    if (kind == PSMSG_FIX) {
        int rc = psmsg_decode_fix(body, len, &rq, &e);
        if (rc != 0)
            _exit(1);
        if (s->fixed) {
            answer_error(PSMSG_AUDIT, TZ_EPERM, "the privileged helper's root, "
                         "dictionary and limits are fixed already");
            return;
        }
        s->fix = rq;
        s->fixed = 1;
        answer(CHILD_FD, 0, NULL, NULL);
        return;
    }
    if (kind == PSMSG_FACTS) {
        relay(s, kind, body, len, PRIVSEP_SLACK_MS);
        return;
    }
    if (psmsg_decode_request(body, len, &rq, &e) != 0)
        _exit(1);
    if (!s->fixed) {
        answer_error(kind, TZ_EPERM, "the privileged helper takes account "
                     "checks only after its root and dictionary are fixed");
        return;
    }
    if (!same_request(&rq, &s->fix)) {
        answer_error(kind, TZ_EPERM, "the privileged helper's root, dictionary "
                     "and limits were fixed at start: refusing others");
        return;
    }
    relay(s, kind, body, len, (unsigned long long)s->fix.lim.max_total_ms +
                                  PRIVSEP_SLACK_MS);
}

static void child_main(int sock, pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)     /* the parent died before prctl took */
        _exit(0);
    signal(SIGPIPE, SIG_IGN);
    child_fds(sock);
    struct super s = {.worker = 0, .wfd = -1};
    for (;;) {
        uint8_t *body = NULL;
        size_t len = 0;
        int rc = read_frame(CHILD_FD, PSMSG_MAX_FACTS_REQUEST > PSMSG_MAX_REQUEST
                                          ? PSMSG_MAX_FACTS_REQUEST
                                          : PSMSG_MAX_REQUEST,
                            0, &body, &len);
        if (rc != 0) {           /* parent closed (privsep_stop) or broke */
            char why[200];
            end_worker(&s, 1, "was stopped", why, sizeof(why));
            _exit(rc == 1 ? 0 : 1);
        }
        int kind = psmsg_request_kind(body, len);
        if (kind == PSMSG_BAD ||
            (kind != PSMSG_FACTS && len > PSMSG_MAX_REQUEST))
            _exit(1);
        supervise(&s, kind, body, len);
        free(body);
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
    unsigned long long deadline = tz_now_ms() + wait_ms;
    for (;;) {
        pid_t r = waitpid(ps->pid, NULL, WNOHANG);
        if (r == ps->pid || (r < 0 && errno != EINTR))
            break;               /* reaped, or ECHILD (SIGCHLD ignored) */
        if (r == 0 && tz_now_ms() >= deadline) {
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

/* Send a frame (takes buf), read the answer's body within wait_ms. Any
 * failure kills the child: the stream cannot be trusted again. */
static int exchange(struct privsep *ps, uint8_t *buf, size_t len,
                    unsigned long long wait_ms, uint8_t **body, size_t *blen,
                    struct tz_error *err)
{
    int rc = write_all(ps->fd, buf, len);
    free(buf);
    if (rc != 0)
        return kill_child(ps, tz_err(err, TZ_EPROTO, NULL, 0,
                                     "the privileged helper is gone"));
    unsigned long long deadline = tz_now_ms() + wait_ms;
    rc = read_frame(ps->fd, PSMSG_MAX_RESPONSE, deadline, body, blen);
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
    return 0;
}

/* The audit request for these inputs, defaults filled in: the fix request
 * and every later audit request must come out byte for byte the same. */
static int make_request(const char *root, const struct weakpw_limits *lim,
                        const char *dict_path, struct psmsg_request *rq,
                        struct tz_error *err)
{
    memset(rq, 0, sizeof(*rq));
    weakpw_limits_default(&rq->lim);
    if (lim && lim->max_candidates)
        rq->lim.max_candidates = lim->max_candidates;
    if (lim && lim->max_ms)
        rq->lim.max_ms = lim->max_ms;
    if (lim && lim->max_total_ms)
        rq->lim.max_total_ms = lim->max_total_ms;
    if (snprintf(rq->root, sizeof(rq->root), "%s", root ? root : "") >=
            (int)sizeof(rq->root) ||
        snprintf(rq->dict_path, sizeof(rq->dict_path), "%s",
                 dict_path ? dict_path : "") >= (int)sizeof(rq->dict_path))
        return tz_err(err, TZ_EINVAL, NULL, 0, "path too long for the "
                      "privileged helper");
    return 0;
}

int privsep_fix(struct privsep *ps, const char *root,
                const struct weakpw_limits *lim, const char *dict_path,
                struct tz_error *err)
{
    if (ps == NULL || ps->dead)
        return tz_err(err, TZ_EPROTO, NULL, 0,
                      "the privileged helper is not running");
    struct psmsg_request rq;
    int rc = make_request(root, lim, dict_path, &rq, err);
    uint8_t *buf = NULL, *body = NULL;
    size_t len = 0;
    if (rc == 0)
        rc = psmsg_encode_fix(&rq, &buf, &len, err);
    if (rc == 0)
        rc = exchange(ps, buf, len, PRIVSEP_RELAY_MS, &body, &len, err);
    if (rc != 0)
        return rc;
    struct acct_audit a;
    rc = psmsg_decode_response(body, len, &a, err);
    free(body);
    if (rc == TZ_EPROTO)
        return kill_child(ps, rc);
    if (rc == 0)
        acct_audit_free(&a);
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
    int rc = make_request(root, lim, dict_path, &rq, err);
    if (rc != 0)
        return rc;
    uint8_t *buf = NULL;
    size_t len = 0;
    rc = psmsg_encode_request(&rq, &buf, &len, err);
    if (rc != 0)
        return rc;
    uint8_t *body = NULL;
    rc = exchange(ps, buf, len, rq.lim.max_total_ms + PRIVSEP_SLACK_MS +
                  PRIVSEP_RELAY_MS, &body, &len, err);
    if (rc != 0)
        return rc;
    rc = psmsg_decode_response(body, len, a, err);
    free(body);
    if (rc == TZ_EPROTO)
        return kill_child(ps, rc);
    return rc;
}

static int has_inode(const unsigned long *v, size_t n, unsigned long inode)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < inode)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == inode;
}

int privsep_facts(struct privsep *ps, const unsigned long *inodes, size_t n,
                  struct rootfacts *f, struct tz_error *err)
{
    memset(f, 0, sizeof(*f));
    if (ps == NULL || ps->dead)
        return tz_err(err, TZ_EPROTO, NULL, 0,
                      "the privileged helper is not running");
    if (n > TZ_MAX_LISTENERS)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "more than %d sockets to ask "
                      "the privileged helper about", TZ_MAX_LISTENERS);
    /* the format wants them sorted and unique, without zeros */
    unsigned long *v = malloc((n ? n : 1) * sizeof(*v));
    if (v == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (inodes[i] != 0)
            v[m++] = inodes[i];
    if (m > 1)
        qsort(v, m, sizeof(*v), rootfacts_inode_cmp);
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (u == 0 || v[u - 1] != v[i])
            v[u++] = v[i];
    uint8_t *buf = NULL, *body = NULL;
    size_t len = 0;
    int rc = psmsg_encode_facts_request(v, u, &buf, &len, err);
    if (rc == 0)
        rc = exchange(ps, buf, len, PRIVSEP_SLACK_MS + PRIVSEP_RELAY_MS, &body,
                      &len, err);
    if (rc == 0) {
        rc = psmsg_decode_facts_response(body, len, f, err);
        free(body);
        if (rc == TZ_EPROTO) {
            free(v);
            return kill_child(ps, rc);
        }
    }
    /* an owner we did not ask about is a lie: drop the answer and the child */
    for (size_t i = 0; rc == 0 && i < f->n_owners; i++)
        if (!has_inode(v, u, f->owners[i].inode)) {
            rootfacts_free(f);
            memset(f, 0, sizeof(*f));
            rc = kill_child(ps, tz_err(err, TZ_EPROTO, NULL, 0,
                                       "the privileged helper answered about "
                                       "a socket it was not asked about"));
        }
    free(v);
    return rc;
}

int privsep_owners(void *arg, struct proc_owner *o, size_t n,
                   struct tz_error *err)
{
    struct privsep *ps = arg;
    unsigned long *inodes = calloc(n ? n : 1, sizeof(*inodes));
    if (inodes == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < n; i++)
        inodes[i] = o[i].inode;
    struct rootfacts f;
    int rc = privsep_facts(ps, inodes, n, &f, err);
    free(inodes);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        /* f.owners is sorted by inode: binary search */
        size_t lo = 0, hi = f.n_owners;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (f.owners[mid].inode < o[i].inode)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < f.n_owners && f.owners[lo].inode == o[i].inode) {
            o[i].pid = f.owners[lo].pid;
            memcpy(o[i].comm, f.owners[lo].comm, sizeof(o[i].comm));
        }
    }
    rootfacts_free(&f);
    return 0;
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
