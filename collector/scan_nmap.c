/* scan_nmap — validate the ledger's addresses, run nmap on them under a
 * deadline and a byte cap, and judge whether the scan covered them all. */
#include "scan_nmap.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "nmap_xml.h"
#include "system_match.h"

#define NOT_INSTALLED "nmap is not installed (apt-get install nmap)"

/* nmap gets a known environment: the collector's own (its keys' paths,
 * whatever systemd set) is none of its business, and LC_ALL=C keeps its
 * messages in the English why_not quotes. */
static char *const child_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LC_ALL=C", NULL
};

struct target {
    struct sm_net net;
    char text[SM_NET_STRLEN];
    unsigned count;             /* addresses the entry covers */
};

void scan_result_free(struct scan_result *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_addrs; i++)
        free(r->addrs[i]);
    free(r->addrs);
    free(r->open);
    memset(r, 0, sizeof(*r));
}

static void why_not(struct scan_result *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void why_not(struct scan_result *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->why_not, sizeof(out->why_not), fmt, ap);
    va_end(ap);
    out->ran = 0;
}

/* An error the caller must see, also written where the checklist looks. */
static int refuse(struct scan_result *out, struct tz_error *err, int code,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int refuse(struct scan_result *out, struct tz_error *err, int code,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->why_not, sizeof(out->why_not), fmt, ap);
    va_end(ap);
    out->ran = 0;
    return tz_err(err, code, NULL, 0, "%s", out->why_not);
}

/* Host bits cleared, so 10.0.0.5/24 and 10.0.0.0/24 are one entry. */
static void net_mask(struct sm_net *n)
{
    unsigned full = n->family == 4 ? 32 : 128;
    for (unsigned b = n->prefix; b < full; b++)
        n->addr[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
}

static int target_parse(const char *a, struct target *t, char *why,
                        size_t whylen)
{
    if (a == NULL || strnlen(a, SM_NET_STRLEN) >= SM_NET_STRLEN) {
        snprintf(why, whylen, "\"%.40s%s\" is not an IP address",
                 a ? a : "(null)", a ? "..." : "");
        return TZ_EINVAL;
    }
    if (sm_net_parse(a, &t->net, why, whylen) != 0)
        return TZ_EINVAL;
    unsigned full = t->net.family == 4 ? 32 : 128, host = full - t->net.prefix;
    if (host > 8) {
        if (host < 31)
            snprintf(why, whylen, "\"%s\" is a block of %u addresses; a scan "
                     "takes blocks of at most 256 (/24 for IPv4, /120 for "
                     "IPv6)", a, 1u << host);
        else
            snprintf(why, whylen, "\"%s\" is a block of 2^%u addresses; a scan "
                     "takes blocks of at most 256 (/24 for IPv4, /120 for "
                     "IPv6)", a, host);
        return TZ_EINVAL;
    }
    /* Our own text from the parsed bytes is what nmap sees: it cannot start
     * with '-' or hold anything but the address. */
    sm_net_format(&t->net, t->text);
    net_mask(&t->net);
    t->count = 1u << host;
    return 0;
}

/* A range a-b: the CIDR blocks that make it up, each its own target. *nb
 * gets how many. TZ_EINVAL: not a range; TZ_ELIMIT: a range over
 * SCAN_MAX_ADDRS addresses (why says so). */
static int range_targets(const char *a, struct target *t, size_t *nb,
                         char *why, size_t whylen)
{
    struct sm_range r;
    struct sm_net blk[SM_RANGE_BLOCKS];
    if (sm_item_parse(a, &r, NULL, why, whylen) != 0)
        return TZ_EINVAL;
    size_t n = sm_range_blocks(&r, blk, SM_RANGE_BLOCKS);
    unsigned covered = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned host = (r.family == 4 ? 32 : 128) - blk[i].prefix;
        if (host > 8 || (covered += 1u << host) > SCAN_MAX_ADDRS) {
            snprintf(why, whylen, "\"%s\" is a range of more than %d "
                     "addresses, the most one scan takes", a, SCAN_MAX_ADDRS);
            return TZ_ELIMIT;
        }
        t[i].net = blk[i];
        sm_net_format(&blk[i], t[i].text);
        t[i].count = 1u << host;
    }
    *nb = n;
    return 0;
}

