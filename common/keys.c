/* keys — keypair files and hex helpers. */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "rootfs.h"
#include "tz_log.h"

void tz_hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int tz_hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int tz_hex_decode(const char *hex, uint8_t *out, size_t n)
{
    while (*hex == ' ' || *hex == '\t' || *hex == '\n' || *hex == '\r')
        hex++;
    for (size_t i = 0; i < n; i++) {
        int hi = tz_hexval((unsigned char)hex[2 * i]);
        if (hi < 0)
            return TZ_EINVAL;
        int lo = tz_hexval((unsigned char)hex[2 * i + 1]);
        if (lo < 0)
            return TZ_EINVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    for (const char *p = hex + 2 * n; *p; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            return TZ_EINVAL;
    return 0;
}

void tz_key_fingerprint(const uint8_t pk[TZ_KEY_LEN], char out[TZ_KEY_FPR_LEN])
{
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, pk, TZ_KEY_LEN);
    memcpy(out, "SHA256:", 7);
    sodium_bin2base64(out + 7, TZ_KEY_FPR_LEN - 7, h, sizeof(h),
                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

int tz_mkdirs(const char *path, unsigned mode, struct tz_error *err)
{
    char buf[4096];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return tz_err(err, TZ_ELIMIT, path, 0, "path too long");
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, mode) != 0 && errno != EEXIST)
                return tz_err(err, TZ_EIO, buf, 0, "cannot create directory: %s",
                              strerror(errno));
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return 0;
}

/* Create name's temp file in dirfd. O_EXCL|O_NOFOLLOW: never through a link
 * or into a file someone else made. A leftover of our own (a crash with the
 * same pid) is a regular file we own; anything else is refused, loudly. */
static int create_tmp(int dirfd, const char *shown, const char *tmp,
                      unsigned mode, struct tz_error *err)
{
    for (int tries = 0; tries < 2; tries++) {
        int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                        O_CLOEXEC, mode);
        if (fd >= 0)
            return fd;
        if (errno != EEXIST)
            return tz_err(err, TZ_EIO, shown, 0, "cannot create %s: %s", tmp,
                          strerror(errno));
        struct stat st;
        if (fstatat(dirfd, tmp, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;                   /* gone meanwhile: try again */
        if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
            tz_log(TZ_LOG_ERROR, "%s/%s: refusing to write through it: it is %s "
                   "owned by uid %u, not a file of ours (planted?)", shown, tmp,
                   S_ISLNK(st.st_mode) ? "a symbolic link" : "an entry",
                   (unsigned)st.st_uid);
            return tz_err(err, TZ_EPERM, shown, 0, "%s is %s owned by uid %u: "
                          "refusing to write through it", tmp,
                          S_ISLNK(st.st_mode) ? "a symbolic link" : "not a file",
                          (unsigned)st.st_uid);
        }
        if (unlinkat(dirfd, tmp, 0) != 0 && errno != ENOENT)
            return tz_err(err, TZ_EIO, shown, 0, "cannot remove stale %s: %s",
                          tmp, strerror(errno));
    }
    return tz_err(err, TZ_EIO, shown, 0, "cannot create %s: it keeps "
                  "reappearing", tmp);
}

int tz_write_file_atomicat(int dirfd, const char *shown, const char *name,
                           const void *data, size_t len, unsigned mode,
                           struct tz_error *err)
{
    char tmp[512];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", name, (long)getpid()) >=
        (int)sizeof(tmp))
        return tz_err(err, TZ_ELIMIT, shown, 0, "file name too long");
    int fd = create_tmp(dirfd, shown, tmp, mode, err);
    if (fd < 0)
        return fd;
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlinkat(dirfd, tmp, 0);
            return tz_err(err, TZ_EIO, shown, 0, "write of %s failed: %s", tmp,
                          strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    /* The rename is only durable once the data it points at is, and the
     * rename itself once the directory is. */
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlinkat(dirfd, tmp, 0);
        return tz_err(err, TZ_EIO, shown, 0, "fsync of %s failed: %s", tmp,
                      strerror(errno));
    }
    if (renameat(dirfd, tmp, dirfd, name) != 0) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        return tz_err(err, TZ_EIO, shown, 0, "rename to %s failed: %s", name,
                      strerror(e));
    }
    if (dirfd != AT_FDCWD)
        (void)fsync(dirfd);
    return 0;
}

/* dir part of path opened as a directory; *base points into path. */
static int open_parent(const char *path, const char **base, struct tz_error *err)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        *base = path;
        int fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd >= 0 ? fd : tz_err(err, TZ_EIO, path, 0, "cannot open the "
                                     "current directory: %s", strerror(errno));
    }
    char dir[4096];
    size_t n = (size_t)(slash - path);
    if (n >= sizeof(dir))
        return tz_err(err, TZ_ELIMIT, path, 0, "path too long");
    memcpy(dir, path, n);
    dir[n] = '\0';
    if (n == 0)
        snprintf(dir, sizeof(dir), "/");     /* "/name" */
    *base = slash + 1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd >= 0 ? fd : tz_err(err, TZ_EIO, dir, 0, "cannot open: %s",
                                 strerror(errno));
}

int tz_write_file_atomic(const char *path, const void *data, size_t len,
                         unsigned mode, struct tz_error *err)
{
    const char *base;
    int dirfd = open_parent(path, &base, err);
    if (dirfd < 0)
        return dirfd;
    int rc = tz_write_file_atomicat(dirfd, path, base, data, len, mode, err);
    close(dirfd);
    return rc;
}

