/* listeners_netlink — listening sockets asked of the kernel, not read from
 * /proc/net: the kernel filters by state, so it never walks the established
 * sockets. The replies are checked as any outside input is. */
#include "listeners_netlink.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "collect_listeners.h"

#define RECV_BUF  32768      /* what ss(8) uses; a dump datagram is smaller */
#define STALL_S   2
/* Messages of one dump looked at before giving up: the kernel's dump ends,
 * but nothing here runs unbounded on its word. */
#define MAX_MSGS  (4 * TZ_LISTEN_MAX_LINES)

int listeners_netlink_open(int *fd, struct tz_error *err)
{
    int s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (s < 0)
        return tz_err(err, TZ_ENOENT, NULL, 0, "no sock_diag socket: %s",
                      strerror(errno));
    struct timeval tv = {STALL_S, 0};
    if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
        int e = errno;
        close(s);
        return tz_err(err, TZ_ENOENT, NULL, 0, "sock_diag socket: %s",
                      strerror(e));
    }
    *fd = s;
    return 0;
}

/* The kernel refused the request as such: another way must be taken. */
static int refused(int code)
{
    return code == ENOENT || code == EINVAL || code == EOPNOTSUPP ||
           code == EPROTONOSUPPORT || code == EAFNOSUPPORT || code == EPERM ||
           code == EACCES;
}

/* One reply message. 1: the dump is over (d->rc says how), 0: go on. */
static int on_msg(const struct nlmsghdr *h, struct nl_dump *d,
                  struct tz_error *err)
{
    if (h->nlmsg_type == NLMSG_DONE) {
        /* a dump that failed midway says so in its DONE message */
        int code = 0;
        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
            memcpy(&code, NLMSG_DATA(h), sizeof(int));
        /* errno values are small: anything else is not one to negate */
        d->rc = code < 0 ? tz_err(err, TZ_EIO, NULL, 0, "sock_diag dump: %s",
                                  strerror(code > -4096 ? -code : EPROTO))
                         : 0;
        return 1;
    }
    if (h->nlmsg_type == NLMSG_ERROR) {
        struct nlmsgerr e;
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(e))) {
            d->rc = tz_err(err, TZ_EIO, NULL, 0,
                           "sock_diag: short error message");
            return 1;
        }
        memcpy(&e, NLMSG_DATA(h), sizeof(e));
        int code = e.error < 0 && e.error > -4096 ? -e.error : EPROTO;
        d->rc = tz_err(err, refused(code) ? TZ_ENOENT : TZ_EIO, NULL, 0,
                       "sock_diag: %s", strerror(code));
        return 1;
    }
    if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
        return 0;
    struct inet_diag_msg m;
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof(m))) {
        d->rc = tz_err(err, TZ_EIO, NULL, 0, "sock_diag: short socket message");
        return 1;
    }
    memcpy(&m, NLMSG_DATA(h), sizeof(m));
    if (m.idiag_family != d->family || m.idiag_state != d->state)
        return 0;            /* not asked for: never trust the filter blindly */
    if (++d->sockets > TZ_LISTEN_MAX_LINES)
        return 0;
    struct nl_listener l;
    memset(&l, 0, sizeof(l));
    l.family = d->family;
    memcpy(l.addr, m.id.idiag_src, d->family == AF_INET6 ? 16 : 4);
    l.port = ntohs(m.id.idiag_sport);
    l.uid = m.idiag_uid;
    l.inode = m.idiag_inode;
    int r = d->fn(d->arg, &l);
    if (r < 0) {
        d->rc = r;
        return 1;
    }
    return 0;
}

void listeners_netlink_dump_init(struct nl_dump *d, int family, int protocol,
                                 nl_listener_fn fn, void *arg)
{
    memset(d, 0, sizeof(*d));
    d->family = family;
    /* what /proc/net lists as 0A (TCP LISTEN) and 07 (UDP bound, unconnected) */
    d->state = protocol == IPPROTO_TCP ? TCP_LISTEN : TCP_CLOSE;
    d->seq = (uint32_t)family << 8 | (uint32_t)protocol;
    d->fn = fn;
    d->arg = arg;
}

int listeners_netlink_reply(struct nl_dump *d, const void *buf, size_t n,
                            struct tz_error *err)
{
    if (n > RECV_BUF) {
        d->rc = tz_err(err, TZ_EIO, NULL, 0, "sock_diag reply too long");
        return 1;
    }
    union {
        struct nlmsghdr h;   /* aligns the copy for the headers in it */
        char b[RECV_BUF];
    } a;
    const struct nlmsghdr *h = buf;
    if (((uintptr_t)buf & (NLMSG_ALIGNTO - 1)) != 0) {
        memcpy(a.b, buf, n);
        h = &a.h;
    }
    size_t left = n;
    while (left >= sizeof(*h) && h->nlmsg_len >= sizeof(*h) &&
           h->nlmsg_len <= left) {
        if (++d->msgs > MAX_MSGS) {
            d->rc = tz_err(err, TZ_EIO, NULL, 0,
                           "sock_diag reply longer than %lu messages",
                           (unsigned long)MAX_MSGS);
            return 1;
        }
        /* a message of another request is left over from it: skip */
        if (h->nlmsg_seq == d->seq && on_msg(h, d, err))
            return 1;
        size_t step = NLMSG_ALIGN(h->nlmsg_len);
        if (step >= left)
            break;
        left -= step;
        h = (const struct nlmsghdr *)(const void *)((const char *)h + step);
    }
    return 0;
}

int listeners_netlink(int fd, int family, int protocol, nl_listener_fn fn,
                      void *arg, struct tz_error *err)
{
    struct nl_dump d;
    listeners_netlink_dump_init(&d, family, protocol, fn, arg);
    struct {
        struct nlmsghdr nh;
        struct inet_diag_req_v2 r;
    } req;
    memset(&req, 0, sizeof(req));
    req.nh.nlmsg_len = sizeof(req);
    req.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.nh.nlmsg_seq = d.seq;
    req.r.sdiag_family = (uint8_t)family;
    req.r.sdiag_protocol = (uint8_t)protocol;
    req.r.idiag_states = 1u << d.state;
    struct sockaddr_nl kernel;
    memset(&kernel, 0, sizeof(kernel));
    kernel.nl_family = AF_NETLINK;
    ssize_t sent;
    do
        sent = sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel,
                      sizeof(kernel));
    while (sent < 0 && errno == EINTR);
    if (sent != (ssize_t)sizeof(req))
        return tz_err(err, sent < 0 && refused(errno) ? TZ_ENOENT : TZ_EIO, NULL,
                      0, "sock_diag request: %s",
                      sent < 0 ? strerror(errno) : "short write");

    union {
        struct nlmsghdr h;
        char b[RECV_BUF];
    } buf;
    for (;;) {
        struct sockaddr_nl from;
        struct iovec iov = {buf.b, sizeof(buf.b)};
        struct msghdr mh;
        memset(&mh, 0, sizeof(mh));
        mh.msg_name = &from;
        mh.msg_namelen = sizeof(from);
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        ssize_t n = recvmsg(fd, &mh, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return tz_err(err, TZ_EIO, NULL, 0, "sock_diag reply: %s",
                          n < 0 ? strerror(errno) : "connection closed");
        if (mh.msg_flags & MSG_TRUNC)
            return tz_err(err, TZ_EIO, NULL, 0, "sock_diag reply truncated");
        if (mh.msg_namelen < sizeof(from) || from.nl_pid != 0)
            continue;        /* only the kernel speaks here */
        if (listeners_netlink_reply(&d, buf.b, (size_t)n, err))
            return d.rc;
    }
}