static int targets_parse(const char *const *addrs, size_t n_addrs,
                         struct target *t, size_t *n_t,
                         struct scan_result *out, struct tz_error *err)
{
    size_t m = 0;
    unsigned covered = 0;
    for (size_t i = 0; i < n_addrs; i++) {
        char why[200];
        struct target cur[SCAN_MAX_ADDRS];
        size_t nc = 1;
        int rc = target_parse(addrs[i], &cur[0], why, sizeof(why));
        /* not an address or a block: a range, or what target_parse said */
        if (rc != 0 && addrs[i] && strchr(addrs[i], '-') &&
            strnlen(addrs[i], SM_ITEM_STRLEN) < SM_ITEM_STRLEN) {
            char rwhy[200];
            int rr = range_targets(addrs[i], cur, &nc, rwhy, sizeof(rwhy));
            if (rr != TZ_EINVAL)
                rc = rr;
            if (rr == TZ_ELIMIT)
                snprintf(why, sizeof(why), "%s", rwhy);
        }
        if (rc != 0)
            return refuse(out, err, TZ_EINVAL, "address %zu: %s", i + 1, why);
        for (size_t c = 0; c < nc; c++) {
            int dup = 0;
            for (size_t j = 0; j < m && !dup; j++)
                dup = memcmp(&t[j].net, &cur[c].net, sizeof(cur[c].net)) == 0;
            if (dup)
                continue;
            covered += cur[c].count;
            if (covered > SCAN_MAX_ADDRS)
                return refuse(out, err, TZ_ELIMIT, "the addresses cover more "
                              "than %d hosts, the most one scan takes",
                              SCAN_MAX_ADDRS);
            t[m++] = cur[c];
        }
    }
    *n_t = m;
    return 0;
}

/* "22,80,443": sorted, each port once. */
static int ports_text(const uint16_t *ports, size_t n, char **text,
                      struct scan_result *out, struct tz_error *err)
{
    if (ports == NULL || n == 0)
        return refuse(out, err, TZ_EINVAL, "no ports to scan");
    if (n > SCAN_NMAP_MAX_PORTS)
        return refuse(out, err, TZ_ELIMIT, "%zu ports, the most one scan "
                      "takes is %d", n, SCAN_NMAP_MAX_PORTS);
    uint8_t *seen = calloc(65536 / 8, 1);
    char *s = malloc(n * 6 + 1);
    if (seen == NULL || s == NULL) {
        free(seen);
        free(s);
        return refuse(out, err, TZ_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        if (ports[i] == 0) {
            free(seen);
            free(s);
            return refuse(out, err, TZ_EINVAL, "port 0 cannot be scanned");
        }
        seen[ports[i] / 8] |= (uint8_t)(1u << (ports[i] % 8));
    }
    size_t len = 0;
    for (unsigned p = 1; p < 65536; p++)
        if (seen[p / 8] & (1u << (p % 8)))
            len += (size_t)sprintf(s + len, "%s%u", len ? "," : "", p);
    free(seen);
    *text = s;
    return 0;
}

/* The nmap binary to run into path, or 0 with why_not set. */
static int find_nmap(const char *nmap_path, char *path, size_t size,
                     struct scan_result *out)
{
    if (nmap_path) {
        if (access(nmap_path, X_OK) != 0) {
            why_not(out, NOT_INSTALLED ": %s: %s", nmap_path, strerror(errno));
            return -1;
        }
        snprintf(path, size, "%s", nmap_path);
        return 0;
    }
    const char *env = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof(dirs), "%s", env && env[0] ? env : "/usr/bin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        if (d[0] != '/')
            continue;           /* a relative PATH entry depends on the cwd */
        int n = snprintf(path, size, "%s/nmap", d);
        if (n > 0 && (size_t)n < size && access(path, X_OK) == 0)
            return 0;
    }
    why_not(out, NOT_INSTALLED);
    return -1;
}

/* What one nmap process did. */
struct capture {
    char *out;                  /* stdout, NUL-terminated */
    size_t out_len;
    char err[SCAN_NMAP_MAX_STDERR + 1];
    size_t err_len;
    int status;                 /* waitpid status */
    int timed_out, too_big, lost; /* lost: status unknown (ECHILD) */
};

