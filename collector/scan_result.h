/* scan_result — what an outside look at a system's addresses found: the
 * TCP ports open from the collector host (scan_nmap.h makes it, the
 * screening checklist judges it beside what the agents report).
 *
 * A scan that did not run (not asked for, nmap missing, timed out, an
 * address list that is empty) is ran == 0 with why_not saying why, and
 * every item that needs it is "not checked", never "pass".
 * Ownership: free with scan_result_free (scan_nmap.c). */
#ifndef TZ_SCAN_RESULT_H
#define TZ_SCAN_RESULT_H

#include <stddef.h>
#include <stdint.h>

#define SCAN_MAX_ADDRS 256      /* addresses one scan may cover */
#define SCAN_MAX_OPEN  4096     /* open ports kept; more is a warning */

struct scan_port {
    char addr[64];          /* as nmap reports it: 127.0.0.2, 2001:db8::1 */
    uint16_t port;
    char service[32];       /* nmap's guess from the port number, may be "" */
};

struct scan_result {
    int ran;                /* 1: nmap ran to the end over every address */
    char why_not[256];      /* when ran == 0 */
    char **addrs;           /* the addresses scanned (the ledger's), n_addrs */
    size_t n_addrs;
    struct scan_port *open; /* open TCP ports, n_open, in (addr, port) order */
    size_t n_open;
    int truncated;          /* more than SCAN_MAX_OPEN were open */
    char nmap_version[32];
    int64_t started_at, finished_at;
};

void scan_result_free(struct scan_result *r);

#endif
