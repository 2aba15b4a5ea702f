/* agent_config — INI settings of tz-agent (inih). */
#include "agent_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "privdrop.h"

void agent_config_defaults(struct agent_config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/tz-agent");
    snprintf(c->root, sizeof(c->root), "/");
    c->timeout_s = 30;
    c->schedule_min = 3 * 60;
    c->splay_s = 1800;
    c->retry_min_s = 30;
    c->retry_max_s = 3600;
    c->spool_max = 64;
    c->interval_s = 0;
    snprintf(c->user, sizeof(c->user), PRIVDROP_DEFAULT_USER);
    c->collect_now_min_interval_s = 60;
    c->collect_now_max_age_s = 300;
}

/* A whole decimal number in lo..hi. */
static int parse_int(const char *value, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* "H:MM" or "HH:MM", 24-hour local time. */
static int parse_hhmm(const char *v, int *minute_of_day)
{
    size_t n = strlen(v);
    if (n < 4 || n > 5 || v[n - 3] != ':')
        return -1;
    for (size_t i = 0; i < n; i++)
        if (i != n - 3 && (v[i] < '0' || v[i] > '9'))
            return -1;
    int h = n == 5 ? (v[0] - '0') * 10 + (v[1] - '0') : v[0] - '0';
    int m = (v[n - 2] - '0') * 10 + (v[n - 1] - '0');
    if (h > 23 || m > 59)
        return -1;
    *minute_of_day = h * 60 + m;
    return 0;
}

#define COPY(dst, v) (snprintf(dst, sizeof(dst), "%s", v) < (int)sizeof(dst))

int agent_config_set(struct agent_config *c, const char *key, const char *value,
                     char *why, size_t why_len)
{
    if (strcmp(key, "collector") == 0) {
        if (c->n_collectors >= AGENT_MAX_COLLECTORS) {
            snprintf(why, why_len, "more than %d collectors", AGENT_MAX_COLLECTORS);
            return -1;
        }
        if (strstr(value, "://") == NULL ||
            !COPY(c->collectors[c->n_collectors], value)) {
            snprintf(why, why_len, "collector \"%s\" is not a URL like tcp://host:7450",
                     value);
            return -1;
        }
        c->n_collectors++;
    } else if (strcmp(key, "collector_key") == 0) {
        if (tz_hex_decode(value, c->collector_pk, TZ_KEY_LEN) != 0) {
            snprintf(why, why_len, "collector_key must be 64 hex digits");
            return -1;
        }
        c->have_collector_pk = 1;
    } else if (strcmp(key, "enroll_token") == 0) {
        if (!COPY(c->enroll_token, value)) {
            snprintf(why, why_len, "enroll_token too long");
            return -1;
        }
    } else if (strcmp(key, "state_dir") == 0) {
        if (value[0] == '\0' || !COPY(c->state_dir, value)) {
            snprintf(why, why_len, "bad state_dir");
            return -1;
        }
    } else if (strcmp(key, "root") == 0) {
        if (value[0] == '\0' || !COPY(c->root, value)) {
            snprintf(why, why_len, "bad root");
            return -1;
        }
    } else if (strcmp(key, "timeout") == 0) {
        char *end;
        errno = 0;
        long t = strtol(value, &end, 10);
        if (errno || *end || t < 1 || t > 3600) {
            snprintf(why, why_len, "timeout must be 1..3600 seconds");
            return -1;
        }
        c->timeout_s = (int)t;
    } else if (strcmp(key, "schedule") == 0) {
        if (parse_hhmm(value, &c->schedule_min) != 0) {
            snprintf(why, why_len, "schedule must be a local time HH:MM, like 03:00");
            return -1;
        }
    } else if (strcmp(key, "splay") == 0) {
        if (parse_int(value, 0, 86400, &c->splay_s) != 0) {
            snprintf(why, why_len, "splay must be 0..86400 seconds");
            return -1;
        }
    } else if (strcmp(key, "retry_min") == 0) {
        if (parse_int(value, 1, 86400, &c->retry_min_s) != 0) {
            snprintf(why, why_len, "retry_min must be 1..86400 seconds");
            return -1;
        }
    } else if (strcmp(key, "retry_max") == 0) {
        if (parse_int(value, 1, 86400, &c->retry_max_s) != 0) {
            snprintf(why, why_len, "retry_max must be 1..86400 seconds");
            return -1;
        }
    } else if (strcmp(key, "spool_max") == 0) {
        if (parse_int(value, 1, 10000, &c->spool_max) != 0) {
            snprintf(why, why_len, "spool_max must be 1..10000 reports");
            return -1;
        }
    } else if (strcmp(key, "user") == 0) {
        if (value[0] == '\0' || !COPY(c->user, value)) {
            snprintf(why, why_len, "user must be a user name");
            return -1;
        }
    } else if (strcmp(key, "system") == 0) {
        char *end;
        errno = 0;
        unsigned long long id = strtoull(value, &end, 10);
        if (errno || end == value || *end || value[0] == '-') {
            snprintf(why, why_len, "system must be a ledger system id (a number)");
            return -1;
        }
        c->system_id = id;
    } else if (strcmp(key, "weak_passwords") == 0) {
        if (!COPY(c->weak_passwords, value)) {
            snprintf(why, why_len, "weak_passwords path too long");
            return -1;
        }
    } else if (strcmp(key, "weak_max_candidates") == 0) {
        if (parse_int(value, 1, 1000000, &c->weak_max_candidates) != 0) {
            snprintf(why, why_len, "weak_max_candidates must be 1..1000000");
            return -1;
        }
    } else if (strcmp(key, "weak_max_ms") == 0) {
        if (parse_int(value, 1, 3600000, &c->weak_max_ms) != 0) {
            snprintf(why, why_len, "weak_max_ms must be 1..3600000");
            return -1;
        }
    } else if (strcmp(key, "interval") == 0) {
        /* For tests: the example config lists it only commented out. */
        if (parse_int(value, 0, 7 * 86400, &c->interval_s) != 0) {
            snprintf(why, why_len, "interval must be 0 (daily schedule) .. 604800 "
                     "seconds");
            return -1;
        }
    } else if (strcmp(key, "subscribe") == 0) {
        if ((strcmp(value, "none") != 0 && strstr(value, "://") == NULL) ||
            !COPY(c->subscribe, value)) {
            snprintf(why, why_len, "subscribe \"%s\" is not a URL like "
                     "tcp://host:7452, or none", value);
            return -1;
        }
    } else if (strcmp(key, "collect_now_min_interval") == 0) {
        if (parse_int(value, 0, 86400, &c->collect_now_min_interval_s) != 0) {
            snprintf(why, why_len, "collect_now_min_interval must be 0 .. 86400 "
                     "seconds");
            return -1;
        }
    } else if (strcmp(key, "collect_now_max_age") == 0) {
        if (parse_int(value, 10, 3600, &c->collect_now_max_age_s) != 0) {
            snprintf(why, why_len, "collect_now_max_age must be 10 .. 3600 seconds");
            return -1;
        }
    } else {
        snprintf(why, why_len, "unknown option \"%s\"", key);
        return -1;
    }
    return 0;
}

int agent_config_apply_flags(struct agent_config *c, const struct agent_flag *f,
                             int n, char *why, size_t why_len)
{
    int replaced = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(f[i].key, "collector") == 0 && !replaced) {
            c->n_collectors = 0;
            replaced = 1;
        }
        char sub[256], flag[64];
        if (agent_config_set(c, f[i].key, f[i].value, sub, sizeof(sub)) != 0) {
            /* Said as it was typed: --collector-key, not collector_key. */
            snprintf(flag, sizeof(flag), "%s", f[i].key);
            for (char *p = flag; *p; p++)
                if (*p == '_')
                    *p = '-';
            snprintf(why, why_len, "--%s: %s", flag, sub);
            return -1;
        }
    }
    return agent_config_check(c, why, why_len);
}

