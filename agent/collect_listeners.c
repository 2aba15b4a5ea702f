/* collect_listeners — listening sockets from sock_diag or /proc/net, owners
 * from /proc/PID/fd.
 *
 * The socket tables say what listens where but not who; the owner is found
 * the way ss(8) and lsof do (proc_owners.c). The tables are read first and
 * the scan only looks for the inodes we need. On the live host the kernel is asked for listeners
 * only (listeners_netlink.c): reading /proc/net/tcp walks every connection. */
#include "collect_listeners.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"
#include "decimal.h"
#include "listeners_netlink.h"
#include "proc_owners.h"
#include "rootfs.h"
#include "tz_limits.h"
#include "utf8.h"

struct lsn {
    int proto;               /* index into protos[] */
    char addr[INET6_ADDRSTRLEN];
    uint32_t port, uid, pid;
    unsigned long inode;
    int exposed;
    char comm[PROC_OWNER_COMM];
};

struct lsnvec {
    struct lsn *v;
    size_t n, cap;
};

static const struct {
    const char *name, *file;
    int v6, tcp;
} protos[] = {
    {"tcp", "/proc/net/tcp", 0, 1},
    {"tcp6", "/proc/net/tcp6", 1, 1},
    {"udp", "/proc/net/udp", 0, 0},
    {"udp6", "/proc/net/udp6", 1, 0},
};

/* Exactly n hex digits (n <= 8) into *out. */
static int hex32(const char *s, size_t n, uint32_t *out)
{
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = tz_hexval(s[i]);
        if (d < 0)
            return -1;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 0;
}

/* Address (network order, 4 or 16 bytes) and port into l, with exposed. */
static int set_endpoint(struct lsn *l, int v6, const unsigned char *bytes,
                        uint32_t port)
{
    if (inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, l->addr, sizeof(l->addr)) ==
        NULL)
        return -1;
    l->port = port;
    if (!v6) {
        l->exposed = bytes[0] != 127;
    } else {
        static const unsigned char loop6[16] = {[15] = 1};
        static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
        int is_loop = memcmp(bytes, loop6, 16) == 0 ||
                      (memcmp(bytes, mapped, 12) == 0 && bytes[12] == 127);
        l->exposed = !is_loop;
    }
    return 0;
}

/* "0100007F:0277" or 32 hex digits ":" port. The kernel prints each 32-bit
 * word of the address as the number it is in memory (%08X of a __be32 read
 * natively), so copying the parsed word back to memory restores the bytes. */
static int parse_endpoint(const char *s, int v6, struct lsn *l)
{
    size_t alen = v6 ? 32 : 8;
    if (strlen(s) != alen + 5 || s[alen] != ':')
        return -1;
    unsigned char bytes[16];
    for (size_t w = 0; w < alen / 8; w++) {
        uint32_t word;
        if (hex32(s + 8 * w, 8, &word) != 0)
            return -1;
        memcpy(bytes + 4 * w, &word, 4);
    }
    uint32_t port;
    if (hex32(s + alen + 1, 4, &port) != 0)
        return -1;
    return set_endpoint(l, v6, bytes, port);
}

/* One table line: "sl local remote st queues tr retr uid timeout inode ...".
 * 1 when it is a listener (l filled), 0 when not or malformed. */
static int parse_line(char *line, int proto, struct lsn *l)
{
    char *f[10], *save = NULL;
    int n = 0;
    for (char *t = strtok_r(line, " \t", &save); t && n < 10;
         t = strtok_r(NULL, " \t", &save))
        f[n++] = t;
    if (n < 10)
        return 0;
    const char *want = protos[proto].tcp ? "0A" : "07";
    if (strcmp(f[3], want) != 0)
        return 0;
    memset(l, 0, sizeof(*l));
    l->proto = proto;
    unsigned long uid, inode;
    if (parse_endpoint(f[1], protos[proto].v6, l) != 0 ||
        tz_decimal(f[7], UINT32_MAX, &uid) != 0 ||
        tz_decimal(f[9], (unsigned long)-1, &inode) != 0)
        return 0;
    l->uid = (uint32_t)uid;
    l->inode = inode;
    return 1;
}

static int push(struct lsnvec *lv, const struct lsn *l)
{
    if (lv->n == lv->cap) {
        size_t ncap = lv->cap ? lv->cap * 2 : 32;
        struct lsn *nv = realloc(lv->v, ncap * sizeof(*nv));
        if (nv == NULL)
            return TZ_ENOMEM;
        lv->v = nv;
        lv->cap = ncap;
    }
    lv->v[lv->n++] = *l;
    return 0;
}

