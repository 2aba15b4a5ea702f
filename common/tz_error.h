/* tz_error — error codes and the error record every module fills.
 *
 * Functions return 0 or a negative TZ_E* code; when they take a struct
 * tz_error *, they also say where (file, line) and why, in words an
 * administrator understands. err may be NULL when the caller does not care. */
#ifndef TZ_ERROR_H
#define TZ_ERROR_H

#include <stddef.h>

enum {
    TZ_OK = 0,
    TZ_ENOENT = -1,   /* file or record does not exist */
    TZ_EPARSE = -2,   /* input malformed; err->file/line say where */
    TZ_ENOMEM = -3,
    TZ_EIO = -4,      /* read/write/system call failed */
    TZ_ELIMIT = -5,   /* a bound was hit (size, count, length) */
    TZ_EINVAL = -6,   /* bad argument or value */
    TZ_EEXIST = -7,   /* record already exists */
    TZ_ECRYPTO = -8,  /* box did not open, key invalid */
    TZ_ESTORE = -9,   /* storage backend failure */
    TZ_ETIMEOUT = -10,
    TZ_EPROTO = -11,  /* peer answered something we cannot use */
    TZ_EPERM = -12,
    TZ_ECHANGED = -13 /* the record changed since the caller read it */
};

struct tz_error {
    int code;
    char file[256];   /* input the error is about, may be empty */
    long line;        /* 1-based line in file, 0 when not about a line */
    char msg[512];
};

/* Fill err (if not NULL) and return code. file may be NULL, line 0. */
int tz_err(struct tz_error *err, int code, const char *file, long line,
           const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "file:line: msg" or "file: msg" or "msg", into buf. Returns buf. */
const char *tz_error_str(const struct tz_error *err, char *buf, size_t len);

/* Short English name of a code ("parse error", ...). */
const char *tz_strerror(int code);

#endif
