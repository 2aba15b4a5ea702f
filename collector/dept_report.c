/* dept_report — gather a department's self-inspection report for a period
 * from the register, as of the period's end. Walks collect ids first and
 * read records after, so no register call runs inside another's walk. */
#include "dept_report.h"

#include <stdlib.h>
#include <string.h>

#include "civil_day.h"
#include "dept_fields.h"
#include "dept_json.h"
#include "flag_catalog.h"
#include "grow.h"
#include "ledger_diff.h"
#include "ledger_fields.h"
#include "ledger_json.h"
#include "record_asof.h"
#include "tz_error.h"

#define DAY 86400

struct ids {
    uint64_t *v;
    size_t n, cap;
};

static int ids_push(struct ids *s, uint64_t id)
{
    if (tz_grow((void **)&s->v, &s->cap, s->n, sizeof(*s->v)) != 0)
        return TZ_ENOMEM;
    s->v[s->n++] = id;
    return 0;
}

static int oom(struct tz_error *err)
{
    return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
}

static void day_str(cJSON *o, const char *k, int32_t day)
{
    char d[11];
    civil_format(day, d);
    cJSON_AddStringToObject(o, k, d);
}

/* ---- responsibility ---- */

static int responsibility(struct tz_register *reg, const char *dept,
                          const struct report_period *p, cJSON *out,
                          struct tz_error *err)
{
    Tz__DeptRecord *rec;
    int rc = record_asof_dept(reg, dept, p->to, &rec, err);
    if (rc != 0)
        return rc;
    cJSON *o = dept_record_json(rec);
    cJSON *missing = o ? cJSON_AddArrayToObject(o, "missing") : NULL;
    if (missing == NULL) {
        cJSON_Delete(o);
        protobuf_c_message_free_unpacked(&rec->base, NULL);
        return oom(err);
    }
    /* revision and updated_at are today's, not the period's */
    cJSON_DeleteItemFromObject(o, "revision");
    cJSON_DeleteItemFromObject(o, "updated_at");
    static const enum dept_id named[] = {DF_PRINCIPAL, DF_SECURITY_LEAD,
                                         DF_IT_LEAD, DF_LIAISON};
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        const struct dept_field *f = &dept_fields[named[i]];
        const cJSON *v = cJSON_GetObjectItem(o, f->key);
        if (v == NULL || v->valuestring[0] == '\0')
            cJSON_AddItemToArray(missing, cJSON_CreateString(f->key));
    }
    int32_t m = rec->last_meeting_day;
    cJSON_AddBoolToObject(o, "meeting_within_year",
                          m && m <= p->to_day && p->to_day - m < 366);
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    cJSON_AddItemToObject(out, "responsibility", o);
    return 0;
}

/* ---- systems ---- */

static int sys_id(const Tz__SystemRecord *rec, void *arg)
{
    return ids_push(arg, rec->system_id);
}

static const char *evaluation_state(const Tz__SystemRecord *s,
                                    const struct rules_config *rules,
                                    int32_t end_day, int32_t *due)
{
    *due = 0;
    uint32_t g = s->mlps_grade <= 5 ? s->mlps_grade : 0;
    int max = rules->eval_max_days[g];
    if (max <= 0)
        return "not_required";
    if (s->last_evaluation_day == 0)
        return "never";
    *due = s->last_evaluation_day + max;
    return end_day - s->last_evaluation_day > max ? "overdue" : "ok";
}

