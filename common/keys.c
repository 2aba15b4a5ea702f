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

void tz_hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(int c)
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
        int hi = hexval((unsigned char)hex[2 * i]);
        if (hi < 0)
            return TZ_EINVAL;
        int lo = hexval((unsigned char)hex[2 * i + 1]);
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

int tz_write_file_atomic(const char *path, const void *data, size_t len,
                         unsigned mode, struct tz_error *err)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
        (int)sizeof(tmp))
        return tz_err(err, TZ_ELIMIT, path, 0, "path too long");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return tz_err(err, TZ_EIO, tmp, 0, "cannot create: %s", strerror(errno));
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return tz_err(err, TZ_EIO, tmp, 0, "write failed: %s", strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    /* The rename is only durable once the data it points at is. */
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlink(tmp);
        return tz_err(err, TZ_EIO, tmp, 0, "fsync failed: %s", strerror(errno));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return tz_err(err, TZ_EIO, path, 0, "rename failed: %s", strerror(e));
    }
    return 0;
}

void tz_keypair_wipe(struct tz_keypair *kp)
{
    sodium_memzero(kp->sk, sizeof(kp->sk));
}

int tz_keypair_load(const char *dir, const char *name, int create,
                    struct tz_keypair *kp, struct tz_error *err)
{
    char keypath[4096], pubpath[4096];
    if (sodium_init() < 0)
        return tz_err(err, TZ_ECRYPTO, NULL, 0, "libsodium failed to initialise");
    if (snprintf(keypath, sizeof(keypath), "%s/%s.key", dir, name) >=
            (int)sizeof(keypath) ||
        snprintf(pubpath, sizeof(pubpath), "%s/%s.pub", dir, name) >=
            (int)sizeof(pubpath))
        return tz_err(err, TZ_ELIMIT, dir, 0, "path too long");

    struct stat st;
    if (stat(keypath, &st) == 0) {
        if (st.st_mode & 077)
            return tz_err(err, TZ_EPERM, keypath, 0,
                          "secret key is readable by others (chmod 600 it)");
        char *text = NULL;
        int rc = tz_read_file(keypath, 256, &text, NULL, err);
        if (rc != 0)
            return rc;
        rc = tz_hex_decode(text, kp->sk, sizeof(kp->sk));
        sodium_memzero(text, strlen(text));
        free(text);
        if (rc != 0)
            return tz_err(err, TZ_EPARSE, keypath, 1,
                          "not a key (expected 64 hex digits)");
        crypto_scalarmult_base(kp->pk, kp->sk);
        return 0;
    }
    if (errno != ENOENT)
        return tz_err(err, TZ_EIO, keypath, 0, "cannot stat: %s", strerror(errno));
    if (!create)
        return tz_err(err, TZ_ENOENT, keypath, 0, "no key");

    int rc = tz_mkdirs(dir, 0700, err);
    if (rc != 0)
        return rc;
    crypto_box_keypair(kp->pk, kp->sk);
    char hex[TZ_KEY_HEX + 1];
    tz_hex_encode(kp->sk, sizeof(kp->sk), hex);
    hex[TZ_KEY_HEX - 1] = '\n';
    rc = tz_write_file_atomic(keypath, hex, TZ_KEY_HEX, 0600, err);
    sodium_memzero(hex, sizeof(hex));
    if (rc != 0)
        return rc;
    tz_hex_encode(kp->pk, sizeof(kp->pk), hex);
    hex[TZ_KEY_HEX - 1] = '\n';
    return tz_write_file_atomic(pubpath, hex, TZ_KEY_HEX, 0644, err);
}
