/* export_json — the ledger, its hosts and open flags as one JSON object,
 * for scripts and the portal. Streamed: each system, host and flag is
 * built with cJSON, printed and freed, so memory does not grow with the
 * register. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "export_priv.h"
#include "flag_catalog.h"
#include "ledger_fields.h"

struct json {
    struct export_scope *s;
    struct export_out *o;
    struct export_counts *c;
    char *buf;                 /* LEDGER_FORMAT_MAX */
    int first;                 /* no element written in this array yet */
    struct tz_error *err;
};

/* Print o as the next element of the open array, and free it. */
static int element(struct json *x, cJSON *o, int ok)
{
    char *text = ok && o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (text == NULL)
        return TZ_ENOMEM;
    int rc = export_out_puts(x->o, x->first ? "\n" : ",\n", x->err);
    if (rc == 0)
        rc = export_out_puts(x->o, text, x->err);
    free(text);
    x->first = 0;
    return rc;
}

/* A time as "2026-03-01T08:00:00Z", or null for never. */
static int add_time(cJSON *o, const char *key, int64_t t)
{
    char b[32];
    export_time(t, b);
    return (b[0] ? cJSON_AddStringToObject(o, key, b)
                 : cJSON_AddNullToObject(o, key)) != NULL;
}

/* One ledger field by its key, typed: lists as arrays, yes/no as booleans,
 * the grade as a number, unset dates and grades as null. */
static int add_field(struct json *x, cJSON *o, const Tz__SystemRecord *rec,
                     const struct ledger_field *f)
{
    if (f->kind == LK_DOMAINS || f->kind == LK_IPS) {
        char *const *items;
        size_t n = ledger_field_items(rec, f, &items);
        cJSON *a = cJSON_AddArrayToObject(o, f->key);
        for (size_t i = 0; a && i < n; i++)
            if (!cJSON_AddItemToArray(a, cJSON_CreateString(items[i])))
                return 0;
        return a != NULL;
    }
    if (ledger_field_format(rec, f->key, x->buf, LEDGER_FORMAT_MAX) != 0)
        return 0;
    switch (f->kind) {
    case LK_BOOL:
        return cJSON_AddBoolToObject(o, f->key, strcmp(x->buf, "yes") == 0) !=
               NULL;
    case LK_GRADE:
        return (rec->mlps_grade
                    ? cJSON_AddNumberToObject(o, f->key, rec->mlps_grade)
                    : cJSON_AddNullToObject(o, f->key)) != NULL;
    case LK_DATE:
        return (x->buf[0] ? cJSON_AddStringToObject(o, f->key, x->buf)
                          : cJSON_AddNullToObject(o, f->key)) != NULL;
    default:
        return cJSON_AddStringToObject(o, f->key, x->buf) != NULL;
    }
}

static int system_cb(const Tz__SystemRecord *rec, void *arg)
{
    struct json *x = arg;
    int rc = export_scope_add(x->s, rec);
    if (rc != 0)
        return rc;
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddNumberToObject(o, "id", (double)rec->system_id);
    for (size_t i = 0; ok && i < LF_COUNT; i++)
        ok = add_field(x, o, rec, &ledger_fields[i]);
    ok = ok && add_time(o, "created_at", rec->created_at) &&
         add_time(o, "updated_at", rec->updated_at);
    if ((rc = element(x, o, ok)) == 0)
        x->c->systems++;
    return rc;
}

static int host_cb(const Tz__AgentRecord *h, const struct register_binding *b,
                   void *arg)
{
    struct json *x = arg;
    uint64_t sid;
    const char *sname;
    int other;
    export_host_system(x->s, b->system_id, &sid, &sname, &other);
    cJSON *o = cJSON_CreateObject(), *ips = NULL;
    int ok = o && cJSON_AddNumberToObject(o, "id", (double)h->agent_id) &&
             cJSON_AddStringToObject(o, "hostname", h->hostname) &&
             cJSON_AddStringToObject(o, "dept", h->dept) &&
             cJSON_AddStringToObject(o, "os", h->os_pretty) &&
             cJSON_AddStringToObject(o, "kernel", h->kernel) &&
             /* null until the first report: 0 would claim an empty host */
             (h->reports ? cJSON_AddNumberToObject(o, "packages",
                                                   h->package_count)
                         : cJSON_AddNullToObject(o, "packages")) &&
             (ips = cJSON_AddArrayToObject(o, "ips")) != NULL;
    for (size_t i = 0; ok && i < h->n_ips; i++)
        ok = cJSON_AddItemToArray(ips, cJSON_CreateString(h->ips[i]));
    const char *src = sid ? export_binding_name(b->src) : NULL;
    ok = ok && add_time(o, "enrolled_at", h->enrolled_at) &&
         add_time(o, "last_seen", h->last_seen) &&
         (sid ? cJSON_AddNumberToObject(o, "system_id", (double)sid)
              : cJSON_AddNullToObject(o, "system_id")) &&
         (sname ? cJSON_AddStringToObject(o, "system_name", sname)
                : cJSON_AddNullToObject(o, "system_name")) &&
         (src ? cJSON_AddStringToObject(o, "binding", src)
              : cJSON_AddNullToObject(o, "binding")) &&
         cJSON_AddBoolToObject(o, "system_other_dept", other);
    int rc = element(x, o, ok);
    if (rc == 0)
        x->c->hosts++;
    return rc;
}