void tz_keypair_wipe(struct tz_keypair *kp)
{
    sodium_memzero(kp->sk, sizeof(kp->sk));
}

/* Root may read a file of the user its directory belongs to: `sudo tzctl
 * user add` hashes a login token with the key of a collector that runs as
 * _tzcollector. Nothing else is relaxed: the directory's owner made it. */
static int root_reads_owners(int dirfd, const struct stat *file)
{
    struct stat dir;
    return geteuid() == 0 && fstat(dirfd, &dir) == 0 &&
           dir.st_uid == file->st_uid;
}

/* Read at most max-1 bytes of dirfd/name, which must be a regular file
 * owned by us (or, for root, by the directory's owner) and, when private is set, closed to group and others. */
static int read_own_file(int dirfd, const char *shown, const char *name,
                         int private, char *buf, size_t max, struct tz_error *err)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT
                   ? TZ_ENOENT
                   : tz_err(err, errno == ELOOP ? TZ_EPERM : TZ_EIO, shown, 0,
                            "cannot open %s: %s", name,
                            errno == ELOOP ? "it is a symbolic link" : strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0)
        rc = tz_err(err, TZ_EIO, shown, 0, "cannot stat %s: %s", name, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = tz_err(err, TZ_EPERM, shown, 0, "%s is not a regular file", name);
    else if (st.st_uid != geteuid() && !root_reads_owners(dirfd, &st))
        rc = tz_err(err, TZ_EPERM, shown, 0, "%s is owned by uid %u, not by "
                    "uid %u that uses it", name, (unsigned)st.st_uid,
                    (unsigned)geteuid());
    else if (private && (st.st_mode & 077))
        rc = tz_err(err, TZ_EPERM, shown, 0, "secret key %s is readable by "
                    "others (chmod 600 it)", name);
    size_t got = 0;
    while (rc == 0 && got < max - 1) {
        ssize_t r = read(fd, buf + got, max - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = tz_err(err, TZ_EIO, shown, 0, "cannot read %s: %s", name,
                        strerror(errno));
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    return rc;
}

int tz_keypair_loadat(int dirfd, const char *shown, const char *name,
                      int create, struct tz_keypair *kp, struct tz_error *err)
{
    char keyname[256], pubname[256];
    if (sodium_init() < 0)
        return tz_err(err, TZ_ECRYPTO, NULL, 0, "libsodium failed to initialise");
    if (snprintf(keyname, sizeof(keyname), "%s.key", name) >= (int)sizeof(keyname) ||
        snprintf(pubname, sizeof(pubname), "%s.pub", name) >= (int)sizeof(pubname))
        return tz_err(err, TZ_ELIMIT, shown, 0, "key name too long");

    char text[256];
    int rc = read_own_file(dirfd, shown, keyname, 1, text, sizeof(text), err);
    if (rc == 0) {
        rc = tz_hex_decode(text, kp->sk, sizeof(kp->sk));
        sodium_memzero(text, sizeof(text));
        if (rc != 0)
            return tz_err(err, TZ_EPARSE, shown, 1, "%s is not a key (expected "
                          "64 hex digits)", keyname);
        crypto_scalarmult_base(kp->pk, kp->sk);
        return 0;
    }
    if (rc != TZ_ENOENT)
        return rc;
    if (!create)
        return tz_err(err, TZ_ENOENT, shown, 0, "no key %s", keyname);
    return tz_keypair_createat(dirfd, shown, name, kp, err);
}

int tz_keypair_createat(int dirfd, const char *shown, const char *name,
                        struct tz_keypair *kp, struct tz_error *err)
{
    char keyname[256], pubname[256];
    if (sodium_init() < 0)
        return tz_err(err, TZ_ECRYPTO, NULL, 0, "libsodium failed to initialise");
    if (snprintf(keyname, sizeof(keyname), "%s.key", name) >= (int)sizeof(keyname) ||
        snprintf(pubname, sizeof(pubname), "%s.pub", name) >= (int)sizeof(pubname))
        return tz_err(err, TZ_ELIMIT, shown, 0, "key name too long");
    struct tz_keypair nw;
    crypto_box_keypair(nw.pk, nw.sk);
    char hex[TZ_KEY_HEX + 1];
    tz_hex_encode(nw.sk, sizeof(nw.sk), hex);
    hex[TZ_KEY_HEX - 1] = '\n';
    int rc = tz_write_file_atomicat(dirfd, shown, keyname, hex, TZ_KEY_HEX, 0600, err);
    sodium_memzero(hex, sizeof(hex));
    if (rc != 0) {
        tz_keypair_wipe(&nw);
        return rc;
    }
    /* The secret key is on disk from here: it is the key, even if the .pub
     * (only a copy for operators) fails. */
    *kp = nw;
    tz_keypair_wipe(&nw);
    tz_hex_encode(kp->pk, sizeof(kp->pk), hex);
    hex[TZ_KEY_HEX - 1] = '\n';
    return tz_write_file_atomicat(dirfd, shown, pubname, hex, TZ_KEY_HEX, 0644, err);
}

int tz_keypair_load(const char *dir, const char *name, int create,
                    struct tz_keypair *kp, struct tz_error *err)
{
    if (create) {
        int rc = tz_mkdirs(dir, 0700, err);
        if (rc != 0)
            return rc;
    }
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return tz_err(err, errno == ENOENT ? TZ_ENOENT : TZ_EIO, dir, 0,
                      "cannot open: %s", strerror(errno));
    int rc = tz_keypair_loadat(dirfd, dir, name, create, kp, err);
    close(dirfd);
    return rc;
}
