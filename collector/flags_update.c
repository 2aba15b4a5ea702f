/* flags_update — rules over the register, flags back into it. */
#include "flags_update.h"

#include <stdlib.h>
#include <string.h>

#include "civil_day.h"
#include "grow.h"
#include "host_dups.h"
#include "rules.h"

/* The sets of one call, and the hits whose strings they point into. */
struct pending {
    struct register_flag_set *sets;
    struct rule_hits *hits;
    struct register_flag **flags;
    char **depts;
    char **names;
    size_t n, cap;
};

static void pending_free(struct pending *p)
{
    for (size_t i = 0; i < p->n; i++) {
        rule_hits_free(&p->hits[i]);
        free(p->flags[i]);
        free(p->depts[i]);
        free(p->names[i]);
    }
    free(p->sets);
    free(p->hits);
    free(p->flags);
    free(p->depts);
    free(p->names);
    memset(p, 0, sizeof(*p));
}

/* Take ownership of hits as the flag set of one subject. */
static int pending_add(struct pending *p, int kind, uint64_t id, const char *name,
                       const char *dept, uint64_t system_id, struct rule_hits *hits)
{
    if (p->n == p->cap) {
        /* five arrays of one length, each grown from the same capacity */
        size_t c[5] = {p->cap, p->cap, p->cap, p->cap, p->cap};
        if (tz_grow((void **)&p->sets, &c[0], p->n, sizeof(*p->sets)) ||
            tz_grow((void **)&p->hits, &c[1], p->n, sizeof(*p->hits)) ||
            tz_grow((void **)&p->flags, &c[2], p->n, sizeof(*p->flags)) ||
            tz_grow((void **)&p->depts, &c[3], p->n, sizeof(*p->depts)) ||
            tz_grow((void **)&p->names, &c[4], p->n, sizeof(*p->names)))
            return TZ_ENOMEM;
        p->cap = c[0];
    }
    struct register_flag *fl = calloc(hits->n ? hits->n : 1, sizeof(*fl));
    char *dc = strdup(dept ? dept : "");
    char *nc = strdup(name ? name : "");
    if (fl == NULL || dc == NULL || nc == NULL) {
        free(fl);
        free(dc);
        free(nc);
        return TZ_ENOMEM;
    }
    for (size_t i = 0; i < hits->n; i++) {
        fl[i].id = flag_def(hits->v[i].flag)->id;
        fl[i].severity = hits->v[i].severity;
        fl[i].instance = hits->v[i].instance;
        fl[i].evidence = hits->v[i].evidence;
        fl[i].evidence_zh = hits->v[i].evidence_zh;
    }
    size_t k = p->n++;
    p->hits[k] = *hits;
    memset(hits, 0, sizeof(*hits));
    p->flags[k] = fl;
    p->depts[k] = dc;
    p->names[k] = nc;
    p->sets[k] = (struct register_flag_set){
        .subject_kind = kind, .subject_id = id, .subject_name = nc, .dept = dc,
        .system_id = system_id, .flags = fl, .n = p->hits[k].n};
    return 0;
}

