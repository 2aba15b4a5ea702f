/* spool — unsent reports as one file per seq, in a locked directory. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys.h"
#include "tz_limits.h"
#include "tz_log.h"

#define SEQ_DIGITS 20                /* UINT64_MAX has 20 decimal digits */
#define SUFFIX ".report"
#define NAME_LEN (SEQ_DIGITS + sizeof(SUFFIX) - 1)

struct spool {
    char dir[1024];
    int dirfd;            /* held open for flock and fsync */
    size_t max;
    uint64_t *seqs;       /* sorted ascending, no duplicates */
    size_t n, cap;
};

static void name_of(uint64_t seq, char buf[NAME_LEN + 1])
{
    snprintf(buf, NAME_LEN + 1, "%0*" PRIu64 SUFFIX, SEQ_DIGITS, seq);
}

/* Exactly 20 digits and ".report"; anything else is not ours. */
static int parse_name(const char *name, uint64_t *seq)
{
    if (strlen(name) != NAME_LEN || strcmp(name + SEQ_DIGITS, SUFFIX) != 0)
        return -1;
    uint64_t v = 0;
    for (int i = 0; i < SEQ_DIGITS; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        unsigned d = (unsigned)(name[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *seq = v;
    return 0;
}

static void remove_entry(struct spool *sp, const char *name, const char *why)
{
    if (unlinkat(sp->dirfd, name, 0) != 0 && errno != ENOENT)
        tz_log(TZ_LOG_WARN, "spool: %s/%s: %s; cannot remove it: %s", sp->dir,
               name, why, strerror(errno));
    else
        tz_log(TZ_LOG_WARN, "spool: removed %s/%s: %s", sp->dir, name, why);
}

/* Read and decode one spooled file. NULL with *why set when it is not a
 * report we could send: the caller removes it. */
static Tz__Report *load(struct spool *sp, const char *name, const char **why,
                        int *vanished)
{
    *vanished = 0;
    /* O_NOFOLLOW and O_NONBLOCK: a planted symlink or FIFO cannot make us
     * read elsewhere or hang. */
    int fd = openat(sp->dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        *vanished = errno == ENOENT;
        *why = errno == ELOOP ? "a symbolic link" : "unreadable";
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        *why = "not a regular file";
        return NULL;
    }
    if (st.st_size > (off_t)TZ_MAX_MSG) {
        close(fd);
        *why = "larger than 8 MiB";
        return NULL;
    }
    if (st.st_size == 0) {
        close(fd);
        *why = "empty";
        return NULL;
    }
    size_t len = (size_t)st.st_size, got = 0;
    uint8_t *buf = malloc(len);
    if (buf == NULL) {
        close(fd);
        *why = "out of memory";
        return NULL;
    }
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    Tz__Report *rep = got == len ? tz__report__unpack(NULL, len, buf) : NULL;
    free(buf);
    if (rep == NULL)
        *why = got == len ? "not a report (does not decode)" : "short read";
    return rep;
}

static int index_insert(struct spool *sp, uint64_t seq)
{
    size_t i = sp->n;
    while (i > 0 && sp->seqs[i - 1] > seq)
        i--;
    if (i > 0 && sp->seqs[i - 1] == seq)
        return 0;                       /* rewritten in place */
    if (sp->n == sp->cap) {
        size_t cap = sp->cap ? sp->cap * 2 : 16;
        uint64_t *s = realloc(sp->seqs, cap * sizeof(*s));
        if (s == NULL)
            return TZ_ENOMEM;
        sp->seqs = s;
        sp->cap = cap;
    }
    memmove(sp->seqs + i + 1, sp->seqs + i, (sp->n - i) * sizeof(*sp->seqs));
    sp->seqs[i] = seq;
    sp->n++;
    return 0;
}

static void index_remove(struct spool *sp, uint64_t seq)
{
    for (size_t i = 0; i < sp->n; i++) {
        if (sp->seqs[i] == seq) {
            memmove(sp->seqs + i, sp->seqs + i + 1,
                    (sp->n - i - 1) * sizeof(*sp->seqs));
            sp->n--;
            return;
        }
    }
}

/* A rename or unlink is durable only once the directory is. */
static int sync_dir(struct spool *sp, struct tz_error *err)
{
    if (fsync(sp->dirfd) != 0)
        return tz_err(err, TZ_EIO, sp->dir, 0, "fsync of the spool directory "
                      "failed: %s", strerror(errno));
    return 0;
}

static int unlink_seq(struct spool *sp, uint64_t seq, struct tz_error *err)
{
    char name[NAME_LEN + 1];
    name_of(seq, name);
    if (unlinkat(sp->dirfd, name, 0) != 0 && errno != ENOENT)
        return tz_err(err, TZ_EIO, sp->dir, 0, "cannot remove %s: %s", name,
                      strerror(errno));
    index_remove(sp, seq);
    return 0;
}

static void trim(struct spool *sp)
{
    while (sp->n > sp->max) {
        uint64_t seq = sp->seqs[0];
        struct tz_error err = {0};
        if (unlink_seq(sp, seq, &err) != 0) {
            char buf[1024];
            /* Forget it anyway: the bound is on what we keep sending. */
            tz_log(TZ_LOG_ERROR, "spool: %s", tz_error_str(&err, buf, sizeof(buf)));
            index_remove(sp, seq);
        }
        tz_log(TZ_LOG_WARN, "spool full (%zu): dropped report seq %" PRIu64,
               sp->max, seq);
    }
}

/* Index the directory, removing whatever is not a sendable report. */
static int scan(struct spool *sp, struct tz_error *err)
{
    int fd = dup(sp->dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return tz_err(err, TZ_EIO, sp->dir, 0, "cannot list: %s", strerror(errno));
    }
    rewinddir(d);
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        uint64_t seq;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if (parse_name(name, &seq) != 0) {
            remove_entry(sp, name, strstr(name, ".tmp.") ? "unfinished write "
                         "(left by a crash)" : "not a spooled report");
            continue;
        }
        rc = index_insert(sp, seq) == 0
                 ? 0 : tz_err(err, TZ_ENOMEM, sp->dir, 0, "out of memory");
    }
    closedir(d);
    if (rc != 0)
        return rc;
    /* Newest first: keep the newest max reports that decode, so junk never
     * pushes a good report out, and decode no more than we keep. */
    size_t kept = 0, i = sp->n;
    while (i > 0 && kept < sp->max) {
        char name[NAME_LEN + 1];
        const char *why = NULL;
        int vanished;
        uint64_t seq = sp->seqs[--i];
        name_of(seq, name);
        Tz__Report *r = load(sp, name, &why, &vanished);
        if (r) {
            protobuf_c_message_free_unpacked(&r->base, NULL);
            kept++;
            continue;
        }
        if (!vanished)
            remove_entry(sp, name, why);
        index_remove(sp, seq);          /* only entries above i move */
    }
    /* Left over when kept reached max: the i oldest, beyond the bound. */
    trim(sp);
    return 0;
}

int spool_openat(int parentfd, const char *name, const char *shown,
                 size_t max_items, struct spool **out, struct tz_error *err)
{
    *out = NULL;
    if (max_items < 1)
        return tz_err(err, TZ_EINVAL, shown, 0, "spool bound must be at least 1");
    struct spool *sp = calloc(1, sizeof(*sp));
    if (sp == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    sp->dirfd = -1;
    sp->max = max_items;
    int rc;
    if (snprintf(sp->dir, sizeof(sp->dir), "%s", shown) >= (int)sizeof(sp->dir)) {
        rc = tz_err(err, TZ_ELIMIT, shown, 0, "path too long");
        goto fail;
    }
    if (mkdirat(parentfd, name, 0700) != 0 && errno != EEXIST) {
        rc = tz_err(err, TZ_EIO, shown, 0, "cannot create: %s", strerror(errno));
        goto fail;
    }
    sp->dirfd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                       O_CLOEXEC);
    if (sp->dirfd < 0) {
        rc = tz_err(err, TZ_EIO, shown, 0, "cannot open: %s", strerror(errno));
        goto fail;
    }
    if (flock(sp->dirfd, LOCK_EX | LOCK_NB) != 0) {
        rc = errno == EWOULDBLOCK
                 ? tz_err(err, TZ_EEXIST, shown, 0, "spool in use by another "
                          "tz-agent (a daemon is running)")
                 : tz_err(err, TZ_EIO, shown, 0, "cannot lock: %s", strerror(errno));
        goto fail;
    }
    if ((rc = scan(sp, err)) != 0)
        goto fail;
    *out = sp;
    return 0;
fail:
    spool_close(sp);
    return rc;
}

int spool_held(int parentfd, const char *name)
{
    int fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;   /* no spool: no daemon ever ran here */
    int held = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);      /* drops the lock if it was ours */
    return held;
}

int spool_open(const char *dir, size_t max_items, struct spool **out,
               struct tz_error *err)
{
    int rc = tz_mkdirs(dir, 0700, err);
    return rc != 0 ? rc : spool_openat(AT_FDCWD, dir, dir, max_items, out, err);
}

void spool_close(struct spool *sp)
{
    if (sp == NULL)
        return;
    if (sp->dirfd >= 0)
        close(sp->dirfd);               /* releases the lock */
    free(sp->seqs);
    free(sp);
}

int spool_put(struct spool *sp, uint64_t seq, const Tz__Report *r,
              struct tz_error *err)
{
    size_t len = tz__report__get_packed_size(r);
    if (len > TZ_MAX_MSG)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "report seq %" PRIu64 " is %zu "
                      "bytes, more than a collector accepts", seq, len);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf == NULL)
        return tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    tz__report__pack(r, buf);
    char name[NAME_LEN + 1];
    name_of(seq, name);
    int rc = tz_write_file_atomicat(sp->dirfd, sp->dir, name, buf, len, 0600, err);
    free(buf);
    if (rc == 0)
        rc = sync_dir(sp, err);
    if (rc == 0 && index_insert(sp, seq) != 0)
        rc = tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    if (rc != 0)
        return rc;
    /* Written first, trimmed after: a failed write never costs a report. */
    trim(sp);
    return 0;
}

int spool_oldest(struct spool *sp, uint64_t *seq, Tz__Report **r,
                 struct tz_error *err)
{
    *r = NULL;
    while (sp->n > 0) {
        char name[NAME_LEN + 1];
        const char *why = NULL;
        int vanished;
        name_of(sp->seqs[0], name);
        Tz__Report *rep = load(sp, name, &why, &vanished);
        if (rep) {
            *seq = sp->seqs[0];
            *r = rep;
            return 0;
        }
        if (vanished)
            tz_log(TZ_LOG_WARN, "spool: %s/%s vanished", sp->dir, name);
        else
            remove_entry(sp, name, why);
        index_remove(sp, sp->seqs[0]);
    }
    return tz_err(err, TZ_ENOENT, sp->dir, 0, "spool is empty");
}

int spool_delete(struct spool *sp, uint64_t seq, struct tz_error *err)
{
    int rc = unlink_seq(sp, seq, err);
    return rc != 0 ? rc : sync_dir(sp, err);
}

size_t spool_count(const struct spool *sp)
{
    return sp->n;
}

void spool_set_max(struct spool *sp, size_t max_items)
{
    sp->max = max_items ? max_items : 1;
    trim(sp);
}
