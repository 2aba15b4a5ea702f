/* portal_config — INI settings of tz-portal ([portal] section, inih). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ini_value.h"
#include "portal.h"

void portal_config_defaults(struct portal_config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->data, sizeof(c->data), "./var/taizhang");
    snprintf(c->listen, sizeof(c->listen), "127.0.0.1:7451");
    c->secure_cookies = -1;
    c->max_connections = 256;
    c->per_ip = 32;
    c->timeout = 30;
}

struct load_ctx {
    struct portal_config *c;
    char why[256];
};

static int parse_uint(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 10);
    if (errno || end == v || *end != '\0' || v[0] == '-' || x < lo || x > hi)
        return -1;
    *out = (unsigned)x;
    return 0;
}

static int copy(char *dst, size_t cap, const char *v)
{
    return snprintf(dst, cap, "%s", v) >= (int)cap ? -1 : 0;
}

static int on_kv(void *user, const char *section, const char *name,
                 const char *value)
{
    struct load_ctx *lc = user;
    struct portal_config *c = lc->c;
    int bad = 0;
    if (strcmp(section, "portal") != 0) {
        snprintf(lc->why, sizeof(lc->why), "unknown section [%s]", section);
        return 0;
    }
    if (strcmp(name, "data") == 0)
        bad = copy(c->data, sizeof(c->data), value);
    else if (strcmp(name, "listen") == 0)
        bad = copy(c->listen, sizeof(c->listen), value);
    else if (strcmp(name, "control") == 0)
        bad = copy(c->control, sizeof(c->control), value);
    else if (strcmp(name, "secure_cookies") == 0) {
        if (strcasecmp(value, "auto") == 0)
            c->secure_cookies = -1;
        else
            bad = ini_bool(value, &c->secure_cookies) != 0;
    } else if (strcmp(name, "max_connections") == 0)
        bad = parse_uint(value, 1, 65536, &c->max_connections);
    else if (strcmp(name, "per_ip_connections") == 0)
        bad = parse_uint(value, 1, 65536, &c->per_ip);
    else if (strcmp(name, "timeout") == 0)
        bad = parse_uint(value, 1, 3600, &c->timeout);
    else {
        snprintf(lc->why, sizeof(lc->why), "unknown option \"%s\"", name);
        return 0;
    }
    if (bad) {
        snprintf(lc->why, sizeof(lc->why), "bad value for %s: \"%s\"", name, value);
        return 0;
    }
    return 1;
}

int portal_config_load(struct portal_config *c, const char *path,
                       struct tz_error *err)
{
    struct load_ctx lc = {.c = c};
    return ini_load(path, "config file", on_kv, &lc, lc.why, err);
}