static cJSON *system_row(const Tz__SystemRecord *s,
                         const struct rules_config *rules, int32_t end_day)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    static const enum ledger_id shown[] = {
        LF_NAME, LF_OWNER, LF_ADMIN, LF_STATUS, LF_PUBLIC_FACING,
        LF_SCHOOL_FILING, LF_ICP_FILING, LF_PSB_FILING, LF_MLPS_GRADE,
        LF_GRADING_FILED_AT, LF_LAST_EVALUATION_AT, LF_PRELAUNCH_STATUS,
        LF_PRELAUNCH_DATE};
    cJSON_AddNumberToObject(o, "id", (double)s->system_id);
    for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
        cJSON *v = ledger_field_json(s, &ledger_fields[shown[i]]);
        if (v == NULL) {
            cJSON_Delete(o);
            return NULL;
        }
        cJSON_AddItemToObject(o, ledger_fields[shown[i]].key, v);
    }
    int filed = s->school_filing[0] &&
                (!s->public_facing || (s->icp_filing[0] && s->psb_filing[0]));
    cJSON_AddStringToObject(o, "filing", filed ? "complete" : "incomplete");
    const char *grading =
        s->mlps_grade == 0 ? "not_graded"
        : (int)s->mlps_grade >= rules->filing_required_from_grade &&
                  s->grading_filed_day == 0
            ? "not_filed"
            : "filed";
    cJSON_AddStringToObject(o, "grading", grading);
    int32_t due;
    cJSON_AddStringToObject(o, "evaluation",
                            evaluation_state(s, rules, end_day, &due));
    day_str(o, "evaluation_due", due);
    const char *review = s->prelaunch && s->prelaunch->status[0]
                             ? s->prelaunch->status
                             : "none";
    cJSON_AddStringToObject(o, "prelaunch", review);
    return o;
}

/* The department's systems as of the end: their ids into *mine. */
static int systems(struct tz_register *reg, const char *dept,
                   const struct report_period *p, int32_t judge_day,
                   const struct rules_config *rules, cJSON *out,
                   struct ids *mine, struct tz_error *err)
{
    struct ids all = {0};
    cJSON *list = cJSON_AddArrayToObject(out, "systems");
    int rc = list ? register_each_system(reg, NULL, sys_id, &all, err)
                  : TZ_ENOMEM;
    for (size_t i = 0; rc == 0 && i < all.n; i++) {
        Tz__SystemRecord *s;
        rc = record_asof_system(reg, all.v[i], p->to, &s, err);
        if (rc != 0 || s == NULL || strcmp(s->dept, dept) != 0) {
            if (s)
                ledger_record_free(s);
            continue;
        }
        cJSON *row = system_row(s, rules, judge_day);
        ledger_record_free(s);
        if (row == NULL || ids_push(mine, all.v[i]) != 0) {
            cJSON_Delete(row);
            rc = TZ_ENOMEM;
            break;
        }
        cJSON_AddItemToArray(list, row);
    }
    free(all.v);
    return rc == TZ_ENOMEM ? oom(err) : rc;
}

/* ---- hosts ---- */

struct host_walk {
    struct ids ids;
    cJSON *list;
    int64_t end;
};

static int host_cb(const Tz__AgentRecord *h, void *arg)
{
    struct host_walk *w = arg;
    if (h->enrolled_at >= w->end)
        return 0;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || ids_push(&w->ids, h->agent_id) != 0) {
        cJSON_Delete(o);
        return TZ_ENOMEM;
    }
    cJSON_AddItemToArray(w->list, o);
    cJSON_AddNumberToObject(o, "id", (double)h->agent_id);
    cJSON_AddStringToObject(o, "hostname", h->hostname);
    day_str(o, "enrolled", civil_today((time_t)h->enrolled_at));
    return 0;
}

struct hist_count {
    int64_t to;
    uint32_t n;
};

static int hist_cb(const Tz__HistoryEntry *e, void *arg)
{
    struct hist_count *c = arg;
    if (e->at >= c->to)
        return 1;  /* entries come oldest first: the rest are later */
    c->n++;
    return 0;
}

static int hosts(struct tz_register *reg, const char *dept,
                 const struct report_period *p, cJSON *out,
                 struct tz_error *err)
{
    cJSON *o = cJSON_AddObjectToObject(out, "hosts");
    struct host_walk w = {.list = o ? cJSON_AddArrayToObject(o, "list") : NULL,
                          .end = p->to};
    int rc = w.list ? register_each_agent(reg, dept, host_cb, &w, err)
                    : TZ_ENOMEM;
    size_t seen = 0;
    for (size_t i = 0; rc == 0 && i < w.ids.n; i++) {
        uint32_t days = 0;
        struct hist_count hc = {p->to, 0};
        rc = register_host_days_seen(reg, w.ids.v[i], p->from_day, p->to_day,
                                     &days, err);
        if (rc == 0) {
            rc = register_each_history(reg, w.ids.v[i], p->from, hist_cb, &hc,
                                       err);
            if (rc == 1)
                rc = 0;
        }
        cJSON *h = cJSON_GetArrayItem(w.list, (int)i);
        cJSON_AddNumberToObject(h, "days_seen", days);
        cJSON_AddNumberToObject(h, "history_entries", hc.n);
        int s = days > 0 || hc.n > 0;
        cJSON_AddBoolToObject(h, "seen", s);
        seen += (size_t)s;
    }
    if (rc == 0) {
        cJSON_AddNumberToObject(o, "enrolled", (double)w.ids.n);
        cJSON_AddNumberToObject(o, "seen", (double)seen);
        cJSON_AddNumberToObject(o, "not_seen", (double)(w.ids.n - seen));
    }
    free(w.ids.v);
    return rc == TZ_ENOMEM ? oom(err) : rc;
}

