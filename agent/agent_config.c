/* agent_config — INI settings of tz-agent (inih). */
#include "agent_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

void agent_config_defaults(struct agent_config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/tz-agent");
    snprintf(c->root, sizeof(c->root), "/");
    c->timeout_s = 30;
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
    } else {
        snprintf(why, why_len, "unknown option \"%s\"", key);
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

int agent_config_load(struct agent_config *c, const char *path,
                      struct tz_error *err)
{
    struct load_ctx lc = {.c = c};
    int r = ini_parse(path, on_kv, &lc);
    if (r < 0)
        return tz_err(err, TZ_ENOENT, path, 0, "cannot open config file");
    if (r > 0)
        return tz_err(err, TZ_EPARSE, path, r, "%s",
                      lc.why[0] ? lc.why : "syntax error");
    return 0;
}
