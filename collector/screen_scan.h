/* screen_scan — which ports an outside scan found open that the system's
 * hosts explain with a listener of their own reports.
 *
 * A TCP listener of a host explains (addr, port) when the port is equal and
 * its address is addr itself (an IPv4-mapped ::ffff:a.b.c.d is a.b.c.d), or
 * a wildcard (0.0.0.0 for IPv4, :: for both) on a host that owns addr (addr
 * among its AgentRecord ips) — or on any host when no host owns addr (a NAT
 * or service address the ledger lists). Hosts without a report explain
 * nothing. An address that does not parse is never explained.
 *
 * Bounded work: each listener is looked at once, with binary searches over
 * the open ports and the hosts' addresses; at most SCAN_MAX_OPEN entries.
 * explained: one byte per open entry (the first SCAN_MAX_OPEN of them),
 * 1 when explained; the caller owns it.
 * Errors: TZ_ENOMEM, TZ_ELIMIT (hosts list more than SCREEN_SCAN_MAX_IPS
 * addresses in all). */
#ifndef TZ_SCREEN_SCAN_H
#define TZ_SCREEN_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "scan_result.h"
#include "screen_check.h"

#define SCREEN_SCAN_MAX_IPS (1u << 20)

int screen_scan_explain(const struct scan_result *scan, const struct screen_host *hosts,
                        size_t n_hosts, uint8_t *explained);

#endif
