/* listeners_netlink — the listening sockets of this host from the kernel's
 * sock_diag (NETLINK_SOCK_DIAG, inet_diag_req_v2), filtered by the kernel.
 *
 * Reading /proc/net/tcp makes the kernel walk every established socket
 * (again for each page read): on this project's hosts that was a tenth of a
 * collection for a handful of listeners. Asked over netlink for one state,
 * the kernel walks only the listening table.
 *
 * One table per call, the same sockets /proc/net/<table> lists in that
 * state: family AF_INET or AF_INET6 and protocol IPPROTO_TCP, sockets in
 * LISTEN; IPPROTO_UDP, sockets in CLOSE (bound, not connected). Only the
 * caller's own network namespace, as /proc/net shows it. fn gets each
 * socket; it returns 0 to go on, < 0 (TZ_E*) to stop with that code.
 * Bounds: at most TZ_LISTEN_MAX_LINES sockets are looked at (the rest are
 * ignored, as /proc's lines past the bound are); messages are checked
 * against their lengths; a reply that stalls for 2 s is TZ_EIO.
 *
 * Returns 0; TZ_ENOENT when sock_diag cannot answer for this table (no
 * netlink, no diag module for the protocol, a sandbox forbids it): the
 * caller reads /proc instead; TZ_EIO when the dump fails midway; fn's code.
 * A socket, if one is given, is the caller's (listeners_netlink_open). */
#ifndef TZ_LISTENERS_NETLINK_H
#define TZ_LISTENERS_NETLINK_H

#include <stdint.h>

#include "tz_error.h"

struct nl_listener {
    int family;              /* AF_INET or AF_INET6 */
    unsigned char addr[16];  /* as on the wire; the first 4 for AF_INET */
    uint16_t port;           /* host order */
    uint32_t uid;
    unsigned long inode;
};

typedef int (*nl_listener_fn)(void *arg, const struct nl_listener *l);

/* A sock_diag socket, or TZ_ENOENT (err says why) when there is none. */
int listeners_netlink_open(int *fd, struct tz_error *err);

int listeners_netlink(int fd, int family, int protocol, nl_listener_fn fn,
                      void *arg, struct tz_error *err);

/* The reading of one dump, split out so the replies can be fuzzed: the
 * kernel's bytes are checked as any input is. */
struct nl_dump {
    int family;
    unsigned state;          /* TCP_LISTEN or TCP_CLOSE */
    uint32_t seq;            /* of the request; other messages are ignored */
    unsigned long msgs, sockets;
    nl_listener_fn fn;
    void *arg;
    int rc;                  /* how the dump ended */
};

void listeners_netlink_dump_init(struct nl_dump *d, int family, int protocol,
                                 nl_listener_fn fn, void *arg);
/* One datagram of the reply (n bytes, any alignment): 1 when the dump has
 * ended (d->rc: 0, or a code as for listeners_netlink), 0 when more is to
 * come. Datagrams over 32 KiB end it with TZ_EIO. */
int listeners_netlink_reply(struct nl_dump *d, const void *buf, size_t n,
                            struct tz_error *err);

#endif
