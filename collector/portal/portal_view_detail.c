/* portal_view_detail — one system, one host: everything the viewer may see
 * of it, or TZ_ENOENT as if it did not exist. */
#include "portal_view.h"
#include "portal_view_priv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dept_json.h"
#include "ledger_diff.h"
#include "ledger_fields.h"
#include "ledger_json.h"
#include "pb_json.h"
#include "people.h"

/* Move the array "flags" of a flags view into o. */
static int attach_flags(struct tz_register *reg, const struct view_scope *s,
                        const struct view_flag_filter *f, cJSON *o,
                        struct tz_error *err)
{
    cJSON *fl;
    int rc = view_flags(reg, s, f, &fl, err);
    if (rc != 0)
        return rc;
    cJSON *a = cJSON_DetachItemFromObject(fl, "flags");
    cJSON_Delete(fl);
    cJSON_AddItemToObject(o, "flags", a);
    return 0;
}

/* ---- a system ---- */

struct bound_hosts {
    const struct view_scope *s;
    uint64_t sid;
    cJSON *list;
};

static int bound_host(const Tz__AgentRecord *h, uint64_t sid,
                      Tz__BindingSource src, void *arg)
{
    struct bound_hosts *b = arg;
    if (sid != b->sid || !people_may_see(b->s->user, h->dept))
        return 0;
    static const char *const names[] = {"", "explicit", "config", "match"};
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return TZ_ENOMEM;
    cJSON_AddItemToArray(b->list, o);
    if (!cJSON_AddNumberToObject(o, "id", (double)h->agent_id) ||
        !cJSON_AddStringToObject(o, "hostname", h->hostname) ||
        !cJSON_AddStringToObject(o, "os", h->os_pretty) ||
        !cJSON_AddNumberToObject(o, "last_seen", (double)h->last_seen) ||
        !cJSON_AddStringToObject(o, "binding",
                                 (unsigned)src < 4 ? names[src] : ""))
        return TZ_ENOMEM;
    return 0;
}

struct change_list {
    cJSON *list;
    const char *dept;   /* the viewer's department; NULL: admin */
};

static int change_item(const Tz__SystemChange *c, void *arg)
{
    const struct change_list *l = arg;
    if (!ledger_change_visible(c, l->dept))
        return 0;
    return ledger_change_json(c, l->list);
}

int view_system(struct tz_register *reg, const struct view_scope *s,
                uint64_t id, cJSON **out, struct tz_error *err)
{
    Tz__SystemRecord *rec;
    int rc = register_system_get(reg, id, &rec, err);
    if (rc == TZ_ENOENT)
        return view_not_found(err, "system", id);
    if (rc != 0)
        return rc;
    if (!view_in_scope(s, rec->dept)) {
        ledger_record_free(rec);
        return view_not_found(err, "system", id);
    }
    cJSON *o = ledger_record_json(rec);
    struct bound_hosts b = {s, id, NULL};
    cJSON *hist = NULL;
    if (o == NULL ||
        !cJSON_AddNumberToObject(o, "created_at", (double)rec->created_at) ||
        !cJSON_AddNumberToObject(o, "updated_at", (double)rec->updated_at) ||
        !cJSON_AddNumberToObject(o, "revision", (double)rec->revision) ||
        (b.list = cJSON_AddArrayToObject(o, "hosts")) == NULL ||
        (hist = cJSON_AddArrayToObject(o, "history")) == NULL)
        rc = TZ_ENOMEM;
    const char *dept = s->user && s->user->role == TZ__ROLE__ROLE_ADMIN ? NULL
                                                                         : rec->dept;
    if (rc == 0)
        rc = register_each_host_binding(reg, dept, bound_host, &b, err);
    struct view_flag_filter ff = {.system_id = id};
    if (rc == 0)
        rc = attach_flags(reg, s, &ff, o, err);
    if (rc == 0)
        rc = register_each_system_change(reg, id, change_item,
                                         &(struct change_list){hist, dept},
                                         err);
    ledger_record_free(rec);
    if (rc != 0) {
        cJSON_Delete(o);
        return rc == TZ_ENOMEM ? view_oom(err) : rc;
    }
    *out = o;
    return 0;
}

/* ---- a host ---- */

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return n == 0;
}

/* Keep the packages whose name matches, at most VIEW_MAX_PACKAGES. */
static void filter_packages(cJSON *report, const char *q)
{
    cJSON *sec = cJSON_GetObjectItem(report, "packages");
    cJSON *list = sec ? cJSON_GetObjectItem(sec, "packages") : NULL;
    if (!cJSON_IsArray(list))
        return;
    int total = cJSON_GetArraySize(list), kept = 0;
    cJSON *p = list->child;
    while (p) {
        cJSON *next = p->next;
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(p, "name"));
        if ((q && q[0] && !contains_ci(name ? name : "", q)) ||
            kept >= VIEW_MAX_PACKAGES)
            cJSON_Delete(cJSON_DetachItemViaPointer(list, p));
        else
            kept++;
        p = next;
    }
    cJSON_AddNumberToObject(sec, "packages_total", total);
    cJSON_AddNumberToObject(sec, "packages_shown", kept);
}