static int flag_cb(const Tz__FlagRecord *f, void *arg)
{
    struct json *x = arg;
    if (f->closed_at != 0 || !export_flag_in_scope(x->s, f))
        return 0;
    int id = flag_lookup(f->id);
    const struct flag_def *d = id >= 0 ? flag_def((enum flag_id)id) : NULL;
    int host = f->subject_kind == TZ__SUBJECT_KIND__SUBJECT_HOST;
    cJSON *o = cJSON_CreateObject();
    int ok =
        o && cJSON_AddStringToObject(o, "id", f->id) &&
        cJSON_AddStringToObject(o, "severity", severity_name(f->severity)) &&
        cJSON_AddStringToObject(o, "label_zh", d ? d->label_zh : "") &&
        cJSON_AddStringToObject(o, "label_en", d ? d->label_en : "") &&
        cJSON_AddStringToObject(o, "dept", f->dept) &&
        cJSON_AddStringToObject(o, "subject_kind", host ? "host" : "system") &&
        cJSON_AddNumberToObject(o, "subject_id", (double)f->subject_id) &&
        cJSON_AddStringToObject(o, "subject_name", f->subject_name) &&
        cJSON_AddStringToObject(o, "instance", f->instance) &&
        cJSON_AddStringToObject(o, "evidence",
                                export_flag_evidence(x->s, f, 0)) &&
        cJSON_AddStringToObject(o, "evidence_zh",
                                export_flag_evidence(x->s, f, 1)) &&
        add_time(o, "opened_at", f->opened_at) &&
        add_time(o, "last_seen", f->last_seen) &&
        cJSON_AddStringToObject(o, "article", d ? d->cites : "") &&
        cJSON_AddStringToObject(o, "remedy_zh", d ? d->remedy_zh : "") &&
        cJSON_AddStringToObject(o, "remedy_en", d ? d->remedy_en : "");
    int rc = element(x, o, ok);
    if (rc == 0)
        x->c->flags++;
    return rc;
}

/* The opening of the object, up to the systems array. */
static int head(struct json *x, int64_t now)
{
    char t[32];
    export_time(now, t);
    cJSON *g = cJSON_CreateString(t);
    cJSON *d = x->s->dept ? cJSON_CreateString(x->s->dept) : cJSON_CreateNull();
    char *gs = g ? cJSON_PrintUnformatted(g) : NULL;
    char *ds = d ? cJSON_PrintUnformatted(d) : NULL;
    cJSON_Delete(g);
    cJSON_Delete(d);
    int rc = gs && ds ? 0 : TZ_ENOMEM;
    if (rc == 0)
        rc = export_out_puts(x->o, "{\"generated_at\":", x->err);
    if (rc == 0)
        rc = export_out_puts(x->o, gs, x->err);
    if (rc == 0)
        rc = export_out_puts(x->o, ",\n\"dept\":", x->err);
    if (rc == 0)
        rc = export_out_puts(x->o, ds, x->err);
    free(gs);
    free(ds);
    return rc;
}

/* ",\n\"name\":[" then the array's elements from walk. */
static int array(struct json *x, const char *open, int rc)
{
    x->first = 1;
    return rc ? rc : export_out_puts(x->o, open, x->err);
}

int export_json(struct tz_register *reg, struct export_scope *s,
                struct export_out *o, int64_t now, struct export_counts *c,
                struct tz_error *err)
{
    struct json x = {s, o, c, malloc(LEDGER_FORMAT_MAX), 1, err};
    if (x.buf == NULL)
        return TZ_ENOMEM;
    int rc = head(&x, now);
    if ((rc = array(&x, ",\n\"systems\":[", rc)) == 0)
        rc = register_each_system(reg, s->dept, system_cb, &x, err);
    if ((rc = array(&x, "],\n\"hosts\":[", rc)) == 0)
        rc = register_each_binding(reg, s->dept, host_cb, &x, err);
    if ((rc = array(&x, "],\n\"flags\":[", rc)) == 0)
        rc = register_each_flag(reg, 0, flag_cb, &x, err);
    if (rc == 0) {
        char tail[160];
        snprintf(tail, sizeof(tail),
                 "],\n\"counts\":{\"systems\":%zu,\"hosts\":%zu,"
                 "\"flags\":%zu}}\n",
                 c->systems, c->hosts, c->flags);
        rc = export_out_puts(o, tail, err);
    }
    free(x.buf);
    return rc;
}
