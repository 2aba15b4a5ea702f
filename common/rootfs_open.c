/* rootfs_open — opening a path below --root as a chroot would resolve it.
 *
 * An image's symlinks are the image's: an absolute link starts again at the
 * root and ".." stops there (security finding 7). openat2(RESOLVE_IN_ROOT)
 * does this in the kernel; before Linux 5.6 tz_root_walk does it here. */
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's own bound on links followed in one lookup. */
#define WALK_MAX_LINKS 40

static int force_walk;     /* tests only */
static int no_openat2;     /* set once the kernel said ENOSYS */
static tz_open_gate_fn gate_fn;
static void *gate_arg;
static int gate_refused;   /* the last raw_open failed at the gate */

void tz_open_gate(tz_open_gate_fn gate, void *arg)
{
    gate_fn = gate;
    gate_arg = arg;
}

int tz_open_gate_refused(void)
{
    return gate_refused;
}

/* 1 when the gate (if any) lets this open through; else errno is EACCES. */
int tz_open_gate_allows(const char *root, const char *path, int flags)
{
    gate_refused = gate_fn != NULL && !gate_fn(root, path, flags, gate_arg);
    if (gate_refused)
        errno = EACCES;
    return !gate_refused;
}

void tz_root_force_walk(int on)
{
    force_walk = on;
}

/* Next component of *p (skipping slashes) into name; 0 when none is left. */
static int next_name(const char **p, char *name)
{
    const char *s = *p;
    while (*s == '/')
        s++;
    size_t n = strcspn(s, "/");
    if (n == 0)
        return 0;
    if (n > NAME_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(name, s, n);
    name[n] = '\0';
    *p = s + n;
    return 1;
}

/* rest = link + "/" + rest, in place (rest is PATH_MAX * 2 long). */
static int splice_link(char *rest, const char *tail, const char *link)
{
    size_t ll = strlen(link), tl = strlen(tail);
    if (ll + 1 + tl + 1 > 2 * PATH_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memmove(rest + ll + 1, tail, tl + 1);
    memcpy(rest, link, ll);
    rest[ll] = '/';
    return 0;
}

/* Each directory reached is a real one below rootfd: links are replaced by
 * their target before they are entered, so ".." of cur is where the walk
 * came from, and at depth 0 ".." stays put. (A directory renamed during the
 * walk could still move it; the kernel's RESOLVE_IN_ROOT checks for that,
 * this fallback for old kernels does not.) */
int tz_root_walk(int rootfd, const char *path, int flags)
{
    static __thread char rest[2 * PATH_MAX];
    char name[NAME_MAX + 1], link[PATH_MAX];
    size_t plen = strlen(path);
    if (plen >= sizeof(rest)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(rest, path, plen + 1);
    int cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    long depth = 0;
    int links = 0, fd = -1;
    const char *p = rest;
    while (cur >= 0) {
        int got = next_name(&p, name);
        if (got < 0)
            break;
        if (got == 0) {               /* "/", or a path ending in "." or ".." */
            fd = openat(cur, ".", flags | O_CLOEXEC);
            break;
        }
        int last = p[strspn(p, "/")] == '\0';
        if (strcmp(name, ".") == 0)
            continue;
        if (strcmp(name, "..") == 0) {
            if (depth == 0)
                continue;
            int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
            close(cur);
            cur = up;
            depth--;
            continue;
        }
        int next = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0)
            break;
        struct stat st;
        int is_link = fstat(next, &st) == 0 && S_ISLNK(st.st_mode);
        if (is_link && !(last && (flags & O_NOFOLLOW))) {
            ssize_t n = readlinkat(next, "", link, sizeof(link) - 1);
            close(next);
            if (n < 0)
                break;
            if (++links > WALK_MAX_LINKS) {
                errno = ELOOP;
                break;
            }
            link[n] = '\0';
            if (splice_link(rest, p, link) != 0)
                break;
            p = rest;
            if (link[0] == '/') {     /* absolute: from the root again */
                close(cur);
                cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                depth = 0;
            }
            continue;
        }
        if (last) {
            close(next);
            /* O_NOFOLLOW: a link swapped in since the check is refused. */
            fd = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC);
            break;
        }
        close(cur);
        cur = next;
        depth++;
    }
    int e = errno;
    if (cur >= 0)
        close(cur);
    errno = e;
    return fd;
}

static int open_in(int rootfd, const char *path, int flags)
{
    if (!force_walk && !no_openat2) {
        struct open_how how;
        memset(&how, 0, sizeof(how));
        how.flags = (uint64_t)(unsigned)(flags | O_CLOEXEC);
        how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
        for (int tries = 0; tries < 8; tries++) {
            long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
            if (fd >= 0)
                return (int)fd;
            if (errno == ENOSYS) {
                no_openat2 = 1;   /* before Linux 5.6 */
                break;
            }
            if (errno != EAGAIN)  /* EAGAIN: a rename raced the lookup */
                return -1;
        }
        if (!no_openat2)
            return -1;
    }
    return tz_root_walk(rootfd, path, flags);
}

/* fd below root (live: open(2)), or -1 with errno set. */
static int raw_open(const char *root, const char *path, int flags)
{
    if (!tz_open_gate_allows(root, path, flags))
        return -1;
    if (tz_root_is_live(root))
        return open(path, flags | O_CLOEXEC);
    /* The root is opened each time: one more open per file, no cached fd
     * that outlives a remount of the image, and no state kept between calls
     * (the fuzz targets run collectors on a temp root over and over). */
    int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return -1;
    while (*path == '/')
        path++;
    int fd = open_in(rootfd, *path ? path : ".", flags);
    int e = errno;
    close(rootfd);
    errno = e;
    return fd;
}

int tz_root_open(const char *root, const char *path, int flags,
                 struct tz_error *err)
{
    int fd = raw_open(root, path, flags);
    if (fd >= 0)
        return fd;
    int e = errno;
    char full[4096];
    if (tz_path(root, path, full, sizeof(full)) != 0)
        snprintf(full, sizeof(full), "%s", path);
    int code = e == ENOENT || e == ENOTDIR ? TZ_ENOENT
               : e == EACCES || e == EPERM ? TZ_EPERM : TZ_EIO;
    if (gate_refused)
        tz_err(err, code, full, 0, "not opened: not on this process's "
               "allow-list of files");
    else
        tz_err(err, code, full, 0, "cannot open: %s", strerror(e));
    errno = e;
    return code;
}

DIR *tz_root_opendir(const char *root, const char *path)
{
    int fd = raw_open(root, path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return NULL;
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return d;
}

int tz_root_stat(const char *root, const char *path, struct stat *st,
                 int nofollow)
{
    if (tz_root_is_live(root)) {
        if (!tz_open_gate_allows(root, path, O_PATH))
            return -1;
        return nofollow ? lstat(path, st) : stat(path, st);
    }
    int fd = raw_open(root, path, O_PATH | (nofollow ? O_NOFOLLOW : 0));
    if (fd < 0)
        return -1;
    int rc = fstat(fd, st);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}
