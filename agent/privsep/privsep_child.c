/* privsep_child — the supervisor and its worker, the agent's root side. */
#include "privsep_child.h"

#include <errno.h>
#include <fcntl.h>
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

#include "acct_audit.h"
#include "clock.h"
#include "confine.h"
#include "privsep.h"
#include "privsep_io.h"
#include "privsep_msg.h"
#include "rootfacts.h"

#define CHILD_FD PRIVSEP_CHILD_FD
/* A worker that could not confine itself exits so, and never serves. */
#define EXIT_UNCONFINED 4
#define MAX_REQUEST (PSMSG_MAX_FACTS_REQUEST > PSMSG_MAX_REQUEST \
                         ? PSMSG_MAX_FACTS_REQUEST : PSMSG_MAX_REQUEST)

void (*privsep_worker_test_hook)(int kind);

/* What the supervisor holds; a worker gets a copy with fork. */
struct super {
    pid_t worker;
    int wfd;                     /* -1: no worker running */
    int fixed;
    struct psmsg_request fix;    /* root, limits; dict_path only to say it */
    struct acct_dict dict;       /* read at the fix */
    char unconfined[700];        /* why it could not confine itself: then
                                  * it serves nothing (cut to a message) */
};

/* ---- descriptors ---- */

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

/* ---- answers ---- */

static void answer(int status, const char *msg, const struct acct_audit *a)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    struct tz_error e;
    int rc = psmsg_encode_response(status, msg, status ? NULL : a, &buf, &len,
                                   &e);
    if (rc != 0)                 /* too big: say so rather than go silent */
        rc = psmsg_encode_response(rc, e.msg, NULL, &buf, &len, &e);
    if (rc != 0 || psio_write_all(CHILD_FD, buf, len) != 0)
        _exit(3);
    free(buf);
}

/* An error answer of the kind asked. Never TZ_EPROTO: to the agent that
 * means a broken supervisor, which it then ends. */
static void answer_error(int kind, int status, const char *msg)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    struct tz_error e;
    int rc = kind == PSMSG_FACTS
                 ? psmsg_encode_facts_response(status, msg, NULL, &buf, &len, &e)
                 : psmsg_encode_response(status, msg, NULL, &buf, &len, &e);
    if (rc != 0 || psio_write_all(CHILD_FD, buf, len) != 0)
        _exit(3);
    free(buf);
}

/* ---- the worker ---- */

/* "Root facts": fixed live paths only (rootfacts.h); the request carries
 * socket inodes, never a path. */
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
    if (rc != 0 || psio_write_all(CHILD_FD, buf, len) != 0)
        _exit(3);
    free(buf);
}

static void serve_audit(const struct super *s)
{
    struct acct_audit a;
    struct tz_error e;
    memset(&e, 0, sizeof(e));
    int rc = acct_audit_run_dict(s->fix.root[0] ? s->fix.root : NULL,
                                 &s->fix.lim, &s->dict, &a, &e);
    if (rc != 0) {
        char msg[PSMSG_MAX_MESSAGE + 1];
        tz_error_str(&e, msg, sizeof(msg));
        answer(rc, msg, NULL);
        return;
    }
    answer(0, NULL, &a);
    acct_audit_free(&a);
}

/* The worker: answers the requests its supervisor checked, on CHILD_FD,
 * until the supervisor closes it. Anything unexpected ends it; the
 * supervisor starts another. */
static void worker_serve(const struct super *s)
{
    for (;;) {
        uint8_t *body = NULL;
        size_t len = 0;
        int rc = psio_read_frame(CHILD_FD, MAX_REQUEST, 0, &body, &len);
        if (rc == 1)
            _exit(0);            /* the supervisor closed: stop */
        if (rc != 0)
            _exit(1);            /* cannot resynchronise a broken stream */
        int kind = psmsg_request_kind(body, len);
        if (privsep_worker_test_hook)
            privsep_worker_test_hook(kind);
        if (kind == PSMSG_FACTS) {
            serve_facts(body, len);
            continue;
        }
        free(body);
        if (kind != PSMSG_AUDIT)
            _exit(1);
        serve_audit(s);
    }
}

/* In the fresh worker: only the socket to the supervisor, at CHILD_FD, then
 * its locks, then work. */
static void worker_main(const struct super *s, int sock)
{
    pid_t super = getppid();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != super)
        _exit(0);
    if (dup2(sock, CHILD_FD) < 0)
        _exit(2);
    close_above_child_fd();
    confine_files(CONFINE_WORKER, s->fix.root);
    struct tz_error e;
    if (confine_syscalls(CONFINE_WORKER, &e) != 0)
        _exit(EXIT_UNCONFINED);
    worker_serve(s);
    _exit(0);
}

