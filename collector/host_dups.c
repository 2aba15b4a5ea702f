/* host_dups — hosts sharing a machine_id, from one walk of the agents. */
#include "host_dups.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"

struct build {
    struct host_dup *v;
    size_t n, cap;
    uint64_t *ids;
    size_t n_ids, cap_ids;
};

static int take(const Tz__AgentRecord *rec, void *arg)
{
    struct build *b = arg;
    if (tz_grow((void **)&b->ids, &b->cap_ids, b->n_ids, sizeof(*b->ids)) != 0)
        return TZ_ENOMEM;
    b->ids[b->n_ids++] = rec->agent_id;
    if (rec->machine_id == NULL || rec->machine_id[0] == '\0')
        return 0;
    if (tz_grow((void **)&b->v, &b->cap, b->n, sizeof(*b->v)) != 0)
        return TZ_ENOMEM;
    struct host_dup *h = &b->v[b->n];
    h->machine_id = strdup(rec->machine_id);
    h->hostname = strdup(rec->hostname ? rec->hostname : "");
    h->dept = strdup(rec->dept ? rec->dept : "");
    h->agent_id = rec->agent_id;
    h->last_seen = rec->last_seen;
    h->retired = rec->retirement != NULL;
    b->n++;
    if (!h->machine_id || !h->hostname || !h->dept)
        return TZ_ENOMEM;
    return 0;
}

static int dup_cmp(const void *a, const void *b)
{
    const struct host_dup *x = a, *y = b;
    int c = strcmp(x->machine_id, y->machine_id);
    return c ? c : (x->agent_id > y->agent_id) - (x->agent_id < y->agent_id);
}

static void dup_clear(struct host_dup *h)
{
    free(h->machine_id);
    free(h->hostname);
    free(h->dept);
}

/* Keep only runs of two or more: a lookup then finds duplicates or nothing. */
static size_t keep_runs(struct host_dup *v, size_t n)
{
    size_t out = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && strcmp(v[j].machine_id, v[i].machine_id) == 0)
            j++;
        for (size_t k = i; k < j; k++) {
            if (j - i > 1)
                v[out++] = v[k];
            else
                dup_clear(&v[k]);
        }
        i = j;
    }
    return out;
}

int host_dups_build(struct tz_register *reg, struct host_dups *out,
                    struct tz_error *err)
{
    struct build b = {0};
    memset(out, 0, sizeof(*out));
    int rc = register_each_agent(reg, NULL, take, &b, err);
    if (rc == TZ_ENOMEM)
        rc = tz_err(err, rc, NULL, 0, "out of memory");
    out->ids = b.ids;
    out->n_ids = b.n_ids;
    if (rc != 0) {
        out->v = b.v;
        out->n = b.n;
        host_dups_free(out);
        return rc;
    }
    if (b.n)
        qsort(b.v, b.n, sizeof(*b.v), dup_cmp);
    out->v = b.v;
    out->n = keep_runs(b.v, b.n);
    return 0;
}

void host_dups_free(struct host_dups *d)
{
    for (size_t i = 0; i < d->n; i++)
        dup_clear(&d->v[i]);
    free(d->v);
    free(d->ids);
    memset(d, 0, sizeof(*d));
}

const struct host_dup *host_dups_of(const struct host_dups *d,
                                    const char *machine_id, size_t *n)
{
    *n = 0;
    if (machine_id == NULL || machine_id[0] == '\0' || d->n == 0)
        return NULL;
    size_t lo = 0, hi = d->n;
    while (lo < hi) {          /* first entry not below machine_id */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(d->v[mid].machine_id, machine_id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t j = lo;
    while (j < d->n && strcmp(d->v[j].machine_id, machine_id) == 0)
        j++;
    *n = j - lo;
    return *n ? &d->v[lo] : NULL;
}
