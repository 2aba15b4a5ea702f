/* util — what every tzctl command uses: failing in the operator's words,
 * opening the register, printing a time, and reading its own arguments. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "time_text.h"
#include "tzctl.h"

int tzctl_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tzctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return TZCTL_FAIL;
}

int tzctl_fail_err(const struct tz_error *err)
{
    char buf[1024];
    return tzctl_fail("%s", tz_error_str(err, buf, sizeof(buf)));
}

int tzctl_open(const struct tzctl *c, unsigned flags, struct tz_register **reg)
{
    struct tz_error err = {0};
    if (register_open(c->data, flags, reg, &err) != 0)
        return tzctl_fail_err(&err);
    return 0;
}

/* Tables are read by people, csv and json by programs (time_text.h). */
static enum time_style time_style = TIME_HUMAN;

void tzctl_time_for(enum out_format format)
{
    time_style = format == OUT_TABLE ? TIME_HUMAN : TIME_ISO;
}

void tzctl_time(int64_t t, char buf[32])
{
    time_text(t, time_style, buf);
}

const char *tzctl_arg(int argc, char **argv, int *i, int *dashdash,
                      const char **pos)
{
    (void)argc;
    const char *a = argv[*i];
    *pos = NULL;
    if (!*dashdash && strcmp(a, "--") == 0) {
        *dashdash = 1;
        return NULL;
    }
    if (!*dashdash && a[0] == '-' && a[1] != '\0')
        return a;
    *pos = a;
    return NULL;
}

int tzctl_optval(const char *opt, const char *name, int argc, char **argv,
                 int *i, const char **val)
{
    size_t n = strlen(name);
    if (strncmp(opt, name, n) != 0)
        return 0;
    if (opt[n] == '=') {
        *val = opt + n + 1;
        return 1;
    }
    if (opt[n] != '\0')
        return 0;
    *val = *i + 1 < argc ? argv[++*i] : NULL;
    return 1;
}
