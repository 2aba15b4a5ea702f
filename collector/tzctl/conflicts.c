/* conflicts — `tzctl systems --conflicts` (also `system list --conflicts`):
 * systems whose IP items share addresses or whose domains name the same
 * host, so a host there cannot be bound by a match (system_overlap.h).
 * One row per pair of overlapping items: both systems, both items, what
 * they share, and whether the pair crosses departments. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system_list.h"
#include "system_overlap.h"
#include "tzctl.h"

static const struct out_col cols[] = {
    {"ID", "id", OUT_NUM, "编号"},
    {"系统名称", "name", OUT_STR, NULL},
    {"所属单位", "dept", OUT_STR, NULL},
    {"ITEM", "item", OUT_STR, "重叠项"},
    {"OTHER", "other_id", OUT_NUM, "另一系统"},
    {"OTHER NAME", "other_name", OUT_STR, "另一系统名称"},
    {"OTHER DEPT", "other_dept", OUT_STR, "另一系统单位"},
    {"OTHER ITEM", "other_item", OUT_STR, "另一重叠项"},
    {"SHARED", "shared", OUT_STR, "共用"},
    {"CROSS DEPT", "cross_dept", OUT_WORD, "跨单位"},
};
#define N_COLS (sizeof(cols) / sizeof(cols[0]))

static int add_row(struct out_table *t, const struct system_list *a,
                   const struct sys_overlap *x)
{
    const Tz__SystemRecord *s = a->v[x->a], *o = a->v[x->b];
    char id[24], oid[24];
    snprintf(id, sizeof(id), "%" PRIu64, s->system_id);
    snprintf(oid, sizeof(oid), "%" PRIu64, o->system_id);
    const char *cells[N_COLS] = {id, s->name, s->dept, x->a_item, oid, o->name,
                                 o->dept, x->b_item, x->part,
                                 x->cross_dept ? "yes" : "no"};
    return out_add(t, cells);
}

/* The rows (of pairs touching dept when set) into t. */
static int fill(struct out_table *t, const struct system_list *a, const char *dept,
                size_t *total)
{
    struct sys_overlaps o;
    int rc = sys_overlaps_find((const Tz__SystemRecord *const *)a->v, a->n, &o);
    if (rc != 0)
        return rc;
    for (size_t i = 0; rc == 0 && i < o.n; i++)
        if (dept == NULL || strcmp(a->v[o.v[i].a]->dept, dept) == 0 ||
            strcmp(a->v[o.v[i].b]->dept, dept) == 0)
            rc = add_row(t, a, &o.v[i]);
    *total = o.total > o.n ? o.total : 0;
    sys_overlaps_free(&o);
    return rc;
}

int tzctl_system_conflicts(const struct tzctl *c, const char *dept)
{
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    struct system_list a = {0};
    int known = 1;
    if (dept && tzctl_dept_known(reg, dept, &known, &err) != 0)
        rc = tzctl_fail_err(&err);
    else if (!known)
        rc = tzctl_fail("no department \"%s\"", dept);
    if (rc == 0 && system_list_load(reg, 0, &a, &err) != 0)
        rc = tzctl_fail_err(&err);
    register_close(reg);
    struct out_table *t = rc == 0 ? out_new(cols, N_COLS) : NULL;
    size_t cut = 0;
    if (rc == 0 && (t == NULL || fill(t, &a, dept, &cut) != 0))
        rc = tzctl_fail("out of memory");
    if (rc == 0 && out_write(t, c->format, stdout) != 0)
        rc = tzctl_fail("cannot write output");
    if (rc == 0 && cut)
        fprintf(stderr, "tzctl: %zu conflicts found, the first %d listed\n",
                cut, SYS_OVERLAPS_MAX);
    out_free(t);
    system_list_free(&a);
    return rc;
}