struct host_hist {
    cJSON *list;
    size_t n;
};

/* The newest entries are the ones a person looks for: keep the last 200. */
#define HOST_HISTORY_MAX 200

static int host_change(const Tz__HistoryEntry *e, void *arg)
{
    struct host_hist *h = arg;
    cJSON *j = pb_to_json(&e->base);
    if (j == NULL)
        return TZ_ENOMEM;
    cJSON_AddItemToArray(h->list, j);
    if (++h->n > HOST_HISTORY_MAX)
        cJSON_DeleteItemFromArray(h->list, 0);
    return 0;
}

int view_host(struct tz_register *reg, const struct view_scope *s,
              uint64_t id, const char *pkg_query, cJSON **out,
              struct tz_error *err)
{
    Tz__AgentRecord *rec = NULL;
    Tz__Report *rep = NULL;
    int rc = register_get_host(reg, id, &rec, &rep, err);
    if (rc == TZ_ENOENT)
        return view_not_found(err, "host", id);
    if (rc != 0)
        return rc;
    if (!view_in_scope(s, rec->dept)) {
        protobuf_c_message_free_unpacked(&rec->base, NULL);
        if (rep)
            protobuf_c_message_free_unpacked(&rep->base, NULL);
        return view_not_found(err, "host", id);
    }
    cJSON *o = cJSON_CreateObject(), *agent = pb_to_json(&rec->base);
    cJSON *report = rep ? pb_to_json(&rep->base) : cJSON_CreateNull();
    struct host_hist h = {0};
    if (o == NULL || agent == NULL || report == NULL) {
        cJSON_Delete(agent);
        cJSON_Delete(report);
        rc = TZ_ENOMEM;
    } else {
        /* The agent's public key is nobody's business on a web page. */
        cJSON_DeleteItemFromObject(agent, "agent_pk");
        cJSON_AddItemToObject(o, "host", agent);
        filter_packages(report, pkg_query);
        cJSON_AddItemToObject(o, "report", report);
    }
    struct register_binding b;
    if (rc == 0 && (rc = register_binding_of(reg, id, &b, err)) == 0) {
        cJSON *bj = cJSON_AddObjectToObject(o, "binding");
        Tz__SystemRecord *sys = NULL;
        /* The bound system is named only when the viewer may see it. */
        if (b.system_id && register_system_get(reg, b.system_id, &sys, err) == 0 &&
            !people_may_see(s->user, sys->dept)) {
            ledger_record_free(sys);
            sys = NULL;
        }
        if (bj == NULL ||
            !cJSON_AddNumberToObject(bj, "system_id", sys ? (double)b.system_id : 0) ||
            !cJSON_AddStringToObject(bj, "system_name", sys ? sys->name : ""))
            rc = TZ_ENOMEM;
        ledger_record_free(sys);
    }
    struct view_flag_filter ff = {.host_id = id};
    if (rc == 0)
        rc = attach_flags(reg, s, &ff, o, err);
    if (rc == 0 && (h.list = cJSON_AddArrayToObject(o, "history")) == NULL)
        rc = TZ_ENOMEM;
    if (rc == 0)
        rc = register_each_history(reg, id, 0, host_change, &h, err);
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    if (rep)
        protobuf_c_message_free_unpacked(&rep->base, NULL);
    if (rc != 0) {
        cJSON_Delete(o);
        return rc == TZ_ENOMEM ? view_oom(err) : rc;
    }
    *out = o;
    return 0;
}

static int dept_change_cb(const Tz__DeptChange *c, void *arg)
{
    return dept_change_json(c, arg);
}

int view_dept(struct tz_register *reg, const struct view_scope *s,
              const char *dept, cJSON **out, struct tz_error *err)
{
    *out = NULL;
    if (dept == NULL || !people_may_see(s->user, dept))
        return TZ_ENOENT;
    Tz__DeptRecord *rec;
    int rc = register_dept_get(reg, dept, &rec, err);
    if (rc != 0)
        return rc;
    cJSON *o = dept_record_json(rec);
    cJSON *hist = o ? cJSON_AddArrayToObject(o, "history") : NULL;
    rc = hist ? register_each_dept_change(reg, dept, dept_change_cb, hist, err)
              : TZ_ENOMEM;
    protobuf_c_message_free_unpacked(&rec->base, NULL);
    if (rc != 0) {
        cJSON_Delete(o);
        return rc;
    }
    *out = o;
    return 0;
}
