/* rootfs — bounded reads of a host's files, live or below --root. */
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <lz4frame.h>
#include <zlib.h>
#include <stdlib.h>
#include <string.h>

int tz_root_is_live(const char *root)
{
    return root == NULL || root[0] == '\0' || strcmp(root, "/") == 0;
}

int tz_path(const char *root, const char *path, char *out, size_t outlen)
{
    int n;
    if (tz_root_is_live(root))
        n = snprintf(out, outlen, "%s", path);
    else {
        size_t rl = strlen(root);
        while (rl > 1 && root[rl - 1] == '/')
            rl--;
        n = snprintf(out, outlen, "%.*s%s%s", (int)rl, root,
                     path[0] == '/' ? "" : "/", path);
    }
    if (n < 0 || (size_t)n >= outlen)
        return TZ_ELIMIT;
    return 0;
}

int tz_read_file(const char *path, size_t max, char **out, size_t *len,
                 struct tz_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return tz_err(err, errno == ENOENT ? TZ_ENOENT : TZ_EIO, path, 0,
                      "cannot open: %s", strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        fclose(f);
        return tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
    }
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > max + 1) {
                free(buf);
                fclose(f);
                return tz_err(err, TZ_ELIMIT, path, 0,
                              "file larger than %zu bytes", max);
            }
            size_t ncap = cap * 2;
            char *nb = realloc(buf, ncap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
            }
            buf = nb;
            cap = ncap;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (n > max) {
            free(buf);
            fclose(f);
            return tz_err(err, TZ_ELIMIT, path, 0, "file larger than %zu bytes",
                          max);
        }
        if (r == 0) {
            if (ferror(f)) {
                free(buf);
                fclose(f);
                return tz_err(err, TZ_EIO, path, 0, "read failed");
            }
            break;
        }
    }
    fclose(f);
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return 0;
}

