/* stats — `tzctl stats`: what the collector has accepted and refused, and how
 * full the register is. Rejections are listed by the Ack status an agent got,
 * lowercase ("replay", "forged", "revoked"), every reason shown even when
 * zero so that scripts see a stable set of rows; then "throttled": requests
 * dropped unread because their connection sent too many rejected ones
 * (the collector's reject_limit). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tzctl.h"

static const struct out_col stat_cols[] = {
    {"METRIC", "metric", OUT_STR},
    {"VALUE", "value", OUT_NUM},
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
           (s >= TZ__STATUS__MALFORMED && s <= TZ__STATUS__REVOKED);
}

static int stats_json(const struct register_stats *st)
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
    cJSON_AddNumberToObject(o, "map_size_bytes", (double)st->map_size);
    cJSON_AddNumberToObject(o, "map_used_bytes", (double)st->used_bytes);
    cJSON_AddNumberToObject(o, "schema", (double)st->schema);
    return out_print_json(o);
}

static int row(struct out_table *t, const char *metric, uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%" PRIu64, v);
    const char *cells[2] = {metric, buf};
    return out_add(t, cells);
}

static int stats_table(const struct tzctl *c, const struct register_stats *st)
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
    rc = rc ? rc : row(t, "map_size_bytes", st->map_size);
    rc = rc ? rc : row(t, "map_used_bytes", st->used_bytes);
    rc = rc ? rc : row(t, "schema", st->schema);
    if (rc == 0)
        rc = out_write(t, c->format, stdout);
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
    int r = register_stats(reg, &st, &err);
    register_close(reg);
    if (r != 0)
        return tzctl_fail_err(&err);
    r = c->format == OUT_JSON ? stats_json(&st) : stats_table(c, &st);
    if (r != 0)
        return tzctl_fail("%s", tz_strerror(r));
    return 0;
}
