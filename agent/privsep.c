/* privsep — the agent's side of its root helper: start it, fix its
 * inputs, ask it, and trust nothing it answers. The helper itself is
 * agent/privsep/privsep_child.c. */
#include "privsep.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "privsep_child.h"
#include "privsep_io.h"
#include "privsep_msg.h"

struct privsep {
    pid_t pid;
    int fd;
    int dead;
    unsigned max_total_ms;       /* of the fix: how long an audit may take */
};

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
        privsep_child_main(sv[1], parent);
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
    int rc = psio_write_all(ps->fd, buf, len);
    free(buf);
    if (rc != 0)
        return kill_child(ps, tz_err(err, TZ_EPROTO, NULL, 0,
                                     "the privileged helper is gone"));
    unsigned long long deadline = tz_now_ms() + wait_ms;
    rc = psio_read_frame(ps->fd, PSMSG_MAX_RESPONSE, deadline, body, blen);
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

/* path, made absolute against our working directory (the helper's is /
 * as far as the fix goes), into out. */
static int absolute(const char *path, char *out, size_t len)
{
    char cwd[PSMSG_MAX_PATH + 1];
    if (path == NULL || path[0] == '\0' || path[0] == '/')
        return snprintf(out, len, "%s", path ? path : "") < (int)len ? 0 : -1;
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        return -1;
    return snprintf(out, len, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path) <
                   (int)len ? 0 : -1;
}

/* The fix for these inputs, defaults filled in. */
static int make_fix(const char *root, const struct weakpw_limits *lim,
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
    if (absolute(root, rq->root, sizeof(rq->root)) != 0 ||
        absolute(dict_path, rq->dict_path, sizeof(rq->dict_path)) != 0)
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
    int rc = make_fix(root, lim, dict_path, &rq, err);
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
    if (rc == 0) {
        acct_audit_free(&a);
        ps->max_total_ms = rq.lim.max_total_ms;
    }
    return rc;
}

int privsep_check(struct privsep *ps, struct acct_audit *a,
                  struct tz_error *err)
{
    memset(a, 0, sizeof(*a));
    if (ps == NULL || ps->dead)
        return tz_err(err, TZ_EPROTO, NULL, 0,
                      "the privileged helper is not running");
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = psmsg_encode_audit(&buf, &len, err);
    if (rc != 0)
        return rc;
    uint8_t *body = NULL;
    unsigned total = ps->max_total_ms ? ps->max_total_ms : WEAKPW_DEFAULT_TOTAL_MS;
    rc = exchange(ps, buf, len, (unsigned long long)total + PRIVSEP_SLACK_MS +
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

int privsep_socket(const struct privsep *ps)
{
    return ps && !ps->dead ? ps->fd : -1;
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
