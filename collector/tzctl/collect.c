/* collect — `tzctl collect HOST... | --system ID [--deadline SECONDS]`: ask
 * hosts to collect and report now, through the running collector, and wait
 * for them (fresh.h). Hosts that did not answer in time are listed as
 * such, and the exit status is 1 then: an inventory is only as fresh as
 * its slowest host. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fresh.h"
#include "grow.h"
#include "tzctl.h"

#define COLLECT_DEFAULT_DEADLINE 120

struct bound {
    struct fresh_host *v;
    size_t n, cap;
};

static int add_host(struct bound *b, uint64_t id, const char *name)
{
    if (tz_grow((void **)&b->v, &b->cap, b->n, sizeof(*b->v)) != 0)
        return TZ_ENOMEM;
    struct fresh_host *h = &b->v[b->n++];
    memset(h, 0, sizeof(*h));
    h->id = id;
    snprintf(h->hostname, sizeof(h->hostname), "%s", name);
    return 0;
}

static const struct out_col cols[] = {
    {"ID", "id", OUT_NUM, "编号"},
    {"HOSTNAME", "hostname", OUT_STR, "主机名"},
    {"ANSWERED", "answered", OUT_WORD, "是否应答"},
    {"REPORT", "report_at", OUT_STR, "上报时间"},
};

int tzctl_collect(const struct tzctl *c, int argc, char **argv)
{
    const char *pos, *opt, *val, *system = NULL;
    const char *names[256];
    size_t nn = 0;
    long deadline = COLLECT_DEFAULT_DEADLINE;
    int dd = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (nn == sizeof(names) / sizeof(names[0]))
                return tzctl_usage("collect: at most 256 hosts (or --system ID)");
            names[nn++] = pos;
        } else if (tzctl_optval(opt, "--system", argc, argv, &i, &val)) {
            if (val == NULL)
                return tzctl_usage("--system needs a system id or name");
            system = val;
        } else if (tzctl_optval(opt, "--deadline", argc, argv, &i, &val)) {
            char *end;
            deadline = val ? strtol(val, &end, 10) : -1;
            if (val == NULL || *end || deadline < 1 || deadline > 3600)
                return tzctl_usage("--deadline takes 1..3600 seconds");
        } else {
            return tzctl_usage("collect: unknown option %s", opt);
        }
    }
    if ((nn == 0) == (system == NULL))
        return tzctl_usage("collect takes HOST... or --system ID");
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct bound b = {0};
    for (size_t i = 0; rc == 0 && i < nn; i++) {
        uint64_t id;
        char hostname[TZ_MAX_NAME_BUF];
        rc = tzctl_find_host(reg, names[i], &id, hostname, NULL);
        if (rc == 0 && add_host(&b, id, hostname) != 0)
            rc = tzctl_fail("out of memory");
    }
    if (rc == 0 && system) {
        uint64_t sid;
        rc = tzctl_find_system(reg, system, &sid);
        if (rc == 0 && (rc = tzctl_system_hosts(reg, sid, &b.v, &b.n)) == 0 && b.n == 0)
            rc = tzctl_fail("system %s has no hosts bound to it", system);
    }
    register_close(reg);
    size_t published = 0;
    if (rc == 0)
        rc = tzctl_fresh(c, b.v, b.n, (int)deadline, &published, NULL);
    size_t missing = 0;
    struct out_table *t = rc == 0 ? out_new(cols, sizeof(cols) / sizeof(cols[0])) : NULL;
    for (size_t i = 0; rc == 0 && i < b.n; i++) {
        char id[24], at[32];
        snprintf(id, sizeof(id), "%" PRIu64, b.v[i].id);
        tzctl_time(b.v[i].report_at, at);
        const char *cells[] = {id, b.v[i].hostname,
                               b.v[i].answered ? "yes" : "not answered", at};
        missing += !b.v[i].answered;
        if (t == NULL || out_add(t, cells) != 0)
            rc = tzctl_fail("out of memory");
    }
    if (rc == 0 && out_write(t, c->format, stdout) != 0)
        rc = tzctl_fail("cannot write output");
    out_free(t);
    if (rc == 0 && missing) {
        fflush(stdout);
        rc = tzctl_fail("%zu of %zu host(s) did not answer within %ld s (asked: "
                        "%zu; is their agent running as a daemon and can it reach "
                        "the publish URL?)", missing, b.n, deadline, published);
    }
    free(b.v);
    return rc;
}