/* Read what is there on fd into the capture; 0 at EOF, 1 while open. */
static int drain(int fd, struct capture *c, int is_out, size_t *cap)
{
    char tmp[65536];
    ssize_t r = read(fd, tmp, sizeof(tmp));
    if (r < 0)
        return errno == EINTR || errno == EAGAIN ? 1 : 0;
    if (r == 0)
        return 0;
    size_t n = (size_t)r;
    if (!is_out) {
        size_t room = SCAN_NMAP_MAX_STDERR - c->err_len;
        memcpy(c->err + c->err_len, tmp, n < room ? n : room);
        c->err_len += n < room ? n : room;
        c->err[c->err_len] = '\0';
        return 1;
    }
    if (c->out_len + n > SCAN_NMAP_MAX_OUTPUT) {
        c->too_big = 1;
        return 0;
    }
    if (c->out_len + n + 1 > *cap) {
        size_t nc = *cap ? *cap : 65536;
        while (nc < c->out_len + n + 1)
            nc *= 2;
        char *v = realloc(c->out, nc);
        if (v == NULL) {
            c->too_big = 1;     /* treated as a cap: nmap is stopped */
            return 0;
        }
        c->out = v;
        *cap = nc;
    }
    memcpy(c->out + c->out_len, tmp, n);
    c->out_len += n;
    c->out[c->out_len] = '\0';
    return 1;
}

static void reap(pid_t pid, uint64_t deadline, struct capture *c)
{
    /* nmap closed its output: it is exiting, but a stuck one still gets
     * only until the deadline. */
    for (;;) {
        pid_t r = waitpid(pid, &c->status, WNOHANG);
        if (r == pid)
            return;
        if (r < 0 && errno != EINTR) {
            c->lost = 1;        /* SIGCHLD ignored: the kernel reaped it */
            return;
        }
        if (tz_now_ms() >= deadline)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    c->timed_out = 1;
    kill(-pid, SIGKILL);
    while (waitpid(pid, &c->status, 0) < 0)
        if (errno != EINTR) {
            c->lost = 1;
            return;
        }
}

static int spawn_setup(posix_spawn_file_actions_t *fa, posix_spawnattr_t *at,
                       int out_w, int err_w)
{
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    if (posix_spawn_file_actions_init(fa) != 0)
        return -1;
    if (posix_spawnattr_init(at) != 0) {
        posix_spawn_file_actions_destroy(fa);
        return -1;
    }
    int rc = 0;
    rc |= posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
    rc |= posix_spawn_file_actions_adddup2(fa, out_w, 1);
    rc |= posix_spawn_file_actions_adddup2(fa, err_w, 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
    /* Our sockets and the register's descriptors stay ours. */
    rc |= posix_spawn_file_actions_addclosefrom_np(fa, 3);
#endif
    /* Its own process group, so a timeout kills whatever it started too;
     * default signals and an empty mask, whatever the collector blocks. */
    rc |= posix_spawnattr_setflags(at, POSIX_SPAWN_SETPGROUP |
                                   POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    rc |= posix_spawnattr_setpgroup(at, 0);
    rc |= posix_spawnattr_setsigmask(at, &none);
    rc |= posix_spawnattr_setsigdefault(at, &all);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(fa);
        posix_spawnattr_destroy(at);
        return -1;
    }
    return 0;
}

/* Run argv until it exits or deadline; the child is reaped on every path
 * that started it. Returns 0, or a positive errno when it did not start. */
static int run_capture(const char *bin, char *const argv[], uint64_t deadline,
                       struct capture *c)
{
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) != 0)
        return errno;
    if (pipe2(pe, O_CLOEXEC) != 0) {
        int e = errno;
        close(po[0]);
        close(po[1]);
        return e;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    pid_t pid = -1;
    int rc = ENOMEM;
    if (spawn_setup(&fa, &at, po[1], pe[1]) == 0) {
        rc = posix_spawn(&pid, bin, &fa, &at, argv, child_env);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&at);
    }
    close(po[1]);
    close(pe[1]);
    if (rc != 0) {
        close(po[0]);
        close(pe[0]);
        return rc;
    }
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    size_t cap = 0;
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        uint64_t now = tz_now_ms();
        if (now >= deadline) {
            c->timed_out = 1;
            break;
        }
        uint64_t left = deadline - now;
        int r = poll(fds, 2, left > 60000 ? 60000 : (int)left);
        if (r < 0 && errno != EINTR)
            break;
        for (int i = 0; r > 0 && i < 2; i++) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            if (!drain(fds[i].fd, c, i == 0, &cap)) {
                close(fds[i].fd);
                fds[i].fd = -1;
            }
        }
        if (c->too_big)
            break;
    }
    if (c->timed_out || c->too_big)
        kill(-pid, SIGKILL);
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    reap(pid, deadline, c);
    return 0;
}

