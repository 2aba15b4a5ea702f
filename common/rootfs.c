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

#include "grow.h"

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

/* fd to its end into *buf, with room kept for a NUL. Read to the bound
 * plus one byte, whatever fstat says: it may be a pipe, or a file that
 * grows while it is read. */
static int read_bounded(int fd, const char *path, size_t max, char **buf,
                        size_t *n, struct tz_error *err)
{
    size_t cap = 0;
    for (;;) {
        if (*n > max)
            return tz_err(err, TZ_ELIMIT, path, 0, "the file is larger than "
                          "the limit of %zu bytes", max);
        if (tz_grow((void **)buf, &cap, *n + 1, 1) != 0)
            return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
        ssize_t got = read(fd, *buf + *n, cap - *n - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return tz_err(err, TZ_EIO, path, 0, "cannot read: %s",
                          strerror(errno));
        if (got == 0)
            return 0;
        *n += (size_t)got;
    }
}

int tz_read_file(const char *path, size_t max, char **out, size_t *len,
                 struct tz_error *err)
{
    *out = NULL;
    if (len)
        *len = 0;
    int fd = tz_open_gate_allows(NULL, path, O_RDONLY)
                 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0)
        return tz_err(err, errno == ENOENT ? TZ_ENOENT : TZ_EIO, path, 0,
                      "cannot open: %s", strerror(errno));
    char *buf = NULL;
    size_t n = 0;
    int rc = read_bounded(fd, path, max, &buf, &n, err);
    close(fd);
    if (rc != 0) {
        free(buf);
        return rc;
    }
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
    return tz_read_line1_in(NULL, path, buf, len);
}

