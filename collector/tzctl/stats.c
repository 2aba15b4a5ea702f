/* stats — `tzctl stats`: what the collector has accepted and refused, and how
 * full the register is. Rejections are listed by the Ack status an agent got,
 * lowercase ("replay", "forged", "revoked"), every reason shown even when
 * zero so that scripts see a stable set of rows; then "throttled": requests
 * dropped unread because their connection sent too many rejected ones
 * (the collector's reject_limit); then "quota.LIMIT": how often an agent hit
 * each per-agent limit of the collector (agent_quota.h: reports refused
 * OVER_QUOTA, enrollments refused, hosts whose history was pruned). Then
 * the rules in force: the file the
 * collector judges by (its digest, when it was recorded) and its values,
 * which tzctl's ledger changes are judged by too. The e-mail digests:
 * mails sent, failed attempts, and scheduled digests given up after
 * [digest] max_attempts, over every recipient. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "flag_catalog.h"
#include "rules_config.h"
#include "tzctl.h"

struct digest_counts {
    uint64_t sent, failed, given_up;
};

static int digest_cb(const Tz__DigestState *st, void *arg)
{
    struct digest_counts *d = arg;
    d->sent += st->sent_total;
    d->failed += st->failed_total;
    d->given_up += st->given_up_total;
    return 0;
}

struct in_force {
    struct rules_config cfg;
    Tz__RulesInForce *rec;     /* NULL: none recorded */
};

static cJSON *ports_json(const uint16_t *p, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(p[i]));
    return a;
}

static cJSON *rules_json(const struct in_force *r)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    const Tz__RulesInForce *rec = r->rec;
    char t[32] = "";
    if (rec)
        tzctl_time(rec->recorded_at, t);
    cJSON_AddBoolToObject(o, "recorded", rec != NULL);
    cJSON_AddStringToObject(o, "source", rec && rec->source[0] ? rec->source : "built in");
    cJSON_AddStringToObject(o, "digest", rec ? rec->digest : "");
    cJSON_AddStringToObject(o, "recorded_at", t);
    cJSON_AddNumberToObject(o, "agent_silent_hours", r->cfg.agent_silent_hours);
    cJSON_AddNumberToObject(o, "filing_required_from_grade",
                            r->cfg.filing_required_from_grade);
    cJSON *ev = cJSON_AddObjectToObject(o, "evaluation_max_days");
    for (int g = 1; ev && g <= 5; g++) {
        char k[8];
        snprintf(k, sizeof(k), "%d", g);
        cJSON_AddNumberToObject(ev, k, r->cfg.eval_max_days[g]);
    }
    cJSON_AddItemToObject(o, "high_risk_ports",
                          ports_json(r->cfg.high_risk, r->cfg.n_high_risk));
    cJSON_AddItemToObject(o, "web_ports", ports_json(r->cfg.web, r->cfg.n_web));
    cJSON *sev = cJSON_AddObjectToObject(o, "severity");
    cJSON *dis = cJSON_AddArrayToObject(o, "disabled");
    for (int f = 0; sev && dis && f < FLAG__COUNT; f++) {
        cJSON_AddStringToObject(sev, flag_def(f)->id, severity_name(r->cfg.severity[f]));
        if (r->cfg.disabled[f])
            cJSON_AddItemToArray(dis, cJSON_CreateString(flag_def(f)->id));
    }
    return o;
}

static void ports_print(const char *name, const uint16_t *p, int n)
{
    printf("  %s =", name);
    for (int i = 0; i < n; i++)
        printf("%s %u", i ? "," : "", p[i]);
    putchar('\n');
}

