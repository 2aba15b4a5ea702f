/* portal_view — lists: the ledger, the per-department summary, hosts and
 * flags, each walked once and filtered by the viewer as it goes. */
#include "portal_view.h"
#include "portal_view_priv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flag_catalog.h"
#include "grow.h"
#include "ledger_fields.h"
#include "people.h"

/* The one department a walk may be narrowed to (NULL: all the viewer
 * sees); *none when the scope names a department the viewer may not see. */
static const char *walk_dept(const struct view_scope *s, int *none)
{
    *none = 0;
    const Tz__UserRecord *u = s->user;
    if (u == NULL || u->revoked_at) {
        *none = 1;
        return NULL;
    }
    if (u->role == TZ__ROLE__ROLE_ADMIN)
        return s->dept;
    if (s->dept && strcmp(s->dept, u->dept) != 0)
        *none = 1;
    return u->dept;
}

int view_oom(struct tz_error *err)
{
    return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
}

int view_not_found(struct tz_error *err, const char *what, uint64_t id)
{
    return tz_err(err, TZ_ENOENT, NULL, 0, "no %s with id %llu", what,
                  (unsigned long long)id);
}

int view_in_scope(const struct view_scope *s, const char *dept)
{
    if (!people_may_see(s->user, dept))
        return 0;
    return s->dept == NULL || strcmp(s->dept, dept) == 0;
}

/* ---- the systems a viewer may name ---- */

/* A host of a department can be bound by the network center (tzctl bind)
 * to a system of another department, and its flags then carry that
 * system's id: the department must not learn it (the same rule as the
 * exports, export_host_system). A department user's systems, in id order
 * (register_each_system walks them so); an admin's: all. */
struct sys_set {
    int all;
    uint64_t *id;
    size_t n, cap;
};


static int sys_set_add(const Tz__SystemRecord *rec, void *arg)
{
    struct sys_set *v = arg;
    if (tz_grow((void **)&v->id, &v->cap, v->n, sizeof(*v->id)))
        return TZ_ENOMEM;
    v->id[v->n++] = rec->system_id;
    return 0;
}

static int sys_set_load(struct tz_register *reg, const Tz__UserRecord *u,
                        struct sys_set *v, struct tz_error *err)
{
    memset(v, 0, sizeof(*v));
    v->all = u && u->role == TZ__ROLE__ROLE_ADMIN;
    if (v->all || u == NULL)
        return 0;
    int rc = register_each_system(reg, u->dept, sys_set_add, v, err);
    return rc == TZ_ENOMEM ? view_oom(err) : rc;
}

