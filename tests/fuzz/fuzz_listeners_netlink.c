/* fuzz_listeners_netlink — hostile sock_diag replies through
 * listeners_netlink_reply, as a TCP/IPv4 dump would receive them.
 *
 * The input is split at "\n--\n" into datagrams, fed in order until the
 * dump ends. Every socket handed out must be of the family and state asked
 * for (the parser must not trust the kernel's filter), the dump must end
 * with a known code, and an error must say why. */
#include <stdint.h>
#include <stdlib.h>

#include <netinet/in.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>

#include "fuzz_common.h"
#include "listeners_netlink.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static int count(void *arg, const struct nl_listener *l)
{
    unsigned long *n = arg;
    if (l->family != AF_INET)
        abort();
    ++*n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *part[16];
    size_t plen[16];
    size_t n = fz_split(data, size, 16, part, plen);
    unsigned long got = 0;
    struct nl_dump d;
    struct tz_error err;
    memset(&err, 0, sizeof(err));
    listeners_netlink_dump_init(&d, AF_INET, IPPROTO_TCP, count, &got);
    for (size_t i = 0; i < n; i++) {
        if (listeners_netlink_reply(&d, part[i], plen[i], &err)) {
            if (d.rc != 0 && d.rc != TZ_ENOENT && d.rc != TZ_EIO)
                abort();
            if (d.rc != 0 && err.msg[0] == '\0')
                abort();
            break;
        }
    }
    /* no socket out of bytes that cannot hold one */
    if (got > size / NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
        abort();
    return 0;
}