static int read_table(const char *root, int proto, struct lsnvec *lv,
                      int *found, struct tz_error *err)
{
    char path[4096];
    if (tz_path(root, protos[proto].file, path, sizeof(path)) != 0)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "root path too long");
    struct tz_lines lr;
    struct tz_error e;
    int rc = tz_lines_open_in(&lr, root, protos[proto].file,
                              TZ_LISTEN_MAX_LINE, &e);
    if (rc != 0) {
        tz_lines_close(&lr);
        if (rc == TZ_ENOENT)
            return 0;        /* no IPv6, or no such table in a snapshot */
        if (rc == TZ_ENOMEM)
            return tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
        return tz_err(err, TZ_EIO, path, 0, "%s", e.msg);
    }
    *found = 1;
    char *line;
    size_t len;
    for (;;) {
        rc = tz_lines_next(&lr, &line, &len, &e);
        if (rc == 0)
            break;
        if (rc < 0) {
            /* a long line cannot be resynced: keep what we have */
            rc = rc == TZ_ENOMEM ? tz_err(err, TZ_ENOMEM, path, 0, "out of memory")
                                 : 0;
            break;
        }
        if ((unsigned long)lr.lineno > TZ_LISTEN_MAX_LINES)
            break;
        if (lr.lineno == 1)
            continue;        /* the header */
        struct lsn l;
        if (!parse_line(line, proto, &l) || lv->n >= TZ_MAX_LISTENERS)
            continue;
        if (push(lv, &l) != 0) {
            rc = tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
            break;
        }
    }
    tz_lines_close(&lr);
    return rc;
}

/* ---- or asked of the kernel ---------------------------------------------- */

struct nl_ctx {
    struct lsnvec *lv;
    int proto;
};

static int nl_add(void *arg, const struct nl_listener *s)
{
    struct nl_ctx *x = arg;
    struct lsn l;
    memset(&l, 0, sizeof(l));
    l.proto = x->proto;
    if (x->lv->n >= TZ_MAX_LISTENERS ||
        set_endpoint(&l, protos[x->proto].v6, s->addr, s->port) != 0)
        return 0;
    l.uid = s->uid;
    l.inode = s->inode;
    return push(x->lv, &l);
}

/* The four tables: over sock_diag on the live root when source allows,
 * else (or for a table it cannot give) from <root>/proc/net. */
