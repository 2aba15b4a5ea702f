/* collect_interfaces — network interfaces with their MAC and addresses.
 *
 * Interfaces are the entries of <root>/sys/class/net, sorted by name:
 *   mac       <if>/address as written there ("" when absent)
 *   mtu       <if>/mtu
 *   up        <if>/operstate is "up", or it is "unknown" (loopback, tun) and
 *             <if>/flags has IFF_UP; so an interface without carrier is not up
 *   loopback  <if>/type is 772 (ARPHRD_LOOPBACK)
 * Addresses, "addr/prefixlen":
 *   live root (NULL, "" or "/"): getifaddrs(), IPv4 and IPv6; an IPv4 label
 *     such as "eth0:1" counts for eth0.
 *   other root: IPv6 only, from <root>/proc/net/if_inet6. A directory tree
 *     holds no IPv4 addresses (they live only in the kernel), so ipv4 stays
 *     empty under --root.
 * Addresses keep the order the kernel (or the file) gives them.
 *
 * Ownership: on success *out is the caller's; free it with
 * protobuf_c_message_free_unpacked(&(*out)->base, NULL). On error *out is
 * untouched and nothing is leaked.
 * Errors: TZ_ENOENT (no <root>/sys/class/net), TZ_EIO (getifaddrs failed),
 * TZ_ENOMEM, TZ_ELIMIT (more than TZ_MAX_INTERFACES interfaces or
 * TZ_MAX_ADDRS addresses of one family on one interface), TZ_EPARSE
 * (a malformed if_inet6 line; err->file/line say which). */
#ifndef TZ_COLLECT_INTERFACES_H
#define TZ_COLLECT_INTERFACES_H

#include "taizhang.pb-c.h"
#include "tz_error.h"

int collect_interfaces(const char *root, Tz__InterfacesSection **out,
                       struct tz_error *err);

#endif
