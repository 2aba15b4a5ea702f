/* rootfs — reading the files of a host, live or below --root.
 *
 * Every collector reads through here so that `tz-agent --root DIR` really
 * reads every path below DIR, and every read is bounded: a file larger than
 * the caller's limit, or a line longer than its limit, is TZ_ELIMIT with the
 * path (and line) in err, never silently truncated. */
#ifndef TZ_ROOTFS_H
#define TZ_ROOTFS_H

#include <stddef.h>

#include "tz_error.h"

/* True when root means the running system (NULL, "" or "/"). */
int tz_root_is_live(const char *root);

/* out = root + path (path is absolute). TZ_ELIMIT if it does not fit. */
int tz_path(const char *root, const char *path, char *out, size_t outlen);

/* Read a whole file of at most max bytes into a NUL-terminated buffer.
 * Ownership: on success *out is the caller's (free()). *len excludes NUL. */
int tz_read_file(const char *path, size_t max, char **out, size_t *len,
                 struct tz_error *err);

/* First line of a small file (sysfs, /etc/hostname), whitespace-trimmed,
 * into buf. TZ_ENOENT if missing or unreadable (e.g. root-only DMI files). */
int tz_read_line1(const char *path, char *buf, size_t len);

/* Line reader with a bound on line length. Lines are returned without the
 * trailing newline, NUL-terminated, valid until the next call.
 * A path ending in ".gz" or ".lz4" is decompressed on the fly (apt keeps its
 * lists so with Acquire::GzipIndexes); a stream that inflates past
 * TZ_LINES_MAX_INFLATED is TZ_ELIMIT, so a compression bomb costs bounded
 * time. Corrupt compressed data is TZ_EPARSE. */
#define TZ_LINES_MAX_INFLATED ((unsigned long long)1 << 30)
struct tz_lines {
    int fd;
    char path[256];
    long lineno;      /* number of the line last returned, 1-based */
    size_t max;       /* longest line accepted, in bytes */
    char *buf;        /* the line returned */
    size_t cap;
    int eof_newline;  /* last line ended with '\n' */
    char *rbuf;       /* read-ahead block */
    size_t rpos, rlen;
    int eof;
    int codec;        /* 0 plain, 1 gzip, 2 lz4 frame */
    void *z;          /* gzFile or LZ4F decompression context */
    char *zin;        /* lz4: compressed input not yet consumed */
    size_t zin_pos, zin_len;
    unsigned long long inflated;
};

int tz_lines_open(struct tz_lines *lr, const char *path, size_t max_line,
                  struct tz_error *err);
/* 1: *line set; 0: end of file; <0: TZ_ELIMIT (line too long) or TZ_EIO. */
int tz_lines_next(struct tz_lines *lr, char **line, size_t *len,
                  struct tz_error *err);
void tz_lines_close(struct tz_lines *lr);

/* Trim ASCII whitespace in place; returns s advanced past leading space. */
char *tz_trim(char *s);

/* strdup that returns NULL only on ENOMEM; NULL input gives "". */
char *tz_strdup(const char *s);

#endif