/* The first line of nmap's stderr, printable, for why_not. */
static const char *stderr_line(struct capture *c, char *buf, size_t size)
{
    size_t n = 0;
    const char *s = c->err;
    while (*s == '\n')
        s++;
    for (; s[n] && s[n] != '\n' && n + 1 < size; n++)
        buf[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n];
    buf[n] = '\0';
    return n ? buf : "(nothing on stderr)";
}

/* Judge one finished nmap process into part (ran, why_not, open). */
static int judge_run(struct capture *c, int timeout_s, unsigned expected,
                     struct scan_result *part, struct tz_error *err)
{
    char line[160];
    if (c->timed_out) {
        why_not(part, "nmap did not finish within %d s (timeout); it was "
                "stopped", timeout_s);
        return 0;
    }
    if (c->too_big) {
        why_not(part, "nmap wrote more than %u bytes of XML; it was stopped",
                SCAN_NMAP_MAX_OUTPUT);
        return 0;
    }
    if (c->lost) {
        why_not(part, "nmap's exit status was lost (is SIGCHLD ignored?)");
        return 0;
    }
    if (WIFSIGNALED(c->status)) {
        why_not(part, "nmap was killed by signal %d: %s", WTERMSIG(c->status),
                stderr_line(c, line, sizeof(line)));
        return 0;
    }
    if (WEXITSTATUS(c->status) != 0) {
        why_not(part, "nmap failed (exit %d): %s", WEXITSTATUS(c->status),
                stderr_line(c, line, sizeof(line)));
        return 0;
    }
    struct nmap_xml_run run;
    struct tz_error xe = {0};
    int rc = nmap_xml_parse_run(c->out ? c->out : "", c->out_len, part, &run,
                                &xe);
    if (rc == TZ_ENOMEM)
        return tz_err(err, rc, NULL, 0, "out of memory");
    if (rc != 0) {
        char buf[300];
        why_not(part, "nmap's XML could not be read (%s); nmap said: %s",
                tz_error_str(&xe, buf, sizeof(buf)),
                stderr_line(c, line, sizeof(line)));
        return 0;
    }
    if (part->ran && run.hosts_total != (long)expected)
        why_not(part, "nmap reported %ld of the %u addresses asked for",
                run.hosts_total, expected);
    return 0;
}

/* One nmap run over the targets of one family, into part. */
static int scan_family(const char *bin, const struct target *t, size_t n_t,
                       int family, const char *ports, uint64_t deadline,
                       int timeout_s, struct scan_result *part,
                       struct tz_error *err)
{
    char *argv[24 + SCAN_MAX_ADDRS];
    char host_timeout[32];
    size_t a = 0;
    unsigned expected = 0;
    uint64_t now = tz_now_ms(), left = deadline > now ? deadline - now : 0;
    /* Leave nmap a quarter of the time to write its report after giving up
     * on a slow host, so the timeout comes as XML rather than a kill. */
    snprintf(host_timeout, sizeof(host_timeout), "%llums",
             (unsigned long long)(left * 3 / 4 > 100 ? left * 3 / 4 : 100));
    argv[a++] = "nmap";
    if (family == 6)
        argv[a++] = "-6";
    const char *fixed[] = {"-sT", "-Pn", "-n", "--open", "--noninteractive",
                           "--max-retries", "1", "--host-timeout", host_timeout,
                           "-oX", "-", "-p", ports, "--"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        argv[a++] = (char *)fixed[i];
    for (size_t i = 0; i < n_t; i++)
        if (t[i].net.family == family) {
            argv[a++] = (char *)t[i].text;
            expected += t[i].count;
        }
    argv[a] = NULL;
    struct capture c;
    memset(&c, 0, sizeof(c));
    int rc = run_capture(bin, argv, deadline, &c);
    if (rc != 0) {
        free(c.out);
        why_not(part, "nmap could not be started: %s: %s", bin, strerror(rc));
        return rc == ENOMEM || rc == EMFILE || rc == ENFILE
               ? tz_err(err, TZ_EIO, NULL, 0, "%s", part->why_not) : 0;
    }
    rc = judge_run(&c, timeout_s, expected, part, err);
    free(c.out);
    return rc;
}

/* Append part's open ports to out, keeping the SCAN_MAX_OPEN bound. */
static int merge(struct scan_result *out, struct scan_result *part)
{
    size_t room = SCAN_MAX_OPEN - out->n_open;
    size_t n = part->n_open < room ? part->n_open : room;
    out->truncated |= part->truncated || n < part->n_open;
    if (out->nmap_version[0] == '\0')
        memcpy(out->nmap_version, part->nmap_version, sizeof(out->nmap_version));
    if (n == 0)
        return 0;
    struct scan_port *v = realloc(out->open, (out->n_open + n) * sizeof(*v));
    if (v == NULL)
        return TZ_ENOMEM;
    memcpy(v + out->n_open, part->open, n * sizeof(*v));
    out->open = v;
    out->n_open += n;
    return 0;
}

static int keep_addrs(struct scan_result *out, const struct target *t, size_t n)
{
    out->addrs = calloc(n ? n : 1, sizeof(char *));
    if (out->addrs == NULL)
        return TZ_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        out->addrs[i] = strdup(t[i].text);
        if (out->addrs[i] == NULL)
            return TZ_ENOMEM;
        out->n_addrs++;
    }
    return 0;
}