/* ---- the supervisor ---- */

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
    if (pid == 0)
        worker_main(s, sv[1]);
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
    else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_UNCONFINED)
        snprintf(why, n, "the privileged helper could not confine itself "
                 "(seccomp) and did not run");
    else
        snprintf(why, n, "the privileged helper exited with status %d and was "
                 "restarted", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    s->worker = 0;
}

/* Is body a well-formed answer of this kind? The agent checks it again;
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
    int rc = psio_write_frame(s->wfd, body, len);
    if (rc == 0)
        rc = psio_read_frame(s->wfd, PSMSG_MAX_RESPONSE, tz_now_ms() + wait_ms,
                             &ans, &alen);
    if (rc == 1)
        rc = TZ_EIO;            /* closed before answering */
    if (rc == 0 && !answer_ok(kind, ans, alen))
        rc = TZ_EPROTO;
    if (rc == 0) {
        if (psio_write_frame(CHILD_FD, ans, alen) != 0)
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
    answer_error(kind, rc == TZ_ETIMEOUT ? TZ_ETIMEOUT : TZ_EIO, why);
}

/* The fix: inputs for the child's life, the dictionary read now, then the
 * supervisor's own locks. A supervisor that cannot confine itself keeps
 * the fix but serves nothing, and every ask says why. */
static void take_fix(struct super *s, const uint8_t *body, size_t len)
{
    struct tz_error e;
    memset(&e, 0, sizeof(e));
    if (s->fixed) {
        answer_error(PSMSG_FIX, TZ_EPERM, "the privileged helper's root, "
                     "dictionary and limits are fixed already");
        return;
    }
    if (psmsg_decode_fix(body, len, &s->fix, &e) != 0) {
        answer_error(PSMSG_FIX, TZ_EINVAL, e.msg);
        return;
    }
    if (acct_dict_load(s->fix.dict_path[0] ? s->fix.dict_path : NULL, &s->dict,
                       &e) != 0) {
        answer_error(PSMSG_FIX, e.code, e.msg);
        return;
    }
    s->fixed = 1;
    confine_files(CONFINE_SUPERVISOR, NULL);
    if (confine_syscalls(CONFINE_SUPERVISOR, &e) != 0)
        snprintf(s->unconfined, sizeof(s->unconfined), "the privileged helper "
                 "could not confine itself (%s): it reads nothing as root", e.msg);
    answer(0, NULL, NULL);
}

static void supervise(struct super *s, int kind, const uint8_t *body, size_t len)
{
    if (kind == PSMSG_FIX) {
        take_fix(s, body, len);
        return;
    }
    struct tz_error e;
    if (kind == PSMSG_AUDIT && psmsg_decode_audit(body, len, &e) != 0)
        kind = PSMSG_BAD;
    if (kind == PSMSG_BAD) {
        answer_error(PSMSG_AUDIT, TZ_EPERM, "the privileged helper takes only "
                     "an account check or root facts, with nothing that names "
                     "a file: refused");
        return;
    }
    if (!s->fixed) {
        answer_error(kind, TZ_EPERM, "the privileged helper serves only after "
                     "its root and dictionary are fixed");
        return;
    }
    if (s->unconfined[0]) {
        answer_error(kind, TZ_EPERM, s->unconfined);
        return;
    }
    relay(s, kind, body, len,
          kind == PSMSG_FACTS
              ? PRIVSEP_SLACK_MS
              : (unsigned long long)s->fix.lim.max_total_ms + PRIVSEP_SLACK_MS);
}

void privsep_child_main(int sock, pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)     /* the parent died before prctl took */
        _exit(0);
    signal(SIGPIPE, SIG_IGN);
    child_fds(sock);
    static struct super s;       /* static: a fix holds two 4 KiB paths */
    s.wfd = -1;
    for (;;) {
        uint8_t *body = NULL;
        size_t len = 0;
        int rc = psio_read_frame(CHILD_FD, MAX_REQUEST, 0, &body, &len);
        if (rc != 0) {           /* parent closed (privsep_stop) or broke */
            char why[200];
            end_worker(&s, 1, "was stopped", why, sizeof(why));
            _exit(rc == 1 ? 0 : 1);
        }
        int kind = psmsg_request_kind(body, len);
        if (kind != PSMSG_FACTS && len > PSMSG_MAX_REQUEST)
            kind = PSMSG_BAD;
        supervise(&s, kind, body, len);
        free(body);
    }
}