/* After the table: which rules, and their values. */
static void rules_print(const struct in_force *r)
{
    const Tz__RulesInForce *rec = r->rec;
    char t[32] = "";
    if (rec == NULL)
        printf("\nrules in force: built in (no collector of this version has "
               "recorded its rules in this register yet)\n");
    else if (rec->source[0] == '\0')
        printf("\nrules in force: built in (the collector runs without a rules "
               "file; recorded %s)\n", (tzctl_time(rec->recorded_at, t), t));
    else
        printf("\nrules in force: %s (digest %s, recorded %s by the collector)\n",
               rec->source, rec->digest, (tzctl_time(rec->recorded_at, t), t));
    printf("  agent_silent_hours = %d\n", r->cfg.agent_silent_hours);
    printf("  filing_required_from_grade = %d\n", r->cfg.filing_required_from_grade);
    for (int g = 1; g <= 5; g++)
        printf("  grade%d_max_days = %d\n", g, r->cfg.eval_max_days[g]);
    ports_print("high_risk", r->cfg.high_risk, r->cfg.n_high_risk);
    ports_print("web", r->cfg.web, r->cfg.n_web);
    for (int f = 0; f < FLAG__COUNT; f++) {
        if (r->cfg.disabled[f])
            printf("  disabled: %s\n", flag_def(f)->id);
        else if (r->cfg.severity[f] != flag_def(f)->severity)
            printf("  severity of %s = %s\n", flag_def(f)->id,
                   severity_name(r->cfg.severity[f]));
    }
}

static const struct out_col stat_cols[] = {
    {"METRIC", "metric", OUT_STR, "指标"},
    {"VALUE", "value", OUT_NUM, "数值"},
};

/* Lowercase status name, without the STATUS_ of STATUS_UNSPECIFIED. */
static void status_name(int s, char *buf, size_t len)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&tz__status__descriptor, s);
    const char *n = v ? v->name : "unknown";
    if (strncmp(n, "STATUS_", 7) == 0)
        n += 7;
    size_t i = 0;
    for (; n[i] && i + 1 < len; i++)
        buf[i] = (char)tolower((unsigned char)n[i]);
    buf[i] = '\0';
}

/* Every answer other than OK is a reason; a count under any other value
 * (only a buggy caller makes one) is still shown rather than lost. */
static int shown(const struct register_stats *st, int s)
{
    return st->rejected[s] != 0 ||
           (s >= TZ__STATUS__MALFORMED && s <= TZ__STATUS__OVER_QUOTA);
}

static int stats_json(const struct register_stats *st, const struct in_force *r,
                      const struct digest_counts *dg)
{
    cJSON *o = cJSON_CreateObject(), *rej = cJSON_CreateObject();
    if (o == NULL || rej == NULL) {
        cJSON_Delete(o);
        cJSON_Delete(rej);
        return TZ_ENOMEM;
    }
    cJSON_AddNumberToObject(o, "agents", (double)st->agents);
    cJSON_AddNumberToObject(o, "hosts", (double)st->hosts);
    cJSON_AddNumberToObject(o, "departments", (double)st->depts);
    cJSON_AddNumberToObject(o, "accepted", (double)st->accepted);
    cJSON_AddNumberToObject(o, "reports_accepted",
                            (double)st->reports_accepted);
    cJSON_AddNumberToObject(o, "batches", (double)st->batches);
    for (int s = 0; s < 16; s++) {
        char name[32];
        if (!shown(st, s))
            continue;
        status_name(s, name, sizeof(name));
        cJSON_AddNumberToObject(rej, name, (double)st->rejected[s]);
    }
    cJSON_AddItemToObject(o, "rejected", rej);
    cJSON_AddNumberToObject(o, "throttled", (double)st->throttled);
    cJSON *quota = cJSON_AddObjectToObject(o, "quota");
    for (int l = AQ_NONE + 1; quota && l < AQ__COUNT; l++)
        cJSON_AddNumberToObject(quota, agent_quota_limit_name(l), (double)st->quota[l]);
    cJSON_AddNumberToObject(o, "digests_sent", (double)dg->sent);
    cJSON_AddNumberToObject(o, "digest_failures", (double)dg->failed);
    cJSON_AddNumberToObject(o, "digests_given_up", (double)dg->given_up);
    cJSON_AddNumberToObject(o, "map_size_bytes", (double)st->map_size);
    cJSON_AddNumberToObject(o, "map_used_bytes", (double)st->used_bytes);
    cJSON_AddNumberToObject(o, "schema", (double)st->schema);
    cJSON *rj = rules_json(r);
    if (rj == NULL) {
        cJSON_Delete(o);
        return TZ_ENOMEM;
    }
    cJSON_AddItemToObject(o, "rules", rj);
    return out_print_json(o);
}

