/* hosts — `tzctl hosts [--dept D] [--all]` lists the register's hosts from
 * the agent records' summaries (no sections unpacked, so it stays fast at
 * 100k hosts) with the system each belongs to and when its key was revoked
 * (retired hosts only with --all, marked so in that column); `tzctl host
 * show` is host_show.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "grow.h"
#include "tzctl.h"

static const struct out_col host_cols[] = {
    {"ID", "id", OUT_NUM, "编号"},
    {"HOSTNAME", "hostname", OUT_STR, "主机名"},
    {"DEPT", "dept", OUT_STR, "所属单位"},
    {"OS", "os", OUT_STR, "操作系统"},
    {"KERNEL", "kernel", OUT_STR, "内核"},
    {"PACKAGES", "packages", OUT_NUM, "软件包"},
    {"IPS", "ips", OUT_LIST, "IP地址"},
    {"LAST SEEN", "last_seen", OUT_STR, "最近上报"},
    {"SYSTEM", "system_id", OUT_NUM, "所属系统"},
    {"REVOKED", "revoked", OUT_STR, "停用"},
};
#define N_HOST_COLS (sizeof(host_cols) / sizeof(host_cols[0]))

/* The listing, and with --dept D the systems of D in id order: a host of D
 * that the network center bound to another department's system shows no
 * system id in D's listing (as in `tzctl export --dept`). */
struct host_list {
    struct out_table *t;
    const char *dept;
    uint64_t *own;
    size_t n, cap;
    int all;         /* --all: retired hosts too */
};

static int own_system(const Tz__SystemRecord *rec, void *arg)
{
    struct host_list *l = arg;
    if (tz_grow((void **)&l->own, &l->cap, l->n, sizeof(*l->own)) != 0)
        return TZ_ENOMEM;
    l->own[l->n++] = rec->system_id;
    return 0;
}

static int is_own(const struct host_list *l, uint64_t id)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->own[mid] == id)
            return 1;
        if (l->own[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int host_row(const Tz__AgentRecord *rec, uint64_t system_id,
                    Tz__BindingSource src, void *arg)
{
    (void)src;
    struct host_list *l = arg;
    struct out_table *t = l->t;
    if (rec->retirement && !l->all)
        return 0;
    char id[24], pkgs[16], seen[32], sys[24] = "";
    if (l->dept && !is_own(l, system_id))
        system_id = 0;
    if (system_id)
        snprintf(sys, sizeof(sys), "%" PRIu64, system_id);
    snprintf(id, sizeof(id), "%" PRIu64, rec->agent_id);
    /* "" until the first report: a count of 0 would claim an empty host */
    if (rec->reports > 0)
        snprintf(pkgs, sizeof(pkgs), "%" PRIu32, rec->package_count);
    else
        pkgs[0] = '\0';
    tzctl_time(rec->last_seen, seen);
    char revoked[48] = "";
    if (rec->revocation)
        tzctl_time(rec->revocation->at, revoked);
    else if (rec->retirement && rec->retirement->merged_into)
        snprintf(revoked, sizeof(revoked), "merged into %" PRIu64,
                 rec->retirement->merged_into);
    else if (rec->retirement) {
        /* Its key is refused like a revoked one: the column says why. */
        char at[32];
        tzctl_time(rec->retirement->at, at);
        snprintf(revoked, sizeof(revoked), "retired %.20s", at);
    }
    size_t len = 1;
    for (size_t i = 0; i < rec->n_ips; i++)
        len += strlen(rec->ips[i]) + 1;
    char *ips = malloc(len);
    if (ips == NULL)
        return TZ_ENOMEM;
    ips[0] = '\0';
    for (size_t i = 0; i < rec->n_ips; i++) {
        if (i)
            strcat(ips, ",");
        strcat(ips, rec->ips[i]);
    }
    const char *cells[N_HOST_COLS] = {id, rec->hostname, rec->dept,
                                      rec->os_pretty, rec->kernel, pkgs,
                                      ips, seen, sys, revoked};
    int rc = out_add(t, cells);
    free(ips);
    return rc;
}

struct dept_find {
    const char *name;
    int found;
};

static int dept_match(const Tz__DeptRecord *rec, void *arg)
{
    struct dept_find *f = arg;
    if (strcmp(rec->name, f->name) == 0)
        f->found = 1;
    return 0;
}

int tzctl_hosts(const struct tzctl *c, int argc, char **argv)
{
    const char *dept = NULL, *pos, *opt, *val;
    int dd = 0, all = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (pos)
                return tzctl_usage("hosts takes no argument \"%s\"", pos);
        } else if (tzctl_optval(opt, "--dept", argc, argv, &i, &val)) {
            if (val == NULL)
                return tzctl_usage("--dept needs a department name");
            dept = val;
        } else if (strcmp(opt, "--all") == 0) {
            all = 1;
        } else {
            return tzctl_usage("hosts: unknown option %s", opt);
        }
    }

    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    struct out_table *t = out_new(host_cols, N_HOST_COLS);
    if (t == NULL) {
        register_close(reg);
        return tzctl_fail("out of memory");
    }
    if (dept) {
        /* A mistyped department should say so, not print an empty list. */
        struct dept_find f = {dept, 0};
        if (register_each_dept(reg, dept_match, &f, &err) != 0)
            rc = tzctl_fail_err(&err);
        else if (!f.found)
            rc = tzctl_fail("no department \"%s\"", dept);
    }
    struct host_list l = {t, dept, NULL, 0, 0, all};
    if (rc == 0) {
        int r = dept ? register_each_system(reg, dept, own_system, &l, &err) : 0;
        if (r == 0)
            r = register_each_host_binding(reg, dept, host_row, &l, &err);
        if (r == TZ_ENOMEM)
            rc = tzctl_fail("out of memory");
        else if (r != 0)
            rc = tzctl_fail_err(&err);
    }
    free(l.own);
    register_close(reg);
    if (rc == 0 && out_write(t, c->format, stdout) != 0)
        rc = tzctl_fail("cannot write output");
    out_free(t);
    return rc;
}
