/* ini_value — integers and port lists from INI values. */
#include "ini_value.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
