/* collect_listeners — sockets waiting for connections, and who owns them.
 *
 * Reads <root>/proc/net/{tcp,tcp6,udp,udp6}: TCP sockets in state 0A
 * (LISTEN) and UDP sockets in state 07 (bound, not connected). On the live
 * root the same sockets are asked of the kernel over sock_diag instead
 * (listeners_netlink.h), which then never walks the established
 * connections; a table sock_diag cannot give is read from /proc. Addresses are
 * decoded as the kernel prints them, each 32-bit word in the host's byte order
 * (little-endian on x86 and arm64), and formatted by inet_ntop ("0.0.0.0",
 * "::", "::ffff:127.0.0.1"). uid is the socket's owner.
 *
 * The owning process is found by reading the links in <root>/proc/PID/fd/
 * (every numeric PID) for "socket:[INODE]" (proc_owners.h); when several processes share a socket the lowest pid is
 * reported, with its <root>/proc/PID/comm as process. Without root the fd
 * directories of other users' processes cannot be read: those sockets keep
 * pid 0 and an empty process, which is not an error (the agent asks its root
 * child about them, collect_listeners_with).
 *
 * exposed = the address is not loopback: not 127.0.0.0/8, not ::1, not
 * ::ffff:127.0.0.0/104. Identical (proto, address, port) entries (for
 * instance SO_REUSEPORT groups) are listed once, preferring one with a known
 * process, then the lowest pid. Sorted by proto, port, address.
 *
 * Hostile or odd input (a snapshot under --root) is bounded: lines over 4 KiB,
 * lines that do not parse, and bad hex are skipped; at most
 * TZ_LISTEN_MAX_LINES lines per file, TZ_MAX_LISTENERS listeners,
 * TZ_LISTEN_MAX_PROCS processes and TZ_LISTEN_MAX_FDS descriptors in all are
 * looked at. Past a bound the rest is ignored silently: the section has no
 * field to say so (pid 0 or a missing entry is the visible effect).
 *
 * Ownership: on success *out is the caller's; free it with
 * protobuf_c_message_free_unpacked(&(*out)->base, NULL). On error *out is
 * untouched and nothing is leaked.
 * Errors: TZ_ENOENT when none of the four /proc/net files exists (no /proc
 * below root: "no listeners" would be a false answer), TZ_ELIMIT when root is
 * too long, TZ_EIO when a file exists but cannot be read, TZ_ENOMEM. */
#ifndef TZ_COLLECT_LISTENERS_H
#define TZ_COLLECT_LISTENERS_H

#include "taizhang.pb-c.h"
#include "tz_error.h"

#define TZ_LISTEN_MAX_LINE   4096
#define TZ_LISTEN_MAX_LINES  2000000ul
#define TZ_LISTEN_MAX_PROCS  100000ul
#define TZ_LISTEN_MAX_FDS    4000000ul

int collect_listeners(const char *root, Tz__ListenersSection **out,
                      struct tz_error *err);

/* Where the tables come from: TZ_LISTEN_AUTO is collect_listeners;
 * TZ_LISTEN_PROC reads <root>/proc/net only; TZ_LISTEN_NETLINK asks
 * sock_diag only (live root only: else TZ_EINVAL; TZ_ENOENT or TZ_EIO when
 * it cannot answer). For tests that hold one against the other. */
enum { TZ_LISTEN_AUTO, TZ_LISTEN_PROC, TZ_LISTEN_NETLINK };
int collect_listeners_from(const char *root, int source,
                           Tz__ListenersSection **out, struct tz_error *err);

/* As collect_listeners_from, and then fn (when not NULL) is asked about the
 * sockets whose owner this process could not see: o[0..n) hold their inodes
 * (pid 0, comm ""), and fn fills in place the pid and comm of those it
 * knows, leaving every inode as it is (the agent's privsep child, privsep_owners). fn returning
 * non-zero leaves those sockets at pid 0 and copies fn's err into *warn
 * (when warn is not NULL): the section is still collected. TZ_ENOMEM from fn
 * is the section's TZ_ENOMEM. */
struct proc_owner;
typedef int (*listen_owner_fn)(void *arg, struct proc_owner *o, size_t n,
                               struct tz_error *err);
int collect_listeners_with(const char *root, int source, listen_owner_fn fn,
                           void *arg, Tz__ListenersSection **out,
                           struct tz_error *warn, struct tz_error *err);

#endif