/* ---- flags and the figures from them ---- */

enum fig { FIG_WEAK, FIG_PATCH, FIG_PORT, FIG_N };

struct flag_walk {
    const char *dept;
    const struct report_period *p;
    int64_t until;  /* what "open at the end" is measured to */
    cJSON *open, *closed;
    unsigned open_sev[4], opened_in_period;
    unsigned fig_open[FIG_N], fig_opened[FIG_N];
    struct ids fig_hosts[FIG_N];  /* hosts with the flag open at the end */
};

static int fig_of(const char *id)
{
    if (strcmp(id, "WEAK_PASSWORD") == 0)
        return FIG_WEAK;
    if (strcmp(id, "PATCHES_PENDING") == 0)
        return FIG_PATCH;
    if (strcmp(id, "EXPOSED_HIGH_RISK_PORT") == 0)
        return FIG_PORT;
    return -1;
}

static cJSON *flag_row(const Tz__FlagRecord *f, int64_t until)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    int k = flag_lookup(f->id);
    cJSON_AddStringToObject(o, "id", f->id);
    cJSON_AddStringToObject(o, "label",
                            k >= 0 ? flag_def((enum flag_id)k)->label_zh : f->id);
    cJSON_AddStringToObject(o, "severity",
                            severity_name((Tz__Severity)f->severity));
    cJSON_AddStringToObject(o, "subject", f->subject_kind ==
                                   TZ__SUBJECT_KIND__SUBJECT_SYSTEM
                                   ? "system"
                                   : "host");
    cJSON_AddNumberToObject(o, "subject_id", (double)f->subject_id);
    cJSON_AddStringToObject(o, "subject_name", f->subject_name);
    cJSON_AddStringToObject(o, "instance", f->instance);
    cJSON_AddNumberToObject(o, "opened_at", (double)f->opened_at);
    if (f->closed_at && f->closed_at <= until)
        cJSON_AddNumberToObject(o, "closed_at", (double)f->closed_at);
    double secs = (double)(until - f->opened_at);
    cJSON_AddNumberToObject(o, "open_days", secs > 0 ? (double)((int64_t)secs / DAY) : 0);
    return o;
}

static int flag_cb(const Tz__FlagRecord *f, void *arg)
{
    struct flag_walk *w = arg;
    if (strcmp(f->dept, w->dept) != 0 || f->opened_at >= w->p->to)
        return 0;
    int fig = fig_of(f->id);
    int opened_in = f->opened_at >= w->p->from;
    w->opened_in_period += (unsigned)opened_in;
    if (fig >= 0 && opened_in)
        w->fig_opened[fig]++;
    int open_at_end = f->closed_at == 0 || f->closed_at >= w->p->to;
    int closed_in = !open_at_end && f->closed_at >= w->p->from;
    if (!open_at_end && !closed_in)
        return 0;
    cJSON *row = flag_row(f, open_at_end ? w->until : f->closed_at);
    if (row == NULL)
        return TZ_ENOMEM;
    cJSON_AddItemToArray(open_at_end ? w->open : w->closed, row);
    if (open_at_end) {
        w->open_sev[f->severity <= 3 ? f->severity : 0]++;
        if (fig >= 0) {
            w->fig_open[fig]++;
            struct ids *h = &w->fig_hosts[fig];
            int known = 0;
            for (size_t i = 0; i < h->n; i++)
                known |= h->v[i] == f->subject_id;
            if (!known && ids_push(h, f->subject_id) != 0)
                return TZ_ENOMEM;
        }
    }
    return 0;
}

