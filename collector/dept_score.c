/* dept_score — judge each indicator on the report's figures and sum the
 * points, saying for each what it rested on and what it cost. */
#include "dept_score.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tz_error.h"

static const char *js(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

static double num_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static double share(double good, double all)
{
    return all > 0 ? good / all : 1;
}

/* Systems in use (not retired) meeting indicator k, and how many there are. */
static void systems(const cJSON *r, enum score_id k, double *good,
                    double *all)
{
    const cJSON *s;
    *good = *all = 0;
    cJSON_ArrayForEach(s, cJSON_GetObjectItem(r, "systems")) {
        const char *status = js(s, "status");
        if (strcmp(status, "retired") == 0)
            continue;
        int ok = 0;
        switch (k) {
        case SC_LEDGER_COMPLETE:
            ok = js(s, "owner")[0] && js(s, "admin")[0];
            break;
        case SC_FILING:
            ok = strcmp(js(s, "filing"), "complete") == 0;
            break;
        case SC_GRADING:
            ok = strcmp(js(s, "grading"), "filed") == 0 &&
                 (strcmp(js(s, "evaluation"), "ok") == 0 ||
                  strcmp(js(s, "evaluation"), "not_required") == 0);
            break;
        case SC_REVIEWED:
            if (strcmp(status, "live") != 0)
                continue;
            ok = strcmp(js(s, "prelaunch"), "passed") == 0;
            break;
        default:
            break;
        }
        *all += 1;
        *good += ok;
    }
}

/* Distinct hosts with flag id open at the end longer than days (0: any). */
static double hosts_with(const cJSON *r, const char *id, double days)
{
    const cJSON *f, *g;
    const cJSON *open = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "flags"),
                                            "open_at_end");
    double n = 0;
    int i = 0;
    cJSON_ArrayForEach(f, open) {
        int j = 0, dup = 0;
        if (strcmp(js(f, "id"), id) != 0 || strcmp(js(f, "subject"), "host") ||
            num_of(f, "open_days") < days) {
            i++;
            continue;
        }
        cJSON_ArrayForEach(g, open) {
            if (j++ >= i)
                break;
            dup |= strcmp(js(g, "id"), id) == 0 &&
                   strcmp(js(g, "subject"), "host") == 0 &&
                   num_of(g, "open_days") >= days &&
                   num_of(g, "subject_id") == num_of(f, "subject_id");
        }
        n += !dup;
        i++;
    }
    return n;
}

static double met_of(const cJSON *r, const struct score_config *c,
                     enum score_id k, char *ev, size_t evlen)
{
    const cJSON *hosts = cJSON_GetObjectItem(r, "hosts");
    double enrolled = num_of(hosts, "enrolled"), good, all, n;
    switch (k) {
    case SC_LEDGER_COMPLETE:
    case SC_FILING:
    case SC_GRADING:
    case SC_REVIEWED:
        systems(r, k, &good, &all);
        snprintf(ev, evlen, "%.0f/%.0f %s", good, all,
                 k == SC_REVIEWED ? "个运行中系统" : "个在用系统");
        return share(good, all);
    case SC_WEAK_PASSWORDS:
        n = hosts_with(r, "WEAK_PASSWORD", 0);
        snprintf(ev, evlen, "%.0f/%.0f 台主机有弱口令", n, enrolled);
        return enrolled > 0 ? 1 - fmin(n, enrolled) / enrolled : 1;
    case SC_PATCHES:
        n = hosts_with(r, "PATCHES_PENDING", c->param[k] + 1);
        snprintf(ev, evlen, "%.0f/%.0f 台主机补丁超过 %d 天未更新", n, enrolled,
                 c->param[k]);
        return enrolled > 0 ? 1 - fmin(n, enrolled) / enrolled : 1;
    case SC_HIGH_FLAGS: {
        const cJSON *f;
        n = 0;
        cJSON_ArrayForEach(f, cJSON_GetObjectItem(cJSON_GetObjectItem(r, "flags"),
                                                  "open_at_end"))
            n += strcmp(js(f, "severity"), "high") == 0 &&
                 num_of(f, "open_days") > c->param[k];
        snprintf(ev, evlen, "%.0f 项高危问题超过 %d 天未整改", n, c->param[k]);
        return n == 0;
    }
    case SC_AGENT_COVERAGE: {
        double seen = num_of(hosts, "seen");
        snprintf(ev, evlen, "%.0f/%.0f 台主机期内有上报 (满分线 %d%%)", seen,
                 enrolled, c->param[k]);
        return fmin(1, share(seen, enrolled) * 100 / c->param[k]);
    }
    case SC_LEADERS_NAMED:
        n = cJSON_GetArraySize(cJSON_GetObjectItem(
            cJSON_GetObjectItem(r, "responsibility"), "missing"));
        snprintf(ev, evlen, "%.0f 项责任人未明确", n);
        return n == 0;
    case SC_MEETING: {
        const cJSON *d = cJSON_GetObjectItem(r, "responsibility");
        int held = cJSON_IsTrue(cJSON_GetObjectItem(d, "meeting_within_year"));
        snprintf(ev, evlen, "最近会议 %s", js(d, "last_meeting")[0]
                                               ? js(d, "last_meeting")
                                               : "未填写");
        return held;
    }
    default:
        return 0;
    }
}

static double tenth(double v)
{
    return round(v * 10) / 10;
}

int dept_score(const cJSON *report, const struct score_config *c,
               cJSON **out)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *list = o ? cJSON_AddArrayToObject(o, "indicators") : NULL;
    if (list == NULL) {
        cJSON_Delete(o);
        return TZ_ENOMEM;
    }
    double total = 0;
    for (int k = 0; k < SC_COUNT; k++) {
        char ev[160];
        double met = met_of(report, c, (enum score_id)k, ev, sizeof(ev));
        double pts = c->weight[k] * met;
        total += pts;
        cJSON *x = cJSON_CreateObject();
        if (x == NULL) {
            cJSON_Delete(o);
            return TZ_ENOMEM;
        }
        cJSON_AddItemToArray(list, x);
        cJSON_AddStringToObject(x, "key", score_indicators[k].key);
        cJSON_AddStringToObject(x, "name", score_indicators[k].name);
        cJSON_AddNumberToObject(x, "weight", c->weight[k]);
        cJSON_AddNumberToObject(x, "met", round(met * 1000) / 1000);
        cJSON_AddNumberToObject(x, "points", tenth(pts));
        cJSON_AddNumberToObject(x, "lost", tenth(c->weight[k] - pts));
        cJSON_AddStringToObject(x, "evidence", ev);
    }
    cJSON_AddNumberToObject(o, "score", round(total));
    *out = o;
    return 0;
}