static int row(struct out_table *t, const char *metric, uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%" PRIu64, v);
    const char *cells[2] = {metric, buf};
    return out_add(t, cells);
}

static int stats_table(const struct tzctl *c, const struct register_stats *st,
                       const struct in_force *r, const struct digest_counts *dg)
{
    struct out_table *t = out_new(stat_cols, 2);
    if (t == NULL)
        return TZ_ENOMEM;
    int rc = 0;
    rc = rc ? rc : row(t, "agents", st->agents);
    rc = rc ? rc : row(t, "hosts", st->hosts);
    rc = rc ? rc : row(t, "departments", st->depts);
    rc = rc ? rc : row(t, "accepted", st->accepted);
    rc = rc ? rc : row(t, "reports_accepted", st->reports_accepted);
    rc = rc ? rc : row(t, "batches", st->batches);
    for (int s = 0; rc == 0 && s < 16; s++) {
        char name[48] = "rejected.";
        if (!shown(st, s))
            continue;
        status_name(s, name + 9, sizeof(name) - 9);
        rc = row(t, name, st->rejected[s]);
    }
    rc = rc ? rc : row(t, "throttled", st->throttled);
    for (int l = AQ_NONE + 1; rc == 0 && l < AQ__COUNT; l++) {
        char name[48];
        snprintf(name, sizeof(name), "quota.%s", agent_quota_limit_name(l));
        rc = row(t, name, st->quota[l]);
    }
    rc = rc ? rc : row(t, "digests_sent", dg->sent);
    rc = rc ? rc : row(t, "digest_failures", dg->failed);
    rc = rc ? rc : row(t, "digests_given_up", dg->given_up);
    rc = rc ? rc : row(t, "map_size_bytes", st->map_size);
    rc = rc ? rc : row(t, "map_used_bytes", st->used_bytes);
    rc = rc ? rc : row(t, "schema", st->schema);
    if (rc == 0)
        rc = out_write(t, c->format, stdout);
    if (rc == 0 && c->format == OUT_TABLE)
        rules_print(r);
    out_free(t);
    return rc;
}

int tzctl_stats(const struct tzctl *c, int argc, char **argv)
{
    const char *pos, *opt;
    int dd = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) != NULL)
            return tzctl_usage("stats: unknown option %s", opt);
        if (pos)
            return tzctl_usage("stats takes no argument \"%s\"", pos);
    }
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct register_stats st;
    struct tz_error err = {0};
    struct in_force inf = {.rec = NULL};
    struct digest_counts dg = {0};
    int r = register_stats(reg, &st, &err);
    if (r == 0)
        r = register_each_digest_state(reg, digest_cb, &dg, &err);
    if (r == 0 && (rc = tzctl_rules(reg, &inf.cfg, &inf.rec)) != 0) {
        register_close(reg);
        return rc;
    }
    register_close(reg);
    if (r != 0)
        return tzctl_fail_err(&err);
    r = c->format == OUT_JSON ? stats_json(&st, &inf, &dg)
                              : stats_table(c, &st, &inf, &dg);
    if (inf.rec)
        protobuf_c_message_free_unpacked(&inf.rec->base, NULL);
    if (r != 0)
        return tzctl_fail("%s", tz_strerror(r));
    return 0;
}
