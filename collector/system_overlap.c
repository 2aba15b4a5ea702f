/* system_overlap — a sweep over the ledger's IP items sorted by first
 * address, and a sort of its domains' host names (system_overlap.h). */
#include "system_overlap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "tz_error.h"

struct ip_item {
    struct sm_range r;
    size_t sys;            /* recs index */
};

struct name_item {
    char *host;            /* lowercase host part */
    size_t sys, item;      /* recs index, index into its domains */
};

static int retired(const Tz__SystemRecord *s)
{
    return s->status && strcmp(s->status, "retired") == 0;
}

static int ip_cmp(const void *x, const void *y)
{
    const struct ip_item *a = x, *b = y;
    if (a->r.family != b->r.family)
        return a->r.family < b->r.family ? -1 : 1;
    int c = memcmp(a->r.first, b->r.first, 16);
    if (c == 0)
        c = a->sys < b->sys ? -1 : a->sys > b->sys;
    return c;
}

static int name_cmp(const void *x, const void *y)
{
    const struct name_item *a = x, *b = y;
    int c = strcmp(a->host, b->host);
    if (c == 0)
        c = a->sys < b->sys ? -1 : a->sys > b->sys;
    return c;
}

static int overlap_cmp(const void *x, const void *y)
{
    const struct sys_overlap *a = x, *b = y;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    if (a->b != b->b)
        return a->b < b->b ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->shared.family != b->shared.family)
        return a->shared.family < b->shared.family ? -1 : 1;
    int c = memcmp(a->shared.first, b->shared.first, 16);
    if (c == 0)
        c = strcmp(a->part, b->part);
    if (c == 0)
        c = strcmp(a->a_item, b->a_item);
    return c != 0 ? c : strcmp(a->b_item, b->b_item);
}

static const char *dept_of(const Tz__SystemRecord *s)
{
    return s->dept ? s->dept : "";
}

/* Where the conflicts go: the list, its capacity, the first index a pair
 * must reach to count. */
struct sink {
    struct sys_overlaps *o;
    size_t cap, from;
};

/* Record the conflict of recs[s1]'s item t1 with recs[s2]'s item t2. */
static int add(struct sink *k,
               const Tz__SystemRecord *const *recs, size_t s1,
               const char *t1, size_t s2, const char *t2,
               enum sys_overlap_kind kind, const char *part,
               const struct sm_range *shared)
{
    struct sys_overlaps *o = k->o;
    if (s1 < k->from && s2 < k->from)
        return 0;
    o->total++;
    if (o->n == SYS_OVERLAPS_MAX)
        return 0;
    if (tz_grow((void **)&o->v, &k->cap, o->n, sizeof(*o->v)) != 0)
        return TZ_ENOMEM;
    struct sys_overlap *x = &o->v[o->n++];
    memset(x, 0, sizeof(*x));
    int swap = s2 < s1;
    x->a = swap ? s2 : s1;
    x->b = swap ? s1 : s2;
    snprintf(x->a_item, sizeof(x->a_item), "%s", swap ? t2 : t1);
    snprintf(x->b_item, sizeof(x->b_item), "%s", swap ? t1 : t2);
    x->kind = kind;
    snprintf(x->part, sizeof(x->part), "%s", part);
    x->cross_dept = strcmp(dept_of(recs[s1]), dept_of(recs[s2])) != 0;
    if (shared)
        x->shared = *shared;
    return 0;
}

static int collect_ips(const Tz__SystemRecord *const *recs, size_t n,
                       struct ip_item **out, size_t *nout)
{
    size_t total = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        if (recs[i] && !retired(recs[i]))
            total += recs[i]->n_ips;
    struct ip_item *v = calloc(total ? total : 1, sizeof(*v));
    if (v == NULL)
        return TZ_ENOMEM;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; recs[i] && !retired(recs[i]) &&
                           j < recs[i]->n_ips; j++)
            /* stored lists were checked; what does not parse claims nothing */
            if (sm_item_parse(recs[i]->ips[j], &v[k].r, NULL, NULL, 0) == 0)
                v[k++].sys = i;
    if (k)
        qsort(v, k, sizeof(*v), ip_cmp);
    *out = v;
    *nout = k;
    return 0;
}

