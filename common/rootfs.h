/* rootfs — reading the files of a host, live or below --root.
 *
 * Every collector reads through here so that `tz-agent --root DIR` really
 * reads every path below DIR, and every read is bounded: a file larger than
 * the caller's limit, or a line longer than its limit, is TZ_ELIMIT with the
 * path (and line) in err, never silently truncated.
 * A reader named *_in takes root and the host's own path and opens it with
 * tz_root_open; the plain ones read a path on this machine as it is (the
 * agent's configuration, keys, the live /sys), never one below a root. */
#ifndef TZ_ROOTFS_H
#define TZ_ROOTFS_H

#include <dirent.h>
#include <stddef.h>
#include <sys/stat.h>

#include "tz_error.h"

/* True when root means the running system (NULL, "" or "/"). */
int tz_root_is_live(const char *root);

/* out = root + path (path is absolute). TZ_ELIMIT if it does not fit.
 * For messages only: opening it would let a symlink in the image lead out
 * of root. Open with tz_root_open and the *_in readers below. */
int tz_path(const char *root, const char *path, char *out, size_t outlen);

/* Open path (the host's own name for it, "/etc/hostname") below root,
 * resolved as a chroot into root would resolve it: an absolute symlink
 * starts again at root and ".." stops there, so an image cannot lead a read
 * out of itself (security finding 7). A live root is open(2) as it was.
 * openat2(RESOLVE_IN_ROOT) where the kernel has it (5.6), tz_root_walk
 * before. O_CLOEXEC is added. Returns the fd, or TZ_ENOENT (missing, or a
 * file where a directory should be), TZ_EPERM, TZ_EIO; errno stays as the
 * failing call set it, err->file is root + path. */
int tz_root_open(const char *root, const char *path, int flags,
                 struct tz_error *err);

/* The directory path below root, resolved as tz_root_open does; NULL with
 * errno set. Close with closedir(). */
DIR *tz_root_opendir(const char *root, const char *path);

/* stat(2) of path below root, resolved as tz_root_open does; nofollow: of
 * a final symlink itself (lstat). 0, or -1 with errno set. */
int tz_root_stat(const char *root, const char *path, struct stat *st,
                 int nofollow);

/* tz_root_open's fallback, here for its tests: openat(2) of path below the
 * directory rootfd, one component at a time with O_NOFOLLOW, each symlink
 * read and resolved again inside rootfd, at most 40 of them (ELOOP, as the
 * kernel). Returns an fd, or -1 with errno set. */
int tz_root_walk(int rootfd, const char *path, int flags);
/* For tests: on = 1 makes tz_root_open walk even where openat2 works. */
void tz_root_force_walk(int on);

/* The open gate: a process that confines itself (the agent's privileged
 * worker, agent/privsep/confine.h) names the only files it may still open.
 * Once set, every open of this module (tz_root_open, tz_root_opendir,
 * tz_root_stat and the readers built on them, tz_read_file) first asks
 * gate(root, path, flags, arg) with the caller's root and host path; 0
 * refuses: the open fails with EACCES, and tz_root_open's error (TZ_EPERM)
 * says the file is not on the process's allow-list. NULL removes the gate.
 * Process-wide; set it in a process of its own, never in a library user. */
typedef int (*tz_open_gate_fn)(const char *root, const char *path, int flags,
                               void *arg);
void tz_open_gate(tz_open_gate_fn gate, void *arg);
/* What every open of this module asks first: 1 when no gate is set or the
 * gate allows the open; 0 (errno EACCES) when it refuses. */
int tz_open_gate_allows(const char *root, const char *path, int flags);
/* 1 when the last open of this module failed at the gate, for readers that
 * say why an open failed. */
int tz_open_gate_refused(void);