static int flags(struct tz_register *reg, const char *dept,
                 const struct report_period *p, int64_t until, cJSON *out,
                 struct tz_error *err)
{
    cJSON *o = cJSON_AddObjectToObject(out, "flags");
    struct flag_walk w = {.dept = dept, .p = p, .until = until};
    w.open = o ? cJSON_AddArrayToObject(o, "open_at_end") : NULL;
    w.closed = o ? cJSON_AddArrayToObject(o, "closed_in_period") : NULL;
    int rc = w.open && w.closed
                 ? register_each_flag(reg, 1, flag_cb, &w, err)
                 : TZ_ENOMEM;
    cJSON *sev = rc == 0 ? cJSON_AddObjectToObject(o, "open_by_severity") : NULL;
    cJSON *fig = rc == 0 ? cJSON_AddObjectToObject(out, "figures") : NULL;
    if (rc == 0 && sev && fig) {
        cJSON_AddNumberToObject(sev, "high", w.open_sev[TZ__SEVERITY__SEV_HIGH]);
        cJSON_AddNumberToObject(sev, "medium", w.open_sev[TZ__SEVERITY__SEV_MEDIUM]);
        cJSON_AddNumberToObject(sev, "low", w.open_sev[TZ__SEVERITY__SEV_LOW]);
        cJSON_AddNumberToObject(o, "opened_in_period", w.opened_in_period);
        static const char *const names[FIG_N] = {"weak_password", "patches",
                                                 "exposed_ports"};
        for (int i = 0; i < FIG_N; i++) {
            cJSON *x = cJSON_AddObjectToObject(fig, names[i]);
            if (x == NULL)
                break;
            cJSON_AddNumberToObject(x, "open_at_end", w.fig_open[i]);
            cJSON_AddNumberToObject(x, "hosts_at_end", (double)w.fig_hosts[i].n);
            cJSON_AddNumberToObject(x, "opened_in_period", w.fig_opened[i]);
        }
    } else if (rc == 0) {
        rc = TZ_ENOMEM;
    }
    for (int i = 0; i < FIG_N; i++)
        free(w.fig_hosts[i].v);
    return rc == TZ_ENOMEM ? oom(err) : rc;
}

/* ---- changes during the period ---- */

struct change_walk {
    const struct report_period *p;
    const char *dept;
    cJSON *list;
    uint64_t id;
    const char *name;
};

static int change_common(struct change_walk *w, int64_t at, const char *kind,
                         cJSON **e)
{
    *e = NULL;
    if (at < w->p->from || at >= w->p->to)
        return 0;
    *e = cJSON_GetArrayItem(w->list, cJSON_GetArraySize(w->list) - 1);
    cJSON_AddStringToObject(*e, "subject", kind);
    cJSON_AddNumberToObject(*e, "subject_id", (double)w->id);
    cJSON_AddStringToObject(*e, "subject_name", w->name);
    return 0;
}

static int sys_change_cb(const Tz__SystemChange *c, void *arg)
{
    struct change_walk *w = arg;
    if (c->at < w->p->from || c->at >= w->p->to ||
        !ledger_change_visible(c, w->dept))
        return 0;
    if (ledger_change_json(c, w->list) != 0)
        return TZ_ENOMEM;
    cJSON *e;
    return change_common(w, c->at, "system", &e);
}

static int dept_change_cb(const Tz__DeptChange *c, void *arg)
{
    struct change_walk *w = arg;
    if (c->at < w->p->from || c->at >= w->p->to)
        return 0;
    if (dept_change_json(c, w->list) != 0)
        return TZ_ENOMEM;
    cJSON *e;
    return change_common(w, c->at, "department", &e);
}

static int by_time(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    double s = cJSON_GetObjectItem(x, "at")->valuedouble;
    double t = cJSON_GetObjectItem(y, "at")->valuedouble;
    return (s > t) - (s < t);
}

/* Sort the list by time (stable for equal times: insertion order) and
 * count changes per actor. */