/* Every item against the earlier ones still open at its first address. */
static int sweep_ips(const Tz__SystemRecord *const *recs, size_t n,
                     struct sink *k)
{
    struct ip_item *v = NULL;
    size_t nv = 0;
    int rc = collect_ips(recs, n, &v, &nv);
    size_t *open = rc == 0 ? calloc(nv ? nv : 1, sizeof(*open)) : NULL;
    if (rc == 0 && open == NULL)
        rc = TZ_ENOMEM;
    size_t nopen = 0;
    for (size_t i = 0; rc == 0 && i < nv; i++) {
        size_t keep = 0;
        for (size_t x = 0; x < nopen; x++) {
            const struct ip_item *e = &v[open[x]];
            if (e->r.family == v[i].r.family &&
                memcmp(e->r.last, v[i].r.first, 16) >= 0)
                open[keep++] = open[x];
        }
        nopen = keep;
        for (size_t x = 0; rc == 0 && x < nopen; x++) {
            const struct ip_item *e = &v[open[x]];
            struct sm_range both;
            char part[SM_ITEM_STRLEN], ta[SM_ITEM_STRLEN], tb[SM_ITEM_STRLEN];
            if (e->sys == v[i].sys || !sm_range_overlap(&e->r, &v[i].r, &both))
                continue;
            sm_range_format(&both, part);
            sm_range_format(&e->r, ta);
            sm_range_format(&v[i].r, tb);
            rc = add(k, recs, e->sys, ta, v[i].sys, tb, SYS_OVERLAP_IP,
                     part, &both);
        }
        open[nopen++] = i;
    }
    free(open);
    free(v);
    return rc;
}

static int collect_names(const Tz__SystemRecord *const *recs, size_t n,
                         struct name_item **out, size_t *nout)
{
    size_t total = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        if (recs[i] && !retired(recs[i]))
            total += recs[i]->n_domains;
    struct name_item *v = calloc(total ? total : 1, sizeof(*v));
    if (v == NULL)
        return TZ_ENOMEM;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; recs[i] && !retired(recs[i]) &&
                           j < recs[i]->n_domains; j++) {
            char h[SYS_OVERLAP_PART];
            if (sm_url_host(recs[i]->domains[j], h, sizeof(h)) != 0)
                continue;
            for (char *p = h; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p - 'A' + 'a');
            if ((v[k].host = strdup(h)) == NULL) {
                for (size_t x = 0; x < k; x++)
                    free(v[x].host);
                free(v);
                return TZ_ENOMEM;
            }
            v[k].sys = i;
            v[k++].item = j;
        }
    if (k)
        qsort(v, k, sizeof(*v), name_cmp);
    *out = v;
    *nout = k;
    return 0;
}

/* Runs of one host name: every pair of different systems in a run. */
static int group_names(const Tz__SystemRecord *const *recs, size_t n,
                       struct sink *k)
{
    struct name_item *v = NULL;
    size_t nv = 0;
    int rc = collect_names(recs, n, &v, &nv);
    for (size_t i = 0; rc == 0 && i < nv; i++)
        for (size_t j = i + 1; rc == 0 && j < nv &&
                               strcmp(v[j].host, v[i].host) == 0; j++)
            if (v[j].sys != v[i].sys)
                rc = add(k, recs, v[i].sys,
                         recs[v[i].sys]->domains[v[i].item], v[j].sys,
                         recs[v[j].sys]->domains[v[j].item],
                         SYS_OVERLAP_DOMAIN, v[i].host, NULL);
    for (size_t i = 0; v && i < nv; i++)
        free(v[i].host);
    free(v);
    return rc;
}

int sys_overlaps_find(const Tz__SystemRecord *const *recs, size_t n,
                      struct sys_overlaps *out)
{
    return sys_overlaps_find_from(recs, n, 0, out);
}

int sys_overlaps_find_from(const Tz__SystemRecord *const *recs, size_t n,
                           size_t from, struct sys_overlaps *out)
{
    memset(out, 0, sizeof(*out));
    struct sink k = {out, 0, from};
    int rc = sweep_ips(recs, n, &k);
    if (rc == 0)
        rc = group_names(recs, n, &k);
    if (rc != 0) {
        sys_overlaps_free(out);
        return rc;
    }
    if (out->n)
        qsort(out->v, out->n, sizeof(*out->v), overlap_cmp);
    return 0;
}

void sys_overlaps_free(struct sys_overlaps *o)
{
    free(o->v);
    memset(o, 0, sizeof(*o));
}