static int eval_host(struct tz_register *reg, const struct rules_config *cfg,
                     const struct host_dups *dups, uint64_t id, int64_t now,
                     struct pending *p, struct tz_error *err)
{
    Tz__AgentRecord *rec = NULL;
    Tz__Report *rep = NULL;
    /* Only what the host rules read (rules.c): not the packages. */
    unsigned mask = 1u << TZ__SECTION_KIND__SECTION_HOST |
                    1u << TZ__SECTION_KIND__SECTION_ACCOUNTS |
                    1u << TZ__SECTION_KIND__SECTION_SSH |
                    1u << TZ__SECTION_KIND__SECTION_LISTENERS |
                    1u << TZ__SECTION_KIND__SECTION_PATCH;
    int rc = register_get_host_sections(reg, id, mask, &rec, &rep, err);
    if (rc == TZ_ENOENT)
        return 0;
    if (rc != 0)
        return rc;
    struct register_binding b;
    Tz__SystemRecord *sys = NULL, *refused = NULL;
    rc = register_binding_of(reg, id, &b, err);
    uint64_t sys_id = rc == 0 ? b.system_id : 0;
    if (rc == 0 && sys_id != 0) {
        rc = register_system_get(reg, sys_id, &sys, err);
        if (rc == TZ_ENOENT) {
            sys_id = 0;
            rc = 0;
        }
    }
    /* Only hosts with a refused binding pay this read. */
    if (rc == 0 && b.refused_id != 0 &&
        (rc = register_system_get(reg, b.refused_id, &refused, err)) ==
            TZ_ENOENT)
        rc = 0;
    /* Only hosts with an ambiguous match pay these (a few, bounded). */
    Tz__SystemRecord *cand[BIND_CANDIDATES_MAX] = {0};
    for (size_t i = 0; rc == 0 && i < b.n_candidates; i++)
        if ((rc = register_system_get(reg, b.candidates[i], &cand[i], err)) ==
            TZ_ENOENT)
            rc = 0;
    struct rule_hits hits = {0};
    if (rc == 0) {
        struct host_facts f = {rec, rep, sys_id, sys, now, refused,
                               b.refused_src,
                               (const Tz__SystemRecord *const *)cand,
                               b.n_candidates, b.candidates_total,
                               b.candidates_other_dept, NULL, 0};
        f.dups = host_dups_of(dups, rec->machine_id, &f.n_dups);
        rc = rules_eval_host(cfg, &f, &hits);
    }
    for (size_t i = 0; i < BIND_CANDIDATES_MAX; i++)
        if (cand[i])
            protobuf_c_message_free_unpacked(&cand[i]->base, NULL);
    if (rc == 0)
        rc = pending_add(p, TZ__SUBJECT_KIND__SUBJECT_HOST, id, rec->hostname, rec->dept,
                         sys_id, &hits);
    rule_hits_free(&hits);
    if (sys)
        protobuf_c_message_free_unpacked(&sys->base, NULL);
    if (refused)
        protobuf_c_message_free_unpacked(&refused->base, NULL);
    if (rep)
        protobuf_c_message_free_unpacked(&rep->base, NULL);
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    return rc == TZ_ENOMEM ? tz_err(err, rc, NULL, 0, "out of memory") : rc;
}

static int eval_system(const struct rules_config *cfg, const Tz__SystemRecord *s,
                       int64_t now, struct pending *p)
{
    struct rule_hits hits = {0};
    int rc = rules_eval_system(cfg, s, civil_today(now), &hits);
    if (rc == 0)
        rc = pending_add(p, TZ__SUBJECT_KIND__SUBJECT_SYSTEM, s->system_id, s->name,
                         s->dept, s->system_id, &hits);
    rule_hits_free(&hits);
    return rc;
}

static int flush(struct tz_register *reg, struct pending *p, int64_t now,
                 struct tz_error *err)
{
    int rc = p->n ? register_flags_sync(reg, p->sets, p->n, now, err) : 0;
    pending_free(p);
    return rc;
}

