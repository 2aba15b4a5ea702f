/* system_match — does a host belong to a system by its address or its name?
 *
 * A ledger row lists the system's IPs (addresses, CIDR blocks and ranges
 * a-b, v4 and v6) and its domains (bare names or URLs as people paste them).
 * A host matches when one of its addresses lies in one of the blocks or
 * ranges (edges included), or its hostname is the host part of one of the
 * domains, compared case-insensitively.
 * Pure functions, no allocation; every input is treated as hostile: a string
 * that does not parse never matches and never reads past its end. */
#ifndef TZ_SYSTEM_MATCH_H
#define TZ_SYSTEM_MATCH_H

#include <stddef.h>
#include <stdint.h>

/* An address block: family 4 or 6, the address in network order (v4 in the
 * first 4 bytes), and the prefix length (32 or 128 for a single address). */
struct sm_net {
    int family;
    uint8_t addr[16];
    unsigned prefix;
};

/* Longest text sm_net_format writes, NUL included. */
#define SM_NET_STRLEN 64

/* "10.1.2.3", "10.1.0.0/16", "2001:db8::/32". The prefix is 0..32 (v4) or
 * 0..128 (v6) in plain decimal; host bits below it are ignored when
 * matching. 0, or TZ_EINVAL with the reason in why (may be NULL). */
int sm_net_parse(const char *s, struct sm_net *out, char *why, size_t whylen);

/* Canonical text: inet_ntop form, "/prefix" only when it is not a single
 * address. */
void sm_net_format(const struct sm_net *n, char buf[SM_NET_STRLEN]);

/* 1 when addr (a single address of the same family) lies inside net. */
int sm_net_contains(const struct sm_net *net, const struct sm_net *addr);

/* An inclusive address range: family 4 or 6, first <= last in network
 * order (v4 in the first 4 bytes). Every ledger IP item is one: an address
 * is first == last, a CIDR block its first and last address. */
struct sm_range {
    int family;
    uint8_t first[16], last[16];
};

/* One IP item of a ledger: "10.1.2.3", "10.1.0.0/16", "2001:db8::/32", or
 * a range "10.1.2.3-10.1.2.9", "10.1.2.3-9" (the last octet, v4 only),
 * "2001:db8::1-2001:db8::ff"; both ends of one family, first <= last. No
 * spaces (ledger_parse_list joins "a - b" first). canon (may be NULL) gets
 * the stored form: sm_net_format's for an address or a block, "first-last"
 * in inet_ntop form for a range (a range of one address is that address).
 * 0, or TZ_EINVAL with the reason in why (may be NULL). */
#define SM_ITEM_STRLEN (2 * SM_NET_STRLEN)
int sm_item_parse(const char *s, struct sm_range *out,
                  char canon[SM_ITEM_STRLEN], char *why, size_t whylen);

/* 1 when addr (a single address) lies in r, edges included. */
int sm_range_contains(const struct sm_range *r, const struct sm_net *addr);

/* The fewest CIDR blocks that together are exactly r, into out (at most
 * max of them). Returns how many r needs: at most 62 for v4 and 254 for v6,
 * so SM_RANGE_BLOCKS always suffices; more than max means out holds the
 * first max. */
#define SM_RANGE_BLOCKS 256
size_t sm_range_blocks(const struct sm_range *r, struct sm_net *out,
                       size_t max);

/* The host part of a domain or URL ("https://user@Host.edu.cn:8443/p?q" →
 * "Host.edu.cn", "[2001:db8::1]:80" → "2001:db8::1"), without a trailing
 * dot, into buf. 0, or TZ_EINVAL when there is none or it does not fit. */
int sm_url_host(const char *domain_or_url, char *buf, size_t len);

/* 1 when hostname equals the host part of domain_or_url, ignoring case. */
int sm_host_matches(const char *domain_or_url, const char *hostname);

#endif
