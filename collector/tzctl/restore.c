/* restore — `tzctl restore FILE`: make a backup (tzctl backup) the data
 * dir's register again. Order is what makes it safe:
 *  1. take the data dir's lock (datadir_lock.h): refused while a collector
 *     runs there, naming its pid, and no collector can start meanwhile;
 *  2. open FILE read-only and verify it (register_verify): a file that is
 *     not a consistent register is refused before anything is touched;
 *  3. copy it to DATA/restore.tmp/data.mdb (0600, owned by the owner of
 *     the register it replaces, or of DATA: the collector's user), sync it,
 *     and give the copy a new register epoch (register_epoch_renew): every
 *     message agents sealed for the register before now names the old one
 *     and is refused STALE_EPOCH, so nothing recorded between the backup
 *     and now can be replayed into it, whatever its seq;
 *  4. move the current data.mdb aside as data.mdb.before-restore.<UTC time>
 *     (kept, never deleted: the operator decides), rename the copy in, and
 *     remove lock.mdb (its reader table describes the old file; LMDB makes
 *     a new one);
 *  5. sync the directory, release the lock.
 * The collector key is not touched: agents keep pinning it. Each agent's
 * next report is refused STALE_EPOCH once (it learns the new epoch from
 * that Ack and resends); agents that reported after the backup are then
 * answered NEED_FULL once and resend all. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "datadir_lock.h"
#include "keys.h"
#include "tzctl.h"

#define TMP_DIR "restore.tmp"

/* Copy src into a new dst (mode 0600, owned by owner) and sync it; *bytes
 * copied. */
static int copy_file(const char *src, const char *dst, const struct stat *owner,
                     uint64_t *bytes)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return tzctl_fail("%s: cannot open: %s", src, strerror(errno));
    unlink(dst);   /* an interrupted restore's; we hold the lock */
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        close(in);
        return tzctl_fail("%s: cannot create: %s", dst, strerror(errno));
    }
    /* Run as root, restore must not leave a register only root can open. */
    if ((owner->st_uid != geteuid() || owner->st_gid != getegid()) &&
        fchown(out, owner->st_uid, owner->st_gid) != 0) {
        int e = errno;
        close(in);
        close(out);
        unlink(dst);
        return tzctl_fail("%s: cannot give it to uid %ld, who owns the register: %s "
                          "(run restore as root or as that user): nothing was changed",
                          dst, (long)owner->st_uid, strerror(e));
    }
    static char buf[1 << 20];
    const char *failed = NULL;
    *bytes = 0;
    for (;;) {
        ssize_t r = read(in, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            failed = src;
            break;
        }
        if (r == 0)
            break;
        for (ssize_t off = 0; off < r;) {
            ssize_t w = write(out, buf + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                failed = dst;
                break;
            }
            off += w;
        }
        if (failed)
            break;
        *bytes += (uint64_t)r;
    }
    int e = errno;
    if (failed == NULL && fsync(out) != 0)
        failed = dst, e = errno;
    if (close(out) != 0 && failed == NULL)
        failed = dst, e = errno;
    close(in);
    if (failed) {
        unlink(dst);
        return tzctl_fail("%s: %s while copying the backup: nothing was changed",
                          failed, strerror(e));
    }
    return 0;
}

/* DATA/data.mdb.before-restore.<UTC time>, made unique with -2, -3, ...
 * (two restores in one second). */
static int move_aside(const char *data, const char *cur, char *aside, size_t len)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    for (int n = 1; n < 100; n++) {
        if (n == 1)
            snprintf(aside, len, "%s/data.mdb.before-restore.%s", data, stamp);
        else
            snprintf(aside, len, "%s/data.mdb.before-restore.%s-%d", data, stamp, n);
        if (renameat2(AT_FDCWD, cur, AT_FDCWD, aside, RENAME_NOREPLACE) == 0)
            return 0;
        if (errno != EEXIST)
            return errno;
    }
    return EEXIST;
}

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Steps 2: the backup must be a register, and a consistent one. */
static int check_backup(const char *file)
{
    struct tz_register *reg;
    struct tz_error err = {0};
    if (register_open(file, REGISTER_RDONLY | REGISTER_FILE, &reg, &err) != 0) {
        char buf[1024];
        return tzctl_fail("%s: nothing was changed", tz_error_str(&err, buf, sizeof(buf)));
    }
    uint64_t problems = 0;
    int rc = tzctl_verify_register(reg, file, OUT_TABLE, &problems);
    register_close(reg);
    if (rc == TZCTL_OK && problems) {
        fflush(stdout);
        rc = tzctl_fail("%s is not a consistent register (%" PRIu64 " problem%s): "
                        "nothing was changed", file, problems, problems == 1 ? "" : "s");
    }
    return rc;
}

/* The end of step 3: a new epoch in the copy in dir, through the register
 * (only the backend touches LMDB); the lock file that open made goes. */
static int renew_epoch(const char *dir)
{
    struct tz_register *reg;
    struct tz_error err = {0};
    char buf[1024], lock[4200];
    int rc = register_open(dir, 0, &reg, &err);
    if (rc == 0) {
        rc = register_epoch_renew(reg, NULL, &err);
        register_close(reg);
    }
    snprintf(lock, sizeof(lock), "%s/lock.mdb", dir);
    unlink(lock);
    if (rc != 0)
        return tzctl_fail("%s: cannot give the restored register a new epoch: %s: "
                          "nothing was changed", dir, tz_error_str(&err, buf, sizeof(buf)));
    return 0;
}

