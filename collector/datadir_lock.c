/* datadir_lock — the lock that keeps a second tz-collector (or a restore)
 * off a data dir in use: two writers on one register would each believe
 * their own group commit, and a restore under a live collector would be
 * overwritten by its next transaction. */
#include "datadir_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int lock_path(const char *dir, char path[PATH_MAX], struct tz_error *err)
{
    if (snprintf(path, PATH_MAX, "%s/%s", dir, DATADIR_LOCK_FILE) >= PATH_MAX)
        return tz_err(err, TZ_ELIMIT, dir, 0, "path too long");
    return 0;
}

/* The name the holder wrote, trusted only when the pid it wrote is the
 * holder's: an older owner's words must not be put in a newer one's mouth. */
static void read_who(int fd, struct datadir_holder *h)
{
    char buf[64];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    h->who[0] = '\0';
    if (n <= 0)
        return;
    buf[n] = '\0';
    long pid;
    char who[DATADIR_WHO_MAX + 1];
    if (sscanf(buf, "%ld %31[^\n]", &pid, who) == 2 && pid == (long)h->pid)
        snprintf(h->who, sizeof(h->who), "%s", who);
}

/* F_GETLK: would a write lock on the whole file conflict, and with whom? */
static int query(int fd, const char *path, struct datadir_holder *h,
                 struct tz_error *err)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    memset(h, 0, sizeof(*h));
    if (fcntl(fd, F_GETLK, &fl) != 0)
        return tz_err(err, TZ_EIO, path, 0, "cannot test the lock: %s",
                      strerror(errno));
    if (fl.l_type == F_UNLCK)
        return 0;
    /* A holder in another pid namespace shows as 0: still held. */
    h->pid = fl.l_pid > 0 ? fl.l_pid : -1;
    read_who(fd, h);
    return 0;
}

/* "another tz-collector" to a collector, "tzctl restore" by its name. */
static int held_error(const char *dir, const char *who,
                      const struct datadir_holder *h, struct tz_error *err)
{
    char pid[32] = "pid unknown";
    if (h->pid > 0)
        snprintf(pid, sizeof(pid), "pid %ld", (long)h->pid);
    int same = h->who[0] == '\0' || strcmp(h->who, who) == 0;
    return tz_err(err, TZ_EEXIST, NULL, 0, "%s is in use by %s%s (%s)", dir,
                  same ? "another " : "", h->who[0] ? h->who : "process", pid);
}

static int write_owner(int fd, const char *path, const char *who,
                       struct tz_error *err)
{
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "%ld %.*s\n", (long)getpid(),
                     DATADIR_WHO_MAX, who);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n)
        return tz_err(err, TZ_EIO, path, 0, "cannot write the owner: %s",
                      strerror(errno));
    return 0;
}

int datadir_lock_acquire(const char *dir, const char *who, int *fd,
                         struct datadir_holder *holder, struct tz_error *err)
{
    char path[PATH_MAX];
    *fd = -1;
    memset(holder, 0, sizeof(*holder));
    int rc = lock_path(dir, path, err);
    if (rc != 0)
        return rc;
    int f = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (f >= 0) {
        /* Made by root (tzctl restore on a new machine): it must still open
         * for the collector's own user, who owns the dir. Best effort: a
         * maker who is not root is that user already. */
        struct stat st;
        int ignored = stat(dir, &st) == 0 ? fchown(f, st.st_uid, st.st_gid) : 0;
        (void)ignored;
    } else if (errno == EEXIST) {
        f = open(path, O_RDWR | O_CLOEXEC);
    }
    if (f < 0)
        return tz_err(err, TZ_EIO, path, 0, "cannot open: %s", strerror(errno));
    /* The holder may exit between our F_SETLK and F_GETLK: try again then. */
    for (int tries = 0; tries < 3; tries++) {
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fcntl(f, F_SETLK, &fl) == 0) {
            rc = write_owner(f, path, who, err);
            if (rc != 0) {
                close(f);
                return rc;
            }
            *fd = f;
            return 0;
        }
        if (errno != EACCES && errno != EAGAIN) {
            rc = tz_err(err, TZ_EIO, path, 0, "cannot lock: %s", strerror(errno));
            break;
        }
        if ((rc = query(f, path, holder, err)) != 0)
            break;
        if (holder->pid != 0) {
            rc = held_error(dir, who, holder, err);
            break;
        }
    }
    if (rc == 0)   /* the lock kept changing hands */
        rc = held_error(dir, who, holder, err);
    close(f);
    return rc;
}

void datadir_lock_release(int fd)
{
    if (fd >= 0)
        close(fd);
}

int datadir_lock_holder(const char *dir, struct datadir_holder *holder,
                        struct tz_error *err)
{
    char path[PATH_MAX];
    memset(holder, 0, sizeof(*holder));
    int rc = lock_path(dir, path, err);
    if (rc != 0)
        return rc;
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0) {
        if (errno == ENOENT)
            return 0;
        return tz_err(err, TZ_EIO, path, 0, "cannot open: %s", strerror(errno));
    }
    rc = query(f, path, holder, err);
    /* Closing drops any lock this process holds on the file: see the header,
     * a holder does not ask about itself. */
    close(f);
    return rc;
}
