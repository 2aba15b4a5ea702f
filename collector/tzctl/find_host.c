/* find_host — the one way every tzctl command names a host: its id (all
 * digits), else the hostname exactly, else a hostname that matches in
 * another case when only one host's does. A name several hosts share is
 * refused with their ids, so the operator gives the id instead. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tzctl.h"

#define HOSTS_SHOWN 10

/* Hosts matching one way: how many, the first few ids, the first's names. */
struct hits {
    size_t n;
    uint64_t ids[HOSTS_SHOWN];
    char hostname[TZ_MAX_NAME_BUF];
    char dept[TZ_MAX_NAME_BUF];
};

struct host_find {
    const char *want;
    uint64_t id;             /* want as a number, 0 if it is not one */
    struct hits exact, nocase;
};

static void hit(struct hits *h, const Tz__AgentRecord *rec)
{
    if (h->n < HOSTS_SHOWN)
        h->ids[h->n] = rec->agent_id;
    if (h->n == 0) {
        snprintf(h->hostname, sizeof(h->hostname), "%s", rec->hostname);
        snprintf(h->dept, sizeof(h->dept), "%s", rec->dept);
    }
    h->n++;
}

static int host_match(const Tz__AgentRecord *rec, void *arg)
{
    struct host_find *f = arg;
    if (f->id)
        return rec->agent_id == f->id ? (hit(&f->exact, rec), 0) : 0;
    if (strcmp(rec->hostname, f->want) == 0)
        hit(&f->exact, rec);
    else if (strcasecmp(rec->hostname, f->want) == 0)
        hit(&f->nocase, rec);
    return 0;
}

static int ambiguous(const struct hits *h, const char *want, const char *how)
{
    char list[HOSTS_SHOWN * 22 + 8] = "";
    size_t used = 0;
    for (size_t i = 0; i < h->n && i < HOSTS_SHOWN; i++)
        used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%" PRIu64,
                                 i ? ", " : "", h->ids[i]);
    return tzctl_fail("%zu hosts are named \"%s\"%s (ids %s%s): give the id",
                      h->n, want, how, list, h->n > HOSTS_SHOWN ? ", ..." : "");
}

int tzctl_find_host(struct tz_register *reg, const char *want, uint64_t *id,
                    char hostname[TZ_MAX_NAME_BUF], char dept[TZ_MAX_NAME_BUF])
{
    struct host_find f = {.want = want};
    if (want[0] == '\0')
        return tzctl_fail("a host is named by its id or hostname, not \"\"");
    if (want[0] >= '0' && want[0] <= '9') {
        char *end;
        unsigned long long v = strtoull(want, &end, 10);
        if (*end == '\0')
            f.id = v;
    }
    struct tz_error err = {0};
    if (register_each_agent(reg, NULL, host_match, &f, &err) != 0)
        return tzctl_fail_err(&err);
    const struct hits *h = f.exact.n ? &f.exact : &f.nocase;
    if (h->n == 0)
        return f.id ? tzctl_fail("no host with id %" PRIu64, f.id)
                    : tzctl_fail("no host named \"%s\" (tzctl hosts lists them)",
                                 want);
    if (h->n > 1)
        return ambiguous(h, want, h == &f.nocase ? " in some case" : "");
    *id = h->ids[0];
    if (hostname)
        memcpy(hostname, h->hostname, TZ_MAX_NAME_BUF);
    if (dept)
        memcpy(dept, h->dept, TZ_MAX_NAME_BUF);
    return 0;
}
