/* school_report — one row per department, scored and sorted so that those
 * needing the network center's attention come first. */
#include "school_report.h"

#include <stdlib.h>
#include <string.h>

#include "civil_day.h"
#include "dept_report.h"
#include "dept_score.h"
#include "grow.h"
#include "tz_error.h"

struct names {
    char **v;
    size_t n, cap;
};

static int dept_cb(const Tz__DeptRecord *d, void *arg)
{
    struct names *s = arg;
    if (tz_grow((void **)&s->v, &s->cap, s->n, sizeof(*s->v)) != 0)
        return TZ_ENOMEM;
    if ((s->v[s->n] = strdup(d->name)) == NULL)
        return TZ_ENOMEM;
    s->n++;
    return 0;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* One department's row from its report and score. */
static cJSON *row_of(const cJSON *r, const cJSON *score,
                     const struct score_config *sc)
{
    cJSON *o = cJSON_CreateObject(), *reasons;
    if (o == NULL || (reasons = cJSON_AddArrayToObject(o, "reasons")) == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    const cJSON *resp = cJSON_GetObjectItem(r, "responsibility");
    const cJSON *liaison = cJSON_GetObjectItem(resp, "liaison");
    int named = cJSON_IsString(liaison) && liaison->valuestring[0];
    double overdue = 0, high = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(cJSON_GetObjectItem(r, "flags"),
                                              "open_at_end")) {
        const cJSON *sev = cJSON_GetObjectItem(f, "severity");
        if (!cJSON_IsString(sev) || strcmp(sev->valuestring, "high") != 0)
            continue;
        high++;
        overdue += num(f, "open_days") > sc->param[SC_HIGH_FLAGS];
    }
    if (!named)
        cJSON_AddItemToArray(reasons, cJSON_CreateString("no_liaison"));
    if (overdue > 0)
        cJSON_AddItemToArray(reasons, cJSON_CreateString("overdue_high_flags"));
    const cJSON *hosts = cJSON_GetObjectItem(r, "hosts");
    cJSON_AddStringToObject(o, "dept", cJSON_GetObjectItem(r, "dept")->valuestring);
    cJSON_AddNumberToObject(o, "score", num(score, "score"));
    cJSON_AddBoolToObject(o, "attention", !named || overdue > 0);
    cJSON_AddStringToObject(o, "liaison", named ? liaison->valuestring : "");
    cJSON_AddNumberToObject(o, "overdue_high", overdue);
    cJSON_AddNumberToObject(o, "open_high", high);
    cJSON_AddNumberToObject(o, "systems",
                            cJSON_GetArraySize(cJSON_GetObjectItem(r, "systems")));
    cJSON_AddNumberToObject(o, "hosts_enrolled", num(hosts, "enrolled"));
    cJSON_AddNumberToObject(o, "hosts_seen", num(hosts, "seen"));
    cJSON *ind = cJSON_Duplicate(cJSON_GetObjectItem(score, "indicators"), 1);
    if (ind == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    cJSON_AddItemToObject(o, "indicators", ind);
    return o;
}

static int row_cmp(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    int ax = cJSON_IsTrue(cJSON_GetObjectItem(x, "attention"));
    int ay = cJSON_IsTrue(cJSON_GetObjectItem(y, "attention"));
    if (ax != ay)
        return ay - ax;
    double sx = num(x, "score"), sy = num(y, "score");
    if (sx != sy)
        return sx < sy ? -1 : 1;
    return strcmp(cJSON_GetObjectItem(x, "dept")->valuestring,
                  cJSON_GetObjectItem(y, "dept")->valuestring);
}

int school_report_build(struct tz_register *reg,
                        const struct report_period *p,
                        const struct rules_config *rules,
                        const struct score_config *sc, int64_t now,
                        cJSON **out, struct tz_error *err)
{
    *out = NULL;
    struct names depts = {0};
    cJSON **rows = NULL;
    size_t n = 0;
    int rc = register_each_dept(reg, dept_cb, &depts, err);
    if (rc == 0 && (rows = calloc(depts.n + 1, sizeof(*rows))) == NULL)
        rc = TZ_ENOMEM;
    for (size_t i = 0; rc == 0 && i < depts.n; i++) {
        cJSON *r = NULL, *score = NULL;
        rc = dept_report_build(reg, depts.v[i], p, rules, now, &r, err);
        if (rc == 0 && (rc = dept_score(r, sc, &score)) == 0 &&
            (rows[n] = row_of(r, score, sc)) == NULL)
            rc = TZ_ENOMEM;
        if (rc == 0)
            n++;
        cJSON_Delete(score);
        cJSON_Delete(r);
    }
    cJSON *o = rc == 0 ? cJSON_CreateObject() : NULL;
    cJSON *per = o ? cJSON_AddObjectToObject(o, "period") : NULL;
    cJSON *list = per ? cJSON_AddArrayToObject(o, "departments") : NULL;
    if (rc == 0 && list == NULL)
        rc = TZ_ENOMEM;
    if (rc == 0) {
        char d[11];
        cJSON_AddStringToObject(per, "label", p->label);
        civil_format(p->from_day, d);
        cJSON_AddStringToObject(per, "from", d);
        civil_format(p->to_day, d);
        cJSON_AddStringToObject(per, "to", d);
        cJSON_AddNumberToObject(o, "generated_at", (double)now);
        if (n)
            qsort(rows, n, sizeof(*rows), row_cmp);
        for (size_t i = 0; i < n; i++) {
            cJSON_AddItemToArray(list, rows[i]);
            rows[i] = NULL;
        }
        *out = o;
        o = NULL;
    }
    cJSON_Delete(o);
    for (size_t i = 0; rows && i < n; i++)
        cJSON_Delete(rows[i]);
    free(rows);
    for (size_t i = 0; i < depts.n; i++)
        free(depts.v[i]);
    free(depts.v);
    return rc == TZ_ENOMEM ? tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory")
                           : rc;
}