/* Read a whole file of at most max bytes into a NUL-terminated buffer
 * (the one whole-file reader: configuration, keys, imported sheets). It
 * reads to the bound plus one byte whatever fstat says, so a pipe or a
 * file that grows while read is bounded too.
 * Ownership: on success *out is the caller's (free()). *len excludes NUL.
 * Errors, err->file naming path: TZ_ENOENT/TZ_EIO "cannot open: ...",
 * TZ_ELIMIT "the file is larger than the limit of N bytes", TZ_EIO
 * "cannot read: ...", TZ_ENOMEM. *out is NULL on every error. */
int tz_read_file(const char *path, size_t max, char **out, size_t *len,
                 struct tz_error *err);

/* First line of a small file (sysfs, /etc/hostname), whitespace-trimmed,
 * into buf. TZ_ENOENT if missing or unreadable (e.g. root-only DMI files). */
int tz_read_line1(const char *path, char *buf, size_t len);
/* The same for path below root (tz_root_open). */
int tz_read_line1_in(const char *root, const char *path, char *buf,
                     size_t len);

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
/* The same for path below root (tz_root_open); lr->path is root + path. */
int tz_lines_open_in(struct tz_lines *lr, const char *root, const char *path,
                     size_t max_line, struct tz_error *err);
/* 1: *line set; 0: end of file; <0: TZ_ELIMIT (line too long) or TZ_EIO. */
int tz_lines_next(struct tz_lines *lr, char **line, size_t *len,
                  struct tz_error *err);
void tz_lines_close(struct tz_lines *lr);

/* Chunk reader: the same lines as tz_lines, handed out as runs of whole
 * lines instead of one copied line at a time, for scanners of big files
 * (apt lists: 50 MB, a million lines) that search a block at once.
 *
 * A run is one or more whole lines, each ending in '\n' except the file's
 * last line when it has none; runs are not NUL-terminated and are valid
 * until the next call. Same codecs (plain, .gz, .lz4 by the path's suffix)
 * and bounds as tz_lines: a line longer than max_line (at most
 * TZ_CHUNKS_MAX_LINE) is TZ_ELIMIT, a line holding a NUL byte TZ_EPARSE,
 * corrupt compressed data TZ_EPARSE, inflating past TZ_LINES_MAX_INFLATED
 * TZ_ELIMIT, a failed read TZ_EIO. Every whole line before the one in error
 * is handed out first, so the line in error is the one after the last line
 * given. The reader counts no lines (that would cost a pass over every
 * byte): err->line is 0, and a caller that says where counts the lines it
 * was given. After an error, only tz_chunks_close.
 * Memory: a buffer of at most max_line + 1 bytes (256 KiB normally), plus
 * the codec's state. */
#define TZ_CHUNKS_MAX_LINE ((size_t)1 << 30)
struct tz_chunks {
    struct tz_lines io;    /* file and codec; its line buffers stay unused */
    char *buf;
    size_t cap, beg, end;  /* buf[beg, end) not handed out yet */
    size_t max;
    size_t nul;            /* offset of the first NUL in buf, or (size_t)-1 */
    size_t checked;        /* buf[0, checked) has been searched for a NUL */
    int eof;
    int pending;           /* a read failure, returned once lines before it are out */
    struct tz_error perr;
};

/* TZ_ENOENT, TZ_EIO (cannot open), TZ_ENOMEM. Close cr even on failure. */
int tz_chunks_open(struct tz_chunks *cr, const char *path, size_t max_line,
                   struct tz_error *err);
/* The same for path below root (tz_root_open). */
int tz_chunks_open_in(struct tz_chunks *cr, const char *root,
                      const char *path, size_t max_line, struct tz_error *err);
/* 1: *run and *len set (len > 0); 0: end of file; <0: an error above. */
int tz_chunks_next(struct tz_chunks *cr, const char **run, size_t *len,
                   struct tz_error *err);
void tz_chunks_close(struct tz_chunks *cr);

/* Trim ASCII whitespace in place; returns s advanced past leading space. */
char *tz_trim(char *s);

/* strdup that returns NULL only on ENOMEM; NULL input gives "". */
char *tz_strdup(const char *s);

#endif
