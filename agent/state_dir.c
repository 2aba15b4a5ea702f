/* state_dir — create and check the agent's state dir before the privilege
 * drop: a root-owned top with the key, a work/ dir for the run-as user. */
#include "state_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "privdrop.h"

int state_dir_run_as(const char *user, uid_t *uid, gid_t *gid,
                     struct tz_error *err)
{
    if (geteuid() != 0 || (user && strcmp(user, "root") == 0)) {
        *uid = geteuid();
        *gid = getegid();
        return 0;
    }
    if (user == NULL || user[0] == '\0')
        user = PRIVDROP_DEFAULT_USER;
    struct passwd pwbuf, *pw = NULL;
    char buf[16384];
    if (getpwnam_r(user, &pwbuf, buf, sizeof(buf), &pw) != 0 || pw == NULL)
        return tz_err(err, TZ_ENOENT, NULL, 0,
                      "no user \"%s\" to run as: create it (adduser --system "
                      "--group --no-create-home --home /nonexistent %s; the "
                      "taizhang-agent package does) or set user = in the config",
                      user, user);
    if (pw->pw_uid == 0)
        return tz_err(err, TZ_EINVAL, NULL, 0, "user \"%s\" has uid 0: say "
                      "user = root to keep root", user);
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return 0;
}

/* The top dir: ours and closed to everyone else's writes. A dir owned by
 * the run-as user is what tz-agent before 0.2 left (it handed the whole dir
 * over); root must not write there, so say how to move to this layout. */
static int check_top(int fd, const char *path, struct tz_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return tz_err(err, TZ_EIO, path, 0, "cannot stat: %s", strerror(errno));
    if (st.st_uid != geteuid())
        return tz_err(err, TZ_EPERM, path, 0,
                      "owned by uid %u, not uid %u: tz-agent keeps its key here "
                      "and will not write where another user can plant links. "
                      "If an older tz-agent handed it to its run-as user, move "
                      "it to the current layout: chown %u:%u %s %s/agent.key "
                      "%s/agent.pub; mkdir %s/work; mv %s/state %s/spool "
                      "%s/work/; chown -R USER: %s/work",
                      (unsigned)st.st_uid, (unsigned)geteuid(),
                      (unsigned)geteuid(), (unsigned)getegid(), path, path, path,
                      path, path, path, path, path);
    if (st.st_mode & 022)
        return tz_err(err, TZ_EPERM, path, 0, "writable by group or others "
                      "(mode %03o): chmod 700 it", (unsigned)(st.st_mode & 0777));
    return 0;
}

/* work/: made for the run-as user, or checked to be theirs. */
static int open_work(struct state_dir *sd, int topfd, struct tz_error *err)
{
    int created = mkdirat(topfd, STATE_DIR_WORK, 0700) == 0;
    if (!created && errno != EEXIST)
        return tz_err(err, TZ_EIO, sd->work_path, 0, "cannot create: %s",
                      strerror(errno));
    int fd = openat(topfd, STATE_DIR_WORK, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                    O_CLOEXEC);
    if (fd < 0)
        return tz_err(err, TZ_EPERM, sd->work_path, 0, "cannot open: %s",
                      errno == ELOOP || errno == ENOTDIR
                          ? "not a directory (a link or a file is in its place)"
                          : strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0) {
        rc = tz_err(err, TZ_EIO, sd->work_path, 0, "cannot stat: %s",
                    strerror(errno));
    } else if (st.st_uid == sd->work_uid) {
        /* The run-as user's already: its business from here on. */
    } else if (st.st_uid == geteuid()) {
        /* Ours (just made, or the run-as user changed from root): hand the
         * empty-of-trust directory itself over; what is inside is ours and
         * the run-as user replaces it as it writes. */
        if (fchown(fd, sd->work_uid, sd->work_gid) != 0)
            rc = tz_err(err, TZ_EPERM, sd->work_path, 0, "cannot hand to uid %u: "
                        "%s", (unsigned)sd->work_uid, strerror(errno));
    } else {
        rc = tz_err(err, TZ_EPERM, sd->work_path, 0, "owned by uid %u, not by "
                    "the run-as uid %u: remove it, or chown -R it if that user's "
                    "reports are to be kept", (unsigned)st.st_uid,
                    (unsigned)sd->work_uid);
    }
    if (rc != 0) {
        close(fd);
        return rc;
    }
    sd->workfd = fd;
    return 0;
}

int state_dir_open(const char *path, const char *user, struct state_dir *sd,
                   struct tz_error *err)
{
    memset(sd, 0, sizeof(*sd));
    sd->workfd = -1;
    if (snprintf(sd->path, sizeof(sd->path), "%s", path) >= (int)sizeof(sd->path))
        return tz_err(err, TZ_ELIMIT, path, 0, "path too long");
    snprintf(sd->work_path, sizeof(sd->work_path), "%s/" STATE_DIR_WORK, path);
    int rc = state_dir_run_as(user, &sd->work_uid, &sd->work_gid, err);
    if (rc != 0)
        return rc;
    if ((rc = tz_mkdirs(path, 0700, err)) != 0)
        return rc;
    int topfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (topfd < 0)
        return tz_err(err, TZ_EIO, path, 0, "cannot open: %s",
                      errno == ELOOP ? "it is a symbolic link" : strerror(errno));
    rc = check_top(topfd, path, err);
    if (rc == 0)
        rc = tz_keypair_loadat(topfd, path, "agent", 1, &sd->kp, err);
    if (rc == 0)
        rc = open_work(sd, topfd, err);
    close(topfd);
    if (rc != 0)
        state_dir_close(sd);
    return rc;
}

int state_dir_rekey(struct state_dir *sd, struct tz_error *err)
{
    int topfd = open(sd->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (topfd < 0)
        return tz_err(err, TZ_EIO, sd->path, 0, "cannot open: %s",
                      errno == ELOOP ? "it is a symbolic link" : strerror(errno));
    int rc = check_top(topfd, sd->path, err);
    struct tz_keypair kp;
    memset(&kp, 0, sizeof(kp));
    if (rc == 0)
        rc = tz_keypair_createat(topfd, sd->path, "agent", &kp, err);
    close(topfd);
    /* A new agent.key on disk is the key from now on, even if agent.pub
     * (a copy for operators) could not be written. */
    if (!sodium_is_zero(kp.pk, sizeof(kp.pk))) {
        tz_keypair_wipe(&sd->kp);
        sd->kp = kp;
        tz_keypair_wipe(&kp);
    }
    return rc;
}

void state_dir_close(struct state_dir *sd)
{
    tz_keypair_wipe(&sd->kp);
    if (sd->workfd >= 0)
        close(sd->workfd);
    sd->workfd = -1;
}