int agent_config_check(const struct agent_config *c, char *why, size_t why_len)
{
    if (c->retry_min_s > c->retry_max_s) {
        snprintf(why, why_len, "retry_min (%d) is above retry_max (%d)",
                 c->retry_min_s, c->retry_max_s);
        return -1;
    }
    return 0;
}

struct load_ctx {
    struct agent_config *c;
    char why[256];
};

static int on_kv(void *user, const char *section, const char *name,
                 const char *value)
{
    struct load_ctx *lc = user;
    if (strcmp(section, "agent") != 0) {
        snprintf(lc->why, sizeof(lc->why), "unknown section [%s]", section);
        return 0;
    }
    return agent_config_set(lc->c, name, value, lc->why, sizeof(lc->why)) == 0;
}

static int loaded(struct agent_config *c, struct load_ctx *lc, int r,
                  const char *shown, struct tz_error *err)
{
    if (r < 0)
        return tz_err(err, TZ_ENOENT, shown, 0, "cannot open config file");
    if (r > 0)
        return tz_err(err, TZ_EPARSE, shown, r, "%s",
                      lc->why[0] ? lc->why : "syntax error");
    if (agent_config_check(c, lc->why, sizeof(lc->why)) != 0)
        return tz_err(err, TZ_EINVAL, shown, 0, "%s", lc->why);
    return 0;
}

int agent_config_load(struct agent_config *c, const char *path,
                      struct tz_error *err)
{
    struct load_ctx lc = {.c = c};
    return loaded(c, &lc, ini_parse(path, on_kv, &lc), path, err);
}

int agent_config_load_string(struct agent_config *c, const char *text,
                             const char *shown, struct tz_error *err)
{
    struct load_ctx lc = {.c = c};
    return loaded(c, &lc, ini_parse_string(text, on_kv, &lc), shown, err);
}