int tz_read_line1_in(const char *root, const char *path, char *buf,
                     size_t len)
{
    int fd = tz_root_open(root, path, O_RDONLY, NULL);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (f == NULL) {
        if (fd >= 0)
            close(fd);
        return TZ_ENOENT;
    }
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

/* The file and, for .gz and .lz4, its decompressor: what tz_lines and
 * tz_chunks share. On failure the caller closes lr (tz_lines_close). */
static int codec_open(struct tz_lines *lr, const char *root, const char *path,
                      size_t max_line, struct tz_error *err)
{
    char full[4096];
    memset(lr, 0, sizeof(*lr));
    if (tz_path(root, path, full, sizeof(full)) != 0)
        snprintf(full, sizeof(full), "%s", path);
    snprintf(lr->path, sizeof(lr->path), "%.*s", (int)sizeof(lr->path) - 1, full);
    lr->max = max_line;
    lr->fd = tz_root_open(root, path, O_RDONLY, NULL);
    if (lr->fd < 0) {
        int e = errno;
        lr->fd = -1;
        return tz_err(err, e == ENOENT ? TZ_ENOENT : TZ_EIO, full, 0,
                      "cannot open: %s", strerror(e));
    }
    size_t pl = strlen(path);
    if (pl > 3 && strcmp(path + pl - 3, ".gz") == 0) {
        int fd2 = dup(lr->fd);
        gzFile gz = fd2 >= 0 ? gzdopen(fd2, "rb") : NULL;
        if (gz == NULL) {
            if (fd2 >= 0)
                close(fd2);
            return tz_err(err, TZ_ENOMEM, path, 0, "cannot start gzip reader");
        }
        gzbuffer(gz, LINES_BLOCK);
        lr->codec = 1;
        lr->z = gz;
    } else if (pl > 4 && strcmp(path + pl - 4, ".lz4") == 0) {
        LZ4F_dctx *dctx = NULL;
        lr->zin = malloc(LINES_BLOCK);
        if (lr->zin == NULL ||
            LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
            return tz_err(err, TZ_ENOMEM, path, 0, "cannot start lz4 reader");
        lr->codec = 2;
        lr->z = dctx;
    }
    return 0;
}

int tz_lines_open(struct tz_lines *lr, const char *path, size_t max_line,
                  struct tz_error *err)
{
    return tz_lines_open_in(lr, NULL, path, max_line, err);
}

int tz_lines_open_in(struct tz_lines *lr, const char *root, const char *path,
                     size_t max_line, struct tz_error *err)
{
    int rc = codec_open(lr, root, path, max_line, err);
    if (rc == 0 && (lr->rbuf = malloc(LINES_BLOCK)) == NULL)
        rc = tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
    if (rc != 0)
        tz_lines_close(lr);   /* idempotent: callers may close again */
    return rc;
}

/* Next block of at most want (decompressed) bytes into dst: >0 bytes, 0 at
 * the end, <0 a TZ_E* code. stable: for lz4, the caller's next call writes
 * right after this block and dst stays untouched till then, so the decoder
 * may keep its 64 KiB history in dst instead of copying it aside. */
static ssize_t fill_to(struct tz_lines *lr, char *dst, size_t want, int stable,
                       struct tz_error *err)
{
    ssize_t n;
    if (lr->codec == 0) {
        do
            n = read(lr->fd, dst, want);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            return tz_err(err, TZ_EIO, lr->path, lr->lineno + 1, "read failed: %s",
                          strerror(errno));
        return n;
    }
    if (lr->codec == 1) {
        int r = gzread(lr->z, dst, (unsigned)want);
        if (r < 0) {
            int zerr;
            const char *m = gzerror(lr->z, &zerr);
            return tz_err(err, TZ_EPARSE, lr->path, 0, "corrupt gzip data: %s", m);
        }
        n = r;
    } else {
        /* lz4 frames: feed compressed input until some output appears. */
        LZ4F_decompressOptions_t opt;
        memset(&opt, 0, sizeof(opt));
        opt.stableDst = stable ? 1u : 0u;
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
            size_t out = want, in = lr->zin_len - lr->zin_pos;
            size_t hint = LZ4F_decompress(lr->z, dst, &out, lr->zin + lr->zin_pos,
                                          &in, &opt);
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

static ssize_t fill(struct tz_lines *lr, struct tz_error *err)
{
    return fill_to(lr, lr->rbuf, LINES_BLOCK, 0, err);
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

/* ---- runs of whole lines ------------------------------------------------- */

#define CHUNKS_BLOCK (256 * 1024)
#define NO_NUL ((size_t)-1)

int tz_chunks_open(struct tz_chunks *cr, const char *path, size_t max_line,
                   struct tz_error *err)
{
    return tz_chunks_open_in(cr, NULL, path, max_line, err);
}

int tz_chunks_open_in(struct tz_chunks *cr, const char *root,
                      const char *path, size_t max_line, struct tz_error *err)
{
    memset(cr, 0, sizeof(*cr));
    cr->nul = NO_NUL;
    if (max_line > TZ_CHUNKS_MAX_LINE)
        max_line = TZ_CHUNKS_MAX_LINE;
    cr->max = max_line;
    int rc = codec_open(&cr->io, root, path, max_line, err);
    if (rc != 0) {
        tz_chunks_close(cr);
        return rc;
    }
    /* Never more than max_line + 1 bytes: then every whole line in the
     * buffer is within the bound, and no line has to be measured. */
    cr->cap = max_line < CHUNKS_BLOCK ? max_line + 1 : CHUNKS_BLOCK;
    if ((cr->buf = malloc(cr->cap)) == NULL) {
        tz_chunks_close(cr);
        return tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
    }
    return 0;
}

/* Append decompressed bytes until the buffer is (nearly) full or the file
 * ends. A failure is kept in pending: the lines read before it still count. */
static void chunks_fill(struct tz_chunks *cr)
{
    while (!cr->eof && cr->pending == 0 && cr->end < cr->cap) {
        size_t space = cr->cap - cr->end;
        size_t want = space;
        if (cr->io.codec != 0 && want > LINES_BLOCK)
            want = LINES_BLOCK;   /* the codecs' step, as tz_lines takes it */
        /* lz4 keeps its history in buf while the next block follows it */
        int stable = space >= 2 * (size_t)LINES_BLOCK;
        ssize_t r = fill_to(&cr->io, cr->buf + cr->end, want, stable, &cr->perr);
        if (r < 0)
            cr->pending = (int)r;
        else if (r == 0)
            cr->eof = 1;
        else
            cr->end += (size_t)r;
        if (cr->io.codec == 0 || cr->cap - cr->end < LINES_BLOCK)
            break;            /* a plain read took all it could */
    }
}

/* The first line in buf is refused: a NUL in it, or longer than the bound. */
static int chunks_refuse(struct tz_chunks *cr, int code, struct tz_error *err)
{
    if (code == TZ_ELIMIT)
        return tz_err(err, code, cr->io.path, 0, "line longer than %zu bytes",
                      cr->max);
    return tz_err(err, code, cr->io.path, 0, "line contains a NUL byte");
}

/* The read failure met while filling, now that the lines before it are out. */
static int chunks_pending(struct tz_chunks *cr, struct tz_error *err)
{
    if (err != NULL)
        *err = cr->perr;
    return cr->pending;
}

int tz_chunks_next(struct tz_chunks *cr, const char **run, size_t *len,
                   struct tz_error *err)
{
    if (cr->beg > 0) {        /* drop the run handed out last time */
        size_t keep = cr->end - cr->beg;
        memmove(cr->buf, cr->buf + cr->beg, keep);
        if (cr->nul != NO_NUL)
            cr->nul -= cr->beg;
        cr->checked -= cr->beg;
        cr->end = keep;
        cr->beg = 0;
    }
    for (;;) {
        if (cr->nul == NO_NUL && cr->checked < cr->end) {
            const char *z = memchr(cr->buf + cr->checked, '\0',
                                   cr->end - cr->checked);
            if (z != NULL)
                cr->nul = (size_t)(z - cr->buf);
            cr->checked = cr->end;
        }
        /* Hand out every whole line before the first NUL, if any. */
        size_t clean = cr->nul != NO_NUL ? cr->nul : cr->end;
        const char *nl = clean ? memrchr(cr->buf, '\n', clean) : NULL;
        if (nl != NULL) {
            cr->beg = (size_t)(nl - cr->buf) + 1;
            *run = cr->buf;
            *len = cr->beg;
            return 1;
        }
        /* The first line is not whole yet, or holds a NUL. A whole line in
         * buf is within the bound (cap <= max + 1); a NUL line is refused
         * once its length is known, as tz_lines_next measures first. */
        if (cr->nul != NO_NUL) {
            const char *e = memchr(cr->buf + cr->nul, '\n', cr->end - cr->nul);
            if (e != NULL)
                return chunks_refuse(cr, TZ_EPARSE, err);
            if (cr->eof)
                return chunks_refuse(cr, cr->end > cr->max ? TZ_ELIMIT
                                                           : TZ_EPARSE, err);
        } else if (cr->eof && cr->pending == 0) {
            if (cr->end == 0)
                return 0;
            if (cr->end > cr->max)     /* the last line, without '\n' */
                return chunks_refuse(cr, TZ_ELIMIT, err);
            cr->beg = cr->end;
            *run = cr->buf;
            *len = cr->end;
            return 1;
        }
        if (cr->pending != 0)
            return chunks_pending(cr, err);
        if (cr->end == cr->cap) {
            if (cr->cap > cr->max)
                return chunks_refuse(cr, TZ_ELIMIT, err);
            size_t ncap = cr->cap * 2;
            if (ncap > cr->max + 1 || ncap < cr->cap)
                ncap = cr->max + 1;
            char *nb = realloc(cr->buf, ncap);
            if (nb == NULL)
                return tz_err(err, TZ_ENOMEM, cr->io.path, 0, "out of memory");
            cr->buf = nb;
            cr->cap = ncap;
        }
        chunks_fill(cr);
    }
}

void tz_chunks_close(struct tz_chunks *cr)
{
    tz_lines_close(&cr->io);
    free(cr->buf);
    cr->buf = NULL;
    cr->cap = cr->beg = cr->end = 0;
}
