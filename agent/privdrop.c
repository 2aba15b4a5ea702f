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
