/* tzctl ledger — the 台账 as a department hands it in: one row per system in
 * use (not retired) with its main ledger fields, how many hosts belong to it
 * and how many flags are open on it and on those hosts.
 *
 * One pass over the systems, one over the hosts (their bindings, through the
 * register's systems index) and one over the open flags' keys, then the
 * rows: O(systems + hosts + flags), the 50 ms goal at 5,000 systems and
 * 20,000 hosts in docs/benchmarks.md. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "ledger_fields.h"
#include "tzctl.h"

static const struct out_col cols[] = {
    {"ID", "id", OUT_NUM, NULL},
    {"系统名称", "name", OUT_STR, NULL},
    {"所属单位", "dept", OUT_STR, NULL},
    {"负责人", "owner", OUT_STR, NULL},
    {"管理员", "admin", OUT_STR, NULL},
    {"等保等级", "mlps_grade", OUT_NUM, NULL},
    {"定级备案日期", "grading_filed_at", OUT_STR, NULL},
    {"最近测评日期", "last_evaluation_at", OUT_STR, NULL},
    {"上线前审查", "prelaunch_status", OUT_WORD, NULL},
    {"状态", "status", OUT_WORD, NULL},
    {"主机数", "hosts", OUT_NUM, NULL},
    {"未关闭问题", "open_flags", OUT_NUM, NULL},
};
#define N_COLS (sizeof(cols) / sizeof(cols[0]))

/* A listed system and what is counted for it, sorted by id. */
struct row {
    uint64_t id;
    uint64_t hosts, flags;
};

/* A host and the system it belongs to, sorted by agent id (walk order). */
struct host_sys {
    uint64_t agent_id, system_id;
};

struct ledger {
    const char *dept;
    struct row *rows;
    size_t n_rows, cap_rows;
    struct host_sys *hosts;
    size_t n_hosts, cap_hosts;
    struct out_table *t;
};


static struct row *row_find(const struct ledger *l, uint64_t id)
{
    size_t lo = 0, hi = l->n_rows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->rows[mid].id == id)
            return &l->rows[mid];
        if (l->rows[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int listed(const Tz__SystemRecord *rec)
{
    return strcmp(rec->status, "retired") != 0;
}

/* Systems come in id order, so rows stay sorted. */
static int collect_system(const Tz__SystemRecord *rec, void *arg)
{
    struct ledger *l = arg;
    if (!listed(rec))
        return 0;
    if (tz_grow((void **)&l->rows, &l->cap_rows, l->n_rows, sizeof(*l->rows)))
        return TZ_ENOMEM;
    l->rows[l->n_rows++] = (struct row){rec->system_id, 0, 0};
    return 0;
}

/* Without --dept, hosts of every department count: a system's hosts may
 * sit elsewhere. With --dept D, only D's: another department's host bound
 * to D's system is not D's to count (as in the portal and the export). */
static int collect_host(const Tz__AgentRecord *host, uint64_t sid,
                        Tz__BindingSource src, void *arg)
{
    struct ledger *l = arg;
    (void)src;
    /* a retired host (tzctl host retire|merge) serves nothing any more */
    struct row *r = sid && !host->retirement ? row_find(l, sid) : NULL;
    if (r == NULL)
        return 0;
    r->hosts++;
    if (tz_grow((void **)&l->hosts, &l->cap_hosts, l->n_hosts, sizeof(*l->hosts)))
        return TZ_ENOMEM;
    l->hosts[l->n_hosts++] = (struct host_sys){host->agent_id, sid};
    return 0;
}

static uint64_t host_system(const struct ledger *l, uint64_t agent_id)
{
    size_t lo = 0, hi = l->n_hosts;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->hosts[mid].agent_id == agent_id)
            return l->hosts[mid].system_id;
        if (l->hosts[mid].agent_id < agent_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int count_flags(int kind, uint64_t subject, size_t open, void *arg)
{
    struct ledger *l = arg;
    uint64_t sid = 0;
    if (kind == TZ__SUBJECT_KIND__SUBJECT_SYSTEM)
        sid = subject;
    else if (kind == TZ__SUBJECT_KIND__SUBJECT_HOST)
        sid = host_system(l, subject);
    struct row *r = sid ? row_find(l, sid) : NULL;
    if (r)
        r->flags += open;
    return 0;
}

static int emit(const Tz__SystemRecord *rec, void *arg)
{
    struct ledger *l = arg;
    const struct row *r = listed(rec) ? row_find(l, rec->system_id) : NULL;
    if (r == NULL)
        return 0;
    char id[24], grade[16], filed[64], eval[64], pre[64], hosts[24], flags[24];
    snprintf(id, sizeof(id), "%" PRIu64, rec->system_id);
    ledger_field_format(rec, "mlps_grade", grade, sizeof(grade));
    ledger_field_format(rec, "grading_filed_at", filed, sizeof(filed));
    ledger_field_format(rec, "last_evaluation_at", eval, sizeof(eval));
    ledger_field_format(rec, "prelaunch_status", pre, sizeof(pre));
    snprintf(hosts, sizeof(hosts), "%" PRIu64, r->hosts);
    snprintf(flags, sizeof(flags), "%" PRIu64, r->flags);
    const char *cells[N_COLS] = {id,    rec->name, rec->dept, rec->owner,
                                 rec->admin, grade, filed, eval,
                                 pre,   rec->status, hosts, flags};
    return out_add(l->t, cells);
}

int tzctl_ledger(const struct tzctl *c, int argc, char **argv)
{
    struct ledger l = {0};
    const char *pos, *opt, *val;
    int dd = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL)
            return tzctl_usage("ledger takes no argument \"%s\"", pos);
        if (tzctl_optval(opt, "--dept", argc, argv, &i, &val)) {
            if (val == NULL)
                return tzctl_usage("--dept needs a department name");
            l.dept = val;
        } else {
            return tzctl_usage("ledger: unknown option %s", opt);
        }
    }
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    l.t = out_new(cols, N_COLS);
    int r = l.t ? 0 : TZ_ENOMEM;
    int known = 1;
    /* A mistyped department should say so, not print an empty ledger. */
    if (r == 0 && l.dept)
        r = tzctl_dept_known(reg, l.dept, &known, &err);
    const char *missing = known ? NULL : l.dept;
    if (r == 0 && missing == NULL) {
        if ((r = register_each_system(reg, l.dept, collect_system, &l,
                                      &err)) == 0 &&
            (r = register_each_host_binding(reg, l.dept, collect_host, &l,
                                            &err)) == 0 &&
            (r = register_count_open_flags(reg, count_flags, &l, &err)) == 0)
            r = register_each_system(reg, l.dept, emit, &l, &err);
    }
    register_close(reg);
    if (r == TZ_ENOMEM)
        rc = tzctl_fail("out of memory");
    else if (r != 0)
        rc = tzctl_fail_err(&err);
    else if (missing)
        rc = tzctl_fail("no department \"%s\"", missing);
    if (rc == 0 && out_write(l.t, c->format, stdout) != 0)
        rc = tzctl_fail("cannot write output");
    out_free(l.t);
    free(l.rows);
    free(l.hosts);
    return rc;
}