/* sid itself when the viewer may see that system, else 0 (as unbound). */
static uint64_t sys_set_show(const struct sys_set *v, uint64_t sid)
{
    if (v->all || sid == 0)
        return sid;
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->id[mid] == sid)
            return sid;
        if (v->id[mid] < sid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* ---- counting hosts and flags per system ---- */

struct sys_count {
    uint64_t id;
    cJSON *row;
    uint64_t hosts, flags, high;
};

struct host_sys {
    uint64_t agent_id, system_id;
};

struct summary;

struct tally {
    const struct view_scope *s;
    struct sys_count *sys;
    size_t n_sys, cap_sys;
    struct host_sys *hosts;
    size_t n_hosts, cap_hosts;
    int with_retired;
    const char *dept;
    cJSON *list;
    /* Rows are built only for the systems first .. first+count-1 (in walk
     * order): a page of the API formats 100 rows, not 5,000. */
    size_t first, count;
    /* The department summary counted from the same walks (NULL: none). */
    struct summary *m;
};

static int sum_system(const Tz__SystemRecord *rec, void *arg);
static int sum_host(const Tz__AgentRecord *host, uint64_t sid,
                    Tz__BindingSource src, void *arg);


static struct sys_count *sys_find(const struct tally *t, uint64_t id)
{
    size_t lo = 0, hi = t->n_sys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->sys[mid].id == id)
            return &t->sys[mid];
        if (t->sys[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static uint64_t host_system(const struct tally *t, uint64_t agent_id, int *seen)
{
    size_t lo = 0, hi = t->n_hosts;
    *seen = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->hosts[mid].agent_id == agent_id) {
            *seen = 1;
            return t->hosts[mid].system_id;
        }
        if (t->hosts[mid].agent_id < agent_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int add_str(cJSON *o, const char *k, const char *v)
{
    return cJSON_AddStringToObject(o, k, v ? v : "") ? 0 : TZ_ENOMEM;
}

static int add_num(cJSON *o, const char *k, double v)
{
    return cJSON_AddNumberToObject(o, k, v) ? 0 : TZ_ENOMEM;
}

/* The ledger row of a system: the columns a department hands in. */
static cJSON *ledger_row(const Tz__SystemRecord *rec)
{
    static const char *const keys[] = {
        "name", "dept", "owner", "admin", "contact", "school_filing",
        "icp_filing", "psb_filing", "grading_filed_at", "last_evaluation_at",
        "prelaunch_status", "status"};
    cJSON *o = cJSON_CreateObject();
    char buf[256];
    int rc = o ? add_num(o, "id", (double)rec->system_id) : TZ_ENOMEM;
    for (size_t i = 0; rc == 0 && i < sizeof(keys) / sizeof(keys[0]); i++) {
        ledger_field_format(rec, keys[i], buf, sizeof(buf));
        rc = add_str(o, keys[i], buf);
    }
    if (rc == 0)
        rc = rec->mlps_grade ? add_num(o, "mlps_grade", rec->mlps_grade)
                             : (cJSON_AddNullToObject(o, "mlps_grade") ? 0 : TZ_ENOMEM);
    if (rc == 0)
        rc = cJSON_AddBoolToObject(o, "public_facing", rec->public_facing) ? 0 : TZ_ENOMEM;
    if (rc != 0) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int tally_system(const Tz__SystemRecord *rec, void *arg)
{
    struct tally *t = arg;
    if (t->m)
        sum_system(rec, t->m);   /* it keeps to the summary's departments */
    if (!people_may_see(t->s->user, rec->dept))
        return 0;
    if (!t->with_retired && strcmp(rec->status, "retired") == 0)
        return 0;
    if (tz_grow((void **)&t->sys, &t->cap_sys, t->n_sys, sizeof(*t->sys)))
        return TZ_ENOMEM;
    cJSON *row = NULL;
    int in_page = t->n_sys >= t->first && t->n_sys - t->first < t->count;
    if (t->list && in_page && (row = ledger_row(rec)) == NULL)
        return TZ_ENOMEM;
    if (row)
        cJSON_AddItemToArray(t->list, row);
    t->sys[t->n_sys++] = (struct sys_count){rec->system_id, row, 0, 0, 0};
    return 0;
}

static int tally_host(const Tz__AgentRecord *host, uint64_t sid,
                      Tz__BindingSource src, void *arg)
{
    struct tally *t = arg;
    if (t->m)
        sum_host(host, sid, src, t->m);
    /* Hosts of other departments bound here by the network center are
     * theirs: not counted, not listed. */
    if (!people_may_see(t->s->user, host->dept))
        return 0;
    struct sys_count *c = sid ? sys_find(t, sid) : NULL;
    if (c)
        c->hosts++;
    if (tz_grow((void **)&t->hosts, &t->cap_hosts, t->n_hosts, sizeof(*t->hosts)))
        return TZ_ENOMEM;
    t->hosts[t->n_hosts++] = (struct host_sys){host->agent_id, c ? sid : 0};
    return 0;
}

static int tally_flags(int kind, uint64_t subject, size_t open, void *arg)
{
    struct tally *t = arg;
    uint64_t sid = 0;
    int seen = 0;
    if (kind == TZ__SUBJECT_KIND__SUBJECT_SYSTEM)
        sid = subject;
    else if (kind == TZ__SUBJECT_KIND__SUBJECT_HOST)
        sid = host_system(t, subject, &seen);
    struct sys_count *c = sid ? sys_find(t, sid) : NULL;
    if (c)
        c->flags += open;
    return 0;
}

static void tally_free(struct tally *t)
{
    free(t->sys);
    free(t->hosts);
}

/* Systems, then hosts and their bindings, then open flag counts. */
static int tally_run(struct tz_register *reg, struct tally *t,
                     struct tz_error *err)
{
    int rc = register_each_system(reg, t->dept, tally_system, t, err);
    if (rc == 0)
        rc = register_each_host_binding(reg, t->dept, tally_host, t, err);
    if (rc == 0)
        rc = register_count_open_flags(reg, tally_flags, t, err);
    return rc == TZ_ENOMEM ? view_oom(err) : rc;
}

/* view_ledger's walk, rows first .. first+count-1 only; *total: how many
 * systems the whole ledger has. m: a summary to count in the same walks. */
static int ledger_walk(struct tz_register *reg, const struct view_scope *s,
                       int with_retired, size_t first, size_t count,
                       struct summary *m, cJSON **out, size_t *total,
                       struct tz_error *err)
{
    int none;
    struct tally t = {.s = s, .with_retired = with_retired,
                      .first = first, .count = count, .m = m};
    t.dept = walk_dept(s, &none);
    cJSON *o = cJSON_CreateObject();
    t.list = o ? cJSON_AddArrayToObject(o, "systems") : NULL;
    if (t.list == NULL) {
        cJSON_Delete(o);
        return view_oom(err);
    }
    int rc = none ? 0 : tally_run(reg, &t, err);
    for (size_t i = 0; rc == 0 && i < t.n_sys; i++)
        if (t.sys[i].row &&
            (add_num(t.sys[i].row, "hosts", (double)t.sys[i].hosts) ||
             add_num(t.sys[i].row, "open_flags", (double)t.sys[i].flags)))
            rc = view_oom(err);
    *total = t.n_sys;
    tally_free(&t);
    if (rc != 0) {
        cJSON_Delete(o);
        return rc;
    }
    *out = o;
    return 0;
}

int view_ledger(struct tz_register *reg, const struct view_scope *s,
                int with_retired, cJSON **out, struct tz_error *err)
{
    size_t total;
    return ledger_walk(reg, s, with_retired, 0, SIZE_MAX, NULL, out, &total, err);
}

int view_ledger_page(struct tz_register *reg, const struct view_scope *s,
                     int with_retired, size_t first, size_t count,
                     cJSON **out, size_t *total, struct tz_error *err)
{
    return ledger_walk(reg, s, with_retired, first, count, NULL, out, total, err);
}

/* ---- per department ---- */

struct dept_sum {
    char *name;
    uint64_t systems, hosts, unbound, flags, high;
};

struct summary {
    const struct view_scope *s;
    const char *only;
    struct dept_sum *v;
    size_t n, cap;
};

static struct dept_sum *dept_find(struct summary *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++)   /* a university has tens of them */
        if (strcmp(m->v[i].name, name) == 0)
            return &m->v[i];
    return NULL;
}

static int sum_dept(const Tz__DeptRecord *d, void *arg)
{
    struct summary *m = arg;
    if (!people_may_see(m->s->user, d->name) ||
        (m->only && strcmp(m->only, d->name) != 0))
        return 0;
    if (tz_grow((void **)&m->v, &m->cap, m->n, sizeof(*m->v)))
        return TZ_ENOMEM;
    m->v[m->n] = (struct dept_sum){strdup(d->name), 0, 0, 0, 0, 0};
    return m->v[m->n++].name ? 0 : TZ_ENOMEM;
}

static int sum_system(const Tz__SystemRecord *rec, void *arg)
{
    struct dept_sum *d = dept_find(arg, rec->dept);
    if (d && strcmp(rec->status, "retired") != 0)
        d->systems++;
    return 0;
}

static int sum_host(const Tz__AgentRecord *host, uint64_t sid,
                    Tz__BindingSource src, void *arg)
{
    (void)src;
    struct dept_sum *d = dept_find(arg, host->dept);
    if (d) {
        d->hosts++;
        d->unbound += sid == 0;
    }
    return 0;
}

static int sum_flag(const Tz__FlagRecord *f, void *arg)
{
    struct dept_sum *d = dept_find(arg, f->dept);
    if (d) {
        d->flags++;
        d->high += f->severity == TZ__SEVERITY__SEV_HIGH;
    }
    return 0;
}

/* The departments the summary counts (none when the scope shows none). */
static int summary_begin(struct tz_register *reg, const struct view_scope *s,
                         struct summary *m, struct tz_error *err)
{
    int none;
    *m = (struct summary){.s = s};
    m->only = walk_dept(s, &none);
    return none ? 0 : register_each_dept(reg, sum_dept, m, err);
}

/* The flags, then the JSON; frees m. rc: the walks' result so far. */
static int summary_end(struct tz_register *reg, struct summary *m, int rc,
                       cJSON **out, struct tz_error *err)
{
    if (rc == 0 && m->n)
        rc = register_each_flag(reg, 0, sum_flag, m, err);
    cJSON *o = rc == 0 ? cJSON_CreateObject() : NULL;
    cJSON *a = o ? cJSON_AddArrayToObject(o, "departments") : NULL;
    if (rc == 0 && a == NULL)
        rc = TZ_ENOMEM;
    for (size_t i = 0; rc == 0 && i < m->n; i++) {
        cJSON *d = cJSON_CreateObject();
        if (d == NULL) {
            rc = TZ_ENOMEM;
            break;
        }
        cJSON_AddItemToArray(a, d);
        if (add_str(d, "name", m->v[i].name) ||
            add_num(d, "systems", (double)m->v[i].systems) ||
            add_num(d, "hosts", (double)m->v[i].hosts) ||
            add_num(d, "hosts_unbound", (double)m->v[i].unbound) ||
            add_num(d, "open_flags", (double)m->v[i].flags) ||
            add_num(d, "high_flags", (double)m->v[i].high))
            rc = TZ_ENOMEM;
    }
    for (size_t i = 0; i < m->n; i++)
        free(m->v[i].name);
    free(m->v);
    if (rc != 0) {
        cJSON_Delete(o);
        return rc == TZ_ENOMEM ? view_oom(err) : rc;
    }
    *out = o;
    return 0;
}

int view_summary(struct tz_register *reg, const struct view_scope *s,
                 cJSON **out, struct tz_error *err)
{
    struct summary m;
    int rc = summary_begin(reg, s, &m, err);
    if (rc == 0 && m.n)
        rc = register_each_system(reg, m.only, sum_system, &m, err);
    if (rc == 0 && m.n)
        rc = register_each_host_binding(reg, m.only, sum_host, &m, err);
    return summary_end(reg, &m, rc, out, err);
}

int view_ledger_summary(struct tz_register *reg, const struct view_scope *s,
                        cJSON **ledger, cJSON **summary, struct tz_error *err)
{
    struct summary m;
    size_t total;
    cJSON *l = NULL;
    int rc = summary_begin(reg, s, &m, err);
    /* The ledger's walks take the same department filter (walk_dept) and
     * hand every record to the summary's callbacks before their own
     * filters: the counts view_summary's own walks would make. */
    if (rc == 0)
        rc = ledger_walk(reg, s, 0, 0, SIZE_MAX, m.n ? &m : NULL, &l, &total, err);
    rc = summary_end(reg, &m, rc, summary, err);
    if (rc != 0) {
        cJSON_Delete(l);
        return rc;
    }
    *ledger = l;
    return 0;
}

/* ---- hosts ---- */

struct host_list {
    const struct view_scope *s;
    const struct sys_set *visible;
    cJSON *list;
};

static const char *source_name(Tz__BindingSource src)
{
    switch (src) {
    case TZ__BINDING_SOURCE__BIND_EXPLICIT: return "explicit";
    case TZ__BINDING_SOURCE__BIND_CONFIG: return "config";
    case TZ__BINDING_SOURCE__BIND_MATCH: return "match";
    default: return "";
    }
}

static int host_item(const Tz__AgentRecord *h, uint64_t sid,
                     Tz__BindingSource src, void *arg)
{
    struct host_list *l = arg;
    if (!people_may_see(l->s->user, h->dept))
        return 0;
    if (sys_set_show(l->visible, sid) == 0) {
        sid = 0;
        src = TZ__BINDING_SOURCE__BIND_NONE;
    }
    cJSON *o = cJSON_CreateObject(), *ips;
    if (o == NULL)
        return TZ_ENOMEM;
    cJSON_AddItemToArray(l->list, o);
    if (add_num(o, "id", (double)h->agent_id) || add_str(o, "hostname", h->hostname) ||
        add_str(o, "dept", h->dept) || add_str(o, "os", h->os_pretty) ||
        add_str(o, "kernel", h->kernel) ||
        add_num(o, "packages", h->package_count) ||
        add_num(o, "last_seen", (double)h->last_seen) ||
        add_num(o, "last_report_at", (double)h->last_report_at) ||
        add_num(o, "system_id", (double)sid) ||
        add_str(o, "binding", source_name(src)) ||
        (ips = cJSON_AddArrayToObject(o, "ips")) == NULL)
        return TZ_ENOMEM;
    for (size_t i = 0; i < h->n_ips; i++) {
        cJSON *ip = cJSON_CreateString(h->ips[i]);
        if (ip == NULL)
            return TZ_ENOMEM;
        cJSON_AddItemToArray(ips, ip);
    }
    return 0;
}

int view_hosts(struct tz_register *reg, const struct view_scope *s,
               cJSON **out, struct tz_error *err)
{
    int none;
    const char *dept = walk_dept(s, &none);
    struct sys_set visible = {0};
    cJSON *o = cJSON_CreateObject();
    struct host_list l = {s, &visible, o ? cJSON_AddArrayToObject(o, "hosts") : NULL};
    if (l.list == NULL) {
        cJSON_Delete(o);
        return view_oom(err);
    }
    int rc = none ? 0 : sys_set_load(reg, s->user, &visible, err);
    if (rc == 0 && !none)
        rc = register_each_host_binding(reg, dept, host_item, &l, err);
    free(visible.id);
    if (rc != 0) {
        cJSON_Delete(o);
        return rc == TZ_ENOMEM ? view_oom(err) : rc;
    }
    *out = o;
    return 0;
}

/* ---- flags ---- */

struct flag_list {
    const struct view_scope *s;
    const char *dept;
    const struct view_flag_filter *f;
    cJSON *list;
    struct sys_set visible;
};

static int flag_item(const Tz__FlagRecord *f, void *arg)
{
    struct flag_list *l = arg;
    if (!people_may_see(l->s->user, f->dept) ||
        (l->dept && strcmp(l->dept, f->dept) != 0))
        return 0;
    const struct view_flag_filter *ff = l->f;
    int is_host = f->subject_kind == TZ__SUBJECT_KIND__SUBJECT_HOST;
    /* only the network center reads another department's names in it */
    int admin = l->s->user->role == TZ__ROLE__ROLE_ADMIN;
    if (ff && ((int)f->severity < ff->min_severity ||
               (ff->rule && ff->rule[0] && strcasecmp(ff->rule, f->id) != 0) ||
               (ff->system_id && f->system_id != ff->system_id &&
                !(!is_host && f->subject_id == ff->system_id)) ||
               (ff->host_id && !(is_host && f->subject_id == ff->host_id))))
        return 0;
    int id = flag_lookup(f->id);
    const struct flag_def *d = id >= 0 ? flag_def(id) : NULL;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return TZ_ENOMEM;
    cJSON_AddItemToArray(l->list, o);
    if (add_str(o, "rule", f->id) ||
        add_str(o, "severity", severity_name(f->severity)) ||
        add_str(o, "label_zh", d ? d->label_zh : f->id) ||
        add_str(o, "label_en", d ? d->label_en : f->id) ||
        add_str(o, "cites", d ? d->cites : "") ||
        add_str(o, "remedy_zh", d ? d->remedy_zh : "") ||
        add_str(o, "remedy_en", d ? d->remedy_en : "") ||
        add_str(o, "subject_kind", is_host ? "host" : "system") ||
        add_num(o, "subject_id", (double)f->subject_id) ||
        add_str(o, "subject_name", f->subject_name) ||
        add_str(o, "instance", f->instance) ||
        add_str(o, "evidence", flag_evidence_lang(f, admin, 0)) ||
        add_str(o, "evidence_zh", flag_evidence_lang(f, admin, 1)) ||
        add_str(o, "dept", f->dept) ||
        add_num(o, "system_id", (double)(is_host ? sys_set_show(&l->visible, f->system_id)
                                                 : f->subject_id)) ||
        add_num(o, "opened_at", (double)f->opened_at))
        return TZ_ENOMEM;
    return 0;
}

int view_flags(struct tz_register *reg, const struct view_scope *s,
               const struct view_flag_filter *f, cJSON **out,
               struct tz_error *err)
{
    int none;
    struct flag_list l = {s, walk_dept(s, &none), f, NULL, {0}};
    cJSON *o = cJSON_CreateObject();
    l.list = o ? cJSON_AddArrayToObject(o, "flags") : NULL;
    if (l.list == NULL) {
        cJSON_Delete(o);
        return view_oom(err);
    }
    int rc = none ? 0 : sys_set_load(reg, s->user, &l.visible, err);
    /* a host page's flags are one range of the register */
    if (rc == 0 && !none)
        rc = f && f->host_id
                 ? register_each_open_flag_of(reg, TZ__SUBJECT_KIND__SUBJECT_HOST,
                                              f->host_id, flag_item, &l, err)
                 : register_each_flag(reg, 0, flag_item, &l, err);
    free(l.visible.id);
    if (rc != 0) {
        cJSON_Delete(o);
        return rc == TZ_ENOMEM ? view_oom(err) : rc;
    }
    *out = o;
    return 0;
}
