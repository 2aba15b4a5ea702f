/* backup — `tzctl backup -o FILE [--force]`: a compacted copy of the
 * register (register_backup), taken while the collector runs. The copy goes
 * to FILE.tmp (O_EXCL, mode 0600: it holds every department's data), is
 * synced, and only then renamed to FILE, so FILE is always a whole backup
 * or absent. An existing FILE is kept unless --force.
 * collector.key is not in the backup, on purpose: it never changes, so it
 * is saved once, by hand, and backup files can travel without the secret
 * that reads agents' traffic. The output says so every time. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "tzctl.h"

/* Copy the register into the open fd and make it durable; *bytes its size. */
static int copy_into(const struct tzctl *c, int fd, const char *tmp,
                     uint64_t *bytes)
{
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct tz_error err = {0};
    int r = register_backup(reg, fd, &err);
    register_close(reg);
    if (r != 0)
        return tzctl_fail_err(&err);
    struct stat st;
    if (fsync(fd) != 0 || fstat(fd, &st) != 0)
        return tzctl_fail("%s: cannot sync: %s", tmp, strerror(errno));
    *bytes = (uint64_t)st.st_size;
    return 0;
}

static int report(const struct tzctl *c, const char *path, uint64_t bytes)
{
    if (c->format == OUT_JSON) {
        cJSON *o = cJSON_CreateObject();
        if (o == NULL || !cJSON_AddStringToObject(o, "path", path) ||
            !cJSON_AddNumberToObject(o, "bytes", (double)bytes) ||
            !cJSON_AddStringToObject(o, "register", c->data)) {
            cJSON_Delete(o);
            return TZ_ENOMEM;
        }
        int rc = out_print_json(o);
        if (rc != 0)
            return rc;
    } else if (c->format == OUT_CSV) {
        static const struct out_col cols[] = {
            {"PATH", "path", OUT_STR, NULL}, {"BYTES", "bytes", OUT_NUM, NULL},
            {"REGISTER", "register", OUT_STR, NULL}};
        char n[24];
        snprintf(n, sizeof(n), "%" PRIu64, bytes);
        const char *cells[3] = {path, n, c->data};
        struct out_table *t = out_new(cols, 3);
        int rc = t ? out_add(t, cells) : TZ_ENOMEM;
        if (rc == 0)
            rc = out_write(t, OUT_CSV, stdout);
        out_free(t);
        if (rc != 0)
            return rc;
    } else {
        printf("backup written: %s (%" PRIu64 " bytes), the register of %s\n",
               path, bytes, c->data);
    }
    /* stdout first: scripts read it; the reminder is for the operator. */
    fflush(stdout);
    fprintf(stderr, "tzctl: the backup does not hold the collector key: copy "
                    "%s/collector.key once to a safe place of its own (it never "
                    "changes; agents pin its public half)\n", c->data);
    return 0;
}

int tzctl_backup(const struct tzctl *c, int argc, char **argv)
{
    const char *pos, *opt, *val, *path = NULL;
    int dd = 0, force = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) == NULL) {
            if (pos)
                return tzctl_usage("backup: unexpected \"%s\" (the file "
                                   "goes after -o)", pos);
        } else if (strcmp(opt, "--force") == 0) {
            force = 1;
        } else if (tzctl_optval(opt, "-o", argc, argv, &i, &val) ||
                   tzctl_optval(opt, "--output", argc, argv, &i, &val)) {
            if (val == NULL || val[0] == '\0')
                return tzctl_usage("backup: -o needs a file name");
            path = val;
        } else {
            return tzctl_usage("backup: unknown option %s", opt);
        }
    }
    if (path == NULL)
        return tzctl_usage("backup: expected \"backup -o FILE [--force]\"");
    struct stat st;
    if (!force && lstat(path, &st) == 0)
        return tzctl_fail("%s exists: choose another name, or --force to "
                          "replace it", path);

    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        return tzctl_fail("%s: path too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST)
        return tzctl_fail("%s exists: another backup is running, or one was "
                          "interrupted (then remove it)", tmp);
    if (fd < 0)
        return tzctl_fail("%s: cannot create: %s", tmp, strerror(errno));
    uint64_t bytes = 0;
    int rc = copy_into(c, fd, tmp, &bytes);
    if (close(fd) != 0 && rc == 0)
        rc = tzctl_fail("%s: cannot write: %s", tmp, strerror(errno));
    int e = rc == 0 ? tzctl_install(tmp, path, force) : 0;
    if (rc != 0 || e != 0) {
        unlink(tmp);
        if (e == EEXIST)
            return tzctl_fail("%s appeared while the backup ran: kept it; "
                              "choose another name, or --force", path);
        return rc ? rc : tzctl_fail("%s: cannot rename %s to it: %s", path, tmp,
                                    strerror(e));
    }
    if (tzctl_sync_parent(path) != 0)
        return tzctl_fail("%s: written, but its directory cannot be synced: %s",
                          path, strerror(errno));
    if ((rc = report(c, path, bytes)) != 0)
        return tzctl_fail("%s", tz_strerror(rc));
    return TZCTL_OK;
}
