/* textfile — bounded whole-file reads with in-memory line iteration. */
#include "textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "rootfs.h"

static int open_error(const char *path, int e, struct tz_error *err)
{
    if (e == EACCES && tz_open_gate_refused())
        return tz_err(err, TZ_EPERM, path, 0, "not on this process's "
                      "allow-list of files");
    if (e == ENOENT || e == ENOTDIR)
        return tz_err(err, TZ_ENOENT, path, 0, "does not exist");
    if (e == EACCES || e == EPERM)
        return tz_err(err, TZ_EPERM, path, 0, "permission denied");
    return tz_err(err, TZ_EIO, path, 0, "cannot open: %s", strerror(e));
}

int textfile_read(const char *path, size_t max, struct textfile *tf,
                  struct tz_error *err)
{
    return textfile_read_in(NULL, path, max, tf, err);
}

int textfile_read_in(const char *root, const char *rel, size_t max,
                     struct textfile *tf, struct tz_error *err)
{
    char path[4096];
    memset(tf, 0, sizeof(*tf));
    if (tz_path(root, rel, path, sizeof(path)) != 0)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "root path too long");
    int fd = tz_root_open(root, rel, O_RDONLY | O_NOCTTY | O_NONBLOCK, NULL);
    if (fd < 0)
        return open_error(path, errno, err);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return tz_err(err, TZ_EIO, path, 0, "cannot stat: %s", strerror(e));
    }
    /* A FIFO or device under --root would block or never end. */
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return tz_err(err, TZ_ELIMIT, path, 0, "not a regular file");
    }
    if ((unsigned long long)st.st_size > max) {
        close(fd);
        return tz_err(err, TZ_ELIMIT, path, 0, "file larger than %zu bytes",
                      max);
    }
    /* One allocation of the bound (plus a probe byte): the file may grow
     * between fstat and read, and a realloc would leave unwiped copies. */
    size_t cap = (size_t)st.st_size + 2;
    if (cap > max + 2)
        cap = max + 2;
    char *buf = malloc(cap);
    if (buf == NULL) {
        close(fd);
        return tz_err(err, TZ_ENOMEM, path, 0, "out of memory");
    }
    size_t n = 0;
    for (;;) {
        if (n == cap - 1)
            break;
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            sodium_memzero(buf, cap);
            free(buf);
            return tz_err(err, TZ_EIO, path, 0, "read failed: %s", strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n > (size_t)st.st_size) {
        /* grew while we read it: refuse rather than parse half a rewrite */
        sodium_memzero(buf, cap);
        free(buf);
        return tz_err(err, TZ_ELIMIT, path, 0,
                      "file changed while being read; try again");
    }
    buf[n] = '\0';
    tf->data = buf;
    tf->len = n;
    return 0;
}

int textfile_next(struct textfile *tf, char **line, size_t *len)
{
    if (tf->data == NULL || tf->pos >= tf->len)
        return 0;
    char *s = tf->data + tf->pos;
    size_t avail = tf->len - tf->pos;
    char *nl = memchr(s, '\n', avail);
    size_t n = nl ? (size_t)(nl - s) : avail;
    s[n] = '\0';                  /* the '\n' or the final NUL */
    tf->pos += n + (nl ? 1 : 0);
    if (n > 0 && s[n - 1] == '\r')
        s[--n] = '\0';
    tf->lineno++;
    *line = s;
    *len = n;
    return 1;
}

void textfile_free(struct textfile *tf)
{
    if (tf->data) {
        sodium_memzero(tf->data, tf->len + 1);
        free(tf->data);
    }
    memset(tf, 0, sizeof(*tf));
}

size_t textfile_split(char *line, char sep, char **f, size_t maxf)
{
    size_t n = 0;
    char *s = line;
    for (;;) {
        char *e = strchr(s, sep);
        if (n < maxf)
            f[n] = s;
        n++;
        if (e == NULL)
            break;
        if (n <= maxf)
            *e = '\0';
        s = e + 1;
    }
    return n;
}
