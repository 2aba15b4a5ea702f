/* privdrop — setgroups, setresgid, setresuid, and proof it cannot be undone. */
#include "privdrop.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int privdrop(const char *user, struct tz_error *err)
{
    if (geteuid() != 0)
        return tz_err(err, TZ_OK, NULL, 0,
                      "not running as root: privileges unchanged");
    if (user == NULL || user[0] == '\0')
        user = PRIVDROP_DEFAULT_USER;
    struct passwd pwbuf, *pw = NULL;
    char buf[16384];
    int e = getpwnam_r(user, &pwbuf, buf, sizeof(buf), &pw);
    if (e != 0 || pw == NULL)
        return tz_err(err, TZ_ENOENT, NULL, 0,
                      "cannot drop privileges: no user \"%s\"", user);
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (uid == 0)
        return tz_err(err, TZ_EINVAL, NULL, 0,
                      "cannot drop privileges to \"%s\": it has uid 0", user);
    /* order matters: groups and gid need root, so they go before the uid */
    if (setgroups(1, &gid) != 0)
        return tz_err(err, TZ_EPERM, NULL, 0, "setgroups: %s", strerror(errno));
    if (setresgid(gid, gid, gid) != 0)
        return tz_err(err, TZ_EPERM, NULL, 0, "setresgid: %s", strerror(errno));
    if (setresuid(uid, uid, uid) != 0)
        return tz_err(err, TZ_EPERM, NULL, 0, "setresuid: %s", strerror(errno));
    /* no setuid binary may hand root back either */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return tz_err(err, TZ_EPERM, NULL, 0, "no_new_privs: %s",
                      strerror(errno));

    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    gid_t groups[2];
    int ng = getgroups(2, groups);
    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
        ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
        sg != gid || ng != 1 || groups[0] != gid)
        return tz_err(err, TZ_EPERM, NULL, 0,
                      "privileges not fully dropped to \"%s\"", user);
    if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
        return tz_err(err, TZ_EPERM, NULL, 0,
                      "root could be regained after dropping to \"%s\"", user);
    return 0;
}

/* lchown dir/name, and when it is a directory and depth allows, its entries. */
static int give(int dirfd, const char *name, const char *shown, uid_t uid, gid_t gid,
                int depth, struct tz_error *err)
{
    if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
        return tz_err(err, TZ_EIO, shown, 0, "cannot hand to the agent user: %s",
                      strerror(errno));
    if (depth == 0)
        return 0;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;   /* a file, not a directory */
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return tz_err(err, TZ_EIO, shown, 0, "cannot list: %s", strerror(errno));
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        rc = give(fd, de->d_name, shown, uid, gid, depth - 1, err);
    }
    closedir(d);
    return rc;
}

int privdrop_give(const char *dir, const char *user, struct tz_error *err)
{
    if (geteuid() != 0)
        return 0;
    if (user == NULL || user[0] == '\0')
        user = PRIVDROP_DEFAULT_USER;
    struct passwd pwbuf, *pw = NULL;
    char buf[16384];
    if (getpwnam_r(user, &pwbuf, buf, sizeof(buf), &pw) != 0 || pw == NULL)
        return tz_err(err, TZ_ENOENT, NULL, 0, "no user \"%s\" to run as", user);
    return give(AT_FDCWD, dir, dir, pw->pw_uid, pw->pw_gid, 2, err);
}