static int scan_all(const struct target *t, size_t n_t, const char *ports,
                    int timeout_s, const char *nmap_path,
                    struct scan_result *out, struct tz_error *err)
{
    uint64_t deadline = tz_now_ms() + (uint64_t)timeout_s * 1000;
    char bin[4096];
    if (find_nmap(nmap_path, bin, sizeof(bin), out) != 0)
        return 0;
    out->ran = 1;
    /* IPv4 first: a family that did not run ends the scan, it is "not
     * checked" either way. */
    for (int family = 4; family <= 6 && out->ran; family += 2) {
        int any = 0;
        for (size_t i = 0; i < n_t && !any; i++)
            any = t[i].net.family == family;
        if (!any)
            continue;
        struct scan_result part;
        memset(&part, 0, sizeof(part));
        int rc = scan_family(bin, t, n_t, family, ports, deadline, timeout_s,
                             &part, err);
        if (rc == 0 && merge(out, &part) != 0)
            rc = tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
        if (rc != 0 || !part.ran)
            why_not(out, "%s", part.why_not[0] ? part.why_not : "out of memory");
        scan_result_free(&part);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int scan_nmap(const char *const *addrs, size_t n_addrs, const uint16_t *ports,
              size_t n_ports, int timeout_s, const char *nmap_path,
              struct scan_result *out, struct tz_error *err)
{
    if (out == NULL)
        return tz_err(err, TZ_EINVAL, NULL, 0, "no result to fill");
    memset(out, 0, sizeof(*out));
    out->started_at = (int64_t)time(NULL);
    if (n_addrs && addrs == NULL)
        return refuse(out, err, TZ_EINVAL, "no address list");
    if (timeout_s < 1 || timeout_s > SCAN_NMAP_MAX_TIMEOUT)
        return refuse(out, err, TZ_EINVAL, "a scan timeout of %d s; it must "
                      "be 1 to %d", timeout_s, SCAN_NMAP_MAX_TIMEOUT);
    if (n_addrs > SCAN_MAX_ADDRS)
        return refuse(out, err, TZ_ELIMIT, "%zu addresses, the most one scan "
                      "takes is %d", n_addrs, SCAN_MAX_ADDRS);
    /* A range is several blocks: as many targets as addresses at most. */
    struct target *t = calloc(SCAN_MAX_ADDRS, sizeof(*t));
    char *ptext = NULL;
    if (t == NULL)
        return refuse(out, err, TZ_ENOMEM, "out of memory");
    size_t n_t = 0;
    int rc = targets_parse(addrs, n_addrs, t, &n_t, out, err);
    if (rc == 0)
        rc = ports_text(ports, n_ports, &ptext, out, err);
    if (rc == 0 && keep_addrs(out, t, n_t) != 0)
        rc = refuse(out, err, TZ_ENOMEM, "out of memory");
    if (rc == 0 && n_t == 0)
        why_not(out, "the ledger lists no IP address for this system");
    else if (rc == 0)
        rc = scan_all(t, n_t, ptext, timeout_s, nmap_path, out, err);
    free(t);
    free(ptext);
    out->finished_at = (int64_t)time(NULL);
    return rc;
}
