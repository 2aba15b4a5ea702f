/* ini_value — loading INI files, integers and port lists from their values. */
#include "ini_value.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

int ini_int(const char *v, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    if (errno || end == v || *end || x < lo || x > hi)
        return -1;
    *out = (int)x;
    return 0;
}

int ini_bool(const char *v, int *out)
{
    if (strcasecmp(v, "yes") == 0)
        *out = 1;
    else if (strcasecmp(v, "no") == 0)
        *out = 0;
    else
        return -1;
    return 0;
}

int ini_ports(const char *v, uint16_t *out, int max, int *n)
{
    char buf[1024];
    int k = 0;
    if (snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf))
        return -1;
    char *save = NULL;
    for (char *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
        int p;
        if (k >= max || ini_int(t, 1, 65535, &p) != 0)
            return -1;
        out[k++] = (uint16_t)p;
    }
    *n = k;
    return 0;
}

int ini_load(const char *path, const char *what,
             int (*kv)(void *user, const char *section, const char *name,
                       const char *value),
             void *user, const char *why, struct tz_error *err)
{
    int r = ini_parse(path, kv, user);
    if (r < 0)
        return tz_err(err, TZ_ENOENT, path, 0, "cannot open %s", what);
    if (r > 0)
        return tz_err(err, TZ_EPARSE, path, r, "%s", why[0] ? why : "syntax error");
    return 0;
}

int ini_load_text(const char *text, const char *name,
                  int (*kv)(void *user, const char *section, const char *name,
                            const char *value),
                  void *user, const char *why, struct tz_error *err)
{
    int r = ini_parse_string(text, kv, user);
    if (r < 0)
        return tz_err(err, TZ_ENOMEM, name, 0, "out of memory");
    if (r > 0)
        return tz_err(err, TZ_EPARSE, name, r, "%s", why[0] ? why : "syntax error");
    return 0;
}
