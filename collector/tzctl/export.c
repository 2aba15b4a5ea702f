/* export — `tzctl export --format csv|json|xlsx [--dept D] -o FILE
 * [--force]`: the ledger, hosts and open flags as a file to hand to a
 * department or the school (collector/export_ledger.h does the writing).
 *
 * FILE is written as FILE.XXXXXX beside it (mode 0600: it holds a
 * department's data), synced and renamed, so it is a whole export or
 * absent; an existing FILE is kept unless --force, as with backup.
 * "-o -" writes CSV or JSON to standard output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "export_ledger.h"
#include "tzctl.h"

struct args {
    const char *format, *dept, *path;
    int force;
};

static int parse(int argc, char **argv, struct args *a)
{
    const char *pos, *opt, *val;
    int dd = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (pos)
                return tzctl_usage("export: unexpected \"%s\" (the file "
                                   "goes after -o)", pos);
        } else if (strcmp(opt, "--force") == 0) {
            a->force = 1;
        } else if (tzctl_optval(opt, "--format", argc, argv, &i, &val)) {
            if (val == NULL)
                return tzctl_usage("export: --format needs csv, json or xlsx");
            a->format = val;
        } else if (tzctl_optval(opt, "--dept", argc, argv, &i, &val)) {
            if (val == NULL || val[0] == '\0')
                return tzctl_usage("export: --dept needs a department name");
            a->dept = val;
        } else if (tzctl_optval(opt, "-o", argc, argv, &i, &val) ||
                   tzctl_optval(opt, "--output", argc, argv, &i, &val)) {
            if (val == NULL || val[0] == '\0')
                return tzctl_usage("export: -o needs a file name (- for "
                                   "standard output)");
            a->path = val;
        } else {
            return tzctl_usage("export: unknown option %s", opt);
        }
    }
    if (a->path == NULL)
        return tzctl_usage("export: -o FILE is required (- for standard "
                           "output)");
    return 0;
}

/* --format, else the file's extension. */
static int pick_format(const struct args *a, enum export_format *f)
{
    const char *s = a->format;
    const char *dot = strrchr(a->path, '.');
    if (s == NULL && dot && export_format_parse(dot + 1, f) == 0)
        return 0;
    if (s == NULL)
        return tzctl_usage("export: --format csv, json or xlsx is required "
                           "(or a FILE ending in one of them)");
    if (export_format_parse(s, f) != 0)
        return tzctl_usage("export: unknown format \"%s\": csv, json or "
                           "xlsx", s);
    if (*f == EXPORT_XLSX && strcmp(a->path, "-") == 0)
        return tzctl_usage("export: XLSX is a binary file: give -o FILE");
    return 0;
}

static int run(const struct tzctl *c, const struct args *a,
               enum export_format f, int fd, struct export_counts *n)
{
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    int r = export_ledger(reg, a->dept, f, fd, (int64_t)time(NULL), n, &err);
    register_close(reg);
    return r == 0 ? TZCTL_OK : tzctl_fail_err(&err);
}

struct fill {
    const struct tzctl *c;
    const struct args *a;
    enum export_format f;
    struct export_counts *n;
};

static int fill_fd(int fd, void *arg)
{
    struct fill *x = arg;
    return run(x->c, x->a, x->f, fd, x->n);
}

int tzctl_export(const struct tzctl *c, int argc, char **argv)
{
    struct args a = {0};
    enum export_format f;
    int rc = parse(argc, argv, &a);
    if (rc == 0)
        rc = pick_format(&a, &f);
    if (rc != 0)
        return rc;
    struct export_counts n;
    if (strcmp(a.path, "-") == 0) {
        fflush(stdout);
        return run(c, &a, f, STDOUT_FILENO, &n);
    }
    struct fill x = {c, &a, f, &n};
    if ((rc = tzctl_write_file(a.path, a.force, "export", fill_fd, &x)) != 0)
        return rc;
    const char *of = a.dept ? a.dept : "the whole school";
    /* The CSV is the systems ledger only: no hosts or flags to count. */
    if (f == EXPORT_CSV)
        printf("exported %zu system%s of %s as csv to %s\n", n.systems,
               n.systems == 1 ? "" : "s", of, a.path);
    else
        printf("exported %zu system%s, %zu host%s and %zu open flag%s of %s "
               "as %s to %s\n", n.systems, n.systems == 1 ? "" : "s",
               n.hosts, n.hosts == 1 ? "" : "s", n.flags,
               n.flags == 1 ? "" : "s", of, export_format_name(f), a.path);
    return TZCTL_OK;
}
