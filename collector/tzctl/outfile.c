/* outfile — how tzctl puts a file it wrote in place: whole or not at all,
 * never over a file the operator did not ask to replace (backup, export). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
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