char *tz_trim(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
                     s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

int tz_read_line1(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return TZ_ENOENT;
    char tmp[4096];
    if (fgets(tmp, sizeof(tmp), f) == NULL) {
        int bad = ferror(f);
        fclose(f);
        buf[0] = '\0';
        return bad ? TZ_ENOENT : 0;
    }
    fclose(f);
    snprintf(buf, len, "%s", tz_trim(tmp));
    return 0;
}

char *tz_strdup(const char *s)
{
    return strdup(s ? s : "");
}

#define LINES_BLOCK 65536

int tz_lines_open(struct tz_lines *lr, const char *path, size_t max_line,
                  struct tz_error *err)
{
    memset(lr, 0, sizeof(*lr));
    snprintf(lr->path, sizeof(lr->path), "%s", path);
    lr->max = max_line;
    lr->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (lr->fd < 0)
        return tz_err(err, errno == ENOENT ? TZ_ENOENT : TZ_EIO, path, 0,
                      "cannot open: %s", strerror(errno));
    lr->rbuf = malloc(LINES_BLOCK);
    if (lr->rbuf == NULL) {
        close(lr->fd);
        lr->fd = -1;
        return tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
    }
    size_t pl = strlen(path);
    if (pl > 3 && strcmp(path + pl - 3, ".gz") == 0) {
        int fd2 = dup(lr->fd);
        gzFile gz = fd2 >= 0 ? gzdopen(fd2, "rb") : NULL;
        if (gz == NULL) {
            if (fd2 >= 0)
                close(fd2);
            tz_lines_close(lr);
            return tz_err(err, TZ_ENOMEM, path, 0, "cannot start gzip reader");
        }
        gzbuffer(gz, LINES_BLOCK);
        lr->codec = 1;
        lr->z = gz;
    } else if (pl > 4 && strcmp(path + pl - 4, ".lz4") == 0) {
        LZ4F_dctx *dctx = NULL;
        lr->zin = malloc(LINES_BLOCK);
        if (lr->zin == NULL ||
            LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) {
            tz_lines_close(lr);
            return tz_err(err, TZ_ENOMEM, path, 0, "cannot start lz4 reader");
        }
        lr->codec = 2;
        lr->z = dctx;
    }
    return 0;
}

/* Next block of (decompressed) bytes into rbuf: >0 bytes, 0 at the end,
 * <0 a TZ_E* code. */
static ssize_t fill(struct tz_lines *lr, struct tz_error *err)
{
    ssize_t n;
    if (lr->codec == 0) {
        do
            n = read(lr->fd, lr->rbuf, LINES_BLOCK);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            return tz_err(err, TZ_EIO, lr->path, lr->lineno + 1, "read failed: %s",
                          strerror(errno));
        return n;
    }
    if (lr->codec == 1) {
        int r = gzread(lr->z, lr->rbuf, LINES_BLOCK);
        if (r < 0) {
            int zerr;
            const char *m = gzerror(lr->z, &zerr);
            return tz_err(err, TZ_EPARSE, lr->path, 0, "corrupt gzip data: %s", m);
        }
        n = r;
    } else {
        /* lz4 frames: feed compressed input until some output appears. */
        n = 0;
        while (n == 0) {
            if (lr->zin_pos == lr->zin_len) {
                ssize_t r;
                do
                    r = read(lr->fd, lr->zin, LINES_BLOCK);
                while (r < 0 && errno == EINTR);
                if (r < 0)
                    return tz_err(err, TZ_EIO, lr->path, 0, "read failed: %s",
                                  strerror(errno));
                if (r == 0)
                    return 0;
                lr->zin_pos = 0;
                lr->zin_len = (size_t)r;
            }
            size_t out = LINES_BLOCK, in = lr->zin_len - lr->zin_pos;
            size_t hint = LZ4F_decompress(lr->z, lr->rbuf, &out, lr->zin + lr->zin_pos,
                                          &in, NULL);
            if (LZ4F_isError(hint))
                return tz_err(err, TZ_EPARSE, lr->path, 0, "corrupt lz4 data: %s",
                              LZ4F_getErrorName(hint));
            lr->zin_pos += in;
            n = (ssize_t)out;
        }
    }
    lr->inflated += (unsigned long long)n;
    if (lr->inflated > TZ_LINES_MAX_INFLATED)
        return tz_err(err, TZ_ELIMIT, lr->path, 0,
                      "decompresses to more than %llu bytes", TZ_LINES_MAX_INFLATED);
    return n;
}

/* Append n bytes to the line, refusing to grow past the bound. */
static int line_append(struct tz_lines *lr, size_t *n, const char *src,
                       size_t len, struct tz_error *err)
{
    if (*n + len > lr->max)
        return tz_err(err, TZ_ELIMIT, lr->path, lr->lineno + 1,
                      "line longer than %zu bytes", lr->max);
    if (*n + len + 1 > lr->cap) {
        size_t ncap = lr->cap ? lr->cap : 256;
        while (ncap < *n + len + 1)
            ncap *= 2;
        if (ncap > lr->max + 1)
            ncap = lr->max + 1;
        char *nb = realloc(lr->buf, ncap);
        if (nb == NULL)
            return tz_err(err, TZ_ENOMEM, lr->path, lr->lineno + 1,
                          "out of memory");
        lr->buf = nb;
        lr->cap = ncap;
    }
    memcpy(lr->buf + *n, src, len);
    *n += len;
    return 0;
}

int tz_lines_next(struct tz_lines *lr, char **line, size_t *len,
                  struct tz_error *err)
{
    size_t n = 0;
    int got = 0, rc;
    lr->eof_newline = 0;
    for (;;) {
        if (lr->rpos == lr->rlen) {
            if (lr->eof)
                break;
            ssize_t r = fill(lr, err);
            if (r < 0)
                return (int)r;
            if (r == 0) {
                lr->eof = 1;
                break;
            }
            lr->rpos = 0;
            lr->rlen = (size_t)r;
        }
        got = 1;
        const char *start = lr->rbuf + lr->rpos;
        size_t avail = lr->rlen - lr->rpos;
        const char *nl = memchr(start, '\n', avail);
        size_t take = nl ? (size_t)(nl - start) : avail;
        if ((rc = line_append(lr, &n, start, take, err)) != 0)
            return rc;
        lr->rpos += take;
        if (nl) {
            lr->rpos++;
            lr->eof_newline = 1;
            break;
        }
    }
    if (!got && n == 0)
        return 0;
    if ((rc = line_append(lr, &n, "", 0, err)) != 0)   /* ensure a buffer */
        return rc;
    /* Text files hold no NUL: one would silently cut every C string made
     * from this line ("Package: a", NUL, "b" read as "a"). */
    if (memchr(lr->buf, '\0', n) != NULL)
        return tz_err(err, TZ_EPARSE, lr->path, lr->lineno + 1,
                      "line contains a NUL byte");
    lr->buf[n] = '\0';
    lr->lineno++;
    *line = lr->buf;
    if (len)
        *len = n;
    return 1;
}

void tz_lines_close(struct tz_lines *lr)
{
    if (lr->codec == 1 && lr->z)
        gzclose(lr->z);
    if (lr->codec == 2 && lr->z)
        LZ4F_freeDecompressionContext(lr->z);
    free(lr->zin);
    lr->z = NULL;
    lr->zin = NULL;
    lr->codec = 0;
    if (lr->fd >= 0)
        close(lr->fd);
    free(lr->buf);
    free(lr->rbuf);
    lr->fd = -1;
    lr->buf = NULL;
    lr->rbuf = NULL;
}
