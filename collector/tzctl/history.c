/* history — `tzctl history HOST [--since DATE]`: what changed on a host,
 * report by report: packages added, removed or upgraded, accounts added,
 * removed or whose password state changed, listeners opened or closed, the
 * kernel; and the revocation of its agent key (tzctl agent revoke: OLD is who
 * revoked it, NEW why), its retirement or merge (tzctl host retire|merge:
 * the same) and the hosts merged into it. One row per change, oldest first;
 * a change too large to keep whole (history_diff_max) is one "summary" row
 * with the counts, then the first changes kept. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil_day.h"
#include "tzctl.h"

static const struct out_col cols[] = {
    {"TIME", "time", OUT_STR, "时间"},     {"SEQ", "seq", OUT_NUM, "序号"},
    {"KIND", "kind", OUT_WORD, "类别"},     {"ITEM", "item", OUT_STR, "对象"},
    {"CHANGE", "change", OUT_WORD, "变更"}, {"OLD", "old", OUT_WORD, "原值"},
    {"NEW", "new", OUT_WORD, "新值"},
};
#define N_COLS (sizeof(cols) / sizeof(cols[0]))

struct walk {
    struct out_table *t;
};

static int row(struct walk *w, const Tz__HistoryEntry *e, const char *kind,
               const char *item, const char *change, const char *old,
               const char *nw)
{
    char when[32], seq[24];
    tzctl_time(e->at, when);
    snprintf(seq, sizeof(seq), "%" PRIu64, e->seq);
    const char *cells[N_COLS] = {when, seq, kind, item, change, old, nw};
    return out_add(w->t, cells);
}

static int entry(const Tz__HistoryEntry *e, void *arg)
{
    struct walk *w = arg;
    int rc = 0;
    if (e->revocation) {
        /* Its own row, with who and why; a report's changes of the same
         * instant (rare) follow it. */
        const Tz__AgentRevocation *rv = e->revocation;
        rc = row(w, e, "agent", "agent key", "revoked", rv->by, rv->reason);
        if (rc != 0)
            return rc;
    }
    if (rc == 0 && e->merged_from) {
        char item[40];
        snprintf(item, sizeof(item), "host %" PRIu64, e->merged_from);
        rc = row(w, e, "host", item, "merged in", "", "its history moved here");
    }
    if (rc == 0 && e->retirement) {
        /* tzctl host retire|merge: OLD who, NEW why (or where it went). */
        const Tz__AgentRetirement *rt = e->retirement;
        char into[48];
        snprintf(into, sizeof(into), "merged into host %" PRIu64, rt->merged_into);
        rc = row(w, e, "host", "host", rt->merged_into ? into : "retired", rt->by,
                 rt->reason);
    }
    if (rc != 0)
        return rc;
    if (e->first) {
        char n[32];
        snprintf(n, sizeof(n), "%u packages", e->packages_total);
        return row(w, e, "baseline", "first report", "recorded", "", n);
    }
    if (e->summarised) {
        /* A diff too large to keep whole (history_diff_max): the counts,
         * then only the first changes of each list. */
        char item[64], nw[96];
        unsigned n = e->packages_added + e->packages_removed + e->packages_changed;
        snprintf(item, sizeof(item), "%u changes", n + e->accounts_changes +
                 e->listeners_changes);
        snprintf(nw, sizeof(nw), "packages +%u -%u ~%u, accounts %u, listeners %u",
                 e->packages_added, e->packages_removed, e->packages_changed,
                 e->accounts_changes, e->listeners_changes);
        rc = row(w, e, "summary", item, "summarised", "", nw);
    }
    for (size_t i = 0; rc == 0 && i < e->n_packages; i++) {
        const Tz__PackageChange *p = e->packages[i];
        const char *what = !p->old_version[0] ? "added"
                         : !p->new_version[0] ? "removed" : "changed";
        rc = row(w, e, "package", p->name, what, p->old_version, p->new_version);
    }
    for (size_t i = 0; rc == 0 && i < e->n_accounts; i++) {
        const Tz__AccountChange *a = e->accounts[i];
        rc = row(w, e, "account", a->name, a->change, a->old_state, a->new_state);
    }
    for (size_t i = 0; rc == 0 && i < e->n_listeners; i++) {
        const Tz__ListenerChange *l = e->listeners[i];
        char item[128];
        snprintf(item, sizeof(item), "%s %s:%u", l->proto, l->address, l->port);
        rc = row(w, e, "listener", item, l->opened ? "opened" : "closed", "",
                 l->process);
    }
    if (rc == 0 && e->new_kernel && e->new_kernel[0])
        rc = row(w, e, "kernel", "running kernel", "changed", e->old_kernel,
                 e->new_kernel);
    return rc;
}

/* "2026-03-01" or "2026/3/1" → unix time at local midnight. */
static int parse_since(const char *s, int64_t *out)
{
    int y;
    unsigned m, d;
    char sep1, sep2, tail;
    if (sscanf(s, "%d%c%u%c%u%c", &y, &sep1, &m, &sep2, &d, &tail) != 5 ||
        sep1 != sep2 || (sep1 != '-' && sep1 != '/') || !civil_valid(y, m, d))
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = (int)m - 1, .tm_mday = (int)d,
                    .tm_isdst = -1};
    *out = (int64_t)mktime(&tm);
    return 0;
}

int tzctl_history(const struct tzctl *c, int argc, char **argv)
{
    const char *host = NULL;
    int64_t since = 0;
    int dd = 0;
    for (int i = 1; i < argc; i++) {
        const char *pos = NULL, *val;
        const char *opt = tzctl_arg(argc, argv, &i, &dd, &pos);
        if (opt == NULL) {
            if (host)
                return tzctl_usage("history takes one host");
            host = pos;
        } else if (tzctl_optval(opt, "--since", argc, argv, &i, &val)) {
            if (val == NULL || parse_since(val, &since) != 0)
                return tzctl_usage("--since takes a date like 2026-03-01 or 2026/3/1");
        } else {
            return tzctl_usage("unknown option %s for history", opt);
        }
    }
    if (host == NULL)
        return tzctl_usage("history needs a host id or hostname");
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != TZCTL_OK)
        return rc;
    struct tz_error err = {0};
    uint64_t id;
    if ((rc = tzctl_find_host(reg, host, &id, NULL, NULL)) != 0) {
        register_close(reg);
        return rc;
    }
    struct walk w = {out_new(cols, N_COLS)};
    if (w.t == NULL) {
        register_close(reg);
        return tzctl_fail("out of memory");
    }
    int r = register_each_history(reg, id, since, entry, &w, &err);
    register_close(reg);
    if (r == 0)
        r = out_write(w.t, c->format, stdout);
    else if (r != TZ_ENOMEM)
        rc = tzctl_fail_err(&err);
    out_free(w.t);
    if (r == TZ_ENOMEM)
        return tzctl_fail("out of memory");
    return r == 0 ? TZCTL_OK : rc ? rc : tzctl_fail("cannot write output");
}