/* DATA/restore.tmp and what an interrupted restore left in it, gone. */
static void remove_tmp_dir(const char *dir)
{
    char p[4200];
    snprintf(p, sizeof(p), "%s/data.mdb", dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/lock.mdb", dir);
    unlink(p);
    rmdir(dir);
}

/* Steps 3 to 5, under the lock. */
static int install(const char *data, const char *file)
{
    char tdir[4096], tmp[4200], cur[4096], aside[4096] = "", lock[4096];
    snprintf(tdir, sizeof(tdir), "%s/" TMP_DIR, data);
    snprintf(tmp, sizeof(tmp), "%s/data.mdb", tdir);
    snprintf(cur, sizeof(cur), "%s/data.mdb", data);
    snprintf(lock, sizeof(lock), "%s/lock.mdb", data);
    /* The new register belongs to whoever owns the one it replaces (or,
     * on a new machine, the data dir): the collector's user. */
    struct stat st, owner;
    int have_cur = lstat(cur, &st) == 0;
    if (have_cur)
        owner = st;
    else if (stat(data, &owner) != 0)
        return tzctl_fail("%s: %s", data, strerror(errno));
    uint64_t bytes = 0;
    remove_tmp_dir(tdir);   /* an interrupted restore's; we hold the lock */
    if (mkdir(tdir, 0700) != 0)
        return tzctl_fail("%s: cannot create: %s: nothing was changed", tdir,
                          strerror(errno));
    int rc = copy_file(file, tmp, &owner, &bytes);
    if (rc == 0)
        rc = renew_epoch(tdir);
    if (rc != 0) {
        remove_tmp_dir(tdir);
        return rc;
    }
    if (have_cur) {
        int e = move_aside(data, cur, aside, sizeof(aside));
        if (e != 0) {
            remove_tmp_dir(tdir);
            return tzctl_fail("%s: cannot move it aside: %s: nothing was changed", cur,
                              strerror(e));
        }
    }
    if (rename(tmp, cur) != 0) {
        int e = errno;
        if (aside[0] && rename(aside, cur) == 0)
            return tzctl_fail("%s: cannot install the backup: %s: the register was "
                              "put back as it was", cur, strerror(e));
        return tzctl_fail("%s: cannot install the backup: %s (the old register is %s, "
                          "the copy %s)", cur, strerror(e), aside[0] ? aside : "absent",
                          tmp);
    }
    rmdir(tdir);
    if (unlink(lock) != 0 && errno != ENOENT)
        return tzctl_fail("%s: cannot remove the stale lock file: %s (remove it before "
                          "starting tz-collector)", lock, strerror(errno));
    if (sync_dir(data) != 0)
        return tzctl_fail("%s: restored, but the directory cannot be synced: %s", data,
                          strerror(errno));
    printf("restored %s into %s (%" PRIu64 " bytes)\n", file, cur, bytes);
    if (aside[0])
        printf("the register it replaced is kept as %s\n", aside);
    printf("the restored register has a new epoch: messages sealed before the restore "
           "are refused (stale_epoch)\n");
    printf("start tz-collector: agents that reported since the backup get NEED_FULL "
           "once and resend in full\n");
    return TZCTL_OK;
}

int tzctl_restore(const struct tzctl *c, int argc, char **argv)
{
    const char *pos, *opt, *file = NULL;
    int dd = 0;
    for (int i = 1; i < argc; i++) {
        if ((opt = tzctl_arg(argc, argv, &i, &dd, &pos)) != NULL)
            return tzctl_usage("restore: unknown option %s", opt);
        if (pos && file)
            return tzctl_usage("restore takes one backup file");
        if (pos)
            file = pos;
    }
    if (file == NULL)
        return tzctl_usage("restore: expected \"restore FILE\" (a tzctl backup)");
    if (c->format != OUT_TABLE)
        return tzctl_usage("restore prints text only (no --format)");

    struct tz_error err = {0};
    char buf[1024];
    if (tz_mkdirs(c->data, 0700, &err) != 0)
        return tzctl_fail_err(&err);
    int fd;
    struct datadir_holder holder;
    int r = datadir_lock_acquire(c->data, "tzctl restore", &fd, &holder, &err);
    if (r == TZ_EEXIST)
        return tzctl_fail("%s; stop it before restoring", tz_error_str(&err, buf,
                                                                      sizeof(buf)));
    if (r != 0)
        return tzctl_fail_err(&err);
    int rc = check_backup(file);
    if (rc == TZCTL_OK)
        rc = install(c->data, file);
    datadir_lock_release(fd);
    char key[4096];
    snprintf(key, sizeof(key), "%s/collector.key", c->data);
    if (rc == TZCTL_OK && access(key, F_OK) != 0) {
        fflush(stdout);
        fprintf(stderr, "tzctl: %s has no collector.key: put back the one saved "
                        "beside your backups before starting tz-collector, or it makes "
                        "a new key and every agent needs the new collector_key\n",
                c->data);
    }
    return rc;
}
