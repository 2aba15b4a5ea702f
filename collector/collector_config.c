/* collector_config — INI settings of tz-collector (inih). */
#include "collector_config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ini_value.h"
#include "tz_limits.h"

void collector_config_defaults(struct collector_config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->data, sizeof(c->data), "./var/taizhang");
    snprintf(c->listen, sizeof(c->listen), "tcp://127.0.0.1:7450");
    c->max_batch = 256;
    c->max_batch_bytes = (size_t)64 << 20;
    c->max_message = TZ_MAX_MSG;
    c->recheck_interval = 300;
    c->history_days = 400;
    c->screening_scan_timeout = 300;
    c->reject_limit = 30;
    agent_quota_defaults(&c->quota);
    digest_config_defaults(&c->digest);
}

struct load_ctx {
    struct collector_config *c;
    char why[256];
};

static int parse_size(const char *v, size_t lo, size_t hi, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || end == v || *end != '\0' || x < lo || x > hi)
        return -1;
    *out = (size_t)x;
    return 0;
}

/* The per-agent limits (quota_*, history_diff_*): 1 when name is one of
 * them (*ok: value in range and set), 0 when not. */
static int quota_kv(struct agent_quota *q, const char *name, const char *value,
                    int *ok)
{
    static const struct {
        const char *name;
        size_t hi;
        size_t off, size;
    } keys[] = {
#define QK(n, field, hi) {n, hi, offsetof(struct agent_quota, field), \
                          sizeof(((struct agent_quota *)0)->field)}
        QK("quota_reports_per_hour", reports_per_hour, 1000000),
        QK("quota_bytes_per_day", bytes_per_day, (size_t)1 << 40),
        QK("quota_history_bytes", history_bytes, (size_t)1 << 40),
        QK("quota_hosts_per_token", hosts_per_token, 10000000),
        QK("quota_hosts_per_dept", hosts_per_dept, 10000000),
        QK("history_diff_max", diff_max, 10000000),
        QK("history_diff_keep", diff_keep, 10000),
#undef QK
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(name, keys[i].name) != 0)
            continue;
        size_t v;
        *ok = parse_size(value, 0, keys[i].hi, &v) == 0;
        if (*ok && keys[i].size == sizeof(uint32_t)) {
            uint32_t x = (uint32_t)v;
            memcpy((char *)q + keys[i].off, &x, sizeof(x));
        } else if (*ok) {
            uint64_t x = v;
            memcpy((char *)q + keys[i].off, &x, sizeof(x));
        }
        return 1;
    }
    return 0;
}

static int on_kv(void *user, const char *section, const char *name,
                 const char *value)
{
    struct load_ctx *lc = user;
    struct collector_config *c = lc->c;
    if (strcmp(section, "digest") == 0)
        return digest_config_kv(&c->digest, name, value, lc->why,
                                sizeof(lc->why)) == 0;
    if (strcmp(section, "collector") != 0) {
        snprintf(lc->why, sizeof(lc->why), "unknown section [%s]", section);
        return 0;
    }
    int ok;
    if (quota_kv(&c->quota, name, value, &ok)) {
        if (!ok)
            goto bad;
    } else if (strcmp(name, "data") == 0) {
        if (snprintf(c->data, sizeof(c->data), "%s", value) >= (int)sizeof(c->data))
            goto bad;
    } else if (strcmp(name, "listen") == 0) {
        if (snprintf(c->listen, sizeof(c->listen), "%s", value) >=
            (int)sizeof(c->listen))
            goto bad;
    } else if (strcmp(name, "publish") == 0) {
        if (strstr(value, "://") == NULL ||
            snprintf(c->publish, sizeof(c->publish), "%s", value) >=
                (int)sizeof(c->publish))
            goto bad;
    } else if (strcmp(name, "max_batch") == 0) {
        if (parse_size(value, 1, 65536, &c->max_batch) != 0)
            goto bad;
    } else if (strcmp(name, "max_batch_bytes") == 0) {
        if (parse_size(value, (size_t)1 << 20, (size_t)16 << 30, &c->max_batch_bytes) != 0)
            goto bad;
    } else if (strcmp(name, "max_message") == 0) {
        if (parse_size(value, 1024, 256u << 20, &c->max_message) != 0)
            goto bad;
    } else if (strcmp(name, "rules") == 0) {
        if (snprintf(c->rules, sizeof(c->rules), "%s", value) >= (int)sizeof(c->rules))
            goto bad;
    } else if (strcmp(name, "recheck_interval") == 0) {
        if (parse_size(value, 1, 86400, &c->recheck_interval) != 0)
            goto bad;
    } else if (strcmp(name, "history_days") == 0) {
        if (parse_size(value, 1, 36500, &c->history_days) != 0)
            goto bad;
    } else if (strcmp(name, "screening") == 0) {
        if (snprintf(c->screening, sizeof(c->screening), "%s", value) >=
            (int)sizeof(c->screening))
            goto bad;
    } else if (strcmp(name, "screening_ports") == 0) {
        if (snprintf(c->screening_ports, sizeof(c->screening_ports), "%s", value) >=
            (int)sizeof(c->screening_ports))
            goto bad;
    } else if (strcmp(name, "screening_scan") == 0) {
        if (ini_bool(value, &c->screening_scan) != 0)
            goto bad;
    } else if (strcmp(name, "screening_scan_timeout") == 0) {
        if (parse_size(value, 1, 3600, &c->screening_scan_timeout) != 0)
            goto bad;
    } else if (strcmp(name, "reject_limit") == 0) {
        if (parse_size(value, 0, 1000000, &c->reject_limit) != 0)
            goto bad;
    } else {
        snprintf(lc->why, sizeof(lc->why), "unknown option \"%s\"", name);
        return 0;
    }
    return 1;
bad:
    snprintf(lc->why, sizeof(lc->why), "bad value for %s: \"%s\"", name, value);
    return 0;
}

int collector_config_load(struct collector_config *c, const char *path,
                          struct tz_error *err)
{
    struct load_ctx lc = {.c = c};
    return ini_load(path, "config file", on_kv, &lc, lc.why, err);
}
