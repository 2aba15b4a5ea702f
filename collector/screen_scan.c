/* screen_scan — open ports from outside against the hosts' own listeners. */
#include "screen_scan.h"

#include <stdlib.h>
#include <string.h>

#include "system_match.h"
#include "tz_error.h"

static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* A single address, IPv4-mapped IPv6 taken as IPv4; -1 if not one. */
static int addr_parse(const char *s, struct sm_net *a)
{
    if (s == NULL || sm_net_parse(s, a, NULL, 0) != 0 || strchr(s, '/') != NULL)
        return -1;
    if (a->family == 6 && memcmp(a->addr, v4mapped, 12) == 0) {
        memmove(a->addr, a->addr + 12, 4);
        memset(a->addr + 4, 0, 12);
        a->family = 4;
        a->prefix = 32;
    }
    return 0;
}

static int addr_cmp(const struct sm_net *a, const struct sm_net *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->addr, b->addr, 16);
}

static int is_wildcard(const struct sm_net *a)
{
    static const uint8_t zero[16];
    return memcmp(a->addr, zero, 16) == 0;
}

/* ---- the hosts' addresses: (address, host) sorted ---- */

struct owned {
    struct sm_net addr;
    size_t host;
};

static int owned_cmp(const void *x, const void *y)
{
    const struct owned *a = x, *b = y;
    int c = addr_cmp(&a->addr, &b->addr);
    if (c)
        return c;
    return a->host < b->host ? -1 : a->host > b->host;
}

static int owned_build(const struct screen_host *hosts, size_t n_hosts,
                       struct owned **out, size_t *n)
{
    size_t total = 0;
    for (size_t h = 0; h < n_hosts; h++)
        total += hosts[h].agent->n_ips;
    if (total > SCREEN_SCAN_MAX_IPS)
        return TZ_ELIMIT;
    struct owned *v = malloc((total ? total : 1) * sizeof(*v));
    if (v == NULL)
        return TZ_ENOMEM;
    size_t k = 0;
    for (size_t h = 0; h < n_hosts; h++)
        for (size_t i = 0; i < hosts[h].agent->n_ips; i++)
            if (addr_parse(hosts[h].agent->ips[i], &v[k].addr) == 0)
                v[k++].host = h;
    qsort(v, k, sizeof(*v), owned_cmp);
    *out = v;
    *n = k;
    return 0;
}

/* Index of the first entry not below (addr, host) in v[0..n). */
static size_t owned_lower(const struct owned *v, size_t n, const struct sm_net *addr,
                          size_t host)
{
    struct owned key = {*addr, host};
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (owned_cmp(&v[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* 1 when host h may be the one answering at addr: it owns addr, or no host does. */
static int may_answer(const struct owned *v, size_t n, const struct sm_net *addr,
                      size_t h)
{
    size_t first = owned_lower(v, n, addr, 0);
    if (first == n || addr_cmp(&v[first].addr, addr) != 0)
        return 1;
    size_t at = owned_lower(v, n, addr, h);
    return at < n && addr_cmp(&v[at].addr, addr) == 0 && v[at].host == h;
}

/* ---- the open ports: (port, index) sorted ---- */

struct port_ix {
    uint16_t port;
    size_t e;
};

struct open_ix {
    const struct scan_result *scan;
    struct port_ix *by_port;
    struct sm_net *addr;
    int *addr_ok;
};

static int port_cmp(const void *x, const void *y)
{
    const struct port_ix *a = x, *b = y;
    if (a->port != b->port)
        return a->port < b->port ? -1 : 1;
    return a->e < b->e ? -1 : a->e > b->e;
}

static size_t port_lower(const struct open_ix *ix, size_t n, uint32_t port)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->by_port[mid].port < port)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The scan's address text, NUL-terminated whatever the array holds. */
static int open_addr(const struct scan_port *p, struct sm_net *a)
{
    char s[sizeof(p->addr) + 1];
    memcpy(s, p->addr, sizeof(p->addr));
    s[sizeof(p->addr)] = '\0';
    return addr_parse(s, a);
}

static void explain_listener(const struct open_ix *ix, size_t n_open,
                             const struct owned *own, size_t n_own, size_t h,
                             const Tz__Listener *x, uint8_t *explained)
{
    struct sm_net la;
    if (x->proto == NULL || strncmp(x->proto, "tcp", 3) != 0 || x->port > 65535 ||
        addr_parse(x->address, &la) != 0)
        return;
    int wild = is_wildcard(&la);
    for (size_t k = port_lower(ix, n_open, x->port);
         k < n_open && ix->by_port[k].port == x->port; k++) {
        size_t e = ix->by_port[k].e;
        if (explained[e] || !ix->addr_ok[e])
            continue;
        const struct sm_net *a = &ix->addr[e];
        if (wild) {
            /* :: takes IPv4 too unless the socket is v6-only, the default. */
            if (la.family == 4 && a->family != 4)
                continue;
            explained[e] = (uint8_t)may_answer(own, n_own, a, h);
        } else {
            explained[e] = addr_cmp(&la, a) == 0;
        }
    }
}

int screen_scan_explain(const struct scan_result *scan, const struct screen_host *hosts,
                        size_t n_hosts, uint8_t *explained)
{
    size_t n_open = scan->n_open < SCAN_MAX_OPEN ? scan->n_open : SCAN_MAX_OPEN;
    memset(explained, 0, n_open);
    struct open_ix ix = {scan, malloc((n_open ? n_open : 1) * sizeof(struct port_ix)),
                         malloc((n_open ? n_open : 1) * sizeof(struct sm_net)),
                         malloc((n_open ? n_open : 1) * sizeof(int))};
    struct owned *own = NULL;
    size_t n_own = 0;
    int rc = TZ_ENOMEM;
    if (ix.by_port == NULL || ix.addr == NULL || ix.addr_ok == NULL)
        goto out;
    if ((rc = owned_build(hosts, n_hosts, &own, &n_own)) != 0)
        goto out;
    for (size_t e = 0; e < n_open; e++) {
        ix.by_port[e] = (struct port_ix){scan->open[e].port, e};
        ix.addr_ok[e] = open_addr(&scan->open[e], &ix.addr[e]) == 0;
    }
    qsort(ix.by_port, n_open, sizeof(*ix.by_port), port_cmp);
    for (size_t h = 0; h < n_hosts; h++) {
        const Tz__Report *r = hosts[h].report;
        for (size_t i = 0; r && r->listeners && i < r->listeners->n_listeners; i++)
            explain_listener(&ix, n_open, own, n_own, h, r->listeners->listeners[i],
                             explained);
    }
out:
    free(ix.by_port);
    free(ix.addr);
    free(ix.addr_ok);
    free(own);
    return rc;
}
