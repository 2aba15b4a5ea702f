/* flags_scope — the subjects a ledger change touched, by before/after. */
#include "flags_scope.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "flags_update.h"
#include "grow.h"

struct sys_entry {
    uint64_t id;
    uint8_t hash[16];   /* of the packed record: any field change shows */
};

struct host_entry {
    uint64_t id, system_id;
    uint64_t refused_id;   /* another department's system it was refused */
    /* An ambiguous match's candidates (AMBIGUOUS_BINDING names them) */
    uint64_t cand[BIND_CANDIDATES_MAX];
    size_t n_cand, cand_total;
};

struct flags_scope {
    struct sys_entry *sys;
    size_t n_sys, cap_sys;
    struct host_entry *hosts;
    size_t n_hosts, cap_hosts;
    struct tz_error *err;   /* during a take only */
};


static int take_system(const Tz__SystemRecord *rec, void *arg)
{
    struct flags_scope *s = arg;
    if (tz_grow((void **)&s->sys, &s->cap_sys, s->n_sys, sizeof(*s->sys)) != 0)
        return tz_err(s->err, TZ_ENOMEM, NULL, 0, "out of memory");
    struct sys_entry *e = &s->sys[s->n_sys++];
    e->id = rec->system_id;
    size_t len = protobuf_c_message_get_packed_size(&rec->base);
    uint8_t small[1024], *buf = len <= sizeof(small) ? small : malloc(len);
    if (buf == NULL)
        return tz_err(s->err, TZ_ENOMEM, NULL, 0, "out of memory");
    protobuf_c_message_pack(&rec->base, buf);
    crypto_generichash(e->hash, sizeof(e->hash), buf, len, NULL, 0);
    if (buf != small)
        free(buf);
    return 0;
}

static int take_host(const Tz__AgentRecord *host, const struct register_binding *b,
                     void *arg)
{
    struct flags_scope *s = arg;
    if (tz_grow((void **)&s->hosts, &s->cap_hosts, s->n_hosts, sizeof(*s->hosts)) != 0)
        return tz_err(s->err, TZ_ENOMEM, NULL, 0, "out of memory");
    struct host_entry *e = &s->hosts[s->n_hosts++];
    memset(e, 0, sizeof(*e));
    e->id = host->agent_id;
    e->system_id = b->system_id;
    e->refused_id = b->refused_id;
    memcpy(e->cand, b->candidates, sizeof(e->cand));
    e->n_cand = b->n_candidates;
    e->cand_total = b->candidates_total;
    return 0;
}

/* Entries start with their uint64_t id. */
static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int flags_scope_take(struct tz_register *reg, struct flags_scope **out,
                     struct tz_error *err)
{
    *out = NULL;
    struct flags_scope *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    s->err = err;
    /* Both walks go in id order (register.h): the comparison merges. */
    int rc = register_each_system(reg, NULL, take_system, s, err);
    if (rc == 0)
        rc = register_each_binding(reg, NULL, take_host, s, err);
    s->err = NULL;
    if (rc != 0) {
        flags_scope_free(s);
        return rc;
    }
    /* Already in order by contract; sorting keeps the merge right anyway. */
    if (s->n_sys)
        qsort(s->sys, s->n_sys, sizeof(*s->sys), u64_cmp);
    if (s->n_hosts)
        qsort(s->hosts, s->n_hosts, sizeof(*s->hosts), u64_cmp);
    *out = s;
    return 0;
}

void flags_scope_free(struct flags_scope *s)
{
    if (s == NULL)
        return;
    free(s->sys);
    free(s->hosts);
    free(s);
}

static int has(const uint64_t *v, size_t n, uint64_t id)
{
    return id != 0 && n > 0 && bsearch(&id, v, n, sizeof(*v), u64_cmp) != NULL;
}

/* The candidates differ, or one of them changed. */
static int cand_moved(const struct host_entry *o, const struct host_entry *n,
                      const uint64_t *sys, size_t ns)
{
    if (o->cand_total != n->cand_total || o->n_cand != n->n_cand ||
        memcmp(o->cand, n->cand, n->n_cand * sizeof(*n->cand)) != 0)
        return 1;
    for (size_t i = 0; i < n->n_cand; i++)
        if (has(sys, ns, n->cand[i]))
            return 1;
    return 0;
}

int flags_scope_update(struct tz_register *reg, const struct rules_config *cfg,
                       const struct flags_scope *before, int64_t now,
                       struct flags_scope_stats *stats, struct tz_error *err)
{
    struct flags_scope *after;
    int rc = flags_scope_take(reg, &after, err);
    if (rc != 0)
        return rc;
    const struct flags_scope *b = before, *a = after;
    /* Systems added, changed or gone, in id order. */
    uint64_t *sys = malloc((b->n_sys + a->n_sys + 1) * sizeof(*sys));
    uint64_t *hosts = malloc((b->n_hosts + a->n_hosts + 1) * sizeof(*hosts));
    size_t ns = 0, nh = 0;
    if (sys == NULL || hosts == NULL) {
        free(sys);
        free(hosts);
        flags_scope_free(after);
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    }
    for (size_t i = 0, j = 0; i < b->n_sys || j < a->n_sys;) {
        if (j == a->n_sys || (i < b->n_sys && b->sys[i].id < a->sys[j].id)) {
            sys[ns++] = b->sys[i++].id;
        } else if (i == b->n_sys || a->sys[j].id < b->sys[i].id) {
            sys[ns++] = a->sys[j++].id;
        } else {
            if (memcmp(b->sys[i].hash, a->sys[j].hash, sizeof(b->sys[i].hash)) != 0)
                sys[ns++] = a->sys[j].id;
            i++, j++;
        }
    }
    /* Hosts whose binding moved, or whose system (old or new) changed. A
     * host only in one snapshot (enrolled meanwhile) is evaluated too. */
    for (size_t i = 0, j = 0; i < b->n_hosts || j < a->n_hosts;) {
        if (j == a->n_hosts || (i < b->n_hosts && b->hosts[i].id < a->hosts[j].id)) {
            i++;   /* gone: nothing left to flag */
        } else if (i == b->n_hosts || a->hosts[j].id < b->hosts[i].id) {
            hosts[nh++] = a->hosts[j++].id;
        } else {
            const struct host_entry *o = &b->hosts[i], *n = &a->hosts[j];
            /* The refused system too: BINDING_OTHER_DEPT names it; and
             * the candidates AMBIGUOUS_BINDING names. */
            if (o->system_id != n->system_id || o->refused_id != n->refused_id ||
                has(sys, ns, o->system_id) || has(sys, ns, n->system_id) ||
                has(sys, ns, n->refused_id) || cand_moved(o, n, sys, ns))
                hosts[nh++] = n->id;
            i++, j++;
        }
    }
    rc = flags_update_subjects(reg, cfg, sys, ns, hosts, nh, now, err);
    if (rc == 0 && stats) {
        stats->systems = ns;
        stats->hosts = nh;
    }
    free(sys);
    free(hosts);
    flags_scope_free(after);
    return rc;
}