static int id_in(const uint64_t *ids, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

/* ids plus every host sharing a machine_id with one of them: a host that
 * enrolls again, retires or merges changes its twins' DUPLICATE_HOST too.
 * *out is the caller's (free). */
static int with_twins(const struct host_dups *d, const uint64_t *ids, size_t n,
                      uint64_t **out, size_t *n_out, struct tz_error *err)
{
    uint64_t *v = malloc((n + d->n + 1) * sizeof(*v));
    if (v == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!id_in(v, k, ids[i]))
            v[k++] = ids[i];
    for (size_t i = 0; i < d->n; i++) {
        if (!id_in(ids, n, d->v[i].agent_id))
            continue;
        size_t m;
        const struct host_dup *tw = host_dups_of(d, d->v[i].machine_id, &m);
        for (size_t j = 0; j < m; j++)
            if (!id_in(v, k, tw[j].agent_id))
                v[k++] = tw[j].agent_id;
    }
    *out = v;
    *n_out = k;
    return 0;
}

/* The n hosts ids, with their twins when twins is set; every host when
 * all is set (as the duplicates' walk lists them). */
static int eval_hosts(struct tz_register *reg, const struct rules_config *cfg,
                      int all, const uint64_t *ids, size_t n, int twins,
                      int64_t now, struct pending *p, struct tz_error *err)
{
    struct host_dups dups;
    int rc = host_dups_build(reg, &dups, err);
    if (rc != 0)
        return rc;
    if (all) {
        ids = dups.ids;
        n = dups.n_ids;
    }
    uint64_t *wide = NULL;      /* ids and their twins */
    size_t n_wide = n;
    if (twins)
        rc = with_twins(&dups, ids, n, &wide, &n_wide, err);
    for (size_t i = 0; rc == 0 && i < n_wide; i++)
        rc = eval_host(reg, cfg, &dups, wide ? wide[i] : ids[i], now, p, err);
    free(wide);
    host_dups_free(&dups);
    return rc;
}

int flags_update_hosts(struct tz_register *reg, const struct rules_config *cfg,
                       const uint64_t *ids, size_t n, int64_t now,
                       struct tz_error *err)
{
    struct pending p = {0};
    int rc = eval_hosts(reg, cfg, 0, ids, n, 1, now, &p, err);
    if (rc != 0) {
        pending_free(&p);
        return rc;
    }
    return flush(reg, &p, now, err);
}

struct walk {
    struct tz_register *reg;
    const struct rules_config *cfg;
    int64_t now;
    struct pending *p;
    const uint64_t *only;       /* systems to evaluate, NULL for all */
    size_t n_only;
    struct tz_error *err;
};

static int walk_system(const Tz__SystemRecord *s, void *arg)
{
    struct walk *w = arg;
    if (w->only) {
        size_t i = 0;
        while (i < w->n_only && w->only[i] != s->system_id)
            i++;
        if (i == w->n_only)
            return 0;
    }
    int rc = eval_system(w->cfg, s, w->now, w->p);
    return rc == TZ_ENOMEM ? tz_err(w->err, rc, NULL, 0, "out of memory") : rc;
}

/* Where evaluated sets go: stored (flush), or shown (flags_evaluate_all). */
typedef int (*sink_fn)(struct tz_register *reg, struct pending *p, int64_t now,
                       void *arg, struct tz_error *err);

static int sink_store(struct tz_register *reg, struct pending *p, int64_t now,
                      void *arg, struct tz_error *err)
{
    (void)arg;
    return flush(reg, p, now, err);
}

/* Systems (all, or only some) plus hosts (the given ones, or every host: a
 * host's flags depend on its system, NO_PRELAUNCH_REVIEW). One commit. */
static int update_to(struct tz_register *reg, const struct rules_config *cfg,
                     const uint64_t *only, size_t n_only, const uint64_t *hosts,
                     size_t n_hosts, int64_t now, sink_fn sink, void *sink_arg,
                     struct tz_error *err)
{
    struct pending p = {0};
    struct walk w = {reg, cfg, now, &p, only, n_only, err};
    int rc = only && n_only == 0 ? 0 : register_each_system(reg, NULL, walk_system, &w, err);
    if (rc == 0 && (hosts == NULL || n_hosts))
        rc = eval_hosts(reg, cfg, hosts == NULL, hosts, n_hosts, hosts != NULL,
                        now, &p, err);
    if (rc != 0) {
        pending_free(&p);
        return rc;
    }
    return sink(reg, &p, now, sink_arg, err);
}

static int update(struct tz_register *reg, const struct rules_config *cfg,
                  const uint64_t *only, size_t n_only, const uint64_t *hosts,
                  size_t n_hosts, int64_t now, struct tz_error *err)
{
    return update_to(reg, cfg, only, n_only, hosts, n_hosts, now, sink_store, NULL,
                     err);
}

struct show {
    flags_set_cb cb;
    void *arg;
};

static int sink_show(struct tz_register *reg, struct pending *p, int64_t now,
                     void *arg, struct tz_error *err)
{
    (void)reg;
    (void)now;
    (void)err;
    const struct show *s = arg;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < p->n; i++)
        rc = s->cb(&p->sets[i], s->arg);
    pending_free(p);
    return rc;
}

int flags_evaluate_all(struct tz_register *reg, const struct rules_config *cfg,
                       int64_t now, flags_set_cb cb, void *arg,
                       struct tz_error *err)
{
    struct show s = {cb, arg};
    return update_to(reg, cfg, NULL, 0, NULL, 0, now, sink_show, &s, err);
}

int flags_update_systems(struct tz_register *reg, const struct rules_config *cfg,
                         const uint64_t *ids, size_t n, int64_t now,
                         struct tz_error *err)
{
    return update(reg, cfg, ids, n, NULL, 0, now, err);
}

int flags_update_subjects(struct tz_register *reg, const struct rules_config *cfg,
                          const uint64_t *systems, size_t n_systems,
                          const uint64_t *hosts, size_t n_hosts, int64_t now,
                          struct tz_error *err)
{
    static const uint64_t none;
    return update(reg, cfg, systems ? systems : &none, n_systems, hosts ? hosts : &none,
                  n_hosts, now, err);
}

int flags_update_all(struct tz_register *reg, const struct rules_config *cfg,
                     int64_t now, struct tz_error *err)
{
    return update(reg, cfg, NULL, 0, NULL, 0, now, err);
}