static int read_tables(const char *root, int source, struct lsnvec *lv,
                       int *found, struct tz_error *err)
{
    int fd = -1, rc = 0;
    struct tz_error e;
    if (source != TZ_LISTEN_PROC && tz_root_is_live(root) &&
        listeners_netlink_open(&fd, &e) != 0)
        fd = -1;
    if (source == TZ_LISTEN_NETLINK && fd < 0) {
        if (!tz_root_is_live(root))
            return tz_err(err, TZ_EINVAL, NULL, 0,
                          "sock_diag answers for this host only");
        return tz_err(err, TZ_ENOENT, NULL, 0, "%s", e.msg);
    }
    for (int p = 0; p < 4 && rc == 0; p++) {
        if (fd >= 0) {
            size_t before = lv->n;
            struct nl_ctx x = {lv, p};
            rc = listeners_netlink(fd, protos[p].v6 ? AF_INET6 : AF_INET,
                                   protos[p].tcp ? IPPROTO_TCP : IPPROTO_UDP,
                                   nl_add, &x, &e);
            if (rc == 0) {
                *found = 1;
                continue;
            }
            if (rc == TZ_ENOMEM) {
                rc = tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
                break;
            }
            lv->n = before;          /* a dump cut short: none of it counts */
            if (rc != TZ_ENOENT) {   /* the socket may hold the rest: drop it */
                close(fd);
                fd = -1;
            }
            if (source == TZ_LISTEN_NETLINK) {
                rc = tz_err(err, rc, protos[p].name, 0, "%s", e.msg);
                break;
            }
        }
        rc = read_table(root, p, lv, found, err);
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

/* ---- owners --------------------------------------------------------------- */

/* What this process may read of /proc/PID/fd first; then, when fn is given,
 * fn is asked about the sockets still without an owner. fn failing is a
 * warning (*warn), never the section's failure. */
static int find_owners(const char *root, struct lsnvec *lv, listen_owner_fn fn,
                       void *arg, struct tz_error *warn, struct tz_error *err)
{
    if (lv->n == 0)
        return 0;
    struct proc_owner *o = calloc(lv->n, sizeof(*o));
    if (o == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < lv->n; i++)
        o[i].inode = lv->v[i].inode;
    int rc = proc_owners_find(root, o, lv->n, err);
    size_t nu = 0;
    for (size_t i = 0; rc == 0 && i < lv->n; i++) {
        lv->v[i].pid = o[i].pid;
        memcpy(lv->v[i].comm, o[i].comm, sizeof(o[i].comm));
        if (o[i].pid == 0 && o[i].inode != 0)
            o[nu++] = (struct proc_owner){o[i].inode, 0, ""};
    }
    if (rc == 0 && fn && nu > 0) {
        struct tz_error e;
        memset(&e, 0, sizeof(e));
        int frc = fn(arg, o, nu, &e);
        if (frc == TZ_ENOMEM) {
            rc = tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
        } else if (frc != 0) {
            if (warn) {
                *warn = e;
                if (warn->code == 0)
                    warn->code = frc;
            }
        } else {
            /* o is in listener order, so one pass matches them up */
            size_t k = 0;
            for (size_t i = 0; i < lv->n && k < nu; i++) {
                if (lv->v[i].pid != 0 || lv->v[i].inode != o[k].inode)
                    continue;
                if (o[k].pid != 0) {
                    lv->v[i].pid = o[k].pid;
                    memcpy(lv->v[i].comm, o[k].comm, sizeof(o[k].comm));
                    lv->v[i].comm[sizeof(lv->v[i].comm) - 1] = '\0';
                }
                k++;
            }
        }
    }
    free(o);
    return rc;
}

/* ---- output --------------------------------------------------------------- */

static int lsn_cmp(const void *a, const void *b)
{
    const struct lsn *x = a, *y = b;
    if (x->proto != y->proto)
        return x->proto < y->proto ? -1 : 1;
    if (x->port != y->port)
        return x->port < y->port ? -1 : 1;
    int c = strcmp(x->addr, y->addr);
    if (c)
        return c;
    /* duplicates: a known owner first, then the lowest pid, then the inode */
    if ((x->pid == 0) != (y->pid == 0))
        return x->pid == 0 ? 1 : -1;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    return x->inode < y->inode ? -1 : x->inode > y->inode;
}

static int same_key(const struct lsn *x, const struct lsn *y)
{
    return x->proto == y->proto && x->port == y->port &&
           strcmp(x->addr, y->addr) == 0;
}

static int build(const struct lsnvec *lv, Tz__ListenersSection *sec)
{
    if (lv->n == 0)
        return 0;
    sec->listeners = calloc(lv->n, sizeof(*sec->listeners));
    if (sec->listeners == NULL)
        return TZ_ENOMEM;
    for (size_t i = 0; i < lv->n; i++) {
        const struct lsn *l = &lv->v[i];
        if (i > 0 && same_key(&lv->v[i - 1], l))
            continue;
        Tz__Listener *x = malloc(sizeof(*x));
        if (x == NULL)
            return TZ_ENOMEM;
        tz__listener__init(x);
        sec->listeners[sec->n_listeners++] = x;
        x->port = l->port;
        x->pid = l->pid;
        x->uid = l->uid;
        x->exposed = l->exposed;
        if ((x->proto = strdup(protos[l->proto].name)) == NULL ||
            (x->address = strdup(l->addr)) == NULL)
            return TZ_ENOMEM;      /* NULL fields are skipped when freed */
        if (l->comm[0] && (x->process = strdup(l->comm)) == NULL)
            return TZ_ENOMEM;
    }
    return 0;
}

int collect_listeners(const char *root, Tz__ListenersSection **out,
                      struct tz_error *err)
{
    return collect_listeners_with(root, TZ_LISTEN_AUTO, NULL, NULL, out, NULL,
                                  err);
}

int collect_listeners_from(const char *root, int source,
                           Tz__ListenersSection **out, struct tz_error *err)
{
    return collect_listeners_with(root, source, NULL, NULL, out, NULL, err);
}

int collect_listeners_with(const char *root, int source, listen_owner_fn fn,
                           void *arg, Tz__ListenersSection **out,
                           struct tz_error *warn, struct tz_error *err)
{
    struct lsnvec lv = {NULL, 0, 0};
    int found = 0;
    int rc = read_tables(root, source, &lv, &found, err);
    if (rc == 0 && !found) {
        char path[4096];
        if (tz_path(root, "/proc/net", path, sizeof(path)) != 0)
            path[0] = '\0';
        rc = tz_err(err, TZ_ENOENT, path, 0,
                    "no socket tables (tcp, tcp6, udp, udp6); is /proc there?");
    }
    if (rc == 0)
        rc = find_owners(root, &lv, fn, arg, warn, err);
    if (rc != 0) {
        free(lv.v);
        return rc;
    }
    if (lv.n > 1)      /* qsort(NULL, 0) is undefined */
        qsort(lv.v, lv.n, sizeof(*lv.v), lsn_cmp);

    Tz__ListenersSection *sec = malloc(sizeof(*sec));
    if (sec == NULL) {
        free(lv.v);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    tz__listeners_section__init(sec);
    rc = build(&lv, sec);
    free(lv.v);
    if (rc != 0) {
        protobuf_c_message_free_unpacked(&sec->base, NULL);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    *out = sec;
    return 0;
}
