/* outfile — how tzctl puts a file it wrote in place: whole or not at all,
 * never over a file the operator did not ask to replace (backup, export,
 * screening reports). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tzctl.h"

int tzctl_sync_parent(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", path);
    int fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int tzctl_install(const char *tmp, const char *path, int force)
{
    if (force)
        return rename(tmp, path) == 0 ? 0 : errno;
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return errno;
    /* A filesystem without RENAME_NOREPLACE: link() refuses to replace. */
    if (link(tmp, path) != 0)
        return errno;
    unlink(tmp);
    return 0;
}

int tzctl_write_file(const char *path, int force, const char *what,
                     int (*fill)(int fd, void *arg), void *arg)
{
    struct stat st;
    if (!force && lstat(path, &st) == 0)
        return tzctl_fail("%s exists: choose another name, or --force to "
                          "replace it", path);
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
        return tzctl_fail("%s: path too long", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return tzctl_fail("%s: cannot create: %s", tmp, strerror(errno));
    int rc = fill(fd, arg);
    if (rc == 0 && fsync(fd) != 0)
        rc = tzctl_fail("%s: cannot sync: %s", tmp, strerror(errno));
    if (close(fd) != 0 && rc == 0)
        rc = tzctl_fail("%s: cannot write: %s", tmp, strerror(errno));
    int e = rc == 0 ? tzctl_install(tmp, path, force) : 0;
    if (rc != 0 || e != 0) {
        unlink(tmp);
        if (e == EEXIST)
            return tzctl_fail("%s appeared while the %s ran: kept it; "
                              "choose another name, or --force", path, what);
        return rc ? rc : tzctl_fail("%s: cannot rename %s to it: %s",
                                    path, tmp, strerror(e));
    }
    if (tzctl_sync_parent(path) != 0)
        return tzctl_fail("%s: written, but its directory cannot be synced: "
                          "%s", path, strerror(errno));
    return TZCTL_OK;
}