static int changes_finish(cJSON *list, cJSON *out)
{
    int n = cJSON_GetArraySize(list);
    cJSON **v = calloc((size_t)n + 1, sizeof(*v));
    if (v == NULL)
        return TZ_ENOMEM;
    for (int i = 0; i < n; i++)
        v[i] = cJSON_DetachItemFromArray(list, 0);
    /* insertion sort keeps equal times in order */
    for (int i = 1; i < n; i++) {
        cJSON *x = v[i];
        int j = i;
        for (; j > 0 && by_time(&v[j - 1], &x) > 0; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
    cJSON *actors = cJSON_AddArrayToObject(out, "actors");
    for (int i = 0; i < n; i++) {
        cJSON_AddItemToArray(list, v[i]);
        const char *a = cJSON_GetObjectItem(v[i], "actor")->valuestring;
        cJSON *hit = NULL, *x;
        cJSON_ArrayForEach(x, actors)
            if (strcmp(cJSON_GetObjectItem(x, "actor")->valuestring, a) == 0)
                hit = x;
        if (hit == NULL && actors) {
            hit = cJSON_CreateObject();
            cJSON_AddStringToObject(hit, "actor", a);
            cJSON_AddNumberToObject(hit, "changes", 0);
            cJSON_AddItemToArray(actors, hit);
        }
        if (hit) {
            cJSON *c = cJSON_GetObjectItem(hit, "changes");
            cJSON_SetNumberValue(c, c->valuedouble + 1);
        }
    }
    free(v);
    return actors ? 0 : TZ_ENOMEM;
}

static int changes(struct tz_register *reg, const char *dept,
                   const struct report_period *p, const struct ids *mine,
                   cJSON *out, struct tz_error *err)
{
    struct change_walk w = {.p = p, .dept = dept,
                            .list = cJSON_AddArrayToObject(out, "changes")};
    if (w.list == NULL)
        return oom(err);
    int rc = 0;
    const cJSON *sys = cJSON_GetObjectItem(out, "systems");
    for (size_t i = 0; rc == 0 && i < mine->n; i++) {
        w.id = mine->v[i];
        w.name = cJSON_GetObjectItem(cJSON_GetArrayItem(sys, (int)i), "name")
                     ->valuestring;
        rc = register_each_system_change(reg, w.id, sys_change_cb, &w, err);
    }
    w.id = 0;
    w.name = dept;
    if (rc == 0)
        rc = register_each_dept_change(reg, dept, dept_change_cb, &w, err);
    if (rc == 0)
        rc = changes_finish(w.list, out);
    return rc == TZ_ENOMEM ? oom(err) : rc;
}

int dept_report_build(struct tz_register *reg, const char *dept,
                      const struct report_period *p,
                      const struct rules_config *rules, int64_t now,
                      cJSON **out, struct tz_error *err)
{
    *out = NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON *per = o ? cJSON_AddObjectToObject(o, "period") : NULL;
    if (per == NULL || !cJSON_AddStringToObject(o, "dept", dept)) {
        cJSON_Delete(o);
        return oom(err);
    }
    cJSON_AddStringToObject(per, "label", p->label);
    day_str(per, "from", p->from_day);
    day_str(per, "to", p->to_day);
    cJSON_AddNumberToObject(per, "start", (double)p->from);
    cJSON_AddNumberToObject(per, "end", (double)p->to);
    cJSON_AddNumberToObject(o, "generated_at", (double)now);
    /* A period not over yet is judged as of now: how long a flag has been
     * open, whether an evaluation is overdue. For a past period both are
     * the period's end, whenever the report is made. */
    int64_t until = now < p->to ? now : p->to;
    int32_t judge_day = civil_today((time_t)until - 1);
    if (judge_day > p->to_day)
        judge_day = p->to_day;
    cJSON_AddNumberToObject(per, "as_of", (double)until);
    struct ids mine = {0};
    int rc = responsibility(reg, dept, p, o, err);
    if (rc == 0)
        rc = systems(reg, dept, p, judge_day, rules, o, &mine, err);
    if (rc == 0)
        rc = hosts(reg, dept, p, o, err);
    if (rc == 0)
        rc = flags(reg, dept, p, until, o, err);
    if (rc == 0)
        rc = changes(reg, dept, p, &mine, o, err);
    free(mine.v);
    if (rc != 0) {
        cJSON_Delete(o);
        return rc;
    }
    *out = o;
    return 0;
}
